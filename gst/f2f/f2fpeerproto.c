/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <json-glib/json-glib.h>

#include "f2fpeerproto.h"
#include "f2fprotocol.h"
#include "f2fprotocol-private.h"

void
gst_f2f_peer_message_free (GstF2fPeerMessage * msg)
{
  if (msg == NULL)
    return;
  g_free (msg->text);
  g_free (msg->plan_proposer);
  g_clear_pointer (&msg->plan, gst_f2f_plan_free);
  g_free (msg);
}

/* A message object begun with its type; members follow; finish() ends it
 * and gives its text. */
static JsonBuilder *
begin (const gchar * type)
{
  JsonBuilder *b = json_builder_new_immutable ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  return b;
}

static void
add_int (JsonBuilder * b, const gchar * name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static gchar *
finish (JsonBuilder * b)
{
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  g_object_unref (b);
  return json_to_string (root, FALSE);
}

static gchar *
build (const gchar * type, const gchar * key, JsonNode * value,
    const gchar * key2, gint64 value2)
{
  JsonBuilder *b = begin (type);

  if (key) {
    json_builder_set_member_name (b, key);
    json_builder_add_value (b, value);
  }
  if (key2)
    add_int (b, key2, value2);
  return finish (b);
}

gchar *
gst_f2f_peer_message_heartbeat (guint64 seq, const GstF2fPlan * plan)
{
  JsonBuilder *b = begin ("heartbeat");

  add_int (b, "seq", (gint64) seq);
  if (plan) {
    add_int (b, "plan-epoch", (gint64) gst_f2f_plan_get_epoch (plan));
    json_builder_set_member_name (b, "plan-proposer");
    json_builder_add_string_value (b, gst_f2f_plan_get_proposer (plan));
  }
  return finish (b);
}

gchar *
gst_f2f_peer_message_chat (const gchar * text, gint64 time_ms)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return build ("chat", "text", node, "time", time_ms);
}

gchar *
gst_f2f_peer_message_plan (const GstF2fPlan * plan)
{
  g_autofree gchar *json = gst_f2f_plan_to_json (plan);
  JsonNode *node = json_from_string (json, NULL);

  return build ("plan", "plan", node, NULL, 0);
}

gchar *
gst_f2f_peer_message_feedback (guint64 seq, gint64 queue_ms, gint64 peak_ms,
    gint64 rate_kbps, gint64 loss_permille)
{
  JsonBuilder *b = begin ("feedback");

  add_int (b, "seq", (gint64) seq);
  add_int (b, "queue-ms", queue_ms);
  add_int (b, "peak-ms", peak_ms);
  add_int (b, "rate-kbps", rate_kbps);
  add_int (b, "loss-permille", loss_permille);
  return finish (b);
}

/* json-glib's *_with_default getters emit a critical for a member of the
 * wrong kind; input from a peer must never do that. */
static const gchar *
get_str (JsonObject * obj, const gchar * name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static gint64
get_int_or (JsonObject * obj, const gchar * name, gint64 missing)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  return missing;
}

static gint64
get_int (JsonObject * obj, const gchar * name)
{
  return get_int_or (obj, name, 0);
}

GstF2fPeerMessage *
gst_f2f_peer_message_parse (const gchar * data, gsize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GstF2fPeerMessage) msg = NULL;
  JsonObject *obj;
  JsonNode *root;
  const gchar *type;

  /* Same outer checks as the signaling protocol. */
  const gchar *problem = NULL;

  if (length > GST_F2F_MAX_FRAME_SIZE
      || !g_utf8_validate_len (data, length, NULL)
      || !gst_f2f_scan_frame (data, length, GST_F2F_MAX_JSON_DEPTH,
          &problem)) {
    g_set_error (error, GST_F2F_PROTOCOL_ERROR,
        GST_F2F_ERROR_CODE_BAD_REQUEST, "not a valid peer message");
    return NULL;
  }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, GST_F2F_PROTOCOL_ERROR,
        GST_F2F_ERROR_CODE_BAD_REQUEST, "a peer message must be an object");
    return NULL;
  }
  obj = json_node_get_object (root);
  type = get_str (obj, "type");
  if (type == NULL)
    type = "";
  msg = g_new0 (GstF2fPeerMessage, 1);
  if (strcmp (type, "heartbeat") == 0) {
    gint64 epoch = get_int_or (obj, "plan-epoch", -1);
    const gchar *proposer = get_str (obj, "plan-proposer");

    /* both or neither; a proposer is a peer id */
    if ((epoch >= 0) != (proposer != NULL)
        || (proposer && !gst_f2f_is_valid_peer_id (proposer))) {
      g_set_error (error, GST_F2F_PROTOCOL_ERROR,
          GST_F2F_ERROR_CODE_BAD_REQUEST, "a heartbeat names a plan by a "
          "plan-epoch (0 or more) and a plan-proposer (a peer id), both or "
          "neither");
      return NULL;
    }
    msg->type = GST_F2F_PEER_MESSAGE_HEARTBEAT;
    msg->seq = get_int (obj, "seq");
    msg->plan_epoch = proposer ? (guint64) epoch : 0;
    msg->plan_proposer = g_strdup (proposer);
  } else if (strcmp (type, "chat") == 0) {
    const gchar *text = get_str (obj, "text");
    if (text == NULL || strlen (text) > GST_F2F_MAX_CHAT_LENGTH) {
      g_set_error (error, GST_F2F_PROTOCOL_ERROR,
          GST_F2F_ERROR_CODE_BAD_REQUEST, "a chat message needs a text of "
          "at most %d bytes", GST_F2F_MAX_CHAT_LENGTH);
      return NULL;
    }
    msg->type = GST_F2F_PEER_MESSAGE_CHAT;
    msg->text = g_strdup (text);
    msg->time_ms = get_int (obj, "time");
  } else if (strcmp (type, "plan") == 0) {
    JsonNode *node = json_object_get_member (obj, "plan");
    g_autofree gchar *text = NULL;

    if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
      g_set_error (error, GST_F2F_PROTOCOL_ERROR,
          GST_F2F_ERROR_CODE_BAD_REQUEST, "a plan message needs a plan");
      return NULL;
    }
    /* the plan's own strict parser and validation (f2fplan.c) */
    text = json_to_string (node, FALSE);
    msg->type = GST_F2F_PEER_MESSAGE_PLAN;
    msg->plan = gst_f2f_plan_from_json (text, strlen (text), error);
    if (msg->plan == NULL)
      return NULL;
  } else if (strcmp (type, "feedback") == 0) {
    /* (out of range is malformed: a peer's figures drive our encoder) */
    msg->type = GST_F2F_PEER_MESSAGE_FEEDBACK;
    msg->seq = get_int (obj, "seq");
    msg->queue_ms = get_int_or (obj, "queue-ms", -1);
    msg->peak_ms = get_int_or (obj, "peak-ms", -1);
    msg->rate_kbps = get_int_or (obj, "rate-kbps", -1);
    msg->loss_permille = get_int_or (obj, "loss-permille", 0);
    if (msg->queue_ms < -1 || msg->queue_ms > 600000 || msg->peak_ms < -1
        || msg->peak_ms > 600000 || msg->rate_kbps < -1
        || msg->rate_kbps > 100000000 || msg->loss_permille < 0
        || msg->loss_permille > 1000) {
      g_set_error (error, GST_F2F_PROTOCOL_ERROR,
          GST_F2F_ERROR_CODE_BAD_REQUEST, "a feedback message's figures are "
          "out of range");
      return NULL;
    }
  } else {
    g_set_error (error, GST_F2F_PROTOCOL_ERROR,
        GST_F2F_ERROR_CODE_BAD_REQUEST, "unknown peer message type");
    return NULL;
  }
  return g_steal_pointer (&msg);
}
