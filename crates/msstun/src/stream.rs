//! Sans-IO stream decoder: push bytes as they arrive, pop whole messages.
//!
//! [`StreamDecoder`] handles one direction of one connection (or a sequence of UDP
//! datagrams). It owns one buffer, allocated once at construction with a fixed capacity
//! ([`DEFAULT_CAPACITY`] or [`StreamDecoder::with_capacity`]); pushing and popping never
//! allocate. Every byte pushed comes out exactly once, in the [`Decoded::bytes`] of some
//! popped item — as a STUN message, ChannelData, [MS-TURN] frame, pseudo-TLS hello,
//! data-connection payload, or [`DecodedKind::Undecodable`] bytes skipped while
//! resynchronising.
//!
//! * The framing is detected on the first bytes ([`crate::detect`]); until then nothing
//!   is popped unless the bytes cannot be STUN in any framing.
//! * Bytes that do not decode are reported as [`DecodedKind::Undecodable`] and the decoder
//!   resynchronises on the next position where a strictly valid message starts.
//! * RFC 6062: after a ConnectionBind success response the connection is a *data
//!   connection*. Its payload is scanned for RFC 4571-framed STUN (the ICE connectivity
//!   checks Skype for Business / Lync send there: `00 6c 00 01 …`); everything else is
//!   passed on as [`DecodedKind::Data`]. Since the response travels server→client but the
//!   client→server direction changes too, use [`ConnectionDecoder`], which holds both
//!   directions and switches both, or call [`StreamDecoder::mark_data_connection`].
//!
//! ```
//! use msstun::stream::{StreamDecoder, DecodedKind};
//! use msstun::framing::Transport;
//! let mut d = StreamDecoder::new(Transport::Tcp);
//! let msg = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
//! d.push(&msg[..7]);
//! assert!(d.pop().is_none());
//! d.push(&msg[7..]);
//! let item = d.pop().unwrap();
//! assert!(matches!(item.kind, DecodedKind::Stun { message, .. } if message == &msg[..]));
//! ```

use alloc::vec::Vec;

use crate::detect::{
    detect_framing, detect_verdict, plain_by_cookie, stun_dialect, stun_on_known_flow, Verdict,
};
use crate::framing::{
    channel_data_total, next_pdu, Framing, Kind, PduKind, PduResult, Span, Transport,
};
use crate::message::{join_type, Class, Dialect};

/// Default buffer capacity: room for the largest PDU any framing can carry
/// (4 + 65535 + padding) with margin.
pub const DEFAULT_CAPACITY: usize = 128 * 1024;
/// Smallest accepted capacity.
pub const MIN_CAPACITY: usize = 64;

/// RFC 6062 ConnectionBind success response type.
const CONNECTION_BIND_SUCCESS: u16 = join_type(
    crate::registry::method::CONNECTION_BIND,
    Class::SuccessResponse,
);

/// One popped item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// Offset of the first byte in the stream (bytes pushed before it).
    pub offset: u64,
    /// Framing in force when the item was cut, if known.
    pub framing: Option<Framing>,
    /// All bytes of the item, framing and padding included.
    pub bytes: &'a [u8],
    /// What they are.
    pub kind: DecodedKind<'a>,
}

/// What a popped item holds: the parser's one [`Kind`], its content located by the bytes
/// themselves (a STUN message's `dialect` is always known here: hand `message` to
/// [`crate::Message::with_dialect`]).
pub type DecodedKind<'a> = Kind<&'a [u8]>;

/// Item boundaries, kept as spans so the borrow of the buffer starts only in `view`.
#[derive(Debug, Clone, Copy)]
struct Item {
    /// Start in `buf`.
    start: usize,
    /// Length.
    len: usize,
    framing: Option<Framing>,
    /// What the item is, spans from its start.
    kind: PduKind,
}

/// Decoder for one direction of a connection.
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    transport: Transport,
    buf: Vec<u8>,
    head: usize,
    cap: usize,
    offset: u64,
    framing: Option<Framing>,
    data_connection: bool,
    data_framed: bool,
    /// Set after skipping undecodable bytes: only a strictly valid PDU ends it.
    lost: bool,
    eof: bool,
    /// How many more bytes complete the PDU the buffer starts with, when a framing whose
    /// PDUs are cut by their length alone says so (0: unknown). [`StreamDecoder::feed`]
    /// copies only those into the buffer and goes on in place.
    want: usize,
}

impl StreamDecoder {
    /// A decoder with [`DEFAULT_CAPACITY`].
    pub fn new(transport: Transport) -> Self {
        Self::with_capacity(transport, DEFAULT_CAPACITY)
    }

    /// A decoder whose buffer holds at most `cap` bytes (at least [`MIN_CAPACITY`]).
    /// A PDU longer than that is reported as undecodable.
    pub fn with_capacity(transport: Transport, cap: usize) -> Self {
        let cap = cap.max(MIN_CAPACITY);
        StreamDecoder {
            transport,
            buf: Vec::with_capacity(cap),
            head: 0,
            cap,
            offset: 0,
            framing: None,
            data_connection: false,
            data_framed: false,
            lost: false,
            eof: false,
            want: 0,
        }
    }

    /// The transport.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The framing detected, if any yet.
    pub fn framing(&self) -> Option<Framing> {
        self.framing
    }

    /// Whether this direction is an RFC 6062 data connection.
    pub fn is_data_connection(&self) -> bool {
        self.data_connection
    }

    /// Treat everything not yet popped as RFC 6062 data-connection payload.
    pub fn mark_data_connection(&mut self) {
        self.data_connection = true;
    }

    /// Bytes pushed but not yet popped.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.head
    }

    /// The buffer's capacity.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Room left for [`push`](Self::push).
    pub fn room(&self) -> usize {
        self.cap - self.buffered()
    }

    /// Say that no more bytes will come: [`pop`](Self::pop) then drains what is left
    /// (incomplete PDUs as undecodable).
    pub fn finish(&mut self) {
        self.eof = true;
    }

    /// Append bytes; returns how many were taken. Over TCP that is as many as fit (pop
    /// to make room, then push the rest). Over UDP each push is one datagram, taken only
    /// when the previous one has been popped (else 0); a datagram longer than the
    /// capacity is cut.
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        if self.transport == Transport::Udp && self.buffered() > 0 {
            return 0;
        }
        if self.head > 0 && (self.buf.len() + bytes.len() > self.cap || self.head == self.buf.len())
        {
            // Compact in place: no allocation.
            self.buf.copy_within(self.head.., 0);
            self.buf.truncate(self.buf.len() - self.head);
            self.head = 0;
        }
        let n = bytes.len().min(self.cap - self.buf.len());
        self.buf.extend_from_slice(&bytes[..n]);
        n
    }

    /// The next whole item, if there is one.
    pub fn pop(&mut self) -> Option<Decoded<'_>> {
        let item = self.next_buffered()?;
        Some(self.view(item))
    }

    /// Push `bytes` and pop every item they complete, handing each to `each`: the same
    /// items [`push`](Self::push) and [`pop`](Self::pop) in turn would give, but while
    /// nothing is buffered the items are cut from `bytes` in place — only an incomplete
    /// tail is copied into the buffer. Every byte is taken (over UDP `bytes` is one
    /// datagram).
    pub fn feed(&mut self, bytes: &[u8], mut each: impl FnMut(Decoded<'_>)) {
        let mut rest = bytes;
        loop {
            if self.buffered() == 0 && !rest.is_empty() {
                // In place: what the buffer would hold after a push.
                let avail = &rest[..rest.len().min(self.cap)];
                if let Some(item) = self.channel_data_in(avail) {
                    rest = &rest[item.bytes.len()..];
                    each(item);
                    continue;
                }
                if let Some(it) = self.next_item_in(avail) {
                    let len = it.len;
                    each(view_in(avail, self.offset, it));
                    rest = &rest[len..];
                    continue;
                }
            }
            // Buffered: only what completes its PDU, when known, then on in place.
            let n = match self.want {
                0 => self.push(rest),
                want => self.push(&rest[..want.min(rest.len())]),
            };
            rest = &rest[n..];
            let mut popped = false;
            while let Some(it) = self.next_buffered() {
                popped = true;
                each(self.view(it));
                if self.transport == Transport::Udp {
                    break;
                }
            }
            if rest.is_empty() || (n == 0 && !popped) {
                return;
            }
        }
    }

    /// The next item of the buffer (its start made absolute), the buffer's head moved
    /// past it.
    fn next_buffered(&mut self) -> Option<Item> {
        let buf = core::mem::take(&mut self.buf);
        let it = self.next_item_in(&buf[self.head..]);
        self.buf = buf;
        let mut it = it?;
        it.start = self.head;
        self.head += it.len;
        Some(it)
    }

    fn view(&self, it: Item) -> Decoded<'_> {
        view_in(&self.buf, self.offset, it)
    }
}

/// The item `it` of `buf` (`offset`: the stream offset just after it).
fn view_in(buf: &[u8], offset: u64, it: Item) -> Decoded<'_> {
    let bytes = &buf[it.start..it.start + it.len];
    Decoded {
        offset: offset - it.len as u64,
        framing: it.framing,
        bytes,
        kind: it.kind.map(|s| &bytes[s.offset..s.end()]),
    }
}

impl StreamDecoder {
    /// A whole ChannelData message starting `avail` on a TCP stream in plain STUN framing
    /// and in step — the bulk of a TURN media leg —, cut without the general path's
    /// detection and resynchronisation (the padding rule [`channel_data_total`] is
    /// [`next_pdu`]'s): the item [`StreamDecoder::next_item_in`] cuts there.
    #[inline]
    fn channel_data_in<'a>(&mut self, avail: &'a [u8]) -> Option<Decoded<'a>> {
        if self.framing != Some(Framing::Plain)
            || self.transport != Transport::Tcp
            || self.lost
            || self.data_connection
        {
            return None;
        }
        let h = avail.get(..4)?;
        if h[0] >> 6 != 1 {
            return None;
        }
        let channel = u16::from_be_bytes([h[0], h[1]]);
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let bytes = avail.get(..channel_data_total(Transport::Tcp, avail.len(), len))?;
        let data = &bytes[4..4 + len];
        self.want = 0;
        let offset = self.offset;
        self.offset += bytes.len() as u64;
        Some(Decoded {
            offset,
            framing: self.framing,
            bytes,
            kind: Kind::ChannelData { channel, data },
        })
    }

    /// Whether no more bytes can arrive before a pop (`avail`, what the buffer holds,
    /// fills it; or end of stream).
    fn stuck(&self, avail: &[u8]) -> bool {
        self.eof || avail.len() >= self.cap || self.transport == Transport::Udp
    }

    /// Cut the first `len` bytes of `avail` as an item (its start relative to `avail`).
    fn take(&mut self, avail: &[u8], len: usize, kind: PduKind) -> Item {
        let it = Item {
            start: 0,
            len,
            framing: self.framing,
            kind,
        };
        self.offset += len as u64;
        if kind_is_connection_bind_success(&avail[..len], kind) {
            self.data_connection = true;
        }
        it
    }

    /// The item that starts `avail` (the bytes not yet popped), if it is whole.
    fn next_item_in(&mut self, avail: &[u8]) -> Option<Item> {
        self.want = 0;
        if avail.is_empty() {
            return None;
        }
        if self.transport == Transport::Udp {
            return Some(self.next_datagram(avail));
        }
        if self.data_connection {
            return self.next_data(avail);
        }
        let framing = match self.framing {
            Some(f) if self.lost => match candidate(f, avail) {
                Verdict::Found(_) => {
                    self.lost = false;
                    f
                }
                Verdict::NeedMore if !self.stuck(avail) => return None,
                _ => return Some(self.resync(avail)),
            },
            Some(f) => f,
            None => match detect_verdict(Transport::Tcp, avail) {
                Verdict::Found(d) => {
                    self.framing = Some(d.framing);
                    d.framing
                }
                // An RFC 5389 header starts plain framing even when its length is not one
                // the detector accepts: the plugin's rule for a connection's first message.
                Verdict::NeedMore if plain_by_cookie(avail) => {
                    self.framing = Some(Framing::Plain);
                    Framing::Plain
                }
                Verdict::NeedMore if !self.stuck(avail) => return None,
                _ => return Some(self.resync(avail)),
            },
        };
        match next_pdu(framing, Transport::Tcp, avail) {
            PduResult::Complete { len, kind } => match self.item_kind(&avail[..len], kind) {
                Some(k) => Some(self.take(avail, len, k)),
                None => Some(self.resync(avail)),
            },
            PduResult::NeedMore(n) if !self.stuck(avail) => {
                // Whether such a PDU is complete does not depend on the bytes after it.
                if matches!(framing, Framing::Plain | Framing::Rfc4571) {
                    self.want = n;
                }
                None
            }
            _ => Some(self.resync(avail)),
        }
    }

    /// A framing result with the dialect of its STUN message worked out; `None` for
    /// STUN-looking bytes that are not STUN by the parser's one policy for a flow known to
    /// carry it ([`stun_on_known_flow`]: the plugin's too).
    fn item_kind(&self, pdu: &[u8], kind: PduKind) -> Option<PduKind> {
        Some(match kind {
            PduKind::Stun { message, .. } => PduKind::Stun {
                message,
                dialect: Some(stun_on_known_flow(
                    &pdu[message.offset..message.end()],
                    true,
                )?),
            },
            other => other,
        })
    }

    fn next_datagram(&mut self, avail: &[u8]) -> Item {
        if self.framing.is_none() {
            if let Some(d) = crate::detect::detect(Transport::Udp, avail) {
                self.framing = Some(d.framing);
            }
        }
        let n = avail.len();
        let kind = match next_pdu(Framing::Plain, Transport::Udp, avail) {
            PduResult::Complete { len, kind } if len == n => {
                self.item_kind(avail, kind).unwrap_or(undecodable(n))
            }
            _ => undecodable(n),
        };
        self.take(avail, n, kind)
    }

    /// Skip to the next position where a valid PDU (or a consistent start of one) begins;
    /// at least one byte is skipped.
    fn resync(&mut self, avail: &[u8]) -> Item {
        let mut cut = avail.len();
        for i in 1..avail.len() {
            let v = match self.framing {
                Some(f) => candidate(f, &avail[i..]),
                None => detect_verdict(Transport::Tcp, &avail[i..]),
            };
            if v != Verdict::No {
                cut = i;
                break;
            }
        }
        self.lost = true;
        self.take(avail, cut, undecodable(cut))
    }

    /// RFC 6062 data connection: RFC 4571-framed STUN, other frames once locked on
    /// RFC 4571, raw data otherwise.
    fn next_data(&mut self, avail: &[u8]) -> Option<Item> {
        if self.data_framed {
            match next_pdu(Framing::Rfc4571, Transport::Tcp, avail) {
                PduResult::Complete { len, kind } => {
                    let k = match kind {
                        PduKind::Stun { message, .. } => {
                            match message.get(avail).and_then(stun_dialect) {
                                Some(dialect) => PduKind::Stun {
                                    message,
                                    dialect: Some(dialect),
                                },
                                None => PduKind::Data {
                                    data: message,
                                    framed: true,
                                },
                            }
                        }
                        _ => PduKind::Data {
                            data: Span::new(2, len - 2),
                            framed: true,
                        },
                    };
                    return Some(self.take_framed(avail, len, k));
                }
                PduResult::NeedMore(_) if !self.stuck(avail) => return None,
                _ => {
                    // Lost the framing: fall back to scanning.
                    self.data_framed = false;
                }
            }
        }
        match detect_framing(Framing::Rfc4571, Transport::Tcp, avail) {
            Verdict::Found(d) => {
                self.data_framed = true;
                let message = match d.kind {
                    PduKind::Stun { message, .. } => message,
                    _ => Span::new(2, d.pdu_len - 2),
                };
                let dialect = Some(d.dialect().unwrap_or(Dialect::Rfc5389));
                return Some(self.take_framed(
                    avail,
                    d.pdu_len,
                    PduKind::Stun { message, dialect },
                ));
            }
            Verdict::NeedMore if !self.stuck(avail) => return None,
            _ => {}
        }
        let mut cut = avail.len();
        for i in 1..avail.len() {
            if detect_framing(Framing::Rfc4571, Transport::Tcp, &avail[i..]) != Verdict::No {
                cut = i;
                break;
            }
        }
        Some(self.take_framed(
            avail,
            cut,
            PduKind::Data {
                data: Span::new(0, cut),
                framed: false,
            },
        ))
    }

    fn take_framed(&mut self, avail: &[u8], len: usize, kind: PduKind) -> Item {
        let mut it = self.take(avail, len, kind);
        it.framing = match kind {
            PduKind::Data { framed: false, .. } => None,
            _ => Some(Framing::Rfc4571),
        };
        it
    }
}

/// Resynchronisation candidate in a known framing: a strictly valid STUN start, or for
/// frame-delimited framings any frame the framing itself accepts with a strict STUN
/// inside.
fn candidate(f: Framing, b: &[u8]) -> Verdict {
    match f {
        Framing::PseudoTls => match detect_framing(Framing::MsTurnTcp, Transport::Tcp, b) {
            Verdict::No => detect_framing(Framing::PseudoTls, Transport::Tcp, b),
            v => v,
        },
        f => detect_framing(f, Transport::Tcp, b),
    }
}

/// Whether popping `item` turned its connection into an RFC 6062 data connection (it is
/// the ConnectionBind success response; see [`kind_is_connection_bind_success`]).
fn item_made_data_connection(item: &Decoded<'_>) -> bool {
    matches!(
        item.kind,
        DecodedKind::Stun { message, dialect: Some(Dialect::Rfc5389) }
            if message.len() >= 2 && u16::from_be_bytes([message[0], message[1]]) == CONNECTION_BIND_SUCCESS
    )
}

fn kind_is_connection_bind_success(pdu: &[u8], kind: PduKind) -> bool {
    match kind {
        PduKind::Stun {
            message,
            dialect: Some(Dialect::Rfc5389),
        } => {
            let m = &pdu[message.offset..message.end()];
            u16::from_be_bytes([m[0], m[1]]) == CONNECTION_BIND_SUCCESS
        }
        _ => false,
    }
}

/// `len` skipped bytes.
const fn undecodable(len: usize) -> PduKind {
    PduKind::Undecodable {
        data: Span::new(0, len),
    }
}

/// Direction of travel on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the TURN client to the server.
    ClientToServer,
    /// From the server to the client.
    ServerToClient,
}

/// Both directions of one connection, sharing the RFC 6062 state: a ConnectionBind
/// success response seen in either direction turns both into data connections.
#[derive(Debug, Clone)]
pub struct ConnectionDecoder {
    /// Client → server.
    pub client_to_server: StreamDecoder,
    /// Server → client.
    pub server_to_client: StreamDecoder,
}

impl ConnectionDecoder {
    /// Two decoders with [`DEFAULT_CAPACITY`].
    pub fn new(transport: Transport) -> Self {
        Self::with_capacity(transport, DEFAULT_CAPACITY)
    }

    /// Two decoders of `cap` bytes each.
    pub fn with_capacity(transport: Transport, cap: usize) -> Self {
        ConnectionDecoder {
            client_to_server: StreamDecoder::with_capacity(transport, cap),
            server_to_client: StreamDecoder::with_capacity(transport, cap),
        }
    }

    fn pair(&mut self, dir: Direction) -> (&mut StreamDecoder, &mut StreamDecoder) {
        match dir {
            Direction::ClientToServer => (&mut self.client_to_server, &mut self.server_to_client),
            Direction::ServerToClient => (&mut self.server_to_client, &mut self.client_to_server),
        }
    }

    /// Push bytes travelling in `dir`; see [`StreamDecoder::push`].
    pub fn push(&mut self, dir: Direction, bytes: &[u8]) -> usize {
        self.pair(dir).0.push(bytes)
    }

    /// Pop the next item travelling in `dir`.
    pub fn pop(&mut self, dir: Direction) -> Option<Decoded<'_>> {
        let (this, other) = self.pair(dir);
        let item = this.next_buffered()?;
        if this.data_connection {
            other.data_connection = true;
        }
        Some(this.view(item))
    }

    /// Push the bytes travelling in `dir` and pop every item they complete; see
    /// [`StreamDecoder::feed`]. `each` also gets whether the connection was an RFC 6062
    /// data connection before the item (the item itself may be the ConnectionBind
    /// success response that makes it one).
    pub fn feed(&mut self, dir: Direction, bytes: &[u8], mut each: impl FnMut(Decoded<'_>, bool)) {
        let (this, other) = self.pair(dir);
        let mut was = this.data_connection || other.data_connection;
        this.feed(bytes, |item| {
            each(item, was);
            was = was || item_made_data_connection(&item);
        });
        if this.data_connection {
            other.data_connection = true;
        }
    }

    /// Whether the connection has become an RFC 6062 data connection.
    pub fn is_data_connection(&self) -> bool {
        self.client_to_server.data_connection || self.server_to_client.data_connection
    }

    /// Treat both directions as data connection from now on.
    pub fn mark_data_connection(&mut self) {
        self.client_to_server.mark_data_connection();
        self.server_to_client.mark_data_connection();
    }

    /// End of both directions.
    pub fn finish(&mut self) {
        self.client_to_server.finish();
        self.server_to_client.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MAGIC_COOKIE;
    use alloc::vec::Vec;
    use std::string::String;

    fn attr(v: &mut Vec<u8>, code: u16, val: &[u8]) {
        v.extend_from_slice(&code.to_be_bytes());
        v.extend_from_slice(&(val.len() as u16).to_be_bytes());
        v.extend_from_slice(val);
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
    }

    fn stun(ty: u16, tid: u8, attrs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&ty.to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        v.extend_from_slice(&[tid; 12]);
        for (c, val) in attrs {
            attr(&mut v, *c, val);
        }
        let l = (v.len() - 20) as u16;
        v[2..4].copy_from_slice(&l.to_be_bytes());
        v
    }

    fn ms_turn(ty: u16) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&ty.to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&[0x44; 16]);
        for (c, val) in [
            (0x000Fu16, &0x72C6_4BC6u32.to_be_bytes()[..]),
            (0x0006, b"abcde"),
        ] {
            v.extend_from_slice(&c.to_be_bytes());
            v.extend_from_slice(&(val.len() as u16).to_be_bytes());
            v.extend_from_slice(val);
        }
        let l = (v.len() - 20) as u16;
        v[2..4].copy_from_slice(&l.to_be_bytes());
        v
    }

    fn frame(hdr: &[u8], m: &[u8]) -> Vec<u8> {
        let mut v = hdr.to_vec();
        let n = v.len();
        v[n - 2..].copy_from_slice(&(m.len() as u16).to_be_bytes());
        v.extend_from_slice(m);
        v
    }

    /// An owned summary of a popped item.
    fn summary(d: &Decoded<'_>) -> (String, Vec<u8>) {
        let tag = match d.kind {
            DecodedKind::Stun { message, dialect } => {
                std::format!("stun {:?} {:02x?}", dialect.unwrap(), &message[..4])
            }
            DecodedKind::ChannelData { channel, data } => {
                std::format!("cd {channel:04x} {}", data.len())
            }
            DecodedKind::MultiplexedTurn { session_id, data } => {
                std::format!("mux {session_id:?} {}", data.len())
            }
            DecodedKind::MsTurnData { data } => std::format!("msdata {}", data.len()),
            DecodedKind::TlsHello(h) => std::format!("tls {h:?}"),
            DecodedKind::Data { data, framed } => std::format!("data {framed} {}", data.len()),
            DecodedKind::Undecodable { data } => std::format!("undecodable {}", data.len()),
        };
        (tag, d.bytes.to_vec())
    }

    /// Feed `chunks` with pushes of at most the given sizes, pop everything, then finish;
    /// [`StreamDecoder::feed`] on a copy of the decoder must give the same items (where it
    /// cuts undecodable bytes may differ: it sees more of them at once).
    fn run(dec: &mut StreamDecoder, stream: &[u8], cuts: &[usize]) -> Vec<(String, Vec<u8>)> {
        let fed = run_fed(&mut dec.clone(), stream, cuts);
        let popped = run_popped(dec, stream, cuts);
        assert_eq!(
            merged(fed),
            merged(popped.clone()),
            "feed and push/pop differ"
        );
        popped
    }

    /// The ends of the pieces `stream` is cut into at `cuts` (those inside it), last the end.
    fn bounds(stream: &[u8], cuts: &[usize]) -> Vec<usize> {
        let mut b: Vec<usize> = cuts
            .iter()
            .copied()
            .filter(|&c| c > 0 && c < stream.len())
            .collect();
        b.push(stream.len());
        b
    }

    /// [`run`] with [`StreamDecoder::feed`].
    fn run_fed(dec: &mut StreamDecoder, stream: &[u8], cuts: &[usize]) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut next_offset = 0u64;
        let bounds = bounds(stream, cuts);
        let mut pos = 0;
        let mut each = |d: Decoded<'_>| {
            assert_eq!(d.offset, next_offset);
            next_offset += d.bytes.len() as u64;
            out.push(summary(&d));
        };
        for b in bounds {
            if b > pos {
                dec.feed(&stream[pos..b], &mut each);
                pos = b;
            }
        }
        dec.finish();
        dec.feed(&[], &mut each);
        assert_eq!(next_offset, stream.len() as u64);
        out
    }

    fn run_popped(
        dec: &mut StreamDecoder,
        stream: &[u8],
        cuts: &[usize],
    ) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut pos = 0;
        let mut next_offset = 0u64;
        let bounds = bounds(stream, cuts);
        for b in bounds {
            while pos < b {
                let n = dec.push(&stream[pos..b]);
                pos += n;
                while let Some(d) = dec.pop() {
                    assert_eq!(d.offset, next_offset);
                    next_offset += d.bytes.len() as u64;
                    out.push(summary(&d));
                }
            }
        }
        dec.finish();
        while let Some(d) = dec.pop() {
            assert_eq!(d.offset, next_offset);
            next_offset += d.bytes.len() as u64;
            out.push(summary(&d));
        }
        assert_eq!(
            next_offset,
            stream.len() as u64,
            "every byte comes out exactly once"
        );
        out
    }

    /// Undecodable bytes are reported as soon as they are known to be undecodable, so how
    /// they are cut depends on how they arrive: compare them merged.
    fn merged(items: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        for (t, b) in items {
            match out.last_mut() {
                Some((lt, lb)) if t.starts_with("undecodable") && lt.starts_with("undecodable") => {
                    lb.extend_from_slice(&b);
                    *lt = std::format!("undecodable {}", lb.len());
                }
                _ => out.push((t, b)),
            }
        }
        out
    }

    fn every_split(stream: &[u8], want: &[(String, Vec<u8>)]) {
        let cap_before = StreamDecoder::new(Transport::Tcp).buf.capacity();
        let mut d = StreamDecoder::new(Transport::Tcp);
        assert_eq!(&run(&mut d, stream, &[]), want, "all at once");
        assert_eq!(d.buf.capacity(), cap_before, "no reallocation");
        for cut in 1..stream.len() {
            let mut d = StreamDecoder::new(Transport::Tcp);
            assert_eq!(&merged(run(&mut d, stream, &[cut])), want, "split at {cut}");
        }
        let all: Vec<usize> = (1..stream.len()).collect();
        let mut d = StreamDecoder::new(Transport::Tcp);
        assert_eq!(&merged(run(&mut d, stream, &all)), want, "byte by byte");
        assert_eq!(d.buf.capacity(), cap_before, "no reallocation");
    }

    fn s(tag: &str, b: &[u8]) -> (String, Vec<u8>) {
        (String::from(tag), b.to_vec())
    }

    /// STUN-looking bytes on a flow whose framing is known follow the parser's one policy
    /// (`detect::stun_on_known_flow`, the plugin's too): the OC2007 keepalive, Zoom's
    /// RFC 3489 Binding with its own first attribute and a message with the cookie but a
    /// broken length are STUN here (they were undecodable before the policy was shared).
    #[test]
    fn known_flow_policy_is_the_plugins() {
        let mut keepalive = std::vec![0x00, 0x11, 0x00, 0x00];
        keepalive.extend_from_slice(&[0x54; 16]);
        let mut zoom = std::vec![0x00, 0x01, 0x00, 0x08];
        zoom.extend_from_slice(&[0x5a; 16]);
        zoom.extend_from_slice(&[0x01, 0x01, 0x00, 0x04, 1, 2, 3, 4]);
        for dgram in [&keepalive, &zoom] {
            let mut d = StreamDecoder::new(Transport::Udp);
            assert_eq!(
                run(&mut d, dgram, &[]),
                [s(&std::format!("stun Rfc3489 {:02x?}", &dgram[..4]), dgram)]
            );
        }
        // TCP: a valid message, one with the cookie whose length (5) is not a multiple of 4
        // and whose attribute is cut, then a valid one again.
        let a = stun(0x0001, 1, &[]);
        let mut broken = std::vec![0x00, 0x01, 0x00, 0x05];
        broken.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        broken.extend_from_slice(&[2; 12]);
        broken.extend_from_slice(&[0x00, 0x06, 0x00, 0x09, b'u']);
        let mut st = a.clone();
        st.extend_from_slice(&broken);
        st.extend_from_slice(&a);
        let tag = |m: &[u8]| std::format!("stun Rfc5389 {:02x?}", &m[..4]);
        let mut d = StreamDecoder::new(Transport::Tcp);
        assert_eq!(
            run(&mut d, &st, &[]),
            [s(&tag(&a), &a), s(&tag(&broken), &broken), s(&tag(&a), &a)]
        );
    }

    /// A connection's first message with the RFC 5389 cookie right after type and length
    /// starts plain framing as soon as its header is whole, even where the detector cannot
    /// tell yet (`detect::plain_by_cookie`, the plugin's rule in its `first_framing`): a
    /// first message whose length is not a multiple of 4 and whose attribute is cut is then
    /// read as STUN when it arrives in pieces, as the plugin reads it, and the message
    /// after it too (the decoder used to wait, then skip it as undecodable).
    #[test]
    fn first_message_with_cookie_starts_plain_framing() {
        let a = stun(0x0001, 1, &[]);
        let mut broken = std::vec![0x00, 0x01, 0x00, 0x05];
        broken.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        broken.extend_from_slice(&[2; 12]);
        broken.extend_from_slice(&[0x00, 0x06, 0x00, 0x09, b'u']);
        let mut st = broken.clone();
        st.extend_from_slice(&a);
        let tag = |m: &[u8]| std::format!("stun Rfc5389 {:02x?}", &m[..4]);
        // The header whole, the attribute's header not yet: the detector says "need more"
        // (from byte 24 on it sees the attribute overrun the message: not STUN, for the
        // plugin's detector too).
        for cut in 20..24 {
            assert_eq!(
                detect_verdict(Transport::Tcp, &st[..cut]),
                Verdict::NeedMore
            );
            let mut d = StreamDecoder::new(Transport::Tcp);
            assert_eq!(
                merged(run(&mut d, &st, &[cut])),
                [s(&tag(&broken), &broken), s(&tag(&a), &a)],
                "split at {cut}"
            );
            assert_eq!(d.framing(), Some(Framing::Plain));
        }
    }

    #[test]
    fn plain_stun_and_channel_data_split_everywhere() {
        let a = stun(
            0x0003,
            1,
            &[(0x0019, &[17, 0, 0, 0]), (0x000D, &[0, 0, 2, 0x58])],
        );
        let b = stun(
            0x0113,
            2,
            &[(0x0009, b"\0\0\x04\x01Unauthorized"), (0x0014, b"TANDBERG")],
        );
        let cd = [0x40, 0x01, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0];
        let mut st = a.clone();
        st.extend_from_slice(&cd);
        st.extend_from_slice(&b);
        let want = [
            s("stun Rfc5389 [00, 03, 00, 10]", &a),
            s("cd 4001 5", &cd),
            s("stun Rfc5389 [01, 13, 00, 20]", &b),
        ];
        every_split(&st, &want);
    }

    /// A TURN media leg: ChannelData after ChannelData (every padding, channels at both
    /// ends of the range), cut in place by `feed`'s ChannelData path — the same items,
    /// offsets and framing as push/pop, split everywhere; and after undecodable bytes,
    /// none until a STUN message brings the stream back in step.
    #[test]
    fn channel_data_run_fed_in_place_as_popped() {
        let a = stun(0x0003, 1, &[(0x0019, &[17, 0, 0, 0])]);
        let mut st = a.clone();
        let mut want = vec![s("stun Rfc5389 [00, 03, 00, 08]", &a)];
        for (i, ch) in [
            0x4000u16, 0x7fff, 0x4001, 0x5123, 0x4000, 0x4000, 0x6000, 0x4002,
        ]
        .into_iter()
        .enumerate()
        {
            let data: Vec<u8> = (0..i as u8).map(|b| b.wrapping_mul(37) | 0x80).collect();
            let cd = crate::build::channel_data(ch, &data, true);
            want.push(s(&std::format!("cd {ch:04x} {}", data.len()), &cd));
            st.extend_from_slice(&cd);
        }
        every_split(&st, &want);
        // Whole, item by item: offsets and framing too.
        let mut fed = Vec::new();
        StreamDecoder::new(Transport::Tcp).feed(&st, |d| {
            fed.push((d.offset, d.framing, d.bytes.len(), d.kind.map(<[u8]>::len)));
        });
        let mut popped = Vec::new();
        let mut d = StreamDecoder::new(Transport::Tcp);
        d.push(&st);
        while let Some(d) = d.pop() {
            popped.push((d.offset, d.framing, d.bytes.len(), d.kind.map(<[u8]>::len)));
        }
        assert_eq!(fed, popped);
        assert!(fed.iter().all(|f| f.1 == Some(Framing::Plain)));
        // Lost: a ChannelData header after bytes that did not decode (here at the start of
        // the next read) is not taken for one; the next STUN message brings it back.
        let mut lost = a.clone();
        lost.extend_from_slice(&[0xff, 0xfe]);
        let cut = lost.len();
        lost.extend_from_slice(&[0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4]);
        lost.extend_from_slice(&a);
        let got = merged(run(&mut StreamDecoder::new(Transport::Tcp), &lost, &[cut]));
        assert_eq!(
            got,
            [
                s("stun Rfc5389 [00, 03, 00, 08]", &a),
                s("undecodable 10", &lost[cut - 2..cut + 8]),
                s("stun Rfc5389 [00, 03, 00, 08]", &a),
            ]
        );
    }

    /// libnice's OC2007 TURN over TCP: type and reserved byte, no length (issue 9, 3d).
    /// Whole frames only: a frame cut before its message ends reads the standard way.
    #[test]
    fn ms_turn_tcp_without_length() {
        use crate::build::{self, MessageBuilder, MsTcpType};
        use crate::Class;
        let alloc = MessageBuilder::new(Dialect::MsTurn, 0x003, Class::Request, &[7; 16])
            .attr_u32(0x8008, 1)
            .finish();
        let framed = build::ms_tcp_without_length(MsTcpType::Data, &alloc);
        let mut st = framed.clone();
        st.extend_from_slice(&framed);
        let mut d = StreamDecoder::new(Transport::Tcp);
        assert_eq!(d.push(&st), st.len());
        for at in [0u64, 38] {
            let item = d.pop().expect("a message");
            assert_eq!((item.offset, item.framing), (at, Some(Framing::MsTurnTcp)));
            assert_eq!(
                item.kind,
                DecodedKind::Stun {
                    message: &alloc[..],
                    dialect: Some(Dialect::MsTurn)
                }
            );
        }
        assert!(d.pop().is_none());
    }

    #[test]
    fn ms_turn_tcp_after_pseudo_tls_split_everywhere() {
        // Pseudo-TLS ClientHello (no extensions), then MS-TURN framed control and data.
        let mut body = vec![3, 1];
        body.extend_from_slice(&[0x42; 32]);
        body.extend_from_slice(&[0, 0, 2, 0x00, 0x18, 1, 0]);
        let mut hello = vec![
            0x16,
            3,
            1,
            0,
            (body.len() + 4) as u8,
            1,
            0,
            0,
            body.len() as u8,
        ];
        hello.extend_from_slice(&body);
        let m = ms_turn(0x0003);
        let ctl = frame(&[2, 0, 0, 0], &m);
        let data = [3, 0, 0, 3, 9, 9, 9];
        let mut st = hello.clone();
        st.extend_from_slice(&ctl);
        st.extend_from_slice(&data);
        st.extend_from_slice(&ctl);
        let mtag = std::format!("stun MsTurn {:02x?}", &m[..4]);
        let want = [
            s("tls ClientHello", &hello),
            s(&mtag, &ctl),
            s("msdata 3", &data),
            s(&mtag, &ctl),
        ];
        every_split(&st, &want);
        let mut d = StreamDecoder::new(Transport::Tcp);
        run(&mut d, &st, &[]);
        assert_eq!(d.framing(), Some(Framing::PseudoTls));
    }

    #[test]
    fn rfc4571_and_resync_after_garbage() {
        let a = stun(0x0001, 3, &[(0x0024, &[0x6e, 0xff, 0xff, 0xff])]);
        let fa = frame(&[0, 0], &a);
        let garbage = b"\x80\x60garbage!";
        let mut st = fa.clone();
        st.extend_from_slice(garbage);
        st.extend_from_slice(&fa);
        let tag = std::format!("stun Rfc5389 {:02x?}", &a[..4]);
        let want = [s(&tag, &fa), s("undecodable 10", garbage), s(&tag, &fa)];
        every_split(&st, &want);
        // Plain framing with garbage in between.
        let mut st = a.clone();
        st.extend_from_slice(garbage);
        st.extend_from_slice(&a);
        every_split(
            &st,
            &[s(&tag, &a), s("undecodable 10", garbage), s(&tag, &a)],
        );
        // A stream that is no STUN at all comes out as undecodable bytes, all of them.
        let mut d = StreamDecoder::new(Transport::Tcp);
        let out = run(&mut d, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", &[5, 9]);
        assert!(out.iter().all(|(t, _)| t.starts_with("undecodable")));
        assert_eq!(d.framing(), None);
    }

    #[test]
    fn rfc6062_data_connection() {
        let bind_req = stun(0x000b, 4, &[(0x002a, &[0, 0, 0, 7])]);
        let bind_ok = stun(0x010b, 4, &[]);
        // ICE check on the data connection (the seed's 00 6c 00 01 …), RTP frames, raw bytes.
        let ice = stun(
            0x0001,
            5,
            &[
                (0x0024, &[0x6e, 0xff, 0xff, 0xff]),
                (0x0006, &[b'u'; 44]),
                (0x8054, &[0, 0, 0, 2]),
                (0x0008, &[0xe0; 20]),
            ],
        );
        let fice = frame(&[0, 0], &ice);
        assert_eq!(&fice[..4], &[0x00, 0x6c, 0x00, 0x01]);
        let rtp = frame(
            &[0, 0],
            &[0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xAA, 0xBB],
        );
        let ice_ok = stun(0x0101, 5, &[(0x0020, &[0, 1, 0xaa, 0xbb, 1, 2, 3, 4])]);
        let fice_ok = frame(&[0, 0], &ice_ok);

        let mut c2s = bind_req.clone();
        c2s.extend_from_slice(&fice);
        c2s.extend_from_slice(&rtp);
        let mut s2c = bind_ok.clone();
        s2c.extend_from_slice(&fice_ok);
        s2c.extend_from_slice(&rtp);

        let mut conn = ConnectionDecoder::new(Transport::Tcp);
        let mut got_c = Vec::new();
        let mut got_s = Vec::new();
        // Client's request and the server's response first, then the rest.
        conn.push(Direction::ClientToServer, &c2s[..bind_req.len()]);
        while let Some(d) = conn.pop(Direction::ClientToServer) {
            got_c.push(summary(&d));
        }
        assert!(!conn.is_data_connection());
        conn.push(Direction::ServerToClient, &s2c);
        while let Some(d) = conn.pop(Direction::ServerToClient) {
            got_s.push(summary(&d));
        }
        assert!(conn.is_data_connection() && conn.client_to_server.is_data_connection());
        for chunk in c2s[bind_req.len()..].chunks(7) {
            conn.push(Direction::ClientToServer, chunk);
            while let Some(d) = conn.pop(Direction::ClientToServer) {
                got_c.push(summary(&d));
            }
        }
        let t = |m: &[u8]| std::format!("stun Rfc5389 {:02x?}", &m[..4]);
        assert_eq!(
            got_c,
            [
                s(&t(&bind_req), &bind_req),
                s(&t(&ice), &fice),
                s("data true 14", &rtp)
            ]
        );
        assert_eq!(
            got_s,
            [
                s(&t(&bind_ok), &bind_ok),
                s(&t(&ice_ok), &fice_ok),
                s("data true 14", &rtp)
            ]
        );

        // Unframed payload on a data connection passes as raw data, STUN found inside it.
        let mut d = StreamDecoder::new(Transport::Tcp);
        d.mark_data_connection();
        let mut st = b"\x17\x03\x03\x00\x10 some tls-ish data ".to_vec();
        let raw_len = st.len();
        st.extend_from_slice(&fice);
        let out = run(&mut d, &st, &[]);
        assert_eq!(
            out,
            [
                s(&std::format!("data false {raw_len}"), &st[..raw_len]),
                s(&t(&ice), &fice)
            ]
        );
        for cut in 1..st.len() {
            let mut d = StreamDecoder::new(Transport::Tcp);
            d.mark_data_connection();
            let out = run(&mut d, &st, &[cut]);
            // Raw data may come in several pieces, but the STUN message is found whole.
            assert_eq!(out.last().unwrap(), &s(&t(&ice), &fice), "cut {cut}");
            assert!(out[..out.len() - 1]
                .iter()
                .all(|(tag, _)| tag.starts_with("data false")));
        }
    }

    #[test]
    fn udp_datagrams() {
        let a = stun(0x0001, 6, &[]);
        let mut d = StreamDecoder::new(Transport::Udp);
        assert_eq!(d.push(&a), a.len());
        assert_eq!(d.push(&a), 0, "one datagram at a time");
        let x = d.pop().unwrap();
        assert!(matches!(x.kind, DecodedKind::Stun { .. }));
        assert!(d.pop().is_none());
        let cd = [0x40, 0, 0, 1, 7];
        d.push(&cd);
        assert!(matches!(
            d.pop().unwrap().kind,
            DecodedKind::ChannelData {
                channel: 0x4000,
                data: [7]
            }
        ));
        d.push(&[0x80, 1, 2]);
        assert!(matches!(
            d.pop().unwrap().kind,
            DecodedKind::Undecodable { .. }
        ));
        assert_eq!(d.framing(), Some(Framing::Plain));
    }

    #[test]
    fn bounded_buffer_and_random_input_never_panic() {
        // A PDU larger than the capacity comes out as undecodable, then decoding goes on.
        let big = stun(0x0017, 7, &[(0x0013, &[0x55; 200])]);
        let small = stun(0x0001, 8, &[]);
        let mut st = small.clone();
        st.extend_from_slice(&big);
        st.extend_from_slice(&small);
        let mut d = StreamDecoder::with_capacity(Transport::Tcp, 100);
        let out = run(&mut d, &st, &[]);
        assert_eq!(out.first().unwrap().1, small);
        assert_eq!(out.last().unwrap().1, small);
        assert!(out.iter().any(|(t, _)| t.starts_with("undecodable")));

        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..1000 {
            let n = (rnd() % 3000) as usize;
            let mut st: Vec<u8> = (0..n).map(|_| rnd() as u8).collect();
            if round % 2 == 0 {
                // Sprinkle valid messages, in every framing, into the noise.
                for k in 0..4 {
                    let at = (rnd() as usize) % (st.len() + 1);
                    let m = stun(0x0001, round as u8, &[(0x0006, b"x")]);
                    let m = match k {
                        0 => m,
                        1 => frame(&[0, 0], &m),
                        2 => frame(&[2, 0, 0, 0], &ms_turn(0x0115)),
                        _ => frame(&[0x16, 3, 1, 0, 0], &[1, 0, 0, 0]),
                    };
                    st.splice(at..at, m);
                }
            }
            let cuts: Vec<usize> = (0..10)
                .map(|_| (rnd() as usize) % (st.len() + 1))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let cap = [64, 300, DEFAULT_CAPACITY][round % 3];
            let mut d = StreamDecoder::with_capacity(Transport::Tcp, cap);
            if round % 5 == 0 {
                d.mark_data_connection();
            }
            run(&mut d, &st, &cuts);
        }
    }
}
