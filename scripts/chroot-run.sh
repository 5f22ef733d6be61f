#!/usr/bin/env bash
# Run a command inside a msstun build chroot (made by scripts/chroot-setup.sh), with
# the source tree and the host's Rust toolchain bind-mounted at the same paths.
#
#   scripts/chroot-run.sh SUITE COMMAND [ARGS...]
#
# Mounts live in a private mount namespace (unshare), so they disappear with the
# command: nothing to clean up, even after a crash. The command starts in the source
# tree. Bound: the source tree (read-write, builds go to its target/), $RUSTUP_HOME
# (read-only), $CARGO_HOME (read-write: registry cache shared with the host),
# /proc, /sys, /dev (scripts/chroot-lib.sh). The environment is cleared except for
# PATH/HOME/locale, CARGO_HOME, RUSTUP_HOME, CARGO_TARGET_DIR and the variables named in
# $MSSTUN_CHROOT_ENV (space-separated names, e.g. "MSSTUN_PLUGIN WS_VERSION CI"). Needs root.
# Cargo runs offline in the chroot (CARGO_NET_OFFLINE=true unless set): the host fetches
# the crates first (`cargo fetch`, as scripts/multi-version.sh does) into the shared
# $CARGO_HOME, so the chroot needs no TLS set-up of its own.
set -euo pipefail

SUITE=${1:?usage: chroot-run.sh SUITE COMMAND [ARGS...]}
shift
[ $# -gt 0 ] || { echo "chroot-run.sh: no command" >&2; exit 2; }
ROOT=${MSSTUN_CHROOTS:-/var/cache/msstun-chroots}
DIR="$ROOT/$SUITE"
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}

[ -f "$DIR/.msstun-ready" ] || { echo "chroot-run.sh: $DIR not ready; run scripts/chroot-setup.sh $SUITE" >&2; exit 1; }
[ -x "$CARGO_HOME/bin/cargo" ] || { echo "chroot-run.sh: no cargo in $CARGO_HOME/bin" >&2; exit 1; }
cp /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true

# NAME=value words for env(1) inside the chroot.
PASS=("CARGO_NET_OFFLINE=${CARGO_NET_OFFLINE:-true}")
for v in CARGO_TARGET_DIR RUST_BACKTRACE CARGO_TERM_COLOR ${MSSTUN_CHROOT_ENV:-}; do
    [ -n "${!v+x}" ] && PASS+=("$v=${!v}")
done

exec unshare --mount --propagation private -- bash -euc '
    . "$1"; d=$2 src=$3 ch=$4 rh=$5 npass=$6; shift 6
    pass=("${@:1:$npass}"); shift "$npass"
    msstun_chroot_mounts "$d"
    for p in "$src" "$ch" "$rh"; do mkdir -p "$d$p"; mount --bind "$p" "$d$p"; done
    mount -o remount,bind,ro "$d$rh"
    exec chroot "$d" /usr/bin/env -i \
        HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM="${TERM:-dumb}" \
        PATH="$ch/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        CARGO_HOME="$ch" RUSTUP_HOME="$rh" "${pass[@]}" \
        bash -c "cd \"\$0\" && exec \"\$@\"" "$src" "$@"
' _ "$SRC/scripts/chroot-lib.sh" "$DIR" "$SRC" "$CARGO_HOME" "$RUSTUP_HOME" "${#PASS[@]}" "${PASS[@]}" "$@"
