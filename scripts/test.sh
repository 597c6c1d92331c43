#!/usr/bin/env bash
# The test suite: installs what is missing, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-node-deps.sh
bash scripts/build.sh
# the stress suite runs by hand (meson test -C build --suite stress)
meson test -C build --print-errorlogs --num-processes 2 --no-suite stress "$@"
