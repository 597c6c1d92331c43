#!/usr/bin/env bash
# The main job: a local f2f room on loopback, with a visible result.
# Installs what is missing, builds, starts f2f-signaling-server on an
# OS-chosen port with a throwaway store, lets three peers join a
# password-protected room, greet each other and leave (the lead passes on),
# shows a wrong password being refused, and stops everything cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# wait_for FILE PATTERN SECONDS: until PATTERN appears in FILE, or fail.
wait_for() {
  local deadline=$((SECONDS + $3))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "run-room: timed out waiting for '$2'" >&2
      cat "$work"/*.log >&2 || true
      exit 1
    fi
    sleep 0.05
  done
}

server=build/signaling/f2f-signaling-server
client=build/signaling/f2f-signaling-client

"$server" --port 0 --db :memory: --log-level warning >"$work/server.log" 2>&1 &
pids+=($!)
wait_for "$work/server.log" "listening on" 10
uri=$(sed -n 's/.*listening on \(ws:[^ ]*\).*/\1/p' "$work/server.log")
echo "== f2f-signaling-server is listening on $uri"

room=demo-room
"$client" -s "$uri" -r "$room" -n Alice -p s3cret --stay 3 >"$work/alice.log" &
pids+=($!)
wait_for "$work/alice.log" "joined room" 10
"$client" -s "$uri" -r "$room" -n Bob -p s3cret --greet --stay 5 >"$work/bob.log" &
pids+=($!)
wait_for "$work/bob.log" "joined room" 10
"$client" -s "$uri" -r "$room" -n Carol -p s3cret --greet --stay 5 >"$work/carol.log" &
pids+=($!)
wait_for "$work/carol.log" "joined room" 10
"$client" -s "$uri" -r "$room" -n Mallory -p guess >"$work/mallory.log" || true

for who in alice bob carol; do
  wait_for "$work/$who.log" "connection closed" 15
done
kill -TERM "${pids[0]}"
wait "${pids[0]}"

echo "== what happened, in order:"
sort -s -k1,1 "$work"/alice.log "$work"/bob.log "$work"/carol.log "$work"/mallory.log
echo "== server stopped cleanly"
