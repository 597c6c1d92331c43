/* f2f-signaling-client
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A small command-line peer for f2f-signaling-server: it joins a room,
 * prints what happens there one line per event, greets the peers it finds
 * with an app message, and leaves after a while. For trying a server out
 * and for scripts; media peers are f2fsignal's job.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <gst/f2f/f2f.h>

typedef struct
{
  GMainLoop *loop;
  SoupWebsocketConnection *ws;
  gchar *room, *name, *password;
  gboolean greet;
  gint stay_s;
  gint exit_code;
  gchar *my_id;
  guint ping_source;
} Client;

static void
say (const gchar * format, ...) G_GNUC_PRINTF (1, 2);

static void
say (const gchar * format, ...)
{
  va_list args;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *stamp = g_date_time_format (now, "%H:%M:%S.%f");
  g_autofree gchar *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  /* %f is microseconds: keep milliseconds */
  stamp[12] = '\0';
  printf ("%s %s\n", stamp, text);
  fflush (stdout);
}

static void
send_msg (Client * c, GstF2fMessage * msg)
{
  g_autofree gchar *text = gst_f2f_message_serialize (msg);

  soup_websocket_connection_send_text (c->ws, text);
  gst_f2f_message_free (msg);
}

static gboolean
ping_cb (gpointer data)
{
  Client *c = data;

  send_msg (c, gst_f2f_message_new (GST_F2F_MESSAGE_PING));
  return G_SOURCE_CONTINUE;
}

static gboolean
leave_cb (gpointer data)
{
  Client *c = data;

  say ("%s leaves the room", c->name);
  send_msg (c, gst_f2f_message_new (GST_F2F_MESSAGE_LEAVE));
  return G_SOURCE_REMOVE;
}

static void
on_message (SoupWebsocketConnection * ws, gint type, GBytes * bytes,
    Client * c)
{
  g_autoptr (GstF2fMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);
  guint i;

  msg = gst_f2f_message_parse (data, len, GST_F2F_DIRECTION_TO_CLIENT, &error);
  if (msg == NULL) {
    say ("ignoring a malformed frame from the server: %s", error->message);
    return;
  }

  switch (msg->type) {
    case GST_F2F_MESSAGE_WELCOME:
      c->my_id = g_strdup (msg->peer_id);
      {
        GString *peers = g_string_new (NULL);
        for (i = 0; i < msg->peers->len; i++) {
          GstF2fPeerInfo *p = g_ptr_array_index (msg->peers, i);
          g_string_append_printf (peers, "%s%s (%s)", i ? ", " : ": ",
              p->name, p->id);
          if (c->greet) {
            g_autofree gchar *hello =
                g_strdup_printf ("hello from %s", c->name);
            send_msg (c, gst_f2f_message_new_app (p->id, hello));
          }
        }
        say ("%s joined room '%s' as %s%s; leader %s; %u peer(s) here%s",
            c->name, msg->room, msg->peer_id,
            msg->protected ? " (password-protected)" : "", msg->leader,
            msg->peers->len, peers->str);
        g_string_free (peers, TRUE);
      }
      if (msg->idle_timeout > 0)
        c->ping_source = g_timeout_add_seconds (MAX (1,
                msg->idle_timeout / 3), ping_cb, c);
      if (c->stay_s >= 0)
        g_timeout_add_seconds (c->stay_s, leave_cb, c);
      break;
    case GST_F2F_MESSAGE_ERROR:
      say ("%s: server error %s: %s", c->name,
          gst_f2f_error_code_to_string (msg->code), msg->text ? msg->text : "");
      c->exit_code = 1;
      break;
    case GST_F2F_MESSAGE_PEER_JOINED:
      say ("%s sees %s '%s' join", c->name, msg->peer->id, msg->peer->name);
      break;
    case GST_F2F_MESSAGE_PEER_LEFT:
      say ("%s sees %s leave (%s)", c->name, msg->peer_id,
          gst_f2f_leave_reason_to_string (msg->reason));
      break;
    case GST_F2F_MESSAGE_LEADER_CHANGED:
      say ("%s sees the lead pass to %s%s", c->name, msg->leader,
          g_strcmp0 (msg->leader, c->my_id) == 0 ? " (me)" : "");
      break;
    case GST_F2F_MESSAGE_APP:
      say ("%s got a message from %s: %s", c->name, msg->from, msg->payload);
      break;
    case GST_F2F_MESSAGE_OFFER:
    case GST_F2F_MESSAGE_ANSWER:
    case GST_F2F_MESSAGE_ICE:
      say ("%s got %s from %s", c->name,
          gst_f2f_message_type_to_string (msg->type), msg->from);
      break;
    default:
      break;
  }
}

static void
on_closed (SoupWebsocketConnection * ws, Client * c)
{
  say ("%s: connection closed (%u %s)", c->name,
      soup_websocket_connection_get_close_code (ws),
      soup_websocket_connection_get_close_data (ws) ?
      soup_websocket_connection_get_close_data (ws) : "");
  g_main_loop_quit (c->loop);
}

static void
connected_cb (GObject * source, GAsyncResult * res, gpointer data)
{
  Client *c = data;
  g_autoptr (GError) error = NULL;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res,
      &error);
  if (c->ws == NULL) {
    g_printerr ("f2f-signaling-client: cannot connect: %s\n", error->message);
    c->exit_code = 1;
    g_main_loop_quit (c->loop);
    return;
  }
  g_signal_connect (c->ws, "message", G_CALLBACK (on_message), c);
  g_signal_connect (c->ws, "closed", G_CALLBACK (on_closed), c);
  send_msg (c, gst_f2f_message_new_join (c->room, c->name, c->password, NULL));
}

static gboolean
interrupt_cb (gpointer data)
{
  Client *c = data;

  if (c->ws && soup_websocket_connection_get_state (c->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    leave_cb (c);
  else
    g_main_loop_quit (c->loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  Client c = { 0, };
  g_autofree gchar *server = g_strdup ("ws://127.0.0.1:8443/ws");
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  GOptionEntry entries[] = {
    {"server", 's', 0, G_OPTION_ARG_STRING, &server,
        "Server URI (default ws://127.0.0.1:8443/ws)", "URI"},
    {"room", 'r', 0, G_OPTION_ARG_STRING, &c.room, "Room to join", "ROOM"},
    {"name", 'n', 0, G_OPTION_ARG_STRING, &c.name, "Display name", "NAME"},
    {"password", 'p', 0, G_OPTION_ARG_STRING, &c.password,
        "Room password", "PASSWORD"},
    {"greet", 'g', 0, G_OPTION_ARG_NONE, &c.greet,
        "Send a hello to every peer already in the room", NULL},
    {"stay", 0, 0, G_OPTION_ARG_INT, &c.stay_s,
        "Leave after SECONDS (default: stay until interrupted)", "SECONDS"},
    {NULL}
  };

  c.stay_s = -1;
  ctx = g_option_context_new ("- join an f2f room and print what happens");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("f2f-signaling-client: %s\n", error->message);
    return 2;
  }
  if (c.room == NULL || c.name == NULL) {
    g_printerr ("f2f-signaling-client: --room and --name are required\n");
    return 2;
  }

  c.loop = g_main_loop_new (NULL, FALSE);
  session = soup_session_new ();
  msg = soup_message_new (SOUP_METHOD_GET, server);
  if (msg == NULL) {
    g_printerr ("f2f-signaling-client: '%s' is not a valid URI\n", server);
    return 2;
  }
  soup_session_websocket_connect_async (session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, connected_cb, &c);
  g_unix_signal_add (SIGINT, interrupt_cb, &c);
  g_unix_signal_add (SIGTERM, interrupt_cb, &c);
  g_main_loop_run (c.loop);

  if (c.ping_source)
    g_source_remove (c.ping_source);
  g_clear_object (&c.ws);
  g_main_loop_unref (c.loop);
  g_free (c.my_id);
  g_free (c.room);
  g_free (c.name);
  g_free (c.password);
  return c.exit_code;
}
