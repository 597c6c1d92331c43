/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Lock order: mixer->lock (held for a whole update, across waits for a
 * branch to go idle: no streaming thread ever takes it), then the
 * receiver's and the elements' locks.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "f2fmixer.h"
#include "f2fencode.h"
#include "f2fpads.h"

GST_DEBUG_CATEGORY_EXTERN (gst_f2f_signal_debug);
#define GST_CAT_DEFAULT gst_f2f_signal_debug

enum
{ VIDEO, AUDIO, N_MEDIA };

/* A branch the mixer made: from a pad of @src, through @elements, into a
 * request pad of a compositor (@dest) or out of a tee (@tee). */
typedef struct
{
  GstBin *bin;                  /* that holds the elements */
  GstElement *src;
  GstPad *src_pad;
  gboolean src_requested;       /* release src_pad when done */
  GPtrArray *elements;          /* in order */
  GstElement *dest;
  GstPad *dest_pad;
  GstElement *tee;              /* the last of elements, or NULL */
} Chain;

struct _F2fMixer
{
  GstBin *bin;
  GstElement *view;
  GstElement *view_video;
  gboolean h264;
  guint kbps;

  GMutex lock;
  /* Protected by lock: */
  GstElement *local[N_MEDIA];   /* raw tees of our camera and mic */
  gchar *me, *name;
  gboolean mixing, submixing;
  Chain *own_view[N_MEDIA];     /* our camera and mic into the view */
  Chain *composite;             /* the view's picture, encoded */
  GHashTable *minus;            /* client id → Chain*: its mix, encoded */
  GstElement *submix;           /* f2fcompositor, or NULL */
  Chain *own_submix[N_MEDIA];   /* our camera and mic into the sub-mix */
  Chain *submix_out[N_MEDIA];   /* the sub-mix, encoded */
};

static void
chain_free_m (gpointer data)
{
  Chain *c = data;
  guint i;

  if (c == NULL)
    return;
  f2f_pad_unlink_idle (c->src_pad);
  if (c->src_requested)
    gst_element_release_request_pad (c->src, c->src_pad);
  gst_object_unref (c->src_pad);
  gst_object_unref (c->src);
  for (i = 0; i < c->elements->len; i++) {
    GstElement *e = g_ptr_array_index (c->elements, i);
    gst_element_set_locked_state (e, TRUE);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bin_remove (c->bin, e);
  }
  g_ptr_array_unref (c->elements);
  if (c->dest_pad) {
    gst_element_release_request_pad (c->dest, c->dest_pad);
    gst_object_unref (c->dest_pad);
    gst_object_unref (c->dest);
  }
  g_free (c);
}

/* Adds @elements (@n of them, floating; NULL ones are missing) to the bin, links them after
 * a pad of @src (requested from @src_templ, or the static pad @src_name)
 * and into @dest's new pad for @dest_templ (when @dest), then starts
 * them. NULL when an element is missing. */
static Chain *
chain_new (F2fMixer * m, GstElement * src, const gchar * src_templ,
    const gchar * src_name, GstElement * dest, const gchar * dest_templ,
    const gchar * participant, const gchar * display, GstElement ** elements,
    guint n)
{
  Chain *c;
  GstPad *sink;
  guint i;

  for (i = 0; i < n; i++)
    if (elements[i] == NULL)
      break;
  if (i < n || n == 0) {
    for (i = 0; i < n; i++)
      if (elements[i])
        gst_object_unref (gst_object_ref_sink (elements[i]));
    GST_ELEMENT_ERROR (m->bin, CORE, MISSING_PLUGIN,
        ("An element the mixer needs is missing (GStreamer's base and good "
            "plugins: queue, tee, audioconvert, vp8enc, opusenc)."), (NULL));
    return NULL;
  }
  c = g_new0 (Chain, 1);
  c->bin = m->bin;
  c->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  for (i = 0; i < n; i++) {
    gst_bin_add (m->bin, elements[i]);
    g_ptr_array_add (c->elements, gst_object_ref (elements[i]));
    if (i > 0 && !gst_element_link (elements[i - 1], elements[i]))
      GST_WARNING_OBJECT (m->bin, "mixer: could not link %s to %s",
          GST_OBJECT_NAME (elements[i - 1]), GST_OBJECT_NAME (elements[i]));
  }
  if (g_str_equal (GST_OBJECT_NAME (gst_element_get_factory (elements[n - 1])),
          "tee"))
    c->tee = elements[n - 1];
  if (dest) {
    GstPad *last = gst_element_get_static_pad (elements[n - 1], "src");
    c->dest = gst_object_ref (dest);
    c->dest_pad = gst_element_request_pad_simple (dest, dest_templ);
    g_object_set (c->dest_pad, "participant-id", participant,
        "display-name", display, NULL);
    gst_pad_link (last, c->dest_pad);
    gst_object_unref (last);
  }
  for (i = n; i > 0; i--)
    gst_element_sync_state_with_parent (elements[i - 1]);

  c->src = gst_object_ref (src);
  if (src_templ) {
    c->src_pad = gst_element_request_pad_simple (src, src_templ);
    c->src_requested = TRUE;
    if (participant && dest == NULL)
      g_object_set (c->src_pad, "participant-id", participant, NULL);
  } else {
    c->src_pad = gst_element_get_static_pad (src, src_name);
  }
  {
    g_autofree gchar *what = g_strdup_printf ("%s:%s into the mixer's %s",
        GST_OBJECT_NAME (src), GST_PAD_NAME (c->src_pad),
        GST_OBJECT_NAME (elements[0]));

    /* (our camera and mic feed the encoder and every link too) */
    f2f_pad_shield_branch (c->src_pad, GST_ELEMENT (m->bin), what);
  }
  sink = gst_element_get_static_pad (elements[0], "sink");
  if (gst_pad_link (c->src_pad, sink) != GST_PAD_LINK_OK)
    GST_WARNING_OBJECT (m->bin, "mixer: could not link %s:%s",
        GST_OBJECT_NAME (src), GST_PAD_NAME (c->src_pad));
  gst_object_unref (sink);
  return c;
}

static GstElement *
make (const gchar * factory)
{
  return gst_element_factory_make (factory, NULL);
}

static GstElement *
make_queue (void)
{
  GstElement *q = make ("queue");

  /* Never hold the room view back: an encoder that falls behind loses
   * frames, not the view. */
  if (q)
    g_object_set (q, "leaky", 2, "max-size-buffers", 3, "max-size-bytes", 0,
        "max-size-time", (guint64) 0, NULL);
  return q;
}

static GstElement *
make_tee (void)
{
  GstElement *t = make ("tee");

  if (t)
    g_object_set (t, "allow-not-linked", TRUE, NULL);
  return t;
}

/* A raw picture (from a pad of @src) → encoded once, teed. */
static Chain *
video_out (F2fMixer * m, GstElement * src, const gchar * templ,
    const gchar * name)
{
  GstElement *e[F2F_ENCODE_MAX_ELEMENTS + 3] = { NULL, };
  GstElement *enc[F2F_ENCODE_MAX_ELEMENTS + 1];
  guint i, n = 0;

  if (!f2f_encode_video (m->h264, m->kbps, enc)) {
    GST_ELEMENT_ERROR (m->bin, CORE, MISSING_PLUGIN,
        ("No %s video encoder is installed.", m->h264 ? "H.264 (x264enc)" :
            "VP8 (vp8enc)"), (NULL));
    return NULL;
  }
  e[n++] = make_queue ();
  for (i = 0; enc[i]; i++)
    e[n++] = enc[i];
  e[n++] = make_tee ();
  return chain_new (m, src, templ, name, NULL, NULL, NULL, NULL, e, n);
}

/* Raw sound (from a pad of @src; for a mix-minus, the one of
 * @participant) → encoded once, teed. */
static Chain *
audio_out (F2fMixer * m, GstElement * src, const gchar * templ,
    const gchar * name, const gchar * participant)
{
  GstCaps *caps = f2f_encode_audio_caps ();
  GstElement *filter = make ("capsfilter");
  GstElement *e[] = { make_queue (), make ("audioconvert"),
    make ("audioresample"), filter,
    f2f_encode_opus (F2F_ENCODE_MIX_BITRATE, F2F_ENCODE_MIX_FRAME_MS),
    make_tee ()
  };

  if (filter)
    g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  return chain_new (m, src, templ, name, NULL, NULL, participant, NULL, e,
      G_N_ELEMENTS (e));
}

/* Our own raw camera or mic into the compositor @dest. */
static Chain *
own_into (F2fMixer * m, guint media, GstElement * dest)
{
  GstElement *e[1];

  if (m->local[media] == NULL || dest == NULL)
    return NULL;
  e[0] = make ("queue");
  return chain_new (m, m->local[media], "src_%u", NULL, dest,
      media == VIDEO ? "video_%u" : "audio_%u", m->me, m->name, e, 1);
}

F2fMixer *
f2f_mixer_new (GstBin * bin, GstElement * view, GstElement * view_video)
{
  F2fMixer *m = g_new0 (F2fMixer, 1);

  m->bin = bin;
  m->view = view;
  m->view_video = view_video;
  m->kbps = 500;
  g_mutex_init (&m->lock);
  m->minus = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return m;
}

void
f2f_mixer_set_encoding (F2fMixer * m, gboolean h264, guint kbps)
{
  g_mutex_lock (&m->lock);
  m->h264 = h264;
  m->kbps = kbps;
  g_mutex_unlock (&m->lock);
}

static gboolean
str_in (const gchar * const *strv, const gchar * s)
{
  return strv && g_strv_contains (strv, s);
}

/* lock held */
static void
update_locked (F2fMixer * m, const F2fMixerWant * want, gboolean prune)
{
  gboolean mixing = want->mixing && m->view && want->me;
  gboolean submix = mixing && want->submix;
  GHashTableIter iter;
  gpointer key, value;
  guint i, media;

  if (mixing && (g_strcmp0 (m->me, want->me) != 0
          || g_strcmp0 (m->name, want->name) != 0)) {
    /* our inputs carry our id: remake them under the new one */
    for (media = 0; media < N_MEDIA; media++) {
      g_clear_pointer (&m->own_view[media], chain_free_m);
      g_clear_pointer (&m->own_submix[media], chain_free_m);
    }
    g_free (m->me);
    g_free (m->name);
    m->me = g_strdup (want->me);
    m->name = g_strdup (want->name);
  }

  if (mixing) {
    for (media = 0; media < N_MEDIA; media++)
      if (m->own_view[media] == NULL)
        m->own_view[media] = own_into (m, media, m->view);
    if (m->composite == NULL)
      m->composite = video_out (m, m->view_video, "src_%u", NULL);
    for (i = 0; want->clients && want->clients[i]; i++)
      if (!g_hash_table_contains (m->minus, want->clients[i])) {
        GST_INFO_OBJECT (m->bin, "mixer: a mix-minus for %s", want->clients[i]);
        g_hash_table_insert (m->minus, g_strdup (want->clients[i]),
            audio_out (m, m->view, "audio_minus_%u", NULL, want->clients[i]));
      }
    m->mixing = TRUE;
  }
  if (submix) {
    if (m->submix == NULL) {
      gint width = 640, height = 360;
      m->submix = gst_element_factory_make ("f2fcompositor", "submix");
      if (m->submix == NULL)
        return;
      g_object_get (m->view, "width", &width, "height", &height, NULL);
      g_object_set (m->submix, "width", width, "height", height, NULL);
      gst_bin_add (m->bin, gst_object_ref (m->submix));
      gst_element_sync_state_with_parent (m->submix);
    }
    for (media = 0; media < N_MEDIA; media++)
      if (m->own_submix[media] == NULL)
        m->own_submix[media] = own_into (m, media, m->submix);
    if (m->submix_out[VIDEO] == NULL)
      m->submix_out[VIDEO] = video_out (m, m->submix, NULL, "video_src");
    if (m->submix_out[AUDIO] == NULL)
      m->submix_out[AUDIO] = audio_out (m, m->submix, NULL, "audio_src",
          NULL);
    m->submixing = TRUE;
  }
  if (!prune)
    return;

  if (!submix && m->submixing) {
    for (media = 0; media < N_MEDIA; media++) {
      g_clear_pointer (&m->own_submix[media], chain_free_m);
      g_clear_pointer (&m->submix_out[media], chain_free_m);
    }
    if (m->submix) {
      gst_element_set_locked_state (m->submix, TRUE);
      gst_element_set_state (m->submix, GST_STATE_NULL);
      gst_bin_remove (m->bin, m->submix);
      gst_clear_object (&m->submix);
    }
    m->submixing = FALSE;
  }
  g_hash_table_iter_init (&iter, m->minus);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    if (!mixing || !str_in (want->clients, key)) {
      GST_INFO_OBJECT (m->bin, "mixer: no more mix-minus for %s",
          (const gchar *) key);
      chain_free_m (value);
      g_hash_table_iter_remove (&iter);
    }
  }
  if (!mixing && m->mixing) {
    g_clear_pointer (&m->composite, chain_free_m);
    for (media = 0; media < N_MEDIA; media++)
      g_clear_pointer (&m->own_view[media], chain_free_m);
    m->mixing = FALSE;
  }
}

void
f2f_mixer_update (F2fMixer * m, const F2fMixerWant * want, gboolean prune)
{
  g_mutex_lock (&m->lock);
  update_locked (m, want, prune);
  g_mutex_unlock (&m->lock);
}

void
f2f_mixer_set_local (F2fMixer * m, gboolean video, GstElement * tee)
{
  guint media = video ? VIDEO : AUDIO;

  g_mutex_lock (&m->lock);
  g_clear_pointer (&m->own_view[media], chain_free_m);
  g_clear_pointer (&m->own_submix[media], chain_free_m);
  gst_clear_object (&m->local[media]);
  m->local[media] = tee ? gst_object_ref (tee) : NULL;
  if (tee && m->mixing)
    m->own_view[media] = own_into (m, media, m->view);
  if (tee && m->submixing && m->submix)
    m->own_submix[media] = own_into (m, media, m->submix);
  g_mutex_unlock (&m->lock);
}

void
f2f_mixer_free (F2fMixer * m)
{
  F2fMixerWant none = { NULL, };
  guint media;

  update_locked (m, &none, TRUE);
  for (media = 0; media < N_MEDIA; media++)
    gst_clear_object (&m->local[media]);
  g_hash_table_unref (m->minus);
  g_free (m->me);
  g_free (m->name);
  g_mutex_clear (&m->lock);
  g_free (m);
}

GstElement *
f2f_mixer_get_composite (F2fMixer * m)
{
  GstElement *tee;

  g_mutex_lock (&m->lock);
  tee = m->composite ? m->composite->tee : NULL;
  g_mutex_unlock (&m->lock);
  return tee;
}

GstElement *
f2f_mixer_get_minus (F2fMixer * m, const gchar * client)
{
  Chain *c;

  g_mutex_lock (&m->lock);
  c = g_hash_table_lookup (m->minus, client);
  g_mutex_unlock (&m->lock);
  return c ? c->tee : NULL;
}

GstElement *
f2f_mixer_get_submix (F2fMixer * m, gboolean video)
{
  Chain *c;

  g_mutex_lock (&m->lock);
  c = m->submix_out[video ? VIDEO : AUDIO];
  g_mutex_unlock (&m->lock);
  return c ? c->tee : NULL;
}

GstElement *
f2f_mixer_get_submix_compositor (F2fMixer * m)
{
  GstElement *e;

  g_mutex_lock (&m->lock);
  e = m->submix;
  g_mutex_unlock (&m->lock);
  return e;
}
