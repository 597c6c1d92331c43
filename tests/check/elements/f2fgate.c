/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The video gate of an f2fsignal link (plugins/f2f/f2fgate.c) between a
 * tee and a queue, fed by hand: what it keeps while closed, what it sends
 * when opened, and that what it sends comes after the stream's caps.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "../../../plugins/f2f/f2fgate.h"

GST_DEBUG_CATEGORY (gst_f2f_signal_debug);

typedef struct
{
  GstElement *pipeline, *tee, *queue;
  GstPad *up;                   /* feeds the tee, like the encoder */
  GstPad *tee_pad;              /* the link's branch */
  GstPad *queue_sink;
  F2fGate *gate;
  gint buffers;                 /* (atomic) reached the queue */
  gint without_caps;            /* (atomic) of those, before any caps */
} Branch;

static GstPadProbeReturn
count_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Branch *b = user_data;

  g_atomic_int_inc (&b->buffers);
  if (!gst_pad_has_current_caps (pad))
    g_atomic_int_inc (&b->without_caps);
  return GST_PAD_PROBE_OK;
}

/* A tee with its caps, one requested pad with a closed gate on it, not
 * linked yet: as f2fsignal's connect_tee leaves it for a moment. */
static void
branch_init (Branch * b)
{
  GstElement *sink;
  GstPad *tee_sink;
  GstCaps *caps;
  GstSegment segment;

  memset (b, 0, sizeof *b);
  b->pipeline = gst_pipeline_new (NULL);
  b->tee = gst_element_factory_make ("tee", NULL);
  b->queue = gst_element_factory_make ("queue", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (b->pipeline), b->tee, b->queue, sink, NULL);
  fail_unless (gst_element_link (b->queue, sink));
  fail_unless_equals_int (gst_element_set_state (b->pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);

  b->up = gst_pad_new ("up", GST_PAD_SRC);
  gst_pad_set_active (b->up, TRUE);
  tee_sink = gst_element_get_static_pad (b->tee, "sink");
  fail_unless_equals_int (gst_pad_link (b->up, tee_sink), GST_PAD_LINK_OK);
  gst_object_unref (tee_sink);
  fail_unless (gst_pad_push_event (b->up,
          gst_event_new_stream_start ("video")));
  caps = gst_caps_new_empty_simple ("video/x-vp8");
  fail_unless (gst_pad_push_event (b->up, gst_event_new_caps (caps)));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_pad_push_event (b->up, gst_event_new_segment (&segment)));

  b->queue_sink = gst_element_get_static_pad (b->queue, "sink");
  gst_pad_add_probe (b->queue_sink, GST_PAD_PROBE_TYPE_BUFFER, count_buffer,
      b, NULL);
  b->tee_pad = gst_element_request_pad_simple (b->tee, "src_%u");
  b->gate = f2f_gate_new (b->tee_pad, b->queue_sink);
}

static void
branch_link (Branch * b)
{
  fail_unless_equals_int (gst_pad_link (b->tee_pad, b->queue_sink),
      GST_PAD_LINK_OK);
}

static void
branch_clear (Branch * b)
{
  gst_element_set_state (b->pipeline, GST_STATE_NULL);
  f2f_gate_unref (b->gate);
  gst_element_release_request_pad (b->tee, b->tee_pad);
  gst_object_unref (b->tee_pad);
  gst_object_unref (b->queue_sink);
  gst_pad_set_active (b->up, FALSE);
  gst_object_unref (b->up);
  gst_object_unref (b->pipeline);
}

/* A frame from the "encoder" at @pts ms; a keyframe or not. */
static void
push_frame (Branch * b, gint pts_ms, gboolean key)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64, NULL);

  GST_BUFFER_PTS (buf) = pts_ms * GST_MSECOND;
  if (!key)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  /* NOT_LINKED while the branch is not linked: the tee's business */
  gst_pad_push (b->up, buf);
}

/* The tee pushed a keyframe into the new pad before it was linked (so the
 * stream's events went nowhere), and the link connected before the next
 * frame: the kept keyframe must still reach the queue after the caps. */
GST_START_TEST (test_keyframe_kept_before_link)
{
  Branch b;

  branch_init (&b);
  push_frame (&b, 0, TRUE);
  branch_link (&b);
  fail_unless_equals_int (g_atomic_int_get (&b.buffers), 0);

  fail_unless (f2f_gate_open (b.gate, 60 * GST_MSECOND));
  fail_unless_equals_int (g_atomic_int_get (&b.buffers), 1);
  fail_unless_equals_int (g_atomic_int_get (&b.without_caps), 0);

  /* open: live frames go through */
  push_frame (&b, 67, FALSE);
  fail_unless_equals_int (g_atomic_int_get (&b.buffers), 2);
  branch_clear (&b);
}

GST_END_TEST;

/* While closed: frames before a keyframe are dropped, the latest keyframe
 * and the frames after it are kept and sent in order when it opens. */
GST_START_TEST (test_keeps_latest_keyframe)
{
  Branch b;

  branch_init (&b);
  branch_link (&b);
  push_frame (&b, 0, FALSE);
  push_frame (&b, 67, TRUE);
  push_frame (&b, 133, FALSE);
  push_frame (&b, 200, TRUE);
  push_frame (&b, 267, FALSE);
  fail_unless_equals_int (g_atomic_int_get (&b.buffers), 0);

  fail_unless (f2f_gate_open (b.gate, 300 * GST_MSECOND));
  /* the keyframe at 200 and the frame after it */
  fail_unless_equals_int (g_atomic_int_get (&b.buffers), 2);
  fail_unless_equals_int (g_atomic_int_get (&b.without_caps), 0);
  branch_clear (&b);
}

GST_END_TEST;

/* A keyframe older than 250 ms when the link connects is not sent: the
 * caller must ask for a new one. So is having no keyframe at all. */
GST_START_TEST (test_stale_or_no_keyframe)
{
  Branch b;

  branch_init (&b);
  branch_link (&b);
  push_frame (&b, 0, TRUE);
  fail_if (f2f_gate_open (b.gate, 400 * GST_MSECOND));
  fail_unless_equals_int (g_atomic_int_get (&b.buffers), 0);
  branch_clear (&b);

  branch_init (&b);
  branch_link (&b);
  push_frame (&b, 0, FALSE);
  fail_if (f2f_gate_open (b.gate, 10 * GST_MSECOND));
  fail_unless_equals_int (g_atomic_int_get (&b.buffers), 0);
  push_frame (&b, 67, FALSE);
  fail_unless_equals_int (g_atomic_int_get (&b.buffers), 1);
  branch_clear (&b);
}

GST_END_TEST;

static Suite *
f2fgate_suite (void)
{
  Suite *s = suite_create ("f2fgate");
  TCase *tc = tcase_create ("general");

  GST_DEBUG_CATEGORY_INIT (gst_f2f_signal_debug, "f2fsignal", 0, "f2f gate");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_keyframe_kept_before_link);
  tcase_add_test (tc, test_keeps_latest_keyframe);
  tcase_add_test (tc, test_stale_or_no_keyframe);
  return s;
}

GST_CHECK_MAIN (f2fgate);
