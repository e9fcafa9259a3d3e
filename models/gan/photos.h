// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Colour photographs as training data for the field GANs: a manifest saying which photos train
// and which validate, the photos held in memory at a bounded working resolution, and a sampler
// that cuts random patches from the training photos (position, scale jitter, horizontal flip).
// Decoding files is the caller's business (the CLI uses GStreamer): photos enter as FrameViews.

#include "gan/dataset.h"
#include "gan/frames.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gan {

// train: patches to learn from; validation: calibration and the field GAN's evaluation; test:
// scenes only the detector's evaluation sees (neither trained on nor calibrated on).
enum class PhotoSplit { Train, Validation, Test, Excluded };

const char *photo_split_name(PhotoSplit split);

// One row of a manifest.
struct PhotoEntry {
  std::string package; // the Debian package that ships it ("" for a plain folder)
  std::string path;
  std::string licence; // as the package's copyright file states it
  std::string author;
  PhotoSplit split = PhotoSplit::Train;
  std::string note; // why it is excluded, what it shows
};

// A tab-separated manifest: a header line naming the columns package, path, licence, author,
// split (train | validation | test | excluded), note; then one photo per line; blank lines and
// lines starting with '#' are skipped. Relative paths are taken relative to the manifest's folder.
// Throws Error: NotFound, Corrupt (naming the line).
std::vector<PhotoEntry> read_photo_manifest(const std::string &path);

// A folder's .jpg/.jpeg/.png files (sorted by name) as a manifest. The split is made by file
// name alone, so adding a photo never moves another across it: a photo validates when the
// FNV-1a 64 of its file name, mod 100, is below validation_percent. Throws Error(NotFound).
std::vector<PhotoEntry> photo_folder_manifest(const std::string &dir, int validation_percent);

// `path` as a manifest file, or as a folder split by photo_folder_manifest: what
// `gst-gan train --photos` and `gst-gan eval --photos` accept.
std::vector<PhotoEntry> read_photo_list(const std::string &path, int validation_percent);

// A photo at its working resolution, packed RGB rows.
struct Photo {
  std::string name;
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> rgb;
};

// A decoded image (any packed RGB-like or YUV FrameView format) area-averaged down so that its
// longest side is at most max_side; never enlarged. Throws Error(InvalidArgument).
Photo fit_photo(std::string name, const FrameView &decoded, int64_t max_side);

struct PatchOptions {
  int64_t size = 64;      // patches are size x size
  int64_t channels = 3;   // 3: RGB; 1: luma
  double min_scale = 0.5; // a patch shows its photo scaled by a factor drawn uniformly from
  double max_scale = 1.0; // [min_scale, max_scale]: it covers size / scale photo pixels
  bool flip = true;       // mirror half of the patches left-right
};

// Where one patch comes from: a side x side window of photo `photo` at (x, y), area-averaged
// to the patch size, then mirrored when `flip`.
struct PatchPlacement {
  size_t photo = 0;
  int64_t x = 0, y = 0, side = 0;
  bool flip = false;
  double scale = 1.0; // size / side as drawn (side is this rounded, and clamped to the photo)
};

// Patches from a set of photos (give it the training photos only: it cannot tell them apart).
// Patch `index` of stream `seed` is a pure function of both and the photos; the photo is drawn
// uniformly, then scale, position and flip. Batch `step` of n holds patches step*n .. step*n+n-1.
// An epoch is as many patches as it takes to tile every photo once at scale 1.
class PatchSampler final : public TrainingImages {
public:
  // Throws Error(InvalidArgument) for no photos or impossible options.
  PatchSampler(std::vector<Photo> photos, const PatchOptions &options, std::string source);

  PatchPlacement placement(uint64_t seed, uint64_t index) const;
  // floats [channels, size, size] in [-1, 1]
  void cut(const PatchPlacement &placement, float *out) const;

  const std::vector<Photo> &photos() const { return photos_; }
  const PatchOptions &options() const { return options_; }

  int64_t channels() const override { return options_.channels; }
  int64_t height() const override { return options_.size; }
  int64_t width() const override { return options_.size; }
  int64_t epoch_images() const override { return epoch_images_; }
  std::string source() const override { return source_; }
  std::string fingerprint() const override { return fingerprint_; }
  void batch(uint64_t seed, int64_t step, int64_t n, float *out) override;

private:
  std::vector<Photo> photos_;
  PatchOptions options_;
  std::string source_;
  std::string fingerprint_;
  int64_t epoch_images_ = 0;
};

} // namespace gan
