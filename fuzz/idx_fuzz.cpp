// SPDX-License-Identifier: LGPL-2.1-or-later
// The IDX reader (raw and gzip, images and labels) on any bytes, through a file as users give
// it: load or throw gan::Error.

#include "gan/dataset.h"
#include "gan/error.h"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

std::string scratch_file() {
  const char *dir = std::getenv("TMPDIR");
  std::string templ = std::string(dir && *dir ? dir : "/tmp") + "/gst-gan-idx-fuzz-XXXXXX";
  const int fd = mkstemp(templ.data());
  if (fd < 0)
    std::abort();
  close(fd);
  return templ;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = scratch_file();
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    std::abort();
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    gan::read_idx_images(path);
  } catch (const gan::Error &) {
  }
  try {
    gan::read_idx_labels(path);
  } catch (const gan::Error &) {
  }
  return 0;
}
