//! An encoder for every dialect and framing: builds the bytes that tests, the
//! plugin's pcap fixtures, the relay tests and the fuzz seeds feed to the parser.
//!
//! This module allocates (it returns `Vec<u8>`); the parse path does not use it.
//! Programmer errors (a transaction id of the wrong length, a value longer than
//! 65535 bytes) panic, as the builder exists for tests and fixtures.
//!
//! ```
//! use msstun::build::MessageBuilder;
//! use msstun::check::{self, Status};
//! use msstun::{Class, Dialect, Message};
//!
//! let tid = [7u8; 12];
//! let key = check::long_term_key("user", "example.org", "secret");
//! let bytes = MessageBuilder::new(Dialect::Rfc5389, 0x003 /* Allocate */, Class::Request, &tid)
//!     .attr_u32(0x000D /* LIFETIME */, 600)
//!     .xor_address(0x0012 /* XOR-PEER-ADDRESS */, "192.0.2.1:3478".parse().unwrap())
//!     .string(0x0006 /* USERNAME */, "user")
//!     .string(0x0014 /* REALM */, "example.org")
//!     .message_integrity(&key)
//!     .fingerprint()
//!     .finish();
//! let msg = Message::new_checked(&bytes[..]).unwrap();
//! assert_eq!(msg.method().name, "Allocate");
//! let report = check::verify(&msg, &[("user", "example.org", "secret")][..]);
//! assert_eq!(report.integrity, Some(Status::Good));
//! assert_eq!(report.fingerprint, Some(Status::Good));
//! ```

use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};

use crate::check;
use crate::framing::Framing;
use crate::message::{
    join_type, Class, Dialect, ATTR_MS_MAGIC_COOKIE, HEADER_LEN, MAGIC_COOKIE, MS_TURN_MAGIC_COOKIE,
};
use crate::registry::{self, Role};

/// The code of the attribute with `role` in `dialect` (e.g.
/// `code(Dialect::MsTurn, Role::Realm) == Some(0x0015)`); [`registry::code`].
pub fn code(dialect: Dialect, role: Role) -> Option<u16> {
    registry::code(dialect, role)
}

/// The message type for a method and class in a dialect: [MS-TURN]'s own table for
/// legacy MS-TURN (falling back to the RFC 5389 bit layout), RFC 5389's otherwise.
pub fn message_type(dialect: Dialect, method: u16, class: Class) -> u16 {
    if dialect.is_ms_turn() {
        if let Some((t, _, _)) = registry::MS_TURN_TYPES
            .iter()
            .find(|(_, m, c)| m.code == method && *c == class)
        {
            return *t;
        }
    }
    join_type(method, class)
}

/// Builds one STUN message.
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    buf: Vec<u8>,
    dialect: Dialect,
    pad_byte: u8,
}

impl MessageBuilder {
    /// Start a message of `dialect` for `method` and `class` (see [`message_type`]).
    ///
    /// `tid` is 12 bytes for RFC 5389 and MS-TURN in an RFC 5389 header (the cookie is
    /// written before it) and 16 bytes for RFC 3489 and legacy [MS-TURN] (the whole
    /// 128-bit transaction id; its first four bytes should not be the magic cookie, or
    /// the message reads as RFC 5389). For both [MS-TURN] dialects the MAGIC-COOKIE
    /// attribute is written first.
    ///
    /// # Panics
    /// If `tid` has the wrong length for the dialect.
    pub fn new(dialect: Dialect, method: u16, class: Class, tid: &[u8]) -> Self {
        Self::with_type(dialect, message_type(dialect, method, class), tid)
    }

    /// Start a message with a raw 16-bit message type (e.g. an unknown method).
    ///
    /// # Panics
    /// If `tid` has the wrong length for the dialect.
    pub fn with_type(dialect: Dialect, msg_type: u16, tid: &[u8]) -> Self {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(&msg_type.to_be_bytes());
        buf.extend_from_slice(&[0, 0]);
        match dialect {
            Dialect::Rfc5389 | Dialect::MsTurn5389 => {
                assert_eq!(tid.len(), 12, "RFC 5389 transaction ids are 12 bytes");
                buf.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
            }
            Dialect::Rfc3489 | Dialect::MsTurn => {
                assert_eq!(
                    tid.len(),
                    16,
                    "RFC 3489 / MS-TURN transaction ids are 16 bytes"
                );
            }
        }
        buf.extend_from_slice(tid);
        let mut b = MessageBuilder {
            buf,
            dialect,
            pad_byte: 0,
        };
        if dialect.is_ms_turn() {
            b = b.attr_u32(ATTR_MS_MAGIC_COOKIE, MS_TURN_MAGIC_COOKIE);
        }
        b
    }

    /// The attribute with `role`, under the code this dialect gives it (the RFC 5389
    /// code where the dialect has none, e.g. MESSAGE-INTEGRITY-SHA256 written into an
    /// [MS-TURN] message for a malformed-input test).
    ///
    /// # Panics
    /// If no dialect has the role ([`Role::None`]).
    pub fn role(self, role: Role, value: &[u8]) -> Self {
        let code = registry::code(self.dialect, role)
            .or_else(|| registry::code(Dialect::Rfc5389, role))
            .unwrap_or_else(|| panic!("no attribute has {role:?}"));
        self.attr(code, value)
    }

    /// The dialect being written.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Bytes written so far (header included).
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether only the header has been written (never true: the header is always there).
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes written so far (the Length field is kept up to date).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Byte used for attribute padding from now on (0 by default; RFC 5769's vectors
    /// pad with 0x20). Ignored by [MS-TURN], which does not pad.
    pub fn padding_byte(mut self, b: u8) -> Self {
        self.pad_byte = b;
        self
    }

    fn set_length(&mut self) {
        let len =
            u16::try_from(self.buf.len() - HEADER_LEN).expect("message longer than 65535 bytes");
        self.buf[2..4].copy_from_slice(&len.to_be_bytes());
    }

    /// Append an attribute with a raw value (padded as the dialect requires).
    ///
    /// # Panics
    /// If the value is longer than 65535 bytes.
    pub fn attr(mut self, code: u16, value: &[u8]) -> Self {
        let len = u16::try_from(value.len()).expect("attribute value longer than 65535 bytes");
        self.buf.extend_from_slice(&code.to_be_bytes());
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(value);
        if self.dialect.pads_attributes() {
            let pad = (4 - value.len() % 4) % 4;
            self.buf.extend(core::iter::repeat_n(self.pad_byte, pad));
        }
        self.set_length();
        self
    }

    /// Append an attribute header declaring `declared` bytes followed by `value`
    /// as is, without padding — for malformed-input tests.
    pub fn attr_raw(mut self, code: u16, declared: u16, value: &[u8]) -> Self {
        self.buf.extend_from_slice(&code.to_be_bytes());
        self.buf.extend_from_slice(&declared.to_be_bytes());
        self.buf.extend_from_slice(value);
        self.set_length();
        self
    }

    /// An attribute with no value (USE-CANDIDATE, DONT-FRAGMENT, ...).
    pub fn flag(self, code: u16) -> Self {
        self.attr(code, &[])
    }

    /// A 1-byte number followed by three reserved zero bytes (REQUESTED-TRANSPORT).
    pub fn attr_u8_padded(self, code: u16, v: u8) -> Self {
        self.attr(code, &[v, 0, 0, 0])
    }

    /// A 16-bit number.
    pub fn attr_u16(self, code: u16, v: u16) -> Self {
        self.attr(code, &v.to_be_bytes())
    }

    /// A 32-bit number (LIFETIME, PRIORITY, ...).
    pub fn attr_u32(self, code: u16, v: u32) -> Self {
        self.attr(code, &v.to_be_bytes())
    }

    /// A 64-bit number (ICE-CONTROLLING, ...).
    pub fn attr_u64(self, code: u16, v: u64) -> Self {
        self.attr(code, &v.to_be_bytes())
    }

    /// A list of 16-bit values (UNKNOWN-ATTRIBUTES, PASSWORD-ALGORITHMS codes).
    pub fn attr_u16_list(self, code: u16, values: &[u16]) -> Self {
        let v: Vec<u8> = values.iter().flat_map(|x| x.to_be_bytes()).collect();
        self.attr(code, &v)
    }

    /// A UTF-8 text value (USERNAME, REALM, NONCE, SOFTWARE).
    pub fn string(self, code: u16, s: &str) -> Self {
        self.attr(code, s.as_bytes())
    }

    /// A plain address attribute (RFC 8489 §14.1 layout).
    pub fn address(self, code: u16, addr: SocketAddr) -> Self {
        let v = encode_address(addr, None);
        self.attr(code, &v)
    }

    /// An XOR address attribute (RFC 8489 §14.2): port XOR the cookie's top 16 bits,
    /// IPv4 XOR the cookie, IPv6 XOR the cookie and transaction id — i.e. header
    /// bytes 4..20, in every dialect, as the decoder does (for RFC 3489 and
    /// [MS-TURN] those bytes are the 128-bit transaction id).
    pub fn xor_address(self, code: u16, addr: SocketAddr) -> Self {
        let key: [u8; 16] = self.buf[4..20].try_into().expect("header written");
        let v = encode_address(addr, Some(&key));
        self.attr(code, &v)
    }

    /// ERROR-CODE (RFC 8489 §14.8): `code` 300..=699 and a reason phrase.
    pub fn error_code(self, code: u16, reason: &str) -> Self {
        let mut v = Vec::with_capacity(4 + reason.len());
        v.extend_from_slice(&[0, 0, ((code / 100) & 0x07) as u8, (code % 100) as u8]);
        v.extend_from_slice(reason.as_bytes());
        self.role(Role::ErrorCode, &v)
    }

    /// PASSWORD-ALGORITHM (RFC 8489 §14.12) with no parameters.
    pub fn password_algorithm(self, alg: check::PasswordAlgorithm) -> Self {
        let mut v = [0u8; 4];
        v[..2].copy_from_slice(&alg.code().to_be_bytes());
        self.role(Role::PasswordAlgorithm, &v)
    }

    /// USERHASH (RFC 8489 §14.4) of `username` and `realm`.
    pub fn userhash(self, username: &str, realm: &str) -> Self {
        let h = check::userhash(username, realm);
        self.role(Role::Userhash, &h)
    }

    /// MESSAGE-INTEGRITY (HMAC-SHA1) with `key` — the password for short-term
    /// credentials, [`check::long_term_key`] for long-term ones. RFC 3489 and
    /// [MS-TURN] messages get the legacy zero-padded form (see [`crate::check`]).
    pub fn message_integrity(self, key: &[u8]) -> Self {
        let legacy = !self.dialect.has_cookie();
        self.message_integrity_form(key, legacy)
    }

    /// MESSAGE-INTEGRITY computed the RFC 5389 way, whatever the dialect.
    pub fn message_integrity_rfc5389(self, key: &[u8]) -> Self {
        self.message_integrity_form(key, false)
    }

    fn message_integrity_form(mut self, key: &[u8], legacy: bool) -> Self {
        let off = self.buf.len();
        // Write the attribute with a dummy value first so the Length is final.
        self = self.role(Role::Integrity, &[0; 20]);
        let mac = if legacy {
            check::integrity_sha1_legacy(&self.buf, off, key)
        } else {
            check::integrity_sha1(&self.buf, off, key)
        }
        .expect("offset inside the message");
        self.buf[off + 4..off + 24].copy_from_slice(&mac);
        self
    }

    /// [MS-TURN] MS-Version 3+ MESSAGE-INTEGRITY: attribute 0x0008 holding a 32-byte
    /// HMAC-SHA256 (see [`check::integrity_ms_sha256`]); RFC 5389-style input for
    /// [`Dialect::MsTurn5389`] (and RFC 5389), the zero-padded legacy input otherwise.
    pub fn message_integrity_ms_sha256(mut self, key: &[u8]) -> Self {
        let pad64 = !self.dialect.has_cookie();
        let off = self.buf.len();
        self = self.role(Role::Integrity, &[0; 32]);
        let mac = check::integrity_ms_sha256(&self.buf, off, key, pad64)
            .expect("offset inside the message");
        self.buf[off + 4..off + 36].copy_from_slice(&mac);
        self
    }

    /// MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, 32 bytes) with `key`.
    pub fn message_integrity_sha256(self, key: &[u8]) -> Self {
        self.message_integrity_sha256_truncated(key, 32)
    }

    /// MESSAGE-INTEGRITY-SHA256 truncated to `len` bytes (RFC 8489 §14.6: 16..=32, a
    /// multiple of 4; other lengths are written anyway, for malformed-input tests).
    pub fn message_integrity_sha256_truncated(mut self, key: &[u8], len: usize) -> Self {
        let len = len.min(32);
        let off = self.buf.len();
        self = self.role(Role::IntegritySha256, &[0; 32][..len]);
        let mac =
            check::integrity_sha256(&self.buf, off, len, key).expect("offset inside the message");
        self.buf[off + 4..off + 4 + len].copy_from_slice(&mac[..len]);
        self
    }

    /// FINGERPRINT (RFC 8489 §14.7) over everything written so far.
    pub fn fingerprint(mut self) -> Self {
        let off = self.buf.len();
        self = self.role(Role::Fingerprint, &[0; 4]);
        let crc = check::fingerprint_value(&self.buf, off).expect("offset inside the message");
        self.buf[off + 4..off + 8].copy_from_slice(&crc.to_be_bytes());
        self
    }

    /// FINGERPRINT computed with the WLM2009 / OCS 2007 R2 CRC-32 table
    /// ([`check::fingerprint_value_wlm2009`]), as legacy [MS-ICE2] peers send it.
    pub fn fingerprint_wlm2009(mut self) -> Self {
        let off = self.buf.len();
        self = self.role(Role::Fingerprint, &[0; 4]);
        let crc =
            check::fingerprint_value_wlm2009(&self.buf, off).expect("offset inside the message");
        self.buf[off + 4..off + 8].copy_from_slice(&crc.to_be_bytes());
        self
    }

    /// The finished message.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Encode family, port and address, XORed with `key` when given.
pub fn encode_address(addr: SocketAddr, key: Option<&[u8; 16]>) -> Vec<u8> {
    let zero = [0u8; 16];
    let k = key.unwrap_or(&zero);
    let port = addr.port() ^ u16::from_be_bytes([k[0], k[1]]);
    let mut v = Vec::with_capacity(20);
    match addr.ip() {
        IpAddr::V4(ip) => {
            v.extend_from_slice(&[0, 1]);
            v.extend_from_slice(&port.to_be_bytes());
            v.extend(ip.octets().iter().zip(k).map(|(a, b)| a ^ b));
        }
        IpAddr::V6(ip) => {
            v.extend_from_slice(&[0, 2]);
            v.extend_from_slice(&port.to_be_bytes());
            v.extend(ip.octets().iter().zip(k).map(|(a, b)| a ^ b));
        }
    }
    v
}

// -------------------------------------------------------------------- framing

/// ChannelData (RFC 8656 §12.4): channel number, length, data; `pad` adds the zero
/// padding to a multiple of 4 that TCP requires (§12.5).
pub fn channel_data(channel: u16, data: &[u8], pad: bool) -> Vec<u8> {
    let len = u16::try_from(data.len()).expect("ChannelData longer than 65535 bytes");
    let mut v = Vec::with_capacity(4 + data.len() + 3);
    v.extend_from_slice(&channel.to_be_bytes());
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(data);
    if pad {
        v.extend(core::iter::repeat_n(0, (4 - data.len() % 4) % 4));
    }
    v
}

/// RFC 4571 §2 framing: a 16-bit length, then the packet.
pub fn rfc4571(packet: &[u8]) -> Vec<u8> {
    let len = u16::try_from(packet.len()).expect("packet longer than 65535 bytes");
    let mut v = Vec::with_capacity(2 + packet.len());
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(packet);
    v
}

/// [MS-TURN] §2.1.4 TCP frame type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MsTcpType {
    /// 0x02: a TURN control message follows.
    Control = 0x02,
    /// 0x03: end-to-end data follows.
    Data = 0x03,
}

/// [MS-TURN] §2.1.4 TCP framing: type, a reserved zero byte, 16-bit length, payload.
pub fn ms_tcp(kind: MsTcpType, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len()).expect("payload longer than 65535 bytes");
    let mut v = Vec::with_capacity(4 + payload.len());
    v.extend_from_slice(&[kind as u8, 0]);
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// [MS-TURN] §2.1.4 TCP framing the way libnice's OC2007 modes send TURN over TCP: type
/// and reserved byte but no length, then the STUN message (which carries its own).
pub fn ms_tcp_without_length(kind: MsTcpType, stun: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(2 + stun.len());
    v.extend_from_slice(&[kind as u8, 0]);
    v.extend_from_slice(stun);
    v
}

/// [MS-TURN] §2.2.4 multiplexed-TURN frame on channel 0xFF10: channel, length (of
/// everything after it), the 8-byte MTURN session id, data.
pub fn multiplexed_turn(session_id: u64, data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(8 + data.len()).expect("frame longer than 65535 bytes");
    let mut v = Vec::with_capacity(12 + data.len());
    v.extend_from_slice(&0xFF10u16.to_be_bytes());
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(&session_id.to_be_bytes());
    v.extend_from_slice(data);
    v
}

/// Frame one PDU (a STUN message or ChannelData) for a stream in `framing`:
/// [`Framing::Plain`] leaves it as is, [`Framing::Rfc4571`] prefixes its length,
/// [`Framing::MsTurnTcp`] and [`Framing::PseudoTls`] (after the hellos) use the
/// [MS-TURN] §2.1.4 header — type 0x02 for a STUN message, 0x03 for anything else
/// (end-to-end data).
pub fn frame(framing: Framing, pdu: &[u8]) -> Vec<u8> {
    match framing {
        Framing::Plain => pdu.to_vec(),
        Framing::Rfc4571 => rfc4571(pdu),
        Framing::MsTurnTcp | Framing::PseudoTls => {
            let kind = if pdu.first().is_some_and(|b| b & 0xC0 == 0) {
                MsTcpType::Control
            } else {
                MsTcpType::Data
            };
            ms_tcp(kind, pdu)
        }
    }
}

/// TLS 1.0 cipher suite TLS_RSA_WITH_RC4_128_SHA, used by the pseudo-TLS hellos.
const PSEUDO_TLS_SUITE: u16 = 0x0005;

fn tls_record(handshake: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(5 + handshake.len());
    v.extend_from_slice(&[0x16, 3, 1]);
    v.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    v.extend_from_slice(handshake);
    v
}

fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(4 + body.len());
    v.push(kind);
    v.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    v.extend_from_slice(body);
    v
}

/// The pseudo-TLS record a client sends first on port 443 ([MS-TURN] §2.1.1): a
/// TLS 1.0 handshake record (RFC 2246 §6.2, §7.4.1.2) with one ClientHello — version
/// 3.1, `random` (4-byte time + 28 random bytes), no session id, one cipher suite,
/// the null compression method. The structure follows the spec; the constant values
/// the spec's table lists for a real client are not reproduced byte for byte.
pub fn pseudo_tls_client_hello(random: &[u8; 32]) -> Vec<u8> {
    pseudo_tls_client_hello_with(random, PSEUDO_TLS_SUITE)
}

/// [`pseudo_tls_client_hello`] offering `cipher_suite` (as a captured client does)
/// instead of TLS_RSA_WITH_RC4_128_SHA.
pub fn pseudo_tls_client_hello_with(random: &[u8; 32], cipher_suite: u16) -> Vec<u8> {
    let mut body = Vec::with_capacity(41);
    body.extend_from_slice(&[3, 1]);
    body.extend_from_slice(random);
    body.push(0); // session id length
    body.extend_from_slice(&2u16.to_be_bytes());
    body.extend_from_slice(&cipher_suite.to_be_bytes());
    body.extend_from_slice(&[1, 0]); // one compression method: null
    tls_record(&handshake(1, &body))
}

/// The server's pseudo-TLS answer ([MS-TURN] §2.1.1): one TLS 1.0 record holding a
/// ServerHello (version 3.1, `random`, no session id, the cipher suite, null
/// compression) followed by a ServerHelloDone.
pub fn pseudo_tls_server_hello(random: &[u8; 32]) -> Vec<u8> {
    pseudo_tls_server_hello_with(random, &[], PSEUDO_TLS_SUITE)
}

/// [`pseudo_tls_server_hello`] with a session id (RFC 2246 §7.4.1.3: up to 32 bytes;
/// longer ones are written anyway, their length byte truncated) and `cipher_suite`.
pub fn pseudo_tls_server_hello_with(
    random: &[u8; 32],
    session_id: &[u8],
    cipher_suite: u16,
) -> Vec<u8> {
    let mut body = Vec::with_capacity(38 + session_id.len());
    body.extend_from_slice(&[3, 1]);
    body.extend_from_slice(random);
    body.push(session_id.len() as u8);
    body.extend_from_slice(session_id);
    body.extend_from_slice(&cipher_suite.to_be_bytes());
    body.push(0);
    let mut hs = handshake(2, &body);
    hs.extend_from_slice(&handshake(14, &[]));
    tls_record(&hs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    #[test]
    fn header_per_dialect() {
        let m = MessageBuilder::new(Dialect::Rfc5389, 1, Class::Request, &[1; 12]).finish();
        assert_eq!(&m[..8], &[0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42]);
        let m = MessageBuilder::new(Dialect::Rfc3489, 1, Class::SuccessResponse, &[2; 16]).finish();
        assert_eq!(m.len(), 20);
        assert_eq!(&m[..4], &[1, 1, 0, 0]);
        let m = MessageBuilder::new(Dialect::MsTurn, 4, Class::Request, &[3; 16])
            .attr(0x0013, b"abc")
            .finish();
        // MAGIC-COOKIE first, DATA unpadded.
        assert_eq!(m.len(), 20 + 8 + 7);
        let msg = Message::new_checked(&m[..]).unwrap();
        assert_eq!(msg.dialect(), Dialect::MsTurn);
        assert_eq!(msg.message_type(), 0x0004);
        assert_eq!(message_type(Dialect::MsTurn, 5, Class::Indication), 0x0115);
    }

    #[test]
    fn framings() {
        assert_eq!(channel_data(0x4000, b"abcde", true).len(), 12);
        assert_eq!(channel_data(0x4000, b"abcde", false).len(), 9);
        assert_eq!(rfc4571(b"xyz"), [0, 3, b'x', b'y', b'z']);
        assert_eq!(ms_tcp(MsTcpType::Data, b"q"), [3, 0, 0, 1, b'q']);
        assert_eq!(multiplexed_turn(1, b"")[..4], [0xFF, 0x10, 0, 8]);
        let stun = MessageBuilder::new(Dialect::Rfc5389, 1, Class::Request, &[1; 12]).finish();
        assert_eq!(frame(Framing::MsTurnTcp, &stun)[0], 0x02);
        assert_eq!(
            frame(Framing::PseudoTls, &channel_data(0x4000, b"x", true))[0],
            0x03
        );
        assert_eq!(frame(Framing::Plain, &stun), stun);
        let ch = pseudo_tls_client_hello(&[7; 32]);
        assert_eq!(ch.len(), 5 + 4 + 41);
        assert_eq!(&ch[..6], &[0x16, 3, 1, 0, 45, 1]);
        let sh = pseudo_tls_server_hello(&[7; 32]);
        assert_eq!(sh.len(), 5 + 4 + 38 + 4);
        assert_eq!(&sh[sh.len() - 4..], &[14, 0, 0, 0]);
    }

    #[test]
    fn pseudo_tls_hellos_with_suite_and_session_id() {
        let random = [9; 32];
        assert_eq!(
            pseudo_tls_client_hello_with(&random, PSEUDO_TLS_SUITE),
            pseudo_tls_client_hello(&random)
        );
        assert_eq!(
            pseudo_tls_server_hello_with(&random, &[], PSEUDO_TLS_SUITE),
            pseudo_tls_server_hello(&random)
        );
        let ch = pseudo_tls_client_hello_with(&random, 0x0018);
        // record(5) handshake(4) version(2) random(32) sid len(1) suites len(2) suite
        assert_eq!(&ch[5 + 4 + 2 + 32 + 1..][..4], &[0, 2, 0, 0x18]);
        let sid = [0x5A; 32];
        let sh = pseudo_tls_server_hello_with(&random, &sid, 0x0018);
        assert_eq!(sh.len(), 5 + 4 + 38 + 32 + 4);
        assert_eq!(&sh[3..5], &((4 + 38 + 32 + 4) as u16).to_be_bytes());
        assert_eq!(&sh[5..9], &[2, 0, 0, 38 + 32]);
        let at = 5 + 4 + 2 + 32;
        assert_eq!(sh[at], 32);
        assert_eq!(&sh[at + 1..at + 33], &sid);
        assert_eq!(&sh[at + 33..at + 36], &[0, 0x18, 0]);
        assert_eq!(&sh[sh.len() - 4..], &[14, 0, 0, 0]);
    }
}
