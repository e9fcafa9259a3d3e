// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Data-parallel training over LibTorch's own c10d engine: one process per rank, a TCPStore on
// rank 0 for the rendezvous and a Gloo process group for the collectives, configured the way
// torchrun does (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK). Every collective waits at most
// the timeout: a rank that dies or never connects becomes a gan::Error on the others, not a hang.
// This header names no torch type beyond a forward declaration; the c10d headers stay in the .cpp.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace gan {

struct DistributedOptions {
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  int world_size = 1;
  int rank = 0;
  double timeout_seconds = 60; // rendezvous and every collective
};

// MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK from the environment over the defaults above.
// Throws Error(InvalidArgument) naming the variable when one is set but malformed.
DistributedOptions distributed_options_from_environment();
// Throws Error(InvalidArgument) for a rank outside [0, world), a bad port or timeout.
void validate_distributed_options(const DistributedOptions &options);

// Totals since the group was made, for the logs: what gradient averaging costs.
struct CommunicationStats {
  int64_t allreduce_calls = 0;
  int64_t allreduce_bytes = 0; // payload of this rank's buffers, not wire traffic
  double allreduce_seconds = 0;
};

// One rank's membership in a group of world_size processes. connect() blocks until every rank
// has joined (or the timeout passes). Every method but the accessors is a collective: all ranks
// call it in the same order with tensors of the same shapes. Failures throw Error(Distributed)
// naming this rank.
class Communicator {
public:
  static std::shared_ptr<Communicator> connect(const DistributedOptions &options);
  ~Communicator();
  Communicator(const Communicator &) = delete;
  Communicator &operator=(const Communicator &) = delete;

  int rank() const;
  int world_size() const;
  double timeout_seconds() const;

  // Rank 0's values into every rank's tensors (in place).
  void broadcast(std::vector<at::Tensor> &tensors);
  // Every tensor replaced by its mean over the ranks; the tensors travel flattened into
  // contiguous float buckets of at most bucket_bytes each (few large messages, as DDP does).
  void average(const std::vector<at::Tensor> &tensors, int64_t bucket_bytes = 25 << 20);
  // True on every rank when `flag` is true on any (a stop request all ranks agree on).
  bool any(bool flag);
  // Throws Error(InvalidArgument) on every rank unless all ranks pass the same value (what the
  // ranks must agree on: data fingerprints, options), naming the first rank that differs.
  void check_same(const std::string &what, const std::string &value);

  CommunicationStats stats() const;

  struct Impl;

private:
  explicit Communicator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace gan
