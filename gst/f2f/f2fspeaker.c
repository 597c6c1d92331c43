/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The rule, in order:
 *  - only levels at or above the threshold count as speech;
 *  - with no speaker yet, the loudest talker becomes speaker at once;
 *  - silence never takes the floor away from the last speaker;
 *  - a challenger must be louder than the speaker by the margin, and stay the
 *    loudest (by that margin) for the hold time, and the speaker must have
 *    held the floor for the hold time too;
 *  - when the speaker leaves, the loudest remaining talker (or nobody) takes
 *    over at once.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "f2fspeaker.h"

struct _GstF2fSpeakerTracker
{
  GstClockTime hold_time;
  gdouble threshold_db;
  gdouble margin_db;

  GHashTable *levels;           /* participant id → gdouble* dB */
  gchar *speaker;
  GstClockTime speaker_since;
  gchar *challenger;
  GstClockTime challenger_since;
};

/**
 * gst_f2f_speaker_tracker_new:
 * @hold_time: how long a challenger must stay loudest, and how long a
 *   speaker keeps the floor at least
 * @threshold_db: levels below this (dBFS) are not speech
 * @margin_db: how much louder than the speaker a challenger must be
 *
 * Returns: (transfer full): a tracker with no participants.
 */
GstF2fSpeakerTracker *
gst_f2f_speaker_tracker_new (GstClockTime hold_time, gdouble threshold_db,
    gdouble margin_db)
{
  GstF2fSpeakerTracker *tracker = g_new0 (GstF2fSpeakerTracker, 1);

  tracker->hold_time = hold_time;
  tracker->threshold_db = threshold_db;
  tracker->margin_db = margin_db;
  tracker->levels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  tracker->speaker_since = GST_CLOCK_TIME_NONE;
  tracker->challenger_since = GST_CLOCK_TIME_NONE;
  return tracker;
}

void
gst_f2f_speaker_tracker_free (GstF2fSpeakerTracker * tracker)
{
  if (!tracker)
    return;
  g_hash_table_unref (tracker->levels);
  g_free (tracker->speaker);
  g_free (tracker->challenger);
  g_free (tracker);
}

void
gst_f2f_speaker_tracker_set_hold_time (GstF2fSpeakerTracker * tracker,
    GstClockTime hold_time)
{
  g_return_if_fail (tracker != NULL);
  tracker->hold_time = hold_time;
}

void
gst_f2f_speaker_tracker_set_threshold (GstF2fSpeakerTracker * tracker,
    gdouble threshold_db)
{
  g_return_if_fail (tracker != NULL);
  tracker->threshold_db = threshold_db;
}

/* The loudest participant at or above the threshold; ties go to the
 * smallest id so the answer does not depend on hash order. */
static const gchar *
loudest (GstF2fSpeakerTracker * tracker, gdouble * level_out)
{
  GHashTableIter iter;
  gpointer key, value;
  const gchar *best = NULL;
  gdouble best_level = 0;

  g_hash_table_iter_init (&iter, tracker->levels);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    gdouble level = *(gdouble *) value;

    if (level < tracker->threshold_db)
      continue;
    if (!best || level > best_level || (level == best_level
            && g_strcmp0 (key, best) < 0)) {
      best = key;
      best_level = level;
    }
  }
  if (level_out)
    *level_out = best_level;
  return best;
}

static void
set_speaker (GstF2fSpeakerTracker * tracker, const gchar * id,
    GstClockTime now)
{
  g_free (tracker->speaker);
  tracker->speaker = g_strdup (id);
  tracker->speaker_since = now;
  g_clear_pointer (&tracker->challenger, g_free);
  tracker->challenger_since = GST_CLOCK_TIME_NONE;
}

static gboolean
held_for (GstClockTime since, GstClockTime now, GstClockTime hold)
{
  if (!GST_CLOCK_TIME_IS_VALID (since) || !GST_CLOCK_TIME_IS_VALID (now))
    return FALSE;
  return now >= since && now - since >= hold;
}

/**
 * gst_f2f_speaker_tracker_update:
 * @tracker: the tracker
 * @participant: who was measured
 * @level_db: the level measured, in dBFS (the loudest channel's RMS)
 * @now: when, as a running time
 *
 * Returns: %TRUE when this changed the active speaker.
 */
gboolean
gst_f2f_speaker_tracker_update (GstF2fSpeakerTracker * tracker,
    const gchar * participant, gdouble level_db, GstClockTime now)
{
  gdouble *slot, top_level, speaker_level;
  const gchar *top;

  g_return_val_if_fail (tracker != NULL, FALSE);
  g_return_val_if_fail (participant != NULL, FALSE);

  slot = g_hash_table_lookup (tracker->levels, participant);
  if (!slot) {
    slot = g_new (gdouble, 1);
    g_hash_table_insert (tracker->levels, g_strdup (participant), slot);
  }
  *slot = level_db;

  top = loudest (tracker, &top_level);
  if (!top)
    return FALSE;

  if (!tracker->speaker) {
    set_speaker (tracker, top, now);
    return TRUE;
  }

  if (g_str_equal (top, tracker->speaker)) {
    g_clear_pointer (&tracker->challenger, g_free);
    tracker->challenger_since = GST_CLOCK_TIME_NONE;
    return FALSE;
  }

  slot = g_hash_table_lookup (tracker->levels, tracker->speaker);
  speaker_level = slot ? *slot : -G_MAXDOUBLE;
  if (top_level < speaker_level + tracker->margin_db) {
    g_clear_pointer (&tracker->challenger, g_free);
    tracker->challenger_since = GST_CLOCK_TIME_NONE;
    return FALSE;
  }

  if (g_strcmp0 (tracker->challenger, top) != 0) {
    g_free (tracker->challenger);
    tracker->challenger = g_strdup (top);
    tracker->challenger_since = now;
  }

  if (held_for (tracker->challenger_since, now, tracker->hold_time) &&
      held_for (tracker->speaker_since, now, tracker->hold_time)) {
    gchar *id = g_strdup (top);

    set_speaker (tracker, id, now);
    g_free (id);
    return TRUE;
  }
  return FALSE;
}

/**
 * gst_f2f_speaker_tracker_remove:
 * @tracker: the tracker
 * @participant: who left
 * @now: when, as a running time
 *
 * Returns: %TRUE when this changed the active speaker.
 */
gboolean
gst_f2f_speaker_tracker_remove (GstF2fSpeakerTracker * tracker,
    const gchar * participant, GstClockTime now)
{
  g_return_val_if_fail (tracker != NULL, FALSE);
  g_return_val_if_fail (participant != NULL, FALSE);

  g_hash_table_remove (tracker->levels, participant);
  if (g_strcmp0 (tracker->challenger, participant) == 0) {
    g_clear_pointer (&tracker->challenger, g_free);
    tracker->challenger_since = GST_CLOCK_TIME_NONE;
  }
  if (g_strcmp0 (tracker->speaker, participant) != 0)
    return FALSE;

  {
    gchar *next = g_strdup (loudest (tracker, NULL));

    set_speaker (tracker, next, now);
    g_free (next);
  }
  return TRUE;
}

/**
 * gst_f2f_speaker_tracker_get_speaker:
 * @tracker: the tracker
 *
 * Returns: (nullable): the active speaker's id, valid until the next call.
 */
const gchar *
gst_f2f_speaker_tracker_get_speaker (GstF2fSpeakerTracker * tracker)
{
  g_return_val_if_fail (tracker != NULL, NULL);
  return tracker->speaker;
}
