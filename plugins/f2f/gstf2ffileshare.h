/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum
{
  GST_F2F_FILE_ACCEPT_ALL,
  GST_F2F_FILE_ACCEPT_NONE,
  GST_F2F_FILE_ACCEPT_UP_TO_SIZE,
} GstF2fFileAccept;

#define GST_TYPE_F2F_FILE_SHARE (gst_f2f_file_share_get_type ())
G_DECLARE_FINAL_TYPE (GstF2fFileShare, gst_f2f_file_share, GST,
    F2F_FILE_SHARE, GstElement);

G_END_DECLS
