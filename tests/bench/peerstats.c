/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "peerstats.h"

#include <string.h>

gint64 bench_mark_us[2] = { -1, -1 };

static void
note_stats (BenchLocal * l, const GstStructure * s, gint64 now)
{
  const gchar *peer = gst_structure_get_string (s, "peer-id");
  BenchRemote *r;
  gint k;

  if (peer == NULL)
    return;
  r = g_hash_table_lookup (l->remotes, peer);
  if (r == NULL) {
    r = g_new0 (BenchRemote, 1);
    g_hash_table_insert (l->remotes, g_strdup (peer), r);
  }
  gst_structure_get_uint64 (s, "video-frames", &r->video);
  gst_structure_get_uint64 (s, "audio-frames", &r->audio);
  for (k = 0; k < 2; k++)
    if (bench_mark_us[k] >= 0 && now >= bench_mark_us[k] && !r->marked[k]) {
      r->marked[k] = TRUE;
      r->mark_video[k] = r->video;
      r->mark_at[k] = now;
    }
}

static void
on_line (gpointer child, const gchar * line, gint64 now)
{
  BenchPeerChild *c = child;
  g_autoptr (GstStructure) s = NULL;
  g_autofree gchar *element = NULL;
  const gchar *text;
  BenchLocal *l;

  if (g_str_has_prefix (line, "playing") || strcmp (line, "ready") == 0) {
    c->playing = TRUE;
    return;
  }
  if (g_str_has_prefix (line, "result ")) {
    g_free (c->result);
    c->result = g_strdup (line + 7);
    return;
  }
  if (g_str_has_prefix (line, "error ") || g_str_has_prefix (line, "failed ")
      || g_str_has_prefix (line, "warning ")) {
    if (c->error == NULL && !g_str_has_prefix (line, "warning "))
      c->error = g_strdup (line);
    g_printerr ("%s: %s: %s\n", c->tool, c->name, line);
    return;
  }
  /* "msg <structure>" from the f2fsignal named s, "msg@NAME <structure>"
   * from any other. */
  if (g_str_has_prefix (line, "msg ")) {
    element = g_strdup ("s");
    text = line + 4;
  } else if (g_str_has_prefix (line, "msg@") && strchr (line, ' ')) {
    text = strchr (line, ' ');
    element = g_strndup (line + 4, text - (line + 4));
    text++;
  } else {
    return;
  }
  l = g_hash_table_lookup (c->locals, element);
  if (l == NULL)
    return;
  s = gst_structure_from_string (text, NULL);
  if (s && strcmp (gst_structure_get_name (s), "f2f-peer-stats") == 0)
    note_stats (l, s, now);
  else if (s && strcmp (gst_structure_get_name (s), "f2f-joined") == 0) {
    g_free (l->peer_id);
    l->peer_id = g_strdup (gst_structure_get_string (s, "peer-id"));
  }
}

static void
local_free (gpointer data)
{
  BenchLocal *l = data;

  g_hash_table_unref (l->remotes);
  g_free (l->peer_id);
  g_free (l->name);
  g_free (l);
}

BenchPeerChild *
bench_peer_child_spawn (const gchar * tool, const gchar * name,
    GPtrArray * argv, const gchar * const *locals, gboolean show_stderr)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  BenchPeerChild *c = g_new0 (BenchPeerChild, 1);

  c->tool = tool;
  c->name = g_strdup (name);
  c->locals = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, local_free);
  for (; locals && *locals; locals++) {
    BenchLocal *l = g_new0 (BenchLocal, 1);
    l->name = g_strdup (*locals);
    l->remotes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        g_free);
    g_hash_table_insert (c->locals, l->name, l);
  }
  launcher = bench_child_launcher (show_stderr);
  bench_child_spawn (&c->base, launcher, argv, tool, name, on_line);
  return c;
}

void
bench_peer_child_stop (BenchPeerChild * c)
{
  bench_child_quit (&c->base, 3000);
}

void
bench_peer_child_free (BenchPeerChild * c)
{
  bench_child_finish (&c->base, c->tool, c->name);
  g_hash_table_unref (c->locals);
  g_free (c->name);
  g_free (c->result);
  g_free (c->error);
  g_free (c);
}

gint
bench_remote_window_frames (const BenchRemote * r, gint64 t0, gint64 t1)
{
  if (r->marked[0] && r->marked[1] && r->mark_at[1] > r->mark_at[0])
    return (gint) ((r->mark_video[1] - r->mark_video[0]) *
        (gdouble) (t1 - t0) / (r->mark_at[1] - r->mark_at[0]) + 0.5);
  return 0;
}
