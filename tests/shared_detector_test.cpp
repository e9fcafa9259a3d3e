// SPDX-License-Identifier: LGPL-2.1-or-later
// Many streams, one model (gan/shared_detector.h), without pipelines: the streams' inputs meet
// in one forward pass and each gets back what the model alone gives it, in its own order; a
// stream that stalls holds the others for at most the timeout, one that detaches not at all;
// one name is one model in a process, and a model change reaches everyone; a failing batch
// does not fail the streams that did nothing wrong.

#include "test_util.h"

#include "gan/runtime.h"
#include "gan/shared_detector.h"

#include <atomic>
#include <chrono>
#include <limits>
#include <thread>

namespace {

using gan_test::TempDir;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int64_t kFloats = 8 * 8; // one 1x8x8 input

class SharedDetectorTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    gan_test::save_untrained_mlp(dir_->file("a.gan"), 1, 8, 8);
    gan::TrainOptions o; // another model of the same shape (other initial weights)
    o.config = {"mlp", 16, 1, 8, 8};
    o.seed = 99;
    o.batch_size = 4;
    gan::Trainer(o, gan_test::pattern_images(8, 8, 8, 3)).save_model(dir_->file("b.gan"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::shared_ptr<gan::Detector> load(const char *name) {
    return gan::Detector::load(dir_->file(name));
  }
  // Input k of stream s: distinct for every (s, k).
  static std::vector<float> input(int s, int k) {
    std::vector<float> v(kFloats);
    for (int64_t i = 0; i < kFloats; ++i)
      v[static_cast<size_t>(i)] = std::sin(0.37f * static_cast<float>(i * (s + 2) + k * 5));
    return v;
  }
  static TempDir *dir_;
};

TempDir *SharedDetectorTest::dir_ = nullptr;

TEST_F(SharedDetectorTest, StreamsShareForwardPassesAndGetTheirOwnResultsInOrder) {
  const std::shared_ptr<gan::Detector> model = load("a.gan");
  gan::SharedDetector shared(model);
  constexpr int kStreams = 4, kFrames = 12;
  std::vector<int64_t> ids;
  for (int s = 0; s < kStreams; ++s)
    ids.push_back(shared.attach());
  std::vector<std::vector<float>> got(kStreams, std::vector<float>(kFrames));
  std::vector<std::thread> streams;
  for (int s = 0; s < kStreams; ++s)
    streams.emplace_back([&, s] {
      for (int k = 0; k < kFrames; ++k) {
        const std::vector<float> x = input(s, k);
        // A timeout far longer than the test: a batch runs only when all four wait.
        const auto scored =
            shared.score(ids[s], model, x.data(), 1, 8, 8, &got[s][k], std::chrono::hours(1));
        EXPECT_EQ(scored.batch_inputs, kStreams);
      }
      shared.detach(ids[s]);
    });
  for (std::thread &t : streams)
    t.join();
  const gan::SharedDetector::Stats stats = shared.stats();
  EXPECT_EQ(stats.forwards, static_cast<uint64_t>(kFrames));
  EXPECT_EQ(stats.requests, static_cast<uint64_t>(kStreams * kFrames));
  EXPECT_EQ(stats.streams, 0);
  for (int s = 0; s < kStreams; ++s)
    for (int k = 0; k < kFrames; ++k) {
      float alone = 0;
      model->score(input(s, k).data(), 1, &alone);
      EXPECT_NEAR(got[s][k], alone, 1e-4) << "stream " << s << " frame " << k;
    }
}

TEST_F(SharedDetectorTest, AStalledStreamHoldsTheOthersForAtMostTheTimeout) {
  const std::shared_ptr<gan::Detector> model = load("a.gan");
  gan::SharedDetector shared(model);
  shared.attach(); // the stalled stream: attached, never sends
  const int64_t id = shared.attach();
  const std::vector<float> x = input(0, 0);
  float logit = 0;
  const auto t0 = Clock::now();
  for (int k = 0; k < 3; ++k)
    EXPECT_EQ(shared.score(id, model, x.data(), 1, 8, 8, &logit, milliseconds(60)).batch_inputs, 1);
  const auto waited = Clock::now() - t0;
  EXPECT_GE(waited, milliseconds(3 * 60));
  EXPECT_LT(waited, milliseconds(3 * 60 + 3000));
}

TEST_F(SharedDetectorTest, AStreamThatEndedIsNotWaitedFor) {
  const std::shared_ptr<gan::Detector> model = load("a.gan");
  gan::SharedDetector shared(model);
  const int64_t a = shared.attach();
  shared.detach(shared.attach()); // EOS
  const std::vector<float> x = input(1, 1);
  float logit = 0;
  const auto t0 = Clock::now();
  for (int k = 0; k < 5; ++k)
    shared.score(a, model, x.data(), 1, 8, 8, &logit, std::chrono::hours(1));
  EXPECT_LT(Clock::now() - t0, milliseconds(5000));
  // A stream blocked in score() when the other detaches is released too.
  const int64_t b = shared.attach();
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    float l = 0;
    shared.score(a, model, x.data(), 1, 8, 8, &l, std::chrono::hours(1));
    returned = true;
  });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(returned); // it waits for the other attached stream
  shared.detach(b);
  waiter.join();
  EXPECT_TRUE(returned);
}

TEST_F(SharedDetectorTest, OneNameIsOneModelAndAChangeReachesEveryone) {
  int loads = 0;
  const auto loader = [&]() -> std::shared_ptr<gan::Detector> {
    ++loads;
    return load("a.gan");
  };
  std::shared_ptr<gan::SharedDetector> first = gan::SharedDetector::acquire("cams", loader);
  std::shared_ptr<gan::SharedDetector> second = gan::SharedDetector::acquire("cams", loader);
  std::shared_ptr<gan::SharedDetector> other = gan::SharedDetector::acquire("other", loader);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, second);
  EXPECT_NE(first, other);
  EXPECT_EQ(loads, 2);
  const std::shared_ptr<gan::Detector> b = load("b.gan");
  second->set_model(b);
  EXPECT_EQ(first->model(), b);
  EXPECT_NE(other->model(), b);
  // A loader that gives nothing registers nothing; the name can be loaded later.
  EXPECT_EQ(gan::SharedDetector::acquire("broken", [] { return nullptr; }), nullptr);
  EXPECT_NE(gan::SharedDetector::acquire("broken", loader), nullptr);
  // Once nobody holds an instance, the name loads afresh.
  first.reset();
  second.reset();
  loads = 0;
  EXPECT_NE(gan::SharedDetector::acquire("cams", loader)->model(), b);
  EXPECT_EQ(loads, 1);
}

TEST_F(SharedDetectorTest, InputsWaitingForAnotherModelOrSizeAreNotMixedIn) {
  const std::shared_ptr<gan::Detector> a = load("a.gan"), b = load("b.gan");
  gan::SharedDetector shared(a);
  const int64_t sa = shared.attach(), sb = shared.attach();
  const std::vector<float> x = input(2, 3);
  float via_a = 0, via_b = 0, alone_a = 0, alone_b = 0;
  gan::SharedDetector::Scored scored_a, scored_b;
  std::thread ta(
      [&] { scored_a = shared.score(sa, a, x.data(), 1, 8, 8, &via_a, milliseconds(200)); });
  std::thread tb(
      [&] { scored_b = shared.score(sb, b, x.data(), 1, 8, 8, &via_b, milliseconds(200)); });
  ta.join();
  tb.join();
  a->score(x.data(), 1, &alone_a);
  b->score(x.data(), 1, &alone_b);
  EXPECT_EQ(scored_a.batch_inputs, 1);
  EXPECT_EQ(scored_b.batch_inputs, 1);
  EXPECT_NEAR(via_a, alone_a, 1e-5);
  EXPECT_NEAR(via_b, alone_b, 1e-5);
  EXPECT_NE(alone_a, alone_b);
}

TEST_F(SharedDetectorTest, AFailingBatchFailsOnlyTheStreamWhoseInputsFail) {
  const std::shared_ptr<gan::Detector> model = load("a.gan");
  gan::SharedDetector shared(model);
  const int64_t s1 = shared.attach(), s2 = shared.attach();
  const std::vector<float> good = input(0, 4);
  const std::vector<float> bad(kFloats, std::numeric_limits<float>::quiet_NaN());
  float good_logit = 0, bad_logit = 0;
  std::string bad_error;
  std::thread t1(
      [&] { shared.score(s1, model, good.data(), 1, 8, 8, &good_logit, std::chrono::hours(1)); });
  std::thread t2([&] {
    try {
      shared.score(s2, model, bad.data(), 1, 8, 8, &bad_logit, std::chrono::hours(1));
    } catch (const gan::Error &e) {
      bad_error = e.what();
    }
  });
  t1.join();
  t2.join();
  float alone = 0;
  model->score(good.data(), 1, &alone);
  EXPECT_NEAR(good_logit, alone, 1e-5);
  EXPECT_NE(bad_error.find("NaN"), std::string::npos) << bad_error;
  EXPECT_GE(shared.stats().forwards, 2u); // the batch, then each request alone
}

// A stream that flushes or stops hurries: its requests, those waiting and those it sends
// after, are scored at once, until it stops hurrying.
TEST_F(SharedDetectorTest, AHurriedStreamWaitsForNobodyUntilItStopsHurrying) {
  const std::shared_ptr<gan::Detector> model = load("a.gan");
  gan::SharedDetector shared(model);
  shared.attach(); // stalled
  const int64_t me = shared.attach();
  const std::vector<float> x = input(4, 0);
  float logit = 0;
  // Waiting when the hurry comes.
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    float l = 0;
    shared.score(me, model, x.data(), 1, 8, 8, &l, std::chrono::hours(1));
    returned = true;
  });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(returned);
  shared.hurry(me, true);
  waiter.join();
  // Sent after the hurry began (the flush-start came while the frame was being prepared).
  auto t0 = Clock::now();
  shared.score(me, model, x.data(), 1, 8, 8, &logit, std::chrono::hours(1));
  EXPECT_LT(Clock::now() - t0, milliseconds(5000));
  // Done hurrying: it waits for the others again (here: its 100 ms timeout).
  shared.hurry(me, false);
  t0 = Clock::now();
  shared.score(me, model, x.data(), 1, 8, 8, &logit, milliseconds(100));
  EXPECT_GE(Clock::now() - t0, milliseconds(100));
}

} // namespace
