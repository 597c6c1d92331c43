/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "f2ftopology.h"

typedef struct
{
  gchar *id;
  gchar *name;
  GstF2fRole role;
  gboolean leader;
  gboolean local;
  gchar *served_by;             /* mixer id, or NULL */
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
};

static void
peer_free (Peer * p)
{
  g_free (p->id);
  g_free (p->name);
  g_free (p->served_by);
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
  g_free (topo->room);
  g_free (topo);
}

void
gst_f2f_topology_set_peer (GstF2fTopology * topo, const gchar * id,
    const gchar * name, GstF2fRole role, gboolean leader, gboolean local)
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
  p->role = role;
  p->leader = leader;
  p->local = local;
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
  g_hash_table_iter_init (&iter, topo->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Peer *p = value;
    if (g_strcmp0 (p->served_by, id) == 0)
      g_clear_pointer (&p->served_by, g_free);
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
gst_f2f_topology_set_served_by (GstF2fTopology * topo, const gchar * client,
    const gchar * mixer)
{
  Peer *p = g_hash_table_lookup (topo->peers, client);

  if (p == NULL)
    return;
  g_free (p->served_by);
  p->served_by = g_strdup (mixer);
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

static gboolean
serves (GstF2fTopology * topo, const gchar * mixer, const gchar * client)
{
  Peer *p = g_hash_table_lookup (topo->peers, client);

  return p && g_strcmp0 (p->served_by, mixer) == 0;
}

gchar *
gst_f2f_topology_to_dot (GstF2fTopology * topo)
{
  GString *s = g_string_new (NULL);
  g_autoptr (GPtrArray) peers = sorted_values (topo->peers, compare_peers);
  g_autoptr (GPtrArray) links = sorted_values (topo->links, compare_links);
  guint i;

  g_string_append (s, "graph \"f2f room ");
  append_escaped (s, topo->room);
  g_string_append (s, "\" {\n"
      "  graph [label=\"room ");
  append_escaped (s, topo->room);
  g_string_append_printf (s, " · %u peers\", labelloc=t, "
      "fontname=\"Sans\", layout=neato, overlap=false, splines=true];\n"
      "  node [fontname=\"Sans\", style=filled, fillcolor=\"#ffffff\"];\n"
      "  edge [fontname=\"Sans\", fontsize=9];\n", peers->len);

  for (i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);
    gboolean mixer = p->role == GST_F2F_ROLE_MIXER;

    g_string_append (s, "  \"");
    append_escaped (s, p->id);
    g_string_append (s, "\" [label=\"");
    append_escaped (s, p->name);
    g_string_append (s, "\\n");
    append_escaped (s, p->id);
    if (mixer)
      g_string_append (s, "\\nmixer");
    if (p->leader)
      g_string_append (s, "\\nleader");
    g_string_append_printf (s, "\", shape=%s, fillcolor=\"%s\"%s%s];\n",
        mixer ? "box" : "ellipse", mixer ? "#bbdefb" : "#ffffff",
        p->leader ? ", peripheries=2" : "", p->local ? ", penwidth=3" : "");
  }

  for (i = 0; i < links->len; i++) {
    Link *l = g_ptr_array_index (links, i);
    const gchar *quality = gst_f2f_link_quality (&l->info);
    gboolean down = strcmp (quality, "down") == 0;
    /* Draw a mixer's link to its client as an arrow from the mixer. */
    gboolean b_serves_a = serves (topo, l->b, l->a);
    gboolean a_serves_b = serves (topo, l->a, l->b);
    const gchar *from = b_serves_a ? l->b : l->a;
    const gchar *to = b_serves_a ? l->a : l->b;
    const GstF2fFlow *out = b_serves_a ? &l->info.b_to_a : &l->info.a_to_b;
    const GstF2fFlow *back = b_serves_a ? &l->info.a_to_b : &l->info.b_to_a;

    g_string_append (s, "  \"");
    append_escaped (s, from);
    g_string_append (s, "\" -- \"");
    append_escaped (s, to);
    g_string_append (s, "\" [label=\"");
    if (down) {
      append_escaped (s, l->info.state);
    } else {
      g_string_append (s, "→ ");
      append_bitrate (s, out->bitrate);
      g_string_append (s, ", ← ");
      append_bitrate (s, back->bitrate);
      g_string_append (s, "\\n");
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
    g_string_append_printf (s, "\", color=\"%s\", fontcolor=\"%s\"%s%s];\n",
        quality_colour (quality), quality_colour (quality),
        down ? ", style=dashed" : ", penwidth=2",
        (a_serves_b || b_serves_a) ? ", dir=forward, style=bold" : "");
  }

  /* Serving relations whose link is not known yet. */
  for (i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);
    g_autofree gchar *key = NULL;

    if (p->served_by == NULL
        || !g_hash_table_contains (topo->peers, p->served_by))
      continue;
    key = link_key (p->id, p->served_by);
    if (g_hash_table_contains (topo->links, key))
      continue;
    g_string_append (s, "  \"");
    append_escaped (s, p->served_by);
    g_string_append (s, "\" -- \"");
    append_escaped (s, p->id);
    g_string_append (s, "\" [label=\"serves\", style=dotted, "
        "dir=forward];\n");
  }
  g_string_append (s, "}\n");
  return g_string_free (s, FALSE);
}

GstStructure *
gst_f2f_topology_to_structure (GstF2fTopology * topo)
{
  g_autoptr (GPtrArray) peers = sorted_values (topo->peers, compare_peers);
  g_autoptr (GPtrArray) links = sorted_values (topo->links, compare_links);
  GValue nodes = G_VALUE_INIT, edges = G_VALUE_INIT;
  GstStructure *s;
  guint i;

  g_value_init (&nodes, GST_TYPE_LIST);
  g_value_init (&edges, GST_TYPE_LIST);
  for (i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);
    GValue v = G_VALUE_INIT;
    GstStructure *n = gst_structure_new ("node",
        "id", G_TYPE_STRING, p->id, "name", G_TYPE_STRING, p->name,
        "role", G_TYPE_STRING, p->role == GST_F2F_ROLE_MIXER ? "mixer" :
        "client", "leader", G_TYPE_BOOLEAN, p->leader,
        "local", G_TYPE_BOOLEAN, p->local, NULL);
    if (p->served_by)
      gst_structure_set (n, "served-by", G_TYPE_STRING, p->served_by, NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    gst_value_set_structure (&v, n);
    gst_structure_free (n);
    gst_value_list_append_and_take_value (&nodes, &v);
  }
  for (i = 0; i < links->len; i++) {
    Link *l = g_ptr_array_index (links, i);
    GValue v = G_VALUE_INIT;
    GstStructure *e = gst_structure_new ("link",
        "a", G_TYPE_STRING, l->a, "b", G_TYPE_STRING, l->b,
        "state", G_TYPE_STRING, l->info.state,
        "quality", G_TYPE_STRING, gst_f2f_link_quality (&l->info),
        "a-to-b-bitrate", G_TYPE_UINT64, l->info.a_to_b.bitrate,
        "b-to-a-bitrate", G_TYPE_UINT64, l->info.b_to_a.bitrate,
        "a-to-b-loss", G_TYPE_DOUBLE, l->info.a_to_b.loss,
        "b-to-a-loss", G_TYPE_DOUBLE, l->info.b_to_a.loss,
        "rtt-ms", G_TYPE_DOUBLE, l->info.rtt_ms,
        "jitter-ms", G_TYPE_DOUBLE, l->info.jitter_ms, NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    gst_value_set_structure (&v, e);
    gst_structure_free (e);
    gst_value_list_append_and_take_value (&edges, &v);
  }
  s = gst_structure_new ("f2f-topology", "room", G_TYPE_STRING, topo->room,
      NULL);
  gst_structure_take_value (s, "nodes", &nodes);
  gst_structure_take_value (s, "links", &edges);
  return s;
}
