/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gstgancommon.h"

#include "config.h"

std::string gst_gan_shipped_model(const char *name) {
  const char *env = g_getenv("GST_GAN_MODELS_DIR");
  for (const char *dir : {env, GST_GAN_INSTALLED_MODELS_DIR, GST_GAN_SOURCE_MODELS_DIR}) {
    if (!dir)
      continue;
    gchar *path = g_build_filename(dir, name, NULL);
    const bool found = g_file_test(path, G_FILE_TEST_IS_REGULAR);
    std::string result = path;
    g_free(path);
    if (found)
      return result;
  }
  // Not found anywhere: the installed location, so the error names where it belongs.
  gchar *path = g_build_filename(GST_GAN_INSTALLED_MODELS_DIR, name, NULL);
  std::string result = path;
  g_free(path);
  return result;
}

std::string gst_gan_valid_utf8(const std::string &text) {
  gchar *valid = g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
  std::string result = valid;
  g_free(valid);
  return result;
}

void gst_gan_post_error(GstElement *element, const std::string &what_in, const gan::Error &e) {
  const std::string what = gst_gan_valid_utf8(what_in);
  const std::string debug =
      gst_gan_valid_utf8(std::string(gan::error_code_name(e.code())) + ": " + e.what());
  switch (e.code()) {
  case gan::ErrorCode::NotFound:
    GST_ELEMENT_ERROR(element, RESOURCE, NOT_FOUND, ("%s", what.c_str()), ("%s", debug.c_str()));
    break;
  case gan::ErrorCode::WrongKind:
  case gan::ErrorCode::Truncated:
  case gan::ErrorCode::Corrupt:
  case gan::ErrorCode::ConfigMismatch:
  case gan::ErrorCode::UnknownArchitecture:
    GST_ELEMENT_ERROR(element, RESOURCE, OPEN_READ, ("%s", what.c_str()), ("%s", debug.c_str()));
    break;
  case gan::ErrorCode::InvalidArgument:
  case gan::ErrorCode::Io:
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("%s", what.c_str()), ("%s", debug.c_str()));
    break;
  case gan::ErrorCode::Inference:
  case gan::ErrorCode::Distributed:
    GST_ELEMENT_ERROR(element, STREAM, FAILED, ("%s", what.c_str()), ("%s", debug.c_str()));
    break;
  }
}

void gst_gan_post_load_failure(GstElement *element, const char *role, const std::string &path,
                               const std::exception &error, bool fatal) {
  const auto *core = dynamic_cast<const gan::Error *>(&error);
  const std::string what =
      gst_gan_valid_utf8(std::string("Could not load ") + role + " model '" + path + "'");
  const std::string debug = gst_gan_valid_utf8(
      core ? std::string(gan::error_code_name(core->code())) + ": " + error.what() : error.what());
  if (!fatal)
    GST_ELEMENT_WARNING(element, RESOURCE, OPEN_READ, ("%s; keeping the current one", what.c_str()),
                        ("%s", debug.c_str()));
  else if (core)
    gst_gan_post_error(element, what, *core);
  else
    GST_ELEMENT_ERROR(element, RESOURCE, OPEN_READ, ("%s", what.c_str()), ("%s", debug.c_str()));
}

gboolean gst_gan_pixel_format(GstVideoFormat format, gan::PixelFormat *out) {
  switch (format) {
  case GST_VIDEO_FORMAT_GRAY8:
    *out = gan::PixelFormat::Gray8;
    return TRUE;
  case GST_VIDEO_FORMAT_RGB:
    *out = gan::PixelFormat::Rgb;
    return TRUE;
  case GST_VIDEO_FORMAT_BGR:
    *out = gan::PixelFormat::Bgr;
    return TRUE;
  case GST_VIDEO_FORMAT_RGBA:
    *out = gan::PixelFormat::Rgba;
    return TRUE;
  case GST_VIDEO_FORMAT_BGRA:
    *out = gan::PixelFormat::Bgra;
    return TRUE;
  case GST_VIDEO_FORMAT_RGBx:
    *out = gan::PixelFormat::Rgbx;
    return TRUE;
  case GST_VIDEO_FORMAT_BGRx:
    *out = gan::PixelFormat::Bgrx;
    return TRUE;
  case GST_VIDEO_FORMAT_xRGB:
    *out = gan::PixelFormat::Xrgb;
    return TRUE;
  case GST_VIDEO_FORMAT_I420:
    *out = gan::PixelFormat::I420;
    return TRUE;
  case GST_VIDEO_FORMAT_NV12:
    *out = gan::PixelFormat::Nv12;
    return TRUE;
  default:
    return FALSE;
  }
}

gan::FrameView gst_gan_frame_view(GstVideoFrame *frame, gan::PixelFormat format) {
  gan::FrameView view;
  view.format = format;
  view.width = GST_VIDEO_FRAME_WIDTH(frame);
  view.height = GST_VIDEO_FRAME_HEIGHT(frame);
  for (guint i = 0; i < GST_VIDEO_FRAME_N_PLANES(frame) && i < 3; ++i) {
    view.planes[i] = static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(frame, i));
    view.strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE(frame, i);
  }
  return view;
}
