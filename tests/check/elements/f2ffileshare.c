/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * f2ffileshare against a room object with a fake transport: no network,
 * every message the element sends is captured and every message it
 * receives is written here, so the receive path (offer → request → chunks
 * → verified file), the damaged-file path and the send path are checked
 * byte for byte, also under valgrind. Rooms of real processes are in
 * integration/fileshare.c.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

typedef struct
{
  gchar *peer;
  gchar *channel;
  GBytes *data;
} Sent;

static void
sent_free (Sent * s)
{
  g_free (s->peer);
  g_free (s->channel);
  g_bytes_unref (s->data);
  g_free (s);
}

static GAsyncQueue *sent;

/* The fake transport: every link is up and never full. */
static gboolean
capture_send (gpointer user_data, const gchar * peer, const gchar * channel,
    GBytes * data)
{
  Sent *s = g_new0 (Sent, 1);

  s->peer = g_strdup (peer);
  s->channel = g_strdup (channel);
  s->data = g_bytes_ref (data);
  g_async_queue_push (sent, s);
  return TRUE;
}

static gint64
never_full (gpointer user_data, const gchar * peer, const gchar * channel)
{
  return 0;
}

/* The next thing sent to @peer on @channel (others are dropped). */
static Sent *
next_sent (const gchar * peer, const gchar * channel)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  Sent *s;

  while ((s = g_async_queue_timeout_pop (sent, MAX (0,
                  deadline - g_get_monotonic_time ())))) {
    if (g_str_equal (s->peer, peer) && g_str_equal (s->channel, channel))
      return s;
    sent_free (s);
  }
  return NULL;
}

static GstF2fFileMessage *
parse_sent (Sent * s)
{
  gsize len;
  const gchar *text = g_bytes_get_data (s->data, &len);

  return gst_f2f_file_message_parse (text, len, NULL);
}

/* The next request sent to @peer (offers of files received before may
 * come first). */
static GstF2fFileMessage *
next_request (const gchar * peer)
{
  Sent *r;

  while ((r = next_sent (peer, GST_F2F_FILES_CHANNEL))) {
    GstF2fFileMessage *msg = parse_sent (r);
    sent_free (r);
    fail_unless (msg != NULL);
    if (msg->type == GST_F2F_FILE_MESSAGE_REQUEST)
      return msg;
    gst_f2f_file_message_free (msg);
  }
  return NULL;
}

/* The next element message called @name (others are dropped). */
static GstMessage *
next_message (GstBus * bus, const gchar * name)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GstMessage *msg;

  while ((msg = gst_bus_timed_pop_filtered (bus, MAX (0,
                  deadline - g_get_monotonic_time ()) * GST_USECOND,
              GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (msg, name))
      return msg;
    gst_message_unref (msg);
  }
  return NULL;
}

typedef struct
{
  GstElement *pipeline;
  GstElement *share;
  GstBus *bus;
  GstF2fRoom *room;
  gchar *dir;
} Fixture;

static void
fixture_start (Fixture * fx)
{
  GstContext *context;

  sent = g_async_queue_new_full ((GDestroyNotify) sent_free);
  fx->dir = g_dir_make_tmp ("f2ffileshare-XXXXXX", NULL);
  fx->pipeline = gst_pipeline_new (NULL);
  fx->share = gst_element_factory_make ("f2ffileshare", NULL);
  fail_unless (fx->share != NULL);
  g_object_set (fx->share, "download-dir", fx->dir, NULL);
  gst_bin_add (GST_BIN (fx->pipeline), fx->share);
  fx->bus = gst_element_get_bus (fx->pipeline);

  fx->room = gst_f2f_room_new ();
  gst_f2f_room_set_identity (fx->room, "room", "me", "Me");
  gst_f2f_room_set_transport (fx->room, capture_send, NULL, NULL);
  gst_f2f_room_set_flow (fx->room, never_full, NULL);
  context = gst_f2f_room_context_new (fx->room);
  gst_element_set_context (fx->pipeline, context);
  gst_context_unref (context);
  fail_unless (gst_element_set_state (fx->pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
}

static void
remove_dir (const gchar * path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree gchar *child = g_build_filename (path, name, NULL);
    g_unlink (child);
  }
  g_rmdir (path);
}

static void
fixture_stop (Fixture * fx)
{
  gst_element_set_state (fx->pipeline, GST_STATE_NULL);
  gst_object_unref (fx->bus);
  gst_object_unref (fx->pipeline);
  gst_f2f_room_set_transport (fx->room, NULL, NULL, NULL);
  gst_f2f_room_set_flow (fx->room, NULL, NULL);
  gst_object_unref (fx->room);
  remove_dir (fx->dir);
  g_free (fx->dir);
  g_async_queue_unref (sent);
}

static guint
count_entries (const gchar * path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir && g_dir_read_name (dir))
    n++;
  return n;
}

static GBytes *
random_bytes (gsize size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = g_random_int_range (0, 256);
  return g_bytes_new_take (data, size);
}

static void
deliver_text (GstF2fRoom * room, const gchar * peer, gchar * text)
{
  g_autoptr (GBytes) bytes = g_bytes_new_take (text, strlen (text));

  gst_f2f_room_deliver (room, peer, GST_F2F_FILES_CHANNEL, bytes);
}

static void
deliver_chunks (GstF2fRoom * room, const gchar * peer, guint32 transfer,
    GBytes * content, guint64 from)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (content, &size);

  for (guint64 off = from; off < size; off += GST_F2F_FILE_CHUNK_PAYLOAD) {
    gsize n = MIN (GST_F2F_FILE_CHUNK_PAYLOAD, size - off);
    g_autoptr (GBytes) chunk = gst_f2f_file_chunk_pack (transfer, off,
        data + off, n);
    gst_f2f_room_deliver (room, peer, GST_F2F_FILE_DATA_CHANNEL, chunk);
  }
}

static GstF2fFileManifest *
manifest_for (const gchar * id, const gchar * name, GBytes * content,
    const gchar * sha256)
{
  GstF2fFileManifest *m = g_new0 (GstF2fFileManifest, 1);

  m->id = g_strdup (id);
  m->name = g_strdup (name);
  m->size = g_bytes_get_size (content);
  m->sha256 = sha256 ? g_strdup (sha256) :
      g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);
  m->media_type = g_strdup ("application/octet-stream");
  m->sharer = g_strdup ("peer1");
  return m;
}

/* offer → the element asks from offset 0 → chunks → the file is there,
 * exact, under a safe name; the element then offers it to the room. */
static gchar *
receive_file (Fixture * fx, const gchar * id, const gchar * name,
    GBytes * content)
{
  g_autoptr (GstF2fFileManifest) m = manifest_for (id, name, content, NULL);
  g_autoptr (GstF2fFileMessage) req = NULL;
  g_autoptr (GstMessage) msg = NULL;
  const GstStructure *s;
  gchar *path;

  deliver_text (fx->room, "peer1", gst_f2f_file_message_offer (m));
  req = next_request ("peer1");
  fail_unless (req != NULL, "no request");
  fail_unless_equals_string (req->id, id);
  fail_unless_equals_uint64 (req->offset, 0);

  deliver_chunks (fx->room, "peer1", req->transfer, content, 0);
  msg = next_message (fx->bus, "f2f-file-received");
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  fail_unless_equals_string (gst_structure_get_string (s, "sha256"),
      m->sha256);
  path = g_strdup (gst_structure_get_string (s, "path"));
  return path;
}

GST_START_TEST (test_receive_verify_and_serve)
{
  Fixture fx = { 0, };
  g_autoptr (GBytes) content = random_bytes (200000);
  g_autoptr (GBytes) other = random_bytes (1000);
  g_autofree gchar *path = NULL;
  g_autofree gchar *expected_path = NULL;
  g_autofree gchar *landed = NULL;
  g_autoptr (GstMessage) failed = NULL;
  g_autoptr (GstMessage) done = NULL;
  g_autoptr (GString) got = g_string_new (NULL);
  gsize len;
  guint64 v = 0;

  fixture_start (&fx);
  gst_f2f_room_peer_joined (fx.room, "peer1", "Peer One");

  path = receive_file (&fx, "file-1", "../secret.txt", content);
  expected_path = g_build_filename (fx.dir, "_secret.txt", NULL);
  fail_unless_equals_string (path, expected_path);
  fail_unless (g_file_get_contents (path, &landed, &len, NULL));
  fail_unless (len == g_bytes_get_size (content)
      && memcmp (landed, g_bytes_get_data (content, NULL), len) == 0);
  fail_unless_equals_int (count_entries (fx.dir), 1);

  /* A second peer joins: it is told about the file held here, and may
   * fetch the end of it. */
  gst_f2f_room_peer_joined (fx.room, "peer2", "Peer Two");
  {
    Sent *o = next_sent ("peer2", GST_F2F_FILES_CHANNEL);
    g_autoptr (GstF2fFileMessage) offer = NULL;
    fail_unless (o != NULL);
    offer = parse_sent (o);
    sent_free (o);
    fail_unless (offer && offer->type == GST_F2F_FILE_MESSAGE_OFFER);
    fail_unless_equals_string (offer->manifest->id, "file-1");
  }
  deliver_text (fx.room, "peer2", gst_f2f_file_message_request ("file-1",
          150000, 9));
  while (got->len < 50000) {
    guint32 transfer;
    guint64 offset;
    const guint8 *payload;
    gsize n;
    Sent *c = next_sent ("peer2", GST_F2F_FILE_DATA_CHANNEL);
    fail_unless (c != NULL, "only %zu bytes came", got->len);
    fail_unless (gst_f2f_file_chunk_parse (c->data, &transfer, &offset,
            &payload, &n));
    fail_unless_equals_int (transfer, 9);
    fail_unless_equals_uint64 (offset, 150000 + got->len);
    g_string_append_len (got, (const gchar *) payload, n);
    sent_free (c);
  }
  fail_unless_equals_int (got->len, 50000);
  fail_unless (memcmp (got->str, (const guint8 *) g_bytes_get_data (content,
              NULL) + 150000, 50000) == 0);
  done = next_message (fx.bus, "f2f-file-sent");
  fail_unless (done != NULL);
  fail_unless (gst_structure_get_uint64 (gst_message_get_structure (done),
          "offset", &v));
  fail_unless_equals_uint64 (v, 150000);

  /* A file whose bytes do not match its announced SHA-256 is deleted and
   * reported. */
  {
    g_autofree gchar *wrong = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
        content);
    g_autoptr (GstF2fFileManifest) m = manifest_for ("file-2", "x.bin",
        other, wrong);
    g_autoptr (GstF2fFileMessage) req = NULL;
    deliver_text (fx.room, "peer1", gst_f2f_file_message_offer (m));
    req = next_request ("peer1");
    fail_unless (req != NULL);
    deliver_chunks (fx.room, "peer1", req->transfer, other, 0);
  }
  failed = next_message (fx.bus, "f2f-file-failed");
  fail_unless (failed != NULL);
  fail_unless (strstr (gst_structure_get_string (gst_message_get_structure
              (failed), "reason"), "arrived damaged") != NULL);
  fail_unless_equals_int (count_entries (fx.dir), 1);

  fixture_stop (&fx);
}

GST_END_TEST;

/* A file already there is never replaced: the new one gets a number. */
GST_START_TEST (test_never_overwrites)
{
  Fixture fx = { 0, };
  g_autoptr (GBytes) one = random_bytes (5000);
  g_autoptr (GBytes) two = random_bytes (7000);
  g_autofree gchar *p1 = NULL, *p2 = NULL, *want2 = NULL, *c1 = NULL;
  gsize len;

  fixture_start (&fx);
  gst_f2f_room_peer_joined (fx.room, "peer1", "Peer One");
  p1 = receive_file (&fx, "file-a", "report.pdf", one);
  p2 = receive_file (&fx, "file-b", "report.pdf", two);
  want2 = g_build_filename (fx.dir, "report (2).pdf", NULL);
  fail_unless_equals_string (p2, want2);
  fail_unless (g_file_get_contents (p1, &c1, &len, NULL));
  fail_unless (len == 5000 && memcmp (c1, g_bytes_get_data (one, NULL),
          len) == 0);
  fixture_stop (&fx);
}

GST_END_TEST;

/* Sharing without a network: the manifest is right, bad paths are
 * reported in words, the list shows what is shared. */
GST_START_TEST (test_share_and_list)
{
  Fixture fx = { 0, };
  g_autoptr (GBytes) content = random_bytes (300000);
  g_autofree gchar *src = NULL;
  g_autofree gchar *id = NULL, *bad = NULL, *sha = NULL;
  g_autoptr (GstMessage) shared = NULL, failed = NULL;
  GstStructure *files = NULL;
  const GValue *list;
  gboolean ok = FALSE;
  GstElement *lone;

  /* Not running: nothing to share with. */
  lone = gst_element_factory_make ("f2ffileshare", NULL);
  g_signal_emit_by_name (lone, "share-file", "/etc/hostname", NULL, &id);
  fail_unless (id == NULL);
  gst_object_unref (lone);

  fixture_start (&fx);
  src = g_build_filename (fx.dir, "shared.bin", NULL);
  fail_unless (g_file_set_contents (src, g_bytes_get_data (content, NULL),
          g_bytes_get_size (content), NULL));
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);

  g_signal_emit_by_name (fx.share, "share-file", src, "Renamed.bin", &id);
  fail_unless (id != NULL && gst_f2f_file_id_is_valid (id));
  shared = next_message (fx.bus, "f2f-file-shared");
  fail_unless (shared != NULL);
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (shared), "sha256"), sha);
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (shared), "name"), "Renamed.bin");

  g_signal_emit_by_name (fx.share, "share-file", "/nonexistent/file.txt",
      NULL, &bad);
  fail_unless (bad != NULL);
  failed = next_message (fx.bus, "f2f-file-failed");
  fail_unless (failed != NULL);
  fail_unless (strstr (gst_structure_get_string (gst_message_get_structure
              (failed), "reason"), "/nonexistent/file.txt") != NULL);

  g_signal_emit_by_name (fx.share, "list-files", &files);
  fail_unless (files != NULL);
  list = gst_structure_get_value (files, "files");
  fail_unless_equals_int (gst_value_array_get_size (list), 2);
  for (guint i = 0; i < 2; i++) {
    const GstStructure *f = gst_value_get_structure
        (gst_value_array_get_value (list, i));
    if (g_str_equal (gst_structure_get_string (f, "id"), id)) {
      fail_unless_equals_string (gst_structure_get_string (f, "state"),
          "held");
      fail_unless_equals_string (gst_structure_get_string (f, "path"), src);
    } else {
      fail_unless_equals_string (gst_structure_get_string (f, "state"),
          "failed");
    }
  }
  gst_structure_free (files);

  g_signal_emit_by_name (fx.share, "unshare-file", id, &ok);
  fail_unless (ok);
  fixture_stop (&fx);
}

GST_END_TEST;

GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("f2ffileshare", NULL);
  GValue in = G_VALUE_INIT, out = G_VALUE_INIT, v = G_VALUE_INIT;

  gst_value_array_init (&in, 2);
  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, "/tmp/a b.txt");
  gst_value_array_append_value (&in, &v);
  g_value_set_string (&v, "/tmp/c.txt");
  gst_value_array_append_value (&in, &v);
  g_object_set_property (G_OBJECT (e), "files", &in);
  g_value_init (&out, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (e), "files", &out);
  fail_unless (gst_value_compare (&in, &out) == GST_VALUE_EQUAL);
  g_value_unset (&in);
  g_value_unset (&out);
  g_value_unset (&v);
  gst_util_set_object_arg (G_OBJECT (e), "accept", "up-to-size");
  gst_util_set_object_arg (G_OBJECT (e), "files", "<\"/x/y z\">");
  {
    GValue got = G_VALUE_INIT;
    g_value_init (&got, GST_TYPE_ARRAY);
    g_object_get_property (G_OBJECT (e), "files", &got);
    fail_unless_equals_int (gst_value_array_get_size (&got), 1);
    fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
            (&got, 0)), "/x/y z");
    g_value_unset (&got);
  }
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
f2ffileshare_suite (void)
{
  Suite *s = suite_create ("f2ffileshare");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_share_and_list);
  tcase_add_test (tc, test_receive_verify_and_serve);
  tcase_add_test (tc, test_never_overwrites);
  return s;
}

GST_CHECK_MAIN (f2ffileshare);
