#!/bin/sh
# f2ffileshare throughput of docs/performance.md, with the plain
# data-channel baseline, in a private network namespace (loopback only).
# Builds build-bench/ first if needed; prints the tables.
#
#   tests/bench/file-transfer.sh [extra file-transfer options...]
#
# Environment: BUILD_DIR (default build-bench), REPEAT (whole bench runs,
# default 1), TIME_LIMIT (seconds per run before everything is killed,
# default 3600), WORK_DIR (where the 256 MB files go; default $TMPDIR or
# /tmp: a real disk, since fsync is part of the figure).
set -eu

src_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$src_root/build-bench}
repeat=${REPEAT:-1}
limit=${TIME_LIMIT:-3600}
work=${WORK_DIR:-${TMPDIR:-/tmp}}

if [ ! -f "$build_dir/build.ninja" ]; then
  meson setup "$build_dir" "$src_root" >/dev/null
fi
ninja -C "$build_dir" signaling/f2f-signaling-server tests/tools/f2f-peer-tool \
  tests/bench/file-transfer tests/bench/datachannel-baseline \
  plugins/f2f/libgstf2f.so >/dev/null 2>&1 || ninja -C "$build_dir" >/dev/null

export GST_PLUGIN_PATH="$build_dir/plugins/f2f"
export GIO_USE_PROXY_RESOLVER=dummy
# A registry of our own, so a stale or concurrently rebuilt one is not read.
regdir=$(mktemp -d)
trap 'rm -rf "$regdir"' EXIT
export GST_REGISTRY="$regdir/registry.bin"
gst-inspect-1.0 f2ffileshare >/dev/null

i=1
while [ "$i" -le "$repeat" ]; do
  echo "== file-transfer run $i of $repeat, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) =="
  # The bench is the namespace's main process (exec); when the limit hits
  # it dies and its children follow (PR_SET_PDEATHSIG).
  timeout -k 10 "$limit" unshare -n sh -c 'ip link set lo up && exec "$@"' \
    file-transfer "$build_dir/tests/bench/file-transfer" \
    --tool "$build_dir/tests/tools/f2f-peer-tool" \
    --server "$build_dir/signaling/f2f-signaling-server" \
    --baseline "$build_dir/tests/bench/datachannel-baseline" \
    --dir "$work" "$@"
  i=$((i + 1))
done
