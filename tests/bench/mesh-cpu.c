/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mesh-cpu: the CPU an N-peer f2fsignal room costs, against a plain
 * webrtcbin mesh of the same shape (raw-mesh), measured in the same run.
 *
 * For each N of --peers-list and each shape, --runs times, alternating
 * which side goes first:
 *
 * - f2f: an f2f-signaling-server (started once) and N f2fsignal peers,
 *   each with live 320x240@15 test video and test audio, in a fresh room.
 *   With --f2f-process one (the default, like for like with raw-mesh, which
 *   runs its N peers in one process) the N f2fsignals, s1..sN, are in the
 *   pipeline of ONE f2f-peer-tool, which reports each one's messages as
 *   "msg@sI ..."; with --f2f-process each, every peer is an f2f-peer-tool
 *   process of its own (f2fsignal named s, "msg ..."), so f2f also pays N
 *   times the per-process costs (GStreamer init, main loops, idle threads).
 *   Shape "per-peer": room-view=per-peer, decoded pads left unlinked; shape
 *   "composite": the default room view, video_src and audio_src into
 *   fakesinks. Once every peer decoded video and audio from every other
 *   (f2f-peer-stats, every second) and --warmup seconds passed, the CPU
 *   (utime + stime, /proc/PID/stat) of the peer process(es) is summed over
 *   --seconds; the server's is reported apart.
 *   Frames: each peer's stats give the frames decoded per remote peer;
 *   the counts from the first stats after the window's start and after
 *   its end, scaled to the window's length (the stats timer drifts, so
 *   that span can be a period more or less), give the frames per window;
 *   the fewest any stream decoded is reported against fps * seconds.
 * - raw: raw-mesh --peers N (with --composite for the composite shape),
 *   which measures its own CPU the same way over the same window.
 *
 * It prints a line per run and then a table with the medians and their
 * ratio. Every child gets PR_SET_PDEATHSIG and is killed and reaped by the
 * end of its run. Run it in a private network namespace with lo up
 * (mesh-cpu.sh does), since the peers use local-addresses=127.0.0.1.
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
  gchar *peers_list, *shapes, *pattern, *f2f_process;
  gint runs, seconds, warmup, timeout;
  gboolean verbose;
  gboolean one_process;         /* --f2f-process one */
} Options;

static Options opts = {
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, 3, 20, 5, 60, FALSE, TRUE
};

static gchar *server_uri;
static GSubprocess *server_proc;

/* ---------------------------------------------------------------------- */
/* One measurement */

typedef struct
{
  gdouble cores;                /* -1: the run failed */
  gdouble server;               /* f2f only */
  gint frames_min, frames_expected;
} Sample;

typedef struct
{
  BenchPeerChild **procs;       /* the f2f-peer-tools: 1 or n */
  gint nprocs;
  BenchLocal **peers;           /* the n f2fsignals, over every process */
  gint n;
} Room;

static gboolean
room_alive (Room * room)
{
  return bench_peer_children_alive (room->procs, room->nprocs);
}

static gboolean
room_media (gpointer data)
{
  Room *room = data;
  gint i;

  /* A peer that died ends the wait: the run has failed. */
  if (!room_alive (room))
    return TRUE;
  for (i = 0; i < room->n; i++)
    if (bench_local_flowing (room->peers[i]) < room->n - 1)
      return FALSE;
  return TRUE;
}

static gboolean
room_marked (gpointer data)
{
  Room *room = data;
  gint i;

  if (!room_alive (room))
    return TRUE;
  for (i = 0; i < room->n; i++) {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, room->peers[i]->remotes);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      if (!((BenchRemote *) value)->marked[1])
        return FALSE;
  }
  return TRUE;
}

/* --f2f-process each: peer @index alone in an f2f-peer-tool, as "s". */
static BenchPeerChild *
peer_spawn (const gchar * room, gint index, gboolean composite)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *name = g_strdup_printf ("P%d", index);
  const gchar *locals[] = { "s", NULL };

  g_ptr_array_add (argv, g_strdup (opts.tool));
  bench_peer_add_f2fsignal (argv, "s", server_uri, room, index, opts.pattern,
      FPS, composite);
  g_ptr_array_add (argv, NULL);
  return bench_peer_child_spawn ("mesh-cpu", name, argv, locals, opts.verbose);
}

/* --f2f-process one: the @n peers in one f2f-peer-tool, as s1..sN. */
static BenchPeerChild *
peers_spawn (const gchar * room, gint n, gboolean composite)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) locals = g_new0 (gchar *, n + 1);
  gint i;

  g_ptr_array_add (argv, g_strdup (opts.tool));
  for (i = 0; i < n; i++) {
    locals[i] = g_strdup_printf ("s%d", i + 1);
    bench_peer_add_f2fsignal (argv, locals[i], server_uri, room, i,
        opts.pattern, FPS, composite);
  }
  g_ptr_array_add (argv, NULL);
  return bench_peer_child_spawn ("mesh-cpu", "f2f", argv,
      (const gchar * const *) locals, opts.verbose);
}

static Sample
run_f2f (gint n, gboolean composite, const gchar * room_name)
{
  Sample out = { -1, -1, 0, FPS * opts.seconds };
  Room room = { g_new0 (BenchPeerChild *, n), 0, g_new0 (BenchLocal *, n), n };
  gdouble cpu0, cpu1, srv0, srv1;
  gint64 t0, t1;
  gint i, min = G_MAXINT;

  bench_mark_us[0] = bench_mark_us[1] = -1;
  if (opts.one_process) {
    room.procs[room.nprocs++] = peers_spawn (room_name, n, composite);
    for (i = 0; i < n; i++) {
      g_autofree gchar *element = g_strdup_printf ("s%d", i + 1);
      room.peers[i] = g_hash_table_lookup (room.procs[0]->locals, element);
    }
  } else {
    for (i = 0; i < n; i++) {
      room.procs[room.nprocs++] = peer_spawn (room_name, i, composite);
      room.peers[i] = g_hash_table_lookup (room.procs[i]->locals, "s");
    }
  }
  if (!bench_wait_for (room_media, &room, opts.timeout * 1000))
    g_printerr ("mesh-cpu: f2f N=%d: not every peer decoded every other "
        "within %d s; measuring anyway\n", n, opts.timeout);
  bench_pause_ms (opts.warmup * 1000);
  if (!room_alive (&room)) {
    g_printerr ("mesh-cpu: f2f N=%d: a peer exited\n", n);
    goto done;
  }

  t0 = bench_mark_us[0] = g_get_monotonic_time ();
  cpu0 = bench_peer_children_cpu (room.procs, room.nprocs);
  srv0 = bench_process_cpu (server_proc);
  bench_pause_ms (opts.seconds * 1000);
  t1 = bench_mark_us[1] = g_get_monotonic_time ();
  cpu1 = bench_peer_children_cpu (room.procs, room.nprocs);
  srv1 = bench_process_cpu (server_proc);
  /* The window's frame counts come with the next stats, within 1 s. */
  bench_wait_for (room_marked, &room, 3000);
  if (cpu0 < 0 || cpu1 < 0 || !room_alive (&room)) {
    g_printerr ("mesh-cpu: f2f N=%d: a peer exited\n", n);
    goto done;
  }
  out.cores = (cpu1 - cpu0) / ((t1 - t0) / 1e6);
  out.server = (srv1 - srv0) / ((t1 - t0) / 1e6);
  for (i = 0; i < n; i++) {
    GHashTableIter iter;
    gpointer value;
    gint seen = 0;

    g_hash_table_iter_init (&iter, room.peers[i]->remotes);
    while (g_hash_table_iter_next (&iter, NULL, &value)) {
      min = MIN (min, bench_remote_window_frames (value, t0, t1));
      seen++;
    }
    /* A peer never heard from decoded nothing. */
    if (seen < n - 1)
      min = 0;
  }
  out.frames_min = min == G_MAXINT ? 0 : min;

done:
  for (i = 0; i < room.nprocs; i++)
    bench_peer_child_stop (room.procs[i]);
  /* The Locals go with their child. */
  for (i = 0; i < room.nprocs; i++)
    bench_peer_child_free (room.procs[i]);
  g_free (room.procs);
  g_free (room.peers);
  return out;
}

static Sample
run_raw (gint n, gboolean composite)
{
  Sample out = { -1, -1, 0, FPS * opts.seconds };
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  BenchPeerChild *c;

  g_ptr_array_add (argv, g_strdup (opts.raw));
  g_ptr_array_add (argv, g_strdup_printf ("--peers=%d", n));
  g_ptr_array_add (argv, g_strdup_printf ("--seconds=%d", opts.seconds));
  g_ptr_array_add (argv, g_strdup_printf ("--warmup=%d", opts.warmup));
  g_ptr_array_add (argv, g_strdup_printf ("--timeout=%d", opts.timeout));
  g_ptr_array_add (argv, g_strdup_printf ("--pattern=%s", opts.pattern));
  if (composite)
    g_ptr_array_add (argv, g_strdup ("--composite"));
  g_ptr_array_add (argv, NULL);
  /* The margin covers its teardown. */
  c = bench_peer_run_raw ("mesh-cpu", "raw-mesh", argv, n,
      opts.timeout + opts.warmup + opts.seconds + 30, opts.verbose);
  if (c->result) {
    out.cores = bench_result_field (c->result, "cpu");
    out.frames_min = (gint) bench_result_field (c->result, "frames_min");
    out.frames_expected =
        (gint) bench_result_field (c->result, "frames_expected");
  }
  bench_peer_child_free (c);
  return out;
}

/* ---------------------------------------------------------------------- */
/* Figures */

typedef struct
{
  gint n;
  gboolean composite;
  GArray *f2f, *raw, *server;   /* gdouble cores of the runs that worked */
  gint f2f_frames, raw_frames;  /* fewest over every run, -1 before one */
  gint expected;
  gint failed;
} Row;

static void
add_sample (Row * row, Sample * s, gboolean f2f)
{
  gint *frames = f2f ? &row->f2f_frames : &row->raw_frames;

  if (s->cores < 0) {
    row->failed++;
    *frames = 0;
    return;
  }
  g_array_append_val (f2f ? row->f2f : row->raw, s->cores);
  if (f2f)
    g_array_append_val (row->server, s->server);
  *frames = *frames < 0 ? s->frames_min : MIN (*frames, s->frames_min);
  row->expected = s->frames_expected;
}

static gboolean
flowed (gint frames, gint expected)
{
  return frames >= 0 && frames >= FLOW_SHARE * expected;
}

static void
print_table (GPtrArray * rows)
{
  gdouble worst = 0;
  gboolean all_flowed = TRUE;
  guint i;

  g_print ("\nf2f-process %s: %s\n", opts.one_process ? "one" : "each",
      opts.one_process ? "the N f2f peers in ONE f2f-peer-tool process, "
      "like raw-mesh's N peers in one process" : "each f2f peer in an "
      "f2f-peer-tool process of its own (raw-mesh: one process)");
  g_print ("%-3s %-10s %10s %10s %7s %10s %12s %12s %5s\n", "N", "shape",
      "f2f cores", "raw cores", "ratio", "server", "f2f frames",
      "raw frames", "media");
  for (i = 0; i < rows->len; i++) {
    Row *row = g_ptr_array_index (rows, i);
    gdouble f = bench_median (row->f2f), r = bench_median (row->raw);
    gdouble ratio = f > 0 && r > 0 ? f / r : -1;
    gboolean ok = flowed (row->f2f_frames, row->expected)
        && flowed (row->raw_frames, row->expected) && row->failed == 0;
    g_autofree gchar *ff = g_strdup_printf ("%d/%d", row->f2f_frames,
        row->expected);
    g_autofree gchar *rf = g_strdup_printf ("%d/%d", row->raw_frames,
        row->expected);

    g_print ("%-3d %-10s %10.3f %10.3f %6.2fx %10.3f %12s %12s %5s\n",
        row->n, row->composite ? "composite" : "per-peer", f, r, ratio,
        bench_median (row->server), ff, rf, ok ? "yes" : "NO");
    worst = MAX (worst, ratio);
    all_flowed &= ok;
  }
  g_print ("\nworst ratio %.2fx (target <= 1.10x): %s%s\n", worst,
      worst <= 1.10 ? "met" : "MISSED", all_flowed ? "" :
      "; media did not flow in every run (see the frames columns)");
  g_print ("cores: median CPU over the window, 1.0 = one core busy; f2f = "
      "%s, server apart; frames: fewest video frames any stream decoded in "
      "the window, worst run / fps * window\n", opts.one_process ?
      "the one process of the N peers" : "sum of the N peer processes");
}

/* ---------------------------------------------------------------------- */

static GArray *
parse_peers (const gchar * list)
{
  g_auto (GStrv) words = g_strsplit (list, ",", -1);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint));
  guint i;

  for (i = 0; words[i]; i++) {
    gchar *end = NULL;
    gint64 n = g_ascii_strtoll (words[i], &end, 10);
    gint v = (gint) n;

    if (end == words[i] || *end != '\0' || n < 2 || n > 16) {
      g_array_unref (out);
      return NULL;
    }
    g_array_append_val (out, v);
  }
  return out;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"tool", 0, 0, G_OPTION_ARG_FILENAME, &opts.tool,
        "f2f-peer-tool to run the peers with", "PATH"},
    {"server", 0, 0, G_OPTION_ARG_FILENAME, &opts.server,
        "f2f-signaling-server", "PATH"},
    {"raw", 0, 0, G_OPTION_ARG_FILENAME, &opts.raw, "raw-mesh", "PATH"},
    {"peers-list", 'p', 0, G_OPTION_ARG_STRING, &opts.peers_list,
        "Room sizes to measure (default 2,4,6)", "N,N,..."},
    {"shapes", 0, 0, G_OPTION_ARG_STRING, &opts.shapes,
        "per-peer, composite or both (default both)", "SHAPE"},
    {"runs", 'r', 0, G_OPTION_ARG_INT, &opts.runs,
        "Runs of each side per case (default 3)", "R"},
    {"seconds", 's', 0, G_OPTION_ARG_INT, &opts.seconds,
        "Measurement window (default 20)", "S"},
    {"warmup", 'w', 0, G_OPTION_ARG_INT, &opts.warmup,
        "Seconds between full media and the window (default 5)", "W"},
    {"timeout", 't', 0, G_OPTION_ARG_INT, &opts.timeout,
          "Seconds to wait for every peer to decode every other (default 60)",
        "S"},
    {"pattern", 0, 0, G_OPTION_ARG_STRING, &opts.pattern,
          "videotestsrc pattern of every peer, both sides (default ball)",
        "NAME"},
    {"f2f-process", 0, 0, G_OPTION_ARG_STRING, &opts.f2f_process,
        "one: the N f2f peers in one f2f-peer-tool process, like raw-mesh "
          "(default); each: a process per peer", "one|each"},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opts.verbose,
        "Let the children's stderr through", NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- CPU of f2f "
      "rooms against a plain webrtcbin mesh");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) sizes = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  gboolean shape_on[2];
  guint i, shape;
  gint r;

  gst_init (NULL, NULL);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("mesh-cpu: %s\n", error->message);
    return 2;
  }
  if (!opts.tool || !opts.server || !opts.raw) {
    g_printerr ("mesh-cpu: --tool, --server and --raw are needed\n");
    return 2;
  }
  sizes = parse_peers (opts.peers_list ? opts.peers_list : "2,4,6");
  if (sizes == NULL || sizes->len == 0) {
    g_printerr ("mesh-cpu: --peers-list wants sizes 2..16, comma-separated\n");
    return 2;
  }
  if (opts.shapes == NULL || strcmp (opts.shapes, "both") == 0) {
    shape_on[0] = shape_on[1] = TRUE;
  } else if (strcmp (opts.shapes, "per-peer") == 0
      || strcmp (opts.shapes, "composite") == 0) {
    shape_on[0] = strcmp (opts.shapes, "per-peer") == 0;
    shape_on[1] = !shape_on[0];
  } else {
    g_printerr ("mesh-cpu: --shapes wants per-peer, composite or both\n");
    return 2;
  }
  if (opts.runs < 1 || opts.seconds < 1 || opts.warmup < 0
      || opts.timeout < 1) {
    g_printerr ("mesh-cpu: --runs, --seconds and --timeout must be "
        "positive\n");
    return 2;
  }
  if (opts.f2f_process == NULL || strcmp (opts.f2f_process, "one") == 0) {
    opts.one_process = TRUE;
  } else if (strcmp (opts.f2f_process, "each") == 0) {
    opts.one_process = FALSE;
  } else {
    g_printerr ("mesh-cpu: --f2f-process wants one or each\n");
    return 2;
  }
  if (opts.pattern == NULL)
    opts.pattern = g_strdup ("ball");
  /* A write to a peer that died must not kill us. */
  signal (SIGPIPE, SIG_IGN);
  prctl (PR_SET_PDEATHSIG, SIGKILL);

  bench_print_load ();
  g_print ("%ld cores; %dx%d@%d, window %d s after %d s warm-up, %d runs per "
      "side, f2f-process %s\n", sysconf (_SC_NPROCESSORS_ONLN), 320, 240, FPS,
      opts.seconds, opts.warmup, opts.runs, opts.one_process ? "one" : "each");
  server_uri = bench_start_server ("mesh-cpu", opts.server, &server_proc);

  for (i = 0; i < sizes->len; i++) {
    gint n = g_array_index (sizes, gint, i);

    for (shape = 0; shape < 2; shape++) {
      Row *row;

      if (!shape_on[shape])
        continue;
      row = g_new0 (Row, 1);
      row->n = n;
      row->composite = shape == 1;
      row->f2f = g_array_new (FALSE, FALSE, sizeof (gdouble));
      row->raw = g_array_new (FALSE, FALSE, sizeof (gdouble));
      row->server = g_array_new (FALSE, FALSE, sizeof (gdouble));
      row->f2f_frames = row->raw_frames = -1;
      row->expected = FPS * opts.seconds;
      g_ptr_array_add (rows, row);

      for (r = 0; r < opts.runs; r++) {
        g_autofree gchar *room = g_strdup_printf ("cpu-%d-%s-%d", n,
            row->composite ? "composite" : "per-peer", r);
        /* Alternate which side goes first, so drift in the machine's load
         * hits both. */
        gboolean f2f_first = (r + i + shape) % 2 == 0;
        Sample f, w;

        if (f2f_first) {
          f = run_f2f (n, row->composite, room);
          w = run_raw (n, row->composite);
        } else {
          w = run_raw (n, row->composite);
          f = run_f2f (n, row->composite, room);
        }
        add_sample (row, &f, TRUE);
        add_sample (row, &w, FALSE);
        g_print ("run N=%d shape=%s %d/%d: f2f %.3f cores (server %.3f, "
            "frames_min %d/%d), raw %.3f cores (frames_min %d/%d)%s\n", n,
            row->composite ? "composite" : "per-peer", r + 1, opts.runs,
            f.cores, f.server, f.frames_min, f.frames_expected, w.cores,
            w.frames_min, w.frames_expected, f2f_first ? "" : " [raw first]");
      }
    }
  }

  g_subprocess_force_exit (server_proc);
  g_subprocess_wait (server_proc, NULL, NULL);
  g_object_unref (server_proc);
  bench_print_load ();
  print_table (rows);
  for (i = 0; i < rows->len; i++) {
    Row *row = g_ptr_array_index (rows, i);
    g_array_unref (row->f2f);
    g_array_unref (row->raw);
    g_array_unref (row->server);
    g_free (row);
  }
  return 0;
}
