// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// How well a natural-image detector tells photographs from generated images (issue 15), as
// patches and as whole frames scored the way gandetect scores them, clean and degraded, and the
// same for a baseline that needs no learned network: the azimuthally averaged power spectrum of
// a patch + logistic regression (Durall et al. 2020). Torch-free interface.

#include "gan/detector_data.h"
#include "gan/photos.h"
#include "gan/runtime.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gan {

struct NaturalEvalOptions {
  int64_t patches = 2000; // per set: validation-photo patches, and each fake group's
  int64_t frames = 40;    // per set
  int64_t frame_width = 1280, frame_height = 720;
  int64_t max_tiles = 16; // gandetect's default
  uint64_t seed = 20261129;
};

// One condition: reals and fakes alike degraded, scored by the mean tile logit for frames.
struct NaturalCondition {
  double auc = 0, ap = 0;
  double tpr_at_1pct = 0; // fakes above the threshold giving 1% false positives on clean reals
  double fpr_default = 0; // reals above logit 0 (the model's default threshold)
  double tpr_default = 0; // fakes above logit 0
  int64_t reals = 0, fakes = 0;
};

struct NaturalQuality {
  std::string model_id;
  double patch_threshold_1pct = 0, frame_threshold_1pct = 0; // on the clean reals
  // "patch-a", "patch-b", "patch-c-jpeg75-a", "patch-c-jpeg75-b", "patch-d-half-a",
  // "patch-d-half-b", and the same with "frame-" (frames of frame_width x frame_height; "d":
  // the frame downscaled to half its size and scored at that size).
  std::map<std::string, NaturalCondition> conditions;
};

class NaturalEvaluator {
public:
  // validation: the held-out photos at the patch working size (patches cut as training cuts
  // them, with `patch`'s scale range); validation_frames: the same photos large enough for
  // frames. family: the detector's training generators (scored on a new latent stream, set
  // (a)); held_out: generators it never saw (set (b)). Throws Error naming a bad file.
  NaturalEvaluator(std::vector<Photo> validation, std::vector<Photo> validation_frames,
                   const PatchOptions &patch, const std::vector<std::string> &family,
                   const std::vector<std::string> &held_out, const NaturalEvalOptions &options);
  ~NaturalEvaluator();

  // A detector of patch x patch inputs.
  NaturalQuality detector(Detector &detector);

  // The spectral baseline, fitted on patches of `train` photos against samples of the
  // `family` generators on their training stream (seed `fit_seed`), then scored like a detector.
  NaturalQuality spectral_baseline(const std::vector<Photo> &train, uint64_t fit_seed);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace gan
