#!/usr/bin/env bash
# Create (when missing) and provision a Debian chroot used to build and test
# msstun.so against another Wireshark version.
#
#   scripts/chroot-setup.sh SUITE          # SUITE = trixie (4.4) | sid (4.6) | any Debian suite
#
# Chroots live outside the clone, in $MSSTUN_CHROOTS (default /var/cache/msstun-chroots),
# one directory per suite. A chroot is reused when its stamp file says that the same
# package list was installed; a half-made chroot (no stamp) is removed and made again.
# Needs root and debootstrap. Prints what it does on stderr and the chroot path on stdout.
set -euo pipefail

SUITE=${1:?usage: chroot-setup.sh SUITE}
ROOT=${MSSTUN_CHROOTS:-/var/cache/msstun-chroots}
MIRROR=${MSSTUN_MIRROR:-http://deb.debian.org/debian}
DIR="$ROOT/$SUITE"
# What the build (build.rs: pkg-config, bindgen/libclang, cc), the suite (tshark, setpriv,
# coturn) and packaging (dpkg-deb, tar) need inside the chroot.
PACKAGES="libwireshark-dev tshark libglib2.0-dev libclang-dev clang pkg-config gcc libc6-dev \
ca-certificates coturn util-linux procps dpkg-dev fakeroot file xz-utils python3 iproute2"
STAMP="$DIR/.msstun-ready"
# The archive may be a snapshot older than the suite's Release file (sid): don't let
# apt reject it as expired.
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 -o APT::Install-Recommends=false)

log() { echo "chroot-setup[$SUITE]: $*" >&2; }
LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/chroot-lib.sh"
. "$LIB"

[ "$(id -u)" = 0 ] || { log "must run as root (debootstrap, chroot)"; exit 1; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PACKAGES" ]; then
    log "reusing $DIR"
    echo "$DIR"
    exit 0
fi

if [ ! -x "$DIR/usr/bin/apt-get" ] || [ ! -f "$DIR/.msstun-debootstrapped" ]; then
    msstun_debootstrap "$SUITE" "$DIR" "$MIRROR" || exit 1
fi

# apt inside the chroot needs /proc and /dev (scripts/chroot-lib.sh); a private mount
# namespace drops them on exit.
log "installing: $PACKAGES"
cp /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true
unshare --mount --propagation private -- bash -euc '
    . "$1"; d=$2; shift 2
    msstun_chroot_mounts "$d"
    chroot "$d" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        apt-get "$@" update >&2
    chroot "$d" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        apt-get "$@" -y install '"$PACKAGES"' >&2
    chroot "$d" apt-get clean
' _ "$LIB" "$DIR" "${APT_OPTS[@]}"
echo "$PACKAGES" > "$STAMP"
log "ready: $DIR ($(chroot "$DIR" dpkg-query -W -f '${Version}' tshark))"
echo "$DIR"
