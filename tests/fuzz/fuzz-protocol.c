/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libFuzzer target for the wire protocol parser. For any input, parsing
 * must return a message or an error (never crash), and a message that
 * parsed must serialize to text that parses again to the same text.
 * Build and run: see docs/protocol.md, "Fuzzing".
 */

#include <stdlib.h>
#include <string.h>
#include <gst/f2f/f2f.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

static void
check_direction (const guint8 * data, size_t size, GstF2fDirection direction)
{
  GError *error = NULL;
  GstF2fMessage *msg, *again;
  gchar *text, *text2;

  msg = gst_f2f_message_parse ((const gchar *) data, size, direction, &error);
  if (msg == NULL) {
    /* Every refusal says why, with a code the server can answer with. */
    if (error == NULL || error->domain != GST_F2F_PROTOCOL_ERROR)
      abort ();
    g_error_free (error);
    return;
  }
  text = gst_f2f_message_serialize (msg);
  again = gst_f2f_message_parse (text, strlen (text), direction, &error);
  if (again == NULL)
    abort ();
  text2 = gst_f2f_message_serialize (again);
  if (strcmp (text, text2) != 0)
    abort ();
  g_free (text);
  g_free (text2);
  gst_f2f_message_free (msg);
  gst_f2f_message_free (again);
}

static void
check_peer_messages (const guint8 * data, size_t size)
{
  GstF2fPeerMessage *msg;
  GstF2fTopology *topo;
  GError *error = NULL;
  gchar *dot;

  msg = gst_f2f_peer_message_parse ((const gchar *) data, size, &error);
  if (msg == NULL && error == NULL)
    abort ();
  g_clear_error (&error);
  gst_f2f_peer_message_free (msg);

  topo = gst_f2f_topology_new ("fuzz");
  gst_f2f_topology_set_peer (topo, "me", "Me", GST_F2F_ROLE_CLIENT, TRUE,
      TRUE);
  gst_f2f_topology_set_peer (topo, "p2", "P2", GST_F2F_ROLE_CLIENT, FALSE,
      FALSE);
  gst_f2f_topology_set_peer (topo, "p3", "P3", GST_F2F_ROLE_MIXER, FALSE,
      FALSE);
  if (!gst_f2f_topology_merge_view (topo, "p2", (const gchar *) data, size,
          &error) && error == NULL)
    abort ();
  g_clear_error (&error);
  dot = gst_f2f_topology_to_dot (topo);
  g_free (dot);
  gst_f2f_topology_free (topo);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  check_direction (data, size, GST_F2F_DIRECTION_TO_SERVER);
  check_direction (data, size, GST_F2F_DIRECTION_TO_CLIENT);
  check_peer_messages (data, size);
  return 0;
}
