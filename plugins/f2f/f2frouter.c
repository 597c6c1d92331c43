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

#include "f2frouter.h"
#include "f2fgate.h"

GST_DEBUG_CATEGORY_EXTERN (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

enum
{ VIDEO, AUDIO, N_MEDIA };

static const gchar *media_names[N_MEDIA] = { "video", "audio" };

typedef struct
{
  F2fPeerLink *link;
  gboolean connected;
  gboolean sends[N_MEDIA];      /* what its negotiation lets it send */
  GstPad *tee_pads[N_MEDIA];    /* branches from the tees, or NULL */
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

  for (m = 0; m < N_MEDIA; m++)
    gst_clear_object (&route->tee_pads[m]);
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

/* Links a new branch of @tee to the link's payloader input for @media.
 * With @gate_out, the branch starts closed (f2fgate.h). Under the lock. */
static GstPad *
connect_tee (GstElement * tee, F2fPeerLink * link, guint m,
    F2fGate ** gate_out)
{
  GstPad *tee_pad, *sink;

  if (tee == NULL)
    return NULL;
  sink = f2f_peer_link_get_sink (link, media_names[m]);
  if (sink == NULL)
    return NULL;
  tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  if (gate_out) {
    /* Before linking: no buffer may pass before the gate is there. */
    *gate_out = f2f_gate_new (tee_pad, sink);
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

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
} Unlinked;

static GstPadProbeReturn
unlink_when_idle (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Unlinked *u = user_data;
  GstPad *peer_pad = gst_pad_get_peer (pad);

  if (peer_pad) {
    gst_pad_unlink (pad, peer_pad);
    gst_object_unref (peer_pad);
  }
  g_mutex_lock (&u->lock);
  u->done = TRUE;
  g_cond_signal (&u->cond);
  g_mutex_unlock (&u->lock);
  return GST_PAD_PROBE_REMOVE;
}

/* Unlinks a tee branch between two buffers, never during a push: a push
 * that met the branch's elements going to NULL would return FLUSHING, and
 * the tee would pass that up and stop the shared encoder for everyone.
 * The branch's queues are leaky and answer serialized queries themselves
 * (f2fpeerlink.c), so a push never blocks for long. Not under the lock. */
static void
disconnect_tee (GstElement * tee, GstPad * tee_pad)
{
  Unlinked u = { 0, };

  if (tee_pad == NULL)
    return;
  g_mutex_init (&u.lock);
  g_cond_init (&u.cond);
  gst_pad_add_probe (tee_pad, GST_PAD_PROBE_TYPE_IDLE, unlink_when_idle, &u,
      NULL);
  g_mutex_lock (&u.lock);
  while (!u.done)
    g_cond_wait (&u.cond, &u.lock);
  g_mutex_unlock (&u.lock);
  g_mutex_clear (&u.lock);
  g_cond_clear (&u.cond);

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
take_branch (GPtrArray * out, GstElement * tee, GstPad ** tee_pad)
{
  Unlink *u;

  if (*tee_pad == NULL)
    return;
  u = g_new0 (Unlink, 1);
  u->tee = tee ? gst_object_ref (tee) : NULL;
  u->tee_pad = g_steal_pointer (tee_pad);
  g_ptr_array_add (out, u);
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
    route = g_new0 (Route, 1);
    route->link = f2f_peer_link_ref (link);
    g_hash_table_insert (router->routes, link, route);
  }
  return route;
}

void
f2f_router_set_source (F2fRouter * router, F2fRouterMedia media,
    GstElement * tee)
{
  guint m = media == F2F_ROUTER_VIDEO ? VIDEO : AUDIO;
  GPtrArray *branches = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  GstElement *old;

  ROUTER_LOCK (router);
  old = router->tees[m];
  router->tees[m] = tee ? gst_object_ref (tee) : NULL;
  g_hash_table_iter_init (&iter, router->routes);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Route *route = value;

    take_branch (branches, old, &route->tee_pads[m]);
    if (m == VIDEO)
      g_clear_pointer (&route->gate, f2f_gate_unref);
    /* Links made before this input get it now; no renegotiation, their
     * transceivers were sendrecv from the start. */
    if (tee && route->connected && route->sends[m])
      route->tee_pads[m] = connect_tee (tee, route->link, m, NULL);
  }
  ROUTER_UNLOCK (router);
  unlink_all (branches);
  gst_clear_object (&old);
}

void
f2f_router_link_connecting (F2fRouter * router, F2fPeerLink * link)
{
  Route *route;

  /* Video waits behind a closed gate, keeping a keyframe asked for now. */
  ROUTER_LOCK (router);
  route = ensure_route (router, link);
  if (route->tee_pads[VIDEO] == NULL)
    route->tee_pads[VIDEO] = connect_tee (router->tees[VIDEO], link, VIDEO,
        &route->gate);
  ROUTER_UNLOCK (router);
}

F2fRouterMedia
f2f_router_link_connected (F2fRouter * router, F2fPeerLink * link)
{
  GPtrArray *branches = g_ptr_array_new ();
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
    if (!route->sends[m]) {
      if (router->tees[m])
        unsent |= m == VIDEO ? F2F_ROUTER_VIDEO : F2F_ROUTER_AUDIO;
      /* video connected while closed behind its gate: it never opens */
      take_branch (branches, router->tees[m], &route->tee_pads[m]);
      if (m == VIDEO)
        g_clear_pointer (&route->gate, f2f_gate_unref);
    } else if (route->tee_pads[m] == NULL) {
      route->tee_pads[m] = connect_tee (router->tees[m], link, m, NULL);
    } else if (m == VIDEO && route->gate) {
      gate = f2f_gate_ref (route->gate);
    }
  }
  ROUTER_UNLOCK (router);
  unlink_all (branches);

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
      take_branch (branches, router->tees[m], &route->tee_pads[m]);
  }
  ROUTER_UNLOCK (router);
  unlink_all (branches);
  if (route)
    route_free (route);
}
