// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/watermark.h"

#include "gan/error.h"
#include "gan/hash.h"
#include "gan/watermark_v1.h"
#include "gan/watermark_v2.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace gan {

namespace {

// CRC-24/OpenPGP (RFC 4880) of the payload's 4 bytes, big-endian.
uint32_t crc24(uint32_t payload) {
  uint32_t crc = 0xb704ce;
  for (int byte = 3; byte >= 0; --byte) {
    crc ^= ((payload >> (8 * byte)) & 0xff) << 16;
    for (int i = 0; i < 8; ++i) {
      crc <<= 1;
      if (crc & 0x1000000)
        crc ^= 0x864cfb;
    }
  }
  return crc & 0xffffff;
}

// The key's whitening of the coded bits, so that no payload gives a structured pattern.
uint64_t whitening(const std::string &key) {
  SplitMix64Stream stream{fnv1a64(key, fnv1a64("gst-gan watermark whitening"))};
  return stream.next() & ((1ULL << kWatermarkBits) - 1);
}

// The verdict of 56 soft bits (bit i: the sign of correlation[i]), and the score.
template <typename Correlations>
WatermarkVerdict decide_bits(const Correlations &correlation, const std::string &key) {
  WatermarkVerdict v;
  uint64_t word = 0;
  bool every_bit_read = true;
  for (int i = 0; i < kWatermarkBits; ++i) {
    const double c = correlation[static_cast<size_t>(i)];
    if (c > 0)
      word |= 1ULL << i;
    every_bit_read = every_bit_read && c != 0; // 0: no signal at all (a flat area)
  }
  word ^= whitening(key);
  v.payload = static_cast<uint32_t>(word >> kWatermarkCheckBits);
  const uint64_t check = word & ((1ULL << kWatermarkCheckBits) - 1);
  v.check_errors = __builtin_popcountll(crc24(v.payload) ^ check);
  v.checksum_ok = v.check_errors == 0;
  v.found = every_bit_read && v.checksum_ok;
  return v;
}

// Version 2 at one placement: the whole frame (identity), one a search found earlier in the
// stream, or the one the search finds now. `searched`: the placement is not the identity.
// `flips`: when the checksum fails, the two weakest bits are flipped too (each alone, then
// both): each word tried is again fair coins on an unmarked frame (which bits are weakest does
// not depend on their signs), so that placement costs kSearchedWords x 2^-24.
constexpr int kSearchedWords = 4;
WatermarkVerdict decide_v2(const std::vector<float> &canonical, const std::string &key,
                           const watermark_v2::Placement &where, bool searched, bool flips) {
  const watermark_v2::Layout &layout = watermark_v2::layout_for(key);
  watermark_v2::Decoded d = watermark_v2::decode_at(canonical, layout, where);
  WatermarkVerdict v = decide_bits(d.correlation, key);
  if (flips && !v.found) {
    std::array<int, kWatermarkBits> order;
    for (int i = 0; i < kWatermarkBits; ++i)
      order[static_cast<size_t>(i)] = i;
    std::partial_sort(order.begin(), order.begin() + 2, order.end(), [&d](int a, int b) {
      return std::abs(d.correlation[static_cast<size_t>(a)]) <
             std::abs(d.correlation[static_cast<size_t>(b)]);
    });
    for (int flips = 1; flips < kSearchedWords && !v.found; ++flips) {
      std::array<double, watermark_v2::kGroups> tried = d.correlation;
      for (int k = 0; k < 2; ++k)
        if (flips & (1 << k))
          tried[static_cast<size_t>(order[static_cast<size_t>(k)])] *= -1;
      const WatermarkVerdict t = decide_bits(tried, key);
      if (t.found)
        v = t;
    }
  }
  v.version = v.found ? 2 : 0;
  v.score = d.correlation[watermark_v2::kSyncGroup];
  v.searched = searched;
  v.scale_x = where.scale_x, v.offset_x = where.offset_x;
  v.scale_y = where.scale_y, v.offset_y = where.offset_y;
  return v;
}

WatermarkVerdict decide_v1(const std::array<double, kWatermarkBits> &correlation,
                           const std::string &key) {
  WatermarkVerdict v = decide_bits(correlation, key);
  v.version = v.found ? 1 : 0;
  double sum_squares = 0;
  for (double c : correlation)
    sum_squares += c * c;
  v.score = (sum_squares - kWatermarkBits) / std::sqrt(2.0 * kWatermarkBits);
  return v;
}

} // namespace

// payload (32 bits) then its CRC-24, whitened by the key: bit i of the result is coded bit i.
uint64_t watermark_code(uint32_t payload, const std::string &key) {
  const uint64_t word = (static_cast<uint64_t>(payload) << kWatermarkCheckBits) | crc24(payload);
  return word ^ whitening(key);
}

bool watermark_fits(int64_t width, int64_t height) {
  return width >= kWatermarkMinSide && height >= kWatermarkMinSide;
}

uint32_t watermark_payload_for(const std::string &text) {
  uint32_t h = 0x811c9dc5u;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x01000193u;
  }
  return h == 0 ? 1 : h;
}

WatermarkVerdict decide(const WatermarkReading &reading, const std::string &key, bool search,
                        const WatermarkVerdict *found_before) {
  if (!reading.usable)
    return {};
  // Not found, the verdict reports the whole frame's version 2 reading (its score is then
  // about N(0, 1) on an unmarked frame; the searched placement's would be a maximum).
  WatermarkVerdict v2;
  if (!reading.canonical.empty()) {
    if (reading.canonical.size() != static_cast<size_t>(watermark_v2::kSide * watermark_v2::kSide))
      throw Error(ErrorCode::InvalidArgument,
                  "watermark: a version 2 reading has " + std::to_string(reading.canonical.size()) +
                      " values, not " + std::to_string(watermark_v2::kSide * watermark_v2::kSide));
    v2 = decide_v2(reading.canonical, key, {}, false, false);
    if (v2.found)
      return v2;
    if (found_before && found_before->found && found_before->version == 2 &&
        found_before->searched) {
      const watermark_v2::Placement at{found_before->scale_x, found_before->offset_x,
                                       found_before->scale_y, found_before->offset_y};
      const WatermarkVerdict there = decide_v2(reading.canonical, key, at, true, false);
      if (there.found)
        return there;
    }
    if (search) {
      const watermark_v2::Placement at =
          watermark_v2::search(reading.canonical, watermark_v2::layout_for(key));
      const WatermarkVerdict searched = decide_v2(reading.canonical, key, at, true, true);
      if (searched.found)
        return searched;
    }
  }
  const WatermarkVerdict v1 = decide_v1(reading.correlation, key);
  return v1.found || reading.canonical.empty() ? v1 : v2;
}

Watermark::Watermark(std::string key, int version) : key_(std::move(key)), version_(version) {
  if (version_ != 1 && version_ != 2)
    throw Error(ErrorCode::InvalidArgument,
                "watermark version must be 1 or 2, not " + std::to_string(version));
  v1_ = std::make_unique<watermark_v1::BlockMark>(key_);
  v2_ = std::make_unique<watermark_v2::Embedder>();
}

Watermark::~Watermark() = default;
Watermark::Watermark(Watermark &&) noexcept = default;
Watermark &Watermark::operator=(Watermark &&) noexcept = default;

namespace {
void check_view(const FrameView &f) {
  if (f.width < 1 || f.height < 1 || !f.planes[0])
    throw Error(ErrorCode::InvalidArgument, "watermark: empty frame");
}
} // namespace

bool Watermark::embed(const FrameView &f, uint32_t payload) {
  check_view(f);
  if (!watermark_fits(f.width, f.height))
    return false; // too small: left untouched
  const uint64_t coded = watermark_code(payload, key_);
  // Version 2 where the picture can carry it; version 1 (same payload, block DCT) on the
  // pictures it cannot (see watermark_v2::Embedder::embed): the reader reads both.
  if (version_ == 2 && v2_->embed(f, watermark_v2::layout_for(key_), coded))
    return true;
  return v1_->embed(f, coded);
}

WatermarkReading Watermark::read(const FrameView &f) {
  WatermarkReading r;
  read(f, r);
  return r;
}

void Watermark::read(const FrameView &f, WatermarkReading &r, bool version1) {
  check_view(f);
  r.usable = false;
  r.read_version1 = false;
  r.correlation.fill(0.0);
  r.canonical.clear();
  if (!watermark_fits(f.width, f.height))
    return;
  r.usable = true;
  watermark_v2::read_canonical(f, r.canonical);
  // Version 1 is read only where version 2 is not found whole: a marked stream costs one
  // reading, and a version 1 stream still reads (its correlations are 0 otherwise: no signal).
  if (version1 && !decide_v2(r.canonical, key_, {}, false, false).found) {
    v1_->read(f, r.correlation);
    r.read_version1 = true;
  }
}

void WatermarkVote::set_window(int window) {
  window_ = std::max(1, window);
  reset();
}

void WatermarkVote::reset() {
  readings_.clear();
  next_ = 0;
}

void WatermarkVote::add(const WatermarkReading &reading) {
  if (!reading.usable)
    return;
  if (readings_.size() < static_cast<size_t>(window_)) {
    readings_.push_back(reading);
  } else {
    readings_[next_] = reading;
    next_ = (next_ + 1) % readings_.size();
  }
}

WatermarkVerdict WatermarkVote::verdict(const std::string &key, bool search,
                                        const WatermarkVerdict *found_before) const {
  WatermarkReading &sum = sum_;
  sum.usable = false;
  sum.correlation.fill(0.0);
  sum.canonical.clear();
  if (readings_.empty())
    return decide(sum, key);
  sum.usable = true;
  // Version 2 sums only readings of one grid size (all of them, unless the caller mixed).
  bool every_canonical = true;
  for (const WatermarkReading &r : readings_)
    every_canonical = every_canonical && r.canonical.size() == readings_.front().canonical.size();
  if (every_canonical)
    sum.canonical.assign(readings_.front().canonical.size(), 0.0f);
  for (const WatermarkReading &r : readings_) {
    for (size_t i = 0; i < sum.correlation.size(); ++i)
      sum.correlation[i] += r.correlation[i];
    if (every_canonical)
      for (size_t i = 0; i < sum.canonical.size(); ++i)
        sum.canonical[i] += r.canonical[i];
  }
  const double norm = 1.0 / std::sqrt(static_cast<double>(readings_.size()));
  for (double &c : sum.correlation)
    c *= norm;
  return decide(sum, key, search, found_before);
}

WatermarkStream::WatermarkStream(int window, int search_every)
    : vote_(window), search_every_(std::max(1, search_every)), since_search_(search_every_),
      since_version1_read_(search_every_), since_version1_found_(kVersion1Memory) {}

void WatermarkStream::set_window(int window) {
  vote_.set_window(window);
  reset();
}

void WatermarkStream::reset() {
  vote_.reset();
  found_before_ = {};
  since_search_ = search_every_;
  since_version1_read_ = search_every_;
  since_version1_found_ = kVersion1Memory;
}

bool WatermarkStream::wants_version1() const {
  return since_version1_found_ < kVersion1Memory || since_version1_read_ >= search_every_ - 1;
}

WatermarkVerdict WatermarkStream::push(const WatermarkReading &reading, const std::string &key) {
  vote_.add(reading);
  const bool due = ++since_search_ >= search_every_;
  const bool voting = vote_.window() > 1;
  const WatermarkVerdict single = decide(reading, key, due && !voting, &found_before_);
  WatermarkVerdict voted;
  if (!single.found && voting)
    voted = vote_.verdict(key, due, &found_before_);
  if (due)
    since_search_ = 0;
  const WatermarkVerdict &v = single.found || !voted.found ? single : voted;
  if (v.found && v.version == 2 && v.searched)
    found_before_ = v;
  // (Capped: a stream of years never overflows them.)
  since_version1_read_ =
      reading.read_version1 ? 0 : std::min(since_version1_read_ + 1, search_every_);
  since_version1_found_ =
      v.found && v.version == 1 ? 0 : std::min(since_version1_found_ + 1, kVersion1Memory);
  return v;
}

} // namespace gan
