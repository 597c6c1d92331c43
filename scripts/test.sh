#!/usr/bin/env bash
# The test suite: installs what is missing, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-node-deps.sh
bash scripts/build.sh
# A failing room test prints its peers' threads (gdb) and a peer prints the
# stack of any critical it raises: CI's log is all there is to go on.
# (Set either to empty to leave it off.)
for v in F2F_TEST_STACKS F2F_PEER_TOOL_STACKS; do
  if [ -z "${!v-1}" ]; then unset "$v"; else export "$v=${!v-1}"; fi
done
# the stress suite runs by hand (meson test -C build --suite stress)
rc=0
meson test -C build --print-errorlogs --num-processes 2 --no-suite stress "$@" || rc=$?
if [ "$rc" != 0 ] && [ -f build/meson-logs/testlog.txt ]; then
  # CI keeps only the end of this output: repeat last which tests failed or
  # timed out, and check's failure lines (each once)
  echo
  echo "=== what failed (from build/meson-logs/testlog.txt) ==="
  grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|ERROR) ' build/meson-logs/testlog.txt | awk '!seen[$0]++' || true
  grep -E ':[0-9]+:[FE]:[^:]*:[^:]*:[0-9]+: ' build/meson-logs/testlog.txt | cut -c1-600 | awk '!seen[$0]++' || true
fi
exit "$rc"
