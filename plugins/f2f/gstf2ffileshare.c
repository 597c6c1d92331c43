/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-f2ffileshare
 * @title: f2ffileshare
 * @short_description: share files with the room over data channels
 *
 * f2ffileshare finds the room of the f2fsignal in the same pipeline through
 * the "f2f.room" GstContext, so it has no pads. It shares the files it is
 * given (property #GstF2fFileShare:files, action signal `share-file`) and
 * receives the files the others share into #GstF2fFileShare:download-dir,
 * following the #GstF2fFileShare:accept policy.
 *
 * A shared file is read once through SHA-256 and announced by a manifest
 * (id, name, size, SHA-256, media type, sharer); whoever holds a complete
 * copy announces it too, so a receiver can continue from another holder
 * when its source leaves. Chunks of at most 64 KiB go on their own data
 * channel, and no more than #GstF2fFileShare:window bytes wait in a link's
 * send queue, so memory stays bounded whatever the file's size and chat
 * (on the control channel) is not held back. A receiver writes into a
 * hidden partial file next to the destination, checks the SHA-256 and
 * renames it into place without overwriting anything; after a restart it
 * resumes from the bytes already on disk.
 *
 * Bus messages, all readable with `gst-launch-1.0 -m`:
 *
 * - `GST_MESSAGE_PROGRESS` for each transfer (code `f2f-download` or
 *   `f2f-upload`; start, continue, complete, canceled, error) with the
 *   extra fields `file-id`, `name`, `peer`, `bytes`, `total`.
 * - `f2f-file-shared` (id, name, path, size, sha256, media-type): a local
 *   file is ready to be fetched.
 * - `f2f-file-offered` (id, name, remote-name, size, sha256, media-type,
 *   sharer, sharer-name, from, fetch): a file offered by the room; `name`
 *   is the safe local name, `fetch` whether the accept policy fetches it.
 * - `f2f-file-received` (id, name, path, size, sha256, source,
 *   resumed-from, bytes-received, seconds).
 * - `f2f-file-sent` (id, name, peer, offset, bytes): a transfer to a peer
 *   handed its last byte to the link.
 * - `f2f-file-failed` (id, name, reason).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m f2fsignal server-uri=ws://127.0.0.1:8443/ws room=demo \
 *     f2ffileshare files="<\"/tmp/slides.pdf\">"
 * gst-launch-1.0 -m f2fsignal server-uri=ws://127.0.0.1:8443/ws room=demo \
 *     f2ffileshare download-dir=/tmp/incoming
 * ]|
 *
 * Locking: self->lock guards the properties, the room and the worker's
 * context. Everything else (files, transfers, queues) belongs to the
 * worker thread and is only touched there. Room signals arrive on other
 * threads and are passed to the worker as events. Never call into the room
 * or post a message while holding self->lock.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gst/f2f/f2f.h>

#include "gstf2felements.h"
#include "gstf2ffileshare.h"
#include "f2ffilestore.h"
#include "f2fworker.h"

GST_DEBUG_CATEGORY_STATIC (f2f_file_share_debug);
#define GST_CAT_DEFAULT f2f_file_share_debug

#define DEFAULT_ACCEPT GST_F2F_FILE_ACCEPT_ALL
#define DEFAULT_ACCEPT_SIZE (100 * 1024 * 1024)
#define DEFAULT_MAX_FILE_SIZE 0
#define DEFAULT_MAX_RATE 0
#define DEFAULT_WINDOW (2 * 1024 * 1024)
#define DEFAULT_STALL_TIMEOUT 10000

/* How often queued control messages are retried (a link's channels open
 * some time after it connects) and transfers are checked for stalls. */
#define TICK_MS 100
/* When a link's queue is full the channel-low signal wakes the pump; this
 * is only the safety net should a notice be missed. */
#define PUMP_RETRY_MS 50
#define PROGRESS_INTERVAL_US (250 * G_TIME_SPAN_MILLISECOND)

#define FS_LOCK(s) g_mutex_lock (&(s)->lock)
#define FS_UNLOCK(s) g_mutex_unlock (&(s)->lock)

typedef enum
{
  FILE_HASHING,                 /* ours, being read through SHA-256 */
  FILE_OFFERED,                 /* someone else's, not fetched */
  FILE_DOWNLOADING,
  FILE_HELD,                    /* a complete copy is here */
  FILE_FAILED,
} FileState;

static const gchar *const state_names[] = {
  "hashing", "offered", "downloading", "held", "failed"
};

typedef struct _SharedFile SharedFile;

typedef struct
{
  gchar *source;                /* peer id, NULL while waiting for one */
  guint32 transfer;
  F2fPartial *partial;          /* the bytes so far, on disk */
  guint64 received;             /* bytes received in this session */
  gint64 started_us;
  gint64 last_data_us;
  gint64 last_progress_us;
} Download;

struct _SharedFile
{
  GstF2fFileManifest *m;
  gchar *safe_name;             /* the local name for a remote file */
  FileState state;
  gboolean ours;
  gchar *path;                  /* where the held copy is */
  guint64 mtime;                /* of the held copy, to notice changes */
  GHashTable *holders;          /* remote peer ids that hold a copy */
  GHashTable *bad_holders;      /* … that failed us for this file */
  Download *dl;
  gchar *reason;                /* why it failed */
};

typedef struct
{
  gchar *peer;
  guint32 transfer;
  gchar *file_id;
  gchar *name;
  int fd;
  guint64 start;
  guint64 offset;
  guint64 size;
  gint64 last_progress_us;
} Upload;

struct _GstF2fFileShare
{
  GstElement parent;

  GMutex lock;
  /* protected by lock */
  GPtrArray *share_paths;       /* the files property */
  gchar *download_dir;
  GstF2fFileAccept accept;
  guint64 accept_size;
  guint64 max_file_size;
  guint64 max_rate;
  guint window;
  guint stall_timeout;
  GstF2fRoom *room;
  GMainContext *ctx;            /* the worker's, while it runs */

  F2fWorker *worker;            /* READY→PAUSED until PAUSED→READY */

  /* worker thread only */
  GHashTable *files;            /* id → SharedFile */
  GPtrArray *uploads;           /* Upload */
  GHashTable *outbox;           /* peer id → GQueue of gchar* JSON */
  guint32 next_transfer;
  GSource *tick;
  GSource *pump;
  gint64 pump_at_us;
  gdouble rate_tokens;
  gint64 rate_refill_us;
  guint hashing;
  GCancellable *cancellable;
};

enum
{
  PROP_0,
  PROP_FILES,
  PROP_DOWNLOAD_DIR,
  PROP_ACCEPT,
  PROP_ACCEPT_SIZE,
  PROP_MAX_FILE_SIZE,
  PROP_MAX_RATE,
  PROP_WINDOW,
  PROP_STALL_TIMEOUT,
};

enum
{
  SIGNAL_SHARE_FILE,
  SIGNAL_UNSHARE_FILE,
  SIGNAL_FETCH_FILE,
  SIGNAL_CANCEL_FILE,
  SIGNAL_LIST_FILES,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define GST_TYPE_F2F_FILE_ACCEPT (gst_f2f_file_accept_get_type ())
static GType
gst_f2f_file_accept_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_F2F_FILE_ACCEPT_ALL, "Fetch every file offered", "all"},
    {GST_F2F_FILE_ACCEPT_NONE, "Fetch only on request (fetch-file)", "none"},
    {GST_F2F_FILE_ACCEPT_UP_TO_SIZE, "Fetch files up to accept-size bytes",
        "up-to-size"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstF2fFileAccept",
            values));
  return type;
}

G_DEFINE_TYPE_WITH_CODE (GstF2fFileShare, gst_f2f_file_share,
    GST_TYPE_ELEMENT, GST_DEBUG_CATEGORY_INIT (f2f_file_share_debug,
        "f2ffileshare", 0, "f2f file sharing"));
GST_ELEMENT_REGISTER_DEFINE (f2ffileshare, "f2ffileshare", GST_RANK_NONE,
    GST_TYPE_F2F_FILE_SHARE);

/* ---------------------------------------------------------------------- */
/* Small helpers */

static GstF2fRoom *
dup_room (GstF2fFileShare * self)
{
  GstF2fRoom *room;

  FS_LOCK (self);
  room = self->room ? gst_object_ref (self->room) : NULL;
  FS_UNLOCK (self);
  return room;
}

static gchar *
dup_download_dir (GstF2fFileShare * self)
{
  gchar *dir;

  FS_LOCK (self);
  dir = g_strdup (self->download_dir);
  FS_UNLOCK (self);
  if (dir == NULL) {
    const gchar *xdg = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
    dir = xdg ? g_strdup (xdg) : g_build_filename (g_get_home_dir (),
        "Downloads", NULL);
  }
  return dir;
}

static void
download_free (Download * dl)
{
  if (dl == NULL)
    return;
  f2f_partial_free (dl->partial);
  g_free (dl->source);
  g_free (dl);
}

static guint64
download_offset (Download * dl)
{
  return dl->partial ? f2f_partial_get_offset (dl->partial) : 0;
}

static void
shared_file_free (SharedFile * f)
{
  gst_f2f_file_manifest_free (f->m);
  g_free (f->safe_name);
  g_free (f->path);
  g_hash_table_unref (f->holders);
  g_hash_table_unref (f->bad_holders);
  download_free (f->dl);
  g_free (f->reason);
  g_free (f);
}

static SharedFile *
shared_file_new (void)
{
  SharedFile *f = g_new0 (SharedFile, 1);

  f->holders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->bad_holders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  return f;
}

static void
upload_free (Upload * u)
{
  if (u->fd >= 0)
    close (u->fd);
  g_free (u->peer);
  g_free (u->file_id);
  g_free (u->name);
  g_free (u);
}

static const gchar *
display_name (SharedFile * f)
{
  return f->safe_name ? f->safe_name : f->m->name;
}

static void
post_element (GstF2fFileShare * self, GstStructure * s)
{
  gst_element_post_message (GST_ELEMENT_CAST (self),
      gst_message_new_element (GST_OBJECT_CAST (self), s));
}

static void
post_progress (GstF2fFileShare * self, GstProgressType type,
    const gchar * code, const gchar * file_id, const gchar * name,
    const gchar * peer, guint64 bytes, guint64 total, const gchar * text)
{
  GstMessage *msg;
  gint percent = total ? (gint) (bytes * 100 / total) : 100;

  msg = gst_message_new_progress (GST_OBJECT_CAST (self), type, code, text);
  gst_structure_set (gst_message_writable_structure (msg),
      "percent", G_TYPE_INT, percent,
      "file-id", G_TYPE_STRING, file_id,
      "name", G_TYPE_STRING, name,
      "peer", G_TYPE_STRING, peer ? peer : "",
      "bytes", G_TYPE_UINT64, bytes, "total", G_TYPE_UINT64, total, NULL);
  gst_element_post_message (GST_ELEMENT_CAST (self), msg);
}

static void
post_failed (GstF2fFileShare * self, SharedFile * f, const gchar * reason)
{
  GST_WARNING_OBJECT (self, "%s: %s", display_name (f), reason);
  post_element (self, gst_structure_new ("f2f-file-failed",
          "id", G_TYPE_STRING, f->m->id,
          "name", G_TYPE_STRING, display_name (f),
          "reason", G_TYPE_STRING, reason, NULL));
}

/* ---------------------------------------------------------------------- */
/* Control messages: queued per peer, in order, until the link's channel
 * takes them (it opens a moment after the link connects). */

static void
flush_outbox (GstF2fFileShare * self, GstF2fRoom * room, const gchar * peer,
    GQueue * queue)
{
  gchar *json;

  while ((json = g_queue_peek_head (queue))) {
    /* A copy: the channel may still read it after this returns. */
    g_autoptr (GBytes) bytes = g_bytes_new (json, strlen (json));
    if (!gst_f2f_room_send (room, peer, GST_F2F_FILES_CHANNEL, bytes))
      break;
    g_free (g_queue_pop_head (queue));
  }
}

static void
send_control (GstF2fFileShare * self, const gchar * peer, gchar * json)
{
  g_autoptr (GstF2fRoom) room = dup_room (self);
  GQueue *queue = g_hash_table_lookup (self->outbox, peer);

  if (queue == NULL) {
    queue = g_queue_new ();
    g_hash_table_insert (self->outbox, g_strdup (peer), queue);
  }
  g_queue_push_tail (queue, json);
  if (room)
    flush_outbox (self, room, peer, queue);
}

static void
queue_free (gpointer data)
{
  g_queue_free_full (data, g_free);
}

static gchar *
offer_json (GstF2fFileShare * self, SharedFile * f)
{
  /* Our own shares name us as sharer; we may only learn our id once the
   * room is joined, after the file was hashed. */
  if (f->ours && f->m->sharer == NULL) {
    g_autoptr (GstF2fRoom) room = dup_room (self);
    if (room) {
      f->m->sharer = gst_f2f_room_dup_local_id (room);
      f->m->sharer_name = gst_f2f_room_dup_local_name (room);
    }
    if (f->m->sharer == NULL)
      return NULL;
  }
  return gst_f2f_file_message_offer (f->m);
}

/* Tells @peer (NULL: everyone) about every file held here. */
static void
announce_held (GstF2fFileShare * self, const gchar * peer, SharedFile * only)
{
  g_autoptr (GstF2fRoom) room = dup_room (self);
  g_auto (GStrv) peers = NULL;
  GHashTableIter iter;
  SharedFile *f;

  if (room == NULL)
    return;
  peers = peer ? g_strdupv ((gchar *[]) { (gchar *) peer, NULL })
      : gst_f2f_room_list_peers (room);
  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & f)) {
    g_autofree gchar *json = NULL;

    if (f->state != FILE_HELD || (only && f != only))
      continue;
    json = offer_json (self, f);
    for (guint i = 0; json && peers[i]; i++)
      send_control (self, peers[i], g_strdup (json));
  }
}

/* ---------------------------------------------------------------------- */
/* Downloads */

static void start_download (GstF2fFileShare * self, SharedFile * f);

/* Ends @f's download with @reason; the partial file goes when @remove. */
static void
download_fail (GstF2fFileShare * self, SharedFile * f, const gchar * reason,
    gboolean remove)
{
  Download *dl = f->dl;

  if (dl) {
    if (dl->source)
      send_control (self, dl->source,
          gst_f2f_file_message_cancel (dl->transfer, reason));
    if (remove && dl->partial)
      f2f_partial_discard (dl->partial);
    post_progress (self, GST_PROGRESS_TYPE_ERROR, "f2f-download", f->m->id,
        display_name (f), dl->source, download_offset (dl), f->m->size,
        reason);
    download_free (dl);
    f->dl = NULL;
  }
  f->state = FILE_FAILED;
  g_free (f->reason);
  f->reason = g_strdup (reason);
  post_failed (self, f, reason);
}

/* The holder to fetch from, among those whose offers have come: the
 * sharer if it is one of them (it has had the file longest), else any
 * other, never one that failed us for this file. A download starts on the
 * first offer, so it may well start from another holder. */
static gchar *
pick_source (SharedFile * f)
{
  g_autofree gpointer *keys = NULL;
  guint n;
  gchar *best = NULL;

  if (f->m->sharer && g_hash_table_contains (f->holders, f->m->sharer)
      && !g_hash_table_contains (f->bad_holders, f->m->sharer))
    return g_strdup (f->m->sharer);
  keys = g_hash_table_get_keys_as_array (f->holders, &n);
  for (guint i = 0; i < n; i++) {
    if (g_hash_table_contains (f->bad_holders, keys[i]))
      continue;
    if (best == NULL || strcmp (keys[i], best) < 0)
      best = keys[i];
  }
  return g_strdup (best);
}

static void
request_from_next (GstF2fFileShare * self, SharedFile * f)
{
  Download *dl = f->dl;
  g_autofree gchar *text = NULL;

  g_clear_pointer (&dl->source, g_free);
  dl->source = pick_source (f);
  if (dl->source == NULL && g_hash_table_size (f->bad_holders) > 0) {
    /* Everyone failed once: give them all another chance. */
    g_hash_table_remove_all (f->bad_holders);
    dl->source = pick_source (f);
  }
  if (dl->source == NULL) {
    post_progress (self, GST_PROGRESS_TYPE_CONTINUE, "f2f-download",
        f->m->id, display_name (f), NULL, download_offset (dl), f->m->size,
        "waiting for a peer that holds the file");
    return;
  }
  dl->transfer = ++self->next_transfer;
  dl->last_data_us = g_get_monotonic_time ();
  GST_INFO_OBJECT (self, "fetching %s from %s at %" G_GUINT64_FORMAT,
      f->m->id, dl->source, download_offset (dl));
  send_control (self, dl->source, gst_f2f_file_message_request (f->m->id,
          download_offset (dl), dl->transfer));
  text = g_strdup_printf ("receiving '%s' from %s", display_name (f),
      dl->source);
  post_progress (self, GST_PROGRESS_TYPE_CONTINUE, "f2f-download", f->m->id,
      display_name (f), dl->source, download_offset (dl), f->m->size, text);
}

static void
download_finish (GstF2fFileShare * self, SharedFile * f)
{
  Download *dl = f->dl;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  gdouble seconds;
  struct stat st;

  path = f2f_partial_finish (dl->partial, f->safe_name, &error);
  if (path == NULL) {
    download_fail (self, f, error->message, FALSE);
    return;
  }
  seconds = (g_get_monotonic_time () - dl->started_us) / 1e6;
  f->state = FILE_HELD;
  f->path = g_strdup (path);
  if (g_stat (path, &st) == 0)
    f->mtime = st.st_mtime;
  post_progress (self, GST_PROGRESS_TYPE_COMPLETE, "f2f-download", f->m->id,
      display_name (f), dl->source, f->m->size, f->m->size, "received");
  post_element (self, gst_structure_new ("f2f-file-received",
          "id", G_TYPE_STRING, f->m->id,
          "name", G_TYPE_STRING, display_name (f),
          "path", G_TYPE_STRING, path,
          "size", G_TYPE_UINT64, f->m->size,
          "sha256", G_TYPE_STRING, f->m->sha256,
          "source", G_TYPE_STRING, dl->source ? dl->source : "",
          "resumed-from", G_TYPE_UINT64,
          f2f_partial_get_resumed_from (dl->partial),
          "bytes-received", G_TYPE_UINT64, dl->received,
          "seconds", G_TYPE_DOUBLE, seconds, NULL));
  download_free (dl);
  f->dl = NULL;
  /* Now a holder: others may fetch from here too. */
  announce_held (self, NULL, f);
}

static void
start_download (GstF2fFileShare * self, SharedFile * f)
{
  g_autofree gchar *dir = dup_download_dir (self);
  g_autofree gchar *text = NULL;
  g_autoptr (GError) error = NULL;
  Download *dl;
  guint64 offset;

  if (f->state == FILE_DOWNLOADING || f->state == FILE_HELD)
    return;
  dl = g_new0 (Download, 1);
  dl->started_us = dl->last_progress_us = g_get_monotonic_time ();
  f->dl = dl;
  f->state = FILE_DOWNLOADING;
  g_clear_pointer (&f->reason, g_free);

  dl->partial = f2f_partial_open (dir, f->m, display_name (f), &error);
  if (dl->partial == NULL) {
    download_fail (self, f, error->message, FALSE);
    return;
  }
  offset = f2f_partial_get_offset (dl->partial);
  text = offset ? g_strdup_printf ("resuming '%s' at byte %" G_GUINT64_FORMAT,
      display_name (f), offset) : g_strdup_printf ("receiving '%s'",
      display_name (f));
  post_progress (self, GST_PROGRESS_TYPE_START, "f2f-download", f->m->id,
      display_name (f), NULL, offset, f->m->size, text);
  if (offset == f->m->size) {
    download_finish (self, f);
    return;
  }
  request_from_next (self, f);
}

static gboolean
wants (GstF2fFileShare * self, SharedFile * f)
{
  gboolean ok;

  FS_LOCK (self);
  if (self->max_file_size && f->m->size > self->max_file_size)
    ok = FALSE;
  else if (self->accept == GST_F2F_FILE_ACCEPT_ALL)
    ok = TRUE;
  else if (self->accept == GST_F2F_FILE_ACCEPT_UP_TO_SIZE)
    ok = f->m->size <= self->accept_size;
  else
    ok = FALSE;
  FS_UNLOCK (self);
  return ok;
}

static void
handle_offer (GstF2fFileShare * self, const gchar * peer,
    GstF2fFileManifest * m)
{
  SharedFile *f = g_hash_table_lookup (self->files, m->id);
  g_autoptr (GError) error = NULL;
  gboolean fetch;

  if (f) {
    /* The same id must mean the same file. */
    if (f->m->size != m->size || strcmp (f->m->sha256, m->sha256) != 0) {
      GST_WARNING_OBJECT (self, "%s offered %s with a different size or "
          "SHA-256; ignored", peer, m->id);
      return;
    }
    if (f->ours)
      return;
    g_hash_table_add (f->holders, g_strdup (peer));
    if (f->state == FILE_DOWNLOADING && f->dl->source == NULL)
      request_from_next (self, f);
    return;
  }

  f = shared_file_new ();
  f->m = gst_f2f_file_manifest_copy (m);
  f->state = FILE_OFFERED;
  g_hash_table_add (f->holders, g_strdup (peer));
  f->safe_name = gst_f2f_file_safe_name (m->name, &error);
  g_hash_table_insert (self->files, g_strdup (m->id), f);
  if (f->safe_name == NULL) {
    g_autofree gchar *why = g_strdup_printf ("refused a file offered by %s: "
        "%s", peer, error->message);
    f->state = FILE_FAILED;
    f->reason = g_strdup (why);
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE, ("%s", why), (NULL));
    post_failed (self, f, why);
    return;
  }
  if (strcmp (f->safe_name, m->name) != 0)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE, ("A file offered by %s has "
            "an unsafe name; it will be saved as '%s'.", peer, f->safe_name),
        ("offered name: %s", m->name));
  fetch = wants (self, f);
  post_element (self, gst_structure_new ("f2f-file-offered",
          "id", G_TYPE_STRING, m->id,
          "name", G_TYPE_STRING, f->safe_name,
          "remote-name", G_TYPE_STRING, m->name,
          "size", G_TYPE_UINT64, m->size,
          "sha256", G_TYPE_STRING, m->sha256,
          "media-type", G_TYPE_STRING, m->media_type,
          "sharer", G_TYPE_STRING, m->sharer,
          "sharer-name", G_TYPE_STRING, m->sharer_name ? m->sharer_name : "",
          "from", G_TYPE_STRING, peer,
          "fetch", G_TYPE_BOOLEAN, fetch, NULL));
  if (fetch)
    start_download (self, f);
}

static SharedFile *
find_download (GstF2fFileShare * self, const gchar * peer, guint32 transfer)
{
  GHashTableIter iter;
  SharedFile *f;

  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & f))
    if (f->dl && f->dl->transfer == transfer
        && g_strcmp0 (f->dl->source, peer) == 0)
      return f;
  return NULL;
}

static void
handle_chunk (GstF2fFileShare * self, const gchar * peer, GBytes * bytes)
{
  guint32 transfer;
  guint64 offset;
  const guint8 *payload;
  gsize length;
  g_autoptr (GError) error = NULL;
  SharedFile *f;
  Download *dl;
  gint64 now;

  if (!gst_f2f_file_chunk_parse (bytes, &transfer, &offset, &payload,
          &length)) {
    GST_WARNING_OBJECT (self, "dropped a malformed chunk from %s", peer);
    return;
  }
  f = find_download (self, peer, transfer);
  if (f == NULL)
    return;                     /* of a transfer we gave up */
  dl = f->dl;
  if (offset != download_offset (dl)
      || length > f->m->size - download_offset (dl)) {
    /* The channel is reliable and ordered: this peer is not following the
     * protocol. Try another. */
    g_hash_table_add (f->bad_holders, g_strdup (peer));
    send_control (self, peer, gst_f2f_file_message_cancel (transfer,
            "unexpected chunk"));
    request_from_next (self, f);
    return;
  }
  if (!f2f_partial_append (dl->partial, payload, length, &error)) {
    g_autofree gchar *why = g_strdup_printf ("%s; the partial file was "
        "deleted", error->message);
    download_fail (self, f, why, TRUE);
    return;
  }
  dl->received += length;
  now = g_get_monotonic_time ();
  dl->last_data_us = now;
  if (download_offset (dl) == f->m->size) {
    download_finish (self, f);
    return;
  }
  if (now - dl->last_progress_us >= PROGRESS_INTERVAL_US) {
    dl->last_progress_us = now;
    post_progress (self, GST_PROGRESS_TYPE_CONTINUE, "f2f-download",
        f->m->id, display_name (f), dl->source, download_offset (dl),
        f->m->size, "receiving");
  }
}

/* ---------------------------------------------------------------------- */
/* Uploads */

static void schedule_pump (GstF2fFileShare * self, guint delay_ms);

static Upload *
find_upload (GstF2fFileShare * self, const gchar * peer, guint32 transfer,
    guint * index)
{
  for (guint i = 0; i < self->uploads->len; i++) {
    Upload *u = g_ptr_array_index (self->uploads, i);
    if (u->transfer == transfer && strcmp (u->peer, peer) == 0) {
      if (index)
        *index = i;
      return u;
    }
  }
  return NULL;
}

/* Stops sharing our file @f, telling the room. */
static void
stop_sharing (GstF2fFileShare * self, SharedFile * f)
{
  g_autoptr (GstF2fRoom) room = dup_room (self);
  g_auto (GStrv) peers = room ? gst_f2f_room_list_peers (room) : NULL;

  for (guint i = self->uploads->len; i > 0; i--) {
    Upload *u = g_ptr_array_index (self->uploads, i - 1);
    if (strcmp (u->file_id, f->m->id) == 0) {
      send_control (self, u->peer, gst_f2f_file_message_cancel (u->transfer,
              "no longer shared"));
      g_ptr_array_remove_index (self->uploads, i - 1);
    }
  }
  for (guint i = 0; peers && peers[i]; i++)
    send_control (self, peers[i], gst_f2f_file_message_unshare (f->m->id));
}

static void
handle_request (GstF2fFileShare * self, const gchar * peer,
    GstF2fFileMessage * msg)
{
  SharedFile *f = g_hash_table_lookup (self->files, msg->id);
  const gchar *refusal = NULL;
  struct stat st;
  Upload *u;
  guint index;
  int fd = -1;

  if (f == NULL || f->state != FILE_HELD)
    refusal = "the file is not held here";
  else if (msg->offset > f->m->size)
    refusal = "the offset is past the end of the file";
  else if ((fd = open (f->path, O_RDONLY | O_CLOEXEC)) < 0)
    refusal = "the file cannot be read any more";
  else if (fstat (fd, &st) != 0 || (guint64) st.st_size != f->m->size
      || (guint64) st.st_mtime != f->mtime) {
    /* Shared files are immutable: a changed one is a new share. */
    g_autofree gchar *why = g_strdup_printf ("'%s' changed on disk since it "
        "was shared; it is no longer offered", f->path);
    refusal = "the file changed since it was shared";
    f->state = FILE_FAILED;
    g_free (f->reason);
    f->reason = g_strdup (why);
    post_failed (self, f, why);
    stop_sharing (self, f);
  }
  if (refusal) {
    if (fd >= 0)
      close (fd);
    GST_INFO_OBJECT (self, "refusing %s's request for %s: %s", peer,
        msg->id, refusal);
    send_control (self, peer, gst_f2f_file_message_cancel (msg->transfer,
            refusal));
    return;
  }
  if ((u = find_upload (self, peer, msg->transfer, &index)))
    g_ptr_array_remove_index (self->uploads, index);
  u = g_new0 (Upload, 1);
  u->peer = g_strdup (peer);
  u->transfer = msg->transfer;
  u->file_id = g_strdup (f->m->id);
  u->name = g_strdup (display_name (f));
  u->fd = fd;
  u->start = u->offset = msg->offset;
  u->size = f->m->size;
  u->last_progress_us = g_get_monotonic_time ();
  g_ptr_array_add (self->uploads, u);
  post_progress (self, GST_PROGRESS_TYPE_START, "f2f-upload", u->file_id,
      u->name, peer, u->offset, u->size, "sending");
  schedule_pump (self, 0);
}

static void
handle_cancel (GstF2fFileShare * self, const gchar * peer,
    GstF2fFileMessage * msg)
{
  guint index;
  Upload *u = find_upload (self, peer, msg->transfer, &index);
  SharedFile *f;

  if (u) {
    post_progress (self, GST_PROGRESS_TYPE_CANCELED, "f2f-upload",
        u->file_id, u->name, peer, u->offset, u->size,
        msg->reason ? msg->reason : "canceled by the receiver");
    g_ptr_array_remove_index (self->uploads, index);
  }
  /* Or our source cannot serve us: ask another holder. */
  f = find_download (self, peer, msg->transfer);
  if (f) {
    GST_INFO_OBJECT (self, "%s cannot send %s: %s", peer, f->m->id,
        msg->reason ? msg->reason : "");
    g_hash_table_add (f->bad_holders, g_strdup (peer));
    request_from_next (self, f);
  }
}

static void
handle_unshare (GstF2fFileShare * self, const gchar * peer, const gchar * id)
{
  SharedFile *f = g_hash_table_lookup (self->files, id);

  if (f == NULL || f->ours)
    return;
  g_hash_table_remove (f->holders, peer);
  if (f->state == FILE_OFFERED && g_hash_table_size (f->holders) == 0)
    g_hash_table_remove (self->files, id);
}

/* Refills the rate limiter's budget; at most a tenth of a second's worth
 * (and at least one chunk) is saved up. */
static void
refill (GstF2fFileShare * self, guint64 max_rate, gint64 now)
{
  gdouble cap = MAX (max_rate / 10.0, GST_F2F_FILE_CHUNK_PAYLOAD);

  if (self->rate_refill_us)
    self->rate_tokens += max_rate * (now - self->rate_refill_us) / 1e6;
  self->rate_refill_us = now;
  self->rate_tokens = MIN (self->rate_tokens, cap);
}

static void
upload_done (GstF2fFileShare * self, Upload * u)
{
  post_progress (self, GST_PROGRESS_TYPE_COMPLETE, "f2f-upload", u->file_id,
      u->name, u->peer, u->size, u->size, "sent");
  post_element (self, gst_structure_new ("f2f-file-sent",
          "id", G_TYPE_STRING, u->file_id,
          "name", G_TYPE_STRING, u->name,
          "peer", G_TYPE_STRING, u->peer,
          "offset", G_TYPE_UINT64, u->start,
          "bytes", G_TYPE_UINT64, u->size - u->start, NULL));
}

/* Sends chunks, one per upload in turn, while each link's queue is under
 * the window and the rate limit allows. */
static void
pump (GstF2fFileShare * self)
{
  g_autoptr (GstF2fRoom) room = dup_room (self);
  guint64 max_rate, window;
  gboolean progress = TRUE, rate_blocked = FALSE, retry = FALSE;
  g_autofree guint8 *buf = NULL;
  gint64 now = g_get_monotonic_time ();

  if (room == NULL || self->uploads->len == 0)
    return;
  FS_LOCK (self);
  max_rate = self->max_rate;
  window = self->window;
  FS_UNLOCK (self);
  if (max_rate)
    refill (self, max_rate, now);
  buf = g_malloc (GST_F2F_FILE_CHUNK_PAYLOAD);

  while (progress) {
    progress = FALSE;
    for (guint i = 0; i < self->uploads->len; i++) {
      Upload *u = g_ptr_array_index (self->uploads, i);
      gint64 buffered;
      gsize want;
      ssize_t n;
      g_autoptr (GBytes) chunk = NULL;

      if (u->offset >= u->size) {
        upload_done (self, u);
        g_ptr_array_remove_index (self->uploads, i--);
        continue;
      }
      buffered = gst_f2f_room_get_buffered_amount (room, u->peer,
          GST_F2F_FILE_DATA_CHANNEL);
      if (buffered >= 0 && (guint64) buffered >= window)
        continue;
      want = MIN (GST_F2F_FILE_CHUNK_PAYLOAD, u->size - u->offset);
      if (max_rate && self->rate_tokens < want) {
        rate_blocked = TRUE;
        continue;
      }
      n = pread (u->fd, buf, want, u->offset);
      if (n != (ssize_t) want) {
        send_control (self, u->peer, gst_f2f_file_message_cancel (u->transfer,
                "the file cannot be read any more"));
        post_progress (self, GST_PROGRESS_TYPE_ERROR, "f2f-upload",
            u->file_id, u->name, u->peer, u->offset, u->size,
            "the file cannot be read any more");
        g_ptr_array_remove_index (self->uploads, i--);
        continue;
      }
      chunk = gst_f2f_file_chunk_pack (u->transfer, u->offset, buf, want);
      /* Fails until the data channel is open (the first try opens it). */
      if (!gst_f2f_room_send (room, u->peer, GST_F2F_FILE_DATA_CHANNEL,
              chunk)) {
        retry = TRUE;
        continue;
      }
      u->offset += want;
      if (max_rate)
        self->rate_tokens -= want;
      progress = TRUE;
      if (now - u->last_progress_us >= PROGRESS_INTERVAL_US
          && u->offset < u->size) {
        u->last_progress_us = now;
        post_progress (self, GST_PROGRESS_TYPE_CONTINUE, "f2f-upload",
            u->file_id, u->name, u->peer, u->offset, u->size, "sending");
      }
    }
    now = g_get_monotonic_time ();
  }
  if (self->uploads->len == 0)
    return;
  if (rate_blocked && !retry) {
    gdouble missing = GST_F2F_FILE_CHUNK_PAYLOAD - self->rate_tokens;
    schedule_pump (self, CLAMP (missing * 1000 / max_rate, 1, PUMP_RETRY_MS));
  } else {
    schedule_pump (self, retry ? 20 : PUMP_RETRY_MS);
  }
}

static gboolean
pump_cb (gpointer data)
{
  GstF2fFileShare *self = data;

  g_clear_pointer (&self->pump, g_source_unref);
  pump (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_pump (GstF2fFileShare * self, guint delay_ms)
{
  gint64 at = g_get_monotonic_time () + delay_ms * G_TIME_SPAN_MILLISECOND;

  if (self->pump && self->pump_at_us <= at)
    return;
  if (self->pump) {
    g_source_destroy (self->pump);
    g_source_unref (self->pump);
  }
  self->pump = delay_ms ? g_timeout_source_new (delay_ms) :
      g_idle_source_new ();
  self->pump_at_us = at;
  g_source_set_callback (self->pump, pump_cb, self, NULL);
  g_source_attach (self->pump, g_main_context_get_thread_default ());
}

/* ---------------------------------------------------------------------- */
/* Sharing our files */

typedef struct
{
  gchar *path;
  gchar *sha256;
  gchar *media_type;
  guint64 size;
  gint64 mtime;
} HashJob;

static void
hash_job_free (HashJob * job)
{
  g_free (job->path);
  g_free (job->sha256);
  g_free (job->media_type);
  g_free (job);
}

static void
hash_thread (GTask * task, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  HashJob *job = data;
  GError *error = NULL;

  if (f2f_file_hash (job->path, cancellable, &job->sha256, &job->size,
          &job->mtime, &job->media_type, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
hash_done (GObject * source, GAsyncResult * res, gpointer data)
{
  GstF2fFileShare *self = data;
  GTask *task = G_TASK (res);
  HashJob *job = g_task_get_task_data (task);
  const gchar *id = g_object_get_data (G_OBJECT (task), "f2f-file-id");
  SharedFile *f = g_hash_table_lookup (self->files, id);
  g_autoptr (GError) error = NULL;

  self->hashing--;
  if (!g_task_propagate_boolean (task, &error)) {
    if (f && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      f->state = FILE_FAILED;
      f->reason = g_strdup (error->message);
      GST_ELEMENT_WARNING (self, RESOURCE, READ, ("%s", error->message),
          (NULL));
      post_failed (self, f, error->message);
    }
    return;
  }
  if (f == NULL || f->state != FILE_HASHING)
    return;                     /* unshared meanwhile */
  f->m->size = job->size;
  f->m->sha256 = g_strdup (job->sha256);
  f->m->media_type = g_strdup (job->media_type);
  f->mtime = job->mtime;
  f->state = FILE_HELD;
  post_element (self, gst_structure_new ("f2f-file-shared",
          "id", G_TYPE_STRING, f->m->id,
          "name", G_TYPE_STRING, f->m->name,
          "path", G_TYPE_STRING, f->path,
          "size", G_TYPE_UINT64, f->m->size,
          "sha256", G_TYPE_STRING, f->m->sha256,
          "media-type", G_TYPE_STRING, f->m->media_type, NULL));
  announce_held (self, NULL, f);
}

static void
start_share (GstF2fFileShare * self, const gchar * id, const gchar * path,
    const gchar * name)
{
  SharedFile *f = shared_file_new ();
  HashJob *job = g_new0 (HashJob, 1);
  GTask *task;
  guint64 max_size;

  f->m = g_new0 (GstF2fFileManifest, 1);
  f->m->id = g_strdup (id);
  f->m->name = name && *name ? g_strdup (name) : g_path_get_basename (path);
  f->ours = TRUE;
  f->path = g_strdup (path);
  f->state = FILE_HASHING;
  g_hash_table_insert (self->files, g_strdup (id), f);

  FS_LOCK (self);
  max_size = self->max_file_size;
  FS_UNLOCK (self);
  if (max_size) {
    struct stat st;
    if (g_stat (path, &st) == 0 && (guint64) st.st_size > max_size) {
      g_autofree gchar *why = g_strdup_printf ("could not share %s: it is "
          "larger than max-file-size (%" G_GUINT64_FORMAT " bytes)", path,
          max_size);
      f->state = FILE_FAILED;
      f->reason = g_strdup (why);
      GST_ELEMENT_WARNING (self, RESOURCE, READ, ("%s", why), (NULL));
      post_failed (self, f, why);
      return;
    }
  }

  job->path = g_strdup (path);
  /* The callback runs here, on the worker: its context is the thread
   * default. */
  task = g_task_new (NULL, self->cancellable, hash_done, self);
  g_object_set_data_full (G_OBJECT (task), "f2f-file-id", g_strdup (id),
      g_free);
  g_task_set_task_data (task, job, (GDestroyNotify) hash_job_free);
  self->hashing++;
  g_task_run_in_thread (task, hash_thread);
  g_object_unref (task);
}

/* ---------------------------------------------------------------------- */
/* Events from the room and the application, run on the worker */

typedef enum
{
  EV_ROOM,                      /* a room was found: greet everyone */
  EV_PEER_JOINED,
  EV_PEER_LEFT,
  EV_MESSAGE,
  EV_CHANNEL_LOW,
  EV_CHANNEL_OPEN,
  EV_SHARE,
  EV_UNSHARE,
  EV_FETCH,
  EV_CANCEL,
} EventType;

typedef struct
{
  GstF2fFileShare *self;
  EventType type;
  gchar *peer;                  /* or the file id */
  gchar *channel;               /* or the path */
  gchar *name;
  GBytes *data;
} Event;

static void
event_free (Event * ev)
{
  g_free (ev->peer);
  g_free (ev->channel);
  g_free (ev->name);
  if (ev->data)
    g_bytes_unref (ev->data);
  g_free (ev);
}

static void
handle_files_message (GstF2fFileShare * self, const gchar * peer,
    GBytes * data)
{
  gsize len;
  const gchar *text = g_bytes_get_data (data, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstF2fFileMessage) msg = NULL;

  msg = gst_f2f_file_message_parse (text ? text : "", len, &error);
  if (msg == NULL) {
    GST_WARNING_OBJECT (self, "dropped a bad file-sharing message from %s: "
        "%s", peer, error->message);
    return;
  }
  switch (msg->type) {
    case GST_F2F_FILE_MESSAGE_OFFER:
      handle_offer (self, peer, msg->manifest);
      break;
    case GST_F2F_FILE_MESSAGE_UNSHARE:
      handle_unshare (self, peer, msg->id);
      break;
    case GST_F2F_FILE_MESSAGE_REQUEST:
      handle_request (self, peer, msg);
      break;
    case GST_F2F_FILE_MESSAGE_CANCEL:
      handle_cancel (self, peer, msg);
      break;
  }
}

static void
peer_left (GstF2fFileShare * self, const gchar * peer)
{
  GHashTableIter iter;
  SharedFile *f;

  g_hash_table_remove (self->outbox, peer);
  for (guint i = self->uploads->len; i > 0; i--) {
    Upload *u = g_ptr_array_index (self->uploads, i - 1);
    if (strcmp (u->peer, peer) == 0) {
      post_progress (self, GST_PROGRESS_TYPE_CANCELED, "f2f-upload",
          u->file_id, u->name, peer, u->offset, u->size, "the peer left");
      g_ptr_array_remove_index (self->uploads, i - 1);
    }
  }
  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & f)) {
    g_hash_table_remove (f->holders, peer);
    g_hash_table_remove (f->bad_holders, peer);
    if (f->dl && g_strcmp0 (f->dl->source, peer) == 0) {
      GST_INFO_OBJECT (self, "source %s of %s left at %" G_GUINT64_FORMAT,
          peer, f->m->id, download_offset (f->dl));
      request_from_next (self, f);
    } else if (f->state == FILE_OFFERED
        && g_hash_table_size (f->holders) == 0) {
      g_hash_table_iter_remove (&iter);
    }
  }
}

static gboolean
run_event (gpointer data)
{
  Event *ev = data;
  GstF2fFileShare *self = ev->self;
  SharedFile *f;

  switch (ev->type) {
    case EV_ROOM:
      announce_held (self, NULL, NULL);
      break;
    case EV_PEER_JOINED:
      /* Late joiners learn what is shared from every holder. */
      announce_held (self, ev->peer, NULL);
      break;
    case EV_PEER_LEFT:
      peer_left (self, ev->peer);
      break;
    case EV_MESSAGE:
      if (strcmp (ev->channel, GST_F2F_FILE_DATA_CHANNEL) == 0)
        handle_chunk (self, ev->peer, ev->data);
      else
        handle_files_message (self, ev->peer, ev->data);
      break;
    case EV_CHANNEL_LOW:
      schedule_pump (self, 0);
      break;
    case EV_CHANNEL_OPEN:
      /* What waited for this channel goes now, not at the next tick. */
      if (strcmp (ev->channel, GST_F2F_FILE_DATA_CHANNEL) == 0) {
        schedule_pump (self, 0);
      } else {
        g_autoptr (GstF2fRoom) room = dup_room (self);
        GQueue *queue = g_hash_table_lookup (self->outbox, ev->peer);
        if (room && queue)
          flush_outbox (self, room, ev->peer, queue);
      }
      break;
    case EV_SHARE:
      start_share (self, ev->peer, ev->channel, ev->name);
      break;
    case EV_UNSHARE:
      f = g_hash_table_lookup (self->files, ev->peer);
      if (f && f->ours) {
        stop_sharing (self, f);
        g_hash_table_remove (self->files, ev->peer);
      }
      break;
    case EV_FETCH:
      f = g_hash_table_lookup (self->files, ev->peer);
      if (f && !f->ours && (f->state == FILE_OFFERED
              || f->state == FILE_FAILED) && f->safe_name)
        start_download (self, f);
      break;
    case EV_CANCEL:
      f = g_hash_table_lookup (self->files, ev->peer);
      if (f && f->dl) {
        if (f->dl->source)
          send_control (self, f->dl->source,
              gst_f2f_file_message_cancel (f->dl->transfer, "canceled"));
        post_progress (self, GST_PROGRESS_TYPE_CANCELED, "f2f-download",
            f->m->id, display_name (f), f->dl->source,
            download_offset (f->dl), f->m->size, "canceled");
        if (f->dl->partial)
          f2f_partial_discard (f->dl->partial);
        g_clear_pointer (&f->dl, download_free);
        f->state = FILE_OFFERED;
      }
      break;
  }
  return G_SOURCE_REMOVE;
}

/* Hands an event to the worker; FALSE when it is not running. Always
 * through an idle source, in order, even from the worker itself. */
static gboolean
post_event (GstF2fFileShare * self, EventType type, const gchar * peer,
    const gchar * channel, const gchar * name, GBytes * data)
{
  GMainContext *ctx;
  Event *ev;

  FS_LOCK (self);
  ctx = self->ctx ? g_main_context_ref (self->ctx) : NULL;
  FS_UNLOCK (self);
  if (ctx == NULL)
    return FALSE;
  ev = g_new0 (Event, 1);
  ev->self = self;
  ev->type = type;
  ev->peer = g_strdup (peer);
  ev->channel = g_strdup (channel);
  ev->name = g_strdup (name);
  ev->data = data ? g_bytes_ref (data) : NULL;
  f2f_context_call (ctx, run_event, ev, (GDestroyNotify) event_free);
  g_main_context_unref (ctx);
  return TRUE;
}

static void
on_peer_joined (GstF2fRoom * room, const gchar * id, const gchar * name,
    GstF2fFileShare * self)
{
  post_event (self, EV_PEER_JOINED, id, NULL, NULL, NULL);
}

static void
on_peer_left (GstF2fRoom * room, const gchar * id, const gchar * reason,
    GstF2fFileShare * self)
{
  post_event (self, EV_PEER_LEFT, id, NULL, NULL, NULL);
}

static void
on_message (GstF2fRoom * room, const gchar * peer, const gchar * channel,
    GBytes * data, GstF2fFileShare * self)
{
  if (strcmp (channel, GST_F2F_FILES_CHANNEL) == 0
      || strcmp (channel, GST_F2F_FILE_DATA_CHANNEL) == 0)
    post_event (self, EV_MESSAGE, peer, channel, NULL, data);
}

static void
on_channel_low (GstF2fRoom * room, const gchar * peer, const gchar * channel,
    GstF2fFileShare * self)
{
  if (strcmp (channel, GST_F2F_FILE_DATA_CHANNEL) == 0)
    post_event (self, EV_CHANNEL_LOW, peer, channel, NULL, NULL);
}

static void
on_channel_open (GstF2fRoom * room, const gchar * peer, const gchar * channel,
    GstF2fFileShare * self)
{
  if (strcmp (channel, GST_F2F_FILE_DATA_CHANNEL) == 0
      || strcmp (channel, GST_F2F_FILES_CHANNEL) == 0)
    post_event (self, EV_CHANNEL_OPEN, peer, channel, NULL, NULL);
}

static void
take_room (GstF2fFileShare * self, GstF2fRoom * room)
{
  GstF2fRoom *old;
  guint window;

  FS_LOCK (self);
  old = self->room;
  if (old == room) {
    FS_UNLOCK (self);
    return;
  }
  self->room = room ? gst_object_ref (room) : NULL;
  window = self->window;
  FS_UNLOCK (self);
  if (old) {
    g_signal_handlers_disconnect_by_data (old, self);
    gst_object_unref (old);
  }
  if (room) {
    /* Wake the sender when a link's queue is half empty. */
    gst_f2f_room_set_low_threshold (room, GST_F2F_FILE_DATA_CHANNEL,
        MAX (window / 2, 1));
    g_signal_connect (room, "peer-joined", G_CALLBACK (on_peer_joined), self);
    g_signal_connect (room, "peer-left", G_CALLBACK (on_peer_left), self);
    g_signal_connect (room, "message", G_CALLBACK (on_message), self);
    g_signal_connect (room, "channel-low", G_CALLBACK (on_channel_low), self);
    g_signal_connect (room, "channel-open", G_CALLBACK (on_channel_open),
        self);
    post_event (self, EV_ROOM, NULL, NULL, NULL, NULL);
  }
}

static void
gst_f2f_file_share_set_context (GstElement * element, GstContext * context)
{
  GstF2fFileShare *self = GST_F2F_FILE_SHARE (element);
  GstF2fRoom *room = gst_f2f_room_context_get_room (context);

  if (room) {
    take_room (self, room);
    gst_object_unref (room);
  }
  GST_ELEMENT_CLASS (gst_f2f_file_share_parent_class)->set_context (element,
      context);
}

/* ---------------------------------------------------------------------- */
/* The worker */

static gboolean
tick_cb (gpointer data)
{
  GstF2fFileShare *self = data;
  g_autoptr (GstF2fRoom) room = dup_room (self);
  GHashTableIter iter;
  gpointer peer, queue;
  SharedFile *f;
  gint64 now = g_get_monotonic_time ();
  gint64 stall;

  if (room) {
    g_auto (GStrv) present = gst_f2f_room_list_peers (room);
    g_hash_table_iter_init (&iter, self->outbox);
    while (g_hash_table_iter_next (&iter, &peer, &queue)) {
      /* A message to someone who left has no one to wait for. */
      if (!g_strv_contains ((const gchar * const *) present, peer))
        g_hash_table_iter_remove (&iter);
      else
        flush_outbox (self, room, peer, queue);
    }
  }
  FS_LOCK (self);
  stall = (gint64) self->stall_timeout * G_TIME_SPAN_MILLISECOND;
  FS_UNLOCK (self);
  /* A source that stopped sending (but is still in the room) is given up
   * for another holder, or asked again. */
  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & f)) {
    if (stall && f->dl && f->dl->source && now - f->dl->last_data_us > stall) {
      GST_INFO_OBJECT (self, "%s stalled from %s", f->m->id, f->dl->source);
      send_control (self, f->dl->source,
          gst_f2f_file_message_cancel (f->dl->transfer, "stalled"));
      g_hash_table_add (f->bad_holders, g_strdup (f->dl->source));
      request_from_next (self, f);
    }
  }
  return G_SOURCE_CONTINUE;
}

/* The worker's thread, before its loop runs. */
static void
worker_started (gpointer data)
{
  GstF2fFileShare *self = data;

  self->tick = f2f_context_add_timeout (g_main_context_get_thread_default (),
      TICK_MS, tick_cb, self);
}

/* The worker's thread, after its loop quit. */
static void
worker_stopping (gpointer data)
{
  GstF2fFileShare *self = data;
  GMainContext *ctx = g_main_context_get_thread_default ();

  /* Wait for the hashing threads, which see the cancellable. */
  g_cancellable_cancel (self->cancellable);
  while (self->hashing > 0)
    g_main_context_iteration (ctx, TRUE);
  f2f_clear_source (&self->tick);
  f2f_clear_source (&self->pump);
  /* Partial downloads stay on disk: the next run resumes them. */
  g_hash_table_remove_all (self->files);
  g_ptr_array_set_size (self->uploads, 0);
  g_hash_table_remove_all (self->outbox);
}

static void
start_worker (GstF2fFileShare * self)
{
  self->cancellable = g_cancellable_new ();
  self->rate_tokens = 0;
  self->rate_refill_us = 0;
  self->worker = f2f_worker_start ("f2ffileshare", worker_started,
      worker_stopping, self);
  FS_LOCK (self);
  self->ctx = g_main_context_ref (f2f_worker_get_context (self->worker));
  FS_UNLOCK (self);
}

static void
stop_worker (GstF2fFileShare * self)
{
  GMainContext *ctx;

  if (self->worker == NULL)
    return;
  FS_LOCK (self);
  ctx = self->ctx;
  self->ctx = NULL;
  FS_UNLOCK (self);
  /* Events posted meanwhile are dropped with the context. */
  g_clear_pointer (&self->worker, f2f_worker_stop);
  g_main_context_unref (ctx);
  g_clear_object (&self->cancellable);
}

/* ---------------------------------------------------------------------- */
/* Action signals */

static gchar *
gst_f2f_file_share_share_file (GstF2fFileShare * self, const gchar * path,
    const gchar * name)
{
  gchar *id;

  if (path == NULL || *path == '\0')
    return NULL;
  id = g_uuid_string_random ();
  if (!post_event (self, EV_SHARE, id, path, name, NULL)) {
    GST_WARNING_OBJECT (self, "share-file needs the element in PAUSED or "
        "PLAYING");
    g_clear_pointer (&id, g_free);
  }
  return id;
}

static gboolean
gst_f2f_file_share_unshare_file (GstF2fFileShare * self, const gchar * id)
{
  return id && post_event (self, EV_UNSHARE, id, NULL, NULL, NULL);
}

static gboolean
gst_f2f_file_share_fetch_file (GstF2fFileShare * self, const gchar * id)
{
  return id && post_event (self, EV_FETCH, id, NULL, NULL, NULL);
}

static gboolean
gst_f2f_file_share_cancel_file (GstF2fFileShare * self, const gchar * id)
{
  return id && post_event (self, EV_CANCEL, id, NULL, NULL, NULL);
}

static GstStructure *
describe_files (GstF2fFileShare * self)
{
  GstStructure *result = gst_structure_new_empty ("f2f-files");
  GValue list = G_VALUE_INIT;
  GHashTableIter iter;
  SharedFile *f;

  gst_value_array_init (&list, self->files ?
      g_hash_table_size (self->files) : 0);
  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & f)) {
    GValue v = G_VALUE_INIT;
    GstStructure *s = gst_structure_new ("f2f-file",
        "id", G_TYPE_STRING, f->m->id,
        "name", G_TYPE_STRING, display_name (f),
        "size", G_TYPE_UINT64, f->m->size,
        "sha256", G_TYPE_STRING, f->m->sha256 ? f->m->sha256 : "",
        "media-type", G_TYPE_STRING, f->m->media_type ? f->m->media_type : "",
        "sharer", G_TYPE_STRING, f->m->sharer ? f->m->sharer : "",
        "ours", G_TYPE_BOOLEAN, f->ours,
        "state", G_TYPE_STRING, state_names[f->state],
        "holders", G_TYPE_UINT, g_hash_table_size (f->holders) + (f->state ==
            FILE_HELD ? 1 : 0),
        "bytes", G_TYPE_UINT64, f->state == FILE_HELD ? f->m->size :
        f->dl ? download_offset (f->dl) : 0, NULL);
    if (f->path && f->state == FILE_HELD)
      gst_structure_set (s, "path", G_TYPE_STRING, f->path, NULL);
    if (f->reason)
      gst_structure_set (s, "reason", G_TYPE_STRING, f->reason, NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, s);
    gst_value_array_append_and_take_value (&list, &v);
  }
  gst_structure_take_value (result, "files", &list);
  return result;
}

typedef struct
{
  GstF2fFileShare *self;
  GMutex lock;
  GCond cond;
  GstStructure *result;
  gboolean done;
} ListCall;

static gboolean
list_on_worker (gpointer data)
{
  ListCall *call = data;
  GstStructure *result = describe_files (call->self);

  g_mutex_lock (&call->lock);
  call->result = result;
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
  return G_SOURCE_REMOVE;
}

/* The files belong to the worker, so the list is made there; from the
 * worker itself (a bus sync handler) it is made at once. */
static GstStructure *
gst_f2f_file_share_list_files (GstF2fFileShare * self)
{
  ListCall call = { self };
  GMainContext *ctx;

  FS_LOCK (self);
  ctx = self->ctx ? g_main_context_ref (self->ctx) : NULL;
  FS_UNLOCK (self);
  if (ctx == NULL) {
    GstStructure *empty = gst_structure_new_empty ("f2f-files");
    GValue list = G_VALUE_INIT;
    gst_value_array_init (&list, 0);
    gst_structure_take_value (empty, "files", &list);
    return empty;
  }
  if (g_main_context_is_owner (ctx)) {
    g_main_context_unref (ctx);
    return describe_files (self);
  }
  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  g_main_context_invoke (ctx, list_on_worker, &call);
  g_mutex_lock (&call.lock);
  /* The worker only stops from a state change, which is not this thread
   * (action signals are not called from state changes). */
  while (!call.done)
    g_cond_wait (&call.cond, &call.lock);
  g_mutex_unlock (&call.lock);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
  g_main_context_unref (ctx);
  return call.result;
}

/* ---------------------------------------------------------------------- */
/* GstElement */

static GstStateChangeReturn
gst_f2f_file_share_change_state (GstElement * element,
    GstStateChange transition)
{
  GstF2fFileShare *self = GST_F2F_FILE_SHARE (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:{
      g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GstF2fRoom) room = dup_room (self);
      start_worker (self);
      FS_LOCK (self);
      for (guint i = 0; i < self->share_paths->len; i++)
        g_ptr_array_add (paths, g_strdup (g_ptr_array_index
                (self->share_paths, i)));
      FS_UNLOCK (self);
      for (guint i = 0; i < paths->len; i++)
        g_free (gst_f2f_file_share_share_file (self,
                g_ptr_array_index (paths, i), NULL));
      if (room == NULL) {
        GstF2fRoom *found = NULL;
        /* may find nothing yet: f2fsignal shares the room when it
         * reaches READY, and again when it has joined */
        gst_f2f_room_ensure (element, &found);
      }
      break;
    }
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (gst_f2f_file_share_parent_class)->change_state
      (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      stop_worker (self);
      break;
    default:
      break;
  }
  return ret;
}

static void
gst_f2f_file_share_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstF2fFileShare *self = GST_F2F_FILE_SHARE (object);

  FS_LOCK (self);
  switch (prop_id) {
    case PROP_FILES:
      g_ptr_array_set_size (self->share_paths, 0);
      for (guint i = 0; i < gst_value_array_get_size (value); i++) {
        const GValue *v = gst_value_array_get_value (value, i);
        if (G_VALUE_HOLDS_STRING (v) && g_value_get_string (v))
          g_ptr_array_add (self->share_paths, g_value_dup_string (v));
      }
      break;
    case PROP_DOWNLOAD_DIR:
      g_free (self->download_dir);
      self->download_dir = g_value_dup_string (value);
      break;
    case PROP_ACCEPT:
      self->accept = g_value_get_enum (value);
      break;
    case PROP_ACCEPT_SIZE:
      self->accept_size = g_value_get_uint64 (value);
      break;
    case PROP_MAX_FILE_SIZE:
      self->max_file_size = g_value_get_uint64 (value);
      break;
    case PROP_MAX_RATE:
      self->max_rate = g_value_get_uint64 (value);
      break;
    case PROP_WINDOW:
      self->window = g_value_get_uint (value);
      /* the low-water notice follows the window (set below, unlocked) */
      break;
    case PROP_STALL_TIMEOUT:
      self->stall_timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  FS_UNLOCK (self);
  if (prop_id == PROP_WINDOW) {
    g_autoptr (GstF2fRoom) room = dup_room (self);
    if (room)
      gst_f2f_room_set_low_threshold (room, GST_F2F_FILE_DATA_CHANNEL,
          MAX (g_value_get_uint (value) / 2, 1));
  }
}

static void
gst_f2f_file_share_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstF2fFileShare *self = GST_F2F_FILE_SHARE (object);

  if (prop_id == PROP_DOWNLOAD_DIR) {
    g_value_take_string (value, dup_download_dir (self));
    return;
  }
  FS_LOCK (self);
  switch (prop_id) {
    case PROP_FILES:
      for (guint i = 0; i < self->share_paths->len; i++) {
        GValue v = G_VALUE_INIT;
        g_value_init (&v, G_TYPE_STRING);
        g_value_set_string (&v, g_ptr_array_index (self->share_paths, i));
        gst_value_array_append_and_take_value (value, &v);
      }
      break;
    case PROP_ACCEPT:
      g_value_set_enum (value, self->accept);
      break;
    case PROP_ACCEPT_SIZE:
      g_value_set_uint64 (value, self->accept_size);
      break;
    case PROP_MAX_FILE_SIZE:
      g_value_set_uint64 (value, self->max_file_size);
      break;
    case PROP_MAX_RATE:
      g_value_set_uint64 (value, self->max_rate);
      break;
    case PROP_WINDOW:
      g_value_set_uint (value, self->window);
      break;
    case PROP_STALL_TIMEOUT:
      g_value_set_uint (value, self->stall_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  FS_UNLOCK (self);
}

static void
gst_f2f_file_share_init (GstF2fFileShare * self)
{
  g_mutex_init (&self->lock);
  self->share_paths = g_ptr_array_new_with_free_func (g_free);
  self->accept = DEFAULT_ACCEPT;
  self->accept_size = DEFAULT_ACCEPT_SIZE;
  self->max_file_size = DEFAULT_MAX_FILE_SIZE;
  self->max_rate = DEFAULT_MAX_RATE;
  self->window = DEFAULT_WINDOW;
  self->stall_timeout = DEFAULT_STALL_TIMEOUT;
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) shared_file_free);
  self->uploads = g_ptr_array_new_with_free_func ((GDestroyNotify)
      upload_free);
  self->outbox = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      queue_free);
}

static void
gst_f2f_file_share_finalize (GObject * object)
{
  GstF2fFileShare *self = GST_F2F_FILE_SHARE (object);

  stop_worker (self);
  take_room (self, NULL);
  g_hash_table_unref (self->files);
  g_ptr_array_unref (self->uploads);
  g_hash_table_unref (self->outbox);
  g_ptr_array_unref (self->share_paths);
  g_free (self->download_dir);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_f2f_file_share_parent_class)->finalize (object);
}

static void
gst_f2f_file_share_class_init (GstF2fFileShareClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_f2f_file_share_set_property;
  gobject_class->get_property = gst_f2f_file_share_get_property;
  gobject_class->finalize = gst_f2f_file_share_finalize;

  g_object_class_install_property (gobject_class, PROP_FILES,
      gst_param_spec_array ("files", "Files",
          "Files to share when the element starts, e.g. "
          "files=\"<\\\"/tmp/a.pdf\\\",\\\"/tmp/b.ogg\\\">\"",
          g_param_spec_string ("file", "File", "A path", NULL,
              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_DOWNLOAD_DIR,
      g_param_spec_string ("download-dir", "Download directory",
          "Where received files go (created when needed; default: the "
          "user's download directory)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_ACCEPT,
      g_param_spec_enum ("accept", "Accept",
          "Which offered files to fetch on their own",
          GST_TYPE_F2F_FILE_ACCEPT, DEFAULT_ACCEPT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_ACCEPT_SIZE,
      g_param_spec_uint64 ("accept-size", "Accept size",
          "With accept=up-to-size, the largest file fetched on its own "
          "(bytes)", 0, G_MAXUINT64, DEFAULT_ACCEPT_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MAX_FILE_SIZE,
      g_param_spec_uint64 ("max-file-size", "Maximum file size",
          "The largest file shared or received, even on request (bytes, 0: "
          "no limit)", 0, G_MAXUINT64, DEFAULT_MAX_FILE_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MAX_RATE,
      g_param_spec_uint64 ("max-rate", "Maximum rate",
          "Bytes per second sent, all transfers together (0: no limit)", 0,
          G_MAXUINT64, DEFAULT_MAX_RATE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_WINDOW,
      g_param_spec_uint ("window", "Window",
          "Bytes a link's file channel may hold unsent before the sender "
          "waits: the bound on the sender's memory per link (1-8 MiB all "
          "measured the same on loopback)",
          GST_F2F_FILE_MESSAGE_MAX, G_MAXINT, DEFAULT_WINDOW,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STALL_TIMEOUT,
      g_param_spec_uint ("stall-timeout", "Stall timeout",
          "Milliseconds without data before a download asks another holder "
          "(0: never)", 0, G_MAXUINT, DEFAULT_STALL_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstF2fFileShare::share-file:
   * @path: the file to share
   * @name: (nullable): the name to offer it under (default: its base name)
   *
   * Returns: the new share's id; `f2f-file-shared` follows once it is read.
   */
  signals[SIGNAL_SHARE_FILE] = g_signal_new_class_handler ("share-file",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_f2f_file_share_share_file), NULL, NULL, NULL,
      G_TYPE_STRING, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_UNSHARE_FILE] = g_signal_new_class_handler ("unshare-file",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_f2f_file_share_unshare_file), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  signals[SIGNAL_FETCH_FILE] = g_signal_new_class_handler ("fetch-file",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_f2f_file_share_fetch_file), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  signals[SIGNAL_CANCEL_FILE] = g_signal_new_class_handler ("cancel-file",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_f2f_file_share_cancel_file), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstF2fFileShare::list-files:
   *
   * Returns: (transfer full): a structure "f2f-files" whose field "files"
   *   is an array of "f2f-file" structures: id, name, size, sha256,
   *   media-type, sharer, ours, state (hashing, offered, downloading,
   *   held, failed), holders, bytes, and path or reason when known.
   */
  signals[SIGNAL_LIST_FILES] = g_signal_new_class_handler ("list-files",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_f2f_file_share_list_files), NULL, NULL, NULL,
      GST_TYPE_STRUCTURE, 0);

  element_class->change_state = gst_f2f_file_share_change_state;
  element_class->set_context = gst_f2f_file_share_set_context;
  gst_element_class_set_static_metadata (element_class, "f2f file sharing",
      "Network", "Shares files with the f2f room over data channels, with "
      "SHA-256 integrity, progress and resume", "the f2f authors");
  gst_type_mark_as_plugin_api (GST_TYPE_F2F_FILE_ACCEPT, 0);
}
