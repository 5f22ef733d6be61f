//! The capture scenarios. Each returns a [`Fixture`]: pcapng bytes plus labels naming
//! the frames tests look at (a label points at the frame that completes the message).

use crate::capture::{sa, Capture, Dir, Tcp};
use crate::stun::{
    append_raw, attr, corrupt_last_byte, ms_attr, ms_msg, msg, set_length, wrong_key,
};
use msstun::build::{self, channel_data, ms_tcp, rfc4571, MessageBuilder, MsTcpType};
use msstun::check::long_term_key;
use msstun::Class;
use msstun::Role;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

/// A generated capture and the frame numbers of its labelled messages.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Scenario name.
    pub name: &'static str,
    /// The capture file.
    pub pcapng: Vec<u8>,
    /// Label → frame number (1-based).
    pub labels: BTreeMap<String, u32>,
    /// Number of frames.
    pub frames: u32,
}

impl Fixture {
    /// A fixture from a finished capture.
    pub(crate) fn from_capture(name: &'static str, cap: Capture) -> Fixture {
        Self::from(name, cap)
    }

    fn from(name: &'static str, cap: Capture) -> Fixture {
        Fixture {
            name,
            pcapng: cap.to_pcapng(),
            labels: cap.labels().clone(),
            frames: cap.len(),
        }
    }

    /// Frame number of a label (panics when unknown, naming the label).
    pub fn frame(&self, label: &str) -> u32 {
        *self
            .labels
            .get(label)
            .unwrap_or_else(|| panic!("{}: no label {label}", self.name))
    }
}

/// Every scenario name with a one-line description.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("seed", "the seed walkthrough: TCP TURN control + RFC 6062 data connection with ICE checks (port 3478)"),
    ("plain-tcp", "RFC 5389 TURN over TCP, unframed, with ChannelData on TCP (port 13478)"),
    ("rfc4571", "RFC 4571-framed ICE-TCP Binding checks (port 15000)"),
    ("ms-turn-tcp", "legacy MS-TURN dialect with [MS-TURN] 0x02/0x03 TCP framing (port 14443)"),
    ("pseudo-tls", "[MS-TURN] pseudo-TLS handshake then framed MS-TURN (port 10443)"),
    ("udp", "STUN, TURN + ChannelData and MS-TURN over UDP (ports 19302, 13480, 13481)"),
    ("split", "messages split across TCP segments and several per segment (ports 13482, 15001)"),
    ("integrity", "MESSAGE-INTEGRITY and FINGERPRINT good and bad (long-term alice/example.org, ICE short-term)"),
    ("malformed", "truncated, overrunning, badly padded, bad fingerprint, unknown attributes (UDP 13490, TCP 13491)"),
];

/// Builds a scenario by name. `bench` and `nostun` take a message count (`n`).
pub fn build(name: &str, n: usize) -> Option<Fixture> {
    Some(match name {
        "seed" => seed(),
        "plain-tcp" => plain_tcp(),
        "rfc4571" => ice_tcp(),
        "ms-turn-tcp" => ms_turn_tcp(),
        "pseudo-tls" => pseudo_tls(),
        "udp" => udp(),
        "split" => split(),
        "integrity" => integrity(),
        "malformed" => malformed(),
        "bench" => bench(n),
        "nostun" => nostun(n),
        _ => return crate::followups::build(name, n),
    })
}

fn tid(n: u32) -> [u8; 12] {
    crate::stun::tid_with(0x5eed_0000, n)
}

fn tid16(n: u32) -> [u8; 16] {
    crate::stun::tid16_with(0x4d53_0000, 0x5eed_0000, 1000, n)
}

/// Seed scenario constants (the long-term password is ours; the seed does not show it).
pub mod seed_consts {
    /// TURN client (Cisco Meeting Server).
    pub const CMS: [u8; 4] = [10, 48, 54, 230];
    /// TURN server (Expressway-E).
    pub const EXPRESSWAY: [u8; 4] = [10, 48, 54, 229];
    /// Control connection client port.
    pub const CONTROL_PORT: u16 = 44340;
    /// Data connection client port (as in the seed).
    pub const DATA_PORT: u16 = 44342;
    /// Relayed port on the Expressway.
    pub const RELAY_PORT: u16 = 24000;
    /// Remote peer (Skype Edge).
    pub const PEER: [u8; 4] = [192, 168, 1, 252];
    /// Remote peer port.
    pub const PEER_PORT: u16 = 53577;
    /// Long-term username.
    pub const USER: &str = "turn";
    /// Realm.
    pub const REALM: &str = "TANDBERG";
    /// Long-term password (ours).
    pub const PASSWORD: &str = "expressway";
    /// Nonce sent in the 401.
    pub const NONCE: &str = "5f3a9c0d1e2b4a6877c1d0e9f8a7b6c5";
    /// RFC 6062 connection id.
    pub const CONNECTION_ID: u32 = 0x2b7f_0001;
    /// ICE USERNAME of checks from the Skype peer to CMS (`CMS ufrag:Skype ufrag`).
    pub const ICE_USER_IN: &str = "MRAv:a9Xy";
    /// ICE password of CMS (checks to CMS and their responses).
    pub const ICE_PWD_CMS: &str = "cmsIcePasswordAbc123xyz";
    /// ICE USERNAME of checks from CMS to the Skype peer.
    pub const ICE_USER_OUT: &str = "a9Xy:MRAv";
    /// ICE password of the Skype peer.
    pub const ICE_PWD_PEER: &str = "skypeIcePassword789qrs";
    /// ICE priority from the seed bytes (`00 24 00 04 6e ff ff ff`).
    pub const PRIORITY: u32 = 0x6eff_ffff;
}

fn seed() -> Fixture {
    use seed_consts::*;
    let mut cap = Capture::new();
    let server = sa(EXPRESSWAY, 3478);
    let key = long_term_key(USER, REALM, PASSWORD);
    let mut c = cap.tcp_open(sa(CMS, CONTROL_PORT), server);
    seed_control(&mut cap, &mut c, &key);
    // RFC 6062 data connection.
    cap.wait(Duration::from_millis(48));
    let mut d = cap.tcp_open(sa(CMS, DATA_PORT), server);
    seed_data_connection(&mut cap, &mut d, &key);

    // Keep-alive on the control connection (the seed's frame 3209).
    cap.wait(Duration::from_millis(4400));
    let m = msg("Binding", Class::Indication, tid(8))
        .fingerprint()
        .finish();
    cap.tcp_send(&mut c, Dir::C2S, &m);
    cap.label("keepalive");
    cap.tcp_close(&mut d);
    cap.tcp_close(&mut c);
    Fixture::from("seed", cap)
}

/// The seed's control connection: Allocate (401, then authenticated), Refresh and the
/// server's ConnectionAttempt.
fn seed_control(cap: &mut Capture, c: &mut Tcp, key: &[u8]) {
    use seed_consts::*;
    let cms_ctrl = sa(CMS, CONTROL_PORT);
    let relay = sa(EXPRESSWAY, RELAY_PORT);
    let peer = sa(PEER, PEER_PORT);
    let m = msg("Allocate", Class::Request, tid(1))
        .attr_u8_padded(attr(Role::RequestedTransport), 6)
        .attr_u32(attr(Role::Lifetime), 600)
        .finish();
    cap.tcp_send(c, Dir::C2S, &m);
    cap.label("alloc-req");
    cap.tcp_ack(c, Dir::S2C);
    let m = msg("Allocate", Class::ErrorResponse, tid(1))
        .error_code(401, "Unauthorized")
        .string(attr(Role::Nonce), NONCE)
        .string(attr(Role::Realm), REALM)
        .attr_u32(attr(Role::Lifetime), 600)
        .finish();
    cap.tcp_send(c, Dir::S2C, &m);
    cap.label("alloc-401");
    let m = msg("Allocate", Class::Request, tid(2))
        .attr_u8_padded(attr(Role::RequestedTransport), 6)
        .attr_u32(attr(Role::Lifetime), 600)
        .string(attr(Role::Username), USER)
        .string(attr(Role::Realm), REALM)
        .string(attr(Role::Nonce), NONCE)
        .message_integrity(key)
        .finish();
    cap.tcp_send(c, Dir::C2S, &m);
    cap.label("alloc-auth");
    cap.wait(Duration::from_millis(115));
    let m = msg("Allocate", Class::SuccessResponse, tid(2))
        .attr_u32(attr(Role::Lifetime), 600)
        .xor_address(attr(Role::RelayedAddress), relay)
        .xor_address(attr(Role::XorMappedAddress), cms_ctrl)
        .message_integrity(key)
        .finish();
    cap.tcp_send(c, Dir::S2C, &m);
    cap.label("alloc-ok");
    let m = msg("Refresh", Class::Request, tid(3))
        .string(attr(Role::Username), USER)
        .string(attr(Role::Realm), REALM)
        .string(attr(Role::Nonce), NONCE)
        .attr_u32(attr(Role::Lifetime), 600)
        .message_integrity(key)
        .finish();
    cap.tcp_send(c, Dir::C2S, &m);
    cap.label("refresh");
    cap.wait(Duration::from_millis(87));
    let m = msg("Refresh", Class::SuccessResponse, tid(3))
        .attr_u32(attr(Role::Lifetime), 600)
        .message_integrity(key)
        .finish();
    cap.tcp_send(c, Dir::S2C, &m);
    cap.label("refresh-ok");
    cap.wait(Duration::from_millis(395));
    let m = msg("ConnectionAttempt", Class::Indication, tid(4))
        .xor_address(attr(Role::PeerAddress), peer)
        .attr_u32(attr(Role::ConnectionId), CONNECTION_ID)
        .finish();
    cap.tcp_send(c, Dir::S2C, &m);
    cap.label("connection-attempt");
    cap.tcp_ack(c, Dir::C2S);
}

/// The seed's RFC 6062 data connection: ConnectionBind, then ICE checks and media relayed
/// over it, RFC 4571 framed.
fn seed_data_connection(cap: &mut Capture, d: &mut Tcp, key: &[u8]) {
    use seed_consts::*;
    let relay = sa(EXPRESSWAY, RELAY_PORT);
    let peer = sa(PEER, PEER_PORT);
    let m = msg("ConnectionBind", Class::Request, tid(5))
        .attr_u32(attr(Role::ConnectionId), CONNECTION_ID)
        .string(attr(Role::Username), USER)
        .string(attr(Role::Realm), REALM)
        .string(attr(Role::Nonce), NONCE)
        .message_integrity(key)
        .finish();
    cap.tcp_send(d, Dir::C2S, &m);
    cap.label("connection-bind");
    cap.wait(Duration::from_millis(54));
    let m = msg("ConnectionBind", Class::SuccessResponse, tid(5))
        .message_integrity(key)
        .finish();
    cap.tcp_send(d, Dir::S2C, &m);
    cap.label("connection-bind-ok");

    // ICE checks relayed over the data connection, RFC 4571 framed (the seed's `00 6c 00 01`).
    cap.wait(Duration::from_millis(150));
    let check = |t: [u8; 12], user: &str, controlling: bool, pwd: &str| {
        let m = msg("Binding", Class::Request, t)
            .string(attr(Role::Username), user)
            .attr_u32(attr(Role::Priority), PRIORITY);
        let m = if controlling {
            m.attr_u64(attr(Role::IceControlling), 0x1c3d_5e7f_9a0b_2c4d)
        } else {
            m.attr_u64(attr(Role::IceControlled), 0x7a6b_5c4d_3e2f_1a0b)
        };
        m.string(attr(Role::MsCandidateIdentifier), "2a7f")
            .attr_u32(attr(Role::MsImplementationVersion), 2)
            .message_integrity(pwd.as_bytes())
            .fingerprint()
            .finish()
    };
    let m = check(tid(6), ICE_USER_IN, true, ICE_PWD_CMS);
    cap.tcp_send(d, Dir::S2C, &rfc4571(&m));
    cap.label("ice-req-in");
    let m = msg("Binding", Class::SuccessResponse, tid(6))
        .xor_address(attr(Role::XorMappedAddress), peer)
        .attr_u32(attr(Role::MsImplementationVersion), 2)
        .message_integrity(ICE_PWD_CMS.as_bytes())
        .fingerprint()
        .finish();
    cap.tcp_send(d, Dir::C2S, &rfc4571(&m));
    cap.label("ice-resp-out");
    let m = check(tid(7), ICE_USER_OUT, false, ICE_PWD_PEER);
    cap.tcp_send(d, Dir::C2S, &rfc4571(&m));
    cap.label("ice-req-out");
    let m = msg("Binding", Class::SuccessResponse, tid(7))
        .xor_address(attr(Role::XorMappedAddress), relay)
        .attr_u32(attr(Role::MsImplementationVersion), 2)
        .message_integrity(ICE_PWD_PEER.as_bytes())
        .fingerprint()
        .finish();
    cap.tcp_send(d, Dir::S2C, &rfc4571(&m));
    cap.label("ice-resp-in");
    cap.tcp_ack(d, Dir::C2S);
    // Media: RFC 4571-framed RTP-like packets, not STUN.
    cap.wait(Duration::from_millis(200));
    let rtp = |seq: u16| {
        let mut p = vec![0x80, 0x7f];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&(u32::from(seq) * 3000).to_be_bytes());
        p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
        p.extend((0..48u8).map(|i| i ^ (seq as u8)));
        rfc4571(&p)
    };
    cap.tcp_send(d, Dir::S2C, &rtp(1));
    cap.label("media-in");
    cap.tcp_send(d, Dir::C2S, &rtp(2));
    cap.label("media-out");
}

fn plain_tcp() -> Fixture {
    let mut cap = Capture::new();
    let client = sa([10, 0, 0, 1], 50001);
    let server = sa([10, 0, 0, 2], 13478);
    let peer = sa([10, 0, 0, 3], 6000);
    let mut c = cap.tcp_open(client, server);
    let m = msg("Allocate", Class::Request, tid(100))
        .attr_u8_padded(attr(Role::RequestedTransport), 17)
        .string(attr(Role::Software), "fixture client")
        .finish();
    cap.tcp_send(&mut c, Dir::C2S, &m);
    cap.label("alloc-req");
    let m = msg("Allocate", Class::SuccessResponse, tid(100))
        .xor_address(attr(Role::RelayedAddress), sa([10, 0, 0, 2], 49152))
        .xor_address(attr(Role::XorMappedAddress), client)
        .attr_u32(attr(Role::Lifetime), 600)
        .finish();
    cap.tcp_send(&mut c, Dir::S2C, &m);
    cap.label("alloc-ok");
    let m = msg("ChannelBind", Class::Request, tid(101))
        .attr(attr(Role::ChannelNumber), &[0x40, 0x00, 0, 0])
        .xor_address(attr(Role::PeerAddress), peer)
        .finish();
    cap.tcp_send(&mut c, Dir::C2S, &m);
    cap.label("chbind-req");
    let m = msg("ChannelBind", Class::SuccessResponse, tid(101)).finish();
    cap.tcp_send(&mut c, Dir::S2C, &m);
    cap.label("chbind-ok");
    cap.tcp_send(&mut c, Dir::C2S, &channel_data(0x4000, b"hello", true));
    cap.label("chdata-out");
    cap.tcp_send(&mut c, Dir::S2C, &channel_data(0x4000, b"world!!!", true));
    cap.label("chdata-in");
    // ChannelData followed by a Refresh in one segment.
    let mut seg = channel_data(0x4000, b"abc", true);
    seg.extend(
        msg("Refresh", Class::Request, tid(102))
            .attr_u32(attr(Role::Lifetime), 0)
            .finish(),
    );
    cap.tcp_send(&mut c, Dir::C2S, &seg);
    cap.label("chdata-refresh");
    let m = msg("Refresh", Class::SuccessResponse, tid(102))
        .attr_u32(attr(Role::Lifetime), 0)
        .finish();
    cap.tcp_send(&mut c, Dir::S2C, &m);
    cap.label("refresh-ok");
    cap.tcp_close(&mut c);
    Fixture::from("plain-tcp", cap)
}

fn ice_tcp() -> Fixture {
    let mut cap = Capture::new();
    let a = sa([10, 0, 2, 1], 50100);
    let b = sa([10, 0, 2, 2], 15000);
    let mut c = cap.tcp_open(a, b);
    let m = msg("Binding", Class::Request, tid(200))
        .string(attr(Role::Username), "bbbb:aaaa")
        .attr_u32(attr(Role::Priority), 1_845_501_695)
        .attr_u64(attr(Role::IceControlling), 42)
        .flag(attr(Role::UseCandidate))
        .fingerprint()
        .finish();
    cap.tcp_send(&mut c, Dir::C2S, &rfc4571(&m));
    cap.label("req");
    let m = msg("Binding", Class::SuccessResponse, tid(200))
        .xor_address(attr(Role::XorMappedAddress), a)
        .fingerprint()
        .finish();
    cap.tcp_send(&mut c, Dir::S2C, &rfc4571(&m));
    cap.label("resp");
    cap.tcp_close(&mut c);
    Fixture::from("rfc4571", cap)
}

fn ms_allocate_pair(n: u32, client: SocketAddr) -> (Vec<u8>, Vec<u8>) {
    let req = ms_msg("Allocate", Class::Request, tid16(n))
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .attr_u32(ms_attr(Role::Lifetime), 480)
        .finish();
    let resp = ms_msg("Allocate", Class::SuccessResponse, tid16(n))
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .address(ms_attr(Role::MappedAddress), sa([10, 0, 3, 2], 50000))
        .attr_u32(ms_attr(Role::Lifetime), 480)
        .address(ms_attr(Role::XorMappedAddress), client) // value not XORed: only the header fields are asserted
        .finish();
    (req, resp)
}

fn ms_turn_tcp() -> Fixture {
    let mut cap = Capture::new();
    let client = sa([10, 0, 3, 1], 50200);
    let mut c = cap.tcp_open(client, sa([10, 0, 3, 2], 14443));
    let (req, resp) = ms_allocate_pair(300, client);
    cap.tcp_send(&mut c, Dir::C2S, &ms_tcp(MsTcpType::Control, &req));
    cap.label("alloc-req");
    cap.tcp_send(&mut c, Dir::S2C, &ms_tcp(MsTcpType::Control, &resp));
    cap.label("alloc-ok");
    let send = ms_msg("Send", Class::Request, tid16(301))
        .address(ms_attr(Role::DestinationAddress), sa([10, 0, 3, 9], 7000))
        .attr(ms_attr(Role::Data), b"payload")
        .finish();
    cap.tcp_send(&mut c, Dir::C2S, &ms_tcp(MsTcpType::Control, &send));
    cap.label("send");
    cap.tcp_send(
        &mut c,
        Dir::S2C,
        &ms_tcp(MsTcpType::Data, b"\x80\x00end-to-end data"),
    );
    cap.label("e2e-data");
    cap.tcp_close(&mut c);
    Fixture::from("ms-turn-tcp", cap)
}

/// Cipher suite of the pseudo-TLS hellos (TLS_DH_anon_WITH_RC4_128_MD5).
const PSEUDO_TLS_SUITE: u16 = 0x0018;

/// A TLS `random`: a 4-byte time, then 28 bytes `i * mul`.
fn tls_random(time: u32, mul: u8) -> [u8; 32] {
    let mut r = [0u8; 32];
    r[..4].copy_from_slice(&time.to_be_bytes());
    for (i, b) in r[4..].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(mul);
    }
    r
}

fn pseudo_tls() -> Fixture {
    let mut cap = Capture::new();
    let client = sa([10, 0, 4, 1], 50300);
    let mut c = cap.tcp_open(client, sa([10, 0, 4, 2], 10443));
    let hello = build::pseudo_tls_client_hello_with(&tls_random(0x4A2B_3C4D, 7), PSEUDO_TLS_SUITE);
    cap.tcp_send(&mut c, Dir::C2S, &hello);
    cap.label("client-hello");
    let session_id: Vec<u8> = (0..32u8).map(|i| i ^ 0x5A).collect();
    let hello = build::pseudo_tls_server_hello_with(
        &tls_random(0x4A2B_3C4E, 11),
        &session_id,
        PSEUDO_TLS_SUITE,
    );
    cap.tcp_send(&mut c, Dir::S2C, &hello);
    cap.label("server-hello");
    let (req, resp) = ms_allocate_pair(400, client);
    cap.tcp_send(&mut c, Dir::C2S, &ms_tcp(MsTcpType::Control, &req));
    cap.label("alloc-req");
    cap.tcp_send(&mut c, Dir::S2C, &ms_tcp(MsTcpType::Control, &resp));
    cap.label("alloc-ok");
    cap.tcp_close(&mut c);
    Fixture::from("pseudo-tls", cap)
}

fn udp() -> Fixture {
    let mut cap = Capture::new();
    // Plain STUN Binding.
    let (c, s) = (sa([10, 0, 1, 1], 40000), sa([10, 0, 1, 2], 19302));
    let m = msg("Binding", Class::Request, tid(500))
        .string(attr(Role::Software), "fixture")
        .fingerprint()
        .finish();
    cap.udp(c, s, &m);
    cap.label("binding-req");
    cap.wait(Duration::from_millis(100));
    cap.udp(c, s, &m);
    cap.label("binding-retx");
    let m = msg("Binding", Class::SuccessResponse, tid(500))
        .xor_address(attr(Role::XorMappedAddress), sa([203, 0, 113, 7], 61000))
        .fingerprint()
        .finish();
    cap.udp(s, c, &m);
    cap.label("binding-ok");
    // MS-TURN dialect over UDP.
    let (c, s) = (sa([10, 0, 1, 1], 40001), sa([10, 0, 1, 2], 13480));
    let (req, resp) = ms_allocate_pair(501, c);
    cap.udp(c, s, &req);
    cap.label("ms-alloc-req");
    cap.udp(s, c, &resp);
    cap.label("ms-alloc-ok");
    // TURN with a channel, then ChannelData (unpadded on UDP).
    let (c, s) = (sa([10, 0, 1, 1], 40002), sa([10, 0, 1, 2], 13481));
    let peer = sa([10, 0, 1, 9], 9000);
    let m = msg("Allocate", Class::Request, tid(502))
        .attr_u8_padded(attr(Role::RequestedTransport), 17)
        .finish();
    cap.udp(c, s, &m);
    cap.label("alloc-req");
    let m = msg("Allocate", Class::SuccessResponse, tid(502))
        .xor_address(attr(Role::RelayedAddress), sa([10, 0, 1, 2], 50000))
        .xor_address(attr(Role::XorMappedAddress), c)
        .attr_u32(attr(Role::Lifetime), 600)
        .finish();
    cap.udp(s, c, &m);
    cap.label("alloc-ok");
    let m = msg("ChannelBind", Class::Request, tid(503))
        .attr(attr(Role::ChannelNumber), &[0x40, 0x01, 0, 0])
        .xor_address(attr(Role::PeerAddress), peer)
        .finish();
    cap.udp(c, s, &m);
    cap.label("chbind-req");
    cap.udp(
        s,
        c,
        &msg("ChannelBind", Class::SuccessResponse, tid(503)).finish(),
    );
    cap.label("chbind-ok");
    cap.udp(c, s, &channel_data(0x4001, b"udp-channel-data", false));
    cap.label("chdata");
    Fixture::from("udp", cap)
}

fn split() -> Fixture {
    let mut cap = Capture::new();
    let client = sa([10, 0, 5, 1], 50400);
    let mut c = cap.tcp_open(client, sa([10, 0, 5, 2], 13482));
    // One message over three segments.
    let m1 = msg("Allocate", Class::Request, tid(600))
        .attr_u8_padded(attr(Role::RequestedTransport), 17)
        .string(attr(Role::Software), "a client with a long software name")
        .attr_u32(attr(Role::Lifetime), 300)
        .fingerprint()
        .finish();
    cap.tcp_send_split(&mut c, Dir::C2S, &m1, &[1, 30]);
    cap.label("three-segments");
    let r1 = msg("Allocate", Class::SuccessResponse, tid(600))
        .xor_address(attr(Role::RelayedAddress), sa([10, 0, 5, 2], 49999))
        .xor_address(attr(Role::XorMappedAddress), client)
        .attr_u32(attr(Role::Lifetime), 300)
        .finish();
    cap.tcp_send(&mut c, Dir::S2C, &r1);
    cap.label("alloc-ok");
    // Three messages in one segment.
    let a = msg("Binding", Class::Request, tid(601)).finish();
    let b = msg("Binding", Class::Request, tid(602))
        .string(attr(Role::Software), "x")
        .finish();
    let d = msg("Refresh", Class::Request, tid(603))
        .attr_u32(attr(Role::Lifetime), 300)
        .finish();
    cap.tcp_send(
        &mut c,
        Dir::C2S,
        &[a.clone(), b.clone(), d.clone()].concat(),
    );
    cap.label("three-in-one");
    // A segment that ends one message and begins the next: cut in the middle of the second.
    let e = msg("Binding", Class::SuccessResponse, tid(601))
        .xor_address(attr(Role::XorMappedAddress), client)
        .finish();
    let f = msg("Binding", Class::SuccessResponse, tid(602))
        .xor_address(attr(Role::XorMappedAddress), client)
        .finish();
    let g = msg("Refresh", Class::SuccessResponse, tid(603))
        .attr_u32(attr(Role::Lifetime), 300)
        .finish();
    let all = [e.clone(), f.clone(), g.clone()].concat();
    let cut1 = e.len() - 10; // first segment: most of e
    let cut2 = e.len() + 7; // second: end of e + start of f
    cap.tcp_send_split(&mut c, Dir::S2C, &all, &[cut1, cut2]);
    // Segments: [..cut1] [cut1..cut2] (ends e, starts f) [cut2..] (ends f, all of g).
    cap.label("straddle-end");
    cap.tcp_close(&mut c);
    // RFC 4571 framing split inside the 2-byte length prefix.
    let mut d2 = cap.tcp_open(sa([10, 0, 5, 1], 50401), sa([10, 0, 5, 2], 15001));
    let m = rfc4571(
        &msg("Binding", Class::Request, tid(604))
            .attr_u32(attr(Role::Priority), 7)
            .fingerprint()
            .finish(),
    );
    cap.tcp_send_split(&mut d2, Dir::C2S, &m, &[1]);
    cap.label("rfc4571-split");
    cap.tcp_close(&mut d2);
    Fixture::from("split", cap)
}

/// Long-term credentials of the `integrity` scenario.
pub mod integrity_consts {
    /// Username.
    pub const USER: &str = "alice";
    /// Realm.
    pub const REALM: &str = "example.org";
    /// Password.
    pub const PASSWORD: &str = "wonderland";
    /// Nonce.
    pub const NONCE: &str = "obMatJos2gAAAadl7W7PeDU4hKE72jda";
    /// ICE USERNAME of the short-term checks.
    pub const ICE_USER: &str = "evtj:h6vY";
    /// ICE password (RFC 5769's).
    pub const ICE_PWD: &str = "VOkJxbRl1RmTxUk/WvJxBt";
}

fn integrity() -> Fixture {
    use integrity_consts::*;
    let mut cap = Capture::new();
    let key = long_term_key(USER, REALM, PASSWORD);
    let client = sa([10, 0, 6, 1], 50500);
    let mut c = cap.tcp_open(client, sa([10, 0, 6, 2], 13483));
    let auth = |m: MessageBuilder| {
        m.string(attr(Role::Username), USER)
            .string(attr(Role::Realm), REALM)
            .string(attr(Role::Nonce), NONCE)
    };
    let m = auth(
        msg("Allocate", Class::Request, tid(700))
            .attr_u8_padded(attr(Role::RequestedTransport), 17),
    )
    .message_integrity(&key)
    .fingerprint()
    .finish();
    cap.tcp_send(&mut c, Dir::C2S, &m);
    cap.label("lt-good-req");
    let m = msg("Allocate", Class::SuccessResponse, tid(700))
        .xor_address(attr(Role::RelayedAddress), sa([10, 0, 6, 2], 50001))
        .xor_address(attr(Role::XorMappedAddress), client)
        .attr_u32(attr(Role::Lifetime), 600)
        .message_integrity(&key)
        .fingerprint()
        .finish();
    cap.tcp_send(&mut c, Dir::S2C, &m);
    cap.label("lt-good-resp");
    let m = auth(msg("Refresh", Class::Request, tid(701)).attr_u32(attr(Role::Lifetime), 600))
        .message_integrity(&wrong_key(&key))
        .fingerprint()
        .finish();
    cap.tcp_send(&mut c, Dir::C2S, &m);
    cap.label("lt-bad-req");
    let m = msg("Refresh", Class::SuccessResponse, tid(701))
        .attr_u32(attr(Role::Lifetime), 600)
        .message_integrity(&wrong_key(&key))
        .finish();
    cap.tcp_send(&mut c, Dir::S2C, &m);
    cap.label("lt-bad-resp");
    cap.tcp_close(&mut c);
    // ICE short-term credentials over UDP.
    let (a, b) = (sa([10, 0, 6, 1], 40600), sa([10, 0, 6, 2], 40601));
    let m = msg("Binding", Class::Request, tid(702))
        .string(attr(Role::Username), ICE_USER)
        .attr_u32(attr(Role::Priority), 0x6e0001ff)
        .attr_u64(attr(Role::IceControlled), 0x932f_f9b1_5126_3b36)
        .message_integrity(ICE_PWD.as_bytes())
        .fingerprint()
        .finish();
    cap.udp(a, b, &m);
    cap.label("st-good-req");
    let m = msg("Binding", Class::SuccessResponse, tid(702))
        .xor_address(attr(Role::XorMappedAddress), a)
        .message_integrity(ICE_PWD.as_bytes())
        .fingerprint()
        .finish();
    cap.udp(b, a, &m);
    cap.label("st-good-resp");
    let m = msg("Binding", Class::Request, tid(703))
        .string(attr(Role::Username), ICE_USER)
        .attr_u32(attr(Role::Priority), 0x6e0001ff)
        .message_integrity(&wrong_key(ICE_PWD.as_bytes()))
        .fingerprint()
        .finish();
    cap.udp(a, b, &m);
    cap.label("st-bad-req");
    let m = msg("Binding", Class::Request, tid(704))
        .string(attr(Role::Username), ICE_USER)
        .attr_u32(attr(Role::Priority), 1)
        .fingerprint()
        .finish();
    let m = corrupt_last_byte(m);
    cap.udp(a, b, &m);
    cap.label("fp-bad");
    Fixture::from("integrity", cap)
}

/// A comprehension-required attribute code no registry knows (0x0000–0x7FFF range).
pub const UNKNOWN_REQUIRED_ATTR: u16 = 0x7FFE;

fn malformed() -> Fixture {
    let mut cap = Capture::new();
    let (c, s) = (sa([10, 0, 7, 1], 40700), sa([10, 0, 7, 2], 13490));
    // Attribute value overruns the message: declares 40 bytes, 8 present.
    let m = msg("Binding", Class::Request, tid(800))
        .attr_raw(attr(Role::Software), 40, b"8 bytes!")
        .finish();
    cap.udp(c, s, &m);
    cap.label("overrun");
    // Two bytes after the last attribute: attribute header truncated.
    let m = msg("Binding", Class::Request, tid(801))
        .attr_u32(attr(Role::Priority), 5)
        .finish();
    let m = append_raw(m, &[0x80, 0x22]);
    cap.udp(c, s, &m);
    cap.label("attr-truncated");
    // USERNAME of 5 bytes without padding in an RFC 5389 message.
    let m = msg("Binding", Class::Request, tid(802))
        .attr_raw(attr(Role::Username), 5, b"abcde")
        .finish();
    cap.udp(c, s, &m);
    cap.label("bad-padding");
    // Header declares more than the datagram holds.
    let m = msg("Binding", Class::Request, tid(803))
        .attr_u32(attr(Role::Priority), 5)
        .finish();
    let m = set_length(m, 100);
    cap.udp(c, s, &m);
    cap.label("truncated");
    // Wrong FINGERPRINT.
    let m = msg("Binding", Class::Request, tid(804))
        .string(attr(Role::Software), "fp")
        .fingerprint()
        .finish();
    let m = corrupt_last_byte(m);
    cap.udp(c, s, &m);
    cap.label("bad-fingerprint");
    // Unknown comprehension-required attribute.
    let m = msg("Binding", Class::Request, tid(805))
        .attr_u32(UNKNOWN_REQUIRED_ATTR, 1)
        .fingerprint()
        .finish();
    cap.udp(c, s, &m);
    cap.label("unknown-required");
    // A request that is never answered.
    let m = msg("Allocate", Class::Request, tid(806))
        .attr_u8_padded(attr(Role::RequestedTransport), 17)
        .fingerprint()
        .finish();
    cap.udp(c, s, &m);
    cap.label("unanswered");
    // 437 Allocation Mismatch error response to a request nobody saw.
    let m = msg("Allocate", Class::ErrorResponse, tid(807))
        .error_code(437, "Allocation Mismatch")
        .fingerprint()
        .finish();
    cap.udp(s, c, &m);
    cap.label("error-437");
    // TCP: a ConnectionBind with no ConnectionAttempt, then a message cut off by FIN.
    let mut t = cap.tcp_open(sa([10, 0, 7, 1], 50700), sa([10, 0, 7, 2], 13491));
    let m = msg("ConnectionBind", Class::Request, tid(808))
        .attr_u32(attr(Role::ConnectionId), 0xdead)
        .fingerprint()
        .finish();
    cap.tcp_send(&mut t, Dir::C2S, &m);
    cap.label("orphan-bind");
    let m = msg("Refresh", Class::Request, tid(809))
        .attr_u32(attr(Role::Lifetime), 1)
        .string(attr(Role::Software), "never finished")
        .finish();
    cap.tcp_send(&mut t, Dir::C2S, &m[..30]);
    cap.label("tcp-cut");
    cap.tcp_close(&mut t);
    Fixture::from("malformed", cap)
}

/// `n` STUN messages over UDP on port 3478 (so the built-in `stun` decodes them too).
fn bench(n: usize) -> Fixture {
    let mut cap = Capture::new();
    let s = sa([10, 1, 0, 1], 3478);
    for i in 0..n {
        let c = sa(
            [10, 2, (i >> 8) as u8 & 0x3f, i as u8],
            20000 + (i % 1000) as u16,
        );
        let t = tid(10_000 + (i / 2) as u32);
        if i % 2 == 0 {
            let m = msg("Binding", Class::Request, t)
                .string(attr(Role::Software), "bench")
                .attr_u32(attr(Role::Priority), i as u32)
                .fingerprint()
                .finish();
            cap.udp(c, s, &m);
        } else {
            let m = msg("Binding", Class::SuccessResponse, t)
                .xor_address(attr(Role::XorMappedAddress), c)
                .fingerprint()
                .finish();
            cap.udp(s, c, &m);
        }
    }
    Fixture::from("bench", cap)
}

/// `n` UDP datagrams that are not STUN (RTP-like, first byte 0x80) on unassigned ports.
fn nostun(n: usize) -> Fixture {
    let mut cap = Capture::new();
    for i in 0..n {
        let a = sa([10, 3, 0, 1], 30000 + 2 * (i % 500) as u16);
        let b = sa([10, 3, 0, 2], 31000 + 2 * (i % 500) as u16);
        let mut p = vec![0x80, 0x60];
        p.extend_from_slice(&(i as u16).to_be_bytes());
        p.extend_from_slice(&(i as u32).wrapping_mul(160).to_be_bytes());
        p.extend_from_slice(&0xcafe_f00du32.to_be_bytes());
        p.extend((0..60).map(|k| (k as u8).wrapping_mul(i as u8)));
        if i % 2 == 0 {
            cap.udp(a, b, &p);
        } else {
            cap.udp(b, a, &p);
        }
    }
    Fixture::from("nostun", cap)
}
