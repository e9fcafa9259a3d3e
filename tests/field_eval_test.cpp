// SPDX-License-Identifier: LGPL-2.1-or-later
// Natural video: the quality measures of field models (multi-scale SWD on Laplacian pyramids,
// radially averaged power spectra), the evaluator around them, and `gst-gan eval --photos`.

#include "test_util.h"

#include "images.h"

#include "gan/augment.h"
#include "gan/eval.h"
#include "gan/field_nets.h"
#include "gan/latents.h"
#include "gan/metrics.h"
#include "gan/model_file.h"
#include "gan/weights.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sys/wait.h>

namespace {

using gan::ErrorCode;
using gan_test::expect_error;
using gan_test::TempDir;

// uint8 [n, c, s, s] of uniform noise.
torch::Tensor noise_images(int64_t n, int64_t c, int64_t s, uint64_t seed) {
  at::Generator rng = gan::make_rng(seed, 1, 0);
  return torch::randint(0, 256, {n, c, s, s}, rng, torch::kInt64).to(torch::kUInt8);
}

torch::Tensor blurred(torch::Tensor u8, double sigma) {
  u8 = u8.contiguous().clone();
  const int64_t c = u8.size(1), h = u8.size(2), w = u8.size(3);
  for (int64_t i = 0; i < u8.size(0); ++i)
    gan::gaussian_blur({u8.data_ptr<uint8_t>() + i * c * h * w, c, h, w}, sigma);
  return u8;
}

// SWD x 1e3 at each level, with the same positions and directions for both sets.
std::vector<double> swd(const torch::Tensor &a, const torch::Tensor &b, int64_t levels) {
  const auto pa = gan::laplacian_pyramid(a, levels), pb = gan::laplacian_pyramid(b, levels);
  std::vector<double> out;
  for (int64_t l = 0; l < levels; ++l) {
    at::Generator ra = gan::make_rng(5, 2, l), rb = gan::make_rng(5, 2, l),
                  rd = gan::make_rng(5, 3, l);
    const torch::Tensor da = gan::normalize_descriptors(
        gan::swd_descriptors(pa[static_cast<size_t>(l)], 7, 128, ra), a.size(1));
    const torch::Tensor db = gan::normalize_descriptors(
        gan::swd_descriptors(pb[static_cast<size_t>(l)], 7, 128, rb), b.size(1));
    out.push_back(1e3 * gan::sliced_wasserstein(da, db, 2, 64, rd));
  }
  return out;
}

// ---------------------------------------------------------------- pyramid, SWD, spectra

TEST(LaplacianPyramid, LevelsHalveAndFlatImagesHaveNoDetail) {
  const torch::Tensor flat = torch::full({2, 3, 64, 64}, 77.0);
  const auto p = gan::laplacian_pyramid(flat, 3);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].sizes(), (std::vector<int64_t>{2, 3, 64, 64}));
  EXPECT_EQ(p[1].sizes(), (std::vector<int64_t>{2, 3, 32, 32}));
  EXPECT_EQ(p[2].sizes(), (std::vector<int64_t>{2, 3, 16, 16}));
  EXPECT_LT(p[0].abs().max().item<float>(), 1e-4);
  EXPECT_LT(p[1].abs().max().item<float>(), 1e-4);
  EXPECT_LT((p[2] - 77.0).abs().max().item<float>(), 1e-4); // the low-pass keeps the level
}

TEST(SlicedWasserstein, ASetAgainstItselfIsZeroAndBlurMovesItAway) {
  const torch::Tensor a = noise_images(32, 3, 32, 1), b = noise_images(32, 3, 32, 2);
  for (double d : swd(a, a, 2))
    EXPECT_EQ(d, 0.0);
  const std::vector<double> same = swd(a, b, 2); // two draws of one distribution: noise only
  const std::vector<double> blur1 = swd(blurred(a, 1.0), a, 2);
  const std::vector<double> blur2 = swd(blurred(a, 2.0), a, 2);
  // Normalised per channel, blur still changes the shape of the fine neighbourhoods; the
  // coarse level (a 16x16 low-pass) changes less, but still more for a stronger blur.
  EXPECT_GT(blur1[0], 1.5 * same[0]);
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_GT(blur1[l], 0.0);
    EXPECT_GT(blur2[l], blur1[l]);
  }
}

TEST(SlicedWasserstein, DescriptorsAreNormalisedPerChannel) {
  torch::Tensor x = noise_images(8, 3, 16, 3).to(torch::kFloat32);
  x.select(1, 1).mul_(10).add_(500); // one channel louder and offset
  at::Generator rng = gan::make_rng(1, 2, 3);
  const torch::Tensor d =
      gan::normalize_descriptors(gan::swd_descriptors(x, 7, 16, rng), 3).view({-1, 3, 49});
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(d.select(1, c).mean().item<float>(), 0.0f, 1e-4);
    EXPECT_NEAR(d.select(1, c).pow(2).mean().sqrt().item<float>(), 1.0f, 1e-3);
  }
  // The same generator state gives the same positions.
  at::Generator r1 = gan::make_rng(4, 2, 0), r2 = gan::make_rng(4, 2, 0);
  EXPECT_TRUE(gan::swd_descriptors(x, 7, 16, r1).equal(gan::swd_descriptors(x, 7, 16, r2)));
}

TEST(PowerSpectrum, WhiteNoiseIsFlatAndBlurRemovesHighFrequencies) {
  const torch::Tensor noise = noise_images(32, 1, 64, 4);
  const torch::Tensor s = gan::radial_power_spectrum(noise.select(1, 0));
  ASSERT_EQ(s.size(0), 32);
  EXPECT_EQ(gan::spectrum_distance(s, s), 0.0);
  EXPECT_LT((s.max() - s.min()).item<double>(), 0.3); // decades
  const torch::Tensor b = gan::radial_power_spectrum(blurred(noise, 1.0).select(1, 0));
  // sigma 1 keeps the lowest frequencies and takes ~2 decades off the highest.
  EXPECT_LT((s.slice(0, 0, 3) - b.slice(0, 0, 3)).abs().max().item<double>(), 0.1);
  EXPECT_GT((s.slice(0, 24) - b.slice(0, 24)).min().item<double>(), 1.0);
  EXPECT_GT(gan::spectrum_distance(s, b), 0.5);
}

// ---------------------------------------------------------------- the evaluator

// Stripes at a few frequencies plus noise: structure at every pyramid level.
gan::Photo textured_photo(const std::string &name, int64_t w, int64_t h, uint32_t seed) {
  gan::Photo p;
  p.name = name;
  p.width = w;
  p.height = h;
  uint32_t state = seed * 2654435761u + 3;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        state = state * 1664525u + 1013904223u;
        const double v = 128 + 50 * std::sin(0.3 * x + 0.1 * y * (c + 1) + seed) +
                         30 * std::sin(1.7 * y + 0.5 * c) + static_cast<double>(state >> 27);
        p.rgb.push_back(static_cast<uint8_t>(std::clamp(v, 0.0, 255.0)));
      }
  return p;
}

std::string write_field_model(const TempDir &dir, const std::string &name) {
  torch::manual_seed(3);
  gan::ModelFile f = gan::gan_to_file(gan::build_field_gan({"field", 8, 3, 32, 32}),
                                      gan::provenance_now("test", 7, 1));
  const std::string path = dir.file(name);
  gan::write_model_file(path, f);
  return path;
}

gan::FieldEvalOptions small_options() {
  gan::FieldEvalOptions o;
  o.crop = 32;
  o.samples = 16;
  o.seed = 11;
  return o;
}

TEST(FieldEvaluator, TheSamePhotosForTrainingAndValidationGiveAZeroFloor) {
  const std::vector<gan::Photo> photos{textured_photo("a", 90, 70, 1),
                                       textured_photo("b", 80, 80, 2)};
  gan::FieldEvaluator ev(photos, photos, small_options());
  const gan::FieldReferences &r = ev.references();
  EXPECT_EQ(r.levels, (std::vector<int64_t>{32, 16}));
  ASSERT_EQ(r.floor.swd.size(), 2u);
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_EQ(r.floor.swd[l], 0.0);
    EXPECT_GT(r.blur.swd[l], 0.0);
  }
  EXPECT_EQ(r.floor.spectrum_distance, 0.0);
  EXPECT_GT(r.blur.spectrum_distance, 0.05);
  EXPECT_EQ(r.validation_spectrum.size(), 16u);
  EXPECT_EQ(r.floor.spectrum, r.validation_spectrum);
  // The blurred crops lost power at the highest frequencies.
  EXPECT_LT(r.blur.spectrum.back(), r.validation_spectrum.back() - 0.5);
}

TEST(FieldEvaluator, ATinyFieldModelGoesThroughTheWholeEvaluationDeterministically) {
  TempDir dir;
  const std::string model = write_field_model(dir, "tiny.gan");
  const std::vector<gan::Photo> train{textured_photo("a", 90, 70, 1),
                                      textured_photo("b", 80, 80, 2)};
  const std::vector<gan::Photo> validation{textured_photo("c", 100, 64, 3)};
  gan::FieldEvaluator ev(train, validation, small_options());
  const gan::FieldQuality q = ev.generator(model);
  EXPECT_EQ(q.model_id.rfind("field:", 0), 0u) << q.model_id;
  EXPECT_EQ(q.kind, "gan");
  EXPECT_EQ(q.steps, 7);
  ASSERT_EQ(q.scores.swd.size(), 2u);
  for (double d : q.scores.swd)
    EXPECT_TRUE(std::isfinite(d) && d > 0) << d;
  EXPECT_TRUE(std::isfinite(q.scores.spectrum_distance) && q.scores.spectrum_distance > 0);
  // An untrained generator is farther from the photos than other photos are.
  EXPECT_GT(q.scores.swd[0], ev.references().floor.swd[0]);

  gan::FieldEvaluator again(train, validation, small_options());
  const gan::FieldQuality q2 = again.generator(model);
  EXPECT_EQ(q2.scores.swd, q.scores.swd);
  EXPECT_EQ(q2.scores.spectrum, q.scores.spectrum);
  EXPECT_EQ(again.references().blur.swd, ev.references().blur.swd);
  gan::FieldEvalOptions other = small_options();
  other.seed = 12;
  gan::FieldEvaluator reseeded(train, validation, other);
  EXPECT_NE(reseeded.generator(model).scores.swd, q.scores.swd);
}

TEST(FieldEvaluator, BadModelsAndOptionsAreErrorsNamingTheFile) {
  TempDir dir;
  const std::vector<gan::Photo> photos{textured_photo("a", 64, 64, 1)};
  gan::FieldEvaluator ev(photos, photos, small_options());
  std::string msg =
      expect_error([&] { ev.generator(dir.file("missing.gan")); }, ErrorCode::NotFound);
  EXPECT_NE(msg.find("missing.gan"), std::string::npos) << msg;
  gan_test::write_bytes(dir.file("junk.gan"), {1, 2, 3, 4, 5, 6, 7, 8});
  msg = expect_error([&] { ev.generator(dir.file("junk.gan")); }, ErrorCode::WrongKind);
  EXPECT_NE(msg.find("junk.gan"), std::string::npos) << msg;
  gan::ModelFile mlp =
      gan::gan_to_file(gan::build_gan({"mlp", 8, 1, 28, 28}), gan::provenance_now("test", 0, 1));
  gan::write_model_file(dir.file("mlp.gan"), mlp);
  msg = expect_error([&] { ev.generator(dir.file("mlp.gan")); }, ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("mlp.gan"), std::string::npos) << msg;

  gan::FieldEvalOptions o = small_options();
  o.crop = 48;
  expect_error([&] { gan::FieldEvaluator bad(photos, photos, o); }, ErrorCode::InvalidArgument);
  expect_error([&] { gan::FieldEvaluator none({}, photos, small_options()); },
               ErrorCode::InvalidArgument);
}

// ---------------------------------------------------------------- the CLI

using Result = gan_test::CliResult;
using gan_test::run_cli;

TEST(FieldEvalCli, PrintsTheTableWritesJsonAndNamesBadFiles) {
  TempDir dir;
  std::ofstream manifest(dir.file("m.tsv"));
  manifest << "package\tpath\tlicence\tauthor\tsplit\tnote\n";
  for (int i = 0; i < 3; ++i) {
    const gan::Photo p = textured_photo("p", 96, 72, static_cast<uint32_t>(i + 1));
    std::vector<uint8_t> chw(p.rgb.size());
    for (int64_t k = 0; k < p.width * p.height; ++k)
      for (int64_t c = 0; c < 3; ++c)
        chw[static_cast<size_t>(c * p.width * p.height + k)] =
            p.rgb[static_cast<size_t>(3 * k + c)];
    const std::string name = "p" + std::to_string(i) + ".png";
    gan_tools::write_image_png(dir.file(name), chw.data(), 3, p.height, p.width);
    manifest << "test\t" << name << "\tnone\t\t" << (i == 2 ? "validation" : "train") << "\t\n";
  }
  manifest.close();
  const std::string model = write_field_model(dir, "tiny.gan");
  const std::string common = " --crop 32 --samples 16 --working-size 96 --threads 1";

  Result r = run_cli("eval --photos " + dir.file("m.tsv") + " --field-generator " + model + common +
                     " --out " + dir.file("r.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("SWD x 1e3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("spectrum"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2 training, 1 validation"), std::string::npos) << r.output;
  std::ifstream in(dir.file("r.json"));
  const std::string json{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (const char *key : {"\"field_generators\"", "\"swd_x1e3\"", "\"floor_train_vs_validation\"",
                          "\"blur_sigma1_vs_validation\"", "\"spectrum_distance\""})
    EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;

  r = run_cli("eval --photos " + dir.file("m.tsv") + " --field-generator " +
              dir.file("nothing.gan") + common);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("nothing.gan"), std::string::npos) << r.output;
  r = run_cli("eval --photos " + dir.file("absent.tsv") + " --field-generator " + model + common);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("absent.tsv"), std::string::npos) << r.output;
  r = run_cli("eval --field-generator " + model);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--photos"), std::string::npos) << r.output;
}

} // namespace
