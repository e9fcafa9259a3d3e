// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Differentiable augmentation (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient
// GAN Training"): the discriminator sees real and generated images through the same random
// colour, translation and cutout, in both players' steps, so it cannot memorise a few training
// images and the generator still learns the un-augmented distribution (every operation passes
// gradients to its input). Draws come from an at::Generator, one set per image, so a batch's
// augmentation is a pure function of (seed, step) and of each image's index in the batch.

#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace gan {

struct DiffAugment {
  bool color = false;       // brightness +-0.5, saturation x[0, 2], contrast x[0.5, 1.5]
  bool translation = false; // shifts of up to 1/8 of each side, zeros shifted in
  bool cutout = false;      // a zeroed square of half each side, anywhere (partly) inside

  bool any() const { return color || translation || cutout; }
  // "color,translation,cutout" or any subset ("" and "none": nothing). Throws
  // Error(InvalidArgument) naming an unknown policy.
  static DiffAugment parse(const std::string &policies);
  std::string str() const; // parse(str()) == *this; "none" when empty
  bool operator==(const DiffAugment &o) const {
    return color == o.color && translation == o.translation && cutout == o.cutout;
  }
};

// x [N, C, H, W] augmented: the draws of images [first, first + N) of a batch of `total`
// images (the whole batch is drawn, then sliced, so data-parallel ranks see the draws one process
// would). Returns x itself when nothing is on.
torch::Tensor diff_augment(const DiffAugment &policy, const torch::Tensor &x, at::Generator &rng,
                           int64_t first, int64_t total);

} // namespace gan
