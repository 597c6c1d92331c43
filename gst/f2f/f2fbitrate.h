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
  gdouble capacity_kbps;        /* what the link sent when a queue last
                                 * built (0: not known) */
  gint64 next_probe_us;         /* when to look above the capacity again */
  gint64 probe_us;              /* a probe above it since (0: none) */
  gint64 probe_sent_us;         /* … really sent above it since (0: not) */
  gint64 app_limited_us;        /* … sent clearly under its base since */
  gdouble probe_base_kbps;      /* … what it must be sent above */
  gboolean ramp;                /* a probe found the capacity gone */
  gdouble prev_rtt_ms;          /* the previous report's (< 0: none) */
  gint64 prev_rtt_us;           /* … and when it came */
  gint64 feedback_us;           /* the latest delay feedback (0: none) */
  gint64 feedback_step_us;      /* … the one before, for the step */
  guint queued_feedbacks;       /* feedbacks in a row with a queue */
  guint undelivered_feedbacks;  /* … without one but far under the rate sent */
  gboolean video_suspended;     /* see gst_f2f_bitrate_link_suspend_video */
  gint64 suspended_us;          /* … since */
  gint64 resumed_us;            /* the latest try with video again (0: none) */
  guint failed_resumes;         /* tries in a row that a queue ended */
  gdouble suspended_kbps;       /* the latest capacity measured while
                                 * suspended (see …_audio_room) */
  gdouble delivered_kbps;       /* the latest feedback's rate received */
  gdouble delivered_sent_kbps;  /* … and the rate sent then */
  gint64 short_since_us;        /* the capacity is short of the need
                                 * since (0: it is not) */
} GstF2fBitrateLink;

/* A new link starts at @start_kbps (its whole rate, audio included). */
GST_F2F_API
void gst_f2f_bitrate_link_init (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gdouble start_kbps, gint64 now_us);

/* A new receiver report for the link: @loss is the fraction of packets
 * lost since the previous report (0..1), @rtt_ms the round-trip time
 * (< 0: not known; one that cannot be real is taken as not known, see
 * gst_f2f_bitrate_report_rtt), @sent_kbps what the link really sent
 * lately, headers included (<= 0: not known). Call once per report, not
 * per poll: the same report counted twice would cut the rate twice. */
GST_F2F_API
GstF2fBitrateAction gst_f2f_bitrate_link_update (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gint64 now_us, gdouble loss,
    gdouble rtt_ms, gdouble sent_kbps);

/* The round-trip time a receiver report gives (webrtcbin's
 * "round-trip-time" of a remote-inbound-rtp, in ms), or -1 (not known)
 * when it cannot be a real one: 0 (GStreamer 1.22's answer to a report
 * that answers no sender report) or over 10 s (a report whose DLSR
 * wrapped: 1526 s and more). gst_f2f_bitrate_link_update applies it to
 * its @rtt_ms; call it wherever else a report's RTT is used. */
GST_F2F_API
gdouble gst_f2f_bitrate_report_rtt (gdouble rtt_ms);

/* Delay feedback from the link's receiver (an f2f peer measures it, see
 * GstF2fDelayFilter, and sends it every ~150 ms over the link's control
 * channel): @queue_ms, the queueing delay its packets met (the lowest of
 * the interval, so a keyframe's own burst does not count; < 0: not
 * known), @received_kbps, what reached it lately, headers included, and
 * @sent_kbps, the mean rate the link sent over the last second (not a
 * smoothed rate: a probe is confirmed when the mean of its first second
 * or any later one is over the capacity). A standing queue (100 ms in one
 * feedback, or 40 ms in two in a row) measures the capacity, which is the
 * rate received while a queue stands (the bottleneck is busy), and cuts
 * the estimate to 75 % of it less the queue (to drain it within about a
 * second); between probes it holds at 75 %; no queue (under 20 ms)
 * increases as a clean report does. While
 * feedback keeps coming (the last within 1 s), receiver reports act on
 * loss only: their RTT is 0.5-2 s old and, in both directions, crosses
 * whatever queue the way back has. */
GST_F2F_API
GstF2fBitrateAction gst_f2f_bitrate_link_feedback (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gint64 now_us, gdouble queue_ms,
    gdouble received_kbps, gdouble sent_kbps);

/* Whether the link should carry no video, only what it sends besides
 * (Opus, RTCP, the data channels): once the latest delay feedback says the
 * link delivers under 1.1 × what the least video (config->min_kbps) and
 * the least of the rest (25 kbit/s: Opus at its lowest level, RTCP, the
 * data channels) need together, and under 60 % of what it sends, for
 * 1.5 s, video would only fill the bottleneck's queue and drown the voice.
 * (A link that sends little behind a queue another flow builds delivers
 * what it sends: it is not suspended; nor is one without feedback — a
 * browser peer.) The link cannot learn that its capacity came back without
 * sending more, so video goes again 10 s later, then 20 s after a try that
 * failed within 5 s; a try is judged 1.5 s in, by the same rule with half
 * instead of 60 % and no wait. A try on a link still capped costs the
 * voice 1-2 s of holes. Call at each tick of the link; returns the state,
 * TRUE while suspended. */
GST_F2F_API
gboolean gst_f2f_bitrate_link_suspend_video (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gint64 now_us);

/* What the link may carry for the voice (and what else it sends besides
 * video): its estimate, or while its video is suspended what it delivered
 * when it was suspended (or a capacity a queue measured since), which is
 * under the estimate's floor; the law may forget a capacity meanwhile (a
 * probe that the voice alone cannot fill), the voice must not. */
GST_F2F_API
gdouble gst_f2f_bitrate_link_audio_room (const GstF2fBitrateLink * link);

/* What the link may carry for its control plane (the delay feedback we
 * send the peer, gst_f2f_bitrate_feedback_interval_us): its audio room,
 * or the capacity a queue measured when that is lower. At a cap's onset
 * the estimate is cut a step at a time and its floor holds it over the
 * capacity; the feedback paced by it went every 300 ms into a 20 kbit/s
 * cap's full queue for the first 2 s, and SCTP sent the messages that
 * queue held again in one burst (0.5-1 kB, 200-400 ms of the link). */
GST_F2F_API
gdouble gst_f2f_bitrate_link_control_room (const GstF2fBitrateLink * link);

/* How long to wait between two delay feedbacks on a link (µs): 150 ms,
 * unless what they cost would take more than 5 % of @own_kbps (what we may
 * send on the link, gst_f2f_bitrate_link_audio_room) or their SCTP
 * acknowledgements more than 5 % of @peer_kbps (what arrives from the
 * peer: its way back); at most 1 s. Under a 20 kbit/s cap, feedback every
 * 150 ms both ways took 8-10 kbit/s of the capped peer's uplink, half of
 * what its voice needs. <= 0: not known. */
GST_F2F_API
gint64 gst_f2f_bitrate_feedback_interval_us (gdouble own_kbps,
    gdouble peer_kbps);

/* Whether the link is probing above its capacity. */
GST_F2F_API
gboolean gst_f2f_bitrate_link_probing (const GstF2fBitrateLink * link);

/* Another link fed by the same encoder started a probe: this one probes
 * at its next clean update too, if it holds under a known capacity. One
 * encoder feeds every link and follows the weakest estimate, so a probe
 * on one link alone never reaches the wire (it waits, unconfirmed, for
 * the others' own probes: in the lab the target took 4 s longer to come
 * back after a cap was lifted). */
GST_F2F_API
void gst_f2f_bitrate_link_probe_soon (GstF2fBitrateLink * link,
    gint64 now_us);

/* The receiving side of a link: the queueing delay its one measured
 * stream meets on the way, from each RTP packet's arrival time and RTP
 * timestamp (SRTP leaves the header in clear). Arrival minus capture time
 * is the one-way delay up to a constant (the two clocks' offset); its
 * lowest value of the last 30-60 s is the path without a queue, and what
 * is above it is the queue. The RTP clock rate is learnt from the stream
 * (the nearest of 8, 16, 48 and 90 kHz to what its timestamps advanced in
 * its first second), so audio-only links work too. Plain data. */
typedef struct
{
  guint32 ssrc;
  gboolean started;
  gint64 first_us;              /* the first packet's arrival */
  gint64 first_ts;              /* … and timestamp, unwrapped */
  gint64 ts;                    /* the latest timestamp, unwrapped */
  guint clock;                  /* Hz; 0: not learnt yet */
  /* Audio: the latest packet, measured once the next one (by sequence
   * number) tells where its frame ends (0 pending_us: none) */
  gint64 pending_us, pending_ts;
  guint16 pending_seq;
  gdouble base_ms, prev_base_ms; /* lowest delay, this and the previous
                                  * window (G_MAXDOUBLE: none) */
  gint64 window_us;
  gdouble queue_min_ms, queue_max_ms;   /* this interval (< 0: none) */
} GstF2fDelayFilter;

GST_F2F_API
void gst_f2f_delay_filter_init (GstF2fDelayFilter * filter, guint32 ssrc);

/* One RTP packet of the filter's stream (its timestamp and sequence
 * number), arrived at @arrival_us. */
GST_F2F_API
void gst_f2f_delay_filter_packet (GstF2fDelayFilter * filter,
    gint64 arrival_us, guint32 rtp_ts, guint16 seq);

/* The interval's figures, and a new interval: the lowest queueing delay
 * seen (FALSE when none: no packet, or the clock not learnt yet) and the
 * highest. (Loss is GstF2fLossCount's: one stream's interval holds too few
 * packets to tell.) */
GST_F2F_API
gboolean gst_f2f_delay_filter_take (GstF2fDelayFilter * filter,
    gdouble * queue_ms, gdouble * peak_ms);

/* The receiving side's count of the packets a link lost on the way, over
 * every RTP stream it carries (video, its retransmissions and FEC, audio),
 * from their sequence numbers, and over the last few intervals: one
 * interval of one stream (GstF2fDelayFilter's) holds a handful of video
 * packets, so its share lost read 0 or 25 % at a steady 10 % (in the lab,
 * the sender's smoothed estimate read 2.4-12 % at 5 %). Plain data. */
#define GST_F2F_LOSS_STREAMS 8
#define GST_F2F_LOSS_INTERVALS 16

typedef struct
{
  struct
  {
    guint32 ssrc;
    guint16 max_seq;
    gboolean used;
    guint idle;                 /* intervals without a packet */
  } streams[GST_F2F_LOSS_STREAMS];
  guint expected[GST_F2F_LOSS_INTERVALS], received[GST_F2F_LOSS_INTERVALS];
  guint current;                /* the interval being counted */
} GstF2fLossCount;

/* One RTP packet of stream @ssrc arrived. A sequence number more than
 * 1000 away from its stream's highest starts the count of that stream
 * anew (a restarted sender); a late one counts as received (it was counted
 * lost when the gap was seen, so the window balances). Streams beyond
 * GST_F2F_LOSS_STREAMS are not counted. */
GST_F2F_API
void gst_f2f_loss_count_packet (GstF2fLossCount * count, guint32 ssrc,
    guint16 seq);

/* Ends the interval being counted: returns the share of packets lost
 * over it and the @intervals - 1 before it (1 ≤ @intervals ≤
 * GST_F2F_LOSS_INTERVALS), or -1 when no packet was expected in them. A
 * stream without packets for @intervals intervals frees its place. */
GST_F2F_API
gdouble gst_f2f_loss_count_take (GstF2fLossCount * count, guint intervals);

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
 * (none in the 2 s before), then to 60 % (a deeper cut than a report would
 * make: with no report the queue is known to overflow), at
 * most every 500 ms; and the next report with the RTT up cuts at once (it
 * counts as the second in a row). It never increases the estimate. */
GST_F2F_API
GstF2fBitrateAction gst_f2f_bitrate_link_nacked (GstF2fBitrateLink * link,
    const GstF2fBitrateConfig * config, gint64 now_us, guint nacked,
    guint sent, gdouble sent_kbps);

/* Whether a new report claiming (almost) no loss is contradicted by the
 * NACKs since the last poll (more than 10 % of the packets sent): the
 * report is then about another stream (1.22 keeps one block per remote
 * source) and the caller treats it as no report. */
GST_F2F_API
gboolean gst_f2f_bitrate_report_contradicted (gdouble loss, guint nacked,
    guint sent);

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

/* The ULPFEC overhead for a link's video (f2fsignal's video-fec), in % of
 * its video packets, from the loss its receiver reports (@loss, 0-1): none
 * under 1 % (a clean link pays nothing; NACK repairs the odd loss), then
 * four times the loss in percent, at most 50. */
GST_F2F_API
guint gst_f2f_bitrate_fec_percentage (gdouble loss);

/* Opus's settings (@bitrate_bps, @frame_ms) for a link that may carry
 * @weakest_kbps (the weakest link's estimate: one encoder feeds them all),
 * and the level they are (0: the best), moving from @previous. Audio is
 * given at most 40 % of the link, headers counted (a 20 ms frame's
 * headers alone are ~29 kbit/s on the wire); up a level only when it fits
 * with 20 % to spare, so that a link at its plateau does not flap. */
GST_F2F_API
guint gst_f2f_bitrate_audio_level (gdouble weakest_kbps, guint previous,
    guint * bitrate_bps, guint * frame_ms);

/* How the camera's picture is sent, from the best. */
typedef enum
{
  GST_F2F_PICTURE_FULL,         /* as it comes */
  GST_F2F_PICTURE_HALF_SIZE,    /* at half its width and height */
  GST_F2F_PICTURE_HALF_RATE,    /* … and half its frame rate */
} GstF2fPicture;

/* The picture a video target of @kbps allows for a camera of @width ×
 * @height at @fps, moving from @current: half size below 0.08 bit per
 * pixel of the camera's (an encoder asked for less than it can make of a
 * picture overshoots its target), half size and half rate below 0.02 (0.08
 * of the half-size picture; only from 10 fps up). Worse at once; better
 * one step at a time, once the target stood at twice the step's line for
 * 5 s (each step costs a keyframe at the new size, and a sawtooth under a
 * cap crosses the lines every few seconds). @up_since_us keeps that
 * time (0 to start). */
GST_F2F_API
GstF2fPicture gst_f2f_bitrate_picture (gdouble kbps, gint width, gint height,
    gdouble fps, GstF2fPicture current, gint64 now_us, gint64 * up_since_us);

/* Whether Opus must hold @level's rate as a constant one: the levels of
 * frames longer than 20 ms, for a tight cap. In its default (VBR) mode
 * opusenc 1.22 sends a steady tone at 16 kbit/s when told 6 or 10, and at
 * 42 and 52 when told 24 and 32 (constrained VBR: 16, 16, 24, 32); only
 * CBR held 6 and 10. */
GST_F2F_API
gboolean gst_f2f_bitrate_audio_level_constant (guint level);

/* A receiver's keyframe requests for one video stream. The depayloader
 * asks once when loss breaks a frame; if that request (an RTCP PLI or
 * FIR, itself a packet that loss may take) or the keyframe that answers
 * it is lost, the picture stays broken until the sender's next periodic
 * keyframe, seconds away. So while a request stands unanswered, it is
 * made again, every gst_f2f_key_request_interval_us() of the link's round
 * trip. */
typedef struct
{
  gint64 pending_us;            /* the first request no keyframe answered
                                 * yet (0: none) */
  gint64 last_us;               /* the latest request (0: none) */
  guint repeats;                /* requests made again, in all */
} GstF2fKeyRequest;

/* How long a request waits for its keyframe before it is made again:
 * GST_F2F_KEY_REQUEST_ANSWER_US (what an answer takes besides the network:
 * the sender's next frame, at most one forced keyframe per 250 ms at the
 * encoder, the jitterbuffer's latency, a NACKed packet of the keyframe)
 * plus two round trips (the request's and, for a lost packet of the
 * keyframe, its retransmission's), at most GST_F2F_KEY_REQUEST_REPEAT_US,
 * which is also the wait when the round trip is not known (@rtt_ms < 0).
 * Until 2026-12-07 every request waited the full second: on the network
 * lab's 5 % loss (a round trip of ~2 ms) a lost request or answer then
 * cost its picture 1.16-1.3 s (about 6 of 79 waits, in 4 of 8 runs), and
 * a test's median of two waits 650 ms. Short against the periodic
 * keyframe (4 s); long enough that most answers on their way are not
 * asked for twice (on that link most came within 300 ms, a few after
 * 460-760 ms: one more request each, which the encoder's 250 ms limit
 * keeps cheap). */
#define GST_F2F_KEY_REQUEST_ANSWER_US (500 * G_TIME_SPAN_MILLISECOND)
#define GST_F2F_KEY_REQUEST_REPEAT_US (1 * G_USEC_PER_SEC)

GST_F2F_API
gint64 gst_f2f_key_request_interval_us (gint rtt_ms);

/* A request was sent upstream (by anyone) at @now_us. */
GST_F2F_API
void gst_f2f_key_request_sent (GstF2fKeyRequest * kr, gint64 now_us);

/* A keyframe came: every request is answered. */
GST_F2F_API
void gst_f2f_key_request_answered (GstF2fKeyRequest * kr);

/* Whether to ask again at @now_us: a request stands unanswered and the
 * latest is @interval_us old (gst_f2f_key_request_interval_us). TRUE
 * counts the repeat and records it as sent. */
GST_F2F_API
gboolean gst_f2f_key_request_due (GstF2fKeyRequest * kr, gint64 now_us,
    gint64 interval_us);

G_END_DECLS
