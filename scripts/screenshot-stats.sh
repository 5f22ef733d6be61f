#!/usr/bin/env bash
# One-off: screenshots of msstun's table dialogs in the Wireshark GUI (Statistics → MS-STUN →
# Allocations, ICE pairs, Diagnosis), made under Xvfb, for docs/ and the README. Not part of
# the test suite; the PNGs are committed.
#
#   scripts/screenshot-stats.sh              Wireshark 4.0 on this host
#   scripts/screenshot-stats.sh --suite sid  Wireshark 4.6 in the sid chroot (scripts/chroot-run.sh)
#
# Writes docs/table-{alloc,ice,diag}-<major.minor>.png, and docs/stats-gui-menu-<major.minor>.png
# (the Statistics → MS-STUN submenu) on 4.0. Captures: ALLOC_CAPTURE / ICE_CAPTURE (default
# tests/captures/webrtc-media.pcapng: TURN over UDP and TCP, relayed and direct pairs) and
# DIAG_CAPTURE (default tests/captures/coturn-403.pcapng: coturn refusing loopback peers).
#
# Each dialog is opened from the command line (`wireshark -r FILE -z msstun,table_alloc`),
# so no click depends on the layout. Needs wireshark-qt, xvfb, xdotool and imagemagick: on
# the host it installs them with apt when missing; in a chroot it installs them once (stamp
# /var/lib/msstun-screenshot-ready inside the chroot; chroot-setup.sh's list is not touched).
# Wireshark runs as nobody with a private HOME holding the plugin (it ignores the personal
# plugin folder for root). The plugin: $MSSTUN_PLUGIN, else target/release (host) or
# target/ws-4.6/release (chroot), built when missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "${1:-}" = --suite ]; then
    suite=${2:?usage: screenshot-stats.sh [--suite SUITE]}
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/ws-4.6}
    [ -n "${MSSTUN_PLUGIN:-}" ] || scripts/chroot-run.sh "$suite" cargo build --release -p msstun-plugin
    export MSSTUN_PLUGIN=${MSSTUN_PLUGIN:-$CARGO_TARGET_DIR/release/libmsstun_plugin.so}
    export MSSTUN_CHROOT_ENV="MSSTUN_PLUGIN ALLOC_CAPTURE ICE_CAPTURE DIAG_CAPTURE MSSTUN_IN_CHROOT"
    export MSSTUN_IN_CHROOT=1
    exec scripts/chroot-run.sh "$suite" scripts/screenshot-stats.sh
fi

need=(wireshark Xvfb xdotool import)
missing=0
for tool in "${need[@]}"; do command -v "$tool" >/dev/null || missing=1; done
stamp=/var/lib/msstun-screenshot-ready
if [ "$missing" = 1 ] || { [ -n "${MSSTUN_IN_CHROOT:-}" ] && [ ! -f "$stamp" ]; }; then
    # The Qt GUI is wireshark-qt in Debian 12, wireshark in later releases.
    gui=wireshark-qt
    apt-cache policy wireshark-qt 2>/dev/null | grep -q 'Candidate: [0-9]' || gui=wireshark
    echo "screenshot-stats: installing $gui xvfb xdotool imagemagick" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "$gui" xvfb xauth xdotool imagemagick fonts-dejavu-core >/dev/null
    [ -n "${MSSTUN_IN_CHROOT:-}" ] && touch "$stamp"
fi

plugin=${MSSTUN_PLUGIN:-target/release/libmsstun_plugin.so}
[ -f "$plugin" ] || cargo build --release -p msstun-plugin
ver=$(tshark --version 2>/dev/null | head -1 | sed -nE 's/.* ([0-9]+)\.([0-9]+)\.[0-9]+.*/\1.\2/p')
[ -n "$ver" ] || ver=$(wireshark --version | head -1 | sed -nE 's/.* ([0-9]+)\.([0-9]+)\.[0-9]+.*/\1.\2/p')
alloc_capture=${ALLOC_CAPTURE:-tests/captures/webrtc-media.pcapng}
ice_capture=${ICE_CAPTURE:-tests/captures/webrtc-media.pcapng}
diag_capture=${DIAG_CAPTURE:-tests/captures/coturn-403.pcapng}

work=$(mktemp -d)
xvfb_pid= ws_pid=
stop_ws() {
    if [ -n "$ws_pid" ]; then
        kill "$ws_pid" 2>/dev/null || true
        wait "$ws_pid" 2>/dev/null || true
    fi
    ws_pid=
}
cleanup() {
    stop_ws
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/home/.local/lib/wireshark/plugins/$ver/epan" "$work/run" "$work/home/.config/wireshark"
cp "$plugin" "$work/home/.local/lib/wireshark/plugins/$ver/epan/msstun.so"
# No "what's new" page, no update check, a fixed layout.
printf 'gui.update.enabled: FALSE\n' >"$work/home/.config/wireshark/preferences"
chmod -R a+rwX "$work"
chown -R 65534:65534 "$work/run" "$work/home" 2>/dev/null || true
chmod 700 "$work/run"

display=:$(( 90 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1800x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
sleep 2
export DISPLAY=$display
as_nobody=()
[ "$(id -u)" = 0 ] && as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# wireshark on FILE with ARGS..., in the background.
start_ws() {
    local file=$1
    shift
    cp "$file" "$work/capture.pcapng"
    chmod a+r "$work/capture.pcapng"
    "${as_nobody[@]}" env HOME="$work/home" XDG_RUNTIME_DIR="$work/run" DISPLAY="$display" \
        QT_QPA_PLATFORM=xcb wireshark -r "$work/capture.pcapng" "$@" >"$work/ws.log" 2>&1 &
    ws_pid=$!
}

# The window whose name matches REGEX (waits up to 60 s).
window() {
    local w=
    for _ in $(seq 60); do
        w=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -1) && [ -n "$w" ] && break
        sleep 1
    done
    [ -n "$w" ] || { echo "screenshot-stats: no window '$1'" >&2; cat "$work/ws.log" >&2; exit 1; }
    echo "$w"
}

# -z STRING, window title regex, width, height, output.
shoot() {
    local z=$1 title=$2 width=$3 height=$4 out=$5 capture=$6 main w
    start_ws "$capture" -z "$z"
    main=$(window '^capture.pcapng')
    xdotool windowsize "$main" 1400 900 windowmove "$main" 0 0
    w=$(window "$title")
    xdotool windowsize "$w" "$width" "$height" windowmove "$w" 10 40
    sleep 4
    import -window "$w" "$work/shot.png"
    # Small files: 8-bit palette.
    convert "$work/shot.png" -colors 64 -strip "PNG8:$out"
    stop_ws
    echo "wrote $out"
}

shoot msstun,table_alloc 'MS-STUN Allocations' 1780 250 "docs/table-alloc-$ver.png" "$alloc_capture"
shoot msstun,table_ice 'MS-STUN ICE pairs' 1780 250 "docs/table-ice-$ver.png" "$ice_capture"
shoot msstun,table_diag 'MS-STUN Diagnosis' 1780 300 "docs/table-diag-$ver.png" "$diag_capture"

# The submenu (Statistics → MS-STUN): clicks at the places of Statistics and of its last
# entry MS-STUN in 4.0's default layout (check the PNG after a Wireshark upgrade).
if [ -z "${MSSTUN_IN_CHROOT:-}" ]; then
    start_ws "$alloc_capture"
    main=$(window '^capture.pcapng')
    xdotool windowsize "$main" 1400 900 windowmove "$main" 0 0
    sleep 3
    xdotool mousemove 325 10 click 1
    sleep 1.5
    xdotool mousemove 350 838 click 1
    sleep 1.5
    import -window root -crop 720x680+290+220 "$work/shot.png"
    convert "$work/shot.png" -colors 64 -strip "PNG8:docs/stats-gui-menu-$ver.png"
    echo "wrote docs/stats-gui-menu-$ver.png"
    stop_ws
fi
