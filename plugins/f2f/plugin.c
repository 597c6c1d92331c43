/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstf2felements.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  /* Each element registers here as it arrives; see gstf2felements.h. */
  ret |= TRUE;
  ret |= GST_ELEMENT_REGISTER (f2fcompositor, plugin);
  ret |= GST_ELEMENT_REGISTER (f2fsignal, plugin);
  ret |= GST_ELEMENT_REGISTER (f2ftopology, plugin);
  ret |= GST_ELEMENT_REGISTER (f2ffileshare, plugin);
  ret |= GST_ELEMENT_REGISTER (f2felection, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, f2f,
    "Peer-to-peer conference rooms: signaling, mixing, election, files, topology",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
