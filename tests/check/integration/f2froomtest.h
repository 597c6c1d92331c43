/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Multi-process room tests: a real f2f-signaling-server and real peer
 * processes (tests/tools/f2f-peer-tool running an f2fsignal pipeline), on
 * 127.0.0.1 inside the private network namespace the test runs in. Every
 * wait is a condition with a deadline; every child is killed and reaped.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct
{
  GSubprocess *proc;
  gchar *uri;
  guint port;
} TestServer;

#define F2F_TEST_AV_MAX 8

/* One report of f2f_test_peer_start_av's measurements: the peer's running
 * time (ms) and a value per room tone or colour. */
typedef struct
{
  gint64 t_ms;
  gint64 arrived_us;            /* the test's monotonic time of the line:
                                 * the peers' clocks are their own */
  gdouble v[F2F_TEST_AV_MAX];
} F2fTestLevels;

typedef struct
{
  gchar *name;
  GSubprocess *proc;
  GDataInputStream *out;
  GOutputStream *in;
  gchar *peer_id;
  gchar *leader;                /* the room's leader, as last heard
                                 * (f2f-joined, f2f-leader-changed) */
  guint leader_changes;         /* f2f-leader-changed messages seen */
  guint joins;                  /* f2f-joined messages seen */
  GHashTable *video;            /* peer id → latest decoded video frames */
  GHashTable *audio;            /* peer id → latest decoded audio frames */
  GHashTable *audio_delay;      /* peer id → how old (ms) its latest
                                 * decoded audio was (a gint64 stored as
                                 * guint64) */
  GHashTable *audio_ahead;      /* peer id → the most (ms) its decoded
                                 * audio was stamped ahead of this peer's
                                 * clock since the table was emptied
                                 * (f2f_test_expect_everyone_hears) */
  GHashTable *key_repeats;      /* peer id → keyframe requests for its
                                 * video made again (f2f-peer-stats) */
  GHashTable *present;          /* peer id → TRUE while in the room */
  GPtrArray *left;              /* "id/reason" of f2f-peer-left, in order */
  GPtrArray *chats;             /* "name|text" of f2f-chat, in order */
  GPtrArray *room_messages;     /* "peer channel text" from the room object */
  guint sent_yes, sent_no;      /* answers to send commands */
  GPtrArray *pads;              /* names of f2fsignal's pads that are there */
  GstStructure *topology;       /* the latest f2f-topology message */
  GPtrArray *failures;          /* reasons of failed links */
  GHashTable *link_states;      /* peer id → the latest state of its link */
  GHashTable *link_setups;      /* peer id → "description D, ICE I, setup
                                 * S ms" of its link's latest connected
                                 * f2f-link-state (-1: not reached) */
  gchar *error;                 /* the first error line */
  GPtrArray *criticals;         /* "domain: text" of criticals/warnings */
  gboolean exited;
  gint exit_status;
  gboolean reconnected;
  GPtrArray *file_events;       /* GstStructure: f2f-file-* messages and
                                 * progress messages, in order */
  GPtrArray *warnings;          /* warning texts */
  GPtrArray *chat_times;        /* monotonic µs at which each chat arrived */
  GPtrArray *shared_ids;        /* answers to share commands */
  GstStructure *files;          /* the latest answer to a list command */
  GstStructure *topology_plan;  /* the latest f2f-topology-changed */
  gint64 plan_time_us;          /* monotonic time it arrived */
  GPtrArray *elections;         /* f2f-election-started/-result messages
                                 * of f2felection, in order, each with
                                 * test-time-us (when it arrived) */
  guint measurements;           /* f2f-measurement messages seen */
  GArray *uplink_estimates;     /* guint64: each new uplink-bps of its own
                                 * f2f-measurement (the probe's estimates) */
  guint probes;                 /* uplink probes answered, as last posted */
  gdouble encode_ms;            /* encode-ms of its latest own
                                 * f2f-measurement (-1 unknown) */
  gchar *role;                  /* the latest new-role of f2f-role-changed,
                                 * "mesh" before any */
  gchar *role_mixer;            /* and its mixer ("" unless a client) */
  guint role_changes;
  gint64 stats_us;              /* the arrival of its latest
                                 * f2f-peer-stats (f2fsignal's own thread
                                 * posts them every stats-interval) */
  GString *order;               /* "left <id>" and "role <old> <new>"
                                 * lines, in the order they came */
  guint proposed_yes, proposed_no;      /* answers to topology commands */
  GHashTable *link_bitrate;     /* peer id → the latest f2f-link-bitrate
                                 * (GstStructure) about the link to it */
  GPtrArray *limited;           /* f2f-link-limited messages, in order */
  GString *suspensions;         /* "<ms> <peer id> suspended|tried
                                 * (delivered/sent/capacity kbit/s)" lines:
                                 * each change of a link's video-suspended
                                 * in its f2f-link-bitrate, ms on the
                                 * test's monotonic clock */
  GArray *levels;               /* gdouble: the loudest channel's RMS in
                                 * dB of each level message (with
                                 * TestPeerMedia.audio_level) */
  GHashTable *negotiations;     /* peer id → offers and answers sent */
  /* With f2f_test_peer_start_av: the level (dB) of each room tone in what
   * the peer plays, and how many pixels of its room view are of each
   * room colour (of pixels in all), as last reported, and how many
   * reports came. */
  gdouble tones[F2F_TEST_AV_MAX];
  guint tone_reports;
  guint colors[F2F_TEST_AV_MAX];
  guint pixels;
  guint color_reports;
  GArray *tone_history;         /* F2fTestLevels, with F2F_TEST_AV_FAST
                                 * or TestPeerMedia.tones */
  GArray *color_history;        /* F2fTestLevels (pixels as levels) */
  GHashTable *bytes_sent;       /* peer id → bytes sent, as last sampled */
  GHashTable *bytes_received;   /* peer id → bytes received, as last
                                 * sampled */
  guint samples;                /* answers to sample commands */
  gchar *drops;                 /* the latest answer to a drops command:
                                 * "<f2fcompositor path>=<late samples
                                 * dropped> …" */
  guint drops_answers;
  gchar *heals;                 /* the latest answer to a heals command:
                                 * "<peer>/<requests>/<ms>,<ms>,… …" */
  guint heals_answers;
  /* How the process ended: its stderr is read (and passed on to the
   * test's, each line after the peer's name) so that a peer that dies
   * can be told with its last words. */
  GDataInputStream *err;
  gboolean err_closed;          /* its stderr reached end of file */
  GQueue *err_tail;             /* its last lines on stderr (gchar *) */
  gboolean reaped;              /* the process ended and was waited for */
  gboolean exit_expected;       /* quit, killed or freed by the test */
  gchar *pid;                   /* its process id (GSubprocess forgets it
                                 * once the process is reaped) */
} TestPeer;

/* What a test peer sends and how it listens; NULL fields keep the
 * defaults (160×120 at 10 fps, a pattern by index, no level). */
typedef struct
{
  const gchar *video_caps;      /* e.g. "width=320,height=240,framerate=15/1" */
  const gchar *pattern;         /* videotestsrc pattern, e.g. "snow" */
  gboolean audio_level;         /* a level element (20 ms) on the room
                                 * view's audio: TestPeer.levels */
  gboolean tones;               /* a spectrum (20 ms, 100 Hz bands) on it:
                                 * the level of each media peer's tone,
                                 * f2f_test_media_tone (index), in every
                                 * report, TestPeer.tone_history */
} TestPeerMedia;

/* Moves the test into a new network namespace with only loopback, or
 * skips it (exit 77): these tests never send a packet off the machine.
 * Call first thing in main(). */
void f2f_test_enter_private_netns (void);

/* A launcher whose children are killed when the test process dies, even
 * when a failed check exits at once. */
GSubprocessLauncher *f2f_test_launcher_new (GSubprocessFlags flags);

/* Prints every thread's stack shortly before a test of @timeout_s seconds
 * would time out; use as a checked fixture (start in setup, stop in
 * teardown). */
void f2f_test_watchdog_start (guint timeout_s);
void f2f_test_watchdog_stop (void);
/* The checked fixture's teardown: joins GStreamer's pooled threads, then
 * stops the watchdog. */
void f2f_test_teardown (void);
/* For a room that failed: with F2F_TEST_DOT=<dir>, each live peer of
 * @peers (TestPeer*) writes its pipeline's graph there; with
 * F2F_TEST_STACKS set, every thread's stack of each on stderr. */
void f2f_test_print_peer_stacks (GPtrArray * peers);
/* With F2F_TEST_STACKS: every thread's stack of @proc (gdb), after a line
 * naming it @what. */
void f2f_test_print_process_stacks (GSubprocess * proc, const gchar * what);
void f2f_test_print_peer_drops (GPtrArray * peers);
/* Asks @peer about its video depayloader for the link to @from_id: the
 * keyframe requests it sent upstream after loss it could not repair, and
 * each wait, in ms, from the first request to the next keyframe it got
 * (appended to @waits_ms, gint64), oldest first. FALSE when the peer did
 * not answer within 3 s or has no such depayloader. */
gboolean f2f_test_peer_heals (TestPeer * peer, const gchar * from_id,
    guint * requests, GArray * waits_ms);

gint64 f2f_test_deadline_ms (guint ms);
/* Iterates the default main context until @cond or the deadline. */
gboolean f2f_test_wait (gboolean (*cond) (gpointer), gpointer data,
    guint timeout_ms);

/* A self-signed certificate for 127.0.0.1 (cert.pem, key.pem in @dir),
 * made by the openssl program; FALSE when there is none. */
gboolean f2f_test_make_certificate (const gchar * dir, gchar ** cert,
    gchar ** key);

TestServer *f2f_test_server_start (guint port, const gchar * const *extra);
void f2f_test_server_stop (TestServer * server, gboolean kill);
void f2f_test_server_free (TestServer * server);

/* Starts a peer with a test pattern and tone. @extra: more f2fsignal
 * properties ("password=x"), or NULL. */
TestPeer *f2f_test_peer_start (TestServer * server, const gchar * room,
    const gchar * name, guint index, const gchar * extra);
/* The network lab: a peer process in a network namespace of its own,
 * joined to the test's namespace by a veth pair (host_addr on the test's
 * side, peer_addr on the peer's), with loss applied on that pair. */
typedef struct
{
  guint index;
  gchar *host_if, *peer_if;
  gchar *host_addr, *peer_addr;
  gchar *pid;                   /* the peer process, once started */
  guint loss;                   /* percent, both ways */
  gboolean tcp_blocked;
} TestHost;

TestHost *f2f_test_host_new (guint index);
/* Caps the rate of what the peer sends (its uplink) with tbf on its end of
 * the pair, as its modem would: a queue of up to 400 ms, then drops.
 * 0 lifts the cap. */
void f2f_test_host_set_uplink_cap (TestHost * host, guint kbit);
/* Caps the rate of what reaches the peer (its downlink) the same way, on
 * the router's end of the pair. 0 lifts the cap. */
void f2f_test_host_set_downlink_cap (TestHost * host, guint kbit);
/* What the peer's uplink qdisc sent (bytes, packets) and dropped (packets)
 * so far. */
void f2f_test_host_uplink_counters (TestHost * host, guint64 * sent_bytes,
    guint64 * sent_packets, guint64 * dropped);
/* Random loss of @percent % of UDP packets in each direction (0: none). */
void f2f_test_host_set_loss (TestHost * host, guint percent);
/* Since that loss was set: the UDP packets that came to the peer and the
 * ones of them dropped, and the same of what it sent. */
void f2f_test_host_loss_counts (TestHost * host, guint64 * to_peer,
    guint64 * to_peer_dropped, guint64 * from_peer,
    guint64 * from_peer_dropped);
/* Drops every TCP packet on the pair (its signaling), both ways, or not. */
void f2f_test_host_block_tcp (TestHost * host, gboolean block);
void f2f_test_host_free (TestHost * host);
/* f2f_test_peer_start for a peer in @host's namespace (or, with NULL, in
 * the test's), joining the server at @server_uri. */
TestPeer *f2f_test_peer_start_in (TestHost * host, const gchar * server_uri,
    const gchar * room, const gchar * name, guint index, const gchar * extra);
/* … with @media (NULL: the defaults). */
TestPeer *f2f_test_peer_start_media (TestHost * host,
    const gchar * server_uri, const gchar * room, const gchar * name,
    guint index, const gchar * extra, const TestPeerMedia * media);
/* Whether @critical ("domain: text", TestPeer.criticals) is the one GLib
 * critical GStreamer 1.22.0's rtpsession raises in its known race (its
 * RTCP timer's walk of the sources, broken by a source added meanwhile;
 * fixed in 1.22.10: docs/architecture.md, "A race of rtpsession"), which
 * tests print rather than fail on. */
gboolean f2f_test_critical_is_rtpsession_race (const gchar * critical);
/* The tone a peer started with f2f_test_peer_start_media sends (Hz). */
guint f2f_test_media_tone (guint index);
/* The level (dB) of tone @tone (its place in the peer's list: the room
 * index) in @p's tone_history[@from, @to): the median, and the number of
 * 20 ms reports more than 6 dB under @reference (the tone missing or
 * faded: a hole or a concealment a listener hears). */
gdouble f2f_test_tone_median (TestPeer * p, guint tone, guint from, guint to);
guint f2f_test_tone_missing (TestPeer * p, guint tone, guint from, guint to,
    gdouble reference);
/* The runs of missing reports in [@from, @to), for a failure message
 * (g_free it). */
gchar *f2f_test_tone_holes (TestPeer * p, guint tone, guint from, guint to,
    gdouble reference);
/* What else was so while a hole was heard: @from_us and @to_us are when
 * its first and last reports came (g_get_monotonic_time); a new string. */
typedef gchar *(*F2fTestHoleTeller) (gint64 from_us, gint64 to_us,
    gpointer data);
/* f2f_test_tone_holes, each hole followed by what @tell says of it. */
gchar *f2f_test_tone_holes_told (TestPeer * p, guint tone, guint from,
    guint to, gdouble reference, F2fTestHoleTeller tell, gpointer data);
/* The longest time (ms) @p did not hear tone @tone in [@from, @to): runs
 * of missing reports, and gaps between the reports' running times (a
 * stream that stopped makes none). */
gint64 f2f_test_tone_longest_hole_ms (TestPeer * p, guint tone, guint from,
    guint to, gdouble reference);
/* A tone at or over this (dB) is heard. */
#define F2F_TEST_HEARD_DB -45.0
/* A peer whose camera is a solid colour and whose microphone is a tone,
 * both its own (f2f_test_av_color, f2f_test_av_tone; index <
 * F2F_TEST_AV_MAX), and which reports the level of every room tone in what
 * it plays and the pixels of every room colour in its room view (TestPeer
 * tones, colors). */
TestPeer *f2f_test_peer_start_av (TestHost * host, const gchar * server_uri,
    const gchar * room, const gchar * name, guint index, const gchar * extra);
/* … measuring every 20 ms (tones, with 50 Hz bands) and 50 ms (colours),
 * and keeping every report in tone_history and color_history. */
TestPeer *f2f_test_peer_start_av_fast (TestHost * host,
    const gchar * server_uri, const gchar * room, const gchar * name,
    guint index, const gchar * extra);
/* f2f_test_peer_start_av (or, with @fast, …_av_fast) in the test's own
 * namespace, its room @index kept as the process's "index" object data
 * (what f2f_test_expect_everyone_hears reads), added to @peers. */
TestPeer *f2f_test_room_add_av (GPtrArray * peers, const gchar * server_uri,
    const gchar * room, const gchar * name, guint index, const gchar * extra,
    gboolean fast);
guint f2f_test_av_tone (guint index);
guint32 f2f_test_av_color (guint index);
/* Sends a command line; fails the test, saying how the peer ended and
 * what it last wrote on stderr, when the peer is gone. */
void f2f_test_peer_send (TestPeer * peer, const gchar * line);
/* For a pair that failed: what @from's webrtcbin sent on its link to @to
 * and what @to's received on its link from @from, sampled twice 1 s
 * apart (whether media leave one end, reach the other, or neither). */
gchar *f2f_test_pair_traffic (TestPeer * from, TestPeer * to);
/* "running", "exited with status N" or "killed by signal N (name)", and
 * the last lines of the peer's stderr; free with g_free. */
gchar *f2f_test_peer_describe_end (TestPeer * peer);
void f2f_test_peer_kill (TestPeer * peer);
/* The resident set size of the peer's process, in KiB (0 if gone). */
guint64 f2f_test_peer_rss_kib (TestPeer * peer);
/* Sends quit and waits for the process to end. */
gboolean f2f_test_peer_quit (TestPeer * peer, guint timeout_ms);
void f2f_test_peer_free (TestPeer * peer);

/* Tables of peer id → frame count (guint64), as the peers' stats report. */
void f2f_test_set_count (GHashTable * table, const gchar * id,
    guint64 value);
guint64 f2f_test_count_of (GHashTable * table, const gchar * id);

/* Offers and answers sent, summed over every pair of @peers. */
guint64 f2f_test_negotiations (GPtrArray * peers);

/* For f2f_test_wait: whether @watcher saw the peer @id leave. */
typedef struct
{
  TestPeer *watcher;
  const gchar *id;
} F2fTestSeesLeft;
gboolean f2f_test_sees_left (gpointer sees_left);

/* What each listener heard of each speaker in an earlier phase, in dB,
 * [listener's room index][speaker's]; 0 where nothing is known. */
typedef gdouble F2fTestLevelTable[F2F_TEST_AV_MAX][F2F_TEST_AV_MAX];

/* Waits up to @ms until each of @peers (started by f2f_test_peer_start_av,
 * each process carrying its room index as its "index" object data) has
 * reported twice since the call (the first report may predate a switch)
 * and plays every other peer's tone (≥ −45 dB) and shows its colour (≥ 12
 * pixels), with its own tone 40 dB under the quietest other one; with
 * @reference, no voice 3 dB or more louder than there (heard twice);
 * and, with f2f_test_audio_ahead_ms, no peer decoded anyone's audio
 * stamped more than that ahead of its clock since the call. Prints what
 * each peer plays, labelled @phase; fails the test with the first reason
 * otherwise. Returns the ms it took. */
guint f2f_test_expect_everyone_hears (GPtrArray * peers, const gchar * phase,
    guint ms, const F2fTestLevelTable * reference);

/* What f2f_test_expect_everyone_hears allows (ms) of decoded audio stamped
 * ahead of its listener's clock: 150 unless a test says otherwise (0: not
 * asserted, only printed). */
extern guint f2f_test_audio_ahead_ms;

/* The latest state f2fsignal reported for its link to @to, or "-". */
const gchar *f2f_test_peer_link_state (TestPeer * peer, const gchar * to);
guint64 f2f_test_peer_video_from (TestPeer * peer, const gchar * from);
guint64 f2f_test_peer_audio_from (TestPeer * peer, const gchar * from);

/* TRUE when every peer of @peers decoded at least @frames video and audio
 * frames from every other. */
gboolean f2f_test_all_decode (GPtrArray * peers, guint64 frames);
/* Waits (with a deadline) until f2f_test_all_decode (@peers, @frames). */
gboolean f2f_test_wait_all_decode (GPtrArray * peers, guint64 frames,
    guint timeout_ms);

/* Plans and elections as the peers report them (f2fsignal's
 * f2f-topology-changed and f2f-role-changed, f2felection's messages). */

/* For f2f_test_wait: the peer has its id (f2f-joined). */
gboolean f2f_test_joined (gpointer peer);

typedef struct
{
  GPtrArray *peers;
  guint n_mixers;
  const gchar *not_mixer;       /* a peer id that must not mix, or NULL */
} F2fTestPlan;

/* For f2f_test_wait (an F2fTestPlan): every peer has joined and holds the
 * same plan with n_mixers mixers (none of them not_mixer), and plays its
 * role in it. */
gboolean f2f_test_plan_held (gpointer plan);
/* The first peer of @peers whose role is "mixer", or NULL. */
TestPeer *f2f_test_the_mixer (GPtrArray * peers);
/* When the last of @peers adopted the plan it holds. */
gint64 f2f_test_plan_applied_us (GPtrArray * peers);
/* The first election message named @name that arrived at or after
 * @since_us at any of @peers (NULL: none), who sent it and when. */
GstStructure *f2f_test_election_after (GPtrArray * peers, const gchar * name,
    gint64 since_us, TestPeer ** who, gint64 * t_us);
/* For f2f_test_wait: an f2f-election-result from any of @peers reached the
 * test at or after @since_us. (Each peer's messages come on its own pipe,
 * so everyone may hold a plan before the leader's result line is read.) */
typedef struct
{
  GPtrArray *peers;
  gint64 since_us;
} F2fTestResultAfter;
gboolean f2f_test_has_election_result (gpointer data);

G_END_DECLS
