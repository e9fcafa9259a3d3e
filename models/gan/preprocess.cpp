// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/preprocess.h"

#include "gan/error.h"
#include "gan/pixels.h"
#include "gan/resample.h"

#include <algorithm>
#include <cmath>

namespace gan {

namespace {

// The frame as R, G, B planes of floats in [0, 255], full range.
struct RgbPlanes {
  int64_t width = 0, height = 0;
  std::vector<float> r, g, b;
};

RgbPlanes read_rgb(const FrameView &f) {
  RgbPlanes p;
  p.width = f.width;
  p.height = f.height;
  const size_t n = static_cast<size_t>(f.width * f.height);
  p.r.resize(n), p.g.resize(n), p.b.resize(n);
  const PackedLayout layout = packed_layout(f.format);
  for (int64_t y = 0; y < f.height; ++y) {
    const uint8_t *row = f.planes[0] + y * f.strides[0];
    for (int64_t x = 0; x < f.width; ++x) {
      const size_t i = static_cast<size_t>(y * f.width + x);
      float r = 0, g = 0, b = 0;
      if (layout.size > 0) {
        const uint8_t *px = row + x * layout.size;
        r = px[layout.r], g = px[layout.g], b = px[layout.b];
      } else {
        const ChromaSite c = chroma_site(f, x / 2, y / 2);
        const RgbFloat rgb = rgb_from_ycbcr(full_range_luma(row[x]), full_range_chroma(*c.cb),
                                            full_range_chroma(*c.cr));
        r = rgb.r, g = rgb.g, b = rgb.b;
      }
      p.r[i] = std::clamp(r, 0.0f, 255.0f);
      p.g[i] = std::clamp(g, 0.0f, 255.0f);
      p.b[i] = std::clamp(b, 0.0f, 255.0f);
    }
  }
  return p;
}

// Luma for gray models: straight from Y for YUV (no round trip through RGB), BT.601 weights
// otherwise, so a GRAY8 frame reads back exactly.
std::vector<float> read_gray(const FrameView &f, const RgbPlanes *rgb) {
  std::vector<float> out(static_cast<size_t>(f.width * f.height));
  for (int64_t y = 0; y < f.height; ++y) {
    const uint8_t *row = f.planes[0] + y * f.strides[0];
    for (int64_t x = 0; x < f.width; ++x) {
      const size_t i = static_cast<size_t>(y * f.width + x);
      if (f.format == PixelFormat::Gray8)
        out[i] = row[x];
      else if (is_yuv420(f.format))
        out[i] = std::clamp(full_range_luma(row[x]), 0.0f, 255.0f);
      else
        out[i] = bt601_luma(rgb->r[i], rgb->g[i], rgb->b[i]);
    }
  }
  return out;
}

// Region [x0, x0+rw) x [y0, y0+rh) of a plane resized to w x h: area average when shrinking
// (every source pixel counts once, no aliasing), bilinear when enlarging.
void resize_region(const std::vector<float> &src, int64_t sw, int64_t x0, int64_t y0, int64_t rw,
                   int64_t rh, int64_t w, int64_t h, float *dst, int64_t dst_stride) {
  const double sx = static_cast<double>(rw) / static_cast<double>(w);
  const double sy = static_cast<double>(rh) / static_cast<double>(h);
  auto at = [&](int64_t x, int64_t y) {
    return src[static_cast<size_t>((y0 + std::clamp<int64_t>(y, 0, rh - 1)) * sw + x0 +
                                   std::clamp<int64_t>(x, 0, rw - 1))];
  };
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      double v;
      if (sx >= 1 && sy >= 1) {
        const double fx0 = static_cast<double>(x) * sx, fx1 = fx0 + sx;
        const double fy0 = static_cast<double>(y) * sy, fy1 = fy0 + sy;
        double acc = 0, weight = 0;
        for (int64_t yy = static_cast<int64_t>(fy0); yy < static_cast<int64_t>(std::ceil(fy1));
             ++yy) {
          const double wy = std::min<double>(fy1, static_cast<double>(yy + 1)) -
                            std::max<double>(fy0, static_cast<double>(yy));
          for (int64_t xx = static_cast<int64_t>(fx0); xx < static_cast<int64_t>(std::ceil(fx1));
               ++xx) {
            const double wx = std::min<double>(fx1, static_cast<double>(xx + 1)) -
                              std::max<double>(fx0, static_cast<double>(xx));
            acc += wx * wy * at(xx, yy);
            weight += wx * wy;
          }
        }
        v = acc / weight;
      } else {
        v = sample_bilinear(src.data() + y0 * sw + x0, sw, rw, rh, source_coordinate(x, sx),
                            source_coordinate(y, sy));
      }
      dst[y * dst_stride + x] = static_cast<float>(v / 127.5 - 1.0);
    }
}

} // namespace

int64_t frame_to_inputs(const FrameView &f, Preprocess mode, int64_t channels, int64_t h, int64_t w,
                        int64_t max_tiles, std::vector<float> &out) {
  if (f.width < 1 || f.height < 1 || !f.planes[0] || (channels != 1 && channels != 3) || h < 1 ||
      w < 1)
    throw Error(ErrorCode::InvalidArgument, "frame_to_inputs: bad frame or model shape");
  const bool yuv = is_yuv420(f.format);
  RgbPlanes rgb;
  if (channels == 3 || (!yuv && f.format != PixelFormat::Gray8))
    rgb = read_rgb(f);
  std::vector<std::vector<float>> planes;
  if (channels == 1)
    planes.push_back(read_gray(f, &rgb));
  else
    planes = {rgb.r, rgb.g, rgb.b};

  // The regions to score.
  struct Region {
    int64_t x, y, w, h;
  };
  std::vector<Region> regions;
  if (mode == Preprocess::Tiles && f.width >= w && f.height >= h) {
    const int64_t nx = f.width / w, ny = f.height / h;
    // Evenly spread when there are more tiles than max_tiles.
    std::vector<Region> all;
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
  for (size_t r = 0; r < regions.size(); ++r)
    for (int64_t c = 0; c < channels; ++c)
      resize_region(planes[static_cast<size_t>(c)], f.width, regions[r].x, regions[r].y,
                    regions[r].w, regions[r].h, dw, dh,
                    out.data() + base + r * image + static_cast<size_t>(c * h * w + dy * w + dx),
                    w);
  return static_cast<int64_t>(regions.size());
}

} // namespace gan
