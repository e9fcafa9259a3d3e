// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/photos.h"

#include "gan/error.h"
#include "gan/hash.h"
#include "gan/preprocess.h"
#include "gan/resample.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gan {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kPatchStream = 0x7061746368ull; // "patch"

std::vector<std::string> split_tabs(const std::string &line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, '\t'))
    out.push_back(field);
  if (!line.empty() && line.back() == '\t')
    out.emplace_back();
  return out;
}

PhotoSplit parse_split(const std::string &s, const std::string &where) {
  if (s == "train")
    return PhotoSplit::Train;
  if (s == "validation")
    return PhotoSplit::Validation;
  if (s == "test")
    return PhotoSplit::Test;
  if (s == "excluded")
    return PhotoSplit::Excluded;
  throw Error(ErrorCode::Corrupt,
              where + ": split '" + s + "' is none of train, validation, test, excluded");
}

bool is_image_file(const fs::path &p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// A counter-based stream of 64-bit draws: SplitMix64 over (seed, stream, index).
class Draws {
public:
  Draws(uint64_t seed, uint64_t index)
      : state_(splitmix64(splitmix64(seed ^ splitmix64(kPatchStream)) + index)) {}
  uint64_t next() { return state_ = splitmix64(state_); }
  // Uniform in [0, n), by the high half of a 128-bit product (no modulo bias worth the name).
  int64_t below(int64_t n) {
    return static_cast<int64_t>(
        (static_cast<unsigned __int128>(next()) * static_cast<uint64_t>(n)) >> 64);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; } // [0, 1)

private:
  uint64_t state_;
};

} // namespace

const char *photo_split_name(PhotoSplit split) {
  switch (split) {
  case PhotoSplit::Train:
    return "train";
  case PhotoSplit::Validation:
    return "validation";
  case PhotoSplit::Test:
    return "test";
  case PhotoSplit::Excluded:
    return "excluded";
  }
  return "unknown";
}

std::vector<PhotoEntry> read_photo_manifest(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw Error(ErrorCode::NotFound, "cannot open the photo manifest '" + path + "'");
  const fs::path base = fs::path(path).parent_path();
  const std::vector<std::string> columns{"package", "path", "licence", "author", "split", "note"};
  std::vector<PhotoEntry> entries;
  std::string line;
  int line_no = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    const std::string where = path + ":" + std::to_string(line_no);
    const std::vector<std::string> f = split_tabs(line);
    if (!header) {
      if (f != columns)
        throw Error(ErrorCode::Corrupt,
                    where + ": the header must be the tab-separated columns package, path, "
                            "licence, author, split, note");
      header = true;
      continue;
    }
    if (f.size() != columns.size())
      throw Error(ErrorCode::Corrupt, where + ": " + std::to_string(f.size()) +
                                          " tab-separated fields where the header has 6");
    if (f[1].empty())
      throw Error(ErrorCode::Corrupt, where + ": empty path");
    PhotoEntry e;
    e.package = f[0];
    e.path = fs::path(f[1]).is_absolute() ? f[1] : (base / f[1]).string();
    e.licence = f[2];
    e.author = f[3];
    e.split = parse_split(f[4], where);
    e.note = f[5];
    entries.push_back(std::move(e));
  }
  if (!header)
    throw Error(ErrorCode::Corrupt, "'" + path + "' has no header line: not a photo manifest");
  return entries;
}

std::vector<PhotoEntry> photo_folder_manifest(const std::string &dir, int validation_percent) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(ErrorCode::NotFound, "photo folder '" + dir + "' does not exist");
  std::vector<fs::path> files;
  for (const auto &entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file() && is_image_file(entry.path()))
      files.push_back(entry.path());
  if (files.empty())
    throw Error(ErrorCode::NotFound, "photo folder '" + dir + "' holds no PNG or JPEG file");
  std::sort(files.begin(), files.end());
  std::vector<PhotoEntry> entries;
  for (const fs::path &p : files) {
    PhotoEntry e;
    e.path = p.string();
    const std::string name = p.filename().string();
    e.split = static_cast<int>(fnv1a64(name.data(), name.size()) % 100) < validation_percent
                  ? PhotoSplit::Validation
                  : PhotoSplit::Train;
    entries.push_back(std::move(e));
  }
  return entries;
}

std::vector<PhotoEntry> read_photo_list(const std::string &path, int validation_percent) {
  std::error_code ec;
  return fs::is_directory(path, ec) ? photo_folder_manifest(path, validation_percent)
                                    : read_photo_manifest(path);
}

Photo fit_photo(std::string name, const FrameView &decoded, int64_t max_side) {
  if (max_side < 1 || decoded.width < 1 || decoded.height < 1)
    throw Error(ErrorCode::InvalidArgument, "fit_photo: empty image or working size");
  const int64_t longest = std::max(decoded.width, decoded.height);
  const double f = longest > max_side ? static_cast<double>(max_side) / longest : 1.0;
  Photo p;
  p.name = std::move(name);
  p.width = std::max<int64_t>(1, std::llround(decoded.width * f));
  p.height = std::max<int64_t>(1, std::llround(decoded.height * f));
  std::vector<float> chw;
  frame_to_inputs(decoded, Preprocess::Resize, 3, p.height, p.width, 1, chw);
  const int64_t plane = p.width * p.height;
  p.rgb.resize(static_cast<size_t>(3 * plane));
  for (int64_t i = 0; i < plane; ++i)
    for (int64_t c = 0; c < 3; ++c)
      p.rgb[static_cast<size_t>(3 * i + c)] =
          round_to_byte((chw[static_cast<size_t>(c * plane + i)] + 1.0) * 127.5);
  return p;
}

PatchSampler::PatchSampler(std::vector<Photo> photos, const PatchOptions &o, std::string source)
    : photos_(std::move(photos)), options_(o), source_(std::move(source)) {
  if (photos_.empty())
    throw Error(ErrorCode::InvalidArgument, "the patch sampler needs at least one photo");
  if (o.size < 1 || o.size > 1024 || (o.channels != 1 && o.channels != 3))
    throw Error(ErrorCode::InvalidArgument, "patch size must be in [1, 1024], channels 1 or 3");
  if (!(o.min_scale > 0 && o.min_scale <= o.max_scale && o.max_scale <= 4))
    throw Error(ErrorCode::InvalidArgument, "patch scales need 0 < min <= max <= 4");
  uint64_t h = kFnv1a64Offset;
  char opts[128];
  std::snprintf(opts, sizeof opts, "patches %lld c%lld %.17g-%.17g flip %d;",
                static_cast<long long>(o.size), static_cast<long long>(o.channels), o.min_scale,
                o.max_scale, o.flip ? 1 : 0);
  h = fnv1a64(opts, std::strlen(opts), h);
  double tiles = 0;
  for (const Photo &p : photos_) {
    if (p.width < 1 || p.height < 1 || p.rgb.size() != static_cast<size_t>(3 * p.width * p.height))
      throw Error(ErrorCode::InvalidArgument,
                  "photo '" + p.name + "' has no or inconsistent pixels");
    const std::string shape = std::to_string(p.width) + "x" + std::to_string(p.height) + ";";
    h = fnv1a64(shape.data(), shape.size(), h);
    h = fnv1a64(p.rgb.data(), p.rgb.size(), h);
    tiles += static_cast<double>(p.width * p.height) / static_cast<double>(o.size * o.size);
  }
  char hex[24];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  fingerprint_ = std::to_string(photos_.size()) + " photos:" + hex;
  epoch_images_ = std::max<int64_t>(1, std::llround(std::ceil(tiles)));
}

PatchPlacement PatchSampler::placement(uint64_t seed, uint64_t index) const {
  Draws d(seed, index);
  PatchPlacement p;
  p.photo = static_cast<size_t>(d.below(static_cast<int64_t>(photos_.size())));
  const Photo &photo = photos_[p.photo];
  p.scale = options_.min_scale + (options_.max_scale - options_.min_scale) * d.unit();
  p.side = std::clamp<int64_t>(std::llround(static_cast<double>(options_.size) / p.scale), 1,
                               std::min(photo.width, photo.height));
  p.x = d.below(photo.width - p.side + 1);
  p.y = d.below(photo.height - p.side + 1);
  p.flip = options_.flip && (d.next() >> 63) != 0;
  return p;
}

void PatchSampler::cut(const PatchPlacement &pl, float *out) const {
  if (pl.photo >= photos_.size())
    throw Error(ErrorCode::InvalidArgument, "patch placement names no photo");
  const Photo &photo = photos_[pl.photo];
  if (pl.side < 1 || pl.x < 0 || pl.y < 0 || pl.x + pl.side > photo.width ||
      pl.y + pl.side > photo.height)
    throw Error(ErrorCode::InvalidArgument, "patch placement lies outside its photo");
  FrameView window;
  window.format = PixelFormat::Rgb;
  window.width = pl.side;
  window.height = pl.side;
  window.planes[0] = const_cast<uint8_t *>(photo.rgb.data()) + (pl.y * photo.width + pl.x) * 3;
  window.strides[0] = photo.width * 3;
  std::vector<float> chw;
  const int64_t s = options_.size;
  frame_to_inputs(window, Preprocess::Resize, options_.channels, s, s, 1, chw);
  for (int64_t c = 0; c < options_.channels; ++c)
    for (int64_t y = 0; y < s; ++y) {
      const float *src = chw.data() + (c * s + y) * s;
      float *dst = out + (c * s + y) * s;
      if (pl.flip)
        std::reverse_copy(src, src + s, dst);
      else
        std::copy(src, src + s, dst);
    }
}

void PatchSampler::batch(uint64_t seed, int64_t step, int64_t n, float *out) {
  const int64_t image = options_.channels * options_.size * options_.size;
  for (int64_t i = 0; i < n; ++i)
    cut(placement(seed, static_cast<uint64_t>(step * n + i)), out + i * image);
}

} // namespace gan
