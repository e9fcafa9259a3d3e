// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Training data through GStreamer: any image GStreamer decodes, any pipeline it can run.

#include "gan/dataset.h"

#include <cstdint>
#include <string>

namespace gan_tools {

// Every .png/.jpg/.jpeg in `dir` (sorted by name), decoded, converted to `channels` (1 = GRAY8,
// 3 = RGB) and resized to height x width. Throws gan::Error.
gan::ImageSet load_image_folder(const std::string &dir, int64_t channels, int64_t height,
                                int64_t width);

// Frames of `description ! videoconvert ! videoscale ! <caps> ! appsink`, at most max_frames
// (0 = until EOS). Throws gan::Error with the pipeline's own error text.
gan::ImageSet load_pipeline(const std::string &description, int64_t channels, int64_t height,
                            int64_t width, int64_t max_frames);

} // namespace gan_tools
