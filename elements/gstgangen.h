/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GAN_GEN (gst_gan_gen_get_type())
G_DECLARE_FINAL_TYPE(GstGanGen, gst_gan_gen, GST, GAN_GEN, GstPushSrc)

/**
 * GstGanGenMotion:
 * @GST_GAN_GEN_MOTION_STATIC: one latent per tile: a still picture
 * @GST_GAN_GEN_MOTION_RANDOM: a new latent every frame
 * @GST_GAN_GEN_MOTION_WALK: spherical interpolation between key latents
 */
typedef enum {
  GST_GAN_GEN_MOTION_STATIC,
  GST_GAN_GEN_MOTION_RANDOM,
  GST_GAN_GEN_MOTION_WALK,
} GstGanGenMotion;

/**
 * GstGanScaling:
 * @GST_GAN_SCALING_NEAREST: nearest neighbour (blocky, exact pixels)
 * @GST_GAN_SCALING_BILINEAR: bilinear
 * @GST_GAN_SCALING_BICUBIC: bicubic (Catmull-Rom)
 */
typedef enum {
  GST_GAN_SCALING_NEAREST,
  GST_GAN_SCALING_BILINEAR,
  GST_GAN_SCALING_BICUBIC,
} GstGanScaling;

/**
 * GstGanGenQuality:
 * @GST_GAN_GEN_QUALITY_DEFAULT: the shipped natural field GAN (natural-field.gan)
 * @GST_GAN_GEN_QUALITY_FAST: its fast tier (natural-field-fast.gan): a narrower generator,
 *   about a fifth of the default's work per frame
 *
 * Which shipped model paints when #GstGanGen:model is unset.
 */
typedef enum {
  GST_GAN_GEN_QUALITY_DEFAULT,
  GST_GAN_GEN_QUALITY_FAST,
} GstGanGenQuality;

GST_ELEMENT_REGISTER_DECLARE(gangen);

G_END_DECLS
