// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/natural_eval.h"

#include "gan/augment.h"
#include "gan/error.h"
#include "gan/metrics.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace gan {

namespace {

constexpr uint64_t kFrameStream = 0x6672616d65ull; // "frame"

// The degradations of the conditions: "" (clean), "c-jpeg75", "d-half".
const char *const kDegradations[] = {"", "c-jpeg75-", "d-half-"};

ImageSet degraded_patches(ImageSet set, const std::string &how) {
  for (int64_t i = 0; i < set.count; ++i) {
    const ImageRef im{set.pixels.data() + i * set.image_size(), set.channels, set.height,
                      set.width};
    if (how == "c-jpeg75-")
      jpeg_roundtrip(im, 75);
    else if (how == "d-half-")
      rescale_roundtrip(im, 0.5);
  }
  return set;
}

Image8 degraded_frame(const Image8 &frame, const std::string &how) {
  if (how == "d-half-")
    return resize_image(frame, frame.width / 2, frame.height / 2);
  Image8 out = frame;
  if (how == "c-jpeg75-")
    jpeg_roundtrip({out.pixels.data(), out.channels, out.height, out.width}, 75);
  return out;
}

// Patches as the model inputs they become: floats in [-1, 1].
std::vector<float> to_inputs(const ImageSet &set) {
  std::vector<float> out(set.pixels.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<float>(set.pixels[i]) / 127.5f - 1.0f;
  return out;
}

std::vector<float> score_patches(const ImageSet &set, const PatchScorer &score) {
  const std::vector<float> inputs = to_inputs(set);
  std::vector<float> logits(static_cast<size_t>(set.count));
  for (int64_t first = 0; first < set.count; first += 256) {
    const int64_t n = std::min<int64_t>(256, set.count - first);
    score(inputs.data() + first * set.image_size(), n, logits.data() + first);
  }
  return logits;
}

torch::Tensor as_tensor(const std::vector<float> &v) {
  return torch::from_blob(const_cast<float *>(v.data()), {static_cast<int64_t>(v.size())},
                          torch::kFloat32)
      .clone();
}

// The threshold giving `fpr` false positives on these real scores (the (1 - fpr) quantile).
double threshold_at(const std::vector<float> &real, double fpr) {
  std::vector<float> s = real;
  std::sort(s.begin(), s.end());
  const size_t k = std::min(
      s.size() - 1, static_cast<size_t>(std::ceil((1.0 - fpr) * static_cast<double>(s.size()))));
  return static_cast<double>(s[k]);
}

NaturalCondition condition(const std::vector<float> &real, const std::vector<float> &fake,
                           double threshold) {
  const BinaryScores b = binary_scores(as_tensor(real), as_tensor(fake), threshold);
  NaturalCondition c;
  c.auc = b.auc;
  c.ap = b.ap;
  c.tpr_at_1pct = b.tpr_at_threshold;
  const auto above = [](const std::vector<float> &v) {
    return static_cast<double>(std::count_if(v.begin(), v.end(), [](float x) { return x > 0; })) /
           static_cast<double>(v.size());
  };
  c.fpr_default = above(real);
  c.tpr_default = above(fake);
  c.reals = static_cast<int64_t>(real.size());
  c.fakes = static_cast<int64_t>(fake.size());
  return c;
}

std::vector<std::unique_ptr<Generator>> load_all(const std::vector<std::string> &paths) {
  std::vector<std::unique_ptr<Generator>> out;
  for (const std::string &p : paths)
    out.push_back(Generator::load(p));
  return out;
}

std::vector<Generator *> pointers(const std::vector<std::unique_ptr<Generator>> &g) {
  std::vector<Generator *> out;
  for (const auto &p : g)
    out.push_back(p.get());
  return out;
}

// Frames of the generators in turn (frame i: generator i % count, its frame i / count).
std::vector<Image8> generated_frames(const std::vector<Generator *> &generators, uint64_t seed,
                                     const NaturalEvalOptions &o) {
  std::vector<Image8> frames;
  for (int64_t i = 0; i < o.frames; ++i) {
    Generator &g = *generators[static_cast<size_t>(i) % generators.size()];
    if (!g.paints_any_size())
      throw Error(ErrorCode::InvalidArgument,
                  "generator '" + g.info().path + "' paints samples, not frames");
    frames.push_back(generated_frame(g, seed, static_cast<uint64_t>(i) / generators.size() * 7,
                                     o.frame_width, o.frame_height));
  }
  return frames;
}

// The spectral baseline's features of patches [n, 3, s, s] in [-1, 1]: the log10 power
// spectrum of the luma, azimuthally averaged: [n, s / 2].
torch::Tensor spectral_features(const float *inputs, int64_t n, int64_t size) {
  const torch::Tensor x = torch::from_blob(const_cast<float *>(inputs), {n, 3, size, size});
  const torch::Tensor luma =
      0.299 * x.select(1, 0) + 0.587 * x.select(1, 1) + 0.114 * x.select(1, 2);
  return radial_power_spectra(luma * 127.5).to(torch::kFloat32);
}

} // namespace

struct NaturalEvaluator::Impl {
  NaturalEvalOptions options;
  PatchOptions patch;
  std::vector<std::unique_ptr<Generator>> family, held_out;
  ImageSet real_patches, fake_patches[2]; // [0]: (a) family, [1]: (b) held out
  std::vector<Image8> real_frames, fake_frames[2];

  NaturalQuality score(const PatchScorer &scorer, const std::string &id) {
    NaturalQuality q;
    q.model_id = id;
    for (const char *how : kDegradations) {
      const std::vector<float> real = score_patches(degraded_patches(real_patches, how), scorer);
      if (std::string(how).empty())
        q.patch_threshold_1pct = threshold_at(real, 0.01);
      for (int g = 0; g < 2; ++g) {
        const std::vector<float> fake =
            score_patches(degraded_patches(fake_patches[g], how), scorer);
        q.conditions[std::string("patch-") + how + (g == 0 ? "a" : "b")] =
            condition(real, fake, q.patch_threshold_1pct);
      }
    }
    const auto frame_scores = [&](const std::vector<Image8> &frames, const std::string &how) {
      std::vector<float> s;
      for (const Image8 &f : frames)
        s.push_back(static_cast<float>(
            frame_logit(degraded_frame(f, how), patch.size, options.max_tiles, scorer)));
      return s;
    };
    for (const char *how : kDegradations) {
      const std::vector<float> real = frame_scores(real_frames, how);
      if (std::string(how).empty())
        q.frame_threshold_1pct = threshold_at(real, 0.01);
      for (int g = 0; g < 2; ++g)
        q.conditions[std::string("frame-") + how + (g == 0 ? "a" : "b")] =
            condition(real, frame_scores(fake_frames[g], how), q.frame_threshold_1pct);
    }
    return q;
  }
};

NaturalEvaluator::NaturalEvaluator(std::vector<Photo> validation,
                                   std::vector<Photo> validation_frames, const PatchOptions &patch,
                                   const std::vector<std::string> &family,
                                   const std::vector<std::string> &held_out,
                                   const NaturalEvalOptions &o)
    : impl_(std::make_unique<Impl>()) {
  if (family.empty() || held_out.empty() || validation_frames.empty() || o.patches < 10 ||
      o.frames < 2 || o.frame_width < patch.size || o.frame_height < patch.size)
    throw Error(ErrorCode::InvalidArgument,
                "the natural evaluation needs both generator groups, validation photos, at least "
                "10 patches and 2 frames per set, and frames no smaller than a patch");
  Impl &m = *impl_;
  m.options = o;
  m.patch = patch;
  m.family = load_all(family);
  m.held_out = load_all(held_out);
  const PatchSampler sampler(std::move(validation), patch, "validation photos");
  m.real_patches = photo_patches(sampler, o.seed, o.patches);
  m.fake_patches[0] = generated_patches(pointers(m.family), o.seed, o.patches);
  m.fake_patches[1] = generated_patches(pointers(m.held_out), o.seed, o.patches);
  if (m.fake_patches[0].height != patch.size || m.fake_patches[1].height != patch.size)
    throw Error(ErrorCode::InvalidArgument, "the generators' samples are not the patch size");
  std::mt19937_64 rng(o.seed ^ kFrameStream);
  for (int64_t i = 0; i < o.frames; ++i)
    m.real_frames.push_back(
        photo_frame(validation_frames[static_cast<size_t>(i) % validation_frames.size()],
                    o.frame_width, o.frame_height, rng));
  m.fake_frames[0] = generated_frames(pointers(m.family), o.seed, o);
  m.fake_frames[1] = generated_frames(pointers(m.held_out), o.seed, o);
}

NaturalEvaluator::~NaturalEvaluator() = default;

NaturalQuality NaturalEvaluator::detector(Detector &detector) {
  const ModelConfig &c = detector.info().config;
  if (c.channels != 3 || c.height != impl_->patch.size || c.width != impl_->patch.size)
    throw Error(ErrorCode::InvalidArgument,
                "detector '" + detector.info().path + "' does not take " +
                    std::to_string(impl_->patch.size) + "x" + std::to_string(impl_->patch.size) +
                    " colour patches");
  return impl_->score(detector_scorer(detector), detector.info().id);
}

NaturalQuality NaturalEvaluator::spectral_baseline(const std::vector<Photo> &train,
                                                   uint64_t fit_seed) {
  Impl &m = *impl_;
  const int64_t size = m.patch.size, n = m.options.patches * 2;
  // Training examples, degraded as the detector's are.
  const PatchSampler sampler(train, m.patch, "training photos");
  ImageSet real = photo_patches(sampler, fit_seed, n);
  ImageSet fake = generated_patches(pointers(m.family), fit_seed, n);
  std::mt19937_64 rng(fit_seed);
  for (ImageSet *set : {&real, &fake})
    for (int64_t i = 0; i < set->count; ++i)
      random_degradation({set->pixels.data() + i * set->image_size(), 3, size, size}, rng);
  const std::vector<float> xr = to_inputs(real), xf = to_inputs(fake);
  const torch::Tensor features =
      torch::cat({spectral_features(xr.data(), n, size), spectral_features(xf.data(), n, size)});
  const torch::Tensor labels = torch::cat({torch::zeros({n}), torch::ones({n})});
  const torch::Tensor mean = features.mean(0), std = features.std(0).clamp_min(1e-6);
  const torch::Tensor x = (features - mean) / std;
  // Logistic regression, L2 0.001, full-batch L-BFGS.
  torch::Tensor w = torch::zeros({x.size(1)}, torch::requires_grad());
  torch::Tensor b = torch::zeros({1}, torch::requires_grad());
  torch::optim::LBFGS opt(
      {w, b}, torch::optim::LBFGSOptions(1.0).max_iter(200).line_search_fn("strong_wolfe"));
  opt.step([&] {
    opt.zero_grad();
    const torch::Tensor loss =
        torch::binary_cross_entropy_with_logits(x.matmul(w) + b, labels) + 1e-3 * w.pow(2).sum();
    loss.backward();
    return loss;
  });
  const torch::Tensor wd = w.detach(), bd = b.detach();
  const PatchScorer scorer = [&](const float *inputs, int64_t k, float *logits) {
    const torch::Tensor f = (spectral_features(inputs, k, size) - mean) / std;
    const torch::Tensor out = (f.matmul(wd) + bd).contiguous();
    std::copy(out.data_ptr<float>(), out.data_ptr<float>() + k, logits);
  };
  // Its logit 0 is where the classes balance on its training data; it has no calibration, so
  // its default-threshold figures are as fitted.
  return m.score(scorer, "spectral-baseline (Durall et al. 2020)");
}

} // namespace gan
