#!/usr/bin/env bash
# The main job: a local f2f conference room on loopback, with a visible
# result. Installs what is missing, builds, then (in a private network
# namespace, so nothing leaves this machine) starts f2f-signaling-server and
# three peers — gst-launch pipelines with distinct test patterns and tones —
# in a password-protected room, records a fourth, receive-only peer's room
# view for a few seconds, prints who joined and how many frames it decoded
# from each peer, saves the recording and a snapshot of it, shares a file
# from one more peer to another (f2ffileshare) and checks its SHA-256,
# shows a wrong password being refused, switches the room's topology at run
# time (mesh → one mixer → two mixers → mesh) printing what each peer
# decoded from whom in each phase, and stops everything cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

if [ -z "${F2F_IN_PRIVATE_NETNS:-}" ]; then
  bash scripts/install-deps.sh
  bash scripts/build.sh
  if unshare -n true 2>/dev/null; then
    exec unshare -n env F2F_IN_PRIVATE_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
  fi
  echo "run-room: cannot make a private network namespace (run as root); using loopback as is" >&2
fi

out=${F2F_OUTPUT_DIR:-$top/room-output}
seconds=${F2F_RECORD_SECONDS:-8}
mkdir -p "$out"
rm -f "$out"/*.log "$out/room-view.webm" "$out/room-view.png" "$out/shared.bin"
rm -rf "$out/received"
export GST_PLUGIN_PATH="$top/build/plugins/f2f"
export F2F_HEADLESS=1 F2F_LOCAL_ADDRESSES=127.0.0.1 F2F_ROOM=demo F2F_PASSWORD=s3cret

pids=()
# stop PID...: SIGINT, then up to 15 s for each to end; one that does not
# is named and killed (gst-launch-1.0 "spins" when something crashes while
# it exits, waiting for a debugger: the log says so).
stop() {
  local p deadline
  for p in "$@"; do kill -INT "$p" 2>/dev/null || true; done
  deadline=$((SECONDS + 15))
  for p in "$@"; do
    while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then
      echo "run-room: process $p ($(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | grep -o 'display-name=[^ ]*')) did not exit within 15 s; killed" >&2
      kill -KILL "$p" 2>/dev/null || true
    fi
    wait "$p" 2>/dev/null || true
  done
}
cleanup() {
  stop "${pids[@]}"
}
trap cleanup EXIT

# wait_for FILE PATTERN SECONDS: until PATTERN appears in FILE, or fail.
wait_for() {
  local deadline=$((SECONDS + $3))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "run-room: timed out waiting for '$2' in $1" >&2
      tail -20 "$1" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
}

build/signaling/f2f-signaling-server --port 0 --db :memory: --log-level warning \
  >"$out/server.log" 2>&1 &
pids+=($!)
wait_for "$out/server.log" "listening on" 10
export F2F_SERVER
F2F_SERVER=$(sed -n 's/.*listening on \(ws:[^ ]*\).*/\1/p' "$out/server.log")
echo "== f2f-signaling-server is listening on $F2F_SERVER (room '$F2F_ROOM', password-protected)"
# The browser page, served at / by default: fetched once to show it is there.
page_url="http://${F2F_SERVER#ws://}"
page_url="${page_url%/ws}/?room=$F2F_ROOM"
page_status=$(
  port=${F2F_SERVER##*:}; port=${port%%/*}
  exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 0
  printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  head -1 <&3 | tr -d '\r')
echo "== the browser page of the room: $page_url (${page_status:-not served}; docs/browser.md)"

peer() { # NAME PATTERN FREQ
  gst-launch-1.0 -m f2fsignal name=s server-uri="$F2F_SERVER" room=$F2F_ROOM \
    password=$F2F_PASSWORD display-name="$1" local-addresses=127.0.0.1 stats-interval=500 \
    videotestsrc is-live=true pattern="$2" ! video/x-raw,width=320,height=240,framerate=15/1 ! \
      textoverlay text="$1" font-desc="Sans 24" ! s.video_sink \
    audiotestsrc is-live=true freq="$3" volume=0.3 ! s.audio_sink \
    s.video_src ! fakesink s.audio_src ! fakesink >"$out/$1.log" 2>&1 &
  pids+=($!)
}
peer Alice smpte 440
peer Bob ball 660
peer Carol pinwheel 880
for who in Alice Bob Carol; do wait_for "$out/$who.log" "f2f-joined" 20; done
echo "== Alice, Bob and Carol joined; recording the room view of a receive-only peer for ${seconds}s"

F2F_NAME=Recorder bash pipelines/record.sh "$out/room-view.webm" "$seconds" >"$out/Recorder.log" 2>&1

echo "== file sharing: Dave shares a 5 MB file with the room, Erin receives it"
head -c 5000000 /dev/urandom >"$out/shared.bin"
F2F_NAME=Dave bash pipelines/share-files.sh "$out/shared.bin" >"$out/Dave.log" 2>&1 &
pids+=($!)
F2F_NAME=Erin F2F_DOWNLOAD_DIR="$out/received" bash pipelines/share-files.sh >"$out/Erin.log" 2>&1 &
pids+=($!)
wait_for "$out/Erin.log" "f2f-file-received" 30
sent=$(sha256sum "$out/shared.bin" | cut -d' ' -f1)
got=$(sha256sum "$out/received/shared.bin" | cut -d' ' -f1)
secs=$(sed -n 's/.*f2f-file-received.*seconds=(double)\([0-9.]*\).*/\1/p' "$out/Erin.log" | head -1)
if [ "$sent" = "$got" ]; then
  printf '   Erin received %s in %.2f s; SHA-256 %s… equals the original\n' \
    "$out/received/shared.bin" "${secs:-0}" "${got:0:16}"
else
  echo "   the received file differs from the original" >&2
  exit 1
fi

echo "== a peer with a wrong password:"
F2F_NAME=Mallory F2F_PASSWORD=guess timeout 20 bash pipelines/bot.sh >"$out/Mallory.log" 2>&1 || true
grep -o "wrong password for room '[^']*'" "$out/Mallory.log" | head -1 | sed 's/^/   refused: /'

echo "== what the recorder saw:"
declare -A names
while read -r id name; do names[$id]=$name; done < <(
  sed -n 's/.*f2f-peer-joined, peer-id=(string)\([^,]*\), name=(string)\([^;]*\);.*/\1 \2/p' "$out/Recorder.log")
for id in "${!names[@]}"; do
  line=$(grep "f2f-peer-stats, peer-id=(string)$id," "$out/Recorder.log" | tail -1)
  v=$(sed -n 's/.*video-frames=(guint64)\([0-9]*\).*/\1/p' <<<"$line")
  a=$(sed -n 's/.*audio-frames=(guint64)\([0-9]*\).*/\1/p' <<<"$line")
  printf '   %-8s (%s): %5s video frames, %5s audio frames decoded\n' "${names[$id]}" "$id" "${v:-0}" "${a:-0}"
done

gst-launch-1.0 -q filesrc location="$out/room-view.webm" ! matroskademux ! vp8dec ! videoconvert ! \
  videoscale ! video/x-raw,width=640,height=360 ! pngenc snapshot=false ! \
  multifilesink location="$out/frame-%05d.png" max-files=1 >/dev/null 2>&1 || true
last=$(ls "$out"/frame-*.png 2>/dev/null | tail -1 || true)
[ -n "$last" ] && mv "$last" "$out/room-view.png"
rm -f "$out"/frame-*.png
echo "== recording: $out/room-view.webm ($(du -h "$out/room-view.webm" | cut -f1))"
[ -f "$out/room-view.png" ] && echo "== snapshot of the room view: $out/room-view.png"

# Topology phases: mixers join and leave, the room switches at run time
# without renegotiating. Each phase prints, for Alice, Bob and Carol, their
# role and what they decoded from whom during a 3 s window.
declare -A ids
for who in Alice Bob Carol Dave Erin Recorder; do
  id=$(sed -n 's/.*f2f-joined, room=(string)[^,]*, peer-id=(string)\([^,]*\),.*/\1/p' "$out/$who.log" 2>/dev/null | tail -1)
  [ -n "$id" ] && ids[$id]=$who
done
counts() { # LOG: "id video audio" per peer, from its latest stats
  local id
  for id in $(sed -n 's/.*f2f-peer-stats, peer-id=(string)\([^,]*\),.*/\1/p' "$1" | sort -u); do
    grep "f2f-peer-stats, peer-id=(string)$id," "$1" | tail -1 |
      sed -n "s/.*video-frames=(guint64)\([0-9]*\), audio-frames=(guint64)\([0-9]*\).*/$id \1 \2/p"
  done
}
phase() { # TITLE [NAMES GONE]
  local who role id v a v0 a0 text gone=" ${2:-} "
  echo "== phase: $1"
  sleep 1   # the switch settles (old and new routes overlap for 300 ms)
  for who in Alice Bob Carol; do counts "$out/$who.log" >"$out/.before-$who"; done
  sleep 3
  for who in Alice Bob Carol; do
    role=$(sed -n 's/.*f2f-role-changed, old-role=(string)[a-z]*, new-role=(string)\([a-z]*\), mixer=(string)\([^;]*\);.*/\1 \2/p' "$out/$who.log" | tail -1)
    role=${role:-mesh}
    text=""
    while read -r id v a; do
      read -r v0 a0 < <(awk -v id="$id" '$1 == id { print $2, $3 }' "$out/.before-$who")
      [ -n "${ids[$id]:-}" ] || continue
      case ${ids[$id]} in Dave|Erin|Recorder) continue;; esac
      case $gone in *" ${ids[$id]} "*) continue;; esac
      text="$text ${ids[$id]} $((v - ${v0:-0}))/$((a - ${a0:-0}))"
    done < <(counts "$out/$who.log")
    set -- $role
    if [ "$1" = client ]; then role="client of ${ids[$2]:-$2}"; else role=$1; fi
    printf '   %-6s %-18s decoded video/audio frames from:%s\n' "$who" "($role)" "$text"
  done
  rm -f "$out"/.before-*
}
count_of() { grep -c -- "$2" "$1" 2>/dev/null || true; }
phase "mesh: everyone sends to everyone"

n=$(count_of "$out/Alice.log" "new-role=(string)client")
F2F_NAME=Mixer1 bash pipelines/mixer-node.sh >"$out/Mixer1.log" 2>&1 &
mixer1=$!
pids+=($mixer1)
wait_for "$out/Mixer1.log" "f2f-joined" 20
ids[$(sed -n 's/.*f2f-joined, room=(string)[^,]*, peer-id=(string)\([^,]*\),.*/\1/p' "$out/Mixer1.log" | tail -1)]=Mixer1
until [ "$(count_of "$out/Alice.log" "new-role=(string)client")" -gt "$n" ]; do sleep 0.1; done
phase "one mixer: Mixer1 (headless, mixer=true) joined; the others send to it only and get its composite and mix"

n=$(count_of "$out/Alice.log" "f2f-topology-changed")
F2F_NAME=Mixer2 F2F_MIXERS=Mixer1,Mixer2 bash pipelines/mixer-node.sh >"$out/Mixer2.log" 2>&1 &
mixer2=$!
pids+=($mixer2)
wait_for "$out/Mixer2.log" "f2f-joined" 20
ids[$(sed -n 's/.*f2f-joined, room=(string)[^,]*, peer-id=(string)\([^,]*\),.*/\1/p' "$out/Mixer2.log" | tail -1)]=Mixer2
until grep -- "f2f-topology-changed" "$out/Alice.log" | tail -1 | grep -q 'mixers=(string)"\?[^,;"]*,'; do sleep 0.1; done
phase "two mixers: Mixer2 joined asking for Mixer1,Mixer2; each serves half the room, they exchange sub-mixes"

n=$(count_of "$out/Alice.log" "new-role=(string)mesh")
stop "$mixer1" "$mixer2"
until [ "$(count_of "$out/Alice.log" "new-role=(string)mesh")" -gt "$n" ]; do sleep 0.1; done
phase "mesh again: both mixers left; everyone falls back to the mesh on its own" "Mixer1 Mixer2"
echo "   offers and answers Alice sent after joining: $(grep -o 'negotiations=(guint64)[0-9]*' "$out/Alice.log" | tail -3 | tr '\n' ' ')(one per link, none per switch)"

cleanup
pids=()
echo "== everyone left; the server stopped cleanly"
