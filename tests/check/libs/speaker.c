/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Active-speaker hysteresis: scripts of level reports and the speaker
 * expected after each step.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

#define MS GST_MSECOND
#define SILENT -90.0
#define LEAVE 1.0               /* a level no one reports: means "leaves" */

typedef struct
{
  GstClockTime at;
  const gchar *who;
  gdouble level_db;
  gboolean changed;
  const gchar *speaker;         /* NULL: nobody */
} Step;

typedef struct
{
  const gchar *what;
  Step steps[12];
} Script;

/* hold 1 s, speech from -50 dBFS, a challenger must be 6 dB louder */
static const Script scripts[] = {
  {"silence makes no speaker", {
          {0, "a", SILENT, FALSE, NULL},
          {100 * MS, "b", SILENT, FALSE, NULL},
          {0}}},
  {"the first talker is speaker at once", {
          {0, "a", SILENT, FALSE, NULL},
          {100 * MS, "b", -20, TRUE, "b"},
          {0}}},
  {"a louder challenger waits the hold time", {
          {0, "a", -20, TRUE, "a"},
          {1000 * MS, "b", -10, FALSE, "a"},
          {1500 * MS, "b", -10, FALSE, "a"},
          {1999 * MS, "b", -10, FALSE, "a"},
          {2000 * MS, "b", -10, TRUE, "b"},
          {0}}},
  {"a challenger inside the margin never wins", {
          {0, "a", -20, TRUE, "a"},
          {500 * MS, "b", -16, FALSE, "a"},
          {5000 * MS, "b", -16, FALSE, "a"},
          {0}}},
  {"a challenger that dips restarts its hold", {
          {0, "a", -20, TRUE, "a"},
          {2000 * MS, "b", -10, FALSE, "a"},
          {2600 * MS, "b", -30, FALSE, "a"},
          {2700 * MS, "b", -10, FALSE, "a"},
          {3600 * MS, "b", -10, FALSE, "a"},
          {3700 * MS, "b", -10, TRUE, "b"},
          {0}}},
  {"no flapping faster than the hold time", {
          {0, "a", -20, TRUE, "a"},
          {0, "b", -10, FALSE, "a"},
          {1000 * MS, "b", -10, TRUE, "b"},
          {1000 * MS, "a", 0, FALSE, "b"},
          {1500 * MS, "a", 0, FALSE, "b"},
          {2000 * MS, "a", 0, TRUE, "a"},
          {0}}},
  {"silence keeps the last speaker", {
          {0, "a", -20, TRUE, "a"},
          {100 * MS, "a", SILENT, FALSE, "a"},
          {9000 * MS, "b", SILENT, FALSE, "a"},
          {0}}},
  {"a quiet room lets the only talker take over after the hold", {
          {0, "a", -20, TRUE, "a"},
          {100 * MS, "a", SILENT, FALSE, "a"},
          {200 * MS, "b", -40, FALSE, "a"},
          {1200 * MS, "b", -40, TRUE, "b"},
          {0}}},
  {"the speaker leaving hands over at once", {
          {0, "a", -20, TRUE, "a"},
          {100 * MS, "b", -30, FALSE, "a"},
          {200 * MS, "a", LEAVE, TRUE, "b"},
          {0}}},
  {"the last talker leaving leaves nobody", {
          {0, "a", -20, TRUE, "a"},
          {100 * MS, "b", SILENT, FALSE, "a"},
          {200 * MS, "a", LEAVE, TRUE, NULL},
          {300 * MS, "b", -20, TRUE, "b"},
          {0}}},
  {"someone else leaving changes nothing", {
          {0, "a", -20, TRUE, "a"},
          {100 * MS, "b", -5, FALSE, "a"},
          {200 * MS, "b", LEAVE, FALSE, "a"},
          {5000 * MS, "a", -20, FALSE, "a"},
          {0}}},
};

GST_START_TEST (test_speaker_scripts)
{
  guint s;

  for (s = 0; s < G_N_ELEMENTS (scripts); s++) {
    g_autoptr (GstF2fSpeakerTracker) tracker =
        gst_f2f_speaker_tracker_new (GST_SECOND, -50.0, 6.0);
    const Step *step;
    guint i;

    for (i = 0, step = scripts[s].steps; step->who; step++, i++) {
      gboolean changed;

      if (step->level_db == LEAVE)
        changed = gst_f2f_speaker_tracker_remove (tracker, step->who,
            step->at);
      else
        changed = gst_f2f_speaker_tracker_update (tracker, step->who,
            step->level_db, step->at);
      fail_unless (changed == step->changed, "%s, step %u: changed=%d",
          scripts[s].what, i, changed);
      fail_unless (g_strcmp0 (gst_f2f_speaker_tracker_get_speaker (tracker),
              step->speaker) == 0, "%s, step %u: speaker %s, expected %s",
          scripts[s].what, i, gst_f2f_speaker_tracker_get_speaker (tracker),
          step->speaker);
    }
  }
}

GST_END_TEST;

static Suite *
speaker_suite (void)
{
  Suite *s = suite_create ("f2f speaker");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_speaker_scripts);
  return s;
}

GST_CHECK_MAIN (speaker);
