// SPDX-License-Identifier: LGPL-2.1-or-later
// TorchScript deserialisation as the core does it (runtime.cpp load_torchscript: the file's
// bytes through an istringstream into torch::jit::load, then eval()): hostile archives must
// throw, never crash. LibTorch itself is not instrumented, so coverage feedback is only this
// file's; the corpus starts from real modules (see make-seeds.sh).
//
// GST_GAN_FUZZ_WRITE_SEEDS=<dir> writes the seed modules there and exits.

#include <torch/script.h>

#include <cstddef>
#include <cstdint>
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
    std::istringstream stream(std::string(reinterpret_cast<const char *>(data), size));
    torch::jit::Module module = torch::jit::load(stream, torch::kCPU);
    module.eval();
    for (const auto &p : module.named_parameters())
      (void)p.value.numel();
  } catch (const std::exception &) {
  }
  return 0;
}
