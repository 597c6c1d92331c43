/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The election's messages (f2felectproto.h): what is written reads back
 * the same, and what a peer must not send is refused with a reason. And
 * the probe turns (f2fprobeturn.h), as sequences of events.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

GST_START_TEST (test_round_trip)
{
  GstF2fMeasurement m;
  g_autofree gchar *text = NULL, *req = NULL, *trig = NULL;
  g_autoptr (GstF2fElectMessage) a = NULL, b = NULL, c = NULL;

  gst_f2f_measurement_init (&m, "ignored");
  m.uplink_bps = 8000000;
  m.capacity_class = GST_F2F_CAPACITY_SERVER;
  m.rtt_ms = 12.5;
  m.loss = 0.02;
  m.cpu_load = 0.3;
  text = gst_f2f_elect_message_measurement (&m, 7);
  a = gst_f2f_elect_message_parse (text, strlen (text), NULL);
  fail_unless (a != NULL, "%s", text);
  fail_unless_equals_int (a->type, GST_F2F_ELECT_MESSAGE_MEASUREMENT);
  fail_unless_equals_uint64 (a->request, 7);
  fail_unless_equals_uint64 (a->measurement.uplink_bps, 8000000);
  fail_unless_equals_int (a->measurement.capacity_class,
      GST_F2F_CAPACITY_SERVER);
  fail_unless_equals_float (a->measurement.rtt_ms, 12.5);
  fail_unless_equals_float (a->measurement.loss, 0.02);
  fail_unless_equals_float (a->measurement.cpu_load, 0.3);
  fail_unless_equals_float (a->measurement.encode_ms, GST_F2F_ELECT_UNKNOWN);
  /* the sender is the link's peer, never a field */
  fail_unless (a->measurement.peer == NULL);
  fail_unless (strstr (text, "ignored") == NULL);

  req = gst_f2f_elect_message_request (3, 5);
  b = gst_f2f_elect_message_parse (req, strlen (req), NULL);
  fail_unless (b && b->type == GST_F2F_ELECT_MESSAGE_REQUEST);
  fail_unless_equals_uint64 (b->request, 3);
  fail_unless_equals_uint64 (b->epoch, 5);

  trig = gst_f2f_elect_message_trigger ("manual");
  c = gst_f2f_elect_message_parse (trig, strlen (trig), NULL);
  fail_unless (c && c->type == GST_F2F_ELECT_MESSAGE_TRIGGER);
  fail_unless_equals_string (c->reason, "manual");
}

GST_END_TEST;

/* Refused, each with its reason in the error. */
static const struct
{
  const gchar *text;
  const gchar *why;
} bad[] = {
  {"", "JSON object"},
  {"[1]", "JSON object"},
  {"{\"type\":\"vote\"}", "unknown type"},
  {"{\"type\":\"request\",\"epoch\":1}", "request number"},
  {"{\"type\":\"request\",\"request\":-2,\"epoch\":1}", "request number"},
  {"{\"type\":\"trigger\"}", "reason"},
  {"{\"type\":\"trigger\",\"reason\":\"\"}", "reason"},
  {"{\"type\":\"measurement\",\"request\":0,\"uplink-bps\":0,"
        "\"class\":\"king\",\"rtt-ms\":-1,\"loss\":-1,\"cpu-load\":-1,"
        "\"encode-ms\":-1}", "class"},
  {"{\"type\":\"measurement\",\"request\":0,\"uplink-bps\":0,"
        "\"class\":\"normal\",\"rtt-ms\":-1,\"loss\":1.5,\"cpu-load\":-1,"
        "\"encode-ms\":-1}", "in range"},
  {"{\"type\":\"measurement\",\"request\":0,\"uplink-bps\":0,"
        "\"class\":\"normal\",\"rtt-ms\":-3,\"loss\":0,\"cpu-load\":-1,"
        "\"encode-ms\":-1}", "in range"},
  {"{\"type\":\"measurement\",\"request\":0,\"uplink-bps\":\"1M\","
        "\"class\":\"normal\",\"rtt-ms\":-1,\"loss\":0,\"cpu-load\":-1,"
        "\"encode-ms\":-1}", "uplink-bps"},
  {"{\"type\":\"measurement\",\"request\":0,\"uplink-bps\":0,"
        "\"class\":\"normal\",\"loss\":0,\"cpu-load\":-1,\"encode-ms\":-1}",
      "in range"},
  {"{\"type\":\"probe-ask\",\"duration-ms\":1000}", "probe id"},
  {"{\"type\":\"probe-ask\",\"probe\":0,\"duration-ms\":1000}", "probe id"},
  {"{\"type\":\"probe-ask\",\"probe\":4294967296,\"duration-ms\":1000}",
      "probe id"},
  {"{\"type\":\"probe-ask\",\"probe\":3}", "duration-ms"},
  {"{\"type\":\"probe-ask\",\"probe\":3,\"duration-ms\":3600000}",
      "duration-ms"},
  {"{\"type\":\"probe-answer\",\"probe\":3}", "granted"},
  {"{\"type\":\"probe-answer\",\"probe\":3,\"granted\":1}", "granted"},
  {"{\"type\":\"probe-answer\",\"granted\":true}", "probe id"},
};

GST_START_TEST (test_refused)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GstF2fElectMessage) msg =
        gst_f2f_elect_message_parse (bad[i].text, strlen (bad[i].text), &error);
    fail_unless (msg == NULL, "accepted %s", bad[i].text);
    fail_unless (error != NULL && strstr (error->message, bad[i].why),
        "%s: %s", bad[i].text, error ? error->message : "no error");
  }
}

GST_END_TEST;

/* Members a later version adds are ignored; integers are numbers too. */
GST_START_TEST (test_lenient_where_it_should_be)
{
  const gchar *text = "{\"type\":\"measurement\",\"request\":0,"
      "\"uplink-bps\":1000000,\"class\":\"never-mixer\",\"rtt-ms\":20,"
      "\"loss\":0,\"cpu-load\":1,\"encode-ms\":4,\"gpu\":\"yes\"}";
  g_autoptr (GstF2fElectMessage) msg =
      gst_f2f_elect_message_parse (text, strlen (text), NULL);

  fail_unless (msg != NULL);
  fail_unless_equals_int (msg->measurement.capacity_class,
      GST_F2F_CAPACITY_NEVER_MIXER);
  fail_unless_equals_float (msg->measurement.rtt_ms, 20);
  fail_unless_equals_float (msg->measurement.encode_ms, 4);
}

GST_END_TEST;

GST_START_TEST (test_probe)
{
  g_autofree gchar *text = gst_f2f_elect_message_probe_result (4, 245760,
      1874000);
  g_autoptr (GstF2fElectMessage) msg =
      gst_f2f_elect_message_parse (text, strlen (text), NULL);
  g_autoptr (GBytes) chunk = gst_f2f_elect_probe_chunk_new (0xdeadbeef, 513,
      TRUE, GST_F2F_PROBE_CHUNK_SIZE);
  g_autoptr (GBytes) bare = gst_f2f_elect_probe_chunk_new (7, 0, FALSE,
      GST_F2F_PROBE_HEADER_SIZE);
  const guint8 *data;
  gsize len;
  guint32 probe = 0;
  guint16 index = 0;
  gboolean last = FALSE;
  guint8 broken[GST_F2F_PROBE_HEADER_SIZE];

  fail_unless (msg && msg->type == GST_F2F_ELECT_MESSAGE_PROBE_RESULT);
  fail_unless_equals_uint64 (msg->probe, 4);
  fail_unless_equals_uint64 (msg->bytes, 245760);
  fail_unless_equals_int64 (msg->span_us, 1874000);

  data = g_bytes_get_data (chunk, &len);
  fail_unless_equals_int (len, GST_F2F_PROBE_CHUNK_SIZE);
  fail_unless (gst_f2f_elect_probe_chunk_parse (data, len, &probe, &index,
          &last));
  fail_unless_equals_int (probe, 0xdeadbeef);
  fail_unless_equals_int (index, 513);
  fail_unless (last);
  data = g_bytes_get_data (bare, &len);
  fail_unless (gst_f2f_elect_probe_chunk_parse (data, len, &probe, &index,
          &last));
  fail_unless (probe == 7 && index == 0 && !last);
  /* too short, wrong magic, unknown flags */
  fail_if (gst_f2f_elect_probe_chunk_parse (data, 15, &probe, &index, &last));
  memcpy (broken, data, sizeof broken);
  broken[0] = 'F';
  fail_if (gst_f2f_elect_probe_chunk_parse (broken, sizeof broken, &probe,
          &index, &last));
  memcpy (broken, data, sizeof broken);
  broken[14] = 2;
  fail_if (gst_f2f_elect_probe_chunk_parse (broken, sizeof broken, &probe,
          &index, &last));
}

GST_END_TEST;

GST_START_TEST (test_probe_ask_answer)
{
  g_autofree gchar *ask = gst_f2f_elect_message_probe_ask (9, 1000);
  g_autofree gchar *yes = gst_f2f_elect_message_probe_answer (9, TRUE);
  g_autofree gchar *no = gst_f2f_elect_message_probe_answer (10, FALSE);
  g_autoptr (GstF2fElectMessage) a =
      gst_f2f_elect_message_parse (ask, strlen (ask), NULL);
  g_autoptr (GstF2fElectMessage) y =
      gst_f2f_elect_message_parse (yes, strlen (yes), NULL);
  g_autoptr (GstF2fElectMessage) n =
      gst_f2f_elect_message_parse (no, strlen (no), NULL);

  fail_unless (a && a->type == GST_F2F_ELECT_MESSAGE_PROBE_ASK);
  fail_unless_equals_uint64 (a->probe, 9);
  fail_unless_equals_int (a->duration_ms, 1000);
  fail_unless (y && y->type == GST_F2F_ELECT_MESSAGE_PROBE_ANSWER);
  fail_unless (y->probe == 9 && y->granted);
  fail_unless (n && n->type == GST_F2F_ELECT_MESSAGE_PROBE_ANSWER);
  fail_unless (n->probe == 10 && !n->granted);
}

GST_END_TEST;

#define S (G_USEC_PER_SEC)
#define HOLD (3 * S)
#define ASK_WAIT (1 * S)

/* Two peers, A and B, and the turns they are in as asks, answers and
 * ends go between them. */
GST_START_TEST (test_turn_grant_and_end)
{
  g_autoptr (GstF2fProbeTurn) a = gst_f2f_probe_turn_new ();
  g_autoptr (GstF2fProbeTurn) b = gst_f2f_probe_turn_new ();

  fail_unless_equals_int (gst_f2f_probe_turn_get_state (a, 0),
      GST_F2F_PROBE_TURN_IDLE);
  /* A asks B; B is idle and grants; A sends */
  fail_unless (gst_f2f_probe_turn_ask (a, "B", 1, 0, ASK_WAIT));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (a, 0),
      GST_F2F_PROBE_TURN_ASKING);
  fail_unless_equals_string (gst_f2f_probe_turn_get_peer (a), "B");
  /* asking once at a time */
  fail_if (gst_f2f_probe_turn_ask (a, "C", 2, 0, ASK_WAIT));
  fail_unless (gst_f2f_probe_turn_asked (b, "A", 1, 10, HOLD));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (b, 10),
      GST_F2F_PROBE_TURN_RECEIVING);
  fail_unless (gst_f2f_probe_turn_answered (a, "B", 1, TRUE, 20, HOLD));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (a, 20),
      GST_F2F_PROBE_TURN_SENDING);
  /* while in it, neither grants anyone else, nor asks */
  fail_if (gst_f2f_probe_turn_asked (a, "C", 5, 30, HOLD));
  fail_if (gst_f2f_probe_turn_asked (b, "C", 5, 30, HOLD));
  fail_if (gst_f2f_probe_turn_ask (b, "C", 6, 30, ASK_WAIT));
  /* the same ask again (its answer lost) is granted again */
  fail_unless (gst_f2f_probe_turn_asked (b, "A", 1, 40, HOLD));
  /* the last chunk ends B's turn, the result A's; another probe's end or
   * another peer's does not */
  fail_if (gst_f2f_probe_turn_end (b, "A", 2));
  fail_if (gst_f2f_probe_turn_end (b, "C", 1));
  fail_unless (gst_f2f_probe_turn_end (b, "A", 1));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (b, 50),
      GST_F2F_PROBE_TURN_IDLE);
  fail_unless (gst_f2f_probe_turn_asked (b, "C", 5, 60, HOLD));
  fail_unless (gst_f2f_probe_turn_end (a, "B", 1));
  fail_unless (gst_f2f_probe_turn_get_peer (a) == NULL);
  fail_unless (gst_f2f_probe_turn_ask (a, "C", 2, 70, ASK_WAIT));
}

GST_END_TEST;

/* A refusal frees the asker at once; an answer that comes late, or for
 * another ask, changes nothing. */
GST_START_TEST (test_turn_refused_and_stale)
{
  g_autoptr (GstF2fProbeTurn) a = gst_f2f_probe_turn_new ();

  fail_unless (gst_f2f_probe_turn_ask (a, "B", 1, 0, ASK_WAIT));
  fail_if (gst_f2f_probe_turn_answered (a, "B", 1, FALSE, 10, HOLD));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (a, 10),
      GST_F2F_PROBE_TURN_IDLE);
  /* a grant for the refused ask, later: not a turn */
  fail_if (gst_f2f_probe_turn_answered (a, "B", 1, TRUE, 20, HOLD));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (a, 20),
      GST_F2F_PROBE_TURN_IDLE);
  /* asking C: a grant from B, or for another probe, is not C's */
  fail_unless (gst_f2f_probe_turn_ask (a, "C", 2, 30, ASK_WAIT));
  fail_if (gst_f2f_probe_turn_answered (a, "B", 2, TRUE, 40, HOLD));
  fail_if (gst_f2f_probe_turn_answered (a, "C", 1, TRUE, 40, HOLD));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (a, 40),
      GST_F2F_PROBE_TURN_ASKING);
  /* C's grant after the ask timed out: too late, A asks again */
  fail_if (gst_f2f_probe_turn_answered (a, "C", 2, TRUE, 30 + ASK_WAIT,
          HOLD));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (a, 30 + ASK_WAIT),
      GST_F2F_PROBE_TURN_IDLE);
}

GST_END_TEST;

/* Two peers that ask each other at once refuse each other: neither is
 * ever in two probes. */
GST_START_TEST (test_turn_crossed_asks)
{
  g_autoptr (GstF2fProbeTurn) a = gst_f2f_probe_turn_new ();
  g_autoptr (GstF2fProbeTurn) b = gst_f2f_probe_turn_new ();

  fail_unless (gst_f2f_probe_turn_ask (a, "B", 1, 0, ASK_WAIT));
  fail_unless (gst_f2f_probe_turn_ask (b, "A", 1, 0, ASK_WAIT));
  fail_if (gst_f2f_probe_turn_asked (a, "B", 1, 10, HOLD));
  fail_if (gst_f2f_probe_turn_asked (b, "A", 1, 10, HOLD));
  fail_if (gst_f2f_probe_turn_answered (a, "B", 1, FALSE, 20, HOLD));
  fail_if (gst_f2f_probe_turn_answered (b, "A", 1, FALSE, 20, HOLD));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (a, 20),
      GST_F2F_PROBE_TURN_IDLE);
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (b, 20),
      GST_F2F_PROBE_TURN_IDLE);
}

GST_END_TEST;

/* A turn whose other side vanishes ends: at its deadline, or when that
 * peer leaves the room. */
GST_START_TEST (test_turn_deadlines)
{
  g_autoptr (GstF2fProbeTurn) b = gst_f2f_probe_turn_new ();

  /* granted, and the probe never comes */
  fail_unless (gst_f2f_probe_turn_asked (b, "A", 1, 0, HOLD));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (b, HOLD - 1),
      GST_F2F_PROBE_TURN_RECEIVING);
  fail_if (gst_f2f_probe_turn_asked (b, "C", 2, HOLD - 1, HOLD));
  fail_unless (gst_f2f_probe_turn_asked (b, "C", 2, HOLD, HOLD));
  /* C leaves mid-probe; someone else's leaving changes nothing */
  fail_if (gst_f2f_probe_turn_peer_left (b, "A"));
  fail_unless (gst_f2f_probe_turn_peer_left (b, "C"));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (b, HOLD + 1),
      GST_F2F_PROBE_TURN_IDLE);
  /* a sender whose result never comes is free again at its deadline */
  fail_unless (gst_f2f_probe_turn_ask (b, "D", 3, 10 * S, ASK_WAIT));
  fail_unless (gst_f2f_probe_turn_answered (b, "D", 3, TRUE, 10 * S, HOLD));
  fail_unless_equals_int (gst_f2f_probe_turn_get_state (b, 10 * S + HOLD),
      GST_F2F_PROBE_TURN_IDLE);
}

GST_END_TEST;

static Suite *
electproto_suite (void)
{
  Suite *s = suite_create ("f2f election messages");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_refused);
  tcase_add_test (tc, test_lenient_where_it_should_be);
  tcase_add_test (tc, test_probe);
  tcase_add_test (tc, test_probe_ask_answer);
  tcase_add_test (tc, test_turn_grant_and_end);
  tcase_add_test (tc, test_turn_refused_and_stale);
  tcase_add_test (tc, test_turn_crossed_asks);
  tcase_add_test (tc, test_turn_deadlines);
  return s;
}

GST_CHECK_MAIN (electproto);
