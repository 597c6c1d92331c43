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
/* Below this many bits per pixel (of the camera's size and rate) the
 * picture is sent at half its width and height: an encoder asked for less
 * than it can make of a full-size picture overshoots its target (vp8enc,
 * 320×240 at 15 fps: ~85 kbit/s whatever lower target it is given), and
 * the link's queue never drains. Back to full size above twice that. */
#define DOWNSCALE_BPP 0.08
#define UPSCALE_BPP 0.16
/* … and only after the target stayed there this long: each switch costs a
 * keyframe at the new size, and a sawtooth under a cap crosses both lines
 * every few seconds. */
#define UPSCALE_AFTER_US (5 * G_USEC_PER_SEC)
/* RTCP reports at least this often (see configure_element). */
#define RTCP_MIN_INTERVAL (200 * GST_MSECOND)

typedef struct
{
  F2fPeerLink *link;
  gchar *peer_id;
  GstF2fBitrateLink law;
  gboolean have_report;
  gint64 report_lost;           /* the last report, to tell a new one */
  gdouble report_fraction, report_rtt;
  gint64 report_us;             /* when it came */
  guint64 bytes_sent, packets_sent;
  gint64 bytes_at_us;
  gdouble sent_kbps;
  gdouble loss, rtt_ms;
  guint key_requests_sent, key_requests_received;
  guint rtx_packets, rtx_requests;
  gboolean seen;                /* still there at the latest tick */
} LinkState;

struct _F2fCongestion
{
  GstBin *owner;
  F2fCongestionLinksFunc links_func;
  gpointer user_data;

  GMutex lock;
  /* Protected by lock: */
  GstElement *video_enc, *audio_enc;
  gboolean control;
  GstF2fBitrateConfig config;

  /* Set by start/stop, from f2fsignal's state changes only. */
  F2fWorker *worker;
  GSource *tick;

  /* The worker's thread only. */
  GHashTable *links;            /* F2fPeerLink* → LinkState* */
  guint target_kbps;            /* applied to the video encoder */
  guint opus_loss;              /* applied to opusenc */
  /* Atomics, counted by probes on the video encoder's src pad: keyframe
   * requests that reached it (from any link), keyframes it made. */
  gint encoder_key_requests, encoder_keyframes;
  gboolean downscaled;          /* the video is sent at half size */
  gint64 upscale_since_us;      /* the target allows full size since (0:
                                 * it does not) */
  gchar *limited_peer;          /* the far weaker link's peer, or NULL */
};

#define CC_LOCK(c) g_mutex_lock (&(c)->lock)
#define CC_UNLOCK(c) g_mutex_unlock (&(c)->lock)

static void
link_state_free (LinkState * ls)
{
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
     * minimum; the RTCP share of the bandwidth still bounds the rate. */
    g_object_set (element, "rtcp-min-interval",
        (guint64) RTCP_MIN_INTERVAL, NULL);
  } else if (strcmp (name, "rtpvp8depay") == 0 || strcmp (name, "rtph264depay") == 0) {
    /* Loss that NACK/RTX did not repair (the jitterbuffer gave up on a
     * packet) leaves the decoder with a broken reference: ask the sender
     * for a keyframe now (rtpsession sends it as a PLI) instead of waiting
     * for the next periodic one, seconds away. */
    if (has_property (element, "request-keyframe"))
      g_object_set (element, "request-keyframe", TRUE, NULL);
  } else if (strcmp (name, "opusdec") == 0) {
    /* A lost 20 ms frame is rebuilt from the FEC the next packet carries,
     * else concealed, instead of a hole. */
    g_object_set (element, "plc", TRUE, "use-inband-fec", TRUE, NULL);
  }
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
          out->rtt_ms = rtt >= 0 ? rtt * 1000 : -1;
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

/* Halves the picture below DOWNSCALE_BPP, restores it above UPSCALE_BPP. */
static void
scale_for_target (F2fCongestion * cc, GstElement * enc, guint kbps)
{
  gint width = 0, height = 0;
  gdouble fps = 15, bpp;
  GstElement *filter = find_scaler_filter (enc, &width, &height, &fps);
  gboolean down;
  GstCaps *caps;

  if (filter == NULL)
    return;
  bpp = kbps * 1000.0 / MAX (width * height * fps, 1);
  down = cc->downscaled ? bpp < UPSCALE_BPP : bpp < DOWNSCALE_BPP;
  if (cc->downscaled && !down) {
    gint64 now = g_get_monotonic_time ();

    if (cc->upscale_since_us == 0)
      cc->upscale_since_us = now;
    if (now - cc->upscale_since_us < UPSCALE_AFTER_US)
      down = TRUE;
  } else {
    cc->upscale_since_us = 0;
  }
  if (down != cc->downscaled && width >= 64 && height >= 64) {
    GST_INFO ("video at %u kbit/s (%.3f bit per pixel of %dx%d): sent at "
        "%s size", kbps, bpp, width, height, down ? "half" : "full");
    caps = down ? gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
        "I420", "width", G_TYPE_INT, (width / 2) & ~1, "height", G_TYPE_INT,
        (height / 2) & ~1, NULL) : gst_caps_new_simple ("video/x-raw",
        "format", G_TYPE_STRING, "I420", NULL);
    g_object_set (filter, "caps", caps, NULL);
    gst_caps_unref (caps);
    cc->downscaled = down;
  }
  gst_object_unref (filter);
}

/* Retransmitted packets the link sent so far, and the packets its peer
 * asked to be sent again (NACK), from its rtprtxsend elements. */
static guint
rtx_packets (F2fPeerLink * link, guint * requests)
{
  GstElement *webrtc = f2f_peer_link_get_webrtcbin (link);
  GstIterator *it;
  GValue item = G_VALUE_INIT;
  gboolean done = FALSE;
  guint total = 0;

  *requests = 0;
  if (webrtc == NULL)
    return 0;
  it = gst_bin_iterate_recurse (GST_BIN (webrtc));
  while (!done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:{
        GstElement *e = g_value_get_object (&item);
        GstElementFactory *f = gst_element_get_factory (e);
        guint n = 0, r = 0;

        if (f && strcmp (GST_OBJECT_NAME (f), "rtprtxsend") == 0) {
          g_object_get (e, "num-rtx-packets", &n, "num-rtx-requests", &r, NULL);
          total += n;
          *requests += r;
        }
        g_value_reset (&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        total = 0;
        *requests = 0;
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return total;
}

/* Updates one link from its statistics; TRUE when a new report came. */
static gboolean
update_link (F2fCongestion * cc, LinkState * ls,
    const GstF2fBitrateConfig * config, gint64 now, GstF2fBitrateAction * act)
{
  g_autoptr (GstStructure) reply = f2f_peer_link_get_stats (ls->link);
  Sample sample;
  gboolean fresh;
  guint requests, nacked = 0, sent = 0;

  if (reply == NULL)
    return FALSE;
  GST_LOG ("link to %s: %" GST_PTR_FORMAT, ls->peer_id, reply);
  read_stats (reply, &sample);
  if (ls->bytes_at_us > 0 && now > ls->bytes_at_us
      && sample.bytes_sent >= ls->bytes_sent) {
    gdouble kbps = (sample.bytes_sent - ls->bytes_sent) * 8.0 * 1000 /
        (now - ls->bytes_at_us);
    /* smoothed over about a second (a time constant of 0.7 s: a cut
     * made from what was sent must not start from the rate of seconds
     * ago) */
    ls->sent_kbps = ls->sent_kbps > 0 ? 0.5 * ls->sent_kbps + 0.5 * kbps : kbps;
    GST_LOG ("link to %s: sent %.0f kbit/s in the last %" G_GINT64_FORMAT
        " ms", ls->peer_id, kbps, (now - ls->bytes_at_us) / 1000);
  }
  if (ls->bytes_at_us > 0 && sample.packets_sent >= ls->packets_sent)
    sent = sample.packets_sent - ls->packets_sent;
  ls->bytes_sent = sample.bytes_sent;
  ls->packets_sent = sample.packets_sent;
  ls->bytes_at_us = now;
  ls->key_requests_sent = sample.key_requests_sent;
  ls->rtx_packets = rtx_packets (ls->link, &requests);
  if (requests >= ls->rtx_requests)
    nacked = requests - ls->rtx_requests;
  ls->rtx_requests = requests;
  ls->key_requests_received = sample.key_requests_received;
  ls->loss = sample.worst_fraction;

  fresh = sample.have_report && (!ls->have_report
      || sample.lost != ls->report_lost
      || sample.fraction != ls->report_fraction
      || sample.rtt_ms != ls->report_rtt);
  if (!fresh) {
    /* No report: the peer's NACKs may be crowding its reports out
     * (gst_f2f_bitrate_link_nacked). */
    *act = gst_f2f_bitrate_link_nacked (&ls->law, config, now, nacked, sent,
        ls->sent_kbps);
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
  *act = gst_f2f_bitrate_link_update (&ls->law, config, now,
      sample.fraction, sample.rtt_ms, ls->sent_kbps);
  GST_DEBUG ("link to %s: loss %.3f rtt %.0f ms sent %.0f kbit/s: %s → "
      "%.0f kbit/s", ls->peer_id, sample.fraction, sample.rtt_ms,
      ls->sent_kbps, action_name (*act), ls->law.estimate_kbps);
  return TRUE;
}

static gint
compare_kbps (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y ? 1 : 0;
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
  gdouble worst_loss = 0;
  guint target, opus_loss, i;
  GHashTableIter iter;
  gpointer value;
  gint weakest;
  gchar *limited = NULL;

  CC_LOCK (cc);
  config = cc->config;
  control = cc->control;
  if (cc->video_enc)
    video_enc = gst_object_ref (cc->video_enc);
  if (cc->audio_enc)
    audio_enc = gst_object_ref (cc->audio_enc);
  CC_UNLOCK (cc);

  g_hash_table_iter_init (&iter, cc->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((LinkState *) value)->seen = FALSE;
  for (i = 0; links && i < links->len; i++) {
    F2fPeerLink *link = g_ptr_array_index (links, i);
    LinkState *ls = g_hash_table_lookup (cc->links, link);
    GstF2fBitrateAction action = GST_F2F_BITRATE_HOLD;

    if (ls == NULL) {
      ls = g_new0 (LinkState, 1);
      ls->link = f2f_peer_link_ref (link);
      ls->peer_id = g_strdup (f2f_peer_link_get_peer_id (link));
      ls->rtt_ms = -1;
      ls->report_us = now;
      /* a new link starts where the encoder is: joining must not drop
       * everyone's picture to a probe rate */
      gst_f2f_bitrate_link_init (&ls->law, &config,
          (cc->target_kbps ? cc->target_kbps : config.max_kbps) +
          config.audio_kbps, now);
      g_hash_table_insert (cc->links, link, ls);
    }
    ls->seen = TRUE;
    if (update_link (cc, ls, &config, now, &action))
      g_ptr_array_add (msgs, gst_structure_new ("f2f-link-bitrate",
              "peer-id", G_TYPE_STRING, ls->peer_id,
              "estimate", G_TYPE_UINT, (guint) ls->law.estimate_kbps,
              "sent", G_TYPE_UINT, (guint) ls->sent_kbps,
              "loss", G_TYPE_DOUBLE, ls->loss,
              "rtt", G_TYPE_DOUBLE, ls->rtt_ms,
              "action", G_TYPE_STRING, action_name (action),
              "key-requests-sent", G_TYPE_UINT, ls->key_requests_sent,
              "key-requests-received", G_TYPE_UINT, ls->key_requests_received,
              "rtx-packets", G_TYPE_UINT, ls->rtx_packets,
              "encoder-key-requests", G_TYPE_UINT,
              (guint) g_atomic_int_get (&cc->encoder_key_requests),
              "encoder-keyframes", G_TYPE_UINT,
              (guint) g_atomic_int_get (&cc->encoder_keyframes), NULL));
    g_array_append_val (estimates, ls->law.estimate_kbps);
    g_ptr_array_add (states, ls);
    worst_loss = MAX (worst_loss, ls->loss);
  }
  g_hash_table_iter_init (&iter, cc->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((LinkState *) value)->seen)
      g_hash_table_iter_remove (&iter);

  target = control ? gst_f2f_bitrate_video_target (&config,
      (gdouble *) estimates->data, estimates->len) : config.max_kbps;
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
  for (i = 0; i < msgs->len; i++)
    gst_structure_set (g_ptr_array_index (msgs, i), "target", G_TYPE_UINT,
        cc->target_kbps ? cc->target_kbps : target, NULL);

  opus_loss = gst_f2f_bitrate_opus_loss_percentage (worst_loss,
      cc->opus_loss);
  if (audio_enc && opus_loss != cc->opus_loss) {
    GST_INFO ("Opus packet-loss-percentage %u (was %u)", opus_loss,
        cc->opus_loss);
    g_object_set (audio_enc, "packet-loss-percentage", opus_loss, NULL);
    cc->opus_loss = opus_loss;
  }

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

  cc->tick = f2f_context_add_timeout (g_main_context_get_thread_default (),
      TICK_MS, tick_cb, cc);
}

static void
worker_stopping (gpointer data)
{
  F2fCongestion *cc = data;

  f2f_clear_source (&cc->tick);
  g_hash_table_remove_all (cc->links);
  g_clear_pointer (&cc->limited_peer, g_free);
}

/* ---------------------------------------------------------------------- */

F2fCongestion *
f2f_congestion_new (GstBin * owner, F2fCongestionLinksFunc links,
    gpointer user_data)
{
  F2fCongestion *cc = g_new0 (F2fCongestion, 1);

  cc->owner = owner;
  cc->links_func = links;
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
    if (src) {
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
          count_key_requests, cc, NULL);
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, count_keyframes, cc,
          NULL);
      gst_object_unref (src);
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
  cc->downscaled = FALSE;
  cc->upscale_since_us = 0;
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
