/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The floor under f2ffileshare's throughput: a file sent over plain
 * webrtcbin data channels, two webrtcbins in one process, offer and answer
 * handed over in-process, trickle ICE on 127.0.0.1. No signaling server,
 * no room, no JSON.
 *
 * It does what f2ffileshare does on the wire and on disk, and nothing
 * else:
 *
 * - the same chunks: a 16-byte header ("F2FC", transfer u32 BE, offset
 *   u64 BE) and at most 65520 bytes read from the file with pread(), so
 *   each message is at most 65536 bytes, on ordered reliable channels;
 * - the same backpressure: a sender sends while its channel's
 *   buffered-amount is under --window and otherwise waits for
 *   on-buffered-amount-low, whose threshold is window / 2;
 * - the same receiving: each chunk is written with pwrite() into a hidden
 *   partial file in --out and hashed with GChecksum SHA-256; when the last
 *   byte is in, the file is fsync()ed, its digest compared with the
 *   source's, closed and renamed into place (renameat2 RENAME_NOREPLACE).
 *
 * The clock starts when the receiver sends its one-line request (on the
 * first channel, the way f2ffileshare's receiver asks its source on the
 * control channel) and stops when the verified file has its name. The
 * connection, the channels and the source's SHA-256 are all made before.
 *
 * --channels K splits the file into K contiguous ranges sent on K channels
 * of the one connection at once; --connections M makes M webrtcbin pairs
 * (M SCTP associations, as when fetching from several sources) with K
 * channels each. With more than one range, the SHA-256 is computed by a
 * thread that follows the written prefix of the file (reading it back from
 * the page cache), since a digest has to see the bytes in order.
 * --hash thread does that for a single range too; by default a single
 * range is hashed in the receive callback, as f2ffileshare does.
 *
 * Output on stdout, one line per event:
 *
 *   ready                      gst_init done, source hashed
 *   connected ms=...           every channel open on both sides
 *   result bytes=... seconds=... mb_per_s=... first_send_seconds=...
 *          first_byte_seconds=... transfer_seconds=... cpu_seconds=...
 *          sha256=... verified=yes|no window=... channels=...
 *          connections=... hash=inline|thread waits=... timeouts=...
 *   failed <why>
 *
 * (seconds from the request; MB = 10^6 bytes; transfer_seconds is up to
 * the last byte written, before fsync and the last hashing; cpu_seconds
 * is this process's user + system time over the timed interval.)
 *
 * Run it inside `unshare -n` with lo up (see docs/performance.md).
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "benchutil.h"

#define CHUNK_MESSAGE_MAX 65536
#define CHUNK_HEADER 16
#define CHUNK_PAYLOAD (CHUNK_MESSAGE_MAX - CHUNK_HEADER)
/* The sender's safety net, like f2ffileshare's: should a low-water notice
 * be missed, look again after this long. Counted as "timeouts". */
#define LOW_WAIT_MS 50
#define HASH_BLOCK (1024 * 1024)

typedef struct _Conn Conn;

typedef struct
{
  guint index;
  Conn *conn;
  gchar *label;
  GstWebRTCDataChannel *tx;     /* the offerer's end: sends */
  GstWebRTCDataChannel *rx;     /* the answerer's end: receives */
  guint64 start, end;           /* the byte range it carries */
  GThread *thread;

  /* sender flow control */
  GMutex lock;
  GCond cond;
  guint low_gen;                /* protected by lock */
  guint waits, timeouts;        /* sender thread only */

  /* receive side: protected by bench.lock */
  guint64 recv_pos;
} Stream;

struct _Conn
{
  guint index;
  BenchPair pair;               /* offerer and answerer */
};

typedef struct
{
  /* options */
  gchar *file, *out_dir;
  guint64 bytes;
  guint64 window;
  gint channels, connections;
  gboolean hash_thread;
  gint timeout_s;
  gboolean keep;

  GMainLoop *loop;
  GstElement *pipeline;
  Conn *conns;
  Stream *streams;
  guint n_streams;
  int src_fd;
  gchar *src_sha256;

  int out_fd;
  gchar *part_path, *final_path;

  /* Lock order: bench.lock, then nothing else. */
  GMutex lock;
  GCond cond;
  /* protected by lock */
  guint64 received;
  gchar *error;
  gboolean done, verified;
  gint64 first_byte_us, transfer_us, done_us;
  gchar *digest;
  gdouble cpu_seconds;

  /* hash position: the hasher (inline: the receive callback) only */
  GChecksum *sum;
  guint64 hash_pos;

  gint64 request_us;            /* set before the request, read after */
  gint first_send_taken;        /* atomic: the first sender sets ... */
  gint64 first_send_us;         /* ... this, read after the end */
  gdouble cpu_start;
  gboolean sending;             /* offerer's thread only */
} Bench;

static Bench bench = {
  .window = 2 * 1024 * 1024,
  .channels = 1,
  .connections = 1,
  .timeout_s = 300,
  .src_fd = -1,
  .out_fd = -1,
};

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (bench.loop);
  return G_SOURCE_REMOVE;
}

static void
bench_fail (const gchar * format, ...)
{
  va_list args;

  g_mutex_lock (&bench.lock);
  if (bench.error == NULL) {
    va_start (args, format);
    bench.error = g_strdup_vprintf (format, args);
    va_end (args);
  }
  g_cond_broadcast (&bench.cond);
  g_mutex_unlock (&bench.lock);
  g_idle_add (quit_cb, NULL);
}

static gboolean
failed (void)
{
  gboolean f;

  g_mutex_lock (&bench.lock);
  f = bench.error != NULL;
  g_mutex_unlock (&bench.lock);
  return f;
}

/* ---------------------------------------------------------------------- */
/* Receiving */

/* The last hashed byte is in: what f2ffileshare's download_finish does,
 * in the same order. */
static void
finish (void)
{
  const gchar *digest = g_checksum_get_string (bench.sum);
  gboolean ok = strcmp (digest, bench.src_sha256) == 0;
  gint64 now;

  if (fsync (bench.out_fd) != 0) {
    bench_fail ("fsync: %s", g_strerror (errno));
    return;
  }
  close (bench.out_fd);
  bench.out_fd = -1;
  if (ok && renameat2 (AT_FDCWD, bench.part_path, AT_FDCWD,
          bench.final_path, RENAME_NOREPLACE) != 0) {
    bench_fail ("rename to %s: %s", bench.final_path, g_strerror (errno));
    return;
  }
  now = g_get_monotonic_time ();
  g_mutex_lock (&bench.lock);
  bench.done_us = now;
  bench.cpu_seconds = bench_self_cpu () - bench.cpu_start;
  bench.digest = g_strdup (digest);
  bench.verified = ok;
  bench.done = TRUE;
  g_mutex_unlock (&bench.lock);
  g_idle_add (quit_cb, NULL);
}

static gboolean
write_all (int fd, const guint8 * data, gsize length, guint64 offset)
{
  gsize done = 0;

  while (done < length) {
    ssize_t n = pwrite (fd, data + done, length - done, offset + done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    done += n;
  }
  return TRUE;
}

static void
on_rx_data (GstWebRTCDataChannel * channel, GBytes * data, Stream * st)
{
  gsize size = 0;
  const guint8 *p = data ? g_bytes_get_data (data, &size) : NULL;
  guint32 transfer;
  guint64 offset, length;
  gboolean complete = FALSE;

  if (p == NULL || size < CHUNK_HEADER || memcmp (p, "F2FC", 4) != 0) {
    bench_fail ("stream %u: a malformed chunk", st->index);
    return;
  }
  transfer = GST_READ_UINT32_BE (p + 4);
  offset = GST_READ_UINT64_BE (p + 8);
  length = size - CHUNK_HEADER;
  /* Only this callback moves recv_pos: reading it unlocked is safe. */
  if (transfer != st->index + 1 || offset != st->recv_pos
      || length > st->end - offset) {
    bench_fail ("stream %u: chunk at %" G_GUINT64_FORMAT " unexpected, "
        "wanted %" G_GUINT64_FORMAT, st->index, offset, st->recv_pos);
    return;
  }
  if (!write_all (bench.out_fd, p + CHUNK_HEADER, length, offset)) {
    bench_fail ("pwrite: %s", g_strerror (errno));
    return;
  }
  if (!bench.hash_thread) {
    g_checksum_update (bench.sum, p + CHUNK_HEADER, length);
    bench.hash_pos += length;
  }

  g_mutex_lock (&bench.lock);
  if (bench.first_byte_us == 0)
    bench.first_byte_us = g_get_monotonic_time ();
  st->recv_pos += length;
  bench.received += length;
  if (bench.received == bench.bytes) {
    bench.transfer_us = g_get_monotonic_time ();
    complete = !bench.hash_thread;
  }
  g_cond_broadcast (&bench.cond);
  g_mutex_unlock (&bench.lock);
  if (complete)
    finish ();
}

/* How far the file is written without a gap from @pos on; bench.lock
 * held. Ranges are contiguous, in stream order. */
static guint64
written_from_locked (guint64 pos)
{
  for (guint i = 0; i < bench.n_streams; i++) {
    Stream *st = &bench.streams[i];
    if (pos >= st->start && pos < st->end)
      return st->recv_pos;
  }
  return pos;
}

static gpointer
hash_thread (gpointer data)
{
  g_autofree guint8 *buf = g_malloc (HASH_BLOCK);

  while (bench.hash_pos < bench.bytes) {
    guint64 avail = 0;
    gsize want;

    g_mutex_lock (&bench.lock);
    while (bench.error == NULL
        && (avail = written_from_locked (bench.hash_pos)) <= bench.hash_pos)
      g_cond_wait (&bench.cond, &bench.lock);
    g_mutex_unlock (&bench.lock);
    if (failed ())
      return NULL;
    want = MIN (avail - bench.hash_pos, HASH_BLOCK);
    if (pread (bench.out_fd, buf, want, bench.hash_pos) != (ssize_t) want) {
      bench_fail ("reading back the partial file: %s", g_strerror (errno));
      return NULL;
    }
    g_checksum_update (bench.sum, buf, want);
    bench.hash_pos += want;
  }
  finish ();
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Sending */

static void
on_buffered_amount_low (GstWebRTCDataChannel * channel, Stream * st)
{
  g_mutex_lock (&st->lock);
  st->low_gen++;
  g_cond_signal (&st->cond);
  g_mutex_unlock (&st->lock);
}

static gpointer
sender_thread (gpointer data)
{
  Stream *st = data;
  guint64 pos = st->start;

  while (pos < st->end && !failed ()) {
    guint64 buffered = 0;
    gsize length;
    guint8 *msg;
    gsize got = 0;
    guint gen;
    g_autoptr (GBytes) bytes = NULL;
    g_autoptr (GError) error = NULL;

    /* The generation is read before the amount: a notice that comes in
     * between is not waited for. */
    g_mutex_lock (&st->lock);
    gen = st->low_gen;
    g_mutex_unlock (&st->lock);
    g_object_get (st->tx, "buffered-amount", &buffered, NULL);
    if (buffered >= bench.window) {
      gint64 until = g_get_monotonic_time () +
          LOW_WAIT_MS * G_TIME_SPAN_MILLISECOND;
      st->waits++;
      g_mutex_lock (&st->lock);
      while (st->low_gen == gen) {
        if (!g_cond_wait_until (&st->cond, &st->lock, until)) {
          st->timeouts++;
          break;
        }
      }
      g_mutex_unlock (&st->lock);
      continue;
    }

    length = MIN (CHUNK_PAYLOAD, st->end - pos);
    msg = g_malloc (CHUNK_HEADER + length);
    memcpy (msg, "F2FC", 4);
    GST_WRITE_UINT32_BE (msg + 4, st->index + 1);
    GST_WRITE_UINT64_BE (msg + 8, pos);
    while (got < length) {
      ssize_t n = pread (bench.src_fd, msg + CHUNK_HEADER + got,
          length - got, pos + got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        g_free (msg);
        bench_fail ("reading %s: %s", bench.file,
            n < 0 ? g_strerror (errno) : "short file");
        return NULL;
      }
      got += n;
    }
    bytes = g_bytes_new_take (msg, CHUNK_HEADER + length);
    if (g_atomic_int_compare_and_exchange (&bench.first_send_taken, 0, 1))
      bench.first_send_us = g_get_monotonic_time ();
    if (!gst_webrtc_data_channel_send_data_full (st->tx, bytes, &error)) {
      bench_fail ("send on %s: %s", st->label,
          error ? error->message : "failed");
      return NULL;
    }
    pos += length;
  }
  return NULL;
}

/* The receiver's request, on the offerer's end of the first channel. */
static void
on_tx_string (GstWebRTCDataChannel * channel, const gchar * text,
    gpointer user_data)
{
  if (g_strcmp0 (text, "request") != 0 || bench.sending)
    return;
  bench.sending = TRUE;
  for (guint i = 0; i < bench.n_streams; i++) {
    Stream *st = &bench.streams[i];
    st->thread = g_thread_new ("sender", sender_thread, st);
  }
}

/* ---------------------------------------------------------------------- */
/* Connecting */

static void
on_data_channel (GstElement * webrtc, GstWebRTCDataChannel * channel, Conn * c)
{
  g_autofree gchar *label = NULL;

  g_object_get (channel, "label", &label, NULL);
  for (guint i = 0; i < bench.n_streams; i++) {
    Stream *st = &bench.streams[i];
    if (st->conn == c && strcmp (st->label, label) == 0) {
      g_signal_connect (channel, "on-message-data", G_CALLBACK (on_rx_data),
          st);
      g_mutex_lock (&bench.lock);
      st->rx = g_object_ref (channel);
      g_mutex_unlock (&bench.lock);
      return;
    }
  }
}

static GstElement *
make_webrtc (Conn * c, const gchar * role)
{
  g_autofree gchar *name = g_strdup_printf ("%s%u", role, c->index);
  GstElement *webrtc = gst_element_factory_make ("webrtcbin", name);

  if (webrtc == NULL) {
    g_printerr ("datachannel-baseline: no webrtcbin\n");
    exit (1);
  }
  gst_util_set_object_arg (G_OBJECT (webrtc), "bundle-policy", "max-bundle");
  gst_bin_add (GST_BIN (bench.pipeline), webrtc);
  bench_configure_ice (webrtc);
  return webrtc;
}

/* A BenchFailFunc */
static void
conn_fail (gpointer data, const gchar * why)
{
  Conn *c = data;

  bench_fail ("connection %u: %s", c->index, why);
}

static gboolean
all_open (void)
{
  gboolean open = TRUE;

  g_mutex_lock (&bench.lock);
  for (guint i = 0; i < bench.n_streams && open; i++) {
    Stream *st = &bench.streams[i];
    GstWebRTCDataChannelState tx = 0, rx = 0;
    if (st->rx == NULL) {
      open = FALSE;
      break;
    }
    g_object_get (st->tx, "ready-state", &tx, NULL);
    g_object_get (st->rx, "ready-state", &rx, NULL);
    open = tx == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN
        && rx == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN;
  }
  g_mutex_unlock (&bench.lock);
  return open;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
connect_all (gint timeout_ms)
{
  gint64 t0 = g_get_monotonic_time ();
  gint64 deadline = t0 + (gint64) timeout_ms * 1000;
  guint tick;
  gboolean ok;

  for (gint i = 0; i < bench.connections; i++) {
    Conn *c = &bench.conns[i];
    bench_pair_start (&c->pair);
  }
  tick = g_timeout_add (5, wake_cb, NULL);
  while (!(ok = all_open ()) && !failed ()
      && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  if (ok) {
    printf ("connected ms=%.1f\n", (g_get_monotonic_time () - t0) / 1000.0);
    fflush (stdout);
  }
  return ok;
}

/* ---------------------------------------------------------------------- */

static gboolean
hash_source (void)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (HASH_BLOCK);
  guint64 done = 0;

  while (done < bench.bytes) {
    ssize_t n = pread (bench.src_fd, buf, MIN (HASH_BLOCK,
            bench.bytes - done), done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    g_checksum_update (sum, buf, n);
    done += n;
  }
  bench.src_sha256 = g_strdup (g_checksum_get_string (sum));
  return TRUE;
}

static gboolean
deadline_cb (gpointer data)
{
  bench_fail ("timed out after %d s", bench.timeout_s);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *hash_mode = NULL;
  g_autofree gchar *final_name = NULL;
  gint64 window = bench.window;
  gint64 bytes = 0;
  GOptionEntry entries[] = {
    {"file", 'f', 0, G_OPTION_ARG_FILENAME, &bench.file,
        "The file to send (required)", "PATH"},
    {"bytes", 'n', 0, G_OPTION_ARG_INT64, &bytes,
        "Send only its first N bytes (default: all of it)", "N"},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &bench.out_dir,
          "Directory the received file goes to (default: the source's)",
        "DIR"},
    {"window", 'w', 0, G_OPTION_ARG_INT64, &window,
        "Bytes a channel may hold unsent before its sender waits "
          "(default 2097152, f2ffileshare's default)", "BYTES"},
    {"channels", 'k', 0, G_OPTION_ARG_INT, &bench.channels,
        "Channels per connection, each carrying its own contiguous range "
          "(default 1)", "K"},
    {"connections", 'm', 0, G_OPTION_ARG_INT, &bench.connections,
        "webrtcbin pairs (SCTP associations) (default 1)", "M"},
    {"hash", 0, 0, G_OPTION_ARG_STRING, &hash_mode,
        "inline: hash in the receive callback (one range only, default "
          "then); thread: a thread follows the written prefix", "MODE"},
    {"timeout", 't', 0, G_OPTION_ARG_INT, &bench.timeout_s,
        "Give up after this many seconds (default 300)", "S"},
    {"keep", 0, 0, G_OPTION_ARG_NONE, &bench.keep,
        "Keep the received file", NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- file transfer "
      "over plain webrtcbin data channels");
  g_autoptr (GError) error = NULL;
  struct stat st;
  guint64 range;
  gboolean connected;

  gst_init (&argc, &argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("datachannel-baseline: %s\n", error->message);
    return 2;
  }
  if (bench.file == NULL || bench.channels < 1 || bench.connections < 1
      || window < 1 || bytes < 0) {
    g_printerr ("datachannel-baseline: --file is required; --channels, "
        "--connections and --window must be positive\n");
    return 2;
  }
  bench.window = window;
  bench.n_streams = bench.channels * bench.connections;
  bench.hash_thread = bench.n_streams > 1 || g_strcmp0 (hash_mode,
      "thread") == 0;
  if (hash_mode && strcmp (hash_mode, "thread") != 0
      && strcmp (hash_mode, "inline") != 0) {
    g_printerr ("datachannel-baseline: --hash is inline or thread\n");
    return 2;
  }
  if (g_strcmp0 (hash_mode, "inline") == 0 && bench.n_streams > 1) {
    g_printerr ("datachannel-baseline: --hash inline needs a single range\n");
    return 2;
  }

  bench.src_fd = open (bench.file, O_RDONLY | O_CLOEXEC);
  if (bench.src_fd < 0 || fstat (bench.src_fd, &st) != 0) {
    g_printerr ("datachannel-baseline: %s: %s\n", bench.file,
        g_strerror (errno));
    return 1;
  }
  bench.bytes = bytes ? MIN ((guint64) bytes, (guint64) st.st_size) :
      (guint64) st.st_size;
  if (bench.bytes == 0 || bench.bytes < bench.n_streams) {
    g_printerr ("datachannel-baseline: nothing to send\n");
    return 1;
  }
  if (!hash_source ()) {
    g_printerr ("datachannel-baseline: cannot read %s\n", bench.file);
    return 1;
  }
  if (bench.out_dir == NULL)
    bench.out_dir = g_path_get_dirname (bench.file);
  bench.part_path = g_strdup_printf ("%s/.baseline-%d.part", bench.out_dir,
      (int) getpid ());
  final_name = g_strdup_printf ("baseline-%d-received.bin", (int) getpid ());
  bench.final_path = g_build_filename (bench.out_dir, final_name, NULL);
  bench.out_fd = open (bench.part_path, O_RDWR | O_CREAT | O_TRUNC |
      O_CLOEXEC | O_NOFOLLOW, 0666);
  if (bench.out_fd < 0) {
    g_printerr ("datachannel-baseline: %s: %s\n", bench.part_path,
        g_strerror (errno));
    return 1;
  }
  bench.sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_mutex_init (&bench.lock);
  g_cond_init (&bench.cond);
  printf ("ready\n");
  fflush (stdout);

  bench.loop = g_main_loop_new (NULL, FALSE);
  bench.pipeline = gst_pipeline_new (NULL);
  bench.conns = g_new0 (Conn, bench.connections);
  bench.streams = g_new0 (Stream, bench.n_streams);
  for (gint i = 0; i < bench.connections; i++) {
    Conn *c = &bench.conns[i];
    GstElement *offerer, *answerer;

    c->index = i;
    offerer = make_webrtc (c, "offerer");
    answerer = make_webrtc (c, "answerer");
    bench_pair_init (&c->pair, offerer, answerer, conn_fail, c);
    g_signal_connect (c->pair.answerer, "on-data-channel",
        G_CALLBACK (on_data_channel), c);
  }
  gst_element_set_state (bench.pipeline, GST_STATE_PLAYING);

  /* Contiguous ranges, a whole number of chunks each where possible. */
  range = bench.bytes / bench.n_streams;
  if (range > CHUNK_PAYLOAD)
    range -= range % CHUNK_PAYLOAD;
  for (guint i = 0; i < bench.n_streams; i++) {
    Stream *s = &bench.streams[i];
    s->index = i;
    s->conn = &bench.conns[i / bench.channels];
    s->label = g_strdup_printf ("f2f-file-data-%u", i % bench.channels);
    s->start = s->recv_pos = i * range;
    s->end = i + 1 == bench.n_streams ? bench.bytes : (i + 1) * range;
    g_mutex_init (&s->lock);
    g_cond_init (&s->cond);
    g_signal_emit_by_name (s->conn->pair.offerer, "create-data-channel",
        s->label, NULL, &s->tx);
    if (s->tx == NULL) {
      g_printerr ("datachannel-baseline: create-data-channel failed\n");
      return 1;
    }
    g_object_set (s->tx, "buffered-amount-low-threshold",
        (guint64) MAX (bench.window / 2, 1), NULL);
    g_signal_connect (s->tx, "on-buffered-amount-low",
        G_CALLBACK (on_buffered_amount_low), s);
  }
  g_signal_connect (bench.streams[0].tx, "on-message-string",
      G_CALLBACK (on_tx_string), NULL);

  connected = connect_all (30000);
  if (connected) {
    GThread *hasher = NULL;
    guint deadline;

    if (bench.hash_thread)
      hasher = g_thread_new ("hasher", hash_thread, NULL);
    deadline = g_timeout_add_seconds (bench.timeout_s, deadline_cb, NULL);
    bench.cpu_start = bench_self_cpu ();
    bench.request_us = g_get_monotonic_time ();
    if (!gst_webrtc_data_channel_send_string_full (bench.streams[0].rx,
            "request", &error))
      bench_fail ("request: %s", error ? error->message : "failed");
    else
      g_main_loop_run (bench.loop);
    g_source_remove (deadline);
    if (hasher) {
      g_mutex_lock (&bench.lock);
      if (!bench.done && bench.error == NULL)
        bench.error = g_strdup ("stopped");
      g_cond_broadcast (&bench.cond);
      g_mutex_unlock (&bench.lock);
      g_thread_join (hasher);
    }
  } else if (!failed ()) {
    bench_fail ("the channels did not open");
  }
  if (!bench.done && bench.error == NULL)
    bench.error = g_strdup ("stopped");
  /* Senders see the error or are done. */
  for (guint i = 0; i < bench.n_streams; i++)
    if (bench.streams[i].thread)
      g_thread_join (bench.streams[i].thread);

  g_mutex_lock (&bench.lock);
  if (bench.done) {
    gdouble seconds = (bench.done_us - bench.request_us) / 1e6;
    guint waits = 0, timeouts = 0;

    for (guint i = 0; i < bench.n_streams; i++) {
      waits += bench.streams[i].waits;
      timeouts += bench.streams[i].timeouts;
    }
    printf ("result bytes=%" G_GUINT64_FORMAT " seconds=%.4f "
        "mb_per_s=%.2f first_send_seconds=%.4f first_byte_seconds=%.4f "
        "transfer_seconds=%.4f cpu_seconds=%.3f sha256=%s verified=%s "
        "window=%" G_GUINT64_FORMAT " channels=%d connections=%d hash=%s "
        "waits=%u timeouts=%u\n", bench.bytes, seconds,
        bench.bytes / seconds / 1e6,
        (bench.first_send_us - bench.request_us) / 1e6,
        (bench.first_byte_us - bench.request_us) / 1e6,
        (bench.transfer_us - bench.request_us) / 1e6, bench.cpu_seconds,
        bench.digest, bench.verified ? "yes" : "no", bench.window,
        bench.channels, bench.connections,
        bench.hash_thread ? "thread" : "inline", waits, timeouts);
  } else {
    printf ("failed %s\n", bench.error);
  }
  fflush (stdout);
  g_mutex_unlock (&bench.lock);

  gst_element_set_state (bench.pipeline, GST_STATE_NULL);
  for (guint i = 0; i < bench.n_streams; i++) {
    Stream *s = &bench.streams[i];
    gst_object_unref (s->tx);
    g_clear_object (&s->rx);
    g_free (s->label);
    g_mutex_clear (&s->lock);
    g_cond_clear (&s->cond);
  }
  gst_object_unref (bench.pipeline);
  g_main_loop_unref (bench.loop);
  g_checksum_free (bench.sum);
  if (bench.out_fd >= 0)
    close (bench.out_fd);
  g_unlink (bench.part_path);
  if (!bench.keep)
    g_unlink (bench.final_path);
  return bench.done && bench.verified ? 0 : 1;
}
