#!/bin/sh
# Browser benchmarks (tests/bench/browser.mjs) in a private network
# namespace: first decoded frame after a page load from a gst peer vs from
# another Chromium, and file transfer MB/s browser ↔ gst and browser ↔ browser.
#
#   tests/bench/browser.sh [loads, default 20] [file MiB, default 20]
#
# Needs root, Debian's chromium, and scripts/install-node-deps.sh.
set -eu
src_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$src_root/build-bench}
. "$src_root/tests/bench/lib.sh"
bench_build signaling/f2f-signaling-server tests/tools/f2f-peer-tool plugins/f2f/libgstf2f.so
bench_registry f2fsignal
export GST_PLUGIN_PATH_1_0="$build_dir/plugins/f2f" GIO_USE_PROXY_RESOLVER=dummy
export F2F_SIGNALING_SERVER="$build_dir/signaling/f2f-signaling-server" F2F_BUILD_ROOT="$build_dir"
exec node "$src_root/tests/bench/browser.mjs" "$@"
