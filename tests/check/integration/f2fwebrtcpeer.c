/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <libsoup/soup.h>
#include <gst/check/gstcheck.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gst/f2f/f2f.h>

#include "f2fwebrtcpeer.h"

struct _WebrtcPeer
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  gchar *room, *name;
  gchar *id;                    /* ours, from welcome */
  gchar *remote;                /* the peer we offered to */
  gchar *first;                 /* the oldest peer in our welcome */
  gchar *answer;                /* the SDP answer we got */
  gboolean failed;
  GstElement *pipeline, *webrtc;
  gint connected;               /* atomic */
  guint offers;                 /* offers received (and ignored) */
  gsize received[2];            /* atomic: video, audio packets */
};

/* Runs on the default main context: the WebSocket belongs to it. */
typedef struct
{
  WebrtcPeer *peer;
  GstF2fMessage *msg;
} Outgoing;

static gboolean
send_cb (gpointer data)
{
  Outgoing *out = data;
  g_autofree gchar *text = gst_f2f_message_serialize (out->msg);

  if (out->peer->ws)
    soup_websocket_connection_send_text (out->peer->ws, text);
  gst_f2f_message_free (out->msg);
  g_free (out);
  return G_SOURCE_REMOVE;
}

static void
send_later (WebrtcPeer * peer, GstF2fMessage * msg)
{
  Outgoing *out = g_new0 (Outgoing, 1);

  out->peer = peer;
  out->msg = msg;
  g_main_context_invoke (NULL, send_cb, out);
}

static void
on_ice_candidate (GstElement * webrtc, guint mline, const gchar * candidate,
    WebrtcPeer * peer)
{
  send_later (peer, gst_f2f_message_new_ice (peer->remote, mline, candidate));
}

static void
on_state (GstElement * webrtc, GParamSpec * pspec, WebrtcPeer * peer)
{
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
    g_atomic_int_set (&peer->connected, 1);
}

static GstPadProbeReturn
count_packet (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_pointer_add ((gsize *) data, 1);
  return GST_PAD_PROBE_OK;
}

/* What arrives is counted per medium and sunk. */
static void
on_pad_added (GstElement * webrtc, GstPad * pad, WebrtcPeer * peer)
{
  GstElement *sink;
  GstPad *sinkpad;
  GstCaps *caps;
  const gchar *media = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps && gst_caps_get_size (caps) > 0)
    media = gst_structure_get_string (gst_caps_get_structure (caps, 0),
        "media");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_packet,
      &peer->received[g_strcmp0 (media, "audio") == 0 ? 1 : 0], NULL);
  gst_clear_caps (&caps);
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "async", FALSE, "sync", FALSE, NULL);
  gst_bin_add (GST_BIN (peer->pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
}

static void
on_offer_created (GstPromise * promise, gpointer data)
{
  WebrtcPeer *peer = data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *offer = NULL;
  g_autofree gchar *sdp = NULL;

  gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
      &offer, NULL);
  gst_promise_unref (promise);
  if (offer == NULL) {
    peer->failed = TRUE;
    return;
  }
  g_signal_emit_by_name (peer->webrtc, "set-local-description", offer, NULL);
  sdp = gst_sdp_message_as_text (offer->sdp);
  send_later (peer, gst_f2f_message_new_sdp (GST_F2F_MESSAGE_OFFER,
          peer->remote, sdp));
  gst_webrtc_session_description_free (offer);
}

static void
handle_answer (WebrtcPeer * peer, const gchar * text)
{
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *answer;

  if (gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK) {
    peer->failed = TRUE;
    return;
  }
  answer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER,
      sdp);
  g_signal_emit_by_name (peer->webrtc, "set-remote-description", answer,
      NULL);
  gst_webrtc_session_description_free (answer);
}

static void
on_message (SoupWebsocketConnection * ws, gint type, GBytes * bytes,
    WebrtcPeer * peer)
{
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GstF2fMessage) msg = gst_f2f_message_parse (data, len,
      GST_F2F_DIRECTION_TO_CLIENT, NULL);

  if (msg == NULL)
    return;
  switch (msg->type) {
    case GST_F2F_MESSAGE_WELCOME:
      peer->id = g_strdup (msg->peer_id);
      if (msg->peers->len > 0)
        peer->first = g_strdup (((GstF2fPeerInfo *) msg->peers->pdata[0])->id);
      break;
    case GST_F2F_MESSAGE_ANSWER:
      if (g_strcmp0 (msg->from, peer->remote) == 0) {
        g_free (peer->answer);
        peer->answer = g_strdup (msg->sdp);
        handle_answer (peer, msg->sdp);
      }
      break;
    case GST_F2F_MESSAGE_ICE:
      if (g_strcmp0 (msg->from, peer->remote) == 0 && msg->candidate
          && *msg->candidate)
        g_signal_emit_by_name (peer->webrtc, "add-ice-candidate",
            msg->mline_index, msg->candidate);
      break;
    case GST_F2F_MESSAGE_OFFER:
      /* this peer talks to the one it offered to only */
      peer->offers++;
      break;
    default:
      break;
  }
}

static void
on_connected (GObject * source, GAsyncResult * res, gpointer data)
{
  WebrtcPeer *peer = data;
  g_autoptr (GstF2fMessage) join = gst_f2f_message_new_join (peer->room,
      peer->name, NULL, NULL);
  g_autofree gchar *text = gst_f2f_message_serialize (join);

  peer->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source),
      res, NULL);
  if (peer->ws == NULL) {
    peer->failed = TRUE;
    return;
  }
  g_signal_connect (peer->ws, "message", G_CALLBACK (on_message), peer);
  soup_websocket_connection_send_text (peer->ws, text);
}

static gboolean
welcomed (gpointer data)
{
  WebrtcPeer *peer = data;

  return peer->failed || peer->id != NULL;
}

WebrtcPeer *
webrtc_peer_join (TestServer * server, const gchar * room,
    const gchar * name, const WebrtcPeerConfig * config)
{
  WebrtcPeer *peer = g_new0 (WebrtcPeer, 1);
  g_autoptr (SoupMessage) req = soup_message_new ("GET", server->uri);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *launch = NULL;
  GObject *ice = NULL;
  gboolean ok = FALSE;
  gboolean pcmu = g_strcmp0 (config->audio_codec, "PCMU") == 0;

  peer->room = g_strdup (room);
  peer->name = g_strdup (name);
  /* A browser's shape: its own payload numbers, RTP straight in. */
  launch = g_strdup_printf ("webrtcbin name=w bundle-policy=max-bundle "
      "latency=40 videotestsrc is-live=true pattern=ball ! "
      "video/x-raw,width=160,height=120,framerate=10/1 ! vp8enc deadline=1 ! "
      "rtpvp8pay pt=%u ! application/x-rtp,media=video,encoding-name=VP8,"
      "payload=%u,clock-rate=90000 ! w. "
      "audiotestsrc is-live=true freq=1500 ! %s pt=%u ! "
      "application/x-rtp,media=audio,encoding-name=%s,payload=%u,"
      "clock-rate=%u ! w.", config->video_pt, config->video_pt,
      pcmu ? "mulawenc ! rtppcmupay" : "opusenc ! rtpopuspay",
      config->audio_pt, pcmu ? "PCMU" : "OPUS", config->audio_pt,
      pcmu ? 8000 : 48000);
  peer->pipeline = gst_parse_launch (launch, &error);
  fail_unless (peer->pipeline != NULL, "cannot make the webrtcbin peer: %s",
      error ? error->message : "?");
  peer->webrtc = gst_bin_get_by_name (GST_BIN (peer->pipeline), "w");
  g_signal_connect (peer->webrtc, "on-ice-candidate",
      G_CALLBACK (on_ice_candidate), peer);
  g_signal_connect (peer->webrtc, "notify::connection-state",
      G_CALLBACK (on_state), peer);
  g_signal_connect (peer->webrtc, "pad-added", G_CALLBACK (on_pad_added),
      peer);
  /* The test's namespace has only loopback, which libnice skips unless
   * told about it. */
  g_object_get (peer->webrtc, "ice-agent", &ice, NULL);
  g_signal_emit_by_name (ice, "add-local-ip-address", "127.0.0.1", &ok);
  g_object_unref (ice);
  fail_unless (gst_element_set_state (peer->pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  peer->session = soup_session_new ();
  soup_session_websocket_connect_async (peer->session, req, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, on_connected, peer);
  fail_unless (f2f_test_wait (welcomed, peer, 10000) && !peer->failed,
      "the webrtcbin peer could not join");
  return peer;
}

void
webrtc_peer_offer (WebrtcPeer * peer, const gchar * peer_id)
{
  GstWebRTCDataChannel *channel = NULL;

  g_free (peer->remote);
  peer->remote = g_strdup (peer_id);
  /* As f2f does: the control channel goes into the offer. */
  g_signal_emit_by_name (peer->webrtc, "create-data-channel",
      GST_F2F_CONTROL_CHANNEL, NULL, &channel);
  g_clear_object (&channel);
  {
    /* as browsers do: video with NACK, so the offer has RTX */
    GstWebRTCRTPTransceiver *video = NULL;

    g_signal_emit_by_name (peer->webrtc, "get-transceiver", 0, &video);
    if (video) {
      g_object_set (video, "do-nack", TRUE, NULL);
      gst_object_unref (video);
    }
  }
  g_signal_emit_by_name (peer->webrtc, "create-offer", NULL,
      gst_promise_new_with_change_func (on_offer_created, peer, NULL));
}

const gchar *
webrtc_peer_get_present (WebrtcPeer * peer)
{
  return peer->first;
}

const gchar *
webrtc_peer_get_answer (WebrtcPeer * peer)
{
  return peer->answer;
}

const gchar *
webrtc_peer_get_id (WebrtcPeer * peer)
{
  return peer->id;
}

guint64
webrtc_peer_get_received (WebrtcPeer * peer, const gchar * media)
{
  return g_atomic_pointer_get (&peer->received[g_strcmp0 (media,
              "audio") == 0 ? 1 : 0]);
}

guint
webrtc_peer_get_offers (WebrtcPeer * peer)
{
  return peer->offers;
}

gboolean
webrtc_peer_connected (WebrtcPeer * peer)
{
  return g_atomic_int_get (&peer->connected);
}

void
webrtc_peer_free (WebrtcPeer * peer)
{
  if (peer == NULL)
    return;
  if (peer->ws && soup_websocket_connection_get_state (peer->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN) {
    soup_websocket_connection_close (peer->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
        NULL);
  }
  g_clear_object (&peer->ws);
  gst_element_set_state (peer->pipeline, GST_STATE_NULL);
  /* Sends still queued for the main context see no connection. */
  while (g_main_context_iteration (NULL, FALSE));
  gst_object_unref (peer->webrtc);
  gst_object_unref (peer->pipeline);
  g_clear_object (&peer->session);
  g_free (peer->room);
  g_free (peer->name);
  g_free (peer->id);
  g_free (peer->remote);
  g_free (peer->first);
  g_free (peer->answer);
  g_free (peer);
}

void
webrtc_peer_break_then_leave (WebrtcPeer * peer)
{
  GstF2fMessage *bad = gst_f2f_message_new_ice (peer->remote, 0,
      "candidate:1 1 UDP 2122252543 127.0.0.1 not-a-port typ host");
  g_autofree gchar *text = gst_f2f_message_serialize (bad);

  gst_f2f_message_free (bad);
  /* in this order on the one connection: the server relays the candidate,
   * then tells the room this peer left */
  soup_websocket_connection_send_text (peer->ws, text);
  soup_websocket_connection_close (peer->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
      NULL);
}
