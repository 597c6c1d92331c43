/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_F2F_ELECTION (gst_f2f_election_get_type ())
G_DECLARE_FINAL_TYPE (GstF2fElection, gst_f2f_election, GST, F2F_ELECTION,
    GstElement);

G_END_DECLS
