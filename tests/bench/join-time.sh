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
. "$src_root/tests/bench/lib.sh"

bench_build signaling/f2f-signaling-server tests/tools/f2f-peer-tool \
  tests/bench/join-time tests/bench/webrtcbin-baseline plugins/f2f/libgstf2f.so
bench_registry f2fsignal

i=1
while [ "$i" -le "$repeat" ]; do
  echo "== join-time run $i of $repeat, $(nproc) cores =="
  bench_netns "$limit" join-time "$build_dir/tests/bench/join-time" \
    --tool "$build_dir/tests/tools/f2f-peer-tool" \
    --server "$build_dir/signaling/f2f-signaling-server" \
    --baseline "$build_dir/tests/bench/webrtcbin-baseline" "$@"
  i=$((i + 1))
done
