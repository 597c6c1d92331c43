/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What each link of f2fsignal receives: the one owner of the decode
 * branches of every remote peer's streams, where they go (the room view,
 * f2fcompositor, or per-peer src pads of f2fsignal), and the frames
 * decoded from each peer (counted with atomics on the streaming threads).
 */
#pragma once

#include <gst/gst.h>
#include "f2fpeerlink.h"

G_BEGIN_DECLS

typedef struct _F2fReceiver F2fReceiver;

/* Where a peer's decoded streams go, besides per-peer pads: the room view,
 * and, on a mixer with other mixers in the room, the sub-mix of itself and
 * its own clients (f2fmixer.h). */
typedef enum
{
  F2F_RECEIVER_VIEW,
  F2F_RECEIVER_SUBMIX,
  F2F_RECEIVER_N_DESTS
} F2fReceiverDest;

#define F2F_RECEIVER_TO_VIEW (1u << F2F_RECEIVER_VIEW)
#define F2F_RECEIVER_TO_SUBMIX (1u << F2F_RECEIVER_SUBMIX)
typedef struct _F2fBranches F2fBranches;

/* Streaming thread, no lock held: the first frame of @media ("video",
 * "audio") decoded from @peer_id since its link was made. */
typedef void (*F2fReceiverFirstFrame) (const gchar * peer_id,
    const gchar * media, gpointer user_data);

/* @bin: f2fsignal, which holds the branches and the per-peer pads made
 * from @video_templ / @audio_templ; @view: the room view, or NULL. */
F2fReceiver *f2f_receiver_new (GstBin * bin, GstElement * view,
    GstPadTemplate * video_templ, GstPadTemplate * audio_templ,
    F2fReceiverFirstFrame first_frame, gpointer user_data);
void f2f_receiver_free (F2fReceiver * rx);

/* Whether streams get per-peer src pads (room-view=per-peer) instead of
 * going into the room view; set before any stream arrives. */
void f2f_receiver_set_per_peer (F2fReceiver * rx, gboolean per_peer);

/* Private thread: @peer_id's current link (@name for the room view).
 * Streams from any other link are refused. */
void f2f_receiver_set_link (F2fReceiver * rx, const gchar * peer_id,
    const gchar * name, F2fPeerLink * link);
/* Streaming thread (webrtcbin's pad-added): decodes @pad, which carries
 * @media of @link, and links it before returning. */
void f2f_receiver_add_stream (F2fReceiver * rx, F2fPeerLink * link,
    GstPad * pad, const gchar * media);
/* Private thread: the peer's link is going; its branches are taken out of
 * reach (no new stream joins them) and handed back, to be dropped once
 * the link's webrtcbin has stopped pushing into them. */
F2fBranches *f2f_receiver_detach (F2fReceiver * rx, const gchar * peer_id);
void f2f_receiver_drop_branches (F2fReceiver * rx, F2fBranches * branches);
/* Private thread: the peer left; its counts go. */
void f2f_receiver_forget (F2fReceiver * rx, const gchar * peer_id);

/* Private thread: where @peer_id's streams go from now on (bits
 * F2F_RECEIVER_TO_*; a new peer goes to the view; 0: nowhere, e.g. while
 * it sends nothing to us). Ignored in per-peer mode. */
void f2f_receiver_set_outputs (F2fReceiver * rx, const gchar * peer_id,
    guint outputs);
/* Private thread: the element (f2fcompositor) behind @dest, or NULL; not
 * for the view, which is fixed. Streams leave the old one first. */
void f2f_receiver_set_destination (F2fReceiver * rx, F2fReceiverDest dest,
    GstElement * element);

/* Frames decoded from @peer_id so far, how old (ms, running time) its
 * latest decoded audio was as it left the decoder (0 before any), and how
 * many keyframe requests for its video were made again, unanswered after
 * a second (FALSE: unknown peer). */
gboolean f2f_receiver_get_frames (F2fReceiver * rx, const gchar * peer_id,
    guint64 * video, guint64 * audio, gint * audio_delay_ms,
    guint * key_repeats);
/* The peer whose decode branches include @element (a new string), or
 * NULL. */
gchar *f2f_receiver_owner_of (F2fReceiver * rx, GstElement * element);
/* Adds (with a reference) every per-peer tee to @tees. */
void f2f_receiver_collect_tees (F2fReceiver * rx, GPtrArray * tees);

G_END_DECLS
