#!/usr/bin/env bash
# Join a room with a camera and a microphone (test sources when there are
# none) and show the room.
set -euo pipefail
. "$(dirname "$0")/common.sh"
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: $0        join \$F2F_ROOM with camera and mic; show the room"
  echo "$usage_common"
  exit 0
fi
if [ -e /dev/video0 ]; then
  video_src="v4l2src ! videoconvert ! videoscale ! video/x-raw,width=640,height=360"
else
  video_src="videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=15/1"
fi
if gst-inspect-1.0 pulsesrc >/dev/null 2>&1 && [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -z "${F2F_HEADLESS:-}" ]; then
  audio_src="pulsesrc buffer-time=20000 latency-time=10000"
else
  audio_src="audiotestsrc is-live=true wave=ticks"
fi
# shellcheck disable=SC2046
exec gst-launch-1.0 -m f2fsignal name=s $(signal_props) \
  $video_src ! s.video_sink \
  $audio_src ! s.audio_sink \
  s.video_src ! queue ! $(video_out) \
  s.audio_src ! queue ! $(audio_out) \
  s.text_src ! fakesink
