#!/usr/bin/env bash
# Capture a WebRTC stack's ICE and TURN traffic for the parity test (tests/parity.rs):
# two aioice agents (the ICE of aiortc) allocate relays on a coturn and connect to each
# other, all inside a private network namespace holding only `lo` (nothing leaves it),
# captured there with dumpcap. Writes tests/captures/webrtc-aioice.pcapng (or $1) and, beside
# it, aioice's own list of its candidate pairs (states, nominated pair) as $1 with .log for
# .pcapng.
#
# Needs root (unshare, dumpcap), turnserver (coturn), python3 with venv; installs
# aioice from PyPI into a throw-away venv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/tests/captures/webrtc-aioice.pcapng}
port=3478
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv" >/dev/null
"$work/venv/bin/pip" install -q aioice
mkdir -p "$(dirname "$out")"
unshare --net bash -s "$work" "$port" "$root/scripts/webrtc_ice.py" "$out" <<'NS'
set -euo pipefail
work=$1 port=$2 script=$3 out=$4
ip link set lo up
no_dtls=$(turnserver -h 2>&1 | grep -q -- --no-dtls && echo --no-dtls || true)
turnserver -n --no-cli --no-tls $no_dtls --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
  --listening-port="$port" --lt-cred-mech --user=alice:wonderland --realm=example.org \
  --allow-loopback-peers --log-file=stdout --simple-log --min-port=41000 --max-port=41999 \
  --pidfile="$work/turnserver.pid" --db="$work/turndb" >"$work/turnserver.log" 2>&1 &
ts=$!
dumpcap -q -i lo -f udp -w "$work/cap.pcapng" 2>"$work/dumpcap.log" &
dc=$!
sleep 2
"$work/venv/bin/python" "$script" "$port" alice wonderland "$work/pairs.log"
sleep 1
kill "$dc"; wait "$dc" || true
kill "$ts"; wait "$ts" || true
cp "$work/cap.pcapng" "$out"
cp "$work/pairs.log" "${out%.pcapng}.log"
NS
chmod a+r "$out" "${out%.pcapng}.log"
echo "$out: $(capinfos -c -M "$out" | awk '/Number of packets/ {print $NF}') packets"
