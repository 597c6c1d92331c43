/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * signaling-load: a load generator for f2f-signaling-server.
 *
 * It starts the server itself (pinned to one core, the tool to another),
 * opens N libsoup WebSocket connections, joins them in rooms of M peers and
 * relays app messages among them: each peer writes to the next peer of its
 * room. It reports the connections held, relayed messages per second, the
 * relay latency (the payload carries the send time; sender and receiver are
 * this one process, so the clocks agree) and the server's RSS per
 * connection.
 *
 * Every figure is also measured against a baseline in the same run: this
 * very binary started with --baseline-server is a bare libsoup WebSocket
 * relay that forwards each frame to a fixed partner, without parsing,
 * rooms or registry. The same clients, frames and windows drive both, so
 * the ratio is the price of the f2f server logic.
 *
 * This is a benchmark, run by hand or by signaling-load.sh; it is not part
 * of the test suite. See docs/performance.md.
 */

/* sched_setaffinity() and the CPU_* macros */
#define _GNU_SOURCE

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib-unix.h>
#include <libsoup/soup.h>
#include <gst/f2f/f2f.h>

#ifndef F2F_DEFAULT_SERVER
#define F2F_DEFAULT_SERVER "f2f-signaling-server"
#endif

#define WARMUP_US (1 * G_USEC_PER_SEC)
#define SETTLE_US (2 * G_USEC_PER_SEC)
#define DRAIN_US (5 * G_USEC_PER_SEC)
#define STOP_GRACE_US (5 * G_USEC_PER_SEC)
/* In-flight cap per sender in latency mode, so a stalled server cannot make
 * the tool queue without bound. */
#define LATENCY_WINDOW 256
#define MAX_CONNECTIONS 18000

typedef enum
{
  SCENARIO_IDLE,
  SCENARIO_THROUGHPUT,
  SCENARIO_LATENCY,
} Scenario;

static const gchar *const scenario_names[] = { "idle", "throughput",
  "latency"
};

typedef enum
{
  PEER_NEW,
  PEER_CONNECTING,
  PEER_JOINING,
  PEER_JOINED,
  PEER_FAILED,
  PEER_CLOSED,
} PeerState;

typedef struct _Run Run;

typedef struct
{
  Run *run;
  guint index;
  guint neighbour;              /* index of the peer this one writes to */
  gchar *room;
  gchar *peer_id;               /* asked for in the join; the welcome's */
  SoupWebsocketConnection *ws;
  PeerState state;
  guint in_flight;
} Peer;

/* Settings from the command line. */
typedef struct
{
  Scenario scenario;
  gchar *server_path;
  guint connections;
  guint room_size;
  gdouble duration_s;
  gdouble rate;
  guint window;
  guint batch;
  guint payload_size;
  gint server_cpu;
  gint client_cpu;
  gboolean no_baseline;
  gdouble time_limit_s;
} Options;

/* One measured run against one server (f2f or the baseline relay). */
struct _Run
{
  const Options *opts;
  gboolean baseline;
  const gchar *label;

  GSubprocess *server;
  gint server_pid;
  gchar *uri;
  SoupSession *session;

  Peer *peers;
  guint n_peers;
  guint next_connect;
  guint pending;                /* connecting or joining */
  guint joined;
  guint failed;
  guint closed;
  guint64 errors;
  gchar *first_error;
  gboolean stopping;            /* measured; what happens now is teardown */

  gchar *padding;
  gboolean sending;             /* throughput: keep windows full */
  gboolean counting;            /* inside the measured window */
  guint64 in_flight;
  guint64 sent;
  guint64 counted;
  GArray *latencies;            /* gint64 µs, of counted messages */

  /* latency scenario pacing */
  gint64 pace_start_us;
  guint64 paced;
  guint pace_cursor;

  /* Results */
  guint held;
  guint lost;                   /* closed before the end of the run */
  gdouble rss_before_kib;
  gdouble rss_after_kib;
  gdouble msgs_per_s;
  gdouble server_cpu;           /* fraction of one core in the window */
  gdouble client_cpu;
  gint64 p50_us;
  gint64 p99_us;
  gint64 max_us;
  gdouble connect_s;
};

/* The run whose server must die if the tool is interrupted. */
static Run *current_run;

/* ---------------------------------------------------------------------- */
/* Processes */

static void
pin_to_cpu (gint cpu)
{
  cpu_set_t set;

  if (cpu < 0)
    return;
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) != 0)
    g_printerr ("signaling-load: could not pin to CPU %d\n", cpu);
}

static void
server_child_setup (gpointer user_data)
{
  gint cpu = GPOINTER_TO_INT (user_data);
  cpu_set_t set;

  /* Only async-signal-safe calls here: this runs between fork and exec. */
  if (cpu >= 0) {
    CPU_ZERO (&set);
    CPU_SET (cpu, &set);
    sched_setaffinity (0, sizeof set, &set);
  }
  /* Should the tool die without cleaning up, the server goes too. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
raise_fd_limit (guint needed)
{
  struct rlimit lim;

  if (getrlimit (RLIMIT_NOFILE, &lim) != 0)
    return FALSE;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < needed)
    lim.rlim_max = needed;      /* works as root */
  lim.rlim_cur = lim.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &lim) != 0) {
    getrlimit (RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit (RLIMIT_NOFILE, &lim);
  }
  getrlimit (RLIMIT_NOFILE, &lim);
  return lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= needed;
}

/* VmRSS of @pid in KiB, or -1. */
static gdouble
read_rss_kib (gint pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree gchar *contents = NULL;
  const gchar *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  line = strstr (contents, "\nVmRSS:");
  if (line == NULL)
    return -1;
  return g_ascii_strtod (line + strlen ("\nVmRSS:"), NULL);
}

/* utime + stime of @pid (0: this process) in seconds, or -1. */
static gdouble
read_cpu_s (gint pid)
{
  g_autofree gchar *path = pid ? g_strdup_printf ("/proc/%d/stat", pid) :
      g_strdup ("/proc/self/stat");
  g_autofree gchar *contents = NULL;
  g_auto (GStrv) fields = NULL;
  const gchar *after_comm;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  /* The command name may hold spaces; fields resume after its ')'. */
  after_comm = strrchr (contents, ')');
  if (after_comm == NULL)
    return -1;
  fields = g_strsplit (after_comm + 2, " ", 16);
  /* state is field 3 of stat(5), so utime (14) and stime (15) are at 11
   * and 12 here. */
  if (g_strv_length (fields) < 13)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12],
          NULL)) / sysconf (_SC_CLK_TCK);
}

/* Starts the server (or the baseline relay) and learns its URI from the one
 * line it prints when ready. */
static gboolean
start_server (Run * run, GError ** error)
{
  const Options *opts = run->opts;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *self_path = NULL;
  const gchar *marker;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, server_child_setup,
      GINT_TO_POINTER (opts->server_cpu), NULL);
  if (run->baseline) {
    self_path = g_file_read_link ("/proc/self/exe", error);
    if (self_path == NULL)
      return FALSE;
    run->server = g_subprocess_launcher_spawn (launcher, error, self_path,
        "--baseline-server", NULL);
  } else {
    run->server = g_subprocess_launcher_spawn (launcher, error,
        opts->server_path, "--port", "0", "--db", ":memory:",
        "--max-connections-per-ip", "0", "--join-rate", "0",
        "--max-peers-per-room", "0", "--idle-timeout", "600",
        "--log-level", "warning", NULL);
  }
  if (run->server == NULL)
    return FALSE;
  current_run = run;
  run->server_pid = atoi (g_subprocess_get_identifier (run->server));

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (run->server));
  line = g_data_input_stream_read_line (out, NULL, NULL, error);
  if (line == NULL) {
    if (error && *error == NULL)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
          "%s exited before it listened", run->label);
    return FALSE;
  }
  marker = strstr (line, " listening on ");
  if (marker == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "unexpected first line from %s: %s", run->label, line);
    return FALSE;
  }
  run->uri = g_strdup (marker + strlen (" listening on "));
  return TRUE;
}

static void
wait_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *done = TRUE;
}

/* SIGTERM, a grace period, then SIGKILL; always reaps. */
static void
stop_server (Run * run)
{
  gboolean done = FALSE;
  gint64 deadline = g_get_monotonic_time () + STOP_GRACE_US;

  if (run->server == NULL)
    return;
  g_subprocess_send_signal (run->server, SIGTERM);
  g_subprocess_wait_async (run->server, NULL, wait_cb, &done);
  while (!done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!done) {
    g_printerr ("signaling-load: %s ignored SIGTERM; killing it\n",
        run->label);
    g_subprocess_force_exit (run->server);
    g_subprocess_wait (run->server, NULL, NULL);
  }
  g_clear_object (&run->server);
  if (current_run == run)
    current_run = NULL;
}

static gboolean
interrupted_cb (gpointer user_data)
{
  g_printerr ("signaling-load: interrupted\n");
  if (current_run && current_run->server) {
    g_subprocess_force_exit (current_run->server);
    g_subprocess_wait (current_run->server, NULL, NULL);
  }
  exit (130);
  return G_SOURCE_REMOVE;
}

static gboolean
time_limit_cb (gpointer user_data)
{
  g_printerr ("signaling-load: time limit reached, giving up\n");
  if (current_run && current_run->server) {
    g_subprocess_force_exit (current_run->server);
    g_subprocess_wait (current_run->server, NULL, NULL);
  }
  exit (3);
  return G_SOURCE_REMOVE;
}

/* Runs the main context until @done says so or @timeout_us passes. A
 * periodic wake-up keeps the deadline honest on a quiet loop. */
static gboolean
iterate_until (Run * run, gboolean (*done) (Run * run), gint64 timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  while (!(done && done (run)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return done ? done (run) : TRUE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* Clients */

static void start_connects (Run * run);
static void top_up (Peer * peer);

static void
note_error (Run * run, const gchar * text)
{
  if (run->stopping)
    return;
  if (run->errors++ == 0)
    run->first_error = g_strdup (text);
}

static void
peer_settled (Peer * peer, PeerState state)
{
  Run *run = peer->run;
  gboolean was_pending = peer->state == PEER_CONNECTING
      || peer->state == PEER_JOINING;

  if (peer->state == PEER_JOINED)
    run->joined--;
  peer->state = state;
  if (state == PEER_JOINED)
    run->joined++;
  else if (state == PEER_FAILED)
    run->failed++;
  else if (state == PEER_CLOSED)
    run->closed++;
  if (was_pending) {
    run->pending--;
    start_connects (run);
  }
}

static void
send_app (Peer * peer)
{
  Run *run = peer->run;
  Peer *to = &run->peers[peer->neighbour];
  g_autoptr (GstF2fMessage) msg = NULL;
  g_autofree gchar *payload = NULL;
  g_autofree gchar *text = NULL;

  payload = g_strdup_printf ("%u %" G_GINT64_FORMAT " %s", peer->index,
      g_get_monotonic_time (), run->padding);
  if (run->baseline) {
    /* The relay forwards frames untouched, so send what the f2f server
     * would deliver: the same size, and the same parsing at the receiver. */
    msg = gst_f2f_message_new (GST_F2F_MESSAGE_APP);
    msg->from = g_strdup (peer->peer_id);
    msg->payload = g_steal_pointer (&payload);
  } else {
    msg = gst_f2f_message_new_app (to->peer_id, payload);
  }
  text = gst_f2f_message_serialize (msg);
  soup_websocket_connection_send_text (peer->ws, text);
  peer->in_flight++;
  run->in_flight++;
  run->sent++;
}

static gboolean
can_send (Peer * peer)
{
  Run *run = peer->run;

  return peer->state == PEER_JOINED
      && run->peers[peer->neighbour].state == PEER_JOINED;
}

static void
top_up (Peer * peer)
{
  Run *run = peer->run;

  while (run->sending && peer->in_flight < run->opts->window
      && can_send (peer))
    send_app (peer);
}

static void
handle_app (Run * run, const GstF2fMessage * msg)
{
  gint64 now = g_get_monotonic_time ();
  const gchar *p = msg->payload;
  gchar *end = NULL;
  guint64 sender = g_ascii_strtoull (p, &end, 10);
  gint64 sent_us;
  Peer *from;

  if (end == p || *end != ' ' || sender >= run->n_peers) {
    note_error (run, "an app payload this tool did not write");
    return;
  }
  sent_us = g_ascii_strtoll (end + 1, NULL, 10);
  from = &run->peers[sender];
  if (from->in_flight > 0) {
    from->in_flight--;
    run->in_flight--;
  }
  if (run->counting) {
    gint64 latency = now - sent_us;
    run->counted++;
    g_array_append_val (run->latencies, latency);
  }
  if (run->sending)
    top_up (from);
}

static void
on_message (SoupWebsocketConnection * ws, gint type, GBytes * bytes,
    Peer * peer)
{
  Run *run = peer->run;
  g_autoptr (GstF2fMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);

  msg = gst_f2f_message_parse (data, len, GST_F2F_DIRECTION_TO_CLIENT, &error);
  if (msg == NULL) {
    note_error (run, error->message);
    return;
  }
  switch (msg->type) {
    case GST_F2F_MESSAGE_APP:
      handle_app (run, msg);
      break;
    case GST_F2F_MESSAGE_WELCOME:
      if (peer->state == PEER_JOINING) {
        g_free (peer->peer_id);
        peer->peer_id = g_strdup (msg->peer_id);
        peer_settled (peer, PEER_JOINED);
      }
      break;
    case GST_F2F_MESSAGE_ERROR:
      note_error (run, msg->text ? msg->text : "error frame");
      break;
    default:
      /* peer-joined, peer-left, leader-changed, pong: nothing to do */
      break;
  }
}

static void
on_closed (SoupWebsocketConnection * ws, Peer * peer)
{
  if (peer->state != PEER_CLOSED && peer->state != PEER_FAILED)
    peer_settled (peer, PEER_CLOSED);
}

static void
on_error (SoupWebsocketConnection * ws, GError * error, Peer * peer)
{
  note_error (peer->run, error->message);
}

static void
connected_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Peer *peer = user_data;
  Run *run = peer->run;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstF2fMessage) join = NULL;
  g_autofree gchar *text = NULL;

  peer->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source),
      res, &error);
  if (peer->ws == NULL) {
    note_error (run, error->message);
    peer_settled (peer, PEER_FAILED);
    return;
  }
  g_signal_connect (peer->ws, "message", G_CALLBACK (on_message), peer);
  g_signal_connect (peer->ws, "closed", G_CALLBACK (on_closed), peer);
  g_signal_connect (peer->ws, "error", G_CALLBACK (on_error), peer);

  if (run->baseline) {
    peer_settled (peer, PEER_JOINED);
    return;
  }
  peer->state = PEER_JOINING;
  join = gst_f2f_message_new_join (peer->room, "bench", NULL, peer->peer_id);
  text = gst_f2f_message_serialize (join);
  soup_websocket_connection_send_text (peer->ws, text);
}

/* Keeps at most --batch handshakes and joins under way. */
static void
start_connects (Run * run)
{
  while (run->pending < run->opts->batch && run->next_connect < run->n_peers) {
    Peer *peer = &run->peers[run->next_connect++];
    g_autoptr (SoupMessage) msg = NULL;
    g_autofree gchar *uri = NULL;

    if (run->baseline)
      uri = g_strdup_printf ("%s?id=%u&to=%u", run->uri, peer->index,
          peer->neighbour);
    else
      uri = g_strdup (run->uri);
    msg = soup_message_new ("GET", uri);
    peer->state = PEER_CONNECTING;
    run->pending++;
    soup_session_websocket_connect_async (run->session, msg, NULL, NULL,
        G_PRIORITY_DEFAULT, NULL, connected_cb, peer);
  }
}

static gboolean
all_settled (Run * run)
{
  return run->next_connect == run->n_peers && run->pending == 0;
}

static gboolean
drained (Run * run)
{
  return run->in_flight == 0;
}

static void
setup_peers (Run * run)
{
  const Options *opts = run->opts;
  guint i;

  run->n_peers = opts->connections;
  run->peers = g_new0 (Peer, run->n_peers);
  for (i = 0; i < run->n_peers; i++) {
    Peer *peer = &run->peers[i];
    guint room = i / opts->room_size;
    guint first = room * opts->room_size;
    guint members = MIN (opts->room_size, run->n_peers - first);

    peer->run = run;
    peer->index = i;
    peer->neighbour = first + (i - first + 1) % members;
    peer->room = g_strdup_printf ("bench-%u", room);
    peer->peer_id = g_strdup_printf ("p%u", i - first);
  }
}

static void
close_peers (Run * run)
{
  guint i;

  for (i = 0; i < run->n_peers; i++) {
    Peer *peer = &run->peers[i];
    if (peer->ws) {
      g_signal_handlers_disconnect_by_data (peer->ws, peer);
      g_clear_object (&peer->ws);
    }
    g_free (peer->room);
    g_free (peer->peer_id);
  }
  g_clear_pointer (&run->peers, g_free);
}

/* ---------------------------------------------------------------------- */
/* Phases */

static gboolean
connect_all (Run * run)
{
  gint64 start = g_get_monotonic_time ();

  setup_peers (run);
  start_connects (run);
  /* Generous: a connection and a join take well under a millisecond. */
  if (!iterate_until (run, all_settled,
          60 * G_USEC_PER_SEC + run->n_peers * 2000)) {
    guint states[PEER_CLOSED + 1] = { 0, };
    guint i;
    for (i = 0; i < run->n_peers; i++)
      states[run->peers[i].state]++;
    g_printerr ("signaling-load: %s: connecting timed out (%u of %u joined; "
        "%u still connecting, %u joining)\n", run->label, run->joined,
        run->n_peers, states[PEER_CONNECTING], states[PEER_JOINING]);
  }
  run->connect_s = (g_get_monotonic_time () - start) / 1e6;
  return run->joined > 0;
}

static gint
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gint64
percentile (GArray * sorted, gdouble p)
{
  if (sorted->len == 0)
    return -1;
  return g_array_index (sorted, gint64, (guint) ((sorted->len - 1) * p));
}

static gboolean
pace_cb (gpointer user_data)
{
  Run *run = user_data;
  gint64 elapsed = g_get_monotonic_time () - run->pace_start_us;
  guint64 due = (guint64) (elapsed * run->opts->rate / G_USEC_PER_SEC);
  guint tries = 0;

  /* Round-robin over the peers, skipping ones that cannot send, so the
   * total rate is exact whatever happens to a few connections. */
  while (run->paced < due && tries < run->n_peers) {
    Peer *peer = &run->peers[run->pace_cursor];
    run->pace_cursor = (run->pace_cursor + 1) % run->n_peers;
    if (can_send (peer) && peer->in_flight < LATENCY_WINDOW) {
      send_app (peer);
      run->paced++;
      tries = 0;
    } else {
      tries++;
    }
  }
  if (run->paced < due)
    run->paced = due;           /* nobody could send: do not burst later */
  return G_SOURCE_CONTINUE;
}

static void
measure_relay (Run * run)
{
  const Options *opts = run->opts;
  gint64 window_us = (gint64) (opts->duration_s * G_USEC_PER_SEC);
  gdouble srv0, srv1, cli0, cli1;
  gint64 t0, t1;
  guint pace_source = 0;
  guint i;

  run->latencies = g_array_sized_new (FALSE, FALSE, sizeof (gint64),
      opts->scenario == SCENARIO_LATENCY ?
      (guint) (opts->rate * opts->duration_s * 1.1) : 1 << 16);

  if (opts->scenario == SCENARIO_THROUGHPUT) {
    run->sending = TRUE;
    for (i = 0; i < run->n_peers; i++)
      top_up (&run->peers[i]);
  } else {
    run->pace_start_us = g_get_monotonic_time ();
    pace_source = g_timeout_add (1, pace_cb, run);
  }

  iterate_until (run, NULL, WARMUP_US);
  run->counting = TRUE;
  srv0 = read_cpu_s (run->server_pid);
  cli0 = read_cpu_s (0);
  t0 = g_get_monotonic_time ();
  iterate_until (run, NULL, window_us);
  run->counting = FALSE;
  t1 = g_get_monotonic_time ();
  srv1 = read_cpu_s (run->server_pid);
  cli1 = read_cpu_s (0);

  run->sending = FALSE;
  if (pace_source)
    g_source_remove (pace_source);
  if (!iterate_until (run, drained, DRAIN_US))
    g_printerr ("signaling-load: %s: %" G_GUINT64_FORMAT " messages never "
        "arrived\n", run->label, run->in_flight);

  run->msgs_per_s = run->counted / ((t1 - t0) / 1e6);
  run->server_cpu = (srv1 - srv0) / ((t1 - t0) / 1e6);
  run->client_cpu = (cli1 - cli0) / ((t1 - t0) / 1e6);
  g_array_sort (run->latencies, compare_gint64);
  run->p50_us = percentile (run->latencies, 0.50);
  run->p99_us = percentile (run->latencies, 0.99);
  run->max_us = percentile (run->latencies, 1.0);
}

static guint
count_held (Run * run)
{
  guint i, held = 0;

  for (i = 0; i < run->n_peers; i++) {
    Peer *peer = &run->peers[i];
    if (peer->state == PEER_JOINED && soup_websocket_connection_get_state
        (peer->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      held++;
  }
  return held;
}

static gboolean
execute_run (Run * run)
{
  const Options *opts = run->opts;
  g_autoptr (GError) error = NULL;
  gboolean ok = FALSE;

  run->padding = g_strnfill (opts->payload_size, 'x');
  run->session = soup_session_new_with_options ("max-conns",
      opts->connections + 64, "max-conns-per-host", opts->connections + 64,
      "timeout", 0, "idle-timeout", 0, NULL);

  if (!start_server (run, &error)) {
    g_printerr ("signaling-load: could not start %s: %s\n", run->label,
        error->message);
    goto out;
  }
  /* Let it finish starting up before the first RSS sample. */
  iterate_until (run, NULL, G_USEC_PER_SEC / 2);
  run->rss_before_kib = read_rss_kib (run->server_pid);

  if (!connect_all (run)) {
    g_printerr ("signaling-load: %s: no connection could join (%s)\n",
        run->label, run->first_error ? run->first_error : "no error");
    goto out;
  }

  if (opts->scenario == SCENARIO_IDLE) {
    iterate_until (run, NULL, SETTLE_US);
    run->rss_after_kib = read_rss_kib (run->server_pid);
    iterate_until (run, NULL, (gint64) (opts->duration_s * G_USEC_PER_SEC));
  } else {
    measure_relay (run);
    run->rss_after_kib = read_rss_kib (run->server_pid);
  }
  run->held = count_held (run);
  run->lost = run->closed;
  ok = TRUE;

out:
  run->stopping = TRUE;
  stop_server (run);
  close_peers (run);
  g_clear_object (&run->session);
  /* Let the closed sockets' sources run down before the next run. */
  while (g_main_context_iteration (NULL, FALSE));
  return ok;
}

static void
run_clear (Run * run)
{
  g_free (run->uri);
  g_free (run->padding);
  g_free (run->first_error);
  if (run->latencies)
    g_array_unref (run->latencies);
}

/* ---------------------------------------------------------------------- */
/* Report */

static gdouble
kib_per_conn (const Run * run)
{
  if (run->held == 0 || run->rss_before_kib < 0 || run->rss_after_kib < 0)
    return -1;
  return (run->rss_after_kib - run->rss_before_kib) / run->held;
}

static void
print_run (const Run * run)
{
  const Options *opts = run->opts;

  g_print ("%s:\n", run->label);
  g_print ("  connections held      %u of %u (failed %u, lost %u; "
      "connected and joined in %.1f s)\n", run->held, run->n_peers,
      run->failed, run->lost, run->connect_s);
  g_print ("  server RSS            %.0f KiB before, %.0f KiB after: "
      "%.2f KiB per connection\n", run->rss_before_kib, run->rss_after_kib,
      kib_per_conn (run));
  if (opts->scenario != SCENARIO_IDLE) {
    g_print ("  relayed               %.0f msg/s over %.1f s (%" G_GUINT64_FORMAT
        " messages)\n", run->msgs_per_s, opts->duration_s, run->counted);
    g_print ("  relay latency         p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
        run->p50_us / 1e3, run->p99_us / 1e3, run->max_us / 1e3);
    g_print ("  CPU                   server %.0f%% of a core (%.1f us per "
        "relayed message), this tool %.0f%%\n", run->server_cpu * 100,
        run->server_cpu * 1e6 / run->msgs_per_s, run->client_cpu * 100);
  }
  if (run->errors)
    g_print ("  errors                %" G_GUINT64_FORMAT " (first: %s)\n",
        run->errors, run->first_error);
}

/* One line of key=value for scripts. */
static void
print_result_line (const Run * run)
{
  g_print ("RESULT scenario=%s server=%s connections=%u room_size=%u "
      "held=%u kib_per_conn=%.2f msgs_per_s=%.0f p50_ms=%.3f p99_ms=%.3f "
      "server_cpu=%.2f client_cpu=%.2f connect_s=%.1f errors=%"
      G_GUINT64_FORMAT "\n",
      scenario_names[run->opts->scenario], run->baseline ? "baseline" : "f2f",
      run->n_peers, run->opts->room_size, run->held, kib_per_conn (run),
      run->msgs_per_s, run->p50_us / 1e3, run->p99_us / 1e3,
      run->server_cpu, run->client_cpu, run->connect_s, run->errors);
}

static void
print_ratios (const Run * f2f, const Run * base)
{
  g_print ("f2f / baseline:\n");
  if (f2f->opts->scenario == SCENARIO_IDLE) {
    g_print ("  RSS per connection    %.2fx\n",
        kib_per_conn (f2f) / kib_per_conn (base));
    g_print ("RATIO scenario=idle kib_per_conn=%.3f\n",
        kib_per_conn (f2f) / kib_per_conn (base));
    return;
  }
  g_print ("  relayed msg/s         %.3fx\n", f2f->msgs_per_s / base->msgs_per_s);
  g_print ("  server CPU per msg    %.2fx\n",
      (f2f->server_cpu / f2f->msgs_per_s) /
      (base->server_cpu / base->msgs_per_s));
  g_print ("  p50 / p99 latency     %.2fx / %.2fx\n",
      (gdouble) f2f->p50_us / base->p50_us,
      (gdouble) f2f->p99_us / base->p99_us);
  g_print ("RATIO scenario=%s msgs_per_s=%.3f cpu_per_msg=%.3f p50=%.3f "
      "p99=%.3f\n", scenario_names[f2f->opts->scenario],
      f2f->msgs_per_s / base->msgs_per_s,
      (f2f->server_cpu / f2f->msgs_per_s) /
      (base->server_cpu / base->msgs_per_s),
      (gdouble) f2f->p50_us / base->p50_us,
      (gdouble) f2f->p99_us / base->p99_us);
}

/* ---------------------------------------------------------------------- */
/* The baseline relay (--baseline-server) */

typedef struct
{
  GHashTable *conns;            /* GUINT_TO_POINTER (id) → ws */
} Relay;

#define RELAY_TO_KEY "bench-relay-to"
#define RELAY_ID_KEY "bench-relay-id"

static void
relay_message (SoupWebsocketConnection * ws, gint type, GBytes * bytes,
    Relay * relay)
{
  gpointer to = g_object_get_data (G_OBJECT (ws), RELAY_TO_KEY);
  SoupWebsocketConnection *target = g_hash_table_lookup (relay->conns, to);

  if (target && soup_websocket_connection_get_state (target) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_message (target, type, bytes);
}

static void
relay_closed (SoupWebsocketConnection * ws, Relay * relay)
{
  gpointer id = g_object_get_data (G_OBJECT (ws), RELAY_ID_KEY);

  if (g_hash_table_lookup (relay->conns, id) == ws)
    g_hash_table_remove (relay->conns, id);
}

static void
relay_websocket_cb (SoupServer * soup, SoupServerMessage * msg,
    const char *path, SoupWebsocketConnection * ws, gpointer user_data)
{
  Relay *relay = user_data;
  const gchar *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr (GHashTable) params = NULL;
  const gchar *id, *to;

  params = query ? g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE,
      NULL) : NULL;
  id = params ? g_hash_table_lookup (params, "id") : NULL;
  to = params ? g_hash_table_lookup (params, "to") : NULL;
  if (id == NULL || to == NULL) {
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
        "id and to, please");
    return;
  }
  /* Ids are stored +1 so that peer 0 is not a NULL key. */
  g_object_set_data (G_OBJECT (ws), RELAY_ID_KEY,
      GUINT_TO_POINTER (atoi (id) + 1));
  g_object_set_data (G_OBJECT (ws), RELAY_TO_KEY,
      GUINT_TO_POINTER (atoi (to) + 1));
  g_object_set (ws, "max-incoming-payload-size",
      (guint64) GST_F2F_MAX_FRAME_SIZE, NULL);
  g_hash_table_replace (relay->conns, GUINT_TO_POINTER (atoi (id) + 1),
      g_object_ref (ws));
  g_signal_connect (ws, "message", G_CALLBACK (relay_message), relay);
  g_signal_connect (ws, "closed", G_CALLBACK (relay_closed), relay);
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static int
run_baseline_server (void)
{
  Relay relay;
  g_autoptr (SoupServer) soup = soup_server_new (NULL, NULL);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GSocketAddress) addr = NULL;
  GSList *uris;

  relay.conns = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  soup_server_add_websocket_handler (soup, "/ws", NULL, NULL,
      relay_websocket_cb, &relay, NULL);
  /* The same listen backlog as f2f-signaling-server, so that connecting
   * is compared fairly too. */
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_DEFAULT, &error);
  addr = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  if (sock)
    g_socket_set_listen_backlog (sock, 4096);
  if (sock == NULL || !g_socket_bind (sock, addr, TRUE, &error)
      || !g_socket_listen (sock, &error)
      || !soup_server_listen_socket (soup, sock, 0, &error)) {
    g_printerr ("baseline relay: %s\n", error->message);
    return 1;
  }
  uris = soup_server_get_uris (soup);
  printf ("baseline relay listening on ws://127.0.0.1:%d/ws\n",
      g_uri_get_port (uris->data));
  fflush (stdout);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);
  soup_server_disconnect (soup);
  g_hash_table_unref (relay.conns);
  return 0;
}

/* ---------------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  Options opts = {
    .scenario = SCENARIO_THROUGHPUT,
    .connections = 1000,
    .room_size = 4,
    .duration_s = 10,
    .rate = 5000,
    .window = 8,
    .batch = 200,
    .payload_size = 64,
    .server_cpu = 0,
    .client_cpu = 1,
    .time_limit_s = 0,
  };
  gboolean baseline_server = FALSE;
  g_autofree gchar *scenario = NULL;
  gint connections = opts.connections, room_size = opts.room_size;
  gint window = opts.window, batch = opts.batch;
  gint payload_size = opts.payload_size;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  Run f2f = { 0, }, base = { 0, };
  gboolean ok;
  GOptionEntry entries[] = {
    {"scenario", 's', 0, G_OPTION_ARG_STRING, &scenario,
          "idle (hold connections, measure RSS), throughput (relay as fast "
          "as the windows allow) or latency (relay at --rate) (default "
          "throughput)", "NAME"},
    {"connections", 'n', 0, G_OPTION_ARG_INT, &connections,
        "WebSocket connections to open (default 1000)", "N"},
    {"room-size", 'm', 0, G_OPTION_ARG_INT, &room_size,
        "Peers per room, at least 2 (default 4)", "M"},
    {"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &opts.duration_s,
          "Seconds measured, after 1 s of warm-up; idle: seconds the "
          "connections are held (default 10)", "SECONDS"},
    {"rate", 'r', 0, G_OPTION_ARG_DOUBLE, &opts.rate,
        "latency: messages per second in total (default 5000)", "RATE"},
    {"window", 'w', 0, G_OPTION_ARG_INT, &window,
          "throughput: messages each peer may have in flight (default 8)",
        "N"},
    {"batch", 'b', 0, G_OPTION_ARG_INT, &batch,
        "Connections and joins under way at once (default 200)", "N"},
    {"payload-size", 0, 0, G_OPTION_ARG_INT, &payload_size,
          "Filler bytes in each app payload, besides the sender and the "
          "time stamp (default 64)", "BYTES"},
    {"server", 0, 0, G_OPTION_ARG_FILENAME, &opts.server_path,
        "The f2f-signaling-server binary (default: this build's)", "PATH"},
    {"server-cpu", 0, 0, G_OPTION_ARG_INT, &opts.server_cpu,
        "CPU the server is pinned to; -1: not pinned (default 0)", "CPU"},
    {"client-cpu", 0, 0, G_OPTION_ARG_INT, &opts.client_cpu,
        "CPU this tool is pinned to; -1: not pinned (default 1)", "CPU"},
    {"no-baseline", 0, 0, G_OPTION_ARG_NONE, &opts.no_baseline,
        "Skip the baseline relay run", NULL},
    {"time-limit", 0, 0, G_OPTION_ARG_DOUBLE, &opts.time_limit_s,
          "Give up (and kill the server) after this many seconds (default: "
          "generous, from the other options)", "SECONDS"},
    {"baseline-server", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE,
        &baseline_server, "Be the baseline relay (used by the tool itself)",
        NULL},
    {NULL}
  };

  ctx = g_option_context_new ("- load f2f-signaling-server");
  g_option_context_set_summary (ctx,
      "Starts f2f-signaling-server pinned to one core, opens WebSocket "
      "connections in rooms from another core, relays app messages among "
      "them, and compares with a bare libsoup relay measured in the same "
      "run. Only talks to 127.0.0.1.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("signaling-load: %s\nTry --help.\n", error->message);
    return 2;
  }
  if (baseline_server)
    return run_baseline_server ();

  if (scenario == NULL || strcmp (scenario, "throughput") == 0)
    opts.scenario = SCENARIO_THROUGHPUT;
  else if (strcmp (scenario, "idle") == 0)
    opts.scenario = SCENARIO_IDLE;
  else if (strcmp (scenario, "latency") == 0)
    opts.scenario = SCENARIO_LATENCY;
  else {
    g_printerr ("signaling-load: unknown scenario '%s' (idle, throughput, "
        "latency)\n", scenario);
    return 2;
  }
  if (connections < 2 || connections > MAX_CONNECTIONS || room_size < 2
      || window < 1 || batch < 1 || payload_size < 0
      || payload_size > 32768 || opts.duration_s <= 0
      || opts.duration_s > 3600 || opts.rate <= 0 || opts.rate > 1e6) {
    g_printerr ("signaling-load: an option is out of range (connections "
        "2..%d, room size >= 2, duration 0..3600 s)\n", MAX_CONNECTIONS);
    return 2;
  }
  opts.connections = connections;
  opts.room_size = room_size;
  opts.window = window;
  opts.batch = batch;
  opts.payload_size = payload_size;
  if (opts.server_path == NULL)
    opts.server_path = g_strdup (F2F_DEFAULT_SERVER);
  if (opts.time_limit_s <= 0)
    opts.time_limit_s = 2 * (120 + opts.duration_s + connections / 100.0);

  /* One socket per connection, plus a margin for the loop and pipes. The
   * server, started from here, inherits the raised limit. */
  if (!raise_fd_limit (opts.connections + 256))
    g_printerr ("signaling-load: the descriptor limit is below %u; some "
        "connections will fail\n", opts.connections + 256);
  pin_to_cpu (opts.client_cpu);
  g_unix_signal_add (SIGINT, interrupted_cb, NULL);
  g_unix_signal_add (SIGTERM, interrupted_cb, NULL);
  g_timeout_add_seconds ((guint) opts.time_limit_s, time_limit_cb, NULL);
  /* Wakes iterate_until() on a quiet loop. */
  g_timeout_add (50, tick_cb, NULL);

  g_print ("scenario %s: %u connections in rooms of %u, server on CPU %d, "
      "tool on CPU %d\n", scenario_names[opts.scenario], opts.connections,
      opts.room_size, opts.server_cpu, opts.client_cpu);

  f2f.opts = &opts;
  f2f.label = "f2f-signaling-server";
  ok = execute_run (&f2f);
  if (ok) {
    print_run (&f2f);
    print_result_line (&f2f);
  }
  if (ok && !opts.no_baseline) {
    base.opts = &opts;
    base.baseline = TRUE;
    base.label = "baseline relay (bare libsoup, same clients)";
    if (execute_run (&base)) {
      print_run (&base);
      print_result_line (&base);
      print_ratios (&f2f, &base);
    }
  }

  run_clear (&f2f);
  run_clear (&base);
  g_free (opts.server_path);
  return ok ? 0 : 1;
}
