/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mixer-cpu: the CPU of an f2f mixer serving N clients, against a plain
 * webrtcbin pipeline doing the same media work (raw-mixer), measured in the
 * same run; and the CPU of a client in a mixer room against the same peer
 * in a mesh room.
 *
 * Mixer, for each N of --clients-list, --runs times, alternating which side
 * goes first:
 *
 * - f2f: an f2f-signaling-server (started once), a headless mixer (an
 *   f2f-peer-tool process of its own: f2fsignal mixer=true, no camera, no
 *   mic, its room view's pads unlinked — pipelines/mixer-node.sh without
 *   a display), then N clients s1..sN in ONE other f2f-peer-tool process,
 *   each with live 320x240@15 test video and test audio and
 *   room-view=per-peer (their CPU is not measured). The mixer is asked for
 *   on joining, so the clients, joining after it, are its clients. Once the
 *   mixer decoded video and audio from every client and every client from
 *   the mixer (f2f-peer-stats, every second) and --warmup seconds passed,
 *   utime + stime of the MIXER's process (/proc/PID/stat) over --seconds.
 * - raw: raw-mixer --clients N, which measures its own (the mixer's)
 *   process the same way over the same window.
 *
 * Client, with --compare-mesh M (default 6; 0: skip): M peers, each an
 * f2f-peer-tool process of its own with test video and audio and the
 * default room view (video_src and audio_src into fakesinks, what a user
 * has), first as a mesh, then the same M peers with a headless mixer
 * process joined first; the CPU of each peer's process over the window,
 * the mean over the M reported (and the mixer's in the second room).
 *
 * Every child gets PR_SET_PDEATHSIG and is killed and reaped by the end of
 * its run. Run it in a private network namespace with lo up (mixer-cpu.sh
 * does), since the peers use local-addresses=127.0.0.1.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <gio/gio.h>
#include <gst/gst.h>

#include "peerstats.h"

#define FPS 15
/* Above this share of fps * seconds, every stream counts as flowing. */
#define FLOW_SHARE 0.9

typedef struct
{
  gchar *tool, *server, *raw;
  gchar *clients_list, *pattern;
  gint runs, seconds, warmup, timeout, compare_mesh;
  gboolean verbose;
} Options;

static Options opts = {
  NULL, NULL, NULL, NULL, NULL, 1, 20, 5, 60, 6, FALSE
};

static gchar *server_uri;
static GSubprocess *server_proc;


/* ---------------------------------------------------------------------- */
/* One f2f room */

typedef struct
{
  gdouble mixer;                /* cores; -1: the run failed */
  gdouble clients;              /* cores, the client processes summed */
  gint client_procs;
  gint mixer_frames;            /* fewest video frames the mixer decoded
                                 * from one client in the window */
  gint client_frames;           /* fewest a client decoded (from its mixer,
                                 * or in the mesh from one peer) */
  gint expected;
} Sample;

typedef struct
{
  BenchPeerChild *mixer;        /* NULL: the mesh */
  BenchPeerChild **procs;       /* the clients' f2f-peer-tools: 1 or n */
  gint nprocs;
  BenchLocal **peers;           /* the n client f2fsignals */
  gint n;
} Room;

static BenchLocal *
mixer_local (Room * room)
{
  return room->mixer ? g_hash_table_lookup (room->mixer->locals, "s") : NULL;
}

static gboolean
room_alive (Room * room)
{
  if (room->mixer && room->mixer->base.exited)
    return FALSE;
  return bench_peer_children_alive (room->procs, room->nprocs);
}

static gboolean
flowing (BenchRemote * r)
{
  return r && r->video > 0 && r->audio > 0;
}

static gboolean
room_media (gpointer data)
{
  Room *room = data;
  BenchLocal *m = mixer_local (room);
  gint i;

  if (!room_alive (room))
    return TRUE;
  if (m && (m->peer_id == NULL || bench_local_flowing (m) < room->n))
    return FALSE;
  for (i = 0; i < room->n; i++) {
    if (m && !flowing (g_hash_table_lookup (room->peers[i]->remotes,
                m->peer_id)))
      return FALSE;
    if (!m && bench_local_flowing (room->peers[i]) < room->n - 1)
      return FALSE;
  }
  return TRUE;
}

static gboolean
all_marked (BenchLocal * l, const gchar * only)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, l->remotes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if ((only == NULL || strcmp (key, only) == 0)
        && flowing (value) && !((BenchRemote *) value)->marked[1])
      return FALSE;
  return TRUE;
}

static gboolean
room_marked (gpointer data)
{
  Room *room = data;
  BenchLocal *m = mixer_local (room);
  gint i;

  if (!room_alive (room))
    return TRUE;
  if (m && !all_marked (m, NULL))
    return FALSE;
  for (i = 0; i < room->n; i++)
    if (!all_marked (room->peers[i], m ? m->peer_id : NULL))
      return FALSE;
  return TRUE;
}

/* Fewest video frames @l decoded in the window from one remote that sent
 * media (@only: just that one), scaled to the window; @need remotes. */
static gint
window_frames (BenchLocal * l, const gchar * only, gint need, gint64 t0,
    gint64 t1)
{
  GHashTableIter iter;
  gpointer key, value;
  gint min = G_MAXINT, seen = 0;

  g_hash_table_iter_init (&iter, l->remotes);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    if (only ? strcmp (key, only) != 0 : !flowing (value))
      continue;
    min = MIN (min, bench_remote_window_frames (value, t0, t1));
    seen++;
  }
  return seen < need ? 0 : min;
}

static void
add_arg (GPtrArray * argv, const gchar * arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

static BenchPeerChild *
spawn_tool (const gchar * name, GPtrArray * argv, const gchar * const *locals)
{
  g_ptr_array_insert (argv, 0, g_strdup (opts.tool));
  g_ptr_array_add (argv, NULL);
  return bench_peer_child_spawn ("mixer-cpu", name, argv, locals, opts.verbose);
}

/* The headless mixer: pipelines/mixer-node.sh without a display. */
static BenchPeerChild *
mixer_spawn (const gchar * room)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const gchar *locals[] = { "s", NULL };

  bench_add_f2fsignal (argv, "s", server_uri, room, "Mixer");
  add_arg (argv, "stats-interval=1000");
  add_arg (argv, "mixer=true");
  /* A lone element would not be a pipeline; the chat pad carries nothing
   * here, so it costs nothing. */
  add_arg (argv, "s.text_src");
  add_arg (argv, "!");
  add_arg (argv, "fakesink");
  add_arg (argv, "async=false");
  return spawn_tool ("mixer", argv, locals);
}

static gboolean
mixer_joined (gpointer data)
{
  BenchPeerChild *c = data;
  BenchLocal *l = g_hash_table_lookup (c->locals, "s");

  return c->base.exited || l->peer_id != NULL;
}

static Sample
run_room (gint n, gboolean with_mixer, gboolean each, gboolean composite,
    const gchar * room_name)
{
  Sample out = { -1, -1, 0, 0, 0, FPS * opts.seconds };
  Room room =
      { NULL, g_new0 (BenchPeerChild *, n), 0, g_new0 (BenchLocal *, n), n };
  gdouble m0 = 0, m1 = 0, c0, c1;
  gint64 t0, t1;
  BenchLocal *m;
  gint i;

  bench_mark_us[0] = bench_mark_us[1] = -1;
  if (with_mixer) {
    room.mixer = mixer_spawn (room_name);
    /* The clients join after it, so its plan makes them its clients. */
    if (!bench_wait_for (mixer_joined, room.mixer, opts.timeout * 1000)
        || room.mixer->base.exited) {
      g_printerr ("mixer-cpu: the mixer did not join\n");
      goto done;
    }
  }
  if (each) {
    for (i = 0; i < n; i++) {
      g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
      g_autofree gchar *name = g_strdup_printf ("P%d", i);
      const gchar *locals[] = { "s", NULL };

      bench_peer_add_f2fsignal (argv, "s", server_uri, room_name, i,
          opts.pattern, FPS, composite);
      room.procs[room.nprocs++] = spawn_tool (name, argv, locals);
      room.peers[i] = g_hash_table_lookup (room.procs[i]->locals, "s");
    }
  } else {
    g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
    g_auto (GStrv) locals = g_new0 (gchar *, n + 1);

    for (i = 0; i < n; i++) {
      locals[i] = g_strdup_printf ("s%d", i + 1);
      bench_peer_add_f2fsignal (argv, locals[i], server_uri, room_name, i,
          opts.pattern, FPS, composite);
    }
    room.procs[room.nprocs++] = spawn_tool ("clients", argv,
        (const gchar * const *) locals);
    for (i = 0; i < n; i++)
      room.peers[i] = g_hash_table_lookup (room.procs[0]->locals, locals[i]);
  }
  if (!bench_wait_for (room_media, &room, opts.timeout * 1000))
    g_printerr ("mixer-cpu: N=%d %s: not all media flowing within %d s; "
        "measuring anyway\n", n, with_mixer ? "mixer" : "mesh", opts.timeout);
  bench_pause_ms (opts.warmup * 1000);
  if (!room_alive (&room)) {
    g_printerr ("mixer-cpu: N=%d: a process exited\n", n);
    goto done;
  }

  t0 = bench_mark_us[0] = g_get_monotonic_time ();
  if (room.mixer)
    m0 = bench_process_cpu (room.mixer->base.proc);
  c0 = bench_peer_children_cpu (room.procs, room.nprocs);
  bench_pause_ms (opts.seconds * 1000);
  t1 = bench_mark_us[1] = g_get_monotonic_time ();
  if (room.mixer)
    m1 = bench_process_cpu (room.mixer->base.proc);
  c1 = bench_peer_children_cpu (room.procs, room.nprocs);
  bench_wait_for (room_marked, &room, 3000);
  if (m0 < 0 || m1 < 0 || c0 < 0 || c1 < 0 || !room_alive (&room)) {
    g_printerr ("mixer-cpu: N=%d: a process exited\n", n);
    goto done;
  }
  out.mixer = room.mixer ? (m1 - m0) / ((t1 - t0) / 1e6) : 0;
  out.clients = (c1 - c0) / ((t1 - t0) / 1e6);
  out.client_procs = room.nprocs;
  m = mixer_local (&room);
  out.mixer_frames = m ? window_frames (m, NULL, n, t0, t1) : 0;
  out.client_frames = G_MAXINT;
  for (i = 0; i < n; i++)
    out.client_frames = MIN (out.client_frames,
        window_frames (room.peers[i], m ? m->peer_id : NULL, m ? 1 : n - 1,
            t0, t1));

done:
  if (room.mixer)
    bench_peer_child_stop (room.mixer);
  for (i = 0; i < room.nprocs; i++)
    bench_peer_child_stop (room.procs[i]);
  if (room.mixer)
    bench_peer_child_free (room.mixer);
  for (i = 0; i < room.nprocs; i++)
    bench_peer_child_free (room.procs[i]);
  g_free (room.procs);
  g_free (room.peers);
  return out;
}

static Sample
run_raw (gint n)
{
  Sample out = { -1, -1, 0, 0, 0, FPS * opts.seconds };
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  BenchPeerChild *c;

  g_ptr_array_add (argv, g_strdup (opts.raw));
  g_ptr_array_add (argv, g_strdup_printf ("--clients=%d", n));
  g_ptr_array_add (argv, g_strdup_printf ("--seconds=%d", opts.seconds));
  g_ptr_array_add (argv, g_strdup_printf ("--warmup=%d", opts.warmup));
  g_ptr_array_add (argv, g_strdup_printf ("--timeout=%d", opts.timeout));
  g_ptr_array_add (argv, g_strdup_printf ("--pattern=%s", opts.pattern));
  g_ptr_array_add (argv, NULL);
  c = bench_peer_run_raw ("mixer-cpu", "raw-mixer", argv, n,
      opts.timeout + opts.warmup + opts.seconds + 30, opts.verbose);
  if (c->result) {
    out.mixer = bench_result_field (c->result, "cpu");
    out.mixer_frames = (gint) bench_result_field (c->result, "frames_min");
  }
  bench_peer_child_free (c);
  return out;
}

/* ---------------------------------------------------------------------- */
/* Figures */

typedef struct
{
  gint n;
  GArray *f2f, *raw;
  gint f2f_frames, raw_frames, client_frames;
  gint failed;
} Row;

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"tool", 0, 0, G_OPTION_ARG_FILENAME, &opts.tool,
        "f2f-peer-tool to run the peers with", "PATH"},
    {"server", 0, 0, G_OPTION_ARG_FILENAME, &opts.server,
        "f2f-signaling-server", "PATH"},
    {"raw", 0, 0, G_OPTION_ARG_FILENAME, &opts.raw, "raw-mixer", "PATH"},
    {"clients-list", 'c', 0, G_OPTION_ARG_STRING, &opts.clients_list,
          "Clients of the mixer to measure (default 3,5,8; \"\": none)",
        "N,N,..."},
    {"runs", 'r', 0, G_OPTION_ARG_INT, &opts.runs,
        "Runs of each side per case (default 1)", "R"},
    {"seconds", 's', 0, G_OPTION_ARG_INT, &opts.seconds,
        "Measurement window (default 20)", "S"},
    {"warmup", 'w', 0, G_OPTION_ARG_INT, &opts.warmup,
        "Seconds between full media and the window (default 5)", "W"},
    {"timeout", 't', 0, G_OPTION_ARG_INT, &opts.timeout,
        "Seconds to wait for all media (default 60)", "S"},
    {"compare-mesh", 'm', 0, G_OPTION_ARG_INT, &opts.compare_mesh,
        "Peers of the client-vs-mesh comparison (default 6; 0: skip)", "M"},
    {"pattern", 0, 0, G_OPTION_ARG_STRING, &opts.pattern,
          "videotestsrc pattern of every client, both sides (default ball)",
        "NAME"},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opts.verbose,
        "Let the children's stderr through", NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- CPU of an f2f "
      "mixer against a plain webrtcbin mixer, and of its clients");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) sizes = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  gdouble worst = 0;
  Sample mesh = { -1 }, mixed = { -1 };
  guint i;
  gint r;

  gst_init (NULL, NULL);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("mixer-cpu: %s\n", error->message);
    return 2;
  }
  if (!opts.tool || !opts.server || !opts.raw) {
    g_printerr ("mixer-cpu: --tool, --server and --raw are needed\n");
    return 2;
  }
  if (opts.runs < 1 || opts.seconds < 1 || opts.warmup < 0
      || opts.timeout < 1 || opts.compare_mesh < 0) {
    g_printerr ("mixer-cpu: --runs, --seconds and --timeout must be "
        "positive\n");
    return 2;
  }
  if (opts.pattern == NULL)
    opts.pattern = g_strdup ("ball");
  sizes = g_strsplit (opts.clients_list ? opts.clients_list : "3,5,8", ",", -1);
  signal (SIGPIPE, SIG_IGN);
  prctl (PR_SET_PDEATHSIG, SIGKILL);

  bench_print_load ();
  g_print ("%ld cores; clients 320x240@15, window %d s after %d s warm-up, "
      "%d runs per side\n", sysconf (_SC_NPROCESSORS_ONLN), opts.seconds,
      opts.warmup, opts.runs);
  server_uri = bench_start_server ("mixer-cpu", opts.server, &server_proc);

  for (i = 0; sizes[i] && *sizes[i]; i++) {
    Row *row = g_new0 (Row, 1);

    row->n = atoi (sizes[i]);
    if (row->n < 1 || row->n > 16) {
      g_printerr ("mixer-cpu: 1..16 clients\n");
      return 2;
    }
    row->f2f = g_array_new (FALSE, FALSE, sizeof (gdouble));
    row->raw = g_array_new (FALSE, FALSE, sizeof (gdouble));
    row->f2f_frames = row->raw_frames = row->client_frames = G_MAXINT;
    g_ptr_array_add (rows, row);
    for (r = 0; r < opts.runs; r++) {
      g_autofree gchar *room = g_strdup_printf ("mixcpu-%d-%d-%d", row->n, r,
          g_random_int_range (0, 1000000));
      gboolean f2f_first = (r + i) % 2 == 0;
      Sample f, w;

      if (f2f_first) {
        f = run_room (row->n, TRUE, FALSE, FALSE, room);
        w = run_raw (row->n);
      } else {
        w = run_raw (row->n);
        f = run_room (row->n, TRUE, FALSE, FALSE, room);
      }
      /* A room whose media never flowed measured an idle mixer. */
      if (f.mixer >= 0 && f.mixer_frames == 0)
        f.mixer = -1;
      if (w.mixer >= 0 && w.mixer_frames == 0)
        w.mixer = -1;
      if (f.mixer >= 0)
        g_array_append_val (row->f2f, f.mixer);
      else
        row->failed++;
      if (w.mixer >= 0)
        g_array_append_val (row->raw, w.mixer);
      else
        row->failed++;
      row->f2f_frames = MIN (row->f2f_frames, f.mixer_frames);
      row->raw_frames = MIN (row->raw_frames, w.mixer_frames);
      row->client_frames = MIN (row->client_frames, f.client_frames);
      g_print ("run N=%d %d/%d: f2f mixer %.3f cores (frames from clients "
          "%d, clients from it %d of %d), raw %.3f cores (frames %d)%s\n",
          row->n, r + 1, opts.runs, f.mixer, f.mixer_frames, f.client_frames,
          f.expected, w.mixer, w.mixer_frames, f2f_first ? "" : " [raw first]");
    }
  }

  if (opts.compare_mesh > 1) {
    g_autofree gchar *room1 = g_strdup_printf ("mixcpu-mesh-%d",
        g_random_int_range (0, 1000000));
    g_autofree gchar *room2 = g_strdup_printf ("mixcpu-clients-%d",
        g_random_int_range (0, 1000000));

    mesh = run_room (opts.compare_mesh, FALSE, TRUE, TRUE, room1);
    mixed = run_room (opts.compare_mesh, TRUE, TRUE, TRUE, room2);
    g_print ("run M=%d: mesh clients %.3f cores in all (frames %d of %d); "
        "mixer room clients %.3f cores in all, mixer %.3f (frames %d)\n",
        opts.compare_mesh, mesh.clients, mesh.client_frames, mesh.expected,
        mixed.clients, mixed.mixer, mixed.client_frames);
  }

  g_subprocess_force_exit (server_proc);
  g_subprocess_wait (server_proc, NULL, NULL);
  g_object_unref (server_proc);
  bench_print_load ();

  if (rows->len) {
    g_print ("\nmixer CPU: f2f (a headless f2fsignal mixer=true, its own "
        "process) against raw-mixer (plain webrtcbin, the same media work)\n");
    g_print ("%-3s %10s %10s %7s %14s %14s %14s %5s\n", "N", "f2f cores",
        "raw cores", "ratio", "f2f in frames", "raw in frames",
        "clients frames", "media");
  }
  for (i = 0; i < rows->len; i++) {
    Row *row = g_ptr_array_index (rows, i);
    gdouble f = bench_median (row->f2f), w = bench_median (row->raw);
    gdouble ratio = f > 0 && w > 0 ? f / w : 99;
    gint expected = FPS * opts.seconds;
    gboolean ok = row->failed == 0
        && row->f2f_frames >= FLOW_SHARE * expected
        && row->raw_frames >= FLOW_SHARE * expected
        && row->client_frames >= FLOW_SHARE * expected;

    g_print ("%-3d %10.3f %10.3f %6.2fx %10d/%-3d %10d/%-3d %10d/%-3d %5s\n",
        row->n, f, w, ratio, row->f2f_frames, expected, row->raw_frames,
        expected, row->client_frames, expected, ok ? "yes" : "NO");
    worst = MAX (worst, ratio);
  }
  if (rows->len)
    g_print ("worst ratio %.2fx (target <= 1.15x): %s\n", worst,
        worst > 0 && worst <= 1.15 ? "met" : "MISSED");
  if (opts.compare_mesh > 1 && mesh.clients > 0 && mixed.clients > 0)
    g_print ("\nclient CPU, %d peers each in its own process, room view into "
        "fakesinks:\n  mesh:        %.3f cores per peer (frames %d of %d)\n"
        "  mixer room:  %.3f cores per client (frames %d), mixer %.3f cores\n"
        "  a client costs %.2fx the mesh peer (%.0f %% less)\n",
        opts.compare_mesh, mesh.clients / mesh.client_procs,
        mesh.client_frames, mesh.expected,
        mixed.clients / mixed.client_procs, mixed.client_frames, mixed.mixer,
        (mixed.clients / mixed.client_procs) / (mesh.clients /
            mesh.client_procs), 100.0 * (1 - mixed.clients / mesh.clients));
  return 0;
}
