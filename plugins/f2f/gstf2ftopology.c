/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-f2ftopology
 * @title: f2ftopology
 * @short_description: the room's network graph as DOT files and bus messages
 *
 * f2ftopology finds the room of the f2fsignal in the same pipeline through
 * the "f2f.room" GstContext and keeps a graph of it: this peer and every
 * remote peer (name, id, leader, role), and the link to each with its state,
 * bitrate each way, round-trip time, loss and jitter from webrtcbin's
 * statistics. Every #GstF2fTopologyElement:interval, and at once when
 * someone joins or leaves, the lead changes or the room adopts another
 * topology plan, it writes the graph as a Graphviz DOT file and posts it on
 * the bus.
 *
 * Roles are the room's adopted plan (see f2fsignal's `propose-topology`)
 * as every peer applies it to the peers present: in the mesh every link
 * carries cameras both ways and is drawn as before; under a plan with
 * mixers a mixer is a box in its own colour labelled "mixer", its clients
 * are labelled "client of" it in a paler shade, its links to them are
 * arrows ("→ composite …, ← camera …"), links between mixers carry a
 * sub-mix each way and are thicker, and links that carry no media (a
 * client to anyone but its mixer) are grey, dashed and labelled "data
 * only". The graph's label names the plan's epoch and proposer; a mixer
 * that left is not drawn, its clients are drawn with the mixer that took
 * them by the plan's rule ("1 mixer (1 away: its clients moved)"), and a
 * plan none of whose mixers is here as the mesh everyone fell back on.
 *
 * Each f2ftopology sends the links it measured to the other peers (data
 * channel "f2f-topology"), so a room where every peer has one draws the
 * whole mesh everywhere; a peer without one shows up with the links others
 * measured to it. With `format=svg` or `png` the files are drawn by
 * Graphviz's library, and the `video_src` request pad shows the current
 * graph as live raw video (#GstF2fTopologyElement:width ×
 * #GstF2fTopologyElement:height, 5 fps).
 *
 * ## Messages
 *
 * `f2f-topology` (element message) after every update: `room` (string),
 * `plan-epoch` (guint64, 0 before any plan), `plan-proposer` (string, ""
 * before any plan), `mixers` (string, the mixers' ids in the plan's order,
 * comma-separated, those present only; "" in the mesh, also when none of
 * the plan's mixers is here),
 * `nodes` (list of structures `node`: id, name, role ("mesh", "mixer" or
 * "client"), leader, local, served-by (a client's mixer; only on
 * clients)), `links` (list of structures `link`: a, b, state, quality,
 * a-to-b-feed, b-to-a-feed (what each way carries: "camera", "composite",
 * "submix" or "none"), a-to-b-bitrate, b-to-a-bitrate (guint64, bit/s),
 * a-to-b-loss, b-to-a-loss, rtt-ms, jitter-ms (doubles; negative when
 * unknown)), `location` (string, the file written, if any).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m f2fsignal name=s server-uri=ws://127.0.0.1:8443/ws room=demo \
 *     videotestsrc is-live=true ! s.video_sink s.video_src ! fakesink \
 *     f2ftopology location=/tmp/room-%05d.dot interval=2000
 * ]| writes /tmp/room-00000.dot, /tmp/room-00001.dot, … (`dot -Tsvg` draws
 * them).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/app/gstappsrc.h>
#include <gst/f2f/f2f.h>
#if HAVE_GVC
#include <graphviz/gvc.h>
#endif

#include "gstf2ftopology.h"
#include "gstf2felements.h"
#include "f2fworker.h"

GST_DEBUG_CATEGORY_STATIC (gst_f2f_topology_debug);
#define GST_CAT_DEFAULT gst_f2f_topology_debug

#define DEFAULT_LOCATION NULL
#define DEFAULT_INTERVAL 1000
#define DEFAULT_FORMAT "dot"
#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 360
#define DEFAULT_FPS 5

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_INTERVAL,
  PROP_FORMAT,
  PROP_WIDTH,
  PROP_HEIGHT,
};

static GstStaticPadTemplate video_src_template =
GST_STATIC_PAD_TEMPLATE ("video_src", GST_PAD_SRC, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("video/x-raw"));

enum
{
  SIGNAL_GET_DOT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  guint64 sent, received;
  gint64 time_us;
} Previous;

struct _GstF2fTopologyElement
{
  GstBin parent;

  /* Protected by the object lock. */
  gchar *location;
  guint interval;
  GstF2fRoom *room;
  gchar *last_dot;
  guint index;
  GHashTable *views;            /* reporter id → GBytes, its latest view */
  gchar *format;                /* of the files: dot, svg or png */
  guint width, height;          /* of video_src */
  GstElement *graph_src;        /* appsrc feeding video_src, or NULL */

  /* The worker (f2fworker.h), READY→PAUSED until PAUSED→READY: protected by
   * lock. Lock order: lock, then object lock. */
  GMutex lock;
  F2fWorker *worker;
  gboolean update_queued;       /* an update is queued on the worker */

  /* Worker thread only. */
  GSource *timer;               /* the next update after interval */
  GHashTable *previous;         /* peer id → Previous */
};

G_DEFINE_TYPE_WITH_CODE (GstF2fTopologyElement, gst_f2f_topology_element,
    GST_TYPE_BIN, GST_DEBUG_CATEGORY_INIT (gst_f2f_topology_debug,
        "f2ftopology", 0, "f2f room topology"));
GST_ELEMENT_REGISTER_DEFINE (f2ftopology, "f2ftopology", GST_RANK_NONE,
    GST_TYPE_F2F_TOPOLOGY);

static gboolean update_cb (gpointer data);

/* Any thread: an update soon, on the worker (at most one queued). */
static void
wake (GstF2fTopologyElement * self)
{
  g_mutex_lock (&self->lock);
  if (self->worker && !self->update_queued) {
    self->update_queued = TRUE;
    f2f_context_call (f2f_worker_get_context (self->worker), update_cb, self,
        NULL);
  }
  g_mutex_unlock (&self->lock);
}

static void
on_peer_changed (GstF2fRoom * room, const gchar * id, const gchar * other,
    GstF2fTopologyElement * self)
{
  wake (self);
}

static void
on_leader_changed (GstF2fRoom * room, const gchar * id,
    GstF2fTopologyElement * self)
{
  wake (self);
}

/* Emitted from f2fsignal's thread without the room's lock: wake() takes
 * only our own lock, and the update reads the plan again on the worker, so
 * a plan adopted while an update runs is drawn by the next one. */
static void
on_plan_changed (GstF2fRoom * room, GstF2fPlan * plan,
    GstF2fTopologyElement * self)
{
  wake (self);
}

/* Another peer's view of its links arrived; drawn at the next update. */
static void
on_message (GstF2fRoom * room, const gchar * peer, const gchar * channel,
    GBytes * data, GstF2fTopologyElement * self)
{
  if (g_strcmp0 (channel, GST_F2F_TOPOLOGY_CHANNEL) != 0)
    return;
  GST_OBJECT_LOCK (self);
  g_hash_table_replace (self->views, g_strdup (peer), g_bytes_ref (data));
  GST_OBJECT_UNLOCK (self);
}

static void
take_room (GstF2fTopologyElement * self, GstF2fRoom * room)
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
    g_signal_connect (room, "peer-joined", G_CALLBACK (on_peer_changed), self);
    g_signal_connect (room, "peer-left", G_CALLBACK (on_peer_changed), self);
    g_signal_connect (room, "leader-changed", G_CALLBACK (on_leader_changed),
        self);
    g_signal_connect (room, "plan-changed", G_CALLBACK (on_plan_changed),
        self);
    g_signal_connect (room, "message", G_CALLBACK (on_message), self);
    wake (self);
  }
}

static GstF2fRoom *
dup_room (GstF2fTopologyElement * self)
{
  GstF2fRoom *room;

  GST_OBJECT_LOCK (self);
  room = self->room ? gst_object_ref (self->room) : NULL;
  GST_OBJECT_UNLOCK (self);
  return room;
}

static void
gst_f2f_topology_element_set_context (GstElement * element,
    GstContext * context)
{
  GstF2fTopologyElement *self = GST_F2F_TOPOLOGY_ELEMENT (element);
  GstF2fRoom *room = gst_f2f_room_context_get_room (context);

  if (room) {
    take_room (self, room);
    gst_object_unref (room);
  }
  GST_ELEMENT_CLASS (gst_f2f_topology_element_parent_class)->set_context
      (element, context);
}

/* Bits per second since the previous sample of this link. */
static guint64
rate (guint64 now_bytes, guint64 then_bytes, gint64 dt_us)
{
  if (dt_us <= 0 || now_bytes < then_bytes)
    return 0;
  return (now_bytes - then_bytes) * 8 * G_USEC_PER_SEC / dt_us;
}

/* One %u or %d (optionally zero-padded to a width), and no other %. */
static gboolean
pattern_is_safe (const gchar * pattern)
{
  return g_regex_match_simple ("^[^%]*%0?[0-9]{0,2}[ud][^%]*$", pattern, 0,
      0);
}

static gchar *
file_name (GstF2fTopologyElement * self, const gchar * room_id, guint index)
{
  g_autofree gchar *location = NULL;
  const gchar *dump_dir;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  GST_OBJECT_UNLOCK (self);
  if (location) {
    gchar *name;

    /* A user's pattern reaches printf only after pattern_is_safe() said it
     * has exactly one integer conversion (set_property checks). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    name = g_strdup_printf (location, index);
#pragma GCC diagnostic pop
    return name;
  }
  dump_dir = g_getenv ("GST_DEBUG_DUMP_DOT_DIR");
  if (dump_dir && *dump_dir)
    return g_strdup_printf ("%s/f2f-room-%s-%05u.dot", dump_dir, room_id,
        index);
  return NULL;
}

/* Graphviz's graph reader keeps global state: one render at a time per
 * process. One context for the process, never freed: Graphviz's pango
 * plugin keeps a pointer to the last font name, which lives in the
 * context's font table, and a fresh context per render left it dangling. */
static GMutex render_lock;
#if HAVE_GVC
static GVC_t *gvc;              /* protected by render_lock */
#endif

/* (transfer full) (nullable): @dot drawn as @format ("png", "svg") by
 * Graphviz's library, with the layout the graph asks for. */
static GBytes *
render (const gchar * dot, const gchar * format)
{
#if HAVE_GVC
  Agraph_t *g;
  char *data = NULL;
  unsigned int length = 0;
  GBytes *bytes = NULL;
  const char *layout;

  g_mutex_lock (&render_lock);
  if (gvc == NULL)
    gvc = gvContext ();
  g = agmemread (dot);
  if (g) {
    layout = agget (g, (char *) "layout");
    if (gvLayout (gvc, g, layout && *layout ? layout : "dot") == 0) {
      if (gvRenderData (gvc, g, format, &data, &length) == 0 && data)
        bytes = g_bytes_new (data, length);
      if (data)
        gvFreeRenderData (data);
      gvFreeLayout (gvc, g);
    }
    agclose (g);
  }
  g_mutex_unlock (&render_lock);
  return bytes;
#else
  return NULL;
#endif
}

/* Feeds the picture of @dot to video_src, if it exists. */
static void
push_picture (GstF2fTopologyElement * self, const gchar * dot)
{
  GstElement *src;
  GBytes *png;

  GST_OBJECT_LOCK (self);
  src = self->graph_src ? gst_object_ref (self->graph_src) : NULL;
  GST_OBJECT_UNLOCK (self);
  if (src == NULL)
    return;
  png = render (dot, "png");
  if (png) {
    gst_app_src_push_buffer (GST_APP_SRC (src),
        gst_buffer_new_wrapped_bytes (png));
    g_bytes_unref (png);
  } else {
    GST_WARNING_OBJECT (self, "could not render the graph");
  }
  gst_object_unref (src);
}

static const gchar waiting_dot[] = "graph \"f2f room\" {\n"
    "  graph [label=\"waiting to join the room\", fontname=\"Sans\"];\n"
    "  node [fontname=\"Sans\", shape=ellipse, style=dashed];\n"
    "  \"…\";\n}\n";

static void
update (GstF2fTopologyElement * self)
{
  g_autoptr (GstF2fRoom) room = dup_room (self);
  g_autofree gchar *local = NULL, *room_id = NULL, *leader = NULL;
  g_autofree gchar *local_name = NULL;
  g_auto (GStrv) peers = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr (GstF2fPlan) plan = NULL;
  GstF2fTopology *topo;
  GstStructure *s;
  gchar *dot, *view;
  gint64 now = g_get_monotonic_time ();
  guint i, index;

  if (room == NULL) {
    /* set_context (from a bus handler) may answer at once */
    GstF2fRoom *found = NULL;
    gst_f2f_room_ensure (GST_ELEMENT_CAST (self), &found);
    if (found) {
      take_room (self, found);
      gst_object_unref (found);
    }
    push_picture (self, waiting_dot);
    return;
  }
  local = gst_f2f_room_dup_local_id (room);
  if (local == NULL) {
    push_picture (self, waiting_dot);   /* not joined yet */
    return;
  }
  room_id = gst_f2f_room_dup_room_id (room);
  leader = gst_f2f_room_dup_leader (room);
  peers = gst_f2f_room_list_peers (room);

  local_name = gst_f2f_room_dup_local_name (room);
  plan = gst_f2f_room_dup_plan (room);
  topo = gst_f2f_topology_new (room_id);
  gst_f2f_topology_set_plan (topo, plan);
  gst_f2f_topology_set_peer (topo, local, local_name,
      g_strcmp0 (leader, local) == 0, TRUE);
  for (i = 0; peers[i]; i++) {
    g_autofree gchar *name = gst_f2f_room_dup_peer_name (room, peers[i]);
    GstF2fLinkSample sample;
    Previous *prev = g_hash_table_lookup (self->previous, peers[i]);
    GstF2fLinkInfo info = { 0, };

    gst_f2f_topology_set_peer (topo, peers[i], name,
        g_strcmp0 (leader, peers[i]) == 0, FALSE);
    if (!gst_f2f_room_sample_link (room, peers[i], &sample))
      continue;
    info.state = sample.state;
    info.rtt_ms = sample.rtt_ms;
    info.jitter_ms = sample.jitter_ms;
    info.a_to_b.loss = sample.loss_out;
    info.b_to_a.loss = sample.loss_in;
    if (prev) {
      info.a_to_b.bitrate = rate (sample.bytes_sent, prev->sent,
          now - prev->time_us);
      info.b_to_a.bitrate = rate (sample.bytes_received, prev->received,
          now - prev->time_us);
    } else {
      prev = g_new0 (Previous, 1);
      g_hash_table_insert (self->previous, g_strdup (peers[i]), prev);
    }
    prev->sent = sample.bytes_sent;
    prev->received = sample.bytes_received;
    prev->time_us = now;
    gst_f2f_topology_set_link (topo, local, peers[i], &info);
    gst_f2f_link_sample_clear (&sample);
  }
  /* the scores of the latest election this peer ran (f2felection) */
  {
    GValue scores = G_VALUE_INIT;
    if (gst_f2f_room_copy_scores (room, &scores)) {
      guint j;
      for (j = 0; j < gst_value_list_get_size (&scores); j++) {
        const GstStructure *one = gst_value_get_structure
            (gst_value_list_get_value (&scores, j));
        gdouble value = 0;
        gboolean eligible = FALSE, measured = FALSE;
        if (gst_structure_get_string (one, "peer")
            && gst_structure_get_double (one, "value", &value)
            && gst_structure_get_boolean (one, "eligible", &eligible)
            && gst_structure_get_boolean (one, "measured", &measured))
          gst_f2f_topology_set_score (topo,
              gst_structure_get_string (one, "peer"), value, eligible,
              measured);
      }
      g_value_unset (&scores);
    }
  }
  /* forget the counters of peers that left */
  {
    GHashTableIter iter;
    gpointer key;
    g_hash_table_iter_init (&iter, self->previous);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      if (!g_strv_contains ((const gchar * const *) peers, key))
        g_hash_table_iter_remove (&iter);
  }

  /* What this peer measured goes to the others; what they measured
   * completes the picture here. */
  view = gst_f2f_topology_view_to_json (topo, local);
  {
    g_autoptr (GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
    GHashTableIter iter;
    gpointer key, value;
    guint j;

    /* merging is pure code: fine under the object lock; logging is not
     * (it may name the object, which takes that lock) */
    GST_OBJECT_LOCK (self);
    g_hash_table_iter_init (&iter, self->views);
    while (g_hash_table_iter_next (&iter, &key, &value)) {
      g_autoptr (GError) error = NULL;
      gsize len;
      const gchar *text = g_bytes_get_data (value, &len);
      if (!g_strv_contains ((const gchar * const *) peers, key)) {
        g_hash_table_iter_remove (&iter);
        continue;
      }
      if (!gst_f2f_topology_merge_view (topo, key, text, len, &error)) {
        g_ptr_array_add (refused, g_strdup_printf ("%s: %s", (gchar *) key,
                error->message));
        g_hash_table_iter_remove (&iter);
      }
    }
    GST_OBJECT_UNLOCK (self);
    for (j = 0; j < refused->len; j++)
      GST_WARNING_OBJECT (self, "dropped a peer's view: %s",
          (gchar *) g_ptr_array_index (refused, j));
  }

  dot = gst_f2f_topology_to_dot (topo);
  s = gst_f2f_topology_to_structure (topo);
  gst_f2f_topology_free (topo);
  {
    g_autoptr (GBytes) bytes = g_bytes_new_take (view, strlen (view));
    gst_f2f_room_broadcast (room, GST_F2F_TOPOLOGY_CHANNEL, bytes);
  }

  GST_OBJECT_LOCK (self);
  g_free (self->last_dot);
  self->last_dot = g_strdup (dot);
  index = self->index;
  GST_OBJECT_UNLOCK (self);

  push_picture (self, dot);
  path = file_name (self, room_id, index);
  if (path) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) drawn = NULL;
    g_autofree gchar *format = NULL;
    const gchar *contents = dot;
    gsize length = strlen (dot);

    GST_OBJECT_LOCK (self);
    format = g_strdup (self->format);
    GST_OBJECT_UNLOCK (self);
    if (g_strcmp0 (format, "dot") != 0) {
      drawn = render (dot, format);
      if (drawn)
        contents = g_bytes_get_data (drawn, &length);
      else
        GST_WARNING_OBJECT (self, "could not render %s; writing DOT",
            format);
    }
    if (g_file_set_contents (path, contents, length, &error)) {
      GST_OBJECT_LOCK (self);
      self->index++;
      GST_OBJECT_UNLOCK (self);
      gst_structure_set (s, "location", G_TYPE_STRING, path, NULL);
    } else {
      GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE,
          ("Could not write the room graph to %s.", path),
          ("%s", error->message));
    }
  }
  g_free (dot);
  gst_element_post_message (GST_ELEMENT_CAST (self),
      gst_message_new_element (GST_OBJECT_CAST (self), s));
}

/* The worker: an update, then the next one after interval unless woken
 * earlier. */
static gboolean
update_cb (gpointer data)
{
  GstF2fTopologyElement *self = data;
  guint interval;

  g_mutex_lock (&self->lock);
  self->update_queued = FALSE;
  g_mutex_unlock (&self->lock);
  /* not under our lock: sampling waits for webrtcbin */
  update (self);

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  GST_OBJECT_UNLOCK (self);
  f2f_clear_source (&self->timer);
  self->timer = f2f_context_add_timeout (g_main_context_get_thread_default (),
      interval ? interval : 3600000, update_cb, self);
  return G_SOURCE_REMOVE;
}

static void
worker_stopping (gpointer data)
{
  GstF2fTopologyElement *self = data;

  f2f_clear_source (&self->timer);
}

static gchar *
gst_f2f_topology_element_get_dot (GstF2fTopologyElement * self)
{
  gchar *dot;

  GST_OBJECT_LOCK (self);
  dot = g_strdup (self->last_dot);
  GST_OBJECT_UNLOCK (self);
  return dot;
}

static GstPad *
gst_f2f_topology_element_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps)
{
  GstF2fTopologyElement *self = GST_F2F_TOPOLOGY_ELEMENT (element);
  GstElement *src, *dec, *freeze, *conv, *scale, *filter;
  GstCaps *png_caps, *out_caps;
  GstPad *target, *ghost;
  guint width, height;

  if (!HAVE_GVC) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("f2ftopology was built without Graphviz's library (libgvc), so it "
            "cannot draw video."), (NULL));
    return NULL;
  }
  GST_OBJECT_LOCK (self);
  if (self->graph_src) {
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "there is already a video_src pad");
    return NULL;
  }
  width = self->width;
  height = self->height;
  GST_OBJECT_UNLOCK (self);

  src = gst_element_factory_make ("appsrc", NULL);
  dec = gst_element_factory_make ("pngdec", NULL);
  freeze = gst_element_factory_make ("imagefreeze", NULL);
  conv = gst_element_factory_make ("videoconvert", NULL);
  scale = gst_element_factory_make ("videoscale", NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  if (!src || !dec || !freeze || !conv || !scale || !filter) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("f2ftopology's video needs appsrc, pngdec, imagefreeze, videoconvert "
            "and videoscale."), (NULL));
    gst_clear_object (&src);
    gst_clear_object (&dec);
    gst_clear_object (&freeze);
    gst_clear_object (&conv);
    gst_clear_object (&scale);
    gst_clear_object (&filter);
    return NULL;
  }
  png_caps = gst_caps_new_empty_simple ("image/png");
  g_object_set (src, "caps", png_caps, "format", GST_FORMAT_TIME,
      "max-buffers", (guint64) 2, "leaky-type", 2, NULL);
  gst_caps_unref (png_caps);
  /* the newest picture, repeated as a live stream at a fixed rate */
  g_object_set (freeze, "is-live", TRUE, "allow-replace", TRUE, NULL);
  g_object_set (scale, "add-borders", TRUE, NULL);
  out_caps = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, width,
      "height", G_TYPE_INT, height, "framerate", GST_TYPE_FRACTION,
      DEFAULT_FPS, 1, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (filter, "caps", out_caps, NULL);
  gst_caps_unref (out_caps);

  gst_bin_add_many (GST_BIN_CAST (self), src, dec, freeze, conv, scale,
      filter, NULL);
  gst_element_link_many (src, dec, freeze, conv, scale, filter, NULL);
  target = gst_element_get_static_pad (filter, "src");
  ghost = gst_ghost_pad_new_from_template ("video_src", target, templ);
  gst_object_unref (target);
  gst_pad_set_active (ghost, TRUE);
  gst_element_add_pad (element, ghost);
  gst_element_sync_state_with_parent (filter);
  gst_element_sync_state_with_parent (scale);
  gst_element_sync_state_with_parent (conv);
  gst_element_sync_state_with_parent (freeze);
  gst_element_sync_state_with_parent (dec);
  gst_element_sync_state_with_parent (src);

  GST_OBJECT_LOCK (self);
  self->graph_src = gst_object_ref (src);
  GST_OBJECT_UNLOCK (self);
  wake (self);
  return ghost;
}

static GstStateChangeReturn
gst_f2f_topology_element_change_state (GstElement * element,
    GstStateChange transition)
{
  GstF2fTopologyElement *self = GST_F2F_TOPOLOGY_ELEMENT (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      /* may find nothing yet: f2fsignal shares the room when it reaches
       * READY, and update() asks again */
      gst_f2f_room_ensure (element, &self->room);
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      g_mutex_lock (&self->lock);
      self->worker = f2f_worker_start ("f2ftopology", NULL, worker_stopping,
          self);
      g_mutex_unlock (&self->lock);
      wake (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (gst_f2f_topology_element_parent_class)->change_state
      (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    F2fWorker *worker;
    g_mutex_lock (&self->lock);
    worker = g_steal_pointer (&self->worker);
    self->update_queued = FALSE;
    g_mutex_unlock (&self->lock);
    /* an update queued meanwhile is dropped with the worker's context */
    f2f_worker_stop (worker);
    g_hash_table_remove_all (self->previous);
  }
  return ret;
}

static void
gst_f2f_topology_element_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstF2fTopologyElement *self = GST_F2F_TOPOLOGY_ELEMENT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:{
      const gchar *location = g_value_get_string (value);
      if (location && !pattern_is_safe (location)) {
        g_warning ("f2ftopology: location '%s' needs exactly one integer "
            "conversion such as %%05d, and no other %%; ignored", location);
        break;
      }
      g_free (self->location);
      self->location = g_strdup (location);
      break;
    }
    case PROP_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    case PROP_FORMAT:{
      const gchar *format = g_value_get_string (value);
      if (g_strcmp0 (format, "dot") != 0 && (!HAVE_GVC
              || (g_strcmp0 (format, "svg") != 0
                  && g_strcmp0 (format, "png") != 0))) {
        g_warning ("f2ftopology: format '%s' is not dot%s; ignored",
            format ? format : "(null)", HAVE_GVC ? ", svg or png" : "");
        break;
      }
      g_free (self->format);
      self->format = g_strdup (format);
      break;
    }
    case PROP_WIDTH:
      self->width = g_value_get_uint (value);
      break;
    case PROP_HEIGHT:
      self->height = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_f2f_topology_element_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstF2fTopologyElement *self = GST_F2F_TOPOLOGY_ELEMENT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_FORMAT:
      g_value_set_string (value, self->format);
      break;
    case PROP_WIDTH:
      g_value_set_uint (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_uint (value, self->height);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_f2f_topology_element_finalize (GObject * object)
{
  GstF2fTopologyElement *self = GST_F2F_TOPOLOGY_ELEMENT (object);

  take_room (self, NULL);
  g_hash_table_unref (self->previous);
  g_hash_table_unref (self->views);
  gst_clear_object (&self->graph_src);
  g_free (self->format);
  g_free (self->location);
  g_free (self->last_dot);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_f2f_topology_element_parent_class)->finalize (object);
}

static void
gst_f2f_topology_element_class_init (GstF2fTopologyElementClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_f2f_topology_element_set_property;
  gobject_class->get_property = gst_f2f_topology_element_get_property;
  gobject_class->finalize = gst_f2f_topology_element_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "Where to write the DOT files: a pattern with one integer "
          "conversion, e.g. room-%05d.dot (default: none, or "
          "$GST_DEBUG_DUMP_DOT_DIR/f2f-room-ROOM-NNNNN.dot when set)",
          DEFAULT_LOCATION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "Milliseconds between updates (0: only when the room changes)", 0,
          G_MAXUINT, DEFAULT_INTERVAL, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_FORMAT,
      g_param_spec_string ("format", "Format",
          "What the files hold: dot (the graph's text), or svg or png drawn "
          "by Graphviz", DEFAULT_FORMAT, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_WIDTH,
      g_param_spec_uint ("width", "Width", "Width of video_src", 16, 7680,
          DEFAULT_WIDTH, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_HEIGHT,
      g_param_spec_uint ("height", "Height", "Height of video_src", 16, 4320,
          DEFAULT_HEIGHT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstF2fTopologyElement::get-dot:
   *
   * Returns: (transfer full) (nullable): the latest graph as DOT text.
   */
  signals[SIGNAL_GET_DOT] = g_signal_new_class_handler ("get-dot",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_f2f_topology_element_get_dot), NULL, NULL, NULL,
      G_TYPE_STRING, 0);

  gst_element_class_add_static_pad_template (element_class,
      &video_src_template);
  element_class->request_new_pad = gst_f2f_topology_element_request_new_pad;
  element_class->change_state = gst_f2f_topology_element_change_state;
  element_class->set_context = gst_f2f_topology_element_set_context;
  gst_element_class_set_static_metadata (element_class,
      "f2f room topology", "Source/Video/Network",
      "Draws the f2f room's network graph as DOT files and bus messages",
      "the f2f authors");
}

static void
gst_f2f_topology_element_init (GstF2fTopologyElement * self)
{
  g_mutex_init (&self->lock);
  self->interval = DEFAULT_INTERVAL;
  self->format = g_strdup (DEFAULT_FORMAT);
  self->width = DEFAULT_WIDTH;
  self->height = DEFAULT_HEIGHT;
  self->previous = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  self->views = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_bytes_unref);
}
