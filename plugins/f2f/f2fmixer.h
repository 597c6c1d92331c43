/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a mixer peer makes for others: the one owner of the elements of
 * f2fsignal's mixer role (gst/f2f/f2fplan.h says what a mixer sends whom).
 *
 *   - its own camera and microphone (raw) join the room view, which then
 *     holds everyone a mixer's clients must see and hear;
 *   - the room view's picture is encoded once: the COMPOSITE every client
 *     of this mixer receives (so each client sees itself in it, as in a
 *     meeting room's screen);
 *   - per client, the room view's mix-minus for that client (everyone but
 *     them) is encoded once: nobody hears themselves;
 *   - with other mixers in the room, a second f2fcompositor, the SUB-MIX,
 *     holds this mixer and its own clients only (never another mixer's
 *     streams), encoded once for the other mixers: nobody is heard twice.
 *
 * Media arrives from the receiver (f2freceiver.h), which routes decoded
 * streams to the room view and the sub-mix; the router (f2frouter.h) feeds
 * the links from the tees made here. Not thread-safe: f2fsignal's private
 * thread only, except where said.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _F2fMixer F2fMixer;

/* @bin: f2fsignal; @view: its room view (f2fcompositor); @view_video: the
 * tee behind the room view's video_src. */
F2fMixer *f2f_mixer_new (GstBin * bin, GstElement * view,
    GstElement * view_video);
/* Tears everything down (f2f_mixer_update with nothing wanted) first. */
void f2f_mixer_free (F2fMixer * mixer);

/* The encoder settings of what the mixer sends. */
void f2f_mixer_set_encoding (F2fMixer * mixer, gboolean h264, guint kbps);

/* The local raw camera (@video) or microphone: a tee, or NULL when the
 * input goes (its branches into the mixes go first). Any thread that may
 * block. */
void f2f_mixer_set_local (F2fMixer * mixer, gboolean video, GstElement * tee);

typedef struct
{
  const gchar *me;              /* our peer id */
  const gchar *name;            /* our display name */
  gboolean mixing;              /* we are a mixer */
  gboolean submix;              /* … and other mixers want our sub-mix */
  const gchar *const *clients;  /* our clients (peer ids) */
} F2fMixerWant;

/* Makes what @want needs; with @prune, also removes what it does not
 * (first make, then re-route the links and the receiver, then prune). */
void f2f_mixer_update (F2fMixer * mixer, const F2fMixerWant * want,
    gboolean prune);

/* The tees of what the mixer sends, or NULL when not made: the composite
 * picture, the mix-minus for @client, the sub-mix picture and sound. */
GstElement *f2f_mixer_get_composite (F2fMixer * mixer);
GstElement *f2f_mixer_get_minus (F2fMixer * mixer, const gchar * client);
GstElement *f2f_mixer_get_submix (F2fMixer * mixer, gboolean video);
/* The sub-mix's f2fcompositor, or NULL: a destination of the receiver. */
GstElement *f2f_mixer_get_submix_compositor (F2fMixer * mixer);

G_END_DECLS
