#!/usr/bin/env bash
# Capture coturn refusing a peer with 403 Forbidden, for the Suricata plugin's rule check
# (scripts/suricata-ci.sh: `msstun.error_code:403`). coturn without --allow-loopback-peers
# forbids loopback peers (RFC 8656 §9.1: 403 to CreatePermission/ChannelBind), so
# turnutils_uclient's allocations over UDP and over TCP succeed (after the 401 challenge)
# and its permission for peer 127.0.0.1 gets 403. All inside a private network namespace
# holding only `lo`, captured there with dumpcap.
# Writes tests/captures/coturn-403.pcapng (or $1). Needs root, turnserver, turnutils_uclient.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/tests/captures/coturn-403.pcapng}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unshare --net bash -s "$work" "$out" <<'NS'
set -euo pipefail
work=$1 out=$2
ip link set lo up
no_dtls=$(turnserver -h 2>&1 | grep -q -- --no-dtls && echo --no-dtls || true)
turnserver -n --no-cli --no-tls $no_dtls --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
  --listening-port=3478 --lt-cred-mech --user=alice:wonderland --realm=example.org \
  --log-file=stdout --simple-log --min-port=41000 --max-port=41999 \
  --pidfile="$work/turnserver.pid" --db="$work/turndb" >"$work/turnserver.log" 2>&1 &
ts=$!
dumpcap -q -i lo -f "port 3478" -w "$work/cap.pcapng" 2>"$work/dumpcap.log" &
dc=$!
trap 'kill "$ts" "$dc" 2>/dev/null || true' EXIT
sleep 2
# -n 1 -m 1: one message, one client; -e: the peer (forbidden); -y would make it its own peer.
timeout 10 turnutils_uclient -u alice -w wonderland -p 3478 -e 127.0.0.1 -r 34800 -n 1 -m 1 127.0.0.1 \
  >"$work/udp.log" 2>&1 || true
timeout 10 turnutils_uclient -t -u alice -w wonderland -p 3478 -e 127.0.0.1 -r 34800 -n 1 -m 1 127.0.0.1 \
  >"$work/tcp.log" 2>&1 || true
sleep 1
kill "$dc"; wait "$dc" || true
kill "$ts"; wait "$ts" || true
cp "$work/cap.pcapng" "$out"
NS
chmod a+r "$out"
echo "$out: $(capinfos -c -M "$out" | awk '/Number of packets/ {print $NF}') packets"
