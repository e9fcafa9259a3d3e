// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// TorchScript modules from elsewhere, for the runtime (gan/runtime.h): recognised by their zip
// magic, checked (gan/zip_archive.h) and loaded with LibTorch's errors turned into precise
// Errors, described by their attributes, a JSON sidecar or the caller's text
// (gan/model_description.h), and frozen into their inference form when that agrees with them.
// Core-internal: includes LibTorch.

#include "gan/runtime.h"

#include <torch/script.h>

#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace gan {

// TorchScript files are zip archives; anything else is read as a gst-gan model file. Only
// regular files are opened (a FIFO would block, a device would never end).
bool is_zip_file(const std::string &path);

// The whole message of what LibTorch threw (TorchScript errors carry their cause after a first
// line that says little; c10's lose only their C++ backtrace).
std::string torch_message(const std::exception &e);

struct LoadedScript {
  torch::jit::Module module;
  std::string checksum; // FNV-1a 64 of the file's bytes (hex): names the exact weights
};

// Reads a regular file of at most 4 GiB whole, checks the archive, deserialises it in eval
// mode; throws Error (WrongKind, Truncated, Corrupt) naming the file.
LoadedScript load_torchscript(const std::string &path);

// What the module says of itself: attributes, then the sidecar `path`.json, then
// `override_text`; throws Error(InvalidArgument) when a generator lacks its latent size or a
// fixed-size model its input size.
ModelInfo torchscript_info(const LoadedScript &script, const std::string &path,
                           const std::string &override_text, bool generator);

// Parameters then buffers.
std::vector<torch::Tensor> script_tensors(const torch::jit::Module &m);

// A detector's frozen inference form (channels-last weights, Conv-BatchNorm folded, optionally
// bfloat16), kept only when it runs on `probe` and agrees with the module as loaded; otherwise
// nullopt and `why` says what happened.
std::optional<torch::jit::Module> frozen_inference_form(const torch::jit::Module &loaded,
                                                        const torch::Tensor &probe, bool bfloat16,
                                                        std::string &why);

} // namespace gan
