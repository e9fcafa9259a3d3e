// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/frame_renderer.h"

#include <algorithm>

namespace gan {

FrameRenderer::FrameRenderer(std::unique_ptr<Generator> generator)
    : generator_(std::move(generator)) {}

const std::vector<float> &FrameRenderer::samples(const RenderSettings &s, uint64_t n,
                                                 int64_t &made) {
  made = 0;
  if (!s.same_frames(cached_for_)) {
    cache_.clear();
    cached_for_ = s;
  }
  // A static stream shows the same samples in every frame: they are made once, kept as frame 0.
  const bool still = s.motion == Motion::Static;
  const uint64_t key = still ? 0 : n;
  if (!still)
    cache_.erase(cache_.begin(), cache_.lower_bound(n)); // played or skipped
  auto it = cache_.find(key);
  if (it != cache_.end())
    return it->second;
  cache_.clear(); // a seek elsewhere

  const Generator &g = *generator_;
  const int64_t tiles = s.rows * s.columns;
  const int64_t batch = still ? 1 : std::max<int64_t>(1, s.batch_size);
  const int64_t latent = g.info().config.latent;
  const StreamSettings stream{s.seed, s.motion, s.walk_frames, tiles};
  std::vector<float> z(static_cast<size_t>(batch * tiles * latent));
  g.frame_latents(stream, key, batch, z.data());
  std::vector<float> images(static_cast<size_t>(batch * tiles * g.image_floats()));
  generator_->generate_from_latents(z.data(), batch * tiles, images.data());
  const size_t per_frame = static_cast<size_t>(tiles * g.image_floats());
  for (int64_t f = 0; f < batch; ++f)
    cache_[key + static_cast<uint64_t>(f)].assign(images.begin() + f * per_frame,
                                                  images.begin() + (f + 1) * per_frame);
  made = batch;
  return cache_[key];
}

int64_t FrameRenderer::render(const RenderSettings &s, uint64_t n, const FrameView &frame) {
  int64_t made = 0;
  const std::vector<float> &tiles = samples(s, n, made);
  const ModelConfig &c = generator_->info().config;
  render_mosaic(tiles.data(), s.rows * s.columns, c.channels, c.height, c.width, s.rows, s.columns,
                s.scaling, frame);
  return made;
}

} // namespace gan
