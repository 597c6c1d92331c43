/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Where each participant's picture goes in a composited room view. Pure
 * geometry: no pads, no pipelines. f2fcompositor turns the rectangles into
 * compositor pad positions.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>

G_BEGIN_DECLS

/**
 * GstF2fLayoutMode:
 * @GST_F2F_LAYOUT_MODE_GRID: every participant gets an equal tile, in
 *   ceil(√n) columns; a short last row is centred.
 * @GST_F2F_LAYOUT_MODE_SPEAKER: one participant (the active speaker, or the
 *   pinned one) fills the top three quarters, the others share a strip along
 *   the bottom.
 *
 * How f2fcompositor arranges the participants' pictures.
 */
typedef enum
{
  GST_F2F_LAYOUT_MODE_GRID,
  GST_F2F_LAYOUT_MODE_SPEAKER,
} GstF2fLayoutMode;

/**
 * GstF2fRect:
 *
 * A tile of the output picture, in pixels. The picture is fitted inside the
 * tile keeping its aspect ratio.
 */
typedef struct
{
  gint x;
  gint y;
  gint width;
  gint height;
} GstF2fRect;

GST_F2F_API
gboolean gst_f2f_layout_compute (GstF2fLayoutMode mode, gint width,
    gint height, guint n_tiles, gint main_tile, GstF2fRect * tiles);

GST_F2F_API
guint gst_f2f_layout_grid_columns (guint n_tiles);

G_END_DECLS
