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
. "$src_root/tests/bench/lib.sh"

bench_build signaling/f2f-signaling-server tests/bench/audio-latency \
  plugins/f2f/libgstf2f.so
bench_registry f2fsignal

echo "== audio-latency, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) =="
bench_netns "$limit" audio-latency "$build_dir/tests/bench/audio-latency" \
  --server "$build_dir/signaling/f2f-signaling-server" "$@"
