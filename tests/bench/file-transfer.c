/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * file-transfer: f2ffileshare's throughput between peers on loopback,
 * against plain webrtcbin data channels moving the same file the same way
 * (datachannel-baseline), measured in the same run, alternating.
 *
 * It makes a --size byte file of random data in a fresh directory under
 * --dir, starts an f2f-signaling-server on a free port, and then, for
 * every figure, --runs times:
 *
 * - f2f: a sharer process (f2f-peer-tool running `f2fsignal ...
 *   f2ffileshare files=<"SRC"> window=W`) joins a fresh room and reads the
 *   file through SHA-256; when it reports f2f-file-shared, a receiver
 *   process (`... f2ffileshare download-dir=OUT window=W`) joins. The
 *   figure is the receiver's own f2f-file-received "seconds": from the
 *   moment it starts the download (the offer has arrived; before the
 *   partial file is created and the request is sent) to the verified file
 *   renamed into place, which includes creating the partial and metadata
 *   files, the request's trip, opening the file-data channel, every
 *   chunk's pwrite and SHA-256, fsync, close and rename. Connecting, the
 *   DTLS certificate and the sharer's hashing come before and are not in
 *   it.
 * - raw: datachannel-baseline, one process: the same chunks (16-byte
 *   header + 65520 bytes), the same backpressure (buffered-amount under
 *   the window, on-buffered-amount-low at window / 2), the same receiving
 *   (pwrite, SHA-256, fsync, close, rename), timed from the receiver's
 *   request to the renamed file. Connecting comes before.
 *
 * Both rates are bytes / seconds, MB = 10^6 bytes. The received file is
 * hashed again here (untimed) and must match the source.
 *
 * Figures: the comparison at the default window (2 MiB), a window sweep
 * (--windows, MiB), the raw baseline with several channels and several
 * connections, and three f2f peers where the third fetches while two
 * peers hold the file. CPU is the user + system time of the processes
 * doing the transfer (f2f: sharer + receiver, between the receiver's
 * download start and f2f-file-received lines; raw: the process over its
 * timed interval), in CPU-seconds per second of transfer.
 *
 * Every child gets PR_SET_PDEATHSIG and is reaped by the end of its run.
 * Run it in a private network namespace with lo up (file-transfer.sh
 * does), since the peers use local-addresses=127.0.0.1.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gst/gst.h>

#include "benchutil.h"

typedef struct
{
  gchar *tool, *server, *baseline, *dir;
  gint64 size;
  gint runs;
  gchar *windows;
  gboolean no_sweep, no_multi, no_three;
  gint timeout_s;
} Options;

static Options opts = {
  .size = 256 * 1024 * 1024,
  .runs = 3,
  .timeout_s = 300,
};

static gchar *work_dir, *src_path, *src_sha256, *server_uri;
static GSubprocess *server_proc;
static guint room_counter;

#define DEFAULT_WINDOW (2 * 1024 * 1024)

/* ---------------------------------------------------------------------- */
/* Children */

typedef struct
{
  BenchChild base;              /* first: the process and its pipes */
  gchar *name;
  GPtrArray *lines;             /* every line, in order */
} Child;

static void
on_line (gpointer child, const gchar * line, gint64 now)
{
  Child *c = child;

  g_ptr_array_add (c->lines, g_strdup (line));
}

static Child *
child_spawn (const gchar * name, GPtrArray * argv)
{
  g_autoptr (GSubprocessLauncher) launcher = bench_child_launcher (FALSE);
  Child *c = g_new0 (Child, 1);

  g_ptr_array_add (argv, NULL);
  c->name = g_strdup (name);
  c->lines = g_ptr_array_new_with_free_func (g_free);
  bench_child_spawn (&c->base, launcher, argv, "file-transfer", name, on_line);
  return c;
}

/* Asks a child to quit, kills it if it does not within 5 s, reaps it, and
 * frees it. */
static void
child_finish (Child * c)
{
  bench_child_quit (&c->base, 5000);
  bench_child_finish (&c->base, "file-transfer", c->name);
  g_ptr_array_unref (c->lines);
  g_free (c->name);
  g_free (c);
}

/* ---------------------------------------------------------------------- */
/* Waiting for lines */

typedef struct
{
  Child *c;
  const gchar *prefix;          /* a line starting with this */
  const gchar *contains;        /* … and containing this (may be NULL) */
  guint from;                   /* look at lines from this index on */
  const gchar *found;
  gint64 found_us;
} LineWait;

static gboolean
line_seen (gpointer data)
{
  LineWait *w = data;

  for (; w->from < w->c->lines->len; w->from++) {
    const gchar *line = g_ptr_array_index (w->c->lines, w->from);
    if (g_str_has_prefix (line, w->prefix)
        && (w->contains == NULL || strstr (line, w->contains))) {
      w->found = line;
      w->found_us = g_get_monotonic_time ();
      return TRUE;
    }
  }
  return bench_child_gone (w->c);
}

/* The first line of @c starting with @prefix (and containing @contains),
 * or NULL when the child ended or @timeout_ms passed. */
static const gchar *
wait_line (Child * c, const gchar * prefix, const gchar * contains,
    gint timeout_ms)
{
  LineWait w = { c, prefix, contains, 0, NULL, 0 };

  bench_wait_for (line_seen, &w, timeout_ms);
  return w.found;
}

/* Any of several lines: the first that matches one of @prefixes. */
typedef struct
{
  Child *c;
  const gchar *const *prefixes;
  guint from;
  const gchar *found;
} AnyWait;

static gboolean
any_seen (gpointer data)
{
  AnyWait *w = data;

  for (; w->from < w->c->lines->len; w->from++) {
    const gchar *line = g_ptr_array_index (w->c->lines, w->from);
    for (guint i = 0; w->prefixes[i]; i++)
      if (g_str_has_prefix (line, w->prefixes[i])) {
        w->found = line;
        return TRUE;
      }
  }
  return bench_child_gone (w->c);
}

static const gchar *
wait_any (Child * c, const gchar * const *prefixes, gint timeout_ms)
{
  AnyWait w = { c, prefixes, 0, NULL };

  bench_wait_for (any_seen, &w, timeout_ms);
  return w.found;
}

static GstStructure *
msg_structure (const gchar * line)
{
  const gchar *s = strchr (line, ' ');

  return s ? gst_structure_from_string (s + 1, NULL) : NULL;
}

/* ---------------------------------------------------------------------- */
/* Files */

static gchar *
sha256_of (const gchar * path)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (1 << 20);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return NULL;
  while ((n = read (fd, buf, 1 << 20)) > 0)
    g_checksum_update (sum, buf, n);
  close (fd);
  return n < 0 ? NULL : g_strdup (g_checksum_get_string (sum));
}

static void
make_source (void)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (1 << 20);
  int in = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
  int out;
  gint64 left = opts.size;

  src_path = g_build_filename (work_dir, "source.bin", NULL);
  out = open (src_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (in < 0 || out < 0) {
    g_printerr ("file-transfer: cannot make %s: %s\n", src_path,
        g_strerror (errno));
    exit (1);
  }
  while (left > 0) {
    ssize_t n = read (in, buf, MIN (left, 1 << 20));
    if (n <= 0 || write (out, buf, n) != n) {
      g_printerr ("file-transfer: cannot make %s\n", src_path);
      exit (1);
    }
    g_checksum_update (sum, buf, n);
    left -= n;
  }
  /* On disk before timing starts, so no run pays for writing it back. */
  fsync (out);
  close (out);
  close (in);
  src_sha256 = g_strdup (g_checksum_get_string (sum));
}

static void
remove_tree (const gchar * dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d))) {
    g_autofree gchar *path = g_build_filename (dir, name, NULL);
    g_unlink (path);
  }
  g_rmdir (dir);
}

/* ---------------------------------------------------------------------- */
/* One transfer */

typedef struct
{
  gboolean ok;
  gdouble seconds;
  gdouble mb_per_s;
  gdouble cpu;                  /* CPU-seconds per second, -1 unknown */
  gchar *source;                /* f2f: the peer it came from */
  gchar *why;
} Result;

static void
result_clear (Result * r)
{
  g_free (r->source);
  g_free (r->why);
  memset (r, 0, sizeof *r);
}

static Child *
spawn_peer (const gchar * room, const gchar * name, const gchar * share,
    const gchar * download_dir, guint window)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (opts.tool));
  bench_add_f2fsignal (argv, "s", server_uri, room, name);
  g_ptr_array_add (argv, g_strdup ("f2ffileshare"));
  g_ptr_array_add (argv, g_strdup ("name=f"));
  g_ptr_array_add (argv, g_strdup_printf ("window=%u", window));
  if (share)
    g_ptr_array_add (argv, g_strdup_printf ("files=<\"%s\">", share));
  if (download_dir)
    g_ptr_array_add (argv, g_strdup_printf ("download-dir=%s", download_dir));
  return child_spawn (name, argv);
}

static gchar *
joined_peer_id (Child * c)
{
  const gchar *line = wait_line (c, "msg f2f-joined", NULL,
      opts.timeout_s * 1000);
  g_autoptr (GstStructure) s = line ? msg_structure (line) : NULL;

  return s ? g_strdup (gst_structure_get_string (s, "peer-id")) : NULL;
}

/* Waits for @c to receive the file into @out_dir; fills @r. @others are
 * the other processes taking part, for the CPU figure. */
static void
receive (Child * c, const gchar * out_dir, Child ** others, guint n_others,
    Result * r)
{
  static const gchar *const ends[] = { "msg f2f-file-received",
    "msg f2f-file-failed", "error ", NULL
  };
  const gchar *line;
  gdouble cpu0 = 0, cpu1 = 0;
  gint64 t0, t1;
  g_autoptr (GstStructure) s = NULL;
  g_autofree gchar *digest = NULL;
  const gchar *path, *sha;
  guint64 size = 0;

  line = wait_line (c, "progress ", "type=(GstProgressType)start",
      opts.timeout_s * 1000);
  t0 = g_get_monotonic_time ();
  if (line) {
    cpu0 = bench_process_cpu (c->base.proc);
    for (guint i = 0; i < n_others; i++)
      cpu0 += bench_process_cpu (others[i]->base.proc);
  }
  line = line ? wait_any (c, ends, opts.timeout_s * 1000) : NULL;
  t1 = g_get_monotonic_time ();
  if (line == NULL || !g_str_has_prefix (line, "msg f2f-file-received")) {
    r->why = g_strdup_printf ("%s: %s", c->name, line ? line :
        "no result in time");
    return;
  }
  cpu1 = bench_process_cpu (c->base.proc);
  for (guint i = 0; i < n_others; i++)
    cpu1 += bench_process_cpu (others[i]->base.proc);
  s = msg_structure (line);
  if (s == NULL || !gst_structure_get_double (s, "seconds", &r->seconds)
      || !gst_structure_get_uint64 (s, "size", &size)
      || (path = gst_structure_get_string (s, "path")) == NULL
      || (sha = gst_structure_get_string (s, "sha256")) == NULL) {
    r->why = g_strdup_printf ("%s: cannot read '%s'", c->name, line);
    return;
  }
  r->source = g_strdup (gst_structure_get_string (s, "source"));
  digest = sha256_of (path);
  if (size != (guint64) opts.size || strcmp (sha, src_sha256) != 0
      || g_strcmp0 (digest, src_sha256) != 0) {
    r->why = g_strdup_printf ("%s: the received file differs (size %"
        G_GUINT64_FORMAT ", announced %s, on disk %s)", c->name, size, sha,
        digest ? digest : "unreadable");
    return;
  }
  r->mb_per_s = opts.size / r->seconds / 1e6;
  r->cpu = cpu0 >= 0 && cpu1 >= 0 && t1 > t0 ?
      (cpu1 - cpu0) / ((t1 - t0) / 1e6) : -1;
  r->ok = TRUE;
}

/* f2f: a sharer and a receiver (and, with @third, a second receiver
 * started once the first holds the file: its result goes to @r3). */
static void
run_f2f (guint window, Result * r, Result * r3, gchar ** sharer_id)
{
  g_autofree gchar *room = g_strdup_printf ("ft-%u-%d", ++room_counter,
      (int) getpid ());
  g_autofree gchar *out_b = g_build_filename (work_dir, "out-b", NULL);
  g_autofree gchar *out_c = g_build_filename (work_dir, "out-c", NULL);
  Child *a, *b, *c = NULL;
  const gchar *line;
  g_autoptr (GstStructure) shared = NULL;

  a = spawn_peer (room, "A", src_path, NULL, window);
  line = wait_line (a, "msg f2f-file-shared", NULL, opts.timeout_s * 1000);
  shared = line ? msg_structure (line) : NULL;
  if (shared == NULL || g_strcmp0 (gst_structure_get_string (shared,
              "sha256"), src_sha256) != 0) {
    r->why = g_strdup_printf ("the sharer did not share the file (%s)",
        line ? line : "no f2f-file-shared");
    child_finish (a);
    return;
  }
  if (sharer_id)
    *sharer_id = joined_peer_id (a);

  b = spawn_peer (room, "B", NULL, out_b, window);
  receive (b, out_b, &a, 1, r);
  if (r3 && r->ok) {
    Child *both[] = { a, b };
    c = spawn_peer (room, "C", NULL, out_c, window);
    receive (c, out_c, both, 2, r3);
  }
  if (c)
    child_finish (c);
  child_finish (b);
  child_finish (a);
  remove_tree (out_b);
  remove_tree (out_c);
}

static gdouble
field_double (const gchar * line, const gchar * key)
{
  g_autofree gchar *needle = g_strdup_printf (" %s=", key);
  const gchar *p = strstr (line, needle);

  return p ? g_ascii_strtod (p + strlen (needle), NULL) : -1;
}

static void
run_raw (guint window, const gchar * extra, Result * r)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *out = g_build_filename (work_dir, "out-raw", NULL);
  static const gchar *const ends[] = { "result ", "failed ", NULL };
  const gchar *line;
  Child *c;

  g_mkdir_with_parents (out, 0755);
  g_ptr_array_add (argv, g_strdup (opts.baseline));
  g_ptr_array_add (argv, g_strdup_printf ("--file=%s", src_path));
  g_ptr_array_add (argv, g_strdup_printf ("--out=%s", out));
  g_ptr_array_add (argv, g_strdup_printf ("--window=%u", window));
  g_ptr_array_add (argv, g_strdup_printf ("--timeout=%d", opts.timeout_s));
  g_ptr_array_add (argv, g_strdup ("--keep"));
  if (extra) {
    g_auto (GStrv) words = g_strsplit (extra, " ", -1);
    for (guint i = 0; words[i]; i++)
      if (*words[i])
        g_ptr_array_add (argv, g_strdup (words[i]));
  }
  c = child_spawn ("raw", argv);
  line = wait_any (c, ends, (opts.timeout_s + 60) * 1000);
  if (line && g_str_has_prefix (line, "result ")
      && strstr (line, " verified=yes")
      && strstr (line, src_sha256)) {
    g_autofree gchar *received = NULL;
    g_autoptr (GDir) d = g_dir_open (out, 0, NULL);
    const gchar *name;

    /* The kept file, hashed again here like f2f's. */
    while (d && (name = g_dir_read_name (d)))
      if (g_str_has_suffix (name, "-received.bin"))
        received = g_build_filename (out, name, NULL);
    if (received) {
      g_autofree gchar *digest = sha256_of (received);
      if (g_strcmp0 (digest, src_sha256) == 0) {
        gdouble cpu = field_double (line, "cpu_seconds");
        r->seconds = field_double (line, "seconds");
        r->mb_per_s = opts.size / r->seconds / 1e6;
        r->cpu = cpu >= 0 ? cpu / r->seconds : -1;
        r->ok = TRUE;
      }
    }
  }
  if (!r->ok)
    r->why = g_strdup_printf ("raw: %s", line ? line : "no result in time");
  child_finish (c);
  remove_tree (out);
}

/* ---------------------------------------------------------------------- */
/* Figures */

/* Median of the values >= 0, or -1. */
static gdouble
median (GArray * values)
{
  g_autoptr (GArray) v = g_array_new (FALSE, FALSE, sizeof (gdouble));

  for (guint i = 0; i < values->len; i++)
    if (g_array_index (values, gdouble, i) >= 0)
      g_array_append_val (v, g_array_index (values, gdouble, i));
  if (v->len == 0)
    return -1;
  g_array_sort (v, bench_cmp_double);
  return v->len % 2 ? g_array_index (v, gdouble, v->len / 2) :
      (g_array_index (v, gdouble, v->len / 2 - 1) +
      g_array_index (v, gdouble, v->len / 2)) / 2;
}

static gdouble
value_or_missing (Result * r)
{
  if (!r->ok)
    g_printerr ("file-transfer: failed: %s\n", r->why);
  return r->ok ? r->mb_per_s : -1;
}

static void
print_rate (gdouble v)
{
  if (v < 0)
    g_print (" %9s |", "failed");
  else
    g_print (" %9.1f |", v);
}

static void
print_cpu (gdouble v)
{
  if (v < 0)
    g_print (" %6s |", "?");
  else
    g_print (" %6.2f |", v);
}

/* R runs at @window, f2f and raw alternating (odd runs f2f first). Fills
 * @f2f and @raw with MB/s (-1: failed) and prints a table when @table. */
static void
compare (guint window, GArray * f2f, GArray * raw, gboolean table)
{
  g_autoptr (GArray) ratios = g_array_new (FALSE, FALSE, sizeof (gdouble));

  if (table) {
    g_print ("\n| run | f2f MB/s | raw MB/s | ratio | f2f CPU | raw CPU |"
        "\n|---|---:|---:|---:|---:|---:|\n");
  }
  for (gint run = 1; run <= opts.runs; run++) {
    Result rf = { 0 }, rr = { 0 };
    gdouble vf, vr, ratio;

    if (run % 2) {
      run_f2f (window, &rf, NULL, NULL);
      run_raw (window, NULL, &rr);
    } else {
      run_raw (window, NULL, &rr);
      run_f2f (window, &rf, NULL, NULL);
    }
    vf = value_or_missing (&rf);
    vr = value_or_missing (&rr);
    ratio = vf >= 0 && vr > 0 ? vf / vr : -1;
    g_array_append_val (f2f, vf);
    g_array_append_val (raw, vr);
    g_array_append_val (ratios, ratio);
    if (table) {
      g_print ("| %d%s |", run, run % 2 ? " (f2f first)" : " (raw first)");
      print_rate (vf);
      print_rate (vr);
      if (ratio < 0)
        g_print (" %5s |", "-");
      else
        g_print (" %4.0f %% |", ratio * 100);
      print_cpu (rf.ok ? rf.cpu : -1);
      print_cpu (rr.ok ? rr.cpu : -1);
      g_print ("\n");
    }
    result_clear (&rf);
    result_clear (&rr);
  }
  if (table)
    g_print ("\nmedian ratio: %.0f %% (median f2f %.1f MB/s, median raw "
        "%.1f MB/s; ratio of medians %.0f %%)\n", median (ratios) * 100,
        median (f2f), median (raw), median (f2f) / median (raw) * 100);
}

static void
print_runs (GArray * a)
{
  for (guint i = 0; i < a->len; i++) {
    gdouble v = g_array_index (a, gdouble, i);
    if (v < 0)
      g_print ("%sfailed", i ? " / " : "");
    else
      g_print ("%s%.1f", i ? " / " : "", v);
  }
}

static void
sweep (void)
{
  g_auto (GStrv) ws = g_strsplit (opts.windows ? opts.windows : "1,2,4,8",
      ",", -1);

  g_print ("\n### window sweep (%d runs each, MB/s, run 1 / 2 / ...)\n\n"
      "| window | f2f | raw | f2f median | raw median | ratio of medians |\n"
      "|---|---|---|---:|---:|---:|\n", opts.runs);
  for (guint i = 0; ws[i]; i++) {
    gdouble mib = g_ascii_strtod (ws[i], NULL);
    guint window = (guint) (mib * 1024 * 1024);
    g_autoptr (GArray) f = g_array_new (FALSE, FALSE, sizeof (gdouble));
    g_autoptr (GArray) r = g_array_new (FALSE, FALSE, sizeof (gdouble));

    if (mib <= 0)
      continue;
    compare (window, f, r, FALSE);
    g_print ("| %s MiB | ", ws[i]);
    print_runs (f);
    g_print (" | ");
    print_runs (r);
    g_print (" | %.1f | %.1f | %.0f %% |\n", median (f), median (r),
        median (f) / median (r) * 100);
  }
}

static void
multi (void)
{
  static const gchar *const variants[] = {
    "--channels=1", "--channels=2", "--channels=4", "--connections=2",
    "--connections=3", "--connections=2 --channels=2", NULL
  };

  g_print ("\n### raw baseline, several channels / connections (window 2 MiB "
      "per channel, %d runs each)\n\n"
      "| variant | MB/s, run 1 / 2 / ... | median | CPU (cores) |\n"
      "|---|---|---:|---:|\n", opts.runs);
  for (guint i = 0; variants[i]; i++) {
    g_autoptr (GArray) v = g_array_new (FALSE, FALSE, sizeof (gdouble));
    g_autoptr (GArray) cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));

    for (gint run = 1; run <= opts.runs; run++) {
      Result r = { 0 };
      gdouble x;
      run_raw (DEFAULT_WINDOW, variants[i], &r);
      x = value_or_missing (&r);
      g_array_append_val (v, x);
      x = r.ok ? r.cpu : -1;
      g_array_append_val (cpu, x);
      result_clear (&r);
    }
    g_print ("| `%s` | ", variants[i]);
    print_runs (v);
    g_print (" | %.1f | %.2f |\n", median (v), median (cpu));
  }
}

static void
three_peers (void)
{
  g_print ("\n### three f2f peers: C fetches while A (sharer) and B (which "
      "fetched it first) hold the file\n\n"
      "| run | B from A, MB/s | C, MB/s | C's source | CPU during C's "
      "download (A+B+C) |\n|---|---:|---:|---|---:|\n");
  for (gint run = 1; run <= opts.runs; run++) {
    Result rb = { 0 }, rc = { 0 };
    g_autofree gchar *sharer = NULL;

    run_f2f (DEFAULT_WINDOW, &rb, &rc, &sharer);
    value_or_missing (&rb);
    if (rb.ok)
      value_or_missing (&rc);
    g_print ("| %d |", run);
    print_rate (rb.ok ? rb.mb_per_s : -1);
    print_rate (rc.ok ? rc.mb_per_s : -1);
    g_print (" %s |", !rc.ok ? "-" : g_strcmp0 (rc.source, sharer) == 0 ?
        "A (the sharer)" : "B (the other holder)");
    print_cpu (rc.ok ? rc.cpu : -1);
    g_print ("\n");
    result_clear (&rb);
    result_clear (&rc);
  }
}

/* ---------------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"tool", 0, 0, G_OPTION_ARG_FILENAME, &opts.tool,
        "f2f-peer-tool", "PATH"},
    {"server", 0, 0, G_OPTION_ARG_FILENAME, &opts.server,
        "f2f-signaling-server", "PATH"},
    {"baseline", 0, 0, G_OPTION_ARG_FILENAME, &opts.baseline,
        "datachannel-baseline", "PATH"},
    {"dir", 0, 0, G_OPTION_ARG_FILENAME, &opts.dir,
        "Where the work directory is made (default: the system's temporary "
          "directory); source and received files live there", "DIR"},
    {"size", 0, 0, G_OPTION_ARG_INT64, &opts.size,
        "File size in bytes (default 268435456)", "BYTES"},
    {"runs", 'r', 0, G_OPTION_ARG_INT, &opts.runs,
        "Runs of each figure (default 3)", "R"},
    {"windows", 0, 0, G_OPTION_ARG_STRING, &opts.windows,
        "Windows of the sweep, MiB (default 1,2,4,8)", "LIST"},
    {"no-sweep", 0, 0, G_OPTION_ARG_NONE, &opts.no_sweep,
        "Skip the window sweep", NULL},
    {"no-multi", 0, 0, G_OPTION_ARG_NONE, &opts.no_multi,
        "Skip the several-channels baselines", NULL},
    {"no-three", 0, 0, G_OPTION_ARG_NONE, &opts.no_three,
        "Skip the three-peer run", NULL},
    {"timeout", 't', 0, G_OPTION_ARG_INT, &opts.timeout_s,
        "Give up on a transfer after this many seconds (default 300)", "S"},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- f2ffileshare "
      "throughput against plain data channels");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) f2f = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr (GArray) raw = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autofree gchar *tmpl = NULL;

  gst_init (&argc, &argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("file-transfer: %s\n", error->message);
    return 2;
  }
  if (!opts.tool || !opts.server || !opts.baseline || opts.runs < 1
      || opts.size < 1) {
    g_printerr ("file-transfer: --tool, --server and --baseline are "
        "needed\n");
    return 2;
  }
  /* A child that died must not take us with it when told to quit. */
  signal (SIGPIPE, SIG_IGN);
  tmpl = g_build_filename (opts.dir ? opts.dir : g_get_tmp_dir (),
      "f2f-file-transfer-XXXXXX", NULL);
  work_dir = g_mkdtemp (tmpl) ? g_strdup (tmpl) : NULL;
  if (work_dir == NULL) {
    g_printerr ("file-transfer: cannot make a work directory\n");
    return 1;
  }
  make_source ();
  server_uri = bench_start_server ("file-transfer", opts.server, &server_proc);
  g_print ("file-transfer: %" G_GINT64_FORMAT " bytes (SHA-256 %s) in %s, "
      "server %s, %d runs, %ld cores\n", opts.size, src_sha256, work_dir,
      server_uri, opts.runs, sysconf (_SC_NPROCESSORS_ONLN));

  g_print ("\n### f2ffileshare vs raw data channel, window 2 MiB\n");
  compare (DEFAULT_WINDOW, f2f, raw, TRUE);
  if (!opts.no_sweep)
    sweep ();
  if (!opts.no_multi)
    multi ();
  if (!opts.no_three)
    three_peers ();

  g_subprocess_force_exit (server_proc);
  g_subprocess_wait (server_proc, NULL, NULL);
  g_unlink (src_path);
  remove_tree (work_dir);
  return 0;
}
