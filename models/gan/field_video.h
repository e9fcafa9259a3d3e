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
#include <functional>
#include <map>
#include <utility>
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

// A pan (Motion::Static with drift) is a window sliding over one still world: the world is
// painted in kTile x kTile pixel tiles anchored on the world grid, each tile from its own window
// of the latent world (the unpadded generator commutes with whole-cell shifts, so the tiles
// join into one picture), and a frame is the crop of the tiles it covers. A tile is painted
// when the window first uncovers it and kept while the window still covers it; only the tiles
// of the last frame are held. A pan's frame n is therefore a pure function of (settings, latent
// size, frame size, n), whatever was kept, whatever order frames are asked in. Cost: a pan
// paints a strip of tiles every kTile / drift-speed frames; a frame painted from nothing (the
// first, after a seek, or at a drift of kTile pixels a frame or more) paints every tile it
// touches, about twice the pixels of the frame (part-covered edge tiles, and each tile's
// 2-cell margin).
class PannedWorld {
public:
  static constexpr int64_t kTile = 128; // pixels, a multiple of kFieldScale (field_nets.h)
  // A painter takes a latent field [1, latent, kTile / 8 + 4, kTile / 8 + 4] and returns its
  // image [1, channels, kTile, kTile] in [-1, 1] (Generator's field painting).
  using Painter = std::function<torch::Tensor(const torch::Tensor &field)>;

  static bool pans(const StreamSettings &settings) {
    return settings.motion == Motion::Static && settings.drift_speed != 0;
  }

  // Frame n of a pan, height x width, into out (channels x height x width floats). Returns
  // the tiles painted for it. Throws Error(InvalidArgument) for settings that do not pan, or
  // an Error from the painter.
  int64_t frame(const StreamSettings &settings, int64_t latent, int64_t channels, uint64_t n,
                int64_t height, int64_t width, const Painter &paint, float *out);

  size_t tiles_held() const { return tiles_.size(); }
  void clear() { tiles_.clear(); }

private:
  uint64_t seed_ = 0;
  int64_t scene_size_ = -1, latent_ = -1, channels_ = -1;
  std::map<std::pair<int64_t, int64_t>, torch::Tensor> tiles_; // (row, column) -> [C, T, T]
};

// The same as FieldWorld().frame(...).
FrameField frame_field(const StreamSettings &settings, int64_t latent, uint64_t n, int64_t height,
                       int64_t width);

// The top-left world pixel of frame n (drift only; (0, 0) without drift).
std::pair<int64_t, int64_t> drift_origin(const StreamSettings &settings, uint64_t n);

} // namespace gan
