// SPDX-License-Identifier: LGPL-2.1-or-later
// Frames in the core: drawing mosaics into every pixel format and reading model inputs back.

#include "test_util.h"

#include "gan/frame_renderer.h"
#include "gan/frames.h"
#include "gan/pixels.h"
#include "gan/preprocess.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace {

using gan::PixelFormat;

// An owned frame buffer with padded strides, as GStreamer pools often hand out.
struct OwnedFrame {
  std::vector<uint8_t> bytes[3];
  gan::FrameView view;
  OwnedFrame(PixelFormat format, int64_t w, int64_t h) {
    view.format = format;
    view.width = w;
    view.height = h;
    const int size = gan::packed_pixel_size(format);
    const int64_t cw = (w + 1) / 2, ch = (h + 1) / 2;
    const int64_t pad = 13; // odd padding: strides never equal the row size
    if (size > 0) {
      view.strides[0] = w * size + pad;
      bytes[0].assign(static_cast<size_t>(view.strides[0] * h), 0xAB);
    } else {
      view.strides[0] = w + pad;
      bytes[0].assign(static_cast<size_t>(view.strides[0] * h), 0xAB);
      if (format == PixelFormat::I420) {
        view.strides[1] = view.strides[2] = cw + pad;
        bytes[1].assign(static_cast<size_t>(view.strides[1] * ch), 0xAB);
        bytes[2].assign(static_cast<size_t>(view.strides[2] * ch), 0xAB);
      } else {
        view.strides[1] = 2 * cw + pad;
        bytes[1].assign(static_cast<size_t>(view.strides[1] * ch), 0xAB);
      }
    }
    for (int i = 0; i < 3; ++i)
      view.planes[i] = bytes[i].empty() ? nullptr : bytes[i].data();
  }
};

std::vector<float> random_images(int64_t n, int64_t c, int64_t h, int64_t w, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> level(0, 255);
  std::vector<float> v(static_cast<size_t>(n * c * h * w));
  for (float &x : v)
    x = static_cast<float>(level(rng)) / 127.5f - 1.0f; // exact 8-bit levels
  return v;
}

class FormatRoundTrip : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(FormatRoundTrip, GrayImageComesBackFromEveryFormat) {
  const PixelFormat format = GetParam();
  const std::vector<float> img = random_images(1, 1, 9, 11, 1); // odd sizes
  OwnedFrame frame(format, 11, 9);
  gan::render_mosaic(img.data(), 1, 1, 9, 11, 1, 1, gan::Scaling::Nearest, frame.view);
  std::vector<float> back;
  ASSERT_EQ(gan::frame_to_inputs(frame.view, gan::Preprocess::Resize, 1, 9, 11, 1, back), 1);
  ASSERT_EQ(back.size(), img.size());
  const bool yuv = format == PixelFormat::I420 || format == PixelFormat::Nv12;
  double worst = 0;
  for (size_t i = 0; i < img.size(); ++i)
    worst = std::max(worst, std::abs(double(back[i]) - img[i]) * 127.5);
  // Exact for RGB-family formats; YUV's limited range costs at most one or two levels.
  EXPECT_LE(worst, yuv ? 1.5 : 1e-3) << "worst error in 8-bit levels";
}

TEST_P(FormatRoundTrip, ColourImageComesBack) {
  const PixelFormat format = GetParam();
  if (format == PixelFormat::Gray8)
    GTEST_SKIP() << "GRAY8 holds no colour";
  const std::vector<float> img = random_images(1, 3, 6, 8, 2);
  OwnedFrame frame(format, 8, 6);
  gan::render_mosaic(img.data(), 1, 3, 6, 8, 1, 1, gan::Scaling::Nearest, frame.view);
  std::vector<float> back;
  gan::frame_to_inputs(frame.view, gan::Preprocess::Resize, 3, 6, 8, 1, back);
  const bool yuv = format == PixelFormat::I420 || format == PixelFormat::Nv12;
  if (yuv)
    return; // 4:2:0 chroma subsampling loses per-pixel colour by design; luma tested above
  for (size_t i = 0; i < img.size(); ++i)
    ASSERT_NEAR(back[i], img[i], 1e-4) << i;
}

INSTANTIATE_TEST_SUITE_P(AllFormats, FormatRoundTrip,
                         ::testing::Values(PixelFormat::Gray8, PixelFormat::Rgb, PixelFormat::Bgr,
                                           PixelFormat::Rgba, PixelFormat::Bgra, PixelFormat::Rgbx,
                                           PixelFormat::Bgrx, PixelFormat::Xrgb, PixelFormat::I420,
                                           PixelFormat::Nv12));

TEST(Mosaic, TilesLandInTheirCellsAndPaddingIsUntouched) {
  // Four flat 6x10 tiles: -1, -0.5, 0.5, 1 -> levels 0, 64, 191, 255 in a 2x2 mosaic of 10x6
  // (cells of 5x3: the tiles' shape, halved).
  std::vector<float> tiles;
  for (float v : {-1.0f, -0.5f, 0.5f, 1.0f})
    tiles.insert(tiles.end(), 60, v);
  OwnedFrame frame(PixelFormat::Gray8, 10, 6);
  gan::render_mosaic(tiles.data(), 4, 1, 6, 10, 2, 2, gan::Scaling::Bicubic, frame.view);
  auto at = [&](int x, int y) { return frame.view.planes[0][y * frame.view.strides[0] + x]; };
  EXPECT_EQ(at(0, 0), 0);
  EXPECT_EQ(at(9, 0), 64);
  EXPECT_EQ(at(0, 5), 191);
  EXPECT_EQ(at(9, 5), 255);
  EXPECT_EQ(frame.view.planes[0][10], 0xAB); // the stride padding is not written
}

// A colour image of the frame's own size goes straight to a packed frame (gangen's field
// frames): each byte is the canvas's, round_to_byte((clamp(v, -1, 1) + 1) * 127.5f), for the
// floats around every rounding boundary, the ends, NaN, infinities and subnormals.
TEST(Mosaic, AnImageOfTheFramesSizeIsRoundedAsTheCanvasRoundsIt) {
  std::vector<float> values = {-1.0f,
                               1.0f,
                               0.0f,
                               -0.0f,
                               std::nanf(""),
                               std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::denorm_min(),
                               -std::numeric_limits<float>::denorm_min(),
                               1.5f,
                               -7.0f};
  for (int k = 0; k <= 256; ++k) { // level k's lower boundary and its float neighbours
    const float b = (static_cast<float>(k) - 0.5f) / 127.5f - 1.0f;
    values.insert(values.end(), {std::nextafter(b, -2.0f), b, std::nextafter(b, 2.0f)});
  }
  const int64_t w = static_cast<int64_t>(values.size());
  std::vector<float> image(3 * values.size());
  for (int64_t x = 0; x < w; ++x) { // R, G, B: the values in three different orders
    image[static_cast<size_t>(x)] = values[static_cast<size_t>(x)];
    image[static_cast<size_t>(w + x)] = values[static_cast<size_t>(w - 1 - x)];
    image[static_cast<size_t>(2 * w + x)] = values[static_cast<size_t>((x * 7) % w)];
  }
  auto expected = [](float v) {
    return gan::round_to_byte((std::clamp(v, -1.0f, 1.0f) + 1.0f) * 127.5f);
  };
  for (PixelFormat f : {PixelFormat::Rgb, PixelFormat::Bgr, PixelFormat::Bgrx, PixelFormat::Xrgb,
                        PixelFormat::Rgba}) {
    OwnedFrame frame(f, w, 1);
    gan::render_mosaic(image.data(), 1, 3, 1, w, 1, 1, gan::Scaling::Bilinear, frame.view);
    const gan::PackedLayout l = gan::packed_layout(f);
    for (int64_t x = 0; x < w; ++x) {
      const uint8_t *p = frame.view.planes[0] + x * l.size;
      ASSERT_EQ(p[l.r], expected(image[static_cast<size_t>(x)])) << "x " << x;
      ASSERT_EQ(p[l.g], expected(image[static_cast<size_t>(w + x)])) << "x " << x;
      ASSERT_EQ(p[l.b], expected(image[static_cast<size_t>(2 * w + x)])) << "x " << x;
      if (l.size == 4) {
        ASSERT_EQ(p[6 - l.r - l.g - l.b], 255);
      }
    }
  }
}

TEST(Mosaic, MoreCellsThanPixelsStillFillsTheFrame) {
  const std::vector<float> tiles = random_images(12, 1, 4, 4, 3);
  OwnedFrame frame(PixelFormat::Rgb, 1, 1);
  EXPECT_NO_THROW(
      gan::render_mosaic(tiles.data(), 12, 1, 4, 4, 3, 4, gan::Scaling::Bilinear, frame.view));
  gan_test::expect_error(
      [&] {
        gan::render_mosaic(tiles.data(), 11, 1, 4, 4, 3, 4, gan::Scaling::Bilinear, frame.view);
      },
      gan::ErrorCode::InvalidArgument);
}

TEST(Preprocess, ResizeAveragesAndTilesKeepNativePixels) {
  // A 56x28 frame: left half white, right half black, plus a one-pixel checkerboard on the
  // right, which area averaging must turn into mid-grey and tiles must keep.
  OwnedFrame frame(PixelFormat::Gray8, 56, 28);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 56; ++x)
      frame.view.planes[0][y * frame.view.strides[0] + x] = x < 28 ? 255 : ((x + y) % 2 ? 255 : 0);
  std::vector<float> resized;
  ASSERT_EQ(gan::frame_to_inputs(frame.view, gan::Preprocess::Resize, 1, 28, 28, 16, resized), 1);
  EXPECT_NEAR(resized[0], 1.0f, 1e-5);             // white
  EXPECT_NEAR(resized[27 * 28 + 27], 0.0f, 0.01f); // checkerboard averaged to grey
  std::vector<float> tiles;
  ASSERT_EQ(gan::frame_to_inputs(frame.view, gan::Preprocess::Tiles, 1, 28, 28, 16, tiles), 2);
  EXPECT_NEAR(tiles[28 * 28 + 0], -1.0f, 1e-5); // second tile, pixel (0,0): black
  EXPECT_NEAR(tiles[28 * 28 + 1], 1.0f, 1e-5);  // pixel (1,0): white
  std::vector<float> crop;
  ASSERT_EQ(gan::frame_to_inputs(frame.view, gan::Preprocess::CenterCrop, 1, 28, 28, 16, crop), 1);
  EXPECT_NEAR(crop[14 * 28], 1.0f, 1e-5); // the centred 28x28 region starts in the white half
  // max_tiles caps the count; a frame smaller than a tile falls back to one resized input.
  std::vector<float> capped;
  EXPECT_EQ(gan::frame_to_inputs(frame.view, gan::Preprocess::Tiles, 1, 4, 4, 5, capped), 5);
  OwnedFrame tiny(PixelFormat::Gray8, 3, 3);
  std::vector<float> one;
  EXPECT_EQ(gan::frame_to_inputs(tiny.view, gan::Preprocess::Tiles, 1, 28, 28, 16, one), 1);
}

// The reference for shrinking: the frame as double planes in [0, 255] (the colour maths of
// gan/pixels.h), each output pixel the area average of the source pixels it covers.
std::vector<double> reference_plane(const gan::FrameView &f, int64_t channel, int64_t channels) {
  std::vector<double> p(static_cast<size_t>(f.width * f.height));
  const gan::PackedLayout layout = gan::packed_layout(f.format);
  for (int64_t y = 0; y < f.height; ++y)
    for (int64_t x = 0; x < f.width; ++x) {
      const uint8_t *row = f.planes[0] + y * f.strides[0];
      float r, g, b;
      if (layout.size > 0) {
        const uint8_t *px = row + x * layout.size;
        r = px[layout.r], g = px[layout.g], b = px[layout.b];
      } else if (channels == 1) {
        p[static_cast<size_t>(y * f.width + x)] =
            std::clamp(gan::full_range_luma(row[x]), 0.0f, 255.0f);
        continue;
      } else {
        const gan::ChromaSite c = gan::chroma_site(f, x / 2, y / 2);
        const gan::RgbFloat rgb =
            gan::rgb_from_ycbcr(gan::full_range_luma(row[x]), gan::full_range_chroma(*c.cb),
                                gan::full_range_chroma(*c.cr));
        r = std::clamp(rgb.r, 0.0f, 255.0f), g = std::clamp(rgb.g, 0.0f, 255.0f),
        b = std::clamp(rgb.b, 0.0f, 255.0f);
      }
      const float v = channels == 1  ? gan::bt601_luma(r, g, b)
                      : channel == 0 ? r
                      : channel == 1 ? g
                                     : b;
      p[static_cast<size_t>(y * f.width + x)] = v;
    }
  return p;
}

double area_average(const std::vector<double> &plane, int64_t stride, int64_t x0, int64_t y0,
                    int64_t rw, int64_t rh, int64_t w, int64_t h, int64_t ox, int64_t oy) {
  const double sx = double(rw) / double(w), sy = double(rh) / double(h);
  double acc = 0, weight = 0;
  for (int64_t y = 0; y < rh; ++y)
    for (int64_t x = 0; x < rw; ++x) {
      const double wx =
          std::max(0.0, std::min((ox + 1) * sx, x + 1.0) - std::max(ox * sx, double(x)));
      const double wy =
          std::max(0.0, std::min((oy + 1) * sy, y + 1.0) - std::max(oy * sy, double(y)));
      acc += wx * wy * plane[static_cast<size_t>((y0 + y) * stride + x0 + x)];
      weight += wx * wy;
    }
  return acc / weight / 127.5 - 1.0;
}

// The luma rows give bt601_luma's floats, bit for bit, for every RGB triple, in every packed
// layout (each has its own vectorised function), and in one no function is made for.
TEST(Preprocess, LumaRowsEqualBt601LumaForEveryColour) {
  struct Layout {
    int size, r, g, b;
  };
  for (const Layout l :
       {Layout{3, 0, 1, 2}, Layout{3, 2, 1, 0}, Layout{4, 0, 1, 2}, Layout{4, 2, 1, 0},
        Layout{4, 1, 2, 3}, Layout{4, 3, 2, 1}, Layout{4, 1, 0, 3}}) {
    const bool every = l.size == 3 && l.r == 0; // all 2^24 colours once; a sample for the rest
    std::vector<uint8_t> row(static_cast<size_t>(256 * l.size), 7);
    std::vector<float> luma(256);
    int64_t differ = 0;
    for (int r = 0; r < 256; r += every ? 1 : 5)
      for (int g = 0; g < 256; g += every ? 1 : 3) {
        for (int b = 0; b < 256; ++b) {
          uint8_t *p = row.data() + b * l.size;
          p[l.r] = static_cast<uint8_t>(r), p[l.g] = static_cast<uint8_t>(g),
          p[l.b] = static_cast<uint8_t>(b);
        }
        gan::bt601_luma_row(row.data(), l.size, l.r, l.g, l.b, 256, luma.data());
        for (int b = 0; b < 256; ++b)
          differ +=
              luma[static_cast<size_t>(b)] !=
              gan::bt601_luma(static_cast<float>(r), static_cast<float>(g), static_cast<float>(b));
      }
    EXPECT_EQ(differ, 0) << l.size << l.r << l.g << l.b;
  }
}

class ShrinkFromPixels : public ::testing::TestWithParam<PixelFormat> {};

// The streaming path reads the frame's pixels once, without float planes of the frame; it must
// give what area averaging of those planes gives, for every format, mode and odd ratio.
TEST_P(ShrinkFromPixels, EqualsAreaAveragingOfTheFramePlanes) {
  const PixelFormat format = GetParam();
  OwnedFrame frame(format, 37, 23);
  std::mt19937 rng(7);
  for (auto &plane : frame.bytes)
    for (uint8_t &b : plane)
      b = static_cast<uint8_t>(rng());
  const gan::FrameView &f = frame.view;
  for (int64_t channels : {1, 3}) {
    std::vector<std::vector<double>> planes;
    for (int64_t c = 0; c < channels; ++c)
      planes.push_back(reference_plane(f, c, channels));
    struct Case {
      gan::Preprocess mode;
      int64_t h, w;
      int64_t x0, y0, rw, rh; // the region the mode takes (whole frame unless cropped)
    };
    // 37x23 -> 9x7 (ratios 4.11, 3.29); the centred crop of a square model: 23x23 at x 7;
    // tiles of 10x10: 3x2 of them from (3, 1), the first one checked.
    for (const Case &k : {Case{gan::Preprocess::Resize, 7, 9, 0, 0, 37, 23},
                          Case{gan::Preprocess::CenterCrop, 6, 6, 7, 0, 23, 23},
                          Case{gan::Preprocess::Tiles, 10, 10, 3, 1, 10, 10},
                          Case{gan::Preprocess::Resize, 23, 37, 0, 0, 37, 23}}) {
      std::vector<float> got;
      gan::frame_to_inputs(f, k.mode, channels, k.h, k.w, 16, got);
      double worst = 0;
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t oy = 0; oy < k.h; ++oy)
          for (int64_t ox = 0; ox < k.w; ++ox) {
            const double want = area_average(planes[static_cast<size_t>(c)], f.width, k.x0, k.y0,
                                             k.rw, k.rh, k.w, k.h, ox, oy);
            worst = std::max(worst,
                             std::abs(want - got[static_cast<size_t>((c * k.h + oy) * k.w + ox)]));
          }
      EXPECT_LT(worst * 127.5, 1e-3) << "levels; channels " << channels << ", mode "
                                     << static_cast<int>(k.mode) << ", " << k.w << "x" << k.h;
    }
    // Enlarged (both axes): bilinear on the frame's planes.
    std::vector<float> big;
    gan::frame_to_inputs(f, gan::Preprocess::Resize, channels, 46, 74, 1, big);
    double worst = 0;
    for (int64_t c = 0; c < channels; ++c) {
      const std::vector<float> plane(planes[static_cast<size_t>(c)].begin(),
                                     planes[static_cast<size_t>(c)].end());
      for (int64_t oy = 0; oy < 46; ++oy)
        for (int64_t ox = 0; ox < 74; ++ox) {
          const double want = gan::sample_bilinear(plane.data(), f.width, f.width, f.height,
                                                   gan::source_coordinate(ox, 0.5),
                                                   gan::source_coordinate(oy, 0.5)) /
                                  127.5 -
                              1.0;
          worst =
              std::max(worst, std::abs(want - big[static_cast<size_t>((c * 46 + oy) * 74 + ox)]));
        }
    }
    EXPECT_LT(worst * 127.5, 1e-3) << "levels; channels " << channels << ", enlarged";
    // Letterbox: 37x23 into 16x16 puts the frame, shrunk to 16x10, at rows 3..12, black around.
    std::vector<float> boxed;
    gan::frame_to_inputs(f, gan::Preprocess::Letterbox, channels, 16, 16, 1, boxed);
    EXPECT_EQ(boxed[0], -1.0f);
    EXPECT_NEAR(boxed[3 * 16 + 5], area_average(planes[0], f.width, 0, 0, 37, 23, 16, 10, 5, 0),
                1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, ShrinkFromPixels,
                         ::testing::Values(PixelFormat::Gray8, PixelFormat::Rgb, PixelFormat::Bgr,
                                           PixelFormat::Rgba, PixelFormat::Bgra, PixelFormat::Rgbx,
                                           PixelFormat::Bgrx, PixelFormat::Xrgb, PixelFormat::I420,
                                           PixelFormat::Nv12));

} // namespace

// The renderer: frame n is the same whatever the batch and the order frames are asked in, and a
// static stream runs the generator once.
TEST(FrameRenderer, FramesDependOnTheirIndexOnlyAndStillsAreMadeOnce) {
  gan_test::TempDir dir;
  gan_test::save_untrained_mlp(dir.file("g.gan"), 3, 6, 10);
  auto render = [&](gan::FrameRenderer &r, const gan::RenderSettings &s, uint64_t n,
                    int64_t *made = nullptr) {
    std::vector<uint8_t> rgb(50 * 40 * 3);
    gan::FrameView v;
    v.format = gan::PixelFormat::Rgb;
    v.width = 50, v.height = 40;
    v.planes[0] = rgb.data();
    v.strides[0] = 150;
    const int64_t m = r.render(s, n, v);
    if (made)
      *made = m;
    return rgb;
  };
  gan::FrameRenderer one(gan::Generator::load(dir.file("g.gan")));
  gan::FrameRenderer batched(gan::Generator::load(dir.file("g.gan")));
  gan::RenderSettings s;
  s.seed = 9, s.rows = 2, s.columns = 3, s.motion = gan::Motion::Random;
  gan::RenderSettings b = s;
  b.batch_size = 4;
  int64_t made = 0;
  EXPECT_EQ(render(one, s, 5), render(batched, b, 5, &made));
  EXPECT_EQ(made, 4); // frames 5..8 in one batch
  EXPECT_EQ(render(one, s, 7), render(batched, b, 7, &made));
  EXPECT_EQ(made, 0);                                         // from the cache
  EXPECT_EQ(render(one, s, 2), render(batched, b, 2, &made)); // a seek back
  EXPECT_EQ(made, 4);
  EXPECT_NE(render(one, s, 2), render(one, s, 3));

  gan::RenderSettings still = b;
  still.motion = gan::Motion::Static;
  const auto first = render(batched, still, 0, &made);
  EXPECT_EQ(made, 1);
  for (uint64_t n : {1u, 40u, 3u}) {
    EXPECT_EQ(render(batched, still, n, &made), first);
    EXPECT_EQ(made, 0) << "frame " << n;
  }
}

// Issue 32, defect 4: a batch made batch-size frames whatever was wanted (16 frames of a 64x64
// mosaic: 65 536 samples in one pass for one frame). It stops at the frames left and at
// kMaxBatchSamples samples a pass.
TEST(FrameRenderer, ABatchStopsAtTheFramesLeftAndTheSampleBudget) {
  gan::RenderSettings s;
  s.batch_size = 16;
  EXPECT_EQ(gan::FrameRenderer::batch_frames(s), 16);
  s.frames_left = 3;
  EXPECT_EQ(gan::FrameRenderer::batch_frames(s), 3);
  s.frames_left = 0; // asked for anyway (a caller's last frame): one
  EXPECT_EQ(gan::FrameRenderer::batch_frames(s), 1);
  s.frames_left = -1;
  s.rows = s.columns = 64;
  EXPECT_EQ(gan::FrameRenderer::batch_frames(s), 1);
  s.rows = s.columns = 16; // 256 samples a frame: 16 frames fit 4096
  EXPECT_EQ(gan::FrameRenderer::batch_frames(s), 16);
  s.rows = 32; // 512: 8 frames
  EXPECT_EQ(gan::FrameRenderer::batch_frames(s), 8);
  s.batch_size = 256, s.rows = s.columns = 1;
  EXPECT_EQ(gan::FrameRenderer::batch_frames(s), 256);

  gan_test::TempDir dir;
  gan_test::save_untrained_mlp(dir.file("g.gan"), 1, 8, 8);
  gan::FrameRenderer renderer(gan::Generator::load(dir.file("g.gan")));
  std::vector<uint8_t> grey(64 * 64);
  gan::FrameView v;
  v.format = gan::PixelFormat::Gray8;
  v.width = v.height = 64;
  v.planes[0] = grey.data();
  v.strides[0] = 64;
  gan::RenderSettings m;
  m.batch_size = 16, m.rows = m.columns = 64, m.motion = gan::Motion::Random;
  EXPECT_EQ(renderer.render(m, 0, v), 1); // one frame of 4096 samples, not 16
  m.rows = m.columns = 1, m.frames_left = 2;
  EXPECT_EQ(renderer.render(m, 0, v), 2);
}
