/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the CPU benchmarks (mesh-cpu, mixer-cpu) read from their children:
 * the f2f-peer-stats each f2fsignal of an f2f-peer-tool reports per remote
 * peer, counted at the two marks of a measurement window, and the "result"
 * line of a raw baseline.
 */
#pragma once

#include "benchutil.h"

G_BEGIN_DECLS
/* One remote peer as one f2fsignal decodes it. */
    typedef struct
{
  guint64 video, audio;         /* decoded so far, latest stats */
  guint64 mark_video[2];        /* at the first stats after mark k */
  gint64 mark_at[2];            /* when that stats line arrived, µs */
  gboolean marked[2];
} BenchRemote;

/* One f2fsignal of an f2f-peer-tool. */
typedef struct
{
  gchar *name;                  /* the element's: "s", or "s1".."sN" */
  gchar *peer_id;               /* from f2f-joined */
  GHashTable *remotes;          /* peer-id -> BenchRemote */
} BenchLocal;

typedef struct
{
  BenchChild base;              /* first: the process and its pipes */
  const gchar *tool;            /* the benchmark, for its messages */
  gchar *name;
  gboolean playing;
  GHashTable *locals;           /* element name -> BenchLocal; none for a
                                 * raw baseline */
  gchar *result;                /* a raw baseline's "result" line */
  gchar *error;
} BenchPeerChild;

/* Monotonic µs of the window's start and end (marks), -1 when not set: the
 * first stats at or after each mark are kept in every BenchRemote. */
extern gint64 bench_mark_us[2];

/* Starts @argv (NULL-terminated; its stderr only with @show_stderr) as a
 * child named @name whose f2fsignals are @locals (NULL-terminated, or
 * NULL); prints its errors and warnings as "@tool: @name: line". On
 * failure to start prints why and exits. */
BenchPeerChild *bench_peer_child_spawn (const gchar * tool,
    const gchar * name, GPtrArray * argv, const gchar * const *locals,
    gboolean show_stderr);
/* Asks @c to quit, kills it if it does not within 3 s, reaps it. */
void bench_peer_child_stop (BenchPeerChild * c);
/* Frees a stopped @c and its BenchLocals; exits if it is not gone. */
void bench_peer_child_free (BenchPeerChild * c);

/* Whether none of the @n children has exited. */
gboolean bench_peer_children_alive (BenchPeerChild ** children, gint n);
/* utime + stime of the @n children summed, in seconds; -1 if one is gone. */
gdouble bench_peer_children_cpu (BenchPeerChild ** children, gint n);

/* Appends to @argv (f2f-peer-tool's words) an f2fsignal named @element for
 * peer @index (display name P@index) of @room on @server_uri, with live
 * 320x240@@fps test video (@pattern) and test audio (300 + 100 * @index
 * Hz, the same tone as the raw baselines), stats every second; with
 * @composite its room view into fakesinks, else room-view=per-peer. */
void bench_peer_add_f2fsignal (GPtrArray * argv, const gchar * element,
    const gchar * server_uri, const gchar * room, gint index,
    const gchar * pattern, gint fps, gboolean composite);

/* Runs a raw baseline (@argv, NULL-terminated, named @name) to its end,
 * killing it after @limit_s; says so, or that it gave no "result" line, as
 * "@tool: @name N=@n ...". Free it with bench_peer_child_free (). */
BenchPeerChild *bench_peer_run_raw (const gchar * tool, const gchar * name,
    GPtrArray * argv, gint n, gint limit_s, gboolean show_stderr);

/* How many remotes @l decodes both video and audio from. */
gint bench_local_flowing (BenchLocal * l);

/* Video frames @r decoded between the marks, scaled from the span between
 * their stats to the window @t0..@t1 (the stats timer drifts); 0 unless
 * both marks were seen. */
gint bench_remote_window_frames (const BenchRemote * r, gint64 t0, gint64 t1);

G_END_DECLS
