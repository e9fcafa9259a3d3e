// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The networks' weights in model files (model_file.h): tensors stored by name, whole modules
// under a prefix, and the file kinds that hold networks ("gan", "checkpoint", "classifier",
// "detector").

#include "gan/model_file.h"
#include "gan/nets.h"

#include <torch/torch.h>

namespace gan {

// Parameters and buffers under "<prefix>.<name>".
void store_module(ModelFile &file, const std::string &prefix, const torch::nn::Module &module);
// Throws Error(ConfigMismatch) when a tensor is missing, extra, or of another shape or dtype.
void load_module(const ModelFile &file, const std::string &prefix, torch::nn::Module &module);

void store_tensor(ModelFile &file, const std::string &name, const torch::Tensor &t);
torch::Tensor load_tensor(const ModelFile &file, const std::string &name); // Corrupt if absent

// A "gan" model file holding both networks.
ModelFile gan_to_file(const Gan &gan, const Provenance &provenance);
// Accepts "gan" files, training checkpoints and "generator" files (whose Gan has no
// discriminator: nullptr). Throws WrongKind for other kinds.
Gan gan_from_file(const ModelFile &file);
// A "generator" file: the GAN's generator alone, all that sampling, gangen and a detector's
// training need (a field GAN's discriminator is ~90% of its file).
ModelFile generator_to_file(const Gan &gan, const Provenance &provenance);

// Single-network files: kind "classifier" (attribute "classes") and kind "detector".
ModelFile classifier_to_file(const Classifier &net, const ModelConfig &config, int64_t classes,
                             const Provenance &provenance);
Classifier classifier_from_file(const ModelFile &file);
ModelFile detector_to_file(const ImageModule &net, const ModelConfig &config,
                           const Provenance &provenance);
ImageModule detector_from_file(const ModelFile &file);

} // namespace gan
