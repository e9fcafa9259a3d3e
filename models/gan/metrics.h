// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The statistics behind `gst-gan eval`, on feature tensors [N, D] (float32 or float64).

#include <torch/torch.h>

#include <algorithm>
#include <utility>

namespace gan {

// Rows 0..n-1 in chunks [first, last) of at most kMetricChunk, so no [N, M] distance matrix
// is ever whole.
constexpr int64_t kMetricChunk = 500;
template <typename Fn> void for_chunks(int64_t n, Fn fn) {
  for (int64_t first = 0; first < n; first += kMetricChunk)
    fn(first, std::min(n, first + kMetricChunk));
}

// The q-quantile (0..1) of a 1-D tensor.
double quantile_of(const torch::Tensor &v, double q);

// Fréchet distance between Gaussians fitted to two feature sets (the FID formula):
// |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)), in float64.
double frechet_distance(const torch::Tensor &a, const torch::Tensor &b);

// Improved precision and recall (Kynkäänniemi et al. 2019): a sample is inside a set's
// manifold when it lies within the k-NN radius of some member. Returns {precision, recall}.
std::pair<double, double> precision_recall(const torch::Tensor &real, const torch::Tensor &fake,
                                           int64_t k = 3);

// Euclidean distance from each query row to its nearest reference row.
torch::Tensor nearest_distances(const torch::Tensor &queries, const torch::Tensor &refs);

struct BinaryScores {
  double auc = 0;              // area under the ROC curve (ties count half)
  double ap = 0;               // average precision, fakes positive
  double accuracy = 0;         // at logit 0
  double tpr_at_threshold = 0; // fakes above the threshold
  double fpr_at_threshold = 0; // reals above the threshold
};

// Scores are fake logits: higher means more likely fake.
BinaryScores binary_scores(const torch::Tensor &real_scores, const torch::Tensor &fake_scores,
                           double threshold);

} // namespace gan
