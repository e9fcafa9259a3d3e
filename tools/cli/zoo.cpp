// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/zoo.h"

namespace gan_cli {

void add_zoo_options(CLI::App &cmd, gan::ModelConfig &zoo) {
  cmd.add_option("--kernel", zoo.kernel, "zoo: the transposed convolution's kernel")
      ->check(CLI::Range(2, 5))
      ->capture_default_str();
  cmd.add_option("--norm", zoo.norm, "zoo: the generator's normalisation")
      ->check(CLI::IsMember({"batch", "instance", "group", "none"}))
      ->capture_default_str();
  cmd.add_option("--activation", zoo.activation, "zoo: the generator's activation")
      ->check(CLI::IsMember({"relu", "leaky", "elu", "silu"}))
      ->capture_default_str();
  cmd.add_option("--output", zoo.output,
                 "zoo: the output layer (sigmoid: 2 sigmoid - 1, to [-1, 1])")
      ->check(CLI::IsMember({"tanh", "hardtanh", "sigmoid"}))
      ->capture_default_str();
  cmd.add_option("--depth", zoo.depth,
                 "zoo: extra 3x3 convolutions after each 2x stage but the last")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
}

} // namespace gan_cli
