// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The deployment form of a trained network (ImageModuleImpl::prepare_for_inference): a
// Sequential of convolutions, BatchNorms, activations, pooling, linear layers, nearest-neighbour
// 2x upsampling and pixel shuffles compiled into
// plain tensor operations. BatchNorm is folded into the convolution before it, a transposed
// convolution of a 1x1 input becomes one matrix-vector product per sample (batch-invariant by
// construction), and wide convolutions run channels-last. Same outputs as the trained modules
// up to float rounding.

#include <torch/torch.h>

#include <vector>

namespace gan {

class FoldedSequential {
public:
  // Throws Error(InvalidArgument) for a layer it cannot compile.
  explicit FoldedSequential(const torch::nn::Sequential &seq);
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
};

} // namespace gan
