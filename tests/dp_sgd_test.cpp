// SPDX-License-Identifier: LGPL-2.1-or-later
// DP-SGD's per-example work (gan/dp_sgd.h): per-example gradients from activations and output
// gradients equal a naive loop over the examples (one backward pass each) to 1e-5 for every
// layer kind; layers that cannot be private are refused by name; clipping bounds each
// example's contribution and the noise has the standard deviation asked for.

#include "gan/dp_sgd.h"
#include "gan/error.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

namespace nn = torch::nn;

// A discriminator-like stack with every supported layer kind: convolutions with and without
// bias, stride, padding and dilation, GroupNorm, activations, a flatten and a linear head.
nn::Sequential small_net() {
  torch::manual_seed(3);
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(3, 8, 4).stride(2).padding(1).bias(false)),
                        nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
                        nn::GroupNorm(2, 8),
                        nn::Conv2d(nn::Conv2dOptions(8, 6, 3).padding(2).dilation(2)), nn::ReLU(),
                        nn::Conv2d(nn::Conv2dOptions(6, 4, 3).padding(torch::kSame)), nn::Flatten(),
                        nn::Linear(4 * 8 * 8, 5), nn::Tanh(), nn::Linear(5, 1));
}

// What one example's loss is: a weighted sum of its outputs (the weights differ per example,
// so a mix-up between examples shows).
torch::Tensor loss_of(const torch::Tensor &out, const torch::Tensor &weights) {
  return (out.view({-1}) * weights).sum();
}

TEST(DpSgd, PerExampleGradientsEqualANaiveLoopForEveryLayerKind) {
  nn::Sequential net = small_net();
  torch::manual_seed(4);
  const int64_t n = 6;
  const torch::Tensor x = torch::randn({n, 3, 16, 16});
  const torch::Tensor w = torch::randn({n});

  gan::PerSampleGradients recorder(net);
  net->zero_grad();
  loss_of(recorder.forward(x), w).backward();
  const std::vector<torch::Tensor> fast = recorder.gradients();
  const std::vector<torch::Tensor> params = net->parameters();
  ASSERT_EQ(fast.size(), params.size());
  // The batch's gradient is the sum of the examples' gradients.
  for (size_t p = 0; p < params.size(); ++p)
    EXPECT_TRUE(torch::allclose(fast[p].sum(0), params[p].grad(), 1e-5, 1e-5)) << "param " << p;

  for (int64_t i = 0; i < n; ++i) {
    net->zero_grad();
    loss_of(net->forward(x.slice(0, i, i + 1)), w.slice(0, i, i + 1)).backward();
    for (size_t p = 0; p < params.size(); ++p) {
      ASSERT_EQ(fast[p].sizes().slice(1), params[p].sizes()) << "param " << p;
      const double gap = (fast[p][i] - params[p].grad()).abs().max().item<double>();
      EXPECT_LT(gap, 1e-5) << "example " << i << ", param " << p;
    }
  }
}

// Layers whose weights dwarf their output positions: the norms take the ghost (Gram) path.
nn::Sequential wide_net() {
  torch::manual_seed(6);
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(3, 48, 3).padding(1)), nn::ReLU(),
                        nn::Conv2d(nn::Conv2dOptions(48, 64, 3).stride(2).bias(false)),
                        nn::GroupNorm(4, 64), nn::Flatten(), nn::Linear(64 * 3 * 3, 1));
}

TEST(DpSgd, NormsWithoutCopiesEqualTheNormsOfTheCopies) {
  const std::pair<nn::Sequential, int64_t> nets[] = {{small_net(), 16}, {wide_net(), 7}};
  for (const auto &[net, side] : nets) {
    torch::manual_seed(8);
    const int64_t n = 5;
    gan::PerSampleGradients recorder(net);
    loss_of(recorder.forward(torch::randn({n, 3, side, side})), torch::randn({n})).backward();
    torch::Tensor want = torch::zeros({n});
    for (const torch::Tensor &g : recorder.gradients())
      want += g.reshape({n, -1}).pow(2).sum(1);
    want = want.sqrt();
    const torch::Tensor got = recorder.norms();
    EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-6)) << got << want;
  }
}

TEST(DpSgd, APrivateStepClipsEveryExampleThenAddsNoise) {
  torch::manual_seed(9);
  const int64_t n = 6;
  const torch::Tensor x = torch::randn({n, 3, 16, 16});
  const torch::Tensor w = torch::randn({n}) * 10;
  at::Generator rng = at::detail::createCPUGenerator(11);
  for (const double bound : {0.05, 1e6}) { // most examples clipped; none clipped
    nn::Sequential net = small_net();
    gan::PerSampleGradients recorder(net);
    // The reference: the copies, clipped and summed (no noise).
    net->zero_grad();
    loss_of(recorder.forward(x), w).backward();
    const std::vector<torch::Tensor> want =
        gan::clip_and_noise(recorder.gradients(), bound, 0.0, static_cast<double>(n), rng);
    net->zero_grad();
    const torch::Tensor losses = recorder.forward(x).view({-1}) * w;
    const torch::Tensor norms =
        gan::private_gradients(recorder, *net, losses, bound, 0.0, static_cast<double>(n), rng);
    EXPECT_EQ(norms.size(0), n);
    const std::vector<torch::Tensor> params = net->parameters();
    for (size_t p = 0; p < params.size(); ++p)
      EXPECT_TRUE(torch::allclose(params[p].grad(), want[p], 1e-4, 1e-6))
          << "bound " << bound << ", param " << p;
  }
  // With noise, the same step draws noise of deviation noise * bound / batch per coordinate.
  nn::Sequential net = small_net();
  gan::PerSampleGradients recorder(net);
  const torch::Tensor losses = recorder.forward(x).view({-1}) * 0; // no signal: only noise
  gan::private_gradients(recorder, *net, losses, 2.0, 1.5, 4.0, rng);
  const torch::Tensor all =
      torch::cat({net->parameters()[0].grad().view({-1}), net->parameters()[1].grad().view({-1})});
  EXPECT_NEAR(all.std().item<double>(), 2.0 * 1.5 / 4.0, 0.06);

  // Losses of another shape ([N, 1] would broadcast against the factors) are refused, and the
  // first pass leaves no gradient on tensors outside the network (an input that wants one).
  const torch::Tensor column = recorder.forward(x) * 1.0; // [N, 1]
  EXPECT_THROW(gan::private_gradients(recorder, *net, column, 1.0, 0.0, 4.0, rng), gan::Error);
  const torch::Tensor input = x.clone().requires_grad_(true);
  net->zero_grad();
  const torch::Tensor scaled = recorder.forward(input).view({-1}) * w;
  const torch::Tensor before = gan::private_gradients(recorder, *net, scaled, 0.05, 0.0, 4.0, rng);
  // After the call the recorder describes the clipped pass: every example within the bound.
  EXPECT_TRUE((recorder.norms() <= 0.05 + 1e-4).all().item<bool>()) << recorder.norms();
  // Only the second (clipped) pass reached the input: its gradient is that of the losses each
  // scaled by its clipping factor, not that plus the unclipped one.
  const torch::Tensor factor = (0.05 / (before + 1e-6)).clamp_max(1.0).detach();
  const torch::Tensor again = x.clone().requires_grad_(true);
  const torch::Tensor want =
      torch::autograd::grad({(net->forward(again).view({-1}) * w * factor).sum()}, {again})[0];
  ASSERT_TRUE(input.grad().defined());
  EXPECT_TRUE(torch::allclose(input.grad(), want, 1e-4, 1e-7));
}

TEST(DpSgd, LayersThatCannotBePrivateAreRefusedByName) {
  try {
    gan::PerSampleGradients(
        nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 4, 3)), nn::BatchNorm2d(4), nn::Flatten()));
    ADD_FAILURE() << "BatchNorm was accepted";
  } catch (const gan::Error &e) {
    EXPECT_NE(std::string(e.what()).find("BatchNorm2d"), std::string::npos) << e.what();
  }
  EXPECT_THROW(gan::PerSampleGradients(nn::Sequential(nn::Embedding(10, 4))), gan::Error);
  EXPECT_THROW(
      gan::PerSampleGradients(nn::Sequential(nn::Conv2d(nn::Conv2dOptions(2, 4, 3).groups(2)))),
      gan::Error);
  EXPECT_THROW(gan::PerSampleGradients(nn::Sequential(nn::Conv2d(
                   nn::Conv2dOptions(1, 4, 3).padding(1).padding_mode(torch::kReflect)))),
               gan::Error);
  gan::PerSampleGradients unused(small_net());
  EXPECT_THROW(unused.gradients(), gan::Error); // nothing recorded yet
}

TEST(DpSgd, ClippingBoundsEveryExampleAndTheNoiseHasTheAskedDeviation) {
  torch::manual_seed(5);
  const int64_t n = 8;
  // Two "parameters"; example i's whole gradient has norm i + 1 (the first one norm 1).
  std::vector<torch::Tensor> per_sample = {torch::randn({n, 3, 4}), torch::randn({n, 5})};
  torch::Tensor norms =
      (per_sample[0].reshape({n, -1}).pow(2).sum(1) + per_sample[1].pow(2).sum(1)).sqrt();
  const torch::Tensor want_norm = torch::arange(1, n + 1, torch::kFloat);
  per_sample[0] *= (want_norm / norms).view({n, 1, 1});
  per_sample[1] *= (want_norm / norms).view({n, 1});
  at::Generator rng = at::detail::createCPUGenerator(7);

  // No noise, a bound no example exceeds: the plain mean gradient.
  std::vector<torch::Tensor> g = gan::clip_and_noise(per_sample, 100.0, 0.0, n, rng);
  EXPECT_TRUE(torch::allclose(g[0], per_sample[0].sum(0) / n, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(g[1], per_sample[1].sum(0) / n, 1e-5, 1e-6));
  // A bound of 2: examples of norm 3..8 are scaled down to norm 2, the others kept.
  g = gan::clip_and_noise(per_sample, 2.0, 0.0, 1.0, rng);
  const torch::Tensor scale = (2.0 / want_norm).clamp_max(1.0);
  EXPECT_TRUE(torch::allclose(g[0], (per_sample[0] * scale.view({n, 1, 1})).sum(0), 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(g[1], (per_sample[1] * scale.view({n, 1})).sum(0), 1e-4, 1e-5));
  // Noise: standard deviation noise * bound, on every coordinate (a large parameter).
  const std::vector<torch::Tensor> zero = {torch::zeros({2, 100000})};
  g = gan::clip_and_noise(zero, 1.5, 2.0, 1.0, rng);
  EXPECT_NEAR(g[0].std().item<double>(), 3.0, 0.05);
  EXPECT_NEAR(g[0].mean().item<double>(), 0.0, 0.05);
  EXPECT_THROW(gan::clip_and_noise(per_sample, 0.0, 1.0, 1.0, rng), gan::Error);
}

} // namespace
