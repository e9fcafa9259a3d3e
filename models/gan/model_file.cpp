// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/model_file.h"

#include "gan/error.h"
#include "gan/hash.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

namespace gan {

namespace {

using json = nlohmann::json;

constexpr char kMagic[8] = {'G', 'S', 'T', 'G', 'A', 'N', '\0', '\1'};
constexpr uint64_t kMaxHeader = 16u << 20;    // 16 MiB of JSON is far beyond any real header
constexpr uint64_t kMaxData = 4ull << 30;     // 4 GiB of weights
constexpr size_t kPrefix = sizeof kMagic + 8; // magic + header length

const char *dtype_name(DType d) {
  switch (d) {
  case DType::Float32:
    return "float32";
  case DType::Int64:
    return "int64";
  case DType::UInt8:
    return "uint8";
  }
  return "?";
}

DType dtype_from_name(const std::string &name) {
  if (name == "float32")
    return DType::Float32;
  if (name == "int64")
    return DType::Int64;
  if (name == "uint8")
    return DType::UInt8;
  throw Error(ErrorCode::Corrupt, "unknown tensor dtype '" + name + "'");
}

void put_u64(std::string &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

json config_to_json(const ModelConfig &c) {
  return {{"arch", c.arch},
          {"latent", c.latent},
          {"channels", c.channels},
          {"height", c.height},
          {"width", c.width}};
}

json provenance_to_json(const Provenance &p) {
  return {
      {"dataset", p.dataset},           {"steps", p.steps},    {"seed", p.seed}, {"date", p.date},
      {"tool_version", p.tool_version}, {"metrics", p.metrics}};
}

// Reads a header that has already passed the magic/size checks. nlohmann throws on type
// errors; the caller turns those into Corrupt.
void parse_header(const json &h, ModelFile &f) {
  if (h.at("format_version").get<uint32_t>() != ModelFile::kFormatVersion)
    throw Error(ErrorCode::WrongKind,
                "unsupported model file format version " + h.at("format_version").dump());
  f.kind = h.at("kind").get<std::string>();
  const json &c = h.at("config");
  f.config.arch = c.at("arch").get<std::string>();
  f.config.latent = c.at("latent").get<int64_t>();
  f.config.channels = c.at("channels").get<int64_t>();
  f.config.height = c.at("height").get<int64_t>();
  f.config.width = c.at("width").get<int64_t>();
  const json &p = h.at("provenance");
  f.provenance.dataset = p.at("dataset").get<std::string>();
  f.provenance.steps = p.at("steps").get<int64_t>();
  f.provenance.seed = p.at("seed").get<uint64_t>();
  f.provenance.date = p.at("date").get<std::string>();
  f.provenance.tool_version = p.at("tool_version").get<std::string>();
  f.provenance.metrics = p.at("metrics").get<std::map<std::string, double>>();
  f.attributes = h.at("attributes").get<std::map<std::string, std::string>>();
  std::set<std::string> names;
  for (const json &t : h.at("tensors")) {
    TensorEntry e;
    e.name = t.at("name").get<std::string>();
    e.dtype = dtype_from_name(t.at("dtype").get<std::string>());
    e.shape = t.at("shape").get<std::vector<int64_t>>();
    e.offset = t.at("offset").get<uint64_t>();
    e.nbytes = t.at("nbytes").get<uint64_t>();
    if (!names.insert(e.name).second)
      throw Error(ErrorCode::Corrupt, "tensor '" + e.name + "' appears twice");
    uint64_t elements = 1;
    for (int64_t d : e.shape) {
      if (d < 0 || (d > 0 && elements > kMaxData / static_cast<uint64_t>(d)))
        throw Error(ErrorCode::Corrupt, "tensor '" + e.name + "' has an impossible shape");
      elements *= static_cast<uint64_t>(d);
    }
    if (elements * dtype_size(e.dtype) != e.nbytes)
      throw Error(ErrorCode::Corrupt, "tensor '" + e.name + "': size does not match its shape");
    f.tensors.push_back(std::move(e));
  }
  f.checksum = h.at("data_fnv1a64").get<std::string>();
}

} // namespace

size_t dtype_size(DType d) {
  switch (d) {
  case DType::Float32:
    return 4;
  case DType::Int64:
    return 8;
  case DType::UInt8:
    return 1;
  }
  return 1;
}

const TensorEntry *ModelFile::find(const std::string &name) const {
  for (const TensorEntry &e : tensors)
    if (e.name == name)
      return &e;
  return nullptr;
}

void ModelFile::add(const std::string &name, DType dtype, std::vector<int64_t> shape,
                    const void *src, uint64_t nbytes) {
  if (find(name))
    throw Error(ErrorCode::InvalidArgument, "tensor '" + name + "' added twice");
  TensorEntry e{name, dtype, std::move(shape), data.size(), nbytes};
  const auto *p = static_cast<const uint8_t *>(src);
  data.insert(data.end(), p, p + nbytes);
  tensors.push_back(std::move(e));
}

std::string ModelFile::attribute(const std::string &key) const {
  auto it = attributes.find(key);
  if (it == attributes.end())
    throw Error(ErrorCode::Corrupt, "model file lacks the attribute '" + key + "'");
  return it->second;
}

ModelFile read_model_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorCode::NotFound,
                "cannot open model file '" + path + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad())
    throw Error(ErrorCode::NotFound, "cannot read model file '" + path + "'");
  const std::string where = "model file '" + path + "': ";

  if (bytes.size() < sizeof kMagic) {
    if (std::equal(bytes.begin(), bytes.end(), kMagic)) // an empty file counts too
      throw Error(ErrorCode::Truncated, where + "truncated inside the magic");
    throw Error(ErrorCode::WrongKind, where + "not a gst-gan model file (bad magic)");
  }
  if (std::memcmp(bytes.data(), kMagic, 6) != 0)
    throw Error(ErrorCode::WrongKind, where + "not a gst-gan model file (bad magic)");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw Error(ErrorCode::WrongKind, where + "unsupported gst-gan container version");
  if (bytes.size() < kPrefix)
    throw Error(ErrorCode::Truncated, where + "truncated before the header length");
  const uint64_t header_len = get_u64(bytes.data() + sizeof kMagic);
  if (header_len > kMaxHeader)
    throw Error(ErrorCode::Corrupt, where + "header length " + std::to_string(header_len) +
                                        " is beyond any valid file");
  if (bytes.size() - kPrefix < header_len)
    throw Error(ErrorCode::Truncated,
                where + "truncated inside the header (" + std::to_string(bytes.size()) + " bytes)");

  ModelFile f;
  uint64_t data_len = 0;
  try {
    const json h = json::parse(bytes.begin() + kPrefix, bytes.begin() + kPrefix + header_len);
    data_len = h.at("data_bytes").get<uint64_t>();
    parse_header(h, f);
  } catch (const json::exception &e) {
    throw Error(ErrorCode::Corrupt, where + "malformed header: " + e.what());
  } catch (const Error &e) {
    throw Error(e.code(), where + e.what());
  }
  if (data_len > kMaxData)
    throw Error(ErrorCode::Corrupt, where + "announces an absurd data size");
  const uint64_t available = bytes.size() - kPrefix - header_len;
  if (available < data_len)
    throw Error(ErrorCode::Truncated, where + "truncated: " + std::to_string(available) + " of " +
                                          std::to_string(data_len) + " data bytes present");
  if (available > data_len)
    throw Error(ErrorCode::Corrupt, where + "has trailing bytes after its data");
  // Tensors tile the data in order, as the writer lays them out: no gaps, no overlaps.
  uint64_t expected_offset = 0;
  for (const TensorEntry &e : f.tensors) {
    if (e.offset != expected_offset || e.nbytes > data_len - e.offset)
      throw Error(ErrorCode::Corrupt,
                  where + "tensor '" + e.name + "' is not where the layout puts it");
    expected_offset += e.nbytes;
  }
  if (expected_offset != data_len)
    throw Error(ErrorCode::Corrupt, where + "the tensors do not cover the data");

  f.data.assign(bytes.begin() + kPrefix + header_len, bytes.end());
  const std::string sum = fnv1a64_hex(f.data.data(), f.data.size());
  if (sum != f.checksum)
    throw Error(ErrorCode::Corrupt, where + "checksum mismatch (data damaged)");
  try {
    validate_config(f.config);
  } catch (const Error &e) {
    throw Error(e.code(), where + e.what());
  }
  return f;
}

void write_model_file(const std::string &path, ModelFile &f) {
  validate_config(f.config);
  f.checksum = fnv1a64_hex(f.data.data(), f.data.size());
  json tensors = json::array();
  for (const TensorEntry &e : f.tensors)
    tensors.push_back({{"name", e.name},
                       {"dtype", dtype_name(e.dtype)},
                       {"shape", e.shape},
                       {"offset", e.offset},
                       {"nbytes", e.nbytes}});
  const json h = {{"format", "gst-gan model"},
                  {"format_version", ModelFile::kFormatVersion},
                  {"kind", f.kind},
                  {"config", config_to_json(f.config)},
                  {"provenance", provenance_to_json(f.provenance)},
                  {"attributes", f.attributes},
                  {"tensors", tensors},
                  {"data_bytes", f.data.size()},
                  {"data_fnv1a64", f.checksum}};
  const std::string header = h.dump(1);
  std::string prefix(kMagic, sizeof kMagic);
  put_u64(prefix, header.size());

  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      throw Error(ErrorCode::Io, "cannot write '" + tmp + "': " + std::strerror(errno));
    out.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char *>(f.data.data()),
              static_cast<std::streamsize>(f.data.size()));
    out.flush();
    if (!out)
      throw Error(ErrorCode::Io, "writing '" + tmp + "' failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw Error(ErrorCode::Io,
                "cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(errno));
}

} // namespace gan
