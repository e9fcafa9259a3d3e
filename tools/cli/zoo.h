// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The generator zoo's options (gan/field_nets.h), shared by `train --arch field` and
// `train-autoencoder`: the family (--upsample) and its kernel, normalisation, activation,
// output layer and depth.

#include "gan/config.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace gan_cli {

inline const std::vector<std::string> kUpsamplings = {
    "nearest", "nearest-conv", "bilinear", "bicubic", "transposed", "shuffle", "icnr"};

// --kernel, --norm, --activation, --output, --depth into `zoo` (its other fields unused).
void add_zoo_options(CLI::App &cmd, gan::ModelConfig &zoo);

} // namespace gan_cli
