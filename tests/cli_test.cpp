// SPDX-License-Identifier: LGPL-2.1-or-later
// The gst-gan command line, run as a user runs it.

#include "test_util.h"

#include "gan/privacy.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <torch/script.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace {

using gan_test::TempDir;

using Result = gan_test::CliResult;
constexpr auto run = &gan_test::run_cli;

std::string write_idx(const TempDir &dir, uint32_t count) {
  std::vector<uint8_t> b = {0, 0, 0x08, 3, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 8};
  b[4] = static_cast<uint8_t>(count >> 24);
  b[5] = static_cast<uint8_t>(count >> 16);
  b[6] = static_cast<uint8_t>(count >> 8);
  b[7] = static_cast<uint8_t>(count);
  for (uint32_t i = 0; i < count * 64; ++i)
    b.push_back(static_cast<uint8_t>((i % 8) < 4 ? 220 : 30));
  const std::string path = dir.file("data.idx");
  gan_test::write_bytes(path, b);
  return path;
}

std::string json_field(const std::string &json, const std::string &key) {
  const size_t at = json.find("\"" + key + "\": \"");
  if (at == std::string::npos)
    return {};
  const size_t start = at + key.size() + 5;
  return json.substr(start, json.find('"', start) - start);
}

TEST(Cli, BadArgumentsAreRefusedWithAMessage) {
  Result r = run("train --arch transformer");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--arch"), std::string::npos) << r.output;
  r = run("train --batch-size 0");
  EXPECT_NE(r.status, 0);
  r = run("frobnicate");
  EXPECT_NE(r.status, 0);
  r = run("sample");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--model"), std::string::npos) << r.output;
}

TEST(Cli, BadDataFilesAreRefusedWithAMessage) {
  TempDir dir;
  Result r = run("train --idx " + dir.file("missing.gz") + " --out " + dir.file("out"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("not-found"), std::string::npos) << r.output;

  std::vector<uint8_t> idx = gan_test::read_bytes(write_idx(dir, 8));
  idx.resize(idx.size() - 10);
  gan_test::write_bytes(dir.file("cut.idx"), idx);
  r = run("train --idx " + dir.file("cut.idx") + " --out " + dir.file("out"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("truncated"), std::string::npos) << r.output;

  gan_test::write_bytes(dir.file("junk.gan"), {'j', 'u', 'n', 'k', 'j', 'u', 'n', 'k', 'j'});
  r = run("sample --model " + dir.file("junk.gan") + " --out " + dir.file("s.png"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("wrong-kind"), std::string::npos) << r.output;
}

TEST(Cli, TrainWritesEverythingAndResumeMatchesAStraightRun) {
  TempDir dir;
  const std::string data = write_idx(dir, 32);
  const std::string common = " --arch mlp --idx " + data + " --batch-size 8 --seed 5 ";

  Result r = run("train" + common + "--steps 6 --out " + dir.file("straight"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("images/s"), std::string::npos) << r.output;
  for (const char *f : {"model.gan", "checkpoint.gan", "losses.csv", "losses.png", "samples.png",
                        "samples-epoch-001.png", "summary.json"})
    EXPECT_TRUE(std::filesystem::exists(dir.file(std::string("straight/") + f))) << f;
  std::ifstream csv(dir.file("straight/losses.csv"));
  int lines = 0;
  for (std::string line; std::getline(csv, line);)
    ++lines;
  EXPECT_EQ(lines, 7); // header + 6 steps

  r = run("train" + common + "--steps 3 --out " + dir.file("split"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("train --idx " + data + " --resume " + dir.file("split/checkpoint.gan") +
          " --steps 6 --out " + dir.file("split"));
  ASSERT_EQ(r.status, 0) << r.output;

  const Result a = run("info --model " + dir.file("straight/model.gan"));
  const Result b = run("info --model " + dir.file("split/model.gan"));
  ASSERT_EQ(a.status, 0) << a.output;
  EXPECT_NE(json_field(a.output, "checksum"), "");
  EXPECT_EQ(json_field(a.output, "checksum"), json_field(b.output, "checksum")); // same weights
  EXPECT_EQ(json_field(a.output, "kind"), "gan");
  EXPECT_EQ(json_field(a.output, "arch"), "mlp");

  r = run("sample --model " + dir.file("straight/model.gan") + " --count 10 --out " +
          dir.file("grid.png"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.file("grid.png")));
}

} // namespace

namespace {

// The watermark from the command line: a sample grid (a PNG of 466x466) marked, read back with
// the key, not found without it or on the original, refused when too small or missing.
TEST(Cli, WatermarkEmbedsAndReadsPngs) {
  TempDir dir;
  const std::string models =
      std::getenv("GST_GAN_MODELS_DIR") ? std::getenv("GST_GAN_MODELS_DIR") : "models";
  Result r = run("sample --model " + models + "/fmnist-dcgan.gan --count 64 --scale 2 --out " +
                 dir.file("grid.png"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("watermark --in " + dir.file("grid.png") + " --out " + dir.file("marked.png") +
          " --key secret --payload 1234567");
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("watermark --in " + dir.file("marked.png") + " --key secret");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("\"found\":true"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"payload\":1234567"), std::string::npos) << r.output;
  r = run("watermark --in " + dir.file("marked.png") + " --key other");
  EXPECT_NE(r.output.find("\"found\":false"), std::string::npos) << r.output;
  r = run("watermark --in " + dir.file("grid.png") + " --key secret");
  EXPECT_NE(r.output.find("\"found\":false"), std::string::npos) << r.output;

  r = run("export --count 1 --out " + dir.file("small-%d.png"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("watermark --in " + dir.file("small-0.png") + " --out " + dir.file("x.png"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("too small"), std::string::npos) << r.output;
  r = run("watermark --in " + dir.file("missing.png"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("not-found"), std::string::npos) << r.output;
  gan_test::write_bytes(dir.file("bad.png"), {1, 2, 3});
  r = run("watermark --in " + dir.file("bad.png"));
  EXPECT_EQ(r.status, 2) << r.output;
}

// Messages that say what is wrong and with which file, where they used to say "does not
// exist", "out of memory" or "error while writing".
TEST(Cli, ErrorsSayWhatIsWrongAndWithWhichFile) {
  TempDir dir;
  const std::string data = write_idx(dir, 4);
  gan_test::write_bytes(dir.file("photo.png"), {'x'});
  Result r = run("train --images " + dir.file("photo.png") + " --out " + dir.file("out"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("not a folder"), std::string::npos) << r.output;

  // A JPEG (its signature, then junk) where a PNG is expected.
  gan_test::write_bytes(dir.file("photo.jpg"),
                        {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'});
  r = run("watermark --in " + dir.file("photo.jpg"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("photo.jpg' is not a PNG file"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("out of memory"), std::string::npos) << r.output;

  // export into a folder that is not there yet makes it.
  r = run("export --idx " + data + " --count 2 --out " + dir.file("real/%05d.png"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.file("real/00001.png")));

  // A detector file is not a generator: the message names the file.
  const std::string models =
      std::getenv("GST_GAN_MODELS_DIR") ? std::getenv("GST_GAN_MODELS_DIR") : "models";
  r = run("sample --model " + models + "/fmnist-detector.gan --out " + dir.file("s.png"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("fmnist-detector.gan"), std::string::npos) << r.output;
}

// Issue 32, defect 8: a 100 000 x 100 000 PNG in --images reached the decoder, which tripped
// two GStreamer-CRITICAL assertions before the error; its header is read and refused first.
TEST(Cli, AnImageTooLargeToDecodeIsRefusedFromItsHeader) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("images"));
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                              0,    0,   0,   13,  'I',  'H',  'D',  'R'};
  for (uint32_t side : {100000u, 100000u})
    for (int shift : {24, 16, 8, 0})
      png.push_back(static_cast<uint8_t>(side >> shift));
  for (uint8_t b : {8, 2, 0, 0, 0, 0, 0, 0, 0})
    png.push_back(b);
  gan_test::write_bytes(dir.file("images/huge.png"), png);
  Result r = run("train --arch mlp --images " + dir.file("images") +
                 " --height 8 --width 8 --batch-size 2 --steps 1 --out " + dir.file("out"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("huge.png' is 100000x100000 pixels"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("CRITICAL"), std::string::npos) << r.output;
}

// Issue 32, defect 7: an IDX file announcing 4 GiB (legal) was read whole, then copied into a
// tensor, and failed with LibTorch's allocator error and a backtrace. It is measured against
// the memory this process may take before anything is read, and the data is held once.
TEST(Cli, AnIdxFileLargerThanTheMemoryLeftIsRefusedBeforeItIsRead) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan needs an unlimited address space";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "ASan needs an unlimited address space";
#endif
#endif
  TempDir dir;
  const uint32_t count = 5478000; // of 28x28: just under the 4 GiB an IDX file may announce
  std::vector<uint8_t> b = {0, 0, 0x08, 3};
  for (uint32_t v : {count, 28u, 28u})
    for (int shift : {24, 16, 8, 0})
      b.push_back(static_cast<uint8_t>(v >> shift));
  b.resize(b.size() + 4096, 7);
  gan_test::write_bytes(dir.file("big.idx"), b);
  const char *exe = std::getenv("GST_GAN_CLI");
  ASSERT_NE(exe, nullptr);
  // 3 GiB of address space: the process runs, the images do not fit.
  const std::string cmd = "prlimit --as=" + std::to_string(int64_t{3} << 30) + " " + exe +
                          " train --arch mlp --idx " + dir.file("big.idx") + " --out " +
                          dir.file("out") + " 2>&1";
  const gan_test::CommandResult r = gan_test::run_command(cmd);
  const std::string &output = r.output;
  EXPECT_EQ(r.status, 2) << output;
  EXPECT_NE(output.find("IDX file '" + dir.file("big.idx") +
                        "': not enough memory for 5478000 "
                        "images of 28x28"),
            std::string::npos)
      << output;
  EXPECT_EQ(output.find("truncated"), std::string::npos) << output;
  EXPECT_EQ(output.find("frame #"), std::string::npos) << output; // no C++ backtrace
}

// Bad entries in an image folder are skipped with a warning naming each; the rest trains.
TEST(Cli, ImageFolderWithASymlinkLoopAndAFifoStillTrains) {
  TempDir dir;
  const std::string data = write_idx(dir, 4);
  Result r = run("export --idx " + data + " --count 4 --out " + dir.file("images/%d.png"));
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_EQ(symlink("loop.png", dir.file("images/loop.png").c_str()), 0);
  ASSERT_EQ(mkfifo(dir.file("images/pipe.png").c_str(), 0600), 0);
  r = run("train --arch mlp --images " + dir.file("images") +
          " --height 8 --width 8 --batch-size 2 --steps 1 --out " + dir.file("out"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("loop.png"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pipe.png"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("4 images"), std::string::npos) << r.output;
}

} // namespace

// TorchScript models: `info` loads, describes and probes them as the elements do; a module that
// fails shows TorchScript's whole message, the cause included, not only its first line.
TEST(Cli, InfoDescribesTorchScriptModelsAndShowsTheirWholeErrors) {
  TempDir dir;
  torch::jit::Module g("Dcgan");
  g.register_parameter("weight", torch::ones({4, 3, 2, 2}), false);
  for (const char *a : {"latent_size", "height"})
    g.register_attribute(a, c10::IntType::get(), int64_t{a[0] == 'l' ? 4 : 2});
  g.register_attribute("width", c10::IntType::get(), int64_t{2});
  g.define(
      "def forward(self, z):\n    return torch.tanh(torch.conv_transpose2d(z, self.weight))\n");
  g.save(dir.file("g.pt"));
  Result r = run("info --model " + dir.file("g.pt"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\"role\": \"generator\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"latent_shape\": \"nchw\""), std::string::npos) << r.output;

  std::ofstream(dir.file("d.pt.json")) << R"({"size": [4, 4], "output": "softmax"})";
  torch::jit::Module d("Broken");
  d.define(R"(
def forward(self, x):
    assert x.size(0) == 0, "this detector was exported without its weights"
    return x
)");
  d.save(dir.file("d.pt"));
  r = run("info --model " + dir.file("d.pt"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("this detector was exported without its weights"), std::string::npos)
      << r.output;
}

namespace {

// gst-gan watch on a clip of gangen's marked frames (JPEG in AVI: the mark survives it): a line
// a second, a closing count, the records it publishes, the overlay path, and bad input named.
TEST(Cli, WatchPrintsVerdictsAndPublishesRecords) {
  TempDir dir;
  const std::string clip = dir.file("clip.avi");
  ASSERT_EQ(std::system(("gst-launch-1.0 -q gangen num-buffers=45 quality=fast seed=3 ! "
                         "video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert ! "
                         "jpegenc quality=95 ! avimux ! filesink location=" +
                         clip + " > " + dir.file("make.log") + " 2>&1")
                            .c_str()),
            0)
      << gan_test::read_bytes(dir.file("make.log")).size();
  Result r = run("watch " + clip + " --publish file:" + dir.file("v.jsonl"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("frames 45:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("with the watermark"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("SYNTHETIC"), std::string::npos) << "the mark decides: " << r.output;
  const std::vector<uint8_t> records = gan_test::read_bytes(dir.file("v.jsonl"));
  EXPECT_EQ(std::count(records.begin(), records.end(), '\n'), 45) << "one record per frame";

  // The overlay path, the labelled frames written as JPEG files instead of shown in a window.
  r = run("watch " + clip +
          " --overlay --sink \"jpegenc ! multifilesink location=" + dir.file("f%03d.jpg") + "\"");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.file("f044.jpg"))) << r.output;

  r = run("watch " + dir.file("missing.avi"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("missing.avi"), std::string::npos) << r.output;
  r = run("watch " + clip + " --publish mqtt:/nohost");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("mqtt:/nohost"), std::string::npos) << r.output;
}

TEST(Cli, PrivacyPrintsEpsilonOrTheNoiseForATarget) {
  // 10 epochs of batches of 64 from 60 000 examples: 9 375 steps at q = 64 / 60 000.
  const double q = 64.0 / 60000;
  Result r = run("privacy --batch-size 64 --examples 60000 --epochs 10 --noise 1.0");
  ASSERT_EQ(r.status, 0) << r.output;
  double epsilon = 0;
  ASSERT_EQ(std::sscanf(r.output.c_str(), "epsilon %lf", &epsilon), 1) << r.output;
  EXPECT_NEAR(epsilon, gan::dp_sgd_epsilon(q, 1.0, 9375, 1e-5).epsilon, 1e-3 * epsilon);
  EXPECT_NE(r.output.find("9375 steps"), std::string::npos) << r.output;
  r = run("privacy --sampling-rate 0.0010666666666666667 --steps 9375 --epsilon 10");
  ASSERT_EQ(r.status, 0) << r.output;
  double noise = 0;
  ASSERT_EQ(std::sscanf(r.output.c_str(), "noise multiplier %lf", &noise), 1) << r.output;
  EXPECT_LE(gan::dp_sgd_epsilon(q, noise, 9375, 1e-5).epsilon, 10.05) << r.output;
  EXPECT_GT(gan::dp_sgd_epsilon(q, noise * 0.98, 9375, 1e-5).epsilon, 10.0) << r.output;
  r = run("privacy --sampling-rate 0.01 --steps 100 --noise 1 --epsilon 3");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("one of --noise and --epsilon"), std::string::npos) << r.output;
  r = run("privacy --noise 1 --steps 100");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--sampling-rate"), std::string::npos) << r.output;
}

} // namespace
