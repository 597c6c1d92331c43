#!/usr/bin/env bash
# Shares files with the room, and receives what the others share, with no
# camera or microphone: `share-files.sh slides.pdf` on one machine,
# `share-files.sh` on another. `-m` output shows progress and the
# f2f-file-received message with the path and SHA-256 of each file.
set -euo pipefail
. "$(dirname "$0")/common.sh"
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: $0 [FILE...]   share FILEs with \$F2F_ROOM (none: only receive);"
  echo "       files the others share go to \$F2F_DOWNLOAD_DIR (default ./f2f-downloads)"
  echo "$usage_common"
  exit 0
fi
download_dir=${F2F_DOWNLOAD_DIR:-$PWD/f2f-downloads}
# The files property is a GstValueArray: <"a","b">, with \ and " escaped,
# and spaces too (gst-launch's parser ends a value at an unescaped space).
files=""
for f in "$@"; do
  if [ ! -f "$f" ] || [ ! -r "$f" ]; then
    echo "$0: cannot read the file '$f'" >&2
    exit 2
  fi
  path=$(realpath "$f")
  path=${path//\\/\\\\}
  path=${path//\"/\\\"}
  path=${path// /\\ }
  files="${files:+$files,}\"$path\""
done
share=(f2ffileshare "download-dir=$download_dir")
if [ -n "$files" ]; then
  share+=("files=<$files>")
fi
# shellcheck disable=SC2046
exec gst-launch-1.0 -m f2fsignal name=s $(signal_props) "${share[@]}" \
  s.video_src ! fakesink s.audio_src ! fakesink
