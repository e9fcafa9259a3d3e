// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <string>

namespace gan {

// Threading is chosen per workload, never left to defaults: LibTorch's intra-op pool (OpenMP)
// gets `intra_op_threads`, and OpenBLAS is held to one thread, because two thread pools on a
// two-core machine oversubscribe it (batch-1 inference ran ~20x slower that way).
// intra_op_threads <= 0 means "one per core".
void configure_threads(int intra_op_threads);
int intra_op_threads();

// Only the BLAS part: for code inside someone else's process (the GStreamer elements), which
// must not change the application's LibTorch thread count but must not let OpenBLAS spin its
// own pool beside it either (measured: 50 000 sched_yield calls for 30 gangen frames).
void hold_blas_to_one_thread();
// OpenBLAS's own thread count (benchmarks measuring the machine's peak); no-op elsewhere.
void set_blas_threads(int threads);

// The BLAS behind libtorch (Debian's libblas.so.3 alternative): OpenBLAS is ~20x faster than
// the reference BLAS here. blas_description() says which one is loaded.
bool blas_is_optimized();
std::string blas_description();

} // namespace gan
