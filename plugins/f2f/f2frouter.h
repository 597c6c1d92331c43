/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What each link of f2fsignal sends: the one owner of the branches from
 * the shared encoders' tees (the camera's, or a mixer's outputs) to the
 * links' payloaders. A link is fed once
 * its negotiation is done and only what that negotiation lets it send;
 * video waits behind a gate (f2fgate.h) from the moment the link starts
 * connecting, so that its first frame is a keyframe. Branches are linked
 * and unlinked between two buffers, never during a push, so no link ever
 * holds back the encoders.
 */
#pragma once

#include <gst/gst.h>
#include "f2fpeerlink.h"

G_BEGIN_DECLS

typedef struct _F2fRouter F2fRouter;

typedef enum
{
  F2F_ROUTER_VIDEO = 1 << 0,
  F2F_ROUTER_AUDIO = 1 << 1,
} F2fRouterMedia;

/* @owner: the element whose running time stamps the gates' decisions. */
F2fRouter *f2f_router_new (GstElement * owner);
void f2f_router_free (F2fRouter * router);

/* The tee of the local encoded @media, or NULL when that input goes away
 * (every branch from the old one is unlinked first). Not from a streaming
 * thread. */
void f2f_router_set_source (F2fRouter * router, F2fRouterMedia media,
    GstElement * tee);

/* What @link carries from now on (f2fsignal's private thread; the link
 * may not be connected yet): with @camera, the local camera and
 * microphone (f2f_router_set_source); otherwise @video and @audio, tees of
 * encoded media made elsewhere (a mixer's composite and mixes), either
 * NULL for nothing of that media. The link's transceivers stay as they
 * were negotiated: only the branch that feeds them changes, video at a
 * keyframe of the new source. A new route follows the camera. */
void f2f_router_set_feed (F2fRouter * router, F2fPeerLink * link,
    gboolean camera, GstElement * video, GstElement * audio);

/* Stops sending video on @link (its branch is unlinked; the transceiver
 * stays) or starts again, from a keyframe. The congestion controller's
 * thread, when the link cannot carry the least video beside the voice
 * (gst_f2f_bitrate_link_suspend_video). A link starts not paused. */
void f2f_router_pause_video (F2fRouter * router, F2fPeerLink * link,
    gboolean paused);

/* f2fsignal's private thread, as the link's state changes. connecting:
 * video starts waiting behind the link's gate. connected: the link is fed
 * what its negotiation lets it send; returns the media it cannot send
 * although there is a source for them (for a warning). remove: before the
 * link is destroyed. */
void f2f_router_link_connecting (F2fRouter * router, F2fPeerLink * link);
F2fRouterMedia f2f_router_link_connected (F2fRouter * router,
    F2fPeerLink * link);
void f2f_router_remove_link (F2fRouter * router, F2fPeerLink * link);

G_END_DECLS
