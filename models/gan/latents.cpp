// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/latents.h"

#include "gan/field_nets.h"
#include "gan/hash.h"

#include <ATen/CPUGeneratorImpl.h>

namespace gan {

at::Generator make_rng(uint64_t seed, uint64_t stream, uint64_t counter) {
  return at::detail::createCPUGenerator(
      splitmix64(splitmix64(seed ^ splitmix64(stream)) + counter));
}

torch::Tensor latents(uint64_t seed, uint64_t first_index, int64_t n, int64_t latent) {
  constexpr uint64_t kLatentStream = 0x6c6174656e74ull; // "latent"
  torch::Tensor z = torch::empty({n, latent});
  for (int64_t i = 0; i < n; ++i)
    z[i].normal_(0.0, 1.0, make_rng(seed, kLatentStream, first_index + static_cast<uint64_t>(i)));
  return z;
}

torch::Tensor training_noise(const ModelConfig &config, int64_t n, at::Generator &rng) {
  if (arch_of(config).paints_fields)
    return field_noise(config, n, rng);
  return torch::randn({n, config.latent}, rng);
}

torch::Tensor sample_latents(const ModelConfig &config, uint64_t seed, uint64_t first_index,
                             int64_t n) {
  if (arch_of(config).paints_fields)
    return field_latents(seed, first_index, n, config.latent, field_cells(config.height),
                         field_cells(config.width));
  return latents(seed, first_index, n, config.latent);
}

} // namespace gan
