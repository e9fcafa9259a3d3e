// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Image degradations that streams go through, on 8-bit CHW images: JPEG re-encoding, blur,
// rescaling. The detector trains on them (applied to real and fake alike, so no class can be
// told by its degradation) and the evaluation measures robustness with them.

#include <cstdint>
#include <random>

namespace gan {

struct ImageRef {
  uint8_t *pixels; // CHW, contiguous
  int64_t channels;
  int64_t height;
  int64_t width;
};

// Encodes to JPEG at `quality` (1-100) and decodes back, in memory (libjpeg).
void jpeg_roundtrip(ImageRef image, int quality);
// Separable Gaussian blur, radius ceil(3 sigma), edges clamped.
void gaussian_blur(ImageRef image, double sigma);
// Bilinear resize to (height * factor, width * factor) and back (factor 2: up and down;
// factor 0.5: down and up).
void rescale_roundtrip(ImageRef image, double factor);

// The detector's training policy: each of blur, rescale and JPEG applied with its own
// probability and a random strength.
void random_degradation(ImageRef image, std::mt19937_64 &rng);

} // namespace gan
