// SPDX-License-Identifier: LGPL-2.1-or-later
// ganpublish in pipelines: records in files and through a real mosquitto broker (restarted
// mid-stream) and librdkafka's mock cluster, every record checked against the installed JSON
// Schema; secrets kept out of logs; bad targets named while the stream goes on.

#include "gst_util.h"
#include "publish_util.h"
#include "run_command.h"

#include <array>
#include <cstdio>
#include <set>

namespace {

using gan_test::RunResult;
using gan_test::TempDir;

const std::string kSchema = std::string(GST_GAN_SOURCE_DIR) + "/publish/gst-gan-record.schema.json";

// Runs tests/validate_records.py (python3-jsonschema) on a file of records; its output.
std::string validate(const std::string &records, int *status) {
  const std::string cmd = "python3 " + std::string(GST_GAN_SOURCE_DIR) +
                          "/tests/validate_records.py " + kSchema + " " + records + " 2>&1";
  const gan_test::CommandResult r = gan_test::run_command(cmd);
  *status = r.status;
  return r.output;
}

void expect_valid(const std::string &records, size_t count) {
  int status = -1;
  const std::string out = validate(records, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find(std::to_string(count) + " records valid"), std::string::npos) << out;
}

const GstStructure *find_message(const RunResult &r, const char *name) {
  for (const GstStructure *s : r.element_messages)
    if (gst_structure_has_name(s, name))
      return s;
  return nullptr;
}

guint64 field(const GstStructure *s, const char *name) {
  guint64 v = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, name, &v)) << name;
  return v;
}

// gangen's watermarked frames (160x128 carries the mark) through gandetect.
const std::string kSource = "gangen num-buffers=12 seed=5 watermark-payload=77 quality=fast ! "
                            "video/x-raw,width=160,height=128 ! gandetect ! ";

TEST(GanPublish, FileRecordsFollowTheSchemaAndCarryBothVerdicts) {
  TempDir dir;
  RunResult r;
  gan_test::run_pipeline(kSource + "ganpublish location=" + dir.file("v.jsonl") +
                             " stream-id=door-camera ! appsink name=sink",
                         r);
  ASSERT_EQ(r.error, nullptr) << r.error->message;
  ASSERT_EQ(r.frames.size(), 12u) << "passthrough: every frame goes on";
  expect_valid(dir.file("v.jsonl"), 12);
  const std::vector<nlohmann::json> records = gan_test::json_lines(dir.file("v.jsonl"));
  ASSERT_EQ(records.size(), 12u);
  for (size_t i = 0; i < records.size(); ++i) {
    const nlohmann::json &rec = records[i];
    EXPECT_EQ(rec["stream_id"], "door-camera");
    EXPECT_EQ(rec["frame"], i);
    EXPECT_EQ(rec["synthetic"]["frame"], i);
    EXPECT_EQ(rec["synthetic"]["seed"], 5);
    EXPECT_EQ(rec["pts_ns"], rec["running_time_ns"]);
    // The mark decides: gangen's frames are found synthetic with its payload.
    EXPECT_EQ(rec["detection"]["watermark"]["found"], true) << rec.dump();
    EXPECT_EQ(rec["detection"]["watermark"]["payload"], 77);
    EXPECT_EQ(rec["detection"]["verdict"], "synthetic");
    EXPECT_EQ(rec["detection"]["decided_by"], "watermark");
  }
  const GstStructure *stats = find_message(r, "ganpublish-stats");
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(field(stats, "records"), 12u);
  EXPECT_EQ(field(stats, "delivered"), 12u);
  EXPECT_EQ(field(stats, "dropped"), 0u);

  RunResult arr; // one JSON array
  gan_test::run_pipeline(kSource + "ganpublish file-format=json location=" + dir.file("v.json") +
                             " ! appsink name=sink",
                         arr);
  ASSERT_EQ(arr.error, nullptr);
  expect_valid(dir.file("v.json"), 12);
  std::ifstream in(dir.file("v.json"));
  const nlohmann::json all = nlohmann::json::parse(in);
  ASSERT_EQ(all.size(), 12u);
  const std::string id = all[0]["stream_id"];
  EXPECT_NE(id.find("/ganpublish"), std::string::npos) << "default <pipeline>/<element>: " << id;
}

TEST(GanPublish, ChangesAndIntervalModesSayLess) {
  TempDir dir;
  RunResult changes;
  gan_test::run_pipeline(kSource + "ganpublish mode=changes location=" + dir.file("c.jsonl") +
                             " ! appsink name=sink",
                         changes);
  ASSERT_EQ(changes.error, nullptr);
  const auto c = gan_test::json_lines(dir.file("c.jsonl"));
  ASSERT_EQ(c.size(), 1u) << "one verdict, said once";
  EXPECT_EQ(c[0]["frame"], 0);
  expect_valid(dir.file("c.jsonl"), 1);

  // 30 frames at 30/1 in summaries of 0.25 s of running time: 4 summaries of 7 or 8 frames.
  RunResult interval;
  gan_test::run_pipeline(
      "gangen num-buffers=30 quality=fast ! video/x-raw,width=64,height=48,framerate=30/1 ! "
      "gandetect ! ganpublish mode=interval interval=0.25 location=" +
          dir.file("i.jsonl") + " ! appsink name=sink",
      interval);
  ASSERT_EQ(interval.error, nullptr);
  const auto s = gan_test::json_lines(dir.file("i.jsonl"));
  ASSERT_EQ(s.size(), 4u);
  uint64_t frames = 0;
  for (const auto &rec : s) {
    EXPECT_EQ(rec["kind"], "summary");
    frames += rec["frames"].get<uint64_t>();
    EXPECT_EQ(rec["detected_frames"], rec["frames"]);
  }
  EXPECT_EQ(frames, 30u) << "every frame in one summary, the last at EOS";
  EXPECT_EQ(s[1]["first_frame"], s[0]["last_frame"].get<uint64_t>() + 1);
  expect_valid(dir.file("i.jsonl"), 4);
}

TEST(GanPublish, AnUnwritablePathIsNamedAndTheStreamGoesOnUnlessToldToFail) {
  const std::string path = "/nonexistent-gst-gan-dir/v.jsonl";
  RunResult r;
  gan_test::run_pipeline(kSource + "ganpublish location=" + path + " ! appsink name=sink", r);
  EXPECT_EQ(r.error, nullptr);
  EXPECT_EQ(r.frames.size(), 12u);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find(path), std::string::npos) << r.warnings[0];
  const GstStructure *stats = find_message(r, "ganpublish-stats");
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(field(stats, "records"), 12u);
  EXPECT_EQ(field(stats, "delivered"), 0u);

  RunResult strict;
  gan_test::run_pipeline(kSource + "ganpublish fail-on-connect=true location=" + path +
                             " ! appsink name=sink",
                         strict);
  ASSERT_NE(strict.error, nullptr);
  EXPECT_NE(std::string(strict.error->message).find(path), std::string::npos)
      << strict.error->message;
}

TEST(GanPublish, PasswordsAndKafkaSettingsAreWriteOnlyAndNeverPrinted) {
  GstElement *e = gst_element_factory_make("ganpublish", nullptr);
  ASSERT_NE(e, nullptr);
  for (const char *name : {"password", "kafka-config"}) {
    GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(e), name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_FALSE(spec->flags & G_PARAM_READABLE) << name << " can be read back";
  }
  gst_object_unref(e);
  // gst-launch -v prints every readable property that changes, and the warnings.
  const int port = gan_test::free_tcp_port(); // no broker there
  const std::string cmd =
      "gst-launch-1.0 -v gangen num-buffers=3 quality=fast ! video/x-raw,width=64,height=48 ! "
      "gandetect ! ganpublish target=mqtt "
      "host=127.0.0.1 port=" +
      std::to_string(port) +
      " username=camera password=hunter2-secret flush-timeout=100 ! fakesink 2>&1; "
      "gst-launch-1.0 -v gangen num-buffers=3 quality=fast ! video/x-raw,width=64,height=48 ! "
      "gandetect ! ganpublish target=kafka "
      "brokers=127.0.0.1:" +
      std::to_string(port) +
      " \"kafka-config=sasl.password=hunter3-secret;message.timeout.ms=200\" flush-timeout=100 ! "
      "fakesink 2>&1";
  const std::string out = gan_test::run_command(cmd).output;
  EXPECT_NE(out.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << "the unreachable broker is named: " << out;
  EXPECT_EQ(out.find("hunter2-secret"), std::string::npos) << out;
  EXPECT_EQ(out.find("hunter3-secret"), std::string::npos) << out;
}

#ifdef GST_GAN_HAVE_MQTT

// 30 frames/s, live, through gandetect to a real broker that is stopped and restarted twice:
// no frame lost in the pipeline, every record delivered or counted dropped, the subscriber's
// records valid and resuming after each restart.
TEST(GanPublish, ThroughARealBrokerRestartedTwiceNothingIsLostSilently) {
  gan_test::MosquittoBroker broker;
  gan_test::Subscriber sub(broker.port(), "cams/door");
  ASSERT_TRUE(sub.wait_subscribed(1, 10));
  const std::string description =
      "gangen is-live=true quality=fast ! video/x-raw,width=160,height=128,framerate=30/1 ! "
      "gandetect ! ganpublish "
      "target=mqtt host=127.0.0.1 topic=cams/door qos=1 port=" +
      std::to_string(broker.port()) + " name=pub ! fakesink name=sink signal-handoffs=true";
  GstElement *pipeline = gst_parse_launch(description.c_str(), nullptr);
  ASSERT_NE(pipeline, nullptr);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstElement *pub = gst_bin_get_by_name(GST_BIN(pipeline), "pub");
  std::atomic<int> frames{0};
  g_signal_connect(sink, "handoff",
                   G_CALLBACK(+[](GstElement *, GstBuffer *, GstPad *, gpointer n) {
                     ++*static_cast<std::atomic<int> *>(n);
                   }),
                   &frames);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  std::vector<std::string> warnings;
  bool errored = false;
  auto pump = [&](double seconds) {
    const gint64 until = g_get_monotonic_time() + static_cast<gint64>(seconds * 1e6);
    while (g_get_monotonic_time() < until) {
      GstMessage *m = gst_bus_timed_pop(bus, 20 * GST_MSECOND);
      if (!m)
        continue;
      if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
        GError *w = nullptr;
        gst_message_parse_warning(m, &w, nullptr);
        warnings.push_back(w->message);
        g_clear_error(&w);
      }
      errored |= GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR;
      gst_message_unref(m);
    }
  };
  pump(1.5);
  for (int outage = 0; outage < 2; ++outage) {
    broker.stop();
    pump(1.0);
    broker.start();
    pump(1.5);
  }
  gst_element_send_event(pipeline, gst_event_new_eos());
  GstMessage *eos = gst_bus_timed_pop_filtered(
      bus, 20 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_NE(eos, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(eos), GST_MESSAGE_EOS);
  gst_message_unref(eos);
  guint64 records = 0, delivered = 0, dropped = 0;
  g_object_get(pub, "records", &records, "delivered", &delivered, "dropped", &dropped, NULL);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(sink);
  gst_object_unref(pub);
  gst_object_unref(pipeline);

  EXPECT_FALSE(errored) << "a broker away is never an error";
  EXPECT_GT(frames.load(), 100) << "~6.5 s at 30 frames/s";
  EXPECT_EQ(records, static_cast<guint64>(frames.load())) << "one record per frame";
  EXPECT_EQ(delivered + dropped, records) << "no silent loss";
  EXPECT_GE(warnings.size(), 2u) << "one warning per outage";
  for (const std::string &w : warnings)
    EXPECT_NE(w.find("127.0.0.1:" + std::to_string(broker.port())), std::string::npos) << w;
  sub.wait_messages(delivered, 15);
  const std::vector<std::string> got = sub.messages();
  TempDir dir;
  {
    std::ofstream out(dir.file("got.jsonl"));
    for (const std::string &m : std::set<std::string>(got.begin(), got.end()))
      out << m << "\n";
  }
  const std::set<std::string> distinct(got.begin(), got.end());
  EXPECT_GE(distinct.size(), delivered);
  expect_valid(dir.file("got.jsonl"), distinct.size());
  std::set<uint64_t> frame_numbers;
  for (const std::string &m : distinct)
    frame_numbers.insert(nlohmann::json::parse(m)["frame"].get<uint64_t>());
  EXPECT_TRUE(frame_numbers.count(records - 1)) << "records resume after the restarts";
  std::printf("frames %d, records %llu, delivered %llu, dropped %llu, received %zu\n",
              frames.load(), static_cast<unsigned long long>(records),
              static_cast<unsigned long long>(delivered), static_cast<unsigned long long>(dropped),
              distinct.size());
}

#endif

#ifdef GST_GAN_HAVE_KAFKA

TEST(GanPublish, KafkaRecordsReachTheMockClusterKeyedByStream) {
  gan_test::MockKafka cluster("verdicts");
  RunResult r;
  gan_test::run_pipeline(kSource + "ganpublish target=kafka topic=verdicts brokers=" +
                             cluster.bootstraps() + " stream-id=cam-7 ! appsink name=sink",
                         r);
  ASSERT_EQ(r.error, nullptr) << r.error->message;
  const GstStructure *stats = find_message(r, "ganpublish-stats");
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(field(stats, "delivered"), 12u);
  const auto got = cluster.consume("verdicts", 12);
  ASSERT_EQ(got.size(), 12u);
  TempDir dir;
  {
    std::ofstream out(dir.file("k.jsonl"));
    for (const auto &[key, value] : got) {
      EXPECT_EQ(key, "cam-7");
      out << value << "\n";
    }
  }
  expect_valid(dir.file("k.jsonl"), 12);
}

#endif

} // namespace
