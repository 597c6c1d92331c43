#!/bin/sh
# Audio under random loss in the network lab (docs/performance.md, "Audio
# frames lost to random loss"): two peers, A and B, each in its own network
# namespace; B's link loses 0, 2, 5, 10 and 20 % of UDP packets both ways
# in turn (nftables numgen on the router's side, like integration/network),
# each for SECONDS. Every 20 ms each receiver measures the other's tone in
# what it plays (spectrum, 100 Hz bands); a 20 ms frame more than 6 dB under
# the tone's level without loss is counted as lost or audibly concealed.
# The run is integration/chaos's test_audio_loss, which only exists with
# F2F_AUDIO_LOSS set (never part of the suite). Needs root (namespaces, nft)
# like the lab tests; a multi-process run, so take the heavy lock:
#
#   flock /tmp/f2f-heavy.lock tests/bench/audio-loss.sh [build [runs]]
#
# Environment: LEVELS (default 0,2,5,10,20), SECONDS_PER_LEVEL (default 20),
# DELAY_MS (added each way on B's link by tests/tools/f2f-delay-line, so
# 2 x DELAY_MS more round trip; default 0), PEER_PROPS (more f2fsignal
# properties for both peers, e.g. to compare a setting).
set -eu

build=$(realpath "${1:-build}")
runs=${2:-1}
levels=${LEVELS:-0,2,5,10,20}
seconds=${SECONDS_PER_LEVEL:-20}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

ninja -C "$build" tests/check/integration_chaos tests/tools/f2f-peer-tool \
  tests/tools/f2f-delay-line \
  signaling/f2f-signaling-server plugins/f2f/libgstf2f.so >/dev/null

echo "== audio-loss: $runs run(s), levels $levels %, $seconds s each," \
  "${DELAY_MS:-0} ms added each way," \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) =="
run=1
while [ "$run" -le "$runs" ]; do
  F2F_AUDIO_LOSS=$levels F2F_AUDIO_LOSS_SECONDS=$seconds \
  F2F_AUDIO_LOSS_PROPS=${PEER_PROPS:-} F2F_AUDIO_LOSS_DELAY_MS=${DELAY_MS:-0} \
    meson test -C "$build" integration/chaos -v --timeout-multiplier 2 \
      >"$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
  grep -E "^audio-loss" "$out.log" | sed "s/^/run$run /" >>"$out"
  run=$((run + 1))
done
rm -f "$out.log"

# each line: runN audio-loss percent, then per direction (B->A, A->B):
# reports, missing, missing %, decoded frames/s, links failed
grep "reference:" "$out" | sed "s/audio-loss reference: //"
awk '
  BEGIN {
    print "| run | loss on B'"'"'s link | B→A: 20 ms frames without the tone | B→A: audio frames decoded /s |" \
      " A→B: 20 ms frames without the tone | A→B: audio frames decoded /s | links failed |"
    print "|---|---|---|---|---|---|---|"
  }
  $2 == "audio-loss" && $3 != "reference:" {
    print "| " $1 " | " $3 " % | " $6 " % (" $5 " of " $4 ") | " $7 \
      " | " $11 " % (" $10 " of " $9 ") | " $12 " | " $8 + $13 " |"
  }' "$out"
