// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/eval.h"

#include "gan/augment.h"
#include "gan/dataset.h"
#include "gan/error.h"
#include "gan/image_tensors.h"
#include "gan/latents.h"
#include "gan/metrics.h"
#include "gan/model_file.h"
#include "gan/nets.h"
#include "gan/runtime.h"
#include "gan/weights.h"

#include <algorithm>

namespace gan {

struct Evaluator::Impl {
  int64_t n = 0;
  Classifier classifier{nullptr};
  ImageSet test, train;
  std::vector<uint8_t> test_labels;
  torch::Tensor test_u8;    // [n, C, H, W] uint8, the first n test images
  torch::Tensor test_feat;  // classifier features of those
  torch::Tensor train_flat; // all training images, [-1, 1], flattened: memorisation audit
  torch::Tensor test_nn;    // test -> train nearest distances

  torch::Tensor features(const torch::Tensor &u8) {
    c10::InferenceMode guard;
    std::vector<torch::Tensor> parts;
    for_chunks(u8.size(0), [&](int64_t first, int64_t last) {
      parts.push_back(classifier->features(from_uint8(u8.slice(0, first, last))));
    });
    return torch::cat(parts);
  }

  torch::Tensor predict(const torch::Tensor &u8) {
    c10::InferenceMode guard;
    std::vector<torch::Tensor> parts;
    for_chunks(u8.size(0), [&](int64_t first, int64_t last) {
      parts.push_back(classifier->forward(from_uint8(u8.slice(0, first, last))).argmax(1));
    });
    return torch::cat(parts);
  }

  // Samples quantised to 8 bits, as frames of a video would be.
  torch::Tensor samples(Generator &g, uint64_t seed, int64_t count) {
    const auto &c = g.info().config;
    if (c.channels != test.channels || c.height != test.height || c.width != test.width)
      throw Error(ErrorCode::InvalidArgument,
                  "generator '" + g.info().id + "' does not make images of the data's shape");
    torch::Tensor x = torch::empty({count, c.channels, c.height, c.width});
    for_chunks(count, [&](int64_t first, int64_t last) {
      g.generate(seed, static_cast<uint64_t>(first), last - first,
                 x.slice(0, first, last).data_ptr<float>());
    });
    return to_uint8(x);
  }

  torch::Tensor degrade(torch::Tensor u8, const std::function<void(ImageRef)> &fn) {
    u8 = u8.contiguous().clone();
    uint8_t *p = u8.data_ptr<uint8_t>();
    const int64_t size = u8.size(1) * u8.size(2) * u8.size(3);
    for (int64_t i = 0; i < u8.size(0); ++i)
      fn({p + i * size, u8.size(1), u8.size(2), u8.size(3)});
    return u8;
  }

  torch::Tensor scores(Detector &d, const torch::Tensor &u8) {
    const torch::Tensor x = from_uint8(u8).contiguous();
    torch::Tensor out = torch::empty({u8.size(0)});
    for_chunks(u8.size(0), [&](int64_t first, int64_t last) {
      d.score(x.slice(0, first, last).data_ptr<float>(), last - first,
              out.slice(0, first, last).data_ptr<float>());
    });
    return out;
  }
};

Evaluator::Evaluator(const std::string &classifier_path, const std::string &data_dir,
                     int64_t samples)
    : impl_(std::make_unique<Impl>()) {
  Impl &m = *impl_;
  m.classifier = classifier_from_file(read_model_file(classifier_path));
  m.classifier->eval();
  m.test = read_idx_images(data_dir + "/t10k-images-idx3-ubyte.gz");
  m.test_labels = read_idx_labels(data_dir + "/t10k-labels-idx1-ubyte.gz");
  m.train = read_idx_images(data_dir + "/train-images-idx3-ubyte.gz");
  if (samples < 10 || samples > m.test.count)
    throw Error(ErrorCode::InvalidArgument,
                "samples must be in [10, " + std::to_string(m.test.count) + "]");
  m.n = samples;
  auto all_test =
      torch::from_blob(m.test.pixels.data(),
                       {m.test.count, m.test.channels, m.test.height, m.test.width}, torch::kUInt8);
  m.test_u8 = all_test.slice(0, 0, m.n).clone();
  m.test_feat = m.features(m.test_u8);
  m.train_flat = from_uint8(torch::from_blob(m.train.pixels.data(),
                                             {m.train.count, m.train.image_size()}, torch::kUInt8));
  m.test_nn = nearest_distances(from_uint8(m.test_u8).flatten(1), m.train_flat);
}

Evaluator::~Evaluator() = default;

ReferenceQuality Evaluator::references() {
  Impl &m = *impl_;
  ReferenceQuality r;
  const torch::Tensor train_u8 = torch::from_blob(
      m.train.pixels.data(), {m.train.count, m.train.channels, m.train.height, m.train.width},
      torch::kUInt8);
  // A fixed random subset of the training set, the same size as the test sample.
  auto rng = make_rng(0, 0x666c6f6f72ull, 0); // "floor"
  const torch::Tensor pick = torch::randperm(m.train.count, rng, torch::kInt64).slice(0, 0, m.n);
  const torch::Tensor train_feat = m.features(train_u8.index_select(0, pick));
  r.fid_floor = frechet_distance(train_feat, m.test_feat);
  const auto pr = precision_recall(m.test_feat, train_feat);
  r.precision_floor = pr.first;
  r.recall_floor = pr.second;
  const torch::Tensor blurred = m.degrade(m.test_u8, [](ImageRef im) { gaussian_blur(im, 1.0); });
  r.fid_blur = frechet_distance(m.features(blurred), m.test_feat);
  const torch::Tensor labels =
      torch::from_blob(m.test_labels.data(), {m.n}, torch::kUInt8).to(torch::kInt64);
  r.classifier_accuracy = m.predict(m.test_u8).eq(labels).to(torch::kFloat64).mean().item<double>();
  return r;
}

GeneratorQuality Evaluator::generator(const std::string &model_path, uint64_t seed) {
  Impl &m = *impl_;
  auto g = Generator::load(model_path);
  GeneratorQuality q;
  q.model_id = g->info().id;
  const torch::Tensor fake = m.samples(*g, seed, m.n);
  const torch::Tensor feat = m.features(fake);
  q.fid = frechet_distance(feat, m.test_feat);
  const auto pr = precision_recall(m.test_feat, feat);
  q.precision = pr.first;
  q.recall = pr.second;
  const int64_t classes = m.classifier->head->options.out_features();
  const torch::Tensor hist =
      torch::bincount(m.predict(fake), {}, classes).to(torch::kFloat64) / static_cast<double>(m.n);
  for (int64_t c = 0; c < classes; ++c)
    q.class_fractions.push_back(hist[c].item<double>());
  const torch::Tensor gen_nn = nearest_distances(from_uint8(fake).flatten(1), m.train_flat);
  q.memorization_threshold = quantile_of(m.test_nn, 0.01);
  q.memorized_fraction =
      gen_nn.lt(q.memorization_threshold).to(torch::kFloat64).mean().item<double>();
  q.median_nn_distance_generated = quantile_of(gen_nn, 0.5);
  q.median_nn_distance_test = quantile_of(m.test_nn, 0.5);
  return q;
}

DetectorQuality Evaluator::detector(const std::string &detector_path, const std::string &dcgan_path,
                                    const std::string &mlp_path, uint64_t seed, bool bfloat16) {
  Impl &m = *impl_;
  auto d = Detector::load(detector_path, {}, bfloat16);
  auto dcgan = Generator::load(dcgan_path);
  auto mlp = Generator::load(mlp_path);
  DetectorQuality q;
  q.model_id = d->info().id;
  const int64_t half = m.n / 2;
  const torch::Tensor real_val = m.test_u8.slice(0, 0, half);
  const torch::Tensor real_test = m.test_u8.slice(0, half, 2 * half);
  // Validation fixes the threshold: 1% of clean validation reals score above it.
  q.threshold = quantile_of(m.scores(*d, real_val), 0.99);

  const torch::Tensor fakes_dcgan = m.samples(*dcgan, seed, half);
  const torch::Tensor fakes_mlp = m.samples(*mlp, seed + 1, half);
  auto jpeg = [](ImageRef im) { jpeg_roundtrip(im, 75); };
  auto rescale = [](ImageRef im) { rescale_roundtrip(im, 2.0); };
  auto add = [&](const std::string &name, const torch::Tensor &real, const torch::Tensor &fake) {
    const BinaryScores s = binary_scores(m.scores(*d, real), m.scores(*d, fake), q.threshold);
    q.conditions[name] = {s.auc, s.ap, s.accuracy, s.tpr_at_threshold, s.fpr_at_threshold};
  };
  add("a-dcgan", real_test, fakes_dcgan);
  add("b-mlp", real_test, fakes_mlp);
  const torch::Tensor real_jpeg = m.degrade(real_test, jpeg);
  add("c-jpeg75-dcgan", real_jpeg, m.degrade(fakes_dcgan, jpeg));
  add("c-jpeg75-mlp", real_jpeg, m.degrade(fakes_mlp, jpeg));
  const torch::Tensor real_rescaled = m.degrade(real_test, rescale);
  add("d-rescale2x-dcgan", real_rescaled, m.degrade(fakes_dcgan, rescale));
  add("d-rescale2x-mlp", real_rescaled, m.degrade(fakes_mlp, rescale));
  return q;
}

} // namespace gan
