/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The encoders every stream f2fsignal sends goes through: the camera and
 * microphone, and a mixer's composite and mixes. One place, so that a link
 * whose source switches from one to another keeps the caps it negotiated.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define F2F_ENCODE_MAX_ELEMENTS 3

/* The elements of an encoder of raw I420 video, in link order, in @out
 * (NULL-terminated, floating, not linked): VP8 (vp8enc), or with @h264
 * H.264 constrained baseline (x264enc, a caps filter, h264parse); realtime
 * settings, @kbps kbit/s. FALSE (nothing made) when one is missing. */
gboolean f2f_encode_video (gboolean h264, guint kbps,
    GstElement * out[F2F_ENCODE_MAX_ELEMENTS + 1]);

/* The raw audio f2f encodes: 48 kHz mono, voice (a new reference). Every
 * audio stream f2f sends has these caps, so a link may switch between
 * them without its payloader changing caps. */
GstCaps *f2f_encode_audio_caps (void);

/* A new opusenc for @f2f_encode_audio_caps audio: @frame_ms frames, in-band
 * FEC, voice, @bitrate bit/s. NULL when missing. */
GstElement *f2f_encode_opus (guint bitrate, guint frame_ms);

/* A new opusdec for what f2f_encode_opus makes: concealment and in-band
 * FEC on, and a probe on its sink pad that drops gaps shorter than Opus's
 * 2.5 ms concealment step (why: f2fencode.c, drop_short_gaps). NULL when
 * missing. */
GstElement *f2f_decode_opus (void);

/* One voice, and a mix of several: a mix needs more bits, or the coding
 * noise of each voice is heard under the others. */
#define F2F_ENCODE_VOICE_BITRATE 32000
#define F2F_ENCODE_MIX_BITRATE 64000

/* Opus frames. A sample waits for its frame to fill at every hop, so 10 ms
 * mix frames take ~10 ms off each mixer hop (docs/performance.md, "The
 * 10 ms question, answered": 27-29 ms a hop at p95, against 38-40 at 20).
 * A voice that once did not come back through a 10 ms mix was the
 * mix-minus race in f2fcompositor (fixed), not the frame size. Voices stay
 * at 20 ms: half the packets, and half the header bytes, on every mesh
 * link, which matters most on the capped uplinks congestion control
 * protects. */
#define F2F_ENCODE_VOICE_FRAME_MS 20
#define F2F_ENCODE_MIX_FRAME_MS 10

/* Times a video encoder: each frame from @first's sink pad to @last's src
 * pad (wall clock: what the frame waits, a busy machine included), and
 * every @report_ms calls @func with the mean over the frames since the
 * last call, scaled to a 320×240 frame by the caps' pixels (VP8's time
 * grows about as its pixels). From the streaming thread. The probes stay
 * as long as the pads; @user_data must outlive them. */
typedef void (*F2fEncodeTimeFunc) (gdouble ms, gpointer user_data);
void f2f_encode_time (GstElement * first, GstElement * last,
    guint report_ms, F2fEncodeTimeFunc func, gpointer user_data);

/* The frame size f2f_encode_time scales to: a camera frame of the
 * election's encode weight (gst/f2f/f2felect.h). */
#define F2F_ENCODE_REFERENCE_PIXELS (320 * 240)

G_END_DECLS
