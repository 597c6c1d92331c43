/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Taking turns at uplink probes. A peer is in at most one probe at a time,
 * as its sender or as its receiver: a receiver's acknowledgements travel on
 * its own uplink, and queued behind its own probe they slow the sender's
 * SCTP below the sender's uplink, so two probes that overlap on one peer
 * measure nothing right. A sender asks its receiver first (probe-ask); the
 * receiver grants only when it is in no probe (probe-answer). Every state
 * but idle ends by itself at a deadline, so a peer that vanishes, or an
 * answer that is lost, holds nobody for longer than that.
 *
 * Pure logic: it is fed (peer, probe id, monotonic time) and answers.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>

G_BEGIN_DECLS

/**
 * GstF2fProbeTurnState:
 * @GST_F2F_PROBE_TURN_IDLE: in no probe; may ask, is granted to askers
 * @GST_F2F_PROBE_TURN_ASKING: asked a peer, waits for its answer
 * @GST_F2F_PROBE_TURN_SENDING: sends a probe (until its result comes)
 * @GST_F2F_PROBE_TURN_RECEIVING: granted a probe to a peer, receives it
 */
typedef enum
{
  GST_F2F_PROBE_TURN_IDLE,
  GST_F2F_PROBE_TURN_ASKING,
  GST_F2F_PROBE_TURN_SENDING,
  GST_F2F_PROBE_TURN_RECEIVING,
} GstF2fProbeTurnState;

typedef struct _GstF2fProbeTurn GstF2fProbeTurn;

GST_F2F_API
GstF2fProbeTurn *gst_f2f_probe_turn_new (void);

GST_F2F_API
void gst_f2f_probe_turn_free (GstF2fProbeTurn * turn);

GST_F2F_API
GstF2fProbeTurnState gst_f2f_probe_turn_get_state (GstF2fProbeTurn * turn,
    gint64 now_us);

GST_F2F_API
const gchar *gst_f2f_probe_turn_get_peer (GstF2fProbeTurn * turn);

GST_F2F_API
gboolean gst_f2f_probe_turn_ask (GstF2fProbeTurn * turn, const gchar * peer,
    guint32 probe, gint64 now_us, gint64 timeout_us);

GST_F2F_API
gboolean gst_f2f_probe_turn_asked (GstF2fProbeTurn * turn, const gchar * peer,
    guint32 probe, gint64 now_us, gint64 hold_us);

GST_F2F_API
gboolean gst_f2f_probe_turn_answered (GstF2fProbeTurn * turn,
    const gchar * peer, guint32 probe, gboolean granted, gint64 now_us,
    gint64 hold_us);

GST_F2F_API
gboolean gst_f2f_probe_turn_end (GstF2fProbeTurn * turn, const gchar * peer,
    guint32 probe);

GST_F2F_API
gboolean gst_f2f_probe_turn_peer_left (GstF2fProbeTurn * turn,
    const gchar * peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fProbeTurn, gst_f2f_probe_turn_free)

G_END_DECLS
