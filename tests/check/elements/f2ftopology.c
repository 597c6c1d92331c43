/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * f2ftopology on its own: settings a user can get wrong, and a video pad
 * that shows something even before there is a room. Rooms with graphs are
 * in integration/room.c.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>

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

static Suite *
f2ftopology_suite (void)
{
  Suite *s = suite_create ("f2ftopology");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_settings);
  tcase_add_test (tc, test_waiting_picture);
  return s;
}

GST_CHECK_MAIN (f2ftopology);
