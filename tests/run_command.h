// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// A shell command run to its end by the tests (no LibTorch, no GStreamer): its exit status and
// everything it wrote to stdout (and stderr, where the command redirects it with 2>&1).

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace gan_test {

struct CommandResult {
  int status = -1; // the exit status; -1 when it could not start or died on a signal
  std::string output;
};

inline CommandResult run_command(const std::string &cmd) {
  CommandResult r;
  FILE *p = popen(cmd.c_str(), "r");
  if (!p)
    return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
    r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

} // namespace gan_test
