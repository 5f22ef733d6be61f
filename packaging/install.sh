#!/usr/bin/env bash
# Install msstun.so for the Wireshark that `tshark` belongs to.
#
#   packaging/install.sh [--personal | --global | --dest DIR] [--force] [PLUGIN.so]
#
# PLUGIN.so defaults to msstun.so next to this script (release tarball), else
# target/release/libmsstun_plugin.so. The folder is <Plugins>/epan from `tshark -G folders`
# (Wireshark's plugins/<major.minor>/epan): the personal one for a normal user, the global
# one for root (Wireshark ignores personal plugins when run as root). A plugin built for
# another Wireshark version is refused (Wireshark would not load it anyway). TSHARK=... picks
# another tshark.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

scope=auto dest="" force="" plugin=""
while [ $# -gt 0 ]; do
    case $1 in
        --personal) scope=personal ;;
        --global) scope=global ;;
        --dest) dest=$2; shift ;;
        --force) force=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) plugin=$1 ;;
    esac
    shift
done
if [ -z "$plugin" ]; then
    for p in "$here/msstun.so" "$here/../target/release/libmsstun_plugin.so"; do
        [ -f "$p" ] && { plugin=$p; break; }
    done
fi
[ -n "$plugin" ] && [ -f "$plugin" ] || die "no plugin file (build with: cargo build --release -p msstun-plugin)"

ver=$(ws_version)
target=$(plugin_target "$plugin")
[ -n "$target" ] || die "$plugin does not look like msstun.so (no 'built for Wireshark X.Y' version string)"
if [ "$target" != "$ver" ] && [ -z "$force" ]; then
    die "$plugin was built for Wireshark $target but $TSHARK is Wireshark $ver.
  Rebuild against this Wireshark's headers (apt-get install libwireshark-dev; cargo build --release),
  or use the msstun build made for $ver. (--force installs anyway; Wireshark will refuse to load it.)"
fi
[ -n "$dest" ] || dest=$(plugin_dir "$scope")
mkdir -p "$dest"
install -m 0644 "$plugin" "$dest/msstun.so"
echo "msstun: installed $dest/msstun.so (built for Wireshark $target)"
if "$TSHARK" -G plugins 2>/dev/null | grep -q '^msstun.so'; then
    echo "msstun: tshark -G plugins lists msstun.so: $("$TSHARK" -G plugins 2>/dev/null | awk -F'\t' '/^msstun.so/ {print $2}' | xargs)"
elif [ "$(id -u)" = 0 ] && [ "$scope" = personal ]; then
    echo "msstun: note: root's Wireshark ignores the personal folder; users' Wireshark will load it"
fi
