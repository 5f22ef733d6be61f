//! Scenarios added for the plugin's follow-up work (RFC 6062 client-initiated connections,
//! reused TCP 5-tuples, TCP benchmarks). Kept apart from [`crate::scenarios`].

use crate::capture::{sa, Capture, Dir};
use crate::scenarios::Fixture;
use crate::stun::{attr, msg};
use msstun::Class;
use msstun::Role;

/// Follow-up scenarios with a one-line description (`bench-tcp*` take a message count).
pub const SCENARIOS: &[(&str, &str)] = &[
    ("connect", "RFC 6062 client-initiated: Connect → CONNECTION-ID → ConnectionBind data connection, plus a peer-initiated ConnectionAttempt and an unmatched ConnectionBind (port 3478)"),
    ("reuse", "two TCP connections on the same 5-tuple (new ISN): an RFC 6062 data connection, then plain STUN (port 3478)"),
    ("bench-tcp", "N STUN messages over TCP port 3478, one per segment (count, default 200000)"),
    ("bench-tcp-coalesced", "N STUN messages over TCP port 3478, 8 per segment (count, default 200000)"),
    ("scale", "N messages like a busy TURN server: allocations, ICE pairs, RFC 6062 data connections, port 3478 (count)"),
    ("mutants", "structure-aware mutants for scripts/fuzz-tshark.sh, UDP+TCP port 3478 (count = seed)"),
];

/// Builds a follow-up scenario by name.
pub fn build(name: &str, n: usize) -> Option<Fixture> {
    Some(match name {
        "connect" => connect(),
        "reuse" => reuse(),
        "bench-tcp" => bench_tcp(n, 1),
        "bench-tcp-coalesced" => bench_tcp(n, 8),
        "mutants" => crate::mutate::mutants(n as u64),
        "scale" => crate::scale::scale(n),
        _ => {
            return crate::ports::build(name)
                .or_else(|| crate::clients::build(name, n))
                .or_else(|| crate::media::build(name, n))
        }
    })
}

fn tid(n: u32) -> [u8; 12] {
    crate::stun::tid_with(0xf011_0000, n)
}

/// Constants of the `connect` scenario.
pub mod connect_consts {
    /// CONNECTION-ID of the client-initiated (Connect) connection.
    pub const CONNECT_CID: u32 = 0x1111_0001;
    /// CONNECTION-ID of the peer-initiated (ConnectionAttempt) connection.
    pub const ATTEMPT_CID: u32 = 0x2222_0002;
    /// CONNECTION-ID nobody announced.
    pub const STRAY_CID: u32 = 0x3333_0003;
    /// Peer the client connects to.
    pub const CONNECT_PEER: [u8; 4] = [192, 0, 2, 10];
    /// Its port.
    pub const CONNECT_PEER_PORT: u16 = 8080;
    /// Peer that connects to the relayed address.
    pub const ATTEMPT_PEER: [u8; 4] = [198, 51, 100, 20];
    /// Its port.
    pub const ATTEMPT_PEER_PORT: u16 = 40404;
}

/// Control connection with an allocation, a Connect (client-initiated) and a
/// ConnectionAttempt (peer-initiated); a data connection for each, and one ConnectionBind
/// naming a CONNECTION-ID never announced.
fn connect() -> Fixture {
    use connect_consts::*;
    let mut cap = Capture::new();
    let server = sa([10, 7, 0, 1], 3478);
    let client = sa([10, 7, 0, 2], 41000);
    let relay = sa([10, 7, 0, 1], 50000);
    let connect_peer = sa(CONNECT_PEER, CONNECT_PEER_PORT);
    let attempt_peer = sa(ATTEMPT_PEER, ATTEMPT_PEER_PORT);

    let mut c = cap.tcp_open(client, server);
    let m = msg("Allocate", Class::Request, tid(1))
        .attr_u8_padded(attr(Role::RequestedTransport), 6)
        .finish();
    cap.tcp_send(&mut c, Dir::C2S, &m);
    cap.label("alloc-req");
    let m = msg("Allocate", Class::SuccessResponse, tid(1))
        .xor_address(attr(Role::RelayedAddress), relay)
        .xor_address(attr(Role::XorMappedAddress), client)
        .attr_u32(attr(Role::Lifetime), 600)
        .finish();
    cap.tcp_send(&mut c, Dir::S2C, &m);
    cap.label("alloc-ok");
    let m = msg("Connect", Class::Request, tid(2))
        .xor_address(attr(Role::PeerAddress), connect_peer)
        .finish();
    cap.tcp_send(&mut c, Dir::C2S, &m);
    cap.label("connect-req");
    let m = msg("Connect", Class::SuccessResponse, tid(2))
        .attr_u32(attr(Role::ConnectionId), CONNECT_CID)
        .finish();
    cap.tcp_send(&mut c, Dir::S2C, &m);
    cap.label("connect-ok");

    // Client-initiated data connection.
    let mut d = cap.tcp_open(sa([10, 7, 0, 2], 41001), server);
    let m = msg("ConnectionBind", Class::Request, tid(3))
        .attr_u32(attr(Role::ConnectionId), CONNECT_CID)
        .finish();
    cap.tcp_send(&mut d, Dir::C2S, &m);
    cap.label("connect-bind");
    let m = msg("ConnectionBind", Class::SuccessResponse, tid(3)).finish();
    cap.tcp_send(&mut d, Dir::S2C, &m);
    cap.label("connect-bind-ok");
    cap.tcp_send(&mut d, Dir::C2S, b"GET / HTTP/1.0\r\n\r\n");
    cap.label("connect-data-out");
    cap.tcp_send(&mut d, Dir::S2C, b"HTTP/1.0 204 No Content\r\n\r\n");
    cap.label("connect-data-in");

    // Peer-initiated.
    let m = msg("ConnectionAttempt", Class::Indication, tid(4))
        .xor_address(attr(Role::PeerAddress), attempt_peer)
        .attr_u32(attr(Role::ConnectionId), ATTEMPT_CID)
        .finish();
    cap.tcp_send(&mut c, Dir::S2C, &m);
    cap.label("attempt");
    let mut e = cap.tcp_open(sa([10, 7, 0, 2], 41002), server);
    let m = msg("ConnectionBind", Class::Request, tid(5))
        .attr_u32(attr(Role::ConnectionId), ATTEMPT_CID)
        .finish();
    cap.tcp_send(&mut e, Dir::C2S, &m);
    cap.label("attempt-bind");
    let m = msg("ConnectionBind", Class::SuccessResponse, tid(5)).finish();
    cap.tcp_send(&mut e, Dir::S2C, &m);
    cap.label("attempt-bind-ok");
    cap.tcp_send(&mut e, Dir::S2C, b"peer says hi");
    cap.label("attempt-data-in");

    // A ConnectionBind nobody announced.
    let mut x = cap.tcp_open(sa([10, 7, 0, 2], 41003), server);
    let m = msg("ConnectionBind", Class::Request, tid(6))
        .attr_u32(attr(Role::ConnectionId), STRAY_CID)
        .finish();
    cap.tcp_send(&mut x, Dir::C2S, &m);
    cap.label("stray-bind");
    let m = msg("ConnectionBind", Class::ErrorResponse, tid(6))
        .error_code(400, "Bad Request")
        .finish();
    cap.tcp_send(&mut x, Dir::S2C, &m);
    cap.label("stray-bind-err");
    cap.tcp_close(&mut x);
    cap.tcp_close(&mut e);
    cap.tcp_close(&mut d);
    cap.tcp_close(&mut c);
    Fixture::from_capture("connect", cap)
}

/// One client port used twice: first an RFC 6062 data connection (ConnectionBind, then
/// raw data), closed; then, after a SYN with a new ISN, plain STUN Binding transactions.
fn reuse() -> Fixture {
    let mut cap = Capture::new();
    let server = sa([10, 8, 0, 1], 3478);
    let client = sa([10, 8, 0, 2], 42000);
    let mut a = cap.tcp_open_isn(client, server, 0x0100_0000, 0x0a00_0000);
    let m = msg("ConnectionBind", Class::Request, tid(10))
        .attr_u32(attr(Role::ConnectionId), 0x4444_0004)
        .finish();
    cap.tcp_send(&mut a, Dir::C2S, &m);
    cap.label("first-bind");
    let m = msg("ConnectionBind", Class::SuccessResponse, tid(10)).finish();
    cap.tcp_send(&mut a, Dir::S2C, &m);
    cap.label("first-bind-ok");
    cap.tcp_send(&mut a, Dir::C2S, b"raw relayed bytes");
    cap.label("first-data");
    cap.tcp_close(&mut a);

    let mut b = cap.tcp_open_isn(client, server, 0x5500_0000, 0x6600_0000);
    let m = msg("Binding", Class::Request, tid(11))
        .string(attr(Role::Software), "second connection")
        .fingerprint()
        .finish();
    cap.tcp_send(&mut b, Dir::C2S, &m);
    cap.label("second-req");
    let m = msg("Binding", Class::SuccessResponse, tid(11))
        .xor_address(attr(Role::XorMappedAddress), client)
        .fingerprint()
        .finish();
    cap.tcp_send(&mut b, Dir::S2C, &m);
    cap.label("second-resp");
    cap.tcp_close(&mut b);
    Fixture::from_capture("reuse", cap)
}

/// `n` STUN messages over TCP port 3478 (so the built-in `stun` decodes them by port) on
/// 100 connections: Binding requests client→server and their success responses
/// server→client, `per_seg` messages per TCP segment (requests and responses each
/// coalesced in their direction).
fn bench_tcp(n: usize, per_seg: usize) -> Fixture {
    let mut cap = Capture::new();
    let server = sa([10, 1, 0, 1], 3478);
    let conns = 100usize;
    let per_conn = n.div_ceil(conns);
    let mut done = 0usize;
    let mut k = 0u32;
    for ci in 0..conns {
        if done >= n {
            break;
        }
        let client = sa([10, 2, (ci >> 8) as u8, ci as u8], 20000 + ci as u16);
        let mut t = cap.tcp_open(client, server);
        let mut left = per_conn.min(n - done);
        while left > 0 {
            // One round: `per_seg` requests in a segment, then up to `per_seg` responses.
            let reqs = per_seg.min(left.div_ceil(2)).max(1);
            let mut seg = Vec::new();
            let first = k;
            for _ in 0..reqs {
                seg.extend(
                    msg("Binding", Class::Request, tid(k))
                        .string(attr(Role::Software), "bench")
                        .attr_u32(attr(Role::Priority), k)
                        .fingerprint()
                        .finish(),
                );
                k += 1;
            }
            cap.tcp_send(&mut t, Dir::C2S, &seg);
            left -= reqs;
            let resps = reqs.min(left);
            if resps > 0 {
                let mut seg = Vec::new();
                for i in 0..resps as u32 {
                    seg.extend(
                        msg("Binding", Class::SuccessResponse, tid(first + i))
                            .xor_address(attr(Role::XorMappedAddress), client)
                            .fingerprint()
                            .finish(),
                    );
                }
                cap.tcp_send(&mut t, Dir::S2C, &seg);
                left -= resps;
            }
            done += reqs + resps;
        }
        cap.tcp_close(&mut t);
    }
    Fixture::from_capture(
        if per_seg == 1 {
            "bench-tcp"
        } else {
            "bench-tcp-coalesced"
        },
        cap,
    )
}
