/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The room graph model and its DOT: exact text for a known room, the
 * shapes of mesh and mixer rooms, link quality colours, hostile names, and
 * Graphviz's own `dot` accepting what is written.
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

  gst_f2f_topology_set_peer (t, "p2", "Bo", GST_F2F_ROLE_CLIENT, FALSE, FALSE);
  gst_f2f_topology_set_peer (t, "p1", "Ann", GST_F2F_ROLE_CLIENT, TRUE, TRUE);
  gst_f2f_topology_set_peer (t, "p3", "Cy", GST_F2F_ROLE_CLIENT, FALSE, FALSE);
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

/* One mixer serves three clients: the mixer is a box, its links are arrows
 * from it, and a serving relation without a measured link is still drawn. */
GST_START_TEST (test_one_mixer)
{
  GstF2fTopology *t = gst_f2f_topology_new ("m1");
  GstF2fLinkInfo l = good_link (1500000, 400000);
  g_autofree gchar *dot = NULL;
  const gchar *clients[] = { "c1", "c2", "c3" };
  guint i;

  gst_f2f_topology_set_peer (t, "m", "Mixer", GST_F2F_ROLE_MIXER, TRUE,
      FALSE);
  for (i = 0; i < 3; i++) {
    gst_f2f_topology_set_peer (t, clients[i], clients[i],
        GST_F2F_ROLE_CLIENT, FALSE, i == 0);
    gst_f2f_topology_set_served_by (t, clients[i], "m");
    if (i < 2)
      gst_f2f_topology_set_link (t, "m", clients[i], &l);
  }
  dot = gst_f2f_topology_to_dot (t);
  fail_unless_equals_int (count (dot, "shape=box"), 1);
  fail_unless_equals_int (count (dot, "shape=ellipse"), 3);
  fail_unless_equals_int (count (dot, "\"m\" -- \"c1\""), 1);
  fail_unless_equals_int (count (dot, "\"m\" -- \"c2\""), 1);
  fail_unless_equals_int (count (dot, "dir=forward"), 3);
  fail_unless_equals_int (count (dot, "label=\"serves\""), 1);
  /* the mixer sends 1.5 Mb/s to each client: read from the mixer's side */
  fail_unless (strstr (dot, "→ 1.5 Mb/s, ← 400 kb/s") != NULL, "%s", dot);
  check_dot (dot);
  gst_f2f_topology_free (t);
}

GST_END_TEST;

/* Two mixers linked to each other, two clients each. */
GST_START_TEST (test_two_mixers)
{
  GstF2fTopology *t = gst_f2f_topology_new ("m2");
  GstF2fLinkInfo l = good_link (900000, 900000);
  g_autofree gchar *dot = NULL;
  GstStructure *s;
  const GValue *nodes, *links;
  guint i;

  gst_f2f_topology_set_peer (t, "ma", "A", GST_F2F_ROLE_MIXER, TRUE, FALSE);
  gst_f2f_topology_set_peer (t, "mb", "B", GST_F2F_ROLE_MIXER, FALSE, FALSE);
  gst_f2f_topology_set_link (t, "ma", "mb", &l);
  for (i = 0; i < 4; i++) {
    g_autofree gchar *id = g_strdup_printf ("c%u", i);
    const gchar *mixer = i < 2 ? "ma" : "mb";
    gst_f2f_topology_set_peer (t, id, id, GST_F2F_ROLE_CLIENT, FALSE, FALSE);
    gst_f2f_topology_set_served_by (t, id, mixer);
    gst_f2f_topology_set_link (t, id, mixer, &l);
  }
  fail_unless_equals_int (gst_f2f_topology_get_n_peers (t), 6);
  fail_unless_equals_int (gst_f2f_topology_get_n_links (t), 5);
  dot = gst_f2f_topology_to_dot (t);
  fail_unless_equals_int (count (dot, "shape=box"), 2);
  fail_unless_equals_int (count (dot, " -- "), 5);
  /* mixers mesh with each other (no arrow), serve their clients (arrows) */
  fail_unless_equals_int (count (dot, "dir=forward"), 4);
  fail_unless (strstr (dot, "\"ma\" -- \"c0\"") && strstr (dot,
          "\"mb\" -- \"c3\""), "%s", dot);
  check_dot (dot);

  s = gst_f2f_topology_to_structure (t);
  fail_unless (gst_structure_has_name (s, "f2f-topology"));
  nodes = gst_structure_get_value (s, "nodes");
  links = gst_structure_get_value (s, "links");
  fail_unless_equals_int (gst_value_list_get_size (nodes), 6);
  fail_unless_equals_int (gst_value_list_get_size (links), 5);
  {
    const GstStructure *n =
        gst_value_get_structure (gst_value_list_get_value (nodes, 0));
    fail_unless_equals_string (gst_structure_get_string (n, "id"), "c0");
    fail_unless_equals_string (gst_structure_get_string (n, "served-by"),
        "ma");
  }
  gst_structure_free (s);

  /* a mixer leaves: its links and its clients' relation go with it */
  fail_unless (gst_f2f_topology_remove_peer (t, "mb"));
  fail_unless_equals_int (gst_f2f_topology_get_n_peers (t), 5);
  fail_unless_equals_int (gst_f2f_topology_get_n_links (t), 2);
  g_free (dot);
  dot = gst_f2f_topology_to_dot (t);
  fail_if (strstr (dot, "\"mb\"") != NULL);
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
    gst_f2f_topology_set_peer (t, "a", "a", GST_F2F_ROLE_CLIENT, FALSE, FALSE);
    gst_f2f_topology_set_peer (t, "b", "b", GST_F2F_ROLE_CLIENT, FALSE, FALSE);
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
      GST_F2F_ROLE_CLIENT, FALSE, FALSE);
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
  gst_f2f_topology_set_peer (b_view, "b", "B", GST_F2F_ROLE_CLIENT, FALSE,
      TRUE);
  gst_f2f_topology_set_peer (b_view, "c", "C", GST_F2F_ROLE_CLIENT, FALSE,
      FALSE);
  gst_f2f_topology_set_peer (b_view, "a", "A", GST_F2F_ROLE_CLIENT, FALSE,
      FALSE);
  gst_f2f_topology_set_link (b_view, "b", "c", &bc);
  gst_f2f_topology_set_link (b_view, "b", "a", &ba_other);
  json = gst_f2f_topology_view_to_json (b_view, "b");

  /* a draws: its own a–b link and b's view */
  gst_f2f_topology_set_peer (a, "a", "A", GST_F2F_ROLE_CLIENT, TRUE, TRUE);
  gst_f2f_topology_set_peer (a, "b", "B", GST_F2F_ROLE_CLIENT, FALSE, FALSE);
  gst_f2f_topology_set_peer (a, "c", "C", GST_F2F_ROLE_CLIENT, FALSE, FALSE);
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

static Suite *
topology_suite (void)
{
  Suite *s = suite_create ("f2f topology model");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_mesh_of_three_exact);
  tcase_add_test (tc, test_one_mixer);
  tcase_add_test (tc, test_two_mixers);
  tcase_add_test (tc, test_quality);
  tcase_add_test (tc, test_hostile_names);
  tcase_add_test (tc, test_views);
  return s;
}

GST_CHECK_MAIN (topology);
