// SPDX-License-Identifier: LGPL-2.1-or-later
// Nothing breaks the stream: hostile model files, models that load but fail, swaps while
// frames wait in a batch, caps changes, reverse seeks and non-finite numbers. Each case was a
// defect found by held-out tests or a new user (issue 13); each test failed before its fix.

#include "gst_util.h"

#include "gan/runtime.h"

#include <gst/app/gstappsrc.h>
#include <gst/gan/gstganmeta.h>
#include <torch/script.h>

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>

namespace {

using gan_test::RunResult;
using gan_test::TempDir;

class Robustness : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    gan_test::save_untrained_mlp(dir_->file("a.gan"), 1, 8, 8);
    // Another model of the same shape: other initial weights.
    gan::TrainOptions o;
    o.config = {"mlp", 16, 1, 8, 8};
    o.batch_size = 4;
    o.seed = 77;
    gan::Trainer(o, gan_test::pattern_images(8, 8, 8, 1)).save_model(dir_->file("b.gan"));
    ASSERT_EQ(mkfifo(dir_->file("fifo.gan").c_str(), 0600), 0);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  // A TorchScript detector of 1x8x8 input whose forward is `body` (x is the input).
  static std::string script_detector(const std::string &name, const std::string &body) {
    torch::jit::Module m("Scripted");
    for (const char *a : {"height", "width"})
      m.register_attribute(a, c10::IntType::get(), int64_t{8});
    m.register_attribute("channels", c10::IntType::get(), int64_t{1});
    m.define("def forward(self, x):\n" + body);
    const std::string path = dir_->file(name);
    m.save(path);
    return path;
  }
  static TempDir *dir_;
};

TempDir *Robustness::dir_ = nullptr;

// gandetect on 8x8 GRAY8 frames in a harness, its messages on a bus of the test's own.
struct DetectHarness {
  GstHarness *h;
  GstElement *det;
  GstBus *bus;
  explicit DetectHarness(const std::string &properties) {
    h = gst_harness_new_parse(
        ("gandetect post-messages=false watermark-key=\"\" " + properties).c_str());
    gst_harness_set_src_caps_str(h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1");
    det = gst_harness_find_element(h, "gandetect");
    bus = gst_bus_new();
    gst_element_set_bus(det, bus);
  }
  ~DetectHarness() {
    gst_element_set_bus(det, NULL);
    gst_object_unref(bus);
    gst_object_unref(det);
    gst_harness_teardown(h);
  }
  DetectHarness(const DetectHarness &) = delete;
  DetectHarness &operator=(const DetectHarness &) = delete;
};

GstBuffer *gray_frame(guint8 value, guint64 n) {
  GstBuffer *b = gst_buffer_new_allocate(NULL, 64, NULL);
  gst_buffer_memset(b, 0, value, 64);
  GST_BUFFER_PTS(b) = n * GST_SECOND / 30;
  GST_BUFFER_DURATION(b) = GST_SECOND / 30;
  return b;
}

// A FIFO, a directory or a device as the model: a clear error at once, never a hang or a read
// of gigabytes.
TEST_F(Robustness, NonRegularModelFilesAreRefusedAtOnce) {
  struct Case {
    std::string path;
    gan::ErrorCode code;
    const char *says;
  };
  for (const Case &c :
       {Case{dir_->file("fifo.gan"), gan::ErrorCode::WrongKind, "not a regular file"},
        Case{"/dev/zero", gan::ErrorCode::WrongKind, "not a regular file"},
        Case{"/dev/urandom", gan::ErrorCode::WrongKind, "not a regular file"},
        Case{dir_->path(), gan::ErrorCode::NotFound, "is a directory"}}) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string msg = gan_test::expect_error([&] { gan::Detector::load(c.path); }, c.code);
    EXPECT_NE(msg.find(c.says), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.path), std::string::npos) << msg;
    gan_test::expect_error([&] { gan::Generator::load(c.path); }, c.code);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5)) << c.path;
  }
  RunResult r;
  gan_test::run_pipeline("gangen num-buffers=2 model=" + dir_->file("fifo.gan") +
                             " ! appsink name=sink",
                         r, 20 * GST_SECOND);
  ASSERT_NE(r.error, nullptr);
  EXPECT_NE(r.error_debug.find("not a regular file"), std::string::npos) << r.error_debug;
}

// A hot swap never holds the application's thread, and a model that cannot be read keeps the
// stream on the model it had.
TEST_F(Robustness, HotSwapsDoNotBlockTheCallerOrTheStream) {
  DetectHarness d("model=" + dir_->file("a.gan"));
  auto model_of_next_frame = [&](guint64 n) {
    EXPECT_EQ(gst_harness_push(d.h, gray_frame(90, n)), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull(d.h);
    const GstGanDetectMeta *m = gst_buffer_get_gan_detect_meta(out);
    std::string id = m ? m->model_id : "";
    gst_buffer_unref(out);
    return id;
  };
  const std::string a = model_of_next_frame(0);
  for (const std::string &bad : {dir_->file("fifo.gan"), std::string("/dev/zero")}) {
    const auto t0 = std::chrono::steady_clock::now();
    g_object_set(d.det, "model", bad.c_str(), NULL);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500)) << bad;
    GstMessage *warning = gst_bus_timed_pop_filtered(d.bus, 20 * GST_SECOND, GST_MESSAGE_WARNING);
    ASSERT_NE(warning, nullptr) << bad;
    gst_message_unref(warning);
    EXPECT_EQ(model_of_next_frame(1), a);
  }
}

// A swap to a model that loads but cannot run is refused after its probe: the old one stays,
// and no "model changed" is announced.
TEST_F(Robustness, ModelsThatFailTheirProbeAreNotSwappedIn) {
  const std::string throws = script_detector(
      "throws.pt", "    assert x.size(0) == 0, \"broken on purpose\"\n    return x\n");
  const std::string float64 = script_detector("f64.pt", "    return x.mean([1, 2, 3]).double()\n");
  const std::string tuple =
      script_detector("tuple.pt", "    y = x.mean([1, 2, 3])\n    return (y, y)\n");
  const std::string empty = script_detector("empty.pt", "    return x[:0].mean([1, 2, 3])\n");
  const std::string nan = script_detector("nan.pt", "    return x.mean([1, 2, 3]) / 0.0 * 0.0\n");
  DetectHarness d("model=" + dir_->file("a.gan"));
  ASSERT_EQ(gst_harness_push(d.h, gray_frame(40, 0)), GST_FLOW_OK);
  GstBuffer *first = gst_harness_pull(d.h);
  const std::string a = gst_buffer_get_gan_detect_meta(first)->model_id;
  gst_buffer_unref(first);
  for (const std::string &bad : {throws, float64, tuple, empty, nan}) {
    g_object_set(d.det, "model", bad.c_str(), NULL);
    GstMessage *m = gst_bus_timed_pop_filtered(
        d.bus, 20 * GST_SECOND,
        static_cast<GstMessageType>(GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT));
    ASSERT_NE(m, nullptr) << bad;
    EXPECT_EQ(GST_MESSAGE_TYPE(m), GST_MESSAGE_WARNING) << bad;
    gst_message_unref(m);
    ASSERT_EQ(gst_harness_push(d.h, gray_frame(40, 1)), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull(d.h);
    EXPECT_EQ(gst_buffer_get_gan_detect_meta(out)->model_id, a) << bad;
    gst_buffer_unref(out);
  }
}

// A model that passes its probe but fails on real frames does not stop a live stream: every
// frame goes on, carrying the last result, and one warning names the model and the cause.
TEST_F(Robustness, AModelFailingWhilePlayingWarnsAndFramesFlow) {
  const std::string picky = script_detector(
      "picky.pt", "    assert bool((x.abs().sum() == 0.0).item()), \"only grey frames\"\n"
                  "    return x.mean([1, 2, 3])\n");
  RunResult r;
  gan_test::run_pipeline("videotestsrc num-buffers=12 pattern=ball ! "
                         "video/x-raw,format=GRAY8,width=8,height=8 ! gandetect model=" +
                             picky + " ! appsink name=sink",
                         r);
  EXPECT_EQ(r.error, nullptr) << (r.error ? r.error->message : "");
  EXPECT_EQ(r.frames.size(), 12u);
}

// Frames waiting in a batch when the model changes are scored by the model their inputs were
// made for, and carry its id.
TEST_F(Robustness, FramesQueuedAcrossASwapKeepTheirModel) {
  auto ids_and_logits = [&](bool swap) {
    DetectHarness d("batch-size=4 batch-timeout=100000000000 model=" + dir_->file("a.gan"));
    for (guint64 n = 0; n < 2; ++n)
      EXPECT_EQ(gst_harness_push(d.h, gray_frame(static_cast<guint8>(30 + 50 * n), n)),
                GST_FLOW_OK);
    if (swap) {
      g_object_set(d.det, "model", dir_->file("b.gan").c_str(), NULL);
      GstMessage *m = gst_bus_timed_pop_filtered(d.bus, 20 * GST_SECOND, GST_MESSAGE_ELEMENT);
      EXPECT_NE(m, nullptr);
      if (m)
        gst_message_unref(m);
    }
    for (guint64 n = 2; n < 4; ++n)
      EXPECT_EQ(gst_harness_push(d.h, gray_frame(static_cast<guint8>(30 + 50 * n), n)),
                GST_FLOW_OK);
    std::vector<std::pair<std::string, double>> out;
    while (out.size() < 4) {
      GstBuffer *b = gst_harness_try_pull(d.h);
      if (!b) {
        gst_harness_push_event(d.h, gst_event_new_eos());
        b = gst_harness_pull(d.h);
      }
      const GstGanDetectMeta *m = gst_buffer_get_gan_detect_meta(b);
      out.emplace_back(m->model_id, m->logit);
      gst_buffer_unref(b);
    }
    return out;
  };
  const auto plain = ids_and_logits(false);
  const auto swapped = ids_and_logits(true);
  const std::string a = plain[0].first;
  const std::string b = gan::Detector::load(dir_->file("b.gan"))->info().id;
  ASSERT_NE(a, b);
  for (int n = 0; n < 2; ++n) { // queued before the swap: model a, a's logits
    EXPECT_EQ(swapped[n].first, a) << n;
    EXPECT_NEAR(swapped[n].second, plain[n].second, 1e-5) << n;
  }
  for (int n = 2; n < 4; ++n)
    EXPECT_EQ(swapped[n].first, b) << n;
}

// Frames held for a batch go downstream before new caps do: a converter after gandetect never
// sees a frame under the wrong caps.
TEST_F(Robustness, HeldFramesLeaveBeforeNewCaps) {
  GstElement *pipeline =
      gst_parse_launch(("appsrc name=src format=time ! gandetect batch-size=4 "
                        "batch-timeout=100000000000 post-messages=false model=" +
                        dir_->file("a.gan") + " ! videoconvert ! video/x-raw,format=RGB ! " +
                        "appsink name=sink sync=false")
                           .c_str(),
                       NULL);
  ASSERT_NE(pipeline, nullptr);
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  guint64 n = 0;
  for (int size : {8, 16}) {
    gchar *caps_text =
        g_strdup_printf("video/x-raw,format=GRAY8,width=%d,height=%d,framerate=30/1", size, size);
    GstCaps *caps = gst_caps_from_string(caps_text);
    g_free(caps_text);
    for (int i = 0; i < 3; ++i, ++n) {
      GstBuffer *b = gst_buffer_new_allocate(NULL, static_cast<gsize>(size * size), NULL);
      gst_buffer_memset(b, 0, 100, static_cast<gsize>(size * size));
      GST_BUFFER_PTS(b) = n * GST_SECOND / 30;
      GstSample *sample = gst_sample_new(b, caps, NULL, NULL);
      EXPECT_EQ(gst_app_src_push_sample(GST_APP_SRC(src), sample), GST_FLOW_OK);
      gst_sample_unref(sample);
      gst_buffer_unref(b);
    }
    gst_caps_unref(caps);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  int frames = 0;
  while (GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_SECOND)) {
    GstVideoInfo info;
    ASSERT_TRUE(gst_video_info_from_caps(&info, gst_sample_get_caps(s)));
    EXPECT_EQ(gst_buffer_get_size(gst_sample_get_buffer(s)), GST_VIDEO_INFO_SIZE(&info));
    EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&info), frames < 3 ? 8 : 16) << "frame " << frames;
    gst_sample_unref(s);
    ++frames;
  }
  EXPECT_TRUE(gst_app_sink_is_eos(GST_APP_SINK(sink)));
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *error = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  EXPECT_EQ(error, nullptr);
  if (error)
    gst_message_unref(error);
  EXPECT_EQ(frames, 6);
  gst_object_unref(bus);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

// A reverse-rate seek on gangen is refused before anything is flushed: the stream goes on, and
// gandetect sees no segment of another format.
TEST_F(Robustness, ReverseSeeksAreRefusedWithoutTouchingTheStream) {
  GstElement *pipeline = gst_parse_launch(("gangen num-buffers=40 model=" + dir_->file("a.gan") +
                                           " ! gandetect model=" + dir_->file("a.gan") +
                                           " ! appsink name=sink sync=false")
                                              .c_str(),
                                          NULL);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PAUSED);
  ASSERT_EQ(gst_element_get_state(pipeline, NULL, NULL, 10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  EXPECT_FALSE(gst_element_seek(pipeline, -1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH,
                                GST_SEEK_TYPE_SET, 0, GST_SEEK_TYPE_SET, GST_SECOND));
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  int frames = 0;
  guint64 last = 0;
  while (GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND)) {
    last = GST_BUFFER_OFFSET(gst_sample_get_buffer(s));
    gst_sample_unref(s);
    ++frames;
  }
  EXPECT_EQ(frames, 40);
  EXPECT_EQ(last, 39u);
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *error = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  EXPECT_EQ(error, nullptr);
  if (error)
    gst_message_unref(error);
  gst_object_unref(bus);
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

// After a seek, gandetect reports the stream's frame (the buffer OFFSET), not its own count.
TEST_F(Robustness, FrameNumbersAreTheStreamsAfterASeek) {
  GstElement *pipeline = gst_parse_launch(
      ("gangen model=" + dir_->file("a.gan") + " ! video/x-raw,framerate=30/1 ! gandetect " +
       "model=" + dir_->file("a.gan") + " ! appsink name=sink sync=false max-buffers=1 drop=true")
          .c_str(),
      NULL);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PAUSED);
  ASSERT_EQ(gst_element_get_state(pipeline, NULL, NULL, 10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  ASSERT_TRUE(gst_element_seek_simple(
      pipeline, GST_FORMAT_TIME, static_cast<GstSeekFlags>(GST_SEEK_FLAG_FLUSH), 10 * GST_SECOND));
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  guint64 frame = 0;
  bool found = false;
  while (!found) {
    GstMessage *m = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_ELEMENT);
    ASSERT_NE(m, nullptr);
    const GstStructure *st = gst_message_get_structure(m);
    if (gst_structure_has_name(st, "gandetect")) {
      guint64 ts = 0;
      gst_structure_get_uint64(st, "timestamp", &ts);
      if (ts >= 10 * GST_SECOND) {
        gst_structure_get_uint64(st, "frame", &frame);
        found = true;
      }
    }
    gst_message_unref(m);
  }
  EXPECT_EQ(frame, 300u);
  gst_object_unref(bus);
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

// Non-finite weights are refused when the model loads; a too large declared input is refused.
TEST_F(Robustness, NonFiniteWeightsAndImpossibleInputsAreRefusedAtLoad) {
  torch::jit::Module m("NanWeights");
  for (const char *a : {"channels", "height", "width"})
    m.register_attribute(a, c10::IntType::get(), int64_t{a[0] == 'c' ? 1 : 4});
  m.register_parameter("w", torch::full({1}, std::numeric_limits<float>::quiet_NaN()), false);
  m.define("def forward(self, x):\n    return x.mean([1, 2, 3]) * self.w\n");
  m.save(dir_->file("nanw.pt"));
  std::string msg = gan_test::expect_error([&] { gan::Detector::load(dir_->file("nanw.pt")); },
                                           gan::ErrorCode::Corrupt);
  EXPECT_NE(msg.find("not finite"), std::string::npos) << msg;

  torch::jit::Module big("Big");
  for (const char *a : {"channels", "height", "width"})
    big.register_attribute(a, c10::IntType::get(), int64_t{a[0] == 'c' ? 3 : 4096});
  big.define("def forward(self, x):\n    return x.mean([1, 2, 3])\n");
  big.save(dir_->file("big.pt"));
  msg = gan_test::expect_error([&] { gan::Detector::load(dir_->file("big.pt")); },
                               gan::ErrorCode::InvalidArgument);
  EXPECT_NE(msg.find("'height'"), std::string::npos) << msg;

  torch::jit::Module zero("ZeroLatent");
  for (const char *a : {"latent_size", "channels", "height", "width"})
    zero.register_attribute(a, c10::IntType::get(), int64_t{a[0] == 'l' ? 0 : 4});
  zero.define("def forward(self, z):\n    return z\n");
  zero.save(dir_->file("zero.pt"));
  gan_test::expect_error([&] { gan::Generator::load(dir_->file("zero.pt")); },
                         gan::ErrorCode::InvalidArgument);
}

// Damaged TorchScript archives are refused before LibTorch's reader sees them: that reader
// skips CRC-32s and trusts sizes (one flipped bit made it allocate 26 GB in the fuzzer).
TEST_F(Robustness, DamagedTorchScriptArchivesAreRefusedBeforeLibTorchReadsThem) {
  torch::jit::Module m("Marked");
  for (const char *a : {"channels", "height", "width"})
    m.register_attribute(a, c10::IntType::get(), int64_t{a[0] == 'c' ? 1 : 4});
  m.register_parameter("w", torch::full({16}, 1234.5f), false);
  m.define("def forward(self, x):\n    return x.mean([1, 2, 3]) * self.w[0]\n");
  const std::string good = dir_->file("marked.pt");
  m.save(good);
  ASSERT_NO_THROW(gan::Detector::load(good));
  std::ifstream in(good, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto write = [&](const std::string &name, const std::string &content) {
    std::ofstream(dir_->file(name), std::ios::binary) << content;
    return dir_->file(name);
  };

  // One bit of the weights' record flipped: only its CRC-32 tells.
  const float value = 1234.5f;
  const size_t at = bytes.find(std::string(reinterpret_cast<const char *>(&value), 4));
  ASSERT_NE(at, std::string::npos);
  std::string flipped = bytes;
  flipped[at] = static_cast<char>(flipped[at] ^ 0x04);
  const std::string flipped_path = write("flipped.pt", flipped);
  std::string msg =
      gan_test::expect_error([&] { gan::Detector::load(flipped_path); }, gan::ErrorCode::Corrupt);
  EXPECT_NE(msg.find("CRC-32"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data/0"), std::string::npos) << msg;
  EXPECT_NE(msg.find(flipped_path), std::string::npos) << msg;

  // Cut short anywhere: no end record, or records past the end.
  for (const size_t keep : {bytes.size() / 2, bytes.size() - 30}) {
    const std::string cut = write("cut.pt", bytes.substr(0, keep));
    msg = gan_test::expect_error([&] { gan::Detector::load(cut); }, gan::ErrorCode::Truncated);
    EXPECT_NE(msg.find("cut.pt"), std::string::npos) << msg;
  }

  // The central directory's offset pointed past the file (in the zip64 end record, which
  // LibTorch writes, else in the plain one).
  std::string moved = bytes;
  const size_t zip64_end = moved.rfind("PK\x06\x06");
  const size_t end = moved.rfind("PK\x05\x06");
  ASSERT_NE(end, std::string::npos);
  moved[zip64_end != std::string::npos ? zip64_end + 55 : end + 19] = '\x7f';
  const std::string moved_path = write("moved.pt", moved);
  gan_test::expect_error([&] { gan::Detector::load(moved_path); }, gan::ErrorCode::Truncated);
}

// An error about a file whose name is not UTF-8 keeps its text (GStreamer drops invalid UTF-8).
TEST_F(Robustness, ErrorsAboutNonUtf8NamesKeepTheirText) {
  const std::string path = dir_->file("bad\xff\xfe-name.gan");
  GstElement *pipeline =
      gst_parse_launch("videotestsrc num-buffers=1 ! gandetect name=d ! fakesink", NULL);
  GstElement *det = gst_bin_get_by_name(GST_BIN(pipeline), "d");
  g_object_set(det, "model", path.c_str(), NULL);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *m = gst_bus_timed_pop_filtered(bus, 20 * GST_SECOND, GST_MESSAGE_ERROR);
  ASSERT_NE(m, nullptr);
  GError *error = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(m, &error, &debug);
  EXPECT_TRUE(g_utf8_validate(error->message, -1, NULL));
  EXPECT_NE(std::string(error->message).find("-name.gan"), std::string::npos) << error->message;
  EXPECT_NE(std::string(debug ? debug : "").find("-name.gan"), std::string::npos) << debug;
  g_clear_error(&error);
  g_free(debug);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_object_unref(det);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

} // namespace
