#!/usr/bin/env python3
"""Our TURN client glue for real media through a real TURN server (coturn).

It allocates on the TURN server (long-term credentials), then forwards RTP datagrams to a
peer through the allocation:

  udp  Allocate (UDP relay), ChannelBind 0x4000 to the peer, every RTP datagram as
       ChannelData (RFC 8656 §12); the peer is a UDP socket of this script.
  tcp  RFC 6062: Allocate (TCP relay) on a control connection, CreatePermission, Connect
       to the peer (a TCP listener of this script), a data connection with ConnectionBind,
       then, as ICE-TCP does, an RFC 4571-framed connectivity check (Binding request) and
       every RTP datagram as one RFC 4571 frame.

The RTP comes from a real RTP stack (e.g. GStreamer's udpsink) sent to --rtp-port on
127.0.0.1, or, with --generate N, is made here (N packets of PCMU, one sequence number
skipped: a loss the sender really has). The peer counts what arrives and the script
prints `sent N received M` and exits non-zero unless every packet arrived. Talks to
loopback only. No real TURN client we could install does RFC 6062 Connect/ConnectionBind
with media, so this small client is ours (the RTP, the TURN server and the capture are
real).

usage: turn_media.py --server 127.0.0.1:3478 --user U --password P --mode udp|tcp
                     (--rtp-port PORT [--idle 2] | --generate N --ssrc X) [--peer-port PORT]
"""
import argparse
import hashlib
import hmac
import os
import select
import socket
import struct
import sys
import time
import zlib

COOKIE = 0x2112A442
ALLOCATE, REFRESH, SEND, DATA, CREATE_PERMISSION, CHANNEL_BIND = 3, 4, 6, 7, 8, 9
CONNECT, CONNECTION_BIND = 0x000A, 0x000B
USERNAME, MESSAGE_INTEGRITY, ERROR_CODE, REALM, NONCE = 0x0006, 0x0008, 0x0009, 0x0014, 0x0015
CHANNEL_NUMBER, LIFETIME, XOR_PEER, XOR_RELAYED, REQUESTED_TRANSPORT = 0x000C, 0x000D, 0x0012, 0x0016, 0x0019
CONNECTION_ID, FINGERPRINT = 0x002A, 0x8028


def attr(t, v):
    pad = (4 - len(v) % 4) % 4
    return struct.pack("!HH", t, len(v)) + v + b"\0" * pad


def xor_addr(host, port):
    ip = struct.unpack("!I", socket.inet_aton(host))[0]
    return struct.pack("!BBHI", 0, 1, port ^ (COOKIE >> 16), ip ^ COOKIE)


def parse_xor_addr(v):
    _, _, port, ip = struct.unpack("!BBHI", v[:8])
    return socket.inet_ntoa(struct.pack("!I", ip ^ COOKIE)), port ^ (COOKIE >> 16)


class Auth:
    def __init__(self, user, password):
        self.user, self.password = user, password
        self.realm = self.nonce = None

    def key(self):
        realm = self.realm.decode()
        return hashlib.md5(f"{self.user}:{realm}:{self.password}".encode()).digest()


def build(method, cls, attrs, auth=None, tid=None):
    tid = tid or os.urandom(12)
    mtype = (method & 0x0F) | ((method & 0x70) << 1) | ((method & 0xF80) << 2)
    mtype |= (cls & 1) << 4 | (cls & 2) << 7
    body = b"".join(attrs)
    if auth and auth.nonce:
        body += attr(USERNAME, auth.user.encode()) + attr(REALM, auth.realm) + attr(NONCE, auth.nonce)
        hdr = struct.pack("!HHI", mtype, len(body) + 24, COOKIE) + tid
        mac = hmac.new(auth.key(), hdr + body, hashlib.sha1).digest()
        body += attr(MESSAGE_INTEGRITY, mac)
    hdr = struct.pack("!HHI", mtype, len(body) + 8, COOKIE) + tid
    crc = (zlib.crc32(hdr + body) ^ 0x5354554E) & 0xFFFFFFFF
    body += attr(FINGERPRINT, struct.pack("!I", crc))
    return struct.pack("!HHI", mtype, len(body), COOKIE) + tid + body


def parse(msg):
    mtype, length, _ = struct.unpack("!HHI", msg[:8])
    cls = ((mtype >> 4) & 1) | ((mtype >> 7) & 2)
    attrs, off = {}, 20
    while off + 4 <= 20 + length:
        t, l = struct.unpack("!HH", msg[off:off + 4])
        attrs.setdefault(t, msg[off + 4:off + 4 + l])
        off += 4 + l + (4 - l % 4) % 4
    return cls, attrs, msg[8:20]


class Stream:
    """STUN over TCP: read whole messages."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def send(self, m):
        self.sock.sendall(m)

    def recv(self):
        while True:
            if len(self.buf) >= 20:
                n = 20 + struct.unpack("!H", self.buf[2:4])[0]
                if len(self.buf) >= n:
                    m, self.buf = self.buf[:n], self.buf[n:]
                    return m
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("TURN server closed the connection")
            self.buf += chunk


class Dgram:
    def __init__(self, sock, server):
        self.sock, self.server = sock, server

    def send(self, m):
        self.sock.sendto(m, self.server)

    def recv(self):
        self.sock.settimeout(3)
        return self.sock.recvfrom(65536)[0]


def transact(t, auth, method, attrs):
    """Send a request (again with credentials after a 401/438) and return its answer."""
    for _ in range(3):
        tid = os.urandom(12)
        t.send(build(method, 0, attrs, auth, tid))
        while True:
            cls, a, rtid = parse(t.recv())
            if rtid == tid:
                break
        if cls == 2:
            return a
        code = a.get(ERROR_CODE, b"\0\0\0\0")
        code = code[2] * 100 + code[3]
        if code in (401, 438) and NONCE in a:
            auth.realm, auth.nonce = a.get(REALM, auth.realm), a[NONCE]
            continue
        raise SystemExit(f"method {method:#x}: error {code} {a.get(ERROR_CODE, b'')[4:]!r}")
    raise SystemExit(f"method {method:#x}: no success")


def rtp_source(args):
    """Yield RTP datagrams: from the RTP stack on --rtp-port, or generated."""
    if args.generate:
        for i in range(args.generate + 1):
            if i == args.generate // 2:
                continue  # a packet the sender never sends: one lost
            hdr = struct.pack("!BBHII", 0x80, 0, 4000 + i, 160 * i, args.ssrc)
            yield hdr + bytes((i * 7 + k) & 0xFF for k in range(160))
            time.sleep(0.02)
        return
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", args.rtp_port))
    print(f"ready: RTP on 127.0.0.1:{args.rtp_port}", flush=True)
    s.settimeout(args.start_timeout)
    first = True
    while True:
        try:
            p, _ = s.recvfrom(65536)
        except socket.timeout:
            if first:
                raise SystemExit("no RTP arrived")
            return
        if first:
            s.settimeout(args.idle)
            first = False
        yield p


def run_udp(args, host, port, auth):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    t = Dgram(sock, (host, port))
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", args.peer_port))
    peer_addr = peer.getsockname()
    transact(t, auth, ALLOCATE, [attr(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0])), attr(LIFETIME, struct.pack("!I", 600))])
    transact(t, auth, CHANNEL_BIND, [attr(CHANNEL_NUMBER, struct.pack("!HH", 0x4000, 0)), attr(XOR_PEER, xor_addr(*peer_addr))])
    sent = received = 0
    for p in rtp_source(args):
        pad = (4 - len(p) % 4) % 4 if args.pad else 0
        sock.sendto(struct.pack("!HH", 0x4000, len(p)) + p + b"\0" * pad, (host, port))
        sent += 1
        while select.select([peer], [], [], 0)[0]:
            peer.recvfrom(65536)
            received += 1
    deadline = time.time() + 2
    while received < sent and time.time() < deadline:
        if select.select([peer], [], [], 0.1)[0]:
            peer.recvfrom(65536)
            received += 1
    return sent, received


def run_tcp(args, host, port, auth):
    ctl = Stream(socket.create_connection((host, port)))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.peer_port))
    listener.listen(1)
    peer_addr = listener.getsockname()
    transact(ctl, auth, ALLOCATE, [attr(REQUESTED_TRANSPORT, bytes([6, 0, 0, 0])), attr(LIFETIME, struct.pack("!I", 600))])
    transact(ctl, auth, CREATE_PERMISSION, [attr(XOR_PEER, xor_addr(*peer_addr))])
    a = transact(ctl, auth, CONNECT, [attr(XOR_PEER, xor_addr(*peer_addr))])
    cid = a[CONNECTION_ID]
    peer, _ = listener.accept()
    data = Stream(socket.create_connection((host, port)))
    transact(data, auth, CONNECTION_BIND, [attr(CONNECTION_ID, cid)])
    # As ICE-TCP does (RFC 6544): a connectivity check, RFC 4571-framed, before the media.
    check = build(0x001, 0, [attr(USERNAME, b"peer:glue"), attr(0x0024, struct.pack("!I", 0x6E001EFF))])
    data.sock.sendall(struct.pack("!H", len(check)) + check)
    sent, got, checks = 0, b"", 1
    for p in rtp_source(args):
        data.sock.sendall(struct.pack("!H", len(p)) + p)
        sent += 1
    peer.settimeout(2)
    received, want = 0, None
    while received < sent + checks:
        try:
            chunk = peer.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        got += chunk
        while len(got) >= 2 and len(got) >= 2 + struct.unpack("!H", got[:2])[0]:
            got = got[2 + struct.unpack("!H", got[:2])[0]:]
            received += 1
    data.sock.close()
    peer.close()
    ctl.sock.close()
    return sent, received - checks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", default="127.0.0.1:3478")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--mode", choices=("udp", "tcp"), required=True)
    ap.add_argument("--rtp-port", type=int)
    ap.add_argument("--generate", type=int, default=0)
    ap.add_argument("--ssrc", type=lambda s: int(s, 0), default=0x5EED0001)
    ap.add_argument("--peer-port", type=int, default=0)
    ap.add_argument("--pad", action="store_true", help="pad ChannelData to 4 bytes over UDP too")
    ap.add_argument("--idle", type=float, default=2.0, help="seconds without RTP that end the run")
    ap.add_argument("--start-timeout", type=float, default=20.0)
    args = ap.parse_args()
    if not args.generate and not args.rtp_port:
        ap.error("--rtp-port or --generate")
    host, port = args.server.rsplit(":", 1)
    auth = Auth(args.user, args.password)
    run = run_udp if args.mode == "udp" else run_tcp
    sent, received = run(args, host, int(port), auth)
    print(f"{args.mode}: sent {sent} received {received}", flush=True)
    sys.exit(0 if sent and sent == received else 1)


if __name__ == "__main__":
    main()
