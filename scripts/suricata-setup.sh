#!/usr/bin/env bash
# Install Suricata 8 from Debian in a msstun build chroot (made by scripts/chroot-setup.sh),
# for the msstun Suricata plugin (crates/msstun-suricata, scripts/suricata-check.sh).
#
#   scripts/suricata-setup.sh [SUITE]      # trixie (default: 8.0.x from trixie-backports) | sid
#
# Its own step with its own stamp ($DIR/.msstun-suricata), beside chroot-setup.sh's package
# list: idempotent, and it never re-runs the shared chroot's main install. Prints the
# installed Suricata version on stdout. Needs root.
set -euo pipefail

SUITE=${1:-trixie}
ROOT=${MSSTUN_CHROOTS:-/var/cache/msstun-chroots}
MIRROR=${MSSTUN_MIRROR:-http://deb.debian.org/debian}
DIR="$ROOT/$SUITE"
# suricata: the engine the plugin loads into; zlib1g-dev: the suricata crate's flate2 links zlib;
# rsyslog, rsyslog-kafka: to check the README's eve.json → Kafka pipeline (packaging/suricata).
PACKAGES="suricata zlib1g-dev rsyslog rsyslog-kafka"
STAMP="$DIR/.msstun-suricata"
log() { echo "suricata-setup[$SUITE]: $*" >&2; }
LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/chroot-lib.sh"
. "$LIB"

[ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }
[ -f "$DIR/.msstun-ready" ] || "$(dirname "$LIB")/chroot-setup.sh" "$SUITE" >/dev/null
want="$SUITE: $PACKAGES"
version() { chroot "$DIR" dpkg-query -W -f '${Version}\n' suricata; }
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    version
    exit 0
fi
TARGET=()
if [ "$SUITE" = trixie ]; then
    # Debian 13 has Suricata 7; 8.0 is in trixie-backports.
    echo "deb $MIRROR trixie-backports main" > "$DIR/etc/apt/sources.list.d/msstun-backports.list"
    TARGET=(-t trixie-backports)
fi
log "installing $PACKAGES ${TARGET[*]}"
cp /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true
unshare --mount --propagation private -- bash -euc '
    . "$1"; d=$2; shift 2
    msstun_chroot_mounts "$d"
    run() { chroot "$d" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
    opts=(-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 -o APT::Install-Recommends=false -o DPkg::Lock::Timeout=600)
    run apt-get "${opts[@]}" update >&2
    run apt-get "${opts[@]}" -y install "$@" >&2
    run apt-get clean
' _ "$LIB" "$DIR" "${TARGET[@]}" $PACKAGES
echo "$want" > "$STAMP"
log "ready: suricata $(version)"
version
