// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The core's two non-cryptographic hashes, one place each: FNV-1a 64 (checksums of model data,
// dataset fingerprints, watermark keys) and the SplitMix64 finaliser (counter-based random
// streams: latents, the watermark's layout). Their outputs are part of files and streams
// already made: never change them.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace gan {

constexpr uint64_t kFnv1a64Offset = 0xcbf29ce484222325ULL;

// FNV-1a 64 of `size` bytes, continuing from `h` (chain calls to hash several pieces).
inline uint64_t fnv1a64(const void *data, size_t size, uint64_t h = kFnv1a64Offset) {
  const auto *bytes = static_cast<const uint8_t *>(data);
  for (size_t i = 0; i < size; ++i) {
    h ^= bytes[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

// FNV-1a 64 of a string's bytes, continuing from `h`.
inline uint64_t fnv1a64(std::string_view text, uint64_t h = kFnv1a64Offset) {
  return fnv1a64(text.data(), text.size(), h);
}

// The same as 16 lowercase hex digits (model checksums, ids, dataset fingerprints).
inline std::string fnv1a64_hex(const void *data, size_t size) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(data, size)));
  return buf;
}

// SplitMix64 (Steele, Lea & Flood 2014): the golden-ratio step, then the finaliser. Calling it
// on 0, 1, 2, ... or on a state advanced by the step gives the SplitMix64 sequence.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The SplitMix64 sequence from a seed: the keyed streams that lay out the watermark's patterns.
struct SplitMix64Stream {
  uint64_t state;
  uint64_t next() {
    const uint64_t z = splitmix64(state);
    state += 0x9e3779b97f4a7c15ULL;
    return z;
  }
  uint64_t below(uint64_t n) { return next() % n; } // n << 2^64: bias negligible
};

} // namespace gan
