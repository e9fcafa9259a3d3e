// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan launch: data-parallel training on one machine, the way torchrun starts it: N copies
// of this program with RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and MASTER_PORT (a
// free port) set. Signals are forwarded; when a rank fails the others are stopped and its exit
// status is the launcher's.

#include "cli/command.h"

#include "gan/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

struct LaunchArgs {
  int nproc = 2;
  int master_port = 0; // 0: a free one
  double grace_seconds = 10;
  std::vector<std::string> command; // after --: "train" and its options
};

volatile sig_atomic_t g_signal = 0;

void on_signal(int sig) { g_signal = sig; }

// A port the kernel calls free on the loopback now (the rendezvous binds it a moment later).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw gan::Error(gan::ErrorCode::Io, std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0;
  const int err = errno;
  close(fd);
  if (!ok)
    throw gan::Error(gan::ErrorCode::Io,
                     std::string("cannot find a free loopback port: ") + std::strerror(err));
  return ntohs(addr.sin_port);
}

std::string self_executable() {
  std::vector<char> buf(4096);
  const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0)
    throw gan::Error(gan::ErrorCode::Io, "cannot find this program (/proc/self/exe)");
  return std::string(buf.data(), static_cast<size_t>(n));
}

pid_t spawn(const std::string &exe, const std::vector<std::string> &command, int rank, int world,
            int port) {
  std::vector<std::string> args = {exe};
  args.insert(args.end(), command.begin(), command.end());
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0)
    throw gan::Error(gan::ErrorCode::Io, std::string("fork: ") + std::strerror(errno));
  if (pid > 0)
    return pid;
  // The child: dies with the launcher, whatever kills it.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent)
    _exit(1);
  setenv("RANK", std::to_string(rank).c_str(), 1);
  setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
  setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
  setenv("LOCAL_WORLD_SIZE", std::to_string(world).c_str(), 1);
  setenv("MASTER_ADDR", "127.0.0.1", 1);
  setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(exe.c_str(), argv.data());
  std::fprintf(stderr, "gst-gan launch: cannot run %s: %s\n", exe.c_str(), std::strerror(errno));
  _exit(127);
}

// A child's wait status as a shell reports it: its exit code, or 128 + the signal that ended it.
int exit_code(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 1;
}

int run_launch(const LaunchArgs &a) {
  if (a.command.empty() || a.command[0] != "train")
    throw gan::Error(gan::ErrorCode::InvalidArgument,
                     "launch runs `train`: gst-gan launch --nproc N -- train [options]");
  const std::string exe = self_executable();
  const int port = a.master_port > 0 ? a.master_port : free_port();

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    sigaction(sig, &sa, nullptr);

  std::fprintf(stderr, "launch: %d ranks, rendezvous at 127.0.0.1:%d\n", a.nproc, port);
  std::vector<pid_t> pids(static_cast<size_t>(a.nproc), -1);
  for (int r = 0; r < a.nproc; ++r)
    pids[static_cast<size_t>(r)] = spawn(exe, a.command, r, a.nproc, port);

  int live = a.nproc;
  int result = 0;
  bool stopping = false; // the others have been told to stop
  int forwarded = 0;     // a signal passed on to the ranks: they stop by themselves
  bool killed = false;   // a rank outlived the grace and was killed
  auto stop_deadline = std::chrono::steady_clock::time_point::max();
  auto signal_all = [&pids](int sig) {
    for (pid_t p : pids)
      if (p > 0)
        kill(p, sig);
  };
  while (live > 0) {
    if (const int sig = g_signal) { // forwarded; the ranks stop together after a step
      g_signal = 0;
      forwarded = sig;
      signal_all(sig);
      // A rank that does not stop (hung, stopped, stuck in I/O) gets the grace a failed rank's
      // peers get, then SIGKILL: the launcher never outlives its ranks' grace.
      if (!stopping) {
        stopping = true;
        stop_deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(a.grace_seconds * 1000));
      }
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (size_t r = 0; r < pids.size(); ++r)
        if (pids[r] == pid) {
          pids[r] = -1;
          --live;
          const int code = exit_code(status);
          if (code != 0 && result == 0) {
            result = code;
            if (forwarded)
              std::fprintf(stderr, "launch: rank %zu (pid %d) stopped on signal %d (status %d)\n",
                           r, static_cast<int>(pid), forwarded, code);
            else
              std::fprintf(stderr, "launch: rank %zu (pid %d) failed with exit status %d%s\n", r,
                           static_cast<int>(pid), code,
                           live > 0 ? "; stopping the other ranks" : "");
          }
        }
      continue;
    }
    if (result != 0 && !forwarded && !stopping && live > 0) {
      stopping = true;
      signal_all(SIGTERM);
      stop_deadline = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(static_cast<int64_t>(a.grace_seconds * 1000));
    }
    if (stopping && std::chrono::steady_clock::now() > stop_deadline) {
      std::fprintf(stderr, "launch: %d rank(s) still running %.0f s after %s; killing them\n", live,
                   a.grace_seconds, forwarded ? strsignal(forwarded) : "the failure");
      signal_all(SIGKILL);
      killed = true;
      stop_deadline = std::chrono::steady_clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Stopped by a signal: the shell's status for it (128 + signal) unless a rank failed first;
  // a rank killed after the grace is said.
  if (forwarded && result == 0)
    result = 128 + forwarded;
  if (killed)
    std::fprintf(stderr,
                 "launch: exit status %d (a rank did not stop within --grace and was "
                 "killed)\n",
                 result);
  return result;
}

} // namespace

namespace gan_cli {

Command add_launch(CLI::App &app) {
  auto a = std::make_shared<LaunchArgs>();
  CLI::App *launch = app.add_subcommand(
      "launch", "data-parallel training on this machine: gst-gan launch --nproc N -- train ...");
  launch->add_option("--nproc", a->nproc, "processes (ranks), each with one intra-op thread")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  launch->add_option("--master-port", a->master_port, "rendezvous port (0 = a free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  launch
      ->add_option("--grace", a->grace_seconds,
                   "seconds the ranks get to stop after one fails or after a forwarded "
                   "SIGINT/SIGTERM/SIGHUP, before SIGKILL")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  launch->add_option("command", a->command, "after --: train and its options")->required();
  return {launch, [a] { return run_launch(*a); }};
}

} // namespace gan_cli
