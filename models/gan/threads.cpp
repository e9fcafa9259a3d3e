// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <dlfcn.h>
#include <thread>

namespace gan {

namespace {

// libtorch reaches BLAS through libblas.so.3; look at the copy already loaded.
void *blas_symbol(const char *name) {
  void *handle = dlopen("libblas.so.3", RTLD_LAZY | RTLD_NOLOAD);
  if (!handle)
    handle = dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD);
  void *sym = handle ? dlsym(handle, name) : nullptr;
  if (handle)
    dlclose(handle);
  return sym;
}

} // namespace

void configure_threads(int intra_op_threads) {
  if (intra_op_threads <= 0)
    intra_op_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(intra_op_threads);
  hold_blas_to_one_thread();
}

void hold_blas_to_one_thread() { set_blas_threads(1); }

void set_blas_threads(int threads) {
  if (auto set_blas = reinterpret_cast<void (*)(int)>(blas_symbol("openblas_set_num_threads")))
    set_blas(std::max(1, threads));
}

int intra_op_threads() { return at::get_num_threads(); }

bool blas_is_optimized() { return blas_symbol("openblas_get_config") != nullptr; }

std::string blas_description() {
  if (auto config = reinterpret_cast<const char *(*)()>(blas_symbol("openblas_get_config")))
    return std::string("OpenBLAS (") + config() + ")";
  return "reference BLAS (slow: apt-get install libopenblas0-pthread)";
}

} // namespace gan
