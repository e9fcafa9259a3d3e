// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan sample: a PNG grid of samples from a gst-gan or TorchScript generator.

#include "cli/command.h"

#include "images.h"

#include "gan/runtime.h"
#include "gan/threads.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

struct SampleArgs {
  std::string model, model_description, out = "samples.png";
  int64_t count = 64, columns = 8;
  uint64_t seed = 0;
  int scale = 2;
};

int run_sample(const SampleArgs &a) {
  gan::configure_threads(1);
  auto generator = gan::Generator::load(a.model, a.model_description);
  const auto &c = generator->info().config;
  std::vector<float> images(static_cast<size_t>(a.count * generator->image_floats()));
  generator->generate(a.seed, 0, a.count, images.data());
  gan_tools::write_image_grid(a.out, images.data(), a.count, c.channels, c.height, c.width,
                              a.columns, a.scale);
  std::printf("wrote %lld samples of %s to %s\n", static_cast<long long>(a.count),
              generator->info().id.c_str(), a.out.c_str());
  return 0;
}

} // namespace

namespace gan_cli {

Command add_sample(CLI::App &app) {
  auto a = std::make_shared<SampleArgs>();
  CLI::App *sample = app.add_subcommand("sample", "write a PNG grid of samples from a model file");
  sample->add_option("--model,-m", a->model, "gst-gan model file or TorchScript generator")
      ->required();
  sample->add_option("--model-description", a->model_description,
                     "how a TorchScript model speaks: JSON text or file (see README)");
  sample->add_option("--out,-o", a->out, "PNG path")->capture_default_str();
  sample->add_option("--count,-n", a->count, "number of samples")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  sample->add_option("--columns", a->columns, "grid columns")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  sample->add_option("--seed", a->seed, "latent stream seed")->capture_default_str();
  sample->add_option("--scale", a->scale, "pixel scale factor")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  return {sample, [a] { return run_sample(*a); }};
}

} // namespace gan_cli
