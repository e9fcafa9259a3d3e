// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <cstddef>
#include <cstdint>

namespace gan {

// While a TensorCacheScope lives on a thread, LibTorch's CPU allocations made on that thread
// reuse blocks freed earlier (kept by exact size, kTensorCacheBytes at most in all) instead of
// asking malloc for them. A model's forward pass at a fixed input size then takes no memory
// from the system in steady state: without the cache, glibc gives large blocks back to the
// kernel when they are freed (mmap, heap trimming) and every frame pays for faulting and
// clearing those pages again.
//
// The cache sits in front of the CPU allocator that was installed before it (LibTorch's
// default): every other thread, and this thread outside a scope, is served by that allocator
// unchanged, and blocks are freed through whichever allocator made them. Scopes nest.
class TensorCacheScope {
public:
  TensorCacheScope();
  ~TensorCacheScope();
  TensorCacheScope(const TensorCacheScope &) = delete;
  TensorCacheScope &operator=(const TensorCacheScope &) = delete;
};

constexpr size_t kTensorCacheBytes = size_t{256} << 20;

struct TensorCacheStats {
  uint64_t hits = 0;   // allocations served from the cache
  uint64_t misses = 0; // allocations in a scope that went to the system
  size_t cached_bytes = 0;
};
TensorCacheStats tensor_cache_stats();

} // namespace gan
