# shellcheck shell=bash
# Sourced by scripts/chroot-setup.sh, scripts/chroot-run.sh and scripts/fresh-debian-check.sh:
# the two steps every msstun chroot shares.
#
#   msstun_debootstrap SUITE DIR [MIRROR]   a bare `debootstrap --variant=minbase` root
#                                           filesystem in DIR (made in DIR.tmp, then moved,
#                                           so a half-made one is never taken for done)
#   msstun_chroot_mounts DIR                /proc, /sys and /dev (with /dev/pts, /dev/shm) of
#                                           the host inside DIR; call it only inside a
#                                           private mount namespace (unshare --mount
#                                           --propagation private), which drops them on exit
#
# Messages go to stderr. Both need root.

msstun_debootstrap() {
    local suite=$1 dir=$2 mirror=${3:-${MSSTUN_MIRROR:-http://deb.debian.org/debian}}
    if ! command -v debootstrap >/dev/null; then
        echo "chroot-lib: installing debootstrap on the host" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } >&2 ||
            { echo "chroot-lib: debootstrap missing and could not be installed: apt-get install debootstrap" >&2; return 1; }
    fi
    mkdir -p "$(dirname "$dir")"
    rm -rf "$dir.tmp"
    echo "chroot-lib: debootstrap --variant=minbase $suite $dir ($mirror)" >&2
    debootstrap --variant=minbase "$suite" "$dir.tmp" "$mirror" >&2 || {
        echo "chroot-lib: debootstrap failed; see $dir.tmp/debootstrap/debootstrap.log" >&2; return 1; }
    touch "$dir.tmp/.msstun-debootstrapped"
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
}

msstun_chroot_mounts() {
    local d=$1
    mount -t proc proc "$d/proc"
    mount --rbind /sys "$d/sys"
    mount --rbind /dev "$d/dev"
}
