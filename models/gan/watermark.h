// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// An invisible, keyed watermark in the luma of a frame: 32-bit payload + CRC-24, spread over
// mid-low frequencies of the frame's 8x8 block DCT (the grid JPEG and most codecs use), with
// host-interference cancellation (improved spread spectrum, Malvar & Florencio 2003).
//
// The key seeds which coefficients carry which bit and with which sign: without the key the
// mark is noise, and reading or forging it means guessing the key. Every frame of a given size
// carries the same pattern for a given (key, payload), so readings of consecutive frames can be
// summed (WatermarkVote) to read marks through lossy video coding.
//
// Robust to: JPEG/VP8/H.264 re-encoding, colour-format conversion, brightness offsets and
// contrast scaling (the reading is normalised). Not robust to: rescaling, cropping, rotation,
// or anything that moves the 8x8 grid. Frames smaller than kWatermarkMinSide in either
// dimension are left unmarked (their provenance travels in tags and meta only).
//
// Torch-free and GStreamer-free: plain loops over a FrameView.

#include "gan/frames.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace gan {

constexpr int64_t kWatermarkMinSide = 128;
// The key the elements use unless told otherwise. It is public: marks made with it tell
// honest tools what made a frame, but anyone can read or forge them. Deployments that need
// proof set their own secret key.
constexpr const char *kWatermarkDefaultKey = "gst-gan";
constexpr int kWatermarkPayloadBits = 32;
constexpr int kWatermarkCheckBits = 24; // CRC-24/OpenPGP of the payload
constexpr int kWatermarkBits = kWatermarkPayloadBits + kWatermarkCheckBits;

// One frame's (or a vote's) soft reading: per coded bit, the normalised correlation of the
// frame with the key's pattern. On an unmarked frame each is mean 0, variance 1 whatever the
// content (the pattern's signs are random to the content); on a marked one its sign is the bit.
struct WatermarkReading {
  bool usable = false; // false: the frame is too small to carry a mark
  std::array<double, kWatermarkBits> correlation{};
};

struct WatermarkVerdict {
  bool found = false;
  bool checksum_ok = false;
  int check_errors = 0; // check bits that differ from the CRC-24 of the read payload (0..24)
  uint32_t payload = 0; // the decoded payload (meaningful when found)
  // The signal energy as a z statistic: about N(0, 1) on an unmarked frame (so one in ten
  // unmarked frames scores above 1.28), far above on a marked one. A measure of how strongly
  // the mark reads, not a probability: the decision below does not use it.
  double score = 0;
};

// The decision rule: decode each bit by the sign of its correlation; the mark is found when
// every bit read some signal and the 24 check bits equal the CRC-24 of the 32 payload bits.
// On an unmarked frame each sign is a fair coin whatever the content (the key's chips are
// random to it), so P(found) = 2^-24 ~ 6e-8 per decision. The score is reported, not used:
// host-interference cancellation makes marked bits right even where the normalised
// correlation is weak (strong edges), so a score threshold would only lose marks.
WatermarkVerdict decide(const WatermarkReading &reading, const std::string &key);

// The 56 coded bits (bit i: the sign bit i should read) of a payload under a key.
uint64_t watermark_code(uint32_t payload, const std::string &key);

// True when a frame of this size carries a mark.
bool watermark_fits(int64_t width, int64_t height);

// A 32-bit payload that names a text (a model id): FNV-1a, never 0.
uint32_t watermark_payload_for(const std::string &text);

class Watermark {
public:
  // strength: the amplitude of each marked DCT coefficient, in 8-bit luma levels.
  explicit Watermark(std::string key, double strength = kDefaultStrength);

  static constexpr double kDefaultStrength = 7.0;

  const std::string &key() const { return key_; }

  // Adds the mark to the frame's luma (for RGB formats: the same offset on R, G and B, so
  // chroma is kept). Returns false, leaving the frame untouched, when it is too small.
  // Throws Error(InvalidArgument) on an empty view.
  bool embed(const FrameView &frame, uint32_t payload);

  // The soft reading of a frame (usable = false when it is too small).
  WatermarkReading read(const FrameView &frame);

  WatermarkVerdict verify(const FrameView &frame) { return decide(read(frame), key_); }

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

// Sums the readings of the last `window` frames (scaled by 1/sqrt(frames)), for streams whose
// single frames lost too much of the mark (lossy video coding): the mark adds up coherently,
// coding noise does not. Over independent unmarked frames the sum reads like one unmarked
// frame; over a still unmarked picture it is that picture's reading, scaled. Either way the
// signs are fair coins and the CRC-24 bounds false positives by 2^-24 per window.
class WatermarkVote {
public:
  explicit WatermarkVote(int window = 1) { set_window(window); }
  void set_window(int window);
  int window() const { return window_; }
  // Adds a frame's reading (unusable ones are skipped) and returns the verdict of the window.
  WatermarkVerdict push(const WatermarkReading &reading, const std::string &key);
  int frames() const { return static_cast<int>(readings_.size()); }
  void reset();

private:
  int window_ = 1;
  std::vector<WatermarkReading> readings_; // ring, oldest first after `next_`
  size_t next_ = 0;
};

} // namespace gan
