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
. "$src_root/tests/bench/lib.sh"

bench_build signaling/f2f-signaling-server tests/tools/f2f-peer-tool \
  tests/bench/mesh-cpu tests/bench/raw-mesh plugins/f2f/libgstf2f.so
bench_registry f2fsignal

i=1
while [ "$i" -le "$repeat" ]; do
  echo "== mesh-cpu run $i of $repeat, $(nproc) cores =="
  bench_netns "$limit" mesh-cpu "$build_dir/tests/bench/mesh-cpu" \
    --tool "$build_dir/tests/tools/f2f-peer-tool" \
    --server "$build_dir/signaling/f2f-signaling-server" \
    --raw "$build_dir/tests/bench/raw-mesh" "$@"
  i=$((i + 1))
done
