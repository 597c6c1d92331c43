/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * f2felection against a room object this test plays the transport of (no
 * sockets): what it sends on the data channel is recorded, what the other
 * peers "answer" is delivered by the test, and its proposals are adopted
 * as f2fsignal would (next epoch, the proposer itself). So the whole
 * election is seen: triggers, the request, the deadline for a silent
 * peer, the plan, the bus messages.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("f2felection", NULL);
  guint max_mesh, interval, collect, dwell;
  gint mode, capacity;
  gboolean ok = TRUE;

  fail_unless (e != NULL);
  g_object_get (e, "max-mesh-size", &max_mesh, "interval", &interval,
      "collect-timeout", &collect, "min-dwell", &dwell, NULL);
  fail_unless_equals_int (max_mesh, 4);
  fail_unless_equals_int (interval, 1000);
  fail_unless_equals_int (collect, 500);
  fail_unless (dwell >= 5000);
  gst_util_set_object_arg (G_OBJECT (e), "mode", "manual");
  gst_util_set_object_arg (G_OBJECT (e), "capacity", "never-mixer");
  g_object_get (e, "mode", &mode, "capacity", &capacity, NULL);
  fail_unless_equals_int (mode, 1);     /* manual */
  fail_unless_equals_int (capacity, GST_F2F_CAPACITY_NEVER_MIXER);
  /* no room, not running: nothing to ask */
  g_signal_emit_by_name (e, "elect", &ok);
  fail_if (ok);
  gst_object_unref (e);
}

GST_END_TEST;

/* Alone in a pipeline it runs, says once why it does nothing, and stops
 * cleanly. */
GST_START_TEST (test_no_room)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  g_autoptr (GError) err = NULL;
  gchar *debug = NULL;

  gst_bin_add (GST_BIN (pipeline), gst_element_factory_make ("f2felection",
          NULL));
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND,
      GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING,
      "no warning within 5 s");
  gst_message_parse_warning (msg, &err, &debug);
  fail_unless (strstr (err->message, "found no room") != NULL, "%s",
      err->message);
  gst_message_unref (msg);
  g_free (debug);
  /* once only */
  msg = gst_bus_timed_pop_filtered (bus, 500 * GST_MSECOND,
      GST_MESSAGE_WARNING);
  fail_unless (msg == NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* The transport this test plays. */
typedef struct
{
  GstF2fRoom *room;
  GMutex lock;
  GPtrArray *sent;              /* "peer text" */
  guint proposals;
  guint probe_chunks;           /* of our own probes (probe_send) */
} Transport;

static gboolean
fake_send (gpointer user_data, const gchar * peer, const gchar * channel,
    GBytes * data)
{
  Transport *t = user_data;
  gsize len;
  const gchar *text = g_bytes_get_data (data, &len);

  /* the uplink probe is not this test's business (no flow control here,
   * so it never gets past opening its channel) */
  if (g_strcmp0 (channel, GST_F2F_PROBE_CHANNEL) == 0)
    return FALSE;
  fail_unless_equals_string (channel, GST_F2F_ELECTION_CHANNEL);
  g_mutex_lock (&t->lock);
  g_ptr_array_add (t->sent, g_strdup_printf ("%s %.*s", peer, (int) len, text));
  g_mutex_unlock (&t->lock);
  return TRUE;
}

/* As f2fsignal does: next epoch, itself the proposer. */
static gboolean
fake_propose (gpointer user_data, const GstF2fPlan * wanted)
{
  Transport *t = user_data;
  g_autoptr (GstF2fPlan) held = gst_f2f_room_dup_plan (t->room);
  g_autofree gchar *me = gst_f2f_room_dup_local_id (t->room);
  g_autoptr (GstF2fPlan) plan = gst_f2f_plan_new ((held ?
          gst_f2f_plan_get_epoch (held) : 0) + 1, me);
  g_auto (GStrv) peers = gst_f2f_room_list_peers (t->room);
  guint i;

  for (i = 0; i < gst_f2f_plan_get_n_mixers (wanted); i++)
    gst_f2f_plan_add_mixer (plan, gst_f2f_plan_get_mixer (wanted, i));
  for (i = 0; peers[i]; i++)
    if (gst_f2f_plan_get_assignment (wanted, peers[i]))
      gst_f2f_plan_assign (plan, peers[i], gst_f2f_plan_get_assignment
          (wanted, peers[i]));
  if (gst_f2f_plan_get_assignment (wanted, me))
    gst_f2f_plan_assign (plan, me, gst_f2f_plan_get_assignment (wanted, me));
  gst_f2f_room_set_plan (t->room, plan);
  g_mutex_lock (&t->lock);
  t->proposals++;
  g_mutex_unlock (&t->lock);
  return TRUE;
}

/* The first element message named @name within @ms, or NULL. */
static GstStructure *
wait_for (GstBus * bus, const gchar * name, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus,
        (deadline - g_get_monotonic_time ()) * GST_USECOND,
        GST_MESSAGE_ELEMENT);
    const GstStructure *s;
    if (msg == NULL)
      return NULL;
    s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, name)) {
      GstStructure *copy = gst_structure_copy (s);
      gst_message_unref (msg);
      return copy;
    }
    gst_message_unref (msg);
  }
  return NULL;
}

/* The id of the last request the element sent to @peer, or 0. */
static guint64
last_request_to (Transport * t, const gchar * peer)
{
  guint64 id = 0;
  guint i;

  g_mutex_lock (&t->lock);
  for (i = 0; i < t->sent->len; i++) {
    const gchar *line = g_ptr_array_index (t->sent, i);
    g_autoptr (GstF2fElectMessage) msg = NULL;
    gsize n = strlen (peer);
    if (strncmp (line, peer, n) != 0 || line[n] != ' ')
      continue;
    msg = gst_f2f_elect_message_parse (line + n + 1, strlen (line + n + 1),
        NULL);
    fail_unless (msg != NULL, "sent something unreadable: %s", line);
    if (msg->type == GST_F2F_ELECT_MESSAGE_REQUEST)
      id = msg->request;
  }
  g_mutex_unlock (&t->lock);
  return id;
}

static void
answer (GstF2fRoom * room, const gchar * peer, guint64 request,
    guint64 uplink_bps)
{
  GstF2fMeasurement m;
  gchar *text;
  GBytes *bytes;

  gst_f2f_measurement_init (&m, NULL);
  m.uplink_bps = uplink_bps;
  m.rtt_ms = 5;
  m.loss = 0;
  text = gst_f2f_elect_message_measurement (&m, request);
  bytes = g_bytes_new_take (text, strlen (text));
  gst_f2f_room_deliver (room, peer, GST_F2F_ELECTION_CHANNEL, bytes);
  g_bytes_unref (bytes);
}

static guint
n_scores (const GstStructure * s)
{
  const GValue *v = gst_structure_get_value (s, "scores");
  return v ? gst_value_list_get_size (v) : 0;
}

/* The leader of a 4-peer room; a fifth joins: an election (trigger grow)
 * asks everyone, two answer, two stay silent; the election decides at
 * its deadline, not later, elects the peer with the best uplink and
 * proposes the plan. Then that mixer leaves: an election at once
 * (mixer-left), and the 4 peers left go back to the mesh. */
GST_START_TEST (test_grow_and_mixer_left)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *e = gst_element_factory_make ("f2felection", NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  Transport t = { gst_f2f_room_new (), };
  GstContext *context;
  GstStructure *s;
  guint64 req, epoch = 0;
  gint64 collect_ms = 0, wait_ms = 0;
  guint answered = 0;
  gboolean changed = FALSE;
  const gchar *peers[] = { "b", "c", "d", NULL };
  guint i;

  g_mutex_init (&t.lock);
  t.sent = g_ptr_array_new_with_free_func (g_free);
  gst_f2f_room_set_identity (t.room, "r", "a", "A");
  gst_f2f_room_set_transport (t.room, fake_send, &t, NULL);
  gst_f2f_room_set_proposer (t.room, fake_propose, &t);
  gst_f2f_room_set_leader (t.room, "a");
  for (i = 0; peers[i]; i++)
    gst_f2f_room_peer_joined (t.room, peers[i], peers[i]);
  g_object_set (e, "max-mesh-size", 4, "collect-timeout", 300, "interval",
      200, NULL);
  gst_bin_add (GST_BIN (pipeline), e);
  context = gst_f2f_room_context_new (t.room);
  gst_element_set_context (pipeline, context);
  gst_context_unref (context);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  /* measurements flow: the local one is posted every interval */
  s = wait_for (bus, "f2f-measurement", 2000);
  fail_unless (s != NULL, "no f2f-measurement");
  fail_unless_equals_string (gst_structure_get_string (s, "peer"), "a");
  gst_structure_free (s);

  gst_f2f_room_peer_joined (t.room, "e", "e");
  s = wait_for (bus, "f2f-election-started", 2000);
  fail_unless (s != NULL, "the fifth join started no election");
  fail_unless_equals_string (gst_structure_get_string (s, "trigger"), "grow");
  gst_structure_get_uint64 (s, "epoch", &epoch);
  fail_unless_equals_uint64 (epoch, 1);
  gst_structure_free (s);
  req = last_request_to (&t, "c");
  fail_unless (req != 0, "no request sent");
  fail_unless_equals_uint64 (last_request_to (&t, "b"), req);
  /* c has by far the best uplink; d and e never answer */
  answer (t.room, "b", req, 2000000);
  answer (t.room, "c", req, 20000000);

  s = wait_for (bus, "f2f-election-result", 3000);
  fail_unless (s != NULL, "no result: the silent peers were waited for");
  gst_structure_get (s, "changed", G_TYPE_BOOLEAN, &changed, "answered",
      G_TYPE_UINT, &answered, "collect-ms", G_TYPE_INT64, &collect_ms,
      "epoch", G_TYPE_UINT64, &epoch, NULL);
  fail_unless (changed);
  fail_unless_equals_int (answered, 2);
  fail_unless (collect_ms >= 250 && collect_ms < 1500, "collected for %"
      G_GINT64_FORMAT " ms with a 300 ms deadline", collect_ms);
  fail_unless_equals_uint64 (epoch, 1);
  fail_unless_equals_string (gst_structure_get_string (s, "mixers"), "c");
  fail_unless_equals_int (n_scores (s), 5);
  /* the room keeps the scores for f2ftopology to draw */
  {
    GValue kept = G_VALUE_INIT;
    fail_unless (gst_f2f_room_copy_scores (t.room, &kept));
    fail_unless (gst_value_compare (&kept, gst_structure_get_value (s,
                "scores")) == GST_VALUE_EQUAL);
    g_value_unset (&kept);
  }
  gst_structure_free (s);
  fail_unless_equals_int (t.proposals, 1);

  /* the mixer leaves */
  gst_f2f_room_peer_left (t.room, "c", "gone");
  s = wait_for (bus, "f2f-election-started", 2000);
  fail_unless (s != NULL, "the mixer left and no election started");
  fail_unless_equals_string (gst_structure_get_string (s, "trigger"),
      "mixer-left");
  gst_structure_free (s);
  req = last_request_to (&t, "b");
  answer (t.room, "b", req, 2000000);
  answer (t.room, "d", req, 2000000);
  answer (t.room, "e", req, 2000000);
  s = wait_for (bus, "f2f-election-result", 2000);
  fail_unless (s != NULL);
  gst_structure_get (s, "answered", G_TYPE_UINT, &answered, "collect-ms",
      G_TYPE_INT64, &collect_ms, NULL);
  /* everyone answered: no need to wait for the deadline */
  fail_unless_equals_int (answered, 3);
  fail_unless (collect_ms < 250, "%" G_GINT64_FORMAT " ms", collect_ms);
  /* the room is a mesh already by the plan's own rule (its mixer is
   * gone); the explicit mesh plan waits for the shrink dwell, like any
   * shrink (f2felect.h) */
  gst_structure_get (s, "changed", G_TYPE_BOOLEAN, &changed, "wait-ms",
      G_TYPE_INT64, &wait_ms, NULL);
  fail_unless_equals_string (gst_structure_get_string (s, "reason"), "shrink");
  fail_if (changed);
  fail_unless (wait_ms > 0);
  {
    g_autoptr (GstF2fPlan) held = gst_f2f_room_dup_plan (t.room);
    const gchar *present[] = { "a", "b", "d", "e", NULL };
    fail_unless (gst_f2f_plan_is_mesh (held, present));
  }
  gst_structure_free (s);
  fail_unless_equals_int (t.proposals, 1);
  /* with the dwell passed it is made: the mesh, a new epoch */
  g_object_set (e, "shrink-dwell", 0, "min-dwell", 0, NULL);
  s = wait_for (bus, "f2f-election-result", 3000);
  fail_unless (s != NULL, "the held shrink was never made");
  gst_structure_get (s, "changed", G_TYPE_BOOLEAN, &changed, "epoch",
      G_TYPE_UINT64, &epoch, NULL);
  fail_unless (changed);
  fail_unless_equals_uint64 (epoch, 2);
  fail_unless_equals_string (gst_structure_get_string (s, "mixers"), "");
  gst_structure_free (s);
  fail_unless_equals_int (t.proposals, 2);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  gst_f2f_room_set_transport (t.room, NULL, NULL, NULL);
  gst_f2f_room_set_proposer (t.room, NULL, NULL);
  gst_object_unref (t.room);
  g_ptr_array_unref (t.sent);
  g_mutex_clear (&t.lock);
}

GST_END_TEST;

/* Not the leader: elect asks the leader (a trigger message), it runs no
 * election itself, and it answers the leader's request at once. */
GST_START_TEST (test_follower)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *e = gst_element_factory_make ("f2felection", NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  Transport t = { gst_f2f_room_new (), };
  GstContext *context;
  gboolean ok = FALSE, asked = FALSE, answered = FALSE;
  g_autofree gchar *req = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gint64 deadline;
  GstStructure *s;
  guint i;

  g_mutex_init (&t.lock);
  t.sent = g_ptr_array_new_with_free_func (g_free);
  gst_f2f_room_set_identity (t.room, "r", "b", "B");
  gst_f2f_room_set_transport (t.room, fake_send, &t, NULL);
  gst_f2f_room_set_proposer (t.room, fake_propose, &t);
  gst_f2f_room_set_leader (t.room, "a");
  gst_f2f_room_peer_joined (t.room, "a", "A");
  g_object_set (e, "interval", 200, NULL);
  gst_bin_add (GST_BIN (pipeline), e);
  context = gst_f2f_room_context_new (t.room);
  gst_element_set_context (pipeline, context);
  gst_context_unref (context);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  g_signal_emit_by_name (e, "elect", &ok);
  fail_unless (ok);
  req = gst_f2f_elect_message_request (77, 1);
  bytes = g_bytes_new (req, strlen (req));
  gst_f2f_room_deliver (t.room, "a", GST_F2F_ELECTION_CHANNEL, bytes);
  deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (!(asked && answered) && g_get_monotonic_time () < deadline) {
    g_usleep (10000);
    g_mutex_lock (&t.lock);
    for (i = 0; i < t.sent->len; i++) {
      const gchar *line = g_ptr_array_index (t.sent, i);
      asked |= g_str_has_prefix (line, "a {\"type\":\"trigger\"");
      answered |= g_str_has_prefix (line, "a {\"type\":\"measurement\","
          "\"request\":77");
    }
    g_mutex_unlock (&t.lock);
  }
  fail_unless (asked, "elect did not ask the leader");
  fail_unless (answered, "the leader's request was not answered");
  s = wait_for (bus, "f2f-election-started", 500);
  fail_unless (s == NULL, "a follower ran an election");
  fail_unless_equals_int (t.proposals, 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  gst_f2f_room_set_transport (t.room, NULL, NULL, NULL);
  gst_f2f_room_set_proposer (t.room, NULL, NULL);
  gst_object_unref (t.room);
  g_ptr_array_unref (t.sent);
  g_mutex_clear (&t.lock);
}

GST_END_TEST;

/* A transport whose probe channel is open: our probe chunks are counted,
 * and once one is sent the channel stays full, so our probe stays on our
 * uplink for probe-duration, as on a slow link. */
static gboolean
probe_send (gpointer user_data, const gchar * peer, const gchar * channel,
    GBytes * data)
{
  Transport *t = user_data;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  guint32 id = 0;
  guint16 index;
  gboolean last;

  if (g_strcmp0 (channel, GST_F2F_PROBE_CHANNEL) != 0)
    return fake_send (user_data, peer, channel, data);
  fail_unless (gst_f2f_elect_probe_chunk_parse (bytes, len, &id, &index,
          &last));
  g_mutex_lock (&t->lock);
  if (id != 0)
    t->probe_chunks++;
  g_mutex_unlock (&t->lock);
  return TRUE;
}

static gint64
probe_buffered (gpointer user_data, const gchar * peer, const gchar * channel)
{
  Transport *t = user_data;
  gint64 queued;

  if (g_strcmp0 (channel, GST_F2F_PROBE_CHANNEL) != 0)
    return 0;
  g_mutex_lock (&t->lock);
  queued = t->probe_chunks ? 1024 * 1024 : 0;
  g_mutex_unlock (&t->lock);
  return queued;
}

static gboolean
sent_prefix (Transport * t, const gchar * prefix)
{
  gboolean found = FALSE;
  guint i;

  g_mutex_lock (&t->lock);
  for (i = 0; i < t->sent->len && !found; i++)
    found = g_str_has_prefix (g_ptr_array_index (t->sent, i), prefix);
  g_mutex_unlock (&t->lock);
  return found;
}

/* The id of the first probe-ask sent to b, 0 if none yet. */
static guint64
probe_asked (Transport * t)
{
  const gchar *prefix = "b {\"type\":\"probe-ask\"";
  guint64 id = 0;
  guint i;

  g_mutex_lock (&t->lock);
  for (i = 0; i < t->sent->len && id == 0; i++) {
    const gchar *text = g_ptr_array_index (t->sent, i);
    if (g_str_has_prefix (text, prefix)) {
      g_autoptr (GstF2fElectMessage) msg =
          gst_f2f_elect_message_parse (text + 2, strlen (text + 2), NULL);
      fail_unless (msg != NULL, "a malformed probe-ask: %s", text);
      id = msg->probe;
    }
  }
  g_mutex_unlock (&t->lock);
  return id;
}

static void
deliver_text (Transport * t, const gchar * peer, gchar * text)
{
  g_autoptr (GBytes) bytes = g_bytes_new_take (text, strlen (text));

  gst_f2f_room_deliver (t->room, peer, GST_F2F_ELECTION_CHANNEL, bytes);
}

static guint
probe_chunks (Transport * t)
{
  guint n;

  g_mutex_lock (&t->lock);
  n = t->probe_chunks;
  g_mutex_unlock (&t->lock);
  return n;
}

/* Whether a peer answers b's probe (four 16 KiB chunks and the end
 * marker) with probe-result, while its own probe is on its uplink (@own)
 * or while it sends none. On the way, the turns (f2fprobeturn.h): our
 * probe starts only once b grants it, b's ask is refused while ours is
 * under way and granted while we send none. */
static gboolean
answers_probe (gboolean own)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *e = gst_element_factory_make ("f2felection", NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  Transport t = { gst_f2f_room_new (), };
  g_autofree gchar *req = gst_f2f_elect_message_request (77, 1);
  g_autoptr (GBytes) req_bytes = g_bytes_new (req, strlen (req));
  GstContext *context;
  GstStructure *s;
  gboolean answered;
  gint64 deadline;
  guint i;

  g_mutex_init (&t.lock);
  t.sent = g_ptr_array_new_with_free_func (g_free);
  gst_f2f_room_set_identity (t.room, "r", "a", "A");
  gst_f2f_room_set_transport (t.room, probe_send, &t, NULL);
  gst_f2f_room_set_flow (t.room, probe_buffered, &t);
  gst_f2f_room_set_leader (t.room, "b");
  gst_f2f_room_peer_joined (t.room, "b", "B");
  g_object_set (e, "interval", 200, "probe-interval", own ? 1000 : 0, NULL);
  gst_bin_add (GST_BIN (pipeline), e);
  context = gst_f2f_room_context_new (t.room);
  gst_element_set_context (pipeline, context);
  gst_context_unref (context);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  s = wait_for (bus, "f2f-measurement", 2000);
  fail_unless (s != NULL, "no f2f-measurement");
  gst_structure_free (s);
  if (own) {
    guint64 id = 0;

    /* our first probe is asked for 2 s after the start, and sent once
     * granted */
    deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while ((id = probe_asked (&t)) == 0 && g_get_monotonic_time () < deadline)
      g_usleep (10000);
    fail_unless (id != 0, "no probe-ask of our own within 5 s");
    fail_unless_equals_int (probe_chunks (&t), 0);
    deliver_text (&t, "b", gst_f2f_elect_message_probe_answer (id, TRUE));
    deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
    while (probe_chunks (&t) == 0 && g_get_monotonic_time () < deadline)
      g_usleep (10000);
    fail_unless (probe_chunks (&t) > 0, "no probe sent within 2 s of the "
        "grant");
  }
  /* b asks to probe us: granted only while ours is not under way */
  deliver_text (&t, "b", gst_f2f_elect_message_probe_ask (7, 1000));
  {
    const gchar *answer = own ? "b {\"type\":\"probe-answer\",\"probe\":7,"
        "\"granted\":false}" : "b {\"type\":\"probe-answer\",\"probe\":7,"
        "\"granted\":true}";
    deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
    while (!sent_prefix (&t, answer) && g_get_monotonic_time () < deadline)
      g_usleep (10000);
    fail_unless (sent_prefix (&t, answer), "not answered %s", answer);
  }

  for (i = 0; i <= 4; i++) {
    g_autoptr (GBytes) chunk = gst_f2f_elect_probe_chunk_new (7, i, i == 4,
        i == 4 ? GST_F2F_PROBE_HEADER_SIZE : GST_F2F_PROBE_CHUNK_SIZE);
    gst_f2f_room_deliver (t.room, "b", GST_F2F_PROBE_CHANNEL, chunk);
    g_usleep (2000);
  }
  /* events are handled in order: once this is answered, so was the probe
   * if it ever will be */
  gst_f2f_room_deliver (t.room, "b", GST_F2F_ELECTION_CHANNEL, req_bytes);
  deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (!sent_prefix (&t, "b {\"type\":\"measurement\",\"request\":77")
      && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  fail_unless (sent_prefix (&t, "b {\"type\":\"measurement\",\"request\":77"),
      "the request was not answered");
  answered = sent_prefix (&t, "b {\"type\":\"probe-result\"");

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  gst_f2f_room_set_transport (t.room, NULL, NULL, NULL);
  gst_f2f_room_set_flow (t.room, NULL, NULL);
  gst_object_unref (t.room);
  g_ptr_array_unref (t.sent);
  g_mutex_clear (&t.lock);
  return answered;
}

/* A probe that arrives while our own is on our uplink is not answered
 * (our acknowledgements of it waited behind our burst, so it measured
 * less than the sender's uplink), even from a peer that sent it though
 * its ask was refused; one that arrives while we send none is. */
GST_START_TEST (test_probe_overlapping_ours)
{
  fail_unless (answers_probe (FALSE), "a probe was not answered");
  fail_if (answers_probe (TRUE), "a probe that overlapped ours was answered");
}

GST_END_TEST;

static Suite *
f2felection_suite (void)
{
  Suite *s = suite_create ("f2felection");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_no_room);
  tcase_add_test (tc, test_grow_and_mixer_left);
  tcase_add_test (tc, test_follower);
  tcase_add_test (tc, test_probe_overlapping_ours);
  return s;
}

GST_CHECK_MAIN (f2felection);
