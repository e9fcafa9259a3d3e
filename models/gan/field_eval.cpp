// SPDX-License-Identifier: LGPL-2.1-or-later
// gan::FieldEvaluator (gan/eval.h): SWD and power spectra of field generators vs photographs.
#include "gan/eval.h"

#include "gan/augment.h"
#include "gan/error.h"
#include "gan/field_nets.h"
#include "gan/image_tensors.h"
#include "gan/latents.h"
#include "gan/metrics.h"
#include "gan/model_file.h"
#include "gan/weights.h"

#include <cmath>

namespace gan {

namespace {

// ProGAN's SWD settings (Karras et al. 2018, metrics/sliced_wasserstein.py).
constexpr int64_t kNhood = 7;
constexpr int64_t kNhoodsPerImage = 128;
constexpr int64_t kDirectionRepeats = 4;
constexpr int64_t kDirectionsPerRepeat = 128;
constexpr int64_t kCoarsestLevel = 16;
// Images per pyramid pass: bounds memory, and fixes the order of the position draws.
constexpr int64_t kChunk = 64;
constexpr uint64_t kPositionStream = 0x737764706f73ull;  // "swdpos"
constexpr uint64_t kDirectionStream = 0x737764646972ull; // "swddir"

int64_t pyramid_levels(int64_t crop) {
  int64_t levels = 1;
  for (int64_t side = crop; side > kCoarsestLevel; side /= 2)
    ++levels;
  return levels;
}

// uint8 [N, 3, H, W] -> BT.601 luma [N, H, W] (float).
torch::Tensor luma(const torch::Tensor &u8) {
  const torch::Tensor x = u8.to(torch::kFloat32);
  return 0.299 * x.select(1, 0) + 0.587 * x.select(1, 1) + 0.114 * x.select(1, 2);
}

} // namespace

struct FieldEvaluator::Impl {
  FieldEvalOptions options;
  int64_t levels = 0;
  torch::Tensor validation;                  // uint8 [n, 3, crop, crop]
  std::vector<torch::Tensor> validation_swd; // normalised descriptors per level
  torch::Tensor validation_spectrum;
  FieldReferences references;

  // Normalised SWD descriptors of every level; positions are the same for every set.
  std::vector<torch::Tensor> descriptors(const torch::Tensor &u8) const {
    std::vector<at::Generator> rngs;
    std::vector<std::vector<torch::Tensor>> parts(static_cast<size_t>(levels));
    for (int64_t l = 0; l < levels; ++l)
      rngs.push_back(make_rng(options.seed, kPositionStream, static_cast<uint64_t>(l)));
    for (int64_t first = 0; first < u8.size(0); first += kChunk) {
      const std::vector<torch::Tensor> pyramid =
          laplacian_pyramid(u8.slice(0, first, first + kChunk), levels);
      for (size_t l = 0; l < pyramid.size(); ++l)
        parts[l].push_back(swd_descriptors(pyramid[l], kNhood, kNhoodsPerImage, rngs[l]));
    }
    std::vector<torch::Tensor> out;
    for (auto &p : parts)
      out.push_back(normalize_descriptors(torch::cat(p), u8.size(1)));
    return out;
  }

  torch::Tensor spectrum(const torch::Tensor &u8) const { return radial_power_spectrum(luma(u8)); }

  FieldScores scores(const torch::Tensor &u8) const {
    c10::InferenceMode guard;
    FieldScores s;
    const std::vector<torch::Tensor> d = descriptors(u8);
    for (int64_t l = 0; l < levels; ++l) {
      at::Generator rng = make_rng(options.seed, kDirectionStream, static_cast<uint64_t>(l));
      s.swd.push_back(1e3 * sliced_wasserstein(d[static_cast<size_t>(l)],
                                               validation_swd[static_cast<size_t>(l)],
                                               kDirectionRepeats, kDirectionsPerRepeat, rng));
    }
    const torch::Tensor spec = spectrum(u8);
    s.spectrum_distance = spectrum_distance(spec, validation_spectrum);
    s.spectrum.assign(spec.data_ptr<double>(), spec.data_ptr<double>() + spec.numel());
    return s;
  }

  // `samples` windows of the photos, cut as training cuts its patches, quantised to 8 bits.
  torch::Tensor crops(std::vector<Photo> photos) const {
    PatchOptions p;
    p.size = options.crop;
    p.channels = 3;
    p.min_scale = options.min_scale;
    p.max_scale = options.max_scale;
    p.flip = true;
    PatchSampler sampler(std::move(photos), p, "field eval");
    torch::Tensor x = torch::empty({options.samples, 3, options.crop, options.crop});
    sampler.batch(options.seed, 0, options.samples, x.data_ptr<float>());
    return to_uint8(x);
  }
};

FieldEvaluator::FieldEvaluator(std::vector<Photo> train, std::vector<Photo> validation,
                               const FieldEvalOptions &options)
    : impl_(std::make_unique<Impl>()) {
  Impl &m = *impl_;
  m.options = options;
  const int64_t c = options.crop;
  if (c < kCoarsestLevel || c > 1024 || (c & (c - 1)) != 0)
    throw Error(ErrorCode::InvalidArgument,
                "field eval: the crop side must be a power of two in [16, 1024], not " +
                    std::to_string(c));
  if (options.samples < 2)
    throw Error(ErrorCode::InvalidArgument, "field eval: at least 2 samples per set");
  if (!(options.min_scale > 0 && options.min_scale <= options.max_scale && options.max_scale <= 4))
    throw Error(ErrorCode::InvalidArgument, "field eval: scales need 0 < min <= max <= 4");
  if (train.empty() || validation.empty())
    throw Error(ErrorCode::InvalidArgument, std::string("field eval: no ") +
                                                (train.empty() ? "training" : "validation") +
                                                " photos");
  m.levels = pyramid_levels(c);
  for (int64_t side = c; side >= kCoarsestLevel; side /= 2)
    m.references.levels.push_back(side);

  c10::InferenceMode guard;
  m.validation = m.crops(std::move(validation));
  m.validation_swd = m.descriptors(m.validation);
  m.validation_spectrum = m.spectrum(m.validation);
  const torch::Tensor &vs = m.validation_spectrum;
  m.references.validation_spectrum.assign(vs.data_ptr<double>(),
                                          vs.data_ptr<double>() + vs.numel());

  m.references.floor = m.scores(m.crops(std::move(train)));
  torch::Tensor blurred = m.validation.clone();
  const int64_t image = 3 * c * c;
  for (int64_t i = 0; i < blurred.size(0); ++i)
    gaussian_blur({blurred.data_ptr<uint8_t>() + i * image, 3, c, c}, 1.0);
  m.references.blur = m.scores(blurred);
}

FieldEvaluator::~FieldEvaluator() = default;

const FieldReferences &FieldEvaluator::references() const { return impl_->references; }

FieldQuality FieldEvaluator::generator(const std::string &model_path) {
  Impl &m = *impl_;
  const ModelFile file = read_model_file(model_path);
  if (file.kind != "gan" && file.kind != "checkpoint")
    throw Error(ErrorCode::WrongKind, "'" + model_path + "' is a " + file.kind +
                                          " file, not a field generator (a gan or a checkpoint)");
  if (!is_arch(file.config, Arch::Field) || file.config.channels != 3)
    throw Error(ErrorCode::InvalidArgument,
                "'" + model_path + "' is a " + file.config.arch + " model of " +
                    std::to_string(file.config.channels) +
                    " channel(s); field eval needs a colour field model");
  Gan gan = gan_from_file(file);
  // The trained modules in float32, not the inference form, whose precision follows the CPU
  // (bfloat16 where it has AVX512-BF16): the same figures on every machine.
  gan.generator->eval();

  FieldQuality q;
  q.model_id = file.config.arch + ":" + file.checksum.substr(0, 12);
  q.kind = file.kind;
  q.steps = file.provenance.steps;
  const int64_t n = m.options.samples, c = m.options.crop;
  torch::Tensor painted = torch::empty({n, 3, c, c}, torch::kUInt8);
  {
    c10::InferenceMode guard;
    for (int64_t first = 0; first < n; first += 16) {
      const int64_t count = std::min<int64_t>(16, n - first);
      const torch::Tensor x = paint_field_images(*gan.generator, gan.config, m.options.seed,
                                                 static_cast<uint64_t>(first), count, c, c);
      if (!torch::isfinite(x).all().item<bool>())
        throw Error(ErrorCode::Corrupt, "'" + model_path + "' paints non-finite pixels");
      painted.slice(0, first, first + count).copy_(to_uint8(x));
    }
  }
  q.scores = m.scores(painted);
  return q;
}

} // namespace gan
