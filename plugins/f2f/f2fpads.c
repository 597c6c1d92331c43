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
