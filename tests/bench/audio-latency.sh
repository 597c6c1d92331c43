#!/bin/sh
# One-way audio latency of docs/performance.md: f2fsignal against plain
# webrtcbin (as it comes, and without its clock wait), alternating, in a
# private network namespace (loopback only). Builds build-bench/ first if
# needed.
#
#   tests/bench/audio-latency.sh [audio-latency options...]
#     (--ticks N per round, default 40; --rounds R, default 3;
#      --interval MS between ticks, default 407; --modes f2f,f2f-view,raw,raw-nosync)
#
# Environment: BUILD_DIR (default build-bench), TIME_LIMIT (seconds before
# everything is killed, default 900).
set -eu

src_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$src_root/build-bench}
limit=${TIME_LIMIT:-900}

if [ ! -f "$build_dir/build.ninja" ]; then
  meson setup "$build_dir" "$src_root" >/dev/null
fi
ninja -C "$build_dir" signaling/f2f-signaling-server tests/bench/audio-latency \
  plugins/f2f/libgstf2f.so >/dev/null 2>&1 || ninja -C "$build_dir" >/dev/null

export GST_PLUGIN_PATH="$build_dir/plugins/f2f"
# A registry of our own, so a stale or concurrently rebuilt one is not read.
regdir=$(mktemp -d)
trap 'rm -rf "$regdir"' EXIT
export GST_REGISTRY="$regdir/registry.bin"
gst-inspect-1.0 f2fsignal >/dev/null

echo "== audio-latency, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) =="
timeout -k 10 "$limit" unshare -n sh -c 'ip link set lo up && exec "$@"' \
  audio-latency "$build_dir/tests/bench/audio-latency" \
  --server "$build_dir/signaling/f2f-signaling-server" "$@"
