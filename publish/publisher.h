// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Records leave the process without the stream ever waiting for the network: the streaming
// thread pushes a record into a bounded queue (never blocking; a full queue drops the record and
// counts it), and one publisher thread hands records to a Target (a file, an MQTT broker, a
// Kafka cluster). Targets reconnect on their own with backoff; every record pushed ends up
// counted exactly once as delivered or dropped (queue full, lost with a connection, or not
// delivered by close's deadline). No GStreamer, no LibTorch: ganpublish and `gst-gan watch`
// use it, and it is unit-tested alone.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ganpub {

struct Record {
  std::string payload; // one JSON document
  std::string key;     // the stream id (Kafka's message key, MQTT ignores it)
};

// What a target tells the publisher, on the publisher thread.
class Reporter {
public:
  virtual ~Reporter() = default;
  virtual void delivered(uint64_t n) = 0;                    // acknowledged or written
  virtual void lost(uint64_t n, const std::string &why) = 0; // handed over, never delivered
  virtual void up(const std::string &what) = 0;              // connected (again)
  virtual void down(const std::string &why) = 0;             // away: a warning, not an error
};

// A destination. Every method runs on the publisher thread (the constructor and start() on the
// caller's); none may block for long: service() waits at most `wait`.
class Target {
public:
  virtual ~Target() = default;
  // "mqtt://host:1883/topic", "file:/path": for messages; never holds a password.
  virtual std::string describe() const = 0;
  // Tries once to connect or open, within `timeout`; throws std::runtime_error naming the cause
  // (refused password, unknown host, unwritable path). A target that cannot connect now keeps
  // trying in service(); start() is how fail-on-connect learns of it.
  virtual void start(std::chrono::milliseconds timeout) = 0;
  // Network traffic, acknowledgements and reconnection; waits at most `wait`.
  virtual void service(Reporter &report, std::chrono::milliseconds wait) = 0;
  // Can take a record now (connected, room in its own queue).
  virtual bool writable() const = 0;
  // Hands one record over; its fate reaches `report` now or in a later service().
  virtual void send(Reporter &report, const Record &record) = 0;
  // Records handed over whose fate is not known yet.
  virtual uint64_t in_flight() const = 0;
  // Gives up on what is in flight (reported lost) and closes.
  virtual void stop(Reporter &report) = 0;
};

struct Stats {
  uint64_t accepted = 0;     // pushed into the queue
  uint64_t delivered = 0;    // acknowledged by the target
  uint64_t dropped_full = 0; // refused at push: the queue was full
  uint64_t lost = 0;         // accepted, never delivered (connection lost, closed at deadline)
  uint64_t queued = 0;       // waiting in the queue now
  uint64_t in_flight = 0;    // handed to the target, fate unknown
  uint64_t outages = 0;      // times the target went away
  bool connected = false;
  uint64_t dropped() const { return dropped_full + lost; }
};

// What the publisher says of its target: connected, away (with the cause), a record lost.
struct Event {
  enum class Kind { Up, Down } kind;
  std::string text;
};

class Publisher final : private Reporter {
public:
  // Starts the publisher thread. `capacity` >= 1 records; `on_event` runs on the publisher
  // thread (keep it short: post a message).
  Publisher(std::unique_ptr<Target> target, size_t capacity,
            std::function<void(const Event &)> on_event);
  ~Publisher() override; // close(0 ms) when close() was not called
  Publisher(const Publisher &) = delete;
  Publisher &operator=(const Publisher &) = delete;

  // Never blocks on the network: false (and counted in dropped_full) when the queue is full or
  // the publisher is closed.
  bool push(Record record);
  // Waits until everything pushed so far is delivered or lost, for at most `deadline` (EOS:
  // records written before it are flushed); true when nothing is left. Keeps accepting.
  bool drain(std::chrono::milliseconds deadline);
  // Stops accepting, delivers what is queued for at most `deadline` (what is left is counted
  // lost), stops the target, joins the thread. Idempotent.
  void close(std::chrono::milliseconds deadline);
  Stats stats() const;
  const std::string &target_description() const { return description_; }

private:
  void run();
  void delivered(uint64_t n) override;
  void lost(uint64_t n, const std::string &why) override;
  void up(const std::string &what) override;
  void down(const std::string &why) override;

  std::unique_ptr<Target> target_;
  const std::string description_;
  const size_t capacity_;
  std::function<void(const Event &)> on_event_;

  mutable std::mutex lock_;
  std::condition_variable wake_;
  std::condition_variable settled_; // after every round of the publisher thread
  std::deque<Record> queue_;
  Stats stats_;
  bool closing_ = false;
  bool sending_ = false; // records taken from the queue, their fate not yet in stats_
  std::chrono::steady_clock::time_point deadline_;
  std::thread thread_;
};

// Reconnection delays: 0.25 s doubling to 8 s, reset on success.
class Backoff {
public:
  bool due(std::chrono::steady_clock::time_point now) const { return now >= next_; }
  void failed(std::chrono::steady_clock::time_point now) {
    next_ = now + delay_;
    delay_ = std::min(delay_ * 2, std::chrono::milliseconds(8000));
  }
  void succeeded() { delay_ = std::chrono::milliseconds(250); }

private:
  std::chrono::steady_clock::time_point next_{};
  std::chrono::milliseconds delay_{250};
};

} // namespace ganpub
