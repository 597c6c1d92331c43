/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One f2fsignal link on its own, without a peer: what it does when
 * webrtcbin under it misbehaves.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/webrtc/webrtc.h>
#include <string.h>

#include "../../../plugins/f2f/f2fpeerlink.h"
#include "../../../plugins/f2f/f2fworker.h"
#include "../../../plugins/f2f/f2fdtlscert.h"
#include "f2flinkpair.h"

GST_DEBUG_CATEGORY (gst_f2f_signal_debug);

#define VIDEO_CAPS "application/x-rtp,media=video,encoding-name=VP8," \
    "payload=96,clock-rate=90000"

static F2fPeerLink *
make_link (GstElement * pipeline, guint faststart_packets, guint pacing_ms)
{
  F2fPeerLinkConfig config = { 0 };
  F2fPeerLinkCallbacks callbacks = { 0 };
  F2fPeerLink *link;

  config.latency_ms = 40;
  config.faststart_packets = faststart_packets;
  config.ice_pacing_ms = pacing_ms;
  /* generous: the wait ends when the events are out, and under valgrind
   * the jitterbuffer's thread can take longer than f2fsignal's 10 ms */
  config.first_packet_wait_ms = 2000;
  config.video_caps = gst_caps_from_string (VIDEO_CAPS);
  config.audio_caps = gst_caps_from_string ("application/x-rtp,media=audio,"
      "encoding-name=OPUS,payload=97,clock-rate=48000");
  config.video_payloader = "rtpvp8pay";
  link = f2f_peer_link_new (GST_BIN (pipeline), "p1", "Peer", TRUE, &config,
      &callbacks, NULL);
  gst_caps_unref (config.video_caps);
  gst_caps_unref (config.audio_caps);
  return link;
}

typedef struct
{
  F2fPeerLink *link;
  GMutex lock;
  GCond cond;                   /* signalled after each sample */
  gint samples;                 /* finished samples (lock) */
  gint longest_ms;              /* the slowest sample (atomic) */
  gint stop;                    /* (atomic) */
} Sampler;

static gpointer
sample_loop (gpointer data)
{
  Sampler *s = data;

  while (!g_atomic_int_get (&s->stop)) {
    GstF2fLinkSample sample = { 0 };
    gint64 start = g_get_monotonic_time ();
    gint ms;

    f2f_peer_link_sample (s->link, &sample);
    gst_f2f_link_sample_clear (&sample);
    ms = (g_get_monotonic_time () - start) / 1000;
    if (ms > g_atomic_int_get (&s->longest_ms))
      g_atomic_int_set (&s->longest_ms, ms);
    g_mutex_lock (&s->lock);
    s->samples++;
    g_cond_signal (&s->cond);
    g_mutex_unlock (&s->lock);
  }
  return NULL;
}

/* webrtcbin 1.22 never answers a statistics request that is still queued
 * when it closes. A sample taken while a link went down waited for ever,
 * and with it f2ftopology's worker and the pipeline's way to NULL (a CI
 * run hung so). Sampling while webrtcbin closes again and again: every
 * sample must come back, the unanswered ones after the link's deadline. */
GST_START_TEST (test_sample_while_closing)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  Sampler s = { 0 };
  GstElement *webrtc;
  GThread *thread;
  guint cycle;

  g_mutex_init (&s.lock);
  g_cond_init (&s.cond);
  s.link = make_link (pipeline, 0, 0);
  fail_unless (s.link != NULL);
  webrtc = f2f_peer_link_get_webrtcbin (s.link);
  gst_element_set_state (webrtc, GST_STATE_READY);
  thread = g_thread_new ("sampler", sample_loop, &s);

  /* until one request was left unanswered (seen within a few cycles) */
  for (cycle = 0; cycle < 300 && g_atomic_int_get (&s.longest_ms) < 1000;
      cycle++) {
    gint before, after;
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC *
        (g_getenv ("F2F_UNDER_VALGRIND") ? 10 : 1);

    g_mutex_lock (&s.lock);
    before = s.samples;
    g_mutex_unlock (&s.lock);
    gst_element_set_state (webrtc, GST_STATE_NULL);
    gst_element_set_state (webrtc, GST_STATE_READY);
    g_mutex_lock (&s.lock);
    while (s.samples == before
        && g_cond_wait_until (&s.cond, &s.lock, deadline));
    after = s.samples;
    g_mutex_unlock (&s.lock);
    fail_unless (after > before,
        "cycle %u: a sample of the link did not come back within 5 s", cycle);
  }
  GST_INFO ("%u cycles, %d samples, the slowest %d ms", cycle, s.samples,
      s.longest_ms);

  g_atomic_int_set (&s.stop, 1);
  g_thread_join (thread);
  g_mutex_clear (&s.lock);
  g_cond_clear (&s.cond);
  f2f_peer_link_destroy (s.link);
  f2f_peer_link_unref (s.link);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* What the link changes in the elements webrtcbin makes: its clocksyncs
 * never wait for the clock, its RTP sessions pass a new stream's first
 * packet on at once (no probation; SRTP has authenticated it), its
 * jitterbuffers start with the first packets in sequence and its ICE agent
 * paces checks at the given Ta when the profile asks for it (lan: 1 packet,
 * 5 ms; wan: neither, so libnice's 20 ms). */
GST_START_TEST (test_webrtcbin_elements)
{
  guint packets[] = { 0, 1 }, pacing[] = { 0, 5 }, i;

  for (i = 0; i < G_N_ELEMENTS (packets); i++) {
    GstElement *pipeline = gst_pipeline_new (NULL);
    F2fPeerLink *link = make_link (pipeline, packets[i], pacing[i]);
    GstElement *webrtc = f2f_peer_link_get_webrtcbin (link);
    GObject *ice = NULL, *agent = NULL;
    guint ta;
    GstElement *inner = gst_bin_new (NULL);
    GstElement *jb = gst_element_factory_make ("rtpjitterbuffer", NULL);
    GstElement *sync = gst_element_factory_make ("clocksync", NULL);
    GstElement *session = gst_element_factory_make ("rtpsession", NULL);
    guint faststart, probation;
    gboolean syncs;

    /* as rtpbin and the transport bins add theirs, one bin down */
    gst_bin_add (GST_BIN (webrtc), inner);
    gst_bin_add_many (GST_BIN (inner), jb, sync, session, NULL);
    g_object_get (jb, "faststart-min-packets", &faststart, NULL);
    g_object_get (sync, "sync", &syncs, NULL);
    g_object_get (session, "probation", &probation, NULL);
    fail_unless_equals_int (faststart, packets[i]);
    fail_if (syncs, "a clocksync inside webrtcbin still syncs");
    fail_unless_equals_int (probation, 0);
    g_object_get (webrtc, "ice-agent", &ice, NULL);
    g_object_get (ice, "agent", &agent, NULL);
    g_object_get (agent, "stun-pacing-timer", &ta, NULL);
    fail_unless_equals_int (ta, pacing[i] ? pacing[i] : 20);
    g_object_unref (agent);
    g_object_unref (ice);

    gst_bin_remove (GST_BIN (webrtc), inner);
    f2f_peer_link_destroy (link);
    f2f_peer_link_unref (link);
    gst_object_unref (pipeline);
  }
}

GST_END_TEST;

/* The jitterbuffer's own thread is held while it pushes the stream-start
 * event until the first packet reaches the jitterbuffer, so that packet
 * arrives with the caps and segment events still queued ahead of it: what
 * happens in a loaded receiver (docs/architecture.md, "Starting a stream
 * with its first packets"). */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean arrived;             /* the first packet reached the sink pad */
} Door;

static GstPadProbeReturn
hold_stream_start (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Door *door = user_data;
  gint64 until = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) !=
      GST_EVENT_STREAM_START)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&door->lock);
  while (!door->arrived && g_cond_wait_until (&door->cond, &door->lock,
          until));
  g_mutex_unlock (&door->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
packet_arrives (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Door *door = user_data;

  g_mutex_lock (&door->lock);
  door->arrived = TRUE;
  g_cond_broadcast (&door->cond);
  g_mutex_unlock (&door->lock);
  return GST_PAD_PROBE_REMOVE;
}

/* A stream whose first frame is a single packet starts with that packet,
 * not after the jitterbuffer's latency, even when the jitterbuffer had not
 * pushed the stream's first events yet. The harness's clock never moves,
 * so without the fast start the packet would never come out. */
GST_START_TEST (test_first_packet_starts_stream)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  F2fPeerLink *link = make_link (pipeline, 1, 5);
  GstElement *inner = gst_bin_new (NULL);
  GstElement *jb = gst_element_factory_make ("rtpjitterbuffer", NULL);
  GstPad *sink = gst_element_get_static_pad (jb, "sink");
  GstPad *src = gst_element_get_static_pad (jb, "src");
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstBuffer *packet, *out = NULL;
  GstHarness *h;
  Door door = { 0 };
  gint64 deadline;

  g_mutex_init (&door.lock);
  g_cond_init (&door.cond);
  /* before the link's own probes, so it runs first */
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, packet_arrives, &door,
      NULL);
  g_object_set (jb, "latency", 1000, NULL);
  gst_object_ref (jb);
  gst_bin_add (GST_BIN (f2f_peer_link_get_webrtcbin (link)), inner);
  gst_bin_add (GST_BIN (inner), jb);
  gst_bin_remove (GST_BIN (inner), jb);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      hold_stream_start, &door, NULL);

  h = gst_harness_new_with_element (jb, "sink", "src");
  gst_harness_set_src_caps_str (h, VIDEO_CAPS);

  packet = gst_rtp_buffer_new_allocate (100, 0, 0);
  fail_unless (gst_rtp_buffer_map (packet, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_payload_type (&rtp, 96);
  gst_rtp_buffer_set_seq (&rtp, 1000);
  gst_rtp_buffer_set_timestamp (&rtp, 90000);
  gst_rtp_buffer_set_ssrc (&rtp, 0x1234);
  gst_rtp_buffer_set_marker (&rtp, TRUE);
  gst_rtp_buffer_unmap (&rtp);
  GST_BUFFER_DTS (packet) = GST_BUFFER_PTS (packet) = 0;
  fail_unless_equals_int (gst_harness_push (h, packet), GST_FLOW_OK);

  /* without fast start it never comes (the harness clock does not move);
   * with it, at once, but valgrind can make "at once" take a while */
  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND *
      (g_getenv ("F2F_UNDER_VALGRIND") ? 10 : 1);
  while (out == NULL && g_get_monotonic_time () < deadline)
    out = gst_harness_try_pull (h);
  fail_unless (out != NULL, "the stream's only packet did not come out "
      "of the jitterbuffer before its latency");
  gst_buffer_unref (out);

  gst_harness_teardown (h);
  gst_object_unref (jb);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_bin_remove (GST_BIN (f2f_peer_link_get_webrtcbin (link)), inner);
  f2f_peer_link_destroy (link);
  f2f_peer_link_unref (link);
  gst_object_unref (pipeline);
  g_mutex_clear (&door.lock);
  g_cond_clear (&door.cond);
}

GST_END_TEST;

typedef struct
{
  F2fPeerLink *link;
  GMutex lock;
  GCond cond;
  gboolean done;                /* protected by lock */
} Teardown;

static gpointer
teardown_link (gpointer data)
{
  Teardown *t = data;

  f2f_peer_link_destroy (t->link);
  f2f_peer_link_unref (t->link);
  g_mutex_lock (&t->lock);
  t->done = TRUE;
  g_cond_signal (&t->cond);
  g_mutex_unlock (&t->lock);
  return NULL;
}

/* An element inside webrtcbin that webrtcbin's own NULL state change left
 * running, as 1.22 can leave its sctpenc (its start-up from webrtcbin's
 * thread races with the state change; docs/architecture.md): tearing the
 * link down must still stop it, else dropping webrtcbin joins its
 * streaming thread for ever. The straggler here is a locked appsrc, whose
 * thread waits for data like sctpenc's. */
GST_START_TEST (test_teardown_with_running_child)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  Teardown t = { make_link (pipeline, 1, 5) };
  GstElement *inner = gst_bin_new (NULL);
  GstElement *straggler = gst_element_factory_make ("appsrc", NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GThread *thread;
  gint64 deadline;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_bin_add (GST_BIN (f2f_peer_link_get_webrtcbin (t.link)), inner);
  gst_bin_add_many (GST_BIN (inner), straggler, sink, NULL);
  fail_unless (gst_element_link (straggler, sink));
  gst_element_set_locked_state (straggler, TRUE);
  gst_element_set_locked_state (sink, TRUE);
  gst_element_set_state (sink, GST_STATE_PLAYING);
  fail_unless (gst_element_set_state (straggler, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  g_mutex_init (&t.lock);
  g_cond_init (&t.cond);
  thread = g_thread_new ("teardown", teardown_link, &t);
  deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  g_mutex_lock (&t.lock);
  while (!t.done && g_cond_wait_until (&t.cond, &t.lock, deadline));
  g_mutex_unlock (&t.lock);
  fail_unless (t.done, "tearing the link down hangs on an element "
      "webrtcbin left running");
  g_thread_join (thread);
  /* the webrtcbin is freed on the reaper thread: it must get there too */
  fail_unless (f2f_peer_link_wait_reaped (5000), "the link's webrtcbin was "
      "not freed: its finalization joins the straggler's thread");
  g_mutex_clear (&t.lock);
  g_cond_clear (&t.cond);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* f2fsignal's private thread drops links' last references (heartbeat_cb
 * after a rebuild, for one), and state changes wait for that thread
 * (f2f_worker_call_sync). A webrtcbin's finalization can wait too:
 * finalizing a pad joins its task. Tearing down a 4-mixer room, such a
 * join never returned, the private thread never ran PLAYING→PAUSED's work,
 * and the pipeline never stopped (issue 14). Whatever a webrtcbin's
 * finalization waits for, the private thread must stay free: here the
 * finalization waits for the test (a weak reference's notify, which runs
 * inside it, holds it), and while it is held the private thread must still
 * run what a state change asks of it. Before the fix webrtcbin was
 * finalized on the private thread and this failed. */
typedef struct
{
  GstElement *pipeline;
  F2fPeerLink *link;
  GMutex lock;
  GCond cond;
  GThread *finalizer;           /* lock: the thread finalizing webrtcbin */
  gboolean released, finalized, answered;       /* lock */
} Hold;

static void
hold_finalization (gpointer data, GObject * webrtc)
{
  Hold *h = data;
  /* bounded, so that a build without the fix fails instead of hanging */
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&h->lock);
  h->finalizer = g_thread_self ();
  g_cond_broadcast (&h->cond);
  while (!h->released && g_cond_wait_until (&h->cond, &h->lock, deadline));
  h->finalized = TRUE;
  g_cond_broadcast (&h->cond);
  g_mutex_unlock (&h->lock);
}

static gboolean
make_link_on_thread (gpointer data)
{
  Hold *h = data;

  h->link = make_link (h->pipeline, 1, 5);
  g_object_weak_ref (G_OBJECT (f2f_peer_link_get_webrtcbin (h->link)),
      hold_finalization, h);
  return G_SOURCE_REMOVE;
}

/* @data: a link; as heartbeat_cb's rebuild does */
static gboolean
drop_link_on_thread (gpointer data)
{
  F2fPeerLink *link = data;

  f2f_peer_link_destroy (link);
  f2f_peer_link_unref (link);
  return G_SOURCE_REMOVE;
}

/* what a state change asks of the private thread */
static gboolean
answer_on_thread (gpointer data)
{
  Hold *h = data;

  g_mutex_lock (&h->lock);
  h->answered = TRUE;
  g_cond_broadcast (&h->cond);
  g_mutex_unlock (&h->lock);
  return G_SOURCE_REMOVE;
}

/* waits for @flag (lock held by the caller) until @s seconds passed */
static gboolean
hold_wait (Hold * h, gboolean * flag, gint s)
{
  gint64 deadline = g_get_monotonic_time () + s * G_TIME_SPAN_SECOND;

  while (!*flag && g_cond_wait_until (&h->cond, &h->lock, deadline));
  return *flag;
}

GST_START_TEST (test_last_unref_never_waits_for_webrtcbin)
{
  Hold h = { gst_pipeline_new (NULL) };
  F2fWorker *worker = f2f_worker_start ("private", NULL, NULL, NULL);
  GMainContext *context = f2f_worker_get_context (worker);
  gboolean entered, answered;

  g_mutex_init (&h.lock);
  g_cond_init (&h.cond);
  f2f_worker_call_sync (worker, make_link_on_thread, &h);
  f2f_context_call (context, drop_link_on_thread, h.link, NULL);

  g_mutex_lock (&h.lock);
  entered = hold_wait (&h, (gboolean *) & h.finalizer, 5);
  g_mutex_unlock (&h.lock);
  fail_unless (entered, "the link's webrtcbin was never finalized");

  f2f_context_call (context, answer_on_thread, &h, NULL);
  g_mutex_lock (&h.lock);
  answered = hold_wait (&h, &h.answered, 2);
  h.released = TRUE;
  g_cond_broadcast (&h.cond);
  fail_unless (hold_wait (&h, &h.finalized, 5));
  g_mutex_unlock (&h.lock);
  fail_unless (answered, "the private thread was stuck in a webrtcbin's "
      "finalization: a state change waiting for it would hang");
  fail_unless (f2f_peer_link_wait_reaped (5000));

  f2f_worker_stop (worker);
  gst_element_set_state (h.pipeline, GST_STATE_NULL);
  gst_object_unref (h.pipeline);
  g_mutex_clear (&h.lock);
  g_cond_clear (&h.cond);
}

GST_END_TEST;

/* A link given up for not connecting says where it stuck (2 of 6 rooms of
 * 7 peers had one; the reason is what a person gets to go on). */
GST_START_TEST (test_describe)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  F2fPeerLink *link = make_link (pipeline, 0, 0);
  g_autofree gchar *where = NULL;

  fail_unless (link != NULL);
  where = f2f_peer_link_describe (link);
  GST_INFO ("a new link: %s", where);
  fail_unless (strstr (where, "signaling stable") != NULL, "%s", where);
  fail_unless (strstr (where, "remote description not set") != NULL, "%s",
      where);
  fail_unless (strstr (where, "ICE new") != NULL, "%s", where);
  fail_unless (strstr (where, "connection new") != NULL, "%s", where);
  f2f_peer_link_destroy (link);
  g_free (where);
  where = f2f_peer_link_describe (link);
  fail_unless_equals_string (where, "gone");
  f2f_peer_link_unref (link);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* A link made while the pipeline went from PAUSED to PLAYING could be left
 * in PAUSED (its sync to the parent's state and the pipeline's change
 * crossed): its nicesink then held the DTLS server's answer for ever and
 * the link stuck at "ICE completed, DTLS connecting" for 10 s (1 link in
 * about 6 rooms of 7 peers). What the crossing leaves is built on purpose:
 * the webrtcbin is kept out of the pipeline's change (locked) and left in
 * PAUSED, as the race leaves it; catching up must bring it to PLAYING,
 * and leave alone a link that is where it should be. */
GST_START_TEST (test_catch_up_state)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  F2fPeerLink *link = make_link (pipeline, 0, 0);
  GstElement *webrtc;
  GstState state = GST_STATE_VOID_PENDING;

  fail_unless (link != NULL);
  webrtc = f2f_peer_link_get_webrtcbin (link);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  fail_if (f2f_peer_link_catch_up_state (link), "a playing link was caught "
      "up");

  gst_element_set_locked_state (webrtc, TRUE);
  gst_element_set_state (webrtc, GST_STATE_PAUSED);
  gst_element_set_locked_state (webrtc, FALSE);
  gst_element_get_state (webrtc, &state, NULL, 5 * GST_SECOND);
  fail_unless_equals_int (state, GST_STATE_PAUSED);

  fail_unless (f2f_peer_link_catch_up_state (link), "a webrtcbin left in "
      "PAUSED in a playing pipeline was not caught up");
  fail_unless_equals_int (gst_element_get_state (webrtc, &state, NULL,
          5 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (state, GST_STATE_PLAYING);
  fail_if (f2f_peer_link_catch_up_state (link));

  gst_element_set_state (pipeline, GST_STATE_NULL);
  f2f_peer_link_destroy (link);
  f2f_peer_link_unref (link);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* Chromium offers H.264 as 102 with profile-level-id 42001f ("baseline" as
 * GStreamer reads it) and 108 with 42e01f ("constrained-baseline"); f2f's
 * sender is 102 and what x264 and rtph264pay make says 42c014,
 * "constrained-baseline". webrtcbin 1.22 matches an offered section
 * against the caps its sink pad has received once it has any, and against
 * the codec preferences only before: 102's profile differs and 108's
 * payload type does, so caps that reach webrtcbin between the offer and
 * the answer leave our H.264 sender out, and the answer's video is
 * receive-only (browser/interop, about 1 run in 15: Chromium decoded no
 * picture from the gst peer for the whole call; its log showed the caps
 * arriving 2 ms before the answer was made). f2fsignal links the encoder's
 * video to a link when the link starts connecting (behind a gate that holds
 * buffers, not the caps before them), so the answerer must start
 * connecting only once its answer is made. Here the encoder's caps go to
 * the link, and reach webrtcbin, the moment the link says "connecting". */
#define H264_RTP_CAPS "application/x-rtp,media=video,encoding-name=H264," \
    "payload=102,clock-rate=90000,packetization-mode=(string)1"

typedef struct
{
  GMutex lock;
  GCond cond;
  GstElement *pipeline;
  GstCaps *h264;                /* the encoder's caps */
  F2fPeerLink *link;
  gchar *offer;
  gchar *answer;
  gboolean caps_before_answer;
} Answering;

/* x264's caps as f2fsignal's encoder makes them (f2fencode.c). */
static GstCaps *
x264_caps (void)
{
  GstElement *p = gst_parse_launch ("videotestsrc num-buffers=1 ! "
      "video/x-raw,width=160,height=120,framerate=10/1 ! x264enc "
      "tune=zerolatency speed-preset=ultrafast ! video/x-h264,"
      "profile=constrained-baseline,stream-format=avc,alignment=au ! "
      "fakesink name=sink", NULL);
  GstElement *sink;
  GstPad *pad;
  GstMessage *msg;
  GstCaps *caps;

  fail_unless (p != NULL);
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (p), 10 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  caps = gst_pad_get_current_caps (pad);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  fail_unless (caps != NULL);
  return caps;
}

static void
answering_signal (F2fPeerLink * link, GstF2fMessage * msg, gpointer user_data)
{
  Answering *a = user_data;

  if (msg->type != GST_F2F_MESSAGE_ANSWER)
    return;
  g_mutex_lock (&a->lock);
  a->answer = g_strdup (msg->sdp);
  g_cond_broadcast (&a->cond);
  g_mutex_unlock (&a->lock);
}

static void
answering_state (F2fPeerLink * link, F2fLinkState state, const gchar * why,
    gpointer user_data)
{
  Answering *a = user_data;
  GstElement *webrtc = f2f_peer_link_get_webrtcbin (link);
  GstPad *sink, *webrtc_sink;
  GstSegment segment;
  GstCaps *arrived = NULL;
  gint64 deadline;

  if (state != F2F_LINK_CONNECTING)
    return;
  sink = f2f_peer_link_get_sink (link, "video");
  gst_pad_send_event (sink, gst_event_new_stream_start ("camera"));
  gst_pad_send_event (sink, gst_event_new_caps (a->h264));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_send_event (sink, gst_event_new_segment (&segment));
  gst_object_unref (sink);
  /* the link's queue carries them to the payloader, whose caps go on to
   * webrtcbin: wait for them there (this is the link's own thread, so an
   * answer cannot be made meanwhile unless it was already) */
  webrtc_sink = gst_element_get_static_pad (webrtc, "sink_0");
  deadline = g_get_monotonic_time () + 2 * G_TIME_SPAN_SECOND;
  while ((arrived = gst_pad_get_current_caps (webrtc_sink)) == NULL
      && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  gst_object_unref (webrtc_sink);
  fail_unless (arrived != NULL, "the encoder's caps never reached webrtcbin");
  gst_caps_unref (arrived);
  g_mutex_lock (&a->lock);
  a->caps_before_answer = a->answer == NULL;
  g_mutex_unlock (&a->lock);
}

static void
offer_created (GstPromise * promise, gpointer user_data)
{
  Answering *a = user_data;
  GstWebRTCSessionDescription *desc = NULL;

  gst_structure_get (gst_promise_get_reply (promise), "offer",
      GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  gst_promise_unref (promise);
  g_mutex_lock (&a->lock);
  a->offer = desc ? gst_sdp_message_as_text (desc->sdp) : g_strdup ("");
  g_cond_broadcast (&a->cond);
  g_mutex_unlock (&a->lock);
  if (desc)
    gst_webrtc_session_description_free (desc);
}

static gboolean
make_answerer_on_thread (gpointer data)
{
  Answering *a = data;
  F2fPeerLinkConfig config = { 0 };
  F2fPeerLinkCallbacks callbacks = { 0 };

  config.latency_ms = 40;
  config.first_packet_wait_ms = 2000;
  config.video_caps = gst_caps_from_string (H264_RTP_CAPS);
  config.audio_caps = gst_caps_from_string ("application/x-rtp,media=audio,"
      "encoding-name=OPUS,payload=97,clock-rate=48000");
  config.video_payloader = "rtph264pay";
  callbacks.send_signal = answering_signal;
  callbacks.state_changed = answering_state;
  a->link = f2f_peer_link_new (GST_BIN (a->pipeline), "chromium", "Chromium",
      FALSE, &config, &callbacks, a);
  /* as f2fsignal does for a link made in PLAYING */
  f2f_peer_link_catch_up_state (a->link);
  gst_caps_unref (config.video_caps);
  gst_caps_unref (config.audio_caps);
  return G_SOURCE_REMOVE;
}

static gboolean
offer_on_thread (gpointer data)
{
  Answering *a = data;
  GstF2fMessage *offer = gst_f2f_message_new_sdp (GST_F2F_MESSAGE_OFFER,
      "chromium", a->offer);

  f2f_peer_link_handle_signal (a->link, offer);
  gst_f2f_message_free (offer);
  return G_SOURCE_REMOVE;
}

/* The video section of @sdp (up to the next section), or NULL. */
static gchar *
video_section (const gchar * sdp)
{
  const gchar *start = strstr (sdp, "m=video");
  const gchar *end = start ? strstr (start + 1, "\nm=") : NULL;

  if (start == NULL)
    return NULL;
  return end ? g_strndup (start, end - start) : g_strdup (start);
}

GST_START_TEST (test_answer_keeps_h264_sender)
{
  Answering a = { 0 };
  F2fWorker *worker;
  GstElement *offerer, *chromium;
  GstWebRTCRTPTransceiver *trans = NULL;
  GstCaps *caps;
  GstPromise *promise;
  g_autofree gchar *video = NULL;
  gint64 deadline;

  if (!gst_registry_check_feature_version (gst_registry_get (), "x264enc", 1,
          0, 0)) {
    GST_INFO ("no x264enc: skipped");
    return;
  }
  a.h264 = x264_caps ();
  /* Chromium's offer, as far as the codecs go */
  offerer = gst_pipeline_new (NULL);
  chromium = gst_element_factory_make ("webrtcbin", NULL);
  gst_bin_add (GST_BIN (offerer), chromium);
  gst_element_set_state (offerer, GST_STATE_PLAYING);
  caps = gst_caps_from_string ("application/x-rtp,media=video,"
      "encoding-name=VP8,payload=96,clock-rate=90000; application/x-rtp,"
      "media=video,encoding-name=H264,payload=102,clock-rate=90000,"
      "packetization-mode=(string)1,profile-level-id=(string)42001f,"
      "level-asymmetry-allowed=(string)1; application/x-rtp,media=video,"
      "encoding-name=H264,payload=108,clock-rate=90000,"
      "packetization-mode=(string)1,profile-level-id=(string)42e01f,"
      "level-asymmetry-allowed=(string)1");
  g_signal_emit_by_name (chromium, "add-transceiver",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, caps, &trans);
  gst_caps_unref (caps);
  gst_clear_object (&trans);
  caps = gst_caps_from_string ("application/x-rtp,media=audio,"
      "encoding-name=OPUS,payload=111,clock-rate=48000");
  g_signal_emit_by_name (chromium, "add-transceiver",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, caps, &trans);
  gst_caps_unref (caps);
  gst_clear_object (&trans);
  g_mutex_init (&a.lock);
  g_cond_init (&a.cond);
  promise = gst_promise_new_with_change_func (offer_created, &a, NULL);
  g_signal_emit_by_name (chromium, "create-offer", NULL, promise);
  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND *
      (g_getenv ("F2F_UNDER_VALGRIND") ? 10 : 1);
  g_mutex_lock (&a.lock);
  while (a.offer == NULL && g_cond_wait_until (&a.cond, &a.lock, deadline));
  g_mutex_unlock (&a.lock);
  fail_unless (a.offer && strstr (a.offer, "H264/90000") != NULL, "offer: %s",
      a.offer);

  a.pipeline = gst_pipeline_new (NULL);
  gst_element_set_state (a.pipeline, GST_STATE_PLAYING);
  worker = f2f_worker_start ("private", NULL, NULL, NULL);
  f2f_worker_call_sync (worker, make_answerer_on_thread, &a);
  f2f_context_call (f2f_worker_get_context (worker), offer_on_thread, &a,
      NULL);
  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND *
      (g_getenv ("F2F_UNDER_VALGRIND") ? 10 : 1);
  g_mutex_lock (&a.lock);
  while (a.answer == NULL && g_cond_wait_until (&a.cond, &a.lock, deadline));
  g_mutex_unlock (&a.lock);
  fail_unless (a.answer != NULL, "no answer within 10 s");
  video = video_section (a.answer);
  fail_unless (video && strstr (video, "a=sendrecv")
      && strstr (video, "H264/90000"), "the answer's video is not our H.264 "
      "sender (the encoder's caps reached webrtcbin %s the answer was "
      "made):\n%s", a.caps_before_answer ? "before" : "after",
      video ? video : a.answer);

  f2f_worker_call_sync (worker, drop_link_on_thread, a.link);
  f2f_worker_stop (worker);
  gst_element_set_state (a.pipeline, GST_STATE_NULL);
  gst_object_unref (a.pipeline);
  gst_element_set_state (offerer, GST_STATE_NULL);
  gst_object_unref (offerer);
  gst_caps_unref (a.h264);
  g_free (a.offer);
  g_free (a.answer);
  g_mutex_clear (&a.lock);
  g_cond_clear (&a.cond);
}

GST_END_TEST;

/* The value of the first a=fingerprint line of @sdp, or NULL. */
static gchar *
sdp_fingerprint (const gchar * sdp)
{
  const gchar *at = sdp ? strstr (sdp, "a=fingerprint:") : NULL;

  if (at == NULL)
    return NULL;
  at += strlen ("a=fingerprint:");
  return g_strndup (at, strcspn (at, "\r\n"));
}

/* The certificate a link presents is the one f2fsignal's dtls-key asks
 * for: ECDSA P-256 (a handshake of fewer datagrams; see f2fdtlscert.c),
 * or webrtcbin's RSA-2048. Two links shake hands over loopback; each names
 * the key the other presented, and the fingerprint each announced is the
 * certificate's (webrtcbin's own is not, for ours). */
/* The first SSRC the media section of kind @kind names in @sdp_text. */
static guint
first_ssrc (const gchar * sdp_text, const gchar * kind)
{
  GstSDPMessage *sdp = NULL;
  guint i, j, ssrc = 0;

  fail_unless (gst_sdp_message_new_from_text (sdp_text, &sdp) == GST_SDP_OK);
  for (i = 0; i < gst_sdp_message_medias_len (sdp) && ssrc == 0; i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

    if (g_strcmp0 (gst_sdp_media_get_media (media), kind) != 0)
      continue;
    for (j = 0; j < gst_sdp_media_attributes_len (media) && ssrc == 0; j++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, j);
      if (g_strcmp0 (a->key, "ssrc") == 0)
        ssrc = (guint) g_ascii_strtoull (a->value, NULL, 10);
    }
  }
  gst_sdp_message_free (sdp);
  return ssrc;
}

static gboolean
retransmits (GstElement * jitterbuffer)
{
  gboolean on;

  g_object_get (jitterbuffer, "do-retransmission", &on, NULL);
  return on;
}

/* NACK per stream (docs/architecture.md): the answerer's jitterbuffer for
 * the offerer's video asks for lost packets again, the one for its audio
 * never; both start paused and video follows f2f_peer_link_pause_nack.
 * webrtcbin alone (1.22) gave every stream of the bundle the last
 * transceiver's setting, audio's: video was never NACKed (integration/
 * network printed 0 retransmissions under loss). The jitterbuffers are
 * announced as rtpbin announces a new stream's. */
GST_START_TEST (test_nack_per_stream)
{
  F2fLinkPair *pair = f2f_link_pair_new (NULL, NULL, NULL);
  g_autofree gchar *why = NULL;
  F2fPeerLink *link;
  GstElement *rtpbin, *video, *audio;
  guint video_ssrc, audio_ssrc;

  fail_unless (f2f_link_pair_wait (pair, 20000, &why), "the two links did "
      "not connect: %s", why);
  video_ssrc = first_ssrc (f2f_link_pair_sent_sdp (pair, 0), "video");
  audio_ssrc = first_ssrc (f2f_link_pair_sent_sdp (pair, 0), "audio");
  fail_unless (video_ssrc != 0 && audio_ssrc != 0, "no a=ssrc in the offer: "
      "%s", f2f_link_pair_sent_sdp (pair, 0));
  link = f2f_link_pair_get_link (pair, 1);
  rtpbin = gst_bin_get_by_name (GST_BIN (f2f_peer_link_get_webrtcbin (link)),
      "rtpbin");
  fail_unless (rtpbin != NULL);
  video = gst_object_ref_sink (gst_element_factory_make ("rtpjitterbuffer",
          NULL));
  audio = gst_object_ref_sink (gst_element_factory_make ("rtpjitterbuffer",
          NULL));
  g_signal_emit_by_name (rtpbin, "new-jitterbuffer", video, 0, video_ssrc);
  g_signal_emit_by_name (rtpbin, "new-jitterbuffer", audio, 0, audio_ssrc);
  fail_if (retransmits (video) || retransmits (audio), "NACK before loss");

  f2f_peer_link_pause_nack (link, FALSE);
  fail_unless (retransmits (video), "the video stream is not NACKed");
  fail_if (retransmits (audio), "the audio stream is NACKed");
  f2f_peer_link_pause_nack (link, TRUE);
  fail_if (retransmits (video), "NACK not paused");

  gst_object_unref (video);
  gst_object_unref (audio);
  gst_object_unref (rtpbin);
  f2f_peer_link_unref (link);
  f2f_link_pair_free (pair);
}

GST_END_TEST;


GST_START_TEST (test_dtls_key)
{
  const struct
  {
    F2fDtlsKey key;
    const gchar *expect;
  } rows[] = {
    {F2F_DTLS_KEY_ECDSA_P256, "the peer's key: ECDSA P-256"},
    {F2F_DTLS_KEY_RSA_2048, "the peer's key: RSA 2048"},
  };
  guint r;

  for (r = 0; r < G_N_ELEMENTS (rows); r++) {
    const gchar *pem = f2f_dtls_certificate_pem (rows[r].key);
    F2fLinkPair *pair;
    g_autofree gchar *why = NULL;
    gint i;

    fail_unless ((pem != NULL) == (rows[r].key == F2F_DTLS_KEY_ECDSA_P256));
    if (pem) {
      g_autofree gchar *own = f2f_dtls_certificate_describe (pem);
      fail_unless_equals_string (own, "ECDSA P-256");
      /* made once per process */
      fail_unless (f2f_dtls_certificate_pem (rows[r].key) == pem);
    }
    pair = f2f_link_pair_new (pem, NULL, NULL);
    fail_unless (f2f_link_pair_wait (pair, 20000, &why), "%s: the two links "
        "did not connect in 20 s (%s)", rows[r].expect, why);
    for (i = 0; i < 2; i++) {
      const gchar *seen = f2f_link_pair_described (pair, i);
      g_autofree gchar *announced =
          sdp_fingerprint (f2f_link_pair_sent_sdp (pair, 1 - i));
      g_autofree gchar *actual =
          f2f_dtls_certificate_fingerprint (f2f_link_pair_presented (pair, i));

      fail_unless (strstr (seen, rows[r].expect) != NULL,
          "link %d: wanted '%s' in: %s", i, rows[r].expect, seen);
      /* what a browser checks before it accepts the handshake */
      fail_unless (announced && actual, "link %d: no fingerprint (%s) or "
          "no certificate (%s)", i, announced, actual);
      fail_unless_equals_string (announced, actual);
    }
    f2f_link_pair_free (pair);
  }
}

GST_END_TEST;

/* A network that loses the first copy of every DTLS handshake datagram:
 * a probe on each side's nicesink drops a handshake datagram unless it is
 * the same as the one just before it. f2f's links, which send each
 * handshake datagram twice (send_handshake_twice, f2fpeerlink.c), connect
 * through it; links that send each once lose every flight, OpenSSL's
 * retransmissions included (each is a new record), and do not connect —
 * which is what one lost flight costs them, a second at a time, on a
 * lossy network. */
typedef struct
{
  GMutex lock;
  GBytes *last[2];
  guint dropped[2], passed[2];
} FirstCopyLoss;

static FirstCopyLoss *first_copy_loss;

static GstPadProbeReturn
lose_first_copy (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  FirstCopyLoss *l = first_copy_loss;
  gint side = GPOINTER_TO_INT (user_data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  guint8 first = 0;
  GBytes *bytes;
  gboolean drop;
  GstMapInfo map;

  /* (handshake and change_cipher_spec records; an alert at the end is
   * sent once and let through) */
  if (l == NULL || !(info->type & GST_PAD_PROBE_TYPE_BUFFER)
      || gst_buffer_extract (buf, 0, &first, 1) != 1 || (first != 20
          && first != 22) || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  g_mutex_lock (&l->lock);
  drop = l->last[side] == NULL || !g_bytes_equal (l->last[side], bytes);
  g_clear_pointer (&l->last[side], g_bytes_unref);
  if (drop) {
    l->last[side] = bytes;
    l->dropped[side]++;
  } else {
    g_bytes_unref (bytes);
    l->passed[side]++;
  }
  g_mutex_unlock (&l->lock);
  return drop ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

static void
lose_first_copies (GstElement * pipeline, gint side, gpointer data)
{
  f2f_link_pair_watch_nicesinks (pipeline, side, lose_first_copy);
}

GST_START_TEST (test_dtls_handshake_sent_twice)
{
  const gchar *pem = f2f_dtls_certificate_pem (F2F_DTLS_KEY_ECDSA_P256);
  FirstCopyLoss loss = { 0, };
  F2fLinkPair *pair;
  g_autofree gchar *why = NULL;
  gint once, i;

  g_mutex_init (&loss.lock);
  for (once = 0; once < 2; once++) {
    memset (loss.dropped, 0, sizeof (loss.dropped));
    memset (loss.passed, 0, sizeof (loss.passed));
    first_copy_loss = &loss;
    pair = f2f_link_pair_new_full (pem, once, lose_first_copies, NULL);
    if (!once) {
      fail_unless (f2f_link_pair_wait (pair, 20000, &why), "links that send "
          "each handshake datagram twice did not connect when the first "
          "copy of each was lost: %s", why);
    } else {
      /* (6 s: OpenSSL resends after 1, 2 and 4 s; each of those lost too) */
      fail_if (f2f_link_pair_wait (pair, 6000, NULL), "links that send each "
          "handshake datagram once connected although every one was lost");
    }
    f2f_link_pair_free (pair);
    first_copy_loss = NULL;
    /* (sent once, the client's first flight is lost, and the server,
     * hearing nothing, sends nothing) */
    fail_unless (loss.dropped[0] + loss.dropped[1] > 0, "no handshake "
        "datagram was sent");
    for (i = 0; i < 2; i++) {
      GST_INFO ("%s, side %d: %u handshake datagrams dropped, %u passed",
          once ? "once" : "twice", i, loss.dropped[i], loss.passed[i]);
      fail_unless (once || loss.dropped[i] > 0, "side %d sent no handshake "
          "datagram", i);
      if (once) {
        fail_unless_equals_int (loss.passed[i], 0);
      } else {
        fail_unless_equals_int (loss.passed[i], loss.dropped[i]);
      }
      g_clear_pointer (&loss.last[i], g_bytes_unref);
    }
    g_clear_pointer (&why, g_free);
  }
  g_mutex_clear (&loss.lock);
}

GST_END_TEST;

static Suite *
f2fpeerlink_suite (void)
{
  Suite *s = suite_create ("f2fpeerlink");
  TCase *tc = tcase_create ("general");

  GST_DEBUG_CATEGORY_INIT (gst_f2f_signal_debug, "f2fsignal", 0, "f2f link");
  /* (each test's own waits are ten times longer under valgrind) */
  tcase_set_timeout (tc, g_getenv ("F2F_UNDER_VALGRIND") ? 600 : 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_sample_while_closing);
  tcase_add_test (tc, test_webrtcbin_elements);
  tcase_add_test (tc, test_first_packet_starts_stream);
  tcase_add_test (tc, test_teardown_with_running_child);
  tcase_add_test (tc, test_last_unref_never_waits_for_webrtcbin);
  tcase_add_test (tc, test_describe);
  tcase_add_test (tc, test_catch_up_state);
  tcase_add_test (tc, test_answer_keeps_h264_sender);
  tcase_add_test (tc, test_dtls_key);
  tcase_add_test (tc, test_nack_per_stream);
  tcase_add_test (tc, test_dtls_handshake_sent_twice);
  return s;
}

GST_CHECK_MAIN (f2fpeerlink);
