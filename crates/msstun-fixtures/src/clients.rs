//! Scenarios shaped like what real clients send on TURN port 3478 (issue 14): Microsoft
//! Teams' [MS-TURN] inside an RFC 5389 header, WhatsApp's Allocate whose length is not a
//! multiple of 4, Zoom's RFC 3489-style Binding (also quoted in an ICMP error).
//!
//! The layouts follow the description of the public client captures, byte for
//! byte where it gives them (unpadded attributes, lengths not a multiple of 4, realm
//! `rtcmedia`, a 32-byte MESSAGE-INTEGRITY, 24-byte MS-SEQUENCE-NUMBER, attribute
//! 0x8006); values such as usernames, nonces and addresses are made up.

use crate::capture::{sa, Capture};
use crate::scenarios::Fixture;
use crate::stun::attr_in;
use msstun::build::MessageBuilder;
use msstun::Role;
use msstun::{check, Class, Dialect, MAGIC_COOKIE};
use std::net::Ipv4Addr;

/// Client scenarios with a one-line description.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("teams", "Microsoft Teams: MS-TURN (MS-VERSION 6) in an RFC 5389 header, unpadded, 32-byte MESSAGE-INTEGRITY: Allocate 401 → Allocate → success, 300 ALTERNATE-SERVER, Send with an ICE check, Data indication (UDP 3478)"),
    ("whatsapp", "WhatsApp: Allocate requests of length 106 (one unpadded 0x4000 attribute) and their answers (UDP 3478)"),
    ("zoom", "Zoom: RFC 3489-style Binding with attribute 0x0101, and an ICMP port unreachable quoting one (UDP 3478)"),
];

/// Builds a client scenario by name.
pub fn build(name: &str, _n: usize) -> Option<Fixture> {
    Some(match name {
        "teams" => teams(),
        "whatsapp" => whatsapp(),
        "zoom" => zoom(),
        _ => return None,
    })
}

fn tid(n: u32) -> [u8; 12] {
    let mut t = [0u8; 12];
    t[..4].copy_from_slice(&0x7ea0_0000u32.wrapping_add(n).to_be_bytes());
    t[4..8].copy_from_slice(&n.wrapping_mul(0x2545_F491).to_be_bytes());
    t[8..].copy_from_slice(&(!n).rotate_left(7).to_be_bytes());
    t
}

/// Credentials and constants of the `teams` scenario.
pub mod teams_consts {
    /// USERNAME of the Allocate (Teams sends a base64 token).
    pub const USER: &str = "AgAAJCp9kQ8B2uwvzNh0F7a1l8ZQ4A==";
    /// REALM Teams' relays use.
    pub const REALM: &str = "rtcmedia";
    /// Password behind the long-term key (made up).
    pub const PASSWORD: &str = "teams-relay-password";
    /// NONCE (0x0014 in [MS-TURN]).
    pub const NONCE: &str = "8c3d0a9e5b71f2046e";
    /// SOFTWARE, 21 bytes: unpadded.
    pub const SOFTWARE: &str = "Microsoft-Teams/1.6.0";
    /// MULTIPLEXED-TURN-SESSION-ID of the allocation.
    pub const SESSION_ID: u64 = 0x0001_7e44_90ab_cdef;
}

fn teams_msg(method: &str, class: Class, t: [u8; 12]) -> MessageBuilder {
    MessageBuilder::new(
        Dialect::MsTurn5389,
        crate::stun::method(Dialect::MsTurn5389, method),
        class,
        &t,
    )
}

fn ms(role: Role) -> u16 {
    attr_in(Dialect::MsTurn5389, role)
}

/// MS-SEQUENCE-NUMBER: a 20-byte connection id then a 32-bit sequence number.
fn sequence(n: u32) -> [u8; 24] {
    let mut v = [0u8; 24];
    for (i, b) in v[..20].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(29) ^ 0xa7;
    }
    v[20..].copy_from_slice(&n.to_be_bytes());
    v
}

/// Teams over UDP 3478: labels `alloc-req`, `alloc-401`, `alloc-auth`, `alloc-ok`,
/// `alloc-300`, `send`, `data-ind`.
fn teams() -> Fixture {
    use teams_consts::*;
    let mut cap = Capture::new();
    let client = sa([10, 20, 0, 2], 50010);
    let relay = sa([10, 20, 0, 1], 3478);
    let key = check::long_term_key(USER, REALM, PASSWORD);
    let relayed = sa([10, 20, 0, 1], 52000);
    let peer = sa([10, 30, 0, 5], 50020);

    let m = teams_msg("Allocate", Class::Request, tid(1))
        .attr_u32(ms(Role::MsVersion), 6)
        .attr(ms(Role::MsServiceQuality), &[0, 1, 0, 0])
        .string(ms(Role::Software), SOFTWARE)
        .finish();
    cap.udp(client, relay, &m);
    cap.label("alloc-req");
    let m = teams_msg("Allocate", Class::ErrorResponse, tid(1))
        .error_code(401, "Unauthorized")
        .string(ms(Role::Realm), REALM)
        .string(ms(Role::Nonce), NONCE)
        .attr_u32(ms(Role::MsVersion), 6)
        .finish();
    cap.udp(relay, client, &m);
    cap.label("alloc-401");
    let m = teams_msg("Allocate", Class::Request, tid(2))
        .attr_u32(ms(Role::MsVersion), 6)
        .string(ms(Role::Username), USER)
        .string(ms(Role::Realm), REALM)
        .string(ms(Role::Nonce), NONCE)
        .attr(ms(Role::MsSequenceNumber), &sequence(1))
        .attr(ms(Role::MsAppId), &[0x00, 0x01, 0x02])
        .attr(ms(Role::MsServiceQuality), &[0, 1, 0, 0])
        // 0x8006: sent by Teams, in no [MS-TURN] list; shown raw.
        .attr(0x8006, &[0, 0, 0, 2])
        .string(ms(Role::Software), SOFTWARE)
        .message_integrity_ms_sha256(&key)
        .finish();
    cap.udp(client, relay, &m);
    cap.label("alloc-auth");
    let m = teams_msg("Allocate", Class::SuccessResponse, tid(2))
        .address(ms(Role::MappedAddress), relayed)
        .xor_address(ms(Role::XorMappedAddress), client)
        .attr_u32(ms(Role::Lifetime), 480)
        .attr_u32(ms(Role::Bandwidth), 750)
        .attr_u32(ms(Role::MsVersion), 6)
        .attr_u64(ms(Role::MsMultiplexedSessionId), SESSION_ID)
        .attr(ms(Role::MsSequenceNumber), &sequence(1))
        .message_integrity_ms_sha256(&key)
        .finish();
    cap.udp(relay, client, &m);
    cap.label("alloc-ok");
    let m = teams_msg("Allocate", Class::ErrorResponse, tid(3))
        .error_code(300, "Try Alternate")
        .address(ms(Role::AlternateServer), sa([10, 20, 0, 9], 3478))
        .attr_u32(ms(Role::MsVersion), 6)
        .finish();
    cap.udp(relay, client, &m);
    cap.label("alloc-300");
    // Send request carrying the RFC 5389 ICE check for the peer.
    let check = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &tid(9))
        .string(0x0006, "pQ3d:Zr8x")
        .attr_u32(0x0024, 0x6e7f_1eff)
        .attr_u64(0x802A, 0x1122_3344_5566_7788)
        .message_integrity(b"teams-ice-password")
        .fingerprint()
        .finish();
    let m = teams_msg("Send", Class::Request, tid(4))
        .address(ms(Role::DestinationAddress), peer)
        .attr(ms(Role::Data), &check)
        .attr(ms(Role::MsSequenceNumber), &sequence(2))
        .string(ms(Role::Username), USER)
        .string(ms(Role::Realm), REALM)
        .string(ms(Role::Nonce), NONCE)
        .message_integrity_ms_sha256(&key)
        .finish();
    cap.udp(client, relay, &m);
    cap.label("send");
    let m = teams_msg("Data", Class::Indication, tid(5))
        .address(ms(Role::RemoteAddress), peer)
        .attr(ms(Role::Data), &check)
        .finish();
    cap.udp(relay, client, &m);
    cap.label("data-ind");
    Fixture::from_capture("teams", cap)
}

/// WhatsApp's Allocate request: the RFC 5389 header (cookie), Length 106, one 0x4000
/// attribute of 102 bytes with no padding after it.
pub fn whatsapp_allocate(t: [u8; 12]) -> Vec<u8> {
    let mut b = vec![0x00, 0x03, 0x00, 106];
    b.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
    b.extend_from_slice(&t);
    b.extend_from_slice(&[0x40, 0x00, 0x00, 102]);
    b.extend((0..102u8).map(|i| i.wrapping_mul(57) ^ 0x3c));
    b
}

/// WhatsApp over UDP 3478: labels `wa-alloc-1`, `wa-alloc-2`, `wa-ok`.
fn whatsapp() -> Fixture {
    let mut cap = Capture::new();
    let client = sa([10, 40, 0, 2], 40100);
    let server = sa([10, 40, 0, 1], 3478);
    cap.udp(client, server, &whatsapp_allocate(tid(11)));
    cap.label("wa-alloc-1");
    cap.udp(client, server, &whatsapp_allocate(tid(12)));
    cap.label("wa-alloc-2");
    let m = MessageBuilder::new(Dialect::Rfc5389, 0x003, Class::SuccessResponse, &tid(12))
        .xor_address(0x0016, sa([10, 40, 0, 1], 41000))
        .xor_address(0x0020, client)
        .attr_u32(0x000D, 600)
        .finish();
    cap.udp(server, client, &m);
    cap.label("wa-ok");
    Fixture::from_capture("whatsapp", cap)
}

/// Zoom over UDP 3478: labels `zoom-req`, `zoom-resp`, `zoom-icmp` (an ICMP port
/// unreachable from the client's router quoting a classic Binding request to 3478).
fn zoom() -> Fixture {
    let mut cap = Capture::new();
    let client = sa([10, 50, 0, 2], 51234);
    let server = sa([10, 50, 0, 1], 3478);
    let t16 = |n: u8| -> [u8; 16] { core::array::from_fn(|i| (i as u8).wrapping_mul(11) ^ n) };
    let req = MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::Request, &t16(0x91))
        .attr(0x0101, &[0, 0, 0, 1, 0x5a, 0x6b, 0x7c, 0x8d])
        .finish();
    cap.udp(client, server, &req);
    cap.label("zoom-req");
    let resp = MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::SuccessResponse, &t16(0x91))
        .address(0x0001, client)
        .attr(0x0101, &[0, 0, 0, 1, 0x5a, 0x6b, 0x7c, 0x8d])
        .finish();
    cap.udp(server, client, &resp);
    cap.label("zoom-resp");
    let req2 = MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::Request, &t16(0x92))
        .attr(0x0101, &[0, 0, 0, 2, 0x5a, 0x6b, 0x7c, 0x8d])
        .finish();
    cap.icmp_port_unreachable(Ipv4Addr::new(10, 50, 0, 254), client, server, &req2);
    cap.label("zoom-icmp");
    Fixture::from_capture("zoom", cap)
}
