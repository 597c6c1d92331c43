/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The recipes of pipelines/ run as a person would run them: the script,
 * gst-launch-1.0 -m and all, next to a test peer (f2f-peer-tool) in a room
 * of a real f2f-signaling-server, on loopback in a private network
 * namespace. Each test checks what the recipe promises: a viewer sees the
 * room and sends nothing, an audio-only peer sends audio only, a recording
 * decodes and holds the room's picture, a streamed file reaches the room, a
 * shared screen reaches the room.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

#include "f2froomtest.h"

/* check's timeout for each test, in seconds */
#define TIMEOUT_S 120

/* About a second of the test peer's 10 fps video, and of 20 ms audio
 * frames (half a second). */
#define FRAMES 10
/* Join, ICE, DTLS and the first key frame, with a loaded machine. */
#define MEDIA_TIMEOUT_MS 20000
#define RECORD_SECONDS 6
#define LOG_TAIL 65536

/* One recipe script running; its stdout and stderr are read line by line
 * (gst-launch-1.0 -m prints every bus message on one line). */
typedef struct
{
  gchar *name;
  GSubprocess *proc;
  GDataInputStream *out;
  gchar *peer_id;               /* from its f2f-joined */
  GHashTable *video;            /* peer id → decoded video frames */
  GHashTable *audio;            /* peer id → decoded audio frames */
  gchar *error;                 /* the first ERROR line */
  GstStructure *received;       /* its first f2f-file-received */
  GString *tail;                /* its last lines, other than bus messages */
  GString *progress;            /* gst-launch's own lines on the pipeline's
                                 * states ("Setting pipeline to …",
                                 * "Pipeline is …"), which the tail of a
                                 * debugged recipe loses */
  gboolean eof;
} Recipe;

static void
remember (Recipe * r, const gchar * line)
{
  g_string_append_printf (r->tail, "\n    %s", line);
  if (r->tail->len > LOG_TAIL)
    g_string_erase (r->tail, 0, r->tail->len - LOG_TAIL);
}

static void
handle_line (Recipe * r, const gchar * line)
{
  const gchar *body = strstr (line, " (element): f2f-");
  g_autoptr (GstStructure) s = NULL;
  const gchar *name, *id;

  if (body == NULL) {
    if ((g_str_has_prefix (line, "Setting pipeline to ")
            || g_str_has_prefix (line, "Pipeline is "))
        && r->progress->len < 512)
      g_string_append_printf (r->progress, " [%s]", line);
    if (!g_str_has_prefix (line, "Got message #")
        && !g_str_has_prefix (line, "Redistribute latency")
        && !g_str_has_prefix (line, "Got context"))
      remember (r, line);
    if (g_str_has_prefix (line, "ERROR") && r->error == NULL)
      r->error = g_strdup (line);
    return;
  }
  s = gst_structure_from_string (body + strlen (" (element): "), NULL);
  if (s == NULL)
    return;
  name = gst_structure_get_name (s);
  id = gst_structure_get_string (s, "peer-id");
  /* (what a failure needs to tell where the recipe's link stopped: its
   * states and first frames, as they came, and what its encoders made and
   * its link sent, once a second) */
  if (strcmp (name, "f2f-link-state") == 0 || strcmp (name, "f2f-media") == 0
      || strcmp (name, "f2f-joined") == 0
      || strcmp (name, "f2f-link-bitrate") == 0)
    remember (r, body + strlen (" (element): "));
  if (strcmp (name, "f2f-file-received") == 0 && r->received == NULL) {
    r->received = g_steal_pointer (&s);
  } else if (strcmp (name, "f2f-joined") == 0) {
    g_free (r->peer_id);
    r->peer_id = g_strdup (id);
  } else if (strcmp (name, "f2f-peer-stats") == 0 && id) {
    guint64 v = 0, a = 0;
    gst_structure_get_uint64 (s, "video-frames", &v);
    gst_structure_get_uint64 (s, "audio-frames", &a);
    f2f_test_set_count (r->video, id, v);
    f2f_test_set_count (r->audio, id, a);
  }
}

static void read_next (Recipe * r);

static void
line_cb (GObject * source, GAsyncResult * res, gpointer data)
{
  Recipe *r = data;
  g_autofree gchar *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (r->out, res, NULL, NULL);
  if (line == NULL) {
    r->eof = TRUE;
    return;
  }
  GST_LOG ("%s: %s", r->name, line);
  if (g_getenv ("F2F_TEST_RECIPE_LOG")) {
    /* every line of the recipe, for tracing one by hand */
    FILE *f = fopen (g_getenv ("F2F_TEST_RECIPE_LOG"), "a");
    if (f) {
      fprintf (f, "%s\n", line);
      fclose (f);
    }
  }
  handle_line (r, line);
  read_next (r);
}

static void
read_next (Recipe * r)
{
  g_data_input_stream_read_line_async (r->out, G_PRIORITY_DEFAULT, NULL,
      line_cb, r);
}

/* Runs pipelines/@script with @args in @room, like a user would, with
 * the plugin of this build. @extra_env: "NAME=value" pairs, or NULL. */
static Recipe *
recipe_start (TestServer * server, const gchar * room, const gchar * script,
    const gchar * const *args, const gchar * const *extra_env)
{
  Recipe *r = g_new0 (Recipe, 1);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *plugins = g_build_filename (g_getenv ("F2F_BUILD_ROOT"),
      "plugins", "f2f", NULL);
  const gchar *source_root = g_getenv ("F2F_SOURCE_ROOT");
  guint i;

  fail_unless (source_root != NULL, "F2F_SOURCE_ROOT is not set");
  r->name = g_strdup (script);
  r->video = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->audio = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->tail = g_string_new (NULL);
  r->progress = g_string_new (NULL);

  g_ptr_array_add (argv, g_build_filename (source_root, "pipelines", script,
          NULL));
  for (i = 0; args && args[i]; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = f2f_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "F2F_SERVER", server->uri, TRUE);
  g_subprocess_launcher_setenv (launcher, "F2F_ROOM", room, TRUE);
  g_subprocess_launcher_setenv (launcher, "F2F_NAME", script, TRUE);
  g_subprocess_launcher_setenv (launcher, "F2F_LOCAL_ADDRESSES", "127.0.0.1",
      TRUE);
  g_subprocess_launcher_setenv (launcher, "F2F_HEADLESS", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "F2F_PLUGIN_DIR", plugins, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "F2F_PASSWORD");
  g_subprocess_launcher_unsetenv (launcher, "F2F_TLS_CA_FILE");
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  for (i = 0; extra_env && extra_env[i]; i++) {
    g_auto (GStrv) kv = g_strsplit (extra_env[i], "=", 2);
    g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
  }

  r->proc = g_subprocess_launcher_spawnv (launcher,
      (const gchar * const *) argv->pdata, &error);
  fail_unless (r->proc != NULL, "could not run %s: %s", script,
      error ? error->message : "");
  r->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (r->proc));
  read_next (r);
  return r;
}

static gboolean
recipe_eof (gpointer data)
{
  return ((Recipe *) data)->eof;
}

static void
recipe_free (Recipe * r)
{
  if (r == NULL)
    return;
  /* The scripts exec gst-launch-1.0, so this ends the pipeline too. */
  g_subprocess_force_exit (r->proc);
  g_subprocess_wait (r->proc, NULL, NULL);
  /* Let the pending read see end of file before freeing what it uses. */
  f2f_test_wait (recipe_eof, r, 5000);
  g_clear_object (&r->proc);
  g_clear_object (&r->out);
  g_hash_table_unref (r->video);
  g_hash_table_unref (r->audio);
  g_string_free (r->tail, TRUE);
  g_string_free (r->progress, TRUE);
  if (r->received)
    gst_structure_free (r->received);
  g_free (r->peer_id);
  g_free (r->error);
  g_free (r->name);
  g_free (r);
}

/* A test peer and a recipe in one room. */
typedef struct
{
  TestServer *server;
  TestPeer *peer;
  Recipe *recipe;
} Room;

static gboolean
peer_joined (gpointer data)
{
  return ((Room *) data)->peer->joins > 0;
}

/* The test peer joins first, so a recipe that ends by itself (record.sh)
 * spends its time on media, not on waiting for company. */
/* A server (with @server_args), a test peer (with the f2fsignal settings
 * @peer_extra) that joins, then the recipe. */
static void
room_start_with (Room * room, const gchar * room_name, const gchar * script,
    const gchar * const *args, const gchar * const *extra_env,
    const gchar * const *server_args, const gchar * peer_extra)
{
  room->server = f2f_test_server_start (0, server_args);
  room->peer = f2f_test_peer_start (room->server, room_name, "P", 0,
      peer_extra);
  fail_unless (f2f_test_wait (peer_joined, room, MEDIA_TIMEOUT_MS),
      "the test peer did not join: %s", room->peer->error ?
      room->peer->error : "(no error)");
  room->recipe = recipe_start (room->server, room_name, script, args,
      extra_env);
}

static void
room_start (Room * room, const gchar * room_name, const gchar * script,
    const gchar * const *args, const gchar * const *extra_env)
{
  room_start_with (room, room_name, script, args, extra_env, NULL, NULL);
}

static void
room_stop (Room * room)
{
  recipe_free (room->recipe);
  f2f_test_peer_free (room->peer);
  f2f_test_server_free (room->server);
}

static gchar *
describe (Room * room)
{
  Recipe *r = room->recipe;
  TestPeer *p = room->peer;

  return g_strdup_printf ("\n  %s (%s): from P v%" G_GUINT64_FORMAT
      " a%" G_GUINT64_FORMAT "%s%s"
      "\n  P (%s): from %s v%" G_GUINT64_FORMAT " a%" G_GUINT64_FORMAT
      "%s%s\n  %s's pipeline:%s\n  %s said:%s", r->name, r->peer_id,
      f2f_test_count_of (r->video, p->peer_id), f2f_test_count_of (r->audio, p->peer_id),
      r->error ? ", " : "", r->error ? r->error : "", p->peer_id, r->name,
      f2f_test_peer_video_from (p, r->peer_id),
      f2f_test_peer_audio_from (p, r->peer_id), p->error ? ", error: " : "",
      p->error ? p->error : "", r->name, r->progress->str, r->name,
      r->tail->str);
}

/* Conditions, over a Room. */

static gboolean
peer_decodes_video_and_audio (gpointer data)
{
  Room *room = data;
  const gchar *id = room->recipe->peer_id;

  return f2f_test_peer_video_from (room->peer, id) >= FRAMES
      && f2f_test_peer_audio_from (room->peer, id) >= FRAMES;
}

static gboolean
peer_decodes_video (gpointer data)
{
  Room *room = data;

  return f2f_test_peer_video_from (room->peer, room->recipe->peer_id)
      >= FRAMES;
}

/* Five times FRAMES: a second of audio, long enough for any video the
 * recipe sent to have arrived too. */
static gboolean
peer_decodes_a_second_of_audio (gpointer data)
{
  Room *room = data;

  return f2f_test_peer_audio_from (room->peer, room->recipe->peer_id)
      >= 5 * FRAMES;
}

/* The recipe decoded two seconds of the peer's video and audio, and the
 * peer has reported on its link to the recipe since. */
static gboolean
recipe_sees_peer (gpointer data)
{
  Room *room = data;
  Recipe *r = room->recipe;
  const gchar *id = room->peer->peer_id;

  return f2f_test_count_of (r->video, id) >= 2 * FRAMES
      && f2f_test_count_of (r->audio, id) >= 2 * FRAMES
      && r->peer_id && g_hash_table_contains (room->peer->video, r->peer_id);
}

/* Fails the test, with both sides' view, unless the test peer decodes
 * FRAMES of video and audio from the recipe (@what) in time. */
static void
expect_video_and_audio (Room * room, const gchar * what)
{
  if (!f2f_test_wait (peer_decodes_video_and_audio, room, MEDIA_TIMEOUT_MS)) {
    g_autofree gchar *state = describe (room);
    /* (printed, not in the failure's text: with the recipe's debug lines
     * it passed check's message limit, and check then exited with no
     * text at all — clean-clone CI ci58, 2026-12-07) */
    g_print ("both sides, as the wait ended:%s\n", state);
    /* ci61: the recipe PLAYING, its link connected, and nothing moving
     * either way for 20 s: where its threads are */
    f2f_test_print_process_stacks (room->recipe->proc, room->recipe->name);
    fail ("the test peer did not decode %d video and audio frames from "
        "%s (both sides printed above)", FRAMES, what);
  }
}

static void
check_sends_video_and_audio (const gchar * script)
{
  Room room = { 0, };

  room_start (&room, "recipes", script, NULL, NULL);
  expect_video_and_audio (&room, script);
  room_stop (&room);
}

GST_START_TEST (test_join)
{
  check_sends_video_and_audio ("join.sh");
}

GST_END_TEST;

/* join.sh into a room on a wss:// server with a self-signed certificate,
 * trusted through F2F_TLS_CA_FILE: the test peer gets its media. */
GST_START_TEST (test_join_wss)
{
  g_autofree gchar *dir = g_dir_make_tmp ("f2f-wss-XXXXXX", NULL);
  g_autofree gchar *cert = NULL, *key = NULL, *trust = NULL, *env0 = NULL;
  Room room = { 0, };

  fail_unless (dir != NULL);
  if (!f2f_test_make_certificate (dir, &cert, &key)) {
    g_printerr ("SKIP test_join_wss: no openssl program to make a "
        "certificate\n");
    g_rmdir (dir);
    return;
  }
  trust = g_strdup_printf ("tls-ca-file=%s", cert);
  env0 = g_strdup_printf ("F2F_TLS_CA_FILE=%s", cert);
  {
    const gchar *tls[] = { "--tls-cert", cert, "--tls-key", key, NULL };
    const gchar *env[] = { env0, NULL };
    room_start_with (&room, "recipes", "join.sh", NULL, env, tls, trust);
  }
  fail_unless (g_str_has_prefix (room.server->uri, "wss://"));
  expect_video_and_audio (&room, "join.sh over wss://");
  room_stop (&room);
  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);
}

GST_END_TEST;

GST_START_TEST (test_bot)
{
  check_sends_video_and_audio ("bot.sh");
}

GST_END_TEST;

GST_START_TEST (test_viewer)
{
  Room room = { 0, };

  room_start (&room, "recipes", "viewer.sh", NULL, NULL);
  if (!f2f_test_wait (recipe_sees_peer, &room, MEDIA_TIMEOUT_MS)) {
    g_autofree gchar *state = describe (&room);
    fail ("viewer.sh did not decode %d video and audio frames from the test "
        "peer:%s", 2 * FRAMES, state);
  }
  if (f2f_test_peer_video_from (room.peer, room.recipe->peer_id) != 0
      || f2f_test_peer_audio_from (room.peer, room.recipe->peer_id) != 0) {
    g_autofree gchar *state = describe (&room);
    fail ("viewer.sh is receive-only, yet the test peer decoded media from "
        "it:%s", state);
  }
  room_stop (&room);
}

GST_END_TEST;

GST_START_TEST (test_audio_only)
{
  Room room = { 0, };

  room_start (&room, "recipes", "audio-only.sh", NULL, NULL);
  if (!f2f_test_wait (peer_decodes_a_second_of_audio, &room,
          MEDIA_TIMEOUT_MS)) {
    g_autofree gchar *state = describe (&room);
    fail ("the test peer did not decode a second of audio from "
        "audio-only.sh:%s", state);
  }
  if (f2f_test_peer_video_from (room.peer, room.recipe->peer_id) != 0) {
    g_autofree gchar *state = describe (&room);
    fail ("audio-only.sh sent video:%s", state);
  }
  room_stop (&room);
}

GST_END_TEST;

/* Runs @pipeline to its end of stream, or fails at the deadline. */
static void
run_to_eos (GstElement * pipeline, guint timeout_ms)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) msg = NULL;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, timeout_ms * GST_MSECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no end of stream within %u ms", timeout_ms);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) err = NULL;
    g_autofree gchar *debug = NULL;
    gst_message_parse_error (msg, &err, &debug);
    fail ("%s (%s)", err->message, debug ? debug : "");
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

typedef struct
{
  guint video;
  guint pictures;               /* video frames that are not a flat colour */
  guint audio;
} Decoded;

static GstPadProbeReturn
count_audio (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  ((Decoded *) data)->audio++;
  return GST_PAD_PROBE_OK;
}

/* The room view's background is a flat colour; a frame with both dark and
 * bright luma holds a peer's picture (the test peer sends SMPTE bars). */
static gboolean
has_picture (GstPad * pad, GstBuffer * buffer)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstVideoInfo info;
  GstVideoFrame frame;
  guint x, y, lo = 255, hi = 0;
  const guint8 *luma;
  gint stride;

  if (caps == NULL || !gst_video_info_from_caps (&info, caps)
      || !GST_VIDEO_INFO_IS_YUV (&info)
      || !gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    return FALSE;
  luma = GST_VIDEO_FRAME_COMP_DATA (&frame, 0);
  stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0);
  for (y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, 0); y += 4) {
    for (x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&frame, 0); x += 4) {
      guint v = luma[y * stride + x];
      lo = MIN (lo, v);
      hi = MAX (hi, v);
    }
  }
  gst_video_frame_unmap (&frame);
  return hi - lo > 100;
}

static GstPadProbeReturn
count_video (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Decoded *decoded = data;

  decoded->video++;
  if (has_picture (pad, GST_PAD_PROBE_INFO_BUFFER (info)))
    decoded->pictures++;
  return GST_PAD_PROBE_OK;
}

static void
probe_sink (GstElement * pipeline, const gchar * name,
    GstPadProbeCallback callback, Decoded * decoded)
{
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
  g_autoptr (GstPad) pad = gst_element_get_static_pad (sink, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, callback, decoded, NULL);
}

static void
decode_webm (const gchar * path, Decoded * decoded)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! "
      "matroskademux name=d "
      "d.video_0 ! queue ! vp8dec ! fakesink name=v "
      "d.audio_0 ! queue ! opusdec ! fakesink name=a", path);
  GstElement *pipeline = gst_parse_launch (desc, &error);

  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  probe_sink (pipeline, "v", count_video, decoded);
  probe_sink (pipeline, "a", count_audio, decoded);
  run_to_eos (pipeline, 30000);
  gst_object_unref (pipeline);
}

static gboolean
recipe_ended (gpointer data)
{
  return ((Room *) data)->recipe->eof;
}

GST_START_TEST (test_record)
{
  Room room = { 0, };
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("f2f-record-XXXXXX", &error);
  g_autofree gchar *out = NULL;
  g_autofree gchar *seconds = g_strdup_printf ("%d", RECORD_SECONDS);
  const gchar *args[] = { NULL, seconds, NULL };
  Decoded decoded = { 0, };
  GSubprocess *proc;

  fail_unless (dir != NULL, "%s", error ? error->message : "");
  out = g_build_filename (dir, "room.webm", NULL);
  args[0] = out;
  room_start (&room, "recipes", "record.sh", args, NULL);

  /* record.sh stops itself after RECORD_SECONDS and finalises the file. */
  if (!f2f_test_wait (recipe_ended, &room, (RECORD_SECONDS + 30) * 1000)) {
    g_autofree gchar *state = describe (&room);
    fail ("record.sh %s %s did not end:%s", out, seconds, state);
  }
  proc = room.recipe->proc;
  g_subprocess_wait (proc, NULL, NULL);
  if (!g_subprocess_get_if_exited (proc)
      || g_subprocess_get_exit_status (proc) != 0) {
    g_autofree gchar *state = describe (&room);
    fail ("record.sh failed:%s", state);
  }
  if (!g_file_test (out, G_FILE_TEST_IS_REGULAR)) {
    g_autofree gchar *state = describe (&room);
    fail ("record.sh wrote no %s:%s", out, state);
  }

  decode_webm (out, &decoded);
  GST_INFO ("%s: %u video frames (%u with a picture), %u audio frames", out,
      decoded.video, decoded.pictures, decoded.audio);
  fail_unless (decoded.video >= 30, "the recording holds %u video frames",
      decoded.video);
  fail_unless (decoded.pictures >= FRAMES, "only %u of the recording's %u "
      "frames show a peer", decoded.pictures, decoded.video);
  fail_unless (decoded.audio >= FRAMES, "the recording holds %u audio frames",
      decoded.audio);

  room_stop (&room);
  g_unlink (out);
  g_rmdir (dir);
}

GST_END_TEST;

/* Four seconds of a moving ball at 15 fps and a tone, in WebM. */
static void
make_webm (const gchar * path)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *desc = g_strdup_printf ("videotestsrc num-buffers=60 "
      "pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 ! "
      "vp8enc deadline=1 ! queue ! webmmux name=m ! "
      "filesink location=\"%s\" "
      "audiotestsrc num-buffers=188 samplesperbuffer=1024 freq=660 ! "
      "audio/x-raw,rate=48000 ! opusenc ! queue ! m.", path);
  GstElement *pipeline = gst_parse_launch (desc, &error);

  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  run_to_eos (pipeline, 30000);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_stream_file)
{
  Room room = { 0, };
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("f2f-stream-XXXXXX", &error);
  g_autofree gchar *file = NULL;
  const gchar *args[] = { NULL, NULL };

  fail_unless (dir != NULL, "%s", error ? error->message : "");
  file = g_build_filename (dir, "clip.webm", NULL);
  make_webm (file);
  args[0] = file;

  {
    /* f2fsignal's DEBUG lines (the router's branches, the gate, the
     * controller's readings of the link) in the tail a failure prints.
     * This case failed in clean-clone CI runs ci33, ci37, ci40, ci58 and
     * ci61 with the link connected and nothing of the file reaching it:
     * gst-launch had started uridecodebin before the queues it feeds (a
     * pipeline with no sink), and the file's first push, refused as
     * flushing, stopped it for good (stream-file.sh says how it is
     * avoided; 3 of 15 runs by hand before, 0 of 16 after). */
    const gchar *env[] = { "GST_DEBUG=f2fsignal:5", "GST_DEBUG_NO_COLOR=1",
      NULL
    };
    room_start (&room, "recipes", "stream-file.sh", args, env);
  }
  expect_video_and_audio (&room, "the file streamed by stream-file.sh");
  room_stop (&room);
  g_unlink (file);
  g_rmdir (dir);
}

GST_END_TEST;

/* An X server of our own; its display number comes from -displayfd, once
 * it accepts connections. */
typedef struct
{
  GSubprocess *proc;
  GDataInputStream *ready;
  gchar *display;
  gboolean done;
} Xserver;

static void
display_cb (GObject * source, GAsyncResult * res, gpointer data)
{
  Xserver *x = data;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8
      (x->ready, res, NULL, NULL);

  if (line && *line)
    x->display = g_strdup_printf (":%s", g_strstrip (line));
  x->done = TRUE;
}

static gboolean
xserver_done (gpointer data)
{
  return ((Xserver *) data)->done;
}

/* NULL (and a SKIP line) when there is no Xvfb. */
static Xserver *
xserver_start (void)
{
  g_autofree gchar *bin = g_find_program_in_path ("Xvfb");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  Xserver *x;

  if (bin == NULL) {
    g_print ("SKIP: test_screen_share needs Xvfb (Debian package xvfb)\n");
    return NULL;
  }
  launcher = f2f_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  x = g_new0 (Xserver, 1);
  /* Xvfb picks a free display and writes its number to standard output. */
  x->proc = g_subprocess_launcher_spawn (launcher, &error, bin,
      "-displayfd", "1", "-screen", "0", "1280x720x24", "-nolisten", "tcp",
      NULL);
  fail_unless (x->proc != NULL, "could not start Xvfb: %s",
      error ? error->message : "");
  x->ready = g_data_input_stream_new (g_subprocess_get_stdout_pipe (x->proc));
  g_data_input_stream_read_line_async (x->ready, G_PRIORITY_DEFAULT, NULL,
      display_cb, x);
  return x;
}

static void
xserver_free (Xserver * x)
{
  if (x == NULL)
    return;
  g_subprocess_force_exit (x->proc);
  g_subprocess_wait (x->proc, NULL, NULL);
  f2f_test_wait (xserver_done, x, 5000);
  g_clear_object (&x->proc);
  g_clear_object (&x->ready);
  g_free (x->display);
  g_free (x);
}

GST_START_TEST (test_screen_share)
{
  Room room = { 0, };
  Xserver *x = xserver_start ();
  g_autofree gchar *display_env = NULL;
  const gchar *env[] = { NULL, NULL };

  if (x == NULL)
    return;
  fail_unless (f2f_test_wait (xserver_done, x, 20000) && x->display,
      "Xvfb did not start");
  display_env = g_strdup_printf ("DISPLAY=%s", x->display);
  env[0] = display_env;

  room_start (&room, "recipes", "screen-share.sh", NULL, env);
  if (!f2f_test_wait (peer_decodes_video, &room, MEDIA_TIMEOUT_MS)) {
    g_autofree gchar *state = describe (&room);
    fail ("the test peer did not decode %d video frames of the screen "
        "shared by screen-share.sh on %s:%s", FRAMES, x->display, state);
  }
  room_stop (&room);
  xserver_free (x);
}

GST_END_TEST;

typedef struct
{
  gboolean done;
  gchar *out;
  GError *error;
} Usage;

static void
usage_cb (GObject * source, GAsyncResult * res, gpointer data)
{
  Usage *u = data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &u->out,
      NULL, &u->error);
  u->done = TRUE;
}

static gboolean
usage_done (gpointer data)
{
  return ((Usage *) data)->done;
}

/* Every recipe explains itself with -h, and exits 0, even where it could
 * not run (no DISPLAY, no server). */
static gboolean
recipe_received (gpointer data)
{
  Recipe *r = data;

  return r->received != NULL || r->eof;
}

/* share-files.sh shares a file from one peer; share-files.sh without
 * files receives it in another: the same bytes land in its directory. */
GST_START_TEST (test_share_files)
{
  Room room = { 0, };
  g_autofree gchar *dir = g_dir_make_tmp ("f2f-share-XXXXXX", NULL);
  g_autofree gchar *src = g_build_filename (dir, "notes from the call.txt",
      NULL);
  g_autofree gchar *incoming = g_build_filename (dir, "incoming", NULL);
  g_autofree gchar *env_dir = g_strdup_printf ("F2F_DOWNLOAD_DIR=%s",
      incoming);
  const gchar *share_args[] = { src, NULL };
  const gchar *receive_env[] = { env_dir, NULL };
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree gchar *expected = NULL;
  g_autofree gchar *landed = NULL;
  g_autofree gchar *landed_sha = NULL;
  g_autofree gchar *path = NULL;
  Recipe *receiver;
  gsize len;

  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (text, "line %u: ✓ shared through the room\n", i);
  fail_unless (g_file_set_contents (src, text->str, text->len, NULL));
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
      (const guchar *) text->str, text->len);

  room_start (&room, "recipes", "share-files.sh", share_args, NULL);
  receiver = recipe_start (room.server, "recipes", "share-files.sh", NULL,
      receive_env);
  if (!f2f_test_wait (recipe_received, receiver, MEDIA_TIMEOUT_MS))
    fail ("share-files.sh did not receive the file:%s\n  sharer said:%s",
        receiver->tail->str, room.recipe->tail->str);
  fail_unless (receiver->received != NULL, "the receiver ended:%s",
      receiver->tail->str);
  fail_unless_equals_string (gst_structure_get_string (receiver->received,
          "sha256"), expected);
  path = g_build_filename (incoming, "notes from the call.txt", NULL);
  fail_unless_equals_string (gst_structure_get_string (receiver->received,
          "path"), path);
  fail_unless (g_file_get_contents (path, &landed, &len, NULL));
  landed_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
      (const guchar *) landed, len);
  fail_unless_equals_string (landed_sha, expected);

  recipe_free (receiver);
  room_stop (&room);
  g_unlink (path);
  g_rmdir (incoming);
  g_unlink (src);
  g_rmdir (dir);
}

GST_END_TEST;

GST_START_TEST (test_usage)
{
  const gchar *scripts[] = { "join.sh", "viewer.sh", "audio-only.sh",
    "screen-share.sh", "stream-file.sh", "record.sh", "bot.sh",
    "share-files.sh", "mixer-node.sh"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (scripts); i++) {
    g_autoptr (GSubprocessLauncher) launcher =
        f2f_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
        G_SUBPROCESS_FLAGS_STDERR_MERGE);
    g_autoptr (GSubprocess) proc = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree gchar *path = g_build_filename (g_getenv ("F2F_SOURCE_ROOT"),
        "pipelines", scripts[i], NULL);
    Usage u = { 0, };

    g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
    proc = g_subprocess_launcher_spawn (launcher, &error, path, "-h", NULL);
    fail_unless (proc != NULL, "%s: %s", path, error ? error->message : "");
    g_subprocess_communicate_utf8_async (proc, NULL, NULL, usage_cb, &u);
    if (!f2f_test_wait (usage_done, &u, 10000)) {
      g_subprocess_force_exit (proc);
      f2f_test_wait (usage_done, &u, 5000);
      fail ("%s -h did not end", scripts[i]);
    }
    g_subprocess_wait (proc, NULL, NULL);
    fail_unless (u.error == NULL, "%s -h: %s", scripts[i], u.error ?
        u.error->message : "");
    fail_unless (g_subprocess_get_if_exited (proc)
        && g_subprocess_get_exit_status (proc) == 0
        && u.out && strstr (u.out, "usage:") && strstr (u.out, "F2F_SERVER"),
        "%s -h does not explain itself: %s", scripts[i], u.out);
    g_free (u.out);
  }
}

GST_END_TEST;

static void
watchdog_setup (void)
{
  f2f_test_watchdog_start (TIMEOUT_S);
}

static Suite *
recipes_suite (void)
{
  Suite *s = suite_create ("f2f recipes");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, TIMEOUT_S);
  tcase_add_checked_fixture (tc, watchdog_setup, f2f_test_teardown);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_usage);
  tcase_add_test (tc, test_join);
  tcase_add_test (tc, test_join_wss);
  tcase_add_test (tc, test_bot);
  tcase_add_test (tc, test_viewer);
  tcase_add_test (tc, test_audio_only);
  tcase_add_test (tc, test_record);
  tcase_add_test (tc, test_stream_file);
  tcase_add_test (tc, test_screen_share);
  tcase_add_test (tc, test_share_files);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  f2f_test_enter_private_netns ();
  gst_check_init (&argc, &argv);
  s = recipes_suite ();
  return gst_check_run_suite (s, "recipes", __FILE__);
}
