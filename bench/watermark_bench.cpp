// SPDX-License-Identifier: LGPL-2.1-or-later
// The provenance watermark, measured: invisibility (PSNR), robustness (bit accuracy and
// payload recovery, single frame and with a 30-frame vote) through JPEG 75, VP8 at two
// bitrates, colour conversion and brightness/contrast, on gangen's 640x480 mosaic and on
// videotestsrc patterns; false positives on >= 10k unmarked frames; embed + verify speed.
//
//   watermark_bench [--frames N] [--fp-frames N] [--keys N]
//
// Frames come from GStreamer (gangen with its own mark off, videotestsrc), are marked here
// with the core (as gangen and ganmark do), pushed through appsrc ! <codec> ! appsink and read
// back with the core, as gandetect does.

#include "gan/dataset.h"
#include "gan/frames.h"
#include "gan/watermark.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kWidth = 640, kHeight = 480;
constexpr uint32_t kPayload = 0x5eed1234u;
const std::string kKey = "bench-key";

using Frame = std::vector<uint8_t>; // I420, tightly packed

gan::FrameView i420_view(Frame &f, int w, int h) {
  gan::FrameView v;
  v.format = gan::PixelFormat::I420;
  v.width = w;
  v.height = h;
  const int cw = (w + 1) / 2, ch = (h + 1) / 2;
  v.planes[0] = f.data();
  v.planes[1] = f.data() + w * h;
  v.planes[2] = f.data() + w * h + cw * ch;
  v.strides[0] = w;
  v.strides[1] = v.strides[2] = cw;
  return v;
}

// Runs `launch` (ending in "appsink name=sink"), feeding `in` through "appsrc name=src" when
// given, and returns every frame that reached the sink, tightly packed.
std::vector<Frame> run(const std::string &launch, const std::vector<Frame> *in = nullptr,
                       const std::string &in_caps = "") {
  GError *err = nullptr;
  GstElement *pipeline = gst_parse_launch(launch.c_str(), &err);
  if (!pipeline) {
    std::fprintf(stderr, "bad pipeline %s: %s\n", launch.c_str(), err ? err->message : "");
    std::exit(1);
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  if (!sink || (err && err->message)) {
    std::fprintf(stderr, "bad pipeline %s: %s\n", launch.c_str(), err ? err->message : "no sink");
    std::exit(1);
  }
  g_object_set(sink, "sync", FALSE, NULL);
  GstElement *src = in ? gst_bin_get_by_name(GST_BIN(pipeline), "src") : nullptr;
  if (src) {
    GstCaps *caps = gst_caps_from_string(in_caps.c_str());
    g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "block", TRUE, "max-bytes",
                 static_cast<guint64>(8 << 20), NULL);
    gst_caps_unref(caps);
  }
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<Frame> out;
  // Feed from this thread, pull from the sink as we go (appsrc blocks when its queue fills).
  size_t fed = 0;
  const GstClockTime frame_duration = GST_SECOND / 30;
  for (;;) {
    if (src && fed < in->size()) {
      const Frame &f = (*in)[fed];
      GstBuffer *b = gst_buffer_new_memdup(f.data(), f.size());
      GST_BUFFER_PTS(b) = fed * frame_duration;
      GST_BUFFER_DURATION(b) = frame_duration;
      gst_app_src_push_buffer(GST_APP_SRC(src), b);
      if (++fed == in->size())
        gst_app_src_end_of_stream(GST_APP_SRC(src));
    }
    GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink),
                                                src && fed < in->size() ? 0 : 100 * GST_MSECOND);
    if (s) {
      GstBuffer *b = gst_sample_get_buffer(s);
      GstMapInfo map;
      gst_buffer_map(b, &map, GST_MAP_READ);
      out.emplace_back(map.data, map.data + map.size);
      gst_buffer_unmap(b, &map);
      gst_sample_unref(s);
    } else if (gst_app_sink_is_eos(GST_APP_SINK(sink))) {
      break;
    }
    GstMessage *m = gst_bus_pop_filtered(GST_ELEMENT_BUS(pipeline), GST_MESSAGE_ERROR);
    if (m) {
      GError *e = nullptr;
      gst_message_parse_error(m, &e, NULL);
      std::fprintf(stderr, "pipeline error: %s\n", e->message);
      std::exit(1);
    }
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  if (src)
    gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return out;
}

std::string raw_caps(const char *format, int w, int h) {
  return std::string("video/x-raw,format=") + format + ",width=" + std::to_string(w) +
         ",height=" + std::to_string(h) + ",framerate=30/1";
}

double luma_psnr(const Frame &a, const Frame &b, int w, int h) {
  double mse = 0;
  for (int i = 0; i < w * h; ++i)
    mse += (a[static_cast<size_t>(i)] - b[static_cast<size_t>(i)]) *
           (a[static_cast<size_t>(i)] - b[static_cast<size_t>(i)]);
  mse /= static_cast<double>(w) * h;
  return mse > 0 ? 10 * std::log10(255.0 * 255.0 / mse) : 99;
}

struct Row {
  int frames = 0, single = 0, voted = 0, voted_full = 0, full = 0;
};

Row measure(std::vector<Frame> &frames, int w, int h) {
  gan::Watermark wm(kKey);
  gan::WatermarkVote vote(30);
  Row r;
  for (Frame &f : frames) {
    const gan::WatermarkReading reading = wm.read(i420_view(f, w, h));
    const gan::WatermarkVerdict one = gan::decide(reading, kKey);
    vote.add(reading);
    const bool single = one.found && one.payload == kPayload;
    bool voted = single;
    if (!single) {
      const gan::WatermarkVerdict many = vote.verdict(kKey);
      voted = many.found && many.payload == kPayload;
    }
    r.single += single;
    r.voted += voted;
    if (vote.frames() == vote.window()) {
      ++r.full;
      r.voted_full += voted;
    }
    ++r.frames;
  }
  return r;
}

void print_row(const char *content, const char *channel, const Row &r) {
  std::printf("| %-22s | %-44s | %6.1f%% | %6.1f%% | %6.1f%% |\n", content, channel,
              100.0 * r.single / r.frames, 100.0 * r.voted / r.frames,
              r.full ? 100.0 * r.voted_full / r.full : 0.0);
  std::fflush(stdout);
}

struct Channel {
  std::string name;     // as printed
  std::string fragment; // between appsrc and the I420 appsink; empty: the frames as marked
  int width, height;    // of the frames it delivers
};

std::string crop(int w, int h) { // 10% of each dimension, off the 8x8 grid
  const int l = w * 6 / 100 + 1, r = w / 10 - l, t = h * 4 / 100 + 3, b = h / 10 - t;
  return "videocrop left=" + std::to_string(l) + " right=" + std::to_string(r) +
         " top=" + std::to_string(t) + " bottom=" + std::to_string(b);
}

std::vector<Channel> channels(int w, int h) {
  auto even = [](double v) { return 2 * static_cast<int>(v / 2 + 0.5); };
  auto scaled = [&](double f) {
    return Channel{"rescale " + std::to_string(f).substr(0, 4) + "x (videoscale)",
                   "videoscale ! " + raw_caps("I420", even(w * f), even(h * f)), even(w * f),
                   even(h * f)};
  };
  const int cw = w - w / 10, ch = h - h / 10;
  const int kbps = w * h >= 1280 * 720 ? 2000 : 1000;
  std::vector<Channel> out = {
      {"clean", "", w, h},
      {"jpegenc quality=75 ! jpegdec", "jpegenc quality=75 ! jpegdec", w, h},
      {"vp8enc 1000 kbit/s ! vp8dec", "vp8enc deadline=1 target-bitrate=1000000 ! vp8dec", w, h},
      {"vp8enc 500 kbit/s ! vp8dec", "vp8enc deadline=1 target-bitrate=500000 ! vp8dec", w, h},
      {"x264enc " + std::to_string(kbps) + " kbit/s ! avdec_h264",
       "x264enc bitrate=" + std::to_string(kbps) + " ! avdec_h264", w, h},
      {"to RGB and NV12 and back",
       "videoconvert ! video/x-raw,format=RGB ! videoconvert ! video/x-raw,format=NV12", w, h},
      {"videobalance brightness=.06 contrast=.9", "videobalance brightness=0.06 contrast=0.9", w,
       h},
      scaled(0.4),
      scaled(0.5),
      scaled(1.5),
      scaled(2.0),
      {"aspect " + std::to_string(w) + "x" + std::to_string(h) + " -> " + std::to_string(w) + "x" +
           std::to_string(even(h * 0.75)),
       "videoscale ! " + raw_caps("I420", w, even(h * 0.75)), w, even(h * 0.75)},
      {"crop 10% (" + std::to_string(cw) + "x" + std::to_string(ch) + ")", crop(w, h), cw, ch},
      {"crop 10% + rescale 0.75x + JPEG 75",
       crop(w, h) + " ! videoscale ! " + raw_caps("I420", even(cw * 0.75), even(ch * 0.75)) +
           " ! jpegenc quality=75 ! jpegdec",
       even(cw * 0.75), even(ch * 0.75)},
  };
  return out;
}

bool have(const char *element) {
  GstElementFactory *f = gst_element_factory_find(element);
  if (f)
    gst_object_unref(f);
  return f != nullptr;
}

void robustness(const char *content, const std::vector<Frame> &clean_in, int w, int h) {
  std::vector<Frame> marked = clean_in;
  gan::Watermark wm(kKey);
  double psnr_sum = 0, psnr_min = 99;
  for (size_t i = 0; i < marked.size(); ++i) {
    wm.embed(i420_view(marked[i], w, h), kPayload);
    const double p = luma_psnr(marked[i], clean_in[i], w, h);
    psnr_sum += p;
    psnr_min = std::min(psnr_min, p);
  }
  std::printf("\n%s: %zu frames of %dx%d, PSNR (luma, marked vs unmarked): mean %.2f dB, min "
              "%.2f dB\n\n",
              content, marked.size(), w, h, psnr_sum / static_cast<double>(marked.size()),
              psnr_min);
  std::printf("| content                | channel                                      | single "
              "| vote 30 | vote 30, full windows |\n|---|---|---|---|---|\n");
  const std::string caps = raw_caps("I420", w, h);
  for (const Channel &c : channels(w, h)) {
    if (c.fragment.find("x264enc") != std::string::npos &&
        !(have("x264enc") && have("avdec_h264"))) {
      std::printf("| %-22s | %-44s | (x264enc or avdec_h264 not installed) |\n", content,
                  c.name.c_str());
      continue;
    }
    std::vector<Frame> f =
        c.fragment.empty() ? marked
                           : run("appsrc name=src ! " + c.fragment + " ! videoconvert ! " +
                                     raw_caps("I420", c.width, c.height) + " ! appsink name=sink",
                                 &marked, caps);
    print_row(content, c.name.c_str(), measure(f, c.width, c.height));
  }
}

// The colour photographs of models/natural-photos.tsv (splits train and validation; with
// `every_picture`, also the drawings it excludes) that are installed, at most `at_most` of
// them, each held still for `each` frames, as I420 w x h.
std::vector<Frame> photos(int each, int w, int h, int at_most, bool every_picture = false) {
  std::vector<Frame> out;
  FILE *list = std::fopen("models/natural-photos.tsv", "r");
  if (!list)
    return out;
  char line[4096];
  int used = 0;
  while (used < at_most && std::fgets(line, sizeof line, list)) {
    if (line[0] == '#')
      continue;
    std::vector<std::string> fields;
    std::string field;
    for (const char *c = line; *c && *c != '\n'; ++c) {
      if (*c == '\t') {
        fields.push_back(field);
        field.clear();
      } else {
        field += *c;
      }
    }
    fields.push_back(field);
    if (fields.size() < 5 || (!every_picture && fields[4] != "train" && fields[4] != "validation"))
      continue;
    const std::string &path = fields[1];
    const bool picture = g_str_has_suffix(path.c_str(), ".jpg") ||
                         g_str_has_suffix(path.c_str(), ".jpeg") ||
                         g_str_has_suffix(path.c_str(), ".png");
    if (!picture || path[0] != '/' || !g_file_test(path.c_str(), G_FILE_TEST_EXISTS))
      continue;
    std::vector<Frame> one = run("filesrc location=\"" + path +
                                 "\" ! decodebin ! videoconvert ! videoscale ! imagefreeze "
                                 "num-buffers=" +
                                 std::to_string(std::max(1, each)) + " ! " +
                                 raw_caps("I420", w, h) + " ! appsink name=sink");
    out.insert(out.end(), one.begin(), one.end());
    ++used;
  }
  std::fclose(list);
  return out;
}

// Unmarked frames: Fashion-MNIST test images upscaled, videotestsrc patterns, noise, gangen's
// natural video and the photographs. Every frame is read under `keys` keys (each key lays the
// pattern out anew: an independent decision, with the placement search); sequences also go
// through the 30-frame vote under the first key. Beside the count of marks found, the
// distance of each whole-frame reading's check bits from the CRC of its payload bits tests
// the rule's null model (fair coins: Binomial(24, 1/2)) where it can be measured, since a
// count of 0 found can only bound the rate by 3/decisions. Two threads, half the keys each.
struct Tally {
  long decisions = 0, found = 0, vote_decisions = 0, vote_found = 0, ones = 0;
  long near[25] = {};
  double score_sum = 0, score_sq = 0, score_max = -1e9;
  void add(const Tally &o) {
    decisions += o.decisions, found += o.found, vote_decisions += o.vote_decisions;
    vote_found += o.vote_found, ones += o.ones;
    for (int i = 0; i < 25; ++i)
      near[i] += o.near[i];
    score_sum += o.score_sum, score_sq += o.score_sq, score_max = std::max(score_max, o.score_max);
  }
};

// A named run of unmarked frames, made on demand by index (each thread walks them all).
struct Source {
  std::string name;
  long count;
  std::function<gan::FrameView(long, Frame &)> frame;
};

void false_positives(int fp_frames, int key_count, const std::vector<Frame> &natural) {
  std::vector<Source> sources;
  // 1. Fashion-MNIST test set, each image upscaled (bilinear) to 256x256 GRAY8.
  const gan::ImageSet test =
      gan::read_idx_images(gan::default_fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz");
  sources.push_back({"Fashion-MNIST test images at 256x256", std::min<long>(test.count, fp_frames),
                     [&test](long i, Frame &buf) {
                       buf.resize(256 * 256);
                       std::vector<float> image(28 * 28);
                       for (int p = 0; p < 28 * 28; ++p)
                         image[static_cast<size_t>(p)] = test.image(i)[p] / 127.5f - 1.0f;
                       gan::FrameView v;
                       v.format = gan::PixelFormat::Gray8;
                       v.width = v.height = 256;
                       v.planes[0] = buf.data();
                       v.strides[0] = 256;
                       gan::render_mosaic(image.data(), 1, 1, 28, 28, 1, 1, gan::Scaling::Bilinear,
                                          v);
                       return v;
                     }});
  // 2. Every videotestsrc pattern, 40 frames each at 320x240 (moving ones move).
  static std::vector<Frame> vts;
  vts.clear();
  GstElement *loader = gst_element_factory_make("videotestsrc", nullptr); // registers its enum
  if (loader)
    gst_object_unref(loader);
  GEnumClass *patterns = G_ENUM_CLASS(g_type_class_ref(g_type_from_name("GstVideoTestSrcPattern")));
  for (guint p = 0; patterns && p < patterns->n_values; ++p) {
    const std::string launch = "videotestsrc num-buffers=40 horizontal-speed=2 kt=2 pattern=" +
                               std::string(patterns->values[p].value_nick) + " ! " +
                               raw_caps("I420", 320, 240) + " ! appsink name=sink";
    std::vector<Frame> fr = run(launch);
    vts.insert(vts.end(), fr.begin(), fr.end());
  }
  if (patterns)
    g_type_class_unref(patterns);
  sources.push_back(
      {"videotestsrc, every pattern", static_cast<long>(vts.size()), [](long i, Frame &buf) {
         buf = vts[static_cast<size_t>(i)];
         return i420_view(buf, 320, 240);
       }});
  // 3. Noise: uniform, Gaussian and blocky, 1000 frames of 320x240.
  sources.push_back({"noise (uniform, Gaussian, blocky)", 1000, [](long i, Frame &f) {
                       std::mt19937 rng(static_cast<uint32_t>(i + 1));
                       f.assign(320 * 240 * 3 / 2, 128);
                       for (int y = 0; y < 240; ++y)
                         for (int x = 0; x < 320; ++x) {
                           uint8_t value;
                           if (i % 3 == 0)
                             value = static_cast<uint8_t>(rng() & 0xff);
                           else if (i % 3 == 1)
                             value = static_cast<uint8_t>(std::clamp(
                                 128.0 + 40.0 * std::normal_distribution<>()(rng), 0.0, 255.0));
                           else
                             value = ((x / 16 + y / 16 + i) % 2) ? 200
                                                                 : static_cast<uint8_t>(rng() % 64);
                           f[static_cast<size_t>(y * 320 + x)] = value;
                         }
                       return i420_view(f, 320, 240);
                     }});
  // 4. gangen's natural video, unmarked, and every installed photograph of the list, once
  // at 640x480 and once at 1280x720.
  sources.push_back({"gangen natural video, 640x480", static_cast<long>(natural.size()),
                     [&natural](long i, Frame &buf) {
                       buf = natural[static_cast<size_t>(i)];
                       return i420_view(buf, kWidth, kHeight);
                     }});
  static std::vector<Frame> still, still720;
  still = photos(1, kWidth, kHeight, 1000, true);
  still720 = photos(1, 1280, 720, 1000, true);
  sources.push_back({"pictures of the photo list (photographs and drawings), 640x480",
                     static_cast<long>(still.size()), [](long i, Frame &buf) {
                       buf = still[static_cast<size_t>(i)];
                       return i420_view(buf, kWidth, kHeight);
                     }});
  sources.push_back(
      {"the same pictures, 1280x720", static_cast<long>(still720.size()), [](long i, Frame &buf) {
         buf = still720[static_cast<size_t>(i)];
         return i420_view(buf, 1280, 720);
       }});

  std::vector<std::string> keys = {gan::kWatermarkDefaultKey};
  for (int k = 1; k < key_count; ++k)
    keys.push_back("key " + std::to_string(k));
  constexpr int kThreads = 2, kVoteKeys = 1;
  std::vector<Tally> tallies(kThreads);
  const auto t0 = std::chrono::steady_clock::now();
  auto work = [&](int thread) {
    Tally &t = tallies[static_cast<size_t>(thread)];
    std::vector<size_t> mine;
    for (size_t k = static_cast<size_t>(thread); k < keys.size(); k += kThreads)
      mine.push_back(k);
    std::vector<gan::Watermark> readers;
    std::vector<gan::WatermarkVote> votes;
    for (size_t k : mine) {
      readers.emplace_back(keys[k]);
      votes.emplace_back(30);
    }
    Frame buf;
    for (const Source &src : sources) {
      for (gan::WatermarkVote &v : votes)
        v.reset();
      for (long i = 0; i < src.count; ++i) {
        const gan::FrameView view = src.frame(i, buf);
        for (size_t m = 0; m < mine.size(); ++m) {
          const std::string &key = keys[mine[m]];
          const gan::WatermarkReading r = readers[m].read(view);
          const gan::WatermarkVerdict d = gan::decide(r, key);
          ++t.decisions;
          t.found += d.found;
          ++t.near[d.check_errors];
          t.ones += __builtin_popcount(d.payload);
          t.score_sum += d.score;
          t.score_sq += d.score * d.score;
          t.score_max = std::max(t.score_max, d.score);
          if (mine[m] < static_cast<size_t>(kVoteKeys)) {
            ++t.vote_decisions;
            t.vote_found += votes[m].push(r, key).found;
          }
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back(work, i);
  for (std::thread &th : threads)
    th.join();
  Tally t;
  for (const Tally &x : tallies)
    t.add(x);
  long frames = 0;
  for (const Source &src : sources) {
    std::printf("  %s: %ld frames\n", src.name.c_str(), src.count);
    frames += src.count;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const double mean = t.score_sum / t.decisions;
  std::printf("\nUnmarked frames: %ld, read under %zu keys = %ld decisions (%.0f s, %d threads: "
              "%.2f ms per decision and thread)\n",
              frames, keys.size(), t.decisions, seconds, kThreads,
              1000 * seconds * kThreads / t.decisions);
  std::printf("  found: %ld (rate %.2g; the rule's bound is 6 x 2^-24 = %.2g per decision)\n",
              t.found, static_cast<double>(t.found) / t.decisions, 6 * std::ldexp(1.0, -24));
  std::printf("  payload bits that read 1: %.4f (fair coins: 0.5)\n",
              static_cast<double>(t.ones) / (32.0 * static_cast<double>(t.decisions)));
  std::printf("  check bits off the CRC (whole-frame reading), measured vs Binomial(24, 1/2) "
              "expected:\n");
  double binom = 1;
  for (int d = 0; d <= 6; ++d) {
    std::printf("    %d wrong: %ld vs %.1f\n", d, t.near[d],
                binom * static_cast<double>(t.decisions) / 16777216.0);
    binom = binom * (24 - d) / (d + 1);
  }
  std::printf("  30-frame votes (first %d keys): %ld decisions, found %ld\n", kVoteKeys,
              t.vote_decisions, t.vote_found);
  std::printf("  score (reported, not decided on): mean %.3f, sd %.3f, max %.2f\n", mean,
              std::sqrt(t.score_sq / t.decisions - mean * mean), t.score_max);
  std::printf("  zero found in %ld decisions: rate < %.2g at 95%% confidence (3/n)\n",
              t.decisions + t.vote_decisions,
              3.0 / static_cast<double>(t.decisions + t.vote_decisions));
}

void speed(const std::vector<Frame> &frames, int w, int h, const char *name) {
  gan::Watermark wm(kKey);
  std::vector<Frame> work = frames;
  const int reps = std::max<int>(1, 300 / static_cast<int>(frames.size()));
  double embed_s = 0, read_s = 0;
  long n = 0;
  for (int r = 0; r < reps; ++r)
    for (size_t i = 0; i < work.size(); ++i) {
      work[i] = frames[i];
      gan::FrameView v = i420_view(work[i], w, h);
      const auto t0 = std::chrono::steady_clock::now();
      wm.embed(v, kPayload);
      const auto t1 = std::chrono::steady_clock::now();
      const gan::WatermarkVerdict d = wm.verify(v);
      const auto t2 = std::chrono::steady_clock::now();
      if (!d.found)
        std::fprintf(stderr, "speed: a frame lost its mark\n");
      embed_s += std::chrono::duration<double>(t1 - t0).count();
      read_s += std::chrono::duration<double>(t2 - t1).count();
      ++n;
    }
  std::printf("| %-12s | %8.2f | %8.2f | %8.1f |\n", name, 1000 * embed_s / n, 1000 * read_s / n,
              n / (embed_s + read_s));
}

std::vector<Frame> scale(const std::vector<Frame> &in, int w, int h, int to_w, int to_h) {
  return run("appsrc name=src ! videoscale ! " + raw_caps("I420", to_w, to_h) +
                 " ! appsink name=sink",
             &in, raw_caps("I420", w, h));
}

} // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  int frames = 150, fp_frames = 10000, keys = 30;
  std::string only; // --only robustness|speed|false-positives: one part
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--frames"))
      frames = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--fp-frames"))
      fp_frames = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--keys"))
      keys = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--only"))
      only = argv[i + 1];
  }
  std::printf("# gst-gan watermark version 2: key-seeded, %d coded bits (32 payload + CRC-24)\n",
              gan::kWatermarkBits);

  const std::string n = std::to_string(frames);
  const auto part = [&only](const char *name) { return only.empty() || only == name; };
  // gangen's own frames (the natural field GAN, moving) at 640x480 and 1280x720.
  const std::vector<Frame> gen = run("gangen watermark=false num-buffers=" + n + " ! " +
                                     raw_caps("I420", kWidth, kHeight) + " ! appsink name=sink");
  if (part("robustness")) {
    robustness("gangen natural video", gen, kWidth, kHeight);
    const std::vector<Frame> gen720 = run("gangen watermark=false num-buffers=" + n + " ! " +
                                          raw_caps("I420", 1280, 720) + " ! appsink name=sink");
    robustness("gangen natural video", gen720, 1280, 720);
    std::vector<Frame> patterns;
    for (const char *p : {"ball", "pinwheel", "smpte horizontal-speed=3",
                          "zone-plate kx2=20 ky2=20 kt=1", "circular"}) {
      std::vector<Frame> one =
          run("videotestsrc num-buffers=" + std::to_string(frames / 5) + " pattern=" + p + " ! " +
              raw_caps("I420", kWidth, kHeight) + " ! appsink name=sink");
      patterns.insert(patterns.end(), one.begin(), one.end());
    }
    robustness("videotestsrc patterns", patterns, kWidth, kHeight);
    const std::vector<Frame> still = photos(frames / 10, kWidth, kHeight, 10);
    if (!still.empty())
      robustness("photos (stills)", still, kWidth, kHeight);
  }
  if (part("speed")) {
    std::printf("\nEmbed + verify speed, one thread, I420 (ms per frame):\n\n");
    std::printf("| frame        | embed ms | verify ms | frames/s |\n|---|---|---|---|\n");
    const std::vector<Frame> some(gen.begin(), gen.begin() + std::min<size_t>(gen.size(), 30));
    speed(some, kWidth, kHeight, "640x480");
    speed(scale(some, kWidth, kHeight, 1280, 720), 1280, 720, "1280x720");
    speed(scale(some, kWidth, kHeight, 1920, 1080), 1920, 1080, "1920x1080");
  }
  if (part("false-positives")) {
    std::printf("\nFalse positives:\n");
    false_positives(fp_frames, keys, gen);
  }
  return 0;
}
