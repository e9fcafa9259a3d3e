// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Many streams, one model: a detector shared by name within a process (gandetect's
// model-instance-id), with a queue that gathers the streams' inputs into one forward pass.
//
// Each stream calls score() from its own thread and blocks until its logits are back, so
// every stream gets its results in its own order. A worker thread runs a batch when
//   - every attached stream has inputs waiting (nobody else can add to it), or
//   - the waiting inputs reach kMaxBatchInputs, or
//   - the oldest waiting request has waited its timeout (a stalled stream, or one that infers
//     only every few frames, holds the others back by at most that much). With a timeout of 0
//     a batch runs as soon as the worker is free: the requests that came in while it scored
//     the previous one form the next (continuous batching; no stream ever waits for another).
// A stream that ends (EOS) detaches, so the others stop waiting for it at once; one that
// flushes or stops hurries: its requests wait for nobody.
// Inputs only share a forward pass with inputs for the same model and size.

#include "gan/runtime.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gan {

class SharedDetector {
public:
  using Loader = std::function<std::shared_ptr<Detector>()>;
  // Most inputs scored in one forward pass (more waiting run in the next one).
  static constexpr int64_t kMaxBatchInputs = 256;

  // The live instance called `name` in this process, or a new one holding what `load` returns
  // (nullptr when `load` returns nullptr or throws; the exception passes on). Instances live
  // while someone holds them; loading happens under the registry lock, so two streams that
  // start together with one name load the model once.
  static std::shared_ptr<SharedDetector> acquire(const std::string &name, const Loader &load);

  explicit SharedDetector(std::shared_ptr<Detector> model);
  ~SharedDetector();
  SharedDetector(const SharedDetector &) = delete;
  SharedDetector &operator=(const SharedDetector &) = delete;

  // The model new inputs are made for. set_model swaps it for every stream that shares this
  // instance; inputs already waiting are scored by the model they were made for.
  std::shared_ptr<Detector> model() const;
  void set_model(std::shared_ptr<Detector> model);

  // A stream that will send inputs (a partial batch waits for it, up to the timeout): its id,
  // for score(). detach: it will not send more for now (EOS, stopped); ids are reused.
  int64_t attach();
  void detach(int64_t stream);
  // While a stream hurries (it flushes or stops), its requests are scored at once, with
  // whatever waits beside them: they never wait for the others. Sticky until turned off, so a
  // request the stream sends after the flush began is not caught waiting either.
  void hurry(int64_t stream, bool on);

  struct Scored {
    int64_t batch_inputs = 0; // inputs in the forward pass that scored these (all streams')
    double seconds = 0;       // that forward pass's time
  };
  // Scores n inputs (model's channels x height x width floats each, as Detector::score takes
  // them) into logits[n], with other streams' waiting inputs for the same model and size.
  // Blocks: at most `timeout` waiting for others, plus the forward passes ahead. Throws the
  // model's error (Error, std::exception text) when this request's inputs fail; a batch that
  // fails is retried request by request, so one stream's failure is not the others'.
  Scored score(int64_t stream, const std::shared_ptr<Detector> &model, const float *inputs,
               int64_t n, int64_t height, int64_t width, float *logits,
               std::chrono::nanoseconds timeout);

  struct Stats {
    uint64_t forwards = 0; // forward passes run
    uint64_t requests = 0; // score() calls served
    uint64_t inputs = 0;   // inputs scored
    int64_t streams = 0;   // attached now
  };
  Stats stats() const;

private:
  struct Request;
  void work();
  bool ready(std::chrono::steady_clock::time_point now,
             std::chrono::steady_clock::time_point *wake) const;
  void run(std::vector<Request *> &batch);

  mutable std::mutex lock_;
  std::condition_variable work_wake_; // the worker: a request arrived, a stream detached, quit
  std::condition_variable done_;      // the callers: results are in
  std::shared_ptr<Detector> model_;
  std::deque<Request *> waiting_;
  int64_t streams_ = 0;
  std::vector<char> attached_, hurried_; // by stream id
  bool quit_ = false;
  Stats stats_;
  std::vector<float> batch_inputs_, batch_logits_; // reused: no allocation once warm
  std::thread worker_;
};

} // namespace gan
