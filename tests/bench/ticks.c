/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ticks.h"

#define LOUD 3000               /* |sample| of a tick (volume 0.8 → ~26000) */
#define QUIET_NS (60 * GST_MSECOND)     /* silence before a tick's start */

void
bench_find_onsets (GstBuffer * buf, GstPad * pad, GstClockTime t0,
    BenchOnset * o, GArray * out)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gint rate = 0, channels = 0;
  GstMapInfo map;
  gsize i, n;
  const gchar *format = NULL;

  if (caps) {
    GstStructure *s = gst_caps_get_structure (caps, 0);
    gst_structure_get_int (s, "rate", &rate);
    gst_structure_get_int (s, "channels", &channels);
    format = gst_structure_get_string (s, "format");
  }
  if (rate <= 0 || channels <= 0 || g_strcmp0 (format, "S16LE") != 0
      || !gst_buffer_map (buf, &map, GST_MAP_READ)) {
    gst_clear_caps (&caps);
    return;
  }
  gst_caps_unref (caps);
  n = map.size / (2 * channels);
  for (i = 0; i < n; i++) {
    gint v = ((const gint16 *) map.data)[i * channels];
    GstClockTime t = t0 + gst_util_uint64_scale (i, GST_SECOND, rate);

    if (ABS (v) < LOUD)
      continue;
    if (!o->seen || t > o->last_loud + QUIET_NS)
      g_array_append_val (out, t);
    o->seen = TRUE;
    o->last_loud = t;
  }
  gst_buffer_unmap (buf, &map);
}

GstClockTime
bench_capture_time (GstPad * pad, GstBuffer * buf, GstElement * pipeline)
{
  GstEvent *ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  const GstSegment *seg;
  guint64 rt;

  if (ev == NULL || !GST_BUFFER_PTS_IS_VALID (buf)) {
    g_clear_pointer (&ev, gst_event_unref);
    return GST_CLOCK_TIME_NONE;
  }
  gst_event_parse_segment (ev, &seg);
  rt = gst_segment_to_running_time (seg, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  gst_event_unref (ev);
  return gst_element_get_base_time (pipeline) + rt;
}

GstClockTime
bench_now (void)
{
  GstClock *clock = gst_system_clock_obtain ();
  GstClockTime t = gst_clock_get_time (clock);

  gst_object_unref (clock);
  return t;
}
