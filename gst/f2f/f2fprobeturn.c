/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "f2fprobeturn.h"

struct _GstF2fProbeTurn
{
  GstF2fProbeTurnState state;
  gchar *peer;                  /* the other side, NULL when idle */
  guint32 probe;
  gint64 until_us;              /* the state ends by itself then */
};

GstF2fProbeTurn *
gst_f2f_probe_turn_new (void)
{
  return g_new0 (GstF2fProbeTurn, 1);
}

void
gst_f2f_probe_turn_free (GstF2fProbeTurn * turn)
{
  if (turn == NULL)
    return;
  g_free (turn->peer);
  g_free (turn);
}

static void
set (GstF2fProbeTurn * turn, GstF2fProbeTurnState state, const gchar * peer,
    guint32 probe, gint64 until_us)
{
  gchar *old = turn->peer;

  turn->state = state;
  turn->peer = g_strdup (peer);
  g_free (old);
  turn->probe = probe;
  turn->until_us = until_us;
}

/**
 * gst_f2f_probe_turn_get_state:
 * @now_us: monotonic time
 *
 * The state at @now_us: one whose deadline has passed is over (idle).
 */
GstF2fProbeTurnState
gst_f2f_probe_turn_get_state (GstF2fProbeTurn * turn, gint64 now_us)
{
  g_return_val_if_fail (turn != NULL, GST_F2F_PROBE_TURN_IDLE);

  if (turn->state != GST_F2F_PROBE_TURN_IDLE && now_us >= turn->until_us)
    set (turn, GST_F2F_PROBE_TURN_IDLE, NULL, 0, 0);
  return turn->state;
}

/**
 * gst_f2f_probe_turn_get_peer:
 *
 * Returns: (nullable): the peer this one asked, sends to or receives from
 * (as of the last call that looked at the time).
 */
const gchar *
gst_f2f_probe_turn_get_peer (GstF2fProbeTurn * turn)
{
  g_return_val_if_fail (turn != NULL, NULL);
  return turn->peer;
}

/**
 * gst_f2f_probe_turn_ask:
 * @peer: the peer to probe
 * @probe: the probe's id (not 0)
 * @timeout_us: how long to wait for the answer
 *
 * This peer is about to ask @peer for a probe turn.
 *
 * Returns: %TRUE when it may (it was idle); the caller sends probe-ask.
 */
gboolean
gst_f2f_probe_turn_ask (GstF2fProbeTurn * turn, const gchar * peer,
    guint32 probe, gint64 now_us, gint64 timeout_us)
{
  g_return_val_if_fail (turn != NULL && peer != NULL && probe != 0, FALSE);

  if (gst_f2f_probe_turn_get_state (turn, now_us) != GST_F2F_PROBE_TURN_IDLE)
    return FALSE;
  set (turn, GST_F2F_PROBE_TURN_ASKING, peer, probe, now_us + timeout_us);
  return TRUE;
}

/**
 * gst_f2f_probe_turn_asked:
 * @peer: the peer that asks
 * @probe: its probe's id
 * @hold_us: how long the probe may take (its sender's probe-duration and
 *   the time its last bytes may wait in queues)
 *
 * @peer asks to probe this peer's downlink.
 *
 * Returns: %TRUE when granted: this peer was in no probe (or this is the
 * same ask again, whose answer was lost). It then receives @probe until
 * gst_f2f_probe_turn_end() or @hold_us from now.
 */
gboolean
gst_f2f_probe_turn_asked (GstF2fProbeTurn * turn, const gchar * peer,
    guint32 probe, gint64 now_us, gint64 hold_us)
{
  GstF2fProbeTurnState state;

  g_return_val_if_fail (turn != NULL && peer != NULL, FALSE);

  state = gst_f2f_probe_turn_get_state (turn, now_us);
  if (state == GST_F2F_PROBE_TURN_RECEIVING && turn->probe == probe
      && g_strcmp0 (turn->peer, peer) == 0)
    return TRUE;
  if (state != GST_F2F_PROBE_TURN_IDLE || probe == 0)
    return FALSE;
  set (turn, GST_F2F_PROBE_TURN_RECEIVING, peer, probe, now_us + hold_us);
  return TRUE;
}

/**
 * gst_f2f_probe_turn_answered:
 * @peer: the peer that answers
 * @probe: the probe it answers for
 * @granted: its answer
 * @hold_us: how long the probe may take, until its result comes
 *
 * @peer answered this peer's ask. An answer to an ask that is no longer
 * pending (timed out, another peer's, another probe's) changes nothing.
 *
 * Returns: %TRUE when the probe may start now (this peer is sending it).
 */
gboolean
gst_f2f_probe_turn_answered (GstF2fProbeTurn * turn, const gchar * peer,
    guint32 probe, gboolean granted, gint64 now_us, gint64 hold_us)
{
  g_return_val_if_fail (turn != NULL && peer != NULL, FALSE);

  if (gst_f2f_probe_turn_get_state (turn, now_us) != GST_F2F_PROBE_TURN_ASKING
      || turn->probe != probe || g_strcmp0 (turn->peer, peer) != 0)
    return FALSE;
  if (!granted) {
    set (turn, GST_F2F_PROBE_TURN_IDLE, NULL, 0, 0);
    return FALSE;
  }
  set (turn, GST_F2F_PROBE_TURN_SENDING, peer, probe, now_us + hold_us);
  return TRUE;
}

/**
 * gst_f2f_probe_turn_end:
 *
 * The probe @probe between this peer and @peer is over: its result came
 * (sender), its last chunk arrived (receiver), or it was given up.
 *
 * Returns: %TRUE if that ended this peer's turn.
 */
gboolean
gst_f2f_probe_turn_end (GstF2fProbeTurn * turn, const gchar * peer,
    guint32 probe)
{
  g_return_val_if_fail (turn != NULL, FALSE);

  if (turn->state == GST_F2F_PROBE_TURN_IDLE || turn->probe != probe
      || g_strcmp0 (turn->peer, peer) != 0)
    return FALSE;
  set (turn, GST_F2F_PROBE_TURN_IDLE, NULL, 0, 0);
  return TRUE;
}

/**
 * gst_f2f_probe_turn_peer_left:
 *
 * @peer left the room: a turn with it is over.
 *
 * Returns: %TRUE if that ended this peer's turn.
 */
gboolean
gst_f2f_probe_turn_peer_left (GstF2fProbeTurn * turn, const gchar * peer)
{
  g_return_val_if_fail (turn != NULL, FALSE);

  if (turn->state == GST_F2F_PROBE_TURN_IDLE
      || g_strcmp0 (turn->peer, peer) != 0)
    return FALSE;
  set (turn, GST_F2F_PROBE_TURN_IDLE, NULL, 0, 0);
  return TRUE;
}
