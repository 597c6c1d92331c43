/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Threads: the link is made, started, fed signaling and destroyed on
 * f2fsignal's private thread (its GMainContext). webrtcbin calls back on
 * its own threads; those callbacks only hop to the private context
 * (invoke()), except pad-added, which must link the new pad at once.
 * Whoever drops the last reference, the link is freed (its webrtcbin
 * finalized) on the reaper thread: see "Where a link dies" below.
 * link->lock guards what other threads read: the data channels, the state
 * and the heartbeat clock. Lock order: f2fsignal's locks, then link->lock;
 * never call out with link->lock held. reap_lock is a leaf.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <gst/sdp/sdp.h>

#include "f2fpeerlink.h"
#include "f2fworker.h"
#include "f2fdtlscert.h"

GST_DEBUG_CATEGORY_EXTERN (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

struct _F2fPeerLink
{
  gint refcount;
  GMutex lock;

  /* Set at creation, then read-only. */
  guint faststart_packets;
  gint64 first_packet_wait_us;
  gint rtt_ms;                   /* atomic: f2f_peer_link_set_rtt */
  gboolean dtls_handshake_once;
  GstBin *bin;
  GMainContext *context;
  gchar *peer_id;
  gchar *peer_name;
  gboolean offerer;
  F2fPeerLinkCallbacks cb;
  gpointer user_data;
  GstElement *webrtc;
  GstElement *video_queue, *video_pay;
  GstElement *audio_queue, *audio_pay;
  guint heartbeat_timeout_ms;
  gboolean video_fec;
  gchar *dtls_pem;
  gchar *dtls_fingerprint;      /* of dtls_pem, for our descriptions */

  /* Private thread only. */
  gboolean remote_set;
  guint remote_medias;          /* media sections of the remote description */
  GPtrArray *pending_candidates;        /* GstF2fMessage* */
  guint64 heartbeat_seq;

  /* Protected by lock. */
  GHashTable *channels;         /* label → GstWebRTCDataChannel* */
  F2fLinkState state;
  gint64 last_rx_us;
  gboolean destroyed;
  /* the plan the peer's latest heartbeat named (heard_plan: one came) */
  gboolean heard_plan;
  guint64 heard_plan_epoch;
  gchar *heard_plan_proposer;   /* NULL: it holds none */
  /* NACK per stream ("NACK per stream" below): each SSRC the remote
   * description names → 1 when NACK is agreed for it (video), 0 else */
  GHashTable *remote_ssrcs;
  GPtrArray *nack_jitterbuffers;        /* the jitterbuffers of the 1s */
  gboolean nack_paused;         /* f2f_peer_link_pause_nack */
  /* f2f_peer_link_thin_heartbeats: when the last heartbeat and the last
   * other message went on the control channel */
  gboolean thin_heartbeats;
  gint64 heartbeat_tx_us;
  gint64 control_tx_us;
  /* How the link's setup went (f2f_peer_link_get_setup_ms): when it was
   * made, when the remote description was set, when ICE first said
   * connected and when the link first was connected (ICE and DTLS), each
   * on the monotonic clock (0: not yet) */
  gint64 made_us, remote_set_us, ice_connected_us, connected_us;
};

#define LINK_LOCK(l) g_mutex_lock (&(l)->lock)
#define LINK_UNLOCK(l) g_mutex_unlock (&(l)->lock)

F2fPeerLink *
f2f_peer_link_ref (F2fPeerLink * link)
{
  g_atomic_int_inc (&link->refcount);
  return link;
}

/* ---------------------------------------------------------------------- */
/* Where a link dies
 *
 * Dropping a link's last reference finalizes its webrtcbin, and
 * finalizing a pad joins its task if it still has one. That join can wait
 * on anything the task waits on, so the last reference must not be
 * dropped on a thread that another thread waits for: f2fsignal's private
 * thread (a state change waits for it in f2f_worker_call_sync) or a
 * streaming thread (a state change or an IDLE probe waits for it). A
 * 4-mixer room hung so, tearing down: heartbeat_cb rebuilt a link, its
 * last reference went on the private thread, the webrtcbin's finalization
 * waited in gst_task_join, and the pipeline's PLAYING→PAUSED waited for
 * the private thread (issue 14). So the last unref only hands the link
 * to one reaper thread per process, which frees links in order and is
 * waited for by nobody but f2f_peer_link_wait_reaped() (READY→NULL, with
 * a deadline). f2f_peer_link_destroy() (webrtcbin to NULL) stays on the
 * private thread: a state change flushes, a finalization does not. */

static GMutex reap_lock;
static GCond reap_cond;
static GQueue reap_queue = G_QUEUE_INIT;        /* F2fPeerLink*, reap_lock */
static guint64 reap_queued, reap_done;  /* reap_lock */
static GThread *reaper;         /* set once */

static void
link_free (F2fPeerLink * link)
{
  g_hash_table_unref (link->channels);
  g_ptr_array_unref (link->pending_candidates);
  g_hash_table_unref (link->remote_ssrcs);
  g_ptr_array_unref (link->nack_jitterbuffers);
  g_clear_object (&link->webrtc);
  g_clear_object (&link->video_queue);
  g_clear_object (&link->video_pay);
  g_clear_object (&link->audio_queue);
  g_clear_object (&link->audio_pay);
  g_main_context_unref (link->context);
  g_mutex_clear (&link->lock);
  g_free (link->heard_plan_proposer);
  g_free (link->peer_id);
  g_free (link->peer_name);
  g_free (link->dtls_pem);
  g_free (link->dtls_fingerprint);
  g_free (link);
}

static gpointer
reap_loop (gpointer data)
{
  for (;;) {
    F2fPeerLink *link;

    g_mutex_lock (&reap_lock);
    while (g_queue_is_empty (&reap_queue))
      g_cond_wait (&reap_cond, &reap_lock);
    link = g_queue_pop_head (&reap_queue);
    g_mutex_unlock (&reap_lock);

    GST_DEBUG ("freeing the link to %s", link->peer_id);
    link_free (link);

    g_mutex_lock (&reap_lock);
    reap_done++;
    g_cond_broadcast (&reap_cond);
    g_mutex_unlock (&reap_lock);
  }
  return NULL;
}

void
f2f_peer_link_unref (F2fPeerLink * link)
{
  if (!g_atomic_int_dec_and_test (&link->refcount))
    return;
  g_mutex_lock (&reap_lock);
  if (reaper == NULL)
    reaper = g_thread_new ("f2f-link-reaper", reap_loop, NULL);
  g_queue_push_tail (&reap_queue, link);
  reap_queued++;
  g_cond_broadcast (&reap_cond);
  g_mutex_unlock (&reap_lock);
}

gboolean
f2f_peer_link_wait_reaped (guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () +
      (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean done;
  guint64 ticket;

  g_return_val_if_fail (g_thread_self () != reaper, FALSE);
  g_mutex_lock (&reap_lock);
  /* links handed over before now; later ones are someone else's */
  ticket = reap_queued;
  while (reap_done < ticket
      && g_cond_wait_until (&reap_cond, &reap_lock, deadline));
  done = reap_done >= ticket;
  g_mutex_unlock (&reap_lock);
  return done;
}

static gboolean
is_destroyed (F2fPeerLink * link)
{
  gboolean d;

  LINK_LOCK (link);
  d = link->destroyed;
  LINK_UNLOCK (link);
  return d;
}

/* ---------------------------------------------------------------------- */
/* Hopping to the private thread */

typedef void (*LinkFunc) (F2fPeerLink * link, gpointer data);

typedef struct
{
  F2fPeerLink *link;
  LinkFunc func;
  gpointer data;
  GDestroyNotify notify;
} Call;

static gboolean
call_cb (gpointer user_data)
{
  Call *call = user_data;

  if (!is_destroyed (call->link))
    call->func (call->link, call->data);
  return G_SOURCE_REMOVE;
}

static void
call_free (gpointer user_data)
{
  Call *call = user_data;

  if (call->notify)
    call->notify (call->data);
  f2f_peer_link_unref (call->link);
  g_free (call);
}

static void
invoke (F2fPeerLink * link, LinkFunc func, gpointer data,
    GDestroyNotify notify)
{
  Call *call = g_new0 (Call, 1);

  call->link = f2f_peer_link_ref (link);
  call->func = func;
  call->data = data;
  call->notify = notify;
  f2f_context_call (link->context, call_cb, call, call_free);
}

/* ---------------------------------------------------------------------- */
/* State */

static void
set_state (F2fPeerLink * link, F2fLinkState state, const gchar * why)
{
  gboolean changed;

  LINK_LOCK (link);
  changed = link->state != state && link->state != F2F_LINK_FAILED;
  if (changed) {
    link->state = state;
    if (state == F2F_LINK_CONNECTED) {
      link->last_rx_us = g_get_monotonic_time ();
      if (link->connected_us == 0)
        link->connected_us = link->last_rx_us;
    }
  }
  LINK_UNLOCK (link);
  if (changed)
    link->cb.state_changed (link, state, why, link->user_data);
}

static void
fail (F2fPeerLink * link, const gchar * why)
{
  GST_WARNING ("link to %s failed: %s", link->peer_id, why);
  set_state (link, F2F_LINK_FAILED, why);
}

static void
fail_on_thread (F2fPeerLink * link, gpointer data)
{
  fail (link, data);
}

void
f2f_peer_link_fail (F2fPeerLink * link, const gchar * why)
{
  invoke (link, fail_on_thread, g_strdup (why), g_free);
}

gboolean
f2f_peer_link_owns (F2fPeerLink * link, GstElement * element)
{
  /* Set when the link is made and kept until it is freed. */
  return element != NULL && (element == link->webrtc
      || element == link->video_queue || element == link->video_pay
      || element == link->audio_queue || element == link->audio_pay);
}

static void
connection_state_on_thread (F2fPeerLink * link, gpointer data)
{
  GstWebRTCPeerConnectionState pc_state;

  g_object_get (link->webrtc, "connection-state", &pc_state, NULL);
  GST_DEBUG ("link to %s: connection state %d", link->peer_id, pc_state);
  switch (pc_state) {
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTING:
      set_state (link, F2F_LINK_CONNECTING, NULL);
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
      set_state (link, F2F_LINK_CONNECTED, NULL);
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
      fail (link, "ICE or DTLS failed");
      break;
    default:
      break;
  }
}

static void
on_connection_state (GstElement * webrtc, GParamSpec * pspec,
    F2fPeerLink * link)
{
  invoke (link, connection_state_on_thread, NULL, NULL);
}

/* webrtcbin's thread: only the time is kept (f2f_peer_link_get_setup_ms),
 * taken at once, so that it is not the private thread's delay */
static void
on_ice_connection_state (GstElement * webrtc, GParamSpec * pspec,
    F2fPeerLink * link)
{
  GstWebRTCICEConnectionState ice;

  g_object_get (webrtc, "ice-connection-state", &ice, NULL);
  if (ice != GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED
      && ice != GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED)
    return;
  LINK_LOCK (link);
  if (link->ice_connected_us == 0)
    link->ice_connected_us = g_get_monotonic_time ();
  LINK_UNLOCK (link);
}

void
f2f_peer_link_get_setup_ms (F2fPeerLink * link, gint * description_ms,
    gint * ice_ms, gint * connected_ms)
{
  LINK_LOCK (link);
#define SINCE_MADE(us) ((us) ? (gint) (((us) - link->made_us) / 1000) : -1)
  *description_ms = SINCE_MADE (link->remote_set_us);
  *ice_ms = SINCE_MADE (link->ice_connected_us);
  *connected_ms = SINCE_MADE (link->connected_us);
#undef SINCE_MADE
  LINK_UNLOCK (link);
}

/* ---------------------------------------------------------------------- */
/* Data channels */

static void
touch (F2fPeerLink * link)
{
  LINK_LOCK (link);
  link->last_rx_us = g_get_monotonic_time ();
  LINK_UNLOCK (link);
}

typedef struct
{
  gchar *channel;
  GBytes *data;
} Received;

static void
received_free (gpointer data)
{
  Received *r = data;

  g_free (r->channel);
  g_bytes_unref (r->data);
  g_free (r);
}

static void
deliver_on_thread (F2fPeerLink * link, gpointer data)
{
  Received *r = data;

  link->cb.data (link, r->channel, r->data, link->user_data);
}

static void
deliver (F2fPeerLink * link, GstWebRTCDataChannel * channel, GBytes * bytes)
{
  Received *r;
  gchar *label = NULL;

  touch (link);
  g_object_get (channel, "label", &label, NULL);
  /* Heartbeats only prove the peer is alive; keep them off the thread hop. */
  if (g_strcmp0 (label, GST_F2F_CONTROL_CHANNEL) == 0) {
    gsize len;
    const gchar *text = g_bytes_get_data (bytes, &len);
    g_autoptr (GstF2fPeerMessage) msg = gst_f2f_peer_message_parse (text, len,
        NULL);
    if (msg && msg->type == GST_F2F_PEER_MESSAGE_HEARTBEAT) {
      LINK_LOCK (link);
      link->heard_plan = TRUE;
      link->heard_plan_epoch = msg->plan_epoch;
      g_free (link->heard_plan_proposer);
      link->heard_plan_proposer = g_steal_pointer (&msg->plan_proposer);
      LINK_UNLOCK (link);
      g_free (label);
      return;
    }
  }
  if (link->cb.data_direct && !is_destroyed (link)
      && link->cb.data_direct (link, label, bytes, link->user_data)) {
    g_free (label);
    return;
  }
  r = g_new0 (Received, 1);
  r->channel = label;
  r->data = g_bytes_ref (bytes);
  invoke (link, deliver_on_thread, r, received_free);
}

static void
on_message_string (GstWebRTCDataChannel * channel, const gchar * text,
    F2fPeerLink * link)
{
  g_autoptr (GBytes) bytes = NULL;

  if (text == NULL)
    return;
  bytes = g_bytes_new (text, strlen (text));
  deliver (link, channel, bytes);
}

static void
on_message_data (GstWebRTCDataChannel * channel, GBytes * data,
    F2fPeerLink * link)
{
  if (data)
    deliver (link, channel, data);
}

static void
on_channel_open (GstWebRTCDataChannel * channel, F2fPeerLink * link)
{
  g_autofree gchar *label = NULL;

  touch (link);
  g_object_get (channel, "label", &label, NULL);
  if (link->cb.channel_open)
    link->cb.channel_open (link, label, link->user_data);
}

static void
on_buffered_amount_low (GstWebRTCDataChannel * channel, F2fPeerLink * link)
{
  g_autofree gchar *label = NULL;

  g_object_get (channel, "label", &label, NULL);
  if (link->cb.channel_low)
    link->cb.channel_low (link, label, link->user_data);
}

static void
add_channel (F2fPeerLink * link, GstWebRTCDataChannel * channel)
{
  gchar *label = NULL;
  guint64 threshold = 0;
  GstWebRTCDataChannelState ready = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;

  g_object_get (channel, "label", &label, NULL);
  if (link->cb.low_threshold)
    threshold = link->cb.low_threshold (link, label, link->user_data);
  if (threshold > 0) {
    g_object_set (channel, "buffered-amount-low-threshold", threshold, NULL);
    g_signal_connect (channel, "on-buffered-amount-low",
        G_CALLBACK (on_buffered_amount_low), link);
  }
  g_signal_connect (channel, "on-message-string",
      G_CALLBACK (on_message_string), link);
  g_signal_connect (channel, "on-message-data", G_CALLBACK (on_message_data),
      link);
  g_signal_connect (channel, "on-open", G_CALLBACK (on_channel_open), link);
  LINK_LOCK (link);
  /* If both sides opened a channel of the same label, keep the first for
   * sending; messages on either are delivered. */
  if (!g_hash_table_contains (link->channels, label))
    g_hash_table_insert (link->channels, label, g_object_ref (channel));
  else
    g_free (label);
  LINK_UNLOCK (link);
  /* A channel the peer opened may be open already: on-open will not come. */
  g_object_get (channel, "ready-state", &ready, NULL);
  if (ready == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN)
    on_channel_open (channel, link);
}

static void
on_data_channel (GstElement * webrtc, GstWebRTCDataChannel * channel,
    F2fPeerLink * link)
{
  add_channel (link, channel);
}

static GstWebRTCDataChannel *
create_channel (F2fPeerLink * link, const gchar * label)
{
  GstWebRTCDataChannel *channel = NULL;

  g_signal_emit_by_name (link->webrtc, "create-data-channel", label, NULL,
      &channel);
  if (channel) {
    add_channel (link, channel);
    g_object_unref (channel);
  }
  return channel;
}

gboolean
f2f_peer_link_send (F2fPeerLink * link, const gchar * label, GBytes * data)
{
  GstWebRTCDataChannel *channel;
  GstWebRTCDataChannelState ready = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
  gboolean create = FALSE;
  GError *error = NULL;
  gboolean ok;

  LINK_LOCK (link);
  channel = g_hash_table_lookup (link->channels, label);
  if (channel)
    g_object_ref (channel);
  else
    create = link->state == F2F_LINK_CONNECTED && !link->destroyed;
  LINK_UNLOCK (link);

  if (channel == NULL) {
    /* Opened in-band (DCEP): no renegotiation. It is usable once open. */
    if (create)
      create_channel (link, label);
    return FALSE;
  }
  g_object_get (channel, "ready-state", &ready, NULL);
  if (ready != GST_WEBRTC_DATA_CHANNEL_STATE_OPEN) {
    g_object_unref (channel);
    return FALSE;
  }
  GST_LOG ("to %s on %s: %" G_GSIZE_FORMAT " bytes", link->peer_id, label,
      g_bytes_get_size (data));
  ok = gst_webrtc_data_channel_send_data_full (channel, data, &error);
  if (ok && strcmp (label, GST_F2F_CONTROL_CHANNEL) == 0) {
    LINK_LOCK (link);
    link->control_tx_us = g_get_monotonic_time ();
    LINK_UNLOCK (link);
  }
  if (!ok) {
    GST_WARNING ("sending to %s on %s failed: %s", link->peer_id, label,
        error ? error->message : "?");
    g_clear_error (&error);
  }
  g_object_unref (channel);
  return ok;
}

gint64
f2f_peer_link_buffered_amount (F2fPeerLink * link, const gchar * label)
{
  GstWebRTCDataChannel *channel;
  GstWebRTCDataChannelState ready = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
  guint64 amount = 0;

  LINK_LOCK (link);
  channel = g_hash_table_lookup (link->channels, label);
  if (channel)
    g_object_ref (channel);
  LINK_UNLOCK (link);
  if (channel == NULL)
    return -1;
  g_object_get (channel, "ready-state", &ready, "buffered-amount", &amount,
      NULL);
  g_object_unref (channel);
  if (ready != GST_WEBRTC_DATA_CHANNEL_STATE_OPEN)
    return -1;
  return (gint64) MIN (amount, (guint64) G_MAXINT64);
}

/* On a link of ~20 kbit/s one way (f2fcongestion says so: its delay
 * feedback is spaced out there) Opus takes ~15 kbit/s, and the control
 * channel's messages with their DTLS and SCTP headers and the SCTP
 * acknowledgements they draw took 8-9 kbit/s more, heartbeats one third
 * of them: the link sent over its capacity and the lab's queue never
 * drained (issue 16, test_cap_20k_pair). Any message keeps the link alive
 * at the other end (touch), and the delay feedback goes about every
 * second, so there a heartbeat is sent only when nothing else went on the
 * control channel since the last one, or every THIN_HEARTBEAT_US for the
 * plan it names (plans heal within 3 s there instead of 1). */
#define THIN_HEARTBEAT_US (3 * G_USEC_PER_SEC)

void
f2f_peer_link_thin_heartbeats (F2fPeerLink * link, gboolean thin)
{
  LINK_LOCK (link);
  link->thin_heartbeats = thin;
  LINK_UNLOCK (link);
}

gboolean
f2f_peer_link_heartbeat (F2fPeerLink * link, gint64 now_us,
    const GstF2fPlan * plan)
{
  g_autofree gchar *text = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gboolean alive = TRUE, send;

  LINK_LOCK (link);
  send = !link->thin_heartbeats || link->control_tx_us <= link->heartbeat_tx_us
      || now_us - link->heartbeat_tx_us >= THIN_HEARTBEAT_US;
  LINK_UNLOCK (link);
  if (send) {
    text = gst_f2f_peer_message_heartbeat (++link->heartbeat_seq, plan);
    bytes = g_bytes_new (text, strlen (text));
    f2f_peer_link_send (link, GST_F2F_CONTROL_CHANNEL, bytes);
    LINK_LOCK (link);
    link->heartbeat_tx_us = link->control_tx_us;
    LINK_UNLOCK (link);
  }

  LINK_LOCK (link);
  if (link->state == F2F_LINK_CONNECTED && link->heartbeat_timeout_ms > 0
      && now_us - link->last_rx_us >
      (gint64) link->heartbeat_timeout_ms * 1000)
    alive = FALSE;
  LINK_UNLOCK (link);
  return alive;
}

gboolean
f2f_peer_link_heard_plan (F2fPeerLink * link, guint64 * epoch,
    gchar ** proposer)
{
  gboolean heard;

  LINK_LOCK (link);
  heard = link->heard_plan;
  *epoch = link->heard_plan_epoch;
  *proposer = g_strdup (link->heard_plan_proposer);
  LINK_UNLOCK (link);
  return heard;
}

/* ---------------------------------------------------------------------- */
/* Statistics */

static gboolean
stats_type_is (const GstStructure * s, GstWebRTCStatsType want)
{
  GstWebRTCStatsType type;

  return gst_structure_get (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type,
      NULL) && type == want;
}

static gdouble
get_double (const GstStructure * s, const gchar * field, gdouble fallback)
{
  gdouble v;

  return gst_structure_get_double (s, field, &v) ? v : fallback;
}

static guint64
get_u64 (const GstStructure * s, const gchar * field)
{
  guint64 v = 0;

  gst_structure_get_uint64 (s, field, &v);
  return v;
}

static void
promise_changed (GstPromise * promise, gpointer queue)
{
  g_async_queue_push (queue, GINT_TO_POINTER (1));
}

/* The longest a caller waits for webrtcbin's statistics. */
#define STATS_TIMEOUT_US (2 * G_USEC_PER_SEC)

GstStructure *
f2f_peer_link_get_stats (F2fPeerLink * link)
{
  GstPromise *promise;
  GAsyncQueue *changed;
  const GstStructure *reply;
  GstStructure *stats = NULL;

  if (is_destroyed (link))
    return NULL;
  /* Not gst_promise_wait(): webrtcbin 1.22 frees a task still queued when
   * it closes without answering its promise, so a sample taken while the
   * link goes down would wait for ever (and with it f2ftopology's worker,
   * which its PAUSED_TO_READY joins: a pipeline that never reached NULL).
   * Wait with a deadline, then interrupt; a late reply is dropped. */
  changed = g_async_queue_new ();
  promise = gst_promise_new_with_change_func (promise_changed,
      g_async_queue_ref (changed), (GDestroyNotify) g_async_queue_unref);
  g_signal_emit_by_name (link->webrtc, "get-stats", NULL, promise);
  if (g_async_queue_timeout_pop (changed, STATS_TIMEOUT_US) == NULL) {
    GST_WARNING ("%s: no statistics from webrtcbin within %d s",
        link->peer_id, (gint) (STATS_TIMEOUT_US / G_USEC_PER_SEC));
    gst_promise_interrupt (promise);
  }
  g_async_queue_unref (changed);
  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED
      && (reply = gst_promise_get_reply (promise)) != NULL)
    stats = gst_structure_copy (reply);
  gst_promise_unref (promise);
  return stats;
}

gboolean
f2f_peer_link_sample (F2fPeerLink * link, GstF2fLinkSample * sample)
{
  g_autoptr (GstStructure) reply = NULL;
  guint64 lost_in = 0, received_in = 0;
  gint i, n;

  if (is_destroyed (link))
    return FALSE;
  sample->state = g_strdup (f2f_peer_link_get_state (link) ==
      F2F_LINK_CONNECTED ? "connected" : f2f_peer_link_get_state (link) ==
      F2F_LINK_FAILED ? "failed" : "connecting");

  reply = f2f_peer_link_get_stats (link);
  if (reply == NULL)
    return TRUE;
  n = gst_structure_n_fields (reply);
  for (i = 0; i < n; i++) {
    const GValue *v = gst_structure_get_value (reply,
        gst_structure_nth_field_name (reply, i));
    const GstStructure *s;

    if (!GST_VALUE_HOLDS_STRUCTURE (v))
      continue;
    s = gst_value_get_structure (v);
    if (stats_type_is (s, GST_WEBRTC_STATS_OUTBOUND_RTP)) {
      sample->bytes_sent += get_u64 (s, "bytes-sent");
      sample->packets_sent += get_u64 (s, "packets-sent");
    } else if (stats_type_is (s, GST_WEBRTC_STATS_INBOUND_RTP)) {
      gint64 lost = 0;
      sample->bytes_received += get_u64 (s, "bytes-received");
      received_in += get_u64 (s, "packets-received");
      if (gst_structure_get_int64 (s, "packets-lost", &lost) && lost > 0)
        lost_in += lost;
      sample->jitter_ms = MAX (sample->jitter_ms,
          1000 * get_double (s, "jitter", -0.001));
    } else if (stats_type_is (s, GST_WEBRTC_STATS_REMOTE_INBOUND_RTP)) {
      /* (one that cannot be real would decide the election's RTT factor
       * and the link's class: gst_f2f_bitrate_report_rtt) */
      gdouble rtt_ms = gst_f2f_bitrate_report_rtt (1000 * get_double (s,
              "round-trip-time", -1));
      if (rtt_ms >= 0)
        sample->rtt_ms = MAX (sample->rtt_ms, rtt_ms);
      sample->loss_out = MAX (sample->loss_out,
          get_double (s, "fraction-lost", 0));
    }
  }
  if (lost_in + received_in > 0)
    sample->loss_in = (gdouble) lost_in / (lost_in + received_in);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Negotiation */

static void
send_signal (F2fPeerLink * link, GstF2fMessage * msg)
{
  link->cb.send_signal (link, msg, link->user_data);
  gst_f2f_message_free (msg);
}

static void
send_ice_on_thread (F2fPeerLink * link, gpointer data)
{
  GstF2fMessage *msg = data;

  link->cb.send_signal (link, msg, link->user_data);
}

static void
on_ice_candidate (GstElement * webrtc, guint mline, const gchar * candidate,
    F2fPeerLink * link)
{
  invoke (link, send_ice_on_thread, gst_f2f_message_new_ice (link->peer_id,
          mline, candidate), (GDestroyNotify) gst_f2f_message_free);
}

/* A candidate for a media section the peer's description does not have is
 * as wrong as a malformed one (the syntax was checked on arrival): the
 * link fails. webrtcbin itself would only log and drop it, and the link
 * would wait for candidates that never come. FALSE when the link failed. */
static gboolean
add_candidate (F2fPeerLink * link, GstF2fMessage * msg)
{
  /* An empty candidate marks the end of the remote's candidates; 1.22's
   * webrtcbin has nothing to do with it. */
  if (msg->candidate == NULL || *msg->candidate == '\0')
    return TRUE;
  if (msg->mline_index >= link->remote_medias) {
    g_autofree gchar *why = g_strdup_printf ("the peer sent an ICE "
        "candidate for media section %u, and its description has %u",
        msg->mline_index, link->remote_medias);
    fail (link, why);
    return FALSE;
  }
  g_signal_emit_by_name (link->webrtc, "add-ice-candidate", msg->mline_index,
      msg->candidate);
  return TRUE;
}

static void
remote_description_set (F2fPeerLink * link)
{
  guint i;

  link->remote_set = TRUE;
  LINK_LOCK (link);
  if (link->remote_set_us == 0)
    link->remote_set_us = g_get_monotonic_time ();
  LINK_UNLOCK (link);
  for (i = 0; i < link->pending_candidates->len; i++)
    if (!add_candidate (link, g_ptr_array_index (link->pending_candidates,
                i)))
      break;
  g_ptr_array_set_size (link->pending_candidates, 0);
}

/* Returns the promise's error, if the reply carries one. */
static gchar *
promise_error (GstPromise * promise)
{
  const GstStructure *reply;
  GError *error = NULL;
  gchar *why;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return g_strdup ("no reply");
  reply = gst_promise_get_reply (promise);
  if (reply == NULL || !gst_structure_has_field (reply, "error"))
    return NULL;
  gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
  why = g_strdup (error ? error->message : "unknown error");
  g_clear_error (&error);
  return why;
}

typedef struct
{
  gchar *error;
  GstF2fMessage *msg;
} PromiseResult;

static void
promise_result_free (gpointer data)
{
  PromiseResult *r = data;

  g_free (r->error);
  if (r->msg)
    gst_f2f_message_free (r->msg);
  g_free (r);
}

static void
description_done_on_thread (F2fPeerLink * link, gpointer data)
{
  PromiseResult *r = data;

  if (r->error) {
    g_autofree gchar *why = g_strdup_printf ("negotiation failed: %s",
        r->error);
    fail (link, why);
    return;
  }
  if (r->msg) {
    send_signal (link, r->msg);
    r->msg = NULL;
  }
  /* The answerer starts connecting once its answer is made, not when the
   * offer comes: "connecting" links the encoder's video to the link
   * (behind the gate, which holds buffers but not the caps before them),
   * and webrtcbin 1.22 matches an offered section against the caps its
   * sink pad received, once it has any, instead of the codec preferences.
   * x264's caps say "constrained-baseline" at payload 102, Chromium's 102
   * is "baseline" (42001f): no offered section took our H.264 sender and
   * Chromium got a receive-only video answer, no picture from this peer
   * for the whole call (browser/interop, about 1 run in 15: when a camera
   * frame came between the offer and the answer;
   * elements/f2fpeerlink test_answer_keeps_h264_sender). */
  if (!link->offerer)
    set_state (link, F2F_LINK_CONNECTING, NULL);
}

/* Every a=fingerprint of @sdp (session and media) says @fingerprint. */
static void
set_fingerprint (GstSDPMessage * sdp, const gchar * fingerprint)
{
  GstSDPAttribute attr;
  guint i, j;

  for (i = 0; i < gst_sdp_message_attributes_len (sdp); i++)
    if (g_strcmp0 (gst_sdp_message_get_attribute (sdp, i)->key,
            "fingerprint") == 0) {
      gst_sdp_attribute_set (&attr, "fingerprint", fingerprint);
      gst_sdp_message_replace_attribute (sdp, i, &attr);
    }
  for (i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);

    for (j = 0; j < gst_sdp_media_attributes_len (media); j++)
      if (g_strcmp0 (gst_sdp_media_get_attribute (media, j)->key,
              "fingerprint") == 0) {
        gst_sdp_attribute_set (&attr, "fingerprint", fingerprint);
        gst_sdp_media_replace_attribute (media, j, &attr);
      }
  }
}

/* create-offer / create-answer replied: set it locally, send it. */
static void
on_description_created (GstPromise * promise, gpointer user_data)
{
  F2fPeerLink *link = user_data;
  PromiseResult *r = g_new0 (PromiseResult, 1);
  const gchar *field = link->offerer ? "offer" : "answer";
  GstWebRTCSessionDescription *desc = NULL;

  r->error = promise_error (promise);
  if (r->error == NULL) {
    gst_structure_get (gst_promise_get_reply (promise), field,
        GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
    if (desc == NULL)
      r->error = g_strdup_printf ("webrtcbin made no %s", field);
  }
  gst_promise_unref (promise);

  if (desc) {
    g_autofree gchar *sdp = NULL;
    GstPromise *local = gst_promise_new ();

    /* webrtcbin's is wrong for a certificate of ours: f2fdtlscert.h */
    if (link->dtls_fingerprint)
      set_fingerprint (desc->sdp, link->dtls_fingerprint);
    sdp = gst_sdp_message_as_text (desc->sdp);

    g_signal_emit_by_name (link->webrtc, "set-local-description", desc, local);
    gst_promise_interrupt (local);
    gst_promise_unref (local);
    r->msg = gst_f2f_message_new_sdp (link->offerer ? GST_F2F_MESSAGE_OFFER :
        GST_F2F_MESSAGE_ANSWER, link->peer_id, sdp);
    gst_webrtc_session_description_free (desc);
  }
  invoke (link, description_done_on_thread, r, promise_result_free);
}

static void
remote_set_on_thread (F2fPeerLink * link, gpointer data)
{
  PromiseResult *r = data;
  GstPromise *promise;

  if (r->error) {
    g_autofree gchar *why = g_strdup_printf ("the peer's %s was refused: %s",
        link->offerer ? "answer" : "offer", r->error);
    fail (link, why);
    return;
  }
  remote_description_set (link);
  if (!link->offerer) {
    promise = gst_promise_new_with_change_func (on_description_created,
        f2f_peer_link_ref (link), (GDestroyNotify) f2f_peer_link_unref);
    g_signal_emit_by_name (link->webrtc, "create-answer", NULL, promise);
  }
}

static void
on_remote_set (GstPromise * promise, gpointer user_data)
{
  F2fPeerLink *link = user_data;
  PromiseResult *r = g_new0 (PromiseResult, 1);

  r->error = promise_error (promise);
  gst_promise_unref (promise);
  invoke (link, remote_set_on_thread, r, promise_result_free);
}

/* The transceiver behind a sender's payloader (a new reference), or NULL. */
static GstWebRTCRTPTransceiver *
sender_transceiver (GstElement * pay)
{
  GstWebRTCRTPTransceiver *trans = NULL;
  GstPad *src = pay ? gst_element_get_static_pad (pay, "src") : NULL;
  GstPad *sink = src ? gst_pad_get_peer (src) : NULL;

  if (sink && g_object_class_find_property (G_OBJECT_GET_CLASS (sink),
          "transceiver"))
    g_object_get (sink, "transceiver", &trans, NULL);
  gst_clear_object (&sink);
  gst_clear_object (&src);
  return trans;
}

/* Whether an offered format (its caps from the SDP) is the codec our
 * sender produces, whatever its payload number. */
static gboolean
same_codec (const GstStructure * ours, const GstStructure * offered)
{
  const gchar *name = gst_structure_get_string (ours, "encoding-name");
  const gchar *theirs = gst_structure_get_string (offered, "encoding-name");
  const gchar *mode, *profile;
  gint rate = 0, their_rate = 0;

  if (name == NULL || theirs == NULL || g_ascii_strcasecmp (name, theirs))
    return FALSE;
  gst_structure_get_int (ours, "clock-rate", &rate);
  gst_structure_get_int (offered, "clock-rate", &their_rate);
  if (rate != their_rate)
    return FALSE;
  if (g_ascii_strcasecmp (name, "H264") == 0) {
    /* x264enc makes constrained baseline (profile_idc 0x42 with the
     * constraint_set1 bit) in packetization mode 1 (f2fsignal.c). */
    mode = gst_structure_get_string (offered, "packetization-mode");
    profile = gst_structure_get_string (offered, "profile-level-id");
    if (g_strcmp0 (mode, "1") != 0 || profile == NULL
        || g_ascii_strncasecmp (profile, "42", 2) != 0)
      return FALSE;
  }
  return TRUE;
}

/* Answerer, before the offer is set: webrtcbin 1.22 pairs an offered media
 * section with one of our transceivers only if the payload numbers match
 * too, and otherwise makes a receive-only transceiver (Chromium numbers
 * Opus 111, Firefox 109; f2f's offers say 97). Answer with the offerer's
 * number for our codec: each sender's codec preferences and payloader
 * take it. An offer with none of our codec in a section still gets a
 * receive-only answer there (f2fsignal then does not feed it). */
static void
adopt_offered_payload_types (F2fPeerLink * link, const GstSDPMessage * sdp)
{
  GstElement *pays[2] = { link->video_pay, link->audio_pay };
  const gchar *kinds[2] = { "video", "audio" };
  gboolean done[2] = { FALSE, FALSE };
  guint i, j, k;

  for (i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
    const gchar *kind = gst_sdp_media_get_media (media);
    GstWebRTCRTPTransceiver *trans;
    GstCaps *prefs = NULL;

    for (k = 0; k < 2 && g_strcmp0 (kind, kinds[k]) != 0; k++);
    /* our transceivers answer the first section of each kind */
    if (k == 2 || done[k])
      continue;
    done[k] = TRUE;
    trans = sender_transceiver (pays[k]);
    if (trans)
      g_object_get (trans, "codec-preferences", &prefs, NULL);
    for (j = 0; prefs && !gst_caps_is_empty (prefs)
        && j < gst_sdp_media_formats_len (media); j++) {
      gint pt = atoi (gst_sdp_media_get_format (media, j));
      GstCaps *offered = gst_sdp_media_get_caps_from_media (media, pt);
      GstStructure *ours = gst_caps_get_structure (prefs, 0);
      gint our_pt = -1;
      gboolean match = offered && !gst_caps_is_empty (offered)
          && same_codec (ours, gst_caps_get_structure (offered, 0));

      gst_clear_caps (&offered);
      if (!match)
        continue;
      gst_structure_get_int (ours, "payload", &our_pt);
      if (pt != our_pt) {
        GstCaps *adopted = gst_caps_copy (prefs);

        GST_INFO ("link to %s: answering %s with the offer's payload type "
            "%d (ours was %d)", link->peer_id, kind, pt, our_pt);
        gst_caps_set_simple (adopted, "payload", G_TYPE_INT, pt, NULL);
        g_object_set (trans, "codec-preferences", adopted, NULL);
        g_object_set (pays[k], "pt", (guint) pt, NULL);
        gst_caps_unref (adopted);
      }
      break;
    }
    gst_clear_caps (&prefs);
    gst_clear_object (&trans);
  }
}

/* ---------------------------------------------------------------------- */
/* NACK per stream
 *
 * webrtcbin (1.22, and main) sets a new jitterbuffer's do-retransmission
 * from every transceiver of the bundled session in turn, not from the
 * stream's own (jitter_buffer_set_retransmission is called for each entry
 * of the session's SSRC map): the last wins, and between f2f peers that
 * was the audio transceiver, so video was never NACKed and each lost
 * packet cost a keyframe request. So the link sets it again, after
 * webrtcbin, from the remote description: NACK for a stream whose media
 * section names its SSRC and agrees "nack" (f2f: video only). A stream the
 * description does not name keeps webrtcbin's setting.
 *
 * The receiver asks only while it sees random loss, loss without a
 * standing queue on the peer's path (f2f_peer_link_pause_nack, from
 * f2fcongestion's arrival counts; NACK_QUEUE_MS there says why), and not
 * before: a new stream starts paused. */

static gboolean
sdp_media_agrees_nack (const GstSDPMedia * media)
{
  guint i;

  for (i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    const gchar *space;
    g_autofree gchar *type = NULL;

    /* "rtcp-fb:<pt> nack" (with no parameter: "nack pli" is a PLI) */
    if (g_strcmp0 (a->key, "rtcp-fb") != 0 || a->value == NULL
        || (space = strchr (a->value, ' ')) == NULL)
      continue;
    type = g_strstrip (g_strdup (space + 1));
    if (g_ascii_strcasecmp (type, "nack") == 0)
      return TRUE;
  }
  return FALSE;
}

static void
remember_nack_streams (F2fPeerLink * link, const GstSDPMessage * sdp)
{
  guint i, j;

  LINK_LOCK (link);
  for (i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
    gboolean nack = g_strcmp0 (gst_sdp_media_get_media (media), "video") == 0
        && sdp_media_agrees_nack (media);

    for (j = 0; j < gst_sdp_media_attributes_len (media); j++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, j);
      guint64 ssrc;

      if (g_strcmp0 (a->key, "ssrc") != 0 || a->value == NULL)
        continue;
      ssrc = g_ascii_strtoull (a->value, NULL, 10);
      if (ssrc > 0 && ssrc <= G_MAXUINT32)
        g_hash_table_insert (link->remote_ssrcs, GUINT_TO_POINTER (ssrc),
            GINT_TO_POINTER (nack));
    }
  }
  LINK_UNLOCK (link);
}

/* rtpbin's streaming thread, after webrtcbin's own handler. */
static void
on_new_jitterbuffer (GstElement * rtpbin, GstElement * jitterbuffer,
    guint session, guint ssrc, F2fPeerLink * link)
{
  gpointer value;
  gboolean known, nack, paused;

  LINK_LOCK (link);
  known = g_hash_table_lookup_extended (link->remote_ssrcs,
      GUINT_TO_POINTER (ssrc), NULL, &value);
  nack = known && GPOINTER_TO_INT (value);
  paused = link->nack_paused;
  if (nack)
    g_ptr_array_add (link->nack_jitterbuffers, gst_object_ref (jitterbuffer));
  LINK_UNLOCK (link);
  if (!known)
    return;
  GST_INFO ("link to %s: stream %08x %s", link->peer_id, ssrc,
      nack ? (paused ? "NACKed (paused now)" : "NACKed") : "not NACKed");
  g_object_set (jitterbuffer, "do-retransmission", nack && !paused, NULL);
}

static void
connect_nack (F2fPeerLink * link)
{
  GstElement *rtpbin = gst_bin_get_by_name (GST_BIN (link->webrtc), "rtpbin");

  if (rtpbin == NULL) {
    GST_WARNING ("link to %s: no rtpbin; NACK is webrtcbin's", link->peer_id);
    return;
  }
  /* (connected after webrtcbin's handler, which it made with the rtpbin) */
  g_signal_connect (rtpbin, "new-jitterbuffer",
      G_CALLBACK (on_new_jitterbuffer), link);
  gst_object_unref (rtpbin);
}

void
f2f_peer_link_pause_nack (F2fPeerLink * link, gboolean paused)
{
  g_autoptr (GPtrArray) jbs = NULL;
  guint i;

  LINK_LOCK (link);
  if (link->nack_paused != paused) {
    link->nack_paused = paused;
    jbs = g_ptr_array_copy (link->nack_jitterbuffers,
        (GCopyFunc) gst_object_ref, NULL);
    g_ptr_array_set_free_func (jbs, gst_object_unref);
  }
  LINK_UNLOCK (link);
  if (jbs == NULL)
    return;
  GST_INFO ("link to %s: NACK %s", link->peer_id, paused ? "paused" :
      "resumed");
  /* (outside the lock: the jitterbuffer takes its own) */
  for (i = 0; i < jbs->len; i++)
    g_object_set (jbs->pdata[i], "do-retransmission", !paused, NULL);
}

static void
set_remote (F2fPeerLink * link, const gchar * sdp_text, GstWebRTCSDPType type)
{
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  if (gst_sdp_message_new_from_text (sdp_text, &sdp) != GST_SDP_OK
      || gst_sdp_message_medias_len (sdp) == 0) {
    if (sdp)
      gst_sdp_message_free (sdp);
    fail (link, "the peer sent an SDP that cannot be parsed");
    return;
  }
  link->remote_medias = gst_sdp_message_medias_len (sdp);
  remember_nack_streams (link, sdp);
  if (type == GST_WEBRTC_SDP_TYPE_OFFER)
    adopt_offered_payload_types (link, sdp);
  desc = gst_webrtc_session_description_new (type, sdp);
  promise = gst_promise_new_with_change_func (on_remote_set,
      f2f_peer_link_ref (link), (GDestroyNotify) f2f_peer_link_unref);
  g_signal_emit_by_name (link->webrtc, "set-remote-description", desc,
      promise);
  gst_webrtc_session_description_free (desc);
}

static void handle_signal (F2fPeerLink * link, GstF2fMessage * msg);

void
f2f_peer_link_handle_signal (F2fPeerLink * link, GstF2fMessage * msg)
{
  /* A failure reported from here can make the owner drop its reference
   * before this returns. */
  f2f_peer_link_ref (link);
  handle_signal (link, msg);
  f2f_peer_link_unref (link);
}

static void
handle_signal (F2fPeerLink * link, GstF2fMessage * msg)
{
  switch (msg->type) {
    case GST_F2F_MESSAGE_OFFER:
      if (link->offerer || link->remote_set) {
        GST_WARNING ("ignoring an unexpected offer from %s", link->peer_id);
        return;
      }
      /* connecting once the answer is made (description_done_on_thread) */
      set_remote (link, msg->sdp, GST_WEBRTC_SDP_TYPE_OFFER);
      break;
    case GST_F2F_MESSAGE_ANSWER:
      if (!link->offerer || link->remote_set) {
        GST_WARNING ("ignoring an unexpected answer from %s", link->peer_id);
        return;
      }
      /* "connecting" = both descriptions known, ICE and DTLS under way, on
       * both sides (f2fsignal asks for a keyframe then). */
      set_state (link, F2F_LINK_CONNECTING, NULL);
      set_remote (link, msg->sdp, GST_WEBRTC_SDP_TYPE_ANSWER);
      break;
    case GST_F2F_MESSAGE_ICE:{
      g_autofree gchar *why = NULL;

      /* A malformed candidate fails the link at once, as a malformed SDP
       * does (webrtcbin would only log it). The empty one ends the
       * remote's candidates. */
      if (msg->candidate && *msg->candidate
          && !gst_f2f_ice_candidate_check (msg->candidate, &why)) {
        g_autofree gchar *reason = g_strdup_printf ("the peer sent an ICE "
            "candidate that cannot be parsed: %s", why);
        fail (link, reason);
        return;
      }
      if (link->remote_set)
        add_candidate (link, msg);
      else
        g_ptr_array_add (link->pending_candidates,
            gst_f2f_message_copy (msg));
      break;
    }
    default:
      break;
  }
}

void
f2f_peer_link_start (F2fPeerLink * link)
{
  GstPromise *promise;

  g_return_if_fail (link->offerer);

  /* The control channel goes into the offer, so the SCTP association is
   * negotiated once; later channels open in-band. */
  create_channel (link, GST_F2F_CONTROL_CHANNEL);
  promise = gst_promise_new_with_change_func (on_description_created,
      f2f_peer_link_ref (link), (GDestroyNotify) f2f_peer_link_unref);
  g_signal_emit_by_name (link->webrtc, "create-offer", NULL, promise);
}

/* ---------------------------------------------------------------------- */
/* Media */

static void
on_pad_added (GstElement * webrtc, GstPad * pad, F2fPeerLink * link)
{
  GstWebRTCRTPTransceiver *trans = NULL;
  GstWebRTCKind kind = GST_WEBRTC_KIND_UNKNOWN;
  const gchar *media = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC || is_destroyed (link))
    return;
  /* The pad's caps say what it carries; the transceiver's kind is the
   * fallback (it can be unknown for transceivers made from pads). */
  {
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
    const GstStructure *s;
    if (caps == NULL)
      caps = gst_pad_query_caps (pad, NULL);
    if (caps && !gst_caps_is_empty (caps) && !gst_caps_is_any (caps)
        && (s = gst_caps_get_structure (caps, 0))
        && gst_structure_get_string (s, "media"))
      media = g_intern_string (gst_structure_get_string (s, "media"));
    GST_DEBUG ("link to %s: new pad %s with caps %" GST_PTR_FORMAT,
        link->peer_id, GST_PAD_NAME (pad), caps);
  }
  if (media == NULL) {
    g_object_get (pad, "transceiver", &trans, NULL);
    if (trans) {
      g_object_get (trans, "kind", &kind, NULL);
      gst_object_unref (trans);
    }
    if (kind == GST_WEBRTC_KIND_VIDEO)
      media = "video";
    else if (kind == GST_WEBRTC_KIND_AUDIO)
      media = "audio";
  }
  if (media == NULL) {
    GST_WARNING ("link to %s: ignoring a stream of unknown kind",
        link->peer_id);
    return;
  }
  link->cb.src_pad (link, pad, media, link->user_data);
}

/* A link's sender queue answers serialized queries (ALLOCATION, DRAIN)
 * itself instead of queueing them. Such a query waits until everything
 * queued before it has left, and what is behind a link may never take
 * anything again (webrtcbin blocks a sink pad whose transceiver has no
 * media section, e.g. when a browser's offer numbered Opus differently):
 * the tee would wait on it, and with it the shared encoder, for every
 * peer. The payloaders allocate their own buffers; nothing downstream of
 * the queue has an allocation to offer. */
static GstPadProbeReturn
answer_serialized_query (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);

  if (!GST_QUERY_IS_SERIALIZED (query))
    return GST_PAD_PROBE_OK;
  GST_LOG_OBJECT (pad, "answering %" GST_PTR_FORMAT " at the door", query);
  return GST_PAD_PROBE_HANDLED;
}

gboolean
f2f_peer_link_can_send (F2fPeerLink * link, const gchar * media)
{
  GstWebRTCRTPTransceiver *trans = sender_transceiver (strcmp (media,
          "video") == 0 ? link->video_pay : link->audio_pay);
  GstWebRTCRTPTransceiverDirection dir =
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_NONE;
  guint mline = G_MAXUINT;

  if (trans) {
    g_object_get (trans, "mlineindex", &mline, "current-direction", &dir,
        NULL);
    gst_object_unref (trans);
  }
  /* No media section (the peer's offer had none we could answer with
   * this sender), or one the answer made receive-only or inactive. */
  return mline != G_MAXUINT
      && (dir == GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV
      || dir == GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY);
}

static gboolean
add_sender (F2fPeerLink * link, const gchar * media, GstCaps * caps,
    const gchar * payloader, GstElement ** queue_out, GstElement ** pay_out)
{
  GstElement *queue, *pay;
  GstWebRTCRTPTransceiver *trans = NULL;
  g_autoptr (GstCaps) prefs = NULL;
  GstPad *sink, *src;
  guint ssrc;
  gint pt = 96;
  gboolean ok;

  queue = gst_element_factory_make ("queue", NULL);
  pay = gst_element_factory_make (payloader, NULL);
  if (queue == NULL || pay == NULL) {
    GST_ERROR ("missing element %s", pay ? "queue" : payloader);
    g_clear_object (&queue);
    g_clear_object (&pay);
    return FALSE;
  }
  gst_structure_get_int (gst_caps_get_structure (caps, 0), "payload", &pt);
  /* A stalled link must never hold back the shared encoder: drop old
   * buffers instead of blocking the tee. */
  g_object_set (queue, "leaky", 2, "max-size-buffers", 60,
      "max-size-bytes", 0, "max-size-time", (guint64) 0, NULL);
  /* The SSRC is chosen now, not by the payloader's first buffer: webrtcbin
   * writes the SSRC its sink caps or codec preferences name into the SDP,
   * and an answer made before anything was sent (video waits behind its
   * gate) said "a=ssrc-group:FID 0 <rtx>", on which Chromium decodes no
   * video. Both the payloader and the preferences carry it. */
  do
    ssrc = g_random_int ();
  while (ssrc == 0);
  prefs = gst_caps_copy (caps);
  gst_caps_set_simple (prefs, "ssrc", G_TYPE_UINT, ssrc, NULL);
  g_object_set (pay, "pt", pt, "ssrc", ssrc, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (pay),
          "picture-id-mode"))
    gst_util_set_object_arg (G_OBJECT (pay), "picture-id-mode", "15-bit");
  gst_bin_add_many (link->bin, queue, pay, NULL);
  gst_element_link (queue, pay);
  sink = gst_element_get_static_pad (queue, "sink");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      answer_serialized_query, NULL, NULL);
  gst_object_unref (sink);

  /* Requested with the caps, so the transceiver has its kind from the
   * start. webrtcbin 1.22 gives an offered section that no transceiver
   * took while answering (when another section of the offer had no codec
   * in common with us) to the first unassociated transceiver of a
   * compatible kind, and "unknown" is compatible with all: the offer's
   * audio went to our idle H.264 sender and our audio was never sent. */
  sink = gst_element_request_pad (link->webrtc,
      gst_element_get_pad_template (link->webrtc, "sink_%u"), NULL, prefs);
  g_object_get (sink, "transceiver", &trans, NULL);
  g_object_set (trans, "codec-preferences", prefs, "direction",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, NULL);
  /* NACK and RTX for video only. For audio, Opus carries its own FEC
   * in-band, a retransmission rarely beats the jitterbuffer's deadline, and
   * an audio section with an RTX stream (a=ssrc-group:FID) makes Chromium
   * refuse the whole offer ("Failed to add remote stream ssrc … to {mid:
   * audio1, media_type: audio}"): an f2f peer that offered to Chromium got
   * no link at all. */
  if (strcmp (media, "video") == 0
      && g_object_class_find_property (G_OBJECT_GET_CLASS (trans), "do-nack"))
    g_object_set (trans, "do-nack", TRUE, NULL);
  /* ULPFEC in RED (RFC 5109, 2198): webrtcbin offers both and, once they
   * are agreed, puts an rtpulpfecenc behind the payloader at 0 %: its
   * overhead follows the link's loss (f2fcongestion). */
  if (strcmp (media, "video") == 0 && link->video_fec)
    g_object_set (trans, "fec-type", GST_WEBRTC_FEC_TYPE_ULP_RED,
        "fec-percentage", 0, NULL);
  gst_object_unref (trans);

  src = gst_element_get_static_pad (pay, "src");
  ok = gst_pad_link (src, sink) == GST_PAD_LINK_OK;
  gst_object_unref (src);
  gst_object_unref (sink);
  if (!ok)
    GST_ERROR ("could not link the %s payloader of %s", media, link->peer_id);

  *queue_out = gst_object_ref (queue);
  *pay_out = gst_object_ref (pay);
  gst_element_sync_state_with_parent (pay);
  gst_element_sync_state_with_parent (queue);
  return ok;
}

static void
configure_ice (F2fPeerLink * link, const F2fPeerLinkConfig * config)
{
  GObject *ice = NULL;
  GObject *agent = NULL;
  guint i;

  g_object_get (link->webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL)
    return;
  /* TCP candidates only slow down gathering on the networks f2f targets;
   * UPnP port mapping costs start-up time and prints warnings. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "ice-tcp"))
    g_object_set (ice, "ice-tcp", FALSE, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  if (agent) {
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp"))
      g_object_set (agent, "upnp", FALSE, NULL);
    /* libnice sends at most one connectivity check per Ta, and webrtcbin
     * uses regular nomination: a check, then another one that nominates
     * the pair. With the default 20 ms a link spent ~60 ms in ICE on a
     * single loopback pair. 5 ms is the smallest Ta RFC 8445 allows; a LAN
     * link has only a few pairs, so the extra checks cost nothing. */
    if (config->ice_pacing_ms > 0 &&
        g_object_class_find_property (G_OBJECT_GET_CLASS (agent),
            "stun-pacing-timer"))
      g_object_set (agent, "stun-pacing-timer", config->ice_pacing_ms, NULL);
    g_object_unref (agent);
  }
  for (i = 0; config->local_addresses && config->local_addresses[i]; i++) {
    gboolean ok = FALSE;
    g_signal_emit_by_name (ice, "add-local-ip-address",
        config->local_addresses[i], &ok);
    if (!ok)
      GST_WARNING ("ICE refused local address %s",
          config->local_addresses[i]);
  }
  g_object_unref (ice);
}

/* rtpjitterbuffer 1.22's fast start checks only when a packet arrives, and
 * only the head of its queue. A new stream's stream-start, caps and segment
 * events are queued just before its first packet, and the jitterbuffer's
 * own thread often has not pushed them out yet when that packet arrives:
 * the head is then an event, fast start does not happen, and a stream whose
 * first frame is one packet (a small keyframe, every Opus packet) waits for
 * the first packet's deadline (the latency, 40 ms in the lan profile). So
 * the first packet waits at the jitterbuffer's door until its segment event
 * has left, at most first_packet_wait_ms (10 ms unless the configuration
 * says otherwise; usually well under 1 ms is needed). */
#define DEFAULT_FIRST_PACKET_WAIT_MS 10

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean segment_out;         /* protected by lock */
  gint64 wait_us;               /* read-only */
} FirstPacket;

static void
first_packet_clear (gpointer data)
{
  FirstPacket *first = data;

  g_mutex_clear (&first->lock);
  g_cond_clear (&first->cond);
}

static void
first_packet_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, first_packet_clear);
}

/* The jitterbuffer's thread, any event it pushes. */
static GstPadProbeReturn
on_jitterbuffer_event_out (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  FirstPacket *first = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_SEGMENT)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&first->lock);
  first->segment_out = TRUE;
  g_cond_signal (&first->cond);
  g_mutex_unlock (&first->lock);
  return GST_PAD_PROBE_REMOVE;
}

/* The receiving streaming thread, the stream's first packet (or list). */
static GstPadProbeReturn
on_jitterbuffer_first_packet (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  FirstPacket *first = user_data;
  gint64 until = g_get_monotonic_time () + first->wait_us;

  g_mutex_lock (&first->lock);
  while (!first->segment_out &&
      g_cond_wait_until (&first->cond, &first->lock, until));
  if (!first->segment_out)
    GST_DEBUG_OBJECT (pad, "segment not out after %" G_GINT64_FORMAT
        " us, going on", first->wait_us);
  g_mutex_unlock (&first->lock);
  return GST_PAD_PROBE_REMOVE;
}

static void
start_jitterbuffer_with_first_packet (GstElement * jitterbuffer,
    gint64 wait_us)
{
  GstPad *sink = gst_element_get_static_pad (jitterbuffer, "sink");
  GstPad *src = gst_element_get_static_pad (jitterbuffer, "src");
  FirstPacket *first;

  if (sink && src) {
    first = g_atomic_rc_box_new0 (FirstPacket);
    first->wait_us = wait_us;
    g_mutex_init (&first->lock);
    g_cond_init (&first->cond);
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        on_jitterbuffer_event_out, g_atomic_rc_box_acquire (first),
        first_packet_unref);
    gst_pad_add_probe (sink,
        GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
        on_jitterbuffer_first_packet, first, first_packet_unref);
  }
  gst_clear_object (&sink);
  gst_clear_object (&src);
}

/* The peer is alive while anything it sends arrives: RTP, RTCP, DTLS or
 * SCTP, retransmissions included. Counting only the heartbeat messages
 * declared links dead that were carrying 7-15 video frames a second under
 * 5-20 % loss: the heartbeats travel on a reliable, ordered data channel,
 * so one lost packet holds every later heartbeat back for SCTP's
 * retransmission timeout (1 s, doubling on each further loss), while RTP
 * kept arriving. Counted where packets leave the ICE transport, before
 * anything is decrypted or parsed. */
static GstPadProbeReturn
on_packet_in (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  touch (user_data);
  return GST_PAD_PROBE_OK;
}

/* webrtcbin (1.22) puts a clocksync with sync=TRUE behind each of its sink
 * pads, so every packet waits for its timestamp plus the whole pipeline's
 * latency before it is sent. In a call that latency is the receiving side's
 * (jitterbuffers, decoders, the room view's mixers: 100+ ms), so it would be
 * added to every peer's one-way delay. Worse, a new link's clocksync learns
 * the latency only when the application redistributes it, after the first
 * frames went out at once: the receiver's jitterbuffer takes its reference
 * from those, every later frame then looks a frame or more late, its first
 * packet is declared lost, and no frame of that peer's video decodes
 * (seen in about one main-job run of five). f2fsignal's inputs are live
 * (captured, or paced by the user's own clocksync, as stream-file.sh does),
 * so sending as soon as a packet is ready is right. */
/* Data for the DTLS connection (the data channels' SCTP packets) that
 * comes once the link is being destroyed is dropped before dtlsenc sees
 * it. GStreamer 1.22's dtlsenc (and today's) writes a buffer in a loop
 * that only ends when the connection took all of it, and its connection
 * answers "done, 0 bytes" without end once it has sent its close_notify
 * (it then calls SSL_shutdown, which returns 0 until the peer's comes) or
 * once its own source pad failed: the streaming thread spins, and every
 * turn queues another DTLS record that nothing sends. Seen in the
 * dtls-handshake bench, which tears links down right after they connect
 * while SCTP is still setting up its association: 24 GB in minutes, in 2
 * of 5 runs of 200 teardowns (docs/performance.md). The packets dropped
 * here would go nowhere anyway: the link is going. */
static GstPadProbeReturn
drop_when_destroyed (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  return is_destroyed (user_data) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* dtlsenc's sink pads are request pads, made when the data channels'
 * transport links to it. No reference to the link, as for nicesrc:
 * dtlsenc stops with webrtcbin in f2f_peer_link_destroy, before the link
 * can be freed, and makes no pad after that. */
static void
on_dtlsenc_pad_added (GstElement * dtlsenc, GstPad * pad, gpointer user_data)
{
  if (!GST_PAD_IS_SINK (pad))
    return;
  GST_DEBUG_OBJECT (dtlsenc, "dropping what reaches %" GST_PTR_FORMAT
      " once the link is destroyed", pad);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, drop_when_destroyed, user_data, NULL);
}

/* DTLS handshake datagrams go out twice. GStreamer's dtlsconnection (1.22
 * and today) leaves OpenSSL's handshake timer at its default, so a lost
 * flight is sent again after 1 s, then 2 s, then 4 s: across a link that
 * loses 5 % of its packets, a restarted peer took 5.3-10 s to decode a
 * peer it met across that link in 4 of 160 restarts of 16 clean-clone CI
 * runs of integration/chaos (ci40-ci56; its newcomer 6.6 s in one of
 * them; docs/performance.md, "Chaos"). Sent twice, a
 * flight is lost only when both copies are (0.25 % at 5 % loss, against
 * 5 %). The copy is the same datagram, record sequence numbers and all, so
 * the receiving end drops it as a replay (OpenSSL, BoringSSL and NSS all
 * keep a replay window for every epoch, the handshake's included): it
 * never answers it. A handshake costs a few kilobytes more, once per
 * link; nothing else is sent twice. (Both copies leave at once, so a
 * burst that takes one takes the other: random loss is what this helps.) */
static GQuark
handshake_copy_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("f2f-dtls-copy"));
  return (GQuark) quark;
}

static gboolean
is_dtls_handshake (GstBuffer * buf)
{
  guint8 head[2];

  /* a record of type handshake (22) or change_cipher_spec (20), version
   * 0xfeXX (DTLS): STUN never passes a nicesink, and SRTP/SRTCP start
   * with 0x80-0xbf */
  return gst_buffer_extract (buf, 0, head, 2) == 2 && (head[0] == 22
      || head[0] == 20) && head[1] == 0xfe;
}

static GstPadProbeReturn
send_handshake_twice (GstPad * pad, GstPadProbeInfo * info, gpointer unused)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstBuffer *copy;

  if (buf == NULL || gst_mini_object_get_qdata (GST_MINI_OBJECT (buf),
          handshake_copy_quark ()) || !is_dtls_handshake (buf))
    return GST_PAD_PROBE_OK;
  /* (on the thread pushing the original, whose stream locks are
   * recursive; the copy passes this probe again, marked, and every probe
   * of the nicesink's own pad as any datagram does) */
  copy = gst_buffer_copy (buf);
  gst_mini_object_set_qdata (GST_MINI_OBJECT (copy), handshake_copy_quark (),
      GINT_TO_POINTER (1), NULL);
  gst_pad_push (pad, copy);
  return GST_PAD_PROBE_OK;
}

/* The probe goes on the pad that feeds the nicesink, so that the copy
 * enters it as any datagram does: what watches the nicesink's input (the
 * wire count, f2fcongestion.c; a test's or a bench's loss) sees both,
 * each on its own. Once per pad. */
static void
on_nicesink_linked (GstPad * sink, GstPad * peer, gpointer unused)
{
  if (g_object_get_data (G_OBJECT (peer), "f2f-dtls-twice"))
    return;
  g_object_set_data (G_OBJECT (peer), "f2f-dtls-twice", GINT_TO_POINTER (1));
  gst_pad_add_probe (peer, GST_PAD_PROBE_TYPE_BUFFER, send_handshake_twice,
      NULL, NULL);
}

static void
on_deep_element_added (GstBin * webrtc, GstBin * sub_bin, GstElement * element,
    gpointer user_data)
{
  F2fPeerLink *link = user_data;
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory == NULL)
    return;
  if (strcmp (GST_OBJECT_NAME (factory), "nicesink") == 0) {
    GstPad *sink = gst_element_get_static_pad (element, "sink");

    if (sink && !link->dtls_handshake_once) {
      GstPad *peer = gst_pad_get_peer (sink);

      g_signal_connect (sink, "linked", G_CALLBACK (on_nicesink_linked),
          NULL);
      if (peer)
        on_nicesink_linked (sink, peer, NULL);
      gst_clear_object (&peer);
    }
    gst_clear_object (&sink);
  } else if (strcmp (GST_OBJECT_NAME (factory), "nicesrc") == 0) {
    GstPad *src = gst_element_get_static_pad (element, "src");

    /* Every packet from the peer: see on_packet_in. No reference to the
     * link: nicesrc stops with webrtcbin in f2f_peer_link_destroy, before
     * the link can be freed. */
    if (src) {
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_BUFFER_LIST, on_packet_in, link, NULL);
      gst_object_unref (src);
    }
  } else if (strcmp (GST_OBJECT_NAME (factory), "dtlsenc") == 0) {
    GstIterator *it = gst_element_iterate_sink_pads (element);
    GValue v = G_VALUE_INIT;

    g_signal_connect (element, "pad-added", G_CALLBACK (on_dtlsenc_pad_added),
        link);
    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      on_dtlsenc_pad_added (element, g_value_get_object (&v), link);
      g_value_reset (&v);
    }
    g_value_unset (&v);
    gst_iterator_free (it);
  } else if (strcmp (GST_OBJECT_NAME (factory), "dtlssrtpdec") == 0
      && link->dtls_pem) {
    /* The certificate this link presents (f2fdtlscert.c says why not
     * webrtcbin's). webrtcbin adds the transport's bins, and with them
     * this dtlssrtpdec, before it starts them and before any description
     * takes the certificate's fingerprint. */
    g_object_set (element, "pem", link->dtls_pem, NULL);
  } else if (strcmp (GST_OBJECT_NAME (factory), "clocksync") == 0) {
    GST_DEBUG_OBJECT (webrtc, "not syncing %" GST_PTR_FORMAT " to the clock",
        element);
    g_object_set (element, "sync", FALSE, NULL);
  } else if (strcmp (GST_OBJECT_NAME (factory), "rtpsession") == 0) {
    /* rtpsession holds a new source's packets "on probation" until two
     * arrive with consecutive sequence numbers. A one-packet keyframe then
     * waits for the next frame (67 ms at 15 fps) before anything of that
     * peer reaches the jitterbuffer, and the first audio for the next
     * 20 ms packet. Probation guards against stray unauthenticated RTP;
     * here every packet has passed srtpdec's authentication before the
     * session sees it, so it only costs time. */
    GST_DEBUG_OBJECT (webrtc, "no probation in %" GST_PTR_FORMAT, element);
    g_object_set (element, "probation", 0, NULL);
  } else if (strcmp (GST_OBJECT_NAME (factory), "rtpjitterbuffer") == 0
      && link->faststart_packets > 0) {
    /* A new stream's first packet otherwise waits for a deadline (the
     * latency) before anything is pushed, once per stream; with faststart
     * it goes as soon as that many packets in sequence are there. Packets
     * after it still wait for gaps. */
    GST_DEBUG_OBJECT (webrtc, "%" GST_PTR_FORMAT " starts after %u packets",
        element, link->faststart_packets);
    g_object_set (element, "faststart-min-packets", link->faststart_packets,
        NULL);
    start_jitterbuffer_with_first_packet (element,
        link->first_packet_wait_us);
  }
}

/* rtpbin lines up a peer's streams by RTCP sender reports: it delays
 * (jitterbuffer ts-offset) the stream its reports say is early. Between f2f
 * peers those corrections made things worse: webrtcbin's reports carry send
 * times, a mixer's mix and composite are restamped where they are made, and
 * the correction was an accident of each stream's first packets. Through a
 * mixer it held the voice 15-130 ms (once 1.5 s) while the picture already
 * came 50-100 ms before it (docs/performance.md, "Lip sync through
 * mixers"). rtpbin's max-ts-offset does not clamp a correction, it skips
 * one that is larger; 1 ns skips them all. webrtcbin made its rtpbin (named
 * "rtpbin") in its init, before deep-element-added could tell us. */
static void
set_lip_sync (GstElement * webrtc, guint max_delay_ms)
{
  GstElement *rtpbin = gst_bin_get_by_name (GST_BIN (webrtc), "rtpbin");

  if (rtpbin == NULL
      || !g_object_class_find_property (G_OBJECT_GET_CLASS (rtpbin),
          "max-ts-offset")) {
    GST_WARNING_OBJECT (webrtc, "no rtpbin with max-ts-offset: lip sync is "
        "rtpbin's default");
    gst_clear_object (&rtpbin);
    return;
  }
  g_object_set (rtpbin, "max-ts-offset", max_delay_ms > 0 ?
      (gint64) max_delay_ms * GST_MSECOND : (gint64) 1, NULL);
  gst_object_unref (rtpbin);
}

F2fPeerLink *
f2f_peer_link_new (GstBin * bin, const gchar * peer_id,
    const gchar * peer_name, gboolean offerer,
    const F2fPeerLinkConfig * config, const F2fPeerLinkCallbacks * callbacks,
    gpointer user_data)
{
  F2fPeerLink *link = g_new0 (F2fPeerLink, 1);
  g_autofree gchar *name = g_strdup_printf ("webrtc-%s", peer_id);

  link->refcount = 1;
  link->rtt_ms = -1;
  link->made_us = g_get_monotonic_time ();
  g_mutex_init (&link->lock);
  link->faststart_packets = config->faststart_packets;
  link->video_fec = config->video_fec;
  link->dtls_handshake_once = config->dtls_handshake_once;
  link->dtls_pem = g_strdup (config->dtls_pem);
  link->dtls_fingerprint = f2f_dtls_certificate_fingerprint (config->dtls_pem);
  link->first_packet_wait_us = (config->first_packet_wait_ms ?
      config->first_packet_wait_ms : DEFAULT_FIRST_PACKET_WAIT_MS) *
      G_TIME_SPAN_MILLISECOND;
  link->bin = bin;
  link->context = g_main_context_ref_thread_default ();
  link->peer_id = g_strdup (peer_id);
  link->peer_name = g_strdup (peer_name);
  link->offerer = offerer;
  link->cb = *callbacks;
  link->user_data = user_data;
  link->heartbeat_timeout_ms = config->heartbeat_timeout_ms;
  link->pending_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_f2f_message_free);
  link->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_object_unref);
  link->remote_ssrcs = g_hash_table_new (NULL, NULL);
  link->nack_jitterbuffers = g_ptr_array_new_with_free_func (gst_object_unref);
  /* until loss is seen (f2f_peer_link_pause_nack) */
  link->nack_paused = TRUE;
  link->state = F2F_LINK_NEW;

  link->webrtc = gst_element_factory_make ("webrtcbin", name);
  if (link->webrtc == NULL) {
    f2f_peer_link_unref (link);
    return NULL;
  }
  gst_object_ref_sink (link->webrtc);
  gst_util_set_object_arg (G_OBJECT (link->webrtc), "bundle-policy",
      "max-bundle");
  g_object_set (link->webrtc, "latency", config->latency_ms, NULL);
  g_signal_connect (link->webrtc, "deep-element-added",
      G_CALLBACK (on_deep_element_added), link);
  set_lip_sync (link->webrtc, config->lip_sync_max_delay_ms);
  connect_nack (link);
  if (config->stun_server)
    g_object_set (link->webrtc, "stun-server", config->stun_server, NULL);
  if (config->turn_server)
    g_object_set (link->webrtc, "turn-server", config->turn_server, NULL);
  g_object_set (link->webrtc, "ice-transport-policy",
      config->ice_transport_policy, NULL);

  g_signal_connect (link->webrtc, "on-ice-candidate",
      G_CALLBACK (on_ice_candidate), link);
  g_signal_connect (link->webrtc, "notify::connection-state",
      G_CALLBACK (on_connection_state), link);
  g_signal_connect (link->webrtc, "notify::ice-connection-state",
      G_CALLBACK (on_ice_connection_state), link);
  g_signal_connect (link->webrtc, "on-data-channel",
      G_CALLBACK (on_data_channel), link);
  g_signal_connect (link->webrtc, "pad-added", G_CALLBACK (on_pad_added),
      link);

  gst_bin_add (bin, link->webrtc);
  configure_ice (link, config);

  /* Transceivers in a fixed order, video then audio, on both sides, so
   * the offer's m-lines match the answerer's transceivers. */
  if (!add_sender (link, "video", config->video_caps, config->video_payloader,
          &link->video_queue, &link->video_pay)
      || !add_sender (link, "audio", config->audio_caps, "rtpopuspay",
          &link->audio_queue, &link->audio_pay)) {
    f2f_peer_link_destroy (link);
    f2f_peer_link_unref (link);
    return NULL;
  }
  gst_element_sync_state_with_parent (link->webrtc);
  return link;
}

/* Brings @element to its parent's state (or the state its parent is going
 * to) if it was left behind; TRUE if it had to. */
static gboolean
catch_up (GstElement * element)
{
  GstElement *parent;
  GstState state, pending, parent_state, parent_pending, target;

  if (element == NULL || gst_element_is_locked_state (element))
    return FALSE;
  parent = GST_ELEMENT (gst_element_get_parent (element));
  if (parent == NULL)
    return FALSE;
  GST_OBJECT_LOCK (parent);
  parent_state = GST_STATE (parent);
  parent_pending = GST_STATE_PENDING (parent);
  GST_OBJECT_UNLOCK (parent);
  gst_object_unref (parent);
  target = parent_pending != GST_STATE_VOID_PENDING ? parent_pending :
      parent_state;
  GST_OBJECT_LOCK (element);
  state = GST_STATE (element);
  pending = GST_STATE_PENDING (element);
  GST_OBJECT_UNLOCK (element);
  /* only one left behind and settled: one still changing state gets there
   * by itself, and going down is the owner's business */
  if (pending != GST_STATE_VOID_PENDING || state >= target)
    return FALSE;
  GST_WARNING_OBJECT (element, "left in %s while its parent is %s: bringing "
      "it up", gst_element_state_get_name (state),
      gst_element_state_get_name (target));
  gst_element_sync_state_with_parent (element);
  return TRUE;
}

/* A link is made on the private thread, and its elements are brought to
 * f2fsignal's state there (sync_state_with_parent), while the application
 * may be taking the pipeline from PAUSED to PLAYING on its own thread; the
 * two are not atomic together. When they cross, the webrtcbin can stay in
 * PAUSED inside a playing f2fsignal (seen: a stuck link's transport bins
 * synced to PAUSED again and again while every other link's went to
 * PLAYING). ICE works in PAUSED (libnice does not care), the DTLS client's
 * hello arrives, but the server's answer is prerolled in the PAUSED
 * nicesink and never sent, so the link sits at "ICE completed, DTLS
 * connecting" until link-timeout rebuilds it 10 s later (issue 14: 5 links
 * in 30 rooms of 7 peers starting at once; docs/performance.md, "The stuck
 * link"). */
gboolean
f2f_peer_link_catch_up_state (F2fPeerLink * link)
{
  gboolean caught = FALSE;

  if (is_destroyed (link))
    return FALSE;
  caught |= catch_up (link->webrtc);
  caught |= catch_up (link->video_queue);
  caught |= catch_up (link->video_pay);
  caught |= catch_up (link->audio_queue);
  caught |= catch_up (link->audio_pay);
  return caught;
}

void
f2f_peer_link_set_rtt (F2fPeerLink * link, gdouble rtt_ms)
{
  g_atomic_int_set (&link->rtt_ms, rtt_ms < 0 ? -1 : (gint) (rtt_ms + 0.5));
}

gint
f2f_peer_link_get_rtt (F2fPeerLink * link)
{
  return g_atomic_int_get (&link->rtt_ms);
}

const gchar *
f2f_peer_link_get_peer_id (F2fPeerLink * link)
{
  return link->peer_id;
}

const gchar *
f2f_peer_link_get_peer_name (F2fPeerLink * link)
{
  return link->peer_name;
}

gboolean
f2f_peer_link_is_offerer (F2fPeerLink * link)
{
  return link->offerer;
}

F2fLinkState
f2f_peer_link_get_state (F2fPeerLink * link)
{
  F2fLinkState state;

  LINK_LOCK (link);
  state = link->state;
  LINK_UNLOCK (link);
  return state;
}

GstElement *
f2f_peer_link_get_webrtcbin (F2fPeerLink * link)
{
  return link->webrtc;
}

static const gchar *
enum_nick (GType type, gint value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);
  /* static strings: a registered enum's class is never freed */
  const gchar *nick = v ? v->value_nick : "?";

  g_type_class_unref (klass);
  return nick;
}

gchar *
f2f_peer_link_describe (F2fPeerLink * link)
{
  GstWebRTCSignalingState signaling;
  GstWebRTCICEConnectionState ice;
  GstWebRTCICEGatheringState gathering;
  GstWebRTCPeerConnectionState pc;

  GstWebRTCRTPTransceiver *trans = NULL;
  GstWebRTCDTLSTransportState dtls = GST_WEBRTC_DTLS_TRANSPORT_STATE_NEW;
  gboolean client = FALSE, have_dtls = FALSE;
  g_autofree gchar *remote_pem = NULL, *remote_key = NULL;

  if (link->webrtc == NULL || is_destroyed (link))
    return g_strdup ("gone");
  g_object_get (link->webrtc, "signaling-state", &signaling,
      "ice-connection-state", &ice, "ice-gathering-state", &gathering,
      "connection-state", &pc, NULL);
  /* every section is bundled on one transport: the first sender's */
  g_signal_emit_by_name (link->webrtc, "get-transceiver", 0, &trans);
  if (trans) {
    GstWebRTCRTPSender *sender = NULL;
    GstWebRTCDTLSTransport *transport = NULL;

    g_object_get (trans, "sender", &sender, NULL);
    if (sender)
      g_object_get (sender, "transport", &transport, NULL);
    if (transport) {
      g_object_get (transport, "state", &dtls, "client", &client,
          "remote-certificate", &remote_pem, NULL);
      have_dtls = TRUE;
    }
    g_clear_object (&transport);
    g_clear_object (&sender);
    gst_object_unref (trans);
  }
  remote_key = f2f_dtls_certificate_describe (remote_pem);
  return g_strdup_printf ("signaling %s, remote description %s, "
      "%u candidates waiting for it, ICE %s, gathering %s, DTLS %s%s%s%s%s, "
      "connection %s", enum_nick (GST_TYPE_WEBRTC_SIGNALING_STATE, signaling),
      link->remote_set ? "set" : "not set", link->pending_candidates->len,
      enum_nick (GST_TYPE_WEBRTC_ICE_CONNECTION_STATE, ice),
      enum_nick (GST_TYPE_WEBRTC_ICE_GATHERING_STATE, gathering),
      have_dtls ? enum_nick (GST_TYPE_WEBRTC_DTLS_TRANSPORT_STATE, dtls) :
      "(none)", have_dtls ? (client ? " as client" : " as server") : "",
      remote_key ? " (the peer's key: " : "", remote_key ? remote_key : "",
      remote_key ? ")" : "", enum_nick (GST_TYPE_WEBRTC_PEER_CONNECTION_STATE,
          pc));
}

GstPad *
f2f_peer_link_get_sink (F2fPeerLink * link, const gchar * media)
{
  GstElement *queue = strcmp (media, "video") == 0 ? link->video_queue :
      link->audio_queue;

  return queue ? gst_element_get_static_pad (queue, "sink") : NULL;
}

static void
remove_element (GstBin * bin, GstElement * element)
{
  if (element == NULL)
    return;
  gst_element_set_locked_state (element, TRUE);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_bin_remove (bin, element);
}

/* webrtcbin 1.22 keeps its sctpenc and sctpdec in locked state until the
 * data channel's DTLS is up, then, from its own thread, unlocks them and
 * syncs them to its state. If that happens while webrtcbin is going to NULL
 * (a link rebuilt just as it connects), the bin has already skipped them as
 * locked and they come up after it: sctpenc's streaming thread then waits
 * for data for ever, and dropping webrtcbin's last reference joins that
 * thread in the pad's finalization, hanging f2fsignal's private thread
 * (seen once in ~1,000 simultaneous five-peer starts; fixed upstream in
 * 1.28 by stopping them in webrtcbin's dispose). Once webrtcbin is in NULL
 * its thread is stopped, so stopping every element inside it here leaves
 * nothing running. */
void
f2f_bin_foreach_element (GstBin * bin, F2fElementFunc fn,
    void (*restart) (gpointer data), gpointer data)
{
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;
  gboolean done = FALSE;

  while (!done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:{
        GstElement *e = g_value_get_object (&item);
        GstElementFactory *f = gst_element_get_factory (e);

        fn (e, f ? GST_OBJECT_NAME (f) : NULL, data);
        g_value_reset (&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        if (restart)
          restart (data);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

static void
stop_child (GstElement * element, const gchar * factory, gpointer data)
{
  /* a no-op for the elements that did stop */
  gst_element_set_state (element, GST_STATE_NULL);
}

static void
stop_children (GstBin * bin)
{
  f2f_bin_foreach_element (bin, stop_child, NULL, NULL);
}

void
f2f_peer_link_destroy (F2fPeerLink * link)
{
  GHashTable *channels;
  GHashTableIter iter;
  gpointer channel;

  LINK_LOCK (link);
  if (link->destroyed) {
    LINK_UNLOCK (link);
    return;
  }
  link->destroyed = TRUE;
  channels = link->channels;
  link->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_object_unref);
  LINK_UNLOCK (link);

  g_hash_table_iter_init (&iter, channels);
  while (g_hash_table_iter_next (&iter, NULL, &channel))
    g_signal_handlers_disconnect_by_data (channel, link);
  g_hash_table_unref (channels);

  /* webrtcbin first. The encoders' tees are already unlinked from this
   * link, but a queue's thread can still be inside webrtcbin, blocked in
   * its network sink: a sink that is PAUSED (the pipeline is pausing or
   * stopping while this peer leaves) holds every buffer until it plays.
   * Stopping the queue first would wait for that thread for ever; stopping
   * webrtcbin first flushes the sink and lets the thread go. Buffers the
   * queues still push are refused with FLUSHING and go nowhere. */
  if (link->webrtc) {
    g_signal_handlers_disconnect_by_data (link->webrtc, link);
    remove_element (link->bin, link->webrtc);
    stop_children (GST_BIN (link->webrtc));
  }
  remove_element (link->bin, link->video_queue);
  remove_element (link->bin, link->video_pay);
  remove_element (link->bin, link->audio_queue);
  remove_element (link->bin, link->audio_pay);
}
