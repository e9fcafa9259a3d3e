// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// What ganpublish sends: one JSON record per frame (kind "frame"), or per change of verdict, or
// one summary per interval (kind "summary"), as gst-gan-record.schema.json describes. Plain
// values in, JSON text out: the element reads the metas, this decides and writes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ganpub {

// gandetect's verdict on a frame (GstGanDetectMeta).
struct Detection {
  std::string model_id;
  double fake_probability = 0;
  double logit = 0;
  bool is_fake = false;
  std::string decided_by; // "detector" or "watermark"
  bool inferred = true;   // false: the last result, carried
  uint32_t age = 0;       // frames since it was computed
  bool watermark_found = false;
  uint32_t watermark_payload = 0;
  double watermark_score = 0;
};

// gangen's ground truth on a frame it made (GstGanSyntheticMeta).
struct Synthetic {
  std::string model_id;
  uint64_t seed = 0;
  uint64_t frame = 0;
  bool watermarked = false;
  uint32_t watermark_payload = 0;
};

struct FrameVerdict {
  std::string stream_id;
  uint64_t frame = 0;             // the buffer offset, else the count of buffers seen
  std::optional<uint64_t> pts_ns; // none: the buffer had no timestamp
  std::optional<uint64_t> running_time_ns;
  int64_t utc_ms = 0; // wall clock when the frame passed, ms since 1970
  std::optional<Detection> detection;
  std::optional<Synthetic> synthetic;
};

// The frame record (kind "frame").
std::string frame_record(const FrameVerdict &v);

enum class Mode { EveryFrame, Changes, Interval };

// Which records the frames give: every frame's; a frame's when its verdict differs from the
// last published one (the first frame with a detection always); or a summary of the frames of
// each `interval_s` of running time (wall clock when frames have none).
class RecordPolicy {
public:
  RecordPolicy(Mode mode, double interval_s);
  // The records this frame gives now (none, one, or a summary closing the last interval).
  std::vector<std::string> take(const FrameVerdict &v);
  // At EOS: the summary of the interval under way, if it holds frames.
  std::optional<std::string> finish();

private:
  struct Interval {
    uint64_t frames = 0, detected = 0, fake = 0, watermarked = 0;
    double sum_probability = 0, max_probability = 0;
    uint64_t first_frame = 0, last_frame = 0;
    uint64_t start_ns = 0, end_ns = 0; // running time (or wall clock) span
    int64_t utc_ms = 0;
    std::string stream_id;
  };
  std::string summary() const;
  Mode mode_;
  uint64_t interval_ns_;
  std::optional<bool> last_verdict_;
  Interval now_;
};

} // namespace ganpub
