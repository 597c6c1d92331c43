/* f2f-signaling-server
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The room registry: every decision the signaling server makes, as a pure
 * state machine. Events go in (a connection opened, a frame arrived, a
 * connection closed, time passed) and actions come out (send this frame to
 * that connection, close that connection). It owns no socket, reads no
 * clock and draws no random numbers of its own, so the tests drive it with
 * tables; f2fserver.c only moves frames between it and libsoup.
 */
#pragma once

#include <gst/f2f/f2f.h>

G_BEGIN_DECLS

typedef struct _F2fRegistry F2fRegistry;

typedef struct
{
  guint max_peers_per_room;       /* 0: no limit */
  guint max_connections_per_ip;   /* 0: no limit */
  guint idle_timeout_ms;          /* silence that removes a connection */
  gdouble join_rate;              /* join attempts per second per IP; 0: no limit */
  guint join_burst;               /* token bucket depth for join_rate */
  guint max_password_failures;    /* per IP within the window, then rate-limited */
  guint password_failure_window_ms;
  guint max_bad_frames;           /* per connection, then closed; 0: no limit */
  guint max_room_password_failures;       /* per room, from all addresses,
                                           * within the window; then the room
                                           * takes no password attempts */
} F2fRegistryConfig;

void f2f_registry_config_init (F2fRegistryConfig * config);

/* What the registry needs from the outside world. The store keeps rooms and
 * their password hashes (f2fstore.c: SQLite + libsodium); new_id draws peer
 * ids. Tests pass fakes. */
typedef struct
{
  /* TRUE when @room is known and not expired; *hash is its password hash or
   * NULL for an open room. */
  gboolean (*lookup_room) (gpointer data, const gchar * room, gint64 now_us,
      gchar ** hash);
  /* Records a new room with its password @hash (NULL: an open room).
   * FALSE on storage failure. Hashing itself is not the store's job: it
   * costs ~0.1 s, so the registry asks the transport for it with a
   * HASH_PASSWORD action and the transport runs it off the main loop. */
  gboolean (*create_room) (gpointer data, const gchar * room,
      const gchar * hash, gint64 now_us);
  /* The room was active at @now_us (a join, or it became empty). */
  void (*touch_room) (gpointer data, const gchar * room, gint64 now_us);
  gchar *(*new_peer_id) (gpointer data);
} F2fRegistryBackend;

typedef enum
{
  F2F_ACTION_SEND,
  F2F_ACTION_CLOSE,
  /* Hash @password (Argon2id) and answer with f2f_registry_password_done();
   * the join of @conn waits for it. */
  F2F_ACTION_HASH_PASSWORD,
  /* Check @password against @hash and answer with
   * f2f_registry_password_done(). */
  F2F_ACTION_VERIFY_PASSWORD,
} F2fActionKind;

/* How a HASH_PASSWORD or VERIFY_PASSWORD action ended. */
typedef enum
{
  F2F_PASSWORD_OK,              /* hashed, or the password matches */
  F2F_PASSWORD_WRONG,           /* VERIFY: it does not match */
  F2F_PASSWORD_BUSY,            /* the transport's queue of password work
                                 * is full; the join is refused as
                                 * rate-limited */
  F2F_PASSWORD_FAILED,          /* hashing failed (out of memory) */
} F2fPasswordResult;

/* WebSocket close codes the registry uses (RFC 6455). */
#define F2F_CLOSE_NORMAL 1000
#define F2F_CLOSE_GOING_AWAY 1001
#define F2F_CLOSE_POLICY_VIOLATION 1008
/* A peer whose send queue passed the limit (f2fserver.c). */
#define F2F_CLOSE_TOO_SLOW F2F_CLOSE_POLICY_VIOLATION

typedef struct
{
  F2fActionKind kind;
  guint64 conn;
  GBytes *frame;                /* SEND: the text frame, shared between the
                                 * recipients of one broadcast */
  gushort close_code;           /* CLOSE */
  gchar *close_reason;          /* CLOSE */
  gchar *password;              /* HASH_PASSWORD, VERIFY_PASSWORD */
  gchar *hash;                  /* VERIFY_PASSWORD */
} F2fAction;

void f2f_action_free (F2fAction * action);
/* A GPtrArray that frees its F2fAction elements. */
GPtrArray *f2f_actions_new (void);

F2fRegistry *f2f_registry_new (const F2fRegistryConfig * config,
    const F2fRegistryBackend * backend, gpointer backend_data);
void f2f_registry_free (F2fRegistry * registry);

/* Returns FALSE when the connection is refused (too many from @ip); a CLOSE
 * action for it is then in @actions and the registry forgets it. */
gboolean f2f_registry_connect (F2fRegistry * registry, guint64 conn,
    const gchar * ip, gint64 now_us, GPtrArray * actions);
void f2f_registry_receive (F2fRegistry * registry, guint64 conn,
    const gchar * data, gsize length, gboolean binary, gint64 now_us,
    GPtrArray * actions);
/* The transport lost @conn (or closed it after a CLOSE action; then this
 * does nothing). */
void f2f_registry_disconnect (F2fRegistry * registry, guint64 conn,
    GstF2fLeaveReason reason, gint64 now_us, GPtrArray * actions);
/* The answer to a HASH_PASSWORD (with the @hash made) or VERIFY_PASSWORD
 * action for @conn. A connection that went away meanwhile is ignored. */
void f2f_registry_password_done (F2fRegistry * registry, guint64 conn,
    F2fPasswordResult result, const gchar * hash, gint64 now_us,
    GPtrArray * actions);
/* Times connections out; call at least every idle_timeout / 4. */
void f2f_registry_tick (F2fRegistry * registry, gint64 now_us,
    GPtrArray * actions);
/* Tells every connection the server is going away and closes it. */
void f2f_registry_shutdown (F2fRegistry * registry, gint64 now_us,
    GPtrArray * actions);

/* Introspection, for tests and logs. */
guint f2f_registry_get_n_connections (F2fRegistry * registry);
guint f2f_registry_get_n_rooms (F2fRegistry * registry);
/* (transfer full): the members' ids, oldest first; NULL if no such room. */
gchar **f2f_registry_get_members (F2fRegistry * registry, const gchar * room);
const gchar *f2f_registry_get_leader (F2fRegistry * registry,
    const gchar * room);

G_END_DECLS
