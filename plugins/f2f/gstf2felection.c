/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-f2felection
 * @title: f2felection
 * @short_description: the room measures itself and elects its mixers
 *
 * f2felection finds the room of the f2fsignal in the same pipeline through
 * the "f2f.room" GstContext; it has no pads. Every peer's f2felection
 * measures its own peer (link RTT and loss from webrtcbin's statistics,
 * the CPU load of its process, the declared #GstF2fElection:capacity and
 * #GstF2fElection:uplink) and sends the record to everyone on the data
 * channel "f2f-election" every #GstF2fElection:interval.
 *
 * The room's leader runs the elections: when the room grows past
 * #GstF2fElection:max-mesh-size, a mixer or the leader leaves, someone
 * emits #GstF2fElection::elect, the #GstF2fElection:mode changes to auto,
 * or the measurements or the room's size call for another plan (fewer
 * mixers, back to the mesh, a better mixer) once the dwell times allow it.
 * It asks every peer for a fresh record, waits for the answers at most
 * #GstF2fElection:collect-timeout (a silent or frozen peer is decided
 * without, never waited for), runs the table-tested decision
 * (gst/f2f/f2felect.h: scores, eligibility, hysteresis) and proposes the
 * plan through f2fsignal, which gives it the next epoch, adopts it and
 * sends it to every peer. When the leader leaves, the next leader runs an
 * election at once, so one that was under way is finished.
 *
 * Only the leader's #GstF2fElection:mode and thresholds count for the
 * room; give every peer the same ones. A peer without f2felection takes
 * part as an unmeasured peer.
 *
 * ## Messages
 *
 * * `f2f-election-started`: `trigger` (string: "grow", "newcomer",
 *   "mixer-left", "unfit", "better", "shrink", "uplink-limited", "dwell",
 *   "leader-left",
 *   "manual", "mode", or the reason a peer's request gave), `epoch`
 *   (guint64, the epoch the new plan will have), `peers` (guint, the peers
 *   the request for a record reached; one whose channel is not open yet,
 *   e.g. a peer that is joining, is not waited for).
 * * `f2f-election-result`: `trigger` (string), `changed` (boolean, a new
 *   plan was proposed), `reason` (string: why the plan changed, or would
 *   once `wait-ms` passed; "none"), `wait-ms` (gint64, 0 unless a dwell
 *   holds a change), `epoch` (guint64, of the plan the room holds after
 *   it), `mixers` (string, comma-separated ids; "" for the mesh), `plan`
 *   (string, that plan's JSON form; "" when there is none), `answered`
 *   (guint, the peers whose record came in time), `collect-ms` (gint64,
 *   the time spent waiting for them), `scores` (list of structures
 *   `score`: `peer`, `eligible` (boolean), `measured` (boolean), `value`
 *   (double, the effective uplink in bit/s), `uplink-bps` (guint64, 0
 *   unknown), `class` (string), `rtt-ms`, `loss`, `cpu-load`, `encode-ms`
 *   (double, -1 unknown), `age-ms` (gint64, -1 never measured)).
 * * `f2f-measurement`: every interval, one per peer whose record this peer
 *   holds (itself included): `peer` (string), `local` (boolean), and the
 *   record's fields as in `score` above; this peer's own also `probes`
 *   (guint, the uplink probes answered so far, warm-ups not counted
 *   (docs/elements.md): the estimate is the median
 *   of the latest three).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m f2fsignal name=s server-uri=ws://127.0.0.1:8443/ws room=demo \
 *     videotestsrc is-live=true ! s.video_sink \
 *     audiotestsrc is-live=true ! s.audio_sink \
 *     s.video_src ! autovideosink s.audio_src ! autoaudiosink \
 *     f2felection max-mesh-size=4 capacity=normal
 * ]| the room stays a mesh up to four peers; the fifth join makes the
 * leader elect a mixer, and a mixer that leaves is replaced.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/resource.h>
#include <gst/f2f/f2f.h>

#include "gstf2felection.h"
#include "gstf2felements.h"
#include "f2fworker.h"

GST_DEBUG_CATEGORY_STATIC (gst_f2f_election_debug);
#define GST_CAT_DEFAULT gst_f2f_election_debug

/**
 * GstF2fElectionMode:
 * @GST_F2F_ELECTION_MODE_OFF: neither measure nor elect.
 * @GST_F2F_ELECTION_MODE_MANUAL: measure; elect only when asked (the elect
 *   action signal, or a peer's request).
 * @GST_F2F_ELECTION_MODE_AUTO: measure and elect on every trigger.
 */
typedef enum
{
  GST_F2F_ELECTION_MODE_OFF,
  GST_F2F_ELECTION_MODE_MANUAL,
  GST_F2F_ELECTION_MODE_AUTO,
} GstF2fElectionMode;

#define GST_TYPE_F2F_ELECTION_MODE (gst_f2f_election_mode_get_type ())
static GType
gst_f2f_election_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_F2F_ELECTION_MODE_OFF, "Off: neither measure nor elect", "off"},
    {GST_F2F_ELECTION_MODE_MANUAL, "Manual: measure, elect only when asked "
          "(the elect signal)", "manual"},
    {GST_F2F_ELECTION_MODE_AUTO, "Auto: measure, and elect on every trigger",
        "auto"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstF2fElectionMode",
            values));
  return type;
}

#define DEFAULT_MODE GST_F2F_ELECTION_MODE_AUTO
#define DEFAULT_MAX_MESH_SIZE GST_F2F_ELECT_DEFAULT_MAX_MESH_SIZE
#define DEFAULT_MAX_CLIENTS GST_F2F_ELECT_DEFAULT_MAX_CLIENTS_PER_MIXER
#define DEFAULT_MIN_DWELL GST_F2F_ELECT_DEFAULT_MIN_DWELL_MS
#define DEFAULT_SHRINK_DWELL GST_F2F_ELECT_DEFAULT_SHRINK_DWELL_MS
#define DEFAULT_MIN_GAIN GST_F2F_ELECT_DEFAULT_MIN_GAIN
#define DEFAULT_CAPACITY GST_F2F_CAPACITY_NORMAL
#define DEFAULT_UPLINK 0
#define DEFAULT_INTERVAL 1000
/* Half a second: a peer on a working link answers in one RTT (a few ms to
 * 300 ms), and the whole election must fit the 2 s from trigger to plan
 * applied everywhere. */
#define DEFAULT_COLLECT_TIMEOUT 500
/* The uplink probe: 256 KiB at most, for at most 1 s, every 30 s, so a
 * probe never costs a call more than a moment of its uplink (at 8 Mbit/s
 * 256 KiB take 0.26 s; on a 1 Mbit/s uplink the 1 s limit stops it at
 * about 120 KiB). */
#define DEFAULT_PROBE_BYTES (256 * 1024)
#define MAX_PROBE_BYTES (512 * 1024)
#define DEFAULT_PROBE_DURATION 1000
#define DEFAULT_PROBE_INTERVAL 30000
/* Bytes the prober keeps queued on the probe channel: enough to keep a
 * fast link busy between two pumps, little enough that stopping at the
 * deadline leaves almost nothing behind. */
#define PROBE_QUEUE (64 * 1024)
#define PROBE_PUMP_MS 5
/* SCTP takes a probe into its own buffer at once, so what bounds a probe's
 * time on the wire is its size: the first is small (0.5 s at 1 Mbit/s),
 * the next ones are sized from the last estimate to fill 80 % of
 * probe-duration, within [FIRST_PROBE_BYTES, probe-bytes]. */
#define FIRST_PROBE_BYTES (64 * 1024)
/* After the last chunk is handed to SCTP, what it still holds (at most
 * PROBE_QUEUE, 0.5 s at 1 Mbit/s) and what waits in the uplink's queue
 * (400 ms on a modem) leave within this; the answer usually ends the
 * wait sooner. */
#define PROBE_DRAIN_US (1000 * 1000)
/* How long an asker waits for a probe-answer: the control channel shares
 * the uplink with the media, and on a full 1 Mbit/s uplink a message waits
 * up to ~0.5 s (docs/performance.md, "Election"). */
#define PROBE_ASK_TIMEOUT_US (1000 * 1000)
/* A turn (either side) ends by itself this long after the probe's own
 * duration and drain, when its result or last chunk never comes. */
#define PROBE_TURN_SLACK_US (1000 * 1000)
/* After a refusal, ask again (the next peer) this soon: a random wait, so
 * two peers refused by each other do not ask again in step. */
#define PROBE_RETRY_MIN_MS 50
#define PROBE_RETRY_MAX_MS 300

enum
{
  PROP_0,
  PROP_MODE,
  PROP_MAX_MESH_SIZE,
  PROP_MAX_CLIENTS_PER_MIXER,
  PROP_MIN_DWELL,
  PROP_SHRINK_DWELL,
  PROP_MIN_GAIN,
  PROP_CAPACITY,
  PROP_UPLINK,
  PROP_INTERVAL,
  PROP_COLLECT_TIMEOUT,
  PROP_PROBE_BYTES,
  PROP_PROBE_DURATION,
  PROP_PROBE_INTERVAL,
};

enum
{
  SIGNAL_ELECT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* A peer's latest record, as received. */
typedef struct
{
  gchar *peer;
  GstF2fMeasurement m;          /* m.peer points at peer */
  gint64 received_us;
  guint64 request;              /* the request it answered, 0: periodic */
} Record;

static void
record_free (Record * r)
{
  g_free (r->peer);
  g_free (r);
}

struct _GstF2fElection
{
  GstElement parent;

  /* Protected by the object lock. */
  GstF2fElectionMode mode;
  guint max_mesh_size;
  guint max_clients;
  guint min_dwell;
  guint shrink_dwell;
  gdouble min_gain;
  GstF2fCapacityClass capacity;
  guint uplink_kbps;
  guint interval;
  guint collect_timeout;
  guint probe_bytes;
  guint probe_duration;
  guint probe_interval;
  GstF2fRoom *room;

  /* The worker (f2fworker.h), READY→PAUSED until PAUSED→READY: protected
   * by lock. Lock order: lock, then the object lock. */
  GMutex lock;
  F2fWorker *worker;

  /* Worker thread only. */
  GSource *tick;                /* the next measurement */
  GSource *collect_timer;       /* the deadline of the election under way */
  GSource *recheck;             /* a change held by a dwell, due then */
  GHashTable *records;          /* peer id → Record */
  GstF2fMeasurement local;      /* this peer, as last measured */
  gchar *leader;                /* as last heard */
  gint64 plan_changed_us;       /* 0: never */
  gint64 membership_us;         /* 0: never */
  gboolean collecting;
  guint64 request;              /* the last request id sent */
  gint64 request_us;
  guint n_asked;
  GHashTable *asked;            /* peer ids the request reached */
  gchar *trigger;               /* of the election under way */
  guint64 target_epoch;
  gint64 cpu_used_us, cpu_wall_us;      /* at the previous measurement */
  gboolean warned_no_room;
  /* the uplink probe this peer sends */
  GSource *probe_pump;
  guint32 probe_id;
  gchar *probe_peer;
  guint64 probe_sent;
  guint16 probe_index;
  gint64 probe_start_us;
  gint64 probe_busy_until_us;   /* our probe's bytes may be on our uplink
                                 * until then; G_MAXINT64 while pumping */
  gint64 next_probe_us;
  guint probe_turn;             /* round robin over the peers */
  guint64 probe_media_bytes;    /* RTP bytes sent on all links at start */
  guint64 probed_uplink_bps;    /* the estimate, 0: none */
  guint64 probe_results[3];     /* the latest raw estimates, 0: none */
  guint probe_results_next;
  guint64 probe_size;           /* bytes of the probe under way */
  gboolean probe_too_fast;      /* the last one arrived too fast to time */
  GHashTable *probes_in;        /* peer id → ProbeIn, probes arriving */
  GstF2fProbeTurn *turn;        /* which probe this peer is in, if any */
  GHashTable *probe_largest;    /* peer id → the largest probe it answered */
  gboolean probe_warmup;        /* the probe under way is a warm-up */
  gchar *probe_again;           /* the peer to probe next (after its
                                 * warm-up), before the round robin */
  GSource *probe_retry;         /* an ask again after a refusal */
};

/* A probe arriving from one peer: when each chunk arrived, and the bytes
 * up to it. */
typedef struct
{
  guint32 id;
  GArray *times;                /* gint64 µs */
  GArray *bytes;                /* guint64, cumulative */
} ProbeIn;

static void
probe_in_free (ProbeIn * in)
{
  g_array_unref (in->times);
  g_array_unref (in->bytes);
  g_free (in);
}

G_DEFINE_TYPE_WITH_CODE (GstF2fElection, gst_f2f_election, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_f2f_election_debug, "f2felection", 0,
        "f2f mixer election"));
GST_ELEMENT_REGISTER_DEFINE (f2felection, "f2felection", GST_RANK_NONE,
    GST_TYPE_F2F_ELECTION);

/* ---------------------------------------------------------------------- */
/* Events from the room (any thread) to the worker */

typedef enum
{
  EVENT_JOINED,
  EVENT_LEFT,
  EVENT_LEADER,
  EVENT_PLAN,
  EVENT_MESSAGE,
  EVENT_ELECT,
  EVENT_MODE,
  EVENT_PROBE,
} EventKind;

typedef struct
{
  GstF2fElection *self;
  EventKind kind;
  gchar *id;
  GBytes *data;
  gint64 time_us;               /* when it arrived (messages) */
} Event;

static void
event_free (gpointer data)
{
  Event *ev = data;

  gst_object_unref (ev->self);
  g_free (ev->id);
  if (ev->data)
    g_bytes_unref (ev->data);
  g_free (ev);
}

static gboolean event_cb (gpointer data);

/* Any thread: @kind handled on the worker, in order; dropped while there
 * is no worker (nothing to elect before PAUSED). */
static gboolean
queue_event (GstF2fElection * self, EventKind kind, const gchar * id,
    GBytes * data)
{
  Event *ev;
  gboolean queued = FALSE;

  g_mutex_lock (&self->lock);
  if (self->worker) {
    ev = g_new0 (Event, 1);
    ev->self = gst_object_ref (self);
    ev->kind = kind;
    ev->id = g_strdup (id);
    ev->data = data ? g_bytes_ref (data) : NULL;
    ev->time_us = g_get_monotonic_time ();
    f2f_context_call (f2f_worker_get_context (self->worker), event_cb, ev,
        event_free);
    queued = TRUE;
  }
  g_mutex_unlock (&self->lock);
  return queued;
}

static void
on_peer_joined (GstF2fRoom * room, const gchar * id, const gchar * name,
    GstF2fElection * self)
{
  queue_event (self, EVENT_JOINED, id, NULL);
}

static void
on_peer_left (GstF2fRoom * room, const gchar * id, const gchar * reason,
    GstF2fElection * self)
{
  queue_event (self, EVENT_LEFT, id, NULL);
}

static void
on_leader_changed (GstF2fRoom * room, const gchar * id, GstF2fElection * self)
{
  queue_event (self, EVENT_LEADER, id, NULL);
}

static void
on_plan_changed (GstF2fRoom * room, GstF2fPlan * plan, GstF2fElection * self)
{
  queue_event (self, EVENT_PLAN, NULL, NULL);
}

static void
on_message (GstF2fRoom * room, const gchar * peer, const gchar * channel,
    GBytes * data, GstF2fElection * self)
{
  if (g_strcmp0 (channel, GST_F2F_ELECTION_CHANNEL) == 0)
    queue_event (self, EVENT_MESSAGE, peer, data);
  else if (g_strcmp0 (channel, GST_F2F_PROBE_CHANNEL) == 0)
    queue_event (self, EVENT_PROBE, peer, data);
}

static void
take_room (GstF2fElection * self, GstF2fRoom * room)
{
  GstF2fRoom *old;

  GST_OBJECT_LOCK (self);
  old = self->room;
  self->room = room ? gst_object_ref (room) : NULL;
  GST_OBJECT_UNLOCK (self);
  if (old) {
    g_signal_handlers_disconnect_by_data (old, self);
    gst_object_unref (old);
  }
  if (room) {
    g_signal_connect (room, "peer-joined", G_CALLBACK (on_peer_joined), self);
    g_signal_connect (room, "peer-left", G_CALLBACK (on_peer_left), self);
    g_signal_connect (room, "leader-changed", G_CALLBACK (on_leader_changed),
        self);
    g_signal_connect (room, "plan-changed", G_CALLBACK (on_plan_changed), self);
    g_signal_connect (room, "message", G_CALLBACK (on_message), self);
  }
}

static GstF2fRoom *
dup_room (GstF2fElection * self)
{
  GstF2fRoom *room;

  GST_OBJECT_LOCK (self);
  room = self->room ? gst_object_ref (self->room) : NULL;
  GST_OBJECT_UNLOCK (self);
  return room;
}

static void
gst_f2f_election_set_context (GstElement * element, GstContext * context)
{
  GstF2fElection *self = GST_F2F_ELECTION (element);
  GstF2fRoom *room = gst_f2f_room_context_get_room (context);

  if (room) {
    GstF2fRoom *current = dup_room (self);
    if (current != room)
      take_room (self, room);
    gst_clear_object (&current);
    gst_object_unref (room);
  }
  GST_ELEMENT_CLASS (gst_f2f_election_parent_class)->set_context (element,
      context);
}

/* ---------------------------------------------------------------------- */
/* Measuring (worker) */

static GstF2fElectionMode
get_mode (GstF2fElection * self)
{
  GstF2fElectionMode mode;

  GST_OBJECT_LOCK (self);
  mode = self->mode;
  GST_OBJECT_UNLOCK (self);
  return mode;
}

/* The share of all cores this process used since the previous call;
 * unknown on the first. */
static gdouble
cpu_load (GstF2fElection * self)
{
  struct rusage ru;
  gint64 used, wall = g_get_monotonic_time ();
  gdouble load = GST_F2F_ELECT_UNKNOWN;

  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return load;
  used = (gint64) ru.ru_utime.tv_sec * G_USEC_PER_SEC + ru.ru_utime.tv_usec
      + (gint64) ru.ru_stime.tv_sec * G_USEC_PER_SEC + ru.ru_stime.tv_usec;
  if (self->cpu_wall_us > 0 && wall > self->cpu_wall_us)
    load = (gdouble) (used - self->cpu_used_us) / (wall - self->cpu_wall_us)
        / g_get_num_processors ();
  self->cpu_used_us = used;
  self->cpu_wall_us = wall;
  return CLAMP (load, GST_F2F_ELECT_UNKNOWN, 1.0);
}

/* This peer's record: the declarations, and the mean RTT and outgoing
 * loss of its links (those webrtcbin has figures for). Sampling asks each
 * webrtcbin for its statistics: worker only, never under a lock. */
static void
measure_local (GstF2fElection * self, GstF2fRoom * room)
{
  g_auto (GStrv) peers = gst_f2f_room_list_peers (room);
  gdouble rtt = 0, loss = 0;
  guint n_rtt = 0, n_loss = 0, i;
  GstF2fMeasurement *m = &self->local;

  gst_f2f_measurement_init (m, NULL);
  m->age_ms = 0;
  GST_OBJECT_LOCK (self);
  m->capacity_class = self->capacity;
  m->uplink_bps = (guint64) self->uplink_kbps * 1000;
  GST_OBJECT_UNLOCK (self);
  /* a declared uplink wins over the probe's estimate */
  if (m->uplink_bps == 0)
    m->uplink_bps = self->probed_uplink_bps;
  for (i = 0; peers[i]; i++) {
    GstF2fLinkSample s;
    if (!gst_f2f_room_sample_link (room, peers[i], &s))
      continue;
    if (g_strcmp0 (s.state, "connected") == 0) {
      if (s.rtt_ms >= 0) {
        rtt += s.rtt_ms;
        n_rtt++;
      }
      loss += CLAMP (s.loss_out, 0, 1);
      n_loss++;
    }
    gst_f2f_link_sample_clear (&s);
  }
  if (n_rtt)
    m->rtt_ms = rtt / n_rtt;
  if (n_loss)
    m->loss = loss / n_loss;
  m->cpu_load = cpu_load (self);
  /* f2fsignal's camera encoder, per 320×240 frame: what the encode weight
   * of the score (gst/f2f/f2felect.h) is scaled for */
  m->encode_ms = gst_f2f_room_get_encode_ms (room);
  if (m->encode_ms < 0)
    m->encode_ms = GST_F2F_ELECT_UNKNOWN;
}

static GstStructure *
record_structure (const gchar * name, const gchar * peer,
    const GstF2fMeasurement * m)
{
  return gst_structure_new (name, "peer", G_TYPE_STRING, peer,
      "uplink-bps", G_TYPE_UINT64, m ? m->uplink_bps : 0,
      "class", G_TYPE_STRING, gst_f2f_capacity_class_to_string (m ?
          m->capacity_class : GST_F2F_CAPACITY_NORMAL),
      "rtt-ms", G_TYPE_DOUBLE, m ? m->rtt_ms : GST_F2F_ELECT_UNKNOWN,
      "loss", G_TYPE_DOUBLE, m ? m->loss : GST_F2F_ELECT_UNKNOWN,
      "cpu-load", G_TYPE_DOUBLE, m ? m->cpu_load : GST_F2F_ELECT_UNKNOWN,
      "encode-ms", G_TYPE_DOUBLE, m ? m->encode_ms : GST_F2F_ELECT_UNKNOWN,
      "age-ms", G_TYPE_INT64, m ? m->age_ms : (gint64) - 1, NULL);
}

static void
post (GstF2fElection * self, GstStructure * s)
{
  gst_element_post_message (GST_ELEMENT_CAST (self),
      gst_message_new_element (GST_OBJECT_CAST (self), s));
}

static void
send_text (GstF2fRoom * room, const gchar * peer, gchar * text)
{
  g_autoptr (GBytes) bytes = g_bytes_new_take (text, strlen (text));

  if (peer)
    gst_f2f_room_send (room, peer, GST_F2F_ELECTION_CHANNEL, bytes);
  else
    gst_f2f_room_broadcast (room, GST_F2F_ELECTION_CHANNEL, bytes);
}

/* ---------------------------------------------------------------------- */
/* Elections (worker) */

static gboolean
is_leader (GstF2fElection * self, GstF2fRoom * room)
{
  g_autofree gchar *me = gst_f2f_room_dup_local_id (room);
  g_autofree gchar *leader = gst_f2f_room_dup_leader (room);

  return me && g_strcmp0 (me, leader) == 0;
}

static void
config_from_properties (GstF2fElection * self, GstF2fElectConfig * config)
{
  gst_f2f_elect_config_init (config);
  GST_OBJECT_LOCK (self);
  config->max_mesh_size = self->max_mesh_size;
  config->max_clients_per_mixer = self->max_clients;
  config->min_dwell_ms = self->min_dwell;
  config->shrink_dwell_ms = self->shrink_dwell;
  config->min_gain = self->min_gain;
  GST_OBJECT_UNLOCK (self);
}

static gint64
since_ms (gint64 then_us, gint64 now_us)
{
  return then_us ? (now_us - then_us) / 1000 : G_MAXINT64;
}

/* Everything the decision needs, as the room is now. */
typedef struct
{
  gchar *me;
  GStrv members;                /* me first, then the peers, sorted */
  GstF2fMeasurement *ms;
  guint n_ms;
  GstF2fPlan *plan;
} Inputs;

static void
inputs_clear (Inputs * in)
{
  g_free (in->me);
  g_strfreev (in->members);
  g_free (in->ms);
  g_clear_pointer (&in->plan, gst_f2f_plan_free);
}

static gboolean
gather (GstF2fElection * self, GstF2fRoom * room, Inputs * in)
{
  g_auto (GStrv) peers = NULL;
  gint64 now = g_get_monotonic_time ();
  GStrvBuilder *b;
  guint i;

  memset (in, 0, sizeof *in);
  in->me = gst_f2f_room_dup_local_id (room);
  if (in->me == NULL)
    return FALSE;
  peers = gst_f2f_room_list_peers (room);
  b = g_strv_builder_new ();
  g_strv_builder_add (b, in->me);
  g_strv_builder_addv (b, (const gchar **) peers);
  in->members = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  in->ms = g_new0 (GstF2fMeasurement, g_strv_length (in->members));
  in->ms[0] = self->local;
  in->ms[0].peer = in->me;
  in->ms[0].age_ms = 0;
  in->n_ms = 1;
  for (i = 0; peers[i]; i++) {
    Record *r = g_hash_table_lookup (self->records, peers[i]);
    if (r == NULL)
      continue;
    in->ms[in->n_ms] = r->m;
    in->ms[in->n_ms].peer = in->members[i + 1];
    in->ms[in->n_ms].age_ms = (now - r->received_us) / 1000;
    in->n_ms++;
  }
  in->plan = gst_f2f_room_dup_plan (room);
  return TRUE;
}

static void start_election (GstF2fElection * self, GstF2fRoom * room,
    const gchar * trigger);

static gboolean
recheck_cb (gpointer data)
{
  GstF2fElection *self = data;
  g_autoptr (GstF2fRoom) room = dup_room (self);

  f2f_clear_source (&self->recheck);
  if (room && get_mode (self) == GST_F2F_ELECTION_MODE_AUTO)
    start_election (self, room, "dwell");
  return G_SOURCE_REMOVE;
}

/* A change held by a dwell: look again when it is due (the earliest
 * wins). */
static void
schedule_recheck (GstF2fElection * self, gint64 wait_ms)
{
  gint64 due = g_get_monotonic_time () + wait_ms * 1000;

  if (self->recheck && g_source_get_ready_time (self->recheck) >= 0
      && g_source_get_ready_time (self->recheck) <= due)
    return;
  f2f_clear_source (&self->recheck);
  self->recheck = f2f_context_add_timeout
      (g_main_context_get_thread_default (), (guint) MIN (wait_ms + 10,
          G_MAXUINT), recheck_cb, self);
}

/* A run of the decision on what is known now, without asking anyone: does
 * the room need an election? (the leader, in auto mode) */
static void
check (GstF2fElection * self, GstF2fRoom * room)
{
  GstF2fElectConfig config;
  GstF2fElectResult result = { 0, };
  g_autoptr (GstF2fPlan) next = NULL;
  gint64 now = g_get_monotonic_time ();
  Inputs in;

  if (self->collecting || get_mode (self) != GST_F2F_ELECTION_MODE_AUTO
      || !is_leader (self, room) || !gather (self, room, &in))
    return;
  config_from_properties (self, &config);
  next = gst_f2f_elect_decide (&config, in.ms, in.n_ms, in.plan,
      (const gchar * const *) in.members, in.me,
      since_ms (self->plan_changed_us, now),
      since_ms (self->membership_us, now), &result);
  inputs_clear (&in);
  if (next)
    start_election (self, room, gst_f2f_elect_reason_to_string (result.reason));
  else if (result.wait_ms > 0)
    schedule_recheck (self, result.wait_ms);
}

static GstStructure *
scores_and_result (GstF2fElection * self, const GstF2fElectConfig * config,
    Inputs * in, const GstF2fPlan * held)
{
  GValue list = G_VALUE_INIT;
  guint n = g_strv_length (in->members), k, i, j;
  guint64 need;
  GstStructure *s = gst_structure_new_empty ("f2f-election-result");

  /* every peer scored for the load of a mixer of the plan held (one
   * mixer when it is the mesh) */
  k = held && gst_f2f_plan_get_n_mixers (held) ?
      gst_f2f_plan_get_n_mixers (held) : 1;
  need = gst_f2f_elect_mixer_need (config, (n > k ? n - k + k - 1 : 0) / k, k);
  g_value_init (&list, GST_TYPE_LIST);
  for (i = 0; in->members[i]; i++) {
    const GstF2fMeasurement *m = NULL;
    GstF2fElectScore score;
    GValue v = G_VALUE_INIT;
    GstStructure *one;

    for (j = 0; j < in->n_ms; j++)
      if (g_strcmp0 (in->ms[j].peer, in->members[i]) == 0)
        m = &in->ms[j];
    gst_f2f_elect_score (config, m, need, &score);
    one = record_structure ("score", in->members[i], m);
    gst_structure_set (one, "eligible", G_TYPE_BOOLEAN, score.eligible,
        "measured", G_TYPE_BOOLEAN, score.measured, "value", G_TYPE_DOUBLE,
        score.value, NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    gst_value_set_structure (&v, one);
    gst_structure_free (one);
    gst_value_list_append_and_take_value (&list, &v);
  }
  gst_structure_take_value (s, "scores", &list);
  return s;
}

/* The election under way ends: decide with the records at hand, propose,
 * report. */
static void
finish_election (GstF2fElection * self, GstF2fRoom * room)
{
  GstF2fElectConfig config;
  GstF2fElectResult result = { 0, };
  g_autoptr (GstF2fPlan) next = NULL;
  g_autoptr (GstF2fPlan) held = NULL;
  g_autofree gchar *trigger = g_steal_pointer (&self->trigger);
  g_autofree gchar *json = NULL;
  gint64 now = g_get_monotonic_time ();
  GString *mixers = g_string_new (NULL);
  GstStructure *s;
  GHashTableIter iter;
  gpointer value;
  gboolean proposed = FALSE;
  guint answered = 0, i;
  Inputs in;

  self->collecting = FALSE;
  f2f_clear_source (&self->collect_timer);
  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Record *) value)->request == self->request)
      answered++;
  /* this peer's own record is the last tick's (at most one interval old):
   * sampling every link again here would only delay the plan */
  if (!gather (self, room, &in)) {
    g_string_free (mixers, TRUE);
    return;
  }
  config_from_properties (self, &config);
  next = gst_f2f_elect_decide (&config, in.ms, in.n_ms, in.plan,
      (const gchar * const *) in.members, in.me,
      since_ms (self->plan_changed_us, now),
      since_ms (self->membership_us, now), &result);
  if (next) {
    proposed = gst_f2f_room_propose_plan (room, next);
    if (!proposed)
      GST_INFO_OBJECT (self, "the room did not take the plan (a peer left "
          "meanwhile?); the next trigger decides again");
  }
  if (result.wait_ms > 0)
    schedule_recheck (self, result.wait_ms);

  held = gst_f2f_room_dup_plan (room);
  for (i = 0; held && i < gst_f2f_plan_get_n_mixers (held); i++)
    g_string_append_printf (mixers, "%s%s", i ? "," : "",
        gst_f2f_plan_get_mixer (held, i));
  json = held ? gst_f2f_plan_to_json (held) : g_strdup ("");
  s = scores_and_result (self, &config, &in, held);
  gst_structure_set (s, "trigger", G_TYPE_STRING, trigger ? trigger : "",
      "changed", G_TYPE_BOOLEAN, proposed,
      "reason", G_TYPE_STRING, gst_f2f_elect_reason_to_string (result.reason),
      "wait-ms", G_TYPE_INT64, result.wait_ms,
      "epoch", G_TYPE_UINT64, held ? gst_f2f_plan_get_epoch (held) : 0,
      "mixers", G_TYPE_STRING, mixers->str, "plan", G_TYPE_STRING, json,
      "answered", G_TYPE_UINT, answered,
      "collect-ms", G_TYPE_INT64, (now - self->request_us) / 1000, NULL);
  GST_INFO_OBJECT (self, "election (%s): %s, reason %s, mixers '%s'",
      trigger, proposed ? "new plan" : "plan kept",
      gst_f2f_elect_reason_to_string (result.reason), mixers->str);
  g_string_free (mixers, TRUE);
  inputs_clear (&in);
  /* for the siblings that draw them (f2ftopology) */
  gst_f2f_room_set_scores (room, gst_structure_get_value (s, "scores"));
  post (self, s);
}

/* Finishes the election under way once every peer present answered. */
static void
maybe_finish (GstF2fElection * self, GstF2fRoom * room)
{
  g_auto (GStrv) peers = NULL;
  guint i;

  if (!self->collecting)
    return;
  peers = gst_f2f_room_list_peers (room);
  for (i = 0; peers[i]; i++) {
    Record *r = g_hash_table_lookup (self->records, peers[i]);
    if (!g_hash_table_contains (self->asked, peers[i]))
      continue;
    if (r == NULL || r->request != self->request)
      return;
  }
  finish_election (self, room);
}

static gboolean
collect_timeout_cb (gpointer data)
{
  GstF2fElection *self = data;
  g_autoptr (GstF2fRoom) room = dup_room (self);

  f2f_clear_source (&self->collect_timer);
  if (room && self->collecting) {
    GST_INFO_OBJECT (self, "deciding without the peers that did not answer "
        "within the collect timeout");
    finish_election (self, room);
  }
  return G_SOURCE_REMOVE;
}

/* The leader asks every peer for a record now and decides when all
 * answered or at the deadline, whichever comes first. One election at a
 * time: a trigger during one is covered by it (it decides on the room as
 * it is when it ends). */
static void
start_election (GstF2fElection * self, GstF2fRoom * room, const gchar * trigger)
{
  g_autoptr (GstF2fPlan) plan = NULL;
  g_auto (GStrv) peers = NULL;
  guint timeout;

  if (get_mode (self) == GST_F2F_ELECTION_MODE_OFF || !is_leader (self, room))
    return;
  if (self->collecting) {
    GST_DEBUG_OBJECT (self, "%s: an election is under way already", trigger);
    return;
  }
  f2f_clear_source (&self->recheck);
  plan = gst_f2f_room_dup_plan (room);
  peers = gst_f2f_room_list_peers (room);
  self->collecting = TRUE;
  self->request++;
  self->request_us = g_get_monotonic_time ();
  g_free (self->trigger);
  self->trigger = g_strdup (trigger);
  self->target_epoch = (plan ? gst_f2f_plan_get_epoch (plan) : 0) + 1;
  GST_INFO_OBJECT (self, "election for epoch %" G_GUINT64_FORMAT " (%s)",
      self->target_epoch, trigger);
  /* Only the peers the request reached are waited for: one whose channel
   * is not open yet (it is joining) cannot answer, and is decided on with
   * what is known (nothing, for a newcomer). */
  g_hash_table_remove_all (self->asked);
  {
    g_autofree gchar *text = gst_f2f_elect_message_request (self->request,
        self->target_epoch);
    g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
    guint i;
    for (i = 0; peers[i]; i++)
      if (gst_f2f_room_send (room, peers[i], GST_F2F_ELECTION_CHANNEL, bytes))
        g_hash_table_add (self->asked, g_strdup (peers[i]));
  }
  self->n_asked = g_hash_table_size (self->asked);
  post (self, gst_structure_new ("f2f-election-started",
          "trigger", G_TYPE_STRING, trigger,
          "epoch", G_TYPE_UINT64, self->target_epoch,
          "peers", G_TYPE_UINT, self->n_asked, NULL));
  GST_OBJECT_LOCK (self);
  timeout = self->collect_timeout;
  GST_OBJECT_UNLOCK (self);
  self->collect_timer = f2f_context_add_timeout
      (g_main_context_get_thread_default (), timeout, collect_timeout_cb, self);
  maybe_finish (self, room);
}

static void handle_probe_result (GstF2fElection * self, GstF2fRoom * room,
    const gchar * peer, const GstF2fElectMessage * msg);
static void handle_probe_ask (GstF2fElection * self, GstF2fRoom * room,
    const gchar * peer, const GstF2fElectMessage * msg);
static void handle_probe_answer (GstF2fElection * self, GstF2fRoom * room,
    const gchar * peer, const GstF2fElectMessage * msg);

static void
handle_message (GstF2fElection * self, GstF2fRoom * room, const gchar * peer,
    GBytes * data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstF2fElectMessage) msg = NULL;
  gsize len;
  const gchar *text = g_bytes_get_data (data, &len);
  Record *r;

  msg = gst_f2f_elect_message_parse (text, len, &error);
  if (msg == NULL) {
    GST_WARNING_OBJECT (self, "dropped a message from %s: %s", peer,
        error->message);
    return;
  }
  switch (msg->type) {
    case GST_F2F_ELECT_MESSAGE_MEASUREMENT:
      r = g_hash_table_lookup (self->records, peer);
      if (r == NULL) {
        r = g_new0 (Record, 1);
        r->peer = g_strdup (peer);
        g_hash_table_replace (self->records, r->peer, r);
      }
      r->m = msg->measurement;
      r->m.peer = r->peer;
      r->received_us = g_get_monotonic_time ();
      /* a periodic record after the answer still counts as the answer */
      if (msg->request || r->request != self->request)
        r->request = msg->request;
      maybe_finish (self, room);
      break;
    case GST_F2F_ELECT_MESSAGE_REQUEST:
      if (get_mode (self) == GST_F2F_ELECTION_MODE_OFF)
        break;
      measure_local (self, room);
      send_text (room, peer, gst_f2f_elect_message_measurement (&self->local,
              msg->request));
      break;
    case GST_F2F_ELECT_MESSAGE_TRIGGER:
      GST_INFO_OBJECT (self, "%s asks for an election (%s)", peer, msg->reason);
      start_election (self, room, msg->reason);
      break;
    case GST_F2F_ELECT_MESSAGE_PROBE_RESULT:
      handle_probe_result (self, room, peer, msg);
      break;
    case GST_F2F_ELECT_MESSAGE_PROBE_ASK:
      handle_probe_ask (self, room, peer, msg);
      break;
    case GST_F2F_ELECT_MESSAGE_PROBE_ANSWER:
      handle_probe_answer (self, room, peer, msg);
      break;
  }
}

/* ---------------------------------------------------------------------- */
/* The uplink probe (worker)
 *
 * Every probe-interval this peer sends one other peer (in turn) a probe
 * on the f2f-probe channel: at most probe-bytes, sized to last about 80 %
 * of probe-duration at the last estimate (FIRST_PROBE_BYTES first). The
 * receiver times the chunks' arrival and answers with probe-result: the
 * bytes after the first quarter of the chunks over the time they took to
 * arrive. The estimate adds what this peer's media sent in the meantime
 * (the probe only gets what the media leave of the uplink), and is the
 * median of the last three. */

/* The uplink is the rate a link counts (a tbf cap, a modem), headers
 * included, but the receiver counts data-channel payload and webrtcbin
 * RTP payload. A probe's bytes travel as SCTP packets of at most 1200
 * bytes (webrtcbin's association fixes that path MTU) of which 28 are
 * SCTP's (common header 12, DATA chunk 16), in DTLS 1.2 records (13 +
 * AES-GCM's 24), UDP 8, IPv4 20, Ethernet 14: 1279 on the wire for 1172
 * of payload. Counting payload only, a 1 Mbit/s cap was estimated at 0.92
 * (docs/performance.md, "Election"). */
#define PROBE_PAYLOAD_PER_PACKET 1172
#define PROBE_WIRE_PER_PACKET 1279
/* RTP 12, its header extensions ~8, SRTP's tag 10, UDP 8, IPv4 20,
 * Ethernet 14 (f2fcongestion counts media the same way) */
#define RTP_PACKET_OVERHEAD 72

static guint64
probe_wire_bytes (guint64 payload)
{
  return payload * PROBE_WIRE_PER_PACKET / PROBE_PAYLOAD_PER_PACKET;
}

/* What this peer's media sent on the wire so far, all links. */
static guint64
media_bytes_sent (GstF2fRoom * room)
{
  g_auto (GStrv) peers = gst_f2f_room_list_peers (room);
  guint64 sum = 0;
  guint i;

  for (i = 0; peers[i]; i++) {
    GstF2fLinkSample s;
    if (gst_f2f_room_sample_link (room, peers[i], &s))
      sum += s.bytes_sent + s.packets_sent * RTP_PACKET_OVERHEAD;
    gst_f2f_link_sample_clear (&s);
  }
  return sum;
}

static void
stop_probe (GstF2fElection * self)
{
  f2f_clear_source (&self->probe_pump);
}

static gboolean
probe_pump_cb (gpointer data)
{
  GstF2fElection *self = data;
  g_autoptr (GstF2fRoom) room = dup_room (self);
  gint64 elapsed_ms = (g_get_monotonic_time () - self->probe_start_us) / 1000;
  guint bytes, duration;

  if (room == NULL) {
    stop_probe (self);
    return G_SOURCE_REMOVE;
  }
  GST_OBJECT_LOCK (self);
  duration = self->probe_duration;
  GST_OBJECT_UNLOCK (self);
  bytes = self->probe_size;
  while (self->probe_sent < bytes && elapsed_ms < duration) {
    gint64 queued = gst_f2f_room_get_buffered_amount (room, self->probe_peer,
        GST_F2F_PROBE_CHANNEL);
    gsize size = MIN (GST_F2F_PROBE_CHUNK_SIZE, bytes - self->probe_sent);
    g_autoptr (GBytes) chunk = NULL;

    if (queued < 0 || queued >= PROBE_QUEUE)
      return G_SOURCE_CONTINUE;
    size = MAX (size, GST_F2F_PROBE_HEADER_SIZE);
    chunk = gst_f2f_elect_probe_chunk_new (self->probe_id,
        self->probe_index++, FALSE, size);
    if (!gst_f2f_room_send (room, self->probe_peer, GST_F2F_PROBE_CHANNEL,
            chunk)) {
      GST_DEBUG_OBJECT (self, "probe to %s stopped: its channel closed",
          self->probe_peer);
      self->probe_busy_until_us = g_get_monotonic_time () + PROBE_DRAIN_US;
      /* no result will come: the turn is over */
      gst_f2f_probe_turn_end (self->turn, self->probe_peer, self->probe_id);
      f2f_clear_source (&self->probe_pump);
      return G_SOURCE_REMOVE;
    }
    self->probe_sent += size;
  }
  {
    /* the end marker: its arrival ends the receiver's measurement */
    g_autoptr (GBytes) last = gst_f2f_elect_probe_chunk_new (self->probe_id,
        self->probe_index, TRUE, GST_F2F_PROBE_HEADER_SIZE);
    gst_f2f_room_send (room, self->probe_peer, GST_F2F_PROBE_CHANNEL, last);
  }
  GST_DEBUG_OBJECT (self, "probe %u to %s: %" G_GUINT64_FORMAT " bytes in %"
      G_GINT64_FORMAT " ms", self->probe_id, self->probe_peer,
      self->probe_sent, elapsed_ms);
  /* what SCTP still holds leaves meanwhile; the answer ends it sooner */
  self->probe_busy_until_us = g_get_monotonic_time () + PROBE_DRAIN_US;
  f2f_clear_source (&self->probe_pump);
  return G_SOURCE_REMOVE;
}

static void
get_probe_settings (GstF2fElection * self, guint * interval, guint * bytes,
    guint * duration)
{
  GST_OBJECT_LOCK (self);
  *interval = self->probe_interval;
  *bytes = self->probe_bytes;
  *duration = self->probe_duration;
  GST_OBJECT_UNLOCK (self);
}

/* How long a turn with a probe of @duration_ms may last at most. */
static gint64
turn_hold_us (guint duration_ms)
{
  return (gint64) duration_ms *1000 + PROBE_DRAIN_US + PROBE_TURN_SLACK_US;
}

/* A probe when one is due: every tick, after a refusal, and when a probe
 * this peer took part in ends. A probe starts only once its receiver has
 * granted it (gstf2fprobeturn.h): a peer is never in two probes at once.
 * The probe channel is opened by the first send; a peer whose channel is
 * not open yet is tried again at the next tick. */
static void
maybe_probe (GstF2fElection * self, GstF2fRoom * room)
{
  g_auto (GStrv) peers = NULL;
  guint n, interval, bytes, duration;
  gint64 now = g_get_monotonic_time ();
  const gchar *peer;
  guint32 id;

  get_probe_settings (self, &interval, &bytes, &duration);
  if (self->probe_pump || interval == 0 || bytes == 0
      || now < self->next_probe_us
      || get_mode (self) == GST_F2F_ELECTION_MODE_OFF)
    return;
  if (gst_f2f_probe_turn_get_state (self->turn, now) !=
      GST_F2F_PROBE_TURN_IDLE) {
    GST_LOG_OBJECT (self, "in a probe with %s: ours waits",
        gst_f2f_probe_turn_get_peer (self->turn));
    return;
  }
  peers = gst_f2f_room_list_peers (room);
  n = g_strv_length (peers);
  if (n == 0)
    return;
  if (self->probe_again && g_strv_contains ((const gchar * const *) peers,
          self->probe_again))
    peer = self->probe_again;
  else
    peer = peers[self->probe_turn++ % n];
  if (gst_f2f_room_get_buffered_amount (room, peer, GST_F2F_PROBE_CHANNEL) < 0) {
    /* opens the channel in-band; nothing is measured from this */
    g_autoptr (GBytes) hello = gst_f2f_elect_probe_chunk_new (0, 0, TRUE,
        GST_F2F_PROBE_HEADER_SIZE);
    gst_f2f_room_send (room, peer, GST_F2F_PROBE_CHANNEL, hello);
    return;
  }
  id = self->probe_id + 1 ? self->probe_id + 1 : 1;
  if (!gst_f2f_probe_turn_ask (self->turn, peer, id, now, PROBE_ASK_TIMEOUT_US))
    return;
  self->probe_id = id;
  g_free (self->probe_peer);
  self->probe_peer = g_strdup (peer);
  GST_DEBUG_OBJECT (self, "asking %s for probe %u", peer, id);
  send_text (room, peer, gst_f2f_elect_message_probe_ask (id, duration));
}

/* The receiver granted probe self->probe_id: send it. */
static void
start_probe (GstF2fElection * self, GstF2fRoom * room)
{
  guint interval, bytes, duration;
  guint64 fill;

  get_probe_settings (self, &interval, &bytes, &duration);
  self->probe_sent = 0;
  self->probe_index = 0;
  g_clear_pointer (&self->probe_again, g_free);
  fill = self->probed_uplink_bps / 8 * duration / 1000 * 8 / 10;
  /* a probe too fast to time is followed by a full-size one */
  if (self->probe_too_fast)
    self->probe_size = bytes;
  else if (self->probed_uplink_bps)
    self->probe_size = CLAMP (fill, FIRST_PROBE_BYTES, MAX (bytes,
            FIRST_PROBE_BYTES));
  else
    self->probe_size = MIN (FIRST_PROBE_BYTES, bytes);
  {
    guint64 largest = GPOINTER_TO_SIZE (g_hash_table_lookup
        (self->probe_largest, self->probe_peer));
    self->probe_warmup = self->probe_size > 2 * MAX (largest,
        FIRST_PROBE_BYTES / 2);
  }
  self->probe_media_bytes = media_bytes_sent (room);
  self->probe_start_us = g_get_monotonic_time ();
  self->probe_busy_until_us = G_MAXINT64;
  self->next_probe_us = self->probe_start_us + (gint64) interval *1000;
  f2f_clear_source (&self->probe_pump);
  self->probe_pump = f2f_context_add_timeout
      (g_main_context_get_thread_default (), PROBE_PUMP_MS, probe_pump_cb,
      self);
}

static gboolean
probe_retry_cb (gpointer data)
{
  GstF2fElection *self = data;
  g_autoptr (GstF2fRoom) room = dup_room (self);

  f2f_clear_source (&self->probe_retry);
  if (room)
    maybe_probe (self, room);
  return G_SOURCE_REMOVE;
}

/* A peer asks to probe us (the receiving side). */
static void
handle_probe_ask (GstF2fElection * self, GstF2fRoom * room,
    const gchar * peer, const GstF2fElectMessage * msg)
{
  gboolean granted = get_mode (self) != GST_F2F_ELECTION_MODE_OFF
      && gst_f2f_probe_turn_asked (self->turn, peer, msg->probe,
      g_get_monotonic_time (), turn_hold_us (msg->duration_ms));

  GST_DEBUG_OBJECT (self, "%s asks for probe %" G_GUINT64_FORMAT ": %s", peer,
      msg->probe, granted ? "granted" : "refused");
  send_text (room, peer, gst_f2f_elect_message_probe_answer (msg->probe,
          granted));
}

/* The answer to our probe-ask (the sending side). */
static void
handle_probe_answer (GstF2fElection * self, GstF2fRoom * room,
    const gchar * peer, const GstF2fElectMessage * msg)
{
  guint duration;

  GST_OBJECT_LOCK (self);
  duration = self->probe_duration;
  GST_OBJECT_UNLOCK (self);
  if (gst_f2f_probe_turn_answered (self->turn, peer, msg->probe, msg->granted,
          g_get_monotonic_time (), turn_hold_us (duration))) {
    GST_DEBUG_OBJECT (self, "%s granted probe %u", peer, self->probe_id);
    start_probe (self, room);
  } else if (!msg->granted && self->probe_retry == NULL) {
    GST_DEBUG_OBJECT (self, "%s refused probe %" G_GUINT64_FORMAT ": it is "
        "in another", peer, msg->probe);
    self->probe_retry = f2f_context_add_timeout
        (g_main_context_get_thread_default (),
        g_random_int_range (PROBE_RETRY_MIN_MS, PROBE_RETRY_MAX_MS + 1),
        probe_retry_cb, self);
  }
}

/* The probe we granted @peer is over: our own, if due, goes now, before
 * another peer's ask takes the turn again (a peer asked often would
 * otherwise seldom get to probe). */
static void
end_received_probe (GstF2fElection * self, GstF2fRoom * room,
    const gchar * peer, guint32 id)
{
  if (gst_f2f_probe_turn_end (self->turn, peer, id))
    maybe_probe (self, room);
}

/* A probe chunk from @peer (the receiving side). */
static void
handle_probe_chunk (GstF2fElection * self, GstF2fRoom * room,
    const gchar * peer, GBytes * data, gint64 time_us)
{
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  guint32 id;
  guint16 index;
  gboolean last;
  ProbeIn *in;

  if (!gst_f2f_elect_probe_chunk_parse (bytes, len, &id, &index, &last)) {
    GST_WARNING_OBJECT (self, "dropped %" G_GSIZE_FORMAT " bytes from %s on "
        "the probe channel: not a probe chunk", len, peer);
    return;
  }
  if (id == 0)
    return;                     /* the channel's opener */
  in = g_hash_table_lookup (self->probes_in, peer);
  if (in == NULL || in->id != id) {
    in = g_new0 (ProbeIn, 1);
    in->id = id;
    in->times = g_array_new (FALSE, FALSE, sizeof (gint64));
    in->bytes = g_array_new (FALSE, FALSE, sizeof (guint64));
    g_hash_table_replace (self->probes_in, g_strdup (peer), in);
  }
  if (in->times->len < 4096) {
    guint64 total = (in->bytes->len ? g_array_index (in->bytes, guint64,
            in->bytes->len - 1) : 0) + len;
    g_array_append_val (in->times, time_us);
    g_array_append_val (in->bytes, total);
  }
  if (last && self->probe_start_us
      && self->probe_start_us < time_us
      && self->probe_busy_until_us > g_array_index (in->times, gint64, 0)) {
    /* Our own probe was on our uplink meanwhile: our acknowledgements of
     * this one waited behind it (up to the uplink's queue, 400 ms on a
     * modem), and the sender's SCTP, paced by them, sent slower than its
     * uplink allows (suspected, not proven, for an 8 Mbit/s uplink
     * estimated at 1.3 Mbit/s in the network lab; a 4 Mbit/s one was
     * still once estimated at 1.1 Mbit/s with this rule). No answer: no
     * estimate is better than a wrong one. */
    GST_INFO_OBJECT (self, "probe %u from %s not answered: it overlapped "
        "our own", id, peer);
    g_hash_table_remove (self->probes_in, peer);
    end_received_probe (self, room, peer, id);
    return;
  }
  if (last) {
    /* timed from the first quarter of the chunks on: the start is SCTP's
     * slow start, not the uplink */
    guint n = in->times->len, from = (n - 1) / 4;
    guint64 bytes_after = g_array_index (in->bytes, guint64, n - 1) -
        g_array_index (in->bytes, guint64, from);
    gint64 span = g_array_index (in->times, gint64, n - 1) -
        g_array_index (in->times, gint64, from);
    send_text (room, peer, gst_f2f_elect_message_probe_result (id,
            bytes_after, span));
    g_hash_table_remove (self->probes_in, peer);
    end_received_probe (self, room, peer, id);
  }
}

/* The answer to our probe: the estimate. */
static void
handle_probe_result (GstF2fElection * self, GstF2fRoom * room,
    const gchar * peer, const GstF2fElectMessage * msg)
{
  gint64 span_us = msg->span_us;
  gint64 window_us = g_get_monotonic_time () - self->probe_start_us;
  guint64 media = 0, now_bytes, probe_bps;

  if (msg->probe != self->probe_id || g_strcmp0 (peer, self->probe_peer) != 0)
    return;
  gst_f2f_probe_turn_end (self->turn, peer, self->probe_id);
  if (GPOINTER_TO_SIZE (g_hash_table_lookup (self->probe_largest, peer)) <
      self->probe_size)
    g_hash_table_replace (self->probe_largest, g_strdup (peer),
        GSIZE_TO_POINTER (self->probe_size));
  if (self->probe_warmup) {
    /* The first probe to a peer more than twice as large as any before it
     * measures the data channel's association warming up, not the uplink:
     * in the network lab each such first burst arrived at 0.6-1.5 Mbit/s
     * whatever the uplink (1, 4 and 8 Mbit/s), and every later one to the
     * same peer within 2 % of the cap (docs/performance.md, "Election").
     * Not used; the same peer is probed again at once. */
    self->probe_warmup = FALSE;
    GST_INFO_OBJECT (self, "probe %u to %s was a warm-up (%" G_GUINT64_FORMAT
        " bytes in %" G_GINT64_FORMAT " ms): not used, the next at once",
        self->probe_id, peer, msg->bytes, span_us / 1000);
    if (self->probe_pump == NULL)
      self->probe_busy_until_us = g_get_monotonic_time ();
    self->next_probe_us = g_get_monotonic_time ();
    g_free (self->probe_again);
    self->probe_again = g_strdup (peer);
    maybe_probe (self, room);
    return;
  }
  /* every byte of it has arrived: our uplink is ours again */
  if (self->probe_pump == NULL)
    self->probe_busy_until_us = g_get_monotonic_time ();
  /* too little to time: a probe that got one chunk through */
  self->probe_too_fast = span_us < 5000;
  if (span_us < 5000 || msg->bytes < 2 * GST_F2F_PROBE_CHUNK_SIZE) {
    GST_INFO_OBJECT (self, "probe %u to %s: too little arrived to estimate "
        "(%" G_GUINT64_FORMAT " bytes in %" G_GINT64_FORMAT " µs)",
        self->probe_id, peer, msg->bytes, span_us);
    return;
  }
  probe_bps = probe_wire_bytes (msg->bytes) * 8 * G_USEC_PER_SEC / span_us;
  now_bytes = media_bytes_sent (room);
  if (now_bytes > self->probe_media_bytes && window_us > 0)
    media = (now_bytes - self->probe_media_bytes) * 8 * G_USEC_PER_SEC /
        window_us;
  /* one probe is one sample of a noisy thing (SCTP's reaction to a full
   * queue at the bottleneck moves it by ±20 %): the estimate is the
   * median of the latest three */
  self->probe_results[self->probe_results_next++ % 3] = probe_bps + media;
  {
    guint64 v[3];
    guint n = 0, i, j;
    for (i = 0; i < 3; i++)
      if (self->probe_results[i])
        v[n++] = self->probe_results[i];
    for (i = 1; i < n; i++)
      for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
        guint64 t = v[j];
        v[j] = v[j - 1];
        v[j - 1] = t;
      }
    self->probed_uplink_bps = n == 2 ? (v[0] + v[1]) / 2 : v[n / 2];
  }
  GST_INFO_OBJECT (self, "uplink probe %u to %s: %" G_GUINT64_FORMAT
      " bytes in %" G_GINT64_FORMAT " ms = %" G_GUINT64_FORMAT " bit/s, "
      "+ media %" G_GUINT64_FORMAT " bit/s", self->probe_id, peer,
      msg->bytes, span_us / 1000, probe_bps, media);
}

static gboolean
event_cb (gpointer data)
{
  Event *ev = data;
  GstF2fElection *self = ev->self;
  g_autoptr (GstF2fRoom) room = dup_room (self);
  g_autoptr (GstF2fPlan) plan = NULL;
  gboolean auto_mode = get_mode (self) == GST_F2F_ELECTION_MODE_AUTO;

  if (room == NULL)
    return G_SOURCE_REMOVE;
  switch (ev->kind) {
    case EVENT_JOINED:
      self->membership_us = g_get_monotonic_time ();
      if (auto_mode)
        check (self, room);
      break;
    case EVENT_LEFT:
      self->membership_us = g_get_monotonic_time ();
      g_hash_table_remove (self->records, ev->id);
      g_hash_table_remove (self->probes_in, ev->id);
      gst_f2f_probe_turn_peer_left (self->turn, ev->id);
      g_hash_table_remove (self->probe_largest, ev->id);
      plan = gst_f2f_room_dup_plan (room);
      if (auto_mode && plan && gst_f2f_plan_is_mixer (plan, ev->id))
        start_election (self, room, "mixer-left");
      else if (auto_mode)
        check (self, room);
      maybe_finish (self, room);
      break;
    case EVENT_LEADER:{
      g_autofree gchar *me = gst_f2f_room_dup_local_id (room);
      gboolean took_over = me && g_strcmp0 (ev->id, me) == 0
          && self->leader && g_strcmp0 (self->leader, me) != 0;
      g_free (self->leader);
      self->leader = g_strdup (ev->id);
      /* an election the old leader had under way is finished here */
      if (took_over && auto_mode)
        start_election (self, room, "leader-left");
      break;
    }
    case EVENT_PLAN:
      self->plan_changed_us = g_get_monotonic_time ();
      break;
    case EVENT_MESSAGE:
      handle_message (self, room, ev->id, ev->data);
      break;
    case EVENT_PROBE:
      if (get_mode (self) != GST_F2F_ELECTION_MODE_OFF)
        handle_probe_chunk (self, room, ev->id, ev->data, ev->time_us);
      break;
    case EVENT_ELECT:
      if (is_leader (self, room)) {
        start_election (self, room, "manual");
      } else {
        g_autofree gchar *leader = gst_f2f_room_dup_leader (room);
        if (leader)
          send_text (room, leader, gst_f2f_elect_message_trigger ("manual"));
      }
      break;
    case EVENT_MODE:
      if (auto_mode)
        start_election (self, room, "mode");
      break;
  }
  return G_SOURCE_REMOVE;
}

/* Every interval: measure, share, report; the leader looks whether the
 * room needs an election. */
static gboolean
tick_cb (gpointer data)
{
  GstF2fElection *self = data;
  g_autoptr (GstF2fRoom) room = dup_room (self);
  g_autofree gchar *me = NULL;
  GHashTableIter iter;
  gpointer value;
  guint interval;

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  GST_OBJECT_UNLOCK (self);
  f2f_clear_source (&self->tick);
  self->tick = f2f_context_add_timeout (g_main_context_get_thread_default (),
      interval, tick_cb, self);

  if (room == NULL) {
    GstF2fRoom *found = NULL;
    gst_f2f_room_ensure (GST_ELEMENT_CAST (self), &found);
    room = dup_room (self);
    gst_clear_object (&found);
  }
  if (room == NULL) {
    if (!self->warned_no_room) {
      self->warned_no_room = TRUE;
      GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND,
          ("f2felection found no room: it needs an f2fsignal in the same "
              "pipeline, and does nothing until one shares its room."),
          ("no element answered the \"%s\" context",
              GST_F2F_ROOM_CONTEXT_TYPE));
    }
    return G_SOURCE_REMOVE;
  }
  me = gst_f2f_room_dup_local_id (room);
  if (me == NULL || get_mode (self) == GST_F2F_ELECTION_MODE_OFF)
    return G_SOURCE_REMOVE;

  measure_local (self, room);
  send_text (room, NULL, gst_f2f_elect_message_measurement (&self->local, 0));
  {
    GstStructure *s = record_structure ("f2f-measurement", me, &self->local);
    /* how many probes the estimate rests on: whoever reads the estimate
     * can tell a fresh one from the same one published again */
    gst_structure_set (s, "local", G_TYPE_BOOLEAN, TRUE, "probes",
        G_TYPE_UINT, self->probe_results_next, NULL);
    post (self, s);
  }
  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Record *r = value;
    GstF2fMeasurement m = r->m;
    GstStructure *s;
    m.age_ms = (g_get_monotonic_time () - r->received_us) / 1000;
    s = record_structure ("f2f-measurement", r->peer, &m);
    gst_structure_set (s, "local", G_TYPE_BOOLEAN, FALSE, NULL);
    post (self, s);
  }
  maybe_probe (self, room);
  check (self, room);
  return G_SOURCE_REMOVE;
}

static void
worker_started (gpointer data)
{
  GstF2fElection *self = data;

  /* request ids of one leader increase; starting at a random point keeps
   * an answer to a former leader's request from passing for one to ours */
  self->request = (guint64) g_random_int () << 16;
  /* the first probe once the links had a moment to come up */
  self->next_probe_us = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  /* the leader as it is now: a later change to us is a take-over */
  {
    g_autoptr (GstF2fRoom) room = dup_room (self);
    self->leader = room ? gst_f2f_room_dup_leader (room) : NULL;
  }

  self->tick = f2f_context_add_timeout (g_main_context_get_thread_default (),
      0, tick_cb, self);
}

static void
worker_stopping (gpointer data)
{
  GstF2fElection *self = data;

  f2f_clear_source (&self->tick);
  f2f_clear_source (&self->collect_timer);
  f2f_clear_source (&self->recheck);
  self->collecting = FALSE;
  g_clear_pointer (&self->trigger, g_free);
  g_hash_table_remove_all (self->records);
  g_hash_table_remove_all (self->asked);
  g_hash_table_remove_all (self->probes_in);
  stop_probe (self);
  f2f_clear_source (&self->probe_retry);
  gst_f2f_probe_turn_free (self->turn);
  self->turn = gst_f2f_probe_turn_new ();
  g_hash_table_remove_all (self->probe_largest);
  self->probe_warmup = FALSE;
  g_clear_pointer (&self->probe_again, g_free);
  g_clear_pointer (&self->probe_peer, g_free);
  self->next_probe_us = 0;
  self->probe_start_us = self->probe_busy_until_us = 0;
  self->probed_uplink_bps = 0;
  self->probe_too_fast = FALSE;
  memset (self->probe_results, 0, sizeof self->probe_results);
  self->probe_results_next = 0;
  g_clear_pointer (&self->leader, g_free);
  self->plan_changed_us = self->membership_us = 0;
  self->cpu_used_us = self->cpu_wall_us = 0;
}

/* ---------------------------------------------------------------------- */

static gboolean
gst_f2f_election_elect (GstF2fElection * self)
{
  g_autoptr (GstF2fRoom) room = dup_room (self);

  if (room == NULL || get_mode (self) == GST_F2F_ELECTION_MODE_OFF)
    return FALSE;
  return queue_event (self, EVENT_ELECT, NULL, NULL);
}

static GstStateChangeReturn
gst_f2f_election_change_state (GstElement * element, GstStateChange transition)
{
  GstF2fElection *self = GST_F2F_ELECTION (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:{
      /* may find nothing yet: f2fsignal shares the room when it reaches
       * READY, and the first measurement asks again */
      GstF2fRoom *found = NULL;
      gst_f2f_room_ensure (element, &found);
      gst_clear_object (&found);
      break;
    }
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      self->warned_no_room = FALSE;
      g_mutex_lock (&self->lock);
      self->worker = f2f_worker_start ("f2felection", worker_started,
          worker_stopping, self);
      g_mutex_unlock (&self->lock);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (gst_f2f_election_parent_class)->change_state
      (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    F2fWorker *worker;
    g_mutex_lock (&self->lock);
    worker = g_steal_pointer (&self->worker);
    g_mutex_unlock (&self->lock);
    /* events queued meanwhile are dropped with the worker's context */
    f2f_worker_stop (worker);
  }
  /* nothing to preroll: like a live source */
  if (ret == GST_STATE_CHANGE_SUCCESS
      && (transition == GST_STATE_CHANGE_READY_TO_PAUSED
          || transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED))
    ret = GST_STATE_CHANGE_NO_PREROLL;
  return ret;
}

static void
gst_f2f_election_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstF2fElection *self = GST_F2F_ELECTION (object);
  gboolean mode_changed = FALSE;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      mode_changed = self->mode != (GstF2fElectionMode) g_value_get_enum
          (value);
      self->mode = g_value_get_enum (value);
      break;
    case PROP_MAX_MESH_SIZE:
      self->max_mesh_size = g_value_get_uint (value);
      break;
    case PROP_MAX_CLIENTS_PER_MIXER:
      self->max_clients = g_value_get_uint (value);
      break;
    case PROP_MIN_DWELL:
      self->min_dwell = g_value_get_uint (value);
      break;
    case PROP_SHRINK_DWELL:
      self->shrink_dwell = g_value_get_uint (value);
      break;
    case PROP_MIN_GAIN:
      self->min_gain = g_value_get_double (value);
      break;
    case PROP_CAPACITY:
      self->capacity = g_value_get_enum (value);
      break;
    case PROP_UPLINK:
      self->uplink_kbps = g_value_get_uint (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    case PROP_COLLECT_TIMEOUT:
      self->collect_timeout = g_value_get_uint (value);
      break;
    case PROP_PROBE_BYTES:
      self->probe_bytes = g_value_get_uint (value);
      break;
    case PROP_PROBE_DURATION:
      self->probe_duration = g_value_get_uint (value);
      break;
    case PROP_PROBE_INTERVAL:
      self->probe_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  if (mode_changed)
    queue_event (self, EVENT_MODE, NULL, NULL);
}

static void
gst_f2f_election_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstF2fElection *self = GST_F2F_ELECTION (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_MAX_MESH_SIZE:
      g_value_set_uint (value, self->max_mesh_size);
      break;
    case PROP_MAX_CLIENTS_PER_MIXER:
      g_value_set_uint (value, self->max_clients);
      break;
    case PROP_MIN_DWELL:
      g_value_set_uint (value, self->min_dwell);
      break;
    case PROP_SHRINK_DWELL:
      g_value_set_uint (value, self->shrink_dwell);
      break;
    case PROP_MIN_GAIN:
      g_value_set_double (value, self->min_gain);
      break;
    case PROP_CAPACITY:
      g_value_set_enum (value, self->capacity);
      break;
    case PROP_UPLINK:
      g_value_set_uint (value, self->uplink_kbps);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_COLLECT_TIMEOUT:
      g_value_set_uint (value, self->collect_timeout);
      break;
    case PROP_PROBE_BYTES:
      g_value_set_uint (value, self->probe_bytes);
      break;
    case PROP_PROBE_DURATION:
      g_value_set_uint (value, self->probe_duration);
      break;
    case PROP_PROBE_INTERVAL:
      g_value_set_uint (value, self->probe_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_f2f_election_finalize (GObject * object)
{
  GstF2fElection *self = GST_F2F_ELECTION (object);

  take_room (self, NULL);
  g_hash_table_unref (self->records);
  g_hash_table_unref (self->asked);
  g_hash_table_unref (self->probes_in);
  gst_f2f_probe_turn_free (self->turn);
  g_hash_table_unref (self->probe_largest);
  g_free (self->probe_again);
  g_free (self->probe_peer);
  g_free (self->trigger);
  g_free (self->leader);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_f2f_election_parent_class)->finalize (object);
}

static void
gst_f2f_election_class_init (GstF2fElectionClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_f2f_election_set_property;
  gobject_class->get_property = gst_f2f_election_get_property;
  gobject_class->finalize = gst_f2f_election_finalize;

  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "off: neither measure nor elect; manual: measure, elect only on "
          "the elect signal or a peer's request; auto: also when the room "
          "grows past max-mesh-size, a mixer or the leader leaves, or the "
          "measurements call for another plan. Only the leader's mode "
          "decides for the room", GST_TYPE_F2F_ELECTION_MODE, DEFAULT_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_MESH_SIZE,
      g_param_spec_uint ("max-mesh-size", "Max mesh size",
          "Rooms of up to this many peers stay a mesh; one more elects "
          "mixers. 4: a 4-peer mesh costs 60-73 % of one core here, 6 peers "
          "145 % (docs/performance.md)", 2, 256, DEFAULT_MAX_MESH_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_CLIENTS_PER_MIXER,
      g_param_spec_uint ("max-clients-per-mixer", "Max clients per mixer",
          "A room with more clients than this per mixer elects another "
          "mixer", 1, 256, DEFAULT_MAX_CLIENTS, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_DWELL,
      g_param_spec_uint ("min-dwell", "Minimum dwell",
          "Milliseconds a plan stays before a working mixer is replaced "
          "(by a better peer, or because it no longer fits) or removed",
          0, G_MAXINT, DEFAULT_MIN_DWELL, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SHRINK_DWELL,
      g_param_spec_uint ("shrink-dwell", "Shrink dwell",
          "Milliseconds without a join or leave before the room gets fewer "
          "mixers or goes back to the mesh", 0, G_MAXINT,
          DEFAULT_SHRINK_DWELL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_GAIN,
      g_param_spec_double ("min-gain", "Minimum gain",
          "How much better (a fraction of its score) a peer must be to "
          "replace a working mixer", 0, 100, DEFAULT_MIN_GAIN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_CAPACITY,
      g_param_spec_enum ("capacity", "Capacity",
          "What this peer declares: normal, server (a server-class box: "
          "strongly preferred as a mixer) or never-mixer",
          GST_TYPE_F2F_CAPACITY_CLASS, DEFAULT_CAPACITY, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_UPLINK,
      g_param_spec_uint ("uplink", "Uplink",
          "This peer's uplink capacity in kbit/s, as known to whoever "
          "deploys it (0: use the uplink probe's estimate). A peer whose "
          "uplink cannot carry a mixer's load is never elected", 0,
          G_MAXUINT / 1000, DEFAULT_UPLINK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "Milliseconds between measurements (each one is sent to every "
          "peer and posted as f2f-measurement)", 100, 600000, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_COLLECT_TIMEOUT,
      g_param_spec_uint ("collect-timeout", "Collect timeout",
          "Milliseconds the leader waits for the peers' fresh measurements "
          "before it decides without those that did not answer", 0, 60000,
          DEFAULT_COLLECT_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_PROBE_BYTES,
      g_param_spec_uint ("probe-bytes", "Probe bytes",
          "Bytes an uplink probe sends at most (0: no probe)", 0,
          MAX_PROBE_BYTES, DEFAULT_PROBE_BYTES, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PROBE_DURATION,
      g_param_spec_uint ("probe-duration", "Probe duration",
          "Milliseconds an uplink probe should last at most: probes are "
          "sized to fill 80 % of it at the last estimate", 50,
          GST_F2F_ELECT_MAX_PROBE_DURATION_MS,
          DEFAULT_PROBE_DURATION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PROBE_INTERVAL,
      g_param_spec_uint ("probe-interval", "Probe interval",
          "Milliseconds between two uplink probes of this peer, each to "
          "another peer in turn (0: never; the first 2 s after start)", 0,
          G_MAXINT, DEFAULT_PROBE_INTERVAL, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstF2fElection::elect:
   *
   * Asks for an election now: the leader runs it, another peer asks the
   * leader. Not in mode off.
   *
   * Returns: whether it was asked for (FALSE: no room, mode off, or not
   *   PAUSED or PLAYING).
   */
  signals[SIGNAL_ELECT] = g_signal_new_class_handler ("elect",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_f2f_election_elect), NULL, NULL, NULL, G_TYPE_BOOLEAN, 0);

  element_class->change_state = gst_f2f_election_change_state;
  element_class->set_context = gst_f2f_election_set_context;
  gst_element_class_set_static_metadata (element_class,
      "f2f mixer election", "Network",
      "Measures the f2f room's peers and elects its mixers", "the f2f authors");
  gst_type_mark_as_plugin_api (GST_TYPE_F2F_ELECTION_MODE, 0);
}

static void
gst_f2f_election_init (GstF2fElection * self)
{
  g_mutex_init (&self->lock);
  self->mode = DEFAULT_MODE;
  self->max_mesh_size = DEFAULT_MAX_MESH_SIZE;
  self->max_clients = DEFAULT_MAX_CLIENTS;
  self->min_dwell = DEFAULT_MIN_DWELL;
  self->shrink_dwell = DEFAULT_SHRINK_DWELL;
  self->min_gain = DEFAULT_MIN_GAIN;
  self->capacity = DEFAULT_CAPACITY;
  self->uplink_kbps = DEFAULT_UPLINK;
  self->interval = DEFAULT_INTERVAL;
  self->collect_timeout = DEFAULT_COLLECT_TIMEOUT;
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) record_free);
  self->asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->probes_in = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) probe_in_free);
  self->turn = gst_f2f_probe_turn_new ();
  self->probe_largest = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  self->probe_bytes = DEFAULT_PROBE_BYTES;
  self->probe_duration = DEFAULT_PROBE_DURATION;
  self->probe_interval = DEFAULT_PROBE_INTERVAL;
  gst_f2f_measurement_init (&self->local, NULL);
}
