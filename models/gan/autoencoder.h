// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Aligned fakes (Rajan et al., ICLR 2025): an autoencoder whose decoder is one of the generator
// zoo's families (gan/field_nets.h), trained on the photos to reconstruct them. Its
// reconstruction of a real patch has the real patch's content and differs from it only by what
// the decoder leaves behind, so a detector trained on (real, reconstruction) pairs cannot use
// content as the cue: it has to learn the decoder's traces. Torch-free interface.
//
// Encoder: a 3x3 convolution, three 4x4 stride-2 convolutions (LeakyReLU) and a 3x3
// convolution to `latent` channels at 1/8 of the image; decoder: the family's generator body,
// padded, without the field margin (8 h x 8 w pixels from h x w cells).

#include "gan/config.h"
#include "gan/dataset.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace gan {

struct AutoencoderOptions {
  ModelConfig config; // arch "autoencoder": latent = code channels, the zoo settings
  int64_t batch_size = 32;
  int64_t steps = 400;
  double lr = 5e-4;
  uint64_t seed = 1;
};

// Trains on `data` (L1 reconstruction loss, Adam) and writes the model file to `out`
// (kind "autoencoder"). `progress` sees (step, mean L1 of the step) every step.
void train_autoencoder(TrainingImages &data, const AutoencoderOptions &options,
                       const std::string &out,
                       const std::function<void(int64_t, double)> &progress);

// A trained autoencoder, loaded for reconstruction.
class Reconstructor {
public:
  // Throws Error naming the file (not found, not an autoencoder, corrupt).
  static std::unique_ptr<Reconstructor> load(const std::string &path);
  ~Reconstructor();
  const ModelConfig &config() const;
  const std::string &path() const;
  const std::string &id() const; // "autoencoder:<bytes hash>", as other models' ids
  // n images [channels, height, width] in [-1, 1] -> their reconstructions, the same shape
  // (height and width multiples of 8; any size: the networks are fully convolutional).
  void reconstruct(const float *in, int64_t n, int64_t height, int64_t width, float *out);

private:
  struct Impl;
  explicit Reconstructor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace gan
