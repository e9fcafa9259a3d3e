/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GAN_DETECT (gst_gan_detect_get_type())
G_DECLARE_FINAL_TYPE(GstGanDetect, gst_gan_detect, GST, GAN_DETECT, GstBaseTransform)

/**
 * GstGanDetectPreprocess:
 * @GST_GAN_DETECT_PREPROCESS_RESIZE: the whole frame resized to the model's input
 * @GST_GAN_DETECT_PREPROCESS_CENTER_CROP: the centred region of the model's aspect ratio
 * @GST_GAN_DETECT_PREPROCESS_TILES: native-resolution tiles, scores combined
 * @GST_GAN_DETECT_PREPROCESS_AUTO: as the model's description says (its "aspect": stretch is
 *   resize, crop is center-crop, pad is letterbox); resize for gst-gan model files
 * @GST_GAN_DETECT_PREPROCESS_LETTERBOX: the whole frame scaled to fit, aspect kept, padded black
 */
typedef enum {
  GST_GAN_DETECT_PREPROCESS_RESIZE,
  GST_GAN_DETECT_PREPROCESS_CENTER_CROP,
  GST_GAN_DETECT_PREPROCESS_TILES,
  GST_GAN_DETECT_PREPROCESS_AUTO,
  GST_GAN_DETECT_PREPROCESS_LETTERBOX,
} GstGanDetectPreprocess;

/**
 * GstGanDetectAction:
 * @GST_GAN_DETECT_ACTION_PASS: every frame passes (analysis only)
 * @GST_GAN_DETECT_ACTION_DROP: frames judged fake are dropped
 */
typedef enum {
  GST_GAN_DETECT_ACTION_PASS,
  GST_GAN_DETECT_ACTION_DROP,
} GstGanDetectAction;

GST_ELEMENT_REGISTER_DECLARE(gandetect);

G_END_DECLS
