// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Video frames from a generator, in one call: the latents of each frame index, the batches of
// generator output kept until they are played, and the layout that puts them on a frame. A
// field model paints the frame's own size (gan/field_video.h: drift, walk, scenes); a vector
// model's samples make a rows x columns mosaic, each letterboxed into its cell. Frame n is a
// pure function of (model, settings, frame size, n): batch size changes only speed, and frames
// can be drawn in any order.

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
  int64_t rows = 1, columns = 1; // vector models
  Scaling scaling = Scaling::Bilinear;
  double drift_speed = 0, drift_angle = 0; // field models (StreamSettings)
  int64_t scene_size = 320;
  double pixel_aspect = 1.0; // the frame's pixel width / pixel height (caps' pixel-aspect-ratio)
  int64_t batch_size = 1;    // frames generated together: speed only, never the pixels
  // Frames still wanted from n on (num-buffers, a segment's stop), or -1 when unbounded: a batch
  // never makes frames nobody will play. Speed only, like batch_size.
  int64_t frames_left = -1;

  // The settings a frame's pixels depend on (batch size excluded).
  bool same_frames(const RenderSettings &o) const {
    return seed == o.seed && motion == o.motion && walk_frames == o.walk_frames && rows == o.rows &&
           columns == o.columns && drift_speed == o.drift_speed && drift_angle == o.drift_angle &&
           scene_size == o.scene_size && pixel_aspect == o.pixel_aspect;
  }
  StreamSettings stream() const {
    return {seed, motion, walk_frames, rows * columns, drift_speed, drift_angle, scene_size};
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

  // The most pixels a field model paints for one frame (its activations at half resolution
  // take ~128 bytes a painted pixel): 36 million, 8K UHD (7680x4320) and less.
  static constexpr int64_t kMaxPaintedPixels = 36000000;
  // The most samples of a vector model in one forward pass, however many frames a batch asks
  // for: a 64x64 mosaic (4096 samples) is one frame a pass; a frame's own samples always are.
  static constexpr int64_t kMaxBatchSamples = 4096;
  // Frames generated together for these settings: batch_size, capped by frames_left and by
  // kMaxBatchSamples; at least 1.
  static int64_t batch_frames(const RenderSettings &settings);

  // The size a field model paints for a frame: the frame's, widened or heightened so that
  // square painted pixels show undistorted on the frame's pixels (at most 4x each way).
  static std::pair<int64_t, int64_t> painted_size(const RenderSettings &settings, int64_t height,
                                                  int64_t width);

private:
  // The generator output of frame n (a field model's painted frame of height x width, or a
  // vector model's samples), made with the frames after it in one batch.
  const std::vector<float> &output(const RenderSettings &settings, uint64_t n, int64_t height,
                                   int64_t width, int64_t &made);

  // Frames played or dropped give their storage to the next ones (a 1080p frame is 25 MB of
  // floats: fresh pages for each would cost more than copying it).
  void drop(std::map<uint64_t, std::vector<float>>::iterator first,
            std::map<uint64_t, std::vector<float>>::iterator last);
  std::vector<float> reuse();
  static constexpr size_t kSpares = 4;

  std::unique_ptr<Generator> generator_;
  RenderSettings cached_for_;
  int64_t cached_height_ = 0, cached_width_ = 0;
  std::map<uint64_t, std::vector<float>> cache_; // frame index -> its output
  std::vector<std::vector<float>> spares_;       // storage of dropped frames
  std::vector<float> scratch_;                   // a vector model's batch
};

} // namespace gan
