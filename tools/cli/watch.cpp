// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan watch: one command a person runs on a file, a camera or an RTSP URL. It plays the
// source through gandetect, prints a line a second (verdict, fake probability, watermark,
// frames/s), and with --overlay shows the video with the verdict written on it; --publish sends
// the records (ganpublish) to MQTT, Kafka or a file.

#include "cli/command.h"

#include "target_url.h"

#include <gst/gan/gstganmeta.h>
#include <gst/gst.h>

#include <csignal>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>

namespace {

struct WatchArgs {
  std::string uri;
  std::string publish;
  bool overlay = false;
  std::string sink;
  std::string model;
  std::string watermark_key;
  double seconds = 0;
};

// The last verdict seen on gandetect's source pad, and the frames since the last line.
struct Latest {
  std::mutex lock;
  guint64 frames = 0, frames_total = 0, fake_total = 0, watermarked_total = 0;
  bool any = false;
  double probability = 0;
  bool is_fake = false, watermark = false;
  guint32 payload = 0;
  std::string decided_by, model;
};

volatile std::sig_atomic_t g_interrupted = 0;

GstPadProbeReturn on_buffer(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *latest = static_cast<Latest *>(data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  const GstGanDetectMeta *m = gst_buffer_get_gan_detect_meta(buf);
  std::lock_guard<std::mutex> guard(latest->lock);
  ++latest->frames;
  ++latest->frames_total;
  if (m) {
    latest->any = true;
    latest->probability = m->fake_probability;
    latest->is_fake = m->is_fake;
    latest->watermark = m->watermark_found;
    latest->payload = m->watermark_payload;
    latest->decided_by = m->decided_by ? m->decided_by : "";
    latest->model = m->model_id ? m->model_id : "";
    latest->fake_total += m->is_fake;
    latest->watermarked_total += m->watermark_found;
  }
  return GST_PAD_PROBE_OK;
}

std::string verdict_text(const Latest &l) {
  if (!l.any)
    return "no verdict yet";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s  p(fake) %.3f  watermark %s%s  (by %s)",
                l.is_fake ? "SYNTHETIC" : "real", l.probability, l.watermark ? "found" : "none",
                l.watermark ? (", payload " + std::to_string(l.payload)).c_str() : "",
                l.decided_by.c_str());
  return buf;
}

// A path becomes a file:// URI; anything with a scheme is kept.
std::string as_uri(const std::string &s) {
  if (gst_uri_is_valid(s.c_str()))
    return s;
  GError *err = nullptr;
  gchar *uri = gst_filename_to_uri(s.c_str(), &err);
  if (!uri) {
    const std::string why = err ? err->message : "not a URI or a path";
    g_clear_error(&err);
    throw std::runtime_error("'" + s + "': " + why);
  }
  std::string out = uri;
  g_free(uri);
  return out;
}

// ganpublish's properties for a --publish URL.
std::string publish_element(const std::string &url) {
  const ganpub::TargetUrl t = ganpub::parse_target_url(url);
  auto quoted = [](const std::string &v) {
    gchar *q = g_strescape(v.c_str(), nullptr);
    std::string out = "\"" + std::string(q) + "\"";
    g_free(q);
    return out;
  };
  if (t.scheme == "file")
    return "ganpublish location=" + quoted(t.path);
  if (t.scheme == "kafka")
    return "ganpublish target=kafka brokers=" + quoted(t.brokers) + " topic=" + quoted(t.topic);
  return "ganpublish target=mqtt host=" + quoted(t.host) + " port=" + std::to_string(t.port) +
         " topic=" + quoted(t.topic);
}

int run_watch(const WatchArgs &a) {
  const std::string uri = as_uri(a.uri);
  if (a.overlay) {
    GstElementFactory *text = gst_element_factory_find("textoverlay");
    if (!text)
      throw std::runtime_error("--overlay needs GStreamer's textoverlay (pango plugin; Debian: "
                               "gstreamer1.0-x)");
    gst_object_unref(text);
  }
  std::string detect = "gandetect name=detect";
  if (!a.model.empty())
    detect += " model=\"" + a.model + "\"";
  if (!a.watermark_key.empty())
    detect += " watermark-key=\"" + a.watermark_key + "\" watermark-window=15";
  std::string description = "uridecodebin uri=\"" + uri + "\" ! videoconvert ! " + detect;
  if (!a.publish.empty())
    description += " ! " + publish_element(a.publish);
  if (a.overlay)
    description += " ! videoconvert ! textoverlay name=label valignment=top halignment=left "
                   "font-desc=\"Sans 16\" shaded-background=true ! videoconvert";
  description +=
      " ! " + (a.sink.empty() ? std::string(a.overlay ? "autovideosink" : "fakesink") : a.sink);
  GError *err = nullptr;
  GstElement *pipeline = gst_parse_launch(description.c_str(), &err);
  if (!pipeline || err) {
    const std::string why = err ? err->message : "cannot build the pipeline";
    g_clear_error(&err);
    if (pipeline)
      gst_object_unref(pipeline);
    throw std::runtime_error(why + " (" + description + ")");
  }
  Latest latest;
  GstElement *detector = gst_bin_get_by_name(GST_BIN(pipeline), "detect");
  GstPad *src = gst_element_get_static_pad(detector, "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &latest, nullptr);
  gst_object_unref(src);
  gst_object_unref(detector);
  GstElement *label = gst_bin_get_by_name(GST_BIN(pipeline), "label");

  std::signal(SIGINT, [](int) { g_interrupted = 1; });
  std::fprintf(stderr, "watching %s\n", uri.c_str());
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    std::fprintf(stderr, "gst-gan watch: the pipeline did not start\n");
  GstBus *bus = gst_element_get_bus(pipeline);
  const gint64 start = g_get_monotonic_time();
  gint64 last_line = start;
  int status = 0;
  bool done = false, eos_sent = false;
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop(bus, 100 * GST_MSECOND);
    if (msg) {
      switch (GST_MESSAGE_TYPE(msg)) {
      case GST_MESSAGE_EOS:
        done = true;
        break;
      case GST_MESSAGE_ERROR: {
        GError *e = nullptr;
        gchar *debug = nullptr;
        gst_message_parse_error(msg, &e, &debug);
        std::fprintf(stderr, "gst-gan watch: error from %s: %s\n", GST_OBJECT_NAME(msg->src),
                     e ? e->message : "");
        g_clear_error(&e);
        g_free(debug);
        status = 2;
        done = true;
        break;
      }
      case GST_MESSAGE_WARNING: {
        GError *e = nullptr;
        gst_message_parse_warning(msg, &e, nullptr);
        std::fprintf(stderr, "gst-gan watch: warning from %s: %s\n", GST_OBJECT_NAME(msg->src),
                     e ? e->message : "");
        g_clear_error(&e);
        break;
      }
      default:
        break;
      }
      gst_message_unref(msg);
    }
    const gint64 now = g_get_monotonic_time();
    if (now - last_line >= G_USEC_PER_SEC) {
      std::string text;
      {
        std::lock_guard<std::mutex> guard(latest.lock);
        const double fps = latest.frames * 1e6 / static_cast<double>(now - last_line);
        latest.frames = 0;
        char head[64];
        std::snprintf(head, sizeof head, "%7.1f s  %6.1f frames/s  ", (now - start) / 1e6, fps);
        text = head + verdict_text(latest);
        if (label)
          g_object_set(label, "text", verdict_text(latest).c_str(), NULL);
      }
      std::printf("%s\n", text.c_str());
      std::fflush(stdout);
      last_line = now;
    }
    const bool time_up = a.seconds > 0 && (now - start) / 1e6 >= a.seconds;
    if ((g_interrupted || time_up) && !eos_sent) { // ends cleanly: ganpublish flushes at EOS
      gst_element_send_event(pipeline, gst_event_new_eos());
      eos_sent = true;
    }
  }
  {
    std::lock_guard<std::mutex> guard(latest.lock);
    std::printf("frames %llu: %llu judged synthetic, %llu with the watermark; last: %s\n",
                static_cast<unsigned long long>(latest.frames_total),
                static_cast<unsigned long long>(latest.fake_total),
                static_cast<unsigned long long>(latest.watermarked_total),
                verdict_text(latest).c_str());
  }
  gst_object_unref(bus);
  if (label)
    gst_object_unref(label);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return status;
}

} // namespace

namespace gan_cli {

Command add_watch(CLI::App &app) {
  auto args = std::make_shared<WatchArgs>();
  CLI::App *w = app.add_subcommand(
      "watch", "Check a file, camera or RTSP stream for synthetic frames, a line a second");
  w->add_option("uri", args->uri,
                "a file path or URI: file:///clip.mp4, rtsp://camera/stream, v4l2:///dev/video0 "
                "(any uridecodebin takes)")
      ->required();
  w->add_option("--publish", args->publish,
                "send the records too: mqtt://host[:port]/topic, kafka://broker[,broker]/topic "
                "or file:PATH (JSON Lines)");
  w->add_flag("--overlay", args->overlay,
              "show the video with the verdict written on it (autovideosink unless --sink)");
  w->add_option("--sink", args->sink,
                "where the video goes (a gst-launch description), e.g. \"x264enc ! mp4mux ! "
                "filesink location=annotated.mp4\"; default fakesink, or autovideosink with "
                "--overlay");
  w->add_option("--model", args->model, "gandetect's model (default: the shipped one)");
  w->add_option("--watermark-key", args->watermark_key,
                "read gst-gan's watermark with this key (default: gandetect's)");
  w->add_option("--seconds", args->seconds, "stop after this many seconds (0: at the end)")
      ->check(CLI::NonNegativeNumber);
  return {w, [args] { return run_watch(*args); }};
}

} // namespace gan_cli
