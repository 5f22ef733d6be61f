//! Shorthands over the parser crate's encoder for the scenarios, and the post-edits that
//! turn its output into deliberately broken messages.
//!
//! Every message is written by [`msstun::build::MessageBuilder`]; attribute codes and
//! method codes come from [`msstun::registry`] by role and name, so the fixtures hold no
//! table of their own. What an encoder should not offer — a header Length that lies,
//! bytes after the last attribute, a corrupted FINGERPRINT, a MESSAGE-INTEGRITY under
//! the wrong key — is made here from correct builder output.

use msstun::build::{self, MessageBuilder};
use msstun::registry::{self, Role};
use msstun::{Class, Dialect};

/// Code of the attribute with `role` in `dialect` (panics when the dialect has none: a
/// fixture asking for an attribute the dialect does not know is a bug).
pub fn attr_in(dialect: Dialect, role: Role) -> u16 {
    build::code(dialect, role)
        .unwrap_or_else(|| panic!("no attribute {role:?} in the {dialect:?} registry"))
}

/// Code of an RFC 5389 attribute by role (`attr(Role::XorMappedAddress) == 0x0020`).
pub fn attr(role: Role) -> u16 {
    attr_in(Dialect::Rfc5389, role)
}

/// Code of a legacy [MS-TURN] attribute by role
/// (`ms_attr(Role::XorMappedAddress) == 0x8020`).
pub fn ms_attr(role: Role) -> u16 {
    attr_in(Dialect::MsTurn, role)
}

/// Method code by name as the registry spells it (`"ConnectionBind"`): [MS-TURN]'s own
/// table for that dialect, [`registry::METHODS`] otherwise (panics when unknown).
pub fn method(dialect: Dialect, name: &str) -> u16 {
    let ms = registry::MS_TURN_TYPES
        .iter()
        .map(|(_, m, _)| m)
        .filter(|_| dialect.is_ms_turn());
    ms.chain(registry::METHODS)
        .find(|m| m.name == name)
        .map(|m| m.code)
        .unwrap_or_else(|| panic!("no method {name:?} in the {dialect:?} registry"))
}

/// An RFC 5389 message of method `name` and `class` with a 96-bit transaction id.
pub fn msg(name: &str, class: Class, tid: [u8; 12]) -> MessageBuilder {
    MessageBuilder::new(
        Dialect::Rfc5389,
        method(Dialect::Rfc5389, name),
        class,
        &tid,
    )
}

/// A legacy [MS-TURN] message (128-bit transaction id, MAGIC-COOKIE attribute first).
pub fn ms_msg(name: &str, class: Class, tid: [u8; 16]) -> MessageBuilder {
    MessageBuilder::new(Dialect::MsTurn, method(Dialect::MsTurn, name), class, &tid)
}

/// A key that is not `key` (`key` followed by `!`): MESSAGE-INTEGRITY written with it
/// does not verify with the real credentials.
pub fn wrong_key(key: &[u8]) -> Vec<u8> {
    let mut k = key.to_vec();
    k.push(b'!');
    k
}

/// Flips the lowest bit of the last byte: a message ending in FINGERPRINT then carries
/// a wrong CRC.
pub fn corrupt_last_byte(mut m: Vec<u8>) -> Vec<u8> {
    *m.last_mut().expect("non-empty message") ^= 1;
    m
}

/// Overwrites the header's Length field with `len`, whatever the message holds.
pub fn set_length(mut m: Vec<u8>, len: u16) -> Vec<u8> {
    m[2..4].copy_from_slice(&len.to_be_bytes());
    m
}

/// Appends `extra` after the last attribute and counts it in the header's Length (e.g.
/// two bytes where an attribute header should be).
pub fn append_raw(mut m: Vec<u8>, extra: &[u8]) -> Vec<u8> {
    m.extend_from_slice(extra);
    let len = u16::try_from(m.len() - msstun::HEADER_LEN).expect("message under 64 KiB");
    set_length(m, len)
}

/// A deterministic 96-bit transaction id: `prefix + n`, `n × φ`, `!n` (each scenario file
/// has its own prefix, so ids never collide across scenarios).
pub fn tid_with(prefix: u32, n: u32) -> [u8; 12] {
    let mut t = [0u8; 12];
    t[..4].copy_from_slice(&prefix.wrapping_add(n).to_be_bytes());
    t[4..8].copy_from_slice(&n.wrapping_mul(0x9E37_79B9).to_be_bytes());
    t[8..].copy_from_slice(&(!n).to_be_bytes());
    t
}

/// A deterministic 128-bit transaction id (RFC 3489 / legacy MS-TURN): `prefix + n`, then
/// [`tid_with`]`(prefix12, n + offset)`.
pub fn tid16_with(prefix: u32, prefix12: u32, offset: u32, n: u32) -> [u8; 16] {
    let mut t = [0u8; 16];
    t[..4].copy_from_slice(&prefix.wrapping_add(n).to_be_bytes());
    t[4..].copy_from_slice(&tid_with(prefix12, n + offset));
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use msstun::check::{self, Status};
    use msstun::{Error, Message};

    #[test]
    fn names_resolve_through_the_registry() {
        assert_eq!(attr(Role::XorMappedAddress), 0x0020);
        assert_eq!(ms_attr(Role::XorMappedAddress), 0x8020);
        assert_eq!(attr(Role::Realm), 0x0014);
        assert_eq!(ms_attr(Role::Realm), 0x0015);
        assert_eq!(method(Dialect::Rfc5389, "ConnectionBind"), 0x00B);
        assert_eq!(method(Dialect::MsTurn, "Send"), 0x004);
        let m = ms_msg("Data", Class::Indication, [1; 16]).finish();
        assert_eq!(&m[..2], &[0x01, 0x15]);
    }

    #[test]
    #[should_panic(expected = "no attribute")]
    fn attribute_the_dialect_lacks_panics() {
        // Legacy MS-TURN has REMOTE-ADDRESS at 0x0012, no XOR-PEER-ADDRESS.
        ms_attr(Role::PeerAddress);
    }

    #[test]
    fn rfc5769_sample_request() {
        // RFC 5769 §2.1, built from registry names: MESSAGE-INTEGRITY and FINGERPRINT
        // as published (USERNAME padded with spaces, as the RFC does).
        let tid = [
            0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
        ];
        let m = msg("Binding", Class::Request, tid)
            .padding_byte(0x20)
            .string(attr(Role::Software), "STUN test client")
            .attr_u32(attr(Role::Priority), 0x6e0001ff)
            .attr_u64(attr(Role::IceControlled), 0x932ff9b151263b36)
            .string(attr(Role::Username), "evtj:h6vY")
            .message_integrity(b"VOkJxbRl1RmTxUk/WvJxBt")
            .fingerprint()
            .finish();
        assert_eq!(m.len(), 108);
        assert_eq!(
            &m[100..108],
            &[0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf]
        );
    }

    #[test]
    fn post_edits_break_what_they_say() {
        let good = msg("Binding", Class::Request, [5; 12])
            .string(attr(Role::Software), "fp")
            .fingerprint()
            .finish();
        let bad = corrupt_last_byte(good.clone());
        let no_creds: &[(&str, &str, &str)] = &[];
        let report = |b: &[u8]| check::verify(&Message::new_checked(b).unwrap(), no_creds);
        assert_eq!(report(&good).fingerprint, Some(Status::Good));
        assert_eq!(report(&bad).fingerprint, Some(Status::Bad));

        let m = set_length(good.clone(), 100);
        assert!(matches!(
            Message::new_checked(&m[..]),
            Err(Error::Truncated { .. })
        ));

        let m = append_raw(good, &[0x80, 0x22]);
        let parsed = Message::new_checked(&m[..]).unwrap();
        assert!(parsed
            .attributes()
            .any(|a| matches!(a, Err(Error::AttributeTruncated { .. }))));

        let key = check::long_term_key("u", "r", "p");
        let m = msg("Refresh", Class::Request, [6; 12])
            .string(attr(Role::Username), "u")
            .string(attr(Role::Realm), "r")
            .message_integrity(&wrong_key(&key))
            .finish();
        let r = check::verify(
            &Message::new_checked(&m[..]).unwrap(),
            &[("u", "r", "p")][..],
        );
        assert_eq!(r.integrity, Some(Status::Bad));
    }
}
