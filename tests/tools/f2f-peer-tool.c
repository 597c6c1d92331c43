/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A scriptable peer for the multi-process tests: runs a pipeline from a
 * gst-launch description and prints one line per bus event that matters,
 * in a form the tests parse with gst_structure_from_string():
 *
 *   msg <structure>      an element message (f2f-joined, f2f-peer-stats, …)
 *   msg@<name> <structure>   … from the f2fsignal named <name>, or from
 *                        inside it, when that name is not "s" (a pipeline
 *                        with several f2fsignals)
 *   warning <text>
 *   error <text>         then it exits with status 1
 *   playing              the pipeline reached PLAYING
 *   critical <domain>: <text>   a g_critical or g_warning, from anyone
 *   pad-added <name>     the element named "s" added a pad
 *   pad-removed <name>   … or removed one
 *   progress <structure> a GST_MESSAGE_PROGRESS (f2ffileshare transfers)
 *   level <dB>           a level element's message: its loudest channel's RMS
 *   tones <ms> <dB>...   with a spectrum element in the pipeline and
 *                        F2F_PEER_TOOL_TONES="f1,f2,…" (Hz): the running
 *                        time of its latest spectrum and the level of each
 *                        of those frequencies in it
 *   colors <ms> <n>...   with a fakesink named "vprobe" (signal-handoffs)
 *                        fed RGB and F2F_PEER_TOOL_COLORS="rrggbb,…": a
 *                        frame's time, how many of its pixels are near each
 *                        colour, then its size in pixels (at most one per
 *                        F2F_PEER_TOOL_COLOR_MS, default 250)
 *
 * Commands on standard input, one per line:
 *
 *   chat <text>          emit send-chat on the element named "s"
 *   send <peer> <channel> <text>   send through the room object (GstContext)
 *                        on a named data channel; answers "sent yes|no"
 *
 * and it prints "room-message <peer> <channel> <text>" for what the room
 * object delivers.
 *   share <path> [name]  emit share-file on the element named "f"
 *                        (f2ffileshare); @name may hold C escapes (\n);
 *                        answers "shared <id>"
 *   list                 emit list-files on "f"; answers "files <structure>"
 *   topology [<ids>]     emit propose-topology on "s" with these mixers
 *                        (comma-separated; none: the mesh); answers
 *                        "proposed yes|no"
 *   sample <peer-id>     webrtcbin's statistics of the link to that peer,
 *                        through the room object; answers
 *                        "sample <peer-id> <bytes-sent> <bytes-received>"
 *                        (or "sample <peer-id> none")
 *   break-link <peer-id> post an ERROR from inside the webrtcbin of the link
 *                        to that peer, as sctpenc does when an association
 *                        breaks; answers "broken yes|no"
 *   drops                the late samples each f2fcompositor in the pipeline
 *                        dropped so far (its dropped-samples: a room view's
 *                        own mixer and a mixer's mix-minus), then the
 *                        latency each aggregator works with, how far behind
 *                        now its output is, its inputs and how many never
 *                        had data, then what each jitterbuffer pushed,
 *                        declared lost and dropped as late, then each
 *                        opusdec's gaps, concealed samples and position;
 *                        answers "drops <path>=<n> … latency
 *                        <parent>/<name>=<ms>@<ms>/<inputs>-<idle> …
 *                        jitterbuffers <peer>/<name>=<pushed>/<lost>/<late>
 *                        … opus <name>=gaps:<n>,plc:<n>,pos:<ms>,now:<ms> …"
 *   heals                for each video depayloader (one per link, named
 *                        by the peer whose webrtcbin feeds it): the
 *                        keyframe requests it sent upstream after loss it
 *                        could not repair, and each wait from the first
 *                        request to the next keyframe it got; answers
 *                        "heals <peer>/<requests>/<ms>,<ms>,… …"
 *   dot <path>           write the pipeline's graph (every element, pad,
 *                        link, caps and state) to <path>; answers
 *                        "dotted yes|no" (a test's post-mortem of a peer)
 *   quit                 stop the pipeline and exit 0
 *
 * LATENCY messages are answered by redistributing the latency, as
 * gst-launch-1.0 does. With F2F_PEER_TOOL_STACKS set in the environment a
 * g_critical also prints the stack of the thread that raised it, and a
 * crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) every thread's (gdb).
 *
 * End of input is not a quit, so a test can leave stdin open.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <execinfo.h>
#ifdef HAVE_LIBCRYPTO
#include <openssl/crypto.h>
#endif
#include <glib-unix.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gst/gst.h>
#include <gst/base/base.h>
#include <gst/video/video.h>
#include <gst/f2f/f2f.h>

static GMainLoop *loop;
static GstElement *pipeline;
static int exit_code;

static void
say (const gchar * kind, const gchar * text)
{
  /* One line per event: newlines inside the text would break parsing. */
  g_autofree gchar *flat = g_strdup (text);
  g_strdelimit (flat, "\r\n", ' ');
  printf ("%s %s\n", kind, flat);
  fflush (stdout);
}

/* The f2fsignal @object is or is inside, or NULL; a new reference. */
static GstObject *
enclosing_signal (GstObject * object)
{
  GstObject *o = object ? gst_object_ref (object) : NULL;

  while (o) {
    GstElementFactory *factory = GST_IS_ELEMENT (o) ?
        gst_element_get_factory (GST_ELEMENT (o)) : NULL;
    GstObject *parent;
    if (factory && strcmp (GST_OBJECT_NAME (factory), "f2fsignal") == 0)
      return o;
    parent = gst_object_get_parent (o);
    gst_object_unref (o);
    o = parent;
  }
  return NULL;
}

/* A level element's message: the loudest channel's RMS (dB). */
static void
say_level (const GstStructure * s)
{
  const GValue *rms = gst_structure_get_value (s, "rms");
  gdouble loudest = -200;
  guint i;

  if (rms == NULL)
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS;
  if (G_VALUE_HOLDS (rms, G_TYPE_VALUE_ARRAY)) {
    GValueArray *a = g_value_get_boxed (rms);
    for (i = 0; a && i < a->n_values; i++)
      loudest = MAX (loudest, g_value_get_double (g_value_array_get_nth (a,
                  i)));
  }
  G_GNUC_END_IGNORE_DEPRECATIONS;
  printf ("level %.1f\n", loudest);
  fflush (stdout);
}

/* F2F_PEER_TOOL_TONES and F2F_PEER_TOOL_COLORS, parsed. */
static gdouble tones[16];
static guint n_tones;
static guint8 colors[16][3];
static guint n_colors;
static gint64 color_interval_us = 250000;

static void
parse_analysis_env (void)
{
  g_auto (GStrv) t = g_strsplit (g_getenv ("F2F_PEER_TOOL_TONES") ?
      g_getenv ("F2F_PEER_TOOL_TONES") : "", ",", -1);
  g_auto (GStrv) c = g_strsplit (g_getenv ("F2F_PEER_TOOL_COLORS") ?
      g_getenv ("F2F_PEER_TOOL_COLORS") : "", ",", -1);
  guint i;

  if (g_getenv ("F2F_PEER_TOOL_COLOR_MS"))
    color_interval_us = 1000 * atoi (g_getenv ("F2F_PEER_TOOL_COLOR_MS"));
  for (i = 0; t[i] && *t[i] && n_tones < G_N_ELEMENTS (tones); i++)
    tones[n_tones++] = g_ascii_strtod (t[i], NULL);
  for (i = 0; c[i] && strlen (c[i]) == 6 && n_colors < G_N_ELEMENTS (colors);
      i++) {
    guint32 v = (guint32) g_ascii_strtoull (c[i], NULL, 16);
    colors[n_colors][0] = v >> 16;
    colors[n_colors][1] = (v >> 8) & 0xff;
    colors[n_colors][2] = v & 0xff;
    n_colors++;
  }
}

/* The level of each tone: the loudest band within one band of it. */
static void
say_tones (const GstStructure * s)
{
  const GValue *mags = gst_structure_get_value (s, "magnitude");
  GString *line;
  guint n, i, rate = 48000;

  if (mags == NULL || n_tones == 0)
    return;
  n = gst_value_list_get_size (mags);
  if (n == 0)
    return;
  gst_structure_get_uint (s, "rate", &rate);
  line = g_string_new (NULL);
  {
    GstClockTime t = GST_CLOCK_TIME_NONE;
    gst_structure_get_clock_time (s, "running-time", &t);
    g_string_append_printf (line, "%" G_GINT64_FORMAT " ",
        GST_CLOCK_TIME_IS_VALID (t) ? (gint64) (t / GST_MSECOND) : -1);
  }
  for (i = 0; i < n_tones; i++) {
    gdouble band_hz = rate / 2.0 / n;
    gint center = (gint) (tones[i] / band_hz), b;
    gdouble best = -200;
    for (b = center - 1; b <= center + 1; b++) {
      if (b >= 0 && b < (gint) n) {
        gdouble v = g_value_get_float (gst_value_list_get_value (mags, b));
        best = MAX (best, v);
      }
    }
    g_string_append_printf (line, "%s%.1f", i ? " " : "", best);

  }
  say ("tones", line->str);
  g_string_free (line, TRUE);
}

/* Streaming thread of the vprobe fakesink. */
static void
vprobe_cb (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  static gint64 last_us;
  gint64 now = g_get_monotonic_time ();
  GstVideoInfo info;
  GstVideoFrame frame;
  GstCaps *caps;
  guint counts[16] = { 0, };
  GString *line;
  gint x, y;
  guint i;

  if (n_colors == 0 || now - last_us < color_interval_us)
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL || !gst_video_info_from_caps (&info, caps)
      || GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_RGB) {
    gst_clear_caps (&caps);
    return;
  }
  gst_caps_unref (caps);
  if (!gst_video_frame_map (&frame, &info, buf, GST_MAP_READ))
    return;
  last_us = now;
  for (y = 0; y < GST_VIDEO_INFO_HEIGHT (&info); y++) {
    const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame,
        0) + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    for (x = 0; x < GST_VIDEO_INFO_WIDTH (&info); x++) {
      const guint8 *px = row + 3 * x;
      for (i = 0; i < n_colors; i++)
        if (ABS (px[0] - colors[i][0]) < 60 && ABS (px[1] - colors[i][1]) < 60
            && ABS (px[2] - colors[i][2]) < 60)
          counts[i]++;
    }
  }
  gst_video_frame_unmap (&frame);
  line = g_string_new (NULL);
  g_string_append_printf (line, "%" G_GINT64_FORMAT " ",
      GST_BUFFER_PTS_IS_VALID (buf) ? (gint64) (GST_BUFFER_PTS (buf) /
          GST_MSECOND) : -1);
  for (i = 0; i < n_colors; i++)
    g_string_append_printf (line, "%u ", counts[i]);
  g_string_append_printf (line, "%d", GST_VIDEO_INFO_WIDTH (&info) *
      GST_VIDEO_INFO_HEIGHT (&info));
  say ("colors", line->str);
  g_string_free (line, TRUE);
}

static gboolean
bus_cb (GstBus * bus, GstMessage * message, gpointer data)
{
  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *s = gst_message_get_structure (message);
      if (s && gst_structure_has_name (s, "level")) {
        say_level (s);
      } else if (s && gst_structure_has_name (s, "spectrum")) {
        say_tones (s);
      } else if (s && g_str_has_prefix (gst_structure_get_name (s), "f2f-")) {
        g_autofree gchar *text = gst_structure_to_string (s);
        g_autoptr (GstObject) owner =
            enclosing_signal (GST_MESSAGE_SRC (message));
        /* "msg" alone for "s" and for elements outside any f2fsignal
         * (f2ffileshare, f2ftopology): what the tests parse. */
        if (owner && strcmp (GST_OBJECT_NAME (owner), "s") != 0) {
          g_autofree gchar *kind = g_strdup_printf ("msg@%s",
              GST_OBJECT_NAME (owner));
          say (kind, text);
        } else {
          say ("msg", text);
        }
      }
      break;
    }
    case GST_MESSAGE_PROGRESS:{
      const GstStructure *s = gst_message_get_structure (message);
      g_autofree gchar *text = gst_structure_to_string (s);
      say ("progress", text);
      break;
    }
    case GST_MESSAGE_WARNING:{
      g_autoptr (GError) err = NULL;
      g_autofree gchar *debug = NULL;
      gst_message_parse_warning (message, &err, &debug);
      say ("warning", err->message);
      break;
    }
    case GST_MESSAGE_ERROR:{
      g_autoptr (GError) err = NULL;
      g_autofree gchar *debug = NULL;
      g_autofree gchar *line = NULL;
      gst_message_parse_error (message, &err, &debug);
      line = g_strdup_printf ("%s (%s)", err->message, debug ? debug : "");
      say ("error", line);
      exit_code = 1;
      g_main_loop_quit (loop);
      break;
    }
    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC (message) == GST_OBJECT (pipeline)) {
        GstState new_state;
        gst_message_parse_state_changed (message, NULL, &new_state, NULL);
        if (new_state == GST_STATE_PLAYING)
          say ("playing", "");
      }
      break;
    case GST_MESSAGE_EOS:
      g_main_loop_quit (loop);
      break;
    case GST_MESSAGE_LATENCY:
      /* As gst-launch-1.0 and well-behaved applications do. */
      gst_bin_recalculate_latency (GST_BIN (pipeline));
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static GstF2fRoom *room;

static void
pad_added_cb (GstElement * element, GstPad * pad, gpointer data)
{
  say ("pad-added", GST_PAD_NAME (pad));
}

static void
pad_removed_cb (GstElement * element, GstPad * pad, gpointer data)
{
  say ("pad-removed", GST_PAD_NAME (pad));
}

static void
room_message_cb (GstF2fRoom * r, const gchar * peer, const gchar * channel,
    GBytes * data, gpointer user_data)
{
  g_autofree gchar *line = NULL;

  /* File chunks are binary and many. */
  if (strcmp (channel, GST_F2F_FILE_DATA_CHANNEL) == 0)
    return;
  line = g_strdup_printf ("%s %s %.*s", peer, channel,
      (int) g_bytes_get_size (data), (const gchar *) g_bytes_get_data (data,
          NULL));
  say ("room-message", line);
}

/* Finds the room the way a sibling element would: a context query. */
static GstF2fRoom *
get_room (void)
{
  GstElement *s;
  GstQuery *query;

  if (room)
    return room;
  s = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  if (s == NULL)
    return NULL;
  query = gst_query_new_context (GST_F2F_ROOM_CONTEXT_TYPE);
  if (gst_element_query (s, query)) {
    GstContext *context = NULL;
    gst_query_parse_context (query, &context);
    room = gst_f2f_room_context_get_room (context);
  }
  gst_query_unref (query);
  gst_object_unref (s);
  return room;
}

/* The "drops" command's parts: what one element tells, appended to
 * @answer (nothing when it is not of the kind). */
typedef void (*DescribeFunc) (GstElement * e, GString * answer);

/* an f2fcompositor's late samples */
static void
describe_drops (GstElement * e, GString * answer)
{
  g_autofree gchar *path = NULL;
  guint64 n = 0;

  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (e), "dropped-samples"))
    return;
  path = gst_object_get_path_string (GST_OBJECT (e));
  g_object_get (e, "dropped-samples", &n, NULL);
  g_string_append_printf (answer, " %s=%" G_GUINT64_FORMAT, path, n);
}

/* an aggregator's latency (an input later than that is dropped), how far
 * behind now its output is, its inputs and how many never had data */
static void
describe_aggregator (GstElement * e, GString * answer)
{
  GstClockTime latency, now, out;
  GstAggregatorPad *src;
  GstObject *parent;
  guint pads = 0, inactive = 0;
  GList *p;

  if (!GST_IS_AGGREGATOR (e))
    return;
  latency = gst_aggregator_get_latency (GST_AGGREGATOR (e));
  now = gst_element_get_current_running_time (e);
  src = GST_AGGREGATOR_PAD (GST_AGGREGATOR (e)->srcpad);
  GST_OBJECT_LOCK (src);
  out = gst_segment_to_running_time (&src->segment, GST_FORMAT_TIME,
      src->segment.position);
  GST_OBJECT_UNLOCK (src);
  GST_OBJECT_LOCK (e);
  for (p = e->sinkpads; p; p = p->next, pads++)
    if (gst_aggregator_pad_is_inactive (p->data))
      inactive++;
  GST_OBJECT_UNLOCK (e);
  parent = gst_object_get_parent (GST_OBJECT (e));
  g_string_append_printf (answer, " %s/%s=%" G_GINT64_FORMAT "@%"
      G_GINT64_FORMAT "/%u-%u", parent ? GST_OBJECT_NAME (parent) : "",
      GST_OBJECT_NAME (e), GST_CLOCK_TIME_IS_VALID (latency) ?
      (gint64) (latency / GST_MSECOND) : -1, GST_CLOCK_TIME_IS_VALID (now)
      && GST_CLOCK_TIME_IS_VALID (out) ? GST_CLOCK_DIFF (out,
          now) / GST_MSECOND : -1, pads, inactive);
  g_clear_object (&parent);
}

static gboolean
made_by (GstElement * e, const gchar * factory)
{
  GstElementFactory *f = gst_element_get_factory (e);

  return f && g_str_equal (GST_OBJECT_NAME (f), factory);
}

static guint64
stat_of (const GstStructure * stats, const gchar * field)
{
  guint64 v = 0;

  if (stats)
    gst_structure_get_uint64 (stats, field, &v);
  return v;
}

/* the webrtcbin ("webrtc-<peer id>") an element is in, if any */
static GstObject *
link_of (GstElement * e)
{
  GstObject *o = gst_object_get_parent (GST_OBJECT (e));

  while (o && !g_str_has_prefix (GST_OBJECT_NAME (o), "webrtc-")) {
    GstObject *up = gst_object_get_parent (o);
    gst_object_unref (o);
    o = up;
  }
  return o;
}

/* a jitterbuffer's packets pushed, declared lost and dropped late, under
 * the id of the peer its webrtcbin links to */
static void
describe_jitterbuffer (GstElement * e, GString * answer)
{
  GstStructure *stats = NULL;
  GstObject *o;

  if (!made_by (e, "rtpjitterbuffer"))
    return;
  o = link_of (e);
  g_object_get (e, "stats", &stats, NULL);
  g_string_append_printf (answer, " %s/%s=%" G_GUINT64_FORMAT "/%"
      G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, o ? GST_OBJECT_NAME (o) + 7 :
      "?", GST_OBJECT_NAME (e), stat_of (stats, "num-pushed"),
      stat_of (stats, "num-lost"), stat_of (stats, "num-late"));
  if (stats)
    gst_structure_free (stats);
  g_clear_object (&o);
}

/* an Opus decoder's gaps, concealed samples and output position, with the
 * running time now */
static void
describe_opusdec (GstElement * e, GString * answer)
{
  GstStructure *stats = NULL;
  gint64 pos = -1;
  GstPad *src;

  if (!made_by (e, "opusdec"))
    return;
  src = gst_element_get_static_pad (e, "src");
  g_object_get (e, "stats", &stats, NULL);
  gst_pad_query_position (src, GST_FORMAT_TIME, &pos);
  g_string_append_printf (answer, " %s=gaps:%" G_GUINT64_FORMAT ",plc:%"
      G_GUINT64_FORMAT ",pos:%" G_GINT64_FORMAT ",now:%" G_GINT64_FORMAT,
      GST_OBJECT_NAME (e), stat_of (stats, "num-gap"), stat_of (stats,
          "plc-num-samples"), pos / (gint64) GST_MSECOND,
      (gint64) (gst_element_get_current_running_time (e) / GST_MSECOND));
  if (stats)
    gst_structure_free (stats);
  gst_object_unref (src);
}

/* A video depayloader's keyframe requests (request-keyframe: sent
 * upstream when loss broke a frame) and how long each took to be answered:
 * from the first request since the last keyframe to the next keyframe it
 * depayloads, what a viewer sees as a broken picture. */
typedef struct
{
  GMutex lock;
  guint requests;
  gint64 pending_us;            /* the first request not answered (0: none) */
  GArray *heals_ms;             /* gint64 each, oldest first */
} Heals;

#define MAX_HEALS 1000

static void
heals_free (gpointer data)
{
  Heals *h = data;

  g_mutex_clear (&h->lock);
  g_array_unref (h->heals_ms);
  g_free (h);
}

static GstPadProbeReturn
heals_request (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Heals *h = data;

  if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info))) {
    g_mutex_lock (&h->lock);
    h->requests++;
    if (h->pending_us == 0)
      h->pending_us = g_get_monotonic_time ();
    g_mutex_unlock (&h->lock);
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
heals_keyframe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Heals *h = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (buffer && !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT)) {
    g_mutex_lock (&h->lock);
    if (h->pending_us > 0 && h->heals_ms->len < MAX_HEALS) {
      gint64 ms = (g_get_monotonic_time () - h->pending_us) / 1000;
      g_array_append_val (h->heals_ms, ms);
    }
    h->pending_us = 0;
    g_mutex_unlock (&h->lock);
  }
  return GST_PAD_PROBE_OK;
}

static void
deep_element_added_cb (GstBin * bin, GstBin * sub, GstElement * e,
    gpointer data)
{
  Heals *h;
  GstPad *sink, *src;

  if (!made_by (e, "rtpvp8depay") && !made_by (e, "rtph264depay"))
    return;
  h = g_new0 (Heals, 1);
  g_mutex_init (&h->lock);
  h->heals_ms = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_object_set_data_full (G_OBJECT (e), "f2f-peer-tool-heals", h, heals_free);
  sink = gst_element_get_static_pad (e, "sink");
  src = gst_element_get_static_pad (e, "src");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, heals_request,
      h, NULL);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, heals_keyframe, h, NULL);
  gst_object_unref (sink);
  gst_object_unref (src);
}

/* The webrtcbin a receiving branch is fed by (f2fsignal's receiver makes
 * its branches beside the webrtcbins, not in them): up its sink pads. */
static GstObject *
link_upstream_of (GstElement * e)
{
  GstElement *up = gst_object_ref (e);
  guint hops;

  for (hops = 0; up && hops < 8; hops++) {
    GstPad *sink, *peer;
    GstElement *next = NULL;

    if (g_str_has_prefix (GST_OBJECT_NAME (up), "webrtc-"))
      return GST_OBJECT (up);
    sink = gst_element_get_static_pad (up, "sink");
    peer = sink ? gst_pad_get_peer (sink) : NULL;
    /* (a ghost pad's parent is the bin it leads out of) */
    if (peer)
      next = gst_pad_get_parent_element (peer);
    g_clear_object (&peer);
    g_clear_object (&sink);
    gst_object_unref (up);
    up = next;
  }
  g_clear_object (&up);
  return NULL;
}

static void
describe_heals (GstElement * e, GString * answer)
{
  Heals *h = g_object_get_data (G_OBJECT (e), "f2f-peer-tool-heals");
  GstObject *o;
  guint i;

  if (h == NULL)
    return;
  o = link_upstream_of (e);
  g_mutex_lock (&h->lock);
  g_string_append_printf (answer, " %s/%u/", o ? GST_OBJECT_NAME (o) + 7 :
      "?", h->requests);
  for (i = 0; i < h->heals_ms->len; i++)
    g_string_append_printf (answer, "%s%" G_GINT64_FORMAT, i ? "," : "",
        g_array_index (h->heals_ms, gint64, i));
  g_mutex_unlock (&h->lock);
  g_clear_object (&o);
}

/* @func on every element of the pipeline, however deep */
static void
describe_each (DescribeFunc func, GString * answer)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue v = G_VALUE_INIT;

  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    func (g_value_get_object (&v), answer);
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
}

static void
read_line_cb (GObject * source, GAsyncResult * res, gpointer data)
{
  GDataInputStream *in = G_DATA_INPUT_STREAM (source);
  g_autofree gchar *line = NULL;
  gsize len;

  line = g_data_input_stream_read_line_finish_utf8 (in, res, &len, NULL);
  if (line == NULL)
    return;                     /* end of input: keep running */
  if (g_str_has_prefix (line, "chat ")) {
    GstElement *s = gst_bin_get_by_name (GST_BIN (pipeline), "s");
    gboolean sent = FALSE;
    if (s) {
      g_signal_emit_by_name (s, "send-chat", line + 5, &sent);
      gst_object_unref (s);
    }
    say ("chat-sent", sent ? "yes" : "no");
  } else if (g_str_has_prefix (line, "topology")) {
    GstElement *s = gst_bin_get_by_name (GST_BIN (pipeline), "s");
    gboolean ok = FALSE;
    const gchar *mixers = line[8] == ' ' ? line + 9 : "";
    if (s) {
      g_signal_emit_by_name (s, "propose-topology", mixers, &ok);
      gst_object_unref (s);
    }
    say ("proposed", ok ? "yes" : "no");
  } else if (strcmp (line, "elect") == 0) {
    /* f2felection's action signal, on the element named "election" */
    GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), "election");
    gboolean ok = FALSE;
    if (e) {
      g_signal_emit_by_name (e, "elect", &ok);
      gst_object_unref (e);
    }
    say ("elect", ok ? "yes" : "no");
  } else if (g_str_has_prefix (line, "send ")) {
    g_auto (GStrv) words = g_strsplit (line + 5, " ", 3);
    GstF2fRoom *r = get_room ();
    gboolean sent = FALSE;
    if (r && g_strv_length (words) == 3) {
      g_autoptr (GBytes) bytes = g_bytes_new (words[2], strlen (words[2]));
      sent = gst_f2f_room_send (r, words[0], words[1], bytes);
    }
    say ("sent", sent ? "yes" : "no");
  } else if (g_str_has_prefix (line, "share ")) {
    g_auto (GStrv) words = g_strsplit (line + 6, " ", 2);
    GstElement *f = gst_bin_get_by_name (GST_BIN (pipeline), "f");
    g_autofree gchar *id = NULL;
    g_autofree gchar *name = words[0] && words[1] ?
        g_strcompress (words[1]) : NULL;
    if (f && words[0]) {
      g_signal_emit_by_name (f, "share-file", words[0], name, &id);
    }
    g_clear_object (&f);
    say ("shared", id ? id : "none");
  } else if (strcmp (line, "list") == 0) {
    GstElement *f = gst_bin_get_by_name (GST_BIN (pipeline), "f");
    GstStructure *files = NULL;
    g_autofree gchar *text = NULL;
    if (f)
      g_signal_emit_by_name (f, "list-files", &files);
    g_clear_object (&f);
    text = files ? gst_structure_to_string (files) : g_strdup ("none");
    if (files)
      gst_structure_free (files);
    say ("files", text);
  } else if (g_str_has_prefix (line, "sample ")) {
    GstF2fRoom *r = get_room ();
    GstF2fLinkSample sample = { 0, };
    g_autofree gchar *answer = NULL;
    /* May block up to a few seconds on a link going down. */
    if (r && gst_f2f_room_sample_link (r, line + 7, &sample))
      answer = g_strdup_printf ("%s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
          line + 7, sample.bytes_sent, sample.bytes_received);
    else
      answer = g_strdup_printf ("%s none", line + 7);
    gst_f2f_link_sample_clear (&sample);
    say ("sample", answer);
  } else if (g_str_has_prefix (line, "break-link ")) {
    /* An error from deep inside the webrtcbin of the link to a peer, as
     * sctpenc posts when an association breaks. */
    GstElement *s = gst_bin_get_by_name (GST_BIN (pipeline), "s");
    g_autofree gchar *name = g_strdup_printf ("webrtc-%s", line + 11);
    GstElement *w = s ? gst_bin_get_by_name (GST_BIN (s), name) : NULL;
    GstElement *inner = NULL;
    if (w) {
      GstIterator *it = gst_bin_iterate_recurse (GST_BIN (w));
      GValue v = G_VALUE_INIT;
      if (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
        inner = g_value_dup_object (&v);
        g_value_unset (&v);
      }
      gst_iterator_free (it);
    }
    if (inner) {
      GError *err = g_error_new_literal (GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_WRITE, "injected: the association broke");
      gst_element_post_message (inner, gst_message_new_error (GST_OBJECT
              (inner), err, "f2f-peer-tool break-link"));
      g_error_free (err);
    }
    say ("broken", inner ? "yes" : "no");
    g_clear_object (&inner);
    g_clear_object (&w);
    g_clear_object (&s);
  } else if (strcmp (line, "drops") == 0) {
    GString *answer = g_string_new (NULL);
    static const struct
    {
      const gchar *title;
      DescribeFunc func;
    } parts[] = {
      {NULL, describe_drops}, {"latency", describe_aggregator},
      {"jitterbuffers", describe_jitterbuffer}, {"opus", describe_opusdec},
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (parts); i++) {
      if (parts[i].title)
        g_string_append_printf (answer, " %s", parts[i].title);
      describe_each (parts[i].func, answer);
    }
    say ("drops", g_strstrip (answer->str));
    g_string_free (answer, TRUE);
  } else if (strcmp (line, "heals") == 0) {
    GString *answer = g_string_new (NULL);

    describe_each (describe_heals, answer);
    say ("heals", answer->len ? answer->str + 1 : "");
    g_string_free (answer, TRUE);
  } else if (g_str_has_prefix (line, "dot ")) {
    g_autofree gchar *dot = gst_debug_bin_to_dot_data (GST_BIN (pipeline),
        GST_DEBUG_GRAPH_SHOW_ALL);
    say ("dotted", g_file_set_contents (line + 4, dot, -1, NULL) ? "yes" :
        "no");
  } else if (strcmp (line, "quit") == 0) {
    g_main_loop_quit (loop);
    return;
  }
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL,
      read_line_cb, NULL);
}

/* With F2F_PEER_TOOL_STACKS set, a critical prints the raising thread's
 * stack on stderr (exported symbols only), to find whose call it was.
 * Not gdb: attaching freezes the whole peer for seconds under load, which
 * looked exactly like the stalls being hunted. */
static void
print_stack (void)
{
  void *frames[48];
  int n = backtrace (frames, G_N_ELEMENTS (frames));

  g_printerr ("*** stack of f2f-peer-tool %d at a critical:\n",
      (gint) getpid ());
  backtrace_symbols_fd (frames, n, STDERR_FILENO);
}

/* With F2F_PEER_TOOL_STACKS set, a crash prints the crashing thread's
 * stack, then every thread's by gdb (the peer is dying: freezing it costs
 * nothing), then dies of the same signal. A CI run lost a peer to SIGSEGV
 * with nothing on stderr. Everything the handler needs is made at start;
 * in the handler only async-signal-safe calls, but backtrace(), which is
 * loaded at start so that it does not allocate. */
static char crash_pid[16];

static void
crash_handler (int sig)
{
  static const char head[] = "*** f2f-peer-tool crashed; the crashing "
      "thread:\n";
  void *frames[48];
  int n = backtrace (frames, G_N_ELEMENTS (frames));
  pid_t child;

  if (write (STDERR_FILENO, head, sizeof (head) - 1) < 0)
    _exit (128 + sig);
  backtrace_symbols_fd (frames, n, STDERR_FILENO);
  child = fork ();
  if (child == 0) {
    dup2 (STDERR_FILENO, STDOUT_FILENO);
    execlp ("gdb", "gdb", "-batch", "-nx", "-p", crash_pid, "-ex",
        "thread apply all bt", (char *) NULL);
    _exit (127);
  } else if (child > 0) {
    waitpid (child, NULL, 0);
  }
  /* (SA_RESETHAND: the default action now) */
  raise (sig);
}

static void
catch_crashes (void)
{
  static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
  struct sigaction sa;
  void *frame[1];
  guint i;

  if (!g_getenv ("F2F_PEER_TOOL_STACKS"))
    return;
  backtrace (frame, 1);
  g_snprintf (crash_pid, sizeof (crash_pid), "%d", (gint) getpid ());
  /* gdb, our child, may trace us even where Yama's ptrace_scope is 1 */
  prctl (PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  memset (&sa, 0, sizeof (sa));
  sa.sa_handler = crash_handler;
  sa.sa_flags = SA_RESETHAND | SA_NODEFER;
  sigemptyset (&sa.sa_mask);
  for (i = 0; i < G_N_ELEMENTS (sigs); i++)
    sigaction (sigs[i], &sa, NULL);
}

static void
log_handler (const gchar * domain, GLogLevelFlags level, const gchar * text,
    gpointer data)
{
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
    g_autofree gchar *line = g_strdup_printf ("%s: %s", domain ? domain : "",
        text);
    say ("critical", line);
    if ((level & G_LOG_LEVEL_CRITICAL) && g_getenv ("F2F_PEER_TOOL_STACKS"))
      print_stack ();
  }
  g_log_default_handler (domain, level, text, data);
}

static gboolean
signal_cb (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) stdin_stream = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  GstBus *bus;

#ifdef HAVE_LIBCRYPTO
  /* As in the tests (tests/check/integration/f2froomtest.c): no OpenSSL
   * clean-up at exit, which races with GStreamer threads that are ending. */
  OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL);
#endif
  g_log_set_default_handler (log_handler, NULL);
  g_log_set_handler (NULL, G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING,
      log_handler, NULL);
  gst_init (&argc, &argv);
  /* (after gst_init, which may set its own SIGSEGV handler) */
  catch_crashes ();
  if (argc < 2) {
    g_printerr ("usage: %s PIPELINE-DESCRIPTION...\n", argv[0]);
    return 2;
  }
  pipeline = gst_parse_launchv ((const gchar **) argv + 1, &error);
  if (pipeline == NULL) {
    say ("error", error->message);
    return 1;
  }
  loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (pipeline, "deep-element-added",
      G_CALLBACK (deep_element_added_cb), NULL);
  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, bus_cb, NULL);
  gst_object_unref (bus);

  stdin_stream = g_unix_input_stream_new (0, FALSE);
  in = g_data_input_stream_new (stdin_stream);
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL,
      read_line_cb, NULL);
  g_unix_signal_add (SIGINT, signal_cb, NULL);
  g_unix_signal_add (SIGTERM, signal_cb, NULL);

  if (get_room ())
    g_signal_connect (room, "message", G_CALLBACK (room_message_cb), NULL);
  parse_analysis_env ();
  {
    GstElement *v = gst_bin_get_by_name (GST_BIN (pipeline), "vprobe");
    if (v) {
      g_signal_connect (v, "handoff", G_CALLBACK (vprobe_cb), NULL);
      gst_object_unref (v);
    }
  }
  {
    GstElement *s = gst_bin_get_by_name (GST_BIN (pipeline), "s");
    if (s) {
      g_signal_connect (s, "pad-added", G_CALLBACK (pad_added_cb), NULL);
      g_signal_connect (s, "pad-removed", G_CALLBACK (pad_removed_cb), NULL);
      gst_object_unref (s);
    }
  }

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    /* the error message on the bus says why */
    exit_code = 1;
  }
  g_main_loop_run (loop);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (room) {
    g_signal_handlers_disconnect_by_func (room, room_message_cb, NULL);
    gst_object_unref (room);
  }
  gst_object_unref (pipeline);
  g_main_loop_unref (loop);
  say ("exited", exit_code ? "1" : "0");
  return exit_code;
}
