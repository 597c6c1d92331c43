/* f2f-signaling-server
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GIOStream that passes everything through to the connection under it
 * and counts the bytes written into it and read from it. libsoup 3.2
 * keeps its own queue of outgoing WebSocket frames and tells nobody how
 * long it is; with this under each connection the server knows how much
 * of what it handed libsoup has not reached the kernel yet, and can close
 * a peer that falls behind instead of queuing for it without bound. On
 * the way in, libsoup 3.2 assembles a fragmented message without a total
 * limit; the read limit bounds what a peer may send between two complete
 * messages (the server marks each).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define F2F_TYPE_METERED_STREAM (f2f_metered_stream_get_type ())
G_DECLARE_FINAL_TYPE (F2fMeteredStream, f2f_metered_stream, F2F,
    METERED_STREAM, GIOStream)

/* Called once, on the thread that closes or drops the stream, when it is
 * closed or finalized, whichever comes first. */
typedef void (*F2fMeteredStreamGone) (gpointer user_data);

F2fMeteredStream *f2f_metered_stream_new (GIOStream * base,
    F2fMeteredStreamGone gone, gpointer user_data);
/* No more calls to the gone or overrun functions. */
void f2f_metered_stream_forget (F2fMeteredStream * stream);
/* Calls @overrun (with the gone function's data) once, on the reading
 * thread, when more than @limit bytes were read since the last mark. */
void f2f_metered_stream_set_read_limit (F2fMeteredStream * stream,
    guint64 limit, F2fMeteredStreamGone overrun);
void f2f_metered_stream_mark_read (F2fMeteredStream * stream);
guint64 f2f_metered_stream_get_bytes_written (F2fMeteredStream * stream);
GIOStream *f2f_metered_stream_get_base (F2fMeteredStream * stream);

G_END_DECLS
