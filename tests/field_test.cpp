// SPDX-License-Identifier: LGPL-2.1-or-later
// Natural video: the photo manifest and patch sampler, the field architecture (any size,
// translation), training a field GAN on patches with an exact resume, and the video a field
// model paints (gan/field_video.h: any size, drift, walk, scenes, batch independence).

#include "test_util.h"

#include "images.h"
#include "sources.h"

#include "gan/field_nets.h"
#include "gan/field_video.h"
#include "gan/frame_renderer.h"
#include "gan/latents.h"
#include "gan/model_file.h"
#include "gan/photos.h"
#include "gan/runtime.h"
#include "gan/trainer.h"
#include "gan/weights.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>

namespace {

using gan::ErrorCode;
using gan_test::expect_error;
using gan_test::TempDir;

gan::ModelConfig field_config(int64_t size = 32, int64_t latent = 8) {
  return {"field", latent, 3, size, size};
}

// A photo whose pixel (x, y) has channels (x, y, 255 - x) (mod 256): every window differs.
gan::Photo gradient_photo(const std::string &name, int64_t width, int64_t height) {
  gan::Photo p;
  p.name = name;
  p.width = width;
  p.height = height;
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      p.rgb.push_back(static_cast<uint8_t>(x));
      p.rgb.push_back(static_cast<uint8_t>(y));
      p.rgb.push_back(static_cast<uint8_t>(255 - x));
    }
  return p;
}

gan::Photo noise_photo(const std::string &name, int64_t size, uint32_t seed) {
  gan::Photo p;
  p.name = name;
  p.width = size;
  p.height = size;
  uint32_t state = seed * 2654435761u + 7;
  for (int64_t i = 0; i < 3 * size * size; ++i) {
    state = state * 1664525u + 1013904223u;
    p.rgb.push_back(static_cast<uint8_t>(state >> 24));
  }
  return p;
}

std::vector<float> patches(gan::PatchSampler &s, uint64_t seed, int64_t step, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n * s.channels() * s.height() * s.width()));
  s.batch(seed, step, n, out.data());
  return out;
}

// ---------------------------------------------------------------- manifest

const char *kHeader = "package\tpath\tlicence\tauthor\tsplit\tnote\n";

TEST(PhotoManifest, ReadsRowsSkipsCommentsAndResolvesRelativePaths) {
  TempDir dir;
  std::ofstream(dir.file("m.tsv")) << "# comment\n"
                                   << kHeader << "\n"
                                   << "pkg\ta.png\tGPL-2+\tSomeone\ttrain\tleaf\n"
                                   << "pkg\t/abs/b.jpg\tCC\t\tvalidation\t\n"
                                   << "pkg\tc.png\tGPL-2+\t\texcluded\tlogo\n";
  const auto m = gan::read_photo_manifest(dir.file("m.tsv"));
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].path, dir.file("a.png"));
  EXPECT_EQ(m[0].author, "Someone");
  EXPECT_EQ(m[0].split, gan::PhotoSplit::Train);
  EXPECT_EQ(m[1].path, "/abs/b.jpg");
  EXPECT_EQ(m[1].split, gan::PhotoSplit::Validation);
  EXPECT_EQ(m[2].split, gan::PhotoSplit::Excluded);
  EXPECT_EQ(m[2].note, "logo");
}

TEST(PhotoManifest, BadManifestsAreCleanErrors) {
  TempDir dir;
  expect_error([&] { gan::read_photo_manifest(dir.file("missing.tsv")); }, ErrorCode::NotFound);
  std::ofstream(dir.file("noheader.tsv")) << "pkg\ta.png\tGPL\t\ttrain\t\n";
  expect_error([&] { gan::read_photo_manifest(dir.file("noheader.tsv")); }, ErrorCode::Corrupt);
  std::ofstream(dir.file("fields.tsv")) << kHeader << "pkg\ta.png\ttrain\n";
  const std::string msg =
      expect_error([&] { gan::read_photo_manifest(dir.file("fields.tsv")); }, ErrorCode::Corrupt);
  EXPECT_NE(msg.find("fields.tsv:2"), std::string::npos) << msg;
  std::ofstream(dir.file("split.tsv")) << kHeader << "pkg\ta.png\tGPL\t\ttesting\t\n";
  expect_error([&] { gan::read_photo_manifest(dir.file("split.tsv")); }, ErrorCode::Corrupt);
  std::ofstream(dir.file("empty.tsv")) << "";
  expect_error([&] { gan::read_photo_manifest(dir.file("empty.tsv")); }, ErrorCode::Corrupt);
}

TEST(PhotoManifest, TheShippedManifestHoldsOutWholePhotos) {
  const char *models = std::getenv("GST_GAN_MODELS_DIR");
  ASSERT_NE(models, nullptr);
  const auto m = gan::read_photo_manifest(std::string(models) + "/natural-photos.tsv");
  std::set<std::string> train, validation, test;
  for (const auto &e : m) {
    EXPECT_FALSE(e.package.empty());
    EXPECT_FALSE(e.licence.empty()) << e.path;
    if (e.split == gan::PhotoSplit::Train)
      train.insert(e.path);
    else if (e.split == gan::PhotoSplit::Validation)
      validation.insert(e.path);
    else if (e.split == gan::PhotoSplit::Test)
      test.insert(e.path);
  }
  EXPECT_GE(train.size(), 10u);
  EXPECT_GE(validation.size(), 4u); // calibration scenes
  EXPECT_GE(test.size(), 4u);       // scenes only the evaluation sees
  for (const auto &v : validation)
    EXPECT_EQ(train.count(v) + test.count(v), 0u) << v << " is in two splits";
  for (const auto &v : test)
    EXPECT_EQ(train.count(v), 0u) << v << " is in two splits";
}

TEST(PhotoManifest, FolderSplitDependsOnTheFileNameAlone) {
  TempDir dir;
  auto touch = [&](const std::string &name) { std::ofstream(dir.file(name)) << "x"; };
  for (int i = 0; i < 40; ++i)
    touch("photo" + std::to_string(i) + ".jpg");
  touch("notes.txt");
  const auto before = gan::photo_folder_manifest(dir.path(), 25);
  ASSERT_EQ(before.size(), 40u);
  const auto validating = std::count_if(before.begin(), before.end(), [](const auto &e) {
    return e.split == gan::PhotoSplit::Validation;
  });
  EXPECT_GT(validating, 0);
  EXPECT_LT(validating, 40);
  touch("another.png");
  const auto after = gan::photo_folder_manifest(dir.path(), 25);
  for (const auto &e : before)
    for (const auto &f : after)
      if (e.path == f.path) {
        EXPECT_EQ(e.split, f.split) << e.path;
      }
  expect_error([&] { gan::photo_folder_manifest(dir.file("nope"), 15); }, ErrorCode::NotFound);
}

// Photos of flat, distinct colours, written as PNG and read back through GStreamer as the CLI
// does: a validation colour in a training patch would be a leak.
TEST(PhotoManifest, ValidationPhotosNeverGiveATrainingPatch) {
  TempDir dir;
  std::ofstream manifest(dir.file("m.tsv"));
  manifest << kHeader;
  std::set<uint8_t> train_levels, held_out_levels; // validation and excluded photos
  for (int i = 0; i < 8; ++i) {
    const auto level = static_cast<uint8_t>(20 + 30 * i);
    const std::string split = i % 4 == 3 ? "validation" : i == 5 ? "excluded" : "train";
    (split == "train" ? train_levels : held_out_levels).insert(level);
    const int64_t w = 90 + 7 * i, h = 70 + 5 * i;
    std::vector<uint8_t> chw(static_cast<size_t>(3 * w * h), level);
    const std::string name = "p" + std::to_string(i) + ".png";
    gan_tools::write_image_png(dir.file(name), chw.data(), 3, h, w);
    manifest << "test\t" << name << "\tnone\t\t" << split << "\t\n";
  }
  manifest.close();
  const auto m = gan::read_photo_manifest(dir.file("m.tsv"));
  std::vector<gan::Photo> photos = gan_tools::load_photos(m, gan::PhotoSplit::Train, 64);
  ASSERT_EQ(photos.size(), 5u);
  for (const auto &p : photos)
    EXPECT_LE(std::max(p.width, p.height), 64) << p.name;
  gan::PatchOptions o;
  o.size = 16;
  gan::PatchSampler sampler(std::move(photos), o, "test");
  std::set<uint8_t> seen;
  for (int64_t step = 0; step < 50; ++step)
    for (float v : patches(sampler, 7, step, 8)) {
      const long level = std::lround((v + 1.0f) * 127.5f);
      ASSERT_EQ(held_out_levels.count(static_cast<uint8_t>(level)), 0u) << level;
      ASSERT_EQ(train_levels.count(static_cast<uint8_t>(level)), 1u) << level;
      seen.insert(static_cast<uint8_t>(level));
    }
  EXPECT_EQ(seen, train_levels); // and every training photo contributes

  EXPECT_EQ(gan_tools::load_photos(m, gan::PhotoSplit::Validation, 64).size(), 2u);
  std::ofstream(dir.file("broken.tsv")) << kHeader << "test\tmissing.png\tnone\t\ttrain\t\n";
  expect_error(
      [&] {
        gan_tools::load_photos(gan::read_photo_manifest(dir.file("broken.tsv")),
                               gan::PhotoSplit::Train, 64);
      },
      ErrorCode::NotFound);
}

// ---------------------------------------------------------------- photos and patches

TEST(FitPhoto, BoundsTheLongestSideAndKeepsTheAspect) {
  gan::Photo big = gradient_photo("big", 300, 210);
  gan::FrameView v;
  v.format = gan::PixelFormat::Rgb;
  v.width = big.width;
  v.height = big.height;
  v.planes[0] = big.rgb.data();
  v.strides[0] = big.width * 3;
  const gan::Photo small = gan::fit_photo("big", v, 100);
  EXPECT_EQ(small.width, 100);
  EXPECT_EQ(small.height, 70);
  EXPECT_EQ(small.rgb.size(), static_cast<size_t>(3 * 100 * 70));
  // The area average of a 3x3 block of the gradient: red 3i .. 3i + 2 -> 3i + 1.
  EXPECT_EQ(small.rgb[3 * (5 * 100 + 10) + 0], 31);
  EXPECT_EQ(small.rgb[3 * (5 * 100 + 10) + 1], 16);
  const gan::Photo same = gan::fit_photo("big", v, 1000); // never enlarged
  EXPECT_EQ(same.width, 300);
  EXPECT_EQ(same.rgb, big.rgb);
}

TEST(PatchSampler, SameSeedSamePatchesOtherSeedOthers) {
  std::vector<gan::Photo> photos{gradient_photo("a", 200, 150), noise_photo("b", 120, 3)};
  gan::PatchOptions o;
  o.size = 24;
  gan::PatchSampler s1(photos, o, "test"), s2(photos, o, "test");
  EXPECT_EQ(patches(s1, 5, 3, 6), patches(s2, 5, 3, 6));
  EXPECT_NE(patches(s1, 5, 3, 6), patches(s1, 6, 3, 6));
  EXPECT_NE(patches(s1, 5, 3, 6), patches(s1, 5, 4, 6));
  // Patch i of a batch is patch step * n + i of the stream, whatever else was drawn before.
  const auto batch = patches(s1, 5, 2, 4);
  std::vector<float> one(static_cast<size_t>(3 * 24 * 24));
  s2.cut(s2.placement(5, 2 * 4 + 3), one.data());
  EXPECT_TRUE(std::equal(one.begin(), one.end(), batch.end() - static_cast<long>(one.size())));
  EXPECT_EQ(s1.fingerprint(), s2.fingerprint());
  gan::PatchOptions other = o;
  other.max_scale = 0.9;
  EXPECT_NE(gan::PatchSampler(photos, other, "test").fingerprint(), s1.fingerprint());
}

TEST(PatchSampler, PlacementsStayInsideWithScalesAndFlipsInRange) {
  std::vector<gan::Photo> photos{gradient_photo("a", 200, 150), gradient_photo("b", 90, 300),
                                 gradient_photo("c", 40, 30)}; // smaller than a 64-patch window
  gan::PatchOptions o;
  o.size = 32;
  o.min_scale = 0.5;
  o.max_scale = 1.0;
  gan::PatchSampler s(photos, o, "test");
  std::vector<int> per_photo(3);
  int flips = 0;
  double min_scale = 2, max_scale = 0;
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    const gan::PatchPlacement p = s.placement(11, static_cast<uint64_t>(i));
    ASSERT_LT(p.photo, photos.size());
    const gan::Photo &ph = photos[p.photo];
    ++per_photo[p.photo];
    flips += p.flip;
    EXPECT_GE(p.scale, 0.5);
    EXPECT_LE(p.scale, 1.0);
    min_scale = std::min(min_scale, p.scale);
    max_scale = std::max(max_scale, p.scale);
    EXPECT_EQ(p.side, std::min<int64_t>(std::llround(32 / p.scale), std::min(ph.width, ph.height)));
    EXPECT_GE(p.x, 0);
    EXPECT_GE(p.y, 0);
    EXPECT_LE(p.x + p.side, ph.width);
    EXPECT_LE(p.y + p.side, ph.height);
  }
  EXPECT_LT(min_scale, 0.52);
  EXPECT_GT(max_scale, 0.98);
  EXPECT_NEAR(flips, n / 2, n / 20);
  for (int c : per_photo)
    EXPECT_NEAR(c, n / 3, n / 20);

  o.flip = false;
  gan::PatchSampler unflipped(photos, o, "test");
  for (int i = 0; i < 100; ++i)
    EXPECT_FALSE(unflipped.placement(11, static_cast<uint64_t>(i)).flip);
}

TEST(PatchSampler, ScaleOneCutsExactPixelsAndFlipsMirror) {
  const gan::Photo photo = gradient_photo("a", 100, 80);
  gan::PatchOptions o;
  o.size = 16;
  gan::PatchSampler s({photo}, o, "test");
  gan::PatchPlacement p;
  p.x = 30, p.y = 20, p.side = 16;
  std::vector<float> plain(3 * 16 * 16), mirrored(3 * 16 * 16);
  s.cut(p, plain.data());
  p.flip = true;
  s.cut(p, mirrored.data());
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < 16; ++y)
      for (int64_t x = 0; x < 16; ++x) {
        const uint8_t want = photo.rgb[static_cast<size_t>(((p.y + y) * 100 + p.x + x) * 3 + c)];
        EXPECT_EQ(std::lround((plain[(c * 16 + y) * 16 + x] + 1) * 127.5f), want);
        EXPECT_EQ(mirrored[(c * 16 + y) * 16 + x], plain[(c * 16 + y) * 16 + 15 - x]);
      }
  p.x = 90; // outside
  expect_error([&] { s.cut(p, plain.data()); }, ErrorCode::InvalidArgument);
  expect_error([&] { gan::PatchSampler({}, o, "none"); }, ErrorCode::InvalidArgument);
}

// ---------------------------------------------------------------- the field architecture

TEST(FieldArchitecture, ConfigRules) {
  ASSERT_NE(gan::find_arch("field"), nullptr);
  EXPECT_TRUE(gan::find_arch("field")->gan);
  EXPECT_TRUE(gan::find_arch("field")->paints_fields);
  EXPECT_NO_THROW(gan::validate_config(field_config(64, 64)));
  EXPECT_NO_THROW(gan::validate_config({"field", 8, 1, 32, 48}));
  expect_error([] { gan::validate_config(field_config(36)); }, ErrorCode::InvalidArgument);
  expect_error([] { gan::validate_config(field_config(24)); }, ErrorCode::InvalidArgument);
  expect_error([] { gan::validate_config(field_config(32, 7)); }, ErrorCode::InvalidArgument);
}

TEST(FieldGenerator, PaintsAnySizeFromAnyField) {
  torch::manual_seed(1);
  gan::Gan g = gan::build_field_gan(field_config());
  g.generator->eval();
  torch::NoGradGuard no_grad;
  for (auto [fh, fw] : {std::pair<int64_t, int64_t>{5, 5}, {37, 53}, {8, 41}}) {
    const torch::Tensor img = g.generator->forward(torch::randn({2, 8, fh, fw}));
    EXPECT_EQ(img.sizes(), (std::vector<int64_t>{2, 3, 8 * (fh - 4), 8 * (fw - 4)}));
    EXPECT_LE(img.abs().max().item<float>(), 1.0f);
  }
  expect_error(
      [&] {
        g.generator->forward(torch::randn({1, 8, 4, 9}));
      },
      ErrorCode::InvalidArgument);
  for (auto [h, w] : {std::pair<int64_t, int64_t>{37, 53}, {1, 1}, {480, 640}, {17, 8}}) {
    const torch::Tensor img = gan::paint_field_images(*g.generator, g.config, 3, 0, 1, h, w);
    EXPECT_EQ(img.sizes(), (std::vector<int64_t>{1, 3, h, w}));
  }
  // Training fields paint exactly the patch size.
  auto rng = gan::make_rng(1, 2, 3);
  EXPECT_EQ(g.generator->forward(gan::training_noise(g.config, 2, rng)).sizes(),
            (std::vector<int64_t>{2, 3, 32, 32}));
}

// Unpadded convolutions commute with translation: the image of a cropped field is the same crop
// of the whole field's image, at every pixel (eval mode: BatchNorm uses its running statistics).
TEST(FieldGenerator, ACroppedFieldPaintsTheSameCropEverywhere) {
  torch::manual_seed(2);
  gan::Gan g = gan::build_field_gan(field_config());
  g.generator->train();
  { // move the running statistics away from their initial values
    torch::NoGradGuard no_grad;
    g.generator->forward(torch::randn({4, 8, 9, 9}));
  }
  g.generator->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor field = torch::randn({1, 8, 19, 23});
  const torch::Tensor whole = g.generator->forward(field);
  for (auto [a, b, h, w] : {std::array<int64_t, 4>{3, 5, 8, 9}, {0, 0, 5, 5}, {10, 13, 9, 10}}) {
    const torch::Tensor part = g.generator->forward(field.slice(2, a, a + h).slice(3, b, b + w));
    const torch::Tensor crop =
        whole.slice(2, 8 * a, 8 * (a + h - 4)).slice(3, 8 * b, 8 * (b + w - 4));
    ASSERT_EQ(part.sizes(), crop.sizes());
    EXPECT_LT((part - crop).abs().max().item<float>(), 1e-5f) << a << "," << b;
  }
}

TEST(FieldGenerator, LatentsArePureFunctionsOfSeedAndIndexWithGlobalHalfBroadcast) {
  const torch::Tensor five = gan::field_latents(9, 10, 5, 8, 6, 7);
  const torch::Tensor one = gan::field_latents(9, 13, 1, 8, 6, 7);
  EXPECT_TRUE(torch::equal(five[3], one[0]));
  EXPECT_FALSE(torch::equal(five[0], five[1]));
  // Channels 0-3 vary over the field, 4-7 are one value per image.
  EXPECT_GT(five.slice(1, 0, 4).std({2, 3}).min().item<float>(), 0.1f);
  auto spread = [](const torch::Tensor &t) { return (t.amax({2, 3}) - t.amin({2, 3})).max(); };
  EXPECT_EQ(spread(five.slice(1, 4)).item<float>(), 0.0f);
  auto rng = gan::make_rng(1, 2, 3);
  const torch::Tensor train = gan::training_noise(field_config(), 3, rng);
  EXPECT_EQ(train.sizes(), (std::vector<int64_t>{3, 8, 8, 8}));
  EXPECT_EQ(spread(train.slice(1, 4)).item<float>(), 0.0f);
}

TEST(FieldGenerator, DocumentedCostPerFrame) {
  const gan::ModelConfig shipped{"field", 64, 3, 64, 64};
  const double g = gan::field_generator_flops(shipped, 480, 640);
  const double d = gan::field_discriminator_flops(shipped, 64, 64);
  RecordProperty("generator_gflop_640x480", std::to_string(g / 1e9));
  // models/README.md quotes these: 7.07 GFLOP per 640x480 frame, 0.054 per 64x64 patch scored.
  EXPECT_NEAR(g / 1e9, 7.07, 0.01);
  EXPECT_NEAR(d / 1e9, 0.054, 0.001);
}

TEST(FieldModelFile, RoundTripPaintsTheSameImages) {
  TempDir dir;
  torch::manual_seed(4);
  gan::Gan g = gan::build_field_gan(field_config());
  gan::ModelFile f = gan::gan_to_file(g, gan::Provenance{});
  gan::write_model_file(dir.file("f.gan"), f);
  gan::Gan back = gan::gan_from_file(gan::read_model_file(dir.file("f.gan")));
  g.generator->eval();
  back.generator->eval();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(gan::paint_field_images(*g.generator, g.config, 1, 0, 2, 40, 56),
                           gan::paint_field_images(*back.generator, back.config, 1, 0, 2, 40, 56)));
}

// ---------------------------------------------------------------- training

std::shared_ptr<gan::PatchSampler> noise_patches() {
  gan::PatchOptions o;
  o.size = 32;
  return std::make_shared<gan::PatchSampler>(
      std::vector<gan::Photo>{noise_photo("a", 80, 1), noise_photo("b", 64, 2)}, o, "noise");
}

gan::TrainOptions field_options() {
  gan::TrainOptions o;
  o.config = field_config();
  o.batch_size = 4;
  o.seed = 21;
  return o;
}

std::vector<uint8_t> checkpoint_data(const gan::Trainer &t, const TempDir &dir,
                                     const std::string &name) {
  t.save_checkpoint(dir.file(name));
  return gan::read_model_file(dir.file(name)).data;
}

TEST(FieldTraining, ResumedRunEqualsUninterruptedRun) {
  TempDir dir;
  gan::Trainer straight(field_options(), noise_patches());
  for (int i = 0; i < 4; ++i)
    straight.step();
  {
    gan::Trainer first(field_options(), noise_patches());
    for (int i = 0; i < 2; ++i)
      first.step();
    first.save_checkpoint(dir.file("ckpt.gan"));
  }
  auto resumed = gan::Trainer::resume(dir.file("ckpt.gan"), noise_patches());
  EXPECT_EQ(resumed->steps_done(), 2);
  for (int i = 0; i < 2; ++i)
    resumed->step();
  EXPECT_EQ(checkpoint_data(straight, dir, "a.gan"), checkpoint_data(*resumed, dir, "b.gan"));
  EXPECT_TRUE(std::isfinite(straight.history().back().d_loss));

  // Other photos, or the same photos cut otherwise, are other data.
  gan::PatchOptions o;
  o.size = 32;
  o.flip = false;
  auto other = std::make_shared<gan::PatchSampler>(
      std::vector<gan::Photo>{noise_photo("a", 80, 1), noise_photo("b", 64, 2)}, o, "noise");
  expect_error([&] { gan::Trainer::resume(dir.file("ckpt.gan"), other); },
               ErrorCode::InvalidArgument);
}

TEST(FieldTraining, SamplesAndPaintedFramesHaveTheirSizes) {
  gan::Trainer t(field_options(), noise_patches());
  t.step();
  std::vector<float> grid(3 * 3 * 32 * 32), frame(3 * 27 * 45);
  t.sample(0, 3, grid.data());
  t.paint(0, 0, 27, 45, frame.data());
  for (float v : frame)
    ASSERT_LE(std::abs(v), 1.0f);
  gan::TrainOptions vector_gan;
  vector_gan.config = {"mlp", 8, 1, 8, 8};
  vector_gan.batch_size = 4;
  gan::Trainer mlp(vector_gan, gan_test::pattern_images(8, 8, 8, 1));
  expect_error([&] { mlp.paint(0, 0, 8, 8, frame.data()); }, ErrorCode::InvalidArgument);
}

// ---------------------------------------------------------------- video

class FieldVideo : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    gan_test::save_untrained_field(dir_->file("field.gan"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::unique_ptr<gan::Generator> load() {
    return gan::Generator::load(dir_->file("field.gan"));
  }
  // Frames first .. first + n - 1 as [n, 3, h, w].
  static torch::Tensor frames(gan::Generator &g, const gan::StreamSettings &s, uint64_t first,
                              int64_t n, int64_t h, int64_t w) {
    torch::Tensor out = torch::empty({n, 3, h, w});
    g.paint_frames(s, first, n, h, w, out.data_ptr<float>());
    return out;
  }
  static TempDir *dir_;
};

TempDir *FieldVideo::dir_ = nullptr;

TEST_F(FieldVideo, PaintsAnySizeWithContrast) {
  auto g = load();
  EXPECT_TRUE(g->paints_any_size());
  for (auto [h, w] : {std::pair<int64_t, int64_t>{1, 1}, {17, 33}, {48, 64}, {121, 7}}) {
    const torch::Tensor f = frames(*g, {}, 0, 1, h, w);
    EXPECT_LE(f.abs().max().item<float>(), 1.0f) << h << "x" << w;
    if (h * w > 100) {
      EXPECT_GT(f.std().item<float>(), 0.05f) << h << "x" << w;
    }
  }
  // A vector model paints samples, not frames; a field model takes no latent vectors.
  TempDir dir;
  gan_test::save_untrained_mlp(dir.file("mlp.gan"), 1, 8, 8);
  auto mlp = gan::Generator::load(dir.file("mlp.gan"));
  EXPECT_FALSE(mlp->paints_any_size());
  std::vector<float> out(64);
  expect_error([&] { mlp->paint_frames({}, 0, 1, 8, 8, out.data()); }, ErrorCode::InvalidArgument);
  std::vector<float> z(8), img(3 * 32 * 32);
  expect_error([&] { g->generate_from_latents(z.data(), 1, img.data()); },
               ErrorCode::InvalidArgument);
  g->generate(0, 0, 1, img.data()); // samples at the training patch size
  expect_error([&] { frames(*g, {}, 0, 1, 0, 5); }, ErrorCode::InvalidArgument);
}

TEST_F(FieldVideo, FrameNIsAPureFunctionWhateverTheBatch) {
  auto g = load();
  for (const double drift : {0.0, 2.5}) {
    gan::StreamSettings s;
    s.seed = 7;
    s.walk_frames = 4;
    s.drift_speed = drift;
    s.drift_angle = 30;
    const torch::Tensor batch = frames(*g, s, 3, 6, 24, 40);
    for (int64_t i = 0; i < 6; ++i) {
      const torch::Tensor one = frames(*g, s, 3 + static_cast<uint64_t>(i), 1, 24, 40);
      EXPECT_TRUE(torch::equal(batch[i], one[0])) << "drift " << drift << ", frame " << 3 + i;
    }
    EXPECT_TRUE(torch::equal(frames(*g, s, 5, 1, 24, 40), frames(*g, s, 5, 1, 24, 40)));
    s.seed = 8;
    EXPECT_FALSE(torch::equal(frames(*g, s, 5, 1, 24, 40)[0], batch[2]));
  }
}

// Where the CPU computes bfloat16 the field generator does (gan/inference_form.h): its frames
// stay within a few 8-bit levels of float32's. Elsewhere both are float32 and equal.
TEST_F(FieldVideo, Bfloat16PaintsWhatFloat32Paints) {
  setenv("GST_GAN_BF16", "0", 1);
  auto exact = load();
  unsetenv("GST_GAN_BF16");
  auto fast = load();
  gan::StreamSettings s;
  const torch::Tensor a = frames(*exact, s, 4, 1, 96, 128), b = frames(*fast, s, 4, 1, 96, 128);
  const double mean = (a - b).abs().mean().item<double>() * 127.5;
  const double max = (a - b).abs().max().item<double>() * 127.5;
  RecordProperty("bf16_mean_levels", std::to_string(mean));
  RecordProperty("bf16_max_levels", std::to_string(max));
  EXPECT_LT(mean, 1.0); // in 8-bit levels
  EXPECT_LT(max, 12.0);
}

// Drift slides a window over one painted world: frame n + 1 is frame n moved by the speed.
TEST_F(FieldVideo, DriftPansByWholePixels) {
  auto g = load();
  gan::StreamSettings s;
  s.motion = gan::Motion::Static;
  s.drift_speed = 3;
  for (const double angle : {0.0, 90.0, 180.0, 270.0}) {
    s.drift_angle = angle;
    const torch::Tensor f = frames(*g, s, 10, 2, 40, 48);
    const torch::Tensor a = f[0], b = f[1];
    torch::Tensor before, after; // the same world pixels in both frames
    if (angle == 0) {            // the picture moves right
      before = a.slice(2, 0, 45), after = b.slice(2, 3, 48);
    } else if (angle == 90) { // up
      before = a.slice(1, 3, 40), after = b.slice(1, 0, 37);
    } else if (angle == 180) {
      before = a.slice(2, 3, 48), after = b.slice(2, 0, 45);
    } else {
      before = a.slice(1, 0, 37), after = b.slice(1, 3, 40);
    }
    EXPECT_LT((before - after).abs().max().item<float>(), 1e-4f) << "angle " << angle;
    EXPECT_GT((a - b).abs().mean().item<float>(), 1e-3f) << "angle " << angle;
  }
  const auto origin = gan::drift_origin(s, 0);
  EXPECT_EQ(origin, (std::pair<int64_t, int64_t>{0, 0}));
  s.drift_speed = std::numeric_limits<double>::infinity();
  expect_error([&] { frames(*g, s, 1, 1, 8, 8); }, ErrorCode::InvalidArgument);
}

// A pan is painted in tiles of the world, each once while the window covers it: its frames
// are the same bits whatever was kept, in any direction, size, order or batch.
TEST_F(FieldVideo, PansAreTheSameBitsWhateverWasKept) {
  for (const double angle : {0.0, 37.0, 90.0, 135.0, 180.0, 225.0, 270.0, 333.0})
    for (const auto &[h, w] : {std::pair<int64_t, int64_t>{37, 53}, {131, 259}}) {
      gan::StreamSettings s;
      s.seed = 3;
      s.motion = gan::Motion::Static;
      s.drift_speed = angle == 37.0 ? 9.5 : 2.5;
      s.drift_angle = angle;
      auto played = load(), seeking = load(), batched = load();
      const torch::Tensor batch = frames(*batched, s, 0, 8, h, w);
      std::vector<torch::Tensor> alone(8); // each frame from a generator that kept nothing
      for (uint64_t n = 0; n < 8; ++n)
        alone[n] = frames(*load(), s, n, 1, h, w)[0];
      for (uint64_t n = 0; n < 8; ++n) {
        const torch::Tensor in_order = frames(*played, s, n, 1, h, w)[0];
        const torch::Tensor seek = frames(*seeking, s, 7 - n, 1, h, w)[0]; // backwards
        EXPECT_TRUE(torch::equal(in_order, alone[n]))
            << angle << " deg, " << h << "x" << w << ", frame " << n;
        EXPECT_TRUE(torch::equal(batch[static_cast<int64_t>(n)], alone[n]))
            << angle << " deg, " << h << "x" << w << ", frame " << n;
        EXPECT_TRUE(torch::equal(seek, alone[7 - n]))
            << angle << " deg, " << h << "x" << w << ", frame " << 7 - n;
      }
    }
}

// The tiles join into the picture the generator paints for the whole frame at once (the
// unpadded generator commutes with whole-cell shifts; float rounding apart).
TEST_F(FieldVideo, PanTilesJoinIntoTheWholeFramesPicture) {
  setenv("GST_GAN_BF16", "0", 1); // bfloat16 rounds each tile's activations its own way
  auto g = load();
  unsetenv("GST_GAN_BF16");
  gan::StreamSettings pan;
  pan.motion = gan::Motion::Static;
  pan.drift_speed = 2;
  gan::StreamSettings still = pan; // frame 0 of a pan is the still picture at the origin
  still.drift_speed = 0;
  const torch::Tensor tiled = frames(*g, pan, 0, 1, 150, 300);
  const torch::Tensor whole = frames(*g, still, 0, 1, 150, 300);
  const float worst = (tiled - whole).abs().max().item<float>();
  RecordProperty("pan_vs_whole_max_abs", std::to_string(worst));
  EXPECT_LT(worst, 1e-4f);
}

// The tile cache itself, with a painter whose picture is known (each cell's first three latent
// channels, 8 x 8 pixels each): only uncovered tiles are painted, each once in a pan one way,
// only the window's tiles are held, and a seek paints the same picture again.
TEST(PannedWorld, PaintsOnlyWhatTheWindowUncovers) {
  constexpr int64_t T = gan::PannedWorld::kTile, M = gan::kFieldMargin, S = gan::kFieldScale;
  const auto picture = [&](const torch::Tensor &field) {
    const torch::Tensor inner =
        field.slice(1, 0, 3).slice(2, M, field.size(2) - M).slice(3, M, field.size(3) - M);
    return inner.repeat_interleave(S, 2).repeat_interleave(S, 3);
  };
  int64_t calls = 0;
  const gan::PannedWorld::Painter paint = [&](const torch::Tensor &field) {
    ++calls;
    return picture(field);
  };
  gan::StreamSettings s;
  s.seed = 5;
  s.motion = gan::Motion::Static;
  s.drift_speed = 3;
  s.drift_angle = 200;
  constexpr int64_t h = 100, w = 150, latent = 8;
  gan::PannedWorld world;
  std::set<std::pair<int64_t, int64_t>> covered;
  std::vector<float> frame(3 * h * w), again(3 * h * w);
  int64_t painted_in_all = 0;
  for (uint64_t n = 0; n < 200; ++n) {
    const int64_t painted = world.frame(s, latent, 3, n, h, w, paint, frame.data());
    painted_in_all += painted;
    const auto [px, py] = gan::drift_origin(s, n);
    auto floor_div = [](int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0)); };
    int64_t fresh = 0, here = 0;
    for (int64_t ty = floor_div(py, T); ty * T < py + h; ++ty)
      for (int64_t tx = floor_div(px, T); tx * T < px + w; ++tx) {
        ++here;
        fresh += covered.insert({ty, tx}).second;
      }
    EXPECT_EQ(painted, fresh) << "frame " << n;
    EXPECT_EQ(world.tiles_held(), static_cast<size_t>(here)) << "frame " << n;
    if (n == 0 || n == 199) { // the picture: the world's latent cells, cut at the window
      const gan::FrameField whole = gan::frame_field(s, latent, n, h, w);
      const torch::Tensor expected = picture(whole.field.unsqueeze(0))[0]
                                         .slice(1, whole.y, whole.y + h)
                                         .slice(2, whole.x, whole.x + w);
      EXPECT_TRUE(torch::equal(torch::from_blob(frame.data(), {3, h, w}), expected))
          << "frame " << n;
    }
  }
  EXPECT_EQ(calls, painted_in_all);
  EXPECT_EQ(static_cast<size_t>(painted_in_all), covered.size()); // each tile painted once
  EXPECT_LT(covered.size(), 30u); // 600 pixels travelled: a few columns of tiles, not 200 frames
  // A seek back paints frame 0 again, the same bits.
  world.frame(s, latent, 3, 0, h, w, paint, again.data());
  gan::PannedWorld fresh;
  fresh.frame(s, latent, 3, 0, h, w, paint, frame.data());
  EXPECT_EQ(frame, again);
  s.drift_speed = 0; // not a pan
  expect_error([&] { world.frame(s, latent, 3, 0, h, w, paint, frame.data()); },
               ErrorCode::InvalidArgument);
}

// Settings a field video cannot serve are errors before anything is painted or allocated.
TEST_F(FieldVideo, ImpossibleSettingsAreErrorsNotCrashes) {
  auto g = load();
  gan::StreamSettings s;
  s.drift_speed = 1000;
  std::vector<float> out(3 * 8 * 8);
  expect_error([&] { g->paint_frames(s, uint64_t{1} << 63, 1, 8, 8, out.data()); },
               ErrorCode::InvalidArgument);
  s.drift_angle = std::nan("");
  expect_error([&] { gan::drift_origin(s, 1); }, ErrorCode::InvalidArgument);

  gan::FrameRenderer renderer(load());
  uint8_t pixel[4] = {};
  gan::FrameView huge;
  huge.format = gan::PixelFormat::Rgbx;
  huge.width = 9000;
  huge.height = 9000;
  huge.planes[0] = pixel; // never written: refused first
  huge.strides[0] = 4 * 9000;
  const std::string msg =
      expect_error([&] { renderer.render({}, 0, huge); }, ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("megapixels"), std::string::npos) << msg;
  gan::RenderSettings odd;
  odd.pixel_aspect = std::nan("");
  gan::FrameView one = huge;
  one.width = one.height = 1;
  expect_error([&] { renderer.render(odd, 0, one); }, ErrorCode::InvalidArgument);
  EXPECT_EQ(renderer.render({}, 0, one), 1);
}

// Walk: the field's values move along great circles between keys, so neighbouring frames are
// much closer than frames a few keys apart, and the video changes continuously.
TEST_F(FieldVideo, WalkIsSmoothFromFrameToFrame) {
  auto g = load();
  gan::StreamSettings s;
  s.walk_frames = 30;
  const torch::Tensor f = frames(*g, s, 0, 121, 32, 32);
  auto distance = [&](int64_t i, int64_t j) { return (f[i] - f[j]).abs().mean().item<double>(); };
  double neighbours = 0, far = 0;
  for (int64_t i = 0; i < 120; ++i) {
    neighbours = std::max(neighbours, distance(i, i + 1));
    if (i + 90 <= 120)
      far += distance(i, i + 90) / 31.0;
  }
  EXPECT_LT(neighbours, 0.25 * far) << "largest step " << neighbours << ", keys apart " << far;
  // Static: every frame the same picture; random: every frame another.
  s.motion = gan::Motion::Static;
  EXPECT_TRUE(torch::equal(frames(*g, s, 0, 1, 32, 32), frames(*g, s, 50, 1, 32, 32)));
  s.motion = gan::Motion::Random;
  EXPECT_GT((frames(*g, s, 0, 1, 32, 32) - frames(*g, s, 1, 1, 32, 32)).abs().mean().item<float>(),
            0.5f * static_cast<float>(far));
}

// Scenes: the global half of the field is one vector with scene_size 0, and blends anchors
// scene_size pixels apart otherwise, keeping every value N(0, 1).
TEST_F(FieldVideo, ScenesBlendGlobalLatentsKeepingTheirDistribution) {
  gan::StreamSettings s;
  s.scene_size = 0;
  const gan::FrameField one = gan::frame_field(s, 64, 0, 480, 640);
  EXPECT_EQ(one.field.sizes(), (std::vector<int64_t>{64, 64, 84}));
  const torch::Tensor global = one.field.slice(0, 32);
  EXPECT_EQ((global.amax({1, 2}) - global.amin({1, 2})).max().item<float>(), 0.0f);
  s.scene_size = 160;
  const gan::FrameField many = gan::frame_field(s, 64, 0, 480, 640);
  const torch::Tensor blended = many.field.slice(0, 32);
  EXPECT_GT((blended.amax({1, 2}) - blended.amin({1, 2})).min().item<float>(), 0.5f);
  EXPECT_NEAR(blended.std().item<float>(), 1.0f, 0.15f);
  EXPECT_NEAR(many.field.slice(0, 0, 32).std().item<float>(), 1.0f, 0.05f);
  // Neighbouring cells differ little in their global half: scenes change smoothly.
  const double step = (blended.slice(2, 1) - blended.slice(2, 0, -1)).abs().mean().item<double>();
  EXPECT_LT(step, 0.2);
}

} // namespace
