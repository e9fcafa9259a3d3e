// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The statistics behind `gst-gan eval`, on feature tensors [N, D] (float32 or float64).

#include <torch/torch.h>

#include <algorithm>
#include <utility>
#include <vector>

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

// ---- Multi-scale sliced Wasserstein distance (Karras et al. 2018, ProGAN's SWD) ----

// The Laplacian pyramid of images [N, C, H, W] (float): `levels` tensors, finest first, each
// the detail a level adds (G_k - up(G_k+1)) and the last the low-pass G_last. Down and up are
// OpenCV's pyrDown/pyrUp as ProGAN uses them: 5x5 binomial filter, mirrored edges, stride 2.
std::vector<torch::Tensor> laplacian_pyramid(const torch::Tensor &images, int64_t levels);

// `per_image` nhood x nhood neighbourhoods at uniform random positions (none crossing the
// border) of every image of one pyramid level [N, C, H, W], flattened to rows
// [N * per_image, C * nhood * nhood]. Positions are a pure function of `rng`.
torch::Tensor swd_descriptors(const torch::Tensor &level, int64_t nhood, int64_t per_image,
                              at::Generator &rng);
// Descriptors of one set normalised per channel by the set's own mean and standard deviation,
// as ProGAN does (a flat set stays 0).
torch::Tensor normalize_descriptors(const torch::Tensor &descriptors, int64_t channels);

// Sliced Wasserstein distance between two descriptor sets of equal size: the mean, over
// `repeats` x `directions` random unit directions (from `rng`), of the mean absolute difference
// of the sorted projections.
double sliced_wasserstein(const torch::Tensor &a, const torch::Tensor &b, int64_t repeats,
                          int64_t directions, at::Generator &rng);

// ---- Radially averaged power spectra ----

// log10 of the mean power of grayscale images [N, H, W] (H == W, even), at radial frequency
// r = 1 .. H/2 cycles per image: each image minus its mean, times a 2-D Hann window, |FFT|^2
// divided by the window's energy, averaged over the frequencies that round to r and over the
// images. Returns float64 [H/2].
torch::Tensor radial_power_spectrum(const torch::Tensor &gray);
// The same per image, not averaged over them: float64 [N, H/2] (the spectral baseline's
// features).
torch::Tensor radial_power_spectra(const torch::Tensor &gray);

// Mean absolute difference of two log10 spectra (decades).
double spectrum_distance(const torch::Tensor &a, const torch::Tensor &b);

} // namespace gan
