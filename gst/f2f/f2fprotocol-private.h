/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Checks raw JSON text against RFC 8259 before json-glib parses it; the
 * strict one also refuses escapes JSON does not have. See f2fprotocol.c. */
G_GNUC_INTERNAL gboolean gst_f2f_scan_frame (const gchar * data, gsize length,
    guint max_depth, const gchar ** problem);
G_GNUC_INTERNAL gboolean gst_f2f_scan_frame_strict (const gchar * data,
    gsize length, guint max_depth, const gchar ** problem);

/* The nick of an enum value: the wire name (f2fprotocol.c, f2fplan.c). */
G_GNUC_INTERNAL const gchar *gst_f2f_enum_nick (GType type, gint value);

/* Members of JSON objects being built; a NULL string adds nothing. */
G_GNUC_INTERNAL void gst_f2f_json_add_string (JsonBuilder * b,
    const gchar * name, const gchar * value);
G_GNUC_INTERNAL void gst_f2f_json_add_int (JsonBuilder * b,
    const gchar * name, gint64 value);

G_END_DECLS
