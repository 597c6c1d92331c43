#!/bin/sh
# CPU of N-peer f2fsignal rooms against a plain webrtcbin mesh of the same
# shape (docs/performance.md), in a private network namespace (loopback
# only). Builds build-bench/ first if needed; prints one table per
# repetition.
#
#   tests/bench/mesh-cpu.sh [extra mesh-cpu options...]
#   e.g. tests/bench/mesh-cpu.sh --peers-list 2,4 --seconds 5 --runs 1
#
# Environment: BUILD_DIR (default build-bench), REPEAT (whole bench runs,
# default 1), TIME_LIMIT (seconds per run before everything is killed,
# default 3600).
set -eu

src_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$src_root/build-bench}
repeat=${REPEAT:-1}
limit=${TIME_LIMIT:-3600}

if [ ! -f "$build_dir/build.ninja" ]; then
  meson setup "$build_dir" "$src_root" >/dev/null
fi
ninja -C "$build_dir" signaling/f2f-signaling-server tests/tools/f2f-peer-tool \
  tests/bench/mesh-cpu tests/bench/raw-mesh plugins/f2f/libgstf2f.so \
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
  echo "== mesh-cpu run $i of $repeat, $(nproc) cores =="
  # The bench is the namespace's main process (exec); when the limit hits
  # it dies and its children follow (PR_SET_PDEATHSIG).
  timeout -k 10 "$limit" unshare -n sh -c 'ip link set lo up && exec "$@"' \
    mesh-cpu "$build_dir/tests/bench/mesh-cpu" \
    --tool "$build_dir/tests/tools/f2f-peer-tool" \
    --server "$build_dir/signaling/f2f-signaling-server" \
    --raw "$build_dir/tests/bench/raw-mesh" "$@"
  i=$((i + 1))
done
