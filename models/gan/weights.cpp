// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/weights.h"

#include "gan/error.h"

#include <cstring>

namespace gan {

namespace {

DType dtype_of(const torch::Tensor &t) {
  switch (t.scalar_type()) {
  case torch::kFloat32:
    return DType::Float32;
  case torch::kInt64:
    return DType::Int64;
  case torch::kUInt8:
    return DType::UInt8;
  default:
    throw Error(ErrorCode::InvalidArgument,
                std::string("cannot store tensors of type ") + c10::toString(t.scalar_type()));
  }
}

torch::ScalarType scalar_type_of(DType d) {
  switch (d) {
  case DType::Float32:
    return torch::kFloat32;
  case DType::Int64:
    return torch::kInt64;
  case DType::UInt8:
    return torch::kUInt8;
  }
  return torch::kFloat32;
}

std::string shape_text(c10::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Errors about a file read from disk name it: "a 'detector' model file holds no GAN" alone
// leaves the user guessing which of the files on a command line was meant.
std::string origin(const ModelFile &file) {
  return file.path.empty() ? std::string() : "model file '" + file.path + "': ";
}

} // namespace

void store_tensor(ModelFile &file, const std::string &name, const torch::Tensor &t) {
  const torch::Tensor c = t.detach().contiguous().cpu();
  file.add(name, dtype_of(c), c.sizes().vec(), c.data_ptr(), c.nbytes());
}

torch::Tensor load_tensor(const ModelFile &file, const std::string &name) {
  const TensorEntry *e = file.find(name);
  if (!e)
    throw Error(ErrorCode::Corrupt, origin(file) + "lacks the tensor '" + name + "'");
  torch::Tensor t = torch::empty(e->shape, torch::TensorOptions(scalar_type_of(e->dtype)));
  std::memcpy(t.data_ptr(), file.bytes(*e), e->nbytes);
  return t;
}

void store_module(ModelFile &file, const std::string &prefix, const torch::nn::Module &module) {
  for (const auto &p : module.named_parameters())
    store_tensor(file, prefix + "." + p.key(), p.value());
  for (const auto &b : module.named_buffers())
    store_tensor(file, prefix + "." + b.key(), b.value());
}

void load_module(const ModelFile &file, const std::string &prefix, torch::nn::Module &module) {
  torch::NoGradGuard no_grad;
  size_t expected = 0;
  auto fill = [&](const std::string &key, torch::Tensor &dst) {
    const std::string name = prefix + "." + key;
    const TensorEntry *e = file.find(name);
    if (!e)
      throw Error(ErrorCode::ConfigMismatch, origin(file) + "weights for '" + name +
                                                 "' are missing: the file's "
                                                 "tensors do not fit its " +
                                                 file.config.arch + " config");
    if (e->shape != dst.sizes().vec() || scalar_type_of(e->dtype) != dst.scalar_type())
      throw Error(ErrorCode::ConfigMismatch,
                  origin(file) + "'" + name + "' has shape " + shape_text(e->shape) + " but the " +
                      file.config.arch + " config needs " + shape_text(dst.sizes()));
    std::memcpy(dst.data_ptr(), file.bytes(*e), e->nbytes);
    ++expected;
  };
  for (auto &p : module.named_parameters())
    fill(p.key(), p.value());
  for (auto &b : module.named_buffers())
    fill(b.key(), b.value());
  size_t present = 0;
  for (const TensorEntry &e : file.tensors)
    if (e.name.compare(0, prefix.size() + 1, prefix + ".") == 0)
      ++present;
  if (present != expected)
    throw Error(ErrorCode::ConfigMismatch, origin(file) + "the file holds " +
                                               std::to_string(present) + " tensors for '" + prefix +
                                               "' where the " + file.config.arch + " config has " +
                                               std::to_string(expected));
}

ModelFile gan_to_file(const Gan &gan, const Provenance &provenance) {
  ModelFile file;
  file.kind = "gan";
  file.config = gan.config;
  file.provenance = provenance;
  store_module(file, "generator", *gan.generator);
  store_module(file, "discriminator", *gan.discriminator);
  return file;
}

Gan gan_from_file(const ModelFile &file) {
  if (file.kind != "gan" && file.kind != "checkpoint" && file.kind != "generator")
    throw Error(ErrorCode::WrongKind,
                origin(file) + "a '" + file.kind + "' model file holds no GAN");
  Gan gan = build_gan(file.config);
  load_module(file, "generator", *gan.generator);
  if (file.kind == "generator")
    gan.discriminator = nullptr; // not in the file
  else
    load_module(file, "discriminator", *gan.discriminator);
  return gan;
}

ModelFile generator_to_file(const Gan &gan, const Provenance &provenance) {
  ModelFile file;
  file.kind = "generator";
  file.config = gan.config;
  file.provenance = provenance;
  store_module(file, "generator", *gan.generator);
  return file;
}

ModelFile classifier_to_file(const Classifier &net, const ModelConfig &config, int64_t classes,
                             const Provenance &provenance) {
  ModelFile file;
  file.kind = "classifier";
  file.config = config;
  file.provenance = provenance;
  file.attributes["classes"] = std::to_string(classes);
  store_module(file, "classifier", *net);
  return file;
}

Classifier classifier_from_file(const ModelFile &file) {
  if (file.kind != "classifier" || !is_arch(file.config, Arch::Classifier))
    throw Error(ErrorCode::WrongKind,
                origin(file) + "a '" + file.kind + "' model file is not a classifier");
  const std::string classes = file.attribute("classes");
  if (classes.empty() || classes.size() > 4 ||
      classes.find_first_not_of("0123456789") != std::string::npos || std::stoi(classes) < 2)
    throw Error(ErrorCode::Corrupt, origin(file) + "classifier file has an impossible class count");
  Classifier net(file.config, std::stoi(classes));
  load_module(file, "classifier", *net);
  return net;
}

ModelFile detector_to_file(const ImageModule &net, const ModelConfig &config,
                           const Provenance &provenance) {
  ModelFile file;
  file.kind = "detector";
  file.config = config;
  file.provenance = provenance;
  store_module(file, "detector", *net);
  return file;
}

ImageModule detector_from_file(const ModelFile &file) {
  if (file.kind != "detector")
    throw Error(ErrorCode::WrongKind,
                origin(file) + "a '" + file.kind + "' model file is not a detector");
  ImageModule net = build_detector(file.config);
  load_module(file, "detector", *net);
  return net;
}

} // namespace gan
