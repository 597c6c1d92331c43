/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Chaos in the network lab (f2froomtest.h), with assertions: a room of
 * four, each peer in a network namespace of its own, D's link losing 5 %
 * of its UDP packets both ways the whole time. Every 10 s a random peer of
 * A, B and C is killed (SIGKILL: no goodbye, no closed connections but
 * what the kernel closes) and started again, ten times; then the server is
 * stopped (SIGSTOP) for 15 s and continued, and a fifth peer joins.
 *
 * What a user would notice is asserted: after each restart every peer
 * decodes everyone in the room, video and audio, and sees each one's
 * colour and hears each one's tone, within 5 s, the pairs across D's
 * lossy link included (RECOVER_MS); no peer ever goes a whole
 * second without decoding a video or an audio frame of a peer that stayed
 * (each peer's own counts, reported every 250 ms); while the server is
 * stopped media goes on between all peers, every second; afterwards nobody
 * has left and the newcomer sees and hears everyone.
 *
 * The victims come from a seeded generator; the seed is printed, and
 * F2F_CHAOS_SEED=n replays a run's victims. F2F_CHAOS_CYCLES=n runs fewer
 * (or more) cycles, for debugging. F2F_CHAOS_PROPS adds f2fsignal
 * properties to every peer (e.g. dtls-key=rsa-2048, to compare).
 *
 * With F2F_AUDIO_LOSS=0,2,5,10,20 this file also holds the audio loss
 * benchmark (tests/bench/audio-loss.sh): not part of the suite.
 */

#include <stdarg.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <gst/check/gstcheck.h>

#include "f2froomtest.h"

#define TIMEOUT_S 400
/* Host indexes 60 and up are this file's: a restarted peer gets a fresh
 * one (new interface names and addresses), so a namespace the kernel is
 * still tearing down never collides with its successor's. */
#define HOST_BASE 60
#define PEERS 4
/* D (index 3) is the one with the lossy link; it is never killed, so that
 * the loss applies all the time (its rules live in its namespace). */
#define LOSSY 3
#define LOSS_PERCENT 5
#define CYCLES 10
#define CYCLE_MS 10000
/* The 5 s, for every pair. Until 2026-12-07 the pairs across D's
 * lossy link had 16 s: each DTLS handshake flight lost there cost 1 s,
 * then 2 s, then 4 s (OpenSSL's retransmission timer, which GStreamer's
 * DTLS elements leave as it is), and 4 of 160 restarts in 16 clean-clone
 * CI runs took 5.3-10 s. f2fpeerlink now sends every handshake datagram
 * twice (send_handshake_twice), so a flight is lost only when both copies
 * are: 50 restarts in 5 runs after took 0.64-1.57 s (docs/
 * performance.md). */
#define RECOVER_MS 5000
/* How long a recovery is waited for, so that one over RECOVER_MS is
 * measured and said, not only failed */
#define RECOVER_WAIT_MS 16000
#define STALL_MS 15000
/* The newcomer after the stall: a first join, which builds four links,
 * one of them across D's lossy link; every pair. (Until 2026-12-07 the
 * lossy pair had RECOVER_WAIT_MS: it took 8.8 s in one of three runs, 6.6 s
 * in one of 16 clean-clone CI runs, before the handshake was sent twice;
 * 0.78-1.29 s in 5 runs after.) */
#define JOIN_MS 10000
/* Fresh frames that show a link carries media again. */
#define RECOVER_FRAMES 3
/* As f2f_test_expect_everyone_hears: a tone heard, a colour seen. */
#define HEARD_DB -45.0
#define SEEN_PIXELS 12

static const gchar *names[] = { "A", "B", "C", "D", "E" };

static void
watchdog_setup (void)
{
  f2f_test_watchdog_start (TIMEOUT_S);
}

static guint
env_uint (const gchar * name, guint fallback)
{
  const gchar *v = g_getenv (name);

  return v && *v ? (guint) g_ascii_strtoull (v, NULL, 10) : fallback;
}

/* ---------------------------------------------------------------------- */
/* The room */

typedef struct
{
  TestServer *server;
  /* by room index (A..E); a restarted peer replaces its slot */
  TestPeer *peers[PEERS + 1];
  TestHost *hosts[PEERS + 1];
  guint next_host;
  const gchar *extra;
} Chaos;

static TestPeer *
chaos_start (Chaos * c, guint i, const gchar * room)
{
  TestHost *host = f2f_test_host_new (HOST_BASE + c->next_host++);
  g_autofree gchar *uri = g_strdup_printf ("ws://%s:%u/ws", host->host_addr,
      c->server->port);
  g_autofree gchar *props = g_strdup_printf ("local-addresses=%s %s",
      host->peer_addr, c->extra ? c->extra : "");
  TestPeer *p = f2f_test_peer_start_av (host, uri, room, names[i], i, props);

  g_object_set_data (G_OBJECT (p->proc), "index", GUINT_TO_POINTER (i));
  c->hosts[i] = host;
  c->peers[i] = p;
  return p;
}

/* SIGKILL and reap, then remove its link (its namespace went with it). */
static void
chaos_kill (Chaos * c, guint i)
{
  f2f_test_peer_free (c->peers[i]);
  c->peers[i] = NULL;
  f2f_test_host_free (c->hosts[i]);
  c->hosts[i] = NULL;
}

static void
chaos_free (Chaos * c)
{
  guint i;

  /* the peers first: their namespaces, and the pairs, go with them */
  for (i = 0; i < G_N_ELEMENTS (c->peers); i++)
    f2f_test_peer_free (c->peers[i]);
  for (i = 0; i < G_N_ELEMENTS (c->hosts); i++)
    f2f_test_host_free (c->hosts[i]);
  f2f_test_server_free (c->server);
}

/* The peers running now, in room order (not owned). */
static GPtrArray *
chaos_room (Chaos * c)
{
  GPtrArray *room = g_ptr_array_new ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (c->peers); i++)
    if (c->peers[i])
      g_ptr_array_add (room, c->peers[i]);
  return room;
}

static guint
room_index (TestPeer * p)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (p->proc), "index"));
}

static gchar *
describe (GPtrArray * peers)
{
  GString *s = g_string_new (NULL);
  guint i, j;

  for (i = 0; i < peers->len; i++) {
    TestPeer *p = g_ptr_array_index (peers, i);
    g_string_append_printf (s, "\n  %s (%s, %u in the room):", p->name,
        p->peer_id, g_hash_table_size (p->present));
    for (j = 0; j < peers->len; j++) {
      TestPeer *q = g_ptr_array_index (peers, j);
      if (p == q)
        continue;
      g_string_append_printf (s, " from %s (%s) %" G_GUINT64_FORMAT
          " video, %" G_GUINT64_FORMAT " audio, %.0f dB, %u px, link %s;",
          q->name, q->peer_id, f2f_test_peer_video_from (p, q->peer_id),
          f2f_test_peer_audio_from (p, q->peer_id), p->tones[room_index (q)],
          p->colors[room_index (q)], f2f_test_peer_link_state (p,
              q->peer_id));
    }
    for (j = 0; j < p->failures->len; j++)
      g_string_append_printf (s, " failure: %s;",
          (gchar *) g_ptr_array_index (p->failures, j));
  }
  return g_string_free (s, FALSE);
}

/* ---------------------------------------------------------------------- */
/* The watch on peers that stayed: per-second frame counts of every pair */

#define MAX_PAIRS ((PEERS + 1) * PEERS)

typedef struct
{
  TestPeer *watcher, *from;
  guint64 video, audio;         /* counts at the start of the second */
} Pair;

typedef struct
{
  Pair pairs[MAX_PAIRS];
  guint n;
  gint64 second_start_us;
  /* the fewest frames of one peer another decoded in a whole second */
  guint64 least_video, least_audio;
  gchar *least_video_pair, *least_audio_pair;
  gchar *stopped;               /* the first second with nothing, or NULL */
  guint seconds;
} Watch;

/* A count that went down belongs to a link that was rebuilt: it counts
 * from zero. */
static guint64
grown (guint64 now, guint64 before)
{
  return now >= before ? now - before : now;
}

/* Watches every pair of @peers except those with @skip (NULL: none). */
static void
watch_start (Watch * w, GPtrArray * peers, TestPeer * skip)
{
  guint i, j;

  w->n = 0;
  for (i = 0; i < peers->len; i++)
    for (j = 0; j < peers->len; j++) {
      TestPeer *p = peers->pdata[i], *q = peers->pdata[j];
      Pair *pair;

      if (p == q || p == skip || q == skip)
        continue;
      pair = &w->pairs[w->n++];
      pair->watcher = p;
      pair->from = q;
      pair->video = f2f_test_peer_video_from (p, q->peer_id);
      pair->audio = f2f_test_peer_audio_from (p, q->peer_id);
    }
  w->second_start_us = g_get_monotonic_time ();
}

static void
watch_sample (Watch * w)
{
  gint64 now = g_get_monotonic_time ();
  guint i;

  if (now - w->second_start_us < G_USEC_PER_SEC)
    return;
  w->seconds++;
  for (i = 0; i < w->n; i++) {
    Pair *pair = &w->pairs[i];
    guint64 video = f2f_test_peer_video_from (pair->watcher,
        pair->from->peer_id);
    guint64 audio = f2f_test_peer_audio_from (pair->watcher,
        pair->from->peer_id);
    guint64 dv = grown (video, pair->video), da = grown (audio, pair->audio);

    if (dv < w->least_video) {
      w->least_video = dv;
      g_free (w->least_video_pair);
      w->least_video_pair = g_strdup_printf ("%s of %s", pair->watcher->name,
          pair->from->name);
    }
    if (da < w->least_audio) {
      w->least_audio = da;
      g_free (w->least_audio_pair);
      w->least_audio_pair = g_strdup_printf ("%s of %s", pair->watcher->name,
          pair->from->name);
    }
    if ((dv == 0 || da == 0) && w->stopped == NULL)
      w->stopped = g_strdup_printf ("%s decoded %" G_GUINT64_FORMAT
          " video and %" G_GUINT64_FORMAT " audio frames of %s in the "
          "second to %.1f s", pair->watcher->name, dv, da, pair->from->name,
          (now - w->second_start_us) / 1e6);
    pair->video = video;
    pair->audio = audio;
  }
  w->second_start_us = now;
}

static void
watch_reset (Watch * w)
{
  g_clear_pointer (&w->least_video_pair, g_free);
  g_clear_pointer (&w->least_audio_pair, g_free);
  g_clear_pointer (&w->stopped, g_free);
  w->least_video = w->least_audio = G_MAXUINT64;
  w->seconds = 0;
}

typedef struct
{
  Watch *watch;
  gboolean (*cond) (gpointer);
  gpointer data;
} Watched;

static gboolean
watched (gpointer data)
{
  Watched *wd = data;

  watch_sample (wd->watch);
  return wd->cond ? wd->cond (wd->data) : FALSE;
}

static gboolean
watch_wait (Watch * w, gboolean (*cond) (gpointer), gpointer data,
    guint timeout_ms)
{
  Watched wd = { w, cond, data };

  return f2f_test_wait (watched, &wd, timeout_ms);
}

/* ---------------------------------------------------------------------- */
/* Everyone decodes, sees and hears everyone in the room */

typedef struct
{
  GPtrArray *room;
  guint64 since[MAX_PAIRS][2];  /* counts when the wait began */
  guint reports[PEERS + 1][2];  /* tone and colour reports then */
  gchar *why;
  /* Where the time goes, for a restart: @newcomer got its id, nobody has
   * @gone_id in its room any more, every pair decodes (µs since @start;
   * 0 until then). */
  TestPeer *newcomer;
  gchar *gone_id;
  gint64 start_us, joined_us, gone_us, decoded_us;
  /* per pair (as @since): link connected (ICE and DTLS), fresh video,
   * fresh audio, the watcher's tone and colour of the other (µs since
   * @start; 0 until then) */
  gint64 pair_us[MAX_PAIRS][5];
} Everyone;

static void
everyone_init (Everyone * e, GPtrArray * room)
{
  guint i, j, k = 0;

  e->room = room;
  e->why = NULL;
  e->start_us = g_get_monotonic_time ();
  e->joined_us = e->gone_us = e->decoded_us = 0;
  memset (e->pair_us, 0, sizeof e->pair_us);
  for (i = 0; i < room->len; i++) {
    TestPeer *p = room->pdata[i];
    e->reports[i][0] = p->tone_reports;
    e->reports[i][1] = p->color_reports;
    for (j = 0; j < room->len; j++) {
      TestPeer *q = room->pdata[j];
      if (p == q)
        continue;
      e->since[k][0] = f2f_test_peer_video_from (p, q->peer_id);
      e->since[k][1] = f2f_test_peer_audio_from (p, q->peer_id);
      k++;
    }
  }
}

/* Each peer: the others (and nobody else) in its room, fresh video and
 * audio frames of each, and — in two reports of its measurements since
 * the wait began, so nothing from before a kill counts — each one's tone
 * heard and colour seen. */
static void
milestones (Everyone * e)
{
  gint64 now = g_get_monotonic_time () - e->start_us;
  gboolean gone = TRUE;
  guint i;

  if (e->newcomer && e->newcomer->peer_id && !e->joined_us)
    e->joined_us = now;
  for (i = 0; e->gone_id && i < e->room->len; i++)
    if (g_hash_table_contains (((TestPeer *) e->room->pdata[i])->present,
            e->gone_id))
      gone = FALSE;
  if (e->gone_id && gone && !e->gone_us)
    e->gone_us = now;
  for (i = 0; i < e->room->len; i++) {
    TestPeer *p = e->room->pdata[i];
    guint j, k;
    for (j = 0, k = i * (e->room->len - 1); j < e->room->len; j++) {
      TestPeer *q = e->room->pdata[j];
      gint64 *at;
      if (p == q)
        continue;
      at = e->pair_us[k];
      if (!at[0] && g_str_equal (f2f_test_peer_link_state (p, q->peer_id),
              "connected"))
        at[0] = now;
      if (!at[1] && grown (f2f_test_peer_video_from (p, q->peer_id),
              e->since[k][0]) >= RECOVER_FRAMES)
        at[1] = now;
      if (!at[2] && grown (f2f_test_peer_audio_from (p, q->peer_id),
              e->since[k][1]) >= RECOVER_FRAMES)
        at[2] = now;
      if (!at[3] && p->tone_reports >= e->reports[i][0] + 2
          && p->tones[room_index (q)] >= HEARD_DB)
        at[3] = now;
      if (!at[4] && p->color_reports >= e->reports[i][1] + 2
          && p->colors[room_index (q)] >= SEEN_PIXELS)
        at[4] = now;
      k++;
    }
  }
  if (!e->decoded_us && f2f_test_all_decode (e->room, 1)) {
    guint j, k = 0;
    for (i = 0; i < e->room->len; i++)
      for (j = 0; j < e->room->len; j++) {
        TestPeer *p = e->room->pdata[i], *q = e->room->pdata[j];
        if (p == q)
          continue;
        if (grown (f2f_test_peer_video_from (p, q->peer_id),
                e->since[k][0]) < RECOVER_FRAMES
            || grown (f2f_test_peer_audio_from (p, q->peer_id),
                e->since[k][1]) < RECOVER_FRAMES)
          return;
        k++;
      }
    e->decoded_us = now;
  }
}

static gboolean
everyone_decodes (gpointer data)
{
  Everyone *e = data;
  guint i, j, k = 0;

  milestones (e);
  g_clear_pointer (&e->why, g_free);
  for (i = 0; i < e->room->len; i++) {
    TestPeer *p = e->room->pdata[i];

    if (g_hash_table_size (p->present) != e->room->len - 1) {
      e->why = g_strdup_printf ("%s has %u others in its room, not %u",
          p->name, g_hash_table_size (p->present), e->room->len - 1);
      return FALSE;
    }
    for (j = 0; j < e->room->len; j++) {
      TestPeer *q = e->room->pdata[j];
      guint qi = room_index (q);

      if (p == q)
        continue;
      if (q->peer_id == NULL || !g_hash_table_contains (p->present,
              q->peer_id)) {
        e->why = g_strdup_printf ("%s does not know %s (%s) is there",
            p->name, q->name, q->peer_id);
        return FALSE;
      }
      if (grown (f2f_test_peer_video_from (p, q->peer_id),
              e->since[k][0]) < RECOVER_FRAMES
          || grown (f2f_test_peer_audio_from (p, q->peer_id),
              e->since[k][1]) < RECOVER_FRAMES) {
        e->why = g_strdup_printf ("%s decodes no fresh frames of %s", p->name,
            q->name);
        return FALSE;
      }
      k++;
      if (p->tone_reports < e->reports[i][0] + 2
          || p->color_reports < e->reports[i][1] + 2) {
        e->why = g_strdup_printf ("%s has not measured twice since", p->name);
        return FALSE;
      }
      if (p->tones[qi] < HEARD_DB || p->colors[qi] < SEEN_PIXELS) {
        e->why = g_strdup_printf ("%s hears %s at %.1f dB and sees %u "
            "pixels of it", p->name, q->name, p->tones[qi], p->colors[qi]);
        return FALSE;
      }
    }
  }
  return TRUE;
}

/* Waits (watching @w) until everyone_decodes, up to @ms; fails the test
 * with @phase and what was missing otherwise. Returns the ms it took. */
/* The pair that was ready last (an unready one counts as last), with
 * where its time went. */
/* The pair last (or never) ready: @sp of @sq (either may be NULL). */
static gchar *
slowest_pair_of (Everyone * e, TestPeer ** sp_out, TestPeer ** sq_out)
{
  guint i, j, k = 0, slowest = 0;
  gint64 worst = -1, *at;
  TestPeer *sp = NULL, *sq = NULL;

  for (i = 0; i < e->room->len; i++)
    for (j = 0; j < e->room->len; j++) {
      TestPeer *p = e->room->pdata[i], *q = e->room->pdata[j];
      gint64 ready = G_MAXINT64;
      guint m;
      if (p == q)
        continue;
      at = e->pair_us[k];
      if (at[1] && at[2] && at[3] && at[4]) {
        ready = 0;
        for (m = 1; m < 5; m++)
          ready = MAX (ready, at[m]);
      }
      if (ready > worst) {
        worst = ready;
        slowest = k;
        sp = p;
        sq = q;
      }
      k++;
    }
  if (sp_out)
    *sp_out = sp;
  if (sq_out)
    *sq_out = sq;
  if (sp == NULL)
    return g_strdup ("");
  at = e->pair_us[slowest];
  /* and where each end's link setup went (its f2f-link-state), so that a
   * slow one says whether it was the description, ICE or DTLS */
  return g_strdup_printf ("; slowest: %s of %s, connected %" G_GINT64_FORMAT
      ", video %" G_GINT64_FORMAT ", audio %" G_GINT64_FORMAT ", tone %"
      G_GINT64_FORMAT ", colour %" G_GINT64_FORMAT " ms (%s's link: %s; %s's: "
      "%s)", sp->name, sq->name,
      at[0] / 1000, at[1] / 1000, at[2] / 1000, at[3] / 1000, at[4] / 1000,
      sp->name, sq->peer_id ? (gchar *) g_hash_table_lookup (sp->link_setups,
          sq->peer_id) : NULL, sq->name, sp->peer_id ? (gchar *)
      g_hash_table_lookup (sq->link_setups, sp->peer_id) : NULL);
}

static gchar *
milestones_text (Everyone * e)
{
  g_autofree gchar *slowest = slowest_pair_of (e, NULL, NULL);

  return g_strdup_printf ("(joined at %" G_GINT64_FORMAT " ms, the old one "
      "gone from every room at %" G_GINT64_FORMAT " ms, every pair decoding "
      "at %" G_GINT64_FORMAT " ms%s)", e->joined_us / 1000,
      e->gone_us / 1000, e->decoded_us / 1000, slowest);
}

/* Waits (watching @w) until everyone_decodes, up to @ms; fails the test
 * with @phase and what was missing otherwise. Returns the ms it took, and
 * in @timing (if not NULL) where it went. @newcomer: a peer started just
 * now, replacing one with @gone_id (or NULL). */
/* When the last pair not involving @lossy was ready, and the newcomer in
 * and the old one gone (ms since the wait began). */
static guint
clean_ready_ms (Everyone * e, TestPeer * lossy)
{
  gint64 last = MAX (e->joined_us, e->gone_us);
  guint i, j, k = 0, m;

  for (i = 0; i < e->room->len; i++)
    for (j = 0; j < e->room->len; j++) {
      TestPeer *p = e->room->pdata[i], *q = e->room->pdata[j];
      if (p == q)
        continue;
      if (p != lossy && q != lossy)
        for (m = 1; m < 5; m++)
          last = MAX (last, e->pair_us[k][m]);
      k++;
    }
  return last / 1000;
}

static guint
expect_everyone (Watch * w, GPtrArray * room, const gchar * phase, guint ms,
    TestPeer * newcomer, const gchar * gone_id, gchar ** timing,
    TestPeer * lossy, guint * clean_ms)
{
  Everyone e;
  gint64 start = g_get_monotonic_time ();

  everyone_init (&e, room);
  e.newcomer = newcomer;
  e.gone_id = g_strdup (gone_id);
  if (!watch_wait (w, everyone_decodes, &e, ms)) {
    g_autofree gchar *state = describe (room);
    g_autofree gchar *when = milestones_text (&e);
    g_autofree gchar *traffic = NULL;
    TestPeer *sp = NULL, *sq = NULL;

    /* whether the slowest pair's media leave the sender, reach the
     * receiver, or neither (the link may say connected while nothing
     * is decoded: seen twice in CI, never traced) */
    g_free (slowest_pair_of (&e, &sp, &sq));
    if (sp && sq)
      traffic = f2f_test_pair_traffic (sq, sp);
    /* graphs and stacks with F2F_TEST_DOT and F2F_TEST_STACKS */
    f2f_test_print_peer_stacks (room);
    fail ("%s: not everyone decoded, saw and heard everyone within %u ms: "
        "%s %s%s; %s", phase, ms, e.why, when, state,
        traffic ? traffic : "");
  }
  if (timing)
    *timing = milestones_text (&e);
  if (clean_ms)
    *clean_ms = clean_ready_ms (&e, lossy);
  g_free (e.why);
  g_free (e.gone_id);
  return (g_get_monotonic_time () - start) / 1000;
}

static gint
compare_uints (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

/* ---------------------------------------------------------------------- */

GST_START_TEST (test_chaos)
{
  const gchar *server_args[] = { "--address=0.0.0.0", NULL };
  Chaos c = { NULL, };
  guint cycles = env_uint ("F2F_CHAOS_CYCLES", CYCLES);
  guint32 seed = g_getenv ("F2F_CHAOS_SEED") ?
      env_uint ("F2F_CHAOS_SEED", 0) : g_random_int ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (GArray) recoveries = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) clean_recoveries = g_array_new (FALSE, FALSE,
      sizeof (guint));
  guint over_target = 0;
  g_autoptr (GPtrArray) room = NULL;
  Watch w = { 0, };
  GString *victims = g_string_new (NULL);
  guint i, cycle, join_ms, left_before[PEERS];
  gint64 test_start = g_get_monotonic_time ();

  g_print ("chaos seed %u (F2F_CHAOS_SEED=%u replays these victims)\n", seed,
      seed);
  c.extra = g_getenv ("F2F_CHAOS_PROPS");
  watch_reset (&w);
  c.server = f2f_test_server_start (0, server_args);
  for (i = 0; i < PEERS; i++)
    chaos_start (&c, i, "chaos");
  room = chaos_room (&c);
  expect_everyone (&w, room, "the room forming", 40000, NULL, NULL, NULL,
      NULL, NULL);
  f2f_test_host_set_loss (c.hosts[LOSSY], LOSS_PERCENT);
  g_print ("room formed; %s's link now loses %u %% of UDP both ways\n",
      names[LOSSY], LOSS_PERCENT);

  for (cycle = 0; cycle < cycles; cycle++) {
    gint64 cycle_start = g_get_monotonic_time ();
    guint victim = g_rand_int_range (rand, 0, PEERS - 1);
    g_autofree gchar *phase = g_strdup_printf ("cycle %u (%s restarted)",
        cycle + 1, names[victim]);
    g_autofree gchar *gone_id = NULL;
    g_autofree gchar *timing = NULL;
    guint took, clean;

    /* the seconds of the peers that stay, from before the kill on */
    g_string_append_printf (victims, "%s%s", cycle ? " " : "",
        names[victim]);
    watch_start (&w, room, c.peers[victim]);
    gone_id = g_strdup (c.peers[victim]->peer_id);
    chaos_kill (&c, victim);
    chaos_start (&c, victim, "chaos");
    g_ptr_array_unref (room);
    room = chaos_room (&c);
    took = expect_everyone (&w, room, phase, RECOVER_WAIT_MS,
        c.peers[victim], gone_id, &timing, c.peers[LOSSY], &clean);
    g_array_append_val (recoveries, took);
    g_array_append_val (clean_recoveries, clean);
    if (took > RECOVER_MS)
      over_target++;
    g_print ("%s: everyone decodes, sees and hears everyone %u ms after "
        "the restart %s; without %s's lossy link %u ms\n", phase, took,
        timing, names[LOSSY], clean);
    fail_unless (clean <= RECOVER_MS, "%s: the pairs not across the lossy "
        "link took %u ms to decode, see and hear each other, over %u ms",
        phase, clean, RECOVER_MS);
    fail_unless (took <= RECOVER_MS, "%s: everyone decoded, saw and heard "
        "everyone %u ms after the restart, over %u ms %s", phase, took,
        RECOVER_MS, timing);
    watch_wait (&w, NULL, NULL, MAX (0, CYCLE_MS - (g_get_monotonic_time ()
                - cycle_start) / 1000));
    if (w.stopped) {
      g_autofree gchar *state = describe (room);
      fail ("%s: a peer stopped decoding one that stayed: %s%s", phase,
          w.stopped, state);
    }
  }
  if (cycles > 0) {
    g_array_sort (recoveries, compare_uints);
    g_array_sort (clean_recoveries, compare_uints);
    g_print ("%u restarts (victims %s): recovery median %u ms, worst %u ms "
        "(the issue's 5 s: %s, %u over); without the lossy link median %u "
        "ms, worst %u ms; peers that stayed: the fewest frames decoded in a "
        "second %" G_GUINT64_FORMAT " video (%s), %" G_GUINT64_FORMAT
        " audio (%s) over %u s\n", cycles, victims->str,
        g_array_index (recoveries, guint, recoveries->len / 2),
        g_array_index (recoveries, guint, recoveries->len - 1),
        over_target ? "NOT met" : "met", over_target,
        g_array_index (clean_recoveries, guint, clean_recoveries->len / 2),
        g_array_index (clean_recoveries, guint, clean_recoveries->len - 1),
        w.least_video, w.least_video_pair, w.least_audio,
        w.least_audio_pair, w.seconds);
  }
  g_string_free (victims, TRUE);

  /* The server stops mid-call: the links are peer to peer and must not
   * notice. */
  watch_reset (&w);
  watch_start (&w, room, NULL);
  for (i = 0; i < PEERS; i++)
    left_before[i] = c.peers[i]->left->len;
  g_subprocess_send_signal (c.server->proc, SIGSTOP);
  watch_wait (&w, NULL, NULL, STALL_MS);
  g_subprocess_send_signal (c.server->proc, SIGCONT);
  g_print ("server stopped for %u s: the fewest frames a peer decoded of "
      "another in a second %" G_GUINT64_FORMAT " video (%s), %"
      G_GUINT64_FORMAT " audio (%s) over %u s\n", STALL_MS / 1000,
      w.least_video, w.least_video_pair, w.least_audio, w.least_audio_pair,
      w.seconds);
  if (w.stopped) {
    g_autofree gchar *state = describe (room);
    fail ("while the server was stopped, %s%s", w.stopped, state);
  }
  /* … and once it runs again, nobody left and a newcomer meets all */
  chaos_start (&c, PEERS, "chaos");
  g_ptr_array_unref (room);
  room = chaos_room (&c);
  watch_reset (&w);
  watch_start (&w, room, c.peers[PEERS]);
  {
    g_autofree gchar *timing = NULL;
    guint clean;

    join_ms = expect_everyone (&w, room, "a newcomer after the stall",
        RECOVER_WAIT_MS, c.peers[PEERS], NULL, &timing, c.peers[LOSSY],
        &clean);
    g_print ("a newcomer after the stall: everyone decodes, sees and hears "
        "everyone %u ms after its start %s; without %s's lossy link %u ms\n",
        join_ms, timing, names[LOSSY], clean);
    fail_unless (join_ms <= JOIN_MS, "a newcomer after the stall: everyone "
        "decoded, saw and heard everyone %u ms after its start, over %u ms "
        "(without %s's lossy link %u ms; %s)", join_ms, JOIN_MS,
        names[LOSSY], clean, timing);
  }
  for (i = 0; i < PEERS; i++)
    fail_unless (c.peers[i]->left->len == left_before[i], "%s saw %s leave "
        "during or after the server's stall", c.peers[i]->name,
        (gchar *) c.peers[i]->left->pdata[left_before[i]]);
  fail_if (w.stopped != NULL, "while %s joined, %s", names[PEERS],
      w.stopped);
  g_print ("after the stall: %s joined, and all five decode, see and hear "
      "each other, in %u ms; the whole test took %.0f s\n", names[PEERS],
      join_ms, (g_get_monotonic_time () - test_start) / 1e6);

  watch_reset (&w);
  chaos_free (&c);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Delay (tests/tools/f2f-delay-line): this kernel has no netem */

typedef struct
{
  GSubprocess *proc;
  gchar *dev;
  gchar *peer_addr;
  guint table;
} DelayLine;

static void
cmd (const gchar * format, ...) G_GNUC_PRINTF (1, 2);

static void
cmd (const gchar * format, ...)
{
  va_list args;
  g_autofree gchar *line = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status = 0;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  fail_unless (g_spawn_command_line_sync (line, &out, &err, &status, NULL)
      && g_spawn_check_wait_status (status, NULL), "'%s' failed: %s%s",
      line, out ? out : "", err ? err : "");
}

/* Everything @host's peer sends and everything sent to it waits @ms in a
 * delay line in the router (this namespace): @ms each way, 2 × @ms more
 * round trip to anyone. Packets from the delay line go by the main table;
 * those from or to the peer by one of their own, whose only route leads
 * into the line. */
static DelayLine *
delay_line_new (TestHost * host, guint ms)
{
  DelayLine *d = g_new0 (DelayLine, 1);
  g_autoptr (GSubprocessLauncher) launcher = f2f_test_launcher_new
      (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree gchar *tool = g_build_filename (g_getenv ("F2F_BUILD_ROOT"),
      "tests", "tools", "f2f-delay-line", NULL);
  g_autofree gchar *delay = g_strdup_printf ("%u", ms);
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr (GError) error = NULL;

  d->dev = g_strdup_printf ("f2fd%u", host->index);
  d->peer_addr = g_strdup (host->peer_addr);
  d->table = 1000 + host->index;
  d->proc = g_subprocess_launcher_spawn (launcher, &error, tool, "--dev",
      d->dev, "--delay", delay, NULL);
  fail_unless (d->proc != NULL, "cannot start %s: %s", tool,
      error ? error->message : "?");
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (d->proc));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, NULL);
  fail_unless (g_strcmp0 (line, "ready") == 0, "the delay line did not "
      "start");
  cmd ("ip link set %s up", d->dev);
  /* its packets come back with the peer's source (another interface's
   * route: reverse path filter) or the router's own (the server's
   * signaling: a local source) */
  cmd ("sysctl -q -w net.ipv4.conf.all.rp_filter=0 "
      "net.ipv4.conf.%s.rp_filter=0 net.ipv4.conf.%s.accept_local=1",
      d->dev, d->dev);
  cmd ("ip route add default dev %s table %u", d->dev, d->table);
  cmd ("ip rule add iif %s lookup main pref 100", d->dev);
  cmd ("ip rule add to %s/32 lookup %u pref 200", d->peer_addr, d->table);
  cmd ("ip rule add from %s/32 lookup %u pref 200", d->peer_addr, d->table);
  return d;
}

static void
delay_line_free (DelayLine * d)
{
  if (d == NULL)
    return;
  cmd ("ip rule del to %s/32 lookup %u pref 200", d->peer_addr, d->table);
  cmd ("ip rule del from %s/32 lookup %u pref 200", d->peer_addr, d->table);
  cmd ("ip rule del iif %s lookup main pref 100", d->dev);
  /* its input closed, the line stops; its device and routes go with it */
  g_output_stream_close (g_subprocess_get_stdin_pipe (d->proc), NULL, NULL);
  g_subprocess_wait (d->proc, NULL, NULL);
  g_object_unref (d->proc);
  g_free (d->dev);
  g_free (d->peer_addr);
  g_free (d);
}

static gdouble
link_rtt (TestPeer * p, TestPeer * other)
{
  GstStructure *s = other->peer_id ? g_hash_table_lookup (p->link_bitrate,
      other->peer_id) : NULL;
  gdouble v = -1;

  if (s)
    gst_structure_get_double (s, "rtt", &v);
  return v;
}

/* ---------------------------------------------------------------------- */
/* The audio loss benchmark (tests/bench/audio-loss.sh) */

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Two peers, A and B, B's link losing each listed percentage of UDP both
 * ways for F2F_AUDIO_LOSS_SECONDS (default 20) in turn, with 3 s without
 * loss between. Each 20 ms report of what A and B play (spectrum, 50 Hz
 * bands) is checked for the other's tone at its level without loss: a
 * report more than 6 dB under it is a frame lost or concealed audibly.
 * Prints one "audio-loss" line per percentage for the script's table. */
GST_START_TEST (test_audio_loss)
{
  const gchar *server_args[] = { "--address=0.0.0.0", NULL };
  g_auto (GStrv) levels = g_strsplit (g_getenv ("F2F_AUDIO_LOSS"), ",", -1);
  guint seconds = env_uint ("F2F_AUDIO_LOSS_SECONDS", 20);
  guint delay_ms = env_uint ("F2F_AUDIO_LOSS_DELAY_MS", 0);
  DelayLine *delay = NULL;
  Chaos c = { NULL, };
  g_autoptr (GPtrArray) room = NULL;
  TestPeer *a, *b;
  gdouble a_ref, b_ref;
  guint a0, b0, i;

  c.server = f2f_test_server_start (0, server_args);
  c.extra = g_getenv ("F2F_AUDIO_LOSS_PROPS");
  for (i = 0; i < 2; i++) {
    TestHost *host = f2f_test_host_new (HOST_BASE + c.next_host++);
    g_autofree gchar *uri = g_strdup_printf ("ws://%s:%u/ws",
        host->host_addr, c.server->port);
    g_autofree gchar *props = g_strdup_printf ("local-addresses=%s %s",
        host->peer_addr, c.extra ? c.extra : "");

    c.hosts[i] = host;
    c.peers[i] = f2f_test_peer_start_av_fast (host, uri, "audioloss",
        names[i], i, props);
    g_object_set_data (G_OBJECT (c.peers[i]->proc), "index",
        GUINT_TO_POINTER (i));
  }
  a = c.peers[0];
  b = c.peers[1];
  if (delay_ms)
    delay = delay_line_new (c.hosts[1], delay_ms);
  room = chaos_room (&c);
  fail_unless (f2f_test_wait_all_decode (room, 10, 40000),
      "the room did not form within 40 s");
  /* the reference: each tone's level over 3 s without loss */
  f2f_test_wait (never, NULL, 2000);
  a0 = a->tone_history->len;
  b0 = b->tone_history->len;
  f2f_test_wait (never, NULL, 3000);
  a_ref = f2f_test_tone_median (a, 1, a0, a->tone_history->len);
  b_ref = f2f_test_tone_median (b, 0, b0, b->tone_history->len);
  fail_unless (a_ref > HEARD_DB && b_ref > HEARD_DB, "no tone before the "
      "loss: A hears B at %.1f dB, B hears A at %.1f dB", a_ref, b_ref);
  g_print ("audio-loss reference: A hears B at %.1f dB, B hears A at %.1f "
      "dB; %u ms added each way on B's link; RTT A-B as A sees it %.0f ms, "
      "as B sees it %.0f ms\n", a_ref, b_ref, delay_ms, link_rtt (a, b),
      link_rtt (b, a));

  for (i = 0; levels[i]; i++) {
    guint percent = atoi (levels[i]);
    guint64 a_audio = f2f_test_peer_audio_from (a, b->peer_id);
    guint64 b_audio = f2f_test_peer_audio_from (b, a->peer_id);
    guint a_n, b_n, a_miss, b_miss;
    guint a_failures = a->failures->len, b_failures = b->failures->len;

    f2f_test_host_set_loss (c.hosts[1], percent);
    a0 = a->tone_history->len;
    b0 = b->tone_history->len;
    f2f_test_wait (never, NULL, seconds * 1000);
    a_n = a->tone_history->len - a0;
    b_n = b->tone_history->len - b0;
    a_miss = f2f_test_tone_missing (a, 1, a0, a0 + a_n, a_ref);
    b_miss = f2f_test_tone_missing (b, 0, b0, b0 + b_n, b_ref);
    a_audio = grown (f2f_test_peer_audio_from (a, b->peer_id), a_audio);
    b_audio = grown (f2f_test_peer_audio_from (b, a->peer_id), b_audio);
    f2f_test_host_set_loss (c.hosts[1], 0);
    /* one line, fields: percent, then per direction (B→A, then A→B) the
     * reports, those missing the tone, their share in %, the decoded
     * audio frames per second (f2fsignal's count), links failed */
    g_print ("audio-loss %u %u %u %.2f %.1f %u %u %u %.2f %.1f %u\n", percent,
        a_n, a_miss, a_n ? 100.0 * a_miss / a_n : 0,
        a_audio / (gdouble) seconds, a->failures->len - a_failures, b_n,
        b_miss, b_n ? 100.0 * b_miss / b_n : 0,
        b_audio / (gdouble) seconds, b->failures->len - b_failures);
    f2f_test_wait (never, NULL, 3000);
  }
  /* the peers first: the line carries their goodbyes */
  chaos_free (&c);
  delay_line_free (delay);
}

GST_END_TEST;

static Suite *
chaos_suite (void)
{
  Suite *s = suite_create ("f2f chaos");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, TIMEOUT_S);
  tcase_add_checked_fixture (tc, watchdog_setup, f2f_test_teardown);
  suite_add_tcase (s, tc);
  /* a benchmark, run by tests/bench/audio-loss.sh only */
  if (g_getenv ("F2F_AUDIO_LOSS"))
    tcase_add_test (tc, test_audio_loss);
  else
    tcase_add_test (tc, test_chaos);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  f2f_test_enter_private_netns ();
  gst_check_init (&argc, &argv);
  s = chaos_suite ();
  return gst_check_run_suite (s, "chaos", __FILE__);
}
