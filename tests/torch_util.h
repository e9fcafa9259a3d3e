// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// TorchScript modules made in the tests, as PyTorch users export them.

#include <torch/script.h>

#include <string>

namespace gan_test {

// A classifier as torchvision exports it: no gst-gan attributes at all, two-class logits
// [N, 2] (class 1 = fake) from the normalised input: logit_fake - logit_real =
// 2 * mean(G) + mean(B) - mean(R).
inline void save_two_class_classifier(const std::string &path) {
  torch::jit::Module m("Classifier");
  m.define(R"(
def forward(self, x):
    r = x[:, 0].mean([1, 2])
    g = x[:, 1].mean([1, 2])
    b = x[:, 2].mean([1, 2])
    return torch.stack([r, 2.0 * g + b], 1)
)");
  m.save(path);
}

} // namespace gan_test
