#!/usr/bin/env bash
# A headless bot: joins with a test pattern and a tone, never opens a
# window, and prints the room's events (joins, leaves, chat, stats).
set -euo pipefail
. "$(dirname "$0")/common.sh"
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: $0        a headless test-pattern peer in \$F2F_ROOM that prints the room's events"
  echo "$usage_common"
  exit 0
fi
# shellcheck disable=SC2046
exec gst-launch-1.0 -m f2fsignal name=s $(signal_props) stats-interval=2000 \
  videotestsrc is-live=true pattern=smpte ! video/x-raw,width=320,height=240,framerate=15/1 ! \
    timeoverlay ! s.video_sink \
  audiotestsrc is-live=true freq=523 ! s.audio_sink \
  s.video_src ! fakesink s.audio_src ! fakesink
