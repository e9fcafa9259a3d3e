// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/nets.h"

#include "gan/error.h"
#include "gan/field_nets.h"
#include "gan/hash.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstring>

namespace gan {

namespace {

namespace nn = torch::nn;

std::vector<int64_t> to_vector(const torch::ExpandingArray<2> &a) { return {(*a)[0], (*a)[1]}; }

// A Sequential compiled for inference (see ImageModuleImpl::prepare_for_inference).
class FoldedSequential {
public:
  explicit FoldedSequential(const nn::Sequential &seq) {
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
  }

  // Activations are applied out of place: leaky_relu_ on a oneDNN convolution's output ran 2x
  // slower (batch 16, inference mode) than leaky_relu here.
  torch::Tensor forward(torch::Tensor x) const {
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
          torch::Tensor out = torch::empty({n, l.projection_t.size(0)});
          for (int64_t i = 0; i < n; ++i) {
            torch::Tensor row = out[i];
            torch::addmv_out(row, l.projection_bias, l.projection_t, flat[i]);
          }
          x = out.view({n, l.weight.size(1), l.weight.size(2), l.weight.size(3)});
        } else {
          x = torch::conv_transpose2d(x, l.weight, l.bias, l.stride, l.padding, l.output_padding);
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
      case Kind::Linear:
        x = torch::linear(x, l.weight, l.bias);
        break;
      }
    }
    return x;
  }

private:
  enum class Kind { Conv, ConvTranspose, Relu, LeakyRelu, Tanh, GlobalAvgPool, Flatten, Linear };
  struct Layer {
    Kind kind = Kind::Relu;
    torch::Tensor weight, bias;
    std::vector<int64_t> stride, padding, output_padding;
    double slope = 0;
    torch::Tensor projection_t, projection_bias;
  };

  // Stride and padding of a plain (ungrouped, undilated, explicitly padded) convolution or
  // transposed convolution; anything else is not compiled.
  template <typename Options> static void read_geometry(const Options &o, Layer &l) {
    const auto *padding = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
    if (!padding || o.groups() != 1 || (*o.dilation())[0] != 1 || (*o.dilation())[1] != 1)
      throw Error(ErrorCode::InvalidArgument, "only plain convolutions are compiled");
    l.stride = to_vector(o.stride());
    l.padding = to_vector(*padding);
  }
  std::vector<Layer> layers_;
};

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
struct DetectorImpl : ImageModuleImpl {
  explicit DetectorImpl(const ModelConfig &c)
      : net(nn::Conv2d(nn::Conv2dOptions(2 * c.channels, 24, 3).padding(1)),
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
    const torch::Tensor in = torch::cat({x, x - local_mean}, 1);
    return (plan ? plan->forward(in) : net->forward(in)).view({-1});
  }
  void prepare_for_inference() override { plan = std::make_shared<FoldedSequential>(net); }
  nn::Sequential net;
  std::shared_ptr<FoldedSequential> plan;
};

DType dtype_of(const torch::Tensor &t) {
  switch (t.scalar_type()) {
  case torch::kFloat32:
    return DType::Float32;
  case torch::kInt64:
    return DType::Int64;
  case torch::kUInt8:
    return DType::UInt8;
  default:
    throw Error(ErrorCode::InvalidArgument,
                std::string("cannot store tensors of type ") + c10::toString(t.scalar_type()));
  }
}

torch::ScalarType scalar_type_of(DType d) {
  switch (d) {
  case DType::Float32:
    return torch::kFloat32;
  case DType::Int64:
    return torch::kInt64;
  case DType::UInt8:
    return torch::kUInt8;
  }
  return torch::kFloat32;
}

std::string shape_text(c10::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

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
  if (config.arch != "detector")
    throw Error(ErrorCode::InvalidArgument, "build_detector needs the detector architecture");
  return std::make_shared<DetectorImpl>(config);
}

ModelFile classifier_to_file(const Classifier &net, const ModelConfig &config, int64_t classes,
                             const Provenance &provenance) {
  ModelFile file;
  file.kind = "classifier";
  file.config = config;
  file.provenance = provenance;
  file.attributes["classes"] = std::to_string(classes);
  store_module(file, "classifier", *net);
  return file;
}

Classifier classifier_from_file(const ModelFile &file) {
  if (file.kind != "classifier" || file.config.arch != "classifier")
    throw Error(ErrorCode::WrongKind, "a '" + file.kind + "' model file is not a classifier");
  const std::string classes = file.attribute("classes");
  if (classes.empty() || classes.size() > 4 ||
      classes.find_first_not_of("0123456789") != std::string::npos || std::stoi(classes) < 2)
    throw Error(ErrorCode::Corrupt, "classifier file has an impossible class count");
  Classifier net(file.config, std::stoi(classes));
  load_module(file, "classifier", *net);
  return net;
}

ModelFile detector_to_file(const ImageModule &net, const ModelConfig &config,
                           const Provenance &provenance) {
  ModelFile file;
  file.kind = "detector";
  file.config = config;
  file.provenance = provenance;
  store_module(file, "detector", *net);
  return file;
}

ImageModule detector_from_file(const ModelFile &file) {
  if (file.kind != "detector")
    throw Error(ErrorCode::WrongKind, "a '" + file.kind + "' model file is not a detector");
  ImageModule net = build_detector(file.config);
  load_module(file, "detector", *net);
  return net;
}

Gan build_gan(const ModelConfig &config) {
  validate_config(config);
  if (!is_gan_arch(config.arch))
    throw Error(ErrorCode::InvalidArgument, "'" + config.arch + "' is not a GAN architecture");
  if (config.arch == "field")
    return build_field_gan(config);
  Gan gan;
  gan.config = config;
  if (config.arch == "mlp") {
    gan.generator = std::make_shared<MlpGeneratorImpl>(config);
    gan.discriminator = std::make_shared<MlpDiscriminatorImpl>(config);
  } else {
    gan.generator = std::make_shared<DcganGeneratorImpl>(config);
    gan.discriminator = std::make_shared<DcganDiscriminatorImpl>(config);
    dcgan_init(*gan.generator);
    dcgan_init(*gan.discriminator);
  }
  return gan;
}

void store_tensor(ModelFile &file, const std::string &name, const torch::Tensor &t) {
  const torch::Tensor c = t.detach().contiguous().cpu();
  file.add(name, dtype_of(c), c.sizes().vec(), c.data_ptr(), c.nbytes());
}

torch::Tensor load_tensor(const ModelFile &file, const std::string &name) {
  const TensorEntry *e = file.find(name);
  if (!e)
    throw Error(ErrorCode::Corrupt, "model file lacks the tensor '" + name + "'");
  torch::Tensor t = torch::empty(e->shape, torch::TensorOptions(scalar_type_of(e->dtype)));
  std::memcpy(t.data_ptr(), file.bytes(*e), e->nbytes);
  return t;
}

void store_module(ModelFile &file, const std::string &prefix, const torch::nn::Module &module) {
  for (const auto &p : module.named_parameters())
    store_tensor(file, prefix + "." + p.key(), p.value());
  for (const auto &b : module.named_buffers())
    store_tensor(file, prefix + "." + b.key(), b.value());
}

void load_module(const ModelFile &file, const std::string &prefix, torch::nn::Module &module) {
  torch::NoGradGuard no_grad;
  size_t expected = 0;
  auto fill = [&](const std::string &key, torch::Tensor &dst) {
    const std::string name = prefix + "." + key;
    const TensorEntry *e = file.find(name);
    if (!e)
      throw Error(ErrorCode::ConfigMismatch, "weights for '" + name +
                                                 "' are missing: the file's "
                                                 "tensors do not fit its " +
                                                 file.config.arch + " config");
    if (e->shape != dst.sizes().vec() || scalar_type_of(e->dtype) != dst.scalar_type())
      throw Error(ErrorCode::ConfigMismatch, "'" + name + "' has shape " + shape_text(e->shape) +
                                                 " but the " + file.config.arch + " config needs " +
                                                 shape_text(dst.sizes()));
    std::memcpy(dst.data_ptr(), file.bytes(*e), e->nbytes);
    ++expected;
  };
  for (auto &p : module.named_parameters())
    fill(p.key(), p.value());
  for (auto &b : module.named_buffers())
    fill(b.key(), b.value());
  size_t present = 0;
  for (const TensorEntry &e : file.tensors)
    if (e.name.compare(0, prefix.size() + 1, prefix + ".") == 0)
      ++present;
  if (present != expected)
    throw Error(ErrorCode::ConfigMismatch,
                "the file holds " + std::to_string(present) + " tensors for '" + prefix +
                    "' where the " + file.config.arch + " config has " + std::to_string(expected));
}

ModelFile gan_to_file(const Gan &gan, const Provenance &provenance) {
  ModelFile file;
  file.kind = "gan";
  file.config = gan.config;
  file.provenance = provenance;
  store_module(file, "generator", *gan.generator);
  store_module(file, "discriminator", *gan.discriminator);
  return file;
}

Gan gan_from_file(const ModelFile &file) {
  if (file.kind != "gan" && file.kind != "checkpoint")
    throw Error(ErrorCode::WrongKind, "a '" + file.kind + "' model file holds no GAN");
  Gan gan = build_gan(file.config);
  load_module(file, "generator", *gan.generator);
  load_module(file, "discriminator", *gan.discriminator);
  return gan;
}

at::Generator make_rng(uint64_t seed, uint64_t stream, uint64_t counter) {
  return at::detail::createCPUGenerator(
      splitmix64(splitmix64(seed ^ splitmix64(stream)) + counter));
}

torch::Tensor latents(uint64_t seed, uint64_t first_index, int64_t n, int64_t latent) {
  constexpr uint64_t kLatentStream = 0x6c6174656e74ull; // "latent"
  torch::Tensor z = torch::empty({n, latent});
  for (int64_t i = 0; i < n; ++i)
    z[i].normal_(0.0, 1.0, make_rng(seed, kLatentStream, first_index + static_cast<uint64_t>(i)));
  return z;
}

torch::Tensor training_noise(const ModelConfig &config, int64_t n, at::Generator &rng) {
  if (config.arch == "field")
    return field_noise(config, n, rng);
  return torch::randn({n, config.latent}, rng);
}

torch::Tensor sample_latents(const ModelConfig &config, uint64_t seed, uint64_t first_index,
                             int64_t n) {
  if (config.arch == "field")
    return field_latents(seed, first_index, n, config.latent, field_cells(config.height),
                         field_cells(config.width));
  return latents(seed, first_index, n, config.latent);
}

torch::Tensor to_uint8(const torch::Tensor &images) {
  return ((images.clamp(-1.0, 1.0) + 1.0) * 127.5).round().to(torch::kUInt8);
}

torch::Tensor from_uint8(const torch::Tensor &pixels) {
  return pixels.to(torch::kFloat32).div(127.5).sub(1.0);
}

} // namespace gan
