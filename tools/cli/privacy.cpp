// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan privacy: what differentially private training (DP-SGD) spends, before running it:
// epsilon for a noise multiplier, or the noise multiplier for a target epsilon, by the RDP
// accountant of gan/privacy.h (the sampled Gaussian mechanism, Poisson sampling).

#include "cli/command.h"

#include "gan/error.h"
#include "gan/privacy.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

namespace {

struct PrivacyArgs {
  double rate = 0; // sampling rate q; or batch / examples
  int64_t batch = 0, examples = 0;
  int64_t steps = 0; // or epochs / q
  double epochs = 0;
  double delta = 1e-5;
  double noise = 0;   // the noise multiplier, or
  double epsilon = 0; // the epsilon to keep
};

int run_privacy(const PrivacyArgs &a) {
  double q = a.rate;
  if (q <= 0) {
    if (a.batch <= 0 || a.examples <= 0 || a.batch > a.examples)
      throw gan::Error(gan::ErrorCode::InvalidArgument,
                       "give --sampling-rate, or --batch-size and --examples (batch <= examples)");
    q = static_cast<double>(a.batch) / static_cast<double>(a.examples);
  }
  int64_t steps = a.steps;
  if (steps <= 0) {
    if (!(a.epochs > 0))
      throw gan::Error(gan::ErrorCode::InvalidArgument, "give --steps or --epochs");
    steps = static_cast<int64_t>(std::ceil(a.epochs / q));
  }
  if ((a.noise > 0) == (a.epsilon > 0))
    throw gan::Error(gan::ErrorCode::InvalidArgument, "give one of --noise and --epsilon");
  if (a.noise > 0) {
    const gan::PrivacySpent s = gan::dp_sgd_epsilon(q, a.noise, steps, a.delta);
    std::printf("epsilon %.4g at delta %g (RDP order %g) after %lld steps at sampling rate %.6g "
                "with noise multiplier %g\n",
                s.epsilon, a.delta, s.order, static_cast<long long>(steps), q, a.noise);
    return 0;
  }
  const double sigma = gan::dp_sgd_noise_for(a.epsilon, q, steps, a.delta);
  const gan::PrivacySpent s = gan::dp_sgd_epsilon(q, sigma, steps, a.delta);
  std::printf("noise multiplier %.4g keeps epsilon at %.4g <= %g at delta %g over %lld steps at "
              "sampling rate %.6g\n",
              sigma, s.epsilon, a.epsilon, a.delta, static_cast<long long>(steps), q);
  return 0;
}

} // namespace

namespace gan_cli {

Command add_privacy(CLI::App &app) {
  auto a = std::make_shared<PrivacyArgs>();
  CLI::App *cmd = app.add_subcommand(
      "privacy", "what DP-SGD spends: epsilon for a noise multiplier, or the noise multiplier "
                 "for an epsilon (RDP accountant, Poisson sampling)");
  cmd->add_option("--sampling-rate,-q", a->rate, "each example's chance to be in a batch")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--batch-size", a->batch, "expected batch size (with --examples)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--examples", a->examples, "training examples (with --batch-size)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--steps", a->steps, "training steps")->check(CLI::PositiveNumber);
  cmd->add_option("--epochs", a->epochs, "or epochs (steps = epochs / sampling rate)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--delta", a->delta, "the delta of (epsilon, delta)")
      ->capture_default_str()
      ->check(CLI::Range(1e-300, 0.999999));
  cmd->add_option("--noise", a->noise, "noise multiplier (noise std / clipping norm)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--epsilon", a->epsilon, "the epsilon to keep: prints the noise it needs")
      ->check(CLI::PositiveNumber);
  return {cmd, [a] { return run_privacy(*a); }};
}

} // namespace gan_cli
