// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/augment.h"

#include "gan/error.h"
#include "gan/pixels.h"
#include "gan/resample.h"

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <memory>
#include <vector>

#include <jpeglib.h>

namespace gan {

namespace {

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
};

void on_jpeg_error(j_common_ptr cinfo) {
  std::longjmp(reinterpret_cast<JpegError *>(cinfo->err)->jump, 1);
}

std::vector<float> resize_plane(const std::vector<float> &src, int64_t sh, int64_t sw, int64_t dh,
                                int64_t dw) {
  std::vector<float> dst(static_cast<size_t>(dh * dw));
  const double sy = static_cast<double>(sh) / static_cast<double>(dh);
  const double sx = static_cast<double>(sw) / static_cast<double>(dw);
  for (int64_t y = 0; y < dh; ++y)
    for (int64_t x = 0; x < dw; ++x)
      dst[static_cast<size_t>(y * dw + x)] = static_cast<float>(sample_bilinear(
          src.data(), sw, sw, sh, source_coordinate(x, sx), source_coordinate(y, sy)));
  return dst;
}

} // namespace

void jpeg_roundtrip(ImageRef im, int quality) {
  const int64_t hw = im.height * im.width;
  std::vector<uint8_t> interleaved(static_cast<size_t>(hw * im.channels));
  for (int64_t p = 0; p < hw; ++p)
    for (int64_t c = 0; c < im.channels; ++c)
      interleaved[static_cast<size_t>(p * im.channels + c)] = im.pixels[c * hw + p];

  // Everything the error path reads lives on the heap: automatic variables changed between
  // setjmp and longjmp have indeterminate values after the jump.
  struct State {
    unsigned char *encoded = nullptr;
    unsigned long encoded_size = 0;
    bool enc_made = false, dec_made = false;
  };
  const auto state = std::make_unique<State>();
  JpegError err;
  jpeg_compress_struct enc;
  jpeg_decompress_struct dec;
  enc.err = jpeg_std_error(&err.mgr);
  dec.err = &err.mgr;
  err.mgr.error_exit = on_jpeg_error;
  if (setjmp(err.jump)) {
    if (state->enc_made)
      jpeg_destroy_compress(&enc);
    if (state->dec_made)
      jpeg_destroy_decompress(&dec);
    std::free(state->encoded);
    throw Error(ErrorCode::InvalidArgument, "JPEG round trip failed");
  }
  jpeg_create_compress(&enc);
  state->enc_made = true;
  jpeg_mem_dest(&enc, &state->encoded, &state->encoded_size);
  enc.image_width = static_cast<JDIMENSION>(im.width);
  enc.image_height = static_cast<JDIMENSION>(im.height);
  enc.input_components = static_cast<int>(im.channels);
  enc.in_color_space = im.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&enc);
  jpeg_set_quality(&enc, std::clamp(quality, 1, 100), TRUE);
  jpeg_start_compress(&enc, TRUE);
  while (enc.next_scanline < enc.image_height) {
    JSAMPROW row = interleaved.data() + enc.next_scanline * im.width * im.channels;
    jpeg_write_scanlines(&enc, &row, 1);
  }
  jpeg_finish_compress(&enc);
  jpeg_destroy_compress(&enc);
  state->enc_made = false;

  jpeg_create_decompress(&dec);
  state->dec_made = true;
  jpeg_mem_src(&dec, state->encoded, state->encoded_size);
  jpeg_read_header(&dec, TRUE);
  dec.out_color_space = im.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&dec);
  while (dec.output_scanline < dec.output_height) {
    JSAMPROW row = interleaved.data() + dec.output_scanline * im.width * im.channels;
    jpeg_read_scanlines(&dec, &row, 1);
  }
  jpeg_finish_decompress(&dec);
  jpeg_destroy_decompress(&dec);
  state->dec_made = false;
  std::free(state->encoded);
  state->encoded = nullptr;

  for (int64_t p = 0; p < hw; ++p)
    for (int64_t c = 0; c < im.channels; ++c)
      im.pixels[c * hw + p] = interleaved[static_cast<size_t>(p * im.channels + c)];
}

void gaussian_blur(ImageRef im, double sigma) {
  if (sigma <= 0)
    return;
  const int radius = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> kernel(static_cast<size_t>(2 * radius + 1));
  double sum = 0;
  for (int i = -radius; i <= radius; ++i)
    sum += kernel[static_cast<size_t>(i + radius)] = std::exp(-0.5 * i * i / (sigma * sigma));
  for (double &k : kernel)
    k /= sum;
  const int64_t h = im.height, w = im.width;
  std::vector<double> tmp(static_cast<size_t>(h * w));
  for (int64_t c = 0; c < im.channels; ++c) {
    uint8_t *plane = im.pixels + c * h * w;
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        double acc = 0;
        for (int i = -radius; i <= radius; ++i)
          acc += kernel[static_cast<size_t>(i + radius)] *
                 plane[y * w + std::clamp<int64_t>(x + i, 0, w - 1)];
        tmp[static_cast<size_t>(y * w + x)] = acc;
      }
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        double acc = 0;
        for (int i = -radius; i <= radius; ++i)
          acc += kernel[static_cast<size_t>(i + radius)] *
                 tmp[static_cast<size_t>(std::clamp<int64_t>(y + i, 0, h - 1) * w + x)];
        plane[y * w + x] = round_to_byte(acc);
      }
  }
}

void rescale_roundtrip(ImageRef im, double factor) {
  const int64_t h = im.height, w = im.width;
  const int64_t mh = std::max<int64_t>(1, std::lround(static_cast<double>(h) * factor));
  const int64_t mw = std::max<int64_t>(1, std::lround(static_cast<double>(w) * factor));
  for (int64_t c = 0; c < im.channels; ++c) {
    uint8_t *plane = im.pixels + c * h * w;
    std::vector<float> src(plane, plane + h * w);
    // The intermediate image is 8-bit, as a real rescaled frame would be.
    std::vector<float> mid = resize_plane(src, h, w, mh, mw);
    for (float &v : mid)
      v = round_to_byte(v);
    const std::vector<float> back = resize_plane(mid, mh, mw, h, w);
    for (int64_t p = 0; p < h * w; ++p)
      plane[p] = round_to_byte(back[static_cast<size_t>(p)]);
  }
}

void sensor_noise(ImageRef im, double sigma, std::mt19937_64 &rng) {
  if (sigma <= 0)
    return;
  std::normal_distribution<double> n(0.0, 1.0);
  const int64_t hw = im.height * im.width;
  const double shared = std::sqrt(0.7), own = std::sqrt(0.3);
  for (int64_t p = 0; p < hw; ++p) {
    const double common = n(rng);
    for (int64_t c = 0; c < im.channels; ++c) {
      uint8_t &v = im.pixels[c * hw + p];
      const double scale = sigma * std::sqrt(0.1 + v / 255.0);
      v = round_to_byte(v + scale * (im.channels == 1 ? common : shared * common + own * n(rng)));
    }
  }
}

void yuv420_roundtrip(ImageRef im) {
  const int64_t h = im.height, w = im.width, hw = h * w;
  if (im.channels != 3) {
    for (int64_t p = 0; p < im.channels * hw; ++p) {
      const uint8_t y = round_to_byte(16.0 + im.pixels[p] * 219.0 / 255.0);
      im.pixels[p] = round_to_byte(full_range_luma(y));
    }
    return;
  }
  uint8_t *r = im.pixels, *g = im.pixels + hw, *b = im.pixels + 2 * hw;
  const int64_t ch = (h + 1) / 2, cw = (w + 1) / 2;
  std::vector<uint8_t> cb(static_cast<size_t>(ch * cw)), cr(cb.size());
  for (int64_t cy = 0; cy < ch; ++cy)
    for (int64_t cx = 0; cx < cw; ++cx) {
      double sr = 0, sg = 0, sb = 0;
      int count = 0;
      for (int64_t y = 2 * cy; y < std::min(h, 2 * cy + 2); ++y)
        for (int64_t x = 2 * cx; x < std::min(w, 2 * cx + 2); ++x, ++count) {
          sr += r[y * w + x], sg += g[y * w + x], sb += b[y * w + x];
        }
      cb[static_cast<size_t>(cy * cw + cx)] = limited_cb(sr / count, sg / count, sb / count);
      cr[static_cast<size_t>(cy * cw + cx)] = limited_cr(sr / count, sg / count, sb / count);
    }
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const int64_t p = y * w + x;
      const size_t c = static_cast<size_t>((y / 2) * cw + x / 2);
      const float luma = full_range_luma(limited_luma(r[p], g[p], b[p]));
      const RgbFloat rgb = rgb_from_ycbcr(luma, full_range_chroma(cb[c]), full_range_chroma(cr[c]));
      r[p] = round_to_byte(rgb.r), g[p] = round_to_byte(rgb.g), b[p] = round_to_byte(rgb.b);
    }
}

void random_degradation(ImageRef im, std::mt19937_64 &rng, const CodecRoundtrip &codec) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  if (u(rng) < 0.3)
    sensor_noise(im, 1.0 + 5.0 * u(rng), rng);
  if (u(rng) < 0.3)
    gaussian_blur(im, 0.3 + 0.9 * u(rng));
  if (u(rng) < 0.3)
    rescale_roundtrip(im, u(rng) < 0.5 ? 0.5 + 0.4 * u(rng) : 1.2 + 0.8 * u(rng));
  if (u(rng) < 0.3)
    yuv420_roundtrip(im);
  if (codec && u(rng) < 0.4)
    codec(im, rng);
  else if (u(rng) < 0.5)
    jpeg_roundtrip(im, 30 + static_cast<int>(65 * u(rng)));
}

} // namespace gan
