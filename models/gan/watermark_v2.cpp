// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/watermark_v2.h"

#include "gan/hash.h"
#include "gan/pixels.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace gan::watermark_v2 {

namespace {

constexpr int kCellCount = kCells * kCells;
constexpr int kWhiten = 5; // the whitening's box, in reading samples
// The weakest mark the embedder settles for, as a fraction of its strength, on pictures whose
// full-strength mark would exceed the visibility budget.
constexpr double kSmallestMargin = 0.5;

// Where each cell centre of one axis falls on the reading grid under a placement: samples i0
// and i0 + 1, weight f on the second; invalid when the centre lies outside the received frame.
struct Axis {
  std::array<int, kCells> i0{};
  std::array<float, kCells> f{};
  std::array<bool, kCells> valid{};
  Axis(double scale, double offset) {
    for (int i = 0; i < kCells; ++i) {
      const double u = (i + 0.5) / kCells;
      const double r = (u - offset) / scale * kSide - 0.5;
      valid[i] = r >= -0.5 && r <= kSide - 0.5;
      const double c = std::clamp(r, 0.0, kSide - 1.0);
      i0[i] = std::min(static_cast<int>(c), kSide - 2);
      f[i] = static_cast<float>(c - i0[i]);
    }
  }
  float sample(const float *row, int i) const {
    return row[i0[i]] + f[i] * (row[i0[i] + 1] - row[i0[i]]);
  }
};

struct Sums {
  std::array<double, kGroups> dot{}, energy{};
  std::array<int, kGroups> count{};
};

Sums sums_at(const std::vector<float> &w, const Layout &layout, const Placement &p) {
  const Axis ay(p.scale_y, p.offset_y), ax(p.scale_x, p.offset_x);
  // The cell rows interpolated at the placement, then each group's cells read in turn (its
  // sums stay in registers).
  thread_local std::vector<float> rows(static_cast<size_t>(kCells * kSide));
  for (int i = 0; i < kCells; ++i) {
    if (!ay.valid[i])
      continue;
    const float *a = w.data() + ay.i0[i] * kSide, *b = a + kSide;
    const float f = ay.f[i];
    float *out = rows.data() + i * kSide;
    for (int x = 0; x < kSide; ++x)
      out[x] = a[x] + f * (b[x] - a[x]);
  }
  Sums s;
  for (int g = 0; g < kGroups; ++g) {
    float dot = 0, energy = 0;
    int count = 0;
    for (int c = layout.group_start[static_cast<size_t>(g)];
         c < layout.group_start[static_cast<size_t>(g) + 1]; ++c) {
      const int cell = layout.by_group[static_cast<size_t>(c)];
      const int i = cell / kCells, j = cell % kCells;
      if (!ay.valid[i] || !ax.valid[j])
        continue;
      const float v = ax.sample(rows.data() + i * kSide, j);
      dot += layout.chip[static_cast<size_t>(cell)] * v;
      energy += v * v;
      ++count;
    }
    s.dot[static_cast<size_t>(g)] = dot;
    s.energy[static_cast<size_t>(g)] = energy;
    s.count[static_cast<size_t>(g)] = count;
  }
  return s;
}

// The sum over every group of its squared normalised correlation at a placement.
double group_energy(const std::vector<float> &w, const Layout &layout, const Placement &p) {
  const Sums s = sums_at(w, layout, p);
  double e = 0;
  for (int g = 0; g < kGroups; ++g)
    if (s.energy[static_cast<size_t>(g)] > 0)
      e += s.dot[static_cast<size_t>(g)] * s.dot[static_cast<size_t>(g)] /
           s.energy[static_cast<size_t>(g)];
  return e;
}

// Per axis, the placements the search tries: kept fractions 1, 1 - 1/kCells, ... down to
// 1 - kLargestCrop, each at offsets 0, 1/(2 kCells), ... up to the cut. A quarter cell is the
// largest misplacement left at any cell (half a step of offset; half a step of scale is 1/(2
// kCells), which the best offset spreads as at most a quarter cell at either edge).
struct AxisPlacement {
  double scale, offset;
};
std::vector<AxisPlacement> axis_grid() {
  std::vector<AxisPlacement> out;
  for (int k = 0; k <= static_cast<int>(kLargestCrop * kCells + 1e-9); ++k) {
    const double scale = 1.0 - static_cast<double>(k) / kCells;
    for (int m = 0; m <= 2 * k; ++m)
      out.push_back({scale, m / (2.0 * kCells)});
  }
  return out;
}

} // namespace

const Layout &layout_for(const std::string &key) {
  struct Cached {
    std::string key;
    Layout layout;
    bool made = false;
  };
  thread_local std::array<Cached, 2> cache; // two keys: a reader and a writer in one thread
  thread_local size_t next = 0;
  for (const Cached &c : cache)
    if (c.made && c.key == key)
      return c.layout;
  Cached &c = cache[next];
  next = (next + 1) % cache.size();
  c.key = key;
  c.made = true;
  SplitMix64Stream stream{fnv1a64(key, fnv1a64("gst-gan watermark v2 layout"))};
  std::array<uint16_t, kCellCount> order;
  std::iota(order.begin(), order.end(), 0);
  for (size_t i = order.size(); i > 1; --i) // Fisher-Yates: every group spread over the frame
    std::swap(order[i - 1], order[stream.below(i)]);
  // The first quarter of the shuffled cells synchronise; the rest take the coded bits in turn.
  for (size_t t = 0; t < order.size(); ++t) {
    const bool sync = t < static_cast<size_t>(kSyncCells);
    c.layout.group[order[t]] =
        static_cast<uint8_t>(sync ? kSyncGroup : (t - kSyncCells) % (kGroups - 1));
    c.layout.chip[order[t]] = (stream.next() >> 63) ? 1 : -1;
  }
  c.layout.sync_cells.clear();
  for (int cell = 0; cell < kCellCount; ++cell)
    if (c.layout.group[cell] == kSyncGroup)
      c.layout.sync_cells.push_back(static_cast<uint16_t>(cell));
  c.layout.group_start.fill(0);
  for (int cell = 0; cell < kCellCount; ++cell)
    ++c.layout.group_start[c.layout.group[cell] + 1u];
  for (int g = 0; g < kGroups; ++g)
    c.layout.group_start[g + 1u] += c.layout.group_start[static_cast<size_t>(g)];
  std::array<int, kGroups> filled{};
  for (int cell = 0; cell < kCellCount; ++cell) {
    const int g = c.layout.group[cell];
    c.layout.by_group[static_cast<size_t>(c.layout.group_start[static_cast<size_t>(g)] +
                                          filled[static_cast<size_t>(g)]++)] =
        static_cast<uint16_t>(cell);
  }
  return c.layout;
}

void read_canonical(const FrameView &f, std::vector<float> &out) {
  // Area averaging: source pixel x covers [x, x + 1), bin k covers [k W / kSide, (k + 1) W /
  // kSide); frames are at least kSide wide and high, so a pixel overlaps at most two bins: its
  // first share goes to `bin`, the rest to bin + 1. Rows are summed first (each source row
  // into the one or two accumulators of its row bins: whole rows, vectorised), then each
  // accumulated row is binned across once.
  struct Bins {
    std::vector<int> bin;
    std::vector<float> first;
    explicit Bins(int64_t n) : bin(static_cast<size_t>(n)), first(static_cast<size_t>(n)) {
      const double s = static_cast<double>(kSide) / static_cast<double>(n);
      for (int64_t x = 0; x < n; ++x) {
        const double a = x * s, b = (x + 1) * s;
        const int k = std::min(static_cast<int>(a), kSide - 1);
        bin[static_cast<size_t>(x)] = k;
        first[static_cast<size_t>(x)] =
            b <= k + 1 || k == kSide - 1 ? 1.0f : static_cast<float>((k + 1 - a) / s);
      }
    }
  };
  thread_local int64_t bins_w = 0, bins_h = 0;
  thread_local Bins bx(1), by(1);
  if (bins_w != f.width)
    bx = Bins(f.width), bins_w = f.width;
  if (bins_h != f.height)
    by = Bins(f.height), bins_h = f.height;
  const size_t w = static_cast<size_t>(f.width);
  thread_local std::vector<float> luma, rows, sum, across_mean;
  luma.resize(w);
  rows.assign(2 * w, 0.0f); // the accumulators of row bins k and k + 1
  sum.assign(static_cast<size_t>(kSide * kSide), 0.0f);
  const int *const bin = bx.bin.data();
  const float *const first = bx.first.data();
  auto bin_across = [&](const float *acc, int k) {
    float *o = sum.data() + k * kSide;
    // A run of pixels of one bin sums in a register (in the same order as through memory);
    // a pixel that straddles into the next bin ends its run.
    for (size_t x = 0; x < w;) {
      const int c = bin[x];
      float total = o[c];
      for (; x < w && bin[x] == c; ++x) {
        const float share = first[x], v = acc[x];
        total += share * v;
        if (share < 1.0f)
          o[c + 1] += (1.0f - share) * v;
      }
      o[c] = total;
    }
  };
  int current = by.bin[0];
  float *acc = rows.data(), *next = rows.data() + w;
  for (int64_t y = 0; y < f.height; ++y) {
    const int k = by.bin[static_cast<size_t>(y)];
    if (k != current) { // row bin `current` is complete
      bin_across(acc, current);
      std::swap(acc, next);
      std::fill(next, next + w, 0.0f);
      current = k;
    }
    luma_row(f, y, f.width, luma.data());
    const float share = by.first[static_cast<size_t>(y)], rest = 1.0f - share;
    const float *l = luma.data();
    for (size_t x = 0; x < w; ++x)
      acc[x] += share * l[x];
    if (share < 1.0f)
      for (size_t x = 0; x < w; ++x)
        next[x] += rest * l[x];
  }
  bin_across(acc, current);
  const float norm = static_cast<float>(kSide * kSide) / static_cast<float>(f.width * f.height);
  for (float &v : sum)
    v *= norm;
  // Whitening: each sample minus the mean of its kWhiten x kWhiten neighbourhood (edges
  // replicated), a separable box.
  constexpr int r = kWhiten / 2;
  across_mean.resize(sum.size());
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      float s = 0;
      for (int d = -r; d <= r; ++d)
        s += sum[static_cast<size_t>(y * kSide + std::clamp(x + d, 0, kSide - 1))];
      across_mean[static_cast<size_t>(y * kSide + x)] = s;
    }
  out.resize(sum.size());
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      float s = 0;
      for (int d = -r; d <= r; ++d)
        s += across_mean[static_cast<size_t>(std::clamp(y + d, 0, kSide - 1) * kSide + x)];
      out[static_cast<size_t>(y * kSide + x)] =
          sum[static_cast<size_t>(y * kSide + x)] - s / (kWhiten * kWhiten);
    }
}

Decoded decode_at(const std::vector<float> &canonical, const Layout &layout, const Placement &p) {
  const Sums s = sums_at(canonical, layout, p);
  Decoded d;
  d.where = p;
  for (int g = 0; g < kGroups; ++g)
    d.correlation[static_cast<size_t>(g)] =
        s.energy[static_cast<size_t>(g)] > 0
            ? s.dot[static_cast<size_t>(g)] / std::sqrt(s.energy[static_cast<size_t>(g)])
            : 0.0;
  return d;
}

Placement search(const std::vector<float> &w, const Layout &layout) {
  static const std::vector<AxisPlacement> grid = axis_grid();
  // The x placements, and per cell column the span of reading samples any of them touches.
  static const std::vector<Axis> x_axes = [] {
    std::vector<Axis> out;
    for (const AxisPlacement &g : grid)
      out.emplace_back(g.scale, g.offset);
    return out;
  }();
  static const std::array<int, kCells> span_first = [] {
    std::array<int, kCells> first;
    first.fill(kSide);
    for (const Axis &ax : x_axes)
      for (int j = 0; j < kCells; ++j)
        first[static_cast<size_t>(j)] = std::min(first[static_cast<size_t>(j)], ax.i0[j]);
    return first;
  }();
  constexpr int kSpan = 24; // samples per column span (checked below)
  for (const Axis &ax : x_axes)
    for (int j = 0; j < kCells; ++j)
      if (ax.i0[j] + 1 - span_first[static_cast<size_t>(j)] >= kSpan)
        throw std::logic_error("watermark v2: search span too small");
  // The synchronisation cells by column.
  // (Scratch kept per thread: the search allocates nothing once it has run.)
  thread_local std::array<std::vector<std::pair<int, float>>, kCells> column;
  for (auto &c : column)
    c.clear();
  for (uint16_t cell : layout.sync_cells)
    column[cell % kCells].push_back({cell / kCells, static_cast<float>(layout.chip[cell])});
  // Per y placement, per column and span sample k, the sums over the column's valid sync
  // cells of chip * r(k), r(k)^2 and r(k) r(k + 1), r being the cell's row interpolated at the
  // placement: then each x placement reads a cell column's dot and energy from two samples
  // (bilinear: v = (1 - f) r(k) + f r(k + 1)) instead of visiting its cells.
  thread_local std::vector<float> dot_sum(kCells * kSpan), square_sum(kCells * kSpan),
      cross_sum(kCells * kSpan);
  // The five best placements by the synchronisation correlation.
  struct Candidate {
    double z = -1e300;
    Placement at;
  };
  std::array<Candidate, 5> top;
  for (const AxisPlacement &gy : grid) {
    const Axis ay(gy.scale, gy.offset);
    for (int j = 0; j < kCells; ++j) {
      float *d = dot_sum.data() + j * kSpan, *q = square_sum.data() + j * kSpan,
            *x = cross_sum.data() + j * kSpan;
      std::fill_n(d, kSpan, 0.0f);
      std::fill_n(q, kSpan, 0.0f);
      std::fill_n(x, kSpan, 0.0f);
      const int k0 = span_first[static_cast<size_t>(j)];
      const int n = std::min(kSpan, kSide - 1 - k0);
      for (const auto &[i, chip] : column[static_cast<size_t>(j)]) {
        if (!ay.valid[i])
          continue;
        const float *a = w.data() + ay.i0[i] * kSide + k0, *b = a + kSide;
        const float f = ay.f[i];
        float r[kSpan + 1];
        for (int k = 0; k <= n; ++k)
          r[k] = a[k] + f * (b[k] - a[k]);
        for (int k = 0; k < n; ++k) {
          d[k] += chip * r[k];
          q[k] += r[k] * r[k];
          x[k] += r[k] * r[k + 1];
        }
      }
    }
    for (size_t gx = 0; gx < grid.size(); ++gx) {
      const Axis &ax = x_axes[gx];
      float dot = 0, energy = 0;
      for (int j = 0; j < kCells; ++j) {
        if (!ax.valid[j])
          continue;
        const int k = j * kSpan + ax.i0[j] - span_first[static_cast<size_t>(j)];
        const float f = ax.f[j], g = 1.0f - f;
        dot += g * dot_sum[k] + f * dot_sum[k + 1];
        energy += g * g * square_sum[k] + 2 * f * g * cross_sum[k] + f * f * square_sum[k + 1];
      }
      const double z = energy > 0 ? dot / std::sqrt(static_cast<double>(energy)) : 0.0;
      if (z > top.back().z) {
        top.back() = {z, {grid[gx].scale, grid[gx].offset, gy.scale, gy.offset}};
        std::sort(top.begin(), top.end(),
                  [](const Candidate &a, const Candidate &b) { return a.z > b.z; });
      }
    }
  }
  // Refinement by the energy of every group (the synchronisation's and the coded bits', whose
  // signs it ignores: see the header), 4x the cells of the synchronisation alone: coordinate
  // steps in each axis's scale and centre (scale moves about the centre, so the two are
  // nearly independent), over the 8 neighbours of each axis (scale and centre errors trade
  // off along diagonals, which single-coordinate steps would not climb). The three of the
  // five whose energy is largest take steps of half a cell; the best of them then a quarter
  // and an eighth.
  auto refine = [&w, &layout](Placement &at, double &e, double step) {
    double cx = at.offset_x + at.scale_x / 2, cy = at.offset_y + at.scale_y / 2;
    double sx = at.scale_x, sy = at.scale_y;
    auto placement = [&] { return Placement{sx, cx - sx / 2, sy, cy - sy / 2}; };
    for (bool moved = true; moved;) {
      moved = false;
      for (int axis = 0; axis < 2; ++axis) {
        double &sc = axis ? sy : sx, &ce = axis ? cy : cx;
        for (int ds = -1; ds <= 1; ++ds)
          for (int dc = -1; dc <= 1; ++dc) {
            if (!ds && !dc)
              continue;
            const double s0 = sc, c0 = ce;
            sc += ds * step, ce += dc * step;
            const bool inside = sc <= 1.0 + step && sc >= 1.0 - kLargestCrop - step;
            const double t = inside ? group_energy(w, layout, placement()) : -1;
            if (t > e) {
              e = t;
              moved = true;
            } else {
              sc = s0, ce = c0;
            }
          }
      }
    }
    at = placement();
  };
  std::array<double, 5> start{};
  for (size_t c = 0; c < top.size(); ++c)
    start[c] = top[c].z <= -1e299 ? -1 : group_energy(w, layout, top[c].at);
  std::array<size_t, 5> order = {0, 1, 2, 3, 4};
  std::sort(order.begin(), order.end(),
            [&start](size_t a, size_t b) { return start[a] > start[b]; });
  Placement best_at;
  double best = -1;
  for (size_t rank = 0; rank < 3; ++rank) {
    if (start[order[rank]] < 0)
      continue;
    Placement at = top[order[rank]].at;
    double e = start[order[rank]];
    refine(at, e, 0.5 / kCells);
    if (e > best) {
      best = e;
      best_at = at;
    }
  }
  refine(best_at, best, 0.25 / kCells);
  refine(best_at, best, 0.125 / kCells);
  return best_at;
}

double Embedder::gain_for(int64_t width, int64_t height) {
  if (width == gain_width_ && height == gain_height_)
    return gain_;
  // A flat grey frame of this size, every cell at +-8 levels by a fixed pattern: what one
  // level of amplitude reads as at its own cell's centre.
  std::vector<uint8_t> plane(static_cast<size_t>(width * height), 128);
  FrameView v;
  v.format = PixelFormat::Gray8;
  v.width = width;
  v.height = height;
  v.planes[0] = plane.data();
  v.strides[0] = width;
  constexpr float kLevels = 8;
  std::vector<float> amplitude(kCellCount);
  SplitMix64Stream stream{1};
  for (float &a : amplitude)
    a = (stream.next() >> 63) ? kLevels : -kLevels;
  add_pattern(v, amplitude);
  std::vector<float> w;
  read_canonical(v, w);
  const Axis ax(1, 0), ay(1, 0);
  double sum = 0;
  for (int i = 0; i < kCells; ++i) {
    const float *a = w.data() + ay.i0[i] * kSide, *b = a + kSide;
    for (int j = 0; j < kCells; ++j) {
      const float top = ax.sample(a, j), bottom = ax.sample(b, j);
      sum += amplitude[static_cast<size_t>(i * kCells + j)] * (top + ay.f[i] * (bottom - top));
    }
  }
  gain_ = std::max(0.05, sum / (kLevels * kLevels * kCellCount));
  gain_width_ = width;
  gain_height_ = height;
  return gain_;
}

namespace {

// The pattern's hot loops, each compiled for AVX2 too (the loader picks what the CPU has).

// A row's steps from the pattern across it (cell values `across`, bilinear between the cell
// centres), rounded to whole levels (floor(d + 1/2); moves are far below 256).
__attribute__((target_clones("avx2", "default"))) void
row_steps(const float *__restrict across, const int *__restrict col,
          const float *__restrict col_frac, int16_t *__restrict steps, int64_t n) {
  for (int64_t x = 0; x < n; ++x) {
    const int j = col[x];
    const float d = across[j] + col_frac[x] * (across[j + 1] - across[j]);
    steps[x] = static_cast<int16_t>(static_cast<int>(d + 256.5f) - 256);
  }
}

// steps[x] added to the three bytes of pixel x, clamped; returns the bytes clipped.
__attribute__((target_clones("avx2", "default"))) int64_t
add_steps_rgb(uint8_t *__restrict row, const int16_t *__restrict steps, int64_t n) {
  int64_t clipped = 0;
  for (int64_t x = 0; x < n; ++x) {
    const int s = steps[x];
    for (int c = 0; c < 3; ++c) {
      const int v = row[3 * x + c] + s;
      clipped += v < 0 || v > 255;
      row[3 * x + c] = static_cast<uint8_t>(std::clamp(v, 0, 255));
    }
  }
  return clipped;
}

// steps[k] added to byte k, clamped; returns the bytes clipped.
__attribute__((target_clones("avx2", "default"))) int64_t
add_byte_steps(uint8_t *__restrict row, const int16_t *__restrict steps, int64_t n) {
  int64_t clipped = 0;
  for (int64_t k = 0; k < n; ++k) {
    const int v = row[k] + steps[k];
    clipped += v < 0 || v > 255;
    row[k] = static_cast<uint8_t>(std::clamp(v, 0, 255));
  }
  return clipped;
}

} // namespace

int64_t Embedder::add_pattern(const FrameView &f, const std::vector<float> &amplitude) {
  // Cell centres at ((j + 1/2) W / kCells - 1/2) pixels; bilinear between them, flat beyond the
  // outer centres.
  auto weights = [](int64_t n, std::vector<int> &j0, std::vector<float> &frac) {
    j0.resize(static_cast<size_t>(n));
    frac.resize(static_cast<size_t>(n));
    for (int64_t x = 0; x < n; ++x) {
      const double t = (x + 0.5) * kCells / static_cast<double>(n) - 0.5;
      const int j = std::clamp(static_cast<int>(std::floor(t)), 0, kCells - 2);
      j0[static_cast<size_t>(x)] = j;
      frac[static_cast<size_t>(x)] = static_cast<float>(std::clamp(t - j, 0.0, 1.0));
    }
  };
  thread_local std::vector<int> jx, iy;
  thread_local std::vector<float> fx, fy;
  thread_local std::vector<int16_t> step, byte_step;
  thread_local int64_t made_w = -1, made_h = -1;
  if (made_w != f.width)
    weights(f.width, jx, fx), made_w = f.width;
  if (made_h != f.height)
    weights(f.height, iy, fy), made_h = f.height;
  const PackedLayout p = packed_layout(f.format);
  const size_t size = static_cast<size_t>(std::max(1, p.size));
  step.resize(static_cast<size_t>(f.width));
  byte_step.resize(static_cast<size_t>(f.width) * size);
  // Plain pointers in the loops: a thread_local's address is looked up at each use in a
  // shared library.
  const int *const col = jx.data();
  const float *const col_frac = fx.data();
  int16_t *const steps = step.data(), *const byte_steps = byte_step.data();
  // YUV luma stays in the legal video range (16..235) where it was: steps below black or above
  // white would be cut by the next conversion to RGB, so they count as clipped.
  const bool video_range = p.size == 0;
  const int lo = video_range ? 16 : 0, hi = video_range ? 235 : 255;
  const size_t w = static_cast<size_t>(f.width);
  int64_t clipped = 0;
  float across[kCells];
  for (int64_t y = 0; y < f.height; ++y) {
    const int i = iy[static_cast<size_t>(y)];
    const float t = fy[static_cast<size_t>(y)];
    const float *a = amplitude.data() + i * kCells, *b = a + kCells;
    for (int j = 0; j < kCells; ++j)
      across[j] = a[j] + t * (b[j] - a[j]);
    row_steps(across, col, col_frac, steps, f.width);
    uint8_t *row = f.planes[0] + y * f.strides[0];
    if (p.size <= 1) {
      int64_t out = 0;
      for (size_t x = 0; x < w; ++x) {
        const int old = row[x], v = old + steps[x];
        const int low = std::min(lo, old), high = std::max(hi, old);
        out += v < low || v > high;
        row[x] = static_cast<uint8_t>(std::clamp(v, low, high));
      }
      clipped += out;
    } else if (size == 3) { // R, G and B move alike
      clipped += add_steps_rgb(row, steps, f.width);
    } else {
      // The step of every byte (a fourth byte by 0, which neither changes nor clips it).
      const int filler = 6 - p.r - p.g - p.b;
      for (size_t x = 0; x < w; ++x) {
        int16_t *b = byte_steps + 4 * x;
        b[0] = b[1] = b[2] = b[3] = steps[x];
        b[filler] = 0;
      }
      clipped += add_byte_steps(row, byte_steps, static_cast<int64_t>(4 * w));
    }
  }
  return clipped;
}

bool Embedder::embed(const FrameView &f, const Layout &layout, uint64_t coded) {
  const double gain = gain_for(f.width, f.height);
  // The luma as it was, to give the frame back untouched if the mark cannot land.
  const PackedLayout packing = packed_layout(f.format);
  const size_t row_bytes =
      static_cast<size_t>(f.width) * static_cast<size_t>(std::max(1, packing.size));
  original_.resize(row_bytes * static_cast<size_t>(f.height));
  for (int64_t y = 0; y < f.height; ++y)
    std::copy_n(f.planes[0] + y * f.strides[0], row_bytes, original_.data() + y * row_bytes);
  bool sure = true; // every move landed as planned: no cut, nothing clipped
  auto sign_of = [coded](int g) { return g == kSyncGroup || ((coded >> g) & 1) ? 1.0 : -1.0; };
  // Host-interference cancellation, as in version 1: per group, what the picture already
  // reads at the identity placement, mean(chip * v); every cell of the group then moves by
  // (target - that) * chip, so the group reads its target whatever the picture. Targets are
  // +-strength (the synchronisation group: +strength), or the picture's own reading where that
  // already has the right sign and more. Clipped pixels keep part of a move from landing: then
  // later passes measure what landed and make up the difference.
  //
  // Visibility: the pattern's mean square, about 4/9 of its cells' mean square amplitude
  // (bilinear between random signs), is held to kLargestMeanSquare: where cancelling the host
  // would take more (strong edges, synthetic pictures), the largest group moves are cut first
  // (water-filling), and those groups read what they can.
  constexpr int kPasses = 3;
  const double cells_budget = kLargestMeanSquare * 9.0 / 4.0 * kCellCount;
  std::array<double, kGroups> applied{}; // per group, the amplitude moved so far (levels)
  std::array<int, kGroups> cells{};
  for (int cell = 0; cell < kCellCount; ++cell)
    ++cells[layout.group[static_cast<size_t>(cell)]];
  for (int pass = 0; pass < kPasses; ++pass) {
    read_canonical(f, canonical_);
    const Sums s = sums_at(canonical_, layout, Placement{});
    // The planned totals for a margin: every group at least `margin` on its side.
    std::array<double, kGroups> host{}, total{};
    for (int g = 0; g < kGroups; ++g)
      host[static_cast<size_t>(g)] =
          s.count[static_cast<size_t>(g)]
              ? s.dot[static_cast<size_t>(g)] / s.count[static_cast<size_t>(g)]
              : 0.0;
    auto plan = [&](double margin) {
      double spent = 0;
      for (int g = 0; g < kGroups; ++g) {
        const size_t i = static_cast<size_t>(g);
        const double target = sign_of(g) * std::max(margin, sign_of(g) * host[i]);
        total[i] = applied[i] + (target - host[i]) / gain;
        spent += cells[i] * total[i] * total[i];
      }
      return spent;
    };
    double largest = 0;
    for (int g = 0; g < kGroups; ++g) {
      const size_t i = static_cast<size_t>(g);
      largest = std::max(
          largest, std::abs(sign_of(g) * std::max(strength_, sign_of(g) * host[i]) - host[i]));
    }
    if (pass > 0 && largest < 0.25 * strength_)
      break;
    if (plan(strength_) > cells_budget) {
      sure = false;
      if (plan(kSmallestMargin * strength_) <= cells_budget) {
        // Over budget at full strength: the largest margin the budget pays for every group
        // (all signs right, the mark weaker than usual, but not below kSmallestMargin: a mark
        // that weak would not survive what version 2 is for; version 1 does better there).
        double lo = kSmallestMargin * strength_, hi = strength_;
        for (int it = 0; it < 30; ++it) {
          const double m = (lo + hi) / 2;
          (plan(m) > cells_budget ? hi : lo) = m;
        }
        plan(lo);
      } else {
        // Not even the signs fit: the largest moves are cut (water-filling); the check after
        // the passes then finds which groups did not land.
        double lo = 0, hi = 0;
        for (double t : total)
          hi = std::max(hi, std::abs(t));
        for (int it = 0; it < 40; ++it) {
          const double m = (lo + hi) / 2;
          double used = 0;
          for (int g = 0; g < kGroups; ++g)
            used += cells[static_cast<size_t>(g)] *
                    std::pow(std::min(std::abs(total[static_cast<size_t>(g)]), m), 2);
          (used > cells_budget ? hi : lo) = m;
        }
        for (double &t : total)
          t = std::clamp(t, -lo, lo);
      }
    }
    std::array<float, kGroups> move{};
    for (int g = 0; g < kGroups; ++g) {
      move[static_cast<size_t>(g)] =
          static_cast<float>(total[static_cast<size_t>(g)] - applied[static_cast<size_t>(g)]);
      applied[static_cast<size_t>(g)] = total[static_cast<size_t>(g)];
    }
    amplitude_.resize(kCellCount);
    for (int cell = 0; cell < kCellCount; ++cell)
      amplitude_[static_cast<size_t>(cell)] =
          layout.chip[static_cast<size_t>(cell)] * move[layout.group[static_cast<size_t>(cell)]];
    // Clipping that moved less than 1% of the pixel values leaves the groups on target
    // (each group spreads over the whole frame): no second measurement then.
    const int64_t clipped = add_pattern(f, amplitude_);
    sure = sure && clipped == 0;
    if (clipped * 100 <= f.width * f.height)
      break;
  }
  if (sure)
    return true;
  // A cut or clipped pass: read what landed; every group must read its sign.
  read_canonical(f, canonical_);
  const Sums s = sums_at(canonical_, layout, Placement{});
  bool landed = true;
  for (int g = 0; g < kGroups; ++g)
    landed = landed && s.dot[static_cast<size_t>(g)] * sign_of(g) > 0;
  if (landed)
    return true;
  for (int64_t y = 0; y < f.height; ++y)
    std::copy_n(original_.data() + y * row_bytes, row_bytes, f.planes[0] + y * f.strides[0]);
  return false;
}

} // namespace gan::watermark_v2
