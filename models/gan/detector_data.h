// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// What the natural-image detector learns from and is measured on: 8-bit patches of
// photographs and of generators, and 8-bit video frames of both, scored the way gandetect
// scores a frame (native-resolution tiles, their logits averaged). Torch-free interface.

#include "gan/autoencoder.h"
#include "gan/dataset.h"
#include "gan/photos.h"
#include "gan/runtime.h"

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

namespace gan {

// An 8-bit image, channels x height x width (planar, as ImageSet and ImageRef).
struct Image8 {
  int64_t channels = 3, height = 0, width = 0;
  std::vector<uint8_t> pixels;
};

// Patches 0 .. n-1 of the sampler's stream `seed`, quantised to 8 bits.
ImageSet photo_patches(const PatchSampler &sampler, uint64_t seed, int64_t n);

// n samples from the generators in turn (sample i: generator i % count, its sample i / count of
// stream `seed`), quantised to 8 bits as frames are. The generators must make images of one
// shape. Throws Error(InvalidArgument) otherwise.
// max_scale > 1: field generators paint each batch of 64 at a size s times theirs, s spread
// over [1, max_scale] batch by batch, and the patches are area-averaged back down: fakes
// downscaled as the photos' patches are (they are cut from downscaled photos), so "downscaled"
// cannot mean "real" (Rajan et al.'s finding, and a 0.5x video's).
ImageSet generated_patches(const std::vector<Generator *> &generators, uint64_t seed, int64_t n,
                           double max_scale = 1.0);

// Aligned fakes: fake i is reconstructor (i % count)'s reconstruction of real image i, so the
// fakes have the reals' content, image for image (gan/autoencoder.h).
ImageSet aligned_patches(const std::vector<Reconstructor *> &reconstructors, const ImageSet &real);

// The fakes of several sources in turn: n images, image i from source i % (G + A), the G
// generators first (generated_patches' order within each), then the A autoencoders (the
// reconstruction of real image i). Either list may be empty, not both.
ImageSet mixed_fakes(const std::vector<Generator *> &generators,
                     const std::vector<Reconstructor *> &reconstructors, const ImageSet &real,
                     uint64_t seed, int64_t n, double max_scale = 1.0);

// A width x height RGB frame from a window of the photo: a scale drawn so the frame covers
// between all of the window that fits and two thirds of it, a position drawn uniformly, area
// averaged (or enlarged bilinearly when the photo is smaller than the frame).
Image8 photo_frame(const Photo &photo, int64_t width, int64_t height, std::mt19937_64 &rng);

// Frame `index` of a field generator's video with seed `seed` (gangen's defaults otherwise).
Image8 generated_frame(Generator &generator, uint64_t seed, uint64_t index, int64_t width,
                       int64_t height);

// Area-average to width x height (a stream rescaled down, or bilinear up).
Image8 resize_image(const Image8 &image, int64_t width, int64_t height);

// Scores model inputs: n images of floats [channels, size, size] in [-1, 1] -> n logits.
using PatchScorer = std::function<void(const float *inputs, int64_t n, float *logits)>;

// The frame's logit as gandetect computes it with preprocess=tiles: up to max_tiles tiles of
// size x size spread over the frame at native resolution, the mean of their logits.
double frame_logit(const Image8 &frame, int64_t size, int64_t max_tiles, const PatchScorer &score);

// A detector as a PatchScorer (inputs at its own size).
PatchScorer detector_scorer(Detector &detector);

} // namespace gan
