// SPDX-License-Identifier: LGPL-2.1-or-later
// The model-file reader on raw bytes: any input must load or throw gan::Error, nothing else.

#include "gan/error.h"
#include "gan/model_file.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try {
    gan::read_model_bytes(data, size, "fuzz");
  } catch (const gan::Error &) {
  }
  return 0;
}
