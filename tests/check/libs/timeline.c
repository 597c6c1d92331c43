/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One outgoing stream's timeline across changes of source
 * (GstF2fTimeline): the sources a link switches between in a mixer
 * topology, as their buffers reach the link — a camera's or mic's (stamped
 * where they begin, pushed once whole), a mix's (trailing the clock by the
 * mixer's latency when it starts, then caught up in a burst) — and what
 * goes out: never back in time, never more than GST_F2F_TIMELINE_AHEAD
 * after the moment it is sent, at the clock's pace across a switch, and
 * only audio that would go over what already went out dropped.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

#define MS GST_MSECOND
#define FRAME (20 * MS)

typedef struct
{
  GstF2fTimeline *tl;
  gboolean audio;
  GstClockTime last_out, last_end;
  guint sent, dropped;
} Stream;

static void
stream_init (Stream * s, gboolean audio)
{
  s->tl = gst_f2f_timeline_new (audio);
  s->audio = audio;
  s->last_out = s->last_end = GST_CLOCK_TIME_NONE;
  s->sent = s->dropped = 0;
}

/* One buffer of a source, stamped @rt, going out at @now: checks what
 * every stream must keep and returns where it went (NONE: dropped). */
static GstClockTime
push (Stream * s, GstClockTime rt, GstClockTime dur, GstClockTime now)
{
  GstClockTime out;

  if (!gst_f2f_timeline_place (s->tl, rt, dur, now, &out)) {
    fail_unless (s->audio, "video dropped at %" GST_TIME_FORMAT,
        GST_TIME_ARGS (rt));
    s->dropped++;
    return GST_CLOCK_TIME_NONE;
  }
  fail_unless (out <= now + GST_F2F_TIMELINE_AHEAD + dur / 2,
      "stamped %" GST_STIME_FORMAT " after it went out",
      GST_STIME_ARGS (GST_CLOCK_DIFF (now, out)));
  if (GST_CLOCK_TIME_IS_VALID (s->last_out)) {
    fail_unless (out > s->last_out, "went back: %" GST_TIME_FORMAT
        " after %" GST_TIME_FORMAT, GST_TIME_ARGS (out),
        GST_TIME_ARGS (s->last_out));
    if (s->audio)
      fail_unless (out + dur / 2 >= s->last_end, "audio %" GST_TIME_FORMAT
          " over what went out up to %" GST_TIME_FORMAT, GST_TIME_ARGS (out),
          GST_TIME_ARGS (s->last_end));
  }
  s->last_out = out;
  s->last_end = out + dur;
  s->sent++;
  return out;
}

/* A mic: a 20 ms frame stamped @t, out 25 ms later (encoded). */
static GstClockTime
mic (Stream * s, GstClockTime t)
{
  return push (s, t, FRAME, t + 25 * MS);
}

/* An audio stream watched from its first switch (at 0), carrying the mic
 * for a second. */
static void
watched_mic_for_a_second (Stream * s)
{
  GstClockTime t;

  stream_init (s, TRUE);
  gst_f2f_timeline_start (s->tl, 0);
  gst_f2f_timeline_new_source (s->tl);
  for (t = 0; t < GST_SECOND; t += FRAME)
    mic (s, t);
}

/* A stream that is never switched keeps its source's times. */
GST_START_TEST (test_unswitched_untouched)
{
  Stream s;
  GstClockTime t;

  stream_init (&s, TRUE);
  for (t = 0; t < 2 * GST_SECOND; t += FRAME)
    fail_unless_equals_uint64 (mic (&s, t), t);
  /* video with its frames out up to 30 ms after they begin */
  gst_f2f_timeline_free (s.tl);
  stream_init (&s, FALSE);
  for (t = 0; t < 2 * GST_SECOND; t += 66 * MS)
    fail_unless_equals_uint64 (push (&s, t, 66 * MS, t + (t % 30) * MS /
            GST_MSECOND), t);
  gst_f2f_timeline_free (s.tl);
}

GST_END_TEST;

/* mic → a mix that starts 270 ms behind the clock and catches up in a
 * burst (its first 13 buffers at once), then keeps 10 ms behind. */
GST_START_TEST (test_switch_to_a_catching_up_mix)
{
  Stream s;
  GstClockTime t, now, out, first_mix;
  guint i, dropped_then;

  stream_init (&s, TRUE);
  for (t = 0; t < GST_SECOND; t += FRAME)
    mic (&s, t);
  /* the mic's last frame [980, 1000) went out at 1005 ms */
  gst_f2f_timeline_new_source (s.tl);
  now = 1010 * MS;
  /* the mix's first buffer: [740, 760), out at 1010 */
  first_mix = push (&s, 740 * MS, FRAME, now);
  /* on at the stream's lag (985 ms: the mic's 25 ms before now) but not
   * over the mic's last frame */
  fail_unless_equals_uint64 (first_mix, 1000 * MS);
  /* the burst: 13 more buffers within 2 ms */
  for (i = 1; i <= 13; i++)
    push (&s, (740 + 20 * i) * MS, FRAME, now + i * 150 * GST_USECOND);
  dropped_then = s.dropped;
  /* one follows on (within the limit: the stream's lag was the mic's 25
   * ms), the other twelve (240 ms of sound as old as the mixer's latency)
   * are dropped */
  fail_unless_equals_int (dropped_then, 12);
  /* then one every 20 ms, each 10 ms after the clock passed its end */
  for (t = 1020 * MS; t < 3 * GST_SECOND; t += FRAME) {
    out = push (&s, t, FRAME, t + 30 * MS);
    fail_unless (GST_CLOCK_TIME_IS_VALID (out), "a steady mix frame at %"
        GST_TIME_FORMAT " dropped", GST_TIME_ARGS (t));
  }
  fail_unless_equals_int (s.dropped, dropped_then);
  fail_unless_equals_uint64 (gst_f2f_timeline_get_dropped (s.tl), s.dropped);
  gst_f2f_timeline_free (s.tl);
}

GST_END_TEST;

/* A mix that trailed by 250 ms all along → the mic: the mic goes on at
 * the stream's pace, not 250 ms further (the receiver would play it that
 * much later), and nothing is dropped. */
GST_START_TEST (test_switch_from_a_trailing_mix)
{
  Stream s;
  GstClockTime t, out, prev = 0;

  stream_init (&s, TRUE);
  gst_f2f_timeline_start (s.tl, 0);
  gst_f2f_timeline_new_source (s.tl);
  for (t = 0; t < GST_SECOND; t += FRAME)
    prev = push (&s, t, FRAME, t + 270 * MS);
  gst_f2f_timeline_new_source (s.tl);
  /* the mic's frame [1250, 1270) out at 1275 ms, 5 ms after the mix's
   * last */
  out = mic (&s, 1250 * MS);
  fail_unless (out >= prev + FRAME && out <= prev + FRAME + 10 * MS,
      "the mic went on %" GST_STIME_FORMAT " after the mix's last frame",
      GST_STIME_ARGS (GST_CLOCK_DIFF (prev, out)));
  for (t = 1270 * MS; t < 2 * GST_SECOND; t += FRAME)
    mic (&s, t);
  fail_unless_equals_int (s.dropped, 0);
  gst_f2f_timeline_free (s.tl);
}

GST_END_TEST;

/* A mix that starts 60 ms behind the clock and then keeps 12 ms behind
 * it, its pushes 0-10 ms late: brought back to the clock once, not cut at
 * every jitter (what an earlier rule, back to the limit itself, did: 3
 * frames in every 300 ms in integration/mixer). 10 ms frames, as a mixer
 * encodes them. */
GST_START_TEST (test_jittery_mix_cut_once)
{
  Stream s;
  GstClockTime t, now = 0, step = 10 * MS, late_drops = 0;
  guint i = 0, at_switch;

  stream_init (&s, TRUE);
  for (t = 0; t < GST_SECOND; t += FRAME)
    mic (&s, t);
  gst_f2f_timeline_new_source (s.tl);
  at_switch = s.dropped;
  for (t = 940 * MS; t < 6 * GST_SECOND; t += step, i++) {
    GstClockTime jitter = ((i * 3) % 11) * MS;
    now = MAX (now, MAX (1000 * MS, t + 12 * MS + jitter));
    push (&s, t, step, now);
    if (t > 1300 * MS && s.dropped > at_switch)
      late_drops = s.dropped - at_switch;
    else
      at_switch = s.dropped;
  }
  fail_unless_equals_uint64 (late_drops, 0);
  /* the 60 ms it started behind, taken back: a few frames, once */
  fail_unless (s.dropped >= 1 && s.dropped <= 8, "%u frames cut", s.dropped);
  gst_f2f_timeline_free (s.tl);
}

GST_END_TEST;

/* A source that stalls for 300 ms (a mixer waiting for an input, a busy
 * machine) and then catches up: its frames go as they come — late, then
 * the catch-up at once — nothing dropped, and the stream's lag is the same
 * after it (an earlier rule kept the stall's lag and dropped the catch-up:
 * every receiver then heard a 240 ms silence, integration/mixer
 * test_switch_gap in ci62). */
GST_START_TEST (test_stall_goes_as_it_comes)
{
  Stream s;
  GstClockTime t, out = 0;
  guint i;

  watched_mic_for_a_second (&s);
  /* [1000, 1300) held, out at once at 1325 */
  for (i = 0, t = GST_SECOND; t < 1300 * MS; t += FRAME, i++)
    push (&s, t, FRAME, 1325 * MS + i * 100 * GST_USECOND);
  for (t = 1300 * MS; t < 3 * GST_SECOND; t += FRAME)
    out = mic (&s, t);
  fail_unless_equals_int (s.dropped, 0);
  /* the mic's frames go out 25 ms after they begin, and the stream had
   * put them at their sending (the first switch): so again */
  fail_unless_equals_uint64 (out, (2980 + 25) * MS);
  gst_f2f_timeline_free (s.tl);
}

GST_END_TEST;

/* Video: a composite's burst is moved, not dropped, and never back. */
GST_START_TEST (test_video_burst_moved)
{
  Stream s;
  GstClockTime t;
  guint i;

  stream_init (&s, FALSE);
  for (t = 0; t < GST_SECOND; t += 66 * MS)
    push (&s, t, 66 * MS, t + 30 * MS);
  gst_f2f_timeline_new_source (s.tl);
  /* 5 frames of 300 ms ago within 1 ms, then live */
  for (i = 0; i < 5; i++)
    push (&s, 700 * MS + i * 66 * MS, 66 * MS, GST_SECOND + i * 200 *
        GST_USECOND);
  for (t = 1030 * MS; t < 2 * GST_SECOND; t += 66 * MS)
    push (&s, t, 66 * MS, t + 40 * MS);
  fail_unless_equals_int (s.dropped, 0);
  gst_f2f_timeline_free (s.tl);
}

GST_END_TEST;

/* A stream fed nothing for 5 s (its peer a client of another mixer), then
 * the mic again: it goes on from the clock, as the mic itself would. */
GST_START_TEST (test_resume_after_a_pause)
{
  Stream s;
  GstClockTime out;

  watched_mic_for_a_second (&s);
  gst_f2f_timeline_new_source (s.tl);
  /* its frames went out when they were stamped (the mic's own 25 ms were
   * added at the first switch): so does this one */
  out = mic (&s, 6 * GST_SECOND);
  fail_unless_equals_uint64 (out, 6025 * MS);
  gst_f2f_timeline_free (s.tl);
}

GST_END_TEST;

static Suite *
timeline_suite (void)
{
  Suite *s = suite_create ("f2f timeline");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_unswitched_untouched);
  tcase_add_test (tc, test_switch_to_a_catching_up_mix);
  tcase_add_test (tc, test_switch_from_a_trailing_mix);
  tcase_add_test (tc, test_jittery_mix_cut_once);
  tcase_add_test (tc, test_stall_goes_as_it_comes);
  tcase_add_test (tc, test_video_burst_moved);
  tcase_add_test (tc, test_resume_after_a_pause);
  return s;
}

GST_CHECK_MAIN (timeline);
