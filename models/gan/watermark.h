// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// An invisible, keyed provenance watermark in the luma of a frame: a 32-bit payload + CRC-24.
//
// Version 2 (written; watermark_v2.h): a grid of 64 x 64 cells laid over the frame in
// frame-relative coordinates, so it survives rescaling (0.4x-2x, any interpolation, aspect
// changes), cropping up to 10% of each dimension (the reader searches the placement by a
// synchronisation group), crop + rescale, and lossy coding (JPEG, VP8, H.264).
// Version 1 (read; watermark_v1.h): the same coded bits on the frame's 8x8 block DCT; robust
// to lossy coding, not to rescaling or cropping.
//
// The key seeds which cells (v2) or coefficients (v1) carry which bit and with which sign:
// without the key the mark is noise, and reading or forging it means guessing the key. Every
// frame of a given (key, payload) carries the same pattern, so the readings of consecutive
// frames can be summed (WatermarkVote) to read marks through lossy video coding.
// Frames smaller than kWatermarkMinSide in either dimension are left unmarked (their
// provenance travels in tags and meta only).
//
// Torch-free and GStreamer-free: plain loops over a FrameView.

#include "gan/frames.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gan {

namespace watermark_v1 {
class BlockMark;
}
namespace watermark_v2 {
class Embedder;
}

constexpr int64_t kWatermarkMinSide = 128;
// The key the elements use unless told otherwise. It is public: marks made with it tell
// honest tools what made a frame, but anyone can read or forge them. Deployments that need
// proof set their own secret key.
constexpr const char *kWatermarkDefaultKey = "gst-gan";
constexpr int kWatermarkPayloadBits = 32;
constexpr int kWatermarkCheckBits = 24; // CRC-24/OpenPGP of the payload
constexpr int kWatermarkBits = kWatermarkPayloadBits + kWatermarkCheckBits;

// One frame's (or a vote's) soft reading, of both versions.
struct WatermarkReading {
  bool usable = false; // false: the frame is too small to carry a mark
  // Version 1: per coded bit, the normalised correlation of the frame with the key's block
  // pattern. On an unmarked frame each is mean 0, variance 1 whatever the content; on a marked
  // one its sign is the bit.
  std::array<double, kWatermarkBits> correlation{};
  // Version 2: the frame's whitened luma on the reading grid (watermark_v2::kSide^2 floats);
  // empty when the reading has none (not usable, or made by hand with version 1 only).
  std::vector<float> canonical;
  bool read_version1 = false; // the correlations were read (not skipped)
};

struct WatermarkVerdict {
  bool found = false;
  int version = 0; // of the mark found (2 or 1); 0 when none was
  bool checksum_ok = false;
  int check_errors = 0; // check bits that differ from the CRC-24 of the read payload (0..24)
  uint32_t payload = 0; // the decoded payload (meaningful when found)
  // How strongly the mark reads, as a z statistic (about N(0, 1) on an unmarked frame, far
  // above on a marked one): version 2's synchronisation correlation, or version 1's signal
  // energy. A measure, not a probability: the decision below does not use it.
  double score = 0;
  // Version 2: where this frame lies in the marked one (the fraction of the marked frame's
  // width and height it shows, from which relative offset), and whether finding it took the
  // search (the frame was cropped) or not.
  bool searched = false;
  double scale_x = 1, offset_x = 0, scale_y = 1, offset_y = 0;
};

// The decision rule: decode each bit by the sign of its correlation; a mark is found when
// every bit read some signal and the 24 check bits equal the CRC-24 of the 32 payload bits.
// On an unmarked frame each sign is a fair coin whatever the content (the key's chips are
// random to it), so one word read matches with probability 2^-24 ~ 6e-8. Tried in turn:
//   - version 2 where the frame is whole (the identity placement): 1 word;
//   - version 2 at the placement its search finds (watermark_v2.h: the search leaves the
//     signs it reads fair coins), as read and with its two weakest bits flipped (each, both):
//     4 words;
//   - version 1: 1 word.
// So P(found) <= 6 x 2^-24 ~ 3.6e-7 per decision on an unmarked frame, whatever the search
// tried; without the search (search = false: the whole frame and version 1) <= 2 x 2^-24.
// `found_before`: a verdict that found a cropped frame's mark (version 2, searched); its
// placement is tried too, before the search (one word more). Throws Error(InvalidArgument) on
// a version 2 reading of the wrong size.
WatermarkVerdict decide(const WatermarkReading &reading, const std::string &key, bool search = true,
                        const WatermarkVerdict *found_before = nullptr);

// The 56 coded bits (bit i: the sign bit i should read) of a payload under a key.
uint64_t watermark_code(uint32_t payload, const std::string &key);

// True when a frame of this size carries a mark.
bool watermark_fits(int64_t width, int64_t height);

// A 32-bit payload that names a text (a model id): FNV-1a, never 0.
uint32_t watermark_payload_for(const std::string &text);

class Watermark {
public:
  // version: the version embed() writes (2; 1 only to make old marks for tests).
  explicit Watermark(std::string key, int version = 2);
  ~Watermark();
  Watermark(Watermark &&) noexcept;
  Watermark &operator=(Watermark &&) noexcept;

  const std::string &key() const { return key_; }

  // Adds the mark to the frame's luma (for RGB formats: the same offset on R, G and B, so
  // chroma is kept). Returns false, leaving the frame untouched, when it is too small.
  // Throws Error(InvalidArgument) on an empty view.
  bool embed(const FrameView &frame, uint32_t payload);

  // The soft reading of a frame (usable = false when it is too small): version 2's grid, and
  // version 1's correlations unless version 2 was found on the whole frame (then all 0).
  // Throws Error(InvalidArgument) on an empty view.
  WatermarkReading read(const FrameView &frame);
  // The same into `out`, whose memory is reused: a stream's readings allocate nothing after the
  // first frame of a size. `version1` false skips version 1 (WatermarkStream::wants_version1).
  void read(const FrameView &frame, WatermarkReading &out, bool version1 = true);

  WatermarkVerdict verify(const FrameView &frame) { return decide(read(frame), key_); }

private:
  std::string key_;
  int version_;
  std::unique_ptr<watermark_v1::BlockMark> v1_;
  std::unique_ptr<watermark_v2::Embedder> v2_;
};

// Sums the readings of the last `window` frames, for streams whose single frames lost too much
// of the mark (lossy video coding): the mark adds up coherently, coding noise does not. Over
// independent unmarked frames the sum reads like one unmarked frame; over a still unmarked
// picture it is that picture's reading, scaled. Either way the signs are fair coins and the
// decision's bound holds per window.
class WatermarkVote {
public:
  explicit WatermarkVote(int window = 1) { set_window(window); }
  void set_window(int window);
  int window() const { return window_; }
  // Adds a frame's reading (unusable ones are skipped).
  void add(const WatermarkReading &reading);
  // The verdict of the window: decide() on the sum.
  WatermarkVerdict verdict(const std::string &key, bool search = true,
                           const WatermarkVerdict *found_before = nullptr) const;
  // add() then verdict().
  WatermarkVerdict push(const WatermarkReading &reading, const std::string &key) {
    add(reading);
    return verdict(key);
  }
  int frames() const { return static_cast<int>(readings_.size()); }
  void reset();

private:
  int window_ = 1;
  std::vector<WatermarkReading> readings_; // ring, oldest first after `next_`
  size_t next_ = 0;
  mutable WatermarkReading sum_; // verdict()'s scratch
};

// How a stream is read, frame after frame (gandetect): each frame on its own, then, if it does
// not find the mark and the window is longer than one frame, the window's vote. A cropped
// stream keeps its crop, so the placement where the search last found the mark is tried on
// every later frame, and the search itself (~3 ms) runs at most once every `search_every`
// frames while nothing is found there: on the vote when there is one (it holds this frame
// too), else on the frame. Words tried per frame, at most: the frame (whole, last placement,
// version 1: 3), the vote (the same 3, and 4 at a searched placement): 10 x 2^-24 ~ 6e-7.
class WatermarkStream {
public:
  explicit WatermarkStream(int window = 1, int search_every = 15);
  void set_window(int window);
  int window() const { return vote_.window(); }
  // Forgets everything (flushes, a new stream, new caps).
  void reset();
  // Adds a frame's reading; returns the frame's verdict (its own, or the vote's).
  WatermarkVerdict push(const WatermarkReading &reading, const std::string &key);
  // Whether the next frame's reading should include version 1 (Watermark::read's `version1`):
  // version 1 (block DCT over the whole frame) costs about three times version 2's reading,
  // and is written only where version 2 does not fit. It is read on every frame while this
  // stream found it in its last kVersion1Memory frames, else at most every `search_every`
  // frames (so a stream of version 1 marks is found within that many frames, then read
  // throughout).
  bool wants_version1() const;
  static constexpr int kVersion1Memory = 60;
  int frames() const { return vote_.frames(); }

private:
  WatermarkVote vote_;
  WatermarkVerdict found_before_; // .found: a searched placement found the mark there
  int search_every_;
  int since_search_;
  int since_version1_read_;
  int since_version1_found_;
};

} // namespace gan
