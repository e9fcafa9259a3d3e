// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The `gan` plugin: GStreamer elements around the gst-gan LibTorch core (models/).
 * Elements: gangen (GAN video source), gandetect (frame authenticity analyzer), ganmark
 * (provenance watermark) and ganpublish (verdicts to files, MQTT and Kafka).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstgandetect.h"
#include "gstgangen.h"
#include "gstganmark.h"
#include "gstganpublish.h"

#include <gst/gan/gstganmeta.h>
#include <gst/gst.h>

static gboolean plugin_init(GstPlugin *plugin) {
  // The metas' API types exist by name as soon as the plugin is loaded, before any element runs.
  gst_gan_synthetic_meta_get_info();
  gst_gan_detect_meta_get_info();
  gboolean ok = GST_ELEMENT_REGISTER(gangen, plugin);
  ok &= GST_ELEMENT_REGISTER(gandetect, plugin);
  ok &= GST_ELEMENT_REGISTER(ganmark, plugin);
  ok &= GST_ELEMENT_REGISTER(ganpublish, plugin);
  return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, gan,
                  "GAN video generation and synthetic-frame detection (LibTorch)", plugin_init,
                  PACKAGE_VERSION, GST_LICENSE, PACKAGE, PACKAGE_ORIGIN)
