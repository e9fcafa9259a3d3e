// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/dp_sgd.h"

#include "gan/error.h"

#include <torch/version.h>

#include <array>
#include <sstream>
#include <string>

namespace gan {

namespace F = torch::nn::functional;

std::vector<torch::Tensor> linear_grad_sample(const torch::nn::LinearImpl &layer,
                                              const torch::Tensor &input,
                                              const torch::Tensor &grad_output) {
  const int64_t n = input.size(0);
  const torch::Tensor a = input.reshape({n, -1, input.size(-1)});
  const torch::Tensor g = grad_output.reshape({n, -1, grad_output.size(-1)});
  std::vector<torch::Tensor> out = {torch::bmm(g.transpose(1, 2), a)}; // [N, out, in]
  if (layer.bias.defined())
    out.push_back(g.sum(1));
  return out;
}

// The weight's gradient of every example at once: the convolution run with one group per
// example over a weight repeated per example, differentiated with the output gradients. The
// layer's own stride, padding (numbers, "same" or "valid") and dilation, passed as they are.
std::vector<torch::Tensor> conv2d_grad_sample(const torch::nn::Conv2dImpl &layer,
                                              const torch::Tensor &input,
                                              const torch::Tensor &grad_output) {
  const int64_t n = input.size(0);
  const torch::Tensor &w = layer.weight;
  torch::AutoGradMode grad_on(true);
  const torch::Tensor repeated =
      w.detach().unsqueeze(0).expand({n, w.size(0), w.size(1), w.size(2), w.size(3)}).contiguous();
  repeated.set_requires_grad(true);
  const torch::Tensor out =
      F::conv2d(input.detach().reshape({1, n * input.size(1), input.size(2), input.size(3)}),
                repeated.view({n * w.size(0), w.size(1), w.size(2), w.size(3)}),
                F::Conv2dFuncOptions()
                    .stride(layer.options.stride())
                    .padding(layer.options.padding())
                    .dilation(layer.options.dilation())
                    .groups(n));
  std::vector<torch::Tensor> grads = {
      torch::autograd::grad({out}, {repeated}, {grad_output.detach().reshape(out.sizes())})[0]};
  if (layer.bias.defined())
    grads.push_back(grad_output.detach().sum({2, 3}));
  return grads;
}

namespace {

// The explicit zero padding of a convolution as (top, bottom, left, right): its numbers, or
// what "valid" (none) and "same" (dilation * (kernel - 1) split, the extra one at the end) mean.
std::array<int64_t, 4> conv_padding(const torch::nn::Conv2dImpl &layer) {
  const auto &o = layer.options;
#if TORCH_VERSION_MAJOR >= 2
  const auto *numbers = std::get_if<torch::ExpandingArray<2>>(&o.padding());
  const bool same = std::get_if<torch::enumtype::kSame>(&o.padding()) != nullptr;
#else
  const auto *numbers = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
  const bool same = c10::get_if<torch::enumtype::kSame>(&o.padding()) != nullptr;
#endif
  if (numbers)
    return {(**numbers)[0], (**numbers)[0], (**numbers)[1], (**numbers)[1]};
  if (!same)
    return {0, 0, 0, 0};
  const int64_t h = (*o.dilation())[0] * ((*o.kernel_size())[0] - 1);
  const int64_t w = (*o.dilation())[1] * ((*o.kernel_size())[1] - 1);
  return {h / 2, h - h / 2, w / 2, w - w / 2};
}

// A convolution's input as the columns its weight multiplies: [N, C * kh * kw, L].
torch::Tensor conv_columns(const torch::nn::Conv2dImpl &layer, const torch::Tensor &input) {
  const std::array<int64_t, 4> p = conv_padding(layer);
  const torch::Tensor padded =
      F::pad(input, F::PadFuncOptions({p[2], p[3], p[0], p[1]})); // last dim first
  const auto &o = layer.options;
  return F::unfold(
      padded,
      F::UnfoldFuncOptions(o.kernel_size()).dilation(o.dilation()).padding(0).stride(o.stride()));
}

// The squared norm of every example's gradient of a weight that multiplies `a` [N, L, k]
// giving outputs whose gradients are `g` [N, L, o]: ghost (Gram matrices) when cheaper.
torch::Tensor weight_norms2(const torch::Tensor &a, const torch::Tensor &g) {
  const int64_t n = a.size(0), l = a.size(1), k = a.size(2), out = g.size(2);
  if (2 * l * l < k * out) {
    const torch::Tensor aa = torch::bmm(a, a.transpose(1, 2)); // [N, L, L]
    const torch::Tensor gg = torch::bmm(g, g.transpose(1, 2));
    return (aa * gg).sum({1, 2});
  }
  return torch::bmm(g.transpose(1, 2), a).reshape({n, -1}).pow(2).sum(1);
}

void check_settings(double max_norm, double noise_multiplier, double expected_batch) {
  if (!(max_norm > 0) || !(noise_multiplier >= 0) || !(expected_batch > 0))
    throw Error(ErrorCode::InvalidArgument,
                "DP-SGD needs a clipping norm > 0, a noise multiplier >= 0 and a batch size > 0");
}

// What scales each example's gradient to a norm of at most max_norm.
torch::Tensor clip_factors(const torch::Tensor &norms, double max_norm) {
  return (max_norm / (norms + 1e-6)).clamp_max(1.0).detach();
}

// A clipped sum made private: noise of deviation noise_multiplier * max_norm on every
// coordinate, then divided by the expected batch size.
torch::Tensor noised(torch::Tensor sum, double max_norm, double noise_multiplier,
                     double expected_batch, at::Generator &rng) {
  if (noise_multiplier > 0)
    sum += torch::empty_like(sum).normal_(0.0, noise_multiplier * max_norm, rng);
  return sum / expected_batch;
}

} // namespace

std::vector<torch::Tensor> group_norm_grad_sample(const torch::nn::GroupNormImpl &layer,
                                                  const torch::Tensor &input,
                                                  const torch::Tensor &grad_output) {
  const torch::Tensor normalized = F::group_norm(
      input, F::GroupNormFuncOptions(layer.options.num_groups()).eps(layer.options.eps()));
  std::vector<int64_t> spatial;
  for (int64_t d = 2; d < input.dim(); ++d)
    spatial.push_back(d);
  std::vector<torch::Tensor> out;
  if (layer.weight.defined())
    out.push_back(spatial.empty() ? normalized * grad_output
                                  : (normalized * grad_output).sum(spatial));
  if (layer.bias.defined())
    out.push_back(spatial.empty() ? grad_output : grad_output.sum(spatial));
  return out;
}

struct PerSampleGradients::Layer {
  torch::nn::Linear linear{nullptr};
  torch::nn::Conv2d conv{nullptr};
  torch::nn::GroupNorm norm{nullptr};
  torch::Tensor input;                        // recorded by forward
  std::shared_ptr<torch::Tensor> grad_output; // set by the hook during backward

  const torch::Tensor &recorded_grad_output() const {
    if (!grad_output || !grad_output->defined())
      throw Error(ErrorCode::InvalidArgument,
                  "per-example gradients and norms are read after a forward and a backward pass");
    return *grad_output;
  }
};

PerSampleGradients::PerSampleGradients(torch::nn::Sequential net) : net_(std::move(net)) {
  for (const auto &module : net_->children()) {
    auto layer = std::make_shared<Layer>();
    const std::string name = module->name();
    if (auto linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(module)) {
      layer->linear = torch::nn::Linear(linear);
    } else if (auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(module)) {
      std::ostringstream text; // printed with padding_mode only when it is not zeros
      conv->pretty_print(text);
      if (conv->options.groups() != 1 || text.str().find("padding_mode") != std::string::npos)
        throw Error(ErrorCode::InvalidArgument,
                    "DP-SGD supports Conv2d with one group and zero padding, not " + text.str());
      layer->conv = torch::nn::Conv2d(conv);
    } else if (auto norm = std::dynamic_pointer_cast<torch::nn::GroupNormImpl>(module)) {
      layer->norm = torch::nn::GroupNorm(norm);
    } else if (name.find("BatchNorm") != std::string::npos) {
      throw Error(ErrorCode::InvalidArgument,
                  "DP-SGD cannot make " + name +
                      " private: its batch statistics mix the examples (use GroupNorm or none)");
    } else if (!module->parameters().empty()) {
      throw Error(ErrorCode::InvalidArgument, "DP-SGD has no per-example gradients for " + name +
                                                  " (Linear, Conv2d and GroupNorm only)");
    } else {
      layer.reset(); // parameter-free: runs, records nothing
    }
    layers_.push_back(layer);
  }
}

torch::Tensor PerSampleGradients::forward(const torch::Tensor &x) {
  torch::Tensor h = x;
  size_t i = 0;
  for (auto &module : *net_) {
    const std::shared_ptr<Layer> &layer = layers_[i++];
    if (layer)
      layer->input = h.detach();
    h = module.forward(h);
    if (layer) {
      layer->grad_output = std::make_shared<torch::Tensor>();
      if (h.requires_grad()) {
        const std::shared_ptr<torch::Tensor> slot = layer->grad_output;
        h.register_hook([slot](torch::Tensor g) { *slot = g.detach(); });
      }
    }
  }
  return h;
}

std::vector<torch::Tensor> PerSampleGradients::gradients() const {
  std::vector<torch::Tensor> out;
  for (const std::shared_ptr<Layer> &layer : layers_) {
    if (!layer)
      continue;
    const torch::Tensor &g = layer->recorded_grad_output();
    std::vector<torch::Tensor> grads =
        layer->linear ? linear_grad_sample(*layer->linear, layer->input, g)
        : layer->conv ? conv2d_grad_sample(*layer->conv, layer->input, g)
                      : group_norm_grad_sample(*layer->norm, layer->input, g);
    out.insert(out.end(), grads.begin(), grads.end());
  }
  return out;
}

torch::Tensor PerSampleGradients::norms() const {
  torch::Tensor squared;
  for (const std::shared_ptr<Layer> &layer : layers_) {
    if (!layer)
      continue;
    const torch::Tensor &g = layer->recorded_grad_output();
    const int64_t n = g.size(0);
    torch::Tensor s;
    if (layer->norm) {
      s = torch::zeros({n}, g.options());
      for (const torch::Tensor &p : group_norm_grad_sample(*layer->norm, layer->input, g))
        s = s + p.reshape({n, -1}).pow(2).sum(1);
    } else {
      // A weight multiplying inputs a [N, L, k] into outputs with gradients go [N, L, o].
      const torch::Tensor a = layer->linear
                                  ? layer->input.reshape({n, -1, layer->input.size(-1)})
                                  : conv_columns(*layer->conv, layer->input).transpose(1, 2);
      const torch::Tensor go = layer->linear ? g.reshape({n, -1, g.size(-1)})
                                             : g.reshape({n, g.size(1), -1}).transpose(1, 2);
      s = weight_norms2(a, go);
      if ((layer->linear ? layer->linear->bias : layer->conv->bias).defined())
        s = s + go.sum(1).pow(2).sum(1);
    }
    squared = squared.defined() ? squared + s : s;
  }
  if (!squared.defined())
    throw Error(ErrorCode::InvalidArgument, "the network has no parameters to make private");
  return squared.sqrt();
}

torch::Tensor private_gradients(PerSampleGradients &recorder, torch::nn::Module &net,
                                const torch::Tensor &losses, double max_norm,
                                double noise_multiplier, double expected_batch,
                                at::Generator &rng) {
  check_settings(max_norm, noise_multiplier, expected_batch);
  // One loss per example: a [N, 1] tensor would broadcast against the [N] factors below and
  // scale every example by all of them.
  const auto wrong_shape = [&](int64_t examples) {
    return Error(ErrorCode::InvalidArgument,
                 "private_gradients needs one loss per example ([" + std::to_string(examples) +
                     "]) from the recorder's last forward pass, not a tensor of " +
                     std::to_string(losses.dim()) + " dimensions and " +
                     std::to_string(losses.numel()) + " values");
  };
  if (losses.dim() != 1)
    throw wrong_shape(-1);
  // The first pass only feeds the hooks (torch::autograd::grad accumulates into no .grad, so
  // nothing outside `net` gets an unclipped gradient); the graph stays for the second.
  std::vector<torch::Tensor> params;
  for (const torch::Tensor &p : net.parameters())
    if (p.requires_grad())
      params.push_back(p);
  torch::autograd::grad({losses.sum()}, params, {}, /*retain_graph=*/true,
                        /*create_graph=*/false, /*allow_unused=*/true);
  const torch::Tensor norms = recorder.norms();
  if (norms.size(0) != losses.size(0))
    throw wrong_shape(norms.size(0));
  net.zero_grad();
  (losses * clip_factors(norms, max_norm)).sum().backward();
  for (torch::Tensor &p : net.parameters()) {
    torch::Tensor &grad = p.mutable_grad();
    grad = noised(grad.defined() ? grad : torch::zeros_like(p), max_norm, noise_multiplier,
                  expected_batch, rng);
  }
  return norms;
}

std::vector<torch::Tensor> clip_and_noise(const std::vector<torch::Tensor> &per_sample,
                                          double max_norm, double noise_multiplier,
                                          double expected_batch, at::Generator &rng) {
  if (per_sample.empty())
    return {};
  check_settings(max_norm, noise_multiplier, expected_batch);
  const int64_t n = per_sample[0].size(0);
  torch::Tensor squared = torch::zeros({n}, per_sample[0].options());
  for (const torch::Tensor &g : per_sample)
    squared += g.reshape({n, -1}).pow(2).sum(1);
  const torch::Tensor factor = clip_factors(squared.sqrt(), max_norm);
  std::vector<torch::Tensor> out;
  for (const torch::Tensor &g : per_sample) {
    std::vector<int64_t> shape(static_cast<size_t>(g.dim()), 1);
    shape[0] = n;
    out.push_back(
        noised((g * factor.view(shape)).sum(0), max_norm, noise_multiplier, expected_batch, rng));
  }
  return out;
}

} // namespace gan
