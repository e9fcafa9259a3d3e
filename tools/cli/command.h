// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// gst-gan's subcommands, one per file in this folder. Each `add_*` registers a subcommand and
// its options on the app and returns what runs it; main parses once and runs the chosen one.

#include <CLI/CLI.hpp>

#include <functional>

namespace gan_cli {

struct Command {
  CLI::App *app; // converts to true once parsed when the user chose this subcommand
  // Owns the values the options are bound to. Returns the exit code; throws gan::Error or
  // std::exception, which main reports.
  std::function<int()> run;
};

Command add_train(CLI::App &app);
Command add_launch(CLI::App &app);
Command add_sample(CLI::App &app);
Command add_info(CLI::App &app);
Command add_train_classifier(CLI::App &app);
Command add_train_detector(CLI::App &app);
Command add_eval(CLI::App &app);
Command add_export(CLI::App &app);
Command add_watermark(CLI::App &app);
Command add_train_autoencoder(CLI::App &app);
Command add_watch(CLI::App &app);
Command add_privacy(CLI::App &app);

} // namespace gan_cli
