/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Takes every element of the f2f plugin through NULL → READY → PAUSED →
 * PLAYING and back, alone in a pipeline with no links, which is how a user's
 * half-built pipeline meets them.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

static GList *
f2f_element_names (void)
{
  GList *features, *l, *names = NULL;

  features = gst_registry_get_feature_list_by_plugin (gst_registry_get (),
      "f2f");
  for (l = features; l; l = l->next) {
    if (GST_IS_ELEMENT_FACTORY (l->data))
      names = g_list_prepend (names,
          g_strdup (gst_plugin_feature_get_name (l->data)));
  }
  gst_plugin_feature_list_free (features);
  return g_list_sort (names, (GCompareFunc) g_strcmp0);
}

GST_START_TEST (test_plugin_loads)
{
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "f2f");

  fail_unless (plugin != NULL, "the f2f plugin was not found in %s",
      g_getenv ("GST_PLUGIN_PATH_1_0"));
  gst_object_unref (plugin);
}

GST_END_TEST;

static void
cycle (GstElement * pipeline, GstState target)
{
  GstStateChangeReturn ret = gst_element_set_state (pipeline, target);

  fail_if (ret == GST_STATE_CHANGE_FAILURE);
  if (ret == GST_STATE_CHANGE_ASYNC) {
    /* Elements without sources cannot preroll; they answer NO_PREROLL or
     * stay ASYNC, both fine here. Wait only a bounded time. */
    gst_element_get_state (pipeline, NULL, NULL, 2 * GST_SECOND);
  }
}

GST_START_TEST (test_state_changes)
{
  GList *names = f2f_element_names (), *l;
  const GstState order[] = { GST_STATE_READY, GST_STATE_PAUSED,
    GST_STATE_PLAYING, GST_STATE_PAUSED, GST_STATE_READY, GST_STATE_NULL,
    GST_STATE_PLAYING, GST_STATE_NULL
  };

  for (l = names; l; l = l->next) {
    GstElement *pipeline = gst_pipeline_new (NULL);
    GstElement *element = gst_element_factory_make (l->data, NULL);
    guint i;

    GST_INFO ("cycling %s", (gchar *) l->data);
    fail_unless (element != NULL, "could not make %s", (gchar *) l->data);
    /* f2fsignal needs a room; its server is a closed port on loopback that
     * it keeps retrying for longer than this test runs. */
    if (g_str_equal (l->data, "f2fsignal"))
      g_object_set (element, "room", "states", "server-uri",
          "ws://127.0.0.1:9/ws", "connect-timeout", 600000, NULL);
    gst_bin_add (GST_BIN (pipeline), element);
    for (i = 0; i < G_N_ELEMENTS (order); i++)
      cycle (pipeline, order[i]);
    gst_object_unref (pipeline);
  }
  g_list_free_full (names, g_free);
}

GST_END_TEST;

/* Stopping right after starting: an element whose private thread has not
 * reached its main loop yet when READY→NULL comes must still stop (a quit
 * sent before the loop runs used to be lost, and the join waited for
 * ever). The pipeline is stopped from a helper thread so that a hang is
 * reported as a failure naming the element, not a test timeout. */
typedef struct
{
  GstElement *pipeline;
  GMutex lock;
  GCond cond;
  gboolean done;
} Stopper;

static gpointer
stop_pipeline (gpointer data)
{
  Stopper *s = data;

  gst_element_set_state (s->pipeline, GST_STATE_NULL);
  g_mutex_lock (&s->lock);
  s->done = TRUE;
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);
  return NULL;
}

#define FAST_CYCLES 200

static void
fast_cycles (const gchar * factory, GstState top)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *element = gst_element_factory_make (factory, NULL);
  guint i;

  fail_unless (element != NULL, "could not make %s", factory);
  if (g_str_equal (factory, "f2fsignal"))
    g_object_set (element, "room", "states", "server-uri",
        "ws://127.0.0.1:9/ws", "connect-timeout", 600000, NULL);
  gst_bin_add (GST_BIN (pipeline), element);
  for (i = 0; i < FAST_CYCLES; i++) {
    Stopper s = { pipeline };
    GThread *thread;
    gint64 deadline;
    gboolean done;

    fail_if (gst_element_set_state (pipeline, top) ==
        GST_STATE_CHANGE_FAILURE);
    g_mutex_init (&s.lock);
    g_cond_init (&s.cond);
    thread = g_thread_new ("stopper", stop_pipeline, &s);
    /* valgrind makes the first stop (it waits for the DTLS key) slow */
    deadline = g_get_monotonic_time () + (g_getenv ("F2F_UNDER_VALGRIND") ?
        120 : 10) * G_TIME_SPAN_SECOND;
    g_mutex_lock (&s.lock);
    while (!s.done && g_cond_wait_until (&s.cond, &s.lock, deadline));
    done = s.done;
    g_mutex_unlock (&s.lock);
    /* A hung stop cannot be cleaned up: fail at once, leaving it. */
    fail_unless (done, "%s did not return from %s→NULL in time (cycle "
        "%u of %u)", factory, gst_element_state_get_name (top), i + 1,
        FAST_CYCLES);
    g_thread_join (thread);
    g_mutex_clear (&s.lock);
    g_cond_clear (&s.cond);
  }
  gst_object_unref (pipeline);
}

GST_START_TEST (test_fast_ready_null_cycles)
{
  const gchar *factories[] = { "f2fsignal", "f2ffileshare", "f2ftopology" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (factories); i++) {
    fast_cycles (factories[i], GST_STATE_READY);
    fast_cycles (factories[i], GST_STATE_PAUSED);
  }
}

GST_END_TEST;

static Suite *
states_suite (void)
{
  Suite *s = suite_create ("f2f states");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_plugin_loads);
  tcase_add_test (tc, test_state_changes);
  tcase_add_test (tc, test_fast_ready_null_cycles);
  return s;
}

GST_CHECK_MAIN (states);
