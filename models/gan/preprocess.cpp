// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/preprocess.h"

#include "gan/error.h"
#include "gan/pixels.h"
#include "gan/resample.h"

#include <algorithm>
#include <cmath>

namespace gan {

namespace {

// Region [x0, x0+rw) x [y0, y0+rh) of a plane enlarged (on at least one axis) to w x h,
// bilinear; shrinking goes through shrink_region, straight from the frame.
void enlarge_region(const std::vector<float> &src, int64_t sw, int64_t x0, int64_t y0, int64_t rw,
                    int64_t rh, int64_t w, int64_t h, float *dst, int64_t dst_stride) {
  const double sx = static_cast<double>(rw) / static_cast<double>(w);
  const double sy = static_cast<double>(rh) / static_cast<double>(h);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const double v = sample_bilinear(src.data() + y0 * sw + x0, sw, rw, rh,
                                       source_coordinate(x, sx), source_coordinate(y, sy));
      dst[y * dst_stride + x] = static_cast<float>(v / 127.5 - 1.0);
    }
}

// Area averaging of one axis: output pixel o covers source pixels first .. first+count-1 of
// the region, with weights[offset ..] (the fractions of each inside it) summing to `sum`.
struct BoxAxis {
  std::vector<int64_t> first, count, offset;
  std::vector<float> weights;
  std::vector<double> sum;

  void build(int64_t source, int64_t out) {
    first.clear(), count.clear(), offset.clear(), weights.clear(), sum.clear();
    const double scale = static_cast<double>(source) / static_cast<double>(out);
    for (int64_t o = 0; o < out; ++o) {
      const double f0 = static_cast<double>(o) * scale, f1 = f0 + scale;
      const int64_t a = static_cast<int64_t>(f0);
      const int64_t b = std::min<int64_t>(source, static_cast<int64_t>(std::ceil(f1)));
      first.push_back(a), count.push_back(b - a);
      offset.push_back(static_cast<int64_t>(weights.size()));
      double total = 0;
      for (int64_t i = a; i < b; ++i) {
        const double w = std::min<double>(f1, static_cast<double>(i + 1)) -
                         std::max<double>(f0, static_cast<double>(i));
        weights.push_back(static_cast<float>(w));
        total += static_cast<float>(w);
      }
      sum.push_back(total);
    }
  }
};

// One source row of a region, [x0, x0 + n) of row y, as channel rows of floats in [0, 255].
// Grey models get luma straight from Y for YUV (no round trip through RGB) and BT.601 weights
// otherwise, so a GRAY8 frame reads back exactly.
void read_row(const FrameView &f, int64_t y, int64_t x0, int64_t n, int64_t channels,
              float *const out[3]) {
  const uint8_t *row = f.planes[0] + y * f.strides[0];
  const PackedLayout layout = packed_layout(f.format);
  if (channels == 1 && f.format == PixelFormat::Gray8) {
    for (int64_t i = 0; i < n; ++i)
      out[0][i] = row[x0 + i];
  } else if (channels == 1 && is_yuv420(f.format)) {
    for (int64_t i = 0; i < n; ++i)
      out[0][i] = std::clamp(full_range_luma(row[x0 + i]), 0.0f, 255.0f);
  } else if (layout.size > 0 && channels == 1) {
    bt601_luma_row(row + x0 * layout.size, layout.size, layout.r, layout.g, layout.b, n, out[0]);
  } else if (layout.size > 0) {
    const uint8_t *px = row + x0 * layout.size;
    for (int64_t i = 0; i < n; ++i, px += layout.size) {
      out[0][i] = px[layout.r], out[1][i] = px[layout.g], out[2][i] = px[layout.b];
    }
  } else { // 4:2:0 to RGB (grey reads Y above)
    for (int64_t i = 0; i < n; ++i) {
      const int64_t x = x0 + i;
      const ChromaSite c = chroma_site(f, x / 2, y / 2);
      const RgbFloat rgb = rgb_from_ycbcr(full_range_luma(row[x]), full_range_chroma(*c.cb),
                                          full_range_chroma(*c.cr));
      out[0][i] = std::clamp(rgb.r, 0.0f, 255.0f);
      out[1][i] = std::clamp(rgb.g, 0.0f, 255.0f);
      out[2][i] = std::clamp(rgb.b, 0.0f, 255.0f);
    }
  }
}

// The whole frame as channel planes of floats in [0, 255] (read_row's values), for a region
// that must be enlarged.
std::vector<std::vector<float>> read_planes(const FrameView &f, int64_t channels) {
  std::vector<std::vector<float>> planes(
      static_cast<size_t>(channels), std::vector<float>(static_cast<size_t>(f.width * f.height)));
  for (int64_t y = 0; y < f.height; ++y) {
    float *rows[3] = {};
    for (int64_t c = 0; c < channels; ++c)
      rows[c] = planes[static_cast<size_t>(c)].data() + y * f.width;
    read_row(f, y, 0, f.width, channels, rows);
  }
  return planes;
}

// The scratch of the streaming path: kept per thread and reused, so that scoring a frame
// allocates nothing once the first frame of a size has been seen.
struct Scratch {
  BoxAxis x, y;
  std::vector<float> row, reduced, cached, acc;
};

// Region [x0, x0+rw) x [y0, y0+rh) of the frame shrunk (or copied) to w x h by area
// averaging, straight from the frame's pixels: each source row is read and converted once,
// reduced across, and added to the output rows it covers. dst[c] points at channel c's
// output (rows dst_stride floats apart).
void shrink_region(const FrameView &f, int64_t channels, int64_t x0, int64_t y0, int64_t rw,
                   int64_t rh, int64_t w, int64_t h, float *const dst[3], int64_t dst_stride) {
  thread_local Scratch s;
  s.x.build(rw, w);
  s.y.build(rh, h);
  const size_t cw = static_cast<size_t>(w), crw = static_cast<size_t>(rw);
  s.row.resize(3 * crw), s.reduced.resize(3 * cw), s.cached.resize(3 * cw), s.acc.resize(3 * cw);
  float *row[3] = {s.row.data(), s.row.data() + crw, s.row.data() + 2 * crw};
  int64_t cached_row = -1;
  // The source row sy, converted and reduced across into s.reduced (reused when two output
  // rows share it).
  auto reduce = [&](int64_t sy) {
    if (sy == cached_row) {
      std::copy(s.cached.begin(), s.cached.end(), s.reduced.begin());
      return;
    }
    read_row(f, y0 + sy, x0, rw, channels, row);
    for (int64_t c = 0; c < channels; ++c) {
      const float *in = row[c];
      float *out = s.reduced.data() + c * w;
      for (int64_t ox = 0; ox < w; ++ox) {
        const float *wt = s.x.weights.data() + s.x.offset[static_cast<size_t>(ox)];
        const float *px = in + s.x.first[static_cast<size_t>(ox)];
        float v = 0;
        for (int64_t k = 0, n = s.x.count[static_cast<size_t>(ox)]; k < n; ++k)
          v += wt[k] * px[k];
        out[ox] = v;
      }
    }
    std::copy(s.reduced.begin(), s.reduced.end(), s.cached.begin());
    cached_row = sy;
  };
  for (int64_t oy = 0; oy < h; ++oy) {
    std::fill(s.acc.begin(), s.acc.end(), 0.0f);
    const size_t o = static_cast<size_t>(oy);
    const float *wy = s.y.weights.data() + s.y.offset[o];
    for (int64_t k = 0; k < s.y.count[o]; ++k) {
      reduce(s.y.first[o] + k);
      for (size_t i = 0; i < static_cast<size_t>(channels) * cw; ++i)
        s.acc[i] += wy[k] * s.reduced[i];
    }
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t ox = 0; ox < w; ++ox) {
        const double v = static_cast<double>(s.acc[static_cast<size_t>(c * w + ox)]) /
                         (s.x.sum[static_cast<size_t>(ox)] * s.y.sum[o]);
        dst[c][oy * dst_stride + ox] = static_cast<float>(v / 127.5 - 1.0);
      }
  }
}

} // namespace

int64_t frame_to_inputs(const FrameView &f, Preprocess mode, int64_t channels, int64_t h, int64_t w,
                        int64_t max_tiles, std::vector<float> &out) {
  if (f.width < 1 || f.height < 1 || !f.planes[0] || (channels != 1 && channels != 3) || h < 1 ||
      w < 1)
    throw Error(ErrorCode::InvalidArgument, "frame_to_inputs: bad frame or model shape");
  // The regions to score.
  struct Region {
    int64_t x, y, w, h;
  };
  thread_local std::vector<Region> regions, all; // reused: no allocation per frame
  regions.clear();
  if (mode == Preprocess::Tiles && f.width >= w && f.height >= h) {
    const int64_t nx = f.width / w, ny = f.height / h;
    // Evenly spread when there are more tiles than max_tiles.
    all.clear();
    const int64_t ox = (f.width - nx * w) / 2, oy = (f.height - ny * h) / 2;
    for (int64_t j = 0; j < ny; ++j)
      for (int64_t i = 0; i < nx; ++i)
        all.push_back({ox + i * w, oy + j * h, w, h});
    const int64_t keep =
        std::max<int64_t>(1, std::min<int64_t>(max_tiles, static_cast<int64_t>(all.size())));
    for (int64_t k = 0; k < keep; ++k)
      regions.push_back(all[static_cast<size_t>(k * static_cast<int64_t>(all.size()) / keep)]);
  } else if (mode == Preprocess::CenterCrop) {
    // Largest centred region with the model's aspect ratio.
    int64_t cw = f.width, ch = f.width * h / w;
    if (ch > f.height) {
      ch = f.height;
      cw = std::max<int64_t>(1, f.height * w / h);
    }
    ch = std::max<int64_t>(1, ch);
    regions.push_back({(f.width - cw) / 2, (f.height - ch) / 2, cw, ch});
  } else {
    regions.push_back({0, 0, f.width, f.height});
  }

  // Where each region lands in its input: all of it, or (letterbox) the centred rectangle of
  // the frame's aspect ratio, the rest black (-1).
  int64_t dx = 0, dy = 0, dw = w, dh = h;
  if (mode == Preprocess::Letterbox) {
    if (f.width * h > f.height * w)
      dh = std::clamp<int64_t>((f.height * w + f.width / 2) / f.width, 1, h);
    else
      dw = std::clamp<int64_t>((f.width * h + f.height / 2) / f.height, 1, w);
    dx = (w - dw) / 2, dy = (h - dh) / 2;
  }
  const size_t image = static_cast<size_t>(channels * h * w);
  const size_t base = out.size();
  out.resize(base + regions.size() * image, -1.0f);
  // The frame as float planes, only for a region that must be enlarged (bilinear).
  std::vector<std::vector<float>> planes;
  for (size_t r = 0; r < regions.size(); ++r) {
    const Region &g = regions[r];
    float *dst[3];
    for (int64_t c = 0; c < channels; ++c)
      dst[c] = out.data() + base + r * image + static_cast<size_t>(c * h * w + dy * w + dx);
    if (g.w >= dw && g.h >= dh) {
      shrink_region(f, channels, g.x, g.y, g.w, g.h, dw, dh, dst, w);
      continue;
    }
    if (planes.empty())
      planes = read_planes(f, channels);
    for (int64_t c = 0; c < channels; ++c)
      enlarge_region(planes[static_cast<size_t>(c)], f.width, g.x, g.y, g.w, g.h, dw, dh, dst[c],
                     w);
  }
  return static_cast<int64_t>(regions.size());
}

double frame_logit_of(const float *input_logits, int64_t n) {
  if (n < 1)
    throw Error(ErrorCode::InvalidArgument, "a frame logit needs at least one input's logit");
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += input_logits[i];
  return sum / static_cast<double>(n);
}

} // namespace gan
