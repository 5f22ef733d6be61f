//! Scenarios for msstun out of the box: the standard STUN/TURN ports without Decode As,
//! [MS-TURN] on TCP 443 beside TLS, non-STUN traffic on an owned port, and an ICE check inside
//! a Send indication (the payload the built-in stun would otherwise take the flow with).

use std::net::SocketAddr;

use msstun::build::{self, MsTcpType};
use msstun::framing::Framing;
use msstun::Class;
use msstun::Role;

use crate::capture::{sa, Capture, Dir};
use crate::scenarios::Fixture;
use crate::stun::{attr, ms_attr, ms_msg, msg};

/// Out-of-the-box scenarios with a one-line description.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("ports", "STUN on UDP 3478-3481 and TCP 3478, non-STUN datagrams on 3480, STUN on a random UDP port (no Decode As needed)"),
    ("tls-port", "[MS-TURN] on TCP 443: pseudo-TLS then MS-TURN framing, MS-TURN framing alone, plain STUN"),
    ("relayed-check", "TURN over UDP on a random port: Send/Data indications whose DATA holds ICE checks, then more TURN"),
];

/// Builds one of these scenarios by name.
pub fn build(name: &str) -> Option<Fixture> {
    Some(match name {
        "ports" => ports(),
        "tls-port" => tls_port(),
        "relayed-check" => relayed_check(),
        _ => return None,
    })
}

fn tid(n: u32) -> [u8; 12] {
    crate::stun::tid_with(0x0b0b_0000, n)
}

fn tid16(n: u32) -> [u8; 16] {
    crate::stun::tid16_with(0x0c0c_0000, 0x0b0b_0000, 500, n)
}

fn binding_pair(cap: &mut Capture, c: SocketAddr, s: SocketAddr, n: u32, label: &str) {
    let req = msg("Binding", Class::Request, tid(n))
        .fingerprint()
        .finish();
    cap.udp(c, s, &req);
    cap.label(&format!("{label}-req"));
    let resp = msg("Binding", Class::SuccessResponse, tid(n))
        .xor_address(attr(Role::XorMappedAddress), c)
        .fingerprint()
        .finish();
    cap.udp(s, c, &resp);
    cap.label(&format!("{label}-resp"));
}

fn ports() -> Fixture {
    let mut cap = Capture::new();
    let server = [10, 9, 0, 2];
    for (i, port) in [3478u16, 3479, 3480, 3481].into_iter().enumerate() {
        let c = sa([10, 9, 0, 1], 40000 + i as u16);
        binding_pair(
            &mut cap,
            c,
            sa(server, port),
            i as u32,
            &format!("udp{port}"),
        );
    }
    // Datagrams on a Teams media port that are not STUN: an RTP packet and two payloads of
    // Teams' own relay protocols (first bytes 0x03 and 0x06: no STUN header fits them).
    let (c, s) = (sa([10, 9, 0, 1], 40002), sa(server, 3480));
    let mut rtp = vec![
        0x80, 0x6f, 0x00, 0x01, 0, 0, 0x03, 0xe8, 0x11, 0x22, 0x33, 0x44,
    ];
    rtp.extend_from_slice(&[0xaa; 40]);
    cap.udp(c, s, &rtp);
    cap.label("udp3480-rtp");
    let mut teams = vec![0x03, 0x00, 0xfe, 0xcb, 0x12, 0x34, 0x56, 0x78];
    teams.extend_from_slice(&[0x5c; 60]);
    cap.udp(c, s, &teams);
    cap.label("udp3480-0x03");
    let mut teams6 = vec![0x06, 0x01, 0x00, 0x10];
    teams6.extend_from_slice(&[0x77; 30]);
    cap.udp(s, c, &teams6);
    cap.label("udp3480-0x06");
    // STUN on a port nobody registers: msstun's heuristic.
    binding_pair(
        &mut cap,
        sa([10, 9, 0, 1], 40010),
        sa(server, 41234),
        10,
        "udp-random",
    );
    // TURN over TCP 3478.
    let client = sa([10, 9, 0, 1], 40020);
    let mut t = cap.tcp_open(client, sa(server, 3478));
    let req = msg("Allocate", Class::Request, tid(20))
        .attr_u32(attr(Role::RequestedTransport), 6 << 24)
        .finish();
    cap.tcp_send(&mut t, Dir::C2S, &req);
    cap.label("tcp3478-req");
    let resp = msg("Allocate", Class::ErrorResponse, tid(20))
        .error_code(401, "Unauthorized")
        .string(attr(Role::Realm), "example.org")
        .string(attr(Role::Nonce), "abcdef0123456789")
        .finish();
    cap.tcp_send(&mut t, Dir::S2C, &resp);
    cap.label("tcp3478-resp");
    cap.tcp_close(&mut t);
    Fixture::from_capture("ports", cap)
}

fn ms_allocate(n: u32) -> (Vec<u8>, Vec<u8>) {
    let req = ms_msg("Allocate", Class::Request, tid16(n))
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .attr_u32(ms_attr(Role::Lifetime), 480)
        .finish();
    let resp = ms_msg("Allocate", Class::SuccessResponse, tid16(n))
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .address(ms_attr(Role::MappedAddress), sa([10, 8, 0, 2], 50000))
        .attr_u32(ms_attr(Role::Lifetime), 480)
        .finish();
    (req, resp)
}

fn tls_port() -> Fixture {
    let mut cap = Capture::new();
    let server = [10, 8, 0, 2];
    // Pseudo-TLS ([MS-TURN] §2.1.1), then MS-TURN TCP framing.
    let mut c = cap.tcp_open(sa([10, 8, 0, 1], 50400), sa(server, 443));
    let random: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
    cap.tcp_send(
        &mut c,
        Dir::C2S,
        &build::pseudo_tls_client_hello_with(&random, 0x0018),
    );
    cap.label("pseudo-client-hello");
    let sid: Vec<u8> = (0..32u8).map(|i| i ^ 0xa5).collect();
    cap.tcp_send(
        &mut c,
        Dir::S2C,
        &build::pseudo_tls_server_hello_with(&random, &sid, 0x0018),
    );
    cap.label("pseudo-server-hello");
    let (req, resp) = ms_allocate(1);
    cap.tcp_send(&mut c, Dir::C2S, &build::ms_tcp(MsTcpType::Control, &req));
    cap.label("pseudo-alloc-req");
    cap.tcp_send(&mut c, Dir::S2C, &build::ms_tcp(MsTcpType::Control, &resp));
    cap.label("pseudo-alloc-ok");
    cap.tcp_close(&mut c);
    // MS-TURN TCP framing without the pseudo-TLS hellos.
    let mut m = cap.tcp_open(sa([10, 8, 0, 1], 50401), sa(server, 443));
    let (req, resp) = ms_allocate(2);
    cap.tcp_send(&mut m, Dir::C2S, &build::frame(Framing::MsTurnTcp, &req));
    cap.label("mstcp-alloc-req");
    cap.tcp_send(&mut m, Dir::S2C, &build::frame(Framing::MsTurnTcp, &resp));
    cap.label("mstcp-alloc-ok");
    cap.tcp_close(&mut m);
    // RFC 5389 TURN over TCP 443, unframed.
    let mut p = cap.tcp_open(sa([10, 8, 0, 1], 50402), sa(server, 443));
    let req = msg("Allocate", Class::Request, tid(3))
        .attr_u32(attr(Role::RequestedTransport), 17 << 24)
        .finish();
    cap.tcp_send(&mut p, Dir::C2S, &req);
    cap.label("plain-alloc-req");
    cap.tcp_close(&mut p);
    Fixture::from_capture("tls-port", cap)
}

fn relayed_check() -> Fixture {
    let mut cap = Capture::new();
    let (client, server) = (sa([10, 7, 0, 1], 45000), sa([10, 7, 0, 2], 34567));
    let peer = sa([192, 0, 2, 77], 50000);
    let req = msg("Allocate", Class::Request, tid(1))
        .attr_u32(attr(Role::RequestedTransport), 17 << 24)
        .finish();
    cap.udp(client, server, &req);
    cap.label("alloc-req");
    let ok = msg("Allocate", Class::SuccessResponse, tid(1))
        .xor_address(attr(Role::RelayedAddress), sa([10, 7, 0, 2], 60000))
        .xor_address(attr(Role::XorMappedAddress), client)
        .attr_u32(attr(Role::Lifetime), 600)
        .finish();
    cap.udp(server, client, &ok);
    cap.label("alloc-ok");
    for i in 0..4u32 {
        // The client's ICE check to the peer, inside a Send indication…
        let check = msg("Binding", Class::Request, tid(100 + i))
            .string(attr(Role::Username), "peerfrag:ourfrag")
            .fingerprint()
            .finish();
        let send = msg("Send", Class::Indication, tid(200 + i))
            .xor_address(attr(Role::PeerAddress), peer)
            .attr(attr(Role::Data), &check)
            .finish();
        cap.udp(client, server, &send);
        cap.label(&format!("send{i}"));
        // …and the peer's answer, inside a Data indication.
        let answer = msg("Binding", Class::SuccessResponse, tid(100 + i))
            .xor_address(attr(Role::XorMappedAddress), sa([10, 7, 0, 2], 60000))
            .fingerprint()
            .finish();
        let data = msg("Data", Class::Indication, tid(300 + i))
            .xor_address(attr(Role::PeerAddress), peer)
            .attr(attr(Role::Data), &answer)
            .finish();
        cap.udp(server, client, &data);
        cap.label(&format!("data{i}"));
    }
    let refresh = msg("Refresh", Class::Request, tid(2))
        .attr_u32(attr(Role::Lifetime), 600)
        .finish();
    cap.udp(client, server, &refresh);
    cap.label("refresh-req");
    let ok = msg("Refresh", Class::SuccessResponse, tid(2))
        .attr_u32(attr(Role::Lifetime), 600)
        .finish();
    cap.udp(server, client, &ok);
    cap.label("refresh-ok");
    Fixture::from_capture("relayed-check", cap)
}
