// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/pixels.h"

namespace gan {

namespace {

// One function per packed layout, so that the compiler knows the byte offsets and vectorises
// (for each instruction set the CPU may have; the loader picks one). Measured on 1280x720 RGB:
// 0.48 ms a frame with AVX-512 against 0.98 for lookups in tables of weighted levels.
#define GAN_LUMA_ROW(name, S, R, G, B)                                                             \
  __attribute__((target_clones("avx512f", "avx2", "default"))) void name(                          \
      const uint8_t *__restrict px, int64_t n, float *__restrict out) {                            \
    for (int64_t x = 0; x < n; ++x)                                                                \
      out[x] = 0.299f * static_cast<float>(px[S * x + R]) +                                        \
               0.587f * static_cast<float>(px[S * x + G]) +                                        \
               0.114f * static_cast<float>(px[S * x + B]);                                         \
  }
GAN_LUMA_ROW(luma_rgb, 3, 0, 1, 2)
GAN_LUMA_ROW(luma_bgr, 3, 2, 1, 0)
GAN_LUMA_ROW(luma_rgbx, 4, 0, 1, 2)
GAN_LUMA_ROW(luma_bgrx, 4, 2, 1, 0)
GAN_LUMA_ROW(luma_xrgb, 4, 1, 2, 3)
GAN_LUMA_ROW(luma_xbgr, 4, 3, 2, 1)
#undef GAN_LUMA_ROW

} // namespace

void bt601_luma_row(const uint8_t *px, int size, int r, int g, int b, int64_t n, float *out) {
  const int layout = size * 1000 + r * 100 + g * 10 + b;
  switch (layout) {
  case 3012:
    return luma_rgb(px, n, out);
  case 3210:
    return luma_bgr(px, n, out);
  case 4012:
    return luma_rgbx(px, n, out);
  case 4210:
    return luma_bgrx(px, n, out);
  case 4123:
    return luma_xrgb(px, n, out);
  case 4321:
    return luma_xbgr(px, n, out);
  default:
    for (int64_t x = 0; x < n; ++x, px += size)
      out[x] = bt601_luma(px[r], px[g], px[b]);
  }
}

} // namespace gan
