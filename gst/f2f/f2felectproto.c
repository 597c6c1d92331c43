/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "f2felectproto.h"
#include "f2fprotocol.h"
#include "f2fprotocol-private.h"
#include "f2f-enumtypes.h"

/* Election messages are small: a record is under 200 bytes. */
#define MAX_MESSAGE_SIZE 4096

void
gst_f2f_elect_message_free (GstF2fElectMessage * msg)
{
  if (msg == NULL)
    return;
  g_free (msg->reason);
  g_free (msg);
}

static gchar *
finish (JsonBuilder * b)
{
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static JsonBuilder *
start (const gchar * type)
{
  JsonBuilder *b = json_builder_new_immutable ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  return b;
}

/* A count or id: JSON integers are signed 64-bit, so it saturates. */
static void
add_uint (JsonBuilder * b, const gchar * name, guint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, (gint64) MIN (v, G_MAXINT64));
}

static void
add_double (JsonBuilder * b, const gchar * name, gdouble v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, v < 0 ? GST_F2F_ELECT_UNKNOWN : v);
}

gchar *
gst_f2f_elect_message_measurement (const GstF2fMeasurement * m, guint64 request)
{
  g_autoptr (JsonBuilder) b = start ("measurement");

  g_return_val_if_fail (m != NULL, NULL);
  add_uint (b, "request", request);
  add_uint (b, "uplink-bps", m->uplink_bps);
  json_builder_set_member_name (b, "class");
  json_builder_add_string_value (b,
      gst_f2f_capacity_class_to_string (m->capacity_class));
  add_double (b, "rtt-ms", m->rtt_ms);
  add_double (b, "loss", m->loss);
  add_double (b, "cpu-load", m->cpu_load);
  add_double (b, "encode-ms", m->encode_ms);
  return finish (b);
}

gchar *
gst_f2f_elect_message_request (guint64 request, guint64 epoch)
{
  g_autoptr (JsonBuilder) b = start ("request");

  add_uint (b, "request", request);
  add_uint (b, "epoch", epoch);
  return finish (b);
}

gchar *
gst_f2f_elect_message_trigger (const gchar * reason)
{
  g_autoptr (JsonBuilder) b = start ("trigger");

  g_return_val_if_fail (reason != NULL, NULL);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  return finish (b);
}

gchar *
gst_f2f_elect_message_probe_result (guint64 probe, guint64 bytes,
    gint64 span_us)
{
  g_autoptr (JsonBuilder) b = start ("probe-result");

  add_uint (b, "probe", probe);
  add_uint (b, "bytes", bytes);
  add_uint (b, "span-us", MAX (span_us, 0));
  return finish (b);
}

gchar *
gst_f2f_elect_message_probe_ask (guint64 probe, guint duration_ms)
{
  g_autoptr (JsonBuilder) b = start ("probe-ask");

  add_uint (b, "probe", probe);
  add_uint (b, "duration-ms", duration_ms);
  return finish (b);
}

gchar *
gst_f2f_elect_message_probe_answer (guint64 probe, gboolean granted)
{
  g_autoptr (JsonBuilder) b = start ("probe-answer");

  add_uint (b, "probe", probe);
  json_builder_set_member_name (b, "granted");
  json_builder_add_boolean_value (b, granted);
  return finish (b);
}

static const guint8 probe_magic[8] = { 'f', '2', 'f', 'p', 'r', 'o', 'b', 'e' };

GBytes *
gst_f2f_elect_probe_chunk_new (guint32 probe, guint16 index, gboolean last,
    gsize size)
{
  guint8 *data;

  g_return_val_if_fail (size >= GST_F2F_PROBE_HEADER_SIZE, NULL);
  data = g_malloc0 (size);
  memcpy (data, probe_magic, sizeof probe_magic);
  data[8] = probe >> 24;
  data[9] = probe >> 16;
  data[10] = probe >> 8;
  data[11] = probe;
  data[12] = index >> 8;
  data[13] = index;
  data[14] = last ? 1 : 0;
  return g_bytes_new_take (data, size);
}

gboolean
gst_f2f_elect_probe_chunk_parse (const guint8 * data, gsize length,
    guint32 * probe, guint16 * index, gboolean * last)
{
  if (data == NULL || length < GST_F2F_PROBE_HEADER_SIZE
      || memcmp (data, probe_magic, sizeof probe_magic) != 0
      || (data[14] & ~1) != 0 || data[15] != 0)
    return FALSE;
  *probe = (guint32) data[8] << 24 | (guint32) data[9] << 16
      | (guint32) data[10] << 8 | data[11];
  *index = (guint16) (data[12] << 8 | data[13]);
  *last = data[14] == 1;
  return TRUE;
}

/* json-glib's *_with_default getters emit a critical for a member of the
 * wrong kind; input from a peer must never do that. */
static gboolean
get_int (JsonObject * obj, const gchar * name, gint64 * out)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return *out >= 0;
}

/* A number (an integer is one too); -1 is "unknown"; other negative
 * values, NaN and infinities are refused, and so is more than @max. */
static gboolean
get_measure (JsonObject * obj, const gchar * name, gdouble max, gdouble * out)
{
  JsonNode *node = json_object_get_member (obj, name);
  GType t;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  t = json_node_get_value_type (node);
  if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else if (t == G_TYPE_INT64)
    *out = (gdouble) json_node_get_int (node);
  else
    return FALSE;
  if (*out == GST_F2F_ELECT_UNKNOWN)
    return TRUE;
  return *out >= 0 && *out <= max;
}

static gboolean
get_bool (JsonObject * obj, const gchar * name, gboolean * out)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean (node);
  return TRUE;
}

static const gchar *
get_str (JsonObject * obj, const gchar * name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static gboolean
parse_class (const gchar * nick, GstF2fCapacityClass * klass)
{
  g_autoptr (GEnumClass) enum_class = NULL;
  GEnumValue *v;

  if (nick == NULL)
    return FALSE;
  enum_class = g_type_class_ref (GST_TYPE_F2F_CAPACITY_CLASS);
  v = g_enum_get_value_by_nick (enum_class, nick);
  if (v == NULL)
    return FALSE;
  *klass = v->value;
  return TRUE;
}

static gpointer
refuse (GError ** error, const gchar * why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
      "not an election message: %s", why);
  return NULL;
}

GstF2fElectMessage *
gst_f2f_elect_message_parse (const gchar * data, gsize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GstF2fElectMessage) msg = NULL;
  const gchar *problem = NULL, *type;
  JsonObject *obj;
  JsonNode *root;
  gint64 n;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  if (length > MAX_MESSAGE_SIZE)
    return refuse (error, "too long");
  if (!g_utf8_validate_len (data, length, NULL)
      || !gst_f2f_scan_frame (data, length, GST_F2F_MAX_JSON_DEPTH, &problem))
    return refuse (error, "not a JSON object of bounded depth");
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, NULL))
    return refuse (error, "not a JSON object");
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return refuse (error, "not a JSON object");
  obj = json_node_get_object (root);
  type = get_str (obj, "type");
  msg = g_new0 (GstF2fElectMessage, 1);
  gst_f2f_measurement_init (&msg->measurement, NULL);
  msg->measurement.age_ms = 0;
  if (g_strcmp0 (type, "measurement") == 0) {
    GstF2fMeasurement *m = &msg->measurement;

    msg->type = GST_F2F_ELECT_MESSAGE_MEASUREMENT;
    if (!get_int (obj, "request", &n))
      return refuse (error, "a measurement needs a request number");
    msg->request = n;
    if (!get_int (obj, "uplink-bps", &n))
      return refuse (error, "a measurement needs uplink-bps (0: unknown)");
    m->uplink_bps = n;
    if (!parse_class (get_str (obj, "class"), &m->capacity_class))
      return refuse (error, "a measurement needs a known class");
    /* generous bounds: they only keep nonsense out of the arithmetic */
    if (!get_measure (obj, "rtt-ms", 600000, &m->rtt_ms)
        || !get_measure (obj, "loss", 1, &m->loss)
        || !get_measure (obj, "cpu-load", 1000, &m->cpu_load)
        || !get_measure (obj, "encode-ms", 600000, &m->encode_ms))
      return refuse (error, "rtt-ms, loss, cpu-load and encode-ms must be "
          "numbers in range, or -1");
  } else if (g_strcmp0 (type, "request") == 0) {
    msg->type = GST_F2F_ELECT_MESSAGE_REQUEST;
    if (!get_int (obj, "request", &n))
      return refuse (error, "a request needs a request number");
    msg->request = n;
    if (!get_int (obj, "epoch", &n))
      return refuse (error, "a request needs an epoch");
    msg->epoch = n;
  } else if (g_strcmp0 (type, "trigger") == 0) {
    const gchar *reason = get_str (obj, "reason");

    msg->type = GST_F2F_ELECT_MESSAGE_TRIGGER;
    if (reason == NULL || !*reason
        || strlen (reason) > GST_F2F_ELECT_MAX_REASON_LENGTH)
      return refuse (error, "a trigger needs a short reason");
    msg->reason = g_strdup (reason);
  } else if (g_strcmp0 (type, "probe-result") == 0) {
    msg->type = GST_F2F_ELECT_MESSAGE_PROBE_RESULT;
    if (!get_int (obj, "probe", &n))
      return refuse (error, "a probe result needs a probe id");
    msg->probe = n;
    if (!get_int (obj, "bytes", &n))
      return refuse (error, "a probe result needs bytes");
    msg->bytes = n;
    if (!get_int (obj, "span-us", &n))
      return refuse (error, "a probe result needs span-us");
    msg->span_us = n;
  } else if (g_strcmp0 (type, "probe-ask") == 0) {
    msg->type = GST_F2F_ELECT_MESSAGE_PROBE_ASK;
    if (!get_int (obj, "probe", &n) || n == 0 || n > G_MAXUINT32)
      return refuse (error, "a probe ask needs a probe id (1 to 2^32-1)");
    msg->probe = n;
    /* the probe-duration property's own bound */
    if (!get_int (obj, "duration-ms", &n) || n == 0
        || n > GST_F2F_ELECT_MAX_PROBE_DURATION_MS)
      return refuse (error, "a probe ask needs duration-ms (1 to 1000)");
    msg->duration_ms = n;
  } else if (g_strcmp0 (type, "probe-answer") == 0) {
    msg->type = GST_F2F_ELECT_MESSAGE_PROBE_ANSWER;
    if (!get_int (obj, "probe", &n) || n == 0 || n > G_MAXUINT32)
      return refuse (error, "a probe answer needs a probe id (1 to 2^32-1)");
    msg->probe = n;
    if (!get_bool (obj, "granted", &msg->granted))
      return refuse (error, "a probe answer needs granted (true or false)");
  } else {
    return refuse (error, "unknown type");
  }
  return g_steal_pointer (&msg);
}
