// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/dataset.h"

#include "gan/error.h"
#include "gan/hash.h"

#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <new>

namespace gan {

namespace {

constexpr int64_t kMaxIdxBytes = int64_t{4} << 30;

// Bytes this process may still take: the system's available memory (MemAvailable), or less
// where an address-space or data limit (ulimit -v / -d) leaves less.
int64_t available_memory_bytes() {
  int64_t available = std::numeric_limits<int64_t>::max();
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib) {
    std::getline(meminfo, unit);
    if (key == "MemAvailable:") {
      available = kib * 1024;
      break;
    }
  }
  int64_t vm_pages = 0, rss_pages = 0;
  std::ifstream("/proc/self/statm") >> vm_pages >> rss_pages;
  const int64_t vm_bytes = vm_pages * sysconf(_SC_PAGESIZE);
  for (int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    rlimit limit{};
    if (getrlimit(resource, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
      available = std::min(available,
                           std::max<int64_t>(0, static_cast<int64_t>(limit.rlim_cur) - vm_bytes));
  }
  return available;
}

// zlib reads raw and gzip files alike; a damaged gzip stream is reported as Corrupt.
class IdxReader {
public:
  explicit IdxReader(const std::string &path) : path_(path) {
    file_ = gzopen(path.c_str(), "rb");
    if (!file_)
      throw Error(ErrorCode::NotFound,
                  "cannot open IDX file '" + path + "': " + std::strerror(errno ? errno : ENOENT));
    // 64 KiB (zlib allocates twice that for output): large enough for full-speed reads, small
    // enough to come from the heap rather than an mmap per file.
    gzbuffer(file_, 64 << 10);
  }
  ~IdxReader() { gzclose(file_); }
  IdxReader(const IdxReader &) = delete;
  IdxReader &operator=(const IdxReader &) = delete;

  // Reads exactly n bytes; `what` names the part for the error message.
  void read(void *dst, int64_t n, const char *what) {
    auto *p = static_cast<uint8_t *>(dst);
    int64_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n - done, 1 << 30));
      const int got = gzread(file_, p + done, chunk);
      if (got < 0) {
        int err = 0;
        const char *msg = gzerror(file_, &err);
        throw Error(ErrorCode::Corrupt, "IDX file '" + path_ + "' is damaged: " + msg);
      }
      if (got == 0)
        break;
      done += got;
    }
    if (done < n) {
      // zlib reports a cut gzip stream as a plain EOF (or Z_BUF_ERROR): both are truncation.
      throw Error(ErrorCode::Truncated, "IDX file '" + path_ + "' is truncated in its " + what +
                                            " (" + std::to_string(done) + " of " +
                                            std::to_string(n) + " bytes)");
    }
  }

  // n bytes into a vector that grows as data arrives (geometrically, from 64 KiB), so a
  // hostile header announcing gigabytes costs no more memory than the file really holds.
  std::vector<uint8_t> read_vector(int64_t n, const char *what) {
    constexpr int64_t kFirst = int64_t{64} << 10, kChunk = int64_t{16} << 20;
    std::vector<uint8_t> out;
    for (int64_t done = 0; done < n;) {
      const int64_t part = std::min({std::max(kFirst, std::min(done, kChunk)), n - done});
      try {
        out.resize(static_cast<size_t>(done + part));
      } catch (const std::bad_alloc &) {
        throw Error(ErrorCode::InvalidArgument,
                    "IDX file '" + path_ + "': out of memory for its " + what + " (" +
                        std::to_string(n) + " bytes announced, " + std::to_string(done) + " read)");
      }
      try {
        read(out.data() + done, part, what);
      } catch (const Error &e) {
        if (e.code() != ErrorCode::Truncated)
          throw;
        throw Error(ErrorCode::Truncated, "IDX file '" + path_ + "' is truncated in its " + what +
                                              " (" + std::to_string(n) + " bytes announced)");
      }
      done += part;
    }
    return out;
  }

  uint32_t read_u32(const char *what) {
    uint8_t b[4];
    read(b, 4, what);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  }

  // IDX magic: two zero bytes, a type code (0x08 = unsigned byte) and the dimension count.
  std::vector<int64_t> read_header(int want_dims, const char *kind) {
    uint8_t magic[4];
    read(magic, 4, "magic");
    if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] != want_dims)
      throw Error(ErrorCode::WrongKind, "'" + path_ + "' is not an IDX " + kind + " file (magic " +
                                            std::to_string(magic[2]) + "/" +
                                            std::to_string(magic[3]) + ")");
    std::vector<int64_t> dims;
    int64_t total = 1;
    for (int i = 0; i < want_dims; ++i) {
      const int64_t d = read_u32("header");
      if (d == 0 || total > kMaxIdxBytes / d)
        throw Error(ErrorCode::Corrupt, "IDX file '" + path_ + "' has impossible dimensions");
      total *= d;
      dims.push_back(d);
    }
    return dims;
  }

  void expect_end() {
    uint8_t extra;
    const int got = gzread(file_, &extra, 1);
    if (got < 0) {
      int err = 0;
      throw Error(ErrorCode::Corrupt,
                  "IDX file '" + path_ + "' is damaged: " + gzerror(file_, &err));
    }
    if (got > 0)
      throw Error(ErrorCode::Corrupt,
                  "IDX file '" + path_ + "' has data beyond what its header announces");
  }

private:
  std::string path_;
  gzFile file_ = nullptr;
};

} // namespace

void TrainingImages::batch_rows(uint64_t seed, int64_t step, int64_t n, int64_t first,
                                int64_t count, float *out) {
  if (first < 0 || count < 0 || first + count > n)
    throw Error(ErrorCode::InvalidArgument, "images [" + std::to_string(first) + ", " +
                                                std::to_string(first + count) +
                                                ") are not in a batch of " + std::to_string(n));
  const int64_t image = channels() * height() * width();
  std::vector<float> all(static_cast<size_t>(n * image));
  batch(seed, step, n, all.data());
  std::copy(all.begin() + first * image, all.begin() + (first + count) * image, out);
}

std::string ImageSet::fingerprint() const {
  std::string shape = std::to_string(count) + "x" + std::to_string(channels) + "x" +
                      std::to_string(height) + "x" + std::to_string(width) + ":";
  return shape + fnv1a64_hex(pixels.data(), pixels.size());
}

ImageSet read_idx_images(const std::string &path) {
  IdxReader in(path);
  const std::vector<int64_t> dims = in.read_header(3, "image");
  ImageSet set;
  set.count = dims[0];
  set.channels = 1;
  set.height = dims[1];
  set.width = dims[2];
  set.source = path;
  // Refused before anything is decompressed when the images would not fit: a legal header may
  // announce 4 GiB, which the trainer then holds once (it trains on these very bytes).
  const int64_t bytes = set.count * set.image_size(), available = available_memory_bytes();
  if (bytes > available)
    throw Error(ErrorCode::InvalidArgument,
                "IDX file '" + path + "': not enough memory for " + std::to_string(set.count) +
                    " images of " + std::to_string(set.height) + "x" + std::to_string(set.width) +
                    " (" + std::to_string(bytes >> 20) + " MiB; " +
                    std::to_string(available >> 20) + " MiB available)");
  set.pixels = in.read_vector(bytes, "pixel data");
  in.expect_end();
  return set;
}

std::vector<uint8_t> read_idx_labels(const std::string &path) {
  IdxReader in(path);
  const std::vector<int64_t> dims = in.read_header(1, "label");
  std::vector<uint8_t> labels = in.read_vector(dims[0], "label data");
  in.expect_end();
  return labels;
}

std::string default_fashion_mnist_dir() { return "/usr/share/datasets/fashion-mnist"; }

} // namespace gan
