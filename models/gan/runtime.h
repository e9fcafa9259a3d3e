// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Torch-free facades over the networks, for the elements and the CLI: a generator that turns
// (seed, index) into images and a detector that turns images into logits. Both load gst-gan
// model files and TorchScript modules (torch.jit.save) brought from Python.

#include "gan/config.h"
#include "gan/model_description.h"

#include <cstdint>
#include <memory>
#include <string>

namespace gan {

struct ModelInfo {
  std::string path;
  std::string format; // "gst-gan" or "torchscript"
  std::string kind;   // the file's kind ("gan", "checkpoint") or "torchscript"
  std::string id;     // arch (or the module's name) + checksum prefix: names the exact weights
  ModelConfig config; // for TorchScript, from the description (arch = "torchscript")
  Provenance provenance;
  // How frames become the model's tensors (TorchScript; gst-gan files use the defaults).
  ModelDescription description;
  // How the model runs (TorchScript detectors): "frozen, channels-last" (", bfloat16") when
  // its inference form agreed with the module as loaded, else "as loaded" and why; and why
  // not bfloat16 when that was asked for and failed.
  std::string runtime_form;
};

// How a video's latents move from frame to frame.
enum class Motion {
  Static, // every frame shows the same samples
  Random, // a new latent for every frame
  Walk,   // spherical interpolation between key latents, one key every walk_frames frames
};

struct StreamSettings {
  uint64_t seed = 0;
  Motion motion = Motion::Walk;
  int64_t walk_frames = 60;
  int64_t tiles = 1; // samples per frame (a rows x columns mosaic; vector models)
  // Field models (gan/field_video.h): the picture pans drift_speed pixels per frame towards
  // drift_angle degrees (0: right, 90: up); scenes (the field's global latents) are blended
  // from anchors scene_size pixels apart (0: one scene for the whole video).
  double drift_speed = 0;
  double drift_angle = 0;
  int64_t scene_size = 320;
};

// Images are float [n, channels, height, width] in [-1, 1], contiguous.
class Generator {
public:
  // Throws Error (NotFound, WrongKind, Truncated, Corrupt, ConfigMismatch, ...). `description`
  // (JSON text or a JSON file's path; TorchScript only) overrides the module's attributes and
  // its sidecar (see model_description.h). A TorchScript module is run once on a probe latent
  // before it is accepted; with latent_shape "auto" the probe also finds [N, Z] or [N, Z, 1, 1].
  static std::unique_ptr<Generator> load(const std::string &path,
                                         const std::string &description = {});
  ~Generator();

  const ModelInfo &info() const;
  int64_t image_floats() const; // channels * height * width

  // A field model paints frames of any size (paint_frames); the others paint samples of
  // config.height x config.width, which a renderer lays out on a frame.
  bool paints_any_size() const;
  // Frames first .. first+frames-1 of a field model's video, height x width each: out holds
  // frames * channels * height * width floats. Frame n depends only on (model, settings, size,
  // n), never on `frames`. Throws Error (InvalidArgument for a model that paints samples).
  void paint_frames(const StreamSettings &settings, uint64_t first, int64_t frames, int64_t height,
                    int64_t width, float *out);

  // Samples index .. index+n-1 of stream `seed`; out holds n * image_floats() floats.
  // Sample i depends only on (model, seed, index + i), never on n.
  void generate(uint64_t seed, uint64_t index, int64_t n, float *out);
  // From caller-provided latents z[n, latent] (vector models).
  void generate_from_latents(const float *z, int64_t n, float *out);
  // The latent of sample `index` of stream `seed` (latent floats).
  void latent(uint64_t seed, uint64_t index, float *out) const;
  // Latents of video frames first .. first+frames-1: frames * tiles rows of `latent` floats.
  // A pure function of (settings, frame index): frames can be made in any order or batch.
  void frame_latents(const StreamSettings &settings, uint64_t first, int64_t frames,
                     float *z) const;

  struct Impl;

private:
  explicit Generator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Detector {
public:
  // A gst-gan GAN file (its discriminator) or a TorchScript detector, which is run once on a
  // probe input before it is accepted. `description` as for Generator::load. Throws Error.
  // bfloat16: a TorchScript detector computes in bfloat16 (its inference form's weights and
  // input; logits come back as float32): ~1.8x faster for convolutional nets on CPUs with
  // AVX512-BF16, at 8 significant bits. Built-in detectors (28x28) always run float32.
  static std::unique_ptr<Detector> load(const std::string &path,
                                        const std::string &description = {}, bool bfloat16 = false);
  ~Detector();

  const ModelInfo &info() const;
  // images: n * channels * height * width floats in [-1, 1], RGB (or grey), at the model's size
  // (config.height x config.width; for an any_size model, the size given); logits: n floats,
  // > 0 means fake. The description's normalisation, channel order and output are applied here.
  void score(const float *images, int64_t n, float *logits);
  void score(const float *images, int64_t n, int64_t height, int64_t width, float *logits);

  struct Impl;

private:
  explicit Detector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace gan
