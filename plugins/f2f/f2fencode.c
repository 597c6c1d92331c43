/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "f2fencode.h"

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
