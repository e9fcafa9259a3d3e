// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/model_description.h"

#include "gan/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gan {

namespace {

using nlohmann::json;

constexpr uintmax_t kMaxDescriptionBytes = 1 << 20;
// A declared input beyond this is refused: a 3x4096x4096 input would crawl on every frame.
constexpr int64_t kMaxInputSide = 2048;

[[noreturn]] void bad(const std::string &source, const std::string &what) {
  throw Error(ErrorCode::InvalidArgument, "model description " + source + ": " + what);
}

template <typename Enum, size_t N>
Enum parse_enum(const json &v, const char *key, const std::pair<const char *, Enum> (&names)[N],
                const std::string &source) {
  if (!v.is_string())
    bad(source, std::string("'") + key + "' must be a string");
  const std::string s = v.get<std::string>();
  std::string known;
  for (const auto &[name, value] : names) {
    if (s == name)
      return value;
    known += std::string(known.empty() ? "" : ", ") + name;
  }
  bad(source, std::string("'") + key + "' is '" + s + "'; expected one of " + known);
}

template <typename Enum, size_t N>
const char *enum_name(Enum e, const std::pair<const char *, Enum> (&names)[N]) {
  for (const auto &[name, value] : names)
    if (value == e)
      return name;
  return "?";
}

const std::pair<const char *, ValueRange> kRanges[] = {{"-1..1", ValueRange::MinusOneToOne},
                                                       {"0..1", ValueRange::ZeroToOne},
                                                       {"0..255", ValueRange::ZeroTo255}};
const std::pair<const char *, ChannelOrder> kOrders[] = {{"rgb", ChannelOrder::Rgb},
                                                         {"bgr", ChannelOrder::Bgr}};
const std::pair<const char *, Aspect> kAspects[] = {
    {"stretch", Aspect::Stretch}, {"crop", Aspect::Crop}, {"pad", Aspect::Pad}};
const std::pair<const char *, LatentShape> kLatentShapes[] = {{"auto", LatentShape::Auto},
                                                              {"vector", LatentShape::Vector},
                                                              {"nchw", LatentShape::Nchw},
                                                              {"field", LatentShape::Field}};
const std::pair<const char *, OutputKind> kOutputs[] = {{"logit", OutputKind::Logit},
                                                        {"probability", OutputKind::Probability},
                                                        {"softmax", OutputKind::Softmax}};

int64_t positive_int(const json &v, const char *key, int64_t max, const std::string &source) {
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > max)
    bad(source,
        std::string("'") + key + "' must be an integer in [1, " + std::to_string(max) + "]");
  return v.get<int64_t>();
}

std::array<double, 3> per_channel(const json &v, const char *key, bool positive,
                                  const std::string &source) {
  std::array<double, 3> out{};
  const json list = v.is_number() ? json::array({v, v, v}) : v;
  if (!list.is_array() || (list.size() != 1 && list.size() != 3))
    bad(source, std::string("'") + key + "' must be a number or a list of 1 or 3 numbers");
  for (size_t c = 0; c < 3; ++c) {
    const json &x = list[list.size() == 1 ? 0 : c];
    if (!x.is_number() || !std::isfinite(x.get<double>()) || (positive && !(x.get<double>() > 0)))
      bad(source, std::string("'") + key + "' must hold finite numbers" +
                      (positive ? " greater than 0" : ""));
    out[c] = x.get<double>();
  }
  return out;
}

std::string read_description_file(const std::string &path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    throw Error(ErrorCode::NotFound, "model description '" + path + "' does not exist");
  if (!std::filesystem::is_regular_file(status))
    throw Error(ErrorCode::InvalidArgument, "model description '" + path + "' is not a file");
  if (std::filesystem::file_size(path, ec) > kMaxDescriptionBytes || ec)
    throw Error(ErrorCode::InvalidArgument,
                "model description '" + path + "' is larger than 1 MiB: not a description");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof())
    throw Error(ErrorCode::Io, "could not read model description '" + path + "'");
  return text.str();
}

} // namespace

void ModelDescription::input_affine(int64_t n, float *scale, float *shift) const {
  // [-1, 1] -> the range: v = lo + (x + 1) / 2 * (hi - lo); then (v - mean) / std.
  double lo = -1, hi = 1;
  if (range == ValueRange::ZeroToOne)
    lo = 0, hi = 1;
  else if (range == ValueRange::ZeroTo255)
    lo = 0, hi = 255;
  const double a = (hi - lo) / 2, b = lo + a;
  for (int64_t c = 0; c < n; ++c) {
    // The model's channel c is colour channel c, or its mirror for BGR.
    const size_t colour = static_cast<size_t>(
        n == 3 && channel_order == ChannelOrder::Bgr ? 2 - c : std::min<int64_t>(c, 2));
    scale[c] = static_cast<float>(a / std[colour]);
    shift[c] = static_cast<float>((b - mean[colour]) / std[colour]);
  }
}

bool ModelDescription::is_identity() const {
  return range == ValueRange::MinusOneToOne && mean == std::array<double, 3>{0, 0, 0} &&
         std == std::array<double, 3>{1, 1, 1} && channel_order == ChannelOrder::Rgb;
}

void apply_description_json(const std::string &text, const std::string &source,
                            ModelDescription &d) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception &e) {
    bad(source, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object())
    bad(source, "must be a JSON object");
  for (const auto &[key, v] : j.items()) {
    if (key == "channels") {
      d.channels = positive_int(v, "channels", 3, source);
      if (d.channels == 2)
        bad(source, "'channels' must be 1 or 3");
    } else if (key == "height") {
      d.height = positive_int(v, "height", kMaxInputSide, source);
    } else if (key == "width") {
      d.width = positive_int(v, "width", kMaxInputSide, source);
    } else if (key == "size") {
      if (!v.is_array() || v.size() != 2)
        bad(source, "'size' must be [height, width]");
      d.height = positive_int(v[0], "size", kMaxInputSide, source);
      d.width = positive_int(v[1], "size", kMaxInputSide, source);
    } else if (key == "any_size") {
      if (!v.is_boolean())
        bad(source, "'any_size' must be true or false");
      d.any_size = v.get<bool>();
    } else if (key == "native_scale") {
      if (!v.is_boolean())
        bad(source, "'native_scale' must be true or false");
      d.native_scale = v.get<bool>();
    } else if (key == "latent_size") {
      d.latent_size = positive_int(v, "latent_size", 65536, source);
    } else if (key == "range") {
      d.range = parse_enum(v, "range", kRanges, source);
    } else if (key == "mean") {
      d.mean = per_channel(v, "mean", false, source);
    } else if (key == "std") {
      d.std = per_channel(v, "std", true, source);
    } else if (key == "channel_order") {
      d.channel_order = parse_enum(v, "channel_order", kOrders, source);
    } else if (key == "aspect") {
      d.aspect = parse_enum(v, "aspect", kAspects, source);
    } else if (key == "latent_shape") {
      d.latent_shape = parse_enum(v, "latent_shape", kLatentShapes, source);
    } else if (key == "output") {
      d.output = parse_enum(v, "output", kOutputs, source);
    } else if (key == "fake_class") {
      if (!v.is_number_integer() || (v.get<int64_t>() != 0 && v.get<int64_t>() != 1))
        bad(source, "'fake_class' must be 0 or 1");
      d.fake_class = v.get<int64_t>();
    } else {
      bad(source, "unknown key '" + key + "'");
    }
  }
}

void apply_description(const std::string &text, ModelDescription &d) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{')
    apply_description_json(text, "model-description", d);
  else
    apply_description_json(read_description_file(text), "'" + text + "'", d);
}

std::string description_sidecar(const std::string &model_path) {
  const std::filesystem::path model(model_path);
  for (const std::filesystem::path &p : {std::filesystem::path(model_path + ".json"),
                                         std::filesystem::path(model).replace_extension(".json")}) {
    std::error_code ec;
    if (p != model && std::filesystem::is_regular_file(p, ec))
      return p.string();
  }
  return {};
}

std::string description_json(const ModelDescription &d) {
  json j;
  if (d.channels)
    j["channels"] = d.channels;
  if (d.height)
    j["size"] = {d.height, d.width};
  j["any_size"] = d.any_size;
  j["native_scale"] = d.native_scale;
  if (d.latent_size)
    j["latent_size"] = d.latent_size;
  j["range"] = enum_name(d.range, kRanges);
  j["mean"] = d.mean;
  j["std"] = d.std;
  j["channel_order"] = enum_name(d.channel_order, kOrders);
  j["aspect"] = enum_name(d.aspect, kAspects);
  j["latent_shape"] = enum_name(d.latent_shape, kLatentShapes);
  j["output"] = enum_name(d.output, kOutputs);
  j["fake_class"] = d.fake_class;
  return j.dump();
}

} // namespace gan
