#!/bin/sh
# Runs the standard f2f-signaling-server scenarios of docs/performance.md
# and prints a summary table. Builds build-bench/ first if needed.
#
#   tests/bench/signaling-load.sh [extra signaling-load options...]
#
# Environment: BUILD_DIR (default build-bench), DURATION (seconds measured
# per run, default 10).
set -eu

src_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$src_root/build-bench}
duration=${DURATION:-10}

if [ ! -f "$build_dir/build.ninja" ]; then
  meson setup "$build_dir" "$src_root" >/dev/null
fi
ninja -C "$build_dir" signaling/f2f-signaling-server \
  tests/bench/signaling-load >/dev/null

tool=$build_dir/tests/bench/signaling-load
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() {
  echo "\$ signaling-load $*" | sed "s|$build_dir/||"
  "$tool" "$@" | tee -a "$log"
  echo
}

run --scenario idle --connections 5000 --room-size 4 --duration "$duration" "$@"
run --scenario throughput --connections 1000 --room-size 4 --window 8 \
  --duration "$duration" "$@"
run --scenario latency --connections 1000 --room-size 4 --rate 5000 \
  --duration "$duration" "$@"

# RESULT/RATIO lines are key=value; pick a key from the line of a run.
field() {
  grep "^$1 scenario=$2 .*server=$3 " "$log" | head -n 1 |
    tr ' ' '\n' | sed -n "s/^$4=//p"
}
ratio() {
  grep "^RATIO scenario=$1 " "$log" | head -n 1 | tr ' ' '\n' |
    sed -n "s/^$2=//p"
}

echo "== f2f-signaling-server, $(nproc) cores, server on CPU 0, tool on CPU 1 =="
printf '%-44s %12s %12s %9s %s\n' "figure" "f2f" "baseline" "ratio" "target"
printf '%-44s %12s %12s %9s %s\n' "connections held (of 5000, idle)" \
  "$(field RESULT idle f2f held)" "$(field RESULT idle baseline held)" "" \
  ">= 5000"
printf '%-44s %12s %12s %9s %s\n' "server RSS per idle connection, KiB" \
  "$(field RESULT idle f2f kib_per_conn)" \
  "$(field RESULT idle baseline kib_per_conn)" \
  "$(ratio idle kib_per_conn)" "<= 20"
printf '%-44s %12s %12s %9s %s\n' "relayed msg/s, 1000 conns, saturated" \
  "$(field RESULT throughput f2f msgs_per_s)" \
  "$(field RESULT throughput baseline msgs_per_s)" \
  "$(ratio throughput msgs_per_s)" ">= 30000"
printf '%-44s %12s %12s %9s %s\n' "server CPU, saturated (fraction of a core)" \
  "$(field RESULT throughput f2f server_cpu)" \
  "$(field RESULT throughput baseline server_cpu)" "" "1 core"
printf '%-44s %12s %12s %9s %s\n' "server CPU per relayed msg (ratio)" "" "" \
  "$(ratio throughput cpu_per_msg)" ""
printf '%-44s %12s %12s %9s %s\n' "relay p50 ms, 1000 conns, 5000 msg/s" \
  "$(field RESULT latency f2f p50_ms)" "$(field RESULT latency baseline p50_ms)" \
  "$(ratio latency p50)" ""
printf '%-44s %12s %12s %9s %s\n' "relay p99 ms, 1000 conns, 5000 msg/s" \
  "$(field RESULT latency f2f p99_ms)" "$(field RESULT latency baseline p99_ms)" \
  "$(ratio latency p99)" "< 10"
