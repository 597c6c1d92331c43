# What the benchmark scripts share; sourced (". tests/bench/lib.sh") after
# they set src_root and build_dir.

# Configures $build_dir if needed and builds the given targets (everything
# if one of them cannot be built on its own).
bench_build () {
  if [ ! -f "$build_dir/build.ninja" ]; then
    meson setup "$build_dir" "$src_root" >/dev/null
  fi
  ninja -C "$build_dir" "$@" >/dev/null 2>&1 || ninja -C "$build_dir" >/dev/null
}

# Points GStreamer at this build's plugin, with a registry of our own (so a
# stale or concurrently rebuilt one is not read), filled once now by
# inspecting $1: the first peer would otherwise pay for the scan.
bench_registry () {
  export GST_PLUGIN_PATH="$build_dir/plugins/f2f"
  regdir=$(mktemp -d)
  trap 'rm -rf "$regdir"' EXIT
  export GST_REGISTRY="$regdir/registry.bin"
  gst-inspect-1.0 "$1" >/dev/null
}

# bench_netns LIMIT NAME PROGRAM ARGS...: PROGRAM as the main process (exec)
# of a private network namespace with only loopback up, killed after LIMIT
# seconds; its children follow it (PR_SET_PDEATHSIG).
bench_netns () {
  _limit=$1
  shift
  timeout -k 10 "$_limit" unshare -n sh -c 'ip link set lo up && exec "$@"' "$@"
}
