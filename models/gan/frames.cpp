// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/frames.h"

#include "gan/error.h"
#include "gan/pixels.h"
#include "gan/resample.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace gan {

namespace {

// Keys for bicubic interpolation (Catmull-Rom, a = -0.5, as most scalers use).
double cubic(double x) {
  x = std::abs(x);
  if (x < 1)
    return (1.5 * x - 2.5) * x * x + 1;
  if (x < 2)
    return ((-0.5 * x + 2.5) * x - 4) * x + 2;
  return 0;
}

// One source plane (floats in [0, 255]) sampled at the centre of destination pixel (dx, dy).
struct Sampler {
  const float *src;
  int64_t sw, sh;
  double scale_x, scale_y;
  Scaling scaling;

  float at(int64_t x, int64_t y) const {
    return src[std::clamp<int64_t>(y, 0, sh - 1) * sw + std::clamp<int64_t>(x, 0, sw - 1)];
  }

  float sample(int64_t dx, int64_t dy) const {
    const double fx = source_coordinate(dx, scale_x);
    const double fy = source_coordinate(dy, scale_y);
    switch (scaling) {
    case Scaling::Nearest:
      return at(static_cast<int64_t>(std::floor(fx + 0.5)),
                static_cast<int64_t>(std::floor(fy + 0.5)));
    case Scaling::Bilinear:
      return static_cast<float>(sample_bilinear(src, sw, sw, sh, fx, fy));
    case Scaling::Bicubic: {
      const int64_t x0 = static_cast<int64_t>(std::floor(fx)),
                    y0 = static_cast<int64_t>(std::floor(fy));
      double acc = 0;
      for (int64_t j = -1; j <= 2; ++j) {
        const double wy = cubic(fy - static_cast<double>(y0 + j));
        for (int64_t i = -1; i <= 2; ++i)
          acc += wy * cubic(fx - static_cast<double>(x0 + i)) * at(x0 + i, y0 + j);
      }
      return static_cast<float>(acc);
    }
    }
    return 0;
  }
};

struct Rgb {
  uint8_t r, g, b;
};

// The largest rectangle inside a cw x ch cell (frame pixels that are pixel_aspect times as wide
// as tall) that shows a w x h image undistorted, centred: {x offset, y offset, width, height}.
std::array<int64_t, 4> letterbox(int64_t cw, int64_t ch, int64_t w, int64_t h,
                                 double pixel_aspect) {
  const double cell_aspect = static_cast<double>(cw) * pixel_aspect / static_cast<double>(ch);
  const double image_aspect = static_cast<double>(w) / static_cast<double>(h);
  int64_t rw = cw, rh = ch;
  if (cell_aspect > image_aspect)
    rw = std::clamp<int64_t>(std::llround(static_cast<double>(ch) * image_aspect / pixel_aspect), 1,
                             cw);
  else
    rh = std::clamp<int64_t>(std::llround(static_cast<double>(cw) * pixel_aspect / image_aspect), 1,
                             ch);
  return {(cw - rw) / 2, (ch - rh) / 2, rw, rh};
}

// Step 1: the mosaic as an RGB canvas, each image scaled into its cell, letterboxed (black
// bars) when the cell's shape differs from the image's. Cells split the frame as evenly as
// integers allow; gray images become R = G = B.
void paint_canvas(std::vector<Rgb> &canvas, const float *images, int64_t count, int64_t channels,
                  int64_t h, int64_t w, int64_t rows, int64_t columns, Scaling scaling,
                  double pixel_aspect, int64_t fw, int64_t fh) {
  canvas.assign(static_cast<size_t>(fw * fh), Rgb{0, 0, 0}); // black
  thread_local std::vector<float> plane;
  plane.resize(static_cast<size_t>(h * w));
  for (int64_t t = 0; t < count; ++t) {
    const int64_t r = t / columns, c = t % columns;
    const int64_t cx0 = c * fw / columns, cx1 = (c + 1) * fw / columns;
    const int64_t cy0 = r * fh / rows, cy1 = (r + 1) * fh / rows;
    if (cx1 <= cx0 || cy1 <= cy0)
      continue; // more cells than pixels: this cell has no area
    const auto [ox, oy, rw, rh] = letterbox(cx1 - cx0, cy1 - cy0, w, h, pixel_aspect);
    const int64_t x0 = cx0 + ox, x1 = x0 + rw, y0 = cy0 + oy, y1 = y0 + rh;
    const bool same_size = rw == w && rh == h;
    for (int64_t ch = 0; ch < 3; ++ch) {
      if (ch < channels) {
        const float *src = images + (t * channels + ch) * h * w;
        for (int64_t i = 0; i < h * w; ++i)
          plane[static_cast<size_t>(i)] = (std::clamp(src[i], -1.0f, 1.0f) + 1.0f) * 127.5f;
      }
      const Sampler s{plane.data(),
                      w,
                      h,
                      static_cast<double>(w) / static_cast<double>(x1 - x0),
                      static_cast<double>(h) / static_cast<double>(y1 - y0),
                      scaling};
      for (int64_t y = y0; y < y1; ++y)
        for (int64_t x = x0; x < x1; ++x) {
          Rgb &px = canvas[static_cast<size_t>(y * fw + x)];
          if (ch < channels) {
            const uint8_t v =
                round_to_byte(same_size ? plane[static_cast<size_t>((y - y0) * w + x - x0)]
                                        : s.sample(x - x0, y - y0));
            (ch == 0 ? px.r : ch == 1 ? px.g : px.b) = v;
          } else {
            (ch == 1 ? px.g : px.b) = px.r; // gray: R = G = B
          }
        }
    }
  }
}

// GCC turns float comparisons into selects (and so vectorises the loop) only without trapping
// math; the values are the same either way.
#if defined(__GNUC__) && !defined(__clang__)
#define GAN_SELECTS_FLOATS __attribute__((optimize("no-trapping-math")))
#else
#define GAN_SELECTS_FLOATS
#endif

// Floats in [-1, 1] as the bytes the canvas holds, round_to_byte((clamp(v, -1, 1) + 1) * 127.5f)
// with NaN to 0, in float arithmetic: the same byte for each of the 2^32 floats (checked
// exhaustively), four or more at a time.
__attribute__((target_clones("avx2", "default"))) GAN_SELECTS_FLOATS void
image_bytes(const float *__restrict src, uint8_t *__restrict dst, int64_t n) {
  for (int64_t x = 0; x < n; ++x) {
    float v = src[x];
    v = v < -1.0f ? -1.0f : v;
    v = v > 1.0f ? 1.0f : v;
    float level = (v + 1.0f) * 127.5f;
    level = level >= 0.5f ? level : 0.0f; // also NaN
    dst[x] = static_cast<uint8_t>(static_cast<int>(level + 0.5f));
  }
}

// A 3-channel image of the frame's size straight onto a packed frame of 3 or 4 bytes a pixel:
// each row's planes to bytes (vectorised), then interleaved.
void write_packed_image(const float *image, const FrameView &frame) {
  const PackedLayout l = packed_layout(frame.format);
  const int filler = 6 - l.r - l.g - l.b;
  const int64_t w = frame.width, plane = w * frame.height;
  thread_local std::vector<uint8_t> bytes;
  bytes.resize(static_cast<size_t>(3 * w));
  uint8_t *const r = bytes.data(), *const g = r + w, *const b = g + w;
  for (int64_t y = 0; y < frame.height; ++y) {
    for (int64_t c = 0; c < 3; ++c)
      image_bytes(image + c * plane + y * w, r + c * w, w);
    uint8_t *row = frame.planes[0] + y * frame.strides[0];
    for (int64_t x = 0; x < w; ++x) {
      uint8_t *d = row + x * l.size;
      d[l.r] = r[x], d[l.g] = g[x], d[l.b] = b[x];
      if (l.size == 4)
        d[filler] = 255;
    }
  }
}

// Step 2a: a packed format, laid out by packed_layout; a fourth byte (alpha or padding) is 255.
void write_packed(const std::vector<Rgb> &canvas, int64_t channels, const FrameView &frame) {
  const PackedLayout l = packed_layout(frame.format);
  const int filler = 6 - l.r - l.g - l.b; // the byte of a 4-byte pixel that is not R, G or B
  for (int64_t y = 0; y < frame.height; ++y) {
    uint8_t *row = frame.planes[0] + y * frame.strides[0];
    const Rgb *src = canvas.data() + y * frame.width;
    for (int64_t x = 0; x < frame.width; ++x) {
      const Rgb &p = src[x];
      uint8_t *d = row + x * l.size;
      if (l.size == 1) {
        d[0] = channels == 1 ? p.r : round_to_byte(bt601_luma(p.r, p.g, p.b));
        continue;
      }
      d[l.r] = p.r, d[l.g] = p.g, d[l.b] = p.b;
      if (l.size == 4)
        d[filler] = 255;
    }
  }
}

// Step 2b: YUV 4:2:0, limited range: full-resolution luma, chroma averaged over each 2x2 block
// (odd edges clamp).
void write_yuv420(const std::vector<Rgb> &canvas, const FrameView &frame) {
  const int64_t fw = frame.width, fh = frame.height;
  for (int64_t y = 0; y < fh; ++y) {
    uint8_t *row = frame.planes[0] + y * frame.strides[0];
    for (int64_t x = 0; x < fw; ++x) {
      const Rgb &p = canvas[static_cast<size_t>(y * fw + x)];
      row[x] = limited_luma(p.r, p.g, p.b);
    }
  }
  const int64_t cw = (fw + 1) / 2, chh = (fh + 1) / 2;
  for (int64_t y = 0; y < chh; ++y)
    for (int64_t x = 0; x < cw; ++x) {
      double r = 0, g = 0, b = 0;
      int n = 0;
      for (int64_t j = 0; j < 2; ++j)
        for (int64_t i = 0; i < 2; ++i) {
          const int64_t sx = std::min(2 * x + i, fw - 1), sy = std::min(2 * y + j, fh - 1);
          const Rgb &p = canvas[static_cast<size_t>(sy * fw + sx)];
          r += p.r, g += p.g, b += p.b, ++n;
        }
      r /= n, g /= n, b /= n;
      const ChromaSite site = chroma_site(frame, x, y);
      *site.cb = limited_cb(r, g, b);
      *site.cr = limited_cr(r, g, b);
    }
}

} // namespace

PackedLayout packed_layout(PixelFormat f) {
  switch (f) {
  case PixelFormat::Gray8:
    return {1, 0, 0, 0};
  case PixelFormat::Rgb:
    return {3, 0, 1, 2};
  case PixelFormat::Bgr:
    return {3, 2, 1, 0};
  case PixelFormat::Rgba:
  case PixelFormat::Rgbx:
    return {4, 0, 1, 2};
  case PixelFormat::Bgra:
  case PixelFormat::Bgrx:
    return {4, 2, 1, 0};
  case PixelFormat::Xrgb:
    return {4, 1, 2, 3};
  case PixelFormat::I420:
  case PixelFormat::Nv12:
    break;
  }
  return {0, 0, 0, 0};
}

int packed_pixel_size(PixelFormat f) { return packed_layout(f).size; }

void render_mosaic(const float *images, int64_t count, int64_t channels, int64_t h, int64_t w,
                   int64_t rows, int64_t columns, Scaling scaling, const FrameView &frame,
                   double pixel_aspect) {
  if (count != rows * columns || count < 1 || (channels != 1 && channels != 3) || h < 1 || w < 1)
    throw Error(ErrorCode::InvalidArgument, "render_mosaic: images do not fill the mosaic");
  if (frame.width < 1 || frame.height < 1 || !frame.planes[0])
    throw Error(ErrorCode::InvalidArgument, "render_mosaic: empty frame");
  if (!(pixel_aspect > 0) || !std::isfinite(pixel_aspect))
    throw Error(ErrorCode::InvalidArgument, "render_mosaic: pixel aspect ratio must be positive");
  // One colour image of the frame's own shape on a packed frame (gangen's field models): each
  // value straight to its byte, the same bytes as through the canvas without its two passes.
  if (count == 1 && channels == 3 && w == frame.width && h == frame.height &&
      !is_yuv420(frame.format) && packed_layout(frame.format).size >= 3 &&
      letterbox(w, h, w, h, pixel_aspect) == std::array<int64_t, 4>{0, 0, w, h}) {
    write_packed_image(images, frame);
    return;
  }
  thread_local std::vector<Rgb> canvas; // kept: no fresh pages for every frame
  paint_canvas(canvas, images, count, channels, h, w, rows, columns, scaling, pixel_aspect,
               frame.width, frame.height);
  if (is_yuv420(frame.format))
    write_yuv420(canvas, frame);
  else
    write_packed(canvas, channels, frame);
}

} // namespace gan
