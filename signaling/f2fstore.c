/* f2f-signaling-server
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sqlite3.h>
#include <sodium.h>
#include <gio/gio.h>

#include "f2fstore.h"

struct _F2fStore
{
  sqlite3 *db;
  sqlite3_stmt *lookup;
  sqlite3_stmt *insert;
  sqlite3_stmt *touch;
  sqlite3_stmt *remove;
  gint64 expiry_s;
};

static const gchar schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS rooms ("
    "  id TEXT PRIMARY KEY,"
    "  password_hash TEXT,"     /* NULL: an open room */
    "  created INTEGER NOT NULL,"       /* unix seconds */
    "  last_active INTEGER NOT NULL"    /* unix seconds */
    ");";

static gboolean
prepare (F2fStore * store, const gchar * sql, sqlite3_stmt ** stmt,
    GError ** error)
{
  if (sqlite3_prepare_v2 (store->db, sql, -1, stmt, NULL) != SQLITE_OK) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "could not prepare a statement: %s", sqlite3_errmsg (store->db));
    return FALSE;
  }
  return TRUE;
}

F2fStore *
f2f_store_open (const gchar * path, gint64 expiry_s, GError ** error)
{
  F2fStore *store;
  char *errmsg = NULL;

  if (sodium_init () < 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "libsodium could not be initialised");
    return NULL;
  }

  if (strcmp (path, ":memory:") != 0) {
    g_autofree gchar *dir = g_path_get_dirname (path);
    if (g_mkdir_with_parents (dir, 0700) != 0) {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
          "could not create the directory %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  }

  store = g_new0 (F2fStore, 1);
  store->expiry_s = expiry_s;
  if (sqlite3_open (path, &store->db) != SQLITE_OK) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "could not open the database %s: %s", path,
        sqlite3_errmsg (store->db));
    f2f_store_close (store);
    return NULL;
  }
  sqlite3_busy_timeout (store->db, 2000);
  if (sqlite3_exec (store->db, schema, NULL, NULL, &errmsg) != SQLITE_OK) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "could not set up the database %s: %s", path, errmsg);
    sqlite3_free (errmsg);
    f2f_store_close (store);
    return NULL;
  }
  if (!prepare (store, "SELECT password_hash, last_active FROM rooms "
          "WHERE id = ?1", &store->lookup, error)
      || !prepare (store, "INSERT OR REPLACE INTO rooms "
          "(id, password_hash, created, last_active) VALUES (?1, ?2, ?3, ?3)",
          &store->insert, error)
      || !prepare (store, "UPDATE rooms SET last_active = ?2 WHERE id = ?1",
          &store->touch, error)
      || !prepare (store, "DELETE FROM rooms WHERE id = ?1", &store->remove,
          error)) {
    f2f_store_close (store);
    return NULL;
  }
  return store;
}

void
f2f_store_close (F2fStore * store)
{
  if (store == NULL)
    return;
  sqlite3_finalize (store->lookup);
  sqlite3_finalize (store->insert);
  sqlite3_finalize (store->touch);
  sqlite3_finalize (store->remove);
  sqlite3_close (store->db);
  g_free (store);
}

static gboolean
run (F2fStore * store, sqlite3_stmt * stmt)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE) {
    g_warning ("database write failed: %s", sqlite3_errmsg (store->db));
    return FALSE;
  }
  return TRUE;
}

static gboolean
store_lookup_room (gpointer data, const gchar * room, gint64 now_us,
    gchar ** hash)
{
  F2fStore *store = data;
  gboolean found = FALSE;
  gint64 last_active = 0;
  gchar *stored = NULL;

  sqlite3_bind_text (store->lookup, 1, room, -1, SQLITE_STATIC);
  if (sqlite3_step (store->lookup) == SQLITE_ROW) {
    const unsigned char *h = sqlite3_column_text (store->lookup, 0);
    stored = h ? g_strdup ((const gchar *) h) : NULL;
    last_active = sqlite3_column_int64 (store->lookup, 1);
    found = TRUE;
  }
  sqlite3_reset (store->lookup);
  sqlite3_clear_bindings (store->lookup);

  if (found && store->expiry_s > 0
      && now_us / G_USEC_PER_SEC - last_active > store->expiry_s) {
    g_message ("room %s expired; it will be created afresh", room);
    sqlite3_bind_text (store->remove, 1, room, -1, SQLITE_STATIC);
    run (store, store->remove);
    g_free (stored);
    return FALSE;
  }
  *hash = stored;
  return found;
}

static gboolean
store_create_room (gpointer data, const gchar * room, const gchar * hash,
    gint64 now_us)
{
  F2fStore *store = data;

  sqlite3_bind_text (store->insert, 1, room, -1, SQLITE_STATIC);
  if (hash)
    sqlite3_bind_text (store->insert, 2, hash, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (store->insert, 2);
  sqlite3_bind_int64 (store->insert, 3, now_us / G_USEC_PER_SEC);
  return run (store, store->insert);
}

gchar *
f2f_store_hash_password (const gchar * password)
{
  gchar buf[crypto_pwhash_STRBYTES];

  /* Argon2id with libsodium's interactive limits: ~0.1 s and 64 MiB per
   * hash here, cheap for a join, expensive for a brute force. */
  if (crypto_pwhash_str (buf, password, strlen (password),
          crypto_pwhash_OPSLIMIT_INTERACTIVE,
          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    g_warning ("could not hash a room password (out of memory?)");
    return NULL;
  }
  return g_strdup (buf);
}

gboolean
f2f_store_verify_password (const gchar * hash, const gchar * password)
{
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

static void
store_touch_room (gpointer data, const gchar * room, gint64 now_us)
{
  F2fStore *store = data;

  sqlite3_bind_text (store->touch, 1, room, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (store->touch, 2, now_us / G_USEC_PER_SEC);
  run (store, store->touch);
}

gchar *
f2f_store_new_peer_id (gpointer unused)
{
  static const gchar alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  gchar *id = g_malloc (17);
  guint i;

  for (i = 0; i < 16; i++)
    id[i] = alphabet[randombytes_uniform (sizeof alphabet - 1)];
  id[16] = '\0';
  return id;
}

void
f2f_store_fill_backend (F2fStore * store, F2fRegistryBackend * backend)
{
  backend->lookup_room = store_lookup_room;
  backend->create_room = store_create_room;
  backend->touch_room = store_touch_room;
  backend->new_peer_id = f2f_store_new_peer_id;
}
