#!/usr/bin/env bash
# Cross-build msstun.dll for Wireshark X.Y on Windows x64 and package it:
#
#   packaging/build-windows.sh X.Y [OUTDIR]        (X.Y: 4.0, 4.4, 4.6; OUTDIR: target/packages)
#
# → OUTDIR/msstun-<version>-wireshark<X.Y>-windows-x86_64.zip with msstun.dll, INSTALL.txt,
# README.md, docs/ and the example capture. Built with MinGW (x86_64-pc-windows-gnu) from
# Debian's packages of that Wireshark version: headers from the host (4.0) or the chroots of
# scripts/multi-version.sh (4.4 trixie, 4.6 sid), import libraries for libwireshark.dll,
# libwsutil.dll and glib-2.0-0.dll made with x86_64-w64-mingw32-dlltool from the exports of
# Debian's libraries of the same version (packaging/windows-env.sh). The MinGW runtime is
# linked statically (a user has no libgcc/libwinpthread DLLs). Then it checks the DLL
# (packaging/check-windows-dll.sh): its exports are the plugin entry points of that version,
# it imports only from those three DLLs and Windows system DLLs, and every Wireshark/GLib
# symbol it imports is exported by that version's library. Prints the zip's path.
# Needs root for the first run (apt). Not run on Windows here: see scripts/wine-check.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SRC_ROOT=$(cd "$here/.." && pwd)
. "$here/windows-env.sh"
v=${1:?usage: build-windows.sh X.Y [OUTDIR]}
out=${2:-$SRC_ROOT/target/packages}
work=$SRC_ROOT/target/win-$v/sdk

win_deps
win_note "$v: headers and import libraries from $(win_root "$v")"
win_prepare "$v" "$work"
win_env "$v" "$work"
win_note "$v: cargo build --release --target $WIN_TARGET (CARGO_TARGET_DIR=${CARGO_TARGET_DIR#"$SRC_ROOT"/})"
(cd "$SRC_ROOT" && cargo build --release -p msstun-plugin --lib --target "$WIN_TARGET" >&2)
dll=$CARGO_TARGET_DIR/$WIN_TARGET/release/msstun_plugin.dll
[ -f "$dll" ] || { echo "no $dll" >&2; exit 1; }
x86_64-w64-mingw32-strip --strip-unneeded -o "$work/msstun.dll" "$dll"
shim=$(ls -t "$CARGO_TARGET_DIR/$WIN_TARGET"/release/build/msstun-plugin-*/out/libmsstun_shim.a | head -1)
bash "$here/check-windows-dll.sh" "$work/msstun.dll" "$v" "$work/lib" "$shim" >&2

version=$(sed -nE 's/^version = "(.*)"/\1/p' "$SRC_ROOT/Cargo.toml" | head -1)
name="msstun-${version}-wireshark${v}-windows-x86_64"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
d="$stage/$name"
mkdir -p "$d/docs" "$d/examples"
cp "$work/msstun.dll" "$d/msstun.dll"
cp "$SRC_ROOT/README.md" "$d/"
for f in FIELDS.md STUN-TO-MSSTUN.md DIALECTS.md; do
    [ -f "$SRC_ROOT/docs/$f" ] && cp "$SRC_ROOT/docs/$f" "$d/docs/"
done
cp "$SRC_ROOT/examples/seed-tcp-turn.pcapng" "$d/examples/"
sed "s/@V@/$v/g; s/@VERSION@/$version/g" >"$d/INSTALL.txt" <<'EOF'
msstun @VERSION@ for Wireshark @V@ on Windows (64-bit)
=======================================================

msstun.dll is a Wireshark dissector plugin for STUN/TURN with Microsoft's dialects
(MS-TURN, MS-ICE2, MS-TURNBWM) and RFC 6062 TCP TURN. It loads only into Wireshark @V@.x
(any other version skips it: "was compiled for Wireshark version @V@").

Install for yourself (no administrator rights needed):
  1. Close Wireshark.
  2. Copy msstun.dll into
       %APPDATA%\Wireshark\plugins\@V@\epan\
     (create the folders if they do not exist; in Explorer type %APPDATA%\Wireshark in
     the address bar).
  3. Start Wireshark.

Install for all users (administrator): copy msstun.dll into
       plugins\@V@\epan\   under the Wireshark program folder,
     usually C:\Program Files\Wireshark\plugins\@V@\epan\

Check that it loaded:
  - Wireshark: Help > About Wireshark > Plugins: "msstun.dll", type "dissector"
    (Help > About Wireshark > Folders shows the plugin folders this Wireshark reads);
  - or in a Command Prompt:
       "C:\Program Files\Wireshark\tshark.exe" -G plugins | findstr msstun
  - open examples\seed-tcp-turn.pcapng: the TURN messages show as MS-STUN.

Uninstall: delete msstun.dll from the folder above.

This build was cross-compiled with MinGW-w64 against Debian's Wireshark @V@ headers and
checked under Wine, not on Windows itself. See README.md and docs\ for the fields.
EOF
# Windows line ends for the text a user opens in Notepad.
sed -i 's/$/\r/' "$d/INSTALL.txt"
mkdir -p "$out"
rm -f "$out/$name.zip"
(cd "$stage" && find "$name" -type f | LC_ALL=C sort | zip -q -X -@ "$out/$name.zip")
echo "$out/$name.zip"
