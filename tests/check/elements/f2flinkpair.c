/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "f2flinkpair.h"

#include <gst/webrtc/webrtc.h>

#include "../../../plugins/f2f/f2fpeerlink.h"
#include "../../../plugins/f2f/f2fworker.h"

struct _F2fLinkPair
{
  F2fWorker *worker;
  GstElement *pipeline[2];
  F2fPeerLink *link[2];         /* worker thread */
  gchar *pem;
  gboolean dtls_handshake_once;
  F2fLinkPairHook hook;
  gpointer hook_data;
  GMutex lock;
  GCond cond;
  gint connected;               /* links that said so (lock) */
  gchar *failed;                /* why one failed (lock) */
  gchar *described[2], *presented[2], *sdp[2];  /* lock */
};

static gint
side_of (F2fLinkPair * p, F2fPeerLink * link)
{
  return link == p->link[0] ? 0 : 1;
}

static void
pair_signal (F2fPeerLink * link, GstF2fMessage * msg, gpointer user_data)
{
  F2fLinkPair *p = user_data;
  gint i = side_of (p, link);

  if (msg->sdp) {
    g_mutex_lock (&p->lock);
    g_free (p->sdp[i]);
    p->sdp[i] = g_strdup (msg->sdp);
    g_mutex_unlock (&p->lock);
  }
  if (p->link[1 - i])
    f2f_peer_link_handle_signal (p->link[1 - i], msg);
}

/* The certificate the peer of @link presented (webrtcbin's DTLS transport,
 * every section bundled on the first). */
static gchar *
presented_certificate (F2fPeerLink * link)
{
  GstWebRTCRTPTransceiver *trans = NULL;
  GstWebRTCRTPSender *sender = NULL;
  GstWebRTCDTLSTransport *transport = NULL;
  gchar *pem = NULL;

  g_signal_emit_by_name (f2f_peer_link_get_webrtcbin (link), "get-transceiver",
      0, &trans);
  if (trans)
    g_object_get (trans, "sender", &sender, NULL);
  if (sender)
    g_object_get (sender, "transport", &transport, NULL);
  if (transport)
    g_object_get (transport, "remote-certificate", &pem, NULL);
  g_clear_object (&transport);
  g_clear_object (&sender);
  gst_clear_object (&trans);
  return pem;
}

static void
pair_state (F2fPeerLink * link, F2fLinkState state, const gchar * why,
    gpointer user_data)
{
  F2fLinkPair *p = user_data;
  gint i = side_of (p, link);

  if (state != F2F_LINK_CONNECTED && state != F2F_LINK_FAILED)
    return;
  g_mutex_lock (&p->lock);
  if (state == F2F_LINK_CONNECTED) {
    p->connected++;
    p->described[i] = f2f_peer_link_describe (link);
    p->presented[i] = presented_certificate (link);
  } else if (p->failed == NULL) {
    p->failed = g_strdup (why ? why : "failed");
  }
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
}

/* What the peer sends ends in a fakesink, so that it flows (jitterbuffers,
 * reports) as in a room. */
static void
pair_src_pad (F2fPeerLink * link, GstPad * pad, const gchar * media,
    gpointer user_data)
{
  F2fLinkPair *p = user_data;
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");

  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (p->pipeline[side_of (p, link)]), sink);
  gst_element_sync_state_with_parent (sink);
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    GST_WARNING ("could not link %" GST_PTR_FORMAT, pad);
  gst_object_unref (sinkpad);
}

static gboolean
make_on_thread (gpointer data)
{
  static const gchar *const loopback[] = { "127.0.0.1", NULL };
  F2fLinkPair *p = data;
  F2fPeerLinkConfig config = { 0 };
  F2fPeerLinkCallbacks callbacks = { 0 };
  gint i;

  /* as f2fsignal's lan profile */
  config.latency_ms = 40;
  config.faststart_packets = 1;
  config.ice_pacing_ms = 5;
  config.local_addresses = loopback;
  config.video_caps = gst_caps_from_string ("application/x-rtp,media=video,"
      "encoding-name=VP8,payload=96,clock-rate=90000");
  config.audio_caps = gst_caps_from_string ("application/x-rtp,media=audio,"
      "encoding-name=OPUS,payload=97,clock-rate=48000");
  config.video_payloader = "rtpvp8pay";
  config.dtls_pem = p->pem;
  config.dtls_handshake_once = p->dtls_handshake_once;
  callbacks.send_signal = pair_signal;
  callbacks.state_changed = pair_state;
  callbacks.src_pad = pair_src_pad;
  for (i = 0; i < 2; i++) {
    p->pipeline[i] = gst_pipeline_new (NULL);
    if (p->hook)
      p->hook (p->pipeline[i], i, p->hook_data);
    gst_element_set_state (p->pipeline[i], GST_STATE_PLAYING);
    p->link[i] = f2f_peer_link_new (GST_BIN (p->pipeline[i]), i ? "a" : "b",
        i ? "A" : "B", i == 0, &config, &callbacks, p);
    f2f_peer_link_catch_up_state (p->link[i]);
  }
  gst_caps_unref (config.video_caps);
  gst_caps_unref (config.audio_caps);
  f2f_peer_link_start (p->link[0]);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  gint side;
  GstPadProbeCallback probe;
} NicesinkWatch;

static void
watch_nicesink (GstBin * bin, GstBin * sub, GstElement * element,
    NicesinkWatch * w)
{
  GstElementFactory *f = gst_element_get_factory (element);
  GstPad *sink;

  if (f == NULL || strcmp (GST_OBJECT_NAME (f), "nicesink") != 0
      || !(sink = gst_element_get_static_pad (element, "sink")))
    return;
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, w->probe, GINT_TO_POINTER (w->side),
      NULL);
  gst_object_unref (sink);
}

void
f2f_link_pair_watch_nicesinks (GstElement * pipeline, gint side,
    GstPadProbeCallback probe)
{
  NicesinkWatch *w = g_new0 (NicesinkWatch, 1);

  w->side = side;
  w->probe = probe;
  g_signal_connect_data (pipeline, "deep-element-added",
      G_CALLBACK (watch_nicesink), w, (GClosureNotify) g_free, 0);
}

F2fLinkPair *
f2f_link_pair_new (const gchar * pem, F2fLinkPairHook hook, gpointer data)
{
  return f2f_link_pair_new_full (pem, FALSE, hook, data);
}

F2fLinkPair *
f2f_link_pair_new_full (const gchar * pem, gboolean dtls_handshake_once,
    F2fLinkPairHook hook, gpointer data)
{
  F2fLinkPair *p = g_new0 (F2fLinkPair, 1);

  p->pem = g_strdup (pem);
  p->dtls_handshake_once = dtls_handshake_once;
  p->hook = hook;
  p->hook_data = data;
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->worker = f2f_worker_start ("private", NULL, NULL, NULL);
  f2f_worker_call_sync (p->worker, make_on_thread, p);
  return p;
}

gboolean
f2f_link_pair_wait (F2fLinkPair * p, guint timeout_ms, gchar ** why)
{
  /* (valgrind runs it some ten times slower: meson test --setup valgrind) */
  gint64 deadline = g_get_monotonic_time () + timeout_ms *
      G_TIME_SPAN_MILLISECOND * (g_getenv ("F2F_UNDER_VALGRIND") ? 10 : 1);
  gboolean ok;

  g_mutex_lock (&p->lock);
  while (p->connected < 2 && p->failed == NULL
      && g_cond_wait_until (&p->cond, &p->lock, deadline));
  ok = p->connected >= 2;
  if (!ok && why)
    *why = g_strdup (p->failed ? p->failed : "not connected in time");
  g_mutex_unlock (&p->lock);
  return ok;
}

/* set once, when side @i connected, and kept to the end */
const gchar *
f2f_link_pair_described (F2fLinkPair * p, gint i)
{
  return p->described[i];
}

const gchar *
f2f_link_pair_presented (F2fLinkPair * p, gint i)
{
  return p->presented[i];
}

const gchar *
f2f_link_pair_sent_sdp (F2fLinkPair * p, gint i)
{
  return p->sdp[i];
}

/* the link itself (a reference), while the pair lives */
F2fPeerLink *
f2f_link_pair_get_link (F2fLinkPair * p, gint i)
{
  return f2f_peer_link_ref (p->link[i]);
}

static gboolean
drop_on_thread (gpointer data)
{
  F2fLinkPair *p = data;
  F2fPeerLink *link[2] = { p->link[0], p->link[1] };
  gint i;

  p->link[0] = p->link[1] = NULL;
  for (i = 0; i < 2; i++) {
    f2f_peer_link_destroy (link[i]);
    f2f_peer_link_unref (link[i]);
  }
  return G_SOURCE_REMOVE;
}

void
f2f_link_pair_free (F2fLinkPair * p)
{
  gint i;

  f2f_worker_call_sync (p->worker, drop_on_thread, p);
  f2f_worker_stop (p->worker);
  f2f_peer_link_wait_reaped (10000);
  for (i = 0; i < 2; i++) {
    gst_element_set_state (p->pipeline[i], GST_STATE_NULL);
    gst_object_unref (p->pipeline[i]);
    g_free (p->described[i]);
    g_free (p->presented[i]);
    g_free (p->sdp[i]);
  }
  g_free (p->failed);
  g_free (p->pem);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
  g_free (p);
}
