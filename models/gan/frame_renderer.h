// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Video frames from a generator, in one call: the latents of each frame index, the batches of
// generator output kept until they are played, and the layout that puts samples on a frame
// (a rows x columns mosaic, each sample scaled to its cell). Frame n is a pure function of
// (model, settings, n): batch size changes only speed, and frames can be drawn in any order.

#include "gan/frames.h"
#include "gan/runtime.h"

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace gan {

struct RenderSettings {
  uint64_t seed = 0;
  Motion motion = Motion::Walk;
  int64_t walk_frames = 60;
  int64_t rows = 1, columns = 1;
  Scaling scaling = Scaling::Bilinear;
  int64_t batch_size = 1; // frames generated together: speed only, never the pixels

  // The settings a frame's pixels depend on (batch size excluded).
  bool same_frames(const RenderSettings &o) const {
    return seed == o.seed && motion == o.motion && walk_frames == o.walk_frames && rows == o.rows &&
           columns == o.columns;
  }
};

class FrameRenderer {
public:
  explicit FrameRenderer(std::unique_ptr<Generator> generator);

  const Generator &generator() const { return *generator_; }

  // Draws frame n into `frame` (any size, any format the core writes). Returns how many frames
  // the generator made for this call: 0 when frame n was already made (by an earlier batch, or
  // once and for all for a static stream). Throws Error.
  int64_t render(const RenderSettings &settings, uint64_t n, const FrameView &frame);

private:
  // The generator output of frame n, made with the frames after it in one batch.
  const std::vector<float> &samples(const RenderSettings &settings, uint64_t n, int64_t &made);

  std::unique_ptr<Generator> generator_;
  RenderSettings cached_for_;
  std::map<uint64_t, std::vector<float>> cache_; // frame index -> its samples
};

} // namespace gan
