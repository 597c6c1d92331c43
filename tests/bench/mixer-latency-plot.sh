#!/bin/sh
# Plots mixer-latency's table (p50 and p95 one-way audio latency, and video
# p50 when measured, by number of mixers) as a PNG, if gnuplot is installed
# (Debian: gnuplot-nox); otherwise says so and exits 0. Optional: nothing
# else needs it.
#
#   tests/bench/mixer-latency.sh ... | tee out.txt
#   tests/bench/mixer-latency-plot.sh out.txt docs/mixer-latency.png
set -eu

in=$1
out=${2:-mixer-latency.png}
if ! command -v gnuplot >/dev/null 2>&1; then
  echo "mixer-latency-plot: gnuplot is not installed (apt-get install gnuplot-nox); no plot" >&2
  exit 0
fi
data=$(mktemp)
trap 'rm -f "$data"' EXIT
# The table: "K  path...  ticks min p50 p95 max hop1 hop2 cores [video n p50 p95]";
# the path has spaces, so fields are taken from the end of the ticks column on.
awk '/^mixers +path/ { t = 1; next }
     t && /^[0-9]+ / {
       for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/ && $(i+1) ~ /^[0-9.]+$/) break
       v = (NF >= i + 10) ? $(i + 9) : "NaN"
       print $1, $(i + 2), $(i + 3), v
     }
     t && /^$/ && n++ { t = 0 }' "$in" >"$data"
gnuplot <<GP
set terminal pngcairo size 800,480 noenhanced
set output "$out"
set title "f2f: one-way latency client to client, by mixers in the room (lan profile, loopback)"
set xlabel "mixers in the room (0 = mesh; from 2 on, the path crosses 2 mixers)"
set ylabel "ms"
set key top left
set grid ytics
set xtics 1
set yrange [0:*]
set arrow from graph 0, first 150 to graph 1, first 150 nohead dt 2 lc rgb "red"
set label "150 ms target (p95)" at graph 0.02, first 155 tc rgb "red"
plot "$data" using 1:2 with linespoints lw 2 title "audio p50", \
     "$data" using 1:3 with linespoints lw 2 title "audio p95", \
     "$data" using 1:4 with linespoints lw 2 title "video p50 (capture to room view)"
GP
echo "mixer-latency-plot: wrote $out"
