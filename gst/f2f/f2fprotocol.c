/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <json-glib/json-glib.h>

#include "f2fprotocol.h"
#include "f2fprotocol-private.h"
#include "f2f-enumtypes.h"

G_DEFINE_QUARK (gst-f2f-protocol-error-quark, gst_f2f_protocol_error);

G_DEFINE_BOXED_TYPE (GstF2fMessage, gst_f2f_message, gst_f2f_message_copy,
    gst_f2f_message_free);

/* Enum nicks are the wire names, so the tables exist only once: in the
 * enum declarations. */
const gchar *
gst_f2f_enum_nick (GType type, gint value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);
  const gchar *nick = v ? v->value_nick : NULL;

  /* Enum classes of static types are never finalized; the nick stays valid. */
  g_type_class_unref (klass);
  return nick;
}

static gboolean
enum_from_nick (GType type, const gchar * nick, gint * value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value_by_nick (klass, nick);

  if (v)
    *value = v->value;
  g_type_class_unref (klass);
  return v != NULL;
}

const gchar *
gst_f2f_message_type_to_string (GstF2fMessageType type)
{
  return gst_f2f_enum_nick (GST_TYPE_F2F_MESSAGE_TYPE, type);
}

const gchar *
gst_f2f_error_code_to_string (GstF2fErrorCode code)
{
  return gst_f2f_enum_nick (GST_TYPE_F2F_ERROR_CODE, code);
}

const gchar *
gst_f2f_leave_reason_to_string (GstF2fLeaveReason reason)
{
  return gst_f2f_enum_nick (GST_TYPE_F2F_LEAVE_REASON, reason);
}

static gboolean
is_valid_token (const gchar * s, const gchar * extra)
{
  gsize len;

  if (s == NULL)
    return FALSE;
  len = strlen (s);
  if (len == 0 || len > GST_F2F_MAX_ID_LENGTH)
    return FALSE;
  for (; *s; s++) {
    if (!g_ascii_isalnum (*s) && *s != '-' && *s != '_'
        && (extra == NULL || strchr (extra, *s) == NULL))
      return FALSE;
  }
  return TRUE;
}

/**
 * gst_f2f_is_valid_peer_id:
 *
 * Returns: whether @id is 1–64 characters of `A-Z a-z 0-9 - _`.
 */
gboolean
gst_f2f_is_valid_peer_id (const gchar * id)
{
  return is_valid_token (id, NULL);
}

/**
 * gst_f2f_is_valid_room_id:
 *
 * Returns: whether @room is 1–64 characters of `A-Z a-z 0-9 - _ .`,
 *   other than "." and "..".
 */
gboolean
gst_f2f_is_valid_room_id (const gchar * room)
{
  return is_valid_token (room, ".") && strcmp (room, ".") != 0
      && strcmp (room, "..") != 0;
}

/**
 * gst_f2f_is_valid_name:
 *
 * Returns: whether @name is valid UTF-8 of 1–64 characters without control
 *   characters. Names are shown to people; they are text, never markup.
 */
gboolean
gst_f2f_is_valid_name (const gchar * name)
{
  const gchar *p;
  glong n = 0;

  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (p = name; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
      return FALSE;
    if (++n > GST_F2F_MAX_NAME_LENGTH)
      return FALSE;
  }
  return TRUE;
}

/* 1*max characters, each a digit; the value in @out. */
static gboolean
parse_digits (const gchar * s, guint max, guint64 * out)
{
  guint64 v = 0;
  guint n = 0;

  for (; *s; s++, n++) {
    if (!g_ascii_isdigit (*s) || n == max)
      return FALSE;
    v = v * 10 + (guint64) (*s - '0');
  }
  *out = v;
  return n > 0;
}

/* An SDP token (RFC 4566): what transports and candidate types are. */
static gboolean
is_ice_token (const gchar * s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && !strchr ("!#$%&'*+-.^_`{|}~", *s))
      return FALSE;
  return TRUE;
}

/* An extension attribute's name or value: any bytes but controls (the
 * spaces between them are the separators). */
static gboolean
is_byte_string (const gchar * s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if ((guchar) * s < 0x20 || *s == 0x7f)
      return FALSE;
  return TRUE;
}

/* An IP address, or a host name (browsers hide host addresses behind
 * mDNS names such as "<uuid>.local"). */
static gboolean
is_connection_address (const gchar * s)
{
  const gchar *p;

  if (g_hostname_is_ip_address (s))
    return TRUE;
  if (*s == '\0' || strlen (s) > 253 || *s == '.' || *s == '-')
    return FALSE;
  for (p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

/**
 * gst_f2f_ice_candidate_check:
 * @candidate: the `candidate` of an `ice` message (not the empty
 *   end-of-candidates marker)
 * @why: (out) (optional): a sentence saying what is wrong, when invalid
 *
 * Checks @candidate against the grammar of an ICE candidate attribute
 * (RFC 8839, section 5.1), with or without its "a=" prefix: foundation,
 * component, transport, priority, an IP address or host name, port, "typ"
 * and a type, then name/value pairs (raddr, rport, generation, ufrag...).
 *
 * Returns: whether @candidate is well formed.
 */
gboolean
gst_f2f_ice_candidate_check (const gchar * candidate, gchar ** why)
{
  g_auto (GStrv) parts = NULL;
  GPtrArray *tok;
  const gchar *text, *foundation, *p;
  gchar *problem = NULL;
  guint64 v;
  guint i;

  if (candidate == NULL)
    candidate = "";
  text = g_str_has_prefix (candidate, "a=") ? candidate + 2 : candidate;
  if (!g_str_has_prefix (text, "candidate:")) {
    problem = g_strdup ("it does not start with \"candidate:\"");
    goto out;
  }
  /* Tokens are separated by single spaces; tolerate runs of them. */
  parts = g_strsplit (text + strlen ("candidate:"), " ", -1);
  tok = g_ptr_array_new ();
  for (i = 0; parts[i]; i++)
    if (*parts[i] != '\0')
      g_ptr_array_add (tok, parts[i]);

  if (tok->len < 8) {
    problem = g_strdup_printf ("it has %u fields, fewer than the 8 every "
        "candidate has", tok->len);
    goto free_tokens;
  }
  foundation = tok->pdata[0];
  for (p = foundation; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/')
      break;
  if (*p || p == foundation || p - foundation > 32) {
    problem = g_strdup ("its foundation is not 1-32 letters, digits, '+' or "
        "'/'");
  } else if (!parse_digits (tok->pdata[1], 3, &v) || v < 1 || v > 256) {
    problem = g_strdup ("its component id is not a number from 1 to 256");
  } else if (!is_ice_token (tok->pdata[2])) {
    problem = g_strdup ("its transport is not a token");
  } else if (!parse_digits (tok->pdata[3], 10, &v) || v > G_MAXUINT32) {
    problem = g_strdup ("its priority is not a 32-bit number");
  } else if (!is_connection_address (tok->pdata[4])) {
    problem = g_strdup ("its address is neither an IP address nor a host "
        "name");
  } else if (!parse_digits (tok->pdata[5], 5, &v) || v > 65535) {
    problem = g_strdup ("its port is not a number from 0 to 65535");
  } else if (strcmp (tok->pdata[6], "typ") != 0
      || !is_ice_token (tok->pdata[7])) {
    problem = g_strdup ("\"typ\" and a candidate type do not follow the "
        "port");
  } else if ((tok->len - 8) % 2 != 0) {
    problem = g_strdup ("an attribute after the type has no value");
  } else {
    for (i = 8; i < tok->len; i++)
      if (!is_byte_string (tok->pdata[i])) {
        problem = g_strdup ("an attribute after the type holds a control "
            "character");
        break;
      }
  }
free_tokens:
  g_ptr_array_free (tok, TRUE);
out:
  if (why)
    *why = problem;
  else
    g_free (problem);
  return problem == NULL;
}

GstF2fPeerInfo *
gst_f2f_peer_info_new (const gchar * id, const gchar * name, guint64 order)
{
  GstF2fPeerInfo *info = g_new0 (GstF2fPeerInfo, 1);

  info->id = g_strdup (id);
  info->name = g_strdup (name);
  info->order = order;
  return info;
}

void
gst_f2f_peer_info_free (GstF2fPeerInfo * info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info->name);
  g_free (info);
}

static GstF2fPeerInfo *
peer_info_copy (const GstF2fPeerInfo * info)
{
  return info ? gst_f2f_peer_info_new (info->id, info->name, info->order) :
      NULL;
}

GstF2fMessage *
gst_f2f_message_new (GstF2fMessageType type)
{
  GstF2fMessage *msg = g_new0 (GstF2fMessage, 1);

  msg->type = type;
  if (type == GST_F2F_MESSAGE_JOIN)
    msg->version = GST_F2F_PROTOCOL_VERSION;
  if (type == GST_F2F_MESSAGE_WELCOME)
    msg->peers =
        g_ptr_array_new_with_free_func ((GDestroyNotify) gst_f2f_peer_info_free);
  return msg;
}

void
gst_f2f_message_free (GstF2fMessage * msg)
{
  if (msg == NULL)
    return;
  g_free (msg->room);
  g_free (msg->name);
  if (msg->password) {
    /* Do not leave a password lying around in freed memory. */
    memset (msg->password, 0, strlen (msg->password));
    g_free (msg->password);
  }
  g_free (msg->peer_id);
  if (msg->peers)
    g_ptr_array_unref (msg->peers);
  gst_f2f_peer_info_free (msg->peer);
  g_free (msg->leader);
  g_free (msg->text);
  g_free (msg->to);
  g_free (msg->from);
  g_free (msg->sdp);
  g_free (msg->candidate);
  g_free (msg->sdp_mid);
  g_free (msg->payload);
  g_free (msg);
}

GstF2fMessage *
gst_f2f_message_copy (const GstF2fMessage * msg)
{
  GstF2fMessage *copy;

  g_return_val_if_fail (msg != NULL, NULL);

  copy = g_new0 (GstF2fMessage, 1);
  *copy = *msg;
  copy->room = g_strdup (msg->room);
  copy->name = g_strdup (msg->name);
  copy->password = g_strdup (msg->password);
  copy->peer_id = g_strdup (msg->peer_id);
  if (msg->peers) {
    guint i;
    copy->peers = g_ptr_array_new_full (msg->peers->len,
        (GDestroyNotify) gst_f2f_peer_info_free);
    for (i = 0; i < msg->peers->len; i++)
      g_ptr_array_add (copy->peers,
          peer_info_copy (g_ptr_array_index (msg->peers, i)));
  }
  copy->peer = peer_info_copy (msg->peer);
  copy->leader = g_strdup (msg->leader);
  copy->text = g_strdup (msg->text);
  copy->to = g_strdup (msg->to);
  copy->from = g_strdup (msg->from);
  copy->sdp = g_strdup (msg->sdp);
  copy->candidate = g_strdup (msg->candidate);
  copy->sdp_mid = g_strdup (msg->sdp_mid);
  copy->payload = g_strdup (msg->payload);
  return copy;
}

GstF2fMessage *
gst_f2f_message_new_join (const gchar * room, const gchar * name,
    const gchar * password, const gchar * peer_id)
{
  GstF2fMessage *msg = gst_f2f_message_new (GST_F2F_MESSAGE_JOIN);

  msg->room = g_strdup (room);
  msg->name = g_strdup (name);
  msg->password = (password && *password) ? g_strdup (password) : NULL;
  msg->peer_id = g_strdup (peer_id);
  return msg;
}

GstF2fMessage *
gst_f2f_message_new_error (GstF2fErrorCode code, const gchar * text)
{
  GstF2fMessage *msg = gst_f2f_message_new (GST_F2F_MESSAGE_ERROR);

  msg->code = code;
  msg->text = g_strdup (text);
  return msg;
}

GstF2fMessage *
gst_f2f_message_new_peer_left (const gchar * peer_id, GstF2fLeaveReason reason)
{
  GstF2fMessage *msg = gst_f2f_message_new (GST_F2F_MESSAGE_PEER_LEFT);

  msg->peer_id = g_strdup (peer_id);
  msg->reason = reason;
  return msg;
}

GstF2fMessage *
gst_f2f_message_new_leader_changed (const gchar * leader)
{
  GstF2fMessage *msg = gst_f2f_message_new (GST_F2F_MESSAGE_LEADER_CHANGED);

  msg->leader = g_strdup (leader);
  return msg;
}

GstF2fMessage *
gst_f2f_message_new_sdp (GstF2fMessageType type, const gchar * peer,
    const gchar * sdp)
{
  GstF2fMessage *msg;

  g_return_val_if_fail (type == GST_F2F_MESSAGE_OFFER
      || type == GST_F2F_MESSAGE_ANSWER, NULL);

  msg = gst_f2f_message_new (type);
  msg->to = g_strdup (peer);
  msg->sdp = g_strdup (sdp);
  return msg;
}

GstF2fMessage *
gst_f2f_message_new_ice (const gchar * peer, guint mline_index,
    const gchar * candidate)
{
  GstF2fMessage *msg = gst_f2f_message_new (GST_F2F_MESSAGE_ICE);

  msg->to = g_strdup (peer);
  msg->mline_index = mline_index;
  msg->candidate = g_strdup (candidate ? candidate : "");
  return msg;
}

GstF2fMessage *
gst_f2f_message_new_app (const gchar * peer, const gchar * payload)
{
  GstF2fMessage *msg = gst_f2f_message_new (GST_F2F_MESSAGE_APP);

  msg->to = g_strdup (peer);
  msg->payload = g_strdup (payload);
  return msg;
}

/**
 * gst_f2f_message_is_relay:
 *
 * Returns: whether @msg is addressed to one peer and relayed by the server.
 */
gboolean
gst_f2f_message_is_relay (const GstF2fMessage * msg)
{
  switch (msg->type) {
    case GST_F2F_MESSAGE_OFFER:
    case GST_F2F_MESSAGE_ANSWER:
    case GST_F2F_MESSAGE_ICE:
    case GST_F2F_MESSAGE_APP:
      return TRUE;
    default:
      return FALSE;
  }
}

/* ---------------------------------------------------------------------- */
/* Parsing */

/* Checks the raw text, before json-glib sees it, against RFC 8259's
 * grammar, because json-glib is lenient: it takes single quotes, 01, 0x10,
 * raw control characters in strings and escapes such as "\q" or "\202"
 * (read as octal, which can yield bytes that are not UTF-8). This is
 * validation only; json-glib still does the parsing. Beyond the grammar:
 * - the text must be exactly one object (json-glib 1.6 leaks the first
 *   of several values, "{…} {…}");
 * - at most @max_depth levels of nesting (json-glib's parser recurses
 *   once per level, so 64 KiB of '[' could exhaust the stack);
 * - no NUL, raw or as "\u0000" (a C string would silently end early, so
 *   "name":"A\u0000B" would read as "A").
 * @data must be valid UTF-8 already.
 *
 * The peer and file-sharing messages (gst_f2f_scan_frame()) still take
 * escapes JSON does not have: docs/protocol.md says how a field that
 * json-glib decodes to bytes that are not UTF-8 is handled there.
 * Signaling frames (gst_f2f_scan_frame_strict()) refuse them. */

typedef struct
{
  const gchar *p;
  const gchar *end;
  const gchar **problem;
  gboolean strict_escapes;
} JsonScan;

static gboolean
scan_fail (JsonScan * s, const gchar * problem)
{
  *s->problem = problem;
  return FALSE;
}

static void
scan_whitespace (JsonScan * s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n'
          || *s->p == '\r'))
    s->p++;
}

static gboolean
scan_string (JsonScan * s)
{
  s->p++;                       /* the opening quote */
  while (s->p < s->end) {
    guchar c = *s->p++;

    if (c == '"')
      return TRUE;
    if (c == '\0')
      return scan_fail (s, "frame contains a NUL character");
    if (c < 0x20)
      return scan_fail (s, "frame is not JSON: a control character in a "
          "string must be escaped");
    if (c != '\\')
      continue;
    if (s->p >= s->end)
      break;
    c = *s->p++;
    if (c == 'u') {
      guint i;

      if (s->end - s->p < 4)
        break;
      for (i = 0; i < 4; i++) {
        if (!g_ascii_isxdigit (s->p[i]))
          return scan_fail (s, "frame is not JSON: \\u needs four hex "
              "digits");
      }
      if (strncmp (s->p, "0000", 4) == 0)
        return scan_fail (s, "frame contains a NUL character");
      s->p += 4;
    } else if (c == '\0') {
      return scan_fail (s, "frame contains a NUL character");
    } else if (s->strict_escapes && !strchr ("\"\\/bfnrt", c)) {
      return scan_fail (s, "frame is not JSON: an unknown escape in a "
          "string");
    }
  }
  return scan_fail (s, "frame is not JSON: a string does not end");
}

static gboolean
scan_digits (JsonScan * s)
{
  const gchar *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

static gboolean
scan_number (JsonScan * s)
{
  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0') {
    s->p++;
  } else if (!scan_digits (s)) {
    return scan_fail (s, "frame is not JSON: a malformed number");
  }
  if (s->p < s->end && *s->p == '.') {
    s->p++;
    if (!scan_digits (s))
      return scan_fail (s, "frame is not JSON: a malformed number");
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    s->p++;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
      s->p++;
    if (!scan_digits (s))
      return scan_fail (s, "frame is not JSON: a malformed number");
  }
  /* "01", "0x10", "1a": a number must end where a value ends */
  if (s->p < s->end && (g_ascii_isalnum (*s->p) || *s->p == '.'))
    return scan_fail (s, "frame is not JSON: a malformed number");
  return TRUE;
}

static gboolean
scan_literal (JsonScan * s)
{
  static const gchar *const literals[] = { "true", "false", "null" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (literals); i++) {
    gsize n = strlen (literals[i]);
    if ((gsize) (s->end - s->p) >= n && strncmp (s->p, literals[i], n) == 0
        && (s->end - s->p == (gssize) n || !g_ascii_isalnum (s->p[n]))) {
      s->p += n;
      return TRUE;
    }
  }
  return scan_fail (s, "frame is not JSON: an unexpected character");
}

static gboolean
scan_frame (const gchar * data, gsize length, guint max_depth,
    gboolean strict_escapes, const gchar ** problem)
{
  enum
  { VALUE, VALUE_OR_END, KEY, KEY_OR_END, AFTER_VALUE } state = VALUE;
  gchar stack[64];
  guint depth = 0;
  JsonScan s = { data, data + length, problem, strict_escapes };

  max_depth = MIN (max_depth, G_N_ELEMENTS (stack));
  scan_whitespace (&s);
  if (s.p == s.end || *s.p != '{')
    return scan_fail (&s, "a frame must be exactly one JSON object");

  for (;;) {
    gchar c;

    scan_whitespace (&s);
    if (s.p == s.end)
      return scan_fail (&s, "frame is not JSON: it ends too early");
    c = *s.p;

    switch (state) {
      case VALUE_OR_END:
      case KEY_OR_END:
        if (c == (state == KEY_OR_END ? '}' : ']')) {
          s.p++;
          if (--depth == 0)
            goto done;
          state = AFTER_VALUE;
          break;
        }
        state = state == KEY_OR_END ? KEY : VALUE;
        break;
      case KEY:
        if (c != '"')
          return scan_fail (&s, "frame is not JSON: a member name must be "
              "a string in double quotes");
        if (!scan_string (&s))
          return FALSE;
        scan_whitespace (&s);
        if (s.p == s.end || *s.p != ':')
          return scan_fail (&s, "frame is not JSON: ':' expected");
        s.p++;
        state = VALUE;
        break;
      case VALUE:
        if (c == '{' || c == '[') {
          if (depth >= max_depth)
            return scan_fail (&s, "frame nests too deeply");
          stack[depth++] = c;
          s.p++;
          state = c == '{' ? KEY_OR_END : VALUE_OR_END;
          break;
        }
        if (c == '"') {
          if (!scan_string (&s))
            return FALSE;
        } else if (c == '-' || g_ascii_isdigit (c)) {
          if (!scan_number (&s))
            return FALSE;
        } else if (c == '\0') {
          return scan_fail (&s, "frame contains a NUL character");
        } else if (!scan_literal (&s)) {
          return FALSE;
        }
        state = AFTER_VALUE;
        break;
      case AFTER_VALUE:
        if (c == ',') {
          s.p++;
          state = stack[depth - 1] == '{' ? KEY : VALUE;
        } else if (c == (stack[depth - 1] == '{' ? '}' : ']')) {
          s.p++;
          if (--depth == 0)
            goto done;
        } else {
          return scan_fail (&s, c == '\0' ? "frame contains a NUL character"
              : "frame is not JSON: ',' or the end of an object or array "
              "expected");
        }
        break;
    }
  }

done:
  scan_whitespace (&s);
  if (s.p != s.end)
    return scan_fail (&s, "a frame must be exactly one JSON object");
  return TRUE;
}

gboolean
gst_f2f_scan_frame (const gchar * data, gsize length, guint max_depth,
    const gchar ** problem)
{
  return scan_frame (data, length, max_depth, FALSE, problem);
}

gboolean
gst_f2f_scan_frame_strict (const gchar * data, gsize length,
    guint max_depth, const gchar ** problem)
{
  return scan_frame (data, length, max_depth, TRUE, problem);
}

typedef struct
{
  JsonObject *obj;
  GError **error;
} Fields;

static gboolean
fail (GError ** error, GstF2fErrorCode code, const gchar * format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError ** error, GstF2fErrorCode code, const gchar * format, ...)
{
  va_list args;

  va_start (args, format);
  if (error)
    *error = g_error_new_valist (GST_F2F_PROTOCOL_ERROR, code, format, args);
  va_end (args);
  return FALSE;
}

/* Reads member @name as a string of at most @max_len bytes into @out.
 * A missing member is an error only when @required. */
static gboolean
get_string (Fields * f, const gchar * name, gboolean required, gsize max_len,
    gchar ** out)
{
  JsonNode *node = json_object_get_member (f->obj, name);
  const gchar *s;

  if (node == NULL) {
    if (required)
      return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
          "missing field '%s'", name);
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "field '%s' must be a string", name);
  s = json_node_get_string (node);
  if (strlen (s) > max_len)
    return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "field '%s' is longer than %" G_GSIZE_FORMAT " bytes", name, max_len);
  *out = g_strdup (s);
  return TRUE;
}

static gboolean
get_uint (Fields * f, const gchar * name, gboolean required, guint64 max,
    guint64 * out)
{
  JsonNode *node = json_object_get_member (f->obj, name);
  gint64 v;

  if (node == NULL) {
    if (required)
      return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
          "missing field '%s'", name);
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "field '%s' must be an integer", name);
  v = json_node_get_int (node);
  if (v < 0 || (guint64) v > max)
    return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "field '%s' is out of range", name);
  *out = (guint64) v;
  return TRUE;
}

static gboolean
get_bool (Fields * f, const gchar * name, gboolean * out)
{
  JsonNode *node = json_object_get_member (f->obj, name);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "field '%s' must be true or false", name);
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_enum (Fields * f, const gchar * name, GType type, gint * out)
{
  g_autofree gchar *s = NULL;

  if (!get_string (f, name, TRUE, 64, &s))
    return FALSE;
  if (!enum_from_nick (type, s, out))
    return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "field '%s' has an unknown value", name);
  return TRUE;
}

static gboolean
check_id (GError ** error, const gchar * field, const gchar * id)
{
  if (id && !gst_f2f_is_valid_peer_id (id))
    return fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "field '%s' is not a valid peer id", field);
  return TRUE;
}

static gboolean
check_utf8 (GError ** error, const gchar * field, const gchar * s)
{
  if (s && !g_utf8_validate (s, -1, NULL))
    return fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "field '%s' is not valid UTF-8", field);
  return TRUE;
}

static GstF2fPeerInfo *
parse_peer_info (JsonNode * node, GError ** error)
{
  Fields f = { NULL, error };
  g_autoptr (GstF2fPeerInfo) info = g_new0 (GstF2fPeerInfo, 1);

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST, "a peer must be an object");
    return NULL;
  }
  f.obj = json_node_get_object (node);
  if (!get_string (&f, "id", TRUE, GST_F2F_MAX_ID_LENGTH, &info->id)
      || !check_id (error, "id", info->id)
      || !get_string (&f, "name", TRUE, GST_F2F_MAX_NAME_LENGTH * 6,
          &info->name)
      || !get_uint (&f, "order", TRUE, G_MAXINT64, &info->order))
    return NULL;
  if (!gst_f2f_is_valid_name (info->name)) {
    fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST, "a peer has an invalid name");
    return NULL;
  }
  return g_steal_pointer (&info);
}

static gboolean
parse_join (Fields * f, GstF2fMessage * msg)
{
  guint64 version = 0;

  if (!get_uint (f, "version", TRUE, G_MAXUINT32, &version))
    return FALSE;
  msg->version = (guint) version;
  if (msg->version != GST_F2F_PROTOCOL_VERSION)
    return fail (f->error, GST_F2F_ERROR_CODE_UNSUPPORTED_VERSION,
        "protocol version %u is not supported (this server speaks %u)",
        msg->version, GST_F2F_PROTOCOL_VERSION);

  if (!get_string (f, "room", TRUE, GST_F2F_MAX_ID_LENGTH, &msg->room)
      || !get_string (f, "name", TRUE, GST_F2F_MAX_NAME_LENGTH * 6, &msg->name)
      || !get_string (f, "password", FALSE, GST_F2F_MAX_PASSWORD_LENGTH,
          &msg->password)
      || !get_string (f, "id", FALSE, GST_F2F_MAX_ID_LENGTH, &msg->peer_id))
    return FALSE;
  if (!gst_f2f_is_valid_room_id (msg->room))
    return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "a room id is 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' and '.'");
  if (!gst_f2f_is_valid_name (msg->name))
    return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "a display name is 1 to 64 characters of text without control "
        "characters");
  if (!check_utf8 (f->error, "password", msg->password)
      || !check_id (f->error, "id", msg->peer_id))
    return FALSE;
  if (msg->password && *msg->password == '\0')
    g_clear_pointer (&msg->password, g_free);
  return TRUE;
}

static gboolean
parse_welcome (Fields * f, GstF2fMessage * msg)
{
  JsonNode *node;
  JsonArray *array;
  guint64 idle = 0;
  guint i;

  if (!get_string (f, "room", TRUE, GST_F2F_MAX_ID_LENGTH, &msg->room)
      || !get_string (f, "id", TRUE, GST_F2F_MAX_ID_LENGTH, &msg->peer_id)
      || !check_id (f->error, "id", msg->peer_id)
      || !get_string (f, "leader", TRUE, GST_F2F_MAX_ID_LENGTH, &msg->leader)
      || !check_id (f->error, "leader", msg->leader)
      || !get_bool (f, "protected", &msg->protected)
      || !get_bool (f, "rejoined", &msg->rejoined)
      || !get_uint (f, "idleTimeout", FALSE, G_MAXUINT32, &idle))
    return FALSE;
  msg->idle_timeout = (guint) idle;

  node = json_object_get_member (f->obj, "peers");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "field 'peers' must be an array");
  array = json_node_get_array (node);
  for (i = 0; i < json_array_get_length (array); i++) {
    GstF2fPeerInfo *info =
        parse_peer_info (json_array_get_element (array, i), f->error);
    if (info == NULL)
      return FALSE;
    g_ptr_array_add (msg->peers, info);
  }
  return TRUE;
}

static gboolean
parse_relay (Fields * f, GstF2fMessage * msg, GstF2fDirection direction)
{
  guint64 mline = 0;

  if (direction == GST_F2F_DIRECTION_TO_SERVER) {
    if (!get_string (f, "to", TRUE, GST_F2F_MAX_ID_LENGTH, &msg->to)
        || !check_id (f->error, "to", msg->to))
      return FALSE;
  } else {
    if (!get_string (f, "from", TRUE, GST_F2F_MAX_ID_LENGTH, &msg->from)
        || !check_id (f->error, "from", msg->from))
      return FALSE;
  }

  switch (msg->type) {
    case GST_F2F_MESSAGE_OFFER:
    case GST_F2F_MESSAGE_ANSWER:
      if (!get_string (f, "sdp", TRUE, GST_F2F_MAX_SDP_LENGTH, &msg->sdp)
          || !check_utf8 (f->error, "sdp", msg->sdp))
        return FALSE;
      if (*msg->sdp == '\0')
        return fail (f->error, GST_F2F_ERROR_CODE_BAD_REQUEST,
            "field 'sdp' is empty");
      return TRUE;
    case GST_F2F_MESSAGE_ICE:
      if (!get_string (f, "candidate", TRUE, GST_F2F_MAX_CANDIDATE_LENGTH,
              &msg->candidate)
          || !check_utf8 (f->error, "candidate", msg->candidate)
          || !get_string (f, "sdpMid", FALSE, GST_F2F_MAX_ID_LENGTH,
              &msg->sdp_mid)
          || !check_utf8 (f->error, "sdpMid", msg->sdp_mid)
          || !get_uint (f, "sdpMLineIndex", TRUE, 1023, &mline))
        return FALSE;
      msg->mline_index = (guint) mline;
      return TRUE;
    case GST_F2F_MESSAGE_APP:
      return get_string (f, "payload", TRUE, GST_F2F_MAX_PAYLOAD_LENGTH,
          &msg->payload) && check_utf8 (f->error, "payload", msg->payload);
    default:
      return FALSE;
  }
}

static gboolean
type_allowed (GstF2fMessageType type, GstF2fDirection direction)
{
  switch (type) {
    case GST_F2F_MESSAGE_JOIN:
    case GST_F2F_MESSAGE_PING:
    case GST_F2F_MESSAGE_LEAVE:
      return direction == GST_F2F_DIRECTION_TO_SERVER;
    case GST_F2F_MESSAGE_WELCOME:
    case GST_F2F_MESSAGE_ERROR:
    case GST_F2F_MESSAGE_PEER_JOINED:
    case GST_F2F_MESSAGE_PEER_LEFT:
    case GST_F2F_MESSAGE_LEADER_CHANGED:
    case GST_F2F_MESSAGE_PONG:
      return direction == GST_F2F_DIRECTION_TO_CLIENT;
    default:
      return TRUE;
  }
}

/**
 * gst_f2f_message_parse:
 * @data: the frame's text (need not be NUL-terminated)
 * @length: its length in bytes
 * @direction: which way the frame travelled
 * @error: (out): on failure, a %GST_F2F_PROTOCOL_ERROR whose code is the
 *   #GstF2fErrorCode to answer with and whose message says what is wrong
 *
 * Parses and validates one frame. Unknown members are ignored, so newer
 * peers can add fields.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL on error.
 */
GstF2fMessage *
gst_f2f_message_parse (const gchar * data, gsize length,
    GstF2fDirection direction, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GstF2fMessage) msg = NULL;
  g_autofree gchar *type_name = NULL;
  g_autoptr (GError) json_error = NULL;
  JsonNode *root;
  Fields f = { NULL, error };
  gint type, value = 0;
  gboolean ok = TRUE;
  const gchar *problem = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length > GST_F2F_MAX_FRAME_SIZE) {
    fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST, "frame larger than %d bytes",
        GST_F2F_MAX_FRAME_SIZE);
    return NULL;
  }
  if (!g_utf8_validate_len (data, length, NULL)) {
    fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST, "frame is not UTF-8 text");
    return NULL;
  }
  if (!gst_f2f_scan_frame_strict (data, length, GST_F2F_MAX_JSON_DEPTH,
          &problem)) {
    fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST, "%s", problem);
    return NULL;
  }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &json_error)) {
    fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST, "frame is not JSON: %s",
        json_error->message);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "frame must be a JSON object");
    return NULL;
  }
  f.obj = json_node_get_object (root);

  if (!get_string (&f, "type", TRUE, 64, &type_name))
    return NULL;
  if (!enum_from_nick (GST_TYPE_F2F_MESSAGE_TYPE, type_name, &type)) {
    fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST, "unknown message type");
    return NULL;
  }
  if (!type_allowed (type, direction)) {
    fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST,
        "message type '%s' is not accepted here", type_name);
    return NULL;
  }

  msg = gst_f2f_message_new (type);
  switch (msg->type) {
    case GST_F2F_MESSAGE_JOIN:
      ok = parse_join (&f, msg);
      break;
    case GST_F2F_MESSAGE_WELCOME:
      ok = parse_welcome (&f, msg);
      break;
    case GST_F2F_MESSAGE_ERROR:
      ok = get_enum (&f, "code", GST_TYPE_F2F_ERROR_CODE, &value)
          && get_string (&f, "message", FALSE, GST_F2F_MAX_ERROR_TEXT_LENGTH,
          &msg->text) && check_utf8 (error, "message", msg->text);
      msg->code = value;
      break;
    case GST_F2F_MESSAGE_PEER_JOINED:{
      JsonNode *node = json_object_get_member (f.obj, "peer");
      if (node == NULL) {
        ok = fail (error, GST_F2F_ERROR_CODE_BAD_REQUEST,
            "missing field 'peer'");
        break;
      }
      msg->peer = parse_peer_info (node, error);
      ok = msg->peer != NULL;
      break;
    }
    case GST_F2F_MESSAGE_PEER_LEFT:
      ok = get_string (&f, "id", TRUE, GST_F2F_MAX_ID_LENGTH, &msg->peer_id)
          && check_id (error, "id", msg->peer_id)
          && get_enum (&f, "reason", GST_TYPE_F2F_LEAVE_REASON, &value);
      msg->reason = value;
      break;
    case GST_F2F_MESSAGE_LEADER_CHANGED:
      ok = get_string (&f, "leader", TRUE, GST_F2F_MAX_ID_LENGTH, &msg->leader)
          && check_id (error, "leader", msg->leader);
      break;
    case GST_F2F_MESSAGE_OFFER:
    case GST_F2F_MESSAGE_ANSWER:
    case GST_F2F_MESSAGE_ICE:
    case GST_F2F_MESSAGE_APP:
      ok = parse_relay (&f, msg, direction);
      break;
    case GST_F2F_MESSAGE_PING:
    case GST_F2F_MESSAGE_PONG:
    case GST_F2F_MESSAGE_LEAVE:
      break;
  }
  if (!ok)
    return NULL;
  return g_steal_pointer (&msg);
}

/* ---------------------------------------------------------------------- */
/* Serializing */

void
gst_f2f_json_add_string (JsonBuilder * b, const gchar * name,
    const gchar * value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

void
gst_f2f_json_add_int (JsonBuilder * b, const gchar * name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_peer_info (JsonBuilder * b, const GstF2fPeerInfo * info)
{
  json_builder_begin_object (b);
  gst_f2f_json_add_string (b, "id", info->id);
  gst_f2f_json_add_string (b, "name", info->name);
  gst_f2f_json_add_int (b, "order", (gint64) info->order);
  json_builder_end_object (b);
}

/**
 * gst_f2f_message_serialize:
 *
 * Returns: (transfer full): the frame's JSON text.
 */
gchar *
gst_f2f_message_serialize (const GstF2fMessage * msg)
{
  g_autoptr (JsonBuilder) b = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;
  guint i;

  g_return_val_if_fail (msg != NULL, NULL);

  json_builder_begin_object (b);
  gst_f2f_json_add_string (b, "type", gst_f2f_message_type_to_string (msg->type));
  switch (msg->type) {
    case GST_F2F_MESSAGE_JOIN:
      gst_f2f_json_add_int (b, "version", msg->version);
      gst_f2f_json_add_string (b, "room", msg->room);
      gst_f2f_json_add_string (b, "name", msg->name);
      gst_f2f_json_add_string (b, "password", msg->password);
      gst_f2f_json_add_string (b, "id", msg->peer_id);
      break;
    case GST_F2F_MESSAGE_WELCOME:
      gst_f2f_json_add_string (b, "room", msg->room);
      gst_f2f_json_add_string (b, "id", msg->peer_id);
      gst_f2f_json_add_string (b, "leader", msg->leader);
      json_builder_set_member_name (b, "protected");
      json_builder_add_boolean_value (b, msg->protected);
      gst_f2f_json_add_int (b, "idleTimeout", msg->idle_timeout);
      if (msg->rejoined) {
        json_builder_set_member_name (b, "rejoined");
        json_builder_add_boolean_value (b, TRUE);
      }
      json_builder_set_member_name (b, "peers");
      json_builder_begin_array (b);
      for (i = 0; msg->peers && i < msg->peers->len; i++)
        add_peer_info (b, g_ptr_array_index (msg->peers, i));
      json_builder_end_array (b);
      break;
    case GST_F2F_MESSAGE_ERROR:
      gst_f2f_json_add_string (b, "code", gst_f2f_error_code_to_string (msg->code));
      gst_f2f_json_add_string (b, "message", msg->text);
      break;
    case GST_F2F_MESSAGE_PEER_JOINED:
      if (msg->peer) {
        json_builder_set_member_name (b, "peer");
        add_peer_info (b, msg->peer);
      }
      break;
    case GST_F2F_MESSAGE_PEER_LEFT:
      gst_f2f_json_add_string (b, "id", msg->peer_id);
      gst_f2f_json_add_string (b, "reason", gst_f2f_leave_reason_to_string (msg->reason));
      break;
    case GST_F2F_MESSAGE_LEADER_CHANGED:
      gst_f2f_json_add_string (b, "leader", msg->leader);
      break;
    case GST_F2F_MESSAGE_OFFER:
    case GST_F2F_MESSAGE_ANSWER:
    case GST_F2F_MESSAGE_ICE:
    case GST_F2F_MESSAGE_APP:
      gst_f2f_json_add_string (b, "to", msg->to);
      gst_f2f_json_add_string (b, "from", msg->from);
      gst_f2f_json_add_string (b, "sdp", msg->sdp);
      if (msg->type == GST_F2F_MESSAGE_ICE) {
        gst_f2f_json_add_string (b, "candidate", msg->candidate ? msg->candidate : "");
        gst_f2f_json_add_string (b, "sdpMid", msg->sdp_mid);
        gst_f2f_json_add_int (b, "sdpMLineIndex", msg->mline_index);
      }
      gst_f2f_json_add_string (b, "payload", msg->payload);
      break;
    case GST_F2F_MESSAGE_PING:
    case GST_F2F_MESSAGE_PONG:
    case GST_F2F_MESSAGE_LEAVE:
      break;
  }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}
