/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Congestion control as a pure function: what one link may carry, decided
 * from what its receiver reports (RTCP receiver reports: fraction lost,
 * round-trip time), and what the one shared video encoder may then produce
 * for every link at once. No sockets, no pipelines, time is an argument:
 * tests/check/libs/bitrate.c drives it with tables. The law and why it is
 * so are in docs/architecture.md ("Congestion control").
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>

G_BEGIN_DECLS

typedef struct
{
  guint min_kbps;               /* the video target never goes below */
  guint max_kbps;               /* the video target never goes above */
  guint audio_kbps;             /* kept for Opus on every link (with its
                                 * packet overhead); never given to video */
} GstF2fBitrateConfig;

/* What the last update did to a link's estimate. */
typedef enum
{
  GST_F2F_BITRATE_HOLD,
  GST_F2F_BITRATE_INCREASE,
  GST_F2F_BITRATE_DECREASE_LOSS,
  GST_F2F_BITRATE_DECREASE_DELAY,
} GstF2fBitrateAction;

/* One link's state; plain data so that a caller can keep it anywhere.
 * Read estimate_kbps; leave the rest to the functions below. */
typedef struct
{
  gdouble estimate_kbps;        /* what the link may carry, audio included */
  gdouble rtt_min_ms;           /* the lowest RTT in this window (< 0:
                                 * none yet) */
  gdouble rtt_prev_min_ms;      /* … in the window before (< 0: none) */
  gint64 rtt_window_us;         /* when this window started */
  gint64 last_us;               /* the previous report */
  gint64 last_decrease_us;      /* the latest decrease (0: none) */
  gint64 last_nacked_us;        /* the latest cut by NACKs (0: none) */
  guint delayed_reports;        /* reports in a row with the RTT up */
} GstF2fBitrateLink;

/* A new link starts at @start_kbps (its whole rate, audio included). */
GST_F2F_API
void gst_f2f_bitrate_link_init (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gdouble start_kbps, gint64 now_us);

/* A new receiver report for the link: @loss is the fraction of packets
 * lost since the previous report (0..1), @rtt_ms the round-trip time
 * (< 0: not known), @sent_kbps what the link really sent lately, headers
 * included (<= 0: not known). Call once per report, not per poll: the
 * same report counted twice would cut the rate twice. */
GST_F2F_API
GstF2fBitrateAction gst_f2f_bitrate_link_update (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gint64 now_us, gdouble loss,
    gdouble rtt_ms, gdouble sent_kbps);

/* No new report, but the receiver asked for @nacked of the @sent packets
 * the link sent since the previous poll to be sent again (NACK): call at
 * each poll without a report. GStreamer 1.22's rtpsession puts no report
 * in the feedback packets it sends early (NACK, PLI), and each of them
 * pushes its next regular report back by a whole interval: a receiver
 * that loses packets often enough sends no report at all, and the NACKs
 * are the only sign of the overflowing queue that reach the sender. After
 * 1 s without a report, more than 10 % of the packets NACKed (more than 2 %
 * when the latest report had the RTT up, or after such a cut) cuts the
 * estimate from what the link really sent (@sent_kbps, <= 0: not known),
 * or from the estimate if lower: to half at the first cut of an overflow
 * (none in the 2 s before), then to 80 % (as an RTT that grew would), at
 * most every 500 ms; and the next report with the RTT up cuts at once (it
 * counts as the second in a row). It never increases the estimate. */
GST_F2F_API
GstF2fBitrateAction gst_f2f_bitrate_link_nacked (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gint64 now_us, guint nacked,
    guint sent, gdouble sent_kbps);

/* The shared video encoder's target, in kbit/s: the weakest link's
 * estimate less the audio share, within the configured bounds. @n may be
 * 0 (no link: the maximum). */
GST_F2F_API
guint gst_f2f_bitrate_video_target (const GstF2fBitrateConfig * config,
    const gdouble * estimates_kbps, guint n);

/* The index of a link far weaker than the rest: its estimate is below
 * @ratio times the median of the others' (-1: none, or fewer than two
 * links). */
GST_F2F_API
gint gst_f2f_bitrate_weakest_link (const gdouble * estimates_kbps, guint n,
    gdouble ratio);

/* Opus's packet-loss-percentage from the worst loss measured on any link
 * (0..1): up at once, down by one point per call, so that one quiet report
 * does not take the protection away. */
GST_F2F_API
guint gst_f2f_bitrate_opus_loss_percentage (gdouble worst_loss,
    guint previous);

G_END_DECLS
