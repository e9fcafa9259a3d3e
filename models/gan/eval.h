// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Quality of generators and detectors on Fashion-MNIST, in the feature space of the project's
// own classifier (Inception weights cannot be downloaded here). Torch-free interface.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gan {

struct ReferenceQuality {
  double fid_floor = 0; // n training images vs n test images
  double fid_blur = 0;  // n test images blurred with sigma 1 vs the same n test images
  double precision_floor = 0, recall_floor = 0; // training vs test images
  double classifier_accuracy = 0;               // on the n test images
};

struct GeneratorQuality {
  std::string model_id;
  double fid = 0;
  double precision = 0, recall = 0;
  std::vector<double> class_fractions;     // classifier histogram of the samples
  double memorized_fraction = 0;           // samples closer to a training image than ...
  double memorization_threshold = 0;       // ... the 1st percentile of test->train distances
  double median_nn_distance_generated = 0; // pixel space, [-1, 1] images
  double median_nn_distance_test = 0;
};

struct DetectorCondition {
  double auc = 0, ap = 0, accuracy = 0, tpr_at_1pct_fpr = 0, fpr_at_threshold = 0;
};

struct DetectorQuality {
  std::string model_id;
  double threshold = 0; // logit giving 1% false positives on the clean validation reals
  // "a-dcgan", "b-mlp", "c-jpeg75-dcgan", "c-jpeg75-mlp", "d-rescale2x-dcgan", "d-rescale2x-mlp"
  std::map<std::string, DetectorCondition> conditions;
};

class Evaluator {
public:
  // Loads the classifier and the Fashion-MNIST IDX files in `data_dir`; `samples` test images
  // (and as many generated ones) enter every statistic. Throws Error.
  Evaluator(const std::string &classifier_path, const std::string &data_dir, int64_t samples);
  ~Evaluator();

  ReferenceQuality references();
  GeneratorQuality generator(const std::string &model_path, uint64_t seed);
  // Validation and test splits of the test images (half each) against fresh samples of the two
  // generators, clean, after JPEG q75 and after a 2x upscale and back.
  DetectorQuality detector(const std::string &detector_path, const std::string &dcgan_path,
                           const std::string &mlp_path, uint64_t seed);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace gan
