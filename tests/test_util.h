// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include "gan/dataset.h"
#include "gan/error.h"
#include "gan/field_nets.h"
#include "gan/model_file.h"
#include "gan/trainer.h"
#include "gan/weights.h"

#include "run_command.h"
#include "temp_dir.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace gan_test {

inline std::vector<uint8_t> read_bytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// Expects `fn` to throw gan::Error with `code`; returns the message for further checks.
inline std::string expect_error(const std::function<void()> &fn, gan::ErrorCode code) {
  try {
    fn();
  } catch (const gan::Error &e) {
    EXPECT_EQ(gan::error_code_name(e.code()), std::string(gan::error_code_name(code)))
        << "message: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected gan::Error(" << gan::error_code_name(code) << ")";
  return {};
}

// Images of one fixed pattern (left half bright, right half dark) with small per-pixel noise:
// a distribution simple enough that a few hundred steps must visibly reach it.
inline gan::ImageSet pattern_images(int64_t count, int64_t height, int64_t width, uint32_t seed) {
  gan::ImageSet set;
  set.count = count;
  set.height = height;
  set.width = width;
  set.source = "test pattern";
  set.pixels.resize(static_cast<size_t>(count * height * width));
  uint32_t state = seed * 2654435761u + 1;
  for (int64_t i = 0; i < count; ++i)
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x) {
        state = state * 1664525u + 1013904223u;
        const int noise = static_cast<int>(state >> 28) - 8; // [-8, 7]
        const int base = x < width / 2 ? 230 : 25;
        set.pixels[static_cast<size_t>((i * height + y) * width + x)] =
            static_cast<uint8_t>(base + noise);
      }
  return set;
}

// A freshly initialised (untrained) mlp GAN file of the given image shape: as deterministic
// as a trained model for the elements' purposes, and instant to make.
inline void save_untrained_mlp(const std::string &path, int64_t channels, int64_t height,
                               int64_t width) {
  gan::TrainOptions o;
  o.config = {"mlp", 16, channels, height, width};
  o.batch_size = 4;
  gan::ImageSet data = pattern_images(8, height, width, 1);
  data.channels = channels;
  data.pixels.resize(data.pixels.size() * static_cast<size_t>(channels), 77);
  gan::Trainer(o, data).save_model(path);
}

// The gst-gan CLI (the build's, named by GST_GAN_CLI, which meson test sets) run with `args`
// (shell words): its exit status and its stdout and stderr together.
using CliResult = CommandResult;

inline CliResult run_cli(const std::string &args) {
  const char *exe = std::getenv("GST_GAN_CLI");
  EXPECT_NE(exe, nullptr) << "GST_GAN_CLI is set by meson test";
  return run_command(std::string(exe ? exe : "gst-gan") + " " + args + " 2>&1");
}

// An untrained field GAN (latent 8, 32x32 patches) whose convolutions have He-initialised
// weights, so that its pictures have contrast (DCGAN's 0.02 would paint near-uniform grey).
inline void save_untrained_field(const std::string &path, uint64_t seed = 5) {
  torch::manual_seed(seed);
  gan::Gan g = gan::build_field_gan({"field", 8, 3, 32, 32});
  {
    torch::NoGradGuard no_grad;
    for (auto &p : g.generator->named_parameters())
      if (p.value().dim() == 4)
        p.value().normal_(0.0, std::sqrt(2.0 / static_cast<double>(p.value()[0].numel())));
  }
  gan::ModelFile f = gan::gan_to_file(g, gan::Provenance{});
  gan::write_model_file(path, f);
}

} // namespace gan_test
