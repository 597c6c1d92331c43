/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the benchmarks share: their children, the signaling server they
 * start, the plumbing of plain webrtcbin baselines, and their figures.
 * Beside it: peerstats.h (the CPU benchmarks' children), rawmedia.h (the
 * raw baselines' media), ticks.h (the latency benchmarks' ticks).
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

G_BEGIN_DECLS

/* GSubprocessLauncher child setup: the child dies with the benchmark. */
void bench_child_setup (gpointer user_data);

/* Starts @path (f2f-signaling-server) on an OS-chosen port of 127.0.0.1
 * with an in-memory store and no per-address limits; sets *proc and returns
 * its ws:// URI. On failure prints "@tool: ..." and exits. */
gchar *bench_start_server (const gchar * tool, const gchar * path,
    GSubprocess ** proc);

/* The "offer" or "answer" of a create-offer/create-answer reply, or NULL.
 * Takes @promise. */
GstWebRTCSessionDescription *bench_take_description (GstPromise * promise,
    const gchar * field);

/* A copy made through SDP text, as a real signaling path carries it;
 * NULL if the text does not parse back. */
GstWebRTCSessionDescription *bench_copy_via_text (GstWebRTCSessionDescription
    * desc);

/* A promise for set-remote-description of an offer on @webrtc: once the
 * offer is set, create-answer on @webrtc, its reply to @on_answer (@data). */
GstPromise *bench_answer_when_set (GstElement * webrtc,
    GstPromiseChangeFunc on_answer, gpointer data);

/* Whether a src pad that webrtcbin added carries audio (its caps' media),
 * else video. */
gboolean bench_pad_is_audio (GstPad * pad);

/* ICE as f2fsignal sets it with local-addresses=127.0.0.1: no ICE-TCP, no
 * UPnP, only the loopback address. */
void bench_configure_ice (GstElement * webrtc);

/* Why something the benchmark runs failed (a BenchPair's negotiation: "no
 * offer", "no answer", "the offer did not survive SDP text", ...), from any
 * thread. */
typedef void (*BenchFailFunc) (gpointer data, const gchar * why);

/* Two webrtcbins of one process negotiating with each other the way a
 * signaling path would carry it: the offer (and, with @answer_via_text,
 * the answer) through SDP text, each end's candidates to the other end.
 * It must outlive the negotiation (candidates keep coming after it). */
typedef struct
{
  GstElement *offerer, *answerer;
  gboolean answer_via_text;
  BenchFailFunc fail;
  gpointer fail_data;
} BenchPair;

/* Sets the fields of @pair; answer_via_text is FALSE. */
void bench_pair_init (BenchPair * pair, GstElement * offerer,
    GstElement * answerer, BenchFailFunc fail, gpointer fail_data);
/* Hands each end's ICE candidates to the other, then create-offer on the
 * offerer; the rest runs on webrtcbin's threads. */
void bench_pair_start (BenchPair * pair);

typedef gboolean (*BenchPredicate) (gpointer data);

/* Runs the default main context until @pred holds or @timeout_ms passed;
 * whether it holds. */
gboolean bench_wait_for (BenchPredicate pred, gpointer data,
    gint timeout_ms);

/* A child process (f2f-peer-tool, a baseline) spawned with stdin and
 * stdout pipes: its lines are read on the default main context and it is
 * reaped when it exits. Put it first in a benchmark's own child struct;
 * @on_line gets that struct. */
typedef void (*BenchLineFunc) (gpointer child, const gchar * line,
    gint64 now_us);

typedef struct
{
  GSubprocess *proc;
  GDataInputStream *out;
  GOutputStream *in;
  gboolean eof, exited;
  BenchLineFunc on_line;
} BenchChild;

/* Starts reading and reaping @child->proc. */
void bench_child_watch (BenchChild * child, BenchLineFunc on_line);
/* A BenchPredicate: reaped and read to the end (no callback pending). */
gboolean bench_child_gone (gpointer child);
/* Sends "quit" unless the child exited, waits up to @timeout_ms for it to
 * be gone, then kills it and waits as long again; whether it is gone. */
gboolean bench_child_quit (BenchChild * child, gint timeout_ms);
/* Drops the process and its pipes (once gone). */
void bench_child_clear (BenchChild * child);

/* A launcher for a BenchChild: stdin and stdout piped, stderr silenced
 * unless @show_stderr, the child dying with the benchmark. */
GSubprocessLauncher *bench_child_launcher (gboolean show_stderr);
/* Spawns @argv (NULL-terminated) with @launcher into @child and watches it
 * (bench_child_watch). On failure prints "@tool: cannot start @name: ..."
 * and exits. */
void bench_child_spawn (BenchChild * child, GSubprocessLauncher * launcher,
    GPtrArray * argv, const gchar * tool, const gchar * name,
    BenchLineFunc on_line);
/* bench_child_clear () once @child is gone; if it is not, prints "@tool:
 * @name would not go away" and exits. */
void bench_child_finish (BenchChild * child, const gchar * tool,
    const gchar * name);

/* Appends to @argv (f2f-peer-tool's words) an f2fsignal named @element in
 * @room of @server_uri as @display_name, on 127.0.0.1 only; its other
 * properties and the rest of the pipeline follow. */
void bench_add_f2fsignal (GPtrArray * argv, const gchar * element,
    const gchar * server_uri, const gchar * room, const gchar * display_name);

/* utime + stime of a live process in seconds, every thread included;
 * -1 if it is gone. */
gdouble bench_process_cpu (GSubprocess * proc);

/* utime + stime of this process in seconds, every thread included. */
gdouble bench_self_cpu (void);

/* Runs the default main context for @ms: the children's lines keep being
 * read. */
void bench_pause_ms (gint ms);

/* "key=value ..." (a child's "result" line) -> the value of @key, or -1. */
gdouble bench_result_field (const gchar * line, const gchar * key);

/* Prints "loadavg " and the line of /proc/loadavg. */
void bench_print_load (void);
/* After @after_s seconds (0: never), unless the process ended first:
 * every thread's stack on stderr, gdb attached to this process. For a run
 * that hangs where nobody can attach (CI kills it at its timeout). */
void bench_watchdog_start (guint after_s);

/* g_array_sort () of gdouble */
gint bench_cmp_double (gconstpointer a, gconstpointer b);
/* The median of an array of gdouble, -1 if it is empty. */
gdouble bench_median (GArray * values);
/* The @p-th percentile (0..100) of an array of gdouble: the sorted value
 * at index round (@p / 100 * (len - 1)); -1 if it is empty. @values keeps
 * its order. */
gdouble bench_percentile (GArray * values, gdouble p);

/* A buffer probe @cb (@data) on @element's static pad @pad_name. */
void bench_add_probe (GstElement * element, const gchar * pad_name,
    GstPadProbeCallback cb, gpointer data);

G_END_DECLS
