//! Published test vectors: every RFC 5769 sample (§2.1–§2.4) and RFC 8489
//! Appendix B.1 (as corrected by verified erratum 6268), decoded and their
//! MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT checked with the published
//! credentials; then rebuilt byte for byte with the encoder.

use msstun::build::MessageBuilder;
use msstun::check::{self, Key, PasswordAlgorithm, Status};
use msstun::Role;
use msstun::{Class, Dialect, Message};

/// Hex as the RFCs print it (spaces, newlines) to bytes.
fn hex(s: &str) -> Vec<u8> {
    let d: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    assert_eq!(d.len() % 2, 0);
    d.chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect()
}

/// RFC 5769 §2.1 Sample Request (SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME,
/// MESSAGE-INTEGRITY, FINGERPRINT). Padding bytes are 0x20, as published.
const SAMPLE_REQUEST: &str = "
    00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
    80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
    00 24 00 04 6e 00 01 ff
    80 29 00 08 93 2f f9 b1 51 26 3b 36
    00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
    00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
    80 28 00 04 e5 7a 3b cf";

/// RFC 5769 §2.2 Sample IPv4 Response.
const SAMPLE_IPV4_RESPONSE: &str = "
    01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
    80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
    00 20 00 08 00 01 a1 47 e1 12 a6 43
    00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
    80 28 00 04 c0 7d 4c 96";

/// RFC 5769 §2.3 Sample IPv6 Response.
const SAMPLE_IPV6_RESPONSE: &str = "
    01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
    80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
    00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
    00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
    80 28 00 04 c8 fb 0b 4c";

/// RFC 5769 §2.4 Sample Request with Long-Term Authentication (USERNAME, NONCE,
/// REALM, MESSAGE-INTEGRITY; no FINGERPRINT).
const SAMPLE_LONG_TERM: &str = "
    00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
    00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
    00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
    00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
    00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";

/// RFC 8489 Appendix B.1 as corrected by erratum 6268: USERHASH, NONCE, REALM,
/// PASSWORD-ALGORITHM (SHA-256), MESSAGE-INTEGRITY-SHA256.
const RFC8489_B1: &str = "
    00 01 00 90 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
    00 1e 00 20 4a 3c f3 8f ef 69 92 bd a9 52 c6 78 04 17 da 0f 24 81 94 15 56 9e 60 b2 05 c4 6e 41 40 7f 17 04
    00 15 00 29 6f 62 4d 61 74 4a 6f 73 32 41 41 41 43 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33
                34 6f 4c 39 46 53 54 76 79 36 34 73 41 00 00 00
    00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
    00 1d 00 04 00 02 00 00
    00 1c 00 20 b5 c7 bf 00 5b 6c 52 a2 1c 51 c5 e8 92 f8 19 24 13 62 96 cb 92 7c 43 14 93 09 27 8c c6 51 8e 65";

const SHORT_TERM_PASSWORD: &str = "VOkJxbRl1RmTxUk/WvJxBt";
const TID: [u8; 12] = [
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
];
const LT_TID: [u8; 12] = [
    0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,
];
/// "マトリックス" (MATORIKKUSU), the long-term username.
const LT_USER: &str = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}";
const LT_REALM: &str = "example.org";
/// The SASLprep'ed form of "TheM\u{00AA}tr\u{2168}" as RFC 5769 gives it.
const LT_PASSWORD: &str = "TheMatrIX";
const LT_NONCE: &str = "f//499k954d6OL34oL9FSTvy64sA";

/// Offset of the first attribute with `code`.
fn offset_of(bytes: &[u8], role: Role) -> usize {
    let msg = Message::new_checked(bytes).unwrap();
    msg.attributes()
        .map(Result::unwrap)
        .find(|a| a.role() == role)
        .map(|a| a.offset)
        .expect("attribute present")
}

fn attr_value(bytes: &[u8], code: u16) -> Vec<u8> {
    let msg = Message::new_checked(bytes).unwrap();
    msg.attributes()
        .map(Result::unwrap)
        .find(|a| a.code == code)
        .map(|a| a.value.to_vec())
        .expect("attribute present")
}

/// Flip one bit at `at` and expect the check at `offset` to go Bad.
fn tampered_is_bad(bytes: &[u8], at: usize, check: impl Fn(&[u8]) -> Status) {
    let mut t = bytes.to_vec();
    t[at] ^= 0x01;
    assert_eq!(check(&t), Status::Bad, "tampering byte {at} went unnoticed");
}

#[test]
fn rfc5769_2_1_sample_request() {
    let b = hex(SAMPLE_REQUEST);
    assert_eq!(b.len(), 108);
    let msg = Message::new_checked(&b[..]).unwrap();
    assert_eq!(msg.dialect(), Dialect::Rfc5389);
    assert_eq!(msg.method().name, "Binding");
    assert_eq!(msg.class(), Class::Request);
    assert_eq!(msg.transaction_id(), TID);
    let attrs: Vec<_> = msg.attributes().map(Result::unwrap).collect();
    let codes_seen: Vec<u16> = attrs.iter().map(|a| a.code).collect();
    assert_eq!(codes_seen, [0x8022, 0x0024, 0x8029, 0x0006, 0x0008, 0x8028]);
    assert_eq!(attrs[0].as_str(), Some("STUN test client"));
    assert_eq!(attrs[1].as_u32(), Some(0x6e0001ff));
    assert_eq!(
        attrs[2].value,
        [0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36]
    );
    assert_eq!(attrs[3].as_str(), Some("evtj:h6vY"));
    for a in &attrs {
        for f in a.fields() {
            f.unwrap_or_else(|e| panic!("{}: {e}", a.name()));
        }
    }

    let mi = offset_of(&b, Role::Integrity);
    let fp = offset_of(&b, Role::Fingerprint);
    assert_eq!(
        check::check_integrity(&b, mi, SHORT_TERM_PASSWORD.as_bytes()),
        Status::Good
    );
    assert_eq!(check::check_integrity(&b, mi, b"wrong"), Status::Bad);
    assert_eq!(check::check_fingerprint(&b, fp), Status::Good);
    assert_eq!(check::fingerprint_status(&msg), Some(Status::Good));
    // The message's own USERNAME, no REALM: short-term key from the table.
    let creds = [("evtj:h6vY", "", SHORT_TERM_PASSWORD)];
    assert_eq!(
        check::integrity_status(&b, msg.dialect(), mi, &creds[..]),
        Status::Good
    );
    let report = check::verify(&msg, &creds[..]);
    assert_eq!(
        report,
        check::Report {
            fingerprint: Some(Status::Good),
            integrity: Some(Status::Good),
            integrity_sha256: None
        }
    );
    // Unknown user: unverified, not bad.
    assert_eq!(
        check::integrity_status(&b, msg.dialect(), mi, &[("x", "", "y")][..]),
        Status::Unverified
    );
    // Any change before the integrity attribute breaks both (bar the Length field,
    // which both checks rewrite anyway).
    for at in [1, 5, 10, 30, mi - 1] {
        tampered_is_bad(&b, at, |t| {
            check::check_integrity(t, mi, SHORT_TERM_PASSWORD.as_bytes())
        });
        tampered_is_bad(&b, at, |t| check::check_fingerprint(t, fp));
    }
    // A change in the MI value breaks MI and FINGERPRINT, not the other way round.
    tampered_is_bad(&b, mi + 10, |t| {
        check::check_integrity(t, mi, SHORT_TERM_PASSWORD.as_bytes())
    });
    tampered_is_bad(&b, fp + 5, |t| check::check_fingerprint(t, fp));
    let mut t = b.clone();
    t[fp + 5] ^= 1;
    assert_eq!(
        check::check_integrity(&t, mi, SHORT_TERM_PASSWORD.as_bytes()),
        Status::Good
    );

    // Rebuilt with the encoder, byte for byte (0x20 padding as published).
    let rebuilt = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &TID)
        .padding_byte(0x20)
        .string(0x8022, "STUN test client")
        .attr_u32(0x0024, 0x6e0001ff)
        .attr_u64(0x8029, 0x932ff9b151263b36)
        .string(0x0006, "evtj:h6vY")
        .message_integrity(SHORT_TERM_PASSWORD.as_bytes())
        .fingerprint()
        .finish();
    assert_eq!(rebuilt, b);
}

#[test]
fn rfc5769_2_2_ipv4_response() {
    let b = hex(SAMPLE_IPV4_RESPONSE);
    assert_eq!(b.len(), 80);
    let msg = Message::new_checked(&b[..]).unwrap();
    assert_eq!(msg.class(), Class::SuccessResponse);
    let xma = msg
        .attributes()
        .map(Result::unwrap)
        .find(|a| a.code == 0x0020)
        .unwrap();
    let addr = xma.address().unwrap().unwrap();
    assert_eq!(addr.to_string(), "192.0.2.1:32853");
    assert_eq!(attr_value(&b, 0x8022), b"test vector");
    let mi = offset_of(&b, Role::Integrity);
    assert_eq!(
        check::check_integrity(&b, mi, SHORT_TERM_PASSWORD.as_bytes()),
        Status::Good
    );
    assert_eq!(check::fingerprint_status(&msg), Some(Status::Good));
    // A response has no USERNAME: checking it needs the request's.
    let req = hex(SAMPLE_REQUEST);
    let req_auth = check::auth_info(&req, Dialect::Rfc5389);
    let creds = [("evtj:h6vY", "", SHORT_TERM_PASSWORD)];
    assert_eq!(
        check::integrity_status(&b, Dialect::Rfc5389, mi, &creds[..]),
        Status::Unverified
    );
    assert_eq!(
        check::integrity_status_for(&b, mi, &req_auth, &creds[..]),
        Status::Good
    );

    let rebuilt = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::SuccessResponse, &TID)
        .padding_byte(0x20)
        .string(0x8022, "test vector")
        .xor_address(0x0020, "192.0.2.1:32853".parse().unwrap())
        .message_integrity(SHORT_TERM_PASSWORD.as_bytes())
        .fingerprint()
        .finish();
    assert_eq!(rebuilt, b);
}

#[test]
fn rfc5769_2_3_ipv6_response() {
    let b = hex(SAMPLE_IPV6_RESPONSE);
    assert_eq!(b.len(), 92);
    let msg = Message::new_checked(&b[..]).unwrap();
    let xma = msg
        .attributes()
        .map(Result::unwrap)
        .find(|a| a.code == 0x0020)
        .unwrap();
    assert_eq!(
        xma.address().unwrap().unwrap().to_string(),
        "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
    );
    let mi = offset_of(&b, Role::Integrity);
    assert_eq!(
        check::check_integrity(&b, mi, SHORT_TERM_PASSWORD.as_bytes()),
        Status::Good
    );
    assert_eq!(check::fingerprint_status(&msg), Some(Status::Good));

    let rebuilt = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::SuccessResponse, &TID)
        .padding_byte(0x20)
        .string(0x8022, "test vector")
        .xor_address(
            0x0020,
            "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
                .parse()
                .unwrap(),
        )
        .message_integrity(SHORT_TERM_PASSWORD.as_bytes())
        .fingerprint()
        .finish();
    assert_eq!(rebuilt, b);
}

#[test]
fn rfc5769_2_4_long_term_request() {
    let b = hex(SAMPLE_LONG_TERM);
    assert_eq!(b.len(), 116);
    let msg = Message::new_checked(&b[..]).unwrap();
    assert_eq!(msg.transaction_id(), LT_TID);
    let auth = check::auth_info(&b, msg.dialect());
    assert_eq!(auth.username, Some(LT_USER.as_bytes()));
    assert_eq!(auth.realm, Some(LT_REALM.as_bytes()));
    assert_eq!(auth.nonce, Some(LT_NONCE.as_bytes()));
    assert_eq!(auth.fingerprint, None);
    assert_eq!(check::fingerprint_status(&msg), None);

    let key = check::long_term_key(LT_USER, LT_REALM, LT_PASSWORD);
    let mi = offset_of(&b, Role::Integrity);
    assert_eq!(check::check_integrity(&b, mi, &key), Status::Good);
    assert_eq!(
        check::check_integrity_with(&b, mi, &Key::long_term(LT_USER, LT_REALM, LT_PASSWORD)),
        Status::Good
    );
    assert_eq!(
        check::check_integrity(
            &b,
            mi,
            &check::long_term_key(LT_USER, LT_REALM, "thematrix")
        ),
        Status::Bad
    );
    // The short-term interpretation of the same password is wrong.
    assert_eq!(
        check::check_integrity(&b, mi, LT_PASSWORD.as_bytes()),
        Status::Bad
    );
    // From the message's own USERNAME and REALM.
    let creds = vec![(
        LT_USER.to_string(),
        LT_REALM.to_string(),
        LT_PASSWORD.to_string(),
    )];
    assert_eq!(
        check::integrity_status(&b, msg.dialect(), mi, &creds),
        Status::Good
    );
    assert_eq!(check::verify(&msg, &creds).integrity, Some(Status::Good));
    let wrong_realm = [(LT_USER, "example.com", LT_PASSWORD)];
    assert_eq!(
        check::integrity_status(&b, msg.dialect(), mi, &wrong_realm[..]),
        Status::Unverified
    );

    let rebuilt = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &LT_TID)
        .string(0x0006, LT_USER)
        .string(0x0015, LT_NONCE)
        .string(0x0014, LT_REALM)
        .message_integrity(&key)
        .finish();
    assert_eq!(rebuilt, b);
}

#[test]
fn rfc8489_b1_sha256_userhash() {
    let b = hex(RFC8489_B1);
    assert_eq!(b.len(), 20 + 0x90);
    let msg = Message::new_checked(&b[..]).unwrap();
    let auth = check::auth_info(&b, msg.dialect());
    assert_eq!(auth.userhash, Some(&check::userhash(LT_USER, LT_REALM)[..]));
    assert_eq!(auth.password_algorithm, Some(PasswordAlgorithm::Sha256));
    assert_eq!(auth.realm, Some(LT_REALM.as_bytes()));
    let nonce = "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA";
    assert_eq!(auth.nonce, Some(nonce.as_bytes()));
    let mi = auth.integrity_sha256.expect("MESSAGE-INTEGRITY-SHA256");
    let key = check::long_term_key_sha256(LT_USER, LT_REALM, LT_PASSWORD);
    assert_eq!(check::check_integrity(&b, mi, &key), Status::Good);
    let k = Key::LongTerm {
        username: LT_USER.as_bytes(),
        realm: LT_REALM.as_bytes(),
        password: LT_PASSWORD.as_bytes(),
        algorithm: PasswordAlgorithm::Sha256,
    };
    assert_eq!(check::check_integrity_with(&b, mi, &k), Status::Good);
    // The MD5 key does not verify it.
    assert_eq!(
        check::check_integrity(
            &b,
            mi,
            &check::long_term_key(LT_USER, LT_REALM, LT_PASSWORD)
        ),
        Status::Bad
    );
    // USERHASH replaces USERNAME: the credential table resolves it by hashing its users.
    let creds = [(LT_USER, LT_REALM, LT_PASSWORD)];
    assert_eq!(
        check::integrity_status(&b, msg.dialect(), mi, &creds[..]),
        Status::Good
    );
    assert_eq!(
        check::verify(&msg, &creds[..]).integrity_sha256,
        Some(Status::Good)
    );
    // A source that cannot resolve USERHASH leaves it unverified.
    let any = check::AnyUser(LT_PASSWORD.as_bytes());
    assert_eq!(
        check::integrity_status(&b, msg.dialect(), mi, &any),
        Status::Unverified
    );
    let other = [("someone else", LT_REALM, LT_PASSWORD)];
    assert_eq!(
        check::integrity_status(&b, msg.dialect(), mi, &other[..]),
        Status::Unverified
    );
    // With the username known (as a server that resolved USERHASH would), it verifies.
    let resolved = check::AuthInfo {
        username: Some(LT_USER.as_bytes()),
        ..auth
    };
    assert_eq!(
        check::integrity_status_for(&b, mi, &resolved, &creds[..]),
        Status::Good
    );

    let rebuilt = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &LT_TID)
        .userhash(LT_USER, LT_REALM)
        .string(0x0015, nonce)
        .string(0x0014, LT_REALM)
        .password_algorithm(PasswordAlgorithm::Sha256)
        .message_integrity_sha256(&key)
        .finish();
    assert_eq!(rebuilt, b);
}

#[test]
fn truncated_sha256_and_both_integrities() {
    let key = check::long_term_key_sha256("u", "r", "p");
    for len in (16..=32).step_by(4) {
        let b = MessageBuilder::new(Dialect::Rfc5389, 0x003, Class::Request, &[9; 12])
            .string(0x0006, "u")
            .string(0x0014, "r")
            .message_integrity(&check::long_term_key("u", "r", "p"))
            .message_integrity_sha256_truncated(&key, len)
            .fingerprint()
            .finish();
        let auth = check::auth_info(&b, Dialect::Rfc5389);
        assert_eq!(
            check::check_integrity(&b, auth.integrity_sha256.unwrap(), &key),
            Status::Good,
            "len {len}"
        );
        assert_eq!(
            check::check_integrity(
                &b,
                auth.integrity.unwrap(),
                &check::long_term_key("u", "r", "p")
            ),
            Status::Good
        );
        assert_eq!(
            check::check_fingerprint(&b, auth.fingerprint.unwrap()),
            Status::Good
        );
    }
    for bad_len in [0, 4, 12, 18] {
        let b = MessageBuilder::new(Dialect::Rfc5389, 0x003, Class::Request, &[9; 12])
            .message_integrity_sha256_truncated(&key, bad_len)
            .finish();
        assert_eq!(
            check::check_integrity(&b, 20, &key),
            Status::Bad,
            "len {bad_len}"
        );
    }
}

#[test]
fn legacy_dialects_integrity() {
    let key = check::long_term_key("user", "realm", "pw");
    for dialect in [Dialect::Rfc3489, Dialect::MsTurn] {
        let realm_code = msstun::build::code(dialect, Role::Realm).unwrap();
        let nonce_code = msstun::build::code(dialect, Role::Nonce).unwrap();
        if dialect == Dialect::MsTurn {
            assert_eq!((realm_code, nonce_code), (0x0015, 0x0014));
        }
        for form in 0..2 {
            let b = MessageBuilder::new(dialect, 0x003, Class::Request, &[0x55; 16])
                .string(0x0006, "user")
                .string(realm_code, "realm")
                .string(nonce_code, "abcde");
            let b = if form == 0 {
                b.message_integrity(&key)
            } else {
                b.message_integrity_rfc5389(&key)
            }
            .finish();
            let msg = Message::new_checked(&b[..]).unwrap();
            assert_eq!(msg.dialect(), dialect);
            let auth = check::auth_info(&b, dialect);
            assert_eq!(auth.realm, Some(&b"realm"[..]), "{dialect:?}");
            assert_eq!(auth.nonce, Some(&b"abcde"[..]), "{dialect:?}");
            let mi = auth.integrity.unwrap();
            assert_eq!(
                check::check_integrity(&b, mi, &key),
                Status::Good,
                "{dialect:?} form {form}"
            );
            assert_eq!(
                check::integrity_status(&b, dialect, mi, &[("user", "realm", "pw")][..]),
                Status::Good
            );
            assert_eq!(check::check_integrity(&b, mi, b"nope"), Status::Bad);
        }
    }
    // RFC 5389 messages accept only the RFC 5389 form.
    let mut b = MessageBuilder::new(Dialect::Rfc5389, 1, Class::Request, &[1; 12])
        .attr(0x0013, &[1; 5])
        .finish();
    let off = b.len();
    b.extend_from_slice(&[0, 8, 0, 20]);
    b.extend_from_slice(&check::integrity_sha1_legacy(&b, off, &key).unwrap());
    let len = (b.len() - 20) as u16;
    b[2..4].copy_from_slice(&len.to_be_bytes());
    assert_eq!(check::check_integrity(&b, off, &key), Status::Bad);
}
