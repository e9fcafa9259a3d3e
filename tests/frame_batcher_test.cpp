// SPDX-License-Identifier: LGPL-2.1-or-later
// gandetect's queue without a pipeline (gan/frame_batcher.h): which frames are inferred, when a
// batch runs, what each frame's result is (its own tile mean, or the last one carried and
// aged), that a batch never mixes models or sizes, that a failing model leaves the frames the
// last result, and that frames leave in order.

#include "test_util.h"

#include "gan/frame_batcher.h"
#include "gan/preprocess.h"
#include "gan/runtime.h"

#include <cmath>
#include <stdexcept>

namespace {

using gan_test::TempDir;
using Batcher = gan::FrameBatcher<int>;

constexpr int64_t kSide = 8;
constexpr int64_t kFloats = kSide * kSide; // one 1x8x8 input

class FrameBatcherTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    gan_test::save_untrained_mlp(dir_->file("a.gan"), 1, kSide, kSide);
    model_ = gan::Detector::load(dir_->file("a.gan"));
    other_ = gan::Detector::load(dir_->file("a.gan"));
  }
  static void TearDownTestSuite() {
    model_.reset();
    other_.reset();
    delete dir_;
    dir_ = nullptr;
  }
  // `tiles` inputs for frame k, each filled with the value k + tile / 10.
  static auto fill(int k, int64_t tiles) {
    return [k, tiles](std::vector<float> &batch) {
      for (int64_t t = 0; t < tiles; ++t)
        batch.insert(batch.end(), kFloats, static_cast<float>(k) + static_cast<float>(t) / 10);
      return tiles;
    };
  }
  // A scorer whose logit is an input's first value: results can be checked exactly.
  gan::BatchScorer echo() {
    return [this](const std::shared_ptr<gan::Detector> &model, const float *inputs, int64_t n,
                  int64_t height, int64_t width, float *logits) {
      ++forwards;
      scored_by = model;
      EXPECT_EQ(height * width, kFloats);
      for (int64_t i = 0; i < n; ++i)
        logits[i] = inputs[i * kFloats];
      return n;
    };
  }
  // Pushes frame k (pts k * 10 ms) as the batcher decides, with one input.
  void push(Batcher &b, const gan::BatchRule &rule, int k,
            const std::shared_ptr<gan::Detector> &model = model_, int64_t tiles = 1) {
    const int64_t pts = k * 10'000'000LL;
    if (b.next_infers(rule)) {
      if (b.must_run_before(model, kSide, kSide))
        b.run(echo());
      b.push_inferred(k, pts, model, kSide, kSide, fill(k, tiles));
    } else {
      b.push_carried(k, pts);
    }
    if (b.due(rule))
      b.run(echo());
  }
  std::vector<Batcher::Frame> pop_all(Batcher &b) {
    std::vector<Batcher::Frame> out;
    while (b.ready())
      out.push_back(b.pop());
    return out;
  }

  static TempDir *dir_;
  static std::shared_ptr<gan::Detector> model_, other_;
  int forwards = 0;
  std::shared_ptr<gan::Detector> scored_by;
};

TempDir *FrameBatcherTest::dir_ = nullptr;
std::shared_ptr<gan::Detector> FrameBatcherTest::model_, FrameBatcherTest::other_;

TEST_F(FrameBatcherTest, EveryIntervalthFrameIsInferredAndTheOthersCarryItAged) {
  Batcher b;
  const gan::BatchRule rule{3, 1, 1'000'000'000};
  for (int k = 0; k < 7; ++k)
    push(b, rule, k);
  const std::vector<Batcher::Frame> out = pop_all(b);
  ASSERT_EQ(out.size(), 7u);
  EXPECT_EQ(forwards, 3); // frames 0, 3, 6
  for (int k = 0; k < 7; ++k) {
    EXPECT_EQ(out[k].payload, k);
    EXPECT_EQ(out[k].count, static_cast<uint64_t>(k));
    EXPECT_EQ(out[k].infer, k % 3 == 0) << k;
    EXPECT_EQ(out[k].result.age, static_cast<unsigned>(k % 3)) << k;
    EXPECT_DOUBLE_EQ(out[k].result.logit, static_cast<double>(k - k % 3)) << k;
    EXPECT_EQ(out[k].result.model_id, model_->info().id);
  }
}

TEST_F(FrameBatcherTest, ABatchRunsWhenFullOrWhenItsOldestFrameWaitedTheTimeout) {
  Batcher b;
  const gan::BatchRule full{1, 4, 1'000'000'000};
  for (int k = 0; k < 3; ++k) {
    push(b, full, k);
    EXPECT_FALSE(b.ready()) << "frame " << k << " left before its batch was full";
  }
  push(b, full, 3);
  EXPECT_EQ(forwards, 1);
  EXPECT_EQ(pop_all(b).size(), 4u);

  Batcher t; // 4 frames per batch, but at most 25 ms between the oldest and newest frame
  const gan::BatchRule timed{1, 4, 25'000'000};
  forwards = 0;
  push(t, timed, 0);
  push(t, timed, 1);
  push(t, timed, 2);
  EXPECT_EQ(forwards, 0);
  push(t, timed, 3); // 30 ms after frame 0 (and the batch is full too)
  EXPECT_EQ(forwards, 1);
  Batcher u;
  forwards = 0;
  push(u, timed, 0);
  push(u, timed, 1);
  push(u, gan::BatchRule{1, 4, 20'000'000}, 2); // 20 ms: the timeout, not the size, runs it
  EXPECT_EQ(forwards, 1);
  EXPECT_EQ(pop_all(u).size(), 3u);
}

TEST_F(FrameBatcherTest, AFramesResultIsTheMeanLogitOfItsTiles) {
  Batcher b;
  const gan::BatchRule rule{1, 2, 1'000'000'000};
  push(b, rule, 1, model_, 3); // tiles 1.0, 1.1, 1.2
  push(b, rule, 5, model_, 2); // tiles 5.0, 5.1
  const std::vector<Batcher::Frame> out = pop_all(b);
  ASSERT_EQ(out.size(), 2u);
  const float one[] = {1.0f, 1.1f, 1.2f}, five[] = {5.0f, 5.1f};
  EXPECT_DOUBLE_EQ(out[0].result.logit, gan::frame_logit_of(one, 3));
  EXPECT_DOUBLE_EQ(out[1].result.logit, gan::frame_logit_of(five, 2));
  EXPECT_EQ(out[1].first_input, 3);
  EXPECT_EQ(out[1].inputs, 2);
}

TEST_F(FrameBatcherTest, InputsForAnotherModelOrSizeRunTheWaitingBatchFirst) {
  Batcher b;
  const gan::BatchRule rule{1, 8, 1'000'000'000};
  push(b, rule, 0);
  push(b, rule, 1);
  EXPECT_FALSE(b.must_run_before(model_, kSide, kSide));
  EXPECT_TRUE(b.must_run_before(model_, kSide, kSide / 2));
  EXPECT_TRUE(b.must_run_before(other_, kSide, kSide));
  push(b, rule, 2, other_); // a swap: frames 0 and 1 are scored by the model they were made for
  EXPECT_EQ(forwards, 1);
  EXPECT_EQ(scored_by, model_);
  b.run(echo());
  EXPECT_EQ(scored_by, other_);
  EXPECT_EQ(pop_all(b).size(), 3u);
}

TEST_F(FrameBatcherTest, AFailingModelLeavesItsFramesTheLastResultAndSaysWhy) {
  Batcher b;
  const gan::BatchRule rule{1, 1, 1'000'000'000};
  push(b, rule, 4);
  ASSERT_TRUE(b.ready());
  EXPECT_DOUBLE_EQ(b.pop().result.logit, 4.0);
  b.push_inferred(5, 50'000'000, model_, kSide, kSide, fill(5, 1));
  const gan::BatchRun r =
      b.run([](const std::shared_ptr<gan::Detector> &, const float *, int64_t, int64_t, int64_t,
               float *) -> int64_t { throw std::runtime_error("out of memory"); });
  EXPECT_FALSE(r.scored);
  EXPECT_EQ(r.inputs, 1);
  EXPECT_EQ(r.error, "out of memory");
  ASSERT_TRUE(b.ready());
  const Batcher::Frame f = b.pop();
  EXPECT_DOUBLE_EQ(f.result.logit, 4.0); // frame 4's, carried
  EXPECT_EQ(f.result.age, 1u);
}

TEST_F(FrameBatcherTest, AFillThatThrowsQueuesNothing) {
  Batcher b;
  const gan::BatchRule rule{1, 4, 1'000'000'000};
  push(b, rule, 0);
  EXPECT_THROW(b.push_inferred(1, 10'000'000, model_, kSide, kSide,
                               [](std::vector<float> &batch) -> int64_t {
                                 batch.resize(batch.size() + 10); // half an input, then fails
                                 throw gan::Error(gan::ErrorCode::InvalidArgument,
                                                  "unreadable frame");
                               }),
               gan::Error);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(b.next_count(), 1u);
  const gan::BatchRun r = b.run(echo());
  EXPECT_EQ(r.inputs, 1); // frame 0's input only: the failed frame's half input is gone
}

TEST_F(FrameBatcherTest, AClearDropsEverythingAndAfterForgettingTheNextFrameIsScoredAfresh) {
  Batcher b;
  const gan::BatchRule rule{4, 8, 1'000'000'000};
  push(b, rule, 0);
  b.run(echo());    // frame 0 scored
  push(b, rule, 1); // carries frame 0's result
  std::vector<int> released;
  b.clear([&](int &payload) { released.push_back(payload); });
  EXPECT_EQ(released, (std::vector<int>{0, 1}));
  EXPECT_TRUE(b.empty());
  // Frame 2 is not an interval-th frame, and frame 0's result is still there to carry...
  EXPECT_FALSE(b.next_infers(rule));
  // ...unless a flush says it describes nothing that follows.
  b.forget_last();
  EXPECT_TRUE(b.next_infers(rule));
  b.restart();
  EXPECT_EQ(b.next_count(), 0u);

  Batcher w; // inputs waiting when the clear comes are dropped with their frames
  push(w, gan::BatchRule{1, 8, 1'000'000'000}, 0);
  w.clear([](int &) {});
  EXPECT_EQ(w.run(echo()).inputs, 0);
}

} // namespace
