// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan: train GANs on Fashion-MNIST, image folders or any GStreamer pipeline, and sample
// from the model files they produce.

#include "images.h"
#include "progress.h"
#include "sources.h"

#include "gan/error.h"
#include "gan/eval.h"
#include "gan/model_file.h"
#include "gan/photos.h"
#include "gan/runtime.h"
#include "gan/supervised.h"
#include "gan/threads.h"
#include "gan/trainer.h"

#include <CLI/CLI.hpp>
#include <gst/gst.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

struct TrainArgs {
  std::string arch = "dcgan";
  std::string idx;
  std::string images;
  std::string pipeline;
  std::string photos; // a manifest (.tsv) or a folder
  int64_t max_frames = 0;
  int64_t channels = 1, height = 28, width = 28;
  int64_t latent = 0; // 0: the architecture's default
  gan::PatchOptions patch;
  int64_t working_size = 1024;
  int validation_percent = 15;
  int64_t grid_every = 0;
  int64_t frame_width = 320, frame_height = 240;
  std::string out = "run";
  std::string resume;
  int64_t epochs = 1;
  int64_t steps = 0;
  int64_t batch_size = 64;
  uint64_t seed = 1;
  double lr = 2e-4, beta1 = 0.5, beta2 = 0.999, label_smoothing = 0.0;
  int threads = 0;
  int64_t checkpoint_every = 500;
  int64_t grid = 64;
};

// Patches of the training photos of a manifest, or of a folder split by file name.
std::shared_ptr<gan::TrainingImages> load_photo_patches(const TrainArgs &a) {
  std::error_code ec;
  const bool folder = fs::is_directory(a.photos, ec);
  const std::vector<gan::PhotoEntry> manifest =
      folder ? gan::photo_folder_manifest(a.photos, a.validation_percent)
             : gan::read_photo_manifest(a.photos);
  std::vector<gan::Photo> photos =
      gan_tools::load_photos(manifest, gan::PhotoSplit::Train, a.working_size);
  const size_t count = photos.size();
  return std::make_shared<gan::PatchSampler>(std::move(photos), a.patch,
                                             "photos:" + a.photos + " (" + std::to_string(count) +
                                                 " training photos, working size " +
                                                 std::to_string(a.working_size) + ")");
}

std::shared_ptr<gan::TrainingImages> load_data(const TrainArgs &a) {
  if (!a.photos.empty())
    return load_photo_patches(a);
  if (!a.images.empty())
    return gan::shuffled_images(
        gan_tools::load_image_folder(a.images, a.channels, a.height, a.width));
  if (!a.pipeline.empty())
    return gan::shuffled_images(
        gan_tools::load_pipeline(a.pipeline, a.channels, a.height, a.width, a.max_frames));
  const std::string path =
      a.idx.empty() ? gan::default_fashion_mnist_dir() + "/train-images-idx3-ubyte.gz" : a.idx;
  gan::ImageSet set = gan::read_idx_images(path);
  if (a.idx.empty())
    set.source = "fashion-mnist train (" + path + ")";
  return gan::shuffled_images(set);
}

void write_losses_csv(const std::string &path, const std::vector<gan::StepStats> &history) {
  std::ofstream out(path);
  out << "step,d_loss,g_loss,d_real,d_fake\n";
  for (const auto &s : history)
    out << s.step << ',' << s.d_loss << ',' << s.g_loss << ',' << s.d_real << ',' << s.d_fake
        << '\n';
  if (!out)
    throw gan::Error(gan::ErrorCode::Io, "cannot write '" + path + "'");
}

void write_grid(gan::Trainer &t, const std::string &path, int64_t n) {
  const auto &c = t.options().config;
  std::vector<float> images(static_cast<size_t>(n * c.channels * c.height * c.width));
  t.sample(/*seed=*/0, n, images.data());
  gan_tools::write_image_grid(path, images.data(), n, c.channels, c.height, c.width, 8,
                              c.height >= 64 ? 1 : 2);
}

// A field model's whole frame (image 0 of stream 0), painted at the frame size.
void write_frame(gan::Trainer &t, const std::string &path, int64_t height, int64_t width) {
  const auto &c = t.options().config;
  std::vector<float> frame(static_cast<size_t>(c.channels * height * width));
  t.paint(/*seed=*/0, /*index=*/0, height, width, frame.data());
  gan_tools::write_image_grid(path, frame.data(), 1, c.channels, height, width, 1, 1);
}

// Sample grids (and a field model's frame) named after the epoch or the step.
void write_samples(gan::Trainer &t, const TrainArgs &a, const std::string &tag) {
  write_grid(t, a.out + "/samples-" + tag + ".png", a.grid);
  if (t.options().config.arch == "field")
    write_frame(t, a.out + "/frame-" + tag + ".png", a.frame_height, a.frame_width);
}

// Threads per workload, from bench/train_threads.sh on the 2-core machine: dcgan trains 1.49x
// faster on 2 intra-op threads than on 1; the mlp's small matmuls gain nothing (0.96x), so it
// stays on one thread and leaves the other core free.
int training_threads(const std::string &arch, int requested) {
  if (requested > 0)
    return requested;
  return arch == "mlp" ? 1 : 0; // 0: one per core
}

int run_train(const TrainArgs &a) {
  if (!gan::blas_is_optimized())
    std::fprintf(stderr, "warning: the reference BLAS is ~20x slower than OpenBLAS here\n");

  const std::shared_ptr<gan::TrainingImages> data = load_data(a);
  std::fprintf(stderr, "data: %lld images per epoch, %lldx%lldx%lld, from %s\n",
               static_cast<long long>(data->epoch_images()),
               static_cast<long long>(data->channels()), static_cast<long long>(data->height()),
               static_cast<long long>(data->width()), data->source().c_str());

  std::unique_ptr<gan::Trainer> trainer;
  if (!a.resume.empty()) {
    trainer = gan::Trainer::resume(a.resume, data);
    std::fprintf(stderr, "resumed '%s' at step %lld\n", a.resume.c_str(),
                 static_cast<long long>(trainer->steps_done()));
  } else {
    gan::TrainOptions o;
    const int64_t latent = a.latent > 0 ? a.latent : a.arch == "field" ? 64 : 100;
    o.config = {a.arch, latent, data->channels(), data->height(), data->width()};
    o.batch_size = a.batch_size;
    o.seed = a.seed;
    o.lr = a.lr;
    o.beta1 = a.beta1;
    o.beta2 = a.beta2;
    o.label_smoothing = a.label_smoothing;
    trainer = std::make_unique<gan::Trainer>(o, data);
  }
  gan::configure_threads(training_threads(trainer->options().config.arch, a.threads));
  std::fprintf(stderr, "threads: %d intra-op (LibTorch/OpenMP), BLAS at 1; BLAS: %s\n",
               gan::intra_op_threads(), gan::blas_description().c_str());
  const int64_t spe = trainer->steps_per_epoch();
  const int64_t total = a.steps > 0 ? a.steps : a.epochs * spe;
  fs::create_directories(a.out);
  const std::string checkpoint = a.out + "/checkpoint.gan";
  std::fprintf(stderr, "training %s: %lld steps of %lld images (%lld steps per epoch) into %s/\n",
               trainer->options().config.arch.c_str(), static_cast<long long>(total),
               static_cast<long long>(trainer->options().batch_size), static_cast<long long>(spe),
               a.out.c_str());

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const int64_t first = trainer->steps_done();
  gan_tools::Progress progress(first, total, trainer->options().batch_size, stderr);
  double train_seconds = 0;
  while (trainer->steps_done() < total && !g_stop) {
    const auto t0 = std::chrono::steady_clock::now();
    const gan::StepStats s = trainer->step();
    train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    progress.update(s, train_seconds);
    char tag[64] = "";
    if (a.grid_every > 0 && s.step % a.grid_every == 0)
      std::snprintf(tag, sizeof tag, "step-%07lld", static_cast<long long>(s.step));
    else if (a.grid_every == 0 && s.step % spe == 0)
      std::snprintf(tag, sizeof tag, "epoch-%03lld", static_cast<long long>(s.step / spe));
    if (tag[0])
      write_samples(*trainer, a, tag);
    if (s.step % a.checkpoint_every == 0 || s.step % spe == 0)
      trainer->save_checkpoint(checkpoint);
  }
  progress.finish();
  trainer->save_checkpoint(checkpoint);
  write_losses_csv(a.out + "/losses.csv", trainer->history());
  gan_tools::write_loss_plot(a.out + "/losses.png", trainer->history());
  if (g_stop) {
    std::fprintf(stderr, "interrupted at step %lld; continue with --resume %s\n",
                 static_cast<long long>(trainer->steps_done()), checkpoint.c_str());
    return 130;
  }
  trainer->save_model(a.out + "/model.gan");
  write_grid(*trainer, a.out + "/samples.png", a.grid);
  if (trainer->options().config.arch == "field")
    write_frame(*trainer, a.out + "/frame.png", a.frame_height, a.frame_width);

  const int64_t images = (trainer->steps_done() - first) * trainer->options().batch_size;
  const double rate = train_seconds > 0 ? static_cast<double>(images) / train_seconds : 0;
  json summary = {{"arch", trainer->options().config.arch},
                  {"steps", trainer->steps_done()},
                  {"batch_size", trainer->options().batch_size},
                  {"images_trained_this_run", images},
                  {"train_seconds", train_seconds},
                  {"images_per_second", rate},
                  {"threads", gan::intra_op_threads()},
                  {"blas", gan::blas_description()}};
  std::ofstream(a.out + "/summary.json") << summary.dump(2) << '\n';
  std::printf("trained %lld steps; throughput %.1f images/s (batch %lld, %d threads)\n"
              "wrote %s/model.gan, samples.png, losses.csv, losses.png, checkpoint.gan\n",
              static_cast<long long>(trainer->steps_done()), rate,
              static_cast<long long>(trainer->options().batch_size), gan::intra_op_threads(),
              a.out.c_str());
  return 0;
}

int run_sample(const std::string &model, const std::string &out, int64_t count, int64_t columns,
               uint64_t seed, int scale) {
  gan::configure_threads(1);
  auto generator = gan::Generator::load(model);
  const auto &c = generator->info().config;
  std::vector<float> images(static_cast<size_t>(count * generator->image_floats()));
  generator->generate(seed, 0, count, images.data());
  gan_tools::write_image_grid(out, images.data(), count, c.channels, c.height, c.width, columns,
                              scale);
  std::printf("wrote %lld samples of %s to %s\n", static_cast<long long>(count),
              generator->info().id.c_str(), out.c_str());
  return 0;
}

json config_json(const gan::ModelConfig &c) {
  return {{"arch", c.arch},
          {"latent", c.latent},
          {"channels", c.channels},
          {"height", c.height},
          {"width", c.width}};
}

json provenance_json(const gan::Provenance &p) {
  return {
      {"dataset", p.dataset},           {"steps", p.steps},    {"seed", p.seed}, {"date", p.date},
      {"tool_version", p.tool_version}, {"metrics", p.metrics}};
}

// Any gst-gan model file (GAN, checkpoint, classifier, detector), or a TorchScript generator.
int run_info(const std::string &model) {
  json j;
  try {
    const gan::ModelFile f = gan::read_model_file(model);
    j = {{"path", model},
         {"format", "gst-gan"},
         {"kind", f.kind},
         {"checksum", f.checksum},
         {"config", config_json(f.config)},
         {"provenance", provenance_json(f.provenance)},
         {"tensors", f.tensors.size()},
         {"bytes", f.data.size()}};
  } catch (const gan::Error &e) {
    if (e.code() != gan::ErrorCode::WrongKind)
      throw;
    auto generator = gan::Generator::load(model); // TorchScript
    const gan::ModelInfo &i = generator->info();
    j = {{"path", i.path},
         {"format", i.format},
         {"id", i.id},
         {"config", config_json(i.config)},
         {"provenance", provenance_json(i.provenance)}};
  }
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

struct SupervisedArgs {
  std::string data_dir = gan::default_fashion_mnist_dir();
  std::string out;
  std::string generator; // train-detector: the source of fakes
  int64_t fakes = 60000;
  uint64_t fake_seed = 1000;
  int threads = 0;
  gan::SupervisedOptions options;
};

void print_epoch(const gan::EpochReport &r, const char *metric) {
  std::fprintf(stderr, "epoch %lld  loss %.4f  %s %.4f  %.0f img/s\n",
               static_cast<long long>(r.epoch), r.train_loss, metric, r.metric,
               r.images_per_second);
}

int run_train_classifier(const SupervisedArgs &a) {
  gan::configure_threads(a.threads);
  const gan::ImageSet train = gan::read_idx_images(a.data_dir + "/train-images-idx3-ubyte.gz");
  const auto labels = gan::read_idx_labels(a.data_dir + "/train-labels-idx1-ubyte.gz");
  const gan::ImageSet test = gan::read_idx_images(a.data_dir + "/t10k-images-idx3-ubyte.gz");
  const auto test_labels = gan::read_idx_labels(a.data_dir + "/t10k-labels-idx1-ubyte.gz");
  gan::ModelFile f = gan::train_classifier(train, labels, test, test_labels, a.options,
                                           [](const auto &r) { print_epoch(r, "test-accuracy"); });
  gan::write_model_file(a.out, f);
  std::printf("classifier: test accuracy %.4f; wrote %s\n",
              f.provenance.metrics.at("test_accuracy"), a.out.c_str());
  return 0;
}

int run_train_detector(const SupervisedArgs &a) {
  gan::configure_threads(a.threads);
  gan::ImageSet real = gan::read_idx_images(a.data_dir + "/train-images-idx3-ubyte.gz");
  real.source = "fashion-mnist train";
  auto generator = gan::Generator::load(a.generator);
  const auto &c = generator->info().config;
  gan::ImageSet fake;
  fake.count = a.fakes;
  fake.channels = c.channels;
  fake.height = c.height;
  fake.width = c.width;
  fake.source = generator->info().id + " samples (seed " + std::to_string(a.fake_seed) + ")";
  fake.pixels.resize(static_cast<size_t>(fake.count * fake.image_size()));
  std::vector<float> batch(static_cast<size_t>(256 * fake.image_size()));
  for (int64_t first = 0; first < fake.count; first += 256) {
    const int64_t n = std::min<int64_t>(256, fake.count - first);
    generator->generate(a.fake_seed, static_cast<uint64_t>(first), n, batch.data());
    // Quantised to 8 bits like every real frame, so bit depth is no shortcut.
    for (int64_t i = 0; i < n * fake.image_size(); ++i)
      fake.pixels[static_cast<size_t>(first * fake.image_size() + i)] = static_cast<uint8_t>(
          std::lround((std::clamp(batch[static_cast<size_t>(i)], -1.0f, 1.0f) + 1.0f) * 127.5f));
  }
  gan::ModelFile f = gan::train_detector(
      real, fake, a.options, [](const auto &r) { print_epoch(r, "validation-accuracy"); });
  gan::write_model_file(a.out, f);
  std::printf("detector: validation accuracy %.4f; wrote %s\n",
              f.provenance.metrics.at("validation_accuracy"), a.out.c_str());
  return 0;
}

struct EvalArgs {
  std::string classifier, detector, dcgan, mlp, out;
  std::vector<std::string> generators;
  std::string data_dir = gan::default_fashion_mnist_dir();
  int64_t samples = 10000;
  uint64_t seed = 20261127;
  int threads = 0;
};

int run_eval(const EvalArgs &a) {
  gan::configure_threads(a.threads);
  const auto t0 = std::chrono::steady_clock::now();
  gan::Evaluator ev(a.classifier, a.data_dir, a.samples);
  const gan::ReferenceQuality r = ev.references();
  json report = {{"samples", a.samples},
                 {"seed", a.seed},
                 {"classifier", a.classifier},
                 {"references",
                  {{"fid_floor_train_vs_test", r.fid_floor},
                   {"fid_blur_sigma1_vs_test", r.fid_blur},
                   {"precision_train_vs_test", r.precision_floor},
                   {"recall_train_vs_test", r.recall_floor},
                   {"classifier_accuracy", r.classifier_accuracy}}}};
  for (const std::string &path : a.generators) {
    const gan::GeneratorQuality q = ev.generator(path, a.seed);
    report["generators"][path] = {{"id", q.model_id},
                                  {"fid", q.fid},
                                  {"fid_over_blur_reference", q.fid / r.fid_blur},
                                  {"precision", q.precision},
                                  {"recall", q.recall},
                                  {"class_fractions", q.class_fractions},
                                  {"memorized_fraction", q.memorized_fraction},
                                  {"memorization_threshold", q.memorization_threshold},
                                  {"median_nn_distance_generated", q.median_nn_distance_generated},
                                  {"median_nn_distance_test", q.median_nn_distance_test}};
  }
  if (!a.detector.empty()) {
    if (a.dcgan.empty() || a.mlp.empty())
      throw gan::Error(gan::ErrorCode::InvalidArgument, "--detector needs --dcgan and --mlp");
    const gan::DetectorQuality q = ev.detector(a.detector, a.dcgan, a.mlp, a.seed + 17);
    json conditions;
    for (const auto &[name, c] : q.conditions)
      conditions[name] = {{"auc", c.auc},
                          {"ap", c.ap},
                          {"accuracy", c.accuracy},
                          {"tpr_at_1pct_fpr", c.tpr_at_1pct_fpr},
                          {"fpr_at_threshold", c.fpr_at_threshold}};
    report["detector"] = {{"path", a.detector},
                          {"id", q.model_id},
                          {"threshold_logit", q.threshold},
                          {"conditions", conditions}};
  }
  report["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!a.out.empty())
    std::ofstream(a.out) << report.dump(2) << '\n';
  std::printf("%s\n", report.dump(2).c_str());
  return 0;
}

// IDX images as numbered PNG files, e.g. for `multifilesrc ! pngdec` test streams.
int run_export(const std::string &idx, const std::string &pattern, int64_t first, int64_t count) {
  const gan::ImageSet set = gan::read_idx_images(idx);
  if (first < 0 || first >= set.count)
    throw gan::Error(gan::ErrorCode::InvalidArgument, "--first is outside the file");
  const int64_t last = std::min(set.count, first + count);
  for (int64_t i = first; i < last; ++i) {
    char name[4096];
    std::snprintf(name, sizeof name, pattern.c_str(), static_cast<int>(i - first));
    gan_tools::write_image_png(name, set.image(i), set.channels, set.height, set.width);
  }
  std::printf("wrote %lld images\n", static_cast<long long>(last - first));
  return 0;
}

int run_watermark(const std::string &in, const std::string &out, const std::string &key,
                  uint32_t payload) {
  if (!out.empty()) {
    if (!gan_tools::watermark_png(in, out, key, payload))
      throw gan::Error(gan::ErrorCode::InvalidArgument,
                       "'" + in + "' is smaller than 128x128: too small for the watermark");
    std::printf("wrote %s (payload %u)\n", out.c_str(), payload);
    return 0;
  }
  const gan::WatermarkVerdict v = gan_tools::read_watermark_png(in, key);
  std::printf("%s\n", nlohmann::json{{"found", v.found},
                                     {"payload", v.found ? v.payload : 0},
                                     {"confidence", v.confidence},
                                     {"score", v.score}}
                          .dump()
                          .c_str());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"gst-gan: train GANs and sample from them (LibTorch core of the gan plugin)"};
  app.set_version_flag("--version", std::string("gst-gan ") + gan::version());
  app.require_subcommand(1);

  TrainArgs t;
  CLI::App *train =
      app.add_subcommand("train", "train a GAN; writes model, checkpoint, grids, losses");
  train->add_option("--arch", t.arch, "architecture (field: paints any size, for --photos)")
      ->check(CLI::IsMember({"mlp", "dcgan", "field"}))
      ->capture_default_str();
  auto *idx = train->add_option(
      "--idx", t.idx, "IDX image file (.gz or raw); default: Debian's Fashion-MNIST training set");
  auto *images = train->add_option("--images", t.images, "folder of PNG/JPEG images");
  auto *pipeline = train->add_option("--pipeline", t.pipeline,
                                     "GStreamer pipeline description whose frames are the data, "
                                     "e.g. \"filesrc location=clip.mp4 ! decodebin\"");
  auto *photos = train->add_option(
      "--photos", t.photos,
      "colour photographs cut into random patches: a manifest (.tsv, see "
      "models/natural-photos.tsv; its train split) or a folder (split by file name)");
  idx->excludes(images)->excludes(pipeline)->excludes(photos);
  images->excludes(pipeline)->excludes(photos);
  pipeline->excludes(photos);
  train->add_option("--patch", t.patch.size, "with --photos: patch side in pixels")
      ->check(CLI::Range(8, 1024))
      ->capture_default_str();
  train
      ->add_option("--scale-min", t.patch.min_scale,
                   "with --photos: smallest scale a patch shows its photo at")
      ->check(CLI::Range(0.05, 4.0))
      ->capture_default_str();
  train
      ->add_option("--scale-max", t.patch.max_scale,
                   "with --photos: largest scale a patch shows its photo at")
      ->check(CLI::Range(0.05, 4.0))
      ->capture_default_str();
  train->add_flag("--no-flip", "with --photos: no horizontal flips");
  train
      ->add_option("--working-size", t.working_size,
                   "with --photos: photos are held at most this long (area-averaged once)")
      ->check(CLI::Range(16, 16384))
      ->capture_default_str();
  train
      ->add_option("--validation-percent", t.validation_percent,
                   "with a --photos folder: about this share of its photos validate")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  train
      ->add_option("--max-frames", t.max_frames,
                   "with --pipeline: stop after this many frames (0 = EOS)")
      ->check(CLI::NonNegativeNumber);
  train->add_option("--channels", t.channels, "with --images/--pipeline: 1 (gray) or 3 (RGB)")
      ->check(CLI::IsMember({1, 3}))
      ->capture_default_str();
  train->add_option("--height", t.height, "with --images/--pipeline: image height")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  train->add_option("--width", t.width, "with --images/--pipeline: image width")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  train
      ->add_option("--latent", t.latent,
                   "latent size (field: channels of the latent field; 0 = 100, field 64)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  train->add_option("--out,-o", t.out, "output folder")->capture_default_str();
  train->add_option("--resume", t.resume, "continue from this checkpoint (its options win)");
  train->add_option("--epochs", t.epochs, "passes over the data")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_option("--steps", t.steps, "total steps (overrides --epochs)")
      ->check(CLI::NonNegativeNumber);
  train->add_option("--batch-size", t.batch_size, "images per step")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  train->add_option("--seed", t.seed, "seed for weights, shuffling and noise")
      ->capture_default_str();
  train->add_option("--lr", t.lr, "Adam learning rate")
      ->check(CLI::Range(1e-8, 1.0))
      ->capture_default_str();
  train->add_option("--beta1", t.beta1, "Adam beta1")
      ->check(CLI::Range(0.0, 0.9999))
      ->capture_default_str();
  train->add_option("--beta2", t.beta2, "Adam beta2")
      ->check(CLI::Range(0.0, 0.9999))
      ->capture_default_str();
  train->add_option("--label-smoothing", t.label_smoothing, "one-sided: real label = 1 - this")
      ->check(CLI::Range(0.0, 0.49))
      ->capture_default_str();
  train
      ->add_option(
          "--threads", t.threads,
          "intra-op threads (0 = per workload: one per core for dcgan, 1 for mlp; BLAS stays at 1)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  train
      ->add_option("--checkpoint-every", t.checkpoint_every,
                   "steps between checkpoints (also at each epoch end)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_option("--grid", t.grid, "samples in each epoch's PNG grid")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  train
      ->add_option("--grid-every", t.grid_every,
                   "steps between sample grids (0 = at each epoch's end)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  train->add_option("--frame-width", t.frame_width, "field models: width of the painted frame")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  train->add_option("--frame-height", t.frame_height, "field models: height of the painted frame")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();

  std::string model, out = "samples.png";
  int64_t count = 64, columns = 8;
  uint64_t seed = 0;
  int scale = 2;
  CLI::App *sample = app.add_subcommand("sample", "write a PNG grid of samples from a model file");
  sample->add_option("--model,-m", model, "gst-gan model file or TorchScript generator")
      ->required();
  sample->add_option("--out,-o", out, "PNG path")->capture_default_str();
  sample->add_option("--count,-n", count, "number of samples")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  sample->add_option("--columns", columns, "grid columns")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  sample->add_option("--seed", seed, "latent stream seed")->capture_default_str();
  sample->add_option("--scale", scale, "pixel scale factor")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();

  CLI::App *info =
      app.add_subcommand("info", "print a model file's architecture and provenance as JSON");
  info->add_option("--model,-m", model, "model file")->required();

  SupervisedArgs sup;
  auto add_supervised = [&](CLI::App *cmd) {
    cmd->add_option("--data-dir", sup.data_dir, "folder with the Fashion-MNIST IDX files")
        ->capture_default_str();
    cmd->add_option("--out,-o", sup.out, "model file to write")->required();
    cmd->add_option("--epochs", sup.options.epochs, "passes over the data")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--batch-size", sup.options.batch_size, "images per step")
        ->check(CLI::Range(1, 65536))
        ->capture_default_str();
    cmd->add_option("--lr", sup.options.lr, "Adam learning rate")
        ->check(CLI::Range(1e-8, 1.0))
        ->capture_default_str();
    cmd->add_option("--lr-decay", sup.options.lr_decay, "learning-rate factor per epoch")
        ->check(CLI::Range(0.01, 1.0))
        ->capture_default_str();
    cmd->add_option("--seed", sup.options.seed, "seed for weights and shuffling")
        ->capture_default_str();
    cmd->add_option("--threads", sup.threads, "intra-op threads (0 = one per core)")
        ->check(CLI::Range(0, 256))
        ->capture_default_str();
  };
  CLI::App *train_classifier = app.add_subcommand(
      "train-classifier", "train the Fashion-MNIST classifier whose features the metrics use");
  add_supervised(train_classifier);
  CLI::App *train_detector = app.add_subcommand(
      "train-detector", "train a real-vs-generated detector against a generator's samples");
  add_supervised(train_detector);
  train_detector
      ->add_option("--generator,-g", sup.generator, "model file whose samples are the fakes")
      ->required();
  train_detector->add_option("--fakes", sup.fakes, "number of generated images")
      ->check(CLI::Range(100, 1000000))
      ->capture_default_str();
  train_detector->add_option("--fake-seed", sup.fake_seed, "latent stream of the fakes")
      ->capture_default_str();

  EvalArgs ev;
  CLI::App *eval = app.add_subcommand(
      "eval", "quality report (JSON): FID, precision/recall, coverage, memorisation, detector");
  eval->add_option("--classifier,-c", ev.classifier, "classifier model file (feature network)")
      ->required();
  eval->add_option("--generator,-g", ev.generators, "generator model file(s) to evaluate");
  eval->add_option("--detector,-d", ev.detector, "detector model file to evaluate");
  eval->add_option("--dcgan", ev.dcgan, "with --detector: the generator it was trained against");
  eval->add_option("--mlp", ev.mlp, "with --detector: a generator it never saw");
  eval->add_option("--data-dir", ev.data_dir, "folder with the Fashion-MNIST IDX files")
      ->capture_default_str();
  eval->add_option("--samples,-n", ev.samples, "test and generated images per statistic")
      ->check(CLI::Range(10, 10000))
      ->capture_default_str();
  eval->add_option("--seed", ev.seed, "latent stream of the generated samples")
      ->capture_default_str();
  eval->add_option("--threads", ev.threads, "intra-op threads (0 = one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  eval->add_option("--out,-o", ev.out, "also write the report to this file");

  std::string export_idx = gan::default_fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz";
  std::string export_pattern;
  int64_t export_first = 0, export_count = 100;
  CLI::App *export_cmd =
      app.add_subcommand("export", "write images of an IDX file as numbered PNGs");
  export_cmd->add_option("--idx", export_idx, "IDX image file")->capture_default_str();
  export_cmd
      ->add_option("--out,-o", export_pattern,
                   "printf pattern of the PNG paths, e.g. real/%05d.png")
      ->required()
      ->check([](const std::string &p) {
        // Exactly one %d-style conversion and no other: the pattern goes to snprintf.
        static const std::regex one_int("^[^%]*%0?[0-9]*d[^%]*$");
        return std::regex_match(p, one_int)
                   ? std::string()
                   : std::string("the pattern needs exactly one integer conversion such as %05d");
      });
  export_cmd->add_option("--first", export_first, "index of the first image")
      ->check(CLI::NonNegativeNumber);
  export_cmd->add_option("--count,-n", export_count, "number of images")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();

  std::string mark_in, mark_out, mark_key = gan::kWatermarkDefaultKey;
  uint32_t mark_payload = 0;
  CLI::App *watermark = app.add_subcommand(
      "watermark", "embed gst-gan's provenance watermark in a PNG (--out), or read it (JSON)");
  watermark->add_option("--in,-i", mark_in, "PNG image (at least 128x128)")->required();
  watermark->add_option("--out,-o", mark_out, "where to write the marked PNG; without: read");
  watermark->add_option("--key", mark_key, "watermark key")->capture_default_str();
  watermark->add_option("--payload", mark_payload, "32-bit payload to embed")
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  gst_init(nullptr, nullptr);
  t.patch.flip = train->count("--no-flip") == 0;
  if (!t.photos.empty() && train->get_option("--channels")->count() == 0)
    t.patch.channels = 3; // photographs are colour unless asked otherwise
  else
    t.patch.channels = t.channels;
  try {
    if (*train)
      return run_train(t);
    if (*sample)
      return run_sample(model, out, count, columns, seed, scale);
    if (*info)
      return run_info(model);
    if (*train_classifier)
      return run_train_classifier(sup);
    if (*train_detector)
      return run_train_detector(sup);
    if (*eval)
      return run_eval(ev);
    if (*export_cmd)
      return run_export(export_idx, export_pattern, export_first, export_count);
    if (*watermark)
      return run_watermark(mark_in, mark_out, mark_key, mark_payload);
  } catch (const gan::Error &e) {
    std::fprintf(stderr, "gst-gan: error (%s): %s\n", gan::error_code_name(e.code()), e.what());
    return 2;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "gst-gan: error: %s\n", e.what());
    return 2;
  }
  return 1;
}
