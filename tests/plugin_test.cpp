// SPDX-License-Identifier: LGPL-2.1-or-later
// The plugin library as GStreamer loads it (what gst-inspect-1.0 does).

#include <gst/gan/gstganmeta.h>
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

// Loading the plugin registers the metas' API types by name, before any element runs, and they
// are the types the meta library's API names.
TEST(Plugin, RegistersTheMetaApiTypesByName) {
  GstPlugin *plugin = gst_plugin_load_file(std::getenv("GST_GAN_PLUGIN"), nullptr);
  ASSERT_NE(plugin, nullptr);
  gst_object_unref(plugin);
  EXPECT_NE(g_type_from_name("GstGanSyntheticMetaAPI"), 0u);
  EXPECT_NE(g_type_from_name("GstGanDetectMetaAPI"), 0u);
  EXPECT_NE(gst_meta_get_info("GstGanDetectMeta"), nullptr);
  EXPECT_EQ(g_type_from_name("GstGanSyntheticMetaAPI"), GST_GAN_SYNTHETIC_META_API_TYPE);
  EXPECT_EQ(g_type_from_name("GstGanDetectMetaAPI"), GST_GAN_DETECT_META_API_TYPE);
}
