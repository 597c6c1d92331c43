/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "f2fpads.h"

/* Shared by the caller, who waits, and the probe. On the heap and
 * refcounted, not on the caller's stack: an idle probe can run twice at
 * once (added while the pad turns idle, it is called both from
 * gst_pad_add_probe and from the streaming thread that just finished a
 * push), and the second call may still hold the lock when the caller,
 * woken by the first, would clear it (GLib aborts: "g_mutex_clear() called
 * on uninitialised or locked mutex", a peer seen dying during repeated
 * topology switches). The probe's reference goes when the probe is freed,
 * after every call of it has returned. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
} Unlinked;

static void
unlinked_clear (gpointer data)
{
  Unlinked *u = data;

  g_mutex_clear (&u->lock);
  g_cond_clear (&u->cond);
}

static void
unlinked_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, unlinked_clear);
}

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

void
f2f_pad_unlink_idle (GstPad * src)
{
  Unlinked *u;

  if (src == NULL || !gst_pad_is_linked (src))
    return;
  u = g_atomic_rc_box_new0 (Unlinked);
  g_mutex_init (&u->lock);
  g_cond_init (&u->cond);
  /* An idle probe runs at once, in this thread, when the pad is idle. */
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_IDLE, unlink_when_idle,
      g_atomic_rc_box_acquire (u), unlinked_unref);
  g_mutex_lock (&u->lock);
  while (!u->done)
    g_cond_wait (&u->cond, &u->lock);
  g_mutex_unlock (&u->lock);
  unlinked_unref (u);
}

typedef struct
{
  GWeakRef owner;
  gchar *what;
  gint warned;                  /* atomic */
} Shield;

static void
shield_free (gpointer data)
{
  Shield *s = data;

  g_weak_ref_clear (&s->owner);
  g_free (s->what);
  g_free (s);
}

/* Whether @peer refuses data: flushing itself, or the sink of a queue
 * whose thread's last push came back FLUSHING (GstQueue keeps that result
 * and returns it for everything it is given after). */
static gboolean
refuses (GstPad * peer)
{
  GstElement *element;
  gboolean refused = GST_PAD_IS_FLUSHING (peer);

  if (refused)
    return TRUE;
  element = gst_pad_get_parent_element (peer);
  if (element) {
    GstElementFactory *factory = gst_element_get_factory (element);

    if (factory && g_str_equal (GST_OBJECT_NAME (factory), "queue")) {
      GstPad *out = gst_element_get_static_pad (element, "src");

      if (out) {
        refused = gst_pad_get_last_flow_return (out) == GST_FLOW_FLUSHING;
        gst_object_unref (out);
      }
    }
    gst_object_unref (element);
  }
  return refused;
}

static GstPadProbeReturn
shield_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Shield *s = user_data;
  GstPad *peer = gst_pad_get_peer (pad);
  gboolean refused = peer && refuses (peer);
  GstElement *owner;

  g_clear_object (&peer);
  if (!refused)
    return GST_PAD_PROBE_OK;
  owner = g_weak_ref_get (&s->owner);
  if (owner) {
    gboolean playing;

    /* Going down, every branch flushes, sinks first: no news. */
    GST_OBJECT_LOCK (owner);
    playing = GST_STATE_TARGET (owner) == GST_STATE_PLAYING;
    GST_OBJECT_UNLOCK (owner);
    if (!playing)
      g_clear_object (&owner);
  }
  if (owner == NULL
      || !g_atomic_int_compare_and_exchange (&s->warned, 0, 1)) {
    g_clear_object (&owner);
    return GST_PAD_PROBE_DROP;
  }
  GST_WARNING_OBJECT (pad, "%s refuses data (flushing); dropping",
      s->what);
  GST_ELEMENT_WARNING (owner, STREAM, FAILED,
      ("The branch that carries %s stopped taking data; f2f drops what it "
          "would send there, so that everything else fed from the same "
          "source keeps running.", s->what),
      ("%s:%s's peer is flushing", GST_DEBUG_PAD_NAME (pad)));
  gst_object_unref (owner);
  return GST_PAD_PROBE_DROP;
}

void
f2f_pad_shield_branch (GstPad * src, GstElement * owner, const gchar * what)
{
  Shield *s;

  if (src == NULL)
    return;
  s = g_new0 (Shield, 1);
  g_weak_ref_init (&s->owner, owner);
  s->what = g_strdup (what);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, shield_probe, s, shield_free);
}
