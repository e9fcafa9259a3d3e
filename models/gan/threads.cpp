// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <dlfcn.h>
#include <thread>

namespace gan {

namespace {

// libtorch reaches BLAS through libblas.so.3; look at the copy already loaded.
void *blas_symbol(const char *name) {
  void *handle = dlopen("libblas.so.3", RTLD_LAZY | RTLD_NOLOAD);
  if (!handle)
    handle = dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD);
  void *sym = handle ? dlsym(handle, name) : nullptr;
  if (handle)
    dlclose(handle);
  return sym;
}

} // namespace

void configure_threads(int intra_op_threads) {
  if (intra_op_threads <= 0)
    intra_op_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(intra_op_threads);
  hold_blas_to_one_thread();
}

void hold_blas_to_one_thread() { set_blas_threads(1); }

void set_blas_threads(int threads) {
  if (auto set_blas = reinterpret_cast<void (*)(int)>(blas_symbol("openblas_set_num_threads")))
    set_blas(std::max(1, threads));
}

int intra_op_threads() { return at::get_num_threads(); }

AdaptiveThreads::AdaptiveThreads(int max_threads, int trial, int every)
    : max_threads_(std::max(1, max_threads)), trial_(std::max(2, trial)),
      every_(std::max(trial_ * max_threads_, every)) {
  start_trial();
}

void AdaptiveThreads::set(int threads) {
  if (threads != at::get_num_threads())
    at::set_num_threads(threads);
  current_ = threads;
}

void AdaptiveThreads::start_trial() {
  trying_ = true;
  candidate_ = 1;
  steps_at_candidate_ = 0;
  candidate_seconds_ = 0;
  best_seconds_ = 0;
  set(candidate_);
}

void AdaptiveThreads::before_step() {
  if (!trying_ && ++since_trial_ >= every_) {
    since_trial_ = 0;
    start_trial();
  }
}

void AdaptiveThreads::after_step(double seconds) {
  if (!trying_)
    return;
  ++steps_at_candidate_;
  // The first step at a count warms its threads up: timed only to drop a hopeless count.
  const bool hopeless = best_seconds_ > 0 && seconds > 1.5 * best_seconds_;
  if (steps_at_candidate_ > 1)
    candidate_seconds_ += seconds;
  if (!hopeless && steps_at_candidate_ < trial_)
    return;
  if (!hopeless) {
    const double mean = candidate_seconds_ / (steps_at_candidate_ - 1);
    if (best_seconds_ == 0 || mean < best_seconds_)
      best_seconds_ = mean, best_ = candidate_;
  }
  if (candidate_ < max_threads_) {
    ++candidate_;
    steps_at_candidate_ = 0;
    candidate_seconds_ = 0;
    set(candidate_);
    return;
  }
  trying_ = false;
  ++trials_;
  set(best_);
}

bool blas_is_optimized() { return blas_symbol("openblas_get_config") != nullptr; }

std::string blas_description() {
  if (auto config = reinterpret_cast<const char *(*)()>(blas_symbol("openblas_get_config")))
    return std::string("OpenBLAS (") + config() + ")";
  return "reference BLAS (slow: apt-get install libopenblas0-pthread)";
}

} // namespace gan
