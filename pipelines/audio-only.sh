#!/usr/bin/env bash
# An audio-only peer: a microphone (or a tone), the room's audio mix.
set -euo pipefail
. "$(dirname "$0")/common.sh"
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: $0 [FREQ]   join \$F2F_ROOM with audio only (a tone of FREQ Hz, default 440)"
  echo "$usage_common"
  exit 0
fi
freq=${1:-440}
# shellcheck disable=SC2046
exec gst-launch-1.0 -m f2fsignal name=s $(signal_props) stats-interval=1000 \
  audiotestsrc is-live=true freq="$freq" ! s.audio_sink \
  s.audio_src ! queue ! $(audio_out)
