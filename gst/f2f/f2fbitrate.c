/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdlib.h>

#include "f2fbitrate.h"

/* The loss controller of Google Congestion Control (draft-ietf-rmcat-gcc,
 * section 6): above 10 % loss the rate is cut by half the loss, below 2 %
 * it grows by 8 % a second, in between it holds. */
#define LOSS_HIGH 0.10
#define LOSS_LOW 0.02
#define INCREASE_PER_S 1.08
/* Far from the last congestion (no decrease for QUIET_US) the rate grows
 * twice as fast, so that a link whose cap was lifted is back near its old
 * rate in seconds, not half a minute. Not sooner: near the capacity a
 * faster climb only overflows the queue sooner. */
#define FAST_INCREASE_PER_S 1.16
#define QUIET_US (10 * G_USEC_PER_SEC)
/* Delay: a queue building at the bottleneck shows as RTT above the lowest
 * one seen, before any packet is dropped (a modem's buffer holds seconds).
 * More than DELAY_GROWTH_MS of it cuts the rate to 80 % of what the link
 * really sent (GCC's overuse reaction, 85 % of the received rate, made a
 * little deeper: with RTT instead of one-way delay the signal comes later,
 * and the 8 %/s climb back then keeps the average under 90 % of the
 * capacity): an estimate above what the encoder made would otherwise be
 * cut without changing anything on the wire. */
#define DELAY_GROWTH_MS 60.0
/* … in this many reports in a row: one late report is a scheduling
 * hiccup (a loaded machine delays an RTCP packet by 100 ms and more), a
 * queue delays every report. */
#define DELAYED_REPORTS 2
#define DELAY_DECREASE 0.80
/* The lowest RTT is the smallest of this window and the one before: it
 * is forgotten after one to two windows (a route can change), and a queue
 * must stand that long, undrained, before it counts as the new normal. */
#define RTT_BASE_WINDOW_US (30 * G_USEC_PER_SEC)
/* Updates further apart than this count as this long (a stalled timer
 * must not make one huge step). */
#define MAX_STEP_US (2 * G_USEC_PER_SEC)

/* Reports come about every 0.4 s (rtcp-min-interval 200 ms); a second
 * without one while NACKs arrive is the receiver's feedback crowding its
 * reports out (gst_f2f_bitrate_link_nacked). */
#define REPORT_SILENCE_US (1 * G_USEC_PER_SEC)
/* … and then cut as often as reports would (about twice a second). */
#define NACKED_CUT_INTERVAL_US (500 * 1000)
/* Cuts by NACKs further apart than this are separate overflows. */
#define NACKED_EPISODE_US (2 * G_USEC_PER_SEC)

static gdouble
clamp_estimate (const GstF2fBitrateConfig * config, gdouble kbps)
{
  gdouble lo = config->min_kbps + config->audio_kbps;
  gdouble hi = MAX (config->max_kbps, config->min_kbps) + config->audio_kbps;

  return CLAMP (kbps, lo, hi);
}

void
gst_f2f_bitrate_link_init (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gdouble start_kbps, gint64 now_us)
{
  g_return_if_fail (link != NULL && config != NULL);

  link->estimate_kbps = clamp_estimate (config, start_kbps);
  link->rtt_min_ms = -1;
  link->rtt_prev_min_ms = -1;
  link->rtt_window_us = now_us;
  link->last_us = now_us;
  link->last_decrease_us = 0;
  link->last_nacked_us = 0;
  link->delayed_reports = 0;
}

GstF2fBitrateAction
gst_f2f_bitrate_link_update (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gint64 now_us, gdouble loss,
    gdouble rtt_ms, gdouble sent_kbps)
{
  GstF2fBitrateAction action = GST_F2F_BITRATE_HOLD;
  gint64 step_us;
  gboolean delayed = FALSE;

  g_return_val_if_fail (link != NULL && config != NULL, action);

  /* (a cut by NACKs between two reports starts the step anew) */
  step_us = CLAMP (now_us - MAX (link->last_us, link->last_decrease_us), 0,
      MAX_STEP_US);
  link->last_us = now_us;
  loss = CLAMP (loss, 0.0, 1.0);

  if (rtt_ms >= 0) {
    gdouble base;

    if (now_us - link->rtt_window_us >= RTT_BASE_WINDOW_US) {
      link->rtt_prev_min_ms = link->rtt_min_ms;
      link->rtt_min_ms = -1;
      link->rtt_window_us = now_us;
    }
    if (link->rtt_min_ms < 0 || rtt_ms < link->rtt_min_ms)
      link->rtt_min_ms = rtt_ms;
    base = link->rtt_prev_min_ms < 0 ? link->rtt_min_ms :
        MIN (link->rtt_min_ms, link->rtt_prev_min_ms);
    if (rtt_ms - base > DELAY_GROWTH_MS)
      link->delayed_reports++;
    else
      link->delayed_reports = 0;
    delayed = link->delayed_reports >= DELAYED_REPORTS;
  }

  if (loss > LOSS_HIGH || delayed) {
    /* Both signals at once (a full queue that also drops): the deeper
     * cut wins, so that a queue that overflows is drained as fast as one
     * that only grows. */
    gdouble by_loss = loss > LOSS_HIGH ?
        link->estimate_kbps * (1.0 - 0.5 * loss) : G_MAXDOUBLE;
    gdouble by_delay = G_MAXDOUBLE;

    if (delayed)
      by_delay = (sent_kbps > 0 ? MIN (link->estimate_kbps, sent_kbps) :
          link->estimate_kbps) * DELAY_DECREASE;
    if (by_loss <= by_delay) {
      link->estimate_kbps = by_loss;
      action = GST_F2F_BITRATE_DECREASE_LOSS;
    } else {
      link->estimate_kbps = by_delay;
      action = GST_F2F_BITRATE_DECREASE_DELAY;
    }
  } else if (loss < LOSS_LOW && link->delayed_reports == 0) {
    /* (a report with the RTT up, not yet confirmed, holds) */
    gboolean quiet = link->last_decrease_us == 0
        || now_us - link->last_decrease_us >= QUIET_US;
    gdouble per_s = quiet ? FAST_INCREASE_PER_S : INCREASE_PER_S;

    link->estimate_kbps *= pow (per_s, (gdouble) step_us / G_USEC_PER_SEC);
    action = GST_F2F_BITRATE_INCREASE;
  }
  if (action == GST_F2F_BITRATE_DECREASE_LOSS
      || action == GST_F2F_BITRATE_DECREASE_DELAY)
    link->last_decrease_us = MAX (now_us, 1);
  link->estimate_kbps = clamp_estimate (config, link->estimate_kbps);
  return action;
}

GstF2fBitrateAction
gst_f2f_bitrate_link_nacked (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gint64 now_us, guint nacked,
    guint sent, gdouble sent_kbps)
{
  gdouble decrease, share;

  g_return_val_if_fail (link != NULL && config != NULL, GST_F2F_BITRATE_HOLD);

  if (now_us - link->last_us < REPORT_SILENCE_US || sent == 0
      || (link->last_decrease_us > 0
          && now_us - link->last_decrease_us < NACKED_CUT_INTERVAL_US))
    return GST_F2F_BITRATE_HOLD;
  /* Lost packets are asked for again and again until they come or their
   * deadline passes, and a NACK waits for the next feedback packet, where
   * it may expire: the share says that packets are lost, not how many.
   * A receiver also NACKs packets that are only late (a loaded machine:
   * 3-6 % of the packets of a link without any loss or cap, with no
   * report for up to 4 s, in the lab). So NACKs alone must be many (over
   * 10 %); more than a few (over 2 %) confirm a queue that the latest
   * report (or cut) already showed. */
  share = (gdouble) nacked / sent;
  if (share <= LOSS_LOW || (share <= LOSS_HIGH && link->delayed_reports == 0))
    return GST_F2F_BITRATE_HOLD;
  /* The first cut of an overflow halves, as TCP does on a loss event: the
   * queue has already overflowed, and reports, with which the delay cuts
   * would have followed one another, will not come while it does (in the
   * lab, cuts of 20 % every 500 ms took 5-6.5 s from 650 to 110 kbit/s,
   * and the queue kept dropping that long). The next ones are delay cuts. */
  decrease = link->last_nacked_us == 0
      || now_us - link->last_nacked_us > NACKED_EPISODE_US ? 0.5 :
      DELAY_DECREASE;
  link->estimate_kbps = clamp_estimate (config, (sent_kbps > 0 ?
          MIN (link->estimate_kbps, sent_kbps) : link->estimate_kbps) *
      decrease);
  link->last_decrease_us = MAX (now_us, 1);
  link->last_nacked_us = MAX (now_us, 1);
  /* The queue is known to be there: the next report with the RTT up cuts
   * at once instead of waiting for a second one. */
  link->delayed_reports = MAX (link->delayed_reports, DELAYED_REPORTS - 1);
  return GST_F2F_BITRATE_DECREASE_LOSS;
}

guint
gst_f2f_bitrate_video_target (const GstF2fBitrateConfig * config,
    const gdouble * estimates_kbps, guint n)
{
  gdouble weakest = G_MAXDOUBLE;
  guint hi, i;

  g_return_val_if_fail (config != NULL, 0);

  hi = MAX (config->max_kbps, config->min_kbps);
  for (i = 0; i < n; i++)
    weakest = MIN (weakest, estimates_kbps[i]);
  if (n == 0)
    return hi;
  weakest -= config->audio_kbps;
  if (weakest < config->min_kbps)
    return config->min_kbps;
  return MIN ((guint) weakest, hi);
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

gint
gst_f2f_bitrate_weakest_link (const gdouble * estimates_kbps, guint n,
    gdouble ratio)
{
  g_autofree gdouble *others = NULL;
  gdouble median;
  guint weakest = 0, i, k = 0;

  if (n < 2)
    return -1;
  for (i = 1; i < n; i++)
    if (estimates_kbps[i] < estimates_kbps[weakest])
      weakest = i;
  others = g_new (gdouble, n - 1);
  for (i = 0; i < n; i++)
    if (i != weakest)
      others[k++] = estimates_kbps[i];
  qsort (others, k, sizeof (gdouble), compare_doubles);
  median = k % 2 ? others[k / 2] : (others[k / 2 - 1] + others[k / 2]) / 2;
  return estimates_kbps[weakest] < ratio * median ? (gint) weakest : -1;
}

guint
gst_f2f_bitrate_opus_loss_percentage (gdouble worst_loss, guint previous)
{
  guint measured = (guint) ceil (CLAMP (worst_loss, 0.0, 1.0) * 100.0 -
      1e-9);

  measured = MIN (measured, 100);
  if (measured >= previous)
    return measured;
  return MAX (measured, previous - 1);
}
