#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build msstun.so (release), install it
# for the detected Wireshark, and decode the bundled example capture of the seed scenario.
#
# Where it installs: the personal plugin folder of the detected Wireshark
# (<Personal Plugins>/epan from `tshark -G folders`, e.g. ~/.local/lib/wireshark/plugins/4.0/epan).
# Run as root, that is root's personal folder, which Wireshark ignores for root: the decode
# below then runs tshark as the unprivileged user `nobody` with a private HOME holding the
# plugin (the same trick the tests use). Run Wireshark as a normal user, or install for
# everyone with `packaging/install.sh --global` (the integration tests refuse to run while a
# global msstun.so would shadow the freshly built one; `packaging/uninstall.sh --global`).
# Extra arguments go to packaging/install.sh (e.g. --global).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

msstun_install_deps
msstun_log "building msstun.so (release)"
cargo build --release -p msstun-plugin
msstun_log "installing the plugin"
packaging/install.sh --personal "$@" target/release/libmsstun_plugin.so

msstun_log "decoding examples/seed-tcp-turn.pcapng (msstun owns port 3478: no Decode As needed)"
args=(-n -2 -Y msstun -T fields -E header=y
    -e frame.number -e ip.src -e ip.dst -e _ws.col.Protocol -e _ws.col.Info)
if [ "$(id -u)" = 0 ] && ! "${TSHARK:-tshark}" -G plugins 2>/dev/null | grep -q '^msstun.so'; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cp examples/seed-tcp-turn.pcapng "$tmp/"
    msstun_plugin_home "$tmp" target/release/libmsstun_plugin.so
    msstun_as_nobody "$tmp" \
        "${TSHARK:-tshark}" -r "$tmp/seed-tcp-turn.pcapng" "${args[@]}"
else
    "${TSHARK:-tshark}" -r examples/seed-tcp-turn.pcapng "${args[@]}" 2> >(grep -v 'Running as user' >&2)
fi
