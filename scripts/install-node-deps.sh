#!/usr/bin/env bash
# Installs the browser tests' npm packages (puppeteer-core, pinned in
# tests/browser/package-lock.json) into tests/browser/node_modules, the way
# `npm ci` does. Idempotent: does nothing when what is there matches the
# lock file. puppeteer-core never downloads a browser; the tests use
# Debian's chromium and firefox-esr (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../tests/browser"
stamp=node_modules/.f2f-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "f2f: installing the browser tests' npm packages (npm ci)"
PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
