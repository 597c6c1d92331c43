/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The signaling wire protocol shared by f2fsignal and f2f-signaling-server:
 * typed messages, and their JSON form. Nothing outside this module reads or
 * writes the JSON. See docs/protocol.md.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>

G_BEGIN_DECLS

/* The protocol version a peer states in its join message. */
#define GST_F2F_PROTOCOL_VERSION 1

/* The largest frame either side sends or accepts, in bytes. */
#define GST_F2F_MAX_FRAME_SIZE 65536

/* Limits enforced by gst_f2f_message_parse() and the constructors. */
#define GST_F2F_MAX_ID_LENGTH 64          /* bytes, peer and room ids */
#define GST_F2F_MAX_NAME_LENGTH 64        /* characters, display names */
#define GST_F2F_MAX_PASSWORD_LENGTH 256   /* bytes */
#define GST_F2F_MAX_SDP_LENGTH 60000      /* bytes */
#define GST_F2F_MAX_CANDIDATE_LENGTH 1024 /* bytes */
#define GST_F2F_MAX_PAYLOAD_LENGTH 60000  /* bytes */
#define GST_F2F_MAX_ERROR_TEXT_LENGTH 1024 /* bytes */
#define GST_F2F_MAX_JSON_DEPTH 16

/**
 * GstF2fMessageType:
 *
 * The `type` of a signaling frame. The nick of each value is its wire name.
 */
typedef enum
{
  GST_F2F_MESSAGE_JOIN,
  GST_F2F_MESSAGE_WELCOME,
  GST_F2F_MESSAGE_ERROR,
  GST_F2F_MESSAGE_PEER_JOINED,
  GST_F2F_MESSAGE_PEER_LEFT,
  GST_F2F_MESSAGE_LEADER_CHANGED,
  GST_F2F_MESSAGE_OFFER,
  GST_F2F_MESSAGE_ANSWER,
  GST_F2F_MESSAGE_ICE,
  GST_F2F_MESSAGE_APP,
  GST_F2F_MESSAGE_PING,
  GST_F2F_MESSAGE_PONG,
  GST_F2F_MESSAGE_LEAVE,
} GstF2fMessageType;

/**
 * GstF2fErrorCode:
 *
 * Error codes carried by `error` frames, and the codes of
 * %GST_F2F_PROTOCOL_ERROR GErrors. The nick of each value is its wire name.
 */
typedef enum
{
  GST_F2F_ERROR_CODE_BAD_REQUEST,
  GST_F2F_ERROR_CODE_UNSUPPORTED_VERSION,
  GST_F2F_ERROR_CODE_WRONG_PASSWORD,
  GST_F2F_ERROR_CODE_ROOM_FULL,
  GST_F2F_ERROR_CODE_RATE_LIMITED,
  GST_F2F_ERROR_CODE_NOT_JOINED,
  GST_F2F_ERROR_CODE_ALREADY_JOINED,
  GST_F2F_ERROR_CODE_UNKNOWN_PEER,
  GST_F2F_ERROR_CODE_INTERNAL,
} GstF2fErrorCode;

/**
 * GstF2fLeaveReason:
 *
 * Why a peer left a room (`peer-left` frames).
 */
typedef enum
{
  GST_F2F_LEAVE_REASON_LEFT,
  GST_F2F_LEAVE_REASON_DROPPED,
  GST_F2F_LEAVE_REASON_TIMED_OUT,
  GST_F2F_LEAVE_REASON_TOO_SLOW,
} GstF2fLeaveReason;

/**
 * GstF2fDirection:
 *
 * Which way a frame travels; it decides which types and fields are valid.
 */
typedef enum
{
  GST_F2F_DIRECTION_TO_SERVER,
  GST_F2F_DIRECTION_TO_CLIENT,
} GstF2fDirection;

#define GST_F2F_PROTOCOL_ERROR (gst_f2f_protocol_error_quark ())
GST_F2F_API GQuark gst_f2f_protocol_error_quark (void);

typedef struct _GstF2fPeerInfo GstF2fPeerInfo;
typedef struct _GstF2fMessage GstF2fMessage;

/**
 * GstF2fPeerInfo:
 * @id: the peer id the server gave the peer
 * @name: its display name
 * @order: its join order in the room; the smallest present order leads
 */
struct _GstF2fPeerInfo
{
  gchar *id;
  gchar *name;
  guint64 order;
};

/**
 * GstF2fMessage:
 *
 * One signaling frame, parsed and validated. Which fields are set depends on
 * @type (docs/protocol.md has the table); the others are %NULL or 0.
 */
struct _GstF2fMessage
{
  GstF2fMessageType type;

  guint version;                /* join */
  gchar *room;                  /* join, welcome */
  gchar *name;                  /* join */
  gchar *password;              /* join, optional */
  gchar *peer_id;               /* join: id asked for (optional);
                                 * welcome: the id given;
                                 * peer-left: who left */
  GPtrArray *peers;             /* welcome: GstF2fPeerInfo, oldest first */
  GstF2fPeerInfo *peer;         /* peer-joined */
  gchar *leader;                /* welcome, leader-changed */
  gboolean protected;           /* welcome: the room has a password */
  guint idle_timeout;           /* welcome: seconds of silence that time
                                 * a peer out; ping more often than that */
  gboolean rejoined;            /* welcome: the id asked for was given back,
                                 * and the room had been told it left: the
                                 * others dropped their links to it and wait
                                 * for its offers */

  GstF2fErrorCode code;         /* error */
  gchar *text;                  /* error: for a person */

  GstF2fLeaveReason reason;     /* peer-left */

  gchar *to;                    /* offer, answer, ice, app (to the server) */
  gchar *from;                  /* offer, answer, ice, app (to a client) */
  gchar *sdp;                   /* offer, answer */
  gchar *candidate;             /* ice: "" means end of candidates */
  gchar *sdp_mid;               /* ice, optional */
  guint mline_index;            /* ice */
  gchar *payload;               /* app: opaque text */
};

GST_F2F_API GType gst_f2f_message_get_type (void);
#define GST_F2F_TYPE_MESSAGE (gst_f2f_message_get_type ())

GST_F2F_API GstF2fMessage *gst_f2f_message_new (GstF2fMessageType type);
GST_F2F_API GstF2fMessage *gst_f2f_message_copy (const GstF2fMessage * msg);
GST_F2F_API void gst_f2f_message_free (GstF2fMessage * msg);

GST_F2F_API GstF2fMessage *gst_f2f_message_new_join (const gchar * room,
    const gchar * name, const gchar * password, const gchar * peer_id);
GST_F2F_API GstF2fMessage *gst_f2f_message_new_error (GstF2fErrorCode code,
    const gchar * text);
GST_F2F_API GstF2fMessage *gst_f2f_message_new_peer_left (const gchar * peer_id,
    GstF2fLeaveReason reason);
GST_F2F_API GstF2fMessage *gst_f2f_message_new_leader_changed (const gchar *
    leader);
GST_F2F_API GstF2fMessage *gst_f2f_message_new_sdp (GstF2fMessageType type,
    const gchar * peer, const gchar * sdp);
GST_F2F_API GstF2fMessage *gst_f2f_message_new_ice (const gchar * peer,
    guint mline_index, const gchar * candidate);
GST_F2F_API GstF2fMessage *gst_f2f_message_new_app (const gchar * peer,
    const gchar * payload);

GST_F2F_API gboolean gst_f2f_message_is_relay (const GstF2fMessage * msg);

GST_F2F_API GstF2fMessage *gst_f2f_message_parse (const gchar * data,
    gsize length, GstF2fDirection direction, GError ** error);
GST_F2F_API gchar *gst_f2f_message_serialize (const GstF2fMessage * msg);

GST_F2F_API const gchar *gst_f2f_message_type_to_string (GstF2fMessageType type);
GST_F2F_API const gchar *gst_f2f_error_code_to_string (GstF2fErrorCode code);
GST_F2F_API const gchar *gst_f2f_leave_reason_to_string (GstF2fLeaveReason
    reason);

GST_F2F_API gboolean gst_f2f_is_valid_peer_id (const gchar * id);
GST_F2F_API gboolean gst_f2f_is_valid_room_id (const gchar * room);
GST_F2F_API gboolean gst_f2f_is_valid_name (const gchar * name);
GST_F2F_API gboolean gst_f2f_ice_candidate_check (const gchar * candidate,
    gchar ** why);

GST_F2F_API GstF2fPeerInfo *gst_f2f_peer_info_new (const gchar * id,
    const gchar * name, guint64 order);
GST_F2F_API void gst_f2f_peer_info_free (GstF2fPeerInfo * info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fMessage, gst_f2f_message_free);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fPeerInfo, gst_f2f_peer_info_free);

G_END_DECLS
