/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * join-time: how long f2fsignal takes to bring a peer into a room, counted
 * from the moment its process is started.
 *
 * It starts an f2f-signaling-server, then:
 *
 * 1. join: one peer (f2f-peer-tool running an f2fsignal pipeline) is in the
 *    room; a second peer's process is spawned --runs times, one after the
 *    other. Each time the clock starts just before the spawn; each event is
 *    timed when its line arrives on the pipe: "playing", f2f-joined,
 *    f2f-link-state connected, f2f-media video and audio. The second peer
 *    then quits and the first must see it leave before the next run.
 * 2. mesh: --peers processes spawned at once into a fresh room, --mesh-runs
 *    times; timed until every peer reports every other link connected, and
 *    separately until every peer decoded video and audio from every other.
 * 3. baseline: webrtcbin-baseline (two plain webrtcbins in one process) is
 *    spawned --runs times and timed the same way up to the offerer's first
 *    decoded frame; it also reports its own offer -> frame times, for the
 *    first connection of the process and for a second one.
 * 4. mesh baseline: the mesh's shape in plain webrtcbins, --mesh-runs
 *    times: --peers webrtcbin-baseline processes spawned at once, each
 *    making (peers - 1) / 2 connections at the same time (for 5: 5 processes,
 *    5 DTLS keys, 10 connections, 20 webrtcbins, like a room of five), timed
 *    until every connection is up and until every end decoded video and
 *    audio. Its signaling is in-process, so it is the floor under the mesh.
 *
 * Every child gets PR_SET_PDEATHSIG and is killed and reaped by the end of
 * its run. Run it in a private network namespace with lo up (join-time.sh
 * does), since the peers use local-addresses=127.0.0.1.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <gio/gio.h>
#include <gst/gst.h>

#include "benchutil.h"

typedef struct
{
  BenchChild base;              /* first: the process and its pipes */
  gchar *name;
  gint64 spawn_us;
  gint64 ready_us;              /* "playing" (peer) or "ready" (baseline) */
  gint64 joined_us;
  gint64 event_us;              /* baseline: offerer's first frame */
  GHashTable *events;           /* baseline: "conn=N what" -> arrival */
  gchar *peer_id;
  GHashTable *connected;        /* peer-id -> gint64* arrival, µs */
  GHashTable *video, *audio;
  GHashTable *left;             /* peer-id set */
  GPtrArray *results;           /* baseline "result" lines */
  gchar *error;
} Child;

typedef struct
{
  gchar *tool, *server, *baseline;
  gint runs, mesh_runs, peers, warmup;
  gint step_timeout_ms;
  gchar *video, *trace, *peer_extra;
  gint width, height, fps;
} Options;

/* 100 joins: with 20 the p95 is the second-slowest join, i.e. the
 * second-slowest DTLS key, and moved by 100+ ms between runs. */
static Options opts = {
  NULL, NULL, NULL, 100, 30, 5, 1, 15000, NULL, NULL, NULL, 320, 240, 15
};

static gchar *server_uri;
static GSubprocess *server_proc;

/* ---------------------------------------------------------------------- */
/* Children */

static GHashTable *
time_table (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
note_time (GHashTable * table, const gchar * key, gint64 now)
{
  if (key && !g_hash_table_contains (table, key))
    g_hash_table_insert (table, g_strdup (key), g_memdup2 (&now, sizeof now));
}

static gint64
time_of (GHashTable * table, const gchar * key)
{
  gint64 *t = key ? g_hash_table_lookup (table, key) : NULL;

  return t ? *t : -1;
}

static void
on_line (gpointer child, const gchar * line, gint64 now)
{
  Child *c = child;
  g_autoptr (GstStructure) s = NULL;
  const gchar *name, *peer;

  if (g_str_has_prefix (line, "playing") || strcmp (line, "ready") == 0) {
    if (c->ready_us < 0)
      c->ready_us = now;
    return;
  }
  if (g_str_has_prefix (line, "event ")) {
    if (c->event_us < 0 && strstr (line, "conn=1 offerer-video"))
      c->event_us = now;
    note_time (c->events, line + 6, now);
    return;
  }
  if (g_str_has_prefix (line, "result ")) {
    g_ptr_array_add (c->results, g_strdup (line + 7));
    return;
  }
  if (g_str_has_prefix (line, "error ") || g_str_has_prefix (line, "failed ")) {
    if (c->error == NULL)
      c->error = g_strdup (line);
    g_printerr ("join-time: %s: %s\n", c->name, line);
    return;
  }
  if (!g_str_has_prefix (line, "msg "))
    return;
  s = gst_structure_from_string (line + 4, NULL);
  if (s == NULL)
    return;
  name = gst_structure_get_name (s);
  peer = gst_structure_get_string (s, "peer-id");
  if (strcmp (name, "f2f-joined") == 0) {
    if (c->joined_us < 0)
      c->joined_us = now;
    g_free (c->peer_id);
    c->peer_id = g_strdup (peer);
  } else if (strcmp (name, "f2f-link-state") == 0) {
    if (g_strcmp0 (gst_structure_get_string (s, "state"), "connected") == 0)
      note_time (c->connected, peer, now);
  } else if (strcmp (name, "f2f-media") == 0) {
    const gchar *media = gst_structure_get_string (s, "media");
    note_time (g_strcmp0 (media, "audio") == 0 ? c->audio : c->video, peer,
        now);
  } else if (strcmp (name, "f2f-peer-left") == 0 && peer) {
    g_hash_table_add (c->left, g_strdup (peer));
  }
}

static Child *
child_spawn (const gchar * name, GPtrArray * argv, const gchar * debug_file)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  Child *c = g_new0 (Child, 1);

  c->name = g_strdup (name);
  c->ready_us = c->joined_us = c->event_us = -1;
  c->connected = time_table ();
  c->events = time_table ();
  c->video = time_table ();
  c->audio = time_table ();
  c->left = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c->results = g_ptr_array_new_with_free_func (g_free);

  launcher = bench_child_launcher (debug_file != NULL);
  if (debug_file) {
    g_subprocess_launcher_setenv (launcher, "GST_DEBUG", opts.trace, TRUE);
    g_subprocess_launcher_setenv (launcher, "GST_DEBUG_FILE", debug_file,
        TRUE);
    g_subprocess_launcher_setenv (launcher, "GST_DEBUG_NO_COLOR", "1", TRUE);
  }
  /* The clock starts here: fork and exec are part of the join. */
  c->spawn_us = g_get_monotonic_time ();
  bench_child_spawn (&c->base, launcher, argv, "join-time", name, on_line);
  return c;
}

/* Asks a child to quit, kills it if it does not within 3 s, reaps it. */
static void
child_stop (Child * c)
{
  bench_child_quit (&c->base, 3000);
}

static void
child_free (Child * c)
{
  bench_child_finish (&c->base, "join-time", c->name);
  g_hash_table_unref (c->connected);
  g_hash_table_unref (c->events);
  g_hash_table_unref (c->video);
  g_hash_table_unref (c->audio);
  g_hash_table_unref (c->left);
  g_ptr_array_unref (c->results);
  g_free (c->name);
  g_free (c->peer_id);
  g_free (c->error);
  g_free (c);
}

static Child *
peer_spawn (const gchar * room, const gchar * name, gint index,
    const gchar * debug_file)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  static const gchar *patterns[] = { "ball", "smpte", "snow", "checkers-8",
    "circular"
  };

  g_ptr_array_add (argv, g_strdup (opts.tool));
  bench_add_f2fsignal (argv, "s", server_uri, room, name);
  g_ptr_array_add (argv, g_strdup ("videotestsrc"));
  g_ptr_array_add (argv, g_strdup ("is-live=true"));
  g_ptr_array_add (argv, g_strdup_printf ("pattern=%s",
          patterns[index % G_N_ELEMENTS (patterns)]));
  g_ptr_array_add (argv, g_strdup ("!"));
  g_ptr_array_add (argv, g_strdup_printf
      ("video/x-raw,width=%d,height=%d,framerate=%d/1", opts.width,
          opts.height, opts.fps));
  g_ptr_array_add (argv, g_strdup ("!"));
  g_ptr_array_add (argv, g_strdup ("s.video_sink"));
  g_ptr_array_add (argv, g_strdup ("audiotestsrc"));
  g_ptr_array_add (argv, g_strdup ("is-live=true"));
  g_ptr_array_add (argv, g_strdup_printf ("freq=%d", 300 + 100 * index));
  g_ptr_array_add (argv, g_strdup ("!"));
  g_ptr_array_add (argv, g_strdup ("s.audio_sink"));
  g_ptr_array_add (argv, g_strdup ("s.video_src"));
  g_ptr_array_add (argv, g_strdup ("!"));
  g_ptr_array_add (argv, g_strdup ("fakesink"));
  g_ptr_array_add (argv, g_strdup ("async=false"));
  g_ptr_array_add (argv, g_strdup ("s.audio_src"));
  g_ptr_array_add (argv, g_strdup ("!"));
  g_ptr_array_add (argv, g_strdup ("fakesink"));
  g_ptr_array_add (argv, g_strdup ("async=false"));
  if (opts.peer_extra) {
    g_auto (GStrv) words = g_strsplit (opts.peer_extra, " ", -1);
    guint i;
    for (i = 0; words[i]; i++)
      if (*words[i])
        g_ptr_array_add (argv, g_strdup (words[i]));
  }
  g_ptr_array_add (argv, NULL);
  return child_spawn (name, argv, debug_file);
}

/* ---------------------------------------------------------------------- */
/* Figures */

/* Nearest-rank percentile of the values >= 0; -1 if there are none. */
static gdouble
percentile (GArray * values, gdouble p)
{
  g_autoptr (GArray) v = g_array_new (FALSE, FALSE, sizeof (gdouble));
  guint i, rank;

  for (i = 0; i < values->len; i++)
    if (g_array_index (values, gdouble, i) >= 0)
      g_array_append_val (v, g_array_index (values, gdouble, i));
  if (v->len == 0)
    return -1;
  g_array_sort (v, bench_cmp_double);
  rank = (guint) (p / 100.0 * v->len + 0.999999);
  rank = CLAMP (rank, 1, v->len);
  return g_array_index (v, gdouble, rank - 1);
}

static guint
count_valid (GArray * values)
{
  guint i, n = 0;

  for (i = 0; i < values->len; i++)
    n += g_array_index (values, gdouble, i) >= 0;
  return n;
}

static GHashTable *series;      /* name -> GArray of gdouble ms (-1: missed) */
static GPtrArray *series_order;

static void
record (const gchar * key, gdouble ms)
{
  GArray *a = g_hash_table_lookup (series, key);

  if (a == NULL) {
    a = g_array_new (FALSE, FALSE, sizeof (gdouble));
    g_hash_table_insert (series, g_strdup (key), a);
    g_ptr_array_add (series_order, g_strdup (key));
  }
  g_array_append_val (a, ms);
}

static gdouble
since (gint64 start, gint64 t)
{
  return t < 0 ? -1 : (t - start) / 1000.0;
}

/* ---------------------------------------------------------------------- */
/* Scenarios */

typedef struct
{
  Child *c;
  const gchar *remote;
} Pair;

static gboolean
has_media (gpointer data)
{
  Pair *p = data;

  if (p->remote == NULL)
    return p->c->peer_id != NULL && p->c->joined_us >= 0;
  return time_of (p->c->video, p->remote) >= 0
      && time_of (p->c->audio, p->remote) >= 0;
}

static gboolean
joined (gpointer data)
{
  Child *c = data;

  return c->joined_us >= 0 || c->base.exited;
}

static gboolean
second_done (gpointer data)
{
  Pair *p = data;

  return (p->c->peer_id && time_of (p->c->video, p->remote) >= 0
      && time_of (p->c->audio, p->remote) >= 0) || p->c->base.exited;
}

static gboolean
left (gpointer data)
{
  Pair *p = data;

  return g_hash_table_contains (p->c->left, p->remote) || p->c->base.exited;
}

static void
run_join (void)
{
  Child *first = peer_spawn ("join", "first", 0, NULL);
  gint i;

  if (!bench_wait_for (joined, first, opts.step_timeout_ms) || first->base.exited) {
    g_printerr ("join-time: the first peer did not join\n");
    exit (1);
  }
  for (i = -opts.warmup; i < opts.runs + (opts.trace ? 1 : 0); i++) {
    gboolean traced = opts.trace && i == opts.runs;
    g_autofree gchar *log = traced ? g_strdup ("join-time-trace-join.log") : NULL;
    Child *second = peer_spawn ("join", "second", 1, log);
    Pair p = { second, first->peer_id };
    Pair back = { first, NULL };
    gint64 t0 = second->spawn_us;

    if (!bench_wait_for (second_done, &p, opts.step_timeout_ms))
      g_printerr ("join-time: join run %d timed out\n", i + 1);
    back.remote = second->peer_id;
    /* The first peer's view: when did it decode the newcomer? */
    if (back.remote)
      bench_wait_for (has_media, &back, 2000);
    if (i >= 0 && !traced) {
      record ("join: process start -> playing", since (t0, second->ready_us));
      record ("join: process start -> f2f-joined", since (t0,
              second->joined_us));
      record ("join: process start -> link connected", since (t0,
              time_of (second->connected, first->peer_id)));
      record ("join: process start -> first remote video", since (t0,
              time_of (second->video, first->peer_id)));
      record ("join: process start -> first remote audio", since (t0,
              time_of (second->audio, first->peer_id)));
      record ("join: present peer decodes the newcomer's video", since (t0,
              time_of (first->video, back.remote)));
    }
    if (traced)
      g_print ("trace of one join in join-time-trace-join.log (spawn at "
          "monotonic %" G_GINT64_FORMAT " us; lines at +%.1f playing, "
          "+%.1f joined, +%.1f connected, +%.1f video ms)\n", t0,
          since (t0, second->ready_us), since (t0, second->joined_us),
          since (t0, time_of (second->connected, first->peer_id)),
          since (t0, time_of (second->video, first->peer_id)));
    child_stop (second);
    if (back.remote && !bench_wait_for (left, &back, 5000))
      g_printerr ("join-time: the first peer did not see the second leave\n");
    child_free (second);
  }
  child_stop (first);
  child_free (first);
}

typedef struct
{
  Child **peers;
  gint n;
  gboolean media;
} Mesh;

static gboolean
mesh_done (gpointer data)
{
  Mesh *m = data;
  gint i, j;

  for (i = 0; i < m->n; i++) {
    if (m->peers[i]->base.exited)
      return TRUE;
    for (j = 0; j < m->n; j++) {
      const gchar *other = m->peers[j]->peer_id;
      if (i == j)
        continue;
      if (other == NULL || time_of (m->peers[i]->connected, other) < 0)
        return FALSE;
      if (m->media && (time_of (m->peers[i]->video, other) < 0
              || time_of (m->peers[i]->audio, other) < 0))
        return FALSE;
    }
  }
  return TRUE;
}

/* Latest arrival over every peer and every other peer in @table_of. */
static gdouble
mesh_last (Mesh * m, gint64 t0, gint which)
{
  gint64 last = -1;
  gint i, j;

  for (i = 0; i < m->n; i++)
    for (j = 0; j < m->n; j++) {
      Child *c = m->peers[i];
      const gchar *other = m->peers[j]->peer_id;
      gint64 t = -1;
      if (i == j)
        continue;
      if (which == 0)
        t = time_of (c->connected, other);
      else if (which == 1)
        t = time_of (c->video, other);
      else {
        gint64 v = time_of (c->video, other), a = time_of (c->audio, other);
        t = (v < 0 || a < 0) ? -1 : MAX (v, a);
      }
      if (t < 0)
        return -1;
      last = MAX (last, t);
    }
  return since (t0, last);
}

static void
run_mesh (void)
{
  gint r, i;

  for (r = -opts.warmup; r < opts.mesh_runs + (opts.trace ? 1 : 0); r++) {
    gboolean traced = opts.trace && r == opts.mesh_runs;
    g_autofree gchar *room = g_strdup_printf ("mesh%d", r + opts.warmup);
    Mesh m = { g_new0 (Child *, opts.peers), opts.peers, TRUE };
    gint64 t0;
    gdouble joined_last = 0;

    for (i = 0; i < opts.peers; i++) {
      g_autofree gchar *name = g_strdup_printf ("p%d", i);
      g_autofree gchar *log = traced ?
          g_strdup_printf ("join-time-trace-mesh-p%d.log", i) : NULL;
      m.peers[i] = peer_spawn (room, name, i, log);
    }
    t0 = m.peers[0]->spawn_us;
    if (!bench_wait_for (mesh_done, &m, opts.step_timeout_ms))
      g_printerr ("join-time: mesh run %d timed out\n", r + 1);
    for (i = 0; i < opts.peers; i++)
      joined_last = MAX (joined_last, since (t0, m.peers[i]->joined_us));
    if (traced)
      g_print ("trace of one mesh run in join-time-trace-mesh-p*.log: all "
          "links connected at +%.1f ms, all video at +%.1f ms\n",
          mesh_last (&m, t0, 0), mesh_last (&m, t0, 1));
    if (r >= 0 && !traced)
      g_print ("mesh run %d: all joined %.1f, all links connected %.1f, "
          "all video %.1f ms\n", r + 1, joined_last, mesh_last (&m, t0, 0),
          mesh_last (&m, t0, 1));
    if (r >= 0 && !traced) {
      record ("mesh: spawn of the last peer (after the first)",
          since (t0, m.peers[opts.peers - 1]->spawn_us));
      record ("mesh: all peers f2f-joined", joined_last);
      record ("mesh: all links connected", mesh_last (&m, t0, 0));
      record ("mesh: all first remote video", mesh_last (&m, t0, 1));
      record ("mesh: all first remote video+audio", mesh_last (&m, t0, 2));
    }
    for (i = 0; i < opts.peers; i++)
      child_stop (m.peers[i]);
    for (i = 0; i < opts.peers; i++)
      child_free (m.peers[i]);
    g_free (m.peers);
  }
}

static void
run_baseline (void)
{
  g_autofree gchar *video = g_strdup_printf ("%dx%d@%d", opts.width,
      opts.height, opts.fps);
  gint i;

  for (i = -opts.warmup; i < opts.runs; i++) {
    g_autoptr (GPtrArray) argv = g_ptr_array_new ();
    Child *c;
    guint k;

    g_ptr_array_add (argv, opts.baseline);
    g_ptr_array_add (argv, (gchar *) "--connections=2");
    g_ptr_array_add (argv, (gchar *) "--latency=40");
    g_ptr_array_add (argv, (gchar *) "--video");
    g_ptr_array_add (argv, video);
    g_ptr_array_add (argv, NULL);
    c = child_spawn ("baseline", argv, NULL);
    if (!bench_wait_for (bench_child_gone, c, opts.step_timeout_ms * 2)) {
      g_printerr ("join-time: baseline run %d timed out\n", i + 1);
      g_subprocess_force_exit (c->base.proc);
      bench_wait_for (bench_child_gone, c, 3000);
    }
    if (i >= 0) {
      record ("baseline: process start -> gst_init done", since (c->spawn_us,
              c->ready_us));
      record ("baseline: process start -> first remote video (1st conn)",
          since (c->spawn_us, c->event_us));
      for (k = 0; k < c->results->len; k++) {
        const gchar *line = g_ptr_array_index (c->results, k);
        const gchar *which =
            bench_result_field (line, "conn") == 1 ? "1st" : "2nd";
        g_autofree gchar *k1 = g_strdup_printf ("baseline: offer -> connected "
            "(%s conn)", which);
        g_autofree gchar *k2 = g_strdup_printf ("baseline: offer -> first "
            "remote video (%s conn)", which);
        g_autofree gchar *k3 = g_strdup_printf ("baseline: offer -> first "
            "remote audio (%s conn)", which);
        record (k1, bench_result_field (line, "offer_to_connected_ms"));
        record (k2, bench_result_field (line, "offerer_video_ms"));
        record (k3, bench_result_field (line, "offerer_audio_ms"));
      }
    }
    child_free (c);
  }
}

typedef struct
{
  Child **procs;
  gint n;
} Batch;

static gboolean
batch_gone (gpointer data)
{
  Batch *b = data;
  gint i;

  for (i = 0; i < b->n; i++)
    if (!bench_child_gone (b->procs[i]))
      return FALSE;
  return TRUE;
}

/* Latest "conn=K @what" event over every process and connection, from
 * @t0; -1 when one is missing. */
static gdouble
batch_last (Batch * b, gint conns, gint64 t0, const gchar * what)
{
  gint64 last = -1;
  gint i, k;

  for (i = 0; i < b->n; i++)
    for (k = 1; k <= conns; k++) {
      g_autofree gchar *key = g_strdup_printf ("conn=%d %s", k, what);
      gint64 t = time_of (b->procs[i]->events, key);
      if (t < 0)
        return -1;
      last = MAX (last, t);
    }
  return since (t0, last);
}

static void
run_mesh_baseline (void)
{
  g_autofree gchar *video = g_strdup_printf ("%dx%d@%d", opts.width,
      opts.height, opts.fps);
  g_autofree gchar *conns_arg = NULL, *parallel_arg = NULL;
  gint conns = MAX (1, (opts.peers - 1) / 2);
  gint r, i;

  conns_arg = g_strdup_printf ("--connections=%d", conns);
  /* all of a process's connections at once, like a peer's links */
  parallel_arg = g_strdup_printf ("--parallel=%d", conns);
  for (r = -opts.warmup; r < opts.mesh_runs; r++) {
    Batch b = { g_new0 (Child *, opts.peers), opts.peers };
    gint64 t0;

    for (i = 0; i < opts.peers; i++) {
      g_autoptr (GPtrArray) argv = g_ptr_array_new ();

      g_ptr_array_add (argv, opts.baseline);
      g_ptr_array_add (argv, conns_arg);
      g_ptr_array_add (argv, parallel_arg);
      g_ptr_array_add (argv, (gchar *) "--latency=40");
      g_ptr_array_add (argv, (gchar *) "--video");
      g_ptr_array_add (argv, video);
      g_ptr_array_add (argv, NULL);
      b.procs[i] = child_spawn ("mesh-baseline", argv, NULL);
    }
    t0 = b.procs[0]->spawn_us;
    if (!bench_wait_for (batch_gone, &b, opts.step_timeout_ms * 2)) {
      g_printerr ("join-time: mesh baseline run %d timed out\n", r + 1);
      for (i = 0; i < opts.peers; i++)
        if (!bench_child_gone (b.procs[i]))
          g_subprocess_force_exit (b.procs[i]->base.proc);
      bench_wait_for (batch_gone, &b, 3000);
    }
    if (r >= 0) {
      gdouble up = batch_last (&b, conns, t0, "connected");
      gdouble media = batch_last (&b, conns, t0, "all-media");

      g_print ("mesh baseline run %d: all connected %.1f, all media %.1f ms\n",
          r + 1, up, media);
      record ("mesh baseline: all connections connected", up);
      record ("mesh baseline: all first remote video+audio", media);
    }
    for (i = 0; i < opts.peers; i++)
      child_free (b.procs[i]);
    g_free (b.procs);
  }
}

/* ---------------------------------------------------------------------- */

static void
print_table (void)
{
  guint i;

  g_print ("%-60s %5s %8s %8s %8s\n", "figure (ms)", "n", "p50", "p95",
      "max");
  for (i = 0; i < series_order->len; i++) {
    const gchar *key = g_ptr_array_index (series_order, i);
    GArray *a = g_hash_table_lookup (series, key);
    g_autofree gchar *n = g_strdup_printf ("%u/%u", count_valid (a), a->len);

    g_print ("%-60s %5s %8.1f %8.1f %8.1f\n", key, n, percentile (a, 50),
        percentile (a, 95), percentile (a, 100));
  }
}

static void
print_ratios (void)
{
  GArray *join = g_hash_table_lookup (series,
      "join: process start -> first remote video");
  GArray *base = g_hash_table_lookup (series,
      "baseline: process start -> first remote video (1st conn)");
  GArray *first = g_hash_table_lookup (series,
      "baseline: offer -> first remote video (1st conn)");
  GArray *second = g_hash_table_lookup (series,
      "baseline: offer -> first remote video (2nd conn)");
  gint p;

  if (join == NULL || base == NULL)
    return;
  for (p = 50; p <= 95; p += 45)
    g_print ("RATIO p%d join/baseline-process=%.2f join/baseline-1st-conn="
        "%.2f join/baseline-2nd-conn=%.2f\n", p,
        percentile (join, p) / percentile (base, p),
        first ? percentile (join, p) / percentile (first, p) : -1,
        second ? percentile (join, p) / percentile (second, p) : -1);
}

static void
print_mesh_ratios (void)
{
  GArray *mesh = g_hash_table_lookup (series, "mesh: all links connected");
  GArray *base = g_hash_table_lookup (series,
      "mesh baseline: all connections connected");
  GArray *mesh_media = g_hash_table_lookup (series,
      "mesh: all first remote video+audio");
  GArray *base_media = g_hash_table_lookup (series,
      "mesh baseline: all first remote video+audio");
  gint p;

  if (mesh == NULL || base == NULL)
    return;
  for (p = 50; p <= 95; p += 45)
    g_print ("RATIO p%d mesh-connected/baseline=%.2f "
        "mesh-media/baseline=%.2f\n", p,
        percentile (mesh, p) / percentile (base, p),
        mesh_media && base_media ? percentile (mesh_media, p) /
        percentile (base_media, p) : -1);
}

static gboolean
load_cb (gpointer data)
{
  bench_print_load ();
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gboolean no_join = FALSE, no_mesh = FALSE, no_baseline = FALSE;
  GOptionEntry entries[] = {
    {"tool", 0, 0, G_OPTION_ARG_FILENAME, &opts.tool,
        "f2f-peer-tool to run the peers with", "PATH"},
    {"server", 0, 0, G_OPTION_ARG_FILENAME, &opts.server,
        "f2f-signaling-server", "PATH"},
    {"baseline", 0, 0, G_OPTION_ARG_FILENAME, &opts.baseline,
        "webrtcbin-baseline", "PATH"},
    {"runs", 'r', 0, G_OPTION_ARG_INT, &opts.runs,
        "Joins (and baseline processes) to time (default 100)", "N"},
    {"mesh-runs", 'm', 0, G_OPTION_ARG_INT, &opts.mesh_runs,
        "Rooms of --peers started at once (default 30)", "N"},
    {"peers", 'p', 0, G_OPTION_ARG_INT, &opts.peers,
        "Peers per mesh room (default 5)", "N"},
    {"warmup", 'w', 0, G_OPTION_ARG_INT, &opts.warmup,
        "Untimed runs before each scenario (default 1)", "N"},
    {"video", 0, 0, G_OPTION_ARG_STRING, &opts.video,
        "Test video size and rate (default 320x240@15)", "WxH@FPS"},
    {"trace", 0, 0, G_OPTION_ARG_STRING, &opts.trace,
        "After the timed joins, one more with GST_DEBUG=SPEC, logged to "
          "join-time-trace-*.log", "SPEC"},
    {"peer-extra", 0, 0, G_OPTION_ARG_STRING, &opts.peer_extra,
        "More gst-launch words for every peer's pipeline (experiments: "
          "'dtlsdec connection-id=warm' makes the DTLS certificate at "
          "start-up)", "DESC"},
    {"no-join", 0, 0, G_OPTION_ARG_NONE, &no_join, "Skip the join runs",
        NULL},
    {"no-mesh", 0, 0, G_OPTION_ARG_NONE, &no_mesh, "Skip the mesh runs",
        NULL},
    {"no-baseline", 0, 0, G_OPTION_ARG_NONE, &no_baseline,
        "Skip the baseline", NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- f2fsignal join "
      "time benchmark");
  g_autoptr (GError) error = NULL;

  gst_init (NULL, NULL);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("join-time: %s\n", error->message);
    return 2;
  }
  if (!opts.tool || !opts.server || (!no_baseline && !opts.baseline)) {
    g_printerr ("join-time: --tool, --server and --baseline are needed\n");
    return 2;
  }
  if (opts.video && sscanf (opts.video, "%dx%d@%d", &opts.width,
          &opts.height, &opts.fps) != 3) {
    g_printerr ("join-time: --video wants WxH@FPS\n");
    return 2;
  }
  /* A write to a peer that died must not kill us. */
  signal (SIGPIPE, SIG_IGN);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_array_unref);
  series_order = g_ptr_array_new_with_free_func (g_free);

  load_cb (NULL);
  server_uri = bench_start_server ("join-time", opts.server, &server_proc);
  if (!no_join)
    run_join ();
  if (!no_mesh)
    run_mesh ();
  if (!no_baseline)
    run_baseline ();
  if (!no_baseline && !no_mesh)
    run_mesh_baseline ();
  load_cb (NULL);

  g_subprocess_force_exit (server_proc);
  g_subprocess_wait (server_proc, NULL, NULL);
  g_object_unref (server_proc);

  print_table ();
  print_ratios ();
  print_mesh_ratios ();
  return 0;
}
