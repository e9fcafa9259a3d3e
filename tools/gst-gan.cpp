// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan: train GANs on Fashion-MNIST, image folders or any GStreamer pipeline, and sample
// from the model files they produce. Each subcommand lives in its own file under cli/.

#include "cli/command.h"

#include "gan/config.h"
#include "gan/error.h"

#include <CLI/CLI.hpp>
#include <gst/gst.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  CLI::App app{"gst-gan: train GANs and sample from them (LibTorch core of the gan plugin)"};
  app.set_version_flag("--version", std::string("gst-gan ") + gan::version());
  app.require_subcommand(1);
  // In the order `gst-gan --help` lists them.
  const std::vector<gan_cli::Command> commands = {
      gan_cli::add_train(app),
      gan_cli::add_launch(app),
      gan_cli::add_sample(app),
      gan_cli::add_info(app),
      gan_cli::add_train_classifier(app),
      gan_cli::add_train_detector(app),
      gan_cli::add_train_autoencoder(app),
      gan_cli::add_eval(app),
      gan_cli::add_export(app),
      gan_cli::add_watermark(app),
      gan_cli::add_watch(app),
      gan_cli::add_privacy(app),
  };

  CLI11_PARSE(app, argc, argv);
  gst_init(nullptr, nullptr);
  try {
    for (const gan_cli::Command &command : commands)
      if (*command.app)
        return command.run();
  } catch (const gan::Error &e) {
    std::fprintf(stderr, "gst-gan: error (%s): %s\n", gan::error_code_name(e.code()), e.what());
    return 2;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "gst-gan: error: %s\n", e.what());
    return 2;
  }
  return 1;
}
