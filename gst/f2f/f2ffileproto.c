/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <json-glib/json-glib.h>

#include "f2ffileproto.h"
#include "f2fprotocol.h"
#include "f2fprotocol-private.h"

static const guint8 chunk_magic[4] = { 'F', '2', 'F', 'C' };

GstF2fFileManifest *
gst_f2f_file_manifest_copy (const GstF2fFileManifest * m)
{
  GstF2fFileManifest *copy;

  if (m == NULL)
    return NULL;
  copy = g_new0 (GstF2fFileManifest, 1);
  copy->id = g_strdup (m->id);
  copy->name = g_strdup (m->name);
  copy->size = m->size;
  copy->sha256 = g_strdup (m->sha256);
  copy->media_type = g_strdup (m->media_type);
  copy->sharer = g_strdup (m->sharer);
  copy->sharer_name = g_strdup (m->sharer_name);
  return copy;
}

void
gst_f2f_file_manifest_free (GstF2fFileManifest * m)
{
  if (m == NULL)
    return;
  g_free (m->id);
  g_free (m->name);
  g_free (m->sha256);
  g_free (m->media_type);
  g_free (m->sharer);
  g_free (m->sharer_name);
  g_free (m);
}

void
gst_f2f_file_message_free (GstF2fFileMessage * msg)
{
  if (msg == NULL)
    return;
  gst_f2f_file_manifest_free (msg->manifest);
  g_free (msg->id);
  g_free (msg->reason);
  g_free (msg);
}

gboolean
gst_f2f_file_id_is_valid (const gchar * id)
{
  gsize len;

  if (id == NULL)
    return FALSE;
  len = strlen (id);
  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-')
      return FALSE;
  return TRUE;
}

gboolean
gst_f2f_file_sha256_is_valid (const gchar * sha256)
{
  if (sha256 == NULL || strlen (sha256) != 64)
    return FALSE;
  for (guint i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (sha256[i]) || g_ascii_isupper (sha256[i]))
      return FALSE;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* JSON messages */

static gchar *
finish (JsonBuilder * b)
{
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static JsonBuilder *
begin (const gchar * type)
{
  JsonBuilder *b = json_builder_new_immutable ();

  json_builder_begin_object (b);
  gst_f2f_json_add_string (b, "type", type);
  return b;
}

gchar *
gst_f2f_file_message_offer (const GstF2fFileManifest * m)
{
  g_autoptr (JsonBuilder) b = begin ("file-offer");

  g_return_val_if_fail (m != NULL, NULL);
  gst_f2f_json_add_string (b, "id", m->id);
  gst_f2f_json_add_string (b, "name", m->name);
  /* JSON integers are signed 64-bit in json-glib; no file comes near. */
  gst_f2f_json_add_int (b, "size", (gint64) m->size);
  gst_f2f_json_add_string (b, "sha256", m->sha256);
  gst_f2f_json_add_string (b, "media-type", m->media_type);
  gst_f2f_json_add_string (b, "sharer", m->sharer);
  gst_f2f_json_add_string (b, "sharer-name", m->sharer_name);
  return finish (b);
}

gchar *
gst_f2f_file_message_unshare (const gchar * id)
{
  g_autoptr (JsonBuilder) b = begin ("file-unshare");

  gst_f2f_json_add_string (b, "id", id);
  return finish (b);
}

gchar *
gst_f2f_file_message_request (const gchar * id, guint64 offset,
    guint32 transfer)
{
  g_autoptr (JsonBuilder) b = begin ("file-request");

  gst_f2f_json_add_string (b, "id", id);
  gst_f2f_json_add_int (b, "offset", (gint64) offset);
  gst_f2f_json_add_int (b, "transfer", transfer);
  return finish (b);
}

gchar *
gst_f2f_file_message_cancel (guint32 transfer, const gchar * reason)
{
  g_autoptr (JsonBuilder) b = begin ("file-cancel");

  gst_f2f_json_add_int (b, "transfer", transfer);
  gst_f2f_json_add_string (b, "reason", reason);
  return finish (b);
}

/* json-glib's *_with_default getters emit a critical for a member of the
 * wrong kind; input from a peer must never do that. json-glib 1.6 also
 * reads escapes JSON does not have, like "\202", as raw bytes, so a string
 * from valid UTF-8 text need not be UTF-8. */
static const gchar *
get_str (JsonObject * obj, const gchar * name)
{
  JsonNode *node = json_object_get_member (obj, name);
  const gchar *s;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  s = json_node_get_string (node);
  return s && g_utf8_validate (s, -1, NULL) ? s : NULL;
}

static gboolean
get_uint (JsonObject * obj, const gchar * name, guint64 max, guint64 * out)
{
  JsonNode *node = json_object_get_member (obj, name);
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0 || (guint64) v > max)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

/* Media types are printable ASCII (RFC 6838, parameters included). */
static gboolean
media_type_is_valid (const gchar * media_type)
{
  gsize len;

  if (media_type == NULL)
    return FALSE;
  len = strlen (media_type);
  if (len == 0 || len > 255)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isprint (media_type[i]))
      return FALSE;
  return TRUE;
}

static gpointer
refuse (GError ** error, const gchar * what)
{
  g_set_error (error, GST_F2F_PROTOCOL_ERROR, GST_F2F_ERROR_CODE_BAD_REQUEST,
      "%s", what);
  return NULL;
}

GstF2fFileMessage *
gst_f2f_file_message_parse (const gchar * data, gsize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GstF2fFileMessage) msg = NULL;
  const gchar *problem = NULL;
  const gchar *type;
  JsonObject *obj;
  JsonNode *root;
  guint64 v;

  if (length > GST_F2F_FILE_MESSAGE_MAX
      || !g_utf8_validate_len (data, length, NULL)
      || !gst_f2f_scan_frame (data, length, GST_F2F_MAX_JSON_DEPTH, &problem))
    return refuse (error, "not a valid file-sharing message");
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return refuse (error, "a file-sharing message must be an object");
  obj = json_node_get_object (root);
  type = get_str (obj, "type");
  msg = g_new0 (GstF2fFileMessage, 1);

  if (g_strcmp0 (type, "file-offer") == 0) {
    GstF2fFileManifest *m = g_new0 (GstF2fFileManifest, 1);
    const gchar *name = get_str (obj, "name");
    const gchar *media_type = get_str (obj, "media-type");

    msg->type = GST_F2F_FILE_MESSAGE_OFFER;
    msg->manifest = m;
    m->id = g_strdup (get_str (obj, "id"));
    m->sha256 = g_strdup (get_str (obj, "sha256"));
    m->sharer = g_strdup (get_str (obj, "sharer"));
    m->sharer_name = g_strdup (get_str (obj, "sharer-name"));
    if (!gst_f2f_file_id_is_valid (m->id))
      return refuse (error, "a file offer needs an id of 1 to 64 letters, "
          "digits or dashes");
    if (!gst_f2f_file_sha256_is_valid (m->sha256))
      return refuse (error, "a file offer needs a SHA-256 of 64 lowercase "
          "hex digits");
    if (!get_uint (obj, "size", G_MAXINT64, &m->size))
      return refuse (error, "a file offer needs a size");
    if (name == NULL || *name == '\0')
      return refuse (error, "a file offer needs a name");
    if (strlen (name) > GST_F2F_FILE_NAME_MAX)
      return refuse (error, "the offered file name is too long");
    if (!gst_f2f_is_valid_peer_id (m->sharer))
      return refuse (error, "a file offer needs the sharer's peer id");
    /* A display name is only a hint: one a room would refuse is dropped. */
    if (m->sharer_name && !gst_f2f_is_valid_name (m->sharer_name))
      g_clear_pointer (&m->sharer_name, g_free);
    m->name = g_strdup (name);
    /* A media type is only a hint; a bad one becomes the neutral one. */
    if (!media_type_is_valid (media_type))
      media_type = "application/octet-stream";
    m->media_type = g_strdup (media_type);
  } else if (g_strcmp0 (type, "file-unshare") == 0) {
    msg->type = GST_F2F_FILE_MESSAGE_UNSHARE;
    msg->id = g_strdup (get_str (obj, "id"));
    if (!gst_f2f_file_id_is_valid (msg->id))
      return refuse (error, "file-unshare needs a valid id");
  } else if (g_strcmp0 (type, "file-request") == 0) {
    msg->type = GST_F2F_FILE_MESSAGE_REQUEST;
    msg->id = g_strdup (get_str (obj, "id"));
    if (!gst_f2f_file_id_is_valid (msg->id))
      return refuse (error, "file-request needs a valid id");
    if (!get_uint (obj, "offset", G_MAXINT64, &msg->offset))
      return refuse (error, "file-request needs an offset");
    if (!get_uint (obj, "transfer", G_MAXUINT32, &v))
      return refuse (error, "file-request needs a transfer number");
    msg->transfer = (guint32) v;
  } else if (g_strcmp0 (type, "file-cancel") == 0) {
    const gchar *reason = get_str (obj, "reason");

    msg->type = GST_F2F_FILE_MESSAGE_CANCEL;
    if (!get_uint (obj, "transfer", G_MAXUINT32, &v))
      return refuse (error, "file-cancel needs a transfer number");
    msg->transfer = (guint32) v;
    if (reason && strlen (reason) <= 1024)
      msg->reason = g_strdup (reason);
  } else {
    return refuse (error, "unknown file-sharing message type");
  }
  return g_steal_pointer (&msg);
}

/* ---------------------------------------------------------------------- */
/* Chunks */

GBytes *
gst_f2f_file_chunk_pack (guint32 transfer, guint64 offset,
    const guint8 * payload, gsize length)
{
  guint8 *buf;
  guint32 t = GUINT32_TO_BE (transfer);
  guint64 o = GUINT64_TO_BE (offset);

  g_return_val_if_fail (length <= GST_F2F_FILE_CHUNK_PAYLOAD, NULL);
  buf = g_malloc (GST_F2F_FILE_CHUNK_HEADER + length);
  memcpy (buf, chunk_magic, 4);
  memcpy (buf + 4, &t, 4);
  memcpy (buf + 8, &o, 8);
  if (length)
    memcpy (buf + GST_F2F_FILE_CHUNK_HEADER, payload, length);
  return g_bytes_new_take (buf, GST_F2F_FILE_CHUNK_HEADER + length);
}

gboolean
gst_f2f_file_chunk_parse (GBytes * chunk, guint32 * transfer,
    guint64 * offset, const guint8 ** payload, gsize * length)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (chunk, &size);
  guint32 t;
  guint64 o;

  if (data == NULL || size < GST_F2F_FILE_CHUNK_HEADER
      || size > GST_F2F_FILE_MESSAGE_MAX || memcmp (data, chunk_magic, 4) != 0)
    return FALSE;
  memcpy (&t, data + 4, 4);
  memcpy (&o, data + 8, 8);
  o = GUINT64_FROM_BE (o);
  if (o > G_MAXINT64)
    return FALSE;
  *transfer = GUINT32_FROM_BE (t);
  *offset = o;
  *payload = data + GST_F2F_FILE_CHUNK_HEADER;
  *length = size - GST_F2F_FILE_CHUNK_HEADER;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Names */

/* Characters that are never kept: path separators of any system, controls,
 * and the ones Windows refuses (files often travel on to such disks). */
static gboolean
is_unsafe (gunichar c)
{
  return c == '/' || c == '\\' || c < 0x20 || (c >= 0x7f && c < 0xa0)
      || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>'
      || c == '|' || c == 0x2028 || c == 0x2029 || c == 0x202e;
}

/* Cuts @s to at most @max bytes on a character boundary. */
static void
truncate_utf8 (GString * s, gsize max)
{
  const gchar *end;

  if (s->len <= max)
    return;
  end = g_utf8_find_prev_char (s->str, s->str + max + 1);
  while (end && end > s->str && (gsize) (end - s->str) > max)
    end = g_utf8_find_prev_char (s->str, end);
  g_string_truncate (s, end ? (gsize) (end - s->str) : 0);
}

gchar *
gst_f2f_file_safe_name (const gchar * name, GError ** error)
{
  g_autoptr (GString) s = NULL;
  const gchar *p, *dot;
  gsize ext_len = 0;

  if (name == NULL || *name == '\0')
    return refuse (error, "the file has no name");
  if (strlen (name) > GST_F2F_FILE_NAME_MAX)
    return refuse (error, "the file name is too long");
  if (!g_utf8_validate (name, -1, NULL))
    return refuse (error, "the file name is not valid UTF-8");

  s = g_string_new (NULL);
  for (p = name; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (is_unsafe (c))
      g_string_append_c (s, '_');
    else
      g_string_append_unichar (s, c);
  }
  /* No hidden files, no "." or "..": drop leading dots and spaces, and
   * trailing ones (Windows drops them silently, which can make two names
   * the same). */
  while (s->len && (s->str[0] == '.' || s->str[0] == ' '))
    g_string_erase (s, 0, 1);
  while (s->len && (s->str[s->len - 1] == '.' || s->str[s->len - 1] == ' '))
    g_string_truncate (s, s->len - 1);
  if (s->len > GST_F2F_FILE_NAME_KEEP) {
    g_autofree gchar *ext = NULL;

    /* Keep a short extension: it is what tells a person (and a desktop)
     * what the file is. */
    dot = strrchr (s->str, '.');
    if (dot && strlen (dot) <= 16 && dot != s->str)
      ext_len = strlen (dot);
    ext = g_strdup (s->str + s->len - ext_len);
    g_string_truncate (s, s->len - ext_len);
    truncate_utf8 (s, GST_F2F_FILE_NAME_KEEP - ext_len);
    /* The cut may end on a dot or a space again. */
    while (s->len && (s->str[s->len - 1] == '.' || s->str[s->len - 1] == ' '))
      g_string_truncate (s, s->len - 1);
    g_string_append (s, ext);
  }
  /* Checked after shortening, which may leave only underscores. */
  if (s->len == 0 || strspn (s->str, "_") == s->len)
    return refuse (error, "nothing of the file name is usable");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

gchar *
gst_f2f_file_numbered_name (const gchar * safe_name, guint n)
{
  const gchar *dot = strrchr (safe_name, '.');

  if (dot == NULL || dot == safe_name)
    return g_strdup_printf ("%s (%u)", safe_name, n);
  return g_strdup_printf ("%.*s (%u)%s", (int) (dot - safe_name), safe_name, n,
      dot);
}
