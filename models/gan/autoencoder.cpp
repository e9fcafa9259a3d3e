// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/autoencoder.h"

#include "gan/error.h"
#include "gan/field_nets.h"
#include "gan/latents.h"
#include "gan/model_file.h"
#include "gan/weights.h"

#include <torch/torch.h>

#include <cstring>

namespace gan {

namespace {

namespace nn = torch::nn;

constexpr const char *kKind = "autoencoder";

// Image -> code of `latent` channels at 1/8 of its size.
struct EncoderImpl : ImageModuleImpl {
  explicit EncoderImpl(const ModelConfig &c) {
    const int64_t f = c.filters;
    const auto lrelu = [] { return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)); };
    net->push_back(nn::Conv2d(nn::Conv2dOptions(c.channels, f / 4, 3).padding(1)));
    net->push_back(lrelu());
    for (const auto &[in, out] :
         {std::pair<int64_t, int64_t>{f / 4, f / 4}, {f / 4, f / 2}, {f / 2, f}}) {
      net->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 4).stride(2).padding(1)));
      net->push_back(lrelu());
    }
    net->push_back(nn::Conv2d(nn::Conv2dOptions(f, c.latent, 3).padding(1)));
    register_module("net", net);
  }
  torch::Tensor forward(torch::Tensor x) override { return net->forward(x); }
  nn::Sequential net;
};

struct Networks {
  ImageModule encoder, decoder;
};

Networks build(const ModelConfig &config) {
  validate_config(config);
  if (!is_arch(config, Arch::Autoencoder))
    throw Error(ErrorCode::InvalidArgument, "an autoencoder needs the autoencoder architecture");
  Networks n;
  n.encoder = std::make_shared<EncoderImpl>(config);
  n.decoder = build_field_decoder(config);
  return n;
}

void check_size(int64_t height, int64_t width) {
  if (height < 8 || width < 8 || height % 8 || width % 8)
    throw Error(ErrorCode::InvalidArgument,
                "an autoencoder reconstructs images whose sides are multiples of 8, not " +
                    std::to_string(width) + "x" + std::to_string(height));
}

} // namespace

void train_autoencoder(TrainingImages &data, const AutoencoderOptions &o, const std::string &out,
                       const std::function<void(int64_t, double)> &progress) {
  const ModelConfig &c = o.config;
  if (data.channels() != c.channels || data.height() != c.height || data.width() != c.width)
    throw Error(ErrorCode::InvalidArgument,
                "the data's images are " + std::to_string(data.channels()) + "x" +
                    std::to_string(data.height()) + "x" + std::to_string(data.width()) +
                    " (CxHxW) but the autoencoder takes " + std::to_string(c.channels) + "x" +
                    std::to_string(c.height) + "x" + std::to_string(c.width));
  if (o.batch_size < 1 || o.steps < 1)
    throw Error(ErrorCode::InvalidArgument, "batch size and steps must be at least 1");
  torch::manual_seed(o.seed); // initial weights come from the global RNG
  Networks n = build(c);
  n.encoder->train();
  n.decoder->train();
  std::vector<torch::Tensor> params = n.encoder->parameters();
  for (const torch::Tensor &p : n.decoder->parameters())
    params.push_back(p);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(o.lr).betas({0.9, 0.999}));
  std::vector<float> batch(static_cast<size_t>(o.batch_size * c.channels * c.height * c.width));
  for (int64_t step = 0; step < o.steps; ++step) {
    data.batch(o.seed, step, o.batch_size, batch.data());
    const torch::Tensor x =
        torch::from_blob(batch.data(), {o.batch_size, c.channels, c.height, c.width});
    adam.zero_grad();
    const torch::Tensor loss = (n.decoder->forward(n.encoder->forward(x)) - x).abs().mean();
    loss.backward();
    adam.step();
    if (progress)
      progress(step + 1, loss.item<double>());
  }
  ModelFile f;
  f.kind = kKind;
  f.config = c;
  f.provenance = provenance_now(data.source(), o.steps, o.seed);
  store_module(f, "encoder", *n.encoder);
  store_module(f, "decoder", *n.decoder);
  write_model_file(out, f);
}

struct Reconstructor::Impl {
  ModelConfig config;
  std::string path, id;
  Networks nets;
};

Reconstructor::Reconstructor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reconstructor::~Reconstructor() = default;

std::unique_ptr<Reconstructor> Reconstructor::load(const std::string &path) {
  const ModelFile f = read_model_file(path);
  if (f.kind != kKind)
    throw Error(ErrorCode::WrongKind,
                "'" + path + "' is a " + f.kind + " model file, not an autoencoder");
  auto impl = std::make_unique<Impl>();
  impl->config = f.config;
  impl->path = path;
  impl->id = std::string(kKind) + ":" + f.checksum.substr(0, 12);
  impl->nets = build(f.config);
  load_module(f, "encoder", *impl->nets.encoder);
  load_module(f, "decoder", *impl->nets.decoder);
  impl->nets.encoder->eval();
  impl->nets.decoder->eval();
  return std::unique_ptr<Reconstructor>(new Reconstructor(std::move(impl)));
}

const ModelConfig &Reconstructor::config() const { return impl_->config; }
const std::string &Reconstructor::path() const { return impl_->path; }
const std::string &Reconstructor::id() const { return impl_->id; }

void Reconstructor::reconstruct(const float *in, int64_t n, int64_t height, int64_t width,
                                float *out) {
  check_size(height, width);
  c10::InferenceMode guard;
  const int64_t c = impl_->config.channels;
  const torch::Tensor x = torch::from_blob(const_cast<float *>(in), {n, c, height, width}).clone();
  const torch::Tensor y =
      impl_->nets.decoder->forward(impl_->nets.encoder->forward(x)).clamp(-1, 1).contiguous();
  if (y.sizes() != x.sizes())
    throw Error(ErrorCode::Inference, "autoencoder '" + impl_->path + "' returned " +
                                          c10::str(y.sizes()) + " for " + c10::str(x.sizes()));
  std::memcpy(out, y.data_ptr<float>(), static_cast<size_t>(y.numel()) * sizeof(float));
}

} // namespace gan
