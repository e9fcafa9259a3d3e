// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/metrics.h"

#include <algorithm>
#include <vector>

namespace gan {

namespace {

torch::Tensor symmetric_sqrt(const torch::Tensor &s) {
  const auto [values, vectors] = torch::linalg_eigh(s);
  return vectors.matmul(torch::diag(values.clamp_min(0).sqrt())).matmul(vectors.t());
}

} // namespace

double frechet_distance(const torch::Tensor &a_in, const torch::Tensor &b_in) {
  const torch::Tensor a = a_in.to(torch::kFloat64), b = b_in.to(torch::kFloat64);
  const torch::Tensor mu_a = a.mean(0), mu_b = b.mean(0);
  const torch::Tensor s_a = torch::cov(a.t()), s_b = torch::cov(b.t());
  const torch::Tensor root_a = symmetric_sqrt(s_a);
  // Tr((S_a S_b)^(1/2)) = Tr((S_a^(1/2) S_b S_a^(1/2))^(1/2)), a symmetric PSD matrix.
  const torch::Tensor middle = root_a.matmul(s_b).matmul(root_a);
  const double cross =
      torch::linalg_eigvalsh(0.5 * (middle + middle.t())).clamp_min(0).sqrt().sum().item<double>();
  return (mu_a - mu_b).pow(2).sum().item<double>() + s_a.trace().item<double>() +
         s_b.trace().item<double>() - 2 * cross;
}

torch::Tensor nearest_distances(const torch::Tensor &q_in, const torch::Tensor &r_in) {
  const torch::Tensor q = q_in.to(torch::kFloat32), r = r_in.to(torch::kFloat32);
  const torch::Tensor r_norm = r.pow(2).sum(1);
  torch::Tensor out = torch::empty({q.size(0)});
  for_chunks(q.size(0), [&](int64_t first, int64_t last) {
    const torch::Tensor c = q.slice(0, first, last);
    const torch::Tensor d2 = c.pow(2).sum(1, true) + r_norm.unsqueeze(0) - 2 * c.matmul(r.t());
    out.slice(0, first, last).copy_(std::get<0>(d2.min(1)).clamp_min(0).sqrt());
  });
  return out;
}

namespace {

// k-NN radius of every member of a set within the set (the member itself excluded).
torch::Tensor knn_radii(const torch::Tensor &set, int64_t k) {
  torch::Tensor radii = torch::empty({set.size(0)});
  for_chunks(set.size(0), [&](int64_t first, int64_t last) {
    const torch::Tensor d = torch::cdist(set.slice(0, first, last), set);
    radii.slice(0, first, last).copy_(std::get<0>(d.kthvalue(k + 1, 1)));
  });
  return radii;
}

// Fraction of `queries` inside the manifold of `set` (within some member's radius).
double coverage(const torch::Tensor &queries, const torch::Tensor &set,
                const torch::Tensor &radii) {
  int64_t inside = 0;
  for_chunks(queries.size(0), [&](int64_t first, int64_t last) {
    const torch::Tensor d = torch::cdist(queries.slice(0, first, last), set);
    inside += d.le(radii.unsqueeze(0)).any(1).sum().item<int64_t>();
  });
  return static_cast<double>(inside) / static_cast<double>(queries.size(0));
}

} // namespace

std::pair<double, double> precision_recall(const torch::Tensor &real_in,
                                           const torch::Tensor &fake_in, int64_t k) {
  const torch::Tensor real = real_in.to(torch::kFloat32), fake = fake_in.to(torch::kFloat32);
  const double precision = coverage(fake, real, knn_radii(real, k));
  const double recall = coverage(real, fake, knn_radii(fake, k));
  return {precision, recall};
}

BinaryScores binary_scores(const torch::Tensor &real_in, const torch::Tensor &fake_in,
                           double threshold) {
  const torch::Tensor real = real_in.to(torch::kFloat64).flatten();
  const torch::Tensor fake = fake_in.to(torch::kFloat64).flatten();
  const int64_t nr = real.size(0), nf = fake.size(0);
  BinaryScores s;
  // AUC: probability that a fake outscores a real, by ranks (average ranks for ties).
  const torch::Tensor all = torch::cat({real, fake});
  const torch::Tensor order = all.argsort();
  const torch::Tensor sorted = all.index_select(0, order);
  std::vector<double> ranks(static_cast<size_t>(nr + nf));
  const auto sv = sorted.accessor<double, 1>();
  const auto ov = order.accessor<int64_t, 1>();
  for (int64_t i = 0; i < nr + nf;) {
    int64_t j = i;
    while (j + 1 < nr + nf && sv[j + 1] == sv[i])
      ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (int64_t t = i; t <= j; ++t)
      ranks[static_cast<size_t>(ov[t])] = rank;
    i = j + 1;
  }
  double fake_rank_sum = 0;
  for (int64_t i = nr; i < nr + nf; ++i)
    fake_rank_sum += ranks[static_cast<size_t>(i)];
  s.auc = (fake_rank_sum - 0.5 * static_cast<double>(nf) * static_cast<double>(nf + 1)) /
          (static_cast<double>(nf) * static_cast<double>(nr));
  // AP: mean precision at each fake, scanning scores from the highest down.
  double hits = 0, ap = 0;
  for (int64_t i = nr + nf - 1, seen = 1; i >= 0; --i, ++seen)
    if (ov[i] >= nr) {
      hits += 1;
      ap += hits / static_cast<double>(seen);
    }
  s.ap = ap / static_cast<double>(nf);
  s.accuracy = (real.le(0).sum().item<double>() + fake.gt(0).sum().item<double>()) /
               static_cast<double>(nr + nf);
  s.tpr_at_threshold = fake.gt(threshold).to(torch::kFloat64).mean().item<double>();
  s.fpr_at_threshold = real.gt(threshold).to(torch::kFloat64).mean().item<double>();
  return s;
}

double quantile_of(const torch::Tensor &v, double q) {
  return torch::quantile(v.to(torch::kFloat64).flatten(), q).item<double>();
}

} // namespace gan
