/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstF2fRoom, the object sibling elements use: membership signals, sending
 * through the transport, and finding it through a GstContext, both from an
 * f2fsignal in the same pipeline and by hand.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

typedef struct
{
  GPtrArray *events;
  GPtrArray *sent;
} Log;

static void
on_joined (GstF2fRoom * room, const gchar * id, const gchar * name, Log * log)
{
  g_ptr_array_add (log->events, g_strdup_printf ("joined %s %s", id, name));
}

static void
on_left (GstF2fRoom * room, const gchar * id, const gchar * reason, Log * log)
{
  g_ptr_array_add (log->events, g_strdup_printf ("left %s %s", id, reason));
}

static void
on_leader (GstF2fRoom * room, const gchar * id, Log * log)
{
  g_ptr_array_add (log->events, g_strdup_printf ("leader %s", id));
}

static void
on_message (GstF2fRoom * room, const gchar * id, const gchar * channel,
    GBytes * data, Log * log)
{
  g_ptr_array_add (log->events, g_strdup_printf ("message %s %s %.*s", id,
          channel, (int) g_bytes_get_size (data),
          (const gchar *) g_bytes_get_data (data, NULL)));
}

static gboolean
fake_send (gpointer user_data, const gchar * peer_id, const gchar * channel,
    GBytes * data)
{
  Log *log = user_data;

  if (g_str_equal (peer_id, "down"))
    return FALSE;
  g_ptr_array_add (log->sent, g_strdup_printf ("%s %s %.*s", peer_id,
          channel, (int) g_bytes_get_size (data),
          (const gchar *) g_bytes_get_data (data, NULL)));
  return TRUE;
}

static gchar *
joined (GPtrArray * a)
{
  g_ptr_array_add (a, NULL);
  {
    gchar *s = g_strjoinv ("; ", (gchar **) a->pdata);
    g_ptr_array_remove_index (a, a->len - 1);
    return s;
  }
}

GST_START_TEST (test_membership_and_sending)
{
  GstF2fRoom *room = gst_f2f_room_new ();
  Log log = { g_ptr_array_new_with_free_func (g_free),
    g_ptr_array_new_with_free_func (g_free)
  };
  g_autoptr (GBytes) hello = g_bytes_new_static ("hi", 2);
  g_auto (GStrv) peers = NULL;
  g_autofree gchar *events = NULL, *sent = NULL, *name = NULL, *local = NULL;

  g_signal_connect (room, "peer-joined", G_CALLBACK (on_joined), &log);
  g_signal_connect (room, "peer-left", G_CALLBACK (on_left), &log);
  g_signal_connect (room, "leader-changed", G_CALLBACK (on_leader), &log);
  g_signal_connect (room, "message", G_CALLBACK (on_message), &log);

  /* nothing to send through yet */
  fail_if (gst_f2f_room_send (room, "b", "files", hello));
  gst_f2f_room_set_transport (room, fake_send, &log, NULL);

  gst_f2f_room_set_identity (room, "r", "me", "Me");
  gst_f2f_room_set_leader (room, "me");
  gst_f2f_room_set_leader (room, "me");       /* no change, no signal */
  gst_f2f_room_peer_joined (room, "b", "Bo");
  gst_f2f_room_peer_joined (room, "b", "Bo");  /* known: no second signal */
  gst_f2f_room_peer_joined (room, "a", "Al");
  gst_f2f_room_peer_joined (room, "down", "Dee");
  gst_f2f_room_deliver (room, "a", "files", hello);

  peers = gst_f2f_room_list_peers (room);
  fail_unless_equals_int (g_strv_length (peers), 3);
  fail_unless_equals_string (peers[0], "a");
  fail_unless_equals_string (peers[1], "b");
  name = gst_f2f_room_dup_peer_name (room, "b");
  fail_unless_equals_string (name, "Bo");
  local = gst_f2f_room_dup_local_id (room);
  fail_unless_equals_string (local, "me");
  {
    g_autofree gchar *local_name = gst_f2f_room_dup_local_name (room);
    fail_unless_equals_string (local_name, "Me");
  }

  fail_unless (gst_f2f_room_send (room, "b", "files", hello));
  fail_if (gst_f2f_room_send (room, "down", "files", hello));
  /* broadcast counts the peers that took it */
  fail_unless_equals_int (gst_f2f_room_broadcast (room, "chat", hello), 2);

  gst_f2f_room_peer_left (room, "b", "left");
  gst_f2f_room_peer_left (room, "b", "left");  /* gone: no second signal */

  events = joined (log.events);
  fail_unless_equals_string (events, "leader me; joined b Bo; joined a Al; "
      "joined down Dee; message a files hi; left b left");
  sent = joined (log.sent);
  fail_unless_equals_string (sent, "b files hi; a chat hi; b chat hi");

  gst_f2f_room_set_transport (room, NULL, NULL, NULL);
  fail_if (gst_f2f_room_send (room, "a", "files", hello));
  gst_object_unref (room);
  g_ptr_array_unref (log.events);
  g_ptr_array_unref (log.sent);
}

GST_END_TEST;

static void
count_plan (GstF2fRoom * room, GstF2fPlan * plan, guint * n)
{
  (*n)++;
}

/* The room carries the plan it adopted; plan-changed fires once per real
 * change, not for an equal plan set again. */
GST_START_TEST (test_plan)
{
  GstF2fRoom *room = gst_f2f_room_new ();
  g_autoptr (GstF2fPlan) plan = gst_f2f_plan_new (3, "aaaaaaaaaaaaaaaa");
  g_autoptr (GstF2fPlan) got = NULL;
  guint changes = 0;

  g_signal_connect (room, "plan-changed", G_CALLBACK (count_plan), &changes);
  fail_unless (gst_f2f_room_dup_plan (room) == NULL);
  gst_f2f_plan_add_mixer (plan, "bbbbbbbbbbbbbbbb");
  gst_f2f_room_set_plan (room, plan);
  gst_f2f_room_set_plan (room, plan);
  fail_unless_equals_int (changes, 1);
  got = gst_f2f_room_dup_plan (room);
  fail_unless (got && gst_f2f_plan_equal (got, plan));
  gst_f2f_room_set_plan (room, NULL);
  fail_unless_equals_int (changes, 2);
  fail_unless (gst_f2f_room_dup_plan (room) == NULL);
  gst_object_unref (room);
}

GST_END_TEST;

static gboolean
take_proposal (gpointer user_data, const GstF2fPlan * plan)
{
  GstF2fPlan **got = user_data;

  *got = gst_f2f_plan_copy (plan);
  return TRUE;
}

/* A sibling's proposal reaches the transport; without one it is refused. */
GST_START_TEST (test_propose_plan)
{
  GstF2fRoom *room = gst_f2f_room_new ();
  g_autoptr (GstF2fPlan) plan = gst_f2f_plan_new (1, "aaaaaaaaaaaaaaaa");
  g_autoptr (GstF2fPlan) got = NULL;

  gst_f2f_plan_add_mixer (plan, "bbbbbbbbbbbbbbbb");
  fail_if (gst_f2f_room_propose_plan (room, plan));
  gst_f2f_room_set_proposer (room, take_proposal, &got);
  fail_unless (gst_f2f_room_propose_plan (room, plan));
  fail_unless (got && gst_f2f_plan_equal (got, plan));
  gst_f2f_room_set_proposer (room, NULL, NULL);
  fail_if (gst_f2f_room_propose_plan (room, plan));
  gst_object_unref (room);
}

GST_END_TEST;

/* A plan travels between peers as a peer message and comes back equal;
 * a malformed one is refused with the plan parser's reason. */
GST_START_TEST (test_plan_message)
{
  g_autoptr (GstF2fPlan) plan = gst_f2f_plan_new (7, "aaaaaaaaaaaaaaaa");
  g_autoptr (GstF2fPeerMessage) msg = NULL;
  g_autoptr (GstF2fPeerMessage) bad = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;
  const gchar *wrong = "{\"type\":\"plan\",\"plan\":{\"epoch\":\"7\"}}";

  gst_f2f_plan_add_mixer (plan, "bbbbbbbbbbbbbbbb");
  gst_f2f_plan_assign (plan, "cccccccccccccccc", "bbbbbbbbbbbbbbbb");
  text = gst_f2f_peer_message_plan (plan);
  msg = gst_f2f_peer_message_parse (text, strlen (text), NULL);
  fail_unless (msg != NULL && msg->type == GST_F2F_PEER_MESSAGE_PLAN, "%s",
      text);
  fail_unless (gst_f2f_plan_equal (msg->plan, plan));
  bad = gst_f2f_peer_message_parse (wrong, strlen (wrong), &error);
  fail_unless (bad == NULL && error != NULL);
}

GST_END_TEST;

/* A table row's message: parsed when @ok, else refused with an error
 * (in @error). */
static GstF2fPeerMessage *
parse_row (const gchar * text, gboolean ok, GError ** error)
{
  GstF2fPeerMessage *m = gst_f2f_peer_message_parse (text, strlen (text),
      error);

  fail_unless ((m != NULL) == ok, "%s", text);
  fail_unless (m != NULL || *error != NULL, "%s: refused with no error", text);
  return m;
}

/* Delay feedback travels as a peer message; a queue not known yet is -1;
 * figures out of range (they would drive the sender's encoder) are
 * refused. */
GST_START_TEST (test_feedback_message)
{
  static const struct
  {
    const gchar *text;
    gboolean ok;
    gint64 queue_ms, rate_kbps, loss_permille;
  } rows[] = {
    {"{\"type\":\"feedback\",\"seq\":3,\"queue-ms\":12,\"peak-ms\":40,"
          "\"rate-kbps\":148,\"loss-permille\":5}", TRUE, 12, 148, 5},
    {"{\"type\":\"feedback\",\"seq\":4,\"rate-kbps\":148}", TRUE, -1, 148,
        0},
    {"{\"type\":\"feedback\",\"queue-ms\":-5,\"rate-kbps\":148}", FALSE},
    {"{\"type\":\"feedback\",\"queue-ms\":5,\"loss-permille\":1001}", FALSE},
  };
  g_autofree gchar *text = gst_f2f_peer_message_feedback (9, 25, 80, 300, 20);
  g_autoptr (GstF2fPeerMessage) msg = gst_f2f_peer_message_parse (text,
      strlen (text), NULL);
  guint i;

  fail_unless (msg != NULL && msg->type == GST_F2F_PEER_MESSAGE_FEEDBACK
      && msg->seq == 9 && msg->queue_ms == 25 && msg->peak_ms == 80
      && msg->rate_kbps == 300 && msg->loss_permille == 20, "%s", text);
  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GstF2fPeerMessage) m = parse_row (rows[i].text, rows[i].ok,
        &error);

    if (m)
      fail_unless (m->queue_ms == rows[i].queue_ms
          && m->rate_kbps == rows[i].rate_kbps
          && m->loss_permille == rows[i].loss_permille, "%s", rows[i].text);
  }
}

GST_END_TEST;

/* A heartbeat names the plan its sender holds (epoch and proposer), or
 * none; anything else about a plan in it is refused. */
GST_START_TEST (test_heartbeat_message)
{
  static const struct
  {
    const gchar *text;
    gboolean ok;
    const gchar *proposer;
    guint64 epoch;
  } rows[] = {
    {"{\"type\":\"heartbeat\",\"seq\":1}", TRUE, NULL, 0},
    {"{\"type\":\"heartbeat\",\"seq\":2,\"plan-epoch\":0,"
          "\"plan-proposer\":\"a\"}", TRUE, "a", 0},
    {"{\"type\":\"heartbeat\",\"plan-epoch\":7}", FALSE},
    {"{\"type\":\"heartbeat\",\"plan-proposer\":\"a\"}", FALSE},
    {"{\"type\":\"heartbeat\",\"plan-epoch\":-1,"
          "\"plan-proposer\":\"a\"}", FALSE},
    {"{\"type\":\"heartbeat\",\"plan-epoch\":3,"
          "\"plan-proposer\":\"a b\"}", FALSE},
    {"{\"type\":\"heartbeat\",\"plan-epoch\":\"3\","
          "\"plan-proposer\":\"a\"}", FALSE},
  };
  g_autoptr (GstF2fPlan) plan = gst_f2f_plan_new (12, "p-7");
  g_autofree gchar *with = gst_f2f_peer_message_heartbeat (4, plan);
  g_autofree gchar *without = gst_f2f_peer_message_heartbeat (5, NULL);
  g_autoptr (GstF2fPeerMessage) a = gst_f2f_peer_message_parse (with,
      strlen (with), NULL);
  g_autoptr (GstF2fPeerMessage) b = gst_f2f_peer_message_parse (without,
      strlen (without), NULL);
  guint i;

  fail_unless (a && a->type == GST_F2F_PEER_MESSAGE_HEARTBEAT && a->seq == 4
      && a->plan_epoch == 12 && g_strcmp0 (a->plan_proposer, "p-7") == 0,
      "%s", with);
  fail_unless (b && b->type == GST_F2F_PEER_MESSAGE_HEARTBEAT && b->seq == 5
      && b->plan_proposer == NULL, "%s", without);
  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GstF2fPeerMessage) m = parse_row (rows[i].text, rows[i].ok,
        &error);

    if (m)
      fail_unless (g_strcmp0 (m->plan_proposer, rows[i].proposer) == 0
          && m->plan_epoch == rows[i].epoch, "%s", rows[i].text);
    else
      fail_unless (strstr (error->message, "heartbeat") != NULL, "%s: %s",
          rows[i].text, error->message);
  }
}

GST_END_TEST;

GST_START_TEST (test_context_round_trip)
{
  GstF2fRoom *room = gst_f2f_room_new ();
  GstContext *context = gst_f2f_room_context_new (room);
  GstF2fRoom *back = gst_f2f_room_context_get_room (context);
  GstContext *other = gst_context_new ("something.else", TRUE);

  fail_unless (gst_context_is_persistent (context));
  fail_unless (back == room);
  fail_unless (gst_f2f_room_context_get_room (other) == NULL);
  gst_object_unref (back);
  gst_context_unref (other);
  gst_context_unref (context);
  gst_object_unref (room);
}

GST_END_TEST;

/* f2fsignal answers context queries with its room and posts it on the bus
 * when it goes to READY, so siblings find it either way. */
GST_START_TEST (test_f2fsignal_shares_its_room)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *s = gst_element_factory_make ("f2fsignal", NULL);
  GstQuery *query = gst_query_new_context (GST_F2F_ROOM_CONTEXT_TYPE);
  GstContext *context = NULL;
  GstF2fRoom *from_query, *from_bus;
  GstBus *bus;
  GstMessage *msg;

  fail_unless (s != NULL);
  g_object_set (s, "room", "ctx", "server-uri", "ws://127.0.0.1:9/ws",
      "connect-timeout", 600000, NULL);
  gst_bin_add (GST_BIN (pipeline), s);

  fail_unless (gst_element_query (s, query));
  gst_query_parse_context (query, &context);
  from_query = gst_f2f_room_context_get_room (context);
  fail_unless (GST_IS_F2F_ROOM (from_query));

  bus = gst_element_get_bus (pipeline);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_READY) ==
      GST_STATE_CHANGE_SUCCESS);
  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND,
      GST_MESSAGE_HAVE_CONTEXT);
  fail_unless (msg != NULL, "no HAVE_CONTEXT from f2fsignal");
  gst_message_parse_have_context (msg, &context);
  from_bus = gst_f2f_room_context_get_room (context);
  fail_unless (from_bus == from_query);
  gst_context_unref (context);
  gst_message_unref (msg);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (from_query);
  gst_object_unref (from_bus);
  gst_query_unref (query);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
room_suite (void)
{
  Suite *s = suite_create ("f2f room object");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_membership_and_sending);
  tcase_add_test (tc, test_context_round_trip);
  tcase_add_test (tc, test_feedback_message);
  tcase_add_test (tc, test_heartbeat_message);
  tcase_add_test (tc, test_plan);
  tcase_add_test (tc, test_propose_plan);
  tcase_add_test (tc, test_plan_message);
  tcase_add_test (tc, test_f2fsignal_shares_its_room);
  return s;
}

GST_CHECK_MAIN (room);
