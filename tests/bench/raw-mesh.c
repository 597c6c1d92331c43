/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * raw-mesh: the floor under the CPU of an f2fsignal room. A full mesh of N
 * peers built from plain webrtcbins, all in this one process: each peer
 * has live test sources encoded once with f2fsignal's settings, teed to
 * N-1 webrtcbins (one per other peer, each behind a leaky queue and a
 * payloader as f2fpeerlink adds them), and decodes every stream it
 * receives. Every pair is connected in-process: offer and answer handed
 * over as SDP text, trickle ICE on 127.0.0.1. No signaling server, no data
 * channels, no room logic.
 *
 * With --composite each peer also mixes what it decodes: compositor (the
 * same grid at 640x360@15) and audiomixer into fakesinks, the shape of
 * f2fsignal's default room view, without its labels and level meters.
 *
 * Output on stdout, one line per event, read by mesh-cpu:
 *
 *   ready                    gst_init done
 *   connected                every webrtcbin reached "connected"
 *   media                    every peer decoded video and audio from every
 *                            other ("warning media incomplete" if it did
 *                            not within --timeout; it measures anyway)
 *   result peers=N cpu=C frames_min=F frames_expected=E
 *                            C: CPU of this process over the window, in
 *                            cores; F: fewest video frames any one stream
 *                            decoded in the window; E: fps * window
 *   failed <why>             then it exits with status 1
 *
 * Run it inside `unshare -n` with lo up (see tests/bench/mesh-cpu.sh).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "rawmedia.h"

typedef struct _Mesh Mesh;

/* Peer @from's end of its link to peer @to. */
typedef struct
{
  Mesh *mesh;
  gint from, to;
  GstElement *webrtc;
  GstElement *queue[2];         /* [audio?]: sender branch input */
  gint connected;               /* atomic */
  BenchPair pair;               /* the offering end's (from < to) */
} End;

typedef struct
{
  GstElement *tee[2];           /* [audio?]: encoded local media */
  GstElement *comp, *mix;       /* --composite */
} Peer;

/* One decoded stream; frames is counted in the decoder's thread. */
typedef struct
{
  gint from, to;
  gboolean audio;
  gint frames;                  /* atomic */
  gint frames_at_start;
} Stream;

struct _Mesh
{
  gint n;
  gboolean composite;
  GMainLoop *loop;
  GstElement *pipeline;
  Peer *peers;
  End **ends;                   /* [from * n + to]; NULL where from == to */
  GMutex lock;
  GPtrArray *streams;           /* Stream *, protected by lock */
  gint connected_ends;          /* atomic */
  gint exit_code;
};

static gint n_peers = 2;
static gint seconds = 20;
static gint warmup = 5;
static gint timeout_s = 30;
static gboolean composite = FALSE;
static gchar *pattern = NULL;

/* ---------------------------------------------------------------------- */

/* Also a BenchFailFunc */
static void
fail (gpointer data, const gchar * why)
{
  Mesh *m = data;

  /* Printed from any thread; the main loop ends the process. */
  g_mutex_lock (&m->lock);
  if (m->exit_code == 0) {
    m->exit_code = 1;
    printf ("failed %s\n", why);
    fflush (stdout);
  }
  g_mutex_unlock (&m->lock);
  g_main_loop_quit (m->loop);
}

/* ---------------------------------------------------------------------- */
/* Receiving */

/* Streaming thread (pad-added): link at once, or the first buffers hit an
 * unlinked pad. */
static void
on_pad_added (GstElement * webrtc, GstPad * pad, End * e)
{
  Mesh *m = e->mesh;
  gboolean audio;
  GPtrArray *chain;
  GstElement *last;
  GstPad *dec_src;
  Stream *s;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  audio = bench_pad_is_audio (pad);

  chain = bench_raw_decoder_new (GST_BIN (m->pipeline), audio);
  last = g_ptr_array_index (chain, chain->len - 1);
  if (m->composite) {
    GstElement *mixer = audio ? m->peers[e->from].mix : m->peers[e->from].comp;
    GstPad *src = gst_element_get_static_pad (last, "src");
    GstPad *mixer_pad = gst_element_request_pad_simple (mixer, "sink_%u");

    /* Where remote peer @to's picture goes in @from's room. */
    if (!audio)
      bench_raw_place_tile (mixer_pad, m->n - 1,
          e->to < e->from ? e->to : e->to - 1);
    if (gst_pad_link (src, mixer_pad) != GST_PAD_LINK_OK)
      fail (m, "could not link a received stream to the mixer");
    gst_object_unref (mixer_pad);
    gst_object_unref (src);
  } else {
    GstElement *sink = gst_element_factory_make ("fakesink", NULL);

    g_object_set (sink, "async", FALSE, "sync", FALSE, NULL);
    bench_raw_chain_append (chain, GST_BIN (m->pipeline), sink);
  }

  s = g_new0 (Stream, 1);
  s->from = e->from;
  s->to = e->to;
  s->audio = audio;
  g_mutex_lock (&m->lock);
  g_ptr_array_add (m->streams, s);
  g_mutex_unlock (&m->lock);
  dec_src = gst_element_get_static_pad (g_ptr_array_index (chain, 2), "src");
  gst_pad_add_probe (dec_src, GST_PAD_PROBE_TYPE_BUFFER,
      bench_raw_count_probe, &s->frames, NULL);
  gst_object_unref (dec_src);

  if (!bench_raw_chain_start (chain, pad))
    fail (m, "could not link a received stream");
}

/* ---------------------------------------------------------------------- */
/* Sending */

/* Main thread: feed a connected link from the peer's encoders, as
 * f2fsignal does once a link is connected: before that, webrtcbin refuses
 * buffers, and the refusal would stop the sender queue's thread. */
static gboolean
feed_end (gpointer user_data)
{
  End *e = user_data;
  Mesh *m = e->mesh;

  if (!bench_raw_feed (m->peers[e->from].tee, e->queue))
    fail (m, "could not feed a link");
  if (g_atomic_int_add (&m->connected_ends, 1) + 1 == m->n * (m->n - 1)) {
    printf ("connected\n");
    fflush (stdout);
  }
  return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------------- */
/* Negotiation, in-process */

static void
on_connection_state (GstElement * webrtc, GParamSpec * pspec, End * e)
{
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) {
    if (g_atomic_int_compare_and_exchange (&e->connected, 0, 1))
      g_idle_add (feed_end, e);
  } else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
    fail (e->mesh, "a connection failed");
  }
}

/* ---------------------------------------------------------------------- */
/* Building */

static End *
make_end (Mesh * m, gint from, gint to)
{
  End *e = g_new0 (End, 1);
  g_autofree gchar *name = g_strdup_printf ("webrtc-%d-%d", from, to);
  gint audio;

  e->mesh = m;
  e->from = from;
  e->to = to;
  e->webrtc = bench_raw_webrtc (GST_BIN (m->pipeline), name);
  g_signal_connect (e->webrtc, "notify::connection-state",
      G_CALLBACK (on_connection_state), e);
  g_signal_connect (e->webrtc, "pad-added", G_CALLBACK (on_pad_added), e);
  /* Video then audio on both ends, so the m-lines match. */
  for (audio = 0; audio < 2; audio++)
    if (!bench_raw_add_sender (GST_BIN (m->pipeline), e->webrtc, audio,
            &e->queue[audio]))
      fail (m, "could not link a payloader");
  return e;
}

/* Peer @i's sources and encoders (exactly f2fsignal's chain behind its
 * video_sink and audio_sink) and, with --composite, its room view. */
static gchar *
peer_description (gint i, gboolean with_view)
{
  GString *s = g_string_new (NULL);

  bench_raw_append_sources (s, i, pattern);
  if (with_view) {
    /* Like f2fcompositor: a tiny, invisible live background and live
     * silence keep both mixers live and ticking from the start. */
    g_string_append_printf (s, "compositor name=comp%d background=black "
        "latency=%" G_GUINT64_FORMAT " start-time-selection=first "
        "ignore-inactive-pads=true ! video/x-raw,format=I420,width=%d,"
        "height=%d,pixel-aspect-ratio=1/1,framerate=%d/1 ! fakesink "
        "async=false ", i, (guint64) RAW_VIEW_LATENCY, RAW_VIEW_WIDTH,
        RAW_VIEW_HEIGHT, RAW_FPS);
    g_string_append_printf (s,
        "videotestsrc is-live=true pattern=black ! "
        "video/x-raw,format=I420,width=16,height=16,framerate=%d/1 ! comp%d. ",
        RAW_FPS, i);
    g_string_append_printf (s,
        "audiomixer name=mix%d latency=%" G_GUINT64_FORMAT
        " start-time-selection=first "
        "ignore-inactive-pads=true ! audio/x-raw,format=S16LE,"
        "layout=interleaved,rate=48000,channels=2 ! fakesink async=false ", i,
        (guint64) RAW_VIEW_LATENCY);
    g_string_append_printf (s,
        "audiotestsrc is-live=true wave=silence "
        "samplesperbuffer=480 ! audio/x-raw,format=S16LE,rate=48000,"
        "channels=2 ! mix%d. ", i);
  }
  return g_string_free (s, FALSE);
}

static gboolean
build (Mesh * m)
{
  GString *desc = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;
  gint i, j;

  for (i = 0; i < m->n; i++) {
    g_autofree gchar *part = peer_description (i, m->composite);
    g_string_append (desc, part);
  }
  text = g_string_free (desc, FALSE);
  m->pipeline = gst_parse_launch_full (text, NULL, GST_PARSE_FLAG_FATAL_ERRORS,
      &error);
  if (m->pipeline == NULL) {
    printf ("failed cannot build the pipeline: %s\n", error->message);
    return FALSE;
  }
  m->peers = g_new0 (Peer, m->n);
  for (i = 0; i < m->n; i++) {
    m->peers[i].tee[0] = bench_raw_get_named (GST_BIN (m->pipeline), "vtee", i);
    m->peers[i].tee[1] = bench_raw_get_named (GST_BIN (m->pipeline), "atee", i);
    if (m->composite) {
      GstPad *background;

      m->peers[i].comp = bench_raw_get_named (GST_BIN (m->pipeline), "comp", i);
      m->peers[i].mix = bench_raw_get_named (GST_BIN (m->pipeline), "mix", i);
      /* Only the background is linked yet; it draws nothing. */
      background = gst_element_get_static_pad (m->peers[i].comp, "sink_0");
      if (background) {
        g_object_set (background, "alpha", 0.0, NULL);
        gst_object_unref (background);
      }
    }
  }
  m->ends = g_new0 (End *, m->n * m->n);
  for (i = 0; i < m->n; i++)
    for (j = 0; j < m->n; j++)
      if (i != j)
        m->ends[i * m->n + j] = make_end (m, i, j);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Measuring */

static gdouble cpu0;
static gint64 t0;
static gint64 deadline_us;

static gboolean
media_complete (Mesh * m)
{
  gint have = 0;
  guint k;

  g_mutex_lock (&m->lock);
  for (k = 0; k < m->streams->len; k++) {
    Stream *s = g_ptr_array_index (m->streams, k);
    have += g_atomic_int_get (&s->frames) > 0;
  }
  g_mutex_unlock (&m->lock);
  return have == 2 * m->n * (m->n - 1);
}

static gboolean
end_window_cb (gpointer user_data)
{
  Mesh *m = user_data;
  gdouble cpu = bench_self_cpu () - cpu0;
  gdouble wall = (g_get_monotonic_time () - t0) / 1e6;
  gint min = G_MAXINT, video_streams = 0;
  guint k;

  g_mutex_lock (&m->lock);
  for (k = 0; k < m->streams->len; k++) {
    Stream *s = g_ptr_array_index (m->streams, k);
    if (s->audio)
      continue;
    video_streams++;
    min = MIN (min, g_atomic_int_get (&s->frames) - s->frames_at_start);
  }
  g_mutex_unlock (&m->lock);
  /* A stream that never appeared decoded nothing. */
  if (video_streams < m->n * (m->n - 1))
    min = 0;
  printf ("result peers=%d cpu=%.3f frames_min=%d frames_expected=%d\n",
      m->n, cpu / wall, min, RAW_FPS * seconds);
  fflush (stdout);
  g_main_loop_quit (m->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
start_window_cb (gpointer user_data)
{
  Mesh *m = user_data;
  guint k;

  g_mutex_lock (&m->lock);
  for (k = 0; k < m->streams->len; k++) {
    Stream *s = g_ptr_array_index (m->streams, k);
    s->frames_at_start = g_atomic_int_get (&s->frames);
  }
  g_mutex_unlock (&m->lock);
  t0 = g_get_monotonic_time ();
  cpu0 = bench_self_cpu ();
  g_timeout_add (seconds * 1000, end_window_cb, m);
  return G_SOURCE_REMOVE;
}

static gboolean
poll_cb (gpointer user_data)
{
  Mesh *m = user_data;
  gboolean connected = g_atomic_int_get (&m->connected_ends) ==
      m->n * (m->n - 1);
  gboolean late = g_get_monotonic_time () > deadline_us;

  if (!connected) {
    if (!late)
      return G_SOURCE_CONTINUE;
    fail (m, "not every link connected in time");
    return G_SOURCE_REMOVE;
  }
  if (media_complete (m)) {
    printf ("media\n");
  } else if (late) {
    printf ("warning media incomplete\n");
  } else {
    return G_SOURCE_CONTINUE;
  }
  fflush (stdout);
  g_timeout_add (warmup * 1000, start_window_cb, m);
  return G_SOURCE_REMOVE;
}

static gboolean
start_cb (gpointer user_data)
{
  Mesh *m = user_data;
  gint i, j;

  /* The lower-numbered peer of each pair offers. */
  for (i = 0; i < m->n; i++)
    for (j = i + 1; j < m->n; j++) {
      End *e = m->ends[i * m->n + j];

      bench_pair_init (&e->pair, e->webrtc, m->ends[j * m->n + i]->webrtc,
          fail, m);
      e->pair.answer_via_text = TRUE;
      bench_pair_start (&e->pair);
    }
  deadline_us = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  g_timeout_add (100, poll_cb, m);
  return G_SOURCE_REMOVE;
}

static gboolean
check_elements (void)
{
  const gchar *needed[] = { "webrtcbin", "videotestsrc", "audiotestsrc",
    "vp8enc", "vp8dec", "opusenc", "opusdec", "rtpvp8pay", "rtpvp8depay",
    "rtpopuspay", "rtpopusdepay", "compositor", "audiomixer"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (needed); i++) {
    GstElementFactory *f = gst_element_factory_find (needed[i]);
    if (f == NULL) {
      printf ("failed missing element %s\n", needed[i]);
      return FALSE;
    }
    gst_object_unref (f);
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"peers", 'n', 0, G_OPTION_ARG_INT, &n_peers,
        "Peers in the mesh (default 2)", "N"},
    {"seconds", 's', 0, G_OPTION_ARG_INT, &seconds,
        "Measurement window (default 20)", "S"},
    {"warmup", 'w', 0, G_OPTION_ARG_INT, &warmup,
        "Seconds between full media and the window (default 5)", "W"},
    {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout_s,
        "Seconds to wait for every link and every stream (default 30)", "S"},
    {"composite", 'c', 0, G_OPTION_ARG_NONE, &composite,
        "Each peer mixes what it receives (compositor + audiomixer)", NULL},
    {"pattern", 0, 0, G_OPTION_ARG_STRING, &pattern,
        "videotestsrc pattern of every peer (default ball)", "NAME"},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- plain webrtcbin "
      "mesh, CPU baseline for f2fsignal rooms");
  g_autoptr (GError) error = NULL;
  Mesh m = { 0 };
  GstBus *bus;
  guint k;

  gst_init (&argc, &argv);
  printf ("ready\n");
  fflush (stdout);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("raw-mesh: %s\n", error->message);
    return 2;
  }
  if (n_peers < 2 || n_peers > 16 || seconds < 1 || warmup < 0
      || timeout_s < 1) {
    g_printerr ("raw-mesh: --peers must be 2..16, --seconds and --timeout "
        "positive\n");
    return 2;
  }
  if (pattern == NULL)
    pattern = g_strdup ("ball");
  if (!check_elements ())
    return 1;

  m.n = n_peers;
  m.composite = composite;
  m.loop = g_main_loop_new (NULL, FALSE);
  m.streams = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&m.lock);
  /* A failure while building is printed, but no loop ran to end on it. */
  if (!build (&m) || m.exit_code != 0)
    return 1;
  bus = gst_element_get_bus (m.pipeline);
  bench_raw_watch_errors (bus, fail, &m);
  if (gst_element_set_state (m.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    printf ("failed the pipeline would not play\n");
    return 1;
  }
  g_idle_add (start_cb, &m);
  g_main_loop_run (m.loop);

  gst_element_set_state (m.pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (m.pipeline);
  for (k = 0; k < (guint) (m.n * m.n); k++)
    g_free (m.ends[k]);
  g_free (m.ends);
  g_free (m.peers);
  g_ptr_array_unref (m.streams);
  g_main_loop_unref (m.loop);
  g_mutex_clear (&m.lock);
  g_free (pattern);
  return m.exit_code;
}
