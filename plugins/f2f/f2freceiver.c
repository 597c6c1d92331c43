/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Where a decoded stream goes. Every stream ends in a tee; its branches go
 * to the destinations the peer's outputs name (the room view, a mixer's
 * sub-mix) or to a per-peer src pad. Outputs change while playing: a
 * branch is taken off between two buffers and the destination's pad
 * released, or a pad requested and linked.
 *
 * Lock order: rx->route_lock, then rx->lock, then pad and object locks.
 * route_lock serializes every change of a stream's branches (the private
 * thread's output changes and drops, a streaming thread's new stream);
 * rx->lock guards the tables and is never held while calling into a
 * destination (it adds pads and posts messages), while waiting for a
 * branch to go idle, or while an element changes state. The frame counters are atomics in a
 * per-peer record the counting probe holds a reference to: no lock and no
 * lookup per decoded frame.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "f2freceiver.h"
#include "f2fpads.h"
#include "f2fencode.h"
#include <gst/video/video.h>
#include <gst/f2f/f2fbitrate.h>

GST_DEBUG_CATEGORY_EXTERN (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

/* One decoded stream's way out. Protected by route_lock. */
typedef struct
{
  gboolean video;
  GstElement *tee;              /* the end of the decode branch */
  GstElement *dests[F2F_RECEIVER_N_DESTS];  /* what a branch goes to */
  GstPad *tee_pads[F2F_RECEIVER_N_DESTS];   /* the branches, or NULL */
  GstElement *queues[F2F_RECEIVER_N_DESTS]; /* one thread per branch */
  GstPad *dest_pads[F2F_RECEIVER_N_DESTS];  /* their destination's pads */
} RxStream;

struct _F2fBranches
{
  GPtrArray *elements;          /* decode branches */
  GPtrArray *streams;           /* RxStream*, to destinations */
  GPtrArray *ghost_pads;        /* per-peer src pads of the bin */
};

typedef struct
{
  gchar *peer_id;
  gchar *name;                  /* protected by rx->lock */
  guint outputs;                /* protected by rx->lock; F2fReceiverDest
                                 * bits */
  F2fPeerLink *link;            /* protected by rx->lock; current link */
  F2fBranches *branches;        /* protected by rx->lock */
  gsize video_frames, audio_frames;     /* atomic */
  gint video_seen, audio_seen;  /* atomic */
  gint audio_delay_ms;          /* atomic: of the latest decoded audio */
  gint key_repeats;             /* atomic: keyframe requests made again */
} RxPeer;

struct _F2fReceiver
{
  GstBin *bin;
  GstElement *view;
  GstPadTemplate *templ[2];     /* video, audio */
  F2fReceiverFirstFrame first_frame;
  gpointer user_data;
  gboolean per_peer;

  GMutex route_lock;
  GstElement *dests[F2F_RECEIVER_N_DESTS];  /* protected by route_lock */

  GMutex lock;
  GHashTable *peers;            /* id → RxPeer*, protected by lock */
};

#define RX_LOCK(r) g_mutex_lock (&(r)->lock)
#define RX_UNLOCK(r) g_mutex_unlock (&(r)->lock)

static F2fBranches *
branches_new (void)
{
  F2fBranches *b = g_new0 (F2fBranches, 1);

  b->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  b->streams = g_ptr_array_new_with_free_func (g_free);
  b->ghost_pads = g_ptr_array_new_with_free_func (gst_object_unref);
  return b;
}

static void
branches_free (F2fBranches * b)
{
  g_ptr_array_unref (b->elements);
  g_ptr_array_unref (b->streams);
  g_ptr_array_unref (b->ghost_pads);
  g_free (b);
}

static void
rx_peer_clear (gpointer data)
{
  RxPeer *p = data;

  g_free (p->peer_id);
  g_free (p->name);
  if (p->link)
    f2f_peer_link_unref (p->link);
  if (p->branches)
    branches_free (p->branches);
}

static RxPeer *
rx_peer_ref (RxPeer * p)
{
  return g_atomic_rc_box_acquire (p);
}

static void
rx_peer_unref (gpointer p)
{
  g_atomic_rc_box_release_full (p, rx_peer_clear);
}

F2fReceiver *
f2f_receiver_new (GstBin * bin, GstElement * view,
    GstPadTemplate * video_templ, GstPadTemplate * audio_templ,
    F2fReceiverFirstFrame first_frame, gpointer user_data)
{
  F2fReceiver *rx = g_new0 (F2fReceiver, 1);

  rx->bin = bin;
  rx->view = view;
  rx->dests[F2F_RECEIVER_VIEW] = view;
  g_mutex_init (&rx->route_lock);
  rx->templ[0] = gst_object_ref (video_templ);
  rx->templ[1] = gst_object_ref (audio_templ);
  rx->first_frame = first_frame;
  rx->user_data = user_data;
  g_mutex_init (&rx->lock);
  rx->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      rx_peer_unref);
  return rx;
}

void
f2f_receiver_free (F2fReceiver * rx)
{
  g_hash_table_unref (rx->peers);
  gst_object_unref (rx->templ[0]);
  gst_object_unref (rx->templ[1]);
  gst_clear_object (&rx->dests[F2F_RECEIVER_SUBMIX]);
  g_mutex_clear (&rx->lock);
  g_mutex_clear (&rx->route_lock);
  g_free (rx);
}

void
f2f_receiver_set_per_peer (F2fReceiver * rx, gboolean per_peer)
{
  RX_LOCK (rx);
  rx->per_peer = per_peer;
  RX_UNLOCK (rx);
}

void
f2f_receiver_set_link (F2fReceiver * rx, const gchar * peer_id,
    const gchar * name, F2fPeerLink * link)
{
  RxPeer *p;

  RX_LOCK (rx);
  p = g_hash_table_lookup (rx->peers, peer_id);
  if (p == NULL) {
    p = g_atomic_rc_box_new0 (RxPeer);
    p->peer_id = g_strdup (peer_id);
    p->outputs = F2F_RECEIVER_TO_VIEW;
    g_hash_table_insert (rx->peers, p->peer_id, p);
  }
  g_free (p->name);
  p->name = g_strdup (name);
  if (p->link)
    f2f_peer_link_unref (p->link);
  p->link = link ? f2f_peer_link_ref (link) : NULL;
  if (p->branches == NULL)
    p->branches = branches_new ();
  RX_UNLOCK (rx);
}

F2fBranches *
f2f_receiver_detach (F2fReceiver * rx, const gchar * peer_id)
{
  F2fBranches *b = NULL;
  RxPeer *p;

  RX_LOCK (rx);
  p = g_hash_table_lookup (rx->peers, peer_id);
  if (p) {
    b = g_steal_pointer (&p->branches);
    p->branches = branches_new ();
    if (p->link)
      f2f_peer_link_unref (p->link);
    p->link = NULL;
    /* the next link's first frames are news again */
    g_atomic_int_set (&p->video_seen, 0);
    g_atomic_int_set (&p->audio_seen, 0);
  }
  RX_UNLOCK (rx);
  return b;
}

/* Makes @st's branches go to the destinations @outputs names (bits of
 * F2fReceiverDest) among those there are, labelled @name. route_lock
 * held, rx->lock not. */
static void
stream_route (F2fReceiver * rx, RxStream * st, guint outputs,
    const gchar * peer_id_and_name[2])
{
  guint d;

  for (d = 0; d < F2F_RECEIVER_N_DESTS; d++) {
    GstElement *dest = (outputs & (1u << d)) ? rx->dests[d] : NULL;

    if (st->tee_pads[d] && st->dests[d] != dest) {
      f2f_pad_unlink_idle (st->tee_pads[d]);
      gst_element_release_request_pad (st->tee, st->tee_pads[d]);
      gst_element_set_locked_state (st->queues[d], TRUE);
      gst_element_set_state (st->queues[d], GST_STATE_NULL);
      gst_bin_remove (rx->bin, st->queues[d]);
      gst_clear_object (&st->queues[d]);
      gst_element_release_request_pad (st->dests[d], st->dest_pads[d]);
      gst_clear_object (&st->tee_pads[d]);
      gst_clear_object (&st->dest_pads[d]);
      gst_clear_object (&st->dests[d]);
    }
    if (dest && st->tee_pads[d] == NULL) {
      GstPad *dest_pad = gst_element_request_pad_simple (dest,
          st->video ? "video_%u" : "audio_%u");
      GstPad *tee_pad, *q_sink, *q_src;
      GstElement *queue;

      if (dest_pad == NULL) {
        GST_WARNING ("%s gave no %s pad", GST_OBJECT_NAME (dest),
            st->video ? "video" : "audio");
        continue;
      }
      g_object_set (dest_pad, "participant-id", peer_id_and_name[0],
          "display-name", peer_id_and_name[1], NULL);
      /* A queue per branch: a destination that waits (an aggregator's pad
       * is full until its output time) must not delay the others. */
      queue = gst_element_factory_make ("queue", NULL);
      gst_bin_add (rx->bin, queue);
      q_sink = gst_element_get_static_pad (queue, "sink");
      q_src = gst_element_get_static_pad (queue, "src");
      if (gst_pad_link (q_src, dest_pad) != GST_PAD_LINK_OK)
        GST_WARNING ("could not link the %s of %s to %s",
            st->video ? "video" : "audio", peer_id_and_name[0],
            GST_OBJECT_NAME (dest));
      gst_element_sync_state_with_parent (queue);
      tee_pad = gst_element_request_pad_simple (st->tee, "src_%u");
      {
        g_autofree gchar *what = g_strdup_printf ("the %s of %s into %s",
            st->video ? "video" : "audio", peer_id_and_name[0],
            GST_OBJECT_NAME (dest));

        /* one destination that stops must not stop the peer's stream, up
         * to its link, for the others */
        f2f_pad_shield_branch (tee_pad, GST_ELEMENT (rx->bin), what);
      }
      gst_pad_link (tee_pad, q_sink);
      gst_object_unref (q_sink);
      gst_object_unref (q_src);
      st->queues[d] = gst_object_ref (queue);
      st->tee_pads[d] = tee_pad;
      st->dest_pads[d] = dest_pad;
      st->dests[d] = gst_object_ref (dest);
    }
  }
}

/* Routes every stream of @p as its outputs say. route_lock held. */
static void
peer_route (F2fReceiver * rx, RxPeer * p)
{
  const gchar *id_name[2];
  g_autofree gchar *name = NULL;
  g_autoptr (GPtrArray) streams = g_ptr_array_new ();
  guint outputs, i;

  RX_LOCK (rx);
  outputs = rx->per_peer ? 0 : p->outputs;
  name = g_strdup (p->name);
  /* the branches cannot be dropped meanwhile: that takes route_lock */
  for (i = 0; p->branches && i < p->branches->streams->len; i++)
    g_ptr_array_add (streams, g_ptr_array_index (p->branches->streams, i));
  RX_UNLOCK (rx);
  id_name[0] = p->peer_id;
  id_name[1] = name;
  for (i = 0; i < streams->len; i++)
    stream_route (rx, g_ptr_array_index (streams, i), outputs, id_name);
}

void
f2f_receiver_set_outputs (F2fReceiver * rx, const gchar * peer_id,
    guint outputs)
{
  RxPeer *p;

  g_mutex_lock (&rx->route_lock);
  RX_LOCK (rx);
  p = g_hash_table_lookup (rx->peers, peer_id);
  if (p) {
    if (p->outputs == outputs)
      p = NULL;
    else {
      p->outputs = outputs;
      rx_peer_ref (p);
    }
  }
  RX_UNLOCK (rx);
  if (p) {
    peer_route (rx, p);
    rx_peer_unref (p);
  }
  g_mutex_unlock (&rx->route_lock);
}

void
f2f_receiver_set_destination (F2fReceiver * rx, F2fReceiverDest dest,
    GstElement * element)
{
  g_autoptr (GPtrArray) peers =
      g_ptr_array_new_with_free_func (rx_peer_unref);
  GHashTableIter iter;
  gpointer value;
  guint i;

  g_return_if_fail (dest != F2F_RECEIVER_VIEW);
  g_mutex_lock (&rx->route_lock);
  if (rx->dests[dest] == element) {
    g_mutex_unlock (&rx->route_lock);
    return;
  }
  RX_LOCK (rx);
  g_hash_table_iter_init (&iter, rx->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (peers, rx_peer_ref (value));
  RX_UNLOCK (rx);
  /* Off the old one first, then onto the new one. */
  gst_clear_object (&rx->dests[dest]);
  for (i = 0; i < peers->len; i++)
    peer_route (rx, g_ptr_array_index (peers, i));
  rx->dests[dest] = element ? gst_object_ref (element) : NULL;
  for (i = 0; element && i < peers->len; i++)
    peer_route (rx, g_ptr_array_index (peers, i));
  g_mutex_unlock (&rx->route_lock);
}

void
f2f_receiver_drop_branches (F2fReceiver * rx, F2fBranches * b)
{
  guint i;

  if (b == NULL)
    return;
  /* the link's webrtcbin has stopped: the branches are idle */
  g_mutex_lock (&rx->route_lock);
  for (i = 0; i < b->streams->len; i++)
    stream_route (rx, g_ptr_array_index (b->streams, i), 0, NULL);
  g_mutex_unlock (&rx->route_lock);
  for (i = 0; i < b->elements->len; i++) {
    GstElement *e = g_ptr_array_index (b->elements, i);
    gst_element_set_locked_state (e, TRUE);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bin_remove (rx->bin, e);
  }
  for (i = 0; i < b->ghost_pads->len; i++) {
    GstPad *ghost = g_ptr_array_index (b->ghost_pads, i);
    gst_pad_set_active (ghost, FALSE);
    gst_element_remove_pad (GST_ELEMENT_CAST (rx->bin), ghost);
  }
  branches_free (b);
}

void
f2f_receiver_forget (F2fReceiver * rx, const gchar * peer_id)
{
  RX_LOCK (rx);
  g_hash_table_remove (rx->peers, peer_id);
  RX_UNLOCK (rx);
}

gboolean
f2f_receiver_get_frames (F2fReceiver * rx, const gchar * peer_id,
    guint64 * video, guint64 * audio, gint * audio_delay_ms,
    guint * key_repeats)
{
  RxPeer *p;

  RX_LOCK (rx);
  p = g_hash_table_lookup (rx->peers, peer_id);
  if (p) {
    *video = g_atomic_pointer_get (&p->video_frames);
    *audio = g_atomic_pointer_get (&p->audio_frames);
    *audio_delay_ms = g_atomic_int_get (&p->audio_delay_ms);
    *key_repeats = g_atomic_int_get (&p->key_repeats);
  }
  RX_UNLOCK (rx);
  return p != NULL;
}

gchar *
f2f_receiver_owner_of (F2fReceiver * rx, GstElement * element)
{
  GHashTableIter iter;
  gpointer value;
  gchar *owner = NULL;

  RX_LOCK (rx);
  g_hash_table_iter_init (&iter, rx->peers);
  while (owner == NULL && g_hash_table_iter_next (&iter, NULL, &value)) {
    RxPeer *p = value;
    if (p->branches && g_ptr_array_find (p->branches->elements, element,
            NULL))
      owner = g_strdup (p->peer_id);
  }
  RX_UNLOCK (rx);
  return owner;
}

void
f2f_receiver_collect_tees (F2fReceiver * rx, GPtrArray * tees)
{
  GHashTableIter iter;
  gpointer value;
  guint i;

  RX_LOCK (rx);
  g_hash_table_iter_init (&iter, rx->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    RxPeer *p = value;
    for (i = 0; p->branches && i < p->branches->elements->len; i++) {
      GstElement *e = g_ptr_array_index (p->branches->elements, i);
      GstElementFactory *f = gst_element_get_factory (e);
      if (f && g_str_equal (GST_OBJECT_NAME (f), "tee"))
        g_ptr_array_add (tees, gst_object_ref (e));
    }
  }
  RX_UNLOCK (rx);
}

/* ---------------------------------------------------------------------- */
/* Decode branches */

typedef struct
{
  F2fReceiver *rx;
  RxPeer *peer;
  gboolean video;
} Counter;

static void
counter_free (gpointer data)
{
  Counter *c = data;

  rx_peer_unref (c->peer);
  g_free (c);
}

/* How old decoded sound is as it leaves the decoder: the running time now
 * less its end's. A room view mixes what is at most its latency old, so
 * a stream whose figure stays above that is heard as silence although it
 * decodes (a mixer's mix with send times that trail its timestamps is the
 * case this was made to see). Audio only: ~50-100 times a second. */
static void
record_audio_delay (Counter * c, GstPad * pad, GstBuffer * buf)
{
  GstClockTime now = gst_element_get_current_running_time (GST_ELEMENT_CAST
      (c->rx->bin));
  GstEvent *event;
  const GstSegment *segment;
  GstClockTime end;

  if (!GST_BUFFER_PTS_IS_VALID (buf) || !GST_CLOCK_TIME_IS_VALID (now))
    return;
  event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (event == NULL)
    return;
  gst_event_parse_segment (event, &segment);
  end = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf) + (GST_BUFFER_DURATION_IS_VALID (buf) ?
          GST_BUFFER_DURATION (buf) : 0));
  gst_event_unref (event);
  if (GST_CLOCK_TIME_IS_VALID (end))
    g_atomic_int_set (&c->peer->audio_delay_ms,
        (gint) (GST_CLOCK_DIFF (end, now) / GST_MSECOND));
}

static GstPadProbeReturn
count_frames (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Counter *c = user_data;
  gboolean first;

  if (c->video) {
    g_atomic_pointer_add (&c->peer->video_frames, 1);
    first = g_atomic_int_compare_and_exchange (&c->peer->video_seen, 0, 1);
  } else {
    g_atomic_pointer_add (&c->peer->audio_frames, 1);
    first = g_atomic_int_compare_and_exchange (&c->peer->audio_seen, 0, 1);
    record_audio_delay (c, pad, GST_PAD_PROBE_INFO_BUFFER (info));
  }
  if (first && c->rx->first_frame)
    c->rx->first_frame (c->peer->peer_id, c->video ? "video" : "audio",
        c->rx->user_data);
  return GST_PAD_PROBE_OK;
}

/* Keyframe requests made again while unanswered (GstF2fKeyRequest): a
 * video depayloader asks once when loss breaks a frame, and a request or
 * an answer that loss takes left a picture broken until the sender's next
 * periodic keyframe: one wait of 2.4-5.8 s in 3 of 9 runs of
 * integration/network test_loss_5. Probes on the depayloader, all on its
 * streaming thread but the lock is cheap. */
typedef struct
{
  GMutex lock;
  GstF2fKeyRequest kr;
  RxPeer *peer;                 /* (a reference) counts the repeats */
  F2fPeerLink *link;            /* (a reference) its round trip paces them */
} KeyRepeat;

static void
key_repeat_free (gpointer data)
{
  KeyRepeat *k = data;

  g_mutex_clear (&k->lock);
  rx_peer_unref (k->peer);
  f2f_peer_link_unref (k->link);
  g_free (k);
}

/* the depayloader's sink: requests going up, packets coming in */
static GstPadProbeReturn
key_repeat_sink (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  KeyRepeat *k = user_data;
  gint64 now = g_get_monotonic_time ();
  gboolean due;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_UPSTREAM) {
    if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info))) {
      g_mutex_lock (&k->lock);
      gst_f2f_key_request_sent (&k->kr, now);
      g_mutex_unlock (&k->lock);
    }
    return GST_PAD_PROBE_OK;
  }
  g_mutex_lock (&k->lock);
  due = gst_f2f_key_request_due (&k->kr, now,
      gst_f2f_key_request_interval_us (f2f_peer_link_get_rtt (k->link)));
  g_mutex_unlock (&k->lock);
  if (due) {
    GST_DEBUG ("no keyframe from %s yet: asking again", k->peer->peer_id);
    g_atomic_int_inc (&k->peer->key_repeats);
    /* (a PLI where the link negotiated one: every PLI is a new request,
     * where a FIR repeated with the same sequence number is not) */
    gst_pad_push_event (pad, gst_video_event_new_upstream_force_key_unit
        (GST_CLOCK_TIME_NONE, FALSE, 0));
  }
  return GST_PAD_PROBE_OK;
}

/* the depayloader's source: frames, the keyframes among them answers */
static GstPadProbeReturn
key_repeat_src (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  KeyRepeat *k = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (buffer && !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT)) {
    g_mutex_lock (&k->lock);
    gst_f2f_key_request_answered (&k->kr);
    g_mutex_unlock (&k->lock);
  }
  return GST_PAD_PROBE_OK;
}

static void
repeat_key_requests (GstElement * depay, RxPeer * peer, F2fPeerLink * link)
{
  KeyRepeat *k = g_new0 (KeyRepeat, 1);
  GstPad *sink = gst_element_get_static_pad (depay, "sink");
  GstPad *src = gst_element_get_static_pad (depay, "src");

  g_mutex_init (&k->lock);
  k->peer = rx_peer_ref (peer);
  k->link = f2f_peer_link_ref (link);
  /* (the state goes with the depayloader) */
  g_object_set_data_full (G_OBJECT (depay), "f2f-key-repeat", k,
      key_repeat_free);
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM |
      GST_PAD_PROBE_TYPE_BUFFER, key_repeat_sink, k, NULL);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, key_repeat_src, k, NULL);
  gst_object_unref (sink);
  gst_object_unref (src);
}

static GstElement *
make (const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL)
    GST_ERROR ("missing element %s", factory);
  return e;
}

/* This must link before returning, or the first buffers hit an unlinked
 * pad; so, unlike everything else, it rearranges the bin from a streaming
 * thread. */
void
f2f_receiver_add_stream (F2fReceiver * rx, F2fPeerLink * link, GstPad * pad,
    const gchar * media)
{
  gboolean video = strcmp (media, "video") == 0;
  const gchar *link_peer = f2f_peer_link_get_peer_id (link);
  GstElement *depay, *dec, *conv, *resample = NULL, *queue, *tee = NULL;
  GstElement *out;
  GstPad *sink, *target = NULL;
  RxPeer *peer;
  Counter *counter;
  g_autofree gchar *name = NULL;
  GstCaps *caps;
  const gchar *encoding = NULL;
  gboolean per_peer;

  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps && gst_caps_get_size (caps) > 0)
    encoding = gst_structure_get_string (gst_caps_get_structure (caps, 0),
        "encoding-name");
  if (video) {
    gboolean h264 = g_strcmp0 (encoding, "H264") == 0;
    depay = make (h264 ? "rtph264depay" : "rtpvp8depay");
    dec = make (h264 ? "avdec_h264" : "vp8dec");
    conv = make ("videoconvert");
  } else {
    depay = make ("rtpopusdepay");
    dec = f2f_decode_opus ();
    if (dec == NULL)
      GST_ERROR ("missing element opusdec");
    conv = make ("audioconvert");
    resample = make ("audioresample");
  }
  gst_clear_caps (&caps);
  queue = make ("queue");
  if (!depay || !dec || !conv || !queue || (!video && !resample)) {
    GST_ELEMENT_ERROR (rx->bin, CORE, MISSING_PLUGIN,
        ("A decoder for the %s of peer %s is missing.", media, link_peer),
        (NULL));
    gst_clear_object (&depay);
    gst_clear_object (&dec);
    gst_clear_object (&conv);
    gst_clear_object (&resample);
    gst_clear_object (&queue);
    return;
  }

  RX_LOCK (rx);
  per_peer = rx->per_peer || rx->view == NULL;
  RX_UNLOCK (rx);

  gst_bin_add_many (rx->bin, queue, depay, dec, conv, NULL);
  gst_element_link_many (queue, depay, dec, conv, NULL);
  out = conv;
  if (resample) {
    gst_bin_add (rx->bin, resample);
    gst_element_link (conv, resample);
    out = resample;
  }
  /* Every stream ends in a tee, whose branches go where the peer's outputs
   * say; a per-peer pad nobody links (gst-launch cannot name it in
   * advance), or a stream that goes nowhere for now, drops its data
   * instead of failing with not-linked. */
  tee = make ("tee");
  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add (rx->bin, tee);
  gst_element_link (out, tee);

  g_mutex_lock (&rx->route_lock);
  RX_LOCK (rx);
  peer = g_hash_table_lookup (rx->peers, link_peer);
  if (peer == NULL || peer->link != link) {
    GstElement *made[] = { queue, depay, dec, conv, resample, tee };
    guint i;

    RX_UNLOCK (rx);
    g_mutex_unlock (&rx->route_lock);
    GST_DEBUG_OBJECT (rx->bin, "stream from a link that is gone");
    for (i = 0; i < G_N_ELEMENTS (made); i++)
      if (made[i])
        gst_bin_remove (rx->bin, made[i]);
    return;
  }
  rx_peer_ref (peer);
  /* (nothing flows before the link at the end) */
  if (video)
    repeat_key_requests (depay, peer, link);
  g_ptr_array_add (peer->branches->elements, gst_object_ref (queue));
  g_ptr_array_add (peer->branches->elements, gst_object_ref (depay));
  g_ptr_array_add (peer->branches->elements, gst_object_ref (dec));
  g_ptr_array_add (peer->branches->elements, gst_object_ref (conv));
  if (resample)
    g_ptr_array_add (peer->branches->elements, gst_object_ref (resample));
  g_ptr_array_add (peer->branches->elements, gst_object_ref (tee));

  if (per_peer) {
    name = g_strdup_printf ("%s_src_%s", media, peer->peer_id);
    target = gst_ghost_pad_new_no_target_from_template (name,
        rx->templ[video ? 0 : 1]);
    g_ptr_array_add (peer->branches->ghost_pads, gst_object_ref (target));
  } else {
    RxStream *st = g_new0 (RxStream, 1);
    st->video = video;
    st->tee = tee;              /* owned by the elements */
    g_ptr_array_add (peer->branches->streams, st);
  }
  RX_UNLOCK (rx);
  if (!per_peer) {
    /* Under route_lock: the branches stay until this is done. */
    peer_route (rx, peer);
  }
  g_mutex_unlock (&rx->route_lock);

  counter = g_new0 (Counter, 1);
  counter->rx = rx;
  counter->peer = peer;         /* takes the reference */
  counter->video = video;
  {
    GstPad *dec_src = gst_element_get_static_pad (dec, "src");
    gst_pad_add_probe (dec_src, GST_PAD_PROBE_TYPE_BUFFER, count_frames,
        counter, counter_free);
    gst_object_unref (dec_src);
  }

  if (per_peer) {
    GstPad *tee_src = gst_element_request_pad_simple (tee, "src_%u");
    gst_ghost_pad_set_target (GST_GHOST_PAD (target), tee_src);
    gst_object_unref (tee_src);
    gst_pad_set_active (target, TRUE);
    /* takes the floating reference */
    gst_element_add_pad (GST_ELEMENT_CAST (rx->bin), target);
  }

  gst_element_sync_state_with_parent (tee);
  gst_element_sync_state_with_parent (out);
  if (resample)
    gst_element_sync_state_with_parent (conv);
  gst_element_sync_state_with_parent (dec);
  gst_element_sync_state_with_parent (depay);
  gst_element_sync_state_with_parent (queue);

  sink = gst_element_get_static_pad (queue, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    GST_WARNING_OBJECT (rx->bin, "could not link the %s of %s", media,
        link_peer);
  gst_object_unref (sink);
}
