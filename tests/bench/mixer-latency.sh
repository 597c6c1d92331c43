#!/bin/sh
# Client-to-client audio latency through 0, 1, 2, ... mixers
# (docs/performance.md), in a private network namespace (loopback only).
# Builds build-bench/ first if needed.
#
#   tests/bench/mixer-latency.sh [mixer-latency options...]
#     (--mixers-list 0,1,2,3,4,5; --ticks N per scenario and round, default
#      100; --rounds R, default 1; --view-latency MS; --video; --verbose;
#      --check: exit 1 on a missed target, as the test integration/lipsync)
#
# Environment: BUILD_DIR (default build-bench), TIME_LIMIT (seconds before
# everything is killed, default 1800).
set -eu

src_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$src_root/build-bench}
limit=${TIME_LIMIT:-1800}
. "$src_root/tests/bench/lib.sh"

bench_build signaling/f2f-signaling-server tests/bench/mixer-latency \
  plugins/f2f/libgstf2f.so
bench_registry f2fsignal

echo "== mixer-latency, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) =="
bench_netns "$limit" mixer-latency "$build_dir/tests/bench/mixer-latency" \
  --server "$build_dir/signaling/f2f-signaling-server" "$@"
