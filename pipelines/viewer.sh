#!/usr/bin/env bash
# A receive-only viewer: sends nothing, shows the room.
set -euo pipefail
. "$(dirname "$0")/common.sh"
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: $0        watch \$F2F_ROOM without sending anything"
  echo "$usage_common"
  exit 0
fi
# shellcheck disable=SC2046
exec gst-launch-1.0 -m f2fsignal name=s $(signal_props) stats-interval=1000 \
  s.video_src ! queue ! $(video_out) \
  s.audio_src ! queue ! $(audio_out)
