#!/usr/bin/env bash
# Wall-time benchmark of msstun.so inside tshark.
#
#   packaging/bench-tshark.sh [MESSAGES] [RUNS]        (defaults: 200000 messages, best of 3 runs)
#
# 1. A generated capture of MESSAGES STUN messages over UDP port 3478 (so the built-in stun
#    decodes it by port): `tshark -Y stun` vs `tshark -d udp.port==3478,msstun -Y msstun`
#    on the same file → ratio msstun/stun (target ≤ 0.90).
# 2. A capture of MESSAGES non-STUN UDP datagrams: tshark with msstun.so loaded vs without
#    (its heuristic rejecting every packet) → overhead ratio (target ≤ 1.03).
# Uses the release plugin (built when missing) and msstun-fixtures; runs tshark unprivileged
# with private HOMEs when root. Prints both ratios; exit status 0 even when a target is missed
# (it says so), unless BENCH_STRICT=1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
N=${1:-200000}
RUNS=${2:-3}
TSHARK=${TSHARK:-tshark}
ver=$("$TSHARK" --version | head -1 | sed -nE 's/.* ([0-9]+)\.([0-9]+)\.[0-9]+.*/\1.\2/p')
plugin=${MSSTUN_PLUGIN:-target/release/libmsstun_plugin.so}
[ -f "$plugin" ] || cargo build --release -p msstun-plugin
cargo build -q --release -p msstun-fixtures

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/with/.local/lib/wireshark/plugins/$ver/epan" "$work/without"
cp "$plugin" "$work/with/.local/lib/wireshark/plugins/$ver/epan/msstun.so"
target/release/msstun-fixtures bench "$work/stun.pcapng" "$N"
target/release/msstun-fixtures nostun "$work/nostun.pcapng" "$N"
chmod -R a+rX "$work"

ts() { # HOME-dir, tshark args...
    local home=$1; shift
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$home" "$TSHARK" "$@"
    else
        env HOME="$home" "$TSHARK" "$@"
    fi
}

# one timed run: prints wall seconds; checks the number of displayed packets
timed() { # expected-count HOME args...
    local want=$1 home=$2; shift 2
    local t0 t1 n
    t0=$(date +%s.%N)
    n=$(ts "$home" "$@" | wc -l)
    t1=$(date +%s.%N)
    [ "$want" = any ] || [ "$n" = "$want" ] || { echo "bench: expected $want packets, tshark showed $n ($*)" >&2; exit 1; }
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

# Runs alternate between the two sides so that load changes hit both alike; best of RUNS.
compare() { # label-a label-b ; then two command specs via globals A_* and B_*
    local a="" b="" i
    for i in $(seq "$RUNS"); do
        a=$(min "$a" "$(timed "$A_WANT" "$A_HOME" "${A_ARGS[@]}")")
        b=$(min "$b" "$(timed "$B_WANT" "$B_HOME" "${B_ARGS[@]}")")
    done
    echo "$a $b"
}

echo "== $N STUN messages (UDP 3478), best of $RUNS, Wireshark $ver"
A_WANT=$N A_HOME="$work/with" A_ARGS=(-n -r "$work/stun.pcapng" -Y stun)
B_WANT=$N B_HOME="$work/with" B_ARGS=(-n -r "$work/stun.pcapng" -d udp.port==3478,msstun -Y msstun)
read -r t_stun t_ms < <(compare)
r1=$(awk -v a="$t_ms" -v b="$t_stun" 'BEGIN { printf "%.3f", a / b }')
printf '   tshark -Y stun   : %8.2f s\n   tshark -Y msstun : %8.2f s\n   ratio msstun/stun: %s (target <= 0.90)\n' "$t_stun" "$t_ms" "$r1"

echo "== $N non-STUN UDP datagrams, best of $RUNS"
A_WANT=any A_HOME="$work/without" A_ARGS=(-n -r "$work/nostun.pcapng" -Y udp)
B_WANT=any B_HOME="$work/with" B_ARGS=(-n -r "$work/nostun.pcapng" -Y udp)
read -r t_without t_with < <(compare)
r2=$(awk -v a="$t_with" -v b="$t_without" 'BEGIN { printf "%.3f", a / b }')
printf '   without msstun.so: %8.2f s\n   with msstun.so   : %8.2f s\n   overhead ratio   : %s (target <= 1.03)\n' "$t_without" "$t_with" "$r2"
echo "   (load average: $(cut -d' ' -f1-3 /proc/loadavg); wall times on a busy machine are noisy)"

ok=1
awk -v r="$r1" 'BEGIN { exit !(r <= 0.90) }' || { echo "bench: msstun/stun ratio $r1 misses 0.90"; ok=0; }
awk -v r="$r2" 'BEGIN { exit !(r <= 1.03) }' || { echo "bench: overhead $r2 misses 1.03"; ok=0; }
[ $ok = 1 ] && echo "bench: both targets met"
[ $ok = 1 ] || [ -z "${BENCH_STRICT:-}" ]
