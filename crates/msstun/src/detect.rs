//! Deciding whether a payload is STUN/TURN/MS-TURN, and in which framing and dialect.
//!
//! The detector is strict on purpose: it must not claim HTTP, TLS, RTP or random bytes
//! (the tests measure that over such a corpus and require zero false positives). It only
//! claims what a TURN/STUN flow starts with — a whole STUN message in one of the
//! [`Framing`]s, or an [MS-TURN] §2.1.1 pseudo-TLS hello — never bare ChannelData,
//! whose 4-byte header alone is too weak a signal.
//!
//! A STUN message is accepted when all of these hold:
//! * the first two bits are `00` and the type is a known method/class of its dialect
//!   ([`registry::method_for_type`], or the [MS-TURN] §2.2.1 table) — or, for a whole
//!   message (a datagram, a length-delimited frame) with the RFC 5389 magic cookie, any
//!   type, when its attributes walk exactly to its end (WhatsApp's proprietary methods
//!   0x0800–0x0805, which Wireshark 4.6's `stun` heuristic accepts);
//! * the declared length fits the bytes (exactly, where the framing or the datagram
//!   gives a length);
//! * the dialect is proven: the RFC 5389 magic cookie, or the [MS-TURN] MAGIC-COOKIE
//!   attribute (0x000F = 0x72C64BC6) first (with the cookie in the header too: MS-TURN
//!   in an RFC 5389 header, as Teams sends it), or — for RFC 3489 — a Binding/SharedSecret
//!   type whose first attribute is a known classic attribute and a length that is a
//!   multiple of 4;
//! * the attribute TLVs (padded to 4 except in the MS-TURN dialects) walk exactly to
//!   the end; an RFC 5389 message whose length is not a multiple of 4 is accepted when
//!   its TLVs walk exactly to the end unpadded (a tolerated deviation, see
//!   [`crate::Deviations`]); where the bytes are exactly one message (a datagram, a
//!   length-delimited frame) with the RFC 5389 cookie, a walk that fails does not
//!   decline it (its attribute errors are reported by the parser instead).
//!
//! ```
//! use msstun::detect::detect;
//! use msstun::framing::{Framing, Transport};
//! use msstun::Dialect;
//! // RFC 4571-framed Binding request (2-byte length 0x0014, then a 20-byte message).
//! let mut b = vec![0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
//! b.extend_from_slice(&[9; 12]);
//! let d = detect(Transport::Tcp, &b).unwrap();
//! assert_eq!((d.framing, d.dialect()), (Framing::Rfc4571, Some(Dialect::Rfc5389)));
//! assert!(detect(Transport::Tcp, b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n").is_none());
//! ```

use crate::field::{self, be16_at as be16, stun, TlvError};
use crate::framing::{
    is_tls_record_start, ms_tcp_without_length, next_pdu, Framing, PduKind, PduResult, Span,
    Transport, MS_TCP_CONTROL,
};
use crate::message::{split_type, Dialect, ATTR_MS_MAGIC_COOKIE, HEADER_LEN, MAGIC_COOKIE};
use crate::registry;

/// What the detector found at the start of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    /// The framing of the stream (or datagram).
    pub framing: Framing,
    /// Length of the first PDU (framing included).
    pub pdu_len: usize,
    /// What the first PDU holds (offsets from the start of the payload); a STUN message
    /// with its dialect.
    pub kind: PduKind,
}

impl Detection {
    /// The STUN message this detection found at the start of `payload` (the bytes it was
    /// made from), with the dialect found here: parsing starts from the detection rather
    /// than working the dialect out again. `None` for a pseudo-TLS hello.
    pub fn message<'a>(&self, payload: &'a [u8]) -> Option<crate::Message<&'a [u8]>> {
        let PduKind::Stun {
            message,
            dialect: Some(dialect),
        } = self.kind
        else {
            return None;
        };
        crate::Message::with_dialect(message.get(payload)?, dialect).ok()
    }

    /// Dialect of the STUN message; `None` for a pseudo-TLS hello.
    pub const fn dialect(&self) -> Option<Dialect> {
        match self.kind {
            PduKind::Stun { dialect, .. } => dialect,
            _ => None,
        }
    }
}

/// Tri-state answer for bytes that may be only the beginning of a PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A whole, valid PDU starts the bytes.
    Found(Detection),
    /// Everything present is consistent with a valid PDU, but it is not complete yet.
    NeedMore,
    /// Not STUN in any known framing.
    No,
}

impl Verdict {
    /// The detection, if found.
    pub fn found(self) -> Option<Detection> {
        match self {
            Verdict::Found(d) => Some(d),
            _ => None,
        }
    }
}

/// Which framing and dialect `payload` is, or `None` (also when it is only an incomplete
/// start of a message; see [`detect_verdict`]). Over UDP `payload` is one datagram.
pub fn detect(transport: Transport, payload: &[u8]) -> Option<Detection> {
    detect_verdict(transport, payload).found()
}

/// Like [`detect`], but says [`Verdict::NeedMore`] when the bytes are a consistent but
/// incomplete start (never over UDP, where a datagram is whole).
pub fn detect_verdict(transport: Transport, payload: &[u8]) -> Verdict {
    let framings: &[Framing] = match transport {
        Transport::Udp => &[Framing::Plain],
        Transport::Tcp => &[
            Framing::Plain,
            Framing::MsTurnTcp,
            Framing::Rfc4571,
            Framing::PseudoTls,
        ],
    };
    let mut need_more = false;
    for &f in framings {
        match detect_framing(f, transport, payload) {
            Verdict::Found(d) => return Verdict::Found(d),
            Verdict::NeedMore => need_more = true,
            Verdict::No => {}
        }
    }
    if need_more {
        Verdict::NeedMore
    } else {
        Verdict::No
    }
}

/// The one policy for STUN-looking bytes on a port or flow already known to carry STUN
/// (the plugin's datagrams on a port msstun owns, the relay's and the stream decoder's
/// PDUs once the framing is known): whether `message` — a datagram, or a PDU's message as
/// its framing cut it — is to be read as a STUN message (perhaps malformed) rather than
/// handed on as something else, and its dialect.
///
/// With a first byte in STUN's RFC 7983 range (0–3) it is STUN when it carries the RFC 5389
/// magic cookie, was cut by the capture's snapshot length (`whole` false), is a valid STUN
/// message ([`stun_dialect`]), is the OC2007 keepalive ([`is_classic_keepalive`]), or has an
/// RFC 3489 header of a known method whose length fills the bytes exactly (Zoom's Binding
/// with its own first attribute). A Teams relay packet that merely starts with 0x03 has none
/// of these. Outside that range only a valid message is STUN (WhatsApp's 0x0800–0x0805).
/// The dialect is the strict check's for a valid message, else the header's
/// ([`crate::message::detect_dialect`]).
pub fn stun_on_known_flow(message: &[u8], whole: bool) -> Option<Dialect> {
    let b = message;
    if !matches!(b.first(), Some(0..=3)) {
        return stun_dialect(b);
    }
    // The cookie first: the common case costs a compare, not a second parse.
    if b.get(stun::COOKIE) == Some(&MAGIC_COOKIE.to_be_bytes()[..]) || !whole {
        return Some(crate::message::detect_dialect(b));
    }
    if let Some(d) = stun_dialect(b) {
        return Some(d);
    }
    (is_classic_keepalive(b)
        || (b.len() >= HEADER_LEN
            && field::be16(b, stun::LENGTH) as usize + HEADER_LEN == b.len()
            && known_standard(field::be16(b, stun::TYPE))))
    .then(|| crate::message::detect_dialect(b))
}

/// Whether `bytes` start with an RFC 5389 STUN header: a first byte in STUN's range and the
/// magic cookie right after type and length. On a connection given to msstun (its port,
/// Decode As) such bytes start plain framing even when their length is not one
/// [`detect_verdict`] accepts, as the built-in `stun` reads them: RFC 4571 and [MS-TURN]
/// framing put the cookie later, and waiting for such a frame would hold the connection's
/// first message for bytes that may never come.
pub fn plain_by_cookie(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER_LEN
        && bytes[0] >> 6 == 0
        && field::be32(bytes, stun::COOKIE) == MAGIC_COOKIE
}

/// Length of the [MS-TURN] §2.1.1 pseudo-TLS ClientHello record: the section's diagram
/// fixes every field — record header (type, version, 2-byte length), handshake header (type,
/// 3-byte length), version 3.1, a 4-byte time stamp and 28 random bytes, a Session ID Length
/// of 0, a Cipher Suites Length of 2 with one cipher suite, a Compression Methods Length of 1
/// with one method — so the record is always 5 + 45 bytes.
pub const MS_TURN_CLIENT_HELLO_LEN: usize = 50;

/// The connection's first payload on a TCP port shared with TLS (443, where [MS-TURN]
/// §2.1.1 deploys TCP TURN servers): [`Verdict::Found`] for msstun, [`Verdict::No`] for the
/// port's own dissector (TLS), [`Verdict::NeedMore`] while the bytes present are consistent
/// with both.
///
/// A TLS handshake record is msstun's only when it is the pseudo-TLS ClientHello of
/// [MS-TURN] §2.1.1 to the byte layout the section fixes (see [`MS_TURN_CLIENT_HELLO_LEN`]:
/// record and handshake version 3.1, record length 0x002D, handshake length 0x000029, no
/// session id, exactly one cipher suite and one compression method, nothing after), or the
/// server's answer (a ServerHello and a ServerHelloDone in one record, no extensions). A
/// real TLS client's hello has extensions (SNI, supported versions…) and is longer. Anything
/// else is judged by [`detect_verdict`]: [MS-TURN] TCP framing, plain STUN, RFC 4571.
pub fn shared_port_verdict(payload: &[u8]) -> Verdict {
    match payload {
        [crate::framing::TLS_HANDSHAKE, ..] => {}
        // Another TLS record (change_cipher_spec, alert, application data: a capture that
        // starts mid-connection); no STUN type starts 0x14–0x17 0x03.
        [20..=23, 3, ..] => return Verdict::No,
        _ => return detect_verdict(Transport::Tcp, payload),
    }
    if payload.get(5) == Some(&2) {
        return detect_framing(Framing::PseudoTls, Transport::Tcp, payload);
    }
    // The ClientHello, byte by byte: `None` marks the time stamp, random value and cipher
    // suite, which vary.
    const HELLO: [Option<u8>; 11] = [
        Some(0x16), // Content Type: handshake
        Some(0x03), // Record Version Major
        Some(0x01), // Record Version Minor
        Some(0x00), // Record Length 0x002D
        Some(0x2D),
        Some(0x01), // Handshake Type: ClientHello
        Some(0x00), // Handshake Length 0x000029
        Some(0x00),
        Some(0x29),
        Some(0x03), // Handshake Version Major
        Some(0x01), // Handshake Version Minor
    ];
    const TAIL: [Option<u8>; 7] = [
        Some(0x00), // Session ID Length
        Some(0x00), // Cipher Suites Length 0x0002
        Some(0x02),
        None, // Cipher Suites (one)
        None,
        Some(0x01), // Compression Methods Length
        Some(0x00), // Compression Methods: null
    ];
    let expect = |i: usize| -> Option<u8> {
        match i {
            0..=10 => HELLO[i],
            11..=42 => None, // time stamp and random value
            _ => TAIL[i - 43],
        }
    };
    for (i, &b) in payload.iter().enumerate().take(MS_TURN_CLIENT_HELLO_LEN) {
        if expect(i).is_some_and(|e| e != b) {
            return Verdict::No;
        }
    }
    if payload.len() < MS_TURN_CLIENT_HELLO_LEN {
        return Verdict::NeedMore;
    }
    // The client sends nothing more until the server has answered (§2.1.1).
    if payload.len() > MS_TURN_CLIENT_HELLO_LEN {
        return Verdict::No;
    }
    detect_framing(Framing::PseudoTls, Transport::Tcp, payload)
}

/// Strict check that `payload` starts with a STUN message (or pseudo-TLS hello) in one
/// given framing. For [`Framing::PseudoTls`] only the hello records are accepted (use
/// [`Framing::MsTurnTcp`] for what follows them).
pub fn detect_framing(framing: Framing, transport: Transport, payload: &[u8]) -> Verdict {
    let udp = transport == Transport::Udp;
    match framing {
        Framing::Plain => match check_stun(payload, udp) {
            Check::Ok(dialect, len) => Verdict::Found(Detection {
                framing,
                pdu_len: len,
                kind: stun_kind(0, len, dialect),
            }),
            Check::NeedMore => Verdict::NeedMore,
            Check::No if udp => with_trailer(payload),
            Check::No => Verdict::No,
        },
        Framing::Rfc4571 => framed(framing, payload, 2, udp),
        Framing::MsTurnTcp => {
            let standard = if payload.first().is_some_and(|&b| b != MS_TCP_CONTROL)
                || payload.get(1).is_some_and(|&b| b != 0)
            {
                Verdict::No
            } else {
                framed(framing, payload, 4, udp)
            };
            if matches!(standard, Verdict::Found(_)) {
                return standard;
            }
            // The header without its length: the STUN type reads as the length the
            // standard way (`03 00 00 03 …`: a 3-byte frame).
            match ms_tcp_without_length(payload) {
                Some(len) => Verdict::Found(Detection {
                    framing,
                    pdu_len: len,
                    kind: PduKind::Stun {
                        message: Span::new(2, len - 2),
                        dialect: stun_dialect(&payload[2..len]),
                    },
                }),
                None => standard,
            }
        }
        Framing::PseudoTls => match pseudo_tls_hello(payload) {
            Check::Ok(_, len) => match next_pdu(Framing::PseudoTls, transport, &payload[..len]) {
                PduResult::Complete { len, kind } => Verdict::Found(Detection {
                    framing,
                    pdu_len: len,
                    kind,
                }),
                _ => Verdict::No,
            },
            Check::NeedMore if !udp => Verdict::NeedMore,
            _ => Verdict::No,
        },
    }
}

/// A datagram that starts with a whole RFC 5389 message (the cookie, attributes that
/// walk exactly to its Length) and has bytes after it: STUN with a trailer, as Wireshark
/// 4.6's `stun` heuristic takes it (WhatsApp pads some messages with zeros).
#[cold]
fn with_trailer(payload: &[u8]) -> Verdict {
    if payload.len() <= HEADER_LEN || field::be32(payload, stun::COOKIE) != MAGIC_COOKIE {
        return Verdict::No;
    }
    let total = HEADER_LEN + field::be16(payload, stun::LENGTH) as usize;
    if total >= payload.len() {
        return Verdict::No;
    }
    let msg = &payload[..total];
    match check_stun(msg, true) {
        Check::Ok(dialect, len)
            if crate::Message::with_dialect(msg, dialect)
                .is_ok_and(|m| m.attributes().all(|a| a.is_ok())) =>
        {
            Verdict::Found(Detection {
                framing: Framing::Plain,
                pdu_len: payload.len(),
                kind: stun_kind(0, len, dialect),
            })
        }
        _ => Verdict::No,
    }
}

/// A STUN message behind a `hdr`-byte length prefix whose last two bytes are the length
/// of what follows.
fn framed(framing: Framing, payload: &[u8], hdr: usize, udp: bool) -> Verdict {
    if payload.len() < hdr {
        return if udp { Verdict::No } else { Verdict::NeedMore };
    }
    let flen = u16::from_be_bytes([payload[hdr - 2], payload[hdr - 1]]) as usize;
    if flen < HEADER_LEN {
        return Verdict::No;
    }
    let avail = &payload[hdr..];
    let inner = &avail[..avail.len().min(flen)];
    match check_stun(inner, inner.len() == flen) {
        Check::Ok(dialect, len) if len == flen => Verdict::Found(Detection {
            framing,
            pdu_len: hdr + flen,
            kind: stun_kind(hdr, len, dialect),
        }),
        Check::NeedMore if inner.len() < flen && !udp => Verdict::NeedMore,
        _ => Verdict::No,
    }
}

/// A STUN message of `len` bytes at `offset`, of a proven `dialect`.
const fn stun_kind(offset: usize, len: usize, dialect: Dialect) -> PduKind {
    PduKind::Stun {
        message: Span::new(offset, len),
        dialect: Some(dialect),
    }
}

/// Result of the strict checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Ok(Dialect, usize),
    NeedMore,
    No,
}

fn known_standard(t: u16) -> bool {
    registry::method_for_type(Dialect::Rfc5389, t).0.code != registry::UNKNOWN_METHOD.code
}

fn known_ms(t: u16) -> bool {
    registry::MS_TURN_TYPES.iter().any(|(ty, _, _)| *ty == t) || known_standard(t)
}

/// Attribute codes of RFC 3489 §11.2 (0x0001–0x000B) and the draft-era ones classic
/// stacks sent (XOR-MAPPED-ADDRESS 0x8020, SERVER 0x8022, XOR-ONLY 0x0021).
fn classic_attribute(code: u16) -> bool {
    matches!(code, 0x0001..=0x000B | 0x0021 | 0x8020 | 0x8022)
        || registry::attribute(Dialect::Rfc3489, code).is_some()
}

/// Whether `b` is the keepalive of Office Communicator 2007-era ICE agents (libnice's
/// OC2007 mode sends it on the selected pair): a 20-byte Binding Indication with no
/// attributes and a 128-bit transaction id (no magic cookie). Too weak a signal to claim
/// a flow with — [`detect`] does not accept it — it is meant for a flow already known to
/// carry STUN. (With the magic cookie it is an RFC 5389 Binding Indication, which
/// [`detect`] accepts.)
pub fn is_classic_keepalive(b: &[u8]) -> bool {
    b.len() == HEADER_LEN
        && b[..4] == [0x00, 0x11, 0x00, 0x00]
        && field::be32(b, stun::COOKIE) != MAGIC_COOKIE
}

/// Whether `msg` is exactly one valid STUN message in the strict sense of this module,
/// and its dialect.
pub fn stun_dialect(msg: &[u8]) -> Option<Dialect> {
    match check_stun(msg, true) {
        Check::Ok(d, _) => Some(d),
        _ => None,
    }
}

/// Strict STUN check of the bytes at the start of `b`. With `exact`, the message must
/// fill `b` exactly (a datagram or a length-delimited frame).
fn check_stun(b: &[u8], exact: bool) -> Check {
    let more = if exact { Check::No } else { Check::NeedMore };
    if b.is_empty() {
        return more;
    }
    if b[0] & 0xC0 != 0 {
        return Check::No;
    }
    if b.len() < 2 {
        return more;
    }
    let t = field::be16(b, stun::TYPE);
    // A type no table knows (WhatsApp's 0x0800–0x0805) is STUN only as a whole message
    // (a datagram, a length-delimited frame) with the RFC 5389 cookie whose attributes
    // walk exactly to its end: what Wireshark 4.6's `stun` heuristic accepts too.
    let known = known_ms(t);
    if !known && !exact {
        return Check::No;
    }
    if b.len() < 8 {
        return more;
    }
    let len = field::be16(b, stun::LENGTH) as usize;
    let total = HEADER_LEN + len;
    if exact && b.len() != total {
        return Check::No;
    }
    let ms_first = |b: &[u8]| -> Option<bool> {
        // The [MS-TURN] MAGIC-COOKIE attribute first (None: not enough bytes yet).
        if len < 8 {
            return Some(false);
        }
        b.get(..stun::ATTRIBUTES + 8)?;
        Some(crate::message::ms_magic_cookie_at(b, stun::ATTRIBUTES))
    };
    let dialect = if field::be32(b, stun::COOKIE) == MAGIC_COOKIE {
        let Some(ms) = ms_first(b) else {
            return more;
        };
        if ms {
            // MS-TURN in an RFC 5389 header (Teams): [MS-TURN]'s types, no padding.
            Dialect::MsTurn5389
        } else {
            Dialect::Rfc5389
        }
    } else {
        if !known {
            return Check::No;
        }
        // Both remaining dialects need a first attribute (MS-TURN: its MAGIC-COOKIE).
        if len < 4 {
            return Check::No;
        }
        if b.len() < HEADER_LEN + 4 {
            return more;
        }
        let first = &b[stun::ATTRIBUTES..];
        let code = field::be16(first, field::tlv::TYPE);
        let alen = field::be16(first, field::tlv::LENGTH) as usize;
        if code == ATTR_MS_MAGIC_COOKIE && alen == 4 {
            if b.len() < HEADER_LEN + 8 {
                return more;
            }
            if !crate::message::ms_magic_cookie_at(b, stun::ATTRIBUTES) {
                return Check::No;
            }
            Dialect::MsTurn
        } else {
            let (method, _) = split_type(t);
            if !matches!(method, 0x001 | 0x002)
                || !len.is_multiple_of(4)
                || !classic_attribute(code)
            {
                return Check::No;
            }
            Dialect::Rfc3489
        }
    };
    // Walk the TLVs: each must end inside the message, the last exactly at its end.
    // A padded dialect whose Length is not a multiple of 4 (WhatsApp's Allocate) is
    // walked unpadded: accepted only if that walk ends exactly (see `Deviations`).
    // Where the bytes are exactly one message (a datagram, a length-delimited frame)
    // and the header proves itself (the RFC 5389 cookie, a known type, the Length
    // filling the bytes), broken attributes do not make it "not STUN": the message is
    // decoded as far as it goes and its errors become expert items, as Wireshark's
    // `stun` does. (Over a TCP stream the walk stays a requirement: it is what keeps
    // the framing in step.)
    let unknown = !(known_standard(t) || (dialect.is_ms_turn() && known));
    let proven = exact && dialect.has_cookie() && !unknown;
    let broken = if proven {
        Check::Ok(dialect, total)
    } else {
        Check::No
    };
    let pad = dialect.pads_attributes() && len.is_multiple_of(4);
    walk_tlvs(b, total, pad, broken, more).unwrap_or(Check::Ok(dialect, total))
}

/// Walk the TLVs of the message of `total` bytes that `b` starts (perhaps only in
/// part): `None` when each ends inside it and the last exactly at its end, all present;
/// else `broken` (they do not fit) or `more` (what is here fits, the rest is not here).
fn walk_tlvs(b: &[u8], total: usize, pad: bool, broken: Check, more: Check) -> Option<Check> {
    // The bytes of the message present so far (all of it when `b.len() >= total`).
    let present = total.min(b.len());
    let mut pos = HEADER_LEN;
    while pos < total {
        match field::split_tlv(&b[pos.min(present)..present], pad) {
            Ok((after, _)) => pos = present - after.len(),
            // The next header does not fit the message; or it fits but is not here yet.
            Err(TlvError::Truncated) if pos + 4 > total => return Some(broken),
            Err(TlvError::Truncated) => return Some(more),
            // The header is here (field::tlv::LENGTH of it), its value or padding not.
            Err(TlvError::Overrun { .. } | TlvError::BadPadding { .. }) => {
                let next = pos
                    + 4
                    + field::padded(field::be16(&b[pos..], field::tlv::LENGTH) as usize, pad);
                // Past the end of the message, or leaving no room for a header: broken;
                // else its value (or what follows) is not here yet.
                return Some(if next > total || (next < total && next + 4 > total) {
                    broken
                } else {
                    more
                });
            }
        }
    }
    (b.len() < total).then_some(more)
}

/// Strict check of an [MS-TURN] §2.1.1 pseudo-TLS record: a TLS 1.x handshake record
/// holding exactly a ClientHello without extensions, or exactly a ServerHello without
/// extensions followed by an empty ServerHelloDone (RFC 2246 §7.4). Real TLS stacks
/// send extensions, so real handshakes are not claimed.
fn pseudo_tls_hello(b: &[u8]) -> Check {
    if b.is_empty() {
        return Check::NeedMore;
    }
    if !is_tls_record_start(b) {
        return if b.len() == 1 && b[0] == crate::framing::TLS_HANDSHAKE {
            Check::NeedMore
        } else {
            Check::No
        };
    }
    if b.len() >= 3 && b[2] > 3 {
        return Check::No;
    }
    if b.len() < 5 {
        return Check::NeedMore;
    }
    let rec_end = 5 + be16(b, 3) as usize;
    if b.len() < rec_end {
        // Hellos are short; a long "record" is no pseudo-TLS hello.
        return if rec_end <= 5 + 512 {
            Check::NeedMore
        } else {
            Check::No
        };
    }
    let r = &b[..rec_end];
    let hs = |at: usize| -> Option<(u8, usize)> {
        let h = r.get(at..at + 4)?;
        Some((
            h[0],
            ((h[1] as usize) << 16) | ((h[2] as usize) << 8) | h[3] as usize,
        ))
    };
    let Some((ty, hlen)) = hs(5) else {
        return Check::No;
    };
    let body_start = 9;
    let body_end = body_start + hlen;
    if body_end > rec_end {
        return Check::No;
    }
    let body = &r[body_start..body_end];
    // version(2) random(32) session_id<0..32>
    if body.len() < 35 || body[0] != 3 || body[1] > 3 {
        return Check::No;
    }
    let sid = body[34] as usize;
    if sid > 32 {
        return Check::No;
    }
    let mut p = 35 + sid;
    match ty {
        1 => {
            // cipher_suites<2..2^16-1> compression_methods<1..2^8-1>, no extensions.
            let Some(cs) = body.get(p..p + 2).map(|x| be16(x, 0) as usize) else {
                return Check::No;
            };
            if cs < 2 || !cs.is_multiple_of(2) {
                return Check::No;
            }
            p += 2 + cs;
            let Some(&cm) = body.get(p) else {
                return Check::No;
            };
            p += 1 + cm as usize;
            if cm == 0 || p != body.len() || body_end != rec_end {
                return Check::No;
            }
        }
        2 => {
            // cipher_suite(2) compression_method(1), no extensions, then ServerHelloDone.
            p += 3;
            if p != body.len() || rec_end != body_end + 4 {
                return Check::No;
            }
            if hs(body_end) != Some((14, 0)) {
                return Check::No;
            }
        }
        _ => return Check::No,
    }
    Check::Ok(Dialect::MsTurn, rec_end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MS_TURN_MAGIC_COOKIE;
    use alloc::vec::Vec;

    #[test]
    fn stun_on_a_known_flow() {
        use crate::build::MessageBuilder;
        use crate::Class;
        // RFC 5389 with the cookie, even with broken attributes.
        let mut m = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &[1; 12])
            .attr(0x0006, b"user")
            .finish();
        assert_eq!(stun_on_known_flow(&m, true), Some(Dialect::Rfc5389));
        m.truncate(22);
        assert_eq!(stun_on_known_flow(&m, true), Some(Dialect::Rfc5389));
        // Zoom: RFC 3489 Binding whose length fills the datagram, unknown first attribute.
        let mut z = std::vec![0x00, 0x01, 0x00, 0x08];
        z.extend_from_slice(&[0x5a; 16]);
        z.extend_from_slice(&[0x01, 0x01, 0x00, 0x04, 1, 2, 3, 4]);
        assert_eq!(stun_on_known_flow(&z, true), Some(Dialect::Rfc3489));
        // The OC2007 keepalive.
        let k =
            MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::Indication, &[0x54; 16]).finish();
        assert_eq!(stun_on_known_flow(&k, true), Some(Dialect::Rfc3489));
        // Teams' relay packets starting 0x03: no STUN header fits.
        let mut t = std::vec![0x03, 0x00, 0xfe, 0xcb, 0x12, 0x34, 0x56, 0x78];
        t.extend_from_slice(&[0x5c; 60]);
        assert_eq!(stun_on_known_flow(&t, true), None);
        // Cut by the snapshot length: read as (truncated) STUN.
        assert!(stun_on_known_flow(&t, false).is_some());
        assert_eq!(stun_on_known_flow(&[], false), None);
        // An RFC 3489 header of a method no table knows, filling the datagram: not STUN
        // (the method test once compared addresses of a const, which need not match).
        let mut u = std::vec![0x0f, 0xef, 0x00, 0x08];
        u.extend_from_slice(&[0x5a; 16]);
        u.extend_from_slice(&[0x7f, 0x01, 0x00, 0x04, 1, 2, 3, 4]);
        assert_eq!(stun_on_known_flow(&u, true), None);
        // Outside RFC 7983's STUN range only a valid message: the cookie alone is not enough.
        let mut w = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &[1; 12])
            .attr(0x0006, b"user")
            .finish();
        w[0] = 0x08;
        assert_eq!(stun_on_known_flow(&w, true), Some(Dialect::Rfc5389));
        w[23] = 0xff; // the attribute runs past the end
        assert_eq!(stun_on_known_flow(&w, true), None);
        assert_eq!(stun_on_known_flow(&w, false), None);
    }

    #[test]
    fn shared_port_takes_ms_turn_and_leaves_tls() {
        use crate::build;
        let hello = build::pseudo_tls_client_hello(&[7; 32]);
        assert_eq!(hello.len(), MS_TURN_CLIENT_HELLO_LEN);
        assert!(shared_port_verdict(&hello).found().is_some());
        // The cipher suite libnice's MS-OC mode offers.
        let hello18 = build::pseudo_tls_client_hello_with(&[9; 32], 0x0018);
        assert!(shared_port_verdict(&hello18).found().is_some());
        for n in 1..hello.len() {
            assert_eq!(
                shared_port_verdict(&hello[..n]),
                Verdict::NeedMore,
                "{n} bytes"
            );
        }
        assert!(
            shared_port_verdict(&build::pseudo_tls_server_hello(&[8; 32]))
                .found()
                .is_some()
        );
        // MS-TURN TCP framing and plain STUN on 443.
        let msg = build::MessageBuilder::new(
            crate::Dialect::Rfc5389,
            crate::registry::method::ALLOCATE,
            crate::Class::Request,
            &[1; 12],
        )
        .finish();
        assert!(shared_port_verdict(&build::frame(Framing::MsTurnTcp, &msg))
            .found()
            .is_some());
        assert!(shared_port_verdict(&msg).found().is_some());
        // A real TLS 1.2 ClientHello: longer, with extensions.
        let mut body = Vec::new();
        body.extend_from_slice(&[3, 3]);
        body.extend_from_slice(&[5; 32]);
        body.push(0);
        body.extend_from_slice(&[0, 4, 0xc0, 0x2f, 0x00, 0x9c, 1, 0]);
        body.extend_from_slice(&[0, 9, 0, 0, 0, 5, 0, 3, 0, 0, b'x']); // server_name
        let mut rec = Vec::from([0x16, 3, 1]);
        rec.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
        rec.extend_from_slice(&[1, 0, (body.len() >> 8) as u8, body.len() as u8]);
        rec.extend_from_slice(&body);
        assert_eq!(shared_port_verdict(&rec), Verdict::No);
        assert_eq!(shared_port_verdict(&rec[..5]), Verdict::No);
        // The right length but a session id: no longer the §2.1.1 layout.
        let mut sid = hello.clone();
        sid[43] = 1;
        assert_eq!(shared_port_verdict(&sid), Verdict::No);
        // The hello followed by more bytes (the client must wait for the server).
        let mut more = hello.clone();
        more.push(0);
        assert_eq!(shared_port_verdict(&more), Verdict::No);
        assert_eq!(
            shared_port_verdict(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
            Verdict::No
        );
        // TLS application data (a capture that starts mid-connection).
        assert_eq!(
            shared_port_verdict(&[0x17, 3, 3, 0, 32, 1, 2, 3]),
            Verdict::No
        );
    }

    /// Deterministic xorshift RNG.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    fn attr(v: &mut Vec<u8>, code: u16, val: &[u8], pad: bool) {
        v.extend_from_slice(&code.to_be_bytes());
        v.extend_from_slice(&(val.len() as u16).to_be_bytes());
        v.extend_from_slice(val);
        if pad {
            while !v.len().is_multiple_of(4) {
                v.push(0);
            }
        }
    }

    fn finish(mut v: Vec<u8>) -> Vec<u8> {
        let l = (v.len() - 20) as u16;
        v[2..4].copy_from_slice(&l.to_be_bytes());
        v
    }

    fn rfc5389(ty: u16) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&ty.to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        v.extend_from_slice(&[0x5a; 12]);
        attr(&mut v, 0x0006, b"user:name", true);
        attr(&mut v, 0x0024, &[0x6e, 0xff, 0xff, 0xff], true);
        attr(&mut v, 0x8054, &[0, 0, 0, 2], true);
        attr(&mut v, 0x0008, &[0x11; 20], true);
        finish(v)
    }

    fn rfc3489() -> Vec<u8> {
        let mut v = vec![0x01, 0x01, 0, 0];
        v.extend_from_slice(&[0x33; 16]);
        attr(&mut v, 0x0001, &[0, 1, 0x0d, 0x96, 10, 0, 0, 1], true);
        attr(&mut v, 0x0004, &[0, 1, 0x0d, 0x96, 10, 0, 0, 2], true);
        finish(v)
    }

    fn ms_turn() -> Vec<u8> {
        let mut v = vec![0x00, 0x03, 0, 0];
        v.extend_from_slice(&[0x44; 16]);
        attr(&mut v, 0x000F, &MS_TURN_MAGIC_COOKIE.to_be_bytes(), false);
        attr(&mut v, 0x0006, b"odd-length-user", false);
        attr(&mut v, 0x0014, b"nonce", false);
        finish(v)
    }

    fn client_hello(extensions: bool) -> Vec<u8> {
        let mut body = vec![3, 1];
        body.extend_from_slice(&[0x42; 32]);
        body.push(0);
        body.extend_from_slice(&[0, 2, 0x00, 0x18, 1, 0]);
        if extensions {
            body.extend_from_slice(&[0, 8, 0, 0, 0, 4, 0, 2, b'a', b'b']);
        }
        let mut hs = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
        hs.extend_from_slice(&body);
        let mut r = vec![0x16, 3, 1, (hs.len() >> 8) as u8, hs.len() as u8];
        r.extend_from_slice(&hs);
        r
    }

    fn server_hello(done: bool) -> Vec<u8> {
        let mut body = vec![3, 1];
        body.extend_from_slice(&[0x24; 32]);
        body.push(32);
        body.extend_from_slice(&[0x77; 32]);
        body.extend_from_slice(&[0x00, 0x18, 0]);
        let mut hs = vec![2, 0, 0, body.len() as u8];
        hs.extend_from_slice(&body);
        if done {
            hs.extend_from_slice(&[14, 0, 0, 0]);
        } else {
            hs.extend_from_slice(&[11, 0, 0, 3, 0, 0, 0]);
        }
        let mut r = vec![0x16, 3, 1, 0, hs.len() as u8];
        r.extend_from_slice(&hs);
        r
    }

    fn prefixed(hdr: &[u8], m: &[u8]) -> Vec<u8> {
        let mut v = hdr.to_vec();
        let l = m.len() as u16;
        let n = v.len();
        v[n - 2..].copy_from_slice(&l.to_be_bytes());
        v.extend_from_slice(m);
        v
    }

    #[test]
    fn true_positives_every_framing_and_dialect() {
        let msgs = [
            (rfc5389(0x0003), Dialect::Rfc5389),
            (rfc5389(0x010b), Dialect::Rfc5389),
            (rfc5389(0x0001), Dialect::Rfc5389),
            (rfc3489(), Dialect::Rfc3489),
            (ms_turn(), Dialect::MsTurn),
        ];
        for (m, d) in &msgs {
            for t in [Transport::Udp, Transport::Tcp] {
                let got = detect(t, m).unwrap();
                assert_eq!(
                    (got.framing, got.dialect(), got.pdu_len),
                    (Framing::Plain, Some(*d), m.len())
                );
            }
            let f = prefixed(&[0, 0], m);
            let got = detect(Transport::Tcp, &f).unwrap();
            assert_eq!(
                (got.framing, got.dialect(), got.pdu_len),
                (Framing::Rfc4571, Some(*d), f.len())
            );
            let f = prefixed(&[2, 0, 0, 0], m);
            let got = detect(Transport::Tcp, &f).unwrap();
            assert_eq!(
                (got.framing, got.dialect(), got.pdu_len),
                (Framing::MsTurnTcp, Some(*d), f.len())
            );
            assert_eq!(got.kind, stun_kind(4, m.len(), *d));
            // Every strict prefix is "need more" over TCP, never a detection.
            for cut in 0..m.len() {
                assert_eq!(
                    detect_verdict(Transport::Tcp, &m[..cut]),
                    Verdict::NeedMore,
                    "cut {cut} of {d:?}"
                );
                assert_eq!(detect(Transport::Udp, &m[..cut]), None);
            }
            // Followed by more data on TCP: still found.
            let mut two = m.clone();
            two.extend_from_slice(m);
            assert_eq!(detect(Transport::Tcp, &two).unwrap().pdu_len, m.len());
            // Over UDP the datagram must be exactly the message, or (with the RFC 5389
            // cookie) a whole message and a trailer, which stays in the one PDU.
            match detect(Transport::Udp, &two) {
                None => assert!(!d.has_cookie(), "{d:?}"),
                Some(got) => {
                    assert!(d.has_cookie(), "{d:?}");
                    assert_eq!(got.pdu_len, two.len());
                    assert_eq!(got.kind, stun_kind(0, m.len(), *d));
                }
            }
        }
        // The seed's ICE check on an RFC 6062 data connection: 00 6c 00 01 ...
        let mut v = vec![0x00, 0x01, 0, 0];
        v.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        v.extend_from_slice(&[0xa7; 12]);
        attr(&mut v, 0x0024, &[0x6e, 0xff, 0xff, 0xff], true);
        attr(&mut v, 0x0006, &[b'x'; 44], true);
        attr(&mut v, 0x8054, &[0, 0, 0, 2], true);
        attr(&mut v, 0x0008, &[0xe0; 20], true);
        let v = finish(v);
        let f = prefixed(&[0, 0], &v);
        assert_eq!(&f[..4], &[0x00, 0x6c, 0x00, 0x01]);
        assert_eq!(
            detect(Transport::Tcp, &f).unwrap().framing,
            Framing::Rfc4571
        );

        for (h, want) in [
            (client_hello(false), TlsHello::ClientHello),
            (server_hello(true), TlsHello::ServerHello),
        ] {
            let got = detect(Transport::Tcp, &h).unwrap();
            assert_eq!(
                (got.framing, got.dialect(), got.pdu_len, got.kind),
                (Framing::PseudoTls, None, h.len(), PduKind::TlsHello(want))
            );
            for cut in 0..h.len() {
                assert_eq!(
                    detect_verdict(Transport::Tcp, &h[..cut]),
                    Verdict::NeedMore,
                    "cut {cut}"
                );
            }
        }
    }
    use crate::framing::TlsHello;

    /// True positives with the encoder in [`crate::build`]: every dialect in every framing,
    /// and the stream decoder cutting a whole encoder-made session back into messages.
    #[test]
    fn true_positives_from_the_encoder() {
        use crate::build::{self, MessageBuilder};
        use crate::message::Class;
        let msgs = [
            MessageBuilder::new(Dialect::Rfc5389, 0x003, Class::Request, &[1; 12])
                .attr_u32(0x000D, 600)
                .string(0x0006, "user")
                .message_integrity(b"key")
                .fingerprint()
                .finish(),
            MessageBuilder::new(Dialect::Rfc5389, 0x00c, Class::Indication, &[2; 12])
                .attr_u32(0x002A, 7)
                .finish(),
            MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::SuccessResponse, &[3; 16])
                .attr(0x0001, &[0, 1, 0, 80, 10, 0, 0, 1])
                .finish(),
            MessageBuilder::new(Dialect::MsTurn, 0x003, Class::Request, &[4; 16])
                .string(0x0006, "odd")
                .attr_u32(0x8008, 2)
                .message_integrity(b"key")
                .finish(),
            MessageBuilder::new(Dialect::MsTurn, 0x005, Class::Indication, &[5; 16])
                .attr(0x0013, b"abcde")
                .finish(),
        ];
        for m in &msgs {
            let want = crate::message::detect_dialect(m);
            for f in Framing::ALL {
                let framed = build::frame(f, m);
                let got =
                    detect(Transport::Tcp, &framed).unwrap_or_else(|| panic!("{f:?} {want:?}"));
                let want_framing = if f == Framing::PseudoTls {
                    Framing::MsTurnTcp
                } else {
                    f
                };
                assert_eq!(
                    (got.framing, got.dialect(), got.pdu_len),
                    (want_framing, Some(want), framed.len())
                );
            }
            assert_eq!(detect(Transport::Udp, m).unwrap().dialect(), Some(want));
        }
        for h in [
            build::pseudo_tls_client_hello(&[7; 32]),
            build::pseudo_tls_server_hello(&[8; 32]),
        ] {
            let got = detect(Transport::Tcp, &h).unwrap();
            assert_eq!(
                (got.framing, got.dialect(), got.pdu_len),
                (Framing::PseudoTls, None, h.len())
            );
        }
        // ChannelData and multiplexed TURN alone are never claimed (too weak a signal).
        assert_eq!(
            detect(Transport::Udp, &build::channel_data(0x4000, b"abcd", false)),
            None
        );
        assert_eq!(
            detect(Transport::Udp, &build::multiplexed_turn(9, b"abcd")),
            None
        );

        // A whole pseudo-TLS session through the stream decoder.
        let mut st = build::pseudo_tls_client_hello(&[7; 32]);
        for m in &msgs {
            st.extend(build::frame(Framing::PseudoTls, m));
            st.extend(build::ms_tcp(build::MsTcpType::Data, b"media"));
        }
        let mut d = crate::stream::StreamDecoder::new(Transport::Tcp);
        assert_eq!(d.push(&st), st.len());
        let mut n_stun = 0;
        while let Some(x) = d.pop() {
            match x.kind {
                crate::stream::DecodedKind::Stun { message, .. } => {
                    assert_eq!(message, &msgs[n_stun][..]);
                    n_stun += 1;
                }
                crate::stream::DecodedKind::MsTurnData { data } => assert_eq!(data, b"media"),
                crate::stream::DecodedKind::TlsHello(TlsHello::ClientHello) => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(n_stun, msgs.len());
    }

    /// MS-TURN in an RFC 5389 header (Teams): MAGIC-COOKIE first behind the cookie,
    /// found whatever the length's alignment, in every framing; without the MS
    /// MAGIC-COOKIE value it is RFC 5389 and must be padded.
    #[test]
    fn teams_dialect_detected() {
        let mut v = rfc5389(0x0003);
        v.truncate(20);
        attr(&mut v, 0x000F, &MS_TURN_MAGIC_COOKIE.to_be_bytes(), false);
        attr(&mut v, 0x8008, &[0, 0, 0, 6], false);
        attr(&mut v, 0x0015, b"rtcmedia", false);
        attr(&mut v, 0x0014, b"odd-nonce", false);
        attr(&mut v, 0x8022, b"Teams", false);
        let v = finish(v);
        assert!(!(v.len() - 20).is_multiple_of(4));
        for m in [
            v.clone(),
            prefixed(&[0, 0], &v),
            prefixed(&[2, 0, 0, 0], &v),
        ] {
            assert_eq!(
                detect(Transport::Tcp, &m).unwrap().dialect(),
                Some(Dialect::MsTurn5389)
            );
        }
        assert_eq!(
            detect(Transport::Udp, &v).unwrap().dialect(),
            Some(Dialect::MsTurn5389)
        );
        for cut in 0..v.len() {
            assert_eq!(detect_verdict(Transport::Tcp, &v[..cut]), Verdict::NeedMore);
        }
        let mut bad = v.clone();
        bad[27] ^= 1; // not the MS MAGIC-COOKIE value: RFC 5389, tolerated unpadded
        assert_eq!(
            detect(Transport::Udp, &bad).unwrap().dialect(),
            Some(Dialect::Rfc5389)
        );
        bad[23] = 9; // ... and no longer walking exactly: declined on a TCP stream
        assert_eq!(detect(Transport::Tcp, &bad), None);
    }

    #[test]
    fn rejects_broken_messages() {
        let m = rfc5389(0x0001);
        let mut bad = m.clone();
        bad[0] = 0x80;
        assert_eq!(detect(Transport::Udp, &bad), None);
        let mut bad = m.clone();
        bad[1] = 0x3f; // unknown method: a whole datagram with the cookie that walks
                       // exactly (issue 18, Wireshark 4.6), never the start of a stream
        assert!(detect(Transport::Udp, &bad).is_some());
        assert_eq!(detect(Transport::Tcp, &bad), None);
        bad[3] += 4;
        assert_eq!(detect(Transport::Udp, &bad), None);
        let mut bad = m.clone();
        bad[3] += 4; // length past the end
        assert_eq!(detect(Transport::Udp, &bad), None);
        let mut bad = m.clone();
        bad[23] += 4; // first attribute overruns its slot
                      // A datagram with a proven header is STUN whose attributes are broken (the
                      // parser reports them); a TCP stream needs the walk to stay framed.
        assert_eq!(
            detect(Transport::Udp, &bad).unwrap().dialect(),
            Some(Dialect::Rfc5389)
        );
        assert_eq!(detect(Transport::Tcp, &bad), None);
        bad[4] ^= 1; // without the cookie: not STUN
        assert_eq!(detect(Transport::Udp, &bad), None);
        let mut bad = rfc5389(0x0003);
        bad[4] ^= 1; // Allocate without cookie: not a classic message
        assert_eq!(detect(Transport::Udp, &bad), None);
        let mut bad = ms_turn();
        bad[27] ^= 1; // wrong MS magic cookie
        assert_eq!(detect(Transport::Udp, &bad), None);
        assert_eq!(detect(Transport::Tcp, &client_hello(true)), None);
        assert_eq!(detect(Transport::Tcp, &server_hello(false)), None);
    }

    fn http_corpus(rng: &mut Rng) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let methods = ["GET", "POST", "PUT", "HEAD", "OPTIONS", "CONNECT", "DELETE"];
        let paths = [
            "/",
            "/index.html",
            "/api/v1/turn?user=a",
            "/favicon.ico",
            "relay.example.com:443",
        ];
        for i in 0..400 {
            let m = methods[i % methods.len()];
            let p = paths[i % paths.len()];
            let s = std::format!("{m} {p} HTTP/1.1\r\nHost: turn{i}.example.com\r\nUser-Agent: UCCAPI/16.0\r\nContent-Length: {}\r\n\r\n", i * 7);
            out.push(s.into_bytes());
            let s = std::format!("HTTP/1.{} {} OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n<html>{}</html>", i % 2, 200 + (i % 5) * 100, i, i);
            let mut b = s.into_bytes();
            b.extend(rng.bytes(i % 64));
            out.push(b);
        }
        out
    }

    fn tls_corpus(rng: &mut Rng) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for i in 0..400usize {
            // Modern ClientHello: TLS 1.2 record, random, 32-byte session id, suites, extensions.
            let mut body = vec![3, 3];
            body.extend(rng.bytes(32));
            body.push(32);
            body.extend(rng.bytes(32));
            let ncs = 2 + (i % 20);
            body.extend_from_slice(&((ncs * 2) as u16).to_be_bytes());
            body.extend(rng.bytes(ncs * 2));
            body.extend_from_slice(&[1, 0]);
            let ext = rng.bytes(20 + i % 300);
            body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
            body.extend(ext);
            let mut hs = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
            hs.extend(body);
            let mut r = vec![
                0x16,
                3,
                (i % 4) as u8,
                (hs.len() >> 8) as u8,
                hs.len() as u8,
            ];
            r.extend(hs);
            out.push(r);
            // ServerHello + Certificate, ApplicationData, Alert, ChangeCipherSpec records.
            let mut sh = server_hello(false);
            sh.extend(rng.bytes(i % 100));
            out.push(sh);
            for ct in [0x17u8, 0x15, 0x14, 0x16] {
                let n = 1 + (rng.below(1400) as usize);
                let mut r = vec![ct, 3, 3, (n >> 8) as u8, n as u8];
                r.extend(rng.bytes(n));
                out.push(r);
            }
        }
        out
    }

    fn rtp_corpus(rng: &mut Rng) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for _ in 0..5000 {
            let pt = rng.below(128) as u8;
            let marker = (rng.below(2) as u8) << 7;
            let mut p = vec![
                0x80 | (rng.below(2) as u8) << 4 | rng.below(16) as u8,
                marker | pt,
            ];
            p.extend(rng.bytes(10)); // seq, timestamp, ssrc
            let n = rng.below(1200) as usize;
            p.extend(rng.bytes(n));
            // RTCP too (PT 200-204) and both bare and RFC 4571-framed.
            out.push(prefixed(&[0, 0], &p));
            out.push(p);
        }
        out
    }

    /// Issue 9, 3d: libnice's OC2007 TURN-over-TCP Allocate (`03 00`, then the MS-TURN
    /// message, no length), encoder-made, and the captured bytes.
    #[test]
    fn ms_tcp_without_length() {
        use crate::build::{self, MessageBuilder, MsTcpType};
        use crate::Class;
        let allocate = MessageBuilder::new(Dialect::MsTurn, 0x003, Class::Request, &[7; 16])
            .attr_u32(0x8008, 1)
            .finish();
        for kind in [MsTcpType::Data, MsTcpType::Control] {
            let framed = build::ms_tcp_without_length(kind, &allocate);
            let d = detect(Transport::Tcp, &framed).expect("detected");
            assert_eq!(
                (d.framing, d.dialect(), d.pdu_len, d.kind),
                (
                    Framing::MsTurnTcp,
                    Some(Dialect::MsTurn),
                    38,
                    stun_kind(2, 36, Dialect::MsTurn)
                )
            );
            // Back to back in a stream, then a standard frame.
            let mut stream = framed.clone();
            stream.extend_from_slice(&framed);
            stream.extend(build::ms_tcp(MsTcpType::Control, &allocate));
            let mut at = 0;
            let mut kinds = Vec::new();
            while at < stream.len() {
                match next_pdu(Framing::MsTurnTcp, Transport::Tcp, &stream[at..]) {
                    PduResult::Complete { len, kind } => {
                        kinds.push(crate::framing::is_ms_tcp_without_length(
                            Framing::MsTurnTcp,
                            kind,
                        ));
                        let PduKind::Stun { message, .. } = kind else {
                            panic!("{kind:?}")
                        };
                        assert_eq!(message.get(&stream[at..]), Some(&allocate[..]));
                        at += len;
                    }
                    other => panic!("{other:?} at {at}"),
                }
            }
            assert_eq!(kinds, [true, true, false]);
            // Cut short, it is not claimed as such (and the standard reading of
            // `03 00 00 03` is a 3-byte frame).
            assert_eq!(crate::framing::ms_tcp_without_length(&framed[..37]), None);
        }
        let captured: [u8; 38] = [
            0x03, 0x00, 0x00, 0x03, 0x00, 0x10, 0x1e, 0x78, 0x84, 0x37, 0xbd, 0x41, 0x7f, 0x01,
            0x30, 0x35, 0xad, 0x13, 0x55, 0x59, 0x3c, 0xe0, 0x00, 0x0f, 0x00, 0x04, 0x72, 0xc6,
            0x4b, 0xc6, 0x80, 0x08, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
        ];
        let d = detect(Transport::Tcp, &captured).expect("the captured Allocate");
        assert_eq!(d.pdu_len, 38);
        assert!(detect(Transport::Udp, &captured).is_none());
    }

    /// Issue 9, 3b: the OC2007 keepalive is recognised, but never claimed by itself.
    #[test]
    fn classic_keepalive() {
        use crate::build::MessageBuilder;
        use crate::Class;
        let k =
            MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::Indication, &[0x54; 16]).finish();
        assert_eq!(k.len(), 20);
        assert!(is_classic_keepalive(&k));
        assert!(detect(Transport::Udp, &k).is_none());
        let m = crate::Message::new_checked(&k[..]).unwrap();
        assert_eq!(
            (m.dialect(), m.class()),
            (Dialect::Rfc3489, Class::Indication)
        );
        assert_eq!(m.method().name, "Binding");
        // Captured (frame 14 of tests/captures/msmode-oc2007.pcapng).
        let cap = [
            0x00, 0x11, 0x00, 0x00, 0x02, 0x54, 0x38, 0x47, 0xa4, 0x19, 0x37, 0xdb, 0x9b, 0xdf,
            0xb8, 0x2b, 0x06, 0x09, 0x6d, 0x06,
        ];
        assert!(is_classic_keepalive(&cap));
        // With the cookie it is an RFC 5389 indication, detected the ordinary way.
        let r = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Indication, &[1; 12]).finish();
        assert!(!is_classic_keepalive(&r));
        assert!(detect(Transport::Udp, &r).is_some());
        // Anything else is not a keepalive.
        for bad in [&k[..19], &[k.clone(), std::vec![0]].concat()[..]] {
            assert!(!is_classic_keepalive(bad));
        }
        let mut req = k.clone();
        req[1] = 0x01;
        assert!(!is_classic_keepalive(&req));
    }

    /// Media of the real clients' own ports that is not STUN: Teams' relay flows start
    /// with 0x03, 0x06, 0x07 … (first bytes of a capture of Teams on 3478), Zoom's and
    /// WhatsApp's RTP/SRTP and their own headers, DTLS, the [MS-TURN] multiplexed-TURN
    /// frames and bare ChannelData; every one also RFC 4571-framed.
    fn client_media_corpus(rng: &mut Rng) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for i in 0..6000usize {
            let n = 4 + rng.below(1200) as usize;
            let mut p = rng.bytes(n);
            // Teams-style first bytes: 0x03/0x06/0x07/0x01/0x02/0x05 then random.
            p[0] = [0x03, 0x06, 0x07, 0x01, 0x02, 0x05, 0x00, 0x04][i % 8];
            if i % 3 == 0 && n >= 20 {
                // ... sometimes with a length field that fits the datagram.
                let l = (n - 20) as u16;
                p[2..4].copy_from_slice(&l.to_be_bytes());
            }
            if i % 7 == 0 && n >= 8 {
                // ... or even the RFC 5389 cookie at bytes 4..8 (a 1-in-2^32 accident
                // made common), with an unknown type.
                p[1] |= 0xf0;
                p[4..8].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
            }
            out.push(prefixed(&[0, 0], &p));
            out.push(p);
            // RTP with a one-byte header extension (0xBEDE), as WebRTC stacks send it.
            let mut r = vec![0x90, 0x60 | (i % 32) as u8];
            r.extend(rng.bytes(10));
            r.extend_from_slice(&[0xBE, 0xDE, 0x00, 0x01]);
            let rn = 4 + rng.below(900) as usize;
            r.extend(rng.bytes(rn));
            out.push(r);
            // DTLS 1.2 records (content types 20..=23, version 0xFEFD).
            let mut d = vec![20 + (i % 4) as u8, 0xFE, 0xFD];
            d.extend(rng.bytes(8));
            let dl = rng.below(600) as usize;
            d.extend_from_slice(&(dl as u16).to_be_bytes());
            d.extend(rng.bytes(dl));
            out.push(d);
            // Multiplexed TURN (0xFF10) and ChannelData.
            let (a, b) = (rng.below(200) as usize, rng.below(200) as usize);
            out.push(crate::build::multiplexed_turn(i as u64, &rng.bytes(a)));
            out.push(crate::build::channel_data(
                0x4000 | (i as u16 & 0x3fff),
                &rng.bytes(b),
                i % 2 == 0,
            ));
        }
        out
    }

    #[test]
    fn whatsapp_proprietary_methods_with_the_cookie() {
        // Issue 18: Wireshark 4.6's stun heuristic takes WhatsApp's 0x0800–0x0805 with the
        // cookie and attributes that walk to the end; so does msstun, as a whole message.
        let msg = |t: u16, attrs: &[u8]| {
            let mut b = std::vec![0u8; 20];
            b[..2].copy_from_slice(&t.to_be_bytes());
            b[2..4].copy_from_slice(&(attrs.len() as u16).to_be_bytes());
            b[4..8].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
            b[8..20].copy_from_slice(&[7; 12]);
            b.extend_from_slice(attrs);
            b
        };
        let empty = msg(0x0801, &[]);
        assert_eq!(
            detect(Transport::Udp, &empty).map(|d| d.dialect()),
            Some(Some(Dialect::Rfc5389))
        );
        let mut a = std::vec![0x40, 0x07, 0, 2, 1, 2, 0, 0];
        a.extend_from_slice(&[0x00, 0x08, 0, 20]);
        a.extend_from_slice(&[9; 20]);
        assert!(detect(Transport::Udp, &msg(0x0804, &a)).is_some());
        // An attribute that overruns: not STUN for an unknown type (a known one with the
        // cookie is still decoded, its error reported).
        let bad = msg(0x0804, &[0x40, 0x07, 0, 9, 1, 2, 3, 4]);
        assert!(detect(Transport::Udp, &bad).is_none());
        assert!(detect(
            Transport::Udp,
            &msg(0x0001, &[0x40, 0x07, 0, 9, 1, 2, 3, 4])
        )
        .is_some());
        // Not on a TCP stream, not without the cookie, not with trailing bytes.
        assert!(detect(Transport::Tcp, &empty).is_none());
        let mut no_cookie = empty.clone();
        no_cookie[4] = 0;
        assert!(detect(Transport::Udp, &no_cookie).is_none());
        // Trailing bytes after a whole message with the cookie (WhatsApp pads a 0x0801
        // with zeros; Wireshark 4.6 takes it): STUN, the datagram one PDU.
        let mut longer = msg(0x0801, &[0x40, 0x03, 0, 1, 0xff, 0, 0, 0]);
        longer.extend_from_slice(&[0; 28]);
        let d = detect(Transport::Udp, &longer).unwrap();
        assert_eq!(d.pdu_len, longer.len());
        assert_eq!(d.kind, stun_kind(0, 28, Dialect::Rfc5389));
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Udp, &longer),
            PduResult::Complete {
                len: longer.len(),
                kind: PduKind::stun(0, 28)
            }
        );
        // ... but not when the message itself is broken, nor without the cookie.
        let mut broken = msg(0x0801, &[0x40, 0x03, 0, 9, 0xff, 0, 0, 0]);
        broken.extend_from_slice(&[0; 28]);
        assert!(detect(Transport::Udp, &broken).is_none());
        longer[4] = 0;
        assert!(detect(Transport::Udp, &longer).is_none());
    }

    #[test]
    fn zero_false_positives_on_non_stun_corpus() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut corpus = http_corpus(&mut rng);
        corpus.extend(tls_corpus(&mut rng));
        corpus.extend(rtp_corpus(&mut rng));
        corpus.extend(client_media_corpus(&mut rng));
        let structured = corpus.len();
        let mut fp = 0usize;
        let mut tested = 0usize;
        let mut check = |b: &[u8]| {
            tested += 2;
            for t in [Transport::Udp, Transport::Tcp] {
                if let Some(d) = detect(t, b) {
                    fp += 1;
                    std::eprintln!("false positive {t:?} {d:?}: {:02x?}", &b[..b.len().min(32)]);
                }
            }
        };
        for b in &corpus {
            check(b);
        }
        // 100k random buffers of varied lengths, including ones that start with the
        // bytes most likely to fool a weak detector.
        for i in 0..100_000usize {
            let n = match i % 4 {
                0 => rng.below(32) as usize,
                1 => rng.below(200) as usize,
                _ => rng.below(1500) as usize,
            };
            let mut b = rng.bytes(n);
            if i % 3 == 0 && n >= 2 {
                b[0] &= 0x3F; // top bits 00
            }
            if i % 5 == 0 && n >= 4 {
                let ty: u16 = [
                    0x0001, 0x0101, 0x0111, 0x0003, 0x0103, 0x0004, 0x0115, 0x000b,
                ][rng.below(8) as usize];
                b[..2].copy_from_slice(&ty.to_be_bytes());
                if n >= 20 && i.is_multiple_of(2) {
                    // Declared length consistent with the buffer.
                    b[2..4].copy_from_slice(&((n - 20) as u16).to_be_bytes());
                }
            }
            check(&b);
        }
        // Frames that start like the [MS-TURN] TCP header without its length: type,
        // reserved, a STUN type, then random bytes (with a consistent length half the time).
        for i in 0..20_000usize {
            let n = 2 + rng.below(200) as usize;
            let mut b = rng.bytes(n);
            b[0] = 2 + (i % 2) as u8;
            b[1] = 0;
            if n >= 4 {
                let ty: u16 = [0x0001, 0x0101, 0x0003, 0x0103, 0x0011][rng.below(5) as usize];
                b[2..4].copy_from_slice(&ty.to_be_bytes());
            }
            if n >= 22 && i.is_multiple_of(2) {
                b[4..6].copy_from_slice(&((n - 22) as u16).to_be_bytes());
            }
            check(&b);
            // Never a keepalive either (those are exactly 20 bytes of a fixed start).
            assert!(!is_classic_keepalive(&b));
        }
        std::eprintln!("detector false positives: {fp} of {tested} checks ({structured} structured buffers + 100000 random)");
        assert_eq!(fp, 0);
    }

    #[test]
    fn a_cookie_after_type_and_length_is_plain_framing() {
        // A header whose length (3) no framing accepts whole: plain by its cookie, where
        // RFC 4571 would wait for a 259-byte frame (0x0103).
        let mut m = vec![0x01, 0x03, 0x00, 0x03, 0x21, 0x12, 0xA4, 0x42];
        m.extend_from_slice(&[7; 15]);
        assert!(plain_by_cookie(&m));
        assert!(!plain_by_cookie(&m[..19]), "a whole header is needed");
        // RFC 4571 and [MS-TURN] framing put the cookie further on.
        let mut framed = vec![0x00, 0x14];
        framed.extend_from_slice(&m[..20]);
        assert!(!plain_by_cookie(&framed));
        // ChannelData (first bits 01) is not STUN whatever follows.
        m[0] = 0x40;
        assert!(!plain_by_cookie(&m));
    }
}
