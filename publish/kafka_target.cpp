// SPDX-License-Identifier: LGPL-2.1-or-later
#include "kafka_target.h"

#include <librdkafka/rdkafka.h>

#include <stdexcept>

namespace ganpub {

namespace {

constexpr uint64_t kMaxInFlight = 10000; // handed to librdkafka at once; the rest wait with us

void set(rd_kafka_conf_t *conf, const std::string &key, const std::string &value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error("Kafka setting '" + key + "' refused: " + err);
  }
}

} // namespace

KafkaTarget::KafkaTarget(KafkaSettings settings) : settings_(std::move(settings)) {
  if (settings_.topic.empty())
    throw std::runtime_error("Kafka needs a topic");
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", settings_.brokers);
  set(conf, "client.id", "gst-gan");
  for (const auto &[key, value] : settings_.config)
    set(conf, key, value);
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t *rk, const rd_kafka_message_t *m, void *self) {
    on_delivery(rk, m, self);
  });
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t *rk, int err, const char *reason, void *self) {
    on_error(rk, err, reason, self);
  });
  char err[512];
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err); // owns conf on success
  if (!producer_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot make a Kafka producer: ") + err);
  }
}

KafkaTarget::~KafkaTarget() {
  if (producer_) {
    rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_destroy(producer_);
  }
}

std::string KafkaTarget::describe() const {
  return "kafka://" + settings_.brokers + "/" + settings_.topic;
}

void KafkaTarget::start(std::chrono::milliseconds timeout) {
  const struct rd_kafka_metadata *md = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(producer_, 0, nullptr, &md, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("cannot reach the Kafka brokers " + settings_.brokers + ": " +
                             rd_kafka_err2str(err));
  rd_kafka_metadata_destroy(md);
}

void KafkaTarget::service(Reporter &report, std::chrono::milliseconds wait) {
  report_ = &report;
  rd_kafka_poll(producer_, static_cast<int>(wait.count())); // delivery reports, errors
  report_ = nullptr;
}

bool KafkaTarget::writable() const { return in_flight_ < kMaxInFlight; }

void KafkaTarget::send(Reporter &report, const Record &record) {
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      producer_, RD_KAFKA_V_TOPIC(settings_.topic.c_str()),
      RD_KAFKA_V_KEY(record.key.data(), record.key.size()),
      RD_KAFKA_V_VALUE(const_cast<char *>(record.payload.data()), record.payload.size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    report.lost(1, rd_kafka_err2str(err));
    return;
  }
  ++in_flight_;
}

void KafkaTarget::stop(Reporter &report) {
  report_ = &report;
  rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(producer_, 0); // the purged messages' reports: lost
  report_ = nullptr;
  if (in_flight_ > 0)
    report.lost(in_flight_, "not reported when the publisher closed");
  in_flight_ = 0;
}

void KafkaTarget::on_delivery(rd_kafka_s *, const rd_kafka_message_s *m, void *self) {
  auto *t = static_cast<KafkaTarget *>(self);
  if (t->in_flight_ > 0)
    --t->in_flight_;
  if (!t->report_)
    return;
  if (m->err) {
    t->report_->lost(1, rd_kafka_err2str(m->err));
    return;
  }
  t->report_->delivered(1);
  if (t->down_) {
    t->down_ = false;
    t->report_->up(t->describe());
  }
}

void KafkaTarget::on_error(rd_kafka_s *, int err, const char *reason, void *self) {
  auto *t = static_cast<KafkaTarget *>(self);
  if (!t->report_ || t->down_)
    return;
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
      err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__RESOLVE) {
    t->down_ = true;
    t->report_->down(t->describe() + ": " + reason + " (librdkafka retries)");
  }
}

} // namespace ganpub
