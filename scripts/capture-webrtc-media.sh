#!/usr/bin/env bash
# Capture real WebRTC media through TURN (the SRTP/SRTCP and TURN-over-TLS tests,
# tests/media_srtp.rs and tests/tls.rs): two aiortc peers (ICE, DTLS-SRTP, SRTP) send each
# other audio through a coturn, relay candidates only, once per TURN transport —
# UDP 3478, TCP 3478, TLS on 443 without ALPN and TLS on 5349 with ALPN "stun.turn" —,
# then one STUN Binding over DTLS on 5349 (OpenSSL's s_client), all inside a private network
# namespace holding only `lo` (nothing leaves it), captured there with dumpcap. The certificate is self-signed, made by openssl for this run. The
# clients write their TLS secrets (NSS key log format) beside the capture.
#
# Writes tests/captures/webrtc-media.pcapng (or $1) and its key log (.keys for .pcapng).
#
# Needs root (unshare, dumpcap), turnserver (coturn), openssl, python3 with venv; installs
# aiortc from PyPI into a throw-away venv (or uses $MSSTUN_AIORTC_VENV when set).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/tests/captures/webrtc-media.pcapng}
seconds=${MSSTUN_MEDIA_SECONDS:-1.5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
venv=${MSSTUN_AIORTC_VENV:-}
if [ -z "$venv" ]; then
    venv=$work/venv
    python3 -m venv "$venv" >/dev/null
    "$venv/bin/pip" install -q aiortc
fi
. "$root/scripts/capture-lib.sh"
capture_cert "$work"
mkdir -p "$(dirname "$out")"
unshare --net bash -s "$work" "$venv" "$root/scripts/webrtc_media.py" "$seconds" "$root" <<'NS'
set -euo pipefail
work=$1 venv=$2 script=$3 seconds=$4
. "$5/scripts/capture-lib.sh"
ip link set lo up
# coturn listens for TLS on one port per process: one for UDP/TCP 3478 and TLS/DTLS 5349,
# one for TLS/DTLS on 443.
turn() { capture_turnserver "$work" "$@"; }
turn --listening-port=3478 --tls-listening-port=5349 --min-port=41000 --max-port=41499 \
  --pidfile="$work/turn1.pid" --db="$work/turndb1" >"$work/turnserver1.log" 2>&1 &
ts1=$!
turn --listening-port=3479 --tls-listening-port=443 --min-port=41500 --max-port=41999 \
  --pidfile="$work/turn2.pid" --db="$work/turndb2" >"$work/turnserver2.log" 2>&1 &
ts="$! $ts1"
dumpcap -q -i lo -w "$work/cap.pcapng" 2>"$work/dumpcap.log" &
dc=$!
trap 'kill $dc $ts 2>/dev/null || true' EXIT
sleep 2
py=$venv/bin/python
"$py" "$script" 127.0.0.1 3478 udp alice wonderland "$seconds"
"$py" "$script" 127.0.0.1 3478 tcp alice wonderland "$seconds"
"$py" "$script" 127.0.0.1 443 tls alice wonderland "$seconds" "$work/keys.log"
"$py" "$script" 127.0.0.1 5349 tls alice wonderland "$seconds" "$work/keys.log" stun.turn
# TURN's DTLS listener: no WebRTC client here speaks TURN over DTLS; OpenSSL's s_client sends
# one STUN Binding request as DTLS application data and writes its own key log.
printf '\x00\x01\x00\x00\x21\x12\xa4\x42msstun-dtls!' >"$work/binding.bin"
(cat "$work/binding.bin"; sleep 1) |
  timeout 10 openssl s_client -dtls1_2 -connect 127.0.0.1:5349 -quiet \
    -keylogfile "$work/dtls-keys.log" >/dev/null 2>&1 || true
cat "$work/dtls-keys.log" >>"$work/keys.log"
sleep 1
kill "$dc"; wait "$dc" || true
kill $ts; wait $ts || true
trap - EXIT
NS
cp "$work/cap.pcapng" "$out"
cp "$work/keys.log" "${out%.pcapng}.keys"
chmod a+r "$out" "${out%.pcapng}.keys"
echo "$out: $(capinfos -c -M "$out" | awk '/Number of packets/ {print $NF}') packets"
