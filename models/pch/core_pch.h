// SPDX-License-Identifier: LGPL-2.1-or-later
// The core's precompiled header (meson's cpp_pch, force-included into every core source): most
// of a core file's ~30 s of compile time is parsing LibTorch's headers, done here once.
#include <torch/torch.h>
