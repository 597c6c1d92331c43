/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <libsoup/soup.h>

#include "f2fsignalconn.h"

GST_DEBUG_CATEGORY_EXTERN (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

/* Backoff between connection attempts: doubles from the first to the
 * last, so a restarted server is found again within about a second. */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 1000

struct _F2fSignalConn
{
  gchar *uri;
  F2fSignalConnCallbacks callbacks;
  gpointer user_data;

  SoupSession *session;
  SoupWebsocketConnection *ws;
  GCancellable *cancellable;
  GMainContext *context;

  guint first_timeout_ms;
  gint64 first_attempt_us;
  gboolean ever_connected;
  gboolean closing;
  guint backoff_ms;
  GSource *retry_source;
  GSource *ping_source;
  guint ping_interval_s;
  gchar *last_error;
  /* Connections closed by us, kept until libsoup has sent the close
   * handshake, so a leave frame is delivered before the socket goes. */
  GPtrArray *closing_ws;
  /* The connect in flight: its callback may run after the connection
   * object is freed, so it holds this instead and finds conn NULL. */
  struct Attempt *attempt;
};

typedef struct Attempt
{
  F2fSignalConn *conn;
} Attempt;

static void connect_now (F2fSignalConn * conn);

F2fSignalConn *
f2f_signal_conn_new (const gchar * uri, guint first_connect_timeout_ms,
    GTlsDatabase * tls_database, const F2fSignalConnCallbacks * callbacks,
    gpointer user_data)
{
  F2fSignalConn *conn = g_new0 (F2fSignalConn, 1);

  conn->uri = g_strdup (uri);
  conn->callbacks = *callbacks;
  conn->user_data = user_data;
  conn->first_timeout_ms = first_connect_timeout_ms;
  conn->backoff_ms = BACKOFF_FIRST_MS;
  conn->context = g_main_context_ref_thread_default ();
  /* A SoupSession belongs to the thread-default context current when it is
   * made: this one. */
  conn->session = soup_session_new_with_options ("timeout", 10,
      "idle-timeout", 0, NULL);
  if (tls_database)
    soup_session_set_tls_database (conn->session, tls_database);
  conn->cancellable = g_cancellable_new ();
  conn->closing_ws = g_ptr_array_new ();
  return conn;
}

static void
clear_source (GSource ** source)
{
  if (*source) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

static GSource *
add_timeout (F2fSignalConn * conn, guint ms, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, conn, NULL);
  g_source_attach (source, conn->context);
  return source;
}

static gboolean
retry_cb (gpointer data)
{
  F2fSignalConn *conn = data;

  g_source_unref (conn->retry_source);
  conn->retry_source = NULL;
  connect_now (conn);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (F2fSignalConn * conn, const gchar * why)
{
  gint64 waited_ms;

  if (conn->closing)
    return;

  g_free (conn->last_error);
  conn->last_error = g_strdup (why);

  waited_ms = (g_get_monotonic_time () - conn->first_attempt_us) / 1000;
  if (!conn->ever_connected && waited_ms >= conn->first_timeout_ms) {
    g_autofree gchar *msg = g_strdup_printf ("could not reach the signaling "
        "server at %s for %u ms: %s", conn->uri, conn->first_timeout_ms, why);
    conn->closing = TRUE;
    conn->callbacks.failed (F2F_SIGNAL_CONN_UNREACHABLE, msg,
        conn->user_data);
    return;
  }
  GST_DEBUG ("retrying %s in %u ms (%s)", conn->uri, conn->backoff_ms, why);
  clear_source (&conn->retry_source);
  conn->retry_source = add_timeout (conn, conn->backoff_ms, retry_cb);
  conn->backoff_ms = MIN (conn->backoff_ms * 2, BACKOFF_MAX_MS);
}

static void
on_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    F2fSignalConn * conn)
{
  g_autoptr (GstF2fMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  const gchar *data = g_bytes_get_data (message, &len);

  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    GST_WARNING ("ignoring a binary frame from the signaling server");
    return;
  }
  msg = gst_f2f_message_parse (data, len, GST_F2F_DIRECTION_TO_CLIENT, &error);
  if (msg == NULL) {
    GST_WARNING ("ignoring a malformed frame from the signaling server: %s",
        error->message);
    return;
  }
  conn->callbacks.message (msg, conn->user_data);
}

static void
on_closed (SoupWebsocketConnection * ws, F2fSignalConn * conn)
{
  g_autofree gchar *why = g_strdup_printf ("connection closed (%u %s)",
      soup_websocket_connection_get_close_code (ws),
      soup_websocket_connection_get_close_data (ws) ?
      soup_websocket_connection_get_close_data (ws) : "");

  GST_INFO ("signaling %s", why);
  g_signal_handlers_disconnect_by_data (ws, conn);
  g_clear_object (&conn->ws);
  clear_source (&conn->ping_source);
  if (conn->closing)
    return;
  conn->callbacks.lost (why, conn->user_data);
  conn->backoff_ms = BACKOFF_FIRST_MS;
  schedule_retry (conn, why);
}

static void
connected_cb (GObject * source, GAsyncResult * res, gpointer data)
{
  Attempt *attempt = data;
  F2fSignalConn *conn = attempt->conn;
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res,
      &error);
  g_free (attempt);
  if (conn == NULL) {
    /* the connection object is gone */
    if (ws) {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
          NULL);
      g_object_unref (ws);
    }
    return;
  }
  conn->attempt = NULL;
  if (ws == NULL) {
    if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE)) {
      /* Not a server that is down: one that cannot be trusted, now or at
       * the next attempt. Say so at once. */
      conn->closing = TRUE;
      conn->callbacks.failed (F2F_SIGNAL_CONN_UNTRUSTED, error->message,
          conn->user_data);
    } else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      schedule_retry (conn, error->message);
    }
    return;
  }
  if (conn->closing) {
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
        NULL);
    g_object_unref (ws);
    return;
  }
  GST_INFO ("connected to %s", conn->uri);
  conn->ws = ws;
  conn->ever_connected = TRUE;
  conn->backoff_ms = BACKOFF_FIRST_MS;
  g_object_set (ws, "max-incoming-payload-size",
      (guint64) GST_F2F_MAX_FRAME_SIZE, NULL);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), conn);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), conn);
  conn->callbacks.connected (conn->user_data);
}

static void
connect_now (F2fSignalConn * conn)
{
  g_autoptr (SoupMessage) msg = NULL;

  if (conn->closing)
    return;
  msg = soup_message_new (SOUP_METHOD_GET, conn->uri);
  if (msg == NULL) {
    g_autofree gchar *why = g_strdup_printf ("'%s' is not a valid "
        "signaling server URI (ws://host:port/ws or wss://...)", conn->uri);
    conn->closing = TRUE;
    conn->callbacks.failed (F2F_SIGNAL_CONN_UNREACHABLE, why,
        conn->user_data);
    return;
  }
  conn->attempt = g_new0 (Attempt, 1);
  conn->attempt->conn = conn;
  soup_session_websocket_connect_async (conn->session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, conn->cancellable, connected_cb, conn->attempt);
}

void
f2f_signal_conn_start (F2fSignalConn * conn)
{
  conn->first_attempt_us = g_get_monotonic_time ();
  connect_now (conn);
}

gboolean
f2f_signal_conn_send (F2fSignalConn * conn, GstF2fMessage * msg)
{
  g_autofree gchar *text = NULL;

  if (conn->ws == NULL
      || soup_websocket_connection_get_state (conn->ws) !=
      SOUP_WEBSOCKET_STATE_OPEN)
    return FALSE;
  text = gst_f2f_message_serialize (msg);
  soup_websocket_connection_send_text (conn->ws, text);
  return TRUE;
}

static gboolean
ping_cb (gpointer data)
{
  F2fSignalConn *conn = data;
  g_autoptr (GstF2fMessage) ping = gst_f2f_message_new (GST_F2F_MESSAGE_PING);

  f2f_signal_conn_send (conn, ping);
  return G_SOURCE_CONTINUE;
}

void
f2f_signal_conn_set_ping_interval (F2fSignalConn * conn, guint interval_s)
{
  clear_source (&conn->ping_source);
  conn->ping_interval_s = interval_s;
  if (interval_s > 0)
    conn->ping_source = add_timeout (conn, interval_s * 1000, ping_cb);
}

static void
on_closed_by_us (SoupWebsocketConnection * ws, F2fSignalConn * conn)
{
  g_signal_handlers_disconnect_by_data (ws, conn);
  g_ptr_array_remove (conn->closing_ws, ws);
  g_object_unref (ws);
}

void
f2f_signal_conn_close (F2fSignalConn * conn, gboolean send_leave)
{
  conn->closing = TRUE;
  g_cancellable_cancel (conn->cancellable);
  clear_source (&conn->retry_source);
  clear_source (&conn->ping_source);
  if (conn->ws) {
    if (send_leave) {
      g_autoptr (GstF2fMessage) leave =
          gst_f2f_message_new (GST_F2F_MESSAGE_LEAVE);
      f2f_signal_conn_send (conn, leave);
    }
    g_signal_handlers_disconnect_by_data (conn->ws, conn);
    if (soup_websocket_connection_get_state (conn->ws) ==
        SOUP_WEBSOCKET_STATE_OPEN) {
      g_ptr_array_add (conn->closing_ws, conn->ws);
      g_signal_connect (conn->ws, "closed", G_CALLBACK (on_closed_by_us),
          conn);
      soup_websocket_connection_close (conn->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
          NULL);
      conn->ws = NULL;
    } else {
      g_clear_object (&conn->ws);
    }
  }
}

void
f2f_signal_conn_free (F2fSignalConn * conn)
{
  if (conn == NULL)
    return;
  f2f_signal_conn_close (conn, FALSE);
  if (conn->attempt)
    conn->attempt->conn = NULL;
  for (guint i = 0; i < conn->closing_ws->len; i++) {
    g_signal_handlers_disconnect_by_data (conn->closing_ws->pdata[i], conn);
    g_object_unref (conn->closing_ws->pdata[i]);
  }
  g_ptr_array_unref (conn->closing_ws);
  g_clear_object (&conn->session);
  g_clear_object (&conn->cancellable);
  g_main_context_unref (conn->context);
  g_free (conn->last_error);
  g_free (conn->uri);
  g_free (conn);
}
