/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A C application that reads the gan plugin's metas from buffers: what gangen says made a frame
 * (GstGanSyntheticMeta) and what gandetect concluded about it (GstGanDetectMeta).
 *
 *   cc read-meta.c $(pkg-config --cflags --libs gstgan-1.0 gstreamer-app-1.0) -o read-meta
 *   ./read-meta [frames]
 *
 * Exits 0 when every frame carried both metas, consistent with each other.
 */
#include <gst/app/gstappsink.h>
#include <gst/gan/gstganmeta.h>
#include <gst/gst.h>

#include <stdlib.h>

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  const int frames = argc > 1 ? atoi(argv[1]) : 10;
  gchar *description = g_strdup_printf(
      "gangen num-buffers=%d motion=random ! video/x-raw,width=160,height=128 ! gandetect "
      "post-messages=false ! appsink name=sink sync=false",
      frames);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch(description, &error);
  g_free(description);
  if (!pipeline) {
    g_printerr("read-meta: %s\n", error->message);
    return 1;
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);

  int seen = 0, good = 0;
  GstSample *sample;
  while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) != NULL) {
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    const GstGanSyntheticMeta *made = gst_buffer_get_gan_synthetic_meta(buffer);
    const GstGanDetectMeta *verdict = gst_buffer_get_gan_detect_meta(buffer);
    if (made && verdict) {
      g_print("frame %" G_GUINT64_FORMAT ": made by %s (watermark 0x%08x), gandetect: %s by %s, "
              "fake probability %.3f\n",
              made->frame, made->model_id, made->watermark_payload,
              verdict->is_fake ? "fake" : "real", verdict->decided_by, verdict->fake_probability);
      /* gangen marks frames of 128x128 and more; gandetect reads the mark back. */
      if (made->frame == GST_BUFFER_OFFSET(buffer) && made->watermarked &&
          verdict->watermark_found && verdict->watermark_payload == made->watermark_payload)
        ++good;
    } else {
      g_printerr("read-meta: frame %d lacks %s\n", seen,
                 made ? "GstGanDetectMeta" : "GstGanSyntheticMeta");
    }
    ++seen;
    gst_sample_unref(sample);
  }
  GstMessage *msg = gst_bus_pop_filtered(GST_ELEMENT_BUS(pipeline), GST_MESSAGE_ERROR);
  if (msg) {
    gst_message_parse_error(msg, &error, NULL);
    g_printerr("read-meta: %s\n", error->message);
    g_clear_error(&error);
    gst_message_unref(msg);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  g_print("%d of %d frames carried both metas, consistent\n", good, frames);
  return seen == frames && good == frames ? 0 : 1;
}
