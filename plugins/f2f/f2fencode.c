/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/video/video.h>

#include "f2fencode.h"

GST_DEBUG_CATEGORY_EXTERN (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

gboolean
f2f_encode_video (gboolean h264, guint kbps,
    GstElement * out[F2F_ENCODE_MAX_ELEMENTS + 1])
{
  GstElement *enc;

  memset (out, 0, sizeof (GstElement *) * (F2F_ENCODE_MAX_ELEMENTS + 1));
  if (h264) {
    GstElement *filter, *parse;
    GstCaps *caps;

    enc = gst_element_factory_make ("x264enc", NULL);
    filter = gst_element_factory_make ("capsfilter", NULL);
    parse = gst_element_factory_make ("h264parse", NULL);
    if (enc == NULL || filter == NULL || parse == NULL) {
      gst_clear_object (&enc);
      gst_clear_object (&filter);
      gst_clear_object (&parse);
      return FALSE;
    }
    gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
    gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
    g_object_set (enc, "bitrate", kbps, "key-int-max", 60, NULL);
    /* constrained baseline: what every WebRTC H.264 decoder takes */
    caps = gst_caps_from_string ("video/x-h264, "
        "profile=(string)constrained-baseline");
    g_object_set (filter, "caps", caps, NULL);
    gst_caps_unref (caps);
    g_object_set (parse, "config-interval", -1, NULL);
    out[0] = enc;
    out[1] = filter;
    out[2] = parse;
    return TRUE;
  }

  enc = gst_element_factory_make ("vp8enc", NULL);
  if (enc == NULL)
    return FALSE;
  /* Realtime settings (FACTS.md): the defaults are tuned for quality. */
  g_object_set (enc, "deadline", (gint64) 1, "cpu-used", 4,
      "lag-in-frames", 0, "target-bitrate", (gint) kbps * 1000,
      "keyframe-max-dist", 60, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "end-usage", "cbr");
  gst_util_set_object_arg (G_OBJECT (enc), "error-resilient", "default");
  out[0] = enc;
  return TRUE;
}

GstCaps *
f2f_encode_audio_caps (void)
{
  /* Mono: f2f carries voices, and a mixer's mixes must have the caps the
   * camera's microphone had on the same link. */
  return gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT, 48000,
      "channels", G_TYPE_INT, 1, NULL);
}

GstElement *
f2f_encode_opus (guint bitrate, guint frame_ms)
{
  GstElement *enc = gst_element_factory_make ("opusenc", NULL);

  if (enc == NULL)
    return NULL;
  g_object_set (enc, "frame-size", (gint) frame_ms, "inband-fec", TRUE,
      "packet-loss-percentage", 10, "bitrate", (gint) bitrate, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "audio-type", "voice");
  return enc;
}

/* opusdec with use-inband-fec holds each packet back until the next one
 * comes, to rebuild a lost packet from the FEC its successor carries. A
 * gap (a lost packet, as a jitterbuffer and depayloader report it) takes
 * the place of the held packet; when that gap is shorter than the 2.5 ms
 * Opus conceals in, opusdec (1.22, and main in 2026) returns before it
 * replaces the held gap with the packet that came: from then on every
 * packet is taken for that same short gap and nothing is decoded again
 * (elements/f2fencode, test_short_gap). Seen in a call: a client of a
 * mixer, on a lossy link, whose jitterbuffer went on pushing 80+ packets
 * a second of the mixer's stream while its decoder made nothing but gaps
 * for the rest of the call, after a topology switch made the stream's
 * timestamps jump. A gap that short holds no sound to conceal: it goes. */
#define OPUS_CONCEALMENT_STEP (2500 * GST_USECOND)

static GstPadProbeReturn
drop_short_gaps (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstClockTime timestamp, duration;

  if (GST_EVENT_TYPE (event) != GST_EVENT_GAP)
    return GST_PAD_PROBE_OK;
  gst_event_parse_gap (event, &timestamp, &duration);
  /* (no duration, or 0: opusdec conceals the last packet's duration) */
  if (!GST_CLOCK_TIME_IS_VALID (duration) || duration == 0
      || duration >= OPUS_CONCEALMENT_STEP)
    return GST_PAD_PROBE_OK;
  GST_INFO_OBJECT (pad, "dropping a gap of %" G_GUINT64_FORMAT " ns at %"
      GST_TIME_FORMAT, duration, GST_TIME_ARGS (timestamp));
  return GST_PAD_PROBE_DROP;
}

GstElement *
f2f_decode_opus (void)
{
  GstElement *dec = gst_element_factory_make ("opusdec", NULL);
  GstPad *sink;

  if (dec == NULL)
    return NULL;
  g_object_set (dec, "plc", TRUE, "use-inband-fec", TRUE, NULL);
  sink = gst_element_get_static_pad (dec, "sink");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      drop_short_gaps, NULL, NULL);
  gst_object_unref (sink);
  return dec;
}

/* Frames entered and not yet out: a few at most (no lag), more only if
 * the encoder drops some, which the output's timestamps tell. */
#define TIMED_FRAMES 16

typedef struct
{
  GMutex lock;
  /* protected by lock */
  GstClockTime pts[TIMED_FRAMES];
  gint64 in_us[TIMED_FRAMES];
  guint head, len;
  guint pixels;
  gdouble sum_ms;
  guint frames;
  gint64 reported_us;
  /* fixed */
  guint report_ms;
  F2fEncodeTimeFunc func;
  gpointer user_data;
} EncodeTimer;

static void
encode_timer_clear (gpointer data)
{
  g_mutex_clear (&((EncodeTimer *) data)->lock);
}

static void
encode_timer_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, encode_timer_clear);
}

static GstPadProbeReturn
encode_in_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  EncodeTimer *t = data;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    GstCaps *caps;
    GstVideoInfo vinfo;
    if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      gst_event_parse_caps (event, &caps);
      if (gst_video_info_from_caps (&vinfo, caps)) {
        g_mutex_lock (&t->lock);
        t->pixels = vinfo.width * vinfo.height;
        g_mutex_unlock (&t->lock);
      }
    }
    return GST_PAD_PROBE_OK;
  }
  g_mutex_lock (&t->lock);
  if (t->len == TIMED_FRAMES) {
    /* the oldest never came out */
    t->head = (t->head + 1) % TIMED_FRAMES;
    t->len--;
  }
  t->pts[(t->head + t->len) % TIMED_FRAMES] =
      GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));
  t->in_us[(t->head + t->len) % TIMED_FRAMES] = g_get_monotonic_time ();
  t->len++;
  g_mutex_unlock (&t->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
encode_out_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  EncodeTimer *t = data;
  GstClockTime pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));
  gint64 now = g_get_monotonic_time ();
  gdouble report = -1;

  g_mutex_lock (&t->lock);
  /* frames before this one that never came out were dropped */
  while (t->len > 0 && GST_CLOCK_TIME_IS_VALID (pts)
      && GST_CLOCK_TIME_IS_VALID (t->pts[t->head]) && t->pts[t->head] < pts) {
    t->head = (t->head + 1) % TIMED_FRAMES;
    t->len--;
  }
  if (t->len > 0) {
    gdouble ms = (now - t->in_us[t->head]) / 1000.0;
    if (t->pixels > 0)
      ms *= (gdouble) F2F_ENCODE_REFERENCE_PIXELS / t->pixels;
    t->sum_ms += ms;
    t->frames++;
    t->head = (t->head + 1) % TIMED_FRAMES;
    t->len--;
  }
  if (t->reported_us == 0)
    t->reported_us = now;
  if (t->frames > 0 && now - t->reported_us >= t->report_ms * 1000) {
    report = t->sum_ms / t->frames;
    t->sum_ms = 0;
    t->frames = 0;
    t->reported_us = now;
  }
  g_mutex_unlock (&t->lock);
  if (report >= 0)
    t->func (report, t->user_data);
  return GST_PAD_PROBE_OK;
}

void
f2f_encode_time (GstElement * first, GstElement * last, guint report_ms,
    F2fEncodeTimeFunc func, gpointer user_data)
{
  EncodeTimer *t = g_atomic_rc_box_new0 (EncodeTimer);
  GstPad *in = gst_element_get_static_pad (first, "sink");
  GstPad *out = gst_element_get_static_pad (last, "src");

  g_mutex_init (&t->lock);
  t->report_ms = report_ms;
  t->func = func;
  t->user_data = user_data;
  gst_pad_add_probe (in, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, encode_in_probe,
      g_atomic_rc_box_acquire (t), encode_timer_unref);
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, encode_out_probe, t,
      encode_timer_unref);
  gst_object_unref (in);
  gst_object_unref (out);
}
