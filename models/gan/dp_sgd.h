// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Differentially private SGD's per-example work (Abadi et al. 2016), as Opacus does it for
// PyTorch: every example's own gradient computed from each layer's input and the gradient at
// its output (one backward pass, no loop over examples), each example's whole gradient clipped
// to a norm, the clipped gradients summed, Gaussian noise added. The privacy this spends is
// gan/privacy.h's to count.
//
// Layers with parameters that can be made private: Linear, Conv2d (one group, zero padding)
// and GroupNorm. BatchNorm cannot: its statistics mix the examples of a batch, so one example's
// influence is not confined to its own gradient (a discriminator meant for DP uses GroupNorm or
// no normalisation). Parameter-free layers (activations, dropout off, flatten, pooling) pass.

#include <torch/torch.h>

#include <memory>
#include <vector>

namespace gan {

// Per-example gradients of one layer's parameters (weight, then bias when it has one), each
// [N, ...the parameter's shape], from the layer's input and the gradient of the summed loss at
// its output.
std::vector<torch::Tensor> linear_grad_sample(const torch::nn::LinearImpl &layer,
                                              const torch::Tensor &input,
                                              const torch::Tensor &grad_output);
std::vector<torch::Tensor> conv2d_grad_sample(const torch::nn::Conv2dImpl &layer,
                                              const torch::Tensor &input,
                                              const torch::Tensor &grad_output);
std::vector<torch::Tensor> group_norm_grad_sample(const torch::nn::GroupNormImpl &layer,
                                                  const torch::Tensor &input,
                                                  const torch::Tensor &grad_output);

// A Sequential run so that its per-example gradients can be read after a backward pass: the
// forward records each parameterised layer's input and hooks the gradient at its output.
class PerSampleGradients {
public:
  // Throws Error(InvalidArgument) naming the first layer it cannot make private.
  explicit PerSampleGradients(torch::nn::Sequential net);

  // net(x), recording. The loss to differentiate must be a sum over the examples (a mean
  // would scale every example's gradient by 1/N).
  torch::Tensor forward(const torch::Tensor &x);
  // After backward(): every parameter's per-example gradients, in net->parameters() order,
  // [N, ...parameter shape] each. Throws Error(InvalidArgument) before a backward pass.
  std::vector<torch::Tensor> gradients() const;
  // After backward(): every example's gradient norm over all parameters, [N], without making
  // the per-example copies where that is cheaper (ghost clipping, Li et al. 2022 and Bu et al.
  // 2023: for a layer with L output positions, the norm from the L x L Gram matrices of its
  // inputs and output gradients when 2 L^2 is below its weight count; else from the copy).
  torch::Tensor norms() const;

private:
  struct Layer;
  torch::nn::Sequential net_;
  std::vector<std::shared_ptr<Layer>> layers_;
};

// The private gradient of a batch: each example's gradient (over all parameters together)
// scaled to a norm of at most max_norm, summed over the examples, plus Gaussian noise of
// standard deviation noise_multiplier * max_norm on every coordinate, divided by
// expected_batch (Poisson sampling's expected batch size, so the noise does not depend on the
// batch drawn). One tensor per parameter, shaped like it.
// One private step's gradients, left in the parameters' .grad (as an optimiser reads them):
// `losses` [N] are the examples' losses from the recorder's last forward pass (one forward a
// step: real and generated examples go in one batch; generated ones detached from the
// generator, as in any discriminator step), Error(InvalidArgument) for another shape. Each example
// clipped to max_norm by its norm (recorder.norms(), after a first backward pass), the clipped
// sum by a second backward pass with each loss scaled by its factor, then noise and the
// division as in clip_and_noise. Returns the norms before clipping (afterwards the recorder's
// gradients()/norms() describe the scaled, clipped pass).
torch::Tensor private_gradients(PerSampleGradients &recorder, torch::nn::Module &net,
                                const torch::Tensor &losses, double max_norm,
                                double noise_multiplier, double expected_batch, at::Generator &rng);

std::vector<torch::Tensor> clip_and_noise(const std::vector<torch::Tensor> &per_sample,
                                          double max_norm, double noise_multiplier,
                                          double expected_batch, at::Generator &rng);

} // namespace gan
