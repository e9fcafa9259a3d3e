// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/runtime.h"

#include "gan/error.h"
#include "gan/field_nets.h"
#include "gan/field_video.h"
#include "gan/hash.h"
#include "gan/latents.h"
#include "gan/model_file.h"
#include "gan/nets.h"
#include "gan/tensor_cache.h"
#include "gan/torchscript.h"
#include "gan/weights.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace gan {

namespace {

ModelInfo gst_gan_info(const ModelFile &file, const std::string &path) {
  ModelInfo info;
  info.path = path;
  info.format = "gst-gan";
  info.kind = file.kind;
  info.config = file.config;
  info.provenance = file.provenance;
  info.id = file.config.arch + ":" + file.checksum.substr(0, 12);
  info.description.channels = file.config.channels;
  info.description.height = file.config.height;
  info.description.width = file.config.width;
  info.description.latent_size = file.config.latent;
  info.description.latent_shape = LatentShape::Vector;
  const auto scale = file.attributes.find(kDetectorScaleAttribute);
  info.description.native_scale = scale != file.attributes.end() && scale->second == "native";
  return info;
}

// Runs a module's forward; what it throws becomes Error(Inference) with the whole message.
torch::Tensor run_forward(const std::function<torch::Tensor()> &run, const std::string &who) {
  try {
    return run();
  } catch (const std::exception &e) {
    throw Error(ErrorCode::Inference, who + " failed: " + torch_message(e));
  }
}

// A result is trusted only after its type and shape are checked.
void check_output(const torch::Tensor &out, const std::vector<int64_t> &want,
                  const std::string &who) {
  if (out.scalar_type() != torch::kFloat32)
    throw Error(ErrorCode::Inference, who + " returned a tensor of type " +
                                          std::string(c10::toString(out.scalar_type())) +
                                          ", expected Float (float32)");
  if (out.numel() != c10::multiply_integers(want))
    throw Error(ErrorCode::Inference, who + " returned a tensor of shape " + c10::str(out.sizes()) +
                                          ", expected " + c10::str(c10::IntArrayRef(want)));
}

// A module that took its input and ran, but whose result is unusable: its own fault, whatever
// the input's shape (a probe reports it as the cause, not as a shape it does not take).
struct NonFiniteOutput : Error {
  explicit NonFiniteOutput(const std::string &who)
      : Error(ErrorCode::Inference, who + " returned non-finite values (NaN or infinity)") {}
};

// NaN or infinity in a result is an error, reported, never a silent score or a black frame.
void check_finite(const torch::Tensor &out, const std::string &who) {
  if (!torch::isfinite(out).all().item<bool>())
    throw NonFiniteOutput(who);
}

// Weights with NaN or infinity make nothing but NaN: refused when the model loads.
void check_finite_weights(const std::vector<torch::Tensor> &tensors, const std::string &path) {
  for (const torch::Tensor &t : tensors)
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
      throw Error(ErrorCode::Corrupt,
                  "'" + path + "' holds weights that are not finite (NaN or infinity)");
}

std::vector<torch::Tensor> module_tensors(const torch::nn::Module &m) {
  std::vector<torch::Tensor> out = m.parameters();
  for (const torch::Tensor &b : m.buffers())
    out.push_back(b);
  return out;
}

// The description's per-channel affine as [1, C, 1, 1] tensors.
std::pair<torch::Tensor, torch::Tensor> affine_tensors(const ModelDescription &d,
                                                       int64_t channels) {
  std::vector<float> scale(static_cast<size_t>(channels)), shift(scale.size());
  d.input_affine(channels, scale.data(), shift.data());
  return {torch::tensor(scale).reshape({1, channels, 1, 1}),
          torch::tensor(shift).reshape({1, channels, 1, 1})};
}

bool flips_channels(const ModelDescription &d, int64_t channels) {
  return channels == 3 && d.channel_order == ChannelOrder::Bgr;
}

// A fixed, busy input in [-1, 1] (no random generator: the same on every machine).
torch::Tensor probe_input(int64_t n, int64_t channels, int64_t height, int64_t width) {
  return torch::sin(torch::arange(n * channels * height * width, torch::kFloat) * 0.37f)
      .reshape({n, channels, height, width});
}

} // namespace

struct Generator::Impl {
  ModelInfo info;
  ImageModule net;                       // gst-gan files
  std::optional<torch::jit::Module> jit; // TorchScript
  torch::Tensor scale, shift;            // TorchScript: the output's description, inverted
  FieldWorld world;                      // field models: the latent world's recent windows
  PannedWorld pan;                       // field models: a pan's painted tiles

  std::string who() const { return "generator '" + info.path + "'"; }

  torch::Tensor forward(const torch::Tensor &z) {
    c10::InferenceMode guard; // thread-local: taken on the calling (streaming) thread
    TensorCacheScope cache;   // steady state: no memory from the system per frame
    const auto &c = info.config;
    const std::vector<int64_t> want{z.size(0), c.channels, c.height, c.width};
    if (!jit) {
      torch::Tensor out = run_forward([&] { return net->forward(z); }, who());
      check_output(out, want, who());
      check_finite(out, who());
      return out.contiguous();
    }
    const bool nchw = info.description.latent_shape == LatentShape::Nchw;
    const torch::Tensor input = nchw ? z.reshape({z.size(0), z.size(1), 1, 1}) : z;
    const c10::IValue result = run_forward(
        [&] {
          c10::IValue r = jit->forward({input});
          if (!r.isTensor())
            throw std::runtime_error("forward returned a " + r.tagKind() + ", not a Tensor");
          return r.toTensor();
        },
        who());
    torch::Tensor out = result.toTensor();
    check_output(out, want, who());
    check_finite(out, who());
    out = out.reshape(want);
    if (!info.description.is_identity()) {
      out = (out - shift) / scale;
      if (flips_channels(info.description, c.channels))
        out = out.flip(1);
    }
    return out.contiguous();
  }

  bool paints_fields() const {
    return is_arch(info.config, Arch::Field) ||
           (jit && info.description.latent_shape == LatentShape::Field);
  }

  // A field model's images from fields [N, latent, fh, fw]: [N, C, 8 (fh - 4), 8 (fw - 4)].
  torch::Tensor paint(const torch::Tensor &fields) {
    c10::InferenceMode guard;
    TensorCacheScope cache; // steady state: no memory from the system per frame
    const auto &c = info.config;
    const std::vector<int64_t> want{fields.size(0), c.channels,
                                    kFieldScale * (fields.size(2) - 2 * kFieldMargin),
                                    kFieldScale * (fields.size(3) - 2 * kFieldMargin)};
    torch::Tensor out = run_forward(
        [&] {
          if (!jit)
            return net->forward(fields);
          // A module may write to its input: give it a copy (fields can be cached windows).
          c10::IValue r = jit->forward({fields.clone()});
          if (!r.isTensor())
            throw std::runtime_error("forward returned a " + r.tagKind() + ", not a Tensor");
          return r.toTensor();
        },
        who());
    if (jit && out.sizes() != c10::IntArrayRef(want))
      throw Error(ErrorCode::Inference, who() + " returned " + c10::str(out.sizes()) +
                                            " for a latent field of " + c10::str(fields.sizes()) +
                                            "; a field generator paints " +
                                            c10::str(c10::IntArrayRef(want)) +
                                            " (8 pixels per cell, 2 cells consumed each side)");
    check_output(out, want, who());
    check_finite(out, who());
    out = out.reshape(want);
    if (jit && !info.description.is_identity()) {
      out = (out - shift) / scale;
      if (flips_channels(info.description, c.channels))
        out = out.flip(1);
    }
    return out.contiguous();
  }

  // A TorchScript generator runs once before it is accepted; "auto" latents learn their shape.
  void probe() {
    ModelDescription &d = info.description;
    if (d.latent_shape == LatentShape::Field) { // a field of 9 x 9 cells paints 40 x 40
      paint(torch::zeros({1, info.config.latent, 9, 9}));
      return;
    }
    const torch::Tensor z = torch::zeros({1, info.config.latent});
    if (d.latent_shape != LatentShape::Auto) {
      forward(z);
      return;
    }
    // A generator that ran on a shape and returned NaN took that shape: its result is the
    // cause, said first, not "takes neither".
    d.latent_shape = LatentShape::Vector;
    try {
      forward(z);
    } catch (const NonFiniteOutput &) {
      throw;
    } catch (const Error &vector_error) {
      d.latent_shape = LatentShape::Nchw;
      try {
        forward(z);
      } catch (const NonFiniteOutput &) {
        throw;
      } catch (const Error &nchw_error) {
        const std::string z_size = std::to_string(info.config.latent);
        throw Error(ErrorCode::Inference,
                    "TorchScript generator '" + info.path + "' failed on latents [1, " + z_size +
                        "]: " + vector_error.what() + "; and on [1, " + z_size +
                        ", 1, 1]: " + nchw_error.what() + " (it takes neither shape, or fails " +
                        "for the reason given)");
      }
    }
  }
};

Generator::Generator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Generator::~Generator() = default;

// gst-gan files describe themselves; a description is for TorchScript modules.
void refuse_description(const std::string &path, const std::string &description) {
  if (!description.empty())
    throw Error(ErrorCode::InvalidArgument,
                "a model description applies to TorchScript modules; '" + path +
                    "' is a gst-gan model file, which describes itself");
}

std::unique_ptr<Generator> Generator::load(const std::string &path,
                                           const std::string &description) {
  auto impl = std::make_unique<Impl>();
  if (!is_zip_file(path)) {
    refuse_description(path, description);
    ModelFile file = read_model_file(path);
    Gan gan = gan_from_file(file);
    check_finite_weights(module_tensors(*gan.generator), path);
    gan.generator->eval();
    gan.generator->prepare_for_inference();
    impl->net = gan.generator;
    impl->info = gst_gan_info(file, path);
  } else {
    LoadedScript script = load_torchscript(path);
    check_finite_weights(script_tensors(script.module), path);
    impl->info = torchscript_info(script, path, description, /*generator=*/true);
    impl->jit = std::move(script.module);
    std::tie(impl->scale, impl->shift) =
        affine_tensors(impl->info.description, impl->info.config.channels);
    impl->probe();
  }
  return std::unique_ptr<Generator>(new Generator(std::move(impl)));
}

const ModelInfo &Generator::info() const { return impl_->info; }

int64_t Generator::image_floats() const {
  const auto &c = impl_->info.config;
  return c.channels * c.height * c.width;
}

void Generator::latent(uint64_t seed, uint64_t index, float *out) const {
  const torch::Tensor z = latents(seed, index, 1, impl_->info.config.latent);
  std::memcpy(out, z.data_ptr<float>(), z.nbytes());
}

namespace {

// Spherical interpolation (Shoemake), which keeps interpolated latents at the norm a Gaussian
// latent has, so the generator sees in-distribution inputs all along a walk.
torch::Tensor slerp(const torch::Tensor &a, const torch::Tensor &b, double t) {
  const double cos_omega =
      std::clamp((a * b).sum().item<double>() / (a.norm().item<double>() * b.norm().item<double>()),
                 -1.0, 1.0);
  const double omega = std::acos(cos_omega);
  if (std::sin(omega) < 1e-6)
    return a * (1 - t) + b * t;
  return a * (std::sin((1 - t) * omega) / std::sin(omega)) +
         b * (std::sin(t * omega) / std::sin(omega));
}

} // namespace

void Generator::frame_latents(const StreamSettings &s, uint64_t first, int64_t frames,
                              float *z) const {
  const int64_t latent = impl_->info.config.latent;
  const uint64_t tiles = static_cast<uint64_t>(std::max<int64_t>(1, s.tiles));
  const uint64_t walk = static_cast<uint64_t>(std::max<int64_t>(1, s.walk_frames));
  for (int64_t f = 0; f < frames; ++f) {
    const uint64_t frame = first + static_cast<uint64_t>(f);
    float *out = z + f * static_cast<int64_t>(tiles) * latent;
    if (s.motion == Motion::Walk) {
      const uint64_t key = frame / walk;
      const double t = static_cast<double>(frame % walk) / static_cast<double>(walk);
      const torch::Tensor a = latents(s.seed, key * tiles, static_cast<int64_t>(tiles), latent);
      const torch::Tensor b =
          latents(s.seed, (key + 1) * tiles, static_cast<int64_t>(tiles), latent);
      for (uint64_t i = 0; i < tiles; ++i) {
        const torch::Tensor zi =
            t == 0 ? a[static_cast<int64_t>(i)].contiguous()
                   : slerp(a[static_cast<int64_t>(i)], b[static_cast<int64_t>(i)], t).contiguous();
        std::memcpy(out + static_cast<int64_t>(i) * latent, zi.data_ptr<float>(), zi.nbytes());
      }
    } else {
      const uint64_t index = s.motion == Motion::Static ? 0 : frame * tiles;
      const torch::Tensor zs = latents(s.seed, index, static_cast<int64_t>(tiles), latent);
      std::memcpy(out, zs.data_ptr<float>(), zs.nbytes());
    }
  }
}

bool Generator::paints_any_size() const { return impl_->paints_fields(); }

void Generator::paint_frames(const StreamSettings &settings, uint64_t first, int64_t frames,
                             int64_t height, int64_t width, float *out) {
  if (!paints_any_size())
    throw Error(ErrorCode::InvalidArgument,
                impl_->who() + " paints samples of " + std::to_string(impl_->info.config.height) +
                    "x" + std::to_string(impl_->info.config.width) + ", not frames of any size");
  if (frames <= 0)
    return;
  // One forward per frame: oneDNN rounds a batch of convolutions differently from one, and a
  // frame must not depend on its batch. A frame is large enough to keep both cores busy alone.
  const int64_t latent = impl_->info.config.latent, channels = impl_->info.config.channels;
  if (PannedWorld::pans(settings)) { // a window over one painted world: paint what it uncovers
    const PannedWorld::Painter paint = [&](const torch::Tensor &field) {
      return impl_->paint(field);
    };
    for (int64_t f = 0; f < frames; ++f)
      impl_->pan.frame(settings, latent, channels, first + static_cast<uint64_t>(f), height, width,
                       paint, out + f * channels * height * width);
    return;
  }
  impl_->pan.clear(); // no longer a pan: its tiles are given back
  for (int64_t f = 0; f < frames; ++f) {
    const FrameField ff =
        impl_->world.frame(settings, latent, first + static_cast<uint64_t>(f), height, width);
    const torch::Tensor image = impl_->paint(ff.field.unsqueeze(0))[0];
    const torch::Tensor crop =
        image.slice(1, ff.y, ff.y + height).slice(2, ff.x, ff.x + width).contiguous();
    std::memcpy(out + f * channels * height * width, crop.data_ptr<float>(), crop.nbytes());
  }
}

void Generator::generate(uint64_t seed, uint64_t index, int64_t n, float *out) {
  if (n <= 0)
    return;
  if (paints_any_size()) { // samples of the training patch size, one forward each (as frames)
    const ModelConfig &c = impl_->info.config;
    for (int64_t i = 0; i < n; ++i) {
      const torch::Tensor image =
          impl_->paint(field_latents(seed, index + static_cast<uint64_t>(i), 1, c.latent,
                                     field_cells(c.height), field_cells(c.width)));
      const torch::Tensor crop = image.slice(2, 0, c.height).slice(3, 0, c.width).contiguous();
      std::memcpy(out + i * image_floats(), crop.data_ptr<float>(), crop.nbytes());
    }
    return;
  }
  const torch::Tensor z = latents(seed, index, n, impl_->info.config.latent);
  generate_from_latents(z.data_ptr<float>(), n, out);
}

void Generator::generate_from_latents(const float *z, int64_t n, float *out) {
  if (paints_any_size())
    throw Error(ErrorCode::InvalidArgument,
                impl_->who() + " paints from latent fields, not latent vectors");
  if (n <= 0)
    return;
  const torch::Tensor zt = torch::from_blob(const_cast<float *>(z), {n, impl_->info.config.latent});
  const torch::Tensor images = impl_->forward(zt);
  std::memcpy(out, images.data_ptr<float>(), images.nbytes());
}

struct Detector::Impl {
  ModelInfo info;
  ImageModule net;
  float fake_sign = 1.0f; // a GAN discriminator's logit says "real": the fake logit is -logit
  std::optional<torch::jit::Module> jit;
  bool channels_last = false; // jit is the inference form, which takes channels-last input
  bool bfloat16 = false;      // ... in bfloat16
  torch::Tensor scale, shift; // TorchScript: the input's description

  std::string who() const { return "detector '" + info.path + "'"; }

  // x: [n, C, H, W] in [-1, 1], RGB; returns n fake logits.
  torch::Tensor forward(torch::Tensor x) {
    c10::InferenceMode guard;
    TensorCacheScope cache; // steady state: no memory from the system per frame
    const int64_t n = x.size(0);
    if (!jit) {
      torch::Tensor out = run_forward([&] { return fake_sign * net->forward(x); }, who());
      check_output(out, {n}, who());
      check_finite(out, who());
      return out.reshape({n}).contiguous();
    }
    const ModelDescription &d = info.description;
    if (flips_channels(d, info.config.channels))
      x = x.flip(1);
    if (!d.is_identity())
      x = x * scale + shift;
    if (channels_last)
      x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    if (bfloat16)
      x = x.to(torch::kBFloat16);
    torch::Tensor out = run_forward(
        [&] {
          c10::IValue r = jit->forward({x});
          if (!r.isTensor())
            throw std::runtime_error("forward returned a " + r.tagKind() + ", not a Tensor");
          return r.toTensor();
        },
        who());
    // bfloat16's logits come back as float32; any other dtype is the module's (and refused
    // below when it is not float32).
    const torch::Tensor logits = fake_logits(
        bfloat16 && out.scalar_type() == torch::kBFloat16 ? out.to(torch::kFloat) : out, n);
    check_finite(logits, who());
    return logits;
  }

  // The module's output as fake logits, as its description says it speaks.
  torch::Tensor fake_logits(const torch::Tensor &out, int64_t n) const {
    const ModelDescription &d = info.description;
    const bool pairs = out.dim() == 2 && out.size(0) == n && out.size(1) == 2;
    torch::Tensor v;
    if (d.output == OutputKind::Softmax || (d.output == OutputKind::Probability && pairs)) {
      check_output(out, {n, 2}, who());
      if (!pairs)
        throw Error(ErrorCode::Inference, who() + " returned a tensor of shape " +
                                              c10::str(out.sizes()) + ", expected [" +
                                              std::to_string(n) + ", 2] (two classes)");
      if (d.output == OutputKind::Softmax)
        return (out.select(1, d.fake_class) - out.select(1, 1 - d.fake_class)).contiguous();
      v = out.select(1, d.fake_class);
    } else {
      check_output(out, {n}, who());
      v = out.reshape({n});
    }
    if (d.output == OutputKind::Probability) {
      const torch::Tensor p = v.clamp(1e-7, 1 - 1e-7);
      v = torch::log(p) - torch::log1p(-p);
    }
    return v.contiguous();
  }

  // A TorchScript detector runs once, on a grey probe of its input size, before it is accepted.
  void probe() {
    const auto &c = info.config;
    const int64_t h = c.height > 0 ? c.height : 64, w = c.width > 0 ? c.width : 64;
    forward(torch::zeros({1, c.channels, h, w}));
  }
};

Detector::Detector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Detector::~Detector() = default;

std::unique_ptr<Detector> Detector::load(const std::string &path, const std::string &description,
                                         bool bfloat16) {
  auto impl = std::make_unique<Impl>();
  if (!is_zip_file(path)) {
    refuse_description(path, description);
    ModelFile file = read_model_file(path);
    if (file.kind == "detector") {
      impl->net = detector_from_file(file);
      impl->fake_sign = 1.0f;
    } else {
      if (file.kind == "generator")
        throw Error(ErrorCode::WrongKind, "'" + path +
                                              "' holds a generator alone: no discriminator to "
                                              "score frames with (use a detector or a GAN file)");
      impl->net = gan_from_file(file).discriminator;
      impl->fake_sign = -1.0f;
    }
    check_finite_weights(module_tensors(*impl->net), path);
    impl->net->eval();
    impl->net->prepare_for_inference();
    impl->info = gst_gan_info(file, path);
  } else {
    LoadedScript script = load_torchscript(path);
    check_finite_weights(script_tensors(script.module), path);
    impl->info = torchscript_info(script, path, description, /*generator=*/false);
    std::tie(impl->scale, impl->shift) =
        affine_tensors(impl->info.description, impl->info.config.channels);
    const auto &c = impl->info.config;
    const torch::Tensor probe =
        probe_input(2, c.channels, c.height > 0 ? c.height : 64, c.width > 0 ? c.width : 64);
    // bfloat16 when asked and the module runs in it (not every operator has a bfloat16
    // kernel), else float32's inference form, else the module as loaded.
    std::string why, why_not_bfloat16;
    if (bfloat16) {
      impl->jit = frozen_inference_form(script.module, probe, true, why_not_bfloat16);
      impl->bfloat16 = impl->jit.has_value();
    }
    if (!impl->jit)
      impl->jit = frozen_inference_form(script.module, probe, false, why);
    impl->channels_last = impl->jit.has_value();
    if (impl->bfloat16)
      impl->info.runtime_form = "frozen, channels-last, bfloat16";
    else if (impl->channels_last)
      impl->info.runtime_form = "frozen, channels-last";
    else
      impl->info.runtime_form = "as loaded (" + why + ")";
    if (bfloat16 && !impl->bfloat16)
      impl->info.runtime_form += "; not bfloat16: " + why_not_bfloat16;
    if (!impl->jit)
      impl->jit = std::move(script.module);
    impl->probe();
  }
  return std::unique_ptr<Detector>(new Detector(std::move(impl)));
}

const ModelInfo &Detector::info() const { return impl_->info; }

void Detector::score(const float *images, int64_t n, float *logits) {
  score(images, n, impl_->info.config.height, impl_->info.config.width, logits);
}

void Detector::score(const float *images, int64_t n, int64_t height, int64_t width, float *logits) {
  if (n <= 0)
    return;
  const auto &c = impl_->info.config;
  if (!impl_->info.description.any_size && (height != c.height || width != c.width))
    throw Error(ErrorCode::InvalidArgument, "detector input must be " + std::to_string(c.height) +
                                                "x" + std::to_string(c.width) + ", not " +
                                                std::to_string(height) + "x" +
                                                std::to_string(width));
  const torch::Tensor x =
      torch::from_blob(const_cast<float *>(images), {n, c.channels, height, width});
  const torch::Tensor out = impl_->forward(x);
  std::memcpy(logits, out.data_ptr<float>(), out.nbytes());
}

} // namespace gan
