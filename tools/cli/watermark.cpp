// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan watermark: embed gst-gan's provenance watermark in a PNG, or read it back.

#include "cli/command.h"

#include "images.h"

#include "gan/error.h"
#include "gan/watermark.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace {

struct WatermarkArgs {
  std::string in, out, key = gan::kWatermarkDefaultKey;
  uint32_t payload = 0;
};

int run_watermark(const WatermarkArgs &a) {
  if (!a.out.empty()) {
    if (!gan_tools::watermark_png(a.in, a.out, a.key, a.payload))
      throw gan::Error(gan::ErrorCode::InvalidArgument,
                       "'" + a.in + "' is smaller than 128x128: too small for the watermark");
    std::printf("wrote %s (payload %u)\n", a.out.c_str(), a.payload);
    return 0;
  }
  const gan::WatermarkVerdict v = gan_tools::read_watermark_png(a.in, a.key);
  nlohmann::json out{{"found", v.found},
                     {"payload", v.found ? v.payload : 0},
                     {"version", v.version},
                     {"score", v.score}};
  if (v.found && v.version == 2 && v.searched) // a crop of the marked picture: where it lies
    out["region"] = {
        {"x", v.offset_x}, {"y", v.offset_y}, {"width", v.scale_x}, {"height", v.scale_y}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

} // namespace

namespace gan_cli {

Command add_watermark(CLI::App &app) {
  auto a = std::make_shared<WatermarkArgs>();
  CLI::App *watermark = app.add_subcommand(
      "watermark", "embed gst-gan's provenance watermark in a PNG (--out), or read it (JSON)");
  watermark->add_option("--in,-i", a->in, "PNG image (at least 128x128)")->required();
  watermark->add_option("--out,-o", a->out, "where to write the marked PNG; without: read");
  watermark->add_option("--key", a->key, "watermark key")->capture_default_str();
  watermark->add_option("--payload", a->payload, "32-bit payload to embed")->capture_default_str();
  return {watermark, [a] { return run_watermark(*a); }};
}

} // namespace gan_cli
