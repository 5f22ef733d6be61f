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

[ "$(id -u)" = 0 ] || { log "must run as root (debootstrap, chroot)"; exit 1; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PACKAGES" ]; then
    log "reusing $DIR"
    echo "$DIR"
    exit 0
fi

mkdir -p "$ROOT"
if [ ! -x "$DIR/usr/bin/apt-get" ] || [ ! -f "$DIR/.msstun-debootstrapped" ]; then
    if ! command -v debootstrap >/dev/null; then
        log "installing debootstrap on the host"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } >&2 ||
            { log "debootstrap missing and could not be installed: apt-get install debootstrap"; exit 1; }
    fi
    rm -rf "$DIR.tmp"
    log "debootstrap --variant=minbase $SUITE $DIR ($MIRROR)"
    debootstrap --variant=minbase "$SUITE" "$DIR.tmp" "$MIRROR" >&2 || {
        log "debootstrap failed; see $DIR.tmp/debootstrap/debootstrap.log"; exit 1; }
    touch "$DIR.tmp/.msstun-debootstrapped"
    rm -rf "$DIR"
    mv "$DIR.tmp" "$DIR"
fi

# apt inside the chroot needs /proc and /dev; a private mount namespace drops them on exit.
log "installing: $PACKAGES"
cp /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true
unshare --mount --propagation private -- bash -euc '
    d=$1; shift
    mount -t proc proc "$d/proc"
    mount --rbind /dev "$d/dev"
    chroot "$d" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        apt-get "$@" update >&2
    chroot "$d" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        apt-get "$@" -y install '"$PACKAGES"' >&2
    chroot "$d" apt-get clean
' _ "$DIR" "${APT_OPTS[@]}"
echo "$PACKAGES" > "$STAMP"
log "ready: $DIR ($(chroot "$DIR" dpkg-query -W -f '${Version}' tshark))"
echo "$DIR"
