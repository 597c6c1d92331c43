/* f2f — GStreamer peer-to-peer conference elements
 * Copyright (C) 2026 the f2f authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-f2fcompositor
 * @title: f2fcompositor
 * @short_description: the room mixer: one composited video, one full audio
 *   mix, and an N-1 audio mix per participant
 *
 * f2fcompositor takes the raw video and raw audio of every participant of a
 * room and makes the room view: one video with everyone's picture in a grid
 * or speaker layout, labelled with their names; the mix of everyone's audio;
 * and, on request, a "mix-minus" for each participant — everyone but them, so
 * nobody hears their own voice back. Participants join and leave while it
 * plays without the output stopping.
 *
 * ## Pads
 *
 * * `video_%u` (request, sink, raw video of any size, rate and format) and
 *   `audio_%u` (request, sink, raw audio of any rate, channels and format):
 *   one participant's media. Both carry the pad properties `participant-id`
 *   and `display-name`. A pad's `participant-id` defaults to its number, so
 *   `video_1` and `audio_1` are one participant unless told otherwise.
 * * `video_src` (always): the composited video, I420 at #GstF2fCompositor:width
 *   × #GstF2fCompositor:height and #GstF2fCompositor:framerate.
 * * `audio_src` (always): everyone's audio mixed: S16LE interleaved at
 *   #GstF2fCompositor:audio-rate with #GstF2fCompositor:audio-channels.
 * * `audio_minus_%u` (request, src): the mix of everyone except the
 *   participant named by the pad's `participant-id` (default: its number, so
 *   `audio_minus_1` leaves out `audio_1`).
 *
 * The mixes add samples and saturate: a sum beyond the S16 range is clipped
 * to -32768 or 32767. Inputs are converted to the mix format first.
 *
 * Output pads that are not linked drop their data, so an unused `audio_src`
 * never holds up the video.
 *
 * ## Latency
 *
 * The element is a live source (it keeps producing output with nobody in the
 * room). Its mixers wait #GstF2fCompositor:latency longer than the largest
 * upstream latency they saw when they started, so an input that joins later
 * with up to that much more latency is mixed without losing a sample.
 * Latency queries on the source pads answer upstream latency plus this
 * budget. #GstF2fCompositor:dropped-samples counts any samples the mixers had
 * to drop anyway.
 *
 * ## Joining and leaving
 *
 * Request the pads and link them while playing; the layout changes at once.
 * To leave, stop (or unlink) what feeds a pad, then release it with
 * gst_element_release_request_pad(). Releasing a pad that is not a
 * participant pad logs a warning and does nothing.
 *
 * ## Messages
 *
 * `f2f-active-speaker` (element message), posted when the active speaker
 * changes; the speaker is the loudest participant above
 * #GstF2fCompositor:speaker-threshold, changed at most once per
 * #GstF2fCompositor:speaker-hold-time and only for someone 6 dB louder:
 *
 * * `participant-id` (string, may be %NULL when nobody is left speaking)
 * * `display-name` (string, may be %NULL)
 * * `previous-participant-id` (string, may be %NULL)
 * * `running-time` (guint64, nanoseconds): when the change was decided
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 f2fcompositor name=room layout=speaker \
 *       video_1::display-name=Alice video_2::display-name=Bob \
 *     videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240 ! room.video_1 \
 *     audiotestsrc is-live=true freq=440 ! room.audio_1 \
 *     videotestsrc is-live=true pattern=smpte ! video/x-raw,width=320,height=240 ! room.video_2 \
 *     audiotestsrc is-live=true freq=660 volume=0.2 ! room.audio_2 \
 *     room.video_src ! videoconvert ! autovideosink \
 *     room.audio_src ! audioconvert ! autoaudiosink \
 *     room.audio_minus_1 ! fakesink
 * ]| Alice and Bob in a speaker layout; Alice is louder, so her picture is
 * large. `audio_minus_1` is what Alice should hear: Bob only.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/video/video.h>
#include <gst/audio/audio.h>
#include <gst/f2f/f2f.h>

#include "gstf2fcompositor.h"
#include "f2fpads.h"

GST_DEBUG_CATEGORY_STATIC (gst_f2f_compositor_debug);
#define GST_CAT_DEFAULT gst_f2f_compositor_debug

#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 360
#define DEFAULT_FPS_N 15
#define DEFAULT_FPS_D 1
#define DEFAULT_LATENCY (100 * GST_MSECOND)
#define DEFAULT_LAYOUT GST_F2F_LAYOUT_MODE_GRID
#define DEFAULT_PINNED NULL
#define DEFAULT_SHOW_LABELS TRUE
#define DEFAULT_SPEAKER_HOLD_TIME GST_SECOND
#define DEFAULT_SPEAKER_THRESHOLD -50.0
#define DEFAULT_AUDIO_RATE 48000
#define DEFAULT_AUDIO_CHANNELS 2

/* A challenger must be this much louder than the speaker to take over. */
#define SPEAKER_MARGIN_DB 6.0
/* How often each input's level is measured for the speaker decision. */
#define LEVEL_INTERVAL (100 * GST_MSECOND)
/* Audio buffer length of the internal silence that keeps the mixes going. */
#define SILENCE_BUFFER_MS 10
/* The background picture is this small and fully transparent: it only keeps
 * the compositor live and ticking, it costs nothing to draw. */
#define BACKGROUND_SIZE 16
#define LABEL_FONT "Sans Bold 16"

enum
{
  PROP_0,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_FRAMERATE,
  PROP_LATENCY,
  PROP_LAYOUT,
  PROP_PINNED,
  PROP_SHOW_LABELS,
  PROP_SPEAKER_HOLD_TIME,
  PROP_SPEAKER_THRESHOLD,
  PROP_ACTIVE_SPEAKER,
  PROP_AUDIO_RATE,
  PROP_AUDIO_CHANNELS,
  PROP_DROPPED_SAMPLES,
};

enum
{
  PROP_PAD_0,
  PROP_PAD_PARTICIPANT_ID,
  PROP_PAD_DISPLAY_NAME,
};

/* ------------------------------------------------------------------------ */
/* GstF2fCompositorPad: a ghost pad that says whose media it carries. */

#define GST_TYPE_F2F_COMPOSITOR_PAD (gst_f2f_compositor_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstF2fCompositorPad, gst_f2f_compositor_pad, GST,
    F2F_COMPOSITOR_PAD, GstGhostPad);

struct _GstF2fCompositorPad
{
  GstGhostPad parent;

  /* protected by the pad's object lock */
  gchar *participant_id;
  gchar *display_name;

  gint refused;                 /* atomic: got caps we cannot convert */
};

G_DEFINE_TYPE (GstF2fCompositorPad, gst_f2f_compositor_pad,
    GST_TYPE_GHOST_PAD);

static void gst_f2f_compositor_pad_changed (GstF2fCompositor * self,
    GstF2fCompositorPad * pad, const gchar * old_id);

static gchar *
pad_dup_id (GstF2fCompositorPad * pad)
{
  gchar *id;

  GST_OBJECT_LOCK (pad);
  id = g_strdup (pad->participant_id);
  GST_OBJECT_UNLOCK (pad);
  return id;
}

static gchar *
pad_dup_name (GstF2fCompositorPad * pad)
{
  gchar *name;

  GST_OBJECT_LOCK (pad);
  name = g_strdup (pad->display_name);
  GST_OBJECT_UNLOCK (pad);
  return name;
}

static void
gst_f2f_compositor_pad_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstF2fCompositorPad *pad = GST_F2F_COMPOSITOR_PAD (object);
  GstObject *parent;
  gchar *old_id = NULL;

  switch (prop_id) {
    case PROP_PAD_PARTICIPANT_ID:{
      const gchar *id = g_value_get_string (value);

      if (!id || !*id) {
        GST_WARNING_OBJECT (pad, "ignoring an empty participant-id");
        return;
      }
      GST_OBJECT_LOCK (pad);
      old_id = pad->participant_id;
      pad->participant_id = g_strdup (id);
      GST_OBJECT_UNLOCK (pad);
      break;
    }
    case PROP_PAD_DISPLAY_NAME:
      GST_OBJECT_LOCK (pad);
      g_free (pad->display_name);
      pad->display_name = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (pad);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
  }

  parent = gst_object_get_parent (GST_OBJECT (pad));
  if (parent && GST_IS_F2F_COMPOSITOR (parent))
    gst_f2f_compositor_pad_changed (GST_F2F_COMPOSITOR (parent), pad, old_id);
  g_clear_object (&parent);
  g_free (old_id);
}

static void
gst_f2f_compositor_pad_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstF2fCompositorPad *pad = GST_F2F_COMPOSITOR_PAD (object);

  switch (prop_id) {
    case PROP_PAD_PARTICIPANT_ID:
      GST_OBJECT_LOCK (pad);
      g_value_set_string (value, pad->participant_id);
      GST_OBJECT_UNLOCK (pad);
      break;
    case PROP_PAD_DISPLAY_NAME:
      GST_OBJECT_LOCK (pad);
      g_value_set_string (value, pad->display_name);
      GST_OBJECT_UNLOCK (pad);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_f2f_compositor_pad_finalize (GObject * object)
{
  GstF2fCompositorPad *pad = GST_F2F_COMPOSITOR_PAD (object);

  g_free (pad->participant_id);
  g_free (pad->display_name);
  G_OBJECT_CLASS (gst_f2f_compositor_pad_parent_class)->finalize (object);
}

static void
gst_f2f_compositor_pad_class_init (GstF2fCompositorPadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->set_property = gst_f2f_compositor_pad_set_property;
  gobject_class->get_property = gst_f2f_compositor_pad_get_property;
  gobject_class->finalize = gst_f2f_compositor_pad_finalize;

  g_object_class_install_property (gobject_class, PROP_PAD_PARTICIPANT_ID,
      g_param_spec_string ("participant-id", "Participant id",
          "Whose media this pad carries. Video and audio pads with the same "
          "id are one participant; an audio_minus pad leaves this "
          "participant out. Defaults to the pad's number.", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PAD_DISPLAY_NAME,
      g_param_spec_string ("display-name", "Display name",
          "The name shown on the participant's tile (the participant id "
          "when unset)", NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
gst_f2f_compositor_pad_init (GstF2fCompositorPad * pad)
{
}

/* ------------------------------------------------------------------------ */

typedef struct
{
  GstF2fCompositorPad *pad;     /* our sink pad, owned by the element */
  GstElement *convert;
  GstElement *overlay;          /* NULL without textoverlay */
  GstPad *mixer_pad;            /* compositor request pad */
} VideoInput;

typedef struct _MinusOutput MinusOutput;

/* One link from an audio input's tee to one mixer. */
typedef struct
{
  MinusOutput *output;          /* NULL: the full mix */
  GstPad *tee_pad;
  GstPad *mixer_pad;
} Branch;

typedef struct
{
  GstF2fCompositorPad *pad;
  GstElement *convert, *resample, *capsfilter, *level, *tee;
  GList *branches;              /* Branch*, protected by config_lock */
} AudioInput;

struct _MinusOutput
{
  GstF2fCompositorPad *pad;     /* our src pad */
  GstElement *mixer, *capsfilter, *silence, *silence_caps;
};

/* Lock order: config_lock → layout_lock → object lock → a pad's object lock.
 * config_lock serialises changes to the element's structure (pads, internal
 * branches) and is only ever taken from application threads, never from a
 * streaming thread, because releasing a pad waits for streaming threads.
 * layout_lock serialises applying a layout to the compositor's pads; level
 * messages apply layouts from streaming threads. */
struct _GstF2fCompositor
{
  GstBin parent;

  GMutex config_lock;
  GMutex layout_lock;

  /* fixed after init */
  GstElement *compositor, *video_caps, *background, *background_caps;
  GstElement *mixer, *mixer_caps, *silence, *silence_caps;
  GstPad *video_srcpad, *audio_srcpad;
  gchar *missing_factory;
  gboolean have_textoverlay;

  /* protected by the object lock */
  gint width, height, fps_n, fps_d;
  GstClockTime latency;
  GstF2fLayoutMode layout;
  gchar *pinned;
  gboolean show_labels;
  gdouble speaker_threshold;
  GstClockTime speaker_hold_time;
  gint audio_rate, audio_channels;
  guint64 dropped_samples;
  GstF2fSpeakerTracker *tracker;
  GList *video_inputs;          /* VideoInput*, in join order */
  GList *audio_inputs;          /* AudioInput*, in join order */
  GList *minus_outputs;         /* MinusOutput* */
  guint next_video, next_audio, next_minus;
};

static GstStaticPadTemplate video_sink_template =
GST_STATIC_PAD_TEMPLATE ("video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("video/x-raw"));

static GstStaticPadTemplate audio_sink_template =
GST_STATIC_PAD_TEMPLATE ("audio_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("audio/x-raw"));

static GstStaticPadTemplate video_src_template =
GST_STATIC_PAD_TEMPLATE ("video_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format=(string)I420"));

#define MIX_CAPS "audio/x-raw, format=(string)S16LE, " \
    "layout=(string)interleaved, rate=(int)[1, MAX], channels=(int)[1, 8]"

static GstStaticPadTemplate audio_src_template =
GST_STATIC_PAD_TEMPLATE ("audio_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (MIX_CAPS));

static GstStaticPadTemplate audio_minus_template =
GST_STATIC_PAD_TEMPLATE ("audio_minus_%u", GST_PAD_SRC, GST_PAD_REQUEST,
    GST_STATIC_CAPS (MIX_CAPS));

static void gst_f2f_compositor_child_proxy_init (gpointer g_iface,
    gpointer iface_data);

#define gst_f2f_compositor_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstF2fCompositor, gst_f2f_compositor, GST_TYPE_BIN,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY,
        gst_f2f_compositor_child_proxy_init);
    GST_DEBUG_CATEGORY_INIT (gst_f2f_compositor_debug, "f2fcompositor", 0,
        "f2f room mixer"));
GST_ELEMENT_REGISTER_DEFINE (f2fcompositor, "f2fcompositor", GST_RANK_NONE,
    GST_TYPE_F2F_COMPOSITOR);

static GstChildProxyInterface *parent_child_proxy_iface;

/* ------------------------------------------------------------------------ */
/* Small helpers */

static GstElement *
make_element (GstF2fCompositor * self, const gchar * factory,
    const gchar * prefix, const gchar * role)
{
  gchar *name = prefix ? g_strdup_printf ("%s-%s", prefix, role) :
      g_strdup (role);
  GstElement *element = gst_element_factory_make (factory, name);

  if (!element && !self->missing_factory)
    self->missing_factory = g_strdup (factory);
  g_free (name);
  return element;
}

static GstCaps *
mix_caps (GstF2fCompositor * self)
{
  GstCaps *caps;

  GST_OBJECT_LOCK (self);
  caps = gst_caps_new_simple ("audio/x-raw",
      "format", G_TYPE_STRING, "S16LE",
      "layout", G_TYPE_STRING, "interleaved",
      "rate", G_TYPE_INT, self->audio_rate,
      "channels", G_TYPE_INT, self->audio_channels, NULL);
  GST_OBJECT_UNLOCK (self);
  return caps;
}

static GstCaps *
output_video_caps (GstF2fCompositor * self)
{
  GstCaps *caps;

  GST_OBJECT_LOCK (self);
  caps = gst_caps_new_simple ("video/x-raw",
      "format", G_TYPE_STRING, "I420",
      "width", G_TYPE_INT, self->width,
      "height", G_TYPE_INT, self->height,
      "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1,
      "framerate", GST_TYPE_FRACTION, self->fps_n, self->fps_d, NULL);
  GST_OBJECT_UNLOCK (self);
  return caps;
}

static GstCaps *
background_caps (GstF2fCompositor * self)
{
  GstCaps *caps;

  GST_OBJECT_LOCK (self);
  caps = gst_caps_new_simple ("video/x-raw",
      "format", G_TYPE_STRING, "I420",
      "width", G_TYPE_INT, BACKGROUND_SIZE,
      "height", G_TYPE_INT, BACKGROUND_SIZE,
      "framerate", GST_TYPE_FRACTION, self->fps_n, self->fps_d, NULL);
  GST_OBJECT_UNLOCK (self);
  return caps;
}

static void
configure_silence (GstF2fCompositor * self, GstElement * silence)
{
  gint rate;

  GST_OBJECT_LOCK (self);
  rate = self->audio_rate;
  GST_OBJECT_UNLOCK (self);
  g_object_set (silence, "is-live", TRUE, "wave", 4 /* silence */ ,
      "samplesperbuffer", MAX (1, rate * SILENCE_BUFFER_MS / 1000), NULL);
}

static void
configure_mixer (GstF2fCompositor * self, GstElement * mixer)
{
  GstClockTime latency;

  GST_OBJECT_LOCK (self);
  latency = self->latency;
  GST_OBJECT_UNLOCK (self);
  gst_util_set_object_arg (G_OBJECT (mixer), "start-time-selection", "first");
  g_object_set (mixer, "latency", latency, "ignore-inactive-pads", TRUE, NULL);
}

/* ALLOCATION is answered on a mixer's sink pad here, in the asking
 * thread, as the mixer itself would answer it: GStreamer 1.22's
 * aggregator (compositor, audiomixer) queues a serialized query for its
 * own thread and, when the pad is released meanwhile, lets the asker go
 * on and free the query while its thread still writes into it (a
 * use-after-free upstream fixed in 1.23.1; one critical in the project's
 * CI, 2026-12-07, in test_video_inputs_churn_while_composing, where inputs
 * leave while their sources negotiate). It also never makes an input wait for a
 * mixer that is busy downstream. What the mixers would say: videoaggregator
 * offers GstVideoMeta; audioaggregator proposes nothing (the query fails,
 * and the upstream element allocates for itself). */
static GstPadProbeReturn
answer_allocation (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  gboolean video = GPOINTER_TO_INT (data);

  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  if (!video)
    return GST_PAD_PROBE_DROP;
  if (!gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  return GST_PAD_PROBE_HANDLED;
}

static void
answer_allocation_on (GstPad * mixer_pad, gboolean video)
{
  gst_pad_add_probe (mixer_pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      answer_allocation, GINT_TO_POINTER (video), NULL);
}

/* Participant pads report drops (counted in dropped-samples); the internal
 * silence pads do not: late silence loses nothing. */
static GstPad *
request_mixer_pad (GstElement * mixer, gboolean participant)
{
  GstPad *pad = gst_element_request_pad_simple (mixer, "sink_%u");

  if (pad)
    answer_allocation_on (pad, FALSE);
  if (pad && participant && g_object_class_find_property (G_OBJECT_GET_CLASS
          (pad), "qos-messages"))
    g_object_set (pad, "qos-messages", TRUE, NULL);
  return pad;
}

/* ------------------------------------------------------------------------ */
/* Mixer sink pads leave a running mixer from the mixer's own thread */

/* GStreamer 1.22's audioaggregator mixes each sink pad with the pad's and
 * the element's locks released, in the middle of a walk over its sink
 * pads that holds no reference to them (later versions hold one). A sink
 * pad released by another thread at that moment is freed under the walk:
 * the mixer's thread crashes, or waits for ever on the freed pad's lock
 * while holding its element's — and the next gst_bin_remove in the
 * compositor (a participant leaving) waits on that element's lock for
 * ever, holding ours (a peer of the election suite hung so, switching
 * from mixer to client, in a clean-clone CI run on 2026-12-07). So a
 * running mixer's pads are not released by the thread that takes a
 * branch out: they wait, unlinked, for the mixer's next push — a moment
 * when its thread walks no pad list — and its thread releases them. A
 * mixer that does not run (its source pad inactive) walks nothing: its
 * pads go at once; and the pads still waiting when the compositor stops
 * go then (release_retired_pads_now). Lock order: a Retired's lock is a
 * leaf; nothing is called with it held. */
typedef struct
{
  GMutex lock;
  GPtrArray *pads;              /* unlinked sink pads to release (owned) */
  gint waiting;                 /* atomic: pads->len, read without the lock */
} Retired;

static GQuark retired_quark;

static void
retired_free (gpointer data)
{
  Retired *r = data;

  /* (the mixer is going: its pads go with it) */
  g_ptr_array_unref (r->pads);
  g_mutex_clear (&r->lock);
  g_free (r);
}

static GPtrArray *
take_retired (GstElement * mixer)
{
  Retired *r = g_object_get_qdata (G_OBJECT (mixer), retired_quark);
  GPtrArray *pads;

  if (!r || g_atomic_int_get (&r->waiting) == 0)
    return NULL;
  g_mutex_lock (&r->lock);
  pads = r->pads;
  r->pads = g_ptr_array_new_with_free_func (gst_object_unref);
  g_atomic_int_set (&r->waiting, 0);
  g_mutex_unlock (&r->lock);
  return pads;
}

static void
release_all (GstElement * mixer, GPtrArray * pads)
{
  guint i;

  if (!pads)
    return;
  for (i = 0; i < pads->len; i++)
    gst_element_release_request_pad (mixer, g_ptr_array_index (pads, i));
  g_ptr_array_unref (pads);
}

/* In the mixer's thread, pushing a mix: between two walks. */
static GstPadProbeReturn
release_retired_pads (GstPad * src, GstPadProbeInfo * info,
    gpointer user_data)
{
  GstElement *mixer = user_data;

  release_all (mixer, take_retired (mixer));
  return GST_PAD_PROBE_OK;
}

/* Once, for each audiomixer we make. (The probe's data is not a reference:
 * the probe goes with the source pad, which goes with the mixer.) */
static void
watch_mixer (GstElement * mixer)
{
  Retired *r = g_new0 (Retired, 1);
  GstPad *src = gst_element_get_static_pad (mixer, "src");

  g_mutex_init (&r->lock);
  r->pads = g_ptr_array_new_with_free_func (gst_object_unref);
  g_object_set_qdata_full (G_OBJECT (mixer), retired_quark, r, retired_free);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, release_retired_pads, mixer, NULL);
  gst_object_unref (src);
}

/* Releases @pad (unlinked; the reference is taken) from @mixer now if the
 * mixer does not run, else on its thread's next push. */
static void
release_mixer_pad (GstElement * mixer, GstPad * pad)
{
  Retired *r = g_object_get_qdata (G_OBJECT (mixer), retired_quark);
  GstPad *src = gst_element_get_static_pad (mixer, "src");
  gboolean running;

  GST_OBJECT_LOCK (src);
  running = GST_PAD_MODE (src) != GST_PAD_MODE_NONE;
  GST_OBJECT_UNLOCK (src);
  gst_object_unref (src);
  if (running && r) {
    /* Muted: a mix made before the release (the one after the mix in the
     * making, if the mixer's thread is just past its push) must not play
     * what the pad still holds — a mix-minus changing hands must never
     * give its new listener its own voice. Ended, so that the mixer does
     * not wait for it: a pad that had data and has none is waited for up
     * to the latency budget, and so was every mix until the next push. */
    g_object_set (pad, "mute", TRUE, NULL);
    gst_pad_send_event (pad, gst_event_new_eos ());
    g_mutex_lock (&r->lock);
    g_ptr_array_add (r->pads, pad);
    g_atomic_int_set (&r->waiting, r->pads->len);
    g_mutex_unlock (&r->lock);
    return;
  }
  gst_element_release_request_pad (mixer, pad);
  gst_object_unref (pad);
}

/* The compositor stopped: no mixer runs; what still waits goes now. */
static void
release_retired_pads_now (GstF2fCompositor * self)
{
  GList *mixers = NULL, *l;

  GST_OBJECT_LOCK (self);
  if (self->mixer)
    mixers = g_list_prepend (mixers, gst_object_ref (self->mixer));
  for (l = self->minus_outputs; l; l = l->next)
    mixers = g_list_prepend (mixers,
        gst_object_ref (((MinusOutput *) l->data)->mixer));
  GST_OBJECT_UNLOCK (self);
  for (l = mixers; l; l = l->next)
    release_all (l->data, take_retired (l->data));
  g_list_free_full (mixers, gst_object_unref);
}

/* Drop what an unlinked output pad would push: NOT_LINKED would stop the
 * mixer behind it and, through the shared input tees, the other mixes. */
static GstPadProbeReturn
drop_when_unlinked (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstPad *ghost = user_data;
  GstPad *peer = gst_pad_get_peer (ghost);

  if (peer) {
    gst_object_unref (peer);
    return GST_PAD_PROBE_OK;
  }
  return GST_PAD_PROBE_DROP;
}

static void
sync_children (GstElement * first, ...)
{
  va_list args;
  GstElement *e;

  va_start (args, first);
  for (e = first; e; e = va_arg (args, GstElement *))
      gst_element_sync_state_with_parent (e);
  va_end (args);
}

static void
remove_children (GstF2fCompositor * self, GstElement * first, ...)
{
  va_list args;
  GstElement *e;

  va_start (args, first);
  for (e = first; e; e = va_arg (args, GstElement *)) {
    gst_element_set_locked_state (e, TRUE);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), e);
  }
  va_end (args);
}

static guint
pad_number (const gchar * name, const gchar * prefix, gboolean * ok)
{
  const gchar *digits;
  gchar *end = NULL;
  guint64 n;

  *ok = FALSE;
  if (!name || !g_str_has_prefix (name, prefix))
    return 0;
  digits = name + strlen (prefix);
  if (!g_ascii_isdigit (*digits))
    return 0;
  n = g_ascii_strtoull (digits, &end, 10);
  if (*end != '\0' || n > G_MAXUINT - 1)
    return 0;
  *ok = TRUE;
  return (guint) n;
}

/* Picks the pad's number: the one asked for, or the next free one.
 * config_lock held, object lock not. */
static gboolean
choose_pad_name (GstF2fCompositor * self, const gchar * req_name,
    const gchar * prefix, guint * counter, gchar ** name_out, guint * num_out)
{
  gboolean ok;
  guint num = pad_number (req_name, prefix, &ok);
  gchar *name;
  GstPad *existing;

  GST_OBJECT_LOCK (self);
  if (!ok)
    num = *counter;
  GST_OBJECT_UNLOCK (self);

  name = g_strdup_printf ("%s%u", prefix, num);
  existing = gst_element_get_static_pad (GST_ELEMENT (self), name);
  if (existing) {
    gst_object_unref (existing);
    GST_WARNING_OBJECT (self, "pad %s exists already", name);
    g_free (name);
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  *counter = MAX (*counter, num + 1);
  GST_OBJECT_UNLOCK (self);
  *name_out = name;
  *num_out = num;
  return TRUE;
}

static GstF2fCompositorPad *
new_ghost_pad (GstPadTemplate * templ, const gchar * name, guint num,
    GstPad * target)
{
  GstF2fCompositorPad *pad = g_object_new (GST_TYPE_F2F_COMPOSITOR_PAD,
      "name", name, "direction", GST_PAD_TEMPLATE_DIRECTION (templ),
      "template", templ, NULL);

  pad->participant_id = g_strdup_printf ("%u", num);
  gst_ghost_pad_set_target (GST_GHOST_PAD (pad), target);
  return pad;
}

static void
expose_pad (GstF2fCompositor * self, GstF2fCompositorPad * pad)
{
  if (GST_STATE (self) > GST_STATE_READY
      || GST_STATE_PENDING (self) > GST_STATE_READY)
    gst_pad_set_active (GST_PAD (pad), TRUE);
  gst_element_add_pad (GST_ELEMENT (self), GST_PAD (pad));
}

/* ------------------------------------------------------------------------ */
/* Layout */

/* The name shown for a participant: a video pad's display name, else an
 * audio pad's with the same id, else the id. Object lock held. */
static gchar *
display_name_locked (GstF2fCompositor * self, const gchar * id)
{
  GList *l;

  if (!id)
    return NULL;
  for (l = self->video_inputs; l; l = l->next) {
    VideoInput *in = l->data;
    gchar *pid = pad_dup_id (in->pad);
    gchar *name = g_str_equal (pid, id) ? pad_dup_name (in->pad) : NULL;

    g_free (pid);
    if (name)
      return name;
  }
  for (l = self->audio_inputs; l; l = l->next) {
    AudioInput *in = l->data;
    gchar *pid = pad_dup_id (in->pad);
    gchar *name = g_str_equal (pid, id) ? pad_dup_name (in->pad) : NULL;

    g_free (pid);
    if (name)
      return name;
  }
  return g_strdup (id);
}

typedef struct
{
  GstPad *mixer_pad;
  GstElement *overlay;
  gchar *label;
} TileTarget;

/* Recomputes every tile and applies it. Callable from any thread. */
static void
relayout (GstF2fCompositor * self)
{
  GstF2fLayoutMode mode;
  gint width, height, main_tile = -1;
  gboolean show_labels;
  const gchar *speaker;
  TileTarget *targets;
  GstF2fRect *tiles;
  guint n, i, k;
  GList *l;

  g_mutex_lock (&self->layout_lock);
  GST_OBJECT_LOCK (self);
  mode = self->layout;
  width = self->width;
  height = self->height;
  show_labels = self->show_labels;
  speaker = gst_f2f_speaker_tracker_get_speaker (self->tracker);
  n = g_list_length (self->video_inputs);
  targets = g_new0 (TileTarget, MAX (n, 1));
  tiles = g_new0 (GstF2fRect, MAX (n, 1));

  /* The pinned participant comes first in the grid and is the large one in
   * the speaker layout; else the active speaker is. */
  k = 0;
  for (i = 0; i < 2; i++) {
    for (l = self->video_inputs; l; l = l->next) {
      VideoInput *in = l->data;
      gchar *id = pad_dup_id (in->pad);
      gboolean pinned = self->pinned && g_str_equal (id, self->pinned);

      if ((i == 0) == pinned) {
        targets[k].mixer_pad = gst_object_ref (in->mixer_pad);
        targets[k].overlay = in->overlay ? gst_object_ref (in->overlay) : NULL;
        targets[k].label = display_name_locked (self, id);
        if (pinned)
          main_tile = k;
        else if (main_tile < 0 && speaker && g_str_equal (id, speaker))
          main_tile = k;
        k++;
      }
      g_free (id);
    }
  }
  GST_OBJECT_UNLOCK (self);

  gst_f2f_layout_compute (mode, width, height, n, main_tile, tiles);
  for (i = 0; i < n; i++) {
    GST_DEBUG_OBJECT (self, "tile %u (%s): %d,%d %dx%d", i, targets[i].label,
        tiles[i].x, tiles[i].y, tiles[i].width, tiles[i].height);
    g_object_set (targets[i].mixer_pad, "xpos", tiles[i].x,
        "ypos", tiles[i].y, "width", tiles[i].width,
        "height", tiles[i].height, NULL);
    if (targets[i].overlay)
      g_object_set (targets[i].overlay, "text", targets[i].label,
          "silent", !show_labels, NULL);
    gst_object_unref (targets[i].mixer_pad);
    g_clear_object (&targets[i].overlay);
    g_free (targets[i].label);
  }
  g_mutex_unlock (&self->layout_lock);

  g_free (targets);
  g_free (tiles);
}

/* ------------------------------------------------------------------------ */
/* Active speaker */

static void
post_speaker_change (GstF2fCompositor * self, const gchar * previous,
    GstClockTime running_time)
{
  gchar *id, *name;
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  id = g_strdup (gst_f2f_speaker_tracker_get_speaker (self->tracker));
  name = display_name_locked (self, id);
  GST_OBJECT_UNLOCK (self);

  GST_INFO_OBJECT (self, "active speaker: %s (was %s)", GST_STR_NULL (id),
      GST_STR_NULL (previous));
  relayout (self);
  g_object_notify (G_OBJECT (self), "active-speaker");

  s = gst_structure_new ("f2f-active-speaker",
      "participant-id", G_TYPE_STRING, id,
      "display-name", G_TYPE_STRING, name,
      "previous-participant-id", G_TYPE_STRING, previous,
      "running-time", G_TYPE_UINT64, running_time, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
  g_free (id);
  g_free (name);
}

/* The loudest channel's RMS, in dBFS, from a level message. */
static gboolean
level_message_peak_rms (const GstStructure * s, gdouble * rms_db)
{
  const GValue *list = gst_structure_get_value (s, "rms");
  gboolean found = FALSE;
  guint i, n;

  if (!list)
    return FALSE;
  *rms_db = -G_MAXDOUBLE;
  if (GST_VALUE_HOLDS_LIST (list) || GST_VALUE_HOLDS_ARRAY (list)) {
    n = GST_VALUE_HOLDS_LIST (list) ? gst_value_list_get_size (list) :
        gst_value_array_get_size (list);
    for (i = 0; i < n; i++) {
      const GValue *v = GST_VALUE_HOLDS_LIST (list) ?
          gst_value_list_get_value (list, i) :
          gst_value_array_get_value (list, i);
      *rms_db = MAX (*rms_db, g_value_get_double (v));
      found = TRUE;
    }
  } else {
    /* level in 1.22 still posts a GValueArray. */
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS;
    if (G_VALUE_HOLDS (list, g_value_array_get_type ())) {
      GValueArray *array = g_value_get_boxed (list);

      for (i = 0; array && i < array->n_values; i++) {
        *rms_db = MAX (*rms_db,
            g_value_get_double (g_value_array_get_nth (array, i)));
        found = TRUE;
      }
    }
    G_GNUC_END_IGNORE_DEPRECATIONS;
  }
  return found;
}

static gboolean
handle_level_message (GstF2fCompositor * self, GstMessage * message)
{
  const GstStructure *s = gst_message_get_structure (message);
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  gchar *id = NULL, *previous = NULL;
  gboolean changed = FALSE;
  gdouble rms_db;
  GList *l;

  if (!s || !gst_structure_has_name (s, "level"))
    return FALSE;

  GST_OBJECT_LOCK (self);
  for (l = self->audio_inputs; l; l = l->next) {
    AudioInput *in = l->data;

    if (GST_MESSAGE_SRC (message) == GST_OBJECT (in->level)) {
      id = pad_dup_id (in->pad);
      break;
    }
  }
  if (id && level_message_peak_rms (s, &rms_db)) {
    if (!gst_structure_get_uint64 (s, "running-time", &running_time))
      gst_structure_get_clock_time (s, "endtime", &running_time);
    previous = g_strdup (gst_f2f_speaker_tracker_get_speaker (self->tracker));
    changed = gst_f2f_speaker_tracker_update (self->tracker, id, rms_db,
        running_time);
  }
  GST_OBJECT_UNLOCK (self);

  if (changed)
    post_speaker_change (self, previous, running_time);
  g_free (previous);
  g_free (id);
  /* Our own level messages are internal; others pass on. */
  return l != NULL;
}

static GQuark dropped_quark;

static void
count_dropped (GstF2fCompositor * self, GstMessage * message)
{
  GstFormat format;
  guint64 processed, dropped, *last;

  gst_message_parse_qos_stats (message, &format, &processed, &dropped);
  if (format != GST_FORMAT_DEFAULT || dropped == G_MAXUINT64)
    return;

  /* The stats are totals per mixer pad: add only what is new. */
  last = g_object_get_qdata (G_OBJECT (GST_MESSAGE_SRC (message)),
      dropped_quark);
  if (!last) {
    last = g_new0 (guint64, 1);
    g_object_set_qdata_full (G_OBJECT (GST_MESSAGE_SRC (message)),
        dropped_quark, last, g_free);
  }
  GST_OBJECT_LOCK (self);
  if (dropped > *last) {
    /* which mixer (the full mix, a mix-minus) and which of its pads */
    GST_WARNING_OBJECT (self, "%s:%s dropped %" G_GUINT64_FORMAT
        " late samples", GST_DEBUG_PAD_NAME (GST_MESSAGE_SRC (message)),
        dropped - *last);
    self->dropped_samples += dropped - *last;
    *last = dropped;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_f2f_compositor_handle_message (GstBin * bin, GstMessage * message)
{
  GstF2fCompositor *self = GST_F2F_COMPOSITOR (bin);

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ELEMENT:
      if (handle_level_message (self, message)) {
        gst_message_unref (message);
        return;
      }
      break;
    case GST_MESSAGE_QOS:
      count_dropped (self, message);
      break;
    default:
      break;
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

/* ------------------------------------------------------------------------ */
/* Input caps that cannot be converted */

/* Once a pad got caps it cannot use, nothing more passes it (the converters
 * behind would only fail again, less clearly) until usable caps come. */
static GstPadProbeReturn
check_input_caps (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstF2fCompositorPad *cpad = GST_F2F_COMPOSITOR_PAD (pad);
  GstEvent *event;
  GstCaps *caps, *templ;
  GstObject *parent;
  gchar *id, *caps_str;
  const gchar *kind;
  gboolean usable;

  if (info->type & (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST)) {
    if (!g_atomic_int_get (&cpad->refused))
      return GST_PAD_PROBE_OK;
    gst_mini_object_unref (GST_PAD_PROBE_INFO_DATA (info));
    GST_PAD_PROBE_INFO_DATA (info) = NULL;
    GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_NOT_NEGOTIATED;
    return GST_PAD_PROBE_HANDLED;
  }

  event = GST_PAD_PROBE_INFO_EVENT (info);
  /* An EOS before any usable caps would reach level unconfigured. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS &&
      (g_atomic_int_get (&cpad->refused) || !gst_pad_has_current_caps (pad)))
    return GST_PAD_PROBE_DROP;
  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS) {
    /* GAP and the like would reach elements that have no format yet. */
    if (g_atomic_int_get (&cpad->refused) && GST_EVENT_IS_SERIALIZED (event)
        && GST_EVENT_TYPE (event) != GST_EVENT_STREAM_START
        && GST_EVENT_TYPE (event) != GST_EVENT_SEGMENT
        && GST_EVENT_TYPE (event) != GST_EVENT_EOS
        && GST_EVENT_TYPE (event) != GST_EVENT_FLUSH_STOP)
      return GST_PAD_PROBE_DROP;
    return GST_PAD_PROBE_OK;
  }

  gst_event_parse_caps (event, &caps);
  templ = gst_pad_get_pad_template_caps (pad);
  usable = gst_caps_can_intersect (caps, templ);
  gst_caps_unref (templ);
  g_atomic_int_set (&cpad->refused, !usable);
  if (usable)
    return GST_PAD_PROBE_OK;

  parent = gst_object_get_parent (GST_OBJECT (pad));
  if (!parent)
    return GST_PAD_PROBE_DROP;
  id = pad_dup_id (cpad);
  caps_str = gst_caps_to_string (caps);
  kind = g_str_has_prefix (GST_OBJECT_NAME (pad), "video") ? "video" : "audio";
  GST_ELEMENT_ERROR (parent, CORE, NEGOTIATION,
      ("The %s of participant %s is in a format f2fcompositor cannot use; "
          "it takes raw (decoded) %s.", kind, id, kind),
      ("pad %s got caps %s", GST_OBJECT_NAME (pad), caps_str));
  g_free (caps_str);
  g_free (id);
  gst_object_unref (parent);
  return GST_PAD_PROBE_DROP;
}

/* ------------------------------------------------------------------------ */
/* Routing audio inputs to the mixes */

static Branch *
find_branch (AudioInput * in, MinusOutput * out)
{
  GList *l;

  for (l = in->branches; l; l = l->next) {
    Branch *b = l->data;

    if (b->output == out)
      return b;
  }
  return NULL;
}

static gboolean
add_branch (GstF2fCompositor * self, AudioInput * in, MinusOutput * out)
{
  GstElement *mixer = out ? out->mixer : self->mixer;
  Branch *b = g_new0 (Branch, 1);

  b->output = out;
  b->mixer_pad = request_mixer_pad (mixer, TRUE);
  b->tee_pad = gst_element_request_pad_simple (in->tee, "src_%u");
  if (b->tee_pad) {
    g_autofree gchar *what = g_strdup_printf ("%s into %s",
        GST_OBJECT_NAME (in->pad), GST_OBJECT_NAME (mixer));

    /* (the input feeds the other mixes too) */
    f2f_pad_shield_branch (b->tee_pad, GST_ELEMENT (self), what);
  }
  if (!b->mixer_pad || !b->tee_pad ||
      gst_pad_link (b->tee_pad, b->mixer_pad) != GST_PAD_LINK_OK) {
    GST_ERROR_OBJECT (self, "could not route %s to %s",
        GST_OBJECT_NAME (in->pad), out ? GST_OBJECT_NAME (out->pad) :
        "audio_src");
    if (b->tee_pad)
      gst_element_release_request_pad (in->tee, b->tee_pad);
    g_clear_object (&b->tee_pad);
    if (b->mixer_pad)
      release_mixer_pad (mixer, g_steal_pointer (&b->mixer_pad));
    g_free (b);
    return FALSE;
  }
  in->branches = g_list_prepend (in->branches, b);
  return TRUE;
}

/* Takes branch @b out of @in: the tee's pad goes (the tee then ignores a
 * push in flight, which it reports as not-linked). Returns the mixer's
 * pad, unlinked, for the caller to release (or to let go with its mixer:
 * release_minus_output). */
static GstPad *
take_branch_out (AudioInput * in, Branch * b)
{
  GstPad *mixer_pad = b->mixer_pad;

  /* Unlinked first, while no push is in flight: released as the input's
   * thread was pushing its sticky events there, the tee pad lost its
   * segment (deactivating a pad drops its events) between the caps and
   * the buffer, and the mixer got data before any segment. */
  f2f_pad_unlink_idle (b->tee_pad);
  gst_element_release_request_pad (in->tee, b->tee_pad);
  gst_object_unref (b->tee_pad);
  in->branches = g_list_remove (in->branches, b);
  g_free (b);
  return mixer_pad;
}

static void
remove_branch (GstF2fCompositor * self, AudioInput * in, Branch * b)
{
  GstElement *mixer = b->output ? b->output->mixer : self->mixer;
  /* Tee first: the mixer pad going away second cannot stall the tee. */
  GstPad *mixer_pad = take_branch_out (in, b);

  release_mixer_pad (mixer, mixer_pad);
}

/* Makes the links match the ids: every audio input feeds the full mix and
 * every mix-minus except its own participant's. config_lock held. */
static void
reconcile_routes (GstF2fCompositor * self)
{
  GList *inputs, *outputs, *i, *o;

  GST_OBJECT_LOCK (self);
  inputs = g_list_copy (self->audio_inputs);
  outputs = g_list_copy (self->minus_outputs);
  GST_OBJECT_UNLOCK (self);

  for (i = inputs; i; i = i->next) {
    AudioInput *in = i->data;
    gchar *in_id = pad_dup_id (in->pad);

    if (!find_branch (in, NULL))
      add_branch (self, in, NULL);
    for (o = outputs; o; o = o->next) {
      MinusOutput *out = o->data;
      gchar *out_id = pad_dup_id (out->pad);
      gboolean wanted = !g_str_equal (in_id, out_id);
      Branch *b = find_branch (in, out);

      if (wanted && !b)
        add_branch (self, in, out);
      else if (!wanted && b)
        remove_branch (self, in, b);
      g_free (out_id);
    }
    g_free (in_id);
  }
  g_list_free (inputs);
  g_list_free (outputs);
}

static void
gst_f2f_compositor_pad_changed (GstF2fCompositor * self,
    GstF2fCompositorPad * pad, const gchar * old_id)
{
  gboolean changed = FALSE;
  gchar *previous = NULL;

  g_mutex_lock (&self->config_lock);
  if (old_id && g_str_has_prefix (GST_OBJECT_NAME (pad), "audio_")) {
    GST_OBJECT_LOCK (self);
    previous = g_strdup (gst_f2f_speaker_tracker_get_speaker (self->tracker));
    changed = gst_f2f_speaker_tracker_remove (self->tracker, old_id,
        GST_CLOCK_TIME_NONE);
    GST_OBJECT_UNLOCK (self);
  }
  reconcile_routes (self);
  g_mutex_unlock (&self->config_lock);

  if (changed)
    post_speaker_change (self, previous, GST_CLOCK_TIME_NONE);
  else
    relayout (self);
  g_free (previous);
}

/* ------------------------------------------------------------------------ */
/* Request and release */

static GstPad *
add_video_input (GstF2fCompositor * self, GstPadTemplate * templ,
    const gchar * req_name)
{
  VideoInput *in;
  gchar *name;
  guint num;
  GstElement *convert, *overlay = NULL;
  GstPad *mixer_pad, *target, *src;

  if (!choose_pad_name (self, req_name, "video_", &self->next_video, &name,
          &num))
    return NULL;

  convert = make_element (self, "videoconvert", name, "convert");
  if (self->have_textoverlay)
    overlay = make_element (self, "textoverlay", name, "label");
  if (!convert) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("f2fcompositor needs the videoconvert element, which is missing."),
        (NULL));
    g_free (name);
    return NULL;
  }
  gst_bin_add (GST_BIN (self), convert);
  if (overlay) {
    g_object_set (overlay, "font-desc", LABEL_FONT, "shaded-background", TRUE,
        "wait-text", FALSE, NULL);
    gst_util_set_object_arg (G_OBJECT (overlay), "valignment", "bottom");
    gst_util_set_object_arg (G_OBJECT (overlay), "halignment", "left");
    gst_bin_add (GST_BIN (self), overlay);
    gst_element_link (convert, overlay);
  }

  mixer_pad = gst_element_request_pad_simple (self->compositor, "sink_%u");
  answer_allocation_on (mixer_pad, TRUE);
  gst_util_set_object_arg (G_OBJECT (mixer_pad), "sizing-policy",
      "keep-aspect-ratio");
  /* Off-screen until the layout places it, so a half-set-up tile never
   * covers the others. */
  g_object_set (mixer_pad, "xpos", G_MAXINT16, "zorder", 1, NULL);
  src = gst_element_get_static_pad (overlay ? overlay : convert, "src");
  gst_pad_link (src, mixer_pad);
  gst_object_unref (src);

  sync_children (overlay ? overlay : convert, convert, NULL);

  target = gst_element_get_static_pad (convert, "sink");
  in = g_new0 (VideoInput, 1);
  in->pad = new_ghost_pad (templ, name, num, target);
  in->convert = convert;
  in->overlay = overlay;
  in->mixer_pad = mixer_pad;
  gst_object_unref (target);
  gst_pad_add_probe (GST_PAD (in->pad), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      check_input_caps, NULL, NULL);

  GST_OBJECT_LOCK (self);
  self->video_inputs = g_list_append (self->video_inputs, in);
  GST_OBJECT_UNLOCK (self);

  expose_pad (self, in->pad);
  GST_INFO_OBJECT (self, "video input %s joined", name);
  g_free (name);
  return GST_PAD (in->pad);
}

static GstPad *
add_audio_input (GstF2fCompositor * self, GstPadTemplate * templ,
    const gchar * req_name)
{
  AudioInput *in;
  gchar *name;
  guint num;
  GstElement *convert, *resample, *capsfilter, *level, *tee;
  GstCaps *caps;
  GstPad *target;

  if (!choose_pad_name (self, req_name, "audio_", &self->next_audio, &name,
          &num))
    return NULL;

  convert = make_element (self, "audioconvert", name, "convert");
  resample = make_element (self, "audioresample", name, "resample");
  capsfilter = make_element (self, "capsfilter", name, "caps");
  level = make_element (self, "level", name, "level");
  tee = make_element (self, "tee", name, "tee");
  if (!convert || !resample || !capsfilter || !level || !tee) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("f2fcompositor needs the %s element, which is missing.",
            self->missing_factory), (NULL));
    gst_clear_object (&convert);
    gst_clear_object (&resample);
    gst_clear_object (&capsfilter);
    gst_clear_object (&level);
    gst_clear_object (&tee);
    g_free (name);
    return NULL;
  }

  caps = mix_caps (self);
  g_object_set (capsfilter, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (level, "post-messages", TRUE, "interval", LEVEL_INTERVAL,
      NULL);
  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add_many (GST_BIN (self), convert, resample, capsfilter, level, tee,
      NULL);
  gst_element_link_many (convert, resample, capsfilter, level, tee, NULL);

  in = g_new0 (AudioInput, 1);
  in->convert = convert;
  in->resample = resample;
  in->capsfilter = capsfilter;
  in->level = level;
  in->tee = tee;
  target = gst_element_get_static_pad (convert, "sink");
  in->pad = new_ghost_pad (templ, name, num, target);
  gst_object_unref (target);
  gst_pad_add_probe (GST_PAD (in->pad), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      check_input_caps, NULL, NULL);

  GST_OBJECT_LOCK (self);
  self->audio_inputs = g_list_append (self->audio_inputs, in);
  GST_OBJECT_UNLOCK (self);

  reconcile_routes (self);
  sync_children (tee, level, capsfilter, resample, convert, NULL);
  expose_pad (self, in->pad);
  GST_INFO_OBJECT (self, "audio input %s joined", name);
  g_free (name);
  return GST_PAD (in->pad);
}

static GstPad *
add_minus_output (GstF2fCompositor * self, GstPadTemplate * templ,
    const gchar * req_name)
{
  MinusOutput *out;
  gchar *name;
  guint num;
  GstElement *mixer, *capsfilter, *silence, *silence_caps;
  GstPad *target, *sinkpad;
  GstCaps *caps;

  if (!choose_pad_name (self, req_name, "audio_minus_", &self->next_minus,
          &name, &num))
    return NULL;

  mixer = make_element (self, "audiomixer", name, "mixer");
  capsfilter = make_element (self, "capsfilter", name, "caps");
  silence = make_element (self, "audiotestsrc", name, "silence");
  silence_caps = make_element (self, "capsfilter", name, "silence-caps");
  if (!mixer || !capsfilter || !silence || !silence_caps) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("f2fcompositor needs the %s element, which is missing.",
            self->missing_factory), (NULL));
    gst_clear_object (&mixer);
    gst_clear_object (&capsfilter);
    gst_clear_object (&silence);
    gst_clear_object (&silence_caps);
    g_free (name);
    return NULL;
  }

  configure_mixer (self, mixer);
  watch_mixer (mixer);
  configure_silence (self, silence);
  caps = mix_caps (self);
  g_object_set (capsfilter, "caps", caps, NULL);
  g_object_set (silence_caps, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_bin_add_many (GST_BIN (self), mixer, capsfilter, silence, silence_caps,
      NULL);
  gst_element_link (mixer, capsfilter);
  gst_element_link (silence, silence_caps);
  sinkpad = request_mixer_pad (mixer, FALSE);
  target = gst_element_get_static_pad (silence_caps, "src");
  gst_pad_link (target, sinkpad);
  gst_object_unref (target);
  gst_object_unref (sinkpad);

  out = g_new0 (MinusOutput, 1);
  out->mixer = mixer;
  out->capsfilter = capsfilter;
  out->silence = silence;
  out->silence_caps = silence_caps;
  target = gst_element_get_static_pad (capsfilter, "src");
  out->pad = new_ghost_pad (templ, name, num, target);
  gst_pad_add_probe (target, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM,
      drop_when_unlinked, out->pad, NULL);
  gst_object_unref (target);

  /* Playing before the inputs' tees get a branch to it: a pad of a mixer
   * that is not yet playing is flushing, and the first buffer an input's
   * tee pushed there came back FLUSHING, which stopped that input's
   * streaming for good — up to the decoder's jitterbuffer and the link's
   * transport, so a peer that became a mixer heard nothing more from some
   * of its clients, data channels included (until its heartbeat timeout
   * rebuilt the link), or lost its own voice. Until its pad is linked,
   * drop_when_unlinked drops the mix. */
  sync_children (capsfilter, mixer, silence_caps, silence, NULL);

  GST_OBJECT_LOCK (self);
  self->minus_outputs = g_list_append (self->minus_outputs, out);
  GST_OBJECT_UNLOCK (self);

  reconcile_routes (self);
  expose_pad (self, out->pad);
  GST_INFO_OBJECT (self, "mix-minus output %s added", name);
  g_free (name);
  return GST_PAD (out->pad);
}

static GstPad *
gst_f2f_compositor_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * req_name, const GstCaps * caps)
{
  GstF2fCompositor *self = GST_F2F_COMPOSITOR (element);
  GstPadTemplate *video, *audio, *minus;
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (element);
  GstPad *pad = NULL;

  video = gst_element_class_get_pad_template (klass, "video_%u");
  audio = gst_element_class_get_pad_template (klass, "audio_%u");
  minus = gst_element_class_get_pad_template (klass, "audio_minus_%u");

  g_mutex_lock (&self->config_lock);
  if (templ == video)
    pad = add_video_input (self, templ, req_name);
  else if (templ == audio)
    pad = add_audio_input (self, templ, req_name);
  else if (templ == minus)
    pad = add_minus_output (self, templ, req_name);
  g_mutex_unlock (&self->config_lock);

  if (pad) {
    if (templ == video)
      relayout (self);
    /* Unlocked: gst-launch sets `video_1::display-name=…` right here. */
    gst_child_proxy_child_added (GST_CHILD_PROXY (self), G_OBJECT (pad),
        GST_OBJECT_NAME (pad));
  }
  return pad;
}

static void
hide_pad (GstF2fCompositor * self, GstF2fCompositorPad * pad)
{
  gst_child_proxy_child_removed (GST_CHILD_PROXY (self), G_OBJECT (pad),
      GST_OBJECT_NAME (pad));
  gst_pad_set_active (GST_PAD (pad), FALSE);
  gst_ghost_pad_set_target (GST_GHOST_PAD (pad), NULL);
  gst_element_remove_pad (GST_ELEMENT (self), GST_PAD (pad));
}

static void
release_video_input (GstF2fCompositor * self, VideoInput * in)
{
  /* The compositor pad first: it goes flushing, which frees a push that
   * waits in it, so the chain can then stop even while paused. */
  gst_element_release_request_pad (self->compositor, in->mixer_pad);
  gst_object_unref (in->mixer_pad);
  if (in->overlay)
    remove_children (self, in->convert, in->overlay, NULL);
  else
    remove_children (self, in->convert, NULL);
  hide_pad (self, in->pad);
  g_free (in);
}

static void
release_audio_input (GstF2fCompositor * self, AudioInput * in)
{
  while (in->branches)
    remove_branch (self, in, in->branches->data);
  remove_children (self, in->convert, in->resample, in->capsfilter, in->level,
      in->tee, NULL);
  hide_pad (self, in->pad);
  g_free (in);
}

/* A mix-minus going away: its branches leave the inputs' tees first, its
 * mixer is stopped, and only then do the mixer's sink pads go (with it):
 * a stopped mixer walks no pads (see "Mixer sink pads leave a running
 * mixer from the mixer's own thread" above; a clean-clone CI run lost an
 * elected mixer to that walk, 2026-12-06, releasing the pads first). */
static void
release_minus_output (GstF2fCompositor * self, MinusOutput * out)
{
  GPtrArray *mixer_pads = g_ptr_array_new_with_free_func (gst_object_unref);
  GList *l;

  hide_pad (self, out->pad);
  GST_OBJECT_LOCK (self);
  l = g_list_copy (self->audio_inputs);
  GST_OBJECT_UNLOCK (self);
  for (; l; l = g_list_delete_link (l, l)) {
    AudioInput *in = l->data;
    Branch *b = find_branch (in, out);

    if (b)
      g_ptr_array_add (mixer_pads, take_branch_out (in, b));
  }
  remove_children (self, out->silence, out->silence_caps, out->mixer,
      out->capsfilter, NULL);
  /* (the stopped mixer's pads went with it; these are our references) */
  g_ptr_array_unref (mixer_pads);
  g_free (out);
}

static gpointer
find_by_pad (GList * list, GstPad * pad)
{
  /* VideoInput, AudioInput and MinusOutput all start with their pad. */
  for (; list; list = list->next) {
    if (*(GstF2fCompositorPad **) list->data == (GstF2fCompositorPad *) pad)
      return list->data;
  }
  return NULL;
}

static void
gst_f2f_compositor_release_pad (GstElement * element, GstPad * pad)
{
  GstF2fCompositor *self = GST_F2F_COMPOSITOR (element);
  VideoInput *video;
  AudioInput *audio;
  MinusOutput *minus;
  gchar *id = NULL, *previous = NULL;
  gboolean speaker_changed = FALSE;

  g_mutex_lock (&self->config_lock);
  GST_OBJECT_LOCK (self);
  video = find_by_pad (self->video_inputs, pad);
  audio = find_by_pad (self->audio_inputs, pad);
  minus = find_by_pad (self->minus_outputs, pad);
  if (video)
    self->video_inputs = g_list_remove (self->video_inputs, video);
  if (audio) {
    self->audio_inputs = g_list_remove (self->audio_inputs, audio);
    id = pad_dup_id (audio->pad);
    previous = g_strdup (gst_f2f_speaker_tracker_get_speaker (self->tracker));
    speaker_changed = gst_f2f_speaker_tracker_remove (self->tracker, id,
        GST_CLOCK_TIME_NONE);
  }
  if (minus)
    self->minus_outputs = g_list_remove (self->minus_outputs, minus);
  GST_OBJECT_UNLOCK (self);

  if (!video && !audio && !minus) {
    g_mutex_unlock (&self->config_lock);
    GST_WARNING_OBJECT (self, "%s:%s is not a participant pad of ours; "
        "not releasing it", GST_DEBUG_PAD_NAME (pad));
    return;
  }

  GST_INFO_OBJECT (self, "releasing %s", GST_OBJECT_NAME (pad));
  /* Re-tile the others before tearing down, so they never wait for it. */
  if (video)
    relayout (self);
  if (video)
    release_video_input (self, video);
  if (audio)
    release_audio_input (self, audio);
  if (minus)
    release_minus_output (self, minus);
  g_mutex_unlock (&self->config_lock);

  if (speaker_changed)
    post_speaker_change (self, previous, GST_CLOCK_TIME_NONE);
  g_free (previous);
  g_free (id);
}

/* ------------------------------------------------------------------------ */
/* State */

static GstStateChangeReturn
gst_f2f_compositor_change_state (GstElement * element,
    GstStateChange transition)
{
  GstF2fCompositor *self = GST_F2F_COMPOSITOR (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY && (!self->compositor
          || !self->mixer || !self->background || !self->silence)) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("f2fcompositor needs the %s element, which is missing.",
            GST_STR_NULL (self->missing_factory)),
        ("install gstreamer1.0-plugins-base"));
    return GST_STATE_CHANGE_FAILURE;
  }
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  /* (the mixers' threads stopped with their source pads) */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    release_retired_pads_now (self);
  return ret;
}

/* ------------------------------------------------------------------------ */
/* Child proxy: pad properties settable from a gst-launch line
 * (`video_1::display-name=Alice`) */

static GObject *
gst_f2f_compositor_child_proxy_get_child_by_name (GstChildProxy * proxy,
    const gchar * name)
{
  GstPad *pad = gst_element_get_static_pad (GST_ELEMENT (proxy), name);

  if (pad && GST_IS_F2F_COMPOSITOR_PAD (pad))
    return G_OBJECT (pad);
  g_clear_object (&pad);
  return parent_child_proxy_iface->get_child_by_name (proxy, name);
}

static void
gst_f2f_compositor_child_proxy_init (gpointer g_iface, gpointer iface_data)
{
  GstChildProxyInterface *iface = g_iface;

  parent_child_proxy_iface = g_type_interface_peek_parent (iface);
  iface->get_child_by_name = gst_f2f_compositor_child_proxy_get_child_by_name;
  iface->get_child_by_index = parent_child_proxy_iface->get_child_by_index;
  iface->get_children_count = parent_child_proxy_iface->get_children_count;
}

/* ------------------------------------------------------------------------ */
/* Properties */

static void
apply_video_caps (GstF2fCompositor * self)
{
  GstCaps *caps;

  if (!self->video_caps || !self->background_caps)
    return;
  caps = output_video_caps (self);
  g_object_set (self->video_caps, "caps", caps, NULL);
  gst_caps_unref (caps);
  caps = background_caps (self);
  g_object_set (self->background_caps, "caps", caps, NULL);
  gst_caps_unref (caps);
}

static void
apply_latency (GstF2fCompositor * self)
{
  GstClockTime latency;
  GList *l, *mixers = NULL;

  GST_OBJECT_LOCK (self);
  latency = self->latency;
  for (l = self->minus_outputs; l; l = l->next)
    mixers = g_list_prepend (mixers,
        gst_object_ref (((MinusOutput *) l->data)->mixer));
  GST_OBJECT_UNLOCK (self);

  if (self->compositor)
    mixers = g_list_prepend (mixers, gst_object_ref (self->compositor));
  if (self->mixer)
    mixers = g_list_prepend (mixers, gst_object_ref (self->mixer));
  for (l = mixers; l; l = l->next)
    g_object_set (l->data, "latency", latency, NULL);
  g_list_free_full (mixers, gst_object_unref);
}

static void
gst_f2f_compositor_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstF2fCompositor *self = GST_F2F_COMPOSITOR (object);

  switch (prop_id) {
    case PROP_WIDTH:
      GST_OBJECT_LOCK (self);
      self->width = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      apply_video_caps (self);
      relayout (self);
      break;
    case PROP_HEIGHT:
      GST_OBJECT_LOCK (self);
      self->height = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      apply_video_caps (self);
      relayout (self);
      break;
    case PROP_FRAMERATE:
      GST_OBJECT_LOCK (self);
      self->fps_n = gst_value_get_fraction_numerator (value);
      self->fps_d = gst_value_get_fraction_denominator (value);
      GST_OBJECT_UNLOCK (self);
      apply_video_caps (self);
      break;
    case PROP_LATENCY:
      GST_OBJECT_LOCK (self);
      self->latency = g_value_get_uint64 (value);
      GST_OBJECT_UNLOCK (self);
      apply_latency (self);
      break;
    case PROP_LAYOUT:
      GST_OBJECT_LOCK (self);
      self->layout = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      relayout (self);
      break;
    case PROP_PINNED:{
      const gchar *pinned = g_value_get_string (value);

      GST_OBJECT_LOCK (self);
      g_free (self->pinned);
      self->pinned = pinned && *pinned ? g_strdup (pinned) : NULL;
      GST_OBJECT_UNLOCK (self);
      relayout (self);
      break;
    }
    case PROP_SHOW_LABELS:
      GST_OBJECT_LOCK (self);
      self->show_labels = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      relayout (self);
      break;
    case PROP_SPEAKER_HOLD_TIME:
      GST_OBJECT_LOCK (self);
      self->speaker_hold_time = g_value_get_uint64 (value);
      gst_f2f_speaker_tracker_set_hold_time (self->tracker,
          self->speaker_hold_time);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SPEAKER_THRESHOLD:
      GST_OBJECT_LOCK (self);
      self->speaker_threshold = g_value_get_double (value);
      gst_f2f_speaker_tracker_set_threshold (self->tracker,
          self->speaker_threshold);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_AUDIO_RATE:
      GST_OBJECT_LOCK (self);
      self->audio_rate = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_AUDIO_CHANNELS:
      GST_OBJECT_LOCK (self);
      self->audio_channels = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
  }

  if (prop_id == PROP_AUDIO_RATE || prop_id == PROP_AUDIO_CHANNELS) {
    GstCaps *caps = mix_caps (self);
    GList *filters = NULL, *silences = NULL, *l;

    GST_OBJECT_LOCK (self);
    for (l = self->audio_inputs; l; l = l->next)
      filters = g_list_prepend (filters,
          gst_object_ref (((AudioInput *) l->data)->capsfilter));
    for (l = self->minus_outputs; l; l = l->next) {
      MinusOutput *out = l->data;

      filters = g_list_prepend (filters, gst_object_ref (out->capsfilter));
      filters = g_list_prepend (filters, gst_object_ref (out->silence_caps));
      silences = g_list_prepend (silences, gst_object_ref (out->silence));
    }
    GST_OBJECT_UNLOCK (self);
    if (self->mixer_caps)
      filters = g_list_prepend (filters, gst_object_ref (self->mixer_caps));
    if (self->silence_caps)
      filters = g_list_prepend (filters, gst_object_ref (self->silence_caps));
    if (self->silence)
      silences = g_list_prepend (silences, gst_object_ref (self->silence));
    for (l = filters; l; l = l->next)
      g_object_set (l->data, "caps", caps, NULL);
    for (l = silences; l; l = l->next)
      configure_silence (self, l->data);
    g_list_free_full (filters, gst_object_unref);
    g_list_free_full (silences, gst_object_unref);
    gst_caps_unref (caps);
  }
}

static void
gst_f2f_compositor_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstF2fCompositor *self = GST_F2F_COMPOSITOR (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WIDTH:
      g_value_set_int (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_int (value, self->height);
      break;
    case PROP_FRAMERATE:
      gst_value_set_fraction (value, self->fps_n, self->fps_d);
      break;
    case PROP_LATENCY:
      g_value_set_uint64 (value, self->latency);
      break;
    case PROP_LAYOUT:
      g_value_set_enum (value, self->layout);
      break;
    case PROP_PINNED:
      g_value_set_string (value, self->pinned);
      break;
    case PROP_SHOW_LABELS:
      g_value_set_boolean (value, self->show_labels);
      break;
    case PROP_SPEAKER_HOLD_TIME:
      g_value_set_uint64 (value, self->speaker_hold_time);
      break;
    case PROP_SPEAKER_THRESHOLD:
      g_value_set_double (value, self->speaker_threshold);
      break;
    case PROP_ACTIVE_SPEAKER:
      g_value_set_string (value,
          gst_f2f_speaker_tracker_get_speaker (self->tracker));
      break;
    case PROP_AUDIO_RATE:
      g_value_set_int (value, self->audio_rate);
      break;
    case PROP_AUDIO_CHANNELS:
      g_value_set_int (value, self->audio_channels);
      break;
    case PROP_DROPPED_SAMPLES:
      g_value_set_uint64 (value, self->dropped_samples);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */

static void
gst_f2f_compositor_dispose (GObject * object)
{
  GstF2fCompositor *self = GST_F2F_COMPOSITOR (object);
  GList *pads = NULL, *l;

  /* Release the participant pads while the children they feed still exist;
   * GstElement would do it only after GstBin has dropped the children. */
  GST_OBJECT_LOCK (self);
  for (l = self->video_inputs; l; l = l->next)
    pads = g_list_prepend (pads, gst_object_ref (((VideoInput *) l->data)->pad));
  for (l = self->audio_inputs; l; l = l->next)
    pads = g_list_prepend (pads, gst_object_ref (((AudioInput *) l->data)->pad));
  for (l = self->minus_outputs; l; l = l->next)
    pads = g_list_prepend (pads,
        gst_object_ref (((MinusOutput *) l->data)->pad));
  GST_OBJECT_UNLOCK (self);
  for (l = pads; l; l = l->next)
    gst_f2f_compositor_release_pad (GST_ELEMENT (self), l->data);
  g_list_free_full (pads, gst_object_unref);

  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_f2f_compositor_finalize (GObject * object)
{
  GstF2fCompositor *self = GST_F2F_COMPOSITOR (object);
  GList *l;

  /* The children and pads are gone with the bin; only our records stay. */
  for (l = self->audio_inputs; l; l = l->next) {
    AudioInput *in = l->data;
    GList *b;

    for (b = in->branches; b; b = b->next) {
      Branch *branch = b->data;

      gst_object_unref (branch->tee_pad);
      gst_object_unref (branch->mixer_pad);
      g_free (branch);
    }
    g_list_free (in->branches);
  }
  for (l = self->video_inputs; l; l = l->next)
    gst_object_unref (((VideoInput *) l->data)->mixer_pad);
  g_list_free_full (self->video_inputs, g_free);
  g_list_free_full (self->audio_inputs, g_free);
  g_list_free_full (self->minus_outputs, g_free);
  gst_f2f_speaker_tracker_free (self->tracker);
  g_free (self->pinned);
  g_free (self->missing_factory);
  g_mutex_clear (&self->config_lock);
  g_mutex_clear (&self->layout_lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_f2f_compositor_class_init (GstF2fCompositorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBinClass *bin_class = GST_BIN_CLASS (klass);

  gobject_class->set_property = gst_f2f_compositor_set_property;
  gobject_class->get_property = gst_f2f_compositor_get_property;
  gobject_class->dispose = gst_f2f_compositor_dispose;
  gobject_class->finalize = gst_f2f_compositor_finalize;

  g_object_class_install_property (gobject_class, PROP_WIDTH,
      g_param_spec_int ("width", "Width", "Width of the composited video",
          16, 8192, DEFAULT_WIDTH, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_HEIGHT,
      g_param_spec_int ("height", "Height", "Height of the composited video",
          16, 8192, DEFAULT_HEIGHT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
          | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_FRAMERATE,
      gst_param_spec_fraction ("framerate", "Framerate",
          "Frame rate of the composited video", 1, 1, 120, 1, DEFAULT_FPS_N,
          DEFAULT_FPS_D, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_uint64 ("latency", "Latency budget",
          "How long the mixers wait for late input beyond the upstream "
          "latency, in nanoseconds. An input that joins with up to this much "
          "more latency than the others is mixed without losing samples.",
          0, 10 * GST_SECOND, DEFAULT_LATENCY, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LAYOUT,
      g_param_spec_enum ("layout", "Layout",
          "How the participants' pictures are arranged",
          GST_TYPE_F2F_LAYOUT_MODE, DEFAULT_LAYOUT, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PINNED,
      g_param_spec_string ("pinned", "Pinned participant",
          "The participant id to keep in the large tile of the speaker "
          "layout (first tile of the grid) whoever speaks; empty for none",
          DEFAULT_PINNED, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SHOW_LABELS,
      g_param_spec_boolean ("show-labels", "Show labels",
          "Draw each participant's display name on their tile",
          DEFAULT_SHOW_LABELS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SPEAKER_HOLD_TIME,
      g_param_spec_uint64 ("speaker-hold-time", "Speaker hold time",
          "The active speaker changes at most this often, and only to someone "
          "who stayed louder this long (nanoseconds)", 0, 60 * GST_SECOND,
          DEFAULT_SPEAKER_HOLD_TIME, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SPEAKER_THRESHOLD,
      g_param_spec_double ("speaker-threshold", "Speaker threshold",
          "Audio below this RMS level (dBFS) does not count as speech",
          -120.0, 0.0, DEFAULT_SPEAKER_THRESHOLD, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ACTIVE_SPEAKER,
      g_param_spec_string ("active-speaker", "Active speaker",
          "The participant id of the active speaker, NULL before anyone "
          "spoke", NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_AUDIO_RATE,
      g_param_spec_int ("audio-rate", "Audio rate",
          "Sample rate of the mixes (Hz)", 8000, 192000, DEFAULT_AUDIO_RATE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_AUDIO_CHANNELS,
      g_param_spec_int ("audio-channels", "Audio channels",
          "Channels of the mixes", 1, 8, DEFAULT_AUDIO_CHANNELS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_DROPPED_SAMPLES,
      g_param_spec_uint64 ("dropped-samples", "Dropped samples",
          "Input samples (per channel) the mixers dropped because they came "
          "too late; raise the latency budget if this grows", 0, G_MAXUINT64,
          0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &video_sink_template, GST_TYPE_F2F_COMPOSITOR_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &audio_sink_template, GST_TYPE_F2F_COMPOSITOR_PAD);
  gst_element_class_add_static_pad_template (element_class,
      &video_src_template);
  gst_element_class_add_static_pad_template (element_class,
      &audio_src_template);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &audio_minus_template, GST_TYPE_F2F_COMPOSITOR_PAD);

  gst_element_class_set_static_metadata (element_class,
      "f2f room mixer", "Filter/Editor/Video/Audio/Mixer",
      "Composites the participants' video in a grid or speaker layout with "
      "name labels, mixes their audio, and makes an N-1 mix per participant; "
      "participants join and leave without stopping the output",
      "the f2f authors");

  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_f2f_compositor_request_new_pad);
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_f2f_compositor_release_pad);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_f2f_compositor_change_state);
  bin_class->handle_message =
      GST_DEBUG_FUNCPTR (gst_f2f_compositor_handle_message);

  dropped_quark = g_quark_from_static_string ("f2f-compositor-dropped");
  retired_quark = g_quark_from_static_string ("f2f-compositor-retired");
  gst_type_mark_as_plugin_api (GST_TYPE_F2F_LAYOUT_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_F2F_COMPOSITOR_PAD, 0);
}

static GstPad *
make_src_pad (GstF2fCompositor * self, const gchar * templ_name,
    GstElement * last)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);
  GstPad *target = gst_element_get_static_pad (last, "src");
  GstPad *pad = gst_ghost_pad_new_from_template (templ_name, target,
      gst_element_class_get_pad_template (klass, templ_name));

  gst_pad_add_probe (target, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM,
      drop_when_unlinked, pad, NULL);
  gst_object_unref (target);
  gst_element_add_pad (GST_ELEMENT (self), pad);
  return pad;
}

static void
gst_f2f_compositor_init (GstF2fCompositor * self)
{
  GstBin *bin = GST_BIN (self);
  GstPad *bg_pad, *bg_src;
  GstCaps *caps;

  g_mutex_init (&self->config_lock);
  g_mutex_init (&self->layout_lock);
  self->width = DEFAULT_WIDTH;
  self->height = DEFAULT_HEIGHT;
  self->fps_n = DEFAULT_FPS_N;
  self->fps_d = DEFAULT_FPS_D;
  self->latency = DEFAULT_LATENCY;
  self->layout = DEFAULT_LAYOUT;
  self->pinned = DEFAULT_PINNED;
  self->show_labels = DEFAULT_SHOW_LABELS;
  self->speaker_threshold = DEFAULT_SPEAKER_THRESHOLD;
  self->audio_rate = DEFAULT_AUDIO_RATE;
  self->audio_channels = DEFAULT_AUDIO_CHANNELS;
  self->speaker_hold_time = DEFAULT_SPEAKER_HOLD_TIME;
  self->tracker = gst_f2f_speaker_tracker_new (DEFAULT_SPEAKER_HOLD_TIME,
      DEFAULT_SPEAKER_THRESHOLD, SPEAKER_MARGIN_DB);

  {
    GstElementFactory *f = gst_element_factory_find ("textoverlay");

    self->have_textoverlay = f != NULL;
    if (!f)
      GST_WARNING_OBJECT (self, "textoverlay is missing (gstreamer1.0-x); "
          "tiles will have no name labels");
    g_clear_object (&f);
  }

  /* Video: a transparent live background keeps the compositor ticking with
   * nobody in the room. */
  self->compositor = make_element (self, "compositor", NULL, "compositor");
  self->video_caps = make_element (self, "capsfilter", NULL, "video-caps");
  self->background = make_element (self, "videotestsrc", NULL, "background");
  self->background_caps = make_element (self, "capsfilter", NULL,
      "background-caps");
  /* Audio: the same with silence. */
  self->mixer = make_element (self, "audiomixer", NULL, "mixer");
  self->mixer_caps = make_element (self, "capsfilter", NULL, "mixer-caps");
  self->silence = make_element (self, "audiotestsrc", NULL, "silence");
  self->silence_caps = make_element (self, "capsfilter", NULL,
      "silence-caps");

  if (!self->compositor || !self->video_caps || !self->background ||
      !self->background_caps || !self->mixer || !self->mixer_caps ||
      !self->silence || !self->silence_caps) {
    /* Reported when going to READY. */
    gst_clear_object (&self->compositor);
    gst_clear_object (&self->video_caps);
    gst_clear_object (&self->background);
    gst_clear_object (&self->background_caps);
    gst_clear_object (&self->mixer);
    gst_clear_object (&self->mixer_caps);
    gst_clear_object (&self->silence);
    gst_clear_object (&self->silence_caps);
    return;
  }

  configure_mixer (self, self->compositor);
  gst_util_set_object_arg (G_OBJECT (self->compositor), "background", "black");
  g_object_set (self->background, "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (self->background), "pattern", "black");
  apply_video_caps (self);
  gst_bin_add_many (bin, self->compositor, self->video_caps, self->background,
      self->background_caps, NULL);
  gst_element_link (self->compositor, self->video_caps);
  gst_element_link (self->background, self->background_caps);
  bg_pad = gst_element_request_pad_simple (self->compositor, "sink_%u");
  answer_allocation_on (bg_pad, TRUE);
  g_object_set (bg_pad, "alpha", 0.0, "zorder", 0, NULL);
  bg_src = gst_element_get_static_pad (self->background_caps, "src");
  gst_pad_link (bg_src, bg_pad);
  gst_object_unref (bg_src);
  gst_object_unref (bg_pad);

  configure_mixer (self, self->mixer);
  watch_mixer (self->mixer);
  configure_silence (self, self->silence);
  caps = mix_caps (self);
  g_object_set (self->mixer_caps, "caps", caps, NULL);
  g_object_set (self->silence_caps, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_bin_add_many (bin, self->mixer, self->mixer_caps, self->silence,
      self->silence_caps, NULL);
  gst_element_link (self->mixer, self->mixer_caps);
  gst_element_link (self->silence, self->silence_caps);
  bg_pad = request_mixer_pad (self->mixer, FALSE);
  bg_src = gst_element_get_static_pad (self->silence_caps, "src");
  gst_pad_link (bg_src, bg_pad);
  gst_object_unref (bg_src);
  gst_object_unref (bg_pad);

  self->video_srcpad = make_src_pad (self, "video_src", self->video_caps);
  self->audio_srcpad = make_src_pad (self, "audio_src", self->mixer_caps);
}
