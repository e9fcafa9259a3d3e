// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/nets.h"

#include "gan/error.h"
#include "gan/field_nets.h"
#include "gan/inference_form.h"

#include <array>

namespace gan {

namespace {

namespace nn = torch::nn;

// The classic fully connected GAN (Goodfellow et al. 2014, as in most tutorials).
struct MlpGeneratorImpl : ImageModuleImpl {
  explicit MlpGeneratorImpl(const ModelConfig &c)
      : shape_{c.channels, c.height, c.width}, hidden(nn::Linear(c.latent, kHidden)),
        out(nn::Linear(kHidden, c.channels * c.height * c.width)) {
    register_module("hidden", hidden);
    register_module("out", out);
  }
  torch::Tensor forward(torch::Tensor z) override {
    auto x = torch::tanh(out(torch::relu(hidden(z))));
    return x.view({z.size(0), shape_[0], shape_[1], shape_[2]});
  }
  static constexpr int64_t kHidden = 256;
  std::array<int64_t, 3> shape_;
  nn::Linear hidden, out;
};

struct MlpDiscriminatorImpl : ImageModuleImpl {
  explicit MlpDiscriminatorImpl(const ModelConfig &c)
      : hidden(nn::Linear(c.channels * c.height * c.width, kHidden)), out(nn::Linear(kHidden, 1)) {
    register_module("hidden", hidden);
    register_module("out", out);
  }
  torch::Tensor forward(torch::Tensor x) override {
    auto h = torch::leaky_relu(hidden(x.flatten(1)), 0.2);
    return out(h).view({-1});
  }
  static constexpr int64_t kHidden = 256;
  nn::Linear hidden, out;
};

// DCGAN (Radford et al. 2015) sized for 28x28: 100 -> 256x4x4 -> 128x7x7 -> 64x14x14 -> Cx28x28.
struct DcganGeneratorImpl : ImageModuleImpl {
  explicit DcganGeneratorImpl(const ModelConfig &c)
      : net(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(c.latent, 256, 4).bias(false)),
            nn::BatchNorm2d(256), nn::ReLU(true),
            nn::ConvTranspose2d(
                nn::ConvTranspose2dOptions(256, 128, 3).stride(2).padding(1).bias(false)),
            nn::BatchNorm2d(128), nn::ReLU(true),
            nn::ConvTranspose2d(
                nn::ConvTranspose2dOptions(128, 64, 4).stride(2).padding(1).bias(false)),
            nn::BatchNorm2d(64), nn::ReLU(true),
            nn::ConvTranspose2d(
                nn::ConvTranspose2dOptions(64, c.channels, 4).stride(2).padding(1).bias(false)),
            nn::Tanh()) {
    register_module("net", net);
  }
  torch::Tensor forward(torch::Tensor z) override {
    const torch::Tensor x = z.view({z.size(0), z.size(1), 1, 1});
    return plan ? plan->forward(x) : net->forward(x);
  }
  void prepare_for_inference() override { plan = std::make_shared<FoldedSequential>(net); }
  nn::Sequential net;
  std::shared_ptr<FoldedSequential> plan;
};

// The Fashion-MNIST generator zoo (issue 27): the DCGAN's shape with a zoo family's 2x stages
// (gan/field_nets.h): 100 -> filters x 7 x 7 (a transposed convolution of the 1x1 latent) ->
// filters/2 x 14 x 14 -> C x 28 x 28, with the config's normalisation, activation, depth and
// output layer.
struct DcganVariantGeneratorImpl : ImageModuleImpl {
  explicit DcganVariantGeneratorImpl(const ModelConfig &c) {
    net->push_back(nn::ConvTranspose2d(
        nn::ConvTranspose2dOptions(c.latent, c.filters, 7).bias(c.norm == "none")));
    push_zoo_norm_activation(net, c, c.filters);
    push_zoo_stages(net, c, {c.filters, c.filters / 2});
    register_module("net", net);
  }
  torch::Tensor forward(torch::Tensor z) override {
    const torch::Tensor x = z.view({z.size(0), z.size(1), 1, 1});
    return plan ? plan->forward(x) : net->forward(x);
  }
  // Layers the inference form does not compile run as trained (research generators).
  void prepare_for_inference() override {
    try {
      plan = std::make_shared<FoldedSequential>(net);
    } catch (const Error &) {
      plan.reset();
    }
  }
  nn::Sequential net;
  std::shared_ptr<FoldedSequential> plan;
};

struct DcganDiscriminatorImpl : ImageModuleImpl {
  explicit DcganDiscriminatorImpl(const ModelConfig &c)
      : net(nn::Conv2d(nn::Conv2dOptions(c.channels, 64, 4).stride(2).padding(1).bias(false)),
            nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
            nn::Conv2d(nn::Conv2dOptions(64, 128, 4).stride(2).padding(1).bias(false)),
            nn::BatchNorm2d(128), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
            nn::Conv2d(nn::Conv2dOptions(128, 256, 4).stride(2).padding(1).bias(false)),
            nn::BatchNorm2d(256), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
            nn::Conv2d(nn::Conv2dOptions(256, 1, 3).stride(1).padding(0).bias(false))) {
    register_module("net", net);
  }
  torch::Tensor forward(torch::Tensor x) override {
    return (plan ? plan->forward(x) : net->forward(x)).view({-1});
  }
  void prepare_for_inference() override { plan = std::make_shared<FoldedSequential>(net); }
  nn::Sequential net;
  std::shared_ptr<FoldedSequential> plan;
};

// The first layer sees the image and its high-pass residual (image minus its 3x3 local mean):
// generators leave their traces in the residual (upsampling checkerboards, per-pixel noise),
// and a residual view helps the detector generalise to generators it never saw.
//
// With input "npr" it also sees the neighbouring-pixel residual (NPR, Tan et al. CVPR 2024):
// the image minus the nearest-neighbour enlargement of its every other pixel, which isolates
// the correlation that 2x upsampling leaves between neighbouring pixels, whatever the
// generator's family.
struct DetectorImpl : ImageModuleImpl {
  explicit DetectorImpl(const ModelConfig &c)
      : npr(c.input == "npr"),
        net(nn::Conv2d(nn::Conv2dOptions((npr ? 3 : 2) * c.channels, 24, 3).padding(1)),
            nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
            nn::Conv2d(nn::Conv2dOptions(24, 48, 4).stride(2).padding(1).bias(false)),
            nn::BatchNorm2d(48), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
            nn::Conv2d(nn::Conv2dOptions(48, 96, 4).stride(2).padding(1).bias(false)),
            nn::BatchNorm2d(96), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
            nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)), nn::Flatten(),
            nn::Linear(96, 1)) {
    register_module("net", net);
  }
  torch::Tensor forward(torch::Tensor x) override {
    const torch::Tensor local_mean =
        torch::avg_pool2d(torch::replication_pad2d(x, {1, 1, 1, 1}), {3, 3}, {1, 1});
    torch::Tensor in;
    if (npr) {
      const int64_t h = x.size(2), w = x.size(3);
      const torch::Tensor every_other = x.slice(2, 0, h, 2).slice(3, 0, w, 2);
      const torch::Tensor enlarged =
          torch::upsample_nearest2d(every_other, {2 * every_other.size(2), 2 * every_other.size(3)})
              .slice(2, 0, h)
              .slice(3, 0, w);
      in = torch::cat({x, x - local_mean, x - enlarged}, 1);
    } else {
      in = torch::cat({x, x - local_mean}, 1);
    }
    return (plan ? plan->forward(in) : net->forward(in)).view({-1});
  }
  void prepare_for_inference() override { plan = std::make_shared<FoldedSequential>(net); }
  bool npr;
  nn::Sequential net;
  std::shared_ptr<FoldedSequential> plan;
};

} // namespace

void dcgan_init(torch::nn::Module &module) {
  torch::NoGradGuard no_grad;
  for (auto &m : module.modules(/*include_self=*/false)) {
    const std::string name = m->name();
    if (name.find("Conv") != std::string::npos) {
      for (auto &p : m->named_parameters(false))
        if (p.key() == "weight")
          p.value().normal_(0.0, 0.02);
    } else if (name.find("BatchNorm") != std::string::npos) {
      m->named_parameters(false)["weight"].normal_(1.0, 0.02);
      m->named_parameters(false)["bias"].zero_();
    }
  }
}

ClassifierImpl::ClassifierImpl(const ModelConfig &c, int64_t classes)
    : body(nn::Conv2d(nn::Conv2dOptions(c.channels, 32, 3).padding(1).bias(false)),
           nn::BatchNorm2d(32), nn::ReLU(true), nn::MaxPool2d(nn::MaxPool2dOptions(2)),
           nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1).bias(false)), nn::BatchNorm2d(64),
           nn::ReLU(true), nn::MaxPool2d(nn::MaxPool2dOptions(2)),
           nn::Conv2d(nn::Conv2dOptions(64, 64, 3).padding(1).bias(false)), nn::BatchNorm2d(64),
           nn::ReLU(true), nn::Flatten(), nn::Linear(64 * 7 * 7, kFeatures), nn::ReLU(true)),
      dropout(nn::DropoutOptions(0.4)), head(nn::Linear(kFeatures, classes)) {
  register_module("body", body);
  register_module("dropout", dropout);
  register_module("head", head);
}

torch::Tensor ClassifierImpl::features(torch::Tensor x) { return body->forward(x); }

torch::Tensor ClassifierImpl::forward(torch::Tensor x) { return head(dropout(features(x))); }

ImageModule build_detector(const ModelConfig &config) {
  validate_config(config);
  if (!is_arch(config, Arch::Detector))
    throw Error(ErrorCode::InvalidArgument, "build_detector needs the detector architecture");
  return std::make_shared<DetectorImpl>(config);
}

Gan build_gan(const ModelConfig &config) {
  validate_config(config);
  const ArchTraits &arch = arch_of(config);
  if (!arch.gan)
    throw Error(ErrorCode::InvalidArgument, "'" + config.arch + "' is not a GAN architecture");
  if (arch.arch == Arch::Field)
    return build_field_gan(config);
  Gan gan;
  gan.config = config;
  if (arch.arch == Arch::Mlp) {
    gan.generator = std::make_shared<MlpGeneratorImpl>(config);
    gan.discriminator = std::make_shared<MlpDiscriminatorImpl>(config);
  } else if (config.upsample == "nearest") { // the classic DCGAN
    gan.generator = std::make_shared<DcganGeneratorImpl>(config);
    gan.discriminator = std::make_shared<DcganDiscriminatorImpl>(config);
    dcgan_init(*gan.generator);
    dcgan_init(*gan.discriminator);
  } else {
    auto g = std::make_shared<DcganVariantGeneratorImpl>(config);
    zoo_init(*g, g->net, config);
    gan.generator = g;
    gan.discriminator = std::make_shared<DcganDiscriminatorImpl>(config);
    dcgan_init(*gan.discriminator);
  }
  return gan;
}

} // namespace gan
