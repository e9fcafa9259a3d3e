// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan train: a GAN from Fashion-MNIST, an image folder, a GStreamer pipeline, or patches of
// colour photographs.

#include "cli/command.h"
#include "cli/zoo.h"

#include "images.h"
#include "progress.h"
#include "sources.h"

#include "gan/distributed.h"
#include "gan/error.h"
#include "gan/photos.h"
#include "gan/threads.h"
#include "gan/trainer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

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
  std::string upsample = "nearest";
  int64_t filters = 128;
  gan::ModelConfig zoo; // kernel, norm, activation, output, depth
  gan::PatchOptions patch;
  int64_t working_size = 1024;
  int validation_percent = 15;
  int64_t grid_every = 0;
  int64_t frame_width = 320, frame_height = 240;
  std::string out = "run";
  std::string resume;
  std::string generator_out; // also the generator alone, here
  int64_t epochs = 1;
  int64_t steps = 0;
  int64_t batch_size = 64;
  uint64_t seed = 1;
  double lr = 2e-4, beta1 = 0.5, beta2 = 0.999, label_smoothing = 0.0;
  std::string augment = "none";
  double r1_gamma = 0.0, ema_decay = 0.0;
  int64_t r1_every = 16;
  int threads = 0;
  int64_t checkpoint_every = 500;
  int64_t grid = 64;
  // Data-parallel training: torchrun's environment (MASTER_ADDR, ...), then these flags.
  gan::DistributedOptions dist;
};

// Patches of the training photos of a manifest, or of a folder split by file name.
std::shared_ptr<gan::TrainingImages> load_photo_patches(const TrainArgs &a) {
  const std::vector<gan::PhotoEntry> manifest =
      gan::read_photo_list(a.photos, a.validation_percent);
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
  return gan::shuffled_images(std::move(set));
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
  if (gan::arch_of(t.options().config).paints_fields)
    write_frame(t, a.out + "/frame-" + tag + ".png", a.frame_height, a.frame_width);
}

// Threads per workload, from bench/train_threads.sh on the 2-core machine: dcgan trains 1.49x
// faster on 2 intra-op threads than on 1; the mlp's small matmuls gain nothing (0.96x), so it
// stays on one thread and leaves the other core free. Ranks of a data-parallel run on one
// machine share its cores: one thread each.
int training_threads(const std::string &arch, int requested, int world_size) {
  if (requested > 0)
    return requested;
  if (world_size > 1)
    return 1;
  const gan::ArchTraits *a = gan::find_arch(arch);
  return a && a->arch == gan::Arch::Mlp ? 1 : 0; // 0: one per core
}

// What gradient averaging cost, per step, for the log and summary.json (rank 0).
json communication_summary(const gan::Communicator &group, int64_t steps, double train_seconds) {
  const gan::CommunicationStats c = group.stats();
  const double n = static_cast<double>(std::max<int64_t>(steps, 1));
  return {{"world_size", group.world_size()},
          {"allreduce_calls_per_step", static_cast<double>(c.allreduce_calls) / n},
          {"allreduce_bytes_per_step", static_cast<double>(c.allreduce_bytes) / n},
          {"allreduce_seconds_per_step", c.allreduce_seconds / n},
          {"allreduce_share_of_train_time",
           train_seconds > 0 ? c.allreduce_seconds / train_seconds : 0.0}};
}

int run_train(const TrainArgs &a) {
  std::shared_ptr<gan::Communicator> group;
  if (a.dist.world_size > 1) {
    // A peer that dies mid-send must be an error from Gloo, not a silent SIGPIPE here.
    std::signal(SIGPIPE, SIG_IGN);
    group = gan::Communicator::connect(a.dist);
    std::fprintf(stderr, "rank %d of %d: joined the group at %s:%d\n", group->rank(),
                 group->world_size(), a.dist.master_addr.c_str(), a.dist.master_port);
  }
  const int world = group ? group->world_size() : 1;
  const bool lead = !group || group->rank() == 0; // logs and writes files; the others don't
  // Other ranks print only their errors; main() prefixes none, so theirs name the rank.
  FILE *log = lead ? stderr : fopen("/dev/null", "w");
  if (!log)
    throw gan::Error(gan::ErrorCode::Io, "cannot open /dev/null");
  const std::unique_ptr<FILE, int (*)(FILE *)> quiet(lead ? nullptr : log, &std::fclose);

  if (!gan::blas_is_optimized())
    std::fprintf(log, "warning: the reference BLAS is ~20x slower than OpenBLAS here\n");

  const std::shared_ptr<gan::TrainingImages> data = load_data(a);
  std::fprintf(log, "data: %lld images per epoch, %lldx%lldx%lld, from %s\n",
               static_cast<long long>(data->epoch_images()),
               static_cast<long long>(data->channels()), static_cast<long long>(data->height()),
               static_cast<long long>(data->width()), data->source().c_str());

  std::unique_ptr<gan::Trainer> trainer;
  if (!a.resume.empty()) {
    trainer = gan::Trainer::resume(a.resume, data, group);
    std::fprintf(log, "resumed '%s' at step %lld\n", a.resume.c_str(),
                 static_cast<long long>(trainer->steps_done()));
  } else {
    gan::TrainOptions o;
    const int64_t latent = a.latent > 0 ? a.latent
                           : gan::find_arch(a.arch) && gan::find_arch(a.arch)->paints_fields ? 64
                                                                                             : 100;
    o.config = {a.arch, latent, data->channels(), data->height(), data->width()};
    o.config.upsample = a.upsample;
    o.config.filters = a.filters;
    o.config.kernel = a.zoo.kernel;
    o.config.norm = a.zoo.norm;
    o.config.activation = a.zoo.activation;
    o.config.output = a.zoo.output;
    o.config.depth = a.zoo.depth;
    o.batch_size = a.batch_size * world; // --batch-size is per rank
    o.seed = a.seed;
    o.lr = a.lr;
    o.beta1 = a.beta1;
    o.beta2 = a.beta2;
    o.label_smoothing = a.label_smoothing;
    o.augment = a.augment;
    o.r1_gamma = a.r1_gamma;
    o.r1_every = a.r1_every;
    o.ema_decay = a.ema_decay;
    trainer = std::make_unique<gan::Trainer>(o, data, group);
  }
  gan::configure_threads(training_threads(trainer->options().config.arch, a.threads, world));
  std::fprintf(log, "threads: %d intra-op (LibTorch/OpenMP)%s, BLAS at 1; BLAS: %s\n",
               gan::intra_op_threads(),
               a.threads <= 0 && gan::intra_op_threads() > 1
                   ? " at most, the count measured while training (1 to the cores)"
                   : "",
               gan::blas_description().c_str());
  const int64_t spe = trainer->steps_per_epoch();
  const int64_t total = a.steps > 0 ? a.steps : a.epochs * spe;
  if (lead)
    fs::create_directories(a.out);
  const std::string checkpoint = a.out + "/checkpoint.gan";
  std::fprintf(log, "training %s: %lld steps of %lld images (%lld steps per epoch) into %s/\n",
               trainer->options().config.arch.c_str(), static_cast<long long>(total),
               static_cast<long long>(trainer->options().batch_size), static_cast<long long>(spe),
               a.out.c_str());
  {
    const gan::TrainOptions &o = trainer->options();
    if (o.augment != "none" || o.r1_gamma > 0 || o.ema_decay > 0)
      std::fprintf(log, "steadied by: augmentation %s, R1 gamma %g every %lld steps, EMA %g\n",
                   o.augment.c_str(), o.r1_gamma, static_cast<long long>(o.r1_every), o.ema_decay);
  }
  if (group)
    std::fprintf(
        log,
        "data-parallel: %d ranks x %lld images per step, gradients averaged by Gloo all-reduce; "
        "BatchNorm statistics per rank\n",
        world, static_cast<long long>(trainer->options().batch_size / world));

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const int64_t first = trainer->steps_done();
  std::unique_ptr<gan_tools::Progress> progress;
  if (lead)
    progress =
        std::make_unique<gan_tools::Progress>(first, total, trainer->options().batch_size, stderr);
  double train_seconds = 0;
  bool stop = g_stop;
  // Threads chosen by measuring while training (gan::AdaptiveThreads) unless --threads says.
  std::optional<gan::AdaptiveThreads> adaptive;
  if (a.threads <= 0 && gan::intra_op_threads() > 1)
    adaptive.emplace(gan::intra_op_threads());
  while (trainer->steps_done() < total && !stop) {
    if (adaptive)
      adaptive->before_step();
    const auto t0 = std::chrono::steady_clock::now();
    const gan::StepStats s = trainer->step();
    if (adaptive)
      adaptive->after_step(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    // A signal reaches the ranks at different steps; they stop together after the same one.
    stop = group ? group->any(g_stop) : g_stop.load();
    train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!lead)
      continue;
    progress->update(s, train_seconds);
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
  if (!group)
    stop = g_stop; // a signal during the last step still counts as an interruption
  if (!lead)
    return stop ? 130 : 0;
  progress->finish();
  trainer->save_checkpoint(checkpoint);
  write_losses_csv(a.out + "/losses.csv", trainer->history());
  gan_tools::write_loss_plot(a.out + "/losses.png", trainer->history());
  if (stop) {
    std::fprintf(stderr, "interrupted at step %lld; continue with --resume %s\n",
                 static_cast<long long>(trainer->steps_done()), checkpoint.c_str());
    return 130;
  }
  trainer->save_model(a.out + "/model.gan");
  if (!a.generator_out.empty())
    trainer->save_generator(a.generator_out);
  write_grid(*trainer, a.out + "/samples.png", a.grid);
  if (gan::arch_of(trainer->options().config).paints_fields)
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
  if (group) {
    summary["distributed"] =
        communication_summary(*group, trainer->steps_done() - first, train_seconds);
    const json &d = summary["distributed"];
    std::fprintf(stderr,
                 "all-reduce (rank 0): %.1f calls, %.2f MB, %.2f ms per step (%.1f%% of the "
                 "training time)\n",
                 d["allreduce_calls_per_step"].get<double>(),
                 d["allreduce_bytes_per_step"].get<double>() / 1e6,
                 d["allreduce_seconds_per_step"].get<double>() * 1e3,
                 d["allreduce_share_of_train_time"].get<double>() * 100);
  }
  std::ofstream(a.out + "/summary.json") << summary.dump(2) << '\n';
  std::printf("trained %lld steps; throughput %.1f images/s (batch %lld, %d threads)\n"
              "wrote %s/model.gan, samples.png, losses.csv, losses.png, checkpoint.gan\n",
              static_cast<long long>(trainer->steps_done()), rate,
              static_cast<long long>(trainer->options().batch_size), gan::intra_op_threads(),
              a.out.c_str());
  return 0;
}

} // namespace

namespace gan_cli {

Command add_train(CLI::App &app) {
  auto t = std::make_shared<TrainArgs>();
  CLI::App *train =
      app.add_subcommand("train", "train a GAN; writes model, checkpoint, grids, losses");
  train->add_option("--arch", t->arch, "architecture (field: paints any size, for --photos)")
      ->check(CLI::IsMember({"mlp", "dcgan", "field"}))
      ->capture_default_str();
  train
      ->add_option("--upsample", t->upsample,
                   "field: the generator's 2x upsampling (nearest: resize + convolution and a "
                   "last pixel shuffle, as shipped; the other families of models/README.md); "
                   "dcgan: nearest is the classic DCGAN, another family a zoo variant")
      ->check(CLI::IsMember(gan_cli::kUpsamplings))
      ->capture_default_str();
  train
      ->add_option("--filters", t->filters,
                   "field: generator channels at 1/8 resolution (zoo dcgan: at 7x7)")
      ->check(CLI::Range(16, 512))
      ->capture_default_str();
  gan_cli::add_zoo_options(*train, t->zoo);
  train->add_option("--generator-out", t->generator_out,
                    "also write the generator alone (no discriminator: a tenth of a field GAN's "
                    "file) here, for gangen and detector training");
  auto *idx = train->add_option(
      "--idx", t->idx, "IDX image file (.gz or raw); default: Debian's Fashion-MNIST training set");
  auto *images = train->add_option("--images", t->images, "folder of PNG/JPEG images");
  auto *pipeline = train->add_option("--pipeline", t->pipeline,
                                     "GStreamer pipeline description whose frames are the data, "
                                     "e.g. \"filesrc location=clip.mp4 ! decodebin\"");
  auto *photos = train->add_option(
      "--photos", t->photos,
      "colour photographs cut into random patches: a manifest (.tsv, see "
      "models/natural-photos.tsv; its train split) or a folder (split by file name)");
  idx->excludes(images)->excludes(pipeline)->excludes(photos);
  images->excludes(pipeline)->excludes(photos);
  pipeline->excludes(photos);
  train->add_option("--patch", t->patch.size, "with --photos: patch side in pixels")
      ->check(CLI::Range(8, 1024))
      ->capture_default_str();
  train
      ->add_option("--scale-min", t->patch.min_scale,
                   "with --photos: smallest scale a patch shows its photo at")
      ->check(CLI::Range(0.05, 4.0))
      ->capture_default_str();
  train
      ->add_option("--scale-max", t->patch.max_scale,
                   "with --photos: largest scale a patch shows its photo at")
      ->check(CLI::Range(0.05, 4.0))
      ->capture_default_str();
  train->add_flag("--no-flip", "with --photos: no horizontal flips");
  train
      ->add_option("--working-size", t->working_size,
                   "with --photos: photos are held at most this long (area-averaged once)")
      ->check(CLI::Range(16, 16384))
      ->capture_default_str();
  train
      ->add_option("--validation-percent", t->validation_percent,
                   "with a --photos folder: about this share of its photos validate")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  train
      ->add_option("--max-frames", t->max_frames,
                   "with --pipeline: stop after this many frames (0 = EOS)")
      ->check(CLI::NonNegativeNumber);
  train->add_option("--channels", t->channels, "with --images/--pipeline: 1 (gray) or 3 (RGB)")
      ->check(CLI::IsMember({1, 3}))
      ->capture_default_str();
  train->add_option("--height", t->height, "with --images/--pipeline: image height")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  train->add_option("--width", t->width, "with --images/--pipeline: image width")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  train
      ->add_option("--latent", t->latent,
                   "latent size (field: channels of the latent field; 0 = 100, field 64)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  train->add_option("--out,-o", t->out, "output folder")->capture_default_str();
  train->add_option("--resume", t->resume, "continue from this checkpoint (its options win)");
  train->add_option("--epochs", t->epochs, "passes over the data")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_option("--steps", t->steps, "total steps (overrides --epochs)")
      ->check(CLI::NonNegativeNumber);
  train
      ->add_option("--batch-size", t->batch_size,
                   "images per step (per rank: with --world-size W a step trains on W x this)")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  train->add_option("--seed", t->seed, "seed for weights, shuffling and noise")
      ->capture_default_str();
  train->add_option("--lr", t->lr, "Adam learning rate")
      ->check(CLI::Range(1e-8, 1.0))
      ->capture_default_str();
  train->add_option("--beta1", t->beta1, "Adam beta1")
      ->check(CLI::Range(0.0, 0.9999))
      ->capture_default_str();
  train->add_option("--beta2", t->beta2, "Adam beta2")
      ->check(CLI::Range(0.0, 0.9999))
      ->capture_default_str();
  train->add_option("--label-smoothing", t->label_smoothing, "one-sided: real label = 1 - this")
      ->check(CLI::Range(0.0, 0.49))
      ->capture_default_str();
  train
      ->add_option("--augment", t->augment,
                   "differentiable augmentation of what the discriminator sees, in both steps: "
                   "color,translation,cutout or a subset (DiffAugment), or none")
      ->capture_default_str();
  train
      ->add_option("--r1", t->r1_gamma,
                   "R1 penalty weight gamma on real images' gradients (0 = off; ~0.1-10)")
      ->check(CLI::Range(0.0, 1e5))
      ->capture_default_str();
  train
      ->add_option("--r1-every", t->r1_every,
                   "with --r1: the penalty every N discriminator steps, scaled by N (lazy)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}))
      ->capture_default_str();
  train
      ->add_option("--ema", t->ema_decay,
                   "keep an exponential moving average of the generator with this decay "
                   "(0 = off; e.g. 0.999): the model file holds it")
      ->check(CLI::Range(0.0, 0.99999))
      ->capture_default_str();
  train
      ->add_option(
          "--threads", t->threads,
          "intra-op threads (0 = per workload: one per core for dcgan, 1 for mlp, 1 per rank "
          "with --world-size > 1; BLAS stays at 1)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  train
      ->add_option("--checkpoint-every", t->checkpoint_every,
                   "steps between checkpoints (also at each epoch end)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_option("--grid", t->grid, "samples in each epoch's PNG grid")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  train
      ->add_option("--grid-every", t->grid_every,
                   "steps between sample grids (0 = at each epoch's end)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  train->add_option("--frame-width", t->frame_width, "field models: width of the painted frame")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  train->add_option("--frame-height", t->frame_height, "field models: height of the painted frame")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  // Data-parallel training, as torchrun configures it (`gst-gan launch` sets all four on one
  // machine). BatchNorm normalises with each rank's own images (no SyncBatchNorm).
  auto dist = std::make_shared<gan::DistributedOptions>();
  train
      ->add_option("--world-size", dist->world_size,
                   "data-parallel: number of processes (default $WORLD_SIZE or 1); each takes "
                   "its share of every global batch and of its noise, gradients are averaged "
                   "every step; BatchNorm uses per-rank statistics (no SyncBatchNorm); only "
                   "rank 0 writes files")
      ->check(CLI::Range(1, 65536));
  train->add_option("--rank", dist->rank, "data-parallel: this process's rank (default $RANK or 0)")
      ->check(CLI::Range(0, 65535));
  train->add_option("--master-addr", dist->master_addr,
                    "data-parallel: rank 0's address (default $MASTER_ADDR or 127.0.0.1)");
  train
      ->add_option("--master-port", dist->master_port,
                   "data-parallel: rank 0's rendezvous port (default $MASTER_PORT or 29500)")
      ->check(CLI::Range(1, 65535));
  train
      ->add_option("--dist-timeout", dist->timeout_seconds,
                   "data-parallel: seconds to wait for the ranks to join and for each "
                   "all-reduce; a rank that dies or hangs ends the others with an error")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  return {train, [t, train, dist] {
            // The environment first, the flags over it.
            t->dist = gan::distributed_options_from_environment();
            if (train->get_option("--world-size")->count() > 0)
              t->dist.world_size = dist->world_size;
            if (train->get_option("--rank")->count() > 0)
              t->dist.rank = dist->rank;
            if (train->get_option("--master-addr")->count() > 0)
              t->dist.master_addr = dist->master_addr;
            if (train->get_option("--master-port")->count() > 0)
              t->dist.master_port = dist->master_port;
            t->dist.timeout_seconds = dist->timeout_seconds;
            gan::validate_distributed_options(t->dist);
            t->patch.flip = train->count("--no-flip") == 0;
            // Photographs are colour unless asked otherwise.
            t->patch.channels = !t->photos.empty() && train->get_option("--channels")->count() == 0
                                    ? 3
                                    : t->channels;
            return run_train(*t);
          }};
}

} // namespace gan_cli
