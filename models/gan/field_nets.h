// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The "field" architecture (Spatial GAN, Jetchev et al. 2016; PSGAN, Bergmann et al. 2017):
// a fully convolutional generator whose input is a latent *field* [N, latent, fh, fw] instead of
// one vector, so the same weights paint an image of any size, and a fully convolutional
// (PatchGAN) discriminator that scores every ~78x78 window of an image.
//
// Generator: every convolution is unpadded ("valid"), so no pixel ever sees a border and a
// field of fh x fw cells paints exactly kFieldScale * (fh - 2 * kFieldMargin) rows by
// kFieldScale * (fw - 2 * kFieldMargin) columns. The generator commutes with translation:
// the image of a cropped field is the same crop of the image of the whole field, everywhere
// (up to float rounding), which makes frames of any size, and a panning field, one rule.
//
// Latent layout: the first latent - latent / 2 channels are local (drawn independently per
// cell), the last latent / 2 are global (one draw per image, the same in every cell). Training
// draws fields this way; a renderer may let the global channels vary slowly across a frame.

#include "gan/nets.h"

namespace gan {

constexpr int64_t kFieldScale = 8;  // image pixels per field cell
constexpr int64_t kFieldMargin = 2; // cells each side that the unpadded convolutions consume

inline int64_t field_global_channels(int64_t latent) { return latent / 2; }
// Cells a field needs along one axis to paint at least `pixels` pixels.
inline int64_t field_cells(int64_t pixels) {
  return (pixels + kFieldScale - 1) / kFieldScale + 2 * kFieldMargin;
}

// The generator zoo (issue 27): upsampling the detector is trained on, and tested against,
// besides the shipped kind. Each 2x stage of config.upsample is a nearest, bilinear or bicubic
// resize + 3x3 convolution ("nearest-conv", "bilinear", "bicubic"), a stride-2 transposed
// convolution of kernel config.kernel ("transposed", the DCGAN's checkerboard-prone kind), or
// a 3x3 convolution to 4x the channels + pixel shuffle, randomly initialised ("shuffle") or
// ICNR-initialised ("icnr"), all zero-padded ("same"); config's norm and activation follow each
// stage but the last, config.depth extra 3x3 convolutions each stage but the last, and
// config.output ends it. Field generators, autoencoder decoders and the Fashion-MNIST DCGAN
// variants (gan/nets.cpp) are built of these.
void push_zoo_norm_activation(torch::nn::Sequential &net, const ModelConfig &config,
                              int64_t channels);
// 2x stages from widths[0] channels through each next width to config.channels, then the
// output layer.
void push_zoo_stages(torch::nn::Sequential &net, const ModelConfig &config,
                     const std::vector<int64_t> &widths);
// DCGAN initialisation of `module`, then ICNR in `net` (its body) where the family starts as
// nearest upsampling: the last stage of "shuffle" (as the family was first trained; its other
// stages keep their random, checkerboard-prone start), every stage of "icnr".
void zoo_init(torch::nn::Module &module, torch::nn::Sequential &net, const ModelConfig &config);

// Fresh networks (weights from the global torch RNG, DCGAN initialisation).
Gan build_field_gan(const ModelConfig &config);

// A zoo family's generator body without the field margin, as an autoencoder's decoder
// (gan/autoencoder.h): 8 h x 8 w pixels from h x w cells. config.upsample is not "nearest".
ImageModule build_field_decoder(const ModelConfig &config);

// Training fields for n images of the config's size: local channels i.i.d. N(0, 1) per cell,
// global channels one N(0, 1) draw per image, broadcast.
torch::Tensor field_noise(const ModelConfig &config, int64_t n, at::Generator &rng);

// The field of image `index` of stream `seed`, fh x fw cells: a pure function of all of them.
torch::Tensor field_latents(uint64_t seed, uint64_t first_index, int64_t n, int64_t latent,
                            int64_t fh, int64_t fw);

// Images of height x width (any size >= 1) from the generator in its current mode: fields of
// field_latents(seed, first_index, n, ...) just large enough, painted, top-left crop.
torch::Tensor paint_field_images(ImageModuleImpl &generator, const ModelConfig &config,
                                 uint64_t seed, uint64_t first_index, int64_t n, int64_t height,
                                 int64_t width);

// Floating-point operations (2 x multiply-adds of the convolutions) of the generator painting
// one height x width image, and of the discriminator scoring one.
double field_generator_flops(const ModelConfig &config, int64_t height, int64_t width);
double field_discriminator_flops(const ModelConfig &config, int64_t height, int64_t width);

} // namespace gan
