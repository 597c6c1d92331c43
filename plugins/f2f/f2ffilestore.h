/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The disk side of f2ffileshare, with no room and no threads of its own:
 * reading a file to share through SHA-256, and a download's partial file —
 * created or resumed, written at its offset, then synced, verified and
 * moved into place without replacing anything. Every failure is a GError
 * whose message is a sentence for a person.
 */
#pragma once

#include <gio/gio.h>
#include <gst/f2f/f2f.h>

G_BEGIN_DECLS

/* Reads @path once, in blocks, through SHA-256; never the whole file in
 * memory. Fails when it is not a regular file or changes meanwhile. */
gboolean f2f_file_hash (const gchar * path, GCancellable * cancellable,
    gchar ** sha256, guint64 * size, gint64 * mtime, gchar ** media_type,
    GError ** error);

typedef struct _F2fPartial F2fPartial;

/* The partial file of @manifest in @dir (".f2f-ID.part", with the
 * manifest beside it in ".f2f-ID.json"): the one an earlier run left,
 * read back through SHA-256, or a new one. Creates @dir when needed and
 * refuses at once what cannot fit. @name is how messages call the file. */
F2fPartial *f2f_partial_open (const gchar * dir,
    const GstF2fFileManifest * manifest, const gchar * name, GError ** error);
/* Bytes on disk (and hashed) so far: where the transfer goes on. */
guint64 f2f_partial_get_offset (F2fPartial * partial);
/* What an earlier run had left (0 for a new file). */
guint64 f2f_partial_get_resumed_from (F2fPartial * partial);
/* Writes the next bytes. */
gboolean f2f_partial_append (F2fPartial * partial, const guint8 * data,
    gsize length, GError ** error);
/* Once every byte is there: syncs it, checks its SHA-256 and moves it to
 * @safe_name in the directory, or "name (2).ext", … when that is taken.
 * Returns the path; on failure the partial files are deleted. */
gchar *f2f_partial_finish (F2fPartial * partial, const gchar * safe_name,
    GError ** error);
/* Deletes the partial files (a failed or canceled download). */
void f2f_partial_discard (F2fPartial * partial);
/* Closes it; the files stay for the next run to resume. */
void f2f_partial_free (F2fPartial * partial);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (F2fPartial, f2f_partial_free);

G_END_DECLS
