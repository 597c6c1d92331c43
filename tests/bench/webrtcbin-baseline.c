/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The floor under f2fsignal's join time: two plain webrtcbins in one
 * process, offer and answer handed over in-process, trickle ICE on
 * 127.0.0.1, VP8 and Opus test sources both ways, the same encoder settings
 * and jitterbuffer latency as f2fsignal's lan profile. No signaling server,
 * no data channel, no room logic.
 *
 * It makes --connections connections one after the other, each in a fresh
 * pipeline; the first one in the process pays for webrtcbin's DTLS
 * certificate. With --parallel P it makes them P at a time (the mesh
 * baseline: five such processes with two connections each have the
 * webrtcbins, keys and cores of a room of five). Output on stdout, one line
 * per event, read by join-time:
 *
 *   ready                        gst_init done
 *   event conn=N connected       the offerer's connection is up
 *   event conn=N offerer-video   the offerer decoded its first frame
 *   event conn=N all-media       both ends decoded video and audio
 *                                (events are printed the moment they happen)
 *   result conn=N offer_to_connected_ms=... offerer_video_ms=...
 *          offerer_audio_ms=... answerer_video_ms=... answerer_audio_ms=...
 *          (all from create-offer; -1 when it did not happen in time)
 *   failed conn=N <why>
 *
 * Run it inside `unshare -n` with lo up (see docs/performance.md).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "benchutil.h"

typedef struct
{
  gint conn;
  GMainLoop *loop;              /* shared by the connections of a batch */
  gint *running;                /* (atomic) unfinished ones of the batch */
  gboolean finished;            /* protected by lock */
  GstElement *pipeline;
  BenchPair pair;               /* offerer and answerer */
  gint64 offer_us;
  guint deadline;               /* timeout source */
  GMutex lock;
  /* Protected by lock; µs after offer_us, or -1. */
  gint64 connected_us;
  gint64 first_us[2][2];        /* [answerer?][audio?] */
  gchar *error;
} Connection;

static gint latency_ms = 40;
static gint width = 320, height = 240, fps = 15;

/* The last connection of a batch to finish, by success or failure, ends
 * the batch's main loop. */
static void
conn_finish (Connection * c)
{
  gboolean first;

  g_mutex_lock (&c->lock);
  first = !c->finished;
  c->finished = TRUE;
  g_mutex_unlock (&c->lock);
  if (first && g_atomic_int_dec_and_test (c->running))
    g_main_loop_quit (c->loop);
}

/* A BenchFailFunc */
static void
conn_fail (gpointer data, const gchar * why)
{
  Connection *c = data;

  g_mutex_lock (&c->lock);
  if (c->error == NULL)
    c->error = g_strdup (why);
  g_mutex_unlock (&c->lock);
  conn_finish (c);
}

static gboolean
all_done_locked (Connection * c)
{
  return c->first_us[0][0] >= 0 && c->first_us[0][1] >= 0
      && c->first_us[1][0] >= 0 && c->first_us[1][1] >= 0;
}

static GstPadProbeReturn
first_frame_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Connection *c = user_data;
  gboolean answerer = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad),
          "answerer"));
  gboolean audio = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad),
          "audio"));
  gint64 now = g_get_monotonic_time ();
  gboolean done;

  g_mutex_lock (&c->lock);
  c->first_us[answerer][audio] = now - c->offer_us;
  done = all_done_locked (c);
  g_mutex_unlock (&c->lock);
  if (!answerer && !audio) {
    printf ("event conn=%d offerer-video\n", c->conn);
    fflush (stdout);
  }
  if (done) {
    printf ("event conn=%d all-media\n", c->conn);
    fflush (stdout);
    conn_finish (c);
  }
  return GST_PAD_PROBE_REMOVE;
}

static void
on_pad_added (GstElement * webrtc, GstPad * pad, Connection * c)
{
  gboolean audio, answerer = webrtc == c->pair.answerer;
  GstElement *queue, *depay, *dec, *sink;
  GstPad *dec_src, *queue_sink;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  audio = bench_pad_is_audio (pad);

  queue = gst_element_factory_make ("queue", NULL);
  depay = gst_element_factory_make (audio ? "rtpopusdepay" : "rtpvp8depay",
      NULL);
  dec = gst_element_factory_make (audio ? "opusdec" : "vp8dec", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "async", FALSE, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (c->pipeline), queue, depay, dec, sink, NULL);
  gst_element_link_many (queue, depay, dec, sink, NULL);

  dec_src = gst_element_get_static_pad (dec, "src");
  g_object_set_data (G_OBJECT (dec_src), "answerer",
      GINT_TO_POINTER (answerer));
  g_object_set_data (G_OBJECT (dec_src), "audio", GINT_TO_POINTER (audio));
  gst_pad_add_probe (dec_src, GST_PAD_PROBE_TYPE_BUFFER, first_frame_probe,
      c, NULL);
  gst_object_unref (dec_src);

  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (dec);
  gst_element_sync_state_with_parent (depay);
  gst_element_sync_state_with_parent (queue);
  queue_sink = gst_element_get_static_pad (queue, "sink");
  if (gst_pad_link (pad, queue_sink) != GST_PAD_LINK_OK)
    conn_fail (c, "could not link a received stream");
  gst_object_unref (queue_sink);
}

static void
on_connection_state (GstElement * webrtc, GParamSpec * pspec, Connection * c)
{
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) {
    gboolean first;

    g_mutex_lock (&c->lock);
    first = c->connected_us < 0;
    if (first)
      c->connected_us = g_get_monotonic_time () - c->offer_us;
    g_mutex_unlock (&c->lock);
    if (first) {
      printf ("event conn=%d connected\n", c->conn);
      fflush (stdout);
    }
  } else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
    conn_fail (c, "connection failed");
  }
}

/* Test sources, encoded the way f2fsignal encodes, into a new sendrecv
 * transceiver of @webrtc. */
static void
add_sender (GstElement * pipeline, GstElement * webrtc, gboolean audio)
{
  g_autofree gchar *desc = NULL;
  g_autoptr (GError) error = NULL;
  GstElement *bin;
  GstPad *src, *sink;
  GstWebRTCRTPTransceiver *trans = NULL;
  GstCaps *caps;

  if (audio)
    desc = g_strdup ("audiotestsrc is-live=true ! audioconvert ! "
        "audioresample ! audio/x-raw,rate=48000 ! opusenc frame-size=20 "
        "inband-fec=true packet-loss-percentage=10 bitrate=32000 "
        "audio-type=voice ! rtpopuspay pt=97");
  else
    desc = g_strdup_printf ("videotestsrc is-live=true pattern=ball ! "
        "video/x-raw,width=%d,height=%d,framerate=%d/1 ! videoconvert ! "
        "video/x-raw,format=I420 ! vp8enc deadline=1 cpu-used=4 "
        "lag-in-frames=0 target-bitrate=800000 keyframe-max-dist=60 "
        "end-usage=cbr error-resilient=default ! rtpvp8pay pt=96 "
        "picture-id-mode=15-bit", width, height, fps);
  bin = gst_parse_bin_from_description (desc, TRUE, &error);
  g_assert_no_error (error);
  gst_bin_add (GST_BIN (pipeline), bin);

  caps = gst_caps_from_string (audio ? "application/x-rtp, media=audio, "
      "encoding-name=OPUS, payload=97, clock-rate=48000, "
      "encoding-params=(string)2" : "application/x-rtp, media=video, "
      "encoding-name=VP8, payload=96, clock-rate=90000");
  sink = gst_element_request_pad_simple (webrtc, "sink_%u");
  g_object_get (sink, "transceiver", &trans, NULL);
  g_object_set (trans, "codec-preferences", caps, "direction",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, NULL);
  gst_object_unref (trans);
  gst_caps_unref (caps);
  src = gst_element_get_static_pad (bin, "src");
  gst_pad_link (src, sink);
  gst_object_unref (src);
  gst_object_unref (sink);
}

static GstElement *
make_webrtc (Connection * c, const gchar * name)
{
  GstElement *webrtc = gst_element_factory_make ("webrtcbin", name);

  if (webrtc == NULL) {
    g_printerr ("webrtcbin-baseline: no webrtcbin\n");
    exit (1);
  }
  gst_util_set_object_arg (G_OBJECT (webrtc), "bundle-policy", "max-bundle");
  g_object_set (webrtc, "latency", latency_ms, NULL);
  gst_bin_add (GST_BIN (c->pipeline), webrtc);
  bench_configure_ice (webrtc);
  g_signal_connect (webrtc, "pad-added", G_CALLBACK (on_pad_added), c);
  add_sender (c->pipeline, webrtc, FALSE);
  add_sender (c->pipeline, webrtc, TRUE);
  return webrtc;
}

static gboolean
deadline_cb (gpointer user_data)
{
  Connection *c = user_data;

  c->deadline = 0;
  conn_fail (c, "timed out");
  return G_SOURCE_REMOVE;
}

static gboolean
start_cb (gpointer user_data)
{
  Connection *c = user_data;

  c->offer_us = g_get_monotonic_time ();
  bench_pair_start (&c->pair);
  return G_SOURCE_REMOVE;
}

static void
conn_start (Connection * c, gint n, GMainLoop * loop, gint * running,
    guint timeout_ms)
{
  GstElement *offerer, *answerer;
  gint i, j;

  c->conn = n;
  c->loop = loop;
  c->running = running;
  g_mutex_init (&c->lock);
  c->connected_us = -1;
  for (i = 0; i < 2; i++)
    for (j = 0; j < 2; j++)
      c->first_us[i][j] = -1;
  c->pipeline = gst_pipeline_new (NULL);
  offerer = make_webrtc (c, "offerer");
  answerer = make_webrtc (c, "answerer");
  bench_pair_init (&c->pair, offerer, answerer, conn_fail, c);
  g_signal_connect (c->pair.offerer, "notify::connection-state",
      G_CALLBACK (on_connection_state), c);
  gst_element_set_state (c->pipeline, GST_STATE_PLAYING);
  c->deadline = g_timeout_add (timeout_ms, deadline_cb, c);
  g_idle_add (start_cb, c);
}

static void
conn_report (Connection * c)
{
  if (c->deadline)
    g_source_remove (c->deadline);
  gst_element_set_state (c->pipeline, GST_STATE_NULL);
  g_mutex_lock (&c->lock);
  if (c->error)
    printf ("failed conn=%d %s\n", c->conn, c->error);
  printf ("result conn=%d offer_to_connected_ms=%.1f offerer_video_ms=%.1f "
      "offerer_audio_ms=%.1f answerer_video_ms=%.1f answerer_audio_ms=%.1f\n",
      c->conn, c->connected_us / 1000.0, c->first_us[0][0] / 1000.0,
      c->first_us[0][1] / 1000.0, c->first_us[1][0] / 1000.0,
      c->first_us[1][1] / 1000.0);
  fflush (stdout);
  g_mutex_unlock (&c->lock);
  gst_object_unref (c->pipeline);
  g_free (c->error);
  g_mutex_clear (&c->lock);
}

/* Connections @first .. @first + @count - 1, all at once. */
static void
run_batch (gint first, gint count, guint timeout_ms)
{
  Connection *conns = g_new0 (Connection, count);
  GMainLoop *loop = g_main_loop_new (NULL, FALSE);
  gint running = count;
  gint i;

  for (i = 0; i < count; i++)
    conn_start (&conns[i], first + i, loop, &running, timeout_ms);
  g_main_loop_run (loop);
  for (i = 0; i < count; i++)
    conn_report (&conns[i]);
  g_main_loop_unref (loop);
  g_free (conns);
}

int
main (int argc, char **argv)
{
  gint connections = 2;
  gint parallel = 1;
  gint timeout_ms = 10000;
  g_autofree gchar *video = NULL;
  GOptionEntry entries[] = {
    {"connections", 'n', 0, G_OPTION_ARG_INT, &connections,
        "Connections to make (default 2)", "N"},
    {"parallel", 'p', 0, G_OPTION_ARG_INT, &parallel,
        "Make them this many at a time (default 1: one after the other)",
          "P"},
    {"latency", 'l', 0, G_OPTION_ARG_INT, &latency_ms,
        "webrtcbin latency in ms (default 40, f2fsignal's lan profile)", "MS"},
    {"video", 0, 0, G_OPTION_ARG_STRING, &video,
        "Video size and rate (default 320x240@15)", "WxH@FPS"},
    {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout_ms,
        "Give up on a connection after this many ms (default 10000)", "MS"},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- webrtcbin "
      "offer-to-first-frame baseline");
  g_autoptr (GError) error = NULL;
  gint i;

  gst_init (&argc, &argv);
  printf ("ready\n");
  fflush (stdout);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("webrtcbin-baseline: %s\n", error->message);
    return 2;
  }
  if (video && sscanf (video, "%dx%d@%d", &width, &height, &fps) != 3) {
    g_printerr ("webrtcbin-baseline: --video wants WxH@FPS\n");
    return 2;
  }
  if (parallel < 1) {
    g_printerr ("webrtcbin-baseline: --parallel wants 1 or more\n");
    return 2;
  }
  for (i = 1; i <= connections; i += parallel)
    run_batch (i, MIN (parallel, connections - i + 1), timeout_ms);
  return 0;
}
