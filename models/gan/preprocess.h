// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Frames into model inputs: colour to the model's channels, then its input size, then [-1, 1].

#include "gan/frames.h"

#include <vector>

namespace gan {

enum class Preprocess {
  Resize,     // the whole frame, area-averaged down (or bilinear up) to the model's size
  CenterCrop, // the largest centred region of the model's aspect ratio, then resized
  Tiles,      // native-resolution patches of the model's size covering the frame; upsampling
              // artifacts, the main evidence of generated images, survive only at native scale
  Letterbox,  // the whole frame scaled to fit, aspect ratio kept, the margins black (-1)
};

// Appends the model inputs of one frame to `out` (floats [n, channels, height, width] in
// [-1, 1]) and returns n: 1 for Resize, CenterCrop and Letterbox, the number of tiles for Tiles (at
// most max_tiles, evenly spread; frames smaller than one tile fall back to Resize). Gray models
// read luma; YUV input is BT.601 limited range. Throws Error(InvalidArgument).
int64_t frame_to_inputs(const FrameView &frame, Preprocess mode, int64_t channels, int64_t height,
                        int64_t width, int64_t max_tiles, std::vector<float> &out);

// The frame's logit from the logits of its n inputs (n tiles, or the one input of the other
// modes): their mean. The one rule gandetect, the detector's calibration and its evaluation
// share, so that a threshold set on one means the same on the others.
double frame_logit_of(const float *input_logits, int64_t n);

} // namespace gan
