#!/usr/bin/env bash
# One-off: screenshots of msstun's statistics in the Wireshark GUI (Statistics → MS-STUN),
# made under Xvfb, for docs/. Not part of the test suite.
#
#   scripts/screenshot-stats.sh [CAPTURE]     (default: examples/seed-tcp-turn.pcapng)
#
# Needs Debian's wireshark-qt, xvfb, xdotool and imagemagick (apt-get install wireshark-qt
# xvfb xdotool imagemagick). Wireshark runs as nobody with a private HOME holding the plugin
# (it ignores the personal plugin folder for root). The clicks are positions in Wireshark
# 4.0's default layout on a 1400x900 screen: the Statistics menu, its last entry MS-STUN,
# then Messages / ICE in the submenu; check the PNGs after a Wireshark upgrade.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
capture=${1:-examples/seed-tcp-turn.pcapng}
plugin=${MSSTUN_PLUGIN:-target/release/libmsstun_plugin.so}
[ -f "$plugin" ] || cargo build --release -p msstun-plugin
ver=$(tshark --version | head -1 | sed -nE 's/.* ([0-9]+)\.([0-9]+)\.[0-9]+.*/\1.\2/p')
for tool in wireshark Xvfb xdotool import convert; do
    command -v "$tool" >/dev/null || { echo "screenshot-stats: needs $tool" >&2; exit 1; }
done

work=$(mktemp -d)
xvfb_pid= ws_pid=
cleanup() {
    [ -n "$ws_pid" ] && kill "$ws_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/home/.local/lib/wireshark/plugins/$ver/epan" "$work/run"
cp "$plugin" "$work/home/.local/lib/wireshark/plugins/$ver/epan/msstun.so"
cp "$capture" "$work/capture.pcapng"
chmod -R a+rwX "$work"
chown -R 65534:65534 "$work/run" "$work/home" 2>/dev/null || true
chmod 700 "$work/run"

display=:$(( 90 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1400x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
sleep 2
export DISPLAY=$display
as_nobody=()
[ "$(id -u)" = 0 ] && as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
"${as_nobody[@]}" env HOME="$work/home" XDG_RUNTIME_DIR="$work/run" DISPLAY="$display" \
    wireshark -r "$work/capture.pcapng" >/dev/null 2>&1 &
ws_pid=$!

# The main window, named after the capture file.
main=
for _ in $(seq 60); do
    main=$(xdotool search --onlyvisible --name '^capture.pcapng' 2>/dev/null | head -1) && [ -n "$main" ] && break
    sleep 1
done
[ -n "$main" ] || { echo "screenshot-stats: no Wireshark window" >&2; exit 1; }
xdotool windowsize "$main" 1400 900 windowmove "$main" 0 0
sleep 3

open_stat() { # y of the submenu entry
    xdotool mousemove 325 10 click 1; sleep 1.5
    xdotool mousemove 350 763 click 1; sleep 1.5
    if [ "$1" = menu ]; then
        import -window root -crop 560x560+290+270 "$root/docs/stats-gui-menu.png"
        xdotool key Escape; sleep 0.5; xdotool key Escape; sleep 0.5
        return
    fi
    xdotool mousemove 757 "$1" click 1; sleep 5
}
shoot() { # window-name-regex height out.png
    local w
    w=$(xdotool search --onlyvisible --name "$1" | head -1)
    xdotool windowsize "$w" 1100 "$2" windowmove "$w" 20 60
    sleep 3
    import -window "$w" "$3"
    xdotool windowclose "$w" 2>/dev/null || true
    sleep 1
}
open_stat menu
open_stat 813; shoot 'Messages' 760 "$root/docs/stats-gui-messages.png"
open_stat 788; shoot 'ICE' 480 "$root/docs/stats-gui-ice.png"
echo "wrote docs/stats-gui-menu.png docs/stats-gui-messages.png docs/stats-gui-ice.png"
