/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The media f2f's elements make, rebuilt from plain GStreamer elements for
 * the CPU baselines raw-mesh and raw-mixer: a peer's test sources and
 * encoders, f2fpeerlink's senders and decode branches, its webrtcbin
 * settings, and f2fcompositor's grid.
 */
#pragma once

#include "benchutil.h"

G_BEGIN_DECLS
#define RAW_WIDTH 320
#define RAW_HEIGHT 240
#define RAW_FPS 15
/* f2fsignal's defaults: max-bitrate 800 kbit/s, latency-profile lan. */
#define RAW_VIDEO_BITRATE 800000
#define RAW_LATENCY_MS 40
/* f2fcompositor's defaults. */
#define RAW_VIEW_WIDTH 640
#define RAW_VIEW_HEIGHT 360
#define RAW_VIEW_LATENCY (100 * GST_MSECOND)
/* Appends to @desc (gst-launch syntax) peer @i's live test sources (video
 * @pattern at RAW_WIDTHxRAW_HEIGHT@RAW_FPS, audio at 300 + 100 * @i Hz)
 * encoded exactly as f2fsignal encodes behind its video_sink and
 * audio_sink, into tees named vtee@i and atee@i. */
void bench_raw_append_sources (GString * desc, gint i, const gchar * pattern);

/* The element of @bin named @prefix@i (just @prefix when @i < 0), or NULL;
 * @bin keeps holding it. */
GstElement *bench_raw_get_named (GstBin * bin, const gchar * prefix, gint i);

/* A webrtcbin named @name in @bin, set up as f2fpeerlink sets its own:
 * max-bundle, latency RAW_LATENCY_MS, no clocksync before its senders, and
 * ICE as bench_configure_ice (). Connect its signals, then add the
 * senders. */
GstElement *bench_raw_webrtc (GstBin * bin, const gchar * name);

/* A leaky queue and payloader into a new sendrecv transceiver of @webrtc
 * (VP8 pt 96, or Opus pt 97 with @audio, NACK on), the way f2fpeerlink's
 * add_sender () makes them; *@queue is its input. FALSE if the payloader
 * would not link. */
gboolean bench_raw_add_sender (GstBin * bin, GstElement * webrtc,
    gboolean audio, GstElement ** queue);

/* Feeds a connected link: requests a pad of each encoder tee @tee[audio?]
 * and links it to the sender @queue[audio?], then asks for a keyframe, as
 * f2fsignal does once a link is connected (before, webrtcbin refuses the
 * buffers and the refusal would stop the queue's thread). FALSE if a link
 * failed. */
gboolean bench_raw_feed (GstElement * tee[2], GstElement * queue[2]);

/* f2fpeerlink's decode branch for a received stream, added to @bin and
 * linked: queue, depayloader, decoder (index 2; Opus with PLC and in-band
 * FEC), converter and, for @audio, a resampler. Add more to its end with
 * bench_raw_chain_append (), then bench_raw_chain_start (). */
GPtrArray *bench_raw_decoder_new (GstBin * bin, gboolean audio);
/* Adds @element to @bin after the last element of @chain, linked. */
void bench_raw_chain_append (GPtrArray * chain, GstBin * bin,
    GstElement * element);
/* Syncs @chain's states with its parent, last first, links @pad to its
 * head and frees @chain; whether that link worked. */
gboolean bench_raw_chain_start (GPtrArray * chain, GstPad * pad);

/* Watches a pipeline's @bus (until gst_bus_remove_watch ()): an error
 * message calls @fail with "pipeline error from ELEMENT: message" on one
 * line. */
void bench_raw_watch_errors (GstBus * bus, BenchFailFunc fail, gpointer data);

/* A pad probe counting buffers into the gint (atomic) at @user_data. */
GstPadProbeReturn bench_raw_count_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data);

/* Places compositor sink @pad at @index of f2fcompositor's grid for @tiles
 * participants (cols = ceil (sqrt (tiles))) on RAW_VIEW_WIDTHxHEIGHT. */
void bench_raw_place_tile (GstPad * pad, gint tiles, gint index);

G_END_DECLS
