// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Records to an MQTT broker through libmosquitto, driven from the publisher thread (no thread of
// libmosquitto's own): a non-blocking connect, reconnection with backoff, QoS 0/1/2, username
// and password, TLS with a CA file and a client certificate. A record counts as delivered when
// libmosquitto reports it published (QoS 0: written to the socket; 1 and 2: acknowledged by
// the broker); records handed over when a connection drops are counted lost, and the next
// connection starts afresh (no late acknowledgement can count a record twice).

#include "publisher.h"

#include <set>

struct mosquitto;

namespace ganpub {

struct MqttSettings {
  std::string host = "localhost";
  int port = 1883;
  std::string topic = "gst-gan";
  std::string client_id; // empty: a random one from the broker's rules (clean session)
  int qos = 0;
  std::string username, password;
  std::string ca_file, cert_file, key_file; // TLS when ca_file is set
  int keepalive_s = 30;
};

class MqttTarget final : public Target {
public:
  explicit MqttTarget(MqttSettings settings); // throws std::runtime_error (bad settings)
  ~MqttTarget() override;
  std::string describe() const override;
  void start(std::chrono::milliseconds timeout) override;
  void service(Reporter &report, std::chrono::milliseconds wait) override;
  bool writable() const override;
  void send(Reporter &report, const Record &record) override;
  uint64_t in_flight() const override { return in_flight_.size(); }
  void stop(Reporter &report) override;

private:
  enum class State { Idle, Connecting, Connected };
  void fresh_client();       // a new libmosquitto session with the settings applied
  std::string try_connect(); // starts a connection; the error, or "" when under way
  void failed(Reporter *report, const std::string &why);
  static void on_connect(mosquitto *, void *self, int rc);
  static void on_disconnect(mosquitto *, void *self, int rc);
  static void on_publish(mosquitto *, void *self, int mid);

  const MqttSettings settings_;
  mosquitto *client_ = nullptr;
  State state_ = State::Idle;
  Backoff backoff_;
  std::chrono::steady_clock::time_point connect_started_{};
  std::set<int> in_flight_;       // message ids handed over, not yet published
  std::set<int> early_;           // published before mosquitto_publish returned (QoS 0)
  Reporter *report_ = nullptr;    // during service(), for the callbacks
  std::string refused_;           // the broker's CONNACK refusal, from on_connect
  bool said_down_ = false;        // one warning an outage
  bool connected_unsaid_ = false; // connected in start(), before any Reporter
};

} // namespace ganpub
