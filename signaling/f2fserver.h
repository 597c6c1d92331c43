/* f2f-signaling-server
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The transport: a SoupServer that accepts WebSocket connections on /ws,
 * hands their frames to the room registry and carries out its actions, and
 * serves the static files of the browser page. It decides nothing itself.
 */
#pragma once

#include <gio/gio.h>

#include "f2fregistry.h"

G_BEGIN_DECLS

typedef struct _F2fServer F2fServer;

typedef struct
{
  F2fRegistryConfig registry;
  const gchar *address;         /* to listen on */
  guint port;                   /* 0: chosen by the OS */
  const gchar *tls_cert;        /* PEM files; both or neither */
  const gchar *tls_key;
  const gchar *db_path;         /* or ":memory:" */
  gint64 room_expiry_s;
  const gchar *const *origins;  /* allowed Origin headers; NULL: any */
  const gchar *static_dir;      /* NULL: serve no files */
  guint handshake_timeout_s;    /* a connection that is not a WebSocket
                                 * this long after its accept is closed,
                                 * however busy; 0: never */
  guint password_workers;       /* threads hashing and checking passwords */
  guint password_queue;         /* password jobs waiting for a worker;
                                 * beyond it joins are refused */
  guint64 max_send_queue_bytes; /* what may wait to be sent to one peer; */
  guint max_send_queue_frames;  /* past either it is closed; 0: no limit */
} F2fServerConfig;

F2fServer *f2f_server_new (const F2fServerConfig * config, GError ** error);
/* (transfer full): the URI clients connect to, e.g. ws://127.0.0.1:8443/ws */
gchar *f2f_server_get_ws_uri (F2fServer * server);
/* Closes every connection (1001, going away) and stops listening. */
void f2f_server_shutdown (F2fServer * server);
void f2f_server_free (F2fServer * server);

G_END_DECLS
