#!/usr/bin/env bash
# Throughput of msstun inside Suricata 8 beside tshark+msstun, on the same captures:
#   scripts/bench-suricata.sh [N]      (default 50000)
# Captures from crates/msstun-fixtures: `scale N` (N messages like a busy TURN server:
# allocations, ICE pairs, RFC 6062 data connections — the seed scenario at volume) and
# `bench-rtp-chan N` (N RTP packets in ChannelData over UDP: media-heavy). Suricata (the trixie
# chroot's, as scripts/suricata-check.sh runs it, eve.json with msstun events, no rules) with
# 1, 2 and 4 worker threads (autofp), tshark (host, msstun.so, every message's type as a
# field). CPU seconds are user+sys of the whole run minus the same run on an empty capture
# (start-up); messages are the STUN messages tshark+msstun counts; vs_tshark is tshark's CPU
# seconds over Suricata's (how many times more messages per CPU second). Prints one table.
# Not in CI (about 6 minutes on 2 shared cores).
set -euo pipefail
N=${1:-50000}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$SRC"
. scripts/wireshark-lib.sh
W="$SRC/target/bench-suricata"
rm -rf "$W"; mkdir -p "$W"
cargo build -q --release -p msstun-fixtures
target/release/msstun-fixtures scale "$W/scale.pcapng" "$N" 2>/dev/null
target/release/msstun-fixtures bench-rtp-chan "$W/media.pcapng" "$N" 2>/dev/null
target/release/msstun-fixtures bench "$W/tiny.pcapng" 1 2>/dev/null
# Build (and install) through the check script once, on the tiny capture.
scripts/suricata-check.sh "$W/tiny.pcapng" "$W/warm" >/dev/null 2>&1
SO=/var/cache/msstun-suricata-target/release/libmsstun_suricata.so
sed "s#/usr/local/lib/suricata/msstun.so#$SO#" crates/msstun-suricata/msstun.yaml > "$W/msstun.yaml"
: > "$W/rules"

PLUGIN=${MSSTUN_PLUGIN:-}
ws=$(msstun_ws_version)
for cand in "$SRC/target/ws-$ws/release" "$SRC/target/release"; do
    [ -z "$PLUGIN" ] && [ -f "$cand/libmsstun_plugin.so" ] && PLUGIN="$cand/libmsstun_plugin.so"
done
[ -n "$PLUGIN" ] || { cargo build -q --release -p msstun-plugin; PLUGIN=$SRC/target/release/libmsstun_plugin.so; }
msstun_plugin_home "$W/home" "$PLUGIN" "$ws"
chmod -R a+rX "$W"

# Child CPU of a subshell, measured by python around it.
cpu() { python3 - "$@" <<'PY'
import os, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t = os.times()
print(f"{t.children_user + t.children_system:.3f}")
PY
}
suri() { # capture workers
    local ratio
    ratio=$(python3 -c "print($2 / $(nproc))")
    rm -rf "$W/log"; mkdir -p "$W/log"
    cpu scripts/chroot-run.sh trixie suricata -c /etc/suricata/suricata.yaml --include "$W/msstun.yaml" \
        -r "$1" -l "$W/log" -S "$W/rules" -k none --runmode autofp \
        --set threading.detect-thread-ratio="$ratio"
}
tsh() {
    cpu setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$W/home" \
        tshark -r "$1" -T fields -e msstun.type
}
msgs() {
    msstun_as_nobody "$W/home" \
        tshark -r "$1" -Y msstun.type -T fields -E occurrence=a -e msstun.type | tr ',' '\n' | grep -c .
}
printf '%-8s %8s %8s %-16s %9s %12s %12s %9s\n' capture packets messages decoder cpu_s msgs/cpu_s pkts/cpu_s vs_tshark
for cap in scale media; do
    f="$W/$cap.pcapng"
    pk=$(capinfos -c -M "$f" | awk '/Number of packets/ {print $NF}')
    m=$(msgs "$f")
    t_base=$(tsh "$W/tiny.pcapng"); t_all=$(tsh "$f")
    t=$(python3 -c "print(max($t_all - $t_base, 0.001))")
    tr=$(python3 -c "print($m / $t)")
    printf '%-8s %8s %8s %-16s %9.2f %12.0f %12.0f %9s\n' "$cap" "$pk" "$m" "tshark+msstun" "$t" "$tr" \
        "$(python3 -c "print($pk / $t)")" "1.00"
    for w in 1 2 4; do
        s_base=$(suri "$W/tiny.pcapng" "$w"); s_all=$(suri "$f" "$w")
        n=$(grep -c '"event_type":"msstun"' "$W/log/eve.json" || true)
        s=$(python3 -c "print(max($s_all - $s_base, 0.001))")
        printf '%-8s %8s %8s %-16s %9.2f %12.0f %12.0f %9.2f   (%s msstun events)\n' "$cap" "$pk" "$m" \
            "suricata w=$w" "$s" "$(python3 -c "print($m / $s)")" "$(python3 -c "print($pk / $s)")" \
            "$(python3 -c "print($t / $s)")" "$n"
    done
done
