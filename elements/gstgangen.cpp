/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-gangen
 * @title: gangen
 *
 * A video source whose frames come from a trained GAN generator, like videotestsrc but with
 * generated content. Frame n is a pure function of (model, #GstGanGen:seed, n, settings), so
 * output is reproducible, independent of #GstGanGen:batch-size, and seekable frame-accurately.
 * Every buffer carries a #GstGanSyntheticMeta and the stream carries tags saying the content
 * is machine-generated (IPTC digital source type trainedAlgorithmicMedia) and naming the model,
 * in tags that Matroska/WebM muxers write to files (comment, artist). Frames of at least
 * 128x128 also carry an invisible watermark (#GstGanGen:watermark) that gandetect reads with
 * the same #GstGanGen:watermark-key, even after re-encoding; smaller frames carry tags and meta
 * only.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -v gangen num-buffers=300 ! videoconvert ! autovideosink
 * ]| Fashion-MNIST items drifting (latent walk) at the model's native 28x28, 30 fps.
 * |[
 * gst-launch-1.0 gangen rows=4 columns=6 num-buffers=150 ! \
 *     video/x-raw,width=640,height=480,format=I420 ! x264enc ! mp4mux ! \
 *     filesink location=gan.mp4
 * ]| A 640x480 mosaic of 24 moving items, encoded to a playable file.
 * |[
 * gst-launch-1.0 gangen is-live=true motion=random seed=7 ! videoconvert ! autovideosink
 * ]| A live source with a new sample every frame.
 */
#include "gstgangen.h"

#include "gstgancommon.h"
#include <gst/gan/gstganmeta.h>

#include "gan/frame_renderer.h"
#include "gan/runtime.h"
#include "gan/threads.h"
#include "gan/watermark.h"

#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(gst_gan_gen_debug);
#define GST_CAT_DEFAULT gst_gan_gen_debug

#define DEFAULT_MODEL NULL
#define GST_GAN_DEFAULT_GENERATOR "natural-field.gan"   // models/README.md
#define GST_GAN_FAST_GENERATOR "natural-field-fast.gan" // quality=fast
#define DEFAULT_SEED 0
#define DEFAULT_MOTION GST_GAN_GEN_MOTION_WALK
#define DEFAULT_WALK_FRAMES 60
#define DEFAULT_ROWS 1
#define DEFAULT_COLUMNS 1
#define DEFAULT_BATCH_SIZE 16
#define DEFAULT_IS_LIVE FALSE
#define DEFAULT_TIMESTAMP_OFFSET 0
#define DEFAULT_SCALING GST_GAN_SCALING_BILINEAR
#define DEFAULT_WATERMARK TRUE
#define DEFAULT_WATERMARK_PAYLOAD 0
#define DEFAULT_DRIFT_SPEED 0.0
#define DEFAULT_DRIFT_ANGLE 0.0
#define DEFAULT_SCENE_SIZE 320
#define DEFAULT_QUALITY GST_GAN_GEN_QUALITY_DEFAULT
#define DEFAULT_FPS_N 30
#define DEFAULT_FPS_D 1

enum {
  PROP_0,
  PROP_MODEL,
  PROP_MODEL_DESCRIPTION,
  PROP_SEED,
  PROP_MOTION,
  PROP_WALK_FRAMES,
  PROP_ROWS,
  PROP_COLUMNS,
  PROP_BATCH_SIZE,
  PROP_IS_LIVE,
  PROP_TIMESTAMP_OFFSET,
  PROP_SCALING,
  PROP_WATERMARK,
  PROP_WATERMARK_KEY,
  PROP_WATERMARK_PAYLOAD,
  PROP_DRIFT_SPEED,
  PROP_DRIFT_ANGLE,
  PROP_SCENE_SIZE,
  PROP_FRAMES_DROPPED,
  PROP_QUALITY,
};

#define GAN_GEN_FORMATS "{ GRAY8, RGB, BGR, RGBA, BGRA, RGBx, BGRx, xRGB, I420, NV12 }"

static GstStaticPadTemplate gst_gan_gen_src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(GAN_GEN_FORMATS)));

namespace {

// What the properties set; copied under the lock once per buffer.
struct Settings {
  std::string model;             // empty: the shipped natural field GAN
  std::string model_description; // JSON or a JSON file (TorchScript models); empty: none
  guint64 seed = DEFAULT_SEED;
  GstGanGenMotion motion = DEFAULT_MOTION;
  guint walk_frames = DEFAULT_WALK_FRAMES;
  guint rows = DEFAULT_ROWS;
  guint columns = DEFAULT_COLUMNS;
  guint batch_size = DEFAULT_BATCH_SIZE;
  gint64 timestamp_offset = DEFAULT_TIMESTAMP_OFFSET;
  GstGanScaling scaling = DEFAULT_SCALING;
  gboolean watermark = DEFAULT_WATERMARK;
  std::string watermark_key = gan::kWatermarkDefaultKey;
  guint watermark_payload = DEFAULT_WATERMARK_PAYLOAD; // 0: derived from the model id
  gdouble drift_speed = DEFAULT_DRIFT_SPEED;           // field models
  gdouble drift_angle = DEFAULT_DRIFT_ANGLE;
  guint scene_size = DEFAULT_SCENE_SIZE;
  GstGanGenQuality quality = DEFAULT_QUALITY; // which shipped model, with `model` unset
};

gan::Motion core_motion(GstGanGenMotion m) {
  switch (m) {
  case GST_GAN_GEN_MOTION_STATIC:
    return gan::Motion::Static;
  case GST_GAN_GEN_MOTION_RANDOM:
    return gan::Motion::Random;
  case GST_GAN_GEN_MOTION_WALK:
    break;
  }
  return gan::Motion::Walk;
}

gan::Scaling core_scaling(GstGanScaling s) {
  switch (s) {
  case GST_GAN_SCALING_NEAREST:
    return gan::Scaling::Nearest;
  case GST_GAN_SCALING_BICUBIC:
    return gan::Scaling::Bicubic;
  case GST_GAN_SCALING_BILINEAR:
    break;
  }
  return gan::Scaling::Bilinear;
}

} // namespace

struct GstGanGenPrivate {
  std::mutex lock; // guards `settings`: properties change from any thread
  Settings settings;

  // Streaming state: touched by start/stop, caps, seeks and fill, which basesrc serialises.
  std::unique_ptr<gan::FrameRenderer> renderer; // owns the generator
  GstVideoInfo info;
  gan::PixelFormat format = gan::PixelFormat::Rgb;
  double pixel_aspect = 1.0; // the caps' pixel-aspect-ratio
  bool have_info = false;
  guint64 n_frames = 0;     // index of the next frame
  guint64 accum_frames = 0; // frames before the last caps change
  GstClockTime accum_rtime = 0;
  GstClockTime running_time = 0;
  // Live: frames made and frames skipped because painting fell behind the clock (read by
  // the frames-dropped property from any thread).
  guint64 processed = 0;
  std::atomic<guint64> dropped{0};
  // Live: when the first frame since PLAYING (or a seek) went out, minus its PTS (basesrc
  // shifts a live source's timestamps by as much, as for videotestsrc); lateness is measured
  // on the shifted timestamps. Cleared from the application thread on PAUSED -> PLAYING.
  std::atomic<bool> anchored{false};
  GstClockTimeDiff anchor = 0;
  GstClockTime paint_time = 0; // the last frame's painting and marking
  bool tags_sent = false;
  std::unique_ptr<gan::Watermark> watermark; // for the key it was made with
};

struct _GstGanGen {
  GstPushSrc parent;
  GstGanGenPrivate *priv;
};

#define gst_gan_gen_parent_class parent_class
G_DEFINE_TYPE(GstGanGen, gst_gan_gen, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE(gangen, "gangen", GST_RANK_NONE, GST_TYPE_GAN_GEN);

#define GST_TYPE_GAN_GEN_MOTION (gst_gan_gen_motion_get_type())
static GType gst_gan_gen_motion_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_GAN_GEN_MOTION_STATIC, "One latent per tile: a still picture", "static"},
      {GST_GAN_GEN_MOTION_RANDOM, "A new latent every frame", "random"},
      {GST_GAN_GEN_MOTION_WALK, "Smooth spherical walk between key latents", "walk"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstGanGenMotion", values));
  return type;
}

#define GST_TYPE_GAN_GEN_QUALITY (gst_gan_gen_quality_get_type())
static GType gst_gan_gen_quality_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_GAN_GEN_QUALITY_DEFAULT, "The shipped natural field GAN", "default"},
      {GST_GAN_GEN_QUALITY_FAST, "Its fast tier: about a fifth of the work per frame", "fast"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstGanGenQuality", values));
  return type;
}

#define GST_TYPE_GAN_SCALING (gst_gan_scaling_get_type())
static GType gst_gan_scaling_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {{GST_GAN_SCALING_NEAREST, "Nearest neighbour", "nearest"},
                                      {GST_GAN_SCALING_BILINEAR, "Bilinear", "bilinear"},
                                      {GST_GAN_SCALING_BICUBIC, "Bicubic (Catmull-Rom)", "bicubic"},
                                      {0, NULL, NULL}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstGanScaling", values));
  return type;
}

static Settings gst_gan_gen_settings(GstGanGen *self) {
  std::lock_guard<std::mutex> guard(self->priv->lock);
  return self->priv->settings;
}

static void gst_gan_gen_set_property(GObject *object, guint prop_id, const GValue *value,
                                     GParamSpec *pspec) {
  GstGanGen *self = GST_GAN_GEN(object);
  std::lock_guard<std::mutex> guard(self->priv->lock);
  Settings &s = self->priv->settings;
  switch (prop_id) {
  case PROP_MODEL: {
    const gchar *model = g_value_get_string(value);
    s.model = model ? model : "";
    break;
  }
  case PROP_MODEL_DESCRIPTION: {
    const gchar *description = g_value_get_string(value);
    s.model_description = description ? description : "";
    break;
  }
  case PROP_SEED:
    s.seed = g_value_get_uint64(value);
    break;
  case PROP_MOTION:
    s.motion = static_cast<GstGanGenMotion>(g_value_get_enum(value));
    break;
  case PROP_WALK_FRAMES:
    s.walk_frames = g_value_get_uint(value);
    break;
  case PROP_ROWS:
    s.rows = g_value_get_uint(value);
    break;
  case PROP_COLUMNS:
    s.columns = g_value_get_uint(value);
    break;
  case PROP_BATCH_SIZE:
    s.batch_size = g_value_get_uint(value);
    break;
  case PROP_IS_LIVE:
    gst_base_src_set_live(GST_BASE_SRC(object), g_value_get_boolean(value));
    break;
  case PROP_TIMESTAMP_OFFSET:
    s.timestamp_offset = g_value_get_int64(value);
    break;
  case PROP_SCALING:
    s.scaling = static_cast<GstGanScaling>(g_value_get_enum(value));
    break;
  case PROP_WATERMARK:
    s.watermark = g_value_get_boolean(value);
    break;
  case PROP_WATERMARK_KEY: {
    const gchar *key = g_value_get_string(value);
    s.watermark_key = key ? key : "";
    break;
  }
  case PROP_WATERMARK_PAYLOAD:
    s.watermark_payload = g_value_get_uint(value);
    break;
  case PROP_DRIFT_SPEED:
    s.drift_speed = g_value_get_double(value);
    break;
  case PROP_DRIFT_ANGLE:
    s.drift_angle = g_value_get_double(value);
    break;
  case PROP_SCENE_SIZE:
    s.scene_size = g_value_get_uint(value);
    break;
  case PROP_QUALITY:
    s.quality = static_cast<GstGanGenQuality>(g_value_get_enum(value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
}

static void gst_gan_gen_get_property(GObject *object, guint prop_id, GValue *value,
                                     GParamSpec *pspec) {
  GstGanGen *self = GST_GAN_GEN(object);
  std::lock_guard<std::mutex> guard(self->priv->lock);
  const Settings &s = self->priv->settings;
  switch (prop_id) {
  case PROP_MODEL:
    g_value_set_string(value, s.model.empty() ? NULL : s.model.c_str());
    break;
  case PROP_MODEL_DESCRIPTION:
    g_value_set_string(value, s.model_description.empty() ? NULL : s.model_description.c_str());
    break;
  case PROP_SEED:
    g_value_set_uint64(value, s.seed);
    break;
  case PROP_MOTION:
    g_value_set_enum(value, s.motion);
    break;
  case PROP_WALK_FRAMES:
    g_value_set_uint(value, s.walk_frames);
    break;
  case PROP_ROWS:
    g_value_set_uint(value, s.rows);
    break;
  case PROP_COLUMNS:
    g_value_set_uint(value, s.columns);
    break;
  case PROP_BATCH_SIZE:
    g_value_set_uint(value, s.batch_size);
    break;
  case PROP_IS_LIVE:
    g_value_set_boolean(value, gst_base_src_is_live(GST_BASE_SRC(object)));
    break;
  case PROP_FRAMES_DROPPED:
    g_value_set_uint64(value, self->priv->dropped.load());
    break;
  case PROP_TIMESTAMP_OFFSET:
    g_value_set_int64(value, s.timestamp_offset);
    break;
  case PROP_SCALING:
    g_value_set_enum(value, s.scaling);
    break;
  case PROP_WATERMARK:
    g_value_set_boolean(value, s.watermark);
    break;
  case PROP_WATERMARK_KEY:
    g_value_set_string(value, s.watermark_key.c_str());
    break;
  case PROP_WATERMARK_PAYLOAD:
    g_value_set_uint(value, s.watermark_payload);
    break;
  case PROP_DRIFT_SPEED:
    g_value_set_double(value, s.drift_speed);
    break;
  case PROP_DRIFT_ANGLE:
    g_value_set_double(value, s.drift_angle);
    break;
  case PROP_SCENE_SIZE:
    g_value_set_uint(value, s.scene_size);
    break;
  case PROP_QUALITY:
    g_value_set_enum(value, s.quality);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
}

static gboolean gst_gan_gen_start(GstBaseSrc *bsrc) {
  GstGanGen *self = GST_GAN_GEN(bsrc);
  GstGanGenPrivate *priv = self->priv;
  const Settings s = gst_gan_gen_settings(self);
  const std::string path = !s.model.empty()
                               ? s.model
                               : gst_gan_shipped_model(s.quality == GST_GAN_GEN_QUALITY_FAST
                                                           ? GST_GAN_FAST_GENERATOR
                                                           : GST_GAN_DEFAULT_GENERATOR);
  std::unique_ptr<gan::Generator> generator = gst_gan_load_model<gan::Generator>(
      GST_ELEMENT(self), "generator", path, s.model_description, true);
  if (!generator)
    return FALSE;
  priv->renderer = std::make_unique<gan::FrameRenderer>(std::move(generator));
  GST_INFO_OBJECT(self, "loaded %s (%s)", path.c_str(),
                  priv->renderer->generator().info().id.c_str());
  priv->have_info = false;
  priv->n_frames = priv->accum_frames = 0;
  priv->accum_rtime = priv->running_time = 0;
  priv->processed = 0;
  priv->dropped = 0;
  priv->anchored = false;
  priv->paint_time = 0;
  priv->tags_sent = false;
  return TRUE;
}

static gboolean gst_gan_gen_stop(GstBaseSrc *bsrc) {
  GstGanGenPrivate *priv = GST_GAN_GEN(bsrc)->priv;
  priv->renderer.reset();
  priv->have_info = false;
  return TRUE;
}

static GstCaps *gst_gan_gen_fixate(GstBaseSrc *bsrc, GstCaps *caps) {
  GstGanGen *self = GST_GAN_GEN(bsrc);
  const Settings s = gst_gan_gen_settings(self);
  // Native size: a field model's 640x480; a vector model's image, tiled rows x columns.
  // Colour models prefer RGB where downstream leaves the format open.
  gint width = 28 * static_cast<gint>(s.columns), height = 28 * static_cast<gint>(s.rows);
  caps = gst_caps_make_writable(caps);
  GstStructure *structure = gst_caps_get_structure(caps, 0);
  if (self->priv->renderer) {
    const gan::Generator &g = self->priv->renderer->generator();
    if (g.info().config.channels == 3)
      gst_structure_fixate_field_string(structure, "format", "RGB");
    if (g.paints_any_size()) {
      width = 640;
      height = 480;
    } else {
      width = static_cast<gint>(g.info().config.width * s.columns);
      height = static_cast<gint>(g.info().config.height * s.rows);
    }
  }
  gst_structure_fixate_field_nearest_int(structure, "width", width);
  gst_structure_fixate_field_nearest_int(structure, "height", height);
  gst_structure_fixate_field_nearest_fraction(structure, "framerate", DEFAULT_FPS_N, DEFAULT_FPS_D);
  // Square pixels unless downstream asks otherwise (as videotestsrc): frames are drawn for it.
  if (gst_structure_has_field(structure, "pixel-aspect-ratio"))
    gst_structure_fixate_field_nearest_fraction(structure, "pixel-aspect-ratio", 1, 1);
  else
    gst_structure_set(structure, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  return GST_BASE_SRC_CLASS(parent_class)->fixate(bsrc, caps);
}

static gboolean gst_gan_gen_set_caps(GstBaseSrc *bsrc, GstCaps *caps) {
  GstGanGen *self = GST_GAN_GEN(bsrc);
  GstGanGenPrivate *priv = self->priv;
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, caps)) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Cannot produce these caps"),
                      ("unparsable caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  gan::PixelFormat format;
  if (!gst_gan_pixel_format(GST_VIDEO_INFO_FORMAT(&info), &format)) {
    GST_ELEMENT_ERROR(
        self, CORE, NEGOTIATION,
        ("Unsupported video format %s", gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info))),
        (NULL));
    return FALSE;
  }
  // A framerate change keeps timestamps continuous: account what was produced so far.
  if (priv->have_info && GST_VIDEO_INFO_FPS_N(&priv->info) != 0) {
    priv->accum_rtime += gst_util_uint64_scale(priv->n_frames - priv->accum_frames,
                                               GST_VIDEO_INFO_FPS_D(&priv->info) * GST_SECOND,
                                               GST_VIDEO_INFO_FPS_N(&priv->info));
    priv->accum_frames = priv->n_frames;
  }
  priv->info = info;
  priv->format = format;
  priv->pixel_aspect = GST_VIDEO_INFO_PAR_N(&info) > 0 && GST_VIDEO_INFO_PAR_D(&info) > 0
                           ? static_cast<double>(GST_VIDEO_INFO_PAR_N(&info)) /
                                 static_cast<double>(GST_VIDEO_INFO_PAR_D(&info))
                           : 1.0;
  priv->have_info = true;
  GST_DEBUG_OBJECT(self, "negotiated %" GST_PTR_FORMAT, caps);
  return TRUE;
}

static gboolean gst_gan_gen_decide_allocation(GstBaseSrc *bsrc, GstQuery *query) {
  GstBufferPool *pool = NULL;
  guint size, min, max;
  GstVideoInfo *info = &GST_GAN_GEN(bsrc)->priv->info;
  GstCaps *caps;
  gst_query_parse_allocation(query, &caps, NULL);
  const gboolean update = gst_query_get_n_allocation_pools(query) > 0;
  if (update) {
    gst_query_parse_nth_allocation_pool(query, 0, &pool, &size, &min, &max);
    size = MAX(size, (guint)GST_VIDEO_INFO_SIZE(info));
  } else {
    size = static_cast<guint>(GST_VIDEO_INFO_SIZE(info));
    min = max = 0;
  }
  if (!pool)
    pool = gst_video_buffer_pool_new();
  GstStructure *config = gst_buffer_pool_get_config(pool);
  gst_buffer_pool_config_set_params(config, caps, size, min, max);
  const gboolean video_meta = gst_query_find_allocation_meta(query, GST_VIDEO_META_API_TYPE, NULL);
  if (video_meta)
    gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_set_config(pool, config);
  GST_DEBUG_OBJECT(bsrc, "%s pool %" GST_PTR_FORMAT ": size %u, min %u, max %u, video meta %d",
                   update ? "downstream's" : "own", pool, size, min, max, video_meta);
  if (update)
    gst_query_set_nth_allocation_pool(query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool(query, pool, size, min, max);
  gst_object_unref(pool);
  return GST_BASE_SRC_CLASS(parent_class)->decide_allocation(bsrc, query);
}

static gboolean gst_gan_gen_is_seekable(GstBaseSrc *) { return TRUE; }

// Reverse playback is not served: such a seek is refused before basesrc flushes anything, so
// the stream goes on untouched (basesrc would flush first and only then fail in do_seek).
static gboolean gst_gan_gen_refuses_seek(GstElement *element, GstEvent *event) {
  if (GST_EVENT_TYPE(event) != GST_EVENT_SEEK)
    return FALSE;
  gdouble rate;
  gst_event_parse_seek(event, &rate, NULL, NULL, NULL, NULL, NULL, NULL);
  if (rate >= 0)
    return FALSE;
  GST_WARNING_OBJECT(element, "refusing a seek at rate %f: reverse playback is not supported",
                     rate);
  return TRUE;
}

// Seeks that travel upstream through the pads (a pipeline seek).
static gboolean gst_gan_gen_event(GstBaseSrc *bsrc, GstEvent *event) {
  if (gst_gan_gen_refuses_seek(GST_ELEMENT(bsrc), event))
    return FALSE;
  return GST_BASE_SRC_CLASS(parent_class)->event(bsrc, event);
}

// Seeks sent to the element itself.
static gboolean gst_gan_gen_send_event(GstElement *element, GstEvent *event) {
  if (gst_gan_gen_refuses_seek(element, event)) {
    gst_event_unref(event);
    return FALSE;
  }
  return GST_ELEMENT_CLASS(parent_class)->send_event(element, event);
}

static gboolean gst_gan_gen_do_seek(GstBaseSrc *bsrc, GstSegment *segment) {
  GstGanGenPrivate *priv = GST_GAN_GEN(bsrc)->priv;
  if (segment->rate < 0) {
    GST_WARNING_OBJECT(bsrc, "reverse playback is not supported");
    return FALSE;
  }
  segment->time = segment->start;
  const GstClockTime position = segment->position;
  const gint fps_n = priv->have_info ? GST_VIDEO_INFO_FPS_N(&priv->info) : 0;
  const gint fps_d = priv->have_info ? GST_VIDEO_INFO_FPS_D(&priv->info) : 1;
  // The frame showing at `position`, never the one after it.
  priv->n_frames = fps_n ? gst_util_uint64_scale(position, fps_n, fps_d * GST_SECOND) : 0;
  priv->accum_frames = 0;
  priv->accum_rtime = 0;
  priv->running_time = fps_n ? gst_util_uint64_scale(priv->n_frames, fps_d * GST_SECOND, fps_n) : 0;
  priv->anchored = false; // basesrc shifts the timestamps anew
  GST_DEBUG_OBJECT(bsrc, "seek to %" GST_TIME_FORMAT ": frame %" G_GUINT64_FORMAT,
                   GST_TIME_ARGS(position), priv->n_frames);
  return TRUE;
}

static gboolean gst_gan_gen_query(GstBaseSrc *bsrc, GstQuery *query) {
  GstGanGenPrivate *priv = GST_GAN_GEN(bsrc)->priv;
  switch (GST_QUERY_TYPE(query)) {
  case GST_QUERY_LATENCY:
    if (priv->have_info && GST_VIDEO_INFO_FPS_N(&priv->info) > 0) {
      // Live: a frame exists only once its whole duration has passed.
      const GstClockTime latency = gst_util_uint64_scale(
          GST_SECOND, GST_VIDEO_INFO_FPS_D(&priv->info), GST_VIDEO_INFO_FPS_N(&priv->info));
      gst_query_set_latency(query, gst_base_src_is_live(bsrc), latency, GST_CLOCK_TIME_NONE);
      return TRUE;
    }
    break;
  case GST_QUERY_DURATION: {
    // num-buffers frames, as videotestsrc answers: in frames, or their time at the framerate.
    GstFormat format;
    gst_query_parse_duration(query, &format, NULL);
    const gint num_buffers = bsrc->num_buffers;
    if (num_buffers < 0 || !priv->have_info)
      break;
    gint64 duration = -1;
    if (format == GST_FORMAT_DEFAULT)
      duration = num_buffers;
    else if (format == GST_FORMAT_TIME && GST_VIDEO_INFO_FPS_N(&priv->info) > 0)
      duration = static_cast<gint64>(gst_util_uint64_scale(
          static_cast<guint64>(num_buffers) * GST_SECOND, GST_VIDEO_INFO_FPS_D(&priv->info),
          GST_VIDEO_INFO_FPS_N(&priv->info)));
    if (duration < 0)
      break;
    gst_query_set_duration(query, format, duration);
    return TRUE;
  }
  case GST_QUERY_CONVERT:
    if (priv->have_info) {
      GstFormat src_fmt, dest_fmt;
      gint64 src_val, dest_val;
      gst_query_parse_convert(query, &src_fmt, &src_val, &dest_fmt, &dest_val);
      if (gst_video_info_convert(&priv->info, src_fmt, src_val, dest_fmt, &dest_val)) {
        gst_query_set_convert(query, src_fmt, src_val, dest_fmt, dest_val);
        return TRUE;
      }
    }
    break;
  default:
    break;
  }
  return GST_BASE_SRC_CLASS(parent_class)->query(bsrc, query);
}

static void gst_gan_gen_get_times(GstBaseSrc *bsrc, GstBuffer *buffer, GstClockTime *start,
                                  GstClockTime *end) {
  // Live: sync each buffer on its timestamp. Not live: push as fast as downstream takes.
  if (gst_base_src_is_live(bsrc) && GST_BUFFER_PTS_IS_VALID(buffer)) {
    *start = GST_BUFFER_PTS(buffer);
    *end = GST_BUFFER_DURATION_IS_VALID(buffer) ? *start + GST_BUFFER_DURATION(buffer)
                                                : GST_CLOCK_TIME_NONE;
  } else {
    *start = *end = GST_CLOCK_TIME_NONE;
  }
}

// What a frame's pixels depend on, for the core's renderer.
static gan::RenderSettings gst_gan_gen_render_settings(const Settings &s, double pixel_aspect) {
  gan::RenderSettings r;
  r.seed = s.seed;
  r.motion = core_motion(s.motion);
  r.walk_frames = s.walk_frames;
  r.rows = s.rows;
  r.columns = s.columns;
  r.scaling = core_scaling(s.scaling);
  r.drift_speed = s.drift_speed;
  r.drift_angle = s.drift_angle;
  r.scene_size = s.scene_size;
  r.pixel_aspect = pixel_aspect;
  r.batch_size = std::max<guint>(1, s.batch_size);
  return r;
}

// Frames still wanted from frame n on (n included): num-buffers' remainder and the segment's
// stop, whichever comes first; -1 when neither bounds the stream. A batch makes no more.
static int64_t gst_gan_gen_frames_left(GstBaseSrc *bsrc, guint64 n, gint fps_n, gint fps_d) {
  int64_t left = -1;
  // Base source counts this frame off before fill: what is left is after it.
  if (bsrc->num_buffers >= 0 && bsrc->num_buffers_left >= 0)
    left = static_cast<int64_t>(bsrc->num_buffers_left) + 1;
  GST_OBJECT_LOCK(bsrc);
  const GstSegment segment = bsrc->segment;
  GST_OBJECT_UNLOCK(bsrc);
  if (fps_n > 0 && segment.format == GST_FORMAT_TIME && segment.rate > 0 &&
      GST_CLOCK_TIME_IS_VALID(segment.stop)) {
    const guint64 end =
        gst_util_uint64_scale_ceil(segment.stop, fps_n, static_cast<guint64>(fps_d) * GST_SECOND);
    const int64_t until_stop = end > n ? static_cast<int64_t>(end - n) : 1;
    left = left < 0 ? until_stop : std::min(left, until_stop);
  }
  return left;
}

static guint32 gst_gan_gen_payload(GstGanGen *self, const Settings &s) {
  return s.watermark_payload
             ? s.watermark_payload
             : gan::watermark_payload_for(self->priv->renderer->generator().info().id);
}

// Provenance in standard tags: the IPTC digital source type (as C2PA and IPTC photo metadata
// name it) and the model. Matroska/WebM muxers write comment and artist into files;
// description, keywords and application-name reach the muxers that have fields for them.
static void gst_gan_gen_send_tags(GstGanGen *self, const Settings &s) {
  const gan::ModelInfo &info = self->priv->renderer->generator().info();
  char payload[16];
  g_snprintf(payload, sizeof payload, "0x%08x", gst_gan_gen_payload(self, s));
  const std::string comment =
      "digital-source-type=http://cv.iptc.org/newscodes/digitalsourcetype/"
      "trainedAlgorithmicMedia; generator=gst-gan gangen; model=" +
      info.id +
      (s.watermark && !s.watermark_key.empty() ? std::string("; watermark-payload=") + payload
                                               : std::string());
  const std::string artist = "gst-gan gangen (model " + info.id + ")";
  GstTagList *tags = gst_tag_list_new(
      GST_TAG_COMMENT, comment.c_str(), GST_TAG_ARTIST, artist.c_str(), GST_TAG_DESCRIPTION,
      "Synthetic video generated by a machine-learning model (trainedAlgorithmicMedia)",
      GST_TAG_APPLICATION_NAME, "gst-gan gangen", GST_TAG_KEYWORDS, "trainedAlgorithmicMedia",
      GST_TAG_KEYWORDS, "synthetic", NULL);
  gst_tag_list_set_scope(tags, GST_TAG_SCOPE_STREAM);
  gst_pad_push_event(GST_BASE_SRC_PAD(self), gst_event_new_tag(tags));
}

// The pipeline's running time now, or GST_CLOCK_TIME_NONE without a clock.
static GstClockTime gst_gan_gen_running_time_now(GstGanGen *self) {
  GstClock *clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock)
    return GST_CLOCK_TIME_NONE;
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  return GST_CLOCK_TIME_IS_VALID(now) && now >= base ? now - base : GST_CLOCK_TIME_NONE;
}

// Live, and the next frame would be a whole frame or more late by the time it is painted
// (painting is slower than the framerate): skip to the frame due then, as a camera drops what
// it could not capture, so the stream stays in real time instead of falling further behind.
// Frames are a pure function of their index, so the video shown is the one a fast machine
// shows, with frames missing. Each skip posts a QoS message (as sinks do for late buffers)
// with the running totals, and frames-dropped counts them.
static void gst_gan_gen_catch_up(GstGanGen *self, const Settings &s, gint fps_n, gint fps_d) {
  GstGanGenPrivate *priv = self->priv;
  if (!gst_base_src_is_live(GST_BASE_SRC(self)) || fps_n <= 0 || !priv->anchored)
    return;
  const GstClockTime now = gst_gan_gen_running_time_now(self);
  if (!GST_CLOCK_TIME_IS_VALID(now))
    return;
  // basesrc syncs frame k at its PTS (timestamp-offset + its running time) + anchor; the
  // frame worth painting is the one due when this painting ends.
  const GstClockTimeDiff ready = static_cast<GstClockTimeDiff>(now + priv->paint_time);
  const GstClockTimeDiff elapsed =
      ready - priv->anchor - static_cast<GstClockTimeDiff>(s.timestamp_offset + priv->accum_rtime);
  if (elapsed <= 0)
    return;
  const guint64 due = priv->accum_frames + gst_util_uint64_scale(static_cast<guint64>(elapsed),
                                                                 fps_n, fps_d * GST_SECOND);
  const guint64 n = priv->n_frames;
  if (due <= n) // frame n is less than a whole frame late: sync absorbs it
    return;
  const guint64 skipped = due - n;
  const GstClockTime late_pts = s.timestamp_offset + priv->running_time;
  priv->n_frames = due;
  priv->running_time = priv->accum_rtime +
                       gst_util_uint64_scale(due - priv->accum_frames, fps_d * GST_SECOND, fps_n);
  priv->dropped += skipped;
  GST_INFO_OBJECT(self,
                  "%" G_GUINT64_FORMAT " frames behind the clock (painting takes %" GST_TIME_FORMAT
                  "): skipped to frame %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
                  " dropped in all)",
                  skipped, GST_TIME_ARGS(priv->paint_time), due, priv->dropped.load());
  const GstClockTimeDiff late_running = static_cast<GstClockTimeDiff>(late_pts) + priv->anchor;
  GstMessage *qos = gst_message_new_qos(
      GST_OBJECT(self), TRUE, late_running > 0 ? static_cast<guint64>(late_running) : 0, late_pts,
      late_pts, s.timestamp_offset + priv->running_time - late_pts);
  gst_message_set_qos_values(qos, ready - late_running, 1.0, 1000000);
  gst_message_set_qos_stats(qos, GST_FORMAT_BUFFERS, priv->processed, priv->dropped.load());
  gst_element_post_message(GST_ELEMENT(self), qos);
}

static GstFlowReturn gst_gan_gen_fill(GstPushSrc *psrc, GstBuffer *buffer) {
  GstGanGen *self = GST_GAN_GEN(psrc);
  GstGanGenPrivate *priv = self->priv;
  if (G_UNLIKELY(!priv->have_info)) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, (NULL), ("format wasn't negotiated before fill"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  const gint fps_n = GST_VIDEO_INFO_FPS_N(&priv->info), fps_d = GST_VIDEO_INFO_FPS_D(&priv->info);
  if (fps_n == 0 && priv->n_frames >= 1) // framerate 0/1: one picture, then EOS
    return GST_FLOW_EOS;

  const Settings s = gst_gan_gen_settings(self);
  gst_gan_gen_catch_up(self, s, fps_n, fps_d);
  const guint64 n = priv->n_frames;
  const guint32 payload = gst_gan_gen_payload(self, s);
  bool watermarked = false;
  try {
    GstGanFrameMap map(&priv->info, buffer, GST_MAP_WRITE);
    if (!map.mapped) {
      GST_ELEMENT_ERROR(self, RESOURCE, WRITE, (NULL), ("cannot map the output buffer"));
      return GST_FLOW_ERROR;
    }
    const gan::FrameView view = gst_gan_frame_view(&map.frame, priv->format);
    gan::RenderSettings render = gst_gan_gen_render_settings(s, priv->pixel_aspect);
    render.frames_left = gst_gan_gen_frames_left(GST_BASE_SRC(psrc), n, fps_n, fps_d);
    const gint64 painting = g_get_monotonic_time();
    const int64_t made = priv->renderer->render(render, n, view);
    if (made > 0)
      GST_DEBUG_OBJECT(self,
                       "generated frames %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT " in one batch",
                       n, n + static_cast<guint64>(made) - 1);
    if (s.watermark && !s.watermark_key.empty()) {
      if (!priv->watermark || priv->watermark->key() != s.watermark_key)
        priv->watermark = std::make_unique<gan::Watermark>(s.watermark_key);
      watermarked = priv->watermark->embed(view, payload);
    }
    priv->paint_time = static_cast<GstClockTime>(g_get_monotonic_time() - painting) * GST_USECOND;
  } catch (const gan::Error &e) {
    gst_gan_post_error(GST_ELEMENT(self), "Could not generate frame " + std::to_string(n), e);
    return GST_FLOW_ERROR;
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Could not generate frame %" G_GUINT64_FORMAT, n),
                      ("%s", e.what()));
    return GST_FLOW_ERROR;
  }

  if (!priv->tags_sent) {
    gst_gan_gen_send_tags(self, s);
    priv->tags_sent = true;
  }
  GstGanSyntheticMeta *meta = gst_buffer_add_gan_synthetic_meta(
      buffer, priv->renderer->generator().info().id.c_str(), s.seed, n);
  if (meta && watermarked) {
    meta->watermarked = TRUE;
    meta->watermark_payload = payload;
  }

  GST_BUFFER_PTS(buffer) = s.timestamp_offset + priv->running_time;
  GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET(buffer) = n;
  priv->n_frames = n + 1;
  ++priv->processed;
  GST_BUFFER_OFFSET_END(buffer) = priv->n_frames;
  if (fps_n != 0) {
    const GstClockTime next =
        priv->accum_rtime +
        gst_util_uint64_scale(priv->n_frames - priv->accum_frames, fps_d * GST_SECOND, fps_n);
    GST_BUFFER_DURATION(buffer) = next - priv->running_time;
    priv->running_time = next;
  } else {
    GST_BUFFER_DURATION(buffer) = GST_CLOCK_TIME_NONE;
  }
  if (n == 0)
    GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
  if (gst_base_src_is_live(GST_BASE_SRC(self)) && !priv->anchored) {
    const GstClockTime now = gst_gan_gen_running_time_now(self);
    if (GST_CLOCK_TIME_IS_VALID(now)) {
      priv->anchor = GST_CLOCK_DIFF(GST_BUFFER_PTS(buffer), now);
      priv->anchored = true;
    }
  }
  GST_LOG_OBJECT(self,
                 "frame %" G_GUINT64_FORMAT ", pts %" GST_TIME_FORMAT ", duration %" GST_TIME_FORMAT
                 ", watermarked %d",
                 n, GST_TIME_ARGS(GST_BUFFER_PTS(buffer)),
                 GST_TIME_ARGS(GST_BUFFER_DURATION(buffer)), watermarked);
  return GST_FLOW_OK;
}

static GstStateChangeReturn gst_gan_gen_change_state(GstElement *element,
                                                     GstStateChange transition) {
  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING)
    GST_GAN_GEN(element)->priv->anchored = false; // basesrc shifts the timestamps anew
  return GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
}

static void gst_gan_gen_finalize(GObject *object) {
  delete GST_GAN_GEN(object)->priv;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_gan_gen_class_init(GstGanGenClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass *bsrc_class = GST_BASE_SRC_CLASS(klass);
  GstPushSrcClass *psrc_class = GST_PUSH_SRC_CLASS(klass);

  gobject_class->set_property = gst_gan_gen_set_property;
  gobject_class->get_property = gst_gan_gen_get_property;
  gobject_class->finalize = gst_gan_gen_finalize;

  /**
   * GstGanGen:model:
   *
   * A gst-gan model file (GAN or checkpoint) or a TorchScript generator. NULL means the
   * shipped natural field GAN, which paints colour frames of any size (found in the installed
   * data dir, in the source tree when run from the build tree, or in $GST_GAN_MODELS_DIR);
   * fmnist-dcgan.gan and fmnist-mlp.gan beside it are the Fashion-MNIST ones. Read when the
   * element starts.
   */
  g_object_class_install_property(
      gobject_class, PROP_MODEL,
      g_param_spec_string("model", "Model",
                          "Generator model file (gst-gan or TorchScript); NULL: the shipped "
                          "natural field GAN",
                          DEFAULT_MODEL, GST_GAN_PARAM_RW_READY));
  /**
   * GstGanGen:model-description:
   *
   * How a TorchScript generator speaks, overriding its attributes and the JSON sidecar beside
   * it (`model.pt.json`): JSON text, or the path of a JSON file. Keys: latent_size,
   * latent_shape ("vector" [N, Z], "nchw" [N, Z, 1, 1], "auto"), channels, size, and the
   * output's range ("-1..1", "0..1", "0..255"), mean, std, channel_order. Read when the
   * element starts.
   */
  g_object_class_install_property(
      gobject_class, PROP_MODEL_DESCRIPTION,
      g_param_spec_string("model-description", "Model description",
                          "How a TorchScript generator speaks (JSON text or file); overrides "
                          "its attributes and its .json sidecar",
                          NULL, GST_GAN_PARAM_RW_READY));
  /**
   * GstGanGen:seed:
   *
   * The latent stream: the same seed gives the same video, frame for frame.
   */
  g_object_class_install_property(gobject_class, PROP_SEED,
                                  g_param_spec_uint64("seed", "Seed", "Seed of the latent stream",
                                                      0, G_MAXUINT64, DEFAULT_SEED,
                                                      GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:motion:
   *
   * How the latents move between frames. A field model's whole latent field moves this way;
   * drift-speed pans it besides.
   */
  g_object_class_install_property(
      gobject_class, PROP_MOTION,
      g_param_spec_enum("motion", "Motion", "How the picture changes from frame to frame",
                        GST_TYPE_GAN_GEN_MOTION, DEFAULT_MOTION, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:walk-frames:
   *
   * With motion=walk, frames from one key latent to the next.
   */
  g_object_class_install_property(
      gobject_class, PROP_WALK_FRAMES,
      g_param_spec_uint("walk-frames", "Walk frames", "Frames between key latents (motion=walk)", 1,
                        1000000, DEFAULT_WALK_FRAMES, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:rows:
   *
   * Mosaic rows: each frame tiles rows x columns independent samples (vector models; a field
   * model paints the whole frame).
   */
  g_object_class_install_property(gobject_class, PROP_ROWS,
                                  g_param_spec_uint("rows", "Rows",
                                                    "Mosaic rows of independent samples", 1, 64,
                                                    DEFAULT_ROWS, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:columns:
   *
   * Mosaic columns.
   */
  g_object_class_install_property(gobject_class, PROP_COLUMNS,
                                  g_param_spec_uint("columns", "Columns",
                                                    "Mosaic columns of independent samples", 1, 64,
                                                    DEFAULT_COLUMNS, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:batch-size:
   *
   * Frames computed per forward pass. Only speed depends on it, never the pixels.
   */
  g_object_class_install_property(gobject_class, PROP_BATCH_SIZE,
                                  g_param_spec_uint("batch-size", "Batch size",
                                                    "Frames computed per forward pass", 1, 256,
                                                    DEFAULT_BATCH_SIZE, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:is-live:
   *
   * Act as a live source: frames are timestamped with the running time and pushed in real
   * time; answers the latency query with one frame duration.
   */
  g_object_class_install_property(gobject_class, PROP_IS_LIVE,
                                  g_param_spec_boolean("is-live", "Is live",
                                                       "Whether to act as a live source",
                                                       DEFAULT_IS_LIVE, GST_GAN_PARAM_RW_READY));
  /**
   * GstGanGen:frames-dropped:
   *
   * Live only: frames skipped because painting fell a whole frame or more behind the clock
   * (each skip also posts a QoS message with the totals). The stream stays in real time.
   */
  g_object_class_install_property(
      gobject_class, PROP_FRAMES_DROPPED,
      g_param_spec_uint64("frames-dropped", "Frames dropped",
                          "Live: frames skipped to keep up with the clock", 0, G_MAXUINT64, 0,
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  /**
   * GstGanGen:timestamp-offset:
   *
   * An offset added to every timestamp (as in videotestsrc).
   */
  g_object_class_install_property(
      gobject_class, PROP_TIMESTAMP_OFFSET,
      g_param_spec_int64("timestamp-offset", "Timestamp offset",
                         "An offset added to timestamps set on buffers (in ns)", 0,
                         (G_MAXLONG == G_MAXINT64) ? G_MAXINT64 : (G_MAXLONG * GST_SECOND - 1),
                         DEFAULT_TIMESTAMP_OFFSET, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:scaling:
   *
   * How samples are scaled from the model's size to their mosaic cell. A sample keeps its
   * aspect ratio: it fills the largest centred rectangle of its cell with its shape, and the
   * rest of the cell is black (letterbox/pillarbox), for the negotiated pixel-aspect-ratio.
   */
  g_object_class_install_property(
      gobject_class, PROP_SCALING,
      g_param_spec_enum("scaling", "Scaling", "Interpolation from model size to cell size",
                        GST_TYPE_GAN_SCALING, DEFAULT_SCALING, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:watermark:
   *
   * Embed gst-gan's invisible watermark in the luma of every frame of at least 128x128
   * (smaller frames are left as generated). PSNR against the unmarked frame is about 40 dB.
   */
  g_object_class_install_property(
      gobject_class, PROP_WATERMARK,
      g_param_spec_boolean("watermark", "Watermark",
                           "Embed an invisible watermark in frames of at least 128x128",
                           DEFAULT_WATERMARK, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:watermark-key:
   *
   * The secret that lays out the watermark: only a reader with the same key finds it. The
   * default key is public (anyone can read and forge marks made with it). Empty: frames are not
   * marked (as ganmark passes them unmarked and gandetect reads no mark with an empty key).
   */
  g_object_class_install_property(
      gobject_class, PROP_WATERMARK_KEY,
      g_param_spec_string("watermark-key", "Watermark key",
                          "Secret key of the watermark (the default one is public; empty: no "
                          "mark)",
                          gan::kWatermarkDefaultKey, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:watermark-payload:
   *
   * The 32 bits the watermark carries; 0 means a hash of the model id.
   */
  g_object_class_install_property(
      gobject_class, PROP_WATERMARK_PAYLOAD,
      g_param_spec_uint("watermark-payload", "Watermark payload",
                        "32-bit payload of the watermark (0: derived from the model id)", 0,
                        G_MAXUINT32, DEFAULT_WATERMARK_PAYLOAD, GST_GAN_PARAM_RW_PLAYING));

  /**
   * GstGanGen:drift-speed:
   *
   * Field models: the picture pans this many pixels per frame (a camera sliding over one
   * endless painted world; whole-pixel steps). 0: no panning.
   */
  g_object_class_install_property(
      gobject_class, PROP_DRIFT_SPEED,
      g_param_spec_double("drift-speed", "Drift speed",
                          "Field models: pixels per frame the picture pans (0: none)", 0, 1000,
                          DEFAULT_DRIFT_SPEED, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:drift-angle:
   *
   * Field models: the direction the picture moves in, in degrees: 0 right, 90 up, 180 left,
   * 270 down.
   */
  g_object_class_install_property(
      gobject_class, PROP_DRIFT_ANGLE,
      g_param_spec_double("drift-angle", "Drift angle",
                          "Field models: direction of the pan in degrees (0 right, 90 up)", -360,
                          360, DEFAULT_DRIFT_ANGLE, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:scene-size:
   *
   * Field models: pixels between independent scenes (the latent field's global half), blended
   * smoothly in between, so a large frame shows several. 0: one scene over the whole video,
   * as the model saw in training.
   */
  g_object_class_install_property(
      gobject_class, PROP_SCENE_SIZE,
      g_param_spec_uint("scene-size", "Scene size",
                        "Field models: pixels between independent scenes (0: one scene)", 0, 65536,
                        DEFAULT_SCENE_SIZE, GST_GAN_PARAM_RW_PLAYING));
  /**
   * GstGanGen:quality:
   *
   * With #GstGanGen:model unset, which shipped model paints: the natural field GAN
   * ("default") or its fast tier ("fast", natural-field-fast.gan: a narrower generator for
   * 720p and for CPUs without bfloat16; models/README.md compares their pictures). Ignored
   * when a model is set. Read when the element starts.
   */
  g_object_class_install_property(
      gobject_class, PROP_QUALITY,
      g_param_spec_enum("quality", "Quality", "Which shipped model paints when model is unset",
                        GST_TYPE_GAN_GEN_QUALITY, DEFAULT_QUALITY, GST_GAN_PARAM_RW_READY));

  gst_element_class_set_static_metadata(
      element_class, "GAN video source", "Source/Video",
      "Synthetic video from a trained GAN generator (LibTorch): reproducible, seekable, any caps",
      "gst-gan developers");
  gst_element_class_add_static_pad_template(element_class, &gst_gan_gen_src_template);

  bsrc_class->start = GST_DEBUG_FUNCPTR(gst_gan_gen_start);
  bsrc_class->stop = GST_DEBUG_FUNCPTR(gst_gan_gen_stop);
  bsrc_class->fixate = GST_DEBUG_FUNCPTR(gst_gan_gen_fixate);
  bsrc_class->set_caps = GST_DEBUG_FUNCPTR(gst_gan_gen_set_caps);
  bsrc_class->decide_allocation = GST_DEBUG_FUNCPTR(gst_gan_gen_decide_allocation);
  bsrc_class->is_seekable = GST_DEBUG_FUNCPTR(gst_gan_gen_is_seekable);
  bsrc_class->do_seek = GST_DEBUG_FUNCPTR(gst_gan_gen_do_seek);
  element_class->change_state = GST_DEBUG_FUNCPTR(gst_gan_gen_change_state);
  bsrc_class->event = GST_DEBUG_FUNCPTR(gst_gan_gen_event);
  element_class->send_event = GST_DEBUG_FUNCPTR(gst_gan_gen_send_event);
  bsrc_class->query = GST_DEBUG_FUNCPTR(gst_gan_gen_query);
  bsrc_class->get_times = GST_DEBUG_FUNCPTR(gst_gan_gen_get_times);
  psrc_class->fill = GST_DEBUG_FUNCPTR(gst_gan_gen_fill);

  gst_type_mark_as_plugin_api(GST_TYPE_GAN_GEN_MOTION, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_GAN_GEN_QUALITY, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_GAN_SCALING, static_cast<GstPluginAPIFlags>(0));
  GST_DEBUG_CATEGORY_INIT(gst_gan_gen_debug, "gangen", 0, "GAN video source");
}

static void gst_gan_gen_init(GstGanGen *self) {
  self->priv = new GstGanGenPrivate();
  gst_video_info_init(&self->priv->info);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  gst_base_src_set_live(GST_BASE_SRC(self), DEFAULT_IS_LIVE);
}
