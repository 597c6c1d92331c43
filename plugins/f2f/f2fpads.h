/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Rearranging a playing bin: the one way f2f's elements take a branch off
 * a tee (or any pad that streams) without racing a push.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Unlinks @src from its peer between two buffers, never during a push, and
 * returns when that is done: a push that met the branch's elements going
 * to NULL would return FLUSHING, and a tee would pass that up and stop
 * what feeds it for everyone. Blocks while a push is in flight, so never
 * from @src's streaming thread and never under a lock that thread takes.
 * Returns at once when @src is idle or not linked. */
void f2f_pad_unlink_idle (GstPad * src);

/* Keeps a refusing branch from stopping what feeds it. A tee passes any
 * FLUSHING from one of its pads up to its source, whose task then pauses
 * for good: one branch that stopped (its elements shut down while still
 * linked, or a queue whose own downstream once said FLUSHING and that
 * refuses everything since) silences the camera or mic for every other
 * branch, encoder and link alike. On @src (a tee's pad), buffers that its
 * peer would refuse so are dropped instead, and the first time @owner
 * posts a warning naming @what. Races a refusal that starts during the
 * push itself; catches every one after. */
void f2f_pad_shield_branch (GstPad * src, GstElement * owner,
    const gchar * what);

G_END_DECLS
