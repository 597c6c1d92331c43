/* f2f-signaling-server
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The room registry state machine; see f2fregistry.h and docs/protocol.md.
 * Not thread-safe: the server calls it from its one main-loop thread.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "f2fregistry.h"

typedef struct _Room Room;

typedef struct
{
  guint n_connections;
  gdouble tokens;               /* join token bucket */
  gint64 refilled_us;
  GQueue failures;              /* gint64* times of wrong passwords */
  guint n_checking;             /* password checks under way */
} IpState;

/* Wrong passwords given for one room, from any address: the throttle that
 * a guesser with many addresses meets. */
typedef struct
{
  GQueue failures;              /* gint64* times of wrong passwords */
  guint n_checking;             /* password checks under way */
} RoomGuard;

typedef enum
{
  PENDING_NONE,
  PENDING_WAIT,                 /* the room is being created by another */
  PENDING_HASH,                 /* creating the room: its hash is made */
  PENDING_VERIFY,               /* the password is checked */
} PendingKind;

typedef struct
{
  guint64 id;
  gchar *ip;
  gint64 last_seen_us;
  guint bad_frames;
  /* A join waiting for password work (or for its room to be created): */
  GstF2fMessage *pending_join;
  PendingKind pending;
  /* Set once joined: */
  Room *room;
  gchar *peer_id;
  gchar *name;
  guint64 order;
} Conn;

struct _Room
{
  gchar *id;
  gboolean protected;
  guint64 next_order;
  GPtrArray *members;           /* Conn*, oldest first; [0] leads */
  /* Ids whose departure the room was told (peer-left), oldest first, at
   * most MAX_DEPARTED: a join asking for one of them is a rejoin that the
   * others saw as leave + join (welcome.rejoined). */
  GQueue departed;              /* gchar* */
  /* While its first join's password is hashed the room exists with no
   * members; other joins for it wait here (conn ids). */
  gboolean creating;
  GQueue waiting;
};

#define MAX_DEPARTED 64

struct _F2fRegistry
{
  F2fRegistryConfig config;
  F2fRegistryBackend backend;
  gpointer backend_data;

  GHashTable *conns;            /* guint64* id → Conn* (owned) */
  GHashTable *rooms;            /* gchar* id → Room* (owned), non-empty rooms */
  GHashTable *ips;              /* gchar* ip → IpState* (owned) */
  gint64 last_tick_us;          /* 0 before the first tick */
  GHashTable *guards;           /* gchar* room → RoomGuard* (owned) */
};

void
f2f_registry_config_init (F2fRegistryConfig * config)
{
  config->max_peers_per_room = 16;
  config->max_connections_per_ip = 64;
  config->idle_timeout_ms = 20000;
  config->join_rate = 5.0;
  config->join_burst = 20;
  config->max_password_failures = 5;
  config->password_failure_window_ms = 60000;
  config->max_bad_frames = 100;
  config->max_room_password_failures = 30;
}

void
f2f_action_free (F2fAction * action)
{
  if (action->frame)
    g_bytes_unref (action->frame);
  g_free (action->close_reason);
  if (action->password) {
    memset (action->password, 0, strlen (action->password));
    g_free (action->password);
  }
  g_free (action->hash);
  g_free (action);
}

GPtrArray *
f2f_actions_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) f2f_action_free);
}

static void
conn_free (Conn * conn)
{
  g_free (conn->ip);
  g_free (conn->peer_id);
  g_free (conn->name);
  if (conn->pending_join)
    gst_f2f_message_free (conn->pending_join);
  g_free (conn);
}

static void
room_free (Room * room)
{
  g_queue_clear_full (&room->departed, g_free);
  g_free (room->id);
  g_ptr_array_unref (room->members);
  g_queue_clear (&room->waiting);
  g_free (room);
}

static void
ip_state_free (IpState * st)
{
  g_queue_clear_full (&st->failures, g_free);
  g_free (st);
}

static void
room_guard_free (RoomGuard * guard)
{
  g_queue_clear_full (&guard->failures, g_free);
  g_free (guard);
}

F2fRegistry *
f2f_registry_new (const F2fRegistryConfig * config,
    const F2fRegistryBackend * backend, gpointer backend_data)
{
  F2fRegistry *reg = g_new0 (F2fRegistry, 1);

  reg->config = *config;
  reg->backend = *backend;
  reg->backend_data = backend_data;
  reg->conns = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
      (GDestroyNotify) conn_free);
  reg->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) room_free);
  reg->ips = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) ip_state_free);
  reg->guards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) room_guard_free);
  return reg;
}

void
f2f_registry_free (F2fRegistry * reg)
{
  if (reg == NULL)
    return;
  g_hash_table_unref (reg->rooms);
  g_hash_table_unref (reg->conns);
  g_hash_table_unref (reg->ips);
  g_hash_table_unref (reg->guards);
  g_free (reg);
}

/* ---------------------------------------------------------------------- */
/* Actions */

static void
push_frame (GPtrArray * actions, guint64 conn, GBytes * frame)
{
  F2fAction *a = g_new0 (F2fAction, 1);

  a->kind = F2F_ACTION_SEND;
  a->conn = conn;
  a->frame = g_bytes_ref (frame);
  g_ptr_array_add (actions, a);
}

static GBytes *
frame_of (const GstF2fMessage * msg)
{
  gchar *text = gst_f2f_message_serialize (msg);

  return g_bytes_new_take (text, strlen (text));
}

static void
send_msg (GPtrArray * actions, guint64 conn, GstF2fMessage * msg)
{
  g_autoptr (GBytes) frame = frame_of (msg);

  push_frame (actions, conn, frame);
  gst_f2f_message_free (msg);
}

static void
send_error (GPtrArray * actions, guint64 conn, GstF2fErrorCode code,
    const gchar * text)
{
  send_msg (actions, conn, gst_f2f_message_new_error (code, text));
}

/* Sends @msg to every member of @room except @except (may be NULL). */
static void
broadcast (Room * room, Conn * except, GstF2fMessage * msg,
    GPtrArray * actions)
{
  g_autoptr (GBytes) frame = frame_of (msg);
  guint i;

  for (i = 0; i < room->members->len; i++) {
    Conn *m = g_ptr_array_index (room->members, i);
    if (m != except)
      push_frame (actions, m->id, frame);
  }
  gst_f2f_message_free (msg);
}

/* ---------------------------------------------------------------------- */
/* Membership */

static Conn *
room_find (Room * room, const gchar * peer_id)
{
  guint i;

  for (i = 0; i < room->members->len; i++) {
    Conn *m = g_ptr_array_index (room->members, i);
    if (strcmp (m->peer_id, peer_id) == 0)
      return m;
  }
  return NULL;
}

/* Takes @conn out of its room and tells the others, including a new leader
 * when the leader left. */
static void
leave_room (F2fRegistry * reg, Conn * conn, GstF2fLeaveReason reason,
    gint64 now_us, GPtrArray * actions)
{
  Room *room = conn->room;
  gboolean was_leader;

  if (room == NULL)
    return;

  was_leader = g_ptr_array_index (room->members, 0) == conn;
  g_ptr_array_remove (room->members, conn);
  conn->room = NULL;

  g_debug ("peer %s left room %s (%s)", conn->peer_id, room->id,
      gst_f2f_leave_reason_to_string (reason));

  if (room->members->len == 0) {
    /* The room's expiry counts from the moment it became empty. */
    reg->backend.touch_room (reg->backend_data, room->id, now_us);
    g_hash_table_remove (reg->rooms, room->id);
    return;
  }

  broadcast (room, NULL, gst_f2f_message_new_peer_left (conn->peer_id, reason),
      actions);
  g_queue_push_tail (&room->departed, g_strdup (conn->peer_id));
  if (g_queue_get_length (&room->departed) > MAX_DEPARTED)
    g_free (g_queue_pop_head (&room->departed));
  if (was_leader) {
    Conn *leader = g_ptr_array_index (room->members, 0);
    g_debug ("room %s: %s leads now", room->id, leader->peer_id);
    broadcast (room, NULL, gst_f2f_message_new_leader_changed (leader->peer_id),
        actions);
  }
}

static void abandon_creation (F2fRegistry * reg, Room * room, gint64 now_us,
    GPtrArray * actions);

/* Undoes what a join waiting for password work holds: its place in the
 * queue of a room being created, the room it was creating, its count in
 * the checks under way. */
static void
cancel_pending_join (F2fRegistry * reg, Conn * conn, gint64 now_us,
    GPtrArray * actions)
{
  GstF2fMessage *join = conn->pending_join;
  PendingKind kind = conn->pending;
  Room *room;

  if (kind == PENDING_NONE)
    return;
  conn->pending_join = NULL;
  conn->pending = PENDING_NONE;
  room = g_hash_table_lookup (reg->rooms, join->room);
  if (kind == PENDING_WAIT && room) {
    g_queue_remove (&room->waiting, GSIZE_TO_POINTER (conn->id));
  } else if (kind == PENDING_HASH && room && room->creating) {
    abandon_creation (reg, room, now_us, actions);
  } else if (kind == PENDING_VERIFY) {
    IpState *st = g_hash_table_lookup (reg->ips, conn->ip);
    RoomGuard *guard = g_hash_table_lookup (reg->guards, join->room);
    if (st && st->n_checking > 0)
      st->n_checking--;
    if (guard && guard->n_checking > 0)
      guard->n_checking--;
  }
  gst_f2f_message_free (join);
}

/* Forgets @conn entirely and asks the transport to close it. */
static void
drop_conn (F2fRegistry * reg, Conn * conn, GstF2fLeaveReason reason,
    gushort code, const gchar * close_reason, gint64 now_us,
    GPtrArray * actions)
{
  IpState *ip = g_hash_table_lookup (reg->ips, conn->ip);
  guint64 id = conn->id;

  cancel_pending_join (reg, conn, now_us, actions);
  leave_room (reg, conn, reason, now_us, actions);
  if (ip && ip->n_connections > 0)
    ip->n_connections--;

  if (close_reason) {
    F2fAction *a = g_new0 (F2fAction, 1);
    a->kind = F2F_ACTION_CLOSE;
    a->conn = id;
    a->close_code = code;
    a->close_reason = g_strdup (close_reason);
    g_ptr_array_add (actions, a);
  }
  g_hash_table_remove (reg->conns, &id);
}

/* ---------------------------------------------------------------------- */
/* Rate limits */

static IpState *
ip_state (F2fRegistry * reg, const gchar * ip, gint64 now_us)
{
  IpState *st = g_hash_table_lookup (reg->ips, ip);

  if (st == NULL) {
    st = g_new0 (IpState, 1);
    st->tokens = reg->config.join_burst;
    st->refilled_us = now_us;
    g_queue_init (&st->failures);
    g_hash_table_insert (reg->ips, g_strdup (ip), st);
  }
  return st;
}

static gboolean
take_join_token (F2fRegistry * reg, IpState * st, gint64 now_us)
{
  if (reg->config.join_rate <= 0)
    return TRUE;
  st->tokens += (now_us - st->refilled_us) / 1e6 * reg->config.join_rate;
  st->tokens = MIN (st->tokens, (gdouble) reg->config.join_burst);
  st->refilled_us = now_us;
  if (st->tokens < 1.0)
    return FALSE;
  st->tokens -= 1.0;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Events */

gboolean
f2f_registry_connect (F2fRegistry * reg, guint64 id, const gchar * ip,
    gint64 now_us, GPtrArray * actions)
{
  IpState *st = ip_state (reg, ip, now_us);
  Conn *conn;

  g_return_val_if_fail (!g_hash_table_contains (reg->conns, &id), FALSE);

  if (reg->config.max_connections_per_ip > 0
      && st->n_connections >= reg->config.max_connections_per_ip) {
    F2fAction *a = g_new0 (F2fAction, 1);
    g_message ("refusing a connection from %s: %u connections already", ip,
        st->n_connections);
    a->kind = F2F_ACTION_CLOSE;
    a->conn = id;
    a->close_code = F2F_CLOSE_POLICY_VIOLATION;
    a->close_reason = g_strdup ("too many connections from your address");
    g_ptr_array_add (actions, a);
    return FALSE;
  }

  conn = g_new0 (Conn, 1);
  conn->id = id;
  conn->ip = g_strdup (ip);
  conn->last_seen_us = now_us;
  st->n_connections++;
  g_hash_table_insert (reg->conns, &conn->id, conn);
  return TRUE;
}

/* Refuses a join: error frame, then close, as the protocol promises. */
static void
refuse_join (F2fRegistry * reg, Conn * conn, GstF2fErrorCode code,
    const gchar * text, gint64 now_us, GPtrArray * actions)
{
  g_message ("refused a join from %s: %s", conn->ip, text);
  send_error (actions, conn->id, code, text);
  drop_conn (reg, conn, GST_F2F_LEAVE_REASON_LEFT, F2F_CLOSE_POLICY_VIOLATION,
      gst_f2f_error_code_to_string (code), now_us, actions);
}

static void join_step (F2fRegistry * reg, Conn * conn, GstF2fMessage * join,
    gint64 now_us, GPtrArray * actions);

static RoomGuard *
room_guard (F2fRegistry * reg, const gchar * room)
{
  RoomGuard *guard = g_hash_table_lookup (reg->guards, room);

  if (guard == NULL) {
    guard = g_new0 (RoomGuard, 1);
    g_queue_init (&guard->failures);
    g_hash_table_insert (reg->guards, g_strdup (room), guard);
  }
  return guard;
}

static void
expire_times (F2fRegistry * reg, GQueue * times, gint64 now_us)
{
  gint64 window = (gint64) reg->config.password_failure_window_ms * 1000;
  gint64 *t;

  while ((t = g_queue_peek_head (times)) && now_us - *t >= window)
    g_free (g_queue_pop_head (times));
}

static void
record_failure (GQueue * times, gint64 now_us)
{
  g_queue_push_tail (times, g_memdup2 (&now_us, sizeof now_us));
}

/* Parks @join on @conn until password work for it is done. */
static void
park_join (Conn * conn, GstF2fMessage * join, PendingKind kind)
{
  /* handle_join refuses a join while one is pending, so there is none */
  g_warn_if_fail (conn->pending_join == NULL);
  if (conn->pending_join)
    gst_f2f_message_free (conn->pending_join);
  conn->pending_join = join;
  conn->pending = kind;
}

static GstF2fMessage *
unpark_join (Conn * conn)
{
  GstF2fMessage *join = g_steal_pointer (&conn->pending_join);

  conn->pending = PENDING_NONE;
  return join;
}

static F2fAction *
push_password_work (GPtrArray * actions, F2fActionKind kind, guint64 conn,
    const gchar * password, const gchar * hash)
{
  F2fAction *a = g_new0 (F2fAction, 1);

  a->kind = kind;
  a->conn = conn;
  a->password = g_strdup (password);
  a->hash = g_strdup (hash);
  g_ptr_array_add (actions, a);
  return a;
}

/* The room is known to exist (in the store or in memory) and @conn may
 * enter it: takes it in and tells everyone. Takes @join. */
static void
finish_join (F2fRegistry * reg, Conn * conn, GstF2fMessage * join,
    gboolean protected, gint64 now_us, GPtrArray * actions)
{
  g_autoptr (GstF2fMessage) owned = join;
  g_autofree gchar *text = NULL;
  Room *room = g_hash_table_lookup (reg->rooms, join->room);
  GstF2fMessage *welcome;
  gboolean rejoined = FALSE;
  GstF2fPeerInfo *info;
  guint i;

  if (room && reg->config.max_peers_per_room > 0
      && room->members->len >= reg->config.max_peers_per_room) {
    text = g_strdup_printf ("room '%s' is full (%u peers)", join->room,
        reg->config.max_peers_per_room);
    refuse_join (reg, conn, GST_F2F_ERROR_CODE_ROOM_FULL, text, now_us,
        actions);
    return;
  }

  if (room == NULL) {
    room = g_new0 (Room, 1);
    room->id = g_strdup (join->room);
    room->protected = protected;
    room->next_order = 1;
    room->members = g_ptr_array_new ();
    g_queue_init (&room->waiting);
    g_hash_table_insert (reg->rooms, room->id, room);
  }

  /* A peer coming back (after a lost connection or a server restart) may
   * keep its id, so its links stay recognisable, unless someone holds it. */
  if (join->peer_id && room_find (room, join->peer_id) == NULL) {
    GList *l = g_queue_find_custom (&room->departed, join->peer_id,
        (GCompareFunc) g_strcmp0);

    conn->peer_id = g_strdup (join->peer_id);
    if (l) {
      rejoined = TRUE;
      g_free (l->data);
      g_queue_delete_link (&room->departed, l);
    }
  }
  while (conn->peer_id == NULL) {
    gchar *id = reg->backend.new_peer_id (reg->backend_data);
    if (room_find (room, id) == NULL)
      conn->peer_id = id;
    else
      g_free (id);
  }
  conn->name = g_strdup (join->name);
  conn->order = room->next_order++;
  conn->room = room;

  welcome = gst_f2f_message_new (GST_F2F_MESSAGE_WELCOME);
  welcome->room = g_strdup (room->id);
  welcome->peer_id = g_strdup (conn->peer_id);
  welcome->protected = room->protected;
  welcome->idle_timeout = reg->config.idle_timeout_ms / 1000;
  welcome->rejoined = rejoined;
  for (i = 0; i < room->members->len; i++) {
    Conn *m = g_ptr_array_index (room->members, i);
    g_ptr_array_add (welcome->peers, gst_f2f_peer_info_new (m->peer_id,
            m->name, m->order));
  }
  g_ptr_array_add (room->members, conn);
  welcome->leader =
      g_strdup (((Conn *) g_ptr_array_index (room->members, 0))->peer_id);
  send_msg (actions, conn->id, welcome);

  info = gst_f2f_peer_info_new (conn->peer_id, conn->name, conn->order);
  {
    GstF2fMessage *joined = gst_f2f_message_new (GST_F2F_MESSAGE_PEER_JOINED);
    joined->peer = info;
    broadcast (room, conn, joined, actions);
  }
  reg->backend.touch_room (reg->backend_data, room->id, now_us);
  g_debug ("peer %s (%s) joined room %s", conn->peer_id, conn->ip, room->id);
}

/* A room whose creation ended without it (its creator left, or hashing
 * failed): forget it and let the joins that waited for it try again; the
 * first of them creates it. */
static void
abandon_creation (F2fRegistry * reg, Room * room, gint64 now_us,
    GPtrArray * actions)
{
  GQueue waiting = room->waiting;

  g_queue_init (&room->waiting);
  g_hash_table_remove (reg->rooms, room->id);
  while (!g_queue_is_empty (&waiting)) {
    guint64 id = GPOINTER_TO_SIZE (g_queue_pop_head (&waiting));
    Conn *c = g_hash_table_lookup (reg->conns, &id);
    if (c && c->pending == PENDING_WAIT)
      join_step (reg, c, unpark_join (c), now_us, actions);
  }
}

/* Everything after the rate limits: creates the room, asks for the
 * password to be checked, or takes @conn in. Takes @join. */
static void
join_step (F2fRegistry * reg, Conn * conn, GstF2fMessage * join,
    gint64 now_us, GPtrArray * actions)
{
  g_autoptr (GstF2fMessage) owned = join;
  g_autofree gchar *hash = NULL;
  g_autofree gchar *text = NULL;
  Room *room = g_hash_table_lookup (reg->rooms, join->room);
  IpState *st;
  RoomGuard *guard;

  if (room && room->creating) {
    park_join (conn, g_steal_pointer (&owned), PENDING_WAIT);
    g_queue_push_tail (&room->waiting, GSIZE_TO_POINTER (conn->id));
    return;
  }

  if (room == NULL) {
    gboolean known = reg->backend.lookup_room (reg->backend_data, join->room,
        now_us, &hash);

    if (!known && join->password) {
      /* Created with a password: the room exists from now on (the next
       * joins wait for it), but only the store makes it last. */
      room = g_new0 (Room, 1);
      room->id = g_strdup (join->room);
      room->protected = TRUE;
      room->next_order = 1;
      room->members = g_ptr_array_new ();
      room->creating = TRUE;
      g_queue_init (&room->waiting);
      g_hash_table_insert (reg->rooms, room->id, room);
      push_password_work (actions, F2F_ACTION_HASH_PASSWORD, conn->id,
          join->password, NULL);
      park_join (conn, g_steal_pointer (&owned), PENDING_HASH);
      return;
    }
    if (!known && !reg->backend.create_room (reg->backend_data, join->room,
            NULL, now_us)) {
      refuse_join (reg, conn, GST_F2F_ERROR_CODE_INTERNAL,
          "the server could not store the room", now_us, actions);
      return;
    }
  } else if (room->protected) {
    reg->backend.lookup_room (reg->backend_data, join->room, now_us, &hash);
  }

  if (!(room ? room->protected : hash != NULL)) {
    finish_join (reg, conn, g_steal_pointer (&owned), FALSE, now_us, actions);
    return;
  }

  st = ip_state (reg, conn->ip, now_us);
  guard = room_guard (reg, join->room);
  if (join->password == NULL || hash == NULL) {
    record_failure (&st->failures, now_us);
    record_failure (&guard->failures, now_us);
    text = g_strdup_printf ("wrong password for room '%s'", join->room);
    refuse_join (reg, conn, GST_F2F_ERROR_CODE_WRONG_PASSWORD, text, now_us,
        actions);
    return;
  }
  /* Checks under way count as failures to come: a guesser with many
   * addresses, or many connections at once, gets no more checks than
   * failures it is allowed. */
  expire_times (reg, &guard->failures, now_us);
  if (reg->config.max_room_password_failures > 0
      && guard->failures.length + guard->n_checking >=
      reg->config.max_room_password_failures) {
    text = g_strdup_printf ("too many wrong passwords for room '%s'; try "
        "again later", join->room);
    refuse_join (reg, conn, GST_F2F_ERROR_CODE_RATE_LIMITED, text, now_us,
        actions);
    return;
  }
  st->n_checking++;
  guard->n_checking++;
  push_password_work (actions, F2F_ACTION_VERIFY_PASSWORD, conn->id,
      join->password, hash);
  park_join (conn, g_steal_pointer (&owned), PENDING_VERIFY);
}

/* Takes @join. */
static void
handle_join (F2fRegistry * reg, Conn * conn, GstF2fMessage * join,
    gint64 now_us, GPtrArray * actions)
{
  g_autoptr (GstF2fMessage) owned = join;
  IpState *st = ip_state (reg, conn->ip, now_us);

  if (conn->room || conn->pending != PENDING_NONE) {
    send_error (actions, conn->id, GST_F2F_ERROR_CODE_ALREADY_JOINED,
        "this connection is already in a room");
    return;
  }

  expire_times (reg, &st->failures, now_us);
  if (reg->config.max_password_failures > 0
      && st->failures.length + st->n_checking >=
      reg->config.max_password_failures) {
    refuse_join (reg, conn, GST_F2F_ERROR_CODE_RATE_LIMITED,
        "too many wrong passwords from your address; try again later",
        now_us, actions);
    return;
  }
  if (!take_join_token (reg, st, now_us)) {
    refuse_join (reg, conn, GST_F2F_ERROR_CODE_RATE_LIMITED,
        "too many join attempts from your address; slow down", now_us, actions);
    return;
  }
  join_step (reg, conn, g_steal_pointer (&owned), now_us, actions);
}

void
f2f_registry_password_done (F2fRegistry * reg, guint64 id,
    F2fPasswordResult result, const gchar * hash, gint64 now_us,
    GPtrArray * actions)
{
  Conn *conn = g_hash_table_lookup (reg->conns, &id);
  g_autoptr (GstF2fMessage) join = NULL;
  g_autofree gchar *text = NULL;
  IpState *st;
  RoomGuard *guard;
  Room *room;

  /* Gone meanwhile: drop_conn() already undid what the work was for. */
  if (conn == NULL || (conn->pending != PENDING_HASH
          && conn->pending != PENDING_VERIFY))
    return;

  if (conn->pending == PENDING_HASH) {
    join = unpark_join (conn);
    room = g_hash_table_lookup (reg->rooms, join->room);
    if (room == NULL || !room->creating) {
      /* cannot happen: the room waits in "creating" for this very hash */
      g_critical ("room %s is not being created; refusing the join",
          join->room);
      refuse_join (reg, conn, GST_F2F_ERROR_CODE_INTERNAL,
          "the server could not store the room", now_us, actions);
      return;
    }
    if (result != F2F_PASSWORD_OK || hash == NULL
        || !reg->backend.create_room (reg->backend_data, join->room, hash,
            now_us)) {
      abandon_creation (reg, room, now_us, actions);
      if (result == F2F_PASSWORD_BUSY)
        refuse_join (reg, conn, GST_F2F_ERROR_CODE_RATE_LIMITED,
            "the server is busy checking passwords; try again later", now_us,
            actions);
      else
        refuse_join (reg, conn, GST_F2F_ERROR_CODE_INTERNAL,
            "the server could not store the room", now_us, actions);
      return;
    }
    room->creating = FALSE;
    {
      GQueue waiting = room->waiting;

      g_queue_init (&room->waiting);
      finish_join (reg, conn, g_steal_pointer (&join), TRUE, now_us, actions);
      while (!g_queue_is_empty (&waiting)) {
        guint64 wid = GPOINTER_TO_SIZE (g_queue_pop_head (&waiting));
        Conn *c = g_hash_table_lookup (reg->conns, &wid);
        if (c && c->pending == PENDING_WAIT)
          join_step (reg, c, unpark_join (c), now_us, actions);
      }
    }
    return;
  }

  join = unpark_join (conn);
  st = ip_state (reg, conn->ip, now_us);
  guard = room_guard (reg, join->room);
  if (st->n_checking > 0)
    st->n_checking--;
  if (guard->n_checking > 0)
    guard->n_checking--;

  switch (result) {
    case F2F_PASSWORD_OK:
      finish_join (reg, conn, g_steal_pointer (&join), TRUE, now_us, actions);
      break;
    case F2F_PASSWORD_WRONG:
      record_failure (&st->failures, now_us);
      record_failure (&guard->failures, now_us);
      text = g_strdup_printf ("wrong password for room '%s'", join->room);
      refuse_join (reg, conn, GST_F2F_ERROR_CODE_WRONG_PASSWORD, text, now_us,
          actions);
      break;
    case F2F_PASSWORD_BUSY:
      refuse_join (reg, conn, GST_F2F_ERROR_CODE_RATE_LIMITED,
          "the server is busy checking passwords; try again later", now_us,
          actions);
      break;
    default:
      refuse_join (reg, conn, GST_F2F_ERROR_CODE_INTERNAL,
          "the server could not check the password", now_us, actions);
      break;
  }
}

static void
handle_relay (F2fRegistry * reg, Conn * conn, GstF2fMessage * msg,
    GPtrArray * actions)
{
  Conn *to;

  if (conn->room == NULL) {
    send_error (actions, conn->id, GST_F2F_ERROR_CODE_NOT_JOINED,
        "join a room before sending to its peers");
    return;
  }
  to = room_find (conn->room, msg->to);
  if (to == NULL || to == conn) {
    g_autofree gchar *text =
        g_strdup_printf ("no peer '%s' in this room", msg->to);
    send_error (actions, conn->id, GST_F2F_ERROR_CODE_UNKNOWN_PEER, text);
    return;
  }
  /* The sender is stamped here, never taken from the client. */
  g_clear_pointer (&msg->to, g_free);
  g_free (msg->from);
  msg->from = g_strdup (conn->peer_id);
  {
    g_autoptr (GBytes) frame = frame_of (msg);
    push_frame (actions, to->id, frame);
  }
}

void
f2f_registry_receive (F2fRegistry * reg, guint64 id, const gchar * data,
    gsize length, gboolean binary, gint64 now_us, GPtrArray * actions)
{
  Conn *conn = g_hash_table_lookup (reg->conns, &id);
  g_autoptr (GstF2fMessage) msg = NULL;
  g_autoptr (GError) error = NULL;

  if (conn == NULL)
    return;
  conn->last_seen_us = now_us;

  if (binary) {
    g_set_error_literal (&error, GST_F2F_PROTOCOL_ERROR,
        GST_F2F_ERROR_CODE_BAD_REQUEST, "binary frames are not accepted");
  } else {
    msg = gst_f2f_message_parse (data, length, GST_F2F_DIRECTION_TO_SERVER,
        &error);
  }

  if (msg == NULL) {
    conn->bad_frames++;
    g_debug ("bad frame from %s: %s", conn->ip, error->message);
    if (reg->config.max_bad_frames > 0
        && conn->bad_frames >= reg->config.max_bad_frames) {
      g_message ("closing a connection from %s after %u malformed frames",
          conn->ip, conn->bad_frames);
      drop_conn (reg, conn, GST_F2F_LEAVE_REASON_DROPPED,
          F2F_CLOSE_POLICY_VIOLATION, "too many malformed frames", now_us,
          actions);
      return;
    }
    if (error->code == GST_F2F_ERROR_CODE_UNSUPPORTED_VERSION) {
      refuse_join (reg, conn, error->code, error->message, now_us, actions);
      return;
    }
    send_error (actions, id, error->code, error->message);
    return;
  }

  switch (msg->type) {
    case GST_F2F_MESSAGE_JOIN:
      handle_join (reg, conn, g_steal_pointer (&msg), now_us, actions);
      break;
    case GST_F2F_MESSAGE_PING:
      send_msg (actions, id, gst_f2f_message_new (GST_F2F_MESSAGE_PONG));
      break;
    case GST_F2F_MESSAGE_LEAVE:
      drop_conn (reg, conn, GST_F2F_LEAVE_REASON_LEFT, F2F_CLOSE_NORMAL,
          "bye", now_us, actions);
      break;
    default:
      handle_relay (reg, conn, msg, actions);
      break;
  }
}

void
f2f_registry_disconnect (F2fRegistry * reg, guint64 id,
    GstF2fLeaveReason reason, gint64 now_us, GPtrArray * actions)
{
  Conn *conn = g_hash_table_lookup (reg->conns, &id);

  if (conn)
    drop_conn (reg, conn, reason, 0, NULL, now_us, actions);
}

void
f2f_registry_tick (F2fRegistry * reg, gint64 now_us, GPtrArray * actions)
{
  gint64 limit = (gint64) reg->config.idle_timeout_ms * 1000;
  g_autoptr (GPtrArray) idle = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  guint i;

  /* Ticks come at least four times per idle timeout. A longer gap means
   * this server did not run (stopped, swapped out, a debugger): what its
   * clients sent meanwhile may still wait unread, so that time is not
   * their silence. Without this, a server stopped for longer than the
   * timeout expired every peer at once when it came back. */
  if (reg->last_tick_us > 0 && limit > 0
      && now_us - reg->last_tick_us > limit / 2) {
    gint64 gap = now_us - reg->last_tick_us;

    g_message ("the server did not run for %" G_GINT64_FORMAT " ms; that "
        "time does not count as anyone's silence", gap / 1000);
    g_hash_table_iter_init (&iter, reg->conns);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      ((Conn *) value)->last_seen_us += gap;
  }
  reg->last_tick_us = now_us;

  g_hash_table_iter_init (&iter, reg->conns);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Conn *conn = value;
    if (limit > 0 && now_us - conn->last_seen_us >= limit)
      g_ptr_array_add (idle, conn);
  }
  /* Oldest first, so the order of peer-left frames does not depend on the
   * hash table's. */
  for (i = 0; i < idle->len; i++) {
    Conn *conn = g_ptr_array_index (idle, i);
    g_message ("connection from %s%s%s timed out", conn->ip,
        conn->peer_id ? ", peer " : "", conn->peer_id ? conn->peer_id : "");
    drop_conn (reg, conn, GST_F2F_LEAVE_REASON_TIMED_OUT,
        F2F_CLOSE_GOING_AWAY, "idle timeout", now_us, actions);
  }

  /* Forget addresses and rooms with nothing left to remember. */
  g_hash_table_iter_init (&iter, reg->ips);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    IpState *st = value;
    expire_times (reg, &st->failures, now_us);
    if (st->n_connections == 0 && st->failures.length == 0
        && st->n_checking == 0 && st->tokens >= reg->config.join_burst)
      g_hash_table_iter_remove (&iter);
  }
  g_hash_table_iter_init (&iter, reg->guards);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    RoomGuard *guard = value;
    expire_times (reg, &guard->failures, now_us);
    if (guard->failures.length == 0 && guard->n_checking == 0)
      g_hash_table_iter_remove (&iter);
  }
}

void
f2f_registry_shutdown (F2fRegistry * reg, gint64 now_us, GPtrArray * actions)
{
  GHashTableIter iter;
  gpointer value;

  /* Rooms still in use stay fresh in the store across a restart. */
  g_hash_table_iter_init (&iter, reg->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    reg->backend.touch_room (reg->backend_data, ((Room *) value)->id, now_us);

  g_hash_table_iter_init (&iter, reg->conns);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Conn *conn = value;
    F2fAction *a = g_new0 (F2fAction, 1);
    a->kind = F2F_ACTION_CLOSE;
    a->conn = conn->id;
    a->close_code = F2F_CLOSE_GOING_AWAY;
    a->close_reason = g_strdup ("server shutting down");
    g_ptr_array_add (actions, a);
  }
  g_hash_table_remove_all (reg->rooms);
  g_hash_table_remove_all (reg->conns);
}

guint
f2f_registry_get_n_connections (F2fRegistry * reg)
{
  return g_hash_table_size (reg->conns);
}

guint
f2f_registry_get_n_rooms (F2fRegistry * reg)
{
  return g_hash_table_size (reg->rooms);
}

gchar **
f2f_registry_get_members (F2fRegistry * reg, const gchar * room_id)
{
  Room *room = g_hash_table_lookup (reg->rooms, room_id);
  GStrvBuilder *b;
  guint i;

  if (room == NULL)
    return NULL;
  b = g_strv_builder_new ();
  for (i = 0; i < room->members->len; i++)
    g_strv_builder_add (b,
        ((Conn *) g_ptr_array_index (room->members, i))->peer_id);
  {
    gchar **strv = g_strv_builder_end (b);
    g_strv_builder_unref (b);
    return strv;
  }
}

const gchar *
f2f_registry_get_leader (F2fRegistry * reg, const gchar * room_id)
{
  Room *room = g_hash_table_lookup (reg->rooms, room_id);

  if (room == NULL || room->members->len == 0)
    return NULL;
  return ((Conn *) g_ptr_array_index (room->members, 0))->peer_id;
}
