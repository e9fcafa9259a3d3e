// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan train-classifier: the Fashion-MNIST classifier whose features the metrics use.

#include "cli/command.h"
#include "cli/supervised.h"

#include "gan/dataset.h"
#include "gan/model_file.h"
#include "gan/supervised.h"
#include "gan/threads.h"

#include <cstdio>
#include <memory>

namespace {

int run_train_classifier(const gan_cli::SupervisedArgs &a) {
  gan::configure_threads(a.threads);
  const gan::ImageSet train = gan::read_idx_images(a.data_dir + "/train-images-idx3-ubyte.gz");
  const auto labels = gan::read_idx_labels(a.data_dir + "/train-labels-idx1-ubyte.gz");
  const gan::ImageSet test = gan::read_idx_images(a.data_dir + "/t10k-images-idx3-ubyte.gz");
  const auto test_labels = gan::read_idx_labels(a.data_dir + "/t10k-labels-idx1-ubyte.gz");
  gan::ModelFile f =
      gan::train_classifier(train, labels, test, test_labels, a.options,
                            [](const auto &r) { gan_cli::print_epoch(r, "test-accuracy"); });
  gan::write_model_file(a.out, f);
  std::printf("classifier: test accuracy %.4f; wrote %s\n",
              f.provenance.metrics.at("test_accuracy"), a.out.c_str());
  return 0;
}

} // namespace

namespace gan_cli {

Command add_train_classifier(CLI::App &app) {
  auto a = std::make_shared<SupervisedArgs>();
  CLI::App *train_classifier = app.add_subcommand(
      "train-classifier", "train the Fashion-MNIST classifier whose features the metrics use");
  add_supervised_options(*train_classifier, *a);
  return {train_classifier, [a] { return run_train_classifier(*a); }};
}

} // namespace gan_cli
