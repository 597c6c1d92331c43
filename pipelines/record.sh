#!/usr/bin/env bash
# Record the room view (composited video + mixed audio) to a WebM file.
# Stops after SECONDS (or on Ctrl-C) and finalises the file.
set -euo pipefail
. "$(dirname "$0")/common.sh"
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: $0 OUT.webm [SECONDS]   record \$F2F_ROOM's view to OUT.webm"
  echo "$usage_common"
  [ $# -ge 1 ] && exit 0 || exit 2
fi
out=$1
seconds=${2:-0}
# shellcheck disable=SC2046
args=(-e -m f2fsignal name=s $(signal_props) stats-interval=1000
  s.video_src ! queue ! videoconvert ! vp8enc deadline=1 cpu-used=8 ! queue ! mux.
  s.audio_src ! queue ! audioconvert ! opusenc ! queue ! mux.
  webmmux name=mux ! filesink location="$out")
if [ "$seconds" -gt 0 ]; then
  # -e turns the SIGINT into an end of stream, so the file is finalised.
  status=0
  timeout -s INT -k 10 "$seconds" gst-launch-1.0 "${args[@]}" || status=$?
  [ "$status" -eq 124 ] && status=0
  exit "$status"
fi
exec gst-launch-1.0 "${args[@]}"
