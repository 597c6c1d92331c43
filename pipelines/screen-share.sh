#!/usr/bin/env bash
# Share the X screen ($DISPLAY) into a room.
set -euo pipefail
. "$(dirname "$0")/common.sh"
usage() {
  echo "usage: DISPLAY=:0 $0   share the screen of \$DISPLAY into \$F2F_ROOM"
  echo "$usage_common"
}
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  usage
  exit 0
fi
if [ -z "${DISPLAY:-}" ]; then
  usage
  echo "error: DISPLAY is not set" >&2
  exit 2
fi
# shellcheck disable=SC2046
exec gst-launch-1.0 -m f2fsignal name=s $(signal_props) \
  ximagesrc use-damage=false show-pointer=true ! video/x-raw,framerate=10/1 ! \
    videoconvert ! videoscale ! video/x-raw,width=1280,height=720 ! s.video_sink
