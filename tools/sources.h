// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Training data through GStreamer: any image GStreamer decodes, any pipeline it can run.

#include "gan/dataset.h"
#include "gan/photos.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gan_tools {

// Every .png/.jpg/.jpeg in `dir` (sorted by name), decoded, converted to `channels` (1 = GRAY8,
// 3 = RGB) and resized to height x width. Throws gan::Error.
gan::ImageSet load_image_folder(const std::string &dir, int64_t channels, int64_t height,
                                int64_t width);

// Frames of `description ! videoconvert ! videoscale ! <caps> ! appsink`, at most max_frames
// (0 = until EOS). Throws gan::Error with the pipeline's own error text.
gan::ImageSet load_pipeline(const std::string &description, int64_t channels, int64_t height,
                            int64_t width, int64_t max_frames);

// The photos of a manifest with the given split, each decoded once (anything GStreamer decodes)
// and area-averaged down to its working resolution (longest side at most max_side). Throws
// gan::Error: NotFound for a missing file, InvalidArgument for one that does not decode or
// when no photo has the split.
std::vector<gan::Photo> load_photos(const std::vector<gan::PhotoEntry> &manifest,
                                    gan::PhotoSplit split, int64_t max_side);

} // namespace gan_tools
