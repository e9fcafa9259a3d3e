// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Version 1 of the watermark (still read; gst-gan 0.x wrote it): the 56 coded bits spread over
// mid-low frequencies of the frame's 8x8 block DCT (the grid JPEG and most codecs use), with
// host-interference cancellation (improved spread spectrum, Malvar & Florencio 2003). The key
// seeds which coefficients carry which bit and with which sign, per block grid. Robust to
// re-encoding, colour conversion, brightness and contrast; not to rescaling or cropping
// (anything that moves the 8x8 grid).
//
// Internal to the core (watermark.h is the interface). Torch-free, GStreamer-free.

#include "gan/frames.h"
#include "gan/watermark.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace gan::watermark_v1 {

class BlockMark {
public:
  // strength: the amplitude of each marked DCT coefficient, in 8-bit luma levels.
  explicit BlockMark(std::string key, double strength = 7.0)
      : key_(std::move(key)), strength_(strength) {}

  // Adds the coded bits (bit i: the sign coded bit i takes) to the frame's luma. Returns false,
  // leaving the frame untouched, when it is too small. Throws Error on an empty view.
  bool embed(const FrameView &frame, uint64_t coded);

  // Per coded bit, the normalised correlation of the frame with the key's pattern; false when
  // the frame is too small.
  bool read(const FrameView &frame, std::array<double, kWatermarkBits> &correlation);

private:
  // Which bit and sign each (block, coefficient) slot carries, for one block grid.
  struct Layout {
    int64_t blocks_x = 0, blocks_y = 0;
    std::vector<uint8_t> bit; // per slot
    std::vector<int8_t> chip; // per slot: +1 / -1
  };
  const Layout &layout_for(int64_t blocks_x, int64_t blocks_y);
  // Rows y0 .. y0 + h - 1 of the luma of the frame's whole blocks, w floats each, into luma_.
  void load_luma(const FrameView &frame, int64_t y0, int64_t w, int64_t h);
  // Checks the view (Error on an empty one), then fills coefficients_[slot] for the layout
  // of its block grid, which it returns; nullptr when the frame is too small for a mark.
  const Layout *analyse(const FrameView &frame);
  // Adds move[bit] * chip * basis of every slot to the frame's luma; returns how many pixel
  // values were clipped at 0 or 255.
  int64_t add_pattern(const FrameView &frame, const Layout &layout, const float *move);

  std::string key_;
  double strength_;
  Layout layout_;
  std::vector<float> luma_;
  std::vector<float> coefficients_;
};

} // namespace gan::watermark_v1
