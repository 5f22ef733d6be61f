//! Splitting a byte stream (or a datagram) into protocol data units.
//!
//! Four framings carry STUN, TURN and [MS-TURN]:
//!
//! * [`Framing::Plain`] — STUN messages and ChannelData messages back to back with no
//!   framing of their own (RFC 8656 §12.5 over TCP, and every UDP datagram). The first two
//!   bits tell them apart: `00` is STUN (`20 + length` bytes), `01` is ChannelData
//!   (`4 + length` bytes, padded to a multiple of 4 over TCP, RFC 8656 §12.5; unpadded
//!   over UDP, where padding MAY still be present). [MS-TURN]'s Multiplexed TURN message
//!   (`Channel_ID` 0xFF10, length, 8-byte `MTURN_Session_ID`, data; the length counts
//!   every byte after the length field; it is not padded) is recognised as well.
//! * [`Framing::Rfc4571`] — each packet preceded by a 16-bit length (RFC 4571 §2), as ICE-TCP
//!   (RFC 6544) and RFC 6062 data connections in Skype for Business / Lync deployments use.
//! * [`Framing::MsTurnTcp`] — [MS-TURN] §2.1.4 TCP framing: a 4-byte header `type(8)`
//!   (`0x02` TURN control message, `0x03` end-to-end data), `reserved(8)` (zero) and
//!   `length(16)` (bytes after the header), then the payload. A frame holding no STUN
//!   message that way but a whole one right after type and reserved is taken as the
//!   header without its length, as one open-source stack sends it
//!   ([`ms_tcp_without_length`]).
//! * [`Framing::PseudoTls`] — [MS-TURN] §2.1.1: on port 443 the client first sends a
//!   pseudo-TLS record holding a ClientHello and the server answers with one record holding
//!   ServerHello + ServerHelloDone; both are plain TLS 1.0 records (RFC 2246 §6.2, content
//!   type 22 handshake). The framing header of §2.1.4 is not used for them, but is used
//!   for everything after them, so this framing yields TLS records while the data looks
//!   like a TLS handshake record and [`Framing::MsTurnTcp`] frames otherwise.
//!
//! Everything here is a pure function over `&[u8]`: no allocation, no state, no panics.
//!
//! ```
//! use msstun::framing::{next_pdu, Framing, PduKind, PduResult, Transport};
//! // ChannelData on channel 0x4000 with three bytes of data, padded to 8 over TCP.
//! let wire = [0x40, 0x00, 0x00, 0x03, b'a', b'b', b'c', 0x00, 0x99];
//! match next_pdu(Framing::Plain, Transport::Tcp, &wire) {
//!     PduResult::Complete { len, kind: PduKind::ChannelData { channel, data } } => {
//!         assert_eq!((len, channel), (8, 0x4000));
//!         assert_eq!(data.get(&wire), Some(&b"abc"[..]));
//!     }
//!     other => panic!("{other:?}"),
//! }
//! assert_eq!(next_pdu(Framing::Plain, Transport::Tcp, &wire[..5]), PduResult::NeedMore(3));
//! ```

use crate::message::{Dialect, HEADER_LEN};

/// The transport the bytes came over: it decides whether ChannelData is padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// A byte stream (TCP, TLS): PDUs are delimited by their lengths.
    Tcp,
    /// Datagrams (UDP, DTLS): one PDU per datagram.
    Udp,
}

impl Transport {
    /// Stable lower-case key for logs and JSON (`tcp`, `udp`).
    pub const fn key(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

impl core::fmt::Display for Transport {
    /// The [`key`](Transport::key).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.key())
    }
}

/// How PDUs are delimited in a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Framing {
    /// STUN and ChannelData back to back (RFC 8656 §12.5), or one per UDP datagram.
    Plain,
    /// A 16-bit length before each packet (RFC 4571 §2).
    Rfc4571,
    /// [MS-TURN] §2.1.4 TCP framing header (type, reserved, length).
    MsTurnTcp,
    /// [MS-TURN] §2.1.1 pseudo-TLS hello records, then [MS-TURN] TCP framing.
    PseudoTls,
}

impl Framing {
    /// Stable lower-case key for logs and JSON.
    pub const fn key(self) -> &'static str {
        match self {
            Framing::Plain => "plain",
            Framing::Rfc4571 => "rfc4571",
            Framing::MsTurnTcp => "ms-turn-tcp",
            Framing::PseudoTls => "pseudo-tls",
        }
    }
    /// Human-readable name of the framing on a stream, from [`FRAMING_NAMES`].
    pub const fn name(self) -> &'static str {
        FRAMING_NAMES[framing_code(self, Transport::Tcp) as usize].1
    }
    /// All framings.
    pub const ALL: [Framing; 4] = [
        Framing::Plain,
        Framing::Rfc4571,
        Framing::MsTurnTcp,
        Framing::PseudoTls,
    ];
}

/// How a message was carried, by [`framing_code`] (the value names of the plugin's
/// `msstun.framing`): a UDP datagram, or the framing of a stream.
pub const FRAMING_NAMES: &[(u32, &str)] = &[
    (0, "UDP datagram"),
    (1, "STUN/ChannelData over TCP (RFC 8656 §12.5)"),
    (2, "RFC 4571 length-prefixed"),
    (3, "MS-TURN TCP framing"),
    (4, "MS-TURN pseudo-TLS, then MS-TURN TCP framing"),
];

/// The code of [`FRAMING_NAMES`] for `framing` over `transport`: 0 for any UDP
/// datagram, 1–4 for the stream framings in [`Framing::ALL`] order.
pub const fn framing_code(framing: Framing, transport: Transport) -> u32 {
    match (transport, framing) {
        (Transport::Udp, _) => 0,
        (_, Framing::Plain) => 1,
        (_, Framing::Rfc4571) => 2,
        (_, Framing::MsTurnTcp) => 3,
        (_, Framing::PseudoTls) => 4,
    }
}

/// [MS-TURN] §2.1.4 frame types by value (the value names of the plugin's
/// `msstun.ms_tcp.type`).
pub const MS_TCP_TYPE_NAMES: &[(u32, &str)] = &[
    (MS_TCP_CONTROL as u32, "TURN control message"),
    (MS_TCP_DATA as u32, "End-to-end data"),
];

/// [MS-TURN] §2.1.4 frame type of a TURN control message.
pub const MS_TCP_CONTROL: u8 = 0x02;
/// [MS-TURN] §2.1.4 frame type of end-to-end data.
pub const MS_TCP_DATA: u8 = 0x03;
/// `Channel_ID` of [MS-TURN] Multiplexed TURN messages.
pub const MULTIPLEXED_TURN_CHANNEL: u16 = 0xFF10;
/// Lowest ChannelData channel number (RFC 8656 §12; RFC 5766 §11).
pub const CHANNEL_MIN: u16 = 0x4000;
/// Highest channel number accepted: RFC 5766 allowed 0x4000–0x7FFE, RFC 8656 narrowed
/// the range to 0x4000–0x4FFF but receivers still see the old range, so everything with
/// the first two bits `01` is accepted.
pub const CHANNEL_MAX: u16 = 0x7FFF;
/// TLS record content type "handshake" (RFC 2246 §6.2.1).
pub const TLS_HANDSHAKE: u8 = 22;

/// Which pseudo-TLS handshake record this is ([MS-TURN] §2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsHello {
    /// A record whose first handshake message is a ClientHello (type 1).
    ClientHello,
    /// A record whose first handshake message is a ServerHello (type 2), normally
    /// followed by ServerHelloDone in the same record.
    ServerHello,
    /// Another TLS handshake record.
    Other,
}

impl TlsHello {
    /// Name for logs.
    pub const fn name(self) -> &'static str {
        match self {
            TlsHello::ClientHello => "pseudo-TLS ClientHello",
            TlsHello::ServerHello => "pseudo-TLS ServerHello",
            TlsHello::Other => "pseudo-TLS handshake",
        }
    }
}

/// Where a part of a PDU lies: `len` bytes at `offset` from the PDU's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Start, from the start of the PDU.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

impl Span {
    /// `len` bytes at `offset`.
    pub const fn new(offset: usize, len: usize) -> Span {
        Span { offset, len }
    }
    /// One past the last byte.
    pub const fn end(self) -> usize {
        self.offset + self.len
    }
    /// The bytes of `pdu` this span covers, if it holds them.
    #[inline]
    pub fn get(self, pdu: &[u8]) -> Option<&[u8]> {
        pdu.get(self.offset..self.end())
    }
}

/// What a framed unit is — the one kind enum of the parser: [`next_pdu`] and the detector
/// say it with [`Span`]s into the PDU ([`PduKind`]), the stream decoder with the bytes
/// themselves ([`crate::stream::DecodedKind`]), a data connection's scan
/// ([`crate::data_conn::Segment`]) with spans again. `D` locates the content that follows
/// the unit's own header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind<D = Span> {
    /// A STUN message (first two bits `00`): header and attributes, framing excluded.
    Stun {
        /// The message.
        message: D,
        /// Its dialect, when the detector or the stream decoder worked it out (`None` from
        /// [`next_pdu`], which only frames).
        dialect: Option<Dialect>,
    },
    /// A ChannelData message (RFC 8656 §12.4).
    ChannelData {
        /// Channel number (0x4000–0x7FFF, see [`CHANNEL_MAX`]).
        channel: u16,
        /// The application data, padding excluded.
        data: D,
    },
    /// An [MS-TURN] Multiplexed TURN message (channel 0xFF10).
    MultiplexedTurn {
        /// The 8-byte MTURN session id.
        session_id: [u8; 8],
        /// The wrapped data.
        data: D,
    },
    /// An [MS-TURN] §2.1.4 end-to-end data frame (type 0x03).
    MsTurnData {
        /// The data.
        data: D,
    },
    /// A pseudo-TLS handshake record ([MS-TURN] §2.1.1).
    TlsHello(TlsHello),
    /// Data that is none of the above: the content of a well-delimited frame (RFC 4571, an
    /// [MS-TURN] control frame: `framed`), e.g. RTP over ICE-TCP, or the raw payload of an
    /// RFC 6062 data connection (not `framed`).
    Data {
        /// The data (the frame's content when `framed`).
        data: D,
        /// Whether it came in an RFC 4571 (or [MS-TURN]) frame.
        framed: bool,
    },
    /// Bytes that could not be decoded and were skipped to resynchronise (the stream
    /// decoder's; [`next_pdu`] says [`PduResult::Invalid`] instead).
    Undecodable {
        /// The skipped bytes.
        data: D,
    },
}

/// [`Kind`] located by [`Span`]s from the start of the PDU (= the start of the buffer given
/// to [`next_pdu`]).
pub type PduKind = Kind<Span>;

impl<D> Kind<D> {
    /// The same kind with its content located by `f(content)`.
    #[inline]
    pub fn map<E>(self, f: impl FnOnce(D) -> E) -> Kind<E> {
        match self {
            Kind::Stun { message, dialect } => Kind::Stun {
                message: f(message),
                dialect,
            },
            Kind::ChannelData { channel, data } => Kind::ChannelData {
                channel,
                data: f(data),
            },
            Kind::MultiplexedTurn { session_id, data } => Kind::MultiplexedTurn {
                session_id,
                data: f(data),
            },
            Kind::MsTurnData { data } => Kind::MsTurnData { data: f(data) },
            Kind::TlsHello(h) => Kind::TlsHello(h),
            Kind::Data { data, framed } => Kind::Data {
                data: f(data),
                framed,
            },
            Kind::Undecodable { data } => Kind::Undecodable { data: f(data) },
        }
    }

    /// The content after the unit's own header (`None` for a pseudo-TLS hello).
    #[inline]
    pub fn content(&self) -> Option<&D> {
        match self {
            Kind::Stun { message: d, .. }
            | Kind::ChannelData { data: d, .. }
            | Kind::MultiplexedTurn { data: d, .. }
            | Kind::MsTurnData { data: d }
            | Kind::Data { data: d, .. }
            | Kind::Undecodable { data: d } => Some(d),
            Kind::TlsHello(_) => None,
        }
    }
}

impl PduKind {
    /// A STUN message of `len` bytes at `offset`, dialect not worked out.
    pub const fn stun(offset: usize, len: usize) -> PduKind {
        Kind::Stun {
            message: Span::new(offset, len),
            dialect: None,
        }
    }
    /// This kind with its spans resolved in `pdu`; `None` when a span lies outside it.
    #[inline]
    pub fn view(self, pdu: &[u8]) -> Option<Kind<&[u8]>> {
        if self.content().is_some_and(|s| s.end() > pdu.len()) {
            return None;
        }
        Some(self.map(|s| &pdu[s.offset..s.end()]))
    }
}

/// Result of [`next_pdu`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PduResult {
    /// A whole PDU of `len` bytes starts the buffer.
    Complete {
        /// Bytes taken by the PDU, framing and padding included.
        len: usize,
        /// What it holds.
        kind: PduKind,
    },
    /// At least this many more bytes are needed to know or hold the PDU.
    NeedMore(usize),
    /// The buffer does not start with a PDU of this framing.
    Invalid,
}

#[inline]
fn be16(b: &[u8], at: usize) -> usize {
    u16::from_be_bytes([b[at], b[at + 1]]) as usize
}

/// Length of the PDU starting `first` (framing and padding included), given enough of
/// its first bytes (2 for RFC 4571, 4 for STUN/ChannelData and [MS-TURN] frames, 5 for
/// a pseudo-TLS record; [`next_pdu`] says how many it needs); `None` when the bytes
/// cannot start a PDU of this framing or are too few. This is what a `tcp_dissect_pdus`-style reassembler needs.
pub fn pdu_len(framing: Framing, transport: Transport, first: &[u8]) -> Option<usize> {
    match framing {
        Framing::Plain => plain_len(transport, first),
        Framing::Rfc4571 => (first.len() >= 2).then(|| 2 + be16(first, 0)),
        Framing::MsTurnTcp => ms_tcp_len(first),
        Framing::PseudoTls => {
            if is_tls_record_start(first) {
                (first.len() >= 5).then(|| 5 + be16(first, 3))
            } else {
                ms_tcp_len(first)
            }
        }
    }
}

fn plain_len(transport: Transport, b: &[u8]) -> Option<usize> {
    if b.len() < 4 {
        return None;
    }
    let len = be16(b, 2);
    match b[0] >> 6 {
        0 => Some(HEADER_LEN + len),
        1 => Some(match transport {
            Transport::Tcp => 4 + ((len + 3) & !3),
            Transport::Udp => 4 + len,
        }),
        _ if be16(b, 0) == MULTIPLEXED_TURN_CHANNEL as usize && len >= 8 => Some(4 + len),
        _ => None,
    }
}

fn ms_tcp_len(b: &[u8]) -> Option<usize> {
    if b.len() < 4 || !matches!(b[0], MS_TCP_CONTROL | MS_TCP_DATA) || b[1] != 0 {
        return None;
    }
    Some(4 + be16(b, 2))
}

/// Whether `datagram` is exactly one [MS-TURN] multiplexed-TURN message (channel 0xFF10,
/// its length covering the 8-byte session id and the rest of the datagram): what a UDP
/// flow msstun owns may carry beside STUN and ChannelData.
pub fn is_multiplexed_turn_datagram(datagram: &[u8]) -> bool {
    datagram.len() >= 12
        && be16(datagram, 0) == MULTIPLEXED_TURN_CHANNEL as usize
        && 4 + be16(datagram, 2) == datagram.len()
}

/// The channel of `datagram` when it is exactly one ChannelData message, as a UDP flow
/// msstun owns (or its heuristic, on a flow already seen carrying STUN) takes it: the first
/// two bits `01` — RFC 8656's channels 0x4000–0x4FFF and RFC 5766's wider range up to
/// [`CHANNEL_MAX`], which coturn's clients still bind, beyond RFC 7983's ChannelData first
/// bytes 64–79 — and a length that fills the datagram, unpadded or padded to 4: exactly what
/// [`next_pdu`] over UDP yields as one whole-datagram PDU, so the plugin and the relay agree.
pub fn channel_data_datagram(datagram: &[u8]) -> Option<u16> {
    if datagram.len() < 4 || datagram[0] >> 6 != 1 {
        return None;
    }
    let (n, len) = (datagram.len(), be16(datagram, 2));
    (n == 4 + len || n == 4 + ((len + 3) & !3)).then(|| be16(datagram, 0) as u16)
}

/// The whole length of a ChannelData message whose data is `len` bytes, in `have` bytes
/// over `transport`: padded to 4 over TCP (RFC 8656 §12.5); over UDP padding is optional and
/// taken when the datagram has it. The one padding rule of [`next_pdu`] and the stream
/// decoder's in-step ChannelData path.
#[inline]
pub fn channel_data_total(transport: Transport, have: usize, len: usize) -> usize {
    let padded = 4 + ((len + 3) & !3);
    match transport {
        Transport::Tcp => padded,
        Transport::Udp if have >= padded => padded,
        Transport::Udp => 4 + len,
    }
}

/// Whether `b` starts like a TLS 1.x handshake record (content type 22, version 3.x).
/// Fewer than two bytes never do.
pub fn is_tls_record_start(b: &[u8]) -> bool {
    b.len() >= 2 && b[0] == TLS_HANDSHAKE && b[1] == 3
}

fn need(total: usize, have: usize) -> PduResult {
    PduResult::NeedMore(total - have)
}

/// Find the PDU that starts `buf` in `framing`.
///
/// Over UDP `buf` is one datagram: the PDU must fit in it (anything shorter is
/// [`PduResult::Invalid`], never `NeedMore`), and padding after ChannelData is taken into
/// the PDU when present.
pub fn next_pdu(framing: Framing, transport: Transport, buf: &[u8]) -> PduResult {
    let r = match framing {
        Framing::Plain => next_plain(transport, buf),
        Framing::Rfc4571 => next_4571(buf),
        Framing::MsTurnTcp => next_ms_tcp(buf),
        Framing::PseudoTls => {
            if buf.len() < 2 {
                // Both a TLS record (0x16) and an MS-TURN frame (0x02/0x03) need 2 bytes.
                if buf
                    .first()
                    .is_some_and(|&b| !matches!(b, TLS_HANDSHAKE | MS_TCP_CONTROL | MS_TCP_DATA))
                {
                    PduResult::Invalid
                } else {
                    need(2, buf.len())
                }
            } else if is_tls_record_start(buf) {
                next_tls(buf)
            } else {
                next_ms_tcp(buf)
            }
        }
    };
    match (transport, r) {
        (Transport::Udp, PduResult::NeedMore(_)) => PduResult::Invalid,
        _ => r,
    }
}

fn next_plain(transport: Transport, buf: &[u8]) -> PduResult {
    if buf.is_empty() {
        return PduResult::NeedMore(4);
    }
    let top = buf[0] >> 6;
    if top >= 2 && buf[0] != 0xFF {
        return PduResult::Invalid;
    }
    if buf.len() < 4 {
        if top >= 2 && buf.len() >= 2 && be16(buf, 0) != MULTIPLEXED_TURN_CHANNEL as usize {
            return PduResult::Invalid;
        }
        return need(4, buf.len());
    }
    let len = be16(buf, 2);
    match top {
        0 => {
            let total = HEADER_LEN + len;
            if buf.len() < total {
                return need(total, buf.len());
            }
            // A datagram holding an RFC 5389 message and bytes after it (WhatsApp's
            // 0x0801 with 28 zero bytes, which Wireshark 4.6 takes as STUN): one PDU, the
            // message first, the rest its trailer.
            if transport == Transport::Udp
                && total < buf.len()
                && buf.len() >= HEADER_LEN
                && buf[4..8] == crate::MAGIC_COOKIE.to_be_bytes()
            {
                return PduResult::Complete {
                    len: buf.len(),
                    kind: PduKind::stun(0, total),
                };
            }
            PduResult::Complete {
                len: total,
                kind: PduKind::stun(0, total),
            }
        }
        1 => {
            let channel = be16(buf, 0) as u16;
            let total = channel_data_total(transport, buf.len(), len);
            if buf.len() < total {
                return need(total, buf.len());
            }
            PduResult::Complete {
                len: total,
                kind: PduKind::ChannelData {
                    channel,
                    data: Span::new(4, len),
                },
            }
        }
        _ => {
            if be16(buf, 0) != MULTIPLEXED_TURN_CHANNEL as usize || len < 8 {
                return PduResult::Invalid;
            }
            let total = 4 + len;
            if buf.len() < total {
                return need(total, buf.len());
            }
            let mut session_id = [0u8; 8];
            session_id.copy_from_slice(&buf[4..12]);
            PduResult::Complete {
                len: total,
                kind: PduKind::MultiplexedTurn {
                    session_id,
                    data: Span::new(12, len - 8),
                },
            }
        }
    }
}

/// Classify the content of a delimited frame (`payload` starts at `offset` in the PDU).
fn inner_kind(payload: &[u8], offset: usize) -> PduKind {
    if payload.len() >= HEADER_LEN
        && payload[0] >> 6 == 0
        && HEADER_LEN + be16(payload, 2) == payload.len()
    {
        return PduKind::stun(offset, payload.len());
    }
    if payload.len() >= 12
        && be16(payload, 0) == MULTIPLEXED_TURN_CHANNEL as usize
        && 4 + be16(payload, 2) == payload.len()
    {
        let mut session_id = [0u8; 8];
        session_id.copy_from_slice(&payload[4..12]);
        return PduKind::MultiplexedTurn {
            session_id,
            data: Span::new(offset + 12, payload.len() - 12),
        };
    }
    PduKind::Data {
        data: Span::new(offset, payload.len()),
        framed: true,
    }
}

fn next_4571(buf: &[u8]) -> PduResult {
    if buf.len() < 2 {
        return need(2, buf.len());
    }
    let total = 2 + be16(buf, 0);
    if buf.len() < total {
        return need(total, buf.len());
    }
    PduResult::Complete {
        len: total,
        kind: inner_kind(&buf[2..total], 2),
    }
}

fn next_ms_tcp(buf: &[u8]) -> PduResult {
    match buf {
        [] => return need(4, 0),
        [t, ..] if !matches!(*t, MS_TCP_CONTROL | MS_TCP_DATA) => return PduResult::Invalid,
        [_, r, ..] if *r != 0 => return PduResult::Invalid,
        _ if buf.len() < 4 => return need(4, buf.len()),
        _ => {}
    }
    let total = 4 + be16(buf, 2);
    let kind = if buf.len() < total {
        None
    } else if buf[0] == MS_TCP_DATA {
        Some(PduKind::MsTurnData {
            data: Span::new(4, total - 4),
        })
    } else {
        Some(inner_kind(&buf[4..total], 4))
    };
    match kind {
        Some(k @ PduKind::Stun { .. }) => PduResult::Complete {
            len: total,
            kind: k,
        },
        // Not STUN the standard way: a whole STUN message right after type and reserved?
        _ => match ms_tcp_without_length(buf) {
            Some(len) => PduResult::Complete {
                len,
                kind: PduKind::stun(2, len - 2),
            },
            None => match kind {
                Some(kind) => PduResult::Complete { len: total, kind },
                None => need(total, buf.len()),
            },
        },
    }
}

/// Length of an [MS-TURN] TCP frame that lacks the 2-byte length: type (0x02 or 0x03),
/// reserved zero, then a whole STUN message of a proven dialect
/// ([`crate::detect::stun_dialect`]) — how libnice's OC2007/OC2007R2 TURN-over-TCP sends
/// its control messages (the type byte is 0x03 even for them). Only a message that is
/// complete in `buf` is recognised: a frame split before its end reads the standard way.
/// With [`Framing::MsTurnTcp`], [`next_pdu`] yields such a frame as
/// a STUN message at offset 2 ([`is_ms_tcp_without_length`]).
pub fn ms_tcp_without_length(buf: &[u8]) -> Option<usize> {
    if buf.len() < 2 + HEADER_LEN
        || !matches!(buf[0], MS_TCP_CONTROL | MS_TCP_DATA)
        || buf[1] != 0
        || buf[2] >> 6 != 0
    {
        return None;
    }
    let total = 2 + HEADER_LEN + be16(buf, 4);
    let msg = buf.get(2..total)?;
    crate::detect::stun_dialect(msg).map(|_| total)
}

/// Whether a PDU of `framing` holding `kind` is an [MS-TURN] TCP frame without its
/// length field ([`ms_tcp_without_length`]).
pub fn is_ms_tcp_without_length(framing: Framing, kind: PduKind) -> bool {
    matches!(framing, Framing::MsTurnTcp | Framing::PseudoTls)
        && matches!(
            kind,
            PduKind::Stun {
                message: Span { offset: 2, .. },
                ..
            }
        )
}

fn next_tls(buf: &[u8]) -> PduResult {
    if buf.len() < 5 {
        return need(5, buf.len());
    }
    let total = 5 + be16(buf, 3);
    if buf.len() < total {
        return need(total, buf.len());
    }
    let hello = match buf.get(5) {
        Some(1) => TlsHello::ClientHello,
        Some(2) => TlsHello::ServerHello,
        _ => TlsHello::Other,
    };
    PduResult::Complete {
        len: total,
        kind: PduKind::TlsHello(hello),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn multiplexed_turn_datagram() {
        let mut d = vec![0xFF, 0x10, 0, 10];
        d.extend_from_slice(&[1; 8]);
        d.extend_from_slice(&[0x80, 0]);
        assert!(is_multiplexed_turn_datagram(&d));
        assert!(
            !is_multiplexed_turn_datagram(&d[..13]),
            "length past the end"
        );
        d.push(0);
        assert!(!is_multiplexed_turn_datagram(&d), "bytes after the message");
        assert!(!is_multiplexed_turn_datagram(&[
            0xFF, 0x10, 0, 8, 1, 1, 1, 1, 1, 1, 1
        ]));
    }

    use super::*;

    /// RFC 5766's channels beyond RFC 8656's (0x5000–0x7FFF) are ChannelData on a flow
    /// msstun owns, and a datagram is ChannelData exactly when `next_pdu` takes all of it
    /// as one ChannelData PDU.
    #[test]
    fn channel_data_datagrams_all_channels() {
        for channel in [0x4000u16, 0x4fff, 0x5000, 0x594c, 0x7ffe, 0x7fff] {
            let mut d = channel.to_be_bytes().to_vec();
            d.extend_from_slice(&[0, 3, 1, 2, 3]);
            assert_eq!(channel_data_datagram(&d), Some(channel), "{channel:#x}");
            d.push(0);
            assert_eq!(
                channel_data_datagram(&d),
                Some(channel),
                "{channel:#x} padded"
            );
        }
        assert_eq!(channel_data_datagram(&[0x80, 0, 0, 0]), None);
        assert_eq!(channel_data_datagram(&[0x3f, 0xff, 0, 0]), None);
        assert_eq!(channel_data_datagram(&[0x59, 0x4c, 0, 9, 1, 2, 3]), None);
        let mut buf = [0u8; 16];
        buf[0] = 0x61;
        for dlen in 0..9u8 {
            buf[3] = dlen;
            for n in 0..buf.len() {
                let whole = matches!(
                    next_pdu(Framing::Plain, Transport::Udp, &buf[..n]),
                    PduResult::Complete { len, kind: PduKind::ChannelData { channel: 0x6100, .. } } if len == n
                );
                assert_eq!(
                    channel_data_datagram(&buf[..n]).is_some(),
                    whole,
                    "{dlen} in {n}"
                );
            }
        }
    }

    /// FRAMING_NAMES has one entry per code [`framing_code`] gives, in code order.
    #[test]
    fn framing_names_follow_the_codes() {
        assert_eq!(FRAMING_NAMES.len(), Framing::ALL.len() + 1);
        for (i, (code, _)) in FRAMING_NAMES.iter().enumerate() {
            assert_eq!(*code as usize, i);
        }
        assert_eq!(framing_code(Framing::Plain, Transport::Udp), 0);
        for (i, f) in Framing::ALL.into_iter().enumerate() {
            assert_eq!(framing_code(f, Transport::Tcp) as usize, i + 1);
            assert_eq!(f.name(), FRAMING_NAMES[i + 1].1);
        }
        assert_eq!(
            MS_TCP_TYPE_NAMES
                .iter()
                .map(|(c, _)| *c)
                .collect::<std::vec::Vec<_>>(),
            [2, 3]
        );
    }
    use alloc::vec::Vec;

    fn stun(ty: u16, attrs: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&ty.to_be_bytes());
        v.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
        v.extend_from_slice(&crate::MAGIC_COOKIE.to_be_bytes());
        v.extend_from_slice(&[7; 12]);
        v.extend_from_slice(attrs);
        v
    }

    #[test]
    fn plain_stun_and_channel_data() {
        let m = stun(0x0001, &[0x80, 0x22, 0, 4, b'a', b'b', b'c', b'd']);
        assert_eq!(pdu_len(Framing::Plain, Transport::Tcp, &m[..4]), Some(28));
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Tcp, &m),
            PduResult::Complete {
                len: 28,
                kind: PduKind::stun(0, 28)
            }
        );
        for cut in 0..m.len() {
            assert!(
                matches!(next_pdu(Framing::Plain, Transport::Tcp, &m[..cut]), PduResult::NeedMore(n) if n == (if cut < 4 { 4 } else { 28 }) - cut)
            );
            assert_eq!(
                next_pdu(Framing::Plain, Transport::Udp, &m[..cut]),
                PduResult::Invalid
            );
        }
        let cd = [0x7F, 0xFE, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0];
        assert_eq!(pdu_len(Framing::Plain, Transport::Tcp, &cd), Some(12));
        assert_eq!(pdu_len(Framing::Plain, Transport::Udp, &cd), Some(9));
        let want = PduKind::ChannelData {
            channel: 0x7FFE,
            data: Span::new(4, 5),
        };
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Tcp, &cd),
            PduResult::Complete {
                len: 12,
                kind: want
            }
        );
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Udp, &cd[..9]),
            PduResult::Complete { len: 9, kind: want }
        );
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Udp, &cd),
            PduResult::Complete {
                len: 12,
                kind: want
            }
        );
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Tcp, &cd[..9]),
            PduResult::NeedMore(3)
        );
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Tcp, &[0x80, 0, 0, 0]),
            PduResult::Invalid
        );
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Tcp, &[0xC0]),
            PduResult::Invalid
        );
        assert_eq!(
            pdu_len(Framing::Plain, Transport::Tcp, &[0x80, 0, 0, 0]),
            None
        );
    }

    #[test]
    fn multiplexed_turn() {
        let mut f = vec![0xFF, 0x10, 0, 11];
        f.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 0xAA, 0xBB, 0xCC]);
        let kind = PduKind::MultiplexedTurn {
            session_id: [1, 2, 3, 4, 5, 6, 7, 8],
            data: Span::new(12, 3),
        };
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Udp, &f),
            PduResult::Complete { len: 15, kind }
        );
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Tcp, &f[..3]),
            PduResult::NeedMore(1)
        );
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Tcp, &[0xFF, 0x11, 0, 8]),
            PduResult::Invalid
        );
        assert_eq!(
            next_pdu(Framing::Plain, Transport::Tcp, &[0xFF, 0x10, 0, 7]),
            PduResult::Invalid
        );
    }

    #[test]
    fn rfc4571() {
        let m = stun(0x0001, &[]);
        let mut f = vec![0, 20];
        f.extend_from_slice(&m);
        f.extend_from_slice(&[0, 3, 0x80, 0, 1]);
        assert_eq!(pdu_len(Framing::Rfc4571, Transport::Tcp, &f), Some(22));
        assert_eq!(
            next_pdu(Framing::Rfc4571, Transport::Tcp, &f),
            PduResult::Complete {
                len: 22,
                kind: PduKind::stun(2, 20)
            }
        );
        assert_eq!(
            next_pdu(Framing::Rfc4571, Transport::Tcp, &f[22..]),
            PduResult::Complete {
                len: 5,
                kind: PduKind::Data {
                    data: Span::new(2, 3),
                    framed: true
                }
            }
        );
        assert_eq!(
            next_pdu(Framing::Rfc4571, Transport::Tcp, &f[..1]),
            PduResult::NeedMore(1)
        );
        assert_eq!(
            next_pdu(Framing::Rfc4571, Transport::Tcp, &f[..10]),
            PduResult::NeedMore(12)
        );
    }

    #[test]
    fn ms_turn_tcp_and_pseudo_tls() {
        let m = stun(0x0003, &[]);
        let mut f = vec![2, 0, 0, 20];
        f.extend_from_slice(&m);
        f.extend_from_slice(&[3, 0, 0, 2, 0xAB, 0xCD]);
        for fr in [Framing::MsTurnTcp, Framing::PseudoTls] {
            assert_eq!(pdu_len(fr, Transport::Tcp, &f), Some(24));
            assert_eq!(
                next_pdu(fr, Transport::Tcp, &f),
                PduResult::Complete {
                    len: 24,
                    kind: PduKind::stun(4, 20)
                }
            );
            assert_eq!(
                next_pdu(fr, Transport::Tcp, &f[24..]),
                PduResult::Complete {
                    len: 6,
                    kind: PduKind::MsTurnData {
                        data: Span::new(4, 2)
                    }
                }
            );
            assert_eq!(
                next_pdu(fr, Transport::Tcp, &[2, 1, 0, 0]),
                PduResult::Invalid
            );
            assert_eq!(
                next_pdu(fr, Transport::Tcp, &[4, 0, 0, 0]),
                PduResult::Invalid
            );
        }
        let hello = [0x16, 3, 1, 0, 4, 1, 0, 0, 0];
        assert_eq!(pdu_len(Framing::PseudoTls, Transport::Tcp, &hello), Some(9));
        assert_eq!(
            next_pdu(Framing::PseudoTls, Transport::Tcp, &hello),
            PduResult::Complete {
                len: 9,
                kind: PduKind::TlsHello(TlsHello::ClientHello)
            }
        );
        assert_eq!(
            next_pdu(Framing::PseudoTls, Transport::Tcp, &hello[..1]),
            PduResult::NeedMore(1)
        );
        assert_eq!(
            next_pdu(Framing::PseudoTls, Transport::Tcp, &hello[..4]),
            PduResult::NeedMore(1)
        );
        assert_eq!(
            next_pdu(Framing::MsTurnTcp, Transport::Tcp, &hello),
            PduResult::Invalid
        );
    }

    #[test]
    fn never_panics_on_short_or_odd_input() {
        let mut x = 0x1234_5678u32;
        for n in 0..2000usize {
            let len = n % 70;
            let mut b = [0u8; 70];
            for v in b.iter_mut().take(len) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *v = (x >> 3) as u8;
            }
            for fr in Framing::ALL {
                for t in [Transport::Tcp, Transport::Udp] {
                    let _ = next_pdu(fr, t, &b[..len]);
                    let _ = pdu_len(fr, t, &b[..len]);
                }
            }
        }
    }
}
