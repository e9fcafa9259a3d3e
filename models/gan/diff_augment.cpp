// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/diff_augment.h"

#include "gan/error.h"

#include <sstream>

namespace gan {

DiffAugment DiffAugment::parse(const std::string &policies) {
  DiffAugment a;
  if (policies.empty() || policies == "none")
    return a;
  std::istringstream in(policies);
  for (std::string p; std::getline(in, p, ',');) {
    if (p == "color")
      a.color = true;
    else if (p == "translation")
      a.translation = true;
    else if (p == "cutout")
      a.cutout = true;
    else
      throw Error(ErrorCode::InvalidArgument,
                  "unknown augmentation '" + p + "' (known: color, translation, cutout)");
  }
  return a;
}

std::string DiffAugment::str() const {
  std::string s;
  for (auto [on, name] : {std::pair{color, "color"}, std::pair{translation, "translation"},
                          std::pair{cutout, "cutout"}})
    if (on)
      s += (s.empty() ? "" : ",") + std::string(name);
  return s.empty() ? "none" : s;
}

namespace {

// Uniform [0, 1) draws for the whole batch, shape [total, rest...], sliced to this share.
torch::Tensor draw(at::Generator &rng, int64_t total, int64_t first, int64_t n) {
  return torch::rand({total}, rng).slice(0, first, first + n).view({n, 1, 1, 1});
}

// Integer draws in [lo, hi] (hi inclusive), one per image, sliced to this share.
torch::Tensor draw_int(at::Generator &rng, int64_t lo, int64_t hi, int64_t total, int64_t first,
                       int64_t n) {
  return torch::randint(lo, hi + 1, {total}, rng, torch::kInt64).slice(0, first, first + n);
}

torch::Tensor color(const torch::Tensor &x, at::Generator &rng, int64_t first, int64_t total) {
  const int64_t n = x.size(0);
  torch::Tensor y = x + (draw(rng, total, first, n) - 0.5);
  const torch::Tensor gray = y.mean(1, true);
  y = (y - gray) * (draw(rng, total, first, n) * 2) + gray;
  const torch::Tensor mean = y.mean({1, 2, 3}, true);
  return (y - mean) * (draw(rng, total, first, n) + 0.5) + mean;
}

// Each image shifted by (dy, dx), zeros where nothing was: a gather from the zero-padded image.
torch::Tensor translation(const torch::Tensor &x, at::Generator &rng, int64_t first,
                          int64_t total) {
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  const int64_t sy = (h + 4) / 8, sx = (w + 4) / 8; // round(side / 8)
  const torch::Tensor dy = draw_int(rng, -sy, sy, total, first, n);
  const torch::Tensor dx = draw_int(rng, -sx, sx, total, first, n);
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  const torch::Tensor rows =
      (torch::arange(h, i64).view({1, h, 1}) + dy.view({n, 1, 1}) + 1).clamp(0, h + 1);
  const torch::Tensor cols =
      (torch::arange(w, i64).view({1, 1, w}) + dx.view({n, 1, 1}) + 1).clamp(0, w + 1);
  const torch::Tensor batch = torch::arange(n, i64).view({n, 1, 1});
  const torch::Tensor padded =
      torch::constant_pad_nd(x, {1, 1, 1, 1}, 0).permute({0, 2, 3, 1}); // [N, H+2, W+2, C]
  return padded.index({batch, rows, cols}).permute({0, 3, 1, 2});
}

// A square of half each side zeroed, its centre anywhere in the image.
torch::Tensor cutout(const torch::Tensor &x, at::Generator &rng, int64_t first, int64_t total) {
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  const int64_t ch = (h + 1) / 2, cw = (w + 1) / 2;
  const torch::Tensor cy = draw_int(rng, 0, h + (1 - ch % 2) - 1, total, first, n);
  const torch::Tensor cx = draw_int(rng, 0, w + (1 - cw % 2) - 1, total, first, n);
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  const torch::Tensor rows = torch::arange(h, i64).view({1, h, 1}) - cy.view({n, 1, 1});
  const torch::Tensor cols = torch::arange(w, i64).view({1, 1, w}) - cx.view({n, 1, 1});
  const torch::Tensor inside = (rows >= -ch / 2) & (rows < ch - ch / 2) & (cols >= -cw / 2) &
                               (cols < cw - cw / 2); // [N, H, W]
  return x * inside.logical_not().to(x.scalar_type()).unsqueeze(1);
}

} // namespace

torch::Tensor diff_augment(const DiffAugment &policy, const torch::Tensor &x, at::Generator &rng,
                           int64_t first, int64_t total) {
  if (x.dim() != 4 || first < 0 || first + x.size(0) > total)
    throw Error(ErrorCode::InvalidArgument, "diff_augment: needs [N, C, H, W] inside the batch");
  torch::Tensor y = x;
  if (policy.color)
    y = color(y, rng, first, total);
  if (policy.translation)
    y = translation(y, rng, first, total);
  if (policy.cutout)
    y = cutout(y, rng, first, total);
  return y;
}

} // namespace gan
