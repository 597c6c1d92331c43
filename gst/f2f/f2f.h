/* f2f — GStreamer peer-to-peer conference elements
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>
#include <gst/f2f/f2f-enumtypes.h>
#include <gst/f2f/f2fprotocol.h>
#include <gst/f2f/f2froom.h>
#include <gst/f2f/f2fpeerproto.h>
#include <gst/f2f/f2ftopology.h>
#include <gst/f2f/f2flayout.h>
#include <gst/f2f/f2fspeaker.h>
#include <gst/f2f/f2ffileproto.h>
#include <gst/f2f/f2fplan.h>
#include <gst/f2f/f2fbitrate.h>
#include <gst/f2f/f2felect.h>
#include <gst/f2f/f2felectproto.h>
#include <gst/f2f/f2fprobeturn.h>
#include <gst/f2f/f2ftimeline.h>
