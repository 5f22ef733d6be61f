#!/usr/bin/env bash
# Capture real media through a real TURN server for tests/media_real.rs: GStreamer (a real
# RTP stack: audiotestsrc → mulawenc → rtppcmupay → udpsink) sends two RTP streams to our
# TURN client glue (scripts/turn_media.py), which forwards them through coturn — one over a
# UDP allocation as ChannelData, one over an RFC 6062 TCP allocation (Connect,
# ConnectionBind, RFC 4571 frames on the data connection) — to peers on loopback. All of
# it inside a private network namespace holding only `lo` (nothing leaves it), captured
# there with dumpcap, so the capture holds each stream twice: on the sender's leg before
# TURN (GStreamer → glue, UDP ports 30000 and 30002) and inside TURN.
# Writes tests/captures/turn-media.pcapng (or $1).
#
# Needs root (unshare, dumpcap), turnserver (coturn), gst-launch-1.0 with
# gstreamer1.0-plugins-good (rtppcmupay, mulawenc) and -base (audiotestsrc), python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/tests/captures/turn-media.pcapng}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$out")"
unshare --net bash -s "$work" "$root/scripts/turn_media.py" "$out" <<'NS'
set -euo pipefail
work=$1 glue=$2 out=$3
ip link set lo up
no_dtls=$(turnserver -h 2>&1 | grep -q -- --no-dtls && echo --no-dtls || true)
turnserver -n --no-cli --no-tls $no_dtls --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
  --listening-port=3478 --lt-cred-mech --user=alice:wonderland --realm=example.org \
  --allow-loopback-peers --log-file=stdout --simple-log --min-port=41000 --max-port=41999 \
  --pidfile="$work/turnserver.pid" --db="$work/turndb" >"$work/turnserver.log" 2>&1 &
ts=$!
dumpcap -q -i lo -w "$work/cap.pcapng" 2>"$work/dumpcap.log" &
dc=$!
trap 'kill "$ts" "$dc" 2>/dev/null || true' EXIT
sleep 2
send() { # port ssrc: 60 packets of 20 ms PCMU from a real RTP payloader
  gst-launch-1.0 -q audiotestsrc num-buffers=60 samplesperbuffer=160 \
    ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay ssrc="$2" pt=0 \
    ! udpsink host=127.0.0.1 port="$1" sync=true
}
run() { # mode rtp-port peer-port ssrc
  python3 "$glue" --server 127.0.0.1:3478 --user alice --password wonderland --mode "$1" \
    --rtp-port "$2" --peer-port "$3" >"$work/glue-$1.log" 2>&1 &
  local g=$!
  for _ in $(seq 50); do grep -q ready "$work/glue-$1.log" && break; sleep 0.1; done
  send "$2" "$4"
  wait "$g" || { cat "$work/glue-$1.log" >&2; exit 1; }
  cat "$work/glue-$1.log"
}
run udp 30000 31000 0x7ea10001
run tcp 30002 31002 0x7ea10002
sleep 1
kill "$dc"; wait "$dc" || true
kill "$ts"; wait "$ts" || true
cp "$work/cap.pcapng" "$out"
NS
chmod a+r "$out"
echo "$out: $(capinfos -c -M "$out" | awk '/Number of packets/ {print $NF}') packets"
