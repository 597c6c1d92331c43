// f2f — topology plans in the browser: the same rules as gst/f2f/f2fplan.c.
// Copyright (C) 2026 the f2f authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Pure functions, no I/O: f2f.js asks them which plan wins, what this peer
// is under it, and what each link sends. Every GStreamer peer (f2fsignal)
// and every browser must come to the same answers from the same plans, so
// this file follows f2fplan.c rule for rule; tests/browser/plan.mjs checks
// it against the tables of tests/check/libs/plan.c.
//
// A plan is { epoch, proposer, mixers: [ids in order], assign: { client:
// mixer } }. With no mixers it is the mesh. Evaluated against the peers
// present (the local one included): the plan's mixers that are present mix
// (none present: the mesh); a client whose mixer left goes, in id order,
// to the present mixer with the fewest clients (the earlier on a tie); a
// present peer the plan does not name is a client of its first present
// mixer.

export const MAX_MIXERS = 64;
export const MAX_ASSIGNMENTS = 256;
const PEER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const ROLE = Object.freeze({ ABSENT: 'absent', MESH: 'mesh', MIXER: 'mixer', CLIENT: 'client' });
export const FEED = Object.freeze({ NONE: 'none', CAMERA: 'camera', COMPOSITE: 'composite', SUBMIX: 'submix' });
export const USE = Object.freeze({ NONE: 'none', VIEW: 'view', MIXER_OUTPUT: 'mixer-output', CLIENT_INPUT: 'client-input', MIXER_INPUT: 'mixer-input' });

/** A plan that does not parse or validate: `message` is for a person. */
export class PlanError extends Error {}

function checkId (id, what) {
  if (typeof id !== 'string') throw new PlanError(`malformed plan: a ${what} must be a string`);
  if (!PEER_ID.test(id)) {
    throw new PlanError(`the plan's ${what} ${JSON.stringify(id.slice(0, 64))} is not a valid peer id (1 to 64 of the characters A-Z a-z 0-9 - _)`);
  }
  return id;
}

/** A new plan (assign sorted by client, as f2fplan.c keeps it). */
export function makePlan (epoch, proposer, mixers = [], assign = {}) {
  const sorted = {};
  for (const c of Object.keys(assign).sort(compareIds)) sorted[c] = assign[c];
  return { epoch, proposer, mixers: [...mixers], assign: sorted };
}

// strcmp on ids: they are ASCII, so code-unit order is byte order.
function compareIds (a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The plan in a `plan` message (the parsed `plan` member), checked like
 * gst_f2f_plan_from_json: every member present and of its type, ids valid,
 * the limits, then validatePlan(). Unknown members are ignored. Throws a
 * PlanError. An epoch above 2^53 − 1 is refused here (JavaScript numbers
 * are exact only that far; f2f's limit is 2^63 − 1, which no room reaches).
 */
export function parsePlan (obj) {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new PlanError('malformed plan: not a JSON object');
  if (!Number.isSafeInteger(obj.epoch) || obj.epoch < 0) throw new PlanError('malformed plan: "epoch" must be a whole number, 0 or more');
  const proposer = checkId(obj.proposer, 'proposer');
  if (!Array.isArray(obj.mixers)) throw new PlanError('malformed plan: "mixers" must be an array of peer ids');
  if (obj.mixers.length > MAX_MIXERS) throw new PlanError(`a plan has at most ${MAX_MIXERS} mixers, this one ${obj.mixers.length}`);
  const mixers = obj.mixers.map((m) => checkId(m, 'mixer'));
  if (!obj.assign || typeof obj.assign !== 'object' || Array.isArray(obj.assign)) {
    throw new PlanError('malformed plan: "assign" must be an object of client: mixer');
  }
  const clients = Object.keys(obj.assign);
  if (clients.length > MAX_ASSIGNMENTS) throw new PlanError(`a plan has at most ${MAX_ASSIGNMENTS} assignments, this one ${clients.length}`);
  const assign = {};
  for (const c of clients) {
    checkId(c, 'client');
    assign[c] = checkId(obj.assign[c], 'mixer');
  }
  const plan = makePlan(obj.epoch, proposer, mixers, assign);
  validatePlan(plan);
  return plan;
}

/** Throws a PlanError as gst_f2f_plan_validate fails; @members (ids, or
 * null) are who may be named. */
export function validatePlan (plan, members = null) {
  const known = (id, what) => {
    checkId(id, what);
    if (members && !members.includes(id)) throw new PlanError(`the plan's ${what} "${id}" is not in the room`);
  };
  known(plan.proposer, 'proposer');
  for (const m of plan.mixers) known(m, 'mixer');
  for (const [c, m] of Object.entries(plan.assign)) {
    known(c, 'client');
    known(m, 'mixer');
  }
  if (plan.epoch === 0 && plan.mixers.length > 0) {
    throw new PlanError('a plan with mixers needs an epoch of at least 1 (epoch 0 is only for the mesh)');
  }
  plan.mixers.forEach((m, i) => {
    if (plan.mixers.indexOf(m) !== i) throw new PlanError(`the plan lists the mixer "${m}" twice`);
  });
  for (const c of Object.keys(plan.assign).sort(compareIds)) {
    const m = plan.assign[c];
    if (plan.mixers.includes(c)) {
      if (c === m) throw new PlanError(`the plan assigns the mixer "${c}" to itself as a client`);
      throw new PlanError(`the plan makes the mixer "${c}" a client of "${m}": mixers only exchange submixes, they are never served`);
    }
    if (!plan.mixers.includes(m)) throw new PlanError(`the plan assigns "${c}" to "${m}", which is not one of its mixers`);
  }
}

/** The JSON text of gst_f2f_plan_to_json: members in this order,
 * assignments sorted by client. Equal plans give the same text. */
export function planToJson (plan) {
  const assign = {};
  for (const c of Object.keys(plan.assign).sort(compareIds)) assign[c] = plan.assign[c];
  return JSON.stringify({ epoch: plan.epoch, proposer: plan.proposer, mixers: plan.mixers, assign });
}

export function plansEqual (a, b) {
  return planToJson(a) === planToJson(b);
}

/**
 * Whether @candidate replaces @current (null: nothing adopted yet), as
 * gst_f2f_plan_supersedes: the higher epoch; at equal epochs, between
 * different plans, the proposal of @leader, then the greater proposer id,
 * then the greater JSON text. A total order: every peer that sees the
 * same proposals keeps the same plan.
 */
export function supersedes (candidate, current, leader = null) {
  if (!current) return true;
  if (candidate.epoch !== current.epoch) return candidate.epoch > current.epoch;
  if (plansEqual(candidate, current)) return false;
  const candidateLeads = leader !== null && candidate.proposer === leader;
  const currentLeads = leader !== null && current.proposer === leader;
  if (candidateLeads !== currentLeads) return candidateLeads;
  if (candidate.proposer !== current.proposer) return candidate.proposer > current.proposer;
  return planToJson(candidate) > planToJson(current);
}

/** Whether @plan should replace a plan another peer holds that is known
 * only by the epoch and proposer its heartbeat names (@proposer null: it
 * holds none): supersedes() up to where it needs the whole plan; at the
 * same epoch and proposer the two are taken as one (false). f2fplan.c's
 * gst_f2f_plan_supersedes_known. */
export function supersedesKnown (plan, epoch, proposer, leader = null) {
  if (proposer === null || proposer === undefined) return true;
  if (plan.epoch !== epoch) return plan.epoch > epoch;
  if (plan.proposer === proposer) return false;
  const oursLeads = leader !== null && plan.proposer === leader;
  const theirsLeads = leader !== null && proposer === leader;
  if (oursLeads !== theirsLeads) return oursLeads;
  return plan.proposer > proposer;
}

/** The plan as it applies to @present: the mesh when none of its mixers
 * is present (or it has none). */
export function isMesh (plan, present) {
  return !plan || !plan.mixers.some((m) => present.includes(m));
}

function assignedMixer (plan, client) {
  const m = Object.prototype.hasOwnProperty.call(plan.assign, client) ? plan.assign[client] : null;
  return m && plan.mixers.includes(m) ? m : null;
}

/** The present mixer that serves @client (serving_mixer in f2fplan.c). */
function servingMixer (plan, client, present) {
  const first = plan.mixers.find((m) => present.includes(m));
  const assigned = assignedMixer(plan, client);
  if (assigned === null) return first;
  if (present.includes(assigned)) return assigned;
  const counts = plan.mixers.map(() => 0);
  const orphans = [];
  for (const p of present) {
    if (plan.mixers.includes(p)) continue;
    const m = assignedMixer(plan, p);
    if (m !== null && !present.includes(m)) { orphans.push(p); continue; }
    counts[plan.mixers.indexOf(m ?? first)]++;
  }
  orphans.sort(compareIds);
  for (const o of orphans) {
    let best = -1;
    plan.mixers.forEach((m, j) => {
      if (present.includes(m) && (best < 0 || counts[j] < counts[best])) best = j;
    });
    counts[best]++;
    if (o === client) return plan.mixers[best];
  }
  return first;
}

/** { role, mixer } of @peer under the effective plan (mixer: its mixer as
 * a client, else null). No plan is the mesh. */
export function roleOf (plan, peer, present) {
  if (!present.includes(peer)) return { role: ROLE.ABSENT, mixer: null };
  if (isMesh(plan, present)) return { role: ROLE.MESH, mixer: null };
  if (plan.mixers.includes(peer)) return { role: ROLE.MIXER, mixer: null };
  return { role: ROLE.CLIENT, mixer: servingMixer(plan, peer, present) };
}

/** What @local sends on its link to @remote (gst_f2f_plan_feed). */
export function feedOf (plan, local, remote, present) {
  if (local === remote) return FEED.NONE;
  const l = roleOf(plan, local, present);
  const r = roleOf(plan, remote, present);
  if (l.role === ROLE.ABSENT || r.role === ROLE.ABSENT) return FEED.NONE;
  switch (l.role) {
    case ROLE.MESH:
      return FEED.CAMERA;
    case ROLE.CLIENT:
      return remote === l.mixer ? FEED.CAMERA : FEED.NONE;
    case ROLE.MIXER:
      if (r.role === ROLE.MIXER) return FEED.SUBMIX;
      return r.mixer === local ? FEED.COMPOSITE : FEED.NONE;
    default:
      return FEED.NONE;
  }
}

/** What @local does with what arrives from @remote: the other end of
 * feedOf, read backwards (gst_f2f_plan_use). */
export function useOf (plan, local, remote, present) {
  switch (feedOf(plan, remote, local, present)) {
    case FEED.CAMERA:
      return roleOf(plan, local, present).role === ROLE.MIXER ? USE.CLIENT_INPUT : USE.VIEW;
    case FEED.COMPOSITE:
      return USE.MIXER_OUTPUT;
    case FEED.SUBMIX:
      return USE.MIXER_INPUT;
    default:
      return USE.NONE;
  }
}

/**
 * The plan a peer that cannot mix (a browser) proposes when @plan names it
 * (@me) as a mixer: one epoch above, by @me, with the other mixers, and
 * every other present peer a client spread over them in the order of
 * their ids — what f2fsignal's propose-topology makes. With no other mixer
 * it is the mesh.
 */
export function planWithout (plan, me, present) {
  const mixers = plan.mixers.filter((m) => m !== me && present.includes(m));
  const assign = {};
  if (mixers.length > 0) {
    const clients = present.filter((p) => !mixers.includes(p)).sort(compareIds);
    clients.forEach((c, i) => { assign[c] = mixers[i % mixers.length]; });
  }
  return makePlan(plan.epoch + 1, me, mixers, assign);
}

/** One line for logs and the page, e.g. "plan 7 by p: a serves c e". */
export function describePlan (plan) {
  if (!plan) return 'no plan (mesh)';
  let s = `plan ${plan.epoch} by ${plan.proposer}: `;
  if (plan.mixers.length === 0) return s + 'mesh';
  s += plan.mixers.map((m) => {
    const served = Object.keys(plan.assign).filter((c) => plan.assign[c] === m);
    return `${m} serves ${served.length ? served.join(' ') : 'nobody'}`;
  }).join('; ');
  return `${s}; late joiners go to ${plan.mixers[0]}`;
}
