//! FINGERPRINT and MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 checks.
//!
//! Nothing here allocates: the CRC and the HMACs are fed incrementally with a
//! 20-byte copy of the header whose Length field is rewritten, then the message
//! bytes in place.
//!
//! * FINGERPRINT (RFC 8489 §14.7): CRC-32 (ISO HDLC, as in zlib) of the message up
//!   to the FINGERPRINT attribute, XORed with `0x5354554E`. The header Length is
//!   taken to end at the FINGERPRINT attribute.
//! * MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 of the message up to the
//!   attribute, with the header Length rewritten to end at the end of
//!   MESSAGE-INTEGRITY (so a FINGERPRINT or MESSAGE-INTEGRITY-SHA256 after it is
//!   excluded).
//! * MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6): the same with HMAC-SHA256; the
//!   value may be truncated to 16..=32 bytes (a multiple of 4), and the length is
//!   adjusted to the truncated attribute's end.
//!
//! Keys (RFC 8489 §9):
//! * short-term: the password itself ([`Key::ShortTerm`]);
//! * long-term: `MD5(username ":" realm ":" password)` ([`long_term_key`]) or, when
//!   PASSWORD-ALGORITHM says SHA-256, `SHA-256(username ":" realm ":" password)`
//!   ([`long_term_key_sha256`]).
//!
//! **SASLprep / OpaqueString is not applied**: passwords, usernames and realms are
//! used as the bytes given. That is exact for ASCII credentials (nearly all real
//! deployments and the RFC 5769 vectors, whose `TheMatrIX` is already the
//! prepared form); callers with non-ASCII passwords must pass the prepared form.
//!
//! ## Legacy dialects (RFC 3489, [MS-TURN])
//!
//! [MS-TURN] builds on draft-ietf-behave-rfc3489bis-02 ("IETFDRAFT-STUN-02") and
//! uses long-term credentials (digest challenge, [MS-TURN] §3.1.12) with the key
//! `MD5(username:realm:password)`; USERNAME, REALM (0x0015 there) and NONCE (0x0014
//! there) are found through the registry by [`Role`], so the swapped codes are
//! handled. RFC 3489 §11.2.8 (and the early bis drafts) compute the HMAC over the
//! message up to MESSAGE-INTEGRITY *padded with zeroes to a multiple of 64 bytes*,
//! with MESSAGE-INTEGRITY the last attribute (so the header Length already ends at
//! it). For messages of those dialects [`check_integrity`] accepts either form
//! (RFC 5389 style first, then the zero-padded one); the builder writes the
//! zero-padded form for them. Which one a given Microsoft implementation sends is
//! not stated in a way we could verify against a capture, hence both.
//!
//! [MS-TURN] §2.2.2.17 (MS-Version 3 and later, e.g. Teams' MS-Version 6) moves the
//! MESSAGE-INTEGRITY attribute (still 0x0008) to HMAC-SHA256: a 32-byte value there is
//! checked with SHA-256, same key, both input forms ([`integrity_ms_sha256`]). MS-TURN
//! in an RFC 5389 header ([`Dialect::MsTurn5389`]) gets both forms as well; the builder
//! writes the RFC 5389 form for it (its header is an RFC 5389 one).

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::Sha256;

use crate::message::{detect_dialect, Dialect, Message, HEADER_LEN};
use crate::registry::{self, Role};

/// The constant XORed into the CRC-32 of FINGERPRINT (RFC 8489 §14.7).
pub const FINGERPRINT_XOR: u32 = 0x5354_554E;

/// Outcome of a check, with Wireshark's checksum-status numbering
/// (see [`crate::registry::CHECKSUM_STATUS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Computed and different from the value carried (or the attribute is malformed).
    Bad,
    /// Computed and equal.
    Good,
    /// Not computed: no key known, or the attribute could not be located.
    Unverified,
    /// FINGERPRINT only: equal to the CRC-32 computed with the one-entry-wrong table of
    /// Windows Live Messenger 2009 / OCS 2007 R2 clients ([`fingerprint_value_wlm2009`]),
    /// which [MS-ICE2] agents still send (libnice's OC2007R2 mode duplicates each check
    /// with it) and accept; not the standard value.
    GoodWlm2009,
}

impl Status {
    /// Wireshark `PROTO_CHECKSUM_E_*` value: Bad 0, Good 1, Unverified 2; and 3 for
    /// [`Status::GoodWlm2009`] (see [`crate::registry::FINGERPRINT_STATUS`]).
    pub const fn code(self) -> u8 {
        match self {
            Status::Bad => 0,
            Status::Good => 1,
            Status::Unverified => 2,
            Status::GoodWlm2009 => 3,
        }
    }
    /// "Bad", "Good", "Unverified" or "Good (WLM2009 CRC variant)", from
    /// [`registry::FINGERPRINT_STATUS`].
    pub const fn name(self) -> &'static str {
        registry::FINGERPRINT_STATUS[self.code() as usize].1
    }
    /// Good in either form (standard, or the WLM2009 FINGERPRINT variant).
    pub const fn is_good(self) -> bool {
        matches!(self, Status::Good | Status::GoodWlm2009)
    }
    fn from_bool(ok: bool) -> Status {
        if ok {
            Status::Good
        } else {
            Status::Bad
        }
    }
}

/// Read the attribute header at `offset`: (code, value length), if it and its
/// value lie inside `msg`.
fn attr_at(msg: &[u8], offset: usize) -> Option<(u16, usize)> {
    if offset < HEADER_LEN || msg.len() < HEADER_LEN {
        return None;
    }
    let h = msg.get(offset..offset.checked_add(4)?)?;
    let code = u16::from_be_bytes([h[0], h[1]]);
    let len = u16::from_be_bytes([h[2], h[3]]) as usize;
    if offset + 4 + len > msg.len() {
        return None;
    }
    Some((code, len))
}

/// The header with its Length field set to `end - HEADER_LEN`.
fn patched_header(msg: &[u8], end: usize) -> Option<[u8; HEADER_LEN]> {
    let mut h: [u8; HEADER_LEN] = msg.get(..HEADER_LEN)?.try_into().ok()?;
    let len = u16::try_from(end.checked_sub(HEADER_LEN)?).ok()?;
    h[2..4].copy_from_slice(&len.to_be_bytes());
    Some(h)
}

// ---------------------------------------------------------------- FINGERPRINT

/// The FINGERPRINT value an attribute at `attr_offset` must carry: CRC-32 of the
/// message before it, with the header Length ending after the 8-byte attribute,
/// XOR `0x5354554E`. `msg` needs to extend at least to `attr_offset`.
/// `None` if `attr_offset` is not inside the message or the length overflows.
pub fn fingerprint_value(msg: &[u8], attr_offset: usize) -> Option<u32> {
    if attr_offset < HEADER_LEN || attr_offset > msg.len() {
        return None;
    }
    let end = (attr_offset + 8 - HEADER_LEN) as u64;
    if u16::from_be_bytes([msg[2], msg[3]]) as u64 == end {
        // FINGERPRINT is the last attribute (the usual case): the header Length is
        // already the one to hash, so the bytes go through in one piece.
        return Some(crc::crc32(&msg[..attr_offset]) ^ FINGERPRINT_XOR);
    }
    let mut crc = crc_hasher();
    crc.update(&patched_header(msg, attr_offset + 8)?);
    crc.update(&msg[HEADER_LEN..attr_offset]);
    Some(crc.finalize() ^ FINGERPRINT_XOR)
}

/// The FINGERPRINT value a Windows Live Messenger 2009 / OCS 2007 R2 client computes
/// for an attribute at `attr_offset`: the same as [`fingerprint_value`], but with the
/// CRC-32 table entry `0x8BBEB8EA` (index 0x5A) mistyped as `0x08BBE8EA` — a digit
/// dropped. [MS-ICE2] §3.1.4.8.2 has agents accept such checks from legacy peers; other
/// ICE stacks (libnice's OC2007R2 and WLM2009 modes) send them for compatibility.
/// Computed bytewise, only when the standard value did not match.
pub fn fingerprint_value_wlm2009(msg: &[u8], attr_offset: usize) -> Option<u32> {
    if attr_offset < HEADER_LEN || attr_offset > msg.len() {
        return None;
    }
    let h = patched_header(msg, attr_offset + 8)?;
    let reg = crc::update_wlm2009(!0, &h);
    let reg = crc::update_wlm2009(reg, &msg[HEADER_LEN..attr_offset]);
    Some(!reg ^ FINGERPRINT_XOR)
}

/// A fresh CRC-32 hasher. With `std`, crc32fast detects the CPU's features in
/// `Hasher::new`; the detected hasher is made once and copied.
#[inline]
fn crc_hasher() -> crc32fast::Hasher {
    #[cfg(feature = "std")]
    {
        static FRESH: std::sync::OnceLock<crc32fast::Hasher> = std::sync::OnceLock::new();
        FRESH.get_or_init(crc32fast::Hasher::new).clone()
    }
    #[cfg(not(feature = "std"))]
    crc32fast::Hasher::new()
}

/// CRC-32 (ISO-HDLC, as zlib) for FINGERPRINT: crc32fast (PCLMULQDQ where the CPU has
/// it), plus the WLM2009 variant's bytewise table. A hand-written PCLMULQDQ fold
/// measured no faster than `crc32fast::hash` on STUN-sized messages in the same run
/// (`cargo bench -p msstun --bench micro`; README), so no `unsafe` block is kept for it.
mod crc {
    /// CRC-32 of `data`, from the hasher detected once ([`super::crc_hasher`]):
    /// `crc32fast::hash` detects the CPU's features on every call (37 instructions of a
    /// FINGERPRINT check's 121, callgrind-tshark).
    #[inline]
    pub(super) fn crc32(data: &[u8]) -> u32 {
        let mut h = super::crc_hasher();
        h.update(data);
        h.finalize()
    }

    /// The bytewise table of the reflected polynomial 0xEDB88320.
    pub(super) const fn base_table() -> [u32; 256] {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    }

    /// The standard entry the WLM2009 table has wrong, and what it has instead.
    pub(super) const WLM2009_ENTRY: (u32, u32) = (0x8BBE_B8EA, 0x08BB_E8EA);

    /// [`base_table`] with the WLM2009 typo.
    static WLM2009_TABLE: [u32; 256] = {
        let mut t = base_table();
        let mut i = 0;
        while i < 256 {
            if t[i] == WLM2009_ENTRY.0 {
                t[i] = WLM2009_ENTRY.1;
            }
            i += 1;
        }
        t
    };

    /// Feed `data` to the CRC register `reg` (not finalized) with the WLM2009 table.
    pub(super) fn update_wlm2009(mut reg: u32, data: &[u8]) -> u32 {
        for &b in data {
            reg = WLM2009_TABLE[((reg ^ b as u32) & 0xff) as usize] ^ (reg >> 8);
        }
        reg
    }

    #[cfg(test)]
    mod tests {
        use std::vec::Vec;

        /// The one-piece CRC is crc32fast's, every length up to 300.
        #[test]
        fn agrees_with_crc32fast() {
            let mut seed = 0x1234_5678u32;
            for len in 0..=300usize {
                for _ in 0..4 {
                    let data: Vec<u8> = (0..len)
                        .map(|_| {
                            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                            (seed >> 24) as u8
                        })
                        .collect();
                    assert_eq!(super::crc32(&data), crc32fast::hash(&data), "len {len}");
                }
            }
        }
    }
}

/// Check the FINGERPRINT attribute at `attr_offset` of `msg` (a whole message).
/// `GoodWlm2009` if the value is the one of [`fingerprint_value_wlm2009`];
/// `Bad` if the value differs or the attribute is not a 4-byte value;
/// `Unverified` if no attribute header lies at that offset.
#[inline]
pub fn check_fingerprint(msg: &[u8], attr_offset: usize) -> Status {
    let Some((_, len)) = attr_at(msg, attr_offset) else {
        return Status::Unverified;
    };
    if len != 4 {
        return Status::Bad;
    }
    let v = &msg[attr_offset + 4..attr_offset + 8];
    match fingerprint_value(msg, attr_offset) {
        Some(crc) if crc.to_be_bytes() == v => Status::Good,
        Some(_) => wlm2009_status(msg, attr_offset, v),
        None => Status::Unverified,
    }
}

/// A FINGERPRINT that is not the standard value: the WLM2009 one, or bad. Out of line
/// and cold, so the common good case stays small.
#[cold]
#[inline(never)]
fn wlm2009_status(msg: &[u8], attr_offset: usize, v: &[u8]) -> Status {
    match fingerprint_value_wlm2009(msg, attr_offset) {
        Some(crc) if crc.to_be_bytes() == v => Status::GoodWlm2009,
        _ => Status::Bad,
    }
}

/// Status of the message's first FINGERPRINT attribute, or `None` if it has none.
pub fn fingerprint_status<T: AsRef<[u8]>>(msg: &Message<T>) -> Option<Status> {
    let off = msg
        .attributes()
        .map_while(Result::ok)
        .find(|a| a.role() == Role::Fingerprint)?
        .offset;
    Some(check_fingerprint(msg.bytes(), off))
}

// ---------------------------------------------------------- MESSAGE-INTEGRITY

/// Which HMAC an integrity attribute carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegrityAlgorithm {
    /// MESSAGE-INTEGRITY: HMAC-SHA1, 20 bytes.
    Sha1,
    /// MESSAGE-INTEGRITY-SHA256: HMAC-SHA256, 16..=32 bytes.
    Sha256,
}

impl IntegrityAlgorithm {
    /// The algorithm of an attribute role, if it is an integrity attribute.
    pub const fn from_role(role: Role) -> Option<Self> {
        match role {
            Role::Integrity => Some(IntegrityAlgorithm::Sha1),
            Role::IntegritySha256 => Some(IntegrityAlgorithm::Sha256),
            _ => None,
        }
    }
}

/// Bytes of zero fed after the message in the legacy (RFC 3489 §11.2.8) form.
static ZEROES: [u8; 64] = [0; 64];

fn mac_sha1(key: &[u8], header: &[u8; HEADER_LEN], body: &[u8], pad64: bool) -> Hmac<Sha1> {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(header);
    mac.update(body);
    if pad64 {
        let n = HEADER_LEN + body.len();
        mac.update(&ZEROES[..(64 - n % 64) % 64]);
    }
    mac
}

fn mac_sha256(key: &[u8], header: &[u8; HEADER_LEN], body: &[u8]) -> Hmac<Sha256> {
    mac_sha256_form(key, header, body, false)
}

fn mac_sha256_form(
    key: &[u8],
    header: &[u8; HEADER_LEN],
    body: &[u8],
    pad64: bool,
) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(header);
    mac.update(body);
    if pad64 {
        let n = HEADER_LEN + body.len();
        mac.update(&ZEROES[..(64 - n % 64) % 64]);
    }
    mac
}

/// The HMAC-SHA256 an [MS-TURN] MESSAGE-INTEGRITY attribute (0x0008, 32 bytes) at
/// `attr_offset` carries: [MS-TURN] §2.2.2.17 has MS-Version 3 and later use "the HMAC
/// SHA-256 algorithm in the Message Integrity attribute" — the same attribute, the same
/// key and input as the HMAC-SHA1 of §2.2.2.3, with SHA-256 and its 32-byte digest.
/// `pad64` selects the draft-STUN-02 input (zero-padded to 64 bytes) over the RFC 5389
/// one (header Length ending at the attribute); the specification does not say which
/// applies to SHA-256, so [`check_integrity`] accepts either (see the module docs).
pub fn integrity_ms_sha256(
    msg: &[u8],
    attr_offset: usize,
    key: &[u8],
    pad64: bool,
) -> Option<[u8; 32]> {
    if attr_offset < HEADER_LEN || attr_offset > msg.len() {
        return None;
    }
    let header = patched_header(msg, attr_offset + 36)?;
    let mac = mac_sha256_form(key, &header, &msg[HEADER_LEN..attr_offset], pad64);
    Some(mac.finalize().into_bytes().into())
}

/// The HMAC-SHA1 a MESSAGE-INTEGRITY attribute at `attr_offset` must carry
/// (RFC 8489 §14.5). `msg` needs to extend at least to `attr_offset`.
pub fn integrity_sha1(msg: &[u8], attr_offset: usize, key: &[u8]) -> Option<[u8; 20]> {
    integrity_sha1_inner(msg, attr_offset, key, false)
}

/// The legacy HMAC-SHA1 of RFC 3489 §11.2.8 / draft-ietf-behave-rfc3489bis-02 (used by
/// [MS-TURN]): the message up to the attribute, zero-padded to a multiple of 64 bytes.
pub fn integrity_sha1_legacy(msg: &[u8], attr_offset: usize, key: &[u8]) -> Option<[u8; 20]> {
    integrity_sha1_inner(msg, attr_offset, key, true)
}

fn integrity_sha1_inner(
    msg: &[u8],
    attr_offset: usize,
    key: &[u8],
    pad64: bool,
) -> Option<[u8; 20]> {
    if attr_offset < HEADER_LEN || attr_offset > msg.len() {
        return None;
    }
    let header = patched_header(msg, attr_offset + 24)?;
    let mac = mac_sha1(key, &header, &msg[HEADER_LEN..attr_offset], pad64);
    Some(mac.finalize().into_bytes().into())
}

/// The full 32-byte HMAC-SHA256 of a MESSAGE-INTEGRITY-SHA256 attribute at
/// `attr_offset` whose value is `value_len` bytes long (RFC 8489 §14.6: the header
/// Length ends after the attribute as sent, truncated or not); a truncated
/// attribute carries the first `value_len` bytes.
pub fn integrity_sha256(
    msg: &[u8],
    attr_offset: usize,
    value_len: usize,
    key: &[u8],
) -> Option<[u8; 32]> {
    if attr_offset < HEADER_LEN || attr_offset > msg.len() {
        return None;
    }
    let header = patched_header(msg, attr_offset.checked_add(4)?.checked_add(value_len)?)?;
    let mac = mac_sha256(key, &header, &msg[HEADER_LEN..attr_offset]);
    Some(mac.finalize().into_bytes().into())
}

/// Check the MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 attribute at
/// `attr_offset` of `msg` (a whole message) with the HMAC key `key` (see [`Key`]).
///
/// `Bad` for a wrong value or a malformed attribute (MESSAGE-INTEGRITY not 20 bytes;
/// MESSAGE-INTEGRITY-SHA256 not 16..=32 bytes in steps of 4); `Unverified` if the
/// offset does not hold an integrity attribute. For RFC 3489 and [MS-TURN] messages
/// the legacy zero-padded form is accepted too (see the module docs). In both
/// [MS-TURN] dialects a 32-byte MESSAGE-INTEGRITY is HMAC-SHA256
/// ([`integrity_ms_sha256`]).
pub fn check_integrity(msg: &[u8], attr_offset: usize, key: &[u8]) -> Status {
    let Some((code, len)) = attr_at(msg, attr_offset) else {
        return Status::Unverified;
    };
    let value = &msg[attr_offset + 4..attr_offset + 4 + len];
    let Some(header) = patched_header(msg, attr_offset + 4 + len) else {
        return Status::Unverified;
    };
    let body = &msg[HEADER_LEN..attr_offset];
    let dialect = detect_dialect(msg);
    match IntegrityAlgorithm::from_role(registry::role(dialect, code)) {
        Some(IntegrityAlgorithm::Sha1) if len == 32 && dialect.is_ms_turn() => {
            // [MS-TURN] MS-Version 3+: HMAC-SHA256 in MESSAGE-INTEGRITY (0x0008).
            let ok = |pad64| {
                mac_sha256_form(key, &header, body, pad64)
                    .verify_slice(value)
                    .is_ok()
            };
            Status::from_bool(ok(false) || ok(true))
        }
        Some(IntegrityAlgorithm::Sha1) => {
            if len != 20 {
                return Status::Bad;
            }
            if mac_sha1(key, &header, body, false)
                .verify_slice(value)
                .is_ok()
            {
                return Status::Good;
            }
            let legacy = dialect != Dialect::Rfc5389;
            // (MS-TURN in an RFC 5389 header is "legacy" here too: both forms.)
            Status::from_bool(
                legacy
                    && mac_sha1(key, &header, body, true)
                        .verify_slice(value)
                        .is_ok(),
            )
        }
        Some(IntegrityAlgorithm::Sha256) => {
            if !(16..=32).contains(&len) || len % 4 != 0 {
                return Status::Bad;
            }
            Status::from_bool(
                mac_sha256(key, &header, body)
                    .verify_truncated_left(value)
                    .is_ok(),
            )
        }
        None => Status::Unverified,
    }
}

// ------------------------------------------------------------------------ keys

/// The long-term key `MD5(username ":" realm ":" password)` (RFC 8489 §9.2.2,
/// PASSWORD-ALGORITHM MD5 or absent). No SASLprep: pass prepared strings.
pub fn long_term_key(
    username: impl AsRef<[u8]>,
    realm: impl AsRef<[u8]>,
    password: impl AsRef<[u8]>,
) -> [u8; 16] {
    colon_joined_hash::<Md5>(&[username.as_ref(), realm.as_ref(), password.as_ref()]).into()
}

/// The long-term key `SHA-256(username ":" realm ":" password)` (RFC 8489 §9.2.2,
/// PASSWORD-ALGORITHM SHA-256).
pub fn long_term_key_sha256(
    username: impl AsRef<[u8]>,
    realm: impl AsRef<[u8]>,
    password: impl AsRef<[u8]>,
) -> [u8; 32] {
    colon_joined_hash::<Sha256>(&[username.as_ref(), realm.as_ref(), password.as_ref()]).into()
}

/// USERHASH value `SHA-256(username ":" realm)` (RFC 8489 §14.4).
pub fn userhash(username: impl AsRef<[u8]>, realm: impl AsRef<[u8]>) -> [u8; 32] {
    colon_joined_hash::<Sha256>(&[username.as_ref(), realm.as_ref()]).into()
}

/// `D(parts[0] ":" parts[1] ":" …)`, fed piecewise (no allocation).
fn colon_joined_hash<D: Digest>(parts: &[&[u8]]) -> sha2::digest::Output<D> {
    let mut h = D::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b":");
        }
        h.update(part);
    }
    h.finalize()
}

/// Password algorithm for long-term keys (RFC 8489 §18.5 registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PasswordAlgorithm {
    /// 0x0001 MD5 (also the default when PASSWORD-ALGORITHM is absent).
    #[default]
    Md5,
    /// 0x0002 SHA-256.
    Sha256,
}

impl PasswordAlgorithm {
    /// From the 16-bit algorithm number.
    pub const fn from_code(code: u16) -> Option<Self> {
        match code {
            1 => Some(PasswordAlgorithm::Md5),
            2 => Some(PasswordAlgorithm::Sha256),
            _ => None,
        }
    }
    /// The 16-bit algorithm number.
    pub const fn code(self) -> u16 {
        match self {
            PasswordAlgorithm::Md5 => 1,
            PasswordAlgorithm::Sha256 => 2,
        }
    }
}

/// A derived HMAC key held inline (no allocation): up to 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeyBytes {
    buf: [u8; 32],
    len: usize,
}

impl KeyBytes {
    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl core::fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "KeyBytes({} bytes)", self.len)
    }
}

/// Credentials for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key<'a> {
    /// Short-term credential: the key is the password (ICE connectivity checks).
    ShortTerm(&'a [u8]),
    /// Long-term credential: the key is a digest of `username:realm:password`.
    LongTerm {
        /// USERNAME as sent.
        username: &'a [u8],
        /// REALM as sent.
        realm: &'a [u8],
        /// The password.
        password: &'a [u8],
        /// Digest, from PASSWORD-ALGORITHM (MD5 when absent).
        algorithm: PasswordAlgorithm,
    },
}

impl<'a> Key<'a> {
    /// A long-term MD5 key (the common case).
    pub fn long_term<U, R, P>(username: &'a U, realm: &'a R, password: &'a P) -> Self
    where
        U: AsRef<[u8]> + ?Sized,
        R: AsRef<[u8]> + ?Sized,
        P: AsRef<[u8]> + ?Sized,
    {
        Key::LongTerm {
            username: username.as_ref(),
            realm: realm.as_ref(),
            password: password.as_ref(),
            algorithm: PasswordAlgorithm::Md5,
        }
    }

    /// Run `f` with the HMAC key bytes.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match *self {
            Key::ShortTerm(p) => f(p),
            Key::LongTerm { .. } => f(self.derive().expect("long-term").as_bytes()),
        }
    }

    /// The derived key of a long-term credential (`None` for short-term, whose key
    /// is the password itself).
    pub fn derive(&self) -> Option<KeyBytes> {
        match *self {
            Key::ShortTerm(_) => None,
            Key::LongTerm {
                username,
                realm,
                password,
                algorithm,
            } => {
                let mut buf = [0u8; 32];
                let len = match algorithm {
                    PasswordAlgorithm::Md5 => {
                        buf[..16].copy_from_slice(&long_term_key(username, realm, password));
                        16
                    }
                    PasswordAlgorithm::Sha256 => {
                        buf.copy_from_slice(&long_term_key_sha256(username, realm, password));
                        32
                    }
                };
                Some(KeyBytes { buf, len })
            }
        }
    }
}

/// Check the integrity attribute at `attr_offset` with credentials.
pub fn check_integrity_with(msg: &[u8], attr_offset: usize, key: &Key<'_>) -> Status {
    key.with_bytes(|k| check_integrity(msg, attr_offset, k))
}

// ----------------------------------------------------------------- credentials

/// A source of passwords: the plugin's UAT, the relay's `--credentials` file, a test.
pub trait Credentials {
    /// The password for `username` (the USERNAME attribute as text) in `realm`
    /// (the REALM attribute, `None` when the message has none: short-term
    /// credentials). `None` if unknown.
    fn password(&self, username: &str, realm: Option<&str>) -> Option<&[u8]>;

    /// The username whose USERHASH (`SHA-256(username ":" realm)`, RFC 8489 §14.4) is
    /// `userhash`, for messages that carry USERHASH instead of USERNAME. The default
    /// knows none.
    fn username_for_userhash(&self, userhash: &[u8], realm: &str) -> Option<&str> {
        let _ = (userhash, realm);
        None
    }
}

/// Entries `(username, realm, password)`; an empty realm or `"*"` matches any realm
/// and messages without REALM.
impl<U: AsRef<str>, R: AsRef<str>, P: AsRef<[u8]>> Credentials for [(U, R, P)] {
    fn password(&self, username: &str, realm: Option<&str>) -> Option<&[u8]> {
        let exact = self
            .iter()
            .find(|(u, r, _)| u.as_ref() == username && realm.is_some_and(|m| m == r.as_ref()));
        let any = || {
            self.iter()
                .find(|(u, r, _)| u.as_ref() == username && matches!(r.as_ref(), "" | "*"))
        };
        exact.or_else(any).map(|(_, _, p)| p.as_ref())
    }

    fn username_for_userhash(&self, userhash: &[u8], realm: &str) -> Option<&str> {
        self.iter()
            .map(|(u, _, _)| u.as_ref())
            .find(|u| userhash == self::userhash(u, realm))
    }
}

impl<C: Credentials + ?Sized> Credentials for &C {
    fn password(&self, username: &str, realm: Option<&str>) -> Option<&[u8]> {
        (**self).password(username, realm)
    }
    fn username_for_userhash(&self, userhash: &[u8], realm: &str) -> Option<&str> {
        (**self).username_for_userhash(userhash, realm)
    }
}

#[cfg(any(test, feature = "std"))]
impl<T> Credentials for std::vec::Vec<T>
where
    [T]: Credentials,
{
    fn password(&self, username: &str, realm: Option<&str>) -> Option<&[u8]> {
        self.as_slice().password(username, realm)
    }
    fn username_for_userhash(&self, userhash: &[u8], realm: &str) -> Option<&str> {
        self.as_slice().username_for_userhash(userhash, realm)
    }
}

/// One password for every username and realm (e.g. an ICE short-term password).
#[derive(Debug, Clone, Copy)]
pub struct AnyUser<'a>(pub &'a [u8]);

impl Credentials for AnyUser<'_> {
    fn password(&self, _: &str, _: Option<&str>) -> Option<&[u8]> {
        Some(self.0)
    }
}

/// The authentication attributes of a message, found by [`Role`] (so legacy
/// MS-TURN's swapped REALM/NONCE codes are honoured).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthInfo<'a> {
    /// USERNAME value.
    pub username: Option<&'a [u8]>,
    /// REALM value.
    pub realm: Option<&'a [u8]>,
    /// NONCE value.
    pub nonce: Option<&'a [u8]>,
    /// USERHASH value (RFC 8489 §14.4).
    pub userhash: Option<&'a [u8]>,
    /// PASSWORD-ALGORITHM (MD5 when absent; `None` inside if the number is unknown).
    pub password_algorithm: Option<PasswordAlgorithm>,
    /// Offset of the first MESSAGE-INTEGRITY attribute.
    pub integrity: Option<usize>,
    /// Offset of the first MESSAGE-INTEGRITY-SHA256 attribute.
    pub integrity_sha256: Option<usize>,
    /// Offset of the first FINGERPRINT attribute.
    pub fingerprint: Option<usize>,
}

/// Collect the authentication attributes of a whole message of `dialect`.
pub fn auth_info<'a>(msg: &'a [u8], dialect: Dialect) -> AuthInfo<'a> {
    let mut info = AuthInfo {
        password_algorithm: Some(PasswordAlgorithm::Md5),
        ..AuthInfo::default()
    };
    for a in crate::Attributes::new(msg, dialect).map_while(Result::ok) {
        let first = |slot: Option<&'a [u8]>| slot.or(Some(a.value));
        match a.role() {
            Role::Username => info.username = first(info.username),
            Role::Realm => info.realm = first(info.realm),
            Role::Nonce => info.nonce = first(info.nonce),
            Role::Userhash => info.userhash = first(info.userhash),
            Role::PasswordAlgorithm => {
                info.password_algorithm = a
                    .value
                    .get(..2)
                    .and_then(|b| PasswordAlgorithm::from_code(u16::from_be_bytes([b[0], b[1]])));
            }
            Role::Integrity => info.integrity = info.integrity.or(Some(a.offset)),
            Role::IntegritySha256 => {
                info.integrity_sha256 = info.integrity_sha256.or(Some(a.offset))
            }
            Role::Fingerprint => info.fingerprint = info.fingerprint.or(Some(a.offset)),
            _ => {}
        }
    }
    info
}

/// Check the integrity attribute at `attr_offset` using the message's own USERNAME,
/// REALM and PASSWORD-ALGORITHM and a password from `creds`.
///
/// Without REALM the short-term key (the password) is used; with REALM the
/// long-term key. A USERHASH stands for USERNAME when `creds` can resolve it
/// ([`Credentials::username_for_userhash`]). `Unverified` when the message has no
/// USERNAME (responses: use
/// [`integrity_status_for`] with the request's [`AuthInfo`]), the username is not
/// UTF-8, or `creds` does not know it.
pub fn integrity_status<C: Credentials + ?Sized>(
    msg: &[u8],
    dialect: Dialect,
    attr_offset: usize,
    creds: &C,
) -> Status {
    integrity_status_for(msg, attr_offset, &auth_info(msg, dialect), creds)
}

/// As [`integrity_status`] but with the authentication attributes taken from
/// `auth` — e.g. those of the request, when checking its response.
pub fn integrity_status_for<C: Credentials + ?Sized>(
    msg: &[u8],
    attr_offset: usize,
    auth: &AuthInfo<'_>,
    creds: &C,
) -> Status {
    let realm = match auth.realm.map(core::str::from_utf8) {
        Some(Ok(r)) => Some(r),
        Some(Err(_)) => return Status::Unverified,
        None => None,
    };
    let username = match (auth.username, auth.userhash, realm) {
        (Some(u), _, _) => core::str::from_utf8(u).ok(),
        (None, Some(h), Some(r)) => creds.username_for_userhash(h, r),
        _ => None,
    };
    let Some(username) = username else {
        return Status::Unverified;
    };
    let Some(password) = creds.password(username, realm) else {
        return Status::Unverified;
    };
    let key = match realm {
        None => Key::ShortTerm(password),
        Some(r) => match auth.password_algorithm {
            Some(algorithm) => Key::LongTerm {
                username: username.as_bytes(),
                realm: r.as_bytes(),
                password,
                algorithm,
            },
            None => return Status::Unverified,
        },
    };
    check_integrity_with(msg, attr_offset, &key)
}

/// Statuses of a whole message's checks (each `None` if the attribute is absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Report {
    /// FINGERPRINT.
    pub fingerprint: Option<Status>,
    /// MESSAGE-INTEGRITY.
    pub integrity: Option<Status>,
    /// MESSAGE-INTEGRITY-SHA256.
    pub integrity_sha256: Option<Status>,
}

/// Run every check on a message: FINGERPRINT always, the integrity attributes with
/// passwords from `creds` (see [`integrity_status`]).
pub fn verify<T: AsRef<[u8]>, C: Credentials + ?Sized>(msg: &Message<T>, creds: &C) -> Report {
    let b = msg.bytes();
    let auth = auth_info(b, msg.dialect());
    Report {
        fingerprint: auth.fingerprint.map(|o| check_fingerprint(b, o)),
        integrity: auth
            .integrity
            .map(|o| integrity_status_for(b, o, &auth, creds)),
        integrity_sha256: auth
            .integrity_sha256
            .map(|o| integrity_status_for(b, o, &auth, creds)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    /// Issue 18: in the RFC 3489 dialect 0x0014 is NONCE and 0x0015 REALM (the drafts
    /// before rfc3489bis-03, as [MS-TURN]): the long-term key is built from 0x0015.
    #[test]
    fn rfc3489_realm_is_0x0015() {
        use crate::build::MessageBuilder;
        use crate::{Class, Message};
        let b = MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::Request, &[5; 16])
            .string(0x0006, "alice")
            .string(0x0014, "the-nonce")
            .string(0x0015, "the-realm")
            .message_integrity(&long_term_key("alice", "the-realm", "pw"))
            .finish();
        let m = Message::new_checked(&b[..]).unwrap();
        assert_eq!(m.dialect(), Dialect::Rfc3489);
        let info = auth_info(&b, Dialect::Rfc3489);
        assert_eq!(info.realm, Some(&b"the-realm"[..]));
        assert_eq!(info.nonce, Some(&b"the-nonce"[..]));
        let key = long_term_key(info.username.unwrap(), info.realm.unwrap(), "pw");
        assert_eq!(
            check_integrity(&b, info.integrity.unwrap(), &key),
            Status::Good
        );
    }

    #[test]
    fn status_codes_match_wireshark() {
        assert_eq!(Status::Bad.code(), 0);
        assert_eq!(Status::Good.code(), 1);
        assert_eq!(Status::Unverified.code(), 2);
        for s in [Status::Bad, Status::Good, Status::Unverified] {
            assert_eq!(registry::CHECKSUM_STATUS[s.code() as usize].1, s.name());
        }
        for s in [
            Status::Bad,
            Status::Good,
            Status::Unverified,
            Status::GoodWlm2009,
        ] {
            assert_eq!(
                registry::FINGERPRINT_STATUS[s.code() as usize],
                (s.code() as u32, s.name())
            );
        }
    }

    /// Issue 9, 3c: the WLM2009 table differs from the standard one in one entry, and a
    /// pair of duplicate checks (one each way, as libnice's OC2007R2 mode sends them)
    /// both verify.
    #[test]
    fn wlm2009_fingerprint_variant() {
        use crate::build::MessageBuilder;
        use crate::{Class, Dialect};
        let base = crc::base_table();
        let wrong: Vec<usize> = (0..256)
            .filter(|&i| base[i] == crc::WLM2009_ENTRY.0)
            .collect();
        assert_eq!(wrong, [0x5A]);
        // The typo only matters where the register meets index 0x5A (about one
        // message in six of this size): the first PRIORITY that makes them differ.
        let build = |prio: u32| {
            MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &[5; 12])
                .string(0x0006, "/gjr:t1if")
                .attr_u32(0x0024, prio)
        };
        let (mut same, mut standard, mut variant) = (0, Vec::new(), Vec::new());
        for prio in 0..100 {
            standard = build(prio).fingerprint().finish();
            variant = build(prio).fingerprint_wlm2009().finish();
            if standard != variant {
                break;
            }
            same += 1;
        }
        assert_ne!(standard, variant);
        assert!(same > 0, "most messages never meet the wrong entry");
        let off = standard.len() - 8;
        assert_eq!(check_fingerprint(&standard, off), Status::Good);
        assert_eq!(check_fingerprint(&variant, off), Status::GoodWlm2009);
        assert!(check_fingerprint(&variant, off).is_good());
        let mut bad = variant.clone();
        bad[off + 7] ^= 1;
        assert_eq!(check_fingerprint(&bad, off), Status::Bad);
        // The captured pair (frames 5 and 6 of tests/captures/msmode-oc2007r2.pcapng).
        let hex = "000100582112a442d151e4037ef8270f1ddd8409002500000024000
            46ef003ff802a0008066b4467b3a0fb880006000c2f676a723a74316966000000805400
            0431000000807000040000000200080014ec54eb7321629dd9dd594dc9ed11a0bc38cf44a5
            8028000459 84a811";
        let pair: Vec<u8> = hex
            .split_whitespace()
            .collect::<String>()
            .as_bytes()
            .chunks(2)
            .map(|c| u8::from_str_radix(core::str::from_utf8(c).unwrap(), 16).unwrap())
            .collect();
        let off = pair.len() - 8;
        assert_eq!(check_fingerprint(&pair, off), Status::Good);
        let mut dup = pair.clone();
        dup[off + 4..].copy_from_slice(&[0xb5, 0x3a, 0x32, 0x31]);
        assert_eq!(check_fingerprint(&dup, off), Status::GoodWlm2009);
        // Where the typo's entry is never used, both CRCs agree.
        let mut h = crc_hasher();
        h.update(b"abc");
        assert_eq!(!crc::update_wlm2009(!0, b"abc"), h.finalize());
    }

    #[test]
    fn garbage_offsets_do_not_panic() {
        let m = [0u8; 24];
        for off in [0, 19, 20, 21, 23, 24, 25, usize::MAX - 2, usize::MAX] {
            let _ = check_fingerprint(&m, off);
            let _ = check_integrity(&m, off, b"k");
            let _ = fingerprint_value(&m, off);
            let _ = integrity_sha1(&m, off, b"k");
            let _ = integrity_sha256(&m, off, usize::MAX, b"k");
        }
    }

    #[test]
    fn credential_table_lookup() {
        let t = [
            ("alice", "example.org", "pw1"),
            ("alice", "*", "pw2"),
            ("bob", "", "pw3"),
        ];
        assert_eq!(t.password("alice", Some("example.org")), Some(&b"pw1"[..]));
        assert_eq!(t.password("alice", Some("other")), Some(&b"pw2"[..]));
        assert_eq!(t.password("alice", None), Some(&b"pw2"[..]));
        assert_eq!(t.password("bob", None), Some(&b"pw3"[..]));
        assert_eq!(t.password("carol", None), None);
    }
}
