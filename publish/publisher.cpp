// SPDX-License-Identifier: LGPL-2.1-or-later
#include "publisher.h"

#include <stdexcept>

namespace ganpub {

using namespace std::chrono_literals;

Publisher::Publisher(std::unique_ptr<Target> target, size_t capacity,
                     std::function<void(const Event &)> on_event)
    : target_(std::move(target)), description_(target_ ? target_->describe() : ""),
      capacity_(capacity), on_event_(std::move(on_event)) {
  if (!target_ || capacity_ < 1)
    throw std::invalid_argument("a publisher needs a target and room for one record");
  thread_ = std::thread([this] { run(); });
}

Publisher::~Publisher() { close(0ms); }

bool Publisher::push(Record record) {
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (closing_ || queue_.size() >= capacity_) {
      ++stats_.dropped_full;
      return false;
    }
    queue_.push_back(std::move(record));
    ++stats_.accepted;
    stats_.queued = queue_.size();
  }
  wake_.notify_one();
  return true;
}

void Publisher::close(std::chrono::milliseconds deadline) {
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (!closing_) {
      closing_ = true;
      deadline_ = std::chrono::steady_clock::now() + deadline;
    }
  }
  wake_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

bool Publisher::drain(std::chrono::milliseconds deadline) {
  std::unique_lock<std::mutex> lk(lock_);
  return settled_.wait_for(lk, deadline,
                           [this] {
                             return closing_ ||
                                    (queue_.empty() && !sending_ && stats_.in_flight == 0);
                           }) &&
         queue_.empty() && !sending_ && stats_.in_flight == 0;
}

Stats Publisher::stats() const {
  std::lock_guard<std::mutex> guard(lock_);
  return stats_;
}

void Publisher::run() {
  for (;;) {
    bool idle = false;
    {
      std::lock_guard<std::mutex> guard(lock_);
      stats_.in_flight = target_->in_flight();
      if (closing_ && ((queue_.empty() && stats_.in_flight == 0) ||
                       std::chrono::steady_clock::now() >= deadline_))
        break;
      idle = queue_.empty();
    }
    // Waits for the network only when there is something to send and the target cannot take it.
    target_->service(*this, idle || target_->writable() ? 0ms : 20ms);
    while (target_->writable()) {
      Record r;
      {
        std::lock_guard<std::mutex> guard(lock_);
        if (queue_.empty())
          break;
        r = std::move(queue_.front());
        queue_.pop_front();
        sending_ = true;
        stats_.queued = queue_.size();
      }
      target_->send(*this, r);
    }
    {
      std::lock_guard<std::mutex> guard(lock_);
      stats_.in_flight = target_->in_flight();
      sending_ = false;
    }
    settled_.notify_all();
    if (idle) {
      std::unique_lock<std::mutex> lk(lock_);
      wake_.wait_for(lk, 20ms, [this] { return !queue_.empty() || closing_; });
    }
  }
  uint64_t left = 0;
  {
    std::lock_guard<std::mutex> guard(lock_);
    left = queue_.size();
    queue_.clear();
    stats_.queued = 0;
  }
  if (left > 0)
    lost(left, "still queued when the publisher closed");
  target_->stop(*this);
  {
    std::lock_guard<std::mutex> guard(lock_);
    stats_.in_flight = 0;
    stats_.connected = false;
  }
  settled_.notify_all();
}

void Publisher::delivered(uint64_t n) {
  std::lock_guard<std::mutex> guard(lock_);
  stats_.delivered += n;
}

void Publisher::lost(uint64_t n, const std::string &) {
  std::lock_guard<std::mutex> guard(lock_);
  stats_.lost += n;
}

void Publisher::up(const std::string &what) {
  {
    std::lock_guard<std::mutex> guard(lock_);
    stats_.connected = true;
  }
  if (on_event_)
    on_event_({Event::Kind::Up, what});
}

void Publisher::down(const std::string &why) {
  {
    std::lock_guard<std::mutex> guard(lock_);
    stats_.connected = false;
    ++stats_.outages;
  }
  if (on_event_)
    on_event_({Event::Kind::Down, why});
}

} // namespace ganpub
