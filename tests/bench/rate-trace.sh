#!/bin/sh
# Rate-adaptation trace of the network lab's cap test (integration/network
# test_cap_with_control): C's uplink rate on the wire (its qdisc's byte
# counter), C's video target, the RTT C sees, and C's video decoded at A and
# B, once a second, while C's uplink goes 2 Mbit/s -> 300 kbit/s -> 2 Mbit/s
# (the issue's benchmark; F2F_CAP_OUTER_KBIT, default 2000, 0: uncapped).
# Writes the table, and a PNG when gnuplot is installed (Debian gnuplot-nox;
# optional). Needs root (network namespaces, tc, nft) like the test; run it
# alone on the machine (it is a multi-process run):
#
#   flock /tmp/f2f-heavy.lock tests/bench/rate-trace.sh build trace.txt docs/rate-trace.png
set -eu

build=${1:-build}
table=$(realpath -m "${2:-rate-trace.txt}")
png=${3:-}
rm -f "$table"
F2F_CAP_OUTER_KBIT=${F2F_CAP_OUTER_KBIT:-2000} \
F2F_RATE_TRACE=$table GST_CHECKS=test_cap_with_control \
  meson test -C "$build" integration/network -v |
  grep -E "uplink|cap lifted|Checks" || true
test -s "$table" || { echo "rate-trace: no trace written" >&2; exit 1; }
echo "rate-trace: wrote $table"
[ -n "$png" ] || exit 0
if ! command -v gnuplot >/dev/null 2>&1; then
  echo "rate-trace: gnuplot is not installed (apt-get install gnuplot-nox); no plot" >&2
  exit 0
fi
cap=$(awk '$1 == "#" && $3 == "cap" { print $2 }' "$table")
lifted=$(awk '$1 == "#" && $3 == "lifted" { print $2 }' "$table")
gnuplot <<GP
set terminal pngcairo size 900,640 noenhanced
set output "$png"
set multiplot layout 2,1 title "f2f congestion control: C's uplink ${F2F_CAP_OUTER_KBIT:-2000} kbit/s, 300 kbit/s from ${cap} s to ${lifted} s (3 peers, network lab)"
set grid
set key top right
set xlabel "s"
set ylabel "kbit/s"
set yrange [0:*]
set arrow 1 from ${cap}, graph 0 to ${cap}, graph 1 nohead dt 2 lc rgb "red"
set arrow 2 from ${lifted}, graph 0 to ${lifted}, graph 1 nohead dt 2 lc rgb "dark-green"
set arrow 3 from graph 0, first 300 to graph 1, first 300 nohead dt 3 lc rgb "gray"
plot "$table" using 1:2 with lines lw 2 title "C's uplink on the wire (the cap's qdisc)", \
     "$table" using 1:3 with lines lw 1 title "C's RTP sent, both links (its own count)", \
     "$table" using 1:4 with steps lw 2 title "C's video target", \
     "$table" using 1:9 with lines lw 1 title "C's RTCP, both links (its own count)"
unset arrow 3
set ylabel "ms / fps"
set y2label ""
plot "$table" using 1:5 with lines lw 2 title "RTT C sees (ms)", \
     "$table" using 1:(\$6 * 10) with lines lw 1 title "C's video at A (fps x 10)", \
     "$table" using 1:(\$7 * 10) with lines lw 1 title "C's video at B (fps x 10)"
unset multiplot
GP
echo "rate-trace: wrote $png"
