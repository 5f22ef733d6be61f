#!/usr/bin/env bash
# The README's Quick start, run as a new user would: on a fresh Debian 12 root filesystem.
#
#   scripts/fresh-debian-check.sh [--keep] [--rebootstrap]
#
# 1. A bare `debootstrap --variant=minbase bookworm` (as the version chroots are made,
#    scripts/chroot-lib.sh) is cached, never entered, in $MSSTUN_CHROOTS/bookworm-bare
#    (default /var/cache/msstun-chroots); it is made again when older than 30 days (so it
#    stays close to what a new install gets) or with --rebootstrap. Each run copies it
#    afresh to $MSSTUN_CHROOTS/fresh-bookworm, so nothing of an earlier run is reused.
# 2. The copy gets what the Debian 12 installer gives every system and debootstrap leaves
#    out: the apt sources bookworm, bookworm-updates and bookworm-security; and from the host
#    what any machine on this network has: /etc/resolv.conf and the locally added CA
#    certificates (/usr/local/share/ca-certificates, e.g. a TLS-inspecting proxy's CA; the
#    ca-certificates package, once setup.sh installs it, adds them to the trust store).
#    Nothing else is added: every package comes from the copy's own apt.
# 3. A clean clone of this repository at its HEAD commit (uncommitted changes are not part
#    of the check) goes to /root/msstun in the copy.
# 4. There, as root, with /proc, /sys and /dev mounted and an empty environment (HOME, PATH,
#    locale), exactly the README's two commands run: ./scripts/setup.sh, then
#    ./scripts/test.sh. Each one's exit status, wall time and the test runner's summary are
#    printed; full logs go to target/fresh-debian/{setup,test}.log.
#
# Rust: a new user gets it from rustup (scripts/deps.sh downloads https://sh.rustup.rs when
# cargo is missing). Where sh.rustup.rs cannot be reached (this project's sandbox reaches
# only the Debian archive, crates.io, PyPI and npm), deps.sh falls back to Debian 12's own
# cargo-web/rustc-web/rustfmt-web/rust-web-clippy from bookworm-security, and that is what
# this check then exercises: the same deps.sh path a user without rustup access takes. No
# toolchain, crate or package is copied in from the host. Cargo fetches crates from
# crates.io inside the copy.
#
# Processes left running in the copy afterwards (there should be none) are reported and
# ended by PID. The copy is removed after a passing run; --keep (or a failure) keeps it for
# a look: scripts/fresh-debian-check.sh removes it at the start of the next run anyway.
# Needs root, debootstrap (installed when missing) and the network to the Debian archive
# and crates.io. The last line is "==> fresh Debian 12: setup.sh exit N (Ts), test.sh exit
# N (Ts)"; the exit status is 0 only when both commands exited 0.
set -uo pipefail
{
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$SRC/scripts/chroot-lib.sh"
ROOT=${MSSTUN_CHROOTS:-/var/cache/msstun-chroots}
MIRROR=${MSSTUN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${MSSTUN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
BARE="$ROOT/bookworm-bare"
RUN="$ROOT/fresh-bookworm"
OUT="$SRC/target/fresh-debian"
KEEP=0
REBOOTSTRAP=0
for a in "$@"; do
    case "$a" in
        --keep) KEEP=1 ;;
        --rebootstrap) REBOOTSTRAP=1 ;;
        -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "fresh-debian-check.sh: unknown option $a (see --help)" >&2; exit 2 ;;
    esac
done
note() { echo "[fresh-debian $(date +%H:%M:%S)] $*" >&2; }

[ "$(id -u)" = 0 ] || { note "must run as root (debootstrap, chroot)"; exit 1; }
commit=$(git -C "$SRC" rev-parse HEAD) || { note "$SRC is not a git checkout"; exit 1; }
[ -z "$(git -C "$SRC" status --porcelain --untracked-files=no)" ] ||
    note "warning: uncommitted changes in $SRC are NOT part of the check (it tests commit ${commit:0:12})"
mkdir -p "$OUT"
T0=$SECONDS

# 1. the bare root filesystem (cached) and this run's copy of it
if [ "$REBOOTSTRAP" = 1 ] || [ ! -f "$BARE/.msstun-debootstrapped" ] ||
    [ -n "$(find "$BARE/.msstun-debootstrapped" -mtime +30)" ]; then
    t=$SECONDS
    msstun_debootstrap bookworm "$BARE" "$MIRROR" 2>"$OUT/debootstrap.log" ||
        { tail -n 20 "$OUT/debootstrap.log" >&2; note "debootstrap failed"; exit 1; }
    note "debootstrapped $BARE in $((SECONDS - t))s"
fi
rm -rf "$RUN"
cp -a "$BARE" "$RUN" || { note "cannot copy $BARE to $RUN"; exit 1; }

# 2. what the Debian 12 installer adds and debootstrap does not
cat >"$RUN/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
EOF
cp /etc/resolv.conf "$RUN/etc/resolv.conf"
if [ -d /usr/local/share/ca-certificates ]; then
    mkdir -p "$RUN/usr/local/share/ca-certificates"
    cp -a /usr/local/share/ca-certificates/. "$RUN/usr/local/share/ca-certificates/"
fi

# 3. a clean clone of HEAD
git clone -q --no-hardlinks "$SRC" "$RUN/root/msstun" &&
    git -C "$RUN/root/msstun" -c advice.detachedHead=false checkout -q --detach "$commit" ||
    { note "git clone of $SRC into $RUN/root/msstun failed"; exit 1; }
note "fresh bookworm root filesystem at $RUN, clone of ${commit:0:12} in /root/msstun"

# 4. the two commands, as root, in the copy
in_fresh() {
    unshare --mount --propagation private -- bash -euc '
        . "$1"; d=$2; shift 2
        msstun_chroot_mounts "$d"
        exec chroot "$d" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            MSSTUN_FUZZ_SECONDS="$fz" MSSTUN_FUZZ_TSHARK_SECONDS="$ft" \
            bash -c "cd /root/msstun && exec \"\$@\"" _ "$@"
    ' _ "$SRC/scripts/chroot-lib.sh" "$RUN" "$@"
}
# The fuzzing steps of test.sh get short budgets here (they must run, not find much: the
# host's own test.sh fuzzes at full length); MSSTUN_FRESH_FUZZ_SECONDS and
# MSSTUN_FRESH_FUZZ_TSHARK_SECONDS change them.
export fz=${MSSTUN_FRESH_FUZZ_SECONDS:-10} ft=${MSSTUN_FRESH_FUZZ_TSHARK_SECONDS:-30}
declare -A RC TIME
for cmd in setup test; do
    note "./scripts/$cmd.sh (log: ${OUT#"$SRC"/}/$cmd.log)"
    t=$SECONDS
    in_fresh "./scripts/$cmd.sh" >"$OUT/$cmd.log" 2>&1
    RC[$cmd]=$?
    TIME[$cmd]=$((SECONDS - t))
    note "./scripts/$cmd.sh exit ${RC[$cmd]} after ${TIME[$cmd]}s"
    [ "${RC[$cmd]}" = 0 ] || tail -n 30 "$OUT/$cmd.log" >&2
done

# Nothing the commands started may outlive them (a packaged coturn must not be serving).
left=()
for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$RUN" ] && left+=("${p#/proc/}")
done
if [ ${#left[@]} -gt 0 ]; then
    note "processes left running in the copy, ended now: $(ps -o pid=,comm= -p "$(IFS=,; echo "${left[*]}")" | tr '\n' ' ')"
    kill "${left[@]}" 2>/dev/null
fi

{
    echo
    echo "==> fresh Debian 12 (debootstrap minbase bookworm), commit ${commit:0:12}"
    echo "    rustc in the copy: $(chroot "$RUN" sh -c 'rustc --version 2>/dev/null; dpkg-query -W -f "(\${Package} \${Version})" rustc-web 2>/dev/null' | tr '\n' ' ')"
    echo "    ./scripts/setup.sh: exit ${RC[setup]} (${TIME[setup]}s); the example decode printed:"
    awk '/==> decoding /{on=1; next} on' "$OUT/setup.log" | head -n 6 | sed 's/^/      /'
    echo "    ./scripts/test.sh: exit ${RC[test]} (${TIME[test]}s); its summary:"
    grep -E '^==> cargo test summary' "$OUT/test.log" | sed 's/^/      /'
    awk '/^==> msstun test suite summary/{on=1} on' "$OUT/test.log" | sed 's/^/      /'
    echo "    total wall time: $((SECONDS - T0))s; logs: ${OUT#"$SRC"/}/"
} | tee "$OUT/summary.txt"

ok=0
[ "${RC[setup]}" = 0 ] && [ "${RC[test]}" = 0 ] && ok=1
if [ "$ok" = 1 ] && [ "$KEEP" = 0 ]; then rm -rf "$RUN"; else note "kept $RUN"; fi
echo "==> fresh Debian 12: setup.sh exit ${RC[setup]} (${TIME[setup]}s), test.sh exit ${RC[test]} (${TIME[test]}s)"
[ "$ok" = 1 ]
exit
}
