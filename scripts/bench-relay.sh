#!/usr/bin/env bash
# Benchmark msstun-relay on loopback, in one run:
#   * TCP throughput of a ChannelData stream (what a TCP TURN media leg carries):
#     direct, relay with decoding, relay with decoding off (--no-decode), socat;
#   * added TCP round-trip latency (STUN Binding request ping-pong against an echo):
#     p50/p99 per path minus the direct path;
#   * resident memory of the relay (decoding on) with 1000 idle TCP connections,
#     each having carried one STUN message.
# Targets (issue 4): relay ≥ 0.8× socat's throughput, p99 added latency < 200 µs,
# < 100 MB RSS at 1000 connections. Exits non-zero if a target is missed.
#
# Usage: scripts/bench-relay.sh [MiB per throughput run, default 512] [round trips, default 20000]
set -euo pipefail

MIB=${1:-512}
RTTS=${2:-20000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if ! command -v socat >/dev/null; then
    echo "installing socat" >&2
    apt-get update -qq && apt-get install -y -qq socat >/dev/null
fi
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }

cargo build --release -q -p msstun-relay
RELAY=$ROOT/target/release/msstun-relay
ulimit -n 65536 2>/dev/null || ulimit -n 8192

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 not up" >&2; exit 1; }

# Payload: an Allocate request as a TCP TURN connection starts, then ChannelData frames
# (channel 0x4000, 1200-byte payloads: 4-byte aligned, no padding). Also a garbage
# stream of the same size, to show what an undecodable stream costs.
python3 - "$WORK/chan.bin" "$WORK/garbage.bin" "$MIB" <<'PY'
import sys, os
path, gpath, mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
alloc = bytes.fromhex("000300082112a442") + os.urandom(12) + bytes.fromhex("0019000411000000")
frame = bytes([0x40, 0x00, 0x04, 0xB0]) + os.urandom(1200)
reps = (mib << 20) // len(frame)
with open(path, "wb") as f:
    f.write(alloc)
    chunk = frame * 1024
    for _ in range(reps // 1024):
        f.write(chunk)
size = os.path.getsize(path)
with open(gpath, "wb") as f:
    block = b"\xff" + os.urandom((1 << 20) - 1)
    while size > 0:
        f.write(block[:size]); size -= len(block)
PY
BYTES=$(stat -c %s "$WORK/chan.bin")

SINK=$(free_port); ECHO=$(free_port)
socat -u TCP-LISTEN:$SINK,reuseaddr,fork GOPEN:/dev/null & PIDS+=($!)
socat TCP-LISTEN:$ECHO,reuseaddr,fork,nodelay PIPE & PIDS+=($!)
wait_port $SINK; wait_port $ECHO

# start_relay VAR UPSTREAM_PORT [ARGS...]: sets $VAR to the relay's port, ${VAR}_PID to its pid.
start_relay() {
    local var=$1 up=$2; shift 2
    local p; p=$(free_port)
    "$RELAY" --listen 127.0.0.1:$p --upstream 127.0.0.1:$up --tcp --quiet "$@" >/dev/null 2>"$WORK/relay-$p.err" &
    PIDS+=($!); printf -v "$var" %s "$p"; printf -v "${var}_PID" %s "$!"
}
# start_socat VAR UPSTREAM_PORT
start_socat() {
    local var=$1 p; p=$(free_port)
    socat TCP-LISTEN:$p,reuseaddr,fork,nodelay TCP:127.0.0.1:$2,nodelay >/dev/null 2>&1 &
    PIDS+=($!); printf -v "$var" %s "$p"
}

start_relay T_DEC $SINK
start_relay T_RAW $SINK --no-decode
start_socat T_SOC $SINK
start_relay L_DEC $ECHO
start_relay L_RAW $ECHO --no-decode
start_socat L_SOC $ECHO
for p in $T_DEC $T_RAW $T_SOC $L_DEC $L_RAW $L_SOC; do wait_port $p; done

python3 - "$WORK/chan.bin" "$WORK/garbage.bin" "$BYTES" "$RTTS" \
    "direct:$SINK:$ECHO" "relay:$T_DEC:$L_DEC" "relay --no-decode:$T_RAW:$L_RAW" "socat:$T_SOC:$L_SOC" <<'PY' | tee "$WORK/results"
import socket, sys, time, os
path, gpath, nbytes, rtts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
paths = [a.rsplit(":", 2) for a in sys.argv[5:]]

def throughput(port, path=path):
    s = socket.create_connection(("127.0.0.1", port))
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        s.sendfile(f)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):   # EOF once the sink has read everything and closed
        pass
    dt = time.perf_counter() - t0
    s.close()
    return nbytes / dt

# 100-byte STUN Binding request (RFC 5389 header + SOFTWARE).
msg = bytes.fromhex("0001005021 12a442".replace(" ", "")) + os.urandom(12) \
    + bytes.fromhex("8022004c") + b"x" * 76
def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
def rtt(s):
    t0 = time.perf_counter_ns()
    s.sendall(msg)
    got = 0
    while got < len(msg):
        got += len(s.recv(4096))
    return time.perf_counter_ns() - t0

# Latency: all paths interleaved in batches of 50 round trips, so that load from other
# processes on the machine hits every path alike.
socks = {name: connect(int(lp)) for name, _, lp in paths}
for s in socks.values():
    for _ in range(200):
        rtt(s)
samples = {name: [] for name in socks}
for _ in range(rtts // 50):
    for name, s in socks.items():
        samples[name].extend(rtt(s) for _ in range(50))
lat = {}
for name, v in samples.items():
    v.sort()
    lat[name] = (v[len(v) // 2] / 1000, v[int(len(v) * 0.99)] / 1000)

res = {}
for name, tp, lp in paths:
    best = max(throughput(int(tp)) for _ in range(3))
    res[name] = (best,) + lat[name]
garb = max(throughput(int(paths[1][1]), gpath) for _ in range(2))
d = res["direct"]
print(f"{'path':20} {'MB/s':>9} {'RTT p50 µs':>11} {'RTT p99 µs':>11} {'added p50':>10} {'added p99':>10}")
for name, (bw, p50, p99) in res.items():
    print(f"{name:20} {bw/1e6:9.0f} {p50:11.1f} {p99:11.1f} {p50-d[1]:10.1f} {p99-d[2]:10.1f}")
soc = res["socat"][0]
print(f"RATIO relay/socat throughput: {res['relay'][0]/soc:.2f}")
print(f"RATIO relay/relay --no-decode throughput: {res['relay'][0]/res['relay --no-decode'][0]:.2f}")
print(f"RATIO relay --no-decode/socat throughput: {res['relay --no-decode'][0]/soc:.2f}")
print(f"ADDED relay p99 latency µs: {res['relay'][2]-d[2]:.1f}")
print(f"GARBAGE relay throughput on an undecodable stream: {garb/1e6:.0f} MB/s ({garb/soc:.2f}× socat)")
PY

# Memory at 1000 idle connections (decoding on), each after one STUN message.
HOLD=$(free_port)
python3 - "$HOLD" <<'PY' & PIDS+=($!)
import socket, sys, selectors
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", int(sys.argv[1]))); l.listen(2048)
sel = selectors.DefaultSelector(); sel.register(l, selectors.EVENT_READ)
held = []
while True:
    for key, _ in sel.select():
        if key.fileobj is l:
            c, _ = l.accept(); c.setblocking(False); held.append(c); sel.register(c, selectors.EVENT_READ)
        else:
            try:
                if not key.fileobj.recv(65536):
                    sel.unregister(key.fileobj)
            except OSError:
                sel.unregister(key.fileobj)
PY
wait_port $HOLD
start_relay M_DEC $HOLD
wait_port $M_DEC
RSS0=$(awk '/VmRSS/{print $2}' /proc/$M_DEC_PID/status)
python3 - "$M_DEC" "$M_DEC_PID" "$RSS0" <<'PY' | tee -a "$WORK/results"
import socket, sys, time, os
port, pid, rss0 = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
msg = bytes.fromhex("000100502112a442") + os.urandom(12) + bytes.fromhex("8022004c") + b"x" * 76
conns = []
for i in range(1000):
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(msg); conns.append(s)
time.sleep(1.5)
rss = int(next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")))
print(f"RSS relay idle: {rss0/1024:.1f} MB; with 1000 connections: {rss/1024:.1f} MB ({(rss-rss0)/1000:.1f} KB per connection)")
print(f"RSSMB: {rss/1024:.1f}")
for s in conns: s.close()
PY

echo
echo "machine: $(nproc) cores, $(uname -r); payload $((BYTES >> 20)) MiB of 1204-byte ChannelData frames; $RTTS round trips"
python3 - "$WORK/results" <<'PY'
import sys
t = open(sys.argv[1]).read()
def val(key):
    return float(next(l for l in t.splitlines() if l.startswith(key)).split(":")[-1].split()[0])
ok = True
r = val("RATIO relay/socat"); a = val("ADDED relay p99"); m = val("RSSMB")
for name, good, txt in [("throughput vs socat ≥ 0.8×", r >= 0.8, f"{r:.2f}×"),
                        ("p99 added latency < 200 µs", a < 200, f"{a:.0f} µs"),
                        ("RSS @1000 conns < 100 MB", m < 100, f"{m:.1f} MB")]:
    print(f"{'PASS' if good else 'MISS'}  {name}: {txt}")
    ok &= good
sys.exit(0 if ok else 1)
PY
