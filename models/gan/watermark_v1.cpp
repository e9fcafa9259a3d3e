// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/watermark_v1.h"

#include "gan/error.h"
#include "gan/hash.h"
#include "gan/pixels.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace gan::watermark_v1 {

namespace {

constexpr int kBlock = 8;
constexpr int kPixels = kBlock * kBlock;

// The marked coefficients of each 8x8 block, (vertical, horizontal) frequency: mid-low
// frequencies survive JPEG and video quantisation and are hard to see. DC is left alone, so
// brightness offsets do not touch the mark.
// Measured (bench/watermark.sh's recipe) against lower sets such as {(0,1), (1,0), (1,1),
// (0,2), (2,0), (2,1)}: as robust to JPEG 75 and VP8 on videotestsrc patterns, far more on
// gangen's smooth pictures (less host energy there), and less visible (PSNR 41-42 dB at
// strength 6, ~40 at 8; the default 7 sits between).
constexpr int kCoefficients = 6;
constexpr int kFrequencies[kCoefficients][2] = {{2, 2}, {1, 3}, {3, 1}, {2, 3}, {3, 2}, {3, 3}};

// The orthonormal 2-D DCT-II basis images of those coefficients.
struct Basis {
  float at[kCoefficients][kPixels];
  // The same, pixel-major and padded to 8 lanes: projecting a block adds 8-wide vectors.
  float by_pixel[kPixels][8] = {};
  Basis() {
    const double pi = std::acos(-1.0);
    for (int k = 0; k < kCoefficients; ++k) {
      const int u = kFrequencies[k][0], v = kFrequencies[k][1];
      const double cu = u == 0 ? std::sqrt(1.0 / kBlock) : std::sqrt(2.0 / kBlock);
      const double cv = v == 0 ? std::sqrt(1.0 / kBlock) : std::sqrt(2.0 / kBlock);
      for (int y = 0; y < kBlock; ++y)
        for (int x = 0; x < kBlock; ++x)
          at[k][y * kBlock + x] =
              static_cast<float>(cu * cv * std::cos((2 * y + 1) * u * pi / (2 * kBlock)) *
                                 std::cos((2 * x + 1) * v * pi / (2 * kBlock)));
    }
    for (int k = 0; k < kCoefficients; ++k)
      for (int i = 0; i < kPixels; ++i)
        by_pixel[i][k] = at[k][i];
  }
};
const Basis &basis() {
  static const Basis b;
  return b;
}

} // namespace

const BlockMark::Layout &BlockMark::layout_for(int64_t blocks_x, int64_t blocks_y) {
  if (layout_.blocks_x == blocks_x && layout_.blocks_y == blocks_y)
    return layout_;
  const size_t slots = static_cast<size_t>(blocks_x * blocks_y * kCoefficients);
  layout_.blocks_x = blocks_x;
  layout_.blocks_y = blocks_y;
  layout_.bit.assign(slots, 0);
  layout_.chip.assign(slots, 1);
  SplitMix64Stream ks{fnv1a64(key_, fnv1a64("gst-gan watermark layout " + std::to_string(blocks_x) +
                                            "x" + std::to_string(blocks_y)))};
  std::vector<uint32_t> order(slots);
  std::iota(order.begin(), order.end(), 0u);
  for (size_t i = slots; i > 1; --i) // Fisher-Yates: bits spread over the whole frame
    std::swap(order[i - 1], order[ks.below(i)]);
  for (size_t t = 0; t < slots; ++t) {
    layout_.bit[order[t]] = static_cast<uint8_t>(t % kWatermarkBits);
    layout_.chip[order[t]] = (ks.next() >> 63) ? 1 : -1;
  }
  return layout_;
}

void BlockMark::load_luma(const FrameView &f, int64_t y0, int64_t w, int64_t h) {
  luma_.resize(static_cast<size_t>(w * h));
  for (int64_t y = 0; y < h; ++y)
    luma_row(f, y0 + y, w, luma_.data() + y * w);
}

const BlockMark::Layout *BlockMark::analyse(const FrameView &f) {
  if (f.width < 1 || f.height < 1 || !f.planes[0])
    throw Error(ErrorCode::InvalidArgument, "watermark: empty frame");
  if (!watermark_fits(f.width, f.height))
    return nullptr;
  const Layout &layout = layout_for(f.width / kBlock, f.height / kBlock);
  const int64_t w = layout.blocks_x * kBlock;
  coefficients_.resize(layout.bit.size());
  const Basis &b = basis();
  float block[kPixels];
  for (int64_t by = 0; by < layout.blocks_y; ++by) {
    // One row of blocks at a time: its luma stays in cache (a whole frame's would not, with
    // many streams in one process).
    load_luma(f, by * kBlock, w, kBlock);
    for (int64_t bx = 0; bx < layout.blocks_x; ++bx) {
      for (int y = 0; y < kBlock; ++y)
        std::copy_n(luma_.data() + y * w + bx * kBlock, kBlock, block + y * kBlock);
      float *out = coefficients_.data() + (by * layout.blocks_x + bx) * kCoefficients;
      // Pixel-major: six independent sums advance together (each still adds its 64 terms in
      // pixel order, so the coefficients are bit for bit what one sum at a time gives).
      float acc[8] = {};
      for (int i = 0; i < kPixels; ++i)
        for (int k = 0; k < 8; ++k)
          acc[k] += b.by_pixel[i][k] * block[i];
      std::copy_n(acc, kCoefficients, out);
    }
  }
  return &layout;
}

bool BlockMark::embed(const FrameView &f, uint64_t coded) {

  // Per bit, the host's projection on the pattern, h_i = mean(chip * coefficient); each slot
  // then moves by (target_i - h_i) * chip, so the projection becomes the target exactly: the
  // host no longer interferes (improved spread spectrum). Targets are +-strength, or the
  // host's own projection where that already has the right sign and more than the strength.
  // Pixels clipped at 0 or 255 (black backgrounds) keep part of a move from landing, and
  // distort the others: when any was clipped, later passes measure what landed and make up
  // the difference.
  constexpr int kPasses = 3;
  for (int pass = 0; pass < kPasses; ++pass) {
    const Layout *analysed = analyse(f);
    if (!analysed)
      return false; // too small: left untouched
    const Layout &layout = *analysed;
    std::array<double, kWatermarkBits> projection{};
    std::array<int64_t, kWatermarkBits> count{};
    for (size_t s = 0; s < layout.bit.size(); ++s) {
      projection[layout.bit[s]] += layout.chip[s] * coefficients_[s];
      ++count[layout.bit[s]];
    }
    std::array<float, kWatermarkBits> move{};
    double largest = 0;
    for (size_t i = 0; i < move.size(); ++i) {
      const double sign = ((coded >> i) & 1) ? 1.0 : -1.0;
      const double host = count[i] ? projection[i] / static_cast<double>(count[i]) : 0.0;
      const double target = sign * std::max(strength_, sign * host);
      move[i] = static_cast<float>(target - host);
      largest = std::max(largest, std::abs(target - host));
    }
    if (pass > 0 && largest < 0.25 * strength_)
      break; // landed (up to rounding to whole levels)
    if (add_pattern(f, layout, move.data()) == 0)
      break; // nothing clipped: the moves landed as computed
  }
  return true;
}

int64_t BlockMark::add_pattern(const FrameView &f, const Layout &layout, const float *move) {
  int64_t clipped = 0;
  const Basis &b = basis();
  const PackedLayout p = packed_layout(f.format);
  float delta[kPixels];
  for (int64_t by = 0; by < layout.blocks_y; ++by)
    for (int64_t bx = 0; bx < layout.blocks_x; ++bx) {
      std::fill_n(delta, kPixels, 0.0f);
      const size_t slot0 = static_cast<size_t>((by * layout.blocks_x + bx) * kCoefficients);
      for (int k = 0; k < kCoefficients; ++k) {
        const size_t s = slot0 + static_cast<size_t>(k);
        const float m = move[layout.bit[s]] * layout.chip[s];
        for (int i = 0; i < kPixels; ++i)
          delta[i] += m * b.at[k][i];
      }
      for (int y = 0; y < kBlock; ++y) {
        uint8_t *row = f.planes[0] + (by * kBlock + y) * f.strides[0];
        for (int x = 0; x < kBlock; ++x) {
          const int d = static_cast<int>(std::lround(delta[y * kBlock + x]));
          if (d == 0)
            continue;
          const int64_t px = bx * kBlock + x;
          if (p.size <= 1) {
            const int v = row[px] + d;
            clipped += v < 0 || v > 255;
            row[px] = static_cast<uint8_t>(std::clamp(v, 0, 255));
          } else {
            uint8_t *q = row + px * p.size;
            for (int c : {p.r, p.g, p.b}) {
              const int v = q[c] + d;
              clipped += v < 0 || v > 255;
              q[c] = static_cast<uint8_t>(std::clamp(v, 0, 255));
            }
          }
        }
      }
    }
  return clipped;
}

bool BlockMark::read(const FrameView &f, std::array<double, kWatermarkBits> &correlation) {
  const Layout *analysed = analyse(f);
  if (!analysed)
    return false;
  const Layout &layout = *analysed;
  std::array<double, kWatermarkBits> dot{}, energy{};
  for (size_t s = 0; s < layout.bit.size(); ++s) {
    const double c = coefficients_[s];
    dot[layout.bit[s]] += layout.chip[s] * c;
    energy[layout.bit[s]] += c * c;
  }
  for (size_t i = 0; i < static_cast<size_t>(kWatermarkBits); ++i)
    correlation[i] = energy[i] > 0 ? dot[i] / std::sqrt(energy[i]) : 0.0;
  return true;
}

} // namespace gan::watermark_v1
