// SPDX-License-Identifier: LGPL-2.1-or-later
#include "records.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace ganpub {

namespace {

using json = nlohmann::ordered_json; // fields in the order they are written

constexpr const char *kSchema = "https://gst-gan.org/schemas/gst-gan-record/1";

// ISO 8601 UTC with milliseconds.
std::string utc(int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[80]; // room for every field at its widest (GCC checks the format against int ranges)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

json optional_ns(const std::optional<uint64_t> &v) { return v ? json(*v) : json(nullptr); }

// JSON has no NaN or infinity: a logit of a failed model reads as null.
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

} // namespace

std::string frame_record(const FrameVerdict &v) {
  json r = {{"schema", kSchema},
            {"kind", "frame"},
            {"stream_id", v.stream_id},
            {"frame", v.frame},
            {"pts_ns", optional_ns(v.pts_ns)},
            {"running_time_ns", optional_ns(v.running_time_ns)},
            {"utc", utc(v.utc_ms)}};
  if (v.detection) {
    const Detection &d = *v.detection;
    r["detection"] = {{"model_id", d.model_id},
                      {"fake_probability", number(d.fake_probability)},
                      {"logit", number(d.logit)},
                      {"verdict", d.is_fake ? "synthetic" : "real"},
                      {"decided_by", d.decided_by},
                      {"inferred", d.inferred},
                      {"age", d.age},
                      {"watermark",
                       {{"found", d.watermark_found},
                        {"payload", d.watermark_found ? json(d.watermark_payload) : json(nullptr)},
                        {"score", number(d.watermark_score)}}}};
  } else {
    r["detection"] = nullptr;
  }
  if (v.synthetic) {
    const Synthetic &s = *v.synthetic;
    r["synthetic"] = {
        {"model_id", s.model_id},
        {"seed", s.seed},
        {"frame", s.frame},
        {"watermarked", s.watermarked},
        {"watermark_payload", s.watermarked ? json(s.watermark_payload) : json(nullptr)}};
  } else {
    r["synthetic"] = nullptr;
  }
  return r.dump();
}

RecordPolicy::RecordPolicy(Mode mode, double interval_s)
    : mode_(mode), interval_ns_(static_cast<uint64_t>(interval_s * 1e9)) {
  if (mode == Mode::Interval && !(interval_s > 0 && interval_s < 1e6))
    throw std::invalid_argument("the summary interval must be > 0 seconds");
}

std::vector<std::string> RecordPolicy::take(const FrameVerdict &v) {
  std::vector<std::string> out;
  switch (mode_) {
  case Mode::EveryFrame:
    out.push_back(frame_record(v));
    break;
  case Mode::Changes:
    if (v.detection && (!last_verdict_ || *last_verdict_ != v.detection->is_fake)) {
      last_verdict_ = v.detection->is_fake;
      out.push_back(frame_record(v));
    }
    break;
  case Mode::Interval: {
    const uint64_t t =
        v.running_time_ns ? *v.running_time_ns : static_cast<uint64_t>(v.utc_ms) * 1000000ull;
    if (now_.frames > 0 && t >= now_.start_ns + interval_ns_) {
      out.push_back(summary());
      now_ = Interval{};
    }
    if (now_.frames == 0) {
      now_.first_frame = v.frame;
      now_.start_ns = t;
      now_.utc_ms = v.utc_ms;
      now_.stream_id = v.stream_id;
    }
    ++now_.frames;
    now_.last_frame = v.frame;
    now_.end_ns = t;
    if (v.detection) {
      ++now_.detected;
      now_.fake += v.detection->is_fake;
      now_.watermarked += v.detection->watermark_found;
      if (std::isfinite(v.detection->fake_probability)) {
        now_.sum_probability += v.detection->fake_probability;
        now_.max_probability = std::max(now_.max_probability, v.detection->fake_probability);
      }
    }
    break;
  }
  }
  return out;
}

std::optional<std::string> RecordPolicy::finish() {
  if (mode_ != Mode::Interval || now_.frames == 0)
    return std::nullopt;
  std::string s = summary();
  now_ = Interval{};
  return s;
}

std::string RecordPolicy::summary() const {
  const Interval &i = now_;
  const double share = i.detected ? static_cast<double>(i.fake) / i.detected : 0;
  json r = {
      {"schema", kSchema},
      {"kind", "summary"},
      {"stream_id", i.stream_id},
      {"first_frame", i.first_frame},
      {"last_frame", i.last_frame},
      {"start_ns", i.start_ns},
      {"end_ns", i.end_ns},
      {"utc", utc(i.utc_ms)},
      {"frames", i.frames},
      {"detected_frames", i.detected},
      {"synthetic_frames", i.fake},
      {"watermarked_frames", i.watermarked},
      {"synthetic_share", share},
      {"mean_fake_probability", i.detected ? json(i.sum_probability / i.detected) : json(nullptr)},
      {"max_fake_probability", i.detected ? json(i.max_probability) : json(nullptr)},
      {"verdict", i.detected == 0 ? "none"
                  : share > 0.5   ? "synthetic"
                                  : "real"}};
  return r.dump();
}

} // namespace ganpub
