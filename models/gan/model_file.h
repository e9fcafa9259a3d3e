// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The one file format for everything the project trains: a fixed magic, a JSON header
// (kind, architecture, config, provenance, tensor table, checksum) and a raw little-endian
// tensor blob. Every size and offset is checked before use, so a hostile or damaged file
// yields an Error, never a crash.

#include "gan/config.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gan {

// A detector file whose attribute kDetectorScaleAttribute is "native" scores native-resolution
// patches (ModelDescription::native_scale): gandetect tiles frames for it, never rescales them.
inline constexpr const char *kDetectorScaleAttribute = "scale";

enum class DType { Float32, Int64, UInt8 };

size_t dtype_size(DType dtype);

struct TensorEntry {
  std::string name;
  DType dtype = DType::Float32;
  std::vector<int64_t> shape;
  uint64_t offset = 0; // into ModelFile::data
  uint64_t nbytes = 0;
};

struct ModelFile {
  static constexpr uint32_t kFormatVersion = 1;

  std::string kind; // "gan", "checkpoint", ...
  ModelConfig config;
  Provenance provenance;
  std::map<std::string, std::string> attributes; // kind-specific key/values (trainer state)
  std::vector<TensorEntry> tensors;
  std::vector<uint8_t> data;
  std::string checksum; // hex FNV-1a 64 of data, set by read/write: identifies the weights
  std::string path;     // where read_model_file read it (empty for a file built in memory)

  const TensorEntry *find(const std::string &name) const;
  const uint8_t *bytes(const TensorEntry &entry) const { return data.data() + entry.offset; }
  void add(const std::string &name, DType dtype, std::vector<int64_t> shape, const void *bytes,
           uint64_t nbytes);
  std::string attribute(const std::string &key) const; // throws Corrupt when absent
};

// Throws Error: NotFound (missing, unreadable or a directory), WrongKind (not a gst-gan model
// file, or not a regular file: a FIFO or a device is refused before it is opened), Truncated,
// Corrupt (including a header number of the wrong JSON type or range, or a key twice in one
// object), UnknownArchitecture (via validate_config) or InvalidArgument. Reads no more than
// the header declares.
ModelFile read_model_file(const std::string &path);

// The same checks on bytes in memory; `name` stands for the path in messages (fuzz targets).
ModelFile read_model_bytes(const uint8_t *data, size_t size, const std::string &name);

// Writes atomically (temporary file + rename): a crash mid-write leaves the old file intact.
// Fills in file.checksum.
void write_model_file(const std::string &path, ModelFile &file);

} // namespace gan
