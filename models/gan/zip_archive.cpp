// SPDX-License-Identifier: LGPL-2.1-or-later
// The zip container check in front of torch::jit::load (see zip_archive.h). Field layouts
// follow PKWARE's APPNOTE.TXT (sections 4.3.7 local header, 4.3.12 central header, 4.3.14-16
// zip64 end records, 4.5.3 zip64 extra field).
#include "gan/zip_archive.h"

#include "gan/error.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <unordered_set>

namespace gan {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;
// Deflated records are inflated to check them; their total is bounded so that a small
// hostile file cannot cost minutes (TorchScript's deflated records are source code: KBs).
constexpr uint64_t kMaxInflatedBytes = uint64_t{1} << 30;

class Checker {
public:
  Checker(std::string_view bytes, const std::string &path) : b_(bytes), path_(path) {}

  void run() {
    const End end = find_end();
    if (end.cd_offset > end.cd_end_limit || end.cd_size > end.cd_end_limit - end.cd_offset)
      fail(ErrorCode::Truncated, "its central directory lies outside the file");
    if (end.entries > end.cd_size / kCentralSize)
      fail(ErrorCode::Corrupt,
           "its end record counts more entries than the central directory holds");
    uint64_t pos = end.cd_offset;
    const uint64_t cd_end = end.cd_offset + end.cd_size;
    std::unordered_set<std::string_view> names;
    uint64_t inflated = 0;
    for (uint64_t i = 0; i < end.entries; ++i)
      pos = check_entry(pos, cd_end, end.cd_offset, names, inflated);
    if (pos != cd_end)
      fail(ErrorCode::Corrupt, "its central directory has bytes its end record does not count");
  }

private:
  struct End {
    uint64_t entries = 0;
    uint64_t cd_size = 0;
    uint64_t cd_offset = 0;
    uint64_t cd_end_limit = 0; // where the central directory must end by (its end records)
  };

  [[noreturn]] void fail(ErrorCode code, const std::string &why) const {
    throw Error(code,
                "'" + path_ + "' is a damaged zip archive (TorchScript files are zips): " + why);
  }

  bool fits(uint64_t offset, uint64_t length) const {
    return offset <= b_.size() && length <= b_.size() - offset;
  }
  uint16_t u16(uint64_t at) const { return static_cast<uint16_t>(byte(at) | byte(at + 1) << 8); }
  uint32_t u32(uint64_t at) const {
    return static_cast<uint32_t>(u16(at)) | static_cast<uint32_t>(u16(at + 2)) << 16;
  }
  uint64_t u64(uint64_t at) const {
    return static_cast<uint64_t>(u32(at)) | static_cast<uint64_t>(u32(at + 4)) << 32;
  }
  unsigned byte(uint64_t at) const { return static_cast<unsigned char>(b_[at]); }

  // The end-of-central-directory record: the last 22 bytes plus its comment, exactly to the end
  // of the file; a zip64 locator and end record before it when present.
  End find_end() const {
    if (b_.size() < kEndSize)
      fail(ErrorCode::Truncated, "it is shorter than a zip end record");
    uint64_t at = b_.size() - kEndSize;
    const uint64_t lowest = b_.size() > kEndSize + 0xffff ? b_.size() - kEndSize - 0xffff : 0;
    for (;; --at) {
      if (u32(at) == kEndSig && at + kEndSize + u16(at + 20) == b_.size())
        break;
      if (at == lowest)
        fail(ErrorCode::Truncated, "it has no zip end record (cut short?)");
    }
    if (u16(at + 4) != 0 || u16(at + 6) != 0 || u16(at + 8) != u16(at + 10))
      fail(ErrorCode::Corrupt, "it spans several disks");
    End end;
    end.entries = u16(at + 10);
    end.cd_size = u32(at + 12);
    end.cd_offset = u32(at + 16);
    end.cd_end_limit = at;
    if (at >= kZip64LocatorSize && u32(at - kZip64LocatorSize) == kZip64LocatorSig) {
      const uint64_t locator = at - kZip64LocatorSize;
      const uint64_t z64 = u64(locator + 8);
      if (u32(locator + 4) != 0 || u32(locator + 16) > 1)
        fail(ErrorCode::Corrupt, "its zip64 locator names other disks");
      if (!fits(z64, kZip64EndSize) || z64 + kZip64EndSize > locator)
        fail(ErrorCode::Corrupt, "its zip64 end record lies outside the file");
      if (u32(z64) != kZip64EndSig)
        fail(ErrorCode::Corrupt, "its zip64 end record has a wrong signature");
      if (u32(z64 + 16) != 0 || u32(z64 + 20) != 0 || u64(z64 + 24) != u64(z64 + 32))
        fail(ErrorCode::Corrupt, "it spans several disks");
      end.entries = u64(z64 + 32);
      end.cd_size = u64(z64 + 40);
      end.cd_offset = u64(z64 + 48);
      end.cd_end_limit = z64;
    } else if (end.entries == 0xffff || end.cd_size == 0xffffffff || end.cd_offset == 0xffffffff) {
      fail(ErrorCode::Corrupt, "its end record needs a zip64 record that is missing");
    }
    return end;
  }

  struct Sizes {
    uint64_t compressed;
    uint64_t uncompressed;
    uint64_t local_offset;
  };

  // The zip64 extra field (id 1) supplies, in this order, each of the three values whose 32-bit
  // field is 0xffffffff.
  Sizes central_sizes(uint64_t h, uint64_t extra, uint16_t extra_len,
                      const std::string &name) const {
    Sizes s{u32(h + 20), u32(h + 24), u32(h + 42)};
    const bool need[3] = {s.uncompressed == 0xffffffff, s.compressed == 0xffffffff,
                          s.local_offset == 0xffffffff};
    if (!need[0] && !need[1] && !need[2])
      return s;
    uint64_t p = extra;
    const uint64_t extra_end = extra + extra_len;
    while (p + 4 <= extra_end) {
      const uint16_t id = u16(p), len = u16(p + 2);
      if (p + 4 + len > extra_end)
        break;
      if (id == 1) {
        uint64_t q = p + 4;
        uint64_t *fields[3] = {&s.uncompressed, &s.compressed, &s.local_offset};
        for (int k = 0; k < 3; ++k) {
          if (!need[k])
            continue;
          if (q + 8 > p + 4 + len)
            fail(ErrorCode::Corrupt, "record '" + name + "' has a short zip64 extra field");
          *fields[k] = u64(q);
          q += 8;
        }
        return s;
      }
      p += 4 + len;
    }
    fail(ErrorCode::Corrupt, "record '" + name + "' lacks the zip64 sizes it announces");
  }

  uint64_t check_entry(uint64_t h, uint64_t cd_end, uint64_t data_limit,
                       std::unordered_set<std::string_view> &names, uint64_t &inflated) {
    if (h + kCentralSize > cd_end || u32(h) != kCentralSig)
      fail(ErrorCode::Corrupt, "its central directory has a malformed entry");
    const uint16_t flags = u16(h + 8), method = u16(h + 10);
    const uint32_t crc = u32(h + 16);
    const uint16_t name_len = u16(h + 28), extra_len = u16(h + 30), comment_len = u16(h + 32);
    const uint64_t next = h + kCentralSize + name_len + extra_len + comment_len;
    if (next > cd_end)
      fail(ErrorCode::Corrupt, "its central directory has an entry running past its end");
    const std::string_view name_view = b_.substr(h + kCentralSize, name_len);
    const std::string name(name_view);
    if (name.empty())
      fail(ErrorCode::Corrupt, "a record has an empty name");
    if (!names.insert(name_view).second)
      fail(ErrorCode::Corrupt, "record '" + name + "' appears twice");
    if (u16(h + 34) != 0)
      fail(ErrorCode::Corrupt, "record '" + name + "' is on another disk");
    if (flags & 0x1)
      fail(ErrorCode::Corrupt, "record '" + name + "' is encrypted");
    if (method != 0 && method != 8)
      fail(ErrorCode::Corrupt, "record '" + name + "' uses compression method " +
                                   std::to_string(method) + " (stored and deflate only)");
    const Sizes s = central_sizes(h, h + kCentralSize + name_len, extra_len, name);

    // The local header repeats the name; its own extra field (LibTorch pads data to 64 bytes
    // with one) may differ from the central one.
    const uint64_t l = s.local_offset;
    if (!fits(l, kLocalSize) || l + kLocalSize > data_limit || u32(l) != kLocalSig)
      fail(ErrorCode::Corrupt, "record '" + name + "' has no local header where it should");
    const uint16_t local_name_len = u16(l + 26), local_extra_len = u16(l + 28);
    if (local_name_len != name_len || b_.substr(l + kLocalSize, name_len) != name_view)
      fail(ErrorCode::Corrupt, "record '" + name + "' has another name in its local header");
    if (u16(l + 8) != method)
      fail(ErrorCode::Corrupt, "record '" + name + "' has two compression methods");
    const uint64_t data = l + kLocalSize + local_name_len + local_extra_len;
    if (data > data_limit || s.compressed > data_limit - data)
      fail(ErrorCode::Truncated, "record '" + name + "' runs past the file's data");
    const std::string_view payload = b_.substr(data, s.compressed);
    if (method == 0) {
      if (s.compressed != s.uncompressed)
        fail(ErrorCode::Corrupt, "stored record '" + name + "' has two different sizes");
      if (crc32_of(payload) != crc)
        fail(ErrorCode::Corrupt, "record '" + name + "' fails its CRC-32 check");
    } else {
      if (s.uncompressed > kMaxInflatedBytes - inflated)
        fail(ErrorCode::Corrupt, "its deflated records inflate to more than 1 GiB");
      inflated += s.uncompressed;
      check_deflated(payload, s.uncompressed, crc, name);
    }
    return next;
  }

  static uint32_t crc32_of(std::string_view data) {
    uLong crc = crc32(0L, Z_NULL, 0);
    const auto *p = reinterpret_cast<const Bytef *>(data.data());
    size_t left = data.size();
    while (left > 0) {
      const uInt n = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
      crc = crc32(crc, p, n);
      p += n;
      left -= n;
    }
    return static_cast<uint32_t>(crc);
  }

  // Inflates in 64 KiB steps (nothing the size of the declared output is allocated), checking
  // the size and CRC-32 the central directory declares.
  void check_deflated(std::string_view payload, uint64_t size, uint32_t crc,
                      const std::string &name) const {
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
      fail(ErrorCode::Corrupt, "zlib could not start inflating record '" + name + "'");
    std::array<Bytef, 65536> out;
    uLong running = crc32(0L, Z_NULL, 0);
    uint64_t produced = 0;
    const auto *in = reinterpret_cast<const Bytef *>(payload.data());
    size_t in_left = payload.size();
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      if (z.avail_in == 0 && in_left > 0) {
        z.next_in = const_cast<Bytef *>(in);
        z.avail_in = static_cast<uInt>(std::min<size_t>(in_left, 1u << 30));
        in += z.avail_in;
        in_left -= z.avail_in;
      }
      z.next_out = out.data();
      z.avail_out = out.size();
      rc = inflate(&z, Z_NO_FLUSH);
      const uInt got = static_cast<uInt>(out.size() - z.avail_out);
      produced += got;
      running = crc32(running, out.data(), got);
      if (produced > size || (rc != Z_OK && rc != Z_STREAM_END) ||
          (rc == Z_OK && got == 0 && z.avail_in == 0 && in_left == 0)) {
        inflateEnd(&z);
        fail(ErrorCode::Corrupt, "record '" + name + "' does not inflate to its declared size");
      }
    }
    inflateEnd(&z);
    if (produced != size)
      fail(ErrorCode::Corrupt, "record '" + name + "' does not inflate to its declared size");
    if (static_cast<uint32_t>(running) != crc)
      fail(ErrorCode::Corrupt, "record '" + name + "' fails its CRC-32 check");
  }

  std::string_view b_;
  const std::string &path_;
};

} // namespace

void verify_zip_archive(std::string_view bytes, const std::string &path) {
  Checker(bytes, path).run();
}

} // namespace gan
