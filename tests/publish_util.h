// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// What the publishing tests share: real peers (Debian's mosquitto broker started on a free port,
// stopped and restarted on the same port with its sessions persisted; a libmosquitto subscriber
// that collects what arrives; librdkafka's mock cluster and a consumer of it) and reading
// records back.

#include "net_util.h"
#include "temp_dir.h"

#include <gtest/gtest.h>
#include <mosquitto.h>
#include <nlohmann/json.hpp>
#ifdef GST_GAN_HAVE_KAFKA
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gan_test {

// /usr/sbin/mosquitto on 127.0.0.1:port() with a config in its own folder; `extra` lines are
// appended to the config (a password file, say).
class MosquittoBroker {
public:
  explicit MosquittoBroker(const std::string &extra = "allow_anonymous true\n")
      : port_(free_tcp_port()) {
    std::ofstream(dir_.file("mosquitto.conf"))
        << "listener " << port_ << " 127.0.0.1\n"
        << "persistence true\npersistence_location " << dir_.path() << "/\n"
        << "log_dest file " << dir_.path()
        << "/broker.log\n"
        // Started as root it would run as the user mosquitto, who cannot write our folder.
        << (geteuid() == 0 ? "user root\n" : "") << extra;
    start();
  }
  ~MosquittoBroker() { stop(); }
  MosquittoBroker(const MosquittoBroker &) = delete;
  MosquittoBroker &operator=(const MosquittoBroker &) = delete;

  int port() const { return port_; }
  const TempDir &dir() const { return dir_; }
  bool running() const { return pid_ > 0; }

  // Starts it and waits until it accepts connections (10 s at most).
  void start() {
    ASSERT_EQ(access(kBinary, X_OK), 0)
        << kBinary << " is missing: install Debian's mosquitto (tools/setup-debian.sh does)";
    pid_ = fork();
    if (pid_ == 0) {
      const std::string conf = dir_.file("mosquitto.conf");
      execl(kBinary, kBinary, "-c", conf.c_str(), static_cast<char *>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!port_accepts(port_) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(port_accepts(port_)) << "mosquitto did not start on port " << port_;
  }

  // SIGTERM (it saves its sessions) and waits for it.
  void stop() {
    if (pid_ <= 0)
      return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

private:
  static constexpr const char *kBinary = "/usr/sbin/mosquitto";
  TempDir dir_;
  int port_;
  pid_t pid_ = -1;
};

// A QoS-1 subscriber with a persistent session (clean_session false): what the broker stores
// for it while it is away reaches it when it is back.
class Subscriber {
public:
  Subscriber(int port, const std::string &topic) : topic_(topic) {
    mosquitto_lib_init();
    client_ = mosquitto_new(("gst-gan-test-" + std::to_string(getpid())).c_str(), false, this);
    mosquitto_connect_callback_set(client_, [](mosquitto *m, void *self, int rc) {
      auto *s = static_cast<Subscriber *>(self);
      if (rc == 0) {
        mosquitto_subscribe(m, nullptr, s->topic_.c_str(), 1);
      }
    });
    mosquitto_subscribe_callback_set(client_, [](mosquitto *, void *self, int, int, const int *) {
      auto *s = static_cast<Subscriber *>(self);
      std::lock_guard<std::mutex> guard(s->lock_);
      ++s->subscriptions_;
    });
    mosquitto_message_callback_set(
        client_, [](mosquitto *, void *self, const mosquitto_message *m) {
          auto *s = static_cast<Subscriber *>(self);
          std::lock_guard<std::mutex> guard(s->lock_);
          s->messages_.emplace_back(static_cast<const char *>(m->payload),
                                    static_cast<size_t>(m->payloadlen));
        });
    mosquitto_reconnect_delay_set(client_, 1, 1, false);
    EXPECT_EQ(mosquitto_connect(client_, "127.0.0.1", port, 30), MOSQ_ERR_SUCCESS);
    mosquitto_loop_start(client_);
  }
  ~Subscriber() {
    mosquitto_disconnect(client_);
    mosquitto_loop_stop(client_, true);
    mosquitto_destroy(client_);
  }
  // Waits until it has subscribed `n` times in all (it subscribes on every connection).
  bool wait_subscribed(int n, double seconds) {
    return wait([&] { return subscriptions_ >= n; }, seconds);
  }
  // Waits until `n` messages arrived, or `seconds` pass.
  bool wait_messages(size_t n, double seconds) {
    return wait([&] { return messages_.size() >= n; }, seconds);
  }
  std::vector<std::string> messages() {
    std::lock_guard<std::mutex> guard(lock_);
    return messages_;
  }

private:
  template <typename Pred> bool wait(Pred pred, double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
      {
        std::lock_guard<std::mutex> guard(lock_);
        if (pred())
          return true;
      }
      if (std::chrono::steady_clock::now() >= deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::string topic_;
  mosquitto *client_ = nullptr;
  std::mutex lock_;
  int subscriptions_ = 0;
  std::vector<std::string> messages_;
};

// A file of JSON Lines, parsed.
inline std::vector<nlohmann::json> json_lines(const std::string &path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(nlohmann::json::parse(line));
  return out;
}

#ifdef GST_GAN_HAVE_KAFKA

// librdkafka's mock cluster: one broker inside this process, on a loopback port, with `topic`.
class MockKafka {
public:
  explicit MockKafka(const std::string &topic) {
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    cluster_ = rd_kafka_mock_cluster_new(handle_, 1);
    rd_kafka_mock_topic_create(cluster_, topic.c_str(), 1, 1);
  }
  ~MockKafka() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(handle_);
  }
  MockKafka(const MockKafka &) = delete;
  MockKafka &operator=(const MockKafka &) = delete;
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

  // Partition 0 of `topic` from the beginning, as (key, value), until `expect` arrived or 20 s.
  std::vector<std::pair<std::string, std::string>> consume(const std::string &topic,
                                                           size_t expect) const {
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps().c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", "gst-gan-test", err, sizeof err);
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(consumer, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    std::vector<std::pair<std::string, std::string>> out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (out.size() < expect && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 100);
      if (!m)
        continue;
      if (!m->err)
        out.emplace_back(std::string(static_cast<const char *>(m->key), m->key_len),
                         std::string(static_cast<const char *>(m->payload), m->len));
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return out;
  }

private:
  rd_kafka_t *handle_ = nullptr;
  rd_kafka_mock_cluster_t *cluster_ = nullptr;
};

#endif

} // namespace gan_test
