#!/bin/sh
# f2fsignal join-time benchmarks of docs/performance.md, with the plain
# webrtcbin baseline, in a private network namespace (loopback only).
# Builds build-bench/ first if needed; prints one table per repetition.
#
#   tests/bench/join-time.sh [extra join-time options...]
#
# Environment: BUILD_DIR (default build-bench), REPEAT (whole bench runs,
# default 1), TIME_LIMIT (seconds per run before everything is killed,
# default 900).
set -eu

src_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$src_root/build-bench}
repeat=${REPEAT:-1}
limit=${TIME_LIMIT:-900}

if [ ! -f "$build_dir/build.ninja" ]; then
  meson setup "$build_dir" "$src_root" >/dev/null
fi
ninja -C "$build_dir" signaling/f2f-signaling-server tests/tools/f2f-peer-tool \
  tests/bench/join-time tests/bench/webrtcbin-baseline plugins/f2f/libgstf2f.so \
  >/dev/null 2>&1 || ninja -C "$build_dir" >/dev/null

export GST_PLUGIN_PATH="$build_dir/plugins/f2f"
# A registry of our own, so a stale or concurrently rebuilt one is not read.
regdir=$(mktemp -d)
trap 'rm -rf "$regdir"' EXIT
export GST_REGISTRY="$regdir/registry.bin"
# Fill it once now: the first peer would otherwise pay for the scan.
gst-inspect-1.0 f2fsignal >/dev/null

i=1
while [ "$i" -le "$repeat" ]; do
  echo "== join-time run $i of $repeat, $(nproc) cores =="
  # The bench is the namespace's main process (exec); when the limit hits
  # it dies and its children follow (PR_SET_PDEATHSIG).
  timeout -k 10 "$limit" unshare -n sh -c 'ip link set lo up && exec "$@"' \
    join-time "$build_dir/tests/bench/join-time" \
    --tool "$build_dir/tests/tools/f2f-peer-tool" \
    --server "$build_dir/signaling/f2f-signaling-server" \
    --baseline "$build_dir/tests/bench/webrtcbin-baseline" "$@"
  i=$((i + 1))
done
