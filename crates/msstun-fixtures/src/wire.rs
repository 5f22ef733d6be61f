//! A small, deliberately independent STUN/TURN/MS-TURN encoder.
//!
//! The fixtures write their bytes with this module rather than with the parser crate, so a
//! mistake shared by `msstun`'s decoder and its encoder cannot hide in the tests: every
//! message here is laid out by hand from the RFCs and [MS-TURN]. It can also write things
//! an encoder should refuse to write (bad padding, overrunning lengths, wrong checksums).

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;
use std::net::{IpAddr, SocketAddr};

/// RFC 5389 magic cookie.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
/// Value of the legacy [MS-TURN] MAGIC-COOKIE attribute.
pub const MS_TURN_MAGIC: u32 = 0x72C6_4BC6;
/// XOR constant of FINGERPRINT (RFC 8489 §14.7).
pub const FINGERPRINT_XOR: u32 = 0x5354_554E;

/// Attribute codes used by the fixtures.
#[allow(missing_docs)]
pub mod attr {
    pub const MAPPED_ADDRESS: u16 = 0x0001;
    pub const USERNAME: u16 = 0x0006;
    pub const MESSAGE_INTEGRITY: u16 = 0x0008;
    pub const ERROR_CODE: u16 = 0x0009;
    pub const CHANNEL_NUMBER: u16 = 0x000C;
    pub const LIFETIME: u16 = 0x000D;
    pub const MS_MAGIC_COOKIE: u16 = 0x000F;
    pub const XOR_PEER_ADDRESS: u16 = 0x0012;
    pub const DATA: u16 = 0x0013;
    pub const REALM: u16 = 0x0014;
    pub const NONCE: u16 = 0x0015;
    pub const MS_NONCE: u16 = 0x0014;
    pub const MS_REALM: u16 = 0x0015;
    pub const XOR_RELAYED_ADDRESS: u16 = 0x0016;
    pub const REQUESTED_TRANSPORT: u16 = 0x0019;
    pub const XOR_MAPPED_ADDRESS: u16 = 0x0020;
    pub const PRIORITY: u16 = 0x0024;
    pub const USE_CANDIDATE: u16 = 0x0025;
    pub const CONNECTION_ID: u16 = 0x002A;
    pub const MS_VERSION: u16 = 0x8008;
    pub const MS_XOR_MAPPED_ADDRESS: u16 = 0x8020;
    pub const SOFTWARE: u16 = 0x8022;
    pub const FINGERPRINT: u16 = 0x8028;
    pub const ICE_CONTROLLED: u16 = 0x8029;
    pub const ICE_CONTROLLING: u16 = 0x802A;
    pub const MS_SEQUENCE_NUMBER: u16 = 0x8050;
    pub const MS_CANDIDATE_IDENTIFIER: u16 = 0x8054;
    pub const MS_IMPLEMENTATION_VERSION: u16 = 0x8070;
}

/// Message types (RFC 5389 bit layout) used by the fixtures.
#[allow(missing_docs)]
pub mod ty {
    pub const BINDING_REQUEST: u16 = 0x0001;
    pub const BINDING_INDICATION: u16 = 0x0011;
    pub const BINDING_SUCCESS: u16 = 0x0101;
    pub const BINDING_ERROR: u16 = 0x0111;
    pub const ALLOCATE_REQUEST: u16 = 0x0003;
    pub const ALLOCATE_SUCCESS: u16 = 0x0103;
    pub const ALLOCATE_ERROR: u16 = 0x0113;
    pub const REFRESH_REQUEST: u16 = 0x0004;
    pub const REFRESH_SUCCESS: u16 = 0x0104;
    pub const CHANNEL_BIND_REQUEST: u16 = 0x0009;
    pub const CHANNEL_BIND_SUCCESS: u16 = 0x0109;
    pub const CONNECTION_BIND_REQUEST: u16 = 0x000B;
    pub const CONNECTION_BIND_SUCCESS: u16 = 0x010B;
    pub const CONNECTION_ATTEMPT_INDICATION: u16 = 0x001C;
    /// [MS-TURN] Data Indication.
    pub const MS_DATA_INDICATION: u16 = 0x0115;
    /// [MS-TURN] Send request.
    pub const MS_SEND_REQUEST: u16 = 0x0004;
}

/// Long-term credential key: MD5(username ":" realm ":" password) (RFC 8489 §9.2.2).
pub fn long_term_key(username: &str, realm: &str, password: &str) -> Vec<u8> {
    let mut h = Md5::new();
    h.update(format!("{username}:{realm}:{password}").as_bytes());
    h.finalize().to_vec()
}

/// Which header/attribute rules a message follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// RFC 5389/8489: magic cookie, 96-bit transaction id, padded attributes.
    Rfc5389,
    /// RFC 3489: 128-bit transaction id, padded attributes.
    Rfc3489,
    /// Legacy [MS-TURN]: 128-bit transaction id, MAGIC-COOKIE attribute first, no padding.
    MsTurn,
}

/// A STUN message under construction. Attributes are appended in call order.
#[derive(Debug, Clone)]
pub struct Msg {
    flavor: Flavor,
    ty: u16,
    /// Bytes 4..20 of the header (cookie + 96-bit id, or a 128-bit id).
    id: [u8; 16],
    body: Vec<u8>,
    /// Overrides the header length field (to write inconsistent messages).
    length_override: Option<u16>,
}

impl Msg {
    /// RFC 5389 message with a 96-bit transaction id.
    pub fn new(ty: u16, tid: [u8; 12]) -> Msg {
        let mut id = [0u8; 16];
        id[..4].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        id[4..].copy_from_slice(&tid);
        Msg {
            flavor: Flavor::Rfc5389,
            ty,
            id,
            body: Vec::new(),
            length_override: None,
        }
    }

    /// RFC 3489 "classic" message with a 128-bit transaction id.
    pub fn classic(ty: u16, tid: [u8; 16]) -> Msg {
        Msg {
            flavor: Flavor::Rfc3489,
            ty,
            id: tid,
            body: Vec::new(),
            length_override: None,
        }
    }

    /// Legacy [MS-TURN] message: 128-bit transaction id, MAGIC-COOKIE attribute written first.
    pub fn ms_turn(ty: u16, tid: [u8; 16]) -> Msg {
        let m = Msg {
            flavor: Flavor::MsTurn,
            ty,
            id: tid,
            body: Vec::new(),
            length_override: None,
        };
        m.u32(attr::MS_MAGIC_COOKIE, MS_TURN_MAGIC)
    }

    /// Appends an attribute with raw value bytes (padded as the flavor requires).
    pub fn raw(mut self, code: u16, value: &[u8]) -> Msg {
        self.body.extend_from_slice(&code.to_be_bytes());
        self.body
            .extend_from_slice(&(value.len() as u16).to_be_bytes());
        self.body.extend_from_slice(value);
        if self.flavor != Flavor::MsTurn {
            while !self.body.len().is_multiple_of(4) {
                self.body.push(0);
            }
        }
        self
    }

    /// Appends an attribute header declaring `declared` bytes followed by `value` and no padding.
    pub fn raw_unpadded(mut self, code: u16, declared: u16, value: &[u8]) -> Msg {
        self.body.extend_from_slice(&code.to_be_bytes());
        self.body.extend_from_slice(&declared.to_be_bytes());
        self.body.extend_from_slice(value);
        self
    }

    /// Appends arbitrary bytes to the attribute area.
    pub fn bytes(mut self, b: &[u8]) -> Msg {
        self.body.extend_from_slice(b);
        self
    }

    /// Forces the header's length field.
    pub fn length(mut self, len: u16) -> Msg {
        self.length_override = Some(len);
        self
    }

    /// 32-bit attribute.
    pub fn u32(self, code: u16, v: u32) -> Msg {
        self.raw(code, &v.to_be_bytes())
    }

    /// 64-bit attribute.
    pub fn u64(self, code: u16, v: u64) -> Msg {
        self.raw(code, &v.to_be_bytes())
    }

    /// Text attribute (no terminator).
    pub fn text(self, code: u16, s: &str) -> Msg {
        self.raw(code, s.as_bytes())
    }

    /// REQUESTED-TRANSPORT with an IANA protocol number.
    pub fn transport(self, proto: u8) -> Msg {
        self.raw(attr::REQUESTED_TRANSPORT, &[proto, 0, 0, 0])
    }

    /// ERROR-CODE with class/number split and a reason phrase.
    pub fn error(self, code: u16, reason: &str) -> Msg {
        let mut v = vec![0, 0, (code / 100) as u8, (code % 100) as u8];
        v.extend_from_slice(reason.as_bytes());
        self.raw(attr::ERROR_CODE, &v)
    }

    /// Plain (non-XOR) address attribute.
    pub fn addr(self, code: u16, a: SocketAddr) -> Msg {
        let mut v = vec![0];
        match a.ip() {
            IpAddr::V4(ip) => {
                v.push(1);
                v.extend_from_slice(&a.port().to_be_bytes());
                v.extend_from_slice(&ip.octets());
            }
            IpAddr::V6(ip) => {
                v.push(2);
                v.extend_from_slice(&a.port().to_be_bytes());
                v.extend_from_slice(&ip.octets());
            }
        }
        self.raw(code, &v)
    }

    /// XOR address attribute (RFC 8489 §14.2): XOR with the cookie and, for IPv6, the id.
    pub fn xor_addr(self, code: u16, a: SocketAddr) -> Msg {
        let key = self.id; // cookie(4) + tid(12) for RFC 5389
        let mut v = vec![0];
        let port = a.port() ^ u16::from_be_bytes([key[0], key[1]]);
        match a.ip() {
            IpAddr::V4(ip) => {
                v.push(1);
                v.extend_from_slice(&port.to_be_bytes());
                for (i, b) in ip.octets().iter().enumerate() {
                    v.push(b ^ key[i]);
                }
            }
            IpAddr::V6(ip) => {
                v.push(2);
                v.extend_from_slice(&port.to_be_bytes());
                for (i, b) in ip.octets().iter().enumerate() {
                    v.push(b ^ key[i]);
                }
            }
        }
        self.raw(code, &v)
    }

    fn header(&self, len: u16) -> Vec<u8> {
        let mut out = Vec::with_capacity(20 + self.body.len());
        out.extend_from_slice(&self.ty.to_be_bytes());
        out.extend_from_slice(&self.length_override.unwrap_or(len).to_be_bytes());
        out.extend_from_slice(&self.id);
        out
    }

    /// Appends MESSAGE-INTEGRITY (HMAC-SHA1 with `key`), computed as RFC 8489 §14.5 says.
    pub fn integrity(mut self, key: &[u8]) -> Msg {
        let mut m = self.header((self.body.len() + 24) as u16);
        m.extend_from_slice(&self.body);
        let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("any key length");
        mac.update(&m);
        let tag = mac.finalize().into_bytes();
        self.body
            .extend_from_slice(&attr::MESSAGE_INTEGRITY.to_be_bytes());
        self.body.extend_from_slice(&20u16.to_be_bytes());
        self.body.extend_from_slice(&tag);
        self
    }

    /// Appends a MESSAGE-INTEGRITY whose HMAC is wrong (computed with a different key).
    pub fn bad_integrity(self, key: &[u8]) -> Msg {
        let mut wrong = key.to_vec();
        wrong.push(b'!');
        self.integrity(&wrong)
    }

    /// Appends FINGERPRINT (CRC-32 XOR 0x5354554E).
    pub fn fingerprint(self) -> Msg {
        let mut m = self.header((self.body.len() + 8) as u16);
        m.extend_from_slice(&self.body);
        let crc = crc32fast::hash(&m) ^ FINGERPRINT_XOR;
        self.u32(attr::FINGERPRINT, crc)
    }

    /// Appends a FINGERPRINT with a wrong value.
    pub fn bad_fingerprint(mut self) -> Msg {
        let mut m = self.header((self.body.len() + 8) as u16);
        m.extend_from_slice(&self.body);
        let crc = crc32fast::hash(&m) ^ FINGERPRINT_XOR ^ 0x0000_0001;
        self.body
            .extend_from_slice(&attr::FINGERPRINT.to_be_bytes());
        self.body.extend_from_slice(&4u16.to_be_bytes());
        self.body.extend_from_slice(&crc.to_be_bytes());
        self
    }

    /// The wire bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.header(self.body.len() as u16);
        out.extend_from_slice(&self.body);
        out
    }
}

/// TURN ChannelData message (RFC 8656 §12.4); `pad` adds the padding TCP requires.
pub fn channel_data(channel: u16, data: &[u8], pad: bool) -> Vec<u8> {
    let mut out = channel.to_be_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
    if pad {
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
    }
    out
}

/// RFC 4571 framing: a 16-bit length, then the packet.
pub fn rfc4571(pkt: &[u8]) -> Vec<u8> {
    let mut out = (pkt.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(pkt);
    out
}

/// [MS-TURN] §2.1.4 TCP framing: type (0x02 control, 0x03 end-to-end data), reserved, length.
pub fn ms_tcp_frame(kind: u8, pkt: &[u8]) -> Vec<u8> {
    let mut out = vec![kind, 0];
    out.extend_from_slice(&(pkt.len() as u16).to_be_bytes());
    out.extend_from_slice(pkt);
    out
}

/// [MS-TURN] §2.1.1 pseudo-TLS ClientHello record.
pub fn pseudo_tls_client_hello() -> Vec<u8> {
    let mut hs = vec![0x03, 0x01]; // version TLS 1.0
    hs.extend_from_slice(&[0x4A, 0x2B, 0x3C, 0x4D]); // gmt_unix_time
    hs.extend((0..28u8).map(|i| i.wrapping_mul(7)));
    hs.push(0); // session id length
    hs.extend_from_slice(&[0x00, 0x02, 0x00, 0x18]); // one cipher suite
    hs.extend_from_slice(&[0x01, 0x00]); // one compression method: null
    tls_record(&[handshake(0x01, &hs)])
}

/// [MS-TURN] §2.1.1 pseudo-TLS ServerHello + ServerHelloDone in one record.
pub fn pseudo_tls_server_hello() -> Vec<u8> {
    let mut hs = vec![0x03, 0x01];
    hs.extend_from_slice(&[0x4A, 0x2B, 0x3C, 0x4E]);
    hs.extend((0..28u8).map(|i| i.wrapping_mul(11)));
    hs.push(0x20); // session id length
    hs.extend((0..32u8).map(|i| i ^ 0x5A));
    hs.extend_from_slice(&[0x00, 0x18]); // cipher suite
    hs.push(0x00); // compression
    tls_record(&[handshake(0x02, &hs), handshake(0x0E, &[])])
}

fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

fn tls_record(msgs: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = msgs.concat();
    let mut out = vec![0x16, 0x03, 0x01];
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5769 §2.1 sample request: our encoder must reproduce its MESSAGE-INTEGRITY and FINGERPRINT.
    #[test]
    fn rfc5769_sample_request() {
        let tid = [
            0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
        ];
        let m = Msg::new(ty::BINDING_REQUEST, tid)
            .text(attr::SOFTWARE, "STUN test client")
            .u32(attr::PRIORITY, 0x6e0001ff)
            .u64(attr::ICE_CONTROLLED, 0x932ff9b151263b36)
            // the RFC pads USERNAME with spaces
            .raw_unpadded(attr::USERNAME, 9, b"evtj:h6vY   ")
            .integrity(b"VOkJxbRl1RmTxUk/WvJxBt")
            .fingerprint()
            .encode();
        assert_eq!(m.len(), 108);
        assert_eq!(u16::from_be_bytes([m[2], m[3]]), 0x58);
        let mi = [
            0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3,
            0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2,
        ];
        assert_eq!(&m[80..100], &mi);
        assert_eq!(
            &m[100..108],
            &[0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf]
        );
    }

    #[test]
    fn xor_address_matches_rfc5769_response() {
        // RFC 5769 §2.2: 192.0.2.1:32853 encodes as e1 12 a6 43 port a1 47.
        let m = Msg::new(ty::BINDING_SUCCESS, [0; 12])
            .xor_addr(attr::XOR_MAPPED_ADDRESS, "192.0.2.1:32853".parse().unwrap())
            .encode();
        assert_eq!(
            &m[20..32],
            &[0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43]
        );
    }

    #[test]
    fn ms_turn_starts_with_magic_cookie_and_is_unpadded() {
        let m = Msg::ms_turn(ty::ALLOCATE_REQUEST, [7; 16])
            .text(attr::USERNAME, "abc")
            .encode();
        assert_eq!(&m[4..20], &[7; 16]);
        assert_eq!(
            &m[20..28],
            &[0x00, 0x0f, 0x00, 0x04, 0x72, 0xc6, 0x4b, 0xc6]
        );
        assert_eq!(m.len(), 20 + 8 + 4 + 3);
        assert_eq!(u16::from_be_bytes([m[2], m[3]]), 15);
    }
}
