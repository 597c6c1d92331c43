/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One link of f2fsignal: the webrtcbin that connects this peer to one
 * remote peer, its per-link RTP payloaders (fed from f2fsignal's shared
 * encoders), its data channels and its heartbeat. All transceivers are
 * negotiated once, sendrecv, at creation; nothing here ever renegotiates.
 */
#pragma once

#include <gst/gst.h>
#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API
#endif
#include <gst/webrtc/webrtc.h>
#include <gst/f2f/f2f.h>

G_BEGIN_DECLS

typedef struct _F2fPeerLink F2fPeerLink;

typedef enum
{
  F2F_LINK_NEW,
  F2F_LINK_CONNECTING,
  F2F_LINK_CONNECTED,
  F2F_LINK_FAILED,
} F2fLinkState;

typedef struct
{
  /* All but src_pad are called on the link's GMainContext thread. */
  void (*send_signal) (F2fPeerLink * link, GstF2fMessage * msg,
      gpointer user_data);
  void (*state_changed) (F2fPeerLink * link, F2fLinkState state,
      const gchar * why, gpointer user_data);
  void (*data) (F2fPeerLink * link, const gchar * channel, GBytes * data,
      gpointer user_data);
  /* Called on a streaming thread from webrtcbin's pad-added, when remote
   * media ("video" or "audio") arrives; link it before returning. */
  void (*src_pad) (F2fPeerLink * link, GstPad * pad, const gchar * media,
      gpointer user_data);
  /* Any thread, no lock held: the low threshold for channels of this
   * label (0: none), and the notice that one fell to it. */
  guint64 (*low_threshold) (F2fPeerLink * link, const gchar * channel,
      gpointer user_data);
  void (*channel_low) (F2fPeerLink * link, const gchar * channel,
      gpointer user_data);
  /* Any thread, no lock held: a channel of this label can carry data. */
  void (*channel_open) (F2fPeerLink * link, const gchar * channel,
      gpointer user_data);
  /* The data channel's thread, no lock held: data that arrived; TRUE when
   * taken here, FALSE to have it go to data() on the link's thread (the
   * order of everything that goes there is kept). NULL: all go there. */
  gboolean (*data_direct) (F2fPeerLink * link, const gchar * channel,
      GBytes * data, gpointer user_data);
} F2fPeerLinkCallbacks;

typedef struct
{
  const gchar *stun_server;
  const gchar *turn_server;
  const gchar *const *local_addresses;
  guint latency_ms;
  guint faststart_packets;      /* a jitterbuffer starts after this many
                                 * packets in a row, not the latency (0) */
  guint first_packet_wait_ms;   /* with faststart: how long a stream's first
                                 * packet may wait for its events to leave
                                 * the jitterbuffer (0: 10 ms) */
  guint ice_pacing_ms;          /* libnice's Ta between connectivity checks;
                                 * 0 keeps libnice's default (20 ms) */
  GstCaps *video_caps;          /* RTP caps of the video transceiver */
  GstCaps *audio_caps;          /* RTP caps of the audio transceiver */
  const gchar *video_payloader; /* element factory, e.g. rtpvp8pay */
  guint heartbeat_timeout_ms;
  GstWebRTCICETransportPolicy ice_transport_policy;
  guint lip_sync_max_delay_ms;  /* the most RTCP lip sync may delay a
                                 * received stream; 0: no lip sync */
  gboolean video_fec;           /* offer ULPFEC/RED on video (its overhead
                                 * starts at 0: f2fcongestion sets it) */
  const gchar *dtls_pem;        /* the DTLS certificate and key to present
                                 * (f2fdtlscert.h); NULL: webrtcbin's own */
  gboolean dtls_handshake_once; /* send each DTLS handshake datagram once,
                                 * as webrtcbin does; FALSE (f2f): twice,
                                 * see send_handshake_twice in the .c */
} F2fPeerLinkConfig;

F2fPeerLink *f2f_peer_link_new (GstBin * bin, const gchar * peer_id,
    const gchar * peer_name, gboolean offerer,
    const F2fPeerLinkConfig * config, const F2fPeerLinkCallbacks * callbacks,
    gpointer user_data);
F2fPeerLink *f2f_peer_link_ref (F2fPeerLink * link);
/* Any thread. The last reference hands the link to a reaper thread of its
 * own, which drops the webrtcbin: see "Where a link dies" in the .c. */
void f2f_peer_link_unref (F2fPeerLink * link);
/* Waits until every link whose last reference was dropped before the call
 * is freed, or @timeout_ms passed (then FALSE: a webrtcbin that does not
 * finish its finalization). Not on the reaper thread. */
gboolean f2f_peer_link_wait_reaped (guint timeout_ms);

const gchar *f2f_peer_link_get_peer_id (F2fPeerLink * link);
/* The link's round-trip time in ms as its congestion controller last read
 * it from the receiver reports (-1: none yet, or no longer valid). The
 * controller writes it; the receiver reads it to pace its keyframe
 * requests. Any thread. */
void f2f_peer_link_set_rtt (F2fPeerLink * link, gdouble rtt_ms);
gint f2f_peer_link_get_rtt (F2fPeerLink * link);
const gchar *f2f_peer_link_get_peer_name (F2fPeerLink * link);
gboolean f2f_peer_link_is_offerer (F2fPeerLink * link);
F2fLinkState f2f_peer_link_get_state (F2fPeerLink * link);
/* How long the link's setup took, ms from its making to: the remote
 * description set, ICE first connected, the link first connected (ICE
 * and DTLS); -1 where not yet. Any thread. */
void f2f_peer_link_get_setup_ms (F2fPeerLink * link, gint * description_ms,
    gint * ice_ms, gint * connected_ms);
GstElement *f2f_peer_link_get_webrtcbin (F2fPeerLink * link);
/* Calls @fn on every element inside @bin, however deep, with its
 * factory's name (NULL for an element made without one). If the bin
 * changes during the walk, the walk starts again after @restart (may be
 * NULL) has reset what @fn gathered so far. */
typedef void (*F2fElementFunc) (GstElement * element, const gchar * factory,
    gpointer data);
void f2f_bin_foreach_element (GstBin * bin, F2fElementFunc fn,
    void (*restart) (gpointer data), gpointer data);
/* The pads f2fsignal links its encoders' tees to: encoded video / audio. */
GstPad *f2f_peer_link_get_sink (F2fPeerLink * link, const gchar * media);

/* Whether the negotiation lets this link send @media ("video", "audio"):
 * its sender has a media section that sends. Meaningful once connected. */
gboolean f2f_peer_link_can_send (F2fPeerLink * link, const gchar * media);
/* Offerer: makes the control channel and sends the offer. */
void f2f_peer_link_start (F2fPeerLink * link);
/* An offer, answer or ice message from this peer. */
void f2f_peer_link_handle_signal (F2fPeerLink * link, GstF2fMessage * msg);
/* Any thread. FALSE when the channel cannot carry data now. */
gboolean f2f_peer_link_send (F2fPeerLink * link, const gchar * channel,
    GBytes * data);
/* Any thread. Bytes queued on the channel, -1 when it is not open. */
gint64 f2f_peer_link_buffered_amount (F2fPeerLink * link,
    const gchar * channel);
/* Sends a heartbeat naming @plan (the one we hold, may be NULL); returns
 * FALSE when nothing came from the peer for longer than the heartbeat
 * timeout (only once it had connected). */
gboolean f2f_peer_link_heartbeat (F2fPeerLink * link, gint64 now_us,
    const GstF2fPlan * plan);
/* Any thread. Heartbeats only when the control channel is otherwise
 * silent (or every 3 s): for a link so slow one way that its delay
 * feedback is spaced out (f2fcongestion). */
void f2f_peer_link_thin_heartbeats (F2fPeerLink * link, gboolean thin);
/* Any thread. The plan the peer's latest heartbeat named: FALSE when no
 * heartbeat came yet; else @epoch and @proposer (NULL: it holds none;
 * free it). */
gboolean f2f_peer_link_heard_plan (F2fPeerLink * link, guint64 * epoch,
    gchar ** proposer);
/* Asks webrtcbin for its statistics (waits up to 2 s: a request made
 * while the link goes down may never be answered). Any thread but a
 * streaming one. */
gboolean f2f_peer_link_sample (F2fPeerLink * link, GstF2fLinkSample * sample);
/* webrtcbin's whole get-stats reply (a copy), waited for as above; NULL
 * when there is none. */
GstStructure *f2f_peer_link_get_stats (F2fPeerLink * link);
/* Any thread: stops (@paused) or lets this side ask the peer to send
 * lost video packets again (NACK, where the descriptions agreed it).
 * Paused from the start; f2fcongestion lets it while the link shows loss
 * without a standing queue. */
void f2f_peer_link_pause_nack (F2fPeerLink * link, gboolean paused);
/* Any thread: the link failed for a reason found outside it (an error
 * message from one of its elements). Reported like an ICE failure. */
void f2f_peer_link_fail (F2fPeerLink * link, const gchar * why);
/* Any thread: whether @element is one of the link's own elements (its
 * webrtcbin, payloaders and their queues). */
gboolean f2f_peer_link_owns (F2fPeerLink * link, GstElement * element);
/* Private thread: where the link's negotiation and connection are, for a
 * person reading why a link was given up (webrtcbin's states). */
gchar *f2f_peer_link_describe (F2fPeerLink * link);
/* Private thread: brings the link's elements up to f2fsignal's state if a
 * state change of the pipeline crossed their making and left them behind;
 * TRUE if any was. */
gboolean f2f_peer_link_catch_up_state (F2fPeerLink * link);
/* Takes the link's elements out of the bin, on the calling thread. */
void f2f_peer_link_destroy (F2fPeerLink * link);

G_END_DECLS
