// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Where samples come from: counter-based random streams, so that every latent (and every other
// random draw a trainer makes) is a pure function of (seed, stream, index).

#include "gan/config.h"

#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include <cstdint>

namespace gan {

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

} // namespace gan
