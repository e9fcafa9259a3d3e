/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __GST_GAN_META_H__
#define __GST_GAN_META_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * SECTION:gstganmeta
 * @title: gst-gan metas
 * @short_description: what gangen and gandetect attach to buffers
 *
 * The metas of the gst-gan plugin (`gan`), for applications: link `gstgan-1.0`
 * (`pkg-config --cflags --libs gstgan-1.0`) and include `<gst/gan/gstganmeta.h>`, or use the
 * `GstGan-1.0` introspection data from Python and other GI languages. The API types are also
 * registered by name (#GstGanSyntheticMetaAPI, #GstGanDetectMetaAPI) as soon as the plugin
 * is loaded, for code that links neither.
 */

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
 * (gandetect, muxers, test rigs) know the ground truth.
 */
typedef struct {
  GstMeta meta;
  gchar *model_id;
  guint64 seed;
  guint64 frame;
  gboolean watermarked;
  guint32 watermark_payload;
} GstGanSyntheticMeta;

/**
 * GstGanDetectMeta:
 * @meta: parent #GstMeta
 * @fake_probability: sigmoid of @logit: the detector's probability that the frame is generated
 * @logit: the detector's fake logit (combined over tiles when preprocess=tiles)
 * @is_fake: the verdict: the frame carries the watermark, or (without one)
 *   @fake_probability >= the element's threshold
 * @inferred: TRUE when the detector ran on this frame; FALSE when it carries the last result
 * @age: frames since the result was computed (0 when @inferred)
 * @model_id: the detector that produced the result
 * @decided_by: what decided @is_fake: "watermark" or "detector" (a static string)
 * @watermark_found: gst-gan's watermark was read under the element's key (on this frame or
 *   by the vote over the last watermark-window frames)
 * @watermark_payload: the recovered 32-bit payload (when @watermark_found)
 * @watermark_score: how strongly the mark reads: a z statistic, about N(0, 1) on unmarked
 *   frames, far above on marked ones; a measure, not a probability (the verdict is
 *   @watermark_found, whose false-alarm rate is 2^-24)
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
  gdouble watermark_score;
} GstGanDetectMeta;

/**
 * GST_GAN_SYNTHETIC_META_API_TYPE:
 *
 * The #GType of the #GstGanSyntheticMeta API, registered by the name "GstGanSyntheticMetaAPI".
 */
#define GST_GAN_SYNTHETIC_META_API_TYPE (gst_gan_synthetic_meta_api_get_type())
GType gst_gan_synthetic_meta_api_get_type(void);
const GstMetaInfo *gst_gan_synthetic_meta_get_info(void);

/**
 * gst_buffer_add_gan_synthetic_meta:
 * @buffer: a writable #GstBuffer
 * @model_id: the generator's id
 * @seed: the stream seed
 * @frame: the frame index
 *
 * Returns: (transfer none) (nullable): the added meta
 */
GstGanSyntheticMeta *gst_buffer_add_gan_synthetic_meta(GstBuffer *buffer, const gchar *model_id,
                                                       guint64 seed, guint64 frame);

/**
 * gst_buffer_get_gan_synthetic_meta:
 * @buffer: a #GstBuffer
 *
 * Returns: (transfer none) (nullable): the buffer's #GstGanSyntheticMeta, or %NULL
 */
GstGanSyntheticMeta *gst_buffer_get_gan_synthetic_meta(GstBuffer *buffer);

/**
 * GST_GAN_DETECT_META_API_TYPE:
 *
 * The #GType of the #GstGanDetectMeta API, registered by the name "GstGanDetectMetaAPI".
 */
#define GST_GAN_DETECT_META_API_TYPE (gst_gan_detect_meta_api_get_type())
GType gst_gan_detect_meta_api_get_type(void);
const GstMetaInfo *gst_gan_detect_meta_get_info(void);

/**
 * gst_buffer_add_gan_detect_meta:
 * @buffer: a writable #GstBuffer
 * @model_id: the detector's id
 *
 * Returns: (transfer none) (nullable): the added meta
 */
GstGanDetectMeta *gst_buffer_add_gan_detect_meta(GstBuffer *buffer, const gchar *model_id);

/**
 * gst_buffer_get_gan_detect_meta:
 * @buffer: a #GstBuffer
 *
 * Returns: (transfer none) (nullable): the buffer's #GstGanDetectMeta, or %NULL
 */
GstGanDetectMeta *gst_buffer_get_gan_detect_meta(GstBuffer *buffer);

G_END_DECLS

#endif /* __GST_GAN_META_H__ */
