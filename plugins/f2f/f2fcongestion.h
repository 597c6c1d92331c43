/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Congestion control and loss resilience of f2fsignal. On a thread of its
 * own it reads each connected link's statistics (RTCP receiver reports:
 * fraction lost, round-trip time; bytes and PLIs), feeds them to the pure
 * control law (gst/f2f/f2fbitrate.h) and drives the shared encoders: the
 * video encoder's target is the weakest link's estimate less what the
 * links send besides video, Opus's rate and frame size follow the weakest
 * link, its packet-loss-percentage the worst loss, and each link's RTCP
 * gets a budget from its estimate. A link whose capacity cannot carry the
 * least video beside the voice is sent no video until a later try finds
 * it can (and leaves the video target to the others). It also sets up the receiving
 * side of every link as it is built: depayloaders that ask for a keyframe
 * after loss NACK did not repair (a PLI to the sender), Opus decoders with
 * in-band FEC and concealment, and a video encoder that turns many such
 * requests at once into one keyframe.
 */
#pragma once

#include <gst/gst.h>
#include "f2fpeerlink.h"

G_BEGIN_DECLS

typedef struct _F2fCongestion F2fCongestion;

/* The packet-loss-percentage an Opus encoder starts with, before any loss
 * was measured. */
#define F2F_CONGESTION_INITIAL_OPUS_LOSS 10

/* The links to look at now (a new array of references; connected ones).
 * Called on the congestion thread; may take the owner's lock. */
typedef GPtrArray *(*F2fCongestionLinksFunc) (gpointer user_data);

/* Stop sending video on @link, or send it again
 * (gst_f2f_bitrate_link_suspend_video): f2fsignal's router owns what a
 * link sends. Called on the congestion thread, no lock held. */
typedef void (*F2fCongestionPauseFunc) (F2fPeerLink * link, gboolean paused,
    gpointer user_data);

/* @owner: f2fsignal, whose decode branches and webrtcbins are set up as
 * they are added, and which posts the messages. */
F2fCongestion *f2f_congestion_new (GstBin * owner,
    F2fCongestionLinksFunc links, F2fCongestionPauseFunc pause,
    gpointer user_data);
void f2f_congestion_free (F2fCongestion * cc);

/* The shared encoder of "video" or "audio" (NULL: gone). Any thread. */
void f2f_congestion_set_encoder (F2fCongestion * cc, const gchar * media,
    GstElement * encoder);

/* Starts the thread (READY→PAUSED) and stops it (PAUSED→READY). With
 * @control FALSE the video bitrate stays at @max_kbps (estimates are still
 * reported); Opus's loss percentage follows the loss either way. */
void f2f_congestion_start (F2fCongestion * cc, gboolean control,
    guint min_kbps, guint max_kbps);
void f2f_congestion_stop (F2fCongestion * cc);

/* The peer of @link measured what we send it (a "feedback" message on the
 * link's control channel): the queueing delay (-1: not known), the
 * rate it received (kbit/s) and the share of our packets it saw lost on
 * the way (‰, before any retransmission). Any thread; acted on in the
 * controller's. */
void f2f_congestion_feedback (F2fCongestion * cc, F2fPeerLink * link,
    gint64 queue_ms, gint64 received_kbps, gint64 loss_permille);

G_END_DECLS
