// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Quality of generators and detectors on Fashion-MNIST, in the feature space of the project's
// own classifier (Inception weights cannot be downloaded here), and of field generators on
// photographs, by statistics that need no network at all. Torch-free interface.

#include "gan/photos.h"

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
  // bfloat16: a TorchScript detector scored in bfloat16 (Detector::load).
  DetectorQuality detector(const std::string &detector_path, const std::string &dcgan_path,
                           const std::string &mlp_path, uint64_t seed, bool bfloat16 = false);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

// ---- Field generators on photographs (issue 14) ----
//
// Crops of crop x crop pixels, quantised to 8 bits: generated images of that size, and windows
// of the photos (at their working resolution) cut by PatchSampler with the training patches'
// scale range, so a crop shows a photo at the scale a training patch showed it. Every set has
// `samples` crops; each is compared with the validation crops by
//  - SWD: the multi-scale sliced Wasserstein distance of Karras et al. 2018 (ProGAN) on the
//    Laplacian pyramid crop, crop/2, .., 16 (7x7 neighbourhoods, 128 per crop and level,
//    normalised per channel and set, 4 x 128 random directions), reported x 1e3;
//  - spectrum: the mean absolute difference of the log10 radially averaged power spectra
//    (grayscale, Hann window, 1 .. crop/2 cycles per crop).
// Everything is a pure function of the photos, the model and `seed`.
struct FieldEvalOptions {
  int64_t crop = 128;     // a power of two >= 16
  int64_t samples = 1024; // crops per set
  double min_scale = 0.5; // the training patches' scale range (gst-gan train --scale-min,
  double max_scale = 1.0; // --scale-max): a crop covers crop / scale photo pixels
  uint64_t seed = 20261127;
};

struct FieldScores {
  std::vector<double> swd;      // x 1e3, one per pyramid level, finest first
  double spectrum_distance = 0; // decades, against the validation spectrum
  std::vector<double> spectrum; // log10 power at 1 .. crop/2 cycles per crop
};

struct FieldReferences {
  std::vector<int64_t> levels;             // side of each pyramid level, finest first
  std::vector<double> validation_spectrum; // log10 power of the validation crops
  FieldScores floor;                       // training-photo crops vs validation crops
  FieldScores blur; // validation crops blurred with sigma 1 vs the same crops
};

struct FieldQuality {
  std::string model_id; // "field:<checksum prefix>"
  std::string kind;     // "gan" or "checkpoint"
  int64_t steps = 0;    // training steps the file records
  FieldScores scores;   // generated crops vs validation crops
};

class FieldEvaluator {
public:
  // Cuts the validation and training crops and computes the references. Throws
  // Error(InvalidArgument) for no photos or impossible options.
  FieldEvaluator(std::vector<Photo> train, std::vector<Photo> validation,
                 const FieldEvalOptions &options);
  ~FieldEvaluator();

  const FieldReferences &references() const;
  // Loads a field model file ("gan" or a training checkpoint) and scores `samples` generated
  // crops (latent stream `seed`). Throws Error naming the file: NotFound, Corrupt, WrongKind,
  // InvalidArgument (not a field model, or its images are not colour).
  FieldQuality generator(const std::string &model_path);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace gan
