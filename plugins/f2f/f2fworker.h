/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The private thread every f2f element runs its own work on: a thread with
 * its own GMainContext and loop, started in one state change and stopped
 * in another. One helper, so that every element starts, calls into and
 * stops its thread the same way; in particular a stop asked for before the
 * thread has reached its loop is never lost.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _F2fWorker F2fWorker;

/* Called on the worker's thread, with its context pushed as the thread
 * default: @started before the loop runs, @stopping after it quit. */
typedef void (*F2fWorkerFunc) (gpointer user_data);

/* Starts a thread named @name running a main loop on a new context. */
F2fWorker *f2f_worker_start (const gchar * name, F2fWorkerFunc started,
    F2fWorkerFunc stopping, gpointer user_data);
/* Quits the loop (from a source on the worker's own context, so a stop
 * right after the start is not lost), joins the thread, frees @worker.
 * Sources still attached to the context are dropped with it. Not from the
 * worker's own thread. */
void f2f_worker_stop (F2fWorker * worker);

GMainContext *f2f_worker_get_context (F2fWorker * worker);
/* Whether the calling thread is the worker's. */
gboolean f2f_worker_is_current (F2fWorker * worker);

/* Runs @func on the worker and waits for it; at once when called from the
 * worker itself. */
void f2f_worker_call_sync (F2fWorker * worker, GSourceFunc func,
    gpointer data);

/* Runs @func (data) later on @context, in order with other calls; @notify
 * frees @data afterwards, also when the context goes away first. */
void f2f_context_call (GMainContext * context, GSourceFunc func,
    gpointer data, GDestroyNotify notify);
/* A timeout source on @context calling @func (data); the caller owns the
 * returned reference (destroy and unref it with f2f_clear_source). */
GSource *f2f_context_add_timeout (GMainContext * context, guint ms,
    GSourceFunc func, gpointer data);
void f2f_clear_source (GSource ** source);

G_END_DECLS
