// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gan {

// 8-bit images, [count, channels, height, width] contiguous, the form every data source
// (IDX files, image folders, GStreamer pipelines) delivers and the trainer consumes.
struct ImageSet {
  int64_t count = 0;
  int64_t channels = 1;
  int64_t height = 0;
  int64_t width = 0;
  std::vector<uint8_t> pixels;
  std::string source; // a description for provenance ("fashion-mnist train", a path, ...)

  int64_t image_size() const { return channels * height * width; }
  const uint8_t *image(int64_t i) const { return pixels.data() + i * image_size(); }
  // FNV-1a 64 of shape and pixels: a resume checks it sees the data it started with.
  std::string fingerprint() const;
};

// Where the trainer draws its real images from, one batch per step. A batch is a pure function
// of (seed, step, n), so a run repeats exactly and a resumed run continues where it stopped.
// An ImageSet is one (shuffled per epoch); PatchSampler (gan/photos.h) is another.
class TrainingImages {
public:
  virtual ~TrainingImages() = default;
  virtual int64_t channels() const = 0;
  virtual int64_t height() const = 0;
  virtual int64_t width() const = 0;
  // How many images make one epoch (the trainer's grids and checkpoints follow epochs).
  virtual int64_t epoch_images() const = 0;
  virtual std::string source() const = 0;      // for provenance
  virtual std::string fingerprint() const = 0; // a resume checks it sees the same data
  // The real images of training step `step`: floats [n, channels, height, width] in [-1, 1].
  virtual void batch(uint64_t seed, int64_t step, int64_t n, float *out) = 0;
  // Images [first, first + count) of batch(seed, step, n): one rank's share of the global batch
  // in data-parallel training (DistributedSampler's split of the same per-epoch order). This
  // default makes the whole batch and copies the share; sources that can, make only the share.
  virtual void batch_rows(uint64_t seed, int64_t step, int64_t n, int64_t first, int64_t count,
                          float *out);
};

// IDX files (raw or gzip). Throws Error: NotFound, WrongKind (bad magic / not uint8 images),
// Truncated, Corrupt (damaged gzip stream, absurd dimensions).
ImageSet read_idx_images(const std::string &path);
std::vector<uint8_t> read_idx_labels(const std::string &path);

// Where Debian's dataset-fashion-mnist package puts the files.
std::string default_fashion_mnist_dir();

} // namespace gan
