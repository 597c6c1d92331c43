/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libFuzzer target for the wire protocol parser. For any input, parsing
 * must return a message or an error (never crash), and a message that
 * parsed must serialize to text that parses again to the same text.
 * The same input also goes to the peer-message parser, the topology-view
 * merge, and the file-sharing protocol (messages, chunks, and, for text,
 * the file-name rules).
 * Build and run: see docs/protocol.md, "Fuzzing".
 */

#include <stdlib.h>
#include <string.h>
#include <gst/f2f/f2f.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

static void
check_direction (const guint8 * data, size_t size, GstF2fDirection direction)
{
  GError *error = NULL;
  GstF2fMessage *msg, *again;
  gchar *text, *text2;

  msg = gst_f2f_message_parse ((const gchar *) data, size, direction, &error);
  if (msg == NULL) {
    /* Every refusal says why, with a code the server can answer with. */
    if (error == NULL || error->domain != GST_F2F_PROTOCOL_ERROR)
      abort ();
    g_error_free (error);
    return;
  }
  text = gst_f2f_message_serialize (msg);
  again = gst_f2f_message_parse (text, strlen (text), direction, &error);
  if (again == NULL)
    abort ();
  text2 = gst_f2f_message_serialize (again);
  if (strcmp (text, text2) != 0)
    abort ();
  g_free (text);
  g_free (text2);
  gst_f2f_message_free (msg);
  gst_f2f_message_free (again);
}

static void
check_peer_messages (const guint8 * data, size_t size)
{
  GstF2fPeerMessage *msg;
  GstF2fTopology *topo;
  GstF2fPlan *plan;
  GError *error = NULL;
  gchar *dot;

  msg = gst_f2f_peer_message_parse ((const gchar *) data, size, &error);
  if (msg == NULL && error == NULL)
    abort ();
  g_clear_error (&error);
  gst_f2f_peer_message_free (msg);

  topo = gst_f2f_topology_new ("fuzz");
  gst_f2f_topology_set_peer (topo, "me", "Me", TRUE, TRUE);
  gst_f2f_topology_set_peer (topo, "p2", "P2", FALSE, FALSE);
  gst_f2f_topology_set_peer (topo, "p3", "P3", FALSE, FALSE);
  plan = gst_f2f_plan_new (1, "me");
  gst_f2f_plan_add_mixer (plan, "p3");
  gst_f2f_plan_assign (plan, "p2", "p3");
  gst_f2f_topology_set_plan (topo, plan);
  gst_f2f_plan_free (plan);
  if (!gst_f2f_topology_merge_view (topo, "p2", (const gchar *) data, size,
          &error) && error == NULL)
    abort ();
  g_clear_error (&error);
  dot = gst_f2f_topology_to_dot (topo);
  g_free (dot);
  gst_f2f_topology_free (topo);
}

static gboolean
has_control (const gchar * s)
{
  for (; s && *s; s = g_utf8_next_char (s))
    if (g_unichar_iscntrl (g_utf8_get_char (s)))
      return TRUE;
  return FALSE;
}

static gchar *
file_message_build (const GstF2fFileMessage * msg)
{
  switch (msg->type) {
    case GST_F2F_FILE_MESSAGE_OFFER:
      return gst_f2f_file_message_offer (msg->manifest);
    case GST_F2F_FILE_MESSAGE_UNSHARE:
      return gst_f2f_file_message_unshare (msg->id);
    case GST_F2F_FILE_MESSAGE_REQUEST:
      return gst_f2f_file_message_request (msg->id, msg->offset,
          msg->transfer);
    case GST_F2F_FILE_MESSAGE_CANCEL:
      return gst_f2f_file_message_cancel (msg->transfer, msg->reason);
  }
  abort ();
}

/* A message that parsed builds to one that parses to the same fields.
 * Text with control characters is left out: json-glib 1.6 writes some of
 * them wrongly (U+001F disappears), and a name full of them may grow past
 * the message limit when escaped. */
static void
check_file_round_trip (const GstF2fFileMessage * msg)
{
  const GstF2fFileManifest *m = msg->manifest, *m2;
  GstF2fFileMessage *again;
  gchar *text;

  if (has_control (msg->reason) || (m && has_control (m->name)))
    return;
  text = file_message_build (msg);
  again = gst_f2f_file_message_parse (text, strlen (text), NULL);
  if (again == NULL || again->type != msg->type
      || g_strcmp0 (again->id, msg->id) != 0
      || again->offset != msg->offset || again->transfer != msg->transfer
      || g_strcmp0 (again->reason, msg->reason) != 0
      || (m == NULL) != (again->manifest == NULL))
    abort ();
  m2 = again->manifest;
  if (m && (strcmp (m->id, m2->id) != 0 || strcmp (m->name, m2->name) != 0
          || m->size != m2->size || strcmp (m->sha256, m2->sha256) != 0
          || strcmp (m->media_type, m2->media_type) != 0
          || strcmp (m->sharer, m2->sharer) != 0
          || g_strcmp0 (m->sharer_name, m2->sharer_name) != 0))
    abort ();
  g_free (text);
  gst_f2f_file_message_free (again);
}

/* What gst_f2f_file_safe_name promises for any name it accepts. */
static void
check_safe_name (const gchar * name)
{
  GError *error = NULL;
  gchar *safe, *again, *numbered;
  const gchar *p;
  gsize len;

  safe = gst_f2f_file_safe_name (name, &error);
  if (safe == NULL) {
    if (error == NULL || error->domain != GST_F2F_PROTOCOL_ERROR)
      abort ();
    g_error_free (error);
    return;
  }
  len = strlen (safe);
  if (error != NULL || len == 0 || len > GST_F2F_FILE_NAME_KEEP
      || !g_utf8_validate (safe, -1, NULL) || safe[0] == '.' || safe[0] == ' '
      || safe[len - 1] == '.' || safe[len - 1] == ' '
      || strspn (safe, "_") == len)
    abort ();
  for (p = safe; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (c == '/' || c == '\\' || g_unichar_iscntrl (c) || c == 0x202e)
      abort ();
  }
  /* a safe name stays as it is */
  again = gst_f2f_file_safe_name (safe, NULL);
  if (again == NULL || strcmp (again, safe) != 0)
    abort ();
  numbered = gst_f2f_file_numbered_name (safe, 2);
  if (strchr (numbered, '/') || numbered[0] == '.')
    abort ();
  g_free (numbered);
  g_free (again);
  g_free (safe);
}

static void
check_file_sharing (const guint8 * data, size_t size)
{
  GstF2fFileMessage *msg;
  GError *error = NULL;
  GBytes *chunk;
  const guint8 *payload;
  guint32 transfer;
  guint64 offset;
  gsize length;

  msg = gst_f2f_file_message_parse ((const gchar *) data, size, &error);
  if ((msg == NULL) == (error == NULL))
    abort ();
  g_clear_error (&error);
  if (msg)
    check_file_round_trip (msg);
  gst_f2f_file_message_free (msg);

  chunk = g_bytes_new (data, size);
  if (gst_f2f_file_chunk_parse (chunk, &transfer, &offset, &payload,
          &length)) {
    GBytes *packed;

    if (size < GST_F2F_FILE_CHUNK_HEADER || size > GST_F2F_FILE_MESSAGE_MAX
        || length != size - GST_F2F_FILE_CHUNK_HEADER || offset > G_MAXINT64)
      abort ();
    packed = gst_f2f_file_chunk_pack (transfer, offset, payload, length);
    if (!g_bytes_equal (packed, chunk))
      abort ();
    g_bytes_unref (packed);
  }
  g_bytes_unref (chunk);

  /* Names arrive as JSON strings: valid UTF-8 without NUL. */
  if (size <= GST_F2F_FILE_NAME_MAX + 1
      && g_utf8_validate_len ((const gchar *) data, size, NULL)) {
    gchar *name = g_strndup ((const gchar *) data, size);

    check_safe_name (name);
    g_free (name);
  }
}

/* A candidate arrives as a JSON string: any text. The check says yes, or
 * no with a reason, and never reads past the end. */
static void
check_candidate (const guint8 * data, size_t size)
{
  gchar *text, *why = NULL;
  gboolean ok;

  if (size > GST_F2F_MAX_CANDIDATE_LENGTH)
    return;
  text = g_strndup ((const gchar *) data, size);
  ok = gst_f2f_ice_candidate_check (text, &why);
  if (ok == (why != NULL))
    abort ();
  g_free (why);
  g_free (text);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  check_direction (data, size, GST_F2F_DIRECTION_TO_SERVER);
  check_direction (data, size, GST_F2F_DIRECTION_TO_CLIENT);
  check_peer_messages (data, size);
  check_file_sharing (data, size);
  check_candidate (data, size);
  return 0;
}
