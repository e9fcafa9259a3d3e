// SPDX-License-Identifier: LGPL-2.1-or-later
// Memory taken per frame in steady state, counted by replacing malloc in this executable (every
// library's malloc, calloc, realloc, aligned allocation and operator new resolve to it).
//   - The core's per-frame work that gst-gan owns (preprocessing, the watermark's reading and
//     its stream decision) allocates nothing at all after the first frames of a size.
//   - A detector's forward pass takes no block of a page or more from malloc (LibTorch's
//     tensors come from gan::TensorCacheScope's cache); LibTorch's own small objects remain.
//   - gandetect with its defaults, between a frame entering and leaving it, the same.
// Not built with sanitizers, which replace malloc themselves. ALLOC_TRACE=N prints where each
// counted allocation of N bytes or more comes from.
#include "gst_util.h"
#include "test_util.h"

#include "gan/frames.h"
#include "gan/preprocess.h"
#include "gan/runtime.h"
#include "gan/tensor_cache.h"
#include "gan/watermark.h"

#include <gst/gst.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <execinfo.h>
#include <malloc.h>
#include <string>
#include <vector>

extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
}

namespace {

// Counted on the threads that turn counting on (a frame's work runs on one thread).
struct Counts {
  long all = 0;
  long page_or_more = 0;
};
thread_local bool counting = false;
thread_local Counts counts;

void note(size_t bytes) {
  if (!counting)
    return;
  // ALLOC_TRACE=N: a backtrace of every counted allocation of N bytes or more (to find them).
  static const char *trace = std::getenv("ALLOC_TRACE");
  if (trace && bytes >= static_cast<size_t>(std::atol(trace))) {
    counting = false;
    void *b[12];
    int n = backtrace(b, 12);
    fprintf(stderr, "ALLOC %zu\n", bytes);
    backtrace_symbols_fd(b, n, 2);
    counting = true;
  }
  ++counts.all;
  if (bytes >= 4096)
    ++counts.page_or_more;
}

} // namespace

extern "C" {
void *malloc(size_t n) {
  note(n);
  return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
  note(a * b);
  return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
  note(n);
  return __libc_realloc(p, n);
}
void *memalign(size_t alignment, size_t n) {
  note(n);
  return __libc_memalign(alignment, n);
}
void *aligned_alloc(size_t alignment, size_t n) {
  note(n);
  return __libc_memalign(alignment, n);
}
int posix_memalign(void **p, size_t alignment, size_t n) {
  note(n);
  *p = __libc_memalign(alignment, n);
  return *p ? 0 : ENOMEM;
}
}

namespace {

struct Frame {
  std::vector<uint8_t> bytes;
  gan::FrameView view;
};

// A busy 1280x720 frame (RGB or I420) with a gradient and texture.
Frame make_frame(gan::PixelFormat format, int64_t w, int64_t h) {
  Frame f;
  f.view.format = format;
  f.view.width = w;
  f.view.height = h;
  if (format == gan::PixelFormat::Rgb) {
    f.bytes.resize(static_cast<size_t>(w * h * 3));
    for (int64_t i = 0; i < w * h * 3; ++i)
      f.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>((i * 7 + i / 3811) & 0xff);
    f.view.planes[0] = f.bytes.data();
    f.view.strides[0] = w * 3;
  } else {
    f.bytes.resize(static_cast<size_t>(w * h * 3 / 2));
    for (size_t i = 0; i < f.bytes.size(); ++i)
      f.bytes[i] = static_cast<uint8_t>((i * 13 + i / 1777) & 0xff);
    f.view.planes[0] = f.bytes.data();
    f.view.planes[1] = f.bytes.data() + w * h;
    f.view.planes[2] = f.bytes.data() + w * h + w * h / 4;
    f.view.strides[0] = w;
    f.view.strides[1] = f.view.strides[2] = w / 2;
  }
  return f;
}

template <typename Fn> Counts count_frames(int warm_up, int measured, Fn &&fn) {
  for (int i = 0; i < warm_up; ++i)
    fn(i);
  counts = {};
  counting = true;
  for (int i = warm_up; i < warm_up + measured; ++i)
    fn(i);
  counting = false;
  return counts;
}

std::string shipped_detector() {
  const char *dir = std::getenv("GST_GAN_MODELS_DIR");
  return std::string(dir ? dir : "models") + "/fmnist-detector.gan";
}

} // namespace

TEST(Allocations, PreprocessingAndTheWatermarkReadAllocateNothingPerFrame) {
  for (gan::PixelFormat format : {gan::PixelFormat::Rgb, gan::PixelFormat::I420}) {
    const Frame frame = make_frame(format, 1280, 720);
    std::vector<float> inputs;
    gan::Watermark mark(gan::kWatermarkDefaultKey);
    gan::WatermarkStream stream(/*window=*/4);
    gan::WatermarkReading reading;
    int found = 0;
    const Counts c = count_frames(20, 40, [&](int) {
      for (gan::Preprocess mode : {gan::Preprocess::Resize, gan::Preprocess::Tiles}) {
        inputs.clear();
        gan::frame_to_inputs(frame.view, mode, 3, 64, 64, 16, inputs);
      }
      mark.read(frame.view, reading);
      found += stream.push(reading, mark.key()).found;
    });
    std::printf("per frame: preprocessing + watermark read, %s 1280x720: %.2f allocations\n",
                format == gan::PixelFormat::Rgb ? "RGB" : "I420", c.all / 40.0);
    EXPECT_EQ(c.all, 0) << "format " << static_cast<int>(format);
    EXPECT_EQ(found, 0);
  }
}

TEST(Allocations, DetectorForwardPassesTakeNoPagesFromMalloc) {
  auto detector = gan::Detector::load(shipped_detector());
  const auto &cfg = detector->info().config;
  std::vector<float> images(static_cast<size_t>(cfg.channels * cfg.height * cfg.width), 0.25f);
  float logit = 0;
  for (int i = 0; i < 20; ++i)
    detector->score(images.data(), 1, &logit);
  const gan::TensorCacheStats before = gan::tensor_cache_stats();
  const Counts c = count_frames(0, 50, [&](int) { detector->score(images.data(), 1, &logit); });
  std::printf("per frame: shipped detector forward pass: %.2f allocations >= 4 KiB, %.1f "
              "smaller (LibTorch's)\n",
              c.page_or_more / 50.0, c.all / 50.0);
  EXPECT_EQ(c.page_or_more, 0);
  EXPECT_GT(c.all, 0); // the counter counts (LibTorch's small objects)
  // Every tensor of the measured passes came from the cache.
  const gan::TensorCacheStats after = gan::tensor_cache_stats();
  EXPECT_EQ(after.misses, before.misses);
  EXPECT_GT(after.hits, before.hits);
}

namespace {

struct ElementCounts {
  Counts counts;
  int frames = 0;
};

GstPadProbeReturn frame_in(GstPad *, GstPadProbeInfo *, gpointer data) {
  auto *e = static_cast<ElementCounts *>(data);
  if (++e->frames > 30) { // steady state: after the first 30 frames
    counts = {};
    counting = true;
  }
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn frame_out(GstPad *, GstPadProbeInfo *, gpointer data) {
  auto *e = static_cast<ElementCounts *>(data);
  if (counting) {
    counting = false;
    e->counts.all += counts.all;
    e->counts.page_or_more += counts.page_or_more;
  }
  return GST_PAD_PROBE_OK;
}

} // namespace

TEST(Allocations, GandetectTakesNoPagesFromMallocPerFrame) {
  for (const char *format : {"RGB", "I420"}) {
    const std::string desc =
        std::string("videotestsrc num-buffers=90 pattern=ball ! video/x-raw,format=") + format +
        ",width=1280,height=720 ! gandetect name=dut model=" + shipped_detector() + " ! fakesink";
    GError *error = nullptr;
    GstElement *pipeline = gst_parse_launch(desc.c_str(), &error);
    ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
    GstElement *dut = gst_bin_get_by_name(GST_BIN(pipeline), "dut");
    ElementCounts e;
    GstPad *sink = gst_element_get_static_pad(dut, "sink");
    GstPad *src = gst_element_get_static_pad(dut, "src");
    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, frame_in, &e, nullptr);
    gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, frame_out, &e, nullptr);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *msg = gst_bus_timed_pop_filtered(
        bus, 120 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    ASSERT_NE(msg, nullptr);
    EXPECT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_EOS);
    gst_message_unref(msg);
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(src);
    gst_object_unref(dut);
    gst_object_unref(pipeline);
    EXPECT_EQ(e.frames, 90);
    std::printf("per frame: gandetect defaults, %s 1280x720: %.2f allocations >= 4 KiB, %.1f "
                "smaller (messages, metadata, LibTorch's)\n",
                format, e.counts.page_or_more / 60.0, e.counts.all / 60.0);
    EXPECT_EQ(e.counts.page_or_more, 0) << format;
    EXPECT_GT(e.counts.all, 0) << format; // messages, metadata, LibTorch's small objects
  }
}
