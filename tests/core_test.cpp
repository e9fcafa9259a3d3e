// SPDX-License-Identifier: LGPL-2.1-or-later
// The LibTorch core: architectures, model files, runtime facades and the trainer.

#include "test_util.h"

#include "gan/diff_augment.h"
#include "gan/hash.h"
#include "gan/latents.h"
#include "gan/model_file.h"
#include "gan/nets.h"
#include "gan/runtime.h"
#include "gan/threads.h"
#include "gan/trainer.h"
#include "gan/weights.h"

#include <torch/script.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <random>
#include <regex>
#include <thread>

namespace {

using gan::ErrorCode;
using gan_test::expect_error;
using gan_test::TempDir;

gan::ModelConfig config(const std::string &arch, int64_t size) { return {arch, 16, 1, size, size}; }

gan::ModelConfig native(const std::string &arch) { return {arch, 100, 1, 28, 28}; }

std::string save_fresh_gan(const TempDir &dir, const gan::ModelConfig &c, uint64_t seed,
                           const std::string &name = "model.gan") {
  torch::manual_seed(seed);
  gan::Provenance prov;
  prov.dataset = "test";
  prov.seed = seed;
  gan::ModelFile f = gan::gan_to_file(gan::build_gan(c), prov);
  const std::string path = dir.file(name);
  gan::write_model_file(path, f);
  return path;
}

// ---------------------------------------------------------------- architectures

class ArchitectureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ArchitectureTest, ShapesAndRanges) {
  torch::manual_seed(0);
  const gan::ModelConfig c = native(GetParam());
  gan::Gan g = gan::build_gan(c);
  g.generator->eval();
  g.discriminator->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor z =
      torch::randn({5, c.latent}) * 3; // large latents must still map into range
  const torch::Tensor x = g.generator->forward(z);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
  EXPECT_GE(x.min().item<float>(), -1.0f);
  EXPECT_LE(x.max().item<float>(), 1.0f);
  EXPECT_GT(x.std().item<float>(), 0.0f);
  const torch::Tensor logits = g.discriminator->forward(x);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{5}));
  EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
}

TEST_P(ArchitectureTest, ThreeChannelsWork) {
  const gan::ModelConfig c{GetParam(), 32, 3, 28, 28};
  gan::Gan g = gan::build_gan(c);
  torch::NoGradGuard no_grad;
  const torch::Tensor x = g.generator->forward(torch::randn({2, 32}));
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{2, 3, 28, 28}));
  EXPECT_EQ(g.discriminator->forward(x).sizes(), (std::vector<int64_t>{2}));
}

INSTANTIATE_TEST_SUITE_P(Archs, ArchitectureTest, ::testing::Values("mlp", "dcgan"));

TEST(ArchitectureConfig, LayerSizesAreTheClassicOnes) {
  gan::Gan mlp = gan::build_gan(native("mlp"));
  auto p = mlp.generator->named_parameters();
  EXPECT_EQ(p["hidden.weight"].sizes(), (std::vector<int64_t>{256, 100}));
  EXPECT_EQ(p["out.weight"].sizes(), (std::vector<int64_t>{784, 256}));
  auto d = mlp.discriminator->named_parameters();
  EXPECT_EQ(d["hidden.weight"].sizes(), (std::vector<int64_t>{256, 784}));
  EXPECT_EQ(d["out.weight"].sizes(), (std::vector<int64_t>{1, 256}));

  // DCGAN: 100 -> 256x4x4 -> 128x7x7 -> 64x14x14 -> 1x28x28.
  gan::Gan dc = gan::build_gan(native("dcgan"));
  dc.generator->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor h = torch::randn({1, 100, 1, 1});
  std::vector<std::vector<int64_t>> shapes;
  for (const auto &m : dc.generator->modules(false))
    if (auto *conv = m->as<torch::nn::ConvTranspose2dImpl>()) {
      h = conv->forward(h);
      shapes.push_back(h.sizes().vec());
    }
  EXPECT_EQ(shapes, (std::vector<std::vector<int64_t>>{
                        {1, 256, 4, 4}, {1, 128, 7, 7}, {1, 64, 14, 14}, {1, 1, 28, 28}}));
}

TEST(ArchitectureConfig, RejectsWhatCannotBeBuilt) {
  expect_error(
      [] {
        gan::build_gan({"transformer", 100, 1, 28, 28});
      },
      ErrorCode::UnknownArchitecture);
  expect_error([] { gan::build_gan({"dcgan", 100, 1, 32, 32}); }, ErrorCode::InvalidArgument);
  expect_error([] { gan::build_gan({"mlp", 0, 1, 28, 28}); }, ErrorCode::InvalidArgument);
  expect_error([] { gan::build_gan({"mlp", 100, 2, 28, 28}); }, ErrorCode::InvalidArgument);
}

TEST(ArchitectureConfig, OneTableSaysWhatEachArchitectureIs) {
  // Every name the file format knows has its row, and the row names it back.
  for (const char *name : {"mlp", "dcgan", "field", "autoencoder", "classifier", "detector"}) {
    const gan::ArchTraits *a = gan::find_arch(name);
    ASSERT_NE(a, nullptr) << name;
    EXPECT_STREQ(a->name, name);
  }
  EXPECT_EQ(gan::find_arch("transformer"), nullptr);
  EXPECT_EQ(gan::find_arch(""), nullptr);
  try {
    gan::arch_of({"transformer", 100, 1, 28, 28});
    ADD_FAILURE() << "an unknown architecture was accepted";
  } catch (const gan::Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::UnknownArchitecture);
    EXPECT_NE(std::string(e.what()).find("transformer"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("known: mlp, dcgan, field"), std::string::npos)
        << e.what();
  }
  // What the rows say is what validation and the builders do.
  EXPECT_TRUE(gan::is_arch({"field", 8, 3, 32, 32}, gan::Arch::Field));
  EXPECT_FALSE(gan::is_arch({"transformer", 8, 3, 32, 32}, gan::Arch::Field));
  for (const gan::ArchTraits *a : {gan::find_arch("classifier"), gan::find_arch("detector")})
    EXPECT_FALSE(a->gan || a->latent) << a->name;
  expect_error(
      [] {
        gan::validate_config({"classifier", 0, 1, 32, 32});
      },
      ErrorCode::InvalidArgument); // only_side 28
  expect_error(
      [] {
        gan::validate_config({"detector", 0, 3, 4, 4});
      },
      ErrorCode::InvalidArgument); // min_side 8
  EXPECT_NO_THROW(gan::validate_config({"detector", 0, 3, 8, 12}));
  expect_error(
      [] {
        gan::validate_config({"autoencoder", 8, 3, 20, 20});
      },
      ErrorCode::InvalidArgument); // side_step 8
  expect_error(
      [] {
        gan::validate_config({"field", 7, 3, 32, 32});
      },
      ErrorCode::InvalidArgument); // an odd latent
  expect_error([] { gan::build_gan({"detector", 0, 3, 8, 8}); }, ErrorCode::InvalidArgument);
}

// ---------------------------------------------------------------- model files

TEST(ModelFile, RoundTripIsExact) {
  TempDir dir;
  for (const std::string arch : {"mlp", "dcgan"}) {
    torch::manual_seed(3);
    gan::Gan g = gan::build_gan(native(arch));
    gan::Provenance prov{"unit test",   42, 7, "2026-01-01T00:00:00Z", "gst-gan test",
                         {{"fid", 1.5}}};
    gan::ModelFile f = gan::gan_to_file(g, prov);
    const std::string path = dir.file(arch + ".gan");
    gan::write_model_file(path, f);

    const gan::ModelFile back = gan::read_model_file(path);
    EXPECT_EQ(back.kind, "gan");
    EXPECT_EQ(back.config, g.config);
    EXPECT_EQ(back.provenance.dataset, "unit test");
    EXPECT_EQ(back.provenance.steps, 42);
    EXPECT_EQ(back.provenance.seed, 7u);
    EXPECT_EQ(back.provenance.date, "2026-01-01T00:00:00Z");
    EXPECT_DOUBLE_EQ(back.provenance.metrics.at("fid"), 1.5);

    gan::Gan loaded = gan::gan_from_file(back);
    auto a = g.generator->named_parameters();
    for (const auto &p : loaded.generator->named_parameters())
      EXPECT_TRUE(torch::equal(p.value(), a[p.key()])) << p.key();
    auto ab = g.discriminator->named_buffers();
    for (const auto &b : loaded.discriminator->named_buffers())
      EXPECT_TRUE(torch::equal(b.value(), ab[b.key()])) << b.key();
    // The same network: identical outputs, bit for bit.
    g.generator->eval();
    loaded.generator->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor z = torch::randn({4, 100});
    EXPECT_TRUE(torch::equal(g.generator->forward(z), loaded.generator->forward(z)));
  }
}

class ModelFileCorruption : public ::testing::Test {
protected:
  void SetUp() override {
    path_ = save_fresh_gan(dir_, config("mlp", 8), 1);
    bytes_ = gan_test::read_bytes(path_);
  }
  std::string write(const std::vector<uint8_t> &bytes) {
    const std::string p = dir_.file("damaged.gan");
    gan_test::write_bytes(p, bytes);
    return p;
  }
  size_t header_end() const {
    uint64_t len = 0;
    for (int i = 0; i < 8; ++i)
      len |= static_cast<uint64_t>(bytes_[8 + i]) << (8 * i);
    return 16 + len;
  }
  // Replaces the first occurrence of `from` in the header with `to` (same length).
  std::vector<uint8_t> patched(const std::string &from, const std::string &to) const {
    std::string s(bytes_.begin(), bytes_.end());
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    EXPECT_LT(at, header_end());
    s.replace(at, from.size(), to);
    return {s.begin(), s.end()};
  }
  // The file with its header text edited by a regex (any length: the header length is fixed).
  std::vector<uint8_t> rewritten(const std::string &pattern, const std::string &to) const {
    const std::string header(bytes_.begin() + 16, bytes_.begin() + static_cast<long>(header_end()));
    const std::string edited = std::regex_replace(header, std::regex(pattern), to,
                                                  std::regex_constants::format_first_only);
    EXPECT_NE(edited, header) << pattern;
    std::vector<uint8_t> out(bytes_.begin(), bytes_.begin() + 8);
    for (int i = 0; i < 8; ++i)
      out.push_back(static_cast<uint8_t>((edited.size() >> (8 * i)) & 0xff));
    out.insert(out.end(), edited.begin(), edited.end());
    out.insert(out.end(), bytes_.begin() + static_cast<long>(header_end()), bytes_.end());
    return out;
  }
  TempDir dir_;
  std::string path_;
  std::vector<uint8_t> bytes_;
};

// Runs fn on its own thread and waits at most 10 s, so that a read which blocks (a FIFO) or
// never ends (/dev/zero) fails the test instead of hanging the suite.
std::string error_within_deadline(std::function<void()> fn, ErrorCode code) {
  auto task = std::make_shared<std::packaged_task<std::string()>>(
      [fn, code] { return expect_error(fn, code); });
  std::future<std::string> result = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "still reading after 10 s";
    return {};
  }
  return result.get();
}

TEST_F(ModelFileCorruption, MissingFile) {
  const std::string msg =
      expect_error([&] { gan::read_model_file(dir_.file("nope.gan")); }, ErrorCode::NotFound);
  EXPECT_NE(msg.find("nope.gan"), std::string::npos);
  expect_error([&] { gan::Generator::load(dir_.file("nope.gan")); }, ErrorCode::NotFound);
}

TEST_F(ModelFileCorruption, NotAModelFile) {
  const std::string p = write({'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'});
  expect_error([&] { gan::read_model_file(p); }, ErrorCode::WrongKind);
  // Neither our magic nor a TorchScript zip: the facade says so too.
  expect_error([&] { gan::Generator::load(p); }, ErrorCode::WrongKind);
  expect_error([&] { gan::Detector::load(p); }, ErrorCode::WrongKind);
}

TEST_F(ModelFileCorruption, EveryTruncationIsReportedAsTruncated) {
  const size_t cuts[] = {0, 3, 8, 12, 20, header_end() - 1, header_end() + 5, bytes_.size() - 1};
  for (size_t cut : cuts) {
    const std::string p = write({bytes_.begin(), bytes_.begin() + static_cast<long>(cut)});
    expect_error([&] { gan::read_model_file(p); }, ErrorCode::Truncated);
    expect_error([&] { gan::Generator::load(p); }, ErrorCode::Truncated);
  }
}

TEST_F(ModelFileCorruption, DamagedWeightsFailTheChecksum) {
  std::vector<uint8_t> b = bytes_;
  b[header_end() + 100] ^= 0x40;
  const std::string msg = expect_error([&] { gan::read_model_file(write(b)); }, ErrorCode::Corrupt);
  EXPECT_NE(msg.find("checksum"), std::string::npos);
}

TEST_F(ModelFileCorruption, MalformedHeader) {
  std::vector<uint8_t> b = bytes_;
  b[20] = '#';
  expect_error([&] { gan::read_model_file(write(b)); }, ErrorCode::Corrupt);
  // A header length beyond any real file is refused before any allocation.
  b = bytes_;
  b[15] = 0x7f;
  expect_error([&] { gan::read_model_file(write(b)); }, ErrorCode::Corrupt);
  // A tensor pointing outside the data.
  expect_error([&] { gan::read_model_file(write(patched("\"offset\": 0", "\"offset\": 9"))); },
               ErrorCode::Corrupt);
}

TEST_F(ModelFileCorruption, UnknownArchitecture) {
  const std::string msg = expect_error(
      [&] { gan::read_model_file(write(patched("\"arch\": \"mlp\"", "\"arch\": \"xyz\""))); },
      ErrorCode::UnknownArchitecture);
  EXPECT_NE(msg.find("xyz"), std::string::npos);
}

TEST_F(ModelFileCorruption, ConfigWeightMismatch) {
  // The header claims 9x9 images but the weights were made for 8x8.
  const std::vector<uint8_t> b = patched("\"height\": 8", "\"height\": 9");
  const std::string p = write(b);
  const gan::ModelFile f = gan::read_model_file(p); // the container itself is sound
  const std::string msg = expect_error([&] { gan::gan_from_file(f); }, ErrorCode::ConfigMismatch);
  EXPECT_NE(msg.find("generator.out"), std::string::npos) << msg;
  expect_error([&] { gan::Generator::load(p); }, ErrorCode::ConfigMismatch);
}

TEST_F(ModelFileCorruption, WrongKind) {
  // A model file is not a checkpoint.
  const gan::ImageSet data = gan_test::pattern_images(16, 8, 8, 1);
  expect_error([&] { gan::Trainer::resume(path_, data); }, ErrorCode::WrongKind);
  // A file of another kind holds no GAN.
  const std::string p = write(patched("\"kind\": \"gan\"", "\"kind\": \"xyz\""));
  expect_error([&] { gan::Generator::load(p); }, ErrorCode::WrongKind);
}

// Header numbers are checked by JSON type and range: nlohmann alone reads 2^64 as 0,
// 4294967297 as 1 and 8.5 as 8, and converting 1e30 to an integer is undefined behaviour.
TEST_F(ModelFileCorruption, HeaderNumbersMustBeIntegersInRange) {
  const std::pair<std::string, std::string> cases[] = {
      {R"("offset": 0)", R"("offset": 18446744073709551616)"},
      {R"("format_version": 1)", R"("format_version": 4294967297)"},
      {R"("latent": 16)", R"("latent": 16.5)"},
      {R"("latent": 16)", R"("latent": 16.0)"},
      {R"("data_bytes": \d+)", R"("data_bytes": 1e30)"},
      {R"("data_bytes": \d+)", R"("data_bytes": -1)"},
      {R"("seed": \d+)", R"("seed": -1)"},
      {R"("steps": \d+)", R"("steps": "12")"},
      {R"("nbytes": \d+)", R"("nbytes": 1.5e3)"},
      {R"("shape": \[)", R"("shape": [-1, )"},
  };
  for (const auto &[from, to] : cases) {
    const std::string field = to.substr(1, to.find('"', 1) - 1);
    const std::string msg =
        expect_error([&] { gan::read_model_file(write(rewritten(from, to))); }, ErrorCode::Corrupt);
    EXPECT_NE(msg.find(field), std::string::npos) << to << ": " << msg;
    EXPECT_NE(msg.find("damaged.gan"), std::string::npos) << to << ": " << msg;
  }
  // The same edit to a valid value loads: the rewriting itself is sound.
  EXPECT_NO_THROW(gan::read_model_file(write(rewritten(R"("steps": \d+)", R"("steps": 12)"))));
}

// A key twice in one object, at any depth, is refused: the last one would win silently.
TEST_F(ModelFileCorruption, DuplicateHeaderKeysAreCorrupt) {
  for (const auto &[from, to] : std::vector<std::pair<std::string, std::string>>{
           {R"(^\{)", R"({"kind": "gan",)"},
           {R"("config": \{)", R"("config": {"latent": 16,)"},
           {R"("offset": 0)", R"("offset": 0, "offset": 0)"}}) {
    const std::string msg =
        expect_error([&] { gan::read_model_file(write(rewritten(from, to))); }, ErrorCode::Corrupt);
    EXPECT_NE(msg.find("twice"), std::string::npos) << to << ": " << msg;
  }
}

// Only regular files are read: a FIFO would block forever, /dev/zero never ends; each is
// refused at once by name.
TEST_F(ModelFileCorruption, OnlyRegularFilesAreRead) {
  const std::string fifo = dir_.file("fifo.gan");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string msg =
      error_within_deadline([&] { gan::read_model_file(fifo); }, ErrorCode::WrongKind);
  EXPECT_NE(msg.find("fifo.gan"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a regular file"), std::string::npos) << msg;
  for (const char *device : {"/dev/zero", "/dev/urandom"}) {
    msg = error_within_deadline([&] { gan::read_model_file(device); }, ErrorCode::WrongKind);
    EXPECT_NE(msg.find(device), std::string::npos) << msg;
    msg = error_within_deadline([&] { gan::Generator::load(device); }, ErrorCode::WrongKind);
    EXPECT_NE(msg.find("not a regular file"), std::string::npos) << msg;
  }
  msg = error_within_deadline([&] { gan::read_model_file(dir_.path()); }, ErrorCode::NotFound);
  EXPECT_NE(msg.find("is a directory"), std::string::npos) << msg;
  msg = error_within_deadline([&] { gan::Detector::load(dir_.path()); }, ErrorCode::NotFound);
  EXPECT_NE(msg.find("is a directory"), std::string::npos) << msg;
}

// Nothing beyond what the header declares is read: a 64 GiB (sparse) file with a valid
// header is refused for its trailing bytes at once, not slurped first.
TEST_F(ModelFileCorruption, ReadsNoMoreThanTheHeaderDeclares) {
  const std::string p = write(bytes_);
  ASSERT_EQ(truncate(p.c_str(), off_t{64} << 30), 0);
  const std::string msg =
      error_within_deadline([&] { gan::read_model_file(p); }, ErrorCode::Corrupt);
  EXPECT_NE(msg.find("trailing bytes"), std::string::npos) << msg;
}

// A model file of the wrong kind names itself when the weights code refuses it.
TEST_F(ModelFileCorruption, WrongKindNamesTheFile) {
  const gan::ModelFile f =
      gan::read_model_file(write(patched(R"("kind": "gan")", R"("kind": "xyz")")));
  std::string msg = expect_error([&] { gan::gan_from_file(f); }, ErrorCode::WrongKind);
  EXPECT_NE(msg.find("damaged.gan"), std::string::npos) << msg;
  msg = expect_error([&] { gan::detector_from_file(f); }, ErrorCode::WrongKind);
  EXPECT_NE(msg.find("damaged.gan"), std::string::npos) << msg;
  msg = expect_error([&] { gan::Generator::load(dir_.file("damaged.gan")); }, ErrorCode::WrongKind);
  EXPECT_NE(msg.find("damaged.gan"), std::string::npos) << msg;
}

// Hostile files: thousands of random corruptions of a valid file. Each must load or throw
// gan::Error; anything else (a crash, another exception type) fails the test.
TEST_F(ModelFileCorruption, RandomDamageIsAlwaysACleanError) {
  std::mt19937 rng(1234);
  int rejected = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> b = bytes_;
    switch (trial % 4) {
    case 0: // flip bytes anywhere, header included
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k)
        b[rng() % b.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
      break;
    case 1: // cut anywhere
      b.resize(rng() % b.size());
      break;
    case 2: // overwrite a header byte with a JSON-significant character
    {
      static const char kJson[] = "{}[]\\\",:0-9e";
      b[16 + rng() % (header_end() - 16)] = static_cast<uint8_t>(kJson[rng() % (sizeof kJson - 1)]);
    } break;
    default: // grow: garbage appended
      b.insert(b.end(), 1 + rng() % 64, static_cast<uint8_t>(rng()));
      break;
    }
    const std::string p = write(b);
    try {
      gan::Generator::load(p);
    } catch (const gan::Error &) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1900); // nearly every corruption is detected (the checksum covers data)
}

// ---------------------------------------------------------------- runtime facades

// The deployment form (BatchNorm folded, projection first layer, channels-last convolutions)
// computes what the trained modules compute, for every architecture with BatchNorm.
TEST(InferenceForm, MatchesTheTrainedModules) {
  torch::manual_seed(3);
  gan::ModelConfig dcgan{"dcgan", 100, 1, 28, 28};
  gan::ModelConfig detector{"detector", 0, 1, 28, 28};
  gan::Gan g = gan::build_gan(dcgan);
  std::vector<std::pair<gan::ImageModule, torch::Tensor>> cases = {
      {g.generator, torch::randn({3, 100})},
      {g.discriminator, torch::rand({3, 1, 28, 28}) * 2 - 1},
      {gan::build_detector(detector), torch::rand({3, 1, 28, 28}) * 2 - 1}};
  for (auto &[net, x] : cases) {
    { // BatchNorm statistics as training leaves them, not the identity they start as
      torch::NoGradGuard no_grad;
      for (auto &b : net->buffers())
        if (b.dtype() == torch::kFloat32)
          b.uniform_(0.5, 1.5);
    }
    net->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor want = net->forward(x);
    net->prepare_for_inference();
    const torch::Tensor got = net->forward(x);
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_LT((got - want).abs().max().item<float>(), 1e-4);
    // A sample does not depend on its batch.
    const torch::Tensor one = net->forward(x.slice(0, 1, 2));
    EXPECT_LT((one[0] - got[1]).abs().max().item<float>(), 1e-5);
  }
}

TEST(GeneratorRuntime, SameSeedGivesBitIdenticalSamples) {
  TempDir dir;
  const std::string path = save_fresh_gan(dir, native("dcgan"), 5);
  auto a = gan::Generator::load(path);
  auto b = gan::Generator::load(path);
  const int64_t n = 6, floats = a->image_floats();
  std::vector<float> x(static_cast<size_t>(n * floats)), y(x.size()), other(x.size());
  a->generate(11, 0, n, x.data());
  b->generate(11, 0, n, y.data());
  EXPECT_EQ(0, std::memcmp(x.data(), y.data(), x.size() * sizeof(float)));
  a->generate(12, 0, n, other.data());
  EXPECT_NE(0, std::memcmp(x.data(), other.data(), x.size() * sizeof(float)));
  for (float v : x) {
    ASSERT_GE(v, -1.0f);
    ASSERT_LE(v, 1.0f);
  }
}

TEST(GeneratorRuntime, SampleDependsOnIndexNotOnBatch) {
  TempDir dir;
  auto g = gan::Generator::load(save_fresh_gan(dir, native("dcgan"), 5));
  const int64_t floats = g->image_floats();
  std::vector<float> batch(static_cast<size_t>(8 * floats)), single(static_cast<size_t>(floats));
  g->generate(3, 100, 8, batch.data());
  for (int64_t i : {0, 5, 7}) {
    g->generate(3, 100 + static_cast<uint64_t>(i), 1, single.data());
    for (int64_t k = 0; k < floats; ++k)
      ASSERT_NEAR(single[static_cast<size_t>(k)], batch[static_cast<size_t>(i * floats + k)], 1e-5)
          << "sample " << i;
  }
}

TEST(GeneratorRuntime, LoadsATorchScriptGenerator) {
  TempDir dir;
  torch::jit::Module m("TinyGenerator");
  m.register_attribute("latent_size", c10::IntType::get(), int64_t{16});
  m.register_attribute("channels", c10::IntType::get(), int64_t{1});
  m.register_attribute("height", c10::IntType::get(), int64_t{4});
  m.register_attribute("width", c10::IntType::get(), int64_t{4});
  m.register_attribute("name", c10::StringType::get(), std::string("tiny"));
  m.define(R"(
def forward(self, z):
    return torch.tanh(z.reshape(-1, 1, 4, 4) * 2.0)
)");
  const std::string path = dir.file("tiny.pt");
  m.save(path);

  auto g = gan::Generator::load(path);
  EXPECT_EQ(g->info().format, "torchscript");
  // The id names the module and its exact bytes (FNV-1a 64), never the path it was read from.
  const std::vector<uint8_t> bytes = gan_test::read_bytes(path);
  EXPECT_EQ(g->info().id, "tiny:" + gan::fnv1a64_hex(bytes.data(), bytes.size()).substr(0, 12));
  EXPECT_EQ(g->info().config.latent, 16);
  EXPECT_EQ(g->image_floats(), 16);
  std::vector<float> z(32), out(32);
  g->latent(9, 0, z.data());
  g->latent(9, 1, z.data() + 16);
  g->generate(9, 0, 2, out.data());
  for (size_t i = 0; i < out.size(); ++i)
    EXPECT_FLOAT_EQ(out[i], std::tanh(z[i] * 2.0f));
}

TEST(GeneratorRuntime, TorchScriptErrorsAreReported) {
  TempDir dir;
  torch::jit::Module no_attrs("NoAttrs");
  no_attrs.define("def forward(self, z):\n    return z\n");
  no_attrs.save(dir.file("noattrs.pt"));
  const std::string msg = expect_error([&] { gan::Generator::load(dir.file("noattrs.pt")); },
                                       ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("latent_size"), std::string::npos);

  torch::jit::Module bad_shape("BadShape");
  for (const char *a : {"latent_size", "channels", "height", "width"})
    bad_shape.register_attribute(a, c10::IntType::get(),
                                 int64_t{std::string(a) == "latent_size" ? 4 : 3});
  bad_shape.define("def forward(self, z):\n    return z\n"); // [N, 4] is no [N, 3, 3, 3]
  bad_shape.save(dir.file("badshape.pt"));
  // A module that cannot make images is refused when it loads, with the shape it returned.
  const std::string bad =
      expect_error([&] { gan::Generator::load(dir.file("badshape.pt")); }, ErrorCode::Inference);
  EXPECT_NE(bad.find("[1, 4], expected [1, 3, 3, 3]"), std::string::npos) << bad;
}

TEST(DetectorRuntime, DiscriminatorScoresFakeLogits) {
  TempDir dir;
  const std::string path = save_fresh_gan(dir, native("dcgan"), 8);
  auto d = gan::Detector::load(path);
  gan::Gan g = gan::gan_from_file(gan::read_model_file(path));
  g.discriminator->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::rand({3, 1, 28, 28}) * 2 - 1;
  std::vector<float> logits(3);
  d->score(x.data_ptr<float>(), 3, logits.data());
  const torch::Tensor want = -g.discriminator->forward(x); // D says "real"; the detector "fake"
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(logits[static_cast<size_t>(i)], want[i].item<float>(), 1e-5);
}

TEST(DetectorRuntime, LoadsATorchScriptDetectorWithEitherLogitShape) {
  TempDir dir;
  for (const char *ret : {"x.mean([1, 2, 3]) * 10.0", "x.mean([1, 2, 3]).unsqueeze(1) * 10.0"}) {
    torch::jit::Module m("TinyDetector");
    m.register_attribute("channels", c10::IntType::get(), int64_t{3});
    m.register_attribute("height", c10::IntType::get(), int64_t{5});
    m.register_attribute("width", c10::IntType::get(), int64_t{5});
    m.define(std::string("def forward(self, x):\n    return ") + ret + "\n");
    m.save(dir.file("det.pt"));
    auto d = gan::Detector::load(dir.file("det.pt"));
    std::vector<float> images(2 * 75, 0.5f), logits(2);
    std::fill(images.begin() + 75, images.end(), -0.25f);
    d->score(images.data(), 2, logits.data());
    EXPECT_FLOAT_EQ(logits[0], 5.0f);
    EXPECT_FLOAT_EQ(logits[1], -2.5f);
  }
}

// ---------------------------------------------------------------- training

gan::TrainOptions small_options(const std::string &arch, int64_t size) {
  gan::TrainOptions o;
  o.config = config(arch, size);
  o.batch_size = 16;
  o.seed = 99;
  o.label_smoothing = 0.1;
  return o;
}

std::vector<uint8_t> checkpoint_data(const gan::Trainer &t, const TempDir &dir,
                                     const std::string &name) {
  t.save_checkpoint(dir.file(name));
  return gan::read_model_file(dir.file(name)).data; // weights, buffers, Adam state, history
}

// Trains 7 steps straight and 3 + 4 with a checkpoint between (crossing epoch boundaries:
// reshuffles), expects bit-identical weights, buffers, optimiser state and history, and returns
// the resumed trainer for more checks.
std::unique_ptr<gan::Trainer> expect_resume_equals_straight_run(const gan::TrainOptions &o,
                                                                const gan::ImageSet &data) {
  TempDir dir;
  gan::Trainer straight(o, data);
  for (int i = 0; i < 7; ++i)
    straight.step();
  {
    gan::Trainer first(o, data);
    for (int i = 0; i < 3; ++i)
      first.step();
    first.save_checkpoint(dir.file("ckpt.gan"));
  }
  auto resumed = gan::Trainer::resume(dir.file("ckpt.gan"), data);
  EXPECT_EQ(resumed->steps_done(), 3);
  for (int i = 0; i < 4; ++i)
    resumed->step();
  EXPECT_EQ(checkpoint_data(straight, dir, "a.gan"), checkpoint_data(*resumed, dir, "b.gan"));
  EXPECT_EQ(straight.history().size(), resumed->history().size());
  if (!straight.history().empty() && !resumed->history().empty())
    EXPECT_EQ(straight.history().back().d_loss, resumed->history().back().d_loss);
  return resumed;
}

class ResumeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ResumeTest, ResumedRunEqualsUninterruptedRun) {
  const int64_t size = GetParam() == "dcgan" ? 28 : 8;
  const gan::ImageSet data = gan_test::pattern_images(40, size, size, 4); // 2 full batches/epoch
  const auto resumed = expect_resume_equals_straight_run(small_options(GetParam(), size), data);
  EXPECT_EQ(resumed->options().label_smoothing, 0.1);
}

INSTANTIATE_TEST_SUITE_P(Archs, ResumeTest, ::testing::Values("mlp", "dcgan"));

TEST(Trainer, SameSeedSameRunOtherSeedOtherRun) {
  TempDir dir;
  const gan::ImageSet data = gan_test::pattern_images(32, 8, 8, 1);
  gan::TrainOptions o = small_options("mlp", 8);
  gan::Trainer a(o, data), b(o, data);
  o.seed = 100;
  gan::Trainer c(o, data);
  for (int i = 0; i < 3; ++i) {
    a.step();
    b.step();
    c.step();
  }
  EXPECT_EQ(checkpoint_data(a, dir, "a"), checkpoint_data(b, dir, "b"));
  EXPECT_NE(checkpoint_data(a, dir, "a"), checkpoint_data(c, dir, "c"));
}

TEST(Trainer, ResumeRefusesOtherData) {
  TempDir dir;
  const gan::ImageSet data = gan_test::pattern_images(32, 8, 8, 1);
  gan::Trainer t(small_options("mlp", 8), data);
  t.step();
  t.save_checkpoint(dir.file("ckpt.gan"));
  const gan::ImageSet other = gan_test::pattern_images(32, 8, 8, 2);
  expect_error([&] { gan::Trainer::resume(dir.file("ckpt.gan"), other); },
               ErrorCode::InvalidArgument);
}

TEST(Trainer, RejectsBadOptions) {
  const gan::ImageSet data = gan_test::pattern_images(32, 8, 8, 1);
  gan::TrainOptions o = small_options("mlp", 8);
  o.batch_size = 64; // more than the data holds
  expect_error([&] { gan::Trainer(o, data); }, ErrorCode::InvalidArgument);
  o = small_options("mlp", 10); // the data is 8x8
  expect_error([&] { gan::Trainer(o, data); }, ErrorCode::InvalidArgument);
  o = small_options("mlp", 8);
  o.label_smoothing = 0.7;
  expect_error([&] { gan::Trainer(o, data); }, ErrorCode::InvalidArgument);
}

// ---------------------------------------------------------------- what steadies training

TEST(DiffAugment, PoliciesParseAndUnknownOnesAreNamed) {
  EXPECT_EQ(gan::DiffAugment::parse("cutout,color").str(), "color,cutout");
  EXPECT_FALSE(gan::DiffAugment::parse("none").any());
  EXPECT_FALSE(gan::DiffAugment::parse("").any());
  EXPECT_TRUE(gan::DiffAugment::parse("translation").translation);
  const std::string msg =
      expect_error([] { gan::DiffAugment::parse("color,colour"); }, ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("'colour'"), std::string::npos) << msg;
}

// x [N, C, H, W] shifted by (dy, dx) with zeros shifted in: out[y][x] = in[y + dy][x + dx].
torch::Tensor shifted(const torch::Tensor &x, int64_t dy, int64_t dx) {
  torch::Tensor out = torch::zeros_like(x);
  const int64_t h = x.size(-2), w = x.size(-1);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t c = 0; c < w; ++c)
      if (y + dy >= 0 && y + dy < h && c + dx >= 0 && c + dx < w)
        out.select(-2, y).select(-1, c).copy_(x.select(-2, y + dy).select(-1, c + dx));
  return out;
}

TEST(DiffAugment, TranslationShiftsInZerosAndCutoutZeroesAtMostASquare) {
  const torch::Tensor x = torch::arange(6 * 3 * 16 * 16, torch::kFloat32).view({6, 3, 16, 16}) + 1;
  at::Generator rng = gan::make_rng(7, 1, 0);
  const torch::Tensor moved =
      gan::diff_augment(gan::DiffAugment::parse("translation"), x, rng, 0, 6);
  int unmoved = 0;
  for (int64_t i = 0; i < 6; ++i) {
    bool found = false; // shifts of up to 16 / 8 = 2 pixels
    for (int64_t dy = -2; dy <= 2 && !found; ++dy)
      for (int64_t dx = -2; dx <= 2 && !found; ++dx)
        if (torch::equal(moved[i], shifted(x[i], dy, dx))) {
          found = true;
          unmoved += dy == 0 && dx == 0;
        }
    EXPECT_TRUE(found) << "image " << i << " is not a shifted copy";
  }
  EXPECT_LT(unmoved, 6);

  rng = gan::make_rng(7, 2, 0);
  const torch::Tensor cut = gan::diff_augment(gan::DiffAugment::parse("cutout"), x, rng, 0, 6);
  for (int64_t i = 0; i < 6; ++i) {
    const torch::Tensor zeroed = cut[i].eq(0);
    EXPECT_TRUE(torch::equal(cut[i].masked_fill(zeroed, 0), x[i].masked_fill(zeroed, 0)));
    const int64_t n = zeroed.sum().item<int64_t>();
    EXPECT_EQ(n % 3, 0) << "every channel of a pixel goes";
    EXPECT_GE(n, 3 * 4 * 4) << "at least a quarter of the 8x8 square lies inside";
    EXPECT_LE(n, 3 * 8 * 8);
  }
}

TEST(DiffAugment, EveryPolicyPassesGradientsAndASliceDrawsAsTheWholeBatch) {
  const gan::DiffAugment all = gan::DiffAugment::parse("color,translation,cutout");
  const torch::Tensor x = torch::rand({8, 3, 16, 16}) * 2 - 1;
  const torch::Tensor input = x.clone().requires_grad_(true);
  at::Generator rng = gan::make_rng(3, 9, 1);
  const torch::Tensor y = gan::diff_augment(all, input, rng, 0, 8);
  (y * y).sum().backward();
  ASSERT_TRUE(input.grad().defined());
  EXPECT_TRUE(torch::isfinite(input.grad()).all().item<bool>());
  EXPECT_GT(input.grad().abs().sum().item<float>(), 0);

  at::Generator again = gan::make_rng(3, 9, 1);
  EXPECT_TRUE(torch::equal(gan::diff_augment(all, x, again, 0, 8), y.detach()));
  at::Generator share = gan::make_rng(3, 9, 1); // a rank holding images 2..5 of the 8
  EXPECT_TRUE(torch::equal(gan::diff_augment(all, x.slice(0, 2, 6), share, 2, 8),
                           y.detach().slice(0, 2, 6)));
  expect_error([&] { gan::diff_augment(all, x, again, 4, 8); }, ErrorCode::InvalidArgument);
}

gan::TrainOptions steadied(gan::TrainOptions o) {
  o.augment = "translation,cutout,color";
  o.r1_gamma = 1;
  o.r1_every = 2;
  o.ema_decay = 0.9;
  return o;
}

TEST(Trainer, SteadiedRunsResumeBitExactly) {
  const gan::ImageSet data = gan_test::pattern_images(40, 8, 8, 4);
  const gan::TrainOptions o = steadied(small_options("mlp", 8));
  const auto resumed = expect_resume_equals_straight_run(o, data);
  EXPECT_EQ(resumed->options().augment, "color,translation,cutout");
  EXPECT_EQ(resumed->options().r1_gamma, 1);
  EXPECT_EQ(resumed->options().r1_every, 2);
  EXPECT_EQ(resumed->options().ema_decay, 0.9);
  gan::TrainOptions bad = o;
  bad.augment = "zoom";
  expect_error([&] { gan::Trainer(bad, data); }, ErrorCode::InvalidArgument);
  bad = o;
  bad.ema_decay = 1;
  expect_error([&] { gan::Trainer(bad, data); }, ErrorCode::InvalidArgument);
  bad = o;
  bad.r1_every = 0;
  expect_error([&] { gan::Trainer(bad, data); }, ErrorCode::InvalidArgument);
}

std::vector<torch::Tensor> generator_tensors(const std::string &path) {
  const gan::Gan g = gan::gan_from_file(gan::read_model_file(path));
  std::vector<torch::Tensor> out = g.generator->parameters();
  for (const torch::Tensor &b : g.generator->buffers())
    out.push_back(b);
  return out;
}

// The model file holds d * ema + (1 - d) * weights after every step, d ramping up as
// min(decay, (1 + t) / (10 + t)); the weights themselves train as without the EMA.
TEST(Trainer, TheModelHoldsTheGeneratorsMovingAverage) {
  TempDir dir;
  const gan::ImageSet data = gan_test::pattern_images(40, 8, 8, 4);
  gan::TrainOptions o = small_options("mlp", 8);
  o.ema_decay = 0.15;
  gan::Trainer t(o, data);
  gan::Trainer plain(small_options("mlp", 8), data);
  t.save_checkpoint(dir.file("w0.gan"));
  std::vector<torch::Tensor> ema = generator_tensors(dir.file("w0.gan"));
  const size_t params = ema.size();
  for (int step = 0; step < 3; ++step) {
    t.step();
    plain.step();
    t.save_checkpoint(dir.file("w.gan"));
    plain.save_checkpoint(dir.file("p.gan"));
    t.save_model(dir.file("m.gan"));
    const std::vector<torch::Tensor> w = generator_tensors(dir.file("w.gan"));
    const std::vector<torch::Tensor> p = generator_tensors(dir.file("p.gan"));
    const std::vector<torch::Tensor> m = generator_tensors(dir.file("m.gan"));
    const double d = std::min(0.15, (1.0 + step) / (10.0 + step));
    ASSERT_EQ(w.size(), params);
    const size_t n_params =
        gan::gan_from_file(gan::read_model_file(dir.file("w.gan"))).generator->parameters().size();
    for (size_t i = 0; i < w.size(); ++i) {
      EXPECT_TRUE(torch::equal(w[i], p[i])) << "the EMA changed training, tensor " << i;
      ema[i] = i < n_params ? ema[i] * d + w[i] * (1 - d) : w[i];
      EXPECT_TRUE(torch::allclose(m[i], ema[i], 1e-5, 1e-6)) << "step " << step << " tensor " << i;
    }
  }
  EXPECT_FALSE(torch::equal(generator_tensors(dir.file("m.gan"))[0],
                            generator_tensors(dir.file("w.gan"))[0]));
}

// Mean over images of ||grad_x D(x)||^2, D(x) an image's mean logit.
double real_gradient_norm(const std::string &model, const gan::ImageSet &data) {
  const gan::Gan g = gan::gan_from_file(gan::read_model_file(model));
  g.discriminator->train(); // as in training
  const torch::Tensor x = (torch::tensor(std::vector<float>(data.pixels.begin(), data.pixels.end()))
                                   .view({data.count, data.channels, data.height, data.width}) /
                               127.5 -
                           1)
                              .requires_grad_(true);
  const torch::Tensor d = g.discriminator->forward(x).reshape({data.count, -1}).mean(1).sum();
  const torch::Tensor grad = torch::autograd::grad({d}, {x})[0];
  return grad.pow(2).reshape({data.count, -1}).sum(1).mean().item<double>();
}

TEST(Trainer, R1FlattensTheDiscriminatorAroundRealImages) {
  TempDir dir;
  const gan::ImageSet data = gan_test::pattern_images(64, 8, 8, 3);
  gan::TrainOptions o = small_options("mlp", 8);
  o.batch_size = 32;
  gan::Trainer plain(o, data);
  o.r1_gamma = 10;
  o.r1_every = 1;
  gan::Trainer r1(o, data);
  for (int i = 0; i < 40; ++i) {
    plain.step();
    r1.step();
  }
  plain.save_model(dir.file("plain.gan"));
  r1.save_model(dir.file("r1.gan"));
  const double without = real_gradient_norm(dir.file("plain.gan"), data);
  const double with = real_gradient_norm(dir.file("r1.gan"), data);
  EXPECT_LT(with, 0.5 * without) << "with R1 " << with << ", without " << without;
}

// The statistic: mean squared distance between the mean generated image and the pattern's
// mean image, and the share of pixels on the right side of mid-grey.
struct PatternFit {
  double mse;
  double sign_agreement;
};

PatternFit fit(gan::Trainer &t, const gan::ImageSet &data) {
  const int64_t n = 256, hw = data.height * data.width;
  std::vector<float> x(static_cast<size_t>(n * hw));
  t.sample(1234, n, x.data());
  double mse = 0, agree = 0;
  for (int64_t p = 0; p < hw; ++p) {
    double gen = 0, real = 0;
    for (int64_t i = 0; i < n; ++i)
      gen += x[static_cast<size_t>(i * hw + p)];
    for (int64_t i = 0; i < data.count; ++i)
      real += data.pixels[static_cast<size_t>(i * hw + p)] / 127.5 - 1.0;
    gen /= static_cast<double>(n);
    real /= static_cast<double>(data.count);
    mse += (gen - real) * (gen - real);
    agree += (gen > 0) == (real > 0);
  }
  return {mse / static_cast<double>(hw), agree / static_cast<double>(hw)};
}

TEST(Trainer, ShortRunMovesGeneratorTowardTheData) {
  const gan::ImageSet data = gan_test::pattern_images(512, 8, 8, 3);
  gan::TrainOptions o = small_options("mlp", 8);
  o.batch_size = 32;
  o.label_smoothing = 0;
  gan::Trainer t(o, data);
  const PatternFit before = fit(t, data);
  for (int i = 0; i < 300; ++i)
    t.step();
  const PatternFit after = fit(t, data);
  // An untrained generator is near mid-grey everywhere (mse ~0.64); a trained one reproduces
  // the bright/dark halves.
  EXPECT_GT(before.mse, 0.3);
  EXPECT_LT(after.mse, 0.1 * before.mse) << "before " << before.mse << " after " << after.mse;
  EXPECT_EQ(after.sign_agreement, 1.0);
}

} // namespace

// The training loop's thread count follows measured step times: the faster count wins a trial,
// a count that turns slow (another process took a core) loses the next one after one step.
TEST(AdaptiveThreads, KeepsTheFastestCountAndFollowsTheLoad) {
  const int before = gan::intra_op_threads();
  gan::AdaptiveThreads t(2, /*trial=*/3, /*every=*/10);
  std::vector<int> counts;
  auto run = [&](int steps, double one, double two) {
    for (int i = 0; i < steps; ++i) {
      t.before_step();
      counts.push_back(t.current());
      EXPECT_EQ(gan::intra_op_threads(), t.current());
      t.after_step(t.current() == 1 ? one : two);
    }
  };
  run(6, 1.0, 0.6); // idle: trial 1, 1, 1, then 2, 2, 2
  EXPECT_EQ(t.trials(), 1);
  EXPECT_EQ(t.current(), 2);
  counts.clear();
  run(9, 1.0, 0.6); // 2 kept until the next trial, 10 steps after the last
  EXPECT_EQ(counts, std::vector<int>(9, 2));
  counts.clear();
  run(4, 1.0, 20.0); // loaded: 1, 1, 1, then one step at 2, dropped
  EXPECT_EQ(counts, (std::vector<int>{1, 1, 1, 2}));
  EXPECT_EQ(t.trials(), 2);
  EXPECT_EQ(t.current(), 1);
  gan::configure_threads(before);
}
