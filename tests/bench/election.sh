#!/bin/sh
# f2felection's benchmark (docs/performance.md, "Election"): trigger → plan
# applied on all peers and mixer SIGKILL → media back, in rooms of 4 and 8
# peers; the uplink probe against tbf caps in the network lab. Real peer
# processes in a private network namespace (the driver makes it; the probe's
# peer gets one of its own), so it needs root like the integration tests.
#
#   tests/bench/election.sh [grow4] [grow8] [probe] [summary]
#     (no word: all three, then the summary)
#
# It is a multi-process run: it takes the machine's heavy lock itself
# (LOCK, default /tmp/f2f-heavy.lock; empty: none) for each batch of BATCH
# runs, so other work can interleave. Do not wrap it in flock yourself: it
# would wait for its own lock.
#
# Environment: BUILD_DIR (default build-bench, built first if needed), RUNS
# (per room size, default 20), BATCH (runs per lock, default 5), ROUNDS
# (probe rounds over all caps, default 2), CAPS (kbit/s, default
# 500,1000,4000,8000), ESTIMATES (per cap and round, default 5), OUT (the
# results file, appended to; default election-results.txt), PLOT (a PNG of
# the grow/kill figures, drawn when gnuplot is installed).
set -eu

src_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$src_root/build-bench}
runs=${RUNS:-20}
batch=${BATCH:-5}
rounds=${ROUNDS:-2}
caps=${CAPS:-500,1000,4000,8000}
estimates=${ESTIMATES:-5}
out=$(realpath -m "${OUT:-election-results.txt}")
plot=${PLOT:-}
lock=${LOCK-/tmp/f2f-heavy.lock}
. "$src_root/tests/bench/lib.sh"

bin="$build_dir/tests/bench/election-bench"

# Built and set up once, and only when something runs (not for summary).
prepared=
prepare () {
  [ -z "$prepared" ] || return 0
  bench_build signaling/f2f-signaling-server tests/tools/f2f-peer-tool \
    tests/bench/election-bench plugins/f2f/libgstf2f.so
  # what the integration tests' helpers expect (tests/meson.build)
  export GST_PLUGIN_PATH_1_0="$build_dir/plugins/f2f"
  export GST_PLUGIN_SYSTEM_PATH_1_0=$(pkg-config --variable=pluginsdir gstreamer-1.0)
  export F2F_SIGNALING_SERVER="$build_dir/signaling/f2f-signaling-server"
  export F2F_BUILD_ROOT="$build_dir" F2F_SOURCE_ROOT="$src_root"
  export GIO_USE_PROXY_RESOLVER=dummy GST_DEBUG=${GST_DEBUG:-*:1}
  bench_registry f2felection
  prepared=1
}

# locked COMMAND...: COMMAND under the heavy lock (if any), killed after 15
# minutes; the load when it got the lock goes to the results.
locked () {
  if [ -n "$lock" ]; then
    flock "$lock" sh -c 'echo "# $(date -u +%FT%TZ) load $(cut -d" " -f1-3 /proc/loadavg)"; exec timeout -k 10 900 "$@"' sh "$@"
  else
    echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
    timeout -k 10 900 "$@"
  fi
}

grow () {
  n=$1
  done_runs=0
  while [ "$done_runs" -lt "$runs" ]; do
    k=$((runs - done_runs < batch ? runs - done_runs : batch))
    GST_CHECKS=test_grow_and_kill ELECTION_BENCH_PEERS=$n \
      ELECTION_BENCH_RUNS=$k ELECTION_BENCH_FIRST_RUN=$((done_runs + 1)) \
      locked "$bin" 2>&1 | grep --line-buffered -E '^(result|#|  [A-H]:)|Checks|Failure|Error' |
      tee -a "$out" || true
    done_runs=$((done_runs + k))
  done
}

probe () {
  r=1
  while [ "$r" -le "$rounds" ]; do
    GST_CHECKS=test_probe ELECTION_BENCH_CAPS=$caps \
      ELECTION_BENCH_ESTIMATES=$estimates ELECTION_BENCH_FIRST_RUN=$r \
      locked "$bin" 2>&1 | grep --line-buffered -E '^(result|#)|Checks|Failure|Error' |
      tee -a "$out" || true
    r=$((r + 1))
  done
}

# p50 and p95 as bench_percentile has them: the sorted value at index
# round(p / 100 * (n - 1)).
summary () {
  echo "== election bench: $out =="
  for n in 4 8; do
    for key in started-ms result-ms plan-ms kill-media-ms kill-recovered-ms \
        holes-after kill-result-ms kill-plan-ms; do
      # -1: not seen (every time but started-ms, which may be a little
      # negative: the leader saw the join before the test did)
      grep -E "^result scenario=grow peers=$n .*$key=" "$out" |
        sed -E "s/.* $key=(-?[0-9]+).*/\1/" |
        { if [ "$key" = started-ms ]; then cat; else grep -vx -- -1; fi; } |
        sort -n | awk -v what="peers=$n $key" '{ v[NR] = $1 }
          END { if (NR == 0) exit
                p50 = v[int(0.5 * (NR - 1) + 0.5) + 1]
                p95 = v[int(0.95 * (NR - 1) + 0.5) + 1]
                all = ""; for (i = 1; i <= NR; i++) all = all " " v[i]
                printf "%-28s n=%-3d p50 %6d  p95 %6d  max %6d  all%s\n",
                  what, NR, p50, p95, v[NR], all }'
    done
    f=$(grep -cE "^result scenario=grow peers=$n .*failed" "$out" || true)
    [ "$f" = 0 ] || echo "peers=$n: $f failed runs"
  done
  for cap in $(echo "$caps" | tr , ' '); do
    grep -E "^result scenario=probe .*cap-kbit=$cap estimate" "$out" |
      sed -E 's/.*estimate-bps=([0-9]+).*wire-bytes-per-packet=([0-9]+).*/\1 \2/' |
      sort -n | awk -v cap="$cap" '{ v[NR] = $1; w += $2 }
        END { if (NR == 0) exit
              printf "probe cap %5d kbit/s: n=%-3d median %7.0f kbit/s (%+.1f %%), range %.0f-%.0f (%+.1f %% to %+.1f %%), wire %.0f B/packet\n",
                cap, NR, v[int(0.5 * (NR - 1) + 0.5) + 1] / 1000,
                100 * (v[int(0.5 * (NR - 1) + 0.5) + 1] / 1000 / cap - 1),
                v[1] / 1000, v[NR] / 1000, 100 * (v[1] / 1000 / cap - 1),
                100 * (v[NR] / 1000 / cap - 1), w / NR }'
  done
}

draw () {
  [ -n "$plot" ] || return 0
  if ! command -v gnuplot >/dev/null 2>&1; then
    echo "election: gnuplot is not installed (scripts/install-deps.sh); no plot" >&2
    return 0
  fi
  data=$(mktemp)
  plots=
  idx=0
  # one block per series with data: its values sorted, against their rank
  # as a share of the runs
  for n in 4 8; do
    for key in plan-ms kill-media-ms; do
      values=$(grep -E "^result scenario=grow peers=$n .*$key=" "$out" |
        sed -E "s/.* $key=(-?[0-9]+).*/\1/" | grep -vx -- -1 | sort -n)
      [ -n "$values" ] || continue
      echo "$values" | awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) print v[i], i / NR }' >>"$data"
      printf '\n\n' >>"$data"
      case $key in
        plan-ms) what="$n peers: the ${n}th join -> plan held by all $n" ;;
        *) what="$n peers: mixer SIGKILL -> media back at all survivors" ;;
      esac
      plots="$plots${plots:+, }\"$data\" index $idx using 1:2 with steps lw 2 title \"$what ($(echo "$values" | wc -l) runs)\""
      idx=$((idx + 1))
    done
  done
  if [ -z "$plots" ]; then
    echo "election: no grow runs in $out; no plot" >&2
    rm -f "$data"
    return 0
  fi
  gnuplot <<GP
set terminal pngcairo size 860,560 noenhanced
set output "$plot"
set title "f2felection: share of runs done within a time (2 shared cores)"
set xlabel "ms"
set ylabel "share of runs"
set key outside below left Left reverse
set grid
set yrange [0:1.02]
set logscale x
plot $plots
GP
  rm -f "$data"
  echo "election: wrote $plot"
}

[ $# -gt 0 ] || set -- grow4 grow8 probe summary
echo "== election bench, $(nproc) cores, results to $out =="
for what in "$@"; do
  case $what in
    grow4) prepare; grow 4 ;;
    grow8) prepare; grow 8 ;;
    probe) prepare; probe ;;
    summary) summary; draw ;;
    *) echo "election: unknown '$what'" >&2; exit 2 ;;
  esac
done
