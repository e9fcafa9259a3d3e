// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// PNG output through cairo: sample grids and the loss plot.

#include "gan/trainer.h"
#include "gan/watermark.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gan_tools {

// images: float [n, channels, height, width] in [-1, 1]; channels 1 or 3. Tiles them `columns`
// wide with a 2-pixel border, each pixel scaled up `scale` times. Throws gan::Error(Io).
void write_image_grid(const std::string &path, const float *images, int64_t n, int64_t channels,
                      int64_t height, int64_t width, int64_t columns, int scale);

// One image per file, 8-bit, exactly height x width (gray or RGB PNG).
void write_image_png(const std::string &path, const uint8_t *chw, int64_t channels, int64_t height,
                     int64_t width);

// gst-gan's watermark on a PNG file (8-bit, opaque; gray or colour): embeds it under `key`
// and writes `out` (false, nothing written, when the image is smaller than 128x128), or reads
// it. Throws gan::Error (NotFound, Io) for files that cannot be read or written.
bool watermark_png(const std::string &in, const std::string &out, const std::string &key,
                   uint32_t payload);
gan::WatermarkVerdict read_watermark_png(const std::string &in, const std::string &key);

// D and G losses against the step, raw (faint) and smoothed (bold).
void write_loss_plot(const std::string &path, const std::vector<gan::StepStats> &history);

} // namespace gan_tools
