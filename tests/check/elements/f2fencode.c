/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The encoder timer of plugins/f2f/f2fencode.c (what f2fsignal hands the
 * room for f2felection's encode-ms): real VP8 encoders timed frame by
 * frame, the mean reported per interval and scaled to a 320×240 frame.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "../../../plugins/f2f/f2fencode.h"

typedef struct
{
  GMutex lock;
  GArray *reports;              /* gdouble ms */
} Reports;

static void
on_report (gdouble ms, gpointer user_data)
{
  Reports *r = user_data;

  g_mutex_lock (&r->lock);
  g_array_append_val (r->reports, ms);
  g_mutex_unlock (&r->lock);
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

/* @frames frames of @width×@height snow through f2f's VP8 encoder, timed
 * with reports every 100 ms; the reports' median. */
static gdouble
median_encode_ms (guint width, guint height, guint frames)
{
  GstElement *encs[F2F_ENCODE_MAX_ELEMENTS + 1];
  g_autofree gchar *desc = g_strdup_printf ("videotestsrc pattern=snow "
      "num-buffers=%u ! video/x-raw,format=I420,width=%u,height=%u,"
      "framerate=30/1 ! identity name=in", frames, width, height);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *in = gst_bin_get_by_name (GST_BIN (pipeline), "in");
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  Reports r = { {0}, g_array_new (FALSE, FALSE, sizeof (gdouble)) };
  GstMessage *msg;
  gdouble median;

  g_mutex_init (&r.lock);
  fail_unless (f2f_encode_video (FALSE, 500, encs), "no vp8enc");
  gst_bin_add_many (GST_BIN (pipeline), encs[0], sink, NULL);
  fail_unless (gst_element_link_many (in, encs[0], sink, NULL));
  f2f_encode_time (encs[0], encs[0], 100, on_report, &r);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (in);
  gst_object_unref (pipeline);

  fail_unless (r.reports->len >= 2, "%u reports", r.reports->len);
  g_array_sort (r.reports, (GCompareFunc) compare_doubles);
  median = g_array_index (r.reports, gdouble, r.reports->len / 2);
  g_array_unref (r.reports);
  g_mutex_clear (&r.lock);
  return median;
}

/* Every frame is timed and reported, as a positive time a frame can
 * take; a 640×480 frame is reported as the 320×240 frame it predicts, so
 * the two sizes come out within a small factor of each other, where
 * unscaled they would be about 4× apart. */
GST_START_TEST (test_times_frames)
{
  /* enough frames for several 100 ms reports on an idle machine too: 60
   * frames of 320×240 took ~200 ms and gave 1 report once */
  gdouble small = median_encode_ms (320, 240, 240);
  gdouble large = median_encode_ms (640, 480, 90);

  g_print ("320x240: %.2f ms, 640x480 scaled: %.2f ms\n", small, large);
  fail_unless (small > 0 && small < 200, "%.2f ms", small);
  fail_unless (large > 0 && large < 200, "%.2f ms", large);
  fail_unless (large < 3 * small && small < 3 * large,
      "320x240 %.2f ms against 640x480 scaled %.2f ms", small, large);
}

GST_END_TEST;

static Suite *
f2fencode_suite (void)
{
  Suite *s = suite_create ("f2fencode");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_times_frames);
  return s;
}

GST_CHECK_MAIN (f2fencode);
