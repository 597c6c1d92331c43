/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Topology plans across real peer processes: a plan proposed by one peer
 * reaches everyone, late joiners learn it (through the signaling server
 * before their links are up), roles follow it and fall back to the mesh
 * when the mixer leaves, and crossing proposals converge on one plan;
 * media follows the plan (integration/mixer checks what is heard and
 * seen).
 */

#include <string.h>
#include <gst/check/gstcheck.h>

#include "f2froomtest.h"

#define TIMEOUT_S 120
#define FRAMES 10

static void
watchdog_setup (void)
{
  f2f_test_watchdog_start (TIMEOUT_S);
}

typedef struct
{
  GPtrArray *peers;
  guint64 epoch;                /* with any_epoch: the least */
  gboolean any_epoch;           /* the same everywhere, at least epoch */
  const gchar *proposer;        /* NULL: any, but the same everywhere */
  const gchar *mixers;
} SamePlan;

static gboolean
same_plan (gpointer data)
{
  SamePlan *sp = data;
  const gchar *proposer = sp->proposer, *mixers = sp->mixers;
  guint i;

  for (i = 0; i < sp->peers->len; i++) {
    TestPeer *p = g_ptr_array_index (sp->peers, i);
    guint64 epoch = 0;
    const gchar *their_proposer, *their_mixers;

    if (p->topology_plan == NULL)
      return FALSE;
    gst_structure_get_uint64 (p->topology_plan, "epoch", &epoch);
    their_proposer = gst_structure_get_string (p->topology_plan, "proposer");
    their_mixers = gst_structure_get_string (p->topology_plan, "mixers");
    if (sp->any_epoch ? epoch < sp->epoch : epoch != sp->epoch)
      return FALSE;
    if (sp->any_epoch && i > 0) {
      guint64 first = 0;
      gst_structure_get_uint64 (((TestPeer *) g_ptr_array_index (sp->peers,
                  0))->topology_plan, "epoch", &first);
      if (epoch != first)
        return FALSE;
    }
    if (proposer == NULL)
      proposer = their_proposer;
    if (mixers == NULL)
      mixers = their_mixers;
    if (g_strcmp0 (their_proposer, proposer) != 0
        || g_strcmp0 (their_mixers, mixers) != 0)
      return FALSE;
  }
  return TRUE;
}

static gchar *
describe_plans (GPtrArray * peers)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    g_autofree gchar *plan = p->topology_plan ?
        gst_structure_to_string (p->topology_plan) : g_strdup ("none");
    g_string_append_printf (s, "\n  %s (%s): role %s, plan %s", p->name,
        p->peer_id, p->role, plan);
  }
  return g_string_free (s, FALSE);
}

/* The mixer's and its clients' counts at a start, to wait for growth. */
typedef struct
{
  TestPeer *mixer;
  TestPeer **clients;
  guint n;
  guint64 at_client[8];         /* video from the mixer, at each client */
  guint64 at_mixer[8];          /* video from each client, at the mixer */
} MixerMedia;

static void
mixer_media_start (MixerMedia * mm)
{
  guint i;

  for (i = 0; i < mm->n; i++) {
    mm->at_client[i] = f2f_test_peer_video_from (mm->clients[i],
        mm->mixer->peer_id);
    mm->at_mixer[i] = f2f_test_peer_video_from (mm->mixer,
        mm->clients[i]->peer_id);
  }
}

#define mm_restart mixer_media_start

static gboolean
mixer_media_flows (gpointer data)
{
  MixerMedia *mm = data;
  guint i;

  for (i = 0; i < mm->n; i++)
    if (f2f_test_peer_video_from (mm->clients[i], mm->mixer->peer_id) <
        mm->at_client[i] + 3 * FRAMES
        || f2f_test_peer_video_from (mm->mixer, mm->clients[i]->peer_id) <
        mm->at_mixer[i] + 3 * FRAMES)
      return FALSE;
  return TRUE;
}

static gchar *
describe_counts (GPtrArray * peers)
{
  GString *s = g_string_new (NULL);
  guint i, j;

  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    g_string_append_printf (s, "\n  %s decoded:", p->name);
    for (j = 0; j < peers->len; j++) {
      TestPeer *q = g_ptr_array_index (peers, j);
      if (q != p)
        g_string_append_printf (s, " %s %" G_GUINT64_FORMAT "/%"
            G_GUINT64_FORMAT, q->name, f2f_test_peer_video_from (p,
                q->peer_id), f2f_test_peer_audio_from (p, q->peer_id));
    }
  }
  return g_string_free (s, FALSE);
}

typedef struct
{
  TestPeer *peer;
  const gchar *role;
} HasRole;

static gboolean
has_role (gpointer data)
{
  HasRole *h = data;

  return g_strcmp0 (h->peer->role, h->role) == 0;
}

static void
expect_role (TestPeer * p, const gchar * role, guint ms)
{
  HasRole h = { p, role };

  fail_unless (f2f_test_wait (has_role, &h, ms), "%s's role is %s, not %s",
      p->name, p->role, role);
}

static gboolean
answered (gpointer data)
{
  TestPeer *p = data;

  return p->proposed_yes + p->proposed_no > 0;
}

GST_START_TEST (test_plan_shared)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  TestPeer *a, *b, *c, *late;
  SamePlan sp = { peers, 1, FALSE, NULL, NULL };
  g_autofree gchar *cmd = NULL;
  guint i;

  for (i = 0; i < 3; i++)
    g_ptr_array_add (peers, f2f_test_peer_start (server, "plans",
            i == 0 ? "A" : i == 1 ? "B" : "C", i, NULL));
  a = peers->pdata[0];
  b = peers->pdata[1];
  c = peers->pdata[2];
  fail_unless (f2f_test_wait_all_decode (peers, FRAMES, 30000),
      "the room did not form");

  /* A plan naming someone not in the room is refused, with a reason. */
  f2f_test_peer_send (a, "topology nosuchpeer0000000");
  fail_unless (f2f_test_wait (answered, a, 5000));
  fail_unless (a->proposed_no == 1 && a->proposed_yes == 0);
  fail_unless (a->topology_plan == NULL);

  /* A makes B the mixer: everyone holds A's plan, B mixes, A and C are
   * its clients. */
  cmd = g_strdup_printf ("topology %s", b->peer_id);
  f2f_test_peer_send (a, cmd);
  sp.proposer = a->peer_id;
  sp.mixers = b->peer_id;
  if (!f2f_test_wait (same_plan, &sp, 5000)) {
    g_autofree gchar *state = describe_plans (peers);
    fail ("not everyone holds A's plan within 5 s:%s", state);
  }
  expect_role (b, "mixer", 2000);
  expect_role (a, "client", 2000);
  expect_role (c, "client", 2000);

  /* A late joiner learns the plan from the others and is B's client. */
  late = f2f_test_peer_start (server, "plans", "D", 3, NULL);
  g_ptr_array_add (peers, late);
  if (!f2f_test_wait (same_plan, &sp, 15000)) {
    g_autofree gchar *state = describe_plans (peers);
    fail ("the late joiner did not get the plan within 15 s:%s", state);
  }
  expect_role (late, "client", 2000);
  /* Media follows the plan: each client decodes the mixer's streams and
   * the mixer each client's; clients send each other nothing. */
  {
    TestPeer *clients[] = { a, c, late };
    MixerMedia mm = { b, clients, G_N_ELEMENTS (clients), { 0, }, { 0, } };
    guint64 between[2];

    mixer_media_start (&mm);
    if (!f2f_test_wait (mixer_media_flows, &mm, 15000))
      fail ("media does not follow the plan:%s", describe_counts (peers));
    between[0] = f2f_test_peer_video_from (a, c->peer_id);
    between[1] = f2f_test_peer_video_from (c, a->peer_id);
    mm_restart (&mm);
    fail_unless (f2f_test_wait (mixer_media_flows, &mm, 15000));
    fail_unless (f2f_test_peer_video_from (a, c->peer_id) <= between[0] + 2
        && f2f_test_peer_video_from (c, a->peer_id) <= between[1] + 2,
        "clients still send each other video:%s", describe_counts (peers));
  }

  /* The mixer leaves: the plan is the mesh for everyone left. */
  fail_unless (f2f_test_peer_quit (b, 10000), "B did not quit");
  g_ptr_array_remove (peers, b);
  expect_role (a, "mesh", 3000);
  expect_role (c, "mesh", 3000);
  expect_role (late, "mesh", 3000);

  /* Two proposals cross: everyone ends on the same one. */
  g_free (cmd);
  cmd = g_strdup_printf ("topology %s", c->peer_id);
  f2f_test_peer_send (a, cmd);
  g_free (cmd);
  cmd = g_strdup_printf ("topology %s", a->peer_id);
  f2f_test_peer_send (late, cmd);
  /* epoch 2 when both proposed before hearing the other; 3 when one
   * heard the other's first and outbid it: either way one plan */
  sp.epoch = 2;
  sp.any_epoch = TRUE;
  sp.proposer = NULL;
  sp.mixers = NULL;
  if (!f2f_test_wait (same_plan, &sp, 5000)) {
    g_autofree gchar *state = describe_plans (peers);
    fail ("crossing proposals did not converge within 5 s:%s", state);
  }

  /* A newcomer holds the room's plan before any of its links is up: the
   * others send it through the signaling server when it joins. Here E's
   * links cannot connect at all (its only ICE address, 192.0.2.1, is on
   * no interface), so the server is its only way to the plan. */
  {
    TestPeer *e = f2f_test_peer_start (server, "plans", "E", 4,
        "local-addresses=192.0.2.1");
    g_autoptr (GPtrArray) pair = g_ptr_array_new ();
    SamePlan ep = { pair, 2, TRUE, NULL, NULL };

    g_ptr_array_add (pair, a);
    g_ptr_array_add (pair, e);
    if (!f2f_test_wait (same_plan, &ep, 5000)) {
      g_autofree gchar *state = describe_plans (pair);
      fail ("a newcomer whose links cannot connect did not get the plan "
          "through the server within 5 s:%s", state);
    }
    fail_unless (f2f_test_peer_video_from (e, a->peer_id) == 0,
        "E's links connected after all");
    f2f_test_peer_free (e);
  }

  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

static Suite *
plans_suite (void)
{
  Suite *s = suite_create ("f2f topology plans");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, TIMEOUT_S);
  tcase_add_checked_fixture (tc, watchdog_setup, f2f_test_teardown);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_plan_shared);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  f2f_test_enter_private_netns ();
  gst_check_init (&argc, &argv);
  s = plans_suite ();
  return gst_check_run_suite (s, "plans", __FILE__);
}
