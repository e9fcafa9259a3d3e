// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include "gan/trainer.h"

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace gan_tools {

// A progress bar with images/s and ETA on a terminal; plain log lines (every few seconds)
// when stderr is a file or pipe, so logs of background runs stay readable.
class Progress {
public:
  Progress(int64_t first_step, int64_t total_steps, int64_t batch_size, FILE *out);
  void update(const gan::StepStats &stats, double train_seconds);
  void finish();

private:
  int64_t first_step_, total_steps_, batch_size_;
  FILE *out_;
  bool tty_;
  std::chrono::steady_clock::time_point last_print_;
};

} // namespace gan_tools
