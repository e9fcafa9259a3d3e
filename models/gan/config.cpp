// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/config.h"

#include "gan/error.h"
#include "gan_build_config.h"

#include <ctime>

namespace gan {

const char *error_code_name(ErrorCode code) {
  switch (code) {
  case ErrorCode::NotFound:
    return "not-found";
  case ErrorCode::WrongKind:
    return "wrong-kind";
  case ErrorCode::Truncated:
    return "truncated";
  case ErrorCode::Corrupt:
    return "corrupt";
  case ErrorCode::ConfigMismatch:
    return "config-mismatch";
  case ErrorCode::UnknownArchitecture:
    return "unknown-architecture";
  case ErrorCode::InvalidArgument:
    return "invalid-argument";
  case ErrorCode::Io:
    return "io";
  case ErrorCode::Inference:
    return "inference";
  }
  return "unknown";
}

void validate_config(const ModelConfig &c) {
  if (c.arch != "mlp" && c.arch != "dcgan")
    throw Error(ErrorCode::UnknownArchitecture,
                "unknown architecture '" + c.arch + "' (known: mlp, dcgan)");
  // Bounds keep a hostile header from asking for absurd allocations.
  if (c.latent < 1 || c.latent > 4096)
    throw Error(ErrorCode::InvalidArgument, "latent size must be in [1, 4096]");
  if (c.channels != 1 && c.channels != 3)
    throw Error(ErrorCode::InvalidArgument, "channels must be 1 or 3");
  if (c.height < 1 || c.width < 1 || c.height > 1024 || c.width > 1024)
    throw Error(ErrorCode::InvalidArgument, "height and width must be in [1, 1024]");
  if (c.arch == "dcgan" && (c.height != 28 || c.width != 28))
    throw Error(ErrorCode::InvalidArgument, "the dcgan architecture makes 28x28 images only");
  if (c.arch == "mlp" && c.channels * c.height * c.width > 65536)
    throw Error(ErrorCode::InvalidArgument, "the mlp architecture is limited to 65536 outputs");
}

std::string iso_date_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char *version() { return GAN_VERSION; }

} // namespace gan
