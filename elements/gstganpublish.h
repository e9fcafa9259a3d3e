/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GAN_PUBLISH (gst_gan_publish_get_type())
G_DECLARE_FINAL_TYPE(GstGanPublish, gst_gan_publish, GST, GAN_PUBLISH, GstBaseTransform)

/**
 * GstGanPublishTarget:
 * @GST_GAN_PUBLISH_TARGET_FILE: a file (#GstGanPublish:location), or stdout
 * @GST_GAN_PUBLISH_TARGET_MQTT: an MQTT broker (libmosquitto)
 * @GST_GAN_PUBLISH_TARGET_KAFKA: a Kafka cluster (librdkafka)
 */
typedef enum {
  GST_GAN_PUBLISH_TARGET_FILE,
  GST_GAN_PUBLISH_TARGET_MQTT,
  GST_GAN_PUBLISH_TARGET_KAFKA,
} GstGanPublishTarget;

/**
 * GstGanPublishFileFormat:
 * @GST_GAN_PUBLISH_FILE_FORMAT_JSON_LINES: one record a line
 * @GST_GAN_PUBLISH_FILE_FORMAT_JSON: one JSON array of records
 */
typedef enum {
  GST_GAN_PUBLISH_FILE_FORMAT_JSON_LINES,
  GST_GAN_PUBLISH_FILE_FORMAT_JSON,
} GstGanPublishFileFormat;

/**
 * GstGanPublishMode:
 * @GST_GAN_PUBLISH_MODE_EVERY_FRAME: a record for every frame with a verdict
 * @GST_GAN_PUBLISH_MODE_CHANGES: a record when the verdict changes
 * @GST_GAN_PUBLISH_MODE_INTERVAL: a summary every #GstGanPublish:interval seconds
 */
typedef enum {
  GST_GAN_PUBLISH_MODE_EVERY_FRAME,
  GST_GAN_PUBLISH_MODE_CHANGES,
  GST_GAN_PUBLISH_MODE_INTERVAL,
} GstGanPublishMode;

GST_ELEMENT_REGISTER_DECLARE(ganpublish);

G_END_DECLS
