// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/image_header.h"

#include "gan/error.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>

namespace gan {

namespace {

// Reads up to n bytes at an offset; returns how many there were.
using ReadAt = std::function<size_t(uint64_t offset, uint8_t *dst, size_t n)>;

// A JPEG's frame header lies behind its metadata segments; past this many bytes it is not looked
// for (no encoder writes that much before it).
constexpr uint64_t kMaxJpegHeaderBytes = uint64_t{64} << 20;

uint32_t be32(const uint8_t *p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint32_t be16(const uint8_t *p) { return (uint32_t{p[0]} << 8) | p[1]; }

std::optional<ImageSize> png_size(const ReadAt &read, const std::string &what) {
  uint8_t h[24];
  if (read(0, h, sizeof h) < sizeof h)
    throw Error(ErrorCode::Truncated, "PNG '" + what + "' ends inside its header");
  if (be32(h + 8) != 13 || std::memcmp(h + 12, "IHDR", 4) != 0)
    throw Error(ErrorCode::Corrupt, "PNG '" + what + "' does not begin with its IHDR chunk");
  const ImageSize s{be32(h + 16), be32(h + 20)};
  if (s.width == 0 || s.height == 0 || s.width > 0x7fffffff || s.height > 0x7fffffff)
    throw Error(ErrorCode::Corrupt, "PNG '" + what + "' announces an impossible size");
  return s;
}

bool is_start_of_frame(uint8_t m) {
  return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

std::optional<ImageSize> jpeg_size(const ReadAt &read, const std::string &what) {
  const auto cut = [&] { return Error(ErrorCode::Truncated, "JPEG '" + what + "' ends early"); };
  uint64_t at = 2; // after SOI
  for (;;) {
    if (at > kMaxJpegHeaderBytes)
      throw Error(ErrorCode::Corrupt, "JPEG '" + what + "' has no frame header in its first " +
                                          std::to_string(kMaxJpegHeaderBytes >> 20) + " MiB");
    uint8_t b;
    if (read(at, &b, 1) < 1)
      throw cut();
    if (b != 0xff)
      throw Error(ErrorCode::Corrupt, "JPEG '" + what + "' has no marker where one belongs");
    // Fill bytes: any number of 0xff before the marker code.
    do {
      ++at;
      if (read(at, &b, 1) < 1)
        throw cut();
    } while (b == 0xff && at <= kMaxJpegHeaderBytes);
    const uint8_t marker = b;
    ++at;
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
      continue; // no length
    if (marker == 0xd8 || marker == 0xd9 || marker == 0xda || marker == 0x00)
      throw Error(ErrorCode::Corrupt, "JPEG '" + what + "' has no frame header before its data");
    uint8_t len[2];
    if (read(at, len, 2) < 2)
      throw cut();
    const uint32_t length = be16(len);
    if (length < 2)
      throw Error(ErrorCode::Corrupt, "JPEG '" + what + "' has a segment of impossible length");
    if (is_start_of_frame(marker)) {
      uint8_t f[5]; // precision, height, width
      if (length < 2 + sizeof f)
        throw Error(ErrorCode::Corrupt, "JPEG '" + what + "' has a short frame header");
      if (read(at + 2, f, sizeof f) < sizeof f)
        throw cut();
      const ImageSize s{be16(f + 3), be16(f + 1)};
      if (s.width == 0)
        throw Error(ErrorCode::Corrupt, "JPEG '" + what + "' announces a width of 0");
      if (s.height == 0) // the height comes later (a DNL segment): the decoder's business
        return std::nullopt;
      return s;
    }
    at += length;
  }
}

std::optional<ImageSize> image_size(const ReadAt &read, const std::string &what) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  uint8_t magic[8] = {};
  const size_t got = read(0, magic, sizeof magic);
  if (got == sizeof magic && std::memcmp(magic, kPng, sizeof kPng) == 0)
    return png_size(read, what);
  if (got >= 3 && magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff)
    return jpeg_size(read, what);
  return std::nullopt;
}

struct FileClose {
  void operator()(std::FILE *f) const { std::fclose(f); }
};

} // namespace

std::optional<ImageSize> parse_image_size(const uint8_t *data, size_t size,
                                          const std::string &what) {
  return image_size(
      [&](uint64_t offset, uint8_t *dst, size_t n) -> size_t {
        if (offset >= size)
          return 0;
        const size_t k = std::min<uint64_t>(n, size - offset);
        std::memcpy(dst, data + offset, k);
        return k;
      },
      what);
}

std::optional<ImageSize> read_image_size(const std::string &path) {
  std::unique_ptr<std::FILE, FileClose> f(std::fopen(path.c_str(), "rb"));
  if (!f)
    throw Error(ErrorCode::NotFound, "cannot open '" + path + "': " + std::strerror(errno));
  return image_size(
      [&](uint64_t offset, uint8_t *dst, size_t n) -> size_t {
        if (fseeko(f.get(), static_cast<off_t>(offset), SEEK_SET) != 0)
          return 0;
        return std::fread(dst, 1, n, f.get());
      },
      path);
}

std::optional<ImageSize> check_image_size(const std::string &path) {
  const std::optional<ImageSize> s = read_image_size(path);
  if (s && (s->width > kMaxImageSide || s->height > kMaxImageSide ||
            s->width * s->height > kMaxImagePixels))
    throw Error(ErrorCode::InvalidArgument,
                "'" + path + "' is " + std::to_string(s->width) + "x" + std::to_string(s->height) +
                    " pixels, larger than the " + std::to_string(kMaxImageSide) +
                    " pixels a side and " + std::to_string(kMaxImagePixels >> 20) +
                    " Mpixels that gst-gan decodes");
  return s;
}

} // namespace gan
