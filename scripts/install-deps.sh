#!/usr/bin/env bash
# Installs the Debian 12 packages f2f needs to build, run and test.
# Idempotent: installs only what is missing, and runs apt-get update only then.
set -euo pipefail

packages=(
  build-essential pkg-config meson ninja-build clang libclang-rt-14-dev valgrind
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libgstreamer-plugins-bad1.0-dev gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-nice gstreamer1.0-tools libnice-dev
  libsoup-3.0-dev libjson-glib-dev libsqlite3-dev libsodium-dev graphviz libgraphviz-dev
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x
  glib-networking openssl libssl-dev iproute2 util-linux procps xvfb coturn
  nftables chromium firefox-esr
  gnuplot-nox
  gdb
)
# The browser tests run Node (puppeteer-core). A Node from elsewhere (say
# NodeSource's nodejs, which carries its own npm and conflicts with Debian's
# npm package) is used as it is.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi
if [ "${F2F_EXTRA_PACKAGES:-}" ]; then
  # shellcheck disable=SC2206
  packages+=(${F2F_EXTRA_PACKAGES})
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "f2f: installing missing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
