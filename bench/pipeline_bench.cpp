// SPDX-License-Identifier: LGPL-2.1-or-later
// Frames per second of GStreamer pipelines, measured in-process from the first buffer at the
// sink to EOS (model loading and negotiation excluded), and per-frame latency through an
// element when asked. Each case is printed with its ratio to a named peer run in the same
// process, so machine load affects both sides alike.
//
//   pipeline_bench [--repeat N] NAME=PIPELINE ... [--peer NAME]
//
// Every PIPELINE must end in "fakesink name=sink".

#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

struct Timing {
  guint64 frames = 0;
  gint64 first_us = 0, last_us = 0;
};

GstPadProbeReturn count_buffer(GstPad *, GstPadProbeInfo *, gpointer data) {
  auto *t = static_cast<Timing *>(data);
  const gint64 now = g_get_monotonic_time();
  if (t->frames == 0)
    t->first_us = now;
  t->last_us = now;
  ++t->frames;
  return GST_PAD_PROBE_OK;
}

// Frames per second after the first frame (so start-up is not counted), or -1 on error.
double run(const std::string &description, std::string &error) {
  GError *err = nullptr;
  GstElement *pipeline = gst_parse_launch(description.c_str(), &err);
  if (!pipeline) {
    error = err ? err->message : "parse error";
    g_clear_error(&err);
    return -1;
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  if (!sink) {
    error = "no element named sink";
    gst_object_unref(pipeline);
    return -1;
  }
  Timing timing;
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, &timing, nullptr);
  gst_object_unref(pad);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, 600 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
  double fps = -1;
  if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS && timing.frames > 1) {
    fps = static_cast<double>(timing.frames - 1) /
          (static_cast<double>(timing.last_us - timing.first_us) / 1e6);
  } else if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error(msg, &err, nullptr);
    error = err ? err->message : "error";
    g_clear_error(&err);
  } else {
    error = "timeout or too few frames";
  }
  if (msg)
    gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return fps;
}

} // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  int repeat = 3;
  std::vector<std::pair<std::string, std::string>> cases;
  std::string peer;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--peer") && i + 1 < argc) {
      peer = argv[++i];
    } else if (const char *eq = std::strchr(argv[i], '=')) {
      cases.emplace_back(std::string(argv[i], static_cast<size_t>(eq - argv[i])), eq + 1);
    } else {
      std::fprintf(stderr, "usage: %s [--repeat N] [--peer NAME] NAME=PIPELINE ...\n", argv[0]);
      return 2;
    }
  }
  // Best of N runs per case, cases interleaved so slow phases of a shared machine spread out.
  std::map<std::string, double> best;
  for (int r = 0; r < repeat; ++r)
    for (const auto &[name, description] : cases) {
      std::string error;
      const double fps = run(description, error);
      if (fps < 0) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), error.c_str());
        return 1;
      }
      best[name] = std::max(best[name], fps);
    }
  const double peer_fps = peer.empty() ? 0 : best[peer];
  const std::string ratio = peer.empty() ? "" : "x " + peer;
  std::printf("%-28s %12s %12s %10s\n", "case", "frames/s", "ms/frame", ratio.c_str());
  for (const auto &[name, description] : cases) {
    const double fps = best[name];
    if (peer_fps > 0)
      std::printf("%-28s %12.1f %12.3f %10.3f\n", name.c_str(), fps, 1000.0 / fps, fps / peer_fps);
    else
      std::printf("%-28s %12.1f %12.3f\n", name.c_str(), fps, 1000.0 / fps);
  }
  return 0;
}
