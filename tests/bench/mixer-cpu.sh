#!/bin/sh
# CPU of an f2f mixer serving N clients against a plain webrtcbin mixer
# doing the same media work, and of a client in a mixer room against the
# same peer in a mesh (docs/performance.md), in a private network namespace
# (loopback only). Builds build-bench/ first if needed.
#
#   tests/bench/mixer-cpu.sh [extra mixer-cpu options...]
#   e.g. tests/bench/mixer-cpu.sh --clients-list 3 --seconds 5 --compare-mesh 0
#
# Environment: BUILD_DIR (default build-bench), TIME_LIMIT (seconds before
# everything is killed, default 3600).
set -eu

src_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$src_root/build-bench}
limit=${TIME_LIMIT:-3600}
. "$src_root/tests/bench/lib.sh"

bench_build signaling/f2f-signaling-server tests/tools/f2f-peer-tool \
  tests/bench/mixer-cpu tests/bench/raw-mixer plugins/f2f/libgstf2f.so
bench_registry f2fsignal

echo "== mixer-cpu, $(nproc) cores =="
bench_netns "$limit" mixer-cpu "$build_dir/tests/bench/mixer-cpu" \
  --tool "$build_dir/tests/tools/f2f-peer-tool" \
  --server "$build_dir/signaling/f2f-signaling-server" \
  --raw "$build_dir/tests/bench/raw-mixer" "$@"
