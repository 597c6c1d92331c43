/* f2f-signaling-server
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The store: password hashes are Argon2id and verify; rooms persist in the
 * file; an empty room expires after the configured time and not before.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "f2fstore.h"

#define S(sec) ((gint64) (sec) * G_USEC_PER_SEC)

GST_START_TEST (test_hash_and_verify)
{
  g_autoptr (GError) error = NULL;
  F2fStore *store = f2f_store_open (":memory:", 3600, &error);
  F2fRegistryBackend b = { 0, };
  g_autofree gchar *hash = NULL, *again = NULL;

  fail_unless (store != NULL, "%s", error ? error->message : "");
  f2f_store_fill_backend (store, &b);
  hash = f2f_store_hash_password ("s3cret");
  fail_unless (hash != NULL);
  fail_unless (b.create_room (store, "vault", hash, S (1000)));
  /* a hash, never the password */
  fail_unless (g_str_has_prefix (hash, "$argon2id$"), "hash: %s", hash);
  fail_if (strstr (hash, "s3cret") != NULL);
  fail_unless (f2f_store_verify_password (hash, "s3cret"));
  fail_if (f2f_store_verify_password (hash, "s3cret "));
  fail_if (f2f_store_verify_password (hash, ""));
  fail_unless (b.lookup_room (store, "vault", S (1001), &again));
  fail_unless_equals_string (again, hash);
  f2f_store_close (store);
}

GST_END_TEST;

GST_START_TEST (test_expiry)
{
  F2fStore *store = f2f_store_open (":memory:", 100, NULL);
  F2fRegistryBackend b = { 0, };
  g_autofree gchar *hash = NULL;
  gchar *h = NULL;

  f2f_store_fill_backend (store, &b);
  fail_unless (b.create_room (store, "open", NULL, S (1000)));
  hash = f2f_store_hash_password ("pw");
  fail_unless (b.create_room (store, "locked", hash, S (1000)));

  /* used at 1050: counts from then */
  b.touch_room (store, "locked", S (1050));
  fail_unless (b.lookup_room (store, "locked", S (1149), &h));
  fail_unless (h != NULL);
  g_clear_pointer (&h, g_free);
  fail_unless (b.lookup_room (store, "open", S (1099), &h));
  fail_unless (h == NULL);
  /* past the expiry: forgotten, free to be created afresh */
  fail_if (b.lookup_room (store, "open", S (1101), &h));
  fail_if (b.lookup_room (store, "locked", S (1151), &h));
  fail_if (b.lookup_room (store, "locked", S (1152), &h));
  f2f_store_close (store);
}

GST_END_TEST;

GST_START_TEST (test_persists_in_file)
{
  g_autofree gchar *dir = g_dir_make_tmp ("f2f-store-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "sub", "rooms.db", NULL);
  F2fRegistryBackend b = { 0, };
  g_autofree gchar *hash = NULL;
  gchar *h = NULL;
  F2fStore *store;

  /* the directory is made when missing */
  store = f2f_store_open (path, 0, NULL);
  fail_unless (store != NULL);
  f2f_store_fill_backend (store, &b);
  hash = f2f_store_hash_password ("pw");
  fail_unless (b.create_room (store, "kept", hash, S (10)));
  f2f_store_close (store);

  store = f2f_store_open (path, 0, NULL);
  fail_unless (store != NULL);
  /* expiry 0 keeps rooms for ever */
  fail_unless (b.lookup_room (store, "kept", S (10 + 10 * 365 * 86400), &h));
  fail_unless (f2f_store_verify_password (h, "pw"));
  g_free (h);
  f2f_store_close (store);

  g_unlink (path);
  {
    g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
    g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);
    g_autofree gchar *sub = g_path_get_dirname (path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (sub);
  }
  g_rmdir (dir);
}

GST_END_TEST;

GST_START_TEST (test_unopenable)
{
  g_autoptr (GError) error = NULL;
  F2fStore *store = f2f_store_open ("/proc/f2f-cannot/rooms.db", 0, &error);

  fail_unless (store == NULL);
  fail_unless (error != NULL && error->message[0] != '\0');
}

GST_END_TEST;

GST_START_TEST (test_peer_ids)
{
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  guint i;

  for (i = 0; i < 1000; i++) {
    gchar *id = f2f_store_new_peer_id (NULL);
    fail_unless (gst_f2f_is_valid_peer_id (id));
    fail_unless_equals_int (strlen (id), 16);
    fail_unless (g_hash_table_add (seen, id), "id %s drawn twice", id);
  }
  g_hash_table_unref (seen);
}

GST_END_TEST;

static Suite *
store_suite (void)
{
  Suite *s = suite_create ("f2f store");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_hash_and_verify);
  tcase_add_test (tc, test_expiry);
  tcase_add_test (tc, test_persists_in_file);
  tcase_add_test (tc, test_unopenable);
  tcase_add_test (tc, test_peer_ids);
  return s;
}

GST_CHECK_MAIN (store);
