// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The deployment form of a trained network (ImageModuleImpl::prepare_for_inference): a
// Sequential of convolutions, BatchNorms, activations, pooling, linear layers, 2x upsampling
// (nearest or bilinear) and pixel shuffles compiled into
// plain tensor operations. BatchNorm is folded into the convolution before it, a transposed
// convolution of a 1x1 input becomes one matrix-vector product per sample (batch-invariant by
// construction), and wide convolutions run channels-last. Same outputs as the trained modules
// up to float rounding.

#include <torch/torch.h>

#include <vector>

namespace gan {

// The number format a compiled network computes in. BFloat16 keeps float32's range with 8
// significant bits; oneDNN accumulates its convolutions in float32.
enum class InferencePrecision { Float32, BFloat16 };

// BFloat16 where the CPU computes it natively (AVX512-BF16; measured 3.5x faster than float32
// for the field generator here), unless the environment says GST_GAN_BF16=0; else Float32.
InferencePrecision fast_inference_precision();

class FoldedSequential {
public:
  // Throws Error(InvalidArgument) for a layer it cannot compile. With BFloat16 the input is
  // rounded to it and the output comes back as float32.
  explicit FoldedSequential(const torch::nn::Sequential &seq,
                            InferencePrecision precision = InferencePrecision::Float32);
  torch::Tensor forward(torch::Tensor x) const;

private:
  enum class Kind {
    Conv,
    ConvTranspose,
    Relu,
    LeakyRelu,
    Tanh,
    GlobalAvgPool,
    Flatten,
    Linear,
    Nearest2x,
    Bilinear2x,
    PixelShuffle
  };
  struct Layer {
    Kind kind = Kind::Relu;
    torch::Tensor weight, bias;
    std::vector<int64_t> stride, padding, output_padding;
    double slope = 0;
    int64_t factor = 0; // PixelShuffle
    torch::Tensor projection_t, projection_bias;
  };

  // Stride and padding of a plain (ungrouped, undilated, explicitly padded) convolution or
  // transposed convolution; anything else is not compiled.
  template <typename Options> static void read_geometry(const Options &o, Layer &l);
  std::vector<Layer> layers_;
  InferencePrecision precision_;
};

} // namespace gan
