// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Version 2 of the watermark: a keyed pattern of kCells x kCells cells laid over the whole frame
// in frame-relative coordinates (each cell 1/kCells of the width by 1/kCells of the height,
// bilinear between cell centres), so that rescaling by any factor and changing the aspect ratio
// leave it where the reader looks. Reading area-averages the luma to a kSide x kSide grid of the
// frame (2 samples per cell), whitens it (each sample minus its 5x5 mean: most of the picture's
// energy goes, the cells stay) and samples it at the cell centres.
//
// One cell in four carries a synchronisation group (chips with a known sign); the others carry
// the 56 coded bits (payload + CRC-24), as in version 1, with host-interference cancellation
// (the embedder measures what the picture already reads and moves each group to its target).
// A cropped frame (up to 10% of each dimension, then rescaled or not) shows the grid scaled and
// shifted: the reader searches every placement on a grid fine enough to land within a quarter
// cell, by the synchronisation group's correlation, refines the best, and reads the bits there.
//
// Why the search does not raise the false-positive rate: the placement is chosen by
// statistics that ignore the coded bits' signs (the synchronisation group's correlation, then
// the sum over groups of squared correlations); flipping the chips of any coded bit flips that
// bit's reading at every placement and changes none of those statistics. So on an unmarked
// frame the 56 signs read at the chosen placement are fair coins whatever the search tried,
// and a word read there matches its CRC-24 with probability 2^-24, as at one fixed placement.
// (watermark.h counts the words the decision tries.)
//
// Internal to the core (watermark.h is the interface). Torch-free, GStreamer-free.

#include "gan/frames.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace gan::watermark_v2 {

constexpr int kCells = 64;              // the mark's grid, per axis
constexpr int kSide = 2 * kCells;       // the reading's grid, per axis
constexpr int kGroups = 57;             // 56 coded bits, then the synchronisation group
constexpr int kSyncGroup = kGroups - 1; //
constexpr int kSyncCells = kCells * kCells / 4;
constexpr double kLargestCrop = 0.10;    // searched: up to this fraction cut per axis
constexpr double kDefaultStrength = 1.6; // per cell, in whitened reading levels
// The pattern's largest mean square, in 8-bit levels squared: PSNR >= 38.5 dB on any picture.
constexpr double kLargestMeanSquare = 255.0 * 255.0 / 7079.46;

// Which group and sign each cell carries, for a key (cells row-major).
struct Layout {
  std::array<uint8_t, kCells * kCells> group{};
  std::array<int8_t, kCells * kCells> chip{};
  std::vector<uint16_t> sync_cells; // indices of the synchronisation cells, row-major order
  // The cells by group: group g's are by_group[group_start[g] .. group_start[g + 1]).
  std::array<uint16_t, kCells * kCells> by_group{};
  std::array<int, kGroups + 1> group_start{};
};
// The layout of a key (cached per thread: the last keys asked for).
const Layout &layout_for(const std::string &key);

// Where the received frame lies in the marked one, per axis: it shows the fraction `scale` of
// the marked frame's extent starting at `offset` (both relative to the marked frame).
struct Placement {
  double scale_x = 1, offset_x = 0, scale_y = 1, offset_y = 0;
};

// The frame's whitened luma on the kSide x kSide grid (kSide^2 floats, row-major). Frames must
// be at least kSide pixels in each dimension (watermark_fits).
void read_canonical(const FrameView &frame, std::vector<float> &out);

struct Decoded {
  std::array<double, kGroups> correlation{}; // per group: sum(chip * v) / sqrt(sum(v^2))
  Placement where;
  bool searched = false; // the identity placement did not carry the mark, the search ran
};

// Per-group normalised correlations at one placement.
Decoded decode_at(const std::vector<float> &canonical, const Layout &layout, const Placement &p);
// The placement the synchronisation group correlates best with: grid search, then refinement.
Placement search(const std::vector<float> &canonical, const Layout &layout);

// Adds the mark to the frame (its luma; RGB: the same offset on R, G and B). The frame must
// fit (watermark_fits). `coded`: bit i is the sign coded bit i takes.
class Embedder {
public:
  explicit Embedder(double strength = kDefaultStrength) : strength_(strength) {}
  // True when the mark landed. False when this picture cannot carry it within the visibility
  // budget (synthetic pictures whose strong edges read as large as the mark, black frames at
  // the edge of the video range): the frame is then given back untouched.
  bool embed(const FrameView &frame, const Layout &layout, uint64_t coded);

private:
  // What a cell's amplitude of 1 reads as at its own centre, for frames of this size.
  double gain_for(int64_t width, int64_t height);
  // Adds the bilinear upsampling of the cell amplitudes to the frame; returns how many pixel
  // values were clipped at 0 or 255.
  int64_t add_pattern(const FrameView &frame, const std::vector<float> &amplitude);

  double strength_;
  int64_t gain_width_ = 0, gain_height_ = 0;
  double gain_ = 1;
  std::vector<float> canonical_;
  std::vector<float> amplitude_;
  std::vector<uint8_t> original_;
};

} // namespace gan::watermark_v2
