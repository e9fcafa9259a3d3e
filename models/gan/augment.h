// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Image degradations that streams go through, on 8-bit CHW images: JPEG re-encoding, blur,
// rescaling. The detector trains on them (applied to real and fake alike, so no class can be
// told by its degradation) and the evaluation measures robustness with them.

#include <cstdint>
#include <functional>
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

// Sensor-like noise: per pixel, Gaussian with a standard deviation of sigma * sqrt(0.1 + v/255)
// levels (shot noise grows with the signal v, read noise is the floor), 70% of it shared by the
// colour channels (luma) and 30% per channel (chroma).
void sensor_noise(ImageRef image, double sigma, std::mt19937_64 &rng);
// The round trip of a colour video path: RGB to limited-range BT.601 Y'CbCr bytes, chroma
// averaged over 2x2 blocks (4:2:0), and back (chroma upsampled by nearest). A gray image is
// quantised to limited range and back.
void yuv420_roundtrip(ImageRef image);

// A lossy video codec's round trip at a strength it draws from the generator (the CLI's H.264,
// tools/h264.h: the core links no codec).
using CodecRoundtrip = std::function<void(ImageRef, std::mt19937_64 &)>;

// The detectors' training policy, applied alike to real and fake images: each of sensor noise
// (sigma 1-6 levels), blur (sigma 0.3-1.2), rescale (0.5-0.9x or 1.2-2x, down and back), a
// 4:2:0 round trip (colour) and JPEG (quality 30-95) with its own probability and a random
// strength, in the order a camera stream meets them. With a codec, 40% of images go through it
// in place of the JPEG step (a stream meets one codec); without, the draws are as before.
void random_degradation(ImageRef image, std::mt19937_64 &rng, const CodecRoundtrip &codec = {});

} // namespace gan
