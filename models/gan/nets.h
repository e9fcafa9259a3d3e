// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The architectures, in LibTorch. Internal to the core, the CLI and the tests: element code
// uses the torch-free facades in runtime.h. Their deployment form is in inference_form.h, their
// weights' storage in weights.h.

#include "gan/config.h"

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

} // namespace gan
