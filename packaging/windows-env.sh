# shellcheck shell=bash
# Shared by packaging/build-windows.sh and scripts/wine-check.sh: the MinGW cross-build of
# msstun.dll for Wireshark X.Y, from Debian's packages of that version (nothing vendored).
#
#   win_deps            install what the cross-build needs (apt, rustup target), once
#   win_root X.Y        the root filesystem holding Debian's Wireshark X.Y (/ or a chroot)
#   win_prepare X.Y DIR headers (+ a Win64 glibconfig.h) and MinGW import libraries made
#                       from the exports of Debian's libwireshark/libwsutil/libglib of X.Y
#   win_env X.Y DIR     export what build.rs, bindgen, cc and cargo need for that build
#
# Needs root for apt. Set MSSTUN_CHROOTS like scripts/multi-version.sh.

WIN_TARGET=x86_64-pc-windows-gnu
WIN_CC=x86_64-w64-mingw32-gcc
MSSTUN_CHROOTS=${MSSTUN_CHROOTS:-/var/cache/msstun-chroots}

win_note() { echo "[windows $(date +%H:%M:%S)] $*" >&2; }

# The apt packages and the Rust standard library for the MinGW target.
win_deps() {
    local need=()
    command -v "$WIN_CC" >/dev/null || need+=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64)
    command -v x86_64-w64-mingw32-dlltool >/dev/null || need+=(binutils-mingw-w64-x86-64)
    command -v zip >/dev/null || need+=(zip)
    ls /usr/lib/llvm-*/lib/clang/*/include/stdbool.h >/dev/null 2>&1 || need+=(libclang-dev)
    if [ "${WIN_NEED_WINE:-0}" = 1 ] && ! command -v wine64 >/dev/null && ! [ -x /usr/lib/wine/wine64 ]; then
        need+=(wine64)
    fi
    if [ ${#need[@]} -gt 0 ]; then
        win_note "apt-get install ${need[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2 \
            || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2; } \
            || return 1
    fi
    if ! rustup target list --installed 2>/dev/null | grep -qx "$WIN_TARGET"; then
        win_note "rustup target add $WIN_TARGET"
        # Without rustup's server: Debian's rust-web-src and
        # RUSTC_BOOTSTRAP=1 cargo build -Zbuild-std=std,panic_unwind (docs/VERSIONS.md).
        rustup target add "$WIN_TARGET" >&2 || return 1
    fi
}

win_root() {
    local v=$1 host
    host=$(sed -nE 's/#define WIRESHARK_VERSION_(MAJOR|MINOR) ([0-9]+)/\2/p' /usr/include/wireshark/ws_version.h 2>/dev/null | paste -sd.)
    if [ "$v" = "$host" ]; then echo /; return; fi
    case $v in
        4.0) echo "$MSSTUN_CHROOTS/bookworm" ;;
        4.4) echo "$MSSTUN_CHROOTS/trixie" ;;
        4.6) echo "$MSSTUN_CHROOTS/sid" ;;
        *) return 1 ;;
    esac
}

# A Win64 glibconfig.h for GLib's headers of ROOT: GLib's own configuration for Windows
# x64 (LLP64: long is 32 bits; 64-bit sizes and pointers are long long), with the version
# numbers of ROOT's GLib.
win_glibconfig() {
    local root=$1 out=$2 lin maj min mic
    lin=$(ls "$root"/usr/lib/*/glib-2.0/include/glibconfig.h | head -1)
    maj=$(sed -nE 's/^#define GLIB_MAJOR_VERSION ([0-9]+)/\1/p' "$lin")
    min=$(sed -nE 's/^#define GLIB_MINOR_VERSION ([0-9]+)/\1/p' "$lin")
    mic=$(sed -nE 's/^#define GLIB_MICRO_VERSION ([0-9]+)/\1/p' "$lin")
    cat >"$out" <<EOF
/* glibconfig.h for Windows x64 (MinGW), written by msstun's packaging/windows-env.sh for
 * GLib $maj.$min.$mic's headers. */
#ifndef __GLIBCONFIG_H__
#define __GLIBCONFIG_H__
#include <glib/gmacros.h>
#include <limits.h>
#include <float.h>
G_BEGIN_DECLS
#define G_MINFLOAT FLT_MIN
#define G_MAXFLOAT FLT_MAX
#define G_MINDOUBLE DBL_MIN
#define G_MAXDOUBLE DBL_MAX
#define G_MINSHORT SHRT_MIN
#define G_MAXSHORT SHRT_MAX
#define G_MAXUSHORT USHRT_MAX
#define G_MININT INT_MIN
#define G_MAXINT INT_MAX
#define G_MAXUINT UINT_MAX
#define G_MINLONG LONG_MIN
#define G_MAXLONG LONG_MAX
#define G_MAXULONG ULONG_MAX
typedef signed char gint8;
typedef unsigned char guint8;
typedef signed short gint16;
typedef unsigned short guint16;
#define G_GINT16_MODIFIER "h"
#define G_GINT16_FORMAT "hi"
#define G_GUINT16_FORMAT "hu"
typedef signed int gint32;
typedef unsigned int guint32;
#define G_GINT32_MODIFIER ""
#define G_GINT32_FORMAT "i"
#define G_GUINT32_FORMAT "u"
#define G_HAVE_GINT64 1
typedef signed long long gint64;
typedef unsigned long long guint64;
#define G_GINT64_CONSTANT(val) (val##LL)
#define G_GUINT64_CONSTANT(val) (val##ULL)
#define G_GINT64_MODIFIER "I64"
#define G_GINT64_FORMAT "I64i"
#define G_GUINT64_FORMAT "I64u"
#define GLIB_SIZEOF_VOID_P 8
#define GLIB_SIZEOF_LONG 4
#define GLIB_SIZEOF_SIZE_T 8
#define GLIB_SIZEOF_SSIZE_T 8
typedef signed long long gssize;
typedef unsigned long long gsize;
#define G_GSIZE_MODIFIER "I64"
#define G_GSSIZE_MODIFIER "I64"
#define G_GSIZE_FORMAT "I64u"
#define G_GSSIZE_FORMAT "I64i"
#define G_MAXSIZE G_MAXUINT64
#define G_MINSSIZE G_MININT64
#define G_MAXSSIZE G_MAXINT64
typedef gint64 goffset;
#define G_MINOFFSET G_MININT64
#define G_MAXOFFSET G_MAXINT64
#define G_GOFFSET_MODIFIER G_GINT64_MODIFIER
#define G_GOFFSET_FORMAT G_GINT64_FORMAT
#define G_GOFFSET_CONSTANT(val) G_GINT64_CONSTANT(val)
#define G_POLLFD_FORMAT "%#I64x"
#define GPOINTER_TO_INT(p) ((gint) (gint64) (p))
#define GPOINTER_TO_UINT(p) ((guint) (guint64) (p))
#define GINT_TO_POINTER(i) ((gpointer) (gint64) (i))
#define GUINT_TO_POINTER(u) ((gpointer) (guint64) (u))
typedef signed long long gintptr;
typedef unsigned long long guintptr;
#define G_GINTPTR_MODIFIER "I64"
#define G_GINTPTR_FORMAT "I64i"
#define G_GUINTPTR_FORMAT "I64u"
#define GLIB_MAJOR_VERSION $maj
#define GLIB_MINOR_VERSION $min
#define GLIB_MICRO_VERSION $mic
#define G_OS_WIN32
#define G_PLATFORM_WIN32
#define G_VA_COPY va_copy
#define G_HAVE_ISO_VARARGS 1
#define G_HAVE_GROWING_STACK 0
#ifndef _MSC_VER
# define G_HAVE_GNUC_VARARGS 1
#endif
#define G_GNUC_INTERNAL
#define G_THREADS_ENABLED
#define G_THREADS_IMPL_WIN32
#define G_ATOMIC_LOCK_FREE
#define GINT16_TO_LE(val) ((gint16) (val))
#define GUINT16_TO_LE(val) ((guint16) (val))
#define GINT16_TO_BE(val) ((gint16) GUINT16_SWAP_LE_BE (val))
#define GUINT16_TO_BE(val) (GUINT16_SWAP_LE_BE (val))
#define GINT32_TO_LE(val) ((gint32) (val))
#define GUINT32_TO_LE(val) ((guint32) (val))
#define GINT32_TO_BE(val) ((gint32) GUINT32_SWAP_LE_BE (val))
#define GUINT32_TO_BE(val) (GUINT32_SWAP_LE_BE (val))
#define GINT64_TO_LE(val) ((gint64) (val))
#define GUINT64_TO_LE(val) ((guint64) (val))
#define GINT64_TO_BE(val) ((gint64) GUINT64_SWAP_LE_BE (val))
#define GUINT64_TO_BE(val) (GUINT64_SWAP_LE_BE (val))
#define GLONG_TO_LE(val) ((glong) GINT32_TO_LE (val))
#define GULONG_TO_LE(val) ((gulong) GUINT32_TO_LE (val))
#define GLONG_TO_BE(val) ((glong) GINT32_TO_BE (val))
#define GULONG_TO_BE(val) ((gulong) GUINT32_TO_BE (val))
#define GINT_TO_LE(val) ((gint) GINT32_TO_LE (val))
#define GUINT_TO_LE(val) ((guint) GUINT32_TO_LE (val))
#define GINT_TO_BE(val) ((gint) GINT32_TO_BE (val))
#define GUINT_TO_BE(val) ((guint) GUINT32_TO_BE (val))
#define GSIZE_TO_LE(val) ((gsize) GUINT64_TO_LE (val))
#define GSSIZE_TO_LE(val) ((gssize) GINT64_TO_LE (val))
#define GSIZE_TO_BE(val) ((gsize) GUINT64_TO_BE (val))
#define GSSIZE_TO_BE(val) ((gssize) GINT64_TO_BE (val))
#define G_BYTE_ORDER G_LITTLE_ENDIAN
#define GLIB_SYSDEF_POLLIN =1
#define GLIB_SYSDEF_POLLOUT =4
#define GLIB_SYSDEF_POLLPRI =2
#define GLIB_SYSDEF_POLLHUP =16
#define GLIB_SYSDEF_POLLERR =8
#define GLIB_SYSDEF_POLLNVAL =32
#define G_MODULE_SUFFIX "dll"
typedef void * GPid;
#define G_PID_FORMAT "p"
#define GLIB_SYSDEF_AF_UNIX 1
#define GLIB_SYSDEF_AF_INET 2
#define GLIB_SYSDEF_AF_INET6 23
#define GLIB_SYSDEF_MSG_OOB 1
#define GLIB_SYSDEF_MSG_PEEK 2
#define GLIB_SYSDEF_MSG_DONTROUTE 4
#define G_DIR_SEPARATOR '\\\\'
#define G_DIR_SEPARATOR_S "\\\\"
#define G_SEARCHPATH_SEPARATOR ';'
#define G_SEARCHPATH_SEPARATOR_S ";"
G_END_DECLS
#endif
EOF
}

# A .def file of the dynamic symbols SO defines (objects marked DATA), for DLL name DLL.
win_def() {
    local so=$1 dll=$2
    echo "LIBRARY \"$dll\""
    echo "EXPORTS"
    nm -D --defined-only "$so" | awk '
        $2 ~ /^[TtWi]$/ { print "    " $3; next }
        $2 ~ /^[DdBbRrVvGgSs]$/ { print "    " $3 " DATA" }' | sed 's/@.*//' | sort -u
}

win_prepare() {
    local v=$1 dir=$2 root lib so name dll
    root=$(win_root "$v") || { echo "no Debian root for Wireshark $v" >&2; return 1; }
    [ -f "$root/usr/include/wireshark/ws_version.h" ] || { echo "no Wireshark headers in $root (make the chroot: scripts/chroot-setup.sh)" >&2; return 1; }
    mkdir -p "$dir/include" "$dir/lib"
    win_glibconfig "$root" "$dir/include/glibconfig.h"
    # glib.h includes <glib/gwin32.h> on Windows; GLib installs it only there (Debian 13+
    # ship none). msstun uses none of its g_win32_* functions: an empty one will do.
    if [ ! -f "$root/usr/include/glib-2.0/glib/gwin32.h" ]; then
        mkdir -p "$dir/include/glib"
        printf '/* Empty stand-in for GLib'"'"'s Windows-only header (packaging/windows-env.sh). */\n#ifndef __G_WIN32_H__\n#define __G_WIN32_H__\n#endif\n' >"$dir/include/glib/gwin32.h"
    fi
    lib=$(dirname "$(ls "$root"/usr/lib/*/libwireshark.so.* | head -1)")
    for name in wireshark wsutil glib-2.0; do
        case $name in
            glib-2.0) so=$(ls "$lib"/libglib-2.0.so.0 "$root"/lib/*/libglib-2.0.so.0 2>/dev/null | head -1); dll=glib-2.0-0.dll ;;
            *) so=$(ls "$lib"/lib$name.so.[0-9]* | head -1); dll=lib$name.dll ;;
        esac
        [ -f "$so" ] || { echo "no lib$name in $root" >&2; return 1; }
        win_def "$so" "$dll" >"$dir/lib/$name.def"
        # (dlltool reports a syntax error of the .def but still exits 0: check the result)
        x86_64-w64-mingw32-dlltool -d "$dir/lib/$name.def" -D "$dll" -l "$dir/lib/lib$name.dll.a" 2>"$dir/lib/$name.dlltool.log" || return 1
        if [ -s "$dir/lib/$name.dlltool.log" ] || [ "$(x86_64-w64-mingw32-nm "$dir/lib/lib$name.dll.a" 2>/dev/null | grep -c ' I __imp_')" -lt 10 ]; then
            echo "dlltool failed for $name.def:" >&2; cat "$dir/lib/$name.dlltool.log" >&2; return 1
        fi
    done
    echo "$root" >"$dir/root"
}

# Environment of the cross-build of version V with the files win_prepare made in DIR.
win_env() {
    local v=$1 dir=$2 root res
    root=$(cat "$dir/root")
    res=$(ls -d /usr/lib/llvm-*/lib/clang/*/include 2>/dev/null | sort -V | tail -1)
    export WIRESHARK_INCLUDE_DIR="$root/usr/include/wireshark"
    export GLIB_INCLUDE_DIRS="$dir/include:$root/usr/include/glib-2.0"
    export WIRESHARK_LIB_DIR="$dir/lib"
    # bindgen for MinGW: clang's own headers (stdbool.h, …) and MinGW's sysroot.
    export BINDGEN_EXTRA_CLANG_ARGS_x86_64_pc_windows_gnu="--target=x86_64-w64-mingw32 --sysroot=/usr/x86_64-w64-mingw32 -isystem $res"
    export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=$WIN_CC
    export CC_x86_64_pc_windows_gnu=$WIN_CC
    # One target folder for every version: the dependencies build once; build.rs reruns
    # (and msstun-plugin rebuilds) when WIRESHARK_INCLUDE_DIR changes.
    export CARGO_TARGET_DIR=${WIN_CARGO_TARGET_DIR:-$SRC_ROOT/target/win}
}
