/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "f2fworker.h"

struct _F2fWorker
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  F2fWorkerFunc started, stopping;
  gpointer user_data;
};

static gpointer
worker_main (gpointer data)
{
  F2fWorker *worker = data;

  g_main_context_push_thread_default (worker->context);
  if (worker->started)
    worker->started (worker->user_data);
  g_main_loop_run (worker->loop);
  if (worker->stopping)
    worker->stopping (worker->user_data);
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

F2fWorker *
f2f_worker_start (const gchar * name, F2fWorkerFunc started,
    F2fWorkerFunc stopping, gpointer user_data)
{
  F2fWorker *worker = g_new0 (F2fWorker, 1);

  worker->context = g_main_context_new ();
  worker->loop = g_main_loop_new (worker->context, FALSE);
  worker->started = started;
  worker->stopping = stopping;
  worker->user_data = user_data;
  worker->thread = g_thread_new (name, worker_main, worker);
  return worker;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
f2f_worker_stop (F2fWorker * worker)
{
  GSource *source;

  if (worker == NULL)
    return;
  g_return_if_fail (!f2f_worker_is_current (worker));
  /* Not g_main_loop_quit() from here: if the thread has not entered
   * g_main_loop_run() yet, that quit is forgotten when it does, and the
   * join below waits for ever. A source is dispatched only by the running
   * loop, so the quit always lands. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, quit_cb, g_main_loop_ref (worker->loop),
      (GDestroyNotify) g_main_loop_unref);
  g_source_attach (source, worker->context);
  g_source_unref (source);
  g_thread_join (worker->thread);
  g_main_loop_unref (worker->loop);
  g_main_context_unref (worker->context);
  g_free (worker);
}

GMainContext *
f2f_worker_get_context (F2fWorker * worker)
{
  return worker->context;
}

gboolean
f2f_worker_is_current (F2fWorker * worker)
{
  return g_thread_self () == worker->thread;
}

typedef struct
{
  GSourceFunc func;
  gpointer data;
  GMutex lock;
  GCond cond;
  gboolean done;
} SyncCall;

static gboolean
sync_call_cb (gpointer user_data)
{
  SyncCall *call = user_data;

  call->func (call->data);
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
  return G_SOURCE_REMOVE;
}

void
f2f_worker_call_sync (F2fWorker * worker, GSourceFunc func, gpointer data)
{
  SyncCall call = { func, data };

  if (f2f_worker_is_current (worker)) {
    func (data);
    return;
  }
  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  f2f_context_call (worker->context, sync_call_cb, &call, NULL);
  g_mutex_lock (&call.lock);
  while (!call.done)
    g_cond_wait (&call.cond, &call.lock);
  g_mutex_unlock (&call.lock);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
}

void
f2f_context_call (GMainContext * context, GSourceFunc func, gpointer data,
    GDestroyNotify notify)
{
  /* An idle source, not g_main_context_invoke(): invoke runs at once when
   * the caller owns the context, which would reorder calls. */
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, context);
  g_source_unref (source);
}

GSource *
f2f_context_add_timeout (GMainContext * context, guint ms, GSourceFunc func,
    gpointer data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);
  return source;
}

void
f2f_clear_source (GSource ** source)
{
  if (*source) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}
