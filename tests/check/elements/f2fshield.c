/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * f2f_pad_shield_branch (plugins/f2f/f2fpads.c): one branch of a tee that
 * stops taking data must not stop the source for the other branches. A
 * tee passes FLUSHING from any of its pads up to its source, whose task
 * then pauses for good; a mixer peer's mic went silent so for the whole
 * room (integration/election, 1 run in 34: every one of its mixes lacked
 * its voice, and its audio source's thread was paused).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <string.h>

#include "../../../plugins/f2f/f2fpads.h"

typedef struct
{
  GMutex lock;
  GCond cond;
  guint buffers;                /* reaching the branch that keeps going */
} Count;

static void
on_handoff (GstElement * sink, GstBuffer * buffer, GstPad * pad,
    gpointer data)
{
  Count *c = data;

  g_mutex_lock (&c->lock);
  c->buffers++;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

/* Whether @more buffers reach the kept branch within 5 s. */
static gboolean
keeps_flowing (Count * c, guint more)
{
  gint64 until = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  guint target;
  gboolean ok = TRUE;

  g_mutex_lock (&c->lock);
  target = c->buffers + more;
  while (c->buffers < target && ok)
    ok = g_cond_wait_until (&c->cond, &c->lock, until);
  ok = c->buffers >= target;
  g_mutex_unlock (&c->lock);
  return ok;
}

/* The warning the shield posts on @pipeline's bus, if any. */
static gchar *
warning_text (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  gchar *text = NULL;

  if (msg) {
    GError *err = NULL;

    gst_message_parse_warning (msg, &err, NULL);
    text = g_strdup (err->message);
    g_error_free (err);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return text;
}

/* A live source, a tee, a branch that keeps going and one that stops:
 * through a queue (@queued; GstQueue then refuses everything after its
 * thread met FLUSHING once) or straight into an element shut down while
 * linked. */
static void
check_branch_stops (gboolean queued, gboolean shielded)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("audiotestsrc", NULL);
  GstElement *tee = gst_element_factory_make ("tee", NULL);
  GstElement *keep = gst_element_factory_make ("fakesink", NULL);
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstElement *stop = gst_element_factory_make ("fakesink", NULL);
  GstElement *head = queued ? queue : stop;
  GstPad *tee_pad, *sink;
  Count c;
  gchar *warning;
  gboolean flowing;

  g_mutex_init (&c.lock);
  g_cond_init (&c.cond);
  c.buffers = 0;
  g_object_set (src, "is-live", TRUE, "samplesperbuffer", 480, NULL);
  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  g_object_set (keep, "sync", FALSE, "async", FALSE, "signal-handoffs", TRUE,
      NULL);
  g_object_set (stop, "sync", FALSE, "async", FALSE, NULL);
  g_signal_connect (keep, "handoff", G_CALLBACK (on_handoff), &c);
  gst_bin_add_many (GST_BIN (pipeline), src, tee, keep, stop, NULL);
  if (queued) {
    gst_bin_add (GST_BIN (pipeline), queue);
    fail_unless (gst_element_link (queue, stop));
  } else {
    gst_object_unref (queue);
  }
  fail_unless (gst_element_link_many (src, tee, keep, NULL));
  tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  if (shielded)
    f2f_pad_shield_branch (tee_pad, pipeline, "the test's branch");
  sink = gst_element_get_static_pad (head, "sink");
  fail_unless_equals_int (gst_pad_link (tee_pad, sink), GST_PAD_LINK_OK);
  gst_object_unref (sink);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (keeps_flowing (&c, 20), "nothing flowed at the start");

  /* the branch's end shuts down while it is still linked */
  gst_element_set_locked_state (stop, TRUE);
  gst_element_set_state (stop, GST_STATE_NULL);

  flowing = keeps_flowing (&c, 50);
  warning = warning_text (pipeline);
  if (shielded) {
    fail_unless (flowing, "the source stopped when one branch did (%s)",
        queued ? "through a queue" : "straight");
    fail_unless (warning != NULL && strstr (warning, "the test's branch"),
        "no warning named the branch: %s", warning ? warning : "none");
  } else {
    /* what the shield is for: without it, the tee stops the source */
    fail_if (flowing, "the source kept going without the shield: the test "
        "no longer shows what it guards against");
  }
  g_free (warning);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_element_set_locked_state (stop, FALSE);
  gst_object_unref (tee_pad);
  gst_object_unref (pipeline);
  g_mutex_clear (&c.lock);
  g_cond_clear (&c.cond);
}

GST_START_TEST (test_queue_refuses)
{
  check_branch_stops (TRUE, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_sink_refuses)
{
  check_branch_stops (FALSE, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_unshielded_source_stops)
{
  check_branch_stops (TRUE, FALSE);
  check_branch_stops (FALSE, FALSE);
}

GST_END_TEST;

static Suite *
f2fshield_suite (void)
{
  Suite *s = suite_create ("f2fshield");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_queue_refuses);
  tcase_add_test (tc, test_sink_refuses);
  tcase_add_test (tc, test_unshielded_source_stops);
  return s;
}

GST_CHECK_MAIN (f2fshield);
