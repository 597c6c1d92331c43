#!/usr/bin/env bash
# A headless mixer node: joins the room with no camera and no microphone and
# asks to be one of its mixers. Every other peer then sends its camera and
# mic to this node only, and gets back one composite picture and the mix of
# everyone else's voices (a mix-minus of its own): one stream up, one down,
# whatever the size of the room. Run it on a machine with a good uplink.
set -euo pipefail
. "$(dirname "$0")/common.sh"
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: $0        mix \$F2F_ROOM for its other peers (no camera, no mic)"
  echo "$usage_common"
  echo "F2F_MIXERS: ask for these mixers instead (ids or display names, comma-separated)."
  exit 0
fi
if [ -n "${F2F_MIXERS:-}" ]; then
  wish="mixers=$F2F_MIXERS"
else
  wish="mixer=true"
fi
# The room view is what the clients get: show it when there is a display.
# shellcheck disable=SC2046
exec gst-launch-1.0 -m f2fsignal name=s $(signal_props) $wish stats-interval=1000 \
  s.video_src ! queue ! $(video_out) \
  s.audio_src ! queue ! $(audio_out)
