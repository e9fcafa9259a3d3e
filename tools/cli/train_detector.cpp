// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan train-detector: a real-vs-generated detector, Fashion-MNIST against a generator's
// samples.

#include "cli/command.h"
#include "cli/supervised.h"

#include "gan/dataset.h"
#include "gan/model_file.h"
#include "gan/runtime.h"
#include "gan/supervised.h"
#include "gan/threads.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

struct DetectorArgs {
  gan_cli::SupervisedArgs supervised;
  std::string generator; // the source of fakes
  int64_t fakes = 60000;
  uint64_t fake_seed = 1000;
};

int run_train_detector(const DetectorArgs &d) {
  const gan_cli::SupervisedArgs &a = d.supervised;
  gan::configure_threads(a.threads);
  gan::ImageSet real = gan::read_idx_images(a.data_dir + "/train-images-idx3-ubyte.gz");
  real.source = "fashion-mnist train";
  auto generator = gan::Generator::load(d.generator);
  const auto &c = generator->info().config;
  gan::ImageSet fake;
  fake.count = d.fakes;
  fake.channels = c.channels;
  fake.height = c.height;
  fake.width = c.width;
  fake.source = generator->info().id + " samples (seed " + std::to_string(d.fake_seed) + ")";
  fake.pixels.resize(static_cast<size_t>(fake.count * fake.image_size()));
  std::vector<float> batch(static_cast<size_t>(256 * fake.image_size()));
  for (int64_t first = 0; first < fake.count; first += 256) {
    const int64_t n = std::min<int64_t>(256, fake.count - first);
    generator->generate(d.fake_seed, static_cast<uint64_t>(first), n, batch.data());
    // Quantised to 8 bits like every real frame, so bit depth is no shortcut.
    for (int64_t i = 0; i < n * fake.image_size(); ++i)
      fake.pixels[static_cast<size_t>(first * fake.image_size() + i)] = static_cast<uint8_t>(
          std::lround((std::clamp(batch[static_cast<size_t>(i)], -1.0f, 1.0f) + 1.0f) * 127.5f));
  }
  gan::ModelFile f = gan::train_detector(
      real, fake, a.options, [](const auto &r) { gan_cli::print_epoch(r, "validation-accuracy"); });
  gan::write_model_file(a.out, f);
  std::printf("detector: validation accuracy %.4f; wrote %s\n",
              f.provenance.metrics.at("validation_accuracy"), a.out.c_str());
  return 0;
}

} // namespace

namespace gan_cli {

Command add_train_detector(CLI::App &app) {
  auto d = std::make_shared<DetectorArgs>();
  CLI::App *train_detector = app.add_subcommand(
      "train-detector", "train a real-vs-generated detector against a generator's samples");
  add_supervised_options(*train_detector, d->supervised);
  train_detector
      ->add_option("--generator,-g", d->generator, "model file whose samples are the fakes")
      ->required();
  train_detector->add_option("--fakes", d->fakes, "number of generated images")
      ->check(CLI::Range(100, 1000000))
      ->capture_default_str();
  train_detector->add_option("--fake-seed", d->fake_seed, "latent stream of the fakes")
      ->capture_default_str();
  return {train_detector, [d] { return run_train_detector(*d); }};
}

} // namespace gan_cli
