// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <string>

namespace gan {

// Threading is chosen per workload, never left to defaults: LibTorch's intra-op pool (OpenMP)
// gets `intra_op_threads`, and OpenBLAS is held to one thread, because two thread pools on a
// two-core machine oversubscribe it (batch-1 inference ran ~20x slower that way).
// intra_op_threads <= 0 means "one per core".
void configure_threads(int intra_op_threads);
int intra_op_threads();

// Only the BLAS part: for code inside someone else's process (the GStreamer elements), which
// must not change the application's LibTorch thread count but must not let OpenBLAS spin its
// own pool beside it either (measured: 50 000 sched_yield calls for 30 gangen frames).
void hold_blas_to_one_thread();
// OpenBLAS's own thread count (benchmarks measuring the machine's peak); no-op elsewhere.
void set_blas_threads(int threads);

// Chooses the intra-op thread count while a loop of similar steps runs (training), because the
// best count depends on what else the machine does: on 2 cores, 2 threads train dcgan 1.5x
// faster than 1 when idle, and 30x slower when another process keeps one core busy (OpenMP's
// threads wait for a descheduled one at every barrier). It times `trial` steps at each count
// from 1 to max_threads, keeps the fastest, and tries again every `every` steps, so the choice
// follows the load. A count whose step takes over 1.5x the best time so far is dropped at that
// step, so a trial under load costs one slow step. Not thread-safe: one loop, one tuner.
class AdaptiveThreads {
public:
  explicit AdaptiveThreads(int max_threads, int trial = 4, int every = 400);
  // Call before each step: sets LibTorch's intra-op thread count for it.
  void before_step();
  // Call after each step with its wall time.
  void after_step(double seconds);
  int current() const { return current_; }
  int trials() const { return trials_; } // trials completed (for the log)

private:
  void start_trial();
  void set(int threads);
  int max_threads_, trial_, every_;
  int current_ = 1, best_ = 1;
  bool trying_ = false;
  int candidate_ = 1, steps_at_candidate_ = 0, since_trial_ = 0, trials_ = 0;
  double best_seconds_ = 0, candidate_seconds_ = 0;
};

// The BLAS behind libtorch (Debian's libblas.so.3 alternative): OpenBLAS is ~20x faster than
// the reference BLAS here. blas_description() says which one is loaded.
bool blas_is_optimized();
std::string blas_description();

} // namespace gan
