/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_GAN_MARK (gst_gan_mark_get_type())
G_DECLARE_FINAL_TYPE(GstGanMark, gst_gan_mark, GST, GAN_MARK, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE(ganmark);

G_END_DECLS
