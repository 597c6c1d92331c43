/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The room graph model and its DOT: exact text for a known room, the
 * shapes of mesh and mixer rooms under their topology plans (roles, what
 * each link carries, paused links), link quality colours, hostile names,
 * and Graphviz's own `dot` accepting what is written.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

static GstF2fLinkInfo
good_link (guint64 ab, guint64 ba)
{
  GstF2fLinkInfo info = { (gchar *) "connected", {ab, 0.0}, {ba, 0.001},
  12.0, 3.0
  };
  return info;
}

static guint
count (const gchar * haystack, const gchar * needle)
{
  guint n = 0;
  const gchar *p = haystack;

  while ((p = strstr (p, needle))) {
    n++;
    p += strlen (needle);
  }
  return n;
}

/* Runs Graphviz on @dot; FALSE with a reason when it refuses it. */
static gboolean
dot_accepts (const gchar * dot, gchar ** why)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *out = NULL, *err = NULL;
  gchar *argv[] = { (gchar *) "dot", (gchar *) "-Tsvg", NULL, NULL };
  gint fd, status;
  gboolean ok;

  fd = g_file_open_tmp ("f2f-XXXXXX.dot", &path, NULL);
  fail_unless (fd >= 0);
  fail_unless (g_file_set_contents (path, dot, -1, NULL));
  close (fd);
  argv[2] = path;
  ok = g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
      &err, &status, NULL) && g_spawn_check_wait_status (status, NULL)
      && out && strstr (out, "<svg");
  if (!ok)
    *why = g_strdup (err ? err : "dot did not run");
  g_unlink (path);
  return ok;
}

static gboolean
have_dot (void)
{
  g_autofree gchar *dot = g_find_program_in_path ("dot");
  return dot != NULL;
}

static GstF2fPlan *
plan_from_json (const gchar * json)
{
  g_autoptr (GError) error = NULL;
  GstF2fPlan *plan = gst_f2f_plan_from_json (json, strlen (json), &error);

  fail_unless (plan != NULL, "%s: %s", json, error ? error->message : "");
  return plan;
}

GST_START_TEST (test_mesh_of_three_exact)
{
  GstF2fTopology *t = gst_f2f_topology_new ("demo");
  GstF2fLinkInfo l1 = good_link (800000, 750000);
  GstF2fLinkInfo l2 = good_link (64000, 32000);
  GstF2fLinkInfo l3 = { (gchar *) "connecting", {0, 0}, {0, 0}, -1, -1 };
  g_autofree gchar *dot = NULL;
  const gchar *expected =
      "graph \"f2f room demo\" {\n"
      "  graph [label=\"room demo · 3 peers\", labelloc=t, fontname=\"Sans\", "
      "layout=neato, overlap=false, splines=true];\n"
      "  node [fontname=\"Sans\", style=filled, fillcolor=\"#ffffff\"];\n"
      "  edge [fontname=\"Sans\", fontsize=9];\n"
      "  \"p1\" [label=\"Ann\\np1\\nleader\", shape=ellipse, "
      "fillcolor=\"#ffffff\", peripheries=2, penwidth=3];\n"
      "  \"p2\" [label=\"Bo\\np2\", shape=ellipse, fillcolor=\"#ffffff\"];\n"
      "  \"p3\" [label=\"Cy\\np3\", shape=ellipse, fillcolor=\"#ffffff\"];\n"
      "  \"p1\" -- \"p2\" [label=\"→ 800 kb/s, ← 750 kb/s\\nrtt 12 ms, "
      "loss 0.1%, jitter 3 ms\", color=\"#2e7d32\", fontcolor=\"#2e7d32\", "
      "penwidth=2];\n"
      "  \"p1\" -- \"p3\" [label=\"→ 64 kb/s, ← 32 kb/s\\nrtt 12 ms, "
      "loss 0.1%, jitter 3 ms\", color=\"#2e7d32\", fontcolor=\"#2e7d32\", "
      "penwidth=2];\n"
      "  \"p2\" -- \"p3\" [label=\"connecting\", color=\"#9e9e9e\", "
      "fontcolor=\"#9e9e9e\", style=dashed];\n" "}\n";

  gst_f2f_topology_set_peer (t, "p2", "Bo", FALSE, FALSE);
  gst_f2f_topology_set_peer (t, "p1", "Ann", TRUE, TRUE);
  gst_f2f_topology_set_peer (t, "p3", "Cy", FALSE, FALSE);
  gst_f2f_topology_set_link (t, "p1", "p2", &l1);
  /* given the other way round: directions swap with the pair */
  {
    GstF2fLinkInfo rev = l2;
    rev.a_to_b = l2.b_to_a;
    rev.b_to_a = l2.a_to_b;
    gst_f2f_topology_set_link (t, "p3", "p1", &rev);
  }
  gst_f2f_topology_set_link (t, "p2", "p3", &l3);

  dot = gst_f2f_topology_to_dot (t);
  fail_unless_equals_string (dot, expected);

  /* A plan that is the mesh, or whose mixer is away (everyone falls back on
   * the mesh), draws the same peers and links; only the graph's label
   * names the plan. */
  {
    const struct
    {
      const gchar *plan, *label;
    } rows[] = {
      {"{\"epoch\":0,\"proposer\":\"p2\",\"mixers\":[],\"assign\":{}}",
          "room demo · 3 peers\\nplan 0 by Bo: mesh\""},
      {"{\"epoch\":4,\"proposer\":\"gone\",\"mixers\":[\"gone\"],"
            "\"assign\":{\"p1\":\"gone\"}}",
          "room demo · 3 peers\\nplan 4 by gone: mesh while its mixer is away\""},
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (rows); i++) {
      g_autoptr (GstF2fPlan) plan = plan_from_json (rows[i].plan);
      g_autofree gchar *with_plan = NULL, *wanted = NULL;
      g_auto (GStrv) halves = g_strsplit (expected, "room demo · 3 peers\"",
          2);

      fail_unless (plan != NULL);
      gst_f2f_topology_set_plan (t, plan);
      with_plan = gst_f2f_topology_to_dot (t);
      wanted = g_strjoinv (rows[i].label, halves);
      fail_unless_equals_string (with_plan, wanted);
    }
  }
  gst_f2f_topology_free (t);
}

GST_END_TEST;

static void
check_dot (const gchar * dot)
{
  g_autofree gchar *why = NULL;

  if (!have_dot ()) {
    g_print ("dot (graphviz) not installed: not checking the syntax\n");
    return;
  }
  fail_unless (dot_accepts (dot, &why), "dot refused:\n%s\n%s", dot, why);
}

/* What the table's rooms send: each way, a rate that says what flows. */
static guint64
rate_of (GstF2fFeed feed)
{
  switch (feed) {
    case GST_F2F_FEED_CAMERA:
      return 400000;
    case GST_F2F_FEED_COMPOSITE:
      return 1500000;
    case GST_F2F_FEED_SUBMIX:
      return 900000;
    default:
      return 0;
  }
}

/* @peers: space-separated ids, the first one the leader and this peer;
 * names are the ids in capitals. Every pair is linked, each way at the
 * rate of what @plan_json (NULL: no plan) makes it carry. */
static GstF2fTopology *
room_with_plan (const gchar * peers, const gchar * plan_json)
{
  GstF2fTopology *t = gst_f2f_topology_new ("t");
  g_auto (GStrv) ids = g_strsplit (peers, " ", -1);
  g_autoptr (GstF2fPlan) plan = plan_json ? plan_from_json (plan_json) : NULL;
  g_autoptr (GstF2fPlan) mesh = gst_f2f_plan_new (0, ids[0]);
  const GstF2fPlan *effective = plan ? plan : mesh;
  guint i, j;

  for (i = 0; ids[i]; i++) {
    g_autofree gchar *name = g_ascii_strup (ids[i], -1);
    gst_f2f_topology_set_peer (t, ids[i], name, i == 0, i == 0);
  }
  for (i = 0; ids[i]; i++)
    for (j = i + 1; ids[j]; j++) {
      GstF2fLinkInfo l = good_link (rate_of (gst_f2f_plan_feed (effective,
                  ids[i], ids[j], (const gchar * const *) ids)),
          rate_of (gst_f2f_plan_feed (effective, ids[j], ids[i],
                  (const gchar * const *) ids)));
      gst_f2f_topology_set_link (t, ids[i], ids[j], &l);
    }
  gst_f2f_topology_set_plan (t, plan);
  return t;
}

#define GOOD "\\nrtt 12 ms, loss 0.1%, jitter 3 ms\", color=\"#2e7d32\", " \
    "fontcolor=\"#2e7d32\""
#define PAUSED "[label=\"data only\", color=\"#9e9e9e\", " \
    "fontcolor=\"#9e9e9e\", style=dashed];\n"

/* Rooms under plans: the lines that must be in the DOT, and how often some
 * marks occur. */
GST_START_TEST (test_plan_table)
{
  const struct
  {
    const gchar *what, *peers, *plan;
    const gchar *lines[10];
    guint n_mixers, n_paused, n_arrows, n_clients;
  } rows[] = {
    {"mesh, no plan", "p1 p2 p3", NULL, {
                "  graph [label=\"room t · 3 peers\", labelloc=t,",
                "  \"p1\" [label=\"P1\\np1\\nleader\", shape=ellipse, "
                "fillcolor=\"#ffffff\", peripheries=2, penwidth=3];\n",
                "  \"p2\" [label=\"P2\\np2\", shape=ellipse, "
                "fillcolor=\"#ffffff\"];\n",
                "  \"p1\" -- \"p2\" [label=\"→ 400 kb/s, ← 400 kb/s" GOOD
                ", penwidth=2];\n",
            NULL}, 0, 0, 0, 0},
    {"one mixer, three clients", "m c1 c2 c3",
          "{\"epoch\":3,\"proposer\":\"c2\",\"mixers\":[\"m\"],"
          "\"assign\":{\"c1\":\"m\",\"c2\":\"m\",\"c3\":\"m\"}}", {
                "  graph [label=\"room t · 4 peers\\nplan 3 by C2: 1 mixer\", ",
                "  \"m\" [label=\"M\\nm\\nmixer\\nleader\", shape=box, "
                "fillcolor=\"#bbdefb\", peripheries=2, penwidth=3];\n",
                "  \"c1\" [label=\"C1\\nc1\\nclient of M\", shape=ellipse, "
                "fillcolor=\"#e3f2fd\"];\n",
                "  \"m\" -- \"c1\" [label=\"→ composite 1.5 Mb/s, ← camera "
                "400 kb/s" GOOD ", penwidth=2, dir=forward, style=bold];\n",
                "  \"c1\" -- \"c2\" " PAUSED,
                "  \"c2\" -- \"c3\" " PAUSED,
            NULL}, 1, 3, 3, 3},
    {"two mixers, two clients", "c1 m1 m2 c2",
          "{\"epoch\":5,\"proposer\":\"m2\",\"mixers\":[\"m1\",\"m2\"],"
          "\"assign\":{\"c1\":\"m1\",\"c2\":\"m2\"}}", {
                "  graph [label=\"room t · 4 peers\\nplan 5 by M2: 2 mixers\", ",
                "  \"m1\" [label=\"M1\\nm1\\nmixer\", shape=box, "
                "fillcolor=\"#bbdefb\"];\n",
                "  \"m2\" [label=\"M2\\nm2\\nmixer\", shape=box, "
                "fillcolor=\"#e1bee7\"];\n",
                "  \"c1\" [label=\"C1\\nc1\\nclient of M1\\nleader\", "
                "shape=ellipse, fillcolor=\"#e3f2fd\", peripheries=2, "
                "penwidth=3];\n",
                "  \"c2\" [label=\"C2\\nc2\\nclient of M2\", shape=ellipse, "
                "fillcolor=\"#f3e5f5\"];\n",
                /* mixers mesh: a sub-mix each way, drawn thicker */
                "  \"m1\" -- \"m2\" [label=\"→ sub-mix 900 kb/s, ← sub-mix "
                "900 kb/s" GOOD ", penwidth=3];\n",
                "  \"m2\" -- \"c2\" [label=\"→ composite 1.5 Mb/s, ← camera "
                "400 kb/s" GOOD ", penwidth=2, dir=forward, style=bold];\n",
                /* a mixer sends nothing to another mixer's clients */
                "  \"c1\" -- \"m2\" " PAUSED,
                "  \"c1\" -- \"c2\" " PAUSED,
            NULL}, 2, 3, 2, 2},
    {"a late joiner goes to the first mixer", "m c1 late",
          "{\"epoch\":1,\"proposer\":\"m\",\"mixers\":[\"m\"],"
          "\"assign\":{\"c1\":\"m\"}}", {
                "  \"late\" [label=\"LATE\\nlate\\nclient of M\", "
                "shape=ellipse, fillcolor=\"#e3f2fd\"];\n",
                "  \"m\" -- \"late\" [label=\"→ composite 1.5 Mb/s, ← camera "
                "400 kb/s" GOOD ", penwidth=2, dir=forward, style=bold];\n",
            NULL}, 1, 1, 2, 2},
  };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    GstF2fTopology *t = room_with_plan (rows[i].peers, rows[i].plan);
    g_autofree gchar *dot = gst_f2f_topology_to_dot (t);

    for (j = 0; rows[i].lines[j]; j++)
      fail_unless (strstr (dot, rows[i].lines[j]) != NULL,
          "%s: no\n%s\nin\n%s", rows[i].what, rows[i].lines[j], dot);
    fail_unless_equals_int (count (dot, "\\nmixer"), rows[i].n_mixers);
    fail_unless_equals_int (count (dot, "shape=box"), rows[i].n_mixers);
    fail_unless_equals_int (count (dot, "data only"), rows[i].n_paused);
    fail_unless_equals_int (count (dot, "dir=forward"), rows[i].n_arrows);
    fail_unless_equals_int (count (dot, "client of "), rows[i].n_clients);
    /* every link drawn once, none invented */
    fail_unless_equals_int (count (dot, " -- "),
        gst_f2f_topology_get_n_links (t));
    check_dot (dot);
    gst_f2f_topology_free (t);
  }
}

GST_END_TEST;

/* One mixer serves three clients, the whole text: the serving relation
 * whose link nobody measured yet is still drawn. */
GST_START_TEST (test_one_mixer_exact)
{
  GstF2fTopology *t = gst_f2f_topology_new ("m1");
  GstF2fLinkInfo served = good_link (1500000, 400000);
  GstF2fLinkInfo paused = good_link (0, 0);
  g_autoptr (GstF2fPlan) plan = gst_f2f_plan_new (2, "m");
  g_autofree gchar *dot = NULL;
  const gchar *expected =
      "graph \"f2f room m1\" {\n"
      "  graph [label=\"room m1 · 4 peers\\nplan 2 by Mixer: 1 mixer\", "
      "labelloc=t, fontname=\"Sans\", layout=neato, overlap=false, "
      "splines=true];\n"
      "  node [fontname=\"Sans\", style=filled, fillcolor=\"#ffffff\"];\n"
      "  edge [fontname=\"Sans\", fontsize=9];\n"
      "  \"c1\" [label=\"c1\\nc1\\nclient of Mixer\", shape=ellipse, "
      "fillcolor=\"#e3f2fd\", penwidth=3];\n"
      "  \"c2\" [label=\"c2\\nc2\\nclient of Mixer\", shape=ellipse, "
      "fillcolor=\"#e3f2fd\"];\n"
      "  \"c3\" [label=\"c3\\nc3\\nclient of Mixer\", shape=ellipse, "
      "fillcolor=\"#e3f2fd\"];\n"
      "  \"m\" [label=\"Mixer\\nm\\nmixer\\nleader\", shape=box, "
      "fillcolor=\"#bbdefb\", peripheries=2];\n"
      "  \"c1\" -- \"c2\" " PAUSED
      "  \"m\" -- \"c1\" [label=\"→ composite 1.5 Mb/s, ← camera 400 kb/s"
      GOOD ", penwidth=2, dir=forward, style=bold];\n"
      "  \"m\" -- \"c2\" [label=\"→ composite 1.5 Mb/s, ← camera 400 kb/s"
      GOOD ", penwidth=2, dir=forward, style=bold];\n"
      "  \"m\" -- \"c3\" [label=\"serves\", style=dotted, dir=forward];\n"
      "}\n";
  const gchar *clients[] = { "c1", "c2", "c3" };
  guint i;

  gst_f2f_plan_add_mixer (plan, "m");
  gst_f2f_topology_set_peer (t, "m", "Mixer", TRUE, FALSE);
  for (i = 0; i < 3; i++) {
    gst_f2f_topology_set_peer (t, clients[i], clients[i], FALSE, i == 0);
    gst_f2f_plan_assign (plan, clients[i], "m");
    if (i < 2)
      gst_f2f_topology_set_link (t, "m", clients[i], &served);
  }
  gst_f2f_topology_set_link (t, "c2", "c1", &paused);
  gst_f2f_topology_set_plan (t, plan);
  dot = gst_f2f_topology_to_dot (t);
  fail_unless_equals_string (dot, expected);
  check_dot (dot);
  gst_f2f_topology_free (t);
}

GST_END_TEST;

static const GstStructure *
nth (const GstStructure * s, const gchar * field, guint index)
{
  return gst_value_get_structure (gst_value_list_get_value
      (gst_structure_get_value (s, field), index));
}

/* Two mixers with two clients each: the bus message's plan, roles and
 * feeds; then a mixer leaves, and everyone is drawn as the mesh they fell
 * back on. */
GST_START_TEST (test_two_mixers)
{
  GstF2fTopology *t = room_with_plan ("ma mb c0 c1 c2 c3",
      "{\"epoch\":9,\"proposer\":\"ma\",\"mixers\":[\"ma\",\"mb\"],"
      "\"assign\":{\"c0\":\"ma\",\"c1\":\"ma\",\"c2\":\"mb\",\"c3\":\"mb\"}}");
  g_autofree gchar *dot = NULL;
  const GstStructure *n, *l;
  GstStructure *s;
  guint64 epoch = 0;
  guint i;

  fail_unless_equals_int (gst_f2f_topology_get_n_peers (t), 6);
  fail_unless_equals_int (gst_f2f_topology_get_n_links (t), 15);
  dot = gst_f2f_topology_to_dot (t);
  fail_unless_equals_int (count (dot, "shape=box"), 2);
  fail_unless_equals_int (count (dot, "dir=forward"), 4);
  /* 15 links: 4 served, 1 between the mixers, the rest paused */
  fail_unless_equals_int (count (dot, "data only"), 10);
  fail_unless (strstr (dot, "\"ma\" -- \"c0\"") && strstr (dot,
          "\"mb\" -- \"c3\""), "%s", dot);
  check_dot (dot);

  s = gst_f2f_topology_to_structure (t);
  fail_unless (gst_structure_has_name (s, "f2f-topology"));
  fail_unless (gst_structure_get_uint64 (s, "plan-epoch", &epoch));
  fail_unless_equals_uint64 (epoch, 9);
  fail_unless_equals_string (gst_structure_get_string (s, "plan-proposer"),
      "ma");
  fail_unless_equals_string (gst_structure_get_string (s, "mixers"), "ma,mb");
  fail_unless_equals_int (gst_value_list_get_size (gst_structure_get_value
          (s, "nodes")), 6);
  n = nth (s, "nodes", 0);
  fail_unless_equals_string (gst_structure_get_string (n, "id"), "c0");
  fail_unless_equals_string (gst_structure_get_string (n, "role"), "client");
  fail_unless_equals_string (gst_structure_get_string (n, "served-by"), "ma");
  n = nth (s, "nodes", 4);
  fail_unless_equals_string (gst_structure_get_string (n, "id"), "ma");
  fail_unless_equals_string (gst_structure_get_string (n, "role"), "mixer");
  fail_if (gst_structure_has_field (n, "served-by"));
  /* links sorted by (a, b): c0–c1, c0–c2, c0–c3 paused, then c0–ma */
  l = nth (s, "links", 0);
  fail_unless_equals_string (gst_structure_get_string (l, "a-to-b-feed"),
      "none");
  fail_unless_equals_string (gst_structure_get_string (l, "b-to-a-feed"),
      "none");
  l = nth (s, "links", 3);
  fail_unless_equals_string (gst_structure_get_string (l, "b"), "ma");
  fail_unless_equals_string (gst_structure_get_string (l, "a-to-b-feed"),
      "camera");
  fail_unless_equals_string (gst_structure_get_string (l, "b-to-a-feed"),
      "composite");
  gst_structure_free (s);

  /* a mixer leaves: its links go with it, and by the plan's own rule its
   * clients are the other mixer's now (c2 and c3: in id order, each to
   * the mixer with the fewest) */
  fail_unless (gst_f2f_topology_remove_peer (t, "mb"));
  fail_unless_equals_int (gst_f2f_topology_get_n_peers (t), 5);
  fail_unless_equals_int (gst_f2f_topology_get_n_links (t), 10);
  g_free (dot);
  dot = gst_f2f_topology_to_dot (t);
  fail_if (strstr (dot, "\"mb\"") != NULL);
  fail_unless_equals_int (count (dot, "shape=box"), 1);
  fail_unless_equals_int (count (dot, "dir=forward"), 4);
  fail_unless (strstr (dot, "plan 9 by MA: 1 mixer (1 away: its clients "
          "moved)"), "%s", dot);
  check_dot (dot);
  s = gst_f2f_topology_to_structure (t);
  fail_unless_equals_string (gst_structure_get_string (s, "mixers"), "ma");
  for (i = 0; i < 4; i++) {
    n = nth (s, "nodes", i);
    fail_unless_equals_string (gst_structure_get_string (n, "role"),
        "client");
    fail_unless_equals_string (gst_structure_get_string (n, "served-by"),
        "ma");
  }
  gst_structure_free (s);

  /* the other leaves too: the mesh, until a new plan (its proposer is
   * drawn by id now: no name is known for a peer that left) */
  fail_unless (gst_f2f_topology_remove_peer (t, "ma"));
  g_free (dot);
  dot = gst_f2f_topology_to_dot (t);
  fail_unless_equals_int (count (dot, "shape=box"), 0);
  fail_unless_equals_int (count (dot, "data only"), 0);
  fail_unless_equals_int (count (dot, "client of"), 0);
  fail_unless (strstr (dot, "plan 9 by ma: mesh while its mixers are away"),
      "%s", dot);
  s = gst_f2f_topology_to_structure (t);
  fail_unless_equals_string (gst_structure_get_string (s, "mixers"), "");
  fail_unless_equals_string (gst_structure_get_string (nth (s, "nodes", 0),
          "role"), "mesh");
  fail_unless_equals_string (gst_structure_get_string (nth (s, "links", 0),
          "a-to-b-feed"), "camera");
  gst_structure_free (s);
  fail_if (gst_f2f_topology_remove_peer (t, "mb"));
  gst_f2f_topology_free (t);
}

GST_END_TEST;

GST_START_TEST (test_quality)
{
  GstF2fLinkInfo l = { (gchar *) "connected", {1000, 0.0}, {1000, 0.0}, 20,
    -1
  };

  fail_unless_equals_string (gst_f2f_link_quality (&l), "good");
  l.b_to_a.loss = 0.05;
  fail_unless_equals_string (gst_f2f_link_quality (&l), "fair");
  l.b_to_a.loss = 0.0;
  l.rtt_ms = 600;
  fail_unless_equals_string (gst_f2f_link_quality (&l), "bad");
  l.rtt_ms = -1;
  l.a_to_b.loss = 0.25;
  fail_unless_equals_string (gst_f2f_link_quality (&l), "bad");
  l.state = (gchar *) "failed";
  fail_unless_equals_string (gst_f2f_link_quality (&l), "down");

  {
    GstF2fTopology *t = gst_f2f_topology_new ("q");
    GstF2fLinkInfo lossy = { (gchar *) "connected", {300000, 0.3},
    {300000, 0.0}, 80, 10
    };
    g_autofree gchar *dot = NULL;
    gst_f2f_topology_set_peer (t, "a", "a", FALSE, FALSE);
    gst_f2f_topology_set_peer (t, "b", "b", FALSE, FALSE);
    gst_f2f_topology_set_link (t, "a", "b", &lossy);
    dot = gst_f2f_topology_to_dot (t);
    /* a link losing 30 % is drawn red, and says so */
    fail_unless (strstr (dot, "color=\"#c62828\"") != NULL, "%s", dot);
    fail_unless (strstr (dot, "loss 30.0%") != NULL, "%s", dot);
    gst_f2f_topology_free (t);
  }
}

GST_END_TEST;

/* Names from the network cannot break out of their label. */
GST_START_TEST (test_hostile_names)
{
  GstF2fTopology *t = gst_f2f_topology_new ("r\"]; evil [");
  g_autofree gchar *dot = NULL;

  gst_f2f_topology_set_peer (t, "x", "Bob\" -- \"x\" [color=red]; \\ \nnext",
      FALSE, FALSE);
  dot = gst_f2f_topology_to_dot (t);
  /* one statement per line: the three defaults and one node, no edge */
  fail_unless_equals_int (count (dot, "];\n"), 4);
  fail_unless (strstr (dot, "Bob\\\" -- \\\"x\\\" [color=red]; \\\\  next")
      != NULL, "%s", dot);
  check_dot (dot);
  gst_f2f_topology_free (t);
}

GST_END_TEST;

/* Three peers each measure their own links; merging the others' views
 * gives each the whole triangle, own measurements first. */
GST_START_TEST (test_views)
{
  GstF2fTopology *b_view = gst_f2f_topology_new ("v");
  GstF2fTopology *a = gst_f2f_topology_new ("v");
  GstF2fLinkInfo bc = { (gchar *) "connected", {300000, 0.01},
  {200000, 0.02}, 30, 4
  };
  GstF2fLinkInfo ab = good_link (1000000, 1000000);
  GstF2fLinkInfo ba_other = good_link (5, 5);
  g_autofree gchar *json = NULL, *dot = NULL;
  g_autoptr (GError) error = NULL;
  GstStructure *s;
  const GstStructure *l;
  guint64 rate = 0;

  /* b's own view: b–c and b–a */
  gst_f2f_topology_set_peer (b_view, "b", "B", FALSE, TRUE);
  gst_f2f_topology_set_peer (b_view, "c", "C", FALSE, FALSE);
  gst_f2f_topology_set_peer (b_view, "a", "A", FALSE, FALSE);
  gst_f2f_topology_set_link (b_view, "b", "c", &bc);
  gst_f2f_topology_set_link (b_view, "b", "a", &ba_other);
  json = gst_f2f_topology_view_to_json (b_view, "b");

  /* a draws: its own a–b link and b's view */
  gst_f2f_topology_set_peer (a, "a", "A", TRUE, TRUE);
  gst_f2f_topology_set_peer (a, "b", "B", FALSE, FALSE);
  gst_f2f_topology_set_peer (a, "c", "C", FALSE, FALSE);
  gst_f2f_topology_set_link (a, "a", "b", &ab);
  fail_unless (gst_f2f_topology_merge_view (a, "b", json, strlen (json),
          &error), "%s", error ? error->message : "");
  fail_unless_equals_int (gst_f2f_topology_get_n_links (a), 2);
  /* a's own measurement of a–b is kept; b–c comes from b, oriented */
  s = gst_f2f_topology_to_structure (a);
  l = gst_value_get_structure (gst_value_list_get_value
      (gst_structure_get_value (s, "links"), 0));
  fail_unless_equals_string (gst_structure_get_string (l, "b"), "b");
  gst_structure_get_uint64 (l, "a-to-b-bitrate", &rate);
  fail_unless_equals_uint64 (rate, 1000000);
  l = gst_value_get_structure (gst_value_list_get_value
      (gst_structure_get_value (s, "links"), 1));
  fail_unless_equals_string (gst_structure_get_string (l, "a"), "b");
  fail_unless_equals_string (gst_structure_get_string (l, "b"), "c");
  gst_structure_get_uint64 (l, "a-to-b-bitrate", &rate);
  fail_unless_equals_uint64 (rate, 300000);
  gst_structure_get_uint64 (l, "b-to-a-bitrate", &rate);
  fail_unless_equals_uint64 (rate, 200000);
  gst_structure_free (s);
  dot = gst_f2f_topology_to_dot (a);
  check_dot (dot);

  /* views from strangers are ignored, broken ones refused without harm */
  fail_unless (gst_f2f_topology_merge_view (a, "zed", json, strlen (json),
          NULL));
  {
    const gchar *bad[] = { "", "[]", "{\"type\":\"topology-view\"}",
      "{\"type\":\"other\",\"links\":[]}",
      "{\"type\":\"topology-view\",\"links\":[1]}",
      "{\"type\":\"topology-view\",\"links\":[{\"peer\":7,"
          "\"state\":\"x\"}]}",
      "{\"type\":\"topology-view\",\"links\":[{\"peer\":\"../x\","
          "\"state\":\"x\"}]}",
      "{\"type\":\"topology-view\",\"links\":[]} {}",
    };
    guint i;
    for (i = 0; i < G_N_ELEMENTS (bad); i++) {
      g_clear_error (&error);
      fail_if (gst_f2f_topology_merge_view (a, "b", bad[i], strlen (bad[i]),
              &error), "accepted %s", bad[i]);
      fail_unless (error != NULL);
    }
  }
  fail_unless_equals_int (gst_f2f_topology_get_n_links (a), 2);
  gst_f2f_topology_free (a);
  gst_f2f_topology_free (b_view);
}

GST_END_TEST;

/* The election's scores on the nodes: the value as a rate, and why a peer
 * cannot be elected or ranks after the measured ones; a peer not in the
 * graph is not scored; unscored nodes say nothing; the text parses. */
GST_START_TEST (test_scores)
{
  static const struct
  {
    gdouble value;
    gboolean eligible, measured;
    const gchar *text;
  } table[] = {
    {12345678, TRUE, TRUE, "\\nscore 12.3 Mb/s\""},
    {640000, TRUE, FALSE, "\\nscore 640 kb/s (unmeasured)\""},
    {2000000, FALSE, TRUE, "\\nscore 2.0 Mb/s (not eligible)\""},
    {0, FALSE, FALSE, "\\nscore 0 b/s (not eligible)\""},
    {-1, TRUE, TRUE, "\\nscore 0 b/s\""},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    GstF2fTopology *topo = gst_f2f_topology_new ("r");
    g_autofree gchar *dot = NULL, *why = NULL;
    g_autoptr (GstStructure) s = NULL;
    const GValue *nodes;
    const GstStructure *a, *b;
    gdouble score = -1;

    gst_f2f_topology_set_peer (topo, "a", "Ann", TRUE, TRUE);
    gst_f2f_topology_set_peer (topo, "b", "Bob", FALSE, FALSE);
    fail_unless (gst_f2f_topology_set_score (topo, "a", table[i].value,
            table[i].eligible, table[i].measured));
    fail_if (gst_f2f_topology_set_score (topo, "zz", 1, TRUE, TRUE));
    dot = gst_f2f_topology_to_dot (topo);
    fail_unless (strstr (dot, table[i].text) != NULL, "row %u: no %s in\n%s",
        i, table[i].text, dot);
    fail_unless_equals_int (count (dot, "score "), 1);
    fail_unless (dot_accepts (dot, &why), "%s", why);

    s = gst_f2f_topology_to_structure (topo);
    nodes = gst_structure_get_value (s, "nodes");
    a = gst_value_get_structure (gst_value_list_get_value (nodes, 0));
    b = gst_value_get_structure (gst_value_list_get_value (nodes, 1));
    fail_unless (gst_structure_get_double (a, "score", &score));
    fail_unless (score == MAX (table[i].value, 0));
    fail_if (gst_structure_has_field (b, "score"));
    gst_f2f_topology_free (topo);
  }
}

GST_END_TEST;

/* Scores travel in the leader's view: a follower draws them, a view from
 * a peer that does not lead brings none, and broken scores are refused
 * before anything of the view is merged. */
GST_START_TEST (test_scores_in_views)
{
  GstF2fTopology *leader = gst_f2f_topology_new ("v");
  GstF2fTopology *other = gst_f2f_topology_new ("v");
  GstF2fTopology *f = gst_f2f_topology_new ("v");
  GstF2fLinkInfo lc = good_link (1000, 1000);
  g_autofree gchar *from_leader = NULL, *from_other = NULL, *dot = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *bad[] = {
    "{\"type\":\"topology-view\",\"links\":[],\"scores\":{}}",
    "{\"type\":\"topology-view\",\"links\":[],\"scores\":[1]}",
    "{\"type\":\"topology-view\",\"links\":[],\"scores\":[{\"peer\":"
        "\"b\",\"value\":\"x\",\"eligible\":true,\"measured\":true}]}",
    "{\"type\":\"topology-view\",\"links\":[{\"peer\":\"c\",\"state\":"
        "\"connected\"}],\"scores\":[{\"peer\":\"b\",\"value\":1}]}",
  };
  guint i;

  /* l leads and ran the election; o does not lead but kept old scores */
  gst_f2f_topology_set_peer (leader, "l", "L", TRUE, TRUE);
  gst_f2f_topology_set_peer (leader, "f", "F", FALSE, FALSE);
  gst_f2f_topology_set_link (leader, "l", "f", &lc);
  fail_unless (gst_f2f_topology_set_score (leader, "l", 9000000, TRUE,
          TRUE));
  fail_unless (gst_f2f_topology_set_score (leader, "f", 700000, FALSE,
          TRUE));
  from_leader = gst_f2f_topology_view_to_json (leader, "l");
  fail_unless (strstr (from_leader, "\"scores\":[") != NULL, "%s",
      from_leader);
  gst_f2f_topology_set_peer (other, "o", "O", FALSE, TRUE);
  gst_f2f_topology_set_peer (other, "f", "F", FALSE, FALSE);
  fail_unless (gst_f2f_topology_set_score (other, "f", 1, TRUE, TRUE));
  from_other = gst_f2f_topology_view_to_json (other, "o");

  gst_f2f_topology_set_peer (f, "f", "F", FALSE, TRUE);
  gst_f2f_topology_set_peer (f, "l", "L", TRUE, FALSE);
  gst_f2f_topology_set_peer (f, "o", "O", FALSE, FALSE);
  fail_unless (gst_f2f_topology_merge_view (f, "o", from_other,
          strlen (from_other), &error), "%s", error->message);
  dot = gst_f2f_topology_to_dot (f);
  fail_unless_equals_int (count (dot, "score "), 0);
  g_free (dot);
  fail_unless (gst_f2f_topology_merge_view (f, "l", from_leader,
          strlen (from_leader), &error), "%s", error->message);
  dot = gst_f2f_topology_to_dot (f);
  fail_unless (strstr (dot, "\\nscore 9.0 Mb/s\"") != NULL, "%s", dot);
  fail_unless (strstr (dot, "\\nscore 700 kb/s (not eligible)\"") != NULL,
      "%s", dot);

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GstF2fTopology *g = gst_f2f_topology_new ("v");
    gst_f2f_topology_set_peer (g, "b", "B", FALSE, TRUE);
    gst_f2f_topology_set_peer (g, "c", "C", FALSE, FALSE);
    gst_f2f_topology_set_peer (g, "l", "L", TRUE, FALSE);
    g_clear_error (&error);
    fail_if (gst_f2f_topology_merge_view (g, "l", bad[i], strlen (bad[i]),
            &error), "accepted %s", bad[i]);
    fail_unless_equals_int (gst_f2f_topology_get_n_links (g), 0);
    gst_f2f_topology_free (g);
  }
  gst_f2f_topology_free (leader);
  gst_f2f_topology_free (other);
  gst_f2f_topology_free (f);
}

GST_END_TEST;

static Suite *
topology_suite (void)
{
  Suite *s = suite_create ("f2f topology model");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_mesh_of_three_exact);
  tcase_add_test (tc, test_plan_table);
  tcase_add_test (tc, test_one_mixer_exact);
  tcase_add_test (tc, test_two_mixers);
  tcase_add_test (tc, test_quality);
  tcase_add_test (tc, test_hostile_names);
  tcase_add_test (tc, test_views);
  tcase_add_test (tc, test_scores);
  tcase_add_test (tc, test_scores_in_views);
  return s;
}

GST_CHECK_MAIN (topology);
