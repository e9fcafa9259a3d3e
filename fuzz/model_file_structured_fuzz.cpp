// SPDX-License-Identifier: LGPL-2.1-or-later
// The model-file reader past its outer checks. The input is a header's JSON text, a zero
// byte, then the data; the target fixes what random mutation almost never gets right (the
// header length, data_bytes and the data checksum) so that the layout, tensor-table, config
// and checksum checks behind them are reached. Anything not JSON goes in as it is.

#include "gan/error.h"
#include "gan/hash.h"
#include "gan/model_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

void put_u64(std::vector<uint8_t> &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<uint8_t>((v >> (8 * i)) & 0xff));
}

void read(const std::vector<uint8_t> &file) {
  try {
    gan::read_model_bytes(file.data(), file.size(), "fuzz");
  } catch (const gan::Error &) {
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *split = std::find(data, data + size, uint8_t{0});
  std::string header(data, split);
  const uint8_t *blob = split == data + size ? split : split + 1;
  const size_t blob_size = static_cast<size_t>(data + size - blob);

  // The header as mutated, with only its length fixed: the JSON checks themselves.
  std::vector<uint8_t> file = {'G', 'S', 'T', 'G', 'A', 'N', '\0', '\1'};
  const std::vector<uint8_t> magic = file;
  nlohmann::json h = nlohmann::json::parse(header, nullptr, /*allow_exceptions=*/false);
  if (h.is_object()) {
    // Keep the mutated types when they are not numbers/strings: those are the checks to reach.
    h["data_bytes"] = blob_size;
    h["data_fnv1a64"] = gan::fnv1a64_hex(blob, blob_size);
    header = h.dump();
  }
  put_u64(file, header.size());
  file.insert(file.end(), header.begin(), header.end());
  file.insert(file.end(), blob, blob + blob_size);
  read(file);
  return 0;
}
