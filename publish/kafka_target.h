// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Records to Kafka through librdkafka's producer (which keeps its own connections to the
// brokers and retries): `brokers` as bootstrap.servers, the record's key as the message key,
// and any further producer settings passed through (security.protocol, sasl.*, ssl.*, ...). A
// record counts as delivered when its delivery report succeeds, lost when it fails (for one,
// message.timeout.ms passed with the brokers away) or is purged at close.

#include "kafka_config.h"
#include "publisher.h"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace ganpub {

struct KafkaSettings {
  std::string brokers = "localhost:9092";
  std::string topic = "gst-gan";
  std::vector<std::pair<std::string, std::string>> config; // passed to rd_kafka_conf_set
};

class KafkaTarget final : public Target {
public:
  explicit KafkaTarget(KafkaSettings settings); // throws std::runtime_error naming a bad key
  ~KafkaTarget() override;
  std::string describe() const override;
  void start(std::chrono::milliseconds timeout) override;
  void service(Reporter &report, std::chrono::milliseconds wait) override;
  bool writable() const override;
  void send(Reporter &report, const Record &record) override;
  uint64_t in_flight() const override { return in_flight_; }
  void stop(Reporter &report) override;

private:
  static void on_delivery(rd_kafka_s *, const rd_kafka_message_s *message, void *self);
  static void on_error(rd_kafka_s *, int err, const char *reason, void *self);

  const KafkaSettings settings_;
  rd_kafka_s *producer_ = nullptr;
  uint64_t in_flight_ = 0;
  Reporter *report_ = nullptr; // during service(), for the callbacks
  bool down_ = false;
};

} // namespace ganpub
