/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The election's decision as a pure function: what every peer measured,
 * the plan the room runs, who is in the room and the time since that plan
 * was adopted go in; the next plan (or "keep the current one") comes out.
 * No sockets, no pipelines, no clock: f2felection measures, exchanges
 * measurements, runs this function where the protocol says, and proposes
 * what it returns.
 *
 * SCORE. Each peer gets a score for mixing; the score is an effective
 * uplink in bit/s: the part of its measured uplink a mixer may fill,
 * multiplied by its declared class and by one factor in (0, 1] per
 * quality measurement:
 *
 *   value = uplink × USABLE × class × loss × rtt × cpu × encode
 *
 * Capacity dominates: it is the base the other terms only scale, so a
 * peer with twice the uplink wins unless its other measurements are poor
 * (its factors multiply to less than half), and a peer with ten times the
 * uplink practically always wins. The weights (GST_F2F_ELECT_*, below) are
 * explained where they are defined.
 *
 * ELIGIBLE. A peer may mix only when
 *   - it did not declare itself never-mixer, and
 *   - its uplink is unknown, or USABLE × uplink carries the load it would
 *     have: gst_f2f_elect_mixer_need(), the composite video and one audio
 *     mix for each of its clients plus a submix for each other mixer, at
 *     the configured bitrates. A peer whose uplink cannot carry that is
 *     never chosen, however good the rest of it is.
 *
 * MISSING MEASUREMENTS. A measurement record older than max-age-ms, or
 * none at all, counts as "everything unknown" (only the declared class
 * stays: it is a declaration, not a measurement). A peer whose uplink is
 * unknown is "unmeasured": it ranks after every measured eligible peer
 * whatever its value, so a peer nobody could measure is never preferred to
 * one known to carry the load; among unmeasured peers the value still
 * ranks them: need × UNMEASURED_SHARE × class × the quality factors (a
 * figure for the arithmetic, not a claim about its uplink). It stays
 * eligible: a room past max-mesh-size needs mixers before the probes are
 * done. A single unknown quality measurement (loss, RTT, CPU, encode
 * time) costs GST_F2F_ELECT_UNKNOWN_FACTOR, a little less than a good
 * measurement and much less than a bad one (neutral-low).
 *
 * SILENT PEERS. A peer without a fresh record publishes no measurements:
 * it runs no f2felection (a browser running f2f.js, which cannot mix and
 * declines a plan that names it, proposing another one epoch up), or it
 * went silent (frozen, or its records stopped). Electing it costs an
 * extra epoch at best, clients without a mixer at worst. So while at
 * least as many eligible peers with a fresh record as the room needs
 * mixers exist, a peer without one is not eligible: never a mixer, and a
 * mixer of the plan that became silent is replaced as unfit after
 * min-dwell-ms. With fewer, it stays eligible (ranked after every
 * measured peer, as above): a room past max-mesh-size may need it, e.g.
 * an f2fsignal peer without f2felection that can mix. A peer whose
 * record says its uplink is unknown (its probes are not done yet) has a
 * record: it is unmeasured, not silent.
 *
 * RANK. Eligible before ineligible, measured before unmeasured, greater
 * value first, then the smaller peer id (strcmp): a total order, so every
 * peer that runs the function on the same inputs gets the same plan.
 *
 * HOW MANY MIXERS. None while the room has at most max-mesh-size peers,
 * unless a peer is UPLINK LIMITED: its measured (or declared) uplink
 * cannot carry its mesh streams, USABLE × uplink < (n − 1) × (video +
 * audio), in a room of at least 3 (with 2 a mixer saves nobody a stream),
 * and a peer whose measured uplink carries a mixer's load exists (an
 * unmeasured one may carry less than the mesh it would replace).
 * Then the room takes mixers as if it were past max-mesh-size: as a client
 * that peer sends one stream, to its mixer, instead of n − 1 (and it is
 * never the mixer: a mixer's load is at least its mesh streams). It goes
 * back to the mesh by the shrink rule below only once every measured
 * peer's usable uplink carries LIMIT_MARGIN × its mesh streams, so an
 * estimate that wobbles around the line does not flap the room. Above
 * max-mesh-size, the fewest k that lets every mixer serve at most
 * max-clients-per-mixer clients (k = ⌈n / (max-clients-per-mixer + 1)⌉),
 * raised while fewer than k peers are eligible for the load of an even
 * split (more mixers, fewer clients each, a smaller need); when no k up to
 * n/2 has enough eligible peers the room stays the mesh, or goes back to it
 * after min-dwell-ms.
 *
 * WHO SERVES WHOM. A client keeps the mixer it has (its assignment, or for a
 * peer that joined after the plan the plan's first mixer, which is where the
 * plan's late-joiner rule already put it) while that mixer stays a mixer, is
 * under max-clients-per-mixer and can carry one more client; and, only when
 * the set of mixers changes, while that mixer is under its share of the
 * clients (in proportion to value, rounded up), so that a new mixer takes
 * its part from the others. With the same mixers nobody moves for balance
 * alone: measurements that wobble move no one. The others, the worst links
 * first (so they get first pick), each go to the mixer with the fewest
 * clients per unit of value after taking it ((clients + 1) / value: a mixer
 * with twice the value takes twice the clients), among the mixers under
 * max-clients-per-mixer whose uplink carries one more; ties to the
 * better-ranked mixer. Only when every mixer is full does a client go over a
 * limit, to the same least-loaded mixer (the plan's rule would otherwise put
 * it on the first mixer).
 *
 * WHEN THE PLAN CHANGES (hysteresis). Membership is a fact, measurements
 * are noisy, so:
 *   - at once: a mixer of the plan left (failover: the plan's rule has
 *     already put the room in the mesh), the room needs more mixers than
 *     the plan has (it grew past max-mesh-size or past what its mixers may
 *     serve), a newcomer cannot stay with the plan's first mixer (full);
 *   - after min-dwell-ms since the plan was adopted: a mixer that is no
 *     longer eligible (uplink dropped, declared never-mixer) is replaced;
 *     a working mixer is replaced by a peer ranked above it by at least
 *     min-gain (value ≥ (1 + min-gain) × the mixer's value, or measured
 *     against an unmeasured mixer); nobody can mix any more: the mesh;
 *   - when nobody joined or left for shrink-dwell-ms (and the plan is
 *     min-dwell-ms old): fewer mixers, or back to the mesh when the room
 *     has at most max-mesh-size peers. A room that keeps crossing the
 *     threshold keeps its mixers until it settles: 10 join/leave cycles
 *     faster than shrink-dwell make one plan change (the first growth),
 *     plus one back to the mesh when they stop; slower ones make two a
 *     cycle; if the one who cycles is the mixer and comes back under a
 *     new id, one a cycle (each return finds the plan's mixer gone).
 * A kept client whose mixer's measured uplink can no longer carry it also
 * moves only after min-dwell-ms.
 * A change that is due but held by a dwell is reported with how long it
 * still waits, so the caller can call again then. A result that would put
 * every present peer where the current plan puts it (the same mixers,
 * every client on the same mixer) is no change: NULL, never a new epoch;
 * except a plan replacing one that names a mixer that left (the plan's own
 * rule has moved that mixer's clients already, or made the room a mesh),
 * which may change nothing for the media but drops the departed id, so
 * the old plan cannot come back to life when that peer rejoins under the
 * same id.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>
#include <gst/f2f/f2fplan.h>

G_BEGIN_DECLS

/* ---------------------------------------------------------------------- */
/* The weights. Each is one factor of the value above. */

/* Share of a measured uplink a mixer may fill with media: the probe
 * measures the bottleneck rate, and the rest is left for what the mixer
 * sends besides (RTCP, retransmissions, data channels, its own browsing)
 * and for the estimate's error (the probe is within about ±25 %). */
#define GST_F2F_ELECT_USABLE_SHARE 0.8

/* A peer declared server-class (a headless box on a wired uplink, made to
 * mix) counts four times: strongly preferred, so that a normal laptop only
 * beats it with more than four times its effective uplink. */
#define GST_F2F_ELECT_SERVER_FACTOR 4.0

/* Loss: factor 1 − LOSS_WEIGHT × loss (a fraction), at least LOSS_FLOOR.
 * 2 % costs 10 %, 10 % halves the value, 15 % and more quarter it. A
 * mixer's loss is every client's loss, and video at 10 % loss already
 * falls to 9–12 fps here (docs FACTS), so loss weighs most after
 * capacity. */
#define GST_F2F_ELECT_LOSS_WEIGHT 5.0
#define GST_F2F_ELECT_LOSS_FLOOR 0.25

/* RTT (the worst, or the mean, of the peer's links, in ms): factor
 * 1 − rtt / RTT_SCALE_MS, at least RTT_FLOOR. A mixer adds a hop, and its
 * latency is on every path through it: 100 ms costs 10 %, 250 ms 25 %,
 * 500 ms and more halve the value. Latency hurts talk but, unlike loss and
 * capacity, does not break the media, hence the gentler floor. */
#define GST_F2F_ELECT_RTT_SCALE_MS 1000.0
#define GST_F2F_ELECT_RTT_FLOOR 0.5

/* CPU load of the peer's machine (0..1, all cores): factor
 * 1 − CPU_WEIGHT × load: idle 1, half-loaded 0.7, saturated 0.4. A mixer
 * decodes every client, composites and encodes once more per client; a
 * busy machine gets slower at all of it. */
#define GST_F2F_ELECT_CPU_WEIGHT 0.6

/* Encode time of one camera frame (ms): factor
 * 1 − encode / ENCODE_SCALE_MS, at least ENCODE_FLOOR. The composite has
 * four times a camera frame's pixels (640×480 against 320×240); at 15 fps
 * a frame has 66 ms, so a camera frame taking 16 ms predicts a composite
 * that takes the whole frame time: there the factor reaches its floor.
 * 4 ms (typical VP8 here) costs 12.5 %. */
#define GST_F2F_ELECT_ENCODE_SCALE_MS 32.0
#define GST_F2F_ELECT_ENCODE_FLOOR 0.5

/* One quality measurement that is unknown (loss, RTT, CPU or encode
 * time): the factor of a decent measurement (about 2 % loss, 100 ms,
 * 17 % CPU, 3 ms encode), below a good one, far above a bad one. Four
 * unknowns together cost a third: a peer measured on uplink alone still
 * beats a fully measured one with half its uplink. */
#define GST_F2F_ELECT_UNKNOWN_FACTOR 0.9

/* The value of a peer with an unknown uplink starts from need ×
 * UNMEASURED_SHARE instead of USABLE_SHARE × uplink: half what the load
 * needs, so the value stays in bit/s and ranks unmeasured peers among
 * themselves by class and quality; the ranking puts every measured
 * eligible peer before them anyway. */
#define GST_F2F_ELECT_UNMEASURED_SHARE 0.5

/* ---------------------------------------------------------------------- */

/**
 * GstF2fCapacityClass:
 * @GST_F2F_CAPACITY_NORMAL: an ordinary peer.
 * @GST_F2F_CAPACITY_SERVER: a server-class box: strongly preferred as a
 *   mixer (%GST_F2F_ELECT_SERVER_FACTOR), still only if its uplink carries
 *   the load.
 * @GST_F2F_CAPACITY_NEVER_MIXER: never make this peer a mixer.
 *
 * What a peer declares about itself (a property of its f2felection).
 */
typedef enum
{
  GST_F2F_CAPACITY_NORMAL,
  GST_F2F_CAPACITY_SERVER,
  GST_F2F_CAPACITY_NEVER_MIXER,
} GstF2fCapacityClass;

/**
 * GstF2fElectReason:
 * @GST_F2F_ELECT_REASON_NONE: nothing calls for another plan.
 * @GST_F2F_ELECT_REASON_GROW: the room needs (more) mixers.
 * @GST_F2F_ELECT_REASON_MIXER_LEFT: a mixer of the plan left.
 * @GST_F2F_ELECT_REASON_NEWCOMER: a peer joined after the plan and the
 *   plan's first mixer cannot take it.
 * @GST_F2F_ELECT_REASON_UNFIT: a mixer can no longer carry its load or
 *   declared itself never-mixer.
 * @GST_F2F_ELECT_REASON_BETTER: a peer outranks a mixer by min-gain.
 * @GST_F2F_ELECT_REASON_SHRINK: fewer mixers, or back to the mesh.
 * @GST_F2F_ELECT_REASON_NO_CANDIDATE: the room needs mixers and no peer
 *   is eligible: the mesh.
 * @GST_F2F_ELECT_REASON_UPLINK_LIMITED: the room fits a mesh, but a
 *   peer's uplink cannot carry its mesh streams: mixers.
 *
 * Why gst_f2f_elect_decide() changed the plan (or wants to, when a dwell
 * holds the change). When several apply, the first in this order.
 */
typedef enum
{
  GST_F2F_ELECT_REASON_NONE,
  GST_F2F_ELECT_REASON_GROW,
  GST_F2F_ELECT_REASON_MIXER_LEFT,
  GST_F2F_ELECT_REASON_NEWCOMER,
  GST_F2F_ELECT_REASON_UNFIT,
  GST_F2F_ELECT_REASON_BETTER,
  GST_F2F_ELECT_REASON_SHRINK,
  GST_F2F_ELECT_REASON_NO_CANDIDATE,
  GST_F2F_ELECT_REASON_UPLINK_LIMITED,
} GstF2fElectReason;

/* An uplink-limited room (see HOW MANY MIXERS) goes back to the mesh only
 * when every usable uplink carries this multiple of its mesh streams: the
 * probe's single results vary by a few per cent, and its occasional low
 * one by more; 20 % keeps a peer on the line from flapping the room. */
#define GST_F2F_ELECT_LIMIT_MARGIN 1.2

/* The value of a quality measurement nobody has. */
#define GST_F2F_ELECT_UNKNOWN (-1.0)

/**
 * GstF2fMeasurement:
 * @peer: the peer's id.
 * @uplink_bps: estimated uplink capacity in bit/s; 0 when unknown.
 * @capacity_class: what the peer declared.
 * @rtt_ms: RTT of its links (the worst, or the mean: the caller's choice,
 *   the same for every peer), or %GST_F2F_ELECT_UNKNOWN.
 * @loss: loss of its links as a fraction 0..1 (worst or mean), or
 *   %GST_F2F_ELECT_UNKNOWN.
 * @cpu_load: CPU load of its machine 0..1 (above 1 counts as 1), or
 *   %GST_F2F_ELECT_UNKNOWN.
 * @encode_ms: time to encode one camera frame, or %GST_F2F_ELECT_UNKNOWN.
 * @age_ms: how old the record is; negative: never measured.
 *
 * What is known about one peer. gst_f2f_measurement_init() makes a record
 * with everything unknown.
 */
typedef struct
{
  const gchar *peer;
  guint64 uplink_bps;
  GstF2fCapacityClass capacity_class;
  gdouble rtt_ms;
  gdouble loss;
  gdouble cpu_load;
  gdouble encode_ms;
  gint64 age_ms;
} GstF2fMeasurement;

/**
 * GstF2fElectConfig:
 * @max_mesh_size: rooms of up to this many peers stay a mesh (at least 2).
 * @max_clients_per_mixer: at most this many clients per mixer (at least 1).
 * @video_bps: bitrate of the composite video a mixer sends each client.
 * @audio_bps: bitrate of each audio mix a mixer sends.
 * @min_dwell_ms: time since the last plan change before a working mixer is
 *   replaced (by a better peer, or because it no longer fits), or any
 *   mixer removed.
 * @shrink_dwell_ms: time without anyone joining or leaving before the room
 *   gets fewer mixers or goes back to the mesh.
 * @min_gain: how much better (a fraction of its value) a peer must be to
 *   replace a working mixer.
 * @max_age_ms: records older than this count as missing.
 *
 * gst_f2f_elect_config_init() fills in the defaults.
 */
typedef struct
{
  guint max_mesh_size;
  guint max_clients_per_mixer;
  guint64 video_bps;
  guint64 audio_bps;
  gint64 min_dwell_ms;
  gint64 shrink_dwell_ms;
  gdouble min_gain;
  gint64 max_age_ms;
} GstF2fElectConfig;

/* The defaults, and why:
 * - max-mesh-size 4: a 4-peer mesh costs 60–73 % of one core here and
 *   each peer sends 3 camera streams; 6 peers cost 145 % (docs FACTS);
 * - max-clients-per-mixer 6: 6 × (800 + 64) kbit/s ≈ 5.2 Mbit/s of mixer
 *   uplink, an ordinary cable or fibre uplink; bigger rooms split;
 * - video 800 kbit/s (f2fsignal's max-bitrate), audio 64 kbit/s (the mixes'
 *   Opus bitrate);
 * - min-dwell 5 s, shrink-dwell 10 s: a switch costs a keyframe and a
 *   moment of double audio, so not more often than that; leaving mixers
 *   for the mesh is the costlier bet (the mesh may not carry the room, and
 *   whoever just left may come back), so it waits for a room that has
 *   been still for longer;
 * - min-gain 0.2: measurements move by ±10–25 % on their own;
 * - max-age 10 s: a few measurement periods. */
#define GST_F2F_ELECT_DEFAULT_MAX_MESH_SIZE 4
#define GST_F2F_ELECT_DEFAULT_MAX_CLIENTS_PER_MIXER 6
#define GST_F2F_ELECT_DEFAULT_VIDEO_BPS 800000
#define GST_F2F_ELECT_DEFAULT_AUDIO_BPS 64000
#define GST_F2F_ELECT_DEFAULT_MIN_DWELL_MS 5000
#define GST_F2F_ELECT_DEFAULT_SHRINK_DWELL_MS 10000
#define GST_F2F_ELECT_DEFAULT_MIN_GAIN 0.2
#define GST_F2F_ELECT_DEFAULT_MAX_AGE_MS 10000

GST_F2F_API void gst_f2f_elect_config_init (GstF2fElectConfig * config);

/* Everything unknown, never measured, class normal; @peer is not copied. */
GST_F2F_API void gst_f2f_measurement_init (GstF2fMeasurement * m,
    const gchar * peer);

/**
 * GstF2fElectScore:
 * @eligible: the peer may mix the load it was scored for.
 * @measured: its uplink is known (and its record fresh).
 * @value: the effective uplink in bit/s (see the top of this file); also
 *   set for an ineligible peer, for logs.
 *
 * A peer's score; compare two with gst_f2f_elect_score_compare().
 */
typedef struct
{
  gboolean eligible;
  gboolean measured;
  gdouble value;
} GstF2fElectScore;

/* Uplink a mixer needs for @n_clients clients in a plan of @n_mixers
 * mixers: (n_clients + n_mixers − 1) × (video_bps + audio_bps). */
GST_F2F_API guint64 gst_f2f_elect_mixer_need (const GstF2fElectConfig *
    config, guint n_clients, guint n_mixers);

/* @m's score for a mixer load of @need_bps; @m may be NULL (no record). */
GST_F2F_API void gst_f2f_elect_score (const GstF2fElectConfig * config,
    const GstF2fMeasurement * m, guint64 need_bps, GstF2fElectScore * score);

/* Negative when the peer @a (scored @sa) ranks before @b: eligible first,
 * then measured, then the greater value, then the smaller id. */
GST_F2F_API gint gst_f2f_elect_score_compare (const GstF2fElectScore * sa,
    const gchar * a, const GstF2fElectScore * sb, const gchar * b);

/**
 * GstF2fElectResult:
 * @reason: why the plan changed; with a NULL plan, why it would change
 *   once @wait_ms have passed (or %GST_F2F_ELECT_REASON_NO_CANDIDATE).
 * @wait_ms: > 0 when a change is held by a dwell: call again after this
 *   long (with the same inputs it will then be made).
 */
typedef struct
{
  GstF2fElectReason reason;
  gint64 wait_ms;
} GstF2fElectResult;

/* The next plan, or NULL to keep @current.
 * @measurements: @n_measurements records in any order; a later record for
 *   the same peer replaces an earlier one; records of peers not in
 *   @members are ignored.
 * @current: the plan the room runs (NULL: none yet, the mesh).
 * @members: every peer in the room now, @proposer included.
 * @proposer: the peer that calls (the new plan's proposer).
 * @since_change_ms: time since @current was adopted (G_MAXINT64 when it
 *   is long ago or there is none).
 * @since_membership_ms: time since a peer last joined or left the room
 *   (G_MAXINT64: long ago).
 * @result: (optional): why, and how long a held change still waits.
 * A new plan has epoch = @current's + 1 (1 without one), names only
 * @members, assigns every present client explicitly, and passes
 * gst_f2f_plan_validate() with @members. */
GST_F2F_API GstF2fPlan *gst_f2f_elect_decide (const GstF2fElectConfig *
    config, const GstF2fMeasurement * measurements, guint n_measurements,
    const GstF2fPlan * current, const gchar * const *members,
    const gchar * proposer, gint64 since_change_ms,
    gint64 since_membership_ms, GstF2fElectResult * result);

/* The nicks ("normal", "server", …; "grow", "mixer-left", …), for logs. */
GST_F2F_API const gchar *gst_f2f_capacity_class_to_string (GstF2fCapacityClass
    klass);
GST_F2F_API const gchar *gst_f2f_elect_reason_to_string (GstF2fElectReason
    reason);

G_END_DECLS
