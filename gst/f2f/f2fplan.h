/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The room-wide topology plan as a pure value: which peers mix, whom each
 * mixer serves, and from that what every link carries. No sockets, no
 * pipelines: the election proposes and adopts plans, the router and the
 * receiver ask the plan what each link sends and what it brings.
 *
 * A plan is
 *   - an epoch (plans with mixers start at 1; the mesh may be epoch 0),
 *   - its proposer (a peer id),
 *   - an ordered list of mixers (peer ids, no duplicates),
 *   - an assignment client id → mixer id.
 * The plan with no mixers is the mesh.
 *
 * Effective plan. Every peer evaluates the plan against the peers present
 * right now (`present`: every peer in the room, the local one included),
 * all the same way and without a message, so a mixer leaving never leaves
 * its clients deaf until a new plan arrives:
 *   - the plan's mixers that are present are MIXERs; when none is (or the
 *     plan has none), the effective plan is the mesh: everyone is MESH;
 *   - an assigned client whose mixer is present is a CLIENT of it;
 *   - a client whose mixer left (an orphan) is a CLIENT of a present
 *     mixer: the orphans, in id order, each go to the present mixer with
 *     the fewest clients so far (its own clients and the late joiners
 *     counted first), the earlier in the list on a tie. The other mixers'
 *     clients do not move, and the room does not fall back on the mesh
 *     while a mixer is still here (at 8 peers on 2 cores, a 7-peer mesh for
 *     the second before the election's next plan starved every peer);
 *   - a present peer the plan does not name (it joined after the plan was
 *     made) is a CLIENT of the first present mixer in the list, so it gets
 *     sound and picture before the next plan.
 * Assigned clients that are not present are simply absent. The election
 * replaces a plan naming a mixer that left at once (f2felect.h), usually
 * with the same effect.
 *
 * Media. Every peer keeps a link to every other peer (data channels stay
 * direct and the mesh fallback is instant); the plan only decides what
 * each link's senders are fed (GstF2fFeed) and what the receiving side
 * does with it (GstF2fUse):
 *   - mesh ↔ mesh: the camera (and mic) both ways;
 *   - a client sends its camera to its mixer only; its other links stay up
 *     with media paused;
 *   - a mixer sends each of its clients the COMPOSITE: the one room
 *     picture (the same for all its clients) and the N-1 audio mix made for
 *     that client (everyone but the client);
 *   - a mixer sends each other mixer a SUBMIX: itself and its own clients
 *     only, never what another mixer sent it, so mixers mesh, clients are
 *     leaves, and nobody hears anybody twice or themselves at all;
 *   - a mixer sends nothing to another mixer's clients.
 *
 * Which plan wins (gst_f2f_plan_supersedes): the higher epoch; at equal
 * epochs, between plans that differ, the room leader's proposal, then the
 * greater proposer id. That is a total order on plans, so every peer that
 * sees the same set of proposals adopts the same one, whatever the order
 * they arrived in.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>

G_BEGIN_DECLS

/* Limits enforced by gst_f2f_plan_from_json(): far above any room f2f can
 * carry, low enough that a hostile plan costs nothing to refuse. */
#define GST_F2F_PLAN_MAX_MIXERS 64
#define GST_F2F_PLAN_MAX_ASSIGNMENTS 256

/**
 * GstF2fPlanError:
 * @GST_F2F_PLAN_ERROR_MALFORMED: the JSON form is not a plan: not JSON, not
 *   an object, a member missing or of the wrong type.
 * @GST_F2F_PLAN_ERROR_TOO_LARGE: more mixers or assignments than the limits.
 * @GST_F2F_PLAN_ERROR_INVALID_ID: a peer id that no peer can have.
 * @GST_F2F_PLAN_ERROR_UNKNOWN_PEER: a peer id that is not in the room.
 * @GST_F2F_PLAN_ERROR_DUPLICATE_MIXER: a mixer listed twice.
 * @GST_F2F_PLAN_ERROR_NOT_A_MIXER: a client assigned to a peer that is not
 *   one of the plan's mixers.
 * @GST_F2F_PLAN_ERROR_CYCLE: a mixer assigned as a client (of itself or of
 *   another mixer): mixers only mesh with each other.
 * @GST_F2F_PLAN_ERROR_EPOCH: epoch 0 with mixers; epoch 0 is for the mesh
 *   only, so a room's first plan with mixers always beats the mesh.
 *
 * Codes of %GST_F2F_PLAN_ERROR GErrors.
 */
typedef enum
{
  GST_F2F_PLAN_ERROR_MALFORMED,
  GST_F2F_PLAN_ERROR_TOO_LARGE,
  GST_F2F_PLAN_ERROR_INVALID_ID,
  GST_F2F_PLAN_ERROR_UNKNOWN_PEER,
  GST_F2F_PLAN_ERROR_DUPLICATE_MIXER,
  GST_F2F_PLAN_ERROR_NOT_A_MIXER,
  GST_F2F_PLAN_ERROR_CYCLE,
  GST_F2F_PLAN_ERROR_EPOCH,
} GstF2fPlanError;

#define GST_F2F_PLAN_ERROR (gst_f2f_plan_error_quark ())
GST_F2F_API GQuark gst_f2f_plan_error_quark (void);

/**
 * GstF2fPlanRole:
 * @GST_F2F_PLAN_ROLE_ABSENT: the peer is not present.
 * @GST_F2F_PLAN_ROLE_MESH: the effective plan is the mesh.
 * @GST_F2F_PLAN_ROLE_MIXER: the peer mixes for its clients.
 * @GST_F2F_PLAN_ROLE_CLIENT: the peer is served by one mixer.
 *
 * What a peer does under the effective plan.
 */
typedef enum
{
  GST_F2F_PLAN_ROLE_ABSENT,
  GST_F2F_PLAN_ROLE_MESH,
  GST_F2F_PLAN_ROLE_MIXER,
  GST_F2F_PLAN_ROLE_CLIENT,
} GstF2fPlanRole;

/**
 * GstF2fFeed:
 * @GST_F2F_FEED_NONE: nothing: the link stays up, its media paused.
 * @GST_F2F_FEED_CAMERA: the local camera and microphone (mesh to mesh, or a
 *   client to its mixer).
 * @GST_F2F_FEED_COMPOSITE: a mixer to one of its clients: the one
 *   composite picture and the N-1 audio mix made for that client.
 * @GST_F2F_FEED_SUBMIX: a mixer to another mixer: a composite and a mix of
 *   the mixer itself and its own clients only.
 *
 * What the local peer sends on its link to one remote peer.
 */
typedef enum
{
  GST_F2F_FEED_NONE,
  GST_F2F_FEED_CAMERA,
  GST_F2F_FEED_COMPOSITE,
  GST_F2F_FEED_SUBMIX,
} GstF2fFeed;

/**
 * GstF2fUse:
 * @GST_F2F_USE_NONE: nothing arrives from the remote peer.
 * @GST_F2F_USE_VIEW: mesh: the remote camera goes into the local room view.
 * @GST_F2F_USE_MIXER_OUTPUT: a client: what its mixer sends is the whole
 *   room (picture and sound).
 * @GST_F2F_USE_CLIENT_INPUT: a mixer: the remote peer is one of its clients;
 *   its camera and mic are inputs of the composite and of the mixes.
 * @GST_F2F_USE_MIXER_INPUT: a mixer: the remote peer is another mixer; its
 *   submix is an input of what this mixer sends its clients, never of what
 *   it sends other mixers.
 *
 * What the local peer does with what arrives on its link from one remote
 * peer: always the other end of gst_f2f_plan_feed() on that link.
 */
typedef enum
{
  GST_F2F_USE_NONE,
  GST_F2F_USE_VIEW,
  GST_F2F_USE_MIXER_OUTPUT,
  GST_F2F_USE_CLIENT_INPUT,
  GST_F2F_USE_MIXER_INPUT,
} GstF2fUse;

/**
 * GstF2fPlan:
 *
 * A room-wide plan; a boxed value. Build it with gst_f2f_plan_new(),
 * gst_f2f_plan_add_mixer() and gst_f2f_plan_assign(), or parse it with
 * gst_f2f_plan_from_json(); once handed to anyone else treat it as
 * read-only and share copies.
 */
typedef struct _GstF2fPlan GstF2fPlan;

GST_F2F_API GType gst_f2f_plan_get_type (void);
#define GST_TYPE_F2F_PLAN (gst_f2f_plan_get_type ())

/* @proposer: the peer that made the plan. With no mixers added the plan is
 * the mesh. @epoch is at most G_MAXINT64 (the JSON form is signed). */
GST_F2F_API GstF2fPlan *gst_f2f_plan_new (guint64 epoch,
    const gchar * proposer);
GST_F2F_API GstF2fPlan *gst_f2f_plan_copy (const GstF2fPlan * plan);
GST_F2F_API void gst_f2f_plan_free (GstF2fPlan * plan);

/* Appends @mixer to the ordered list, even when it is already there (so
 * that validation can be tested on such plans; it refuses them). */
GST_F2F_API void gst_f2f_plan_add_mixer (GstF2fPlan * plan,
    const gchar * mixer);
/* @client is served by @mixer; replaces what @client had. */
GST_F2F_API void gst_f2f_plan_assign (GstF2fPlan * plan,
    const gchar * client, const gchar * mixer);

GST_F2F_API guint64 gst_f2f_plan_get_epoch (const GstF2fPlan * plan);
GST_F2F_API const gchar *gst_f2f_plan_get_proposer (const GstF2fPlan * plan);
GST_F2F_API guint gst_f2f_plan_get_n_mixers (const GstF2fPlan * plan);
GST_F2F_API const gchar *gst_f2f_plan_get_mixer (const GstF2fPlan * plan,
    guint index);
GST_F2F_API gboolean gst_f2f_plan_is_mixer (const GstF2fPlan * plan,
    const gchar * peer);
/* The mixer @client is assigned to, or NULL. */
GST_F2F_API const gchar *gst_f2f_plan_get_assignment (const GstF2fPlan *
    plan, const gchar * client);
GST_F2F_API guint gst_f2f_plan_get_n_assignments (const GstF2fPlan * plan);

/* Same epoch, proposer, mixers in the same order, same assignment. */
GST_F2F_API gboolean gst_f2f_plan_equal (const GstF2fPlan * a,
    const GstF2fPlan * b);

/* FALSE, with @error in %GST_F2F_PLAN_ERROR and a reason a person
 * understands, when: an id (proposer, mixer, client) is not a valid peer
 * id, or is not among @members (when @members is not NULL; a peer that
 * left is unknown, so a proposal racing a departure is refused and the
 * next one is taken); a mixer is listed twice; a client is assigned to a
 * peer that is not a mixer; a mixer is assigned as a client; the epoch is
 * 0 with mixers. */
GST_F2F_API gboolean gst_f2f_plan_validate (const GstF2fPlan * plan,
    const gchar * const *members, GError ** error);

/* The JSON form, members in this order, assignments sorted by client:
 *   {"epoch":7,"proposer":"p","mixers":["a","b"],"assign":{"c":"a","d":"b"}}
 * Equal plans give the same text. */
GST_F2F_API gchar *gst_f2f_plan_to_json (const GstF2fPlan * plan);
/* Strict: every member above is required and of its type (epoch a
 * non-negative integer), at most GST_F2F_PLAN_MAX_MIXERS mixers and
 * GST_F2F_PLAN_MAX_ASSIGNMENTS assignments, every id valid, and the plan
 * passes gst_f2f_plan_validate() without members. Unknown members are
 * ignored, so the form can grow. (A client named twice in "assign" is read
 * as json-glib reads it: the last one counts.) */
GST_F2F_API GstF2fPlan *gst_f2f_plan_from_json (const gchar * json,
    gsize length, GError ** error);

/* One line for logs, e.g. "plan 7 by p: a serves c e; b serves d; late
 * joiners go to a" or "plan 0 by p: mesh". Never fails, also on an invalid
 * plan. */
GST_F2F_API gchar *gst_f2f_plan_describe (const GstF2fPlan * plan);

/* @candidate should replace @current (NULL: nothing adopted yet): a higher
 * epoch; at the same epoch, and only when the plans differ, the proposal
 * of @leader_id (may be NULL) over anyone else's, then the greater
 * proposer id (strcmp), then — two different plans with the same epoch
 * from the same proposer, which a correct proposer never makes — the
 * greater JSON form, so that the order stays total. Equal plans: FALSE. */
GST_F2F_API gboolean gst_f2f_plan_supersedes (const GstF2fPlan * candidate,
    const GstF2fPlan * current, const gchar * leader_id);

/* @plan should replace a plan another peer holds that is known only by
 * its epoch and proposer (what its heartbeats say; @proposer NULL: it
 * holds none). The order of gst_f2f_plan_supersedes, up to where it needs
 * the whole plan: at the same epoch and proposer the two are taken to be
 * the same plan (FALSE). Answers which of two peers should send its plan
 * to the other, so that a peer that missed a plan message gets it from
 * the next heartbeat it sends (docs/protocol.md, "Plans"). */
GST_F2F_API gboolean gst_f2f_plan_supersedes_known (const GstF2fPlan * plan,
    guint64 epoch, const gchar * proposer, const gchar * leader_id);

/* The plan as it applies to @present (see the top of this file): TRUE
 * when none of its mixers is present (or it has none). */
GST_F2F_API gboolean gst_f2f_plan_is_mesh (const GstF2fPlan * plan,
    const gchar * const *present);

/* @peer's role under the effective plan; for a CLIENT, @mixer (optional)
 * is set to its mixer (owned by @plan), else to NULL. Also defined on
 * plans that fail validation: a peer listed as a mixer is a mixer whatever
 * it is assigned to, and an assignment to a non-mixer counts as none. */
GST_F2F_API GstF2fPlanRole gst_f2f_plan_get_role (const GstF2fPlan * plan,
    const gchar * peer, const gchar * const *present, const gchar ** mixer);

/* What @local sends on its link to @remote (NONE when either is absent,
 * or they are the same peer). */
GST_F2F_API GstF2fFeed gst_f2f_plan_feed (const GstF2fPlan * plan,
    const gchar * local, const gchar * remote, const gchar * const *present);
/* What @local does with what arrives from @remote. */
GST_F2F_API GstF2fUse gst_f2f_plan_use (const GstF2fPlan * plan,
    const gchar * local, const gchar * remote, const gchar * const *present);

/* The inputs of the AUDIO @mixer sends @output_peer, as peer ids (the
 * mixer's own microphone written as its own id), in this order: the mixer,
 * its clients sorted, the other mixers in the plan's order (their
 * submixes).
 *   - to one of its clients c: itself, its other clients (not c), every
 *     other mixer;
 *   - to another mixer: itself and its own clients only;
 *   - to itself (what the mixer's own user hears): its clients and the
 *     other mixers.
 * NULL when @mixer is not a mixer of the effective plan or sends
 * @output_peer no mix. */
GST_F2F_API gchar **gst_f2f_plan_mix_inputs (const GstF2fPlan * plan,
    const gchar * mixer, const gchar * output_peer,
    const gchar * const *present);
/* The inputs of the PICTURE @mixer sends @output_peer, in the same order:
 * to its clients (one composite for all of them, so each client sees
 * itself in it) and to itself: itself, all its clients, the other mixers;
 * to another mixer: itself and its own clients. NULL as above. */
GST_F2F_API gchar **gst_f2f_plan_composite_inputs (const GstF2fPlan * plan,
    const gchar * mixer, const gchar * output_peer,
    const gchar * const *present);

/* The enums' nicks ("none", "camera", …), for logs. */
GST_F2F_API const gchar *gst_f2f_plan_role_to_string (GstF2fPlanRole role);
GST_F2F_API const gchar *gst_f2f_feed_to_string (GstF2fFeed feed);
GST_F2F_API const gchar *gst_f2f_use_to_string (GstF2fUse use);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fPlan, gst_f2f_plan_free);

G_END_DECLS
