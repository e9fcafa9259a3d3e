// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The colour maths of every frame the core reads or writes (rendering, preprocessing, the
// watermark), in one place: BT.601 weights, the limited ("video") range of YUV, and where a
// 4:2:0 frame keeps its chroma. The formulas are written once, in the types their callers'
// results were measured with, so rendered frames stay bit-identical.

#include "gan/frames.h"
#include "gan/resample.h"

#include <cstdint>

namespace gan {

// BT.601 luma of full-range RGB (grey conversions, the watermark's luma plane).
inline float bt601_luma(float r, float g, float b) { return 0.299f * r + 0.587f * g + 0.114f * b; }

// bt601_luma of n packed pixels (`size` bytes apart, R, G and B at byte offsets r, g, b) into
// out: the same floats, bit for bit (the same products, summed in the same order). The luma of
// every frame the watermark and grey detectors read; vectorised for AVX2 and AVX-512 where the
// CPU has them (pixels.cpp).
void bt601_luma_row(const uint8_t *px, int size, int r, int g, int b, int64_t n, float *out);

// The first n pixels of row y of a frame's luma as floats: the bytes of the luma plane (Gray8,
// and Y of YUV formats, limited range as it is) or bt601_luma_row of packed RGB (what the
// watermark reads).
inline void luma_row(const FrameView &f, int64_t y, int64_t n, float *out) {
  const uint8_t *row = f.planes[0] + y * f.strides[0];
  const PackedLayout p = packed_layout(f.format);
  if (p.size <= 1) {
    for (int64_t x = 0; x < n; ++x)
      out[x] = row[x];
  } else {
    bt601_luma_row(row, p.size, p.r, p.g, p.b, n, out);
  }
}

// Full-range RGB -> limited-range Y'CbCr bytes (Y in 16..235, Cb and Cr in 16..240).
inline uint8_t limited_luma(float r, float g, float b) {
  return round_to_byte(16.0f + (65.481f * r + 128.553f * g + 24.966f * b) / 255.0f);
}
inline uint8_t limited_cb(double r, double g, double b) {
  return round_to_byte(static_cast<float>(128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0));
}
inline uint8_t limited_cr(double r, double g, double b) {
  return round_to_byte(static_cast<float>(128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0));
}

// Limited-range bytes -> full-range values (not clamped: callers clamp where they need).
inline float full_range_luma(int y) { return (y - 16) * 255.0f / 219.0f; }
inline float full_range_chroma(int c) { return (c - 128) * 255.0f / 224.0f; }

// Full-range Y' and centred Cb, Cr -> R, G, B (unclamped).
struct RgbFloat {
  float r, g, b;
};
inline RgbFloat rgb_from_ycbcr(float y, float cb, float cr) {
  return {y + 1.402f * cr, y - 0.344136f * cb - 0.714136f * cr, y + 1.772f * cb};
}

inline bool is_yuv420(PixelFormat f) { return f == PixelFormat::I420 || f == PixelFormat::Nv12; }

// The Cb and Cr bytes of chroma sample (cx, cy) of a 4:2:0 frame (I420: two planes; NV12: one
// interleaved plane). Each covers the 2x2 luma pixels from (2 cx, 2 cy).
struct ChromaSite {
  uint8_t *cb, *cr;
};
inline ChromaSite chroma_site(const FrameView &f, int64_t cx, int64_t cy) {
  if (f.format == PixelFormat::I420)
    return {f.planes[1] + cy * f.strides[1] + cx, f.planes[2] + cy * f.strides[2] + cx};
  uint8_t *uv = f.planes[1] + cy * f.strides[1] + 2 * cx;
  return {uv, uv + 1};
}

} // namespace gan
