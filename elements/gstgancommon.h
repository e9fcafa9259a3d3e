/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

// What the elements share: where the shipped models are, how core errors become GStreamer
// errors, and the map between GstVideoFormat and the core's pixel formats.

#include "gan/error.h"
#include "gan/frames.h"
#include "gan/threads.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include <memory>
#include <string>

// The path of a shipped model file ("fmnist-dcgan.gan"): $GST_GAN_MODELS_DIR, then the
// installed data dir (<prefix>/share/gst-gan/models), then the source tree's models/ (a build
// tree that was never installed).
std::string gst_gan_shipped_model(const char *name);

// `text` with every invalid UTF-8 sequence replaced: GStreamer drops a message's text that is
// not UTF-8, and a hostile file's name or header can put any byte into an error.
std::string gst_gan_valid_utf8(const std::string &text);

// Posts GST_ELEMENT_ERROR for a core error at start/load time: missing file ->
// RESOURCE/NOT_FOUND, unreadable or corrupt -> RESOURCE/OPEN_READ, bad settings ->
// RESOURCE/SETTINGS, inference -> STREAM/FAILED. `what` goes into the user message.
void gst_gan_post_error(GstElement *element, const std::string &what, const gan::Error &error);

// Reports a model that failed to load, naming `role` ("generator", "detector") and the path:
// fatal (at start) as an element error in the domain of the error's code (see above), else (a
// hot swap that keeps the current model) as a warning.
void gst_gan_post_load_failure(GstElement *element, const char *role, const std::string &path,
                               const std::exception &error, bool fatal);

// The one way elements load models: Model::load (gan::Generator or gan::Detector) with BLAS
// held to one thread (`options`: Model::load's further arguments); a failure is reported as
// above and gives nullptr.
template <typename Model, typename... Options>
std::unique_ptr<Model> gst_gan_load_model(GstElement *element, const char *role,
                                          const std::string &path, const std::string &description,
                                          bool fatal, const Options &...options) {
  gan::hold_blas_to_one_thread();
  try {
    return Model::load(path, description, options...);
  } catch (const std::exception &e) {
    gst_gan_post_load_failure(element, role, path, e, fatal);
  }
  return nullptr;
}

// The elements' property flags: read-write (settable while PLAYING, or up to READY) and
// read-only, with static strings.
constexpr GParamFlags GST_GAN_PARAM_RW_PLAYING = static_cast<GParamFlags>(
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
constexpr GParamFlags GST_GAN_PARAM_RW_READY =
    static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
constexpr GParamFlags GST_GAN_PARAM_RO =
    static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

// FALSE for formats the core does not draw or read.
gboolean gst_gan_pixel_format(GstVideoFormat format, gan::PixelFormat *out);

// A mapped GstVideoFrame as the core's plain view.
gan::FrameView gst_gan_frame_view(GstVideoFrame *frame, gan::PixelFormat format);

// Unmaps on every way out of a scope.
struct GstGanFrameMap {
  GstVideoFrame frame;
  gboolean mapped = FALSE;
  GstGanFrameMap(GstVideoInfo *info, GstBuffer *buffer, GstMapFlags flags) {
    mapped = gst_video_frame_map(&frame, info, buffer, flags);
  }
  ~GstGanFrameMap() {
    if (mapped)
      gst_video_frame_unmap(&frame);
  }
  GstGanFrameMap(const GstGanFrameMap &) = delete;
  GstGanFrameMap &operator=(const GstGanFrameMap &) = delete;
};
