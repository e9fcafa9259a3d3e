// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Images as tensors: float [N, C, H, W] in [-1, 1] (what every network takes and makes) and
// uint8 pixels. The rounding is the same as gan/resample.h's for single samples.

#include <torch/torch.h>

namespace gan {

// [-1, 1] float images -> uint8 [N, C, H, W] with round-to-nearest, and back.
inline torch::Tensor to_uint8(const torch::Tensor &images) {
  return ((images.clamp(-1.0, 1.0) + 1.0) * 127.5).round().to(torch::kUInt8);
}

inline torch::Tensor from_uint8(const torch::Tensor &pixels) {
  return pixels.to(torch::kFloat32).div(127.5).sub(1.0);
}

} // namespace gan
