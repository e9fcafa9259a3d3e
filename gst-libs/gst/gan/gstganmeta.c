/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gstganmeta.h"

/* The API types are registered once per process by name, so a copy of this code linked into
 * the plugin and one in the application agree. */

GType gst_gan_synthetic_meta_api_get_type(void) {
  static GType type = 0;
  static const gchar *tags[] = {NULL}; /* survives any transformation: it is about provenance */
  if (g_once_init_enter(&type)) {
    GType t = g_type_from_name("GstGanSyntheticMetaAPI");
    if (!t)
      t = gst_meta_api_type_register("GstGanSyntheticMetaAPI", tags);
    g_once_init_leave(&type, t);
  }
  return type;
}

static gboolean synthetic_meta_init(GstMeta *meta, gpointer params, GstBuffer *buffer) {
  (void)params, (void)buffer;
  GstGanSyntheticMeta *m = (GstGanSyntheticMeta *)meta;
  m->model_id = NULL;
  m->seed = 0;
  m->frame = 0;
  m->watermarked = FALSE;
  m->watermark_payload = 0;
  return TRUE;
}

static void synthetic_meta_free(GstMeta *meta, GstBuffer *buffer) {
  (void)buffer;
  g_free(((GstGanSyntheticMeta *)meta)->model_id);
}

static gboolean synthetic_meta_transform(GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
                                         GQuark type, gpointer data) {
  (void)buffer, (void)type, (void)data;
  const GstGanSyntheticMeta *m = (GstGanSyntheticMeta *)meta;
  GstGanSyntheticMeta *d = gst_buffer_add_gan_synthetic_meta(dest, m->model_id, m->seed, m->frame);
  if (!d)
    return FALSE;
  d->watermarked = m->watermarked;
  d->watermark_payload = m->watermark_payload;
  return TRUE;
}

const GstMetaInfo *gst_gan_synthetic_meta_get_info(void) {
  static const GstMetaInfo *info = NULL;
  if (g_once_init_enter(&info)) {
    const GstMetaInfo *i = gst_meta_get_info("GstGanSyntheticMeta");
    if (!i)
      i = gst_meta_register(GST_GAN_SYNTHETIC_META_API_TYPE, "GstGanSyntheticMeta",
                            sizeof(GstGanSyntheticMeta), synthetic_meta_init, synthetic_meta_free,
                            synthetic_meta_transform);
    g_once_init_leave(&info, i);
  }
  return info;
}

GstGanSyntheticMeta *gst_buffer_add_gan_synthetic_meta(GstBuffer *buffer, const gchar *model_id,
                                                       guint64 seed, guint64 frame) {
  GstGanSyntheticMeta *m =
      (GstGanSyntheticMeta *)gst_buffer_add_meta(buffer, gst_gan_synthetic_meta_get_info(), NULL);
  if (!m)
    return NULL;
  m->model_id = g_strdup(model_id);
  m->seed = seed;
  m->frame = frame;
  return m;
}

GstGanSyntheticMeta *gst_buffer_get_gan_synthetic_meta(GstBuffer *buffer) {
  return (GstGanSyntheticMeta *)gst_buffer_get_meta(buffer, GST_GAN_SYNTHETIC_META_API_TYPE);
}

GType gst_gan_detect_meta_api_get_type(void) {
  static GType type = 0;
  static const gchar *tags[] = {NULL};
  if (g_once_init_enter(&type)) {
    GType t = g_type_from_name("GstGanDetectMetaAPI");
    if (!t)
      t = gst_meta_api_type_register("GstGanDetectMetaAPI", tags);
    g_once_init_leave(&type, t);
  }
  return type;
}

static gboolean detect_meta_init(GstMeta *meta, gpointer params, GstBuffer *buffer) {
  (void)params, (void)buffer;
  GstGanDetectMeta *m = (GstGanDetectMeta *)meta;
  m->fake_probability = 0;
  m->logit = 0;
  m->is_fake = FALSE;
  m->inferred = FALSE;
  m->age = 0;
  m->model_id = NULL;
  m->decided_by = "detector";
  m->watermark_found = FALSE;
  m->watermark_payload = 0;
  m->watermark_score = 0;
  return TRUE;
}

static void detect_meta_free(GstMeta *meta, GstBuffer *buffer) {
  (void)buffer;
  g_free(((GstGanDetectMeta *)meta)->model_id);
}

static gboolean detect_meta_transform(GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
                                      GQuark type, gpointer data) {
  (void)buffer, (void)type, (void)data;
  const GstGanDetectMeta *m = (GstGanDetectMeta *)meta;
  GstGanDetectMeta *d = gst_buffer_add_gan_detect_meta(dest, m->model_id);
  if (!d)
    return FALSE;
  d->fake_probability = m->fake_probability;
  d->logit = m->logit;
  d->is_fake = m->is_fake;
  d->inferred = m->inferred;
  d->age = m->age;
  d->decided_by = m->decided_by;
  d->watermark_found = m->watermark_found;
  d->watermark_payload = m->watermark_payload;
  d->watermark_score = m->watermark_score;
  return TRUE;
}

const GstMetaInfo *gst_gan_detect_meta_get_info(void) {
  static const GstMetaInfo *info = NULL;
  if (g_once_init_enter(&info)) {
    const GstMetaInfo *i = gst_meta_get_info("GstGanDetectMeta");
    if (!i)
      i = gst_meta_register(GST_GAN_DETECT_META_API_TYPE, "GstGanDetectMeta",
                            sizeof(GstGanDetectMeta), detect_meta_init, detect_meta_free,
                            detect_meta_transform);
    g_once_init_leave(&info, i);
  }
  return info;
}

GstGanDetectMeta *gst_buffer_add_gan_detect_meta(GstBuffer *buffer, const gchar *model_id) {
  GstGanDetectMeta *m =
      (GstGanDetectMeta *)gst_buffer_add_meta(buffer, gst_gan_detect_meta_get_info(), NULL);
  if (m)
    m->model_id = g_strdup(model_id);
  return m;
}

GstGanDetectMeta *gst_buffer_get_gan_detect_meta(GstBuffer *buffer) {
  return (GstGanDetectMeta *)gst_buffer_get_meta(buffer, GST_GAN_DETECT_META_API_TYPE);
}
