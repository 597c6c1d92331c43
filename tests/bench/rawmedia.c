/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "rawmedia.h"

#include <string.h>

/* bench_raw_watch_errors () */
typedef struct
{
  BenchFailFunc fail;
  gpointer data;
} ErrorWatch;

void
bench_raw_append_sources (GString * desc, gint i, const gchar * pattern)
{
  g_string_append_printf (desc, "videotestsrc is-live=true pattern=%s ! "
      "video/x-raw,width=%d,height=%d,framerate=%d/1 ! queue ! videoconvert ! "
      "videoscale ! video/x-raw,format=I420 ! vp8enc deadline=1 cpu-used=4 "
      "lag-in-frames=0 target-bitrate=%d keyframe-max-dist=60 "
      "end-usage=cbr error-resilient=default ! tee name=vtee%d "
      "allow-not-linked=true ", pattern, RAW_WIDTH, RAW_HEIGHT, RAW_FPS,
      RAW_VIDEO_BITRATE, i);
  g_string_append_printf (desc, "audiotestsrc is-live=true freq=%d ! queue ! "
      "audioconvert ! audioresample ! audio/x-raw,rate=48000 ! opusenc "
      "frame-size=20 inband-fec=true packet-loss-percentage=10 bitrate=32000 "
      "audio-type=voice ! tee name=atee%d allow-not-linked=true ",
      300 + 100 * i, i);
}

GstElement *
bench_raw_get_named (GstBin * bin, const gchar * prefix, gint i)
{
  g_autofree gchar *name = i >= 0 ? g_strdup_printf ("%s%d", prefix, i) :
      g_strdup (prefix);
  GstElement *e = gst_bin_get_by_name (bin, name);

  /* The bin holds it for as long as we use it. */
  if (e)
    gst_object_unref (e);
  return e;
}

/* webrtcbin (1.22) puts a clocksync with sync=TRUE behind each sink pad;
 * f2fpeerlink turns it off (see on_deep_element_added there), so the
 * baselines send the same way. */
static void
on_deep_element_added (GstBin * webrtc, GstBin * sub_bin, GstElement * element,
    gpointer user_data)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory && strcmp (GST_OBJECT_NAME (factory), "clocksync") == 0)
    g_object_set (element, "sync", FALSE, NULL);
}

GstElement *
bench_raw_webrtc (GstBin * bin, const gchar * name)
{
  GstElement *webrtc = gst_element_factory_make ("webrtcbin", name);

  gst_util_set_object_arg (G_OBJECT (webrtc), "bundle-policy", "max-bundle");
  g_object_set (webrtc, "latency", RAW_LATENCY_MS, NULL);
  g_signal_connect (webrtc, "deep-element-added",
      G_CALLBACK (on_deep_element_added), NULL);
  gst_bin_add (bin, webrtc);
  bench_configure_ice (webrtc);
  return webrtc;
}

gboolean
bench_raw_add_sender (GstBin * bin, GstElement * webrtc, gboolean audio,
    GstElement ** queue)
{
  GstElement *pay = gst_element_factory_make (audio ? "rtpopuspay" :
      "rtpvp8pay", NULL);
  GstWebRTCRTPTransceiver *trans = NULL;
  GstPad *src, *sink;
  GstCaps *caps;
  gboolean linked;

  *queue = gst_element_factory_make ("queue", NULL);
  /* A stalled link must never hold back the shared encoder. */
  g_object_set (*queue, "leaky", 2, "max-size-buffers", 60,
      "max-size-bytes", 0, "max-size-time", (guint64) 0, NULL);
  g_object_set (pay, "pt", audio ? 97 : 96, NULL);
  if (!audio)
    gst_util_set_object_arg (G_OBJECT (pay), "picture-id-mode", "15-bit");
  gst_bin_add_many (bin, *queue, pay, NULL);
  gst_element_link (*queue, pay);

  caps = gst_caps_from_string (audio ? "application/x-rtp, "
      "media=(string)audio, encoding-name=(string)OPUS, payload=(int)97, "
      "clock-rate=(int)48000, encoding-params=(string)2" :
      "application/x-rtp, media=(string)video, encoding-name=(string)VP8, "
      "payload=(int)96, clock-rate=(int)90000");
  sink = gst_element_request_pad_simple (webrtc, "sink_%u");
  g_object_get (sink, "transceiver", &trans, NULL);
  g_object_set (trans, "codec-preferences", caps, "direction",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, "do-nack", TRUE, NULL);
  gst_object_unref (trans);
  gst_caps_unref (caps);
  src = gst_element_get_static_pad (pay, "src");
  linked = gst_pad_link (src, sink) == GST_PAD_LINK_OK;
  gst_object_unref (src);
  gst_object_unref (sink);
  return linked;
}

static GstEvent *
force_key_unit_event (void)
{
  /* What gst_video_event_new_upstream_force_key_unit() makes, by hand so
   * the benchmarks need only the core library. */
  return gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM,
      gst_structure_new ("GstForceKeyUnit", "running-time",
          GST_TYPE_CLOCK_TIME, GST_CLOCK_TIME_NONE, "all-headers",
          G_TYPE_BOOLEAN, TRUE, "count", G_TYPE_UINT, 0, NULL));
}

gboolean
bench_raw_feed (GstElement * tee[2], GstElement * queue[2])
{
  gboolean ok = TRUE;
  gint audio;

  for (audio = 0; audio < 2; audio++) {
    GstPad *src = gst_element_request_pad_simple (tee[audio], "src_%u");
    GstPad *sink = gst_element_get_static_pad (queue[audio], "sink");

    if (gst_pad_link (src, sink) != GST_PAD_LINK_OK)
      ok = FALSE;
    else if (!audio)
      /* A new receiver needs a keyframe now, not at the next interval. */
      gst_pad_push_event (sink, force_key_unit_event ());
    gst_object_unref (sink);
    gst_object_unref (src);
  }
  return ok;
}

GPtrArray *
bench_raw_decoder_new (GstBin * bin, gboolean audio)
{
  GPtrArray *chain = g_ptr_array_new ();
  GstElement *dec;

  bench_raw_chain_append (chain, bin, gst_element_factory_make ("queue", NULL));
  bench_raw_chain_append (chain, bin, gst_element_factory_make (audio ?
          "rtpopusdepay" : "rtpvp8depay", NULL));
  dec = gst_element_factory_make (audio ? "opusdec" : "vp8dec", NULL);
  if (audio)
    g_object_set (dec, "plc", TRUE, "use-inband-fec", TRUE, NULL);
  bench_raw_chain_append (chain, bin, dec);
  bench_raw_chain_append (chain, bin, gst_element_factory_make (audio ?
          "audioconvert" : "videoconvert", NULL));
  if (audio)
    bench_raw_chain_append (chain, bin,
        gst_element_factory_make ("audioresample", NULL));
  return chain;
}

void
bench_raw_chain_append (GPtrArray * chain, GstBin * bin, GstElement * element)
{
  gst_bin_add (bin, element);
  if (chain->len > 0)
    gst_element_link (g_ptr_array_index (chain, chain->len - 1), element);
  g_ptr_array_add (chain, element);
}

gboolean
bench_raw_chain_start (GPtrArray * chain, GstPad * pad)
{
  GstPad *in;
  gboolean linked;
  guint k;

  for (k = chain->len; k > 0; k--)
    gst_element_sync_state_with_parent (g_ptr_array_index (chain, k - 1));
  in = gst_element_get_static_pad (g_ptr_array_index (chain, 0), "sink");
  linked = gst_pad_link (pad, in) == GST_PAD_LINK_OK;
  gst_object_unref (in);
  g_ptr_array_unref (chain);
  return linked;
}

static gboolean
error_cb (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  ErrorWatch *w = user_data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *text = NULL;

    gst_message_parse_error (msg, &error, NULL);
    text = g_strdup_printf ("pipeline error from %s: %s",
        GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), error->message);
    g_strdelimit (text, "\r\n", ' ');
    w->fail (w->data, text);
  }
  return G_SOURCE_CONTINUE;
}

void
bench_raw_watch_errors (GstBus * bus, BenchFailFunc fail, gpointer data)
{
  ErrorWatch *w = g_new (ErrorWatch, 1);

  w->fail = fail;
  w->data = data;
  gst_bus_add_watch_full (bus, G_PRIORITY_DEFAULT, error_cb, w, g_free);
}

GstPadProbeReturn
bench_raw_count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
  return GST_PAD_PROBE_OK;
}

void
bench_raw_place_tile (GstPad * pad, gint tiles, gint index)
{
  gint cols = 1, rows, w, h;

  while (cols * cols < tiles)
    cols++;
  rows = (tiles + cols - 1) / cols;
  w = RAW_VIEW_WIDTH / cols;
  h = RAW_VIEW_HEIGHT / rows;
  g_object_set (pad, "xpos", (index % cols) * w, "ypos", (index / cols) * h,
      "width", w, "height", h, NULL);
  gst_util_set_object_arg (G_OBJECT (pad), "sizing-policy",
      "keep-aspect-ratio");
}
