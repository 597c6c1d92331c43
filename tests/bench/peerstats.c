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

gboolean
bench_peer_children_alive (BenchPeerChild ** children, gint n)
{
  gint i;

  for (i = 0; i < n; i++)
    if (children[i]->base.exited)
      return FALSE;
  return TRUE;
}

gdouble
bench_peer_children_cpu (BenchPeerChild ** children, gint n)
{
  gdouble sum = 0;
  gint i;

  for (i = 0; i < n; i++) {
    gdouble t = bench_process_cpu (children[i]->base.proc);
    if (t < 0)
      return -1;
    sum += t;
  }
  return sum;
}

static void
add_arg (GPtrArray * argv, const gchar * arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

void
bench_peer_add_f2fsignal (GPtrArray * argv, const gchar * element,
    const gchar * server_uri, const gchar * room, gint index,
    const gchar * pattern, gint fps, gboolean composite)
{
  g_autofree gchar *display_name = g_strdup_printf ("P%d", index);

  bench_add_f2fsignal (argv, element, server_uri, room, display_name);
  add_arg (argv, "stats-interval=1000");
  if (!composite)
    add_arg (argv, "room-view=per-peer");
  add_arg (argv, "videotestsrc");
  add_arg (argv, "is-live=true");
  g_ptr_array_add (argv, g_strdup_printf ("pattern=%s", pattern));
  add_arg (argv, "!");
  g_ptr_array_add (argv, g_strdup_printf
      ("video/x-raw,width=320,height=240,framerate=%d/1", fps));
  add_arg (argv, "!");
  g_ptr_array_add (argv, g_strdup_printf ("%s.video_sink", element));
  add_arg (argv, "audiotestsrc");
  add_arg (argv, "is-live=true");
  g_ptr_array_add (argv, g_strdup_printf ("freq=%d", 300 + 100 * index));
  add_arg (argv, "!");
  g_ptr_array_add (argv, g_strdup_printf ("%s.audio_sink", element));
  if (composite) {
    g_ptr_array_add (argv, g_strdup_printf ("%s.video_src", element));
    add_arg (argv, "!");
    add_arg (argv, "fakesink");
    add_arg (argv, "async=false");
    g_ptr_array_add (argv, g_strdup_printf ("%s.audio_src", element));
    add_arg (argv, "!");
    add_arg (argv, "fakesink");
    add_arg (argv, "async=false");
  }
}

BenchPeerChild *
bench_peer_run_raw (const gchar * tool, const gchar * name, GPtrArray * argv,
    gint n, gint limit_s, gboolean show_stderr)
{
  BenchPeerChild *c = bench_peer_child_spawn (tool, name, argv, NULL,
      show_stderr);

  /* It ends by itself after its window. */
  if (!bench_wait_for (bench_child_gone, c, limit_s * 1000)) {
    g_printerr ("%s: %s N=%d did not finish in time\n", tool, name, n);
    g_subprocess_force_exit (c->base.proc);
    bench_wait_for (bench_child_gone, c, 3000);
  }
  if (c->result == NULL)
    g_printerr ("%s: %s N=%d gave no result\n", tool, name, n);
  return c;
}

gint
bench_local_flowing (BenchLocal * l)
{
  GHashTableIter iter;
  gpointer value;
  gint n = 0;

  g_hash_table_iter_init (&iter, l->remotes);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    BenchRemote *r = value;
    n += r->video > 0 && r->audio > 0;
  }
  return n;
}

gint
bench_remote_window_frames (const BenchRemote * r, gint64 t0, gint64 t1)
{
  if (r->marked[0] && r->marked[1] && r->mark_at[1] > r->mark_at[0])
    return (gint) ((r->mark_video[1] - r->mark_video[0]) *
        (gdouble) (t1 - t0) / (r->mark_at[1] - r->mark_at[0]) + 0.5);
  return 0;
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
