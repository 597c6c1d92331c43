/* f2f-signaling-server
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Command line, logging and signals; see f2fserver.c for the transport and
 * f2fregistry.c for the room logic.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <glib-unix.h>

#include "f2fserver.h"

static GLogLevelFlags log_threshold = G_LOG_LEVEL_MESSAGE;

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField * fields, gsize n_fields,
    gpointer user_data)
{
  /* Lower flag values are more severe. */
  if ((level & G_LOG_LEVEL_MASK) > log_threshold)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_standard_streams (level, fields, n_fields, user_data);
}

static gboolean
parse_log_level (const gchar * name)
{
  static const struct
  {
    const gchar *name;
    GLogLevelFlags level;
  } levels[] = {
    {"error", G_LOG_LEVEL_CRITICAL},
    {"warning", G_LOG_LEVEL_WARNING},
    {"info", G_LOG_LEVEL_MESSAGE},
    {"debug", G_LOG_LEVEL_DEBUG},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (levels); i++) {
    if (g_ascii_strcasecmp (name, levels[i].name) == 0) {
      log_threshold = levels[i].level;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
quit_cb (gpointer loop)
{
  g_message ("shutting down");
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Thousands of WebSocket connections need thousands of descriptors. */
static void
raise_fd_limit (void)
{
  struct rlimit lim;

  if (getrlimit (RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit (RLIMIT_NOFILE, &lim);
  }
}

static gchar *
default_db_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "f2f", "signaling.db",
      NULL);
}

/* The browser page: the source tree's when this is the binary of the build
 * tree (so the page being edited is the one served), else the installed
 * one. */
static gchar *
default_static_dir (void)
{
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree gchar *dir = self ? g_path_get_dirname (self) : NULL;

  if (dir && g_strcmp0 (dir, F2F_BUILD_SIGNALING_DIR) == 0
      && g_file_test (F2F_SOURCE_STATIC_DIR, G_FILE_TEST_IS_DIR))
    return g_strdup (F2F_SOURCE_STATIC_DIR);
  if (g_file_test (F2F_DATADIR "/static", G_FILE_TEST_IS_DIR))
    return g_strdup (F2F_DATADIR "/static");
  return NULL;
}

int
main (int argc, char **argv)
{
  F2fServerConfig config = { {0,}, };
  gint port = 8443, max_peers = 16, max_conns = 64, idle = 20, burst = 20;
  gint max_failures = 5, handshake = 10, max_room_failures = 30;
  gint password_workers = MAX (1, (gint) g_get_num_processors () - 1);
  gint password_queue = 32, max_send_frames = 1024;
  gint64 max_send_bytes = 1024 * 1024;
  gdouble join_rate = 5.0, expiry_h = 24 * 7;
  /* GOption replaces a string without freeing it: defaults come after. */
  g_autofree gchar *address = NULL;
  g_autofree gchar *tls_cert = NULL, *tls_key = NULL, *db = NULL;
  g_autofree gchar *static_dir = NULL, *log_level = NULL;
  g_auto (GStrv) origins = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree gchar *uri = NULL;
  F2fServer *server;
  GOptionEntry entries[] = {
    {"port", 'p', 0, G_OPTION_ARG_INT, &port,
        "TCP port to listen on; 0 lets the OS choose (default 8443)", "PORT"},
    {"address", 'a', 0, G_OPTION_ARG_STRING, &address,
        "IP address to listen on (default 127.0.0.1; 0.0.0.0 for all IPv4)",
        "ADDR"},
    {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert,
        "PEM certificate: serve wss:// and https:// (with --tls-key)", "FILE"},
    {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key,
        "PEM private key of --tls-cert", "FILE"},
    {"db", 0, 0, G_OPTION_ARG_FILENAME, &db,
          "SQLite file keeping rooms and password hashes (default "
          "$XDG_STATE_HOME/f2f/signaling.db, i.e. ~/.local/state/f2f/"
          "signaling.db); ':memory:' for a throwaway store", "PATH"},
    {"room-expiry", 0, 0, G_OPTION_ARG_DOUBLE, &expiry_h,
          "Hours an empty room keeps its password before anyone may create "
          "it afresh (default 168, one week; 0 keeps rooms forever)", "HOURS"},
    {"max-peers-per-room", 0, 0, G_OPTION_ARG_INT, &max_peers,
        "Peers in one room; more get room-full (default 16, 0: no limit)", "N"},
    {"max-connections-per-ip", 0, 0, G_OPTION_ARG_INT, &max_conns,
          "Open TCP connections from one IP address, WebSocket or not yet; "
          "more are closed as they are accepted (default 64, 0: no limit)",
        "N"},
    {"join-rate", 0, 0, G_OPTION_ARG_DOUBLE, &join_rate,
          "Join attempts per second from one IP address, in bursts of "
          "--join-burst (default 5, 0: no limit)", "RATE"},
    {"join-burst", 0, 0, G_OPTION_ARG_INT, &burst,
        "Join attempts one IP address may make at once (default 20)", "N"},
    {"max-password-failures", 0, 0, G_OPTION_ARG_INT, &max_failures,
          "Wrong passwords from one IP address within a minute before its "
          "joins are rate-limited (default 5, 0: no limit)", "N"},
    {"max-room-password-failures", 0, 0, G_OPTION_ARG_INT,
          &max_room_failures,
          "Wrong passwords for one room, from all addresses together, within "
          "a minute before the room takes no more password attempts until "
          "the minute has passed (default 30, 0: no limit)", "N"},
    {"password-workers", 0, 0, G_OPTION_ARG_INT, &password_workers,
          "Threads that hash and check passwords, off the main loop "
          "(default: the number of processors minus one, at least 1; each "
          "uses 64 MiB while it works)", "N"},
    {"password-queue", 0, 0, G_OPTION_ARG_INT, &password_queue,
          "Joins that may wait for a password worker; more are refused with "
          "rate-limited (default 32)", "N"},
    {"max-send-queue-bytes", 0, 0, G_OPTION_ARG_INT64, &max_send_bytes,
          "Bytes that may wait to be sent to one peer (in the server, beyond "
          "what the kernel buffers); a peer that falls further behind is "
          "closed (1008) and its room told it left, too-slow (default "
          "1048576, 0: no limit)", "BYTES"},
    {"max-send-queue-frames", 0, 0, G_OPTION_ARG_INT, &max_send_frames,
          "Frames that may wait to be sent to one peer, as above (default "
          "1024, 0: no limit)", "N"},
    {"idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle,
          "Seconds without a frame (send ping) before a peer is timed out "
          "(default 20)", "SECONDS"},
    {"handshake-timeout", 0, 0, G_OPTION_ARG_INT, &handshake,
          "Seconds from accepting a connection to its WebSocket upgrade, "
          "however slowly its request trickles in; then it is closed. Plain "
          "HTTP connections (static files) live at most this long "
          "(default 10, 0: never)", "SECONDS"},
    {"origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &origins,
          "Allow WebSocket connections whose Origin header is ORIGIN; repeat "
          "for several (default: any origin, and clients without one)",
        "ORIGIN"},
    {"static-dir", 0, 0, G_OPTION_ARG_FILENAME, &static_dir,
        "Serve the files of DIR over HTTP (default: the browser page, from "
          F2F_DATADIR "/static when installed, from the source tree when "
          "run from the build tree)", "DIR"},
    {"log-level", 0, 0, G_OPTION_ARG_STRING, &log_level,
        "error, warning, info (default) or debug", "LEVEL"},
    {NULL}
  };

  ctx = g_option_context_new ("- the f2f signaling server");
  g_option_context_set_summary (ctx,
      "Rooms, passwords and the relay that f2f peers and browsers use to find "
      "each other.\nWebSocket clients connect to ws://ADDRESS:PORT/ws; the "
      "protocol is in docs/protocol.md.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("f2f-signaling-server: %s\nTry --help.\n", error->message);
    return 2;
  }
  if (log_level && !parse_log_level (log_level)) {
    g_printerr ("f2f-signaling-server: unknown log level '%s' "
        "(error, warning, info, debug)\n", log_level);
    return 2;
  }
  if (port < 0 || port > 65535 || max_peers < 0 || max_conns < 0 || idle < 1
      || burst < 1 || max_failures < 0 || handshake < 0 || join_rate < 0
      || expiry_h < 0 || max_room_failures < 0 || password_workers < 1
      || password_workers > 64 || password_queue < 0 || max_send_bytes < 0
      || max_send_frames < 0) {
    g_printerr ("f2f-signaling-server: a numeric option is out of range\n");
    return 2;
  }
  g_log_set_writer_func (log_writer, NULL, NULL);
  raise_fd_limit ();

  f2f_registry_config_init (&config.registry);
  config.registry.max_peers_per_room = max_peers;
  config.registry.max_connections_per_ip = max_conns;
  config.registry.idle_timeout_ms = idle * 1000;
  config.registry.join_rate = join_rate;
  config.registry.join_burst = burst;
  config.registry.max_password_failures = max_failures;
  config.registry.max_room_password_failures = max_room_failures;
  config.password_workers = password_workers;
  config.password_queue = password_queue;
  config.max_send_queue_bytes = max_send_bytes;
  config.max_send_queue_frames = max_send_frames;
  if (address == NULL)
    address = g_strdup ("127.0.0.1");
  config.address = address;
  config.port = port;
  config.tls_cert = tls_cert;
  config.tls_key = tls_key;
  if (db == NULL)
    db = default_db_path ();
  config.db_path = db;
  config.room_expiry_s = (gint64) (expiry_h * 3600);
  config.origins = (const gchar * const *) origins;
  if (static_dir == NULL)
    static_dir = default_static_dir ();
  config.static_dir = static_dir;
  config.handshake_timeout_s = handshake;

  server = f2f_server_new (&config, &error);
  if (server == NULL) {
    g_printerr ("f2f-signaling-server: %s\n", error->message);
    return 1;
  }

  /* Tests and scripts read this line to learn the port the OS chose. */
  uri = f2f_server_get_ws_uri (server);
  printf ("f2f-signaling-server listening on %s\n", uri);
  fflush (stdout);
  g_message ("store: %s; static files: %s", db,
      static_dir ? static_dir : "(none)");

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);

  f2f_server_shutdown (server);
  /* Let the close frames go out before the sockets do. */
  while (g_main_context_iteration (NULL, FALSE));
  f2f_server_free (server);
  return 0;
}
