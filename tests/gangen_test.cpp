// SPDX-License-Identifier: LGPL-2.1-or-later
// gangen as users drive it: caps, formats and sizes, determinism, seeking, timestamps, meta,
// tags, live latency and the error paths. Tiny models made here; the shipped one where named.

#include "gst_util.h"

#include "gan/runtime.h"

#include <gst/gan/gstganmeta.h>

#include <torch/script.h>

#include <fstream>

namespace {

using gan_test::Frame;
using gan_test::RunResult;
using gan_test::TempDir;

// A freshly initialised (untrained) 8x8 mlp: as deterministic as a trained one, and instant.
class GanGenTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    gan_test::save_untrained_mlp(dir_->file("tiny.gan"), 1, 8, 8);
    gan_test::save_untrained_mlp(dir_->file("rgb.gan"), 3, 6, 10);
    gan_test::save_untrained_field(dir_->file("field.gan"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string model() { return dir_->file("tiny.gan"); }
  static std::string gangen(const std::string &props = "") {
    return "gangen model=" + model() + " " + props;
  }
  static std::vector<Frame> run(const std::string &description) {
    RunResult r;
    gan_test::run_pipeline(description + " ! appsink name=sink", r);
    EXPECT_EQ(r.error, nullptr) << (r.error ? r.error->message : "") << " " << r.error_debug;
    return r.frames;
  }
  static TempDir *dir_;
};

TempDir *GanGenTest::dir_ = nullptr;

GstCaps *pulled_caps(GstHarness *h) {
  GstPad *pad = h->sinkpad;
  return gst_pad_get_current_caps(pad);
}

// The frame a paused pipeline (`description`, then an appsink) prerolls after a flushing,
// accurate seek to each of `times`, in order; an empty Frame where none came.
std::vector<Frame> frames_after_seeks(const std::string &description,
                                      const std::vector<GstClockTime> &times) {
  std::vector<Frame> frames;
  GstElement *pipeline = gst_parse_launch((description + " ! appsink name=sink").c_str(), NULL);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PAUSED);
  EXPECT_EQ(gst_element_get_state(pipeline, NULL, NULL, 10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  for (GstClockTime t : times) {
    EXPECT_TRUE(gst_element_seek_simple(
        pipeline, GST_FORMAT_TIME,
        static_cast<GstSeekFlags>(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE), t));
    EXPECT_EQ(gst_element_get_state(pipeline, NULL, NULL, 10 * GST_SECOND),
              GST_STATE_CHANGE_SUCCESS);
    GstSample *s = gst_app_sink_try_pull_preroll(GST_APP_SINK(sink), 5 * GST_SECOND);
    EXPECT_NE(s, nullptr);
    frames.push_back(s ? gan_test::to_frame(gst_sample_get_buffer(s)) : Frame{});
    if (s)
      gst_sample_unref(s);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return frames;
}

TEST_F(GanGenTest, FixatesToTheModelSizeAt30Fps) {
  GstHarness *h = gst_harness_new_parse(gangen("num-buffers=1").c_str());
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  GstCaps *caps = pulled_caps(h);
  GstVideoInfo info;
  ASSERT_TRUE(gst_video_info_from_caps(&info, caps));
  EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&info), 8);
  EXPECT_EQ(GST_VIDEO_INFO_HEIGHT(&info), 8);
  EXPECT_EQ(GST_VIDEO_INFO_FPS_N(&info), 30);
  EXPECT_EQ(GST_VIDEO_INFO_FPS_D(&info), 1);
  gst_caps_unref(caps);
  gst_buffer_unref(b);
  gst_harness_teardown(h);

  // A mosaic's native size is the tiles side by side.
  h = gst_harness_new_parse(gangen("num-buffers=1 rows=2 columns=3").c_str());
  gst_harness_play(h);
  b = gst_harness_pull(h);
  caps = pulled_caps(h);
  ASSERT_TRUE(gst_video_info_from_caps(&info, caps));
  EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&info), 24);
  EXPECT_EQ(GST_VIDEO_INFO_HEIGHT(&info), 16);
  gst_caps_unref(caps);
  gst_buffer_unref(b);
  gst_harness_teardown(h);
}

TEST_F(GanGenTest, ShippedModelIsTheDefault) {
  // The natural field GAN: colour (RGB when downstream lets it choose) at 640x480.
  GstHarness *h = gst_harness_new_parse("gangen num-buffers=1");
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  GstCaps *caps = pulled_caps(h);
  GstVideoInfo info;
  ASSERT_TRUE(gst_video_info_from_caps(&info, caps));
  gst_caps_unref(caps);
  EXPECT_EQ(GST_VIDEO_INFO_FORMAT(&info), GST_VIDEO_FORMAT_RGB);
  EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&info), 640);
  EXPECT_EQ(GST_VIDEO_INFO_HEIGHT(&info), 480);
  const auto *meta = reinterpret_cast<const GstGanSyntheticMeta *>(
      gst_buffer_get_meta(b, g_type_from_name("GstGanSyntheticMetaAPI")));
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(std::string(meta->model_id).rfind("field:", 0), 0u) << meta->model_id;
  EXPECT_TRUE(meta->watermarked);
  gst_buffer_unref(b);
  gst_harness_teardown(h);

  // The Fashion-MNIST DCGAN stays selectable: GRAY8, the first format, at 28x28; its
  // convolutions too give the same pixels whatever the batch size.
  const std::string dcgan =
      "gangen model=" + std::string(g_getenv("GST_GAN_MODELS_DIR")) + "/fmnist-dcgan.gan";
  const auto first = run(dcgan + " num-buffers=1");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].bytes.size(), 28u * 28u);
  const auto one = run(dcgan + " num-buffers=12 rows=2 columns=2 batch-size=1");
  const auto many = run(dcgan + " num-buffers=12 rows=2 columns=2 batch-size=16");
  ASSERT_EQ(one.size(), 12u);
  ASSERT_EQ(many.size(), 12u);
  for (size_t i = 0; i < one.size(); ++i)
    EXPECT_EQ(one[i].bytes, many[i].bytes) << "frame " << i;
}

struct FormatSize {
  const char *format;
  int width, height;
};

class GanGenFormats : public GanGenTest, public ::testing::WithParamInterface<FormatSize> {};

TEST_P(GanGenFormats, ProducesExactlyTheNegotiatedFrame) {
  const FormatSize p = GetParam();
  const std::string caps = "video/x-raw,format=" + std::string(p.format) +
                           ",width=" + std::to_string(p.width) +
                           ",height=" + std::to_string(p.height) + ",framerate=30/1";
  for (const char *m : {"tiny.gan", "rgb.gan"}) {
    GstHarness *h = gst_harness_new_parse(
        ("gangen model=" + dir_->file(m) + " num-buffers=2 rows=2 columns=2").c_str());
    gst_harness_set_sink_caps_str(h, caps.c_str());
    gst_harness_play(h);
    GstBuffer *b = gst_harness_pull(h);
    ASSERT_NE(b, nullptr) << p.format << " " << p.width << "x" << p.height;
    GstVideoInfo info;
    GstCaps *negotiated = pulled_caps(h);
    ASSERT_TRUE(gst_video_info_from_caps(&info, negotiated));
    gst_caps_unref(negotiated);
    EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&info), p.width);
    EXPECT_EQ(GST_VIDEO_INFO_HEIGHT(&info), p.height);
    GstVideoFrame frame;
    ASSERT_TRUE(gst_video_frame_map(&frame, &info, b, GST_MAP_READ));
    // Content: not one flat colour (an untrained generator still varies across pixels),
    // unless the frame is too small to hold variation.
    const uint8_t *row0 = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
    bool varies = false;
    const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
    const int row_bytes = GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0) * p.width;
    for (int y = 0; y < p.height && !varies; ++y)
      for (int x = 0; x < row_bytes && !varies; ++x)
        varies = row0[y * stride + x] != row0[0];
    if (p.width * p.height >= 16) {
      EXPECT_TRUE(varies) << p.format;
    }
    gst_video_frame_unmap(&frame);
    gst_buffer_unref(b);
    gst_harness_teardown(h);
  }
}

INSTANTIATE_TEST_SUITE_P(Matrix, GanGenFormats,
                         ::testing::Values(FormatSize{"GRAY8", 1, 1}, FormatSize{"GRAY8", 33, 17},
                                           FormatSize{"RGB", 1, 1}, FormatSize{"RGB", 33, 17},
                                           FormatSize{"BGR", 33, 17}, FormatSize{"RGBA", 33, 17},
                                           FormatSize{"BGRA", 7, 5}, FormatSize{"RGBx", 33, 17},
                                           FormatSize{"BGRx", 33, 17}, FormatSize{"xRGB", 9, 3},
                                           FormatSize{"I420", 1, 1}, FormatSize{"I420", 33, 17},
                                           FormatSize{"NV12", 35, 19},
                                           FormatSize{"RGB", 1920, 1080},
                                           FormatSize{"I420", 1920, 1080}),
                         [](const auto &info) {
                           return std::string(info.param.format) + "_" +
                                  std::to_string(info.param.width) + "x" +
                                  std::to_string(info.param.height);
                         });

TEST_F(GanGenTest, FramesDoNotDependOnBatchSize) {
  const std::string caps = " ! video/x-raw,format=RGB,width=40,height=24";
  const auto one = run(gangen("num-buffers=20 rows=2 columns=3 batch-size=1") + caps);
  const auto four = run(gangen("num-buffers=20 rows=2 columns=3 batch-size=4") + caps);
  const auto sixteen = run(gangen("num-buffers=20 rows=2 columns=3 batch-size=16") + caps);
  ASSERT_EQ(one.size(), 20u);
  ASSERT_EQ(four.size(), 20u);
  ASSERT_EQ(sixteen.size(), 20u);
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].bytes, four[i].bytes) << "frame " << i;
    EXPECT_EQ(one[i].bytes, sixteen[i].bytes) << "frame " << i;
  }
  // And the same seed gives the same video; another seed another.
  const auto again = run(gangen("num-buffers=3 rows=2 columns=3") + caps);
  EXPECT_EQ(again[2].bytes, one[2].bytes);
  const auto other = run(gangen("num-buffers=3 rows=2 columns=3 seed=9") + caps);
  EXPECT_NE(other[2].bytes, one[2].bytes);
}

TEST_F(GanGenTest, SeekLandsOnTheFrameAPlainRunProducesThere) {
  const std::string description =
      gangen("walk-frames=5") + " ! video/x-raw,format=GRAY8,width=16,height=16,framerate=30/1";
  const auto plain = run(gangen("walk-frames=5 num-buffers=40") +
                         " ! video/x-raw,format=GRAY8,width=16,height=16,framerate=30/1");
  ASSERT_EQ(plain.size(), 40u);

  // Anywhere inside frame k's interval lands on frame k.
  const std::vector<guint64> ks{17, 3, 33};
  std::vector<GstClockTime> times;
  for (guint64 k : ks)
    times.push_back(gst_util_uint64_scale(k, GST_SECOND, 30) + 10 * GST_MSECOND);
  const std::vector<Frame> seeked = frames_after_seeks(description, times);
  for (size_t i = 0; i < ks.size(); ++i) {
    EXPECT_EQ(seeked[i].offset, ks[i]);
    EXPECT_EQ(seeked[i].pts, plain[ks[i]].pts);
    EXPECT_EQ(seeked[i].bytes, plain[ks[i]].bytes) << "frame " << ks[i];
  }
}

TEST_F(GanGenTest, TimestampsDurationsAndOffsets) {
  const auto frames =
      run(gangen("num-buffers=7 timestamp-offset=1000") + " ! video/x-raw,framerate=25/2");
  ASSERT_EQ(frames.size(), 7u);
  for (guint64 n = 0; n < frames.size(); ++n) {
    EXPECT_EQ(frames[n].offset, n);
    EXPECT_EQ(frames[n].pts, 1000 + gst_util_uint64_scale(n, 2 * GST_SECOND, 25));
    EXPECT_EQ(frames[n].duration, gst_util_uint64_scale(n + 1, 2 * GST_SECOND, 25) -
                                      gst_util_uint64_scale(n, 2 * GST_SECOND, 25));
  }
}

TEST_F(GanGenTest, NumBuffersAndFramerateZero) {
  EXPECT_EQ(run(gangen("num-buffers=5")).size(), 5u);
  const auto still = run(gangen() + " ! video/x-raw,framerate=0/1");
  ASSERT_EQ(still.size(), 1u); // one picture, then EOS
  EXPECT_EQ(still[0].pts, 0u);
}

TEST_F(GanGenTest, MotionModes) {
  auto frames = [&](const char *motion) {
    return run(gangen(std::string("num-buffers=31 walk-frames=30 motion=") + motion) +
               " ! video/x-raw,format=GRAY8");
  };
  auto mean_abs_diff = [](const Frame &a, const Frame &b) {
    double d = 0;
    for (size_t i = 0; i < a.bytes.size(); ++i)
      d += std::abs(a.bytes[i] - b.bytes[i]);
    return d / static_cast<double>(a.bytes.size());
  };
  const auto still = frames("static");
  EXPECT_EQ(still[0].bytes, still[30].bytes);
  const auto random = frames("random");
  EXPECT_NE(random[0].bytes, random[1].bytes);
  const auto walk = frames("walk");
  // Neighbouring frames of a walk are close; a whole walk segment apart they are not.
  EXPECT_LT(mean_abs_diff(walk[10], walk[11]), 0.25 * mean_abs_diff(walk[0], walk[30]));
  EXPECT_GT(mean_abs_diff(walk[0], walk[30]), 0.0);
}

TEST_F(GanGenTest, EveryFrameCarriesTheSyntheticMetaAndTheStreamIsTagged) {
  GstHarness *h = gst_harness_new_parse(gangen("num-buffers=3 seed=42").c_str());
  gst_harness_play(h);
  std::string model_id;
  for (guint64 n = 0; n < 3; ++n) {
    GstBuffer *b = gst_harness_pull(h);
    ASSERT_NE(b, nullptr);
    // As an application sees it: by name, without linking the plugin.
    const auto *meta = reinterpret_cast<const GstGanSyntheticMeta *>(
        gst_buffer_get_meta(b, g_type_from_name("GstGanSyntheticMetaAPI")));
    ASSERT_NE(meta, nullptr);
    EXPECT_EQ(meta->frame, n);
    EXPECT_EQ(meta->seed, 42u);
    EXPECT_EQ(std::string(meta->model_id).rfind("mlp:", 0), 0u) << meta->model_id;
    EXPECT_FALSE(meta->watermarked); // 8x8: too small for the mark
    model_id = meta->model_id;
    gst_buffer_unref(b);
  }
  bool tagged = false, artist_named = false;
  while (GstEvent *e = gst_harness_try_pull_event(h)) {
    if (GST_EVENT_TYPE(e) == GST_EVENT_TAG) {
      GstTagList *tags = nullptr;
      gst_event_parse_tag(e, &tags);
      gchar *comment = nullptr, *artist = nullptr;
      if (gst_tag_list_get_string(tags, GST_TAG_COMMENT, &comment)) {
        const std::string c = comment;
        tagged = c.find("digitalsourcetype/trainedAlgorithmicMedia") != std::string::npos &&
                 c.find("model=" + model_id) != std::string::npos;
      }
      if (gst_tag_list_get_string(tags, GST_TAG_ARTIST, &artist))
        artist_named = std::string(artist).find(model_id) != std::string::npos;
      g_free(comment);
      g_free(artist);
    }
    gst_event_unref(e);
  }
  EXPECT_TRUE(tagged);
  EXPECT_TRUE(artist_named);
  gst_harness_teardown(h);
}

// ---------------------------------------------------------------- field models

GstVideoInfo negotiated_info(GstHarness *h) {
  GstVideoInfo info;
  gst_video_info_init(&info);
  GstCaps *caps = pulled_caps(h);
  EXPECT_TRUE(gst_video_info_from_caps(&info, caps));
  gst_caps_unref(caps);
  return info;
}

TEST_F(GanGenTest, AFieldModelPaintsTheNegotiatedSizeInColour) {
  const std::string field = "gangen model=" + dir_->file("field.gan") + " num-buffers=1";
  // Its native size is 640x480, square pixels.
  GstHarness *h = gst_harness_new_parse(field.c_str());
  gst_harness_set_sink_caps_str(h, "video/x-raw,format=RGB");
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  GstVideoInfo info = negotiated_info(h);
  EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&info), 640);
  EXPECT_EQ(GST_VIDEO_INFO_HEIGHT(&info), 480);
  EXPECT_EQ(GST_VIDEO_INFO_PAR_N(&info), 1);
  EXPECT_EQ(GST_VIDEO_INFO_PAR_D(&info), 1);
  gst_buffer_unref(b);
  gst_harness_teardown(h);

  for (const FormatSize p :
       {FormatSize{"RGB", 1, 1}, FormatSize{"RGB", 36, 17}, FormatSize{"BGRx", 41, 23},
        FormatSize{"I420", 35, 19}, FormatSize{"NV12", 64, 48}, FormatSize{"RGB", 1280, 720}}) {
    const std::string caps = "video/x-raw,format=" + std::string(p.format) +
                             ",width=" + std::to_string(p.width) +
                             ",height=" + std::to_string(p.height);
    h = gst_harness_new_parse(field.c_str());
    gst_harness_set_sink_caps_str(h, caps.c_str());
    gst_harness_play(h);
    b = gst_harness_pull(h);
    ASSERT_NE(b, nullptr) << caps;
    info = negotiated_info(h);
    EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&info), p.width);
    EXPECT_EQ(GST_VIDEO_INFO_HEIGHT(&info), p.height);
    GstVideoFrame frame;
    ASSERT_TRUE(gst_video_frame_map(&frame, &info, b, GST_MAP_READ));
    if (std::string(p.format) == "RGB" && p.width * p.height > 100) {
      // Colour: the channels differ from each other, and the picture varies.
      const auto *px = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
      const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
      double chroma = 0, spread = 0;
      for (int y = 0; y < p.height; ++y)
        for (int x = 0; x < p.width; ++x) {
          const uint8_t *q = px + y * stride + 3 * x;
          chroma += std::abs(q[0] - q[1]) + std::abs(q[1] - q[2]);
          spread += std::abs(q[0] - px[0]);
        }
      EXPECT_GT(chroma / (p.width * p.height), 2.0) << caps;
      EXPECT_GT(spread / (p.width * p.height), 2.0) << caps;
    }
    gst_video_frame_unmap(&frame);
    gst_buffer_unref(b);
    gst_harness_teardown(h);
  }
}

TEST_F(GanGenTest, AFieldVideoSeeksAndBatchesToThePlainRunsFrames) {
  const std::string field = "gangen model=" + dir_->file("field.gan") +
                            " walk-frames=7 drift-speed=2.5 drift-angle=45 scene-size=64";
  const std::string caps = " ! video/x-raw,format=RGB,width=48,height=32,framerate=30/1";
  const auto plain = run(field + " num-buffers=30 batch-size=1" + caps);
  const auto batched = run(field + " num-buffers=30 batch-size=7" + caps);
  ASSERT_EQ(plain.size(), 30u);
  ASSERT_EQ(batched.size(), 30u);
  for (size_t i = 0; i < plain.size(); ++i)
    EXPECT_EQ(plain[i].bytes, batched[i].bytes) << "frame " << i;
  EXPECT_NE(plain[0].bytes, plain[1].bytes);

  const std::vector<guint64> ks{23, 4, 29};
  std::vector<GstClockTime> times;
  for (guint64 k : ks)
    times.push_back(gst_util_uint64_scale(k, GST_SECOND, 30));
  const std::vector<Frame> seeked = frames_after_seeks(field + caps, times);
  for (size_t i = 0; i < ks.size(); ++i) {
    EXPECT_EQ(seeked[i].offset, ks[i]);
    EXPECT_EQ(seeked[i].bytes, plain[ks[i]].bytes) << "frame " << ks[i];
  }
}

// Frames of 128x128 and more carry the watermark, the meta and the tags, as vector models' do.
TEST_F(GanGenTest, AFieldVideoIsWatermarkedAndMarkedSynthetic) {
  GstHarness *h =
      gst_harness_new_parse(("gangen num-buffers=2 model=" + dir_->file("field.gan")).c_str());
  gst_harness_set_sink_caps_str(h, "video/x-raw,format=I420,width=160,height=128");
  gst_harness_play(h);
  for (guint64 n = 0; n < 2; ++n) {
    GstBuffer *b = gst_harness_pull(h);
    ASSERT_NE(b, nullptr);
    const auto *meta = reinterpret_cast<const GstGanSyntheticMeta *>(
        gst_buffer_get_meta(b, g_type_from_name("GstGanSyntheticMetaAPI")));
    ASSERT_NE(meta, nullptr);
    EXPECT_EQ(meta->frame, n);
    EXPECT_EQ(std::string(meta->model_id).rfind("field:", 0), 0u) << meta->model_id;
    EXPECT_TRUE(meta->watermarked);
    gst_buffer_unref(b);
  }
  gst_harness_teardown(h);
}

// Issue 32, defect 5: gangen watermark-key="" marked under the empty key, which ganmark and
// gandetect treat as "no mark": a mark nothing reads. Empty means no mark in all three now.
TEST_F(GanGenTest, AnEmptyWatermarkKeyMeansNoMark) {
  const std::string field = "gangen num-buffers=2 model=" + dir_->file("field.gan");
  const std::string caps = " ! video/x-raw,format=I420,width=160,height=128";
  const std::vector<Frame> unkeyed = run(field + " watermark-key=\"\"" + caps);
  const std::vector<Frame> unmarked = run(field + " watermark=false" + caps);
  const std::vector<Frame> marked = run(field + caps);
  ASSERT_EQ(unkeyed.size(), 2u);
  ASSERT_EQ(unmarked.size(), 2u);
  ASSERT_EQ(marked.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(unkeyed[i].bytes, unmarked[i].bytes) << "frame " << i;
    EXPECT_NE(unkeyed[i].bytes, marked[i].bytes) << "frame " << i;
  }
  GstHarness *h = gst_harness_new_parse(
      ("gangen num-buffers=1 watermark-key=\"\" model=" + dir_->file("field.gan")).c_str());
  gst_harness_set_sink_caps_str(h, "video/x-raw,format=I420,width=160,height=128");
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  const auto *meta = reinterpret_cast<const GstGanSyntheticMeta *>(
      gst_buffer_get_meta(b, g_type_from_name("GstGanSyntheticMetaAPI")));
  ASSERT_NE(meta, nullptr);
  EXPECT_FALSE(meta->watermarked);
  gst_buffer_unref(b);
  gst_harness_teardown(h);
}

// A vector model's sample keeps its shape: letterboxed into a frame of another shape, also
// for non-square pixels.
TEST_F(GanGenTest, AVectorModelsSampleIsNeverStretched) {
  auto black_rows_and_columns = [&](const std::string &caps) {
    // rgb.gan paints 10 wide x 6 high.
    const auto frames = run("gangen num-buffers=1 model=" + dir_->file("rgb.gan") + " ! " + caps);
    EXPECT_EQ(frames.size(), 1u);
    std::pair<int, int> black{0, 0};
    if (frames.empty())
      return black;
    const std::vector<uint8_t> &px = frames[0].bytes; // 40x40 RGB: stride 120
    for (int y = 0; y < 40; ++y) {
      bool all = true;
      for (int x = 0; x < 120; ++x)
        all = all && px[static_cast<size_t>(y * 120 + x)] == 0;
      black.first += all;
    }
    for (int x = 0; x < 40; ++x) {
      bool all = true;
      for (int y = 0; y < 40; ++y)
        for (int c = 0; c < 3; ++c)
          all = all && px[static_cast<size_t>(y * 120 + 3 * x + c)] == 0;
      black.second += all;
    }
    return black;
  };
  // Square pixels: a 40x24 picture between bars of 8 rows.
  EXPECT_EQ(black_rows_and_columns("video/x-raw,format=RGB,width=40,height=40"),
            (std::pair<int, int>{16, 0}));
  // Pixels twice as wide as high: the picture is 33 pixels (66 square units) wide, 40 high.
  EXPECT_EQ(
      black_rows_and_columns("video/x-raw,format=RGB,width=40,height=40,pixel-aspect-ratio=2/1"),
      (std::pair<int, int>{0, 7}));
}

TEST_F(GanGenTest, LiveSourceAnswersLatency) {
  GstHarness *h = gst_harness_new_parse(gangen("is-live=true").c_str());
  gst_harness_use_systemclock(h); // a live source waits on the clock: let it run
  gst_harness_set_sink_caps_str(h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=20/1");
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  ASSERT_NE(b, nullptr);
  gst_buffer_unref(b);
  GstQuery *q = gst_query_new_latency();
  ASSERT_TRUE(gst_pad_peer_query(h->sinkpad, q));
  gboolean live = FALSE;
  GstClockTime min = 0, max = 0;
  gst_query_parse_latency(q, &live, &min, &max);
  EXPECT_TRUE(live);
  EXPECT_EQ(min, GST_SECOND / 20);
  gst_query_unref(q);
  gst_harness_teardown(h);
}

// Live and slower than the framerate: frames the clock has passed are skipped (the stream
// stays in real time), counted in frames-dropped and reported in QoS messages.
TEST_F(GanGenTest, ALiveSourceBehindTheClockSkipsFramesAndSaysSo) {
  const std::string description =
      "gangen name=src is-live=true num-buffers=10 model=" + dir_->file("field.gan") +
      " ! video/x-raw,format=RGB,width=320,height=240,"
      "framerate=10000/1 ! appsink name=sink sync=false wait-on-eos=false";
  GstElement *pipeline = gst_parse_launch(description.c_str(), NULL);
  ASSERT_NE(pipeline, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  guint64 qos_dropped = 0, qos_messages = 0;
  bool eos = false;
  while (!eos) {
    GstMessage *msg = gst_bus_timed_pop_filtered(
        bus, 30 * GST_SECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_QOS));
    ASSERT_NE(msg, nullptr) << "no EOS";
    ASSERT_NE(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_QOS) {
      GstFormat format;
      guint64 processed = 0, dropped = 0;
      gst_message_parse_qos_stats(msg, &format, &processed, &dropped);
      EXPECT_EQ(format, GST_FORMAT_BUFFERS);
      EXPECT_GT(dropped, qos_dropped); // running totals
      qos_dropped = dropped;
      ++qos_messages;
    }
    eos = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS;
    gst_message_unref(msg);
  }
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  guint64 dropped = 0;
  g_object_get(src, "frames-dropped", &dropped, NULL);
  EXPECT_GT(qos_messages, 0u);
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(dropped, qos_dropped);
  std::vector<Frame> frames;
  while (GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 0)) {
    frames.push_back(gan_test::to_frame(gst_sample_get_buffer(sample)));
    gst_sample_unref(sample);
  }
  ASSERT_EQ(frames.size(), 10u); // num-buffers counts frames made, not skipped
  // Timestamps follow the frame index (basesrc shifts them all by when the first went out).
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].pts - frames[0].pts,
              (frames[i].offset - frames[0].offset) * GST_SECOND / 10000)
        << i;
    if (i > 0) {
      EXPECT_GT(frames[i].offset, frames[i - 1].offset) << i;
    }
  }
  EXPECT_EQ(frames.back().offset + 1 - frames.size(), dropped); // every gap counted
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);

  // Not live: every frame, none skipped.
  const auto all = run(gangen("num-buffers=5") +
                       " ! video/x-raw,format=GRAY8,width=8,height=8,framerate=10000/1");
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i].offset, i);
}

// quality=fast picks the shipped fast tier when no model is set; a set model wins.
TEST_F(GanGenTest, QualityPicksTheShippedTier) {
  auto model_id = [](const std::string &description) {
    GstHarness *h = gst_harness_new_parse(description.c_str());
    gst_harness_set_sink_caps_str(h, "video/x-raw,format=RGB,width=64,height=48,framerate=30/1");
    gst_harness_play(h);
    GstBuffer *b = gst_harness_pull(h);
    std::string id;
    if (b) {
      const auto *meta = reinterpret_cast<const GstGanSyntheticMeta *>(
          gst_buffer_get_meta(b, g_type_from_name("GstGanSyntheticMetaAPI")));
      id = meta && meta->model_id ? meta->model_id : "";
      gst_buffer_unref(b);
    }
    gst_harness_teardown(h);
    return id;
  };
  const char *dir = g_getenv("GST_GAN_MODELS_DIR");
  ASSERT_NE(dir, nullptr) << "the tests run with GST_GAN_MODELS_DIR set (meson test does)";
  const std::string models = dir;
  const std::string fast = model_id("gangen quality=fast num-buffers=1");
  const std::string standard = model_id("gangen num-buffers=1");
  EXPECT_EQ(fast, gan::Generator::load(models + "/natural-field-fast.gan")->info().id);
  EXPECT_EQ(standard, gan::Generator::load(models + "/natural-field.gan")->info().id);
  EXPECT_NE(fast, standard);
  EXPECT_EQ(model_id("gangen quality=fast num-buffers=1 model=" + dir_->file("field.gan")),
            gan::Generator::load(dir_->file("field.gan"))->info().id);
}

TEST_F(GanGenTest, MissingOrCorruptModelIsABusErrorNamingThePath) {
  RunResult missing;
  gan_test::run_pipeline("gangen model=" + dir_->file("nope.gan") + " ! appsink name=sink",
                         missing);
  ASSERT_NE(missing.error, nullptr);
  EXPECT_TRUE(g_error_matches(missing.error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
  EXPECT_NE(std::string(missing.error->message).find("nope.gan"), std::string::npos);

  gan_test::write_bytes(dir_->file("junk.gan"), {'G', 'S', 'T', 'G', 'A', 'N', 0, 1, 9, 9});
  RunResult corrupt;
  gan_test::run_pipeline("gangen model=" + dir_->file("junk.gan") + " ! appsink name=sink",
                         corrupt);
  ASSERT_NE(corrupt.error, nullptr);
  EXPECT_TRUE(g_error_matches(corrupt.error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ));
  EXPECT_NE(std::string(corrupt.error->message).find("junk.gan"), std::string::npos);
}

TEST_F(GanGenTest, ImpossibleCapsAreNotNegotiated) {
  // Linked first, restricted after: downstream then accepts only a format gangen cannot make.
  GstElement *pipeline =
      gst_parse_launch((gangen() + " ! capsfilter name=f ! fakesink").c_str(), NULL);
  GstElement *filter = gst_bin_get_by_name(GST_BIN(pipeline), "f");
  GstCaps *yuy2 = gst_caps_from_string("video/x-raw,format=YUY2");
  g_object_set(filter, "caps", yuy2, NULL);
  gst_caps_unref(yuy2);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, 10 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
  ASSERT_NE(msg, nullptr);
  ASSERT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR);
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(msg, &err, &debug);
  EXPECT_NE(std::string(debug).find("not-negotiated"), std::string::npos) << debug;
  g_clear_error(&err);
  g_free(debug);
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_object_unref(filter);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

} // namespace

// The duration is known from num-buffers, as videotestsrc answers it: in frames and in time.
TEST_F(GanGenTest, DurationFollowsNumBuffers) {
  GstElement *pipeline = gst_parse_launch(
      (gangen("num-buffers=45") + " ! video/x-raw,framerate=30/1 ! fakesink").c_str(), NULL);
  ASSERT_NE(pipeline, nullptr);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  ASSERT_EQ(gst_element_get_state(pipeline, NULL, NULL, 10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  gint64 duration = -1;
  EXPECT_TRUE(gst_element_query_duration(pipeline, GST_FORMAT_TIME, &duration));
  EXPECT_EQ(duration, static_cast<gint64>(1500 * GST_MSECOND));
  EXPECT_TRUE(gst_element_query_duration(pipeline, GST_FORMAT_DEFAULT, &duration));
  EXPECT_EQ(duration, 45);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);

  // Without num-buffers the stream is endless: no known duration (-1, or no answer).
  pipeline = gst_parse_launch((gangen() + " ! fakesink").c_str(), NULL);
  gst_element_set_state(pipeline, GST_STATE_PAUSED);
  gst_element_get_state(pipeline, NULL, NULL, 10 * GST_SECOND);
  duration = 0;
  if (gst_element_query_duration(pipeline, GST_FORMAT_TIME, &duration)) {
    EXPECT_EQ(duration, -1);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

// A DCGAN exported from PyTorch with [N, Z, 1, 1] latents, its output in [0, 1] (said by a
// sidecar): gangen finds the latent shape and draws the frames the core's generator makes.
TEST_F(GanGenTest, PlaysATorchScriptDcganWithFourDimensionalLatents) {
  torch::manual_seed(1);
  torch::jit::Module m("Dcgan");
  m.register_parameter("weight", torch::randn({8, 1, 8, 8}) * 0.2, false);
  for (const char *a : {"latent_size", "height", "width"})
    m.register_attribute(a, c10::IntType::get(), int64_t{8});
  m.register_attribute("channels", c10::IntType::get(), int64_t{1});
  m.define(R"(
def forward(self, z):
    return torch.sigmoid(torch.conv_transpose2d(z, self.weight))
)");
  const std::string path = dir_->file("dcgan.pt");
  m.save(path);
  std::ofstream(path + ".json") << R"({"range": "0..1"})";

  const auto frames = run("gangen num-buffers=3 motion=random seed=4 model=" + path +
                          " ! video/x-raw,format=GRAY8,width=8,height=8");
  ASSERT_EQ(frames.size(), 3u);
  auto g = gan::Generator::load(path);
  gan::StreamSettings settings;
  settings.seed = 4;
  settings.motion = gan::Motion::Random;
  std::vector<float> z(8), image(64);
  for (size_t n = 0; n < frames.size(); ++n) {
    g->frame_latents(settings, n, 1, z.data());
    g->generate_from_latents(z.data(), 1, image.data());
    for (size_t i = 0; i < 64; ++i) // [-1, 1] -> 0..255, as gangen rounds
      EXPECT_NEAR(frames[n].bytes[i], (image[i] + 1.0f) * 127.5f, 0.51) << "frame " << n;
  }
}
