/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "f2flayout.h"

/* The speaker layout gives the strip this share of the height, and never
 * makes a strip tile wider than the output's own shape allows at that height,
 * so up to this many others fit before the tiles shrink. */
#define STRIP_DIVISOR 4

/**
 * gst_f2f_layout_grid_columns:
 * @n_tiles: how many tiles
 *
 * Returns: the number of columns of the grid layout: ceil(√@n_tiles).
 */
guint
gst_f2f_layout_grid_columns (guint n_tiles)
{
  guint cols = 0;

  while (cols * cols < n_tiles)
    cols++;
  return cols;
}

static void
split (gint total, guint parts, guint index, gint * start, gint * size)
{
  /* Exact integer partition: the pieces cover @total with no gaps. */
  gint a = (gint) ((gint64) total * index / parts);
  gint b = (gint) ((gint64) total * (index + 1) / parts);

  *start = a;
  *size = b - a;
}

static void
compute_grid (gint width, gint height, guint n, GstF2fRect * tiles)
{
  guint cols = gst_f2f_layout_grid_columns (n);
  guint rows = (n + cols - 1) / cols;
  guint i;

  for (i = 0; i < n; i++) {
    guint row = i / cols, col = i % cols;
    guint in_row = MIN (cols, n - row * cols);
    gint tile_w = width / cols;
    gint offset = (gint) (cols - in_row) * tile_w / 2;

    split (height, rows, row, &tiles[i].y, &tiles[i].height);
    if (in_row == cols) {
      split (width, cols, col, &tiles[i].x, &tiles[i].width);
    } else {
      tiles[i].x = offset + (gint) col *tile_w;
      tiles[i].width = tile_w;
    }
  }
}

static void
compute_speaker (gint width, gint height, guint n, gint main_tile,
    GstF2fRect * tiles)
{
  gint strip_h = height / STRIP_DIVISOR;
  guint others = n - 1, slots = MAX (others, STRIP_DIVISOR);
  gint slot_w = width / slots;
  gint offset = (gint) (slots - others) * slot_w / 2;
  guint i, k = 0;

  for (i = 0; i < n; i++) {
    if ((gint) i == main_tile) {
      tiles[i].x = 0;
      tiles[i].y = 0;
      tiles[i].width = width;
      tiles[i].height = height - strip_h;
      continue;
    }
    tiles[i].x = offset + (gint) k *slot_w;
    tiles[i].y = height - strip_h;
    tiles[i].width = slot_w;
    tiles[i].height = strip_h;
    k++;
  }
}

/**
 * gst_f2f_layout_compute:
 * @mode: the layout
 * @width: output width in pixels
 * @height: output height in pixels
 * @n_tiles: how many participants are shown
 * @main_tile: in %GST_F2F_LAYOUT_MODE_SPEAKER, the index of the participant
 *   shown large; -1 (or out of range) means the first. Ignored by the grid.
 * @tiles: (out caller-allocates) (array length=n_tiles): where each tile goes
 *
 * Computes the tile of each participant, in the order they are given.
 *
 * Returns: %FALSE if the output size is not positive.
 */
gboolean
gst_f2f_layout_compute (GstF2fLayoutMode mode, gint width, gint height,
    guint n_tiles, gint main_tile, GstF2fRect * tiles)
{
  g_return_val_if_fail (n_tiles == 0 || tiles != NULL, FALSE);

  if (width <= 0 || height <= 0)
    return FALSE;
  if (n_tiles == 0)
    return TRUE;

  if (main_tile < 0 || main_tile >= (gint) n_tiles)
    main_tile = 0;

  if (n_tiles == 1) {
    tiles[0].x = tiles[0].y = 0;
    tiles[0].width = width;
    tiles[0].height = height;
    return TRUE;
  }

  switch (mode) {
    case GST_F2F_LAYOUT_MODE_SPEAKER:
      compute_speaker (width, height, n_tiles, main_tile, tiles);
      break;
    case GST_F2F_LAYOUT_MODE_GRID:
    default:
      compute_grid (width, height, n_tiles, tiles);
      break;
  }
  return TRUE;
}
