// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/torchscript.h"

#include "gan/error.h"
#include "gan/hash.h"
#include "gan/zip_archive.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gan {

namespace {

constexpr uintmax_t kMaxTorchScriptBytes = uintmax_t{4} << 30;

// An optional attribute of the module, by type; a present attribute of the wrong type is an
// error, not a silent default.
std::optional<c10::IValue> attribute(const torch::jit::Module &m, const std::string &name) {
  if (!m.hasattr(name))
    return std::nullopt;
  return m.attr(name);
}

void attribute_error(const std::string &path, const std::string &name, const char *type) {
  throw Error(ErrorCode::InvalidArgument,
              "TorchScript attribute '" + name + "' in '" + path + "' is not " + type);
}

// Module attributes as a description (source 2 in model_description.h): the same keys as the
// JSON, as typed attributes.
void apply_attributes(const torch::jit::Module &m, const std::string &path, ModelDescription &d) {
  nlohmann::json j = nlohmann::json::object();
  const std::pair<const char *, const char *> ints[] = {{"latent_size", "latent_size"},
                                                        {"channels", "channels"},
                                                        {"height", "height"},
                                                        {"width", "width"},
                                                        {"fake_class", "fake_class"}};
  for (const auto &[attr, key] : ints)
    if (const std::optional<c10::IValue> v = attribute(m, attr)) {
      if (!v->isInt())
        attribute_error(path, attr, "an int");
      j[key] = v->toInt();
    }
  for (const char *name : {"range", "channel_order", "aspect", "latent_shape", "output"})
    if (const std::optional<c10::IValue> v = attribute(m, name)) {
      if (!v->isString())
        attribute_error(path, name, "a str");
      j[name] = v->toStringRef();
    }
  for (const char *name : {"mean", "std"})
    if (const std::optional<c10::IValue> v = attribute(m, name)) {
      if (!v->isDoubleList())
        attribute_error(path, name, "a List[float]");
      j[name] = v->toDoubleVector();
    }
  for (const char *name : {"any_size", "native_scale"})
    if (const std::optional<c10::IValue> v = attribute(m, name)) {
      if (!v->isBool())
        attribute_error(path, name, "a bool");
      j[name] = v->toBool();
    }
  apply_description_json(j.dump(), "(attributes of '" + path + "')", d);
}

std::string str_attribute(const torch::jit::Module &m, const std::string &name) {
  const std::optional<c10::IValue> v = attribute(m, name);
  return v && v->isString() ? v->toStringRef() : std::string();
}

// Attributes, then the sidecar, then the caller's override.
ModelDescription torchscript_description(const torch::jit::Module &m, const std::string &path,
                                         const std::string &override_text) {
  ModelDescription d;
  apply_attributes(m, path, d);
  const std::string sidecar = description_sidecar(path);
  if (!sidecar.empty())
    apply_description(sidecar, d);
  if (!override_text.empty())
    apply_description(override_text, d);
  return d;
}

} // namespace

// TorchScript files are zip archives; anything else is read as a gst-gan model file, whose
// reader reports missing, truncated or foreign files precisely.
bool is_zip_file(const std::string &path) {
  // Only regular files are opened here: a FIFO would block, a device would never end. Anything
  // else goes to the model-file reader, which refuses it precisely before opening it.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0;
}

// The whole message of what LibTorch threw: TorchScript errors carry the cause after a first
// line that only says "The following operation failed in the TorchScript interpreter."; c10's
// own errors lose nothing but their C++ backtrace.
std::string torch_message(const std::exception &e) {
  if (const auto *c10_error = dynamic_cast<const c10::Error *>(&e))
    return c10_error->what_without_backtrace();
  return e.what();
}

// Reads the file whole (a regular file of bounded size: never a FIFO or a device), then
// deserialises it; everything c10 or the JIT throws becomes a precise Error.
LoadedScript load_torchscript(const std::string &path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::is_regular_file(status))
    throw Error(ErrorCode::WrongKind, "'" + path + "' is not a regular file");
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxTorchScriptBytes)
    throw Error(ErrorCode::WrongKind, "'" + path + "' is larger than 4 GiB");
  std::string bytes(static_cast<size_t>(size), '\0');
  std::ifstream in(path, std::ios::binary);
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size)
    throw Error(ErrorCode::Truncated, "could not read all of '" + path + "'");
  LoadedScript loaded;
  loaded.checksum = fnv1a64_hex(bytes.data(), bytes.size());
  verify_zip_archive(bytes, path);
  try {
    std::istringstream stream(std::move(bytes));
    loaded.module = torch::jit::load(stream, torch::kCPU);
    loaded.module.eval();
  } catch (const std::exception &e) {
    throw Error(ErrorCode::WrongKind, "'" + path +
                                          "' is neither a gst-gan model file nor a loadable "
                                          "TorchScript module: " +
                                          torch_message(e));
  }
  return loaded;
}

ModelInfo torchscript_info(const LoadedScript &script, const std::string &path,
                           const std::string &override_text, bool generator) {
  ModelInfo info;
  info.path = path;
  info.format = "torchscript";
  info.kind = "torchscript";
  info.description = torchscript_description(script.module, path, override_text);
  const ModelDescription &d = info.description;
  info.config.arch = "torchscript";
  info.config.latent = generator ? d.latent_size : 0;
  if (info.description.channels == 0)
    info.description.channels = 3; // colour unless said otherwise
  info.config.channels = d.channels;
  info.config.height = d.height;
  info.config.width = d.width;
  auto missing = [&](const char *what) {
    throw Error(ErrorCode::InvalidArgument,
                "TorchScript module '" + path + "' does not say its " + what +
                    ": give it int attributes height, width" + (generator ? ", latent_size" : "") +
                    ", or a description (a JSON sidecar '" + path +
                    ".json' or the model-description property) with those keys");
  };
  if (generator && d.latent_size < 1)
    missing("latent size");
  if (!d.any_size && (d.height < 1 || d.width < 1))
    missing("input size (height and width, or any_size)");
  if (generator && d.any_size)
    throw Error(ErrorCode::InvalidArgument,
                "TorchScript generator '" + path + "': any_size is for detectors");
  info.provenance.dataset = str_attribute(script.module, "dataset");
  const std::string name = str_attribute(script.module, "name");
  info.id = (name.empty() ? "torchscript" : name) + ":" + script.checksum.substr(0, 12);
  return info;
}

std::vector<torch::Tensor> script_tensors(const torch::jit::Module &m) {
  std::vector<torch::Tensor> out;
  for (const torch::Tensor &p : m.parameters())
    out.push_back(p);
  for (const torch::Tensor &b : m.buffers())
    out.push_back(b);
  return out;
}

// A detector's inference form: its 4-d weights in channels-last order, then frozen (parameters
// become constants, Conv-BatchNorm folded, JIT-level fusions). Measured at 1 thread: ResNet-18
// at 224x224 44.9 ms vs 58.7 ms as loaded, a 4-layer 64x64 patch net 1.04 vs 1.99 ms
// (torch.jit.optimize_for_inference on top was slower at batch 1, so it is not used). The form
// is kept only when it runs on `probe` and its output agrees with the module as loaded;
// otherwise the module as loaded runs and `why` says what happened.
std::optional<torch::jit::Module> frozen_inference_form(const torch::jit::Module &loaded,
                                                        const torch::Tensor &probe, bool bfloat16,
                                                        std::string &why) {
  try {
    // Outside inference mode: the copy's parameters stay ordinary tensors, which freezing and
    // later forward passes in or out of inference mode all accept.
    torch::jit::Module copy = loaded.clone();
    {
      torch::NoGradGuard no_grad;
      for (torch::Tensor p : copy.parameters())
        if (p.dim() == 4)
          p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
      if (bfloat16)
        copy.to(torch::kBFloat16);
    }
    torch::jit::Module frozen = torch::jit::freeze(copy);
    c10::InferenceMode guard;
    const c10::IValue want = torch::jit::Module(loaded).forward({probe});
    torch::Tensor input = probe.contiguous(torch::MemoryFormat::ChannelsLast);
    if (bfloat16)
      input = input.to(torch::kBFloat16);
    const c10::IValue got = frozen.forward({input});
    if (!want.isTensor() || !got.isTensor()) {
      why = "its forward does not return a Tensor";
      return std::nullopt;
    }
    const torch::Tensor a = want.toTensor().to(torch::kFloat), b = got.toTensor().to(torch::kFloat);
    if (a.sizes() != b.sizes()) {
      why = "the frozen module returned another shape";
      return std::nullopt;
    }
    const double scale = std::max(1.0, a.abs().max().item<double>());
    const double diff = (a - b).abs().max().item<double>();
    // bfloat16 keeps 8 significant bits: its logits agree to about a percent of their scale
    // (whether a model's verdicts hold in it is for its evaluation to say).
    if (!(diff <= (bfloat16 ? 0.05 : 1e-3) * scale)) {
      why = "the frozen module's output differs by " + std::to_string(diff);
      return std::nullopt;
    }
    return frozen;
  } catch (const std::exception &e) {
    why = "freezing failed: " + torch_message(e);
    return std::nullopt;
  }
}

} // namespace gan
