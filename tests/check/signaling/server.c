/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * End-to-end tests of f2f-signaling-server. Each test runs the real binary
 * ($F2F_SIGNALING_SERVER) as a child process and talks to it over real
 * sockets: libsoup WebSocket clients for what a client does, raw TCP for
 * what no well-behaved client would send. Every wait iterates the test's
 * main context until its condition holds or a deadline passes, and then
 * fails saying what it was waiting for.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

/* Milliseconds the server gets to answer a frame, before slowdown. */
#define REPLY_MS 5000

typedef struct
{
  GSubprocess *process;
  GDataInputStream *stdout_lines;
  gchar *ws_uri;                /* as the server printed it */
  guint16 port;
  gboolean tls;
  gboolean exited;
} TestServer;

typedef struct
{
  gchar *label;                 /* also the display name it joins with */
  SoupWebsocketConnection *ws;
  GQueue inbox;                 /* GstF2fMessage*, oldest first; pongs are
                                 * only counted */
  guint n_pongs;
  gboolean closed;
  gushort close_code;
  gchar *id;                    /* given by the welcome */
} TestClient;

/* One per test, set up and torn down around it. */
typedef struct
{
  GMainContext *context;
  SoupSession *session;
  GPtrArray *servers;           /* TestServer*, killed in teardown */
  GPtrArray *clients;           /* TestClient* */
  GPtrArray *tmpdirs;           /* gchar*, removed in teardown */
  guint slowdown;               /* deadline multiplier (valgrind) */
} Fixture;

static Fixture fx;
static pid_t test_pid;

/* ---------------------------------------------------------------------- */
/* Waiting */

typedef struct
{
  GSource *timer;
  gboolean expired;
} Deadline;

static gboolean
deadline_expired_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
deadline_start (Deadline * d, guint ms)
{
  d->expired = FALSE;
  d->timer = g_timeout_source_new (ms * fx.slowdown);
  g_source_set_callback (d->timer, deadline_expired_cb, &d->expired, NULL);
  g_source_attach (d->timer, fx.context);
}

/* Runs one iteration, blocking at most until the deadline; FALSE once it
 * has passed. */
static gboolean
deadline_iterate (Deadline * d)
{
  if (d->expired)
    return FALSE;
  g_main_context_iteration (fx.context, TRUE);
  return TRUE;
}

static void
deadline_stop (Deadline * d)
{
  g_source_destroy (d->timer);
  g_source_unref (d->timer);
}

/* Iterates the main context until @cond holds; fails with the message
 * after @ms milliseconds (times the valgrind slowdown). */
#define WAIT_UNTIL(cond, ms, ...)                       \
  G_STMT_START {                                        \
    Deadline _deadline;                                 \
    deadline_start (&_deadline, (ms));                  \
    while (!(cond)) {                                   \
      if (!deadline_iterate (&_deadline)) {             \
        deadline_stop (&_deadline);                     \
        ck_abort_msg (__VA_ARGS__);                     \
      }                                                 \
    }                                                   \
    deadline_stop (&_deadline);                         \
  } G_STMT_END

/* Lets the server and the clients work for @ms: for checking that
 * something keeps (not) happening over a span of time. */
static void
run_for (guint ms)
{
  Deadline d;

  deadline_start (&d, ms);
  while (deadline_iterate (&d));
  deadline_stop (&d);
}

/* The result of one async call. The callback holds a reference of its own,
 * so a waiter that gives up (a failed test) leaves it nothing dangling. */
typedef struct
{
  GAsyncResult *result;
} Pending;

static void
pending_clear (Pending * p)
{
  g_clear_object (&p->result);
}

static Pending *
pending_new (void)
{
  return g_rc_box_acquire (g_rc_box_new0 (Pending));
}

static void
pending_unref (Pending * p)
{
  g_rc_box_release_full (p, (GDestroyNotify) pending_clear);
}

static void
pending_done_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Pending *p = user_data;

  p->result = g_object_ref (res);
  pending_unref (p);
}

static GAsyncResult *
pending_wait (Pending * p, guint ms, const gchar * what)
{
  WAIT_UNTIL (p->result != NULL, ms, "no result within %u ms: %s",
      ms * fx.slowdown, what);
  return p->result;
}

/* ---------------------------------------------------------------------- */
/* Temporary files */

static gchar *
make_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("f2f-server-test-XXXXXX", &error);

  fail_unless (dir != NULL, "cannot make a temporary directory: %s",
      error ? error->message : "?");
  g_ptr_array_add (fx.tmpdirs, dir);
  return dir;
}

static void
write_file (const gchar * path, const gchar * contents)
{
  g_autoptr (GError) error = NULL;

  fail_unless (g_file_set_contents (path, contents, -1, &error),
      "cannot write %s: %s", path, error ? error->message : "?");
}

static void
remove_tree (const gchar * path)
{
  GDir *dir;
  const gchar *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) ||
      g_file_test (path, G_FILE_TEST_IS_SYMLINK)) {
    g_unlink (path);
    return;
  }
  dir = g_dir_open (path, 0, NULL);
  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree gchar *child = g_build_filename (path, name, NULL);
    remove_tree (child);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (path);
}

/* ---------------------------------------------------------------------- */
/* The server process */

static void
server_child_setup (gpointer user_data)
{
  /* A failed check ends the forked test process at once, without its
   * teardown; the server must not outlive it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != test_pid)
    _exit (127);
}

static void
server_exited_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  TestServer *server = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  server->exited = TRUE;
}

static void
server_free (TestServer * server)
{
  g_clear_object (&server->stdout_lines);
  g_clear_object (&server->process);
  g_free (server->ws_uri);
  g_free (server);
}

/* Starts the server on a port the OS picks, with @db as its store and the
 * NULL-terminated extra options, and waits for the line that says where it
 * listens. */
static TestServer *
server_start (const gchar * db, ...)
{
  const gchar *binary = g_getenv ("F2F_SIGNALING_SERVER");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autofree gchar *line = NULL;
  const gchar *prefix = "f2f-signaling-server listening on ";
  const gchar *arg;
  TestServer *server;
  Pending *p;
  va_list args;

  fail_unless (binary != NULL,
      "F2F_SIGNALING_SERVER is not set; run this test with meson test");

  g_ptr_array_add (argv, (gpointer) binary);
  g_ptr_array_add (argv, (gpointer) "--port=0");
  g_ptr_array_add (argv, (gpointer) "--address=127.0.0.1");
  g_ptr_array_add (argv, (gpointer) "--db");
  g_ptr_array_add (argv, (gpointer) db);
  va_start (args, db);
  while ((arg = va_arg (args, const gchar *)))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  /* stderr stays ours, so the server's log lands in the test log. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, server_child_setup, NULL,
      NULL);
  server = g_new0 (TestServer, 1);
  server->process = g_subprocess_launcher_spawnv (launcher,
      (const gchar * const *) argv->pdata, &error);
  fail_unless (server->process != NULL, "cannot start %s: %s", binary,
      error ? error->message : "?");
  g_ptr_array_add (fx.servers, server);
  g_subprocess_wait_async (server->process, NULL, server_exited_cb, server);

  server->stdout_lines =
      g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  p = pending_new ();
  g_data_input_stream_read_line_async (server->stdout_lines,
      G_PRIORITY_DEFAULT, NULL, pending_done_cb, p);
  line = g_data_input_stream_read_line_finish_utf8 (server->stdout_lines,
      pending_wait (p, 10000, "the server's 'listening on' line"), NULL,
      &error);
  pending_unref (p);
  fail_unless (line != NULL && g_str_has_prefix (line, prefix),
      "the server did not say where it listens (it printed '%s'%s%s)",
      line ? line : "nothing", error ? ": " : "", error ? error->message : "");

  server->ws_uri = g_strdup (line + strlen (prefix));
  uri = g_uri_parse (server->ws_uri, G_URI_FLAGS_NONE, &error);
  fail_unless (uri != NULL, "the server printed a bad URI '%s'",
      server->ws_uri);
  fail_unless (g_uri_get_port (uri) > 0, "no port in '%s'", server->ws_uri);
  server->port = g_uri_get_port (uri);
  server->tls = g_str_equal (g_uri_get_scheme (uri), "wss");
  return server;
}

static gchar *
server_http_uri (TestServer * server, const gchar * path)
{
  return g_strdup_printf ("%s://127.0.0.1:%u%s",
      server->tls ? "https" : "http", server->port, path);
}

/* Kills the server unless it already exited, and reaps it. */
static void
server_kill (TestServer * server)
{
  if (!server->exited)
    g_subprocess_force_exit (server->process);
  WAIT_UNTIL (server->exited, 5000, "the killed server was not reaped");
}

/* SIGTERM, the way a service manager stops the server; returns its exit
 * status, failing if it did not exit on its own. */
static gint
server_terminate (TestServer * server)
{
  fail_if (server->exited, "the server exited before it was told to");
  g_subprocess_send_signal (server->process, SIGTERM);
  WAIT_UNTIL (server->exited, 5000, "the server ignored SIGTERM for 5 s");
  fail_unless (g_subprocess_get_if_exited (server->process),
      "the server did not exit on SIGTERM but died of signal %d",
      g_subprocess_get_if_signaled (server->process) ?
      g_subprocess_get_term_sig (server->process) : -1);
  return g_subprocess_get_exit_status (server->process);
}

/* ---------------------------------------------------------------------- */
/* WebSocket clients */

static gboolean
accept_any_certificate_cb (SoupMessage * msg, GTlsCertificate * cert,
    GTlsCertificateFlags errors, gpointer user_data)
{
  return TRUE;
}

/* Runs the WebSocket handshake with /ws. Returns the connection, or NULL
 * with @error set and the HTTP status in @status. */
static SoupWebsocketConnection *
websocket_connect (TestServer * server, const gchar * origin,
    gboolean accept_cert, guint * status, GError ** error)
{
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET,
      server->ws_uri);
  SoupWebsocketConnection *ws;
  Pending *p = pending_new ();

  if (accept_cert)
    g_signal_connect (msg, "accept-certificate",
        G_CALLBACK (accept_any_certificate_cb), NULL);
  soup_session_websocket_connect_async (fx.session, msg, origin, NULL,
      G_PRIORITY_DEFAULT, NULL, pending_done_cb, p);
  ws = soup_session_websocket_connect_finish (fx.session,
      pending_wait (p, REPLY_MS, "the WebSocket handshake"), error);
  pending_unref (p);
  if (status)
    *status = soup_message_get_status (msg);
  return ws;
}

static gchar *
describe (const GstF2fMessage * msg)
{
  return msg ? gst_f2f_message_serialize (msg) : g_strdup ("nothing");
}

static void
client_message_cb (SoupWebsocketConnection * ws, gint type, GBytes * bytes,
    TestClient * c)
{
  g_autoptr (GError) error = NULL;
  gsize length;
  const gchar *data = g_bytes_get_data (bytes, &length);
  GstF2fMessage *msg;

  fail_unless (type == SOUP_WEBSOCKET_DATA_TEXT,
      "client %s: the server sent a binary frame", c->label);
  msg = gst_f2f_message_parse (data, length, GST_F2F_DIRECTION_TO_CLIENT,
      &error);
  fail_unless (msg != NULL,
      "client %s: the server sent a frame the protocol rejects (%s): %.*s",
      c->label, error ? error->message : "?", (gint) MIN (length, 300), data);
  if (msg->type == GST_F2F_MESSAGE_PONG) {
    c->n_pongs++;
    gst_f2f_message_free (msg);
    return;
  }
  g_queue_push_tail (&c->inbox, msg);
}

static void
client_closed_cb (SoupWebsocketConnection * ws, TestClient * c)
{
  c->closed = TRUE;
  c->close_code = soup_websocket_connection_get_close_code (ws);
}

static TestClient *
client_wrap (SoupWebsocketConnection * ws, const gchar * label)
{
  TestClient *c = g_new0 (TestClient, 1);

  c->label = g_strdup (label);
  c->ws = ws;
  g_queue_init (&c->inbox);
  g_signal_connect (ws, "message", G_CALLBACK (client_message_cb), c);
  g_signal_connect (ws, "closed", G_CALLBACK (client_closed_cb), c);
  g_ptr_array_add (fx.clients, c);
  return c;
}

static TestClient *
client_new_full (TestServer * server, const gchar * label,
    const gchar * origin)
{
  g_autoptr (GError) error = NULL;
  guint status = 0;
  SoupWebsocketConnection *ws;

  ws = websocket_connect (server, origin, server->tls, &status, &error);
  fail_unless (ws != NULL, "client %s could not connect to %s (HTTP %u): %s",
      label, server->ws_uri, status, error ? error->message : "?");
  return client_wrap (ws, label);
}

static TestClient *
client_new (TestServer * server, const gchar * label)
{
  return client_new_full (server, label, NULL);
}

static void
client_free (TestClient * c)
{
  if (c->ws) {
    g_signal_handlers_disconnect_by_data (c->ws, c);
    if (soup_websocket_connection_get_state (c->ws) ==
        SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
          NULL);
    g_object_unref (c->ws);
  }
  g_queue_clear_full (&c->inbox, (GDestroyNotify) gst_f2f_message_free);
  g_free (c->label);
  g_free (c->id);
  g_free (c);
}

static void
client_send_text (TestClient * c, const gchar * text)
{
  fail_unless (soup_websocket_connection_get_state (c->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN, "client %s cannot send: it was closed "
      "(code %u)", c->label, c->close_code);
  soup_websocket_connection_send_text (c->ws, text);
}

/* Sends @msg (transfer full). */
static void
client_send (TestClient * c, GstF2fMessage * msg)
{
  g_autofree gchar *text = gst_f2f_message_serialize (msg);

  gst_f2f_message_free (msg);
  client_send_text (c, text);
}

static void
client_send_binary (TestClient * c, const guint8 * data, gsize length)
{
  fail_if (c->closed, "client %s cannot send: it was closed", c->label);
  soup_websocket_connection_send_binary (c->ws, data, length);
}

/* (transfer full): the next message @c received (not a pong). */
static GstF2fMessage *
client_next (TestClient * c)
{
  WAIT_UNTIL (!g_queue_is_empty (&c->inbox) || c->closed, REPLY_MS,
      "client %s received nothing within %u ms", c->label,
      REPLY_MS * fx.slowdown);
  fail_if (g_queue_is_empty (&c->inbox),
      "client %s was closed (code %u) while waiting for a message",
      c->label, c->close_code);
  return g_queue_pop_head (&c->inbox);
}

static GstF2fMessage *
client_expect (TestClient * c, GstF2fMessageType type)
{
  GstF2fMessage *msg = client_next (c);
  g_autofree gchar *text = describe (msg);

  fail_unless (msg->type == type, "client %s expected %s, received %s",
      c->label, gst_f2f_message_type_to_string (type), text);
  return msg;
}

static void
client_expect_error (TestClient * c, GstF2fErrorCode code)
{
  g_autoptr (GstF2fMessage) msg = client_next (c);
  g_autofree gchar *text = describe (msg);

  fail_unless (msg->type == GST_F2F_MESSAGE_ERROR && msg->code == code,
      "client %s expected error %s, received %s", c->label,
      gst_f2f_error_code_to_string (code), text);
}

static void
client_expect_closed (TestClient * c, gushort code)
{
  WAIT_UNTIL (c->closed, REPLY_MS, "client %s was not closed within %u ms "
      "(expected code %u)", c->label, REPLY_MS * fx.slowdown, code);
  fail_unless_equals_int (c->close_code, code);
}

/* Pings and waits for the pong. The server answers a connection's frames in
 * order, so anything it sent this client before is in the inbox now. */
static void
client_sync (TestClient * c)
{
  guint before = c->n_pongs;

  client_send (c, gst_f2f_message_new (GST_F2F_MESSAGE_PING));
  WAIT_UNTIL (c->n_pongs > before || c->closed, REPLY_MS,
      "client %s got no pong within %u ms", c->label, REPLY_MS * fx.slowdown);
  fail_if (c->closed, "client %s was closed (code %u) instead of getting a "
      "pong", c->label, c->close_code);
}

static void
client_assert_quiet (TestClient * c)
{
  g_autofree gchar *text = NULL;

  client_sync (c);
  text = describe (g_queue_peek_head (&c->inbox));
  fail_unless (g_queue_is_empty (&c->inbox),
      "client %s received a message it should not have: %s", c->label, text);
}

/* Joins and returns the welcome (transfer full). */
static GstF2fMessage *
client_join (TestClient * c, const gchar * room, const gchar * password)
{
  GstF2fMessage *welcome;

  client_send (c, gst_f2f_message_new_join (room, c->label, password, NULL));
  welcome = client_expect (c, GST_F2F_MESSAGE_WELCOME);
  fail_unless_equals_string (welcome->room, room);
  fail_unless (welcome->peer_id != NULL && *welcome->peer_id != '\0');
  g_free (c->id);
  c->id = g_strdup (welcome->peer_id);
  return welcome;
}

/* A join the server must refuse: error @code, then a close with 1008. */
static void
client_join_refused (TestClient * c, const gchar * room,
    const gchar * password, GstF2fErrorCode code)
{
  client_send (c, gst_f2f_message_new_join (room, c->label, password, NULL));
  client_expect_error (c, code);
  client_expect_closed (c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
}

/* Ends the TCP connection under the WebSocket without a close frame, as a
 * crashed or unplugged peer would. */
static void
client_drop_abruptly (TestClient * c)
{
  GIOStream *io = soup_websocket_connection_get_io_stream (c->ws);

  g_signal_handlers_disconnect_by_data (c->ws, c);
  fail_unless (g_io_stream_close (io, NULL, NULL));
  c->closed = TRUE;
}

static void
assert_peer_left (TestClient * c, const gchar * id, GstF2fLeaveReason reason)
{
  g_autoptr (GstF2fMessage) msg = client_expect (c, GST_F2F_MESSAGE_PEER_LEFT);

  fail_unless_equals_string (msg->peer_id, id);
  fail_unless (msg->reason == reason, "client %s: peer %s left for reason "
      "%s, expected %s", c->label, id,
      gst_f2f_leave_reason_to_string (msg->reason),
      gst_f2f_leave_reason_to_string (reason));
}

/* ---------------------------------------------------------------------- */
/* Raw TCP, for what libsoup would not send */

/* A TCP connection from @from (an address of this machine; NULL: any). */
static GIOStream *
tcp_connect_from (TestServer * server, const gchar * from)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn;
  Pending *p = pending_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  if (from) {
    g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (from);
    g_autoptr (GSocketAddress) local = g_inet_socket_address_new (inet, 0);
    g_socket_client_set_local_address (client, local);
  }
  g_socket_client_connect_to_host_async (client, "127.0.0.1", server->port,
      NULL, pending_done_cb, p);
  conn = g_socket_client_connect_to_host_finish (client,
      pending_wait (p, REPLY_MS, "a TCP connection to the server"), &error);
  pending_unref (p);
  fail_unless (conn != NULL, "cannot connect to port %u: %s", server->port,
      error ? error->message : "?");
  return G_IO_STREAM (conn);
}

static GIOStream *
tcp_connect (TestServer * server)
{
  return tcp_connect_from (server, NULL);
}

static void
tcp_write_bytes (GIOStream * io, gconstpointer data, gsize length)
{
  GOutputStream *out = g_io_stream_get_output_stream (io);
  g_autoptr (GError) error = NULL;
  Pending *p = pending_new ();
  gboolean ok;

  g_output_stream_write_all_async (out, data, length,
      G_PRIORITY_DEFAULT, NULL, pending_done_cb, p);
  ok = g_output_stream_write_all_finish (out,
      pending_wait (p, REPLY_MS, "a TCP write"), NULL, &error);
  pending_unref (p);
  fail_unless (ok, "TCP write failed: %s", error ? error->message : "?");
}

static void
tcp_write (GIOStream * io, const gchar * text)
{
  tcp_write_bytes (io, text, strlen (text));
}

/* (transfer full): up to 64 KiB of what the server sent next; empty at
 * the end of the stream. */
static GBytes *
tcp_read (GIOStream * io, const gchar * what)
{
  GInputStream *in = g_io_stream_get_input_stream (io);
  g_autoptr (GError) error = NULL;
  GBytes *bytes;
  Pending *p = pending_new ();

  g_input_stream_read_bytes_async (in, 65536, G_PRIORITY_DEFAULT, NULL,
      pending_done_cb, p);
  bytes = g_input_stream_read_bytes_finish (in, pending_wait (p, REPLY_MS,
          what), &error);
  pending_unref (p);
  if (bytes == NULL && g_error_matches (error, G_IO_ERROR,
          G_IO_ERROR_CONNECTION_CLOSED))
    return g_bytes_new (NULL, 0);
  fail_unless (bytes != NULL, "reading %s: %s", what,
      error ? error->message : "?");
  return bytes;
}

static void tcp_expect_closed (GIOStream * io, const gchar * what);

/* Sends a hand-written GET for @path, so that no client library tidies up
 * the path first, and returns the whole response. */
static gchar *
raw_http_get (TestServer * server, const gchar * path, guint * status)
{
  g_autoptr (GIOStream) io = tcp_connect (server);
  g_autoptr (GByteArray) response = g_byte_array_new ();
  g_autofree gchar *request = g_strdup_printf ("GET %s HTTP/1.1\r\n"
      "Host: 127.0.0.1:%u\r\nConnection: close\r\n\r\n", path, server->port);

  tcp_write (io, request);
  for (;;) {
    g_autoptr (GBytes) bytes = tcp_read (io, "an HTTP response");

    if (g_bytes_get_size (bytes) == 0)
      break;
    g_byte_array_append (response, g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes));
  }
  g_byte_array_append (response, (const guint8 *) "", 1);
  *status = 0;
  fail_unless (sscanf ((const gchar *) response->data, "HTTP/1.%*d %u",
          status) == 1, "GET %s: not an HTTP response: %s", path,
      (const gchar *) response->data);
  return (gchar *) g_byte_array_free (g_steal_pointer (&response), FALSE);
}

/* A WebSocket handshake by hand, for frames libsoup never sends. */
static GIOStream *
raw_websocket_open (TestServer * server)
{
  GIOStream *io = tcp_connect (server);
  g_autoptr (GByteArray) response = g_byte_array_new ();
  g_autofree gchar *request = g_strdup_printf ("GET /ws HTTP/1.1\r\n"
      "Host: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n", server->port);

  tcp_write (io, request);
  while (response->len == 0 || g_strstr_len ((const gchar *) response->data,
          response->len, "\r\n\r\n") == NULL) {
    g_autoptr (GBytes) bytes = tcp_read (io, "the handshake response");

    fail_if (g_bytes_get_size (bytes) == 0, "the server closed during the "
        "handshake");
    g_byte_array_append (response, g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes));
  }
  fail_unless (response->len > 12 && memcmp (response->data,
          "HTTP/1.1 101", 12) == 0, "the hand-made handshake was refused");
  return io;
}

/* One client frame. Its mask is all zeros, which RFC 6455 allows and
 * which leaves the payload as it is. */
static GByteArray *
raw_websocket_frame (gboolean fin, guint8 opcode, const gchar * payload,
    gsize length)
{
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  const guint8 mask[4] = { 0, 0, 0, 0 };
  guint8 head[10];
  gsize head_len;
  guint i;

  head[0] = (fin ? 0x80 : 0) | opcode;
  if (length < 126) {
    head[1] = 0x80 | length;
    head_len = 2;
  } else if (length <= G_MAXUINT16) {
    head[1] = 0x80 | 126;
    head[2] = length >> 8;
    head[3] = length & 0xff;
    head_len = 4;
  } else {
    head[1] = 0x80 | 127;
    for (i = 0; i < 8; i++)
      head[2 + i] = ((guint64) length >> (8 * (7 - i))) & 0xff;
    head_len = 10;
  }
  g_byte_array_append (frame, head, head_len);
  g_byte_array_append (frame, mask, sizeof mask);
  g_byte_array_append (frame, (const guint8 *) payload, length);
  return g_steal_pointer (&frame);
}

static void
raw_websocket_send_frame (GIOStream * io, gboolean fin, guint8 opcode,
    const gchar * payload, gsize length)
{
  g_autoptr (GByteArray) frame = raw_websocket_frame (fin, opcode, payload,
      length);

  tcp_write_bytes (io, frame->data, frame->len);
}

/* Reads server frames until a close frame and returns its code; 0 when the
 * connection ends without one. */
static guint
raw_websocket_read_close_code (GIOStream * io)
{
  g_autoptr (GByteArray) in = g_byte_array_new ();

  for (;;) {
    g_autoptr (GBytes) bytes = NULL;

    /* Unmasked server frames; a close frame is short. */
    while (in->len >= 2) {
      gsize length = in->data[1] & 0x7f, head = 2;

      if (length == 126) {
        if (in->len < 4)
          break;
        length = (in->data[2] << 8) | in->data[3];
        head = 4;
      }
      fail_if (length == 127, "the server sent a frame over 64 KiB");
      if (in->len < head + length)
        break;
      if ((in->data[0] & 0x0f) == 0x8)
        return length >= 2 ? (in->data[head] << 8) | in->data[head + 1] : 0;
      g_byte_array_remove_range (in, 0, head + length);
    }
    bytes = tcp_read (io, "a close frame");
    if (g_bytes_get_size (bytes) == 0)
      return 0;
    g_byte_array_append (in, g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes));
  }
}

/* ---------------------------------------------------------------------- */
/* Fixture */

static void
setup (void)
{
  test_pid = getpid ();
  fx.slowdown = g_getenv ("F2F_UNDER_VALGRIND") ? 10 : 1;
  fx.context = g_main_context_new ();
  g_main_context_push_thread_default (fx.context);
  /* Several WebSocket clients to one host at once are the point here. No
   * proxy: the server is on loopback, and the system proxy resolver
   * (libproxy) would only add threads and noise under valgrind. */
  fx.session = soup_session_new_with_options ("max-conns", 256,
      "max-conns-per-host", 256, "proxy-resolver", NULL, NULL);
  fx.servers = g_ptr_array_new ();
  fx.clients = g_ptr_array_new ();
  fx.tmpdirs = g_ptr_array_new_with_free_func (g_free);
}

static void
teardown (void)
{
  guint i;

  for (i = 0; i < fx.clients->len; i++)
    client_free (g_ptr_array_index (fx.clients, i));
  g_ptr_array_unref (fx.clients);
  for (i = 0; i < fx.servers->len; i++) {
    server_kill (g_ptr_array_index (fx.servers, i));
    server_free (g_ptr_array_index (fx.servers, i));
  }
  g_ptr_array_unref (fx.servers);
  for (i = 0; i < fx.tmpdirs->len; i++)
    remove_tree (g_ptr_array_index (fx.tmpdirs, i));
  g_ptr_array_unref (fx.tmpdirs);

  g_clear_object (&fx.session);
  /* Let the closing connections finish before their context goes. */
  while (g_main_context_iteration (fx.context, FALSE));
  g_main_context_pop_thread_default (fx.context);
  g_main_context_unref (fx.context);
  memset (&fx, 0, sizeof fx);
}

/* ---------------------------------------------------------------------- */
/* Tests */

GST_START_TEST (test_two_rooms_relay)
{
  TestServer *server = server_start (":memory:", NULL);
  const gchar *rooms[2] = { "alpha", "beta" };
  TestClient *peer[2][3];
  TestClient *a1, *a2, *a3, *b1, *b2, *b3;
  guint r, i, j;

  /* Interleaved, so each room's bookkeeping has the other going on. */
  for (i = 0; i < 3; i++) {
    for (r = 0; r < 2; r++) {
      g_autofree gchar *label = g_strdup_printf ("%s-%u", rooms[r], i + 1);
      g_autoptr (GstF2fMessage) welcome = NULL;
      guint64 last_order = 0;

      peer[r][i] = client_new (server, label);
      welcome = client_join (peer[r][i], rooms[r], NULL);
      fail_if (welcome->protected);
      fail_unless_equals_string (welcome->leader, peer[r][0]->id);
      fail_unless_equals_int (welcome->peers->len, i);
      for (j = 0; j < i; j++) {
        GstF2fPeerInfo *info = g_ptr_array_index (welcome->peers, j);
        fail_unless_equals_string (info->id, peer[r][j]->id);
        fail_unless_equals_string (info->name, peer[r][j]->label);
        fail_unless (info->order > last_order, "orders must grow");
        last_order = info->order;
      }
      for (j = 0; j < i; j++) {
        g_autoptr (GstF2fMessage) joined =
            client_expect (peer[r][j], GST_F2F_MESSAGE_PEER_JOINED);
        fail_unless_equals_string (joined->peer->id, peer[r][i]->id);
        fail_unless_equals_string (joined->peer->name, label);
      }
    }
  }
  fail_if (g_str_equal (peer[0][0]->id, peer[0][1]->id));
  for (r = 0; r < 2; r++)
    for (i = 0; i < 3; i++)
      client_assert_quiet (peer[r][i]);

  a1 = peer[0][0];
  a2 = peer[0][1];
  a3 = peer[0][2];
  b1 = peer[1][0];
  b2 = peer[1][1];
  b3 = peer[1][2];

  client_send (a1, gst_f2f_message_new_sdp (GST_F2F_MESSAGE_OFFER, a2->id,
          "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=alpha offer\r\n"));
  {
    g_autoptr (GstF2fMessage) msg = client_expect (a2, GST_F2F_MESSAGE_OFFER);
    fail_unless_equals_string (msg->from, a1->id);
    fail_unless_equals_string (msg->sdp,
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=alpha offer\r\n");
  }

  client_send (a2, gst_f2f_message_new_sdp (GST_F2F_MESSAGE_ANSWER, a1->id,
          "v=0\r\ns=alpha answer\r\n"));
  {
    g_autoptr (GstF2fMessage) msg = client_expect (a1, GST_F2F_MESSAGE_ANSWER);
    fail_unless_equals_string (msg->from, a2->id);
    fail_unless_equals_string (msg->sdp, "v=0\r\ns=alpha answer\r\n");
  }

  {
    GstF2fMessage *ice = gst_f2f_message_new_ice (a1->id, 1,
        "candidate:1 1 UDP 2122252543 192.0.2.7 54321 typ host");
    ice->sdp_mid = g_strdup ("video0");
    client_send (a3, ice);
  }
  {
    g_autoptr (GstF2fMessage) msg = client_expect (a1, GST_F2F_MESSAGE_ICE);
    fail_unless_equals_string (msg->from, a3->id);
    fail_unless_equals_string (msg->candidate,
        "candidate:1 1 UDP 2122252543 192.0.2.7 54321 typ host");
    fail_unless_equals_string (msg->sdp_mid, "video0");
    fail_unless_equals_int (msg->mline_index, 1);
  }

  client_send (b2, gst_f2f_message_new_app (b3->id, "{\"chat\":\"hi b3\"}"));
  {
    g_autoptr (GstF2fMessage) msg = client_expect (b3, GST_F2F_MESSAGE_APP);
    fail_unless_equals_string (msg->from, b2->id);
    fail_unless_equals_string (msg->payload, "{\"chat\":\"hi b3\"}");
  }

  /* A peer of another room is no peer at all. */
  client_send (a1, gst_f2f_message_new_sdp (GST_F2F_MESSAGE_OFFER, b1->id,
          "v=0\r\ns=wrong room\r\n"));
  client_expect_error (a1, GST_F2F_ERROR_CODE_UNKNOWN_PEER);
  client_send (b3, gst_f2f_message_new_app (a3->id, "cross"));
  client_expect_error (b3, GST_F2F_ERROR_CODE_UNKNOWN_PEER);

  for (r = 0; r < 2; r++)
    for (i = 0; i < 3; i++)
      client_assert_quiet (peer[r][i]);
}

GST_END_TEST;

GST_START_TEST (test_wrong_password)
{
  TestServer *server = server_start (":memory:", NULL);
  TestClient *owner = client_new (server, "owner");
  TestClient *intruder = client_new (server, "intruder");
  TestClient *anonymous = client_new (server, "anonymous");
  TestClient *friend = client_new (server, "friend");
  g_autoptr (GstF2fMessage) welcome = NULL;
  g_autoptr (GstF2fMessage) joined = NULL;

  welcome = client_join (owner, "den", "open sesame");
  fail_unless (welcome->protected, "a room created with a password must say "
      "it is protected");
  g_clear_pointer (&welcome, gst_f2f_message_free);

  client_join_refused (intruder, "den", "open barley",
      GST_F2F_ERROR_CODE_WRONG_PASSWORD);
  client_join_refused (anonymous, "den", NULL,
      GST_F2F_ERROR_CODE_WRONG_PASSWORD);

  welcome = client_join (friend, "den", "open sesame");
  fail_unless (welcome->protected);
  fail_unless_equals_int (welcome->peers->len, 1);
  fail_unless_equals_string (((GstF2fPeerInfo *)
          g_ptr_array_index (welcome->peers, 0))->id, owner->id);

  /* The owner heard of the friend, and never of the refused ones. */
  joined = client_expect (owner, GST_F2F_MESSAGE_PEER_JOINED);
  fail_unless_equals_string (joined->peer->id, friend->id);
  client_assert_quiet (owner);
}

GST_END_TEST;

GST_START_TEST (test_leader_drops)
{
  TestServer *server = server_start (":memory:", NULL);
  TestClient *oldest = client_new (server, "first");
  TestClient *next = client_new (server, "second");
  TestClient *youngest = client_new (server, "third");
  g_autoptr (GstF2fMessage) welcome = NULL;
  g_autofree gchar *oldest_id = NULL;
  TestClient *others[2] = { next, youngest };
  guint i;

  welcome = client_join (oldest, "crew", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  welcome = client_join (next, "crew", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  welcome = client_join (youngest, "crew", NULL);
  fail_unless_equals_string (welcome->leader, oldest->id);
  for (i = 0; i < 2; i++)
    gst_f2f_message_free (client_expect (oldest, GST_F2F_MESSAGE_PEER_JOINED));
  gst_f2f_message_free (client_expect (next, GST_F2F_MESSAGE_PEER_JOINED));
  client_assert_quiet (next);
  client_assert_quiet (youngest);

  oldest_id = g_strdup (oldest->id);
  client_drop_abruptly (oldest);

  for (i = 0; i < 2; i++) {
    TestClient *c = others[i];
    g_autoptr (GstF2fMessage) left = NULL;
    g_autoptr (GstF2fMessage) leader = NULL;

    WAIT_UNTIL (g_queue_get_length (&c->inbox) >= 2, 2000,
        "client %s did not learn of the dropped leader within 2 s", c->label);
    left = client_expect (c, GST_F2F_MESSAGE_PEER_LEFT);
    fail_unless_equals_string (left->peer_id, oldest_id);
    fail_unless_equals_string (gst_f2f_leave_reason_to_string (left->reason),
        "dropped");
    leader = client_expect (c, GST_F2F_MESSAGE_LEADER_CHANGED);
    fail_unless_equals_string (leader->leader, next->id);
    client_assert_quiet (c);
  }
}

GST_END_TEST;

static gboolean
ping_cb (gpointer user_data)
{
  GPtrArray *chatty = user_data;
  guint i;

  for (i = 0; i < chatty->len; i++) {
    TestClient *c = g_ptr_array_index (chatty, i);
    if (!c->closed)
      client_send (c, gst_f2f_message_new (GST_F2F_MESSAGE_PING));
  }
  return G_SOURCE_CONTINUE;
}

GST_START_TEST (test_idle_timeout)
{
  TestServer *server = server_start (":memory:", "--idle-timeout=1", NULL);
  TestClient *early = client_new (server, "early");
  TestClient *silent = client_new (server, "silent");
  TestClient *late = client_new (server, "late");
  g_autoptr (GPtrArray) chatty = g_ptr_array_new ();
  g_autoptr (GstF2fMessage) welcome = NULL;
  g_autoptr (GSource) pinger = NULL;
  guint pongs_early, pongs_late;

  welcome = client_join (early, "quiet", NULL);
  fail_unless_equals_int (welcome->idle_timeout, 1);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  welcome = client_join (silent, "quiet", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  welcome = client_join (late, "quiet", NULL);
  gst_f2f_message_free (client_expect (early, GST_F2F_MESSAGE_PEER_JOINED));
  gst_f2f_message_free (client_expect (early, GST_F2F_MESSAGE_PEER_JOINED));
  gst_f2f_message_free (client_expect (silent, GST_F2F_MESSAGE_PEER_JOINED));

  g_ptr_array_add (chatty, early);
  g_ptr_array_add (chatty, late);
  pinger = g_timeout_source_new (200);
  g_source_set_callback (pinger, ping_cb, chatty, NULL);
  g_source_attach (pinger, fx.context);

  WAIT_UNTIL (silent->closed, 4000,
      "the silent client was not timed out within 4 s of a 1 s timeout");
  fail_unless_equals_int (silent->close_code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  assert_peer_left (early, silent->id, GST_F2F_LEAVE_REASON_TIMED_OUT);
  assert_peer_left (late, silent->id, GST_F2F_LEAVE_REASON_TIMED_OUT);

  /* Those who ping stay, for well over the timeout. */
  pongs_early = early->n_pongs;
  pongs_late = late->n_pongs;
  run_for (2000);
  fail_unless (early->n_pongs >= pongs_early + 5 && late->n_pongs >=
      pongs_late + 5, "pings every 200 ms got %u and %u pongs in 2 s",
      early->n_pongs - pongs_early, late->n_pongs - pongs_late);
  fail_if (early->closed || late->closed, "a client that pings was dropped");
  g_source_destroy (pinger);
  client_assert_quiet (early);
  client_assert_quiet (late);
}

GST_END_TEST;

GST_START_TEST (test_restart_keeps_passwords)
{
  g_autofree gchar *dir = g_strdup (make_tmpdir ());
  g_autofree gchar *db = g_build_filename (dir, "rooms.db", NULL);
  TestServer *server = server_start (db, NULL);
  TestClient *owner = client_new (server, "owner");
  TestClient *guesser, *member;
  g_autoptr (GstF2fMessage) welcome = NULL;

  welcome = client_join (owner, "vault", "long-lived secret");
  fail_unless (welcome->protected);
  g_clear_pointer (&welcome, gst_f2f_message_free);

  fail_unless_equals_int (server_terminate (server), 0);
  /* A clean shutdown says goodbye to its clients. */
  client_expect_closed (owner, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);

  server = server_start (db, NULL);
  guesser = client_new (server, "guesser");
  client_join_refused (guesser, "vault", "short-lived guess",
      GST_F2F_ERROR_CODE_WRONG_PASSWORD);
  member = client_new (server, "member");
  welcome = client_join (member, "vault", "long-lived secret");
  fail_unless (welcome->protected);
  fail_unless_equals_int (welcome->peers->len, 0);
  fail_unless_equals_string (welcome->leader, member->id);
}

GST_END_TEST;

typedef struct
{
  const gchar *what;
  const gchar *frame;           /* NULL: built in the test */
  GstF2fErrorCode code;
} BadFrame;

GST_START_TEST (test_bad_input)
{
  TestServer *server = server_start (":memory:", NULL);
  g_autofree gchar *long_room = NULL;
  g_autofree gchar *long_to = NULL;
  g_autofree gchar *nested = NULL;
  g_autofree gchar *oversize = NULL;
  g_autoptr (GIOStream) stalled_handshake = NULL;
  g_autoptr (GIOStream) stalled_silent = NULL;
  g_autoptr (GstF2fMessage) welcome = NULL;
  g_autoptr (GIOStream) fragmenter = NULL;
  g_autofree gchar *fragment = NULL;
  g_autofree gchar *enormous = NULL;
  TestClient *good1, *good2, *junk, *big, *huge, *flood, *future, *late;
  BadFrame bad[] = {
    {"not JSON", "this is not JSON {", GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"empty frame", "", GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"JSON but not an object", "[1,2,3]", GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"no type", "{\"room\":\"r\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"type not a string", "{\"type\":7}", GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"unknown type", "{\"type\":\"teleport\"}",
        GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"server-only type", "{\"type\":\"welcome\",\"room\":\"r\",\"id\":\"x\","
          "\"leader\":\"x\",\"peers\":[]}", GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"version as a string", "{\"type\":\"join\",\"version\":\"1\","
          "\"room\":\"r\",\"name\":\"n\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"room as a number", "{\"type\":\"join\",\"version\":1,\"room\":42,"
          "\"name\":\"n\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"join without room", "{\"type\":\"join\",\"version\":1,\"name\":\"n\"}",
        GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"room with a NUL", "{\"type\":\"join\",\"version\":1,"
          "\"room\":\"a\\u0000b\",\"name\":\"n\"}",
        GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"offer without to", "{\"type\":\"offer\",\"sdp\":\"v=0\"}",
        GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"offer with empty sdp", "{\"type\":\"offer\",\"to\":\"x\",\"sdp\":\"\"}",
        GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"mline index as a string", "{\"type\":\"ice\",\"to\":\"x\","
          "\"candidate\":\"c\",\"sdpMLineIndex\":\"0\"}",
        GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"mline index out of range", "{\"type\":\"ice\",\"to\":\"x\","
          "\"candidate\":\"c\",\"sdpMLineIndex\":1e400}",
        GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"negative mline index", "{\"type\":\"ice\",\"to\":\"x\","
          "\"candidate\":\"c\",\"sdpMLineIndex\":-1}",
        GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"payload as an object", "{\"type\":\"app\",\"to\":\"x\","
          "\"payload\":{}}", GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"huge room id", NULL, GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"huge peer id", NULL, GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"deep nesting", NULL, GST_F2F_ERROR_CODE_BAD_REQUEST},
    {"relay before joining", "{\"type\":\"app\",\"to\":\"x\","
          "\"payload\":\"p\"}", GST_F2F_ERROR_CODE_NOT_JOINED},
  };
  const guint8 binary_junk[] = { 0xff, 0x00, 0xfe, 0x7b, 0x22 };
  const gchar *binary_ping = "{\"type\":\"ping\"}";
  guint i, n_relayed = 0;

  {
    GString *s = g_string_new (NULL);

    g_string_append (s, "{\"type\":\"join\",\"version\":1,\"name\":\"n\","
        "\"room\":\"");
    for (i = 0; i < 10000; i++)
      g_string_append_c (s, 'r');
    g_string_append (s, "\"}");
    long_room = g_string_free (s, FALSE);
    bad[17].frame = long_room;

    s = g_string_new ("{\"type\":\"offer\",\"sdp\":\"v=0\",\"to\":\"");
    for (i = 0; i < 5000; i++)
      g_string_append_c (s, 'p');
    g_string_append (s, "\"}");
    long_to = g_string_free (s, FALSE);
    bad[18].frame = long_to;

    s = g_string_new ("{\"type\":\"ping\",\"x\":");
    for (i = 0; i < 20000; i++)
      g_string_append_c (s, '[');
    for (i = 0; i < 20000; i++)
      g_string_append_c (s, ']');
    g_string_append (s, "}");
    nested = g_string_free (s, FALSE);
    bad[19].frame = nested;

    oversize = g_strnfill (GST_F2F_MAX_FRAME_SIZE + 4096, 'x');
    enormous = g_strnfill (4 * GST_F2F_MAX_FRAME_SIZE, 'x');
    fragment = g_strnfill (GST_F2F_MAX_FRAME_SIZE / 2, 'f');
  }

  /* One that never finishes its handshake, one that never starts it. */
  stalled_handshake = tcp_connect (server);
  tcp_write (stalled_handshake, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Upgrade: websocket\r\n");
  stalled_silent = tcp_connect (server);

  good1 = client_new (server, "good1");
  good2 = client_new (server, "good2");
  welcome = client_join (good1, "steady", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  welcome = client_join (good2, "steady", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  gst_f2f_message_free (client_expect (good1, GST_F2F_MESSAGE_PEER_JOINED));

  junk = client_new (server, "junk");
  big = client_new (server, "big");
  huge = client_new (server, "huge");
  fragmenter = raw_websocket_open (server);
  flood = client_new (server, "flood");
  future = client_new (server, "future");

  /* Junk and good traffic interleaved; every bad frame gets its error, in
   * order, and every good relay arrives. */
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree gchar *there = g_strdup_printf ("to good2 #%u", i);
    g_autofree gchar *back = g_strdup_printf ("to good1 #%u", i);
    g_autoptr (GstF2fMessage) m1 = NULL;
    g_autoptr (GstF2fMessage) m2 = NULL;
    g_autoptr (GstF2fMessage) reply = NULL;
    g_autofree gchar *text = NULL;

    client_send_text (junk, bad[i].frame);
    client_send (good1, gst_f2f_message_new_app (good2->id, there));
    client_send (good2, gst_f2f_message_new_app (good1->id, back));

    reply = client_next (junk);
    text = describe (reply);
    fail_unless (reply->type == GST_F2F_MESSAGE_ERROR
        && reply->code == bad[i].code, "%s: expected error %s, received %s",
        bad[i].what, gst_f2f_error_code_to_string (bad[i].code), text);
    m1 = client_expect (good2, GST_F2F_MESSAGE_APP);
    fail_unless_equals_string (m1->payload, there);
    fail_unless_equals_string (m1->from, good1->id);
    m2 = client_expect (good1, GST_F2F_MESSAGE_APP);
    fail_unless_equals_string (m2->payload, back);
    n_relayed++;
  }
  client_send_binary (junk, binary_junk, sizeof binary_junk);
  client_expect_error (junk, GST_F2F_ERROR_CODE_BAD_REQUEST);
  client_send_binary (junk, (const guint8 *) binary_ping, strlen (binary_ping));
  client_expect_error (junk, GST_F2F_ERROR_CODE_BAD_REQUEST);

  /* After all that the junk client is still a client: fewer than 100 bad
   * frames cost it nothing, and it cannot reach another room's peers. */
  welcome = client_join (junk, "mended", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  client_send (junk, gst_f2f_message_new_app (good1->id, "hello?"));
  client_expect_error (junk, GST_F2F_ERROR_CODE_UNKNOWN_PEER);

  /* A version this server does not speak ends the connection. */
  client_send_text (future, "{\"type\":\"join\",\"version\":99,"
      "\"room\":\"steady\",\"name\":\"future\"}");
  client_expect_error (future, GST_F2F_ERROR_CODE_UNSUPPORTED_VERSION);
  client_expect_closed (future, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);

  /* Too big a frame, and a flood of garbage, while the relay goes on. A
   * frame far too big is not even read: that connection just ends. */
  client_send_text (big, oversize);
  client_send_text (huge, enormous);
  for (i = 0; i < 10000; i++) {
    g_autofree gchar *garbage = g_strdup_printf ("garbage %u", i);
    client_send_text (flood, garbage);
  }
  for (i = 0; !big->closed || !huge->closed || !flood->closed; i++) {
    g_autofree gchar *there = g_strdup_printf ("during the flood #%u", i);
    g_autoptr (GstF2fMessage) msg = NULL;

    fail_if (i > 500, "the big, huge and flooding clients were not closed "
        "while good clients exchanged 500 messages");
    client_send (good1, gst_f2f_message_new_app (good2->id, there));
    msg = client_expect (good2, GST_F2F_MESSAGE_APP);
    fail_unless_equals_string (msg->payload, there);
    n_relayed++;
  }
  client_expect_closed (big, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  fail_if (huge->close_code == SOUP_WEBSOCKET_CLOSE_NORMAL);

  /* Three fragments, each small enough, of one message that is not. */
  raw_websocket_send_frame (fragmenter, FALSE, 0x1, fragment,
      strlen (fragment));
  raw_websocket_send_frame (fragmenter, FALSE, 0x0, fragment,
      strlen (fragment));
  raw_websocket_send_frame (fragmenter, TRUE, 0x0, fragment, 100);
  fail_unless_equals_int (raw_websocket_read_close_code (fragmenter),
      SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  client_expect_closed (flood, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  /* 99 frames get a bad-request each; the 100th closes the connection. */
  fail_unless (g_queue_get_length (&flood->inbox) <= 100,
      "the flooding client got %u replies", g_queue_get_length (&flood->inbox));
  for (i = 0; i < g_queue_get_length (&flood->inbox); i++) {
    GstF2fMessage *msg = g_queue_peek_nth (&flood->inbox, i);
    fail_unless (msg->type == GST_F2F_MESSAGE_ERROR
        && msg->code == GST_F2F_ERROR_CODE_BAD_REQUEST);
  }

  for (i = 0; i < 20; i++) {
    g_autofree gchar *back = g_strdup_printf ("after the flood #%u", i);
    g_autoptr (GstF2fMessage) msg = NULL;

    client_send (good2, gst_f2f_message_new_ice (good1->id, i % 3, back));
    msg = client_expect (good1, GST_F2F_MESSAGE_ICE);
    fail_unless_equals_string (msg->candidate, back);
    fail_unless_equals_string (msg->from, good2->id);
    n_relayed++;
  }
  client_assert_quiet (good1);
  client_assert_quiet (good2);
  GST_INFO ("%u relayed messages arrived amid the junk", n_relayed);

  fail_if (server->exited, "the server died");
  late = client_new (server, "late");
  welcome = client_join (late, "steady", NULL);
  fail_unless_equals_int (welcome->peers->len, 2);
  fail_if (server->exited, "the server died");
}

GST_END_TEST;

GST_START_TEST (test_password_failures_rate_limited)
{
  TestServer *server = server_start (":memory:",
      "--max-password-failures=3", NULL);
  TestClient *owner = client_new (server, "owner");
  TestClient *patient;
  g_autoptr (GstF2fMessage) welcome = NULL;
  guint i;

  welcome = client_join (owner, "safe", "right");
  for (i = 0; i < 3; i++) {
    g_autofree gchar *label = g_strdup_printf ("guess%u", i);
    TestClient *c = client_new (server, label);
    client_join_refused (c, "safe", "wrong", GST_F2F_ERROR_CODE_WRONG_PASSWORD);
  }
  /* Now even the right password waits, or guessing would be free. */
  patient = client_new (server, "patient");
  client_join_refused (patient, "safe", "right",
      GST_F2F_ERROR_CODE_RATE_LIMITED);
  client_assert_quiet (owner);
}

GST_END_TEST;

/* The cap counts every accepted socket, not only WebSockets: sockets that
 * never send a byte take their slots, and more are closed as they are
 * accepted. A slot is free again once its socket is closed. */
GST_START_TEST (test_connections_per_ip)
{
  TestServer *server = server_start (":memory:",
      "--max-connections-per-ip=2", NULL);
  TestClient *one = client_new (server, "one");
  g_autoptr (GIOStream) raw = tcp_connect (server);
  g_autoptr (GIOStream) refused = NULL;
  g_autoptr (GstF2fMessage) welcome = NULL;
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws;
  TestClient *two;
  guint status = 0;
  Deadline d;

  /* Once the server has accepted the raw socket, a third is refused. */
  client_sync (one);
  refused = tcp_connect (server);
  tcp_expect_closed (refused, "a third socket from one address");
  ws = websocket_connect (server, NULL, FALSE, &status, &error);
  fail_unless (ws == NULL, "a third connection from one address was taken");
  g_clear_error (&error);

  /* Closing the raw socket frees its slot. */
  fail_unless (g_io_stream_close (raw, NULL, NULL));
  deadline_start (&d, REPLY_MS);
  while ((ws = websocket_connect (server, NULL, FALSE, &status,
              &error)) == NULL) {
    g_clear_error (&error);
    fail_unless (deadline_iterate (&d), "the closed socket's slot was not "
        "freed within %u ms", REPLY_MS * fx.slowdown);
  }
  deadline_stop (&d);
  two = client_wrap (ws, "two");

  welcome = client_join (one, "pair", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  welcome = client_join (two, "pair", NULL);
  gst_f2f_message_free (client_expect (one, GST_F2F_MESSAGE_PEER_JOINED));
  client_assert_quiet (one);
  client_assert_quiet (two);
}

GST_END_TEST;

GST_START_TEST (test_room_full)
{
  TestServer *server = server_start (":memory:", "--max-peers-per-room=2",
      NULL);
  TestClient *one = client_new (server, "one");
  TestClient *two = client_new (server, "two");
  TestClient *three = client_new (server, "three");
  TestClient *elsewhere = client_new (server, "elsewhere");
  g_autoptr (GstF2fMessage) welcome = NULL;

  welcome = client_join (one, "small", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  welcome = client_join (two, "small", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  client_join_refused (three, "small", NULL, GST_F2F_ERROR_CODE_ROOM_FULL);
  welcome = client_join (elsewhere, "other", NULL);

  gst_f2f_message_free (client_expect (one, GST_F2F_MESSAGE_PEER_JOINED));
  client_assert_quiet (one);
  client_assert_quiet (two);
}

GST_END_TEST;

/* GET @path with libsoup; returns the body, the status and content type. */
static gchar *
http_get (TestServer * server, const gchar * path, guint * status,
    gchar ** content_type)
{
  g_autofree gchar *uri = server_http_uri (server, path);
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, uri);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  Pending *p = pending_new ();

  soup_session_send_and_read_async (fx.session, msg, G_PRIORITY_DEFAULT,
      NULL, pending_done_cb, p);
  body = soup_session_send_and_read_finish (fx.session,
      pending_wait (p, REPLY_MS, "an HTTP response"), &error);
  pending_unref (p);
  fail_unless (body != NULL, "GET %s: %s", uri, error ? error->message : "?");
  *status = soup_message_get_status (msg);
  *content_type = g_strdup (soup_message_headers_get_content_type
      (soup_message_get_response_headers (msg), NULL));
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

GST_START_TEST (test_static_files)
{
  const gchar *html = "<!doctype html><title>f2f</title><p>hello</p>\n";
  const gchar *js = "console.log ('f2f');\n";
  const gchar *secret = "SECRET-OUTSIDE-THE-STATIC-DIR";
  const gchar *refused[] = {
    "/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2fetc%2fpasswd",
    "/.hidden", "/%2ehidden", "/../outside.txt", "/%2e%2e/outside.txt",
    "/sub/../../outside.txt", "/%2e%2e%2foutside.txt",
  };
  gchar *dir = make_tmpdir ();
  g_autofree gchar *www = g_build_filename (dir, "www", NULL);
  g_autofree gchar *path = NULL;
  g_autofree gchar *body = NULL;
  g_autofree gchar *type = NULL;
  TestServer *server;
  guint i, status;

  fail_unless (g_mkdir (www, 0700) == 0);
  g_free (path);
  path = g_build_filename (www, "index.html", NULL);
  write_file (path, html);
  g_free (path);
  path = g_build_filename (www, "app.js", NULL);
  write_file (path, js);
  g_free (path);
  path = g_build_filename (www, ".hidden", NULL);
  write_file (path, secret);
  g_free (path);
  path = g_build_filename (dir, "outside.txt", NULL);
  write_file (path, secret);

  /* Symlinks: one inside the directory is served, ones that lead out of
   * it (a file, a directory) are as good as missing; so is a directory,
   * which is never listed. */
  g_free (path);
  path = g_build_filename (www, "alias.js", NULL);
  fail_unless (symlink ("app.js", path) == 0);
  g_free (path);
  path = g_build_filename (www, "passwd", NULL);
  fail_unless (symlink ("/etc/passwd", path) == 0);
  g_free (path);
  path = g_build_filename (www, "secret.txt", NULL);
  fail_unless (symlink ("../outside.txt", path) == 0);
  g_free (path);
  path = g_build_filename (www, "up", NULL);
  fail_unless (symlink ("..", path) == 0);
  g_free (path);
  path = g_build_filename (www, "sub", NULL);
  fail_unless (g_mkdir (path, 0700) == 0);
  g_free (path);
  path = g_build_filename (www, "sub", "page.txt", NULL);
  write_file (path, "in a subdirectory");

  server = server_start (":memory:", "--static-dir", www, NULL);

  body = http_get (server, "/", &status, &type);
  fail_unless_equals_int (status, SOUP_STATUS_OK);
  fail_unless_equals_string (type, "text/html");
  fail_unless_equals_string (body, html);
  g_free (body);
  g_free (type);
  body = http_get (server, "/app.js", &status, &type);
  fail_unless_equals_int (status, SOUP_STATUS_OK);
  fail_unless_equals_string (type, "text/javascript");
  fail_unless_equals_string (body, js);
  g_free (body);
  g_free (type);
  body = http_get (server, "/alias.js", &status, &type);
  fail_unless_equals_int (status, SOUP_STATUS_OK);
  fail_unless_equals_string (body, js);
  g_free (body);
  g_free (type);
  body = http_get (server, "/sub/page.txt", &status, &type);
  fail_unless_equals_int (status, SOUP_STATUS_OK);
  fail_unless_equals_string (body, "in a subdirectory");
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&type, g_free);
  {
    const gchar *missing[] = { "/missing.js", "/passwd", "/secret.txt",
      "/up/outside.txt", "/sub", "/sub/",
    };

    for (i = 0; i < G_N_ELEMENTS (missing); i++) {
      g_autofree gchar *response = raw_http_get (server, missing[i], &status);

      fail_unless (status == SOUP_STATUS_NOT_FOUND, "GET %s answered %u, not "
          "404", missing[i], status);
      fail_if (strstr (response, "root:") != NULL, "GET %s served /etc/passwd",
          missing[i]);
      fail_if (strstr (response, secret) != NULL, "GET %s served a file it "
          "must not", missing[i]);
      fail_if (strstr (response, "page.txt") != NULL, "GET %s listed a "
          "directory", missing[i]);
    }
  }

  for (i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_autofree gchar *response = raw_http_get (server, refused[i], &status);

    /* libsoup itself answers 400 to some of these. */
    fail_unless (status == SOUP_STATUS_BAD_REQUEST
        || status == SOUP_STATUS_FORBIDDEN || status == SOUP_STATUS_NOT_FOUND,
        "GET %s answered %u, not 400, 403 or 404", refused[i], status);
    fail_if (strstr (response, "root:") != NULL, "GET %s served /etc/passwd",
        refused[i]);
    fail_if (strstr (response, secret) != NULL, "GET %s served a file it must "
        "not", refused[i]);
  }
  fail_if (server->exited);
}

GST_END_TEST;

/* Reads until the server closes @io; fails if it sends more than a reply's
 * worth or does not close within the read deadline. */
static void
tcp_expect_closed (GIOStream * io, const gchar * what)
{
  guint i;

  for (i = 0; i < 16; i++) {
    g_autoptr (GBytes) bytes = tcp_read (io, what);
    if (g_bytes_get_size (bytes) == 0)
      return;
  }
  fail ("%s: the server kept the connection open", what);
}

/* A client that connects and never finishes (or never starts) its
 * handshake is dropped after --handshake-timeout; a WebSocket that did
 * finish is not. */
GST_START_TEST (test_handshake_timeout)
{
  TestServer *server = server_start (":memory:", "--handshake-timeout=1",
      NULL);
  g_autoptr (GIOStream) silent = tcp_connect (server);
  g_autoptr (GIOStream) partial = tcp_connect (server);
  TestClient *good = client_new (server, "good");
  GstF2fMessage *welcome;
  gint64 start = g_get_monotonic_time ();

  tcp_write (partial, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  welcome = client_join (good, "patient", NULL);
  gst_f2f_message_free (welcome);

  tcp_expect_closed (silent, "a connection that sent nothing");
  tcp_expect_closed (partial, "a connection that stopped mid-handshake");
  /* they were given their second, not dropped at once */
  fail_unless (g_get_monotonic_time () - start >= 900 * 1000);
  /* the finished handshake outlived the timeout */
  client_sync (good);
}

GST_END_TEST;

GST_START_TEST (test_origin_allowlist)
{
  TestServer *server = server_start (":memory:",
      "--origin=http://good.example", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstF2fMessage) welcome = NULL;
  SoupWebsocketConnection *ws;
  TestClient *good;
  guint status = 0;

  ws = websocket_connect (server, "http://evil.example", FALSE, &status,
      &error);
  fail_unless (ws == NULL, "a handshake from http://evil.example succeeded");
  fail_unless_equals_int (status, SOUP_STATUS_FORBIDDEN);
  g_clear_error (&error);

  /* Allowing some origins means refusing clients that state none. */
  ws = websocket_connect (server, NULL, FALSE, &status, &error);
  fail_unless (ws == NULL, "a handshake without an Origin succeeded");
  fail_unless_equals_int (status, SOUP_STATUS_FORBIDDEN);

  good = client_new_full (server, "good", "http://good.example");
  welcome = client_join (good, "lobby", NULL);
  fail_unless_equals_string (welcome->leader, good->id);
}

GST_END_TEST;

GST_START_TEST (test_tls)
{
  g_autofree gchar *openssl = g_find_program_in_path ("openssl");
  g_autoptr (GSubprocess) keygen = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstF2fMessage) welcome = NULL;
  g_autofree gchar *cert = NULL;
  g_autofree gchar *key = NULL;
  SoupWebsocketConnection *ws;
  TestServer *server;
  TestClient *client;
  gchar *dir;
  Pending *p;

  if (openssl == NULL) {
    g_printerr ("SKIP test_tls: no openssl program to make a certificate\n");
    return;
  }
  dir = make_tmpdir ();
  cert = g_build_filename (dir, "c.pem", NULL);
  key = g_build_filename (dir, "k.pem", NULL);
  keygen = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
      G_SUBPROCESS_FLAGS_STDERR_MERGE, &error, openssl, "req", "-x509",
      "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days",
      "1", "-subj", "/CN=localhost", NULL);
  fail_unless (keygen != NULL, "cannot run openssl: %s",
      error ? error->message : "?");
  p = pending_new ();
  g_subprocess_wait_check_async (keygen, NULL, pending_done_cb, p);
  fail_unless (g_subprocess_wait_check_finish (keygen,
          pending_wait (p, 30000, "openssl making a certificate"), &error),
      "openssl failed: %s", error ? error->message : "?");
  pending_unref (p);

  server = server_start (":memory:", "--tls-cert", cert, "--tls-key", key,
      NULL);
  fail_unless (g_str_has_prefix (server->ws_uri, "wss://"),
      "with a certificate the server listens on %s", server->ws_uri);

  /* Nobody vouches for a self-signed certificate... */
  ws = websocket_connect (server, NULL, FALSE, NULL, &error);
  fail_unless (ws == NULL, "a self-signed certificate was trusted");
  g_clear_error (&error);

  /* ...unless the client chooses to. */
  client = client_new (server, "secure");
  welcome = client_join (client, "sealed", "tls and a password");
  fail_unless (welcome->protected);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Relay latency while something else goes on */

/* Two members of a room: one sends an app message stamped with the
 * monotonic clock every few milliseconds, the other records how long each
 * took. Both live in this process, so the clock is the same. */
typedef struct
{
  TestClient *from, *to;
  GArray *latencies_ms;         /* gdouble */
  GSource *timer;
} RelayProbe;

static gboolean
relay_probe_send_cb (gpointer user_data)
{
  RelayProbe *probe = user_data;
  g_autofree gchar *stamp = g_strdup_printf ("%" G_GINT64_FORMAT,
      g_get_monotonic_time ());

  client_send (probe->from, gst_f2f_message_new_app (probe->to->id, stamp));
  return G_SOURCE_CONTINUE;
}

static void
relay_probe_start (RelayProbe * probe, TestClient * from, TestClient * to)
{
  probe->from = from;
  probe->to = to;
  probe->latencies_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  probe->timer = g_timeout_source_new (5);
  g_source_set_callback (probe->timer, relay_probe_send_cb, probe, NULL);
  g_source_attach (probe->timer, fx.context);
}

/* Moves what arrived into the latencies; call it from wait conditions. */
static gboolean
relay_probe_collect (RelayProbe * probe)
{
  GstF2fMessage *msg;

  while ((msg = g_queue_pop_head (&probe->to->inbox))) {
    gint64 sent = g_ascii_strtoll (msg->payload, NULL, 10);
    gdouble ms = (g_get_monotonic_time () - sent) / 1000.0;

    fail_unless (msg->type == GST_F2F_MESSAGE_APP, "the probe got a %s",
        gst_f2f_message_type_to_string (msg->type));
    g_array_append_val (probe->latencies_ms, ms);
    gst_f2f_message_free (msg);
  }
  return TRUE;
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* Stops sending, waits for what is on its way, and returns the
 * @percentile of the latencies (and their maximum in @max). */
static gdouble
relay_probe_stop (RelayProbe * probe, gdouble percentile, gdouble * max)
{
  GArray *l = probe->latencies_ms;
  guint n;

  g_source_destroy (probe->timer);
  g_source_unref (probe->timer);
  client_sync (probe->from);
  client_sync (probe->to);
  relay_probe_collect (probe);
  n = l->len;
  fail_unless (n > 0, "no relayed message arrived");
  g_array_sort (l, compare_doubles);
  *max = g_array_index (l, gdouble, n - 1);
  return g_array_index (l, gdouble, MIN (n - 1, (guint) (n * percentile)));
}

/* Password guesses, each from its own source address, made by a thread
 * of their own with its own main context: the test's context then only
 * carries the relay it measures, so 200 handshakes in this process do not
 * count as server latency. The counters are atomic. */
typedef struct
{
  guint n_guesses;
  guint n_addresses;
  const gchar *ws_uri;
  GMainContext *context;        /* the thread's */
  gint stop;                    /* atomic: the test gave up */
  gint n_done;
  gint n_refused;               /* wrong-password or rate-limited */
  gint n_other;                 /* anything else: the test fails */
} Flood;

typedef struct
{
  Flood *flood;
  SoupSession *session;
  SoupWebsocketConnection *ws;
  gboolean done;
} Guess;

static void
guess_finish (Guess * g)
{
  if (!g->done) {
    g->done = TRUE;
    g_atomic_int_inc (&g->flood->n_done);
  }
}

static void
guess_message_cb (SoupWebsocketConnection * ws, gint type, GBytes * bytes,
    Guess * g)
{
  gsize length;
  const gchar *data = g_bytes_get_data (bytes, &length);
  g_autoptr (GstF2fMessage) msg = gst_f2f_message_parse (data, length,
      GST_F2F_DIRECTION_TO_CLIENT, NULL);

  if (msg && msg->type == GST_F2F_MESSAGE_ERROR
      && (msg->code == GST_F2F_ERROR_CODE_WRONG_PASSWORD
          || msg->code == GST_F2F_ERROR_CODE_RATE_LIMITED))
    g_atomic_int_inc (&g->flood->n_refused);
  else
    g_atomic_int_inc (&g->flood->n_other);
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
    g_atomic_int_inc (&g->flood->n_other);
    guess_finish (g);
    return;
  }
  g_signal_connect (g->ws, "message", G_CALLBACK (guess_message_cb), g);
  g_signal_connect (g->ws, "closed", G_CALLBACK (guess_closed_cb), g);
  join = gst_f2f_message_new_join ("fort", "guesser", "not the password",
      NULL);
  text = gst_f2f_message_serialize (join);
  soup_websocket_connection_send_text (g->ws, text);
}

static void
guess_free (Guess * g)
{
  if (g->ws) {
    g_signal_handlers_disconnect_by_data (g->ws, g);
    g_object_unref (g->ws);
  }
  g_object_unref (g->session);
  g_free (g);
}

static gpointer
flood_thread (gpointer user_data)
{
  Flood *flood = user_data;
  GMainContext *context = flood->context;
  GPtrArray *guesses = g_ptr_array_new_with_free_func ((GDestroyNotify)
      guess_free);
  guint i;

  g_main_context_push_thread_default (context);
  for (i = 0; i < flood->n_guesses; i++) {
    g_autofree gchar *ip = g_strdup_printf ("127.0.0.%u",
        10 + i % flood->n_addresses);
    g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (ip);
    g_autoptr (GSocketAddress) local = g_inet_socket_address_new (inet, 0);
    g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET,
        flood->ws_uri);
    Guess *g = g_new0 (Guess, 1);

    g->flood = flood;
    g->session = soup_session_new_with_options ("local-address", local,
        "proxy-resolver", NULL, NULL);
    g_ptr_array_add (guesses, g);
    soup_session_websocket_connect_async (g->session, msg, NULL, NULL,
        G_PRIORITY_DEFAULT, NULL, guess_connected_cb, g);
  }
  while ((guint) g_atomic_int_get (&flood->n_done) < flood->n_guesses
      && !g_atomic_int_get (&flood->stop))
    g_main_context_iteration (context, TRUE);
  g_ptr_array_unref (guesses);
  while (g_main_context_iteration (context, FALSE));
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* 200 wrong passwords from 40 addresses (127.0.0.10–49), all at once,
 * while another room relays: Argon2id runs on the password workers, so
 * the relay's 99th percentile stays under 50 ms. Before the workers
 * every check ran on the main loop and the relay stalled for seconds. */
GST_START_TEST (test_password_flood_keeps_relay_fast)
{
  TestServer *server = server_start (":memory:", NULL);
  TestClient *owner = client_new (server, "owner");
  TestClient *sender = client_new (server, "sender");
  TestClient *receiver = client_new (server, "receiver");
  g_autoptr (GstF2fMessage) welcome = NULL;
  RelayProbe probe = { 0, };
  /* Under valgrind the 200 clients alone would take minutes. */
  Flood flood = { fx.slowdown == 1 ? 200 : 40, 40, server->ws_uri, NULL, 0, };
  GThread *thread;
  Deadline d;
  gboolean answered = TRUE;
  gdouble p99, max;

  welcome = client_join (owner, "fort", "the real password");
  g_clear_pointer (&welcome, gst_f2f_message_free);
  welcome = client_join (sender, "steady", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  welcome = client_join (receiver, "steady", NULL);
  gst_f2f_message_free (client_expect (sender, GST_F2F_MESSAGE_PEER_JOINED));

  relay_probe_start (&probe, sender, receiver);
  flood.context = g_main_context_new ();
  thread = g_thread_new ("flood", flood_thread, &flood);
  /* No failing while the thread runs: a failure ends the process under
   * its feet. */
  deadline_start (&d, 20000);
  while (relay_probe_collect (&probe)
      && (guint) g_atomic_int_get (&flood.n_done) < flood.n_guesses) {
    if (!deadline_iterate (&d)) {
      answered = FALSE;
      break;
    }
  }
  deadline_stop (&d);
  g_atomic_int_set (&flood.stop, 1);
  g_main_context_wakeup (flood.context);
  g_thread_join (thread);
  g_main_context_unref (flood.context);
  fail_unless (answered, "%d of %u password guesses were answered within "
      "%u s", g_atomic_int_get (&flood.n_done), flood.n_guesses,
      20 * fx.slowdown);

  p99 = relay_probe_stop (&probe, 0.99, &max);
  GST_INFO ("relay during %u guesses: %u messages, p99 %.1f ms, max %.1f ms",
      flood.n_guesses, probe.latencies_ms->len, p99, max);
  g_printerr ("relay during %u password guesses: %u messages, p99 %.1f ms, "
      "max %.1f ms\n", flood.n_guesses, probe.latencies_ms->len, p99, max);
  fail_unless (probe.latencies_ms->len >= 50, "only %u relayed messages",
      probe.latencies_ms->len);
  /* Under valgrind the clients in this process are what is slow. */
  if (fx.slowdown == 1)
    fail_unless (p99 < 50.0, "relay p99 %.1f ms (max %.1f ms) while "
        "passwords were guessed", p99, max);
  fail_unless_equals_int (flood.n_other, 0);
  fail_unless_equals_int (flood.n_refused, flood.n_guesses);
  g_array_unref (probe.latencies_ms);
  client_assert_quiet (owner);
}

GST_END_TEST;

/* A figure of the server's memory in bytes from /proc/PID/status:
 * "VmRSS:" (resident now) or "VmHWM:" (the most it was resident). */
static guint64
server_memory (TestServer * server, const gchar * field)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/status",
      g_subprocess_get_identifier (server->process));
  g_autofree gchar *status = NULL;
  const gchar *line;

  fail_unless (g_file_get_contents (path, &status, NULL, NULL),
      "cannot read %s", path);
  line = strstr (status, field);
  fail_unless (line != NULL, "no %s in %s", field, path);
  return g_ascii_strtoull (line + strlen (field), NULL, 10) * 1024;
}

static guint64
server_rss (TestServer * server)
{
  return server_memory (server, "VmRSS:");
}

/* A member that keeps its socket open but never reads: once more than the
 * send queue's limit waits for it, it is closed and its room is told it
 * left (too-slow); the sender goes on, and the server's memory stays
 * bounded. Before the limit the server queued all of it (issue 18: 245 MB
 * for 240 MB relayed). */
GST_START_TEST (test_non_reader_closed)
{
  TestServer *server = server_start (":memory:", NULL);
  TestClient *sender = client_new (server, "sender");
  TestClient *watcher = client_new (server, "watcher");
  g_autoptr (GIOStream) stalled = raw_websocket_open (server);
  g_autoptr (GstF2fMessage) welcome = NULL;
  g_autoptr (GstF2fMessage) joined = NULL;
  g_autofree gchar *payload = g_strnfill (60000, 'z');
  const gchar *join = "{\"type\":\"join\",\"version\":1,\"room\":\"pipe\","
      "\"name\":\"stalled\"}";
  guint64 baseline, rss, max_rss = 0;
  gchar *stalled_id;
  guint i, j, sent = 0;
  gboolean gone = FALSE;

  welcome = client_join (sender, "pipe", NULL);
  g_clear_pointer (&welcome, gst_f2f_message_free);
  welcome = client_join (watcher, "pipe", NULL);
  gst_f2f_message_free (client_expect (sender, GST_F2F_MESSAGE_PEER_JOINED));
  raw_websocket_send_frame (stalled, TRUE, 0x1, join, strlen (join));
  joined = client_expect (sender, GST_F2F_MESSAGE_PEER_JOINED);
  gst_f2f_message_free (client_expect (watcher, GST_F2F_MESSAGE_PEER_JOINED));
  stalled_id = joined->peer->id;
  baseline = server_rss (server);

  /* Up to 240 MB, in batches of 16 frames of 60 kB. */
  for (i = 0; i < 250 && !gone; i++) {
    for (j = 0; j < 16; j++) {
      client_send (sender, gst_f2f_message_new_app (stalled_id, payload));
      sent++;
    }
    client_sync (sender);
    rss = server_rss (server);
    max_rss = MAX (max_rss, rss);
    fail_unless (rss < baseline + 64 * 1024 * 1024, "the server grew by %"
        G_GUINT64_FORMAT " MB after %u frames to a peer that does not read",
        (rss - baseline) >> 20, sent);
    while (!g_queue_is_empty (&sender->inbox)) {
      g_autoptr (GstF2fMessage) msg = g_queue_pop_head (&sender->inbox);
      if (msg->type == GST_F2F_MESSAGE_PEER_LEFT) {
        fail_unless_equals_string (msg->peer_id, stalled_id);
        fail_unless_equals_string (gst_f2f_leave_reason_to_string
            (msg->reason), "too-slow");
        gone = TRUE;
      } else {
        /* relays sent after the drop but before the sender heard of it */
        fail_unless (msg->type == GST_F2F_MESSAGE_ERROR
            && msg->code == GST_F2F_ERROR_CODE_UNKNOWN_PEER,
            "the sender got a %s", gst_f2f_message_type_to_string (msg->type));
      }
    }
  }
  g_printerr ("non-reader: closed after %u frames of 60 kB; server RSS at "
      "most %" G_GUINT64_FORMAT " kB above its baseline\n", sent,
      (max_rss - baseline) >> 10);
  fail_unless (gone, "the peer that never reads was not closed after %u "
      "frames of 60 kB", sent);
  assert_peer_left (watcher, stalled_id, GST_F2F_LEAVE_REASON_TOO_SLOW);

  /* The others are unaffected. */
  fail_if (sender->closed || watcher->closed);
  client_send (sender, gst_f2f_message_new_app (watcher->id, "still here"));
  {
    g_autoptr (GstF2fMessage) msg = client_expect (watcher,
        GST_F2F_MESSAGE_APP);
    fail_unless_equals_string (msg->payload, "still here");
  }
  client_send (sender, gst_f2f_message_new_app (stalled_id, "hello?"));
  client_expect_error (sender, GST_F2F_ERROR_CODE_UNKNOWN_PEER);
  client_assert_quiet (watcher);
}

GST_END_TEST;

/* A client that sends its request one byte at a time, for ever. */
typedef struct
{
  GIOStream *io;
  gint64 connected_us;
  gint64 closed_us;             /* 0 while open */
  gboolean writing;
  guint n_written;
  guint8 buf[512];
  guint *n_closed;
} Dripper;

static void dripper_read (Dripper * d);

static void
dripper_read_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Dripper *d = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, NULL);

  if (n <= 0) {
    d->closed_us = g_get_monotonic_time ();
    (*d->n_closed)++;
    return;
  }
  dripper_read (d);
}

static void
dripper_read (Dripper * d)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (d->io), d->buf,
      sizeof d->buf, G_PRIORITY_DEFAULT, NULL, dripper_read_cb, d);
}

static void
dripper_written_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Dripper *d = user_data;

  /* A write to a socket the server closed fails; that is expected. */
  g_output_stream_write_finish (G_OUTPUT_STREAM (source), res, NULL);
  d->writing = FALSE;
}

static gboolean
drip_cb (gpointer user_data)
{
  GPtrArray *drippers = user_data;
  static const gchar request[] = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Upgrade: websocket\r\nConnection: Upgrade\r\nX-Slow: ";
  guint i;

  for (i = 0; i < drippers->len; i++) {
    Dripper *d = g_ptr_array_index (drippers, i);
    const gchar *byte = d->n_written < sizeof request - 1 ?
        request + d->n_written : "a";

    if (d->closed_us || d->writing)
      continue;
    d->writing = TRUE;
    d->n_written++;
    g_output_stream_write_async (g_io_stream_get_output_stream (d->io), byte,
        1, G_PRIORITY_DEFAULT, NULL, dripper_written_cb, d);
  }
  return G_SOURCE_CONTINUE;
}

static void
dripper_free (Dripper * d)
{
  g_object_unref (d->io);
  g_free (d);
}

/* 100 clients (from 10 addresses) that each send a header byte every
 * 100 ms are all closed at the handshake deadline, counted from their
 * accept, while a WebSocket client that finished its handshake stays.
 * Before, the deadline was an inactivity timeout that every byte reset,
 * and none of them was ever closed. */
GST_START_TEST (test_header_drippers_closed_at_deadline)
{
  TestServer *server = server_start (":memory:", "--handshake-timeout=2",
      NULL);
  TestClient *good = client_new (server, "good");
  g_autoptr (GPtrArray) drippers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) dripper_free);
  g_autoptr (GSource) dripping = NULL;
  g_autoptr (GstF2fMessage) welcome = NULL;
  gint64 earliest = G_MAXINT64, latest = 0;
  guint i, n_closed = 0;

  welcome = client_join (good, "patient", NULL);
  for (i = 0; i < 100; i++) {
    g_autofree gchar *from = g_strdup_printf ("127.0.0.%u", 60 + i % 10);
    Dripper *d = g_new0 (Dripper, 1);

    d->io = tcp_connect_from (server, from);
    d->connected_us = g_get_monotonic_time ();
    d->n_closed = &n_closed;
    g_ptr_array_add (drippers, d);
    dripper_read (d);
  }
  dripping = g_timeout_source_new (100);
  g_source_set_callback (dripping, drip_cb, drippers, NULL);
  g_source_attach (dripping, fx.context);

  WAIT_UNTIL (n_closed == 100, 4500, "%u of 100 header drippers were closed "
      "within 4.5 s of a 2 s handshake deadline", n_closed);
  g_source_destroy (dripping);
  for (i = 0; i < drippers->len; i++) {
    Dripper *d = g_ptr_array_index (drippers, i);
    gint64 lived = d->closed_us - d->connected_us;

    earliest = MIN (earliest, lived);
    latest = MAX (latest, lived);
    fail_unless (d->n_written > 10, "dripper %u wrote only %u bytes", i,
        d->n_written);
  }
  g_printerr ("header drippers: closed %.2f-%.2f s after connecting "
      "(deadline 2 s)\n", earliest / 1e6, latest / 1e6);
  fail_unless (earliest >= 1800 * 1000, "a dripper was closed after %.2f s, "
      "before the deadline", earliest / 1e6);
  client_sync (good);
  fail_if (good->closed, "the finished WebSocket was closed");
}

GST_END_TEST;

/* 64 MiB of zeros, deflated raw (RFC 7692's format): about 64 kB. */
static GBytes *
deflate_bomb (void)
{
  g_autoptr (GZlibCompressor) z =
      g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, 9);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree guint8 *zeros = g_malloc0 (1 << 20);
  guint8 buf[65536];
  guint i;

  for (i = 0; i <= 64; i++) {
    const guint8 *in = zeros;
    gsize left = i < 64 ? 1 << 20 : 0;
    GConverterResult r;

    do {
      gsize read = 0, written = 0;
      r = g_converter_convert (G_CONVERTER (z), in, left, buf, sizeof buf,
          i < 64 ? G_CONVERTER_NO_FLAGS : G_CONVERTER_INPUT_AT_END, &read,
          &written, NULL);
      fail_if (r == G_CONVERTER_ERROR, "zlib failed");
      g_byte_array_append (out, buf, written);
      in += read;
      left -= read;
    } while (left > 0 || (i == 64 && r != G_CONVERTER_FINISHED));
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* The server refuses permessage-deflate (libsoup 3.2 checks the size of
 * a message only after inflating it), so a frame that would inflate to
 * 64 MiB is a protocol error that costs nothing. Before, it was inflated:
 * +128 MB and 1-2 s of CPU before the 1009 close. */
GST_START_TEST (test_deflate_refused)
{
  TestServer *server = server_start (":memory:", NULL);
  TestClient *good = client_new (server, "good");
  g_autoptr (GIOStream) io = tcp_connect (server);
  g_autoptr (GByteArray) response = g_byte_array_new ();
  g_autoptr (GBytes) bomb = deflate_bomb ();
  g_autoptr (GstF2fMessage) welcome = NULL;
  g_autofree gchar *request = g_strdup_printf ("GET /ws HTTP/1.1\r\n"
      "Host: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"
      "Sec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Extensions: permessage-deflate; "
      "client_max_window_bits\r\n\r\n", server->port);
  guint64 before, peak;
  gboolean accepted;
  guint code;

  welcome = client_join (good, "calm", NULL);
  fail_unless (g_bytes_get_size (bomb) < 128 * 1024);
  tcp_write (io, request);
  while (response->len == 0 || g_strstr_len ((const gchar *) response->data,
          response->len, "\r\n\r\n") == NULL) {
    g_autoptr (GBytes) bytes = tcp_read (io, "the handshake response");
    fail_if (g_bytes_get_size (bytes) == 0, "closed during the handshake");
    g_byte_array_append (response, g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes));
  }
  g_byte_array_append (response, (const guint8 *) "", 1);
  fail_unless (g_str_has_prefix ((const gchar *) response->data,
          "HTTP/1.1 101"), "the handshake failed: %s", response->data);
  accepted = g_strrstr ((const gchar *) response->data, "deflate") != NULL;

  before = server_rss (server);
  /* RSV1 set: a compressed text frame */
  raw_websocket_send_frame (io, TRUE, 0x40 | 0x1,
      g_bytes_get_data (bomb, NULL), g_bytes_get_size (bomb));
  code = raw_websocket_read_close_code (io);
  peak = server_memory (server, "VmHWM:");
  g_printerr ("deflate bomb (%" G_GSIZE_FORMAT " bytes): close code %u, "
      "peak RSS %" G_GINT64_FORMAT " kB above the RSS before it\n",
      g_bytes_get_size (bomb), code, ((gint64) peak - (gint64) before) / 1024);
  fail_unless (peak < before + 8 * 1024 * 1024, "the deflate bomb cost %"
      G_GUINT64_FORMAT " MB", (peak - before) >> 20);
  fail_if (accepted, "the server accepted permessage-deflate: %s",
      response->data);
  fail_unless (code == SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR || code == 0,
      "a compressed frame without the extension closed with %u", code);
  client_sync (good);
  fail_if (server->exited);
}

GST_END_TEST;

/* What RFC 8259 refuses is bad-request (json-glib took all of these), and
 * so is null for a string field (it was read as "no password"). The
 * connection stays open. A text frame that is not UTF-8 closes with 1007,
 * as RFC 6455 requires and docs/protocol.md says. */
GST_START_TEST (test_strict_json)
{
  TestServer *server = server_start (":memory:", NULL);
  TestClient *owner = client_new (server, "owner");
  TestClient *strict = client_new (server, "strict");
  g_autoptr (GIOStream) raw = raw_websocket_open (server);
  g_autoptr (GstF2fMessage) welcome = NULL;
  const gchar *cases[] = {
    "{'type':'ping'}",
    "{\"type\":\"ping\",\"x\":01}",
    "{\"type\":\"ping\",\"x\":0x10}",
    "{\"type\":\"ping\",\"x\":\"raw\x01control\"}",
    "{\"type\":\"ping\",\"x\":\"tab\tinside\"}",
    "{\"type\":\"ping\",\"x\":\"\\q\"}",
    "{\"type\":\"ping\",\"x\":[1,]}",
    "{\"type\":\"join\",\"version\":1,\"room\":\"den\",\"name\":\"n\","
        "\"password\":null}",
  };
  const gchar not_utf8[] = "{\"type\":\"ping\",\"x\":\"\xff\xfe\"}";
  guint i;

  welcome = client_join (owner, "den", "secret");
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GstF2fMessage) reply = NULL;
    g_autofree gchar *text = NULL;

    client_send_text (strict, cases[i]);
    reply = client_next (strict);
    text = describe (reply);
    fail_unless (reply->type == GST_F2F_MESSAGE_ERROR
        && reply->code == GST_F2F_ERROR_CODE_BAD_REQUEST,
        "%s: expected bad-request, received %s", cases[i], text);
  }
  client_assert_quiet (strict);
  client_assert_quiet (owner);

  raw_websocket_send_frame (raw, TRUE, 0x1, not_utf8, sizeof not_utf8 - 1);
  fail_unless_equals_int (raw_websocket_read_close_code (raw),
      SOUP_WEBSOCKET_CLOSE_BAD_DATA);
}

GST_END_TEST;

/* A WebSocket that never joins is closed like any silent connection:
 * 1001 after the idle timeout. Before, the handshake's socket timeout
 * stayed on it and dropped it without a close frame. */
GST_START_TEST (test_never_joined_closed_1001)
{
  TestServer *server = server_start (":memory:", "--idle-timeout=2",
      "--handshake-timeout=1", NULL);
  TestClient *silent = client_new (server, "silent");
  gint64 start = g_get_monotonic_time ();

  WAIT_UNTIL (silent->closed, 5000, "a connection that never joined was "
      "not closed within 5 s of a 2 s idle timeout");
  fail_unless_equals_int (silent->close_code,
      SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  fail_unless (g_get_monotonic_time () - start >= 1900 * 1000,
      "closed after %.2f s, before the idle timeout",
      (g_get_monotonic_time () - start) / 1e6);
}

GST_END_TEST;

static void
eof_read_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  gboolean *ended = user_data;
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish
      (G_INPUT_STREAM (source), res, NULL);

  /* The server sends nothing on this connection but its end. */
  *ended = TRUE;
}

/* Writes unless the server ends the connection first (a peer that closed
 * with data unread may leave this side's write stalled, not failed);
 * FALSE when it ended. */
static gboolean
tcp_write_unless_ended (GIOStream * io, gconstpointer data, gsize length,
    gboolean * ended)
{
  GOutputStream *out = g_io_stream_get_output_stream (io);
  Pending *p = pending_new ();
  gboolean ok;

  g_output_stream_write_all_async (out, data, length, G_PRIORITY_DEFAULT,
      NULL, pending_done_cb, p);
  WAIT_UNTIL (p->result || *ended, REPLY_MS, "a TCP write neither ended nor "
      "was closed within %u ms", REPLY_MS * fx.slowdown);
  ok = p->result && g_output_stream_write_all_finish (out, p->result, NULL,
      NULL);
  pending_unref (p);
  return ok && !*ended;
}

/* A message in fragments that never ends: each fragment is small enough,
 * but libsoup 3.2 assembles them without a total limit. The server
 * closes the connection once a peer has sent 272 kB without completing a
 * message, and its memory stays put. */
GST_START_TEST (test_endless_fragments_closed)
{
  TestServer *server = server_start (":memory:", NULL);
  TestClient *good = client_new (server, "good");
  g_autoptr (GIOStream) io = raw_websocket_open (server);
  g_autofree gchar *chunk = g_strnfill (100000, 'f');
  g_autoptr (GByteArray) first = raw_websocket_frame (FALSE, 0x1, chunk,
      100000);
  g_autoptr (GByteArray) more = raw_websocket_frame (FALSE, 0x0, chunk,
      100000);
  g_autoptr (GstF2fMessage) welcome = NULL;
  guint64 baseline, rss, max_rss = 0;
  guint i;
  gboolean open, ended = FALSE;

  welcome = client_join (good, "calm", NULL);
  baseline = server_rss (server);
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (io), 4096,
      G_PRIORITY_DEFAULT, NULL, eof_read_cb, &ended);
  open = tcp_write_unless_ended (io, first->data, first->len, &ended);
  /* up to 200 MB */
  for (i = 0; open && i < 2000; i++) {
    open = tcp_write_unless_ended (io, more->data, more->len, &ended);
    if (i % 10 == 0) {
      client_sync (good);
      rss = server_rss (server);
      max_rss = MAX (max_rss, rss);
      fail_unless (rss < baseline + 32 * 1024 * 1024, "the server grew by %"
          G_GUINT64_FORMAT " MB after %u fragments of 100 kB", (rss -
              baseline) >> 20, i + 1);
    }
  }
  g_printerr ("endless fragments: the end noticed after %u fragments of 100 kB; "
      "server RSS at most %" G_GUINT64_FORMAT " kB above its baseline\n",
      i + 1, (max_rss - baseline) >> 10);
  fail_if (open, "the server took 200 MB of one fragmented message");
  client_sync (good);
  fail_if (server->exited);
}

GST_END_TEST;

/* With one worker and no queue, joins that need a password check while
 * the worker is busy are refused at once (rate-limited) instead of
 * waiting; the owner, already in, notices nothing; once the flood is
 * over the right password gets in. */
GST_START_TEST (test_password_queue_full)
{
  TestServer *server = server_start (":memory:", "--password-workers=1",
      "--password-queue=0", "--max-password-failures=0",
      "--max-room-password-failures=0", NULL);
  TestClient *owner = client_new (server, "owner");
  TestClient *guessers[8];
  TestClient *friend;
  g_autoptr (GstF2fMessage) welcome = NULL;
  guint i, n_wrong = 0, n_busy = 0;

  welcome = client_join (owner, "keep", "sesame");
  g_clear_pointer (&welcome, gst_f2f_message_free);
  for (i = 0; i < G_N_ELEMENTS (guessers); i++) {
    g_autofree gchar *label = g_strdup_printf ("guesser%u", i);
    guessers[i] = client_new (server, label);
  }
  for (i = 0; i < G_N_ELEMENTS (guessers); i++)
    client_send (guessers[i], gst_f2f_message_new_join ("keep", "g", "nope",
            NULL));
  for (i = 0; i < G_N_ELEMENTS (guessers); i++) {
    g_autoptr (GstF2fMessage) reply = client_next (guessers[i]);
    g_autofree gchar *text = describe (reply);

    fail_unless (reply->type == GST_F2F_MESSAGE_ERROR, "a guess got %s", text);
    if (reply->code == GST_F2F_ERROR_CODE_WRONG_PASSWORD)
      n_wrong++;
    else if (reply->code == GST_F2F_ERROR_CODE_RATE_LIMITED)
      n_busy++;
    else
      fail ("a guess got %s", text);
    client_expect_closed (guessers[i], SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  }
  fail_unless (n_wrong >= 1 && n_busy >= 1, "%u wrong-password and %u "
      "rate-limited of 8 joins at once with one worker and no queue",
      n_wrong, n_busy);
  client_assert_quiet (owner);

  friend = client_new (server, "friend");
  welcome = client_join (friend, "keep", "sesame");
  fail_unless (welcome->protected);
  gst_f2f_message_free (client_expect (owner, GST_F2F_MESSAGE_PEER_JOINED));
}

GST_END_TEST;

static Suite *
signaling_server_suite (void)
{
  Suite *s = suite_create ("signaling-server");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_two_rooms_relay);
  tcase_add_test (tc, test_wrong_password);
  tcase_add_test (tc, test_leader_drops);
  tcase_add_test (tc, test_idle_timeout);
  tcase_add_test (tc, test_restart_keeps_passwords);
  tcase_add_test (tc, test_bad_input);
  tcase_add_test (tc, test_password_failures_rate_limited);
  tcase_add_test (tc, test_connections_per_ip);
  tcase_add_test (tc, test_room_full);
  tcase_add_test (tc, test_static_files);
  tcase_add_test (tc, test_handshake_timeout);
  tcase_add_test (tc, test_origin_allowlist);
  tcase_add_test (tc, test_tls);
  tcase_add_test (tc, test_password_flood_keeps_relay_fast);
  tcase_add_test (tc, test_non_reader_closed);
  tcase_add_test (tc, test_header_drippers_closed_at_deadline);
  tcase_add_test (tc, test_deflate_refused);
  tcase_add_test (tc, test_strict_json);
  tcase_add_test (tc, test_never_joined_closed_1001);
  tcase_add_test (tc, test_endless_fragments_closed);
  tcase_add_test (tc, test_password_queue_full);
  return s;
}

GST_CHECK_MAIN (signaling_server);
