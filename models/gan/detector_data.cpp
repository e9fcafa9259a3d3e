// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/detector_data.h"

#include "gan/error.h"
#include "gan/preprocess.h"
#include "gan/resample.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gan {

namespace {

uint8_t to_byte(float v) { return round_to_byte((std::clamp(v, -1.0f, 1.0f) + 1.0f) * 127.5f); }

// Floats [channels, h, w] in [-1, 1] -> 8-bit.
void quantise(const float *in, int64_t n, uint8_t *out) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = to_byte(in[i]);
}

// Packed RGB rows of a planar image, and a view of them.
struct PackedFrame {
  std::vector<uint8_t> rgb;
  FrameView view;
};

PackedFrame packed(const Image8 &im) {
  if (im.channels != 3 || im.width < 1 || im.height < 1)
    throw Error(ErrorCode::InvalidArgument, "a frame must be a non-empty RGB image");
  PackedFrame f;
  const int64_t hw = im.height * im.width;
  f.rgb.resize(static_cast<size_t>(3 * hw));
  for (int64_t p = 0; p < hw; ++p)
    for (int64_t c = 0; c < 3; ++c)
      f.rgb[static_cast<size_t>(3 * p + c)] = im.pixels[static_cast<size_t>(c * hw + p)];
  f.view.format = PixelFormat::Rgb;
  f.view.width = im.width;
  f.view.height = im.height;
  f.view.planes[0] = f.rgb.data();
  f.view.strides[0] = 3 * im.width;
  return f;
}

// A region of a view resized to width x height (preprocess Resize), 8-bit planar.
Image8 resize_view(const FrameView &view, int64_t width, int64_t height) {
  std::vector<float> floats;
  frame_to_inputs(view, Preprocess::Resize, 3, height, width, 1, floats);
  Image8 out{3, height, width, std::vector<uint8_t>(floats.size())};
  quantise(floats.data(), static_cast<int64_t>(floats.size()), out.pixels.data());
  return out;
}

} // namespace

ImageSet photo_patches(const PatchSampler &sampler, uint64_t seed, int64_t n) {
  ImageSet set;
  set.count = n;
  set.channels = sampler.channels();
  set.height = sampler.height();
  set.width = sampler.width();
  set.source = sampler.source();
  set.pixels.resize(static_cast<size_t>(n * set.image_size()));
  std::vector<float> patch(static_cast<size_t>(set.image_size()));
  for (int64_t i = 0; i < n; ++i) {
    sampler.cut(sampler.placement(seed, static_cast<uint64_t>(i)), patch.data());
    quantise(patch.data(), set.image_size(), set.pixels.data() + i * set.image_size());
  }
  return set;
}

ImageSet generated_patches(const std::vector<Generator *> &generators, uint64_t seed, int64_t n,
                           double max_scale) {
  if (!(max_scale >= 1.0 && max_scale <= 8.0))
    throw Error(ErrorCode::InvalidArgument, "the fakes' scale must be in [1, 8]");
  if (generators.empty())
    throw Error(ErrorCode::InvalidArgument, "no generator to draw fakes from");
  const ModelConfig &c = generators[0]->info().config;
  ImageSet set;
  set.count = n;
  set.channels = c.channels;
  set.height = c.height;
  set.width = c.width;
  for (const Generator *g : generators) {
    const ModelConfig &gc = g->info().config;
    if (gc.channels != c.channels || gc.height != c.height || gc.width != c.width)
      throw Error(ErrorCode::InvalidArgument, "generator '" + g->info().path +
                                                  "' makes images of another shape than '" +
                                                  generators[0]->info().path + "'");
    set.source += (set.source.empty() ? "" : ", ") + g->info().id;
  }
  set.source += " (seed " + std::to_string(seed) + ")";
  set.pixels.resize(static_cast<size_t>(n * set.image_size()));
  const int64_t count = static_cast<int64_t>(generators.size());
  constexpr int64_t kBatch = 64;
  std::vector<float> batch(static_cast<size_t>(kBatch * set.image_size()));
  for (int64_t k = 0; k < count; ++k) {
    // Samples k, k + count, ... come from generator k, as its samples 0, 1, ...
    const int64_t own = (n - k + count - 1) / count;
    Generator &g = *generators[static_cast<size_t>(k)];
    for (int64_t first = 0; first < own; first += kBatch) {
      const int64_t m = std::min(kBatch, own - first);
      // This batch's scale: a low-discrepancy walk over [1, max_scale].
      const double u = std::fmod(0.6180339887498949 * static_cast<double>(first / kBatch + k), 1.0);
      const double scale = 1.0 + (max_scale - 1.0) * u;
      const int64_t h = std::llround(static_cast<double>(set.height) * scale);
      const int64_t w = std::llround(static_cast<double>(set.width) * scale);
      if (!g.paints_any_size() || (h == set.height && w == set.width)) {
        g.generate(seed, static_cast<uint64_t>(first), m, batch.data());
        for (int64_t j = 0; j < m; ++j)
          quantise(batch.data() + j * set.image_size(), set.image_size(),
                   set.pixels.data() + ((first + j) * count + k) * set.image_size());
        continue;
      }
      StreamSettings stream;
      stream.seed = seed;
      stream.motion = Motion::Random; // every frame its own latents, as samples are
      std::vector<float> large(static_cast<size_t>(m * set.channels * h * w));
      g.paint_frames(stream, static_cast<uint64_t>(first), m, h, w, large.data());
      Image8 frame{set.channels, h, w,
                   std::vector<uint8_t>(static_cast<size_t>(set.channels * h * w))};
      for (int64_t j = 0; j < m; ++j) {
        quantise(large.data() + j * set.channels * h * w, set.channels * h * w,
                 frame.pixels.data());
        const Image8 small = resize_image(frame, set.width, set.height);
        std::memcpy(set.pixels.data() + ((first + j) * count + k) * set.image_size(),
                    small.pixels.data(), static_cast<size_t>(set.image_size()));
      }
    }
  }
  return set;
}

ImageSet aligned_patches(const std::vector<Reconstructor *> &reconstructors, const ImageSet &real) {
  if (reconstructors.empty())
    throw Error(ErrorCode::InvalidArgument, "no autoencoder to reconstruct fakes with");
  ImageSet set = real;
  set.source.clear();
  for (const Reconstructor *r : reconstructors) {
    const ModelConfig &c = r->config();
    if (c.channels != real.channels)
      throw Error(ErrorCode::InvalidArgument,
                  "autoencoder '" + r->path() + "' reconstructs " + std::to_string(c.channels) +
                      "-channel images, the reals have " + std::to_string(real.channels));
    set.source += (set.source.empty() ? "" : ", ") + r->id();
  }
  set.source += " (reconstructions of " + real.source + ")";
  const int64_t count = static_cast<int64_t>(reconstructors.size()), size = real.image_size();
  constexpr int64_t kBatch = 64;
  std::vector<float> in(static_cast<size_t>(kBatch * size)), out(in.size());
  for (int64_t k = 0; k < count; ++k) {
    // Images k, k + count, ... through autoencoder k.
    std::vector<int64_t> mine;
    for (int64_t i = k; i < real.count; i += count)
      mine.push_back(i);
    for (size_t first = 0; first < mine.size(); first += kBatch) {
      const int64_t m = std::min<int64_t>(kBatch, static_cast<int64_t>(mine.size() - first));
      for (int64_t j = 0; j < m; ++j) {
        const uint8_t *p = real.image(mine[first + static_cast<size_t>(j)]);
        for (int64_t q = 0; q < size; ++q)
          in[static_cast<size_t>(j * size + q)] = static_cast<float>(p[q]) / 127.5f - 1.0f;
      }
      reconstructors[static_cast<size_t>(k)]->reconstruct(in.data(), m, real.height, real.width,
                                                          out.data());
      for (int64_t j = 0; j < m; ++j)
        quantise(out.data() + j * size, size,
                 set.pixels.data() + mine[first + static_cast<size_t>(j)] * size);
    }
  }
  return set;
}

ImageSet mixed_fakes(const std::vector<Generator *> &generators,
                     const std::vector<Reconstructor *> &reconstructors, const ImageSet &real,
                     uint64_t seed, int64_t n, double max_scale) {
  const int64_t g = static_cast<int64_t>(generators.size());
  const int64_t a = static_cast<int64_t>(reconstructors.size());
  if (g + a == 0)
    throw Error(ErrorCode::InvalidArgument, "no generator or autoencoder to draw fakes from");
  if (a == 0)
    return generated_patches(generators, seed, n, max_scale);
  if (real.count < n)
    throw Error(ErrorCode::InvalidArgument, "aligned fakes need as many reals as fakes");
  ImageSet out;
  out.count = n;
  out.channels = real.channels;
  out.height = real.height;
  out.width = real.width;
  out.pixels.resize(static_cast<size_t>(n * real.image_size()));
  const int64_t size = real.image_size();
  // The generators' share, in generated_patches' order, then placed at their indices.
  const int64_t per_round = g + a, rounds = (n + per_round - 1) / per_round;
  if (g > 0) {
    const ImageSet made = generated_patches(generators, seed, rounds * g, max_scale);
    if (made.channels != real.channels || made.height != real.height || made.width != real.width)
      throw Error(ErrorCode::InvalidArgument,
                  "the generators' images are not the shape of the reals");
    for (int64_t i = 0; i < n; ++i)
      if (i % per_round < g)
        std::memcpy(out.pixels.data() + i * size, made.image((i / per_round) * g + i % per_round),
                    static_cast<size_t>(size));
    out.source = made.source;
  }
  // Reconstructions of the reals at the autoencoders' indices.
  ImageSet chosen;
  chosen.channels = real.channels;
  chosen.height = real.height;
  chosen.width = real.width;
  chosen.source = real.source;
  std::vector<int64_t> where;
  for (int64_t i = 0; i < n; ++i)
    if (i % per_round >= g)
      where.push_back(i);
  chosen.count = static_cast<int64_t>(where.size());
  chosen.pixels.resize(static_cast<size_t>(chosen.count * size));
  for (size_t j = 0; j < where.size(); ++j)
    std::memcpy(chosen.pixels.data() + static_cast<int64_t>(j) * size, real.image(where[j]),
                static_cast<size_t>(size));
  const ImageSet aligned = aligned_patches(reconstructors, chosen);
  for (size_t j = 0; j < where.size(); ++j)
    std::memcpy(out.pixels.data() + where[j] * size, aligned.image(static_cast<int64_t>(j)),
                static_cast<size_t>(size));
  out.source += (out.source.empty() ? "" : "; ") + aligned.source;
  return out;
}

Image8 photo_frame(const Photo &photo, int64_t width, int64_t height, std::mt19937_64 &rng) {
  if (photo.width < 1 || photo.height < 1 || width < 1 || height < 1)
    throw Error(ErrorCode::InvalidArgument, "photo_frame: empty photo or frame");
  std::uniform_real_distribution<double> u(0.0, 1.0);
  // The largest window of the frame's aspect ratio that fits, shrunk to 2/3 at most.
  const double fit = std::min(static_cast<double>(photo.width) / static_cast<double>(width),
                              static_cast<double>(photo.height) / static_cast<double>(height));
  const double k = fit * (1.0 - u(rng) / 3.0);
  const int64_t ww =
      std::clamp<int64_t>(std::llround(k * static_cast<double>(width)), 1, photo.width);
  const int64_t wh =
      std::clamp<int64_t>(std::llround(k * static_cast<double>(height)), 1, photo.height);
  const int64_t x = static_cast<int64_t>(u(rng) * static_cast<double>(photo.width - ww + 1));
  const int64_t y = static_cast<int64_t>(u(rng) * static_cast<double>(photo.height - wh + 1));
  FrameView view;
  view.format = PixelFormat::Rgb;
  view.width = ww;
  view.height = wh;
  view.planes[0] = const_cast<uint8_t *>(photo.rgb.data()) + (y * photo.width + x) * 3;
  view.strides[0] = photo.width * 3;
  return resize_view(view, width, height);
}

Image8 generated_frame(Generator &generator, uint64_t seed, uint64_t index, int64_t width,
                       int64_t height) {
  StreamSettings settings;
  settings.seed = seed;
  const int64_t channels = generator.info().config.channels;
  std::vector<float> floats(static_cast<size_t>(channels * width * height));
  generator.paint_frames(settings, index, 1, height, width, floats.data());
  Image8 out{3, height, width, std::vector<uint8_t>(static_cast<size_t>(3 * width * height))};
  const int64_t hw = width * height;
  for (int64_t c = 0; c < 3; ++c)
    quantise(floats.data() + (channels == 3 ? c : 0) * hw, hw, out.pixels.data() + c * hw);
  return out;
}

Image8 resize_image(const Image8 &image, int64_t width, int64_t height) {
  const PackedFrame f = packed(image);
  return resize_view(f.view, width, height);
}

double frame_logit(const Image8 &frame, int64_t size, int64_t max_tiles, const PatchScorer &score) {
  const PackedFrame f = packed(frame);
  std::vector<float> inputs;
  const int64_t n = frame_to_inputs(f.view, Preprocess::Tiles, 3, size, size, max_tiles, inputs);
  std::vector<float> logits(static_cast<size_t>(n));
  score(inputs.data(), n, logits.data());
  return frame_logit_of(logits.data(), n);
}

PatchScorer detector_scorer(Detector &detector) {
  return [&detector](const float *inputs, int64_t n, float *logits) {
    detector.score(inputs, n, logits);
  };
}

} // namespace gan
