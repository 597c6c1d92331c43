/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The room-wide topology plan as a pure value: which peers mix and whom
 * each mixer serves. No sockets, no pipelines: the election proposes and
 * adopts plans.
 *
 * A plan is
 *   - an epoch (plans with mixers start at 1; the mesh may be epoch 0),
 *   - its proposer (a peer id),
 *   - an ordered list of mixers (peer ids, no duplicates),
 *   - an assignment client id → mixer id.
 * The plan with no mixers is the mesh.
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fPlan, gst_f2f_plan_free);

G_END_DECLS
