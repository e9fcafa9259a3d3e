// SPDX-License-Identifier: LGPL-2.1-or-later
// The provenance watermark: the core (round trip in every format and odd layouts, invisibility,
// keys, the checksum, no false marks on unmarked frames, robustness to JPEG, brightness and
// contrast, the vote) and the elements (gangen marks, gandetect reads through JPEG and VP8,
// ganmark labels any stream, tags survive muxing as gst-discoverer-1.0 reads them).
// Loose versions of the goals bench/watermark.sh measures, so a regression fails here.

#include "gst_util.h"

#include "gan/augment.h"
#include "gan/watermark.h"
#include "gan/watermark_v2.h"

#include <gst/gan/gstganmeta.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace {

using gan::PixelFormat;
using gan_test::RunResult;

// A frame buffer in any of the core's formats, rows padded to `stride_pad` extra bytes.
struct TestFrame {
  std::vector<uint8_t> bytes;
  gan::FrameView view;

  TestFrame(PixelFormat format, int64_t width, int64_t height, int64_t stride_pad = 0) {
    view.format = format;
    view.width = width;
    view.height = height;
    const int size = gan::packed_pixel_size(format);
    if (size > 0) {
      view.strides[0] = width * size + stride_pad;
      bytes.assign(static_cast<size_t>(view.strides[0] * height), 0);
      view.planes[0] = bytes.data();
      return;
    }
    const int64_t cw = (width + 1) / 2, ch = (height + 1) / 2;
    view.strides[0] = width + stride_pad;
    view.strides[1] = (format == PixelFormat::I420 ? cw : 2 * cw) + stride_pad;
    view.strides[2] = format == PixelFormat::I420 ? cw + stride_pad : 0;
    const size_t luma = static_cast<size_t>(view.strides[0] * height);
    const size_t chroma = static_cast<size_t>(view.strides[1] * ch);
    bytes.assign(luma + chroma + static_cast<size_t>(view.strides[2] * ch), 128);
    view.planes[0] = bytes.data();
    view.planes[1] = bytes.data() + luma;
    view.planes[2] = format == PixelFormat::I420 ? bytes.data() + luma + chroma : nullptr;
  }

  // A picture with edges, gradients and texture (seeded), in every channel.
  void paint(uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    const double cx = u(rng) * view.width, cy = u(rng) * view.height;
    const double r = (0.2 + 0.3 * u(rng)) * view.height;
    std::normal_distribution<double> noise(0, 6);
    const int size = gan::packed_pixel_size(view.format);
    for (int64_t y = 0; y < view.height; ++y)
      for (int64_t x = 0; x < view.width; ++x) {
        const double d = std::hypot(x - cx, y - cy);
        const double base = (d < r ? 190.0 : 40.0) + 40.0 * x / view.width + noise(rng);
        const uint8_t v = static_cast<uint8_t>(std::clamp(base, 0.0, 255.0));
        uint8_t *row = view.planes[0] + y * view.strides[0];
        if (size == 0) {
          row[x] = v;
        } else {
          for (int c = 0; c < size; ++c)
            row[x * size + c] = static_cast<uint8_t>(std::clamp(v + 10 * c - 10, 0, 255));
        }
      }
  }

  // Luma as the watermark sees it, for PSNR.
  std::vector<double> luma() const {
    std::vector<double> out;
    const int size = gan::packed_pixel_size(view.format);
    for (int64_t y = 0; y < view.height; ++y)
      for (int64_t x = 0; x < view.width; ++x) {
        const uint8_t *p = view.planes[0] + y * view.strides[0] + x * std::max(size, 1);
        out.push_back(size <= 1 ? p[0] : 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]);
      }
    return out;
  }
};

double psnr(const std::vector<double> &a, const std::vector<double> &b) {
  double mse = 0;
  for (size_t i = 0; i < a.size(); ++i)
    mse += (a[i] - b[i]) * (a[i] - b[i]);
  mse /= static_cast<double>(a.size());
  return mse > 0 ? 10 * std::log10(255.0 * 255.0 / mse) : 99.0;
}

// The share of coded bits a reading gets right: version 2 on the whole frame, or version 1.
double bit_accuracy(const gan::WatermarkReading &r, uint32_t payload, const std::string &key,
                    int version = 2) {
  const uint64_t code = gan::watermark_code(payload, key);
  std::array<double, gan::kWatermarkBits> soft{};
  if (version == 2) {
    const gan::watermark_v2::Decoded d = gan::watermark_v2::decode_at(
        r.canonical, gan::watermark_v2::layout_for(key), gan::watermark_v2::Placement{});
    std::copy_n(d.correlation.begin(), soft.size(), soft.begin());
  } else {
    soft = r.correlation;
  }
  int right = 0;
  for (int i = 0; i < gan::kWatermarkBits; ++i)
    right += (soft[static_cast<size_t>(i)] > 0) == static_cast<bool>((code >> i) & 1);
  return right / static_cast<double>(gan::kWatermarkBits);
}

// A Gray8 frame resampled to w x h (area average down, bilinear up), as videoscale would.
TestFrame rescaled(const TestFrame &in, int64_t w, int64_t h) {
  TestFrame out(PixelFormat::Gray8, w, h);
  const gan::FrameView &v = in.view;
  const double sx = static_cast<double>(v.width) / w, sy = static_cast<double>(v.height) / h;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      double value;
      if (sx >= 1 && sy >= 1) { // area: the source pixels the target covers, weighted
        double sum = 0, area = 0;
        for (int64_t yy = static_cast<int64_t>(y * sy);
             yy < std::min<double>((y + 1) * sy, v.height); ++yy)
          for (int64_t xx = static_cast<int64_t>(x * sx);
               xx < std::min<double>((x + 1) * sx, v.width); ++xx) {
            const double wy = std::min<double>(yy + 1, (y + 1) * sy) - std::max<double>(yy, y * sy);
            const double wx = std::min<double>(xx + 1, (x + 1) * sx) - std::max<double>(xx, x * sx);
            sum += wx * wy * v.planes[0][yy * v.strides[0] + xx];
            area += wx * wy;
          }
        value = sum / area;
      } else {
        const double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, v.width - 1.0);
        const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, v.height - 1.0);
        const int64_t x0 = std::min<int64_t>(static_cast<int64_t>(fx), v.width - 2);
        const int64_t y0 = std::min<int64_t>(static_cast<int64_t>(fy), v.height - 2);
        const double ax = fx - x0, ay = fy - y0;
        auto at = [&](int64_t yy, int64_t xx) { return v.planes[0][yy * v.strides[0] + xx]; };
        value = (1 - ay) * ((1 - ax) * at(y0, x0) + ax * at(y0, x0 + 1)) +
                ay * ((1 - ax) * at(y0 + 1, x0) + ax * at(y0 + 1, x0 + 1));
      }
      out.view.planes[0][y * out.view.strides[0] + x] = static_cast<uint8_t>(std::lround(value));
    }
  return out;
}

// The w x h region of a Gray8 frame from (x0, y0), copied.
TestFrame cropped(const TestFrame &in, int64_t x0, int64_t y0, int64_t w, int64_t h) {
  TestFrame out(PixelFormat::Gray8, w, h);
  for (int64_t y = 0; y < h; ++y)
    std::copy_n(in.view.planes[0] + (y0 + y) * in.view.strides[0] + x0, w,
                out.view.planes[0] + y * out.view.strides[0]);
  return out;
}

struct FormatCase {
  PixelFormat format;
  int64_t width, height, pad;
  const char *name;
};

class WatermarkFormats : public ::testing::TestWithParam<FormatCase> {};

TEST_P(WatermarkFormats, RoundTripsInvisiblyAndTouchesNoPaddingNorChroma) {
  const FormatCase c = GetParam();
  TestFrame f(c.format, c.width, c.height, c.pad);
  f.paint(7);
  const TestFrame before = f;
  const std::vector<double> luma_before = f.luma();
  gan::Watermark wm("test-key");
  ASSERT_TRUE(wm.embed(f.view, 0x12345678u));
  EXPECT_GE(psnr(luma_before, f.luma()), 38.0);
  const gan::WatermarkReading r = wm.read(f.view);
  ASSERT_TRUE(r.usable);
  EXPECT_EQ(bit_accuracy(r, 0x12345678u, "test-key"), 1.0);
  const gan::WatermarkVerdict v = gan::decide(r, "test-key");
  EXPECT_TRUE(v.found);
  EXPECT_EQ(v.version, 2);
  EXPECT_FALSE(v.searched);
  EXPECT_TRUE(v.checksum_ok);
  EXPECT_EQ(v.payload, 0x12345678u);
  EXPECT_GE(v.score, 4.0);

  // Padding bytes and chroma planes are left alone.
  const int size = gan::packed_pixel_size(c.format);
  for (int64_t y = 0; y < c.height; ++y)
    for (int64_t i = c.width * std::max(size, 1); i < f.view.strides[0]; ++i) {
      const size_t at = static_cast<size_t>(y * f.view.strides[0] + i);
      ASSERT_EQ(f.bytes[at], before.bytes[at]);
    }
  if (size == 0) {
    const size_t luma_bytes = static_cast<size_t>(f.view.strides[0] * c.height);
    EXPECT_TRUE(std::equal(f.bytes.begin() + static_cast<std::ptrdiff_t>(luma_bytes), f.bytes.end(),
                           before.bytes.begin() + static_cast<std::ptrdiff_t>(luma_bytes)));
  }
  if (size == 4) { // the alpha/x byte too
    const int skip = c.format == PixelFormat::Xrgb ? 0 : 3;
    for (int64_t y = 0; y < c.height; ++y)
      for (int64_t x = 0; x < c.width; ++x) {
        const size_t at = static_cast<size_t>(y * f.view.strides[0] + x * 4 + skip);
        ASSERT_EQ(f.bytes[at], before.bytes[at]);
      }
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, WatermarkFormats,
    ::testing::Values(FormatCase{PixelFormat::Gray8, 320, 240, 0, "GRAY8"},
                      FormatCase{PixelFormat::Rgb, 203, 149, 3, "RGB_odd_padded"},
                      FormatCase{PixelFormat::Bgr, 256, 128, 0, "BGR"},
                      FormatCase{PixelFormat::Rgba, 200, 180, 8, "RGBA_padded"},
                      FormatCase{PixelFormat::Bgrx, 160, 160, 0, "BGRx"},
                      FormatCase{PixelFormat::Xrgb, 144, 136, 0, "xRGB"},
                      FormatCase{PixelFormat::I420, 641, 359, 5, "I420_odd_padded"},
                      FormatCase{PixelFormat::Nv12, 128, 128, 0, "NV12_smallest"}),
    [](const ::testing::TestParamInfo<FormatCase> &i) { return std::string(i.param.name); });

TEST(Watermark, TooSmallOrEmptyFramesAreLeftAloneOrRefused) {
  TestFrame small(PixelFormat::Rgb, 127, 400);
  small.paint(1);
  const std::vector<uint8_t> before = small.bytes;
  gan::Watermark wm("k");
  EXPECT_FALSE(gan::watermark_fits(127, 400));
  EXPECT_FALSE(wm.embed(small.view, 1));
  EXPECT_EQ(small.bytes, before);
  EXPECT_FALSE(wm.read(small.view).usable);
  EXPECT_FALSE(gan::decide(wm.read(small.view), "k").found);

  gan::FrameView empty;
  gan_test::expect_error([&] { wm.embed(empty, 1); }, gan::ErrorCode::InvalidArgument);
  gan_test::expect_error([&] { wm.read(empty); }, gan::ErrorCode::InvalidArgument);
  gan_test::expect_error([] { gan::Watermark bad("k", 3); }, gan::ErrorCode::InvalidArgument);
}

TEST(Watermark, OnlyTheKeyReadsItAndTheSameInputsGiveTheSameMark) {
  TestFrame a(PixelFormat::Gray8, 256, 256), b(PixelFormat::Gray8, 256, 256);
  a.paint(3);
  b.paint(3);
  gan::Watermark one("alpha"), again("alpha");
  one.embed(a.view, 99);
  again.embed(b.view, 99);
  EXPECT_EQ(a.bytes, b.bytes); // deterministic: a pure function of (frame, key, payload)
  gan::Watermark other("beta");
  const gan::WatermarkVerdict v = other.verify(a.view);
  EXPECT_FALSE(v.found);
  EXPECT_LT(v.score, 4.0);
  EXPECT_TRUE(one.verify(a.view).found);
  EXPECT_NE(gan::watermark_code(99, "alpha"), gan::watermark_code(99, "beta"));
}

TEST(Watermark, TheChecksumCatchesAnyWrongBit) {
  gan::WatermarkReading r;
  r.usable = true;
  const uint64_t code = gan::watermark_code(0xcafef00du, "k");
  for (int i = 0; i < gan::kWatermarkBits; ++i)
    r.correlation[static_cast<size_t>(i)] = ((code >> i) & 1) ? 3.0 : -3.0;
  gan::WatermarkVerdict v = gan::decide(r, "k");
  ASSERT_TRUE(v.found);
  EXPECT_EQ(v.payload, 0xcafef00du);
  for (int i = 0; i < gan::kWatermarkBits; ++i) {
    gan::WatermarkReading flipped = r;
    flipped.correlation[static_cast<size_t>(i)] *= -1;
    v = gan::decide(flipped, "k");
    EXPECT_FALSE(v.checksum_ok) << "bit " << i;
    EXPECT_FALSE(v.found) << "bit " << i;
  }
  // A version 2 reading of the wrong size is refused, not read past its end.
  gan::WatermarkReading short_grid = r;
  short_grid.canonical.assign(100, 1.0f);
  gan_test::expect_error([&] { gan::decide(short_grid, "k"); }, gan::ErrorCode::InvalidArgument);
  // A bit that read no signal at all (a flat area) is not a coin toss: not found.
  gan::WatermarkReading flat = r;
  flat.correlation[5] = 0;
  v = gan::decide(flat, "k");
  EXPECT_FALSE(v.found);
}

// The loose version of the false-positive measurement: no unmarked frame reads as marked, and
// the score looks like N(0, 1) (the bench measures >= 10k frames).
TEST(Watermark, UnmarkedFramesAreNotFound) {
  gan::Watermark wm(gan::kWatermarkDefaultKey);
  std::mt19937 rng(11);
  int found = 0;
  double sum = 0, sum2 = 0;
  const int n = 400;
  for (int i = 0; i < n; ++i) {
    TestFrame f(PixelFormat::Gray8, 160, 128);
    if (i % 2) {
      f.paint(static_cast<uint32_t>(i));
    } else {
      for (uint8_t &b : f.bytes)
        b = static_cast<uint8_t>(rng() & 0xff);
    }
    const gan::WatermarkVerdict v = wm.verify(f.view);
    found += v.found ? 1 : 0;
    sum += v.score;
    sum2 += v.score * v.score;
  }
  EXPECT_EQ(found, 0);
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_LT(std::abs(mean), 0.3);
  EXPECT_GT(sd, 0.7);
  EXPECT_LT(sd, 1.3);
  // A flat frame has nothing to correlate.
  TestFrame flat(PixelFormat::Gray8, 200, 200);
  EXPECT_FALSE(wm.verify(flat.view).found);
}

TEST(Watermark, SurvivesJpeg75BrightnessAndContrast) {
  gan::Watermark wm("k");
  double accuracy = 0;
  int found = 0;
  const int n = 10;
  for (int i = 0; i < n; ++i) {
    TestFrame f(PixelFormat::Gray8, 320, 240);
    f.paint(static_cast<uint32_t>(100 + i));
    wm.embed(f.view, 4242);
    gan::jpeg_roundtrip({f.bytes.data(), 1, 240, 320}, 75);
    const gan::WatermarkReading r = wm.read(f.view);
    accuracy += bit_accuracy(r, 4242, "k") / n;
    const gan::WatermarkVerdict v = gan::decide(r, "k");
    found += v.found && v.payload == 4242 ? 1 : 0;
  }
  EXPECT_GE(accuracy, 0.95);
  EXPECT_GE(found, 8);

  TestFrame f(PixelFormat::Gray8, 320, 240);
  f.paint(5);
  wm.embed(f.view, 77);
  for (uint8_t &b : f.bytes) // contrast 0.85, brightness +20
    b = static_cast<uint8_t>(std::clamp(std::lround(0.85 * b + 20), 0L, 255L));
  const gan::WatermarkVerdict v = wm.verify(f.view);
  EXPECT_TRUE(v.found);
  EXPECT_EQ(v.payload, 77u);
}

TEST(Watermark, TheVoteRecoversAMarkTooWeakForOneFrame) {
  gan::Watermark wm("k");
  gan::WatermarkVote vote(30);
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0, 40);
  int single_found = 0;
  gan::WatermarkVerdict last;
  for (int i = 0; i < 30; ++i) {
    TestFrame f(PixelFormat::Gray8, 128, 128);
    f.paint(static_cast<uint32_t>(i));
    wm.embed(f.view, 31337);
    for (uint8_t &b : f.bytes) // heavy noise: single frames lose the mark
      b = static_cast<uint8_t>(std::clamp(b + noise(rng), 0.0, 255.0));
    const gan::WatermarkReading r = wm.read(f.view);
    single_found += gan::decide(r, "k").found ? 1 : 0;
    last = vote.push(r, "k");
  }
  EXPECT_LT(single_found, 15);
  EXPECT_TRUE(last.found);
  EXPECT_EQ(last.payload, 31337u);
  EXPECT_EQ(vote.frames(), 30);
  vote.reset();
  EXPECT_EQ(vote.frames(), 0);
  // A still, unmarked picture summed over the window is still unmarked.
  TestFrame still(PixelFormat::Gray8, 256, 192);
  still.paint(9);
  gan::WatermarkVerdict v;
  for (int i = 0; i < 30; ++i)
    v = vote.push(wm.read(still.view), "k");
  EXPECT_FALSE(v.found);
}

// Version 2's reason to be: the mark survives what platforms do to frames (loose versions of
// bench/watermark.sh's rows): rescaling, aspect changes, crops off the 8x8 grid, crop + rescale
// + JPEG. Cropped frames are found by the placement search, which reports where they lie.
TEST(Watermark, SurvivesRescalingAspectChangesAndCrops) {
  gan::Watermark wm("k");
  int checked = 0;
  for (uint32_t seed : {21u, 22u, 23u}) {
    TestFrame f(PixelFormat::Gray8, 640, 480);
    f.paint(seed);
    ASSERT_TRUE(wm.embed(f.view, 0xfeed));
    auto found = [&](const TestFrame &t, const char *what) {
      const gan::WatermarkVerdict v = wm.verify(t.view);
      EXPECT_TRUE(v.found && v.payload == 0xfeed && v.version == 2) << what << ", seed " << seed;
      ++checked;
      return v;
    };
    found(rescaled(f, 320, 240), "0.5x");
    found(rescaled(f, 256, 192), "0.4x");
    found(rescaled(f, 960, 720), "1.5x");
    found(rescaled(f, 640, 360), "640x480 -> 640x360");
    const gan::WatermarkVerdict crop = found(cropped(f, 37, 21, 576, 432), "crop 10%");
    EXPECT_TRUE(crop.searched);
    EXPECT_NEAR(crop.offset_x, 37.0 / 640, 0.01);
    EXPECT_NEAR(crop.offset_y, 21.0 / 480, 0.01);
    EXPECT_NEAR(crop.scale_x, 0.9, 0.01);
    TestFrame small = rescaled(cropped(f, 13, 30, 600, 440), 450, 330);
    gan::jpeg_roundtrip({small.bytes.data(), 1, 330, 450}, 75);
    found(small, "crop + 0.75x + JPEG 75");
  }
  EXPECT_EQ(checked, 18);
}

// A stream that keeps its crop: found from its first frame (the search is due then), and on
// every later frame at the placement found (the search does not run again while it reads).
TEST(Watermark, AStreamKeepsTheCropItFound) {
  gan::Watermark wm("k");
  gan::WatermarkStream stream(1, 10);
  int found = 0, searched = 0;
  for (uint32_t i = 0; i < 12; ++i) {
    TestFrame f(PixelFormat::Gray8, 640, 480);
    f.paint(40 + i);
    ASSERT_TRUE(wm.embed(f.view, 555));
    const gan::WatermarkVerdict v = stream.push(wm.read(cropped(f, 41, 17, 580, 436).view), "k");
    found += v.found && v.payload == 555;
    searched += v.searched;
  }
  EXPECT_GE(found, 11);
  EXPECT_EQ(searched, found); // every one at a searched placement: the frames are cropped
  // Unmarked frames after a reset: never found.
  stream.reset();
  for (uint32_t i = 0; i < 25; ++i) {
    TestFrame f(PixelFormat::Gray8, 320, 240);
    f.paint(90 + i);
    EXPECT_FALSE(stream.push(wm.read(f.view), "k").found);
  }
}

// Frames marked by gst-gan 0.x (version 1) still read.
TEST(Watermark, Version1MarksStillRead) {
  TestFrame f(PixelFormat::I420, 320, 240);
  f.paint(4);
  gan::Watermark old("k", 1);
  ASSERT_TRUE(old.embed(f.view, 1234));
  const gan::WatermarkReading r = gan::Watermark("k").read(f.view);
  EXPECT_EQ(bit_accuracy(r, 1234, "k", 1), 1.0);
  const gan::WatermarkVerdict v = gan::decide(r, "k");
  EXPECT_TRUE(v.found);
  EXPECT_EQ(v.version, 1);
  EXPECT_EQ(v.payload, 1234u);
}

// A stream reads version 1 on its first frame and then at most every search_every frames while
// it has not found it; once found, on every frame.
TEST(Watermark, AStreamReadsVersion1WhereItFindsIt) {
  gan::Watermark reader("k"), old("k", 1);
  gan::WatermarkStream stream(1, 10);
  gan::WatermarkReading r;
  int read = 0;
  for (uint32_t i = 0; i < 30; ++i) { // unmarked: frames 0, 10, 20
    TestFrame f(PixelFormat::I420, 320, 240);
    f.paint(200 + i);
    const bool wants = stream.wants_version1();
    reader.read(f.view, r, wants);
    EXPECT_EQ(r.read_version1, wants);
    read += r.read_version1;
    EXPECT_FALSE(stream.push(r, "k").found);
  }
  EXPECT_EQ(read, 3);
  int found = 0;
  for (uint32_t i = 0; i < 20; ++i) { // version 1 marks: found within 10 frames, then on each
    TestFrame f(PixelFormat::I420, 320, 240);
    f.paint(300 + i);
    ASSERT_TRUE(old.embed(f.view, 77));
    reader.read(f.view, r, stream.wants_version1());
    const gan::WatermarkVerdict v = stream.push(r, "k");
    found += v.found && v.version == 1 && v.payload == 77;
  }
  EXPECT_GE(found, 11);
}

// Elements ---------------------------------------------------------------------------------

std::vector<const GstStructure *> messages(const RunResult &r, const char *name) {
  std::vector<const GstStructure *> out;
  for (const GstStructure *s : r.element_messages)
    if (gst_structure_has_name(s, name))
      out.push_back(s);
  return out;
}

struct MarkResult {
  int frames = 0, read = 0, found = 0, right_payload = 0, decided_by_watermark = 0;
  int found_from = -1; // first frame from which every frame was found
};

MarkResult mark_results(const RunResult &r, guint payload) {
  MarkResult m;
  for (const GstStructure *s : messages(r, "gandetect")) {
    gboolean read = FALSE, found = FALSE, is_fake = FALSE;
    guint got = 0;
    const gchar *decided = nullptr;
    gst_structure_get(s, "watermark-read", G_TYPE_BOOLEAN, &read, "watermark-found", G_TYPE_BOOLEAN,
                      &found, "watermark-payload", G_TYPE_UINT, &got, "is-fake", G_TYPE_BOOLEAN,
                      &is_fake, NULL);
    decided = gst_structure_get_string(s, "decided-by");
    m.read += read ? 1 : 0;
    m.found += found ? 1 : 0;
    m.right_payload += found && got == payload ? 1 : 0;
    if (found) {
      EXPECT_TRUE(is_fake);
      EXPECT_STREQ(decided, "watermark");
      ++m.decided_by_watermark;
      if (m.found_from < 0)
        m.found_from = m.frames;
    } else {
      m.found_from = -1;
    }
    ++m.frames;
  }
  return m;
}

const std::string kGen = "gangen num-buffers=40 rows=4 columns=6 ! "
                         "video/x-raw,width=320,height=240,framerate=30/1 ! ";

TEST(WatermarkElements, GangenMarksEveryFrameAndGandetectReadsIt) {
  GstHarness *h = gst_harness_new_parse("gangen num-buffers=2 rows=4 columns=6");
  gst_harness_set_sink_caps_str(h, "video/x-raw,width=320,height=240,format=I420");
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  const auto *meta = reinterpret_cast<const GstGanSyntheticMeta *>(
      gst_buffer_get_meta(b, g_type_from_name("GstGanSyntheticMetaAPI")));
  ASSERT_NE(meta, nullptr);
  EXPECT_TRUE(meta->watermarked);
  EXPECT_EQ(meta->watermark_payload, gan::watermark_payload_for(meta->model_id));
  const guint payload = meta->watermark_payload;
  gst_buffer_unref(b);
  gst_harness_teardown(h);

  RunResult clean, off, jpeg;
  gan_test::run_pipeline(kGen + "gandetect ! appsink name=sink", clean);
  ASSERT_EQ(clean.error, nullptr) << clean.error->message;
  MarkResult m = mark_results(clean, payload);
  EXPECT_EQ(m.frames, 40);
  EXPECT_EQ(m.read, 40);
  EXPECT_EQ(m.right_payload, 40);

  gan_test::run_pipeline("gangen watermark=false num-buffers=20 rows=4 columns=6 ! "
                         "video/x-raw,width=320,height=240 ! gandetect ! appsink name=sink",
                         off);
  m = mark_results(off, payload);
  EXPECT_EQ(m.read, 20);
  EXPECT_EQ(m.found, 0);

  gan_test::run_pipeline(kGen + "jpegenc quality=75 ! jpegdec ! videoconvert ! "
                                "gandetect ! appsink name=sink",
                         jpeg);
  ASSERT_EQ(jpeg.error, nullptr) << jpeg.error->message;
  m = mark_results(jpeg, payload);
  EXPECT_GE(m.right_payload, 36) << "of 40 frames after JPEG 75";
  EXPECT_EQ(m.found, m.right_payload);

  // A key gandetect does not hold reads nothing; an empty key reads nothing at all.
  RunResult wrong, none;
  gan_test::run_pipeline(kGen + "gandetect watermark-key=other ! appsink name=sink", wrong);
  EXPECT_EQ(mark_results(wrong, payload).found, 0);
  gan_test::run_pipeline(kGen + "gandetect watermark-key=\"\" ! appsink name=sink", none);
  EXPECT_EQ(mark_results(none, payload).read, 0);
}

TEST(WatermarkElements, TheVoteReadsTheMarkThroughVp8) {
  if (!gst_registry_check_feature_version(gst_registry_get(), "vp8enc", 1, 0, 0))
    GTEST_SKIP() << "vp8enc not installed";
  RunResult r;
  gan_test::run_pipeline("gangen num-buffers=60 rows=4 columns=6 watermark-payload=7 ! "
                         "video/x-raw,width=640,height=480,framerate=30/1 ! videoconvert ! "
                         "vp8enc target-bitrate=1000000 deadline=1 ! vp8dec ! videoconvert ! "
                         "gandetect watermark-window=30 ! appsink name=sink",
                         r, 120 * GST_SECOND);
  ASSERT_EQ(r.error, nullptr) << r.error->message;
  const MarkResult m = mark_results(r, 7);
  EXPECT_EQ(m.frames, 60);
  EXPECT_EQ(m.found, m.right_payload);
  // With a full window, every frame is found.
  ASSERT_GE(m.found_from, 0);
  EXPECT_LE(m.found_from, 30);
}

// Version 2 through a pipeline: rescaled and cropped off the grid, then (where x264enc and
// avdec_h264 are installed, as tools/setup-debian.sh installs them) H.264 at 1 Mbit/s first.
TEST(WatermarkElements, TheMarkSurvivesCropRescaleAndH264) {
  const std::string src = "gangen num-buffers=40 watermark-payload=9 ! "
                          "video/x-raw,width=640,height=480,framerate=30/1 ! videoconvert ! ";
  const std::string reshape = "videocrop left=33 right=31 top=25 bottom=23 ! videoscale ! "
                              "video/x-raw,width=432,height=324 ! videoconvert ! ";
  RunResult plain;
  gan_test::run_pipeline(src + reshape + "gandetect ! appsink name=sink", plain, 120 * GST_SECOND);
  ASSERT_EQ(plain.error, nullptr) << plain.error->message;
  MarkResult m = mark_results(plain, 9);
  EXPECT_EQ(m.frames, 40);
  EXPECT_GE(m.right_payload, 36) << "of 40 frames cropped and rescaled, single frames";
  EXPECT_EQ(m.found, m.right_payload);

  const bool h264 = gst_registry_check_feature_version(gst_registry_get(), "x264enc", 1, 0, 0) &&
                    gst_registry_check_feature_version(gst_registry_get(), "avdec_h264", 1, 0, 0);
  if (!h264)
    GTEST_SKIP() << "x264enc or avdec_h264 not installed";
  RunResult coded;
  gan_test::run_pipeline(src + "x264enc bitrate=1000 ! avdec_h264 ! " + reshape +
                             "gandetect watermark-window=30 ! appsink name=sink",
                         coded, 120 * GST_SECOND);
  ASSERT_EQ(coded.error, nullptr) << coded.error->message;
  m = mark_results(coded, 9);
  EXPECT_EQ(m.frames, 40);
  EXPECT_GE(m.right_payload, 36) << "of 40 frames through H.264, cropped and rescaled";
  EXPECT_EQ(m.found, m.right_payload);
}

TEST(WatermarkElements, GanmarkLabelsAnyStream) {
  RunResult marked, other_key, small;
  const std::string src = "videotestsrc num-buffers=15 pattern=ball ! "
                          "video/x-raw,width=320,height=240,format=RGB ! ";
  gan_test::run_pipeline(
      src + "ganmark watermark-key=platform watermark-payload=123456 ! videoconvert ! "
            "gandetect watermark-key=platform ! appsink name=sink",
      marked);
  ASSERT_EQ(marked.error, nullptr) << marked.error->message;
  EXPECT_EQ(mark_results(marked, 123456).right_payload, 15);
  gan_test::run_pipeline(
      src + "ganmark watermark-key=platform watermark-payload=123456 ! gandetect ! "
            "appsink name=sink",
      other_key);
  EXPECT_EQ(mark_results(other_key, 123456).found, 0);
  // Too small: frames pass unmarked, untouched, with a warning (not an error).
  RunResult plain;
  const std::string tiny =
      "videotestsrc num-buffers=3 ! video/x-raw,format=RGB,width=64,height=48 ! ";
  gan_test::run_pipeline(tiny + "ganmark ! appsink name=sink", small);
  gan_test::run_pipeline(tiny + "identity ! appsink name=sink", plain);
  EXPECT_EQ(small.error, nullptr);
  ASSERT_EQ(small.frames.size(), 3u);
  EXPECT_EQ(small.frames[2].bytes, plain.frames[2].bytes);
}

// The stream tags, as a user checks them: mux to a file, read it back with gst-discoverer-1.0.
TEST(WatermarkElements, TagsNameTheSourceTypeAndTheModelInAMuxedFile) {
  gchar *discoverer = g_find_program_in_path("gst-discoverer-1.0");
  if (!discoverer)
    GTEST_SKIP() << "gst-discoverer-1.0 (gstreamer1.0-plugins-base-apps) not installed";
  gan_test::TempDir dir;
  const std::string file = dir.file("gan.webm");
  GError *err = nullptr;
  GstElement *p = gst_parse_launch(("gangen num-buffers=5 ! videoconvert ! vp8enc ! webmmux ! "
                                    "filesink location=" +
                                    file)
                                       .c_str(),
                                   &err);
  ASSERT_NE(p, nullptr) << (err ? err->message : "");
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(p);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, 30 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_EOS);
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);

  gchar *out = nullptr;
  gint status = 0;
  const gchar *argv[] = {discoverer, "-v", file.c_str(), NULL};
  ASSERT_TRUE(g_spawn_sync(NULL, const_cast<gchar **>(argv), NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                           NULL, &out, NULL, &status, NULL));
  const std::string text = out ? out : "";
  g_free(out);
  g_free(discoverer);
  EXPECT_NE(text.find("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("artist: gst-gan gangen (model field:"), std::string::npos) << text;
}

} // namespace
