/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-ganmark
 * @title: ganmark
 *
 * Embeds gst-gan's invisible watermark (the one gangen puts in its frames) into any video
 * stream, in place: for platforms that label synthetic media made elsewhere. The mark lives in
 * the luma of frames of at least 128x128 (smaller frames pass unmarked), carries a 32-bit
 * #GstGanMark:watermark-payload, and is read back by gandetect with the same
 * #GstGanMark:watermark-key, also after JPEG or video re-encoding (VP8, H.264), colour
 * conversion, brightness/contrast changes, rescaling (0.4x to 2x, aspect changes) and crops of
 * up to 10% of each dimension. PSNR against the unmarked frame is at least 38.5 dB (about 39 on
 * natural video).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=in.mp4 ! decodebin ! videoconvert ! \
 *     ganmark watermark-key=my-secret watermark-payload=42 ! videoconvert ! vp8enc ! webmmux ! \
 *     filesink location=labelled.webm
 * ]| Labels a clip; `gandetect watermark-key=my-secret watermark-window=30` finds payload 42.
 */
#include "gstganmark.h"

#include "gstgancommon.h"

#include "gan/watermark.h"

#include <memory>
#include <mutex>
#include <string>

GST_DEBUG_CATEGORY_STATIC(gst_gan_mark_debug);
#define GST_CAT_DEFAULT gst_gan_mark_debug

#define DEFAULT_PAYLOAD 0

enum {
  PROP_0,
  PROP_WATERMARK_KEY,
  PROP_WATERMARK_PAYLOAD,
};

#define GAN_MARK_CAPS                                                                              \
  GST_VIDEO_CAPS_MAKE("{ I420, NV12, GRAY8, RGB, BGR, RGBA, BGRA, RGBx, BGRx, xRGB }")

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(GAN_MARK_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GAN_MARK_CAPS));

struct GstGanMarkPrivate {
  std::mutex lock; // guards key and payload
  std::string key = gan::kWatermarkDefaultKey;
  guint payload = DEFAULT_PAYLOAD;

  // streaming thread only
  std::unique_ptr<gan::Watermark> watermark;
  gan::PixelFormat format = gan::PixelFormat::I420;
};

struct _GstGanMark {
  GstVideoFilter parent;
  GstGanMarkPrivate *priv;
};

#define gst_gan_mark_parent_class parent_class
G_DEFINE_TYPE(GstGanMark, gst_gan_mark, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE(ganmark, "ganmark", GST_RANK_NONE, GST_TYPE_GAN_MARK);

static void gst_gan_mark_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec) {
  GstGanMarkPrivate *priv = GST_GAN_MARK(object)->priv;
  std::lock_guard<std::mutex> guard(priv->lock);
  switch (prop_id) {
  case PROP_WATERMARK_KEY: {
    const gchar *key = g_value_get_string(value);
    priv->key = key ? key : "";
    break;
  }
  case PROP_WATERMARK_PAYLOAD:
    priv->payload = g_value_get_uint(value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
}

static void gst_gan_mark_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec) {
  GstGanMarkPrivate *priv = GST_GAN_MARK(object)->priv;
  std::lock_guard<std::mutex> guard(priv->lock);
  switch (prop_id) {
  case PROP_WATERMARK_KEY:
    g_value_set_string(value, priv->key.c_str());
    break;
  case PROP_WATERMARK_PAYLOAD:
    g_value_set_uint(value, priv->payload);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
}

static gboolean gst_gan_mark_set_info(GstVideoFilter *filter, GstCaps *, GstVideoInfo *in_info,
                                      GstCaps *, GstVideoInfo *) {
  GstGanMark *self = GST_GAN_MARK(filter);
  if (!gst_gan_pixel_format(GST_VIDEO_INFO_FORMAT(in_info), &self->priv->format))
    return FALSE;
  if (!gan::watermark_fits(GST_VIDEO_INFO_WIDTH(in_info), GST_VIDEO_INFO_HEIGHT(in_info))) {
    GST_ELEMENT_WARNING(self, STREAM, FORMAT,
                        ("Frames of %dx%d are too small for the watermark (at least %dx%d); they "
                         "pass unmarked",
                         GST_VIDEO_INFO_WIDTH(in_info), GST_VIDEO_INFO_HEIGHT(in_info),
                         static_cast<int>(gan::kWatermarkMinSide),
                         static_cast<int>(gan::kWatermarkMinSide)),
                        (NULL));
  }
  return TRUE;
}

static GstFlowReturn gst_gan_mark_transform_frame_ip(GstVideoFilter *filter, GstVideoFrame *frame) {
  GstGanMark *self = GST_GAN_MARK(filter);
  GstGanMarkPrivate *priv = self->priv;
  std::string key;
  guint payload;
  {
    std::lock_guard<std::mutex> guard(priv->lock);
    key = priv->key;
    payload = priv->payload;
  }
  if (key.empty())
    return GST_FLOW_OK; // no key: nothing to embed
  try {
    if (!priv->watermark || priv->watermark->key() != key)
      priv->watermark = std::make_unique<gan::Watermark>(key);
    const bool marked = priv->watermark->embed(gst_gan_frame_view(frame, priv->format), payload);
    GST_LOG_OBJECT(self, "frame %" GST_TIME_FORMAT ": %s",
                   GST_TIME_ARGS(GST_BUFFER_PTS(frame->buffer)),
                   marked ? "marked" : "too small to mark");
  } catch (const gan::Error &e) {
    gst_gan_post_error(GST_ELEMENT(self), "Could not watermark a frame", e);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static void gst_gan_mark_finalize(GObject *object) {
  delete GST_GAN_MARK(object)->priv;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_gan_mark_class_init(GstGanMarkClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS(klass);

  gobject_class->set_property = gst_gan_mark_set_property;
  gobject_class->get_property = gst_gan_mark_get_property;
  gobject_class->finalize = gst_gan_mark_finalize;

  /**
   * GstGanMark:watermark-key:
   *
   * The secret that lays out the mark; gandetect needs the same one. The default key is
   * public (anyone can read and forge marks made with it). Empty: frames pass unmarked.
   */
  g_object_class_install_property(
      gobject_class, PROP_WATERMARK_KEY,
      g_param_spec_string("watermark-key", "Watermark key",
                          "Secret key of the watermark (the default one is public)",
                          gan::kWatermarkDefaultKey, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanMark:watermark-payload:
   *
   * The 32 bits the mark carries (an id of the source, the labeller, the model...).
   */
  g_object_class_install_property(
      gobject_class, PROP_WATERMARK_PAYLOAD,
      g_param_spec_uint("watermark-payload", "Watermark payload", "32-bit payload of the watermark",
                        0, G_MAXUINT32, DEFAULT_PAYLOAD, GST_GAN_PARAM_RW_PLAYING));

  gst_element_class_set_static_metadata(
      element_class, "GAN provenance watermark", "Filter/Effect/Video",
      "Embeds gst-gan's invisible, keyed provenance watermark (read by gandetect)",
      "gst-gan developers");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);

  filter_class->set_info = GST_DEBUG_FUNCPTR(gst_gan_mark_set_info);
  filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR(gst_gan_mark_transform_frame_ip);
  GST_DEBUG_CATEGORY_INIT(gst_gan_mark_debug, "ganmark", 0, "GAN provenance watermark");
}

static void gst_gan_mark_init(GstGanMark *self) { self->priv = new GstGanMarkPrivate(); }
