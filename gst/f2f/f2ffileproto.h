/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The file-sharing protocol of f2ffileshare, without any I/O: the JSON
 * messages on the "f2f-files" data channel (offers, requests, cancels),
 * the binary chunk framing on the "f2f-file-data" channel, and the rules
 * that turn a name from the network into a safe local file name. See
 * docs/protocol.md, "File sharing".
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>

G_BEGIN_DECLS

/* Control messages (JSON text), one reliable ordered channel per link. */
#define GST_F2F_FILES_CHANNEL "f2f-files"
/* File chunks (binary), a second channel so that a reader of the control
 * channel never waits behind a chunk. */
#define GST_F2F_FILE_DATA_CHANNEL "f2f-file-data"

/* webrtcbin refuses data-channel messages over 64 KiB (the default remote
 * max-message-size), so a chunk, header included, is at most that. */
#define GST_F2F_FILE_MESSAGE_MAX 65536
#define GST_F2F_FILE_CHUNK_HEADER 16
#define GST_F2F_FILE_CHUNK_PAYLOAD (GST_F2F_FILE_MESSAGE_MAX - GST_F2F_FILE_CHUNK_HEADER)

/* A name longer than this (bytes, UTF-8) is refused outright; shorter
 * ones are shortened to GST_F2F_FILE_NAME_KEEP bytes when needed. */
#define GST_F2F_FILE_NAME_MAX 16384
#define GST_F2F_FILE_NAME_KEEP 200

typedef enum
{
  GST_F2F_FILE_MESSAGE_OFFER,   /* sender holds the file (manifest) */
  GST_F2F_FILE_MESSAGE_UNSHARE, /* sender no longer holds it */
  GST_F2F_FILE_MESSAGE_REQUEST, /* send me bytes from offset on */
  GST_F2F_FILE_MESSAGE_CANCEL,  /* stop transfer N (either side) */
} GstF2fFileMessageType;

/* What a share announces. Immutable: a changed file is a new share with a
 * new id. */
typedef struct
{
  gchar *id;                    /* [A-Za-z0-9-], 1..64 chars */
  gchar *name;                  /* as the sharer named it: untrusted */
  guint64 size;
  gchar *sha256;                /* 64 lowercase hex digits */
  gchar *media_type;            /* e.g. "application/pdf" */
  gchar *sharer;                /* peer id of the first holder */
  gchar *sharer_name;           /* display name (may be NULL) */
} GstF2fFileManifest;

typedef struct
{
  GstF2fFileMessageType type;
  GstF2fFileManifest *manifest; /* offer */
  gchar *id;                    /* unshare, request */
  guint64 offset;               /* request */
  guint32 transfer;             /* request, cancel: chosen by the receiver */
  gchar *reason;                /* cancel (may be NULL) */
} GstF2fFileMessage;

GST_F2F_API GstF2fFileManifest *gst_f2f_file_manifest_copy (const
    GstF2fFileManifest * manifest);
GST_F2F_API void gst_f2f_file_manifest_free (GstF2fFileManifest * manifest);
GST_F2F_API void gst_f2f_file_message_free (GstF2fFileMessage * msg);

GST_F2F_API gboolean gst_f2f_file_id_is_valid (const gchar * id);
GST_F2F_API gboolean gst_f2f_file_sha256_is_valid (const gchar * sha256);

GST_F2F_API gchar *gst_f2f_file_message_offer (const GstF2fFileManifest *
    manifest);
GST_F2F_API gchar *gst_f2f_file_message_unshare (const gchar * id);
GST_F2F_API gchar *gst_f2f_file_message_request (const gchar * id,
    guint64 offset, guint32 transfer);
GST_F2F_API gchar *gst_f2f_file_message_cancel (guint32 transfer,
    const gchar * reason);
/* Validates everything: a manifest comes back with a valid id, SHA-256 and
 * a name of at most GST_F2F_FILE_NAME_MAX bytes (not yet made safe). */
GST_F2F_API GstF2fFileMessage *gst_f2f_file_message_parse (const gchar * data,
    gsize length, GError ** error);

/* Chunk framing: "F2FC" | transfer (u32, big endian) | offset (u64, big
 * endian) | payload of at most GST_F2F_FILE_CHUNK_PAYLOAD bytes. */
GST_F2F_API GBytes *gst_f2f_file_chunk_pack (guint32 transfer, guint64 offset,
    const guint8 * payload, gsize length);
GST_F2F_API gboolean gst_f2f_file_chunk_parse (GBytes * chunk,
    guint32 * transfer, guint64 * offset, const guint8 ** payload,
    gsize * length);

/* A name from the network made safe to create in a directory: one path
 * component, no control characters, no leading dot, valid UTF-8, at most
 * GST_F2F_FILE_NAME_KEEP bytes (the extension is kept when shortening).
 * NULL with @error when nothing usable is left or the name is over
 * GST_F2F_FILE_NAME_MAX bytes. */
GST_F2F_API gchar *gst_f2f_file_safe_name (const gchar * name,
    GError ** error);
/* "report.pdf", 2 → "report (2).pdf"; "archive" → "archive (2)". */
GST_F2F_API gchar *gst_f2f_file_numbered_name (const gchar * safe_name,
    guint n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fFileManifest, gst_f2f_file_manifest_free);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fFileMessage, gst_f2f_file_message_free);

G_END_DECLS
