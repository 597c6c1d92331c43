/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A foreign peer for the multi-process tests: a plain webrtcbin in the test
 * process that speaks f2f's signaling protocol the way a browser does, with
 * its own payload types. It joins a room and offers to one peer (the
 * newcomer offers); it sends a test pattern and a tone, and counts what it
 * receives. It runs on the test's default main context.
 */
#pragma once

#include <gst/gst.h>
#include "f2froomtest.h"

G_BEGIN_DECLS

typedef struct _WebrtcPeer WebrtcPeer;

typedef struct
{
  guint video_pt;               /* e.g. 96 */
  guint audio_pt;               /* Chromium's Opus: 111 */
  const gchar *audio_codec;     /* "OPUS" (NULL) or "PCMU" */
} WebrtcPeerConfig;

/* Joins @room on @server as @name; returns once welcomed (fails the test
 * otherwise). */
WebrtcPeer *webrtc_peer_join (TestServer * server, const gchar * room,
    const gchar * name, const WebrtcPeerConfig * config);
/* The first (oldest) peer its welcome listed, or NULL. */
const gchar *webrtc_peer_get_present (WebrtcPeer * peer);
/* Offers to @peer_id, which must be in the room. */
void webrtc_peer_offer (WebrtcPeer * peer, const gchar * peer_id);
/* The SDP answer it got, or NULL. */
const gchar *webrtc_peer_get_answer (WebrtcPeer * peer);
/* Its peer id. */
const gchar *webrtc_peer_get_id (WebrtcPeer * peer);
/* RTP packets of @media ("video", "audio") it received. */
guint64 webrtc_peer_get_received (WebrtcPeer * peer, const gchar * media);
/* Offers it received from anyone (it answers none). */
guint webrtc_peer_get_offers (WebrtcPeer * peer);
/* TRUE once the connection to the peer offered to is connected. */
gboolean webrtc_peer_connected (WebrtcPeer * peer);
/* Leaves the room and frees everything. */
void webrtc_peer_free (WebrtcPeer * peer);
/* Sends the peer it offered to an ICE candidate that is not one (which
 * fails that peer's link at once), then closes its signaling connection:
 * a link that breaks a few ms before the server says its peer left, as
 * when a browser tab's connections end before its leave arrives. */
void webrtc_peer_break_then_leave (WebrtcPeer * peer);

G_END_DECLS
