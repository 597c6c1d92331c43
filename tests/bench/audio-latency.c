/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One-way audio latency on a direct link: f2fsignal against plain webrtcbin
 * with the same settings, measured in the same run, alternating.
 *
 * The detectable event is a tick: audiotestsrc wave=ticks makes a short
 * sine burst every --interval ms and silence in between. On the sending
 * side a probe on the source's pad finds each tick's first loud sample and
 * takes its capture time: the pipeline's base time + the buffer's running
 * time + the sample's offset (a live source hands a buffer over when its
 * last sample is captured, as a microphone does). On the receiving side a
 * probe at the very end of the receiving pipeline (decoded audio entering a
 * fakesink that does not sync) finds the same tick's first loud sample and
 * takes the time it is there: the clock when the buffer arrives + the
 * sample's offset in it. (Times are compared as "later than", never by
 * unsigned differences: two decoded buffers arriving in one burst give the
 * second one's samples earlier times than the first one's last samples.)
 * Both pipelines run in this process on the system clock
 * (CLOCK_MONOTONIC), so the difference is the one-way latency:
 * capture buffer, Opus framing (20 ms), payloading, SRTP, ICE on 127.0.0.1,
 * jitterbuffer, depayloading, decoding. A playback device's buffer and a
 * syncing sink's render delay come on top, equally for both.
 *
 * Modes, each --ticks ticks per round, --rounds rounds, alternating:
 *   f2f         two f2fsignal pipelines (talker: audio only; listener:
 *               room-view=per-peer, its peer's audio pad into the probe),
 *               joined through a real f2f-signaling-server (--server)
 *   raw         two webrtcbins in one pipeline, offer/answer handed over
 *               in-process as SDP text, trickle ICE, the same Opus settings
 *               (frame-size 20, inband FEC, 32 kbit/s, voice), latency 40,
 *               max-bundle, the same receive chain, as webrtcbin comes
 *   raw-nosync  raw with webrtcbin's clocksyncs set to sync=FALSE, which is
 *               what f2fsignal does (see docs/architecture.md)
 *   f2f-view    f2f, but the listener's default room view: the mixed audio
 *               of audio_src (f2fcompositor's audiomixer, a live aggregator
 *               with its own latency) instead of the peer's own pad
 *
 * Run it inside `unshare -n` with lo up (tests/bench/audio-latency.sh).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "benchutil.h"
#include "ticks.h"


static struct
{
  gchar *server;
  gint ticks, rounds, interval_ms, latency_ms;
  gchar *modes;
} opts = {
  NULL, 40, 3, 407, 40, NULL
};

typedef struct
{
  GMutex lock;
  GArray *tx, *rx;              /* GstClockTime of each tick start */
  BenchOnset tx_onset, rx_onset;
  GstElement *tx_pipeline;
  GMainLoop *loop;
  gchar *error;
  gboolean connected;
} Run;

static gchar *server_uri;
static GSubprocess *server_proc;

/* Also a BenchFailFunc */
static void
run_fail (gpointer data, const gchar * why)
{
  Run *r = data;

  g_mutex_lock (&r->lock);
  if (r->error == NULL)
    r->error = g_strdup (why);
  g_mutex_unlock (&r->lock);
  g_main_loop_quit (r->loop);
}

/* The source's buffers: capture time of each sample. */
static GstPadProbeReturn
tx_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Run *r = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime t = bench_capture_time (pad, buf, r->tx_pipeline);

  if (!GST_CLOCK_TIME_IS_VALID (t))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&r->lock);
  bench_find_onsets (buf, pad, t, &r->tx_onset, r->tx);
  g_mutex_unlock (&r->lock);
  return GST_PAD_PROBE_OK;
}

/* Decoded audio arriving at the end of the receiving pipeline. */
static GstPadProbeReturn
rx_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Run *r = user_data;
  GstClockTime t = bench_now ();
  gboolean done;

  g_mutex_lock (&r->lock);
  bench_find_onsets (GST_PAD_PROBE_INFO_BUFFER (info), pad, t, &r->rx_onset,
      r->rx);
  done = (gint) r->rx->len >= opts.ticks + 3;
  g_mutex_unlock (&r->lock);
  if (done)
    g_main_loop_quit (r->loop);
  return GST_PAD_PROBE_OK;
}

/* A receive chain's end: S16 into a fakesink that takes what comes. */
static GstElement *
make_listener_end (GstBin * bin, Run * r)
{
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstCaps *caps = gst_caps_from_string ("audio/x-raw,format=S16LE");

  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (bin, filter, sink, NULL);
  gst_element_link (filter, sink);
  bench_add_probe (sink, "sink", rx_probe, r);
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (filter);
  return filter;
}

typedef struct
{
  Run *r;
  GstElement *pipeline;
} Watch;

static gboolean
bus_cb (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  Watch *w = user_data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_LATENCY:
      /* As gst-launch-1.0 does. */
      gst_bin_recalculate_latency (GST_BIN (w->pipeline));
      break;
    case GST_MESSAGE_ERROR:{
      g_autoptr (GError) err = NULL;
      gst_message_parse_error (msg, &err, NULL);
      run_fail (w->r, err->message);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static guint
watch (GstElement * pipeline, Run * r)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  Watch *w = g_new0 (Watch, 1);
  guint id;

  w->r = r;
  w->pipeline = pipeline;
  id = gst_bus_add_watch_full (bus, G_PRIORITY_DEFAULT, bus_cb, w, g_free);
  gst_object_unref (bus);
  return id;
}

/* A pipeline around @desc (gst_parse_launch returns a lone element as is). */
static GstElement *
make_pipeline (const gchar * desc, GError ** error)
{
  GstElement *bin = gst_parse_bin_from_description (desc, FALSE, error);
  GstElement *pipeline;

  if (bin == NULL)
    return NULL;
  pipeline = gst_pipeline_new (NULL);
  gst_bin_add (GST_BIN (pipeline), bin);
  return pipeline;
}

static const gchar *
source_desc (void)
{
  static gchar *desc;

  if (desc == NULL)
    desc = g_strdup_printf ("audiotestsrc name=src is-live=true wave=ticks "
        "volume=0.8 tick-interval=%" G_GUINT64_FORMAT " samplesperbuffer=480"
        " ! audio/x-raw,format=S16LE,rate=48000,channels=1",
        (guint64) opts.interval_ms * GST_MSECOND);
  return desc;
}

/* ---------------------------------------------------------------------- */
/* f2f */

static void
on_f2f_pad (GstElement * s, GstPad * pad, Run * r)
{
  GstElement *first;
  GstPad *sink;
  GstBin *bin = GST_BIN (GST_OBJECT_PARENT (s));   /* the parsed bin */

  if (!g_str_has_prefix (GST_PAD_NAME (pad), "audio_src_"))
    return;
  first = make_listener_end (bin, r);
  sink = gst_element_get_static_pad (first, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    run_fail (r, "could not link the peer's audio pad");
  gst_object_unref (sink);
}

static void
run_f2f (Run * r, guint round, gboolean view)
{
  g_autofree gchar *room = g_strdup_printf ("latency-%u-%d", round,
      g_random_int_range (0, 1000000));
  g_autofree gchar *talk_desc = g_strdup_printf ("f2fsignal name=s "
      "server-uri=%s room=%s display-name=Talker local-addresses=127.0.0.1 "
      "%s ! s.audio_sink", server_uri, room, source_desc ());
  g_autofree gchar *listen_desc = view ? g_strdup_printf ("f2fsignal "
      "name=s server-uri=%s room=%s display-name=Listener "
      "local-addresses=127.0.0.1 s.audio_src ! audio/x-raw,format=S16LE ! "
      "fakesink name=out sync=false async=false", server_uri, room) :
      g_strdup_printf ("f2fsignal name=s server-uri=%s room=%s "
      "display-name=Listener local-addresses=127.0.0.1 room-view=per-peer",
      server_uri, room);
  g_autoptr (GError) error = NULL;
  GstElement *talker, *listener, *s, *src;
  guint w1, w2;

  talker = make_pipeline (talk_desc, &error);
  listener = talker ? make_pipeline (listen_desc, &error) : NULL;
  if (listener == NULL) {
    run_fail (r, error ? error->message : "no pipeline");
    gst_clear_object (&talker);
    return;
  }
  r->tx_pipeline = talker;
  src = gst_bin_get_by_name (GST_BIN (talker), "src");
  bench_add_probe (src, "src", tx_probe, r);
  gst_object_unref (src);
  if (view) {
    GstElement *out = gst_bin_get_by_name (GST_BIN (listener), "out");
    bench_add_probe (out, "sink", rx_probe, r);
    gst_object_unref (out);
  } else {
    s = gst_bin_get_by_name (GST_BIN (listener), "s");
    g_signal_connect (s, "pad-added", G_CALLBACK (on_f2f_pad), r);
    gst_object_unref (s);
  }
  w1 = watch (talker, r);
  w2 = watch (listener, r);
  gst_element_set_state (listener, GST_STATE_PLAYING);
  gst_element_set_state (talker, GST_STATE_PLAYING);
  g_main_loop_run (r->loop);
  gst_element_set_state (talker, GST_STATE_NULL);
  gst_element_set_state (listener, GST_STATE_NULL);
  g_source_remove (w1);
  g_source_remove (w2);
  gst_object_unref (talker);
  gst_object_unref (listener);
}

/* ---------------------------------------------------------------------- */
/* Plain webrtcbin */

typedef struct
{
  Run *r;
  GstElement *pipeline, *talker, *listener;
  BenchPair pair;               /* the talker offers */
} Raw;

static void
no_clock_wait (GstBin * bin, GstBin * sub, GstElement * element, gpointer d)
{
  GstElementFactory *f = gst_element_get_factory (element);

  if (f && strcmp (GST_OBJECT_NAME (f), "clocksync") == 0)
    g_object_set (element, "sync", FALSE, NULL);
}

static void
configure_webrtc (GstElement * webrtc, gboolean nosync)
{
  gst_util_set_object_arg (G_OBJECT (webrtc), "bundle-policy", "max-bundle");
  g_object_set (webrtc, "latency", opts.latency_ms, NULL);
  bench_configure_ice (webrtc);
  if (nosync)
    g_signal_connect (webrtc, "deep-element-added", G_CALLBACK (no_clock_wait),
        NULL);
}

static void
raw_pad (GstElement * webrtc, GstPad * pad, Raw * raw)
{
  GstElement *queue, *depay, *dec, *conv, *res, *end;
  GstPad *sink;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  /* f2fsignal's decode branch for audio */
  queue = gst_element_factory_make ("queue", NULL);
  depay = gst_element_factory_make ("rtpopusdepay", NULL);
  dec = gst_element_factory_make ("opusdec", NULL);
  conv = gst_element_factory_make ("audioconvert", NULL);
  res = gst_element_factory_make ("audioresample", NULL);
  g_object_set (dec, "plc", TRUE, "use-inband-fec", TRUE, NULL);
  gst_bin_add_many (GST_BIN (raw->pipeline), queue, depay, dec, conv, res,
      NULL);
  end = make_listener_end (GST_BIN (raw->pipeline), raw->r);
  gst_element_link_many (queue, depay, dec, conv, res, end, NULL);
  gst_element_sync_state_with_parent (res);
  gst_element_sync_state_with_parent (conv);
  gst_element_sync_state_with_parent (dec);
  gst_element_sync_state_with_parent (depay);
  gst_element_sync_state_with_parent (queue);
  sink = gst_element_get_static_pad (queue, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    run_fail (raw->r, "could not link the received stream");
  gst_object_unref (sink);
}

static void
run_raw (Run * r, gboolean nosync)
{
  Raw raw = { r };
  g_autofree gchar *desc = g_strdup_printf ("%s ! audioconvert ! "
      "audioresample ! audio/x-raw,rate=48000 ! opusenc frame-size=20 "
      "inband-fec=true packet-loss-percentage=10 bitrate=32000 "
      "audio-type=voice ! queue leaky=downstream max-size-buffers=60 "
      "max-size-bytes=0 max-size-time=0 ! rtpopuspay pt=97", source_desc ());
  g_autoptr (GError) error = NULL;
  GstCaps *caps = gst_caps_from_string ("application/x-rtp,media=audio,"
      "encoding-name=OPUS,payload=97,clock-rate=48000,"
      "encoding-params=(string)2");
  GstWebRTCRTPTransceiver *trans = NULL;
  GstElement *send, *src;
  GstPad *sink, *out;
  guint w;

  raw.pipeline = gst_pipeline_new (NULL);
  raw.talker = gst_element_factory_make ("webrtcbin", "talker");
  raw.listener = gst_element_factory_make ("webrtcbin", "listener");
  gst_bin_add_many (GST_BIN (raw.pipeline), raw.talker, raw.listener, NULL);
  configure_webrtc (raw.talker, nosync);
  configure_webrtc (raw.listener, nosync);
  send = gst_parse_bin_from_description (desc, TRUE, &error);
  if (send == NULL) {
    run_fail (r, error->message);
    gst_object_unref (raw.pipeline);
    gst_caps_unref (caps);
    return;
  }
  gst_bin_add (GST_BIN (raw.pipeline), send);
  sink = gst_element_request_pad_simple (raw.talker, "sink_%u");
  g_object_get (sink, "transceiver", &trans, NULL);
  g_object_set (trans, "codec-preferences", caps, "direction",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, NULL);
  gst_object_unref (trans);
  out = gst_element_get_static_pad (send, "src");
  gst_pad_link (out, sink);
  gst_object_unref (out);
  gst_object_unref (sink);
  g_signal_emit_by_name (raw.listener, "add-transceiver",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
  gst_clear_object (&trans);
  gst_caps_unref (caps);

  src = gst_bin_get_by_name (GST_BIN (send), "src");
  bench_add_probe (src, "src", tx_probe, r);
  gst_object_unref (src);
  r->tx_pipeline = raw.pipeline;
  g_signal_connect (raw.listener, "pad-added", G_CALLBACK (raw_pad), &raw);
  w = watch (raw.pipeline, r);
  gst_element_set_state (raw.pipeline, GST_STATE_PLAYING);
  bench_pair_init (&raw.pair, raw.talker, raw.listener, run_fail, r);
  raw.pair.answer_via_text = TRUE;
  bench_pair_start (&raw.pair);
  g_main_loop_run (r->loop);
  gst_element_set_state (raw.pipeline, GST_STATE_NULL);
  g_source_remove (w);
  gst_object_unref (raw.pipeline);
}

/* ---------------------------------------------------------------------- */

/* Each received tick start, paired with the last tick sent before it. */
static void
pair_ticks (Run * r, GArray * out)
{
  GstClockTime interval = (GstClockTime) opts.interval_ms * GST_MSECOND;
  guint i, j;

  gint last = -1;

  /* the first two: the link was still settling */
  for (i = 2; i < r->rx->len; i++) {
    GstClockTime rx = g_array_index (r->rx, GstClockTime, i);
    gdouble ms;

    for (j = r->tx->len; j > 0; j--)
      if (g_array_index (r->tx, GstClockTime, j - 1) <= rx)
        break;
    if (j == 0)
      continue;
    if (rx - g_array_index (r->tx, GstClockTime, j - 1) >= interval)
      continue;                 /* ambiguous: longer than a tick interval */
    if ((gint) j - 1 == last)
      continue;                 /* that tick was heard already */
    last = j - 1;
    ms = (rx - g_array_index (r->tx, GstClockTime, j - 1)) / 1e6;
    g_array_append_val (out, ms);
    if (g_getenv ("AUDIO_LATENCY_VERBOSE"))
      printf ("  tick %u: sent %.3f heard %.3f latency %.1f ms\n", i,
          g_array_index (r->tx, GstClockTime, j - 1) / 1e9, rx / 1e9, ms);
  }
}

static gboolean
timeout_cb (gpointer user_data)
{
  run_fail (user_data, "timed out");
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"server", 0, 0, G_OPTION_ARG_FILENAME, &opts.server,
        "f2f-signaling-server to start (needed for the f2f mode)", "PATH"},
    {"ticks", 'n', 0, G_OPTION_ARG_INT, &opts.ticks,
        "Ticks measured per round (default 40)", "N"},
    {"rounds", 'r', 0, G_OPTION_ARG_INT, &opts.rounds,
        "Rounds of every mode, alternating (default 3)", "R"},
    {"interval", 'i', 0, G_OPTION_ARG_INT, &opts.interval_ms,
        "ms between ticks (default 407: not a multiple of the 10 ms capture "
          "buffers or 20 ms Opus frames, so the ticks fall at every phase)",
        "MS"},
    {"latency", 'l', 0, G_OPTION_ARG_INT, &opts.latency_ms,
        "webrtcbin latency of the raw modes (default 40, the lan profile)",
        "MS"},
    {"modes", 'm', 0, G_OPTION_ARG_STRING, &opts.modes,
        "Comma-separated modes (default f2f,f2f-view,raw,raw-nosync)", "LIST"},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- one-way audio "
      "latency, f2fsignal against plain webrtcbin");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) modes = NULL;
  GHashTable *results = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) g_array_unref);
  guint round, m, n_modes;

  bench_child_setup (NULL);
  gst_init (&argc, &argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("audio-latency: %s\n", error->message);
    return 2;
  }
  modes = g_strsplit (opts.modes ? opts.modes : "f2f,f2f-view,raw,raw-nosync",
      ",", 0);
  n_modes = g_strv_length (modes);
  for (m = 0; m < n_modes; m++) {
    g_hash_table_insert (results, modes[m], g_array_new (FALSE, FALSE,
            sizeof (gdouble)));
    if (g_str_has_prefix (modes[m], "f2f") && opts.server == NULL) {
      g_printerr ("audio-latency: the f2f mode needs --server\n");
      return 2;
    }
  }
  if (opts.server)
    server_uri = bench_start_server ("audio-latency", opts.server,
        &server_proc);

  for (round = 0; round < (guint) opts.rounds; round++) {
    for (m = 0; m < n_modes; m++) {
      /* alternate which mode goes first */
      const gchar *mode = modes[(m + round) % n_modes];
      Run r = { 0, };
      g_autoptr (GArray) lat = g_array_new (FALSE, FALSE, sizeof (gdouble));
      guint timeout;

      g_mutex_init (&r.lock);
      r.tx = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
      r.rx = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
      r.loop = g_main_loop_new (NULL, FALSE);
      timeout = g_timeout_add_seconds (30 + opts.ticks * opts.interval_ms
          / 1000, timeout_cb, &r);
      if (strcmp (mode, "f2f") == 0)
        run_f2f (&r, round, FALSE);
      else if (strcmp (mode, "f2f-view") == 0)
        run_f2f (&r, round, TRUE);
      else if (strcmp (mode, "raw") == 0)
        run_raw (&r, FALSE);
      else if (strcmp (mode, "raw-nosync") == 0)
        run_raw (&r, TRUE);
      else
        run_fail (&r, "unknown mode");
      if (r.error == NULL || strcmp (r.error, "timed out") != 0)
        g_source_remove (timeout);
      pair_ticks (&r, lat);
      g_array_append_vals (g_hash_table_lookup (results, mode), lat->data,
          lat->len);
      printf ("round %u %-10s ticks %3u  p50 %6.1f  p95 %6.1f  max %6.1f ms"
          "%s%s\n", round + 1, mode, lat->len, bench_percentile (lat, 50),
          bench_percentile (lat, 95), bench_percentile (lat, 100),
          r.error ? "  FAILED: " : "", r.error ? r.error : "");
      fflush (stdout);
      g_array_unref (r.tx);
      g_array_unref (r.rx);
      g_main_loop_unref (r.loop);
      g_free (r.error);
      g_mutex_clear (&r.lock);
    }
  }

  printf ("\n%-12s %6s %8s %8s %8s %8s\n", "mode", "ticks", "min", "p50",
      "p95", "max");
  for (m = 0; m < n_modes; m++) {
    GArray *a = g_hash_table_lookup (results, modes[m]);
    printf ("%-12s %6u %8.1f %8.1f %8.1f %8.1f\n", modes[m], a->len,
        bench_percentile (a, 0), bench_percentile (a, 50), bench_percentile (a,
            95), bench_percentile (a, 100));
  }
  g_hash_table_unref (results);
  if (server_proc) {
    g_subprocess_force_exit (server_proc);
    g_subprocess_wait (server_proc, NULL, NULL);
    g_object_unref (server_proc);
  }
  return 0;
}
