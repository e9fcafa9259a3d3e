// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// How a model brought from elsewhere (TorchScript) wants its tensors: the convention of
// GStreamer's onnxinference modelinfo and DL Streamer's model-proc, so frames become exactly the
// input the model was trained on instead of a guess.
//
// Sources, each overriding the one before, field by field:
//   1. the defaults below (gst-gan's own convention: RGB in [-1, 1], a logit, a latent vector);
//   2. module attributes of the same names (int `channels`, `height`, `width`, `latent_size`;
//      str `range`, `channel_order`, `aspect`, `latent_shape`, `output`; List[float] `mean`,
//      `std`; int `fake_class`; bool `any_size`, `native_scale`);
//   3. a JSON sidecar beside the model: `<model>.json` (e.g. `resnet.pt.json`), else the model's
//      name with its extension replaced (`resnet.json`);
//   4. the element's `model-description` property (JSON text, or the path of a JSON file).
//
// JSON keys (all optional):
//   "channels": 1 | 3, "height": H, "width": W (or "size": [H, W]), "any_size": bool
//       (the model takes frames at their own size), "latent_size": Z (generators)
//   "native_scale": bool   a detector of native-resolution patches: it learnt pixels as cameras
//       and generators leave them, so frames are cut into tiles of its size, never rescaled
//       (gandetect's preprocess=auto then means tiles)
//   "range": "-1..1" | "0..1" | "0..255"   value range of pixels before mean/std
//   "mean": [m] or [mR, mG, mB], "std": [s] or [sR, sG, sB]
//       input = (pixel in range - mean) / std, per channel, as torchvision's Normalize
//   "channel_order": "rgb" | "bgr"         order of the three colour channels
//   "aspect": "stretch" | "crop" | "pad"   a frame of another aspect: resized whole, centre
//       crop, or letterboxed (padded with black)
//   "latent_shape": "auto" | "vector" | "nchw" | "field"   generator input [N, Z] or
//       [N, Z, 1, 1] (auto: whichever the module accepts, vector first), or a latent field
//       [N, Z, h, w] painting [N, C, 8 (h - 4), 8 (w - 4)] (gst-gan's field contract: 8 pixels
//       per cell, 2 cells each side consumed, the last Z / 2 channels one value per scene; such
//       a generator paints frames of any size, height and width being its training patch)
//   "output": "logit" | "probability" | "softmax"   detector output: a fake logit [N] or
//       [N, 1], a fake probability, or two-class logits [N, 2] (class `fake_class` is fake)
//   "fake_class": 0 | 1
// Generators read range, mean, std and channel_order as the description of their output.

#include <array>
#include <cstdint>
#include <string>

namespace gan {

enum class ValueRange { MinusOneToOne, ZeroToOne, ZeroTo255 };
enum class ChannelOrder { Rgb, Bgr };
enum class Aspect { Stretch, Crop, Pad };
enum class LatentShape { Auto, Vector, Nchw, Field };
enum class OutputKind { Logit, Probability, Softmax };

struct ModelDescription {
  // Shape (0: not said; channels then default to 3, the other sizes must be said).
  int64_t channels = 0, height = 0, width = 0, latent_size = 0;
  bool any_size = false;
  bool native_scale = false;
  // Pixels.
  ValueRange range = ValueRange::MinusOneToOne;
  std::array<double, 3> mean{0, 0, 0};
  std::array<double, 3> std{1, 1, 1};
  ChannelOrder channel_order = ChannelOrder::Rgb;
  Aspect aspect = Aspect::Stretch;
  // Generators.
  LatentShape latent_shape = LatentShape::Auto;
  // Detectors.
  OutputKind output = OutputKind::Logit;
  int64_t fake_class = 1;

  // The affine map from gst-gan's [-1, 1] pixels to the model's input: input = scale[c] * x +
  // shift[c] for channel c (in the model's channel order). Generators use its inverse.
  void input_affine(int64_t channels, float *scale, float *shift) const;
  // True when the model takes gst-gan's convention unchanged (no per-pixel work needed).
  bool is_identity() const;
};

// Applies the keys of a JSON object to `d`. `source` names the text in errors (a file path or
// "model-description"). Throws Error(InvalidArgument) on bad JSON, unknown keys or values.
void apply_description_json(const std::string &json, const std::string &source,
                            ModelDescription &d);

// `text` is JSON (starts with '{') or the path of a JSON file; applies it to `d`.
void apply_description(const std::string &text, ModelDescription &d);

// The sidecar beside `model_path` (see above), or "" when there is none.
std::string description_sidecar(const std::string &model_path);

// The description as JSON (what `gst-gan info` prints).
std::string description_json(const ModelDescription &d);

} // namespace gan
