// SPDX-License-Identifier: LGPL-2.1-or-later
// Records out of the process (publish/): the bounded queue and its accounting, the file target,
// and the broker targets against real peers: Debian's mosquitto, librdkafka's mock cluster.

#include "file_target.h"
#include "publish_util.h"
#include "publisher.h"
#ifdef GST_GAN_HAVE_MQTT
#include "mqtt_target.h"
#endif
#ifdef GST_GAN_HAVE_KAFKA
#include "kafka_target.h"
#endif

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <set>
#include <sstream>

namespace {

using namespace std::chrono_literals;
using gan_test::TempDir;
using ganpub::Publisher;
using ganpub::Record;

// A target the test steers: takes records only while `open`, delivers them at once or holds
// them in flight until `settle` says delivered or lost.
class FakeTarget final : public ganpub::Target {
public:
  struct Shared {
    std::atomic<bool> open{true};
    std::atomic<bool> hold{false}; // keep records in flight
    std::atomic<int> settle{0};    // 1: deliver what is held, 2: lose it
    std::mutex lock;
    std::vector<std::string> received; // in order
  };
  explicit FakeTarget(std::shared_ptr<Shared> s) : s_(std::move(s)) {}
  std::string describe() const override { return "fake:"; }
  void start(std::chrono::milliseconds) override {}
  void service(ganpub::Reporter &report, std::chrono::milliseconds) override {
    const int settle = s_->settle.exchange(0);
    if (settle == 1 && held_ > 0)
      report.delivered(held_);
    if (settle == 2 && held_ > 0) {
      report.lost(held_, "gone");
      report.down("fake: gone");
    }
    if (settle != 0)
      held_ = 0;
  }
  bool writable() const override { return s_->open; }
  void send(ganpub::Reporter &report, const Record &r) override {
    {
      std::lock_guard<std::mutex> guard(s_->lock);
      s_->received.push_back(r.payload);
    }
    if (s_->hold)
      ++held_;
    else
      report.delivered(1);
  }
  uint64_t in_flight() const override { return held_; }
  void stop(ganpub::Reporter &report) override {
    if (held_ > 0)
      report.lost(held_, "closed");
    held_ = 0;
  }

private:
  std::shared_ptr<Shared> s_;
  uint64_t held_ = 0;
};

template <typename Pred> bool eventually(Pred pred, std::chrono::milliseconds within = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Every record pushed is counted once: refused at push, delivered, or lost.
void expect_accounted(const ganpub::Stats &s, uint64_t pushed) {
  EXPECT_EQ(s.accepted + s.dropped_full, pushed);
  EXPECT_EQ(s.delivered + s.lost, s.accepted)
      << "delivered " << s.delivered << " lost " << s.lost << " accepted " << s.accepted;
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.in_flight, 0u);
}

TEST(Publisher, DeliversEveryRecordInOrder) {
  auto shared = std::make_shared<FakeTarget::Shared>();
  Publisher p(std::make_unique<FakeTarget>(shared), 1000, nullptr);
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(p.push({std::to_string(i), "k"}));
  p.close(5000ms);
  expect_accounted(p.stats(), 1000);
  EXPECT_EQ(p.stats().delivered, 1000u);
  ASSERT_EQ(shared->received.size(), 1000u);
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(shared->received[static_cast<size_t>(i)], std::to_string(i));
}

TEST(Publisher, AFullQueueRefusesAndCountsWithoutWaiting) {
  auto shared = std::make_shared<FakeTarget::Shared>();
  shared->open = false; // the network is away: nothing leaves
  Publisher p(std::make_unique<FakeTarget>(shared), 5, nullptr);
  int taken = 0;
  for (int i = 0; i < 20; ++i)
    taken += p.push({"r", ""});
  EXPECT_EQ(taken, 5);
  EXPECT_EQ(p.stats().dropped_full, 15u);
  EXPECT_EQ(p.stats().queued, 5u);
  shared->open = true; // back: the queue drains
  ASSERT_TRUE(eventually([&] { return p.stats().delivered == 5; }));
  EXPECT_TRUE(p.push({"after", ""}));
  p.close(5000ms);
  expect_accounted(p.stats(), 21);
  EXPECT_FALSE(p.push({"closed", ""})) << "a closed publisher takes nothing";
  EXPECT_EQ(p.stats().dropped_full, 16u);
}

TEST(Publisher, RecordsInFlightWhenTheTargetGoesAreLostAndSaid) {
  auto shared = std::make_shared<FakeTarget::Shared>();
  shared->hold = true;
  std::mutex lock;
  std::vector<std::string> events;
  Publisher p(std::make_unique<FakeTarget>(shared), 100, [&](const ganpub::Event &e) {
    std::lock_guard<std::mutex> guard(lock);
    events.push_back(e.text);
  });
  for (int i = 0; i < 10; ++i)
    p.push({"r", ""});
  ASSERT_TRUE(eventually([&] { return p.stats().in_flight == 10; }));
  shared->settle = 2; // the connection drops with 10 unacknowledged
  ASSERT_TRUE(eventually([&] { return p.stats().lost == 10; }));
  for (int i = 0; i < 4; ++i)
    p.push({"r", ""});
  ASSERT_TRUE(eventually([&] { return p.stats().in_flight == 4; }));
  shared->settle = 1;
  ASSERT_TRUE(eventually([&] { return p.stats().delivered == 4; }));
  p.push({"never settled", ""});
  p.close(100ms); // the deadline passes with one in flight: lost
  expect_accounted(p.stats(), 15);
  EXPECT_EQ(p.stats().lost, 11u);
  EXPECT_EQ(p.stats().outages, 1u);
  std::lock_guard<std::mutex> guard(lock);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "fake: gone");
}

TEST(FileTarget, JsonLinesAndOneArrayReadBack) {
  TempDir dir;
  for (auto format : {ganpub::FileFormat::JsonLines, ganpub::FileFormat::JsonArray}) {
    const std::string path = dir.file("records.json");
    auto target = std::make_unique<ganpub::FileTarget>(path, format);
    target->start(0ms);
    Publisher p(std::move(target), 10, nullptr);
    for (int i = 0; i < 3; ++i)
      p.push({nlohmann::json{{"frame", i}}.dump(), ""});
    p.close(5000ms);
    EXPECT_EQ(p.stats().delivered, 3u);
    if (format == ganpub::FileFormat::JsonLines) {
      const std::vector<nlohmann::json> lines = gan_test::json_lines(path);
      ASSERT_EQ(lines.size(), 3u);
      EXPECT_EQ(lines[2]["frame"], 2);
    } else {
      std::ifstream in(path);
      const nlohmann::json all = nlohmann::json::parse(in);
      ASSERT_TRUE(all.is_array());
      ASSERT_EQ(all.size(), 3u);
      EXPECT_EQ(all[1]["frame"], 1);
    }
  }
}

TEST(FileTarget, AnUnwritablePathIsNamedAndItsRecordsCounted) {
  const std::string path = "/nonexistent-gst-gan-dir/records.json";
  ganpub::FileTarget target(path, ganpub::FileFormat::JsonLines);
  try {
    target.start(0ms);
    ADD_FAILURE() << "opened " << path;
  } catch (const std::exception &e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::vector<std::string> events;
  std::mutex lock;
  Publisher p(std::make_unique<ganpub::FileTarget>(path, ganpub::FileFormat::JsonLines), 4,
              [&](const ganpub::Event &e) {
                std::lock_guard<std::mutex> guard(lock);
                events.push_back(e.text);
              });
  for (int i = 0; i < 6; ++i)
    p.push({"{}", ""});
  p.close(200ms);
  expect_accounted(p.stats(), 6);
  EXPECT_EQ(p.stats().delivered, 0u);
  std::lock_guard<std::mutex> guard(lock);
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events[0].find(path), std::string::npos) << events[0];
}

#ifdef GST_GAN_HAVE_MQTT

// QoS 1 to `topic` on the broker at 127.0.0.1:port.
ganpub::MqttSettings local_mqtt(int port, const std::string &topic) {
  ganpub::MqttSettings s;
  s.host = "127.0.0.1";
  s.port = port;
  s.topic = topic;
  s.qos = 1;
  return s;
}

std::set<std::string> distinct(const std::vector<std::string> &v) { return {v.begin(), v.end()}; }

TEST(Mqtt, RecordsReachARealBroker) {
  gan_test::MosquittoBroker broker;
  gan_test::Subscriber sub(broker.port(), "gan/verdicts");
  ASSERT_TRUE(sub.wait_subscribed(1, 10));
  const ganpub::MqttSettings s = local_mqtt(broker.port(), "gan/verdicts");
  auto target = std::make_unique<ganpub::MqttTarget>(s);
  target->start(5000ms);
  Publisher p(std::move(target), 100, nullptr);
  for (int i = 0; i < 50; ++i)
    p.push({"{\"frame\":" + std::to_string(i) + "}", ""});
  p.close(10000ms);
  expect_accounted(p.stats(), 50);
  EXPECT_EQ(p.stats().delivered, 50u);
  ASSERT_TRUE(sub.wait_messages(50, 10));
  EXPECT_EQ(distinct(sub.messages()).size(), 50u);
}

TEST(Mqtt, ABrokerRestartedMidStreamLosesNothingSilently) {
  gan_test::MosquittoBroker broker;
  gan_test::Subscriber sub(broker.port(), "gan/verdicts");
  ASSERT_TRUE(sub.wait_subscribed(1, 10));
  const ganpub::MqttSettings s = local_mqtt(broker.port(), "gan/verdicts");
  std::mutex lock;
  std::vector<ganpub::Event> events;
  Publisher p(std::make_unique<ganpub::MqttTarget>(s), 2000, [&](const ganpub::Event &e) {
    std::lock_guard<std::mutex> guard(lock);
    events.push_back(e);
  });
  int pushed = 0, restarted_at = -1;
  const auto t0 = std::chrono::steady_clock::now();
  bool stopped = false;
  while (std::chrono::steady_clock::now() - t0 < 4s) { // ~250 records/s for 4 s
    p.push({"{\"frame\":" + std::to_string(pushed) + "}", ""});
    ++pushed;
    const auto t = std::chrono::steady_clock::now() - t0;
    if (!stopped && t > 1s) {
      broker.stop();
      stopped = true;
    }
    if (stopped && restarted_at < 0 && t > 2s) {
      broker.start();
      restarted_at = pushed;
    }
    std::this_thread::sleep_for(4ms);
  }
  ASSERT_TRUE(eventually([&] { return p.stats().connected && p.stats().queued == 0; }, 15000ms));
  p.close(10000ms);
  const ganpub::Stats st = p.stats();
  expect_accounted(st, static_cast<uint64_t>(pushed));
  EXPECT_GE(st.outages, 1u);
  EXPECT_EQ(st.dropped_full, 0u) << "the queue held the outage";
  {
    std::lock_guard<std::mutex> guard(lock);
    ASSERT_GE(events.size(), 2u);
    const auto down = std::find_if(events.begin(), events.end(), [](const ganpub::Event &e) {
      return e.kind == ganpub::Event::Kind::Down;
    });
    ASSERT_NE(down, events.end());
    EXPECT_NE(down->text.find("127.0.0.1:" + std::to_string(broker.port())), std::string::npos)
        << down->text;
    EXPECT_TRUE(std::any_of(down, events.end(), [](const ganpub::Event &e) {
      return e.kind == ganpub::Event::Kind::Up;
    })) << "no reconnection reported";
  }
  // What was acknowledged arrived (and perhaps some whose acknowledgement the outage ate).
  sub.wait_messages(st.delivered, 15);
  const std::set<std::string> got = distinct(sub.messages());
  std::printf("pushed %d, delivered %llu, lost %llu, outages %llu, subscriber got %zu\n", pushed,
              static_cast<unsigned long long>(st.delivered),
              static_cast<unsigned long long>(st.lost), static_cast<unsigned long long>(st.outages),
              got.size());
  EXPECT_GE(got.size(), st.delivered);
  EXPECT_LE(got.size(), st.accepted);
  EXPECT_TRUE(got.count("{\"frame\":" + std::to_string(pushed - 1) + "}"))
      << "records resume after the restart (at record " << restarted_at << ")";
}

TEST(Mqtt, AnAbsentBrokerAndARefusedPasswordAreNamed) {
  ganpub::MqttSettings s;
  s.host = "127.0.0.1";
  s.port = gan_test::free_tcp_port(); // nobody listens
  s.topic = "t";
  try {
    ganpub::MqttTarget(s).start(3000ms);
    ADD_FAILURE() << "connected to nothing";
  } catch (const std::exception &e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("127.0.0.1:" + std::to_string(s.port)), std::string::npos) << msg;
    EXPECT_NE(msg.find("refused"), std::string::npos) << msg;
  }

  TempDir dir;
  std::ofstream(dir.file("passwords")) << ""; // filled by mosquitto_passwd
  ASSERT_EQ(
      std::system(("/usr/bin/mosquitto_passwd -b " + dir.file("passwords") + " camera right-secret")
                      .c_str()),
      0);
  gan_test::MosquittoBroker broker("allow_anonymous false\npassword_file " + dir.file("passwords") +
                                   "\n");
  s.port = broker.port();
  s.username = "camera";
  s.password = "wrong-secret";
  try {
    ganpub::MqttTarget(s).start(5000ms);
    ADD_FAILURE() << "a wrong password was accepted";
  } catch (const std::exception &e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("not authorised"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("wrong-secret"), std::string::npos) << "the password leaked: " << msg;
  }
  s.password = "right-secret";
  EXPECT_NO_THROW(ganpub::MqttTarget(s).start(5000ms));
  EXPECT_EQ(ganpub::MqttTarget(s).describe().find("secret"), std::string::npos);
}

// A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl.
void make_certificates(const TempDir &dir) {
  const std::string d = dir.path();
  const std::string script =
      "cd " + d +
      " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key "
      "-out ca.crt"
      " && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext "
      "subjectAltName=IP:127.0.0.1 -keyout server.key -out server.csr"
      " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
      "-copy_extensions copy -out server.crt"
      " && openssl req -newkey rsa:2048 -nodes -subj /CN=camera -keyout client.key -out "
      "client.csr"
      " && openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
      "-out client.crt"
      " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca -keyout "
      "other.key -out other.crt";
  ASSERT_EQ(std::system(("(" + script + ") > " + d + "/openssl.log 2>&1").c_str()), 0)
      << "openssl failed: see " << d << "/openssl.log";
}

TEST(Mqtt, TlsWithACaFileAndAClientCertificate) {
  TempDir certs;
  ASSERT_NO_FATAL_FAILURE(make_certificates(certs));
  gan_test::MosquittoBroker broker("allow_anonymous true\ncafile " + certs.file("ca.crt") +
                                   "\ncertfile " + certs.file("server.crt") + "\nkeyfile " +
                                   certs.file("server.key") + "\nrequire_certificate true\n");
  ganpub::MqttSettings s = local_mqtt(broker.port(), "gan/tls");
  s.ca_file = certs.file("ca.crt");
  s.cert_file = certs.file("client.crt");
  s.key_file = certs.file("client.key");
  EXPECT_EQ(ganpub::MqttTarget(s).describe(),
            "mqtts://127.0.0.1:" + std::to_string(broker.port()) + "/gan/tls");
  auto target = std::make_unique<ganpub::MqttTarget>(s);
  target->start(5000ms);
  Publisher p(std::move(target), 10, nullptr);
  for (int i = 0; i < 5; ++i)
    p.push({"{}", ""});
  p.close(10000ms);
  EXPECT_EQ(p.stats().delivered, 5u) << "acknowledged over TLS (QoS 1)";

  ganpub::MqttSettings no_client_cert = s; // the broker requires one
  no_client_cert.cert_file.clear();
  no_client_cert.key_file.clear();
  EXPECT_THROW(ganpub::MqttTarget(no_client_cert).start(5000ms), std::runtime_error);
  ganpub::MqttSettings wrong_ca = s; // the server's certificate is not from this CA
  wrong_ca.ca_file = certs.file("other.crt");
  try {
    ganpub::MqttTarget(wrong_ca).start(5000ms);
    ADD_FAILURE() << "a server the CA did not sign was trusted";
  } catch (const std::exception &e) {
    EXPECT_NE(std::string(e.what()).find("mqtts://127.0.0.1"), std::string::npos) << e.what();
  }
  ganpub::MqttSettings missing = s;
  missing.ca_file = certs.file("absent.crt");
  try {
    ganpub::MqttTarget t(missing);
    ADD_FAILURE() << "a missing CA file was accepted";
  } catch (const std::exception &e) {
    EXPECT_NE(std::string(e.what()).find("absent.crt"), std::string::npos) << e.what();
  }
}

#endif

#ifdef GST_GAN_HAVE_KAFKA

TEST(Kafka, RecordsReachTheMockCluster) {
  gan_test::MockKafka cluster("verdicts");
  ganpub::KafkaSettings s;
  s.brokers = cluster.bootstraps();
  s.topic = "verdicts";
  s.config = ganpub::parse_kafka_config("acks=all; linger.ms=5");
  auto target = std::make_unique<ganpub::KafkaTarget>(s);
  target->start(5000ms);
  Publisher p(std::move(target), 100, nullptr);
  for (int i = 0; i < 20; ++i)
    p.push({"{\"frame\":" + std::to_string(i) + "}", "camera-1"});
  p.close(10000ms);
  expect_accounted(p.stats(), 20);
  EXPECT_EQ(p.stats().delivered, 20u);
  const auto got = cluster.consume("verdicts", 20);
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(got[0].first, "camera-1");
  EXPECT_EQ(got[19].second, "{\"frame\":19}");
}

TEST(Kafka, AnAbsentClusterIsNamedAndItsRecordsCountedLost) {
  ganpub::KafkaSettings s;
  s.brokers = "127.0.0.1:" + std::to_string(gan_test::free_tcp_port());
  s.topic = "verdicts";
  s.config = ganpub::parse_kafka_config("message.timeout.ms=1000;log_level=0");
  try {
    ganpub::KafkaTarget(s).start(1000ms);
    ADD_FAILURE() << "reached nothing";
  } catch (const std::exception &e) {
    EXPECT_NE(std::string(e.what()).find(s.brokers), std::string::npos) << e.what();
  }
  Publisher p(std::make_unique<ganpub::KafkaTarget>(s), 100, nullptr);
  for (int i = 0; i < 5; ++i)
    p.push({"{}", "k"});
  p.close(5000ms);
  expect_accounted(p.stats(), 5);
  EXPECT_EQ(p.stats().lost, 5u);
}

TEST(Kafka, SettingsAreKeyValuePairsAndBadOnesAreNamedWithoutTheirValues) {
  const auto pairs = ganpub::parse_kafka_config(" security.protocol=SASL_SSL; sasl.password=a=b ;");
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[1].first, "sasl.password");
  EXPECT_EQ(pairs[1].second, "a=b ");
  try {
    ganpub::parse_kafka_config("sasl.password");
    ADD_FAILURE();
  } catch (const std::exception &e) {
    EXPECT_NE(std::string(e.what()).find("sasl.password"), std::string::npos);
  }
  ganpub::KafkaSettings s;
  s.config = {{"no.such.setting", "hunter2"}};
  try {
    ganpub::KafkaTarget t(s);
    ADD_FAILURE();
  } catch (const std::exception &e) {
    EXPECT_NE(std::string(e.what()).find("no.such.setting"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

#endif

} // namespace
