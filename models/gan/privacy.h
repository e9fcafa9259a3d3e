// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The privacy a differentially private training run spends (DP-SGD: per-sample gradients
// clipped to a norm C, Gaussian noise of standard deviation sigma * C added to their sum, every
// example in a batch with probability q, Poisson sampling). An RDP accountant for this sampled
// Gaussian mechanism (Mironov, Talwar and Zhang 2019, "Renyi Differential Privacy of the
// Sampled Gaussian Mechanism", section 3.3: integer orders by the binomial expansion,
// fractional ones by its two-sided series), composed over steps by adding RDP, and converted to
// (epsilon, delta) as Opacus and TensorFlow Privacy do (Balle et al. 2020, theorem 21):
//   epsilon = min over orders a of  rdp(a) + log((a - 1) / a) - (log(delta) + log(a)) / (a - 1).
// No LibTorch: plain double arithmetic, checked against an independent numerical integration
// (tests/privacy_test.cpp with tests/rdp_reference.py).

#include <cstdint>
#include <vector>

namespace gan {

// The orders tracked: 1.1, 1.2, ..., 10.9, then 12, 13, ..., 63 (Opacus's default list).
const std::vector<double> &rdp_orders();

// RDP at order `alpha` (> 1) of one step of the sampled Gaussian mechanism with sampling rate
// q in [0, 1] and noise multiplier sigma (>= 0). 0 for q = 0, infinity for sigma = 0.
// Throws Error(InvalidArgument) for values outside those ranges.
double sampled_gaussian_rdp(double q, double sigma, double alpha);

struct PrivacySpent {
  double epsilon = 0;
  double order = 0; // the order that gave it
};

// (epsilon, delta) from RDP values at `orders` (the same length). delta in (0, 1).
PrivacySpent epsilon_from_rdp(const std::vector<double> &orders, const std::vector<double> &rdp,
                              double delta);

// What DP-SGD spends: `steps` steps at sampling rate q and noise multiplier sigma.
PrivacySpent dp_sgd_epsilon(double q, double sigma, int64_t steps, double delta);

// The smallest noise multiplier (to 1e-3 relative) whose epsilon after `steps` steps at rate q
// stays at most `epsilon`; Error(InvalidArgument) when none up to 1000 does.
double dp_sgd_noise_for(double epsilon, double q, int64_t steps, double delta);

// A running account: steps may change their rate or noise (the RDP of each adds up).
class RdpAccountant {
public:
  void step(double q, double sigma, int64_t count = 1);
  // (epsilon, delta) so far; epsilon 0 before any step.
  PrivacySpent spent(double delta) const;
  int64_t steps() const { return steps_; }

private:
  std::vector<double> rdp_ = std::vector<double>(rdp_orders().size(), 0.0);
  int64_t steps_ = 0;
  double last_q_ = -1, last_sigma_ = -1;
  std::vector<double> last_rdp_; // one step's RDP at (last_q_, last_sigma_)
};

} // namespace gan
