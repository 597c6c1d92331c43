/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The room's network graph as pure data: peers (role, leader, local) and
 * the links between them with their measured quality, and which mixer
 * serves which client. Renders to Graphviz DOT and to a GstStructure for
 * bus messages. No sockets, no pipelines: f2ftopology (the element) feeds
 * it, the tests feed it tables.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>

G_BEGIN_DECLS

/**
 * GstF2fRole:
 *
 * What a peer does in the room's media topology.
 */
typedef enum
{
  GST_F2F_ROLE_CLIENT,
  GST_F2F_ROLE_MIXER,
} GstF2fRole;

/* One direction of a link, as measured by the sending side's webrtcbin. */
typedef struct
{
  guint64 bitrate;              /* bits per second; 0: nothing flows */
  gdouble loss;                 /* fraction of packets lost, 0..1 */
} GstF2fFlow;

typedef struct
{
  gchar *state;                 /* "connected", "connecting", "failed", … */
  GstF2fFlow a_to_b;            /* a is the smaller peer id */
  GstF2fFlow b_to_a;
  gdouble rtt_ms;               /* < 0: unknown */
  gdouble jitter_ms;            /* < 0: unknown */
} GstF2fLinkInfo;

typedef struct _GstF2fTopology GstF2fTopology;

GST_F2F_API GstF2fTopology *gst_f2f_topology_new (const gchar * room);
GST_F2F_API void gst_f2f_topology_free (GstF2fTopology * topo);

GST_F2F_API void gst_f2f_topology_set_peer (GstF2fTopology * topo,
    const gchar * id, const gchar * name, GstF2fRole role, gboolean leader,
    gboolean local);
/* Also forgets its links and who it serves or is served by. */
GST_F2F_API gboolean gst_f2f_topology_remove_peer (GstF2fTopology * topo,
    const gchar * id);
/* @info is copied; the pair is unordered (a link a–b is the link b–a, and
 * the directions are swapped to match). */
GST_F2F_API void gst_f2f_topology_set_link (GstF2fTopology * topo,
    const gchar * a, const gchar * b, const GstF2fLinkInfo * info);
GST_F2F_API void gst_f2f_topology_remove_link (GstF2fTopology * topo,
    const gchar * a, const gchar * b);
/* @mixer serves @client (mixer mode); NULL @mixer: @client is served by
 * nobody (mesh). */
GST_F2F_API void gst_f2f_topology_set_served_by (GstF2fTopology * topo,
    const gchar * client, const gchar * mixer);

GST_F2F_API guint gst_f2f_topology_get_n_peers (GstF2fTopology * topo);
GST_F2F_API guint gst_f2f_topology_get_n_links (GstF2fTopology * topo);

/* Deterministic: the same room state gives the same text. */
GST_F2F_API gchar *gst_f2f_topology_to_dot (GstF2fTopology * topo);
GST_F2F_API GstStructure *gst_f2f_topology_to_structure (GstF2fTopology *
    topo);

/* Peers exchange their own views so each draws the whole room. A view is
 * the reporter's links (JSON text, see docs/protocol.md, "Peer to peer"). */
#define GST_F2F_TOPOLOGY_CHANNEL "f2f-topology"
#define GST_F2F_TOPOLOGY_MAX_VIEW_LINKS 64

/* (transfer full): @local's links in @topo, as the view to send. */
GST_F2F_API gchar *gst_f2f_topology_view_to_json (GstF2fTopology * topo,
    const gchar * local);
/* Adds the links of @reporter's view that @topo does not have yet, to
 * peers it knows; never the links of the peer drawing (its own
 * measurements win). FALSE, with @error, for a malformed view. */
GST_F2F_API gboolean gst_f2f_topology_merge_view (GstF2fTopology * topo,
    const gchar * reporter, const gchar * json, gsize length,
    GError ** error);

/* How a link is drawn: "good", "fair", "bad" or "down". */
GST_F2F_API const gchar *gst_f2f_link_quality (const GstF2fLinkInfo * info);

G_END_DECLS
