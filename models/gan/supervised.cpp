// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/supervised.h"

#include "gan/augment.h"
#include "gan/error.h"
#include "gan/image_tensors.h"
#include "gan/latents.h"
#include "gan/nets.h"
#include "gan/weights.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

namespace gan {

namespace {

namespace F = torch::nn::functional;

constexpr uint64_t kShuffleStream = 0x73757065ull; // "supe"

torch::Tensor as_tensor(const ImageSet &set) {
  return torch::from_blob(const_cast<uint8_t *>(set.pixels.data()),
                          {set.count, set.channels, set.height, set.width}, torch::kUInt8);
}

void check_set(const ImageSet &set, const char *what) {
  if (set.count < 1 || set.pixels.size() != static_cast<size_t>(set.count * set.image_size()))
    throw Error(ErrorCode::InvalidArgument, std::string(what) + " holds no usable images");
}

void check_options(const SupervisedOptions &o) {
  if (o.epochs < 1 || o.batch_size < 1 || !(o.lr > 0) || !(o.lr_decay > 0 && o.lr_decay <= 1))
    throw Error(ErrorCode::InvalidArgument, "bad training options");
}

void set_lr(torch::optim::Adam &opt, double lr) {
  for (auto &group : opt.param_groups())
    static_cast<torch::optim::AdamOptions &>(group.options()).lr(lr);
}

// Random horizontal flips and shifts of up to `shift` pixels (zero fill), per image.
torch::Tensor flip_and_shift(const torch::Tensor &batch, int64_t shift, at::Generator &rng) {
  const int64_t n = batch.size(0), h = batch.size(2), w = batch.size(3);
  const torch::Tensor flips = torch::rand({n}, rng) < 0.5;
  torch::Tensor x = torch::where(flips.view({n, 1, 1, 1}), batch.flip(3), batch);
  if (shift == 0)
    return x;
  const torch::Tensor padded = F::pad(x, F::PadFuncOptions({shift, shift, shift, shift}));
  const torch::Tensor offsets = torch::randint(0, 2 * shift + 1, {n, 2}, rng);
  const auto off = offsets.accessor<int64_t, 2>();
  torch::Tensor out = torch::empty_like(x);
  for (int64_t i = 0; i < n; ++i)
    out[i] = padded[i].slice(1, off[i][0], off[i][0] + h).slice(2, off[i][1], off[i][1] + w);
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The schedule both helper networks share: per epoch a seeded shuffle of n examples, one Adam
// step per full batch (loss_of(batch indices, rng) gives its loss), then evaluate() in
// inference mode for the epoch's metric, the callback and the learning-rate decay. Returns the
// last epoch's metric.
template <typename LossOf, typename Evaluate>
double fit(torch::nn::Module &net, torch::optim::Adam &opt, int64_t n, const SupervisedOptions &o,
           const EpochCallback &on_epoch, LossOf loss_of, Evaluate evaluate) {
  double lr = o.lr, metric = 0;
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    net.train();
    auto rng = make_rng(o.seed, kShuffleStream, static_cast<uint64_t>(epoch));
    const torch::Tensor perm = torch::randperm(n, rng, torch::kInt64);
    double loss_sum = 0;
    int64_t batches = 0;
    for (int64_t first = 0; first + o.batch_size <= n; first += o.batch_size) {
      opt.zero_grad();
      const torch::Tensor loss = loss_of(perm.slice(0, first, first + o.batch_size), rng);
      loss.backward();
      opt.step();
      loss_sum += loss.item<double>();
      ++batches;
    }
    const double rate = static_cast<double>(batches * o.batch_size) / seconds_since(t0);
    {
      c10::InferenceMode guard;
      net.eval();
      metric = evaluate();
    }
    if (on_epoch)
      on_epoch(
          {epoch + 1, loss_sum / static_cast<double>(std::max<int64_t>(1, batches)), metric, rate});
    lr *= o.lr_decay;
    set_lr(opt, lr);
  }
  return metric;
}

} // namespace

ModelFile train_classifier(const ImageSet &train, const std::vector<uint8_t> &labels,
                           const ImageSet &test, const std::vector<uint8_t> &test_labels,
                           const SupervisedOptions &o, const EpochCallback &on_epoch) {
  check_options(o);
  check_set(train, "the training set");
  check_set(test, "the test set");
  if (labels.size() != static_cast<size_t>(train.count) ||
      test_labels.size() != static_cast<size_t>(test.count))
    throw Error(ErrorCode::InvalidArgument, "image and label counts differ");
  const int64_t classes = 1 + *std::max_element(labels.begin(), labels.end());
  if (classes < 2)
    throw Error(ErrorCode::InvalidArgument, "the labels name fewer than two classes");
  const ModelConfig config{"classifier", 0, train.channels, train.height, train.width};
  validate_config(config);

  torch::manual_seed(o.seed);
  Classifier net(config, classes);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(o.lr));
  const torch::Tensor x_all = as_tensor(train);
  const torch::Tensor y_all =
      torch::from_blob(const_cast<uint8_t *>(labels.data()), {train.count}, torch::kUInt8)
          .to(torch::kInt64);
  const torch::Tensor x_test = from_uint8(as_tensor(test));
  const torch::Tensor y_test =
      torch::from_blob(const_cast<uint8_t *>(test_labels.data()), {test.count}, torch::kUInt8)
          .to(torch::kInt64);

  const double accuracy = fit(
      *net, opt, train.count, o, on_epoch,
      [&](const torch::Tensor &idx, at::Generator &rng) {
        const torch::Tensor x = flip_and_shift(from_uint8(x_all.index_select(0, idx)), 2, rng);
        return F::cross_entropy(net->forward(x), y_all.index_select(0, idx));
      },
      [&] {
        int64_t correct = 0;
        for (int64_t first = 0; first < test.count; first += 1000) {
          const int64_t last = std::min(test.count, first + 1000);
          const torch::Tensor pred = net->forward(x_test.slice(0, first, last)).argmax(1);
          correct += pred.eq(y_test.slice(0, first, last)).sum().item<int64_t>();
        }
        return static_cast<double>(correct) / static_cast<double>(test.count);
      });
  Provenance p = provenance_now(train.source, o.epochs * (train.count / o.batch_size), o.seed);
  p.metrics["test_accuracy"] = accuracy;
  net->eval();
  return classifier_to_file(net, config, classes, p);
}

ModelFile train_detector(const ImageSet &real, const ImageSet &fake, const SupervisedOptions &o,
                         const EpochCallback &on_epoch, const std::string &input) {
  check_options(o);
  check_set(real, "the real set");
  check_set(fake, "the fake set");
  if (real.channels != fake.channels || real.height != fake.height || real.width != fake.width)
    throw Error(ErrorCode::InvalidArgument, "real and fake images differ in shape");
  ModelConfig config{"detector", 0, real.channels, real.height, real.width};
  config.input = input;
  validate_config(config);

  // Hold out the last 5% of each class, clean, to watch generalisation.
  const int64_t real_val = std::max<int64_t>(1, real.count / 20);
  const int64_t fake_val = std::max<int64_t>(1, fake.count / 20);
  const torch::Tensor real_all = as_tensor(real), fake_all = as_tensor(fake);
  const torch::Tensor x_all = torch::cat(
      {real_all.slice(0, 0, real.count - real_val), fake_all.slice(0, 0, fake.count - fake_val)});
  const torch::Tensor y_all =
      torch::cat({torch::zeros({real.count - real_val}), torch::ones({fake.count - fake_val})});
  const torch::Tensor x_val = from_uint8(torch::cat(
      {real_all.slice(0, real.count - real_val), fake_all.slice(0, fake.count - fake_val)}));
  const torch::Tensor y_val = torch::cat({torch::zeros({real_val}), torch::ones({fake_val})});
  const int64_t n = x_all.size(0);

  torch::manual_seed(o.seed);
  ImageModule net = build_detector(config);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(o.lr).betas({0.5, 0.999}));
  std::mt19937_64 degrade(o.seed);
  const double accuracy = fit(
      *net, opt, n, o, on_epoch,
      [&](const torch::Tensor &idx, at::Generator &rng) {
        torch::Tensor pixels = x_all.index_select(0, idx).contiguous();
        uint8_t *p = pixels.data_ptr<uint8_t>();
        for (int64_t i = 0; i < idx.size(0); ++i)
          random_degradation({p + i * real.image_size(), real.channels, real.height, real.width},
                             degrade, o.codec);
        const torch::Tensor x = flip_and_shift(from_uint8(pixels), 0, rng);
        return F::binary_cross_entropy_with_logits(net->forward(x), y_all.index_select(0, idx));
      },
      [&] {
        const torch::Tensor pred = (net->forward(x_val) > 0).to(torch::kFloat32);
        return pred.eq(y_val).to(torch::kFloat32).mean().item<double>();
      });
  Provenance p =
      provenance_now(real.source + " vs " + fake.source, o.epochs * (n / o.batch_size), o.seed);
  p.metrics["validation_accuracy"] = accuracy;
  net->eval();
  return detector_to_file(net, config, p);
}

void shift_detector_logit(ModelFile &file, double logit) {
  if (file.kind != "detector" || !std::isfinite(logit))
    throw Error(ErrorCode::InvalidArgument, "only a detector's logit can be shifted, by a number");
  ImageModule net = detector_from_file(file);
  std::shared_ptr<torch::nn::LinearImpl> last;
  for (const auto &m : net->modules(/*include_self=*/false))
    if (auto l = std::dynamic_pointer_cast<torch::nn::LinearImpl>(m))
      last = l;
  if (!last || !last->options.bias() || last->bias.numel() != 1)
    throw Error(ErrorCode::InvalidArgument, "the detector has no single-logit output layer");
  {
    torch::NoGradGuard no_grad;
    last->bias.sub_(logit);
  }
  Provenance p = file.provenance;
  p.metrics["calibration_logit"] += logit;
  const std::map<std::string, std::string> attributes = file.attributes;
  file = detector_to_file(net, file.config, p);
  file.attributes = attributes;
}

} // namespace gan
