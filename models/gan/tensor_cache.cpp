// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/tensor_cache.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <torch/version.h>

#include <mutex>
#include <unordered_map>
#include <vector>

namespace gan {

namespace {

thread_local int scope_depth = 0;

// Blocks are c10's own (alloc_cpu: 64-byte aligned) and their DataPtr's context is the data
// itself, as LibTorch's raw_allocate requires. Sizes of blocks in use are kept in a map whose
// nodes are recycled, and freed blocks in per-size stacks: once sizes repeat, neither map nor
// stacks allocate.
class CachingCpuAllocator final : public c10::Allocator {
public:
  explicit CachingCpuAllocator(c10::Allocator *base) : base_(base) {}

#if TORCH_VERSION_MAJOR >= 2
  c10::DataPtr allocate(size_t bytes) override { return allocate_block(bytes); }
  void copy_data(void *dest, const void *src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }
#else
  c10::DataPtr allocate(size_t bytes) const override { return allocate_block(bytes); }
#endif

  // LibTorch's raw_allocate/raw_deallocate pair (oneDNN's scratch memory) needs one deleter
  // for every block this allocator hands out, in a scope or not.
  c10::DeleterFnPtr raw_deleter() const override { return &give_back; }

  TensorCacheStats stats() {
    std::lock_guard<std::mutex> guard(lock_);
    return stats_;
  }

private:
  c10::DataPtr allocate_block(size_t bytes) const {
    if (scope_depth == 0 || bytes == 0) // empty tensors hold no memory (c10 gives nullptr)
      return base_->allocate(bytes);
    void *data = take(bytes);
    if (!data) {
      data = c10::alloc_cpu(bytes);
      track(data, bytes);
    }
    return {data, data, &give_back, c10::Device(c10::kCPU)};
  }

  // A cached block of exactly `bytes`, or nullptr.
  void *take(size_t bytes) const {
    std::lock_guard<std::mutex> guard(lock_);
    auto it = free_.find(bytes);
    if (it == free_.end() || it->second.empty()) {
      ++stats_.misses;
      return nullptr;
    }
    void *data = it->second.back();
    it->second.pop_back();
    stats_.cached_bytes -= bytes;
    ++stats_.hits;
    track_locked(data, bytes);
    return data;
  }

  void track(void *data, size_t bytes) const {
    std::lock_guard<std::mutex> guard(lock_);
    track_locked(data, bytes);
  }

  void track_locked(void *data, size_t bytes) const {
    if (spare_.empty()) {
      live_.emplace(data, bytes);
      return;
    }
    auto node = std::move(spare_.back());
    spare_.pop_back();
    node.key() = data;
    node.mapped() = bytes;
    live_.insert(std::move(node));
  }

  // The deleter of every block made in a scope, on whichever thread frees it.
  static void give_back(void *data);
  void keep(void *data) {
    {
      std::lock_guard<std::mutex> guard(lock_);
      auto node = live_.extract(data);
      if (node.empty()) { // made by the allocator below, outside a scope
        base_free(data);
        return;
      }
      const size_t bytes = node.mapped();
      spare_.push_back(std::move(node));
      if (stats_.cached_bytes + bytes <= kTensorCacheBytes) {
        free_[bytes].push_back(data);
        stats_.cached_bytes += bytes;
        return;
      }
    }
    c10::free_cpu(data);
  }

  void base_free(void *data) const {
    if (const c10::DeleterFnPtr d = base_->raw_deleter())
      d(data);
    else
      c10::free_cpu(data);
  }

  c10::Allocator *base_;
  mutable std::mutex lock_;
  using Live = std::unordered_map<void *, size_t>;
  mutable Live live_;                          // blocks in use: their sizes
  mutable std::vector<Live::node_type> spare_; // nodes of blocks given back, for reuse
  mutable std::unordered_map<size_t, std::vector<void *>> free_;
  mutable TensorCacheStats stats_;
};

// Installed once, never destroyed: blocks may be freed at any time until the process ends.
CachingCpuAllocator *installed() {
  static CachingCpuAllocator *allocator = [] {
    auto *a = new CachingCpuAllocator(c10::GetCPUAllocator());
    c10::SetCPUAllocator(a, /*priority=*/1);
    return a;
  }();
  return allocator;
}

void CachingCpuAllocator::give_back(void *data) { installed()->keep(data); }

} // namespace

TensorCacheScope::TensorCacheScope() {
  installed();
  ++scope_depth;
}

TensorCacheScope::~TensorCacheScope() { --scope_depth; }

TensorCacheStats tensor_cache_stats() { return installed()->stats(); }

} // namespace gan
