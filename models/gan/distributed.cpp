// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/distributed.h"

#include "gan/error.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

namespace gan {

namespace {

int env_int(const char *name, int fallback, int lo, int hi) {
  const char *s = std::getenv(name);
  if (!s || !*s)
    return fallback;
  char *end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (*end != '\0' || v < lo || v > hi)
    throw Error(ErrorCode::InvalidArgument, std::string("environment variable ") + name + "='" + s +
                                                "' is not an integer in [" + std::to_string(lo) +
                                                ", " + std::to_string(hi) + "]");
  return static_cast<int>(v);
}

// LibTorch 2.x's TCPStore defaults to a libuv backend that Debian's build leaves out (it then
// refuses to start); the classic backend is the one every version has. Options without the
// field (1.13) need nothing.
template <typename T, typename = void> struct HasUseLibUV : std::false_type {};
template <typename T>
struct HasUseLibUV<T, std::void_t<decltype(std::declval<T &>().useLibUV)>> : std::true_type {};

template <typename T> void use_classic_store(T &options) {
  if constexpr (HasUseLibUV<T>::value)
    options.useLibUV = false;
}

// What c10d threw, without c10's C++ backtrace.
std::string message_of(const std::exception &e) {
  if (const auto *c10_error = dynamic_cast<const c10::Error *>(&e))
    return c10_error->what_without_backtrace();
  return e.what();
}

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0));
}

} // namespace

DistributedOptions distributed_options_from_environment() {
  DistributedOptions o;
  if (const char *addr = std::getenv("MASTER_ADDR"); addr && *addr)
    o.master_addr = addr;
  o.master_port = env_int("MASTER_PORT", o.master_port, 1, 65535);
  o.world_size = env_int("WORLD_SIZE", o.world_size, 1, 1 << 16);
  o.rank = env_int("RANK", o.rank, 0, (1 << 16) - 1);
  return o;
}

void validate_distributed_options(const DistributedOptions &o) {
  if (o.world_size < 1)
    throw Error(ErrorCode::InvalidArgument, "world size must be at least 1");
  if (o.rank < 0 || o.rank >= o.world_size)
    throw Error(ErrorCode::InvalidArgument, "rank " + std::to_string(o.rank) +
                                                " is outside [0, world size " +
                                                std::to_string(o.world_size) + ")");
  if (o.master_port < 1 || o.master_port > 65535)
    throw Error(ErrorCode::InvalidArgument,
                "master port " + std::to_string(o.master_port) + " is outside [1, 65535]");
  if (!(o.timeout_seconds > 0))
    throw Error(ErrorCode::InvalidArgument, "the distributed timeout must be > 0 seconds");
  if (o.master_addr.empty())
    throw Error(ErrorCode::InvalidArgument, "the master address is empty");
}

struct Communicator::Impl {
  DistributedOptions options;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  CommunicationStats stats;
  int64_t check_count = 0; // check_same() calls, to name their store keys

  std::string who() const {
    return "rank " + std::to_string(options.rank) + " of " + std::to_string(options.world_size);
  }

  // c10d reports a dead peer (connection reset, EOF) or a silent one (timeout) by throwing
  // from wait(); both become one error that says what this rank was doing and what to check.
  [[noreturn]] void fail(const std::string &doing, const std::exception &e) const {
    throw Error(ErrorCode::Distributed,
                who() + ": " + doing + " failed: a peer rank exited, crashed or did not answer " +
                    "within " + std::to_string(static_cast<int>(options.timeout_seconds)) +
                    " s (--dist-timeout); " + message_of(e));
  }

  void run(const std::string &doing, const c10::intrusive_ptr<c10d::Work> &work) {
    try {
      if (!work->wait(to_ms(options.timeout_seconds)))
        throw std::runtime_error("no completion within the timeout");
    } catch (const std::exception &e) {
      fail(doing, e);
    }
  }

  void allreduce_sum(at::Tensor &flat) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<at::Tensor> one = {flat};
    c10d::AllreduceOptions opts;
    opts.timeout = to_ms(options.timeout_seconds);
    try {
      run("all-reduce", group->allreduce(one, opts));
    } catch (const Error &) {
      throw;
    } catch (const std::exception &e) {
      fail("all-reduce", e);
    }
    stats.allreduce_calls += 1;
    stats.allreduce_bytes += static_cast<int64_t>(flat.nbytes());
    stats.allreduce_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

// Rank 0 serves the rendezvous on every address of the port; when the port cannot be had (in
// use, or below 1024 without the right), that is the cause, said at once: "" when it can.
std::string port_unavailable(int port) {
  for (const int family : {AF_INET6, AF_INET}) {
    const int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0)
      continue; // no IPv6 here: IPv4 decides
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on); // as the store binds it
    int rc;
    if (family == AF_INET6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_addr = in6addr_any;
      a.sin6_port = htons(static_cast<uint16_t>(port));
      rc = bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_ANY);
      a.sin_port = htons(static_cast<uint16_t>(port));
      rc = bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
    }
    const int err = errno;
    close(fd);
    if (rc == 0)
      return {};
    if (err != EAFNOSUPPORT && err != EADDRNOTAVAIL)
      return std::strerror(err);
  }
  return {};
}

Communicator::Communicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Communicator::~Communicator() = default;

std::shared_ptr<Communicator> Communicator::connect(const DistributedOptions &options) {
  validate_distributed_options(options);
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  const std::string where = options.master_addr + ":" + std::to_string(options.master_port);
  const auto timeout = to_ms(options.timeout_seconds);

  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(options.master_port);
  so.isServer = options.rank == 0;
  so.numWorkers = static_cast<size_t>(options.world_size);
  so.waitWorkers = true;
  so.timeout = timeout;
  use_classic_store(so);
  if (options.rank == 0)
    if (const std::string why = port_unavailable(options.master_port); !why.empty())
      throw Error(ErrorCode::Distributed, impl->who() + ": cannot serve the rendezvous on port " +
                                              std::to_string(options.master_port) + ": " + why +
                                              " (choose another MASTER_PORT/--master-port)");
  const auto t0 = std::chrono::steady_clock::now();
  try {
    impl->store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, so);
  } catch (const std::exception &e) {
    const std::string what = options.rank == 0 ? "serving the rendezvous on " + where
                                               : "reaching the rendezvous (rank 0) at " + where;
    // Only a failure that took the timeout is a timeout; anything sooner is its own cause.
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (took < 0.9 * options.timeout_seconds)
      throw Error(ErrorCode::Distributed, impl->who() + ": " + what + " failed after " +
                                              std::to_string(static_cast<int>(took)) +
                                              " s: " + message_of(e));
    throw Error(ErrorCode::Distributed,
                impl->who() + ": " + what + " failed within " +
                    std::to_string(static_cast<int>(options.timeout_seconds)) +
                    " s: not all ranks joined (check MASTER_ADDR/--master-addr, the port, "
                    "WORLD_SIZE and that every rank started); " +
                    message_of(e));
  }

  auto go = c10d::ProcessGroupGloo::Options::create(timeout);
  // Gloo's TCP device: the loopback for one machine; on several, the interface named by
  // GLOO_SOCKET_IFNAME (as in PyTorch) or else the address this host's name resolves to.
  const bool loopback = options.master_addr == "127.0.0.1" || options.master_addr == "localhost";
  const char *ifname = std::getenv("GLOO_SOCKET_IFNAME");
  try {
    if (loopback)
      go->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else if (ifname && *ifname)
      go->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else
      go->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    go->threads = 1;
    impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, options.rank,
                                                              options.world_size, go);
  } catch (const std::exception &e) {
    impl->fail("connecting the Gloo process group (rendezvous at " + where + ")", e);
  }
  return std::shared_ptr<Communicator>(new Communicator(std::move(impl)));
}

int Communicator::rank() const { return impl_->options.rank; }
int Communicator::world_size() const { return impl_->options.world_size; }
double Communicator::timeout_seconds() const { return impl_->options.timeout_seconds; }
CommunicationStats Communicator::stats() const { return impl_->stats; }

void Communicator::broadcast(std::vector<at::Tensor> &tensors) {
  if (impl_->options.world_size == 1 || tensors.empty())
    return;
  torch::NoGradGuard no_grad;
  c10d::BroadcastOptions opts;
  opts.rootRank = 0;
  opts.timeout = to_ms(impl_->options.timeout_seconds);
  // One tensor per call: Gloo broadcasts a list only when its tensors share one shape.
  for (at::Tensor &t : tensors) {
    const at::Tensor data = t.detach(); // the same storage, outside autograd
    std::vector<at::Tensor> one = {data.is_contiguous() ? data : data.contiguous()};
    try {
      impl_->run("broadcast from rank 0", impl_->group->broadcast(one, opts));
    } catch (const Error &) {
      throw;
    } catch (const std::exception &e) {
      impl_->fail("broadcast from rank 0", e);
    }
    if (one[0].data_ptr() != data.data_ptr())
      data.copy_(one[0]);
  }
}

void Communicator::average(const std::vector<at::Tensor> &tensors, int64_t bucket_bytes) {
  const int world = impl_->options.world_size;
  if (world == 1 || tensors.empty())
    return;
  torch::NoGradGuard no_grad;
  size_t first = 0;
  while (first < tensors.size()) {
    // The next bucket: tensors in order until it would pass bucket_bytes (at least one).
    size_t last = first;
    int64_t bytes = 0;
    while (last < tensors.size() &&
           (last == first ||
            bytes + static_cast<int64_t>(tensors[last].numel() * 4) <= bucket_bytes)) {
      bytes += tensors[last].numel() * 4;
      ++last;
    }
    std::vector<at::Tensor> parts;
    for (size_t i = first; i < last; ++i)
      parts.push_back(tensors[i].detach().reshape({-1}).to(torch::kFloat32));
    at::Tensor flat = torch::cat(parts);
    impl_->allreduce_sum(flat);
    flat.div_(static_cast<double>(world));
    int64_t at = 0;
    for (size_t i = first; i < last; ++i) {
      const int64_t n = tensors[i].numel();
      tensors[i].copy_(flat.slice(0, at, at + n).view(tensors[i].sizes()));
      at += n;
    }
    first = last;
  }
}

bool Communicator::any(bool flag) {
  if (impl_->options.world_size == 1)
    return flag;
  at::Tensor t = torch::full({1}, flag ? 1.0f : 0.0f);
  impl_->allreduce_sum(t);
  return t.item<float>() > 0;
}

void Communicator::check_same(const std::string &what, const std::string &value) {
  const int world = impl_->options.world_size;
  if (world == 1)
    return;
  const std::string prefix = "gan/check/" + std::to_string(impl_->check_count++) + "/";
  try {
    impl_->store->set(prefix + std::to_string(impl_->options.rank),
                      std::vector<uint8_t>(value.begin(), value.end()));
    for (int r = 0; r < world; ++r) {
      const std::string key = prefix + std::to_string(r);
      impl_->store->wait({key}, to_ms(impl_->options.timeout_seconds));
      const std::vector<uint8_t> v = impl_->store->get(key);
      if (std::string(v.begin(), v.end()) != value)
        throw Error(ErrorCode::InvalidArgument, impl_->who() + ": the ranks disagree on " + what +
                                                    ": rank " + std::to_string(r) + " has '" +
                                                    std::string(v.begin(), v.end()) +
                                                    "', this rank '" + value + "'");
    }
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    impl_->fail("comparing " + what + " through the rendezvous store", e);
  }
}

} // namespace gan
