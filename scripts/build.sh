#!/usr/bin/env bash
# Configures (once) and builds f2f in ./build. Used by run-room.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  meson setup build >build-setup.log 2>&1 || { cat build-setup.log; exit 1; }
  rm -f build-setup.log
fi
ninja -C build >build/ninja.log 2>&1 || { tail -60 build/ninja.log; exit 1; }
