// SPDX-License-Identifier: LGPL-2.1-or-later
// The core's side of the speed benchmarks (bench/speed.sh runs it beside bench/reference.py):
//
//   core_bench peak [--size N]
//       float32 matmul GFLOP/s with 1 and 2 threads: the machine's limit.
//   core_bench infer --model F --part generator|detector --batch B --threads T [--seconds S]
//                    [--plain]
//       forward passes through the runtime the elements use (gan::Generator / gan::Detector:
//       inference mode, BatchNorm folded, ...); --plain runs the unoptimised module instead,
//       as a straightforward LibTorch program would (no_grad, modules as trained).
//   core_bench dp [--batch B] [--threads T] [--seconds S]
//       a discriminator step of the Fashion-MNIST DCGAN's shape (GroupNorm where it has
//       BatchNorm, as DP needs) plain and differentially private (gan/dp_sgd.h: per-example
//       gradients, clipping, noise), and their ratio, in the same run.
//
// Each prints JSON lines.

#include "gan/dp_sgd.h"
#include "gan/model_file.h"
#include "gan/nets.h"
#include "gan/runtime.h"
#include "gan/threads.h"
#include "gan/weights.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Best-of-5 GFLOP/s of `step`, which does `flops` floating-point operations.
template <typename F> double best_gflops(F step, double flops) {
  step();
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = Clock::now();
    int iters = 0;
    do {
      step();
      ++iters;
    } while (seconds_since(t0) < 0.3);
    best = std::max(best, flops * iters / seconds_since(t0) / 1e9);
  }
  return best;
}

// The machine's float32 limit with 1 and 2 threads, measured three ways: an n x n matmul
// through OpenBLAS (what torch::mm calls here), and two oneDNN convolutions of the shapes its
// fastest kernels like (channels-last; what the networks' convolutions run on): a 1x1
// convolution (a plain GEMM) and a 3x3 one. The largest is the limit.
void peak(int64_t n) {
  c10::InferenceMode guard;
  const auto cl = torch::MemoryFormat::ChannelsLast;
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    gan::set_blas_threads(threads);
    const torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
    torch::Tensor c = torch::mm(a, b);
    const double blas = best_gflops([&] { torch::mm_out(c, a, b); }, 2.0 * n * n * n);
    const torch::Tensor x1 = torch::randn({64, 256, 16, 16}).contiguous(cl);
    const torch::Tensor w1 = torch::randn({256, 256, 1, 1}).contiguous(cl);
    const double conv1 =
        best_gflops([&] { torch::conv2d(x1, w1); }, 2.0 * 64 * 256 * 16 * 16 * 256);
    const torch::Tensor x3 = torch::randn({16, 256, 14, 14}).contiguous(cl);
    const torch::Tensor w3 = torch::randn({256, 256, 3, 3}).contiguous(cl);
    const double conv3 =
        best_gflops([&] { torch::conv2d(x3, w3); }, 2.0 * 16 * 256 * 12 * 12 * 256 * 9);
    std::printf("{\"bench\": \"peak\", \"threads\": %d, \"size\": %lld, \"gflops\": %.2f, "
                "\"blas_gflops\": %.2f, \"onednn_1x1_gflops\": %.2f, \"onednn_3x3_gflops\": "
                "%.2f, \"blas\": \"%s\"}\n",
                threads, static_cast<long long>(n), std::max({blas, conv1, conv3}), blas, conv1,
                conv3, gan::blas_description().c_str());
  }
  gan::hold_blas_to_one_thread();
}

struct InferArgs {
  std::string model, part = "generator";
  int64_t batch = 1;
  int threads = 1;
  double seconds = 2.0;
  bool plain = false;
};

// Runs `step` (one batch) repeatedly for `seconds` after a warm-up; returns images/s.
template <typename F> double rate(F step, int64_t batch, double seconds) {
  for (int i = 0; i < 5; ++i)
    step();
  const auto t0 = Clock::now();
  int64_t n = 0;
  do {
    step();
    ++n;
  } while (seconds_since(t0) < seconds);
  return static_cast<double>(n * batch) / seconds_since(t0);
}

void infer(const InferArgs &a) {
  gan::configure_threads(a.threads);
  double images_per_second = 0;
  if (a.plain) {
    // What a straightforward program does: the trained modules, eval mode, no_grad.
    const gan::ModelFile file = gan::read_model_file(a.model);
    torch::NoGradGuard no_grad;
    gan::ImageModule net;
    torch::Tensor x;
    const gan::ModelConfig &c = file.config;
    if (a.part == "generator") {
      net = gan::gan_from_file(file).generator;
      x = torch::randn({a.batch, c.latent});
    } else {
      net = file.kind == "detector" ? gan::detector_from_file(file)
                                    : gan::gan_from_file(file).discriminator;
      x = torch::randn({a.batch, c.channels, c.height, c.width});
    }
    net->eval();
    images_per_second = rate([&] { net->forward(x); }, a.batch, a.seconds);
  } else if (a.part == "generator") {
    auto g = gan::Generator::load(a.model);
    std::vector<float> z(static_cast<size_t>(a.batch * g->info().config.latent));
    g->latent(1, 0, z.data());
    for (int64_t i = 1; i < a.batch; ++i)
      g->latent(1, static_cast<uint64_t>(i), z.data() + i * g->info().config.latent);
    std::vector<float> out(static_cast<size_t>(a.batch * g->image_floats()));
    images_per_second =
        rate([&] { g->generate_from_latents(z.data(), a.batch, out.data()); }, a.batch, a.seconds);
  } else {
    auto d = gan::Detector::load(a.model);
    const gan::ModelConfig &c = d->info().config;
    const torch::Tensor x = torch::rand({a.batch, c.channels, c.height, c.width}) * 2 - 1;
    std::vector<float> logits(static_cast<size_t>(a.batch));
    images_per_second =
        rate([&] { d->score(x.data_ptr<float>(), a.batch, logits.data()); }, a.batch, a.seconds);
  }
  std::printf("{\"bench\": \"infer\", \"impl\": \"%s\", \"part\": \"%s\", \"batch\": %lld, "
              "\"threads\": %d, \"images_per_second\": %.2f}\n",
              a.plain ? "cpp-plain" : "cpp", a.part.c_str(), static_cast<long long>(a.batch),
              a.threads, images_per_second);
}

// Steps per second of `step` over about `seconds` (after one warm-up step).
template <typename F> double steps_per_second(F step, double seconds) {
  step();
  const Clock::time_point t0 = Clock::now();
  int64_t steps = 0;
  while (steps < 3 || seconds_since(t0) < seconds) {
    step();
    ++steps;
  }
  return static_cast<double>(steps) / seconds_since(t0);
}

void dp(const InferArgs &a) {
  namespace nn = torch::nn;
  torch::set_num_threads(a.threads);
  const auto lrelu = [] { return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)); };
  torch::manual_seed(1);
  nn::Sequential d(nn::Conv2d(nn::Conv2dOptions(1, 64, 4).stride(2).padding(1).bias(false)),
                   lrelu(),
                   nn::Conv2d(nn::Conv2dOptions(64, 128, 4).stride(2).padding(1).bias(false)),
                   nn::GroupNorm(16, 128), lrelu(),
                   nn::Conv2d(nn::Conv2dOptions(128, 256, 4).stride(2).padding(1).bias(false)),
                   nn::GroupNorm(16, 256), lrelu(),
                   nn::Conv2d(nn::Conv2dOptions(256, 1, 3).bias(false)), nn::Flatten());
  torch::optim::Adam adam(d->parameters(), torch::optim::AdamOptions(2e-4).betas({0.5, 0.999}));
  const torch::Tensor x = torch::rand({a.batch, 1, 28, 28}) * 2 - 1;
  const torch::Tensor y = torch::ones({a.batch, 1});
  const auto loss = [&](const torch::Tensor &out) {
    return torch::binary_cross_entropy_with_logits(out, y, {}, {}, at::Reduction::Sum);
  };
  const double plain = steps_per_second(
      [&] {
        adam.zero_grad();
        (loss(d->forward(x)) / static_cast<double>(a.batch)).backward();
        adam.step();
      },
      a.seconds);
  gan::PerSampleGradients recorder(d);
  at::Generator rng = at::detail::createCPUGenerator(1);
  const std::vector<torch::Tensor> params = d->parameters();
  // The per-example gradients made whole, clipped and summed (Opacus's default way).
  const double copies = steps_per_second(
      [&] {
        adam.zero_grad();
        loss(recorder.forward(x)).backward();
        const std::vector<torch::Tensor> g =
            gan::clip_and_noise(recorder.gradients(), 1.0, 1.0, static_cast<double>(a.batch), rng);
        for (size_t p = 0; p < params.size(); ++p)
          params[p].mutable_grad() = g[p];
        adam.step();
      },
      a.seconds);
  // Ghost clipping: the norms without the copies, a second backward pass with scaled losses.
  const double ghost = steps_per_second(
      [&] {
        adam.zero_grad();
        const torch::Tensor losses = torch::binary_cross_entropy_with_logits(
            recorder.forward(x), y, {}, {}, at::Reduction::None);
        gan::private_gradients(recorder, *d, losses.view({-1}), 1.0, 1.0,
                               static_cast<double>(a.batch), rng);
        adam.step();
      },
      a.seconds);
  const double private_ = std::max(copies, ghost);
  std::printf("{\"bench\": \"dp\", \"batch\": %lld, \"threads\": %d, \"plain_steps_per_second\": "
              "%.2f, \"copies_steps_per_second\": %.2f, \"ghost_steps_per_second\": %.2f, "
              "\"private_cost\": %.2f}\n",
              static_cast<long long>(a.batch), a.threads, plain, copies, ghost, plain / private_);
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: core_bench peak|infer|dp [options]\n");
    return 2;
  }
  const std::string cmd = argv[1];
  InferArgs a;
  int64_t size = 1024;
  for (int i = 2; i < argc; ++i) {
    const std::string k = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : "";
    if (k == "--plain") {
      a.plain = true;
      continue;
    }
    ++i;
    if (k == "--model")
      a.model = v;
    else if (k == "--part")
      a.part = v;
    else if (k == "--batch")
      a.batch = std::atoll(v);
    else if (k == "--threads")
      a.threads = std::atoi(v);
    else if (k == "--seconds")
      a.seconds = std::atof(v);
    else if (k == "--size")
      size = std::atoll(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    if (cmd == "peak")
      peak(size);
    else if (cmd == "infer")
      infer(a);
    else if (cmd == "dp")
      dp(a);
    else
      return 2;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "core_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
