/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Who is the active speaker, decided from audio levels with hysteresis so the
 * big picture does not flap between two people talking over each other.
 * Pure logic: it is fed (participant, level, running time) and answers.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>

G_BEGIN_DECLS

typedef struct _GstF2fSpeakerTracker GstF2fSpeakerTracker;

GST_F2F_API
GstF2fSpeakerTracker *gst_f2f_speaker_tracker_new (GstClockTime hold_time,
    gdouble threshold_db, gdouble margin_db);

GST_F2F_API
void gst_f2f_speaker_tracker_free (GstF2fSpeakerTracker * tracker);

GST_F2F_API
void gst_f2f_speaker_tracker_set_hold_time (GstF2fSpeakerTracker * tracker,
    GstClockTime hold_time);

GST_F2F_API
void gst_f2f_speaker_tracker_set_threshold (GstF2fSpeakerTracker * tracker,
    gdouble threshold_db);

GST_F2F_API
gboolean gst_f2f_speaker_tracker_update (GstF2fSpeakerTracker * tracker,
    const gchar * participant, gdouble level_db, GstClockTime now);

GST_F2F_API
gboolean gst_f2f_speaker_tracker_remove (GstF2fSpeakerTracker * tracker,
    const gchar * participant, GstClockTime now);

GST_F2F_API
const gchar *gst_f2f_speaker_tracker_get_speaker (GstF2fSpeakerTracker *
    tracker);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fSpeakerTracker,
    gst_f2f_speaker_tracker_free)

G_END_DECLS
