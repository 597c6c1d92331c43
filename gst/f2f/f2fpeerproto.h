/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The messages f2f peers exchange directly, on each link's control data
 * channel ("f2f-control"): heartbeats, chat and topology plans. JSON text, like the
 * signaling protocol; see docs/protocol.md, "Peer to peer".
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>
#include <gst/f2f/f2fplan.h>

G_BEGIN_DECLS

#define GST_F2F_CONTROL_CHANNEL "f2f-control"
#define GST_F2F_MAX_CHAT_LENGTH 4096    /* bytes */

typedef enum
{
  GST_F2F_PEER_MESSAGE_HEARTBEAT,
  GST_F2F_PEER_MESSAGE_CHAT,
  GST_F2F_PEER_MESSAGE_PLAN,
  GST_F2F_PEER_MESSAGE_FEEDBACK,
} GstF2fPeerMessageType;

typedef struct
{
  GstF2fPeerMessageType type;
  guint64 seq;                  /* heartbeat */
  /* heartbeat: the plan the sender holds, by epoch and proposer
   * (plan_proposer NULL: it holds none). A peer that holds a plan which
   * supersedes this one sends it (gst_f2f_plan_supersedes_known). */
  guint64 plan_epoch;
  gchar *plan_proposer;
  gchar *text;                  /* chat: UTF-8 text, never markup */
  gint64 time_ms;               /* chat: sender's wall clock, ms since epoch */
  GstF2fPlan *plan;             /* plan: the topology plan the sender holds */
  /* feedback: what the sender of this message measured of the media the
   * receiver of it sends on this link, over the last interval (~150 ms):
   * the queueing delay (lowest and highest, ms; -1: not known yet), the
   * rate received (kbit/s, UDP/IP/Ethernet headers included) and the
   * share of packets lost (per mille). */
  gint64 queue_ms, peak_ms, rate_kbps, loss_permille;
} GstF2fPeerMessage;

GST_F2F_API void gst_f2f_peer_message_free (GstF2fPeerMessage * msg);
GST_F2F_API gchar *gst_f2f_peer_message_heartbeat (guint64 seq,
    const GstF2fPlan * plan);
GST_F2F_API gchar *gst_f2f_peer_message_chat (const gchar * text,
    gint64 time_ms);
GST_F2F_API gchar *gst_f2f_peer_message_plan (const GstF2fPlan * plan);
GST_F2F_API gchar *gst_f2f_peer_message_feedback (guint64 seq,
    gint64 queue_ms, gint64 peak_ms, gint64 rate_kbps, gint64 loss_permille);
GST_F2F_API GstF2fPeerMessage *gst_f2f_peer_message_parse (const gchar * data,
    gsize length, GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fPeerMessage, gst_f2f_peer_message_free);

G_END_DECLS
