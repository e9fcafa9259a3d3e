// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan train-autoencoder: the aligned fakes of the natural detector (gan/autoencoder.h), an
// autoencoder whose decoder is one of the generator zoo's families, trained on photo patches.

#include "cli/command.h"
#include "cli/zoo.h"

#include "gan/autoencoder.h"
#include "gan/photos.h"
#include "gan/threads.h"
#include "sources.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace {

struct AutoencoderArgs {
  std::string photos;
  gan::PatchOptions patch;
  int64_t working_size = 1024;
  int validation_percent = 15;
  int threads = 1;
  int64_t log_every = 50;
  std::string out;
  gan::AutoencoderOptions options;
};

int run_train_autoencoder(AutoencoderArgs &a) {
  gan::configure_threads(a.threads);
  const std::vector<gan::PhotoEntry> manifest =
      gan::read_photo_list(a.photos, a.validation_percent);
  std::vector<gan::Photo> train =
      gan_tools::load_photos(manifest, gan::PhotoSplit::Train, a.working_size);
  const size_t count = train.size();
  gan::PatchSampler sampler(std::move(train), a.patch,
                            "photos:" + a.photos + " (" + std::to_string(count) +
                                " training photos)");
  gan::ModelConfig &c = a.options.config;
  c.arch = "autoencoder";
  c.channels = sampler.channels();
  c.height = sampler.height();
  c.width = sampler.width();
  gan::validate_config(c);
  const std::filesystem::path out(a.out);
  if (out.has_parent_path())
    std::filesystem::create_directories(out.parent_path());
  double sum = 0;
  gan::train_autoencoder(sampler, a.options, a.out, [&](int64_t step, double loss) {
    sum += loss;
    if (step % a.log_every == 0 || step == a.options.steps) {
      std::printf("step %lld: L1 %.4f (mean of the last %lld steps)\n",
                  static_cast<long long>(step), sum / static_cast<double>(a.log_every),
                  static_cast<long long>(a.log_every));
      std::fflush(stdout);
      sum = 0;
    }
  });
  std::printf("wrote %s (%s decoder, %lld filters)\n", a.out.c_str(), c.upsample.c_str(),
              static_cast<long long>(c.filters));
  return 0;
}

} // namespace

namespace gan_cli {

Command add_train_autoencoder(CLI::App &app) {
  auto a = std::make_shared<AutoencoderArgs>();
  a->options.config.arch = "autoencoder";
  a->options.config.latent = 32;
  a->options.config.upsample = "bilinear";
  a->options.config.filters = 64;
  CLI::App *cmd = app.add_subcommand(
      "train-autoencoder", "train an autoencoder whose decoder is a generator family; its "
                           "reconstructions of photos are a detector's aligned fakes");
  cmd->add_option("--photos", a->photos,
                  "colour photographs (a manifest such as models/natural-photos.tsv, its train "
                  "split, or a folder)")
      ->required();
  cmd->add_option("--upsample", a->options.config.upsample, "the decoder's family")
      ->check(
          CLI::IsMember({"nearest-conv", "bilinear", "bicubic", "transposed", "shuffle", "icnr"}))
      ->capture_default_str();
  cmd->add_option("--filters", a->options.config.filters, "channels at 1/8 resolution")
      ->check(CLI::Range(16, 512))
      ->capture_default_str();
  cmd->add_option("--latent", a->options.config.latent, "code channels at 1/8 resolution")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  add_zoo_options(*cmd, a->options.config);
  cmd->add_option("--patch", a->patch.size, "patch side in pixels")
      ->check(CLI::Range(16, 256))
      ->capture_default_str();
  cmd->add_option("--scale-min", a->patch.min_scale, "patch scale range")
      ->check(CLI::Range(0.05, 1.0))
      ->capture_default_str();
  cmd->add_option("--scale-max", a->patch.max_scale, "patch scale range")
      ->check(CLI::Range(0.05, 1.0))
      ->capture_default_str();
  cmd->add_option("--working-size", a->working_size,
                  "longest side of the photos patches are cut from")
      ->check(CLI::Range(64, 8192))
      ->capture_default_str();
  cmd->add_option("--steps", a->options.steps, "training steps")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  cmd->add_option("--batch-size", a->options.batch_size, "patches a step")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--lr", a->options.lr, "Adam learning rate")->capture_default_str();
  cmd->add_option("--seed", a->options.seed, "weights and patches")->capture_default_str();
  cmd->add_option("--threads", a->threads, "intra-op threads (0 = one per core)")
      ->capture_default_str();
  cmd->add_option("--out,-o", a->out, "the model file to write")->required();
  return {cmd, [a] { return run_train_autoencoder(*a); }};
}

} // namespace gan_cli
