// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sources.h"

#include "gan/error.h"
#include "gan/image_header.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace gan_tools {

namespace {

using gan::Error;
using gan::ErrorCode;

struct GstUnref {
  void operator()(gpointer p) const { gst_object_unref(p); }
};
using GstPtr = std::unique_ptr<GstElement, GstUnref>;

// Stops the pipeline whichever way the caller leaves.
struct Running {
  GstElement *pipeline;
  ~Running() { gst_element_set_state(pipeline, GST_STATE_NULL); }
};

std::string caps_for(int64_t channels, int64_t height, int64_t width) {
  if (channels != 1 && channels != 3)
    throw Error(ErrorCode::InvalidArgument, "channels must be 1 or 3");
  if (height < 1 || width < 1 || height > 4096 || width > 4096)
    throw Error(ErrorCode::InvalidArgument, "height and width must be in [1, 4096]");
  return std::string("video/x-raw,format=") + (channels == 1 ? "GRAY8" : "RGB") +
         ",width=" + std::to_string(width) + ",height=" + std::to_string(height) +
         ",pixel-aspect-ratio=1/1";
}

GstPtr parse(const std::string &description) {
  GError *err = nullptr;
  GstElement *pipeline =
      gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (!pipeline || err) {
    std::string msg = err ? err->message : "unknown error";
    g_clear_error(&err);
    if (pipeline)
      gst_object_unref(pipeline);
    throw Error(ErrorCode::InvalidArgument, "cannot build pipeline '" + description + "': " + msg);
  }
  return GstPtr(pipeline);
}

std::string bus_error(GstElement *pipeline) {
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  gst_object_unref(bus);
  if (!msg)
    return {};
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(msg, &err, &debug);
  std::string text = err ? err->message : "error";
  g_clear_error(&err);
  g_free(debug);
  gst_message_unref(msg);
  return text;
}

void start(GstElement *pipeline, const std::string &what) {
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    const std::string err = bus_error(pipeline);
    throw Error(ErrorCode::InvalidArgument,
                what + ": cannot start" + (err.empty() ? "" : ": " + err));
  }
}

// The next sample of `sink`, or nullptr at EOS. Short waits with a bus check between them: an
// upstream error ends the wait at once.
GstSample *next_sample(GstElement *pipeline, GstElement *sink, const std::string &what) {
  GstSample *sample = nullptr;
  for (int waited_ms = 0; !sample; waited_ms += 50) {
    sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 50 * GST_MSECOND);
    if (sample || gst_app_sink_is_eos(GST_APP_SINK(sink)))
      break;
    const std::string err = bus_error(pipeline);
    if (!err.empty() || waited_ms > 30000)
      throw Error(ErrorCode::InvalidArgument,
                  what + ": " + (err.empty() ? "no frame within 30 s" : err));
  }
  return sample;
}

// A mapped video frame of a sample, unmapped and unreffed whichever way the caller leaves.
class MappedSample {
public:
  MappedSample(GstSample *sample, const std::string &what) : sample_(sample) {
    GstVideoInfo info;
    mapped_ = gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) &&
              gst_video_frame_map(&frame_, &info, gst_sample_get_buffer(sample), GST_MAP_READ);
    if (!mapped_) {
      gst_sample_unref(sample_);
      throw Error(ErrorCode::InvalidArgument, what + ": cannot map a frame");
    }
  }
  ~MappedSample() {
    gst_video_frame_unmap(&frame_);
    gst_sample_unref(sample_);
  }
  MappedSample(const MappedSample &) = delete;
  MappedSample &operator=(const MappedSample &) = delete;
  const GstVideoFrame &frame() const { return frame_; }

private:
  GstSample *sample_;
  GstVideoFrame frame_;
  bool mapped_ = false;
};

// Appends frames from the pipeline's "gan_sink" to `set` (CHW order); returns frames taken.
int64_t pull(GstElement *pipeline, gan::ImageSet &set, int64_t max_frames,
             const std::string &what) {
  GstPtr sink(gst_bin_get_by_name(GST_BIN(pipeline), "gan_sink"));
  Running running{pipeline};
  start(pipeline, what);
  int64_t taken = 0;
  const int64_t hw = set.height * set.width;
  while (max_frames == 0 || taken < max_frames) {
    GstSample *sample = next_sample(pipeline, sink.get(), what);
    if (!sample)
      break; // EOS
    const MappedSample mapped(sample, what);
    const GstVideoFrame &frame = mapped.frame();
    const size_t base = set.pixels.size();
    set.pixels.resize(base + static_cast<size_t>(set.channels * hw));
    const auto *src = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
    const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
    for (int64_t y = 0; y < set.height; ++y) {
      const uint8_t *row = src + y * stride;
      for (int64_t x = 0; x < set.width; ++x)
        for (int64_t c = 0; c < set.channels; ++c)
          set.pixels[base + c * hw + y * set.width + x] = row[x * set.channels + c];
    }
    ++set.count;
    ++taken;
  }
  const std::string err = bus_error(pipeline);
  if (!err.empty())
    throw Error(ErrorCode::InvalidArgument, what + ": " + err);
  return taken;
}

gan::ImageSet empty_set(int64_t channels, int64_t height, int64_t width, std::string source) {
  gan::ImageSet set;
  set.channels = channels;
  set.height = height;
  set.width = width;
  set.source = std::move(source);
  return set;
}

const char *kConvert = " ! videoconvert ! videoscale add-borders=false ! ";

} // namespace

gan::ImageSet load_image_folder(const std::string &dir, int64_t channels, int64_t height,
                                int64_t width) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status dir_status = fs::status(dir, ec);
  if (!fs::exists(dir_status))
    throw Error(ErrorCode::NotFound, "image folder '" + dir + "' does not exist");
  if (!fs::is_directory(dir_status))
    throw Error(ErrorCode::InvalidArgument,
                "'" + dir + "' is not a folder (--images takes a folder of PNG or JPEG files)");
  std::vector<fs::path> files;
  // One bad entry (a symlink loop, a dangling link, a FIFO that would block the decoder) costs
  // that entry, with a word on stderr, not the whole folder.
  auto skip = [](const fs::path &p, const std::string &why) {
    std::fprintf(stderr, "gst-gan: warning: skipping '%s': %s\n", p.c_str(), why.c_str());
  };
  fs::directory_iterator it(dir, ec);
  if (ec)
    throw Error(ErrorCode::NotFound, "cannot list image folder '" + dir + "': " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path &path = it->path();
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    std::error_code entry_ec;
    const fs::file_status st = it->status(entry_ec);
    if (entry_ec) {
      skip(path, entry_ec.message()); // ELOOP, a dangling link, no permission
      continue;
    }
    if (fs::is_directory(st))
      continue;
    if (!fs::is_regular_file(st)) {
      skip(path, "not a regular file");
      continue;
    }
    if (ext == ".png" || ext == ".jpg" || ext == ".jpeg")
      files.push_back(path);
  }
  if (ec)
    throw Error(ErrorCode::NotFound, "cannot list image folder '" + dir + "': " + ec.message());
  if (files.empty())
    throw Error(ErrorCode::NotFound, "image folder '" + dir + "' holds no PNG or JPEG file");
  std::sort(files.begin(), files.end());

  gan::ImageSet set = empty_set(channels, height, width, "images:" + dir);
  const std::string description = "filesrc name=gan_src ! decodebin" + std::string(kConvert) +
                                  caps_for(channels, height, width) +
                                  " ! appsink name=gan_sink sync=false max-buffers=64";
  for (const fs::path &file : files) {
    // A header announcing more pixels than anything decodes is refused before a decoder
    // allocates for it (or trips GStreamer's assertions on the way).
    gan::check_image_size(file.string());
    GstPtr pipeline = parse(description);
    GstPtr src(gst_bin_get_by_name(GST_BIN(pipeline.get()), "gan_src"));
    g_object_set(src.get(), "location", file.c_str(), nullptr);
    if (pull(pipeline.get(), set, 1, "'" + file.string() + "'") != 1)
      throw Error(ErrorCode::InvalidArgument, "'" + file.string() + "' gave no image");
  }
  return set;
}

gan::ImageSet load_pipeline(const std::string &description, int64_t channels, int64_t height,
                            int64_t width, int64_t max_frames) {
  gan::ImageSet set = empty_set(channels, height, width, "pipeline:" + description);
  GstPtr pipeline = parse(description + kConvert + caps_for(channels, height, width) +
                          " ! appsink name=gan_sink sync=false max-buffers=64");
  pull(pipeline.get(), set, max_frames, "pipeline '" + description + "'");
  if (set.count == 0)
    throw Error(ErrorCode::InvalidArgument, "pipeline '" + description + "' gave no frame");
  return set;
}

} // namespace gan_tools

namespace gan_tools {

std::vector<gan::Photo> load_photos(const std::vector<gan::PhotoEntry> &manifest,
                                    gan::PhotoSplit split, int64_t max_side) {
  std::vector<gan::Photo> photos;
  for (const gan::PhotoEntry &e : manifest) {
    if (e.split != split)
      continue;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(e.path, ec))
      throw Error(ErrorCode::NotFound, "photo '" + e.path + "' does not exist");
    gan::check_image_size(e.path);
    // Native size: the core brings it to the working resolution with an area average.
    GstPtr pipeline = parse("filesrc name=gan_src ! decodebin ! videoconvert ! "
                            "video/x-raw,format=RGB ! appsink name=gan_sink sync=false "
                            "max-buffers=1");
    GstPtr src(gst_bin_get_by_name(GST_BIN(pipeline.get()), "gan_src"));
    GstPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "gan_sink"));
    g_object_set(src.get(), "location", e.path.c_str(), nullptr);
    const std::string what = "'" + e.path + "'";
    Running running{pipeline.get()};
    start(pipeline.get(), what);
    GstSample *sample = next_sample(pipeline.get(), sink.get(), what);
    if (!sample)
      throw Error(ErrorCode::InvalidArgument, what + " gave no image");
    const MappedSample mapped(sample, what);
    const GstVideoFrame &frame = mapped.frame();
    gan::FrameView view;
    view.format = gan::PixelFormat::Rgb;
    view.width = GST_VIDEO_FRAME_WIDTH(&frame);
    view.height = GST_VIDEO_FRAME_HEIGHT(&frame);
    view.planes[0] = static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
    view.strides[0] = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
    photos.push_back(gan::fit_photo(e.path, view, max_side));
  }
  if (photos.empty())
    throw Error(ErrorCode::InvalidArgument,
                std::string("the manifest names no ") + gan::photo_split_name(split) + " photo");
  return photos;
}

} // namespace gan_tools
