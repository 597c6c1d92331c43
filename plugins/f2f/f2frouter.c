/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Lock order: f2fsignal's lock, then router->lock, then a link's lock, a
 * gate's lock, pad and object locks. Linking a branch (a pad request on
 * the tee, a link, a keyframe request upstream) happens under router->lock
 * so that a link and a new input arriving at once cannot both add one;
 * unlinking waits for the tee's thread and so happens after it.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/video/video.h>

#include <gst/f2f/f2ftimeline.h>

#include "f2frouter.h"
#include "f2fgate.h"
#include "f2fpads.h"

GST_DEBUG_CATEGORY_EXTERN (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

enum
{ VIDEO, AUDIO, N_MEDIA };

static const gchar *media_names[N_MEDIA] = { "video", "audio" };

/* One link's media timeline, as its payloader sees it: a link's source
 * may switch (the camera, a mixer's composite or mix-minus), and the
 * stream must neither go back in time nor run ahead of its sending
 * (GstF2fTimeline, gst/f2f/f2ftimeline.c, says why and how). The probe
 * holds a reference; `tl` is fed by the link's streaming thread only, but
 * gst_f2f_timeline_new_source() is called by whoever links a new branch. */
typedef struct
{
  gint refcount;
  gboolean watching;            /* under the router's lock: probe on */
  GstF2fTimeline *tl;
  gboolean dropping;            /* streaming thread: the last buffer was
                                 * dropped */
} Timeline;

static Timeline *
timeline_ref (Timeline * tl)
{
  g_atomic_int_inc (&tl->refcount);
  return tl;
}

static void
timeline_unref (gpointer data)
{
  Timeline *tl = data;

  if (g_atomic_int_dec_and_test (&tl->refcount)) {
    gst_f2f_timeline_free (tl->tl);
    g_free (tl);
  }
}

static GstPadProbeReturn
keep_time_going (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Timeline *tl = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buf), rt, now = GST_CLOCK_TIME_NONE, out;
  GstElement *parent;
  GstEvent *event;
  const GstSegment *segment;
  GstClockTimeDiff moved;

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_PAD_PROBE_OK;
  event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (event == NULL)
    return GST_PAD_PROBE_OK;
  gst_event_parse_segment (event, &segment);
  rt = segment->format == GST_FORMAT_TIME ?
      gst_segment_to_running_time (segment, GST_FORMAT_TIME, pts) :
      GST_CLOCK_TIME_NONE;
  gst_event_unref (event);
  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_PAD_PROBE_OK;
  parent = gst_pad_get_parent_element (pad);
  if (parent) {
    now = gst_element_get_current_running_time (parent);
    gst_object_unref (parent);
  }

  if (!gst_f2f_timeline_place (tl->tl, rt, GST_BUFFER_DURATION (buf), now,
          &out)) {
    /* for tracing a switch against what the receiver then plays */
    if (!tl->dropping)
      GST_INFO_OBJECT (pad, "source ahead of the stream's lag: its audio "
          "from %" GST_TIME_FORMAT " dropped at %" GST_TIME_FORMAT " (it "
          "would go over what went out)", GST_TIME_ARGS (rt),
          GST_TIME_ARGS (now));
    tl->dropping = TRUE;
    return GST_PAD_PROBE_DROP;
  }
  tl->dropping = FALSE;
  moved = GST_CLOCK_DIFF (rt, out);
  GST_DEBUG_OBJECT (pad, "%" GST_TIME_FORMAT " at %" GST_TIME_FORMAT
      " goes out as %" GST_TIME_FORMAT, GST_TIME_ARGS (rt),
      GST_TIME_ARGS (now), GST_TIME_ARGS (out));
  if (moved != 0) {
    buf = gst_buffer_make_writable (buf);
    GST_BUFFER_PTS (buf) = (GstClockTime) ((GstClockTimeDiff) pts + moved);
    if (GST_BUFFER_DTS_IS_VALID (buf))
      GST_BUFFER_DTS (buf) = (GstClockTime) MAX (0,
          (GstClockTimeDiff) GST_BUFFER_DTS (buf) + moved);
    GST_PAD_PROBE_INFO_DATA (info) = buf;
  }
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  F2fPeerLink *link;
  gboolean connected;
  Timeline *timelines[N_MEDIA];
  gboolean fed_before[N_MEDIA]; /* a branch was ever linked */
  gboolean sends[N_MEDIA];      /* what its negotiation lets it send */
  gboolean paused[N_MEDIA];     /* not to be sent now (congestion) */
  /* What the link should carry (f2f_router_set_feed): the camera's tees,
   * or its own sources (NULL: nothing of that media). */
  gboolean camera;
  GstElement *own[N_MEDIA];
  /* What it carries: a branch from tees[m], or NULL. */
  GstElement *tees[N_MEDIA];
  GstPad *tee_pads[N_MEDIA];
  F2fGate *gate;                /* holds video until connected */
} Route;

struct _F2fRouter
{
  GstElement *owner;

  GMutex lock;
  /* Protected by lock: */
  GstElement *tees[N_MEDIA];
  GHashTable *routes;           /* F2fPeerLink* → Route* */
};

#define ROUTER_LOCK(r) g_mutex_lock (&(r)->lock)
#define ROUTER_UNLOCK(r) g_mutex_unlock (&(r)->lock)

static void
route_free (Route * route)
{
  guint m;

  for (m = 0; m < N_MEDIA; m++) {
    gst_clear_object (&route->tee_pads[m]);
    gst_clear_object (&route->tees[m]);
    gst_clear_object (&route->own[m]);
    if (route->timelines[m])
      timeline_unref (route->timelines[m]);
  }
  g_clear_pointer (&route->gate, f2f_gate_unref);
  f2f_peer_link_unref (route->link);
  g_free (route);
}

F2fRouter *
f2f_router_new (GstElement * owner)
{
  F2fRouter *router = g_new0 (F2fRouter, 1);

  router->owner = owner;
  g_mutex_init (&router->lock);
  router->routes = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) route_free);
  return router;
}

void
f2f_router_free (F2fRouter * router)
{
  guint m;

  g_hash_table_unref (router->routes);
  for (m = 0; m < N_MEDIA; m++)
    gst_clear_object (&router->tees[m]);
  g_mutex_clear (&router->lock);
  g_free (router);
}

static void
request_keyframe (GstPad * sink)
{
  gst_pad_push_event (sink,
      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE,
          0));
}

/* A new video branch: drops the delta frames it starts with (a receiver
 * cannot decode them, and after a switch of source they would be decoded
 * against the pictures of the old one), then asks for one more keyframe
 * KEYFRAME_AGAIN after the first: a receiver that lost the first one (a
 * packet of a big picture, a jitterbuffer still catching up with the
 * switch) gets its picture back then, not at the encoder's next periodic
 * keyframe seconds later. */
#define KEYFRAME_AGAIN (500 * GST_MSECOND)

typedef struct
{
  GstPad *sink;                 /* the link's video input */
  GstClockTime first;           /* the first keyframe's time, once passed */
} FromKeyframe;

static void
from_keyframe_free (gpointer data)
{
  FromKeyframe *fk = data;

  gst_object_unref (fk->sink);
  g_free (fk);
}

static GstPadProbeReturn
from_keyframe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  FromKeyframe *fk = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buf);

  if (!GST_CLOCK_TIME_IS_VALID (fk->first)) {
    if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT))
      return GST_PAD_PROBE_DROP;
    if (!GST_CLOCK_TIME_IS_VALID (pts))
      return GST_PAD_PROBE_REMOVE;
    fk->first = pts;
    return GST_PAD_PROBE_OK;
  }
  if (GST_CLOCK_TIME_IS_VALID (pts) && pts >= fk->first + KEYFRAME_AGAIN) {
    /* upstream, from this thread: the encoder only notes the request */
    gst_pad_push_event (fk->sink,
        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
            TRUE, 0));
    return GST_PAD_PROBE_REMOVE;
  }
  return GST_PAD_PROBE_OK;
}

/* Links a new branch of @tee to the link's payloader input for @media.
 * With @gate_out, the branch starts closed (f2fgate.h); else video starts
 * at the next keyframe. Under the lock. */
static GstPad *
connect_tee (GstElement * owner, GstElement * tee, F2fPeerLink * link,
    guint m, F2fGate ** gate_out)
{
  g_autofree gchar *what = NULL;
  GstPad *tee_pad, *sink;

  if (tee == NULL)
    return NULL;
  sink = f2f_peer_link_get_sink (link, media_names[m]);
  if (sink == NULL)
    return NULL;
  if (gst_pad_is_linked (sink)) {
    /* another call is still unlinking the old branch; it feeds the link
     * after that (reconcile) */
    gst_object_unref (sink);
    return NULL;
  }
  tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  /* a link whose webrtcbin went down under its queue must not stop the
   * encoder (or the mix) that feeds every other link */
  what = g_strdup_printf ("%s to %s", media_names[m],
      f2f_peer_link_get_peer_id (link));
  f2f_pad_shield_branch (tee_pad, owner, what);
  if (gate_out) {
    /* Before linking: no buffer may pass before the gate is there. */
    *gate_out = f2f_gate_new (tee_pad, sink);
  } else if (m == VIDEO) {
    FromKeyframe *fk = g_new0 (FromKeyframe, 1);
    fk->sink = gst_object_ref (sink);
    fk->first = GST_CLOCK_TIME_NONE;
    gst_pad_add_probe (tee_pad, GST_PAD_PROBE_TYPE_BUFFER, from_keyframe,
        fk, from_keyframe_free);
  }
  if (gst_pad_link (tee_pad, sink) != GST_PAD_LINK_OK) {
    GST_WARNING ("could not feed the local %s to %s", media_names[m],
        f2f_peer_link_get_peer_id (link));
    gst_element_release_request_pad (tee, tee_pad);
    gst_object_unref (tee_pad);
    gst_object_unref (sink);
    if (gate_out)
      g_clear_pointer (gate_out, f2f_gate_unref);
    return NULL;
  }
  /* A new receiver needs a keyframe now, not at the next interval. */
  request_keyframe (sink);
  gst_object_unref (sink);
  return tee_pad;
}

/* Unlinks a tee branch between two buffers (f2fpads.h). The branch's
 * queues are leaky and answer serialized queries themselves
 * (f2fpeerlink.c), so a push never blocks for long. Not under the lock. */
static void
disconnect_tee (GstElement * tee, GstPad * tee_pad)
{
  if (tee_pad == NULL)
    return;
  f2f_pad_unlink_idle (tee_pad);
  if (tee)
    gst_element_release_request_pad (tee, tee_pad);
  gst_object_unref (tee_pad);
}

/* Branches taken out under the lock, to unlink after it. */
typedef struct
{
  GstElement *tee;
  GstPad *tee_pad;
} Unlink;

static void
take_branch (GPtrArray * out, Route * route, guint m)
{
  Unlink *u;

  if (route->tee_pads[m] == NULL) {
    gst_clear_object (&route->tees[m]);
    return;
  }
  u = g_new0 (Unlink, 1);
  u->tee = g_steal_pointer (&route->tees[m]);
  u->tee_pad = g_steal_pointer (&route->tee_pads[m]);
  g_ptr_array_add (out, u);
  if (m == VIDEO)
    g_clear_pointer (&route->gate, f2f_gate_unref);
}

static void
unlink_all (GPtrArray * branches)
{
  guint i;

  for (i = 0; i < branches->len; i++) {
    Unlink *u = g_ptr_array_index (branches, i);
    disconnect_tee (u->tee, u->tee_pad);
    gst_clear_object (&u->tee);
    g_free (u);
  }
  g_ptr_array_unref (branches);
}

static Route *
ensure_route (F2fRouter * router, F2fPeerLink * link)
{
  Route *route = g_hash_table_lookup (router->routes, link);

  if (route == NULL) {
    guint m;

    route = g_new0 (Route, 1);
    route->link = f2f_peer_link_ref (link);
    route->camera = TRUE;
    for (m = 0; m < N_MEDIA; m++) {
      Timeline *tl = g_new0 (Timeline, 1);

      tl->refcount = 1;
      tl->tl = gst_f2f_timeline_new (m == AUDIO);
      route->timelines[m] = tl;
    }
    g_hash_table_insert (router->routes, link, route);
  }
  return route;
}

/* The source @route should carry for media @m. Under the lock. */
static GstElement *
wanted (F2fRouter * router, Route * route, guint m)
{
  return route->camera ? router->tees[m] : route->own[m];
}

static gboolean
connect_route (GstElement * owner, Route * route, guint m, GstElement * tee,
    F2fGate ** gate_out)
{
  Timeline *tl = route->timelines[m];

  /* The timeline probe goes on at a link's first switch of source, not
   * before: a link that only ever carries the camera has nothing to keep
   * monotonic (and, not understood yet, with the probe on from the start
   * integration/network's capped peer was not slowed down by congestion
   * control: 5 of 5 runs against 0 of 3 without). Until then its last
   * buffer ended about now. */
  if (route->fed_before[m] && !tl->watching) {
    GstPad *sink = f2f_peer_link_get_sink (route->link, media_names[m]);

    if (sink) {
      gst_f2f_timeline_start (tl->tl,
          gst_element_get_current_running_time (owner));
      tl->watching = TRUE;
      gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, keep_time_going,
          timeline_ref (tl), timeline_unref);
      gst_object_unref (sink);
    }
  }
  route->fed_before[m] = TRUE;
  /* before linking: the first buffer of the new source must see it */
  gst_f2f_timeline_new_source (tl->tl);
  route->tee_pads[m] = connect_tee (owner, tee, route->link, m, gate_out);
  if (route->tee_pads[m])
    route->tees[m] = gst_object_ref (tee);
  return route->tee_pads[m] != NULL;
}

/* Makes every route carry what it should: branches from a source it
 * should no longer carry go first, between two buffers (not under the
 * lock), then the links that should be fed and are not get a branch. A
 * connected link only: one that is connecting keeps its gated video (or
 * loses it, and gets a branch when it connects). */
static void
reconcile (F2fRouter * router)
{
  GPtrArray *branches = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  guint m;

  ROUTER_LOCK (router);
  g_hash_table_iter_init (&iter, router->routes);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Route *route = value;
    for (m = 0; m < N_MEDIA; m++) {
      GstElement *tee = wanted (router, route, m);
      gboolean fed = route->connected ? route->sends[m] && !route->paused[m]
          : route->gate != NULL;
      if (route->tee_pads[m] && (!fed || route->tees[m] != tee))
        take_branch (branches, route, m);
    }
  }
  ROUTER_UNLOCK (router);
  unlink_all (branches);

  ROUTER_LOCK (router);
  g_hash_table_iter_init (&iter, router->routes);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Route *route = value;
    for (m = 0; m < N_MEDIA; m++) {
      GstElement *tee = wanted (router, route, m);
      if (route->connected && route->sends[m] && !route->paused[m] && tee
          && route->tee_pads[m] == NULL)
        connect_route (router->owner, route, m, tee, NULL);
    }
  }
  ROUTER_UNLOCK (router);
}

void
f2f_router_set_source (F2fRouter * router, F2fRouterMedia media,
    GstElement * tee)
{
  guint m = media == F2F_ROUTER_VIDEO ? VIDEO : AUDIO;
  GstElement *old;

  ROUTER_LOCK (router);
  old = router->tees[m];
  router->tees[m] = tee ? gst_object_ref (tee) : NULL;
  ROUTER_UNLOCK (router);
  /* Links made before this input get it now; no renegotiation, their
   * transceivers were sendrecv from the start. */
  reconcile (router);
  gst_clear_object (&old);
}

void
f2f_router_set_feed (F2fRouter * router, F2fPeerLink * link,
    gboolean camera, GstElement * video, GstElement * audio)
{
  GstElement *own[N_MEDIA] = { video, audio };
  gboolean changed = FALSE;
  Route *route;
  guint m;

  ROUTER_LOCK (router);
  route = ensure_route (router, link);
  if (route->camera != camera) {
    route->camera = camera;
    changed = TRUE;
  }
  for (m = 0; m < N_MEDIA; m++) {
    GstElement *e = camera ? NULL : own[m];
    if (route->own[m] != e) {
      gst_clear_object (&route->own[m]);
      route->own[m] = e ? gst_object_ref (e) : NULL;
      changed = TRUE;
    }
  }
  ROUTER_UNLOCK (router);
  if (changed) {
    GST_DEBUG ("%s is fed %s", f2f_peer_link_get_peer_id (link),
        camera ? "the camera" : own[AUDIO] ? GST_OBJECT_NAME (own[AUDIO]) :
        "nothing");
    reconcile (router);
  }
}

void
f2f_router_pause_video (F2fRouter * router, F2fPeerLink * link,
    gboolean paused)
{
  gboolean changed = FALSE;
  Route *route;

  ROUTER_LOCK (router);
  /* (not ensure_route: a link removed meanwhile must stay removed) */
  route = g_hash_table_lookup (router->routes, link);
  if (route && route->paused[VIDEO] != paused) {
    route->paused[VIDEO] = paused;
    changed = TRUE;
  }
  ROUTER_UNLOCK (router);
  if (changed) {
    GST_INFO ("video to %s %s", f2f_peer_link_get_peer_id (link),
        paused ? "paused" : "resumed");
    /* unlinked between two buffers; linked again from a keyframe asked
     * for then (connect_tee) */
    reconcile (router);
  }
}

void
f2f_router_link_connecting (F2fRouter * router, F2fPeerLink * link)
{
  Route *route;

  /* Video waits behind a closed gate, keeping a keyframe asked for now. */
  ROUTER_LOCK (router);
  route = ensure_route (router, link);
  if (route->tee_pads[VIDEO] == NULL) {
    GstElement *tee = wanted (router, route, VIDEO);
    if (tee)
      connect_route (router->owner, route, VIDEO, tee, &route->gate);
  }
  ROUTER_UNLOCK (router);
}

F2fRouterMedia
f2f_router_link_connected (F2fRouter * router, F2fPeerLink * link)
{
  F2fRouterMedia unsent = 0;
  F2fGate *gate = NULL;
  Route *route;
  guint m;

  ROUTER_LOCK (router);
  route = ensure_route (router, link);
  route->connected = TRUE;
  for (m = 0; m < N_MEDIA; m++) {
    /* A link is fed only what its negotiation lets it send: a sender
     * without a media section that sends would take nothing. */
    route->sends[m] = f2f_peer_link_can_send (link, media_names[m]);
    if (!route->sends[m] && wanted (router, route, m))
      unsent |= m == VIDEO ? F2F_ROUTER_VIDEO : F2F_ROUTER_AUDIO;
  }
  if (route->sends[VIDEO] && route->gate
      && route->tees[VIDEO] == wanted (router, route, VIDEO))
    gate = f2f_gate_ref (route->gate);
  ROUTER_UNLOCK (router);
  /* video connected while closed behind its gate and never to be sent
   * goes; what is missing is linked */
  reconcile (router);

  if (gate) {
    if (!f2f_gate_open (gate,
            gst_element_get_current_running_time (router->owner)))
      request_keyframe (f2f_gate_get_sink (gate));
    f2f_gate_unref (gate);
  }
  return unsent;
}

void
f2f_router_remove_link (F2fRouter * router, F2fPeerLink * link)
{
  GPtrArray *branches = g_ptr_array_new ();
  Route *route;
  guint m;

  ROUTER_LOCK (router);
  route = g_hash_table_lookup (router->routes, link);
  if (route) {
    g_hash_table_steal (router->routes, link);
    for (m = 0; m < N_MEDIA; m++)
      take_branch (branches, route, m);
  }
  ROUTER_UNLOCK (router);
  unlink_all (branches);
  if (route)
    route_free (route);
}
