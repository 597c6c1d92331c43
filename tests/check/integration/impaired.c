/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Rooms that users would call working, broken from outside: a link with
 * loss, a server that stalls, a peer that cannot send on one link. Real
 * peer processes and a real server; peers that need a network of their own
 * run in namespaces the test makes (f2f_test_peer_start_in).
 */

#include <string.h>
#include <signal.h>
#include <gst/check/gstcheck.h>

#include "f2froomtest.h"
#include "f2fwebrtcpeer.h"

#define TIMEOUT_S 300
#define FRAMES 10
/* Shorter than the default (5 s) so that a liveness check that misses a
 * second or two of heartbeats shows within one run. */
#define HEARTBEAT "heartbeat-timeout=2000"

static void
watchdog_setup (void)
{
  f2f_test_watchdog_start (TIMEOUT_S);
}

static gchar *
describe (GPtrArray * peers)
{
  GString *s = g_string_new (NULL);
  guint i, j;

  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    g_string_append_printf (s, "\n  %s (%s):", p->name, p->peer_id);
    for (j = 0; j < peers->len; j++) {
      TestPeer *q = g_ptr_array_index (peers, j);
      if (p == q)
        continue;
      g_string_append_printf (s, " from %s %" G_GUINT64_FORMAT " video, %"
          G_GUINT64_FORMAT " audio, link %s;", q->name,
          f2f_test_peer_video_from (p, q->peer_id),
          f2f_test_peer_audio_from (p, q->peer_id),
          f2f_test_peer_link_state (p, q->peer_id));
    }
    for (j = 0; j < p->failures->len; j++)
      g_string_append_printf (s, " failure: %s;",
          (gchar *) g_ptr_array_index (p->failures, j));
  }
  return g_string_free (s, FALSE);
}

static gboolean
any_failure (gpointer data)
{
  GPtrArray *peers = data;
  guint i;

  for (i = 0; i < peers->len; i++)
    if (((TestPeer *) g_ptr_array_index (peers, i))->failures->len > 0)
      return TRUE;
  return FALSE;
}

/* "Smooth": within @within_ms of the start, a one-second window in which
 * @watcher decoded at least @frames video frames of @from, for each pair. */
typedef struct
{
  TestPeer *watcher, *from;
  gint64 times[64];
  guint64 counts[64];
  guint n;
} History;

static void
history_sample (History * h, gint64 now)
{
  guint64 count = f2f_test_peer_video_from (h->watcher, h->from->peer_id);

  if (h->n > 0 && h->counts[(h->n - 1) % 64] == count)
    return;
  h->times[h->n % 64] = now;
  h->counts[h->n % 64] = count;
  h->n++;
}

/* Frames decoded in the second before the newest sample. */
static guint64
history_last_second (History * h)
{
  guint i;
  gint64 newest;

  if (h->n == 0)
    return 0;
  newest = h->times[(h->n - 1) % 64];
  for (i = h->n; i > 0 && i + 64 > h->n; i--) {
    if (newest - h->times[(i - 1) % 64] >= G_USEC_PER_SEC)
      return h->counts[(h->n - 1) % 64] - h->counts[(i - 1) % 64];
  }
  return 0;
}

typedef struct
{
  History *h;
  guint n;
  guint64 frames;
} Smooth;

static gboolean
smooth (gpointer data)
{
  Smooth *s = data;
  gint64 now = g_get_monotonic_time ();
  gboolean all = TRUE;
  guint i;

  for (i = 0; i < s->n; i++) {
    history_sample (&s->h[i], now);
    if (history_last_second (&s->h[i]) < s->frames)
      all = FALSE;
  }
  return all;
}

/* Two peers, one in its own namespace behind a veth pair, 20 % of UDP
 * packets lost both ways for 20 s: media still flows (NACK repairs much of
 * it), so neither side may declare the link dead, and once the loss stops
 * video is smooth again within 2 s. (The heartbeat alone, queued on a
 * reliable ordered data channel behind SCTP retransmissions, went silent
 * for 5 s under such loss and the rebuild blacked the call out.) */
GST_START_TEST (test_link_alive_under_loss)
{
  const gchar *server_args[] = { "--address=0.0.0.0", NULL };
  TestServer *server = f2f_test_server_start (0, server_args);
  TestHost *host = f2f_test_host_new (1);
  g_autofree gchar *uri_a = g_strdup_printf ("ws://127.0.0.1:%u/ws",
      server->port);
  g_autofree gchar *uri_b = g_strdup_printf ("ws://%s:%u/ws", "10.213.1.1",
      server->port);
  g_autofree gchar *extra_a = g_strdup_printf (HEARTBEAT " local-addresses=%s",
      host->host_addr);
  g_autofree gchar *extra_b = g_strdup_printf (HEARTBEAT " local-addresses=%s",
      host->peer_addr);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  TestPeer *a, *b;
  History h[2] = { {0,}, {0,} };
  Smooth s = { h, 2, 8 };
  guint64 a_before, b_before, a_gain, b_gain;

  a = f2f_test_peer_start_in (NULL, uri_a, "loss", "A", 0, extra_a);
  g_ptr_array_add (peers, a);
  b = f2f_test_peer_start_in (host, uri_b, "loss", "B", 1, extra_b);
  g_ptr_array_add (peers, b);
  if (!f2f_test_wait_all_decode (peers, FRAMES, 30000)) {
    g_autofree gchar *state = describe (peers);
    fail ("the two peers did not decode each other within 30 s:%s", state);
  }

  a_before = f2f_test_peer_video_from (a, b->peer_id);
  b_before = f2f_test_peer_video_from (b, a->peer_id);
  f2f_test_host_set_loss (host, 20);
  if (f2f_test_wait (any_failure, peers, 20000)) {
    g_autofree gchar *state = describe (peers);
    fail ("a link was declared dead under 20 %% loss:%s", state);
  }
  a_gain = f2f_test_peer_video_from (a, b->peer_id) - a_before;
  b_gain = f2f_test_peer_video_from (b, a->peer_id) - b_before;
  g_print ("under loss: A got %" G_GUINT64_FORMAT ", B %" G_GUINT64_FORMAT "\n", a_gain, b_gain);
  /* 200 frames were sent each way; that some arrive is what makes
   * "dead" wrong. */
  fail_unless (a_gain >= 40 && b_gain >= 40, "too few frames under loss "
      "(%" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT ")", a_gain, b_gain);

  f2f_test_host_set_loss (host, 0);
  h[0].watcher = a;
  h[0].from = b;
  h[1].watcher = b;
  h[1].from = a;
  /* the window may start up to 2 s after the loss ended */
  if (!f2f_test_wait (smooth, &s, 3000)) {
    g_autofree gchar *state = describe (peers);
    fail ("video not smooth (8 of 10 frames in a second) within 2 s of the "
        "loss ending: A got %" G_GUINT64_FORMAT ", B %" G_GUINT64_FORMAT
        " in the last second:%s", history_last_second (&h[0]),
        history_last_second (&h[1]), state);
  }
  if (any_failure (peers)) {
    g_autofree gchar *state = describe (peers);
    fail ("a link failed after the loss:%s", state);
  }

  g_ptr_array_unref (peers);
  f2f_test_host_free (host);
  f2f_test_server_free (server);
}

GST_END_TEST;

static gboolean
webrtc_connected (gpointer data)
{
  return webrtc_peer_connected (data);
}

typedef struct
{
  guint64 video, audio;
} Counts;

static const gchar *
foreign_first_peer (WebrtcPeer * peer)
{
  const gchar *id = webrtc_peer_get_present (peer);

  fail_unless (id != NULL, "the foreign peer's welcome listed nobody");
  return id;
}

static Counts
counts_from (TestPeer * watcher, TestPeer * from)
{
  Counts c = { f2f_test_peer_video_from (watcher, from->peer_id),
    f2f_test_peer_audio_from (watcher, from->peer_id)
  };
  return c;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Waits @ms and returns what @watcher decoded of @from meanwhile. Watching
 * over a period is the point here: nothing ends it early. */
static Counts
decoded_during (TestPeer * watcher, TestPeer * from, guint ms)
{
  Counts before = counts_from (watcher, from), after;

  f2f_test_wait (never, NULL, ms);
  after = counts_from (watcher, from);
  after.video -= before.video;
  after.audio -= before.audio;
  return after;
}

static gboolean
joined (gpointer data)
{
  return ((TestPeer *) data)->peer_id != NULL;
}

static gboolean
rejoined (gpointer data)
{
  return ((TestPeer *) data)->joins >= 2;
}

typedef struct
{
  TestPeer *watcher, *from;
} DecodesOne;

static gboolean
decodes_one (gpointer data)
{
  DecodesOne *d = data;

  return d->from->peer_id
      && f2f_test_peer_video_from (d->watcher, d->from->peer_id) >= FRAMES
      && f2f_test_peer_audio_from (d->watcher, d->from->peer_id) >= FRAMES;
}

/* A joins; a foreign peer (a plain webrtcbin, as a browser would be) offers
 * to A with audio in a codec f2f does not send (PCMU). A's answer cannot
 * use its own audio sender on that link (webrtcbin makes a receive-only
 * transceiver for the offer's audio), so that link cannot take A's audio.
 * Then B joins. That link must
 * not hold back A's shared encoders: B decodes A's audio and video, for
 * 20 s at the rate A decodes B's. (B used to get no audio at all from A
 * until the foreign peer left: A's audio encoder waited for ever on the
 * link that could not send.) */
GST_START_TEST (test_link_that_cannot_send)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  WebrtcPeerConfig browser = { 96, 0, "PCMU" };
  WebrtcPeer *foreign;
  DecodesOne d;
  TestPeer *a, *b;
  Counts got, ref;
  guint i;

  a = f2f_test_peer_start (server, "recvonly", "A", 0, NULL);
  g_ptr_array_add (peers, a);
  fail_unless (f2f_test_wait (joined, a, 10000), "A did not join");
  foreign = webrtc_peer_join (server, "recvonly", "Browser", &browser);
  webrtc_peer_offer (foreign, foreign_first_peer (foreign));
  fail_unless (f2f_test_wait (webrtc_connected, foreign, 15000),
      "the foreign peer did not connect to A");

  b = f2f_test_peer_start (server, "recvonly", "B", 1, NULL);
  g_ptr_array_add (peers, b);
  d.watcher = b;
  d.from = a;
  if (!f2f_test_wait (decodes_one, &d, 20000)) {
    g_autofree gchar *state = describe (peers);
    fail ("B did not decode A's audio and video within 20 s:%s", state);
  }

  /* Four windows of 5 s: in each, B decodes at least 70 % of what A
   * decodes of B. */
  for (i = 0; i < 4; i++) {
    Counts before = counts_from (a, b);
    got = decoded_during (b, a, 5000);
    ref = counts_from (a, b);
    ref.video -= before.video;
    ref.audio -= before.audio;
    fail_unless (got.video * 10 >= ref.video * 7
        && got.audio * 10 >= ref.audio * 7, "%u-%u s after B decoded A, B "
        "decoded %" G_GUINT64_FORMAT " video and %" G_GUINT64_FORMAT " audio "
        "frames of A in 5 s; A decoded %" G_GUINT64_FORMAT " and %"
        G_GUINT64_FORMAT " of B", i * 5, i * 5 + 5, got.video, got.audio,
        ref.video, ref.audio);
  }
  fail_unless (a->error == NULL, "A stopped: %s", a->error);
  for (i = 0; i < a->warnings->len; i++)
    if (strstr (a->warnings->pdata[i], "will not get this peer's audio"))
      break;
  fail_unless (i < a->warnings->len, "A did not warn that the foreign peer "
      "gets none of its audio");

  webrtc_peer_free (foreign);
  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

/* The fewest video and audio frames any peer of @peers decoded of any
 * other during the next @ms (a count that restarted, because a link was
 * rebuilt, counts from zero). */
static Counts
least_decoded_during (GPtrArray * peers, guint ms)
{
  guint n = peers->len, i, j;
  g_autofree Counts *before = g_new0 (Counts, n * n);
  Counts least = { G_MAXUINT64, G_MAXUINT64 };

  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++)
      if (i != j)
        before[i * n + j] = counts_from (peers->pdata[i], peers->pdata[j]);
  f2f_test_wait (never, NULL, ms);
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      Counts now;
      if (i == j)
        continue;
      now = counts_from (peers->pdata[i], peers->pdata[j]);
      if (now.video >= before[i * n + j].video)
        now.video -= before[i * n + j].video;
      if (now.audio >= before[i * n + j].audio)
        now.audio -= before[i * n + j].audio;
      least.video = MIN (least.video, now.video);
      least.audio = MIN (least.audio, now.audio);
    }
  return least;
}

static guint
env_uint (const gchar * name, guint fallback)
{
  const gchar *v = g_getenv (name);

  return v && *v ? (guint) g_ascii_strtoull (v, NULL, 10) : fallback;
}

/* A room of three; the server is stopped (SIGSTOP) for 20 s, longer than
 * its idle timeout, and continued. Peer-to-peer media goes on meanwhile;
 * after SIGCONT every peer must decode everyone within 5 s, and keep its
 * links, ten times in a row. (The server used to expire the peers whose
 * pings were still unread in its socket buffers; they came back at once
 * with the same id, and those that had been answerers waited for ever.) */
GST_START_TEST (test_server_stall)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  guint repeats = env_uint ("F2F_STALL_REPEATS", 10);
  guint stall_s = env_uint ("F2F_STALL_SECONDS", 20);
  guint i, r;

  for (i = 0; i < 3; i++)
    g_ptr_array_add (peers, f2f_test_peer_start (server, "stall",
            i == 0 ? "A" : i == 1 ? "B" : "C", i, NULL));
  if (!f2f_test_wait_all_decode (peers, FRAMES, 30000)) {
    g_autofree gchar *state = describe (peers);
    fail ("the room did not form within 30 s:%s", state);
  }

  for (r = 0; r < repeats; r++) {
    Counts least;

    g_subprocess_send_signal (server->proc, SIGSTOP);
    f2f_test_wait (never, NULL, stall_s * 1000);
    g_subprocess_send_signal (server->proc, SIGCONT);
    /* "within 5 s": the fifth second after SIGCONT */
    f2f_test_wait (never, NULL, 4000);
    least = least_decoded_during (peers, 1000);
    if (least.video < 5 || least.audio < 5) {
      g_autofree gchar *state = describe (peers);
      fail ("stall %u of %u: in the fifth second after the server came "
          "back, some peer decoded only %" G_GUINT64_FORMAT " video and %"
          G_GUINT64_FORMAT " audio frames of another:%s", r + 1, repeats,
          least.video, least.audio, state);
    }
  }
  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    fail_unless (p->left->len == 0, "%s saw %s leave during a server stall",
        p->name, (gchar *) p->left->pdata[0]);
  }

  g_ptr_array_unref (peers);
  f2f_test_server_free (server);
}

GST_END_TEST;

static gboolean
link_failed (gpointer data)
{
  return ((TestPeer *) data)->failures->len > 0;
}

static gboolean
warned_rebuilding (gpointer data)
{
  TestPeer *p = data;
  guint i;

  for (i = 0; i < p->warnings->len; i++)
    if (strstr (p->warnings->pdata[i], "rebuilding"))
      return TRUE;
  return FALSE;
}

/* A foreign peer's link to A breaks (an ICE candidate that is not one fails
 * it) just before the server says the peer left, as when a browser tab's
 * connections end before its leave arrives. A does not rebuild a link to
 * someone who is gone. (It used to: a warning, a fresh webrtcbin and an
 * offer sent to a peer that had left.) */
GST_START_TEST (test_peer_closes_before_leaving)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  WebrtcPeerConfig browser = { 96, 111, NULL };
  WebrtcPeer *foreign;
  g_autofree gchar *id = NULL;
  TestPeer *a;
  F2fTestSeesLeft l;

  a = f2f_test_peer_start (server, "closes", "A", 0, NULL);
  fail_unless (f2f_test_wait (joined, a, 10000), "A did not join");
  foreign = webrtc_peer_join (server, "closes", "Browser", &browser);
  id = g_strdup (webrtc_peer_get_id (foreign));
  webrtc_peer_offer (foreign, foreign_first_peer (foreign));
  fail_unless (f2f_test_wait (webrtc_connected, foreign, 15000),
      "the foreign peer did not connect to A");

  webrtc_peer_break_then_leave (foreign);
  l.watcher = a;
  l.id = id;
  fail_unless (f2f_test_wait (f2f_test_sees_left, &l, 5000),
      "A did not see the foreign peer leave");
  /* the case under test happened: the link failed before the leave */
  fail_unless (f2f_test_wait (link_failed, a, 2000), "A's link did not "
      "fail on the bad candidate; nothing was tested");
  /* a rebuild would come within its grace (500 ms) of the failure */
  fail_if (f2f_test_wait (warned_rebuilding, a, 1500), "A rebuilt the link "
      "to a peer that left: %s", (gchar *) a->warnings->pdata[0]);

  webrtc_peer_free (foreign);
  f2f_test_peer_free (a);
  f2f_test_server_free (server);
}

GST_END_TEST;

static gboolean
got_offer (gpointer data)
{
  return webrtc_peer_get_offers (data) > 0;
}

/* A peer joins after A and never offers (the newcomer should). A's link to
 * it waits for an offer; after twice its link-timeout it offers itself.
 * (It used to wait for ever: only offered links timed out.) */
GST_START_TEST (test_offer_never_comes)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  WebrtcPeerConfig browser = { 96, 111, NULL };
  WebrtcPeer *silent;
  TestPeer *a;
  gint64 joined_at;

  a = f2f_test_peer_start (server, "silent", "A", 0, "link-timeout=1500");
  fail_unless (f2f_test_wait (joined, a, 10000), "A did not join");
  silent = webrtc_peer_join (server, "silent", "Silent", &browser);
  joined_at = g_get_monotonic_time ();
  fail_unless (f2f_test_wait (got_offer, silent, 10000), "A never offered "
      "to a newcomer that did not offer");
  /* not before its own wait (2 × 1.5 s) was over */
  fail_unless (g_get_monotonic_time () - joined_at >= 2900 * 1000,
      "A offered after only %" G_GINT64_FORMAT " ms",
      (g_get_monotonic_time () - joined_at) / 1000);
  fail_unless (a->failures->len > 0 && strstr (a->failures->pdata[0],
          "not connected after"), "A did not report the link as failed");

  webrtc_peer_free (silent);
  f2f_test_peer_free (a);
  f2f_test_server_free (server);
}

GST_END_TEST;

static gboolean
saw_leave (gpointer data)
{
  return ((TestPeer *) data)->left->len > 0;
}

/* B, the oldest peer (so the answerer on each of its links), is in a
 * network of its own; its signaling connection is cut while its media
 * flows, until the server times it out: A and C are told B left, and drop
 * their links to it. When the connection comes back B rejoins with its
 * id; the server says the room saw it go (welcome.rejoined), so B offers
 * fresh links, and everyone decodes everyone again. (B used to keep its
 * old links and wait, as their answerer, for offers that never came.) */
GST_START_TEST (test_rejoin_after_timeout)
{
  const gchar *server_args[] = { "--address=0.0.0.0", "--idle-timeout=3",
    NULL
  };
  TestServer *server = f2f_test_server_start (0, server_args);
  TestHost *host = f2f_test_host_new (1);
  g_autofree gchar *uri = g_strdup_printf ("ws://127.0.0.1:%u/ws",
      server->port);
  g_autofree gchar *uri_b = g_strdup_printf ("ws://%s:%u/ws", "10.213.1.1",
      server->port);
  g_autofree gchar *extra = g_strdup_printf ("local-addresses=%s",
      host->host_addr);
  g_autofree gchar *extra_b = g_strdup_printf ("local-addresses=%s",
      host->peer_addr);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      f2f_test_peer_free);
  TestPeer *a, *b, *c;
  Counts least;
  gint64 back;

  b = f2f_test_peer_start_in (host, uri_b, "rejoin", "B", 1, extra_b);
  g_ptr_array_add (peers, b);
  fail_unless (f2f_test_wait (joined, b, 10000), "B did not join");
  a = f2f_test_peer_start_in (NULL, uri, "rejoin", "A", 0, extra);
  g_ptr_array_add (peers, a);
  c = f2f_test_peer_start_in (NULL, uri, "rejoin", "C", 2, extra);
  g_ptr_array_add (peers, c);
  if (!f2f_test_wait_all_decode (peers, FRAMES, 30000)) {
    g_autofree gchar *state = describe (peers);
    fail ("the room did not form within 30 s:%s", state);
  }

  f2f_test_host_block_tcp (host, TRUE);
  fail_unless (f2f_test_wait (saw_leave, a, 10000),
      "the server did not time B out");
  f2f_test_host_block_tcp (host, FALSE);
  back = g_get_monotonic_time ();
  /* Decoding again: B's counts restarted at A and C when they dropped
   * it. Within 10 s (TCP's own retransmission backoff decides when B
   * hears that it was closed), then steadily. */
  fail_unless (f2f_test_wait (rejoined, b, 10000), "B did not rejoin within "
      "10 s of its connection coming back");
  f2f_test_wait (never, NULL, 3000);
  least = least_decoded_during (peers, 1000);
  if (least.video < 5 || least.audio < 5) {
    g_autofree gchar *state = describe (peers);
    fail ("%" G_GINT64_FORMAT " ms after B's connection came back, some peer "
        "decoded only %" G_GUINT64_FORMAT " video and %" G_GUINT64_FORMAT
        " audio frames of another in a second:%s",
        (g_get_monotonic_time () - back) / 1000, least.video, least.audio,
        state);
  }

  g_ptr_array_unref (peers);
  f2f_test_host_free (host);
  f2f_test_server_free (server);
}

GST_END_TEST;

typedef struct
{
  WebrtcPeer *foreign;
  TestPeer *a;
} BothWays;

static gboolean
both_ways (gpointer data)
{
  BothWays *b = data;
  const gchar *id = webrtc_peer_get_id (b->foreign);

  return webrtc_peer_get_received (b->foreign, "audio") >= 50
      && webrtc_peer_get_received (b->foreign, "video") >= 10
      && f2f_test_peer_video_from (b->a, id) >= FRAMES
      && f2f_test_peer_audio_from (b->a, id) >= FRAMES;
}

/* Audio both ways, video from the foreign peer only. */
typedef BothWays AudioBothWays;

static gboolean
audio_both_ways (gpointer data)
{
  AudioBothWays *b = data;

  return webrtc_peer_get_received (b->foreign, "audio") >= 50
      && f2f_test_peer_audio_from (b->a, webrtc_peer_get_id (b->foreign))
      >= FRAMES
      && f2f_test_peer_video_from (b->a, webrtc_peer_get_id (b->foreign))
      >= FRAMES;
}

/* A browser numbers its codecs its own way (Chromium: VP8 96, Opus 111;
 * Firefox: VP8 120, Opus 109) and offers RTX for its video. A foreign peer
 * offers like that: A answers with its numbers, never with SSRC 0, sends it
 * audio and video, and decodes both of its. (A used to answer the audio
 * receive-only and send it none.) */
static void
check_foreign_numbers (guint video_pt, guint audio_pt)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  WebrtcPeerConfig browser = { video_pt, audio_pt, NULL };
  WebrtcPeer *foreign;
  TestPeer *a;
  BothWays b;
  guint i;

  a = f2f_test_peer_start (server, "numbers", "A", 0, NULL);
  fail_unless (f2f_test_wait (joined, a, 10000), "A did not join");
  foreign = webrtc_peer_join (server, "numbers", "Browser", &browser);
  webrtc_peer_offer (foreign, foreign_first_peer (foreign));
  fail_unless (f2f_test_wait (webrtc_connected, foreign, 15000),
      "the foreign peer did not connect to A");
  b.foreign = foreign;
  b.a = a;
  fail_unless (f2f_test_wait (both_ways, &b, 15000), "with VP8 %u and Opus "
      "%u, the foreign peer got %" G_GUINT64_FORMAT " audio and %"
      G_GUINT64_FORMAT " video packets from A; A decoded %" G_GUINT64_FORMAT
      " video and %" G_GUINT64_FORMAT " audio frames of it", video_pt,
      audio_pt, webrtc_peer_get_received (foreign, "audio"),
      webrtc_peer_get_received (foreign, "video"),
      f2f_test_peer_video_from (a, webrtc_peer_get_id (foreign)),
      f2f_test_peer_audio_from (a, webrtc_peer_get_id (foreign)));
  for (i = 0; i < a->warnings->len; i++)
    fail_if (strstr (a->warnings->pdata[i], "will not get"), "A warned: %s",
        (gchar *) a->warnings->pdata[i]);
  /* Chromium decodes no video behind an RTX group whose primary is 0. The
   * answer used to say "a=ssrc-group:FID 0 <rtx>" in about 3 runs of 5,
   * when it was made before the payloader had sent anything. */
  fail_unless (webrtc_peer_get_answer (foreign) != NULL);
  fail_unless (strstr (webrtc_peer_get_answer (foreign), "a=ssrc-group:FID ")
      != NULL, "A answered without RTX:\n%s",
      webrtc_peer_get_answer (foreign));
  fail_if (strstr (webrtc_peer_get_answer (foreign), "FID 0 ")
      || strstr (webrtc_peer_get_answer (foreign), "a=ssrc:0 "),
      "A answered with SSRC 0:\n%s", webrtc_peer_get_answer (foreign));

  webrtc_peer_free (foreign);
  f2f_test_peer_free (a);
  f2f_test_server_free (server);
}

/* A browser without our video codec: A sends H.264 (video-codec=h264), the
 * foreign peer offers VP8 only, as Firefox does without OpenH264. The
 * video section gets a receive-only answer (A still decodes the peer's
 * VP8), and the audio must go both ways. (webrtcbin 1.22 matched the offer's audio section, at
 * set-local-description, to the first transceiver of unknown kind: A's
 * unused H.264 sender. A then sent that peer no audio and warned "will not
 * get this peer's audio".) */
GST_START_TEST (test_foreign_without_our_video_codec)
{
  TestServer *server = f2f_test_server_start (0, NULL);
  WebrtcPeerConfig browser = { 120, 109, NULL };
  GstElementFactory *enc = gst_element_factory_find ("x264enc");
  WebrtcPeer *foreign;
  TestPeer *a;
  AudioBothWays b;
  guint i;

  if (enc == NULL) {
    g_print ("SKIP test_foreign_without_our_video_codec: no x264enc\n");
    f2f_test_server_free (server);
    return;
  }
  gst_object_unref (enc);
  a = f2f_test_peer_start (server, "noh264", "A", 0, "video-codec=h264");
  fail_unless (f2f_test_wait (joined, a, 10000), "A did not join");
  foreign = webrtc_peer_join (server, "noh264", "Browser", &browser);
  webrtc_peer_offer (foreign, foreign_first_peer (foreign));
  fail_unless (f2f_test_wait (webrtc_connected, foreign, 15000),
      "the foreign peer did not connect to A");
  b.foreign = foreign;
  b.a = a;
  fail_unless (f2f_test_wait (audio_both_ways, &b, 15000), "offered VP8 "
      "only, the foreign peer got %" G_GUINT64_FORMAT " audio packets from "
      "A (H.264); A decoded %" G_GUINT64_FORMAT " audio and %"
      G_GUINT64_FORMAT " video (VP8) frames of it",
      webrtc_peer_get_received (foreign, "audio"),
      f2f_test_peer_audio_from (a, webrtc_peer_get_id (foreign)),
      f2f_test_peer_video_from (a, webrtc_peer_get_id (foreign)));
  fail_unless (webrtc_peer_get_received (foreign, "video") == 0);
  for (i = 0; i < a->warnings->len; i++)
    fail_if (strstr (a->warnings->pdata[i], "will not get this peer's audio")
        || strstr (a->warnings->pdata[i], "video and audio"), "A warned: %s",
        (gchar *) a->warnings->pdata[i]);
  for (i = 0; i < a->warnings->len; i++)
    if (strstr (a->warnings->pdata[i], "will not get this peer's video"))
      break;
  fail_unless (i < a->warnings->len, "A did not say that the foreign peer "
      "gets none of its video");

  webrtc_peer_free (foreign);
  f2f_test_peer_free (a);
  f2f_test_server_free (server);
}

GST_END_TEST;

GST_START_TEST (test_foreign_payload_types)
{
  check_foreign_numbers (96, 111);      /* Chromium */
  check_foreign_numbers (120, 109);     /* Firefox */
}

GST_END_TEST;

static Suite *
impaired_suite (void)
{
  Suite *s = suite_create ("f2f impaired rooms");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, TIMEOUT_S);
  tcase_add_checked_fixture (tc, watchdog_setup, f2f_test_teardown);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_link_alive_under_loss);
  tcase_add_test (tc, test_link_that_cannot_send);
  tcase_add_test (tc, test_foreign_payload_types);
  tcase_add_test (tc, test_foreign_without_our_video_codec);
  tcase_add_test (tc, test_offer_never_comes);
  tcase_add_test (tc, test_peer_closes_before_leaving);
  tcase_add_test (tc, test_rejoin_after_timeout);
  tcase_add_test (tc, test_server_stall);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  f2f_test_enter_private_netns ();
  gst_check_init (&argc, &argv);
  s = impaired_suite ();
  return gst_check_run_suite (s, "impaired", __FILE__);
}
