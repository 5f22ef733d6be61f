#!/usr/bin/env bash
# Check a cross-built msstun.dll against Wireshark X.Y's libraries (exit 0 only if all pass):
#
#   packaging/check-windows-dll.sh msstun.dll X.Y DEFDIR [SHIM.a]
#
# DEFDIR holds wireshark.def, wsutil.def and glib-2.0.def, the exports of Debian's libraries
# of that version (packaging/windows-env.sh win_prepare). Checks:
#  - exports: exactly the plugin entry points of X.Y (plugin_version, plugin_want_major,
#    plugin_want_minor, plugin_register; plugin_describe from 4.4);
#  - imports only from libwireshark.dll, libwsutil.dll, glib-2.0-0.dll and Windows system
#    DLLs (no libgcc_s/libwinpthread/libstdc++: the MinGW runtime is linked statically);
#  - every symbol imported from the three exists in that library's exports, and Wireshark's
#    data symbols are imported as data (through __imp_, i.e. dllimport);
#  - no C stdio from the plugin: the C shim (SHIM.a, the archive build.rs compiled) references
#    none (printf, fprintf, puts, fwrite, …), and the DLL imports none beyond what MinGW's
#    runtime-relocation error report uses before it aborts (libmingw32's pseudo-reloc.o:
#    vfprintf, fwrite, __iob_func on stderr).
# Prints one line per check and "N passed, M failed".
set -uo pipefail
dll=${1:?usage: check-windows-dll.sh msstun.dll X.Y DEFDIR}
v=${2:?}
defs=${3:?}
shim=${4:-}
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
no() { echo "FAIL $*"; fail=$((fail + 1)); }
dump=$(x86_64-w64-mingw32-objdump -p "$dll") || { echo "FAIL objdump $dll"; exit 1; }

# Exports (the name table of the export directory).
exports=$(awk '/\[Ordinal\/Name Pointer\] Table/{t=1; next} t && /^[[:space:]]*\[/{print $NF; next} t && NF==0{t=0}' <<<"$dump" | sort)
want="plugin_register plugin_version plugin_want_major plugin_want_minor"
case $v in 4.0|4.2) ;; *) want="$want plugin_describe" ;; esac
want=$(tr ' ' '\n' <<<"$want" | sort)
if [ "$exports" = "$want" ]; then ok "exports: $(echo $exports)"; else no "exports: got [$(echo $exports)], want [$(echo $want)]"; fi

# Imports: DLL name, then its functions, as objdump prints them.
imports=$(awk '
    /^[[:space:]]*DLL Name:/ { dll=$3; next }
    dll && NF == 3 && $1 ~ /^[0-9a-f]+$/ && $2 ~ /^[0-9]+$/ { print dll, $3; next }
    NF == 0 { dll="" }' <<<"$dump")
dlls=$(grep -E '^[[:space:]]*DLL Name:' <<<"$dump" | awk '{print $3}' | sort -u)
allowed='^(libwireshark\.dll|libwsutil\.dll|glib-2\.0-0\.dll|KERNEL32\.dll|kernel32\.dll|msvcrt\.dll|ntdll\.dll|bcryptprimitives\.dll|bcrypt\.dll|ADVAPI32\.dll|advapi32\.dll|USERENV\.dll|userenv\.dll|WS2_32\.dll|ws2_32\.dll|api-ms-win-[a-z0-9-]+\.dll)$'
bad=$(grep -Ev "$allowed" <<<"$dlls")
if [ -z "$bad" ]; then ok "imported DLLs: $(echo $dlls)"; else no "imports from DLLs a Wireshark install lacks: $(echo $bad)"; fi

for pair in wireshark:libwireshark.dll wsutil:libwsutil.dll glib-2.0:glib-2.0-0.dll; do
    def=$defs/${pair%%:*}.def
    dname=${pair#*:}
    [ -f "$def" ] || { no "$def missing"; continue; }
    syms=$(awk -v d="$dname" '$1 == d {print $2}' <<<"$imports" | sort -u)
    n=$(grep -c . <<<"$syms")
    missing=$(comm -23 <(echo "$syms") <(awk 'NR > 2 {print $1}' "$def" | sort -u) | grep .)
    if [ -z "$missing" ]; then ok "$dname: $n imported symbols, all exported by Wireshark $v's library"
    else no "$dname: imported but not exported by Wireshark $v's library: $(echo $missing)"; fi
done

# Data symbols: the import library has only __imp_<name> for them, so a reference without
# dllimport fails to link; check that those imported are marked DATA in the .def.
data=$(for f in "$defs"/*.def; do awk '$2 == "DATA" {print $1}' "$f"; done | sort -u)
dimp=$(comm -12 <(awk '{print $2}' <<<"$imports" | sort -u) <(echo "$data"))
ok "data symbols imported (as DATA, through __imp_): ${dimp:-none}" | tr '\n' ' '; echo

stdio_re='(printf|fprintf|vfprintf|vprintf|puts|fputs|fputc|putchar|putc|fwrite|fflush|__acrt_iob_func|__iob_func|_iob)'
stdio=$(awk '{print $2}' <<<"$imports" | grep -xE "$stdio_re" | grep -vxE '(vfprintf|fwrite|__iob_func)' | sort -u)
if [ -z "$stdio" ]; then ok "no C stdio imported beyond MinGW's relocation-error report"; else no "C stdio imported: $(echo $stdio)"; fi
if [ -n "$shim" ]; then
    s=$(x86_64-w64-mingw32-nm -u "$shim" | awk '{print $2}' | sed -E 's/^__imp_//; s/^__mingw_//' | grep -xE "$stdio_re" | sort -u)
    if [ -z "$s" ]; then ok "the C shim uses no C stdio"; else no "the C shim uses C stdio: $(echo $s)"; fi
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
