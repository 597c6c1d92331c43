/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The wire protocol: frames that must parse (and survive a round trip) and
 * frames that must be refused with the right error code.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

#define TO_SERVER GST_F2F_DIRECTION_TO_SERVER
#define TO_CLIENT GST_F2F_DIRECTION_TO_CLIENT

typedef struct
{
  GstF2fDirection direction;
  const gchar *frame;
  GstF2fMessageType type;
} ValidCase;

static const ValidCase valid_cases[] = {
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"r1\",\"name\":\"Alice\"}",
      GST_F2F_MESSAGE_JOIN},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"a.b-c_d\","
        "\"name\":\"Zoë 🎥\",\"password\":\"s3cret\",\"id\":\"abc-123\"}",
      GST_F2F_MESSAGE_JOIN},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"r\",\"name\":\"A\","
        "\"future\":{\"field\":[1,2]}}", GST_F2F_MESSAGE_JOIN},
  {TO_SERVER, "{\"type\":\"offer\",\"to\":\"p2\",\"sdp\":\"v=0\\r\\n\"}",
      GST_F2F_MESSAGE_OFFER},
  {TO_SERVER, "{\"type\":\"answer\",\"to\":\"p2\",\"sdp\":\"v=0\\r\\n\"}",
      GST_F2F_MESSAGE_ANSWER},
  {TO_SERVER, "{\"type\":\"ice\",\"to\":\"p2\",\"candidate\":\"candidate:1 1 "
        "UDP 2 127.0.0.1 5000 typ host\",\"sdpMLineIndex\":0}",
      GST_F2F_MESSAGE_ICE},
  {TO_SERVER, "{\"type\":\"ice\",\"to\":\"p2\",\"candidate\":\"\","
        "\"sdpMid\":\"0\",\"sdpMLineIndex\":3}", GST_F2F_MESSAGE_ICE},
  {TO_SERVER, "{\"type\":\"app\",\"to\":\"p2\",\"payload\":\"{\\\"x\\\":1}\"}",
      GST_F2F_MESSAGE_APP},
  {TO_SERVER, "{\"type\":\"ping\"}", GST_F2F_MESSAGE_PING},
  {TO_SERVER, "{\"type\":\"leave\"}", GST_F2F_MESSAGE_LEAVE},
  {TO_CLIENT, "{\"type\":\"welcome\",\"room\":\"r\",\"id\":\"p3\",\"leader\":"
        "\"p1\",\"protected\":true,\"idleTimeout\":20,\"peers\":[{\"id\":\"p1\","
        "\"name\":\"A\",\"order\":1},{\"id\":\"p2\",\"name\":\"B\",\"order\":2}]}",
      GST_F2F_MESSAGE_WELCOME},
  {TO_CLIENT, "{\"type\":\"error\",\"code\":\"wrong-password\",\"message\":"
        "\"wrong password for room 'r'\"}", GST_F2F_MESSAGE_ERROR},
  {TO_CLIENT, "{\"type\":\"peer-joined\",\"peer\":{\"id\":\"p4\",\"name\":"
        "\"D\",\"order\":4}}", GST_F2F_MESSAGE_PEER_JOINED},
  {TO_CLIENT, "{\"type\":\"peer-left\",\"id\":\"p4\",\"reason\":\"timed-out\"}",
      GST_F2F_MESSAGE_PEER_LEFT},
  {TO_CLIENT, "{\"type\":\"leader-changed\",\"leader\":\"p2\"}",
      GST_F2F_MESSAGE_LEADER_CHANGED},
  {TO_CLIENT, "{\"type\":\"offer\",\"from\":\"p2\",\"sdp\":\"v=0\"}",
      GST_F2F_MESSAGE_OFFER},
  {TO_CLIENT, "{\"type\":\"pong\"}", GST_F2F_MESSAGE_PONG},
};

GST_START_TEST (test_valid_frames_round_trip)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (valid_cases); i++) {
    const ValidCase *c = &valid_cases[i];
    g_autoptr (GError) error = NULL;
    g_autoptr (GstF2fMessage) msg = NULL;
    g_autoptr (GstF2fMessage) again = NULL;
    g_autoptr (GstF2fMessage) copy = NULL;
    g_autofree gchar *text = NULL;
    g_autofree gchar *text2 = NULL;

    msg = gst_f2f_message_parse (c->frame, strlen (c->frame), c->direction,
        &error);
    fail_unless (msg != NULL, "case %u (%s) refused: %s", i, c->frame,
        error ? error->message : "?");
    fail_unless_equals_int (msg->type, c->type);

    /* serialize → parse → serialize is a fixed point */
    text = gst_f2f_message_serialize (msg);
    again = gst_f2f_message_parse (text, strlen (text), c->direction, &error);
    fail_unless (again != NULL, "case %u: own output %s refused: %s", i, text,
        error ? error->message : "?");
    text2 = gst_f2f_message_serialize (again);
    fail_unless_equals_string (text, text2);

    copy = gst_f2f_message_copy (msg);
    g_free (text2);
    text2 = gst_f2f_message_serialize (copy);
    fail_unless_equals_string (text, text2);
  }
}

GST_END_TEST;

GST_START_TEST (test_fields)
{
  const gchar *frame = "{\"type\":\"welcome\",\"room\":\"r\",\"id\":\"p3\","
      "\"leader\":\"p1\",\"protected\":true,\"idleTimeout\":20,\"peers\":"
      "[{\"id\":\"p1\",\"name\":\"A\",\"order\":1},"
      "{\"id\":\"p2\",\"name\":\"<b>B</b>\",\"order\":2}]}";
  g_autoptr (GstF2fMessage) msg = gst_f2f_message_parse (frame,
      strlen (frame), TO_CLIENT, NULL);
  GstF2fPeerInfo *p;

  fail_unless (msg != NULL);
  fail_unless_equals_string (msg->room, "r");
  fail_unless_equals_string (msg->peer_id, "p3");
  fail_unless_equals_string (msg->leader, "p1");
  fail_unless (msg->protected);
  fail_unless_equals_int (msg->idle_timeout, 20);
  fail_unless_equals_int (msg->peers->len, 2);
  p = g_ptr_array_index (msg->peers, 1);
  fail_unless_equals_string (p->id, "p2");
  /* names are text: markup-like characters pass through untouched */
  fail_unless_equals_string (p->name, "<b>B</b>");
  fail_unless_equals_uint64 (p->order, 2);
}

GST_END_TEST;

GST_START_TEST (test_relay_fields)
{
  g_autoptr (GstF2fMessage) ice = gst_f2f_message_new_ice ("peer-2", 1,
      "candidate:1 1 UDP 2 127.0.0.1 5000 typ host");
  g_autofree gchar *text = gst_f2f_message_serialize (ice);
  g_autoptr (GstF2fMessage) back = gst_f2f_message_parse (text, strlen (text),
      TO_SERVER, NULL);

  fail_unless (back != NULL);
  fail_unless (gst_f2f_message_is_relay (back));
  fail_unless_equals_string (back->to, "peer-2");
  fail_unless_equals_int (back->mline_index, 1);
  fail_unless_equals_string (back->candidate,
      "candidate:1 1 UDP 2 127.0.0.1 5000 typ host");
  /* a relay to a client must say who sent it */
  fail_unless (gst_f2f_message_parse (text, strlen (text), TO_CLIENT,
          NULL) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_empty_password_means_none)
{
  const gchar *frame = "{\"type\":\"join\",\"version\":1,\"room\":\"r\","
      "\"name\":\"A\",\"password\":\"\"}";
  g_autoptr (GstF2fMessage) msg = gst_f2f_message_parse (frame,
      strlen (frame), TO_SERVER, NULL);

  fail_unless (msg != NULL);
  fail_unless (msg->password == NULL);
}

GST_END_TEST;

typedef struct
{
  GstF2fDirection direction;
  const gchar *frame;           /* NULL: see the generated cases */
  GstF2fErrorCode code;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  {TO_SERVER, "", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "not json", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\"", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "[1,2,3]", GST_F2F_ERROR_CODE_BAD_REQUEST},
  /* one object per frame: json-glib 1.6 leaks on text with several values */
  {TO_SERVER, "{\"type\":\"ping\"} {\"type\":\"ping\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "1e9{\"type\":\"ping\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"ping\"} x", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "\"join\"", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":42}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"dance\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"welcome\",\"room\":\"r\",\"id\":\"a\","
        "\"leader\":\"a\",\"peers\":[]}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_CLIENT, "{\"type\":\"join\",\"version\":1,\"room\":\"r\",\"name\":\"A\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  /* join */
  {TO_SERVER, "{\"type\":\"join\",\"room\":\"r\",\"name\":\"A\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":2,\"room\":\"r\",\"name\":\"A\"}",
      GST_F2F_ERROR_CODE_UNSUPPORTED_VERSION},
  {TO_SERVER, "{\"type\":\"join\",\"version\":\"1\",\"room\":\"r\","
        "\"name\":\"A\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1.5,\"room\":\"r\","
        "\"name\":\"A\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"name\":\"A\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"a/b\","
        "\"name\":\"A\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"..\","
        "\"name\":\"A\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"\",\"name\":\"A\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"r\",\"name\":\"\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"r\","
        "\"name\":\"A\\nB\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"r\","
        "\"name\":\"A\\u0000B\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"r\",\"name\":\"A\","
        "\"id\":\"bad id\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":\"r\",\"name\":\"A\","
        "\"password\":5}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"join\",\"version\":1,\"room\":[\"r\"],"
        "\"name\":\"A\"}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  /* relays */
  {TO_SERVER, "{\"type\":\"offer\",\"sdp\":\"v=0\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"offer\",\"to\":\"p2\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"offer\",\"to\":\"p2\",\"sdp\":\"\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"offer\",\"to\":\"../x\",\"sdp\":\"v=0\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"ice\",\"to\":\"p2\",\"candidate\":\"c\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"ice\",\"to\":\"p2\",\"candidate\":\"c\","
        "\"sdpMLineIndex\":-1}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"ice\",\"to\":\"p2\",\"candidate\":\"c\","
        "\"sdpMLineIndex\":99999}", GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_SERVER, "{\"type\":\"app\",\"to\":\"p2\",\"payload\":{\"a\":1}}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_CLIENT, "{\"type\":\"peer-left\",\"id\":\"p2\",\"reason\":\"bored\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_CLIENT, "{\"type\":\"error\",\"code\":\"teapot\"}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_CLIENT, "{\"type\":\"welcome\",\"room\":\"r\",\"id\":\"a\","
        "\"leader\":\"a\",\"peers\":[{\"id\":\"b\"}]}",
      GST_F2F_ERROR_CODE_BAD_REQUEST},
  {TO_CLIENT, "{\"type\":\"welcome\",\"room\":\"r\",\"id\":\"a\","
        "\"leader\":\"a\",\"peers\":{}}", GST_F2F_ERROR_CODE_BAD_REQUEST},
};

GST_START_TEST (test_invalid_frames)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (invalid_cases); i++) {
    const InvalidCase *c = &invalid_cases[i];
    g_autoptr (GError) error = NULL;
    g_autoptr (GstF2fMessage) msg = NULL;

    msg = gst_f2f_message_parse (c->frame, strlen (c->frame), c->direction,
        &error);
    fail_unless (msg == NULL, "case %u (%s) accepted", i, c->frame);
    fail_unless (error != NULL);
    fail_unless (error->domain == GST_F2F_PROTOCOL_ERROR);
    fail_unless_equals_int (error->code, c->code);
    fail_unless (error->message && *error->message);
  }
}

GST_END_TEST;

/* RFC 8259's grammar, not json-glib's leniency: what JSON refuses is a
 * bad request, what it allows (however unusual) parses. */
GST_START_TEST (test_strict_json_syntax)
{
  const gchar *refused[] = {
    "{'type':'ping'}",
    "{\"type\":'ping'}",
    "{type:\"ping\"}",
    "{\"type\":\"ping\",\"x\":01}",
    "{\"type\":\"ping\",\"x\":0x10}",
    "{\"type\":\"ping\",\"x\":-}",
    "{\"type\":\"ping\",\"x\":1.}",
    "{\"type\":\"ping\",\"x\":.5}",
    "{\"type\":\"ping\",\"x\":1e}",
    "{\"type\":\"ping\",\"x\":+1}",
    "{\"type\":\"ping\",\"x\":NaN}",
    "{\"type\":\"ping\",\"x\":Infinity}",
    "{\"type\":\"ping\",\"x\":\"a\tb\"}",    /* raw tab */
    "{\"type\":\"ping\",\"x\":\"a\nb\"}",    /* raw newline */
    "{\"type\":\"ping\",\"x\":\"\\q\"}",
    "{\"type\":\"ping\",\"x\":\"\\202\"}",
    "{\"type\":\"ping\",\"x\":\"\\x41\"}",
    "{\"type\":\"ping\",\"x\":\"\\u12\"}",
    "{\"type\":\"ping\",}",
    "{\"type\":\"ping\",\"x\":[1,]}",
    "{\"type\":\"ping\",\"x\":[1 2]}",
    "{\"type\":\"ping\" \"x\":1}",
    "{\"type\":\"ping\",\"x\"}",
    "{\"type\":\"ping\",\"x\":tru}",
    "{\"type\":\"ping\",\"x\":True}",
    "{\"type\":\"ping\",\"x\":nullx}",
    "{\"type\":\"ping\",\"x\":undefined}",
    "{\"type\":\"ping\"/* comment */}",
    "{\"type\":\"ping\"}\x0b",
    "{\"type\":\"ping\",\"x\":\"unterminated}",
    /* null is not a string */
    "{\"type\":\"join\",\"version\":1,\"room\":\"r\",\"name\":\"n\","
        "\"password\":null}",
    "{\"type\":\"join\",\"version\":1,\"room\":\"r\",\"name\":\"n\","
        "\"id\":null}",
    "{\"type\":null}",
  };
  const gchar *accepted[] = {
    " \t\r\n{ \"type\" : \"ping\" } \n",
    "{\"type\":\"ping\",\"x\":[-0,0.5,1e9,-1.25E-3,1e+2,[],{},true,false,"
        "null,\"\\u00e9\\\"\\\\\\/\\b\\f\\n\\r\\t\"]}",
    "{\"type\":\"ping\",\"x\":\"é ✓ \\ud83d\\ude00\"}",
    "{\"type\":\"join\",\"version\":1,\"room\":\"r\",\"name\":\"n\"}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GstF2fMessage) msg = gst_f2f_message_parse (refused[i],
        strlen (refused[i]), TO_SERVER, &error);

    fail_unless (msg == NULL, "accepted %s", refused[i]);
    fail_unless_equals_int (error->code, GST_F2F_ERROR_CODE_BAD_REQUEST);
  }
  for (i = 0; i < G_N_ELEMENTS (accepted); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GstF2fMessage) msg = gst_f2f_message_parse (accepted[i],
        strlen (accepted[i]), TO_SERVER, &error);

    fail_unless (msg != NULL, "refused %s: %s", accepted[i],
        error ? error->message : "?");
  }
}

GST_END_TEST;

/* Frames an attacker can make with a few bytes: every one must be refused
 * cleanly (no crash, no abort, an error to answer with). */
GST_START_TEST (test_hostile_frames)
{
  GString *s = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  const gchar bad_utf8[] = "{\"type\":\"ping\",\"x\":\"\xff\xfe\"}";
  const gchar with_nul[] = "{\"type\":\"ping\"}\0garbage";
  guint i;

  /* deep nesting that would exhaust the parser's stack */
  for (i = 0; i < 60000; i++)
    g_string_append_c (s, '[');
  fail_unless (gst_f2f_message_parse (s->str, s->len, TO_SERVER, &error) ==
      NULL);
  g_clear_error (&error);

  /* over-long id */
  g_string_assign (s, "{\"type\":\"offer\",\"sdp\":\"v\",\"to\":\"");
  for (i = 0; i < 1000; i++)
    g_string_append_c (s, 'a');
  g_string_append (s, "\"}");
  fail_unless (gst_f2f_message_parse (s->str, s->len, TO_SERVER, &error) ==
      NULL);
  fail_unless_equals_int (error->code, GST_F2F_ERROR_CODE_BAD_REQUEST);
  g_clear_error (&error);

  /* a frame over 64 KiB */
  g_string_assign (s, "{\"type\":\"app\",\"to\":\"p\",\"payload\":\"");
  while (s->len < GST_F2F_MAX_FRAME_SIZE + 10)
    g_string_append_c (s, 'x');
  g_string_append (s, "\"}");
  fail_unless (gst_f2f_message_parse (s->str, s->len, TO_SERVER, &error) ==
      NULL);
  g_clear_error (&error);

  fail_unless (gst_f2f_message_parse (bad_utf8, sizeof bad_utf8 - 1, TO_SERVER,
          &error) == NULL);
  g_clear_error (&error);
  fail_unless (gst_f2f_message_parse (with_nul, sizeof with_nul - 1, TO_SERVER,
          &error) == NULL);
  g_clear_error (&error);

  g_string_free (s, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_validators)
{
  gchar long_id[GST_F2F_MAX_ID_LENGTH + 2];

  memset (long_id, 'a', sizeof long_id - 1);
  long_id[sizeof long_id - 1] = '\0';

  fail_unless (gst_f2f_is_valid_peer_id ("abc-DEF_09"));
  fail_if (gst_f2f_is_valid_peer_id (""));
  fail_if (gst_f2f_is_valid_peer_id ("a.b"));
  fail_if (gst_f2f_is_valid_peer_id (long_id));
  long_id[GST_F2F_MAX_ID_LENGTH] = '\0';
  fail_unless (gst_f2f_is_valid_peer_id (long_id));
  fail_unless (gst_f2f_is_valid_room_id ("team.daily-standup_1"));
  fail_if (gst_f2f_is_valid_room_id (".."));
  fail_if (gst_f2f_is_valid_room_id ("a b"));
  fail_unless (gst_f2f_is_valid_name ("Zoë 🎥 <b>"));
  fail_if (gst_f2f_is_valid_name ("tab\there"));
  fail_if (gst_f2f_is_valid_name ("\xc3\x28"));
}

GST_END_TEST;

/* What peers send as ICE candidates passes; what cannot be one is refused
 * with a sentence naming the field. */
GST_START_TEST (test_ice_candidates)
{
  const gchar *good[] = {
    /* libnice (webrtcbin) */
    "candidate:1 1 UDP 2015363327 127.0.0.1 40423 typ host",
    "a=candidate:1 1 UDP 2015363327 127.0.0.1 40423 typ host",
    "candidate:3 1 TCP 1015022079 127.0.0.1 9 typ host tcptype active",
    "candidate:2 1 UDP 2015363583 ::1 40000 typ host",
    /* Chromium: server reflexive, then a host address hidden by mDNS */
    "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx "
        "raddr 192.168.1.2 rport 46154 generation 0 ufrag EE/t+u "
        "network-id 3 network-cost 10",
    "candidate:1 1 udp 2122260223 a1b2c3d4-e5f6-7890-abcd-ef0123456789.local "
        "54321 typ host generation 0",
    /* Firefox relay */
    "candidate:5 1 UDP 8265471 198.51.100.9 61000 typ relay raddr "
        "203.0.113.7 rport 50000",
  };
  struct
  {
    const gchar *candidate, *says;
  } bad[] = {
    {"garbage", "candidate:"},
    {"", "candidate:"},
    {"candidate:", "fields"},
    {"candidate:1 1 UDP 2015363327 127.0.0.1 40423 typ", "fields"},
    {"candidate:abcdefghijklmnopqrstuvwxyz0123456 1 UDP 1 127.0.0.1 1 typ "
          "host", "foundation"},
    {"candidate:1 0 UDP 2015363327 127.0.0.1 40423 typ host", "component"},
    {"candidate:1 1 UDP 99999999999 127.0.0.1 40423 typ host", "priority"},
    {"candidate:1 1 UDP 2015363327 127.0.0.1;rm 40423 typ host", "address"},
    {"candidate:1 1 UDP 2015363327 127.0.0.1 70000 typ host", "port"},
    {"candidate:1 1 UDP 2015363327 127.0.0.1 40423 host host", "typ"},
    {"candidate:1 1 U<P 2015363327 127.0.0.1 40423 typ host", "transport"},
    {"candidate:1 1 UDP 2015363327 127.0.0.1 40423 typ host raddr",
        "no value"},
    {"candidate:1 1 UDP 2015363327 127.0.0.1 40423 typ host a\x01 b",
        "control"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autofree gchar *why = NULL;
    fail_unless (gst_f2f_ice_candidate_check (good[i], &why), "%s: %s",
        good[i], why);
    fail_unless (why == NULL);
  }
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree gchar *why = NULL;
    fail_if (gst_f2f_ice_candidate_check (bad[i].candidate, &why),
        "accepted: %s", bad[i].candidate);
    fail_unless (why && strstr (why, bad[i].says), "%s: %s",
        bad[i].candidate, why);
  }
  fail_if (gst_f2f_ice_candidate_check (NULL, NULL));
}

GST_END_TEST;

static Suite *
protocol_suite (void)
{
  Suite *s = suite_create ("f2f protocol");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_valid_frames_round_trip);
  tcase_add_test (tc, test_fields);
  tcase_add_test (tc, test_relay_fields);
  tcase_add_test (tc, test_empty_password_means_none);
  tcase_add_test (tc, test_invalid_frames);
  tcase_add_test (tc, test_strict_json_syntax);
  tcase_add_test (tc, test_hostile_frames);
  tcase_add_test (tc, test_validators);
  tcase_add_test (tc, test_ice_candidates);
  return s;
}

GST_CHECK_MAIN (protocol);
