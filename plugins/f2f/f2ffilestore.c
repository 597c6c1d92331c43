/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* renameat2 */
#define _GNU_SOURCE

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "f2ffilestore.h"

#define HASH_BLOCK (1024 * 1024)

struct _F2fPartial
{
  gchar *dir;
  gchar *name;                  /* for messages */
  gchar *part_path;
  gchar *meta_path;
  gchar *sha256;                /* expected */
  guint64 size;                 /* expected */
  int fd;
  GChecksum *sum;
  guint64 offset;
  guint64 resumed_from;
};

static gboolean
set_errno_error (GError ** error, int err, const gchar * format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
set_errno_error (GError ** error, int err, const gchar * format, ...)
{
  va_list args;
  g_autofree gchar *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "%s: %s", what,
      g_strerror (err));
  return FALSE;
}

gboolean
f2f_file_hash (const gchar * path, GCancellable * cancellable,
    gchar ** sha256, guint64 * size, gint64 * mtime, gchar ** media_type,
    GError ** error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (HASH_BLOCK);
  g_autofree gchar *type = NULL;
  gboolean uncertain, first = TRUE;
  struct stat before, after;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &before) != 0) {
    int e = errno;
    if (fd >= 0)
      close (fd);
    return set_errno_error (error, e, "could not share %s", path);
  }
  if (!S_ISREG (before.st_mode)) {
    close (fd);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
        "could not share %s: it is not a regular file", path);
    return FALSE;
  }
  for (;;) {
    ssize_t n = read (fd, buf, HASH_BLOCK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      close (fd);
      return set_errno_error (error, e, "could not read %s", path);
    }
    if (first) {
      type = g_content_type_guess (path, buf, n, &uncertain);
      first = FALSE;
    }
    if (n == 0)
      break;
    g_checksum_update (sum, buf, n);
    if (g_cancellable_set_error_if_cancelled (cancellable, error)) {
      close (fd);
      return FALSE;
    }
  }
  if (fstat (fd, &after) != 0 || after.st_size != before.st_size
      || after.st_mtime != before.st_mtime) {
    close (fd);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
        "could not share %s: it changed while it was being read", path);
    return FALSE;
  }
  close (fd);
  *sha256 = g_strdup (g_checksum_get_string (sum));
  *size = before.st_size;
  *mtime = before.st_mtime;
  *media_type = type ? g_content_type_get_mime_type (type) : NULL;
  if (*media_type == NULL)
    *media_type = g_strdup ("application/octet-stream");
  return TRUE;
}

/* ---------------------------------------------------------------------- */

void
f2f_partial_free (F2fPartial * p)
{
  if (p == NULL)
    return;
  if (p->fd >= 0)
    close (p->fd);
  g_checksum_free (p->sum);
  g_free (p->dir);
  g_free (p->name);
  g_free (p->part_path);
  g_free (p->meta_path);
  g_free (p->sha256);
  g_free (p);
}

void
f2f_partial_discard (F2fPartial * p)
{
  if (p->fd >= 0) {
    close (p->fd);
    p->fd = -1;
  }
  g_unlink (p->part_path);
  g_unlink (p->meta_path);
}

guint64
f2f_partial_get_offset (F2fPartial * p)
{
  return p->offset;
}

guint64
f2f_partial_get_resumed_from (F2fPartial * p)
{
  return p->resumed_from;
}

/* Reads the partial file back through SHA-256: the hash state cannot be
 * saved, and what is on disk is what counts. */
static gboolean
rehash (F2fPartial * p, guint64 length)
{
  g_autofree guint8 *buf = g_malloc (HASH_BLOCK);
  guint64 done = 0;

  while (done < length) {
    ssize_t n = pread (p->fd, buf, MIN (HASH_BLOCK, length - done), done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    g_checksum_update (p->sum, buf, n);
    done += n;
  }
  return TRUE;
}

/* A partial file an earlier run left, if it belongs to this very file. */
static gboolean
resume (F2fPartial * p)
{
  g_autofree gchar *meta = NULL;
  g_autoptr (GstF2fFileMessage) saved = NULL;
  struct stat st;
  gsize len;

  if (!g_file_get_contents (p->meta_path, &meta, &len, NULL))
    return FALSE;
  saved = gst_f2f_file_message_parse (meta, len, NULL);
  if (saved == NULL || saved->type != GST_F2F_FILE_MESSAGE_OFFER
      || saved->manifest->size != p->size
      || strcmp (saved->manifest->sha256, p->sha256) != 0)
    return FALSE;
  p->fd = open (p->part_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (p->fd < 0)
    return FALSE;
  if (fstat (p->fd, &st) != 0 || !S_ISREG (st.st_mode)
      || (guint64) st.st_size > p->size || !rehash (p, st.st_size)) {
    close (p->fd);
    p->fd = -1;
    g_checksum_reset (p->sum);
    return FALSE;
  }
  p->offset = p->resumed_from = st.st_size;
  return TRUE;
}

F2fPartial *
f2f_partial_open (const gchar * dir, const GstF2fFileManifest * m,
    const gchar * name, GError ** error)
{
  g_autoptr (F2fPartial) p = g_new0 (F2fPartial, 1);
  g_autofree gchar *meta = NULL;
  g_autoptr (GError) meta_error = NULL;
  struct statvfs vfs;

  p->fd = -1;
  p->sum = g_checksum_new (G_CHECKSUM_SHA256);
  p->dir = g_strdup (dir);
  p->name = g_strdup (name);
  p->part_path = g_strdup_printf ("%s/.f2f-%s.part", dir, m->id);
  p->meta_path = g_strdup_printf ("%s/.f2f-%s.json", dir, m->id);
  p->sha256 = g_strdup (m->sha256);
  p->size = m->size;

  if (g_mkdir_with_parents (dir, 0755) != 0) {
    set_errno_error (error, errno, "could not create the download directory "
        "%s", dir);
    return NULL;
  }
  if (!resume (p)) {
    meta = gst_f2f_file_message_offer (m);
    p->fd = open (p->part_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC |
        O_NOFOLLOW, 0666);
    if (p->fd < 0) {
      set_errno_error (error, errno, "could not write into the download "
          "directory %s", dir);
      return NULL;
    }
    if (!g_file_set_contents (p->meta_path, meta, -1, &meta_error)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not write "
          "into the download directory %s: %s", dir, meta_error->message);
      f2f_partial_discard (p);
      return NULL;
    }
  }
  /* Refuse at once what cannot fit, rather than fill the disk first. */
  if (statvfs (dir, &vfs) == 0) {
    guint64 free_bytes = (guint64) vfs.f_bavail * vfs.f_frsize;
    guint64 needed = p->size - p->offset;
    if (needed > free_bytes) {
      g_autofree gchar *n = g_format_size (needed);
      g_autofree gchar *fr = g_format_size (free_bytes);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "not enough space "
          "for '%s' in %s: %s needed, %s free", name, dir, n, fr);
      /* What an earlier run received stays for when there is room. */
      if (p->resumed_from == 0)
        f2f_partial_discard (p);
      return NULL;
    }
  }
  return g_steal_pointer (&p);
}

gboolean
f2f_partial_append (F2fPartial * p, const guint8 * data, gsize length,
    GError ** error)
{
  gsize done = 0;

  g_return_val_if_fail (p->fd >= 0, FALSE);
  if (length > p->size - p->offset) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "more bytes of '%s' came than it has", p->name);
    return FALSE;
  }
  while (done < length) {
    ssize_t n = pwrite (p->fd, data + done, length - done, p->offset + done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return set_errno_error (error, n < 0 ? errno : ENOSPC,
          "could not write '%s' to %s", p->name, p->dir);
    done += n;
  }
  g_checksum_update (p->sum, data, length);
  p->offset += length;
  return TRUE;
}

/* Moves the verified partial file to its name, never replacing a file
 * that is there. Returns the path, or NULL with errno set. */
static gchar *
move_into_place (const gchar * part_path, const gchar * dir,
    const gchar * safe_name)
{
  for (guint n = 1; n < 10000; n++) {
    g_autofree gchar *name = n == 1 ? g_strdup (safe_name) :
        gst_f2f_file_numbered_name (safe_name, n);
    g_autofree gchar *path = g_build_filename (dir, name, NULL);

    if (renameat2 (AT_FDCWD, part_path, AT_FDCWD, path,
            RENAME_NOREPLACE) == 0)
      return g_steal_pointer (&path);
    if (errno == EEXIST)
      continue;
    if (errno != EINVAL && errno != ENOSYS)
      return NULL;
    /* A file system without RENAME_NOREPLACE: link() does not replace
     * either. */
    if (link (part_path, path) == 0) {
      g_unlink (part_path);
      return g_steal_pointer (&path);
    }
    if (errno != EEXIST)
      return NULL;
  }
  errno = EEXIST;
  return NULL;
}

gchar *
f2f_partial_finish (F2fPartial * p, const gchar * safe_name, GError ** error)
{
  const gchar *digest;
  gchar *path;

  g_return_val_if_fail (p->fd >= 0 && p->offset == p->size, NULL);
  if (fsync (p->fd) != 0) {
    set_errno_error (error, errno, "could not write '%s' to %s", p->name,
        p->dir);
    f2f_partial_discard (p);
    return NULL;
  }
  digest = g_checksum_get_string (p->sum);
  if (strcmp (digest, p->sha256) != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "'%s' arrived "
        "damaged: its SHA-256 is %s, the sharer announced %s; the copy was "
        "deleted", p->name, digest, p->sha256);
    f2f_partial_discard (p);
    return NULL;
  }
  close (p->fd);
  p->fd = -1;
  path = move_into_place (p->part_path, p->dir, safe_name);
  if (path == NULL) {
    set_errno_error (error, errno, "could not move '%s' into %s", p->name,
        p->dir);
    f2f_partial_discard (p);
    return NULL;
  }
  g_unlink (p->meta_path);
  return path;
}
