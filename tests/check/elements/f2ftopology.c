/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * f2ftopology on its own: settings a user can get wrong, a video pad that
 * shows something even before there is a room, and a room object (no
 * network) whose adopted plan is drawn as soon as it changes. Rooms with
 * real links are in integration/room.c.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <gst/f2f/f2f.h>

static guint warnings;

static void
count_warning (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer data)
{
  warnings++;
}

GST_START_TEST (test_settings)
{
  GstElement *t = gst_element_factory_make ("f2ftopology", NULL);
  g_autofree gchar *location = NULL, *format = NULL, *dot = NULL;
  GstPad *pad, *again;

  fail_unless (t != NULL);
  /* a pattern printf would misread is refused with a warning, the old one
   * kept */
  g_log_set_handler ("GStreamer-F2F", G_LOG_LEVEL_WARNING, count_warning,
      NULL);
  g_object_set (t, "location", "room-%05d.dot", NULL);
  fail_unless_equals_int (warnings, 0);
  g_object_set (t, "location", "room-%s-%n.dot", NULL);
  g_object_set (t, "location", "room.dot", NULL);
  g_object_set (t, "format", "gif", NULL);
  fail_unless_equals_int (warnings, 3);
  g_object_set (t, "format", "svg", NULL);
  g_object_get (t, "location", &location, "format", &format, NULL);
  fail_unless_equals_string (location, "room-%05d.dot");
  fail_unless_equals_string (format, "svg");

  g_signal_emit_by_name (t, "get-dot", &dot);
  fail_unless (dot == NULL);

  pad = gst_element_request_pad_simple (t, "video_src");
  fail_unless (pad != NULL);
  ASSERT_CRITICAL (again = gst_element_request_pad_simple (t, "video_src"));
  fail_unless (again == NULL);
  gst_object_unref (pad);
  gst_object_unref (t);
}

GST_END_TEST;

/* With no room anywhere, the video shows the "waiting" picture. */
GST_START_TEST (test_waiting_picture)
{
  GstElement *pipeline = gst_parse_launch ("f2ftopology name=t interval=200 "
      "width=160 height=90 t.video_src ! videoconvert ! "
      "video/x-raw,format=GRAY8 ! appsink name=sink sync=false", NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstSample *sample;
  GstMapInfo map;
  guint8 lo = 255, hi = 0;
  gsize i;

  fail_unless (pipeline != NULL && sink != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
      10 * GST_SECOND);
  fail_unless (sample != NULL, "no picture within 10 s");
  gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
  fail_unless_equals_int (map.size, 160 * 90);
  for (i = 0; i < map.size; i++) {
    lo = MIN (lo, map.data[i]);
    hi = MAX (hi, map.data[i]);
  }
  gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
  fail_unless (hi - lo > 64, "the picture is blank");
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* (transfer full): the next f2f-topology message whose plan-epoch is
 * @epoch, or NULL after 10 s. */
static GstStructure *
wait_for_epoch (GstBus * bus, guint64 epoch)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gint64 left;

  while ((left = deadline - g_get_monotonic_time ()) > 0) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_ELEMENT);
    const GstStructure *s;
    guint64 got = G_MAXUINT64;
    GstStructure *copy = NULL;

    if (msg == NULL)
      break;
    s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "f2f-topology")
        && gst_structure_get_uint64 (s, "plan-epoch", &got) && got == epoch)
      copy = gst_structure_copy (s);
    gst_message_unref (msg);
    if (copy)
      return copy;
  }
  return NULL;
}

static const gchar *
node_field (const GstStructure * s, const gchar * id, const gchar * field)
{
  const GValue *nodes = gst_structure_get_value (s, "nodes");
  guint i;

  for (i = 0; i < gst_value_list_get_size (nodes); i++) {
    const GstStructure *n =
        gst_value_get_structure (gst_value_list_get_value (nodes, i));
    if (g_strcmp0 (gst_structure_get_string (n, "id"), id) == 0)
      return gst_structure_get_string (n, field);
  }
  return NULL;
}

/* With interval=0 nothing but the room's "plan-changed" can bring the
 * second drawing: the new plan is drawn at once, roles and all. */
GST_START_TEST (test_plan_redraw)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *t = gst_element_factory_make ("f2ftopology", NULL);
  GstF2fRoom *room = gst_f2f_room_new ();
  g_autoptr (GstF2fPlan) plan = gst_f2f_plan_new (1, "c1");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autofree gchar *dot = NULL;
  GstContext *context;
  GstStructure *s;

  fail_unless (t != NULL);
  g_object_set (t, "interval", 0, NULL);
  gst_bin_add (GST_BIN (pipeline), t);
  gst_f2f_room_set_identity (room, "r", "m", "Mixer");
  gst_f2f_room_peer_joined (room, "c1", "C1");
  gst_f2f_room_peer_joined (room, "c2", "C2");
  context = gst_f2f_room_context_new (room);
  gst_element_set_context (pipeline, context);
  gst_context_unref (context);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  s = wait_for_epoch (bus, 0);
  fail_unless (s != NULL, "no drawing of the mesh");
  fail_unless_equals_string (gst_structure_get_string (s, "mixers"), "");
  fail_unless_equals_string (node_field (s, "m", "role"), "mesh");
  gst_structure_free (s);

  gst_f2f_plan_add_mixer (plan, "m");
  gst_f2f_plan_assign (plan, "c1", "m");
  gst_f2f_room_set_plan (room, plan);
  s = wait_for_epoch (bus, 1);
  fail_unless (s != NULL, "the new plan was not drawn");
  fail_unless_equals_string (gst_structure_get_string (s, "mixers"), "m");
  fail_unless_equals_string (gst_structure_get_string (s, "plan-proposer"),
      "c1");
  fail_unless_equals_string (node_field (s, "m", "role"), "mixer");
  fail_unless_equals_string (node_field (s, "c1", "role"), "client");
  /* not in the plan: a late joiner, served by the first mixer */
  fail_unless_equals_string (node_field (s, "c2", "served-by"), "m");
  gst_structure_free (s);
  g_signal_emit_by_name (t, "get-dot", &dot);
  fail_unless (dot && strstr (dot, "plan 1 by C1: 1 mixer"), "%s", dot);
  fail_unless (strstr (dot, "client of Mixer"), "%s", dot);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  gst_object_unref (room);
}

GST_END_TEST;

/* The scores of the election this peer ran (f2felection keeps them in the
 * room) are drawn on the nodes, and are in the bus message's nodes. */
GST_START_TEST (test_scores_on_nodes)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *t = gst_element_factory_make ("f2ftopology", NULL);
  GstF2fRoom *room = gst_f2f_room_new ();
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autofree gchar *dot = NULL;
  GValue scores = G_VALUE_INIT;
  GstContext *context;
  GstStructure *s;
  const gchar *ids[] = { "m", "c1", "c2" };
  const gdouble values[] = { 24000000, 1500000, 640000 };
  const gboolean eligible[] = { TRUE, FALSE, TRUE };
  const gboolean measured[] = { TRUE, TRUE, FALSE };
  guint i;

  g_object_set (t, "interval", 100, NULL);
  gst_bin_add (GST_BIN (pipeline), t);
  gst_f2f_room_set_identity (room, "r", "m", "Mixer");
  gst_f2f_room_peer_joined (room, "c1", "C1");
  gst_f2f_room_peer_joined (room, "c2", "C2");
  /* as f2felection's f2f-election-result has them */
  g_value_init (&scores, GST_TYPE_LIST);
  for (i = 0; i < G_N_ELEMENTS (ids); i++) {
    GValue v = G_VALUE_INIT;
    GstStructure *one = gst_structure_new ("score", "peer", G_TYPE_STRING,
        ids[i], "eligible", G_TYPE_BOOLEAN, eligible[i], "measured",
        G_TYPE_BOOLEAN, measured[i], "value", G_TYPE_DOUBLE, values[i],
        NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    gst_value_set_structure (&v, one);
    gst_structure_free (one);
    gst_value_list_append_and_take_value (&scores, &v);
  }
  gst_f2f_room_set_scores (room, &scores);
  g_value_unset (&scores);
  context = gst_f2f_room_context_new (room);
  gst_element_set_context (pipeline, context);
  gst_context_unref (context);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  s = wait_for_epoch (bus, 0);
  fail_unless (s != NULL, "no drawing");
  {
    const GValue *nodes = gst_structure_get_value (s, "nodes");
    guint n_scored = 0;
    for (i = 0; i < gst_value_list_get_size (nodes); i++) {
      const GstStructure *n =
          gst_value_get_structure (gst_value_list_get_value (nodes, i));
      gdouble v;
      if (gst_structure_get_double (n, "score", &v))
        n_scored++;
    }
    fail_unless_equals_int (n_scored, 3);
  }
  gst_structure_free (s);
  g_signal_emit_by_name (t, "get-dot", &dot);
  fail_unless (dot && strstr (dot, "\\nscore 24.0 Mb/s\""), "%s", dot);
  fail_unless (strstr (dot, "\\nscore 1.5 Mb/s (not eligible)\""), "%s",
      dot);
  fail_unless (strstr (dot, "\\nscore 640 kb/s (unmeasured)\""), "%s", dot);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  gst_object_unref (room);
}

GST_END_TEST;

static Suite *
f2ftopology_suite (void)
{
  Suite *s = suite_create ("f2ftopology");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_settings);
  tcase_add_test (tc, test_waiting_picture);
  tcase_add_test (tc, test_plan_redraw);
  tcase_add_test (tc, test_scores_on_nodes);
  return s;
}

GST_CHECK_MAIN (f2ftopology);
