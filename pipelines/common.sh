# Shared by the recipes: finds the f2f plugin ($F2F_PLUGIN_DIR, else this
# source tree's build in ./build, else an installed f2f) and parses the
# common options.
# shellcheck shell=bash
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
plugin_dir=${F2F_PLUGIN_DIR:-}
if [ -z "$plugin_dir" ] && [ -f "$here/../build/plugins/f2f/libgstf2f.so" ]; then
  plugin_dir="$here/../build/plugins/f2f"
fi
if [ -n "$plugin_dir" ]; then
  export GST_PLUGIN_PATH="$plugin_dir${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
  # GStreamer reads GST_PLUGIN_PATH_1_0 instead of GST_PLUGIN_PATH when set.
  if [ -n "${GST_PLUGIN_PATH_1_0:-}" ]; then
    export GST_PLUGIN_PATH_1_0="$plugin_dir:$GST_PLUGIN_PATH_1_0"
  fi
fi

server=${F2F_SERVER:-ws://127.0.0.1:8443/ws}
room=${F2F_ROOM:-demo}
name=${F2F_NAME:-$(hostname)}
password=${F2F_PASSWORD:-}
# libnice ignores loopback; on one machine give it 127.0.0.1 explicitly.
addresses=${F2F_LOCAL_ADDRESSES:-}
# For a wss:// server whose certificate no public authority signed.
tls_ca_file=${F2F_TLS_CA_FILE:-}

signal_props() {
  local props="server-uri=$server room=$room display-name=$name"
  [ -n "$password" ] && props="$props password=$password"
  [ -n "$addresses" ] && props="$props local-addresses=$addresses"
  [ -n "$tls_ca_file" ] && props="$props tls-ca-file=$tls_ca_file"
  printf '%s' "$props"
}

# A sink that shows things when there is a display, and swallows them when
# not (headless machines, CI).
video_out() {
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${F2F_HEADLESS:-}" ]; then
    printf 'videoconvert ! autovideosink'
  else
    printf 'fakesink'
  fi
}
audio_out() {
  if [ -z "${F2F_HEADLESS:-}" ] && gst-inspect-1.0 pulsesink >/dev/null 2>&1 \
      && [ -n "${PULSE_SERVER:-}${XDG_RUNTIME_DIR:-}" ]; then
    printf 'audioconvert ! autoaudiosink'
  else
    printf 'fakesink'
  fi
}

usage_common="Environment: F2F_SERVER (default ws://127.0.0.1:8443/ws), F2F_ROOM (demo),
F2F_NAME (host name), F2F_PASSWORD, F2F_LOCAL_ADDRESSES (e.g. 127.0.0.1 on one
machine), F2F_TLS_CA_FILE (the certificate to trust for a wss:// server that no
public authority signed), F2F_HEADLESS=1 to never open a window or a sound device,
F2F_PLUGIN_DIR (the directory of libgstf2f.so; default ./build/plugins/f2f)."
