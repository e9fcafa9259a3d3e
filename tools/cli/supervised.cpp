// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/supervised.h"

#include <cstdio>

namespace gan_cli {

void add_supervised_options(CLI::App &cmd, SupervisedArgs &a) {
  cmd.add_option("--data-dir", a.data_dir, "folder with the Fashion-MNIST IDX files")
      ->capture_default_str();
  cmd.add_option("--out,-o", a.out, "model file to write")->required();
  cmd.add_option("--epochs", a.options.epochs, "passes over the data")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd.add_option("--batch-size", a.options.batch_size, "images per step")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  cmd.add_option("--lr", a.options.lr, "Adam learning rate")
      ->check(CLI::Range(1e-8, 1.0))
      ->capture_default_str();
  cmd.add_option("--lr-decay", a.options.lr_decay, "learning-rate factor per epoch")
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
  cmd.add_option("--seed", a.options.seed, "seed for weights and shuffling")->capture_default_str();
  cmd.add_option("--threads", a.threads, "intra-op threads (0 = one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
}

void print_epoch(const gan::EpochReport &r, const char *metric) {
  std::fprintf(stderr, "epoch %lld  loss %.4f  %s %.4f  %.0f img/s\n",
               static_cast<long long>(r.epoch), r.train_loss, metric, r.metric,
               r.images_per_second);
}

} // namespace gan_cli
