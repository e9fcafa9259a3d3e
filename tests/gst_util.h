// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

// Pipelines for element tests: run a description to EOS or error, collect what reached appsink.

#include "test_util.h"

#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>

namespace gan_test {

struct Frame {
  std::vector<uint8_t> bytes;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  GstClockTime duration = GST_CLOCK_TIME_NONE;
  guint64 offset = GST_BUFFER_OFFSET_NONE;
};

inline Frame to_frame(GstBuffer *buffer) {
  Frame f;
  GstMapInfo map;
  if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    f.bytes.assign(map.data, map.data + map.size);
    gst_buffer_unmap(buffer, &map);
  }
  f.pts = GST_BUFFER_PTS(buffer);
  f.duration = GST_BUFFER_DURATION(buffer);
  f.offset = GST_BUFFER_OFFSET(buffer);
  return f;
}

struct RunResult {
  std::vector<Frame> frames;
  GError *error = nullptr; // first error on the bus, if any
  std::string error_debug;
  std::vector<GstStructure *> element_messages; // copies, freed by the destructor
  std::vector<std::string> warnings;            // the text of every warning on the bus
  ~RunResult() {
    g_clear_error(&error);
    for (GstStructure *s : element_messages)
      gst_structure_free(s);
  }
};

// Runs `description` (which must end in "appsink name=sink") until EOS or an error.
inline void run_pipeline(const std::string &description, RunResult &out,
                         GstClockTime timeout = 60 * GST_SECOND) {
  GError *err = nullptr;
  GstElement *pipeline = gst_parse_launch(description.c_str(), &err);
  ASSERT_NE(pipeline, nullptr) << (err ? err->message : "");
  g_clear_error(&err);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  ASSERT_NE(sink, nullptr);
  g_object_set(sink, "sync", FALSE, "emit-signals", FALSE, NULL);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  const gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(timeout / 1000);
  bool done = false;
  while (!done && g_get_monotonic_time() < deadline) {
    GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_MSECOND);
    if (sample) {
      out.frames.push_back(to_frame(gst_sample_get_buffer(sample)));
      gst_sample_unref(sample);
      continue;
    }
    while (GstMessage *msg = gst_bus_pop(bus)) {
      switch (GST_MESSAGE_TYPE(msg)) {
      case GST_MESSAGE_ERROR:
        if (!out.error) {
          gchar *debug = nullptr;
          gst_message_parse_error(msg, &out.error, &debug);
          out.error_debug = debug ? debug : "";
          g_free(debug);
        }
        done = true;
        break;
      case GST_MESSAGE_WARNING: {
        GError *warning = nullptr;
        gst_message_parse_warning(msg, &warning, nullptr);
        out.warnings.push_back(warning ? warning->message : "");
        g_clear_error(&warning);
        break;
      }
      case GST_MESSAGE_ELEMENT:
        if (gst_message_get_structure(msg))
          out.element_messages.push_back(gst_structure_copy(gst_message_get_structure(msg)));
        break;
      case GST_MESSAGE_EOS:
        done = true;
        break;
      default:
        break;
      }
      gst_message_unref(msg);
    }
    if (gst_app_sink_is_eos(GST_APP_SINK(sink)))
      done = true;
  }
  // Messages posted just before EOS.
  while (GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) {
    out.element_messages.push_back(gst_structure_copy(gst_message_get_structure(msg)));
    gst_message_unref(msg);
  }
  EXPECT_TRUE(done) << "pipeline did not finish: " << description;
  gst_object_unref(bus);
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

} // namespace gan_test
