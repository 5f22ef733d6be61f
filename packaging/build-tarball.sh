#!/usr/bin/env bash
# Build a release tarball: msstun.so + install/uninstall scripts + docs + example capture.
#
#   packaging/build-tarball.sh [PLUGIN.so] [OUTDIR]     (defaults: release build, target/packages)
#
# Name: msstun-<version>-wireshark<major.minor>-<arch>.tar.xz. Unpack and run ./install.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/common.sh"
plugin=${1:-$root/target/release/libmsstun_plugin.so}
out=${2:-$root/target/packages}
[ -f "$plugin" ] || die "no $plugin (cargo build --release -p msstun-plugin)"
target=$(plugin_target "$plugin")
[ -n "$target" ] || die "$plugin has no 'built for Wireshark X.Y' version string"
version=$(sed -nE 's/^version = "(.*)"/\1/p' "$root/Cargo.toml" | head -1)
arch=$(uname -m)
name="msstun-${version}-wireshark${target}-${arch}"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
d="$stage/$name"
mkdir -p "$d/docs" "$d/examples"
install -m 0644 "$plugin" "$d/msstun.so"
strip --strip-unneeded "$d/msstun.so" 2>/dev/null || true
install -m 0755 "$here/install.sh" "$here/uninstall.sh" "$d/"
install -m 0644 "$here/common.sh" "$d/"
install -m 0644 "$root/README.md" "$d/"
for f in FIELDS.md STUN-TO-MSSTUN.md DIALECTS.md; do [ -f "$root/docs/$f" ] && install -m 0644 "$root/docs/$f" "$d/docs/"; done
install -m 0644 "$root/examples/seed-tcp-turn.pcapng" "$d/examples/"
echo "$target" > "$d/WIRESHARK_VERSION"
mkdir -p "$out"
tar -C "$stage" --owner=0 --group=0 --sort=name -cJf "$out/$name.tar.xz" "$name"
echo "$out/$name.tar.xz"
