// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/model_file.h"

#include "gan/error.h"
#include "gan/hash.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

// The field settings are written only when they differ from the shipped generator's, so that
// files written before they existed read as what they are.
json config_to_json(const ModelConfig &c) {
  json j = {{"arch", c.arch},
            {"latent", c.latent},
            {"channels", c.channels},
            {"height", c.height},
            {"width", c.width}};
  if (c.upsample != ModelConfig().upsample)
    j["upsample"] = c.upsample;
  if (c.filters != ModelConfig().filters)
    j["filters"] = c.filters;
  const ModelConfig d;
  if (c.kernel != d.kernel)
    j["kernel"] = c.kernel;
  if (c.norm != d.norm)
    j["norm"] = c.norm;
  if (c.activation != d.activation)
    j["activation"] = c.activation;
  if (c.output != d.output)
    j["output"] = c.output;
  if (c.depth != d.depth)
    j["depth"] = c.depth;
  if (c.input != d.input)
    j["input"] = c.input;
  return j;
}

json provenance_to_json(const Provenance &p) {
  return {
      {"dataset", p.dataset},           {"steps", p.steps},    {"seed", p.seed}, {"date", p.date},
      {"tool_version", p.tool_version}, {"metrics", p.metrics}};
}

// Header numbers are checked by JSON type and range before conversion: nlohmann's get<>()
// would turn 2^64 into 0, 4294967297 into 1 and 1e30 into undefined behaviour.
uint64_t as_uint(const json &v, uint64_t max, const std::string &field) {
  if (!v.is_number_integer())
    throw Error(ErrorCode::Corrupt, "header field '" + field + "' is not an integer");
  if (!v.is_number_unsigned() && v.get<int64_t>() < 0)
    throw Error(ErrorCode::Corrupt, "header field '" + field + "' is negative");
  const uint64_t u = v.get<uint64_t>();
  if (u > max)
    throw Error(ErrorCode::Corrupt,
                "header field '" + field + "' is out of range (" + std::to_string(u) + ")");
  return u;
}

uint64_t get_uint(const json &obj, const char *key, uint64_t max, const std::string &field) {
  return as_uint(obj.at(key), max, field);
}

constexpr uint64_t kMaxCount = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

int64_t get_count(const json &obj, const char *key, const std::string &field) {
  return static_cast<int64_t>(get_uint(obj, key, kMaxCount, field));
}

const json &get_object(const json &obj, const char *key) {
  const json &v = obj.at(key);
  if (!v.is_object())
    throw Error(ErrorCode::Corrupt, std::string("header field '") + key + "' is not an object");
  return v;
}

// Reads a header that has already passed the magic/size checks. nlohmann throws on type
// errors; the caller turns those into Corrupt.
void parse_header(const json &h, ModelFile &f) {
  const uint64_t version =
      get_uint(h, "format_version", std::numeric_limits<uint32_t>::max(), "format_version");
  if (version != ModelFile::kFormatVersion)
    throw Error(ErrorCode::WrongKind,
                "unsupported model file format version " + std::to_string(version));
  f.kind = h.at("kind").get<std::string>();
  const json &c = get_object(h, "config");
  f.config.arch = c.at("arch").get<std::string>();
  f.config.latent = get_count(c, "latent", "config.latent");
  f.config.channels = get_count(c, "channels", "config.channels");
  f.config.height = get_count(c, "height", "config.height");
  f.config.width = get_count(c, "width", "config.width");
  if (c.contains("upsample"))
    f.config.upsample = c.at("upsample").get<std::string>();
  if (c.contains("filters"))
    f.config.filters = get_count(c, "filters", "config.filters");
  if (c.contains("kernel"))
    f.config.kernel = get_count(c, "kernel", "config.kernel");
  if (c.contains("depth"))
    f.config.depth = get_count(c, "depth", "config.depth");
  for (auto [key, field] : {std::pair<const char *, std::string *>{"norm", &f.config.norm},
                            {"activation", &f.config.activation},
                            {"output", &f.config.output},
                            {"input", &f.config.input}})
    if (c.contains(key))
      *field = c.at(key).get<std::string>();
  const json &p = get_object(h, "provenance");
  f.provenance.dataset = p.at("dataset").get<std::string>();
  f.provenance.steps = get_count(p, "steps", "provenance.steps");
  f.provenance.seed = get_uint(p, "seed", std::numeric_limits<uint64_t>::max(), "provenance.seed");
  f.provenance.date = p.at("date").get<std::string>();
  f.provenance.tool_version = p.at("tool_version").get<std::string>();
  f.provenance.metrics = p.at("metrics").get<std::map<std::string, double>>();
  f.attributes = h.at("attributes").get<std::map<std::string, std::string>>();
  const json &tensors = h.at("tensors");
  if (!tensors.is_array())
    throw Error(ErrorCode::Corrupt, "header field 'tensors' is not an array");
  std::set<std::string> names;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const json &t = tensors[i];
    const std::string field = "tensors[" + std::to_string(i) + "].";
    if (!t.is_object())
      throw Error(ErrorCode::Corrupt,
                  "header field 'tensors[" + std::to_string(i) + "]' is not an object");
    TensorEntry e;
    e.name = t.at("name").get<std::string>();
    e.dtype = dtype_from_name(t.at("dtype").get<std::string>());
    const json &shape = t.at("shape");
    if (!shape.is_array())
      throw Error(ErrorCode::Corrupt, "header field '" + field + "shape' is not an array");
    for (size_t d = 0; d < shape.size(); ++d)
      e.shape.push_back(static_cast<int64_t>(
          as_uint(shape[d], kMaxCount, field + "shape[" + std::to_string(d) + "]")));
    e.offset = get_uint(t, "offset", kMaxData, field + "offset");
    e.nbytes = get_uint(t, "nbytes", kMaxData, field + "nbytes");
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

// The header as JSON, refusing what nlohmann would accept silently: a key twice in one object
// (the last would win, so two readers could disagree on one file) and absurd nesting.
json parse_json(const uint8_t *begin, const uint8_t *end) {
  constexpr int kMaxDepth = 32;
  std::vector<std::set<std::string>> keys; // one set per open object
  auto check = [&keys](int depth, json::parse_event_t event, json &parsed) {
    if (depth > kMaxDepth)
      throw Error(ErrorCode::Corrupt, "header nests deeper than " + std::to_string(kMaxDepth));
    switch (event) {
    case json::parse_event_t::object_start:
      keys.emplace_back();
      break;
    case json::parse_event_t::object_end:
      if (!keys.empty())
        keys.pop_back();
      break;
    case json::parse_event_t::key:
      if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second)
        throw Error(ErrorCode::Corrupt,
                    "header has the key '" + parsed.get<std::string>() + "' twice in one object");
      break;
    default:
      break;
    }
    return true;
  };
  return json::parse(begin, end, check);
}

// Where the bytes come from: a regular file read piecewise, or a buffer (the fuzz targets).
class Source {
public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  // Exactly n bytes at offset into dst; the size was checked against size() before.
  virtual void read(uint64_t offset, uint64_t n, uint8_t *dst) = 0;
};

class BufferSource : public Source {
public:
  BufferSource(const uint8_t *data, size_t size) : data_(data), size_(size) {}
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, uint64_t n, uint8_t *dst) override {
    if (n)
      std::memcpy(dst, data_ + offset, n);
  }

private:
  const uint8_t *data_;
  size_t size_;
};

class FileSource : public Source {
public:
  // Only regular files: a FIFO would block open() or read() forever, a device (/dev/zero)
  // never ends, a directory fails obscurely. stat() first so that a FIFO is never opened.
  explicit FileSource(const std::string &path) : path_(path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
      throw Error(ErrorCode::NotFound,
                  "cannot open model file '" + path + "': " + std::strerror(errno));
    refuse_irregular(st);
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd_ < 0)
      throw Error(ErrorCode::NotFound,
                  "cannot open model file '" + path + "': " + std::strerror(errno));
    // The file opened may not be the file stat()ed (a rename in between): check it again.
    if (::fstat(fd_, &st) != 0) {
      const int err = errno;
      ::close(fd_);
      throw Error(ErrorCode::NotFound,
                  "cannot read model file '" + path + "': " + std::strerror(err));
    }
    try {
      refuse_irregular(st);
    } catch (...) {
      ::close(fd_);
      throw;
    }
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource &) = delete;
  FileSource &operator=(const FileSource &) = delete;

  uint64_t size() const override { return size_; }
  void read(uint64_t offset, uint64_t n, uint8_t *dst) override {
    uint64_t done = 0;
    while (done < n) {
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(n - done, 1u << 30));
      const ssize_t got = ::pread(fd_, dst + done, chunk, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        throw Error(ErrorCode::NotFound,
                    "cannot read model file '" + path_ + "': " + std::strerror(errno));
      if (got == 0) // shrunk since fstat()
        throw Error(ErrorCode::Truncated, "model file '" + path_ + "': truncated while reading");
      done += static_cast<uint64_t>(got);
    }
  }

private:
  void refuse_irregular(const struct stat &st) const {
    if (S_ISDIR(st.st_mode))
      throw Error(ErrorCode::NotFound, "model file '" + path_ + "' is a directory");
    if (!S_ISREG(st.st_mode))
      throw Error(ErrorCode::WrongKind,
                  "model file '" + path_ + "' is not a regular file (a FIFO, socket or device)");
  }
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

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
    throw Error(ErrorCode::Corrupt, "model file " + (path.empty() ? "" : "'" + path + "' ") +
                                        "lacks the attribute '" + key + "'");
  return it->second;
}

namespace {

// Reads only what the header declares: the prefix, then the header, then (once every size
// has been checked against the file's size) the data.
ModelFile read_model(Source &src, const std::string &name) {
  const std::string where = "model file '" + name + "': ";
  const uint64_t size = src.size();
  uint8_t prefix[kPrefix];
  src.read(0, std::min<uint64_t>(size, kPrefix), prefix);

  if (size < sizeof kMagic) {
    if (std::equal(prefix, prefix + size, kMagic)) // an empty file counts too
      throw Error(ErrorCode::Truncated, where + "truncated inside the magic");
    throw Error(ErrorCode::WrongKind, where + "not a gst-gan model file (bad magic)");
  }
  if (std::memcmp(prefix, kMagic, 6) != 0)
    throw Error(ErrorCode::WrongKind, where + "not a gst-gan model file (bad magic)");
  if (std::memcmp(prefix, kMagic, sizeof kMagic) != 0)
    throw Error(ErrorCode::WrongKind, where + "unsupported gst-gan container version");
  if (size < kPrefix)
    throw Error(ErrorCode::Truncated, where + "truncated before the header length");
  const uint64_t header_len = get_u64(prefix + sizeof kMagic);
  if (header_len > kMaxHeader)
    throw Error(ErrorCode::Corrupt, where + "header length " + std::to_string(header_len) +
                                        " is beyond any valid file");
  if (size - kPrefix < header_len)
    throw Error(ErrorCode::Truncated,
                where + "truncated inside the header (" + std::to_string(size) + " bytes)");

  ModelFile f;
  f.path = name;
  uint64_t data_len = 0;
  try {
    std::vector<uint8_t> header(static_cast<size_t>(header_len));
    src.read(kPrefix, header_len, header.data());
    const json h = parse_json(header.data(), header.data() + header.size());
    if (!h.is_object())
      throw Error(ErrorCode::Corrupt, "header is not a JSON object");
    data_len = get_uint(h, "data_bytes", std::numeric_limits<uint64_t>::max(), "data_bytes");
    if (data_len > kMaxData)
      throw Error(ErrorCode::Corrupt, "announces an absurd data size");
    parse_header(h, f);
  } catch (const json::exception &e) {
    throw Error(ErrorCode::Corrupt, where + "malformed header: " + e.what());
  } catch (const Error &e) {
    throw Error(e.code(), where + e.what());
  }
  const uint64_t available = size - kPrefix - header_len;
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

  f.data.resize(static_cast<size_t>(data_len));
  src.read(kPrefix + header_len, data_len, f.data.data());
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

} // namespace

ModelFile read_model_file(const std::string &path) {
  FileSource src(path);
  return read_model(src, path);
}

ModelFile read_model_bytes(const uint8_t *data, size_t size, const std::string &name) {
  BufferSource src(data, size);
  return read_model(src, name);
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
