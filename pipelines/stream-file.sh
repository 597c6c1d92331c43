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
# The room view goes to fakesinks, though nobody watches it here: a bin
# changes its children's states from its sinks upstream, and with no sink
# in the pipeline (f2fsignal has none until a peer links) it started
# uridecodebin first; the file's first buffers then met the queues below
# before they were active, were refused (flushing), and the file never
# played again — integration/recipes test_stream_file, 1 run in 4 on
# 2026-12-07 (the recipe PLAYING, its link up, nothing sent).
# shellcheck disable=SC2046
exec gst-launch-1.0 -m f2fsignal name=s $(signal_props) \
  s.video_src ! fakesink sync=false async=false \
  s.audio_src ! fakesink sync=false async=false \
  uridecodebin uri="file://$uri" name=d \
  d. ! queue ! clocksync ! videoconvert ! videoscale ! video/x-raw,width=640,height=360 ! s.video_sink \
  d. ! queue ! clocksync ! audioconvert ! audioresample ! s.audio_sink
