// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/privacy.h"

#include "gan/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace gan {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.14159265358979323846;

// log(exp(a) + exp(b)) without overflow.
double log_add(double a, double b) {
  if (a == -kInf)
    return b;
  if (b == -kInf)
    return a;
  const double hi = std::max(a, b), lo = std::min(a, b);
  return hi + std::log1p(std::exp(lo - hi));
}

// log(exp(a) - exp(b)) for a >= b.
double log_sub(double a, double b) {
  if (b == -kInf)
    return a;
  if (a < b)
    throw Error(ErrorCode::InvalidArgument,
                "the sampled Gaussian RDP series went negative (numerically unstable for these "
                "sampling rate and noise values)");
  if (a == b)
    return -kInf;
  return a + std::log1p(-std::exp(b - a));
}

// log(erfc(x)), also where erfc(x) underflows (x > ~26): its asymptotic series.
double log_erfc(double x) {
  const double e = std::erfc(x);
  if (e > 1e-300)
    return std::log(e);
  const double x2 = x * x;
  return -x2 - std::log(x) - 0.5 * std::log(kPi) +
         std::log1p(-1 / (2 * x2) + 3 / (4 * x2 * x2) - 15 / (8 * x2 * x2 * x2));
}

// log A_alpha for an integer order: sum over i of binom(alpha, i) q^i (1 - q)^(alpha - i)
// exp((i^2 - i) / (2 sigma^2)) (Mironov et al. 2019, section 3.3).
double log_a_integer(double q, double sigma, int64_t alpha) {
  double log_a = -kInf;
  const double a = static_cast<double>(alpha);
  for (int64_t k = 0; k <= alpha; ++k) {
    const double i = static_cast<double>(k);
    const double log_coef = std::lgamma(a + 1) - std::lgamma(i + 1) - std::lgamma(a - i + 1) +
                            i * std::log(q) + (a - i) * std::log1p(-q);
    log_a = log_add(log_a, log_coef + (i * i - i) / (2 * sigma * sigma));
  }
  return log_a;
}

// log A_alpha for a fractional order: the two-sided series of section 3.3, summed until its
// terms fall below e^-30 of the leading ones.
double log_a_fractional(double q, double sigma, double alpha) {
  double log_a0 = -kInf, log_a1 = -kInf;
  const double z0 = sigma * sigma * std::log(1 / q - 1) + 0.5;
  double log_coef = 0; // log |binom(alpha, i)|
  bool positive = true;
  for (int64_t k = 0; k < 100000; ++k) {
    const double i = static_cast<double>(k), j = alpha - i;
    const double log_t0 = log_coef + i * std::log(q) + j * std::log1p(-q);
    const double log_t1 = log_coef + j * std::log(q) + i * std::log1p(-q);
    const double log_e0 = std::log(0.5) + log_erfc((i - z0) / (std::sqrt(2.0) * sigma));
    const double log_e1 = std::log(0.5) + log_erfc((z0 - j) / (std::sqrt(2.0) * sigma));
    const double log_s0 = log_t0 + (i * i - i) / (2 * sigma * sigma) + log_e0;
    const double log_s1 = log_t1 + (j * j - j) / (2 * sigma * sigma) + log_e1;
    if (positive) {
      log_a0 = log_add(log_a0, log_s0);
      log_a1 = log_add(log_a1, log_s1);
    } else {
      log_a0 = log_sub(log_a0, log_s0);
      log_a1 = log_sub(log_a1, log_s1);
    }
    if (std::max(log_s0, log_s1) < -30)
      return log_add(log_a0, log_a1);
    // binom(alpha, i + 1) = binom(alpha, i) (alpha - i) / (i + 1)
    const double ratio = (alpha - i) / (i + 1);
    positive = ratio < 0 ? !positive : positive;
    log_coef += std::log(std::abs(ratio));
  }
  throw Error(ErrorCode::InvalidArgument,
              "the sampled Gaussian RDP series did not converge at order " + std::to_string(alpha));
}

} // namespace

const std::vector<double> &rdp_orders() {
  static const std::vector<double> orders = [] {
    std::vector<double> o;
    for (int x = 1; x < 100; ++x)
      o.push_back(1 + x / 10.0);
    for (int a = 12; a < 64; ++a)
      o.push_back(a);
    return o;
  }();
  return orders;
}

double sampled_gaussian_rdp(double q, double sigma, double alpha) {
  if (!(q >= 0 && q <= 1))
    throw Error(ErrorCode::InvalidArgument,
                "the sampling rate must be in [0, 1], not " + std::to_string(q));
  if (!(sigma >= 0) || std::isinf(sigma))
    throw Error(ErrorCode::InvalidArgument,
                "the noise multiplier must be finite and >= 0, not " + std::to_string(sigma));
  if (!(alpha > 1) || std::isinf(alpha))
    throw Error(ErrorCode::InvalidArgument,
                "an RDP order must be finite and > 1, not " + std::to_string(alpha));
  if (q == 0)
    return 0;
  if (sigma == 0)
    return kInf;
  if (q == 1)
    return alpha / (2 * sigma * sigma);
  const double log_a = alpha == std::floor(alpha)
                           ? log_a_integer(q, sigma, static_cast<int64_t>(alpha))
                           : log_a_fractional(q, sigma, alpha);
  return log_a / (alpha - 1);
}

PrivacySpent epsilon_from_rdp(const std::vector<double> &orders, const std::vector<double> &rdp,
                              double delta) {
  if (orders.size() != rdp.size() || orders.empty())
    throw Error(ErrorCode::InvalidArgument, "RDP values and orders differ in number");
  if (!(delta > 0 && delta < 1))
    throw Error(ErrorCode::InvalidArgument,
                "delta must be in (0, 1), not " + std::to_string(delta));
  PrivacySpent best{kInf, 0};
  for (size_t k = 0; k < orders.size(); ++k) {
    const double a = orders[k];
    const double eps = rdp[k] - (std::log(delta) + std::log(a)) / (a - 1) + std::log((a - 1) / a);
    if (eps < best.epsilon)
      best = {std::max(eps, 0.0), a};
  }
  return best;
}

PrivacySpent dp_sgd_epsilon(double q, double sigma, int64_t steps, double delta) {
  RdpAccountant a;
  a.step(q, sigma, steps);
  return a.spent(delta);
}

double dp_sgd_noise_for(double epsilon, double q, int64_t steps, double delta) {
  if (!(epsilon > 0) || std::isinf(epsilon))
    throw Error(ErrorCode::InvalidArgument, "the target epsilon must be finite and > 0");
  double lo = 0, hi = 1;
  while (dp_sgd_epsilon(q, hi, steps, delta).epsilon > epsilon) {
    if (hi >= 1000)
      throw Error(ErrorCode::InvalidArgument, "no noise multiplier up to 1000 keeps epsilon at " +
                                                  std::to_string(epsilon) + " (sampling rate " +
                                                  std::to_string(q) + ", " + std::to_string(steps) +
                                                  " steps)");
    lo = hi;
    hi = std::min(2 * hi, 1000.0);
  }
  while (hi - lo > 1e-3 * hi) {
    const double mid = (lo + hi) / 2;
    (dp_sgd_epsilon(q, mid, steps, delta).epsilon > epsilon ? lo : hi) = mid;
  }
  return hi;
}

void RdpAccountant::step(double q, double sigma, int64_t count) {
  if (count < 0)
    throw Error(ErrorCode::InvalidArgument, "a step count cannot be negative");
  if (count == 0)
    return; // (no steps spend nothing, even without noise: no 0 x infinity)
  if (q != last_q_ || sigma != last_sigma_) {
    const std::vector<double> &orders = rdp_orders();
    std::vector<double> one(orders.size());
    for (size_t k = 0; k < orders.size(); ++k)
      one[k] = sampled_gaussian_rdp(q, sigma, orders[k]);
    last_rdp_ = std::move(one);
    last_q_ = q, last_sigma_ = sigma;
  }
  for (size_t k = 0; k < rdp_.size(); ++k)
    rdp_[k] += static_cast<double>(count) * last_rdp_[k];
  steps_ += count;
}

PrivacySpent RdpAccountant::spent(double delta) const {
  if (steps_ == 0) // nothing released yet: (0, 0); the conversion alone would say ~0.1
    return {0, 0};
  return epsilon_from_rdp(rdp_orders(), rdp_, delta);
}

} // namespace gan
