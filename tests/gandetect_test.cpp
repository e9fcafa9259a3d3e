// SPDX-License-Identifier: LGPL-2.1-or-later
// gandetect: passthrough exactness for every format and stride, results on every frame,
// interval, batching, drop, hot model swap, latency, error paths, and the shipped models
// telling generated from real Fashion-MNIST frames.

#include "gst_util.h"
#include "torch_util.h"

#include "gan/runtime.h"
#include "gan/supervised.h"

#include "config.h"

#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gsttriggercontrolsource.h>
#include <gst/gan/gstganmeta.h>
#if HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

#include <torch/script.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <thread>

namespace {

using gan_test::Frame;
using gan_test::RunResult;
using gan_test::TempDir;

const GstGanDetectMeta *detect_meta(GstBuffer *b) {
  return reinterpret_cast<const GstGanDetectMeta *>(
      gst_buffer_get_meta(b, g_type_from_name("GstGanDetectMetaAPI")));
}

class GanDetectTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    // A GAN file (its discriminator serves as a detector) and a trained 8x8 detector.
    gan_test::save_untrained_mlp(dir_->file("gan.gan"), 1, 8, 8);
    const gan::ImageSet real = gan_test::pattern_images(64, 8, 8, 2);
    gan::ImageSet fake = real;
    for (size_t i = 0; i < fake.pixels.size(); ++i)
      fake.pixels[i] = static_cast<uint8_t>(255 - fake.pixels[i]);
    gan::SupervisedOptions so;
    so.epochs = 1;
    so.batch_size = 16;
    gan::ModelFile f = gan::train_detector(real, fake, so, nullptr);
    gan::write_model_file(dir_->file("detector.gan"), f);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string detect(const std::string &props = "") {
    return "gandetect model=" + dir_->file("gan.gan") + " " + props;
  }
  static std::vector<const GstStructure *> messages(const RunResult &r, const char *name) {
    std::vector<const GstStructure *> out;
    for (const GstStructure *s : r.element_messages)
      if (gst_structure_has_name(s, name))
        out.push_back(s);
    return out;
  }
  static TempDir *dir_;
};

TempDir *GanDetectTest::dir_ = nullptr;

struct FormatCase {
  const char *format;
  int width, height;
  bool padded;
};

class GanDetectPassthrough : public GanDetectTest,
                             public ::testing::WithParamInterface<FormatCase> {};

// Buffers with random bytes (in padded layouts, with a GstVideoMeta giving the strides) go in;
// exactly the same bytes come out, in order, none lost.
TEST_P(GanDetectPassthrough, EveryByteAndEveryFrameComesOutUnchanged) {
  const FormatCase c = GetParam();
  GstVideoInfo info;
  gst_video_info_set_format(&info, gst_video_format_from_string(c.format), c.width, c.height);
  GstVideoAlignment align;
  gst_video_alignment_reset(&align);
  if (c.padded) {
    align.padding_right = 7;
    align.padding_bottom = 3;
    ASSERT_TRUE(gst_video_info_align(&info, &align));
  }
  GstCaps *caps = gst_video_info_to_caps(&info);
  gst_caps_set_simple(caps, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
  for (const char *model : {"gan.gan", "detector.gan"}) {
    for (const char *props : {"", "batch-size=3 inference-interval=2 preprocess=tiles"}) {
      GstHarness *h =
          gst_harness_new_parse(("gandetect model=" + dir_->file(model) + " " + props).c_str());
      gst_harness_set_src_caps(h, gst_caps_ref(caps));
      std::mt19937 rng(7);
      std::vector<std::vector<uint8_t>> sent;
      const int frames = 7;
      for (int n = 0; n < frames; ++n) {
        GstBuffer *b = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&info), NULL);
        GstMapInfo map;
        gst_buffer_map(b, &map, GST_MAP_WRITE);
        for (gsize i = 0; i < map.size; ++i)
          map.data[i] = static_cast<uint8_t>(rng());
        sent.emplace_back(map.data, map.data + map.size);
        gst_buffer_unmap(b, &map);
        if (c.padded)
          gst_buffer_add_video_meta_full(b, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(&info),
                                         c.width, c.height, GST_VIDEO_INFO_N_PLANES(&info),
                                         info.offset, info.stride);
        GST_BUFFER_PTS(b) = gst_util_uint64_scale(n, GST_SECOND, 30);
        GST_BUFFER_OFFSET(b) = n;
        ASSERT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
      }
      gst_harness_push_event(h, gst_event_new_eos());
      for (int n = 0; n < frames; ++n) {
        GstBuffer *b = gst_harness_pull(h);
        ASSERT_NE(b, nullptr) << c.format << " frame " << n;
        EXPECT_EQ(GST_BUFFER_OFFSET(b), static_cast<guint64>(n));
        Frame f = gan_test::to_frame(b);
        EXPECT_EQ(f.bytes, sent[static_cast<size_t>(n)]) << c.format << " frame " << n;
        EXPECT_NE(detect_meta(b), nullptr);
        gst_buffer_unref(b);
      }
      EXPECT_EQ(gst_harness_buffers_in_queue(h), 0u);
      gst_harness_teardown(h);
    }
  }
  gst_caps_unref(caps);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, GanDetectPassthrough,
    ::testing::Values(FormatCase{"GRAY8", 13, 7, false}, FormatCase{"GRAY8", 13, 7, true},
                      FormatCase{"RGB", 33, 17, false}, FormatCase{"RGB", 33, 17, true},
                      FormatCase{"BGR", 9, 9, true}, FormatCase{"RGBA", 31, 15, false},
                      FormatCase{"BGRA", 31, 15, true}, FormatCase{"RGBx", 8, 8, false},
                      FormatCase{"BGRx", 17, 11, true}, FormatCase{"xRGB", 17, 11, false},
                      FormatCase{"I420", 33, 17, false}, FormatCase{"I420", 33, 17, true},
                      FormatCase{"NV12", 35, 19, false}, FormatCase{"NV12", 35, 19, true},
                      FormatCase{"RGB", 1, 1, false}),
    [](const auto &info) {
      return std::string(info.param.format) + "_" + std::to_string(info.param.width) + "x" +
             std::to_string(info.param.height) + (info.param.padded ? "_padded" : "");
    });

TEST_F(GanDetectTest, AMessageAndMetaForEveryFrame) {
  RunResult r;
  gan_test::run_pipeline("videotestsrc num-buffers=10 ! video/x-raw,format=RGB,width=40,"
                         "height=30,framerate=10/1 ! " +
                             detect() + " ! appsink name=sink",
                         r);
  ASSERT_EQ(r.error, nullptr) << r.error->message;
  ASSERT_EQ(r.frames.size(), 10u);
  const auto msgs = messages(r, "gandetect");
  ASSERT_EQ(msgs.size(), 10u);
  for (guint64 n = 0; n < msgs.size(); ++n) {
    guint64 frame, timestamp, running, stream, duration;
    gdouble p;
    gboolean is_fake, inferred;
    ASSERT_TRUE(gst_structure_get(
        msgs[n], "frame", G_TYPE_UINT64, &frame, "timestamp", G_TYPE_UINT64, &timestamp,
        "running-time", G_TYPE_UINT64, &running, "stream-time", G_TYPE_UINT64, &stream, "duration",
        G_TYPE_UINT64, &duration, "fake-probability", G_TYPE_DOUBLE, &p, "is-fake", G_TYPE_BOOLEAN,
        &is_fake, "inferred", G_TYPE_BOOLEAN, &inferred, NULL));
    EXPECT_EQ(frame, n);
    EXPECT_EQ(timestamp, n * GST_SECOND / 10);
    EXPECT_EQ(running, timestamp);
    EXPECT_EQ(stream, timestamp);
    EXPECT_EQ(duration, GST_SECOND / 10);
    EXPECT_GT(p, 0.0);
    EXPECT_LT(p, 1.0);
    EXPECT_EQ(is_fake, p >= 0.5);
    EXPECT_TRUE(inferred);
  }
  const auto summary = messages(r, "gandetect-summary");
  ASSERT_EQ(summary.size(), 1u);
  guint64 frames = 0;
  gst_structure_get_uint64(summary[0], "frames", &frames);
  EXPECT_EQ(frames, 10u);

  RunResult quiet;
  gan_test::run_pipeline("videotestsrc num-buffers=5 ! " + detect("post-messages=false") +
                             " ! appsink name=sink",
                         quiet);
  EXPECT_TRUE(messages(quiet, "gandetect").empty());
  EXPECT_EQ(quiet.frames.size(), 5u);
}

struct Verdict {
  double logit;
  bool inferred;
  guint age;
};

std::vector<Verdict> verdicts(const RunResult &r) {
  std::vector<Verdict> out;
  for (const GstStructure *s : r.element_messages)
    if (gst_structure_has_name(s, "gandetect")) {
      Verdict v{};
      gboolean inferred = FALSE;
      gst_structure_get(s, "logit", G_TYPE_DOUBLE, &v.logit, "inferred", G_TYPE_BOOLEAN, &inferred,
                        "age", G_TYPE_UINT, &v.age, NULL);
      v.inferred = inferred;
      out.push_back(v);
    }
  return out;
}

TEST_F(GanDetectTest, IntervalCarriesTheLastResultMarkedStale) {
  const std::string src = "videotestsrc pattern=ball num-buffers=10 ! "
                          "video/x-raw,format=GRAY8,width=24,height=24 ! ";
  RunResult every, third;
  gan_test::run_pipeline(src + detect() + " ! appsink name=sink", every);
  gan_test::run_pipeline(src + detect("inference-interval=3") + " ! appsink name=sink", third);
  const auto a = verdicts(every), b = verdicts(third);
  ASSERT_EQ(a.size(), 10u);
  ASSERT_EQ(b.size(), 10u);
  for (size_t n = 0; n < b.size(); ++n) {
    const size_t key = n - n % 3;
    EXPECT_EQ(b[n].inferred, n % 3 == 0) << n;
    EXPECT_EQ(b[n].age, n % 3) << n;
    EXPECT_DOUBLE_EQ(b[n].logit, a[key].logit) << n; // the result of the last inferred frame
  }
  EXPECT_EQ(third.frames.size(), 10u);
}

TEST_F(GanDetectTest, BatchingKeepsOrderResultsAndDrainsAtEos) {
  const std::string src = "videotestsrc pattern=ball num-buffers=10 ! "
                          "video/x-raw,format=GRAY8,width=24,height=24 ! ";
  RunResult single, batched;
  gan_test::run_pipeline(src + detect() + " ! appsink name=sink", single);
  // 10 frames in batches of 4: the last 2 wait for EOS.
  gan_test::run_pipeline(
      src + detect("batch-size=4 batch-timeout=10000000000") + " ! appsink name=sink", batched);
  ASSERT_EQ(batched.error, nullptr);
  ASSERT_EQ(batched.frames.size(), 10u);
  const auto a = verdicts(single), b = verdicts(batched);
  ASSERT_EQ(b.size(), 10u);
  for (size_t n = 0; n < 10; ++n) {
    EXPECT_EQ(batched.frames[n].offset, n);
    EXPECT_EQ(batched.frames[n].pts, single.frames[n].pts);
    EXPECT_EQ(batched.frames[n].bytes, single.frames[n].bytes);
    EXPECT_NEAR(b[n].logit, a[n].logit, 1e-4) << n;
  }
}

TEST_F(GanDetectTest, FlushDropsAPartialBatchCleanly) {
  GstHarness *h = gst_harness_new_parse(detect("batch-size=4 batch-timeout=10000000000").c_str());
  gst_harness_set_src_caps_str(h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1");
  auto push = [&](guint64 offset) {
    GstBuffer *in = gst_buffer_new_allocate(NULL, 64, NULL);
    gst_buffer_memset(in, 0, static_cast<guint8>(offset * 20), 64);
    GST_BUFFER_PTS(in) = offset * GST_SECOND / 30;
    GST_BUFFER_OFFSET(in) = offset;
    EXPECT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  };
  push(0);
  push(1); // both held: the batch is not full
  EXPECT_EQ(gst_harness_buffers_in_queue(h), 0u);
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_flush_start()));
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_segment(&segment)));
  for (guint64 n = 10; n < 14; ++n)
    push(n);
  gst_harness_push_event(h, gst_event_new_eos());
  // Only the four frames after the flush come out, in order.
  for (guint64 n = 10; n < 14; ++n) {
    GstBuffer *b = gst_harness_pull(h);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(GST_BUFFER_OFFSET(b), n);
    gst_buffer_unref(b);
  }
  EXPECT_EQ(gst_harness_buffers_in_queue(h), 0u);
  gst_harness_teardown(h);
}

TEST_F(GanDetectTest, DropActionRemovesFramesJudgedFake) {
  const std::string src = "videotestsrc num-buffers=6 ! video/x-raw,width=16,height=16 ! ";
  RunResult all_fake, none_fake;
  gan_test::run_pipeline(src + detect("action=drop threshold=0") + " ! appsink name=sink",
                         all_fake);
  gan_test::run_pipeline(src + detect("action=drop threshold=1") + " ! appsink name=sink",
                         none_fake);
  EXPECT_EQ(all_fake.error, nullptr);
  EXPECT_EQ(all_fake.frames.size(), 0u);
  EXPECT_EQ(messages(all_fake, "gandetect").size(), 6u); // still reported
  EXPECT_EQ(none_fake.frames.size(), 6u);
}

TEST_F(GanDetectTest, ModelSwapsWhilePlayingAndABadModelKeepsTheOld) {
  GstHarness *h = gst_harness_new_parse(detect().c_str());
  gst_harness_set_src_caps_str(h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1");
  auto push_pull = [&]() {
    GstBuffer *in = gst_buffer_new_allocate(NULL, 64, NULL);
    gst_buffer_memset(in, 0, 100, 64);
    EXPECT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull(h);
    std::string id = detect_meta(out) ? detect_meta(out)->model_id : "";
    gst_buffer_unref(out);
    return id;
  };
  const std::string before = push_pull();
  EXPECT_EQ(before.rfind("mlp:", 0), 0u) << before;
  GstElement *element = gst_harness_find_element(h, "gandetect");
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(element, bus);
  // The new model loads on gandetect's loader thread; it is in place once the element says so.
  g_object_set(element, "model", dir_->file("detector.gan").c_str(), NULL);
  GstMessage *changed = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_ELEMENT);
  ASSERT_NE(changed, nullptr);
  EXPECT_TRUE(
      gst_structure_has_name(gst_message_get_structure(changed), "gandetect-model-changed"));
  gst_message_unref(changed);
  const std::string after = push_pull();
  EXPECT_EQ(after.rfind("detector:", 0), 0u) << after;

  g_object_set(element, "model", dir_->file("missing.gan").c_str(), NULL);
  GstMessage *warning = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_WARNING);
  ASSERT_NE(warning, nullptr);
  gst_message_unref(warning);
  EXPECT_EQ(push_pull(), after); // the stream goes on with the detector it had
  gst_element_set_bus(element, NULL);
  gst_object_unref(bus);
  gst_object_unref(element);
  gst_harness_teardown(h);
}

TEST_F(GanDetectTest, LatencyIncludesInferenceAndBatching) {
  GstHarness *h = gst_harness_new_parse(detect("batch-size=4 batch-timeout=1000000000").c_str());
  gst_harness_set_src_caps_str(h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=10/1");
  for (int n = 0; n < 4; ++n) {
    GstBuffer *in = gst_buffer_new_allocate(NULL, 64, NULL);
    gst_buffer_memset(in, 0, 50, 64);
    GST_BUFFER_PTS(in) = n * GST_SECOND / 10;
    gst_harness_push(h, in);
  }
  GstQuery *q = gst_query_new_latency();
  ASSERT_TRUE(gst_pad_peer_query(h->sinkpad, q));
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency(q, &live, &min, &max);
  // Three frame durations of batching (300 ms) plus a measured, non-zero inference time.
  EXPECT_GT(min, 300 * GST_MSECOND);
  EXPECT_LT(min, 2 * GST_SECOND);
  gst_query_unref(q);
  guint64 processed = 0, inferred = 0;
  gdouble mean_ms = 0;
  GstElement *element = gst_harness_find_element(h, "gandetect");
  g_object_get(element, "frames-processed", &processed, "frames-inferred", &inferred,
               "mean-inference-time", &mean_ms, NULL);
  gst_object_unref(element);
  EXPECT_EQ(processed, 4u);
  EXPECT_EQ(inferred, 4u);
  EXPECT_GT(mean_ms, 0.0);
  gst_harness_teardown(h);
}

TEST_F(GanDetectTest, ErrorPaths) {
  RunResult missing;
  gan_test::run_pipeline("videotestsrc num-buffers=2 ! gandetect model=" +
                             dir_->file("absent.gan") + " ! appsink name=sink",
                         missing);
  ASSERT_NE(missing.error, nullptr);
  EXPECT_TRUE(g_error_matches(missing.error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
  EXPECT_NE(std::string(missing.error->message).find("absent.gan"), std::string::npos);

  gan_test::write_bytes(dir_->file("bad.gan"), {'G', 'S', 'T', 'G', 'A', 'N', 0, 1, 3});
  RunResult corrupt;
  gan_test::run_pipeline("videotestsrc num-buffers=2 ! gandetect model=" + dir_->file("bad.gan") +
                             " ! appsink name=sink",
                         corrupt);
  ASSERT_NE(corrupt.error, nullptr);
  EXPECT_TRUE(g_error_matches(corrupt.error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ));

  // A TorchScript detector that wants 2-channel input: nothing can feed it.
  torch::jit::Module m("TwoChannels");
  m.register_attribute("channels", c10::IntType::get(), int64_t{2});
  m.register_attribute("height", c10::IntType::get(), int64_t{8});
  m.register_attribute("width", c10::IntType::get(), int64_t{8});
  m.define("def forward(self, x):\n    return x.mean([1, 2, 3])\n");
  m.save(dir_->file("two.pt"));
  RunResult unfeedable;
  gan_test::run_pipeline("videotestsrc num-buffers=2 ! gandetect model=" + dir_->file("two.pt") +
                             " ! appsink name=sink",
                         unfeedable);
  // Refused when it loads (before any caps), naming the file and the cause.
  ASSERT_NE(unfeedable.error, nullptr);
  EXPECT_TRUE(g_error_matches(unfeedable.error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
  EXPECT_NE(std::string(unfeedable.error->message).find("two.pt"), std::string::npos);
  EXPECT_NE(unfeedable.error_debug.find("'channels' must be 1 or 3"), std::string::npos)
      << unfeedable.error_debug;
}

// The shipped generator's frames are judged fake, real Fashion-MNIST test images (written as
// PNGs by the CLI, played with multifilesrc ! pngdec) real.
TEST(GanDetectShipped, GeneratedFramesScoreAboveRealOnes) {
  TempDir dir;
  const char *cli = std::getenv("GST_GAN_CLI");
  ASSERT_NE(cli, nullptr);
  const std::string cmd =
      std::string(cli) + " export --count 60 --out " + dir.file("%05d.png") + " > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto mean_probability = [](const std::string &source) {
    RunResult r;
    gan_test::run_pipeline(source + " ! gandetect ! appsink name=sink", r);
    EXPECT_EQ(r.error, nullptr) << (r.error ? r.error->message : "");
    double sum = 0;
    int n = 0;
    for (const GstStructure *s : r.element_messages)
      if (gst_structure_has_name(s, "gandetect")) {
        double p = 0;
        gst_structure_get_double(s, "fake-probability", &p);
        sum += p;
        ++n;
      }
    EXPECT_EQ(n, 60);
    return n ? sum / n : 0.0;
  };
  const double fake = mean_probability("gangen num-buffers=60 motion=random seed=5");
  const double real = mean_probability("multifilesrc location=" + dir.file("%05d.png") +
                                       " index=0 stop-index=59 caps=image/png,framerate=30/1"
                                       " ! pngdec ! videoconvert");
  EXPECT_GT(fake, 0.5);
  EXPECT_LT(real, 0.5);
}

// With no model named, gandetect takes the shipped detector that knows the caps: the
// Fashion-MNIST one for small grey images, the natural one (native-resolution tiles) for colour
// at any size; a model outside what it knows gets one warning, not one per frame.
TEST(GanDetectShipped, DefaultModelFollowsTheCapsAndOutsideItsDomainWarnsOnce) {
  const char *dir = std::getenv("GST_GAN_MODELS_DIR");
  ASSERT_NE(dir, nullptr);
  const std::string models = dir;
  const auto run = [](const std::string &caps, const std::string &props, RunResult &r) {
    gan_test::run_pipeline("videotestsrc num-buffers=4 pattern=ball ! video/x-raw," + caps +
                               ",framerate=30/1 ! gandetect " + props + " ! appsink name=sink",
                           r);
    ASSERT_EQ(r.error, nullptr) << r.error->message << " " << r.error_debug;
    ASSERT_EQ(r.frames.size(), 4u);
  };
  const auto model_ids = [](const RunResult &r) {
    std::set<std::string> ids;
    for (const GstStructure *s : r.element_messages)
      if (gst_structure_has_name(s, "gandetect"))
        ids.insert(gst_structure_get_string(s, "model-id"));
    return ids;
  };
  const std::string fmnist = gan::Detector::load(models + "/fmnist-detector.gan")->info().id;
  const std::string natural = gan::Detector::load(models + "/natural-detector.gan")->info().id;
  ASSERT_NE(fmnist, natural);

  RunResult grey;
  run("format=GRAY8,width=28,height=28", "", grey);
  EXPECT_EQ(model_ids(grey), std::set<std::string>{fmnist});
  EXPECT_TRUE(grey.warnings.empty()) << grey.warnings[0];

  for (const char *caps : {"format=I420,width=1280,height=720", "format=RGB,width=96,height=64"}) {
    RunResult colour;
    run(caps, "", colour);
    EXPECT_EQ(model_ids(colour), std::set<std::string>{natural}) << caps;
    EXPECT_TRUE(colour.warnings.empty()) << caps << ": " << colour.warnings[0];
  }

  RunResult outside;
  run("format=RGB,width=640,height=360", "model=" + models + "/fmnist-detector.gan", outside);
  ASSERT_EQ(outside.warnings.size(), 1u);
  EXPECT_NE(outside.warnings[0].find("does not know these frames"), std::string::npos)
      << outside.warnings[0];
  EXPECT_NE(outside.warnings[0].find("grey"), std::string::npos) << outside.warnings[0];

  RunResult rescaled;
  run("format=RGB,width=640,height=360", "preprocess=resize", rescaled);
  ASSERT_EQ(rescaled.warnings.size(), 1u);
  EXPECT_NE(rescaled.warnings[0].find("native-resolution"), std::string::npos)
      << rescaled.warnings[0];
}

// Issue 32, defect 2: a shared instance with no model loaded the natural detector whatever the
// caps; it takes the shipped detector for the first stream's caps now, as a plain gandetect.
// Defect 6: the caps-chosen switch posts gandetect-model-changed as any model change does.
TEST(GanDetectShipped, ASharedInstanceAndACapsChangeTakeTheDefaultForTheCaps) {
  const char *dir = std::getenv("GST_GAN_MODELS_DIR");
  ASSERT_NE(dir, nullptr);
  const std::string models = dir;
  const std::string fmnist = gan::Detector::load(models + "/fmnist-detector.gan")->info().id;
  const std::string natural = gan::Detector::load(models + "/natural-detector.gan")->info().id;
  RunResult r;
  gan_test::run_pipeline("videotestsrc num-buffers=3 ! video/x-raw,format=GRAY8,width=28,"
                         "height=28,framerate=30/1 ! gandetect model-instance-id=issue32-grey ! "
                         "appsink name=sink",
                         r);
  ASSERT_EQ(r.error, nullptr) << r.error->message << " " << r.error_debug;
  ASSERT_EQ(r.frames.size(), 3u);
  for (const GstStructure *m : r.element_messages) {
    if (gst_structure_has_name(m, "gandetect")) {
      EXPECT_EQ(gst_structure_get_string(m, "model-id"), fmnist);
    }
  }
  EXPECT_TRUE(r.warnings.empty()) << r.warnings[0];

  GstHarness *h = gst_harness_new_parse("gandetect post-messages=false");
  GstElement *element = gst_harness_find_element(h, "gandetect");
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(element, bus);
  const auto push_pull = [&](int width, int height) {
    GstBuffer *in = gst_buffer_new_allocate(NULL, static_cast<gsize>(width * height), NULL);
    gst_buffer_memset(in, 0, 90, static_cast<gsize>(width * height));
    EXPECT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull(h);
    const std::string id = detect_meta(out) ? detect_meta(out)->model_id : "";
    gst_buffer_unref(out);
    return id;
  };
  gst_harness_set_src_caps_str(h, "video/x-raw,format=GRAY8,width=64,height=64,framerate=30/1");
  EXPECT_EQ(push_pull(64, 64), fmnist);
  while (GstMessage *m = gst_bus_pop(bus)) // what the start said
    gst_message_unref(m);
  gst_harness_set_src_caps_str(h, "video/x-raw,format=GRAY8,width=200,height=150,framerate=30/1");
  EXPECT_EQ(push_pull(200, 150), natural);
  bool changed = false;
  while (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) {
    const GstStructure *st = gst_message_get_structure(m);
    if (gst_structure_has_name(st, "gandetect-model-changed")) {
      changed = true;
      EXPECT_EQ(gst_structure_get_string(st, "model-id"), natural);
    }
    gst_message_unref(m);
  }
  EXPECT_TRUE(changed) << "no gandetect-model-changed at the caps-chosen switch";
  gst_element_set_bus(element, NULL);
  gst_object_unref(bus);
  gst_object_unref(element);
  gst_harness_teardown(h);
}

// Issue 32, defect 1: set_state(NULL) waited for a hot swap's load-time probe to end (131 s
// with a 60-s forward). A stop abandons the load now and returns at once; the load's result is
// dropped and the element is freed once it ends.
TEST_F(GanDetectTest, StoppingDoesNotWaitForAPendingHotSwap) {
  // A TorchScript detector whose forward spins for about two seconds (calibrated here).
  const auto spinner = [](int64_t spins) {
    torch::jit::Module m("Spinner");
    m.register_attribute("spins", c10::IntType::get(), spins);
    m.register_attribute("channels", c10::IntType::get(), int64_t{1});
    m.register_attribute("height", c10::IntType::get(), int64_t{8});
    m.register_attribute("width", c10::IntType::get(), int64_t{8});
    m.define(R"(def forward(self, x):
    n = 0
    for i in range(self.spins):
        n = n + 1
    return x.mean([1, 2, 3]) + float(n - self.spins)
)");
    return m;
  };
  {
    torch::jit::Module probe = spinner(1000000);
    const auto t0 = std::chrono::steady_clock::now();
    probe.forward({torch::zeros({1, 1, 8, 8})});
    const double per_spin =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 1e6;
    spinner(static_cast<int64_t>(2.0 / std::max(per_spin, 1e-9))).save(dir_->file("spinner.pt"));
  }
  GstElement *pipeline = gst_parse_launch(
      ("videotestsrc is-live=true ! video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1 ! " +
       detect("name=d") + " ! fakesink")
          .c_str(),
      NULL);
  ASSERT_NE(pipeline, nullptr);
  GstElement *element = gst_bin_get_by_name(GST_BIN(pipeline), "d");
  GWeakRef weak;
  g_weak_ref_init(&weak, element);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_EQ(gst_element_get_state(pipeline, NULL, NULL, 10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  g_object_set(element, "model", dir_->file("spinner.pt").c_str(), NULL);
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // its probe runs now
  const auto t0 = std::chrono::steady_clock::now();
  gst_element_set_state(pipeline, GST_STATE_NULL);
  const double stop_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(stop_seconds, 1.0) << "set_state(NULL) waited for the load";
  gst_object_unref(element);
  gst_object_unref(pipeline);
  // The abandoned load ends by itself and lets the element go.
  GObject *alive = nullptr;
  for (int i = 0; i < 600 && (alive = G_OBJECT(g_weak_ref_get(&weak))) != nullptr; ++i) {
    g_object_unref(alive);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(alive, nullptr) << "the element outlived its abandoned load by a minute";
  g_weak_ref_clear(&weak);
}

} // namespace

// A classifier exported from torchvision} // namespace

// A classifier exported from torchvision (no gst-gan attributes) with its description in a
// sidecar: gandetect feeds it exactly what Python's ToTensor + Normalize make of the frame.
TEST_F(GanDetectTest, TorchvisionStyleDetectorScoresAsInPython) {
  const std::string model = dir_->file("classifier.pt");
  gan_test::save_two_class_classifier(model);
  std::ofstream(model + ".json") << R"({"size": [16, 16], "range": "0..1",
    "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "output": "softmax"})";
  std::ofstream(dir_->file("override.json")) << R"({"mean": 0.5, "std": 0.25})";
  const uint8_t rgb[3] = {0xc8, 0x1e, 0x5a};
  // In Python: n = (byte / 255 - mean) / std per channel; logit = logit_fake - logit_real.
  auto python = [&](const double mean[3], const double std[3]) {
    double n[3];
    for (int c = 0; c < 3; ++c)
      n[c] = (rgb[c] / 255.0 - mean[c]) / std[c];
    return 2.0 * n[1] + n[2] - n[0];
  };
  const double imagenet_mean[3] = {0.485, 0.456, 0.406}, imagenet_std[3] = {0.229, 0.224, 0.225};
  const double half[3] = {0.5, 0.5, 0.5}, quarter[3] = {0.25, 0.25, 0.25};
  for (const std::string &extra :
       {std::string(), "model-description=" + dir_->file("override.json")}) {
    RunResult r;
    gan_test::run_pipeline(
        "videotestsrc num-buffers=3 pattern=solid-color "
        "foreground-color=0xffc81e5a ! video/x-raw,format=RGB,width=40,height=24 "
        "! gandetect watermark-key=\"\" model=" +
            model + " " + extra + " ! appsink name=sink",
        r);
    ASSERT_EQ(r.error, nullptr) << r.error->message << " " << r.error_debug;
    const auto verdicts = messages(r, "gandetect");
    ASSERT_EQ(verdicts.size(), 3u);
    double logit = 0;
    ASSERT_TRUE(gst_structure_get_double(verdicts[0], "logit", &logit));
    EXPECT_NEAR(logit, extra.empty() ? python(imagenet_mean, imagenet_std) : python(half, quarter),
                2e-4)
        << extra;
  }
}

// threshold is controllable: a GstController moves it with the stream time, frame by frame.
TEST_F(GanDetectTest, ThresholdFollowsAController) {
  GstHarness *h = gst_harness_new_parse(
      ("gandetect watermark-key=\"\" post-messages=false model=" + dir_->file("gan.gan")).c_str());
  GstElement *det = gst_harness_find_element(h, "gandetect");
  ASSERT_NE(det, nullptr);
  GstControlSource *cs = gst_trigger_control_source_new();
  GstTimedValueControlSource *tv = GST_TIMED_VALUE_CONTROL_SOURCE(cs);
  gst_timed_value_control_source_set(tv, 0, 0.0);              // everything is "fake"
  gst_timed_value_control_source_set(tv, 4 * GST_SECOND, 1.0); // nothing is
  ASSERT_TRUE(gst_object_add_control_binding(
      GST_OBJECT(det), gst_direct_control_binding_new(GST_OBJECT(det), "threshold", cs)));
  gst_harness_set_src_caps_str(h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=1/1");
  for (int i = 0; i < 8; ++i) {
    GstBuffer *in = gst_buffer_new_allocate(NULL, 64, NULL);
    gst_buffer_memset(in, 0, static_cast<guint8>(30 * i), 64);
    GST_BUFFER_PTS(in) = static_cast<GstClockTime>(i) * GST_SECOND;
    GST_BUFFER_DURATION(in) = GST_SECOND;
    ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull(h);
    ASSERT_NE(out, nullptr);
    const GstGanDetectMeta *meta = gst_buffer_get_gan_detect_meta(out);
    ASSERT_NE(meta, nullptr);
    EXPECT_EQ(meta->is_fake, i < 4) << "frame " << i << ", p " << meta->fake_probability;
    gst_buffer_unref(out);
  }
  gst_object_unref(cs);
  gst_object_unref(det);
  gst_harness_teardown(h);
}

// GStreamer >= 1.24: the verdict also travels as a standard analytics classification.
TEST_F(GanDetectTest, VerdictIsAStandardAnalyticsClassification) {
#if HAVE_GST_ANALYTICS
  GstHarness *h = gst_harness_new_parse("gandetect post-messages=false");
  gst_harness_set_src_caps_str(h, "video/x-raw,format=RGB,width=160,height=128,framerate=30/1");
  GstBuffer *in = gst_buffer_new_allocate(NULL, 160 * 128 * 3, NULL);
  gst_buffer_memset(in, 0, 90, 160 * 128 * 3);
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull(h);
  ASSERT_NE(out, nullptr);
  const GstGanDetectMeta *verdict = gst_buffer_get_gan_detect_meta(out);
  ASSERT_NE(verdict, nullptr);
  GstAnalyticsRelationMeta *relations = gst_buffer_get_analytics_relation_meta(out);
  ASSERT_NE(relations, nullptr);
  GstAnalyticsClsMtd cls;
  ASSERT_TRUE(gst_analytics_relation_meta_get_cls_mtd(relations, 0, &cls));
  ASSERT_EQ(gst_analytics_cls_mtd_get_length(&cls), 2u);
  EXPECT_STREQ(g_quark_to_string(gst_analytics_cls_mtd_get_quark(&cls, 0)), "real");
  EXPECT_STREQ(g_quark_to_string(gst_analytics_cls_mtd_get_quark(&cls, 1)), "synthetic");
  EXPECT_NEAR(gst_analytics_cls_mtd_get_level(&cls, 1), verdict->fake_probability, 1e-6);
  EXPECT_NEAR(gst_analytics_cls_mtd_get_level(&cls, 0), 1 - verdict->fake_probability, 1e-6);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
#else
  GTEST_SKIP() << "GStreamer " << GST_VERSION_MAJOR << "." << GST_VERSION_MINOR
               << " has no analytics meta (1.24 and later)";
#endif
}

// model-instance-id: elements that name one instance share its model and score their frames
// together; each stream keeps its own frames, order and results.
class GanDetectShared : public GanDetectTest {
protected:
  static GstHarness *harness(const std::string &props) {
    GstHarness *h = gst_harness_new_parse(detect("post-messages=false " + props).c_str());
    gst_harness_set_src_caps_str(h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1");
    return h;
  }
  // Frame k of stream s: a grey level of its own.
  static void push(GstHarness *h, int s, guint64 k) {
    GstBuffer *in = gst_buffer_new_allocate(NULL, 64, NULL);
    gst_buffer_memset(in, 0, static_cast<guint8>(10 + s * 100 + k * 7), 64);
    GST_BUFFER_PTS(in) = k * GST_SECOND / 30;
    GST_BUFFER_OFFSET(in) = k;
    EXPECT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  }
  struct Out {
    guint64 offset;
    double logit;
    std::string model_id;
  };
  static Out pull(GstHarness *h) {
    GstBuffer *b = gst_harness_pull(h);
    Out o{GST_BUFFER_OFFSET(b), 0, ""};
    if (const GstGanDetectMeta *m = detect_meta(b)) {
      o.logit = m->logit;
      o.model_id = m->model_id;
    }
    gst_buffer_unref(b);
    return o;
  }
  static double mean_batch(GstHarness *h) {
    GstElement *e = gst_harness_find_element(h, "gandetect");
    gdouble mean = 0;
    g_object_get(e, "mean-batch", &mean, NULL);
    gst_object_unref(e);
    return mean;
  }
};

TEST_F(GanDetectShared, StreamsAreScoredTogetherEachInItsOwnOrderAndEosStopsTheWait) {
  constexpr int kFrames = 10;
  // What each frame scores with a model of its own.
  GstHarness *alone = harness("");
  std::vector<std::vector<double>> expected(2);
  for (int s = 0; s < 2; ++s)
    for (guint64 k = 0; k < kFrames; ++k) {
      push(alone, s, k);
      expected[s].push_back(pull(alone).logit);
    }
  gst_harness_teardown(alone);

  // A 20 s timeout: a batch runs only when both streams have a frame waiting.
  GstHarness *h[2] = {harness("model-instance-id=cams shared-batch-timeout=20000000000"),
                      harness("model-instance-id=cams shared-batch-timeout=20000000000")};
  std::vector<std::thread> feeders;
  for (int s = 0; s < 2; ++s)
    feeders.emplace_back([&, s] {
      for (guint64 k = 0; k < kFrames; ++k)
        push(h[s], s, k);
    });
  for (std::thread &t : feeders)
    t.join();
  for (int s = 0; s < 2; ++s) {
    for (guint64 k = 0; k < kFrames; ++k) {
      const Out o = pull(h[s]);
      EXPECT_EQ(o.offset, k) << "stream " << s;
      EXPECT_NEAR(o.logit, expected[s][k], 1e-4) << "stream " << s << " frame " << k;
    }
    EXPECT_DOUBLE_EQ(mean_batch(h[s]), 2.0); // every forward pass held both streams' frames
  }
  // Stream 0 ends: stream 1 no longer waits for it (else each frame would wait 20 s).
  EXPECT_TRUE(gst_harness_push_event(h[0], gst_event_new_eos()));
  const gint64 t0 = g_get_monotonic_time();
  for (guint64 k = kFrames; k < kFrames + 5; ++k) {
    push(h[1], 1, k);
    EXPECT_EQ(pull(h[1]).offset, k);
  }
  EXPECT_LT(g_get_monotonic_time() - t0, 10 * G_USEC_PER_SEC);
  gst_harness_teardown(h[0]);
  gst_harness_teardown(h[1]);
}

TEST_F(GanDetectShared, AStalledStreamDelaysOthersByTheTimeoutAndAModelChangeReachesAll) {
  GstHarness *h[2] = {harness("model-instance-id=desk shared-batch-timeout=50000000"),
                      harness("model-instance-id=desk shared-batch-timeout=50000000")};
  GstElement *e[2];
  GstBus *bus[2];
  for (int s = 0; s < 2; ++s) {
    e[s] = gst_harness_find_element(h[s], "gandetect");
    bus[s] = gst_bus_new();
    gst_element_set_bus(e[s], bus[s]);
  }
  // Stream 0 sends nothing: each of stream 1's frames waits 50 ms for it, then goes alone.
  const gint64 t0 = g_get_monotonic_time();
  for (guint64 k = 0; k < 3; ++k) {
    push(h[1], 1, k);
    const Out o = pull(h[1]);
    EXPECT_EQ(o.offset, k);
    EXPECT_EQ(o.model_id.rfind("mlp:", 0), 0u) << o.model_id;
  }
  const gint64 waited = g_get_monotonic_time() - t0;
  EXPECT_GE(waited, 3 * 50 * 1000);
  EXPECT_LT(waited, 3 * G_USEC_PER_SEC);
  EXPECT_DOUBLE_EQ(mean_batch(h[1]), 1.0);

  // A model set on stream 0's element is the model of both; both say so.
  const auto says_changed = [](GstMessage *m) {
    const bool changed =
        m && gst_structure_has_name(gst_message_get_structure(m), "gandetect-model-changed");
    if (m)
      gst_message_unref(m);
    return changed;
  };
  g_object_set(e[0], "model", dir_->file("detector.gan").c_str(), NULL);
  EXPECT_TRUE(
      says_changed(gst_bus_timed_pop_filtered(bus[0], 30 * GST_SECOND, GST_MESSAGE_ELEMENT)));
  push(h[1], 1, 3);
  EXPECT_EQ(pull(h[1]).model_id.rfind("detector:", 0), 0u);
  EXPECT_TRUE(says_changed(gst_bus_pop_filtered(bus[1], GST_MESSAGE_ELEMENT)));
  push(h[0], 0, 0);
  EXPECT_EQ(pull(h[0]).model_id.rfind("detector:", 0), 0u);
  for (int s = 0; s < 2; ++s) {
    gst_element_set_bus(e[s], NULL);
    gst_object_unref(bus[s]);
    gst_object_unref(e[s]);
  }
  gst_harness_teardown(h[0]);
  gst_harness_teardown(h[1]);
}

// A frame waiting for a stalled stream's frame (a long shared-batch-timeout) is scored at once
// when its own stream flushes or stops: neither waits out the timeout.
TEST_F(GanDetectShared, AFlushOrAStopDoesNotWaitOutTheTimeout) {
  GstHarness *h[2] = {harness("model-instance-id=hall shared-batch-timeout=60000000000"),
                      harness("model-instance-id=hall shared-batch-timeout=60000000000")};
  // Stream 0 stalls; stream 1's frame waits for it, in another thread.
  auto blocked_push = [&](auto release) {
    std::atomic<bool> returned{false};
    const gint64 t0 = g_get_monotonic_time();
    std::thread pusher([&] {
      GstBuffer *in = gst_buffer_new_allocate(NULL, 64, NULL);
      gst_buffer_memset(in, 0, 77, 64);
      gst_harness_push(h[1], in); // OK, or FLUSHING once released by a flush or a stop
      returned = true;
    });
    g_usleep(200 * 1000);
    EXPECT_FALSE(returned) << "the frame should wait for the other stream";
    release();
    pusher.join();
    EXPECT_LT(g_get_monotonic_time() - t0, 10 * G_USEC_PER_SEC);
  };
  blocked_push([&] { EXPECT_TRUE(gst_harness_push_event(h[1], gst_event_new_flush_start())); });
  EXPECT_TRUE(gst_harness_push_event(h[1], gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  EXPECT_TRUE(gst_harness_push_event(h[1], gst_event_new_segment(&segment)));
  GstElement *e = gst_harness_find_element(h[1], "gandetect");
  blocked_push([&] { gst_element_set_state(e, GST_STATE_READY); });
  gst_object_unref(e);
  gst_harness_teardown(h[0]);
  gst_harness_teardown(h[1]);
}
