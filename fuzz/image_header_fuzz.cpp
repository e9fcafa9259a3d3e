// SPDX-License-Identifier: LGPL-2.1-or-later
// The PNG/JPEG header reader (gan/image_header.h) on any bytes: a size, "not mine", or a
// gan::Error; never a read past the end or a loop that does not end.

#include "gan/error.h"
#include "gan/image_header.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try {
    gan::parse_image_size(data, size, "fuzz");
  } catch (const gan::Error &) {
  }
  return 0;
}
