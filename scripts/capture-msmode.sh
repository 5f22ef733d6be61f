#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Real Microsoft-mode ICE/TURN traffic for the tests (tests/msmode.rs): two libnice agents
# (tests/real/msmode-ice.c) do ICE with each other on loopback in libnice's OC2007R2 and
# OC2007 compatibility modes, agent 0 also asking a coturn on loopback for a relayed
# candidate over UDP and over TCP ([MS-TURN] framing as libnice sends it). dumpcap on `lo`
# captures only the agents' and coturn's ports. Writes:
#
#   tests/captures/msmode-oc2007r2.pcapng   MS-ICE2: host checks + keepalives, TURN over UDP
#   tests/captures/msmode-oc2007.pcapng     OC2007: host checks + keepalives, TURN over TCP
#
# Needs root (dumpcap on lo), gcc, libnice-dev, pkg-config, coturn, dumpcap (scripts/deps.sh).
#   scripts/capture-msmode.sh [OUTDIR]      (default tests/captures)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-tests/captures}
mkdir -p "$out"
tmp=$(mktemp -d /tmp/msmode-capture.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

gcc -O1 -Wall -Wextra -o "$tmp/msmode-ice" tests/real/msmode-ice.c $(pkg-config --cflags --libs nice)

TURN_PORT=${MSMODE_TURN_PORT:-34780}
USER=msmode
PASS=msmode-secret
no_dtls=""
turnserver -h 2>&1 | grep -q -- --no-dtls && no_dtls=--no-dtls
turnserver -n --no-cli --no-tls $no_dtls --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
    --listening-port="$TURN_PORT" --lt-cred-mech --user="$USER:$PASS" --realm=msmode.test \
    --allow-loopback-peers --log-file=stdout --simple-log --min-port=41000 --max-port=41099 \
    --pidfile="$tmp/turnserver.pid" --db="$tmp/turndb" >"$tmp/turnserver.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$TURN_PORT") 2>/dev/null && break
    sleep 0.1
done

# capture MODE PORT_BASE TURN_TYPE FILE
capture() {
    local mode=$1 base=$2 ttype=$3 file=$4
    local filter="port $TURN_PORT or portrange $base-$((base + 19)) or portrange 41000-41099"
    dumpcap -q -i lo -f "$filter" -w "$tmp/cap.pcapng" 2>"$tmp/dumpcap.log" &
    local dpid=$!
    sleep 1.5
    # SECONDS=2: the first keepalive Binding Indication follows READY at once; one more
    # pair of keepalives every 25 s would only make the capture bigger.
    if ! "$tmp/msmode-ice" "$mode" "$base" 2 127.0.0.1 "$TURN_PORT" "$USER" "$PASS" "$ttype" \
        2>"$tmp/ice.log"; then
        cat "$tmp/ice.log" >&2
        kill "$dpid"
        echo "capture-msmode: libnice $mode ICE failed" >&2
        exit 1
    fi
    sleep 0.5
    kill -INT "$dpid"
    wait "$dpid" || true
    cp "$tmp/cap.pcapng" "$file"
    echo "capture-msmode: $file ($(stat -c %s "$file") bytes)" >&2
}

capture OC2007R2 47100 udp "$out/msmode-oc2007r2.pcapng"
capture OC2007 47200 tcp "$out/msmode-oc2007.pcapng"
