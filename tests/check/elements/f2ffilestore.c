/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The disk side of f2ffileshare on its own (plugins/f2f/f2ffilestore.c):
 * hashing a shared file, and a download's partial file — resumed after a
 * stop, verified, moved into place without replacing anything, deleted
 * when damaged.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "../../../plugins/f2f/f2ffilestore.h"

static gchar *dir;

static void
setup (void)
{
  dir = g_dir_make_tmp ("f2ffilestore-XXXXXX", NULL);
  fail_unless (dir != NULL);
}

static void
teardown (void)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    g_autofree gchar *child = g_build_filename (dir, name, NULL);
    g_unlink (child);
  }
  g_rmdir (dir);
  g_clear_pointer (&dir, g_free);
}

static guint
entries (void)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static GBytes *
pattern (gsize size, guint seed)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 31 + seed);
  return g_bytes_new_take (data, size);
}

static GstF2fFileManifest *
manifest (const gchar * id, GBytes * content, const gchar * sha)
{
  GstF2fFileManifest *m = g_new0 (GstF2fFileManifest, 1);

  m->id = g_strdup (id);
  m->name = g_strdup ("x");
  m->size = g_bytes_get_size (content);
  m->sha256 = sha ? g_strdup (sha) :
      g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);
  m->sharer = g_strdup ("peer");
  return m;
}

GST_START_TEST (test_resume_after_stop)
{
  g_autoptr (GBytes) content = pattern (300000, 7);
  g_autoptr (GstF2fFileManifest) m = manifest ("id-1", content, NULL);
  const guint8 *data = g_bytes_get_data (content, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL, *want = NULL, *landed = NULL;
  F2fPartial *p;
  gsize len;

  p = f2f_partial_open (dir, m, "x.bin", &error);
  fail_unless (p != NULL, "%s", error ? error->message : "");
  fail_unless_equals_uint64 (f2f_partial_get_offset (p), 0);
  fail_unless (f2f_partial_append (p, data, 100000, &error));
  f2f_partial_free (p);         /* stopped: the bytes stay */
  fail_unless_equals_int (entries (), 2);

  p = f2f_partial_open (dir, m, "x.bin", &error);
  fail_unless (p != NULL);
  fail_unless_equals_uint64 (f2f_partial_get_offset (p), 100000);
  fail_unless_equals_uint64 (f2f_partial_get_resumed_from (p), 100000);
  fail_unless (f2f_partial_append (p, data + 100000, 200000, &error));
  /* nothing past the end */
  fail_if (f2f_partial_append (p, data, 1, &error));
  g_clear_error (&error);
  path = f2f_partial_finish (p, "x.bin", &error);
  f2f_partial_free (p);
  want = g_build_filename (dir, "x.bin", NULL);
  fail_unless_equals_string (path, want);
  fail_unless (g_file_get_contents (path, &landed, &len, NULL));
  fail_unless (len == 300000 && memcmp (landed, data, len) == 0);
  fail_unless_equals_int (entries (), 1);
}

GST_END_TEST;

/* A partial file of another file with the same id is not resumed. */
GST_START_TEST (test_no_resume_of_other_file)
{
  g_autoptr (GBytes) a = pattern (1000, 1);
  g_autoptr (GBytes) b = pattern (2000, 2);
  g_autoptr (GstF2fFileManifest) ma = manifest ("same", a, NULL);
  g_autoptr (GstF2fFileManifest) mb = manifest ("same", b, NULL);
  g_autoptr (GError) error = NULL;
  F2fPartial *p;

  p = f2f_partial_open (dir, ma, "a", &error);
  fail_unless (f2f_partial_append (p, g_bytes_get_data (a, NULL), 500,
          &error));
  f2f_partial_free (p);
  p = f2f_partial_open (dir, mb, "b", &error);
  fail_unless (p != NULL);
  fail_unless_equals_uint64 (f2f_partial_get_offset (p), 0);
  f2f_partial_discard (p);
  f2f_partial_free (p);
  fail_unless_equals_int (entries (), 0);
}

GST_END_TEST;

GST_START_TEST (test_damaged_is_deleted)
{
  g_autoptr (GBytes) content = pattern (70000, 3);
  g_autofree gchar *wrong = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
      "something else", -1);
  g_autoptr (GstF2fFileManifest) m = manifest ("id-2", content, wrong);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  F2fPartial *p;

  p = f2f_partial_open (dir, m, "d.bin", &error);
  fail_unless (f2f_partial_append (p, g_bytes_get_data (content, NULL),
          70000, &error));
  path = f2f_partial_finish (p, "d.bin", &error);
  f2f_partial_free (p);
  fail_unless (path == NULL);
  fail_unless (error && strstr (error->message, "'d.bin' arrived damaged"));
  fail_unless_equals_int (entries (), 0);
}

GST_END_TEST;

GST_START_TEST (test_never_replaces)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *existing = g_build_filename (dir, "r.txt", NULL);
  g_autofree gchar *old = NULL;

  fail_unless (g_file_set_contents (existing, "keep me", -1, NULL));
  for (guint i = 2; i <= 4; i++) {
    g_autofree gchar *id = g_strdup_printf ("n%u", i);
    g_autofree gchar *name = g_strdup_printf ("r (%u).txt", i);
    g_autofree gchar *want = g_build_filename (dir, name, NULL);
    g_autoptr (GBytes) content = pattern (10 * i, i);
    g_autoptr (GstF2fFileManifest) m = manifest (id, content, NULL);
    g_autofree gchar *path = NULL;
    F2fPartial *p = f2f_partial_open (dir, m, "r.txt", &error);
    fail_unless (f2f_partial_append (p, g_bytes_get_data (content, NULL),
            10 * i, &error));
    path = f2f_partial_finish (p, "r.txt", &error);
    f2f_partial_free (p);
    fail_unless_equals_string (path, want);
  }
  fail_unless (g_file_get_contents (existing, &old, NULL, NULL));
  fail_unless_equals_string (old, "keep me");
}

GST_END_TEST;

GST_START_TEST (test_hash)
{
  g_autoptr (GBytes) content = pattern (3 * 1024 * 1024 + 5, 9);
  g_autofree gchar *path = g_build_filename (dir, "h.bin", NULL);
  g_autofree gchar *want = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
      content);
  g_autofree gchar *sha = NULL, *type = NULL;
  g_autoptr (GError) error = NULL;
  guint64 size = 0;
  gint64 mtime = 0;

  fail_unless (g_file_set_contents (path, g_bytes_get_data (content, NULL),
          g_bytes_get_size (content), NULL));
  fail_unless (f2f_file_hash (path, NULL, &sha, &size, &mtime, &type,
          &error));
  fail_unless_equals_string (sha, want);
  fail_unless_equals_uint64 (size, 3 * 1024 * 1024 + 5);
  fail_unless (type != NULL);

  fail_if (f2f_file_hash (dir, NULL, &sha, &size, &mtime, &type, &error));
  fail_unless (strstr (error->message, "not a regular file"));
  g_clear_error (&error);
  fail_if (f2f_file_hash ("/nonexistent/f", NULL, &sha, &size, &mtime, &type,
          &error));
  fail_unless (strstr (error->message, "/nonexistent/f"));
}

GST_END_TEST;

static Suite *
f2ffilestore_suite (void)
{
  Suite *s = suite_create ("f2ffilestore");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_resume_after_stop);
  tcase_add_test (tc, test_no_resume_of_other_file);
  tcase_add_test (tc, test_damaged_is_deleted);
  tcase_add_test (tc, test_never_replaces);
  tcase_add_test (tc, test_hash);
  return s;
}

GST_CHECK_MAIN (f2ffilestore);
