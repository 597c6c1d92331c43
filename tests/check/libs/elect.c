/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The election's decision as tables. A room is written as one word per
 * peer, the first one the caller (the plan's proposer):
 *
 *   "<id>"                   a peer with no measurement record at all
 *   "<id>=<uplink>[:opt]…"   a fresh record; uplink like 800k, 20M, or ?
 *                            (unknown); opts: s server-class, n never-mixer,
 *                            l<loss %>, r<rtt ms>, c<cpu %>, e<encode ms>,
 *                            a<age ms> (default 0)
 *
 * e.g. "a=10M b=2M:s:l0 c=?:n d". Quality measurements not written are
 * unknown. Plans are written as in libs/plan.c:
 * "<epoch> <proposer> | <mixer> … | <client>><mixer> …".
 *
 * Unless a row says otherwise: max-mesh-size 4, max-clients-per-mixer 6,
 * 800 kbit/s video + 64 kbit/s audio (864 kbit/s a stream), min-dwell 5 s,
 * shrink-dwell 10 s, min-gain 20 %, max-age 10 s. So one mixer with 4
 * clients needs 3.456 Mbit/s, which a 5M uplink carries (80 % of it is
 * 4M) and a 4M uplink does not.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

#define LONG_AGO G_MAXINT64

static gchar **
words (const gchar * s)
{
  g_auto (GStrv) parts = g_strsplit (s ? s : "", " ", -1);
  GPtrArray *out = g_ptr_array_new ();
  guint i;

  for (i = 0; parts[i]; i++)
    if (*parts[i])
      g_ptr_array_add (out, g_strdup (parts[i]));
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

static GstF2fPlan *
plan_from_spec (const gchar * spec)
{
  g_auto (GStrv) parts = g_strsplit (spec, "|", 3);
  g_auto (GStrv) head = words (parts[0]);
  g_auto (GStrv) mixers = words (parts[0] ? parts[1] : NULL);
  g_auto (GStrv) assign = words (parts[0] && parts[1] ? parts[2] : NULL);
  GstF2fPlan *plan;
  guint i;

  fail_unless (g_strv_length (head) == 2, "bad spec %s", spec);
  plan = gst_f2f_plan_new (g_ascii_strtoull (head[0], NULL, 10), head[1]);
  for (i = 0; mixers[i]; i++)
    gst_f2f_plan_add_mixer (plan, mixers[i]);
  for (i = 0; assign[i]; i++) {
    g_auto (GStrv) pair = g_strsplit (assign[i], ">", 2);
    fail_unless (pair[1] != NULL, "bad assignment in %s", spec);
    gst_f2f_plan_assign (plan, pair[0], pair[1]);
  }
  return plan;
}

/* A room: its members (ids owned here) and their records. */
typedef struct
{
  gchar **members;
  GArray *records;              /* GstF2fMeasurement, peer → members[i] */
} Room;

static void
room_clear (Room * room)
{
  g_strfreev (room->members);
  if (room->records)
    g_array_unref (room->records);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Room, room_clear);

static guint64
parse_rate (const gchar * s)
{
  gchar *end;
  gdouble v;

  if (strcmp (s, "?") == 0)
    return 0;
  v = g_ascii_strtod (s, &end);
  if (*end == 'k')
    v *= 1e3;
  else if (*end == 'M')
    v *= 1e6;
  return (guint64) v;
}

static void
parse_record (GstF2fMeasurement * m, const gchar * id, const gchar * spec)
{
  g_auto (GStrv) opts = g_strsplit (spec, ":", -1);
  guint i;

  gst_f2f_measurement_init (m, id);
  m->age_ms = 0;
  m->uplink_bps = parse_rate (opts[0]);
  for (i = 1; opts[i]; i++) {
    gdouble v = g_ascii_strtod (opts[i] + 1, NULL);
    switch (opts[i][0]) {
      case 's':
        m->capacity_class = GST_F2F_CAPACITY_SERVER;
        break;
      case 'n':
        m->capacity_class = GST_F2F_CAPACITY_NEVER_MIXER;
        break;
      case 'l':
        m->loss = v / 100.0;
        break;
      case 'r':
        m->rtt_ms = v;
        break;
      case 'c':
        m->cpu_load = v / 100.0;
        break;
      case 'e':
        m->encode_ms = v;
        break;
      case 'a':
        m->age_ms = (gint64) v;
        break;
      default:
        fail ("bad option %s in %s", opts[i], spec);
    }
  }
}

static void
room_parse (Room * room, const gchar * spec)
{
  g_auto (GStrv) peers = words (spec);
  guint i, n = g_strv_length (peers);

  room->members = g_new0 (gchar *, n + 1);
  room->records = g_array_new (FALSE, TRUE, sizeof (GstF2fMeasurement));
  for (i = 0; i < n; i++) {
    gchar *eq = strchr (peers[i], '=');
    room->members[i] = eq ? g_strndup (peers[i], eq - peers[i]) :
        g_strdup (peers[i]);
  }
  /* records point at members[], which no longer moves */
  for (i = 0; i < n; i++) {
    gchar *eq = strchr (peers[i], '=');
    GstF2fMeasurement m;
    if (eq == NULL)
      continue;
    parse_record (&m, room->members[i], eq + 1);
    g_array_append_val (room->records, m);
  }
}

static void
test_config (GstF2fElectConfig * config, guint mesh, guint cap)
{
  gst_f2f_elect_config_init (config);
  config->max_mesh_size = mesh ? mesh : 4;
  config->max_clients_per_mixer = cap ? cap : 6;
  config->video_bps = 800000;
  config->audio_bps = 64000;
  config->min_dwell_ms = 5000;
  config->shrink_dwell_ms = 10000;
  config->min_gain = 0.2;
  config->max_age_ms = 10000;
}

static gchar *
describe (const GstF2fPlan * plan)
{
  return plan ? gst_f2f_plan_describe (plan) : g_strdup ("(keep)");
}

/* ---------------------------------------------------------------------- */
/* Scores */

typedef struct
{
  const gchar *peer;            /* one word of a room */
  gdouble need;                 /* bit/s */
  gboolean eligible, measured;
  gdouble value;                /* bit/s */
} ScoreCase;

#define NEED4 3456000.0         /* one mixer, 4 clients */
#define Q4 (0.9 * 0.9 * 0.9 * 0.9)      /* four unknown quality factors */

static const ScoreCase score_cases[] = {
  /* capacity is the base: 80 % of the uplink */
  {"a=10M:l0:r0:c0:e0", NEED4, TRUE, TRUE, 8e6},
  {"a=10M", NEED4, TRUE, TRUE, 8e6 * Q4},
  /* server-class counts four times */
  {"a=10M:s:l0:r0:c0:e0", NEED4, TRUE, TRUE, 32e6},
  /* loss: 1 - 5 x loss, at least 0.25 */
  {"a=10M:l2:r0:c0:e0", NEED4, TRUE, TRUE, 8e6 * 0.9},
  {"a=10M:l10:r0:c0:e0", NEED4, TRUE, TRUE, 4e6},
  {"a=10M:l30:r0:c0:e0", NEED4, TRUE, TRUE, 2e6},
  /* RTT: 1 - rtt / 1000 ms, at least 0.5 */
  {"a=10M:l0:r100:c0:e0", NEED4, TRUE, TRUE, 8e6 * 0.9},
  {"a=10M:l0:r250:c0:e0", NEED4, TRUE, TRUE, 6e6},
  {"a=10M:l0:r900:c0:e0", NEED4, TRUE, TRUE, 4e6},
  /* CPU: 1 - 0.6 x load, load clamped to 1 */
  {"a=10M:l0:r0:c50:e0", NEED4, TRUE, TRUE, 8e6 * 0.7},
  {"a=10M:l0:r0:c100:e0", NEED4, TRUE, TRUE, 8e6 * 0.4},
  {"a=10M:l0:r0:c150:e0", NEED4, TRUE, TRUE, 8e6 * 0.4},
  /* encode time: 1 - ms / 32, at least 0.5 */
  {"a=10M:l0:r0:c0:e4", NEED4, TRUE, TRUE, 7e6},
  {"a=10M:l0:r0:c0:e16", NEED4, TRUE, TRUE, 4e6},
  {"a=10M:l0:r0:c0:e40", NEED4, TRUE, TRUE, 4e6},
  /* everything at once multiplies */
  {"a=10M:s:l2:r100:c50:e4", NEED4, TRUE, TRUE,
      32e6 * 0.9 * 0.9 * 0.7 * 0.875},
  /* an uplink that cannot carry the load: never eligible, whatever else */
  {"a=4M:l0:r0:c0:e0", NEED4, FALSE, TRUE, 3.2e6},
  {"a=4M:s:l0:r0:c0:e0", NEED4, FALSE, TRUE, 12.8e6},
  {"a=4320k:l0:r0:c0:e0", NEED4, TRUE, TRUE, 3.456e6},
  /* declared never-mixer */
  {"a=10M:n:l0:r0:c0:e0", NEED4, FALSE, TRUE, 8e6},
  {"a=?:n", NEED4, FALSE, FALSE, NEED4 * 0.5 * Q4},
  /* unknown uplink: eligible, unmeasured, half the need as a base */
  {"a=?:l0:r0:c0:e0", NEED4, TRUE, FALSE, NEED4 * 0.5},
  {"a=?", NEED4, TRUE, FALSE, NEED4 * 0.5 * Q4},
  {"a=?:s", NEED4, TRUE, FALSE, NEED4 * 0.5 * Q4 * 4},
  {"a", NEED4, TRUE, FALSE, NEED4 * 0.5 * Q4},
  /* freshness: at max-age still fresh, after it all unknown but the class */
  {"a=10M:l0:r0:c0:e0:a10000", NEED4, TRUE, TRUE, 8e6},
  {"a=10M:l0:r0:c0:e0:a10001", NEED4, TRUE, FALSE, NEED4 * 0.5 * Q4},
  {"a=10M:s:a20000", NEED4, TRUE, FALSE, NEED4 * 0.5 * Q4 * 4},
  {"a=10M:n:a20000", NEED4, FALSE, FALSE, NEED4 * 0.5 * Q4},
  {"a=10M:a-1", NEED4, TRUE, FALSE, NEED4 * 0.5 * Q4},
};

GST_START_TEST (test_score)
{
  GstF2fElectConfig config;
  guint i;

  test_config (&config, 0, 0);
  for (i = 0; i < G_N_ELEMENTS (score_cases); i++) {
    const ScoreCase *c = &score_cases[i];
    g_auto (Room) room = { NULL, NULL };
    GstF2fElectScore score;

    room_parse (&room, c->peer);
    gst_f2f_elect_score (&config, room.records->len ?
        &g_array_index (room.records, GstF2fMeasurement, 0) : NULL,
        (guint64) c->need, &score);
    fail_unless (score.eligible == c->eligible, "%s: eligible %d", c->peer,
        score.eligible);
    fail_unless (score.measured == c->measured, "%s: measured %d", c->peer,
        score.measured);
    fail_unless (ABS (score.value - c->value) < 1e-6 * c->value,
        "%s: value %.0f, expected %.0f", c->peer, score.value, c->value);
  }
}

GST_END_TEST;

GST_START_TEST (test_need)
{
  GstF2fElectConfig config;

  test_config (&config, 0, 0);
  /* (clients + other mixers) x (video + audio) */
  fail_unless_equals_uint64 (gst_f2f_elect_mixer_need (&config, 4, 1), 3456000);
  fail_unless_equals_uint64 (gst_f2f_elect_mixer_need (&config, 3, 2),
      4 * 864000);
  fail_unless_equals_uint64 (gst_f2f_elect_mixer_need (&config, 0, 1), 0);
  fail_unless_equals_uint64 (gst_f2f_elect_mixer_need (&config, 0, 0), 0);
  config.video_bps = 1000000;
  config.audio_bps = 0;
  fail_unless_equals_uint64 (gst_f2f_elect_mixer_need (&config, 6, 3), 8000000);
}

GST_END_TEST;

GST_START_TEST (test_rank)
{
  GstF2fElectScore good = { TRUE, TRUE, 1e6 };
  GstF2fElectScore better = { TRUE, TRUE, 2e6 };
  GstF2fElectScore blind = { TRUE, FALSE, 9e9 };
  GstF2fElectScore capped = { FALSE, TRUE, 9e9 };

  fail_unless (gst_f2f_elect_score_compare (&better, "b", &good, "a") < 0);
  /* measured before unmeasured, whatever the values */
  fail_unless (gst_f2f_elect_score_compare (&good, "b", &blind, "a") < 0);
  /* eligible before ineligible, whatever the values */
  fail_unless (gst_f2f_elect_score_compare (&blind, "b", &capped, "a") < 0);
  /* equal scores: the smaller id */
  fail_unless (gst_f2f_elect_score_compare (&good, "a", &good, "b") < 0);
  fail_unless (gst_f2f_elect_score_compare (&good, "b", &good, "a") > 0);
  fail_unless (gst_f2f_elect_score_compare (&good, "a", &good, "a") == 0);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Decisions */

typedef struct
{
  const gchar *name;
  guint mesh, cap;              /* 0: 4 and 6 */
  const gchar *room;            /* the first peer decides */
  const gchar *current;         /* a plan spec, or NULL: none yet */
  gint64 since, stable;         /* since the plan, since a join or leave */
  const gchar *expect;          /* a plan spec, or NULL: keep */
  GstF2fElectReason reason;
  gint64 wait;
} DecideCase;

#define R(x) GST_F2F_ELECT_REASON_ ## x
#define L LONG_AGO
#define FIVE_5M "c=5M d=5M e=5M"
#define NINE "c1=4M c2=4M c3=4M c4=4M c5=4M c6=4M c7=4M"

static const DecideCase decide_cases[] = {
  /* ---- who mixes ---- */
  {"capacity wins", 0, 0, "a=6M b=20M c=10M d=2M e=8M", NULL, L, L,
      "1 a | b | a>b c>b d>b e>b", R (GROW), 0},
  {"capacity wins over perfect links", 0, 0,
        "a=20M b=8M:l0:r0:c0:e0 " FIVE_5M, NULL, L, L,
      "1 a | a | b>a c>a d>a e>a", R (GROW), 0},
  {"a capped server-class peer with perfect links is never chosen", 0, 0,
        "a=5M b=2M:s:l0:r0:c0:e0 " FIVE_5M, NULL, L, L,
      "1 a | a | b>a c>a d>a e>a", R (GROW), 0},
  {"nobody can carry the load: the mesh stays", 0, 0,
      "a=2M b=2M c=1M d=3M e=4M", NULL, L, L, NULL, R (NO_CANDIDATE), 0},
  {"nobody can carry one mixer's load: two mixers share it", 0, 0,
        "a=2M b=2M c=1M d=4M e=4M", NULL, L, L,
      "1 a | d e | a>d b>e c>d", R (GROW), 0},
  {"never-mixer is never chosen", 0, 0, "a=6M b=20M:n c=10M d=5M e=5M",
        NULL, L, L,
      "1 a | c | a>c b>c d>c e>c", R (GROW), 0},
  {"never-mixer is never chosen, also unmeasured", 0, 0,
        "a=?:n b=?:n c=? d=?:n e=?:n", NULL, L, L,
      "1 a | c | a>c b>c d>c e>c", R (GROW), 0},
  {"everyone never-mixer: the mesh stays", 0, 0,
        "a=6M:n b=20M:n c=10M:n d=5M:n e=5M:n", NULL, L, L, NULL,
      R (NO_CANDIDATE), 0},
  {"nobody can carry the load any more: the mesh waits for the dwell", 0,
        0, "a=2M b=3M c=2M d=2M e=2M", "1 a | b | a>b c>b d>b e>b", 1000, L,
      NULL, R (NO_CANDIDATE), 4000},
  {"nobody can carry the load any more: the mesh after the dwell", 0, 0,
        "a=2M b=3M c=2M d=2M e=2M", "1 a | b | a>b c>b d>b e>b", 6000, L,
      "2 a", R (NO_CANDIDATE), 0},
  {"a mesh-sized room stays a mesh", 0, 0, "a=6M b=20M c=10M d=8M", NULL,
      L, L, NULL, R (NONE), 0},

  /* ---- balance: 7 clients over 2 mixers (9 peers, 4 a mixer at most) */
  {"7 clients over 2 mixers: 4 and 3, the stronger takes 4", 0, 4,
        "m1=20M m2=10M " NINE, NULL, L, L,
        "1 m1 | m1 m2 | c1>m1 c2>m1 c3>m2 c4>m1 c5>m1 c6>m2 c7>m2", R (GROW),
      0},
  {"the worst link chooses first", 0, 4,
        "m1=20M m2=10M c1=4M c2=4M c3=4M c4=4M c5=4M c6=4M c7=4M:l10", NULL,
        L, L,
        "1 m1 | m1 m2 | c1>m1 c2>m2 c3>m1 c4>m1 c5>m2 c6>m2 c7>m1", R (GROW),
      0},
  {"in proportion to value: a server-class mixer takes 6 of 7", 0, 6,
        "m1=20M:s m2=10M " NINE, NULL, L, L,
        "1 m1 | m1 m2 | c1>m1 c2>m1 c3>m1 c4>m1 c5>m1 c6>m1 c7>m2",
      R (GROW), 0},

  /* ---- ties ---- */
  {"equal peers: the smallest id", 0, 0, "c=10M b=10M a=10M e=10M d=10M",
        NULL, L, L,
      "1 c | a | b>a c>a d>a e>a", R (GROW), 0},
  {"equal pairs: the two smallest ids, clients alternate", 0, 2,
        "e=10M d=10M c=10M b=10M a=10M", NULL, L, L,
      "1 e | a b | c>a d>b e>a", R (GROW), 0},

  /* ---- missing measurements ---- */
  {"measured beats unmeasured", 0, 0, "a b=5M c d e", NULL, L, L,
      "1 a | b | a>b c>b d>b e>b", R (GROW), 0},
  {"measured beats an unmeasured server-class peer", 0, 0,
        "a=?:s b=5M c d e", NULL, L, L,
      "1 a | b | a>b c>b d>b e>b", R (GROW), 0},
  {"nobody measured: server-class first", 0, 0, "a b c=?:s d e", NULL, L, L,
      "1 a | c | a>c b>c d>c e>c", R (GROW), 0},
  {"nobody measured: the smallest id", 0, 0, "b a c d e", NULL, L, L,
      "1 b | a | b>a c>a d>a e>a", R (GROW), 0},
  {"a stale record counts as missing", 0, 0, "a=20M:a20000 b=6M c d e",
        NULL, L, L,
      "1 a | b | a>b c>b d>b e>b", R (GROW), 0},
  /* A peer with no record publishes no measurements: a browser (it cannot
   * mix and declines) or a peer gone silent. With enough peers that have
   * a record it never mixes, even where its value (four neutral-low
   * unknowns) beats theirs; with too few it still may. */
  {"no record loses to busy peers whose uplink is unknown", 0, 0,
        "a=?:l0:r0:c100:e0 b=?:l0:r0:c100:e0 c=?:l0:r0:c100:e0 "
        "d=?:l0:r0:c100:e0 e", NULL, L, L,
      "1 a | a | b>a c>a d>a e>a", R (GROW), 0},
  {"no record loses to a peer with a record that cannot be measured", 0, 0,
        "a=?:l2:r100:c90 b c d e", NULL, L, L,
      "1 a | a | b>a c>a d>a e>a", R (GROW), 0},
  {"too few peers with a record for two mixers: one without mixes", 0, 2,
        "a=10M b c d e", NULL, L, L,
      "1 a | a b | c>a d>a e>b", R (GROW), 0},
  {"a mixer without a record waits for the dwell", 0, 0,
        "a=10M b=10M c=10M d=10M e", "1 a | e | a>e b>e c>e d>e", 1000, L,
      NULL, R (UNFIT), 4000},
  {"a mixer without a record is replaced after the dwell", 0, 0,
        "a=10M b=10M c=10M d=10M e", "1 a | e | a>e b>e c>e d>e", 6000, L,
      "2 a | a | b>a c>a d>a e>a", R (UNFIT), 0},
  {"a mixer whose record went stale is replaced after the dwell", 0, 0,
        "a=10M b=10M c=10M d=10M e=20M:a20000", "1 a | e | a>e b>e c>e d>e",
        6000, L,
      "2 a | a | b>a c>a d>a e>a", R (UNFIT), 0},
  {"unknown quality costs less than a smaller uplink", 0, 0,
        "a=10M b=6M:l0:r0:c0:e0 c d e", NULL, L, L,
      "1 a | a | b>a c>a d>a e>a", R (GROW), 0},

  /* ---- growth ---- */
  {"past max-mesh-size: mixers at once, also right after a plan", 0, 0,
        "a=10M b=5M " FIVE_5M, "7 a", 0, 0,
      "8 a | a | b>a c>a d>a e>a", R (GROW), 0},
  {"a newcomer stays with the first mixer when it has room", 0, 0,
        "a=5M b=20M " FIVE_5M " f=5M", "1 a | b | a>b c>b d>b e>b", 0, 0,
      NULL, R (NONE), 0},
  {"a newcomer past the first mixer's limit: the other mixer", 0, 4,
        "c1=3M c2=3M c3=3M c4=3M c5=3M c6=3M c7=3M m1=10M m2=10M",
        "1 c1 | m1 m2 | c1>m1 c2>m1 c3>m1 c4>m1 c5>m2 c6>m2", 0, 0,
        "2 c1 | m1 m2 | c1>m1 c2>m1 c3>m1 c4>m1 c5>m2 c6>m2 c7>m2",
      R (NEWCOMER), 0},
  {"a second mixer takes its share of the first one's clients", 0, 4,
        "a=8M b=8M c=8M d=8M e=8M f=8M", "1 a | b | a>b c>b d>b e>b", 0, 0,
      "2 a | b a | c>b d>b e>a f>a", R (GROW), 0},

  /* ---- hysteresis ---- */
  {"a slightly better peer (+10 %) does not replace a working mixer", 0, 0,
        "a=10M b=11M " FIVE_5M, "1 a | a | b>a c>a d>a e>a", L, L, NULL,
      R (NONE), 0},
  {"a much better peer (+50 %) waits for the dwell", 0, 0,
        "a=10M b=15M " FIVE_5M, "1 a | a | b>a c>a d>a e>a", 2000, L, NULL,
      R (BETTER), 3000},
  {"a much better peer (+50 %) replaces the mixer after the dwell", 0, 0,
        "a=10M b=15M " FIVE_5M, "1 a | a | b>a c>a d>a e>a", 6000, L,
      "2 a | b | a>b c>b d>b e>b", R (BETTER), 0},
  {"a bigger uplink with 10 % loss is not better", 0, 0,
        "a=10M b=15M:l10 " FIVE_5M, "1 a | a | b>a c>a d>a e>a", L, L, NULL,
      R (NONE), 0},
  {"a measured peer replaces a mixer chosen blind, after the dwell", 0, 0,
        "a=? b=6M c d e", "1 a | a | b>a c>a d>a e>a", L, L,
      "2 a | b | a>b c>b d>b e>b", R (BETTER), 0},
  {"a mixer whose uplink dropped waits for the dwell", 0, 0,
        "a=10M b=3M " FIVE_5M, "1 a | b | a>b c>b d>b e>b", 1000, L, NULL,
      R (UNFIT), 4000},
  {"a mixer whose uplink dropped is replaced after the dwell", 0, 0,
        "a=10M b=3M " FIVE_5M, "1 a | b | a>b c>b d>b e>b", 6000, L,
      "2 a | a | b>a c>a d>a e>a", R (UNFIT), 0},
  {"a mixer that declares never-mixer is replaced after the dwell", 0, 0,
        "a=10M b=20M:n " FIVE_5M, "1 a | b | a>b c>b d>b e>b", 6000, L,
      "2 a | a | b>a c>a d>a e>a", R (UNFIT), 0},

  /* ---- failover: at once; the other mixer keeps its clients ---- */
  {"a departed mixer is replaced at once", 0, 3,
        "c1=3M c2=3M c3=3M c4=3M c5=3M m2=10M m3=12M",
        "3 c1 | m1 m2 | c1>m1 c2>m1 m3>m1 c3>m2 c4>m2 c5>m2", 0, 0,
      "4 c1 | m2 m3 | c1>m3 c2>m3 c3>m2 c4>m2 c5>m2", R (MIXER_LEFT), 0},
  {"the only mixer departed: the best peer at once", 0, 0,
        "a=6M b=8M c=20M d=5M e=5M f=5M", "5 a | m | a>m b>m c>m d>m e>m",
        0, 0,
      "6 a | c | a>c b>c d>c e>c f>c", R (MIXER_LEFT), 0},

  /* ---- shrinking ---- */
  {"back to the mesh waits for a still room", 0, 0, "a=10M b=5M c=5M d=5M",
      "1 a | a | b>a c>a d>a", L, 3000, NULL, R (SHRINK), 7000},
  {"back to the mesh waits for the plan's own dwell too", 0, 0,
        "a=10M b=5M c=5M d=5M", "1 a | a | b>a c>a d>a", 1000, L, NULL,
      R (SHRINK), 4000},
  {"back to the mesh once the room was still for the dwell", 0, 0,
        "a=10M b=5M c=5M d=5M", "1 a | a | b>a c>a d>a", L, 10000, "2 a",
      R (SHRINK), 0},
  {"a departed mixer in a small room: the mesh already, explicit later", 0,
        0, "a b c d", "1 a | e | a>e b>e c>e d>e", 1000, 1000, NULL,
      R (SHRINK), 9000},
  {"fewer mixers wait for a still room", 0, 4,
        "a=5M b=5M c=5M m1=20M m2=10M", "1 a | m1 m2 | a>m1 b>m2 c>m1", L,
      3000, NULL, R (SHRINK), 7000},
  {"fewer mixers: the worst goes, its clients join the rest", 0, 4,
        "a=5M b=5M c=5M m1=20M m2=10M", "1 a | m1 m2 | a>m1 b>m2 c>m1", L,
      10000, "2 a | m1 | a>m1 b>m1 c>m1 m2>m1", R (SHRINK), 0},

  /* ---- uplink limited: 4 peers' mesh streams are 3 × 864k = 2.592M, which
   * 80 % of 3.24M carries; with the margin (× 1.2) 3.11M, 80 % of 3.89M ---- */
  {"an uplink that cannot carry its mesh streams: a mixer, not that peer",
        0, 0, "a=10M b=20M c=10M d=2M", NULL, L, L,
      "1 a | b | a>b c>b d>b", R (UPLINK_LIMITED), 0},
  {"an uplink that just carries its mesh streams: the mesh stays", 0, 0,
      "a=10M b=20M c=10M d=3.3M", NULL, L, L, NULL, R (NONE), 0},
  {"three peers, one limited (2 × 864k = 1.728M > 80 % of 1M): a mixer",
        0, 0, "a=10M b=10M c=1M", NULL, L, L, "1 a | a | b>a c>a",
      R (UPLINK_LIMITED), 0},
  {"two peers: a mixer would save nobody a stream", 0, 0, "a=10M b=500k",
      NULL, L, L, NULL, R (NONE), 0},
  {"an unknown uplink is not a limited one", 0, 0, "a=10M b=10M c=? d", NULL,
      L, L, NULL, R (NONE), 0},
  {"a stale record is not a limited uplink", 0, 0,
      "a=10M b=10M c=10M d=1M:a20000", NULL, L, L, NULL, R (NONE), 0},
  {"only an unmeasured peer could mix for the limited ones: the mesh stays",
      0, 0, "a=? b=2M c=2M d=1M", NULL, L, L, NULL, R (NONE), 0},
  {"nobody can mix for the limited peer: the mesh stays", 0, 0,
      "a=2M b=2M c=2M d=1M", NULL, L, L, NULL, R (NONE), 0},
  {"near the line (80 % of 3.5M = 2.8M < 3.11M): the mixer stays", 0, 0,
        "a=10M b=20M c=10M d=3.5M", "1 a | b | a>b c>b d>b", L, L, NULL,
      R (NONE), 0},
  {"clear of the line with the margin: back to the mesh, by the shrink "
        "dwell", 0, 0, "a=10M b=20M c=10M d=4M", "1 a | b | a>b c>b d>b", L,
      3000, NULL, R (SHRINK), 7000},
  {"clear of the line with the margin, a still room: the mesh", 0, 0,
        "a=10M b=20M c=10M d=4M", "1 a | b | a>b c>b d>b", L, L, "2 a",
      R (SHRINK), 0},
  /* The plan's own rule has already given m2's clients to m1, so the
   * result changes no route; it is made all the same, so that no plan
   * names a peer that left (it would mix again if it came back). */
  {"one of two mixers left: the plan of the one still here is made", 0, 0,
        "c1=4M c2=4M c3=4M c4=4M c5=4M m1=20M",
        "1 c1 | m1 m2 | c1>m1 c2>m1 c3>m1 c4>m2 c5>m2", L, 1000,
        "2 c1 | m1 | c1>m1 c2>m1 c3>m1 c4>m1 c5>m1", R (MIXER_LEFT), 0},
  {"the mixer of a limited room left: another at once", 0, 0,
        "a=10M c=10M d=1.5M", "1 a | b | a>b c>b d>b", 1000, 1000,
      "2 a | a | c>a d>a", R (MIXER_LEFT), 0},
};

#undef L

GST_START_TEST (test_decide)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (decide_cases); i++) {
    const DecideCase *c = &decide_cases[i];
    g_auto (Room) room = { NULL, NULL };
    g_autoptr (GstF2fPlan) current = NULL, next = NULL, expect = NULL;
    g_autofree gchar *got = NULL, *want = NULL;
    g_autoptr (GError) error = NULL;
    GstF2fElectConfig config;
    GstF2fElectResult result;

    room_parse (&room, c->room);
    test_config (&config, c->mesh, c->cap);
    current = c->current ? plan_from_spec (c->current) : NULL;
    expect = c->expect ? plan_from_spec (c->expect) : NULL;
    next = gst_f2f_elect_decide (&config,
        (GstF2fMeasurement *) room.records->data, room.records->len, current,
        (const gchar * const *) room.members, room.members[0], c->since,
        c->stable, &result);

    got = describe (next);
    want = describe (expect);
    fail_unless (next == NULL ? expect == NULL : expect != NULL
        && gst_f2f_plan_equal (next, expect), "%s: got %s, expected %s",
        c->name, got, want);
    fail_unless (result.reason == c->reason, "%s: reason %s, expected %s",
        c->name, gst_f2f_elect_reason_to_string (result.reason),
        gst_f2f_elect_reason_to_string (c->reason));
    fail_unless (result.wait_ms == c->wait, "%s: wait %" G_GINT64_FORMAT
        ", expected %" G_GINT64_FORMAT, c->name, result.wait_ms, c->wait);
    if (next) {
      fail_unless (gst_f2f_plan_validate (next,
              (const gchar * const *) room.members, &error), "%s: %s: %s",
          c->name, got, error->message);
      fail_unless (current == NULL
          || gst_f2f_plan_supersedes (next, current, NULL));
    }
  }
}

GST_END_TEST;

/* The same inputs in any order give the same plan. */
GST_START_TEST (test_order_does_not_matter)
{
  static const gchar *rooms[] = {
    "a=10M b=10M c=10M d=10M e=10M f=10M",
    "a b c d e f",
    "a=10M b=10M:s c=? d=10M:l3 e f=8M",
  };
  guint r, p;

  for (r = 0; r < G_N_ELEMENTS (rooms); r++) {
    g_auto (Room) room = { NULL, NULL };
    g_autofree gchar *reference = NULL;
    GstF2fElectConfig config;
    guint n;

    room_parse (&room, rooms[r]);
    n = g_strv_length (room.members);
    test_config (&config, 0, 2);
    /* rotations and reversals of members and records */
    for (p = 0; p < 2 * n; p++) {
      g_autofree gchar **members = g_new0 (gchar *, n + 1);
      g_autoptr (GArray) records = g_array_new (FALSE, TRUE,
          sizeof (GstF2fMeasurement));
      g_autoptr (GstF2fPlan) plan = NULL;
      g_autofree gchar *json = NULL;
      guint i;

      for (i = 0; i < n; i++) {
        guint j = p < n ? (i + p) % n : (n - 1 - i + p) % n;
        members[i] = room.members[j];
      }
      for (i = 0; i < room.records->len; i++) {
        guint j = p < n ? (i + p) % room.records->len :
            (room.records->len - 1 - i);
        g_array_append_val (records, g_array_index (room.records,
                GstF2fMeasurement, j));
      }
      plan = gst_f2f_elect_decide (&config,
          (GstF2fMeasurement *) records->data, records->len, NULL,
          (const gchar * const *) members, "a", LONG_AGO, LONG_AGO, NULL);
      fail_unless (plan != NULL);
      json = gst_f2f_plan_to_json (plan);
      if (reference == NULL)
        reference = g_steal_pointer (&json);
      else
        fail_unless_equals_string (json, reference);
    }
  }
}

GST_END_TEST;

/* A later record for the same peer replaces an earlier one; records of
 * peers not in the room do not count. */
GST_START_TEST (test_records)
{
  g_auto (Room) room = { NULL, NULL };
  g_autoptr (GstF2fPlan) plan = NULL, expect = NULL;
  GstF2fMeasurement stranger, update;
  GstF2fElectConfig config;
  GArray *records;

  room_parse (&room, "a=5M b=20M c=5M d=5M e=5M");
  records = room.records;
  gst_f2f_measurement_init (&stranger, "zz");
  stranger.uplink_bps = 100000000;
  stranger.age_ms = 0;
  g_array_append_val (records, stranger);
  gst_f2f_measurement_init (&update, "b");
  update.uplink_bps = 2000000;
  update.age_ms = 0;
  g_array_append_val (records, update);
  test_config (&config, 0, 0);

  plan = gst_f2f_elect_decide (&config,
      (GstF2fMeasurement *) records->data, records->len, NULL,
      (const gchar * const *) room.members, "a", LONG_AGO, LONG_AGO, NULL);
  expect = plan_from_spec ("1 a | a | b>a c>a d>a e>a");
  fail_unless (gst_f2f_plan_equal (plan, expect));
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Join/leave cycles around the threshold, counted */

typedef struct
{
  const gchar *name;
  const gchar *joiner;          /* its record, after "=" */
  gboolean new_ids;             /* j0, j1, …: a new id at each join */
  gint64 up_ms, down_ms;        /* in the room, then away */
  guint expect;                 /* plan changes, exactly */
  guint bound;                  /* the documented bound */
} CycleCase;

static const CycleCase cycle_cases[] = {
  /* The room keeps crossing 4 ↔ 5 faster than shrink-dwell: the first join
   * makes a plan, nobody leaving for 10 s makes the mesh. Bound: 2. */
  {"a client cycles every 4 s", "5M", TRUE, 2000, 2000, 2, 2},
  /* The room stays small for longer than shrink-dwell each time: a plan at
   * each join and the mesh after each leave. Bound: 2 a cycle. */
  {"a client cycles every 30 s", "5M", TRUE, 15000, 15000, 20, 20},
  /* The joiner is the best mixer and comes back with the same id: the
   * plan that made it the mixer is right again when it is back. */
  {"the best mixer cycles, same id", "50M:s", FALSE, 2000, 2000, 2, 2},
  /* The best mixer with a new id each time: each join finds the plan's
   * mixer gone and elects the newcomer at once (failover is never held).
   * Bound: one a join, plus the mesh at the end. */
  {"the best mixer cycles, a new id each time", "50M:s", TRUE, 2000, 2000,
      11, 11},
};

GST_START_TEST (test_join_leave_cycles)
{
  const gint64 step = 250;
  guint r;

  for (r = 0; r < G_N_ELEMENTS (cycle_cases); r++) {
    const CycleCase *c = &cycle_cases[r];
    const gint64 period = c->up_ms + c->down_ms;
    const gint64 end = 10 * period + 30000;
    g_autoptr (GstF2fPlan) current = NULL;
    GstF2fElectConfig config;
    gint64 t, adopted = G_MININT64, membership = G_MININT64;
    guint changes = 0;
    gboolean joined = FALSE;

    test_config (&config, 0, 0);
    for (t = 0; t <= end; t += step) {
      gint64 in_cycle = t % period;
      guint cycle = t / period;
      gboolean present = cycle < 10 && in_cycle < c->up_ms;
      g_autofree gchar *joiner = c->new_ids ?
          g_strdup_printf ("j%u=%s", cycle, c->joiner) :
          g_strdup_printf ("j=%s", c->joiner);
      g_auto (Room) room = { NULL, NULL };
      g_autofree gchar *spec = NULL;
      g_autoptr (GstF2fPlan) next = NULL;
      GstF2fElectResult result;

      if (present != joined) {
        joined = present;
        membership = t;
      }
      spec = g_strdup_printf ("a=10M b=10M c=10M d=10M%s%s",
          present ? " " : "", present ? joiner : "");
      room_parse (&room, spec);
      next = gst_f2f_elect_decide (&config,
          (GstF2fMeasurement *) room.records->data, room.records->len,
          current, (const gchar * const *) room.members, "a",
          adopted == G_MININT64 ? LONG_AGO : t - adopted,
          membership == G_MININT64 ? LONG_AGO : t - membership, &result);
      if (next) {
        g_autoptr (GError) error = NULL;
        g_autofree gchar *text = gst_f2f_plan_describe (next);

        fail_unless (gst_f2f_plan_validate (next,
                (const gchar * const *) room.members, &error), "%s: %s",
            c->name, error ? error->message : "");
        GST_DEBUG ("%s: %" G_GINT64_FORMAT " ms: %s (%s)", c->name, t, text,
            gst_f2f_elect_reason_to_string (result.reason));
        gst_f2f_plan_free (current);
        current = g_steal_pointer (&next);
        adopted = t;
        changes++;
      }
    }
    fail_unless (changes <= c->bound, "%s: %u plan changes, bound %u",
        c->name, changes, c->bound);
    fail_unless_equals_int (changes, c->expect);
    /* and the room ends as a mesh */
    fail_unless (current != NULL && gst_f2f_plan_get_n_mixers (current) == 0,
        "%s: does not end in the mesh", c->name);
  }
}

GST_END_TEST;

/* With no gain asked, a peer ranked above a mixer replaces it; equal
 * peers do not swap back and forth (that loop never ended once). */
GST_START_TEST (test_no_gain)
{
  g_auto (Room) room = { NULL, NULL };
  g_autoptr (GstF2fPlan) current = plan_from_spec ("1 a | b | a>b c>b d>b e>b");
  g_autoptr (GstF2fPlan) plan = NULL, again = NULL, expect = NULL;
  GstF2fElectConfig config;

  room_parse (&room, "a=10M b=10M c=10M d=10M e=10M");
  test_config (&config, 0, 0);
  config.min_gain = 0;
  plan = gst_f2f_elect_decide (&config,
      (GstF2fMeasurement *) room.records->data, room.records->len, current,
      (const gchar * const *) room.members, "a", LONG_AGO, LONG_AGO, NULL);
  expect = plan_from_spec ("2 a | a | b>a c>a d>a e>a");
  fail_unless (plan != NULL && gst_f2f_plan_equal (plan, expect));
  /* and the plan it made stays */
  again = gst_f2f_elect_decide (&config,
      (GstF2fMeasurement *) room.records->data, room.records->len, plan,
      (const gchar * const *) room.members, "a", LONG_AGO, LONG_AGO, NULL);
  fail_unless (again == NULL);
}

GST_END_TEST;

GST_START_TEST (test_defaults_and_names)
{
  GstF2fElectConfig config;
  GstF2fMeasurement m;

  gst_f2f_elect_config_init (&config);
  fail_unless_equals_int (config.max_mesh_size, 4);
  fail_unless (config.min_dwell_ms >= 5000);
  fail_unless (config.shrink_dwell_ms >= config.min_dwell_ms);
  fail_unless (config.min_gain > 0);
  gst_f2f_measurement_init (&m, "x");
  fail_unless_equals_string (m.peer, "x");
  fail_unless (m.uplink_bps == 0 && m.age_ms < 0 && m.loss < 0);
  fail_unless_equals_string (gst_f2f_capacity_class_to_string
      (GST_F2F_CAPACITY_NEVER_MIXER), "never-mixer");
  fail_unless_equals_string (gst_f2f_elect_reason_to_string
      (GST_F2F_ELECT_REASON_MIXER_LEFT), "mixer-left");
}

GST_END_TEST;

static Suite *
elect_suite (void)
{
  Suite *s = suite_create ("f2f elect");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_score);
  tcase_add_test (tc, test_need);
  tcase_add_test (tc, test_rank);
  tcase_add_test (tc, test_decide);
  tcase_add_test (tc, test_order_does_not_matter);
  tcase_add_test (tc, test_records);
  tcase_add_test (tc, test_join_leave_cycles);
  tcase_add_test (tc, test_no_gain);
  tcase_add_test (tc, test_defaults_and_names);
  return s;
}

GST_CHECK_MAIN (elect);
