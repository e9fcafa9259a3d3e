// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// The one bilinear sampler of the core (frame rendering, preprocessing, degradations), and
// the one rounding of samples back to 8 bits.
// Pixel centres sit at integer coordinates; samples outside the plane clamp to its edge.

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace gan {

// Source coordinate of destination pixel `d` when the source is `scale` times larger.
inline double source_coordinate(int64_t d, double scale) {
  return (static_cast<double>(d) + 0.5) * scale - 0.5;
}

// Plane of width w and height h, rows `stride` floats apart.
inline double sample_bilinear(const float *plane, int64_t stride, int64_t w, int64_t h, double fx,
                              double fy) {
  const double cx = std::clamp(fx, 0.0, static_cast<double>(w - 1));
  const double cy = std::clamp(fy, 0.0, static_cast<double>(h - 1));
  const int64_t x0 = static_cast<int64_t>(cx), y0 = static_cast<int64_t>(cy);
  const int64_t x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
  const double wx = cx - static_cast<double>(x0), wy = cy - static_cast<double>(y0);
  const double top = plane[y0 * stride + x0] * (1 - wx) + plane[y0 * stride + x1] * wx;
  const double bottom = plane[y1 * stride + x0] * (1 - wx) + plane[y1 * stride + x1] * wx;
  return top * (1 - wy) + bottom * wy;
}

// Nearest 8-bit level, halves away from zero, saturating.
// Rounds half away from zero, as std::lround, without its libm call (a hot loop per pixel).
inline uint8_t round_to_byte(double v) {
  if (!(v >= 0.5)) // also NaN; from 0.5 on, v + 0.5 never rounds across an integer
    return 0;
  if (v >= 255)
    return 255;
  return static_cast<uint8_t>(v + 0.5);
}

} // namespace gan
