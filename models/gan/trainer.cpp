// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/trainer.h"

#include "gan/diff_augment.h"
#include "gan/error.h"
#include "gan/field_nets.h"
#include "gan/image_tensors.h"
#include "gan/latents.h"
#include "gan/model_file.h"
#include "gan/nets.h"
#include "gan/weights.h"

#include <cstdio>
#include <cstring>
#include <mutex>
#include <sstream>
#include <type_traits>

namespace gan {

namespace {

namespace F = torch::nn::functional;

constexpr uint64_t kNoiseStream = 0x6e6f697365ull;   // "noise"
constexpr uint64_t kShuffleStream = 0x7368756666ull; // "shuff"
constexpr uint64_t kAugmentStream = 0x6175676d65ull; // "augme"

std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

double parse_double(const ModelFile &f, const std::string &key) {
  const std::string s = f.attribute(key);
  try {
    size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size())
      return v;
  } catch (const std::exception &) {
  }
  throw Error(ErrorCode::Corrupt, "checkpoint attribute '" + key + "' is not a number");
}

int64_t parse_int(const ModelFile &f, const std::string &key) {
  const std::string s = f.attribute(key);
  try {
    size_t used = 0;
    const long long v = std::stoll(s, &used);
    if (used == s.size())
      return v;
  } catch (const std::exception &) {
  }
  throw Error(ErrorCode::Corrupt, "checkpoint attribute '" + key + "' is not an integer");
}

// An ImageSet as training data: a fresh permutation of its images every epoch.
class ShuffledImages final : public TrainingImages {
public:
  // Takes the set's bytes: the data is held once, not once as read and once as a tensor.
  explicit ShuffledImages(ImageSet set)
      : source_(std::move(set.source)), fingerprint_(set.fingerprint()),
        bytes_(std::move(set.pixels)),
        pixels_(torch::from_blob(bytes_.data(), {set.count, set.channels, set.height, set.width},
                                 torch::kUInt8)) {
    if (set.count < 1)
      throw Error(ErrorCode::InvalidArgument, "the training data holds no images");
  }
  int64_t channels() const override { return pixels_.size(1); }
  int64_t height() const override { return pixels_.size(2); }
  int64_t width() const override { return pixels_.size(3); }
  int64_t epoch_images() const override { return pixels_.size(0); }
  std::string source() const override { return source_; }
  std::string fingerprint() const override { return fingerprint_; }

  void batch(uint64_t seed, int64_t step, int64_t n, float *out) override {
    batch_rows(seed, step, n, 0, n, out);
  }

  void batch_rows(uint64_t seed, int64_t step, int64_t n, int64_t first, int64_t count,
                  float *out) override {
    const int64_t steps_per_epoch = pixels_.size(0) / n;
    const int64_t epoch = step / steps_per_epoch;
    if (epoch != perm_epoch_) {
      auto rng = make_rng(seed, kShuffleStream, static_cast<uint64_t>(epoch));
      perm_ = torch::randperm(pixels_.size(0), rng, torch::kInt64);
      perm_epoch_ = epoch;
    }
    const int64_t at = (step % steps_per_epoch) * n + first;
    const torch::Tensor images =
        from_uint8(pixels_.index_select(0, perm_.slice(0, at, at + count)));
    std::memcpy(out, images.data_ptr<float>(), images.nbytes());
  }

private:
  std::string source_, fingerprint_;
  std::vector<uint8_t> bytes_;
  torch::Tensor pixels_; // uint8 [N, C, H, W] over bytes_, converted per batch
  int64_t perm_epoch_ = -1;
  torch::Tensor perm_;
};

void validate_options(const TrainOptions &o, const TrainingImages &data, int world_size) {
  validate_config(o.config);
  if (data.channels() != o.config.channels || data.height() != o.config.height ||
      data.width() != o.config.width)
    throw Error(ErrorCode::InvalidArgument,
                "the data's images are " + std::to_string(data.channels()) + "x" +
                    std::to_string(data.height()) + "x" + std::to_string(data.width()) +
                    " (CxHxW) but the model makes " + std::to_string(o.config.channels) + "x" +
                    std::to_string(o.config.height) + "x" + std::to_string(o.config.width));
  if (o.batch_size < 1 || o.batch_size > data.epoch_images())
    throw Error(ErrorCode::InvalidArgument, "batch size must be in [1, images per epoch = " +
                                                std::to_string(data.epoch_images()) + "]");
  if (o.batch_size % world_size != 0)
    throw Error(ErrorCode::InvalidArgument, "the global batch of " + std::to_string(o.batch_size) +
                                                " images does not split evenly over " +
                                                std::to_string(world_size) + " ranks");
  if (!(o.lr > 0) || !(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1))
    throw Error(ErrorCode::InvalidArgument, "learning rate must be > 0 and betas in [0, 1)");
  if (!(o.label_smoothing >= 0 && o.label_smoothing < 0.5))
    throw Error(ErrorCode::InvalidArgument, "label smoothing must be in [0, 0.5)");
  DiffAugment::parse(o.augment); // names an unknown policy
  if (!(o.r1_gamma >= 0 && o.r1_gamma < 1e6) || o.r1_every < 1)
    throw Error(ErrorCode::InvalidArgument, "R1 gamma must be >= 0 and its interval >= 1");
  if (!(o.ema_decay >= 0 && o.ema_decay < 1))
    throw Error(ErrorCode::InvalidArgument, "the EMA decay must be in [0, 1)");
}

torch::optim::Adam make_adam(torch::nn::Module &m, const TrainOptions &o) {
  return torch::optim::Adam(
      m.parameters(), torch::optim::AdamOptions(o.lr).betas(std::make_tuple(o.beta1, o.beta2)));
}

// LibTorch keys Adam's per-parameter state by the parameter's TensorImpl address: printed into
// a string up to 2.0 (c10::guts::to_string), the pointer itself in later versions.
using AdamStateKey = std::decay_t<decltype(std::declval<torch::optim::Adam &>().state())>::key_type;

template <typename Key> Key state_key_of(const torch::Tensor &p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream key;
    key << p.unsafeGetTensorImpl();
    return key.str();
  } else {
    return p.unsafeGetTensorImpl();
  }
}

AdamStateKey state_key(const torch::Tensor &p) { return state_key_of<AdamStateKey>(p); }

void store_adam(ModelFile &f, const std::string &prefix, const torch::optim::Adam &opt) {
  const auto &params = opt.param_groups().at(0).params();
  for (size_t i = 0; i < params.size(); ++i) {
    auto it = opt.state().find(state_key(params[i]));
    if (it == opt.state().end())
      continue; // not stepped yet
    const auto &s = static_cast<const torch::optim::AdamParamState &>(*it->second);
    const std::string name = prefix + "." + std::to_string(i);
    f.attributes[name + ".step"] = std::to_string(s.step());
    store_tensor(f, name + ".exp_avg", s.exp_avg());
    store_tensor(f, name + ".exp_avg_sq", s.exp_avg_sq());
  }
}

void load_adam(const ModelFile &f, const std::string &prefix, torch::optim::Adam &opt) {
  const auto &params = opt.param_groups().at(0).params();
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string name = prefix + "." + std::to_string(i);
    if (!f.attributes.count(name + ".step"))
      continue;
    auto s = std::make_unique<torch::optim::AdamParamState>();
    s->step(parse_int(f, name + ".step"));
    s->exp_avg(load_tensor(f, name + ".exp_avg"));
    s->exp_avg_sq(load_tensor(f, name + ".exp_avg_sq"));
    if (!s->exp_avg().sizes().equals(params[i].sizes()) ||
        !s->exp_avg_sq().sizes().equals(params[i].sizes()))
      throw Error(ErrorCode::ConfigMismatch, "optimizer state '" + name + "' has the wrong shape");
    opt.state()[state_key(params[i])] = std::move(s);
  }
}

std::vector<torch::Tensor> gradients(torch::nn::Module &m) {
  std::vector<torch::Tensor> grads;
  for (torch::Tensor &p : m.parameters()) {
    if (!p.grad().defined())
      p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  return grads;
}

std::vector<torch::Tensor> parameters_and_buffers(torch::nn::Module &m) {
  std::vector<torch::Tensor> all = m.parameters();
  for (const torch::Tensor &b : m.buffers())
    all.push_back(b);
  return all;
}

// The generator's EMA in a checkpoint: its parameters and buffers in module order.
void store_ema(ModelFile &f, torch::nn::Module &ema) {
  const std::vector<torch::Tensor> all = parameters_and_buffers(ema);
  for (size_t i = 0; i < all.size(); ++i)
    store_tensor(f, "ema." + std::to_string(i), all[i]);
}

void load_ema(const ModelFile &f, torch::nn::Module &ema) {
  std::vector<torch::Tensor> all = parameters_and_buffers(ema);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < all.size(); ++i) {
    const torch::Tensor t = load_tensor(f, "ema." + std::to_string(i));
    if (!t.sizes().equals(all[i].sizes()) || t.scalar_type() != all[i].scalar_type())
      throw Error(ErrorCode::ConfigMismatch,
                  "the generator's EMA tensor " + std::to_string(i) + " has the wrong shape");
    all[i].copy_(t);
  }
}

// What the ranks of a group must share for their steps to be one step.
std::string options_summary(const TrainOptions &o) {
  const ModelConfig &c = o.config;
  return c.arch + " latent " + std::to_string(c.latent) + " " + std::to_string(c.channels) + "x" +
         std::to_string(c.height) + "x" + std::to_string(c.width) + ", global batch " +
         std::to_string(o.batch_size) + ", seed " + std::to_string(o.seed) + ", lr " + exact(o.lr) +
         ", betas " + exact(o.beta1) + " " + exact(o.beta2) + ", label smoothing " +
         exact(o.label_smoothing) + ", augment " + o.augment + ", R1 " + exact(o.r1_gamma) +
         " every " + std::to_string(o.r1_every) + ", EMA " + exact(o.ema_decay);
}

// Initial weights come from the process-wide RNG: one trainer at a time seeds and draws it
// (ranks run as threads in the tests).
std::mutex g_init_mutex;

} // namespace

struct Trainer::Impl {
  TrainOptions options;
  std::string data_source;
  std::shared_ptr<TrainingImages> data;
  Gan gan;
  torch::optim::Adam opt_g;
  torch::optim::Adam opt_d;
  int64_t steps_done = 0;
  std::vector<StepStats> history;
  std::shared_ptr<Communicator> group; // null: one process
  DiffAugment augment;
  ImageModule ema; // the generator's moving average (null when ema_decay is 0)

  // What the model file holds and what samples and paints: the EMA when there is one.
  ImageModule &shipped_generator() { return ema ? ema : gan.generator; }

  // ema <- d * ema + (1 - d) * generator for parameters; buffers (BatchNorm's running
  // statistics) copied, as they are statistics of the current weights' activations.
  void update_ema() {
    if (!ema)
      return;
    const double t = static_cast<double>(steps_done);
    const double d = std::min(options.ema_decay, (1 + t) / (10 + t));
    torch::NoGradGuard no_grad;
    const std::vector<torch::Tensor> from = gan.generator->parameters();
    std::vector<torch::Tensor> to = ema->parameters();
    for (size_t i = 0; i < from.size(); ++i)
      to[i].mul_(d).add_(from[i], 1 - d);
    const std::vector<torch::Tensor> bf = gan.generator->buffers();
    std::vector<torch::Tensor> bt = ema->buffers();
    for (size_t i = 0; i < bf.size(); ++i)
      bt[i].copy_(bf[i]);
  }

  // A fresh generator holding a copy of the current one's parameters and buffers.
  ImageModule copy_of_generator() const {
    ImageModule copy = build_gan(options.config).generator;
    torch::NoGradGuard no_grad;
    const std::vector<torch::Tensor> src = parameters_and_buffers(*gan.generator);
    std::vector<torch::Tensor> dst = parameters_and_buffers(*copy);
    for (size_t i = 0; i < src.size(); ++i)
      dst[i].copy_(src[i]);
    copy->train();
    return copy;
  }

  int world_size() const { return group ? group->world_size() : 1; }

  // Before the first step of a group: same data, options and step everywhere, then rank 0's
  // weights (parameters and BatchNorm buffers) on every rank.
  void join_group() {
    if (world_size() == 1)
      return;
    group->check_same("the training data (fingerprint)", data->fingerprint());
    group->check_same("the training options", options_summary(options));
    group->check_same("the step to start from", std::to_string(steps_done));
    std::vector<torch::Tensor> g = parameters_and_buffers(*gan.generator);
    std::vector<torch::Tensor> d = parameters_and_buffers(*gan.discriminator);
    group->broadcast(g);
    group->broadcast(d);
    if (ema) {
      std::vector<torch::Tensor> e = parameters_and_buffers(*ema);
      group->broadcast(e);
    }
  }

  Impl(const TrainOptions &o, std::shared_ptr<TrainingImages> images, Gan g)
      : options(o), data_source(images->source()), data(std::move(images)), gan(std::move(g)),
        opt_g(make_adam(*gan.generator, o)), opt_d(make_adam(*gan.discriminator, o)),
        augment(DiffAugment::parse(o.augment)) {
    options.augment = augment.str(); // one spelling in checkpoints and between ranks
    gan.generator->train();
    gan.discriminator->train();
    if (o.ema_decay > 0)
      ema = copy_of_generator();
  }

  int64_t steps_per_epoch() const { return data->epoch_images() / options.batch_size; }

  StepStats step() {
    const int world = world_size();
    const int64_t global = options.batch_size;
    const int64_t b = global / world; // this rank's share: images and noise [first, first + b)
    const int64_t first = world == 1 ? 0 : group->rank() * b;
    const ModelConfig &c = options.config;
    const torch::Tensor real = torch::empty({b, c.channels, c.height, c.width});
    if (world == 1)
      data->batch(options.seed, steps_done, b, real.data_ptr<float>());
    else
      data->batch_rows(options.seed, steps_done, global, first, b, real.data_ptr<float>());
    auto rng = make_rng(options.seed, kNoiseStream, static_cast<uint64_t>(steps_done));
    torch::Tensor z = training_noise(c, global, rng);
    if (world > 1)
      z = z.slice(0, first, first + b).contiguous();

    // The discriminator sees everything through the augmentation: draws for the step's real
    // images, its generated images in D's step and in G's step (three purposes of one stream).
    auto aug_rng = [&](uint64_t purpose) {
      return make_rng(options.seed, kAugmentStream,
                      static_cast<uint64_t>(steps_done) * 4 + purpose);
    };
    auto seen = [&](const torch::Tensor &x, uint64_t purpose) {
      if (!augment.any())
        return x;
      at::Generator rng = aug_rng(purpose);
      return diff_augment(augment, x, rng, first, global);
    };
    const bool r1_now = options.r1_gamma > 0 && steps_done % options.r1_every == 0;

    // Discriminator: real -> 1 (smoothed), generated -> 0; a patch discriminator's every logit.
    opt_d.zero_grad();
    const torch::Tensor fake = gan.generator->forward(z);
    const torch::Tensor real_in = r1_now ? real.clone().requires_grad_(true) : real;
    const torch::Tensor d_real = gan.discriminator->forward(seen(real_in, 0));
    const torch::Tensor d_fake = gan.discriminator->forward(seen(fake.detach(), 1));
    const torch::Tensor real_target = torch::full_like(d_real, 1.0 - options.label_smoothing);
    const torch::Tensor fake_target = torch::zeros_like(d_fake);
    const torch::Tensor ones = torch::ones_like(d_fake);
    torch::Tensor d_loss = F::binary_cross_entropy_with_logits(d_real, real_target) +
                           F::binary_cross_entropy_with_logits(d_fake, fake_target);
    torch::Tensor objective = d_loss;
    if (r1_now) { // gamma/2 * E_x ||grad_x D(x)||^2, D(x) an image's mean logit, lazily scaled
      const torch::Tensor per_image = d_real.reshape({b, -1}).mean(1).sum();
      const torch::Tensor grad =
          torch::autograd::grad({per_image}, {real_in}, {}, /*retain_graph=*/true,
                                /*create_graph=*/true)[0];
      const torch::Tensor penalty = grad.pow(2).reshape({b, -1}).sum(1).mean();
      objective = objective + penalty * (options.r1_gamma / 2 * options.r1_every);
    }
    objective.backward();
    if (world > 1)
      group->average(gradients(*gan.discriminator));
    opt_d.step();

    // Generator, non-saturating: maximise log D(G(z)), i.e. BCE against "real".
    opt_g.zero_grad();
    const torch::Tensor g_loss =
        F::binary_cross_entropy_with_logits(gan.discriminator->forward(seen(fake, 2)), ones);
    g_loss.backward();
    if (world > 1)
      group->average(gradients(*gan.generator));
    opt_g.step();
    update_ema();

    ++steps_done;
    StepStats s;
    s.step = steps_done;
    s.d_loss = d_loss.item<float>();
    s.g_loss = g_loss.item<float>();
    s.d_real = torch::sigmoid(d_real.detach()).mean().item<float>();
    s.d_fake = torch::sigmoid(d_fake.detach()).mean().item<float>();
    if (world > 1) { // the means over the global batch, as one process would log them
      const torch::Tensor m = torch::tensor({s.d_loss, s.g_loss, s.d_real, s.d_fake});
      group->average({m});
      s.d_loss = m[0].item<float>();
      s.g_loss = m[1].item<float>();
      s.d_real = m[2].item<float>();
      s.d_fake = m[3].item<float>();
    }
    history.push_back(s);
    return s;
  }
};

Trainer::Trainer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::shared_ptr<TrainingImages> shuffled_images(ImageSet set) {
  return std::make_shared<ShuffledImages>(std::move(set));
}

Trainer::Trainer(const TrainOptions &options, const ImageSet &data)
    : Trainer(options, shuffled_images(data)) {}

Trainer::Trainer(const TrainOptions &options, std::shared_ptr<TrainingImages> data,
                 std::shared_ptr<Communicator> group) {
  validate_options(options, *data, group ? group->world_size() : 1);
  {
    std::lock_guard<std::mutex> lock(g_init_mutex);
    torch::manual_seed(options.seed); // initial weights come from the global RNG
    impl_ = std::make_unique<Impl>(options, std::move(data), build_gan(options.config));
  }
  impl_->group = std::move(group);
  impl_->join_group();
}

Trainer::~Trainer() = default;

std::unique_ptr<Trainer> Trainer::resume(const std::string &checkpoint, const ImageSet &data) {
  return resume(checkpoint, shuffled_images(data));
}

std::unique_ptr<Trainer> Trainer::resume(const std::string &checkpoint,
                                         std::shared_ptr<TrainingImages> data,
                                         std::shared_ptr<Communicator> group) {
  const ModelFile f = read_model_file(checkpoint);
  if (f.kind != "checkpoint")
    throw Error(ErrorCode::WrongKind,
                "'" + checkpoint + "' is a '" + f.kind + "' model file, not a training checkpoint");
  TrainOptions o;
  o.config = f.config;
  o.batch_size = parse_int(f, "batch_size");
  o.seed = std::stoull(f.attribute("seed"));
  o.lr = parse_double(f, "lr");
  o.beta1 = parse_double(f, "beta1");
  o.beta2 = parse_double(f, "beta2");
  o.label_smoothing = parse_double(f, "label_smoothing");
  if (f.attributes.count("augment")) { // checkpoints before issue 31 have none: all off
    o.augment = f.attribute("augment");
    o.r1_gamma = parse_double(f, "r1_gamma");
    o.r1_every = parse_int(f, "r1_every");
    o.ema_decay = parse_double(f, "ema_decay");
  }
  validate_options(o, *data, group ? group->world_size() : 1);
  if (f.attribute("data_fingerprint") != data->fingerprint())
    throw Error(ErrorCode::InvalidArgument, "'" + checkpoint + "' was trained on other data (" +
                                                f.attribute("data_fingerprint") +
                                                "); resume needs the same data");

  auto impl = std::make_unique<Impl>(o, std::move(data), gan_from_file(f));
  impl->data_source = f.provenance.dataset;
  impl->steps_done = parse_int(f, "steps_done");
  load_adam(f, "opt.generator", impl->opt_g);
  load_adam(f, "opt.discriminator", impl->opt_d);
  if (impl->ema)
    load_ema(f, *impl->ema);
  const torch::Tensor h = load_tensor(f, "history");
  if (h.dim() != 2 || h.size(0) != impl->steps_done || h.size(1) != 4 ||
      h.scalar_type() != torch::kFloat32)
    throw Error(ErrorCode::Corrupt, "checkpoint history does not match its step count");
  const auto acc = h.accessor<float, 2>();
  for (int64_t i = 0; i < h.size(0); ++i)
    impl->history.push_back({i + 1, acc[i][0], acc[i][1], acc[i][2], acc[i][3]});
  impl->group = std::move(group);
  impl->join_group();
  return std::unique_ptr<Trainer>(new Trainer(std::move(impl)));
}

StepStats Trainer::step() { return impl_->step(); }
const TrainOptions &Trainer::options() const { return impl_->options; }
int64_t Trainer::steps_done() const { return impl_->steps_done; }
int64_t Trainer::steps_per_epoch() const { return impl_->steps_per_epoch(); }
const std::vector<StepStats> &Trainer::history() const { return impl_->history; }

Provenance Trainer::provenance() const {
  return provenance_now(impl_->data_source, impl_->steps_done, impl_->options.seed);
}

void Trainer::save_model(const std::string &path) const {
  ModelFile f = gan_to_file(
      {impl_->gan.config, impl_->shipped_generator(), impl_->gan.discriminator}, provenance());
  f.attributes["batch_size"] = std::to_string(impl_->options.batch_size);
  f.attributes["label_smoothing"] = exact(impl_->options.label_smoothing);
  write_model_file(path, f);
}

void Trainer::save_generator(const std::string &path) const {
  ModelFile f = generator_to_file(
      {impl_->gan.config, impl_->shipped_generator(), impl_->gan.discriminator}, provenance());
  write_model_file(path, f);
}

void Trainer::save_checkpoint(const std::string &path) const {
  Impl &m = *impl_;
  ModelFile f = gan_to_file(m.gan, provenance());
  f.kind = "checkpoint";
  f.attributes["steps_done"] = std::to_string(m.steps_done);
  f.attributes["batch_size"] = std::to_string(m.options.batch_size);
  f.attributes["seed"] = std::to_string(m.options.seed);
  f.attributes["lr"] = exact(m.options.lr);
  f.attributes["beta1"] = exact(m.options.beta1);
  f.attributes["beta2"] = exact(m.options.beta2);
  f.attributes["label_smoothing"] = exact(m.options.label_smoothing);
  f.attributes["augment"] = m.options.augment;
  f.attributes["r1_gamma"] = exact(m.options.r1_gamma);
  f.attributes["r1_every"] = std::to_string(m.options.r1_every);
  f.attributes["ema_decay"] = exact(m.options.ema_decay);
  if (m.ema)
    store_ema(f, *m.ema);
  f.attributes["data_fingerprint"] = m.data->fingerprint();
  store_adam(f, "opt.generator", m.opt_g);
  store_adam(f, "opt.discriminator", m.opt_d);
  torch::Tensor h = torch::empty({static_cast<int64_t>(m.history.size()), 4});
  for (size_t i = 0; i < m.history.size(); ++i) {
    const StepStats &s = m.history[i];
    h[static_cast<int64_t>(i)] = torch::tensor({s.d_loss, s.g_loss, s.d_real, s.d_fake});
  }
  store_tensor(f, "history", h);
  write_model_file(path, f);
}

void Trainer::sample(uint64_t seed, int64_t n, float *out) {
  c10::InferenceMode guard;
  auto &g = *impl_->shipped_generator();
  g.eval();
  const torch::Tensor images = g.forward(sample_latents(impl_->options.config, seed, 0, n));
  g.train();
  std::memcpy(out, images.data_ptr<float>(), images.nbytes());
}

void Trainer::paint(uint64_t seed, uint64_t index, int64_t height, int64_t width, float *out) {
  const ModelConfig &c = impl_->options.config;
  if (!arch_of(c).paints_fields)
    throw Error(ErrorCode::InvalidArgument, "only field architectures paint any size; '" + c.arch +
                                                "' makes " + std::to_string(c.height) + "x" +
                                                std::to_string(c.width) + " images");
  c10::InferenceMode guard;
  auto &g = *impl_->shipped_generator();
  g.eval();
  const torch::Tensor image = paint_field_images(g, c, seed, index, 1, height, width);
  g.train();
  std::memcpy(out, image.data_ptr<float>(), image.nbytes());
}

} // namespace gan
