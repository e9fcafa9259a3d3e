// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The architectures, in LibTorch. Internal to the core, the CLI and the tests: element code
// uses the torch-free facades in runtime.h.

#include "gan/config.h"
#include "gan/model_file.h"

#include <torch/torch.h>

namespace gan {

// Every network maps a tensor to a tensor: generators z[N, latent] -> images [N, C, H, W] in
// [-1, 1]; discriminators images -> logits [N].
struct ImageModuleImpl : torch::nn::Module {
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  // Compiles the trained weights (eval mode) into the form a deployment runs: BatchNorm
  // folded into the convolution before it, a generator's first layer (a transposed
  // convolution of a 1x1 latent) as one matrix product. forward() then uses that form, and
  // training the module any further has no effect on it. Same outputs up to float rounding.
  virtual void prepare_for_inference() {}
};
using ImageModule = std::shared_ptr<ImageModuleImpl>;

struct Gan {
  ModelConfig config;
  ImageModule generator;
  ImageModule discriminator;
};

// A small CNN classifier (2 conv blocks + 256-d hidden layer, ~92-93% on Fashion-MNIST).
// Its penultimate activations are the feature space of the quality metrics (FID, precision/
// recall), standing in for Inception, whose weights cannot be downloaded here.
struct ClassifierImpl : torch::nn::Module {
  ClassifierImpl(const ModelConfig &config, int64_t classes);
  torch::Tensor features(torch::Tensor x); // [N, kFeatures]
  torch::Tensor forward(torch::Tensor x);  // class logits [N, classes]
  static constexpr int64_t kFeatures = 256;
  torch::nn::Sequential body;
  torch::nn::Dropout dropout;
  torch::nn::Linear head;
};
TORCH_MODULE(Classifier);

// Builds freshly initialised networks (from the global torch RNG: seed it first for
// reproducible weights). Throws Error on an invalid config.
Gan build_gan(const ModelConfig &config);

// The DCGAN paper's initialisation: conv weights N(0, 0.02), BatchNorm scale N(1, 0.02).
void dcgan_init(torch::nn::Module &module);

// The real-vs-fake detector: stride-1 first layer (keeps the pixel-level evidence that
// upsampling leaves), two strided blocks, global average pooling (any size >= 8x8), one logit
// per image, positive = fake.
ImageModule build_detector(const ModelConfig &config);

// Parameters and buffers under "<prefix>.<name>".
void store_module(ModelFile &file, const std::string &prefix, const torch::nn::Module &module);
// Throws Error(ConfigMismatch) when a tensor is missing, extra, or of another shape or dtype.
void load_module(const ModelFile &file, const std::string &prefix, torch::nn::Module &module);

void store_tensor(ModelFile &file, const std::string &name, const torch::Tensor &t);
torch::Tensor load_tensor(const ModelFile &file, const std::string &name); // Corrupt if absent

// A "gan" model file holding both networks.
ModelFile gan_to_file(const Gan &gan, const Provenance &provenance);
// Accepts "gan" files and training checkpoints. Throws WrongKind for other kinds.
Gan gan_from_file(const ModelFile &file);

// Single-network files: kind "classifier" (attribute "classes") and kind "detector".
ModelFile classifier_to_file(const Classifier &net, const ModelConfig &config, int64_t classes,
                             const Provenance &provenance);
Classifier classifier_from_file(const ModelFile &file);
ModelFile detector_to_file(const ImageModule &net, const ModelConfig &config,
                           const Provenance &provenance);
ImageModule detector_from_file(const ModelFile &file);

// The latent for sample `index` of stream `seed`: a pure function of both, so any subset of a
// stream can be computed in any order or batch size.
torch::Tensor latents(uint64_t seed, uint64_t first_index, int64_t n, int64_t latent);

// A generator's input for n training samples, drawn from rng: z [n, latent] for the vector
// architectures, a latent field for "field" (gan/field_nets.h).
torch::Tensor training_noise(const ModelConfig &config, int64_t n, at::Generator &rng);
// A generator's input for samples first_index .. first_index + n - 1 of stream `seed`, at the
// config's image size: latents() or field_latents().
torch::Tensor sample_latents(const ModelConfig &config, uint64_t seed, uint64_t first_index,
                             int64_t n);

// A generator's torch RNG for a purpose: seed mixed with a stream tag and a counter.
at::Generator make_rng(uint64_t seed, uint64_t stream, uint64_t counter);

// [-1, 1] float images -> uint8 [N, C, H, W] with round-to-nearest, and back.
torch::Tensor to_uint8(const torch::Tensor &images);
torch::Tensor from_uint8(const torch::Tensor &pixels);

} // namespace gan
