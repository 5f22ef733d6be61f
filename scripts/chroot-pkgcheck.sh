#!/usr/bin/env bash
# Check the packages of one version inside its chroot (run through scripts/chroot-run.sh by
# scripts/multi-version.sh; never on the host: it installs the .deb system-wide, then removes it).
#
#   scripts/chroot-pkgcheck.sh X.Y ARTIFACT_DIR [OTHER_VERSION_PLUGIN.so]
#
# 1. `dpkg -i` the .deb (its Depends must be satisfied by this chroot's libwireshark),
#    root's tshark lists msstun.so "built for Wireshark X.Y" from the global folder, `dpkg -r`.
# 2. The tarball's install.sh installs into a scratch folder for this tshark.
# 3. install.sh refuses a plugin built for another version, naming that version.
# Prints "pkgcheck: N passed, N failed"; exit 1 when something failed.
set -uo pipefail
v=${1:?version}; dir=${2:?artifact dir}; other=${3:-}
pass=0 fail=0
ok() { echo "pkgcheck $v: PASS $*"; pass=$((pass + 1)); }
ko() { echo "pkgcheck $v: FAIL $*"; fail=$((fail + 1)); }

deb=$(ls "$dir"/*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then
    if dpkg -i "$deb" >/dev/null 2>&1; then
        if tshark -G plugins 2>/dev/null | grep -q "^msstun.so.*built for Wireshark $v"; then
            ok ".deb installs and tshark loads it ($(dpkg-deb -f "$deb" Depends | cut -d, -f1))"
        else
            ko ".deb installed but tshark -G plugins does not list msstun.so for $v"
        fi
        dpkg -r wireshark-plugin-msstun >/dev/null 2>&1 || ko "dpkg -r"
    else
        ko "dpkg -i $deb (Depends: $(dpkg-deb -f "$deb" Depends))"
    fi
else
    ko "no .deb in $dir"
fi

tarball=$(ls "$dir"/*.tar.xz 2>/dev/null | head -1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "$tarball" ] && tar -C "$tmp" -xJf "$tarball"; then
    top=$(ls -d "$tmp"/msstun-*/ | head -1)
    if "$top/install.sh" --dest "$tmp/dest" >/dev/null 2>&1 && [ -f "$tmp/dest/msstun.so" ]; then
        ok "tarball install.sh"
    else
        ko "tarball install.sh"
    fi
    if [ -n "$other" ] && [ -f "$other" ]; then
        msg=$("$top/install.sh" --dest "$tmp/dest2" "$other" 2>&1)
        if [ $? != 0 ] && grep -q "was built for Wireshark" <<<"$msg" && [ ! -f "$tmp/dest2/msstun.so" ]; then
            ok "install.sh refuses another version's plugin: $(head -1 <<<"$msg")"
        else
            ko "install.sh accepted another version's plugin: $msg"
        fi
    fi
else
    ko "no tarball in $dir"
fi
echo "pkgcheck: $pass passed, $fail failed"
[ "$fail" = 0 ]
