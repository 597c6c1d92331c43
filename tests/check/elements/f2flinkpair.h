/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two f2f links (f2fpeerlink.c) shaking hands in one process, for the
 * elements/f2fpeerlink test and the dtls-handshake bench: each in its own
 * pipeline, on one worker thread, the first offering to the second, their
 * signals handed straight over, ICE on 127.0.0.1, the lan profile's
 * settings.
 */

#ifndef __F2F_LINK_PAIR_H__
#define __F2F_LINK_PAIR_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _F2fLinkPair F2fLinkPair;

/* Called on each side's pipeline (0: the offerer) before its link is
 * made, e.g. to watch its elements. */
typedef void (*F2fLinkPairHook) (GstElement * pipeline, gint side,
    gpointer data);

/* For a hook: @probe on the sink pad of every nicesink added to @pipeline
 * from now on (buffers and buffer lists: its outgoing datagrams), with
 * @side as its user data (GINT_TO_POINTER). */
void f2f_link_pair_watch_nicesinks (GstElement * pipeline, gint side,
    GstPadProbeCallback probe);

/* Starts the handshake; @pem as F2fPeerLinkConfig's dtls_pem. */
F2fLinkPair *f2f_link_pair_new (const gchar * pem, F2fLinkPairHook hook,
    gpointer data);
/* … and @dtls_handshake_once as F2fPeerLinkConfig's. */
F2fLinkPair *f2f_link_pair_new_full (const gchar * pem,
    gboolean dtls_handshake_once, F2fLinkPairHook hook, gpointer data);
/* TRUE once both links said connected; FALSE after @timeout_ms (ten times
 * that under valgrind, F2F_UNDER_VALGRIND) or when
 * one failed (then @why, if not NULL, says why; free it). */
gboolean f2f_link_pair_wait (F2fLinkPair * pair, guint timeout_ms,
    gchar ** why);
/* Once side @i connected: its f2f_peer_link_describe (), the certificate
 * its peer presented in the handshake (PEM), the description it sent. */
const gchar *f2f_link_pair_described (F2fLinkPair * pair, gint i);
const gchar *f2f_link_pair_presented (F2fLinkPair * pair, gint i);
const gchar *f2f_link_pair_sent_sdp (F2fLinkPair * pair, gint i);
/* Side @i's link (a reference; unref it before freeing the pair). */
struct _F2fPeerLink *f2f_link_pair_get_link (F2fLinkPair * pair, gint i);
/* Drops the links, then stops and frees everything. */
void f2f_link_pair_free (F2fLinkPair * pair);

G_END_DECLS

#endif /* __F2F_LINK_PAIR_H__ */
