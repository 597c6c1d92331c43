/* f2f-signaling-server
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything here runs on the main loop's one thread: libsoup delivers
 * every callback there and the registry is not thread-safe, so there is no
 * lock. The one exception is password work (Argon2id, ~0.1 s and 64 MiB a
 * hash): it runs on a small pool of worker threads that touch nothing but
 * their own job, and each result comes back to the main context as an
 * idle callback.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif
#include <gio/gnetworking.h>
#include <libsoup/soup.h>

#include "f2fserver.h"
#include "f2fstore.h"
#include "f2fmeteredstream.h"

typedef struct _PasswordShared PasswordShared;

struct _F2fServer
{
  SoupServer *soup;
  F2fStore *store;
  F2fRegistry *registry;
  GHashTable *conns;            /* guint64* id → SoupWebsocketConnection* */
  guint64 next_id;
  guint tick_source;
  gchar **origins;
  gchar *static_dir;             /* with every symlink resolved */
  GTlsCertificate *tls_cert;    /* NULL: plain ws:// */
  guint handshake_timeout_s;
  guint max_connections_per_ip;
  guint64 max_send_queue_bytes;
  guint max_send_queue_frames;

  /* Every accepted socket, upgraded or not (the per-address cap counts
   * them all), keyed by "address:port". */
  GSocket *listener;
  GSource *accept_source;
  GSocketAddress *listen_addr;
  GHashTable *socks;            /* gchar* → Sock* (owned) */
  GHashTable *socks_per_ip;     /* gchar* ip → GUINT count */

  GMainContext *context;        /* where libsoup and the registry live */
  GThreadPool *password_pool;
  PasswordShared *password_shared;
  guint n_password_jobs;        /* queued or running */
  guint max_password_jobs;      /* workers + queue */
};

/* Each SoupWebsocketConnection carries its WsState. */
#define WS_STATE_KEY "f2f-ws-state"

/* One accepted TCP connection, from accept until its stream is closed. */
typedef struct
{
  F2fServer *server;
  gchar *key;                   /* "address:port" of the peer */
  gchar *ip;
  GSocketConnection *tcp;
  gpointer stream_weak;         /* F2fMeteredStream*, valid while this is */
  guint deadline_source;        /* until the WebSocket upgrade */
  gboolean upgraded;
} Sock;

/* What the server keeps per WebSocket: its registry id and what it handed
 * libsoup to send, to know how much libsoup still queues. */
typedef struct
{
  guint64 id;
  F2fMeteredStream *stream;
  GSocketConnection *tcp;
  guint64 handed;               /* bytes handed to libsoup (with frame
                                 * headers), counted like the stream's */
  GQueue frame_ends;            /* where each handed frame ends, in that
                                 * count; the ones not yet written */
} WsState;

/* What libsoup reads before giving up on a frame; see websocket_cb(). */
#define LIBSOUP_MAX_FRAME_SIZE (2 * GST_F2F_MAX_FRAME_SIZE)

/* What a peer may send between two complete messages: a message libsoup
 * still takes (on_message() refuses it with 1009), plus what libsoup may
 * have read of the messages after it (it reads 1 kB at a time) and the
 * control frames in between. More is a fragmented message libsoup 3.2
 * would assemble without end. */
#define MAX_READ_WITHOUT_MESSAGE (2 * LIBSOUP_MAX_FRAME_SIZE + 16 * 1024)

/* Pending handshakes the kernel queues for us. soup_server_listen() keeps
 * GSocket's default of 10, and a burst of connections (every client
 * coming back after a restart) overflows that: the kernel drops the extra
 * handshakes and those clients stall for seconds, some for minutes. The
 * kernel caps this at net.core.somaxconn. */
#define LISTEN_BACKLOG 4096

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static void run_actions (F2fServer * self, GPtrArray * actions);

/* ---------------------------------------------------------------------- */
/* Sending, with a bound on what waits */

static void
ws_state_free (WsState * st)
{
  g_object_unref (st->stream);
  g_object_unref (st->tcp);
  g_queue_clear (&st->frame_ends);
  g_free (st);
}

/* Bytes and frames handed to libsoup for @st that have not been written
 * to the socket. libsoup writes nothing else on a WebSocket but its own
 * rare control frames, which only make this count low by their size. */
static void
ws_state_queued (WsState * st, guint64 * bytes, guint * frames)
{
  guint64 written = f2f_metered_stream_get_bytes_written (st->stream);

  while (!g_queue_is_empty (&st->frame_ends)
      && GPOINTER_TO_SIZE (g_queue_peek_head (&st->frame_ends)) <= written)
    g_queue_pop_head (&st->frame_ends);
  *bytes = st->handed > written ? st->handed - written : 0;
  *frames = g_queue_get_length (&st->frame_ends);
}

/* A peer that does not read what it is sent (a stalled or hostile
 * client) would make libsoup queue for it without end. Past the limit it
 * is closed: its room is told it left (too-slow), and the socket is shut
 * down at once, because the close frame sits behind the queue the peer
 * does not read. */
static void
drop_lagging (F2fServer * self, SoupWebsocketConnection * ws, WsState * st,
    guint64 bytes, guint frames)
{
  g_autoptr (GPtrArray) actions = f2f_actions_new ();

  g_message ("closing connection %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT
      " bytes in %u frames wait to be sent to it", st->id, bytes, frames);
  f2f_registry_disconnect (self->registry, st->id,
      GST_F2F_LEAVE_REASON_TOO_SLOW, now_us (), actions);
  soup_websocket_connection_close (ws, F2F_CLOSE_TOO_SLOW, "too slow");
  g_socket_shutdown (g_socket_connection_get_socket (st->tcp), TRUE, TRUE,
      NULL);
  run_actions (self, actions);
}

static void
send_frame (F2fServer * self, SoupWebsocketConnection * ws, GBytes * frame)
{
  WsState *st = g_object_get_data (G_OBJECT (ws), WS_STATE_KEY);
  gsize len = g_bytes_get_size (frame);
  guint64 bytes;
  guint frames;

  /* The frame as libsoup writes it: a server frame is not masked. */
  st->handed += len + (len < 126 ? 2 : len <= G_MAXUINT16 ? 4 : 10);
  g_queue_push_tail (&st->frame_ends, GSIZE_TO_POINTER (st->handed));
  soup_websocket_connection_send_message (ws, SOUP_WEBSOCKET_DATA_TEXT, frame);

  ws_state_queued (st, &bytes, &frames);
  if ((self->max_send_queue_bytes > 0 && bytes > self->max_send_queue_bytes)
      || (self->max_send_queue_frames > 0
          && frames > self->max_send_queue_frames))
    drop_lagging (self, ws, st, bytes, frames);
}

/* ---------------------------------------------------------------------- */
/* Password workers */

/* What the jobs of one server share; outlives the server while results
 * are still on their way to the main context. */
struct _PasswordShared
{
  F2fServer *server;            /* NULL once freed; main thread only */
  gint cancelled;               /* atomic: skip the work, the server is
                                 * going away */
};

typedef struct
{
  PasswordShared *shared;       /* a reference */
  guint64 conn;
  F2fActionKind kind;
  gchar *password;
  gchar *hash;                  /* VERIFY: the stored hash; HASH: made */
  F2fPasswordResult result;
} PasswordJob;

static void
password_job_free (PasswordJob * job)
{
  if (job->password) {
    memset (job->password, 0, strlen (job->password));
    g_free (job->password);
  }
  g_free (job->hash);
  g_atomic_rc_box_release (job->shared);
  g_free (job);
}

/* On the main context. */
static gboolean
password_job_done_cb (gpointer user_data)
{
  PasswordJob *job = user_data;
  F2fServer *self = job->shared->server;
  g_autoptr (GPtrArray) actions = NULL;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  self->n_password_jobs--;
  actions = f2f_actions_new ();
  f2f_registry_password_done (self->registry, job->conn, job->result,
      job->hash, now_us (), actions);
  run_actions (self, actions);
  return G_SOURCE_REMOVE;
}

/* On a worker thread: nothing here may touch the server. */
static void
password_worker (gpointer data, gpointer user_data)
{
  PasswordJob *job = data;
  GMainContext *context = user_data;

#ifdef __linux__
  /* Hashing is background work: with the machine busy, the main loop
   * (every room's relay) gets the CPU first. Linux takes a thread id for
   * a per-thread nice value. */
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 10);
#endif

  if (g_atomic_int_get (&job->shared->cancelled)) {
    job->result = F2F_PASSWORD_FAILED;
  } else if (job->kind == F2F_ACTION_HASH_PASSWORD) {
    job->hash = f2f_store_hash_password (job->password);
    job->result = job->hash ? F2F_PASSWORD_OK : F2F_PASSWORD_FAILED;
  } else {
    job->result = f2f_store_verify_password (job->hash, job->password) ?
        F2F_PASSWORD_OK : F2F_PASSWORD_WRONG;
  }
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT,
      password_job_done_cb, job, (GDestroyNotify) password_job_free);
}

/* Queues the work of @a, or answers BUSY at once when the queue is full:
 * a flood of joins costs each at most a refusal, never a wait on the
 * main loop. */
static void
start_password_work (F2fServer * self, F2fAction * a)
{
  PasswordJob *job;

  if (self->n_password_jobs >= self->max_password_jobs) {
    g_autoptr (GPtrArray) actions = f2f_actions_new ();
    g_message ("password work queue full (%u jobs): refusing a join",
        self->n_password_jobs);
    f2f_registry_password_done (self->registry, a->conn, F2F_PASSWORD_BUSY,
        NULL, now_us (), actions);
    run_actions (self, actions);
    return;
  }
  job = g_new0 (PasswordJob, 1);
  job->shared = g_atomic_rc_box_acquire (self->password_shared);
  job->conn = a->conn;
  job->kind = a->kind;
  job->password = g_steal_pointer (&a->password);
  job->hash = g_steal_pointer (&a->hash);
  self->n_password_jobs++;
  g_thread_pool_push (self->password_pool, job, NULL);
}

/* Carries out what the registry decided. */
static void
run_actions (F2fServer * self, GPtrArray * actions)
{
  guint i;

  for (i = 0; i < actions->len; i++) {
    F2fAction *a = g_ptr_array_index (actions, i);
    SoupWebsocketConnection *ws;

    if (a->kind == F2F_ACTION_HASH_PASSWORD
        || a->kind == F2F_ACTION_VERIFY_PASSWORD) {
      start_password_work (self, a);
      continue;
    }
    ws = g_hash_table_lookup (self->conns, &a->conn);
    if (ws == NULL)
      continue;
    if (soup_websocket_connection_get_state (ws) != SOUP_WEBSOCKET_STATE_OPEN)
      continue;
    if (a->kind == F2F_ACTION_SEND) {
      send_frame (self, ws, a->frame);
    } else {
      soup_websocket_connection_close (ws, a->close_code, a->close_reason);
    }
  }
  g_ptr_array_set_size (actions, 0);
}

static void
on_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    F2fServer * self)
{
  WsState *st = g_object_get_data (G_OBJECT (ws), WS_STATE_KEY);
  guint64 id = st->id;
  g_autoptr (GPtrArray) actions = f2f_actions_new ();
  gsize len;
  const gchar *data = g_bytes_get_data (message, &len);

  f2f_metered_stream_mark_read (st->stream);

  if (len > GST_F2F_MAX_FRAME_SIZE) {
    g_message ("closing a connection that sent a %" G_GSIZE_FORMAT
        "-byte frame", len);
    /* Forget it first: libsoup still delivers frames while closing. */
    f2f_registry_disconnect (self->registry, id,
        GST_F2F_LEAVE_REASON_DROPPED, now_us (), actions);
    run_actions (self, actions);
    if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_TOO_BIG,
          "frame too big");
    return;
  }

  f2f_registry_receive (self->registry, id, data, len,
      type == SOUP_WEBSOCKET_DATA_BINARY, now_us (), actions);
  run_actions (self, actions);
}

static void
on_closed (SoupWebsocketConnection * ws, F2fServer * self)
{
  WsState *st = g_object_get_data (G_OBJECT (ws), WS_STATE_KEY);
  guint64 id = st->id;
  g_autoptr (GPtrArray) actions = f2f_actions_new ();
  gushort code = soup_websocket_connection_get_close_code (ws);
  GstF2fLeaveReason reason = GST_F2F_LEAVE_REASON_LEFT;

  /* A close frame with a normal code is a goodbye; anything else (no close
   * frame at all, an error, a frame too big) is a lost connection. */
  if (code != SOUP_WEBSOCKET_CLOSE_NORMAL
      && code != SOUP_WEBSOCKET_CLOSE_GOING_AWAY)
    reason = GST_F2F_LEAVE_REASON_DROPPED;
  g_debug ("connection %" G_GUINT64_FORMAT " closed (code %u)", id, code);

  f2f_registry_disconnect (self->registry, id, reason, now_us (), actions);
  g_hash_table_remove (self->conns, &id);
  run_actions (self, actions);
}

static void
on_error (SoupWebsocketConnection * ws, GError * error, F2fServer * self)
{
  g_debug ("websocket error: %s", error->message);
}

static gchar *
address_key (GSocketAddress * addr, gchar ** ip)
{
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (addr);
  g_autofree gchar *host =
      g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  gchar *key = g_strdup_printf ("%s:%u", host,
      g_inet_socket_address_get_port (inet));

  if (ip)
    *ip = g_steal_pointer (&host);
  return key;
}

/* A peer sent more than MAX_READ_WITHOUT_MESSAGE without completing a
 * message: an endless fragmented message. Called inside libsoup's read;
 * shutting the socket down makes its next read end the connection. */
static void
read_overrun_cb (gpointer user_data)
{
  Sock *sock = user_data;

  g_message ("closing a connection from %s: %u bytes without a complete "
      "message", sock->ip, MAX_READ_WITHOUT_MESSAGE);
  g_socket_shutdown (g_socket_connection_get_socket (sock->tcp), TRUE, TRUE,
      NULL);
}

static void
websocket_cb (SoupServer * soup, SoupServerMessage * msg, const char *path,
    SoupWebsocketConnection * ws, gpointer user_data)
{
  F2fServer *self = user_data;
  g_autoptr (GPtrArray) actions = f2f_actions_new ();
  const gchar *ip = soup_server_message_get_remote_host (msg);
  g_autofree gchar *key =
      address_key (soup_server_message_get_remote_address (msg), NULL);
  Sock *sock = g_hash_table_lookup (self->socks, key);
  WsState *st;

  if (sock == NULL) {
    g_warning ("a WebSocket from %s that was never accepted", key);
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR,
        NULL);
    return;
  }
  /* Upgraded in time: from now on the registry's idle timeout rules. */
  sock->upgraded = TRUE;
  if (sock->deadline_source) {
    g_source_remove (sock->deadline_source);
    sock->deadline_source = 0;
  }

  st = g_new0 (WsState, 1);
  st->id = ++self->next_id;
  st->tcp = g_object_ref (sock->tcp);
  st->stream = g_object_ref (F2F_METERED_STREAM (sock->stream_weak));
  /* The 101 response went through the same stream. */
  st->handed = f2f_metered_stream_get_bytes_written (st->stream);
  g_queue_init (&st->frame_ends);
  g_object_set_data_full (G_OBJECT (ws), WS_STATE_KEY, st,
      (GDestroyNotify) ws_state_free);
  /* Over its limit libsoup drops the TCP connection without a close
   * frame, so the peer never learns why. Its limit is therefore twice
   * ours: on_message() answers frames up to that with 1009 "message too
   * big", and only bigger ones hit libsoup's safety valve. libsoup before
   * 3.7 assembles fragmented messages without any limit; newer ones cap
   * the total too. */
  g_object_set (ws, "max-incoming-payload-size",
      (guint64) LIBSOUP_MAX_FRAME_SIZE, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ws),
          "max-total-message-size"))
    g_object_set (ws, "max-total-message-size",
        (guint64) LIBSOUP_MAX_FRAME_SIZE, NULL);

  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (ws),
          "max-total-message-size"))
    f2f_metered_stream_set_read_limit (st->stream, MAX_READ_WITHOUT_MESSAGE,
        read_overrun_cb);

  g_hash_table_insert (self->conns, &st->id, g_object_ref (ws));
  g_signal_connect (ws, "message", G_CALLBACK (on_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), self);
  g_signal_connect (ws, "error", G_CALLBACK (on_error), self);

  f2f_registry_connect (self->registry, st->id, ip ? ip : "unknown",
      now_us (), actions);
  run_actions (self, actions);
}

/* ---------------------------------------------------------------------- */
/* Accepting */

static void
sock_free (Sock * sock)
{
  if (sock->deadline_source)
    g_source_remove (sock->deadline_source);
  g_object_unref (sock->tcp);
  g_free (sock->key);
  g_free (sock->ip);
  g_free (sock);
}

/* The stream was closed or dropped: the socket no longer counts. */
static void
sock_gone_cb (gpointer user_data)
{
  Sock *sock = user_data;
  F2fServer *self = sock->server;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->socks_per_ip,
          sock->ip));

  if (n > 1)
    g_hash_table_insert (self->socks_per_ip, g_strdup (sock->ip),
        GUINT_TO_POINTER (n - 1));
  else
    g_hash_table_remove (self->socks_per_ip, sock->ip);
  g_hash_table_remove (self->socks, sock->key);
}

/* From accept to 101 a connection gets handshake_timeout_s, however
 * slowly it trickles its request in; then its socket is shut down, which
 * libsoup sees as the end of the connection and cleans up. */
static gboolean
handshake_deadline_cb (gpointer user_data)
{
  Sock *sock = user_data;

  sock->deadline_source = 0;
  if (sock->upgraded)
    return G_SOURCE_REMOVE;
  g_message ("closing a connection from %s: no WebSocket within %u s",
      sock->ip, sock->server->handshake_timeout_s);
  g_socket_shutdown (g_socket_connection_get_socket (sock->tcp), TRUE, TRUE,
      NULL);
  return G_SOURCE_REMOVE;
}

static void
incoming (F2fServer * self, GSocketConnection * tcp)
{
  g_autoptr (GSocketAddress) remote = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GIOStream) base = NULL;
  g_autoptr (F2fMeteredStream) stream = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ip = NULL;
  gchar *key;
  guint n;
  Sock *sock;

  remote = g_socket_connection_get_remote_address (tcp, NULL);
  local = g_socket_connection_get_local_address (tcp, NULL);
  if (remote == NULL || local == NULL
      || !G_IS_INET_SOCKET_ADDRESS (remote)) {
    g_io_stream_close (G_IO_STREAM (tcp), NULL, NULL);
    return;
  }
  key = address_key (remote, &ip);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->socks_per_ip, ip));
  if (self->max_connections_per_ip > 0 && n >= self->max_connections_per_ip) {
    g_message ("refusing a connection from %s: %u connections already", ip,
        n);
    g_free (key);
    g_io_stream_close (G_IO_STREAM (tcp), NULL, NULL);
    return;
  }
  g_socket_set_option (g_socket_connection_get_socket (tcp), IPPROTO_TCP,
      TCP_NODELAY, TRUE, NULL);

  if (self->tls_cert) {
    base = G_IO_STREAM (g_tls_server_connection_new (G_IO_STREAM (tcp),
            self->tls_cert, &error));
    if (base == NULL) {
      g_warning ("cannot start TLS: %s", error->message);
      g_free (key);
      g_io_stream_close (G_IO_STREAM (tcp), NULL, NULL);
      return;
    }
    g_object_set (base, "require-close-notify", FALSE, NULL);
  } else {
    base = G_IO_STREAM (g_object_ref (tcp));
  }

  sock = g_new0 (Sock, 1);
  sock->server = self;
  sock->key = key;
  sock->ip = g_strdup (ip);
  sock->tcp = g_object_ref (tcp);
  /* A key still taken is an old socket on its way out (the kernel reuses
   * the peer's port only once it is closed): it no longer counts, and its
   * stream must not call back about a record that is gone. */
  if (g_hash_table_contains (self->socks, key)) {
    Sock *old = g_hash_table_lookup (self->socks, key);
    f2f_metered_stream_forget (old->stream_weak);
    sock_gone_cb (old);
  }
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->socks_per_ip, ip));
  g_hash_table_insert (self->socks_per_ip, g_strdup (ip),
      GUINT_TO_POINTER (n + 1));
  g_hash_table_insert (self->socks, sock->key, sock);
  stream = f2f_metered_stream_new (base, sock_gone_cb, sock);
  sock->stream_weak = stream;
  if (self->handshake_timeout_s > 0)
    sock->deadline_source = g_timeout_add (self->handshake_timeout_s * 1000,
        handshake_deadline_cb, sock);

  if (!soup_server_accept_iostream (self->soup, G_IO_STREAM (stream), local,
          remote, &error))
    g_warning ("libsoup did not take a connection: %s", error->message);
}

/* Refuses WebSocket handshakes from origins that are not allowed, before
 * the upgrade, with a plain 403. */
static void
origin_check_cb (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  F2fServer *self = user_data;
  const gchar *origin;

  if (self->origins == NULL)
    return;
  origin = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Origin");
  if (origin && g_strv_contains ((const gchar * const *) self->origins, origin))
    return;
  g_message ("refused a connection from origin %s", origin ? origin : "(none)");
  soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
}

static const gchar *
mime_type_for (const gchar * filename)
{
  static const struct
  {
    const gchar *ext;
    const gchar *type;
  } types[] = {
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".wasm", "application/wasm"},
    {".txt", "text/plain; charset=utf-8"},
    {".webm", "video/webm"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    if (g_str_has_suffix (filename, types[i].ext))
      return types[i].type;
  }
  return "application/octet-stream";
}

/* Maps a request path to a file under the static directory, or NULL when
 * the path tries to leave it (.., encoded separators, NUL, hidden files). */
static gchar *
static_path_for (F2fServer * self, const gchar * request_path)
{
  g_autofree gchar *decoded = NULL;
  g_auto (GStrv) parts = NULL;
  g_autofree gchar *relative = NULL;
  guint i;

  decoded = g_uri_unescape_string (request_path, "/");
  if (decoded == NULL || decoded[0] != '/')
    return NULL;
  if (strchr (decoded, '\\'))
    return NULL;
  parts = g_strsplit (decoded + 1, "/", -1);
  for (i = 0; parts[i]; i++) {
    if (parts[i][0] == '.' || (parts[i][0] == '\0' && parts[i + 1] != NULL))
      return NULL;
  }
  relative = g_strjoinv (G_DIR_SEPARATOR_S, parts);
  if (*relative == '\0' || g_str_has_suffix (decoded, "/"))
    return g_build_filename (self->static_dir, relative, "index.html", NULL);
  return g_build_filename (self->static_dir, relative, NULL);
}

/* Reads @file, a path under the static directory, if it is a regular
 * file that is really there: symlinks are resolved first, and one that
 * leads out of the static directory (to /etc/passwd, say) is as good as
 * missing. Directories are never listed. */
static gboolean
read_static_file (F2fServer * self, const gchar * file, gchar ** contents,
    gsize * length)
{
  g_autofree gchar *resolved = NULL;
  gsize root_len = strlen (self->static_dir);
  struct stat st;
  gchar *buf;
  gssize n;
  gsize got = 0;
  int fd;

  resolved = realpath (file, NULL);
  if (resolved == NULL || strncmp (resolved, self->static_dir, root_len) != 0
      || resolved[root_len] != '/') {
    if (resolved)
      g_message ("refused %s: it leads out of the static directory", file);
    return FALSE;
  }
  /* The resolved path has no symlink left; one put there since is not
   * followed. */
  fd = open (resolved, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)
      || st.st_size > 64 * 1024 * 1024) {
    close (fd);
    return FALSE;
  }
  buf = g_malloc (st.st_size + 1);
  while (got < (gsize) st.st_size
      && (n = read (fd, buf + got, st.st_size - got)) > 0)
    got += n;
  close (fd);
  buf[got] = '\0';
  *contents = buf;
  *length = got;
  return TRUE;
}

static void
static_cb (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  F2fServer *self = user_data;
  const gchar *method = soup_server_message_get_method (msg);
  g_autofree gchar *file = NULL;
  g_autofree gchar *contents = NULL;
  gsize length = 0;

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  if (self->static_dir == NULL) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  file = static_path_for (self, path);
  if (file == NULL) {
    soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
    return;
  }
  if (!read_static_file (self, file, &contents, &length)) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "X-Content-Type-Options", "nosniff");
  soup_server_message_set_response (msg, mime_type_for (file),
      SOUP_MEMORY_TAKE, g_steal_pointer (&contents), length);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* Takes every connection waiting: one wake-up per burst of connects, not
 * one per connection (GSocketService's way, which costs a main-loop
 * iteration each, and each iteration checks every connection's source). */
static gboolean
accept_cb (GSocket * listener, GIOCondition condition, gpointer user_data)
{
  F2fServer *self = user_data;
  guint n;

  for (n = 0; n < 256; n++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GSocket) sock = g_socket_accept (listener, NULL, &error);
    g_autoptr (GSocketConnection) tcp = NULL;

    if (sock == NULL) {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_message ("accept failed: %s", error->message);
      break;
    }
    tcp = g_socket_connection_factory_create_connection (sock);
    incoming (self, tcp);
  }
  return G_SOURCE_CONTINUE;
}

/* Listens with a backlog of LISTEN_BACKLOG and accepts connections
 * itself (accept_cb()), so that every socket is counted and timed from
 * its accept on; libsoup gets each as a stream. */
static gboolean
listen_on (F2fServer * self, GSocketAddress * addr, GError ** error)
{
  GSocketFamily family = g_socket_address_get_family (addr);
  g_autoptr (GSocket) sock = NULL;

  sock = g_socket_new (family, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_DEFAULT, error);
  if (sock == NULL)
    return FALSE;
  /* As libsoup does: an IPv6 address does not also take IPv4. */
  if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (sock, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
  g_socket_set_listen_backlog (sock, LISTEN_BACKLOG);
  if (!g_socket_bind (sock, addr, TRUE, error) || !g_socket_listen (sock,
          error))
    return FALSE;
  self->listen_addr = g_socket_get_local_address (sock, error);
  if (self->listen_addr == NULL)
    return FALSE;
  g_socket_set_blocking (sock, FALSE);
  self->listener = g_steal_pointer (&sock);
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN,
      NULL);
  g_source_set_callback (self->accept_source, (GSourceFunc) accept_cb, self,
      NULL);
  g_source_attach (self->accept_source, self->context);
  return TRUE;
}

static gboolean
tick_cb (gpointer user_data)
{
  F2fServer *self = user_data;
  g_autoptr (GPtrArray) actions = f2f_actions_new ();

  f2f_registry_tick (self->registry, now_us (), actions);
  run_actions (self, actions);
  return G_SOURCE_CONTINUE;
}

F2fServer *
f2f_server_new (const F2fServerConfig * config, GError ** error)
{
  F2fServer *self = g_new0 (F2fServer, 1);
  F2fRegistryBackend backend = { 0, };
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;
  guint tick_ms, workers;

  self->conns = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
      g_object_unref);
  self->origins = config->origins ? g_strdupv ((gchar **) config->origins) :
      NULL;
  if (config->static_dir) {
    /* Resolved once, so that every file served can be checked against
     * it (static_cb()). */
    self->static_dir = realpath (config->static_dir, NULL);
    if (self->static_dir == NULL) {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
          "static directory %s: %s", config->static_dir, g_strerror (errno));
      goto fail;
    }
  }
  self->handshake_timeout_s = config->handshake_timeout_s;
  self->max_connections_per_ip = config->registry.max_connections_per_ip;
  self->max_send_queue_bytes = config->max_send_queue_bytes;
  self->max_send_queue_frames = config->max_send_queue_frames;
  self->socks = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) sock_free);
  self->socks_per_ip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  self->context = g_main_context_ref_thread_default ();
  self->password_shared = g_atomic_rc_box_new0 (PasswordShared);
  self->password_shared->server = self;
  workers = config->password_workers > 0 ? config->password_workers : 1;
  self->max_password_jobs = workers + config->password_queue;
  self->password_pool = g_thread_pool_new (password_worker, self->context,
      workers, FALSE, NULL);

  self->store = f2f_store_open (config->db_path, config->room_expiry_s, error);
  if (self->store == NULL)
    goto fail;
  f2f_store_fill_backend (self->store, &backend);
  self->registry = f2f_registry_new (&config->registry, &backend, self->store);

  if (config->tls_cert || config->tls_key) {
    if (!config->tls_cert || !config->tls_key) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "--tls-cert and --tls-key go together");
      goto fail;
    }
    cert = g_tls_certificate_new_from_files (config->tls_cert,
        config->tls_key, error);
    if (cert == NULL)
      goto fail;
    self->tls_cert = g_steal_pointer (&cert);
  }

  self->soup = soup_server_new ("server-header", "f2f-signaling-server/"
      VERSION, NULL);
  /* No permessage-deflate: libsoup 3.2 inflates a whole message before
   * it checks max-incoming-payload-size, so a 64 kB frame could cost
   * 128 MB and seconds of CPU. Signaling frames are small JSON; a client
   * that offers the extension simply does not get it (RFC 7692), and a
   * compressed frame is then a protocol error (1002). */
  soup_server_remove_websocket_extension (self->soup,
      SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_early_handler (self->soup, "/ws", origin_check_cb, self,
      NULL);
  soup_server_add_websocket_handler (self->soup, "/ws", NULL, NULL,
      websocket_cb, self, NULL);
  soup_server_add_handler (self->soup, NULL, static_cb, self, NULL);

  addr = g_inet_socket_address_new_from_string (config->address,
      config->port);
  if (addr == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "'%s' is not an IP address", config->address);
    goto fail;
  }
  if (!listen_on (self, addr, error))
    goto fail;

  tick_ms = CLAMP (config->registry.idle_timeout_ms / 4, 50, 1000);
  /* Below the sockets' priority: when both are due, what clients sent is
   * read before anyone is expired for silence (after a stall, their pings
   * may wait unread in the socket buffers). */
  self->tick_source = g_timeout_add_full (G_PRIORITY_LOW, tick_ms, tick_cb,
      self, NULL);
  return self;

fail:
  f2f_server_free (self);
  return NULL;
}

gchar *
f2f_server_get_ws_uri (F2fServer * self)
{
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (self->listen_addr);
  g_autofree gchar *host =
      g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  gboolean v6 = strchr (host, ':') != NULL;

  return g_strdup_printf ("%s://%s%s%s:%u/ws", self->tls_cert ? "wss" : "ws",
      v6 ? "[" : "", host, v6 ? "]" : "",
      g_inet_socket_address_get_port (inet));
}

void
f2f_server_shutdown (F2fServer * self)
{
  g_autoptr (GPtrArray) actions = f2f_actions_new ();

  if (self->registry) {
    f2f_registry_shutdown (self->registry, now_us (), actions);
    run_actions (self, actions);
  }
  if (self->accept_source) {
    g_source_destroy (self->accept_source);
    g_clear_pointer (&self->accept_source, g_source_unref);
  }
  if (self->listener)
    g_socket_close (self->listener, NULL);
  if (self->soup)
    soup_server_disconnect (self->soup);
}

void
f2f_server_free (F2fServer * self)
{
  if (self == NULL)
    return;
  if (self->tick_source)
    g_source_remove (self->tick_source);
  if (self->conns) {
    GHashTableIter iter;
    gpointer ws;
    g_hash_table_iter_init (&iter, self->conns);
    while (g_hash_table_iter_next (&iter, NULL, &ws))
      g_signal_handlers_disconnect_by_data (ws, self);
    g_hash_table_unref (self->conns);
  }
  if (self->accept_source) {
    g_source_destroy (self->accept_source);
    g_clear_pointer (&self->accept_source, g_source_unref);
  }
  g_clear_object (&self->listener);
  g_clear_object (&self->soup);
  if (self->socks) {
    /* Streams someone still holds must not call back into a freed
     * server. */
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init (&iter, self->socks);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      f2f_metered_stream_forget (((Sock *) value)->stream_weak);
    g_hash_table_unref (self->socks);
    g_hash_table_unref (self->socks_per_ip);
  }
  g_clear_object (&self->listen_addr);
  g_clear_object (&self->tls_cert);
  if (self->password_pool) {
    /* Queued jobs are skipped, running ones finish; their results find
     * no server and are dropped. */
    g_atomic_int_set (&self->password_shared->cancelled, 1);
    g_thread_pool_free (self->password_pool, FALSE, TRUE);
    self->password_shared->server = NULL;
    g_atomic_rc_box_release (self->password_shared);
  }
  if (self->context)
    g_main_context_unref (self->context);
  f2f_registry_free (self->registry);
  f2f_store_close (self->store);
  g_strfreev (self->origins);
  free (self->static_dir);
  g_free (self);
}
