// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan info: any model file's architecture and provenance as JSON.

#include "cli/command.h"

#include "gan/error.h"
#include "gan/model_file.h"
#include "gan/runtime.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace {

using json = nlohmann::json;

struct InfoArgs {
  std::string model, model_description;
};

json config_json(const gan::ModelConfig &c) {
  return {{"arch", c.arch},
          {"latent", c.latent},
          {"channels", c.channels},
          {"height", c.height},
          {"width", c.width}};
}

json provenance_json(const gan::Provenance &p) {
  return {
      {"dataset", p.dataset},           {"steps", p.steps},    {"seed", p.seed}, {"date", p.date},
      {"tool_version", p.tool_version}, {"metrics", p.metrics}};
}

json torchscript_json(const gan::ModelInfo &i, const char *role) {
  return {{"path", i.path},
          {"format", i.format},
          {"role", role},
          {"id", i.id},
          {"config", config_json(i.config)},
          {"description", json::parse(gan::description_json(i.description))},
          {"provenance", provenance_json(i.provenance)}};
}

// Any gst-gan model file (GAN, checkpoint, classifier, detector), or a TorchScript generator
// or detector (loaded, described and probed as the elements would).
int run_info(const InfoArgs &a) {
  json j;
  try {
    const gan::ModelFile f = gan::read_model_file(a.model);
    j = {{"path", a.model},
         {"format", "gst-gan"},
         {"kind", f.kind},
         {"checksum", f.checksum},
         {"config", config_json(f.config)},
         {"provenance", provenance_json(f.provenance)},
         {"tensors", f.tensors.size()},
         {"bytes", f.data.size()}};
  } catch (const gan::Error &e) {
    if (e.code() != gan::ErrorCode::WrongKind)
      throw;
    try {
      j = torchscript_json(gan::Generator::load(a.model, a.model_description)->info(), "generator");
    } catch (const gan::Error &as_generator) {
      try {
        j = torchscript_json(gan::Detector::load(a.model, a.model_description)->info(), "detector");
      } catch (const gan::Error &as_detector) {
        throw gan::Error(as_generator.code(), std::string("as a generator: ") +
                                                  as_generator.what() +
                                                  "\nas a detector: " + as_detector.what());
      }
    }
  }
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

} // namespace

namespace gan_cli {

Command add_info(CLI::App &app) {
  auto a = std::make_shared<InfoArgs>();
  CLI::App *info =
      app.add_subcommand("info", "print a model file's architecture and provenance as JSON");
  info->add_option("--model,-m", a->model, "model file")->required();
  info->add_option("--model-description", a->model_description,
                   "how a TorchScript model speaks: JSON text or file (see README)");
  return {info, [a] { return run_info(*a); }};
}

} // namespace gan_cli
