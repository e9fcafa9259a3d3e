// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/frame_renderer.h"

#include "gan/error.h"

#include <algorithm>
#include <cmath>

namespace gan {

FrameRenderer::FrameRenderer(std::unique_ptr<Generator> generator)
    : generator_(std::move(generator)) {}

std::pair<int64_t, int64_t> FrameRenderer::painted_size(const RenderSettings &s, int64_t height,
                                                        int64_t width) {
  const double par = std::clamp(s.pixel_aspect, 0.25, 4.0);
  if (par >= 1)
    return {height, std::max<int64_t>(1, std::llround(static_cast<double>(width) * par))};
  return {std::max<int64_t>(1, std::llround(static_cast<double>(height) / par)), width};
}

int64_t FrameRenderer::batch_frames(const RenderSettings &s) {
  int64_t batch = std::max<int64_t>(1, s.batch_size);
  if (s.frames_left >= 0)
    batch = std::min(batch, std::max<int64_t>(1, s.frames_left));
  const int64_t samples = std::max<int64_t>(1, s.rows * s.columns);
  return std::max<int64_t>(1, std::min(batch, kMaxBatchSamples / samples));
}

const std::vector<float> &FrameRenderer::output(const RenderSettings &s, uint64_t n, int64_t height,
                                                int64_t width, int64_t &made) {
  made = 0;
  if (!s.same_frames(cached_for_) || height != cached_height_ || width != cached_width_) {
    cache_.clear();
    spares_.clear(); // storage of another size: given back, not kept
    cached_for_ = s;
    cached_height_ = height;
    cached_width_ = width;
  }
  // A static stream without drift shows the same picture in every frame: made once, as frame 0.
  const bool still = s.motion == Motion::Static && (s.drift_speed == 0 || height == 0);
  const uint64_t key = still ? 0 : n;
  if (!still)
    drop(cache_.begin(), cache_.lower_bound(n)); // played or skipped
  auto it = cache_.find(key);
  if (it != cache_.end())
    return it->second;
  drop(cache_.begin(), cache_.end()); // a seek elsewhere

  Generator &g = *generator_;
  // A field model paints one frame per forward pass anyway (runtime.h): no batch to gain, and
  // a batch of large frames would only hold memory.
  const int64_t batch = still || g.paints_any_size() ? 1 : batch_frames(s);
  const StreamSettings stream = s.stream();
  made = batch;
  if (g.paints_any_size()) { // one frame, painted where it is kept
    std::vector<float> &frame = cache_[key] = reuse();
    frame.resize(static_cast<size_t>(g.info().config.channels * height * width));
    try {
      g.paint_frames(stream, key, 1, height, width, frame.data());
    } catch (...) {
      cache_.erase(key);
      throw;
    }
    return frame;
  }
  const int64_t tiles = s.rows * s.columns;
  const int64_t latent = g.info().config.latent;
  std::vector<float> z(static_cast<size_t>(batch * tiles * latent));
  g.frame_latents(stream, key, batch, z.data());
  const size_t per_frame = static_cast<size_t>(tiles * g.image_floats());
  std::vector<float> &out = scratch_;
  out.resize(static_cast<size_t>(batch) * per_frame);
  g.generate_from_latents(z.data(), batch * tiles, out.data());
  for (int64_t f = 0; f < batch; ++f)
    (cache_[key + static_cast<uint64_t>(f)] = reuse())
        .assign(out.begin() + f * per_frame, out.begin() + (f + 1) * per_frame);
  return cache_[key];
}

void FrameRenderer::drop(std::map<uint64_t, std::vector<float>>::iterator first,
                         std::map<uint64_t, std::vector<float>>::iterator last) {
  for (auto it = first; it != last; ++it)
    if (spares_.size() < kSpares)
      spares_.push_back(std::move(it->second));
  cache_.erase(first, last);
}

std::vector<float> FrameRenderer::reuse() {
  if (spares_.empty())
    return {};
  std::vector<float> v = std::move(spares_.back());
  spares_.pop_back();
  return v;
}

int64_t FrameRenderer::render(const RenderSettings &s, uint64_t n, const FrameView &frame) {
  int64_t made = 0;
  const ModelConfig &c = generator_->info().config;
  if (!std::isfinite(s.pixel_aspect) || !(s.pixel_aspect > 0))
    throw Error(ErrorCode::InvalidArgument, "the pixel aspect ratio must be positive");
  if (generator_->paints_any_size()) {
    if (frame.width < 1 || frame.height < 1)
      throw Error(ErrorCode::InvalidArgument, "cannot render an empty frame");
    const auto [h, w] = painted_size(s, frame.height, frame.width);
    if (h * w > kMaxPaintedPixels)
      throw Error(ErrorCode::InvalidArgument,
                  "a field model paints at most " + std::to_string(kMaxPaintedPixels / 1000000) +
                      " megapixels per frame (8K UHD and less); this frame needs " +
                      std::to_string(w) + "x" + std::to_string(h));
    const std::vector<float> &image = output(s, n, h, w, made);
    // The painted image fills the frame: its rounded size is the frame's shape, exactly.
    const double fill = static_cast<double>(w) * static_cast<double>(frame.height) /
                        (static_cast<double>(h) * static_cast<double>(frame.width));
    render_mosaic(image.data(), 1, c.channels, h, w, 1, 1, s.scaling, frame, fill);
    return made;
  }
  const std::vector<float> &tiles = output(s, n, 0, 0, made);
  render_mosaic(tiles.data(), s.rows * s.columns, c.channels, c.height, c.width, s.rows, s.columns,
                s.scaling, frame, s.pixel_aspect);
  return made;
}

} // namespace gan
