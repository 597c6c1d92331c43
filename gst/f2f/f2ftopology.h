/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The room's network graph as pure data: peers (name, leader, local), the
 * links between them with their measured quality, and the room's topology
 * plan (f2fplan.h). Renders to Graphviz DOT and to a GstStructure for bus
 * messages. No sockets, no pipelines: f2ftopology (the element) feeds it,
 * the tests feed it tables.
 *
 * Roles are never guessed: they are the plan's, evaluated against the
 * peers in the graph (gst_f2f_plan_get_role() with every peer set here as
 * present), so a plan whose mixer is not in the graph draws the mesh, as
 * every peer falls back on it. Each link carries, each way, what
 * gst_f2f_plan_feed() says: the camera, a mixer's composite, a sub-mix, or
 * nothing (the link only carries data channels). Without a plan, or with a
 * plan that is the mesh, every link carries the camera both ways.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>
#include <gst/f2f/f2fplan.h>

G_BEGIN_DECLS

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
    const gchar * id, const gchar * name, gboolean leader, gboolean local);
/* Also forgets its links. */
GST_F2F_API gboolean gst_f2f_topology_remove_peer (GstF2fTopology * topo,
    const gchar * id);
/* @info is copied; the pair is unordered (a link a–b is the link b–a, and
 * the directions are swapped to match). */
GST_F2F_API void gst_f2f_topology_set_link (GstF2fTopology * topo,
    const gchar * a, const gchar * b, const GstF2fLinkInfo * info);
GST_F2F_API void gst_f2f_topology_remove_link (GstF2fTopology * topo,
    const gchar * a, const gchar * b);
/* What the room's election (f2felection, f2f-election-result) scored
 * peer @id: its value (an effective uplink in bit/s), whether it may mix
 * and whether its uplink was measured. Drawn on its node; FALSE (nothing
 * kept) for a peer not in the graph. */
GST_F2F_API gboolean gst_f2f_topology_set_score (GstF2fTopology * topo,
    const gchar * id, gdouble value_bps, gboolean eligible,
    gboolean measured);
/* The room's adopted plan (copied); NULL: none, the mesh. */
GST_F2F_API void gst_f2f_topology_set_plan (GstF2fTopology * topo,
    const GstF2fPlan * plan);

GST_F2F_API guint gst_f2f_topology_get_n_peers (GstF2fTopology * topo);
GST_F2F_API guint gst_f2f_topology_get_n_links (GstF2fTopology * topo);

/* Deterministic: the same room state gives the same text. Under a plan
 * with mixers (and all of them in the graph): a mixer is a box in its own
 * colour labelled "mixer", a client an ellipse in a paler shade of its
 * mixer's colour labelled "client of <mixer's name>"; a mixer's link to
 * its client is an arrow from the mixer, links between mixers are thicker,
 * and every media link says what it carries each way ("→ composite 1.5
 * Mb/s, ← camera 400 kb/s"); a link that carries nothing either way is
 * grey, dashed and labelled "data only". The graph's label names the plan
 * (epoch, proposer). Without a plan the mesh is drawn as it always was.
 * A scored peer's node says "score 12.3 Mb/s", and "(not eligible)" when
 * it may not mix or "(unmeasured)" when its uplink was not measured. */
GST_F2F_API gchar *gst_f2f_topology_to_dot (GstF2fTopology * topo);
/* "f2f-topology": room, plan-epoch (guint64, 0 without a plan),
 * plan-proposer ("" without a plan), mixers (the effective plan's mixer
 * ids, comma-separated, "" for the mesh), nodes (list of "node": id, name,
 * role "mesh"/"mixer"/"client", leader, local, served-by for a client;
 * for a scored peer score (double, bit/s), eligible, measured),
 * links (list of "link": a, b, state, quality, a-to-b-feed, b-to-a-feed
 * ("camera", "composite", "submix" or "none"), a-to-b-bitrate,
 * b-to-a-bitrate, a-to-b-loss, b-to-a-loss, rtt-ms, jitter-ms). */
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
