// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Adversarial training (Goodfellow et al. 2014, with the non-saturating generator loss), the
// way the DCGAN paper runs it: per batch, a discriminator step on real (-> 1, or 1 - smoothing)
// and generated (-> 0) images, then a generator step that maximises log D(G(z)); Adam; BCE
// with logits; optionally differentiable augmentation, the R1 penalty and an EMA of the
// generator (TrainOptions). Every random draw comes from (seed, purpose, counter), so a run is a
// pure function of its options and data, and a resumed run continues bit-exactly.

#include "gan/config.h"
#include "gan/dataset.h"
#include "gan/distributed.h"

#include <memory>
#include <string>
#include <vector>

namespace gan {

struct TrainOptions {
  ModelConfig config;
  int64_t batch_size = 64; // the global batch: over all ranks of a data-parallel run
  uint64_t seed = 1;
  double lr = 2e-4;
  double beta1 = 0.5;
  double beta2 = 0.999;
  double label_smoothing = 0.0; // one-sided: real targets become 1 - label_smoothing
  // What steadies a GAN on few images (all off by default, as the DCGAN recipe):
  // - augment: differentiable augmentation of everything the discriminator sees, in both steps
  //   ("color,translation,cutout" or a subset; gan/diff_augment.h);
  // - r1_gamma: the R1 penalty (Mescheder et al. 2018), gamma/2 * E||grad_x D(x)||^2 on real
  //   images, added every r1_every-th discriminator step and scaled by r1_every (lazy
  //   regularisation as StyleGAN2); D(x) is an image's mean logit;
  // - ema_decay: an exponential moving average of the generator's weights (Karras et al. 2018,
  //   Yazici et al. 2019), what the model file holds, samples and paints; its decay ramps up as
  //   min(ema_decay, (1 + t) / (10 + t)) so that early weights fade.
  std::string augment = "none";
  double r1_gamma = 0.0;
  int64_t r1_every = 16;
  double ema_decay = 0.0;
};

struct StepStats {
  int64_t step = 0; // 1-based index of the step just taken
  float d_loss = 0; // BCE(D(x), real) + BCE(D(G(z)), 0), averaged over a patch
  float g_loss = 0; // BCE(D(G(z)), 1)                    discriminator's logits
  float d_real = 0; // mean sigmoid(D(x)) before the D step
  float d_fake = 0; // mean sigmoid(D(G(z))) before the D step
};

// An ImageSet as training data: reshuffled every epoch (a permutation per epoch from the seed).
// Takes the set (move it in: the pixels are then held once).
std::shared_ptr<TrainingImages> shuffled_images(ImageSet set);

// Data-parallel training (gan/distributed.h): with a Communicator of world size W, each rank
// takes images and noise [rank * B, (rank + 1) * B) of the step's global batch (B = batch_size
// / W; the same draws as one process with batch_size), the ranks start from rank 0's weights
// and average their gradients before every optimiser step, so they hold equal parameters and
// follow one process with the whole batch up to float rounding. BatchNorm normalises with each
// rank's own B images (per-replica statistics, as DDP without SyncBatchNorm), so architectures
// with BatchNorm (dcgan) train like one process only with W = 1. Running statistics stay per
// rank (they only matter in eval mode): rank 0's are the ones its files hold. Without a
// Communicator (or with W = 1) nothing changes: one process, bit-exact as before.
class Trainer {
public:
  // Throws Error(InvalidArgument) when the data does not fit the config or options are bad, or
  // the ranks of `group` disagree on data or options; Error(Distributed) when a rank fails.
  Trainer(const TrainOptions &options, std::shared_ptr<TrainingImages> data,
          std::shared_ptr<Communicator> group = nullptr);
  Trainer(const TrainOptions &options, const ImageSet &data); // shuffled_images(data)
  // Continues a checkpoint; the data must be the data the run started with (fingerprinted).
  // With a group, every rank reads the checkpoint (rank 0's weights win) and the global batch
  // stays the checkpoint's: it must split evenly over the group's ranks.
  static std::unique_ptr<Trainer> resume(const std::string &checkpoint,
                                         std::shared_ptr<TrainingImages> data,
                                         std::shared_ptr<Communicator> group = nullptr);
  static std::unique_ptr<Trainer> resume(const std::string &checkpoint, const ImageSet &data);
  ~Trainer();
  Trainer(const Trainer &) = delete;
  Trainer &operator=(const Trainer &) = delete;

  StepStats step();

  const TrainOptions &options() const;
  int64_t steps_done() const;
  int64_t steps_per_epoch() const; // full batches per pass over the data
  const std::vector<StepStats> &history() const;
  Provenance provenance() const;

  // Model file (kind "gan") and checkpoint (kind "checkpoint": also optimiser state, history
  // and the trainer's options). Both atomic. In a group only rank 0 should write.
  void save_model(const std::string &path) const;
  // The generator alone (a "generator" file, gan/weights.h).
  void save_generator(const std::string &path) const;
  void save_checkpoint(const std::string &path) const;

  // n images from the current generator (its EMA when ema_decay > 0) in eval mode (float [n, C, H,
  // W] in [-1, 1]), latents from gan::sample_latents(config, seed, 0, n).
  void sample(uint64_t seed, int64_t n, float *out);
  // Field architectures paint any size: image `index` of stream `seed` at height x width
  // (float [C, height, width]). Throws Error(InvalidArgument) for the vector architectures.
  void paint(uint64_t seed, uint64_t index, int64_t height, int64_t width, float *out);

  struct Impl;

private:
  explicit Trainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace gan
