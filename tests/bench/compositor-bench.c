/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * CPU cost of f2fcompositor against a plain compositor + audiomixer
 * pipeline of the same shape, measured in the same run.
 *
 * For each case (inputs × output size × VP8 or not) both pipelines run for
 * the same time, one after the other, in this process; the CPU time this
 * process used (getrusage) over the measured window, divided by the window,
 * is "CPU per second of output" (1.0 = one core busy). Both pipelines have
 * the same live sources (videotestsrc ball 320×240@15, audiotestsrc 48 kHz
 * stereo per input), so sources cost the same on both sides; the plain side
 * has no labels, no level meters, no converters in front of the mixers.
 *
 * Usage: compositor-bench [SECONDS [REPEATS]]   (defaults: 5 s, 1 repeat)
 * Prints one Markdown table row per case; docs/performance.md has the table.
 */

#include <stdlib.h>
#include <gst/gst.h>

#include "benchutil.h"

typedef struct
{
  guint inputs;
  gint width, height;
  gboolean vp8;
} Case;

static const Case cases[] = {
  {2, 640, 360, FALSE}, {4, 640, 360, FALSE}, {9, 640, 360, FALSE},
  {16, 640, 360, FALSE},
  {2, 640, 360, TRUE}, {4, 640, 360, TRUE}, {9, 640, 360, TRUE},
  {16, 640, 360, TRUE},
  {2, 1280, 720, FALSE}, {4, 1280, 720, FALSE}, {9, 1280, 720, FALSE},
  {16, 1280, 720, FALSE},
  {2, 1280, 720, TRUE}, {4, 1280, 720, TRUE}, {9, 1280, 720, TRUE},
  {16, 1280, 720, TRUE},
};

#define SOURCE_VIDEO "videotestsrc is-live=true pattern=ball " \
    "! video/x-raw,width=320,height=240,framerate=15/1"
#define SOURCE_AUDIO "audiotestsrc is-live=true " \
    "! audio/x-raw,rate=48000,channels=2,format=S16LE"
#define VP8 "vp8enc deadline=1 lag-in-frames=0 cpu-used=8 threads=2 " \
    "keyframe-max-dist=60 ! "

static gchar *
f2f_pipeline (const Case * c)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_string_append_printf (s, "f2fcompositor name=room width=%d height=%d ",
      c->width, c->height);
  for (i = 0; i < c->inputs; i++)
    g_string_append_printf (s, "video_%u::display-name=P%u ", i, i);
  for (i = 0; i < c->inputs; i++)
    g_string_append_printf (s, SOURCE_VIDEO " ! room.video_%u "
        SOURCE_AUDIO " ! room.audio_%u ", i, i);
  g_string_append_printf (s, "room.video_src ! %s fakesink sync=false "
      "room.audio_src ! fakesink sync=false", c->vp8 ? VP8 : "");
  return g_string_free (s, FALSE);
}

/* The same grid the f2f layout draws, by hand. */
static gchar *
plain_pipeline (const Case * c)
{
  GString *s = g_string_new ("compositor name=comp background=black "
      "latency=100000000 ");
  guint cols = 1, rows, i;

  while (cols * cols < c->inputs)
    cols++;
  rows = (c->inputs + cols - 1) / cols;
  for (i = 0; i < c->inputs; i++) {
    gint w = c->width / cols, h = c->height / rows;

    g_string_append_printf (s, "sink_%u::xpos=%d sink_%u::ypos=%d "
        "sink_%u::width=%d sink_%u::height=%d "
        "sink_%u::sizing-policy=keep-aspect-ratio ", i, (i % cols) * w,
        i, (i / cols) * h, i, w, i, h, i);
  }
  g_string_append (s, "audiomixer name=mix latency=100000000 ");
  for (i = 0; i < c->inputs; i++)
    g_string_append_printf (s, SOURCE_VIDEO " ! comp.sink_%u "
        SOURCE_AUDIO " ! mix.sink_%u ", i, i);
  g_string_append_printf (s, "comp. ! video/x-raw,format=I420,width=%d,"
      "height=%d,framerate=15/1 ! %s fakesink sync=false "
      "mix. ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! "
      "fakesink sync=false", c->width, c->height, c->vp8 ? VP8 : "");
  return g_string_free (s, FALSE);
}

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
run_for (guint ms)
{
  GMainLoop *loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (ms, quit_loop, loop);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);
}

/* CPU cores used while @description plays, after a 1 s warm-up. */
static gdouble
measure (const gchar * description, guint seconds)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstBus *bus;
  GstMessage *msg;
  gdouble cpu0, cpu1;
  gint64 t0, t1;

  if (!pipeline) {
    g_printerr ("cannot build pipeline: %s\n%s\n", error->message,
        description);
    exit (1);
  }
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  run_for (1000);

  cpu0 = bench_self_cpu ();
  t0 = g_get_monotonic_time ();
  run_for (seconds * 1000);
  cpu1 = bench_self_cpu ();
  t1 = g_get_monotonic_time ();

  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    gst_message_parse_error (msg, &error, NULL);
    g_printerr ("pipeline error: %s\n", error->message);
    exit (1);
  }
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  return (cpu1 - cpu0) / ((t1 - t0) / 1e6);
}

int
main (int argc, char **argv)
{
  guint seconds = argc > 1 ? atoi (argv[1]) : 5;
  guint repeats = argc > 2 ? atoi (argv[2]) : 1;
  gdouble worst = 0;
  guint i, r;

  gst_init (&argc, &argv);
  {
    GstElementFactory *f = gst_element_factory_find ("f2fcompositor");

    if (f)
      gst_object_unref (f);
    else {
      g_printerr ("f2fcompositor not found; set GST_PLUGIN_PATH to the build's "
          "plugins/f2f\n");
      return 1;
    }
  }

  g_print ("| inputs | output | VP8 | f2fcompositor (cores) | compositor + "
      "audiomixer (cores) | ratio |\n|---|---|---|---|---|---|\n");
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    const Case *c = &cases[i];
    gchar *f2f = f2f_pipeline (c), *plain = plain_pipeline (c);
    gdouble f2f_cpu = 0, plain_cpu = 0, ratio;

    /* Alternate the order so drift in machine load hits both sides. */
    for (r = 0; r < repeats; r++) {
      if (r % 2 == 0) {
        plain_cpu += measure (plain, seconds);
        f2f_cpu += measure (f2f, seconds);
      } else {
        f2f_cpu += measure (f2f, seconds);
        plain_cpu += measure (plain, seconds);
      }
    }
    f2f_cpu /= repeats;
    plain_cpu /= repeats;
    ratio = f2f_cpu / plain_cpu;
    worst = MAX (worst, ratio);
    g_print ("| %u | %dx%d | %s | %.3f | %.3f | %.2fx |\n", c->inputs,
        c->width, c->height, c->vp8 ? "yes" : "no", f2f_cpu, plain_cpu,
        ratio);
    g_free (f2f);
    g_free (plain);
  }
  g_print ("\nworst ratio: %.2fx (target <= 1.15x)\n", worst);
  return 0;
}
