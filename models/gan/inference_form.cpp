// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/inference_form.h"

#include "gan/error.h"

#include <torch/version.h>

#include <cstdlib>
#include <string>

namespace gan {

namespace {

namespace nn = torch::nn;

std::vector<int64_t> to_vector(const torch::ExpandingArray<2> &a) { return {(*a)[0], (*a)[1]}; }

// A convolution's padding is a variant (explicit sizes, "valid" or "same"): c10::variant up to
// LibTorch 2.0, std::variant from 2.1 on.
template <typename T, typename Variant> const T *variant_get_if(const Variant *v) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  return std::get_if<T>(v);
#else
  return c10::get_if<T>(v);
#endif
}

} // namespace

template <typename Options> void FoldedSequential::read_geometry(const Options &o, Layer &l) {
  const auto *padding = variant_get_if<torch::ExpandingArray<2>>(&o.padding());
  if (!padding || o.groups() != 1 || (*o.dilation())[0] != 1 || (*o.dilation())[1] != 1)
    throw Error(ErrorCode::InvalidArgument, "only plain convolutions are compiled");
  l.stride = to_vector(o.stride());
  l.padding = to_vector(*padding);
}

InferencePrecision fast_inference_precision() {
  const char *env = std::getenv("GST_GAN_BF16");
  if (env && std::string(env) == "0")
    return InferencePrecision::Float32;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx512bf16"))
    return InferencePrecision::BFloat16;
#endif
  return InferencePrecision::Float32;
}

FoldedSequential::FoldedSequential(const torch::nn::Sequential &seq, InferencePrecision precision)
    : precision_(precision) {
  torch::NoGradGuard no_grad;
  for (const std::shared_ptr<nn::Module> &m : seq->children()) {
    Layer l;
    if (auto c = std::dynamic_pointer_cast<nn::Conv2dImpl>(m)) {
      l.kind = Kind::Conv;
      l.weight = c->weight.detach().clone();
      l.bias = c->options.bias() ? c->bias.detach().clone() : torch::zeros({l.weight.size(0)});
      read_geometry(c->options, l);
    } else if (auto t = std::dynamic_pointer_cast<nn::ConvTranspose2dImpl>(m)) {
      l.kind = Kind::ConvTranspose;
      l.weight = t->weight.detach().clone();
      l.bias = t->options.bias() ? t->bias.detach().clone() : torch::zeros({l.weight.size(1)});
      read_geometry(t->options, l);
      l.output_padding = to_vector(t->options.output_padding());
    } else if (auto b = std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(m)) {
      if (layers_.empty() ||
          (layers_.back().kind != Kind::Conv && layers_.back().kind != Kind::ConvTranspose))
        throw Error(ErrorCode::InvalidArgument, "BatchNorm without a convolution before it");
      // y = (conv(x) + b - mean) * gamma / sqrt(var + eps) + beta, per output channel.
      Layer &conv = layers_.back();
      const torch::Tensor scale =
          b->weight.detach() / torch::sqrt(b->running_var + b->options.eps());
      if (conv.kind == Kind::Conv)
        conv.weight.mul_(scale.view({-1, 1, 1, 1}));
      else
        conv.weight.mul_(scale.view({1, -1, 1, 1}));
      conv.bias = (conv.bias - b->running_mean) * scale + b->bias.detach();
      continue;
    } else if (std::dynamic_pointer_cast<nn::ReLUImpl>(m)) {
      l.kind = Kind::Relu;
    } else if (auto r = std::dynamic_pointer_cast<nn::LeakyReLUImpl>(m)) {
      l.kind = Kind::LeakyRelu;
      l.slope = r->options.negative_slope();
    } else if (std::dynamic_pointer_cast<nn::TanhImpl>(m)) {
      l.kind = Kind::Tanh;
    } else if (auto p = std::dynamic_pointer_cast<nn::AdaptiveAvgPool2dImpl>(m)) {
      const auto size = p->options.output_size();
      if (!size->at(0) || !size->at(1) || *size->at(0) != 1 || *size->at(1) != 1)
        throw Error(ErrorCode::InvalidArgument, "only global average pooling is compiled");
      l.kind = Kind::GlobalAvgPool;
    } else if (auto u = std::dynamic_pointer_cast<nn::UpsampleImpl>(m)) {
      const auto &factor = u->options.scale_factor();
      const bool nearest = variant_get_if<torch::enumtype::kNearest>(&u->options.mode());
      const bool bilinear = variant_get_if<torch::enumtype::kBilinear>(&u->options.mode()) &&
                            u->options.align_corners().has_value() && !*u->options.align_corners();
      if (u->options.size() || !factor || *factor != std::vector<double>{2.0, 2.0} ||
          !(nearest || bilinear))
        throw Error(ErrorCode::InvalidArgument,
                    "only 2x upsampling, nearest or bilinear (align_corners false), is compiled");
      l.kind = nearest ? Kind::Nearest2x : Kind::Bilinear2x;
    } else if (auto ps = std::dynamic_pointer_cast<nn::PixelShuffleImpl>(m)) {
      l.kind = Kind::PixelShuffle;
      l.factor = ps->options.upscale_factor();
    } else if (std::dynamic_pointer_cast<nn::FlattenImpl>(m)) {
      l.kind = Kind::Flatten;
    } else if (auto f = std::dynamic_pointer_cast<nn::LinearImpl>(m)) {
      l.kind = Kind::Linear;
      l.weight = f->weight.detach().clone();
      l.bias = f->options.bias() ? f->bias.detach().clone() : torch::zeros({l.weight.size(0)});
    } else {
      throw Error(ErrorCode::InvalidArgument, "cannot compile layer " + m->name());
    }
    layers_.push_back(std::move(l));
  }
  // A transposed convolution of a 1x1 input is a matrix product (latent -> C x k x k):
  // with the weights arranged once, a sample is one matrix-vector product instead of a
  // GEMM and a col2im (measured 6x faster for the DCGAN generator's first layer here).
  for (Layer &l : layers_)
    if (l.kind == Kind::ConvTranspose && l.padding == std::vector<int64_t>{0, 0} &&
        l.output_padding == std::vector<int64_t>{0, 0}) {
      const int64_t in = l.weight.size(0), spatial = l.weight.size(2) * l.weight.size(3);
      l.projection_t = l.weight.reshape({in, -1}).t().contiguous();       // [out*k*k, in]
      l.projection_bias = l.bias.repeat_interleave(spatial).contiguous(); // [out*k*k]
    }
  // Convolutions of 8 or more input channels run channels-last (NHWC), the layout oneDNN
  // prefers: measured 1.2-1.45x faster per layer at batch 1 for the detector's strided
  // convolutions. Narrow first layers (1-3 channels) stay NCHW, where NHWC was slower.
  for (Layer &l : layers_)
    if (l.kind == Kind::Conv && l.weight.size(1) >= 8)
      l.weight = l.weight.contiguous(torch::MemoryFormat::ChannelsLast);
  // A transposed convolution of a larger input stays float32: LibTorch 1.13's bfloat16
  // conv_transpose2d checks the weight as a forward convolution's and refuses it.
  if (precision_ == InferencePrecision::BFloat16)
    for (Layer &l : layers_)
      for (torch::Tensor *t : {&l.weight, &l.bias, &l.projection_t, &l.projection_bias})
        if (t->defined() && (l.kind != Kind::ConvTranspose || l.projection_t.defined()))
          *t = t->to(torch::kBFloat16); // keeps the memory format
}

// Activations are applied out of place: leaky_relu_ on a oneDNN convolution's output ran 2x
// slower (batch 16, inference mode) than leaky_relu here.
torch::Tensor FoldedSequential::forward(torch::Tensor x) const {
  const bool bf16 = precision_ == InferencePrecision::BFloat16;
  if (bf16)
    x = x.to(torch::kBFloat16);
  for (const Layer &l : layers_) {
    switch (l.kind) {
    case Kind::Conv:
      if (l.weight.is_contiguous(torch::MemoryFormat::ChannelsLast))
        x = x.contiguous(torch::MemoryFormat::ChannelsLast);
      x = torch::conv2d(x, l.weight, l.bias, l.stride, l.padding);
      break;
    case Kind::ConvTranspose:
      if (l.projection_t.defined() && x.size(2) == 1 && x.size(3) == 1) {
        // One matrix-vector product per sample, whatever the batch: a sample's pixels
        // must not depend on the batch it was computed in (gangen's frames are pure
        // functions of their index), and a batched GEMM rounds differently from a GEMV.
        const int64_t n = x.size(0);
        const torch::Tensor flat = x.reshape({n, -1});
        torch::Tensor out = torch::empty({n, l.projection_t.size(0)}, flat.options());
        for (int64_t i = 0; i < n; ++i) {
          torch::Tensor row = out[i];
          torch::addmv_out(row, l.projection_bias, l.projection_t, flat[i]);
        }
        x = out.view({n, l.weight.size(1), l.weight.size(2), l.weight.size(3)});
      } else {
        const bool narrow = x.scalar_type() != l.weight.scalar_type();
        x = torch::conv_transpose2d(narrow ? x.to(l.weight.scalar_type()) : x, l.weight, l.bias,
                                    l.stride, l.padding, l.output_padding);
        if (narrow)
          x = x.to(torch::kBFloat16);
      }
      break;
    case Kind::Relu:
      x = torch::relu(x);
      break;
    case Kind::LeakyRelu:
      x = torch::leaky_relu(x, l.slope);
      break;
    case Kind::Tanh:
      x = torch::tanh(x);
      break;
    case Kind::GlobalAvgPool:
      x = x.mean({2, 3}, /*keepdim=*/true);
      break;
    case Kind::Flatten:
      x = x.flatten(1);
      break;
    case Kind::Nearest2x:
      x = torch::upsample_nearest2d(x, {2 * x.size(2), 2 * x.size(3)});
      break;
    case Kind::Bilinear2x:
      x = torch::upsample_bilinear2d(x, {2 * x.size(2), 2 * x.size(3)}, /*align_corners=*/false);
      break;
    case Kind::PixelShuffle:
      x = torch::pixel_shuffle(x.contiguous(), l.factor);
      break;
    case Kind::Linear:
      x = torch::linear(x, l.weight, l.bias);
      break;
    }
  }
  return bf16 ? x.to(torch::kFloat32) : x;
}

} // namespace gan
