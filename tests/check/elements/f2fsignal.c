/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * f2fsignal on its own, without a network: settings, pads and the errors a
 * user meets first. Rooms of real peers are in integration/room.c.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

static gchar *
error_text (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND,
      GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *text;

  gst_object_unref (bus);
  if (msg == NULL)
    return NULL;
  gst_message_parse_error (msg, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  return text;
}

/* Puts @s (configured, floating) in a pipeline and sets it PLAYING, a
 * state change that must fail at once when @refused; returns the text of
 * the ERROR it posts, or NULL when none comes within 5 s. */
static gchar *
error_on_start (GstElement * s, gboolean refused)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstStateChangeReturn ret;
  gchar *text;

  gst_bin_add (GST_BIN (pipeline), s);
  ret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (refused)
    fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  text = error_text (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return text;
}

GST_START_TEST (test_needs_a_room)
{
  GstElement *s = gst_element_factory_make ("f2fsignal", NULL);
  g_autofree gchar *text = error_on_start (s, TRUE);

  fail_unless (text && strstr (text, "Set the room"), "error: %s", text);
}

GST_END_TEST;

GST_START_TEST (test_unreachable_server_errors)
{
  GstElement *s = gst_element_factory_make ("f2fsignal", NULL);
  g_autofree gchar *text = NULL;

  /* port 9 on loopback: refused at once, retried until the timeout */
  g_object_set (s, "room", "r", "server-uri", "ws://127.0.0.1:9/ws",
      "connect-timeout", 500, NULL);
  text = error_on_start (s, FALSE);
  fail_unless (text && strstr (text, "Could not reach the signaling server "
          "ws://127.0.0.1:9/ws"), "error: %s", text);
}

GST_END_TEST;

/* A tls-ca-file that cannot be read stops the pipeline before anything
 * connects, naming the file. */
GST_START_TEST (test_unreadable_ca_file)
{
  GstElement *s = gst_element_factory_make ("f2fsignal", NULL);
  g_autofree gchar *text = NULL;

  g_object_set (s, "room", "r", "server-uri", "wss://127.0.0.1:9/ws",
      "tls-ca-file", "/nonexistent/f2f-ca.pem", NULL);
  text = error_on_start (s, TRUE);
  fail_unless (text && strstr (text, "Could not read the certificate "
          "authorities in '/nonexistent/f2f-ca.pem'"), "error: %s", text);
}

GST_END_TEST;

GST_START_TEST (test_bad_server_uri)
{
  GstElement *s = gst_element_factory_make ("f2fsignal", NULL);
  g_autofree gchar *text = NULL;

  g_object_set (s, "room", "r", "server-uri", "not a uri", NULL);
  text = error_on_start (s, FALSE);
  fail_unless (text && strstr (text, "Could not reach the signaling server"),
      "error: %s", text);
}

GST_END_TEST;

GST_START_TEST (test_pads)
{
  GstElement *s = gst_element_factory_make ("f2fsignal", NULL);
  GstPad *v, *a, *v2, *src;

  /* the room view and chat are always there */
  src = gst_element_get_static_pad (s, "video_src");
  fail_unless (src != NULL);
  gst_object_unref (src);
  src = gst_element_get_static_pad (s, "audio_src");
  fail_unless (src != NULL);
  gst_object_unref (src);
  src = gst_element_get_static_pad (s, "text_src");
  fail_unless (src != NULL);
  gst_object_unref (src);

  v = gst_element_request_pad_simple (s, "video_sink");
  a = gst_element_request_pad_simple (s, "audio_sink");
  fail_unless (v != NULL && a != NULL);
  /* one camera, one microphone: encoded once for everyone (GStreamer core
   * itself complains about asking for a pad name twice) */
  ASSERT_CRITICAL (v2 = gst_element_request_pad_simple (s, "video_sink"));
  fail_unless (v2 == NULL);
  gst_element_release_request_pad (s, v);
  gst_element_release_request_pad (s, a);
  gst_object_unref (v);
  gst_object_unref (a);
  /* after release the pad can be had again */
  v = gst_element_request_pad_simple (s, "video_sink");
  fail_unless (v != NULL);
  gst_element_release_request_pad (s, v);
  gst_object_unref (v);
  gst_object_unref (s);
}

GST_END_TEST;

GST_START_TEST (test_properties)
{
  GstElement *s = gst_element_factory_make ("f2fsignal", NULL);
  GParamSpec *pspec;
  g_autofree gchar *uri = NULL, *peer_id = NULL;
  guint bitrate, heartbeat, link_timeout;

  g_object_get (s, "server-uri", &uri, "peer-id", &peer_id, "max-bitrate",
      &bitrate, "heartbeat-timeout", &heartbeat, "link-timeout",
      &link_timeout, NULL);
  fail_unless_equals_string (uri, "ws://127.0.0.1:8443/ws");
  fail_unless (peer_id == NULL);
  fail_unless_equals_int (bitrate, 800);
  fail_unless_equals_int (heartbeat, 5000);
  fail_unless_equals_int (link_timeout, 10000);
  /* the password can be set, never read back */
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (s), "password");
  fail_unless (pspec != NULL);
  fail_if (pspec->flags & G_PARAM_READABLE);
  gst_object_unref (s);
}

GST_END_TEST;

static Suite *
f2fsignal_suite (void)
{
  Suite *s = suite_create ("f2fsignal");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_needs_a_room);
  tcase_add_test (tc, test_unreachable_server_errors);
  tcase_add_test (tc, test_bad_server_uri);
  tcase_add_test (tc, test_unreadable_ca_file);
  tcase_add_test (tc, test_pads);
  tcase_add_test (tc, test_properties);
  return s;
}

GST_CHECK_MAIN (f2fsignal);
