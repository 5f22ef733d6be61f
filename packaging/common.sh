# shellcheck shell=bash
# Shared by packaging/install.sh and uninstall.sh: find the Wireshark in use and its folders.

TSHARK=${TSHARK:-tshark}

die() { echo "msstun: $*" >&2; exit 1; }

ws_version() {
    command -v "$TSHARK" >/dev/null 2>&1 || die "tshark not found (apt-get install tshark), or set TSHARK=/path/to/tshark"
    "$TSHARK" --version 2>/dev/null | head -1 | sed -nE 's/.* ([0-9]+)\.([0-9]+)\.[0-9]+.*/\1.\2/p'
}

# The folder `tshark -G folders` names for "Personal Plugins" or "Global Plugins".
# Wireshark prints it with the major.minor already appended (…/plugins/4.0).
ws_folder() {
    "$TSHARK" -G folders 2>/dev/null | awk -F'\t' -v k="$1:" '{ key=$1; gsub(/ +$/, "", key) } key == k { print $2; exit }'
}

# Which plugin folder to use: --global, --personal, or by who we are.
plugin_dir() {
    local scope=$1 base ver
    ver=$(ws_version)
    [ -n "$ver" ] || die "cannot read the Wireshark version from '$TSHARK --version'"
    if [ "$scope" = auto ]; then
        # Wireshark ignores the personal folder when it runs as root.
        if [ "$(id -u)" = 0 ]; then scope=global; else scope=personal; fi
    fi
    case $scope in
        global) base=$(ws_folder "Global Plugins") ;;
        personal) base=$(ws_folder "Personal Plugins") ;;
    esac
    if [ -z "$base" ]; then
        # Older tshark without the folder list: the documented defaults.
        case $scope in
            global) base="$(pkg-config --variable=plugindir wireshark 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/wireshark/plugins/$ver)" ;;
            personal) base="$HOME/.local/lib/wireshark/plugins/$ver" ;;
        esac
    fi
    echo "$base/epan"
}

# The Wireshark major.minor a plugin file was built for (from its version string).
plugin_target() {
    LC_ALL=C grep -aoE 'built for Wireshark [0-9]+\.[0-9]+' "$1" 2>/dev/null | head -1 | awk '{print $4}'
}
