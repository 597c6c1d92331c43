/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The file-sharing protocol: messages that survive a round trip, messages
 * that must be refused, chunk framing, and the rules that turn a name from
 * the network into a safe local file name.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define TEN "aaaaaaaaaa"
#define ID64 TEN TEN TEN TEN TEN TEN "aaaa"

/* Input from a peer must never make the library (or json-glib, see
 * get_str in f2ffileproto.c) complain: only misuse of the API may. */
static guint criticals, expected_criticals;

static void
count_critical (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer data)
{
  GST_INFO ("%s: %s", domain, message);
  criticals++;
}

static void
watch_criticals (void)
{
  const GLogLevelFlags levels = G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING;

  criticals = expected_criticals = 0;
  g_log_set_handler ("GStreamer-F2F", levels, count_critical, NULL);
  g_log_set_handler ("Json", levels, count_critical, NULL);
}

static void
check_criticals (void)
{
  fail_unless_equals_int (criticals, expected_criticals);
}

/* What every result of gst_f2f_file_safe_name must be, whatever went in. */
static void
check_safe (const gchar * input, const gchar * safe)
{
  const gchar *p;

  fail_unless (g_utf8_validate (safe, -1, NULL), "%s: not UTF-8", input);
  fail_unless (*safe != '\0', "%s: empty result", input);
  fail_unless (strlen (safe) <= GST_F2F_FILE_NAME_KEEP, "%s: %u bytes",
      input, (guint) strlen (safe));
  fail_if (safe[0] == '.', "%s → %s starts with a dot", input, safe);
  fail_if (safe[0] == ' ', "%s → %s starts with a space", input, safe);
  fail_if (g_str_has_suffix (safe, ".") || g_str_has_suffix (safe, " "),
      "%s → %s ends with a dot or space", input, safe);
  fail_if (strcmp (safe, ".") == 0 || strcmp (safe, "..") == 0);
  for (p = safe; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    fail_if (c == '/' || c == '\\', "%s → %s has a separator", input, safe);
    fail_if (g_unichar_iscntrl (c), "%s → %s has a control character",
        input, safe);
    fail_if (c == 0x202e, "%s → %s has a right-to-left override", input,
        safe);
  }
}

/* ---------------------------------------------------------------------- */
/* Messages */

static GstF2fFileManifest *
manifest_new (const gchar * id, const gchar * name, guint64 size,
    const gchar * media_type, const gchar * sharer_name)
{
  GstF2fFileManifest *m = g_new0 (GstF2fFileManifest, 1);

  m->id = g_strdup (id);
  m->name = g_strdup (name);
  m->size = size;
  m->sha256 = g_strdup (SHA);
  m->media_type = g_strdup (media_type);
  m->sharer = g_strdup ("k3v9x0q2m1c8a7pz");
  m->sharer_name = g_strdup (sharer_name);
  return m;
}

static void
assert_manifests_equal (const GstF2fFileManifest * a,
    const GstF2fFileManifest * b)
{
  fail_unless_equals_string (a->id, b->id);
  fail_unless_equals_string (a->name, b->name);
  fail_unless_equals_uint64 (a->size, b->size);
  fail_unless_equals_string (a->sha256, b->sha256);
  fail_unless_equals_string (a->media_type, b->media_type);
  fail_unless_equals_string (a->sharer, b->sharer);
  fail_unless_equals_string (a->sharer_name, b->sharer_name);
}

static GstF2fFileMessage *
parse_ok (const gchar * text)
{
  g_autoptr (GError) error = NULL;
  GstF2fFileMessage *msg;

  msg = gst_f2f_file_message_parse (text, strlen (text), &error);
  fail_unless (msg != NULL, "%s refused: %s", text,
      error ? error->message : "?");
  fail_unless (error == NULL);
  return msg;
}

GST_START_TEST (test_offer_round_trip)
{
  g_autoptr (GstF2fFileManifest) big = NULL;
  GstF2fFileManifest *manifests[] = {
    manifest_new ("f1", "report.pdf", 1234, "application/pdf", "Ann"),
    manifest_new (ID64, "Ünïcödé ✓ \"quoted\" <b>.txt", 0, "text/plain",
        NULL),
    manifest_new ("A-z-0", "../../etc/passwd", G_MAXINT64,
        "application/octet-stream", "Zoë 🎥"),
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (manifests); i++) {
    g_autoptr (GstF2fFileManifest) copy = NULL;
    g_autoptr (GstF2fFileMessage) msg = NULL;
    g_autoptr (GstF2fFileMessage) again = NULL;
    g_autofree gchar *text = gst_f2f_file_message_offer (manifests[i]);
    g_autofree gchar *text2 = NULL;

    msg = parse_ok (text);
    fail_unless_equals_int (msg->type, GST_F2F_FILE_MESSAGE_OFFER);
    fail_unless (msg->manifest != NULL);
    fail_unless (msg->id == NULL);
    fail_unless (msg->reason == NULL);
    /* the name is passed on as sent: making it safe is the caller's step */
    assert_manifests_equal (msg->manifest, manifests[i]);

    /* build → parse → build is a fixed point */
    text2 = gst_f2f_file_message_offer (msg->manifest);
    fail_unless_equals_string (text, text2);
    again = parse_ok (text2);
    assert_manifests_equal (again->manifest, manifests[i]);

    copy = gst_f2f_file_manifest_copy (msg->manifest);
    fail_unless (copy != msg->manifest);
    fail_unless (copy->name != msg->manifest->name);
    assert_manifests_equal (copy, manifests[i]);
    gst_f2f_file_manifest_free (manifests[i]);
  }
  fail_unless (gst_f2f_file_manifest_copy (NULL) == NULL);
  gst_f2f_file_manifest_free (NULL);
  gst_f2f_file_message_free (NULL);

  /* the longest name a manifest may carry */
  big = manifest_new ("f2", NULL, 1, "text/plain", NULL);
  big->name = g_strnfill (GST_F2F_FILE_NAME_MAX, 'n');
  {
    g_autofree gchar *text = gst_f2f_file_message_offer (big);
    g_autoptr (GstF2fFileMessage) msg = parse_ok (text);

    assert_manifests_equal (msg->manifest, big);
  }
}

GST_END_TEST;

typedef struct
{
  const gchar *id;
  guint64 offset;
  guint32 transfer;
} RequestCase;

static const RequestCase request_cases[] = {
  {"f1", 0, 0},
  {"f1", 65520, 1},
  {ID64, G_MAXINT64, G_MAXUINT32},
  {"0-0", 1, 4096},
};

GST_START_TEST (test_request_unshare_cancel_round_trip)
{
  const gchar *reasons[] = { NULL, "", "no space left on the disk",
    "Zoë \"quoted\" \n newline"
  };
  const guint32 transfers[] = { 0, 1, 4096, G_MAXUINT32 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (request_cases); i++) {
    const RequestCase *c = &request_cases[i];
    g_autofree gchar *text = gst_f2f_file_message_request (c->id, c->offset,
        c->transfer);
    g_autofree gchar *unshare = gst_f2f_file_message_unshare (c->id);
    g_autoptr (GstF2fFileMessage) msg = parse_ok (text);
    g_autoptr (GstF2fFileMessage) gone = parse_ok (unshare);

    fail_unless_equals_int (msg->type, GST_F2F_FILE_MESSAGE_REQUEST);
    fail_unless_equals_string (msg->id, c->id);
    fail_unless_equals_uint64 (msg->offset, c->offset);
    fail_unless_equals_int64 (msg->transfer, c->transfer);
    fail_unless (msg->manifest == NULL);

    fail_unless_equals_int (gone->type, GST_F2F_FILE_MESSAGE_UNSHARE);
    fail_unless_equals_string (gone->id, c->id);
    fail_unless (gone->manifest == NULL);
  }

  for (i = 0; i < G_N_ELEMENTS (reasons) * G_N_ELEMENTS (transfers); i++) {
    const gchar *reason = reasons[i % G_N_ELEMENTS (reasons)];
    guint32 transfer = transfers[i / G_N_ELEMENTS (reasons)];
    g_autofree gchar *text = gst_f2f_file_message_cancel (transfer, reason);
    g_autoptr (GstF2fFileMessage) msg = parse_ok (text);

    fail_unless_equals_int (msg->type, GST_F2F_FILE_MESSAGE_CANCEL);
    fail_unless_equals_int64 (msg->transfer, transfer);
    fail_unless_equals_string (msg->reason, reason);
    fail_unless (msg->id == NULL);
  }
}

GST_END_TEST;

/* Members of a valid message of each type, as raw JSON values, in order. */
typedef struct
{
  const gchar *member;
  const gchar *value;
} Member;

static const Member offer[] = {
  {"type", "\"file-offer\""},
  {"id", "\"f1\""},
  {"name", "\"report.pdf\""},
  {"size", "1234"},
  {"sha256", "\"" SHA "\""},
  {"media-type", "\"application/pdf\""},
  {"sharer", "\"k3v9x0q2m1c8a7pz\""},
  {"sharer-name", "\"Ann\""},
  {NULL}
};

static const Member unshare[] = {
  {"type", "\"file-unshare\""},
  {"id", "\"f1\""},
  {NULL}
};

static const Member request[] = {
  {"type", "\"file-request\""},
  {"id", "\"f1\""},
  {"offset", "0"},
  {"transfer", "7"},
  {NULL}
};

static const Member cancel[] = {
  {"type", "\"file-cancel\""},
  {"transfer", "7"},
  {"reason", "\"stopped\""},
  {NULL}
};

/* @base with @member set to @value (raw JSON), or left out when @value is
 * NULL, or added at the end when @base has no such member. */
static gchar *
message_with (const Member * base, const gchar * member, const gchar * value)
{
  GString *s = g_string_new ("{");
  gboolean found = FALSE;
  const Member *m;

  for (m = base; m->member; m++) {
    const gchar *v = m->value;

    if (member && strcmp (m->member, member) == 0) {
      found = TRUE;
      v = value;
    }
    if (v == NULL)
      continue;
    if (s->len > 1)
      g_string_append_c (s, ',');
    g_string_append_printf (s, "\"%s\":%s", m->member, v);
  }
  if (member && !found && value)
    g_string_append_printf (s, ",\"%s\":%s", member, value);
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

typedef struct
{
  const Member *base;
  const gchar *member;
  const gchar *value;           /* NULL: the member is missing */
} Edit;

static const Edit valid_edits[] = {
  {offer, NULL, NULL},
  {offer, "sharer-name", NULL},
  {offer, "media-type", NULL},
  {offer, "future", "{\"field\":[1,2]}"},
  {offer, "size", "0"},
  {offer, "size", "9223372036854775807"},
  {offer, "id", "\"" ID64 "\""},
  {offer, "name", "\"..\""},    /* checked later by gst_f2f_file_safe_name */
  {unshare, NULL, NULL},
  {request, NULL, NULL},
  {request, "offset", "9223372036854775807"},
  {request, "transfer", "4294967295"},
  {cancel, NULL, NULL},
  {cancel, "reason", NULL},
  {cancel, "reason", "17"},
  {cancel, "transfer", "0"},
};

GST_START_TEST (test_valid_messages)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (valid_edits); i++) {
    const Edit *e = &valid_edits[i];
    g_autofree gchar *text = message_with (e->base, e->member, e->value);
    g_autoptr (GstF2fFileMessage) msg = parse_ok (text);
    g_autofree gchar *again = NULL;

    /* what parsed builds to text that parses to the same message */
    switch (msg->type) {
      case GST_F2F_FILE_MESSAGE_OFFER:
        again = gst_f2f_file_message_offer (msg->manifest);
        break;
      case GST_F2F_FILE_MESSAGE_UNSHARE:
        again = gst_f2f_file_message_unshare (msg->id);
        break;
      case GST_F2F_FILE_MESSAGE_REQUEST:
        again = gst_f2f_file_message_request (msg->id, msg->offset,
            msg->transfer);
        break;
      case GST_F2F_FILE_MESSAGE_CANCEL:
        again = gst_f2f_file_message_cancel (msg->transfer, msg->reason);
        break;
    }
    {
      g_autoptr (GstF2fFileMessage) back = parse_ok (again);

      fail_unless_equals_int (back->type, msg->type);
      fail_unless_equals_string (back->id, msg->id);
      fail_unless_equals_uint64 (back->offset, msg->offset);
      fail_unless_equals_int64 (back->transfer, msg->transfer);
      fail_unless_equals_string (back->reason, msg->reason);
      if (msg->manifest)
        assert_manifests_equal (back->manifest, msg->manifest);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_fields)
{
  g_autofree gchar *text = message_with (offer, NULL, NULL);
  g_autoptr (GstF2fFileMessage) msg = parse_ok (text);
  g_autofree gchar *long_reason = NULL;
  g_autofree gchar *cancel_text = NULL;
  g_autoptr (GstF2fFileMessage) cancel_msg = NULL;

  fail_unless_equals_string (msg->manifest->id, "f1");
  fail_unless_equals_string (msg->manifest->name, "report.pdf");
  fail_unless_equals_uint64 (msg->manifest->size, 1234);
  fail_unless_equals_string (msg->manifest->sha256, SHA);
  fail_unless_equals_string (msg->manifest->media_type, "application/pdf");
  fail_unless_equals_string (msg->manifest->sharer, "k3v9x0q2m1c8a7pz");
  fail_unless_equals_string (msg->manifest->sharer_name, "Ann");

  /* a reason is a courtesy: one too long to show is dropped, not refused */
  long_reason = g_strdup_printf ("\"%0*d\"", 1025, 0);
  cancel_text = message_with (cancel, "reason", long_reason);
  cancel_msg = parse_ok (cancel_text);
  fail_unless_equals_int64 (cancel_msg->transfer, 7);
  fail_unless (cancel_msg->reason == NULL);

  /* text json-glib would decode to bytes that are not UTF-8 is dropped */
  g_free (cancel_text);
  g_clear_pointer (&cancel_msg, gst_f2f_file_message_free);
  cancel_text = message_with (cancel, "reason", "\"bad \\377 byte\"");
  cancel_msg = parse_ok (cancel_text);
  fail_unless (cancel_msg->reason == NULL);
}

GST_END_TEST;

/* A media type is only a hint: a bad one becomes the neutral one instead of
 * refusing the offer. */
GST_START_TEST (test_media_type_fallback)
{
  /* 255 and 256 bytes */
  g_autofree gchar *max_type = g_strdup_printf ("\"text/%0*d\"", 250, 0);
  g_autofree gchar *long_type = g_strdup_printf ("\"text/%0*d\"", 251, 0);
  const gchar *good[] = {
    "\"application/pdf\"",
    "\"text/plain; charset=utf-8\"",
    max_type,
  };
  const gchar *bad[] = {
    NULL,
    "42",
    "[\"text/plain\"]",
    "\"text/plain\\r\\nX-Evil: 1\"",
    "\"text/plain\\n\"",
    "\"text/plain\\t\"",
    "\"text/\\u001b[31mplain\"",
    "\"tëxt/plain\"",
    "\"text/\\202\"",
    "\"\"",
    long_type,
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree gchar *text = message_with (offer, "media-type", bad[i]);
    g_autoptr (GstF2fFileMessage) msg = parse_ok (text);

    fail_unless_equals_string (msg->manifest->media_type,
        "application/octet-stream");
  }
  for (i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autofree gchar *text = message_with (offer, "media-type", good[i]);
    g_autoptr (GstF2fFileMessage) msg = parse_ok (text);
    g_autofree gchar *want = g_strndup (good[i] + 1, strlen (good[i]) - 2);

    fail_unless_equals_string (msg->manifest->media_type, want);
  }
}

GST_END_TEST;

/* The sharer's display name is a hint as well: one that a room would refuse
 * (see gst_f2f_is_valid_name) is dropped, the offer kept. */
GST_START_TEST (test_sharer_name_dropped)
{
  g_autofree gchar *long_name = g_strdup_printf ("\"%0*d\"", 65, 0);
  const gchar *bad[] = {
    "\"\"",
    "\"A\\nB\"",
    "\"\\u001b[2Jhi\"",
    "\"line\\u2028sep\"",
    "\"A\\303\"",
    "7",
    long_name,
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree gchar *text = message_with (offer, "sharer-name", bad[i]);
    g_autoptr (GstF2fFileMessage) msg = parse_ok (text);

    fail_unless (msg->manifest->sharer_name == NULL, "%s kept", bad[i]);
  }
}

GST_END_TEST;

static const Edit invalid_edits[] = {
  /* type */
  {offer, "type", NULL},
  {offer, "type", "42"},
  {offer, "type", "\"file-delete\""},
  {offer, "type", "\"FILE-OFFER\""},
  {offer, "type", "\"offer\""},
  /* id */
  {offer, "id", NULL},
  {offer, "id", "\"\""},
  {offer, "id", "\"" ID64 "a\""},
  {offer, "id", "\"a/b\""},
  {offer, "id", "\"a.b\""},
  {offer, "id", "\"..\""},
  {offer, "id", "\"a b\""},
  {offer, "id", "\"a_b\""},
  {offer, "id", "\"ë\""},
  {offer, "id", "17"},
  /* sha256 */
  {offer, "sha256", NULL},
  {offer, "sha256", "\"" TEN TEN TEN TEN TEN TEN "012\""},
  {offer, "sha256", "\"" SHA "0\""},
  {offer, "sha256", "\"0123456789ABCDEF0123456789abcdef0123456789abcdef"
        "0123456789abcdef\""},
  {offer, "sha256", "\"0123456789abcdeg0123456789abcdef0123456789abcdef"
        "0123456789abcdef\""},
  {offer, "sha256", "\"0123456789abcde 0123456789abcdef0123456789abcdef"
        "0123456789abcdef\""},
  {offer, "sha256", "\"\""},
  /* size */
  {offer, "size", NULL},
  {offer, "size", "-1"},
  {offer, "size", "\"1234\""},
  {offer, "size", "1.5"},
  {offer, "size", "true"},
  {offer, "size", "null"},
  {offer, "size", "9223372036854775808"},
  /* name */
  {offer, "name", NULL},
  {offer, "name", "\"\""},
  {offer, "name", "5"},
  {offer, "name", "[\"a\"]"},
  /* json-glib reads "\202" as the byte 0x82: not UTF-8 */
  {offer, "name", "\"a\\202b.txt\""},
  /* sharer */
  {offer, "sharer", NULL},
  {offer, "sharer", "\"\""},
  {offer, "sharer", "{}"},
  {offer, "sharer", "\"a/b\""},
  {offer, "sharer", "\"a.b\""},
  {offer, "sharer", "\"k3v9 x\""},
  {offer, "sharer", "\"k3v9\\u0001\""},
  {offer, "sharer", "\"" ID64 "a\""},
  /* unshare */
  {unshare, "id", NULL},
  {unshare, "id", "\"\""},
  {unshare, "id", "\"a/b\""},
  {unshare, "id", "\"a.b\""},
  {unshare, "id", "\"" ID64 "a\""},
  /* request */
  {request, "id", NULL},
  {request, "id", "\"../f1\""},
  {request, "offset", NULL},
  {request, "offset", "-1"},
  {request, "offset", "\"0\""},
  {request, "offset", "0.5"},
  {request, "offset", "9223372036854775808"},
  {request, "transfer", NULL},
  {request, "transfer", "-1"},
  {request, "transfer", "4294967296"},
  {request, "transfer", "\"7\""},
  /* cancel */
  {cancel, "transfer", NULL},
  {cancel, "transfer", "-1"},
  {cancel, "transfer", "4294967296"},
  {cancel, "transfer", "9223372036854775807"},
  {cancel, "transfer", "7.0"},
};

static void
assert_refused (const gchar * what, const gchar * data, gsize length)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstF2fFileMessage) msg = NULL;

  msg = gst_f2f_file_message_parse (data, length, &error);
  fail_unless (msg == NULL, "%s: accepted", what);
  fail_unless (error != NULL, "%s: refused without an error", what);
  fail_unless (error->message && *error->message, "%s: empty error", what);
  GST_INFO ("%s: %s", what, error->message);
}

/* Our own refusals come in the protocol's domain, with the code a peer would
 * be answered with. */
static void
assert_refused_bad_request (const gchar * what, const gchar * data,
    gsize length)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstF2fFileMessage) msg = NULL;

  assert_refused (what, data, length);
  msg = gst_f2f_file_message_parse (data, length, &error);
  fail_unless (g_error_matches (error, GST_F2F_PROTOCOL_ERROR,
          GST_F2F_ERROR_CODE_BAD_REQUEST), "%s: %s", what, error->message);
  /* and without a GError to fill in */
  fail_unless (gst_f2f_file_message_parse (data, length, NULL) == NULL);
}

GST_START_TEST (test_invalid_messages)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (invalid_edits); i++) {
    const Edit *e = &invalid_edits[i];
    g_autofree gchar *text = message_with (e->base, e->member, e->value);

    assert_refused_bad_request (text, text, strlen (text));
  }
}

GST_END_TEST;

static const gchar *const invalid_frames[] = {
  "",
  "   ",
  "[]",
  "[{\"type\":\"file-unshare\",\"id\":\"f1\"}]",
  "\"file-unshare\"",
  "42",
  "null",
  "{}",
  /* exactly one object per message */
  "{\"type\":\"file-unshare\",\"id\":\"f1\"}{\"type\":\"file-unshare\","
      "\"id\":\"f2\"}",
  "{\"type\":\"file-unshare\",\"id\":\"f1\"} {}",
  "{\"type\":\"file-unshare\",\"id\":\"f1\"} x",
  "1{\"type\":\"file-unshare\",\"id\":\"f1\"}",
  /* invalid UTF-8: a lone continuation byte, a truncated sequence, an
   * overlong '/', a UTF-16 surrogate */
  "{\"type\":\"file-unshare\",\"id\":\"f1\",\"x\":\"\x80\"}",
  "{\"type\":\"file-unshare\",\"id\":\"f1\",\"x\":\"\xc3\"}",
  "{\"type\":\"file-offer\",\"id\":\"f1\",\"name\":\"\xc0\xaf\"}",
  "{\"type\":\"file-cancel\",\"transfer\":1,\"reason\":\"\xed\xa0\x80\"}",
  /* NUL, escaped */
  "{\"type\":\"file-unshare\",\"id\":\"f1\\u0000\"}",
  /* nesting just over the limit (16) */
  "{\"type\":\"file-cancel\",\"transfer\":1,\"x\":"
      "[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}",
};

GST_START_TEST (test_invalid_frames)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (invalid_frames); i++)
    assert_refused_bad_request (invalid_frames[i], invalid_frames[i],
        strlen (invalid_frames[i]));
}

GST_END_TEST;

/* Messages an attacker makes with a few bytes or many: every one refused
 * cleanly, with an error. */
GST_START_TEST (test_hostile_messages)
{
  const gchar with_nul[] = "{\"type\":\"file-unshare\",\"id\":\"f1\"}\0x";
  const gchar nul_in_string[] = "{\"type\":\"file-unshare\",\"id\":\"f\0\"}";
  g_autofree gchar *long_name = g_strnfill (GST_F2F_FILE_NAME_MAX + 1, 'n');
  g_autofree gchar *long_value = g_strdup_printf ("\"%s\"", long_name);
  g_autofree gchar *text = message_with (offer, "name", long_value);
  GString *s = g_string_new (NULL);
  guint i;

  assert_refused_bad_request ("nul after the object", with_nul,
      sizeof with_nul - 1);
  assert_refused_bad_request ("nul in a string", nul_in_string,
      sizeof nul_in_string - 1);
  assert_refused_bad_request ("name over the maximum", text, strlen (text));

  /* deep nesting that would exhaust the parser's stack */
  g_string_assign (s, "{\"type\":\"file-cancel\",\"transfer\":1,\"x\":");
  for (i = 0; i < 60000; i++)
    g_string_append_c (s, '[');
  assert_refused_bad_request ("deep nesting", s->str, s->len);

  /* a valid offer padded to just over 64 KiB */
  g_string_assign (s, "{\"type\":\"file-offer\",\"pad\":\"");
  while (s->len < GST_F2F_FILE_MESSAGE_MAX)
    g_string_append_c (s, 'x');
  g_string_append (s, "\"");
  for (i = 1; offer[i].member; i++)
    g_string_append_printf (s, ",\"%s\":%s", offer[i].member, offer[i].value);
  g_string_append (s, "}");
  assert_refused_bad_request ("over 64 KiB", s->str, s->len);

  /* syntax errors: refused, maybe in json-glib's domain */
  assert_refused ("unterminated object", "{\"type\":\"file-unshare\"", 22);
  assert_refused ("missing value", "{\"type\":}", 9);
  assert_refused ("bare word", "{\"type\":file-offer}", 19);

  g_string_free (s, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_validators)
{
  const gchar *ids[] = { "a", "f1", "A-z-0", "-", ID64 };
  const gchar *bad_ids[] = { NULL, "", ID64 "a", "a/b", "a.b", ".", "..",
    "a b", "a_b", "a\nb", "ë"
  };
  const gchar *bad_sha[] = { NULL, "", TEN TEN TEN TEN TEN TEN "012",
    SHA "0", "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
    "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "x123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (ids); i++)
    fail_unless (gst_f2f_file_id_is_valid (ids[i]), "%s", ids[i]);
  for (i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    fail_if (gst_f2f_file_id_is_valid (bad_ids[i]), "%s", bad_ids[i]);
  fail_unless (gst_f2f_file_sha256_is_valid (SHA));
  for (i = 0; i < G_N_ELEMENTS (bad_sha); i++)
    fail_if (gst_f2f_file_sha256_is_valid (bad_sha[i]), "%s", bad_sha[i]);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Chunks */

GST_START_TEST (test_chunk_round_trip)
{
  const gsize lengths[] = { 0, 1, 2, 1000, GST_F2F_FILE_CHUNK_PAYLOAD };
  const guint32 transfers[] = { 0, 1, 0x01020304, G_MAXUINT32 };
  const guint64 offsets[] = { 0, 1, G_GUINT64_CONSTANT (0x0102030405060708),
    G_MAXINT64
  };
  guint8 *source = g_malloc (GST_F2F_FILE_CHUNK_PAYLOAD);
  guint i, j;

  fail_unless_equals_int (GST_F2F_FILE_CHUNK_PAYLOAD, 65520);
  for (i = 0; i < GST_F2F_FILE_CHUNK_PAYLOAD; i++)
    source[i] = (guint8) (i * 7 + 3);

  for (i = 0; i < G_N_ELEMENTS (lengths); i++) {
    for (j = 0; j < G_N_ELEMENTS (transfers); j++) {
      g_autoptr (GBytes) chunk = gst_f2f_file_chunk_pack (transfers[j],
          offsets[j], source, lengths[i]);
      const guint8 *payload = NULL;
      guint32 transfer = 0;
      guint64 offset = 0;
      gsize length = G_MAXSIZE, size;
      const guint8 *data = g_bytes_get_data (chunk, &size);

      fail_unless_equals_uint64 (size, GST_F2F_FILE_CHUNK_HEADER + lengths[i]);
      fail_unless (size <= GST_F2F_FILE_MESSAGE_MAX);
      fail_unless (gst_f2f_file_chunk_parse (chunk, &transfer, &offset,
              &payload, &length));
      fail_unless_equals_int64 (transfer, transfers[j]);
      fail_unless_equals_uint64 (offset, offsets[j]);
      fail_unless_equals_uint64 (length, lengths[i]);
      fail_unless (payload == data + GST_F2F_FILE_CHUNK_HEADER);
      if (length)
        fail_unless (memcmp (payload, source, length) == 0);
    }
  }
  g_free (source);
}

GST_END_TEST;

/* The layout is the wire format: pin it byte by byte. */
GST_START_TEST (test_chunk_layout)
{
  const guint8 payload[] = { 0xde, 0xad };
  const guint8 expected[] = { 'F', '2', 'F', 'C', 0x01, 0x02, 0x03, 0x04,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xde, 0xad
  };
  g_autoptr (GBytes) chunk = gst_f2f_file_chunk_pack (0x01020304,
      G_GUINT64_CONSTANT (0x0102030405060708), payload, sizeof payload);
  g_autoptr (GBytes) want = g_bytes_new_static (expected, sizeof expected);
  guint8 *big = g_malloc0 (GST_F2F_FILE_CHUNK_PAYLOAD + 1);

  fail_unless (g_bytes_equal (chunk, want));

  /* a payload that would not fit in one data-channel message is a bug of
   * the caller */
  expected_criticals = 1;
  fail_unless (gst_f2f_file_chunk_pack (1, 0, big,
          GST_F2F_FILE_CHUNK_PAYLOAD + 1) == NULL);
  g_free (big);
}

GST_END_TEST;

static gboolean
chunk_parses (const guint8 * data, gsize size)
{
  g_autoptr (GBytes) chunk = g_bytes_new (data, size);
  const guint8 *payload = NULL;
  guint32 transfer = 0;
  guint64 offset = 0;
  gsize length = 0;

  return gst_f2f_file_chunk_parse (chunk, &transfer, &offset, &payload,
      &length);
}

GST_START_TEST (test_chunk_refused)
{
  guint8 *buf = g_malloc0 (GST_F2F_FILE_MESSAGE_MAX + 1);
  guint i;

  memcpy (buf, "F2FC", 4);
  /* the smallest and the largest chunk */
  fail_unless (chunk_parses (buf, GST_F2F_FILE_CHUNK_HEADER));
  fail_unless (chunk_parses (buf, GST_F2F_FILE_MESSAGE_MAX));

  for (i = 0; i < GST_F2F_FILE_CHUNK_HEADER; i++)
    fail_if (chunk_parses (buf, i), "%u bytes accepted", i);
  fail_if (chunk_parses (buf, GST_F2F_FILE_MESSAGE_MAX + 1));

  /* the magic, exactly */
  memcpy (buf, "F2FD", 4);
  fail_if (chunk_parses (buf, 20));
  memcpy (buf, "f2fc", 4);
  fail_if (chunk_parses (buf, 20));
  memcpy (buf, "\0F2F", 4);
  fail_if (chunk_parses (buf, 20));
  memcpy (buf, "F2FC", 4);

  /* offsets past G_MAXINT64 cannot be a position in a file */
  memset (buf + 8, 0x7f, 1);
  memset (buf + 9, 0xff, 7);
  fail_unless (chunk_parses (buf, 20));
  buf[8] = 0x80;
  memset (buf + 9, 0, 7);
  fail_if (chunk_parses (buf, 20));
  memset (buf + 8, 0xff, 8);
  fail_if (chunk_parses (buf, 20));

  g_free (buf);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Names */

typedef struct
{
  const gchar *name;
  const gchar *safe;            /* NULL: refused */
} NameCase;

static const NameCase name_cases[] = {
  /* ordinary names pass through unchanged */
  {"report.pdf", "report.pdf"},
  {"Ünïcödé ✓.txt", "Ünïcödé ✓.txt"},
  {"Zoë 🎥 (1) [final] & co.mkv", "Zoë 🎥 (1) [final] & co.mkv"},
  {"a", "a"},
  {"a.tar.gz", "a.tar.gz"},
  {"a_b", "a_b"},
  {"中文文件名.docx", "中文文件名.docx"},
  /* paths become one component */
  {"../../etc/passwd", "_.._etc_passwd"},
  {"/abs/path", "_abs_path"},
  {"dir/", "dir_"},
  {"C:\\x", "C__x"},
  {"..\\..\\boot.ini", "_.._boot.ini"},
  /* no hidden files, no "." or "..", no trailing dots or spaces */
  {".bashrc", "bashrc"},
  {"..bashrc", "bashrc"},
  {". .hidden", "hidden"},
  {"  name  ", "name"},
  {"name.", "name"},
  {"name. . ", "name"},
  {"report.pdf.", "report.pdf"},
  /* controls and the characters Windows refuses */
  {"a\nb", "a_b"},
  {"a\tb\rc", "a_b_c"},
  {"a\x1b[31mred", "a_[31mred"},
  {"a\x7f" "b", "a_b"},
  {"a\xc2\x85" "b", "a_b"},     /* U+0085, a C1 control */
  {"a<b>c:d*e?f\"g|h", "a_b_c_d_e_f_g_h"},
  {"line\xe2\x80\xa8" "sep\xe2\x80\xa9", "line_sep_"},
  /* U+202E (right-to-left override) would show "evil\u202Etxt.exe" as
   * "evilexe.txt" */
  {"evil\xe2\x80\xaetxt.exe", "evil_txt.exe"},
  /* nothing usable */
  {"", NULL},
  {".", NULL},
  {"..", NULL},
  {"...", NULL},
  {" ", NULL},
  {". . .", NULL},
  {"///", NULL},
  {"\\", NULL},
  {"\n", NULL},
  {"./", NULL},
  {"/.", NULL},
  {"???", NULL},
  {"_", NULL},
  {"_ _", "_ _"},
  /* not UTF-8 */
  {"\xff" "a", NULL},
  {"a\xc3", NULL},
  {"\xc0\xaf", NULL},           /* an overlong '/' */
  {"\xed\xa0\x80.txt", NULL},   /* a UTF-16 surrogate */
};

static gchar *
safe_name_ok (const gchar * name)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *again = NULL;
  gchar *safe = gst_f2f_file_safe_name (name, &error);

  fail_unless (safe != NULL, "'%s' refused: %s", name,
      error ? error->message : "?");
  fail_unless (error == NULL);
  check_safe (name, safe);
  /* a safe name stays as it is */
  again = gst_f2f_file_safe_name (safe, NULL);
  fail_unless_equals_string (again, safe);
  return safe;
}

static void
assert_name_refused (const gchar * what, const gchar * name)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *safe = gst_f2f_file_safe_name (name, &error);

  fail_unless (safe == NULL, "%s: '%s' accepted as '%s'", what, name, safe);
  fail_unless (g_error_matches (error, GST_F2F_PROTOCOL_ERROR,
          GST_F2F_ERROR_CODE_BAD_REQUEST), "%s: no error", what);
  fail_unless (error->message && *error->message);
}

GST_START_TEST (test_safe_name_table)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (name_cases); i++) {
    const NameCase *c = &name_cases[i];
    g_autofree gchar *safe = NULL;

    if (c->safe == NULL) {
      assert_name_refused ("table", c->name);
      continue;
    }
    safe = safe_name_ok (c->name);
    fail_unless_equals_string (safe, c->safe);
  }
  assert_name_refused ("NULL", NULL);
}

GST_END_TEST;

GST_START_TEST (test_safe_name_long)
{
  g_autofree gchar *max = g_strnfill (GST_F2F_FILE_NAME_MAX, 'n');
  g_autofree gchar *over = g_strnfill (GST_F2F_FILE_NAME_MAX + 1, 'n');
  g_autofree gchar *tenk = g_strnfill (10000, 'x');
  g_autofree gchar *tenk_txt = g_strconcat (tenk, ".txt", NULL);
  g_autofree gchar *safe = NULL;
  GString *s = g_string_new (NULL);
  guint i;

  /* a 10 KB name: shortened, the extension kept */
  safe = safe_name_ok (tenk_txt);
  fail_unless_equals_int (strlen (safe), GST_F2F_FILE_NAME_KEEP);
  fail_unless (g_str_has_suffix (safe, ".txt"));
  fail_unless (strspn (safe, "x") == GST_F2F_FILE_NAME_KEEP - 4);
  g_clear_pointer (&safe, g_free);

  /* exactly KEEP bytes are kept as they are */
  g_string_assign (s, "");
  while (s->len < GST_F2F_FILE_NAME_KEEP)
    g_string_append_c (s, 'k');
  safe = safe_name_ok (s->str);
  fail_unless_equals_string (safe, s->str);
  g_clear_pointer (&safe, g_free);

  /* 300 'é' (600 bytes) are cut between two characters */
  g_string_assign (s, "");
  for (i = 0; i < 300; i++)
    g_string_append (s, "é");
  safe = safe_name_ok (s->str);
  fail_unless_equals_int (strlen (safe), GST_F2F_FILE_NAME_KEEP);
  fail_unless_equals_int (g_utf8_strlen (safe, -1), 100);
  g_clear_pointer (&safe, g_free);

  /* ... also when the limit falls inside one */
  g_string_prepend_c (s, 'a');
  safe = safe_name_ok (s->str);
  fail_unless_equals_int (strlen (safe), GST_F2F_FILE_NAME_KEEP - 1);
  fail_unless (g_str_has_prefix (safe, "aé"));
  g_clear_pointer (&safe, g_free);

  /* ... and with 4-byte characters and an extension */
  g_string_assign (s, "");
  for (i = 0; i < 100; i++)
    g_string_append (s, "🎥");
  g_string_append (s, ".mkv");
  safe = safe_name_ok (s->str);
  fail_unless (g_str_has_suffix (safe, "🎥.mkv"));
  fail_unless_equals_int (strlen (safe), GST_F2F_FILE_NAME_KEEP);
  g_clear_pointer (&safe, g_free);

  /* an "extension" too long to be one is not kept */
  g_string_assign (s, "");
  while (s->len < 300)
    g_string_append_c (s, 'y');
  g_string_append (s, ".this-is-not-an-extension");
  safe = safe_name_ok (s->str);
  fail_unless_equals_int (strlen (safe), GST_F2F_FILE_NAME_KEEP);
  fail_unless (strspn (safe, "y") == GST_F2F_FILE_NAME_KEEP);
  g_clear_pointer (&safe, g_free);

  /* the cut must not leave a trailing space or dot */
  g_string_assign (s, "");
  while (s->len < GST_F2F_FILE_NAME_KEEP - 1)
    g_string_append_c (s, 'z');
  g_string_append (s, ". .. . no extension here at all");
  safe = safe_name_ok (s->str);
  fail_unless (strspn (safe, "z") == GST_F2F_FILE_NAME_KEEP - 1);
  g_clear_pointer (&safe, g_free);
  g_string_assign (s, "");
  while (s->len < GST_F2F_FILE_NAME_KEEP - 12)
    g_string_append_c (s, 'z');
  g_string_append (s, "  .  .  .  .  .  .  .  .  .  .txt");
  safe = safe_name_ok (s->str);
  fail_unless (g_str_has_suffix (safe, ".txt"));
  g_clear_pointer (&safe, g_free);

  /* what is left after the cut must be usable, like any other name */
  g_string_assign (s, "");
  while (s->len < 300)
    g_string_append_c (s, '_');
  g_string_append (s, "x");
  assert_name_refused ("underscores after the cut", s->str);
  g_string_append (s, ".txt");
  safe = safe_name_ok (s->str);
  fail_unless (g_str_has_suffix (safe, "_.txt"));
  g_clear_pointer (&safe, g_free);

  /* many leading dots (each one removed) */
  g_string_assign (s, "");
  while (s->len < GST_F2F_FILE_NAME_MAX - 4)
    g_string_append_c (s, '.');
  g_string_append (s, "dots");
  safe = safe_name_ok (s->str);
  fail_unless_equals_string (safe, "dots");
  g_clear_pointer (&safe, g_free);

  /* at the maximum it is shortened; past it it is refused */
  safe = safe_name_ok (max);
  fail_unless_equals_int (strlen (safe), GST_F2F_FILE_NAME_KEEP);
  assert_name_refused ("over the maximum", over);

  g_string_free (s, TRUE);
}

GST_END_TEST;

typedef struct
{
  const gchar *safe_name;
  guint n;
  const gchar *numbered;
} NumberedCase;

static const NumberedCase numbered_cases[] = {
  {"report.pdf", 2, "report (2).pdf"},
  {"archive", 3, "archive (3)"},
  {"a.tar.gz", 2, "a.tar (2).gz"},
  {"Ünïcödé ✓.txt", 10, "Ünïcödé ✓ (10).txt"},
  {"x", G_MAXUINT, "x (4294967295)"},
};

GST_START_TEST (test_numbered_name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (numbered_cases); i++) {
    const NumberedCase *c = &numbered_cases[i];
    g_autofree gchar *numbered = gst_f2f_file_numbered_name (c->safe_name,
        c->n);
    g_autofree gchar *safe = NULL;

    fail_unless_equals_string (numbered, c->numbered);
    /* a numbered safe name is still safe */
    safe = safe_name_ok (numbered);
    fail_unless_equals_string (safe, numbered);
  }
}

GST_END_TEST;

static Suite *
fileproto_suite (void)
{
  Suite *s = suite_create ("f2f file-sharing protocol");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, watch_criticals, check_criticals);
  tcase_add_test (tc, test_offer_round_trip);
  tcase_add_test (tc, test_request_unshare_cancel_round_trip);
  tcase_add_test (tc, test_valid_messages);
  tcase_add_test (tc, test_fields);
  tcase_add_test (tc, test_media_type_fallback);
  tcase_add_test (tc, test_sharer_name_dropped);
  tcase_add_test (tc, test_invalid_messages);
  tcase_add_test (tc, test_invalid_frames);
  tcase_add_test (tc, test_hostile_messages);
  tcase_add_test (tc, test_validators);
  tcase_add_test (tc, test_chunk_round_trip);
  tcase_add_test (tc, test_chunk_layout);
  tcase_add_test (tc, test_chunk_refused);
  tcase_add_test (tc, test_safe_name_table);
  tcase_add_test (tc, test_safe_name_long);
  tcase_add_test (tc, test_numbered_name);
  return s;
}

GST_CHECK_MAIN (fileproto);
