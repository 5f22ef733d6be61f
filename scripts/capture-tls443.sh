#!/usr/bin/env bash
# Capture real TLS on TCP port 443 from a real TLS stack (OpenSSL's s_server and s_client) on
# loopback, for the test that msstun leaves real TLS on 443 to Wireshark's TLS dissector
# (tests/shared_port.rs). Writes tests/captures/real-tls-443.pcapng (kept in the repository;
# run this again only to refresh it). Needs root (port 443, dumpcap on lo), openssl, dumpcap.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-tests/captures/real-tls-443.pcapng}
tmp=$(mktemp -d)
cleanup() { kill "${srv:-}" "${cap:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=msstun.test \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
dumpcap -q -i lo -f 'tcp port 443' -w "$tmp/cap.pcapng" 2>/dev/null &
cap=$!
sleep 1
openssl s_server -quiet -accept 127.0.0.1:443 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -www \
    >/dev/null 2>&1 &
srv=$!
sleep 1
# One TLS 1.3 and one TLS 1.2 session, each with an HTTP request and its answer.
for v in -tls1_3 -tls1_2; do
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout 10 openssl s_client -quiet "$v" -connect 127.0.0.1:443 -servername msstun.test \
            >/dev/null 2>&1 || true
done
sleep 1
kill "$srv" 2>/dev/null || true
sleep 1
kill -INT "$cap"
wait "$cap" 2>/dev/null || true
mkdir -p "$(dirname "$out")"
cp "$tmp/cap.pcapng" "$out"
echo "wrote $out ($(capinfos -c "$out" 2>/dev/null | awk '/Number of packets/ {print $4}') packets)"
