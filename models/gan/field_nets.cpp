// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/field_nets.h"

#include "gan/error.h"
#include "gan/inference_form.h"
#include "gan/latents.h"

namespace gan {

namespace {

namespace nn = torch::nn;

// The generator's channels at 1/8 of the image resolution are config.filters (128 shipped),
// halved at 1/4 and at 1/2; the discriminator's strided convolutions have these.
constexpr int64_t kD[] = {32, 64, 128, 256};

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, bool bias = false, int64_t padding = 0) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).bias(bias).padding(padding));
}

nn::Upsample upsample2x(bool bilinear = false) {
  auto o = nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0});
  if (bilinear)
    o.mode(torch::kBilinear).align_corners(false);
  else
    o.mode(torch::kNearest);
  return nn::Upsample(o);
}
nn::Upsample nearest2x() { return upsample2x(false); }

void check_field(const torch::Tensor &field) {
  if (field.dim() != 4 || field.size(2) <= 2 * kFieldMargin || field.size(3) <= 2 * kFieldMargin)
    throw Error(ErrorCode::InvalidArgument,
                "a field generator needs a field [N, latent, h, w] of more than " +
                    std::to_string(2 * kFieldMargin) + " cells each way");
}

// Upsampling, chosen for cost and artifacts (models/README.md): nearest-neighbour resize + 3x3
// convolution from 1/8 to 1/2 resolution (every output pixel sees the same kernel, so no
// checkerboard; Odena et al. 2016), and a sub-pixel convolution (3x3 convolution to 4 x C
// channels + pixel shuffle; Shi et al. 2016) for the last 2x, where a convolution at full
// resolution would cost most of the frame. Its four sub-pixel filters start identical (ICNR,
// Aitken et al. 2017), i.e. as nearest-neighbour upsampling, so it starts free of the 2x2
// pattern too.
struct FieldGeneratorImpl : ImageModuleImpl {
  explicit FieldGeneratorImpl(const ModelConfig &c)
      : net(conv(c.latent, c.filters, 3), nn::BatchNorm2d(c.filters), nn::ReLU(true), nearest2x(),
            conv(c.filters, c.filters / 2, 3), nn::BatchNorm2d(c.filters / 2), nn::ReLU(true),
            nearest2x(), conv(c.filters / 2, c.filters / 4, 3), nn::BatchNorm2d(c.filters / 4),
            nn::ReLU(true), conv(c.filters / 4, c.channels * 4, 3, /*bias=*/true),
            nn::PixelShuffle(2), nn::Tanh()) {
    register_module("net", net);
  }
  torch::Tensor forward(torch::Tensor field) override {
    check_field(field);
    return plan ? plan->forward(field) : net->forward(field);
  }
  // bfloat16 where the CPU has it: 18.8 vs 66.6 ms per 640x480 frame on one core here.
  void prepare_for_inference() override {
    plan = std::make_shared<FoldedSequential>(net, fast_inference_precision());
  }
  nn::Sequential net;
  std::shared_ptr<FoldedSequential> plan;
};

// The normalisation, activation and output layers of the zoo (ModelConfig).
void push_norm(nn::Sequential &net, const std::string &norm, int64_t channels) {
  if (norm == "batch") {
    net->push_back(nn::BatchNorm2d(channels));
  } else if (norm == "instance") {
    net->push_back(nn::InstanceNorm2d(nn::InstanceNorm2dOptions(channels).affine(true)));
  } else if (norm == "group") {
    int64_t groups = 8;
    while (channels % groups)
      groups /= 2;
    net->push_back(nn::GroupNorm(nn::GroupNormOptions(groups, channels)));
  }
}

void push_activation(nn::Sequential &net, const std::string &activation) {
  if (activation == "leaky")
    net->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)));
  else if (activation == "elu")
    net->push_back(nn::ELU());
  else if (activation == "silu")
    net->push_back(nn::SiLU());
  else
    net->push_back(nn::ReLU(true));
}

void push_output(nn::Sequential &net, const std::string &output) {
  if (output == "hardtanh")
    net->push_back(nn::Hardtanh());
  else if (output == "sigmoid")
    net->push_back(nn::Functional([](torch::Tensor x) { return 2 * torch::sigmoid(x) - 1; }));
  else
    net->push_back(nn::Tanh());
}

} // namespace

void push_zoo_norm_activation(nn::Sequential &net, const ModelConfig &c, int64_t channels) {
  push_norm(net, c.norm, channels);
  push_activation(net, c.activation);
}

void push_zoo_stages(nn::Sequential &net, const ModelConfig &c,
                     const std::vector<int64_t> &widths) {
  const std::string &mode = c.upsample;
  // One 2x stage from `in` to `out` channels; `last`: to the image (bias, no normalisation).
  auto stage = [&](int64_t in, int64_t out, bool last) {
    const bool bias = last || c.norm == "none";
    if (mode == "transposed") {
      const int64_t k = c.kernel, pad = (k - 1) / 2, out_pad = k % 2;
      net->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, out, k)
                                             .stride(2)
                                             .padding(pad)
                                             .output_padding(out_pad)
                                             .bias(bias)));
    } else if (mode == "shuffle" || mode == "icnr") {
      // Normalisation and activation before the shuffle (per sub-pixel channel), where they
      // fold.
      net->push_back(conv(in, 4 * out, 3, bias, 1));
      if (!last)
        push_zoo_norm_activation(net, c, 4 * out);
      net->push_back(nn::PixelShuffle(2));
      return;
    } else {
      if (mode == "bicubic")
        net->push_back(nn::Upsample(nn::UpsampleOptions()
                                        .scale_factor(std::vector<double>{2.0, 2.0})
                                        .mode(torch::kBicubic)
                                        .align_corners(false)));
      else
        net->push_back(upsample2x(mode == "bilinear"));
      net->push_back(conv(in, out, 3, bias, 1));
    }
    if (!last)
      push_zoo_norm_activation(net, c, out);
  };
  for (size_t i = 0; i < widths.size(); ++i) {
    const bool last = i + 1 == widths.size();
    const int64_t out = last ? c.channels : widths[i + 1];
    stage(widths[i], out, last);
    for (int64_t j = 0; !last && j < c.depth; ++j) {
      net->push_back(conv(out, out, 3, c.norm == "none", 1));
      push_zoo_norm_activation(net, c, out);
    }
  }
  push_output(net, c.output);
}

namespace {

// The generator zoo (config.upsample and the zoo settings, push_zoo_stages) as field
// generators and autoencoder decoders. Their convolutions are zero-padded ("same"); as a
// field generator the image loses kFieldMargin cells each side at the end, so it paints exactly
// the shipped geometry, 8 (h - 4) x 8 (w - 4) pixels from h x w cells (the padding's influence
// reaches ~2 cells in, so only the outermost pixels differ from an unpadded network's); as an
// autoencoder's decoder (crop false) it paints 8 h x 8 w from h x w cells.
struct FieldVariantGeneratorImpl : ImageModuleImpl {
  FieldVariantGeneratorImpl(const ModelConfig &c, bool crop_margin) : crop(crop_margin) {
    const int64_t f = c.filters;
    net->push_back(conv(c.latent, f, 3, false, 1));
    push_zoo_norm_activation(net, c, f);
    push_zoo_stages(net, c, {f, f / 2, f / 4});
    register_module("net", net);
  }
  torch::Tensor forward(torch::Tensor field) override {
    if (crop)
      check_field(field);
    const torch::Tensor x = plan ? plan->forward(field) : net->forward(field);
    if (!crop)
      return x;
    constexpr int64_t m = kFieldMargin * kFieldScale;
    return x.slice(2, m, x.size(2) - m).slice(3, m, x.size(3) - m);
  }
  // Layers the inference form does not compile (other normalisations, activations, bicubic)
  // run as trained: these are research generators, not gangen's default.
  void prepare_for_inference() override {
    try {
      plan = std::make_shared<FoldedSequential>(net, fast_inference_precision());
    } catch (const Error &) {
      plan.reset();
    }
  }
  bool crop;
  nn::Sequential net;
  std::shared_ptr<FoldedSequential> plan;
};

// The shipped architecture for upsample "nearest", else the variant.
std::shared_ptr<ImageModuleImpl> make_field_generator(const ModelConfig &c, nn::Sequential **net) {
  if (c.upsample == "nearest") {
    auto g = std::make_shared<FieldGeneratorImpl>(c);
    *net = &g->net;
    return g;
  }
  auto g = std::make_shared<FieldVariantGeneratorImpl>(c, /*crop_margin=*/true);
  *net = &g->net;
  return g;
}

// PatchGAN: four 4x4 stride-2 convolutions and a 3x3 one, one logit per 16x16 block of the
// image, each seeing a 78x78 window. forward: [N, logits per image].
struct FieldDiscriminatorImpl : ImageModuleImpl {
  explicit FieldDiscriminatorImpl(const ModelConfig &c)
      : net(nn::Conv2d(nn::Conv2dOptions(c.channels, kD[0], 4).stride(2).padding(1)),
            nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
            nn::Conv2d(nn::Conv2dOptions(kD[0], kD[1], 4).stride(2).padding(1).bias(false)),
            nn::BatchNorm2d(kD[1]), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
            nn::Conv2d(nn::Conv2dOptions(kD[1], kD[2], 4).stride(2).padding(1).bias(false)),
            nn::BatchNorm2d(kD[2]), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
            nn::Conv2d(nn::Conv2dOptions(kD[2], kD[3], 4).stride(2).padding(1).bias(false)),
            nn::BatchNorm2d(kD[3]), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
            nn::Conv2d(nn::Conv2dOptions(kD[3], 1, 3).padding(1))) {
    register_module("net", net);
  }
  torch::Tensor forward(torch::Tensor x) override { return net->forward(x).flatten(1); }
  nn::Sequential net;
};

// ICNR: a sub-pixel convolution's 4 filters per output channel start as copies of one, i.e. as
// nearest-neighbour upsampling (free of the 2x2 pattern at the start). `all`: every
// convolution followed by a pixel shuffle; else the last convolution only (the shipped one).
void icnr_init(nn::Sequential &net, bool all) {
  torch::NoGradGuard no_grad;
  std::vector<std::shared_ptr<nn::Conv2dImpl>> targets;
  std::shared_ptr<nn::Conv2dImpl> conv_before, last;
  for (const auto &m : net->children()) {
    if (auto c = std::dynamic_pointer_cast<nn::Conv2dImpl>(m))
      conv_before = last = c;
    else if (std::dynamic_pointer_cast<nn::PixelShuffleImpl>(m) && conv_before && all)
      targets.push_back(conv_before);
  }
  if (!all)
    targets = {last};
  for (const auto &c : targets) {
    const int64_t out = c->weight.size(0) / 4;
    // Channel 4 k + s is sub-pixel s of output k: copies of filter k for the 4 sub-pixels.
    c->weight.copy_(c->weight.slice(0, 0, out).repeat_interleave(4, 0));
    if (c->options.bias())
      c->bias.zero_();
  }
}

// Convolution FLOPs of a Sequential on one input of this shape, by running it (no grad).
double sequential_flops(nn::Sequential &net, int64_t c, int64_t h, int64_t w) {
  torch::NoGradGuard no_grad;
  const bool was_training = net->is_training();
  net->eval();
  torch::Tensor x = torch::zeros({1, c, h, w});
  double flops = 0;
  for (auto &m : *net) {
    x = m.forward(x);
    if (auto cv = std::dynamic_pointer_cast<nn::Conv2dImpl>(m.ptr())) {
      const int64_t k = (*cv->options.kernel_size())[0] * (*cv->options.kernel_size())[1];
      flops += 2.0 * static_cast<double>(x.numel() * cv->options.in_channels() * k);
    }
  }
  net->train(was_training);
  return flops;
}

} // namespace

void zoo_init(nn::Module &module, nn::Sequential &net, const ModelConfig &c) {
  dcgan_init(module);
  if (c.upsample == "shuffle")
    icnr_init(net, /*all=*/false);
  else if (c.upsample == "icnr")
    icnr_init(net, /*all=*/true);
}

Gan build_field_gan(const ModelConfig &config) {
  validate_config(config);
  if (!is_arch(config, Arch::Field))
    throw Error(ErrorCode::InvalidArgument, "build_field_gan needs the field architecture");
  Gan gan;
  gan.config = config;
  nn::Sequential *net = nullptr;
  auto g = make_field_generator(config, &net);
  auto d = std::make_shared<FieldDiscriminatorImpl>(config);
  // The generator, then the discriminator, then ICNR: the torch RNG's order since issue 14, so
  // that every field GAN's command (the shipped ones, the zoo's) remakes it. The shipped
  // generator's last stage (and "shuffle"'s, as the family was first trained) and every stage
  // of the "icnr" family start as nearest upsampling.
  dcgan_init(*g);
  dcgan_init(*d);
  if (config.upsample == "nearest" || config.upsample == "shuffle")
    icnr_init(*net, /*all=*/false);
  else if (config.upsample == "icnr")
    icnr_init(*net, /*all=*/true);
  gan.generator = g;
  gan.discriminator = d;
  return gan;
}

ImageModule build_field_decoder(const ModelConfig &config) {
  if (config.upsample == "nearest")
    throw Error(ErrorCode::InvalidArgument,
                "a decoder is a zoo family, not the shipped unpadded generator");
  auto d = std::make_shared<FieldVariantGeneratorImpl>(config, /*crop_margin=*/false);
  zoo_init(*d, d->net, config);
  return d;
}

torch::Tensor field_noise(const ModelConfig &c, int64_t n, at::Generator &rng) {
  const int64_t global = field_global_channels(c.latent), local = c.latent - global;
  const int64_t fh = field_cells(c.height), fw = field_cells(c.width);
  const torch::Tensor l = torch::randn({n, local, fh, fw}, rng);
  const torch::Tensor g = torch::randn({n, global, 1, 1}, rng).expand({n, global, fh, fw});
  return torch::cat({l, g}, 1);
}

torch::Tensor field_latents(uint64_t seed, uint64_t first_index, int64_t n, int64_t latent,
                            int64_t fh, int64_t fw) {
  constexpr uint64_t kFieldStream = 0x6669656c64ull; // "field"
  const int64_t global = field_global_channels(latent), local = latent - global;
  torch::Tensor z = torch::empty({n, latent, fh, fw});
  for (int64_t i = 0; i < n; ++i) {
    at::Generator rng = make_rng(seed, kFieldStream, first_index + static_cast<uint64_t>(i));
    z[i].slice(0, 0, local).normal_(0.0, 1.0, rng);
    const torch::Tensor g = torch::randn({global, 1, 1}, rng);
    z[i].slice(0, local).copy_(g.expand({global, fh, fw}));
  }
  return z;
}

torch::Tensor paint_field_images(ImageModuleImpl &generator, const ModelConfig &config,
                                 uint64_t seed, uint64_t first_index, int64_t n, int64_t height,
                                 int64_t width) {
  if (height < 1 || width < 1)
    throw Error(ErrorCode::InvalidArgument, "cannot paint an empty image");
  const torch::Tensor z =
      field_latents(seed, first_index, n, config.latent, field_cells(height), field_cells(width));
  return generator.forward(z).slice(2, 0, height).slice(3, 0, width).contiguous();
}

double field_generator_flops(const ModelConfig &config, int64_t height, int64_t width) {
  nn::Sequential *net = nullptr;
  const auto g = make_field_generator(config, &net);
  const int64_t fh = field_cells(height), fw = field_cells(width);
  // Per painted pixel, then scaled to the image asked for (the field paints up to 7 more).
  const double painted = static_cast<double>(kFieldScale * (fh - 2 * kFieldMargin)) *
                         static_cast<double>(kFieldScale * (fw - 2 * kFieldMargin));
  return sequential_flops(*net, config.latent, fh, fw) * static_cast<double>(height * width) /
         painted;
}

double field_discriminator_flops(const ModelConfig &config, int64_t height, int64_t width) {
  FieldDiscriminatorImpl d(config);
  return sequential_flops(d.net, config.channels, height, width);
}

} // namespace gan
