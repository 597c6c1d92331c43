/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "f2felect.h"
#include "f2fprotocol-private.h"
#include "f2f-enumtypes.h"

void
gst_f2f_elect_config_init (GstF2fElectConfig * config)
{
  g_return_if_fail (config != NULL);

  config->max_mesh_size = GST_F2F_ELECT_DEFAULT_MAX_MESH_SIZE;
  config->max_clients_per_mixer = GST_F2F_ELECT_DEFAULT_MAX_CLIENTS_PER_MIXER;
  config->video_bps = GST_F2F_ELECT_DEFAULT_VIDEO_BPS;
  config->audio_bps = GST_F2F_ELECT_DEFAULT_AUDIO_BPS;
  config->min_dwell_ms = GST_F2F_ELECT_DEFAULT_MIN_DWELL_MS;
  config->shrink_dwell_ms = GST_F2F_ELECT_DEFAULT_SHRINK_DWELL_MS;
  config->min_gain = GST_F2F_ELECT_DEFAULT_MIN_GAIN;
  config->max_age_ms = GST_F2F_ELECT_DEFAULT_MAX_AGE_MS;
}

void
gst_f2f_measurement_init (GstF2fMeasurement * m, const gchar * peer)
{
  g_return_if_fail (m != NULL);

  m->peer = peer;
  m->uplink_bps = 0;
  m->capacity_class = GST_F2F_CAPACITY_NORMAL;
  m->rtt_ms = GST_F2F_ELECT_UNKNOWN;
  m->loss = GST_F2F_ELECT_UNKNOWN;
  m->cpu_load = GST_F2F_ELECT_UNKNOWN;
  m->encode_ms = GST_F2F_ELECT_UNKNOWN;
  m->age_ms = -1;
}

/* ---------------------------------------------------------------------- */
/* Scores */

guint64
gst_f2f_elect_mixer_need (const GstF2fElectConfig * config, guint n_clients,
    guint n_mixers)
{
  guint streams;

  g_return_val_if_fail (config != NULL, 0);

  streams = n_clients + (n_mixers > 0 ? n_mixers - 1 : 0);
  return (config->video_bps + config->audio_bps) * streams;
}

static gboolean
is_fresh (const GstF2fElectConfig * config, const GstF2fMeasurement * m)
{
  return m != NULL && m->age_ms >= 0 && m->age_ms <= config->max_age_ms;
}

/* 1 − weight × x, at least @floor; unknown (negative, or NaN from a broken
 * measurement) gives the neutral-low factor. */
static gdouble
penalty (gdouble x, gdouble weight, gdouble floor)
{
  if (!(x >= 0))
    return GST_F2F_ELECT_UNKNOWN_FACTOR;
  return MAX (floor, 1.0 - weight * x);
}

static gdouble
link_factor (const GstF2fMeasurement * fresh)
{
  if (fresh == NULL)
    return GST_F2F_ELECT_UNKNOWN_FACTOR * GST_F2F_ELECT_UNKNOWN_FACTOR;
  return penalty (fresh->loss, GST_F2F_ELECT_LOSS_WEIGHT,
      GST_F2F_ELECT_LOSS_FLOOR) * penalty (fresh->rtt_ms,
      1.0 / GST_F2F_ELECT_RTT_SCALE_MS, GST_F2F_ELECT_RTT_FLOOR);
}

static gdouble
machine_factor (const GstF2fMeasurement * fresh)
{
  gdouble cpu;

  if (fresh == NULL)
    return GST_F2F_ELECT_UNKNOWN_FACTOR * GST_F2F_ELECT_UNKNOWN_FACTOR;
  cpu = fresh->cpu_load >= 0 ? MIN (fresh->cpu_load, 1.0) : fresh->cpu_load;
  /* CPU has no floor of its own: a saturated machine is 1 − weight. */
  return penalty (cpu, GST_F2F_ELECT_CPU_WEIGHT, 0.0) *
      penalty (fresh->encode_ms, 1.0 / GST_F2F_ELECT_ENCODE_SCALE_MS,
      GST_F2F_ELECT_ENCODE_FLOOR);
}

void
gst_f2f_elect_score (const GstF2fElectConfig * config,
    const GstF2fMeasurement * m, guint64 need_bps, GstF2fElectScore * score)
{
  const GstF2fMeasurement *fresh;
  GstF2fCapacityClass klass;
  gdouble base, scale;

  g_return_if_fail (config != NULL && score != NULL);

  fresh = is_fresh (config, m) ? m : NULL;
  /* A declaration does not grow old. */
  klass = m ? m->capacity_class : GST_F2F_CAPACITY_NORMAL;
  scale = (klass == GST_F2F_CAPACITY_SERVER ? GST_F2F_ELECT_SERVER_FACTOR :
      1.0) * link_factor (fresh) * machine_factor (fresh);

  if (fresh && fresh->uplink_bps > 0) {
    base = GST_F2F_ELECT_USABLE_SHARE * (gdouble) fresh->uplink_bps;
    score->measured = TRUE;
    score->eligible = base >= (gdouble) need_bps;
  } else {
    base = GST_F2F_ELECT_UNMEASURED_SHARE * (gdouble) need_bps;
    score->measured = FALSE;
    score->eligible = TRUE;
  }
  if (klass == GST_F2F_CAPACITY_NEVER_MIXER)
    score->eligible = FALSE;
  score->value = base * scale;
}

gint
gst_f2f_elect_score_compare (const GstF2fElectScore * sa, const gchar * a,
    const GstF2fElectScore * sb, const gchar * b)
{
  g_return_val_if_fail (sa != NULL && sb != NULL && a != NULL && b != NULL, 0);

  if (sa->eligible != sb->eligible)
    return sa->eligible ? -1 : 1;
  if (sa->measured != sb->measured)
    return sa->measured ? -1 : 1;
  if (sa->value != sb->value)
    return sa->value > sb->value ? -1 : 1;
  return strcmp (a, b);
}

/* ---------------------------------------------------------------------- */
/* The decision */

typedef struct
{
  const gchar *id;
  const GstF2fMeasurement *m;   /* the latest record, or NULL */
  GstF2fElectScore score;       /* for an even split of the room */
  gdouble link;                 /* link_factor: which clients choose first */
} Peer;

typedef struct
{
  const GstF2fElectConfig *config;
  gint64 since;                 /* since the plan was adopted */
  gint64 stable;                /* since the membership last changed */
  GstF2fElectReason applied;    /* NONE, or the first reason acted on */
  GstF2fElectReason held;       /* the reason of the soonest held change */
  gint64 wait;                  /* > 0: how long the soonest one waits */
} Decision;

static void
apply (Decision * d, GstF2fElectReason reason)
{
  if (d->applied == GST_F2F_ELECT_REASON_NONE || reason < d->applied)
    d->applied = reason;
}

/* Remembers a change for @reason held for @left ms more. */
static void
hold (Decision * d, gint64 left, GstF2fElectReason reason)
{
  if (d->wait == 0 || left < d->wait || (left == d->wait && reason < d->held)) {
    d->wait = left;
    d->held = reason;
  }
}

/* TRUE when a change for @reason may be made now (the plan is at least
 * @dwell ms old); else holds it. */
static gboolean
dwell_passed (Decision * d, gint64 dwell, GstF2fElectReason reason)
{
  if (d->since >= dwell)
    return TRUE;
  hold (d, dwell - d->since, reason);
  return FALSE;
}

/* Fewer mixers, or the mesh: the plan has dwelt, and the room has been as
 * it is now for the shrink dwell (a room that keeps crossing the threshold
 * keeps its mixers). */
static gboolean
shrink_allowed (Decision * d)
{
  const GstF2fElectConfig *config = d->config;
  gint64 left = MAX (config->min_dwell_ms - d->since,
      config->shrink_dwell_ms - d->stable);

  if (left <= 0)
    return TRUE;
  hold (d, left, GST_F2F_ELECT_REASON_SHRINK);
  return FALSE;
}

static gint
rank (const Peer * a, const Peer * b)
{
  return gst_f2f_elect_score_compare (&a->score, a->id, &b->score, b->id);
}

static gint
rank_ptr (gconstpointer a, gconstpointer b)
{
  return rank (*(Peer * const *) a, *(Peer * const *) b);
}

/* Clients that choose first: the worst links, then by id. */
static gint
link_order (gconstpointer pa, gconstpointer pb)
{
  const Peer *a = *(Peer * const *) pa, *b = *(Peer * const *) pb;

  if (a->link != b->link)
    return a->link < b->link ? -1 : 1;
  return strcmp (a->id, b->id);
}

static gint
id_order (gconstpointer pa, gconstpointer pb)
{
  return strcmp ((*(Peer * const *) pa)->id, (*(Peer * const *) pb)->id);
}

static gboolean
contains (GPtrArray * peers, const Peer * p)
{
  return g_ptr_array_find (peers, p, NULL);
}

/* The fewest mixers that serve the room within max-clients-per-mixer with
 * enough eligible peers for an even split; 0 when there is none. Scores
 * every peer for that split (@need). When at least that many eligible
 * peers have a fresh record, a peer without one is made ineligible (see
 * "SILENT PEERS" in the header). */
static guint
mixer_count (const GstF2fElectConfig * config, Peer * peers, guint n,
    guint cap, guint64 * need)
{
  guint k, k_min, k_max, i;

  k_min = MAX (1, (n + cap) / (cap + 1));
  k_max = MIN (MAX (k_min, n / 2), n - 1);
  for (k = k_min; k <= k_max; k++) {
    /* the clients of the busiest mixer of an even split: ⌈(n − k) / k⌉ */
    guint per_mixer = (n - 1) / k, eligible = 0, recorded = 0;

    *need = gst_f2f_elect_mixer_need (config, per_mixer, k);
    for (i = 0; i < n; i++) {
      gst_f2f_elect_score (config, peers[i].m, *need, &peers[i].score);
      if (peers[i].score.eligible) {
        eligible++;
        if (is_fresh (config, peers[i].m))
          recorded++;
      }
    }
    if (recorded >= k) {
      for (i = 0; i < n; i++)
        if (!is_fresh (config, peers[i].m))
          peers[i].score.eligible = FALSE;
      return k;
    }
    if (eligible >= k)
      return k;
  }
  return 0;
}

/* UPLINK LIMITED (see the header): a peer with a fresh record whose
 * usable uplink is below @margin × its n − 1 mesh streams. */
static gboolean
uplink_limited (const GstF2fElectConfig * config, const Peer * peers, guint n,
    gdouble margin)
{
  guint64 streams;
  guint i;

  if (n < 3)
    return FALSE;
  streams = (guint64) (n - 1) * (config->video_bps + config->audio_bps);
  for (i = 0; i < n; i++) {
    const GstF2fMeasurement *m = peers[i].m;
    if (is_fresh (config, m) && m->uplink_bps > 0
        && GST_F2F_ELECT_USABLE_SHARE * m->uplink_bps < margin * streams)
      return TRUE;
  }
  return FALSE;
}

/* A peer whose measured uplink carries one mixer's load for the rest of
 * the room: an uplink-limited room takes a mixer only then, never one
 * nobody measured (it may carry less than the mesh it replaces). */
static gboolean
measured_mixer_exists (const GstF2fElectConfig * config, const Peer * peers,
    guint n)
{
  guint64 need = gst_f2f_elect_mixer_need (config, n - 1, 1);
  guint i;

  for (i = 0; i < n; i++) {
    GstF2fElectScore score;
    gst_f2f_elect_score (config, peers[i].m, need, &score);
    if (score.eligible && score.measured)
      return TRUE;
  }
  return FALSE;
}

/* The best-ranked eligible peer that is not in @mixers, or NULL. */
static Peer *
best_outsider (Peer * peers, guint n, GPtrArray * mixers)
{
  Peer *best = NULL;
  guint i;

  for (i = 0; i < n; i++) {
    Peer *p = &peers[i];
    if (!p->score.eligible || contains (mixers, p))
      continue;
    if (best == NULL || rank (p, best) < 0)
      best = p;
  }
  return best;
}

static guint
worst_index (GPtrArray * mixers)
{
  guint i, worst = 0;

  for (i = 1; i < mixers->len; i++)
    if (rank (g_ptr_array_index (mixers, i),
            g_ptr_array_index (mixers, worst)) > 0)
      worst = i;
  return worst;
}

static gboolean
better_by_gain (const GstF2fElectConfig * config, const Peer * candidate,
    const Peer * mixer)
{
  /* Only a peer ranked strictly above: with a gain of 0 and equal values
   * two peers would otherwise take each other's place for ever. */
  if (!candidate->score.eligible || rank (candidate, mixer) >= 0)
    return FALSE;
  if (!mixer->score.eligible)
    return TRUE;
  if (candidate->score.measured != mixer->score.measured)
    return candidate->score.measured;
  return candidate->score.value >=
      (1.0 + MAX (config->min_gain, 0.0)) * mixer->score.value;
}

/* The mixer a client of @plan uses, the plan's late-joiner rule included
 * but not its "a mixer is missing: mesh" rule (that one is the reason to
 * decide again, not where the client belongs). */
static const gchar *
mixer_of (const GstF2fPlan * plan, const gchar * client)
{
  const gchar *assigned;

  if (plan == NULL || gst_f2f_plan_get_n_mixers (plan) == 0
      || gst_f2f_plan_is_mixer (plan, client))
    return NULL;
  assigned = gst_f2f_plan_get_assignment (plan, client);
  if (assigned && gst_f2f_plan_is_mixer (plan, assigned))
    return assigned;
  return gst_f2f_plan_get_mixer (plan, 0);
}

static gint
mixer_index (GPtrArray * mixers, const gchar * id)
{
  guint i;

  if (id == NULL)
    return -1;
  for (i = 0; i < mixers->len; i++)
    if (strcmp (((Peer *) g_ptr_array_index (mixers, i))->id, id) == 0)
      return i;
  return -1;
}

/* Whether mixer @m can take one more client: under the count limit and,
 * when its uplink is known, enough of it (@capacity). */
static gboolean
has_room (const GstF2fElectConfig * config, const Peer * m, guint count,
    guint n_mixers, guint cap, gboolean capacity)
{
  if (count >= cap)
    return FALSE;
  if (!capacity || !m->score.measured)
    return TRUE;
  return GST_F2F_ELECT_USABLE_SHARE * (gdouble) m->m->uplink_bps >=
      (gdouble) gst_f2f_elect_mixer_need (config, count + 1, n_mixers);
}

/* Index of the mixer with the fewest clients per unit of value after one
 * more, among those with room (all of them when @anywhere); -1: none. */
static gint
least_loaded (const GstF2fElectConfig * config, GPtrArray * mixers,
    const guint * counts, guint cap, gboolean anywhere)
{
  gint best = -1;
  guint i;

  for (i = 0; i < mixers->len; i++) {
    const Peer *m = g_ptr_array_index (mixers, i);
    gdouble load;

    if (!anywhere && !has_room (config, m, counts[i], mixers->len, cap, TRUE))
      continue;
    if (best >= 0) {
      const Peer *b = g_ptr_array_index (mixers, best);
      gdouble best_load = (counts[best] + 1) / MAX (b->score.value, 1.0);
      load = (counts[i] + 1) / MAX (m->score.value, 1.0);
      if (load > best_load || (load == best_load && rank (m, b) > 0))
        continue;
    }
    best = i;
  }
  return best;
}

/* Every present client on a mixer (see "WHO SERVES WHOM" in the header):
 * fills @assignment[i] for peers[i] (-1 for the mixers themselves). */
static void
assign_clients (Decision * d, Peer * peers, guint n, GPtrArray * mixers,
    const GstF2fPlan * current, guint cap, gint * assignment)
{
  const GstF2fElectConfig *config = d->config;
  g_autofree guint *counts = g_new0 (guint, mixers->len);
  g_autofree guint *share = g_new (guint, mixers->len);
  g_autoptr (GPtrArray) rest = g_ptr_array_new ();
  gboolean capacity_now = d->since >= config->min_dwell_ms;
  gboolean held_for_capacity = FALSE, changed;
  guint n_clients = n - mixers->len, pass, i;
  gdouble total = 0;

  for (i = 0; i < n; i++)
    assignment[i] = -1;

  /* When the mixers change, each keeps its clients only up to its share
   * of them (in proportion to value, rounded up): a new mixer takes its
   * part from the others. When they do not, nobody moves for balance. */
  changed = current == NULL
      || gst_f2f_plan_get_n_mixers (current) != mixers->len;
  for (i = 0; i < mixers->len; i++) {
    const Peer *m = g_ptr_array_index (mixers, i);
    total += MAX (m->score.value, 1.0);
    if (current && !gst_f2f_plan_is_mixer (current, m->id))
      changed = TRUE;
  }
  for (i = 0; i < mixers->len; i++) {
    const Peer *m = g_ptr_array_index (mixers, i);
    gdouble exact = n_clients * MAX (m->score.value, 1.0) / total;
    guint up = (guint) exact;

    /* rounded up; the epsilon keeps an exact share from becoming one more */
    if (exact - up > 1e-9)
      up++;
    share[i] = changed ? MIN (cap, up) : cap;
  }

  /* Keep: the clients the plan assigned first (they were there before the
   * late joiners), then the late joiners; by id within each. */
  for (pass = 0; pass < 2; pass++) {
    g_autoptr (GPtrArray) order = g_ptr_array_new ();

    for (i = 0; i < n; i++) {
      const gchar *assigned;
      gboolean explicit;

      if (contains (mixers, &peers[i]))
        continue;
      assigned = current ? gst_f2f_plan_get_assignment (current, peers[i].id)
          : NULL;
      explicit = assigned && gst_f2f_plan_is_mixer (current, assigned);
      if (explicit == (pass == 0))
        g_ptr_array_add (order, &peers[i]);
    }
    g_ptr_array_sort (order, id_order);
    for (i = 0; i < order->len; i++) {
      Peer *c = g_ptr_array_index (order, i);
      gint m = mixer_index (mixers, mixer_of (current, c->id));
      guint index = c - peers;

      /* Measurements move a kept client only once the plan has dwelt;
       * the count limit holds at once. */
      if (m >= 0 && counts[m] < share[m]
          && has_room (config, g_ptr_array_index (mixers, m),
              counts[m], mixers->len, cap, capacity_now)) {
        if (!capacity_now && !has_room (config, g_ptr_array_index (mixers,
                    m), counts[m], mixers->len, cap, TRUE))
          held_for_capacity = TRUE;
        assignment[index] = m;
        counts[m]++;
      } else {
        g_ptr_array_add (rest, c);
      }
    }
  }
  if (held_for_capacity)
    dwell_passed (d, config->min_dwell_ms, GST_F2F_ELECT_REASON_UNFIT);

  /* The others choose, the worst links first. */
  g_ptr_array_sort (rest, link_order);
  for (i = 0; i < rest->len; i++) {
    Peer *c = g_ptr_array_index (rest, i);
    gint m = least_loaded (config, mixers, counts, cap, FALSE);

    if (m < 0)
      m = least_loaded (config, mixers, counts, cap, TRUE);
    assignment[c - peers] = m;
    counts[m]++;
  }
}

/* Every present peer has the same role and, as a client, the same mixer
 * under both plans. */
static gboolean
same_effect (const GstF2fPlan * a, const GstF2fPlan * b,
    const gchar * const *members)
{
  guint i;

  for (i = 0; members[i]; i++) {
    const gchar *ma, *mb;

    if (gst_f2f_plan_get_role (a, members[i], members, &ma) !=
        gst_f2f_plan_get_role (b, members[i], members, &mb))
      return FALSE;
    if ((ma == NULL) != (mb == NULL) || (ma && strcmp (ma, mb) != 0))
      return FALSE;
  }
  return TRUE;
}

static gboolean
names_absent_mixer (const GstF2fPlan * plan, const gchar * const *members)
{
  guint i;

  for (i = 0; i < gst_f2f_plan_get_n_mixers (plan); i++)
    if (!g_strv_contains (members, gst_f2f_plan_get_mixer (plan, i)))
      return TRUE;
  return FALSE;
}

static GstF2fPlan *
finish (Decision * d, const GstF2fPlan * current, GstF2fPlan * next,
    const gchar * const *members, GstF2fElectResult * result)
{
  GstF2fElectReason reason = d->applied;

  /* A plan replacing one whose mixer left may have the same effect (the
   * plan's own rule has moved that mixer's clients already, or made the
   * room a mesh) but is still made: a plan naming a peer that left would
   * come back to life if that peer rejoined with its id. */
  if (next && current && !names_absent_mixer (current, members)
      && same_effect (current, next, members)) {
    gst_f2f_plan_free (next);
    next = NULL;
  }
  if (next && reason == GST_F2F_ELECT_REASON_NONE) {
    guint i;

    /* Nothing above changed the mixers, yet someone moved: a newcomer the
     * first mixer could not take, or a kept client its mixer can no
     * longer carry. */
    reason = GST_F2F_ELECT_REASON_UNFIT;
    for (i = 0; current && members[i]; i++)
      if (!gst_f2f_plan_is_mixer (current, members[i])
          && !gst_f2f_plan_get_assignment (current, members[i]))
        reason = GST_F2F_ELECT_REASON_NEWCOMER;
  }
  if (result) {
    if (next) {
      result->reason = reason;
      result->wait_ms = 0;
    } else if (d->wait > 0) {
      result->reason = d->held;
      result->wait_ms = d->wait;
    } else {
      result->reason = d->applied == GST_F2F_ELECT_REASON_NO_CANDIDATE ?
          d->applied : GST_F2F_ELECT_REASON_NONE;
      result->wait_ms = 0;
    }
  }
  return next;
}

GstF2fPlan *
gst_f2f_elect_decide (const GstF2fElectConfig * config,
    const GstF2fMeasurement * measurements, guint n_measurements,
    const GstF2fPlan * current, const gchar * const *members,
    const gchar * proposer, gint64 since_change_ms,
    gint64 since_membership_ms, GstF2fElectResult * result)
{
  Decision d = { config, MAX (since_change_ms, 0),
    MAX (since_membership_ms, 0), GST_F2F_ELECT_REASON_NONE,
    GST_F2F_ELECT_REASON_NONE, 0
  };
  g_autoptr (GHashTable) records = NULL;
  g_autoptr (GPtrArray) mixers = NULL;
  g_autofree Peer *peers = NULL;
  g_autofree gint *assignment = NULL;
  GstF2fPlan *next;
  guint n, i, k, cap, max_mesh, n_current = 0;
  gboolean departed = FALSE, limited;
  guint64 epoch, need = 0;

  if (result) {
    result->reason = GST_F2F_ELECT_REASON_NONE;
    result->wait_ms = 0;
  }
  g_return_val_if_fail (config != NULL && members != NULL, NULL);
  g_return_val_if_fail (proposer != NULL, NULL);
  g_return_val_if_fail (measurements != NULL || n_measurements == 0, NULL);
  g_return_val_if_fail (g_strv_contains (members, proposer), NULL);

  if (current) {
    if (gst_f2f_plan_get_epoch (current) >= G_MAXINT64)
      return NULL;
    n_current = gst_f2f_plan_get_n_mixers (current);
    for (i = 0; i < n_current; i++)
      if (!g_strv_contains (members, gst_f2f_plan_get_mixer (current, i)))
        departed = TRUE;
  }
  epoch = current ? gst_f2f_plan_get_epoch (current) + 1 : 1;
  n = g_strv_length ((gchar **) members);
  cap = MAX (config->max_clients_per_mixer, 1);
  max_mesh = MAX (config->max_mesh_size, 2);

  records = g_hash_table_new (g_str_hash, g_str_equal);
  for (i = 0; i < n_measurements; i++)
    if (measurements[i].peer)
      g_hash_table_insert (records, (gpointer) measurements[i].peer,
          (gpointer) & measurements[i]);
  peers = g_new0 (Peer, n);
  for (i = 0; i < n; i++) {
    peers[i].id = members[i];
    peers[i].m = g_hash_table_lookup (records, members[i]);
    peers[i].link = link_factor (is_fresh (config, peers[i].m) ?
        peers[i].m : NULL);
  }

  /* A room that fits a mesh, unless a peer's uplink cannot carry it.
   * When a mixer left, the plan's rule has given its clients to the
   * mixers still here (or made the room a mesh, with none left); the
   * explicit mesh plan can wait like any shrink. */
  limited = n <= max_mesh && uplink_limited (config, peers, n,
      n_current ? GST_F2F_ELECT_LIMIT_MARGIN : 1.0)
      && measured_mixer_exists (config, peers, n);
  if (n <= max_mesh && !limited) {
    if (n_current == 0 || !shrink_allowed (&d))
      return finish (&d, current, NULL, members, result);
    apply (&d, GST_F2F_ELECT_REASON_SHRINK);
    return finish (&d, current, gst_f2f_plan_new (epoch, proposer), members,
        result);
  }

  k = mixer_count (config, peers, n, cap, &need);
  if (k == 0) {
    apply (&d, GST_F2F_ELECT_REASON_NO_CANDIDATE);
    /* Nobody can carry a mixer's load: the mesh, after the dwell (a mixer
     * that measured badly once is not dropped at once). */
    if (n_current == 0 || !dwell_passed (&d, config->min_dwell_ms,
            GST_F2F_ELECT_REASON_NO_CANDIDATE))
      return finish (&d, current, NULL, members, result);
    return finish (&d, current, gst_f2f_plan_new (epoch, proposer), members,
        result);
  }

  mixers = g_ptr_array_new ();
  if (n_current == 0) {
    g_autoptr (GPtrArray) ranked = g_ptr_array_new ();

    for (i = 0; i < n; i++)
      g_ptr_array_add (ranked, &peers[i]);
    g_ptr_array_sort (ranked, rank_ptr);
    for (i = 0; i < k; i++)
      g_ptr_array_add (mixers, g_ptr_array_index (ranked, i));
    apply (&d, limited ? GST_F2F_ELECT_REASON_UPLINK_LIMITED :
        GST_F2F_ELECT_REASON_GROW);
  } else {
    gboolean removed_unfit = FALSE;

    /* The plan's mixers still here, in the plan's order (its first mixer
     * takes late joiners: keeping it keeps them where they are). */
    for (i = 0; i < n_current; i++) {
      const gchar *id = gst_f2f_plan_get_mixer (current, i);
      guint j;
      for (j = 0; j < n; j++)
        if (strcmp (peers[j].id, id) == 0 && !contains (mixers, &peers[j]))
          g_ptr_array_add (mixers, &peers[j]);
    }
    if (departed)
      apply (&d, GST_F2F_ELECT_REASON_MIXER_LEFT);

    /* Mixers that can no longer carry an even share, or declared
     * never-mixer. */
    for (i = 0; i < mixers->len;) {
      Peer *m = g_ptr_array_index (mixers, i);
      if (!m->score.eligible && dwell_passed (&d, config->min_dwell_ms,
              GST_F2F_ELECT_REASON_UNFIT)) {
        g_ptr_array_remove_index (mixers, i);
        removed_unfit = TRUE;
        apply (&d, GST_F2F_ELECT_REASON_UNFIT);
        continue;
      }
      i++;
    }

    /* Too few: a mixer left, one was unfit, or the room grew. At once. */
    while (mixers->len < k) {
      Peer *p = best_outsider (peers, n, mixers);
      if (p == NULL)
        break;
      g_ptr_array_add (mixers, p);
      apply (&d, departed ? GST_F2F_ELECT_REASON_MIXER_LEFT : removed_unfit ?
          GST_F2F_ELECT_REASON_UNFIT : GST_F2F_ELECT_REASON_GROW);
    }

    /* Too many: only after the shrink dwell. The worst go. */
    if (mixers->len > k && shrink_allowed (&d)) {
      while (mixers->len > k)
        g_ptr_array_remove_index (mixers, worst_index (mixers));
      apply (&d, GST_F2F_ELECT_REASON_SHRINK);
    }

    /* A better peer replaces the worst mixer, in its place, when better
     * by the gain and once the plan has dwelt. */
    for (;;) {
      Peer *p = best_outsider (peers, n, mixers);
      guint w = worst_index (mixers);

      if (p == NULL || !better_by_gain (config, p,
              g_ptr_array_index (mixers, w)))
        break;
      if (!dwell_passed (&d, config->min_dwell_ms, GST_F2F_ELECT_REASON_BETTER))
        break;
      g_ptr_array_index (mixers, w) = p;
      apply (&d, GST_F2F_ELECT_REASON_BETTER);
    }
  }

  /* Not reached with k ≥ 1 (there are k eligible peers to fill from),
   * kept for safety: with no mixer the room is a mesh. */
  if (mixers->len == 0)
    return finish (&d, current, NULL, members, result);

  assignment = g_new (gint, n);
  assign_clients (&d, peers, n, mixers, current, cap, assignment);

  next = gst_f2f_plan_new (epoch, proposer);
  for (i = 0; i < mixers->len; i++)
    gst_f2f_plan_add_mixer (next, ((Peer *) g_ptr_array_index (mixers, i))->id);
  for (i = 0; i < n; i++)
    if (assignment[i] >= 0)
      gst_f2f_plan_assign (next, peers[i].id,
          ((Peer *) g_ptr_array_index (mixers, assignment[i]))->id);
  return finish (&d, current, next, members, result);
}

/* ---------------------------------------------------------------------- */

const gchar *
gst_f2f_capacity_class_to_string (GstF2fCapacityClass klass)
{
  return gst_f2f_enum_nick (GST_TYPE_F2F_CAPACITY_CLASS, klass);
}

const gchar *
gst_f2f_elect_reason_to_string (GstF2fElectReason reason)
{
  return gst_f2f_enum_nick (GST_TYPE_F2F_ELECT_REASON, reason);
}
