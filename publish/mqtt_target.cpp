// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mqtt_target.h"

#include <mosquitto.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace ganpub {

namespace {

constexpr size_t kMaxInFlight = 256; // handed to libmosquitto at once; the rest wait in our queue
constexpr auto kConnectTimeout = std::chrono::seconds(10);

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string error_text(int rc) {
  if (rc == MOSQ_ERR_ERRNO)
    return std::strerror(errno);
  return mosquitto_strerror(rc);
}

} // namespace

MqttTarget::MqttTarget(MqttSettings settings) : settings_(std::move(settings)) {
  if (settings_.topic.empty())
    throw std::runtime_error("MQTT needs a topic");
  if (settings_.qos < 0 || settings_.qos > 2)
    throw std::runtime_error("MQTT QoS must be 0, 1 or 2");
  if (settings_.port < 1 || settings_.port > 65535)
    throw std::runtime_error("MQTT port " + std::to_string(settings_.port) + " is out of range");
  init_library();
  fresh_client();
}

MqttTarget::~MqttTarget() {
  if (client_)
    mosquitto_destroy(client_);
}

std::string MqttTarget::describe() const {
  return std::string(settings_.ca_file.empty() ? "mqtt" : "mqtts") + "://" + settings_.host + ":" +
         std::to_string(settings_.port) + "/" + settings_.topic;
}

void MqttTarget::fresh_client() {
  const char *id = settings_.client_id.empty() ? nullptr : settings_.client_id.c_str();
  if (!client_)
    client_ = mosquitto_new(id, true, this);
  else
    mosquitto_reinitialise(client_, id, true, this);
  if (!client_)
    throw std::runtime_error("libmosquitto could not make a client: " +
                             std::string(std::strerror(errno)));
  mosquitto_connect_callback_set(client_, &MqttTarget::on_connect);
  mosquitto_disconnect_callback_set(client_, &MqttTarget::on_disconnect);
  mosquitto_publish_callback_set(client_, &MqttTarget::on_publish);
  if (!settings_.username.empty() &&
      mosquitto_username_pw_set(
          client_, settings_.username.c_str(),
          settings_.password.empty() ? nullptr : settings_.password.c_str()) != MOSQ_ERR_SUCCESS)
    throw std::runtime_error("MQTT username or password not accepted by libmosquitto");
  if (!settings_.ca_file.empty()) {
    const int rc = mosquitto_tls_set(
        client_, settings_.ca_file.c_str(), nullptr,
        settings_.cert_file.empty() ? nullptr : settings_.cert_file.c_str(),
        settings_.key_file.empty() ? nullptr : settings_.key_file.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS)
      throw std::runtime_error("MQTT TLS files (CA '" + settings_.ca_file + "', certificate '" +
                               settings_.cert_file + "', key '" + settings_.key_file +
                               "') cannot be used: " + error_text(rc));
  }
  in_flight_.clear();
  early_.clear();
  state_ = State::Idle;
}

std::string MqttTarget::try_connect() {
  refused_.clear();
  errno = 0;
  const int rc = mosquitto_connect_async(client_, settings_.host.c_str(), settings_.port,
                                         settings_.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS)
    return rc == MOSQ_ERR_EAI ? "cannot resolve the host name '" + settings_.host + "'"
                              : error_text(rc);
  state_ = State::Connecting;
  connect_started_ = std::chrono::steady_clock::now();
  return "";
}

void MqttTarget::start(std::chrono::milliseconds timeout) {
  std::string why = try_connect();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (why.empty() && state_ == State::Connecting) {
    if (std::chrono::steady_clock::now() >= deadline) {
      why = "no answer within " + std::to_string(timeout.count()) + " ms";
      break;
    }
    const int rc = mosquitto_loop(client_, 50, 1);
    if (!refused_.empty())
      why = refused_;
    else if (rc != MOSQ_ERR_SUCCESS)
      why = error_text(rc);
  }
  if (!why.empty()) {
    fresh_client();
    throw std::runtime_error("cannot connect to " + describe() + ": " + why);
  }
}

void MqttTarget::failed(Reporter *report, const std::string &why) {
  const uint64_t lost = in_flight_.size();
  fresh_client(); // nothing of the old session is sent or acknowledged later
  backoff_.failed(std::chrono::steady_clock::now());
  if (report && lost > 0)
    report->lost(lost, why);
  if (report && !said_down_) {
    said_down_ = true;
    report->down(describe() + ": " + why + " (retrying)");
  }
}

void MqttTarget::service(Reporter &report, std::chrono::milliseconds wait) {
  report_ = &report;
  if (connected_unsaid_ && state_ == State::Connected)
    report.up(describe());
  connected_unsaid_ = false;
  if (state_ == State::Idle && backoff_.due(std::chrono::steady_clock::now())) {
    const std::string why = try_connect();
    if (!why.empty())
      failed(&report, why);
  }
  if (state_ != State::Idle) {
    errno = 0;
    const int rc = mosquitto_loop(client_, static_cast<int>(wait.count()), 1);
    if (!refused_.empty())
      failed(&report, refused_);
    else if (rc != MOSQ_ERR_SUCCESS)
      failed(&report,
             state_ == State::Connected ? "connection lost: " + error_text(rc) : error_text(rc));
    else if (state_ == State::Connecting &&
             std::chrono::steady_clock::now() - connect_started_ > kConnectTimeout)
      failed(&report, "no answer within 10 s");
  }
  report_ = nullptr;
}

bool MqttTarget::writable() const {
  return state_ == State::Connected && in_flight_.size() < kMaxInFlight;
}

void MqttTarget::send(Reporter &report, const Record &record) {
  int mid = 0;
  report_ = &report;
  const int rc = mosquitto_publish(client_, &mid, settings_.topic.c_str(),
                                   static_cast<int>(record.payload.size()), record.payload.data(),
                                   settings_.qos, false);
  report_ = nullptr;
  if (rc != MOSQ_ERR_SUCCESS) {
    report.lost(1, error_text(rc));
    if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_ERRNO)
      failed(&report, "connection lost: " + error_text(rc));
    return;
  }
  if (!early_.erase(mid))
    in_flight_.insert(mid);
}

void MqttTarget::stop(Reporter &report) {
  if (!in_flight_.empty())
    report.lost(in_flight_.size(), "not acknowledged when the publisher closed");
  in_flight_.clear();
  if (state_ == State::Connected) {
    mosquitto_disconnect(client_);
    mosquitto_loop(client_, 10, 1);
  }
  state_ = State::Idle;
}

void MqttTarget::on_connect(mosquitto *, void *self, int rc) {
  auto *t = static_cast<MqttTarget *>(self);
  if (rc != 0) {
    t->refused_ = std::string("refused by the broker: ") + mosquitto_connack_string(rc);
    return;
  }
  t->state_ = State::Connected;
  t->backoff_.succeeded();
  t->said_down_ = false;
  if (t->report_)
    t->report_->up(t->describe());
  else
    t->connected_unsaid_ = true;
}

void MqttTarget::on_disconnect(mosquitto *, void *self, int rc) {
  auto *t = static_cast<MqttTarget *>(self);
  if (rc != 0 && t->refused_.empty() && t->state_ == State::Connected)
    t->refused_ = "connection lost";
}

void MqttTarget::on_publish(mosquitto *, void *self, int mid) {
  auto *t = static_cast<MqttTarget *>(self);
  if (t->in_flight_.erase(mid) == 0)
    t->early_.insert(mid);
  if (t->report_)
    t->report_->delivered(1);
}

} // namespace ganpub
