#!/usr/bin/env python3
"""The failures of issue 21, made against a real TURN server (coturn) for the diagnosis
captures (scripts/capture-diag.sh). Our small TURN/ICE client (the STUN encoding of
scripts/turn_media.py); the TURN server's answers are coturn's own.

  forbidden  UDP allocation, then CreatePermission for a loopback peer on a server that
             refuses loopback peers: coturn answers 403 (forbidden_peer).
  unbound    RFC 6062 TCP allocation and a permission for the peer; the peer connects to
             the relayed address, coturn sends ConnectionAttempt; the client never sends
             ConnectionBind and keeps the control connection 35 s (attempt_not_bound).
  fallback   Allocate over UDP to a port where nothing listens (sent 3 times, as a client
             retransmits), then over TCP to the server, which grants it
             (udp_unanswered_tcp_used).
  authfail   Allocate with a wrong password: 401 to the authenticated retry (auth_failed; the
             relay's tests only).
  oneway     Two ICE agents on loopback, host candidates: A's checks are answered by B, B's
             checks to A are never answered (A drops them) (checks_one_way).

usage: diag_scenarios.py SCENARIO --server 127.0.0.1:3478 [--udp-port 3480]
"""
import argparse
import hashlib
import hmac
import os
import socket
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from turn_media import (  # noqa: E402
    ALLOCATE, CREATE_PERMISSION, ERROR_CODE, LIFETIME, NONCE, REALM, REQUESTED_TRANSPORT,
    XOR_PEER, XOR_RELAYED, Auth, Dgram, Stream, attr, build, parse, parse_xor_addr, xor_addr,
    COOKIE,
)

BINDING = 1
USERNAME, MESSAGE_INTEGRITY, FINGERPRINT = 0x0006, 0x0008, 0x8028
PRIORITY, ICE_CONTROLLING, ICE_CONTROLLED = 0x0024, 0x802A, 0x8029


def request(t, auth, method, attrs):
    """A request, retried with credentials after 401/438; returns (class, attributes)."""
    for _ in range(3):
        tid = os.urandom(12)
        t.send(build(method, 0, attrs, auth, tid))
        while True:
            cls, a, rtid = parse(t.recv())
            if rtid == tid:
                break
        if cls == 3:
            code = a.get(ERROR_CODE, b"\0\0\0\0")
            code = code[2] * 100 + code[3]
            if code in (401, 438) and NONCE in a and not (code == 401 and auth.nonce):
                auth.realm, auth.nonce = a.get(REALM, auth.realm), a[NONCE]
                continue
            return code, a
        return 0, a
    return -1, {}


def allocate(t, auth, transport):
    code, a = request(t, auth, ALLOCATE, [
        attr(REQUESTED_TRANSPORT, bytes([transport, 0, 0, 0])),
        attr(LIFETIME, struct.pack("!I", 600)),
    ])
    if code:
        raise SystemExit(f"Allocate: error {code}")
    return parse_xor_addr(a[XOR_RELAYED])


def forbidden(args, host, port):
    auth = Auth(args.user, args.password)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t = Dgram(s, (host, port))
    relayed = allocate(t, auth, 17)
    code, _ = request(t, auth, CREATE_PERMISSION, [attr(XOR_PEER, xor_addr("127.0.0.1", 40000))])
    print(f"relayed {relayed[0]}:{relayed[1]} CreatePermission 127.0.0.1:40000 -> {code}")
    if code != 403:
        raise SystemExit(f"expected 403, got {code}")
    request(t, auth, 4, [attr(LIFETIME, struct.pack("!I", 0))])


def authfail(args, host, port):
    """Allocate with a wrong password: the server answers the authenticated retry with 401."""
    auth = Auth(args.user, args.password + "-wrong")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    code, _ = request(Dgram(s, (host, port)), auth, ALLOCATE, [
        attr(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))])
    print(f"Allocate with a wrong password -> {code}")
    if code != 401:
        raise SystemExit(f"expected 401, got {code}")


def unbound(args, host, port):
    auth = Auth(args.user, args.password)
    c = socket.create_connection((host, port))
    t = Stream(c)
    relayed = allocate(t, auth, 6)
    code, _ = request(t, auth, CREATE_PERMISSION, [attr(XOR_PEER, xor_addr("127.0.0.1", 0))])
    if code:
        raise SystemExit(f"CreatePermission: error {code}")
    peer = socket.create_connection(relayed)
    print(f"relayed {relayed[0]}:{relayed[1]} peer {peer.getsockname()}")
    # The ConnectionAttempt arrives; nobody binds it.
    c.settimeout(5)
    cls, a, _ = parse(t.recv())
    print(f"indication class {cls}, attributes {sorted(a)}")
    deadline = time.time() + args.wait
    peer.settimeout(1)
    while time.time() < deadline:
        try:
            if peer.recv(100) == b"":
                raise ConnectionResetError
        except socket.timeout:
            pass
        except ConnectionResetError:
            print(f"server dropped the peer's connection after {args.wait - (deadline - time.time()):.1f} s")
            break
    time.sleep(max(0.0, deadline - time.time()))
    # The client then deletes its allocation (a Refresh with lifetime 0) and leaves.
    request(t, auth, 4, [attr(LIFETIME, struct.pack("!I", 0))])
    c.close()


def fallback(args, host, port):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tid = os.urandom(12)
    m = build(ALLOCATE, 0, [attr(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))], None, tid)
    for wait in (0.5, 1.0, 2.0):
        u.sendto(m, (host, args.udp_port))
        time.sleep(wait)
    auth = Auth(args.user, args.password)
    c = socket.create_connection((host, port))
    relayed = allocate(Stream(c), auth, 17)
    print(f"UDP {args.udp_port} unanswered, TCP {port} relayed {relayed[0]}:{relayed[1]}")
    c.close()


def check(user, password, tid, controlling):
    role = ICE_CONTROLLING if controlling else ICE_CONTROLLED
    body = (attr(USERNAME, user.encode()) + attr(PRIORITY, struct.pack("!I", 0x6E0001FF))
            + attr(role, os.urandom(8)))
    return sign(0x0001, body, tid, password)


def sign(mtype, body, tid, password):
    hdr = struct.pack("!HHI", mtype, len(body) + 24, COOKIE) + tid
    body += attr(MESSAGE_INTEGRITY, hmac.new(password.encode(), hdr + body, hashlib.sha1).digest())
    hdr = struct.pack("!HHI", mtype, len(body) + 8, COOKIE) + tid
    crc = (zlib.crc32(hdr + body) ^ 0x5354554E) & 0xFFFFFFFF
    body += attr(FINGERPRINT, struct.pack("!I", crc))
    return struct.pack("!HHI", mtype, len(body), COOKIE) + tid + body


def success(req, src, password):
    tid = req[8:20]
    ip = struct.unpack("!I", socket.inet_aton(src[0]))[0]
    xm = struct.pack("!BBHI", 0, 1, src[1] ^ (COOKIE >> 16), ip ^ COOKIE)
    return sign(0x0101, attr(0x0020, xm), tid, password)


def oneway(args, host, port):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind((host, 0))
    b.bind((host, 0))
    a.setblocking(False)
    b.setblocking(False)
    ua, pa, ub, pb = "aUfr", "a-password-of-22chars!", "bUfr", "b-password-of-22chars!"
    # RFC 8445 pacing: each agent retransmits its check (same transaction) 5 times.
    ta, tb = os.urandom(12), os.urandom(12)
    for n in range(5):
        a.sendto(check(f"{ub}:{ua}", pb, ta, True), b.getsockname())
        b.sendto(check(f"{ua}:{ub}", pa, tb, False), a.getsockname())
        end = time.time() + 0.2 * (n + 1)
        while time.time() < end:
            try:
                m, src = b.recvfrom(2048)
                if m[:2] == b"\x00\x01":  # B answers A's checks
                    b.sendto(success(m, src, pb), src)
            except BlockingIOError:
                pass
            try:
                a.recvfrom(2048)  # A reads B's checks and answers nothing
            except BlockingIOError:
                pass
            time.sleep(0.01)
    print(f"A {a.getsockname()} B {b.getsockname()}: A never answers")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("scenario", choices=["forbidden", "unbound", "fallback", "oneway", "authfail"])
    p.add_argument("--server", default="127.0.0.1:3478")
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="wonderland")
    p.add_argument("--udp-port", type=int, default=3480)
    p.add_argument("--wait", type=float, default=35.0)
    args = p.parse_args()
    host, port = args.server.rsplit(":", 1)
    globals()[args.scenario](args, host, int(port))


if __name__ == "__main__":
    main()
