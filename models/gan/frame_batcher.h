// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// A detector's frames between arrival and verdict, without GStreamer (gandetect's queue):
// - which frames are inferred: every interval-th, and any frame that would otherwise have no
//   result to carry (the first one, the first after a flush);
// - the inferred frames' detector inputs, gathered into one batch made for one model and one
//   input size (inputs for another model or size make the waiting batch run first);
// - when the batch runs: batch-size inferred frames wait, or the oldest frame waiting is
//   batch-timeout older than the newest (stream time), or no inferred frame waits at all;
// - every frame's result: its own (frame_logit_of over its inputs: the mean over tiles, the one
//   rule calibration and evaluation use too), or the last one before it, carried and aged;
// - frames leave in the order they came, each once its result is in.
// Payload is what the caller keeps with a frame (gandetect: the buffer and its watermark
// reading); the batcher moves it along and never looks inside. Not thread-safe: one streaming
// thread drives it.

#include "gan/preprocess.h"
#include "gan/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gan {

struct FrameResult {
  double logit = 0;
  bool valid = false;   // false until the frame's batch ran
  std::string model_id; // the detector that computed it (a swap may come while frames wait)
  unsigned age = 0;     // 0: computed for this frame; k: carried, computed k frames before
};

struct BatchRule {
  unsigned interval = 1;                  // infer every interval-th frame (0 counts as 1)
  unsigned batch_size = 1;                // inferred frames per forward pass (0 counts as 1)
  int64_t timeout_ns = 100 * 1000 * 1000; // or fewer, once the oldest frame waited this long
};

// What running a batch did, for the caller's statistics and warnings.
struct BatchRun {
  int64_t inputs = 0;       // inputs the batch held (0: there was nothing to score)
  int64_t batch_inputs = 0; // inputs of the forward pass that scored them (a shared model's
                            // pass may hold other streams' inputs too)
  bool scored = false;      // the model gave logits (false when it threw, or nothing to score)
  std::string error;        // what the model threw; its frames carry the last result instead
  double seconds = 0;       // time spent scoring
  std::shared_ptr<Detector> model; // the model the inputs were made for
};

// Scores n inputs (model's channels x height x width floats each) into logits[n] and returns
// the number of inputs in the forward pass that scored them; throws what the model throws.
using BatchScorer =
    std::function<int64_t(const std::shared_ptr<Detector> &model, const float *inputs, int64_t n,
                          int64_t height, int64_t width, float *logits)>;

template <typename Payload> class FrameBatcher {
public:
  struct Frame {
    Payload payload{};
    uint64_t count = 0;  // frames pushed before it since restart()
    int64_t pts_ns = -1; // its stream time, for the timeout; -1: none
    bool infer = false;  // its own inputs are in the batch
    int64_t first_input = 0, inputs = 0;
    FrameResult result;
  };

  // Whether the next frame pushed is inferred under `rule`.
  bool next_infers(const BatchRule &rule) const {
    return next_count_ % std::max(1u, rule.interval) == 0 || (!last_.valid && waiting() == 0);
  }

  // Whether the inputs waiting were made for another model or input size than these: the
  // batch must run() before a frame with these joins it.
  bool must_run_before(const std::shared_ptr<Detector> &model, int64_t height,
                       int64_t width) const {
    return !inputs_.empty() && (model != model_ || height != height_ || width != width_);
  }

  // Queues an inferred frame: `fill(std::vector<float> &batch)` appends its inputs (model's
  // channels x height x width floats each) and returns how many it appended. What fill throws
  // passes on, and neither the frame nor a part of its inputs stays queued.
  template <typename Fill>
  void push_inferred(Payload payload, int64_t pts_ns, std::shared_ptr<Detector> model,
                     int64_t height, int64_t width, Fill &&fill) {
    const int64_t image = model->info().config.channels * height * width;
    const size_t before = inputs_.size();
    Frame f = make(std::move(payload), pts_ns);
    f.infer = true;
    f.first_input = static_cast<int64_t>(before) / image;
    try {
      f.inputs = fill(inputs_);
    } catch (...) {
      inputs_.resize(before);
      throw;
    }
    model_ = std::move(model);
    height_ = height, width_ = width, channels_ = model_->info().config.channels;
    ++next_count_;
    queue_.push_back(std::move(f));
  }

  // Queues a frame that carries the last result.
  void push_carried(Payload payload, int64_t pts_ns) {
    queue_.push_back(make(std::move(payload), pts_ns));
    ++next_count_;
  }

  // Whether the batch should run now, by `rule`.
  bool due(const BatchRule &rule) const {
    const unsigned n = waiting();
    if (n == 0 || n >= std::max(1u, rule.batch_size))
      return true;
    const int64_t oldest = queue_.front().pts_ns, newest = queue_.back().pts_ns;
    return oldest >= 0 && newest >= oldest && newest - oldest >= rule.timeout_ns;
  }

  // Scores the waiting inputs with `score` (the model they were made for, even if another was
  // swapped in since), then gives every frame without a result its own or the last one.
  BatchRun run(const BatchScorer &score) {
    BatchRun r;
    r.model = std::move(model_);
    model_.reset();
    const std::shared_ptr<Detector> &model = r.model;
    const int64_t image = channels_ * height_ * width_;
    r.inputs = model && image > 0 ? static_cast<int64_t>(inputs_.size()) / image : 0;
    logits_.assign(static_cast<size_t>(r.inputs), 0.0f);
    if (r.inputs > 0) {
      const auto t0 = std::chrono::steady_clock::now();
      try {
        r.batch_inputs = score(model, inputs_.data(), r.inputs, height_, width_, logits_.data());
        r.scored = true;
      } catch (const std::exception &e) {
        r.error = e.what();
      }
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    inputs_.clear();
    for (Frame &f : queue_) {
      if (f.result.valid)
        continue;
      if (r.scored && f.infer && f.inputs > 0 && f.first_input + f.inputs <= r.inputs) {
        f.result = {frame_logit_of(logits_.data() + f.first_input, f.inputs), true,
                    model->info().id, 0};
        last_ = f.result;
      } else {
        f.result = last_;
        f.result.valid = true;
        f.result.age = ++last_age_;
        continue;
      }
      last_age_ = 0;
    }
    return r;
  }

  // Whether the oldest frame has its result (pop() it).
  bool ready() const { return !queue_.empty() && queue_.front().result.valid; }
  Frame pop() {
    Frame f = std::move(queue_.front());
    queue_.pop_front();
    return f;
  }

  // Inferred frames still waiting for the batch to run, and all frames held.
  unsigned waiting() const {
    unsigned n = 0;
    for (const Frame &f : queue_)
      n += (f.infer && !f.result.valid) ? 1 : 0;
    return n;
  }
  size_t size() const { return queue_.size(); }
  // The count the next frame pushed gets.
  uint64_t next_count() const { return next_count_; }
  bool empty() const { return queue_.empty(); }

  // Drops every frame held and the waiting inputs (a flush, a stop), handing each payload to
  // `release`.
  template <typename Release> void clear(Release &&release) {
    for (Frame &f : queue_)
      release(f.payload);
    queue_.clear();
    inputs_.clear();
    model_.reset();
  }
  // The next frame is scored afresh: nothing earlier is carried (after a flush).
  void forget_last() { last_ = FrameResult(); }
  // As new: frames counted from 0, nothing to carry (start). Call clear() first.
  void restart() {
    next_count_ = 0;
    last_ = FrameResult();
    last_age_ = 0;
  }

private:
  Frame make(Payload payload, int64_t pts_ns) const {
    Frame f;
    f.payload = std::move(payload);
    f.count = next_count_;
    f.pts_ns = pts_ns;
    return f;
  }

  std::deque<Frame> queue_;
  std::vector<float> inputs_, logits_;
  std::shared_ptr<Detector> model_; // the model the waiting inputs were made for
  int64_t height_ = 0, width_ = 0, channels_ = 0;
  uint64_t next_count_ = 0;
  FrameResult last_;
  unsigned last_age_ = 0;
};

} // namespace gan
