#!/usr/bin/env bash
# Load the Windows build of msstun into a harness under Wine, per Wireshark version:
#
#   scripts/wine-check.sh [--versions 4.0,4.4,4.6] [--out DIR]
#
# Per version X.Y it
#  1. cross-builds msstun.dll and its zip (packaging/build-windows.sh X.Y, which also checks
#     the DLL's exports and imports against Debian's libraries of X.Y), zip copied to DIR/X.Y/
#     (default target/multi-version/X.Y/);
#  2. builds with MinGW, from X.Y's real headers, stand-in libwireshark.dll, libwsutil.dll
#     and glib-2.0-0.dll (scripts/wine-check/standin_*.c: they record what the plugin
#     registers; every other symbol msstun.dll imports is a generated stub returning 0), a
#     stand-in bcryptprimitives.dll (Wine 8 lacks ProcessPrng, which Rust's std wants and
#     Windows 10+ has) and the harness (scripts/wine-check/harness.c);
#  3. runs the harness under Wine: the DLL loads, plugin_version/want_major/want_minor (and
#     plugin_describe from 4.4) are X.Y's, plugin_register registers protocol msstun, its
#     fields and the tcp/udp heuristics, which accept a STUN Binding Request and refuse junk;
#  4. compares the registered field names with `tshark -G fields` of X.Y on Linux (the host
#     or that version's chroot, with the Linux build of the plugin: target/multi-version/X.Y/
#     msstun.so, else target/ws-X.Y/release/).
# Installs what it needs (mingw-w64, wine64, the Rust target) on first use; needs root.
# Prints a line per check and ends with "N passed, M failed"; exit 0 only if none failed.
set -uo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC_ROOT=$SRC
VERSIONS=4.0,4.4,4.6
OUT=$SRC/target/multi-version
while [ $# -gt 0 ]; do
    case "$1" in
        --versions) VERSIONS=${2:?}; shift ;;
        --versions=*) VERSIONS=${1#*=} ;;
        --out) OUT=${2:?}; shift ;;
        -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "wine-check.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
. "$SRC/packaging/windows-env.sh"
WIN_NEED_WINE=1 win_deps || { echo "wine-check: cannot install the cross tools"; echo "0 passed, 1 failed"; exit 1; }
WINE=$(command -v wine64 || echo /usr/lib/wine/wine64)
W=$SRC/target/wine-check
mkdir -p "$W"
export WINEPREFIX=$W/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;bcryptprimitives=n"
PASS=0 FAIL=0
T0=$(date +%s)
pass() { echo "ok   $v: $*"; PASS=$((PASS + 1)); }
fail() { echo "FAIL $v: $*"; FAIL=$((FAIL + 1)); }

# run_root ROOT CMD...: in the host or a chroot (the source tree is bound at the same path).
run_root() {
    local root=$1; shift
    if [ "$root" = / ]; then "$@"; else "$SRC/scripts/chroot-run.sh" "$(basename "$root")" "$@"; fi
}

if [ ! -d "$WINEPREFIX" ]; then
    win_note "wineboot (new prefix $WINEPREFIX)"
    "$WINE" wineboot --init >/dev/null 2>&1 || true
fi

for v in ${VERSIONS//,/ }; do
    tv=$(date +%s)
    d=$W/$v
    rm -rf "$d"; mkdir -p "$d"
    log=$d/build.log
    # 1. msstun.dll + zip (+ the export/import check)
    if zip=$(bash "$SRC/packaging/build-windows.sh" "$v" "$OUT/$v" 2>"$log"); then
        pass "built $(basename "$zip")"
        grep -E '^(ok|FAIL) ' "$log" | sed "s/^/     /"
    else
        fail "packaging/build-windows.sh $v (see $log)"
        grep -E '^(FAIL|error)' -A3 "$log" | head -20
        continue
    fi
    sdk=$SRC/target/win-$v/sdk
    root=$(cat "$sdk/root")
    cp "$sdk/msstun.dll" "$d/"
    inc=(-I"$root/usr/include/wireshark" -I"$sdk/include" -I"$root/usr/include/glib-2.0")
    cc=(x86_64-w64-mingw32-gcc -O1 -w "${inc[@]}")
    # 2. stand-ins: hand-written parts, then stubs for every other imported name
    imports=$(x86_64-w64-mingw32-objdump -p "$d/msstun.dll" | awk '
        /DLL Name:/ {dll=$3; next}
        dll && NF == 3 && $1 ~ /^[0-9a-f]+$/ && $2 ~ /^[0-9]+$/ {print dll, $3}
        NF == 0 {dll=""}')
    ok=1
    for pair in libwireshark.dll:standin_wireshark libwsutil.dll:standin_wsutil glib-2.0-0.dll:standin_glib; do
        dll=${pair%%:*} base=${pair#*:}
        "${cc[@]}" -c -o "$d/$base.o" "$SRC/scripts/wine-check/$base.c" 2>>"$log" || { ok=0; break; }
        defined=$(x86_64-w64-mingw32-nm --defined-only "$d/$base.o" | awk '$2 ~ /^[TDBR]$/ {print $3}')
        awk -v d="$dll" '$1 == d {print $2}' <<<"$imports" | sort -u | comm -23 - <(sort -u <<<"$defined") \
            | awk '{print "__declspec(dllexport) void *" $1 "(void) { return 0; }"}' >"$d/stubs_$base.c"
        "${cc[@]}" -shared -o "$d/$dll" "$d/$base.o" "$d/stubs_$base.c" -Wl,--export-all-symbols -Wl,--out-implib,"$d/lib$base.a" 2>>"$log" || { ok=0; break; }
    done
    "${cc[@]}" -shared -o "$d/bcryptprimitives.dll" "$SRC/scripts/wine-check/bcryptprimitives.c" -ladvapi32 2>>"$log" || ok=0
    "${cc[@]}" -o "$d/harness.exe" "$SRC/scripts/wine-check/harness.c" "$d/libstandin_wireshark.a" 2>>"$log" || ok=0
    if [ "$ok" = 1 ]; then pass "stand-ins and harness built from Wireshark $v's headers ($root)"
    else fail "stand-ins/harness did not build (see $log)"; tail -n 15 "$log"; continue; fi
    # 3. Wine
    (cd "$d" && timeout 300 "$WINE" harness.exe "$v" msstun.dll >"$d/harness.crlf" 2>"$d/harness.err")
    rc=$?
    tr -d '\r' <"$d/harness.crlf" >"$d/harness.out"
    grep -E '^(ok|FAIL) ' "$d/harness.out" | sed "s/^/     /"
    read -r hp hf < <(awk '/ passed, .* failed$/ {print $1, $3}' "$d/harness.out" | tail -1)
    if [ "$rc" = 0 ] && [ "${hf:-1}" = 0 ] && [ "${hp:-0}" -gt 0 ]; then pass "harness under Wine: $hp passed, 0 failed"
    else fail "harness under Wine (exit $rc): ${hp:-0} passed, ${hf:-?} failed"; tail -n 5 "$d/harness.err"; fi
    # 4. the same field names as tshark -G fields of this version on Linux
    so=""
    for c in "$OUT/$v/msstun.so" "$SRC/target/ws-$v/release/libmsstun_plugin.so" "${MSSTUN_LINUX_PLUGIN:-}"; do
        [ -n "$c" ] && [ -f "$c" ] && grep -aq "built for Wireshark $v\." "$c" && { so=$c; break; }
    done
    awk -F'\t' '$1 == "field" {print $2}' "$d/harness.out" | sort -u >"$d/fields.wine"
    if [ -z "$so" ]; then
        fail "no Linux build of the plugin for $v to compare fields with (scripts/multi-version.sh builds it)"
    else
        h=$d/home; mkdir -p "$h/.local/lib/wireshark/plugins/$v/epan"
        cp "$so" "$h/.local/lib/wireshark/plugins/$v/epan/msstun.so"
        chmod -R a+rX "$d"
        run_root "$root" setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$h" tshark -G fields 2>/dev/null \
            | awk -F'\t' '$1 == "F" && $5 == "msstun" {print $3}' | sort -u >"$d/fields.linux"
        nl=$(grep -c . "$d/fields.linux"); nw=$(grep -c . "$d/fields.wine")
        if [ "$nl" -gt 0 ] && cmp -s "$d/fields.linux" "$d/fields.wine"; then
            pass "field names registered under Wine = tshark -G fields on Linux ($nw msstun.* fields)"
        else
            fail "fields differ: Wine $nw, Linux $nl; $(diff "$d/fields.linux" "$d/fields.wine" | grep '^[<>]' | head -5 | tr '\n' ' ')"
        fi
    fi
    echo "     $v: $(( $(date +%s) - tv ))s"
done
echo "wine-check: $(( $(date +%s) - T0 ))s"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
