/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gstf2froom
 * @title: GstF2fRoom
 * @short_description: the room shared by the f2f elements
 *
 * The room's identity, its peers and their names, the leader, and a way to
 * send bytes to a peer on a named data channel. Signals:
 *
 * - `peer-joined` (id, name) and `peer-left` (id, reason): membership.
 * - `leader-changed` (id).
 * - `message` (peer id, channel, #GBytes): data arrived on a channel.
 * - `channel-low` (peer id, channel): the bytes queued on a channel fell to
 *   its low threshold (gst_f2f_room_set_low_threshold()): a sender that
 *   stopped at its high-water mark may go on.
 * - `channel-open` (peer id, channel): a channel to that peer can carry
 *   data now (gst_f2f_room_send() failed before it was).
 * - `plan-changed` (GstF2fPlan, or NULL): the room adopted another topology
 *   plan (f2fplan.h); gst_f2f_room_dup_plan() returns it.
 *
 * Signals are emitted from whichever thread the transport reports from,
 * never with the room's lock held.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "f2froom.h"

GST_DEBUG_CATEGORY_STATIC (f2f_room_debug);
#define GST_CAT_DEFAULT f2f_room_debug

struct _GstF2fRoom
{
  GstObject parent;

  /* protected by the object lock */
  gchar *room_id;
  gchar *local_id;
  gchar *local_name;
  gchar *leader;
  GHashTable *peers;            /* id → name */
  GstF2fRoomSendFunc send;
  gpointer send_data;
  GDestroyNotify send_notify;
  GstF2fRoomSampleFunc sample;
  gpointer sample_data;
  GstF2fRoomBufferedFunc buffered;
  gpointer buffered_data;
  GstF2fRoomProposeFunc propose;
  gpointer propose_data;
  GHashTable *low_thresholds;   /* channel label → guint64* */
  GstF2fPlan *plan;             /* the topology plan adopted, or NULL */
  gdouble encode_ms;            /* < 0: unknown */
  GValue scores;                /* GstValueList, or unset before any */
};

enum
{
  SIGNAL_PEER_JOINED,
  SIGNAL_PEER_LEFT,
  SIGNAL_LEADER_CHANGED,
  SIGNAL_MESSAGE,
  SIGNAL_CHANNEL_LOW,
  SIGNAL_CHANNEL_OPEN,
  SIGNAL_PLAN_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE_WITH_CODE (GstF2fRoom, gst_f2f_room, GST_TYPE_OBJECT,
    GST_DEBUG_CATEGORY_INIT (f2f_room_debug, "f2froom", 0, "f2f room"));

static void
gst_f2f_room_finalize (GObject * object)
{
  GstF2fRoom *room = GST_F2F_ROOM (object);

  if (room->send_notify)
    room->send_notify (room->send_data);
  g_free (room->room_id);
  g_free (room->local_id);
  g_free (room->local_name);
  g_free (room->leader);
  g_hash_table_unref (room->peers);
  g_hash_table_unref (room->low_thresholds);
  g_clear_pointer (&room->plan, gst_f2f_plan_free);
  if (G_IS_VALUE (&room->scores))
    g_value_unset (&room->scores);
  G_OBJECT_CLASS (gst_f2f_room_parent_class)->finalize (object);
}

static void
gst_f2f_room_class_init (GstF2fRoomClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->finalize = gst_f2f_room_finalize;

  signals[SIGNAL_PLAN_CHANGED] = g_signal_new ("plan-changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, GST_TYPE_F2F_PLAN);
  signals[SIGNAL_PEER_JOINED] = g_signal_new ("peer-joined",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_PEER_LEFT] = g_signal_new ("peer-left",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_LEADER_CHANGED] = g_signal_new ("leader-changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_MESSAGE] = g_signal_new ("message",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BYTES);
  signals[SIGNAL_CHANNEL_LOW] = g_signal_new ("channel-low",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_CHANNEL_OPEN] = g_signal_new ("channel-open",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
gst_f2f_room_init (GstF2fRoom * room)
{
  room->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  room->low_thresholds = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, g_free);
  room->encode_ms = -1;
}

GstF2fRoom *
gst_f2f_room_new (void)
{
  return g_object_ref_sink (g_object_new (GST_TYPE_F2F_ROOM, NULL));
}

/* A copy of one of the room's strings, taken under its lock. */
static gchar *
dup_field (GstF2fRoom * room, gchar ** field)
{
  gchar *copy;

  GST_OBJECT_LOCK (room);
  copy = g_strdup (*field);
  GST_OBJECT_UNLOCK (room);
  return copy;
}

gchar *
gst_f2f_room_dup_local_id (GstF2fRoom * room)
{
  g_return_val_if_fail (GST_IS_F2F_ROOM (room), NULL);
  return dup_field (room, &room->local_id);
}

gchar *
gst_f2f_room_dup_local_name (GstF2fRoom * room)
{
  g_return_val_if_fail (GST_IS_F2F_ROOM (room), NULL);
  return dup_field (room, &room->local_name);
}

gchar *
gst_f2f_room_dup_room_id (GstF2fRoom * room)
{
  g_return_val_if_fail (GST_IS_F2F_ROOM (room), NULL);
  return dup_field (room, &room->room_id);
}

gchar *
gst_f2f_room_dup_leader (GstF2fRoom * room)
{
  g_return_val_if_fail (GST_IS_F2F_ROOM (room), NULL);
  return dup_field (room, &room->leader);
}

static int
compare_ids (const void *a, const void *b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/**
 * gst_f2f_room_list_peers:
 *
 * Returns: (transfer full): the ids of the remote peers, sorted.
 */
GStrv
gst_f2f_room_list_peers (GstF2fRoom * room)
{
  GStrv ids;

  g_return_val_if_fail (GST_IS_F2F_ROOM (room), NULL);
  GST_OBJECT_LOCK (room);
  ids = (GStrv) g_hash_table_get_keys_as_array (room->peers, NULL);
  for (guint i = 0; ids[i]; i++)
    ids[i] = g_strdup (ids[i]);
  GST_OBJECT_UNLOCK (room);
  qsort (ids, g_strv_length (ids), sizeof (gchar *), compare_ids);
  return ids;
}

gchar *
gst_f2f_room_dup_peer_name (GstF2fRoom * room, const gchar * peer_id)
{
  gchar *name;

  g_return_val_if_fail (GST_IS_F2F_ROOM (room), NULL);
  GST_OBJECT_LOCK (room);
  name = g_strdup (g_hash_table_lookup (room->peers, peer_id));
  GST_OBJECT_UNLOCK (room);
  return name;
}

gboolean
gst_f2f_room_send (GstF2fRoom * room, const gchar * peer_id,
    const gchar * channel, GBytes * data)
{
  GstF2fRoomSendFunc send;
  gpointer send_data;

  g_return_val_if_fail (GST_IS_F2F_ROOM (room), FALSE);
  g_return_val_if_fail (peer_id != NULL && channel != NULL, FALSE);

  GST_OBJECT_LOCK (room);
  send = room->send;
  send_data = room->send_data;
  GST_OBJECT_UNLOCK (room);

  /* The transport outlives every call here: it is only replaced or cleared
   * by its owner, which stops using the room first. */
  if (send == NULL)
    return FALSE;
  return send (send_data, peer_id, channel, data);
}

guint
gst_f2f_room_broadcast (GstF2fRoom * room, const gchar * channel,
    GBytes * data)
{
  g_auto (GStrv) peers = gst_f2f_room_list_peers (room);
  guint sent = 0;

  for (guint i = 0; peers[i]; i++)
    sent += gst_f2f_room_send (room, peers[i], channel, data) ? 1 : 0;
  return sent;
}

void
gst_f2f_room_set_transport (GstF2fRoom * room, GstF2fRoomSendFunc send,
    gpointer user_data, GDestroyNotify notify)
{
  GDestroyNotify old_notify;
  gpointer old_data;

  GST_OBJECT_LOCK (room);
  old_notify = room->send_notify;
  old_data = room->send_data;
  room->send = send;
  room->send_data = user_data;
  room->send_notify = notify;
  GST_OBJECT_UNLOCK (room);
  if (old_notify)
    old_notify (old_data);
}

/* Like the send function, the sampler is set and cleared by the transport,
 * which stops using the room before it goes. */
void
gst_f2f_room_set_sampler (GstF2fRoom * room, GstF2fRoomSampleFunc sample,
    gpointer user_data)
{
  GST_OBJECT_LOCK (room);
  room->sample = sample;
  room->sample_data = user_data;
  GST_OBJECT_UNLOCK (room);
}

void
gst_f2f_link_sample_clear (GstF2fLinkSample * sample)
{
  g_clear_pointer (&sample->state, g_free);
}

/**
 * gst_f2f_room_sample_link:
 *
 * Returns: whether @sample was filled (clear it with
 *   gst_f2f_link_sample_clear()).
 */
gboolean
gst_f2f_room_sample_link (GstF2fRoom * room, const gchar * peer_id,
    GstF2fLinkSample * sample)
{
  GstF2fRoomSampleFunc func;
  gpointer data;

  g_return_val_if_fail (GST_IS_F2F_ROOM (room), FALSE);
  g_return_val_if_fail (peer_id != NULL && sample != NULL, FALSE);

  memset (sample, 0, sizeof *sample);
  sample->rtt_ms = -1;
  sample->jitter_ms = -1;
  GST_OBJECT_LOCK (room);
  func = room->sample;
  data = room->sample_data;
  GST_OBJECT_UNLOCK (room);
  return func ? func (data, peer_id, sample) : FALSE;
}

/* Like the send function, set and cleared by the transport. */
void
gst_f2f_room_set_flow (GstF2fRoom * room, GstF2fRoomBufferedFunc buffered,
    gpointer user_data)
{
  GST_OBJECT_LOCK (room);
  room->buffered = buffered;
  room->buffered_data = user_data;
  GST_OBJECT_UNLOCK (room);
}

/**
 * gst_f2f_room_get_buffered_amount:
 *
 * Returns: the bytes queued on @channel to @peer_id and not sent yet, or -1
 *   when that channel is not open (or there is no transport).
 */
gint64
gst_f2f_room_get_buffered_amount (GstF2fRoom * room, const gchar * peer_id,
    const gchar * channel)
{
  GstF2fRoomBufferedFunc func;
  gpointer data;

  g_return_val_if_fail (GST_IS_F2F_ROOM (room), -1);
  g_return_val_if_fail (peer_id != NULL && channel != NULL, -1);
  GST_OBJECT_LOCK (room);
  func = room->buffered;
  data = room->buffered_data;
  GST_OBJECT_UNLOCK (room);
  return func ? func (data, peer_id, channel) : -1;
}

/* Like the send function, set and cleared by the transport. */
void
gst_f2f_room_set_proposer (GstF2fRoom * room, GstF2fRoomProposeFunc propose,
    gpointer user_data)
{
  GST_OBJECT_LOCK (room);
  room->propose = propose;
  room->propose_data = user_data;
  GST_OBJECT_UNLOCK (room);
}

/**
 * gst_f2f_room_propose_plan:
 * @plan: the mixers and the assignment wanted; its epoch and proposer are
 *   not used (the transport sets them)
 *
 * Returns: whether the transport proposed (and adopted) the plan; FALSE
 *   without a transport, before joining, or when the plan names a peer
 *   that is not present.
 */
gboolean
gst_f2f_room_propose_plan (GstF2fRoom * room, const GstF2fPlan * plan)
{
  GstF2fRoomProposeFunc func;
  gpointer data;

  g_return_val_if_fail (GST_IS_F2F_ROOM (room), FALSE);
  g_return_val_if_fail (plan != NULL, FALSE);
  GST_OBJECT_LOCK (room);
  func = room->propose;
  data = room->propose_data;
  GST_OBJECT_UNLOCK (room);
  return func ? func (data, plan) : FALSE;
}

void
gst_f2f_room_set_low_threshold (GstF2fRoom * room, const gchar * channel,
    guint64 bytes)
{
  g_return_if_fail (GST_IS_F2F_ROOM (room));
  g_return_if_fail (channel != NULL);
  GST_OBJECT_LOCK (room);
  if (bytes == 0)
    g_hash_table_remove (room->low_thresholds, channel);
  else
    g_hash_table_replace (room->low_thresholds, g_strdup (channel),
        g_memdup2 (&bytes, sizeof bytes));
  GST_OBJECT_UNLOCK (room);
}

guint64
gst_f2f_room_get_low_threshold (GstF2fRoom * room, const gchar * channel)
{
  guint64 *bytes;
  guint64 value;

  g_return_val_if_fail (GST_IS_F2F_ROOM (room), 0);
  GST_OBJECT_LOCK (room);
  bytes = g_hash_table_lookup (room->low_thresholds, channel);
  value = bytes ? *bytes : 0;
  GST_OBJECT_UNLOCK (room);
  return value;
}

void
gst_f2f_room_channel_low (GstF2fRoom * room, const gchar * peer_id,
    const gchar * channel)
{
  g_signal_emit (room, signals[SIGNAL_CHANNEL_LOW], 0, peer_id, channel);
}

void
gst_f2f_room_channel_open (GstF2fRoom * room, const gchar * peer_id,
    const gchar * channel)
{
  g_signal_emit (room, signals[SIGNAL_CHANNEL_OPEN], 0, peer_id, channel);
}

void
gst_f2f_room_set_identity (GstF2fRoom * room, const gchar * room_id,
    const gchar * local_id, const gchar * local_name)
{
  GST_OBJECT_LOCK (room);
  g_free (room->room_id);
  room->room_id = g_strdup (room_id);
  g_free (room->local_id);
  room->local_id = g_strdup (local_id);
  g_free (room->local_name);
  room->local_name = g_strdup (local_name);
  GST_OBJECT_UNLOCK (room);
}

void
gst_f2f_room_peer_joined (GstF2fRoom * room, const gchar * peer_id,
    const gchar * name)
{
  gboolean is_new;

  GST_OBJECT_LOCK (room);
  is_new = !g_hash_table_contains (room->peers, peer_id);
  g_hash_table_replace (room->peers, g_strdup (peer_id), g_strdup (name));
  GST_OBJECT_UNLOCK (room);
  if (is_new)
    g_signal_emit (room, signals[SIGNAL_PEER_JOINED], 0, peer_id, name);
}

void
gst_f2f_room_peer_left (GstF2fRoom * room, const gchar * peer_id,
    const gchar * reason)
{
  gboolean was_there;

  GST_OBJECT_LOCK (room);
  was_there = g_hash_table_remove (room->peers, peer_id);
  GST_OBJECT_UNLOCK (room);
  if (was_there)
    g_signal_emit (room, signals[SIGNAL_PEER_LEFT], 0, peer_id, reason);
}

void
gst_f2f_room_set_leader (GstF2fRoom * room, const gchar * leader)
{
  gboolean changed;

  GST_OBJECT_LOCK (room);
  changed = g_strcmp0 (room->leader, leader) != 0;
  if (changed) {
    g_free (room->leader);
    room->leader = g_strdup (leader);
  }
  GST_OBJECT_UNLOCK (room);
  if (changed)
    g_signal_emit (room, signals[SIGNAL_LEADER_CHANGED], 0, leader);
}

void
gst_f2f_room_set_plan (GstF2fRoom * room, const GstF2fPlan * plan)
{
  GstF2fPlan *copy = plan ? gst_f2f_plan_copy (plan) : NULL;
  gboolean changed;

  GST_OBJECT_LOCK (room);
  changed = !(room->plan == NULL && plan == NULL)
      && !(room->plan && plan && gst_f2f_plan_equal (room->plan, plan));
  if (changed) {
    g_clear_pointer (&room->plan, gst_f2f_plan_free);
    room->plan = copy;
    copy = NULL;
  }
  GST_OBJECT_UNLOCK (room);
  g_clear_pointer (&copy, gst_f2f_plan_free);
  if (changed)
    g_signal_emit (room, signals[SIGNAL_PLAN_CHANGED], 0, plan);
}

void
gst_f2f_room_set_encode_ms (GstF2fRoom * room, gdouble ms)
{
  g_return_if_fail (GST_IS_F2F_ROOM (room));
  GST_OBJECT_LOCK (room);
  room->encode_ms = ms < 0 ? -1 : ms;
  GST_OBJECT_UNLOCK (room);
}

gdouble
gst_f2f_room_get_encode_ms (GstF2fRoom * room)
{
  gdouble ms;

  g_return_val_if_fail (GST_IS_F2F_ROOM (room), -1);
  GST_OBJECT_LOCK (room);
  ms = room->encode_ms;
  GST_OBJECT_UNLOCK (room);
  return ms;
}

void
gst_f2f_room_set_scores (GstF2fRoom * room, const GValue * scores)
{
  GValue copy = G_VALUE_INIT, old = G_VALUE_INIT;

  g_return_if_fail (GST_IS_F2F_ROOM (room));
  g_return_if_fail (scores == NULL || GST_VALUE_HOLDS_LIST (scores));
  if (scores) {
    g_value_init (&copy, GST_TYPE_LIST);
    g_value_copy (scores, &copy);
  }
  GST_OBJECT_LOCK (room);
  old = room->scores;
  room->scores = copy;
  GST_OBJECT_UNLOCK (room);
  if (G_IS_VALUE (&old))
    g_value_unset (&old);
}

gboolean
gst_f2f_room_copy_scores (GstF2fRoom * room, GValue * scores)
{
  gboolean known;

  g_return_val_if_fail (GST_IS_F2F_ROOM (room), FALSE);
  g_return_val_if_fail (scores != NULL && !G_IS_VALUE (scores), FALSE);
  GST_OBJECT_LOCK (room);
  known = G_IS_VALUE (&room->scores);
  if (known) {
    g_value_init (scores, GST_TYPE_LIST);
    g_value_copy (&room->scores, scores);
  }
  GST_OBJECT_UNLOCK (room);
  return known;
}

GstF2fPlan *
gst_f2f_room_dup_plan (GstF2fRoom * room)
{
  GstF2fPlan *plan;

  GST_OBJECT_LOCK (room);
  plan = room->plan ? gst_f2f_plan_copy (room->plan) : NULL;
  GST_OBJECT_UNLOCK (room);
  return plan;
}

void
gst_f2f_room_deliver (GstF2fRoom * room, const gchar * peer_id,
    const gchar * channel, GBytes * data)
{
  g_signal_emit (room, signals[SIGNAL_MESSAGE], 0, peer_id, channel, data);
}

GstContext *
gst_f2f_room_context_new (GstF2fRoom * room)
{
  GstContext *context = gst_context_new (GST_F2F_ROOM_CONTEXT_TYPE, TRUE);

  gst_structure_set (gst_context_writable_structure (context), "room",
      GST_TYPE_F2F_ROOM, room, NULL);
  return context;
}

/**
 * gst_f2f_room_context_get_room:
 *
 * Returns: (transfer full) (nullable): the room @context carries.
 */
GstF2fRoom *
gst_f2f_room_context_get_room (GstContext * context)
{
  GstF2fRoom *room = NULL;

  if (g_strcmp0 (gst_context_get_context_type (context),
          GST_F2F_ROOM_CONTEXT_TYPE) != 0)
    return NULL;
  gst_structure_get (gst_context_get_structure (context), "room",
      GST_TYPE_F2F_ROOM, &room, NULL);
  return room;
}

static gboolean
query_pads (const GValue * item, GValue * value, gpointer user_data)
{
  GstPad *pad = g_value_get_object (item);
  GstQuery *query = user_data;

  if (gst_pad_peer_query (pad, query)) {
    g_value_set_boolean (value, TRUE);
    return FALSE;
  }
  return TRUE;
}

static gboolean
run_context_query (GstElement * element, GstQuery * query)
{
  GstIterator *it;
  GValue res = G_VALUE_INIT;

  g_value_init (&res, G_TYPE_BOOLEAN);
  g_value_set_boolean (&res, FALSE);

  it = gst_element_iterate_src_pads (element);
  while (gst_iterator_fold (it, query_pads, &res, query) ==
      GST_ITERATOR_RESYNC)
    gst_iterator_resync (it);
  gst_iterator_free (it);
  if (g_value_get_boolean (&res))
    return TRUE;

  it = gst_element_iterate_sink_pads (element);
  while (gst_iterator_fold (it, query_pads, &res, query) ==
      GST_ITERATOR_RESYNC)
    gst_iterator_resync (it);
  gst_iterator_free (it);
  return g_value_get_boolean (&res);
}

/**
 * gst_f2f_room_ensure:
 * @element: the element that needs the room
 * @room: the field in which @element's set_context() stores the room it
 *   is given (read, not written, here: the room arrives through
 *   set_context(), synchronously when a neighbour or a bin answers)
 *
 * Finds the room the usual GstContext way: ask the neighbours with a
 * context query, then the application and the pipeline with a
 * NEED_CONTEXT message (f2fsignal answers it through set_context on every
 * element when it posts HAVE_CONTEXT). An element that finds nothing here
 * still gets the room later, when f2fsignal posts HAVE_CONTEXT and the
 * pipeline distributes it through set_context.
 *
 * Returns: whether *@room is set.
 */
gboolean
gst_f2f_room_ensure (GstElement * element, GstF2fRoom ** room)
{
  GstQuery *query;
  GstContext *context = NULL;
  GstMessage *msg;

  g_return_val_if_fail (GST_IS_ELEMENT (element), FALSE);
  g_return_val_if_fail (room != NULL, FALSE);

  if (*room)
    return TRUE;

  query = gst_query_new_context (GST_F2F_ROOM_CONTEXT_TYPE);
  if (run_context_query (element, query)) {
    gst_query_parse_context (query, &context);
    if (context)
      gst_element_set_context (element, context);
  }
  gst_query_unref (query);
  if (*room)
    return TRUE;

  /* set_context is called synchronously from the bus handler of whoever
   * answers, so *room may be set when post_message returns. */
  msg = gst_message_new_need_context (GST_OBJECT_CAST (element),
      GST_F2F_ROOM_CONTEXT_TYPE);
  gst_element_post_message (element, msg);

  return *room != NULL;
}
