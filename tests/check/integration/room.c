/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Rooms of real peer processes (f2fsignal pipelines) around a real
 * f2f-signaling-server, on loopback in a private network namespace.
 * What is checked is what a person in the room would notice: every peer
 * decodes video and audio from every other, departures are seen, chat
 * arrives intact, errors say what went wrong.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <libsoup/soup.h>
#include <gst/app/gstappsink.h>
#include <gst/f2f/f2f.h>

#include "f2froomtest.h"

/* check's timeout for each test, in seconds */
#define TIMEOUT_S 300

/* Frames each peer must decode from each other peer: about a second of
 * video at the tests' 10 fps, half a second of 20 ms audio frames. */
#define FRAMES 10

typedef struct
{
  GPtrArray *peers;
  guint64 frames;
} AllDecode;

static gboolean
all_decode (gpointer data)
{
  AllDecode *d = data;

  return f2f_test_all_decode (d->peers, d->frames);
}

static gchar *
describe (GPtrArray * peers)
{
  GString *s = g_string_new (NULL);
  guint i, j;

  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    g_string_append_printf (s, "\n  %s (%s)%s%s:", p->name, p->peer_id,
        p->error ? " error: " : "", p->error ? p->error : "");
    for (j = 0; j < peers->len; j++) {
      TestPeer *q = g_ptr_array_index (peers, j);
      if (p != q)
        g_string_append_printf (s, " %s v%" G_GUINT64_FORMAT " a%"
            G_GUINT64_FORMAT " (%s)", q->name, f2f_test_peer_video_from (p,
                q->peer_id), f2f_test_peer_audio_from (p, q->peer_id),
            f2f_test_peer_link_state (p, q->peer_id));
    }
  }
  return g_string_free (s, FALSE);
}

/* Fails the test, with what every peer got from every other, unless every
 * peer of @peers decodes FRAMES of everyone else within @timeout_ms. */
static void
expect_all_decode (GPtrArray * peers, guint timeout_ms, const gchar * what)
{
  AllDecode d = { peers, FRAMES };

  if (!f2f_test_wait (all_decode, &d, timeout_ms)) {
    g_autofree gchar *state = describe (peers);
    fail ("%s:%s", what, state);
  }
}

/* @n peers named @prefix1..@prefixN in @room, each with the f2fsignal
 * properties @extra (or NULL). */
static GPtrArray *
start_room_with (TestServer * server, const gchar * room,
    const gchar * prefix, guint n, const gchar * extra)
{
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  guint i;

  for (i = 0; i < n; i++) {
    g_autofree gchar *name = g_strdup_printf ("%s%u", prefix, i + 1);
    g_ptr_array_add (peers, f2f_test_peer_start (server, room, name, i,
            extra));
  }
  return peers;
}

static GPtrArray *
start_room (TestServer * server, const gchar * room, guint n)
{
  return start_room_with (server, room, "P", n, NULL);
}

static gboolean
all_exited (gpointer data)
{
  GPtrArray *peers = data;
  guint i;

  for (i = 0; i < peers->len; i++)
    if (!((TestPeer *) g_ptr_array_index (peers, i))->exited)
      return FALSE;
  return TRUE;
}

/* Everyone quits at the same moment, so each peer sees the others leave
 * while its own pipeline is stopping: all must exit, cleanly. (A link torn
 * down while its network sink was PAUSED used to hang both.) */
static void
quit_all (GPtrArray * peers)
{
  guint i;

  for (i = 0; i < peers->len; i++)
    f2f_test_peer_send (g_ptr_array_index (peers, i), "quit");
  if (!f2f_test_wait (all_exited, peers, 15000)) {
    GString *stuck = g_string_new (NULL);
    for (i = 0; i < peers->len; i++) {
      TestPeer *p = g_ptr_array_index (peers, i);
      if (!p->exited)
        g_string_append_printf (stuck, " %s", p->name);
    }
    fail ("peers still running 15 s after all were told to quit:%s",
        stuck->str);
  }
  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    g_subprocess_wait (p->proc, NULL, NULL);
    if (!g_subprocess_get_if_exited (p->proc)
        || g_subprocess_get_exit_status (p->proc) != 0) {
      /* CI keeps the failure line: say in it how the peer ended */
      g_autofree gchar *end = f2f_test_peer_describe_end (p);
      fail ("%s did not exit cleanly after quit (its first error: %s): %s",
          p->name, p->error ? p->error : "none", end);
    }
  }
}

/* Every link of every peer said, as it connected, where its setup went
 * (f2f-link-state's description-ms, ice-ms, setup-ms), in the order it
 * goes: the remote description, then ICE, then the link (ICE and DTLS). */
static void
expect_setup_times (GPtrArray * peers)
{
  guint i, j;

  for (i = 0; i < peers->len; i++)
    for (j = 0; j < peers->len; j++) {
      TestPeer *p = peers->pdata[i], *q = peers->pdata[j];
      const gchar *text;
      gint description, ice, setup;

      if (p == q)
        continue;
      text = g_hash_table_lookup (p->link_setups, q->peer_id);
      fail_unless (text != NULL, "%s's link to %s never said it connected",
          p->name, q->name);
      fail_unless (sscanf (text, "description %d, ICE %d, setup %d ms",
              &description, &ice, &setup) == 3 && description >= 0
          && description <= ice && ice <= setup && setup < 60000,
          "%s's link to %s: setup times out of order or missing: %s",
          p->name, q->name, text);
    }
}

static void
check_full_mesh (guint n, guint timeout_ms)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = start_room (server, "mesh", n);
  AllDecode d = { peers, FRAMES };

  if (!f2f_test_wait (all_decode, &d, timeout_ms)) {
    g_autofree gchar *state = describe (peers);
    f2f_test_print_peer_stacks (peers);
    fail ("not every peer decoded %d frames of video and audio from every "
        "other within %u ms:%s", FRAMES, timeout_ms, state);
  }
  expect_setup_times (peers);
  quit_all (peers);
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_START_TEST (test_two_peers)
{
  check_full_mesh (2, 15000);
}

GST_END_TEST;

GST_START_TEST (test_three_peers)
{
  check_full_mesh (3, 20000);
}

GST_END_TEST;

/* H.264 instead of VP8, where an encoder and a decoder are installed. */
GST_START_TEST (test_two_peers_h264)
{
  GstElementFactory *enc = gst_element_factory_find ("x264enc");
  GstElementFactory *dec = gst_element_factory_find ("avdec_h264");
  TestServer *server;
  GPtrArray *peers;

  if (enc == NULL || dec == NULL) {
    g_print ("SKIP test_two_peers_h264: x264enc or avdec_h264 missing\n");
    gst_clear_object (&enc);
    gst_clear_object (&dec);
    return;
  }
  gst_object_unref (enc);
  gst_object_unref (dec);

  server = f2f_test_server_start (0, NULL);
  peers = start_room_with (server, "h264", "H", 2, "video-codec=h264");
  expect_all_decode (peers, 20000, "H.264 peers did not decode each other");
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

/* The wan profile (200 ms jitterbuffer) talks to the lan default. */
GST_START_TEST (test_wan_profile)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);

  g_ptr_array_add (peers, f2f_test_peer_start (server, "wan", "Far", 0,
          "latency-profile=wan"));
  g_ptr_array_add (peers, f2f_test_peer_start (server, "wan", "Near", 1,
          NULL));
  expect_all_decode (peers, 20000,
      "a wan-profile peer and a lan one did not decode each other");
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

GST_START_TEST (test_six_peers)
{
  check_full_mesh (6, 45000);
}

GST_END_TEST;

static gboolean
no_error (GPtrArray * peers, gchar ** why)
{
  guint i;

  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    if (p->error) {
      *why = g_strdup_printf ("%s: %s", p->name, p->error);
      return FALSE;
    }
  }
  return TRUE;
}

/* Five peers started at the same moment, again and again: every directed
 * link carries media, nobody errors (no glare, no negotiation failure). */
GST_START_TEST (test_simultaneous_join)
{
  const gchar *env = g_getenv ("F2F_STRESS_REPETITIONS");
  guint reps = env ? atoi (env) : 10, r;

  for (r = 0; r < reps; r++) {
    TestServer *server = f2f_test_server_start (0, NULL);
    GPtrArray *peers = start_room (server, "rush", 5);
    AllDecode d = { peers, 3 };
    g_autofree gchar *why = NULL;
    guint i;

    if (!f2f_test_wait (all_decode, &d, 30000)) {
      g_autofree gchar *state = describe (peers);
      f2f_test_print_peer_stacks (peers);
      fail ("repetition %u: not every link carried media:%s", r + 1, state);
    }
    fail_unless (no_error (peers, &why), "repetition %u: %s", r + 1, why);
    for (i = 0; i < peers->len; i++) {
      TestPeer *p = g_ptr_array_index (peers, i);
      guint j;
      /* A link that never came up is retried after link-timeout (10 s; in
       * about one room of a few hundred, cause unknown): within the 30 s
       * above that is recovery, not glare, and it is reported. Any other
       * failure (a refused description, ICE failing) is a test failure. */
      for (j = 0; j < p->failures->len; j++) {
        const gchar *reason = g_ptr_array_index (p->failures, j);
        if (!g_str_has_prefix (reason, "not connected after")) {
          /* e.g. a heartbeat timeout: a peer may have stalled */
          f2f_test_print_peer_stacks (peers);
          fail ("repetition %u, %s: a link failed: %s", r + 1, p->name,
              reason);
        }
        g_print ("repetition %u, %s: a link was retried: %s\n", r + 1,
            p->name, reason);
      }
      /* No critical or warning, but the one of 1.22.0's rtpsession race
       * on its RTCP thread (fixed upstream, docs/architecture.md), which is
       * printed. (Until 2026-12-06 any critical from outside f2f's own
       * domain was only printed: a new one from GStreamer or GLib, which
       * f2f may well cause, went unnoticed.) */
      for (j = 0; j < p->criticals->len; j++) {
        const gchar *c = g_ptr_array_index (p->criticals, j);
        fail_unless (f2f_test_critical_is_rtpsession_race (c),
            "repetition %u, %s: %s", r + 1, p->name, c);
        g_print ("repetition %u, %s: GStreamer 1.22.0's rtpsession race: "
            "%s\n", r + 1, p->name, c);
      }
    }
    g_ptr_array_unref (peers);
    f2f_test_server_free (server);
  }
}

GST_END_TEST;

typedef struct
{
  TestPeer *p;
  const gchar *from;
  guint64 video, audio;
} Grows;

static gboolean
grows (gpointer data)
{
  Grows *g = data;

  return f2f_test_peer_video_from (g->p, g->from) >= g->video
      && f2f_test_peer_audio_from (g->p, g->from) >= g->audio;
}

static void
expect_growth (TestPeer * p, TestPeer * from, guint64 more, guint timeout_ms)
{
  Grows g = { p, from->peer_id,
    f2f_test_peer_video_from (p, from->peer_id) + more,
    f2f_test_peer_audio_from (p, from->peer_id) + more
  };

  if (!f2f_test_wait (grows, &g, timeout_ms)) {
    GstStructure *rate = g_hash_table_lookup (p->link_bitrate, from->peer_id);
    GstStructure *back = g_hash_table_lookup (from->link_bitrate, p->peer_id);
    g_autofree gchar *rate_s = rate ? gst_structure_to_string (rate) : NULL;
    g_autofree gchar *back_s = back ? gst_structure_to_string (back) : NULL;
    GString *fails = g_string_new (NULL);
    guint i;

    for (i = 0; i < p->failures->len; i++)
      g_string_append_printf (fails, "%s%s", i ? "; " : "",
          (gchar *) p->failures->pdata[i]);
    for (i = 0; i < from->warnings->len; i++)
      g_string_append_printf (fails, "; %s warned: %s", from->name,
          (gchar *) from->warnings->pdata[i]);
    for (i = 0; i < p->warnings->len; i++)
      g_string_append_printf (fails, "; %s warned: %s", p->name,
          (gchar *) p->warnings->pdata[i]);

    fail ("%s stopped receiving from %s (video %" G_GUINT64_FORMAT "/%"
        G_GUINT64_FORMAT ", audio %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
        "; link %s/%s; failures: %s; %s's rate: %s; %s's rate: %s)",
        p->name, from->name, f2f_test_peer_video_from (p, from->peer_id),
        g.video, f2f_test_peer_audio_from (p, from->peer_id), g.audio,
        f2f_test_peer_link_state (p, from->peer_id),
        f2f_test_peer_link_state (from, p->peer_id), fails->str, p->name,
        rate_s ? rate_s : "none", from->name, back_s ? back_s : "none");
  }
}

/* One peer leaves cleanly, one is SIGKILLed: the others see both go within
 * 5 s and keep receiving from each other; the killed one comes back. */
GST_START_TEST (test_leave_and_kill)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = start_room (server, "churn", 4);
  TestPeer *a = peers->pdata[0], *b = peers->pdata[1];
  TestPeer *leaver = peers->pdata[2], *victim = peers->pdata[3];
  g_autofree gchar *leaver_id = NULL, *victim_id = NULL;
  AllDecode d = { peers, FRAMES };
  F2fTestSeesLeft s;
  guint i;

  fail_unless (f2f_test_wait (all_decode, &d, 30000), "room did not form");
  leaver_id = g_strdup (leaver->peer_id);
  victim_id = g_strdup (victim->peer_id);

  fail_unless (f2f_test_peer_quit (leaver, 20000), "quit did not end it");
  fail_unless_equals_int (leaver->exit_status, 0);
  f2f_test_peer_kill (victim);

  for (i = 0; i < 2; i++) {
    TestPeer *w = i ? b : a;
    s.watcher = w;
    s.id = leaver_id;
    fail_unless (f2f_test_wait (f2f_test_sees_left, &s, 5000),
        "%s did not see the leaver go within 5 s", w->name);
    s.id = victim_id;
    fail_unless (f2f_test_wait (f2f_test_sees_left, &s, 5000),
        "%s did not see the killed peer go within 5 s", w->name);
  }
  expect_growth (a, b, 20, 5000);
  expect_growth (b, a, 20, 5000);
  /* A peer that is going is not reconnected to: its link may break (its
   * SCTP association aborts as its pipeline stops, the kernel refuses
   * packets to a dead process) a few ms before the server says it left. */
  for (i = 0; i < 2; i++) {
    TestPeer *w = i ? b : a;
    guint j;

    for (j = 0; j < w->warnings->len; j++) {
      const gchar *text = g_ptr_array_index (w->warnings, j);
      fail_if (strstr (text, "rebuilding") && (strstr (text, "'P3'")
              || strstr (text, "'P4'")), "%s rebuilt a link to a peer that "
          "was leaving: %s", w->name, text);
    }
  }

  /* The killed peer, restarted, is seen and heard again. */
  g_ptr_array_remove_index (peers, 3);
  g_ptr_array_remove_index (peers, 2);
  g_ptr_array_add (peers, f2f_test_peer_start (server, "churn", "P4again", 3,
          NULL));
  fail_unless (f2f_test_wait (all_decode, &d, 30000),
      "the restarted peer did not rejoin the media");

  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

typedef struct
{
  TestPeer *a, *b;
  const gchar *old;
} NewLeader;

static gboolean
new_leader (gpointer data)
{
  NewLeader *n = data;

  return n->a->leader && n->b->leader && strcmp (n->a->leader, n->old) != 0
      && strcmp (n->a->leader, n->b->leader) == 0;
}

/* The room's leader is killed: within 5 s both others post
 * f2f-leader-changed naming the same one of them, and they go on hearing
 * each other. */
GST_START_TEST (test_leader_killed)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = start_room (server, "lead", 3);
  AllDecode d = { peers, FRAMES };
  TestPeer *leader = NULL, *a = NULL, *b = NULL;
  g_autofree gchar *old = NULL;
  NewLeader n;
  guint i;

  fail_unless (f2f_test_wait (all_decode, &d, 30000), "room did not form");
  /* the last to join heard who leads in its welcome */
  old = g_strdup (((TestPeer *) peers->pdata[2])->leader);
  fail_unless (old != NULL, "f2f-joined named no leader");
  for (i = 0; i < peers->len; i++) {
    TestPeer *p = peers->pdata[i];
    if (g_strcmp0 (p->peer_id, old) == 0)
      leader = p;
    else if (a == NULL)
      a = p;
    else
      b = p;
  }
  fail_unless (leader != NULL && a && b, "the leader %s is not in the room",
      old);

  f2f_test_peer_kill (leader);
  n.a = a;
  n.b = b;
  n.old = old;
  fail_unless (f2f_test_wait (new_leader, &n, 5000), "no new leader within "
      "5 s: %s says %s, %s says %s", a->name, a->leader, b->name, b->leader);
  fail_unless (strcmp (a->leader, a->peer_id) == 0
      || strcmp (a->leader, b->peer_id) == 0, "the new leader %s is not one "
      "of the two left", a->leader);
  fail_unless (a->leader_changes > 0 && b->leader_changes > 0);
  expect_growth (a, b, 20, 5000);
  expect_growth (b, a, 20, 5000);

  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

static gboolean
all_reconnected (gpointer data)
{
  GPtrArray *peers = data;
  guint i;

  for (i = 0; i < peers->len; i++)
    if (((TestPeer *) peers->pdata[i])->joins < 2)
      return FALSE;
  return TRUE;
}

/* The server goes away during a call: media keeps flowing peer to peer,
 * and the peers rejoin the restarted server with the ids they had. */
GST_START_TEST (test_server_restart)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = start_room (server, "phoenix", 3);
  TestPeer *a = peers->pdata[0], *b = peers->pdata[1];
  AllDecode d = { peers, FRAMES };
  g_autofree gchar *a_id = NULL;
  guint port = server->port;
  gchar *extra[] = { NULL };

  fail_unless (f2f_test_wait (all_decode, &d, 30000), "room did not form");
  a_id = g_strdup (a->peer_id);

  f2f_test_server_stop (server, FALSE);
  expect_growth (a, b, 20, 5000);
  expect_growth (b, a, 20, 5000);

  f2f_test_server_free (server);
  server = f2f_test_server_start (port, (const gchar * const *) extra);
  fail_unless (f2f_test_wait (all_reconnected, peers, 10000),
      "the peers did not rejoin the restarted server");
  fail_unless_equals_string (a->peer_id, a_id);
  expect_growth (a, b, 20, 5000);

  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

typedef struct
{
  TestPeer *p;
  guint n;
} HasChats;

static gboolean
has_chats (gpointer data)
{
  HasChats *h = data;

  return h->p->chats->len >= h->n;
}

GST_START_TEST (test_chat)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = start_room (server, "talk", 3);
  AllDecode d = { peers, 3 };
  const gchar *texts[] = { "héllo 👋 <b>not bold</b> & 'quotes'",
    "second; with \"double\" quotes", "third: <script>x</script>"
  };
  guint i, j;

  fail_unless (f2f_test_wait (all_decode, &d, 30000), "room did not form");
  for (i = 0; i < G_N_ELEMENTS (texts); i++) {
    g_autofree gchar *cmd = g_strdup_printf ("chat %s", texts[i]);
    f2f_test_peer_send (peers->pdata[0], cmd);
  }
  for (i = 1; i < 3; i++) {
    TestPeer *p = peers->pdata[i];
    HasChats h = { p, G_N_ELEMENTS (texts) };
    fail_unless (f2f_test_wait (has_chats, &h, 5000),
        "%s got %u of %u chat messages", p->name, p->chats->len, h.n);
    for (j = 0; j < G_N_ELEMENTS (texts); j++) {
      g_autofree gchar *want = g_strdup_printf ("P1|%s", texts[j]);
      fail_unless_equals_string (g_ptr_array_index (p->chats, j), want);
    }
  }
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

typedef struct
{
  TestPeer *p;
  guint yes, no;
} Answered;

static gboolean
answered (gpointer data)
{
  Answered *a = data;

  return a->p->sent_yes > a->yes || a->p->sent_no > a->no;
}

static gboolean
has_room_message (gpointer data)
{
  return ((TestPeer *) data)->room_messages->len > 0;
}

/* A sibling element's view: the room object found through the GstContext
 * sends on a named data channel, opened in-band on first use, and the other
 * peer's room object delivers exactly that, from exactly that peer. */
GST_START_TEST (test_room_object_channels)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = start_room (server, "objects", 2);
  TestPeer *a = peers->pdata[0], *b = peers->pdata[1];
  AllDecode d = { peers, 3 };
  g_autofree gchar *cmd = NULL, *want = NULL;
  gint64 deadline;

  fail_unless (f2f_test_wait (all_decode, &d, 30000), "room did not form");
  cmd = g_strdup_printf ("send %s files héllo, files", b->peer_id);
  /* the first send opens the channel; send until it is open */
  deadline = f2f_test_deadline_ms (10000);
  while (a->sent_yes == 0) {
    Answered an = { a, a->sent_yes, a->sent_no };
    fail_unless (g_get_monotonic_time () < deadline,
        "the files channel never opened");
    f2f_test_peer_send (a, cmd);
    fail_unless (f2f_test_wait (answered, &an, 5000), "no answer to send");
    if (a->sent_yes == 0)
      f2f_test_wait ((gboolean (*)(gpointer)) has_room_message, b, 100);
  }
  fail_unless (f2f_test_wait (has_room_message, b, 5000),
      "nothing arrived on the files channel");
  want = g_strdup_printf ("%s files héllo, files", a->peer_id);
  fail_unless_equals_string (g_ptr_array_index (b->room_messages, 0), want);
  /* chat is not the room object's: nothing from the control channel */
  fail_unless_equals_int (b->room_messages->len, 1);

  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

typedef struct
{
  TestPeer *p;
  gchar *name;
} HasPad;

static gboolean
has_pad (gpointer data)
{
  HasPad *h = data;
  guint i;

  for (i = 0; i < h->p->pads->len; i++)
    if (g_str_equal (g_ptr_array_index (h->p->pads, i), h->name))
      return TRUE;
  return FALSE;
}

static gboolean
no_pad (gpointer data)
{
  return !has_pad (data);
}

/* room-view=per-peer: each remote peer's video and audio on pads named
 * after it, decoded; they go when the peer does. */
GST_START_TEST (test_per_peer_view)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  AllDecode d = { peers, FRAMES };
  guint i, j;

  for (i = 0; i < 2; i++) {
    g_autofree gchar *name = g_strdup_printf ("V%u", i + 1);
    g_ptr_array_add (peers, f2f_test_peer_start (server, "views", name, i,
            "room-view=per-peer"));
  }
  fail_unless (f2f_test_wait (all_decode, &d, 20000), "no media");
  for (i = 0; i < 2; i++) {
    TestPeer *p = peers->pdata[i], *q = peers->pdata[1 - i];
    for (j = 0; j < 2; j++) {
      HasPad h = { p, g_strdup_printf ("%s_src_%s", j ? "audio" : "video",
            q->peer_id)
      };
      fail_unless (f2f_test_wait (has_pad, &h, 5000), "%s has no pad %s",
          p->name, h.name);
      g_free (h.name);
    }
  }
  /* a peer leaves: its pads go, nothing else does */
  {
    TestPeer *p = peers->pdata[0], *q = peers->pdata[1];
    guint before = p->pads->len;
    HasPad hv = { p, g_strdup_printf ("video_src_%s", q->peer_id) };
    HasPad ha = { p, g_strdup_printf ("audio_src_%s", q->peer_id) };

    fail_unless (f2f_test_peer_quit (q, 20000));
    /* the two pads go one after the other: wait for both */
    fail_unless (f2f_test_wait (no_pad, &hv, 5000), "%s kept %s", p->name,
        hv.name);
    fail_unless (f2f_test_wait (no_pad, &ha, 5000), "%s kept %s", p->name,
        ha.name);
    fail_unless_equals_int (p->pads->len, before - 2);
    g_free (hv.name);
    g_free (ha.name);
  }
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

typedef struct
{
  const gchar *path;
  const gchar *want;
} FileHas;

static gboolean
file_has (gpointer data)
{
  FileHas *f = data;
  g_autofree gchar *contents = NULL;

  return g_file_get_contents (f->path, &contents, NULL, NULL)
      && strstr (contents, f->want) != NULL;
}

/* Chat comes out of text_src as "Name: text", for textoverlay. */
GST_START_TEST (test_chat_text_pad)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  g_autofree gchar *dir = g_dir_make_tmp ("f2f-chat-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "chat.txt", NULL);
  g_autofree gchar *extra = g_strdup_printf ("s.text_src ! filesink "
      "buffer-mode=unbuffered location=%s", path);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  AllDecode d = { peers, 3 };
  FileHas f = { path, "T1: written <i>as is</i>" };

  g_ptr_array_add (peers, f2f_test_peer_start (server, "text", "T1", 0,
          NULL));
  g_ptr_array_add (peers, f2f_test_peer_start (server, "text", "T2", 1,
          extra));
  fail_unless (f2f_test_wait (all_decode, &d, 20000), "no media");
  f2f_test_peer_send (peers->pdata[0], "chat written <i>as is</i>");
  fail_unless (f2f_test_wait (file_has, &f, 5000),
      "the chat line did not come out of text_src");

  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
  g_unlink (path);
  g_rmdir (dir);
}

GST_END_TEST;

typedef struct
{
  TestPeer *p;
  guint nodes;
  gboolean need_traffic;
} TopologyIs;

/* The peer's latest graph has @nodes peers, the full mesh of links between
 * them (its own and those the others reported), and (if asked) traffic
 * both ways on every link. */
static gboolean
topology_is (gpointer data)
{
  TopologyIs *t = data;
  const GValue *nodes, *links;
  guint i;

  if (t->p->topology == NULL)
    return FALSE;
  nodes = gst_structure_get_value (t->p->topology, "nodes");
  links = gst_structure_get_value (t->p->topology, "links");
  if (nodes == NULL || links == NULL
      || gst_value_list_get_size (nodes) != t->nodes
      || gst_value_list_get_size (links) != t->nodes * (t->nodes - 1) / 2)
    return FALSE;
  for (i = 0; t->need_traffic && i < gst_value_list_get_size (links); i++) {
    const GstStructure *l =
        gst_value_get_structure (gst_value_list_get_value (links, i));
    guint64 ab = 0, ba = 0;
    gst_structure_get_uint64 (l, "a-to-b-bitrate", &ab);
    gst_structure_get_uint64 (l, "b-to-a-bitrate", &ba);
    if (ab == 0 || ba == 0
        || g_strcmp0 (gst_structure_get_string (l, "state"), "connected"))
      return FALSE;
  }
  return TRUE;
}

/* f2ftopology beside f2fsignal in every peer: each draws the whole room
 * (its links and the ones the others report) with live bitrates, as bus
 * messages and DOT files that Graphviz accepts; a departure shows. */
GST_START_TEST (test_topology)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  g_autofree gchar *dir = g_dir_make_tmp ("f2f-topo-XXXXXX", NULL);
  g_autofree gchar *extra = g_strdup_printf ("f2ftopology "
      "location=%s/room-%%05d.dot interval=300", dir);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  AllDecode d = { peers, 3 };
  TopologyIs full = { NULL, 3, TRUE }, after = { NULL, 2, FALSE };
  const gchar *path;
  g_autofree gchar *dot_bin = g_find_program_in_path ("dot");
  guint i;

  for (i = 0; i < 3; i++) {
    g_autofree gchar *name = g_strdup_printf ("G%u", i + 1);
    g_autofree gchar *other = i == 2 ?
        g_strdup_printf ("f2ftopology interval=300 format=svg "
        "location=%s/%s-%%05d.svg", dir, name) :
        g_strdup_printf ("f2ftopology interval=300 location=%s/%s-%%05d.dot",
        dir, name);
    g_ptr_array_add (peers, f2f_test_peer_start (server, "graph", name, i,
            i == 0 ? extra : other));
  }
  fail_unless (f2f_test_wait (all_decode, &d, 30000), "room did not form");
  /* every peer draws the whole room */
  for (i = 0; i < 3; i++) {
    full.p = peers->pdata[i];
    fail_unless (f2f_test_wait (topology_is, &full, 10000),
        "%s: no graph of 3 peers and 3 links with traffic on each",
        full.p->name);
    path = gst_structure_get_string (full.p->topology, "location");
    fail_unless (path && g_file_test (path, G_FILE_TEST_EXISTS),
        "%s wrote no file", full.p->name);
    if (dot_bin && i < 2) {
      g_autofree gchar *cmd = g_strdup_printf ("dot -Tsvg -o /dev/null %s",
          path);
      gint status;
      fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status,
              NULL) && g_spawn_check_wait_status (status, NULL),
          "dot refused %s", path);
    }
  }
  after.p = peers->pdata[0];

  /* format=svg: Graphviz drew the third peer's files */
  {
    g_autofree gchar *svg = g_build_filename (dir, "G3-00001.svg", NULL);
    g_autofree gchar *contents = NULL;
    fail_unless (g_file_get_contents (svg, &contents, NULL, NULL),
        "no %s", svg);
    fail_unless (strstr (contents, "<svg") != NULL, "%s is not SVG", svg);
  }

  fail_unless (f2f_test_peer_quit (peers->pdata[1], 20000));
  fail_unless (f2f_test_wait (topology_is, &after, 10000),
      "the graph did not lose the peer that left");

  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
  {
    GDir *d2 = g_dir_open (dir, 0, NULL);
    const gchar *f;
    while (d2 && (f = g_dir_read_name (d2))) {
      g_autofree gchar *p = g_build_filename (dir, f, NULL);
      g_unlink (p);
    }
    if (d2)
      g_dir_close (d2);
    g_rmdir (dir);
  }
}

GST_END_TEST;

/* Pulls one GRAY8 frame from @sink within @ms; its checksum and how many
 * grey levels it spans (a blank picture spans none). */
static gboolean
pull_frame (GstElement * sink, guint ms, gchar ** checksum, guint * span)
{
  gint64 deadline = f2f_test_deadline_ms (ms);

  while (g_get_monotonic_time () < deadline) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        100 * GST_MSECOND);
    GstMapInfo map;
    guint8 lo = 255, hi = 0;
    gsize i;

    /* keep the test's own main context turning for the peer processes */
    while (g_main_context_iteration (NULL, FALSE));
    if (sample == NULL)
      continue;
    gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
    for (i = 0; i < map.size; i++) {
      lo = MIN (lo, map.data[i]);
      hi = MAX (hi, map.data[i]);
    }
    *checksum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, map.data,
        map.size);
    *span = hi - lo;
    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
    gst_sample_unref (sample);
    return TRUE;
  }
  return FALSE;
}

typedef struct
{
  GstBus *bus;
  guint nodes;
} BusTopology;

/* TRUE once an f2f-topology message with @nodes nodes came on @bus. */
static gboolean
bus_topology_has (gpointer data)
{
  BusTopology *b = data;
  GstMessage *msg;
  gboolean found = FALSE;

  while ((msg = gst_bus_pop_filtered (b->bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "f2f-topology")
        && gst_value_list_get_size (gst_structure_get_value (s,
                "nodes")) == b->nodes)
      found = TRUE;
    gst_message_unref (msg);
  }
  return found;
}

/* A pipeline of an in-process peer T in @room (a small test pattern, its
 * room view discarded) beside the f2ftopology of @topology. */
static GstElement *
topology_pipeline (TestServer * server, const gchar * room,
    const gchar * topology)
{
  g_autofree gchar *desc = g_strdup_printf ("f2fsignal name=s server-uri=%s "
      "room=%s display-name=T local-addresses=127.0.0.1 "
      "videotestsrc is-live=true ! video/x-raw,width=160,height=120,"
      "framerate=10/1 ! s.video_sink s.video_src ! fakesink async=false %s",
      server->uri, room, topology);

  return gst_parse_launch (desc, NULL);
}

/* f2ftopology's video pad: live frames of the graph, not blank, and a
 * different picture when the room changes. */
GST_START_TEST (test_topology_video)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GstElement *pipeline = topology_pipeline (server, "picture",
      "f2ftopology name=t interval=300 width=320 height=180 t.video_src ! "
      "videoconvert ! video/x-raw,format=GRAY8 ! appsink name=sink "
      "max-buffers=1 drop=true sync=false");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  TestPeer *p2, *p3;
  BusTopology two = { bus, 2 }, three = { bus, 3 };
  g_autofree gchar *before = NULL, *after = NULL;
  guint span = 0;

  fail_unless (pipeline != NULL && sink != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  p2 = f2f_test_peer_start (server, "picture", "P2", 1, NULL);
  fail_unless (f2f_test_wait (bus_topology_has, &two, 20000),
      "no graph of 2 peers");
  fail_unless (pull_frame (sink, 5000, &before, &span), "no video frame");
  fail_unless (span > 64, "the graph's picture is blank (span %u)", span);

  p3 = f2f_test_peer_start (server, "picture", "P3", 2, NULL);
  fail_unless (f2f_test_wait (bus_topology_has, &three, 20000),
      "no graph of 3 peers");
  /* the picture of the new graph arrives within an update or two */
  {
    gint64 deadline = f2f_test_deadline_ms (5000);
    do {
      g_clear_pointer (&after, g_free);
      fail_unless (pull_frame (sink, 2000, &after, &span), "video stopped");
    } while (g_strcmp0 (before, after) == 0
        && g_get_monotonic_time () < deadline);
  }
  fail_if (g_strcmp0 (before, after) == 0,
      "the picture did not change when a peer joined");
  fail_unless (span > 64);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  f2f_test_peer_free (p3);
  f2f_test_peer_free (p2);
  f2f_test_server_free (server);
}

GST_END_TEST;

typedef struct
{
  GstBus *bus;
  guint connected;              /* f2f-link-state connected messages seen */
} BusLinks;

static gboolean
bus_links_connected (gpointer data)
{
  BusLinks *b = data;
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (b->bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "f2f-link-state")
        && g_strcmp0 (gst_structure_get_string (s, "state"), "connected")
        == 0)
      b->connected++;
    gst_message_unref (msg);
  }
  return b->connected >= 2;
}

static gboolean
thread_done (gpointer data)
{
  return g_atomic_int_get ((gint *) data) != 0;
}

static gpointer
stop_and_flag (gpointer data)
{
  gpointer *args = data;

  gst_element_set_state (args[0], GST_STATE_NULL);
  g_atomic_int_set ((gint *) args[1], 1);
  return NULL;
}

/* Leaving a room while f2ftopology samples every link all the time. A
 * sample asks webrtcbin for statistics; webrtcbin 1.22 never answers a
 * request that was still queued when it closed, and a sampler that waited
 * for ever kept the pipeline from reaching NULL (seen once in CI). Each of
 * several stops must finish within 10 s. */
GST_START_TEST (test_topology_stop_while_sampling)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GstElement *pipeline = topology_pipeline (server, "sampled",
      "f2ftopology name=t interval=1 t.video_src ! fakesink async=false");
  GstBus *bus = gst_element_get_bus (pipeline);
  TestPeer *p2 = f2f_test_peer_start (server, "sampled", "P2", 1, NULL);
  TestPeer *p3 = f2f_test_peer_start (server, "sampled", "P3", 2, NULL);
  guint round;

  fail_unless (pipeline != NULL);
  for (round = 0; round < 5; round++) {
    BusLinks links = { bus, 0 };
    gint stopped = 0;
    gpointer args[2] = { pipeline, &stopped };
    GThread *thread;

    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    fail_unless (f2f_test_wait (bus_links_connected, &links, 20000),
        "round %u: the links did not connect", round);
    thread = g_thread_new ("stop", stop_and_flag, args);
    fail_unless (f2f_test_wait (thread_done, &stopped, 10000),
        "round %u: the pipeline did not reach NULL within 10 s", round);
    g_thread_join (thread);
    gst_bus_set_flushing (bus, TRUE);
    gst_bus_set_flushing (bus, FALSE);
  }

  gst_object_unref (bus);
  gst_object_unref (pipeline);
  f2f_test_peer_free (p3);
  f2f_test_peer_free (p2);
  f2f_test_server_free (server);
}

GST_END_TEST;

typedef struct
{
  GstElement *element;
  GstPad *pad;
  gint done;                    /* (atomic) */
} Release;

static gpointer
release_thread (gpointer data)
{
  Release *r = data;

  gst_element_release_request_pad (r->element, r->pad);
  g_atomic_int_set (&r->done, 1);
  return NULL;
}

static gboolean
has_peer_id (gpointer element)
{
  g_autofree gchar *id = NULL;

  g_object_get (element, "peer-id", &id, NULL);
  return id != NULL;
}

/* An application takes its camera out of a call: releasing video_sink
 * while a peer receives from it returns within 5 s (it waits for the
 * tee's thread to leave each branch, outside f2fsignal's lock), and the
 * call goes on with audio. */
GST_START_TEST (test_release_video_mid_call)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  g_autofree gchar *desc = g_strdup_printf ("f2fsignal name=s server-uri=%s "
      "room=release display-name=T local-addresses=127.0.0.1 "
      "videotestsrc name=cam is-live=true ! capsfilter name=camcaps "
      "caps=video/x-raw,width=160,height=120,framerate=10/1 ! s.video_sink "
      "audiotestsrc is-live=true ! s.audio_sink "
      "s.video_src ! fakesink async=false s.audio_src ! fakesink async=false",
      server->uri);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *s = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  GstElement *cam = gst_bin_get_by_name (GST_BIN (pipeline), "cam");
  GstElement *camcaps = gst_bin_get_by_name (GST_BIN (pipeline), "camcaps");
  GstPad *caps_src = gst_element_get_static_pad (camcaps, "src");
  Release r = { s, gst_pad_get_peer (caps_src), 0 };
  g_autofree gchar *id = NULL;
  TestPeer *p;
  GThread *thread;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  p = f2f_test_peer_start (server, "release", "P", 1, NULL);
  fail_unless (f2f_test_wait (has_peer_id, s, 10000), "T did not join");
  g_object_get (s, "peer-id", &id, NULL);
  {
    Grows g = { p, id, 10, 10 };
    fail_unless (f2f_test_wait (grows, &g, 20000), "P got no media from T");
  }

  /* the camera stops, then its pad goes */
  gst_element_set_locked_state (cam, TRUE);
  gst_element_set_locked_state (camcaps, TRUE);
  gst_element_set_state (cam, GST_STATE_NULL);
  gst_element_set_state (camcaps, GST_STATE_NULL);
  gst_pad_unlink (caps_src, r.pad);
  thread = g_thread_new ("release", release_thread, &r);
  fail_unless (f2f_test_wait (thread_done, &r.done, 5000),
      "releasing video_sink during a call did not return within 5 s");
  g_thread_join (thread);
  {
    Grows g = { p, id, f2f_test_peer_video_from (p, id),
      f2f_test_peer_audio_from (p, id) + 20
    };
    fail_unless (f2f_test_wait (grows, &g, 10000),
        "P stopped getting T's audio after T released its video");
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (r.pad);
  gst_object_unref (caps_src);
  gst_object_unref (camcaps);
  gst_object_unref (cam);
  gst_object_unref (s);
  gst_object_unref (pipeline);
  f2f_test_peer_free (p);
  f2f_test_server_free (server);
}

GST_END_TEST;

/* A free UDP port on 127.0.0.1, chosen by the OS. */
static guint
free_udp_port (void)
{
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4,
      G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  fail_unless (g_socket_bind (sock, any, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* coturn on a free UDP port of 127.0.0.1 (*port), no TLS, its log on
 * stdout (@out: silenced or a pipe), with the mode's own arguments
 * (NULL-terminated) last. */
static GSubprocess *start_coturn (const gchar * turnserver,
    GSubprocessFlags out, guint * port, ...) G_GNUC_NULL_TERMINATED;

static GSubprocess *
start_coturn (const gchar * turnserver, GSubprocessFlags out, guint * port,
    ...)
{
  g_autoptr (GSubprocessLauncher) launcher =
      f2f_test_launcher_new (out | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  GSubprocess *proc;
  const gchar *arg;
  va_list args;

  *port = free_udp_port ();
  g_ptr_array_add (argv, g_strdup (turnserver));
  g_ptr_array_add (argv, g_strdup ("-n"));
  g_ptr_array_add (argv, g_strdup ("--listening-ip=127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("--relay-ip=127.0.0.1"));
  g_ptr_array_add (argv, g_strdup_printf ("--listening-port=%u", *port));
  g_ptr_array_add (argv, g_strdup ("--no-tls"));
  g_ptr_array_add (argv, g_strdup ("--no-dtls"));
  g_ptr_array_add (argv, g_strdup ("--no-cli"));
  g_ptr_array_add (argv, g_strdup ("--allow-loopback-peers"));
  g_ptr_array_add (argv, g_strdup ("--log-file=stdout"));
  va_start (args, port);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_launcher_spawnv (launcher,
      (const gchar * const *) argv->pdata, NULL);
  fail_unless (proc != NULL, "could not start %s", turnserver);
  return proc;
}

typedef struct
{
  GDataInputStream *out;
  guint bindings;               /* STUN Binding requests coturn answered */
  gboolean done;
} StunLog;

static void
stun_line_cb (GObject * source, GAsyncResult * res, gpointer data)
{
  StunLog *log = data;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8
      (log->out, res, NULL, NULL);

  if (line == NULL) {
    log->done = TRUE;
    return;
  }
  if (strstr (line, "handle_turn_binding") && strstr (line, "start"))
    log->bindings++;
  g_data_input_stream_read_line_async (log->out, G_PRIORITY_DEFAULT, NULL,
      stun_line_cb, log);
}

static gboolean
stun_done (gpointer data)
{
  return ((StunLog *) data)->done;
}

/* stun-server reaches ICE: with a STUN server (coturn on loopback, STUN
 * only) both peers ask it for their address, and the call works. */
GST_START_TEST (test_stun_server)
{
  g_autofree gchar *turnserver = g_find_program_in_path ("turnserver");
  g_autoptr (GSubprocess) stun = NULL;
  g_autofree gchar *extra = NULL;
  StunLog log = { 0, };
  TestServer *server;
  GPtrArray *peers;
  guint port;

  if (turnserver == NULL) {
    g_print ("SKIP test_stun_server: turnserver (coturn) not installed\n");
    return;
  }
  /* -V logs every request; --no-auth: STUN needs none */
  stun = start_coturn (turnserver, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &port,
      "--no-auth", "-V", NULL);
  log.out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (stun));
  g_data_input_stream_read_line_async (log.out, G_PRIORITY_DEFAULT, NULL,
      stun_line_cb, &log);

  server = f2f_test_server_start (0, NULL);
  extra = g_strdup_printf ("stun-server=stun://127.0.0.1:%u", port);
  peers = start_room_with (server, "stun", "S", 2, extra);
  expect_all_decode (peers, 20000, "no media with a STUN server set");
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
  /* the log ends when coturn does */
  g_subprocess_send_signal (stun, SIGTERM);
  f2f_test_wait (stun_done, &log, 5000);
  g_subprocess_force_exit (stun);
  g_subprocess_wait (stun, NULL, NULL);
  f2f_test_wait (stun_done, &log, 2000);
  fail_unless (log.bindings >= 2, "the STUN server answered %u Binding "
      "requests, expected one from each peer at least", log.bindings);
  g_clear_object (&log.out);
}

GST_END_TEST;

/* Only through a TURN server (coturn on loopback, ice-transport-policy=
 * relay): media flows with the right credentials and not with wrong ones,
 * so it really is the relay that carries it. */
GST_START_TEST (test_turn_relay)
{
  g_autofree gchar *turnserver = g_find_program_in_path ("turnserver");
  g_autoptr (GSubprocess) turn = NULL;
  g_autofree gchar *good = NULL, *bad = NULL;
  TestServer *server;
  GPtrArray *peers;
  AllDecode d;
  guint port;

  if (turnserver == NULL) {
    g_print ("SKIP test_turn_relay: turnserver (coturn) not installed\n");
    return;
  }
  turn = start_coturn (turnserver, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &port,
      "--lt-cred-mech", "--user=f2f:s3cret", "--realm=f2f", NULL);

  server = f2f_test_server_start (0, NULL);
  good = g_strdup_printf ("turn-server=turn://f2f:s3cret@127.0.0.1:%u "
      "ice-transport-policy=relay", port);
  bad = g_strdup_printf ("turn-server=turn://f2f:wrong@127.0.0.1:%u "
      "ice-transport-policy=relay", port);

  /* wrong credentials: no relay, no media */
  peers = start_room_with (server, "denied", "X", 2, bad);
  d.peers = peers;
  d.frames = 1;
  fail_if (f2f_test_wait (all_decode, &d, 6000),
      "media flowed without the relay it was restricted to");
  g_ptr_array_unref (peers);

  /* the right credentials: media through the relay */
  peers = start_room_with (server, "relayed", "R", 2, good);
  expect_all_decode (peers, 20000, "no media through the TURN relay");
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
  g_subprocess_force_exit (turn);
  g_subprocess_wait (turn, NULL, NULL);
}

GST_END_TEST;

static gboolean
has_error (gpointer data)
{
  return ((TestPeer *) data)->error != NULL;
}

static gboolean
has_joined (gpointer data)
{
  return ((TestPeer *) data)->joins > 0;
}

GST_START_TEST (test_wrong_password)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  TestPeer *owner = f2f_test_peer_start (server, "vault", "Owner", 0,
      "password=right");
  TestPeer *guest;

  fail_unless (f2f_test_wait (has_joined, owner, 10000));
  guest = f2f_test_peer_start (server, "vault", "Guest", 1, "password=wrong");
  fail_unless (f2f_test_wait (has_error, guest, 10000),
      "a wrong password gave no error");
  fail_unless (strstr (guest->error, "wrong password for room 'vault'"),
      "unexpected error: %s", guest->error);
  g_subprocess_wait (guest->proc, NULL, NULL);
  fail_unless (g_subprocess_get_if_exited (guest->proc));
  fail_unless (g_subprocess_get_exit_status (guest->proc) != 0);
  f2f_test_peer_free (guest);
  f2f_test_peer_free (owner);
  f2f_test_server_free (server);
}

GST_END_TEST;

GST_START_TEST (test_unreachable_server)
{
  TestPeer *lonely = f2f_test_peer_start (NULL, "nowhere", "Lonely", 0,
      "connect-timeout=1000");
  gint64 start = g_get_monotonic_time ();

  fail_unless (f2f_test_wait (has_error, lonely, 10000),
      "an unreachable server gave no error");
  fail_unless (strstr (lonely->error, "Could not reach the signaling server"),
      "unexpected error: %s", lonely->error);
  /* it retried for the time it was given, not forever and not at once */
  fail_unless (g_get_monotonic_time () - start >= 900 * 1000);
  g_subprocess_wait (lonely->proc, NULL, NULL);
  fail_unless (g_subprocess_get_exit_status (lonely->proc) != 0);
  f2f_test_peer_free (lonely);
}

GST_END_TEST;

/* A server on wss:// with a self-signed certificate: a peer told to trust
 * it (tls-ca-file) joins and calls; a peer that was not is refused at once,
 * without retrying for connect-timeout, with a sentence that says what to
 * set. */
GST_START_TEST (test_wss)
{
  g_autofree gchar *dir = g_dir_make_tmp ("f2f-wss-XXXXXX", NULL);
  g_autofree gchar *cert = NULL, *key = NULL, *trust = NULL;
  TestServer *server;
  TestPeer *stranger;
  GPtrArray *peers;
  gint64 start;

  fail_unless (dir != NULL);
  if (!f2f_test_make_certificate (dir, &cert, &key)) {
    g_printerr ("SKIP test_wss: no openssl program to make a certificate\n");
    g_rmdir (dir);
    return;
  }
  {
    const gchar *tls[] = { "--tls-cert", cert, "--tls-key", key, NULL };
    server = f2f_test_server_start (0, tls);
  }
  fail_unless (g_str_has_prefix (server->uri, "wss://"),
      "with a certificate the server listens on %s", server->uri);

  start = g_get_monotonic_time ();
  stranger = f2f_test_peer_start (server, "secure", "Stranger", 0, NULL);
  fail_unless (f2f_test_wait (has_error, stranger, 8000),
      "an untrusted certificate gave no error before connect-timeout");
  fail_unless (strstr (stranger->error, "does not trust")
      && strstr (stranger->error, "tls-ca-file"), "unexpected error: %s",
      stranger->error);
  GST_INFO ("refused after %" G_GINT64_FORMAT " ms",
      (g_get_monotonic_time () - start) / 1000);
  g_subprocess_wait (stranger->proc, NULL, NULL);
  fail_unless (g_subprocess_get_exit_status (stranger->proc) != 0);
  f2f_test_peer_free (stranger);

  trust = g_strdup_printf ("tls-ca-file=%s", cert);
  peers = start_room_with (server, "secure", "P", 2, trust);
  expect_all_decode (peers, 30000,
      "peers that trust the certificate did not call each other");
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);
}

GST_END_TEST;

typedef struct
{
  TestPeer *watcher;
  guint after;
} FailsAfter;

static gboolean
fails_after (gpointer data)
{
  FailsAfter *f = data;

  return f->watcher->failures->len > f->after;
}

/* A peer that freezes (SIGSTOP) stays in the room as far as the server
 * knows, but its links go silent: the heartbeat declares them failed within
 * the timeout, the others carry on, and when it thaws the links are rebuilt
 * with fresh webrtcbins and its media comes back. */
GST_START_TEST (test_frozen_peer)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = start_room_with (server, "ice", "P", 3,
      "heartbeat-timeout=2000");
  TestPeer *a, *b, *c;
  AllDecode d = { peers, FRAMES };
  FailsAfter fa, fb;
  gint64 frozen_at;

  a = peers->pdata[0];
  b = peers->pdata[1];
  c = peers->pdata[2];
  fail_unless (f2f_test_wait (all_decode, &d, 30000), "room did not form");

  fa.watcher = a;
  fa.after = a->failures->len;
  fb.watcher = b;
  fb.after = b->failures->len;
  g_subprocess_send_signal (c->proc, SIGSTOP);
  frozen_at = g_get_monotonic_time ();
  fail_unless (f2f_test_wait (fails_after, &fa, 5000),
      "P1 did not notice the frozen peer within 5 s");
  fail_unless (f2f_test_wait (fails_after, &fb, 5000),
      "P2 did not notice the frozen peer within 5 s");
  fail_unless (g_get_monotonic_time () - frozen_at < 5 * G_USEC_PER_SEC);
  fail_unless (strstr (a->failures->pdata[fa.after], "nothing heard"),
      "unexpected reason %s", (gchar *) a->failures->pdata[fa.after]);
  expect_growth (a, b, 20, 5000);

  g_subprocess_send_signal (c->proc, SIGCONT);
  expect_growth (a, c, 20, 20000);
  expect_growth (b, c, 20, 20000);
  expect_growth (c, a, 20, 20000);

  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

typedef struct
{
  TestPeer *peer;
  GPtrArray *from;
  guint64 frames;
} DecodesFrom;

static gboolean
decodes_from_all (gpointer data)
{
  DecodesFrom *d = data;
  guint i;

  for (i = 0; i < d->from->len; i++) {
    TestPeer *q = g_ptr_array_index (d->from, i);
    if (f2f_test_peer_video_from (d->peer, q->peer_id) < d->frames
        || f2f_test_peer_audio_from (d->peer, q->peer_id) < d->frames)
      return FALSE;
  }
  return TRUE;
}

/* A peer joining a call that is under way gets continuous video from
 * everyone, not just the first few frames, time after time. (webrtcbin's
 * per-pad clocksync used to send a new link's first frames at once and the
 * rest a pipeline latency later; the receiver then dropped the first packet
 * of every frame as late, in about one join of five.) */
GST_START_TEST (test_late_joiner_video)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = start_room (server, "late", 3);
  AllDecode d = { peers, FRAMES };
  guint round;

  fail_unless (f2f_test_wait (all_decode, &d, 30000), "room did not form");
  for (round = 0; round < 4; round++) {
    g_autofree gchar *name = g_strdup_printf ("Late%u", round + 1);
    TestPeer *late = f2f_test_peer_start (server, "late", name, 3, NULL);
    DecodesFrom df = { late, peers, FRAMES }, more = { late, peers, 45 };

    fail_unless (f2f_test_wait (decodes_from_all, &df, 20000),
        "%s did not decode everyone", name);
    /* 15 frames a second: 35 more in 5 s leaves room for a slow machine
     * and none for a stream whose frames are dropped (those stopped at
     * 2-25 frames). */
    if (!f2f_test_wait (decodes_from_all, &more, 5000)) {
      g_autoptr (GPtrArray) all = g_ptr_array_copy (peers, NULL, NULL);
      g_autofree gchar *state = NULL;
      g_ptr_array_add (all, late);
      state = describe (all);
      fail ("%s stopped decoding someone:%s", name, state);
    }
    fail_unless (f2f_test_peer_quit (late, 10000), "%s did not quit", name);
    f2f_test_peer_free (late);
  }
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

/* An error from inside one link's webrtcbin (as sctpenc posts when an
 * association breaks) fails and rebuilds that link only: the peer keeps
 * running and receiving from the others, and gets the peer back. */
GST_START_TEST (test_error_inside_link)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = start_room (server, "err", 3);
  TestPeer *a, *b, *c;
  AllDecode d = { peers, FRAMES };
  FailsAfter fb;
  g_autofree gchar *command = NULL;

  a = peers->pdata[0];
  b = peers->pdata[1];
  c = peers->pdata[2];
  fail_unless (f2f_test_wait (all_decode, &d, 30000), "room did not form");

  fb.watcher = b;
  fb.after = b->failures->len;
  command = g_strdup_printf ("break-link %s", a->peer_id);
  f2f_test_peer_send (b, command);
  fail_unless (f2f_test_wait (fails_after, &fb, 5000),
      "P2 did not fail its link to P1 after an error inside it");
  fail_unless (strstr (b->failures->pdata[fb.after], "association broke"),
      "unexpected reason %s", (gchar *) b->failures->pdata[fb.after]);
  expect_growth (b, c, 20, 5000);
  expect_growth (b, a, 20, 20000);
  expect_growth (a, b, 20, 20000);
  fail_if (b->exited, "P2 exited after an error inside one link");
  fail_unless (b->error == NULL, "P2 posted an error: %s", b->error);

  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

/* A peer that speaks the protocol but sends an offer that is not SDP. */
typedef struct
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  gchar *id;
  GPtrArray *peers;             /* ids in its welcome */
  gboolean failed;
  guint offers;                 /* offers received */
  gchar *offer_from, *offer_sdp;        /* the last offer */
} FakePeer;

static void
fake_message (SoupWebsocketConnection * ws, gint type, GBytes * bytes,
    FakePeer * fake)
{
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GstF2fMessage) msg = gst_f2f_message_parse (data, len,
      GST_F2F_DIRECTION_TO_CLIENT, NULL);
  guint i;

  if (msg && msg->type == GST_F2F_MESSAGE_OFFER) {
    fake->offers++;
    g_free (fake->offer_from);
    g_free (fake->offer_sdp);
    fake->offer_from = g_strdup (msg->from);
    fake->offer_sdp = g_strdup (msg->sdp);
  }
  if (msg && msg->type == GST_F2F_MESSAGE_WELCOME) {
    fake->id = g_strdup (msg->peer_id);
    for (i = 0; i < msg->peers->len; i++)
      g_ptr_array_add (fake->peers, g_strdup (((GstF2fPeerInfo *)
                  msg->peers->pdata[i])->id));
  }
}

static void
fake_connected (GObject * source, GAsyncResult * res, gpointer data)
{
  FakePeer *fake = data;
  g_autoptr (GstF2fMessage) join = gst_f2f_message_new_join ("sdp", "Fake",
      NULL, NULL);
  g_autofree gchar *text = gst_f2f_message_serialize (join);

  fake->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source),
      res, NULL);
  if (fake->ws == NULL) {
    fake->failed = TRUE;
    return;
  }
  g_signal_connect (fake->ws, "message", G_CALLBACK (fake_message), fake);
  soup_websocket_connection_send_text (fake->ws, text);
}

static gboolean
fake_ready (gpointer data)
{
  FakePeer *fake = data;

  return fake->failed || fake->id != NULL;
}

static gboolean
has_failure (gpointer data)
{
  return ((TestPeer *) data)->failures->len > 0;
}

/* The fake peer joins room "sdp" on @server. */
static void
fake_join (FakePeer * fake, TestServer * server)
{
  g_autoptr (SoupMessage) req = soup_message_new ("GET", server->uri);

  fake->session = soup_session_new ();
  fake->peers = g_ptr_array_new_with_free_func (g_free);
  soup_session_websocket_connect_async (fake->session, req, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, fake_connected, fake);
  fail_unless (f2f_test_wait (fake_ready, fake, 10000) && !fake->failed,
      "the fake peer could not join");
}

/* A real peer B joins room "sdp" beside the fake one: everyone real in
 * @peers must decode everyone else (the room carries on); then all goes. */
static void
carry_on_and_free (TestServer * server, GPtrArray * peers, FakePeer * fake)
{

  g_ptr_array_add (peers, f2f_test_peer_start (server, "sdp", "B", 1, NULL));
  expect_all_decode (peers, 30000,
      "the room did not carry on beside a bad peer");
  g_clear_object (&fake->ws);
  g_clear_object (&fake->session);
  g_ptr_array_unref (fake->peers);
  g_free (fake->id);
  g_free (fake->offer_from);
  g_free (fake->offer_sdp);
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

typedef enum
{
  BAD_SDP,                      /* an offer that is not SDP, then junk */
  BAD_ICE,                      /* only a candidate that is not one */
  SILENT,                       /* nothing at all */
} BadPeer;

/* A peer sends an offer that is not SDP, or ICE that is not a candidate,
 * or nothing at all: that link fails with a warning naming what was wrong,
 * or never comes up, and the room carries on. */
static void
check_bad_peer (BadPeer how)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  FakePeer fake = { 0, };
  TestPeer *a;
  guint i;

  g_ptr_array_add (peers, f2f_test_peer_start (server, "sdp", "A", 0, NULL));
  a = peers->pdata[0];
  fail_unless (f2f_test_wait (has_joined, a, 10000));

  fake_join (&fake, server);
  fail_unless_equals_int (fake.peers->len, 1);
  if (how == BAD_SDP) {
    const gchar *to = fake.peers->pdata[0];
    gchar *frames[] = {
      g_strdup_printf ("{\"type\":\"offer\",\"to\":\"%s\","
          "\"sdp\":\"this is not SDP\"}", to),
      g_strdup_printf ("{\"type\":\"ice\",\"to\":\"%s\","
          "\"candidate\":\"garbage\",\"sdpMLineIndex\":7}", to),
      g_strdup_printf ("{\"type\":\"answer\",\"to\":\"%s\","
          "\"sdp\":\"v=0\"}", to),
    };
    for (i = 0; i < G_N_ELEMENTS (frames); i++) {
      soup_websocket_connection_send_text (fake.ws, frames[i]);
      g_free (frames[i]);
    }
    fail_unless (f2f_test_wait (has_failure, a, 10000),
        "the bad offer did not fail its link");
    fail_unless (strstr (a->failures->pdata[0], "SDP") != NULL,
        "unexpected reason: %s", (gchar *) a->failures->pdata[0]);
  } else if (how == BAD_ICE) {
    /* looks like a candidate, but the type after "typ" is missing */
    g_autofree gchar *frame = g_strdup_printf ("{\"type\":\"ice\","
        "\"to\":\"%s\",\"candidate\":\"candidate:1 1 UDP 2015363327 "
        "127.0.0.1 40423 typ\",\"sdpMLineIndex\":0}",
        (gchar *) fake.peers->pdata[0]);

    soup_websocket_connection_send_text (fake.ws, frame);
    fail_unless (f2f_test_wait (has_failure, a, 10000),
        "a malformed ICE candidate did not fail its link");
    fail_unless (strstr (a->failures->pdata[0], "ICE candidate that cannot "
            "be parsed") != NULL, "unexpected reason: %s",
        (gchar *) a->failures->pdata[0]);
  }
  fail_unless (a->error == NULL, "a bad peer ended the pipeline: %s",
      a->error);

  carry_on_and_free (server, peers, &fake);
}

GST_START_TEST (test_malformed_sdp)
{
  check_bad_peer (BAD_SDP);
}

GST_END_TEST;

GST_START_TEST (test_malformed_ice)
{
  check_bad_peer (BAD_ICE);
}

GST_END_TEST;

/* A peer that joins and never answers must not hold up anyone's media. */
GST_START_TEST (test_silent_peer)
{
  check_bad_peer (SILENT);
}

GST_END_TEST;

static gboolean
offered_twice (gpointer data)
{
  return ((FakePeer *) data)->offers >= 2;
}

/* A peer that takes an offer and never answers, present before A joins,
 * so A offers: after link-timeout A declares the link failed and offers
 * again, while a real peer that joins gets its call. */
GST_START_TEST (test_unanswered_offer)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  FakePeer fake = { 0, };
  TestPeer *a;

  fake_join (&fake, server);

  a = f2f_test_peer_start (server, "sdp", "A", 0, "link-timeout=1500");
  g_ptr_array_add (peers, a);
  fail_unless (f2f_test_wait (offered_twice, &fake, 10000),
      "A did not offer again to a peer that never answered (%u offers)",
      fake.offers);
  fail_unless (a->failures->len > 0
      && strstr (a->failures->pdata[0], "not connected after") != NULL,
      "A did not report the link as failed");

  carry_on_and_free (server, peers, &fake);
}

GST_END_TEST;

static gboolean
offered (gpointer data)
{
  return ((FakePeer *) data)->offers > 0;
}

static void
fake_send (FakePeer * fake, GstF2fMessage * msg)
{
  g_autofree gchar *text = gst_f2f_message_serialize (msg);

  soup_websocket_connection_send_text (fake->ws, text);
  gst_f2f_message_free (msg);
}

/* A peer answers properly, then sends a well-formed candidate for a media
 * section its answer does not have: A fails that link with a warning
 * saying so, and the room carries on. */
GST_START_TEST (test_candidate_for_missing_media)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  FakePeer fake = { 0, };
  g_autofree gchar *answer = NULL;
  g_auto (GStrv) halves = NULL;
  TestPeer *a;

  fake_join (&fake, server);
  a = f2f_test_peer_start (server, "sdp", "A", 0, NULL);
  g_ptr_array_add (peers, a);
  fail_unless (f2f_test_wait (offered, &fake, 10000), "A did not offer");

  /* A's own offer, turned into an answer: the same media sections, and
   * the DTLS role fixed as an answer must */
  halves = g_strsplit (fake.offer_sdp, "a=setup:actpass", -1);
  answer = g_strjoinv ("a=setup:active", halves);
  fake_send (&fake, gst_f2f_message_new_sdp (GST_F2F_MESSAGE_ANSWER,
          fake.offer_from, answer));
  fake_send (&fake, gst_f2f_message_new_ice (fake.offer_from, 9,
          "candidate:1 1 UDP 2015363327 127.0.0.1 40423 typ host"));
  fail_unless (f2f_test_wait (has_failure, a, 10000),
      "a candidate for a media section that does not exist did not fail "
      "its link");
  fail_unless (strstr (a->failures->pdata[0], "media section 9") != NULL,
      "unexpected reason: %s", (gchar *) a->failures->pdata[0]);
  fail_unless (a->error == NULL, "a bad peer ended the pipeline: %s",
      a->error);

  carry_on_and_free (server, peers, &fake);
}

GST_END_TEST;

static void
watchdog_setup (void)
{
  f2f_test_watchdog_start (TIMEOUT_S);
}

static Suite *
room_suite (void)
{
  Suite *s = suite_create ("f2f room");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, TIMEOUT_S);
  tcase_add_checked_fixture (tc, watchdog_setup, f2f_test_teardown);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_two_peers);
  tcase_add_test (tc, test_three_peers);
  tcase_add_test (tc, test_six_peers);
  tcase_add_test (tc, test_two_peers_h264);
  tcase_add_test (tc, test_wan_profile);
  tcase_add_test (tc, test_turn_relay);
  tcase_add_test (tc, test_stun_server);
  tcase_add_test (tc, test_simultaneous_join);
  tcase_add_test (tc, test_leave_and_kill);
  tcase_add_test (tc, test_leader_killed);
  tcase_add_test (tc, test_server_restart);
  tcase_add_test (tc, test_chat);
  tcase_add_test (tc, test_chat_text_pad);
  tcase_add_test (tc, test_per_peer_view);
  tcase_add_test (tc, test_topology);
  tcase_add_test (tc, test_topology_video);
  tcase_add_test (tc, test_topology_stop_while_sampling);
  tcase_add_test (tc, test_room_object_channels);
  tcase_add_test (tc, test_wrong_password);
  tcase_add_test (tc, test_unreachable_server);
  tcase_add_test (tc, test_wss);
  tcase_add_test (tc, test_malformed_sdp);
  tcase_add_test (tc, test_malformed_ice);
  tcase_add_test (tc, test_candidate_for_missing_media);
  tcase_add_test (tc, test_silent_peer);
  tcase_add_test (tc, test_unanswered_offer);
  tcase_add_test (tc, test_frozen_peer);
  tcase_add_test (tc, test_error_inside_link);
  tcase_add_test (tc, test_late_joiner_video);
  tcase_add_test (tc, test_release_video_mid_call);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  f2f_test_enter_private_netns ();
  gst_check_init (&argc, &argv);
  s = room_suite ();
  return gst_check_run_suite (s, "room", __FILE__);
}
