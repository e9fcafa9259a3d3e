// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace gan {

// The architecture and the shape of what it makes: enough to rebuild the networks.
struct ModelConfig {
  std::string arch = "dcgan"; // "mlp", "dcgan", "field", "classifier" or "detector"
  int64_t latent = 100;       // size of the noise vector z (field: channels of the latent field)
  int64_t channels = 1;
  int64_t height = 28; // field: the training patch size (it paints any size)
  int64_t width = 28;
  // field only: the generator's upsampling ("nearest": resize + convolution, the last 2x a
  // pixel shuffle, as shipped; "transposed", "shuffle", "bilinear": the other families of
  // gan/field_nets.h) and its channels at 1/8 of the image (halved at every 2x).
  std::string upsample = "nearest";
  int64_t filters = 128;

  bool operator==(const ModelConfig &o) const {
    return arch == o.arch && latent == o.latent && channels == o.channels && height == o.height &&
           width == o.width && upsample == o.upsample && filters == o.filters;
  }
};

// Where a model came from; every field is written into the model file.
struct Provenance {
  std::string dataset;
  int64_t steps = 0;
  uint64_t seed = 0;
  std::string date; // ISO 8601, UTC
  std::string tool_version;
  std::map<std::string, double> metrics;
};

// GAN architectures ("mlp", "dcgan", "field") have a generator and a discriminator; "classifier"
// and "detector" are single networks (latent 0).
bool is_gan_arch(const std::string &arch);

// Throws Error(UnknownArchitecture) or Error(InvalidArgument) when the config cannot be built.
void validate_config(const ModelConfig &config);

// Provenance of a model trained now by this build.
Provenance provenance_now(const std::string &dataset, int64_t steps, uint64_t seed);

std::string iso_date_now();
const char *version();

} // namespace gan
