/* f2f — GStreamer peer-to-peer conference elements
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#ifndef GST_F2F_API
# ifdef BUILDING_GST_F2F
#  define GST_F2F_API __attribute__ ((visibility ("default"))) extern
# else
#  define GST_F2F_API extern
# endif
#endif
