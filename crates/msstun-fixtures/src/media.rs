//! Media through TURN: the same RTP, RTCP, SRTP, DTLS and STUN inside every carrier of
//! relayed data msstun knows, and the same RTP sent without TURN.
//!
//! `media` holds one session per [`CARRIERS`] entry, each on its own client port with its
//! own SSRCs: an ICE check and its answer, two RTP streams (one with a lost packet and two
//! packets swapped), two RTCP sender reports, then DTLS-SRTP: a DTLS handshake (ClientHello,
//! ServerHello with `use_srtp`) and an SRTP stream (RTP header, opaque payload, 80-bit tag). `media-direct` sends the RTP and SRTP of every session as plain UDP between
//! the peers (port [`DIRECT_BASE`]` + k` on both ends), with the same timing, so
//! `tshark -z rtp,streams` can be compared with and without TURN. [`expected`] says what
//! the generator put in, for the tests.

use std::net::SocketAddr;
use std::time::Duration;

use msstun::build::{self, channel_data, ms_tcp, rfc4571, MsTcpType};
use msstun::{Class, Role};

use crate::capture::{sa, Capture, Dir};
use crate::scenarios::Fixture;
use crate::stun::{attr, ms_attr, ms_msg, msg};

/// Media scenarios with a one-line description.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("media", "RTP, RTCP, SRTP, DTLS and STUN inside every TURN carrier (ChannelData UDP/TCP, 0xFF10 TCP/UDP, Send/Data, MS-TURN, RFC 6062 framed/unframed) and a plain ICE flow, with loss and reordering"),
    ("media-direct", "the RTP and SRTP of `media` sent without TURN (UDP, port 20000+k on both ends)"),
    ("bench-rtp-chan", "N RTP packets in ChannelData over UDP 3478 (count, default 200000)"),
    ("bench-rtp-6062", "N RTP packets in RFC 4571 frames on an RFC 6062 data connection, TCP 3478 (count, default 200000)"),
];

/// Builds one of these scenarios by name; the `bench-rtp-*` ones take a packet count `n`.
pub fn build(name: &str, n: usize) -> Option<Fixture> {
    Some(match name {
        "media" => media(false),
        "media-direct" => media(true),
        "bench-rtp-chan" => bench_rtp(false, n),
        "bench-rtp-6062" => bench_rtp(true, n),
        _ => return None,
    })
}

/// Benchmark captures: `n` RTP packets (PCMU, 160 bytes, one stream each way) inside
/// ChannelData over UDP 3478 (after Allocate and ChannelBind), or in RFC 4571 frames on an
/// RFC 6062 data connection to TCP 3478 (Allocate, Connect, ConnectionBind, one framed ICE
/// check, then one frame per segment).
fn bench_rtp(tcp: bool, n: usize) -> Fixture {
    let mut cap = Capture::new();
    let client = sa(CLIENT, 45000);
    let server = sa(SERVER, 3478);
    let packet = |i: usize| {
        let (dir, ssrc) = if i.is_multiple_of(2) {
            (Dir::C2S, 0xbe00_0001)
        } else {
            (Dir::S2C, 0xbe00_0002)
        };
        let seq = (i / 2) as u16;
        (dir, rtp(0, false, seq, 160 * u32::from(seq), ssrc, 160))
    };
    if tcp {
        let mut c = cap.tcp_open(client, server);
        let mut send = |cap: &mut Capture, dir: Dir, b: &[u8]| cap.tcp_send(&mut c, dir, b);
        allocate(&mut cap, &mut send, 1, true, client);
        send(
            &mut cap,
            Dir::C2S,
            &msg("Connect", Class::Request, tid(2))
                .xor_address(attr(Role::PeerAddress), PEER)
                .finish(),
        );
        send(
            &mut cap,
            Dir::S2C,
            &msg("Connect", Class::SuccessResponse, tid(2))
                .attr_u32(attr(Role::ConnectionId), 7)
                .finish(),
        );
        let mut d = cap.tcp_open(sa(CLIENT, 45001), server);
        cap.tcp_send(
            &mut d,
            Dir::C2S,
            &msg("ConnectionBind", Class::Request, tid(3))
                .attr_u32(attr(Role::ConnectionId), 7)
                .finish(),
        );
        cap.tcp_send(
            &mut d,
            Dir::S2C,
            &msg("ConnectionBind", Class::SuccessResponse, tid(3)).finish(),
        );
        let (_, _, check) = session(0).swap_remove(0);
        cap.tcp_send(&mut d, Dir::C2S, &rfc4571(&check));
        for i in 0..n {
            let (dir, p) = packet(i);
            cap.tcp_send(&mut d, dir, &rfc4571(&p));
        }
    } else {
        let mut udp = |cap: &mut Capture, dir: Dir, b: &[u8]| match dir {
            Dir::C2S => cap.udp(client, server, b),
            Dir::S2C => cap.udp(server, client, b),
        };
        allocate(&mut cap, &mut udp, 1, false, client);
        channel_bind(&mut cap, &mut udp, 2, 0x4001);
        for i in 0..n {
            let (dir, p) = packet(i);
            udp(&mut cap, dir, &channel_data(0x4001, &p, false));
        }
    }
    Fixture::from_capture(
        if tcp {
            "bench-rtp-6062"
        } else {
            "bench-rtp-chan"
        },
        cap,
    )
}

/// One carrier of relayed data in the `media` capture.
#[derive(Debug, Clone, Copy)]
pub struct CarrierCase {
    /// Short name (also the label prefix).
    pub name: &'static str,
    /// `msstun.payload.carrier` of its payloads.
    pub carrier: u8,
    /// The client's port (unique in the capture: `udp.port == p || tcp.port == p`).
    pub port: u16,
    /// Whether the ICE check and its answer travel inside the carrier (handed on as
    /// `msstun.payload.kind == 0`); on a plain ICE flow, in [MS-TURN] control frames and in
    /// an RFC 6062 data connection's RFC 4571 frames they are messages of the flow itself.
    pub stun_inside: bool,
    /// Whether the session travels over UDP (Wireshark's DTLS dissector then marks what
    /// follows the `use_srtp` handshake on the 5-tuple as SRTP; it does so for UDP only).
    pub udp: bool,
}

/// Every carrier, in capture order; index `k` gives the SSRCs (see [`ssrc`]).
pub const CARRIERS: &[CarrierCase] = &[
    CarrierCase {
        name: "chan-udp",
        carrier: 1,
        port: 40001,
        stun_inside: true,
        udp: true,
    },
    CarrierCase {
        name: "chan-tcp",
        carrier: 1,
        port: 40002,
        stun_inside: true,
        udp: false,
    },
    CarrierCase {
        name: "mturn",
        carrier: 5,
        port: 40003,
        stun_inside: true,
        udp: false,
    },
    CarrierCase {
        name: "send-data",
        carrier: 2,
        port: 40004,
        stun_inside: true,
        udp: true,
    },
    CarrierCase {
        name: "ms-send-data",
        carrier: 2,
        port: 40005,
        stun_inside: true,
        udp: true,
    },
    CarrierCase {
        name: "ms-e2e",
        carrier: 4,
        port: 40006,
        stun_inside: false,
        udp: false,
    },
    CarrierCase {
        name: "rfc6062-framed",
        carrier: 3,
        port: 40007,
        stun_inside: false,
        udp: false,
    },
    CarrierCase {
        name: "rfc6062-unframed",
        carrier: 3,
        port: 40008,
        stun_inside: true,
        udp: false,
    },
    CarrierCase {
        name: "ice-udp",
        carrier: 6,
        port: 40009,
        stun_inside: false,
        udp: true,
    },
    CarrierCase {
        name: "ice-tcp",
        carrier: 6,
        port: 40010,
        stun_inside: false,
        udp: false,
    },
    CarrierCase {
        name: "mturn-udp",
        carrier: 5,
        port: 40011,
        stun_inside: true,
        udp: true,
    },
];

/// First port of the `media-direct` flows (carrier `k` uses `DIRECT_BASE + k`).
pub const DIRECT_BASE: u16 = 20000;

/// One RTP stream the generator sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamExpect {
    /// SSRC.
    pub ssrc: u32,
    /// Payload type.
    pub pt: u8,
    /// Packets sent.
    pub packets: u32,
    /// Packets missing from the sequence (never sent).
    pub lost: u32,
    /// Whether two packets were swapped (a sequence error).
    pub reordered: bool,
    /// Whether it is SRTP (sent after the DTLS handshake, payload encrypted).
    pub srtp: bool,
}

/// What one carrier's session holds.
#[derive(Debug, Clone)]
pub struct SessionExpect {
    /// The carrier.
    pub case: CarrierCase,
    /// RTP packets (SRTP included).
    pub rtp: u32,
    /// RTCP packets.
    pub rtcp: u32,
    /// DTLS records.
    pub dtls: u32,
    /// STUN messages (the ICE check and its answer).
    pub stun: u32,
    /// The RTP streams.
    pub streams: [StreamExpect; 3],
}

/// Stream A: PCMU (PT 0), client → peer.
const A_PACKETS: u16 = 20;
/// Stream A's missing sequence number (offset from its first).
const A_LOST: u16 = 5;
/// Stream A's swapped pair (offsets).
const A_SWAP: u16 = 10;
/// Stream B: dynamic PT 111, peer → client.
const B_PACKETS: u16 = 10;
/// Stream C: SRTP, dynamic PT 96, client → peer.
const C_PACKETS: u16 = 8;

/// SSRC of stream `s` (0 A, 1 B, 2 C) of carrier `k`.
pub fn ssrc(k: usize, s: usize) -> u32 {
    0x5100_0000 | ((k as u32) << 8) | (s as u32 + 1)
}

/// What the generator puts into each carrier's session.
pub fn expected() -> Vec<SessionExpect> {
    CARRIERS
        .iter()
        .enumerate()
        .map(|(k, &case)| SessionExpect {
            case,
            rtp: u32::from(A_PACKETS - 1 + B_PACKETS + C_PACKETS),
            rtcp: 2,
            dtls: 2,
            stun: 2,
            streams: [
                StreamExpect {
                    ssrc: ssrc(k, 0),
                    pt: 0,
                    packets: u32::from(A_PACKETS - 1),
                    lost: 1,
                    reordered: true,
                    srtp: false,
                },
                StreamExpect {
                    ssrc: ssrc(k, 1),
                    pt: 111,
                    packets: u32::from(B_PACKETS),
                    lost: 0,
                    reordered: false,
                    srtp: false,
                },
                StreamExpect {
                    ssrc: ssrc(k, 2),
                    pt: 96,
                    packets: u32::from(C_PACKETS),
                    lost: 0,
                    reordered: false,
                    srtp: true,
                },
            ],
        })
        .collect()
}

/// An RTP packet (RFC 3550 §5.1): version 2, no padding/extension/CSRC, `len` payload bytes.
pub fn rtp(pt: u8, marker: bool, seq: u16, ts: u32, ssrc: u32, len: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(12 + len);
    p.push(0x80);
    p.push(pt | if marker { 0x80 } else { 0 });
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend((0..len).map(|i| (i as u8).wrapping_mul(29) ^ (seq as u8)));
    p
}

/// An RTCP sender report without report blocks (RFC 3550 §6.4.1, 28 bytes).
pub fn rtcp_sr(ssrc: u32, ntp: u64, rtp_ts: u32, packets: u32, octets: u32) -> Vec<u8> {
    let mut p = vec![0x80, 200, 0, 6];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&ntp.to_be_bytes());
    p.extend_from_slice(&rtp_ts.to_be_bytes());
    p.extend_from_slice(&packets.to_be_bytes());
    p.extend_from_slice(&octets.to_be_bytes());
    p
}

/// An SRTP packet (RFC 3711 §3.1): the RTP header in clear, `len` bytes that look
/// encrypted, a 10-byte authentication tag (AES_CM_128_HMAC_SHA1_80).
pub fn srtp(pt: u8, seq: u16, ts: u32, ssrc: u32, len: usize) -> Vec<u8> {
    let mut p = rtp(pt, false, seq, ts, ssrc, 0);
    let mut x = u32::from(seq).wrapping_mul(0x9e37_79b9) ^ ssrc;
    for _ in 0..len + 10 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p.push(x as u8);
    }
    p
}

/// A DTLS 1.2 handshake record holding one whole handshake message.
fn dtls_handshake(msg_type: u8, seq: u16, body: &[u8]) -> Vec<u8> {
    let blen = body.len() as u32;
    let mut hs = vec![msg_type];
    hs.extend_from_slice(&blen.to_be_bytes()[1..]);
    hs.extend_from_slice(&seq.to_be_bytes());
    hs.extend_from_slice(&[0, 0, 0]);
    hs.extend_from_slice(&blen.to_be_bytes()[1..]);
    hs.extend_from_slice(body);
    let mut rec = vec![22, 0xfe, 0xfd, 0, 0];
    rec.extend_from_slice(&u64::from(seq).to_be_bytes()[2..]);
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// The `use_srtp` extension (RFC 5764 §4.1.1) offering SRTP_AES128_CM_HMAC_SHA1_80.
const USE_SRTP: [u8; 9] = [0x00, 0x0e, 0x00, 0x05, 0x00, 0x02, 0x00, 0x01, 0x00];

/// A DTLS 1.2 ClientHello (RFC 6347) offering TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 and
/// `use_srtp`.
pub fn dtls_client_hello(random_seed: u8) -> Vec<u8> {
    let mut b = vec![0xfe, 0xfd];
    b.extend((0..32u8).map(|i| i.wrapping_mul(13) ^ random_seed));
    b.push(0); // session id
    b.push(0); // cookie
    b.extend_from_slice(&[0x00, 0x02, 0xc0, 0x2b]);
    b.extend_from_slice(&[0x01, 0x00]);
    b.extend_from_slice(&(USE_SRTP.len() as u16).to_be_bytes());
    b.extend_from_slice(&USE_SRTP);
    dtls_handshake(1, 0, &b)
}

/// The DTLS 1.2 ServerHello answering [`dtls_client_hello`].
pub fn dtls_server_hello(random_seed: u8) -> Vec<u8> {
    let mut b = vec![0xfe, 0xfd];
    b.extend((0..32u8).map(|i| i.wrapping_mul(7) ^ random_seed));
    b.push(0); // session id
    b.extend_from_slice(&[0xc0, 0x2b, 0x00]);
    b.extend_from_slice(&(USE_SRTP.len() as u16).to_be_bytes());
    b.extend_from_slice(&USE_SRTP);
    dtls_handshake(2, 0, &b)
}

fn tid(n: u32) -> [u8; 12] {
    crate::stun::tid_with(0x3ed1_a000, n)
}

fn tid16(n: u32) -> [u8; 16] {
    crate::stun::tid16_with(0x3ed1_b000, 0x3ed1_a000, 700, n)
}

/// What one payload of a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Stun,
    Dtls,
    Rtp,
    Rtcp,
}

/// One carrier's session: direction, kind and bytes of each payload, 20 ms apart.
fn session(k: usize) -> Vec<(Dir, What, Vec<u8>)> {
    let mut v = Vec::new();
    let check = msg("Binding", Class::Request, tid(0x100 + k as u32))
        .string(attr(Role::Username), "peer:client")
        .attr_u32(attr(Role::Priority), 0x6e00_1eff)
        .attr_u64(attr(Role::IceControlling), 0x0102_0304_0506_0708)
        .fingerprint()
        .finish();
    v.push((Dir::C2S, What::Stun, check));
    let answer = msg("Binding", Class::SuccessResponse, tid(0x100 + k as u32))
        .xor_address(attr(Role::XorMappedAddress), sa([10, 62, 0, 1], 50000))
        .fingerprint()
        .finish();
    v.push((Dir::S2C, What::Stun, answer));
    let (a, b, c) = (ssrc(k, 0), ssrc(k, 1), ssrc(k, 2));
    let a_seq0 = 1000 + 100 * k as u16;
    let b_seq0 = 50000 + 10 * k as u16;
    let mut order: Vec<u16> = (0..A_PACKETS).filter(|&i| i != A_LOST).collect();
    let at = order.iter().position(|&i| i == A_SWAP).expect("swap index");
    order.swap(at, at + 1);
    for (n, &i) in order.iter().enumerate() {
        // PCMU: 160 samples of 8 kHz per 20 ms; 161 bytes keeps TCP ChannelData padded.
        let p = rtp(0, i == 0, a_seq0 + i, 8000 + 160 * u32::from(i), a, 161);
        v.push((Dir::C2S, What::Rtp, p));
        if let Some(j) = (n < usize::from(B_PACKETS)).then_some(n as u16) {
            let p = rtp(
                111,
                j == 0,
                b_seq0.wrapping_add(j),
                960 * u32::from(j),
                b,
                47,
            );
            v.push((Dir::S2C, What::Rtp, p));
        }
        if n == 9 {
            v.push((
                Dir::C2S,
                What::Rtcp,
                rtcp_sr(a, 0xe6a1_0000_0000_0000, 8000 + 160 * 9, 9, 9 * 161),
            ));
            v.push((
                Dir::S2C,
                What::Rtcp,
                rtcp_sr(b, 0xe6a1_0000_8000_0000, 960 * 9, 10, 470),
            ));
        }
    }
    // DTLS-SRTP (RFC 5764): the handshake, then SRTP.
    v.push((Dir::C2S, What::Dtls, dtls_client_hello(k as u8)));
    v.push((Dir::S2C, What::Dtls, dtls_server_hello(k as u8)));
    for i in 0..C_PACKETS {
        v.push((
            Dir::C2S,
            What::Rtp,
            srtp(96, 7000 + i, 90_000 * u32::from(i) / 50, c, 101),
        ));
    }
    v
}

/// Control-plane messages of the TURN carriers (the envelope, not media).
fn allocate(
    cap: &mut Capture,
    send: &mut dyn FnMut(&mut Capture, Dir, &[u8]),
    n: u32,
    tcp: bool,
    client: SocketAddr,
) {
    let req = msg("Allocate", Class::Request, tid(n))
        .attr_u8_padded(attr(Role::RequestedTransport), if tcp { 6 } else { 17 })
        .finish();
    send(cap, Dir::C2S, &req);
    let ok = msg("Allocate", Class::SuccessResponse, tid(n))
        .xor_address(
            attr(Role::RelayedAddress),
            sa([10, 60, 0, 1], 49000 + n as u16),
        )
        .xor_address(attr(Role::XorMappedAddress), client)
        .attr_u32(attr(Role::Lifetime), 600)
        .finish();
    send(cap, Dir::S2C, &ok);
}

fn channel_bind(
    cap: &mut Capture,
    send: &mut dyn FnMut(&mut Capture, Dir, &[u8]),
    n: u32,
    channel: u16,
) {
    let req = msg("ChannelBind", Class::Request, tid(n))
        .attr(
            attr(Role::ChannelNumber),
            &[(channel >> 8) as u8, channel as u8, 0, 0],
        )
        .xor_address(attr(Role::PeerAddress), PEER)
        .finish();
    send(cap, Dir::C2S, &req);
    send(
        cap,
        Dir::S2C,
        &msg("ChannelBind", Class::SuccessResponse, tid(n)).finish(),
    );
}

/// The remote peer the TURN sessions relay to.
const PEER: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::new(192, 0, 2, 50),
    5004,
));
const SERVER: [u8; 4] = [10, 60, 0, 1];
const CLIENT: [u8; 4] = [10, 60, 1, 1];
const MS_SESSION: u64 = 0x0a0b_0c0d_0e0f_1011;

/// Play `k`'s session through `wrap`, which sends one payload in direction `dir`.
/// Sends one payload of a session in a carrier.
type Wrap<'a> = dyn FnMut(&mut Capture, Dir, What, &[u8]) + 'a;

fn play(cap: &mut Capture, k: usize, wrap: &mut Wrap<'_>) {
    let label = CARRIERS[k].name;
    let before = cap.len();
    let mut first = true;
    for (dir, what, p) in session(k) {
        cap.wait(Duration::from_millis(20));
        wrap(cap, dir, what, &p);
        if first && cap.len() > before {
            cap.label(&format!("{label}-first"));
            first = false;
        }
    }
    cap.label(&format!("{label}-last"));
}

fn media(direct: bool) -> Fixture {
    let mut cap = Capture::new();
    for (k, case) in CARRIERS.iter().enumerate() {
        let cap = &mut cap;
        if direct {
            direct_rtp(cap, k);
            continue;
        }
        match case.name {
            "chan-udp" => chan_udp(cap, k),
            "send-data" => send_data(cap, k),
            "ms-send-data" => ms_send_data(cap, k),
            "mturn-udp" => mturn_udp(cap, k),
            "ice-udp" => ice_udp(cap, k),
            "chan-tcp" => chan_tcp(cap, k),
            "mturn" | "ms-e2e" => ms_tcp_443(cap, k, case.name == "mturn"),
            "rfc6062-framed" | "rfc6062-unframed" => rfc6062(cap, k, case.name == "rfc6062-framed"),
            "ice-tcp" => ice_tcp(cap, k),
            other => unreachable!("carrier {other}"),
        }
    }
    Fixture::from_capture(if direct { "media-direct" } else { "media" }, cap)
}

/// `media-direct`: carrier `k`'s RTP alone, on plain UDP between client and peer.
fn direct_rtp(cap: &mut Capture, k: usize) {
    let port = DIRECT_BASE + k as u16;
    let (c, p) = (sa(CLIENT, port), sa([192, 0, 2, 50], port));
    play(cap, k, &mut |cap, dir, what, b| {
        if what == What::Rtp {
            match dir {
                Dir::C2S => cap.udp(c, p, b),
                Dir::S2C => cap.udp(p, c, b),
            }
        }
    });
}

/// Carrier `k`'s client and the first transaction number of its messages.
fn client_and_tid(k: usize) -> (SocketAddr, u32) {
    (sa(CLIENT, CARRIERS[k].port), 10 * k as u32)
}

/// Sends one datagram between `client` and `server` in the given direction.
fn udp_between(client: SocketAddr, server: SocketAddr) -> impl Fn(&mut Capture, Dir, &[u8]) + Copy {
    move |cap: &mut Capture, dir: Dir, b: &[u8]| match dir {
        Dir::C2S => cap.udp(client, server, b),
        Dir::S2C => cap.udp(server, client, b),
    }
}

/// TURN over UDP with a channel: Allocate, ChannelBind, ChannelData.
fn chan_udp(cap: &mut Capture, k: usize) {
    let (client, n) = client_and_tid(k);
    let mut udp = udp_between(client, sa(SERVER, 3478));
    allocate(cap, &mut udp, n, false, client);
    channel_bind(cap, &mut udp, n + 1, 0x4001);
    play(cap, k, &mut |cap, dir, _, b| {
        udp(cap, dir, &channel_data(0x4001, b, false))
    });
}

/// TURN over UDP without a channel: Send and Data indications.
fn send_data(cap: &mut Capture, k: usize) {
    let (client, n) = client_and_tid(k);
    let mut udp = udp_between(client, sa(SERVER, 3478));
    allocate(cap, &mut udp, n, false, client);
    let mut t = n + 100;
    play(cap, k, &mut |cap, dir, _, b| {
        t += 1;
        let m = match dir {
            Dir::C2S => msg("Send", Class::Indication, tid(t)),
            Dir::S2C => msg("Data", Class::Indication, tid(t)),
        };
        let m = m
            .xor_address(attr(Role::PeerAddress), PEER)
            .attr(attr(Role::Data), b)
            .finish();
        udp(cap, dir, &m)
    });
}

/// [MS-TURN] over UDP: Allocate, then Send requests and Data indications.
fn ms_send_data(cap: &mut Capture, k: usize) {
    let (client, n) = client_and_tid(k);
    let udp = udp_between(client, sa(SERVER, 3478));
    let req = ms_msg("Allocate", Class::Request, tid16(n))
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .attr_u32(ms_attr(Role::Lifetime), 480)
        .finish();
    udp(cap, Dir::C2S, &req);
    let ok = ms_msg("Allocate", Class::SuccessResponse, tid16(n))
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .address(ms_attr(Role::MappedAddress), sa(SERVER, 50100))
        .attr_u32(ms_attr(Role::Lifetime), 480)
        .finish();
    udp(cap, Dir::S2C, &ok);
    let mut t = n + 100;
    play(cap, k, &mut |cap, dir, _, b| {
        t += 1;
        let m = match dir {
            Dir::C2S => ms_msg("Send", Class::Request, tid16(t))
                .address(ms_attr(Role::DestinationAddress), PEER),
            Dir::S2C => ms_msg("Data", Class::Indication, tid16(t))
                .address(ms_attr(Role::RemoteAddress), PEER),
        };
        udp(cap, dir, &m.attr(ms_attr(Role::Data), b).finish())
    });
}

/// [MS-TURN] over UDP: an Allocate, then the multiplexed-TURN channel.
fn mturn_udp(cap: &mut Capture, k: usize) {
    let (client, n) = client_and_tid(k);
    let udp = udp_between(client, sa(SERVER, 3478));
    let req = ms_msg("Allocate", Class::Request, tid16(n))
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .finish();
    udp(cap, Dir::C2S, &req);
    let ok = ms_msg("Allocate", Class::SuccessResponse, tid16(n))
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .address(ms_attr(Role::MappedAddress), sa(SERVER, 50300))
        .finish();
    udp(cap, Dir::S2C, &ok);
    play(cap, k, &mut |cap, dir, _, b| {
        udp(cap, dir, &build::multiplexed_turn(MS_SESSION, b))
    });
}

/// A plain ICE flow: the checks on the 5-tuple itself, media beside.
fn ice_udp(cap: &mut Capture, k: usize) {
    let (client, _) = client_and_tid(k);
    let udp = udp_between(client, sa([10, 62, 0, 2], 50001));
    play(cap, k, &mut |cap, dir, _, b| udp(cap, dir, b));
}

/// TURN over TCP with a channel: Allocate, ChannelBind, ChannelData (padded).
fn chan_tcp(cap: &mut Capture, k: usize) {
    let (client, n) = client_and_tid(k);
    let mut t = cap.tcp_open(client, sa(SERVER, 3478));
    let mut send = |cap: &mut Capture, dir: Dir, b: &[u8]| cap.tcp_send(&mut t, dir, b);
    allocate(cap, &mut send, n, false, client);
    channel_bind(cap, &mut send, n + 1, 0x4002);
    play(cap, k, &mut |cap, dir, _, b| {
        send(cap, dir, &channel_data(0x4002, b, true))
    });
    cap.tcp_close(&mut t);
}

/// [MS-TURN] TCP framing on 443: an Allocate in control frames, then the multiplexed-TURN
/// channel (0xFF10, in control frames; `mturn`) or end-to-end data frames (type 0x03).
fn ms_tcp_443(cap: &mut Capture, k: usize, mturn: bool) {
    let (client, n) = client_and_tid(k);
    let mut t = cap.tcp_open(client, sa(SERVER, 443));
    let req = ms_msg("Allocate", Class::Request, tid16(n))
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .attr_u32(ms_attr(Role::Lifetime), 480)
        .finish();
    cap.tcp_send(&mut t, Dir::C2S, &ms_tcp(MsTcpType::Control, &req));
    let ok = ms_msg("Allocate", Class::SuccessResponse, tid16(n))
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .address(ms_attr(Role::MappedAddress), sa(SERVER, 50200 + k as u16))
        .attr_u32(ms_attr(Role::Lifetime), 480)
        .finish();
    cap.tcp_send(&mut t, Dir::S2C, &ms_tcp(MsTcpType::Control, &ok));
    play(cap, k, &mut |cap, dir, what, b| {
        let frame = if mturn {
            ms_tcp(MsTcpType::Control, &build::multiplexed_turn(MS_SESSION, b))
        } else if what == What::Stun {
            // STUN is never end-to-end data: the checks go in control frames.
            ms_tcp(MsTcpType::Control, b)
        } else {
            ms_tcp(MsTcpType::Data, b)
        };
        cap.tcp_send(&mut t, dir, &frame)
    });
    cap.tcp_close(&mut t);
}

/// RFC 6062: a TCP allocation, Connect (`framed`, the media then RFC 4571 framed) or the
/// peer's ConnectionAttempt, and the data connection with its ConnectionBind.
fn rfc6062(cap: &mut Capture, k: usize, framed: bool) {
    let (client, n) = client_and_tid(k);
    let server = sa(SERVER, 3478);
    let mut c = cap.tcp_open(client, server);
    let mut send = |cap: &mut Capture, dir: Dir, b: &[u8]| cap.tcp_send(&mut c, dir, b);
    allocate(cap, &mut send, n, true, client);
    let cid = 0x6062_0000 + k as u32;
    if framed {
        // Client-initiated: Connect, its answer with the CONNECTION-ID.
        let req = msg("Connect", Class::Request, tid(n + 1))
            .xor_address(attr(Role::PeerAddress), PEER)
            .finish();
        send(cap, Dir::C2S, &req);
        let ok = msg("Connect", Class::SuccessResponse, tid(n + 1))
            .attr_u32(attr(Role::ConnectionId), cid)
            .finish();
        send(cap, Dir::S2C, &ok);
    } else {
        // Peer-initiated: ConnectionAttempt.
        let ind = msg("ConnectionAttempt", Class::Indication, tid(n + 1))
            .xor_address(attr(Role::PeerAddress), PEER)
            .attr_u32(attr(Role::ConnectionId), cid)
            .finish();
        send(cap, Dir::S2C, &ind);
    }
    let mut d = cap.tcp_open(sa(CLIENT, CARRIERS[k].port + 100), server);
    let bind = msg("ConnectionBind", Class::Request, tid(n + 2))
        .attr_u32(attr(Role::ConnectionId), cid)
        .finish();
    cap.tcp_send(&mut d, Dir::C2S, &bind);
    let ok = msg("ConnectionBind", Class::SuccessResponse, tid(n + 2)).finish();
    cap.tcp_send(&mut d, Dir::S2C, &ok);
    play(cap, k, &mut |cap, dir, _, b| {
        if framed {
            cap.tcp_send(&mut d, dir, &rfc4571(b))
        } else {
            cap.tcp_send(&mut d, dir, b)
        }
    });
    cap.tcp_close(&mut d);
    cap.tcp_close(&mut c);
}

/// ICE-TCP (RFC 6544): RFC 4571 frames, checks first, media beside them.
fn ice_tcp(cap: &mut Capture, k: usize) {
    let (client, _) = client_and_tid(k);
    let mut t = cap.tcp_open(client, sa([10, 62, 0, 2], 50002));
    play(cap, k, &mut |cap, dir, _, b| {
        cap.tcp_send(&mut t, dir, &rfc4571(b))
    });
    cap.tcp_close(&mut t);
}

#[cfg(test)]
mod tests {
    use super::*;
    use msstun::classify::{classify, PayloadKind};

    #[test]
    fn sessions_classify_as_generated() {
        for (k, e) in expected().iter().enumerate() {
            let s = session(k);
            let count = |w: What| s.iter().filter(|(_, x, _)| *x == w).count() as u32;
            assert_eq!(count(What::Rtp), e.rtp);
            assert_eq!(count(What::Rtcp), e.rtcp);
            assert_eq!(count(What::Dtls), e.dtls);
            assert_eq!(count(What::Stun), e.stun);
            for (_, w, p) in &s {
                let want = match w {
                    What::Stun => PayloadKind::Stun,
                    What::Dtls => PayloadKind::Dtls,
                    What::Rtp => PayloadKind::Rtp,
                    What::Rtcp => PayloadKind::Rtcp,
                };
                assert_eq!(classify(p), want);
            }
        }
    }

    #[test]
    fn both_scenarios_build() {
        let m = build("media", 0).unwrap();
        let d = build("media-direct", 0).unwrap();
        assert_eq!(build("bench-rtp-chan", 10).unwrap().frames, 4 + 10);
        // 2 handshakes of 3, 4 control messages, 2 binds, 1 check, 10 frames.
        assert_eq!(
            build("bench-rtp-6062", 10).unwrap().frames,
            6 + 4 + 2 + 1 + 10
        );
        assert!(m.frames > d.frames);
        assert_eq!(d.frames, expected().iter().map(|e| e.rtp).sum::<u32>());
    }
}
