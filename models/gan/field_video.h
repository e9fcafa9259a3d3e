// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The latent fields of a field model's video (gan/field_nets.h paints them). A video looks into
// an endless latent *world* anchored on the integer grid of field cells:
// - local channels: i.i.d. N(0, 1) per world cell, drawn in 16 x 16-cell blocks, each block a
//   pure function of (seed, key, block position);
// - global channels: one N(0, 1) vector per scene anchor, anchors every `scene_size` pixels,
//   blended across the world with smooth weights normalised so that every cell stays N(0, 1)
//   (scene_size 0: one global vector for the whole world, as in training);
// - time: world `key` k = n / walk_frames for Walk (and n for Random, 0 for Static); between
//   keys every value moves along a great circle, cos(pi t / 2) a + sin(pi t / 2) b, which
//   keeps N(0, 1) at every t and is continuous from frame to frame;
// - drift: frame n sees the world through a window that moves by drift_speed pixels per frame,
//   so the picture pans by whole pixels; the unpadded generator commutes with whole-cell
//   shifts, so the painted world is one picture the window slides over.
// Frame n is a pure function of (settings, latent size, frame size, n).

#include "gan/runtime.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace gan {

// A frame's field and where its pixels sit in the painted field image.
struct FrameField {
  torch::Tensor field;  // [latent, fh, fw]
  int64_t x = 0, y = 0; // top-left of the frame in the field's painted image
};

// The fields of a video's frames, keeping the last few key windows of the world: a walk
// without drift reuses its two keys' windows for walk_frames frames instead of drawing them
// again. What it returns does not depend on what it kept.
class FieldWorld {
public:
  // The field of frame n for a frame of height x width pixels. Every frame of one (settings,
  // size) has a field of the same shape. Throws Error(InvalidArgument).
  FrameField frame(const StreamSettings &settings, int64_t latent, uint64_t n, int64_t height,
                   int64_t width);

private:
  struct Window {
    uint64_t seed = 0, key = 0;
    int64_t scene_size = 0, latent = 0, y0 = 0, x0 = 0, h = 0, w = 0;
    torch::Tensor values;
  };
  const torch::Tensor &window(const StreamSettings &settings, uint64_t key, int64_t latent,
                              int64_t y0, int64_t x0, int64_t h, int64_t w);
  std::vector<Window> recent_; // newest last, at most 4
};

// The same as FieldWorld().frame(...).
FrameField frame_field(const StreamSettings &settings, int64_t latent, uint64_t n, int64_t height,
                       int64_t width);

// The top-left world pixel of frame n (drift only; (0, 0) without drift).
std::pair<int64_t, int64_t> drift_origin(const StreamSettings &settings, uint64_t n);

} // namespace gan
