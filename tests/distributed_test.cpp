// SPDX-License-Identifier: LGPL-2.1-or-later
// Data-parallel training (gan/distributed.h) on the loopback: ranks as threads of this process
// for the arithmetic, and as `gst-gan` processes for the launcher and for failures.

#include "net_util.h"
#include "test_util.h"

#include "gan/distributed.h"
#include "gan/model_file.h"
#include "gan/weights.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <thread>

namespace {

using gan_test::TempDir;
using Clock = std::chrono::steady_clock;

gan::TrainOptions mlp_options(int64_t global_batch) {
  gan::TrainOptions o;
  o.config = {"mlp", 16, 1, 8, 8};
  o.batch_size = global_batch;
  o.seed = 7;
  o.lr = 0.01; // large steps, so that a wrong gradient shows far above float rounding
  return o;
}

// Every parameter and buffer of both networks, flattened, from a trainer's model file.
torch::Tensor weights_of(gan::Trainer &t, const std::string &path) {
  t.save_model(path);
  const gan::Gan g = gan::gan_from_file(gan::read_model_file(path));
  std::vector<torch::Tensor> all;
  for (const auto &p : g.generator->parameters())
    all.push_back(p.detach().reshape({-1}));
  for (const auto &p : g.discriminator->parameters())
    all.push_back(p.detach().reshape({-1}));
  return torch::cat(all);
}

constexpr int kSteps = 6;

struct RankResult {
  torch::Tensor weights;
  std::vector<gan::StepStats> history;
  std::string error;
};

// `world` ranks as threads, each with its own Gloo process group over the loopback.
std::vector<RankResult> train_ranks(int world, const gan::TrainOptions &options,
                                    const gan::ImageSet &data, const TempDir &dir,
                                    int steps = kSteps) {
  const int port = gan_test::free_tcp_port();
  std::vector<RankResult> results(static_cast<size_t>(world));
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r)
    threads.emplace_back([&, r] {
      RankResult &out = results[static_cast<size_t>(r)];
      try {
        gan::DistributedOptions d;
        d.master_port = port;
        d.world_size = world;
        d.rank = r;
        d.timeout_seconds = 30;
        auto group = gan::Communicator::connect(d);
        gan::Trainer t(options, gan::shuffled_images(data), group);
        for (int i = 0; i < steps; ++i)
          t.step();
        out.weights = weights_of(t, dir.file("rank" + std::to_string(r) + ".gan"));
        out.history = t.history();
      } catch (const std::exception &e) {
        out.error = e.what();
      }
    });
  for (auto &t : threads)
    t.join();
  return results;
}

TEST(Distributed, TwoRanksFollowOneProcessWithTheCombinedBatch) {
  TempDir dir;
  const gan::ImageSet data = gan_test::pattern_images(40, 8, 8, 3);

  gan::Trainer whole(mlp_options(8), data);
  for (int i = 0; i < kSteps; ++i)
    whole.step();
  const torch::Tensor expected = weights_of(whole, dir.file("whole.gan"));
  gan::Trainer half(mlp_options(4), data); // what each rank would do on its own
  for (int i = 0; i < kSteps; ++i)
    half.step();
  const torch::Tensor alone = weights_of(half, dir.file("half.gan"));

  const std::vector<RankResult> ranks = train_ranks(2, mlp_options(8), data, dir);
  for (const RankResult &r : ranks)
    ASSERT_EQ(r.error, "");
  // The ranks hold the same weights, bit for bit (same averaged gradients, same Adam).
  EXPECT_TRUE(torch::equal(ranks[0].weights, ranks[1].weights));
  // ... those of one process with the combined batch, up to the order of float sums ...
  const double diff = (ranks[0].weights - expected).abs().max().item<double>();
  EXPECT_LT(diff, 1e-4);
  // ... and not those of a process with one rank's share (the check can tell them apart).
  const double apart = (alone - expected).abs().max().item<double>();
  std::printf("max |weight difference|: 2 ranks x 4 vs 1 x 8: %.3g; 1 x 4 vs 1 x 8: %.3g\n", diff,
              apart);
  EXPECT_GT(apart, 100 * std::max(diff, 1e-6)) << "diff " << diff << " apart " << apart;
  // The logged losses are the global batch's.
  ASSERT_EQ(ranks[0].history.size(), whole.history().size());
  for (size_t i = 0; i < whole.history().size(); ++i) {
    EXPECT_NEAR(ranks[0].history[i].d_loss, whole.history()[i].d_loss, 1e-4) << i;
    EXPECT_NEAR(ranks[1].history[i].g_loss, whole.history()[i].g_loss, 1e-4) << i;
  }
}

TEST(Distributed, AGlobalBatchThatDoesNotSplitIsRefusedOnEveryRank) {
  TempDir dir;
  const gan::ImageSet data = gan_test::pattern_images(40, 8, 8, 3);
  const std::vector<RankResult> ranks = train_ranks(2, mlp_options(7), data, dir);
  for (const RankResult &r : ranks)
    EXPECT_NE(r.error.find("does not split evenly over 2 ranks"), std::string::npos) << r.error;
}

TEST(Distributed, TheRanksOfEveryArchitectureHoldTheSameWeights) {
  TempDir dir;
  for (const std::string arch : {"dcgan", "field"}) {
    const int64_t side = arch == "field" ? 32 : 28;
    gan::TrainOptions o;
    o.config = {arch, arch == "field" ? 8 : 16, 1, side, side};
    o.batch_size = 4;
    const std::vector<RankResult> ranks =
        train_ranks(2, o, gan_test::pattern_images(8, side, side, 3), dir, 2);
    ASSERT_EQ(ranks[0].error, "") << arch;
    ASSERT_EQ(ranks[1].error, "") << arch;
    EXPECT_TRUE(torch::equal(ranks[0].weights, ranks[1].weights)) << arch;
  }
}

// --- processes ---------------------------------------------------------------------------

std::string write_idx(const TempDir &dir, const gan::ImageSet &set) {
  std::vector<uint8_t> b = {0, 0, 0x08, 3};
  for (int64_t v : {set.count, set.height, set.width})
    for (int shift : {24, 16, 8, 0})
      b.push_back(static_cast<uint8_t>(v >> shift));
  b.insert(b.end(), set.pixels.begin(), set.pixels.end());
  const std::string path = dir.file("data.idx");
  gan_test::write_bytes(path, b);
  return path;
}

std::vector<std::string> split(const std::string &args) {
  std::vector<std::string> out;
  std::istringstream in(args);
  for (std::string word; in >> word;)
    out.push_back(word);
  return out;
}

// `gst-gan args` in the background with extra environment, stdout and stderr into `log`.
pid_t start(const std::string &args, const std::vector<std::string> &env, const std::string &log) {
  const char *exe = std::getenv("GST_GAN_CLI");
  EXPECT_NE(exe, nullptr) << "GST_GAN_CLI is set by meson test";
  std::vector<std::string> argv = split(args);
  argv.insert(argv.begin(), exe ? exe : "gst-gan");
  const pid_t pid = fork();
  if (pid != 0)
    return pid;
  for (const std::string &e : env)
    putenv(const_cast<char *>(e.c_str()));
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 1);
  dup2(fd, 2);
  std::vector<char *> cargv;
  for (std::string &a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  execv(cargv[0], cargv.data());
  _exit(127);
}

// The exit code (128 + signal when killed), or -1 when it is still running after `seconds`.
int wait_for(pid_t pid, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

std::string read_text(const std::string &path) {
  const std::vector<uint8_t> b = gan_test::read_bytes(path);
  return {b.begin(), b.end()};
}

// Waits until `path` contains `text` (true) or `seconds` pass (false).
bool wait_for_text(const std::string &path, const std::string &text, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    if (read_text(path).find(text) != std::string::npos)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

torch::Tensor generator_weights(const std::string &path) {
  const gan::Gan g = gan::gan_from_file(gan::read_model_file(path));
  std::vector<torch::Tensor> all;
  for (const auto &p : g.generator->parameters())
    all.push_back(p.detach().reshape({-1}));
  return torch::cat(all);
}

torch::Tensor all_weights(const std::string &path) {
  const gan::Gan g = gan::gan_from_file(gan::read_model_file(path));
  std::vector<torch::Tensor> all;
  for (const auto *net : {&g.generator, &g.discriminator})
    for (const auto &p : (*net)->parameters())
      all.push_back(p.detach().reshape({-1}));
  return torch::cat(all);
}

TEST(DistributedCli, TheLauncherTrainsLikeOneProcessWithTheCombinedBatch) {
  TempDir dir;
  const std::string data = write_idx(dir, gan_test::pattern_images(40, 8, 8, 3));
  const std::string common =
      " --arch mlp --latent 16 --idx " + data + " --seed 5 --lr 0.01 " + "--steps 5 --grid 4 ";
  ASSERT_EQ(wait_for(start("train" + common + "--batch-size 8 --out " + dir.file("one"), {},
                           dir.file("one.log")),
                     60),
            0)
      << read_text(dir.file("one.log"));
  ASSERT_EQ(wait_for(start("launch --nproc 2 -- train" + common + "--batch-size 4 --out " +
                               dir.file("two"),
                           {}, dir.file("two.log")),
                     60),
            0)
      << read_text(dir.file("two.log"));
  const std::string log = read_text(dir.file("two.log"));
  EXPECT_NE(log.find("steps of 8 images"), std::string::npos) << log;
  EXPECT_NE(log.find("all-reduce (rank 0)"), std::string::npos) << log;
  const double diff =
      (generator_weights(dir.file("one/model.gan")) - generator_weights(dir.file("two/model.gan")))
          .abs()
          .max()
          .item<double>();
  EXPECT_LT(diff, 1e-4);
  EXPECT_TRUE(std::filesystem::exists(dir.file("two/summary.json")));
  EXPECT_NE(read_text(dir.file("two/summary.json")).find("allreduce_bytes_per_step"),
            std::string::npos);
}

TEST(DistributedCli, ResumingOnTheSameWorldSizeIsBitExact) {
  TempDir dir;
  const std::string data = write_idx(dir, gan_test::pattern_images(40, 8, 8, 3));
  const std::string common =
      " --arch mlp --latent 16 --idx " + data + " --seed 5 --lr 0.01 " + "--grid 4 --batch-size 4 ";
  const auto launch = [&](const std::string &args, const std::string &log) {
    const int code = wait_for(start("launch --nproc 2 -- train" + common + args, {}, log), 60);
    EXPECT_EQ(code, 0) << read_text(log);
    return code == 0;
  };
  ASSERT_TRUE(launch("--steps 6 --out " + dir.file("straight"), dir.file("straight.log")));
  ASSERT_TRUE(launch("--steps 3 --out " + dir.file("split"), dir.file("split1.log")));
  ASSERT_TRUE(launch("--resume " + dir.file("split/checkpoint.gan") + " --steps 6 --out " +
                         dir.file("split"),
                     dir.file("split2.log")));
  EXPECT_TRUE(torch::equal(all_weights(dir.file("straight/model.gan")),
                           all_weights(dir.file("split/model.gan"))));
}

TEST(DistributedCli, ResumingOnAnotherWorldSizeKeepsTheGlobalBatch) {
  TempDir dir;
  const std::string data = write_idx(dir, gan_test::pattern_images(40, 8, 8, 3));
  const std::string common =
      " --arch mlp --latent 16 --idx " + data + " --seed 5 --lr 0.01 " + "--grid 4 --batch-size 8 ";
  const auto run = [&](const std::string &args, const std::string &log) {
    const int code = wait_for(start(args, {}, log), 60);
    EXPECT_EQ(code, 0) << read_text(log);
    return code == 0;
  };
  ASSERT_TRUE(
      run("train" + common + "--steps 6 --out " + dir.file("straight"), dir.file("straight.log")));
  ASSERT_TRUE(
      run("train" + common + "--steps 3 --out " + dir.file("split"), dir.file("split1.log")));
  // The checkpoint's global batch of 8 wins: 2 ranks take 4 images each.
  ASSERT_TRUE(run("launch --nproc 2 -- train --idx " + data + " --resume " +
                      dir.file("split/checkpoint.gan") + " --steps 6 --out " + dir.file("split"),
                  dir.file("split2.log")));
  EXPECT_NE(read_text(dir.file("split2.log")).find("2 ranks x 4 images"), std::string::npos)
      << read_text(dir.file("split2.log"));
  const double diff =
      (all_weights(dir.file("straight/model.gan")) - all_weights(dir.file("split/model.gan")))
          .abs()
          .max()
          .item<double>();
  EXPECT_LT(diff, 1e-4);
}

TEST(DistributedCli, FlagsWinOverTheEnvironmentAndBadValuesAreNamed) {
  TempDir dir;
  const std::string data = write_idx(dir, gan_test::pattern_images(40, 8, 8, 3));
  const std::string args = "train --arch mlp --idx " + data + " --batch-size 4 --steps 2 " +
                           "--dist-timeout 2 --out " + dir.file("out");
  const std::vector<std::string> env = {"RANK=0", "WORLD_SIZE=2",
                                        "MASTER_PORT=" + std::to_string(gan_test::free_tcp_port())};
  EXPECT_EQ(wait_for(start(args + " --world-size 1", env, dir.file("one.log")), 30), 0)
      << read_text(dir.file("one.log"));
  EXPECT_EQ(read_text(dir.file("one.log")).find("data-parallel"), std::string::npos);

  EXPECT_EQ(wait_for(start(args, {"WORLD_SIZE=two"}, dir.file("bad.log")), 30), 2);
  EXPECT_NE(read_text(dir.file("bad.log")).find("WORLD_SIZE='two'"), std::string::npos)
      << read_text(dir.file("bad.log"));
  EXPECT_EQ(wait_for(start(args + " --world-size 2 --rank 2", {}, dir.file("rank.log")), 30), 2);
  EXPECT_NE(read_text(dir.file("rank.log")).find("rank 2 is outside [0, world size 2)"),
            std::string::npos)
      << read_text(dir.file("rank.log"));
}

TEST(DistributedCli, ARankThatNeverJoinsIsAnErrorWithinTheTimeout) {
  TempDir dir;
  const std::string data = write_idx(dir, gan_test::pattern_images(40, 8, 8, 3));
  const auto t0 = Clock::now();
  const pid_t rank0 = start("train --arch mlp --idx " + data + " --batch-size 4 --steps 5 " +
                                "--dist-timeout 2 --out " + dir.file("out"),
                            {"RANK=0", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1",
                             "MASTER_PORT=" + std::to_string(gan_test::free_tcp_port())},
                            dir.file("rank0.log"));
  EXPECT_EQ(wait_for(rank0, 30), 2) << read_text(dir.file("rank0.log"));
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 20);
  const std::string log = read_text(dir.file("rank0.log"));
  EXPECT_NE(log.find("error (distributed): rank 0 of 2"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(dir.file("out/checkpoint.gan")));
}

TEST(DistributedCli, KillingARankEndsTheOtherWithAnError) {
  TempDir dir;
  const std::string data = write_idx(dir, gan_test::pattern_images(40, 8, 8, 3));
  const std::string args = "train --arch mlp --idx " + data + " --batch-size 4 --steps 1000000 " +
                           "--dist-timeout 10 --out " + dir.file("out");
  const std::string port = "MASTER_PORT=" + std::to_string(gan_test::free_tcp_port());
  const pid_t rank0 = start(args, {"RANK=0", "WORLD_SIZE=2", port}, dir.file("rank0.log"));
  const pid_t rank1 = start(args, {"RANK=1", "WORLD_SIZE=2", port}, dir.file("rank1.log"));
  ASSERT_TRUE(wait_for_text(dir.file("rank0.log"), "data-parallel: 2 ranks", 30))
      << read_text(dir.file("rank0.log"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500)); // well into the steps
  kill(rank1, SIGKILL);
  EXPECT_EQ(wait_for(rank1, 10), 128 + SIGKILL);
  const auto t0 = Clock::now();
  EXPECT_EQ(wait_for(rank0, 30), 2) << read_text(dir.file("rank0.log"));
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 15); // the timeout + slack
  const std::string log = read_text(dir.file("rank0.log"));
  EXPECT_NE(log.find("error (distributed): rank 0 of 2"), std::string::npos) << log;
}

// The pids of `parent`'s children, from /proc.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const std::string stat = read_text(entry.path().string() + "/stat");
    const size_t close_paren = stat.rfind(')');
    if (close_paren == std::string::npos)
      continue;
    std::istringstream rest(stat.substr(close_paren + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent)
      out.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return out;
}

// Waits until `pid` is stopped by a signal (state T in /proc/PID/stat), or `seconds` pass.
// kill(SIGSTOP) only queues the stop: a signal sent before the process acts on it (SIGTERM is
// numbered lower, so dequeued first) would be handled while it still runs.
bool wait_until_stopped(pid_t pid, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    const size_t close_paren = stat.rfind(')');
    if (close_paren != std::string::npos && close_paren + 2 < stat.size() &&
        stat[close_paren + 2] == 'T')
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(DistributedCli, TheLauncherStopsTheOthersWhenARankDiesAndReturnsItsStatus) {
  TempDir dir;
  const std::string data = write_idx(dir, gan_test::pattern_images(40, 8, 8, 3));
  const pid_t launcher =
      start("launch --nproc 2 --grace 5 -- train --arch mlp --idx " + data +
                " --batch-size 4 --steps 1000000 --dist-timeout 10 --out " + dir.file("out"),
            {}, dir.file("launch.log"));
  ASSERT_TRUE(wait_for_text(dir.file("launch.log"), "data-parallel: 2 ranks", 30))
      << read_text(dir.file("launch.log"));
  const std::vector<pid_t> ranks = children_of(launcher);
  ASSERT_EQ(ranks.size(), 2u);
  kill(ranks[1], SIGKILL);
  EXPECT_EQ(wait_for(launcher, 20), 128 + SIGKILL) << read_text(dir.file("launch.log"));
  for (pid_t p : ranks) // none left behind
    EXPECT_TRUE(kill(p, 0) != 0 && errno == ESRCH) << p;
  EXPECT_NE(read_text(dir.file("launch.log")).find("failed with exit status 137"),
            std::string::npos)
      << read_text(dir.file("launch.log"));
}

// Issue 32, defect 10: a rendezvous port in use failed at once but read as a 60-s timeout of
// ranks that never joined; the bind error is the cause now, said at once.
TEST(DistributedCli, ARendezvousPortInUseIsSaidAtOnce) {
  TempDir dir;
  const std::string data = write_idx(dir, gan_test::pattern_images(40, 8, 8, 3));
  const int held = socket(AF_INET, SOCK_STREAM, 0); // another server's port
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(held, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(held, 1), 0);
  ASSERT_EQ(getsockname(held, reinterpret_cast<sockaddr *>(&addr), &len), 0);
  const auto t0 = Clock::now();
  const pid_t rank0 = start("train --arch mlp --idx " + data + " --batch-size 4 --steps 5 " +
                                "--dist-timeout 60 --out " + dir.file("out"),
                            {"RANK=0", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1",
                             "MASTER_PORT=" + std::to_string(ntohs(addr.sin_port))},
                            dir.file("rank0.log"));
  EXPECT_EQ(wait_for(rank0, 50), 2) << read_text(dir.file("rank0.log"));
  close(held);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 30);
  const std::string log = read_text(dir.file("rank0.log"));
  EXPECT_NE(log.find("cannot serve the rendezvous on port " + std::to_string(ntohs(addr.sin_port)) +
                     ": Address already in use"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("not all ranks joined"), std::string::npos) << log;
}

// Issue 32, defect 3: after a forwarded SIGTERM the launcher waited for ever on a rank that
// does not stop; now it gives the ranks --grace, then SIGKILLs them, and says so.
TEST(DistributedCli, TheLauncherKillsARankThatOutlivesTheGraceAfterAForwardedSignal) {
  TempDir dir;
  const std::string data = write_idx(dir, gan_test::pattern_images(40, 8, 8, 3));
  const pid_t launcher =
      start("launch --nproc 2 --grace 2 -- train --arch mlp --idx " + data +
                " --batch-size 4 --steps 1000000 --dist-timeout 600 --out " + dir.file("out"),
            {}, dir.file("launch.log"));
  ASSERT_TRUE(wait_for_text(dir.file("launch.log"), "data-parallel: 2 ranks", 30))
      << read_text(dir.file("launch.log"));
  const std::vector<pid_t> ranks = children_of(launcher);
  ASSERT_EQ(ranks.size(), 2u);
  kill(ranks[1], SIGSTOP); // hung: it can neither step nor stop
  ASSERT_TRUE(wait_until_stopped(ranks[1], 10)) << ranks[1];
  kill(launcher, SIGTERM);
  const auto t0 = Clock::now();
  const int code = wait_for(launcher, 30);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 15);
  // A rank killed (137), or one that stopped with an error first: never success.
  EXPECT_NE(code, -1);
  EXPECT_NE(code, 0) << read_text(dir.file("launch.log"));
  for (pid_t p : ranks) // none left behind
    EXPECT_TRUE(kill(p, 0) != 0 && errno == ESRCH) << p;
  EXPECT_NE(read_text(dir.file("launch.log")).find("killing them"), std::string::npos)
      << read_text(dir.file("launch.log"));
}

} // namespace
