// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace gan {

// The architecture and the shape of what it makes: enough to rebuild the networks.
struct ModelConfig {
  std::string arch = "dcgan"; // "mlp", "dcgan", "field", "autoencoder", "classifier", "detector"
  int64_t latent = 100;       // size of the noise vector z (field: channels of the latent field)
  int64_t channels = 1;
  int64_t height = 28; // field: the training patch size (it paints any size)
  int64_t width = 28;
  // field only: the generator's upsampling ("nearest": resize + convolution, the last 2x a
  // pixel shuffle, as shipped; "transposed", "shuffle", "bilinear": the other families of
  // gan/field_nets.h) and its channels at 1/8 of the image (halved at every 2x). dcgan:
  // "nearest" is the classic DCGAN, another family its zoo variant (filters at 7x7).
  std::string upsample = "nearest";
  int64_t filters = 128;
  // field, zoo dcgan and autoencoder decoders only, the generator zoo of the natural detector
  // (gan/field_nets.h): the transposed convolution's kernel (2-5), the normalisation ("batch",
  // "instance", "group", "none"), the activation ("relu", "leaky", "elu", "silu"), the output
  // layer ("tanh", "hardtanh", "sigmoid": 2 sigmoid - 1) and extra 3x3 convolutions after each
  // 2x stage but the last (0-2). The defaults are the shipped generator's.
  int64_t kernel = 4;
  std::string norm = "batch";
  std::string activation = "relu";
  std::string output = "tanh";
  int64_t depth = 0;
  // detector only: what its first layer sees besides the image ("residual": the image minus its
  // 3x3 local mean, as shipped; "npr": that and the neighbouring-pixel residual of Tan et al.
  // 2024, the image minus its 2x nearest down-then-up copy, where upsampling leaves its traces).
  std::string input = "residual";

  bool operator==(const ModelConfig &o) const {
    return arch == o.arch && latent == o.latent && channels == o.channels && height == o.height &&
           width == o.width && upsample == o.upsample && filters == o.filters &&
           kernel == o.kernel && norm == o.norm && activation == o.activation &&
           output == o.output && depth == o.depth && input == o.input;
  }
};

// The detector's families of generator: what a field generator's last 2x stage is ("icnr" for
// the shipped "nearest" generator, whose last stage is an ICNR-initialised sub-pixel
// convolution; "transposed" for the classic DCGAN; else its upsample setting).
std::string generator_family(const ModelConfig &config);

// Where a model came from; every field is written into the model file.
struct Provenance {
  std::string dataset;
  int64_t steps = 0;
  uint64_t seed = 0;
  std::string date; // ISO 8601, UTC
  std::string tool_version;
  std::map<std::string, double> metrics;
};

// The architectures this build knows. Files and the command line name them (ModelConfig::arch,
// the file format's string); code asks this table what an architecture is, never its name.
enum class Arch { Mlp, Dcgan, Field, Autoencoder, Classifier, Detector };

struct ArchTraits {
  Arch arch;
  const char *name;
  bool gan;           // a generator and a discriminator, trained against each other
  bool latent;        // takes a latent (the GANs and the autoencoder's decoder); else latent 0
  bool zoo_settings;  // upsampling, filters, kernel, norm, activation, output and depth apply
  int64_t only_side;  // the one image side it takes (28x28 networks), or 0
  int64_t side_step;  // its patches' sides are multiples of this (0: no rule)
  int64_t min_side;   // and at least this
  bool paints_fields; // its generator paints a latent field: frames of any size
};

// The table's row for a name; nullptr when this build does not know it.
const ArchTraits *find_arch(const std::string &name);
// The row of a config's architecture; throws Error(UnknownArchitecture) naming the known ones.
const ArchTraits &arch_of(const ModelConfig &config);
// Whether a config's architecture is `arch` (false for an unknown one).
bool is_arch(const ModelConfig &config, Arch arch);

// Throws Error(UnknownArchitecture) or Error(InvalidArgument) when the config cannot be built.
void validate_config(const ModelConfig &config);

// Provenance of a model trained now by this build.
Provenance provenance_now(const std::string &dataset, int64_t steps, uint64_t seed);

std::string iso_date_now();
const char *version();

} // namespace gan
