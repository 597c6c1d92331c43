/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <json-glib/json-glib.h>

#include "f2ftopology.h"
#include "f2fprotocol.h"
#include "f2fprotocol-private.h"

typedef struct
{
  gchar *id;
  gchar *name;
  gboolean leader;
  gboolean local;
  gboolean scored;
  gdouble score_bps;
  gboolean eligible, measured;
} Peer;

typedef struct
{
  gchar *a, *b;                 /* a < b */
  GstF2fLinkInfo info;
} Link;

struct _GstF2fTopology
{
  gchar *room;
  GHashTable *peers;            /* id → Peer* */
  GHashTable *links;            /* "a\nb" → Link* */
  GstF2fPlan *plan;             /* the room's, or NULL: the mesh */
};

static void
peer_free (Peer * p)
{
  g_free (p->id);
  g_free (p->name);
  g_free (p);
}

static void
link_free (Link * l)
{
  g_free (l->a);
  g_free (l->b);
  g_free (l->info.state);
  g_free (l);
}

GstF2fTopology *
gst_f2f_topology_new (const gchar * room)
{
  GstF2fTopology *topo = g_new0 (GstF2fTopology, 1);

  topo->room = g_strdup (room ? room : "");
  topo->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) peer_free);
  topo->links = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) link_free);
  return topo;
}

void
gst_f2f_topology_free (GstF2fTopology * topo)
{
  if (topo == NULL)
    return;
  g_hash_table_unref (topo->links);
  g_hash_table_unref (topo->peers);
  g_clear_pointer (&topo->plan, gst_f2f_plan_free);
  g_free (topo->room);
  g_free (topo);
}

void
gst_f2f_topology_set_peer (GstF2fTopology * topo, const gchar * id,
    const gchar * name, gboolean leader, gboolean local)
{
  Peer *p;

  g_return_if_fail (topo != NULL && id != NULL);

  p = g_hash_table_lookup (topo->peers, id);
  if (p == NULL) {
    p = g_new0 (Peer, 1);
    p->id = g_strdup (id);
    g_hash_table_insert (topo->peers, p->id, p);
  }
  g_free (p->name);
  p->name = g_strdup (name ? name : id);
  p->leader = leader;
  p->local = local;
}

gboolean
gst_f2f_topology_set_score (GstF2fTopology * topo, const gchar * id,
    gdouble value_bps, gboolean eligible, gboolean measured)
{
  Peer *p;

  g_return_val_if_fail (topo != NULL && id != NULL, FALSE);

  p = g_hash_table_lookup (topo->peers, id);
  if (p == NULL)
    return FALSE;
  p->scored = TRUE;
  p->score_bps = MAX (value_bps, 0);
  p->eligible = eligible;
  p->measured = measured;
  return TRUE;
}

static gchar *
link_key (const gchar * a, const gchar * b)
{
  return strcmp (a, b) < 0 ? g_strconcat (a, "\n", b, NULL) :
      g_strconcat (b, "\n", a, NULL);
}

gboolean
gst_f2f_topology_remove_peer (GstF2fTopology * topo, const gchar * id)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (topo != NULL && id != NULL, FALSE);

  if (!g_hash_table_remove (topo->peers, id))
    return FALSE;
  g_hash_table_iter_init (&iter, topo->links);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Link *l = value;
    if (strcmp (l->a, id) == 0 || strcmp (l->b, id) == 0)
      g_hash_table_iter_remove (&iter);
  }
  return TRUE;
}

void
gst_f2f_topology_set_link (GstF2fTopology * topo, const gchar * a,
    const gchar * b, const GstF2fLinkInfo * info)
{
  Link *l = g_new0 (Link, 1);
  gboolean swapped;

  g_return_if_fail (topo != NULL && a != NULL && b != NULL && info != NULL);

  swapped = strcmp (a, b) > 0;
  l->a = g_strdup (swapped ? b : a);
  l->b = g_strdup (swapped ? a : b);
  l->info = *info;
  l->info.state = g_strdup (info->state ? info->state : "unknown");
  if (swapped) {
    l->info.a_to_b = info->b_to_a;
    l->info.b_to_a = info->a_to_b;
  }
  g_hash_table_replace (topo->links, link_key (a, b), l);
}

void
gst_f2f_topology_remove_link (GstF2fTopology * topo, const gchar * a,
    const gchar * b)
{
  g_autofree gchar *key = link_key (a, b);

  g_hash_table_remove (topo->links, key);
}

void
gst_f2f_topology_set_plan (GstF2fTopology * topo, const GstF2fPlan * plan)
{
  g_return_if_fail (topo != NULL);

  g_clear_pointer (&topo->plan, gst_f2f_plan_free);
  topo->plan = plan ? gst_f2f_plan_copy (plan) : NULL;
}

guint
gst_f2f_topology_get_n_peers (GstF2fTopology * topo)
{
  return g_hash_table_size (topo->peers);
}

guint
gst_f2f_topology_get_n_links (GstF2fTopology * topo)
{
  return g_hash_table_size (topo->links);
}

const gchar *
gst_f2f_link_quality (const GstF2fLinkInfo * info)
{
  gdouble loss = MAX (info->a_to_b.loss, info->b_to_a.loss);
  gboolean rtt_known = info->rtt_ms >= 0;

  if (g_strcmp0 (info->state, "connected") != 0)
    return "down";
  if (loss < 0.02 && (!rtt_known || info->rtt_ms < 150))
    return "good";
  if (loss < 0.10 && (!rtt_known || info->rtt_ms < 400))
    return "fair";
  return "bad";
}

/* ---------------------------------------------------------------------- */
/* Output */

static gint
compare_peers (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(Peer **) a)->id, (*(Peer **) b)->id);
}

static gint
compare_links (gconstpointer a, gconstpointer b)
{
  const Link *x = *(Link **) a, *y = *(Link **) b;
  gint c = strcmp (x->a, y->a);

  return c ? c : strcmp (x->b, y->b);
}

static GPtrArray *
sorted_values (GHashTable * table, GCompareFunc compare)
{
  GPtrArray *array = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (array, value);
  g_ptr_array_sort (array, compare);
  return array;
}

/* Peer names and ids come from the network: inside a DOT string only '"'
 * and '\' are special, and line breaks would break the file's layout. */
static void
append_escaped (GString * s, const gchar * text)
{
  const gchar *p;

  for (p = text; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c (s, '\\');
    if ((guchar) * p < 0x20)
      g_string_append_c (s, ' ');
    else
      g_string_append_c (s, *p);
  }
}

static void
append_number (GString * s, const gchar * format, gdouble value)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* DOT labels must not depend on the locale's decimal separator */
  g_string_append (s, g_ascii_formatd (buf, sizeof buf, format, value));
}

static void
append_bitrate (GString * s, guint64 bps)
{
  if (bps >= 1000000) {
    append_number (s, "%.1f", bps / 1e6);
    g_string_append (s, " Mb/s");
  } else if (bps >= 1000) {
    append_number (s, "%.0f", bps / 1e3);
    g_string_append (s, " kb/s");
  } else {
    g_string_append_printf (s, "%" G_GUINT64_FORMAT " b/s", bps);
  }
}

static const gchar *
quality_colour (const gchar * quality)
{
  if (strcmp (quality, "good") == 0)
    return "#2e7d32";
  if (strcmp (quality, "fair") == 0)
    return "#ef6c00";
  if (strcmp (quality, "bad") == 0)
    return "#c62828";
  return "#9e9e9e";
}

/* The plan as it applies to the peers in the graph: the same evaluation
 * every peer makes (f2fplan.h), so the drawing shows what the media does. */
typedef struct
{
  const GstF2fPlan *plan;       /* NULL: the mesh (no plan, or it is one) */
  gchar **present;              /* every peer id in the graph */
} Effective;

static void
effective_init (Effective * e, GstF2fTopology * topo)
{
  GPtrArray *ids = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, topo->peers);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (ids, g_strdup (key));
  g_ptr_array_add (ids, NULL);
  e->present = (gchar **) g_ptr_array_free (ids, FALSE);
  e->plan = topo->plan && !gst_f2f_plan_is_mesh (topo->plan,
      (const gchar * const *) e->present) ? topo->plan : NULL;
}

static void
effective_clear (Effective * e)
{
  g_strfreev (e->present);
}

/* @mixer: set to a CLIENT's mixer (owned by the plan), else NULL. */
static GstF2fPlanRole
effective_role (const Effective * e, const gchar * id, const gchar ** mixer)
{
  if (mixer)
    *mixer = NULL;
  if (e->plan == NULL)
    return GST_F2F_PLAN_ROLE_MESH;
  return gst_f2f_plan_get_role (e->plan, id,
      (const gchar * const *) e->present, mixer);
}

/* What @from sends @to. */
static GstF2fFeed
effective_feed (const Effective * e, const gchar * from, const gchar * to)
{
  if (e->plan == NULL)
    return GST_F2F_FEED_CAMERA;
  return gst_f2f_plan_feed (e->plan, from, to,
      (const gchar * const *) e->present);
}

/* A mixer and its clients share a hue: the mixer strong, its clients
 * pale, so who serves whom reads at a glance with several mixers. */
static const struct
{
  const gchar *mixer, *client;
} palette[] = {
  {"#bbdefb", "#e3f2fd"},       /* blue */
  {"#e1bee7", "#f3e5f5"},       /* purple */
  {"#c8e6c9", "#e8f5e9"},       /* green */
  {"#ffe0b2", "#fff3e0"},       /* orange */
  {"#b2ebf2", "#e0f7fa"},       /* cyan */
  {"#f8bbd0", "#fce4ec"},       /* pink */
};

static guint
mixer_hue (const GstF2fPlan * plan, const gchar * mixer)
{
  guint i, n = gst_f2f_plan_get_n_mixers (plan);

  for (i = 0; i < n; i++)
    if (strcmp (gst_f2f_plan_get_mixer (plan, i), mixer) == 0)
      return i % G_N_ELEMENTS (palette);
  return 0;
}

static const gchar *
peer_name (GstF2fTopology * topo, const gchar * id)
{
  Peer *p = g_hash_table_lookup (topo->peers, id);

  return p ? p->name : id;
}

/* For people: the enum nicks are for machines ("submix"). */
static const gchar *
feed_words (GstF2fFeed feed)
{
  switch (feed) {
    case GST_F2F_FEED_CAMERA:
      return "camera";
    case GST_F2F_FEED_COMPOSITE:
      return "composite";
    case GST_F2F_FEED_SUBMIX:
      return "sub-mix";
    default:
      return "nothing";
  }
}

static void
append_graph_label (GString * s, GstF2fTopology * topo, const Effective * e,
    guint n_peers)
{
  guint n_mixers, n_here = 0, i;

  g_string_append (s, "  graph [label=\"room ");
  append_escaped (s, topo->room);
  g_string_append_printf (s, " · %u peers", n_peers);
  if (topo->plan) {
    n_mixers = gst_f2f_plan_get_n_mixers (topo->plan);
    for (i = 0; i < n_mixers; i++)
      if (g_strv_contains ((const gchar * const *) e->present,
              gst_f2f_plan_get_mixer (topo->plan, i)))
        n_here++;
    g_string_append_printf (s, "\\nplan %" G_GUINT64_FORMAT " by ",
        gst_f2f_plan_get_epoch (topo->plan));
    append_escaped (s, peer_name (topo,
            gst_f2f_plan_get_proposer (topo->plan)));
    if (n_mixers == 0)
      g_string_append (s, ": mesh");
    else if (e->plan == NULL)
      g_string_append_printf (s, ": mesh while %s away",
          n_mixers == 1 ? "its mixer is" : "its mixers are");
    else if (n_here < n_mixers)
      g_string_append_printf (s, ": %u mixer%s (%u away: %s clients moved)",
          n_here, n_here == 1 ? "" : "s", n_mixers - n_here,
          n_mixers - n_here == 1 ? "its" : "their");
    else
      g_string_append_printf (s, ": %u mixer%s", n_mixers,
          n_mixers == 1 ? "" : "s");
  }
  g_string_append (s, "\", labelloc=t, fontname=\"Sans\", layout=neato, "
      "overlap=false, splines=true];\n");
}

static void
append_node (GString * s, GstF2fTopology * topo, const Effective * e,
    Peer * p)
{
  const gchar *mixer = NULL;
  GstF2fPlanRole role = effective_role (e, p->id, &mixer);
  const gchar *shape = "ellipse", *fill = "#ffffff";

  g_string_append (s, "  \"");
  append_escaped (s, p->id);
  g_string_append (s, "\" [label=\"");
  append_escaped (s, p->name);
  g_string_append (s, "\\n");
  append_escaped (s, p->id);
  if (role == GST_F2F_PLAN_ROLE_MIXER) {
    g_string_append (s, "\\nmixer");
    shape = "box";
    fill = palette[mixer_hue (e->plan, p->id)].mixer;
  } else if (role == GST_F2F_PLAN_ROLE_CLIENT) {
    g_string_append (s, "\\nclient of ");
    append_escaped (s, peer_name (topo, mixer));
    fill = palette[mixer_hue (e->plan, mixer)].client;
  }
  if (p->leader)
    g_string_append (s, "\\nleader");
  if (p->scored) {
    g_string_append (s, "\\nscore ");
    append_bitrate (s, (guint64) p->score_bps);
    if (!p->eligible)
      g_string_append (s, " (not eligible)");
    else if (!p->measured)
      g_string_append (s, " (unmeasured)");
  }
  g_string_append_printf (s, "\", shape=%s, fillcolor=\"%s\"%s%s];\n",
      shape, fill, p->leader ? ", peripheries=2" : "",
      p->local ? ", penwidth=3" : "");
}

static void
append_measures (GString * s, const Link * l, const GstF2fFlow * out,
    const GstF2fFlow * back)
{
  if (l->info.rtt_ms >= 0) {
    g_string_append (s, "rtt ");
    append_number (s, "%.0f", l->info.rtt_ms);
    g_string_append (s, " ms, ");
  }
  g_string_append (s, "loss ");
  append_number (s, "%.1f", 100 * MAX (out->loss, back->loss));
  g_string_append (s, "%");
  if (l->info.jitter_ms >= 0) {
    g_string_append (s, ", jitter ");
    append_number (s, "%.0f", l->info.jitter_ms);
    g_string_append (s, " ms");
  }
}

static void
append_link (GString * s, const Effective * e, Link * l)
{
  const gchar *quality = gst_f2f_link_quality (&l->info);
  gboolean down = strcmp (quality, "down") == 0;
  GstF2fFeed a_to_b = effective_feed (e, l->a, l->b);
  GstF2fFeed b_to_a = effective_feed (e, l->b, l->a);
  /* A mixer's link to its client is drawn as an arrow from the mixer. */
  gboolean b_serves_a = b_to_a == GST_F2F_FEED_COMPOSITE;
  gboolean serving = b_serves_a || a_to_b == GST_F2F_FEED_COMPOSITE;
  gboolean paused = a_to_b == GST_F2F_FEED_NONE
      && b_to_a == GST_F2F_FEED_NONE;
  const gchar *from = b_serves_a ? l->b : l->a;
  const gchar *to = b_serves_a ? l->a : l->b;
  const GstF2fFlow *out = b_serves_a ? &l->info.b_to_a : &l->info.a_to_b;
  const GstF2fFlow *back = b_serves_a ? &l->info.a_to_b : &l->info.b_to_a;
  GstF2fFeed feed_out = b_serves_a ? b_to_a : a_to_b;
  GstF2fFeed feed_back = b_serves_a ? a_to_b : b_to_a;

  g_string_append (s, "  \"");
  append_escaped (s, from);
  g_string_append (s, "\" -- \"");
  append_escaped (s, to);
  g_string_append (s, "\" [label=\"");

  if (paused) {
    /* media paused, data channels only: there is nothing to measure but
     * whether the link is up */
    g_string_append (s, "data only");
    if (down) {
      g_string_append (s, "\\n");
      append_escaped (s, l->info.state);
    }
    g_string_append (s, "\", color=\"#9e9e9e\", fontcolor=\"#9e9e9e\", "
        "style=dashed];\n");
    return;
  }

  if (down) {
    append_escaped (s, l->info.state);
    if (e->plan)
      g_string_append_printf (s, "\\n→ %s, ← %s", feed_words (feed_out),
          feed_words (feed_back));
  } else {
    /* the mesh says no more than rates: everything there is a camera */
    g_string_append (s, "→ ");
    if (e->plan)
      g_string_append_printf (s, "%s ", feed_words (feed_out));
    append_bitrate (s, out->bitrate);
    g_string_append (s, ", ← ");
    if (e->plan)
      g_string_append_printf (s, "%s ", feed_words (feed_back));
    append_bitrate (s, back->bitrate);
    g_string_append (s, "\\n");
    append_measures (s, l, out, back);
  }
  g_string_append_printf (s, "\", color=\"%s\", fontcolor=\"%s\"%s%s];\n",
      quality_colour (quality), quality_colour (quality),
      down ? ", style=dashed" : a_to_b == GST_F2F_FEED_SUBMIX
      ? ", penwidth=3" : ", penwidth=2",
      serving ? ", dir=forward, style=bold" : "");
}

gchar *
gst_f2f_topology_to_dot (GstF2fTopology * topo)
{
  GString *s = g_string_new (NULL);
  g_autoptr (GPtrArray) peers = sorted_values (topo->peers, compare_peers);
  g_autoptr (GPtrArray) links = sorted_values (topo->links, compare_links);
  Effective e;
  guint i;

  effective_init (&e, topo);
  g_string_append (s, "graph \"f2f room ");
  append_escaped (s, topo->room);
  g_string_append (s, "\" {\n");
  append_graph_label (s, topo, &e, peers->len);
  g_string_append (s,
      "  node [fontname=\"Sans\", style=filled, fillcolor=\"#ffffff\"];\n"
      "  edge [fontname=\"Sans\", fontsize=9];\n");

  for (i = 0; i < peers->len; i++)
    append_node (s, topo, &e, g_ptr_array_index (peers, i));
  for (i = 0; i < links->len; i++)
    append_link (s, &e, g_ptr_array_index (links, i));

  /* A client and its mixer whose link nobody measured yet. */
  for (i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);
    g_autofree gchar *key = NULL;
    const gchar *mixer;

    if (effective_role (&e, p->id, &mixer) != GST_F2F_PLAN_ROLE_CLIENT)
      continue;
    key = link_key (p->id, mixer);
    if (g_hash_table_contains (topo->links, key))
      continue;
    g_string_append (s, "  \"");
    append_escaped (s, mixer);
    g_string_append (s, "\" -- \"");
    append_escaped (s, p->id);
    g_string_append (s, "\" [label=\"serves\", style=dotted, "
        "dir=forward];\n");
  }
  g_string_append (s, "}\n");
  effective_clear (&e);
  return g_string_free (s, FALSE);
}

GstStructure *
gst_f2f_topology_to_structure (GstF2fTopology * topo)
{
  g_autoptr (GPtrArray) peers = sorted_values (topo->peers, compare_peers);
  g_autoptr (GPtrArray) links = sorted_values (topo->links, compare_links);
  GValue nodes = G_VALUE_INIT, edges = G_VALUE_INIT;
  GString *mixers = g_string_new (NULL);
  GstStructure *s;
  Effective e;
  guint i;

  effective_init (&e, topo);
  /* the mixers that mix: a plan's mixer that left is not drawn */
  for (i = 0; e.plan && i < gst_f2f_plan_get_n_mixers (e.plan); i++)
    if (g_strv_contains ((const gchar * const *) e.present,
            gst_f2f_plan_get_mixer (e.plan, i)))
      g_string_append_printf (mixers, "%s%s", mixers->len ? "," : "",
          gst_f2f_plan_get_mixer (e.plan, i));

  g_value_init (&nodes, GST_TYPE_LIST);
  g_value_init (&edges, GST_TYPE_LIST);
  for (i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);
    const gchar *mixer;
    GstF2fPlanRole role = effective_role (&e, p->id, &mixer);
    GValue v = G_VALUE_INIT;
    GstStructure *n = gst_structure_new ("node",
        "id", G_TYPE_STRING, p->id, "name", G_TYPE_STRING, p->name,
        "role", G_TYPE_STRING, gst_f2f_plan_role_to_string (role),
        "leader", G_TYPE_BOOLEAN, p->leader,
        "local", G_TYPE_BOOLEAN, p->local, NULL);
    if (mixer)
      gst_structure_set (n, "served-by", G_TYPE_STRING, mixer, NULL);
    if (p->scored)
      gst_structure_set (n, "score", G_TYPE_DOUBLE, p->score_bps,
          "eligible", G_TYPE_BOOLEAN, p->eligible, "measured",
          G_TYPE_BOOLEAN, p->measured, NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    gst_value_set_structure (&v, n);
    gst_structure_free (n);
    gst_value_list_append_and_take_value (&nodes, &v);
  }
  for (i = 0; i < links->len; i++) {
    Link *l = g_ptr_array_index (links, i);
    GValue v = G_VALUE_INIT;
    GstStructure *edge = gst_structure_new ("link",
        "a", G_TYPE_STRING, l->a, "b", G_TYPE_STRING, l->b,
        "state", G_TYPE_STRING, l->info.state,
        "quality", G_TYPE_STRING, gst_f2f_link_quality (&l->info),
        "a-to-b-feed", G_TYPE_STRING,
        gst_f2f_feed_to_string (effective_feed (&e, l->a, l->b)),
        "b-to-a-feed", G_TYPE_STRING,
        gst_f2f_feed_to_string (effective_feed (&e, l->b, l->a)),
        "a-to-b-bitrate", G_TYPE_UINT64, l->info.a_to_b.bitrate,
        "b-to-a-bitrate", G_TYPE_UINT64, l->info.b_to_a.bitrate,
        "a-to-b-loss", G_TYPE_DOUBLE, l->info.a_to_b.loss,
        "b-to-a-loss", G_TYPE_DOUBLE, l->info.b_to_a.loss,
        "rtt-ms", G_TYPE_DOUBLE, l->info.rtt_ms,
        "jitter-ms", G_TYPE_DOUBLE, l->info.jitter_ms, NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    gst_value_set_structure (&v, edge);
    gst_structure_free (edge);
    gst_value_list_append_and_take_value (&edges, &v);
  }
  s = gst_structure_new ("f2f-topology", "room", G_TYPE_STRING, topo->room,
      "plan-epoch", G_TYPE_UINT64,
      topo->plan ? gst_f2f_plan_get_epoch (topo->plan) : 0,
      "plan-proposer", G_TYPE_STRING,
      topo->plan ? gst_f2f_plan_get_proposer (topo->plan) : "",
      "mixers", G_TYPE_STRING, mixers->str, NULL);
  gst_structure_take_value (s, "nodes", &nodes);
  gst_structure_take_value (s, "links", &edges);
  g_string_free (mixers, TRUE);
  effective_clear (&e);
  return s;
}

/* ---------------------------------------------------------------------- */
/* Views exchanged between peers */

gchar *
gst_f2f_topology_view_to_json (GstF2fTopology * topo, const gchar * local)
{
  g_autoptr (JsonBuilder) b = json_builder_new_immutable ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) links = sorted_values (topo->links, compare_links);
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "topology-view");
  json_builder_set_member_name (b, "links");
  json_builder_begin_array (b);
  for (i = 0; i < links->len; i++) {
    Link *l = g_ptr_array_index (links, i);
    gboolean local_is_a = strcmp (l->a, local) == 0;
    const GstF2fFlow *out, *in;

    if (!local_is_a && strcmp (l->b, local) != 0)
      continue;
    out = local_is_a ? &l->info.a_to_b : &l->info.b_to_a;
    in = local_is_a ? &l->info.b_to_a : &l->info.a_to_b;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "peer");
    json_builder_add_string_value (b, local_is_a ? l->b : l->a);
    json_builder_set_member_name (b, "state");
    json_builder_add_string_value (b, l->info.state);
    json_builder_set_member_name (b, "sent");
    json_builder_add_int_value (b, (gint64) MIN (out->bitrate, G_MAXINT64));
    json_builder_set_member_name (b, "received");
    json_builder_add_int_value (b, (gint64) MIN (in->bitrate, G_MAXINT64));
    json_builder_set_member_name (b, "lossOut");
    json_builder_add_double_value (b, out->loss);
    json_builder_set_member_name (b, "lossIn");
    json_builder_add_double_value (b, in->loss);
    json_builder_set_member_name (b, "rtt");
    json_builder_add_double_value (b, l->info.rtt_ms);
    json_builder_set_member_name (b, "jitter");
    json_builder_add_double_value (b, l->info.jitter_ms);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  /* the scores of the election this peer ran, for the peers that did not */
  {
    g_autoptr (GPtrArray) peers = sorted_values (topo->peers, compare_peers);
    gboolean any = FALSE;
    guint n = 0;
    for (i = 0; i < peers->len; i++)
      any |= ((Peer *) g_ptr_array_index (peers, i))->scored;
    if (any) {
      json_builder_set_member_name (b, "scores");
      json_builder_begin_array (b);
      for (i = 0; i < peers->len && n < GST_F2F_TOPOLOGY_MAX_VIEW_LINKS; i++) {
        Peer *p = g_ptr_array_index (peers, i);
        if (!p->scored)
          continue;
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "peer");
        json_builder_add_string_value (b, p->id);
        json_builder_set_member_name (b, "value");
        json_builder_add_double_value (b, p->score_bps);
        json_builder_set_member_name (b, "eligible");
        json_builder_add_boolean_value (b, p->eligible);
        json_builder_set_member_name (b, "measured");
        json_builder_add_boolean_value (b, p->measured);
        json_builder_end_object (b);
        n++;
      }
      json_builder_end_array (b);
    }
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* json-glib's typed getters emit criticals for members of the wrong kind;
 * a view comes from the network, so every member is checked first. */
static gboolean
member_string (JsonObject * o, const gchar * name, const gchar ** out)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_STRING)
    return FALSE;
  *out = json_node_get_string (n);
  return TRUE;
}

static gboolean
member_boolean (JsonObject * o, const gchar * name, gboolean * out)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean (n);
  return TRUE;
}

static gboolean
member_number (JsonObject * o, const gchar * name, gdouble * out)
{
  JsonNode *n = json_object_get_member (o, name);
  GType t;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    *out = json_node_get_int (n);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else
    return FALSE;
  return TRUE;
}

static gboolean
bad_view (GError ** error, const gchar * why)
{
  g_set_error (error, GST_F2F_PROTOCOL_ERROR, GST_F2F_ERROR_CODE_BAD_REQUEST,
      "malformed topology view: %s", why);
  return FALSE;
}

/* Checks one score of a view (@topo NULL) or applies it. */
static gboolean
apply_score (GstF2fTopology * topo, JsonObject * so)
{
  const gchar *peer;
  gdouble value = 0;
  gboolean eligible = FALSE, measured = FALSE;

  if (so == NULL || !member_string (so, "peer", &peer)
      || !member_number (so, "value", &value)
      || !member_boolean (so, "eligible", &eligible)
      || !member_boolean (so, "measured", &measured))
    return FALSE;
  if (topo)
    gst_f2f_topology_set_score (topo, peer, CLAMP (value, 0, 1e12),
        eligible, measured);
  return TRUE;
}

gboolean
gst_f2f_topology_merge_view (GstF2fTopology * topo, const gchar * reporter,
    const gchar * json, gsize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  const gchar *problem = NULL, *type = NULL;
  JsonNode *root, *links_node, *scores_node;
  JsonArray *links, *scores;
  JsonObject *obj;
  guint i, n;

  if (length > GST_F2F_MAX_FRAME_SIZE
      || !g_utf8_validate_len (json, length, NULL)
      || !gst_f2f_scan_frame (json, length, GST_F2F_MAX_JSON_DEPTH, &problem))
    return bad_view (error, problem ? problem : "not UTF-8 text");
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, length, NULL))
    return bad_view (error, "not JSON");
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return bad_view (error, "not an object");
  obj = json_node_get_object (root);
  if (!member_string (obj, "type", &type)
      || strcmp (type, "topology-view") != 0)
    return bad_view (error, "not a topology view");
  links_node = json_object_get_member (obj, "links");
  if (links_node == NULL || !JSON_NODE_HOLDS_ARRAY (links_node))
    return bad_view (error, "no links");
  links = json_node_get_array (links_node);
  n = json_array_get_length (links);
  if (n > GST_F2F_TOPOLOGY_MAX_VIEW_LINKS)
    return bad_view (error, "too many links");
  scores_node = json_object_get_member (obj, "scores");
  scores = NULL;
  if (scores_node) {
    if (!JSON_NODE_HOLDS_ARRAY (scores_node)
        || json_array_get_length (json_node_get_array (scores_node)) >
        GST_F2F_TOPOLOGY_MAX_VIEW_LINKS)
      return bad_view (error, "scores is not a short array");
    scores = json_node_get_array (scores_node);
    for (i = 0; i < json_array_get_length (scores); i++)
      if (!apply_score (NULL, JSON_NODE_HOLDS_OBJECT (json_array_get_element
                  (scores, i)) ? json_node_get_object (json_array_get_element
                  (scores, i)) : NULL))
        return bad_view (error, "a score lacks peer, value, eligible or "
            "measured");
  }
  if (!g_hash_table_contains (topo->peers, reporter))
    return TRUE;                /* not (or no longer) in the room */

  for (i = 0; i < n; i++) {
    JsonNode *ln = json_array_get_element (links, i);
    JsonObject *l;
    const gchar *peer, *state;
    gdouble sent = 0, received = 0, loss_out = 0, loss_in = 0;
    gdouble rtt = -1, jitter = -1;
    GstF2fLinkInfo info = { 0, };
    g_autofree gchar *key = NULL;
    Peer *local_end;

    if (!JSON_NODE_HOLDS_OBJECT (ln))
      return bad_view (error, "a link is not an object");
    l = json_node_get_object (ln);
    if (!member_string (l, "peer", &peer) || !member_string (l, "state",
            &state) || !gst_f2f_is_valid_peer_id (peer))
      return bad_view (error, "a link lacks its peer or state");
    member_number (l, "sent", &sent);
    member_number (l, "received", &received);
    member_number (l, "lossOut", &loss_out);
    member_number (l, "lossIn", &loss_in);
    member_number (l, "rtt", &rtt);
    member_number (l, "jitter", &jitter);

    local_end = g_hash_table_lookup (topo->peers, peer);
    if (local_end == NULL || local_end->local || strcmp (peer, reporter) == 0)
      continue;
    key = link_key (reporter, peer);
    if (g_hash_table_contains (topo->links, key))
      continue;
    info.state = (gchar *) state;
    info.a_to_b.bitrate = sent > 0 ? (guint64) MIN (sent, 1e12) : 0;
    info.b_to_a.bitrate = received > 0 ? (guint64) MIN (received, 1e12) : 0;
    info.a_to_b.loss = CLAMP (loss_out, 0, 1);
    info.b_to_a.loss = CLAMP (loss_in, 0, 1);
    info.rtt_ms = rtt;
    info.jitter_ms = jitter;
    gst_f2f_topology_set_link (topo, reporter, peer, &info);
  }

  /* Scores come from elections, which only the leader runs: the leader's
   * are the room's, and replace any this peer kept from when it led. */
  if (scores && ((Peer *) g_hash_table_lookup (topo->peers,
              reporter))->leader)
    for (i = 0; i < json_array_get_length (scores); i++)
      apply_score (topo, json_node_get_object (json_array_get_element
              (scores, i)));
  return TRUE;
}
