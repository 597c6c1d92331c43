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
. "$src_root/tests/bench/lib.sh"

bench_build signaling/f2f-signaling-server tests/tools/f2f-peer-tool \
  tests/bench/file-transfer tests/bench/datachannel-baseline \
  plugins/f2f/libgstf2f.so
export GIO_USE_PROXY_RESOLVER=dummy
bench_registry f2ffileshare

i=1
while [ "$i" -le "$repeat" ]; do
  echo "== file-transfer run $i of $repeat, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) =="
  bench_netns "$limit" file-transfer "$build_dir/tests/bench/file-transfer" \
    --tool "$build_dir/tests/tools/f2f-peer-tool" \
    --server "$build_dir/signaling/f2f-signaling-server" \
    --baseline "$build_dir/tests/bench/datachannel-baseline" \
    --dir "$work" "$@"
  i=$((i + 1))
done
