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

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  check_direction (data, size, GST_F2F_DIRECTION_TO_SERVER);
  check_direction (data, size, GST_F2F_DIRECTION_TO_CLIENT);
  return 0;
}
