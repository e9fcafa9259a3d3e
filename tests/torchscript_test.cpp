// SPDX-License-Identifier: LGPL-2.1-or-later
// Models brought from PyTorch: descriptions (attributes, sidecar, override) and the tensors
// they make, checked against what a Python user computes (torchvision's ToTensor + Normalize,
// a DCGAN fed [N, Z, 1, 1] latents).
#include "test_util.h"
#include "torch_util.h"

#include "gan/error.h"
#include "gan/field_video.h"
#include "gan/hash.h"
#include "gan/model_description.h"
#include "gan/runtime.h"

#include <torch/script.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>

using gan::ErrorCode;
using gan_test::expect_error;
using gan_test::TempDir;

namespace {

const std::array<double, 3> kMean{0.485, 0.456, 0.406}; // torchvision's ImageNet statistics
const std::array<double, 3> kStd{0.229, 0.224, 0.225};

std::string save_classifier(const TempDir &dir, const std::string &name) {
  const std::string path = dir.file(name);
  gan_test::save_two_class_classifier(path);
  return path;
}

const char *kTorchvisionSidecar = R"({"size": [8, 8], "range": "0..1",
  "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "output": "softmax"})";

// What the Python user computes for a uniform RGB frame: ToTensor (byte / 255), Normalize, the
// model, then the fake logit log(p_fake / p_real) = logit_fake - logit_real.
using Rgb = std::array<uint8_t, 3>;

double python_logit(const Rgb &rgb, const std::array<double, 3> &mean = kMean,
                    const std::array<double, 3> &std = kStd, bool bgr = false) {
  double n[3];
  for (int c = 0; c < 3; ++c) {
    const int colour = bgr ? 2 - c : c;
    const size_t k = static_cast<size_t>(colour);
    n[c] = (rgb[k] / 255.0 - mean[k]) / std[k];
  }
  return 2.0 * n[1] + n[2] - n[0];
}

// gst-gan's pixels for a uniform frame: [-1, 1], as gandetect's preprocessing makes them.
std::vector<float> uniform_input(const Rgb &rgb, int64_t n, int64_t h, int64_t w) {
  std::vector<float> x(static_cast<size_t>(n * 3 * h * w));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < 3; ++c)
      std::fill_n(x.begin() + (i * 3 + c) * h * w, h * w,
                  static_cast<float>(rgb[static_cast<size_t>(c)] / 127.5 - 1.0));
  return x;
}

} // namespace

TEST(ModelDescription, TorchvisionNormalisationFromASidecar) {
  TempDir dir;
  const std::string path = save_classifier(dir, "resnet.pt");
  std::ofstream(path + ".json") << kTorchvisionSidecar;
  auto d = gan::Detector::load(path);
  EXPECT_EQ(d->info().config.channels, 3);
  EXPECT_EQ(d->info().config.height, 8);
  for (const Rgb &rgb : {Rgb{200, 30, 90}, Rgb{0, 255, 128}}) {
    std::vector<float> x = uniform_input(rgb, 2, 8, 8), logits(2);
    d->score(x.data(), 2, logits.data());
    EXPECT_NEAR(logits[0], python_logit(rgb), 1e-4);
    EXPECT_NEAR(logits[1], python_logit(rgb), 1e-4);
  }
}

TEST(ModelDescription, SidecarNamedAfterTheStemAndOverrides) {
  TempDir dir;
  const std::string path = save_classifier(dir, "net.pt");
  std::ofstream(dir.file("net.json")) << kTorchvisionSidecar; // net.json beside net.pt
  const Rgb rgb{10, 100, 250};
  std::vector<float> x = uniform_input(rgb, 1, 8, 8), logit(1);
  gan::Detector::load(path)->score(x.data(), 1, logit.data());
  EXPECT_NEAR(logit[0], python_logit(rgb), 1e-4);

  // The override (the element's model-description) wins, key by key: BGR, other statistics.
  const std::string override_text =
      R"({"channel_order": "bgr", "mean": 0.5, "std": [0.25, 0.5, 0.125]})";
  auto d = gan::Detector::load(path, override_text);
  d->score(x.data(), 1, logit.data());
  EXPECT_NEAR(logit[0], python_logit(rgb, {0.5, 0.5, 0.5}, {0.25, 0.5, 0.125}, true), 1e-4);
  EXPECT_EQ(d->info().description.channel_order, gan::ChannelOrder::Bgr);
  EXPECT_EQ(d->info().description.output, gan::OutputKind::Softmax); // from the sidecar

  // The same override from a file.
  std::ofstream(dir.file("override.json")) << override_text;
  gan::Detector::load(path, dir.file("override.json"))->score(x.data(), 1, logit.data());
  EXPECT_NEAR(logit[0], python_logit(rgb, {0.5, 0.5, 0.5}, {0.25, 0.5, 0.125}, true), 1e-4);
}

TEST(ModelDescription, AttributesDescribeTheModuleToo) {
  TempDir dir;
  torch::jit::Module m("Scaled");
  m.register_attribute("channels", c10::IntType::get(), int64_t{1});
  m.register_attribute("height", c10::IntType::get(), int64_t{4});
  m.register_attribute("width", c10::IntType::get(), int64_t{4});
  m.register_attribute("range", c10::StringType::get(), std::string("0..255"));
  m.register_attribute("output", c10::StringType::get(), std::string("probability"));
  m.define("def forward(self, x):\n    return x.mean([1, 2, 3]) / 255.0\n");
  m.save(dir.file("p.pt"));
  auto d = gan::Detector::load(dir.file("p.pt"));
  EXPECT_EQ(d->info().description.range, gan::ValueRange::ZeroTo255);
  // A grey frame of value v: the module sees v (0..255) and says p = v / 255; the logit is
  // log(p / (1 - p)).
  std::vector<float> x(16, static_cast<float>(51 / 127.5 - 1.0)), logit(1);
  d->score(x.data(), 1, logit.data());
  EXPECT_NEAR(logit[0], std::log(0.2 / 0.8), 1e-4);
}

TEST(ModelDescription, BadDescriptionsNameTheirSourceAndKey) {
  TempDir dir;
  const std::string path = save_classifier(dir, "c.pt");
  // Colour is the default; the input size must be said.
  std::string msg = expect_error([&] { gan::Detector::load(path); }, ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("does not say its input size"), std::string::npos) << msg;
  EXPECT_NE(msg.find("c.pt.json"), std::string::npos) << msg;

  msg = expect_error([&] { gan::Detector::load(path, R"({"size": [8, 8], "colour": "rgb"})"); },
                     ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("unknown key 'colour'"), std::string::npos) << msg;
  msg = expect_error([&] { gan::Detector::load(path, R"({"size": [8, 8], "range": "0..2"})"); },
                     ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("'range' is '0..2'"), std::string::npos) << msg;
  msg = expect_error([&] { gan::Detector::load(path, R"({"size": [8, 8], "std": [1, 0, 1]})"); },
                     ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("'std'"), std::string::npos) << msg;
  std::ofstream(path + ".json") << "{ not json";
  msg = expect_error([&] { gan::Detector::load(path); }, ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("c.pt.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;
  std::filesystem::remove(path + ".json");
  msg = expect_error([&] { gan::Detector::load(path, dir.file("absent.json")); },
                     ErrorCode::NotFound);
  EXPECT_NE(msg.find("absent.json"), std::string::npos) << msg;

  // gst-gan files describe themselves.
  const char *models = std::getenv("GST_GAN_MODELS_DIR");
  ASSERT_NE(models, nullptr);
  msg =
      expect_error([&] { gan::Detector::load(std::string(models) + "/fmnist-detector.gan", "{}"); },
                   ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("describes itself"), std::string::npos) << msg;
}

TEST(ModelDescription, AnySizeDetectorsTakeTheFrameAsItIs) {
  TempDir dir;
  torch::jit::Module m("AnySize");
  m.register_attribute("channels", c10::IntType::get(), int64_t{3});
  m.register_attribute("any_size", c10::BoolType::get(), true);
  m.define("def forward(self, x):\n    return x.mean([1, 2, 3]) * float(x.size(3))\n");
  m.save(dir.file("any.pt"));
  auto d = gan::Detector::load(dir.file("any.pt"));
  EXPECT_TRUE(d->info().description.any_size);
  std::vector<float> x(3 * 5 * 7, 0.5f), logit(1);
  d->score(x.data(), 1, 5, 7, logit.data());
  EXPECT_NEAR(logit[0], 0.5 * 7, 1e-5);
}

// A DCGAN as PyTorch users export it: latents [N, Z, 1, 1] into a transposed convolution.
TEST(TorchScriptGenerator, FourDimensionalLatentsAreFoundAndMatchPython) {
  TempDir dir;
  torch::manual_seed(3);
  const torch::Tensor weight = torch::randn({6, 3, 4, 4}) * 0.3; // Z=6 -> 3x4x4
  torch::jit::Module m("Dcgan");
  m.register_parameter("weight", weight, false);
  for (const auto &[name, v] : {std::pair<const char *, int64_t>{"latent_size", 6},
                                {"channels", 3},
                                {"height", 4},
                                {"width", 4}})
    m.register_attribute(name, c10::IntType::get(), v);
  m.define(R"(
def forward(self, z):
    return torch.tanh(torch.conv_transpose2d(z, self.weight))
)");
  const std::string path = dir.file("dcgan.pt");
  m.save(path);

  auto g = gan::Generator::load(path);
  EXPECT_EQ(g->info().description.latent_shape, gan::LatentShape::Nchw);
  std::vector<float> z(2 * 6), out(static_cast<size_t>(2 * g->image_floats()));
  g->latent(5, 0, z.data());
  g->latent(5, 1, z.data() + 6);
  g->generate(5, 0, 2, out.data());
  torch::NoGradGuard no_grad;
  const torch::Tensor want =
      torch::tanh(torch::conv_transpose2d(torch::from_blob(z.data(), {2, 6, 1, 1}), weight));
  for (int64_t i = 0; i < want.numel(); ++i)
    EXPECT_NEAR(out[static_cast<size_t>(i)], want.reshape({-1})[i].item<float>(), 1e-5);

  // Told the wrong shape, the load fails with TorchScript's whole message, not its first line.
  const std::string msg = expect_error(
      [&] { gan::Generator::load(path, R"({"latent_shape": "vector"})"); }, ErrorCode::Inference);
  EXPECT_NE(msg.find("conv_transpose2d"), std::string::npos) << msg;
  EXPECT_NE(msg.find('\n'), std::string::npos) << msg;
}

TEST(TorchScriptGenerator, OutputRangeAndChannelOrderAreUndone) {
  TempDir dir;
  torch::jit::Module m("Bgr01");
  for (const auto &[name, v] : {std::pair<const char *, int64_t>{"latent_size", 3},
                                {"channels", 3},
                                {"height", 1},
                                {"width", 1}})
    m.register_attribute(name, c10::IntType::get(), v);
  m.define("def forward(self, z):\n    return torch.sigmoid(z).reshape(-1, 3, 1, 1)\n");
  m.save(dir.file("g.pt"));
  std::ofstream(dir.file("g.pt.json")) << R"({"range": "0..1", "channel_order": "bgr"})";
  auto g = gan::Generator::load(dir.file("g.pt"));
  std::vector<float> z(3), out(3);
  g->latent(1, 0, z.data());
  g->generate(1, 0, 1, out.data());
  for (int c = 0; c < 3; ++c) // output channel c is colour 2 - c, in [0, 1]
    EXPECT_NEAR(out[static_cast<size_t>(2 - c)],
                2.0 / (1.0 + std::exp(-z[static_cast<size_t>(c)])) - 1.0, 1e-5);
}

// Issue 32, defect 9: a generator that runs on [N, Z] but returns NaN used to be reported as
// taking neither latent shape; the cause comes first now.
TEST(TorchScriptGenerator, AGeneratorThatReturnsNaNIsReportedAsSuch) {
  TempDir dir;
  torch::jit::Module m("NanGen");
  for (const auto &[name, v] : {std::pair<const char *, int64_t>{"latent_size", 8},
                                {"channels", 1},
                                {"height", 2},
                                {"width", 2}})
    m.register_attribute(name, c10::IntType::get(), v);
  m.define("def forward(self, z):\n    return (z.sum(1) * float('nan')).reshape(-1, 1, 1, 1)"
           ".expand(-1, 1, 2, 2)\n");
  m.save(dir.file("nan.pt"));
  const std::string msg =
      expect_error([&] { gan::Generator::load(dir.file("nan.pt")); }, ErrorCode::Inference);
  EXPECT_EQ(msg.rfind("generator '" + dir.file("nan.pt") +
                          "' returned non-finite values (NaN or infinity)",
                      0),
            0u)
      << msg;
  EXPECT_EQ(msg.find("takes neither"), std::string::npos) << msg;
}

// A TorchScript generator that takes a latent field (latent_shape "field") paints frames of any
// size in gangen, as gst-gan's own field models do.
TEST(TorchScriptGenerator, ALatentFieldGeneratorPaintsFramesOfAnySize) {
  TempDir dir;
  auto save = [&](const std::string &name, const std::string &body) {
    torch::jit::Module m("Field");
    for (const auto &[key, v] : {std::pair<const char *, int64_t>{"latent_size", 8},
                                 {"channels", 3},
                                 {"height", 32},
                                 {"width", 32}})
      m.register_attribute(key, c10::IntType::get(), v);
    m.register_attribute("latent_shape", c10::StringType::get(), std::string("field"));
    m.define("def forward(self, z):\n    " + body + "\n");
    m.save(dir.file(name));
    return dir.file(name);
  };
  // Each cell's first three local channels, as an 8x8 block, the border cells consumed.
  const std::string path =
      save("field.pt", "return torch.tanh(z[:, 0:3, 2:z.size(2) - 2, 2:z.size(3) - 2]"
                       ".repeat_interleave(8, dim=2).repeat_interleave(8, dim=3))");
  auto g = gan::Generator::load(path);
  EXPECT_TRUE(g->paints_any_size());
  gan::StreamSettings s;
  s.seed = 4;
  s.drift_speed = 3;
  std::vector<float> out(3 * 20 * 36);
  g->paint_frames(s, 5, 1, 20, 36, out.data());
  const gan::FrameField ff = gan::frame_field(s, 8, 5, 20, 36);
  const torch::Tensor want = torch::tanh(ff.field.slice(0, 0, 3)
                                             .slice(1, 2, ff.field.size(1) - 2)
                                             .slice(2, 2, ff.field.size(2) - 2)
                                             .repeat_interleave(8, 1)
                                             .repeat_interleave(8, 2))
                                 .slice(1, ff.y, ff.y + 20)
                                 .slice(2, ff.x, ff.x + 36)
                                 .contiguous();
  EXPECT_TRUE(torch::allclose(torch::from_blob(out.data(), {3, 20, 36}), want, 1e-6, 1e-6));

  // A module that breaks the contract (8 pixels per cell) is refused when it loads.
  const std::string msg =
      expect_error([&] { gan::Generator::load(save("bad.pt", "return torch.tanh(z[:, 0:3])")); },
                   ErrorCode::Inference);
  EXPECT_NE(msg.find("8 pixels per cell"), std::string::npos) << msg;
}

TEST(TorchScriptModels, IdsComeFromTheBytesNotThePath) {
  TempDir dir;
  const std::string a = save_classifier(dir, "a.pt");
  std::ofstream(dir.file("b.json")) << kTorchvisionSidecar;
  std::ofstream(a + ".json") << kTorchvisionSidecar;
  std::filesystem::copy_file(a, dir.file("b.pt"));
  const std::string id_a = gan::Detector::load(a)->info().id;
  EXPECT_EQ(id_a, gan::Detector::load(dir.file("b.pt"))->info().id);
  EXPECT_EQ(id_a.find(dir.path()), std::string::npos);
  EXPECT_EQ(id_a.rfind("torchscript:", 0), 0u) << id_a;
}

// A TorchScript detector runs in its inference form (channels-last weights, frozen: the
// BatchNorm folded into the convolution) when that form agrees with the module as loaded, and
// gives the same logits; a module whose forward changes its own attributes still runs (freezing
// keeps those attributes).
TEST(TorchScriptDetector, RunsFrozenAndChannelsLastWhenThatAgrees) {
  TempDir dir;
  torch::jit::Module conv("Conv"); // weights in a submodule, as nn.Sequential has them
  torch::manual_seed(3);
  conv.register_parameter("w", torch::randn({4, 3, 3, 3}) * 0.3, false);
  conv.define(R"(def forward(self, x):
    return torch.conv2d(x, self.w, None, [1, 1], [1, 1])
)");
  torch::jit::Module m("ConvBn");
  m.register_module("conv", conv);
  m.register_buffer("bn_mean", torch::randn({4}) * 0.1);
  m.register_buffer("bn_var", torch::rand({4}) + 0.5);
  m.register_attribute("channels", c10::IntType::get(), int64_t{3});
  m.register_attribute("height", c10::IntType::get(), int64_t{8});
  m.register_attribute("width", c10::IntType::get(), int64_t{8});
  m.define(R"(def forward(self, x):
    y = self.conv.forward(x)
    y = torch.batch_norm(y, None, None, self.bn_mean, self.bn_var, False, 0.1, 1e-5, False)
    return torch.relu(y).mean([1, 2, 3]) - 0.1
)");
  m.eval();
  m.save(dir.file("convbn.pt"));
  auto d = gan::Detector::load(dir.file("convbn.pt"));
  EXPECT_EQ(d->info().runtime_form, "frozen, channels-last");
  std::vector<float> x(2 * 3 * 8 * 8);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(std::sin(0.1 * static_cast<double>(i * i % 97)));
  std::vector<float> got(2);
  d->score(x.data(), 2, got.data());
  torch::NoGradGuard no_grad;
  const torch::Tensor want =
      m.forward({torch::from_blob(x.data(), {2, 3, 8, 8}).clone()}).toTensor();
  EXPECT_NEAR(got[0], want[0].item<float>(), 1e-5);
  EXPECT_NEAR(got[1], want[1].item<float>(), 1e-5);
  EXPECT_NE(got[0], got[1]);
  // In bfloat16 (gandetect's bf16): the same logits to bfloat16's precision.
  auto half = gan::Detector::load(dir.file("convbn.pt"), {}, /*bfloat16=*/true);
  EXPECT_EQ(half->info().runtime_form, "frozen, channels-last, bfloat16");
  std::vector<float> rough(2);
  half->score(x.data(), 2, rough.data());
  EXPECT_NEAR(rough[0], got[0], 0.02 * std::max(1.0f, std::abs(got[0])));
  EXPECT_NEAR(rough[1], got[1], 0.02 * std::max(1.0f, std::abs(got[1])));

  torch::jit::Module counting("Counting");
  counting.register_attribute("calls", c10::IntType::get(), int64_t{0});
  counting.register_attribute("channels", c10::IntType::get(), int64_t{1});
  counting.register_attribute("height", c10::IntType::get(), int64_t{4});
  counting.register_attribute("width", c10::IntType::get(), int64_t{4});
  counting.define(R"(def forward(self, x):
    self.calls += 1
    return x.mean([1, 2, 3])
)");
  counting.save(dir.file("counting.pt"));
  auto c = gan::Detector::load(dir.file("counting.pt"));
  std::vector<float> grey(16, 0.5f), logit(1);
  c->score(grey.data(), 1, logit.data());
  c->score(grey.data(), 1, logit.data());
  EXPECT_NEAR(logit[0], 0.5, 1e-6);
}
