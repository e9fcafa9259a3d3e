// SPDX-License-Identifier: LGPL-2.1-or-later
// How many live camera streams one process keeps in real time through gandetect: one model per
// element ("own") against one shared model that batches across streams ("shared",
// model-instance-id), in the same run.
//
//   serving_bench [--width W] [--height H] [--fps F] [--seconds S] [--max N]
//                 [--props "gandetect properties"] [--modes own,shared] [--streams N]
//
// Each stream is an appsrc fed like a camera: frame k of stream i is due at
// t0 + k/F + i/(N F) (the streams' phases spread over a frame), its buffer (one of 30 frames
// rendered by videotestsrc pattern=ball beforehand, memory shared, so the source costs
// nothing) goes in at its due time, and goes through gandetect to a fakesink. A run keeps real
// time when, over the measured window (after 2 s of warm-up), every stream delivered at least
// 97% of its due frames and no delivered frame came more than 300 ms after its due time. The
// largest N that keeps real time is found by doubling, then bisection. Printed per mode: that
// N and the resident memory at it (VmRSS); with both modes in one process, also the shared
// mode's memory at the own mode's N and the ratio shared / own (bench/serving.sh runs each
// mode in a process of its own and compares memory at the smaller N).

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int width = 640, height = 480, fps = 30;
  double seconds = 6, warmup = 2;
  int max_streams = 256;
  int streams = 0; // > 0: run just this many streams per mode, no search
  std::string props;
  std::vector<std::string> modes = {"own", "shared"};
};

// 30 frames of videotestsrc's moving ball, RGB, rendered once.
std::vector<GstBuffer *> render_frames(const Options &o) {
  const std::string description =
      "videotestsrc pattern=ball num-buffers=30 ! video/x-raw,format=RGB,width=" +
      std::to_string(o.width) + ",height=" + std::to_string(o.height) + " ! appsink name=sink";
  GstElement *pipeline = gst_parse_launch(description.c_str(), nullptr);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<GstBuffer *> frames;
  while (GstSample *s = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    frames.push_back(gst_buffer_ref(gst_sample_get_buffer(s)));
    gst_sample_unref(s);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return frames;
}

long resident_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

struct Stream {
  GstElement *src = nullptr;
  std::mutex lock;
  std::map<guint64, Clock::time_point> due; // by frame number (the buffer's OFFSET)
  guint64 delivered = 0, expected = 0;
  double worst_lag = 0; // seconds
};

struct Window {
  Clock::time_point begin, end;
};

struct Probe {
  Window window;
  Stream *stream;
};

GstPadProbeReturn arrived(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *p = static_cast<Probe *>(data);
  const auto now = Clock::now();
  const guint64 k = GST_BUFFER_OFFSET(GST_PAD_PROBE_INFO_BUFFER(info));
  std::lock_guard<std::mutex> guard(p->stream->lock);
  auto it = p->stream->due.find(k);
  if (it == p->stream->due.end())
    return GST_PAD_PROBE_OK;
  if (it->second >= p->window.begin && it->second < p->window.end) {
    ++p->stream->delivered;
    p->stream->worst_lag =
        std::max(p->stream->worst_lag, std::chrono::duration<double>(now - it->second).count());
  }
  p->stream->due.erase(it);
  return GST_PAD_PROBE_OK;
}

struct Result {
  bool real_time = false;
  double worst_delivered = 0; // the lowest share of due frames a stream delivered
  double worst_lag = 0;
  long rss_kb = 0;
  std::string error;
};

Result run(const Options &o, const std::vector<GstBuffer *> &frames, int n, bool shared) {
  std::string description;
  const std::string caps = "video/x-raw,format=RGB,width=" + std::to_string(o.width) +
                           ",height=" + std::to_string(o.height) +
                           ",framerate=" + std::to_string(o.fps) + "/1";
  for (int i = 0; i < n; ++i)
    description += "appsrc name=src" + std::to_string(i) +
                   " is-live=true format=time max-bytes=0 caps=\"" + caps +
                   "\" ! gandetect post-messages=false " +
                   (shared ? "model-instance-id=serving " : "") + o.props +
                   " ! fakesink name=sink" + std::to_string(i) + " sync=false ";
  Result r;
  GError *err = nullptr;
  GstElement *pipeline = gst_parse_launch(description.c_str(), &err);
  if (!pipeline) {
    r.error = err ? err->message : "parse error";
    g_clear_error(&err);
    return r;
  }
  std::vector<std::unique_ptr<Stream>> streams;
  std::vector<std::unique_ptr<Probe>> probes;
  const auto start = Clock::now() + std::chrono::milliseconds(500);
  const Window window{
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup)),
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(o.warmup + o.seconds))};
  for (int i = 0; i < n; ++i) {
    streams.push_back(std::make_unique<Stream>());
    streams.back()->src =
        gst_bin_get_by_name(GST_BIN(pipeline), ("src" + std::to_string(i)).c_str());
    probes.push_back(std::make_unique<Probe>(Probe{window, streams.back().get()}));
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), ("sink" + std::to_string(i)).c_str());
    GstPad *pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, arrived, probes.back().get(), nullptr);
    gst_object_unref(pad);
    gst_object_unref(sink);
  }
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  // The cameras: one thread pushes every stream's frames at their due times.
  const double tick = 1.0 / (o.fps * n);
  const GstClockTime duration = GST_SECOND / static_cast<GstClockTime>(o.fps);
  for (guint64 j = 0;; ++j) {
    const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(static_cast<double>(j) * tick));
    if (due >= window.end + std::chrono::milliseconds(300))
      break;
    std::this_thread::sleep_until(due);
    if (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
      GError *e = nullptr;
      gst_message_parse_error(m, &e, nullptr);
      r.error = e ? e->message : "error";
      g_clear_error(&e);
      gst_message_unref(m);
      break;
    }
    Stream &s = *streams[j % static_cast<guint64>(n)];
    const guint64 k = j / static_cast<guint64>(n);
    GstBuffer *b = gst_buffer_copy(frames[k % frames.size()]); // shares the memory
    GST_BUFFER_PTS(b) = k * duration;
    GST_BUFFER_DURATION(b) = duration;
    GST_BUFFER_OFFSET(b) = k;
    {
      std::lock_guard<std::mutex> guard(s.lock);
      s.due[k] = due;
      if (due >= window.begin && due < window.end)
        ++s.expected;
    }
    gst_app_src_push_buffer(GST_APP_SRC(s.src), b);
  }
  r.rss_kb = resident_kb();
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  r.worst_delivered = 1;
  for (auto &s : streams) {
    r.worst_delivered = std::min(
        r.worst_delivered,
        s->expected ? static_cast<double>(s->delivered) / static_cast<double>(s->expected) : 0.0);
    r.worst_lag = std::max(r.worst_lag, s->worst_lag);
    gst_object_unref(s->src);
  }
  gst_object_unref(pipeline);
  r.real_time = r.error.empty() && r.worst_delivered >= 0.97 && r.worst_lag <= 0.3;
  return r;
}

void print(const char *mode, int n, const Result &r) {
  std::printf("  %-6s %3d streams: %s  (worst stream %.1f%% of frames, worst lag %.0f ms, RSS "
              "%.0f MiB)%s%s\n",
              mode, n, r.real_time ? "real time" : "behind   ", 100 * r.worst_delivered,
              1e3 * r.worst_lag, static_cast<double>(r.rss_kb) / 1024.0,
              r.error.empty() ? "" : " error: ", r.error.c_str());
  std::fflush(stdout);
}

// The largest stream count that keeps real time (0 if even one does not).
int largest(const Options &o, const std::vector<GstBuffer *> &frames, bool shared,
            Result *at_best) {
  const char *mode = shared ? "shared" : "own";
  int good = 0, bad = 0;
  for (int n = 1; n <= o.max_streams; n *= 2) {
    const Result r = run(o, frames, n, shared);
    print(mode, n, r);
    if (!r.real_time) {
      bad = n;
      break;
    }
    good = n;
    *at_best = r;
  }
  if (bad == 0)
    return good;
  while (bad - good > 1) {
    const int mid = (good + bad) / 2;
    const Result r = run(o, frames, mid, shared);
    print(mode, mid, r);
    if (r.real_time) {
      good = mid;
      *at_best = r;
    } else {
      bad = mid;
    }
  }
  return good;
}

} // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--width")
      o.width = std::stoi(value);
    else if (flag == "--height")
      o.height = std::stoi(value);
    else if (flag == "--fps")
      o.fps = std::stoi(value);
    else if (flag == "--seconds")
      o.seconds = std::stod(value);
    else if (flag == "--streams")
      o.streams = std::stoi(value);
    else if (flag == "--max")
      o.max_streams = std::stoi(value);
    else if (flag == "--props")
      o.props = value;
    else if (flag == "--modes") {
      o.modes.clear();
      for (size_t at = 0; at <= value.size();) {
        const size_t comma = std::min(value.find(',', at), value.size());
        o.modes.push_back(value.substr(at, comma - at));
        at = comma + 1;
      }
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const std::vector<GstBuffer *> frames = render_frames(o);
  if (frames.empty()) {
    std::fprintf(stderr, "could not render frames\n");
    return 1;
  }
  std::printf("%dx%d RGB @ %d fps, gandetect %s, %.0f s measured per run\n", o.width, o.height,
              o.fps, o.props.c_str(), o.seconds);
  if (o.streams > 0) {
    for (const std::string &mode : o.modes)
      print(mode.c_str(), o.streams, run(o, frames, o.streams, mode == "shared"));
    return 0;
  }
  std::map<std::string, int> best;
  std::map<std::string, Result> at_best;
  for (const std::string &mode : o.modes)
    best[mode] = largest(o, frames, mode == "shared", &at_best[mode]);
  if (best.count("own") && best.count("shared")) {
    // Memory of both at the same stream count: the largest one-model-per-element keeps.
    const int n = best["own"];
    long own_rss = at_best["own"].rss_kb, shared_rss = -1;
    if (n > 0) {
      const Result r = run(o, frames, n, true);
      print("shared", n, r);
      shared_rss = r.rss_kb;
    }
    std::printf("RESULT %dx%d streams own=%d shared=%d ratio=%.2fx rss_at_%d own=%.0fMiB "
                "shared=%.0fMiB rss_at_best own=%.0fMiB shared=%.0fMiB\n",
                o.width, o.height, best["own"], best["shared"],
                best["own"] ? static_cast<double>(best["shared"]) / best["own"] : 0.0, n,
                static_cast<double>(own_rss) / 1024.0, static_cast<double>(shared_rss) / 1024.0,
                static_cast<double>(at_best["own"].rss_kb) / 1024.0,
                static_cast<double>(at_best["shared"].rss_kb) / 1024.0);
  } else {
    for (const auto &[mode, n] : best)
      std::printf("RESULT %dx%d streams %s=%d rss=%.0fMiB\n", o.width, o.height, mode.c_str(), n,
                  static_cast<double>(at_best[mode].rss_kb) / 1024.0);
  }
  for (GstBuffer *b : frames)
    gst_buffer_unref(b);
  return 0;
}
