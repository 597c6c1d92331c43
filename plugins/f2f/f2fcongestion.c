/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Threads: the controller runs on its own worker (f2fworker.c), started
 * READY→PAUSED and stopped PAUSED→READY; only that thread touches the
 * per-link state. cc->lock guards the encoders and the configuration,
 * which f2fsignal sets from other threads; it is a leaf, never held while
 * calling webrtcbin, an encoder's properties or the bus.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>
#include <gst/video/video.h>
#include <gst/f2f/f2f.h>

#include "f2fcongestion.h"
#include "f2fworker.h"

GST_DEBUG_CATEGORY_EXTERN (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

/* How often the links' statistics are read. With RTCP_MIN_INTERVAL the
 * sessions send a receiver report about every 0.4 s; a report is used
 * once, when it is new. get-stats walks all of a webrtcbin's sessions, so
 * polling costs CPU on every link (four times a second on three peers'
 * six links was measurable on two loaded cores). */
#define TICK_MS 500
/* f2f-link-bitrate at least this often per link (see tick_cb) */
#define POST_US (1000 * 1000)
/* Kept for Opus on each link: 32 kbit/s and 50 packets a second of
 * headers (PACKET_OVERHEAD each). */
#define AUDIO_KBPS 64
/* Bytes of headers per RTP packet on the wire: RTP 12, its header
 * extensions ~8, SRTP's tag 10, UDP 8, IPv4 20, Ethernet 14. */
#define PACKET_OVERHEAD 72
/* A link is "far weaker" below this share of the others' median. */
#define LIMITED_RATIO 0.5
/* A new target is applied when it moved by more than this share: each
 * change reconfigures the encoder. */
#define TARGET_STEP 0.05
/* The shared video encoder makes at most one keyframe per this interval
 * however many peers ask (PLI from N receivers after one loss burst). */
#define KEY_UNIT_INTERVAL (250 * GST_MSECOND)
/* The picture is sent at half size, and at half its frame rate, below
 * the lines of gst_f2f_bitrate_picture. The frame rate is halved by
 * dropping every other frame before the encoder (keep_frame), not with
 * videorate, which holds each frame until the next one comes: a frame of
 * latency (67 ms at 15 fps) for every picture, all the time. */
/* RTCP reports at least this often (see configure_element). */
#define RTCP_MIN_INTERVAL (200 * GST_MSECOND)
/* The RTCP a link sends: RFC 3550's 5 %, but of what the link may carry.
 * rtpsession's own budget is 5 % of every stream's rate in the session,
 * the received ones included, and with the (S)AVPF profile it has no
 * minimum interval (rtpstats.c): on an uplink capped at 300 kbit/s, with
 * 800 kbit/s coming in from each peer, the capped peer's RTCP took 50-85
 * kbit/s, a quarter of the cap, and its floor (video at min-bitrate, two
 * Opus streams, RTCP) was at the cap, so the queue could not drain.
 * Not below RTCP_FLOOR_BPS (or RTCP_FLOOR_SHARE of a link slower than
 * 100 kbit/s): the peer's reports and NACKs, which the sender needs most
 * when its own uplink is capped, go out at this budget too, and the peer's
 * estimate of its link to a capped sender falls with the sender's (its
 * RTT crosses the sender's queue). */
#define RTCP_SHARE 0.05
#define RTCP_FLOOR_BPS 10000
#define RTCP_FLOOR_SHARE 0.10
/* How often each link's peer is told the queueing delay and the rate of
 * what arrives from it (send_feedback), on a link that is not slow (see
 * gst_f2f_bitrate_feedback_interval_us): a 400 ms drop-tail queue filling
 * at 1.2 ms per ms (650 kbit/s into a 300 kbit/s cap) must be seen within
 * a few hundred ms. A message of ~90 bytes, ~5 kbit/s a link with SCTP's
 * and DTLS's headers, on the receiver's uplink. */
#define FEEDBACK_MS 150
/* (see feedback_tick_cb) */
#define THIN_FEEDBACK_US (500 * 1000)
/* NACK is for random loss. A receiver asks a link's peer to send lost
 * video packets again only while it sees loss on arrival without a
 * standing queue: loss in the last NACK_LOSS_US, counted at least
 * NACK_HOLD_US after the last interval whose queue was NACK_QUEUE_MS or
 * more (the lowest of a feedback interval: a queue that stands; below
 * 20 ms the law calls a link clean). Behind a queue, loss is the sender's
 * bottleneck overflowing, and asking again adds to what overflowed; and
 * on a capped link without loss, NACKing receivers lost 0.3-1.9 % of the
 * capped peer's voice (10 runs; 0-0.3 % without NACK, and 0 at a
 * receiver that did not NACK in the same room), by a way not traced
 * (docs/architecture.md, "NACK per stream"). */
#define NACK_QUEUE_MS 30
#define NACK_HOLD_US (2 * G_USEC_PER_SEC)
#define NACK_LOSS_US (10 * G_USEC_PER_SEC)
/* The stream measured changes only after this (see send_feedback). */
#define STREAM_SWITCH_US (3 * G_USEC_PER_SEC)
/* Bytes on the wire around what webrtcbin hands its ICE transport: UDP 8,
 * IPv4 20, Ethernet 14 (what a tbf on the link's interface counts). */
#define WIRE_OVERHEAD 42

/* Everything one link's webrtcbin gives its ICE transport (the nicesink's
 * input: SRTP, SRTCP, DTLS with the data channels), counted by a probe on
 * a streaming thread and read by the controller. The RTP counts of
 * get-stats leave out RTCP and retransmissions, which on a capped
 * 300 kbit/s uplink were ~90 kbit/s of the wire (docs/architecture.md):
 * a law fed the RTP counts puts its floor near the cap. Refcounted: the
 * probe may outlive the link's state. */
typedef enum
{
  WIRE_RTP,
  WIRE_RTCP,
  WIRE_OTHER,                   /* DTLS: the data channels, handshakes */
  WIRE_N
} WireClass;

typedef struct
{
  gint refcount;
  GMutex lock;
  /* Protected by lock: */
  guint64 bytes[WIRE_N], packets[WIRE_N];
} WireCount;

/* What arrives from one link's peer (its nicesrc's output, before
 * DTLS/SRTP), counted by a probe on the receiving thread and read by the
 * controller, which sends it back as delay feedback (FEEDBACK_MS). The
 * stream measured is the one that carries the most (the video; audio on
 * an audio-only link). Refcounted like WireCount. */
#define ARRIVAL_SSRCS 8

typedef struct
{
  gint refcount;
  GMutex lock;
  /* Protected by lock: */
  guint64 bytes;                /* everything, UDP/IP/Ethernet included */
  struct
  {
    guint32 ssrc;
    guint64 bytes;              /* since the last feedback */
  } ssrcs[ARRIVAL_SSRCS];
  GstF2fDelayFilter filter;     /* of the stream measured (ssrc 0: none) */
  GstF2fLossCount loss;         /* of every stream */
} ArrivalCount;

/* The loss the feedback reports is counted over this many of its
 * intervals, every stream of the link together (~1 s: 90-150 packets in
 * the lab's 3-peer rooms, see GstF2fLossCount). */
#define FEEDBACK_LOSS_INTERVALS 7

/* Feedback older than this says nothing of the loss now. */
#define FEEDBACK_LOSS_FRESH_US (2 * G_USEC_PER_SEC)

/* Samples of the wire's count kept for link_wire_mean_kbps, one at most
 * every RECENT_STEP_US: a polls' (500 ms) and feedbacks' (~150 ms) worth
 * of well over MEAN_WINDOW_US. */
#define RECENT_N 16
#define RECENT_STEP_US (100 * 1000)
#define MEAN_WINDOW_US G_USEC_PER_SEC

typedef struct
{
  F2fPeerLink *link;
  gchar *peer_id;
  GstF2fBitrateLink law;
  gboolean have_report;
  gint64 report_lost;           /* the last report, to tell a new one */
  gdouble report_fraction, report_rtt;
  gint64 report_us;             /* when it came */
  gint64 posted_us;             /* the latest f2f-link-bitrate about it */
  guint64 bytes_sent, packets_sent;
  gint64 bytes_at_us;
  gdouble sent_kbps;
  gdouble loss, rtt_ms;
  guint key_requests_sent, key_requests_received;
  guint rtx_packets, rtx_requests;
  gboolean seen;                /* still there at the latest tick */
  /* The wire (WireCount): NULL until the link's transport is found. */
  WireCount *wire;
  guint64 wire_bytes[WIRE_N];   /* at bytes_at_us, headers included */
  gdouble wire_kbps[WIRE_N];    /* smoothed like sent_kbps */
  guint64 wire_packets[WIRE_N];
  gdouble wire_pps[WIRE_N];
  guint64 video_bytes;          /* video RTP with headers, at bytes_at_us */
  gdouble video_kbps;
  gdouble rtcp_bps;             /* the RTCP budget set (0: none yet) */
  /* The receiving side (ArrivalCount): NULL until the transport is found */
  ArrivalCount *arrival;
  guint64 arrival_bytes;        /* at arrival_at_us */
  gint64 arrival_at_us;
  gdouble received_kbps;
  guint64 feedback_seq;
  gint64 next_feedback_us;      /* the next feedback to send, not before */
  gint64 nack_queue_us;         /* the latest standing queue (NACK_QUEUE_MS) */
  gint64 nack_loss_us;          /* the latest loss without one */
  guint32 rival_ssrc;           /* a stream carrying more than the measured */
  gint64 rival_since_us;        /* … since */
  gint64 measured_seen_us;      /* the measured stream's latest bytes */
  /* The delay feedback the peer sent about our stream, the latest */
  gdouble feedback_queue_ms, feedback_kbps;
  /* … and the loss it saw on arrival (the measured stream's sequence
   * numbers, before any retransmission), smoothed, and when it came */
  gdouble feedback_loss;
  gint64 feedback_loss_us;
  gdouble report_loss;          /* the worst fraction lost of the reports */
  /* ULPFEC (video-fec): the overhead set on the link's rtpulpfecenc, and
   * the packets its rtpulpfecdec repaired */
  guint fec_percentage;
  guint fec_recovered;
  /* The wire's count (all of it) at the latest polls and feedbacks, for
   * the mean of the last second (link_wire_mean_kbps) */
  struct
  {
    gint64 us;
    guint64 bytes;
  } recent[RECENT_N];
  guint recent_next;
} LinkState;

struct _F2fCongestion
{
  GstBin *owner;
  F2fCongestionLinksFunc links_func;
  F2fCongestionPauseFunc pause_func;
  gpointer user_data;

  GMutex lock;
  /* Protected by lock: */
  GstElement *video_enc, *audio_enc;
  GMainContext *context;        /* the worker's, while it runs */
  gboolean control;
  GstF2fBitrateConfig config;

  /* Set by start/stop, from f2fsignal's state changes only. */
  F2fWorker *worker;
  GSource *tick, *feedback_tick;

  /* The worker's thread only. */
  GHashTable *links;            /* F2fPeerLink* → LinkState* */
  guint target_kbps;            /* applied to the video encoder */
  guint opus_loss;              /* applied to opusenc */
  /* Atomics, counted by probes on the video encoder's src pad: keyframe
   * requests that reached it (from any link), keyframes it made. */
  gint encoder_key_requests, encoder_keyframes, encoder_frames;
  GstF2fPicture picture;        /* how the camera's picture is sent */
  gint64 picture_up_us;         /* a better one allowed since (0: not) */
  /* Atomic: keep a frame only this long (µs) after the last one kept (0:
   * keep every frame), for keep_frame on the encoder's streaming thread,
   * which alone touches last_kept. */
  gint keep_gap_us;
  GstClockTime last_kept;
  gchar *limited_peer;          /* the far weaker link's peer, or NULL */
  gdouble overhead_kbps;        /* the most a link sends besides video
                                 * (0: not measured) */
  guint audio_level;            /* gst_f2f_bitrate_audio_level's */
  /* Atomic: the Opus frame size (ms) to set from the audio encoder's
   * streaming thread (apply_frame_size), 0 when none is pending. */
  gint pending_frame_ms;
  /* … and its bitrate type: 1 CBR, 2 VBR, 0 none pending */
  gint pending_cbr;
};

#define CC_LOCK(c) g_mutex_lock (&(c)->lock)
#define CC_UNLOCK(c) g_mutex_unlock (&(c)->lock)

static void
wire_count_unref (gpointer data)
{
  WireCount *wc = data;

  if (g_atomic_int_dec_and_test (&wc->refcount)) {
    g_mutex_clear (&wc->lock);
    g_free (wc);
  }
}

static void
arrival_count_unref (gpointer data)
{
  ArrivalCount *ac = data;

  if (g_atomic_int_dec_and_test (&ac->refcount)) {
    g_mutex_clear (&ac->lock);
    g_free (ac);
  }
}

static void
link_state_free (LinkState * ls)
{
  g_clear_pointer (&ls->wire, wire_count_unref);
  g_clear_pointer (&ls->arrival, arrival_count_unref);
  f2f_peer_link_unref (ls->link);
  g_free (ls->peer_id);
  g_free (ls);
}

/* ---------------------------------------------------------------------- */
/* The receiving side, configured as f2fsignal's branches are built */

static gboolean
has_property (GstElement * element, const gchar * name)
{
  return g_object_class_find_property (G_OBJECT_GET_CLASS (element),
      name) != NULL;
}

/* Any thread that adds an element anywhere inside f2fsignal: its decode
 * branches, and what webrtcbin makes inside itself. */
static void
configure_element (GstElement * element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const gchar *name;

  if (factory == NULL)
    return;
  name = GST_OBJECT_NAME (factory);
  if (strcmp (name, "rtpsession") == 0) {
    /* RTCP's default minimum interval (5 s, RFC 3550) would let a sender
     * hear about loss and delay every 5 s: far too late to keep a queue
     * from building. AVPF (RFC 4585), which WebRTC uses, drops that
     * minimum; the RTCP share of the bandwidth still bounds the rate.
     * (1.22's rtpsession applies no minimum at all with the (S)AVPF
     * profile webrtcbin uses, so this only matters for plain AVP; the
     * budget, set_rtcp_budget, is what sets the interval.) */
    g_object_set (element, "rtcp-min-interval",
        (guint64) RTCP_MIN_INTERVAL, NULL);
  } else if (strcmp (name, "rtpvp8depay") == 0 || strcmp (name, "rtph264depay") == 0) {
    /* Loss that NACK/RTX did not repair (the jitterbuffer gave up on a
     * packet) leaves the decoder with a broken reference: ask the sender
     * for a keyframe now (rtpsession sends it as a PLI) instead of waiting
     * for the next periodic one, seconds away. */
    if (has_property (element, "request-keyframe"))
      g_object_set (element, "request-keyframe", TRUE, NULL);
  }
  /* (Opus decoders get concealment and in-band FEC where they are made:
   * f2f_decode_opus, f2fencode.c.) */
}

static void
on_element_added (GstBin * bin, GstElement * element, gpointer user_data)
{
  configure_element (element);
}

static void
on_deep_element_added (GstBin * bin, GstBin * sub_bin, GstElement * element,
    gpointer user_data)
{
  if (sub_bin != bin)
    configure_element (element);
}

/* ---------------------------------------------------------------------- */
/* Statistics */

static gboolean
stats_type_is (const GstStructure * s, GstWebRTCStatsType want)
{
  GstWebRTCStatsType type;

  return gst_structure_get (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type,
      NULL) && type == want;
}

static gint64
get_int_any (const GstStructure * s, const gchar * field)
{
  const GValue *v = gst_structure_get_value (s, field);

  if (v == NULL)
    return 0;
  if (G_VALUE_HOLDS_INT (v))
    return g_value_get_int (v);
  if (G_VALUE_HOLDS_INT64 (v))
    return g_value_get_int64 (v);
  if (G_VALUE_HOLDS_UINT (v))
    return g_value_get_uint (v);
  if (G_VALUE_HOLDS_UINT64 (v))
    return (gint64) g_value_get_uint64 (v);
  return 0;
}

/* The SSRCs of the video streams this side sends, from the codec stats:
 * in webrtcbin 1.22 an outbound-rtp's own `kind` says "video" for audio
 * too, and its `codec-id` names an entry without a MIME type; the codec
 * entries of the send pads carry the SSRC and the MIME type. */
static void
find_video_ssrcs (const GstStructure * reply, GHashTable * video_ssrcs)
{
  gint i, n = gst_structure_n_fields (reply);

  for (i = 0; i < n; i++) {
    const GValue *v = gst_structure_get_value (reply,
        gst_structure_nth_field_name (reply, i));
    const GstStructure *s;
    const gchar *mime;
    guint ssrc = 0;

    if (!GST_VALUE_HOLDS_STRUCTURE (v))
      continue;
    s = gst_value_get_structure (v);
    if (!stats_type_is (s, GST_WEBRTC_STATS_CODEC)
        || !gst_structure_get_uint (s, "ssrc", &ssrc))
      continue;
    mime = gst_structure_get_string (s, "mime-type");
    if (mime && g_str_has_prefix (mime, "video/"))
      g_hash_table_add (video_ssrcs, GUINT_TO_POINTER (ssrc));
  }
}

typedef struct
{
  gboolean have_report;
  gint64 lost;
  gdouble fraction, rtt_ms;
  gdouble worst_fraction;       /* audio or video */
  guint64 bytes_sent, packets_sent;
  guint64 video_bytes;          /* of bytes_sent */
  guint key_requests_sent, key_requests_received;
} Sample;

static void
read_stats (const GstStructure * reply, Sample * out)
{
  GHashTable *video_ssrcs = g_hash_table_new (NULL, NULL);
  gboolean have_video_report = FALSE;
  gint pass, i, n = gst_structure_n_fields (reply);

  memset (out, 0, sizeof (*out));
  out->rtt_ms = -1;
  find_video_ssrcs (reply, video_ssrcs);
  /* first the RTP streams, then the reports */
  for (pass = 0; pass < 2; pass++) {
    for (i = 0; i < n; i++) {
      const GValue *v = gst_structure_get_value (reply,
          gst_structure_nth_field_name (reply, i));
      const GstStructure *s;
      guint ssrc = 0, count = 0;

      if (!GST_VALUE_HOLDS_STRUCTURE (v))
        continue;
      s = gst_value_get_structure (v);
      gst_structure_get_uint (s, "ssrc", &ssrc);
      if (pass == 0 && stats_type_is (s, GST_WEBRTC_STATS_OUTBOUND_RTP)) {
        guint64 bytes = 0, packets = 0;
        gst_structure_get_uint64 (s, "bytes-sent", &bytes);
        gst_structure_get_uint64 (s, "packets-sent", &packets);
        /* payload bytes; the wire also carries the headers */
        out->bytes_sent += bytes + packets * PACKET_OVERHEAD;
        out->packets_sent += packets;
        if (g_hash_table_contains (video_ssrcs, GUINT_TO_POINTER (ssrc))) {
          out->video_bytes += bytes + packets * PACKET_OVERHEAD;
          if (gst_structure_get_uint (s, "pli-count", &count))
            out->key_requests_received += count;
          if (gst_structure_get_uint (s, "fir-count", &count))
            out->key_requests_received += count;
        }
      } else if (pass == 0 && stats_type_is (s, GST_WEBRTC_STATS_INBOUND_RTP)) {
        /* rtpsession sends a FIR where the peer takes one, else a PLI */
        if (gst_structure_get_uint (s, "pli-count", &count))
          out->key_requests_sent += count;
        if (gst_structure_get_uint (s, "fir-count", &count))
          out->key_requests_sent += count;
      } else if (pass == 1
          && stats_type_is (s, GST_WEBRTC_STATS_REMOTE_INBOUND_RTP)) {
        gboolean video = g_hash_table_contains (video_ssrcs,
            GUINT_TO_POINTER (ssrc));
        gdouble fraction = 0, rtt = -1;

        gst_structure_get_double (s, "fraction-lost", &fraction);
        gst_structure_get_double (s, "round-trip-time", &rtt);
        out->worst_fraction = MAX (out->worst_fraction, fraction);
        /* the video stream's report decides; another of ours (audio, an
         * RTX stream) when there is none: 1.22's rtpsession keeps only the
         * last report block each of the peer's sources sent, so which of
         * our streams has a report here depends on the order of the blocks
         * in the peer's RTCP (the report about our video is often not
         * there at all). They all cross the same queue. */
        if (video || !have_video_report) {
          out->have_report = TRUE;
          out->lost = get_int_any (s, "packets-lost");
          out->fraction = fraction;
          /* (an RTT that cannot be real is not known: the report's loss
           * still counts) */
          out->rtt_ms = gst_f2f_bitrate_report_rtt (rtt * 1000);
          if (rtt >= 0 && out->rtt_ms < 0)
            GST_INFO ("a report's RTT of %.0f ms refused", rtt * 1000);
          have_video_report |= video;
        }
      }
    }
  }
  g_hash_table_unref (video_ssrcs);
}

/* ---------------------------------------------------------------------- */
/* The controller */

static void
post (F2fCongestion * cc, GstStructure * s)
{
  gst_element_post_message (GST_ELEMENT_CAST (cc->owner),
      gst_message_new_element (GST_OBJECT_CAST (cc->owner), s));
}

static const gchar *
action_name (GstF2fBitrateAction action)
{
  switch (action) {
    case GST_F2F_BITRATE_INCREASE:
      return "increase";
    case GST_F2F_BITRATE_DECREASE_LOSS:
      return "decrease-loss";
    case GST_F2F_BITRATE_DECREASE_DELAY:
      return "decrease-delay";
    default:
      return "hold";
  }
}

static void
set_video_bitrate (GstElement * enc, guint kbps)
{
  if (has_property (enc, "target-bitrate"))     /* vp8enc: bit/s */
    g_object_set (enc, "target-bitrate", (gint) kbps * 1000, NULL);
  else if (has_property (enc, "bitrate"))       /* x264enc: kbit/s */
    g_object_set (enc, "bitrate", kbps, NULL);
}

/* The capsfilter just before @enc (or before the raw tee before it), the
 * videoscale before it, and the
 * size and rate of what comes in (from the videoscale's input). */
static GstElement *
find_scaler_filter (GstElement * enc, gint * width, gint * height,
    gdouble * fps)
{
  GstPad *sink = gst_element_get_static_pad (enc, "sink");
  GstPad *peer = sink ? gst_pad_get_peer (sink) : NULL;
  GstElement *filter = peer ? gst_pad_get_parent_element (peer) : NULL;
  GstPad *fsink = NULL, *speer = NULL, *scale_sink = NULL;
  GstElement *scale = NULL;
  GstCaps *caps = NULL;
  gboolean ok = FALSE;
  gint n = 0, d = 1;

  if (filter && gst_element_get_factory (filter)
      && g_str_equal (GST_OBJECT_NAME (gst_element_get_factory (filter)),
          "tee")) {
    /* the raw tee a mixer takes its own picture from: the filter is
     * before it */
    GstPad *tsink = gst_element_get_static_pad (filter, "sink");
    GstPad *tpeer = tsink ? gst_pad_get_peer (tsink) : NULL;
    gst_object_unref (filter);
    filter = tpeer ? gst_pad_get_parent_element (tpeer) : NULL;
    gst_clear_object (&tpeer);
    gst_clear_object (&tsink);
  }
  if (filter && has_property (filter, "caps")) {
    fsink = gst_element_get_static_pad (filter, "sink");
    speer = fsink ? gst_pad_get_peer (fsink) : NULL;
    scale = speer ? gst_pad_get_parent_element (speer) : NULL;
    scale_sink = scale ? gst_element_get_static_pad (scale, "sink") : NULL;
    caps = scale_sink ? gst_pad_get_current_caps (scale_sink) : NULL;
    if (caps && gst_caps_get_size (caps) > 0) {
      GstStructure *st = gst_caps_get_structure (caps, 0);
      ok = gst_structure_get_int (st, "width", width)
          && gst_structure_get_int (st, "height", height);
      if (!gst_structure_get_fraction (st, "framerate", &n, &d) || n <= 0)
        n = 15, d = 1;
      *fps = (gdouble) n / d;
    }
  }
  gst_clear_caps (&caps);
  gst_clear_object (&scale_sink);
  gst_clear_object (&scale);
  gst_clear_object (&speer);
  gst_clear_object (&fsink);
  gst_clear_object (&peer);
  gst_clear_object (&sink);
  if (!ok)
    gst_clear_object (&filter);
  return filter;
}

/* The picture the target allows (gst_f2f_bitrate_picture): its size set
 * in the capsfilter before the encoder (the encoder renegotiates: a
 * keyframe, and the receivers follow), its rate by keep_frame. */
static void
scale_for_target (F2fCongestion * cc, GstElement * enc, guint kbps)
{
  gint width = 0, height = 0;
  gdouble fps = 15;
  GstElement *filter = find_scaler_filter (enc, &width, &height, &fps);
  GstF2fPicture picture;
  gboolean half_size, was_half_size;
  GstCaps *caps;

  if (filter == NULL)
    return;
  if (width < 64 || height < 64) {
    gst_object_unref (filter);
    return;
  }
  picture = gst_f2f_bitrate_picture (kbps, width, height, fps, cc->picture,
      g_get_monotonic_time (), &cc->picture_up_us);
  if (picture == cc->picture) {
    gst_object_unref (filter);
    return;
  }
  GST_INFO ("video at %u kbit/s (%.3f bit per pixel of %dx%d at %.1f fps): "
      "sent at %s", kbps, kbps * 1000.0 / (width * height * fps), width,
      height, fps, picture == GST_F2F_PICTURE_FULL ? "full size" :
      picture == GST_F2F_PICTURE_HALF_SIZE ? "half size" :
      "half size and half rate");
  half_size = picture != GST_F2F_PICTURE_FULL;
  was_half_size = cc->picture != GST_F2F_PICTURE_FULL;
  if (half_size != was_half_size) {
    caps = half_size ? gst_caps_new_simple ("video/x-raw", "format",
        G_TYPE_STRING, "I420", "width", G_TYPE_INT, (width / 2) & ~1,
        "height", G_TYPE_INT, (height / 2) & ~1, NULL) :
        gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420",
        NULL);
    g_object_set (filter, "caps", caps, NULL);
    gst_caps_unref (caps);
  }
  /* two frame times less half of one: a frame in two, with the camera's
   * jitter */
  g_atomic_int_set (&cc->keep_gap_us, picture == GST_F2F_PICTURE_HALF_RATE ?
      (gint) (1.5 * G_USEC_PER_SEC / fps) : 0);
  cc->picture = picture;
  gst_object_unref (filter);
}

/* On the video encoder's sink pad: at half rate, every other frame goes
 * (see scale_for_target). The encoder's rate control spends the target on
 * the frames it gets (vp8enc and x264enc follow the timestamps). */
static GstPadProbeReturn
keep_frame (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  F2fCongestion *cc = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buf);
  gint gap_us = g_atomic_int_get (&cc->keep_gap_us);

  if (gap_us > 0 && GST_CLOCK_TIME_IS_VALID (pts)
      && GST_CLOCK_TIME_IS_VALID (cc->last_kept) && pts > cc->last_kept
      && pts - cc->last_kept < (GstClockTime) gap_us * GST_USECOND)
    return GST_PAD_PROBE_DROP;
  cc->last_kept = pts;
  return GST_PAD_PROBE_OK;
}

/* Calls @fn on every element inside @link's webrtcbin, with its factory's
 * name; when the bin changes while it iterates, @restart first and then
 * every element again. */
static void
foreach_inner (F2fPeerLink * link, F2fElementFunc fn,
    void (*restart) (gpointer data), gpointer data)
{
  GstElement *webrtc = f2f_peer_link_get_webrtcbin (link);

  if (webrtc)
    f2f_bin_foreach_element (GST_BIN (webrtc), fn, restart, data);
}

typedef struct
{
  guint packets, requests;
} RtxCount;

static void
count_rtx (GstElement * element, const gchar * factory, gpointer data)
{
  RtxCount *c = data;
  guint n = 0, r = 0;

  if (g_strcmp0 (factory, "rtprtxsend") != 0)
    return;
  g_object_get (element, "num-rtx-packets", &n, "num-rtx-requests", &r, NULL);
  c->packets += n;
  c->requests += r;
}

static void
count_rtx_restart (gpointer data)
{
  memset (data, 0, sizeof (RtxCount));
}

/* Retransmitted packets the link sent so far, and the packets its peer
 * asked to be sent again (NACK), from its rtprtxsend elements. */
static guint
rtx_packets (F2fPeerLink * link, guint * requests)
{
  RtxCount c = { 0, 0 };

  foreach_inner (link, count_rtx, count_rtx_restart, &c);
  *requests = c.requests;
  return c.packets;
}

static void
wire_count_buffer (WireCount * wc, GstBuffer * buffer)
{
  guint8 head[2] = { 0, 0 };
  WireClass cls = WIRE_OTHER;
  gsize size = gst_buffer_get_size (buffer);

  /* RFC 7983's demultiplexing by the first byte (128-191: RTP or RTCP;
   * 20-63: DTLS), then RFC 5761's by the second: RTCP's packet types are
   * 192-223, which RTP's marker bit and payload type never make here. */
  if (gst_buffer_extract (buffer, 0, head, 2) == 2 && head[0] >= 128
      && head[0] <= 191)
    cls = head[1] >= 192 && head[1] <= 223 ? WIRE_RTCP : WIRE_RTP;
  if (cls == WIRE_OTHER)
    GST_TRACE ("other %u %" G_GSIZE_FORMAT, head[0], size);
  g_mutex_lock (&wc->lock);
  wc->bytes[cls] += size + WIRE_OVERHEAD;
  wc->packets[cls]++;
  g_mutex_unlock (&wc->lock);
}

static gboolean
wire_count_list_item (GstBuffer ** buffer, guint idx, gpointer data)
{
  wire_count_buffer (data, *buffer);
  return TRUE;
}

static GstPadProbeReturn
wire_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    wire_count_buffer (data, GST_PAD_PROBE_INFO_BUFFER (info));
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info),
        wire_count_list_item, data);
  return GST_PAD_PROBE_OK;
}

/* Adds @probe on the @pad_name pad of every @factory element inside the
 * link's webrtcbin (one with max-bundle). The probes share one counter:
 * @counter's, made by @make at the first such pad; each probe holds a
 * reference to it (@ref, dropped by @unref with the probe). Returns that
 * counter with the caller's reference, or NULL when there is no such
 * element yet. */
typedef struct
{
  const gchar *factory, *pad_name;
  GstPadProbeCallback probe;
  gpointer (*make) (void);
  gint *(*refcount) (gpointer);
  GDestroyNotify unref;
  gpointer counter;
} ProbeTransport;

static void
probe_transport_element (GstElement * element, const gchar * factory,
    gpointer data)
{
  ProbeTransport *pt = data;
  GstPad *pad;

  if (g_strcmp0 (factory, pt->factory) != 0
      || !(pad = gst_element_get_static_pad (element, pt->pad_name)))
    return;
  if (pt->counter == NULL)
    pt->counter = pt->make ();
  g_atomic_int_inc (pt->refcount (pt->counter));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, pt->probe, pt->counter, pt->unref);
  gst_object_unref (pad);
}

static gpointer
probe_transport (F2fPeerLink * link, const gchar * factory,
    const gchar * pad_name, GstPadProbeCallback probe, gpointer (*make) (void),
    gint * (*refcount) (gpointer), GDestroyNotify unref)
{
  ProbeTransport pt = { factory, pad_name, probe, make, refcount, unref,
    NULL
  };

  /* (on a restart, a probe already added stays; it is counted once) */
  foreach_inner (link, probe_transport_element, NULL, &pt);
  return pt.counter;
}

static gpointer
wire_count_new (void)
{
  WireCount *wc = g_new0 (WireCount, 1);

  wc->refcount = 1;
  g_mutex_init (&wc->lock);
  return wc;
}

static gint *
wire_count_refcount (gpointer data)
{
  return &((WireCount *) data)->refcount;
}

/* Puts a WireCount on every nicesink of the link's webrtcbin (one with
 * max-bundle); NULL when there is none yet. */
static WireCount *
wire_count_attach (F2fPeerLink * link)
{
  return probe_transport (link, "nicesink", "sink", wire_probe,
      wire_count_new, wire_count_refcount, wire_count_unref);
}


/* The receiving thread of a link (its nicesrc): RTP's header is in clear
 * under SRTP, so each packet's SSRC, sequence number and timestamp are
 * read here, at its arrival, before any jitterbuffer. */
static void
arrival_count_buffer (ArrivalCount * ac, GstBuffer * buffer, gint64 now)
{
  guint8 head[12];
  gsize size = gst_buffer_get_size (buffer);
  guint32 ssrc, ts;
  guint16 seq;
  guint i, free_slot = ARRIVAL_SSRCS;

  g_mutex_lock (&ac->lock);
  ac->bytes += size + WIRE_OVERHEAD;
  /* RTP, not RTCP (as wire_count_buffer) */
  if (gst_buffer_extract (buffer, 0, head, 12) != 12 || head[0] < 128
      || head[0] > 191 || (head[1] >= 192 && head[1] <= 223))
    goto done;
  seq = GST_READ_UINT16_BE (head + 2);
  ts = GST_READ_UINT32_BE (head + 4);
  ssrc = GST_READ_UINT32_BE (head + 8);
  for (i = 0; i < ARRIVAL_SSRCS; i++) {
    if (ac->ssrcs[i].ssrc == ssrc)
      break;
    if (ac->ssrcs[i].ssrc == 0 && free_slot == ARRIVAL_SSRCS)
      free_slot = i;
  }
  if (i == ARRIVAL_SSRCS && free_slot < ARRIVAL_SSRCS) {
    i = free_slot;
    ac->ssrcs[i].ssrc = ssrc;
  }
  if (i < ARRIVAL_SSRCS)
    ac->ssrcs[i].bytes += size;
  if (ssrc != 0 && ssrc == ac->filter.ssrc)
    gst_f2f_delay_filter_packet (&ac->filter, now, ts, seq);
  gst_f2f_loss_count_packet (&ac->loss, ssrc, seq);
done:
  g_mutex_unlock (&ac->lock);
}

typedef struct
{
  ArrivalCount *ac;
  gint64 now;
} ArrivalList;

static gboolean
arrival_count_list_item (GstBuffer ** buffer, guint idx, gpointer data)
{
  ArrivalList *al = data;

  arrival_count_buffer (al->ac, *buffer, al->now);
  return TRUE;
}

static GstPadProbeReturn
arrival_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  ArrivalList al = { data, g_get_monotonic_time () };

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    arrival_count_buffer (data, GST_PAD_PROBE_INFO_BUFFER (info), al.now);
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info),
        arrival_count_list_item, &al);
  return GST_PAD_PROBE_OK;
}

static gpointer
arrival_count_new (void)
{
  ArrivalCount *ac = g_new0 (ArrivalCount, 1);

  ac->refcount = 1;
  g_mutex_init (&ac->lock);
  gst_f2f_delay_filter_init (&ac->filter, 0);
  return ac;
}

static gint *
arrival_count_refcount (gpointer data)
{
  return &((ArrivalCount *) data)->refcount;
}

/* Puts an ArrivalCount on every nicesrc of the link's webrtcbin; NULL
 * when there is none yet. */
static ArrivalCount *
arrival_count_attach (F2fPeerLink * link)
{
  return probe_transport (link, "nicesrc", "src", arrival_probe,
      arrival_count_new, arrival_count_refcount, arrival_count_unref);
}

/* Smoothed over about a second (a time constant of 0.7 s at 500 ms polls:
 * a cut made from what was sent must not start from the rate of seconds
 * ago). */
static gdouble
smooth (gdouble previous, gdouble now)
{
  return previous > 0 ? 0.5 * previous + 0.5 * now : now;
}

static gdouble
smooth_kbps (gdouble previous, guint64 bytes, gint64 us)
{
  return smooth (previous, bytes * 8.0 * 1000 / MAX (us, 1));
}

/* What the link sends on the wire, everything counted (WireCount); the
 * RTP counted by get-stats until the transport is found. */
static gdouble
link_wire_kbps (LinkState * ls)
{
  if (ls->wire == NULL)
    return ls->sent_kbps;
  return ls->wire_kbps[WIRE_RTP] + ls->wire_kbps[WIRE_RTCP] +
      ls->wire_kbps[WIRE_OTHER];
}

/* Keeps the wire's count now (at most one sample every RECENT_STEP_US)
 * and returns it. */
static guint64
recent_sample (LinkState * ls, gint64 now)
{
  guint64 total = 0;
  guint newest = (ls->recent_next + RECENT_N - 1) % RECENT_N;
  WireClass c;

  g_mutex_lock (&ls->wire->lock);
  for (c = 0; c < WIRE_N; c++)
    total += ls->wire->bytes[c];
  g_mutex_unlock (&ls->wire->lock);
  if (ls->recent[newest].us == 0 || now - ls->recent[newest].us >=
      RECENT_STEP_US) {
    ls->recent[ls->recent_next].us = now;
    ls->recent[ls->recent_next].bytes = total;
    ls->recent_next = (ls->recent_next + 1) % RECENT_N;
  }
  return total;
}

/* What the link sent on the wire over the last second or a little more
 * (MEAN_WINDOW_US), everything counted: what the delay feedback's law
 * confirms a probe with (gst_f2f_bitrate_link_feedback). The smoothed rate
 * lags the encoder by another second. Before a second of samples: the
 * smoothed rate. */
static gdouble
link_wire_mean_kbps (LinkState * ls, gint64 now)
{
  guint64 total, then_bytes = 0;
  gint64 then_us = 0;
  guint i;

  if (ls->wire == NULL)
    return ls->sent_kbps;
  total = recent_sample (ls, now);
  /* the newest sample at least the window old */
  for (i = 0; i < RECENT_N; i++)
    if (ls->recent[i].us > then_us && now - ls->recent[i].us >= MEAN_WINDOW_US) {
      then_us = ls->recent[i].us;
      then_bytes = ls->recent[i].bytes;
    }
  if (then_us == 0 || total < then_bytes)
    return link_wire_kbps (ls);
  return (total - then_bytes) * 8.0 * 1000 / (now - then_us);
}

/* What the link sends besides video: audio, RTCP, retransmissions, the
 * data channels. */
static gdouble
link_overhead_kbps (LinkState * ls)
{
  if (ls->wire == NULL)
    return AUDIO_KBPS;
  return MAX (link_wire_kbps (ls) - ls->video_kbps, 0);
}

/* Each link's RTCP gets RTCP_SHARE of what the link may carry (see
 * RTCP_SHARE). */
static void
set_rtcp_fraction (GstElement * element, const gchar * factory, gpointer data)
{
  /* (above 1, rtpsession takes it as bits per second) */
  if (g_strcmp0 (factory, "rtpsession") == 0)
    g_object_set (element, "rtcp-fraction", *(gdouble *) data, NULL);
}

static void
set_rtcp_budget (LinkState * ls)
{
  /* (a link whose video is suspended may carry less than its estimate) */
  gdouble kbps = gst_f2f_bitrate_link_audio_room (&ls->law);
  gdouble bps = MAX (RTCP_SHARE * kbps * 1000,
      MIN (RTCP_FLOOR_BPS, RTCP_FLOOR_SHARE * kbps * 1000));

  if (f2f_peer_link_get_webrtcbin (ls->link) == NULL || (ls->rtcp_bps > 0
          && ABS (bps - ls->rtcp_bps) < 0.1 * ls->rtcp_bps))
    return;
  foreach_inner (ls->link, set_rtcp_fraction, NULL, &bps);
  GST_DEBUG ("link to %s: RTCP gets %.0f bit/s", ls->peer_id, bps);
  ls->rtcp_bps = bps;
}

/* @ls started a probe: the other links probe with it (see
 * gst_f2f_bitrate_link_probe_soon: one encoder feeds them all). */
static void
probe_together (F2fCongestion * cc, LinkState * ls, gint64 now)
{
  GHashTableIter iter;
  gpointer value;

  GST_DEBUG ("link to %s probes at %.0f kbit/s", ls->peer_id,
      ls->law.estimate_kbps);
  g_hash_table_iter_init (&iter, cc->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value != ls)
      gst_f2f_bitrate_link_probe_soon (&((LinkState *) value)->law, now);
}

typedef struct
{
  LinkState *ls;
  guint want, percentage, recovered;
} FecUpdate;

static void
fec_element (GstElement * element, const gchar * factory, gpointer data)
{
  FecUpdate *u = data;
  guint n = 0, pt = 255;

  /* (webrtcbin makes one for every stream; one FEC was not agreed for
   * keeps its default payload type, 255, and must stay at 0 %: it would
   * send packets of that type) */
  if (g_strcmp0 (factory, "rtpulpfecenc") == 0)
    g_object_get (element, "pt", &pt, NULL);
  if (pt <= 127) {
    g_object_get (element, "percentage", &n, NULL);
    if (n != u->want) {
      GST_DEBUG ("link to %s: loss %.3f, FEC %u %% (was %u)",
          u->ls->peer_id, u->ls->loss, u->want, n);
      g_object_set (element, "percentage", u->want, NULL);
    }
    u->percentage = u->want;
  } else if (g_strcmp0 (factory, "rtpulpfecdec") == 0) {
    g_object_get (element, "recovered", &n, NULL);
    u->recovered += n;
  }
}

static void
fec_restart (gpointer data)
{
  FecUpdate *u = data;

  u->percentage = u->recovered = 0;
}

/* With video-fec agreed on the link: its rtpulpfecenc's overhead follows
 * the loss its receiver reports (gst_f2f_bitrate_fec_percentage), rising
 * at once and falling by 2 points a tick, so that a report without loss
 * between lossy ones does not switch it off; and what its rtpulpfecdec
 * repaired is counted. Without FEC agreed, no encoder is touched. */
static void
update_fec (LinkState * ls)
{
  FecUpdate u = { ls, gst_f2f_bitrate_fec_percentage (ls->loss), 0, 0 };

  if (u.want < ls->fec_percentage)
    u.want = MAX (u.want, ls->fec_percentage > 2 ? ls->fec_percentage - 2 : 0);
  foreach_inner (ls->link, fec_element, fec_restart, &u);
  ls->fec_recovered = u.recovered;
  ls->fec_percentage = u.percentage;
}

/* Updates one link from its statistics; TRUE when a new report came. */
static gboolean
update_link (F2fCongestion * cc, LinkState * ls,
    const GstF2fBitrateConfig * config, gint64 now, GstF2fBitrateAction * act)
{
  g_autoptr (GstStructure) reply = f2f_peer_link_get_stats (ls->link);
  Sample sample;
  gboolean fresh, probing;
  guint requests, nacked = 0, sent = 0;
  guint64 wire_bytes[WIRE_N] = { 0, }, wire_packets[WIRE_N] = { 0, };

  if (reply == NULL)
    return FALSE;
  GST_LOG ("link to %s: %" GST_PTR_FORMAT, ls->peer_id, reply);
  read_stats (reply, &sample);
  if (ls->wire == NULL)
    ls->wire = wire_count_attach (ls->link);
  if (ls->wire) {
    g_mutex_lock (&ls->wire->lock);
    memcpy (wire_bytes, ls->wire->bytes, sizeof (wire_bytes));
    memcpy (wire_packets, ls->wire->packets, sizeof (wire_packets));
    g_mutex_unlock (&ls->wire->lock);
  }
  if (ls->bytes_at_us > 0 && now > ls->bytes_at_us
      && sample.bytes_sent >= ls->bytes_sent) {
    gint64 us = now - ls->bytes_at_us;
    WireClass c;

    ls->sent_kbps = smooth_kbps (ls->sent_kbps,
        sample.bytes_sent - ls->bytes_sent, us);
    if (sample.video_bytes >= ls->video_bytes)
      ls->video_kbps = smooth_kbps (ls->video_kbps,
          sample.video_bytes - ls->video_bytes, us);
    for (c = 0; ls->wire && c < WIRE_N; c++)
      if (wire_bytes[c] >= ls->wire_bytes[c]) {
        ls->wire_kbps[c] = smooth_kbps (ls->wire_kbps[c],
            wire_bytes[c] - ls->wire_bytes[c], us);
        ls->wire_pps[c] = smooth (ls->wire_pps[c], (wire_packets[c] -
                ls->wire_packets[c]) * (gdouble) G_USEC_PER_SEC / MAX (us, 1));
      }
  }
  if (ls->wire)
    recent_sample (ls, now);    /* (for link_wire_mean_kbps) */
  if (ls->bytes_at_us > 0 && sample.packets_sent >= ls->packets_sent)
    sent = sample.packets_sent - ls->packets_sent;
  ls->bytes_sent = sample.bytes_sent;
  ls->video_bytes = sample.video_bytes;
  memcpy (ls->wire_bytes, wire_bytes, sizeof (wire_bytes));
  memcpy (ls->wire_packets, wire_packets, sizeof (wire_packets));
  ls->packets_sent = sample.packets_sent;
  ls->bytes_at_us = now;
  GST_LOG ("link to %s: RTP counted %.0f kbit/s (video %.0f); wire: RTP "
      "%.0f, RTCP %.0f, other %.0f kbit/s", ls->peer_id, ls->sent_kbps,
      ls->video_kbps, ls->wire_kbps[WIRE_RTP], ls->wire_kbps[WIRE_RTCP],
      ls->wire_kbps[WIRE_OTHER]);
  ls->key_requests_sent = sample.key_requests_sent;
  ls->rtx_packets = rtx_packets (ls->link, &requests);
  if (requests >= ls->rtx_requests)
    nacked = requests - ls->rtx_requests;
  ls->rtx_requests = requests;
  ls->key_requests_received = sample.key_requests_received;
  ls->report_loss = sample.worst_fraction;

  fresh = sample.have_report && (!ls->have_report
      || sample.lost != ls->report_lost
      || sample.fraction != ls->report_fraction
      || sample.rtt_ms != ls->report_rtt);
  /* (a report about a stream that is not dropping, while the peer NACKs
   * many: not stored, so it is looked at again at the next poll) */
  if (fresh && gst_f2f_bitrate_report_contradicted (sample.fraction, nacked,
          sent)) {
    GST_DEBUG ("link to %s: report with loss %.3f rtt %.0f ms ignored: %u of "
        "%u packets NACKed", ls->peer_id, sample.fraction, sample.rtt_ms,
        nacked, sent);
    fresh = FALSE;
  }
  if (!fresh) {
    /* No report: the peer's NACKs may be crowding its reports out
     * (gst_f2f_bitrate_link_nacked). */
    *act = gst_f2f_bitrate_link_nacked (&ls->law, config, now, nacked, sent,
        link_wire_kbps (ls));
    if (*act == GST_F2F_BITRATE_HOLD)
      return FALSE;
    GST_DEBUG ("link to %s: no report for %" G_GINT64_FORMAT " ms, %u of "
        "%u packets NACKed, sent %.0f kbit/s: %s → %.0f kbit/s", ls->peer_id,
        (now - ls->report_us) / 1000, nacked, sent, ls->sent_kbps,
        action_name (*act), ls->law.estimate_kbps);
    return TRUE;
  }
  ls->report_us = now;
  ls->have_report = TRUE;
  ls->report_lost = sample.lost;
  ls->report_fraction = sample.fraction;
  ls->report_rtt = sample.rtt_ms;
  ls->rtt_ms = sample.rtt_ms;
  f2f_peer_link_set_rtt (ls->link, ls->rtt_ms);
  probing = gst_f2f_bitrate_link_probing (&ls->law);
  *act = gst_f2f_bitrate_link_update (&ls->law, config, now,
      sample.fraction, sample.rtt_ms, link_wire_kbps (ls));
  if (!probing && gst_f2f_bitrate_link_probing (&ls->law))
    probe_together (cc, ls, now);
  GST_DEBUG ("link to %s: loss %.3f rtt %.0f ms sent %.0f kbit/s (wire): %s "
      "→ %.0f kbit/s", ls->peer_id, sample.fraction, sample.rtt_ms,
      link_wire_kbps (ls), action_name (*act), ls->law.estimate_kbps);
  return TRUE;
}

static gint
compare_kbps (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* The shared encoders' settings from every link's estimate: the video
 * target (and size), Opus's rate and frame size. The worker's thread: at
 * each tick, and at once when a link's delay feedback moved its estimate
 * (a queue must not wait for the next tick). Returns the target the links'
 * estimates ask for. */
static guint
apply_target (F2fCongestion * cc, const GstF2fBitrateConfig * cfg,
    gboolean control, GstElement * video_enc, GstElement * audio_enc)
{
  g_autoptr (GArray) estimates = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (GArray) audio_estimates = g_array_new (FALSE, FALSE,
      sizeof (gdouble));
  GstF2fBitrateConfig config = *cfg;
  GHashTableIter iter;
  gpointer value;
  guint target, i;

  g_hash_table_iter_init (&iter, cc->links);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    LinkState *ls = value;
    /* the FEC a link sends comes out of what it may carry */
    gdouble room = ls->law.estimate_kbps * 100 / (100 + ls->fec_percentage);

    /* a link sent no video has no say in its rate (but in Opus's) */
    if (ls->law.video_suspended) {
      room = gst_f2f_bitrate_link_audio_room (&ls->law);
      g_array_append_val (audio_estimates, room);
    } else
      g_array_append_val (estimates, room);
  }

  target = control ? gst_f2f_bitrate_video_target (&config,
      (gdouble *) estimates->data, estimates->len) : config.max_kbps;
  /* every link suspended: the least, for the first frames of a try */
  if (control && estimates->len == 0 && audio_estimates->len > 0)
    target = config.min_kbps;
  if (video_enc && (cc->target_kbps == 0 || ABS ((gint) target -
              (gint) cc->target_kbps) > TARGET_STEP * cc->target_kbps
          || (target != cc->target_kbps && (target == config.min_kbps
                  || target == config.max_kbps)))) {
    GST_INFO ("video target %u kbit/s (was %u)", target, cc->target_kbps);
    set_video_bitrate (video_enc, target);
    cc->target_kbps = target;
  }
  if (video_enc && control)
    scale_for_target (cc, video_enc, cc->target_kbps);
  if (audio_enc && control && estimates->len + audio_estimates->len > 0) {
    gdouble weakest = G_MAXDOUBLE;
    guint level, bitrate, frame_ms;

    for (i = 0; i < estimates->len; i++)
      weakest = MIN (weakest, g_array_index (estimates, gdouble, i));
    for (i = 0; i < audio_estimates->len; i++)
      weakest = MIN (weakest, g_array_index (audio_estimates, gdouble, i));
    level = gst_f2f_bitrate_audio_level (weakest, cc->audio_level, &bitrate,
        &frame_ms);
    if (level != cc->audio_level) {
      GST_INFO ("Opus at %u bit/s in %u ms frames (the weakest link may "
          "carry %.0f kbit/s)", bitrate, frame_ms, weakest);
      g_object_set (audio_enc, "bitrate", (gint) bitrate, NULL);
      /* (not here: see apply_frame_size) */
      g_atomic_int_set (&cc->pending_cbr,
          gst_f2f_bitrate_audio_level_constant (level) ? 1 : 2);
      g_atomic_int_set (&cc->pending_frame_ms, frame_ms);
      cc->audio_level = level;
    }
  }

  return target;
}

/* The configuration the law is run with (the measured overhead instead of
 * the fixed allowance) and references to the encoders. */
static gboolean
take_config (F2fCongestion * cc, GstF2fBitrateConfig * config,
    GstElement ** video_enc, GstElement ** audio_enc)
{
  gboolean control;

  CC_LOCK (cc);
  *config = cc->config;
  control = cc->control;
  /* what the links send besides video, measured (the largest), instead of
   * the fixed allowance for audio: the video target is what is left */
  if (cc->overhead_kbps > 0)
    config->audio_kbps = (guint) ceil (cc->overhead_kbps);
  *video_enc = cc->video_enc ? gst_object_ref (cc->video_enc) : NULL;
  *audio_enc = cc->audio_enc ? gst_object_ref (cc->audio_enc) : NULL;
  CC_UNLOCK (cc);
  return control;
}

/* The receiving side: every FEEDBACK_MS, each link's peer is told what
 * arrived from it (gst_f2f_peer_message_feedback), whether or not this
 * side controls its own rate: the peer's law decides. */
static void
send_feedback (LinkState * ls, gint64 now)
{
  ArrivalCount *ac;
  gdouble queue = -1, peak = -1, loss = 0;
  guint64 bytes, biggest_bytes = 0, measured_bytes = 0;
  guint32 biggest = 0;
  guint i;
  g_autofree gchar *text = NULL;
  g_autoptr (GBytes) data = NULL;

  if (ls->arrival == NULL)
    ls->arrival = arrival_count_attach (ls->link);
  if ((ac = ls->arrival) == NULL)
    return;
  g_mutex_lock (&ac->lock);
  bytes = ac->bytes;
  for (i = 0; i < ARRIVAL_SSRCS; i++) {
    if (ac->ssrcs[i].ssrc == 0)
      continue;
    if (ac->ssrcs[i].bytes > biggest_bytes) {
      biggest = ac->ssrcs[i].ssrc;
      biggest_bytes = ac->ssrcs[i].bytes;
    }
    if (ac->ssrcs[i].ssrc == ac->filter.ssrc)
      measured_bytes = ac->ssrcs[i].bytes;
    /* (a stream gone for a whole interval frees its slot) */
    if (ac->ssrcs[i].bytes == 0)
      ac->ssrcs[i].ssrc = 0;
    ac->ssrcs[i].bytes = 0;
  }
  if (!gst_f2f_delay_filter_take (&ac->filter, &queue, &peak))
    queue = peak = -1;
  loss = MAX (gst_f2f_loss_count_take (&ac->loss, FEEDBACK_LOSS_INTERVALS), 0);
  /* The stream that carries the most is measured (the video; its
   * retransmissions have an SSRC of their own and are late by design).
   * Another one takes over only when it carried twice as much for
   * STREAM_SWITCH_US, or when the measured one is gone as long: under a
   * full tbf queue an interval may carry only audio (the video's packets
   * dropped or queued behind), and a filter started anew then takes the
   * standing queue for the path and reports none (in a lab run: "0" and
   * "not known" while C's RTT was 440-465 ms, and nothing was cut). */
  if (measured_bytes > 0)
    ls->measured_seen_us = now;
  if (biggest != 0 && biggest != ac->filter.ssrc
      && biggest_bytes > 2 * measured_bytes) {
    if (ls->rival_ssrc != biggest) {
      ls->rival_ssrc = biggest;
      ls->rival_since_us = now;
    }
  } else {
    ls->rival_ssrc = 0;
  }
  if (ls->rival_ssrc != 0 && (ac->filter.ssrc == 0
          || now - ls->rival_since_us >= STREAM_SWITCH_US
          || now - ls->measured_seen_us >= STREAM_SWITCH_US)) {
    GST_DEBUG ("link to %s: delay measured on SSRC %08x (was %08x)",
        ls->peer_id, ls->rival_ssrc, ac->filter.ssrc);
    gst_f2f_delay_filter_init (&ac->filter, ls->rival_ssrc);
    ls->measured_seen_us = now;
    ls->rival_ssrc = 0;
  }
  g_mutex_unlock (&ac->lock);

  if (ls->arrival_at_us > 0 && now > ls->arrival_at_us
      && bytes >= ls->arrival_bytes)
    ls->received_kbps = smooth_kbps (ls->received_kbps,
        bytes - ls->arrival_bytes, now - ls->arrival_at_us);
  ls->arrival_bytes = bytes;
  ls->arrival_at_us = now;
  if (queue >= NACK_QUEUE_MS)
    ls->nack_queue_us = now;
  else if (loss > 0 && (ls->nack_queue_us == 0
          || now - ls->nack_queue_us >= NACK_HOLD_US))
    ls->nack_loss_us = now;
  f2f_peer_link_pause_nack (ls->link, ls->nack_loss_us == 0
      || now - ls->nack_loss_us >= NACK_LOSS_US
      || (ls->nack_queue_us > 0 && now - ls->nack_queue_us < NACK_HOLD_US));
  if (queue < 0 && ls->received_kbps <= 0)
    return;
  text = gst_f2f_peer_message_feedback (++ls->feedback_seq,
      queue < 0 ? -1 : (gint64) (queue + 0.5),
      peak < 0 ? -1 : (gint64) (peak + 0.5),
      (gint64) (ls->received_kbps + 0.5), (gint64) (loss * 1000 + 0.5));
  GST_LOG ("link to %s: feedback %s", ls->peer_id, text);
  data = g_bytes_new (text, strlen (text));
  f2f_peer_link_send (ls->link, GST_F2F_CONTROL_CHANNEL, data);
}

static gboolean
feedback_tick_cb (gpointer data)
{
  F2fCongestion *cc = data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, cc->links);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    LinkState *ls = value;
    gint64 interval;

    /* (a tick early rather than one late: ticks are FEEDBACK_MS apart) */
    if (now + FEEDBACK_MS * 1000 / 2 < ls->next_feedback_us)
      continue;
    send_feedback (ls, now);
    interval = gst_f2f_bitrate_feedback_interval_us
        (gst_f2f_bitrate_link_control_room (&ls->law), ls->received_kbps);
    ls->next_feedback_us = now + interval;
    /* one side of the link is so slow that the feedback must be spaced
     * out to keep within its budget: so must the heartbeats, that the
     * feedback makes redundant (f2f_peer_link_thin_heartbeats) */
    f2f_peer_link_thin_heartbeats (ls->link, interval >= THIN_FEEDBACK_US);
  }
  return G_SOURCE_CONTINUE;
}

/* The sending side: a peer's feedback about what we send it. */
typedef struct
{
  F2fCongestion *cc;
  F2fPeerLink *link;
  gdouble queue_ms, received_kbps, loss;
} Feedback;

static void
feedback_free (gpointer data)
{
  Feedback *fb = data;

  f2f_peer_link_unref (fb->link);
  g_free (fb);
}

static gboolean
feedback_apply (gpointer data)
{
  Feedback *fb = data;
  F2fCongestion *cc = fb->cc;
  LinkState *ls = g_hash_table_lookup (cc->links, fb->link);
  GstElement *video_enc, *audio_enc;
  GstF2fBitrateConfig config;
  GstF2fBitrateAction action;
  gdouble before, sent;
  gboolean probing;
  gint64 now;

  if (ls == NULL)
    return G_SOURCE_REMOVE;
  ls->feedback_queue_ms = fb->queue_ms;
  ls->feedback_kbps = fb->received_kbps;
  /* (one feedback covers ~150 ms, a handful of packets: smoothed over
   * about a second) */
  ls->feedback_loss = ls->feedback_loss_us > 0 ? 0.8 * ls->feedback_loss +
      0.2 * fb->loss : fb->loss;
  ls->feedback_loss_us = g_get_monotonic_time ();
  if (!take_config (cc, &config, &video_enc, &audio_enc))
    goto done;
  before = ls->law.estimate_kbps;
  probing = gst_f2f_bitrate_link_probing (&ls->law);
  now = g_get_monotonic_time ();
  sent = link_wire_mean_kbps (ls, now);
  action = gst_f2f_bitrate_link_feedback (&ls->law, &config, now,
      fb->queue_ms, fb->received_kbps, sent);
  if (!probing && gst_f2f_bitrate_link_probing (&ls->law))
    probe_together (cc, ls, now);
  if (action != GST_F2F_BITRATE_HOLD && ls->law.estimate_kbps != before) {
    GST_DEBUG ("link to %s: feedback queue %.0f ms, received %.0f kbit/s, "
        "sent %.0f (wire, the last second): %s %.0f → %.0f kbit/s",
        ls->peer_id, fb->queue_ms, fb->received_kbps, sent,
        action_name (action), before, ls->law.estimate_kbps);
    apply_target (cc, &config, TRUE, video_enc, audio_enc);
  }
done:
  gst_clear_object (&video_enc);
  gst_clear_object (&audio_enc);
  return G_SOURCE_REMOVE;
}

void
f2f_congestion_feedback (F2fCongestion * cc, F2fPeerLink * link,
    gint64 queue_ms, gint64 received_kbps, gint64 loss_permille)
{
  GMainContext *context = NULL;
  Feedback *fb;

  CC_LOCK (cc);
  if (cc->context)
    context = g_main_context_ref (cc->context);
  CC_UNLOCK (cc);
  if (context == NULL)
    return;
  fb = g_new0 (Feedback, 1);
  fb->cc = cc;
  fb->link = f2f_peer_link_ref (link);
  fb->queue_ms = queue_ms;
  fb->received_kbps = received_kbps;
  fb->loss = CLAMP (loss_permille, 0, 1000) / 1000.0;
  f2f_context_call (context, feedback_apply, fb, feedback_free);
  g_main_context_unref (context);
}

static gboolean
tick_cb (gpointer data)
{
  F2fCongestion *cc = data;
  g_autoptr (GPtrArray) links = cc->links_func (cc->user_data);
  g_autoptr (GArray) estimates = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (GPtrArray) states = g_ptr_array_new ();
  g_autoptr (GPtrArray) msgs = g_ptr_array_new ();
  GstElement *video_enc = NULL, *audio_enc = NULL;
  GstF2fBitrateConfig config;
  gboolean control;
  gint64 now = g_get_monotonic_time ();
  gdouble worst_loss = 0, overhead = 0;
  guint target, opus_loss, i;
  GHashTableIter iter;
  gpointer value;
  gint weakest;
  gchar *limited = NULL;

  control = take_config (cc, &config, &video_enc, &audio_enc);

  g_hash_table_iter_init (&iter, cc->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((LinkState *) value)->seen = FALSE;
  for (i = 0; links && i < links->len; i++) {
    F2fPeerLink *link = g_ptr_array_index (links, i);
    LinkState *ls = g_hash_table_lookup (cc->links, link);
    GstF2fBitrateAction action = GST_F2F_BITRATE_HOLD;
    gboolean updated;

    if (ls == NULL) {
      ls = g_new0 (LinkState, 1);
      ls->link = f2f_peer_link_ref (link);
      ls->peer_id = g_strdup (f2f_peer_link_get_peer_id (link));
      ls->rtt_ms = -1;
      ls->feedback_queue_ms = -1;
      ls->report_us = now;
      /* a new link starts where the encoder is: joining must not drop
       * everyone's picture to a probe rate */
      gst_f2f_bitrate_link_init (&ls->law, &config,
          (cc->target_kbps ? cc->target_kbps : config.max_kbps) +
          config.audio_kbps, now);
      g_hash_table_insert (cc->links, link, ls);
    }
    ls->seen = TRUE;
    updated = update_link (cc, ls, &config, now, &action);
    /* (a link that carries no video, e.g. a client's link to a peer not
     * its mixer, has none to suspend) */
    if (control && (ls->law.video_suspended || ls->video_kbps > 0)) {
      gboolean was = ls->law.video_suspended;

      if (gst_f2f_bitrate_link_suspend_video (&ls->law, &config, now) != was) {
        GST_INFO ("%s: video %s (the peer received %.0f kbit/s of the %.0f "
            "sent, capacity %.0f)", ls->peer_id, was ? "tried again" :
            "suspended", ls->law.delivered_kbps, ls->law.delivered_sent_kbps,
            ls->law.capacity_kbps);
        if (cc->pause_func)
          cc->pause_func (ls->link, !was, cc->user_data);
        updated = TRUE;
      }
    }
    /* The loss of the link (Opus's packet-loss-percentage, the message):
     * the reports' and the feedback's, whichever is worse. The reports
     * alone said 0 under the lab's 10 % loss: 1.22's rtpsession keeps one
     * report block per peer source, often about our RTX stream (see
     * read_stats). */
    ls->loss = MAX (ls->report_loss, ls->feedback_loss_us > 0
        && now - ls->feedback_loss_us < FEEDBACK_LOSS_FRESH_US ?
        ls->feedback_loss : 0);
    update_fec (ls);
    /* The message goes out with each new report, and at least once every
     * POST_US without one: its loss (and FEC, rates) are recomputed at
     * every tick, and a reader must never see one that is many seconds old
     * (a receiver's reports may stop changing for 8 s and more under
     * loss: the integration tests read a stale loss then) */
    if (updated || now - ls->posted_us >= POST_US) {
      ls->posted_us = now;
      g_ptr_array_add (msgs, gst_structure_new ("f2f-link-bitrate",
              "peer-id", G_TYPE_STRING, ls->peer_id,
              "estimate", G_TYPE_UINT, (guint) ls->law.estimate_kbps,
              "capacity", G_TYPE_UINT, (guint) ls->law.capacity_kbps,
              "video-suspended", G_TYPE_BOOLEAN, ls->law.video_suspended,
              "sent", G_TYPE_UINT, (guint) ls->sent_kbps,
              "wire", G_TYPE_UINT, (guint) link_wire_kbps (ls),
              "overhead", G_TYPE_UINT, (guint) link_overhead_kbps (ls),
              "video-sent", G_TYPE_UINT, (guint) ls->video_kbps,
              "wire-rtp", G_TYPE_UINT, (guint) ls->wire_kbps[WIRE_RTP],
              "wire-rtcp", G_TYPE_UINT, (guint) ls->wire_kbps[WIRE_RTCP],
              "wire-other", G_TYPE_UINT, (guint) ls->wire_kbps[WIRE_OTHER],
              "wire-rtcp-pps", G_TYPE_DOUBLE, ls->wire_pps[WIRE_RTCP],
              "wire-rtp-pps", G_TYPE_DOUBLE, ls->wire_pps[WIRE_RTP],
              "loss", G_TYPE_DOUBLE, ls->loss,
              "rtt", G_TYPE_DOUBLE, ls->rtt_ms,
              "queue", G_TYPE_DOUBLE, ls->feedback_queue_ms,
              "feedback-rate", G_TYPE_UINT, (guint) ls->feedback_kbps,
              "received", G_TYPE_UINT, (guint) ls->received_kbps,
              "action", G_TYPE_STRING, action_name (action),
              "key-requests-sent", G_TYPE_UINT, ls->key_requests_sent,
              "key-requests-received", G_TYPE_UINT, ls->key_requests_received,
              "rtx-packets", G_TYPE_UINT, ls->rtx_packets,
              "fec-percentage", G_TYPE_UINT, ls->fec_percentage,
              "fec-recovered", G_TYPE_UINT, ls->fec_recovered,
              "encoder-key-requests", G_TYPE_UINT,
              (guint) g_atomic_int_get (&cc->encoder_key_requests),
              "encoder-keyframes", G_TYPE_UINT,
              (guint) g_atomic_int_get (&cc->encoder_keyframes),
              "encoder-frames", G_TYPE_UINT,
              (guint) g_atomic_int_get (&cc->encoder_frames),
              "feedback-age", G_TYPE_INT64, ls->feedback_loss_us > 0 ?
              (now - ls->feedback_loss_us) / 1000 : (gint64) - 1, NULL));
    }
    if (control)
      set_rtcp_budget (ls);
    g_array_append_val (estimates, ls->law.estimate_kbps);
    g_ptr_array_add (states, ls);
    worst_loss = MAX (worst_loss, ls->loss);
    if (ls->wire)
      overhead = MAX (overhead, link_overhead_kbps (ls));
  }
  cc->overhead_kbps = overhead;
  g_hash_table_iter_init (&iter, cc->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((LinkState *) value)->seen)
      g_hash_table_iter_remove (&iter);

  target = apply_target (cc, &config, control, video_enc, audio_enc);
  for (i = 0; i < msgs->len; i++)
    gst_structure_set (g_ptr_array_index (msgs, i), "target", G_TYPE_UINT,
        cc->target_kbps ? cc->target_kbps : target, "picture", G_TYPE_STRING,
        cc->picture == GST_F2F_PICTURE_FULL ? "full" :
        cc->picture == GST_F2F_PICTURE_HALF_SIZE ? "half-size" : "half-rate",
        NULL);

  opus_loss = gst_f2f_bitrate_opus_loss_percentage (worst_loss,
      cc->opus_loss);
  if (audio_enc && opus_loss != cc->opus_loss) {
    GST_INFO ("Opus packet-loss-percentage %u (was %u)", opus_loss,
        cc->opus_loss);
    g_object_set (audio_enc, "packet-loss-percentage", opus_loss, NULL);
    cc->opus_loss = opus_loss;
  }
  /* (what Opus was told: the "packet-loss-percentage following
   * measured loss", for applications and tests to read) */
  for (i = 0; audio_enc && i < msgs->len; i++)
    gst_structure_set (g_ptr_array_index (msgs, i), "opus-loss-percentage",
        G_TYPE_UINT, cc->opus_loss, NULL);

  weakest = gst_f2f_bitrate_weakest_link ((gdouble *) estimates->data,
      estimates->len, LIMITED_RATIO);
  if (weakest >= 0)
    limited = ((LinkState *) g_ptr_array_index (states, weakest))->peer_id;
  if (g_strcmp0 (limited, cc->limited_peer) != 0) {
    GstStructure *s;

    if (limited) {
      g_autoptr (GArray) others = g_array_copy (estimates);
      gdouble median;

      g_array_remove_index (others, weakest);
      g_array_sort (others, compare_kbps);
      median = others->len % 2 ? g_array_index (others, gdouble,
          others->len / 2) : (g_array_index (others, gdouble,
              others->len / 2 - 1) + g_array_index (others, gdouble,
              others->len / 2)) / 2;
      s = gst_structure_new ("f2f-link-limited", "peer-id", G_TYPE_STRING,
          limited, "limited", G_TYPE_BOOLEAN, TRUE,
          "estimate", G_TYPE_UINT, (guint) g_array_index (estimates, gdouble,
              weakest), "others", G_TYPE_UINT, (guint) median, NULL);
    } else {
      s = gst_structure_new ("f2f-link-limited", "peer-id", G_TYPE_STRING,
          cc->limited_peer, "limited", G_TYPE_BOOLEAN, FALSE, NULL);
    }
    g_free (cc->limited_peer);
    cc->limited_peer = g_strdup (limited);
    g_ptr_array_add (msgs, s);
  }

  gst_clear_object (&video_enc);
  gst_clear_object (&audio_enc);
  for (i = 0; i < msgs->len; i++)
    post (cc, g_ptr_array_index (msgs, i));
  return G_SOURCE_CONTINUE;
}

static void
worker_started (gpointer data)
{
  F2fCongestion *cc = data;

  GMainContext *context = g_main_context_get_thread_default ();

  cc->tick = f2f_context_add_timeout (context, TICK_MS, tick_cb, cc);
  cc->feedback_tick = f2f_context_add_timeout (context, FEEDBACK_MS,
      feedback_tick_cb, cc);
  CC_LOCK (cc);
  cc->context = g_main_context_ref (context);
  CC_UNLOCK (cc);
}

static void
worker_stopping (gpointer data)
{
  F2fCongestion *cc = data;

  GMainContext *context;

  CC_LOCK (cc);
  context = g_steal_pointer (&cc->context);
  CC_UNLOCK (cc);
  g_main_context_unref (context);
  f2f_clear_source (&cc->tick);
  f2f_clear_source (&cc->feedback_tick);
  g_hash_table_remove_all (cc->links);
  g_clear_pointer (&cc->limited_peer, g_free);
}

/* ---------------------------------------------------------------------- */

F2fCongestion *
f2f_congestion_new (GstBin * owner, F2fCongestionLinksFunc links,
    F2fCongestionPauseFunc pause, gpointer user_data)
{
  F2fCongestion *cc = g_new0 (F2fCongestion, 1);

  cc->owner = owner;
  cc->links_func = links;
  cc->pause_func = pause;
  cc->user_data = user_data;
  g_mutex_init (&cc->lock);
  cc->links = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) link_state_free);
  g_signal_connect (owner, "element-added", G_CALLBACK (on_element_added),
      cc);
  g_signal_connect (owner, "deep-element-added",
      G_CALLBACK (on_deep_element_added), cc);
  return cc;
}

void
f2f_congestion_free (F2fCongestion * cc)
{
  f2f_congestion_stop (cc);
  g_signal_handlers_disconnect_by_data (cc->owner, cc);
  gst_clear_object (&cc->video_enc);
  gst_clear_object (&cc->audio_enc);
  g_hash_table_unref (cc->links);
  g_mutex_clear (&cc->lock);
  g_free (cc);
}

static GstPadProbeReturn
count_key_requests (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  F2fCongestion *cc = data;

  if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info)))
    g_atomic_int_inc (&cc->encoder_key_requests);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_keyframes (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  F2fCongestion *cc = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (buffer && !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    g_atomic_int_inc (&cc->encoder_keyframes);
  if (buffer)
    g_atomic_int_inc (&cc->encoder_frames);
  return GST_PAD_PROBE_OK;
}

/* opusenc (1.22, and upstream) changes its frame size under its property
 * lock but encodes what its base class already collected at the old size:
 * set from another thread while it runs, a 60 ms buffer met a 40 ms frame
 * size and opusenc aborted (`g_assert (bsize < bytes)`, a capped peer
 * killed in 1 of 5 lab runs). Set here, before the buffer enters the
 * encoder, in its own streaming thread, the next frame is collected at the
 * new size. */
static GstPadProbeReturn
apply_frame_size (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  F2fCongestion *cc = data;
  gint frame_ms = g_atomic_int_exchange (&cc->pending_frame_ms, 0);
  gint cbr = g_atomic_int_exchange (&cc->pending_cbr, 0);

  if (frame_ms > 0 || cbr > 0) {
    g_autofree gchar *frame = g_strdup_printf ("%d", frame_ms);
    GstElement *enc = GST_ELEMENT (gst_pad_get_parent (pad));

    if (enc) {
      if (frame_ms > 0)
        gst_util_set_object_arg (G_OBJECT (enc), "frame-size", frame);
      /* (see gst_f2f_bitrate_audio_level_constant) */
      if (cbr > 0)
        gst_util_set_object_arg (G_OBJECT (enc), "bitrate-type",
            cbr == 1 ? "cbr" : "vbr");
      gst_object_unref (enc);
    }
  }
  return GST_PAD_PROBE_OK;
}

void
f2f_congestion_set_encoder (F2fCongestion * cc, const gchar * media,
    GstElement * encoder)
{
  gboolean video = strcmp (media, "video") == 0;
  GstElement *old;

  if (video && encoder && has_property (encoder,
          "min-force-key-unit-interval"))
    g_object_set (encoder, "min-force-key-unit-interval",
        (guint64) KEY_UNIT_INTERVAL, NULL);
  /* vp8enc's rate control lets the rate run over its target for as long
   * as its client buffer lasts (6 s by default): after a cut, the link's
   * queue would keep overflowing for seconds. Real-time senders keep it
   * near a second (libwebrtc: 500 ms initial, 600 optimal, 1000 ms). */
  if (video && encoder && has_property (encoder, "buffer-size"))
    g_object_set (encoder, "buffer-initial-size", 500, "buffer-optimal-size",
        600, "buffer-size", 1000, NULL);
  if (video && encoder) {
    /* what reaches the one encoder from every link, and what it makes of
     * it (reported in f2f-link-bitrate); the probes go with the encoder */
    GstPad *src = gst_element_get_static_pad (encoder, "src");
    GstPad *sink = gst_element_get_static_pad (encoder, "sink");

    if (sink) {
      cc->last_kept = GST_CLOCK_TIME_NONE;
      gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, keep_frame, cc,
          NULL);
      gst_object_unref (sink);
    }
    if (src) {
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
          count_key_requests, cc, NULL);
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, count_keyframes, cc,
          NULL);
      gst_object_unref (src);
    }
  }
  if (!video && encoder && has_property (encoder, "frame-size")) {
    GstPad *sink = gst_element_get_static_pad (encoder, "sink");
    if (sink) {
      gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, apply_frame_size,
          cc, NULL);
      gst_object_unref (sink);
    }
  }
  CC_LOCK (cc);
  old = video ? cc->video_enc : cc->audio_enc;
  if (video)
    cc->video_enc = encoder ? gst_object_ref (encoder) : NULL;
  else
    cc->audio_enc = encoder ? gst_object_ref (encoder) : NULL;
  CC_UNLOCK (cc);
  gst_clear_object (&old);
}

void
f2f_congestion_start (F2fCongestion * cc, gboolean control, guint min_kbps,
    guint max_kbps)
{
  g_return_if_fail (cc->worker == NULL);

  CC_LOCK (cc);
  cc->control = control;
  cc->config.min_kbps = MIN (min_kbps, max_kbps);
  cc->config.max_kbps = max_kbps;
  cc->config.audio_kbps = AUDIO_KBPS;
  CC_UNLOCK (cc);
  cc->target_kbps = 0;
  cc->overhead_kbps = 0;
  cc->audio_level = 0;
  cc->picture = GST_F2F_PICTURE_FULL;
  cc->picture_up_us = 0;
  g_atomic_int_set (&cc->keep_gap_us, 0);
  /* what f2fsignal makes its opusenc with */
  cc->opus_loss = F2F_CONGESTION_INITIAL_OPUS_LOSS;
  cc->worker = f2f_worker_start ("f2f-congestion", worker_started,
      worker_stopping, cc);
}

void
f2f_congestion_stop (F2fCongestion * cc)
{
  if (cc->worker == NULL)
    return;
  f2f_worker_stop (cc->worker);
  cc->worker = NULL;
}
