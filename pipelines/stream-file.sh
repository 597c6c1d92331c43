#!/usr/bin/env bash
# Stream a media file into a room, in real time.
set -euo pipefail
. "$(dirname "$0")/common.sh"
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: $0 FILE     play FILE into \$F2F_ROOM (its video and audio, in real time)"
  echo "$usage_common"
  [ $# -ge 1 ] && exit 0 || exit 2
fi
uri=$(realpath "$1")
# Nothing on the way to the network waits for the clock (the network sinks
# do not sync), so clocksync paces the decoded file to real time; without
# it the whole file is pushed out in a burst that receivers drop.
# shellcheck disable=SC2046
exec gst-launch-1.0 -m f2fsignal name=s $(signal_props) \
  uridecodebin uri="file://$uri" name=d \
  d. ! queue ! clocksync ! videoconvert ! videoscale ! video/x-raw,width=640,height=360 ! s.video_sink \
  d. ! queue ! clocksync ! audioconvert ! audioresample ! s.audio_sink
