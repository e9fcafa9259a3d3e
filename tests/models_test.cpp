// SPDX-License-Identifier: LGPL-2.1-or-later
// The model files shipped in models/: each loads, is what its name says, and a 500-sample run
// of the evaluation still meets loose bounds, so a broken, retrained-worse or swapped model
// fails CI. (The full 10k-sample figures are in models/README.md.)

#include "test_util.h"

#include "gan/eval.h"
#include "gan/model_file.h"
#include "gan/runtime.h"

namespace {

std::string shipped(const std::string &name) {
  const char *dir = std::getenv("GST_GAN_MODELS_DIR");
  EXPECT_NE(dir, nullptr) << "GST_GAN_MODELS_DIR is set by meson test";
  return std::string(dir ? dir : "models") + "/" + name;
}

TEST(ShippedModels, EachLoadsWithTheExpectedArchitecture) {
  const struct {
    const char *file, *kind, *arch;
  } expected[] = {{"fmnist-dcgan.gan", "gan", "dcgan"},
                  {"fmnist-mlp.gan", "gan", "mlp"},
                  {"fmnist-classifier.gan", "classifier", "classifier"},
                  {"fmnist-detector.gan", "detector", "detector"}};
  for (const auto &e : expected) {
    const gan::ModelFile f = gan::read_model_file(shipped(e.file));
    EXPECT_EQ(f.kind, e.kind) << e.file;
    EXPECT_EQ(f.config.arch, e.arch) << e.file;
    EXPECT_EQ(f.config.height, 28);
    EXPECT_EQ(f.config.width, 28);
    EXPECT_NE(f.provenance.dataset.find("fashion-mnist"), std::string::npos) << e.file;
  }
  EXPECT_EQ(gan::Generator::load(shipped("fmnist-dcgan.gan"))->info().config.latent, 100);
  EXPECT_EQ(gan::Detector::load(shipped("fmnist-detector.gan"))->info().kind, "detector");
}

class ShippedQuality : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    evaluator_ =
        new gan::Evaluator(shipped("fmnist-classifier.gan"), gan::default_fashion_mnist_dir(), 500);
    references_ = evaluator_->references();
  }
  static void TearDownTestSuite() {
    delete evaluator_;
    evaluator_ = nullptr;
  }
  static gan::Evaluator *evaluator_;
  static gan::ReferenceQuality references_;
};

gan::Evaluator *ShippedQuality::evaluator_ = nullptr;
gan::ReferenceQuality ShippedQuality::references_;

TEST_F(ShippedQuality, ClassifierIsAccurate) {
  EXPECT_GE(references_.classifier_accuracy, 0.88);
  EXPECT_GT(references_.fid_blur, references_.fid_floor);
}

TEST_F(ShippedQuality, DcganSamplesAreGoodAndNotMemorised) {
  const gan::GeneratorQuality q = evaluator_->generator(shipped("fmnist-dcgan.gan"), 1);
  EXPECT_GE(q.precision, 0.5);
  EXPECT_GE(q.recall, 0.3);
  EXPECT_LE(q.fid, 5 * references_.fid_blur);
  ASSERT_EQ(q.class_fractions.size(), 10u);
  for (double f : q.class_fractions) {
    EXPECT_GE(f, 0.02);
    EXPECT_LE(f, 0.25);
  }
  EXPECT_LE(q.memorized_fraction, 0.05);
}

TEST_F(ShippedQuality, MlpIsWorseThanDcganButAGenerator) {
  const gan::GeneratorQuality mlp = evaluator_->generator(shipped("fmnist-mlp.gan"), 1);
  const gan::GeneratorQuality dcgan = evaluator_->generator(shipped("fmnist-dcgan.gan"), 1);
  EXPECT_GT(mlp.fid, dcgan.fid);
  EXPECT_GE(mlp.precision, 0.2);
}

TEST_F(ShippedQuality, DetectorSeparatesRealFromGenerated) {
  const gan::DetectorQuality q = evaluator_->detector(
      shipped("fmnist-detector.gan"), shipped("fmnist-dcgan.gan"), shipped("fmnist-mlp.gan"), 7);
  EXPECT_GE(q.conditions.at("a-dcgan").auc, 0.96); // 0.986 at 10k samples
  EXPECT_GE(q.conditions.at("b-mlp").auc, 0.7);    // 0.803 at 10k samples: the known weak spot
  EXPECT_GE(q.conditions.at("c-jpeg75-dcgan").auc, 0.9);
  EXPECT_GE(q.conditions.at("d-rescale2x-dcgan").auc, 0.9);
}

} // namespace
