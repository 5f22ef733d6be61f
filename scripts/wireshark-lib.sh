# shellcheck shell=bash
# Sourced by the scripts that run tshark with a freshly built plugin (scripts/deps.sh for
# setup.sh and test.sh, verbose-diff.sh, fuzz-tshark.sh, bench-suricata.sh, suricata-ci.sh,
# packaging/bench-tshark.sh, callgrind-tshark.sh, memory-tshark.sh): finding the Wireshark
# in use, and the plugin in a throwaway HOME run as `nobody` (Wireshark ignores personal
# plugins when it runs as root; the integration tests do the same in tests/common).
#
#   msstun_ws_version                 major.minor of the tshark in use ($TSHARK, else tshark)
#   msstun_plugin_home DIR SO [VER]   DIR becomes a HOME whose personal plugin folder holds
#                                     SO as msstun.so (for VER, default the tshark in use),
#                                     readable by everyone
#   msstun_as_nobody HOME CMD...      CMD with HOME set; as root, as the user nobody

msstun_ws_version() {
    "${TSHARK:-tshark}" --version 2>/dev/null | head -1 | sed -nE 's/.* ([0-9]+)\.([0-9]+)\.[0-9]+.*/\1.\2/p'
}

msstun_plugin_home() {
    local dir=$1 so=$2 ver=${3:-}
    [ -n "$ver" ] || ver=$(msstun_ws_version)
    [ -n "$ver" ] || { echo "wireshark-lib: cannot read the Wireshark version from '${TSHARK:-tshark} --version'" >&2; return 1; }
    mkdir -p "$dir/.local/lib/wireshark/plugins/$ver/epan"
    cp "$so" "$dir/.local/lib/wireshark/plugins/$ver/epan/msstun.so"
    chmod -R a+rX "$dir"
}

msstun_as_nobody() {
    local home=$1
    shift
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$home" "$@"
    else
        env HOME="$home" "$@"
    fi
}
