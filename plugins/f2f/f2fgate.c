/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Threads: the probe runs on the tee's streaming thread; the gate is opened
 * from f2fsignal's private thread. gate->lock is a leaf lock; the kept
 * frames are pushed with it held (see f2f_gate_open).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "f2fgate.h"

GST_DEBUG_CATEGORY_EXTERN (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

struct _F2fGate
{
  gint refcount;
  GMutex lock;
  gboolean open;                /* protected by lock */
  GQueue cache;                 /* protected by lock: GstBuffer */
  GWeakRef src;                 /* the encoder's tee pad: weak, since
                                 * the pad holds the probe's reference */
  GstPad *sink;                 /* the link's video queue */
};

/* A link taking longer than this to connect gets a fresh keyframe. */
#define GATE_MAX_AGE (250 * GST_MSECOND)
#define GATE_MAX_FRAMES 30

/* Streaming thread of the encoder's tee. */
static GstPadProbeReturn
gate_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  F2fGate *gate = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&gate->lock);
  if (gate->open) {
    g_mutex_unlock (&gate->lock);
    return GST_PAD_PROBE_REMOVE;
  }
  if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)) {
    g_queue_clear_full (&gate->cache, (GDestroyNotify) gst_buffer_unref);
    g_queue_push_tail (&gate->cache, gst_buffer_ref (buf));
  } else if (!g_queue_is_empty (&gate->cache)) {
    if (gate->cache.length < GATE_MAX_FRAMES)
      g_queue_push_tail (&gate->cache, gst_buffer_ref (buf));
    else                        /* too old to be worth sending */
      g_queue_clear_full (&gate->cache, (GDestroyNotify) gst_buffer_unref);
  }
  g_mutex_unlock (&gate->lock);
  return GST_PAD_PROBE_DROP;
}

F2fGate *
f2f_gate_new (GstPad * src, GstPad * sink)
{
  F2fGate *gate = g_new0 (F2fGate, 1);

  gate->refcount = 1;
  g_mutex_init (&gate->lock);
  g_queue_init (&gate->cache);
  g_weak_ref_init (&gate->src, src);
  gate->sink = gst_object_ref (sink);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, gate_probe,
      f2f_gate_ref (gate), (GDestroyNotify) f2f_gate_unref);
  return gate;
}

F2fGate *
f2f_gate_ref (F2fGate * gate)
{
  g_atomic_int_inc (&gate->refcount);
  return gate;
}

void
f2f_gate_unref (F2fGate * gate)
{
  if (!g_atomic_int_dec_and_test (&gate->refcount))
    return;
  g_queue_clear_full (&gate->cache, (GDestroyNotify) gst_buffer_unref);
  g_weak_ref_clear (&gate->src);
  gst_object_unref (gate->sink);
  g_mutex_clear (&gate->lock);
  g_free (gate);
}

static gboolean
collect_sticky (GstPad * pad, GstEvent ** event, gpointer user_data)
{
  g_ptr_array_add (user_data, gst_event_ref (*event));
  return TRUE;
}

/* Gives the link's queue the stream-start, caps and segment of the tee pad
 * that it does not have yet, before kept frames are chained into it. They
 * normally reach it with the tee's first push after gst_pad_link, but a
 * keyframe can be kept before that: the tee pushed it to its new pad between
 * the pad request and the link (the events then went nowhere, and the link
 * only marks them to be sent with the next push). If the link connects
 * before the encoder's next frame, the queue and payloader would get data
 * before any caps ("Got data flow before stream-start event", seen once in
 * 900 simultaneous five-peer starts). Called with the gate's lock held: the
 * tee's thread is then waiting in gate_probe, past its own sticky events. */
static void
gate_send_sticky (F2fGate * gate)
{
  GstPad *src = g_weak_ref_get (&gate->src);
  GPtrArray *events;
  guint i;

  if (src == NULL)
    return;
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_event_unref);
  /* collected first: the foreach holds the tee pad's lock */
  gst_pad_sticky_events_foreach (src, collect_sticky, events);
  gst_object_unref (src);
  for (i = 0; i < events->len; i++) {
    GstEvent *event = g_ptr_array_index (events, i);
    GstEvent *have = gst_pad_get_sticky_event (gate->sink,
        GST_EVENT_TYPE (event), 0);

    /* the tee hands every pad the same event objects */
    if (have != event)
      gst_pad_send_event (gate->sink, gst_event_ref (event));
    if (have)
      gst_event_unref (have);
  }
  g_ptr_array_unref (events);
}

/* Private thread, when the link is connected. Sends what was kept, if it is
 * recent, and lets the live frames through; FALSE when nothing recent was
 * kept (a keyframe must be asked for). The kept frames are pushed with the
 * lock held: the tee's next frame waits in gate_probe until they are in the
 * queue, so the order is kept. The queue is leaky, so the pushes never
 * block. */
gboolean
f2f_gate_open (F2fGate * gate, GstClockTime now)
{
  GstBuffer *first;
  gboolean fresh;

  g_mutex_lock (&gate->lock);
  gate->open = TRUE;
  first = g_queue_peek_head (&gate->cache);
  fresh = first && GST_CLOCK_TIME_IS_VALID (now)
      && GST_BUFFER_PTS_IS_VALID (first)
      && now < GST_BUFFER_PTS (first) + GATE_MAX_AGE;
  GST_DEBUG ("link connected: %s %u kept frames (keyframe %" G_GINT64_FORMAT
      " ms old)", fresh ? "sending" : "dropping", gate->cache.length,
      first && GST_CLOCK_TIME_IS_VALID (now) && GST_BUFFER_PTS_IS_VALID (first)
      ? GST_CLOCK_DIFF (GST_BUFFER_PTS (first), now) / GST_MSECOND : -1);
  if (fresh)
    gate_send_sticky (gate);
  while (!g_queue_is_empty (&gate->cache)) {
    GstBuffer *buf = g_queue_pop_head (&gate->cache);

    if (fresh)
      gst_pad_chain (gate->sink, buf);
    else
      gst_buffer_unref (buf);
  }
  g_mutex_unlock (&gate->lock);
  return fresh;
}

GstPad *
f2f_gate_get_sink (F2fGate * gate)
{
  return gate->sink;
}
