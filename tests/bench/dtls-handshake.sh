#!/bin/sh
# DTLS handshakes between two f2f links when handshake datagrams are lost:
# f2f's way (ECDSA P-256, each handshake datagram sent twice) against the
# same sent once and webrtcbin's RSA-2048 sent once, same run
# (docs/performance.md), in a private network namespace (loopback only).
# Builds build-bench/ first if needed.
#
#   tests/bench/dtls-handshake.sh [--runs N] [--loss PERCENT] [--seed S]
#     (defaults: 100 handshakes per row, 5 % of handshake datagrams lost
#      each way)
#
# Environment: BUILD_DIR (default build-bench), TIME_LIMIT (seconds before
# everything is killed, default 1800), MEMORY_LIMIT_KB (address space the
# bench may take, default 4000000: one run of this bench once grew to
# 24 GB and was killed by the kernel's OOM killer, docs/performance.md).
set -eu

src_root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$src_root/build-bench}
limit=${TIME_LIMIT:-1800}
. "$src_root/tests/bench/lib.sh"

bench_build tests/bench/dtls-handshake
bench_registry webrtcbin

echo "== dtls-handshake, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) =="
ulimit -v "${MEMORY_LIMIT_KB:-4000000}"
bench_netns "$limit" dtls-handshake "$build_dir/tests/bench/dtls-handshake" "$@"
