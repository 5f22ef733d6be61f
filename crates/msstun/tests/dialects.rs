//! The dialects real clients send, written with the encoder byte for byte as the
//! client captures show them, then parsed back: Microsoft Teams' [MS-TURN] inside an
//! RFC 5389 header (MS-VERSION 6, unpadded, 32-byte MESSAGE-INTEGRITY), WhatsApp's
//! Allocate with a length that is not a multiple of 4, Zoom's RFC 3489-style Binding.

use msstun::build::MessageBuilder;
use msstun::check::{self, Status};
use msstun::detect::detect;
use msstun::framing::Transport;
use msstun::message::{ATTR_MS_MAGIC_COOKIE, MS_TURN_MAGIC_COOKIE};
use msstun::{Class, Deviations, Dialect, Message, MAGIC_COOKIE};

const TID: [u8; 12] = [
    0x6b, 0x41, 0x2c, 0x09, 0x11, 0xee, 0x3a, 0x70, 0x5d, 0x02, 0x99, 0x14,
];
const USER: &str = "AgAAJCp9kQ8B2uwvzNh0F7a1l8ZQ4A==";
const REALM: &str = "rtcmedia";
const PASSWORD: &str = "teams-password";

fn key() -> [u8; 16] {
    check::long_term_key(USER, REALM, PASSWORD)
}

/// A Teams Allocate request: MAGIC-COOKIE, MS-VERSION 6, USERNAME, REALM, NONCE,
/// MS-SEQUENCE-NUMBER, APP-ID, MS-SERVICE-QUALITY, MULTIPLEXED-TURN-SESSION-ID, 0x8006,
/// SOFTWARE (odd length, unpadded) and a 32-byte MESSAGE-INTEGRITY.
fn teams_allocate() -> Vec<u8> {
    let mut seq = [0u8; 24];
    seq[..20].copy_from_slice(&[0xc4; 20]);
    seq[20..].copy_from_slice(&7u32.to_be_bytes());
    MessageBuilder::new(Dialect::MsTurn5389, 0x003, Class::Request, &TID)
        .attr_u32(0x8008, 6)
        .string(0x0006, USER)
        .string(0x0015, REALM)
        .string(0x0014, "9b2f1a0c4d")
        .attr(0x8050, &seq)
        .attr(0x8037, &[0x01, 0x02, 0x03])
        .attr(0x8055, &[0, 1, 0, 0])
        .attr_u64(0x8095, 0x0011_2233_4455_6677)
        .attr(0x8006, &[0x00, 0x00, 0x00, 0x02])
        .string(0x8022, "Microsoft-Teams/1.6.0")
        .message_integrity_ms_sha256(&key())
        .finish()
}

#[test]
fn teams_allocate_is_ms_turn_in_an_rfc5389_header() {
    let b = teams_allocate();
    // Byte for byte: the RFC 5389 header, then MAGIC-COOKIE first, unpadded values.
    assert_eq!(&b[0..2], &[0x00, 0x03]);
    assert_eq!(&b[4..8], &MAGIC_COOKIE.to_be_bytes());
    assert_eq!(&b[8..20], &TID);
    assert_eq!(&b[20..24], &[0x00, 0x0F, 0x00, 0x04]);
    assert_eq!(&b[24..28], &MS_TURN_MAGIC_COOKIE.to_be_bytes());
    assert_eq!(&b[28..36], &[0x80, 0x08, 0x00, 0x04, 0, 0, 0, 6]);
    // USERNAME is 32 bytes, REALM 8: the NONCE header follows REALM's last byte.
    let realm_at = 36 + 4 + USER.len();
    assert_eq!(&b[realm_at..realm_at + 4], &[0x00, 0x15, 0x00, 0x08]);
    assert_eq!(&b[realm_at + 4..realm_at + 12], REALM.as_bytes());
    assert_eq!(&b[realm_at + 12..realm_at + 16], &[0x00, 0x14, 0x00, 0x0a]);
    let len = u16::from_be_bytes([b[2], b[3]]) as usize;
    assert_eq!(len + 20, b.len());
    assert!(!len.is_multiple_of(4), "unpadded: {len}");

    let m = Message::new_checked(&b[..]).unwrap();
    assert_eq!(m.dialect(), Dialect::MsTurn5389);
    assert_eq!(m.dialect().code(), 4);
    assert_eq!(m.transaction_id(), &TID);
    assert_eq!((m.method().name, m.class()), ("Allocate", Class::Request));
    assert!(m.deviations().is_empty());
    let attrs: Vec<_> = m.attributes().collect::<Result<_, _>>().unwrap();
    let keys: Vec<_> = attrs
        .iter()
        .map(|a| a.desc.map_or("?", |d| d.key))
        .collect();
    assert_eq!(
        keys,
        [
            "magic_cookie",
            "ms_version",
            "username",
            "realm",
            "nonce",
            "ms_sequence_number",
            "ms_app_id",
            "ms_service_quality",
            "ms_multiplexed_turn_session_id",
            "?",
            "software",
            "message_integrity"
        ]
    );
    for a in &attrs {
        assert_eq!(a.value_error(), None, "{}", a.name());
        assert_eq!(a.padding(), 0);
    }
    // 0x8006 is in no [MS-TURN] list: raw, comprehension-optional.
    let unknown = attrs.iter().find(|a| a.code == 0x8006).unwrap();
    assert!(unknown.desc.is_none() && !unknown.comprehension_required());
    assert_eq!(attrs.last().unwrap().value.len(), 32);
    assert_eq!(attrs[0].code, ATTR_MS_MAGIC_COOKIE);
    assert_eq!(attrs[3].as_str(), Some(REALM));
    assert_eq!(attrs[4].as_str(), Some("9b2f1a0c4d"));
    let seq: Vec<_> = attrs[5].fields().map(|f| f.unwrap().desc.key).collect();
    assert_eq!(seq, ["connection_id", "sequence"]);

    // Found by the detector, over UDP and TCP, as dialect 4.
    for t in [Transport::Udp, Transport::Tcp] {
        assert_eq!(detect(t, &b).unwrap().dialect(), Some(Dialect::MsTurn5389));
    }
    // The 32-byte MESSAGE-INTEGRITY is HMAC-SHA256 with the long-term key.
    let creds = vec![(USER, REALM, PASSWORD)];
    assert_eq!(check::verify(&m, &creds).integrity, Some(Status::Good));
    let wrong = vec![(USER, REALM, "other")];
    assert_eq!(check::verify(&m, &wrong).integrity, Some(Status::Bad));
    let mut tampered = b.clone();
    tampered[35] ^= 1; // MS-VERSION 6 -> 7
    let t = Message::new_checked(&tampered[..]).unwrap();
    assert_eq!(check::verify(&t, &creds).integrity, Some(Status::Bad));
    // The summary names the dialect, the realm and the nonce are text.
    let s = m.summary().to_string();
    assert!(s.starts_with("Allocate Request [MS-TURN/5389]"), "{s}");
}

#[test]
fn teams_error_alternate_and_send_layouts() {
    // 401 with an unpadded ERROR-CODE, then REALM and NONCE: RFC 5389 rules would run
    // off the end ("attribute 0x0800 declares 269 bytes").
    let err = MessageBuilder::new(Dialect::MsTurn5389, 0x003, Class::ErrorResponse, &TID)
        .error_code(401, "Unauthorized")
        .string(0x0015, REALM)
        .string(0x0014, "0123456789abcdef01")
        .attr_u32(0x8008, 6)
        .finish();
    assert_eq!(&err[28..32], &[0x00, 0x09, 0x00, 16]);
    let m = Message::new_checked(&err[..]).unwrap();
    assert_eq!(m.dialect(), Dialect::MsTurn5389);
    let attrs: Vec<_> = m.attributes().collect::<Result<_, _>>().unwrap();
    assert_eq!(attrs[1].error_code(), Some((401, "Unauthorized")));
    assert_eq!(attrs[2].desc.unwrap().key, "realm");
    assert_eq!(attrs[3].desc.unwrap().key, "nonce");
    assert!(m.summary().to_string().contains("401"));

    // Success response: MAPPED-ADDRESS, XOR-MAPPED-ADDRESS 0x8020, BANDWIDTH, LIFETIME;
    // a 300 with ALTERNATE-SERVER 0x000E.
    let mapped: std::net::SocketAddr = "192.0.2.33:50012".parse().unwrap();
    let ok = MessageBuilder::new(Dialect::MsTurn5389, 0x003, Class::SuccessResponse, &TID)
        .address(0x0001, "52.112.0.9:3478".parse().unwrap())
        .xor_address(0x8020, mapped)
        .attr_u32(0x0010, 750)
        .attr_u32(0x000D, 480)
        .finish();
    let m = Message::new_checked(&ok[..]).unwrap();
    let attrs: Vec<_> = m.attributes().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        attrs[2].address().unwrap().unwrap().to_string(),
        mapped.to_string()
    );
    assert_eq!(attrs[3].desc.unwrap().key, "bandwidth");
    let alt = MessageBuilder::new(Dialect::MsTurn5389, 0x003, Class::ErrorResponse, &TID)
        .error_code(300, "Try Alternate")
        .address(0x000E, "52.112.0.10:3478".parse().unwrap())
        .finish();
    let m = Message::new_checked(&alt[..]).unwrap();
    let a = m.attributes().nth(2).unwrap().unwrap();
    assert_eq!(
        (
            a.desc.unwrap().key,
            a.address().unwrap().unwrap().to_string()
        ),
        ("alternate_server", "52.112.0.10:3478".into())
    );

    // Send request 0x0004: DESTINATION-ADDRESS and DATA holding an RFC 5389 ICE check.
    let check_msg = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &[9; 12])
        .string(0x0006, "abcd:efgh")
        .attr_u32(0x0024, 0x6e00_01ff)
        .message_integrity(b"ice-pwd")
        .fingerprint()
        .finish();
    let send = MessageBuilder::new(Dialect::MsTurn5389, 0x004, Class::Request, &TID)
        .address(0x0011, "10.1.2.3:50000".parse().unwrap())
        .attr(0x0013, &check_msg)
        .finish();
    assert_eq!(&send[0..2], &[0x00, 0x04]);
    let m = Message::new_checked(&send[..]).unwrap();
    assert_eq!((m.method().name, m.class()), ("Send", Class::Request));
    let data = m.attributes().nth(2).unwrap().unwrap();
    assert_eq!(data.desc.unwrap().key, "data");
    let inner = Message::new_checked(data.value).unwrap();
    assert_eq!(inner.dialect(), Dialect::Rfc5389);
    assert_eq!(check::fingerprint_status(&inner), Some(Status::Good));
    for t in [Transport::Udp, Transport::Tcp] {
        assert_eq!(
            detect(t, &send).unwrap().dialect(),
            Some(Dialect::MsTurn5389)
        );
    }
}

/// WhatsApp: an Allocate request (cookie) of length 106 holding one unpadded 0x4000
/// attribute of 102 bytes.
fn whatsapp_allocate() -> Vec<u8> {
    let value: Vec<u8> = (0..102u8).map(|i| i.wrapping_mul(13) ^ 0x5a).collect();
    let mut b = vec![0x00, 0x03, 0x00, 106];
    b.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
    b.extend_from_slice(&TID);
    b.extend_from_slice(&[0x40, 0x00, 0x00, 102]);
    b.extend_from_slice(&value);
    b
}

#[test]
fn whatsapp_unpadded_allocate_is_tolerated() {
    let b = whatsapp_allocate();
    assert_eq!(b.len(), 126);
    let m = Message::new_checked(&b[..]).unwrap();
    assert_eq!(m.dialect(), Dialect::Rfc5389);
    assert_eq!(
        m.deviations(),
        Deviations::LENGTH_NOT_MULTIPLE_OF_4.union(Deviations::UNPADDED_ATTRIBUTES)
    );
    assert!(m.deviations().describe().contains("not a multiple of 4"));
    let attrs: Vec<_> = m.attributes().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        (attrs.len(), attrs[0].code, attrs[0].value.len()),
        (1, 0x4000, 102)
    );
    assert!(attrs[0].comprehension_required());
    for t in [Transport::Udp, Transport::Tcp] {
        assert_eq!(detect(t, &b).unwrap().dialect(), Some(Dialect::Rfc5389));
    }
    // A length that is not a multiple of 4 and does not walk exactly: declined on a
    // TCP stream, and the parser reports where it stops.
    let mut bad = b.clone();
    bad[23] = 100;
    assert_eq!(detect(Transport::Tcp, &bad), None);
    let m = Message::new_checked(&bad[..]).unwrap();
    assert_eq!(m.deviations(), Deviations::LENGTH_NOT_MULTIPLE_OF_4);
    assert!(m.attributes().any(|a| a.is_err()));
    // Well-formed messages have no deviation.
    let good = MessageBuilder::new(Dialect::Rfc5389, 0x003, Class::Request, &TID)
        .attr(0x4000, &[1, 2, 3])
        .finish();
    assert!(Message::new_checked(&good[..])
        .unwrap()
        .deviations()
        .is_empty());
}

/// Zoom: RFC 3489-style Binding request (no cookie, 128-bit id) with attribute 0x0101.
#[test]
fn zoom_classic_binding_decodes() {
    let b = MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::Request, &[0x3c; 16])
        .attr(0x0101, &[0, 0, 0, 1, 0x0a, 0x0b, 0x0c, 0x0d])
        .finish();
    let m = Message::new_checked(&b[..]).unwrap();
    assert_eq!(m.dialect(), Dialect::Rfc3489);
    assert_eq!(m.transaction_id(), &[0x3c; 16]);
    let a = m.attributes().next().unwrap().unwrap();
    assert_eq!((a.code, a.desc), (0x0101, None));
    assert!(m
        .summary()
        .to_string()
        .starts_with("Binding Request [RFC3489]"));
}
