// SPDX-License-Identifier: LGPL-2.1-or-later
// TorchScript deserialisation as the core does it (runtime.cpp load_torchscript): the file's
// bytes checked as a zip archive (gan/zip_archive.cpp, instrumented: the coverage feedback),
// then through an istringstream into torch::jit::load, then eval(). Damaged archives must be
// refused by the check, never reach LibTorch's reader (which trusts sizes and skips CRC-32s:
// a single flipped bit made it allocate 26 GB here). The corpus starts from real modules.
//
// GST_GAN_FUZZ_WRITE_SEEDS=<dir> writes the seed modules there and exits.

#include "gan/zip_archive.h"

#include <torch/script.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace {

void write_seeds(const std::string &dir) {
  torch::jit::Module g("Generator");
  g.register_parameter("weight", torch::ones({2, 1, 2, 2}), false);
  g.register_attribute("latent_size", c10::IntType::get(), int64_t{2});
  g.define("def forward(self, z):\n"
           "    return torch.tanh(torch.conv_transpose2d(z, self.weight))\n");
  g.save(dir + "/generator.pt");
  torch::jit::Module d("Detector");
  d.register_parameter("weight", torch::ones({2, 3}), false);
  d.define("def forward(self, x):\n"
           "    return torch.softmax(x.flatten(1)[:, :3] @ self.weight.t(), 1)\n");
  d.save(dir + "/detector.pt");
}

// How many inputs passed the archive check and so reached torch::jit::load, printed when the
// fuzzer exits: the part of the run that exercised LibTorch's reader at all.
struct ReachedLibTorch {
  uint64_t count = 0;
  ~ReachedLibTorch() {
    std::fprintf(stderr, "fuzz_torchscript: %llu inputs passed the archive check\n",
                 static_cast<unsigned long long>(count));
  }
} reached;

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  if (const char *dir = std::getenv("GST_GAN_FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try {
    std::string bytes(reinterpret_cast<const char *>(data), size);
    gan::verify_zip_archive(bytes, "fuzz input");
    ++reached.count;
    std::istringstream stream(std::move(bytes));
    torch::jit::Module module = torch::jit::load(stream, torch::kCPU);
    module.eval();
    for (const auto &p : module.named_parameters())
      (void)p.value.numel();
  } catch (const std::exception &) {
  }
  return 0;
}
