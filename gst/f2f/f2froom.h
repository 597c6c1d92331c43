/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstF2fRoom: the room as the f2f elements see it. f2fsignal owns one and
 * implements its transport (data channels to each peer); sibling elements
 * (f2ffileshare, f2ftopology, f2felection) find it through a GstContext of
 * type GST_F2F_ROOM_CONTEXT_TYPE and only ever talk to this object.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>
#include <gst/f2f/f2fplan.h>

G_BEGIN_DECLS

#define GST_TYPE_F2F_ROOM (gst_f2f_room_get_type ())
GST_F2F_API
G_DECLARE_FINAL_TYPE (GstF2fRoom, gst_f2f_room, GST, F2F_ROOM, GstObject);

/* The persistent GstContext type that carries the room. */
#define GST_F2F_ROOM_CONTEXT_TYPE "f2f.room"

/* What the transport (f2fsignal) provides: send @data to @peer_id on the
 * data channel labelled @channel (opened on demand). Called from any
 * thread; returns FALSE when the peer is unknown or its link is down. */
typedef gboolean (*GstF2fRoomSendFunc) (gpointer user_data,
    const gchar * peer_id, const gchar * channel, GBytes * data);

/* What the transport measured on the link to one peer, totals since the
 * link was made. */
typedef struct
{
  gchar *state;                 /* "connecting", "connected", "failed" */
  guint64 bytes_sent;           /* RTP payload, all streams (webrtcbin's
                                 * bytes-sent: no headers) */
  guint64 packets_sent;         /* RTP packets, all streams */
  guint64 bytes_received;
  gdouble rtt_ms;               /* < 0: not known yet */
  gdouble loss_out;             /* fraction lost on the way out, 0..1 */
  gdouble loss_in;              /* fraction lost on the way in, 0..1 */
  gdouble jitter_ms;            /* < 0: not known yet */
} GstF2fLinkSample;

GST_F2F_API void gst_f2f_link_sample_clear (GstF2fLinkSample * sample);

/* Fills @sample for the link to @peer_id; FALSE when there is none. May
 * block briefly (it asks webrtcbin); not for streaming threads. */
typedef gboolean (*GstF2fRoomSampleFunc) (gpointer user_data,
    const gchar * peer_id, GstF2fLinkSample * sample);

/* Flow control: bytes queued on @channel to @peer_id and not yet handed to
 * the network, or -1 when that channel is not open. Any thread. */
typedef gint64 (*GstF2fRoomBufferedFunc) (gpointer user_data,
    const gchar * peer_id, const gchar * channel);

/* Proposes a topology plan to the room on behalf of a sibling element
 * (f2felection): the transport gives it the next epoch and itself as the
 * proposer, so that epochs and the order of proposals are kept in one
 * place, checks it against the peers present, adopts it and sends it to
 * everyone, as its own propose-topology does. Only @plan's mixers and
 * assignments are used. Any thread except the transport's own; FALSE when
 * the plan was not proposed (not in a room, or it names a peer that is
 * not present). */
typedef gboolean (*GstF2fRoomProposeFunc) (gpointer user_data,
    const GstF2fPlan * plan);

GST_F2F_API GstF2fRoom *gst_f2f_room_new (void);

/* For consumers */
GST_F2F_API gchar *gst_f2f_room_dup_local_id (GstF2fRoom * room);
GST_F2F_API gchar *gst_f2f_room_dup_local_name (GstF2fRoom * room);
GST_F2F_API gchar *gst_f2f_room_dup_room_id (GstF2fRoom * room);
GST_F2F_API gchar *gst_f2f_room_dup_leader (GstF2fRoom * room);
GST_F2F_API GStrv gst_f2f_room_list_peers (GstF2fRoom * room);
GST_F2F_API gchar *gst_f2f_room_dup_peer_name (GstF2fRoom * room,
    const gchar * peer_id);
GST_F2F_API gboolean gst_f2f_room_send (GstF2fRoom * room,
    const gchar * peer_id, const gchar * channel, GBytes * data);
GST_F2F_API guint gst_f2f_room_broadcast (GstF2fRoom * room,
    const gchar * channel, GBytes * data);
GST_F2F_API gboolean gst_f2f_room_sample_link (GstF2fRoom * room,
    const gchar * peer_id, GstF2fLinkSample * sample);
GST_F2F_API gint64 gst_f2f_room_get_buffered_amount (GstF2fRoom * room,
    const gchar * peer_id, const gchar * channel);
GST_F2F_API gboolean gst_f2f_room_propose_plan (GstF2fRoom * room,
    const GstF2fPlan * plan);
/* The "channel-low" signal is emitted when the bytes queued on a channel
 * of this label fall to @bytes or below. Set it before the first send on
 * that channel; 0 (the default) means no signal. */
GST_F2F_API void gst_f2f_room_set_low_threshold (GstF2fRoom * room,
    const gchar * channel, guint64 bytes);
GST_F2F_API guint64 gst_f2f_room_get_low_threshold (GstF2fRoom * room,
    const gchar * channel);

/* For the transport */
GST_F2F_API void gst_f2f_room_set_transport (GstF2fRoom * room,
    GstF2fRoomSendFunc send, gpointer user_data, GDestroyNotify notify);
GST_F2F_API void gst_f2f_room_set_sampler (GstF2fRoom * room,
    GstF2fRoomSampleFunc sample, gpointer user_data);
GST_F2F_API void gst_f2f_room_set_flow (GstF2fRoom * room,
    GstF2fRoomBufferedFunc buffered, gpointer user_data);
GST_F2F_API void gst_f2f_room_set_proposer (GstF2fRoom * room,
    GstF2fRoomProposeFunc propose, gpointer user_data);
/* Emit "channel-low" and "channel-open"; any thread. */
GST_F2F_API void gst_f2f_room_channel_low (GstF2fRoom * room,
    const gchar * peer_id, const gchar * channel);
GST_F2F_API void gst_f2f_room_channel_open (GstF2fRoom * room,
    const gchar * peer_id, const gchar * channel);
GST_F2F_API void gst_f2f_room_set_identity (GstF2fRoom * room,
    const gchar * room_id, const gchar * local_id, const gchar * local_name);
GST_F2F_API void gst_f2f_room_peer_joined (GstF2fRoom * room,
    const gchar * peer_id, const gchar * name);
GST_F2F_API void gst_f2f_room_peer_left (GstF2fRoom * room,
    const gchar * peer_id, const gchar * reason);
/* The topology plan the room adopted (NULL: none yet, the mesh). Set by
 * the transport (f2fsignal), read by anyone. */
GST_F2F_API void gst_f2f_room_set_plan (GstF2fRoom * room,
    const GstF2fPlan * plan);
GST_F2F_API GstF2fPlan *gst_f2f_room_dup_plan (GstF2fRoom * room);
GST_F2F_API void gst_f2f_room_set_leader (GstF2fRoom * room,
    const gchar * leader);
/* How long the transport's camera encoder takes per frame (ms of wall
 * clock, the mean over about a second, scaled to a 320×240 frame so that
 * peers with different cameras compare); < 0: unknown (nothing encoded
 * yet, or no camera). Set by the transport from a streaming thread, read
 * by anyone. */
GST_F2F_API void gst_f2f_room_set_encode_ms (GstF2fRoom * room, gdouble ms);
GST_F2F_API gdouble gst_f2f_room_get_encode_ms (GstF2fRoom * room);
/* The scores of the latest election this peer ran (f2felection's
 * f2f-election-result "scores": a GstValueList of "score" structures with
 * peer, value, eligible, measured, ...), for siblings that show them
 * (f2ftopology). Set by f2felection, read by anyone: copy_scores
 * initialises @scores to a copy, or returns FALSE before any election. */
GST_F2F_API void gst_f2f_room_set_scores (GstF2fRoom * room,
    const GValue * scores);
GST_F2F_API gboolean gst_f2f_room_copy_scores (GstF2fRoom * room,
    GValue * scores);
GST_F2F_API void gst_f2f_room_deliver (GstF2fRoom * room,
    const gchar * peer_id, const gchar * channel, GBytes * data);

/* GstContext helpers */
GST_F2F_API GstContext *gst_f2f_room_context_new (GstF2fRoom * room);
GST_F2F_API GstF2fRoom *gst_f2f_room_context_get_room (GstContext * context);
GST_F2F_API gboolean gst_f2f_room_ensure (GstElement * element,
    GstF2fRoom ** room);

G_END_DECLS
