/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One outgoing stream's timeline across changes of its source (the camera,
 * a mixer's composite or mix-minus): where each buffer goes on the
 * stream's own time, or whether it is dropped. Pure logic: it is fed
 * (running time, duration, now) and answers.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>

G_BEGIN_DECLS

typedef struct _GstF2fTimeline GstF2fTimeline;

/* How far (ns) a buffer may be stamped after the moment it goes out: a
 * live source stamps a buffer where it begins and pushes it once it has
 * all of it, so this is only the jitter of a source that is not (a mix of
 * streams that were themselves stamped by arrival). */
#define GST_F2F_TIMELINE_AHEAD (40 * GST_MSECOND)

GST_F2F_API
GstF2fTimeline *gst_f2f_timeline_new (gboolean audio);

GST_F2F_API
void gst_f2f_timeline_free (GstF2fTimeline * timeline);

GST_F2F_API
void gst_f2f_timeline_start (GstF2fTimeline * timeline, GstClockTime now);

GST_F2F_API
void gst_f2f_timeline_new_source (GstF2fTimeline * timeline);

GST_F2F_API
gboolean gst_f2f_timeline_place (GstF2fTimeline * timeline,
    GstClockTime running_time, GstClockTime duration, GstClockTime now,
    GstClockTime * out);

GST_F2F_API
guint64 gst_f2f_timeline_get_dropped (GstF2fTimeline * timeline);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fTimeline, gst_f2f_timeline_free)

G_END_DECLS
