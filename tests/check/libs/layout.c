/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Layout geometry: tables of (mode, size, n, main) and the tiles expected.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

#define GRID GST_F2F_LAYOUT_MODE_GRID
#define SPEAKER GST_F2F_LAYOUT_MODE_SPEAKER
#define MAX_TILES 9

typedef struct
{
  GstF2fLayoutMode mode;
  gint width, height;
  guint n;
  gint main_tile;
  GstF2fRect expected[MAX_TILES];
} LayoutCase;

static const LayoutCase cases[] = {
  {GRID, 640, 360, 1, -1, {{0, 0, 640, 360}}},
  {GRID, 640, 360, 2, -1, {{0, 0, 320, 360}, {320, 0, 320, 360}}},
  /* three: a 2×2 grid whose short last row is centred */
  {GRID, 640, 360, 3, -1, {{0, 0, 320, 180}, {320, 0, 320, 180},
          {160, 180, 320, 180}}},
  {GRID, 640, 360, 4, -1, {{0, 0, 320, 180}, {320, 0, 320, 180},
          {0, 180, 320, 180}, {320, 180, 320, 180}}},
  /* 640 and 360 do not divide by 3: the tiles still cover every pixel */
  {GRID, 640, 360, 9, -1, {{0, 0, 213, 120}, {213, 0, 213, 120},
            {426, 0, 214, 120}, {0, 120, 213, 120}, {213, 120, 213, 120},
            {426, 120, 214, 120}, {0, 240, 213, 120}, {213, 240, 213, 120},
          {426, 240, 214, 120}}},
  {SPEAKER, 640, 360, 1, 0, {{0, 0, 640, 360}}},
  {SPEAKER, 640, 360, 2, 1, {{240, 270, 160, 90}, {0, 0, 640, 270}}},
  {SPEAKER, 640, 360, 3, 0, {{0, 0, 640, 270}, {160, 270, 160, 90},
          {320, 270, 160, 90}}},
  /* an out-of-range main tile means the first */
  {SPEAKER, 640, 360, 2, 7, {{0, 0, 640, 270}, {240, 270, 160, 90}}},
  /* more others than fit at full size: the strip tiles narrow */
  {SPEAKER, 640, 360, 6, 2, {{0, 270, 128, 90}, {128, 270, 128, 90},
            {0, 0, 640, 270}, {256, 270, 128, 90}, {384, 270, 128, 90},
          {512, 270, 128, 90}}},
};

GST_START_TEST (test_layout_table)
{
  guint c;

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    const LayoutCase *lc = &cases[c];
    GstF2fRect tiles[MAX_TILES];
    guint i;

    fail_unless (gst_f2f_layout_compute (lc->mode, lc->width, lc->height,
            lc->n, lc->main_tile, tiles), "case %u refused", c);
    for (i = 0; i < lc->n; i++) {
      const GstF2fRect *e = &lc->expected[i];

      fail_unless (tiles[i].x == e->x && tiles[i].y == e->y &&
          tiles[i].width == e->width && tiles[i].height == e->height,
          "case %u tile %u: got %d,%d %dx%d, expected %d,%d %dx%d", c, i,
          tiles[i].x, tiles[i].y, tiles[i].width, tiles[i].height,
          e->x, e->y, e->width, e->height);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_grid_columns)
{
  const guint expected[] = { 0, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4,
    5
  };
  guint n;

  for (n = 0; n < G_N_ELEMENTS (expected); n++)
    fail_unless_equals_int (gst_f2f_layout_grid_columns (n), expected[n]);
}

GST_END_TEST;

GST_START_TEST (test_grid_tiles_never_overlap)
{
  guint n;

  for (n = 1; n <= 25; n++) {
    GstF2fRect tiles[25];
    guint i, j;

    fail_unless (gst_f2f_layout_compute (GRID, 1280, 720, n, -1, tiles));
    for (i = 0; i < n; i++) {
      fail_unless (tiles[i].x >= 0 && tiles[i].y >= 0);
      fail_unless (tiles[i].x + tiles[i].width <= 1280);
      fail_unless (tiles[i].y + tiles[i].height <= 720);
      for (j = i + 1; j < n; j++) {
        gboolean apart = tiles[i].x + tiles[i].width <= tiles[j].x ||
            tiles[j].x + tiles[j].width <= tiles[i].x ||
            tiles[i].y + tiles[i].height <= tiles[j].y ||
            tiles[j].y + tiles[j].height <= tiles[i].y;

        fail_unless (apart, "n=%u: tiles %u and %u overlap", n, i, j);
      }
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_bad_size)
{
  GstF2fRect tile;

  fail_if (gst_f2f_layout_compute (GRID, 0, 360, 1, -1, &tile));
  fail_if (gst_f2f_layout_compute (SPEAKER, 640, -1, 1, -1, &tile));
  fail_unless (gst_f2f_layout_compute (GRID, 640, 360, 0, -1, NULL));
}

GST_END_TEST;

static Suite *
layout_suite (void)
{
  Suite *s = suite_create ("f2f layout");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_layout_table);
  tcase_add_test (tc, test_grid_columns);
  tcase_add_test (tc, test_grid_tiles_never_overlap);
  tcase_add_test (tc, test_bad_size);
  return s;
}

GST_CHECK_MAIN (layout);
