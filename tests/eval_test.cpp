// SPDX-License-Identifier: LGPL-2.1-or-later
// The statistics of `gst-gan eval`, the degradations, and the helper networks' training.

#include "test_util.h"

#include "gan/augment.h"
#include "gan/metrics.h"
#include "gan/model_file.h"
#include "gan/nets.h"
#include "gan/runtime.h"
#include "gan/supervised.h"
#include "gan/weights.h"

#include <algorithm>
#include <numeric>

namespace {

using gan_test::TempDir;

TEST(Metrics, FrechetDistanceMatchesTheClosedForm) {
  torch::manual_seed(1);
  const torch::Tensor a = torch::randn({20000, 4});
  EXPECT_NEAR(gan::frechet_distance(a, a), 0.0, 1e-6);
  // N(0, I) vs N(0, 4I) in 4 dims: sum over dims of (1 + 4 - 2*sqrt(1*4)) = 4.
  const torch::Tensor b = torch::randn({20000, 4}) * 2;
  EXPECT_NEAR(gan::frechet_distance(a, b), 4.0, 0.3);
  // A mean shift adds |mu|^2: (1, 2, 0, 0) -> 5.
  const torch::Tensor c = torch::randn({20000, 4}) + torch::tensor({1.0f, 2.0f, 0.0f, 0.0f});
  EXPECT_NEAR(gan::frechet_distance(a, c), 5.0, 0.3);
}

TEST(Metrics, PrecisionAndRecallSeeModeCollapse) {
  torch::manual_seed(2);
  // Real data has two modes; the "generator" covers one of them.
  const torch::Tensor real =
      torch::cat({torch::randn({500, 2}) * 0.1, torch::randn({500, 2}) * 0.1 + 10});
  const torch::Tensor collapsed = torch::randn({1000, 2}) * 0.1;
  const auto [precision, recall] = gan::precision_recall(real, collapsed, 3);
  EXPECT_GT(precision, 0.95);
  EXPECT_NEAR(recall, 0.5, 0.05);
  // Samples far from everything real have no precision.
  const auto far = gan::precision_recall(real, torch::randn({1000, 2}) * 0.1 + 50, 3);
  EXPECT_EQ(far.first, 0.0);
  EXPECT_EQ(far.second, 0.0);
}

TEST(Metrics, NearestDistances) {
  const torch::Tensor refs = torch::tensor({0.0f, 0.0f, 3.0f, 4.0f}).view({2, 2});
  const torch::Tensor q = torch::tensor({3.0f, 4.0f, 0.0f, 1.0f, 6.0f, 8.0f}).view({3, 2});
  const torch::Tensor d = gan::nearest_distances(q, refs);
  EXPECT_NEAR(d[0].item<float>(), 0.0f, 1e-3);
  EXPECT_NEAR(d[1].item<float>(), 1.0f, 1e-4);
  EXPECT_NEAR(d[2].item<float>(), 5.0f, 1e-4);
}

TEST(Metrics, BinaryScoresOnAHandWorkedExample) {
  // Fakes outscore reals in 3 of 4 pairs; ranked: 2 (F), 1 (R), 0.5 (F), 0 (R).
  const gan::BinaryScores s =
      gan::binary_scores(torch::tensor({0.0, 1.0}), torch::tensor({0.5, 2.0}), 0.75);
  EXPECT_DOUBLE_EQ(s.auc, 0.75);
  EXPECT_NEAR(s.ap, (1.0 + 2.0 / 3.0) / 2.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.accuracy, 0.75); // at logit 0: real 0 counts as real, real 1 does not
  EXPECT_DOUBLE_EQ(s.tpr_at_threshold, 0.5);
  EXPECT_DOUBLE_EQ(s.fpr_at_threshold, 0.5);
  EXPECT_DOUBLE_EQ(gan::binary_scores(torch::zeros({5}), torch::zeros({5}), 0).auc, 0.5);
  EXPECT_DOUBLE_EQ(gan::binary_scores(torch::ones({5}), -torch::ones({5}), 0).auc, 0.0);
}

std::vector<uint8_t> checkerboard(int64_t h, int64_t w) {
  std::vector<uint8_t> img(static_cast<size_t>(h * w));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      img[static_cast<size_t>(y * w + x)] = ((x + y) % 2) ? 200 : 40;
  return img;
}

double variance(const std::vector<uint8_t> &v) {
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double s = 0;
  for (uint8_t x : v)
    s += (x - mean) * (x - mean);
  return s / static_cast<double>(v.size());
}

TEST(Degradations, BlurRescaleAndJpegDoWhatTheySay) {
  std::vector<uint8_t> flat(28 * 28, 117);
  gan::gaussian_blur({flat.data(), 1, 28, 28}, 1.0);
  gan::rescale_roundtrip({flat.data(), 1, 28, 28}, 2.0);
  for (uint8_t v : flat)
    ASSERT_EQ(v, 117); // constant images stay constant

  std::vector<uint8_t> board = checkerboard(28, 28);
  gan::gaussian_blur({board.data(), 1, 28, 28}, 1.0);
  EXPECT_LT(variance(board), 0.05 * variance(checkerboard(28, 28)));

  board = checkerboard(28, 28);
  gan::rescale_roundtrip({board.data(), 1, 28, 28}, 0.5); // below Nyquist: the pattern is lost
  EXPECT_LT(variance(board), 0.1 * variance(checkerboard(28, 28)));

  std::vector<uint8_t> rgb(3 * 16 * 24);
  for (size_t i = 0; i < rgb.size(); ++i)
    rgb[i] = static_cast<uint8_t>(i < rgb.size() / 3 ? 220 : 30); // red
  std::vector<uint8_t> hq = rgb, lq = rgb;
  gan::jpeg_roundtrip({hq.data(), 3, 16, 24}, 100);
  gan::jpeg_roundtrip({lq.data(), 3, 16, 24}, 5);
  int max_hq = 0;
  for (size_t i = 0; i < rgb.size(); ++i)
    max_hq = std::max(max_hq, std::abs(hq[i] - rgb[i]));
  EXPECT_LE(max_hq, 6);
  board = checkerboard(16, 16);
  std::vector<uint8_t> jpeg = board;
  gan::jpeg_roundtrip({jpeg.data(), 1, 16, 16}, 10);
  EXPECT_NE(jpeg, board);
}

TEST(HelperNetworks, ClassifierAndDetectorFilesRoundTrip) {
  TempDir dir;
  const gan::ModelConfig cc{"classifier", 0, 1, 28, 28};
  torch::manual_seed(4);
  gan::Classifier c(cc, 10);
  c->eval();
  gan::ModelFile f = gan::classifier_to_file(c, cc, 10, {});
  gan::write_model_file(dir.file("c.gan"), f);
  gan::Classifier back = gan::classifier_from_file(gan::read_model_file(dir.file("c.gan")));
  back->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::rand({3, 1, 28, 28}) * 2 - 1;
  EXPECT_TRUE(torch::equal(c->forward(x), back->forward(x)));
  EXPECT_EQ(back->features(x).sizes(), (std::vector<int64_t>{3, gan::ClassifierImpl::kFeatures}));
  // A classifier is neither a generator nor a detector.
  gan_test::expect_error([&] { gan::Generator::load(dir.file("c.gan")); },
                         gan::ErrorCode::WrongKind);
  gan_test::expect_error([&] { gan::Detector::load(dir.file("c.gan")); },
                         gan::ErrorCode::WrongKind);

  const gan::ModelConfig dc{"detector", 0, 1, 28, 28};
  gan::ImageModule d = gan::build_detector(dc);
  d->eval();
  gan::write_model_file(dir.file("d.gan"),
                        *std::make_unique<gan::ModelFile>(gan::detector_to_file(d, dc, {})));
  auto runtime = gan::Detector::load(dir.file("d.gan"));
  std::vector<float> logits(3);
  runtime->score(x.contiguous().data_ptr<float>(), 3, logits.data());
  const torch::Tensor want = d->forward(x); // a detector's logit already says "fake"
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(logits[static_cast<size_t>(i)], want[i].item<float>(), 1e-5);
}

gan::ImageSet stripes(int64_t count, bool vertical, uint32_t seed) {
  gan::ImageSet set = gan_test::pattern_images(count, 28, 28, seed);
  if (vertical)
    return set;
  for (int64_t i = 0; i < count; ++i) // transpose: bright top half instead of left half
    for (int64_t y = 0; y < 28; ++y)
      for (int64_t x = y + 1; x < 28; ++x)
        std::swap(set.pixels[static_cast<size_t>(i * 784 + y * 28 + x)],
                  set.pixels[static_cast<size_t>(i * 784 + x * 28 + y)]);
  return set;
}

TEST(HelperNetworks, ClassifierLearnsASeparableTask) {
  gan::ImageSet train = stripes(128, true, 1), other = stripes(128, false, 2);
  train.pixels.insert(train.pixels.end(), other.pixels.begin(), other.pixels.end());
  train.count = 256;
  std::vector<uint8_t> labels(256, 0);
  std::fill(labels.begin() + 128, labels.end(), 1);
  gan::SupervisedOptions o;
  o.epochs = 2;
  o.batch_size = 32;
  int64_t epochs_seen = 0;
  const gan::ModelFile f = gan::train_classifier(train, labels, train, labels, o,
                                                 [&](const gan::EpochReport &) { ++epochs_seen; });
  EXPECT_EQ(epochs_seen, 2);
  EXPECT_EQ(f.kind, "classifier");
  EXPECT_GE(f.provenance.metrics.at("test_accuracy"), 0.95);
}

TEST(HelperNetworks, DetectorLearnsRealFromFake) {
  const gan::ImageSet real = stripes(400, true, 3);
  gan::ImageSet fake = real;
  std::mt19937 rng(5);
  for (uint8_t &p : fake.pixels) // fakes: the same images with a checkerboard of +-24
    p = static_cast<uint8_t>(
        std::clamp<int>(p + ((&p - fake.pixels.data()) % 2 ? 24 : -24), 0, 255));
  gan::SupervisedOptions o;
  o.epochs = 3;
  o.batch_size = 32;
  const gan::ModelFile f = gan::train_detector(real, fake, o, nullptr);
  EXPECT_EQ(f.kind, "detector");
  EXPECT_GE(f.provenance.metrics.at("validation_accuracy"), 0.9);
}

} // namespace
