// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// What train-classifier and train-detector share: their options and the per-epoch log line.

#include "gan/dataset.h"
#include "gan/supervised.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace gan_cli {

struct SupervisedArgs {
  std::string data_dir = gan::default_fashion_mnist_dir();
  std::string out;
  int threads = 0;
  gan::SupervisedOptions options;
};

void add_supervised_options(CLI::App &cmd, SupervisedArgs &a);

void print_epoch(const gan::EpochReport &r, const char *metric);

} // namespace gan_cli
