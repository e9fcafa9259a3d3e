// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan eval: the quality report (JSON) for generators and a detector.

#include "cli/command.h"

#include "gan/dataset.h"
#include "gan/error.h"
#include "gan/eval.h"
#include "gan/threads.h"

#include <nlohmann/json.hpp>

#include <chrono>
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
  int64_t samples = 10000;
  uint64_t seed = 20261127;
  int threads = 0;
};

int run_eval(const EvalArgs &a) {
  gan::configure_threads(a.threads);
  const auto t0 = std::chrono::steady_clock::now();
  gan::Evaluator ev(a.classifier, a.data_dir, a.samples);
  const gan::ReferenceQuality r = ev.references();
  json report = {{"samples", a.samples},
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
    const gan::DetectorQuality q = ev.detector(a.detector, a.dcgan, a.mlp, a.seed + 17);
    json conditions;
    for (const auto &[name, c] : q.conditions)
      conditions[name] = {{"auc", c.auc},
                          {"ap", c.ap},
                          {"accuracy", c.accuracy},
                          {"tpr_at_1pct_fpr", c.tpr_at_1pct_fpr},
                          {"fpr_at_threshold", c.fpr_at_threshold}};
    report["detector"] = {{"path", a.detector},
                          {"id", q.model_id},
                          {"threshold_logit", q.threshold},
                          {"conditions", conditions}};
  }
  report["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!a.out.empty())
    std::ofstream(a.out) << report.dump(2) << '\n';
  std::printf("%s\n", report.dump(2).c_str());
  return 0;
}

} // namespace

namespace gan_cli {

Command add_eval(CLI::App &app) {
  auto ev = std::make_shared<EvalArgs>();
  CLI::App *eval = app.add_subcommand(
      "eval", "quality report (JSON): FID, precision/recall, coverage, memorisation, detector");
  eval->add_option("--classifier,-c", ev->classifier, "classifier model file (feature network)")
      ->required();
  eval->add_option("--generator,-g", ev->generators, "generator model file(s) to evaluate");
  eval->add_option("--detector,-d", ev->detector, "detector model file to evaluate");
  eval->add_option("--dcgan", ev->dcgan, "with --detector: the generator it was trained against");
  eval->add_option("--mlp", ev->mlp, "with --detector: a generator it never saw");
  eval->add_option("--data-dir", ev->data_dir, "folder with the Fashion-MNIST IDX files")
      ->capture_default_str();
  eval->add_option("--samples,-n", ev->samples, "test and generated images per statistic")
      ->check(CLI::Range(10, 10000))
      ->capture_default_str();
  eval->add_option("--seed", ev->seed, "latent stream of the generated samples")
      ->capture_default_str();
  eval->add_option("--threads", ev->threads, "intra-op threads (0 = one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  eval->add_option("--out,-o", ev->out, "also write the report to this file");
  return {eval, [ev] { return run_eval(*ev); }};
}

} // namespace gan_cli
