/* f2f-signaling-server
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The embedded store: rooms and their Argon2id password hashes in SQLite,
 * so a room's password outlives a server restart. Implements the store half
 * of F2fRegistryBackend.
 */
#pragma once

#include "f2fregistry.h"

G_BEGIN_DECLS

typedef struct _F2fStore F2fStore;

/* @path: a file, or ":memory:" for a throwaway store.
 * @expiry_s: how long an empty room keeps its password. */
F2fStore *f2f_store_open (const gchar * path, gint64 expiry_s,
    GError ** error);
void f2f_store_close (F2fStore * store);

/* Fills the store functions of @backend, with the store as their data. */
void f2f_store_fill_backend (F2fStore * store, F2fRegistryBackend * backend);

/* Argon2id (libsodium's interactive limits: ~0.1 s and 64 MiB each).
 * Thread-safe and touching no store, so the server runs them on its
 * password workers. The hash is NULL when libsodium failed. */
gchar *f2f_store_hash_password (const gchar * password);
gboolean f2f_store_verify_password (const gchar * hash,
    const gchar * password);

/* Draws a peer id of 16 characters from libsodium's CSPRNG. */
gchar *f2f_store_new_peer_id (gpointer unused);

G_END_DECLS
