#!/usr/bin/env bash
# One-off: a screenshot of Statistics → Flow Graph with the MSSTUN flow type in the Wireshark
# GUI, made under Xvfb, for docs/ (docs/flow-gui-msstun.png). Not part of the test suite.
#
#   scripts/screenshot-flow.sh [CAPTURE] [OUT.png]  (default: the seed example, docs/flow-gui-msstun.png)
#
# Needs Debian's wireshark-qt, xvfb, xdotool and imagemagick, like scripts/screenshot-stats.sh.
# Wireshark runs as nobody with a private HOME holding the plugin. The clicks are positions
# in Wireshark 4.0's default layout on a 1400x900 screen (Statistics, then Flow Graph; the
# dialog's Flow type box), the flow type is then chosen by typing its name; check the PNG
# after a Wireshark upgrade.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
capture=${1:-examples/seed-tcp-turn.pcapng}
out=${2:-docs/flow-gui-msstun.png}
plugin=${MSSTUN_PLUGIN:-target/release/libmsstun_plugin.so}
[ -f "$plugin" ] || cargo build --release -p msstun-plugin
. scripts/wireshark-lib.sh
ver=$(msstun_ws_version)
for tool in wireshark Xvfb xdotool import; do
    command -v "$tool" >/dev/null || { echo "screenshot-flow: needs $tool" >&2; exit 1; }
done

work=$(mktemp -d)
xvfb_pid= ws_pid=
cleanup() {
    [ -n "$ws_pid" ] && kill "$ws_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/run"
msstun_plugin_home "$work/home" "$plugin" "$ver"
cp "$capture" "$work/capture.pcapng"
chmod -R a+rwX "$work"
chown -R 65534:65534 "$work/run" "$work/home" 2>/dev/null || true
chmod 700 "$work/run"

display=:$(( 90 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1400x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
sleep 2
export DISPLAY=$display
msstun_as_nobody "$work/home" env XDG_RUNTIME_DIR="$work/run" DISPLAY="$display" \
    wireshark -r "$work/capture.pcapng" >/dev/null 2>&1 &
ws_pid=$!

main=
for _ in $(seq 60); do
    main=$(xdotool search --onlyvisible --name '^capture.pcapng' 2>/dev/null | head -1) && [ -n "$main" ] && break
    sleep 1
done
[ -n "$main" ] || { echo "screenshot-flow: no Wireshark window" >&2; exit 1; }
xdotool windowsize "$main" 1400 900 windowmove "$main" 0 0
sleep 3

# Statistics → Flow Graph.
xdotool mousemove 325 10 click 1; sleep 1.5
xdotool mousemove 356 436 click 1; sleep 5
flow=
for _ in $(seq 20); do
    flow=$(xdotool search --onlyvisible --name 'Flow' 2>/dev/null | head -1) && [ -n "$flow" ] && break
    sleep 1
done
[ -n "$flow" ] || { echo "screenshot-flow: no Flow Graph dialog" >&2; exit 1; }
xdotool windowsize "$flow" 1400 720 windowmove "$flow" 0 0
sleep 2
# Flow type → MSSTUN (typed into the open list).
xdotool mousemove 736 665 click 1; sleep 1.5
xdotool type --delay 100 MSSTUN; sleep 0.5
xdotool key Return; sleep 4
xdotool windowsize "$flow" 1400 600; sleep 3
import -window "$flow" "$out"
echo "screenshot-flow: $out"
