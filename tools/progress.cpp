// SPDX-License-Identifier: LGPL-2.1-or-later
#include "progress.h"

#include <unistd.h>

#include <string>

namespace gan_tools {

namespace {

std::string duration_text(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  return buf;
}

} // namespace

Progress::Progress(int64_t first_step, int64_t total_steps, int64_t batch_size, FILE *out)
    : first_step_(first_step), total_steps_(total_steps), batch_size_(batch_size), out_(out),
      tty_(isatty(fileno(out)) != 0), last_print_(std::chrono::steady_clock::now()) {}

void Progress::update(const gan::StepStats &s, double train_seconds) {
  const auto now = std::chrono::steady_clock::now();
  const bool last = s.step >= total_steps_;
  const double since = std::chrono::duration<double>(now - last_print_).count();
  if (!last && since < (tty_ ? 0.2 : 10.0))
    return;
  last_print_ = now;
  const double done = static_cast<double>(s.step - first_step_);
  const double rate =
      train_seconds > 0 ? done * static_cast<double>(batch_size_) / train_seconds : 0;
  const double eta =
      done > 0 ? train_seconds / done * static_cast<double>(total_steps_ - s.step) : 0;
  const double frac = static_cast<double>(s.step) / static_cast<double>(total_steps_);
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '-');
    std::fprintf(out_, "\r[%s] %3.0f%% %lld/%lld  %.0f img/s  ETA %s  D %.3f G %.3f ", bar.c_str(),
                 frac * 100, static_cast<long long>(s.step), static_cast<long long>(total_steps_),
                 rate, duration_text(eta).c_str(), s.d_loss, s.g_loss);
  } else {
    std::fprintf(
        out_, "step %lld/%lld (%.1f%%)  %.1f img/s  ETA %s  D %.4f G %.4f D(x) %.3f D(G(z)) %.3f\n",
        static_cast<long long>(s.step), static_cast<long long>(total_steps_), frac * 100, rate,
        duration_text(eta).c_str(), s.d_loss, s.g_loss, s.d_real, s.d_fake);
  }
  std::fflush(out_);
}

void Progress::finish() {
  if (tty_)
    std::fputc('\n', out_);
  std::fflush(out_);
}

} // namespace gan_tools
