// SPDX-License-Identifier: LGPL-2.1-or-later
// The privacy accountant (gan/privacy.h): its RDP against an independent numerical integration
// of the definition (tests/rdp_reference.py), closed forms, composition, and the noise search.

#include "run_command.h"

#include "gan/error.h"
#include "gan/privacy.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace {

struct Reference {
  std::vector<std::pair<double, double>> rdp; // (order, one step's RDP)
  double epsilon = 0, order = 0;
};

// tests/rdp_reference.py's figures for these settings at the accountant's orders.
Reference reference(double q, double sigma, int64_t steps, double delta) {
  char args[128];
  std::snprintf(args, sizeof args, " %.17g %.17g %lld %.17g", q, sigma,
                static_cast<long long>(steps), delta);
  const std::string cmd =
      "python3 " + std::string(GST_GAN_SOURCE_DIR) + "/tests/rdp_reference.py" + args;
  const gan_test::CommandResult run = gan_test::run_command(cmd);
  EXPECT_EQ(run.status, 0) << cmd << ": " << run.output;
  const nlohmann::json j = nlohmann::json::parse(run.output);
  Reference r;
  for (const auto &pair : j.at("rdp"))
    r.rdp.emplace_back(pair.at(0).get<double>(), pair.at(1).get<double>());
  r.epsilon = j.at("epsilon").get<double>();
  r.order = j.at("order").get<double>();
  return r;
}

void expect_relative(double got, double want, double tolerance, const std::string &what) {
  EXPECT_LE(std::abs(got - want), tolerance * std::max(std::abs(want), 1e-12))
      << what << ": " << got << " against " << want;
}

TEST(PrivacyAccountant, MatchesAnIndependentIntegrationOfTheDefinition) {
  // Settings DP-SGD runs with: small and large sampling rates, little and much noise.
  struct Case {
    double q, sigma;
    int64_t steps;
  };
  for (const Case c : {Case{0.01, 1.1, 10000}, Case{256.0 / 60000, 0.8, 14000}, Case{0.1, 2.0, 500},
                       Case{0.02, 0.7, 3000}, Case{0.002, 4.0, 50000}}) {
    const std::string name = "q " + std::to_string(c.q) + " sigma " + std::to_string(c.sigma);
    const Reference want = reference(c.q, c.sigma, c.steps, 1e-5);
    ASSERT_EQ(want.rdp.size(), gan::rdp_orders().size()) << name;
    for (size_t k = 0; k < want.rdp.size(); ++k) {
      ASSERT_DOUBLE_EQ(want.rdp[k].first, gan::rdp_orders()[k]);
      expect_relative(gan::sampled_gaussian_rdp(c.q, c.sigma, want.rdp[k].first),
                      want.rdp[k].second, 1e-6,
                      name + " order " + std::to_string(want.rdp[k].first));
    }
    const gan::PrivacySpent spent = gan::dp_sgd_epsilon(c.q, c.sigma, c.steps, 1e-5);
    expect_relative(spent.epsilon, want.epsilon, 1e-6, name + " epsilon");
    EXPECT_EQ(spent.order, want.order) << name;
  }
}

TEST(PrivacyAccountant, ClosedFormsAndRefusals) {
  // Every example in every batch: the Gaussian mechanism, alpha / (2 sigma^2).
  EXPECT_DOUBLE_EQ(gan::sampled_gaussian_rdp(1.0, 2.0, 3.5), 3.5 / 8);
  EXPECT_DOUBLE_EQ(gan::sampled_gaussian_rdp(0.0, 1.0, 8), 0.0);
  EXPECT_TRUE(std::isinf(gan::sampled_gaussian_rdp(0.1, 0.0, 8)));
  // Sampling amplifies privacy: a small rate spends far less than the full batch.
  EXPECT_LT(gan::sampled_gaussian_rdp(0.01, 1.0, 8), 0.01 * gan::sampled_gaussian_rdp(1, 1, 8));
  for (const auto &bad : {std::array<double, 3>{-0.1, 1, 2},
                          {1.5, 1, 2},
                          {0.1, -1, 2},
                          {0.1, 1, 1.0},
                          {0.1, 1, std::numeric_limits<double>::infinity()},
                          {std::nan(""), 1, 2}})
    EXPECT_THROW(gan::sampled_gaussian_rdp(bad[0], bad[1], bad[2]), gan::Error);
  EXPECT_THROW(gan::dp_sgd_epsilon(0.01, 1, 100, 0), gan::Error);
  EXPECT_THROW(gan::dp_sgd_epsilon(0.01, 1, 100, 1), gan::Error);
  EXPECT_THROW(gan::RdpAccountant().step(0.01, 1, -1), gan::Error);
}

TEST(PrivacyAccountant, StepsComposeAndMoreNoiseSpendsLess) {
  gan::RdpAccountant a, b;
  a.step(0.01, 1.0, 300);
  b.step(0.01, 1.0, 100);
  b.step(0.01, 1.0, 200);
  EXPECT_DOUBLE_EQ(a.spent(1e-5).epsilon, b.spent(1e-5).epsilon);
  EXPECT_EQ(b.steps(), 300);
  gan::RdpAccountant c; // a rate that changes mid-run adds each part's RDP
  c.step(0.01, 1.0, 100);
  c.step(0.02, 1.5, 100);
  EXPECT_GT(c.spent(1e-5).epsilon, gan::dp_sgd_epsilon(0.01, 1.0, 100, 1e-5).epsilon);
  EXPECT_GT(c.spent(1e-5).epsilon, gan::dp_sgd_epsilon(0.02, 1.5, 100, 1e-5).epsilon);
  double last = 0;
  for (int64_t steps : {10, 100, 1000, 10000}) {
    const double e = gan::dp_sgd_epsilon(0.01, 1.0, steps, 1e-5).epsilon;
    EXPECT_GT(e, last) << steps;
    last = e;
  }
  EXPECT_GT(gan::dp_sgd_epsilon(0.01, 0.8, 1000, 1e-5).epsilon,
            gan::dp_sgd_epsilon(0.01, 1.6, 1000, 1e-5).epsilon);
  EXPECT_EQ(gan::RdpAccountant().spent(1e-5).epsilon, 0.0); // nothing spent yet
}

TEST(PrivacyAccountant, TheNoiseForATargetEpsilonKeepsItAndNoLessNoiseDoes) {
  for (const double target : {1.0, 10.0}) {
    const double q = 64.0 / 60000;
    const int64_t steps = 20000;
    const double sigma = gan::dp_sgd_noise_for(target, q, steps, 1e-5);
    EXPECT_LE(gan::dp_sgd_epsilon(q, sigma, steps, 1e-5).epsilon, target);
    EXPECT_GT(gan::dp_sgd_epsilon(q, sigma * 0.99, steps, 1e-5).epsilon, target);
  }
  EXPECT_THROW(gan::dp_sgd_noise_for(1e-6, 1.0, 1000000, 1e-5), gan::Error);
  // The search reaches its top: a noise between 512 and 1000 is found, not refused.
  const double far = gan::dp_sgd_noise_for(1.0, 1.0, 20000, 1e-5);
  EXPECT_GT(far, 512.0);
  EXPECT_LE(far, 1000.0);
  gan::RdpAccountant none;
  none.step(0.5, 0.0, 0); // no steps without noise: nothing spent, not NaN
  none.step(0.01, 1.0, 10);
  EXPECT_TRUE(std::isfinite(none.spent(1e-5).epsilon));
}

} // namespace
