/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The congestion control law (gst/f2f/f2fbitrate.c): scripts of receiver
 * reports and the estimate expected after each, and tables for the shared
 * encoder's target, the far-weaker link and Opus's loss percentage.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <gst/check/gstcheck.h>
#include <gst/f2f/f2f.h>

#define S G_USEC_PER_SEC
#define MS 1000

static const GstF2fBitrateConfig config = { 50, 1000, 48 };

typedef struct
{
  gint64 at_us;
  gdouble loss, rtt_ms, sent_kbps;
  GstF2fBitrateAction action;
  gdouble expect_kbps;          /* ± 0.5 */
} Report;

typedef struct
{
  const gchar *what;
  gdouble start_kbps;
  Report reports[10];
} Script;

#define HOLD GST_F2F_BITRATE_HOLD
#define UP GST_F2F_BITRATE_INCREASE
#define LOSS GST_F2F_BITRATE_DECREASE_LOSS
#define DELAY GST_F2F_BITRATE_DECREASE_DELAY

static const Script scripts[] = {
  {"no loss: +16 %/s while far from any congestion", 500, {
          {1 * S, 0.0, 20, 0, UP, 580},
          {2 * S, 0.0, 20, 0, UP, 672.8},
          {0}}},
  {"the step is scaled by the time since the last report", 500, {
          {500 * MS, 0.0, 20, 0, UP, 538.5},
          {0}}},
  {"a stalled report counts as 2 s at most", 500, {
          {10 * S, 0.0, 20, 0, UP, 672.8},
          {0}}},
  {"over 10 % loss: x (1 - loss / 2)", 500, {
          {1 * S, 0.20, 20, 0, LOSS, 450},
          {2 * S, 0.50, 20, 0, LOSS, 337.5},
          {0}}},
  {"after a decrease the increase is 8 %/s for 10 s", 200, {
          {1 * S, 0.20, 20, 0, LOSS, 180},
          {2 * S, 0.0, 20, 0, UP, 194.4},
          {4 * S, 0.0, 20, 0, UP, 226.7},
          {6 * S, 0.0, 20, 0, UP, 264.5},
          {8 * S, 0.0, 20, 0, UP, 308.5},
          {10 * S, 0.0, 20, 0, UP, 359.8},
          {11 * S, 0.0, 20, 0, UP, 417.4},
          {0}}},
  {"between 2 and 10 % loss: hold", 500, {
          {1 * S, 0.05, 20, 0, HOLD, 500},
          {2 * S, 0.10, 20, 0, HOLD, 500},
          {3 * S, 0.02, 20, 0, HOLD, 500},
          {0}}},
  {"RTT 60 ms over its lowest twice in a row: x 0.8", 500, {
          {1 * S, 0.0, 20, 0, UP, 580},
          {2 * S, 0.0, 79, 0, UP, 672.8},
          {3 * S, 0.0, 81, 0, HOLD, 672.8},
          {4 * S, 0.0, 20, 0, UP, 780.4},
          {5 * S, 0.0, 81, 0, HOLD, 780.4},
          {6 * S, 0.0, 400, 0, DELAY, 624.3},
          {7 * S, 0.0, 400, 0, DELAY, 499.5},
          {8 * S, 0.0, 40, 0, UP, 539.4},
          {0}}},
  {"a delay decrease starts from what was really sent", 500, {
          {1 * S, 0.0, 20, 0, UP, 580},
          {2 * S, 0.0, 300, 200, HOLD, 580},
          {3 * S, 0.0, 300, 200, DELAY, 160},
          {4 * S, 0.0, 300, 900, DELAY, 128},
          {0}}},
  {"loss and delay at once: the deeper cut", 500, {
          {1 * S, 0.0, 20, 0, UP, 580},
          {2 * S, 0.4, 300, 0, LOSS, 464},
          {3 * S, 0.1, 300, 0, DELAY, 371.2},
          {4 * S, 0.2, 300, 150, DELAY, 120},
          {5 * S, 0.4, 300, 500, LOSS, 98},
          {0}}},
  {"an unknown RTT is no delay signal", 500, {
          {1 * S, 0.0, -1, 0, UP, 580},
          {0}}},
  {"the lowest RTT is kept for 30-60 s", 500, {
          {1 * S, 0.0, 20, 0, UP, 580},
          {30 * S, 0.0, 300, 0, HOLD, 580},
          {31 * S, 0.0, 300, 0, DELAY, 464},
          {59 * S, 0.0, 300, 0, DELAY, 371.2},
          {61 * S, 0.0, 300, 0, UP, 433},
          {0}}},
  {"bounded above by max + audio", 1000, {
          {1 * S, 0.0, 20, 0, UP, 1048},
          {0}}},
  {"bounded below by min + audio", 100, {
          {1 * S, 0.9, 20, 0, LOSS, 98},
          {0}}},
};

GST_START_TEST (test_link_scripts)
{
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (scripts); i++) {
    const Script *script = &scripts[i];
    GstF2fBitrateLink link;

    gst_f2f_bitrate_link_init (&link, &config, script->start_kbps, 0);
    for (j = 0; script->reports[j].at_us; j++) {
      const Report *r = &script->reports[j];
      GstF2fBitrateAction action = gst_f2f_bitrate_link_update (&link,
          &config, r->at_us, r->loss, r->rtt_ms, r->sent_kbps);

      fail_unless (action == r->action,
          "%s, report %u: action %d, expected %d", script->what, j, action,
          r->action);
      fail_unless (fabs (link.estimate_kbps - r->expect_kbps) < 0.5,
          "%s, report %u: %.1f kbit/s, expected %.1f", script->what, j,
          link.estimate_kbps, r->expect_kbps);
    }
  }
}

GST_END_TEST;

typedef struct
{
  gint64 at_us;                 /* 0 ends a script */
  gboolean report;              /* a report (loss 0) or a poll without */
  gdouble rtt_ms;               /* the report's */
  guint nacked, sent;
  gdouble sent_kbps;
  GstF2fBitrateAction action;
  gdouble expect_kbps;          /* ± 0.5 */
} Poll;

typedef struct
{
  const gchar *what;
  Poll polls[8];
} NackScript;

static const NackScript nack_scripts[] = {
  {"NACKs while reports come: the reports decide", {
          {500 * MS, TRUE, 20, 0, 0, 0, UP, 538.5},
          {900 * MS, FALSE, 0, 50, 100, 0, HOLD, 538.5},
          {1400 * MS, FALSE, 0, 50, 100, 0, HOLD, 538.5},
          {0}}},
  {"no report for 1 s and NACKs: half what was sent, then x 0.8 every "
        "500 ms", {
          {500 * MS, TRUE, 20, 0, 0, 0, UP, 538.5},
          {1000 * MS, FALSE, 0, 30, 100, 400, HOLD, 538.5},
          {1500 * MS, FALSE, 0, 30, 100, 400, LOSS, 200},
          {1900 * MS, FALSE, 0, 30, 100, 400, HOLD, 200},
          {2000 * MS, FALSE, 0, 3, 100, 0, LOSS, 160},
          {2500 * MS, FALSE, 0, 30, 100, 150, LOSS, 120},
          {0}}},
  {"late packets NACKed on a link with the RTT normal: over 10 % only", {
          {500 * MS, TRUE, 20, 0, 0, 0, UP, 538.5},
          {1500 * MS, FALSE, 0, 6, 100, 0, HOLD, 538.5},
          {2000 * MS, FALSE, 0, 10, 100, 0, HOLD, 538.5},
          {2500 * MS, FALSE, 0, 11, 100, 0, LOSS, 269.3},
          {0}}},
  {"… over 2 % when the latest report had the RTT up", {
          {500 * MS, TRUE, 20, 0, 0, 0, UP, 538.5},
          {1000 * MS, TRUE, 300, 0, 0, 0, HOLD, 538.5},
          {2000 * MS, FALSE, 0, 3, 100, 0, LOSS, 269.3},
          {0}}},
  {"an overflow 2 s after the last cut by NACKs halves again", {
          {2 * S, FALSE, 0, 50, 100, 0, LOSS, 250},
          {4100 * MS, FALSE, 0, 50, 100, 0, LOSS, 125},
          {0}}},
  {"2 % or fewer NACKed, or nothing sent: hold, never increase", {
          {500 * MS, TRUE, 300, 0, 0, 0, UP, 538.5},
          {2 * S, FALSE, 0, 2, 100, 0, HOLD, 538.5},
          {3 * S, FALSE, 0, 0, 100, 0, HOLD, 538.5},
          {4 * S, FALSE, 0, 5, 0, 0, HOLD, 538.5},
          {0}}},
  {"a report after the cuts: the step starts at the last cut", {
          {2 * S, FALSE, 0, 50, 100, 0, LOSS, 250},
          {3 * S, TRUE, 20, 0, 0, 0, UP, 270},
          {0}}},
  {"after a cut by NACKs one report with the RTT up is enough", {
          {500 * MS, TRUE, 20, 0, 0, 0, UP, 538.5},
          {1500 * MS, FALSE, 0, 50, 100, 0, LOSS, 269.3},
          {1900 * MS, TRUE, 400, 0, 0, 200, DELAY, 160},
          {0}}},
  {"… and one without resets that", {
          {1500 * MS, FALSE, 0, 50, 100, 0, LOSS, 250},
          {1900 * MS, TRUE, 20, 0, 0, 0, UP, 257.8},
          {2300 * MS, TRUE, 400, 0, 0, 0, HOLD, 257.8},
          {0}}},
  {"bounded below by min + audio", {
          {2 * S, FALSE, 0, 50, 100, 100, LOSS, 98},
          {0}}},
};

/* The receiver's reports crowded out by its own NACKs (GStreamer 1.22's
 * early feedback): the share of packets NACKed stands in for the loss,
 * only after a second without a report, and only to cut. */
GST_START_TEST (test_nacked_without_reports)
{
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (nack_scripts); i++) {
    const NackScript *script = &nack_scripts[i];
    GstF2fBitrateLink link;

    gst_f2f_bitrate_link_init (&link, &config, 500, 0);
    for (j = 0; script->polls[j].at_us; j++) {
      const Poll *p = &script->polls[j];
      GstF2fBitrateAction action = p->report ?
          gst_f2f_bitrate_link_update (&link, &config, p->at_us, 0, p->rtt_ms,
          p->sent_kbps) :
          gst_f2f_bitrate_link_nacked (&link, &config, p->at_us, p->nacked,
          p->sent, p->sent_kbps);

      fail_unless (action == p->action,
          "%s, poll %u: action %d, expected %d", script->what, j, action,
          p->action);
      fail_unless (fabs (link.estimate_kbps - p->expect_kbps) < 0.5,
          "%s, poll %u: %.1f kbit/s, expected %.1f", script->what, j,
          link.estimate_kbps, p->expect_kbps);
    }
  }
}

GST_END_TEST;

/* A 300 kbit/s bottleneck that drops what is above it: the estimate must
 * come below the cap and stay within a sawtooth under it. */
GST_START_TEST (test_converges_under_a_cap)
{
  GstF2fBitrateLink link;
  gdouble cap = 300, low = G_MAXDOUBLE, high = 0;
  gint64 t;

  gst_f2f_bitrate_link_init (&link, &config, 848, 0);
  for (t = 1 * S; t <= 60 * S; t += S) {
    gdouble rate = link.estimate_kbps;
    gdouble loss = rate > cap ? (rate - cap) / rate : 0;

    gst_f2f_bitrate_link_update (&link, &config, t, loss, 20, rate);
    if (t >= 20 * S) {
      low = MIN (low, link.estimate_kbps);
      high = MAX (high, link.estimate_kbps);
    }
  }
  fail_unless (high <= cap * 1.17 && low >= cap * 0.5,
      "after 20 s the estimate swung between %.0f and %.0f kbit/s under a "
      "%.0f kbit/s cap", low, high, cap);
}

GST_END_TEST;

typedef struct
{
  gdouble estimates[4];
  guint n;
  guint target;
} TargetRow;

GST_START_TEST (test_video_target)
{
  static const TargetRow rows[] = {
    {{0}, 0, 1000},             /* no link: the maximum */
    {{848}, 1, 800},
    {{848, 300}, 2, 252},       /* the weakest link decides */
    {{300, 848, 2000}, 3, 252},
    {{60}, 1, 50},              /* never below the minimum */
    {{5000}, 1, 1000},          /* never above the maximum */
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    guint got = gst_f2f_bitrate_video_target (&config, rows[i].estimates,
        rows[i].n);
    fail_unless (got == rows[i].target, "row %u: %u, expected %u", i, got,
        rows[i].target);
  }
}

GST_END_TEST;

typedef struct
{
  gdouble estimates[4];
  guint n;
  gint weakest;
} WeakRow;

GST_START_TEST (test_weakest_link)
{
  static const WeakRow rows[] = {
    {{100}, 1, -1},             /* one link is no "rest" */
    {{100, 800}, 2, 0},
    {{800, 100}, 2, 1},
    {{500, 800}, 2, -1},        /* weaker, not far weaker */
    {{800, 150, 700}, 3, 1},
    {{800, 375, 700}, 3, -1},   /* exactly half the median: not below */
    {{800, 100, 120, 700}, 4, 1},       /* the median of the rest: 700 */
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    gint got = gst_f2f_bitrate_weakest_link (rows[i].estimates, rows[i].n,
        0.5);
    fail_unless (got == rows[i].weakest, "row %u: %d, expected %d", i, got,
        rows[i].weakest);
  }
}

GST_END_TEST;

GST_START_TEST (test_opus_loss_percentage)
{
  static const struct
  {
    gdouble loss;
    guint previous, expect;
  } rows[] = {
    {0.0, 0, 0},
    {0.05, 0, 5},
    {0.051, 0, 6},              /* rounded up: protect a little more */
    {0.10, 5, 10},              /* up at once */
    {0.0, 10, 9},               /* down one point per report */
    {0.02, 10, 9},
    {0.0, 1, 0},
    {1.5, 0, 100},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    guint got = gst_f2f_bitrate_opus_loss_percentage (rows[i].loss,
        rows[i].previous);
    fail_unless (got == rows[i].expect, "row %u: %u, expected %u", i, got,
        rows[i].expect);
  }
}

GST_END_TEST;

static Suite *
bitrate_suite (void)
{
  Suite *s = suite_create ("f2f bitrate");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_link_scripts);
  tcase_add_test (tc, test_converges_under_a_cap);
  tcase_add_test (tc, test_nacked_without_reports);
  tcase_add_test (tc, test_video_target);
  tcase_add_test (tc, test_weakest_link);
  tcase_add_test (tc, test_opus_loss_percentage);
  return s;
}

GST_CHECK_MAIN (bitrate);
