/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-ganpublish
 * @title: ganpublish
 *
 * Sends gst-gan's verdicts where operators look: a passthrough element (like DL Streamer's
 * gvametapublish) that reads each buffer's #GstGanDetectMeta (gandetect's verdict) and
 * #GstGanSyntheticMeta (gangen's ground truth) and publishes JSON records to a file or stdout
 * (JSON Lines or one JSON array), an MQTT broker or a Kafka cluster. The records follow the
 * JSON Schema installed as `<datadir>/gst-gan/gst-gan-record.schema.json`.
 *
 * The stream never waits for the network: records go into a bounded queue
 * (#GstGanPublish:max-queue) drained by a publisher thread that reconnects with backoff. A
 * record that finds the queue full, or that a dropped connection takes with it, is counted
 * in #GstGanPublish:dropped (and in the `ganpublish-stats` message at EOS), never lost
 * silently; while the broker is away the element posts one warning per outage, and an info
 * message when it is back. At EOS the records made before it are flushed (for at most
 * #GstGanPublish:flush-timeout). A target that cannot be reached at start is a warning and the
 * stream goes on, or an error that fails the start with #GstGanPublish:fail-on-connect.
 * Passwords and Kafka settings are write-only properties and never appear in messages.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=in.mp4 ! decodebin ! videoconvert ! gandetect ! \
 *     ganpublish location=verdicts.jsonl ! fakesink
 * gst-launch-1.0 v4l2src ! videoconvert ! gandetect ! \
 *     ganpublish target=mqtt host=broker.local topic=cameras/door/verdicts qos=1 mode=changes ! \
 *     autovideosink
 * gst-launch-1.0 rtspsrc location=rtsp://cam/stream ! decodebin ! videoconvert ! gandetect ! \
 *     ganpublish target=kafka brokers=k1:9092,k2:9092 topic=verdicts mode=interval interval=5 ! \
 *     fakesink
 * ]|
 */
#include "gstganpublish.h"

#include "gstgancommon.h"

#include "file_target.h"
#include "publisher.h"
#include "records.h"
#ifdef GST_GAN_HAVE_MQTT
#include "mqtt_target.h"
#endif
#ifdef GST_GAN_HAVE_KAFKA
#include "kafka_target.h"
#endif

#include <gst/gan/gstganmeta.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

GST_DEBUG_CATEGORY_STATIC(gst_gan_publish_debug);
#define GST_CAT_DEFAULT gst_gan_publish_debug

enum {
  PROP_0,
  PROP_TARGET,
  PROP_LOCATION,
  PROP_FILE_FORMAT,
  PROP_HOST,
  PROP_PORT,
  PROP_TOPIC,
  PROP_CLIENT_ID,
  PROP_QOS,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERT_FILE,
  PROP_TLS_KEY_FILE,
  PROP_BROKERS,
  PROP_KAFKA_CONFIG,
  PROP_STREAM_ID,
  PROP_MODE,
  PROP_INTERVAL,
  PROP_MAX_QUEUE,
  PROP_FAIL_ON_CONNECT,
  PROP_FLUSH_TIMEOUT,
  PROP_RECORDS,
  PROP_DELIVERED,
  PROP_DROPPED,
};

namespace {

struct Settings {
  GstGanPublishTarget target = GST_GAN_PUBLISH_TARGET_FILE;
  std::string location = "-";
  GstGanPublishFileFormat file_format = GST_GAN_PUBLISH_FILE_FORMAT_JSON_LINES;
  std::string host = "localhost";
  guint port = 1883;
  std::string topic = "gst-gan/verdicts";
  std::string client_id;
  guint qos = 1;
  std::string username, password;
  std::string tls_ca_file, tls_cert_file, tls_key_file;
  std::string brokers = "localhost:9092";
  std::string kafka_config;
  std::string stream_id; // empty: "<pipeline>/<element>"
  GstGanPublishMode mode = GST_GAN_PUBLISH_MODE_EVERY_FRAME;
  gdouble interval = 1.0;
  guint max_queue = 1024;
  gboolean fail_on_connect = FALSE;
  guint flush_timeout = 5000; // ms
};

constexpr auto kConnectTimeout = std::chrono::milliseconds(5000);

} // namespace

struct GstGanPublishPrivate {
  std::mutex lock; // guards settings, publisher, the counts
  Settings settings;
  std::unique_ptr<ganpub::Publisher> publisher;
  ganpub::Stats last; // the closed publisher's, for the properties after stop
  guint64 records = 0;

  // streaming thread only
  std::unique_ptr<ganpub::RecordPolicy> policy;
  std::string stream_id;
  guint64 buffers = 0;
};

struct _GstGanPublish {
  GstBaseTransform parent;
  GstGanPublishPrivate *priv;
};

#define gst_gan_publish_parent_class parent_class
G_DEFINE_TYPE(GstGanPublish, gst_gan_publish, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE(ganpublish, "ganpublish", GST_RANK_NONE, GST_TYPE_GAN_PUBLISH);

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define GST_TYPE_GAN_PUBLISH_TARGET (gst_gan_publish_target_get_type())
static GType gst_gan_publish_target_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_GAN_PUBLISH_TARGET_FILE, "A file (location), or stdout", "file"},
      {GST_GAN_PUBLISH_TARGET_MQTT, "An MQTT broker (host, port, topic)", "mqtt"},
      {GST_GAN_PUBLISH_TARGET_KAFKA, "A Kafka cluster (brokers, topic)", "kafka"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstGanPublishTarget", values));
  return type;
}

#define GST_TYPE_GAN_PUBLISH_FILE_FORMAT (gst_gan_publish_file_format_get_type())
static GType gst_gan_publish_file_format_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_GAN_PUBLISH_FILE_FORMAT_JSON_LINES, "One record a line (JSON Lines)", "json-lines"},
      {GST_GAN_PUBLISH_FILE_FORMAT_JSON, "One JSON array of records", "json"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstGanPublishFileFormat", values));
  return type;
}

#define GST_TYPE_GAN_PUBLISH_MODE (gst_gan_publish_mode_get_type())
static GType gst_gan_publish_mode_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_GAN_PUBLISH_MODE_EVERY_FRAME, "A record for every frame with a verdict", "every-frame"},
      {GST_GAN_PUBLISH_MODE_CHANGES, "A record when the verdict changes", "changes"},
      {GST_GAN_PUBLISH_MODE_INTERVAL, "A summary every interval seconds", "interval"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstGanPublishMode", values));
  return type;
}

static std::string string_of(const GValue *value) {
  const gchar *s = g_value_get_string(value);
  return s ? s : "";
}

static void gst_gan_publish_set_property(GObject *object, guint prop_id, const GValue *value,
                                         GParamSpec *pspec) {
  GstGanPublishPrivate *priv = GST_GAN_PUBLISH(object)->priv;
  std::lock_guard<std::mutex> guard(priv->lock);
  Settings &s = priv->settings;
  switch (prop_id) {
  case PROP_TARGET:
    s.target = static_cast<GstGanPublishTarget>(g_value_get_enum(value));
    break;
  case PROP_LOCATION:
    s.location = string_of(value);
    break;
  case PROP_FILE_FORMAT:
    s.file_format = static_cast<GstGanPublishFileFormat>(g_value_get_enum(value));
    break;
  case PROP_HOST:
    s.host = string_of(value);
    break;
  case PROP_PORT:
    s.port = g_value_get_uint(value);
    break;
  case PROP_TOPIC:
    s.topic = string_of(value);
    break;
  case PROP_CLIENT_ID:
    s.client_id = string_of(value);
    break;
  case PROP_QOS:
    s.qos = g_value_get_uint(value);
    break;
  case PROP_USERNAME:
    s.username = string_of(value);
    break;
  case PROP_PASSWORD:
    s.password = string_of(value);
    break;
  case PROP_TLS_CA_FILE:
    s.tls_ca_file = string_of(value);
    break;
  case PROP_TLS_CERT_FILE:
    s.tls_cert_file = string_of(value);
    break;
  case PROP_TLS_KEY_FILE:
    s.tls_key_file = string_of(value);
    break;
  case PROP_BROKERS:
    s.brokers = string_of(value);
    break;
  case PROP_KAFKA_CONFIG:
    s.kafka_config = string_of(value);
    break;
  case PROP_STREAM_ID:
    s.stream_id = string_of(value);
    break;
  case PROP_MODE:
    s.mode = static_cast<GstGanPublishMode>(g_value_get_enum(value));
    break;
  case PROP_INTERVAL:
    s.interval = g_value_get_double(value);
    break;
  case PROP_MAX_QUEUE:
    s.max_queue = g_value_get_uint(value);
    break;
  case PROP_FAIL_ON_CONNECT:
    s.fail_on_connect = g_value_get_boolean(value);
    break;
  case PROP_FLUSH_TIMEOUT:
    s.flush_timeout = g_value_get_uint(value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
}

static void gst_gan_publish_get_property(GObject *object, guint prop_id, GValue *value,
                                         GParamSpec *pspec) {
  GstGanPublishPrivate *priv = GST_GAN_PUBLISH(object)->priv;
  std::lock_guard<std::mutex> guard(priv->lock);
  const Settings &s = priv->settings;
  const ganpub::Stats st = priv->publisher ? priv->publisher->stats() : priv->last;
  switch (prop_id) {
  case PROP_TARGET:
    g_value_set_enum(value, s.target);
    break;
  case PROP_LOCATION:
    g_value_set_string(value, s.location.c_str());
    break;
  case PROP_FILE_FORMAT:
    g_value_set_enum(value, s.file_format);
    break;
  case PROP_HOST:
    g_value_set_string(value, s.host.c_str());
    break;
  case PROP_PORT:
    g_value_set_uint(value, s.port);
    break;
  case PROP_TOPIC:
    g_value_set_string(value, s.topic.c_str());
    break;
  case PROP_CLIENT_ID:
    g_value_set_string(value, s.client_id.c_str());
    break;
  case PROP_QOS:
    g_value_set_uint(value, s.qos);
    break;
  case PROP_USERNAME:
    g_value_set_string(value, s.username.c_str());
    break;
  case PROP_TLS_CA_FILE:
    g_value_set_string(value, s.tls_ca_file.c_str());
    break;
  case PROP_TLS_CERT_FILE:
    g_value_set_string(value, s.tls_cert_file.c_str());
    break;
  case PROP_TLS_KEY_FILE:
    g_value_set_string(value, s.tls_key_file.c_str());
    break;
  case PROP_BROKERS:
    g_value_set_string(value, s.brokers.c_str());
    break;
  case PROP_STREAM_ID:
    g_value_set_string(value, s.stream_id.c_str());
    break;
  case PROP_MODE:
    g_value_set_enum(value, s.mode);
    break;
  case PROP_INTERVAL:
    g_value_set_double(value, s.interval);
    break;
  case PROP_MAX_QUEUE:
    g_value_set_uint(value, s.max_queue);
    break;
  case PROP_FAIL_ON_CONNECT:
    g_value_set_boolean(value, s.fail_on_connect);
    break;
  case PROP_FLUSH_TIMEOUT:
    g_value_set_uint(value, s.flush_timeout);
    break;
  case PROP_RECORDS:
    g_value_set_uint64(value, priv->records);
    break;
  case PROP_DELIVERED:
    g_value_set_uint64(value, st.delivered);
    break;
  case PROP_DROPPED:
    g_value_set_uint64(value, st.dropped());
    break;
  default: // password and kafka-config are write-only
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
}

// The target the settings name; throws std::runtime_error (bad settings, or a target this
// build lacks).
static std::unique_ptr<ganpub::Target> gst_gan_publish_make_target(const Settings &s) {
  switch (s.target) {
  case GST_GAN_PUBLISH_TARGET_FILE:
    return std::make_unique<ganpub::FileTarget>(s.location.empty() ? "-" : s.location,
                                                s.file_format == GST_GAN_PUBLISH_FILE_FORMAT_JSON
                                                    ? ganpub::FileFormat::JsonArray
                                                    : ganpub::FileFormat::JsonLines);
  case GST_GAN_PUBLISH_TARGET_MQTT: {
#ifdef GST_GAN_HAVE_MQTT
    ganpub::MqttSettings m;
    m.host = s.host;
    m.port = static_cast<int>(s.port);
    m.topic = s.topic;
    m.client_id = s.client_id;
    m.qos = static_cast<int>(s.qos);
    m.username = s.username;
    m.password = s.password;
    m.ca_file = s.tls_ca_file;
    m.cert_file = s.tls_cert_file;
    m.key_file = s.tls_key_file;
    return std::make_unique<ganpub::MqttTarget>(m);
#else
    throw std::runtime_error("this build of gst-gan has no MQTT (rebuild with libmosquitto-dev)");
#endif
  }
  case GST_GAN_PUBLISH_TARGET_KAFKA: {
#ifdef GST_GAN_HAVE_KAFKA
    ganpub::KafkaSettings k;
    k.brokers = s.brokers;
    k.topic = s.topic;
    k.config = ganpub::parse_kafka_config(s.kafka_config);
    return std::make_unique<ganpub::KafkaTarget>(k);
#else
    throw std::runtime_error("this build of gst-gan has no Kafka (rebuild with librdkafka-dev)");
#endif
  }
  }
  throw std::runtime_error("unknown target");
}

// "<pipeline>/<element>": the names of the top-level bin and of this element.
static std::string gst_gan_publish_default_stream_id(GstGanPublish *self) {
  GstObject *top = GST_OBJECT(gst_object_ref(self));
  while (GstObject *parent = gst_object_get_parent(top)) {
    gst_object_unref(top);
    top = parent;
  }
  gchar *top_name = gst_object_get_name(top);
  gchar *name = gst_object_get_name(GST_OBJECT(self));
  std::string id =
      top == GST_OBJECT(self) ? std::string(name) : std::string(top_name) + "/" + std::string(name);
  g_free(top_name);
  g_free(name);
  gst_object_unref(top);
  return id;
}

static void gst_gan_publish_on_event(GstGanPublish *self, const ganpub::Event &e) {
  const std::string text = gst_gan_valid_utf8(e.text);
  if (e.kind == ganpub::Event::Kind::Down)
    GST_ELEMENT_WARNING(self, RESOURCE, WRITE,
                        ("Verdicts are not reaching %s; they are queued (dropped and counted "
                         "when the queue is full)",
                         text.c_str()),
                        (NULL));
  else
    GST_ELEMENT_INFO(self, RESOURCE, WRITE, ("Publishing verdicts to %s", text.c_str()), (NULL));
}

static gboolean gst_gan_publish_start(GstBaseTransform *trans) {
  GstGanPublish *self = GST_GAN_PUBLISH(trans);
  GstGanPublishPrivate *priv = self->priv;
  Settings s;
  {
    std::lock_guard<std::mutex> guard(priv->lock);
    s = priv->settings;
    priv->records = 0;
    priv->last = {};
  }
  std::unique_ptr<ganpub::Target> target;
  try {
    target = gst_gan_publish_make_target(s);
    priv->policy = std::make_unique<ganpub::RecordPolicy>(
        s.mode == GST_GAN_PUBLISH_MODE_CHANGES    ? ganpub::Mode::Changes
        : s.mode == GST_GAN_PUBLISH_MODE_INTERVAL ? ganpub::Mode::Interval
                                                  : ganpub::Mode::EveryFrame,
        s.interval);
  } catch (const std::exception &e) {
    const std::string what = gst_gan_valid_utf8(e.what());
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Cannot publish verdicts: %s", what.c_str()),
                      (NULL));
    return FALSE;
  }
  // A file is opened now whatever fail-on-connect says (that is instant); a broker is tried
  // now only when its absence must fail the start, else the publisher thread connects.
  if (s.fail_on_connect || s.target == GST_GAN_PUBLISH_TARGET_FILE) {
    try {
      target->start(kConnectTimeout);
    } catch (const std::exception &e) {
      const std::string what = gst_gan_valid_utf8(e.what());
      if (s.fail_on_connect) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("Cannot publish verdicts: %s", what.c_str()),
                          (NULL));
        return FALSE;
      }
      GST_ELEMENT_WARNING(self, RESOURCE, OPEN_WRITE,
                          ("Cannot publish verdicts (the stream goes on): %s", what.c_str()),
                          (NULL));
    }
  }
  priv->stream_id = s.stream_id.empty() ? gst_gan_publish_default_stream_id(self) : s.stream_id;
  priv->buffers = 0;
  auto publisher = std::make_unique<ganpub::Publisher>(
      std::move(target), s.max_queue,
      [self](const ganpub::Event &e) { gst_gan_publish_on_event(self, e); });
  GST_INFO_OBJECT(self, "publishing to %s as stream '%s'", publisher->target_description().c_str(),
                  priv->stream_id.c_str());
  std::lock_guard<std::mutex> guard(priv->lock);
  priv->publisher = std::move(publisher);
  return TRUE;
}

static gboolean gst_gan_publish_stop(GstBaseTransform *trans) {
  GstGanPublishPrivate *priv = GST_GAN_PUBLISH(trans)->priv;
  std::unique_ptr<ganpub::Publisher> publisher;
  {
    std::lock_guard<std::mutex> guard(priv->lock);
    publisher = std::move(priv->publisher);
  }
  if (publisher) {
    publisher->close(std::chrono::milliseconds(0)); // EOS already flushed what it could
    std::lock_guard<std::mutex> guard(priv->lock);
    priv->last = publisher->stats();
  }
  priv->policy.reset();
  return TRUE;
}

static void gst_gan_publish_push(GstGanPublish *self, std::string payload) {
  GstGanPublishPrivate *priv = self->priv;
  std::lock_guard<std::mutex> guard(priv->lock);
  ++priv->records;
  if (priv->publisher && !priv->publisher->push({std::move(payload), priv->stream_id}))
    GST_DEBUG_OBJECT(self, "queue full: a record dropped (counted)");
}

static GstFlowReturn gst_gan_publish_transform_ip(GstBaseTransform *trans, GstBuffer *buf) {
  GstGanPublish *self = GST_GAN_PUBLISH(trans);
  GstGanPublishPrivate *priv = self->priv;
  const guint64 seen = priv->buffers++;
  const GstGanDetectMeta *dm = gst_buffer_get_gan_detect_meta(buf);
  const GstGanSyntheticMeta *sm = gst_buffer_get_gan_synthetic_meta(buf);
  if (!dm && !sm)
    return GST_FLOW_OK; // nothing to say about this frame
  ganpub::FrameVerdict v;
  v.stream_id = priv->stream_id;
  v.frame = GST_BUFFER_OFFSET_IS_VALID(buf) ? GST_BUFFER_OFFSET(buf) : seen;
  if (GST_BUFFER_PTS_IS_VALID(buf)) {
    v.pts_ns = GST_BUFFER_PTS(buf);
    if (trans->segment.format == GST_FORMAT_TIME) {
      const guint64 rt =
          gst_segment_to_running_time(&trans->segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
      if (GST_CLOCK_TIME_IS_VALID(rt))
        v.running_time_ns = rt;
    }
  }
  v.utc_ms = g_get_real_time() / 1000;
  if (dm) {
    ganpub::Detection d;
    d.model_id = dm->model_id ? dm->model_id : "";
    d.fake_probability = dm->fake_probability;
    d.logit = dm->logit;
    d.is_fake = dm->is_fake;
    d.decided_by = dm->decided_by ? dm->decided_by : "detector";
    d.inferred = dm->inferred;
    d.age = dm->age;
    d.watermark_found = dm->watermark_found;
    d.watermark_payload = dm->watermark_payload;
    d.watermark_score = dm->watermark_score;
    v.detection = d;
  }
  if (sm) {
    ganpub::Synthetic s;
    s.model_id = sm->model_id ? sm->model_id : "";
    s.seed = sm->seed;
    s.frame = sm->frame;
    s.watermarked = sm->watermarked;
    s.watermark_payload = sm->watermark_payload;
    v.synthetic = s;
  }
  for (std::string &record : priv->policy->take(v))
    gst_gan_publish_push(self, std::move(record));
  return GST_FLOW_OK;
}

// At EOS: the interval under way summarised, everything flushed (within flush-timeout), and
// the counts posted as an element message `ganpublish-stats`.
static gboolean gst_gan_publish_sink_event(GstBaseTransform *trans, GstEvent *event) {
  GstGanPublish *self = GST_GAN_PUBLISH(trans);
  GstGanPublishPrivate *priv = self->priv;
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS && priv->policy) {
    if (std::optional<std::string> last = priv->policy->finish())
      gst_gan_publish_push(self, std::move(*last));
    ganpub::Publisher *publisher;
    guint timeout;
    {
      std::lock_guard<std::mutex> guard(priv->lock);
      publisher = priv->publisher.get();
      timeout = priv->settings.flush_timeout;
    }
    if (publisher) { // only stop() resets it, and not while this thread is in an event
      const bool flushed = publisher->drain(std::chrono::milliseconds(timeout));
      const ganpub::Stats st = publisher->stats();
      guint64 records;
      {
        std::lock_guard<std::mutex> guard(priv->lock);
        records = priv->records;
      }
      if (!flushed)
        GST_ELEMENT_WARNING(
            self, RESOURCE, WRITE,
            ("%" G_GUINT64_FORMAT " verdict records not delivered by EOS",
             st.queued + st.in_flight),
            ("target %s, flush-timeout %u ms", publisher->target_description().c_str(), timeout));
      gst_element_post_message(
          GST_ELEMENT(self),
          gst_message_new_element(
              GST_OBJECT(self),
              gst_structure_new("ganpublish-stats", "target", G_TYPE_STRING,
                                publisher->target_description().c_str(), "records", G_TYPE_UINT64,
                                records, "delivered", G_TYPE_UINT64,
                                static_cast<guint64>(st.delivered), "dropped", G_TYPE_UINT64,
                                static_cast<guint64>(st.dropped()), "pending", G_TYPE_UINT64,
                                static_cast<guint64>(st.queued + st.in_flight), "outages",
                                G_TYPE_UINT64, static_cast<guint64>(st.outages), NULL)));
      GST_INFO_OBJECT(self,
                      "EOS: %" G_GUINT64_FORMAT " records, %" G_GUINT64_FORMAT
                      " delivered, %" G_GUINT64_FORMAT " dropped",
                      records, static_cast<guint64>(st.delivered),
                      static_cast<guint64>(st.dropped()));
    }
  }
  return GST_BASE_TRANSFORM_CLASS(parent_class)->sink_event(trans, event);
}

static void gst_gan_publish_finalize(GObject *object) {
  GstGanPublish *self = GST_GAN_PUBLISH(object);
  delete self->priv;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_gan_publish_class_init(GstGanPublishClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(gst_gan_publish_debug, "ganpublish", 0, "gst-gan verdict publisher");

  gobject_class->set_property = gst_gan_publish_set_property;
  gobject_class->get_property = gst_gan_publish_get_property;
  gobject_class->finalize = gst_gan_publish_finalize;
  const Settings d;
  constexpr GParamFlags kWriteOnly =
      static_cast<GParamFlags>(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  g_object_class_install_property(gobject_class, PROP_TARGET,
                                  g_param_spec_enum("target", "Target", "Where the records go",
                                                    GST_TYPE_GAN_PUBLISH_TARGET, d.target,
                                                    GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(gobject_class, PROP_LOCATION,
                                  g_param_spec_string("location", "Location",
                                                      "target=file: the file (\"-\": stdout)",
                                                      d.location.c_str(), GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_FILE_FORMAT,
      g_param_spec_enum("file-format", "File format", "target=file: JSON Lines or one array",
                        GST_TYPE_GAN_PUBLISH_FILE_FORMAT, d.file_format, GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(gobject_class, PROP_HOST,
                                  g_param_spec_string("host", "Host",
                                                      "target=mqtt: the broker's host",
                                                      d.host.c_str(), GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_PORT,
      g_param_spec_uint("port", "Port", "target=mqtt: the broker's port (8883 is usual with TLS)",
                        1, 65535, d.port, GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(gobject_class, PROP_TOPIC,
                                  g_param_spec_string("topic", "Topic",
                                                      "target=mqtt or kafka: the topic",
                                                      d.topic.c_str(), GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(gobject_class, PROP_CLIENT_ID,
                                  g_param_spec_string("client-id", "Client id",
                                                      "target=mqtt: the client id (empty: random)",
                                                      "", GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_QOS,
      g_param_spec_uint("qos", "QoS",
                        "target=mqtt: 0 (counted delivered when written), 1 or 2 (when the "
                        "broker acknowledges)",
                        0, 2, d.qos, GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(gobject_class, PROP_USERNAME,
                                  g_param_spec_string("username", "Username",
                                                      "target=mqtt: user name", "",
                                                      GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_PASSWORD,
      g_param_spec_string("password", "Password",
                          "target=mqtt: password (write-only: never read back or logged)", "",
                          kWriteOnly));
  g_object_class_install_property(
      gobject_class, PROP_TLS_CA_FILE,
      g_param_spec_string("tls-ca-file", "TLS CA file",
                          "target=mqtt: TLS with this CA certificate file (PEM)", "",
                          GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_TLS_CERT_FILE,
      g_param_spec_string("tls-cert-file", "TLS client certificate",
                          "target=mqtt with TLS: the client certificate (PEM)", "",
                          GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_TLS_KEY_FILE,
      g_param_spec_string("tls-key-file", "TLS client key",
                          "target=mqtt with TLS: the client certificate's key (PEM)", "",
                          GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_BROKERS,
      g_param_spec_string("brokers", "Brokers", "target=kafka: bootstrap servers (host:port,...)",
                          d.brokers.c_str(), GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_KAFKA_CONFIG,
      g_param_spec_string(
          "kafka-config", "Kafka settings",
          "target=kafka: producer settings as key=value;key=value (security.protocol, sasl.*, "
          "ssl.*, acks, ...) passed to librdkafka (write-only: they hold secrets)",
          "", kWriteOnly));
  g_object_class_install_property(
      gobject_class, PROP_STREAM_ID,
      g_param_spec_string("stream-id", "Stream id",
                          "Names the stream in every record (empty: <pipeline>/<element>)", "",
                          GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_MODE,
      g_param_spec_enum("mode", "Mode", "Which records: every frame, changes, or summaries",
                        GST_TYPE_GAN_PUBLISH_MODE, d.mode, GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_INTERVAL,
      g_param_spec_double("interval", "Interval",
                          "mode=interval: seconds of running time a summary", 0.001, 86400,
                          d.interval, GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_MAX_QUEUE,
      g_param_spec_uint("max-queue", "Max queue",
                        "Records held while the target is slow or away; more are dropped "
                        "(counted)",
                        1, 1000000, d.max_queue, GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_FAIL_ON_CONNECT,
      g_param_spec_boolean("fail-on-connect", "Fail on connect",
                           "An unreachable target fails the start (else a warning, and the "
                           "publisher keeps trying)",
                           d.fail_on_connect, GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(
      gobject_class, PROP_FLUSH_TIMEOUT,
      g_param_spec_uint("flush-timeout", "Flush timeout",
                        "At EOS, milliseconds to wait for the queued records to be delivered", 0,
                        600000, d.flush_timeout, GST_GAN_PARAM_RW_READY));
  g_object_class_install_property(gobject_class, PROP_RECORDS,
                                  g_param_spec_uint64("records", "Records",
                                                      "Records made since start", 0, G_MAXUINT64, 0,
                                                      GST_GAN_PARAM_RO));
  g_object_class_install_property(gobject_class, PROP_DELIVERED,
                                  g_param_spec_uint64("delivered", "Delivered",
                                                      "Records the target acknowledged", 0,
                                                      G_MAXUINT64, 0, GST_GAN_PARAM_RO));
  g_object_class_install_property(
      gobject_class, PROP_DROPPED,
      g_param_spec_uint64("dropped", "Dropped",
                          "Records not delivered: the queue was full, a connection took them, "
                          "or they were still pending at stop",
                          0, G_MAXUINT64, 0, GST_GAN_PARAM_RO));

  gst_element_class_set_static_metadata(
      element_class, "GAN verdict publisher", "Filter/Analyzer/Video",
      "Publishes gandetect's verdicts (and gangen's ground truth) as JSON records to a file, an "
      "MQTT broker or Kafka, without ever stalling the stream",
      "gst-gan developers");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR(gst_gan_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_gan_publish_stop);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_gan_publish_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_gan_publish_sink_event);
  trans_class->passthrough_on_same_caps = TRUE;
  trans_class->transform_ip_on_passthrough = TRUE;

  gst_type_mark_as_plugin_api(GST_TYPE_GAN_PUBLISH_TARGET, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_GAN_PUBLISH_FILE_FORMAT, static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(GST_TYPE_GAN_PUBLISH_MODE, static_cast<GstPluginAPIFlags>(0));
}

static void gst_gan_publish_init(GstGanPublish *self) {
  self->priv = new GstGanPublishPrivate();
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}
