// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Frames as the core sees them: a plain view (planes, strides, size, format), no GStreamer
// types. The elements map their buffers into a FrameView; the core draws into it.

#include <cstdint>

namespace gan {

enum class PixelFormat { Gray8, Rgb, Bgr, Rgba, Bgra, Rgbx, Bgrx, Xrgb, I420, Nv12 };

enum class Scaling { Nearest, Bilinear, Bicubic };

struct FrameView {
  PixelFormat format = PixelFormat::Rgb;
  int64_t width = 0;
  int64_t height = 0;
  uint8_t *planes[3] = {nullptr, nullptr, nullptr};
  int64_t strides[3] = {0, 0, 0};
};

// Bytes per pixel of a packed format (1 for Gray8; 0 for the planar/semi-planar YUV ones).
int packed_pixel_size(PixelFormat format);

// Where R, G and B sit in a packed pixel: byte offsets, and the pixel's size (as
// packed_pixel_size). Gray8 has its one byte at 0 for all three; YUV formats have size 0.
struct PackedLayout {
  int size, r, g, b;
};
PackedLayout packed_layout(PixelFormat format);

// Draws `count` images (float [count, channels, h, w] in [-1, 1], channels 1 or 3) as a
// rows x columns mosaic over the whole frame, each scaled with `scaling` to the largest
// rectangle of its cell that keeps the image's aspect ratio (centred; the rest of the cell is
// black): an image is never stretched. pixel_aspect is the frame's pixel width over its pixel
// height (caps' pixel-aspect-ratio). Cells split the frame as evenly as integers allow, so any
// frame size works (1x1 included); an image the size of its cell is copied, not resampled.
// Gray images become R = G = B (and neutral chroma); YUV output is BT.601 limited range.
// Throws Error(InvalidArgument) on an impossible combination.
void render_mosaic(const float *images, int64_t count, int64_t channels, int64_t height,
                   int64_t width, int64_t rows, int64_t columns, Scaling scaling,
                   const FrameView &frame, double pixel_aspect = 1.0);

} // namespace gan
