/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gstf2ftimeline
 * @title: GstF2fTimeline
 * @short_description: one outgoing stream's time across changes of source
 *
 * A link's video or audio may change source while it plays: the camera, a
 * mixer's composite or mix-minus, the camera again. All run on the same
 * clock, but not at the same distance from it: a mix is made of what
 * arrived earlier, so it is stamped up to the mixer's latency before the
 * moment it is sent, and when a mixer starts its first buffers trail by the
 * whole latency and the rest come in a burst until it has caught up.
 *
 * The receiver's jitterbuffer maps the stream's timestamps onto its own
 * clock by their arrival. Two things then go wrong: what goes back in time
 * is dropped as late (after a switch to a mix: a whole keyframe, ~150 ms of
 * sound), and what runs ahead of its sending (a mix's catch-up burst
 * stamped on from the camera's time) is played that much later, until the
 * jitterbuffer notices and its timestamps step back — where such a voice
 * is mixed again, the step drops audio (2026-12-07: voices 100-290 ms
 * ahead at their listeners after most elections, and a mixer that dropped
 * 150 k late samples a second).
 *
 * So a stream keeps one lag — how long before it goes out a buffer is
 * stamped, set when it is first watched — because that is what the
 * receiver's mapping rests on: a lag that shrinks plays the stream late at
 * the receiver and then steps it back.
 * - a new source goes on at the stream's lag, and never before the end of
 *   what went out (nothing goes back);
 * - a buffer stamped more than %GST_F2F_TIMELINE_AHEAD after the stream's
 *   lag allows is stamped at the lag instead (not at the limit, so that
 *   the next one's jitter does not cross it again); audio that this puts
 *   over what already went out is dropped until it would be within half
 *   the limit (a mix's catch-up after it started: sound as old as the
 *   mixer's latency), and then follows on; video is never dropped (a delta
 *   frame needs the one before), it only moves.
 * A source that falls behind (a stall) is left as it comes, late, and its
 * catch-up after it too: the lag stays the stream's, so what a receiver
 * got late is over when the source is back (an earlier rule kept a stall's
 * lag and dropped the catch-up instead, and every receiver then heard the
 * stall as a 240 ms silence: integration/mixer test_switch_gap, ci62).
 *
 * Times are running times; @now is the running time at which the buffer
 * goes out. Not thread-safe: one streaming thread feeds it, but
 * gst_f2f_timeline_new_source() may be called from any thread.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "f2ftimeline.h"

struct _GstF2fTimeline
{
  gboolean audio;
  gint new_source;              /* atomic */
  GstClockTime last_out;        /* where the last buffer went */
  GstClockTime last_end;        /* the end of what went out */
  GstClockTimeDiff lag;         /* how long before it goes out a buffer is
                                 * stamped: set once */
  gboolean lag_known;
  GstClockTimeDiff offset;      /* added to the current source's times */
  guint64 dropped;
};

/**
 * gst_f2f_timeline_new:
 * @audio: %TRUE for a stream of audio (whose overlaps are dropped)
 *
 * Returns: (transfer full): a timeline; its first source keeps its times
 * until gst_f2f_timeline_new_source() or until it runs ahead.
 */
GstF2fTimeline *
gst_f2f_timeline_new (gboolean audio)
{
  GstF2fTimeline *tl = g_new0 (GstF2fTimeline, 1);

  tl->audio = audio;
  tl->last_out = GST_CLOCK_TIME_NONE;
  tl->last_end = GST_CLOCK_TIME_NONE;
  return tl;
}

void
gst_f2f_timeline_free (GstF2fTimeline * timeline)
{
  g_free (timeline);
}

/**
 * gst_f2f_timeline_start:
 * @timeline: a #GstF2fTimeline
 * @now: the running time
 *
 * For a stream that has been going out unwatched: its last buffer ended
 * about @now.
 */
void
gst_f2f_timeline_start (GstF2fTimeline * timeline, GstClockTime now)
{
  timeline->last_end = now;
  timeline->lag = 0;
  timeline->lag_known = GST_CLOCK_TIME_IS_VALID (now);
}

/**
 * gst_f2f_timeline_new_source:
 * @timeline: a #GstF2fTimeline
 *
 * The next buffer is the first of another source. Any thread.
 */
void
gst_f2f_timeline_new_source (GstF2fTimeline * timeline)
{
  g_atomic_int_set (&timeline->new_source, 1);
}

/**
 * gst_f2f_timeline_place:
 * @timeline: a #GstF2fTimeline
 * @running_time: the buffer's running time, as its source stamped it
 * @duration: its duration, or %GST_CLOCK_TIME_NONE
 * @now: the running time now (it goes out), or %GST_CLOCK_TIME_NONE
 * @out: (out): its running time on the stream
 *
 * Returns: %FALSE when the buffer is to be dropped.
 */
gboolean
gst_f2f_timeline_place (GstF2fTimeline * tl, GstClockTime running_time,
    GstClockTime duration, GstClockTime now, GstClockTime * out)
{
  GstClockTimeDiff o;
  GstClockTime end;

  *out = running_time;
  if (!GST_CLOCK_TIME_IS_VALID (running_time))
    return TRUE;

  if (GST_CLOCK_TIME_IS_VALID (now) && !tl->lag_known) {
    tl->lag = MAX (0, GST_CLOCK_DIFF (running_time, now));
    tl->lag_known = TRUE;
  }
  if (g_atomic_int_compare_and_exchange (&tl->new_source, 1, 0)) {
    GstClockTimeDiff target;

    if (GST_CLOCK_TIME_IS_VALID (now))
      target = now - tl->lag;
    else if (GST_CLOCK_TIME_IS_VALID (tl->last_out))
      target = tl->last_out;
    else
      target = running_time;
    if (GST_CLOCK_TIME_IS_VALID (tl->last_end))
      target = MAX (target, (GstClockTimeDiff) tl->last_end);
    tl->offset = target - (GstClockTimeDiff) running_time;
  }
  o = (GstClockTimeDiff) running_time + tl->offset;

  /* ahead of the stream's lag: back to the lag itself, not to the limit,
   * so that a source that hovers near the limit (a mix, stamped by what
   * arrived) is brought back once rather than at every jitter */
  if (GST_CLOCK_TIME_IS_VALID (now)
      && o > (GstClockTimeDiff) now - tl->lag + GST_F2F_TIMELINE_AHEAD) {
    o = now - tl->lag;
    tl->offset = o - (GstClockTimeDiff) running_time;
  }
  if (tl->audio && GST_CLOCK_TIME_IS_VALID (tl->last_end)
      && o < (GstClockTimeDiff) tl->last_end) {
    /* over what went out: dropped while that is more than half the limit
     * (or what went out is still ahead of the limit), the source's time
     * going on meanwhile; then it follows on from the end */
    if ((GstClockTimeDiff) tl->last_end - o > GST_F2F_TIMELINE_AHEAD / 2
        || (GST_CLOCK_TIME_IS_VALID (now)
            && (GstClockTimeDiff) tl->last_end >
            (GstClockTimeDiff) now - tl->lag + GST_F2F_TIMELINE_AHEAD)) {
      tl->dropped++;
      return FALSE;
    }
    o = tl->last_end;
    tl->offset = o - (GstClockTimeDiff) running_time;
  } else if (!tl->audio && GST_CLOCK_TIME_IS_VALID (tl->last_out)
      && o <= (GstClockTimeDiff) tl->last_out) {
    o = tl->last_out + GST_USECOND;
    tl->offset = o - (GstClockTimeDiff) running_time;
  }
  if (o < 0) {
    tl->offset -= o;
    o = 0;
  }

  tl->last_out = o;
  end = o + (GST_CLOCK_TIME_IS_VALID (duration) ? duration : 1);
  if (!GST_CLOCK_TIME_IS_VALID (tl->last_end) || end > tl->last_end)
    tl->last_end = end;
  *out = o;
  return TRUE;
}

/**
 * gst_f2f_timeline_get_dropped:
 * @timeline: a #GstF2fTimeline
 *
 * Returns: the buffers dropped so far (audio over what went out).
 */
guint64
gst_f2f_timeline_get_dropped (GstF2fTimeline * timeline)
{
  return timeline->dropped;
}
