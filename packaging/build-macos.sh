#!/usr/bin/env bash
# Cross-build msstun for Wireshark X.Y on macOS (x86_64 and arm64) with zig:
#
#   packaging/build-macos.sh X.Y [OUTDIR]        (X.Y: 4.0, 4.4, 4.6; OUTDIR: target/packages)
#
# → OUTDIR/msstun-<version>-wireshark<X.Y>-macos-{x86_64,arm64}.tar.gz, each with msstun.so,
# INSTALL.txt, README.md, docs/ and the example capture.
#
# NOT RUN ON macOS HERE: nothing on this machine can load a Mach-O plugin. What is checked:
# it links, it is a Mach-O bundle/dylib of the right architecture, it exports the plugin
# entry points of X.Y and leaves Wireshark's symbols undefined (resolved by the Wireshark
# that loads it: -undefined dynamic_lookup).
#
# Tools (installed on first use): zig from PyPI (`ziglang`), cargo-zigbuild from crates.io,
# the Rust targets x86_64-apple-darwin and aarch64-apple-darwin. Headers: Debian's Wireshark
# X.Y and GLib (the host for 4.0, the chroots for 4.4/4.6, as packaging/build-windows.sh);
# GLib's Linux glibconfig.h serves (macOS is LP64 Unix as well); libc headers: zig's darwin.
#
# macOS plugin folders (Wireshark's wsutil/filesystem.c appends PLUGIN_PATH_ID, which
# Wireshark's CMake sets to "X-Y" on macOS: a macOS build's generated config.h reads
# "4-2" for 4.2 and "4-4" for 4.4, where Linux has "4.0"):
#   personal: ~/.local/lib/wireshark/plugins/X-Y/epan/
#   app:      /Applications/Wireshark.app/Contents/PlugIns/wireshark/X-Y/epan/
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SRC_ROOT=$(cd "$here/.." && pwd)
. "$here/windows-env.sh"   # win_root: where Debian's Wireshark X.Y is
v=${1:?usage: build-macos.sh X.Y [OUTDIR]}
out=${2:-$SRC_ROOT/target/packages}
note() { echo "[macos $(date +%H:%M:%S)] $*" >&2; }

python3 -m ziglang version >/dev/null 2>&1 || { note "pip install ziglang"; python3 -m pip install -q ziglang >&2; }
command -v cargo-zigbuild >/dev/null || { note "cargo install cargo-zigbuild"; cargo install -q --locked cargo-zigbuild >&2; }
for t in x86_64-apple-darwin aarch64-apple-darwin; do
    rustup target list --installed | grep -qx "$t" || rustup target add "$t" >&2
done
zlib=$(python3 -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "lib"))')
res=$(ls -d /usr/lib/llvm-*/lib/clang/*/include 2>/dev/null | sort -V | tail -1)
root=$(win_root "$v") || { echo "no Debian root for Wireshark $v" >&2; exit 1; }
[ -f "$root/usr/include/wireshark/ws_version.h" ] || { echo "no Wireshark headers in $root" >&2; exit 1; }
glibcfg=$(dirname "$(ls "$root"/usr/lib/*/glib-2.0/include/glibconfig.h | head -1)")
export WIRESHARK_INCLUDE_DIR="$root/usr/include/wireshark"
export GLIB_INCLUDE_DIRS="$root/usr/include/glib-2.0:$glibcfg"
export CARGO_TARGET_DIR=${MACOS_CARGO_TARGET_DIR:-$SRC_ROOT/target/macos}
version=$(sed -nE 's/^version = "(.*)"/\1/p' "$SRC_ROOT/Cargo.toml" | head -1)
vdir=${v/./-}

for arch in x86_64 arm64; do
    case $arch in x86_64) t=x86_64-apple-darwin ;; arm64) t=aarch64-apple-darwin ;; esac
    # bindgen: clang's own headers, then zig's macOS libc headers.
    export "BINDGEN_EXTRA_CLANG_ARGS_${t//-/_}=--target=$t -isystem $res -isystem $zlib/libc/include/any-darwin-any"
    note "$v $arch: cargo zigbuild --release --target $t"
    (cd "$SRC_ROOT" && cargo zigbuild --release -p msstun-plugin --lib --target "$t" >&2)
    lib=$CARGO_TARGET_DIR/$t/release/libmsstun_plugin.dylib
    [ -f "$lib" ] || { echo "no $lib" >&2; exit 1; }
    # Checks (not a load: nothing here runs Mach-O).
    file "$lib" | grep -q "Mach-O 64-bit.*$( [ $arch = x86_64 ] && echo x86_64 || echo arm64)" \
        || { echo "$lib is not a Mach-O $arch library: $(file "$lib")" >&2; exit 1; }
    syms=$(llvm-nm-14 -g --defined-only "$lib" 2>/dev/null || nm -g --defined-only "$lib" 2>/dev/null || true)
    for s in plugin_version plugin_want_major plugin_want_minor plugin_register; do
        grep -q "_$s\$" <<<"$syms" || { echo "$lib does not export $s" >&2; exit 1; }
    done
    name="msstun-${version}-wireshark${v}-macos-${arch}"
    stage=$(mktemp -d)
    d="$stage/$name"
    mkdir -p "$d/docs" "$d/examples"
    cp "$lib" "$d/msstun.so"
    cp "$SRC_ROOT/README.md" "$d/"
    for f in FIELDS.md STUN-TO-MSSTUN.md DIALECTS.md; do
        [ -f "$SRC_ROOT/docs/$f" ] && cp "$SRC_ROOT/docs/$f" "$d/docs/"
    done
    cp "$SRC_ROOT/examples/seed-tcp-turn.pcapng" "$d/examples/"
    sed "s/@V@/$v/g; s/@VD@/$vdir/g; s/@VERSION@/$version/g; s/@ARCH@/$arch/g" >"$d/INSTALL.txt" <<'EOF'
msstun @VERSION@ for Wireshark @V@ on macOS (@ARCH@)
====================================================

msstun.so is a Wireshark dissector plugin for STUN/TURN with Microsoft's dialects (MS-TURN,
MS-ICE2, MS-TURNBWM) and RFC 6062 TCP TURN. It loads only into Wireshark @V@.x on a Mac with
an @ARCH@ processor (arm64: Apple silicon; x86_64: Intel). Wireshark loads plugins named
*.so on macOS too.

UNTESTED: this build was cross-compiled on Linux with zig and has not been run on macOS.

Install for yourself:
  mkdir -p ~/.local/lib/wireshark/plugins/@VD@/epan
  cp msstun.so ~/.local/lib/wireshark/plugins/@VD@/epan/
  xattr -d com.apple.quarantine ~/.local/lib/wireshark/plugins/@VD@/epan/msstun.so 2>/dev/null
  (macOS names the version folder "@VD@", with a dash; Linux uses "@V@".)

Check that it loaded:
  - Wireshark > About Wireshark > Plugins: "msstun.so", type "dissector";
    About Wireshark > Folders shows "Personal Plugins", the folder to use;
  - or: /Applications/Wireshark.app/Contents/MacOS/tshark -G plugins | grep msstun
  - open examples/seed-tcp-turn.pcapng: the TURN messages show as MS-STUN.

Uninstall: rm ~/.local/lib/wireshark/plugins/@VD@/epan/msstun.so
EOF
    mkdir -p "$out"
    tar -C "$stage" --owner=0 --group=0 --sort=name -czf "$out/$name.tar.gz" "$name"
    rm -rf "$stage"
    echo "$out/$name.tar.gz"
done
