// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-gan export: IDX images as numbered PNG files, e.g. for `multifilesrc ! pngdec` test
// streams.

#include "cli/command.h"

#include "images.h"

#include "gan/dataset.h"
#include "gan/error.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>

namespace {

struct ExportArgs {
  std::string idx = gan::default_fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz";
  std::string pattern;
  int64_t first = 0, count = 100;
};

int run_export(const ExportArgs &a) {
  const gan::ImageSet set = gan::read_idx_images(a.idx);
  if (a.first < 0 || a.first >= set.count)
    throw gan::Error(gan::ErrorCode::InvalidArgument, "--first is outside the file");
  const int64_t last = std::min(set.count, a.first + a.count);
  for (int64_t i = a.first; i < last; ++i) {
    char name[4096];
    std::snprintf(name, sizeof name, a.pattern.c_str(), static_cast<int>(i - a.first));
    // `--out real/%05d.png` into a folder that is not there yet: make it, as mkdir -p would.
    const std::filesystem::path parent = std::filesystem::path(name).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec) &&
        !std::filesystem::create_directories(parent, ec))
      throw gan::Error(gan::ErrorCode::Io, "cannot create the folder '" + parent.string() +
                                               "' for --out: " + ec.message());
    gan_tools::write_image_png(name, set.image(i), set.channels, set.height, set.width);
  }
  std::printf("wrote %lld images\n", static_cast<long long>(last - a.first));
  return 0;
}

} // namespace

namespace gan_cli {

Command add_export(CLI::App &app) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App *export_cmd =
      app.add_subcommand("export", "write images of an IDX file as numbered PNGs");
  export_cmd->add_option("--idx", a->idx, "IDX image file")->capture_default_str();
  export_cmd
      ->add_option("--out,-o", a->pattern, "printf pattern of the PNG paths, e.g. real/%05d.png")
      ->required()
      ->check([](const std::string &p) {
        // Exactly one %d-style conversion and no other: the pattern goes to snprintf.
        static const std::regex one_int("^[^%]*%0?[0-9]*d[^%]*$");
        return std::regex_match(p, one_int)
                   ? std::string()
                   : std::string("the pattern needs exactly one integer conversion such as %05d");
      });
  export_cmd->add_option("--first", a->first, "index of the first image")
      ->check(CLI::NonNegativeNumber);
  export_cmd->add_option("--count,-n", a->count, "number of images")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  return {export_cmd, [a] { return run_export(*a); }};
}

} // namespace gan_cli
