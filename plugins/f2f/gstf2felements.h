/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* One GST_ELEMENT_REGISTER_DECLARE per element of the plugin. */
GST_ELEMENT_REGISTER_DECLARE (f2fcompositor);
GST_ELEMENT_REGISTER_DECLARE (f2fsignal);
GST_ELEMENT_REGISTER_DECLARE (f2ftopology);
GST_ELEMENT_REGISTER_DECLARE (f2ffileshare);
GST_ELEMENT_REGISTER_DECLARE (f2felection);

G_END_DECLS
