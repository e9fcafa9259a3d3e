// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gan/runtime.h"

#include "gan/error.h"
#include "gan/model_file.h"
#include "gan/nets.h"

#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

namespace gan {

namespace {

// TorchScript files are zip archives; anything else is read as a gst-gan model file, whose
// reader reports missing, truncated or foreign files precisely.
bool is_zip_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0;
}

// TorchScript files are zip archives; everything c10 or the JIT throws while reading one
// becomes a precise Error rather than escaping as c10::Error.
torch::jit::Module load_torchscript(const std::string &path) {
  try {
    torch::jit::Module m = torch::jit::load(path, torch::kCPU);
    m.eval();
    return m;
  } catch (const std::exception &e) {
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    throw Error(ErrorCode::WrongKind, "'" + path +
                                          "' is neither a gst-gan model file nor a loadable "
                                          "TorchScript module: " +
                                          what);
  }
}

int64_t int_attribute(const torch::jit::Module &m, const std::string &name,
                      const std::string &path) {
  if (!m.hasattr(name))
    throw Error(ErrorCode::InvalidArgument,
                "TorchScript module '" + path + "' lacks the integer attribute '" + name + "'");
  const c10::IValue v = m.attr(name);
  if (!v.isInt())
    throw Error(ErrorCode::InvalidArgument,
                "TorchScript attribute '" + name + "' in '" + path + "' is not an int");
  return v.toInt();
}

std::string str_attribute(const torch::jit::Module &m, const std::string &name) {
  if (m.hasattr(name)) {
    const c10::IValue v = m.attr(name);
    if (v.isString())
      return v.toStringRef();
  }
  return {};
}

ModelInfo torchscript_info(const torch::jit::Module &m, const std::string &path, bool generator) {
  ModelInfo info;
  info.path = path;
  info.format = "torchscript";
  info.kind = "torchscript";
  info.config.arch = "torchscript";
  info.config.latent = generator ? int_attribute(m, "latent_size", path) : 0;
  info.config.channels = int_attribute(m, "channels", path);
  info.config.height = int_attribute(m, "height", path);
  info.config.width = int_attribute(m, "width", path);
  if (info.config.channels < 1 || info.config.channels > 4 || info.config.height < 1 ||
      info.config.width < 1 || info.config.height > 4096 || info.config.width > 4096 ||
      info.config.latent < 0 || info.config.latent > 65536)
    throw Error(ErrorCode::InvalidArgument,
                "TorchScript module '" + path + "' declares an impossible shape");
  info.provenance.dataset = str_attribute(m, "dataset");
  const std::string name = str_attribute(m, "name");
  info.id = "torchscript:" + (name.empty() ? path : name);
  return info;
}

ModelInfo gst_gan_info(const ModelFile &file, const std::string &path) {
  ModelInfo info;
  info.path = path;
  info.format = "gst-gan";
  info.kind = file.kind;
  info.config = file.config;
  info.provenance = file.provenance;
  info.id = file.config.arch + ":" + file.checksum.substr(0, 12);
  return info;
}

// Runs a module's forward and checks the result's shape, so a TorchScript module that
// returns something else is reported, not trusted.
torch::Tensor checked_forward(const std::function<torch::Tensor()> &run,
                              const std::vector<int64_t> &want, const std::string &who) {
  torch::Tensor out;
  try {
    out = run();
  } catch (const std::exception &e) {
    std::string what = e.what();
    throw Error(ErrorCode::Inference, who + " failed: " + what.substr(0, what.find('\n')));
  }
  if (out.scalar_type() != torch::kFloat32 || out.numel() != c10::multiply_integers(want))
    throw Error(ErrorCode::Inference, who + " returned a tensor of shape " + c10::str(out.sizes()) +
                                          ", expected " + c10::str(c10::IntArrayRef(want)));
  return out.contiguous();
}

} // namespace

struct Generator::Impl {
  ModelInfo info;
  ImageModule net;                       // gst-gan files
  c10::optional<torch::jit::Module> jit; // TorchScript

  torch::Tensor forward(const torch::Tensor &z) {
    c10::InferenceMode guard; // thread-local: taken on the calling (streaming) thread
    const auto &c = info.config;
    const std::vector<int64_t> want{z.size(0), c.channels, c.height, c.width};
    return checked_forward([&] { return jit ? jit->forward({z}).toTensor() : net->forward(z); },
                           want, "generator");
  }
};

Generator::Generator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Generator::~Generator() = default;

std::unique_ptr<Generator> Generator::load(const std::string &path) {
  auto impl = std::make_unique<Impl>();
  if (!is_zip_file(path)) {
    ModelFile file = read_model_file(path);
    Gan gan = gan_from_file(file);
    gan.generator->eval();
    gan.generator->prepare_for_inference();
    impl->net = gan.generator;
    impl->info = gst_gan_info(file, path);
  } else {
    impl->jit = load_torchscript(path);
    impl->info = torchscript_info(*impl->jit, path, /*generator=*/true);
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

void Generator::generate(uint64_t seed, uint64_t index, int64_t n, float *out) {
  const torch::Tensor z = latents(seed, index, n, impl_->info.config.latent);
  generate_from_latents(z.data_ptr<float>(), n, out);
}

void Generator::generate_from_latents(const float *z, int64_t n, float *out) {
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
  c10::optional<torch::jit::Module> jit;

  torch::Tensor forward(const torch::Tensor &x) {
    c10::InferenceMode guard;
    const std::vector<int64_t> want{x.size(0)};
    return checked_forward(
        [&] {
          return jit ? jit->forward({x}).toTensor().reshape({-1}) : fake_sign * net->forward(x);
        },
        want, "detector");
  }
};

Detector::Detector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Detector::~Detector() = default;

std::unique_ptr<Detector> Detector::load(const std::string &path) {
  auto impl = std::make_unique<Impl>();
  if (!is_zip_file(path)) {
    ModelFile file = read_model_file(path);
    if (file.kind == "detector") {
      impl->net = detector_from_file(file);
      impl->fake_sign = 1.0f;
    } else {
      impl->net = gan_from_file(file).discriminator;
      impl->fake_sign = -1.0f;
    }
    impl->net->eval();
    impl->net->prepare_for_inference();
    impl->info = gst_gan_info(file, path);
  } else {
    impl->jit = load_torchscript(path);
    impl->info = torchscript_info(*impl->jit, path, /*generator=*/false);
  }
  return std::unique_ptr<Detector>(new Detector(std::move(impl)));
}

const ModelInfo &Detector::info() const { return impl_->info; }

void Detector::score(const float *images, int64_t n, float *logits) {
  if (n <= 0)
    return;
  const auto &c = impl_->info.config;
  const torch::Tensor x =
      torch::from_blob(const_cast<float *>(images), {n, c.channels, c.height, c.width});
  const torch::Tensor out = impl_->forward(x);
  std::memcpy(logits, out.data_ptr<float>(), out.nbytes());
}

} // namespace gan
