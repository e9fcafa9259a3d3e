// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan train-detector: a real-vs-generated detector, Fashion-MNIST against a generator's
// samples, or (--photos) native-resolution colour patches of photographs against several
// generators' (the natural detector), calibrated on frames of the validation photos.

#include "cli/command.h"
#include "cli/supervised.h"

#include "gan/augment.h"
#include "gan/dataset.h"
#include "gan/detector_data.h"
#include "gan/error.h"
#include "gan/model_file.h"
#include "gan/photos.h"
#include "gan/runtime.h"
#include "gan/supervised.h"
#include "gan/threads.h"
#include "h264.h"
#include "sources.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

struct DetectorArgs {
  gan_cli::SupervisedArgs supervised;
  std::vector<std::string> generators; // the sources of fakes (Fashion-MNIST: one)
  std::vector<std::string> aligned;    // autoencoders: reconstructions of the reals (--photos)
  std::string input = "residual";      // the detector's input (ModelConfig::input)
  double fake_scale_max = 1.0;         // generators' fakes painted up to this much larger
  int64_t fakes = 60000;
  uint64_t fake_seed = 1000;
  bool h264 = false; // H.264 round trips in training and calibration
  // The natural detector (--photos).
  std::string photos;
  gan::PatchOptions patch;
  int64_t working_size = 1024;       // patches: as the field GANs trained
  int64_t frame_working_size = 1920; // calibration frames of the validation photos
  int64_t calibration_frames = 200;
  int64_t frame_width = 1280, frame_height = 720, max_tiles = 16;
  int validation_percent = 15;
};

// Both kinds of detector: the generators' samples (in turn, quantised to 8 bits like every real
// frame, so bit depth is no shortcut) against real images.
std::vector<std::unique_ptr<gan::Generator>> load_generators(const DetectorArgs &d,
                                                             std::vector<gan::Generator *> &out) {
  std::vector<std::unique_ptr<gan::Generator>> owned;
  for (const std::string &path : d.generators) {
    owned.push_back(gan::Generator::load(path));
    out.push_back(owned.back().get());
  }
  return owned;
}

// Calibration: 1280x720 frames of the validation photos (never trained on), each degraded as
// training degrades patches, scored as gandetect scores them (tiles, mean logit); the
// detector's logit is shifted so that 1% of them lie above 0, gandetect's default threshold.
double calibrate(const DetectorArgs &d, const std::vector<gan::PhotoEntry> &manifest) {
  const std::vector<gan::Photo> photos =
      gan_tools::load_photos(manifest, gan::PhotoSplit::Validation, d.frame_working_size);
  auto detector = gan::Detector::load(d.supervised.out);
  std::mt19937_64 rng(d.supervised.options.seed ^ 0x63616c6962ull); // "calib"
  std::vector<double> logits;
  for (int64_t i = 0; i < d.calibration_frames; ++i) {
    gan::Image8 frame = gan::photo_frame(photos[static_cast<size_t>(i) % photos.size()],
                                         d.frame_width, d.frame_height, rng);
    gan::random_degradation({frame.pixels.data(), 3, frame.height, frame.width}, rng,
                            d.supervised.options.codec);
    logits.push_back(
        gan::frame_logit(frame, d.patch.size, d.max_tiles, gan::detector_scorer(*detector)));
  }
  std::sort(logits.begin(), logits.end());
  const size_t k = std::min(
      logits.size() - 1, static_cast<size_t>(std::ceil(0.99 * static_cast<double>(logits.size()))));
  std::printf("calibration: %zu frames of %zu validation photos; logit at 1%% false positives "
              "%.4f (median %.4f)\n",
              logits.size(), photos.size(), logits[k], logits[logits.size() / 2]);
  return logits[k];
}

int run_natural_detector(const DetectorArgs &d) {
  const gan_cli::SupervisedArgs &a = d.supervised;
  gan::configure_threads(a.threads);
  const std::vector<gan::PhotoEntry> manifest =
      gan::read_photo_list(d.photos, d.validation_percent);
  std::vector<gan::Photo> train =
      gan_tools::load_photos(manifest, gan::PhotoSplit::Train, d.working_size);
  const size_t photos = train.size();
  const gan::PatchSampler sampler(std::move(train), d.patch,
                                  "photos:" + d.photos + " (" + std::to_string(photos) +
                                      " training photos)");
  std::vector<gan::Generator *> generators;
  const auto owned = load_generators(d, generators);
  std::vector<std::unique_ptr<gan::Reconstructor>> owned_aligned;
  std::vector<gan::Reconstructor *> aligned;
  for (const std::string &path : d.aligned) {
    owned_aligned.push_back(gan::Reconstructor::load(path));
    aligned.push_back(owned_aligned.back().get());
  }
  gan::ImageSet real = gan::photo_patches(sampler, d.fake_seed, d.fakes);
  // Aligned fakes are reconstructions of these very reals (Rajan et al.): a real patch and its
  // fake share their content, so only the decoder's traces tell them apart.
  gan::ImageSet fake =
      gan::mixed_fakes(generators, aligned, real, d.fake_seed, d.fakes, d.fake_scale_max);
  std::printf("natural detector: %lld photo patches of %lldx%lld, %lld generated (%zu generators: "
              "%s)\n",
              static_cast<long long>(real.count), static_cast<long long>(d.patch.size),
              static_cast<long long>(d.patch.size), static_cast<long long>(fake.count),
              generators.size(), fake.source.c_str());
  std::fflush(stdout);
  gan::ModelFile f = gan::train_detector(
      real, fake, a.options, [](const auto &r) { gan_cli::print_epoch(r, "validation-accuracy"); },
      d.input);
  f.attributes[gan::kDetectorScaleAttribute] = "native";
  gan::write_model_file(a.out, f);
  gan::shift_detector_logit(f, calibrate(d, manifest));
  gan::write_model_file(a.out, f);
  std::printf("detector: validation accuracy %.4f (patches, logit 0 before calibration); wrote "
              "%s\n",
              f.provenance.metrics.at("validation_accuracy"), a.out.c_str());
  return 0;
}

int run_train_detector(DetectorArgs &d) {
  if (d.h264) {
    if (!gan_tools::h264_available())
      throw gan::Error(gan::ErrorCode::InvalidArgument,
                       "--h264: gst-gan was built without libavcodec, or its libavcodec has no "
                       "libx264 encoder or no H.264 decoder");
    d.supervised.options.codec = gan_tools::h264_degradation();
  }
  if (!d.photos.empty())
    return run_natural_detector(d);
  const gan_cli::SupervisedArgs &a = d.supervised;
  gan::configure_threads(a.threads);
  gan::ImageSet real = gan::read_idx_images(a.data_dir + "/train-images-idx3-ubyte.gz");
  real.source = "fashion-mnist train";
  std::vector<gan::Generator *> generators;
  const auto owned = load_generators(d, generators);
  const gan::ImageSet fake = gan::generated_patches(generators, d.fake_seed, d.fakes);
  gan::ModelFile f = gan::train_detector(
      real, fake, a.options, [](const auto &r) { gan_cli::print_epoch(r, "validation-accuracy"); });
  gan::write_model_file(a.out, f);
  std::printf("detector: validation accuracy %.4f; wrote %s\n",
              f.provenance.metrics.at("validation_accuracy"), a.out.c_str());
  return 0;
}

} // namespace

namespace gan_cli {

Command add_train_detector(CLI::App &app) {
  auto d = std::make_shared<DetectorArgs>();
  CLI::App *train_detector = app.add_subcommand(
      "train-detector", "train a real-vs-generated detector against a generator's samples");
  add_supervised_options(*train_detector, d->supervised);
  train_detector
      ->add_option("--generator,-g", d->generators,
                   "model file whose samples are the fakes; repeat it for several generators "
                   "(the fakes are shared between them, in turn)")
      ->required();
  train_detector->add_option("--aligned,-a", d->aligned,
                             "with --photos: an autoencoder (train-autoencoder) whose "
                             "reconstructions of photo patches are fakes too; repeat it for "
                             "several (fakes are drawn from generators and autoencoders in turn)");
  train_detector
      ->add_option("--input", d->input,
                   "what the detector's first layer sees besides the image: residual (the "
                   "image minus its local mean) or npr (that and the neighbouring-pixel residual)")
      ->check(CLI::IsMember({"residual", "npr"}))
      ->capture_default_str();
  train_detector
      ->add_option("--fake-scale-max", d->fake_scale_max,
                   "with --photos: field generators paint fakes up to this much larger and they "
                   "are area-averaged down, as the photos' patches are (1: native size only)")
      ->check(CLI::Range(1.0, 8.0))
      ->capture_default_str();
  train_detector->add_option("--photos", d->photos,
                             "the natural detector: colour patches of these photographs (a "
                             "manifest, models/natural-photos.tsv, or a folder) against the "
                             "generators' patches of the same size");
  train_detector->add_option("--patch", d->patch.size, "with --photos: patch side in pixels")
      ->check(CLI::Range(16, 256))
      ->capture_default_str();
  train_detector->add_option("--scale-min", d->patch.min_scale, "with --photos: patch scale range")
      ->check(CLI::Range(0.05, 1.0))
      ->capture_default_str();
  train_detector->add_option("--scale-max", d->patch.max_scale, "with --photos: patch scale range")
      ->check(CLI::Range(0.05, 1.0))
      ->capture_default_str();
  train_detector
      ->add_option("--working-size", d->working_size,
                   "with --photos: longest side of the photos patches are cut from")
      ->check(CLI::Range(64, 8192))
      ->capture_default_str();
  train_detector
      ->add_option("--calibration-frames", d->calibration_frames,
                   "with --photos: validation-photo frames (1280x720) that set the threshold")
      ->check(CLI::Range(20, 100000))
      ->capture_default_str();
  train_detector->add_option("--fakes", d->fakes, "number of generated images")
      ->check(CLI::Range(100, 1000000))
      ->capture_default_str();
  train_detector->add_option("--fake-seed", d->fake_seed, "latent stream of the fakes")
      ->capture_default_str();
  train_detector->add_flag("--h264", d->h264,
                           "train (and with --photos calibrate) on H.264 round trips too: x264 "
                           "at a constant quantiser of 22-42 (19-39 for its intra frames) in "
                           "place of JPEG for 40% of the images, real and fake alike");
  return {train_detector, [d] { return run_train_detector(*d); }};
}

} // namespace gan_cli
