/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "benchutil.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <gst/sdp/sdp.h>

void
bench_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

gchar *
bench_start_server (const gchar * tool, const gchar * path,
    GSubprocess ** proc)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = NULL;
  const gchar *marker;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, bench_child_setup, NULL,
      NULL);
  /* --port 0: the system picks a free port, the server prints it. */
  *proc = g_subprocess_launcher_spawn (launcher, &error, path, "--port", "0",
      "--address", "127.0.0.1", "--db", ":memory:",
      "--max-connections-per-ip", "0", "--join-rate", "0", "--log-level",
      "warning", NULL);
  if (*proc == NULL) {
    g_printerr ("%s: cannot start the server: %s\n", tool, error->message);
    exit (1);
  }
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  marker = line ? strstr (line, " listening on ") : NULL;
  if (marker == NULL) {
    g_printerr ("%s: the server did not start\n", tool);
    g_subprocess_force_exit (*proc);
    exit (1);
  }
  return g_strdup (marker + strlen (" listening on "));
}

GstWebRTCSessionDescription *
bench_take_description (GstPromise * promise, const gchar * field)
{
  GstWebRTCSessionDescription *desc = NULL;
  const GstStructure *reply;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED
      && (reply = gst_promise_get_reply (promise)) != NULL)
    gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
        &desc, NULL);
  gst_promise_unref (promise);
  return desc;
}

GstWebRTCSessionDescription *
bench_copy_via_text (GstWebRTCSessionDescription * desc)
{
  g_autofree gchar *text = gst_sdp_message_as_text (desc->sdp);
  GstSDPMessage *sdp = NULL;

  if (gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK)
    return NULL;
  return gst_webrtc_session_description_new (desc->type, sdp);
}

static void
pair_answer_created (GstPromise * promise, gpointer user_data)
{
  BenchPair *pair = user_data;
  GstWebRTCSessionDescription *answer =
      bench_take_description (promise, "answer");
  GstWebRTCSessionDescription *copy = NULL;

  if (answer == NULL) {
    pair->fail (pair->fail_data, "no answer");
    return;
  }
  if (pair->answer_via_text && (copy = bench_copy_via_text (answer)) == NULL) {
    gst_webrtc_session_description_free (answer);
    pair->fail (pair->fail_data, "the answer did not survive SDP text");
    return;
  }
  g_signal_emit_by_name (pair->answerer, "set-local-description", answer, NULL);
  g_signal_emit_by_name (pair->offerer, "set-remote-description",
      copy ? copy : answer, NULL);
  if (copy)
    gst_webrtc_session_description_free (copy);
  gst_webrtc_session_description_free (answer);
}

static void
pair_offer_created (GstPromise * promise, gpointer user_data)
{
  BenchPair *pair = user_data;
  GstWebRTCSessionDescription *offer, *copy;

  offer = bench_take_description (promise, "offer");
  if (offer == NULL) {
    pair->fail (pair->fail_data, "no offer");
    return;
  }
  copy = bench_copy_via_text (offer);
  if (copy == NULL) {
    gst_webrtc_session_description_free (offer);
    pair->fail (pair->fail_data, "the offer did not survive SDP text");
    return;
  }
  g_signal_emit_by_name (pair->offerer, "set-local-description", offer, NULL);
  g_signal_emit_by_name (pair->answerer, "set-remote-description", copy,
      bench_answer_when_set (pair->answerer, pair_answer_created, pair));
  gst_webrtc_session_description_free (copy);
  gst_webrtc_session_description_free (offer);
}

static void
pair_ice_candidate (GstElement * webrtc, guint mline, const gchar * candidate,
    BenchPair * pair)
{
  GstElement *other = webrtc == pair->offerer ? pair->answerer : pair->offerer;

  g_signal_emit_by_name (other, "add-ice-candidate", mline, candidate);
}

void
bench_pair_init (BenchPair * pair, GstElement * offerer,
    GstElement * answerer, BenchFailFunc fail, gpointer fail_data)
{
  BenchPair init = { offerer, answerer, FALSE, fail, fail_data };

  *pair = init;
}

void
bench_pair_start (BenchPair * pair)
{
  g_signal_connect (pair->offerer, "on-ice-candidate",
      G_CALLBACK (pair_ice_candidate), pair);
  g_signal_connect (pair->answerer, "on-ice-candidate",
      G_CALLBACK (pair_ice_candidate), pair);
  g_signal_emit_by_name (pair->offerer, "create-offer", NULL,
      gst_promise_new_with_change_func (pair_offer_created, pair, NULL));
}

typedef struct
{
  GstElement *webrtc;
  GstPromiseChangeFunc on_answer;
  gpointer data;
} AnswerWhenSet;

static void
offer_set (GstPromise * promise, gpointer user_data)
{
  AnswerWhenSet *a = user_data;

  g_signal_emit_by_name (a->webrtc, "create-answer", NULL,
      gst_promise_new_with_change_func (a->on_answer, a->data, NULL));
  /* Last: @a goes with the promise. */
  gst_promise_unref (promise);
}

GstPromise *
bench_answer_when_set (GstElement * webrtc, GstPromiseChangeFunc on_answer,
    gpointer data)
{
  AnswerWhenSet a = { webrtc, on_answer, data };

  return gst_promise_new_with_change_func (offer_set, g_memdup2 (&a, sizeof a),
      g_free);
}

gboolean
bench_pad_is_audio (GstPad * pad)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const gchar *media = NULL;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps && gst_caps_get_size (caps) > 0)
    media = gst_structure_get_string (gst_caps_get_structure (caps, 0),
        "media");
  return g_strcmp0 (media, "audio") == 0;
}

void
bench_configure_ice (GstElement * webrtc)
{
  GObject *ice = NULL, *agent = NULL;
  gboolean ok = FALSE;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  g_object_set (ice, "ice-tcp", FALSE, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL);
  g_object_unref (agent);
  g_signal_emit_by_name (ice, "add-local-ip-address", "127.0.0.1", &ok);
  g_object_unref (ice);
}

gint
bench_cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

gdouble
bench_percentile (GArray * values, gdouble p)
{
  g_autoptr (GArray) v = NULL;
  guint i;

  if (values->len == 0)
    return -1;
  v = g_array_sized_new (FALSE, FALSE, sizeof (gdouble), values->len);
  g_array_append_vals (v, values->data, values->len);
  g_array_sort (v, bench_cmp_double);
  i = (guint) (p / 100.0 * (v->len - 1) + 0.5);
  return g_array_index (v, gdouble, MIN (i, v->len - 1));
}

void
bench_add_probe (GstElement * element, const gchar * pad_name,
    GstPadProbeCallback cb, gpointer data)
{
  GstPad *pad = gst_element_get_static_pad (element, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, cb, data, NULL);
  gst_object_unref (pad);
}

gdouble
bench_median (GArray * values)
{
  g_autoptr (GArray) v = NULL;
  guint n = values->len;

  if (n == 0)
    return -1;
  v = g_array_sized_new (FALSE, FALSE, sizeof (gdouble), n);
  g_array_append_vals (v, values->data, n);
  g_array_sort (v, bench_cmp_double);
  return n % 2 ? g_array_index (v, gdouble, n / 2) :
      (g_array_index (v, gdouble, n / 2 - 1) +
      g_array_index (v, gdouble, n / 2)) / 2;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
bench_wait_for (BenchPredicate pred, gpointer data, gint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  /* wakes the loop so that the deadline is seen without other events */
  guint tick = g_timeout_add (20, wake_cb, NULL);
  gboolean ok;

  while (!(ok = pred (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return ok;
}

static void read_next (BenchChild * child);

static void
line_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  BenchChild *child = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autofree gchar *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM
      (source), res, NULL, NULL);
  if (line == NULL) {
    child->eof = TRUE;
    return;
  }
  child->on_line (child, line, now);
  read_next (child);
}

static void
read_next (BenchChild * child)
{
  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, NULL,
      line_cb, child);
}

static void
exited_cb (GObject * source, GAsyncResult * res, gpointer user_data)
{
  BenchChild *child = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  child->exited = TRUE;
}

void
bench_child_watch (BenchChild * child, BenchLineFunc on_line)
{
  child->on_line = on_line;
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe
      (child->proc));
  child->in = g_object_ref (g_subprocess_get_stdin_pipe (child->proc));
  read_next (child);
  g_subprocess_wait_async (child->proc, NULL, exited_cb, child);
}

gboolean
bench_child_gone (gpointer data)
{
  BenchChild *child = data;

  return child->exited && child->eof;
}

gboolean
bench_child_quit (BenchChild * child, gint timeout_ms)
{
  if (!child->exited) {
    g_output_stream_write_all (child->in, "quit\n", 5, NULL, NULL, NULL);
    g_output_stream_flush (child->in, NULL, NULL);
  }
  if (bench_wait_for (bench_child_gone, child, timeout_ms))
    return TRUE;
  g_subprocess_force_exit (child->proc);
  return bench_wait_for (bench_child_gone, child, timeout_ms);
}

void
bench_child_clear (BenchChild * child)
{
  g_clear_object (&child->proc);
  g_clear_object (&child->out);
  g_clear_object (&child->in);
}

GSubprocessLauncher *
bench_child_launcher (gboolean show_stderr)
{
  GSubprocessLauncher *launcher;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDIN_PIPE | (show_stderr ? 0 :
          G_SUBPROCESS_FLAGS_STDERR_SILENCE));
  g_subprocess_launcher_set_child_setup (launcher, bench_child_setup, NULL,
      NULL);
  return launcher;
}

void
bench_child_spawn (BenchChild * child, GSubprocessLauncher * launcher,
    GPtrArray * argv, const gchar * tool, const gchar * name,
    BenchLineFunc on_line)
{
  g_autoptr (GError) error = NULL;

  child->proc = g_subprocess_launcher_spawnv (launcher,
      (const gchar * const *) argv->pdata, &error);
  if (child->proc == NULL) {
    g_printerr ("%s: cannot start %s: %s\n", tool, name, error->message);
    exit (1);
  }
  bench_child_watch (child, on_line);
}

void
bench_child_finish (BenchChild * child, const gchar * tool, const gchar * name)
{
  /* Reaped (exited) and read to the end: no callback is pending. */
  if (!bench_child_gone (child)) {
    g_printerr ("%s: %s would not go away\n", tool, name);
    exit (1);
  }
  bench_child_clear (child);
}

void
bench_add_f2fsignal (GPtrArray * argv, const gchar * element,
    const gchar * server_uri, const gchar * room, const gchar * display_name)
{
  g_ptr_array_add (argv, g_strdup ("f2fsignal"));
  g_ptr_array_add (argv, g_strdup_printf ("name=%s", element));
  g_ptr_array_add (argv, g_strdup_printf ("server-uri=%s", server_uri));
  g_ptr_array_add (argv, g_strdup_printf ("room=%s", room));
  g_ptr_array_add (argv, g_strdup_printf ("display-name=%s", display_name));
  g_ptr_array_add (argv, g_strdup ("local-addresses=127.0.0.1"));
}

gdouble
bench_process_cpu (GSubprocess * proc)
{
  const gchar *pid = g_subprocess_get_identifier (proc);
  g_autofree gchar *path = NULL, *text = NULL;
  g_auto (GStrv) fields = NULL;
  const gchar *after;

  if (pid == NULL)
    return -1;
  path = g_strdup_printf ("/proc/%s/stat", pid);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  /* The command name may hold spaces and parentheses: count from the last
   * ')'. Fields after it start at 3 (state); utime is 14, stime 15. */
  after = strrchr (text, ')');
  if (after == NULL)
    return -1;
  fields = g_strsplit (after + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12],
          NULL)) / sysconf (_SC_CLK_TCK);
}

gdouble
bench_self_cpu (void)
{
  struct rusage ru;

  /* RUSAGE_SELF covers every thread of the process. */
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
bench_pause_ms (gint ms)
{
  bench_wait_for (never, NULL, ms);
}

gdouble
bench_result_field (const gchar * line, const gchar * key)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);
  gsize len = strlen (key);
  guint i;

  for (i = 0; words[i]; i++)
    if (strncmp (words[i], key, len) == 0 && words[i][len] == '=')
      return g_ascii_strtod (words[i] + len + 1, NULL);
  return -1;
}

void
bench_print_load (void)
{
  g_autofree gchar *load = NULL;

  g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);
  g_print ("loadavg %s", load ? load : "?\n");
}

static gpointer
watchdog_func (gpointer data)
{
  g_autofree gchar *pid = g_strdup_printf ("%d", (gint) getpid ());
  const gchar *argv[] = { "gdb", "-nx", "-batch", "-p", pid,
    "-ex", "set print frame-arguments none",
    "-ex", "thread apply all bt 25", NULL
  };

  g_usleep (GPOINTER_TO_UINT (data) * G_USEC_PER_SEC);
  g_printerr ("\n*** still running after %u s; its threads:\n",
      GPOINTER_TO_UINT (data));
  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, NULL, NULL))
    g_printerr ("*** (gdb could not be run)\n");
  return NULL;
}

void
bench_watchdog_start (guint after_s)
{
  if (after_s == 0)
    return;
  /* gdb is our child: let it trace us where Yama asks for that */
  prctl (PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  g_thread_unref (g_thread_new ("watchdog", watchdog_func,
          GUINT_TO_POINTER (after_s)));
}
