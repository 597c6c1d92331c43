/* f2f-signaling-server
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "f2fmeteredstream.h"

/* The output half: a pollable pass-through that counts. */
#define F2F_TYPE_METERED_OUTPUT (f2f_metered_output_get_type ())
G_DECLARE_FINAL_TYPE (F2fMeteredOutput, f2f_metered_output, F2F,
    METERED_OUTPUT, GOutputStream)

struct _F2fMeteredOutput
{
  GOutputStream parent;
  GOutputStream *base;
  guint64 written;
};

static void f2f_metered_output_pollable_init (GPollableOutputStreamInterface
    * iface);

G_DEFINE_TYPE_WITH_CODE (F2fMeteredOutput, f2f_metered_output,
    G_TYPE_OUTPUT_STREAM, G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
        f2f_metered_output_pollable_init));

static gssize
metered_output_write (GOutputStream * stream, const void *buffer, gsize count,
    GCancellable * cancellable, GError ** error)
{
  F2fMeteredOutput *self = F2F_METERED_OUTPUT (stream);
  gssize n = g_output_stream_write (self->base, buffer, count, cancellable,
      error);

  if (n > 0)
    self->written += n;
  return n;
}

static gboolean
metered_output_flush (GOutputStream * stream, GCancellable * cancellable,
    GError ** error)
{
  return g_output_stream_flush (F2F_METERED_OUTPUT (stream)->base,
      cancellable, error);
}

/* The GIOStream closes the connection under it; this half holds nothing
 * of its own. */
static gboolean
metered_output_close (GOutputStream * stream, GCancellable * cancellable,
    GError ** error)
{
  return TRUE;
}

static gboolean
metered_output_can_poll (GPollableOutputStream * stream)
{
  GOutputStream *base = F2F_METERED_OUTPUT (stream)->base;

  return G_IS_POLLABLE_OUTPUT_STREAM (base)
      && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (base));
}

static gboolean
metered_output_is_writable (GPollableOutputStream * stream)
{
  return g_pollable_output_stream_is_writable (G_POLLABLE_OUTPUT_STREAM
      (F2F_METERED_OUTPUT (stream)->base));
}

/* The base stream's own source, not one wrapping it: its callback then
 * gets the base stream instead of this one, which nobody here looks at
 * (libsoup's WebSocket ignores the argument, and GLib's wrapping sources,
 * such as libsoup's filter streams, give their children a dummy
 * callback), and the main loop has one GSource less to check per
 * connection on every iteration, which is what a quiet server with many
 * connections spends its time on (docs/performance.md). */
static GSource *
metered_output_create_source (GPollableOutputStream * stream,
    GCancellable * cancellable)
{
  return g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM
      (F2F_METERED_OUTPUT (stream)->base), cancellable);
}

static gssize
metered_output_write_nonblocking (GPollableOutputStream * stream,
    const void *buffer, gsize count, GError ** error)
{
  F2fMeteredOutput *self = F2F_METERED_OUTPUT (stream);
  gssize n = g_pollable_output_stream_write_nonblocking
      (G_POLLABLE_OUTPUT_STREAM (self->base), buffer, count, NULL, error);

  if (n > 0)
    self->written += n;
  return n;
}

static void
f2f_metered_output_pollable_init (GPollableOutputStreamInterface * iface)
{
  iface->can_poll = metered_output_can_poll;
  iface->is_writable = metered_output_is_writable;
  iface->create_source = metered_output_create_source;
  iface->write_nonblocking = metered_output_write_nonblocking;
}

static void
f2f_metered_output_finalize (GObject * object)
{
  g_object_unref (F2F_METERED_OUTPUT (object)->base);
  G_OBJECT_CLASS (f2f_metered_output_parent_class)->finalize (object);
}

static void
f2f_metered_output_class_init (F2fMeteredOutputClass * klass)
{
  GOutputStreamClass *out_class = G_OUTPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = f2f_metered_output_finalize;
  out_class->write_fn = metered_output_write;
  out_class->flush = metered_output_flush;
  out_class->close_fn = metered_output_close;
}

static void
f2f_metered_output_init (F2fMeteredOutput * self)
{
}

/* ---------------------------------------------------------------------- */

/* The input half: a pollable pass-through that counts and tells its
 * stream, which enforces the read limit. */
#define F2F_TYPE_METERED_INPUT (f2f_metered_input_get_type ())
G_DECLARE_FINAL_TYPE (F2fMeteredInput, f2f_metered_input, F2F,
    METERED_INPUT, GInputStream)

struct _F2fMeteredInput
{
  GInputStream parent;
  GInputStream *base;
  F2fMeteredStream *owner;      /* not a reference: it owns this */
};

static void f2f_metered_input_pollable_init (GPollableInputStreamInterface *
    iface);

G_DEFINE_TYPE_WITH_CODE (F2fMeteredInput, f2f_metered_input,
    G_TYPE_INPUT_STREAM, G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
        f2f_metered_input_pollable_init));

static void metered_stream_count_read (F2fMeteredStream * self, gssize n);

static gssize
metered_input_read (GInputStream * stream, void *buffer, gsize count,
    GCancellable * cancellable, GError ** error)
{
  F2fMeteredInput *self = F2F_METERED_INPUT (stream);
  gssize n = g_input_stream_read (self->base, buffer, count, cancellable,
      error);

  metered_stream_count_read (self->owner, n);
  return n;
}

static gboolean
metered_input_close (GInputStream * stream, GCancellable * cancellable,
    GError ** error)
{
  return TRUE;
}

static gboolean
metered_input_can_poll (GPollableInputStream * stream)
{
  GInputStream *base = F2F_METERED_INPUT (stream)->base;

  return G_IS_POLLABLE_INPUT_STREAM (base)
      && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
metered_input_is_readable (GPollableInputStream * stream)
{
  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM
      (F2F_METERED_INPUT (stream)->base));
}

/* As metered_output_create_source(). */
static GSource *
metered_input_create_source (GPollableInputStream * stream,
    GCancellable * cancellable)
{
  return g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM
      (F2F_METERED_INPUT (stream)->base), cancellable);
}

static gssize
metered_input_read_nonblocking (GPollableInputStream * stream, void *buffer,
    gsize count, GError ** error)
{
  F2fMeteredInput *self = F2F_METERED_INPUT (stream);
  gssize n = g_pollable_input_stream_read_nonblocking
      (G_POLLABLE_INPUT_STREAM (self->base), buffer, count, NULL, error);

  metered_stream_count_read (self->owner, n);
  return n;
}

static void
f2f_metered_input_pollable_init (GPollableInputStreamInterface * iface)
{
  iface->can_poll = metered_input_can_poll;
  iface->is_readable = metered_input_is_readable;
  iface->create_source = metered_input_create_source;
  iface->read_nonblocking = metered_input_read_nonblocking;
}

static void
f2f_metered_input_finalize (GObject * object)
{
  g_object_unref (F2F_METERED_INPUT (object)->base);
  G_OBJECT_CLASS (f2f_metered_input_parent_class)->finalize (object);
}

static void
f2f_metered_input_class_init (F2fMeteredInputClass * klass)
{
  GInputStreamClass *in_class = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = f2f_metered_input_finalize;
  in_class->read_fn = metered_input_read;
  in_class->close_fn = metered_input_close;
}

static void
f2f_metered_input_init (F2fMeteredInput * self)
{
}

/* ---------------------------------------------------------------------- */

struct _F2fMeteredStream
{
  GIOStream parent;
  GIOStream *base;
  F2fMeteredInput *input;
  F2fMeteredOutput *output;
  F2fMeteredStreamGone gone;
  gpointer gone_data;
  guint64 read;
  guint64 read_mark;
  guint64 read_limit;           /* 0: none */
  F2fMeteredStreamGone overrun;
};

G_DEFINE_TYPE (F2fMeteredStream, f2f_metered_stream, G_TYPE_IO_STREAM);

static void
metered_stream_notify_gone (F2fMeteredStream * self)
{
  F2fMeteredStreamGone gone = self->gone;

  self->gone = NULL;
  if (gone)
    gone (self->gone_data);
}

static void
metered_stream_count_read (F2fMeteredStream * self, gssize n)
{
  F2fMeteredStreamGone overrun;

  if (n <= 0)
    return;
  self->read += n;
  if (self->read_limit == 0 || self->read - self->read_mark <= self->read_limit
      || self->overrun == NULL)
    return;
  overrun = self->overrun;
  self->overrun = NULL;
  overrun (self->gone_data);
}

static GInputStream *
metered_stream_get_input_stream (GIOStream * stream)
{
  return G_INPUT_STREAM (F2F_METERED_STREAM (stream)->input);
}

static GOutputStream *
metered_stream_get_output_stream (GIOStream * stream)
{
  return G_OUTPUT_STREAM (F2F_METERED_STREAM (stream)->output);
}

static gboolean
metered_stream_close (GIOStream * stream, GCancellable * cancellable,
    GError ** error)
{
  F2fMeteredStream *self = F2F_METERED_STREAM (stream);
  gboolean ok = g_io_stream_close (self->base, cancellable, error);

  metered_stream_notify_gone (self);
  return ok;
}

static void
metered_stream_base_closed_cb (GObject * source, GAsyncResult * res,
    gpointer user_data)
{
  GTask *task = user_data;
  F2fMeteredStream *self = g_task_get_source_object (task);
  GError *error = NULL;

  metered_stream_notify_gone (self);
  if (g_io_stream_close_finish (G_IO_STREAM (source), res, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

/* GIOStream's default would run close_fn on another thread. */
static void
metered_stream_close_async (GIOStream * stream, int io_priority,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  F2fMeteredStream *self = F2F_METERED_STREAM (stream);
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_io_stream_close_async (self->base, io_priority, cancellable,
      metered_stream_base_closed_cb, task);
}

static gboolean
metered_stream_close_finish (GIOStream * stream, GAsyncResult * result,
    GError ** error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
f2f_metered_stream_finalize (GObject * object)
{
  F2fMeteredStream *self = F2F_METERED_STREAM (object);

  metered_stream_notify_gone (self);
  g_object_unref (self->input);
  g_object_unref (self->output);
  g_object_unref (self->base);
  G_OBJECT_CLASS (f2f_metered_stream_parent_class)->finalize (object);
}

static void
f2f_metered_stream_class_init (F2fMeteredStreamClass * klass)
{
  GIOStreamClass *io_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = f2f_metered_stream_finalize;
  io_class->get_input_stream = metered_stream_get_input_stream;
  io_class->get_output_stream = metered_stream_get_output_stream;
  io_class->close_fn = metered_stream_close;
  io_class->close_async = metered_stream_close_async;
  io_class->close_finish = metered_stream_close_finish;
}

static void
f2f_metered_stream_init (F2fMeteredStream * self)
{
}

F2fMeteredStream *
f2f_metered_stream_new (GIOStream * base, F2fMeteredStreamGone gone,
    gpointer user_data)
{
  F2fMeteredStream *self = g_object_new (F2F_TYPE_METERED_STREAM, NULL);

  self->base = g_object_ref (base);
  self->output = g_object_new (F2F_TYPE_METERED_OUTPUT, NULL);
  self->output->base = g_object_ref (g_io_stream_get_output_stream (base));
  self->input = g_object_new (F2F_TYPE_METERED_INPUT, NULL);
  self->input->base = g_object_ref (g_io_stream_get_input_stream (base));
  self->input->owner = self;
  self->gone = gone;
  self->gone_data = user_data;
  return self;
}

void
f2f_metered_stream_forget (F2fMeteredStream * self)
{
  self->gone = NULL;
  self->overrun = NULL;
}

void
f2f_metered_stream_set_read_limit (F2fMeteredStream * self, guint64 limit,
    F2fMeteredStreamGone overrun)
{
  self->read_mark = self->read;
  self->read_limit = limit;
  self->overrun = overrun;
}

void
f2f_metered_stream_mark_read (F2fMeteredStream * self)
{
  self->read_mark = self->read;
}

guint64
f2f_metered_stream_get_bytes_written (F2fMeteredStream * self)
{
  return self->output->written;
}

GIOStream *
f2f_metered_stream_get_base (F2fMeteredStream * self)
{
  return self->base;
}
