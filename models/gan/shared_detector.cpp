// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/shared_detector.h"

#include "gan/error.h"

#include <algorithm>
#include <exception>
#include <map>

namespace gan {

using Clock = std::chrono::steady_clock;

// One score() call, on its caller's stack while the caller waits for it.
struct SharedDetector::Request {
  int64_t stream = -1;
  std::shared_ptr<Detector> model;
  const float *inputs = nullptr;
  int64_t n = 0, height = 0, width = 0;
  float *logits = nullptr;
  Clock::time_point deadline;
  bool done = false;
  std::exception_ptr error;
  Scored scored;

  bool same_batch(const Request &other) const {
    return model == other.model && height == other.height && width == other.width;
  }
  int64_t floats() const { return n * model->info().config.channels * height * width; }
};

namespace {

// Process-wide, never destroyed: elements may outlive static destruction order at exit.
std::mutex &registry_lock() {
  static auto *lock = new std::mutex;
  return *lock;
}

std::map<std::string, std::weak_ptr<SharedDetector>> &registry() {
  static auto *instances = new std::map<std::string, std::weak_ptr<SharedDetector>>;
  return *instances;
}

} // namespace

std::shared_ptr<SharedDetector> SharedDetector::acquire(const std::string &name,
                                                        const Loader &load) {
  std::lock_guard<std::mutex> guard(registry_lock());
  auto &instances = registry();
  for (auto it = instances.begin(); it != instances.end();)
    it = it->second.expired() ? instances.erase(it) : std::next(it);
  if (auto live = instances[name].lock())
    return live;
  std::shared_ptr<Detector> model = load();
  if (!model) {
    instances.erase(name);
    return nullptr;
  }
  auto fresh = std::make_shared<SharedDetector>(std::move(model));
  instances[name] = fresh;
  return fresh;
}

SharedDetector::SharedDetector(std::shared_ptr<Detector> model) : model_(std::move(model)) {
  if (!model_)
    throw Error(ErrorCode::InvalidArgument, "a shared detector needs a model");
  worker_ = std::thread([this] { work(); });
}

SharedDetector::~SharedDetector() {
  {
    std::lock_guard<std::mutex> guard(lock_);
    quit_ = true; // no request can be waiting: each caller holds the instance while it waits
  }
  work_wake_.notify_one();
  worker_.join();
}

std::shared_ptr<Detector> SharedDetector::model() const {
  std::lock_guard<std::mutex> guard(lock_);
  return model_;
}

void SharedDetector::set_model(std::shared_ptr<Detector> model) {
  if (!model)
    return;
  std::lock_guard<std::mutex> guard(lock_);
  model_ = std::move(model);
}

int64_t SharedDetector::attach() {
  std::lock_guard<std::mutex> guard(lock_);
  size_t id = 0;
  while (id < attached_.size() && attached_[id])
    ++id;
  if (id == attached_.size()) {
    attached_.push_back(0);
    hurried_.push_back(0);
  }
  attached_[id] = 1;
  hurried_[id] = 0;
  stats_.streams = ++streams_;
  return static_cast<int64_t>(id);
}

void SharedDetector::detach(int64_t stream) {
  {
    std::lock_guard<std::mutex> guard(lock_);
    const size_t id = static_cast<size_t>(stream);
    if (stream < 0 || id >= attached_.size() || !attached_[id])
      return;
    attached_[id] = 0;
    stats_.streams = --streams_;
  }
  work_wake_.notify_one(); // the waiting streams may be all that is left
}

void SharedDetector::hurry(int64_t stream, bool on) {
  {
    std::lock_guard<std::mutex> guard(lock_);
    const size_t id = static_cast<size_t>(stream);
    if (stream < 0 || id >= hurried_.size())
      return;
    hurried_[id] = on ? 1 : 0;
  }
  work_wake_.notify_one();
}

SharedDetector::Stats SharedDetector::stats() const {
  std::lock_guard<std::mutex> guard(lock_);
  return stats_;
}

SharedDetector::Scored SharedDetector::score(int64_t stream, const std::shared_ptr<Detector> &model,
                                             const float *inputs, int64_t n, int64_t height,
                                             int64_t width, float *logits,
                                             std::chrono::nanoseconds timeout) {
  if (n <= 0)
    return {};
  if (!model)
    throw Error(ErrorCode::InvalidArgument, "no detector to score with");
  Request r;
  r.stream = stream;
  r.model = model;
  r.inputs = inputs;
  r.n = n, r.height = height, r.width = width;
  r.logits = logits;
  r.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::min(
                                  timeout, std::chrono::nanoseconds(std::chrono::hours(1))));
  {
    std::unique_lock<std::mutex> lock(lock_);
    waiting_.push_back(&r);
    work_wake_.notify_one();
    done_.wait(lock, [&] { return r.done; });
  }
  if (r.error)
    std::rethrow_exception(r.error);
  return r.scored;
}

// Whether a batch should run now; if not, *wake is when to look again (the earliest deadline).
bool SharedDetector::ready(Clock::time_point now, Clock::time_point *wake) const {
  if (waiting_.empty())
    return false;
  if (static_cast<int64_t>(waiting_.size()) >= streams_)
    return true; // every attached stream waits: nobody else can add to the batch
  for (const Request *r : waiting_)
    if (r->stream >= 0 && static_cast<size_t>(r->stream) < hurried_.size() &&
        hurried_[static_cast<size_t>(r->stream)])
      return true; // a stream that flushes or stops waits for nobody
  const Request &oldest = *waiting_.front();
  int64_t inputs = 0;
  Clock::time_point earliest = oldest.deadline;
  for (const Request *r : waiting_) {
    inputs += r->same_batch(oldest) ? r->n : 0;
    earliest = std::min(earliest, r->deadline);
  }
  if (inputs >= kMaxBatchInputs || earliest <= now)
    return true;
  *wake = earliest;
  return false;
}

void SharedDetector::work() {
  std::vector<Request *> batch;
  std::unique_lock<std::mutex> lock(lock_);
  for (;;) {
    if (quit_)
      return;
    Clock::time_point wake = Clock::time_point::max();
    if (!ready(Clock::now(), &wake)) {
      if (wake == Clock::time_point::max())
        work_wake_.wait(lock);
      else
        work_wake_.wait_until(lock, wake);
      continue;
    }
    // The oldest request and those waiting for the same model and size, up to the cap.
    batch.clear();
    int64_t inputs = 0;
    const Request &oldest = *waiting_.front();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      Request *r = *it;
      if (r->same_batch(oldest) && (batch.empty() || inputs + r->n <= kMaxBatchInputs)) {
        batch.push_back(r);
        inputs += r->n;
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    run(batch);
    lock.lock();
    for (Request *r : batch) {
      r->done = true;
      ++stats_.requests;
      stats_.inputs += static_cast<uint64_t>(r->n);
    }
    done_.notify_all();
  }
}

// Scores a batch (on the worker thread, without the lock): one forward pass for all of it,
// or, when that fails, one per request so that each gets its own result or error.
void SharedDetector::run(std::vector<Request *> &batch) {
  const std::shared_ptr<Detector> &model = batch.front()->model;
  const int64_t height = batch.front()->height, width = batch.front()->width;
  const auto t0 = Clock::now();
  uint64_t forwards = 0;
  bool scored = false;
  if (batch.size() > 1) {
    try {
      int64_t n = 0;
      batch_inputs_.clear();
      for (const Request *r : batch) {
        batch_inputs_.insert(batch_inputs_.end(), r->inputs, r->inputs + r->floats());
        n += r->n;
      }
      batch_logits_.resize(static_cast<size_t>(n));
      ++forwards;
      model->score(batch_inputs_.data(), n, height, width, batch_logits_.data());
      const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      int64_t at = 0;
      for (Request *r : batch) {
        std::copy_n(batch_logits_.data() + at, r->n, r->logits);
        at += r->n;
        r->scored = {n, seconds};
      }
      scored = true;
    } catch (...) {
      // retried request by request below
    }
  }
  if (!scored) {
    for (Request *r : batch) {
      const auto t1 = Clock::now();
      try {
        ++forwards;
        model->score(r->inputs, r->n, height, width, r->logits);
        r->scored = {r->n, std::chrono::duration<double>(Clock::now() - t1).count()};
      } catch (...) {
        r->error = std::current_exception();
      }
    }
  }
  std::lock_guard<std::mutex> guard(lock_);
  stats_.forwards += forwards;
}

} // namespace gan
