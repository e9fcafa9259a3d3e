// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Supervised training of the two helper networks: the classifier whose features the quality
// metrics use, and the real-vs-fake detector gandetect runs. Adam, a fixed seed, one model file
// out. Torch-free interface.

#include "gan/augment.h"
#include "gan/dataset.h"
#include "gan/model_file.h"

#include <functional>
#include <vector>

namespace gan {

struct SupervisedOptions {
  int64_t epochs = 10;
  int64_t batch_size = 128;
  double lr = 1e-3;
  double lr_decay = 0.8; // multiplied into the learning rate after every epoch
  uint64_t seed = 1;
  // train_detector: random_degradation's codec (none: JPEG only).
  CodecRoundtrip codec;
};

struct EpochReport {
  int64_t epoch = 0; // 1-based
  double train_loss = 0;
  double metric = 0; // classifier: test accuracy; detector: clean validation accuracy
  double images_per_second = 0;
};
using EpochCallback = std::function<void(const EpochReport &)>;

// Trains on (train, labels) with random flips and +-2 pixel shifts; reports test accuracy per
// epoch. The returned file (kind "classifier") records the final test accuracy in
// provenance.metrics["test_accuracy"].
ModelFile train_classifier(const ImageSet &train, const std::vector<uint8_t> &labels,
                           const ImageSet &test, const std::vector<uint8_t> &test_labels,
                           const SupervisedOptions &options, const EpochCallback &on_epoch);

// Real (label 0) versus fake (label 1) images, both 8-bit. Every training image, real or fake,
// goes through random_degradation() and a random flip, so the detector cannot tell the classes
// apart by their processing. 5% of each class is held out (clean) for the per-epoch metric.
// `input`: the detector's input setting (ModelConfig::input: "residual" or "npr").
ModelFile train_detector(const ImageSet &real, const ImageSet &fake,
                         const SupervisedOptions &options, const EpochCallback &on_epoch,
                         const std::string &input = "residual");

// Moves a detector's operating point: its logit minus `logit`, so that `logit` becomes 0
// (probability 0.5, gandetect's default threshold). Recorded in
// provenance.metrics["calibration_logit"] (added to any earlier shift).
void shift_detector_logit(ModelFile &detector, double logit);

} // namespace gan
