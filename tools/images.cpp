// SPDX-License-Identifier: LGPL-2.1-or-later
#include "images.h"

#include "gan/error.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

namespace gan_tools {

namespace {

using SurfacePtr = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using CairoPtr = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

SurfacePtr make_surface(int width, int height) {
  SurfacePtr s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height),
               cairo_surface_destroy);
  if (cairo_surface_status(s.get()) != CAIRO_STATUS_SUCCESS)
    throw gan::Error(gan::ErrorCode::InvalidArgument, "cannot make a " + std::to_string(width) +
                                                          "x" + std::to_string(height) + " image");
  return s;
}

void save(cairo_surface_t *s, const std::string &path) {
  cairo_surface_flush(s);
  const cairo_status_t st = cairo_surface_write_to_png(s, path.c_str());
  if (st != CAIRO_STATUS_SUCCESS)
    throw gan::Error(gan::ErrorCode::Io,
                     "cannot write '" + path + "': " + cairo_status_to_string(st));
}

// A PNG as a 32-bit-per-pixel surface the core can view: cairo's RGB24/ARGB32 pixels are
// native-endian 0xAARRGGBB words, i.e. bytes B, G, R, A on little-endian machines.
SurfacePtr load_png(const std::string &path) {
  // cairo reports every PNG it cannot decode, a JPEG included, as "out of memory": look at
  // the file first so that the message says what is wrong with it.
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status))
    throw gan::Error(gan::ErrorCode::NotFound, "no such image '" + path + "'");
  if (!std::filesystem::is_regular_file(status))
    throw gan::Error(gan::ErrorCode::WrongKind, "'" + path + "' is not a regular file");
  static const unsigned char kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  unsigned char head[8] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char *>(head), sizeof head);
  if (!in || std::memcmp(head, kPngSignature, sizeof head) != 0)
    throw gan::Error(gan::ErrorCode::WrongKind,
                     "'" + path + "' is not a PNG file (gst-gan watermark reads PNG only)");
  in.close();
  SurfacePtr png(cairo_image_surface_create_from_png(path.c_str()), cairo_surface_destroy);
  const cairo_status_t st = cairo_surface_status(png.get());
  if (st == CAIRO_STATUS_FILE_NOT_FOUND)
    throw gan::Error(gan::ErrorCode::NotFound, "no such image '" + path + "'");
  if (st == CAIRO_STATUS_NO_MEMORY || st == CAIRO_STATUS_READ_ERROR)
    throw gan::Error(gan::ErrorCode::Corrupt,
                     "cannot decode the PNG file '" + path + "' (damaged or truncated)");
  if (st != CAIRO_STATUS_SUCCESS)
    throw gan::Error(gan::ErrorCode::Io,
                     "cannot read '" + path + "' as PNG: " + cairo_status_to_string(st));
  // Whatever PNG flavour came in (gray, palette, alpha), paint it on an opaque RGB24 surface.
  SurfacePtr rgb = make_surface(cairo_image_surface_get_width(png.get()),
                                cairo_image_surface_get_height(png.get()));
  CairoPtr cr(cairo_create(rgb.get()), cairo_destroy);
  cairo_set_source_surface(cr.get(), png.get(), 0, 0);
  cairo_paint(cr.get());
  cairo_surface_flush(rgb.get());
  return rgb;
}

gan::FrameView surface_view(cairo_surface_t *s) {
  gan::FrameView v;
  const uint16_t probe = 1;
  const bool little_endian = *reinterpret_cast<const uint8_t *>(&probe) == 1;
  v.format = little_endian ? gan::PixelFormat::Bgrx : gan::PixelFormat::Xrgb;
  v.width = cairo_image_surface_get_width(s);
  v.height = cairo_image_surface_get_height(s);
  v.planes[0] = cairo_image_surface_get_data(s);
  v.strides[0] = cairo_image_surface_get_stride(s);
  return v;
}

uint8_t to_byte(float v) {
  return static_cast<uint8_t>(std::lround((std::clamp(v, -1.0f, 1.0f) + 1.0f) * 127.5f));
}

void put_rgb(cairo_surface_t *s, int x, int y, uint8_t r, uint8_t g, uint8_t b) {
  auto *row = reinterpret_cast<uint32_t *>(cairo_image_surface_get_data(s) +
                                           y * cairo_image_surface_get_stride(s));
  row[x] = (uint32_t{r} << 16) | (uint32_t{g} << 8) | b;
}

std::vector<double> smooth(const std::vector<double> &v, size_t window) {
  std::vector<double> out(v.size());
  double sum = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    if (i >= window)
      sum -= v[i - window];
    out[i] = sum / static_cast<double>(std::min(i + 1, window));
  }
  return out;
}

} // namespace

void write_image_grid(const std::string &path, const float *images, int64_t n, int64_t channels,
                      int64_t height, int64_t width, int64_t columns, int scale) {
  if (n < 1 || columns < 1 || scale < 1 || (channels != 1 && channels != 3))
    throw gan::Error(gan::ErrorCode::InvalidArgument, "bad grid arguments");
  constexpr int kBorder = 2;
  columns = std::min(columns, n);
  const int64_t rows = (n + columns - 1) / columns;
  const int cell_w = static_cast<int>(width * scale + kBorder);
  const int cell_h = static_cast<int>(height * scale + kBorder);
  SurfacePtr surface = make_surface(static_cast<int>(columns * cell_w + kBorder),
                                    static_cast<int>(rows * cell_h + kBorder));
  cairo_surface_flush(surface.get());
  const int64_t plane = height * width;
  for (int64_t i = 0; i < n; ++i) {
    const float *img = images + i * channels * plane;
    const int ox = static_cast<int>((i % columns) * cell_w + kBorder);
    const int oy = static_cast<int>((i / columns) * cell_h + kBorder);
    for (int64_t y = 0; y < height * scale; ++y)
      for (int64_t x = 0; x < width * scale; ++x) {
        const int64_t p = (y / scale) * width + x / scale;
        const uint8_t r = to_byte(img[p]);
        const uint8_t g = channels == 3 ? to_byte(img[plane + p]) : r;
        const uint8_t b = channels == 3 ? to_byte(img[2 * plane + p]) : r;
        put_rgb(surface.get(), static_cast<int>(ox + x), static_cast<int>(oy + y), r, g, b);
      }
  }
  cairo_surface_mark_dirty(surface.get());
  save(surface.get(), path);
}

void write_image_png(const std::string &path, const uint8_t *chw, int64_t channels, int64_t height,
                     int64_t width) {
  SurfacePtr surface = make_surface(static_cast<int>(width), static_cast<int>(height));
  cairo_surface_flush(surface.get());
  const int64_t plane = height * width;
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      const int64_t p = y * width + x;
      const uint8_t r = chw[p];
      put_rgb(surface.get(), static_cast<int>(x), static_cast<int>(y), r,
              channels == 3 ? chw[plane + p] : r, channels == 3 ? chw[2 * plane + p] : r);
    }
  cairo_surface_mark_dirty(surface.get());
  save(surface.get(), path);
}

bool watermark_png(const std::string &in, const std::string &out, const std::string &key,
                   uint32_t payload) {
  SurfacePtr s = load_png(in);
  gan::Watermark watermark(key);
  if (!watermark.embed(surface_view(s.get()), payload))
    return false;
  cairo_surface_mark_dirty(s.get());
  save(s.get(), out);
  return true;
}

gan::WatermarkVerdict read_watermark_png(const std::string &in, const std::string &key) {
  SurfacePtr s = load_png(in);
  gan::Watermark watermark(key);
  return watermark.verify(surface_view(s.get()));
}

void write_loss_plot(const std::string &path, const std::vector<gan::StepStats> &history) {
  constexpr int kW = 900, kH = 500, kLeft = 60, kRight = 20, kTop = 30, kBottom = 45;
  SurfacePtr surface = make_surface(kW, kH);
  CairoPtr cr(cairo_create(surface.get()), cairo_destroy);
  cairo_t *c = cr.get();
  cairo_set_source_rgb(c, 1, 1, 1);
  cairo_paint(c);

  std::vector<double> d, g;
  for (const auto &s : history) {
    d.push_back(s.d_loss);
    g.push_back(s.g_loss);
  }
  double top = 1.0;
  for (double v : d)
    top = std::max(top, std::isfinite(v) ? v : 0.0);
  for (double v : g)
    top = std::max(top, std::isfinite(v) ? v : 0.0);
  top = std::min(top * 1.05, 20.0);
  const double steps = std::max<double>(1, static_cast<double>(history.size()));
  auto px = [&](double i) { return kLeft + (kW - kLeft - kRight) * i / steps; };
  auto py = [&](double v) {
    return kTop + (kH - kTop - kBottom) * (1.0 - std::clamp(v, 0.0, top) / top);
  };

  cairo_set_source_rgb(c, 0, 0, 0);
  cairo_set_line_width(c, 1);
  cairo_rectangle(c, kLeft, kTop, kW - kLeft - kRight, kH - kTop - kBottom);
  cairo_stroke(c);
  cairo_set_font_size(c, 12);
  for (int t = 0; t <= 4; ++t) {
    const double v = top * t / 4;
    char label[32];
    std::snprintf(label, sizeof label, "%.2f", v);
    cairo_move_to(c, 8, py(v) + 4);
    cairo_show_text(c, label);
    char step_label[32];
    std::snprintf(step_label, sizeof step_label, "%.0f", steps * t / 4);
    cairo_move_to(c, px(steps * t / 4) - 10, kH - kBottom + 16);
    cairo_show_text(c, step_label);
  }
  cairo_move_to(c, kW / 2 - 20, kH - 8);
  cairo_show_text(c, "step");
  cairo_move_to(c, kLeft, 20);
  cairo_show_text(c, "gst-gan training losses: discriminator (red), generator (blue)");

  const size_t window = std::max<size_t>(1, history.size() / 50);
  auto line = [&](const std::vector<double> &v, double r, double gg, double b, double alpha,
                  double width) {
    if (v.empty())
      return;
    cairo_set_source_rgba(c, r, gg, b, alpha);
    cairo_set_line_width(c, width);
    for (size_t i = 0; i < v.size(); ++i) {
      const double y = py(std::isfinite(v[i]) ? v[i] : top);
      if (i == 0)
        cairo_move_to(c, px(0), y);
      else
        cairo_line_to(c, px(static_cast<double>(i)), y);
    }
    cairo_stroke(c);
  };
  line(d, 0.85, 0.1, 0.1, 0.25, 1);
  line(g, 0.1, 0.2, 0.85, 0.25, 1);
  line(smooth(d, window), 0.85, 0.1, 0.1, 1, 2);
  line(smooth(g, window), 0.1, 0.2, 0.85, 1, 2);
  save(surface.get(), path);
}

} // namespace gan_tools
