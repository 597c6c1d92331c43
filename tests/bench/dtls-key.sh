#!/bin/sh
# How long webrtcbin's process-wide DTLS key takes on this machine: the
# time of `gst-inspect-1.0 dtlsdec` (its instance init makes the RSA-2048
# key) minus the median time of `gst-inspect-1.0 dtlsenc` (the same process
# start and plugin loading, no key). Prints p50, p95 and max in ms.
#
#   tests/bench/dtls-key.sh [runs]        (default 100)
set -eu

runs=${1:-100}
regdir=$(mktemp -d)
trap 'rm -rf "$regdir"' EXIT
export GST_REGISTRY="$regdir/registry.bin"
gst-inspect-1.0 dtlsdec >/dev/null    # fill the registry before timing

# times_of ELEMENT N: one duration in ms per line, sorted
times_of () {
  i=0
  while [ "$i" -lt "$2" ]; do
    t0=$(date +%s%N)
    gst-inspect-1.0 "$1" >/dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
    i=$((i + 1))
  done | sort -n
}

# pick P FILE: the P-th percentile (nearest rank) of the sorted file
pick () {
  n=$(wc -l <"$2")
  k=$(((n * $1 + 99) / 100))
  [ "$k" -ge 1 ] || k=1
  sed -n "${k}p" "$2"
}

times_of dtlsenc $((runs / 2 > 10 ? runs / 2 : 10)) >"$regdir/enc"
times_of dtlsdec "$runs" >"$regdir/dec"
base=$(pick 50 "$regdir/enc")
echo "runs: $runs; dtlsenc (no key) p50 $base ms"
echo "dtlsdec p50 $(pick 50 "$regdir/dec") p95 $(pick 95 "$regdir/dec") max $(pick 100 "$regdir/dec") ms"
echo "key alone (dtlsdec - dtlsenc p50): p50 $(($(pick 50 "$regdir/dec") - base))" \
  "p95 $(($(pick 95 "$regdir/dec") - base)) max $(($(pick 100 "$regdir/dec") - base)) ms"
