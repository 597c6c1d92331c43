/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The video gate of an f2fsignal link that is not connected yet: a buffer
 * probe on the shared encoder's tee pad for that link. While closed it
 * drops the encoder's output but keeps the latest keyframe and the frames
 * after it; when the link connects, that picture goes out at once instead
 * of waiting for the next camera frame after a keyframe request (0-67 ms at
 * 15 fps). The keyframe is requested when the link starts connecting, ICE +
 * DTLS (tens of ms on a LAN) before it is up, so what is kept is recent.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _F2fGate F2fGate;

/* A closed gate on @src (a tee pad), which feeds @sink (the link's video
 * queue). Install it before @src is linked: nothing may pass before. */
F2fGate *f2f_gate_new (GstPad * src, GstPad * sink);
F2fGate *f2f_gate_ref (F2fGate * gate);
void f2f_gate_unref (F2fGate * gate);
GstPad *f2f_gate_get_sink (F2fGate * gate);
/* Any thread but @src's streaming thread, once the link is connected:
 * sends what was kept if its keyframe is younger than 250 ms at @now
 * (running time), and lets the live frames through. FALSE when nothing
 * recent was kept: a keyframe must be asked for. */
gboolean f2f_gate_open (F2fGate * gate, GstClockTime now);

G_END_DECLS
