/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstGanSyntheticMeta:
 * @meta: parent #GstMeta
 * @model_id: the generator that made the frame (architecture and weight checksum)
 * @seed: the stream seed
 * @frame: the frame index within the stream (equal to the buffer OFFSET)
 * @watermarked: TRUE when the frame's pixels carry gst-gan's invisible watermark
 * @watermark_payload: the watermark's 32-bit payload (when @watermarked)
 *
 * Marks a frame as made by a machine-learning model (gangen), so downstream elements
 * (gandetect, muxers, test rigs) know the ground truth. Applications that do not link the
 * plugin find it by name: gst_buffer_get_meta (buffer, g_type_from_name
 * ("GstGanSyntheticMetaAPI")) and read it through this struct.
 */
typedef struct {
  GstMeta meta;
  gchar *model_id;
  guint64 seed;
  guint64 frame;
  gboolean watermarked;
  guint32 watermark_payload;
} GstGanSyntheticMeta;

GType gst_gan_synthetic_meta_api_get_type(void);
#define GST_GAN_SYNTHETIC_META_API_TYPE (gst_gan_synthetic_meta_api_get_type())
const GstMetaInfo *gst_gan_synthetic_meta_get_info(void);

GstGanSyntheticMeta *gst_buffer_add_gan_synthetic_meta(GstBuffer *buffer, const gchar *model_id,
                                                       guint64 seed, guint64 frame);
#define gst_buffer_get_gan_synthetic_meta(b)                                                       \
  ((GstGanSyntheticMeta *)gst_buffer_get_meta((b), GST_GAN_SYNTHETIC_META_API_TYPE))

/**
 * GstGanDetectMeta:
 * @meta: parent #GstMeta
 * @fake_probability: sigmoid of @logit: the detector's probability that the frame is generated
 * @logit: the detector's fake logit (combined over tiles when preprocess=tiles)
 * @is_fake: the verdict: the frame carries the watermark, or (without one)
 *   @fake_probability >= the element's threshold
 * @decided_by: what decided @is_fake: "watermark" or "detector" (a static string)
 * @inferred: TRUE when the detector ran on this frame; FALSE when it carries the last result
 * @age: frames since the result was computed (0 when @inferred)
 * @model_id: the detector that produced the result
 * @watermark_found: gst-gan's watermark was read under the element's key (on this frame or
 *   by the vote over the last watermark-window frames)
 * @watermark_payload: the recovered 32-bit payload (when @watermark_found)
 * @watermark_confidence: 1 - the probability that an unmarked frame reads this strongly
 *
 * gandetect's verdict, on every frame it passes.
 */
typedef struct {
  GstMeta meta;
  gdouble fake_probability;
  gdouble logit;
  gboolean is_fake;
  gboolean inferred;
  guint age;
  gchar *model_id;
  const gchar *decided_by;
  gboolean watermark_found;
  guint32 watermark_payload;
  gdouble watermark_confidence;
} GstGanDetectMeta;

GType gst_gan_detect_meta_api_get_type(void);
#define GST_GAN_DETECT_META_API_TYPE (gst_gan_detect_meta_api_get_type())
const GstMetaInfo *gst_gan_detect_meta_get_info(void);
GstGanDetectMeta *gst_buffer_add_gan_detect_meta(GstBuffer *buffer, const gchar *model_id);

G_END_DECLS
