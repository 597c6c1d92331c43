/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Lock order: rx->lock, then pad and object locks. rx->lock is never held
 * while calling into the room view (it adds pads and posts messages) or
 * while an element changes state. The frame counters are atomics in a
 * per-peer record the counting probe holds a reference to: no lock and no
 * lookup per decoded frame.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "f2freceiver.h"

GST_DEBUG_CATEGORY_EXTERN (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

struct _F2fBranches
{
  GPtrArray *elements;          /* decode branches */
  GPtrArray *view_pads;         /* the room view's request pads */
  GPtrArray *ghost_pads;        /* per-peer src pads of the bin */
};

typedef struct
{
  gchar *peer_id;
  gchar *name;                  /* protected by rx->lock */
  F2fPeerLink *link;            /* protected by rx->lock; current link */
  F2fBranches *branches;        /* protected by rx->lock */
  gsize video_frames, audio_frames;     /* atomic */
  gint video_seen, audio_seen;  /* atomic */
} RxPeer;

struct _F2fReceiver
{
  GstBin *bin;
  GstElement *view;
  GstPadTemplate *templ[2];     /* video, audio */
  F2fReceiverFirstFrame first_frame;
  gpointer user_data;
  gboolean per_peer;

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
  b->view_pads = g_ptr_array_new_with_free_func (gst_object_unref);
  b->ghost_pads = g_ptr_array_new_with_free_func (gst_object_unref);
  return b;
}

static void
branches_free (F2fBranches * b)
{
  g_ptr_array_unref (b->elements);
  g_ptr_array_unref (b->view_pads);
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
  g_mutex_clear (&rx->lock);
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

void
f2f_receiver_drop_branches (F2fReceiver * rx, F2fBranches * b)
{
  guint i;

  if (b == NULL)
    return;
  for (i = 0; i < b->elements->len; i++) {
    GstElement *e = g_ptr_array_index (b->elements, i);
    gst_element_set_locked_state (e, TRUE);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bin_remove (rx->bin, e);
  }
  for (i = 0; i < b->view_pads->len; i++)
    gst_element_release_request_pad (rx->view,
        g_ptr_array_index (b->view_pads, i));
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
    guint64 * video, guint64 * audio)
{
  RxPeer *p;

  RX_LOCK (rx);
  p = g_hash_table_lookup (rx->peers, peer_id);
  if (p) {
    *video = g_atomic_pointer_get (&p->video_frames);
    *audio = g_atomic_pointer_get (&p->audio_frames);
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
  }
  if (first && c->rx->first_frame)
    c->rx->first_frame (c->peer->peer_id, c->video ? "video" : "audio",
        c->rx->user_data);
  return GST_PAD_PROBE_OK;
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
  g_autofree gchar *name = NULL, *peer_name = NULL;
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
    dec = make ("opusdec");
    conv = make ("audioconvert");
    resample = make ("audioresample");
    if (dec) {
      g_object_set (dec, "plc", TRUE, "use-inband-fec", TRUE, NULL);
    }
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
  if (per_peer) {
    /* A per-peer pad nobody links (gst-launch cannot name it in advance)
     * drops its data instead of failing the link with not-linked. */
    tee = make ("tee");
    g_object_set (tee, "allow-not-linked", TRUE, NULL);
    gst_bin_add (rx->bin, tee);
    gst_element_link (out, tee);
  }

  RX_LOCK (rx);
  peer = g_hash_table_lookup (rx->peers, link_peer);
  if (peer == NULL || peer->link != link) {
    GstElement *made[] = { queue, depay, dec, conv, resample, tee };
    guint i;

    RX_UNLOCK (rx);
    GST_DEBUG_OBJECT (rx->bin, "stream from a link that is gone");
    for (i = 0; i < G_N_ELEMENTS (made); i++)
      if (made[i])
        gst_bin_remove (rx->bin, made[i]);
    return;
  }
  rx_peer_ref (peer);
  g_ptr_array_add (peer->branches->elements, gst_object_ref (queue));
  g_ptr_array_add (peer->branches->elements, gst_object_ref (depay));
  g_ptr_array_add (peer->branches->elements, gst_object_ref (dec));
  g_ptr_array_add (peer->branches->elements, gst_object_ref (conv));
  if (resample)
    g_ptr_array_add (peer->branches->elements, gst_object_ref (resample));
  if (tee)
    g_ptr_array_add (peer->branches->elements, gst_object_ref (tee));

  if (tee) {
    name = g_strdup_printf ("%s_src_%s", media, peer->peer_id);
    target = gst_ghost_pad_new_no_target_from_template (name,
        rx->templ[video ? 0 : 1]);
    g_ptr_array_add (peer->branches->ghost_pads, gst_object_ref (target));
  } else {
    peer_name = g_strdup (peer->name);
  }
  RX_UNLOCK (rx);

  if (tee == NULL) {
    gboolean kept = FALSE;

    /* Not under our lock: f2fcompositor adds a pad (pad-added) and may post
     * a message when a participant changes. */
    target = gst_element_request_pad_simple (rx->view,
        video ? "video_%u" : "audio_%u");
    g_object_set (target, "participant-id", peer->peer_id, "display-name",
        peer_name, NULL);
    RX_LOCK (rx);
    if (peer->link == link) {
      g_ptr_array_add (peer->branches->view_pads, gst_object_ref (target));
      kept = TRUE;
    }
    RX_UNLOCK (rx);
    if (!kept) {
      /* the link went meanwhile, and its teardown took our elements */
      GST_DEBUG_OBJECT (rx->bin, "stream from a link that is gone");
      gst_element_release_request_pad (rx->view, target);
      gst_object_unref (target);
      rx_peer_unref (peer);
      return;
    }
  }

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

  if (tee) {
    GstPad *tee_src = gst_element_request_pad_simple (tee, "src_%u");
    gst_ghost_pad_set_target (GST_GHOST_PAD (target), tee_src);
    gst_object_unref (tee_src);
    gst_pad_set_active (target, TRUE);
    /* takes the floating reference */
    gst_element_add_pad (GST_ELEMENT_CAST (rx->bin), target);
    gst_element_sync_state_with_parent (tee);
  } else {
    GstPad *out_src = gst_element_get_static_pad (out, "src");
    if (gst_pad_link (out_src, target) != GST_PAD_LINK_OK)
      GST_WARNING_OBJECT (rx->bin, "could not link %s of %s to the room "
          "view", media, link_peer);
    gst_object_unref (out_src);
    gst_object_unref (target);
  }

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
