// SPDX-License-Identifier: LGPL-2.1-or-later
// The plugin library as GStreamer loads it (what gst-inspect-1.0 does).

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdlib>

TEST(Plugin, LoadsFromTheBuildTree) {
  const char *path = std::getenv("GST_GAN_PLUGIN");
  ASSERT_NE(path, nullptr) << "GST_GAN_PLUGIN is set by meson test";
  GError *error = nullptr;
  GstPlugin *plugin = gst_plugin_load_file(path, &error);
  ASSERT_NE(plugin, nullptr) << (error ? error->message : "");
  EXPECT_STREQ(gst_plugin_get_name(plugin), "gan");
  EXPECT_STREQ(gst_plugin_get_license(plugin), "LGPL");
  gst_object_unref(plugin);
}
