/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the latency benchmarks (audio-latency, mixer-latency) time: the
 * starts of audiotestsrc's ticks (wave=ticks volume=0.8) in S16 audio, at
 * capture and on arrival, on the system clock.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
/* Where a stream is between ticks. */
    typedef struct
{
  GstClockTime last_loud;
  gboolean seen;
} BenchOnset;

/* Appends to @out (GstClockTime) the start of every tick in @buf, which
 * starts at @t0 and flows through @pad: a loud sample after 60 ms of
 * quiet, on the first channel. Only interleaved S16LE is read. */
void bench_find_onsets (GstBuffer * buf, GstPad * pad, GstClockTime t0,
    BenchOnset * onset, GArray * out);

/* The system-clock time at which live @buf (on @pad, in @pipeline) was
 * captured, or GST_CLOCK_TIME_NONE without a segment or timestamp. */
GstClockTime bench_capture_time (GstPad * pad, GstBuffer * buf,
    GstElement * pipeline);

/* Now on the system clock, which every pipeline here runs on. */
GstClockTime bench_now (void);

G_END_DECLS
