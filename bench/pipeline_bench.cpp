// SPDX-License-Identifier: LGPL-2.1-or-later
// Frames per second of GStreamer pipelines, measured in-process from the first buffer at the
// sink to EOS (model loading and negotiation excluded), and per-frame latency through an
// element when asked. Each case is printed with its ratio to a named peer run in the same
// process, so machine load affects both sides alike.
//
//   pipeline_bench [--repeat N] NAME=PIPELINE ... [--peer NAME]
//
// Every PIPELINE must end in "fakesink name=sink". An element named "dut" (device under test)
// also gets its per-frame latency measured: the wall time from a buffer entering its sink pad
// to the same buffer (by PTS) leaving its source pad, reported as p50 and p95.

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

struct Latency {
  std::map<GstClockTime, gint64> entered_us; // by PTS
  std::vector<double> ms;
};

GstPadProbeReturn dut_in(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *l = static_cast<Latency *>(data);
  l->entered_us[GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info))] = g_get_monotonic_time();
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn dut_out(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *l = static_cast<Latency *>(data);
  auto it = l->entered_us.find(GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)));
  if (it != l->entered_us.end()) {
    l->ms.push_back(static_cast<double>(g_get_monotonic_time() - it->second) / 1000.0);
    l->entered_us.erase(it);
  }
  return GST_PAD_PROBE_OK;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

struct Measure {
  double fps = -1;
  double p50_ms = 0, p95_ms = 0;
  bool has_latency = false;
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
Measure run(const std::string &description, std::string &error) {
  Measure m;
  GError *err = nullptr;
  GstElement *pipeline = gst_parse_launch(description.c_str(), &err);
  if (!pipeline) {
    error = err ? err->message : "parse error";
    g_clear_error(&err);
    return m;
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  if (!sink) {
    error = "no element named sink";
    gst_object_unref(pipeline);
    return m;
  }
  Timing timing;
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, &timing, nullptr);
  gst_object_unref(pad);
  Latency latency;
  if (GstElement *dut = gst_bin_get_by_name(GST_BIN(pipeline), "dut")) {
    GstPad *in = gst_element_get_static_pad(dut, "sink");
    GstPad *out = gst_element_get_static_pad(dut, "src");
    gst_pad_add_probe(in, GST_PAD_PROBE_TYPE_BUFFER, dut_in, &latency, nullptr);
    gst_pad_add_probe(out, GST_PAD_PROBE_TYPE_BUFFER, dut_out, &latency, nullptr);
    gst_object_unref(in);
    gst_object_unref(out);
    gst_object_unref(dut);
  }
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, 600 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
  if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS && timing.frames > 1) {
    m.fps = static_cast<double>(timing.frames - 1) /
            (static_cast<double>(timing.last_us - timing.first_us) / 1e6);
    m.p50_ms = percentile(latency.ms, 0.5);
    m.p95_ms = percentile(latency.ms, 0.95);
    m.has_latency = !latency.ms.empty();
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
  return m;
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
  // Best of N runs per case (by frames/s), cases interleaved so slow phases of a shared
  // machine spread out.
  std::map<std::string, Measure> best;
  for (int r = 0; r < repeat; ++r)
    for (const auto &[name, description] : cases) {
      std::string error;
      const Measure m = run(description, error);
      if (m.fps < 0) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), error.c_str());
        return 1;
      }
      if (m.fps > best[name].fps)
        best[name] = m;
    }
  const double peer_fps = peer.empty() ? 0 : best[peer].fps;
  const std::string ratio = peer.empty() ? "" : "x " + peer;
  std::printf("%-24s %10s %10s %12s %12s   %s\n", "case", "frames/s", "ms/frame", "latency p50",
              "latency p95", ratio.c_str());
  for (const auto &[name, description] : cases) {
    const Measure &m = best[name];
    char lat50[32] = "-", lat95[32] = "-", rel[32] = "";
    if (m.has_latency) {
      std::snprintf(lat50, sizeof lat50, "%.3f ms", m.p50_ms);
      std::snprintf(lat95, sizeof lat95, "%.3f ms", m.p95_ms);
    }
    if (peer_fps > 0)
      std::snprintf(rel, sizeof rel, "%.3f", m.fps / peer_fps);
    std::printf("%-24s %10.1f %10.3f %12s %12s   %s\n", name.c_str(), m.fps, 1000.0 / m.fps, lat50,
                lat95, rel);
  }
  return 0;
}
