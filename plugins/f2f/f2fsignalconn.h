/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * f2fsignal's connection to f2f-signaling-server: a libsoup WebSocket that
 * connects with backoff, delivers parsed frames, pings, and reconnects when
 * it is lost. It lives on one thread: the one whose thread-default
 * GMainContext was current when it was made; every call and callback
 * happens there.
 */
#pragma once

#include <gio/gio.h>
#include <gst/f2f/f2f.h>

G_BEGIN_DECLS

typedef struct _F2fSignalConn F2fSignalConn;

typedef enum
{
  F2F_SIGNAL_CONN_UNREACHABLE,  /* nothing answered within the retry time */
  F2F_SIGNAL_CONN_UNTRUSTED,    /* wss:// with a certificate not trusted */
} F2fSignalConnFailure;

typedef struct
{
  /* The WebSocket is open; send the join now. */
  void (*connected) (gpointer user_data);
  void (*message) (GstF2fMessage * msg, gpointer user_data);
  /* An open connection was lost; it reconnects by itself. */
  void (*lost) (const gchar * why, gpointer user_data);
  /* Could not connect within the retry time, or the server's TLS
   * certificate is not trusted (at once: retrying cannot change that):
   * it stops trying. */
  void (*failed) (F2fSignalConnFailure failure, const gchar * why,
      gpointer user_data);
} F2fSignalConnCallbacks;

/* @tls_database: the certificate authorities to trust for wss://, or NULL
 * for the system's. */
F2fSignalConn *f2f_signal_conn_new (const gchar * uri,
    guint first_connect_timeout_ms, GTlsDatabase * tls_database,
    const F2fSignalConnCallbacks * callbacks, gpointer user_data);
void f2f_signal_conn_start (F2fSignalConn * conn);
gboolean f2f_signal_conn_send (F2fSignalConn * conn, GstF2fMessage * msg);
/* Pings every @interval_s seconds from now on (0: never). */
void f2f_signal_conn_set_ping_interval (F2fSignalConn * conn, guint interval_s);
/* Closes (sending a leave first when joined) and stops reconnecting. */
void f2f_signal_conn_close (F2fSignalConn * conn, gboolean send_leave);
void f2f_signal_conn_free (F2fSignalConn * conn);

G_END_DECLS
