#!/usr/bin/env bash
# Capture a real TURN session over DTLS (RFC 8656 §3.1, coturn's DTLS listener on 5349) for
# tests/tls.rs: coturn's own client `turnutils_uclient -S` (DTLS 1.2) allocates, binds a
# channel (which installs the permission), creates the permission again, sends data to a
# `turnutils_peer` echo through the channel and releases the allocation — all inside a
# private network namespace holding only `lo`, captured there with dumpcap. uclient has no
# key log option: scripts/keylog-preload.c (LD_PRELOAD) makes its OpenSSL append the DTLS
# secrets to $SSLKEYLOGFILE (NSS key log format). The certificate is self-signed, made by
# openssl for this run.
#
# Writes tests/captures/turn-dtls.pcapng (or $1) and its key log (.keys beside it).
# Needs root (unshare, dumpcap), coturn (turnserver, turnutils_uclient, turnutils_peer),
# openssl, cc.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/tests/captures/turn-dtls.pcapng}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$root/scripts/capture-lib.sh"
capture_cert "$work"
cc -shared -fPIC -O2 -o "$work/keylog-preload.so" "$root/scripts/keylog-preload.c" -ldl
mkdir -p "$(dirname "$out")"
unshare --net bash -s "$work" "$root" <<'NS'
set -euo pipefail
work=$1
. "$2/scripts/capture-lib.sh"
ip link set lo up
# DTLS only: no plain UDP/TCP or TLS listeners.
capture_turnserver "$work" --no-udp --no-tcp --no-tls --tls-listening-port=5349 \
  --min-port=41000 --max-port=41099 --pidfile="$work/turn.pid" --db="$work/turndb" \
  >"$work/turnserver.log" 2>&1 &
ts=$!
turnutils_peer -L 127.0.0.1 -p 3480 >"$work/peer.log" 2>&1 &
pe=$!
dumpcap -q -i lo -f 'udp port 5349' -w "$work/cap.pcapng" 2>"$work/dumpcap.log" &
dc=$!
trap 'kill $dc $ts $pe 2>/dev/null || true' EXIT
sleep 2
# -S DTLS, -c no RTCP allocation, -n 2 messages of 60 bytes, 5 ms apart, through a channel.
SSLKEYLOGFILE="$work/keys.log" LD_PRELOAD="$work/keylog-preload.so" \
  timeout 20 turnutils_uclient -S -c -u alice -w wonderland -e 127.0.0.1 -r 3480 \
    -n 2 -l 60 -z 5 -m 1 -p 5349 127.0.0.1 >"$work/uclient.log" 2>&1
sleep 1
kill "$dc"; wait "$dc" || true
kill $ts $pe; wait $ts $pe || true
trap - EXIT
NS
cp "$work/cap.pcapng" "$out"
cp "$work/keys.log" "${out%.pcapng}.keys"
chmod a+r "$out" "${out%.pcapng}.keys"
echo "$out: $(capinfos -c -M "$out" | awk '/Number of packets/ {print $NF}') packets"
