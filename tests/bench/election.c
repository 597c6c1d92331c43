/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * election: how fast f2felection acts and how well its probe measures, in
 * real peer processes (the integration tests' helpers, f2froomtest.c:
 * each peer an f2f-peer-tool running f2fsignal + f2felection with its own
 * solid colour and pure tone, 160×120@10 VP8 + Opus, and reporting what it
 * plays every 20 ms (tones) and 50 ms (colours)). Run by
 * tests/bench/election.sh, never by `meson test`; it is a gst-check
 * program only so that the helpers' checks work. Each test prints one
 * "result ..." line per run; the script collects them.
 *
 * test_grow_and_kill (ELECTION_BENCH_PEERS = N, ELECTION_BENCH_RUNS runs):
 *   N - 1 peers form a room that needs one mixer fewer than N peers do
 *   (N = 4: max-mesh-size 3, a mesh of 3; N = 8: max-mesh-size 4, one mixer
 *   for 7), everyone hears and sees everyone; then the N-th peer joins.
 *   Timed from the test's sight of its f2f-joined: the leader's
 *   f2f-election-started, its f2f-election-result, and the new plan held
 *   by all N (the last f2f-topology-changed). Once everyone hears and sees
 *   everyone through the new plan, a mixer is SIGKILLed; timed from the
 *   kill: the first f2f-election-result, and media back: for each
 *   survivor, the arrival of the first tone and colour reports from which
 *   on every report (until the room is quiet: 2 s after the last plan
 *   change) has every other survivor's tone (≥ -45 dB) and colour (≥ 12
 *   pixels); the latest over the survivors. Next to it, recovered: the
 *   first moment every survivor had had 1 s of such reports, and the tone
 *   holes after that moment (one line each), which media back counts.
 *
 * test_probe (ELECTION_BENCH_CAPS kbit/s, ELECTION_BENCH_ESTIMATES):
 *   three peers, C in a network namespace of its own behind a veth pair
 *   (f2f_test_host_new), all probing every 2 s; for each cap, C's uplink
 *   is capped by tbf (burst 32 kbit, latency 400 ms), three estimates are
 *   let pass (the estimate is the median of the last three probes, so
 *   older ones are still in it), then each new estimate is printed, with
 *   the bytes and packets C's qdisc sent meanwhile (the wire's own view).
 */

#include <signal.h>
#include <string.h>
#include <gst/check/gstcheck.h>

#include "../check/integration/f2froomtest.h"

#define HEARD_DB -45.0
#define SEEN_PIXELS 12
/* A survivor counts as having its media back once this long of reports
 * after the moment found are all good, and the room is watched until this
 * long after its last plan change (an 8-peer room elects a new mixer
 * within a moment of the kill: its media switch twice). */
#define QUIET_MS 2000
/* "Recovered": this long of good reports at every survivor. */
#define RECOVERED_MS 1000

static const gchar *names[] = { "A", "B", "C", "D", "E", "F", "G", "H" };

static guint
env_uint (const gchar * name, guint fallback)
{
  const gchar *v = g_getenv (name);
  return v && *v ? (guint) g_ascii_strtoull (v, NULL, 10) : fallback;
}

static TestPeer *
start (GPtrArray * peers, TestServer * server, guint i, const gchar * room,
    const gchar * election)
{
  return f2f_test_room_add_av (peers, server->uri, room, names[i], i,
      election, TRUE);
}

static guint
room_index (TestPeer * p)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (p->proc), "index"));
}

/* Whether report @l of @p has every other peer of @peers in it (tones:
 * at least HEARD_DB; colours: at least SEEN_PIXELS). */
static gboolean
report_has_everyone (GPtrArray * peers, TestPeer * p, const F2fTestLevels * l,
    gboolean colors)
{
  guint j;

  for (j = 0; j < peers->len; j++) {
    TestPeer *q = g_ptr_array_index (peers, j);
    gdouble v = l->v[room_index (q)];
    if (q != p && (colors ? v < SEEN_PIXELS : v < HEARD_DB))
      return FALSE;
  }
  return TRUE;
}

/* In @history (of @p), the arrival of the first report at or after
 * @since_us that starts a run of good reports lasting @span_us (0: up to
 * @until_us, and the last one good); -1 when there is none by @until_us. */
static gint64
good_run_from (GPtrArray * peers, TestPeer * p, GArray * history,
    gboolean colors, gint64 since_us, gint64 until_us, gint64 span_us)
{
  gint64 from = -1;
  guint i;

  for (i = 0; i < history->len; i++) {
    const F2fTestLevels *l = &g_array_index (history, F2fTestLevels, i);
    if (l->arrived_us < since_us || l->arrived_us > until_us)
      continue;
    if (!report_has_everyone (peers, p, l, colors))
      from = -1;
    else if (from < 0)
      from = l->arrived_us;
    if (span_us > 0 && from >= 0 && l->arrived_us - from >= span_us)
      return from;
  }
  return span_us > 0 ? -1 : from;
}

/* From when every report of @p up to @until_us is good (see
 * good_run_from). */
static gint64
good_from (GPtrArray * peers, TestPeer * p, GArray * history,
    gboolean colors, gint64 since_us, gint64 until_us)
{
  return good_run_from (peers, p, history, colors, since_us, until_us, 0);
}

/* For the log: what @p's last report before @from_us (in @history,
 * after @since_us) missed. */
static void
print_last_bad (GPtrArray * peers, TestPeer * p, GArray * history,
    gboolean colors, gint64 since_us, gint64 from_us)
{
  const F2fTestLevels *bad = NULL;
  guint i, j, n_bad = 0;

  for (i = 0; i < history->len; i++) {
    const F2fTestLevels *l = &g_array_index (history, F2fTestLevels, i);
    if (l->arrived_us >= since_us && (from_us < 0 || l->arrived_us < from_us)
        && !report_has_everyone (peers, p, l, colors)) {
      bad = l;
      n_bad++;
    }
  }
  if (bad == NULL)
    return;
  g_print ("  %s: %u bad %s reports, the last at +%" G_GINT64_FORMAT
      " ms:", p->name, n_bad, colors ? "colour" : "tone",
      (bad->arrived_us - since_us) / 1000);
  for (j = 0; j < peers->len; j++) {
    TestPeer *q = g_ptr_array_index (peers, j);
    if (q != p)
      g_print (" %s %.0f", q->name, bad->v[room_index (q)]);
  }
  g_print ("\n");
}

/* When every one of @peers had its media back for good (see the top),
 * judged on reports from @since_us to @until_us; -1 if one had not. */
static gint64
media_back_us (GPtrArray * peers, gint64 since_us, gint64 until_us)
{
  gint64 last = since_us;
  guint i;

  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    gint64 t = good_from (peers, p, p->tone_history, FALSE, since_us,
        until_us);
    gint64 c = good_from (peers, p, p->color_history, TRUE, since_us,
        until_us);
    if (t < 0 || c < 0)
      return -1;
    last = MAX (last, MAX (t, c));
  }
  return last;
}

typedef struct
{
  gint64 recovered_us;          /* every survivor's media back at all */
  guint holes;                  /* tone holes at some survivor after that */
  guint hole_reports;           /* their bad reports */
  guint burst_holes;            /* holes whose reports came at once */
} Recovery;

/* When every one of @peers first had RECOVERED_MS of good media (after
 * @since_us), and the holes in their tones after that moment, up to
 * @until_us: a hole is a run of bad reports; a burst when they arrived
 * within 10 ms of each other however long they cover (the peer's room
 * view filled, in one go, a span its input had no samples for: the
 * decoded stream's times had stepped forward; docs/performance.md, "The
 * tails after a mixer's kill traced"). Each one is a hole a listener
 * hears; media_back_us counts them all, this tells the recovery apart
 * from the holes after it. */
static Recovery
recovery (GPtrArray * peers, gint64 since_us, gint64 until_us)
{
  Recovery r = { since_us, 0, 0, 0 };
  guint i, j;

  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    /* the first moment its media were back at all, before any later
     * hole: RECOVERED_MS of good reports */
    gint64 t = good_run_from (peers, p, p->tone_history, FALSE, since_us,
        until_us, RECOVERED_MS * 1000);
    gint64 c = good_run_from (peers, p, p->color_history, TRUE, since_us,
        until_us, RECOVERED_MS * 1000);
    if (t < 0 || c < 0) {
      r.recovered_us = -1;
      return r;
    }
    r.recovered_us = MAX (r.recovered_us, MAX (t, c));
  }
  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    gint64 first = -1, last = -1;
    guint n = 0;
    for (j = 0; j <= p->tone_history->len; j++) {
      const F2fTestLevels *l = j < p->tone_history->len ?
          &g_array_index (p->tone_history, F2fTestLevels, j) : NULL;
      gboolean bad = l && l->arrived_us > r.recovered_us
          && l->arrived_us <= until_us
          && !report_has_everyone (peers, p, l, FALSE);
      if (bad) {
        if (n++ == 0)
          first = l->arrived_us;
        last = l->arrived_us;
      } else if (n > 0) {
        r.holes++;
        r.hole_reports += n;
        if (n > 1 && last - first <= 10000)
          r.burst_holes++;
        g_print ("  %s: a hole of %u tone report%s at +%" G_GINT64_FORMAT
            " ms after the kill%s\n", p->name, n, n > 1 ? "s" : "",
            (first - since_us) / 1000, n > 1 && last - first <= 10000 ?
            ", all at once" : "");
        n = 0;
      }
    }
  }
  return r;
}

typedef struct
{
  GPtrArray *peers;
  gint64 since_us;
} Settled;

/* Every peer's media good for the last QUIET_MS, QUIET_MS after the last
 * plan change at any peer. */
static gboolean
settled (gpointer data)
{
  Settled *s = data;
  gint64 now = g_get_monotonic_time ();
  gint64 quiet_since = MAX (s->since_us, f2f_test_plan_applied_us (s->peers));
  gint64 back;

  if (now - quiet_since < QUIET_MS * 1000)
    return FALSE;
  back = media_back_us (s->peers, s->since_us, now);
  return back >= 0 && now - back >= QUIET_MS * 1000;
}

/* One run: returns FALSE (having printed why) when it could not finish. */
static gboolean
grow_and_kill (guint n, guint run)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  /* N = 4: a mesh of 3 that needs a mixer at 4; N = 8: one mixer for 7
   * that needs a second at 8 (7 = 1 mixer + max-clients-per-mixer 6) */
  guint max_mesh = n <= 4 ? n - 1 : 4;
  guint before = n - 1 <= max_mesh ? 0 : 1;
  g_autofree gchar *election = g_strdup_printf ("f2felection name=election "
      "max-mesh-size=%u", max_mesh);
  g_autofree gchar *room = g_strdup_printf ("bench%u", run);
  F2fTestPlan plan = { peers, before };
  Settled quiet = { peers, 0 };
  TestPeer *newcomer, *mixer;
  GstStructure *s;
  gint64 joined_us, started_us, result_us, applied_us, killed_us = -1,
      kill_result_us, back_us, collect_ms = -1;
  guint i, answered = 0, asked = 0, survivors_mixers;
  Recovery rec;
  gboolean ok = FALSE;
  const gchar *why = NULL;

  for (i = 0; i + 1 < n; i++)
    start (peers, server, i, room, election);
  /* (clients of a mixer decode no one's camera but the composite, so
   * "formed" is the plan held everywhere, then media settled) */
  if (!f2f_test_wait (f2f_test_plan_held, &plan, 60000)) {
    why = "the first peers did not settle on their plan in 60 s";
    goto out;
  }
  quiet.since_us = g_get_monotonic_time ();
  if (!f2f_test_wait (settled, &quiet, 30000)) {
    why = "the first peers did not all hear and see each other in 30 s";
    goto out;
  }

  newcomer = start (peers, server, n - 1, room, election);
  if (!f2f_test_wait (f2f_test_joined, newcomer, 20000)) {
    why = "the last peer did not join in 20 s";
    goto out;
  }
  joined_us = g_get_monotonic_time ();
  plan.n_mixers = before + 1;
  if (!f2f_test_wait (f2f_test_plan_held, &plan, 20000)) {
    why = "no plan with one more mixer everywhere in 20 s";
    goto out;
  }
  applied_us = f2f_test_plan_applied_us (peers);
  s = f2f_test_election_after (peers, "f2f-election-started",
      joined_us - 500000, NULL, &started_us);
  if (s)
    gst_structure_get_uint (s, "peers", &asked);
  {
    /* with the plan sent to a newcomer through the server, everyone may
     * hold it before the test has read the leader's result line */
    F2fTestResultAfter ra = { peers, started_us };
    f2f_test_wait (f2f_test_has_election_result, &ra, 5000);
  }
  s = f2f_test_election_after (peers, "f2f-election-result", started_us, NULL,
      &result_us);
  if (s)
    gst_structure_get (s, "collect-ms", G_TYPE_INT64, &collect_ms,
        "answered", G_TYPE_UINT, &answered, NULL);
  quiet.since_us = applied_us;
  if (!f2f_test_wait (settled, &quiet, 30000)) {
    why = "not everyone heard and saw everyone through the new plan in 30 s";
    goto out;
  }

  mixer = f2f_test_the_mixer (peers);
  f2f_test_peer_kill (mixer);
  killed_us = g_get_monotonic_time ();
  g_printerr ("%" G_GINT64_FORMAT " # run %u: SIGKILL to mixer %s (%s)\n",
      killed_us / 1000, run, mixer->name, mixer->peer_id);
  g_ptr_array_remove (peers, mixer);
  quiet.since_us = killed_us;
  if (g_getenv ("F2F_TEST_STACKS") && !f2f_test_wait (settled, &quiet, 3500)) {
    /* with F2F_TEST_STACKS: the new mixer's threads when media is not
     * back 3.5 s after the kill (in the slow runs a client's link to it
     * had carried nothing to it since about then, until its 5 s
     * heartbeat timeout rebuilt the link) */
    g_autoptr (GPtrArray) mixers = g_ptr_array_new ();
    for (i = 0; i < peers->len; i++)
      if (g_strcmp0 (((TestPeer *) peers->pdata[i])->role, "mixer") == 0)
        g_ptr_array_add (mixers, peers->pdata[i]);
    g_printerr ("%" G_GINT64_FORMAT " # run %u: media not back 3.5 s after "
        "the kill; the new mixer's threads\n", g_get_monotonic_time () / 1000,
        run);
    f2f_test_print_peer_stacks (mixers);
  }
  if (!f2f_test_wait (settled, &quiet, 20000)) {
    why = "the survivors' media did not settle in 20 s of the kill";
    goto out;
  }
  back_us = media_back_us (peers, killed_us, g_get_monotonic_time ());
  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    gint64 now = g_get_monotonic_time ();
    print_last_bad (peers, p, p->tone_history, FALSE, killed_us,
        good_from (peers, p, p->tone_history, FALSE, killed_us, now));
    print_last_bad (peers, p, p->color_history, TRUE, killed_us,
        good_from (peers, p, p->color_history, TRUE, killed_us, now));
  }
  rec = recovery (peers, killed_us, g_get_monotonic_time ());
  f2f_test_election_after (peers, "f2f-election-result", killed_us, NULL,
      &kill_result_us);
  /* the plan may still name the dead mixer: by its rule the other mixer
   * serves its clients (or, with none, the room is the mesh) */
  survivors_mixers = 0;
  for (i = 0; i < peers->len; i++)
    survivors_mixers += g_strcmp0 (((TestPeer *) peers->pdata[i])->role,
        "mixer") == 0;
  g_print ("result scenario=grow peers=%u run=%u started-ms=%" G_GINT64_FORMAT
      " result-ms=%" G_GINT64_FORMAT " plan-ms=%" G_GINT64_FORMAT
      " collect-ms=%" G_GINT64_FORMAT " answered=%u asked=%u"
      " kill-media-ms=%" G_GINT64_FORMAT " kill-result-ms=%" G_GINT64_FORMAT
      " kill-plan-ms=%" G_GINT64_FORMAT " mixers-after-kill=%u"
      " kill-recovered-ms=%" G_GINT64_FORMAT " holes-after=%u"
      " hole-reports=%u burst-holes=%u\n", n, run,
      started_us < 0 ? -1 : (started_us - joined_us) / 1000,
      result_us < 0 ? -1 : (result_us - joined_us) / 1000,
      (applied_us - joined_us) / 1000, collect_ms, answered, asked,
      (back_us - killed_us) / 1000,
      kill_result_us < 0 ? -1 : (kill_result_us - killed_us) / 1000,
      f2f_test_plan_applied_us (peers) > killed_us ?
      (f2f_test_plan_applied_us (peers) - killed_us) / 1000 : -1,
      survivors_mixers, rec.recovered_us < 0 ? -1 :
      (rec.recovered_us - killed_us) / 1000, rec.holes, rec.hole_reports,
      rec.burst_holes);
  ok = TRUE;

out:
  if (!ok) {
    g_autoptr (GPtrArray) mixers = g_ptr_array_new ();
    g_print ("result scenario=grow peers=%u run=%u failed: %s\n", n, run, why);
    /* with F2F_TEST_STACKS: where the mixers' threads are (a mix that
     * lost a voice for good is often a branch that stopped flowing) */
    for (i = 0; i < peers->len; i++)
      if (g_strcmp0 (((TestPeer *) peers->pdata[i])->role, "mixer") == 0)
        g_ptr_array_add (mixers, peers->pdata[i]);
    f2f_test_print_peer_stacks (mixers);
    for (i = 0; i < peers->len; i++) {
      TestPeer *p = g_ptr_array_index (peers, i);
      g_print ("  %s: role %s, plan %s, %u tone reports\n", p->name,
          p->role, p->topology_plan ?
          gst_structure_get_string (p->topology_plan, "mixers") : "none",
          p->tone_reports);
    }
    /* after a kill: what each survivor's last bad reports missed, so a
     * run that never settled says who was not heard or seen by whom */
    for (i = 0; killed_us >= 0 && i < peers->len; i++) {
      TestPeer *p = g_ptr_array_index (peers, i);
      print_last_bad (peers, p, p->tone_history, FALSE, killed_us, -1);
      print_last_bad (peers, p, p->color_history, TRUE, killed_us, -1);
    }
  }
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
  return ok;
}

GST_START_TEST (test_grow_and_kill)
{
  guint n = env_uint ("ELECTION_BENCH_PEERS", 4);
  guint runs = env_uint ("ELECTION_BENCH_RUNS", 1);
  guint first = env_uint ("ELECTION_BENCH_FIRST_RUN", 1);
  guint i;

  fail_unless (n >= 2 && n <= F2F_TEST_AV_MAX, "2 to %u peers",
      F2F_TEST_AV_MAX);
  for (i = 0; i < runs; i++)
    grow_and_kill (n, first + i);
}

GST_END_TEST;

typedef struct
{
  TestPeer *peer;
  guint n;
} Estimates;

static gboolean
has_estimates (gpointer data)
{
  Estimates *e = data;
  return e->peer->uplink_estimates->len >= e->n;
}

GST_START_TEST (test_probe)
{
  const gchar *server_args[] = { "--address=0.0.0.0", NULL };
  TestServer *server = f2f_test_server_start (0, server_args);
  TestHost *host = f2f_test_host_new (41);
  g_autofree gchar *uri_in = g_strdup_printf ("ws://%s:%u/ws",
      host->host_addr, server->port);
  g_autofree gchar *extra_in = g_strdup_printf ("local-addresses=%s "
      "f2felection probe-interval=2000", host->host_addr);
  g_autofree gchar *extra_c = g_strdup_printf ("local-addresses=%s "
      "f2felection probe-interval=2000", host->peer_addr);
  g_auto (GStrv) caps = g_strsplit (g_getenv ("ELECTION_BENCH_CAPS") ?
      g_getenv ("ELECTION_BENCH_CAPS") : "500,1000,4000,8000", ",", -1);
  guint estimates = env_uint ("ELECTION_BENCH_ESTIMATES", 5);
  guint round = env_uint ("ELECTION_BENCH_FIRST_RUN", 1);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  TestPeer *c;
  guint i, k;

  for (i = 0; i < 3; i++) {
    TestPeer *p = f2f_test_peer_start_av (i == 2 ? host : NULL, uri_in,
        "probe", names[i], i, i == 2 ? extra_c : extra_in);
    g_object_set_data (G_OBJECT (p->proc), "index", GUINT_TO_POINTER (i));
    g_ptr_array_add (peers, p);
  }
  c = peers->pdata[2];
  fail_unless (f2f_test_wait_all_decode (peers, 10, 60000),
      "the room did not form");
  for (k = 0; caps[k]; k++) {
    guint cap = atoi (caps[k]);
    Estimates ec = { c, 0 };
    guint64 bytes0, packets0, dropped0;

    f2f_test_host_set_uplink_cap (host, cap);
    ec.n = c->uplink_estimates->len + 3;
    if (!f2f_test_wait (has_estimates, &ec, 40000)) {
      g_print ("result scenario=probe round=%u cap-kbit=%u failed: no 3 "
          "estimates in 40 s\n", round, cap);
      continue;
    }
    f2f_test_host_uplink_counters (host, &bytes0, &packets0, &dropped0);
    for (i = 0; i < estimates; i++) {
      guint64 bytes, packets, dropped;
      ec.n = c->uplink_estimates->len + 1;
      if (!f2f_test_wait (has_estimates, &ec, 20000)) {
        g_print ("result scenario=probe round=%u cap-kbit=%u failed: no "
            "new estimate in 20 s\n", round, cap);
        break;
      }
      f2f_test_host_uplink_counters (host, &bytes, &packets, &dropped);
      g_print ("result scenario=probe round=%u cap-kbit=%u estimate-bps=%"
          G_GUINT64_FORMAT " ratio=%.3f wire-bytes-per-packet=%.0f "
          "dropped=%" G_GUINT64_FORMAT "\n", round, cap,
          g_array_index (c->uplink_estimates, guint64, ec.n - 1),
          g_array_index (c->uplink_estimates, guint64, ec.n - 1) /
          (cap * 1000.0), packets > packets0 ? (gdouble) (bytes - bytes0) /
          (packets - packets0) : 0.0, dropped - dropped0);
      bytes0 = bytes;
      packets0 = packets;
      dropped0 = dropped;
    }
  }
  f2f_test_host_set_uplink_cap (host, 0);
  /* what f2felection measured of each peer's camera encoder */
  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    g_print ("result scenario=encode round=%u peer=%s encode-ms=%.2f\n",
        round, p->name, p->encode_ms);
  }
  g_ptr_array_unref (peers);
  f2f_test_host_free (host);
  f2f_test_server_free (server);
}

GST_END_TEST;

static Suite *
election_bench_suite (void)
{
  Suite *s = suite_create ("f2f election bench");
  TCase *tc = tcase_create ("general");

  /* a batch of runs, as the script asks for */
  tcase_set_timeout (tc, env_uint ("ELECTION_BENCH_TIMEOUT", 900));
  tcase_add_checked_fixture (tc, NULL, f2f_test_teardown);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_grow_and_kill);
  tcase_add_test (tc, test_probe);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  f2f_test_enter_private_netns ();
  gst_check_init (&argc, &argv);
  s = election_bench_suite ();
  return gst_check_run_suite (s, "election-bench", __FILE__);
}
