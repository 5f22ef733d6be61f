#!/usr/bin/env bash
# Build a .deb of msstun.so for the Wireshark installed here.
#
#   packaging/build-deb.sh [PLUGIN.so] [OUTDIR]      (defaults: release build, target/packages)
#
# The package installs the plugin into the global plugin folder of this Wireshark
# (<Global Plugins>/epan from `tshark -G folders`) and its Depends pins the exact
# libwireshark ABI package and version it was built against (e.g. libwireshark16 (= 4.0.17-0+deb12u3)),
# found with `dpkg -S` on the libwireshark.so that pkg-config names.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/common.sh"

plugin=${1:-$root/target/release/libmsstun_plugin.so}
out=${2:-$root/target/packages}
[ -f "$plugin" ] || die "no $plugin (cargo build --release -p msstun-plugin)"
ver=$(ws_version)
target=$(plugin_target "$plugin")
[ "$target" = "$ver" ] || die "$plugin is built for Wireshark $target, tshark here is $ver"

# The ABI package: whoever owns the real libwireshark.so.N.
libdir=$(pkg-config --variable=libdir wireshark 2>/dev/null || echo /usr/lib/x86_64-linux-gnu)
lib=$(readlink -f "$libdir/libwireshark.so")
[ -f "$lib" ] || die "libwireshark.so not found in $libdir (apt-get install libwireshark-dev)"
abi_pkg=$(dpkg -S "$lib" | head -1 | cut -d: -f1)
[ -n "$abi_pkg" ] || die "no package owns $lib"
abi_ver=$(dpkg-query -W -f='${Version}' "$abi_pkg")
arch=$(dpkg --print-architecture)
pkg_version=$(sed -nE 's/^version = "(.*)"/\1/p' "$root/Cargo.toml" | head -1)
dest=$(ws_folder "Global Plugins")
[ -n "$dest" ] || dest="/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/wireshark/plugins/$ver"
name=wireshark-plugin-msstun
debver="${pkg_version}+ws${ver}"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
install -D -m 0644 "$plugin" "$stage$dest/epan/msstun.so"
strip --strip-unneeded "$stage$dest/epan/msstun.so" 2>/dev/null || true
install -D -m 0644 "$root/README.md" "$stage/usr/share/doc/$name/README.md"
[ -f "$root/docs/FIELDS.md" ] && install -m 0644 "$root/docs/FIELDS.md" "$stage/usr/share/doc/$name/FIELDS.md"
[ -f "$root/docs/DIALECTS.md" ] && install -m 0644 "$root/docs/DIALECTS.md" "$stage/usr/share/doc/$name/DIALECTS.md"
mkdir -p "$stage/DEBIAN"
size=$(du -sk "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CTRL
Package: $name
Version: $debver
Architecture: $arch
Maintainer: msstun developers <msstun@localhost>
Installed-Size: $size
Depends: $abi_pkg (= $abi_ver), libc6, libgcc-s1, libglib2.0-0
Enhances: wireshark, tshark
Section: net
Priority: optional
Description: Wireshark plugin for STUN/TURN, MS-TURN and RFC 6062 TCP TURN (msstun)
 Heuristic TCP/UDP dissector (filter "msstun") on a shared Rust parser: RFC 5389/8489,
 RFC 3489, legacy MS-TURN, MS-ICE2, MS-TURNBWM, every TCP framing, RFC 6062 data
 connections linked to their ConnectionAttempt, MESSAGE-INTEGRITY checks.
 Built for Wireshark $ver against $abi_pkg $abi_ver.
CTRL
mkdir -p "$out"
deb="$out/${name}_${debver}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"
echo "  Depends: $abi_pkg (= $abi_ver)" >&2
