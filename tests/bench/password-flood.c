/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * password-flood: what a password-guessing run does to the relay of the
 * rooms that have nothing to do with it.
 *
 * It starts f2f-signaling-server (default flags, --db :memory:), joins
 * two peers to an open room and has one send the other an app message
 * every --interval ms, stamped with the monotonic clock (one process, one
 * clock). A third peer creates a protected room. After --quiet seconds of
 * relaying alone, --guesses WebSocket connections from --addresses local
 * addresses (127.0.0.10, .11, …) each try a wrong password, all at once
 * or --rate per second. It prints the relay latency before and during the
 * flood (until the last guess is answered) and what the guesses got.
 *
 * A benchmark, run by hand; not part of the test suite. See
 * docs/performance.md.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <libsoup/soup.h>
#include <gst/f2f/f2f.h>

#ifndef F2F_DEFAULT_SERVER
#define F2F_DEFAULT_SERVER "f2f-signaling-server"
#endif

typedef struct
{
  SoupWebsocketConnection *ws;
  gchar *id;
  gboolean joined;
} Peer;

typedef struct
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  gboolean done;
} Guess;

static struct
{
  gchar *ws_uri;
  Peer sender, receiver, owner;
  GArray *quiet_ms, *flood_ms;  /* gdouble */
  gboolean flooding;
  guint n_guesses, n_started, n_done, n_wrong, n_limited, n_other;
  guint n_addresses;
  GPtrArray *guesses;
  gint64 flood_start, flood_end;
} B;

static gboolean
expired_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_until (gboolean * cond, guint ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (ms, expired_cb, &expired);

  while (!*cond && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
}

static void
peer_message_cb (SoupWebsocketConnection * ws, gint type, GBytes * bytes,
    Peer * peer)
{
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GstF2fMessage) msg = gst_f2f_message_parse (data, len,
      GST_F2F_DIRECTION_TO_CLIENT, NULL);

  if (msg == NULL)
    return;
  if (msg->type == GST_F2F_MESSAGE_WELCOME) {
    peer->id = g_strdup (msg->peer_id);
    peer->joined = TRUE;
  } else if (msg->type == GST_F2F_MESSAGE_APP && peer == &B.receiver) {
    gdouble ms = (g_get_monotonic_time () -
        g_ascii_strtoll (msg->payload, NULL, 10)) / 1000.0;
    g_array_append_val (B.flooding ? B.flood_ms : B.quiet_ms, ms);
  }
}

typedef struct
{
  SoupWebsocketConnection *ws;
  gboolean done;
} Connecting;

static void
connected_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Connecting *c = user_data;
  g_autoptr (GError) error = NULL;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res,
      &error);
  if (c->ws == NULL)
    g_printerr ("password-flood: cannot connect: %s\n", error->message);
  c->done = TRUE;
}

static void
peer_start (Peer * peer, SoupSession * session, const gchar * room,
    const gchar * password)
{
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, B.ws_uri);
  g_autoptr (GstF2fMessage) join = NULL;
  g_autofree gchar *text = NULL;
  Connecting c = { NULL, FALSE };

  soup_session_websocket_connect_async (session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, connected_cb, &c);
  iterate_until (&c.done, 10000);
  if (c.ws == NULL)
    exit (1);
  peer->ws = c.ws;
  g_signal_connect (peer->ws, "message", G_CALLBACK (peer_message_cb), peer);
  join = gst_f2f_message_new_join (room, "bench", password, NULL);
  text = gst_f2f_message_serialize (join);
  soup_websocket_connection_send_text (peer->ws, text);
  iterate_until (&peer->joined, 10000);
  if (!peer->joined) {
    g_printerr ("password-flood: a peer could not join %s\n", room);
    exit (1);
  }
}

static gboolean
send_cb (gpointer user_data)
{
  g_autofree gchar *stamp = g_strdup_printf ("%" G_GINT64_FORMAT,
      g_get_monotonic_time ());
  g_autoptr (GstF2fMessage) app = gst_f2f_message_new_app (B.receiver.id,
      stamp);
  g_autofree gchar *text = gst_f2f_message_serialize (app);

  soup_websocket_connection_send_text (B.sender.ws, text);
  return G_SOURCE_CONTINUE;
}

static void
guess_finish (Guess * g)
{
  if (g->done)
    return;
  g->done = TRUE;
  if (++B.n_done == B.n_guesses)
    B.flood_end = g_get_monotonic_time ();
}

static void
guess_message_cb (SoupWebsocketConnection * ws, gint type, GBytes * bytes,
    Guess * g)
{
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GstF2fMessage) msg = gst_f2f_message_parse (data, len,
      GST_F2F_DIRECTION_TO_CLIENT, NULL);

  if (msg && msg->type == GST_F2F_MESSAGE_ERROR
      && msg->code == GST_F2F_ERROR_CODE_WRONG_PASSWORD)
    B.n_wrong++;
  else if (msg && msg->type == GST_F2F_MESSAGE_ERROR
      && msg->code == GST_F2F_ERROR_CODE_RATE_LIMITED)
    B.n_limited++;
  else
    B.n_other++;
}

static void
guess_closed_cb (SoupWebsocketConnection * ws, Guess * g)
{
  guess_finish (g);
}

static void
guess_connected_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Guess *g = user_data;
  g_autoptr (GstF2fMessage) join = NULL;
  g_autofree gchar *text = NULL;

  g->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res,
      NULL);
  if (g->ws == NULL) {
    B.n_other++;
    guess_finish (g);
    return;
  }
  g_signal_connect (g->ws, "message", G_CALLBACK (guess_message_cb), g);
  g_signal_connect (g->ws, "closed", G_CALLBACK (guess_closed_cb), g);
  join = gst_f2f_message_new_join ("vault", "guesser", "wrong guess", NULL);
  text = gst_f2f_message_serialize (join);
  soup_websocket_connection_send_text (g->ws, text);
}

static gboolean
start_guess_cb (gpointer user_data)
{
  g_autofree gchar *ip = g_strdup_printf ("127.0.0.%u",
      10 + B.n_started % B.n_addresses);
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (ip);
  g_autoptr (GSocketAddress) local = g_inet_socket_address_new (inet, 0);
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, B.ws_uri);
  Guess *g = g_new0 (Guess, 1);

  g->session = soup_session_new_with_options ("local-address", local,
      "proxy-resolver", NULL, NULL);
  g_ptr_array_add (B.guesses, g);
  soup_session_websocket_connect_async (g->session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, guess_connected_cb, g);
  B.n_started++;
  return B.n_started < B.n_guesses ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static void
report (const gchar * what, GArray * l)
{
  guint n = l->len;

  g_array_sort (l, compare_doubles);
  if (n == 0) {
    printf ("%s: no messages\n", what);
    return;
  }
  printf ("%s: %u messages, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", what, n,
      g_array_index (l, gdouble, n / 2),
      g_array_index (l, gdouble, MIN (n - 1, (guint) (n * 0.99))),
      g_array_index (l, gdouble, n - 1));
}

static void
child_setup (gpointer unused)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *server_path = g_strdup (F2F_DEFAULT_SERVER);
  gint guesses = 200, addresses = 40, interval_ms = 5;
  gdouble quiet_s = 2.0, rate = 0, time_limit_s = 120;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) server = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (SoupSession) session = NULL;
  g_autofree gchar *line = NULL;
  gboolean quiet_over = FALSE, all_done = FALSE;
  g_auto (GStrv) server_args = NULL;
  g_autoptr (GPtrArray) server_argv = g_ptr_array_new ();
  guint i;
  GOptionEntry entries[] = {
    {"server", 0, 0, G_OPTION_ARG_FILENAME, &server_path,
        "f2f-signaling-server to run (default: this build's)", "PATH"},
    {"guesses", 'g', 0, G_OPTION_ARG_INT, &guesses,
        "Wrong passwords to try (default 200)", "N"},
    {"addresses", 'a', 0, G_OPTION_ARG_INT, &addresses,
        "Source addresses, 127.0.0.10 on (default 40, at most 200)", "N"},
    {"rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate,
        "Guesses started per second (default 0: all at once)", "RATE"},
    {"interval", 'i', 0, G_OPTION_ARG_INT, &interval_ms,
        "Milliseconds between relayed messages (default 5)", "MS"},
    {"quiet", 'q', 0, G_OPTION_ARG_DOUBLE, &quiet_s,
        "Seconds of relay before the flood (default 2)", "SECONDS"},
    {"server-arg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &server_args,
        "One more option for the server; repeat for several", "ARG"},
    {"time-limit", 0, 0, G_OPTION_ARG_DOUBLE, &time_limit_s,
        "Give up on the flood after this long (default 120)", "SECONDS"},
    {NULL}
  };

  ctx = g_option_context_new ("- relay latency during a password flood");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || guesses < 1
      || addresses < 1 || addresses > 200 || interval_ms < 1) {
    g_printerr ("password-flood: %s\n", error ? error->message :
        "an option is out of range");
    return 2;
  }
  B.n_guesses = guesses;
  B.n_addresses = addresses;
  B.quiet_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  B.flood_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  B.guesses = g_ptr_array_new ();

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_ptr_array_add (server_argv, server_path);
  g_ptr_array_add (server_argv, (gpointer) "--port=0");
  g_ptr_array_add (server_argv, (gpointer) "--db=:memory:");
  for (i = 0; server_args && server_args[i]; i++)
    g_ptr_array_add (server_argv, server_args[i]);
  g_ptr_array_add (server_argv, NULL);
  server = g_subprocess_launcher_spawnv (launcher,
      (const gchar * const *) server_argv->pdata, &error);
  if (server == NULL) {
    g_printerr ("password-flood: %s\n", error->message);
    return 1;
  }
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  if (line == NULL || strstr (line, " listening on ") == NULL) {
    g_printerr ("password-flood: the server did not start\n");
    return 1;
  }
  B.ws_uri = g_strdup (strstr (line, " listening on ") + 14);

  session = soup_session_new_with_options ("max-conns", 16,
      "max-conns-per-host", 16, "proxy-resolver", NULL, NULL);
  peer_start (&B.owner, session, "vault", "the real password");
  peer_start (&B.sender, session, "steady", NULL);
  peer_start (&B.receiver, session, "steady", NULL);

  g_timeout_add (interval_ms, send_cb, NULL);
  iterate_until (&quiet_over, quiet_s * 1000);

  B.flooding = TRUE;
  B.flood_start = g_get_monotonic_time ();
  if (rate > 0) {
    g_timeout_add (MAX (1, (guint) (1000 / rate)), start_guess_cb, NULL);
  } else {
    while (start_guess_cb (NULL) == G_SOURCE_CONTINUE);
  }
  while (B.n_done < B.n_guesses && g_get_monotonic_time () - B.flood_start <
      time_limit_s * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  all_done = B.n_done == B.n_guesses;

  printf ("server:");
  for (i = 0; i + 1 < server_argv->len; i++)
    printf (" %s", (const gchar *) server_argv->pdata[i]);
  printf ("\n");
  printf ("guesses: %u from %u addresses%s, answered %u in %.2f s "
      "(wrong-password %u, rate-limited %u, other %u)\n", B.n_guesses,
      B.n_addresses, rate > 0 ? "" : ", all at once", B.n_done,
      ((all_done ? B.flood_end : g_get_monotonic_time ()) - B.flood_start) /
      1e6, B.n_wrong, B.n_limited, B.n_other);
  report ("relay before the flood", B.quiet_ms);
  report ("relay during the flood", B.flood_ms);
  g_subprocess_force_exit (server);
  return all_done ? 0 : 1;
}
