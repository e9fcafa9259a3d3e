// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The size of a PNG or JPEG image read from its header alone (PNG's IHDR, JPEG's start of
// frame), so that a file announcing more pixels than anything here decodes is refused before a
// decoder allocates for it. Torch-free; fuzzed by fuzz/image_header_fuzz.cpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace gan {

struct ImageSize {
  int64_t width = 0, height = 0;
};

// The largest image the tools decode: 32768 pixels a side and 2^28 pixels (1 GiB as RGBA).
constexpr int64_t kMaxImageSide = 32768;
constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

// The size a PNG or JPEG announces; std::nullopt when the bytes are neither (another decoder's
// business). Throws Error(Truncated) or Error(Corrupt), naming `what`, when a PNG or JPEG header
// is cut short or inconsistent.
std::optional<ImageSize> parse_image_size(const uint8_t *data, size_t size,
                                          const std::string &what);

// The same for a file, reading only its header segments. Throws Error(NotFound) when it cannot
// be read.
std::optional<ImageSize> read_image_size(const std::string &path);

// Throws Error(InvalidArgument), naming the file and its size, when `path` is a PNG or JPEG
// larger than kMaxImageSide or kMaxImagePixels; returns its size when known.
std::optional<ImageSize> check_image_size(const std::string &path);

} // namespace gan
