// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan eval: the quality report (JSON) for generators and a detector on Fashion-MNIST, and
// for field generators on photographs (SWD and power spectra, a table and JSON).

#include "cli/command.h"

#include "gan/dataset.h"
#include "gan/error.h"
#include "gan/eval.h"
#include "gan/model_file.h"
#include "gan/natural_eval.h"
#include "gan/photos.h"
#include "gan/threads.h"
#include "sources.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;

struct EvalArgs {
  std::string classifier, detector, dcgan, mlp, out;
  std::vector<std::string> generators;
  std::string data_dir = gan::default_fashion_mnist_dir();
  int64_t samples = 0; // 0: 10000 test images, or 1024 crops with --photos
  uint64_t seed = 20261127;
  int threads = 0;
  bool bf16 = false; // a TorchScript --detector scored in bfloat16
  // Field generators on photographs.
  std::string photos; // a manifest (.tsv) or a folder
  std::vector<std::string> field_generators;
  gan::FieldEvalOptions field;
  int64_t working_size = 1024;
  int validation_percent = 15;
  // Natural-image detectors on photographs (issue 15).
  std::vector<std::string> natural_detectors, family, held_out;
  bool spectral = false;
  gan::NaturalEvalOptions natural;
  gan::PatchOptions patch;
  uint64_t fit_seed = 1000; // the spectral baseline's training stream (train-detector's)
};

// The report's run time, then the report to `path` (when given).
void write_report(json &report, std::chrono::steady_clock::time_point t0, const std::string &path) {
  report["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (path.empty())
    return;
  std::ofstream out(path);
  out << report.dump(2) << '\n';
  if (!out)
    throw gan::Error(gan::ErrorCode::Io, "cannot write the report '" + path + "'");
}

json natural_json(const gan::NaturalQuality &q) {
  json conditions;
  for (const auto &[name, c] : q.conditions)
    conditions[name] = {{"auc", c.auc},
                        {"ap", c.ap},
                        {"tpr_at_1pct_fpr", c.tpr_at_1pct},
                        {"fpr_default_threshold", c.fpr_default},
                        {"tpr_default_threshold", c.tpr_default},
                        {"reals", c.reals},
                        {"fakes", c.fakes}};
  return {{"id", q.model_id},
          {"patch_threshold_1pct", q.patch_threshold_1pct},
          {"frame_threshold_1pct", q.frame_threshold_1pct},
          {"conditions", conditions}};
}

void print_natural(const gan::NaturalQuality &q) {
  std::printf("\n%s\n  %-22s %7s %7s %9s %9s %9s\n", q.model_id.c_str(), "condition", "AUC", "AP",
              "TPR@1%", "FPR@def", "TPR@def");
  for (const auto &[name, c] : q.conditions)
    std::printf("  %-22s %7.4f %7.4f %9.4f %9.4f %9.4f\n", name.c_str(), c.auc, c.ap, c.tpr_at_1pct,
                c.fpr_default, c.tpr_default);
  std::fflush(stdout);
}

// Natural-image detectors and the spectral baseline against photographs (issue 15).
int run_natural_eval(const EvalArgs &a) {
  gan::configure_threads(a.threads);
  const auto t0 = std::chrono::steady_clock::now();
  if (a.family.empty() || a.held_out.empty())
    throw gan::Error(gan::ErrorCode::InvalidArgument,
                     "the natural evaluation needs --family and --held-out generators");
  const std::vector<gan::PhotoEntry> manifest =
      gan::read_photo_list(a.photos, a.validation_percent);
  gan::NaturalEvalOptions o = a.natural;
  o.seed = a.seed;
  // The reals: the test scenes (neither trained nor calibrated on) where the manifest has them,
  // else the validation ones.
  const bool has_test = std::any_of(manifest.begin(), manifest.end(),
                                    [](const auto &e) { return e.split == gan::PhotoSplit::Test; });
  const gan::PhotoSplit split = has_test ? gan::PhotoSplit::Test : gan::PhotoSplit::Validation;
  gan::NaturalEvaluator ev(gan_tools::load_photos(manifest, split, a.working_size),
                           gan_tools::load_photos(manifest, split, 1920), a.patch, a.family,
                           a.held_out, o);
  std::printf("natural eval: %lld patches of %lldx%lld and %lld frames of %lldx%lld per set; "
              "(a) %zu training-family generators, new latents (seed %llu); (b) %zu held out\n",
              static_cast<long long>(o.patches), static_cast<long long>(a.patch.size),
              static_cast<long long>(a.patch.size), static_cast<long long>(o.frames),
              static_cast<long long>(o.frame_width), static_cast<long long>(o.frame_height),
              a.family.size(), static_cast<unsigned long long>(o.seed), a.held_out.size());
  json report = {{"photos", a.photos},       {"photo_split", gan::photo_split_name(split)},
                 {"seed", o.seed},           {"patches", o.patches},
                 {"frames", o.frames},       {"frame_size", {o.frame_width, o.frame_height}},
                 {"max_tiles", o.max_tiles}, {"family", a.family},
                 {"held_out", a.held_out}};
  for (const std::string &path : a.natural_detectors) {
    auto detector = gan::Detector::load(path);
    const gan::NaturalQuality q = ev.detector(*detector);
    print_natural(q);
    report["detectors"][path] = natural_json(q);
  }
  if (a.spectral) {
    std::vector<gan::Photo> train =
        gan_tools::load_photos(manifest, gan::PhotoSplit::Train, a.working_size);
    const gan::NaturalQuality q = ev.spectral_baseline(train, a.fit_seed);
    print_natural(q);
    report["spectral_baseline"] = natural_json(q);
  }
  write_report(report, t0, a.out);
  return 0;
}

// One row of the field table: a label and its values, fixed-width.
void print_row(const std::string &label, const std::vector<double> &values, const char *format) {
  std::printf("  %-10s", label.c_str());
  for (double v : values)
    std::printf(format, v);
  std::printf("\n");
}

json field_scores_json(const gan::FieldScores &s) {
  return {{"swd_x1e3", s.swd},
          {"spectrum_distance", s.spectrum_distance},
          {"spectrum_log10", s.spectrum}};
}

// A generated value is closer to the floor than to the blur reference.
bool closer_to_floor(double value, double floor, double blur) {
  return std::abs(value - floor) < std::abs(value - blur);
}

int run_field_eval(const EvalArgs &a) {
  gan::configure_threads(a.threads);
  const auto t0 = std::chrono::steady_clock::now();
  gan::FieldEvalOptions o = a.field;
  o.samples = a.samples > 0 ? a.samples : 1024;
  o.seed = a.seed;
  const std::vector<gan::PhotoEntry> manifest =
      gan::read_photo_list(a.photos, a.validation_percent);
  std::vector<gan::Photo> train =
      gan_tools::load_photos(manifest, gan::PhotoSplit::Train, a.working_size);
  std::vector<gan::Photo> validation =
      gan_tools::load_photos(manifest, gan::PhotoSplit::Validation, a.working_size);
  const size_t n_train = train.size(), n_validation = validation.size();
  // Models are read before the references are computed, so a bad file fails at once.
  for (const std::string &path : a.field_generators)
    gan::read_model_file(path);
  gan::FieldEvaluator ev(std::move(train), std::move(validation), o);
  const gan::FieldReferences &r = ev.references();
  std::vector<gan::FieldQuality> qualities;
  for (const std::string &path : a.field_generators)
    qualities.push_back(ev.generator(path));

  std::printf("field eval: %lld crops of %lldx%lld per set, seed %llu; photos '%s' (%zu training, "
              "%zu validation) at working size %lld, shown at scale %.2f-%.2f\n",
              static_cast<long long>(o.samples), static_cast<long long>(o.crop),
              static_cast<long long>(o.crop), static_cast<unsigned long long>(o.seed),
              a.photos.c_str(), n_train, n_validation, static_cast<long long>(a.working_size),
              o.min_scale, o.max_scale);
  for (size_t i = 0; i < qualities.size(); ++i)
    std::printf("  [%zu] %s (%s, %s, step %lld)\n", i + 1, a.field_generators[i].c_str(),
                qualities[i].model_id.c_str(), qualities[i].kind.c_str(),
                static_cast<long long>(qualities[i].steps));
  std::vector<std::string> header{"floor", "blur"};
  for (size_t i = 0; i < qualities.size(); ++i)
    header.push_back("[" + std::to_string(i + 1) + "]");
  std::printf("\nSWD x 1e3 against the validation crops (floor: training photos; blur: validation "
              "blurred, sigma 1)\n  %-10s",
              "level");
  for (const std::string &h : header)
    std::printf("%10s", h.c_str());
  std::printf("\n");
  for (size_t l = 0; l < r.levels.size(); ++l) {
    std::vector<double> row{r.floor.swd[l], r.blur.swd[l]};
    for (const gan::FieldQuality &q : qualities)
      row.push_back(q.scores.swd[l]);
    print_row(std::to_string(r.levels[l]), row, "%10.2f");
  }
  std::vector<double> spectrum{r.floor.spectrum_distance, r.blur.spectrum_distance};
  for (const gan::FieldQuality &q : qualities)
    spectrum.push_back(q.scores.spectrum_distance);
  print_row("spectrum", spectrum, "%10.4f");
  std::printf("  (spectrum: mean |difference| of log10 radial power, 1..%lld cycles per crop)\n",
              static_cast<long long>(o.crop / 2));

  json report = {{"photos", a.photos},
                 {"training_photos", n_train},
                 {"validation_photos", n_validation},
                 {"working_size", a.working_size},
                 {"scale", {o.min_scale, o.max_scale}},
                 {"crop", o.crop},
                 {"samples", o.samples},
                 {"seed", o.seed},
                 {"levels", r.levels},
                 {"references",
                  {{"floor_train_vs_validation", field_scores_json(r.floor)},
                   {"blur_sigma1_vs_validation", field_scores_json(r.blur)},
                   {"validation_spectrum_log10", r.validation_spectrum}}}};
  for (size_t i = 0; i < qualities.size(); ++i) {
    const gan::FieldQuality &q = qualities[i];
    std::vector<bool> swd_closer;
    for (size_t l = 0; l < r.levels.size(); ++l)
      swd_closer.push_back(closer_to_floor(q.scores.swd[l], r.floor.swd[l], r.blur.swd[l]));
    const bool spectrum_closer = closer_to_floor(
        q.scores.spectrum_distance, r.floor.spectrum_distance, r.blur.spectrum_distance);
    const bool all_swd = std::find(swd_closer.begin(), swd_closer.end(), false) == swd_closer.end();
    std::printf("  [%zu] closer to the floor than to the blur reference: SWD at %s level, "
                "spectrum %s\n",
                i + 1, all_swd ? "every" : "not every", spectrum_closer ? "yes" : "no");
    json g = field_scores_json(q.scores);
    g["id"] = q.model_id;
    g["kind"] = q.kind;
    g["steps"] = q.steps;
    g["swd_closer_to_floor_than_blur"] = swd_closer;
    g["spectrum_closer_to_floor_than_blur"] = spectrum_closer;
    report["field_generators"][a.field_generators[i]] = g;
  }
  write_report(report, t0, a.out);
  return 0;
}

int run_eval(const EvalArgs &a) {
  if (!a.photos.empty() && (!a.natural_detectors.empty() || a.spectral))
    return run_natural_eval(a);
  if (!a.photos.empty())
    return run_field_eval(a);
  if (!a.field_generators.empty())
    throw gan::Error(gan::ErrorCode::InvalidArgument,
                     "--field-generator needs --photos (the manifest the model trained on)");
  if (a.classifier.empty())
    throw gan::Error(gan::ErrorCode::InvalidArgument,
                     "eval needs --classifier (Fashion-MNIST models) or --photos (field models)");
  gan::configure_threads(a.threads);
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t samples = a.samples > 0 ? a.samples : 10000;
  gan::Evaluator ev(a.classifier, a.data_dir, samples);
  const gan::ReferenceQuality r = ev.references();
  json report = {{"samples", samples},
                 {"seed", a.seed},
                 {"classifier", a.classifier},
                 {"references",
                  {{"fid_floor_train_vs_test", r.fid_floor},
                   {"fid_blur_sigma1_vs_test", r.fid_blur},
                   {"precision_train_vs_test", r.precision_floor},
                   {"recall_train_vs_test", r.recall_floor},
                   {"classifier_accuracy", r.classifier_accuracy}}}};
  for (const std::string &path : a.generators) {
    const gan::GeneratorQuality q = ev.generator(path, a.seed);
    report["generators"][path] = {{"id", q.model_id},
                                  {"fid", q.fid},
                                  {"fid_over_blur_reference", q.fid / r.fid_blur},
                                  {"precision", q.precision},
                                  {"recall", q.recall},
                                  {"class_fractions", q.class_fractions},
                                  {"memorized_fraction", q.memorized_fraction},
                                  {"memorization_threshold", q.memorization_threshold},
                                  {"median_nn_distance_generated", q.median_nn_distance_generated},
                                  {"median_nn_distance_test", q.median_nn_distance_test}};
  }
  if (!a.detector.empty()) {
    if (a.dcgan.empty() || a.mlp.empty())
      throw gan::Error(gan::ErrorCode::InvalidArgument, "--detector needs --dcgan and --mlp");
    const gan::DetectorQuality q = ev.detector(a.detector, a.dcgan, a.mlp, a.seed + 17, a.bf16);
    json conditions;
    for (const auto &[name, c] : q.conditions)
      conditions[name] = {{"auc", c.auc},
                          {"ap", c.ap},
                          {"accuracy", c.accuracy},
                          {"tpr_at_1pct_fpr", c.tpr_at_1pct_fpr},
                          {"fpr_at_threshold", c.fpr_at_threshold}};
    report["detector"] = {{"path", a.detector},
                          {"id", q.model_id},
                          {"precision", a.bf16 ? "bfloat16" : "float32"},
                          {"threshold_logit", q.threshold},
                          {"conditions", conditions}};
  }
  write_report(report, t0, a.out);
  std::printf("%s\n", report.dump(2).c_str());
  return 0;
}

} // namespace

namespace gan_cli {

Command add_eval(CLI::App &app) {
  auto ev = std::make_shared<EvalArgs>();
  CLI::App *eval = app.add_subcommand(
      "eval", "quality report: FID, precision/recall, coverage, memorisation, detector "
              "(Fashion-MNIST, JSON); SWD and power spectra of field models (--photos)");
  auto *classifier = eval->add_option("--classifier,-c", ev->classifier,
                                      "classifier model file (feature network)");
  auto *generators =
      eval->add_option("--generator,-g", ev->generators, "generator model file(s) to evaluate");
  auto *detector =
      eval->add_option("--detector,-d", ev->detector, "detector model file to evaluate");
  eval->add_option("--dcgan", ev->dcgan, "with --detector: the generator it was trained against");
  eval->add_option("--mlp", ev->mlp, "with --detector: a generator it never saw");
  eval->add_flag("--bf16", ev->bf16,
                 "with a TorchScript --detector: score in bfloat16 (gandetect's bf16)");
  eval->add_option("--data-dir", ev->data_dir, "folder with the Fashion-MNIST IDX files")
      ->capture_default_str();
  eval->add_option("--samples,-n", ev->samples,
                   "test and generated images per statistic (default 10000); with --photos: "
                   "crops per set (default 1024)")
      ->check(CLI::Range(10, 10000));
  eval->add_option("--seed", ev->seed, "latent stream of the generated samples (and the crops)")
      ->capture_default_str();
  eval->add_option("--threads", ev->threads, "intra-op threads (0 = one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  eval->add_option("--out,-o", ev->out, "also write the report to this file");
  auto *photos = eval->add_option(
      "--photos", ev->photos,
      "field models: photographs (a manifest .tsv with train/validation rows, or a folder)");
  eval->add_option("--field-generator,-f", ev->field_generators,
                   "with --photos: field model file(s) or training checkpoint(s) to evaluate");
  eval->add_option("--crop", ev->field.crop,
                   "with --photos: side of the compared crops (a power of two >= 16)")
      ->check(CLI::Range(16, 1024))
      ->capture_default_str();
  eval->add_option("--scale-min", ev->field.min_scale,
                   "with --photos: smallest scale a crop shows its photo at (as training)")
      ->check(CLI::Range(0.05, 4.0))
      ->capture_default_str();
  eval->add_option("--scale-max", ev->field.max_scale,
                   "with --photos: largest scale a crop shows its photo at (as training)")
      ->check(CLI::Range(0.05, 4.0))
      ->capture_default_str();
  eval->add_option("--working-size", ev->working_size,
                   "with --photos: photos are held at most this long (as training)")
      ->check(CLI::Range(16, 16384))
      ->capture_default_str();
  eval->add_option("--validation-percent", ev->validation_percent,
                   "with a --photos folder: about this share of its photos validate (as training)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  eval->add_option("--natural-detector", ev->natural_detectors,
                   "with --photos: natural-image detector(s) to evaluate, as patches and as "
                   "frames (tiles), clean, after JPEG 75 and after a 0.5x downscale");
  eval->add_flag("--spectral-baseline", ev->spectral,
                 "with --photos: also fit and evaluate the power-spectrum + logistic-regression "
                 "baseline (Durall et al. 2020) on the training photos against --family");
  eval->add_option("--family", ev->family,
                   "with --natural-detector: the generators the detector trained against (set a)");
  eval->add_option("--held-out", ev->held_out,
                   "with --natural-detector: generators it never saw (set b)");
  eval->add_option("--patch", ev->patch.size, "with --natural-detector: patch side")
      ->check(CLI::Range(16, 256))
      ->capture_default_str();
  eval->add_option("--patches", ev->natural.patches, "with --natural-detector: patches per set")
      ->check(CLI::Range(10, 100000))
      ->capture_default_str();
  eval->add_option("--frames", ev->natural.frames, "with --natural-detector: frames per set")
      ->check(CLI::Range(2, 10000))
      ->capture_default_str();
  photos->excludes(classifier)->excludes(generators)->excludes(detector);
  return {eval, [ev] { return run_eval(*ev); }};
}

} // namespace gan_cli
