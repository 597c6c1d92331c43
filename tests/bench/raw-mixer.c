/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * raw-mixer: the floor under the CPU of an f2f mixer serving N clients. A
 * plain pipeline doing the same media work, in this process:
 *
 *   - N webrtcbins (max-bundle, latency 40, do-nack, clocksync off, ICE on
 *     127.0.0.1 only), one per client, each with a sendrecv video and
 *     audio transceiver;
 *   - every client's video decoded (vp8dec) into one compositor (640x360@15,
 *     the grid f2fcompositor draws, latency 100 ms, a tiny live background
 *     as f2fcompositor has) whose picture is encoded once (vp8enc with
 *     f2fsignal's settings, 800 kbit/s) and sent to every client;
 *   - every client's audio decoded (opusdec) into one audiomixer (the full
 *     mix, into a fakesink) and into the N-1 audiomixers of the others'
 *     mix-minus; each mix-minus encoded once (Opus 20 ms, in-band FEC, 64
 *     kbit/s, mono 48 kHz, as f2f's mixer does) and sent to its client.
 *
 * The N clients run in a child process (this program with --role clients):
 * live 320x240@15 test video and test audio encoded as f2fsignal does,
 * decoding what the mixer sends into fakesinks. Offers, answers and ICE
 * candidates go over the child's stdin/stdout as lines (SDP in base64).
 *
 * Output on stdout, one line per event, read by mixer-cpu:
 *
 *   ready                    gst_init done
 *   media                    video and audio decoded from every client
 *                            ("warning media incomplete" if not within
 *                            --timeout; it measures anyway)
 *   result clients=N cpu=C frames_min=F frames_expected=E
 *                            C: CPU of THIS (the mixer's) process over the
 *                            window, in cores; F: fewest video frames
 *                            decoded from one client in the window
 *   failed <why>             then it exits with status 1
 *
 * Run it inside `unshare -n` with lo up (tests/bench/mixer-cpu.sh).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "rawmedia.h"
/* the mixes encoded as f2fsignal encodes them (bitrate, frame size), so
 * that both sides do the same media work */
#include "f2fencode.h"


typedef struct _App App;

typedef struct
{
  App *app;
  gint i;
  GstElement *webrtc;
  GstElement *queue[2];         /* [audio?] */
  GstElement *feed[2];          /* the tees that feed it */
  gint connected;               /* atomic */
  gint frames[2];               /* atomic: decoded video, audio */
  gint frames_at_start;
} Link;

struct _App
{
  gboolean mixer;               /* else the clients' side */
  gint n;
  GMainLoop *loop;
  GstElement *pipeline;
  Link *links;
  GstElement *comp, *mix, **minus;
  GMutex lock;                  /* writes to the other side, exit_code */
  GOutputStream *to_other;      /* mixer: the child's stdin */
  BenchChild child;             /* mixer: the clients' process */
  GDataInputStream *from_mixer; /* clients: our stdin */
  gint exit_code;
};

static App *the_app;            /* for the child's lines */
static gint n_clients = 3;
static gint seconds = 20;
static gint warmup = 5;
static gint timeout_s = 60;
static gchar *role = NULL;
static gchar *pattern = NULL;

/* Also a BenchFailFunc */
static void
fail (gpointer data, const gchar * why)
{
  App *a = data;

  g_mutex_lock (&a->lock);
  if (a->exit_code == 0) {
    a->exit_code = 1;
    printf ("failed %s\n", why);
    fflush (stdout);
  }
  g_mutex_unlock (&a->lock);
  g_main_loop_quit (a->loop);
}

/* A line to the other side, from any thread. */
static void
send_line (App * a, const gchar * line)
{
  g_mutex_lock (&a->lock);
  if (a->mixer) {
    g_output_stream_write_all (a->to_other, line, strlen (line), NULL, NULL,
        NULL);
    g_output_stream_write_all (a->to_other, "\n", 1, NULL, NULL, NULL);
    g_output_stream_flush (a->to_other, NULL, NULL);
  } else {
    printf ("%s\n", line);
    fflush (stdout);
  }
  g_mutex_unlock (&a->lock);
}

/* ---------------------------------------------------------------------- */
/* Receiving */

static void
link_to (App * a, GstElement * from, GstElement * mixer, gint tile)
{
  gboolean tee = strcmp (GST_OBJECT_NAME (gst_element_get_factory (from)),
      "tee") == 0;
  GstPad *src = tee ? gst_element_request_pad_simple (from, "src_%u") :
      gst_element_get_static_pad (from, "src");
  GstPad *sink = gst_element_request_pad_simple (mixer, "sink_%u");

  if (tile >= 0)
    bench_raw_place_tile (sink, a->n, tile);
  if (gst_pad_link (src, sink) != GST_PAD_LINK_OK)
    fail (a, "could not link a decoded stream to a mixer");
  gst_object_unref (sink);
  gst_object_unref (src);
}

/* Streaming thread: link at once. */
static void
on_pad_added (GstElement * webrtc, GstPad * pad, Link * l)
{
  App *a = l->app;
  gboolean audio;
  GstElement *last;
  GPtrArray *chain;
  GstPad *dec_src;
  gint j;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  audio = bench_pad_is_audio (pad);

  chain = bench_raw_decoder_new (GST_BIN (a->pipeline), audio);
  if (a->mixer && audio) {
    bench_raw_chain_append (chain, GST_BIN (a->pipeline),
        gst_element_factory_make ("tee", NULL));
  } else if (!a->mixer) {
    GstElement *sink = gst_element_factory_make ("fakesink", NULL);

    g_object_set (sink, "async", FALSE, "sync", FALSE, NULL);
    bench_raw_chain_append (chain, GST_BIN (a->pipeline), sink);
  }
  last = g_ptr_array_index (chain, chain->len - 1);
  if (a->mixer) {
    if (!audio) {
      link_to (a, last, a->comp, l->i);
    } else {
      link_to (a, last, a->mix, -1);
      for (j = 0; j < a->n; j++)
        if (j != l->i)
          link_to (a, last, a->minus[j], -1);
    }
  }
  dec_src = gst_element_get_static_pad (g_ptr_array_index (chain, 2), "src");
  gst_pad_add_probe (dec_src, GST_PAD_PROBE_TYPE_BUFFER,
      bench_raw_count_probe, &l->frames[audio], NULL);
  gst_object_unref (dec_src);
  if (!bench_raw_chain_start (chain, pad))
    fail (a, "could not link a received stream");
}

/* ---------------------------------------------------------------------- */
/* Sending */

/* Main thread: a connected link gets its media. */
static gboolean
feed_link (gpointer user_data)
{
  Link *l = user_data;

  if (!bench_raw_feed (l->feed, l->queue))
    fail (l->app, "could not feed a link");
  return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------------- */
/* Negotiation, across the two processes */

static void
on_ice_candidate (GstElement * webrtc, guint mline, const gchar * candidate,
    Link * l)
{
  g_autofree gchar *line = g_strdup_printf ("ice %d %u %s", l->i, mline,
      candidate);
  send_line (l->app, line);
}

static void
on_connection_state (GstElement * webrtc, GParamSpec * pspec, Link * l)
{
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) {
    if (g_atomic_int_compare_and_exchange (&l->connected, 0, 1))
      g_idle_add (feed_link, l);
  } else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
    fail (l->app, "a connection failed");
  }
}

static void
send_description (Link * l, const gchar * kind,
    GstWebRTCSessionDescription * desc)
{
  g_autofree gchar *text = gst_sdp_message_as_text (desc->sdp);
  g_autofree gchar *b64 = g_base64_encode ((const guchar *) text,
      strlen (text));
  g_autofree gchar *line = g_strdup_printf ("%s %d %s", kind, l->i, b64);

  send_line (l->app, line);
}

static GstWebRTCSessionDescription *
parse_description (GstWebRTCSDPType type, const gchar * b64)
{
  gsize len = 0;
  g_autofree guchar *text = g_base64_decode (b64, &len);
  g_autofree gchar *str = g_strndup ((const gchar *) text, len);
  GstSDPMessage *sdp = NULL;

  if (gst_sdp_message_new_from_text (str, &sdp) != GST_SDP_OK)
    return NULL;
  return gst_webrtc_session_description_new (type, sdp);
}

static void
on_offer_created (GstPromise * promise, gpointer user_data)
{
  Link *l = user_data;
  GstWebRTCSessionDescription *offer =
      bench_take_description (promise, "offer");

  if (offer == NULL) {
    fail (l->app, "no offer");
    return;
  }
  g_signal_emit_by_name (l->webrtc, "set-local-description", offer, NULL);
  send_description (l, "offer", offer);
  gst_webrtc_session_description_free (offer);
}

static void
on_answer_created (GstPromise * promise, gpointer user_data)
{
  Link *l = user_data;
  GstWebRTCSessionDescription *answer =
      bench_take_description (promise, "answer");

  if (answer == NULL) {
    fail (l->app, "no answer");
    return;
  }
  g_signal_emit_by_name (l->webrtc, "set-local-description", answer, NULL);
  send_description (l, "answer", answer);
  gst_webrtc_session_description_free (answer);
}

/* A line from the other side (main thread). */
static void
handle_line (App * a, const gchar * line)
{
  g_auto (GStrv) w = g_strsplit (line, " ", 4);
  gint i;
  Link *l;

  if (g_strv_length (w) < 3)
    return;
  i = atoi (w[1]);
  if (i < 0 || i >= a->n)
    return;
  l = &a->links[i];
  if (strcmp (w[0], "ice") == 0 && w[3]) {
    g_signal_emit_by_name (l->webrtc, "add-ice-candidate", atoi (w[2]), w[3]);
  } else if (strcmp (w[0], "offer") == 0 && !a->mixer) {
    GstWebRTCSessionDescription *d =
        parse_description (GST_WEBRTC_SDP_TYPE_OFFER, w[2]);
    if (d == NULL) {
      fail (a, "an offer that does not parse");
      return;
    }
    g_signal_emit_by_name (l->webrtc, "set-remote-description", d,
        bench_answer_when_set (l->webrtc, on_answer_created, l));
    gst_webrtc_session_description_free (d);
  } else if (strcmp (w[0], "answer") == 0 && a->mixer) {
    GstWebRTCSessionDescription *d =
        parse_description (GST_WEBRTC_SDP_TYPE_ANSWER, w[2]);
    if (d == NULL) {
      fail (a, "an answer that does not parse");
      return;
    }
    g_signal_emit_by_name (l->webrtc, "set-remote-description", d, NULL);
    gst_webrtc_session_description_free (d);
  }
}

static gboolean
start_offers (gpointer user_data)
{
  App *a = user_data;
  gint i;

  for (i = 0; i < a->n; i++)
    g_signal_emit_by_name (a->links[i].webrtc, "create-offer", NULL,
        gst_promise_new_with_change_func (on_offer_created, &a->links[i],
            NULL));
  return G_SOURCE_REMOVE;
}

static void
on_child_line (gpointer child, const gchar * line, gint64 now)
{
  App *a = the_app;

  if (strcmp (line, "ready") == 0)
    g_idle_add (start_offers, a);
  else if (g_str_has_prefix (line, "failed "))
    fail (a, line);
  else
    handle_line (a, line);
}

static void read_stdin (App * a);

static void
stdin_line_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  App *a = user_data;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8
      (G_DATA_INPUT_STREAM (source), res, NULL, NULL);

  if (line == NULL || strcmp (line, "quit") == 0) {
    g_main_loop_quit (a->loop);
    return;
  }
  handle_line (a, line);
  read_stdin (a);
}

static void
read_stdin (App * a)
{
  g_data_input_stream_read_line_async (a->from_mixer, G_PRIORITY_DEFAULT,
      NULL, stdin_line_cb, a);
}

/* ---------------------------------------------------------------------- */
/* Building */

static gchar *
mixer_description (gint n)
{
  GString *s = g_string_new (NULL);
  gint j;

  /* The room view and its picture, encoded once. */
  g_string_append_printf (s, "compositor name=comp background=black "
      "latency=%" G_GUINT64_FORMAT " start-time-selection=first "
      "ignore-inactive-pads=true ! video/x-raw,format=I420,width=%d,"
      "height=%d,pixel-aspect-ratio=1/1,framerate=%d/1 ! queue leaky=2 "
      "max-size-buffers=3 max-size-bytes=0 max-size-time=0 ! vp8enc "
      "deadline=1 cpu-used=4 lag-in-frames=0 target-bitrate=%d "
      "keyframe-max-dist=60 end-usage=cbr error-resilient=default ! "
      "tee name=vtee allow-not-linked=true ", (guint64) RAW_VIEW_LATENCY,
      RAW_VIEW_WIDTH, RAW_VIEW_HEIGHT, RAW_FPS, RAW_VIDEO_BITRATE);
  g_string_append_printf (s, "videotestsrc is-live=true pattern=black ! "
      "video/x-raw,format=I420,width=16,height=16,framerate=%d/1 ! comp. ",
      RAW_FPS);
  /* The full mix, and one mix-minus per client, each encoded once. */
  g_string_append_printf (s, "audiomixer name=mix latency=%" G_GUINT64_FORMAT
      " start-time-selection=first ignore-inactive-pads=true ! "
      "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2 ! "
      "fakesink async=false audiotestsrc is-live=true wave=silence "
      "samplesperbuffer=480 ! audio/x-raw,format=S16LE,rate=48000,channels=2 "
      "! mix. ", (guint64) RAW_VIEW_LATENCY);
  for (j = 0; j < n; j++)
    g_string_append_printf (s, "audiomixer name=minus%d latency=%"
        G_GUINT64_FORMAT " start-time-selection=first "
        "ignore-inactive-pads=true ! audio/x-raw,format=S16LE,"
        "layout=interleaved,rate=48000,channels=2 ! queue leaky=2 "
        "max-size-buffers=3 max-size-bytes=0 max-size-time=0 ! audioconvert "
        "! audioresample ! audio/x-raw,rate=48000,channels=1 ! opusenc "
        "frame-size=%d inband-fec=true packet-loss-percentage=10 "
        "bitrate=%d audio-type=voice ! tee name=atee%d allow-not-linked=true "
        "audiotestsrc is-live=true wave=silence samplesperbuffer=480 ! "
        "audio/x-raw,format=S16LE,rate=48000,channels=2 ! minus%d. ", j,
        (guint64) RAW_VIEW_LATENCY, F2F_ENCODE_MIX_FRAME_MS,
        F2F_ENCODE_MIX_BITRATE, j, j);
  return g_string_free (s, FALSE);
}

static gchar *
clients_description (gint n)
{
  GString *s = g_string_new (NULL);
  gint i;

  for (i = 0; i < n; i++)
    bench_raw_append_sources (s, i, pattern);
  return g_string_free (s, FALSE);
}

static gboolean
build (App * a)
{
  g_autofree gchar *text = a->mixer ? mixer_description (a->n) :
      clients_description (a->n);
  g_autoptr (GError) error = NULL;
  gint i;

  a->pipeline = gst_parse_launch_full (text, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (a->pipeline == NULL) {
    printf ("failed cannot build the pipeline: %s\n", error->message);
    return FALSE;
  }
  a->links = g_new0 (Link, a->n);
  if (a->mixer) {
    GstPad *background;

    a->comp = bench_raw_get_named (GST_BIN (a->pipeline), "comp", -1);
    a->mix = bench_raw_get_named (GST_BIN (a->pipeline), "mix", -1);
    a->minus = g_new0 (GstElement *, a->n);
    for (i = 0; i < a->n; i++)
      a->minus[i] = bench_raw_get_named (GST_BIN (a->pipeline), "minus", i);
    background = gst_element_get_static_pad (a->comp, "sink_0");
    if (background) {
      g_object_set (background, "alpha", 0.0, NULL);
      gst_object_unref (background);
    }
  }
  for (i = 0; i < a->n; i++) {
    Link *l = &a->links[i];
    g_autofree gchar *name = g_strdup_printf ("webrtc%d", i);
    gint audio;

    l->app = a;
    l->i = i;
    l->webrtc = bench_raw_webrtc (GST_BIN (a->pipeline), name);
    g_signal_connect (l->webrtc, "on-ice-candidate",
        G_CALLBACK (on_ice_candidate), l);
    g_signal_connect (l->webrtc, "notify::connection-state",
        G_CALLBACK (on_connection_state), l);
    g_signal_connect (l->webrtc, "pad-added", G_CALLBACK (on_pad_added), l);
    for (audio = 0; audio < 2; audio++)
      if (!bench_raw_add_sender (GST_BIN (a->pipeline), l->webrtc, audio,
              &l->queue[audio]))
        fail (a, "could not link a payloader");
    l->feed[0] =
        a->mixer ? bench_raw_get_named (GST_BIN (a->pipeline), "vtee",
        -1) : bench_raw_get_named (GST_BIN (a->pipeline), "vtee", i);
    l->feed[1] = bench_raw_get_named (GST_BIN (a->pipeline), "atee", i);
  }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Measuring (the mixer) */

static gdouble cpu0;
static gint64 t0;
static gint64 deadline_us;

static gboolean
media_complete (App * a)
{
  gint i;

  for (i = 0; i < a->n; i++)
    if (g_atomic_int_get (&a->links[i].frames[0]) == 0
        || g_atomic_int_get (&a->links[i].frames[1]) == 0)
      return FALSE;
  return TRUE;
}

static gboolean
end_window_cb (gpointer user_data)
{
  App *a = user_data;
  gdouble cpu = bench_self_cpu () - cpu0;
  gdouble wall = (g_get_monotonic_time () - t0) / 1e6;
  gint min = G_MAXINT, i;

  for (i = 0; i < a->n; i++)
    min = MIN (min, g_atomic_int_get (&a->links[i].frames[0]) -
        a->links[i].frames_at_start);
  printf ("result clients=%d cpu=%.3f frames_min=%d frames_expected=%d\n",
      a->n, cpu / wall, min, RAW_FPS * seconds);
  fflush (stdout);
  g_main_loop_quit (a->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
start_window_cb (gpointer user_data)
{
  App *a = user_data;
  gint i;

  for (i = 0; i < a->n; i++)
    a->links[i].frames_at_start = g_atomic_int_get (&a->links[i].frames[0]);
  t0 = g_get_monotonic_time ();
  cpu0 = bench_self_cpu ();
  g_timeout_add (seconds * 1000, end_window_cb, a);
  return G_SOURCE_REMOVE;
}

static gboolean
poll_cb (gpointer user_data)
{
  App *a = user_data;
  gboolean late = g_get_monotonic_time () > deadline_us;

  if (media_complete (a))
    printf ("media\n");
  else if (late)
    printf ("warning media incomplete\n");
  else
    return G_SOURCE_CONTINUE;
  fflush (stdout);
  g_timeout_add (warmup * 1000, start_window_cb, a);
  return G_SOURCE_REMOVE;
}

static void
spawn_clients (App * a, const gchar * self_path)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *n = g_strdup_printf ("--clients=%d", a->n);
  g_autofree gchar *p = g_strdup_printf ("--pattern=%s", pattern);

  g_subprocess_launcher_set_child_setup (launcher, bench_child_setup, NULL,
      NULL);
  a->child.proc = g_subprocess_launcher_spawn (launcher, &error, self_path,
      "--role=clients", n, p, NULL);
  if (a->child.proc == NULL) {
    printf ("failed cannot start the clients: %s\n", error->message);
    exit (1);
  }
  a->to_other = g_subprocess_get_stdin_pipe (a->child.proc);
  bench_child_watch (&a->child, on_child_line);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"clients", 'n', 0, G_OPTION_ARG_INT, &n_clients,
        "Clients of the mixer (default 3)", "N"},
    {"seconds", 's', 0, G_OPTION_ARG_INT, &seconds,
        "Measurement window (default 20)", "S"},
    {"warmup", 'w', 0, G_OPTION_ARG_INT, &warmup,
        "Seconds between full media and the window (default 5)", "W"},
    {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout_s,
        "Seconds to wait for every stream (default 60)", "S"},
    {"pattern", 0, 0, G_OPTION_ARG_STRING, &pattern,
        "videotestsrc pattern of every client (default ball)", "NAME"},
    {"role", 0, 0, G_OPTION_ARG_STRING, &role,
        "mixer (default) or clients (the child this spawns)", "ROLE"},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- plain webrtcbin "
      "mixer, CPU baseline for an f2f mixer");
  g_autoptr (GError) error = NULL;
  App a = { 0 };
  GstBus *bus;

  gst_init (&argc, &argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("raw-mixer: %s\n", error->message);
    return 2;
  }
  if (n_clients < 1 || n_clients > 16 || seconds < 1 || warmup < 0
      || timeout_s < 1) {
    g_printerr ("raw-mixer: --clients must be 1..16, --seconds and "
        "--timeout positive\n");
    return 2;
  }
  if (pattern == NULL)
    pattern = g_strdup ("ball");
  the_app = &a;
  a.mixer = role == NULL || strcmp (role, "mixer") == 0;
  a.n = n_clients;
  a.loop = g_main_loop_new (NULL, FALSE);
  g_mutex_init (&a.lock);
  if (a.mixer) {
    printf ("ready\n");
    fflush (stdout);
  }
  if (!build (&a))
    return 1;
  bus = gst_element_get_bus (a.pipeline);
  bench_raw_watch_errors (bus, fail, &a);
  if (gst_element_set_state (a.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    printf ("failed the pipeline would not play\n");
    return 1;
  }
  if (a.mixer) {
    spawn_clients (&a, argv[0]);
    deadline_us = g_get_monotonic_time () + (gint64) timeout_s *G_USEC_PER_SEC;
    g_timeout_add (100, poll_cb, &a);
  } else {
    GInputStream *in = g_unix_input_stream_new (0, FALSE);
    a.from_mixer = g_data_input_stream_new (in);
    g_object_unref (in);
    read_stdin (&a);
    printf ("ready\n");
    fflush (stdout);
  }
  g_main_loop_run (a.loop);

  if (a.mixer) {
    bench_child_quit (&a.child, 3000);
    bench_child_clear (&a.child);
  }
  gst_element_set_state (a.pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (a.pipeline);
  g_free (a.links);
  g_free (a.minus);
  g_clear_object (&a.from_mixer);
  g_main_loop_unref (a.loop);
  g_mutex_clear (&a.lock);
  g_free (pattern);
  return a.exit_code;
}
