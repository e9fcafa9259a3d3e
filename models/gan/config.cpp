// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/config.h"

#include "gan/error.h"
#include "gan_build_config.h"

#include <ctime>
#include <initializer_list>

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
  case ErrorCode::Distributed:
    return "distributed";
  }
  return "unknown";
}

namespace {

// clang-format off
constexpr ArchTraits kArchs[] = {
  // arch               name           gan    latent zoo    only  step  min  fields
  {Arch::Mlp,         "mlp",         true,  true,  false, 0,    0,    0,   false},
  {Arch::Dcgan,       "dcgan",       true,  true,  true,  28,   0,    0,   false},
  {Arch::Field,       "field",       true,  true,  true,  0,    8,    32,  true},
  {Arch::Autoencoder, "autoencoder", false, true,  true,  0,    8,    16,  false},
  {Arch::Classifier,  "classifier",  false, false, false, 28,   0,    0,   false},
  {Arch::Detector,    "detector",    false, false, false, 0,    1,    8,   false},
};
// clang-format on

} // namespace

const ArchTraits *find_arch(const std::string &name) {
  for (const ArchTraits &a : kArchs)
    if (name == a.name)
      return &a;
  return nullptr;
}

const ArchTraits &arch_of(const ModelConfig &config) {
  if (const ArchTraits *a = find_arch(config.arch))
    return *a;
  std::string known;
  for (const ArchTraits &a : kArchs)
    known += std::string(known.empty() ? "" : ", ") + a.name;
  throw Error(ErrorCode::UnknownArchitecture,
              "unknown architecture '" + config.arch + "' (known: " + known + ")");
}

bool is_arch(const ModelConfig &config, Arch arch) {
  const ArchTraits *a = find_arch(config.arch);
  return a && a->arch == arch;
}

namespace {

// One setting's known values, and the error that names them.
void check_one_of(const std::string &what, const std::string &value,
                  std::initializer_list<const char *> known) {
  std::string list;
  for (const char *k : known) {
    if (value == k)
      return;
    list += std::string(list.empty() ? "" : ", ") + k;
  }
  throw Error(ErrorCode::InvalidArgument,
              "unknown " + what + " '" + value + "' (known: " + list + ")");
}

} // namespace

std::string generator_family(const ModelConfig &c) {
  if (c.upsample == "nearest")
    return is_arch(c, Arch::Dcgan) ? "transposed" : "icnr";
  return c.upsample;
}

void validate_config(const ModelConfig &c) {
  const ArchTraits &a = arch_of(c);
  // Bounds keep a hostile header from asking for absurd allocations.
  if (a.latent ? (c.latent < 1 || c.latent > 4096) : c.latent != 0)
    throw Error(ErrorCode::InvalidArgument,
                "latent size must be in [1, 4096] for GANs and autoencoders and 0 for "
                "classifiers and detectors");
  if (c.channels != 1 && c.channels != 3)
    throw Error(ErrorCode::InvalidArgument, "channels must be 1 or 3");
  if (c.height < 1 || c.width < 1 || c.height > 1024 || c.width > 1024)
    throw Error(ErrorCode::InvalidArgument, "height and width must be in [1, 1024]");
  if (a.only_side && (c.height != a.only_side || c.width != a.only_side))
    throw Error(ErrorCode::InvalidArgument, "the " + c.arch + " architecture is " +
                                                std::to_string(a.only_side) + "x" +
                                                std::to_string(a.only_side) + " only");
  if (a.side_step && (c.height % a.side_step || c.width % a.side_step || c.height < a.min_side ||
                      c.width < a.min_side))
    throw Error(ErrorCode::InvalidArgument,
                "the " + c.arch + " architecture " +
                    (a.side_step > 1 ? "trains on patches whose sides are multiples of " +
                                           std::to_string(a.side_step) + " and at least "
                                     : "needs images of at least ") +
                    std::to_string(a.min_side) +
                    (a.side_step > 1 ? "" : "x" + std::to_string(a.min_side)));
  // The field generator paints 8 pixels per latent cell from local and global halves.
  if (a.paints_fields && (c.latent < 2 || c.latent % 2))
    throw Error(ErrorCode::InvalidArgument,
                "the field architecture needs an even latent size (local and global halves)");
  check_one_of("upsampling", c.upsample,
               {"nearest", "nearest-conv", "bilinear", "bicubic", "transposed", "shuffle", "icnr"});
  check_one_of("normalisation", c.norm, {"batch", "instance", "group", "none"});
  check_one_of("activation", c.activation, {"relu", "leaky", "elu", "silu"});
  check_one_of("output layer", c.output, {"tanh", "hardtanh", "sigmoid"});
  check_one_of("detector input", c.input, {"residual", "npr"});
  if (c.filters < 16 || c.filters > 512 || c.filters % 4)
    throw Error(ErrorCode::InvalidArgument, "filters must be a multiple of 4 in [16, 512]");
  if (c.kernel < 2 || c.kernel > 5)
    throw Error(ErrorCode::InvalidArgument, "the transposed kernel must be in [2, 5]");
  if (c.depth < 0 || c.depth > 2)
    throw Error(ErrorCode::InvalidArgument, "depth (extra convolutions a stage) must be in [0, 2]");
  const ModelConfig d;
  const bool zoo_default = c.kernel == d.kernel && c.norm == d.norm &&
                           c.activation == d.activation && c.output == d.output &&
                           c.depth == d.depth;
  if (!a.zoo_settings && (c.upsample != d.upsample || c.filters != d.filters || !zoo_default))
    throw Error(ErrorCode::InvalidArgument,
                "upsampling, filters, kernel, norm, activation, output and depth are field, "
                "dcgan and autoencoder settings");
  if (c.upsample == "nearest" &&
      (!zoo_default || (a.arch == Arch::Dcgan && c.filters != d.filters)))
    throw Error(ErrorCode::InvalidArgument,
                "the shipped field generator and the classic DCGAN (upsample nearest) have no "
                "zoo settings; use nearest-conv for a nearest-neighbour family member");
  // A DCGAN zoo member's first layer holds latent x filters x 49 weights: a header may not
  // ask for hundreds of megabytes before its weights are read.
  if (a.arch == Arch::Dcgan && c.upsample != "nearest" && c.latent > 512)
    throw Error(ErrorCode::InvalidArgument, "a DCGAN zoo member's latent size must be at most 512");
  if (a.arch == Arch::Autoencoder && c.upsample == "nearest")
    throw Error(ErrorCode::InvalidArgument,
                "an autoencoder's decoder is a zoo family (nearest-conv, bilinear, bicubic, "
                "transposed, shuffle, icnr), not the shipped unpadded generator");
  if (a.arch != Arch::Detector && c.input != d.input)
    throw Error(ErrorCode::InvalidArgument, "input is a detector setting");
  if (a.arch == Arch::Mlp && c.channels * c.height * c.width > 65536)
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

Provenance provenance_now(const std::string &dataset, int64_t steps, uint64_t seed) {
  Provenance p;
  p.dataset = dataset;
  p.steps = steps;
  p.seed = seed;
  p.date = iso_date_now();
  p.tool_version = std::string("gst-gan ") + version();
  return p;
}

} // namespace gan
