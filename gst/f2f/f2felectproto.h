/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The messages f2felection peers exchange on the data channel
 * "f2f-election": measurements, the leader's request for them, and a
 * non-leader's request for an election. JSON text; see docs/protocol.md,
 * "Election". The sender of a message is the peer of the link it came on,
 * never a field of the message, so a peer cannot speak for another.
 */
#pragma once

#include <gst/f2f/f2f-prelude.h>
#include <gst/f2f/f2felect.h>

G_BEGIN_DECLS

#define GST_F2F_ELECTION_CHANNEL "f2f-election"
/* The uplink probe's chunks (binary, see below) go on their own channel,
 * so they never hold the election's messages back. */
#define GST_F2F_PROBE_CHANNEL "f2f-probe"
/* A probe chunk: a 16-byte header, then filler. */
#define GST_F2F_PROBE_HEADER_SIZE 16
#define GST_F2F_PROBE_CHUNK_SIZE 16384
/* The longest a probe may take to send (the probe-duration property's
 * bound): a probe-ask asking for more is refused. */
#define GST_F2F_ELECT_MAX_PROBE_DURATION_MS 1000
/* A trigger's reason is a short word for logs; longer ones are refused. */
#define GST_F2F_ELECT_MAX_REASON_LENGTH 64

/**
 * GstF2fElectMessageType:
 * @GST_F2F_ELECT_MESSAGE_MEASUREMENT: what the sender measured about
 *   itself; sent every measurement interval and in answer to a request.
 * @GST_F2F_ELECT_MESSAGE_REQUEST: the leader starts an election and asks
 *   everyone for a measurement now.
 * @GST_F2F_ELECT_MESSAGE_TRIGGER: a peer asks the leader for an election.
 * @GST_F2F_ELECT_MESSAGE_PROBE_RESULT: the receiver of an uplink probe
 *   tells its sender what arrived and over how long.
 * @GST_F2F_ELECT_MESSAGE_PROBE_ASK: a peer asks another whether it may
 *   probe its uplink towards it now (gstf2fprobeturn.h).
 * @GST_F2F_ELECT_MESSAGE_PROBE_ANSWER: the answer to a probe-ask.
 */
typedef enum
{
  GST_F2F_ELECT_MESSAGE_MEASUREMENT,
  GST_F2F_ELECT_MESSAGE_REQUEST,
  GST_F2F_ELECT_MESSAGE_TRIGGER,
  GST_F2F_ELECT_MESSAGE_PROBE_RESULT,
  GST_F2F_ELECT_MESSAGE_PROBE_ASK,
  GST_F2F_ELECT_MESSAGE_PROBE_ANSWER,
} GstF2fElectMessageType;

/**
 * GstF2fElectMessage:
 * @request: measurement: the request it answers (0: a periodic one);
 *   request: its id, increasing at each election of one leader.
 * @epoch: request: the plan epoch the election is for.
 * @reason: trigger: why (owned).
 * @measurement: measurement: the record, with @peer NULL and @age_ms 0
 *   (the receiver knows who sent it and when).
 * @probe: probe-result, probe-ask, probe-answer: the probe's id.
 * @bytes: probe-result: bytes that arrived after the probe's first chunk.
 * @span_us: probe-result: µs from the first chunk's arrival to the last's.
 * @duration_ms: probe-ask: the longest the probe will take to send
 *   (the asker's probe-duration).
 * @granted: probe-answer: whether the probe may start now.
 */
typedef struct
{
  GstF2fElectMessageType type;
  guint64 request;
  guint64 epoch;
  gchar *reason;
  GstF2fMeasurement measurement;
  guint64 probe;
  guint64 bytes;
  gint64 span_us;
  guint duration_ms;
  gboolean granted;
} GstF2fElectMessage;

GST_F2F_API void gst_f2f_elect_message_free (GstF2fElectMessage * msg);

/* Unknown values (GST_F2F_ELECT_UNKNOWN, uplink 0) are written as they are:
 *   {"type":"measurement","request":0,"uplink-bps":0,"class":"normal",
 *    "rtt-ms":12.5,"loss":0.01,"cpu-load":0.3,"encode-ms":-1} */
GST_F2F_API gchar *gst_f2f_elect_message_measurement (const
    GstF2fMeasurement * m, guint64 request);
/*   {"type":"request","request":3,"epoch":5} */
GST_F2F_API gchar *gst_f2f_elect_message_request (guint64 request,
    guint64 epoch);
/*   {"type":"trigger","reason":"manual"} */
GST_F2F_API gchar *gst_f2f_elect_message_trigger (const gchar * reason);

/*   {"type":"probe-result","probe":4,"bytes":245760,"span-us":1874000} */
GST_F2F_API gchar *gst_f2f_elect_message_probe_result (guint64 probe,
    guint64 bytes, gint64 span_us);

GST_F2F_API gchar *gst_f2f_elect_message_probe_ask (guint64 probe,
    guint duration_ms);

GST_F2F_API gchar *gst_f2f_elect_message_probe_answer (guint64 probe,
    gboolean granted);

/* Strict: an object with a known "type" and every member of that type,
 * numbers in range (loss 0..1 or -1, rtt, cpu and encode ≥ 0 or -1, a
 * known class); unknown members are ignored so the form can grow. NULL
 * with @error (G_IO_ERROR_INVALID_DATA, a reason a person understands)
 * otherwise. */
GST_F2F_API GstF2fElectMessage *gst_f2f_elect_message_parse (const gchar *
    data, gsize length, GError ** error);

/* Uplink probe chunks, on GST_F2F_PROBE_CHANNEL: "f2fprobe", the probe id
 * (32 bits, big-endian), the chunk's index (16 bits), flags (1: the last
 * chunk of the probe), a zero byte; then @size − 16 bytes of filler.
 * @size is at least GST_F2F_PROBE_HEADER_SIZE. */
GST_F2F_API GBytes *gst_f2f_elect_probe_chunk_new (guint32 probe,
    guint16 index, gboolean last, gsize size);
/* FALSE when @data is not a probe chunk. */
GST_F2F_API gboolean gst_f2f_elect_probe_chunk_parse (const guint8 * data,
    gsize length, guint32 * probe, guint16 * index, gboolean * last);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstF2fElectMessage, gst_f2f_elect_message_free);

G_END_DECLS
