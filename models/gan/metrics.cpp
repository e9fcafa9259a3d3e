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

namespace {

namespace F = torch::nn::functional;

// The 5x5 binomial filter ([1 4 6 4 1] / 16, outer product) for each of c channels.
torch::Tensor binomial_filter(int64_t c, const torch::TensorOptions &options) {
  const torch::Tensor k = torch::tensor({1.0, 4.0, 6.0, 4.0, 1.0}, options) / 16.0;
  return torch::outer(k, k).expand({c, 1, 5, 5}).contiguous();
}

torch::Tensor mirrored(const torch::Tensor &x) {
  return F::pad(x, F::PadFuncOptions({2, 2, 2, 2}).mode(torch::kReflect));
}

torch::Tensor pyr_down(const torch::Tensor &x) {
  const int64_t c = x.size(1);
  return F::conv2d(mirrored(x), binomial_filter(c, x.options()),
                   F::Conv2dFuncOptions().stride(2).groups(c));
}

torch::Tensor pyr_up(const torch::Tensor &x) {
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  torch::Tensor spread = torch::zeros({n, c, h, 2, w, 2}, x.options());
  spread.select(5, 0).select(3, 0).copy_(x);
  return F::conv2d(mirrored(spread.view({n, c, 2 * h, 2 * w})),
                   binomial_filter(c, x.options()) * 4.0, F::Conv2dFuncOptions().groups(c));
}

} // namespace

std::vector<torch::Tensor> laplacian_pyramid(const torch::Tensor &images, int64_t levels) {
  TORCH_CHECK(images.dim() == 4 && levels >= 1, "laplacian_pyramid: [N, C, H, W] and levels >= 1");
  std::vector<torch::Tensor> pyramid{images.to(torch::kFloat32)};
  for (int64_t i = 1; i < levels; ++i) {
    TORCH_CHECK(pyramid.back().size(2) % 2 == 0 && pyramid.back().size(3) % 2 == 0 &&
                    pyramid.back().size(2) >= 6 && pyramid.back().size(3) >= 6,
                "laplacian_pyramid: too many levels for ", images.sizes());
    pyramid.push_back(pyr_down(pyramid.back()));
    pyramid[pyramid.size() - 2] = pyramid[pyramid.size() - 2] - pyr_up(pyramid.back());
  }
  return pyramid;
}

torch::Tensor swd_descriptors(const torch::Tensor &level, int64_t nhood, int64_t per_image,
                              at::Generator &rng) {
  const int64_t n = level.size(0), c = level.size(1), h = level.size(2), w = level.size(3);
  const int64_t r = nhood / 2, m = n * per_image;
  TORCH_CHECK(nhood % 2 == 1 && h >= nhood && w >= nhood, "swd_descriptors: bad neighbourhood");
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  const torch::Tensor y = torch::randint(r, h - r, {m, 1, 1, 1}, rng, i64);
  const torch::Tensor x = torch::randint(r, w - r, {m, 1, 1, 1}, rng, i64);
  const torch::Tensor image = torch::arange(m, i64).div(per_image, "floor").view({m, 1, 1, 1});
  const torch::Tensor chan = torch::arange(c, i64).view({1, c, 1, 1});
  const torch::Tensor off = torch::arange(-r, r + 1, i64);
  const torch::Tensor idx = ((image * c + chan) * h + y + off.view({1, 1, nhood, 1})) * w + x +
                            off.view({1, 1, 1, nhood});
  return level.contiguous().view({-1}).index_select(0, idx.view({-1})).view({m, -1});
}

torch::Tensor normalize_descriptors(const torch::Tensor &descriptors, int64_t channels) {
  torch::Tensor d = descriptors.view({descriptors.size(0), channels, -1});
  const std::vector<int64_t> dims{0, 2};
  d = d - d.mean(dims, /*keepdim=*/true);
  d = d / d.pow(2).mean(dims, /*keepdim=*/true).sqrt().clamp_min(1e-12);
  return d.view(descriptors.sizes());
}

double sliced_wasserstein(const torch::Tensor &a, const torch::Tensor &b, int64_t repeats,
                          int64_t directions, at::Generator &rng) {
  TORCH_CHECK(a.dim() == 2 && a.sizes() == b.sizes(), "sliced_wasserstein: sets of equal shape");
  double total = 0;
  for (int64_t i = 0; i < repeats; ++i) {
    torch::Tensor dirs = torch::randn({a.size(1), directions}, rng, a.options());
    dirs = dirs / dirs.norm(2, 0, /*keepdim=*/true);
    // Rows of [directions, M], sorted along the contiguous axis.
    const torch::Tensor pa = std::get<0>(dirs.t().matmul(a.t()).sort(1));
    const torch::Tensor pb = std::get<0>(dirs.t().matmul(b.t()).sort(1));
    total += (pa - pb).abs().to(torch::kFloat64).mean().item<double>();
  }
  return total / static_cast<double>(repeats);
}

namespace {

// The Hann window of side s and |FFT|^2 / (window energy) of each mean-removed, windowed image of
// a chunk [n, s, s]: float64 [n, s, s].
torch::Tensor windowed_power(const torch::Tensor &chunk, const torch::Tensor &window) {
  torch::Tensor x = chunk.to(torch::kFloat64);
  x = (x - x.mean(std::vector<int64_t>{1, 2}, /*keepdim=*/true)) * window;
  return torch::fft::fft2(x).abs().pow(2) / window.pow(2).sum();
}

torch::Tensor hann_2d(int64_t s) {
  const torch::Tensor hann =
      torch::hann_window(s, /*periodic=*/false, torch::TensorOptions().dtype(torch::kFloat64));
  return torch::outer(hann, hann);
}

// Mean of power [n, s, s] over the frequencies whose radius rounds to r = 1 .. s/2: [n, s/2].
torch::Tensor radial_mean(const torch::Tensor &power) {
  const int64_t s = power.size(1);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  // Signed integer frequencies 0, 1, .., s/2 - 1, -s/2, .., -1 along each axis.
  const torch::Tensor k = (torch::arange(s, f64) + s / 2).remainder(s) - s / 2;
  const torch::Tensor radius =
      (k.view({s, 1}).pow(2) + k.view({1, s}).pow(2)).sqrt().round().to(torch::kInt64).view({-1});
  const torch::Tensor onehot =
      torch::one_hot(radius, s).to(torch::kFloat64).slice(1, 1, s / 2 + 1); // [s*s, s/2]
  return power.reshape({power.size(0), -1}).matmul(onehot) / onehot.sum(0);
}

void check_square(const torch::Tensor &gray, const char *who) {
  TORCH_CHECK(gray.dim() == 3 && gray.size(1) == gray.size(2) && gray.size(1) % 2 == 0, who,
              ": square images [N, H, H], H even");
}

} // namespace

torch::Tensor radial_power_spectrum(const torch::Tensor &gray) {
  check_square(gray, "radial_power_spectrum");
  const int64_t s = gray.size(1);
  const torch::Tensor window = hann_2d(s);
  torch::Tensor power = torch::zeros({1, s, s}, torch::TensorOptions().dtype(torch::kFloat64));
  for (int64_t first = 0; first < gray.size(0); first += 64)
    power += windowed_power(gray.slice(0, first, first + 64), window).sum(0, /*keepdim=*/true);
  power /= static_cast<double>(gray.size(0));
  return radial_mean(power)[0].clamp_min(1e-30).log10();
}

torch::Tensor radial_power_spectra(const torch::Tensor &gray) {
  check_square(gray, "radial_power_spectra");
  const torch::Tensor window = hann_2d(gray.size(1));
  std::vector<torch::Tensor> parts;
  for (int64_t first = 0; first < gray.size(0); first += 256)
    parts.push_back(
        radial_mean(windowed_power(gray.slice(0, first, first + 256), window)).clamp_min(1e-30));
  return torch::cat(parts).log10();
}

double spectrum_distance(const torch::Tensor &a, const torch::Tensor &b) {
  TORCH_CHECK(a.sizes() == b.sizes(), "spectrum_distance: spectra of equal length");
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().mean().item<double>();
}

} // namespace gan
