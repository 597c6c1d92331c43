/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-f2fsignal
 * @title: f2fsignal
 * @short_description: join an f2f conference room from a pipeline
 *
 * f2fsignal joins a room on an f2f-signaling-server and connects to every
 * other peer of the room with its own webrtcbin. The local camera and
 * microphone (the `video_sink` and `audio_sink` request pads) are encoded
 * once and sent to every peer; what the peers send is decoded and composited
 * into the room view (`video_src`, `audio_src`, through f2fcompositor), or,
 * with `room-view=per-peer`, exposed as one pad per peer and media. Chat
 * travels over each link's data channel and comes out of `text_src`.
 *
 * Who offers to whom is fixed by the protocol (the later joiner offers), so
 * peers that join at once never glare. Every link negotiates video and
 * audio once, send and receive, whether or not this peer has a camera or a
 * microphone; nothing is ever renegotiated.
 *
 * ## Pads
 *
 * * `video_sink` (request): raw video to send; encoded once (VP8, or H.264
 *   with `video-codec=h264`).
 * * `audio_sink` (request): raw audio to send; encoded once (Opus, 20 ms
 *   frames, in-band FEC).
 * * `video_src`, `audio_src` (always): the room view — every remote peer's
 *   video in a grid, everyone's audio mixed. Unlinked, they drop their data.
 * * `text_src` (always): chat, as text/x-raw "Name: text" buffers; overlay
 *   it with `textoverlay wait-text=false`. Unlinked, it drops its data.
 * * `video_src_<peer-id>`, `audio_src_<peer-id>` (sometimes, with
 *   `room-view=per-peer`): one peer's decoded video or audio.
 *
 * ## Messages (element messages on the bus; `gst-launch-1.0 -m` shows them)
 *
 * * `f2f-joined`: `room` (string), `peer-id` (string), `leader` (string),
 *   `peers` (guint, remote peers present).
 * * `f2f-peer-joined`: `peer-id`, `name` (strings).
 * * `f2f-peer-left`: `peer-id`, `reason` (strings: left, dropped, too-slow,
 *   timed-out).
 * * `f2f-leader-changed`: `leader` (string).
 * * `f2f-link-state`: `peer-id`, `state` (strings: connecting, connected,
 *   failed), `reason` (string, with failed); with connected, where the
 *   link's setup went: `description-ms`, `ice-ms`, `setup-ms` (gint, ms
 *   from the link's making to its remote description set, ICE first
 *   connected and the link connected, ICE and DTLS; -1: not reached).
 * * `f2f-media`: `peer-id`, `media` ("video" or "audio"): the first frame
 *   from that peer was decoded.
 * * `f2f-peer-stats` (every #GstF2fSignal:stats-interval): `peer-id`
 *   (string), `state` (string), `video-frames`, `audio-frames` (guint64,
 *   decoded so far), `audio-delay` (gint, ms: how old the peer's latest
 *   decoded audio was as it left the decoder; a room view mixes sound at
 *   most its latency old, so a figure that stays above that means the peer
 *   is decoded but not heard), `key-requests-repeated` (guint: keyframe
 *   requests for the peer's video made again, as PLIs, because no keyframe
 *   came within 500 ms and two round trips of the link (at most a second)
 *   of the latest — a request or its answer lost),
 *   `negotiations` (guint64, offers and answers sent to that peer so far:
 *   one per link made; a topology change makes none).
 * * `f2f-link-bitrate` (at each new receiver report of a link, and at least
 *   once a second without one): `peer-id` (string), `estimate` (guint, kbit/s the link may
 *   carry on the wire, audio and RTCP included), `target` (guint, the shared video encoder's
 *   kbit/s), `sent` (guint, kbit/s sent on the link, RTP payload and
 *   headers),
 *   `loss` (gdouble, fraction lost: the worse of the latest receiver
 *   report's and the peer's own count of the last second), `rtt` (gdouble,
 *   ms; negative when unknown, or when the report's cannot be real:
 *   gst_f2f_bitrate_report_rtt), `action` (string: increase, hold,
 *   decrease-loss, decrease-delay), `key-requests-sent`,
 *   `key-requests-received` (guint: keyframe requests, RTCP PLI or FIR,
 *   this side sent for the peer's video, and PLIs got for its own: 1.22's
 *   rtpsession does not count received FIRs), `rtx-packets` (guint,
 *   retransmissions sent on the link so far), `encoder-key-requests`,
 *   `encoder-keyframes` (guint: keyframe requests that reached the shared
 *   video encoder from all links, and keyframes it made, so far), `wire`
 *   (guint, kbit/s the link's webrtcbin gave its ICE transport, UDP/IP/
 *   Ethernet headers included: what the law calls sent), `wire-rtp`,
 *   `wire-rtcp`, `wire-other` (guint, kbit/s of it: RTP with
 *   retransmissions, RTCP, DTLS), `wire-rtp-pps`, `wire-rtcp-pps`
 *   (gdouble, packets a second), `video-sent` (guint, kbit/s of video RTP
 *   with headers), `overhead` (guint, kbit/s the link sends besides
 *   video), `opus-loss-percentage` (guint, the packet-loss-percentage this
 *   peer's Opus encoder was last given: the worst of its links' loss),
 *   `capacity` (guint, kbit/s the link carried when a queue last stood; 0:
 *   not known), `feedback-age` (gint64, ms since the peer's latest delay
 *   feedback came; -1: none yet, e.g. a browser's link), `video-suspended`
 *   (gboolean: the link is sent no video, its
 *   capacity being under what the least video and the voice need; tried
 *   again after 10-20 s), `picture` (string: full, half-size or
 *   half-rate, how the camera's picture is sent for the video target).
 * * `f2f-link-limited`: `peer-id` (string), `limited` (gboolean): the link
 *   to that peer became far weaker than the others (below half their
 *   median estimate; it then sets everyone's video bitrate), or stopped
 *   being so; with `limited`, `estimate` and `others` (guint, kbit/s).
 * * `f2f-chat`: `peer-id`, `name`, `text` (strings), `time` (gint64, the
 *   sender's clock, ms since 1970).
 * * `f2f-signaling`: `state` (string: lost, reconnected), `reason`.
 * * `f2f-topology-changed`: `epoch` (guint64), `proposer` (string),
 *   `mixers` (string, ids separated by commas; empty for the mesh), `plan`
 *   (string, the plan's JSON form): the room adopted a topology plan.
 * * `f2f-role-changed`: `old-role`, `new-role` (strings: mesh, mixer,
 *   client), `mixer` (string, this peer's mixer as a client, else empty):
 *   this peer's role moved, by a new plan or because a mixer left (its
 *   clients go to the plan's other mixers; with none left, the mesh).
 *
 * Errors: a wrong password ends with "wrong password for room '…'"; an
 * unreachable server, after #GstF2fSignal:connect-timeout, with "Could not
 * reach the signaling server …".
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m f2fsignal name=room server-uri=ws://127.0.0.1:8443/ws room=demo display-name=Ann \
 *     videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 ! room.video_sink \
 *     audiotestsrc is-live=true wave=ticks ! room.audio_sink \
 *     room.video_src ! queue ! videoconvert ! autovideosink \
 *     room.audio_src ! queue ! audioconvert ! autoaudiosink
 * ]| Joins room "demo" with a test pattern and ticks, and shows the room.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include "gstf2fsignal.h"
#include "gstf2felements.h"
#include "f2fsignalconn.h"
#include "f2frouter.h"
#include "f2freceiver.h"
#include "f2fcongestion.h"
#include "f2fpeerlink.h"
#include "f2fworker.h"
#include "f2fencode.h"
#include "f2fmixer.h"
#include "f2fdtlscert.h"

GST_DEBUG_CATEGORY (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

typedef enum
{
  GST_F2F_LATENCY_LAN,
  GST_F2F_LATENCY_WAN,
} GstF2fLatencyProfile;

typedef enum
{
  GST_F2F_VIDEO_CODEC_VP8,
  GST_F2F_VIDEO_CODEC_H264,
} GstF2fVideoCodec;

typedef enum
{
  GST_F2F_ROOM_VIEW_COMPOSITE,
  GST_F2F_ROOM_VIEW_PER_PEER,
} GstF2fRoomView;

#define GST_TYPE_F2F_LATENCY_PROFILE (gst_f2f_latency_profile_get_type ())
static GType
gst_f2f_latency_profile_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_F2F_LATENCY_LAN, "LAN: 40 ms jitterbuffer, streams start with their "
          "first packet, ICE checks every 5 ms", "lan"},
    {GST_F2F_LATENCY_WAN, "WAN: 200 ms jitterbuffer for lossy, jittery "
          "paths, ICE checks every 20 ms", "wan"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstF2fLatencyProfile",
            values));
  return type;
}

#define GST_TYPE_F2F_VIDEO_CODEC (gst_f2f_video_codec_get_type ())
static GType
gst_f2f_video_codec_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_F2F_VIDEO_CODEC_VP8, "VP8", "vp8"},
    {GST_F2F_VIDEO_CODEC_H264, "H.264 (needs x264enc and a decoder)", "h264"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstF2fVideoCodec",
            values));
  return type;
}

#define GST_TYPE_F2F_DTLS_KEY (gst_f2f_dtls_key_get_type ())
static GType
gst_f2f_dtls_key_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {F2F_DTLS_KEY_ECDSA_P256, "ECDSA P-256 (a handshake of 11 datagrams "
          "instead of 17)", "ecdsa-p256"},
    {F2F_DTLS_KEY_RSA_2048, "RSA 2048 (webrtcbin's own)", "rsa-2048"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstF2fDtlsKey",
            values));
  return type;
}

#define GST_TYPE_F2F_ROOM_VIEW (gst_f2f_room_view_get_type ())
static GType
gst_f2f_room_view_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_F2F_ROOM_VIEW_COMPOSITE, "One composited video and one audio mix",
        "composite"},
    {GST_F2F_ROOM_VIEW_PER_PEER, "A video and an audio pad per remote peer",
        "per-peer"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstF2fRoomView",
            values));
  return type;
}

#define DEFAULT_SERVER_URI "ws://127.0.0.1:8443/ws"
#define DEFAULT_ROOM NULL
#define DEFAULT_NAME NULL
#define DEFAULT_STUN_SERVER NULL
#define DEFAULT_TURN_SERVER NULL
#define DEFAULT_LATENCY_PROFILE GST_F2F_LATENCY_LAN
#define DEFAULT_VIDEO_CODEC GST_F2F_VIDEO_CODEC_VP8
#define DEFAULT_MAX_BITRATE 800
#define DEFAULT_ROOM_VIEW GST_F2F_ROOM_VIEW_COMPOSITE
#define DEFAULT_LOCAL_ADDRESSES NULL
#define DEFAULT_CONNECT_TIMEOUT 10000
#define DEFAULT_HEARTBEAT_TIMEOUT 5000
#define DEFAULT_LIP_SYNC_MAX_DELAY 0
/* READY→NULL waits this long for the links' webrtcbins to be freed */
#define REAP_TIMEOUT_MS 5000
#define DEFAULT_LINK_TIMEOUT 10000
/* A link that keeps failing to connect is retried less and less often:
 * after n such failures in a row, it gets link-timeout × 2^MIN (n, this). */
#define LINK_TIMEOUT_MAX_DOUBLINGS 3
#define DEFAULT_STATS_INTERVAL 0
#define DEFAULT_CONGESTION_CONTROL TRUE
#define DEFAULT_VIDEO_FEC FALSE
#define DEFAULT_DTLS_KEY F2F_DTLS_KEY_ECDSA_P256
#define DEFAULT_MIN_BITRATE 30

enum
{
  PROP_0,
  PROP_SERVER_URI,
  PROP_ROOM,
  PROP_PASSWORD,
  PROP_DISPLAY_NAME,
  PROP_PEER_ID,
  PROP_STUN_SERVER,
  PROP_TURN_SERVER,
  PROP_LATENCY_PROFILE,
  PROP_VIDEO_CODEC,
  PROP_MAX_BITRATE,
  PROP_ROOM_VIEW,
  PROP_LOCAL_ADDRESSES,
  PROP_CONNECT_TIMEOUT,
  PROP_HEARTBEAT_TIMEOUT,
  PROP_LIP_SYNC_MAX_DELAY,
  PROP_LINK_TIMEOUT,
  PROP_STATS_INTERVAL,
  PROP_ICE_TRANSPORT_POLICY,
  PROP_TLS_CA_FILE,
  PROP_CONGESTION_CONTROL,
  PROP_VIDEO_FEC,
  PROP_DTLS_KEY,
  PROP_MIN_BITRATE,
  PROP_MIXER,
  PROP_MIXERS,
};

enum
{
  SIGNAL_SEND_CHAT,
  SIGNAL_CHAT_RECEIVED,
  SIGNAL_PROPOSE_TOPOLOGY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GstStaticPadTemplate video_sink_template =
GST_STATIC_PAD_TEMPLATE ("video_sink", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate audio_sink_template =
GST_STATIC_PAD_TEMPLATE ("audio_sink", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("audio/x-raw"));
static GstStaticPadTemplate video_src_template =
GST_STATIC_PAD_TEMPLATE ("video_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate audio_src_template =
GST_STATIC_PAD_TEMPLATE ("audio_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw"));
static GstStaticPadTemplate text_src_template =
GST_STATIC_PAD_TEMPLATE ("text_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format=(string)utf8"));
static GstStaticPadTemplate peer_video_src_template =
GST_STATIC_PAD_TEMPLATE ("video_src_%s", GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate peer_audio_src_template =
GST_STATIC_PAD_TEMPLATE ("audio_src_%s", GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("audio/x-raw"));

/* One remote peer as f2fsignal knows it: its link and what it decodes. */
typedef struct
{
  gchar *peer_id;
  gchar *name;
  F2fPeerLink *link;            /* NULL between a failure and the rebuild */
  /* Private thread only: when the current link was made, and how many
   * links to this peer in a row never connected. */
  gint64 link_started_us;
  guint64 negotiations;         /* protected by self->lock: offers and
                                 * answers we sent this peer */
  /* Private thread only: what apply_routes last gave its link and its
   * streams (a new peer: the camera, into the view). */
  GstF2fFeed fed;
  guint outputs;
  guint setup_failures;
} Peer;

struct _GstF2fSignal
{
  GstBin parent;

  /* Properties: protected by the object lock. */
  gchar *server_uri;
  gchar *room_id;
  gchar *password;
  gchar *name;
  gchar *peer_id;
  gchar *stun_server;
  gchar *turn_server;
  GstF2fLatencyProfile latency_profile;
  GstF2fVideoCodec video_codec;
  guint max_bitrate;
  guint min_bitrate;
  gboolean congestion_control;
  gboolean video_fec;
  F2fDtlsKey dtls_key;
  GstF2fRoomView room_view;
  gchar *local_addresses;
  guint connect_timeout;
  guint heartbeat_timeout;
  guint lip_sync_max_delay;
  guint link_timeout;
  guint stats_interval;
  GstWebRTCICETransportPolicy ice_transport_policy;
  gchar *tls_ca_file;
  gboolean want_mixer;
  gchar *want_mixers;
  guint64 wish_epoch;           /* private thread: epoch of our last wish */
  gboolean unmixed;             /* private thread: below PLAYING, no mixing */

  /* Read from tls-ca-file at NULL→READY, dropped at READY→NULL. */
  GTlsDatabase *tls_database;

  /* The private thread (NULL→READY until READY→NULL), and its context. */
  F2fWorker *worker;
  GMainContext *context;

  /* Private thread only. */
  F2fSignalConn *conn;
  gboolean joined;
  guint link_timeout_ms;        /* link-timeout, as at READY→PAUSED */
  GSource *heartbeat_source;
  gint64 last_heartbeat_us;     /* when heartbeat_cb last ran */
  GSource *stats_source;
  GSource *settle_source;       /* a topology change settling (apply_routes) */
  F2fPeerLinkConfig link_config;
  gchar **link_addresses;
  gchar *link_stun, *link_turn;
  GstF2fRoomView view_mode;
  GstF2fPlan *plan;             /* the topology plan adopted, or NULL */
  GstF2fPlanRole role;          /* ours in it, against the peers present */
  gchar *role_mixer;            /* our mixer, as a client */
  gboolean warned_per_peer;     /* said once that per-peer views cannot mix */
  /* Fault injection for tests (F2F_TEST_IGNORE_PLANS_MS): plan messages
   * are ignored for that long from the first one, as if lost, so that a
   * test can show the heartbeats healing a missed plan. */
  gint64 ignore_plans_ms, ignore_plans_until_us;

  /* Lock order: self->lock, then a link's lock, then pad and object locks.
   * Protected by self->lock: */
  GMutex lock;
  GHashTable *peers;            /* id → Peer*; members and their links */
  GstElement *video_tee;        /* encoded local video, or NULL */
  GstElement *audio_tee;        /* encoded local audio, or NULL */

  /* Made in init, never replaced; each has its own lock (after ours).
   * What each link sends, and what it receives. */
  F2fRouter *router;
  F2fReceiver *receiver;
  /* Bitrate and loss resilience (f2fcongestion.h); its own thread. */
  F2fCongestion *congestion;
  F2fMixer *mixer;              /* what we make as a mixer, or NULL */

  /* Made in init, never replaced. */
  GstElement *view;             /* f2fcompositor, or NULL if missing */
  GstPad *view_minus;           /* its mix of everyone but us: audio_src */
  GstElement *text_appsrc;
  GstF2fRoom *room;
  gint ended;                   /* atomic: outputs ended (EOS) */
  guint inputs_ended;           /* protected by lock: sink pads at EOS */
};

/* How long a topology change keeps the old routes next to the new ones
 * (apply_routes): a mixer's new mix takes its compositor's latency
 * (100 ms) plus an encoder and a hop to carry a voice that went straight
 * before. */
#define SETTLE_MS 300

#define SIGNAL_LOCK(s) g_mutex_lock (&(s)->lock)
#define SIGNAL_UNLOCK(s) g_mutex_unlock (&(s)->lock)

#define gst_f2f_signal_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstF2fSignal, gst_f2f_signal, GST_TYPE_BIN,
    GST_DEBUG_CATEGORY_INIT (gst_f2f_signal_debug, "f2fsignal", 0,
        "f2f room signaling and peer links"));
GST_ELEMENT_REGISTER_DEFINE (f2fsignal, "f2fsignal", GST_RANK_NONE,
    GST_TYPE_F2F_SIGNAL);

/* ---------------------------------------------------------------------- */
/* The private thread (f2fworker.h) */

/* A timeout on the private thread's context. */
static GSource *
add_timeout (GstF2fSignal * self, guint ms, GSourceFunc func)
{
  return f2f_context_add_timeout (self->context, ms, func, self);
}

/* ---------------------------------------------------------------------- */
/* Bus messages */

static void
post_element_message (GstF2fSignal * self, GstStructure * s)
{
  gst_element_post_message (GST_ELEMENT_CAST (self),
      gst_message_new_element (GST_OBJECT_CAST (self), s));
}

static const gchar *
link_state_name (F2fLinkState state)
{
  switch (state) {
    case F2F_LINK_NEW:
      return "new";
    case F2F_LINK_CONNECTING:
      return "connecting";
    case F2F_LINK_CONNECTED:
      return "connected";
    case F2F_LINK_FAILED:
    default:
      return "failed";
  }
}

/* ---------------------------------------------------------------------- */
/* Peers */

static Peer *
peer_new (const gchar * id, const gchar * name)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->peer_id = g_strdup (id);
  peer->name = g_strdup (name);
  peer->fed = GST_F2F_FEED_CAMERA;
  peer->outputs = F2F_RECEIVER_TO_VIEW;
  return peer;
}

static void
peer_free (Peer * peer)
{
  g_free (peer->peer_id);
  g_free (peer->name);
  if (peer->link)
    f2f_peer_link_unref (peer->link);
  g_free (peer);
}

/* Takes a peer's link and decode branches out of the pipeline. Private
 * thread, or the state change thread once the private thread is idle. */
static void
peer_teardown (GstF2fSignal * self, Peer * peer)
{
  F2fPeerLink *link;
  F2fBranches *branches;

  SIGNAL_LOCK (self);
  link = peer->link;
  peer->link = NULL;
  SIGNAL_UNLOCK (self);

  branches = f2f_receiver_detach (self->receiver, peer->peer_id);
  if (link) {
    f2f_router_remove_link (self->router, link);
    f2f_peer_link_destroy (link);
    f2f_peer_link_unref (link);
  }
  /* after the link: its webrtcbin no longer pushes into them */
  f2f_receiver_drop_branches (self->receiver, branches);
}

static void update_role (GstF2fSignal * self);
static void propose_wish (GstF2fSignal * self);
static gboolean propose_wish_cb (gpointer data);
static void set_role (GstF2fSignal * self);
static void apply_routes (GstF2fSignal * self);
static void start_settling (GstF2fSignal * self);
static gboolean adopt_plan (GstF2fSignal * self, const GstF2fPlan * plan);
static void send_plan_to_all (GstF2fSignal * self, const GstF2fPlan * plan);
static void link_send_signal (F2fPeerLink * link, GstF2fMessage * msg,
    gpointer user_data);
static void link_state_changed (F2fPeerLink * link, F2fLinkState state,
    const gchar * why, gpointer user_data);
static void link_data (F2fPeerLink * link, const gchar * channel,
    GBytes * data, gpointer user_data);
static void link_src_pad (F2fPeerLink * link, GstPad * pad,
    const gchar * media, gpointer user_data);
static guint64 link_low_threshold (F2fPeerLink * link, const gchar * channel,
    gpointer user_data);
static void link_channel_low (F2fPeerLink * link, const gchar * channel,
    gpointer user_data);
static void link_channel_open (F2fPeerLink * link, const gchar * channel,
    gpointer user_data);
static gboolean link_data_direct (F2fPeerLink * link, const gchar * channel,
    GBytes * data, gpointer user_data);

static const F2fPeerLinkCallbacks link_callbacks = {
  link_send_signal, link_state_changed, link_data, link_src_pad,
  link_low_threshold, link_channel_low, link_channel_open, link_data_direct
};

/* Makes a new link to @peer (private thread). */
static void
peer_connect (GstF2fSignal * self, Peer * peer, gboolean offerer)
{
  F2fPeerLink *link;

  link = f2f_peer_link_new (GST_BIN_CAST (self), peer->peer_id, peer->name,
      offerer, &self->link_config, &link_callbacks, self);
  if (link == NULL) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("Could not make a WebRTC link: is gst-plugins-bad's webrtcbin "
            "installed?"), ("f2f_peer_link_new failed for %s",
            peer->peer_id));
    return;
  }
  /* The encoders feed the link once it is connected (link_state_changed):
   * a webrtcbin that has not negotiated yet refuses buffers, and the tee
   * would pass that refusal up and stop the encoder for every peer. */
  SIGNAL_LOCK (self);
  peer->link = link;
  SIGNAL_UNLOCK (self);
  f2f_receiver_set_link (self->receiver, peer->peer_id, peer->name, link);
  peer->link_started_us = g_get_monotonic_time ();
  peer->fed = GST_F2F_FEED_CAMERA;      /* a new route follows the camera */
  /* the new link carries what the plan says, from its first frame */
  apply_routes (self);

  GST_INFO_OBJECT (self, "linking to %s (%s), we %s", peer->peer_id,
      peer->name, offerer ? "offer" : "answer");
  if (offerer)
    f2f_peer_link_start (link);
}

static Peer *
find_peer_by_link (GstF2fSignal * self, F2fPeerLink * link)
{
  Peer *peer;

  SIGNAL_LOCK (self);
  peer = g_hash_table_lookup (self->peers, f2f_peer_link_get_peer_id (link));
  if (peer && peer->link != link)
    peer = NULL;
  SIGNAL_UNLOCK (self);
  return peer;
}

/* Private thread: forget a peer that left the room. */
static void
remove_peer (GstF2fSignal * self, const gchar * peer_id, const gchar * reason)
{
  Peer *peer;

  SIGNAL_LOCK (self);
  peer = g_hash_table_lookup (self->peers, peer_id);
  if (peer)
    g_hash_table_steal (self->peers, peer_id);
  SIGNAL_UNLOCK (self);
  if (peer == NULL)
    return;

  GST_INFO_OBJECT (self, "%s left (%s)", peer_id, reason);
  /* The room hears it first: a mixer that left starts the election at the
   * leader (f2felection), and re-routing below takes seconds in a big room
   * on a busy machine (each branch waits for its stream to go idle: 1.4 s
   * at 8 peers on 2 cores, during which the election had not started). */
  gst_f2f_room_peer_left (self->room, peer_id, reason);
  post_element_message (self, gst_structure_new ("f2f-peer-left",
          "peer-id", G_TYPE_STRING, peer_id, "reason", G_TYPE_STRING, reason,
          NULL));
  peer_teardown (self, peer);
  f2f_receiver_forget (self->receiver, peer->peer_id);
  peer_free (peer);
  /* a mixer that left: its clients go to the mixers still here (the
   * mesh, with none left), by the plan's own rule, for everyone */
  update_role (self);
}

static Peer *
add_peer (GstF2fSignal * self, const gchar * peer_id, const gchar * name)
{
  Peer *peer;
  gboolean is_new = FALSE;

  SIGNAL_LOCK (self);
  peer = g_hash_table_lookup (self->peers, peer_id);
  if (peer == NULL) {
    peer = peer_new (peer_id, name);
    g_hash_table_insert (self->peers, peer->peer_id, peer);
    is_new = TRUE;
  }
  SIGNAL_UNLOCK (self);

  if (is_new) {
    gst_f2f_room_peer_joined (self->room, peer_id, name);
    post_element_message (self, gst_structure_new ("f2f-peer-joined",
            "peer-id", G_TYPE_STRING, peer_id, "name", G_TYPE_STRING, name,
            NULL));
    update_role (self);
    propose_wish (self);
  }
  return peer;
}

/* A link that failed is rebuilt with a fresh webrtcbin by the side that
 * offered it; the other side waits for the new offer. */
static void
rebuild_link (GstF2fSignal * self, Peer * peer, gboolean offerer)
{
  peer_teardown (self, peer);
  peer_connect (self, peer, offerer);
}

/* ---------------------------------------------------------------------- */
/* Link callbacks */

static void
link_send_signal (F2fPeerLink * link, GstF2fMessage * msg, gpointer user_data)
{
  GstF2fSignal *self = user_data;
  Peer *peer;

  if (msg->type == GST_F2F_MESSAGE_OFFER
      || msg->type == GST_F2F_MESSAGE_ANSWER) {
    SIGNAL_LOCK (self);
    peer = g_hash_table_lookup (self->peers, f2f_peer_link_get_peer_id
        (link));
    if (peer)
      peer->negotiations++;
    SIGNAL_UNLOCK (self);
  }
  if (self->conn == NULL || !f2f_signal_conn_send (self->conn, msg))
    GST_DEBUG_OBJECT (self, "signaling is down; a %s for %s is lost",
        gst_f2f_message_type_to_string (msg->type),
        f2f_peer_link_get_peer_id (link));
}

/* A failed link is rebuilt this much later, unless its peer left in the
 * meantime: a browser closing its page aborts the SCTP association (the
 * link fails at once) ~40 ms before the server relays that it left, and an
 * immediate rebuild would offer a fresh link to someone who is gone. A
 * link that really broke waits half a second more, after the seconds it
 * took to notice. */
#define REBUILD_GRACE_MS 500

typedef struct
{
  GstF2fSignal *self;
  gchar *peer_id;
  F2fPeerLink *link;            /* the failed one: rebuilt only if still
                                 * the peer's */
  gchar *why;
} Rebuild;

static void
rebuild_free (gpointer data)
{
  Rebuild *r = data;

  gst_object_unref (r->self);
  g_free (r->peer_id);
  f2f_peer_link_unref (r->link);
  g_free (r->why);
  g_free (r);
}

static gboolean
rebuild_failed_cb (gpointer data)
{
  Rebuild *r = data;
  GstF2fSignal *self = r->self;
  Peer *peer;

  SIGNAL_LOCK (self);
  peer = g_hash_table_lookup (self->peers, r->peer_id);
  if (peer && peer->link != r->link)
    peer = NULL;                /* rebuilt meanwhile (heartbeat, offer) */
  SIGNAL_UNLOCK (self);
  if (peer == NULL) {
    GST_INFO_OBJECT (self, "not rebuilding the failed link to %s: the peer "
        "left or the link was replaced", r->peer_id);
    return G_SOURCE_REMOVE;
  }
  GST_ELEMENT_WARNING (self, RESOURCE, FAILED,
      ("The link to peer '%s' failed; rebuilding it.", peer->name),
      ("%s: %s", peer->peer_id, r->why));
  rebuild_link (self, peer, f2f_peer_link_is_offerer (r->link));
  return G_SOURCE_REMOVE;
}

static void
rebuild_later (GstF2fSignal * self, Peer * peer, F2fPeerLink * link,
    const gchar * why)
{
  Rebuild *r = g_new0 (Rebuild, 1);
  GSource *source = g_timeout_source_new (REBUILD_GRACE_MS);

  r->self = gst_object_ref (self);
  r->peer_id = g_strdup (peer->peer_id);
  r->link = f2f_peer_link_ref (link);
  r->why = g_strdup (why ? why : "");
  g_source_set_callback (source, rebuild_failed_cb, r, rebuild_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
link_state_changed (F2fPeerLink * link, F2fLinkState state, const gchar * why,
    gpointer user_data)
{
  GstF2fSignal *self = user_data;
  Peer *peer = find_peer_by_link (self, link);
  GstStructure *s;

  if (peer == NULL)
    return;
  if (state == F2F_LINK_CONNECTING) {
    f2f_router_link_connecting (self->router, link);
  } else if (state == F2F_LINK_CONNECTED) {
    F2fRouterMedia unsent = f2f_router_link_connected (self->router, link);

    peer->setup_failures = 0;
    if (unsent)
      GST_ELEMENT_WARNING (self, STREAM, FORMAT,
          ("Peer '%s' will not get this peer's %s: the negotiation gave "
              "the link no way to send it (no codec in common, or the peer "
              "only sends).", peer->name, unsent == (F2F_ROUTER_VIDEO |
                  F2F_ROUTER_AUDIO) ? "video and audio" : unsent ==
              F2F_ROUTER_VIDEO ? "video" : "audio"), ("%s", peer->peer_id));
  }
  s = gst_structure_new ("f2f-link-state", "peer-id", G_TYPE_STRING,
      peer->peer_id, "state", G_TYPE_STRING, link_state_name (state), NULL);
  if (state == F2F_LINK_CONNECTED) {
    gint description_ms, ice_ms, connected_ms;

    /* where a slow join's time went (a restarted peer across a lossy
     * link took 8 s once in integration/chaos, untraced) */
    f2f_peer_link_get_setup_ms (link, &description_ms, &ice_ms,
        &connected_ms);
    gst_structure_set (s, "description-ms", G_TYPE_INT, description_ms,
        "ice-ms", G_TYPE_INT, ice_ms, "setup-ms", G_TYPE_INT, connected_ms,
        NULL);
  }
  if (why)
    gst_structure_set (s, "reason", G_TYPE_STRING, why, NULL);
  post_element_message (self, s);

  if (state == F2F_LINK_FAILED) {
    GST_INFO_OBJECT (self, "link to %s failed (%s); rebuilding it in %u ms "
        "unless the peer leaves", peer->peer_id, why ? why : "",
        REBUILD_GRACE_MS);
    rebuild_later (self, peer, link, why);
  }
}

static void
push_chat_text (GstF2fSignal * self, const gchar * name, const gchar * text)
{
  g_autofree gchar *line = g_strdup_printf ("%s: %s", name, text);
  gsize len = strlen (line);
  GstBuffer *buf = gst_buffer_new_memdup (line, len);

  /* A live appsrc stamps it; with nobody linked, the tee drops it. */
  GST_BUFFER_DURATION (buf) = 5 * GST_SECOND;
  gst_app_src_push_buffer (GST_APP_SRC (self->text_appsrc), buf);
}

/* Private thread: a plan from @from, on its control channel or through
 * the signaling server. */
static void
receive_plan (GstF2fSignal * self, const gchar * from, const GstF2fPlan * plan)
{
  GST_INFO_OBJECT (self, "%s holds plan epoch %" G_GUINT64_FORMAT, from,
      gst_f2f_plan_get_epoch (plan));
  if (self->ignore_plans_ms > 0) {
    gint64 now = g_get_monotonic_time ();

    if (self->ignore_plans_until_us == 0)
      self->ignore_plans_until_us = now + self->ignore_plans_ms * 1000;
    if (now < self->ignore_plans_until_us) {
      GST_WARNING_OBJECT (self, "ignoring the plan from %s "
          "(F2F_TEST_IGNORE_PLANS_MS)", from);
      return;
    }
  }
  /* Relay what we adopt, once (a plan we hold is never adopted again, so
   * relays end): a peer the proposer's broadcast missed gets it from us.
   * Seen: a mixer that held no plan 30 s after both other peers of its
   * room adopted the talker's proposal (integration/lipsync, 2 of 7 runs;
   * why the proposer's message did not reach it is not known). */
  if (adopt_plan (self, plan))
    send_plan_to_all (self, plan);
}

/* The data channel's thread: f2felection's channels go to the room from
 * here, not through the private thread. That thread re-routes for 0.5-1.4 s
 * after a mixer leaves a room of 8 on 2 cores (docs/performance.md, "The
 * 8-peer failover traced"), and meanwhile the leader's election answers
 * waited there until its collect timeout, and probe chunks were timed when
 * the thread got to them, not when they came. The room's handlers only
 * queue what they get for their own threads (like channel-open, which
 * comes from here too). Plans, chat, files and topology views keep the
 * private thread and their order. */
static gboolean
link_data_direct (F2fPeerLink * link, const gchar * channel, GBytes * data,
    gpointer user_data)
{
  GstF2fSignal *self = user_data;

  if (g_strcmp0 (channel, GST_F2F_ELECTION_CHANNEL) != 0
      && g_strcmp0 (channel, GST_F2F_PROBE_CHANNEL) != 0)
    return FALSE;
  gst_f2f_room_deliver (self->room, f2f_peer_link_get_peer_id (link),
      channel, data);
  return TRUE;
}

static void
link_data (F2fPeerLink * link, const gchar * channel, GBytes * data,
    gpointer user_data)
{
  GstF2fSignal *self = user_data;
  Peer *peer = find_peer_by_link (self, link);
  g_autoptr (GstF2fPeerMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  const gchar *text;

  if (peer == NULL)
    return;
  if (g_strcmp0 (channel, GST_F2F_CONTROL_CHANNEL) != 0) {
    gst_f2f_room_deliver (self->room, peer->peer_id, channel, data);
    return;
  }

  text = g_bytes_get_data (data, &len);
  msg = gst_f2f_peer_message_parse (text, len, &error);
  if (msg == NULL) {
    GST_WARNING_OBJECT (self, "ignoring a malformed message from %s: %s",
        peer->peer_id, error->message);
    return;
  }
  if (msg->type == GST_F2F_PEER_MESSAGE_CHAT) {
    g_signal_emit (self, signals[SIGNAL_CHAT_RECEIVED], 0, peer->peer_id,
        peer->name, msg->text, msg->time_ms);
    post_element_message (self, gst_structure_new ("f2f-chat",
            "peer-id", G_TYPE_STRING, peer->peer_id,
            "name", G_TYPE_STRING, peer->name,
            "text", G_TYPE_STRING, msg->text,
            "time", G_TYPE_INT64, msg->time_ms, NULL));
    push_chat_text (self, peer->name, msg->text);
  } else if (msg->type == GST_F2F_PEER_MESSAGE_FEEDBACK) {
    f2f_congestion_feedback (self->congestion, link, msg->queue_ms,
        msg->rate_kbps, msg->loss_permille);
  } else if (msg->type == GST_F2F_PEER_MESSAGE_PLAN) {
    receive_plan (self, peer->peer_id, msg->plan);
  }
}

/* Counts decoded frames per peer; the first one is announced. */
static void
first_frame (const gchar * peer_id, const gchar * media, gpointer user_data)
{
  post_element_message (user_data, gst_structure_new ("f2f-media",
          "peer-id", G_TYPE_STRING, peer_id, "media", G_TYPE_STRING, media,
          NULL));
}

/* Streaming thread (webrtcbin's pad-added). */
static void
link_src_pad (F2fPeerLink * link, GstPad * pad, const gchar * media,
    gpointer user_data)
{
  GstF2fSignal *self = user_data;

  f2f_receiver_add_stream (self->receiver, link, pad, media);
}

/* ---------------------------------------------------------------------- */
/* The topology plan (private thread) */

/* Everyone present, us included, for the plan's effective routing. */
static GStrv
present_ids (GstF2fSignal * self)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer key;
  GStrv ids;

  SIGNAL_LOCK (self);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_strv_builder_add (b, key);
  SIGNAL_UNLOCK (self);
  GST_OBJECT_LOCK (self);
  if (self->peer_id)
    g_strv_builder_add (b, self->peer_id);
  GST_OBJECT_UNLOCK (self);
  ids = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return ids;
}

static gchar *
dup_peer_id (GstF2fSignal * self)
{
  gchar *id;

  GST_OBJECT_LOCK (self);
  id = g_strdup (self->peer_id);
  GST_OBJECT_UNLOCK (self);
  return id;
}

/* Our role in the plan against who is here now (a client of a mixer that
 * left is another mixer's, or in the mesh when none is left: f2fplan.h);
 * posts f2f-role-changed when it moved. Then
 * re-routes the media to match. */
static void
update_role (GstF2fSignal * self)
{
  set_role (self);
  apply_routes (self);
}

static void
set_role (GstF2fSignal * self)
{
  g_auto (GStrv) present = present_ids (self);
  g_autofree gchar *me = dup_peer_id (self);
  const gchar *mixer = NULL;
  GstF2fPlanRole role = GST_F2F_PLAN_ROLE_MESH;

  if (self->plan && me)
    role = gst_f2f_plan_get_role (self->plan, me,
        (const gchar * const *) present, &mixer);
  if (role == GST_F2F_PLAN_ROLE_ABSENT)
    role = GST_F2F_PLAN_ROLE_MESH;
  if (role == self->role && g_strcmp0 (mixer, self->role_mixer) == 0)
    return;
  post_element_message (self, gst_structure_new ("f2f-role-changed",
          "old-role", G_TYPE_STRING, gst_f2f_plan_role_to_string (self->role),
          "new-role", G_TYPE_STRING, gst_f2f_plan_role_to_string (role),
          "mixer", G_TYPE_STRING, mixer ? mixer : "", NULL));
  self->role = role;
  g_free (self->role_mixer);
  self->role_mixer = g_strdup (mixer);
}

typedef struct
{
  gchar *id;
  F2fPeerLink *link;            /* a reference, or NULL */
  GstF2fFeed feed, fed;         /* what it should get; what it got */
  GstF2fUse use;
  guint outputs;                /* where its streams went */
} PeerRoute;

static void
peer_route_clear (gpointer data)
{
  PeerRoute *r = data;

  g_free (r->id);
  if (r->link)
    f2f_peer_link_unref (r->link);
}

/* Private thread: makes what each link sends and what becomes of what it
 * brings match our role in the plan (gst/f2f/f2fplan.h). Nothing is
 * renegotiated: links keep their transceivers, only branches move. Order:
 * the mixer's outputs are made first, then links and decoded streams are
 * re-routed, then what is no longer used goes. Called whenever the plan,
 * the room or a link changes; cheap when nothing moved. */
static void
apply_routes (GstF2fSignal * self)
{
  g_auto (GStrv) present = present_ids (self);
  g_autofree gchar *me = dup_peer_id (self);
  g_autofree gchar *name = NULL;
  g_autoptr (GArray) routes = g_array_new (FALSE, TRUE, sizeof (PeerRoute));
  g_autoptr (GStrvBuilder) clients_b = g_strv_builder_new ();
  g_auto (GStrv) clients = NULL;
  F2fMixerWant want = { 0, };
  GHashTableIter iter;
  gpointer value;
  gboolean mixing, submix = FALSE;
  gboolean settling = self->settle_source != NULL;
  guint i;

  g_array_set_clear_func (routes, peer_route_clear);
  GST_OBJECT_LOCK (self);
  name = g_strdup (self->name);
  GST_OBJECT_UNLOCK (self);
  if (me && self->view_minus) {
    g_autofree gchar *minus_id = NULL;
    g_object_get (self->view_minus, "participant-id", &minus_id, NULL);
    /* what our user hears leaves out our own voice, once it is there */
    if (g_strcmp0 (minus_id, me) != 0)
      g_object_set (self->view_minus, "participant-id", me, NULL);
  }

  SIGNAL_LOCK (self);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Peer *peer = value;
    PeerRoute r = { g_strdup (peer->peer_id),
      peer->link ? f2f_peer_link_ref (peer->link) : NULL,
      GST_F2F_FEED_CAMERA, peer->fed, GST_F2F_USE_VIEW, peer->outputs
    };
    g_array_append_val (routes, r);
  }
  SIGNAL_UNLOCK (self);

  mixing = self->role == GST_F2F_PLAN_ROLE_MIXER && !self->unmixed;
  if (mixing && (self->view_mode == GST_F2F_ROOM_VIEW_PER_PEER
          || self->mixer == NULL)) {
    if (!self->warned_per_peer) {
      self->warned_per_peer = TRUE;
      GST_ELEMENT_WARNING (self, STREAM, NOT_IMPLEMENTED,
          ("This peer is a mixer in the room's plan, but it cannot mix: a "
              "mixer needs room-view=composite and f2fcompositor."), (NULL));
    }
    mixing = FALSE;
  }
  for (i = 0; i < routes->len; i++) {
    PeerRoute *r = &g_array_index (routes, PeerRoute, i);
    if (self->plan && me) {
      r->feed = gst_f2f_plan_feed (self->plan, me, r->id,
          (const gchar * const *) present);
      r->use = gst_f2f_plan_use (self->plan, me, r->id,
          (const gchar * const *) present);
    }
    if (!mixing && (r->feed == GST_F2F_FEED_COMPOSITE
            || r->feed == GST_F2F_FEED_SUBMIX))
      r->feed = GST_F2F_FEED_NONE;
    if (r->feed == GST_F2F_FEED_COMPOSITE)
      g_strv_builder_add (clients_b, r->id);
    else if (r->feed == GST_F2F_FEED_SUBMIX)
      submix = TRUE;
  }
  clients = g_strv_builder_end (clients_b);
  want.me = me;
  want.name = name;
  want.mixing = mixing;
  want.submix = submix;
  want.clients = (const gchar * const *) clients;

  if (self->mixer)
    f2f_mixer_update (self->mixer, &want, FALSE);
  if (submix || !settling)
    f2f_receiver_set_destination (self->receiver, F2F_RECEIVER_SUBMIX,
        submix ? f2f_mixer_get_submix_compositor (self->mixer) : NULL);
  for (i = 0; i < routes->len; i++) {
    PeerRoute *r = &g_array_index (routes, PeerRoute, i);
    GstF2fFeed feed = r->feed;
    guint outputs = F2F_RECEIVER_TO_VIEW;

    if (r->use == GST_F2F_USE_NONE)
      outputs = 0;
    else if (r->use == GST_F2F_USE_CLIENT_INPUT && submix)
      outputs |= F2F_RECEIVER_TO_SUBMIX;
    if (settling) {
      /* Make before break: a voice may come two ways for a moment, never
       * none. What a link stops sending, and a mixer's output that gives
       * way to the camera (the direct path is the faster one: it starts
       * later), go on until the change has settled; anything that starts
       * or moves to a mixer's output (the slower path) starts now. What
       * arrived keeps its place meanwhile. */
      if (r->fed != GST_F2F_FEED_NONE && (feed == GST_F2F_FEED_NONE
              || (feed == GST_F2F_FEED_CAMERA
                  && r->fed != GST_F2F_FEED_CAMERA)))
        feed = r->fed;
      outputs |= r->outputs;
    }
    if (r->link && (feed != r->fed || !settling)) {
      switch (feed) {
        case GST_F2F_FEED_CAMERA:
          f2f_router_set_feed (self->router, r->link, TRUE, NULL, NULL);
          break;
        case GST_F2F_FEED_COMPOSITE:
          f2f_router_set_feed (self->router, r->link, FALSE,
              f2f_mixer_get_composite (self->mixer),
              f2f_mixer_get_minus (self->mixer, r->id));
          break;
        case GST_F2F_FEED_SUBMIX:
          f2f_router_set_feed (self->router, r->link, FALSE,
              f2f_mixer_get_submix (self->mixer, TRUE),
              f2f_mixer_get_submix (self->mixer, FALSE));
          break;
        case GST_F2F_FEED_NONE:
          f2f_router_set_feed (self->router, r->link, FALSE, NULL, NULL);
          break;
      }
    }
    f2f_receiver_set_outputs (self->receiver, r->id, outputs);
    SIGNAL_LOCK (self);
    {
      Peer *peer = g_hash_table_lookup (self->peers, r->id);
      if (peer) {
        peer->fed = r->link ? feed : GST_F2F_FEED_CAMERA;
        peer->outputs = outputs;
      }
    }
    SIGNAL_UNLOCK (self);
  }
  if (self->mixer && !settling)
    f2f_mixer_update (self->mixer, &want, TRUE);
}

static gboolean
settled_cb (gpointer data)
{
  GstF2fSignal *self = data;

  f2f_clear_source (&self->settle_source);
  apply_routes (self);
  return G_SOURCE_REMOVE;
}

/* A topology change starts: for SETTLE_MS the routes only grow
 * (apply_routes), then they become what the plan says. */
static void
start_settling (GstF2fSignal * self)
{
  f2f_clear_source (&self->settle_source);
  self->settle_source = add_timeout (self, SETTLE_MS, settled_cb);
}

/* Private thread: tells one peer @plan on its control channel or, while
 * that is not open (a newcomer's links take 1-2 s to connect in a room of
 * 8 on 2 cores), through the signaling server as an `app` frame carrying
 * the same message (docs/protocol.md, "Plans"), so that a newcomer holds
 * the room's plan, and the one an election makes for it, at once. */
static void
send_plan_to (GstF2fSignal * self, const gchar * peer_id,
    const GstF2fPlan * plan)
{
  g_autofree gchar *text = gst_f2f_peer_message_plan (plan);
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (GstF2fMessage) app = NULL;

  if (gst_f2f_room_send (self->room, peer_id, GST_F2F_CONTROL_CHANNEL, bytes))
    return;
  app = gst_f2f_message_new_app (peer_id, text);
  if (self->conn == NULL || !f2f_signal_conn_send (self->conn, app))
    GST_DEBUG_OBJECT (self, "no way to tell %s the plan now; its control "
        "channel or its heartbeats will", peer_id);
}

static void
send_plan_to_all (GstF2fSignal * self, const GstF2fPlan * plan)
{
  g_auto (GStrv) peers = gst_f2f_room_list_peers (self->room);
  guint i;

  for (i = 0; peers[i]; i++)
    send_plan_to (self, peers[i], plan);
}

/* Tells one peer the plan we hold: a late joiner learns it this way. */
static void
send_plan (GstF2fSignal * self, const gchar * peer_id)
{
  if (self->plan)
    send_plan_to (self, peer_id, self->plan);
}

/* Plans heal through the heartbeats: each names the plan its sender holds,
 * and a peer whose heartbeat names an older one (or none) missed ours, so
 * it gets ours again, at most once a second while it lags. A plan message
 * is sent once on a reliable channel, yet mixers were seen holding no
 * plan 30 s after the rest of the room adopted one (integration/lipsync,
 * 2 of 7 runs, cause not found); this does not depend on the cause. */
static void
send_plan_if_behind (GstF2fSignal * self, F2fPeerLink * link)
{
  g_autofree gchar *proposer = NULL, *leader = NULL;
  guint64 epoch;

  if (self->plan == NULL || !f2f_peer_link_heard_plan (link, &epoch,
          &proposer))
    return;
  leader = gst_f2f_room_dup_leader (self->room);
  if (!gst_f2f_plan_supersedes_known (self->plan, epoch, proposer, leader))
    return;
  GST_INFO_OBJECT (self, "%s holds %s%s (epoch %" G_GUINT64_FORMAT "), "
      "ours is epoch %" G_GUINT64_FORMAT ": sending it ours",
      f2f_peer_link_get_peer_id (link), proposer ? "the plan of " : "no plan",
      proposer ? proposer : "", epoch, gst_f2f_plan_get_epoch (self->plan));
  send_plan (self, f2f_peer_link_get_peer_id (link));
}

/* Adopts @plan if it supersedes ours (f2fplan.h: a higher epoch, then the
 * leader's, then the greater proposer): every peer ends up with the same
 * plan whatever order proposals reach it in. */
static gboolean
adopt_plan (GstF2fSignal * self, const GstF2fPlan * plan)
{
  g_autofree gchar *leader = gst_f2f_room_dup_leader (self->room);
  g_autofree gchar *json = NULL;
  GString *mixers;
  guint i;

  if (!gst_f2f_plan_supersedes (plan, self->plan, leader))
    return FALSE;
  g_clear_pointer (&self->plan, gst_f2f_plan_free);
  self->plan = gst_f2f_plan_copy (plan);
  gst_f2f_room_set_plan (self->room, plan);

  mixers = g_string_new (NULL);
  for (i = 0; i < gst_f2f_plan_get_n_mixers (plan); i++)
    g_string_append_printf (mixers, "%s%s", i ? "," : "",
        gst_f2f_plan_get_mixer (plan, i));
  json = gst_f2f_plan_to_json (plan);
  post_element_message (self, gst_structure_new ("f2f-topology-changed",
          "epoch", G_TYPE_UINT64, gst_f2f_plan_get_epoch (plan),
          "proposer", G_TYPE_STRING, gst_f2f_plan_get_proposer (plan),
          "mixers", G_TYPE_STRING, mixers->str,
          "plan", G_TYPE_STRING, json, NULL));
  g_string_free (mixers, TRUE);
  start_settling (self);
  update_role (self);
  {
    /* mixer=true adds us to whatever plan the room holds (adding cannot
     * fight another peer's wish); a mixers list waits for its triggers */
    g_autofree gchar *me = dup_peer_id (self);
    gboolean want, listed;
    GST_OBJECT_LOCK (self);
    want = self->want_mixer && self->want_mixers == NULL;
    listed = self->want_mixers != NULL;
    GST_OBJECT_UNLOCK (self);
    /* … and a wish that lost to a plan made at the same time as it (same
     * epoch: made without knowing ours, e.g. while we joined) is made
     * again; a plan made after it (higher epoch) is respected */
    if ((want && me && !gst_f2f_plan_is_mixer (plan, me)) || (listed
            && self->wish_epoch
            && gst_f2f_plan_get_epoch (plan) == self->wish_epoch
            && g_strcmp0 (gst_f2f_plan_get_proposer (plan), me) != 0))
      f2f_context_call (self->context, propose_wish_cb, gst_object_ref (self),
          gst_object_unref);
  }
  return TRUE;
}

typedef struct
{
  GstF2fSignal *self;
  const gchar *mixers;
  gboolean ok;
} Proposal;

static gboolean propose (GstF2fSignal * self, const gchar * mixers);

static gboolean
propose_on_thread (gpointer data)
{
  Proposal *p = data;

  p->ok = propose (p->self, p->mixers);
  return G_SOURCE_REMOVE;
}

/* The mixers this peer's properties ask for (a new strv), or NULL. */
static GStrv
wished_mixers (GstF2fSignal * self, const gchar * me)
{
  GStrvBuilder *b;
  GStrv wish;
  guint i;

  GST_OBJECT_LOCK (self);
  if (self->want_mixers) {
    wish = g_strsplit (self->want_mixers, ",", -1);
    GST_OBJECT_UNLOCK (self);
    for (i = 0; wish[i]; i++)
      g_strstrip (wish[i]);
    return wish;
  }
  if (!self->want_mixer) {
    GST_OBJECT_UNLOCK (self);
    return NULL;
  }
  GST_OBJECT_UNLOCK (self);
  b = g_strv_builder_new ();
  for (i = 0; self->plan && i < gst_f2f_plan_get_n_mixers (self->plan); i++)
    g_strv_builder_add (b, gst_f2f_plan_get_mixer (self->plan, i));
  if (!self->plan || !gst_f2f_plan_is_mixer (self->plan, me))
    g_strv_builder_add (b, me);
  wish = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return wish;
}

/* The id of the peer present (us included) whose id, or else whose
 * display name (when only one has it), is @what; NULL when none. */
static gchar *
resolve_peer (GstF2fSignal * self, const gchar * me, const gchar * what)
{
  GHashTableIter iter;
  gpointer value;
  gchar *found = NULL;
  guint named = 0;

  if (g_strcmp0 (me, what) == 0)
    return g_strdup (me);
  SIGNAL_LOCK (self);
  if (g_hash_table_contains (self->peers, what)) {
    SIGNAL_UNLOCK (self);
    return g_strdup (what);
  }
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Peer *peer = value;
    if (g_strcmp0 (peer->name, what) == 0 && named++ == 0)
      found = g_strdup (peer->peer_id);
  }
  SIGNAL_UNLOCK (self);
  GST_OBJECT_LOCK (self);
  if (g_strcmp0 (self->name, what) == 0 && named++ == 0)
    found = g_strdup (me);
  GST_OBJECT_UNLOCK (self);
  if (named > 1)
    g_clear_pointer (&found, g_free);
  return found;
}

/* Private thread, when we join, someone joins, or the mixer/mixers
 * properties change: proposes the mixers they ask for once all of them are
 * here, unless the plan already has exactly those. Not when a plan comes
 * in: two peers that ask for different mixers do not fight, the later
 * trigger wins. */
static void
propose_wish (GstF2fSignal * self)
{
  g_autofree gchar *me = dup_peer_id (self);
  g_auto (GStrv) wish = NULL;
  g_autofree gchar *csv = NULL;
  guint i, n = 0;

  if (!self->joined || me == NULL || (wish = wished_mixers (self, me)) == NULL)
    return;
  for (i = 0; wish[i]; i++) {
    gchar *id;
    if (!*wish[i])
      continue;
    if ((id = resolve_peer (self, me, wish[i])) == NULL)
      return;                   /* not all here yet */
    g_free (wish[i]);
    wish[i] = id;
    n++;
  }
  if (n == (self->plan ? gst_f2f_plan_get_n_mixers (self->plan) : 0)) {
    for (i = 0; wish[i]; i++)
      if (*wish[i] && !gst_f2f_plan_is_mixer (self->plan, wish[i]))
        break;
    if (wish[i] == NULL)
      return;                   /* the plan has them */
  }
  csv = g_strjoinv (",", wish);
  GST_INFO_OBJECT (self, "asking the room for the mixers '%s'", csv);
  if (propose (self, csv))
    self->wish_epoch = gst_f2f_plan_get_epoch (self->plan);
}

static gboolean
propose_wish_cb (gpointer data)
{
  propose_wish (data);
  return G_SOURCE_REMOVE;
}

/* Private thread: tells everyone our own valid proposal, then adopts it.
 * In that order: adopting re-routes our media, which in a big room on a
 * busy machine takes a while (0.5 s at 8 peers on 2 cores), and the others
 * need not wait for it to start their own. Our epoch is one above the plan
 * we hold, and this thread is the only one that changes it, so adopting
 * cannot fail. */
static void
publish_plan (GstF2fSignal * self, const GstF2fPlan * plan)
{
  send_plan_to_all (self, plan);
  adopt_plan (self, plan);
}

/* Private thread: a plan with @mixers (comma-separated ids; empty: the
 * mesh), every other peer present a client, spread over the mixers in the
 * order of their ids; one epoch above ours. */
static gboolean
propose (GstF2fSignal * self, const gchar * mixers)
{
  g_autofree gchar *me = dup_peer_id (self);
  g_auto (GStrv) present = NULL;
  g_auto (GStrv) names = NULL;
  g_autoptr (GstF2fPlan) plan = NULL;
  g_autoptr (GError) error = NULL;
  GList *peers, *l;
  guint n_mixers = 0, i = 0;

  if (!self->joined || me == NULL) {
    GST_WARNING_OBJECT (self, "not in a room yet: no topology to propose");
    return FALSE;
  }
  plan = gst_f2f_plan_new ((self->plan ? gst_f2f_plan_get_epoch
          (self->plan) : 0) + 1, me);
  names = g_strsplit (mixers ? mixers : "", ",", -1);
  for (i = 0; names[i]; i++) {
    g_strstrip (names[i]);
    if (*names[i]) {
      gst_f2f_plan_add_mixer (plan, names[i]);
      n_mixers++;
    }
  }
  present = present_ids (self);
  if (n_mixers > 0) {
    peers = NULL;
    for (i = 0; present[i]; i++)
      if (!gst_f2f_plan_is_mixer (plan, present[i]))
        peers = g_list_prepend (peers, present[i]);
    peers = g_list_sort (peers, (GCompareFunc) g_strcmp0);
    for (l = peers, i = 0; l; l = l->next, i++)
      gst_f2f_plan_assign (plan, l->data, gst_f2f_plan_get_mixer (plan,
              i % n_mixers));
    g_list_free (peers);
  }
  if (!gst_f2f_plan_validate (plan, (const gchar * const *) present, &error)) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("Not proposing the topology '%s': %s", mixers ? mixers : "",
            error->message), (NULL));
    return FALSE;
  }
  publish_plan (self, plan);
  return TRUE;
}

typedef struct
{
  GstF2fSignal *self;
  const GstF2fPlan *wanted;
  gboolean ok;
} PlanProposal;

/* Private thread: a sibling's plan (gst_f2f_room_propose_plan), with our
 * next epoch and ourselves as the proposer, like propose(). A plan that
 * names a peer that left meanwhile is refused: the sibling decides again
 * on the room it sees next. */
static gboolean
propose_plan_on_thread (gpointer data)
{
  PlanProposal *p = data;
  GstF2fSignal *self = p->self;
  g_autofree gchar *me = dup_peer_id (self);
  g_auto (GStrv) present = NULL;
  g_autoptr (GstF2fPlan) plan = NULL;
  g_autoptr (GError) error = NULL;
  guint i;

  if (!self->joined || me == NULL)
    return G_SOURCE_REMOVE;
  plan = gst_f2f_plan_new ((self->plan ? gst_f2f_plan_get_epoch
          (self->plan) : 0) + 1, me);
  for (i = 0; i < gst_f2f_plan_get_n_mixers (p->wanted); i++)
    gst_f2f_plan_add_mixer (plan, gst_f2f_plan_get_mixer (p->wanted, i));
  present = present_ids (self);
  for (i = 0; present[i]; i++) {
    const gchar *mixer = gst_f2f_plan_get_assignment (p->wanted, present[i]);
    if (mixer)
      gst_f2f_plan_assign (plan, present[i], mixer);
  }
  if (!gst_f2f_plan_validate (plan, (const gchar * const *) present, &error)) {
    GST_INFO_OBJECT (self, "not proposing a sibling's plan: %s",
        error->message);
    return G_SOURCE_REMOVE;
  }
  publish_plan (self, plan);
  p->ok = TRUE;
  return G_SOURCE_REMOVE;
}

/* The room's propose hook; never from our own thread (a sibling's). */
static gboolean
room_propose (gpointer user_data, const GstF2fPlan * plan)
{
  GstF2fSignal *self = user_data;
  PlanProposal p = { self, plan, FALSE };
  F2fWorker *worker;

  /* the worker lives from READY→PAUSED to PAUSED→READY; a sibling that
   * proposes around then gets FALSE */
  worker = self->worker;
  if (worker == NULL)
    return FALSE;
  f2f_worker_call_sync (worker, propose_plan_on_thread, &p);
  return p.ok;
}

static gboolean
gst_f2f_signal_propose_topology (GstF2fSignal * self, const gchar * mixers)
{
  Proposal p = { self, mixers, FALSE };

  if (self->worker == NULL)
    return FALSE;
  f2f_worker_call_sync (self->worker, propose_on_thread, &p);
  return p.ok;
}

/* ---------------------------------------------------------------------- */
/* Signaling (private thread) */

/* Whether @id is one of the peers a welcome lists. */
static gboolean
welcome_lists (GstF2fMessage * msg, const gchar * id)
{
  guint i;

  for (i = 0; i < msg->peers->len; i++)
    if (g_strcmp0 (((GstF2fPeerInfo *) msg->peers->pdata[i])->id, id) == 0)
      return TRUE;
  return FALSE;
}

static void
handle_welcome (GstF2fSignal * self, GstF2fMessage * msg)
{
  gboolean rejoin = self->joined;
  gboolean keep_links;
  g_autofree gchar *name = NULL;
  g_autofree gchar *old_id = NULL;
  guint i;

  GST_OBJECT_LOCK (self);
  old_id = self->peer_id;
  self->peer_id = g_strdup (msg->peer_id);
  GST_OBJECT_UNLOCK (self);
  /* After a rejoin, links may be kept only if the room never saw us go:
   * same id, and the server did not tell the others we left (it restarted,
   * or our connection broke without it noticing). Otherwise every other
   * peer dropped its link to us and waits for our offer (docs/protocol.md,
   * "Rejoining"), and a link we kept would wait for ever. */
  keep_links = rejoin && g_strcmp0 (old_id, msg->peer_id) == 0
      && !msg->rejoined;
  if (rejoin && !keep_links) {
    GList *ids, *l;

    SIGNAL_LOCK (self);
    ids = g_hash_table_get_keys (self->peers);
    for (l = ids; l; l = l->next)
      l->data = g_strdup (l->data);
    SIGNAL_UNLOCK (self);
    for (l = ids; l; l = l->next)
      if (!welcome_lists (msg, l->data))
        remove_peer (self, l->data, "left");
    g_list_free_full (ids, g_free);
  }
  g_object_notify (G_OBJECT (self), "peer-id");
  self->joined = TRUE;

  GST_OBJECT_LOCK (self);
  name = g_strdup (self->name);
  GST_OBJECT_UNLOCK (self);
  gst_f2f_room_set_identity (self->room, msg->room, msg->peer_id, name);
  gst_f2f_room_set_leader (self->room, msg->leader);
  f2f_signal_conn_set_ping_interval (self->conn,
      MAX (1, msg->idle_timeout / 3));
  GST_INFO_OBJECT (self, "%s room %s as %s; %u peers", rejoin ? "rejoined" :
      "joined", msg->room, msg->peer_id, msg->peers->len);
  post_element_message (self, gst_structure_new ("f2f-joined",
          "room", G_TYPE_STRING, msg->room, "peer-id", G_TYPE_STRING,
          msg->peer_id, "leader", G_TYPE_STRING, msg->leader, "peers",
          G_TYPE_UINT, msg->peers->len, NULL));

  /* We are the newest member: we offer to everyone present. */
  for (i = 0; i < msg->peers->len; i++) {
    GstF2fPeerInfo *info = g_ptr_array_index (msg->peers, i);
    Peer *peer = add_peer (self, info->id, info->name);
    if (peer->link == NULL)
      peer_connect (self, peer, TRUE);
    else if (!keep_links)
      rebuild_link (self, peer, TRUE);
  }
  /* the mixer/mixers properties */
  propose_wish (self);
}

static gboolean
we_win_glare (GstF2fSignal * self, const gchar * other)
{
  gboolean win;

  GST_OBJECT_LOCK (self);
  win = g_strcmp0 (self->peer_id, other) > 0;
  GST_OBJECT_UNLOCK (self);
  return win;
}

static void
handle_relay (GstF2fSignal * self, GstF2fMessage * msg)
{
  Peer *peer;

  SIGNAL_LOCK (self);
  peer = g_hash_table_lookup (self->peers, msg->from);
  SIGNAL_UNLOCK (self);
  if (peer == NULL) {
    GST_DEBUG_OBJECT (self, "%s from unknown peer %s",
        gst_f2f_message_type_to_string (msg->type), msg->from);
    return;
  }

  if (msg->type == GST_F2F_MESSAGE_OFFER) {
    if (peer->link && f2f_peer_link_is_offerer (peer->link)
        && f2f_peer_link_get_state (peer->link) == F2F_LINK_NEW
        && we_win_glare (self, msg->from)) {
      /* Both sides offered at once (possible only after a link waiting
       * for an offer gave up and offered itself): the greater id's offer
       * stands, and the other side answers it. */
      GST_INFO_OBJECT (self, "offers crossed with %s; ours stands",
          msg->from);
      return;
    }
    /* An offer to a link that already has one is the peer rebuilding it:
     * answer with a fresh webrtcbin rather than renegotiating. */
    if (peer->link == NULL || f2f_peer_link_is_offerer (peer->link)
        || f2f_peer_link_get_state (peer->link) != F2F_LINK_NEW)
      rebuild_link (self, peer, FALSE);
  }
  if (peer->link)
    f2f_peer_link_handle_signal (peer->link, msg);
}

static void
handle_error (GstF2fSignal * self, GstF2fMessage * msg)
{
  g_autofree gchar *room = NULL;

  GST_OBJECT_LOCK (self);
  room = g_strdup (self->room_id);
  GST_OBJECT_UNLOCK (self);

  switch (msg->code) {
    case GST_F2F_ERROR_CODE_WRONG_PASSWORD:
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
          ("wrong password for room '%s'", room), ("%s", msg->text));
      break;
    case GST_F2F_ERROR_CODE_ROOM_FULL:
      GST_ELEMENT_ERROR (self, RESOURCE, BUSY,
          ("room '%s' is full", room), ("%s", msg->text));
      break;
    case GST_F2F_ERROR_CODE_RATE_LIMITED:
    case GST_F2F_ERROR_CODE_UNSUPPORTED_VERSION:
    case GST_F2F_ERROR_CODE_INTERNAL:
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
          ("The signaling server refused to let us join room '%s': %s", room,
              msg->text), ("error code %s",
              gst_f2f_error_code_to_string (msg->code)));
      break;
    default:
      GST_WARNING_OBJECT (self, "signaling error %s: %s",
          gst_f2f_error_code_to_string (msg->code), msg->text);
      break;
  }
}

static void
conn_connected (gpointer user_data)
{
  GstF2fSignal *self = user_data;
  g_autoptr (GstF2fMessage) join = NULL;

  GST_OBJECT_LOCK (self);
  /* A rejoin asks for the id we had, so peers keep recognising us. */
  join = gst_f2f_message_new_join (self->room_id, self->name,
      self->password, self->peer_id);
  GST_OBJECT_UNLOCK (self);
  if (self->joined)
    post_element_message (self, gst_structure_new ("f2f-signaling",
            "state", G_TYPE_STRING, "reconnected", "reason", G_TYPE_STRING,
            "", NULL));
  f2f_signal_conn_send (self->conn, join);
}

/* An `app` frame through the server: f2f's own peer messages that must not
 * wait for a link (plans); anything else is an application's, not ours. */
static void
handle_app (GstF2fSignal * self, GstF2fMessage * msg)
{
  g_autoptr (GstF2fPeerMessage) peer_msg = NULL;
  g_autoptr (GError) error = NULL;
  gboolean known;

  if (msg->from == NULL || msg->payload == NULL)
    return;
  SIGNAL_LOCK (self);
  known = g_hash_table_contains (self->peers, msg->from);
  SIGNAL_UNLOCK (self);
  if (!known)
    return;
  peer_msg = gst_f2f_peer_message_parse (msg->payload, strlen (msg->payload),
      &error);
  if (peer_msg == NULL) {
    GST_DEBUG_OBJECT (self, "an app frame from %s that is not f2f's: %s",
        msg->from, error->message);
    return;
  }
  if (peer_msg->type == GST_F2F_PEER_MESSAGE_PLAN)
    receive_plan (self, msg->from, peer_msg->plan);
}

static void
conn_message (GstF2fMessage * msg, gpointer user_data)
{
  GstF2fSignal *self = user_data;

  switch (msg->type) {
    case GST_F2F_MESSAGE_WELCOME:
      handle_welcome (self, msg);
      break;
    case GST_F2F_MESSAGE_PEER_JOINED:{
      Peer *peer = add_peer (self, msg->peer->id, msg->peer->name);
      /* The newcomer offers; we wait for it with a link ready to answer. */
      if (peer->link == NULL)
        peer_connect (self, peer, FALSE);
      /* and learns the room's plan before any link is up */
      send_plan (self, msg->peer->id);
      break;
    }
    case GST_F2F_MESSAGE_APP:
      handle_app (self, msg);
      break;
    case GST_F2F_MESSAGE_PEER_LEFT:
      remove_peer (self, msg->peer_id,
          gst_f2f_leave_reason_to_string (msg->reason));
      break;
    case GST_F2F_MESSAGE_LEADER_CHANGED:
      gst_f2f_room_set_leader (self->room, msg->leader);
      post_element_message (self, gst_structure_new ("f2f-leader-changed",
              "leader", G_TYPE_STRING, msg->leader, NULL));
      break;
    case GST_F2F_MESSAGE_OFFER:
    case GST_F2F_MESSAGE_ANSWER:
    case GST_F2F_MESSAGE_ICE:
      handle_relay (self, msg);
      break;
    case GST_F2F_MESSAGE_ERROR:
      handle_error (self, msg);
      break;
    default:
      break;
  }
}

static void
conn_lost (const gchar * why, gpointer user_data)
{
  GstF2fSignal *self = user_data;

  GST_ELEMENT_WARNING (self, RESOURCE, READ,
      ("Lost the signaling server; the call goes on and f2fsignal "
          "reconnects."), ("%s", why));
  post_element_message (self, gst_structure_new ("f2f-signaling",
          "state", G_TYPE_STRING, "lost", "reason", G_TYPE_STRING, why, NULL));
}

static void
conn_failed (F2fSignalConnFailure failure, const gchar * why,
    gpointer user_data)
{
  GstF2fSignal *self = user_data;
  g_autofree gchar *uri = NULL;

  GST_OBJECT_LOCK (self);
  uri = g_strdup (self->server_uri);
  GST_OBJECT_UNLOCK (self);
  if (failure == F2F_SIGNAL_CONN_UNTRUSTED)
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
        ("The signaling server %s has a TLS certificate this peer does not "
            "trust (%s). If it is signed by your own authority, or "
            "self-signed, give that certificate in tls-ca-file.", uri, why),
        (NULL));
  else
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
        ("Could not reach the signaling server %s.", uri), ("%s", why));
}

static const F2fSignalConnCallbacks conn_callbacks = {
  conn_connected, conn_message, conn_lost, conn_failed
};

/* Private thread: whether @link has been trying to connect for longer than
 * it may. A link waiting for an offer waits twice as long as an offering
 * one, so that an offerer that is there retries first; after that it
 * offers itself (the offerer may have dropped its side, as after a rejoin
 * or a failure only this side saw). */
static gboolean
link_overdue (GstF2fSignal * self, Peer * peer, F2fPeerLink * link,
    gint64 now)
{
  F2fLinkState state = f2f_peer_link_get_state (link);
  guint64 limit_us;

  if (self->link_timeout_ms == 0
      || (state != F2F_LINK_NEW && state != F2F_LINK_CONNECTING))
    return FALSE;
  limit_us = (guint64) self->link_timeout_ms * 1000 <<
      MIN (peer->setup_failures, LINK_TIMEOUT_MAX_DOUBLINGS);
  if (!f2f_peer_link_is_offerer (link))
    limit_us *= 2;
  return now - peer->link_started_us > (gint64) limit_us;
}

/* Any thread: every peer's link (only the connected ones with
 * @connected_only), with references, collected under our lock so that
 * the caller can call into webrtcbin without it. */
static GPtrArray *
dup_links (GstF2fSignal * self, gboolean connected_only)
{
  GPtrArray *links = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_peer_link_unref);
  GHashTableIter iter;
  gpointer value;

  SIGNAL_LOCK (self);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Peer *peer = value;
    if (peer->link && (!connected_only
            || f2f_peer_link_get_state (peer->link) == F2F_LINK_CONNECTED))
      g_ptr_array_add (links, f2f_peer_link_ref (peer->link));
  }
  SIGNAL_UNLOCK (self);
  return links;
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  GstF2fSignal *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GPtrArray *links;
  guint i;

  /* Links that carry no media (a client's link to a mixer not its own)
   * live on these heartbeats alone: when this thread is held up for
   * seconds, the peers at their other ends declare them dead. Say so, so
   * that a rebuild elsewhere can be traced back here. */
  if (self->last_heartbeat_us && now - self->last_heartbeat_us > 2000000)
    GST_WARNING_OBJECT (self, "the private thread ran the heartbeat %"
        G_GINT64_FORMAT " ms late", (now - self->last_heartbeat_us) / 1000 -
        1000);
  self->last_heartbeat_us = now;

  /* Collect first: sending calls into webrtcbin, never under our lock. */
  links = dup_links (self, FALSE);

  for (i = 0; i < links->len; i++) {
    F2fPeerLink *link = g_ptr_array_index (links, i);
    gboolean offer = f2f_peer_link_is_offerer (link);
    Peer *peer;
    g_autofree gchar *why = NULL;

    peer = find_peer_by_link (self, link);
    if (peer == NULL)
      continue;

    /* a link made while the pipeline went to PLAYING can be left behind
     * (f2f_peer_link_catch_up_state); remix_cb catches most at once */
    f2f_peer_link_catch_up_state (link);
    send_plan_if_behind (self, link);
    if (!f2f_peer_link_heartbeat (link, now, self->plan)) {
      why = g_strdup_printf ("nothing heard for %u ms",
          self->link_config.heartbeat_timeout_ms);
    } else if (link_overdue (self, peer, link, now)) {
      /* Seen about once in a few hundred rooms of five peers starting at
       * once: a link that never connects and never fails. The offerer
       * retries (its new offer replaces the answerer's link); an answerer
       * that waited twice as long offers itself. */
      g_autofree gchar *where = f2f_peer_link_describe (link);
      /* where it stuck says which side to look at (issue 14: 2 of 6 rooms
       * of 7 peers had such a link) */
      why = g_strdup_printf ("not connected after %" G_GINT64_FORMAT " ms (%s)",
          (now - peer->link_started_us) / 1000, where);
      peer->setup_failures++;
      offer = TRUE;
    } else {
      continue;
    }
    post_element_message (self, gst_structure_new ("f2f-link-state",
            "peer-id", G_TYPE_STRING, peer->peer_id, "state", G_TYPE_STRING,
            "failed", "reason", G_TYPE_STRING, why, NULL));
    GST_INFO_OBJECT (self, "link to %s: %s", peer->peer_id, why);
    rebuild_link (self, peer, offer);
  }
  g_ptr_array_unref (links);
  return G_SOURCE_CONTINUE;
}

static gboolean
stats_cb (gpointer user_data)
{
  GstF2fSignal *self = user_data;
  GPtrArray *msgs = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  guint i;

  SIGNAL_LOCK (self);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Peer *peer = value;
    guint64 video = 0, audio = 0;
    gint audio_delay = 0;
    guint key_repeats = 0;

    f2f_receiver_get_frames (self->receiver, peer->peer_id, &video, &audio,
        &audio_delay, &key_repeats);
    g_ptr_array_add (msgs, gst_structure_new ("f2f-peer-stats",
            "peer-id", G_TYPE_STRING, peer->peer_id,
            "state", G_TYPE_STRING, peer->link ?
            link_state_name (f2f_peer_link_get_state (peer->link)) : "failed",
            "video-frames", G_TYPE_UINT64, video,
            "audio-frames", G_TYPE_UINT64, audio,
            "audio-delay", G_TYPE_INT, audio_delay,
            "key-requests-repeated", G_TYPE_UINT, key_repeats,
            "negotiations", G_TYPE_UINT64, peer->negotiations, NULL));
  }
  SIGNAL_UNLOCK (self);
  for (i = 0; i < msgs->len; i++)
    post_element_message (self, g_ptr_array_index (msgs, i));
  g_ptr_array_unref (msgs);
  return G_SOURCE_CONTINUE;
}

static GstCaps *
video_rtp_caps (GstF2fVideoCodec codec)
{
  if (codec == GST_F2F_VIDEO_CODEC_H264)
    return gst_caps_from_string ("application/x-rtp, media=(string)video, "
        "encoding-name=(string)H264, payload=(int)102, clock-rate=(int)90000, "
        "packetization-mode=(string)1");
  return gst_caps_from_string ("application/x-rtp, media=(string)video, "
      "encoding-name=(string)VP8, payload=(int)96, clock-rate=(int)90000");
}

/* Private thread: READY→PAUSED. */
static gboolean
start_on_thread (gpointer data)
{
  GstF2fSignal *self = data;
  g_autofree gchar *uri = NULL;
  guint timeout;

  GST_OBJECT_LOCK (self);
  uri = g_strdup (self->server_uri);
  timeout = self->connect_timeout;
  g_strfreev (self->link_addresses);
  self->link_addresses = self->local_addresses ?
      g_strsplit_set (self->local_addresses, ", ", -1) : NULL;
  g_free (self->link_stun);
  self->link_stun = g_strdup (self->stun_server);
  g_free (self->link_turn);
  self->link_turn = g_strdup (self->turn_server);
  self->link_config.stun_server = self->link_stun;
  self->link_config.turn_server = self->link_turn;
  self->link_config.local_addresses = (const gchar * const *)
      self->link_addresses;
  self->link_config.latency_ms =
      self->latency_profile == GST_F2F_LATENCY_WAN ? 200 : 40;
  /* On a LAN packets hardly ever come out of order: a stream may start
   * with its first packet. On the WAN, wait for the latency as usual. */
  self->link_config.faststart_packets =
      self->latency_profile == GST_F2F_LATENCY_WAN ? 0 : 1;
  /* ICE checks 4× faster on a LAN (docs/architecture.md, "ICE pacing");
   * the WAN profile keeps libnice's 20 ms. */
  self->link_config.ice_pacing_ms =
      self->latency_profile == GST_F2F_LATENCY_WAN ? 0 : 5;
  self->link_config.video_fec = self->video_fec;
  /* process-wide, made on first use (under a millisecond) */
  self->link_config.dtls_pem = f2f_dtls_certificate_pem (self->dtls_key);
  gst_clear_caps (&self->link_config.video_caps);
  self->link_config.video_caps = video_rtp_caps (self->video_codec);
  self->link_config.video_payloader =
      self->video_codec == GST_F2F_VIDEO_CODEC_H264 ? "rtph264pay" :
      "rtpvp8pay";
  self->link_config.heartbeat_timeout_ms = self->heartbeat_timeout;
  self->link_config.lip_sync_max_delay_ms = self->lip_sync_max_delay;
  self->link_timeout_ms = self->link_timeout;
  self->link_config.ice_transport_policy = self->ice_transport_policy;
  self->view_mode = self->room_view;
  if (self->mixer)
    f2f_mixer_set_encoding (self->mixer,
        self->video_codec == GST_F2F_VIDEO_CODEC_H264, self->max_bitrate);
  GST_OBJECT_UNLOCK (self);
  f2f_receiver_set_per_peer (self->receiver,
      self->view_mode == GST_F2F_ROOM_VIEW_PER_PEER);

  if (self->link_config.audio_caps == NULL)
    self->link_config.audio_caps =
        gst_caps_from_string ("application/x-rtp, media=(string)audio, "
        "encoding-name=(string)OPUS, payload=(int)97, clock-rate=(int)48000, "
        "encoding-params=(string)2");

  self->joined = FALSE;
  self->conn = f2f_signal_conn_new (uri, timeout, self->tls_database,
      &conn_callbacks, self);
  f2f_signal_conn_start (self->conn);
  self->last_heartbeat_us = 0;
  self->heartbeat_source = add_timeout (self, 1000, heartbeat_cb);
  GST_OBJECT_LOCK (self);
  if (self->stats_interval > 0)
    self->stats_source = add_timeout (self, self->stats_interval, stats_cb);
  GST_OBJECT_UNLOCK (self);
  return G_SOURCE_REMOVE;
}

/* Private thread: PLAYING→PAUSED, before the children change state. */
static gboolean
unmix_on_thread (gpointer data)
{
  GstF2fSignal *self = data;

  self->unmixed = TRUE;
  f2f_clear_source (&self->settle_source);
  apply_routes (self);
  return G_SOURCE_REMOVE;
}

/* Private thread: back in PLAYING. */
static gboolean
remix_cb (gpointer data)
{
  GstF2fSignal *self = data;
  g_autoptr (GPtrArray) links = NULL;
  guint i;

  /* Links made on this thread while the pipeline went to PLAYING can have
   * missed the change (f2f_peer_link_catch_up_state). This runs after it,
   * queued behind whatever link this thread was making meanwhile.
   * Collected first: catching up calls into GStreamer, never under our
   * lock. */
  links = dup_links (self, FALSE);
  for (i = 0; i < links->len; i++)
    f2f_peer_link_catch_up_state (g_ptr_array_index (links, i));
  if (self->unmixed) {
    self->unmixed = FALSE;
    apply_routes (self);
  }
  return G_SOURCE_REMOVE;
}

/* Private thread: PAUSED→READY. Leaves the room and drops every link. */
static gboolean
stop_on_thread (gpointer data)
{
  GstF2fSignal *self = data;
  GList *peers, *l;

  f2f_clear_source (&self->heartbeat_source);
  f2f_clear_source (&self->stats_source);
  f2f_clear_source (&self->settle_source);
  if (self->conn) {
    f2f_signal_conn_close (self->conn, TRUE);
    f2f_signal_conn_free (self->conn);
    self->conn = NULL;
  }
  self->joined = FALSE;
  self->wish_epoch = 0;
  g_clear_pointer (&self->plan, gst_f2f_plan_free);
  g_clear_pointer (&self->role_mixer, g_free);
  self->role = GST_F2F_PLAN_ROLE_MESH;
  gst_f2f_room_set_plan (self->room, NULL);

  SIGNAL_LOCK (self);
  peers = g_hash_table_get_values (self->peers);
  g_hash_table_steal_all (self->peers);
  SIGNAL_UNLOCK (self);
  for (l = peers; l; l = l->next) {
    Peer *peer = l->data;
    peer_teardown (self, peer);
    f2f_receiver_forget (self->receiver, peer->peer_id);
    gst_f2f_room_peer_left (self->room, peer->peer_id, "left");
    peer_free (peer);
  }
  g_list_free (peers);
  /* no links left: the mixer's outputs feed nobody */
  apply_routes (self);
  return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------------- */
/* The room object's transport and chat */

/* The link to @peer_id, if any, with a reference. */
static F2fPeerLink *
dup_link (GstF2fSignal * self, const gchar * peer_id)
{
  F2fPeerLink *link = NULL;
  Peer *peer;

  SIGNAL_LOCK (self);
  peer = g_hash_table_lookup (self->peers, peer_id);
  if (peer && peer->link)
    link = f2f_peer_link_ref (peer->link);
  SIGNAL_UNLOCK (self);
  return link;
}

static gboolean
room_send (gpointer user_data, const gchar * peer_id, const gchar * channel,
    GBytes * data)
{
  F2fPeerLink *link = dup_link (user_data, peer_id);
  gboolean ok;

  if (link == NULL)
    return FALSE;
  ok = f2f_peer_link_send (link, channel, data);
  f2f_peer_link_unref (link);
  return ok;
}

static gint64
room_buffered (gpointer user_data, const gchar * peer_id,
    const gchar * channel)
{
  F2fPeerLink *link = dup_link (user_data, peer_id);
  gint64 amount;

  if (link == NULL)
    return -1;
  amount = f2f_peer_link_buffered_amount (link, channel);
  f2f_peer_link_unref (link);
  return amount;
}

/* Flow control of the room's channels: the thresholds the room's users
 * set, and their low-water notices, pass straight through. */
static guint64
link_low_threshold (F2fPeerLink * link, const gchar * channel,
    gpointer user_data)
{
  GstF2fSignal *self = user_data;

  return gst_f2f_room_get_low_threshold (self->room, channel);
}

static void
link_channel_low (F2fPeerLink * link, const gchar * channel,
    gpointer user_data)
{
  GstF2fSignal *self = user_data;

  gst_f2f_room_channel_low (self->room, f2f_peer_link_get_peer_id (link),
      channel);
}

typedef struct
{
  GstF2fSignal *self;
  gchar *peer_id;
} PlanFor;

static void
plan_for_free (gpointer data)
{
  PlanFor *p = data;

  g_free (p->peer_id);
  g_free (p);
}

static gboolean
send_plan_cb (gpointer data)
{
  PlanFor *p = data;

  send_plan (p->self, p->peer_id);
  return G_SOURCE_REMOVE;
}

static void
link_channel_open (F2fPeerLink * link, const gchar * channel,
    gpointer user_data)
{
  GstF2fSignal *self = user_data;

  gst_f2f_room_channel_open (self->room, f2f_peer_link_get_peer_id (link),
      channel);
  if (g_strcmp0 (channel, GST_F2F_CONTROL_CHANNEL) == 0 && self->context) {
    /* A peer that joined later learns the plan from whoever holds it. */
    PlanFor *p = g_new0 (PlanFor, 1);

    p->self = self;
    p->peer_id = g_strdup (f2f_peer_link_get_peer_id (link));
    f2f_context_call (self->context, send_plan_cb, p, plan_for_free);
  }
}

/* f2fcongestion's thread: the links that are up, with references. */
static GPtrArray *
connected_links (gpointer user_data)
{
  return dup_links (user_data, TRUE);
}

/* f2fcongestion's thread: the router owns what a link sends. */
static void
pause_video (F2fPeerLink * link, gboolean paused, gpointer user_data)
{
  GstF2fSignal *self = user_data;

  f2f_router_pause_video (self->router, link, paused);
}

static gboolean
room_sample (gpointer user_data, const gchar * peer_id,
    GstF2fLinkSample * sample)
{
  F2fPeerLink *link = dup_link (user_data, peer_id);
  gboolean ok;

  if (link == NULL)
    return FALSE;
  ok = f2f_peer_link_sample (link, sample);
  f2f_peer_link_unref (link);
  return ok;
}

static gboolean
gst_f2f_signal_send_chat (GstF2fSignal * self, const gchar * text)
{
  g_autofree gchar *json = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree gchar *name = NULL;
  guint sent;

  if (text == NULL || !g_utf8_validate (text, -1, NULL)
      || strlen (text) > GST_F2F_MAX_CHAT_LENGTH) {
    GST_WARNING_OBJECT (self, "not sending a chat message that is not "
        "UTF-8 text of at most %d bytes", GST_F2F_MAX_CHAT_LENGTH);
    return FALSE;
  }
  json = gst_f2f_peer_message_chat (text, g_get_real_time () / 1000);
  bytes = g_bytes_new (json, strlen (json));
  sent = gst_f2f_room_broadcast (self->room, GST_F2F_CONTROL_CHANNEL, bytes);

  GST_OBJECT_LOCK (self);
  name = g_strdup (self->name);
  GST_OBJECT_UNLOCK (self);
  push_chat_text (self, name, text);
  return sent > 0;
}

/* ---------------------------------------------------------------------- */
/* Local media: encoded once, teed to every link */

static GstPadProbeReturn input_eos_probe (GstPad * pad,
    GstPadProbeInfo * info, gpointer user_data);

/* The camera encoder's time per frame, for the room's election
 * (f2felection's encode-ms); from the encoder's streaming thread. */
static void
encode_time_cb (gdouble ms, gpointer user_data)
{
  GstF2fSignal *self = user_data;

  gst_f2f_room_set_encode_ms (self->room, ms);
}

static GstPad *
gst_f2f_signal_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * req_name, const GstCaps * caps)
{
  GstF2fSignal *self = GST_F2F_SIGNAL (element);
  gboolean video = templ == gst_element_class_get_pad_template
      (GST_ELEMENT_GET_CLASS (element), "video_sink");
  GstElement *queue, *conv, *scale = NULL, *filter, *enc, *last = NULL, *tee;
  GstElement *raw_tee, *encs[F2F_ENCODE_MAX_ELEMENTS + 1];
  GstPad *target, *ghost;
  guint i;
  GstF2fVideoCodec codec;
  GstCaps *filter_caps;
  guint kbps;

  SIGNAL_LOCK (self);
  if ((video && self->video_tee) || (!video && self->audio_tee)) {
    SIGNAL_UNLOCK (self);
    GST_WARNING_OBJECT (self, "there is already a %s pad",
        GST_PAD_TEMPLATE_NAME_TEMPLATE (templ));
    return NULL;
  }
  SIGNAL_UNLOCK (self);

  GST_OBJECT_LOCK (self);
  codec = self->video_codec;
  kbps = self->max_bitrate;
  GST_OBJECT_UNLOCK (self);

  queue = gst_element_factory_make ("queue", NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  /* the raw picture or sound, before encoding: a mixer's own input */
  raw_tee = gst_element_factory_make ("tee", NULL);
  g_object_set (raw_tee, "allow-not-linked", TRUE, NULL);
  tee = gst_element_factory_make ("tee", NULL);
  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add_many (GST_BIN_CAST (self), queue, filter, raw_tee, tee, NULL);
  if (video) {
    conv = gst_element_factory_make ("videoconvert", NULL);
    scale = gst_element_factory_make ("videoscale", NULL);
    gst_bin_add_many (GST_BIN_CAST (self), conv, scale, NULL);
    filter_caps = gst_caps_new_simple ("video/x-raw", "format",
        G_TYPE_STRING, "I420", NULL);
    g_object_set (filter, "caps", filter_caps, NULL);
    gst_caps_unref (filter_caps);
    if (!f2f_encode_video (codec == GST_F2F_VIDEO_CODEC_H264, kbps, encs)) {
      GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
          ("No %s video encoder is installed.",
              codec == GST_F2F_VIDEO_CODEC_H264 ? "H.264 (x264enc)" :
              "VP8 (vp8enc)"), (NULL));
      return NULL;
    }
    gst_element_link_many (queue, conv, scale, filter, raw_tee, NULL);
    enc = encs[0];
    for (i = 0; encs[i]; i++) {
      gst_bin_add (GST_BIN_CAST (self), encs[i]);
      gst_element_link (i ? encs[i - 1] : raw_tee, encs[i]);
      last = encs[i];
    }
    /* the encoders are our children: self outlives their probes */
    f2f_encode_time (enc, last, 1000, encode_time_cb, self);
  } else {
    GstElement *resample = gst_element_factory_make ("audioresample", NULL);
    conv = gst_element_factory_make ("audioconvert", NULL);
    enc = f2f_encode_opus (F2F_ENCODE_VOICE_BITRATE,
        F2F_ENCODE_VOICE_FRAME_MS);
    if (enc == NULL) {
      GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
          ("No Opus encoder (opusenc) is installed."), (NULL));
      return NULL;
    }
    /* The loss percentage then follows the loss measured (f2fcongestion). */
    g_object_set (enc, "packet-loss-percentage",
        F2F_CONGESTION_INITIAL_OPUS_LOSS, NULL);
    filter_caps = f2f_encode_audio_caps ();
    g_object_set (filter, "caps", filter_caps, NULL);
    gst_caps_unref (filter_caps);
    gst_bin_add_many (GST_BIN_CAST (self), conv, resample, enc, NULL);
    gst_element_link_many (queue, conv, resample, filter, raw_tee, enc, NULL);
    last = enc;
    scale = resample;
  }
  gst_element_link (last, tee);
  {
    GstPad *tee_sink = gst_element_get_static_pad (tee, "sink");
    gst_pad_add_probe (tee_sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        input_eos_probe, self, NULL);
    gst_object_unref (tee_sink);
  }

  target = gst_element_get_static_pad (queue, "sink");
  ghost = gst_ghost_pad_new_from_template (GST_PAD_TEMPLATE_NAME_TEMPLATE
      (templ), target, templ);
  gst_object_unref (target);

  gst_element_sync_state_with_parent (tee);
  if (video) {
    for (i = G_N_ELEMENTS (encs) - 1; i > 0; i--)
      if (encs[i - 1])
        gst_element_sync_state_with_parent (encs[i - 1]);
  } else {
    gst_element_sync_state_with_parent (enc);
  }
  gst_element_sync_state_with_parent (raw_tee);
  gst_element_sync_state_with_parent (filter);
  gst_element_sync_state_with_parent (scale);
  gst_element_sync_state_with_parent (conv);
  gst_element_sync_state_with_parent (queue);

  SIGNAL_LOCK (self);
  if (video)
    self->video_tee = gst_object_ref (tee);
  else
    self->audio_tee = gst_object_ref (tee);
  SIGNAL_UNLOCK (self);
  f2f_congestion_set_encoder (self->congestion, video ? "video" : "audio",
      enc);
  f2f_router_set_source (self->router, video ? F2F_ROUTER_VIDEO :
      F2F_ROUTER_AUDIO, tee);
  if (self->mixer)
    f2f_mixer_set_local (self->mixer, video, raw_tee);

  gst_pad_set_active (ghost, TRUE);
  gst_element_add_pad (element, ghost);
  return ghost;
}

static void
gst_f2f_signal_release_pad (GstElement * element, GstPad * pad)
{
  GstF2fSignal *self = GST_F2F_SIGNAL (element);
  gboolean video = g_str_equal (GST_PAD_NAME (pad), "video_sink");
  GstElement *tee;
  GstPad *target;
  GList *chain = NULL, *l;
  GstElement *e;

  if (!g_str_equal (GST_PAD_NAME (pad), "video_sink")
      && !g_str_equal (GST_PAD_NAME (pad), "audio_sink")) {
    GST_WARNING_OBJECT (self, "%s is not a pad f2fsignal handed out",
        GST_PAD_NAME (pad));
    return;
  }

  SIGNAL_LOCK (self);
  tee = video ? self->video_tee : self->audio_tee;
  if (video)
    self->video_tee = NULL;
  else
    self->audio_tee = NULL;
  SIGNAL_UNLOCK (self);
  if (video)
    gst_f2f_room_set_encode_ms (self->room, -1);
  f2f_congestion_set_encoder (self->congestion, video ? "video" : "audio",
      NULL);
  /* every link's branch of it goes first, and its raw branches into the
   * mixes */
  f2f_router_set_source (self->router, video ? F2F_ROUTER_VIDEO :
      F2F_ROUTER_AUDIO, NULL);
  if (self->mixer)
    f2f_mixer_set_local (self->mixer, video, NULL);

  /* Walk the chain from the ghost pad's target down to the tee. */
  target = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));
  e = target ? gst_pad_get_parent_element (target) : NULL;
  gst_clear_object (&target);
  while (e) {
    GstPad *src = gst_element_get_static_pad (e, "src");
    GstPad *peer_pad;

    if (src == NULL)            /* the raw tee: its first branch encodes */
      src = gst_element_get_static_pad (e, "src_0");
    peer_pad = src ? gst_pad_get_peer (src) : NULL;
    chain = g_list_prepend (chain, e);
    e = (e == tee || peer_pad == NULL) ? NULL :
        gst_pad_get_parent_element (peer_pad);
    gst_clear_object (&peer_pad);
    gst_clear_object (&src);
  }
  for (l = chain; l; l = l->next) {
    gst_element_set_locked_state (l->data, TRUE);
    gst_element_set_state (l->data, GST_STATE_NULL);
    gst_bin_remove (GST_BIN_CAST (self), l->data);
  }
  g_list_free_full (chain, gst_object_unref);
  gst_clear_object (&tee);

  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
}

/* ---------------------------------------------------------------------- */
/* GstElement / GObject */

static gboolean
codec_available (GstF2fVideoCodec codec, const gchar ** missing)
{
  static const gchar *vp8[] = { "vp8enc", "vp8dec", "rtpvp8pay",
    "rtpvp8depay", NULL
  };
  static const gchar *h264[] = { "x264enc", "avdec_h264", "rtph264pay",
    "rtph264depay", "h264parse", NULL
  };
  static const gchar *common[] = { "webrtcbin", "opusenc", "opusdec",
    "rtpopuspay", "rtpopusdepay", NULL
  };
  const gchar **lists[] = { codec == GST_F2F_VIDEO_CODEC_H264 ? h264 : vp8,
    common
  };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (lists); i++) {
    for (j = 0; lists[i][j]; j++) {
      GstElementFactory *f = gst_element_factory_find (lists[i][j]);
      if (f == NULL) {
        *missing = lists[i][j];
        return FALSE;
      }
      gst_object_unref (f);
    }
  }
  return TRUE;
}

/* webrtcbin makes its process-wide DTLS certificate (RSA-2048: 60-270 ms
 * here, docs/performance.md) inside the first create-offer or
 * set-remote-description, on the join path; in a room of five every
 * answerer only starts on its key when the first offer arrives. Creating a
 * dtlsdec makes that same key, so do it once per process, in the
 * background, as soon as an f2fsignal goes to READY. */
static gpointer
make_dtls_key (gpointer data)
{
  GstElement *dtls = gst_element_factory_make ("dtlsdec", NULL);

  if (dtls)
    gst_object_unref (dtls);
  /* ours (f2fdtlscert.c): fast, but off the join path all the same */
  f2f_dtls_certificate_pem (F2F_DTLS_KEY_ECDSA_P256);
  return NULL;
}

/* The key thread, until someone joins it; a process must not exit while
 * it runs (OpenSSL's exit handlers would pull the key out from under it). */
static GMutex dtls_key_lock;
static GThread *dtls_key_thread;        /* protected by dtls_key_lock */
static gboolean dtls_key_started;       /* protected by dtls_key_lock */

static void
warm_up_dtls (void)
{
  g_mutex_lock (&dtls_key_lock);
  if (!dtls_key_started) {
    dtls_key_started = TRUE;
    dtls_key_thread = g_thread_new ("f2f-dtls-key", make_dtls_key, NULL);
  }
  g_mutex_unlock (&dtls_key_lock);
}

/* READY→NULL: the key is made by now or soon; wait for it. */
static void
warm_up_dtls_join (void)
{
  GThread *thread;

  g_mutex_lock (&dtls_key_lock);
  thread = dtls_key_thread;
  dtls_key_thread = NULL;
  g_mutex_unlock (&dtls_key_lock);
  if (thread)
    g_thread_join (thread);
}

/* ---------------------------------------------------------------------- */
/* An error inside one link fails that link, not the pipeline */

/* The child of @self that @object is or is inside of, with a reference. */
static GstObject *
own_child (GstF2fSignal * self, GstObject * object)
{
  GstObject *o = object ? gst_object_ref (object) : NULL;

  while (o) {
    GstObject *parent = gst_object_get_parent (o);

    if (parent == GST_OBJECT_CAST (self)) {
      gst_object_unref (parent);
      return o;
    }
    gst_object_unref (o);
    o = parent;
  }
  return NULL;
}

/* The link whose elements (webrtcbin, payloaders, decoders) include
 * @child, with a reference. */
static F2fPeerLink *
link_of_child (GstF2fSignal * self, GstElement * child)
{
  GHashTableIter iter;
  gpointer value;
  F2fPeerLink *link = NULL;
  g_autofree gchar *decoding = f2f_receiver_owner_of (self->receiver, child);

  SIGNAL_LOCK (self);
  g_hash_table_iter_init (&iter, self->peers);
  while (link == NULL && g_hash_table_iter_next (&iter, NULL, &value)) {
    Peer *peer = value;

    if (peer->link && (f2f_peer_link_owns (peer->link, child)
            || g_strcmp0 (decoding, peer->peer_id) == 0))
      link = f2f_peer_link_ref (peer->link);
  }
  SIGNAL_UNLOCK (self);
  return link;
}

static gboolean
is_webrtcbin (GstObject * object)
{
  GType type = g_type_from_name ("GstWebRTCBin");

  return type != 0 && g_type_is_a (G_OBJECT_TYPE (object), type);
}

/* Any thread (the poster's). One peer's trouble must not end the call with
 * everyone else: an SCTP association that breaks when a peer vanishes, a
 * DTLS alert, a decoder that chokes on what one peer sends. Such an error
 * fails that peer's link, which is then rebuilt (link_state_changed posts
 * the warning); an error from a link already being taken down is only
 * logged. Everything else goes up as usual. */
static void
gst_f2f_signal_handle_message (GstBin * bin, GstMessage * message)
{
  GstF2fSignal *self = GST_F2F_SIGNAL (bin);
  GstObject *child;
  F2fPeerLink *link = NULL;
  gboolean contained = FALSE;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    goto forward;
  child = own_child (self, GST_MESSAGE_SRC (message));
  if (child == NULL)
    goto forward;
  if (GST_IS_ELEMENT (child))
    link = link_of_child (self, GST_ELEMENT_CAST (child));
  if (link || is_webrtcbin (child)) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (message, &err, &debug);
    GST_INFO_OBJECT (self, "error from %" GST_PTR_FORMAT " (link to %s): "
        "%s (%s)", GST_MESSAGE_SRC (message),
        link ? f2f_peer_link_get_peer_id (link) : "one being removed",
        err->message, GST_STR_NULL (debug));
    if (link)
      f2f_peer_link_fail (link, err->message);
    g_clear_error (&err);
    g_free (debug);
    contained = TRUE;
  }
  if (link)
    f2f_peer_link_unref (link);
  gst_object_unref (child);
  if (contained) {
    gst_message_unref (message);
    return;
  }
forward:
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

/* NULL→READY: the authorities of tls-ca-file, read now so that a file
 * that is missing or holds no certificate fails the state change with a
 * sentence, before anything connects. */
static gboolean
load_tls_database (GstF2fSignal * self)
{
  g_autofree gchar *file = NULL;
  g_autoptr (GError) error = NULL;

  GST_OBJECT_LOCK (self);
  file = g_strdup (self->tls_ca_file);
  GST_OBJECT_UNLOCK (self);
  g_clear_object (&self->tls_database);
  if (file == NULL)
    return TRUE;
  self->tls_database = g_tls_file_database_new (file, &error);
  if (self->tls_database == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not read the certificate authorities in '%s' (tls-ca-file): "
            "%s", file, error->message), (NULL));
    return FALSE;
  }
  return TRUE;
}

static GstStateChangeReturn
gst_f2f_signal_change_state (GstElement * element, GstStateChange transition)
{
  GstF2fSignal *self = GST_F2F_SIGNAL (element);
  GstStateChangeReturn ret;
  const gchar *missing = NULL;
  gboolean has_room, control;
  guint min_kbps, max_kbps;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      GST_OBJECT_LOCK (self);
      has_room = self->room_id != NULL;
      GST_OBJECT_UNLOCK (self);
      if (!has_room) {
        GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
            ("Set the room to join (the 'room' property)."), (NULL));
        return GST_STATE_CHANGE_FAILURE;
      }
      if (!codec_available (self->video_codec, &missing)) {
        GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
            ("The element '%s' is missing; f2fsignal needs it.", missing),
            (NULL));
        return GST_STATE_CHANGE_FAILURE;
      }
      if (!load_tls_database (self))
        return GST_STATE_CHANGE_FAILURE;
      self->worker = f2f_worker_start ("f2fsignal", NULL, NULL, NULL);
      self->context = f2f_worker_get_context (self->worker);
      warm_up_dtls ();
      /* Let sibling elements find the room. */
      gst_element_post_message (element,
          gst_message_new_have_context (GST_OBJECT_CAST (self),
              gst_f2f_room_context_new (self->room)));
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      /* A mixer's outputs close a loop in the bin's graph (room view →
       * encoder → link → decoder → room view), which the bin's state
       * change walk warns about: they go before it, while everything
       * still plays, and come back in PLAYING. */
      f2f_worker_call_sync (self->worker, unmix_on_thread, self);
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      g_atomic_int_set (&self->ended, 0);
      SIGNAL_LOCK (self);
      self->inputs_ended = 0;
      SIGNAL_UNLOCK (self);
      f2f_worker_call_sync (self->worker, start_on_thread, self);
      GST_OBJECT_LOCK (self);
      control = self->congestion_control;
      min_kbps = self->min_bitrate;
      max_kbps = self->max_bitrate;
      GST_OBJECT_UNLOCK (self);
      f2f_congestion_start (self->congestion, control, min_kbps, max_kbps);
      if (self->view) {
        /* In per-peer mode nothing feeds the room view: keep its background
         * pictures and silence from costing CPU in every call. */
        gboolean idle = self->view_mode == GST_F2F_ROOM_VIEW_PER_PEER;

        gst_element_set_locked_state (self->view, idle);
        if (idle)
          gst_element_set_state (self->view, GST_STATE_NULL);
      }
      break;
    default:
      break;
  }

  /* Before the links go: no statistics asked of a closing webrtcbin. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    f2f_congestion_stop (self->congestion);
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING)
    f2f_context_call (self->context, remix_cb, gst_object_ref (self),
        gst_object_unref);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    /* After the children stopped, not before: with the room view's mixers
     * stopped, webrtcbin's receive threads can be blocked pushing into them,
     * and a webrtcbin going to NULL would wait for those threads for ever.
     * Flushing the whole bin first unblocks them. */
    f2f_worker_call_sync (self->worker, stop_on_thread, self);
  }
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      /* A live source: media comes from the network. */
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      warm_up_dtls_join ();
      self->context = NULL;
      g_clear_pointer (&self->worker, f2f_worker_stop);
      g_clear_object (&self->tls_database);
      /* The links' webrtcbins are freed on the reaper thread (the private
       * thread must never wait for a webrtcbin's tasks). Wait for them
       * here, where nothing waits for us but the application, so that a
       * pipeline in NULL holds no network threads; but not for ever: a
       * webrtcbin that never finishes is reported, not a hang. */
      if (!f2f_peer_link_wait_reaped (REAP_TIMEOUT_MS))
        GST_WARNING_OBJECT (self, "a link's webrtcbin was not freed within "
            "%u ms; its threads are left running", REAP_TIMEOUT_MS);
      break;
    default:
      break;
  }
  return ret;
}

static void
send_eos_to_tee (GstElement * tee)
{
  GstPad *sink = gst_element_get_static_pad (tee, "sink");

  gst_pad_send_event (sink, gst_event_new_eos ());
  gst_object_unref (sink);
}

/* Ends every src pad: EOS through the room view's, chat's and per-peer
 * tees, then an EOS message of our own, because the network sinks inside
 * (one per webrtcbin) never end. Once only. */
static void
end_outputs (GstF2fSignal * self)
{
  GPtrArray *tees;
  const gchar *names[] = { "video_src-tee", "audio_src-tee", "text_src-tee" };
  guint i;

  if (!g_atomic_int_compare_and_exchange (&self->ended, 0, 1))
    return;

  GST_INFO_OBJECT (self, "ending every output");
  tees = g_ptr_array_new_with_free_func (gst_object_unref);
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GstElement *tee = gst_bin_get_by_name (GST_BIN_CAST (self), names[i]);
    if (tee)
      g_ptr_array_add (tees, tee);
  }
  f2f_receiver_collect_tees (self->receiver, tees);

  for (i = 0; i < tees->len; i++)
    send_eos_to_tee (g_ptr_array_index (tees, i));
  g_ptr_array_unref (tees);
  gst_element_post_message (GST_ELEMENT_CAST (self),
      gst_message_new_eos (GST_OBJECT_CAST (self)));
}

/* An application's EOS (gst-launch -e, a recorder that finalises its file)
 * reaches the sources inside the bin, but webrtcbin does not carry it
 * through its dynamic receive pads and the room view is live: end the
 * outputs here. */
static gboolean
gst_f2f_signal_send_event (GstElement * element, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
  end_outputs (GST_F2F_SIGNAL (element));
  gst_event_unref (event);
  return TRUE;
}

static gboolean
inputs_ended_cb (gpointer data)
{
  end_outputs (data);
  return G_SOURCE_REMOVE;
}

/* What this peer sends has ended (a streamed file, num-buffers): once every
 * requested sink pad saw EOS, the peer is done, like gst-launch expects. */
static GstPadProbeReturn
input_eos_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstF2fSignal *self = user_data;
  gboolean all;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  SIGNAL_LOCK (self);
  self->inputs_ended++;
  all = self->inputs_ended >= (self->video_tee ? 1 : 0) +
      (self->audio_tee ? 1 : 0);
  SIGNAL_UNLOCK (self);
  if (all && self->context) {
    GST_INFO_OBJECT (self, "every input ended");
    /* not from this streaming thread: ending the outputs waits for their
     * streaming threads */
    f2f_context_call (self->context, inputs_ended_cb, self, NULL);
  }
  return GST_PAD_PROBE_OK;
}

static gboolean
gst_f2f_signal_query (GstElement * element, GstQuery * query)
{
  GstF2fSignal *self = GST_F2F_SIGNAL (element);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT) {
    const gchar *type = NULL;
    gst_query_parse_context_type (query, &type);
    if (g_strcmp0 (type, GST_F2F_ROOM_CONTEXT_TYPE) == 0) {
      GstContext *context = gst_f2f_room_context_new (self->room);
      gst_query_set_context (query, context);
      gst_context_unref (context);
      return TRUE;
    }
  }
  return GST_ELEMENT_CLASS (parent_class)->query (element, query);
}

static void
gst_f2f_signal_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  gboolean wish_changed = FALSE;
  GstF2fSignal *self = GST_F2F_SIGNAL (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SERVER_URI:
      g_free (self->server_uri);
      self->server_uri = g_value_dup_string (value);
      break;
    case PROP_ROOM:
      g_free (self->room_id);
      self->room_id = g_value_dup_string (value);
      break;
    case PROP_PASSWORD:
      g_free (self->password);
      self->password = g_value_dup_string (value);
      break;
    case PROP_DISPLAY_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      if (self->name == NULL)
        self->name = g_strdup (g_get_host_name ());
      break;
    case PROP_STUN_SERVER:
      g_free (self->stun_server);
      self->stun_server = g_value_dup_string (value);
      break;
    case PROP_TURN_SERVER:
      g_free (self->turn_server);
      self->turn_server = g_value_dup_string (value);
      break;
    case PROP_LATENCY_PROFILE:
      self->latency_profile = g_value_get_enum (value);
      break;
    case PROP_VIDEO_CODEC:
      self->video_codec = g_value_get_enum (value);
      break;
    case PROP_MAX_BITRATE:
      self->max_bitrate = g_value_get_uint (value);
      break;
    case PROP_MIN_BITRATE:
      self->min_bitrate = g_value_get_uint (value);
      break;
    case PROP_CONGESTION_CONTROL:
      self->congestion_control = g_value_get_boolean (value);
      break;
    case PROP_DTLS_KEY:
      self->dtls_key = g_value_get_enum (value);
      break;
    case PROP_VIDEO_FEC:
      self->video_fec = g_value_get_boolean (value);
      break;
    case PROP_ROOM_VIEW:
      self->room_view = g_value_get_enum (value);
      break;
    case PROP_LOCAL_ADDRESSES:
      g_free (self->local_addresses);
      self->local_addresses = g_value_dup_string (value);
      break;
    case PROP_CONNECT_TIMEOUT:
      self->connect_timeout = g_value_get_uint (value);
      break;
    case PROP_TLS_CA_FILE:
      g_free (self->tls_ca_file);
      self->tls_ca_file = g_value_dup_string (value);
      break;
    case PROP_HEARTBEAT_TIMEOUT:
      self->heartbeat_timeout = g_value_get_uint (value);
      break;
    case PROP_LIP_SYNC_MAX_DELAY:
      self->lip_sync_max_delay = g_value_get_uint (value);
      break;
    case PROP_LINK_TIMEOUT:
      self->link_timeout = g_value_get_uint (value);
      break;
    case PROP_STATS_INTERVAL:
      self->stats_interval = g_value_get_uint (value);
      break;
    case PROP_ICE_TRANSPORT_POLICY:
      self->ice_transport_policy = g_value_get_enum (value);
      break;
    case PROP_MIXER:
      self->want_mixer = g_value_get_boolean (value);
      wish_changed = TRUE;
      break;
    case PROP_MIXERS:
      g_free (self->want_mixers);
      self->want_mixers = g_value_dup_string (value);
      wish_changed = TRUE;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  /* in a room: ask for it now (on the private thread) */
  if (wish_changed && self->context)
    f2f_context_call (self->context, propose_wish_cb, gst_object_ref (self),
        gst_object_unref);
}

static void
gst_f2f_signal_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstF2fSignal *self = GST_F2F_SIGNAL (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SERVER_URI:
      g_value_set_string (value, self->server_uri);
      break;
    case PROP_ROOM:
      g_value_set_string (value, self->room_id);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_PEER_ID:
      g_value_set_string (value, self->peer_id);
      break;
    case PROP_STUN_SERVER:
      g_value_set_string (value, self->stun_server);
      break;
    case PROP_TURN_SERVER:
      g_value_set_string (value, self->turn_server);
      break;
    case PROP_LATENCY_PROFILE:
      g_value_set_enum (value, self->latency_profile);
      break;
    case PROP_VIDEO_CODEC:
      g_value_set_enum (value, self->video_codec);
      break;
    case PROP_MAX_BITRATE:
      g_value_set_uint (value, self->max_bitrate);
      break;
    case PROP_MIN_BITRATE:
      g_value_set_uint (value, self->min_bitrate);
      break;
    case PROP_CONGESTION_CONTROL:
      g_value_set_boolean (value, self->congestion_control);
      break;
    case PROP_DTLS_KEY:
      g_value_set_enum (value, self->dtls_key);
      break;
    case PROP_VIDEO_FEC:
      g_value_set_boolean (value, self->video_fec);
      break;
    case PROP_ROOM_VIEW:
      g_value_set_enum (value, self->room_view);
      break;
    case PROP_LOCAL_ADDRESSES:
      g_value_set_string (value, self->local_addresses);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout);
      break;
    case PROP_TLS_CA_FILE:
      g_value_set_string (value, self->tls_ca_file);
      break;
    case PROP_HEARTBEAT_TIMEOUT:
      g_value_set_uint (value, self->heartbeat_timeout);
      break;
    case PROP_LIP_SYNC_MAX_DELAY:
      g_value_set_uint (value, self->lip_sync_max_delay);
      break;
    case PROP_LINK_TIMEOUT:
      g_value_set_uint (value, self->link_timeout);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint (value, self->stats_interval);
      break;
    case PROP_ICE_TRANSPORT_POLICY:
      g_value_set_enum (value, self->ice_transport_policy);
      break;
    case PROP_MIXER:
      g_value_set_boolean (value, self->want_mixer);
      break;
    case PROP_MIXERS:
      g_value_set_string (value, self->want_mixers);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_f2f_signal_finalize (GObject * object)
{
  GstF2fSignal *self = GST_F2F_SIGNAL (object);

  gst_f2f_room_set_transport (self->room, NULL, NULL, NULL);
  gst_f2f_room_set_sampler (self->room, NULL, NULL);
  gst_f2f_room_set_flow (self->room, NULL, NULL);
  gst_f2f_room_set_proposer (self->room, NULL, NULL);
  gst_object_unref (self->room);
  g_hash_table_unref (self->peers);
  g_clear_pointer (&self->congestion, f2f_congestion_free);
  g_clear_pointer (&self->mixer, f2f_mixer_free);
  gst_clear_object (&self->view_minus);
  g_clear_pointer (&self->router, f2f_router_free);
  g_clear_pointer (&self->plan, gst_f2f_plan_free);
  g_free (self->role_mixer);
  g_free (self->want_mixers);
  g_clear_pointer (&self->receiver, f2f_receiver_free);
  gst_clear_object (&self->video_tee);
  gst_clear_object (&self->audio_tee);
  gst_clear_caps (&self->link_config.video_caps);
  gst_clear_caps (&self->link_config.audio_caps);
  g_strfreev (self->link_addresses);
  g_free (self->link_stun);
  g_free (self->link_turn);
  g_free (self->server_uri);
  g_free (self->room_id);
  g_free (self->password);
  g_free (self->name);
  g_free (self->peer_id);
  g_free (self->stun_server);
  g_free (self->turn_server);
  g_free (self->local_addresses);
  g_free (self->tls_ca_file);
  g_clear_object (&self->tls_database);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_f2f_signal_class_init (GstF2fSignalClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags ready = rw | GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_f2f_signal_set_property;
  gobject_class->get_property = gst_f2f_signal_get_property;
  gobject_class->finalize = gst_f2f_signal_finalize;

  g_object_class_install_property (gobject_class, PROP_SERVER_URI,
      g_param_spec_string ("server-uri", "Server URI",
          "The f2f-signaling-server WebSocket to join through "
          "(ws://host:port/ws or wss://...)", DEFAULT_SERVER_URI, ready));
  g_object_class_install_property (gobject_class, PROP_ROOM,
      g_param_spec_string ("room", "Room",
          "The room to join (1-64 characters of A-Z a-z 0-9 - _ .)",
          DEFAULT_ROOM, ready));
  g_object_class_install_property (gobject_class, PROP_PASSWORD,
      g_param_spec_string ("password", "Password",
          "The room's password; the first peer of a room sets it",
          NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_DISPLAY_NAME,
      g_param_spec_string ("display-name", "Display name",
          "The name the other peers see (default: the host name)",
          DEFAULT_NAME, ready));
  g_object_class_install_property (gobject_class, PROP_PEER_ID,
      g_param_spec_string ("peer-id", "Peer id",
          "The id the server gave this peer, once joined", NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STUN_SERVER,
      g_param_spec_string ("stun-server", "STUN server",
          "STUN server, stun://host:port (none by default: LAN and loopback "
          "need none)", DEFAULT_STUN_SERVER, ready));
  g_object_class_install_property (gobject_class, PROP_TURN_SERVER,
      g_param_spec_string ("turn-server", "TURN server",
          "TURN server, turn(s)://user:password@host:port",
          DEFAULT_TURN_SERVER, ready));
  g_object_class_install_property (gobject_class, PROP_LATENCY_PROFILE,
      g_param_spec_enum ("latency-profile", "Latency profile",
          "How much latency to trade for robustness",
          GST_TYPE_F2F_LATENCY_PROFILE, DEFAULT_LATENCY_PROFILE, ready));
  g_object_class_install_property (gobject_class, PROP_VIDEO_CODEC,
      g_param_spec_enum ("video-codec", "Video codec",
          "The codec of the video sent to every peer",
          GST_TYPE_F2F_VIDEO_CODEC, DEFAULT_VIDEO_CODEC, ready));
  g_object_class_install_property (gobject_class, PROP_MAX_BITRATE,
      g_param_spec_uint ("max-bitrate", "Maximum bitrate",
          "Video bitrate in kbit/s the shared encoder starts at and never "
          "exceeds (the same to every peer); with congestion-control it "
          "goes down to what the weakest link carries", 50, 20000,
          DEFAULT_MAX_BITRATE, ready));
  g_object_class_install_property (gobject_class, PROP_MIN_BITRATE,
      g_param_spec_uint ("min-bitrate", "Minimum bitrate",
          "Video bitrate in kbit/s congestion control never goes below "
          "(audio has its own share on top)", 10, 20000,
          DEFAULT_MIN_BITRATE, ready));
  g_object_class_install_property (gobject_class, PROP_CONGESTION_CONTROL,
      g_param_spec_boolean ("congestion-control", "Congestion control",
          "Estimate what each link can carry from its receiver reports "
          "(loss, round-trip time) and set the shared video encoder's "
          "bitrate to the weakest link's estimate; off: always max-bitrate",
          DEFAULT_CONGESTION_CONTROL, ready));
  g_object_class_install_property (gobject_class, PROP_VIDEO_FEC,
      g_param_spec_boolean ("video-fec", "Video FEC",
          "Offer ULPFEC in RED on video; on a link both ends agreed it on, "
          "the forward error correction's overhead follows the loss the "
          "link's receiver reports (none under 1 %, 4 x the loss, at most "
          "50 %) and the video bitrate makes room for it",
          DEFAULT_VIDEO_FEC, ready));
  /* f2fdtlscert.c says why not webrtcbin's RSA */
  g_object_class_install_property (gobject_class, PROP_DTLS_KEY,
      g_param_spec_enum ("dtls-key", "DTLS key",
          "The key of the certificate the links present in their DTLS "
          "handshake: with ECDSA P-256 a handshake is 11 datagrams instead "
          "of 17 (a smaller certificate, shorter signatures), so a lossy "
          "link loses fewer of them (each goes out twice; a flight whose "
          "copies are both lost costs the handshake 1 s, then 2 s); "
          "rsa-2048 is webrtcbin's own",
          GST_TYPE_F2F_DTLS_KEY, DEFAULT_DTLS_KEY, ready));
  g_object_class_install_property (gobject_class, PROP_ROOM_VIEW,
      g_param_spec_enum ("room-view", "Room view",
          "Composite the room on video_src/audio_src, or expose a pad per "
          "peer", GST_TYPE_F2F_ROOM_VIEW, DEFAULT_ROOM_VIEW, ready));
  g_object_class_install_property (gobject_class, PROP_LOCAL_ADDRESSES,
      g_param_spec_string ("local-addresses", "Local addresses",
          "Comma-separated IP addresses ICE may use besides the ones it "
          "finds (libnice skips loopback: set 127.0.0.1 to use it)",
          DEFAULT_LOCAL_ADDRESSES, ready));
  g_object_class_install_property (gobject_class, PROP_CONNECT_TIMEOUT,
      g_param_spec_uint ("connect-timeout", "Connect timeout",
          "How long to keep trying to reach the signaling server at start, "
          "in ms, before failing", 0, G_MAXUINT, DEFAULT_CONNECT_TIMEOUT,
          ready));
  g_object_class_install_property (gobject_class, PROP_TLS_CA_FILE,
      g_param_spec_string ("tls-ca-file", "TLS CA file",
          "A PEM file of the certificate authorities to trust for a wss:// "
          "server, instead of the system's (for a self-signed server: its "
          "certificate)", NULL, ready));
  g_object_class_install_property (gobject_class, PROP_HEARTBEAT_TIMEOUT,
      g_param_spec_uint ("heartbeat-timeout", "Heartbeat timeout",
          "A link that hears nothing from its peer for this long (ms) is "
          "declared failed and rebuilt (0: never)", 0, G_MAXUINT,
          DEFAULT_HEARTBEAT_TIMEOUT, ready));
  /* Voice first: see set_lip_sync in f2fpeerlink.c and docs/architecture.md,
   * "Lip sync". */
  g_object_class_install_property (gobject_class, PROP_LIP_SYNC_MAX_DELAY,
      g_param_spec_uint ("lip-sync-max-delay", "Lip sync max delay",
          "The most (ms) RTCP lip sync may delay a stream received from a "
          "peer (its voice or its picture) to line it up with the other; a "
          "larger correction is not made at all (rtpbin's max-ts-offset). "
          "0: no lip sync, every stream plays as it arrives (through mixers "
          "the picture then leads the voice by 40-100 ms, which viewers do "
          "not notice; lip sync held the voice instead)", 0, 10000,
          DEFAULT_LIP_SYNC_MAX_DELAY, ready));
  g_object_class_install_property (gobject_class, PROP_LINK_TIMEOUT,
      g_param_spec_uint ("link-timeout", "Link timeout",
          "A link this peer offered that has not connected after this long "
          "(ms) is declared failed and offered again; a link waiting for an "
          "offer waits twice as long, then offers itself; each retry of the "
          "same peer waits twice as long, up to 8 times (0: never)", 0,
          G_MAXUINT, DEFAULT_LINK_TIMEOUT, ready));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL,
      g_param_spec_uint ("stats-interval", "Stats interval",
          "Post an f2f-peer-stats message per peer this often, in ms "
          "(0: never)", 0, G_MAXUINT, DEFAULT_STATS_INTERVAL, ready));

  g_object_class_install_property (gobject_class, PROP_MIXER,
      g_param_spec_boolean ("mixer", "Mixer",
          "Ask the room to make this peer one of its mixers (it then mixes "
          "for its clients: composite picture, a mix-minus each); asked when "
          "joining and when set, by proposing the room's mixers plus this "
          "peer", FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MIXERS,
      g_param_spec_string ("mixers", "Mixers",
          "Ask the room to use these mixers (peer ids or display names, "
          "separated by commas; "
          "\"\" for the mesh): proposed when all of them are in the room and "
          "the room's plan has other mixers, at the latest when the last of "
          "them joins (see propose-topology); NULL: ask nothing", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_ICE_TRANSPORT_POLICY,
      g_param_spec_enum ("ice-transport-policy", "ICE transport policy",
          "all: any candidate; relay: only through the TURN server",
          GST_TYPE_WEBRTC_ICE_TRANSPORT_POLICY,
          GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL, ready));

  /**
   * GstF2fSignal::send-chat:
   * @text: UTF-8 text, at most 4096 bytes; sent as text, never markup
   *
   * Sends a chat message to every peer. Returns whether any peer got it.
   */
  signals[SIGNAL_SEND_CHAT] = g_signal_new_class_handler ("send-chat",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_f2f_signal_send_chat), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstF2fSignal::chat-received:
   * @peer_id, @name, @text, @time (ms since 1970 on the sender's clock)
   *
   * Emitted on f2fsignal's own thread when a chat message arrives.
   */
  signals[SIGNAL_CHAT_RECEIVED] = g_signal_new ("chat-received",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
      G_TYPE_INT64);

  /**
   * GstF2fSignal::propose-topology:
   * @mixers: peer ids of the mixers, separated by commas; "" for the mesh
   *
   * Proposes a topology plan for the whole room: these mixers, every other
   * peer present a client of one of them (spread in the order of their
   * ids), one epoch above the plan this peer holds. Any peer may propose;
   * every peer keeps the plan with the highest epoch, then the leader's,
   * then the greater proposer id's (docs/protocol.md, "Topology plans").
   * Returns FALSE, with a warning saying why, for a plan that names peers
   * not in the room, or when not in a room.
   */
  signals[SIGNAL_PROPOSE_TOPOLOGY] =
      g_signal_new_class_handler ("propose-topology",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_f2f_signal_propose_topology), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class,
      &video_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &audio_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &video_src_template);
  gst_element_class_add_static_pad_template (element_class,
      &audio_src_template);
  gst_element_class_add_static_pad_template (element_class,
      &text_src_template);
  gst_element_class_add_static_pad_template (element_class,
      &peer_video_src_template);
  gst_element_class_add_static_pad_template (element_class,
      &peer_audio_src_template);

  element_class->change_state = gst_f2f_signal_change_state;
  GST_BIN_CLASS (klass)->handle_message = gst_f2f_signal_handle_message;
  element_class->request_new_pad = gst_f2f_signal_request_new_pad;
  element_class->release_pad = gst_f2f_signal_release_pad;
  element_class->query = gst_f2f_signal_query;
  element_class->send_event = gst_f2f_signal_send_event;

  gst_element_class_set_static_metadata (element_class,
      "f2f conference room", "Source/Sink/Network/WebRTC",
      "Joins an f2f room: one webrtcbin per remote peer, local media "
      "encoded once, the room composited", "the f2f authors");

  gst_type_mark_as_plugin_api (GST_TYPE_F2F_LATENCY_PROFILE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_F2F_VIDEO_CODEC, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_F2F_ROOM_VIEW, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_F2F_DTLS_KEY, 0);
}

/* Exposes @element's @pad_name as the always pad @templ through a tee that
 * does not mind being unlinked: a gst-launch line that uses only the video
 * of the room view must not fail on its unused audio. */
static GstElement *
expose_always_pad (GstF2fSignal * self, GstPad * src,
    GstStaticPadTemplate * templ)
{
  g_autofree gchar *tee_name = g_strdup_printf ("%s-tee", templ->name_template);
  GstElement *tee = gst_element_factory_make ("tee", tee_name);
  GstPadTemplate *t = gst_static_pad_template_get (templ);
  GstPad *tee_src, *ghost;

  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add (GST_BIN_CAST (self), tee);
  if (src) {
    GstPad *sink = gst_element_get_static_pad (tee, "sink");
    gst_pad_link (src, sink);
    gst_object_unref (sink);
  }
  tee_src = gst_element_request_pad_simple (tee, "src_%u");
  ghost = gst_ghost_pad_new_from_template (templ->name_template, tee_src, t);
  gst_object_unref (tee_src);
  gst_object_unref (t);
  gst_element_add_pad (GST_ELEMENT_CAST (self), ghost);
  return tee;
}

static void
gst_f2f_signal_init (GstF2fSignal * self)
{
  GstCaps *caps;

  g_mutex_init (&self->lock);
  self->server_uri = g_strdup (DEFAULT_SERVER_URI);
  self->name = g_strdup (g_get_host_name ());
  self->latency_profile = DEFAULT_LATENCY_PROFILE;
  self->video_codec = DEFAULT_VIDEO_CODEC;
  self->max_bitrate = DEFAULT_MAX_BITRATE;
  self->min_bitrate = DEFAULT_MIN_BITRATE;
  self->congestion_control = DEFAULT_CONGESTION_CONTROL;
  self->video_fec = DEFAULT_VIDEO_FEC;
  self->dtls_key = DEFAULT_DTLS_KEY;
  self->room_view = DEFAULT_ROOM_VIEW;
  self->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
  self->heartbeat_timeout = DEFAULT_HEARTBEAT_TIMEOUT;
  self->ignore_plans_ms = g_ascii_strtoll (g_getenv
      ("F2F_TEST_IGNORE_PLANS_MS") ? g_getenv ("F2F_TEST_IGNORE_PLANS_MS") :
      "0", NULL, 10);
  self->lip_sync_max_delay = DEFAULT_LIP_SYNC_MAX_DELAY;
  self->link_timeout = DEFAULT_LINK_TIMEOUT;
  self->stats_interval = DEFAULT_STATS_INTERVAL;
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) peer_free);

  self->room = gst_f2f_room_new ();
  self->router = f2f_router_new (GST_ELEMENT_CAST (self));
  self->congestion = f2f_congestion_new (GST_BIN_CAST (self),
      connected_links, pause_video, self);
  self->role = GST_F2F_PLAN_ROLE_MESH;
  gst_f2f_room_set_transport (self->room, room_send, self, NULL);
  gst_f2f_room_set_sampler (self->room, room_sample, self);
  gst_f2f_room_set_flow (self->room, room_buffered, self);
  gst_f2f_room_set_proposer (self->room, room_propose, self);

  /* The room view. Without f2fcompositor the always pads stay unlinked
   * inside and the error comes when a peer's media arrives. */
  self->view = gst_element_factory_make ("f2fcompositor", "view");
  if (self->view)
    gst_bin_add (GST_BIN_CAST (self), self->view);
  {
    GstPadTemplate *v = gst_static_pad_template_get (&peer_video_src_template);
    GstPadTemplate *a = gst_static_pad_template_get (&peer_audio_src_template);

    self->receiver = f2f_receiver_new (GST_BIN_CAST (self), self->view, v, a,
        first_frame, self);
    gst_object_unref (v);
    gst_object_unref (a);
  }

  self->text_appsrc = gst_element_factory_make ("appsrc", "chat");
  caps = gst_caps_new_simple ("text/x-raw", "format", G_TYPE_STRING, "utf8",
      NULL);
  g_object_set (self->text_appsrc, "is-live", TRUE, "format", GST_FORMAT_TIME,
      "do-timestamp", TRUE, "caps", caps, "max-bytes", (guint64) 65536,
      "leaky-type", 2, NULL);
  gst_caps_unref (caps);
  gst_bin_add (GST_BIN_CAST (self), self->text_appsrc);

  {
    GstPad *video = self->view ?
        gst_element_get_static_pad (self->view, "video_src") : NULL;
    GstPad *chat = gst_element_get_static_pad (self->text_appsrc, "src");
    GstElement *view_video;

    view_video = expose_always_pad (self, video, &video_src_template);
    /* What our user hears is everyone but us: the same as the full mix
     * until we are a mixer, whose own voice is in its room view. The id is
     * ours once we have joined (apply_routes). */
    if (self->view) {
      self->view_minus = gst_element_request_pad_simple (self->view,
          "audio_minus_%u");
      g_object_set (self->view_minus, "participant-id", "(this peer)", NULL);
      self->mixer = f2f_mixer_new (GST_BIN_CAST (self), self->view,
          view_video);
    }
    expose_always_pad (self, self->view_minus, &audio_src_template);
    expose_always_pad (self, chat, &text_src_template);
    gst_clear_object (&video);
    gst_object_unref (chat);
  }
}
