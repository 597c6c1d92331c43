/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dtls-handshake: how long two f2f links take to connect when DTLS
 * handshake datagrams are lost: f2f's way (an ECDSA P-256 certificate,
 * each handshake datagram sent twice) against the same certificate with
 * each datagram sent once (f2f before 2026-12-07) and against webrtcbin's
 * own way (an RSA-2048 certificate, sent once: the baseline), in the same
 * run, alternating.
 *
 * Two F2fPeerLinks (f2fpeerlink.c, what f2fsignal makes per peer) in this
 * process, one offering to the other, their signals handed straight over,
 * ICE on 127.0.0.1 only (tests/check/elements/f2flinkpair.c). A probe on each link's nicesink drops each DTLS
 * handshake datagram (record type 20, 21 or 22: handshake, change cipher
 * spec, alert) with probability --loss, both ways; nothing else is
 * dropped, so the figure is the handshake's alone (a copy f2f sends is
 * dropped or not on its own, as a network's random loss would). Per row
 * it prints
 * the time from the offer to both links connected (p50, p95, max), the
 * share of handshakes slower than 500 ms (a lost flight costs OpenSSL's
 * first retransmission timer, 1 s), and the handshake datagrams and bytes
 * each side sent (mean, and the largest datagram), and the ratios to the
 * rows sent once.
 *
 *   dtls-handshake [--runs N] [--loss PERCENT] [--seed S]
 *
 * (tests/bench/dtls-handshake.sh builds it and runs it in a private
 * network namespace; docs/performance.md has the figures.)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>

#include "../../plugins/f2f/f2fpeerlink.h"
#include "../../plugins/f2f/f2fdtlscert.h"
#include "../check/elements/f2flinkpair.h"
#include "benchutil.h"

GST_DEBUG_CATEGORY (gst_f2f_signal_debug);

static gint opt_runs = 100;
static gdouble opt_loss = 5.0;
static guint opt_seed = 0;

/* What one handshake's nicesinks saw, both sides (lock). */
typedef struct
{
  GMutex lock;
  GRand *rand;
  guint datagrams[2], bytes[2], largest[2];
  guint dropped;
} Counts;

static Counts *the_counts;      /* set while a pair's pipelines play */

/* The datagram's first DTLS record type, or 0 when it is not DTLS. */
static guint8
record_type (GstBuffer * buf, gsize * size)
{
  guint8 first = 0;

  *size = gst_buffer_get_size (buf);
  if (gst_buffer_extract (buf, 0, &first, 1) != 1)
    return 0;
  return first >= 20 && first <= 63 ? first : 0;
}

static gboolean
handshake_datagram (Counts * p, gint side, GstBuffer * buf)
{
  gsize size;
  guint8 type = record_type (buf, &size);
  gboolean drop;

  if (type < 20 || type > 22)
    return FALSE;
  g_mutex_lock (&p->lock);
  p->datagrams[side]++;
  p->bytes[side] += size;
  p->largest[side] = MAX (p->largest[side], (guint) size);
  drop = g_rand_double (p->rand) * 100.0 < opt_loss;
  p->dropped += drop;
  g_mutex_unlock (&p->lock);
  return drop;
}

static gboolean
drop_from_list (GstBuffer ** buf, guint idx, gpointer user_data)
{
  gpointer *args = user_data;

  if (handshake_datagram (args[0], GPOINTER_TO_INT (args[1]), *buf))
    gst_clear_buffer (buf);     /* removes it from the list */
  return TRUE;
}

static GstPadProbeReturn
outgoing (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Counts *p = the_counts;
  gint side = GPOINTER_TO_INT (user_data);

  if (p == NULL)
    return GST_PAD_PROBE_OK;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    if (handshake_datagram (p, side, GST_PAD_PROBE_INFO_BUFFER (info)))
      return GST_PAD_PROBE_DROP;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_buffer_list_make_writable
        (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
    gpointer args[2] = { p, GINT_TO_POINTER (side) };

    gst_buffer_list_foreach (list, drop_from_list, args);
    GST_PAD_PROBE_INFO_DATA (info) = list;
  }
  return GST_PAD_PROBE_OK;
}

/* f2flinkpair's hook: watch the nicesinks of side @side's pipeline. */
static void
watch_pipeline (GstElement * pipeline, gint side, gpointer data)
{
  f2f_link_pair_watch_nicesinks (pipeline, side, outgoing);
}

typedef struct
{
  const gchar *name;
  F2fDtlsKey key;
  gboolean once;                /* each handshake datagram sent once */
  GArray *ms;                   /* gdouble: offer -> both connected */
  guint failed, datagrams, bytes, largest, dropped, runs;
} Row;

/* One handshake; FALSE if it did not connect in 30 s. */
static gboolean
run_once (Row * row, GRand * rand)
{
  Counts c = { 0 };
  F2fLinkPair *pair;
  g_autofree gchar *why = NULL;
  gint64 start;
  gboolean ok;
  gint i;

  g_mutex_init (&c.lock);
  c.rand = rand;
  the_counts = &c;
  start = g_get_monotonic_time ();
  pair = f2f_link_pair_new_full (f2f_dtls_certificate_pem (row->key),
      row->once, watch_pipeline, NULL);
  ok = f2f_link_pair_wait (pair, 30000, &why);
  if (ok) {
    gdouble ms = (g_get_monotonic_time () - start) / 1000.0;
    g_array_append_val (row->ms, ms);
    g_mutex_lock (&c.lock);
    for (i = 0; i < 2; i++) {
      row->datagrams += c.datagrams[i];
      row->bytes += c.bytes[i];
      row->largest = MAX (row->largest, c.largest[i]);
    }
    row->dropped += c.dropped;
    g_mutex_unlock (&c.lock);
    row->runs++;
  } else {
    row->failed++;
    g_printerr ("dtls-handshake: %s: not connected in 30 s (%s)\n", row->name,
        why);
  }
  /* its pipelines are stopped when it returns: no probe runs after */
  f2f_link_pair_free (pair);
  the_counts = NULL;
  g_mutex_clear (&c.lock);
  return ok;
}

static guint
slower_than (GArray * a, gdouble ms)
{
  guint i, n = 0;

  for (i = 0; i < a->len; i++)
    n += g_array_index (a, gdouble, i) > ms;
  return n;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"runs", 0, 0, G_OPTION_ARG_INT, &opt_runs, "handshakes per row", "N"},
    {"loss", 0, 0, G_OPTION_ARG_DOUBLE, &opt_loss,
        "% of DTLS handshake datagrams dropped, each way", "PERCENT"},
    {"seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "of the drops (0: random)",
        "S"},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("");
  g_autoptr (GError) error = NULL;
  Row rows[] = {
    {"ECDSA, twice (f2f)", F2F_DTLS_KEY_ECDSA_P256, FALSE},
    {"ECDSA, once", F2F_DTLS_KEY_ECDSA_P256, TRUE},
    {"RSA 2048, once (webrtcbin)", F2F_DTLS_KEY_RSA_2048, TRUE},
  };
  const guint n_rows = G_N_ELEMENTS (rows);
  g_autofree gchar *load = NULL;
  GRand *rand;
  gint i, r;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("dtls-handshake: %s\n", error->message);
    return 2;
  }
  GST_DEBUG_CATEGORY_INIT (gst_f2f_signal_debug, "f2fsignal", 0, "f2f link");
  if (opt_seed == 0)
    opt_seed = g_random_int ();
  rand = g_rand_new_with_seed (opt_seed);
  for (r = 0; r < n_rows; r++)
    rows[r].ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  /* both keys made before the first timed handshake */
  f2f_dtls_certificate_pem (F2F_DTLS_KEY_ECDSA_P256);
  gst_object_unref (gst_element_factory_make ("dtlsdec", NULL));
  g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);
  printf ("dtls-handshake: %d handshakes per row, %.1f %% of handshake "
      "datagrams dropped each way, seed %u, load %s", opt_runs, opt_loss,
      opt_seed, load ? load : "?\n");
  fflush (stdout);
  /* alternating, so every row sees the same machine */
  for (i = 0; i < opt_runs; i++)
    for (r = 0; r < n_rows; r++)
      run_once (&rows[(i + r) % n_rows], rand);

  printf ("%-26s %5s %6s %8s %8s %8s %14s %11s %9s %8s %8s\n", "key", "runs",
      "failed", "p50 ms", "p95 ms", "max ms", ">500 ms", "datagrams",
      "bytes", "largest", "dropped");
  for (r = 0; r < n_rows; r++) {
    Row *row = &rows[r];
    guint n = MAX (row->runs, 1);

    printf ("%-26s %5u %6u %8.1f %8.1f %8.1f %6u (%4.1f %%) %11.1f %9.0f %8u "
        "%8.2f\n", row->name, row->runs, row->failed,
        bench_percentile (row->ms, 50), bench_percentile (row->ms, 95),
        bench_percentile (row->ms, 100), slower_than (row->ms, 500),
        100.0 * slower_than (row->ms, 500) / n,
        (gdouble) row->datagrams / n, (gdouble) row->bytes / n, row->largest,
        (gdouble) row->dropped / n);
  }
  printf ("(datagrams, bytes: DTLS handshake datagrams both sides sent per "
      "handshake, retransmissions included; dropped: per handshake)\n");
  for (r = 1; r < n_rows; r++)
    printf ("ratio %s / %s: p50 %.2f, p95 %.2f, share over 500 ms %.2f\n",
        rows[0].name, rows[r].name, bench_percentile (rows[0].ms, 50) /
        bench_percentile (rows[r].ms, 50), bench_percentile (rows[0].ms, 95) /
        bench_percentile (rows[r].ms, 95), slower_than (rows[r].ms, 500) ?
        (gdouble) slower_than (rows[0].ms, 500) / slower_than (rows[r].ms,
            500) : -1.0);
  printf ("ratio %s / %s: p50 %.2f, p95 %.2f\n", rows[1].name, rows[2].name,
      bench_percentile (rows[1].ms, 50) / bench_percentile (rows[2].ms, 50),
      bench_percentile (rows[1].ms, 95) / bench_percentile (rows[2].ms, 95));
  for (r = 0; r < n_rows; r++)
    g_array_unref (rows[r].ms);
  g_rand_free (rand);
  for (r = 0; r < n_rows; r++)
    if (rows[r].failed)
      return 1;
  return 0;
}
