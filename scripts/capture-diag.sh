#!/usr/bin/env bash
# Capture the failures of issue 21 against a real coturn, for tests/diag.rs and the analysis
# crate's tests: each scenario of scripts/diag_scenarios.py (our small TURN/ICE client; the
# server's answers are coturn's) in its own capture, tests/captures/diag-<scenario>.pcapng:
#   forbidden  coturn refusing loopback peers (no --allow-loopback-peers): CreatePermission → 403
#   unbound    RFC 6062 ConnectionAttempt never bound, control connection kept 35 s
#   fallback   Allocate to UDP 3480 (nothing listens) three times, then TCP 3478
#   oneway     ICE checks between two host candidates, answered one way only
# Everything runs inside a private network namespace holding only `lo` (nothing leaves it).
# Needs root (unshare, dumpcap), turnserver (coturn), python3. Takes about 50 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
outdir=${1:-$root/tests/captures}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$outdir"
unshare --net bash -s "$work" "$root/scripts/diag_scenarios.py" "$outdir" <<'NS'
set -euo pipefail
work=$1 client=$2 outdir=$3
ip link set lo up
no_dtls=$(turnserver -h 2>&1 | grep -q -- --no-dtls && echo --no-dtls || true)
serve() { # port name extra-options...
  local port=$1 name=$2; shift 2
  turnserver -n --no-cli --no-tls $no_dtls --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
    --listening-port="$port" --lt-cred-mech --user=alice:wonderland --realm=example.org \
    --log-file=stdout --simple-log --min-port=42000 --max-port=42999 "$@" \
    --pidfile="$work/$name.pid" --db="$work/$name.db" >"$work/$name.log" 2>&1 &
  echo $!
}
open_ts=$(serve 3478 open --allow-loopback-peers)
strict_ts=$(serve 3479 strict)
trap 'kill "$open_ts" "$strict_ts" 2>/dev/null || true' EXIT
sleep 2
run() { # scenario server-port
  dumpcap -q -i lo -w "$work/$1.pcapng" 2>"$work/dumpcap-$1.log" &
  local dc=$!
  sleep 1
  python3 "$client" "$1" --server "127.0.0.1:$2"
  sleep 1
  kill "$dc"; wait "$dc" || true
  cp "$work/$1.pcapng" "$outdir/diag-$1.pcapng"
}
run forbidden 3479
run fallback 3478
run oneway 3478
run unbound 3478
NS
for s in forbidden fallback oneway unbound; do
  f=$outdir/diag-$s.pcapng
  chmod a+r "$f"
  echo "$f: $(capinfos -c -M "$f" | awk '/Number of packets/ {print $NF}') packets"
done
