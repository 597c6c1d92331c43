/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_F2F_COMPOSITOR (gst_f2f_compositor_get_type ())
G_DECLARE_FINAL_TYPE (GstF2fCompositor, gst_f2f_compositor, GST,
    F2F_COMPOSITOR, GstBin);

GST_ELEMENT_REGISTER_DECLARE (f2fcompositor);

G_END_DECLS
