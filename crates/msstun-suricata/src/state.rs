//! The plugin's flow parser: bytes of one direction in, transactions out. No Suricata
//! types here (the FFI layer in `ffi` wraps it), so tests and the fuzz target drive it
//! directly.
//!
//! Framing and detection are the parser crate's (`msstun::detect`, `msstun::framing`), the
//! same the Wireshark plugin and the relay use; nothing is buffered here: over TCP an
//! incomplete PDU is handed back to Suricata's stream engine ([`Parsed::Incomplete`]), which
//! calls again with more bytes. Each STUN message is copied once, into its transaction
//! (Suricata keeps transactions after the packet is gone); framing, detection and
//! validation allocate nothing.

use std::collections::VecDeque;

use msstun::detect::{detect_framing, detect_verdict, shared_port_verdict, Verdict};
use msstun::framing::{next_pdu, Framing, PduKind, PduResult, Transport};
use msstun::registry::method;
use msstun::{Class, Dialect, Message};

/// Direction of bytes, as Suricata names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

impl Dir {
    fn idx(self) -> usize {
        match self {
            Dir::ToServer => 0,
            Dir::ToClient => 1,
        }
    }
}

/// App-layer events (anomalies), by id. Ids are the enum's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Event {
    /// A PDU had the framing of a STUN message but its message does not parse.
    MalformedMessage = 0,
    /// Bytes of a TCP stream in no known framing: skipped up to the next message.
    UndecodableStream = 1,
    /// A message's attributes do not walk to its end (the message is still logged).
    MalformedAttributes = 2,
    /// The flow holds more open transactions than the limit; the oldest were closed.
    TooManyTransactions = 3,
}

impl Event {
    /// Every event, in id order.
    pub const ALL: [Event; 4] = [
        Event::MalformedMessage,
        Event::UndecodableStream,
        Event::MalformedAttributes,
        Event::TooManyTransactions,
    ];
    /// Name in rules (`app-layer-event:msstun.NAME;`).
    pub const fn name(self) -> &'static str {
        match self {
            Event::MalformedMessage => "malformed_message",
            Event::UndecodableStream => "undecodable_stream",
            Event::MalformedAttributes => "malformed_attributes",
            Event::TooManyTransactions => "too_many_transactions",
        }
    }
    /// Event by id.
    pub fn from_id(id: u8) -> Option<Event> {
        Event::ALL.get(usize::from(id)).copied()
    }
    /// Event by name.
    pub fn from_name(name: &str) -> Option<Event> {
        Event::ALL.iter().copied().find(|e| e.name() == name)
    }
}

/// One STUN message kept in a transaction, with what the keywords match on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// The message bytes (header and attributes, framing removed).
    pub bytes: Vec<u8>,
    /// Framing it came in (`plain` for a UDP datagram, as the relay says).
    pub framing: Option<Framing>,
    /// Direction.
    pub dir: Dir,
    /// Method code (12 bits; [MS-TURN] methods by their own table).
    pub method: u16,
    /// Class.
    pub class: Class,
    /// Dialect.
    pub dialect: Dialect,
    /// ERROR-CODE (class*100+number) of an error response.
    pub error_code: Option<u16>,
    /// Transaction id (12 or 16 bytes, zero-padded).
    pub tid: [u8; 16],
    /// Byte range of the USERNAME value in `bytes`.
    pub username: Option<(usize, usize)>,
    /// RFC 6062 CONNECTION-ID.
    pub connection_id: Option<u32>,
    /// What carried it when it came inside TURN: `channel-data` (with the channel),
    /// `multiplexed-turn`, `ms-turn-data` (relayed ICE checks, as tshark+msstun decodes
    /// them too).
    pub carrier: Option<(&'static str, u16)>,
}

impl Msg {
    /// USERNAME value.
    pub fn username(&self) -> Option<&[u8]> {
        self.username.map(|(a, b)| &self.bytes[a..b])
    }
}

/// One transaction: a request and its response, or an indication, or a response whose
/// request was not seen, or a data chunk, or only an anomaly.
#[derive(Debug, Default)]
pub struct Tx<X> {
    /// Id, from 1.
    pub id: u64,
    /// The request.
    pub request: Option<Msg>,
    /// The response (success or error).
    pub response: Option<Msg>,
    /// An indication.
    pub indication: Option<Msg>,
    /// A data chunk's description (`channel-data` or the framing key, and a summary),
    /// with `data: yes` only.
    pub data: Option<(&'static str, String)>,
    /// Events raised on this transaction, not yet handed to Suricata (bit per [`Event`]).
    pub new_events: u8,
    /// Every event raised on it.
    pub events: u8,
    /// Whether nothing more will be added (logged, freed by Suricata).
    pub complete: bool,
    /// Whether the flow had become an RFC 6062 data connection when it was made.
    pub on_data_connection: bool,
    /// Made or changed since the caller last cleared it (Suricata re-inspects it).
    pub touched: bool,
    /// The caller's per-transaction data (Suricata's `AppLayerTxData`).
    pub ext: X,
}

impl<X> Tx<X> {
    /// Every message of the transaction, in order.
    pub fn messages(&self) -> impl Iterator<Item = &Msg> {
        [&self.request, &self.response, &self.indication]
            .into_iter()
            .flatten()
    }
    /// The CONNECTION-ID any of its messages carries.
    pub fn connection_id(&self) -> Option<u32> {
        self.messages().find_map(|m| m.connection_id)
    }
    fn raise(&mut self, e: Event) {
        self.new_events |= 1 << e as u8;
        self.events |= 1 << e as u8;
    }
}

/// Result of [`FlowState::parse`], Suricata's `AppLayerResult` in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// Everything was consumed.
    Ok,
    /// `consumed` bytes were used; call again when `needed` bytes (from there) are there.
    Incomplete {
        /// Bytes used.
        consumed: u32,
        /// Bytes wanted from the first unused one.
        needed: u32,
    },
}

/// Settings from suricata.yaml (`app-layer.protocols.msstun`).
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Open transactions per flow before the oldest are closed.
    pub max_tx: usize,
    /// Whether ChannelData, [MS-TURN] data and RFC 6062 data chunks make transactions.
    pub data: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_tx: 256,
            data: false,
        }
    }
}

/// Requests left unanswered this many transactions later are closed (logged without a
/// response): STUN retransmits within seconds, so an answer never comes after that.
const ANSWER_WINDOW: u64 = 64;
/// Longest stretch of TCP bytes scanned for the next message after undecodable bytes.
const RESYNC_SCAN: usize = 64 * 1024;

/// Per-direction stream state.
#[derive(Debug, Clone, Copy, Default)]
struct Side {
    framing: Option<Framing>,
    /// Lost sync: the next bytes are scanned for a message.
    lost: bool,
    /// The loss was reported (one event per loss).
    reported: bool,
}

/// One flow's parser state.
#[derive(Debug)]
pub struct FlowState<X> {
    transport: Transport,
    config: Config,
    sides: [Side; 2],
    /// RFC 6062 data connection: ConnectionBind succeeded.
    data_connection: bool,
    /// CONNECTION-ID of the data connection.
    pub data_connection_id: Option<u32>,
    /// The transactions not yet freed, oldest first.
    pub txs: VecDeque<Tx<X>>,
    /// Id of the last transaction made.
    pub tx_id: u64,
    /// Messages decoded (requests, responses, indications).
    pub messages: u64,
}

impl<X: Default> FlowState<X> {
    /// A new flow.
    pub fn new(transport: Transport, config: Config) -> Self {
        FlowState {
            transport,
            config,
            sides: [Side::default(); 2],
            data_connection: false,
            data_connection_id: None,
            txs: VecDeque::new(),
            tx_id: 0,
            messages: 0,
        }
    }

    /// Whether the flow is an RFC 6062 data connection.
    pub fn is_data_connection(&self) -> bool {
        self.data_connection
    }

    /// Transaction by id.
    pub fn get_tx(&self, id: u64) -> Option<&Tx<X>> {
        self.txs.iter().find(|t| t.id == id)
    }

    /// Transaction by id, mutable.
    pub fn get_tx_mut(&mut self, id: u64) -> Option<&mut Tx<X>> {
        self.txs.iter_mut().find(|t| t.id == id)
    }

    /// Forget a transaction (Suricata has logged and inspected it).
    pub fn free_tx(&mut self, id: u64) {
        if let Some(i) = self.txs.iter().position(|t| t.id == id) {
            self.txs.remove(i);
        }
    }

    /// The end of a direction (or of the flow): nothing more is coming, every
    /// transaction is complete.
    pub fn eof(&mut self) {
        for t in &mut self.txs {
            t.complete = true;
        }
    }

    /// A hole in a TCP direction (capture loss): the next bytes are scanned for the next
    /// message. Not an anomaly of the traffic, so no event.
    pub fn gap(&mut self, dir: Dir) {
        let side = &mut self.sides[dir.idx()];
        side.lost = true;
        side.reported = true;
    }

    fn new_tx(&mut self) -> &mut Tx<X> {
        self.tx_id += 1;
        let id = self.tx_id;
        // Unanswered requests far behind are closed, and the oldest if over the limit.
        let open = self.txs.iter().filter(|t| !t.complete).count();
        let over = open >= self.config.max_tx;
        let mut closed_one = false;
        for t in &mut self.txs {
            if !t.complete && (t.id + ANSWER_WINDOW < id || (over && !closed_one)) {
                t.complete = true;
                if over && !closed_one {
                    closed_one = true;
                    t.raise(Event::TooManyTransactions);
                }
            }
        }
        self.txs.push_back(Tx {
            id,
            on_data_connection: self.data_connection,
            touched: true,
            ..Default::default()
        });
        self.txs.back_mut().expect("just pushed")
    }

    fn event(&mut self, e: Event) {
        let t = self.new_tx();
        t.raise(e);
        t.complete = true;
    }

    /// Parse the bytes Suricata hands over for one direction: over UDP one datagram, over
    /// TCP the reassembled stream from where the last call stopped.
    pub fn parse(&mut self, dir: Dir, buf: &[u8]) -> Parsed {
        match self.transport {
            Transport::Udp => {
                self.datagram(dir, buf);
                Parsed::Ok
            }
            Transport::Tcp => self.stream(dir, buf),
        }
    }

    fn datagram(&mut self, dir: Dir, buf: &[u8]) {
        match next_pdu(Framing::Plain, Transport::Udp, buf) {
            PduResult::Complete { kind, len } => {
                self.pdu(dir, Some(Framing::Plain), &buf[..len], kind)
            }
            PduResult::NeedMore(_) | PduResult::Invalid => {
                // Media, DTLS, … beside STUN on the flow: not ours, not an anomaly. A
                // datagram that claims to be STUN but does not parse is.
                if buf.first().is_some_and(|&b| b < 4)
                    && msstun::detect::stun_on_known_flow(buf, true).is_some()
                    && Message::new_checked(buf).is_err()
                {
                    self.event(Event::MalformedMessage);
                }
            }
        }
    }

    fn stream(&mut self, dir: Dir, buf: &[u8]) -> Parsed {
        let mut off = 0;
        while off < buf.len() {
            let rest = &buf[off..];
            let side = self.sides[dir.idx()];
            let framing = match side.framing {
                Some(f) if !side.lost => f,
                _ => match self.find_framing(dir, rest) {
                    Found::At(skip, f) => {
                        if skip > 0 && !side.reported {
                            self.event(Event::UndecodableStream);
                        }
                        self.sides[dir.idx()] = Side {
                            framing: Some(f),
                            ..Side::default()
                        };
                        off += skip;
                        continue;
                    }
                    Found::NeedMore => {
                        return incomplete(off, rest.len() + 1);
                    }
                    Found::Data => {
                        // An RFC 6062 data connection's payload, not (yet) framed STUN.
                        if self.config.data {
                            let t = self.new_tx();
                            t.data = Some(("none", format!("Data len={}", rest.len())));
                            t.complete = true;
                        }
                        return Parsed::Ok;
                    }
                    Found::Nothing => {
                        if !side.reported {
                            self.event(Event::UndecodableStream);
                        }
                        self.sides[dir.idx()].lost = true;
                        self.sides[dir.idx()].reported = true;
                        return Parsed::Ok;
                    }
                },
            };
            match next_pdu(framing, Transport::Tcp, rest) {
                PduResult::Complete { len, kind } => {
                    let was_data = self.data_connection;
                    self.pdu(dir, Some(framing), &rest[..len], kind);
                    off += len;
                    if self.data_connection && !was_data {
                        // ConnectionBind succeeded: from here both directions carry the
                        // peer's data (RFC 6062 §5.3), RFC 4571-framed ICE checks perhaps.
                        self.sides = [Side::default(); 2];
                    }
                }
                PduResult::NeedMore(n) => return incomplete(off, rest.len() + n),
                PduResult::Invalid => {
                    self.sides[dir.idx()].lost = true;
                }
            }
        }
        Parsed::Ok
    }

    fn find_framing(&self, dir: Dir, rest: &[u8]) -> Found {
        let other = self.sides[1 - dir.idx()].framing;
        if self.data_connection {
            return match detect_framing(Framing::Rfc4571, Transport::Tcp, rest) {
                Verdict::Found(_) => Found::At(0, Framing::Rfc4571),
                Verdict::NeedMore if rest.len() < 2 + 548 => Found::NeedMore,
                _ => Found::Data,
            };
        }
        // The server answers in the client's framing; pseudo-TLS continues in [MS-TURN]
        // TCP framing, which the PseudoTls framing reads too.
        if let Some(f) = other {
            if matches!(
                next_pdu(f, Transport::Tcp, rest),
                PduResult::Complete { .. }
            ) {
                if let Verdict::Found(_) | Verdict::NeedMore = verdict_in(f, rest) {
                    return Found::At(0, f);
                }
            }
        }
        match shared_port_verdict(rest) {
            Verdict::Found(d) => return Found::At(0, d.framing),
            Verdict::NeedMore if rest.len() < 1024 => return Found::NeedMore,
            _ => {}
        }
        // Lost: the next offset where a message in a known framing starts.
        for skip in 1..rest.len().min(RESYNC_SCAN) {
            if let Verdict::Found(d) = detect_verdict(Transport::Tcp, &rest[skip..]) {
                return Found::At(skip, d.framing);
            }
        }
        Found::Nothing
    }

    fn pdu(&mut self, dir: Dir, framing: Option<Framing>, pdu: &[u8], kind: PduKind) {
        match kind {
            PduKind::Stun { message, .. } => {
                let Some(m) = message.get(pdu) else {
                    return;
                };
                self.message(dir, framing, m);
            }
            PduKind::ChannelData { channel, data } => {
                let (offset, len) = (data.offset, data.len);
                if self.inner(dir, framing, pdu, offset, len, ("channel-data", channel)) {
                    return;
                }
                if self.config.data {
                    let t = self.new_tx();
                    t.data = Some((
                        "channel-data",
                        format!("ChannelData 0x{channel:04x} len={len}"),
                    ));
                    t.complete = true;
                }
            }
            PduKind::MultiplexedTurn { data, .. }
                if self.inner(
                    dir,
                    framing,
                    pdu,
                    data.offset,
                    data.len,
                    ("multiplexed-turn", 0xFF10),
                ) => {}
            PduKind::MsTurnData { data }
                if self.inner(
                    dir,
                    framing,
                    pdu,
                    data.offset,
                    data.len,
                    ("ms-turn-data", 0),
                ) => {}
            PduKind::MultiplexedTurn { data, .. }
            | PduKind::MsTurnData { data }
            | PduKind::Data { data, .. }
            | PduKind::Undecodable { data } => {
                let len = data.len;
                if self.config.data {
                    let key = framing.map_or("plain", |f| f.key());
                    let t = self.new_tx();
                    t.data = Some((key, format!("Data len={len}")));
                    t.complete = true;
                }
            }
            PduKind::TlsHello(_) => {}
        }
    }

    /// A STUN message relayed inside TURN (an ICE check through a channel): decoded as
    /// its own message, marked with its carrier. False when the data is not STUN.
    fn inner(
        &mut self,
        dir: Dir,
        framing: Option<Framing>,
        pdu: &[u8],
        offset: usize,
        len: usize,
        carrier: (&'static str, u16),
    ) -> bool {
        let Some(data) = pdu.get(offset..offset + len) else {
            return false;
        };
        if msstun::detect::detect(Transport::Udp, data).is_none_or(|d| d.dialect().is_none()) {
            return false;
        }
        self.message_in(dir, framing, data, Some(carrier));
        true
    }

    fn message(&mut self, dir: Dir, framing: Option<Framing>, bytes: &[u8]) {
        self.message_in(dir, framing, bytes, None)
    }

    fn message_in(
        &mut self,
        dir: Dir,
        framing: Option<Framing>,
        bytes: &[u8],
        carrier: Option<(&'static str, u16)>,
    ) {
        let msg = match Message::new_checked(bytes) {
            Ok(m) => m,
            Err(_) => {
                self.event(Event::MalformedMessage);
                return;
            }
        };
        self.messages += 1;
        let (desc, class) = msg.method_class();
        let mut tid = [0u8; 16];
        let t = msg.transaction_id();
        tid[..t.len().min(16)].copy_from_slice(&t[..t.len().min(16)]);
        let mut m = Msg {
            bytes: bytes.to_vec(),
            framing,
            dir,
            method: desc.code,
            class,
            dialect: msg.dialect(),
            error_code: None,
            tid,
            username: None,
            connection_id: None,
            carrier,
        };
        let bad_attrs = !read_attributes(&msg, bytes, &mut m);
        if m.method == method::CONNECTION_BIND
            && class == Class::SuccessResponse
            && !msg.dialect().is_ms_turn()
        {
            self.data_connection = true;
        }
        if m.method == method::CONNECTION_BIND && class == Class::Request {
            self.data_connection_id = m.connection_id.or(self.data_connection_id);
        }
        let tx = self.file(m, class);
        if bad_attrs {
            tx.raise(Event::MalformedAttributes);
        }
    }

    /// Files message `m` of `class` in its transaction: a response answers the latest
    /// unanswered request with its id (within the window), a request closes an earlier copy
    /// of itself, an indication stands alone.
    fn file(&mut self, m: Msg, class: Class) -> &mut Tx<X> {
        match class {
            Class::SuccessResponse | Class::ErrorResponse => {
                let tid = m.tid;
                let n = self.txs.len();
                let found = (n.saturating_sub(ANSWER_WINDOW as usize)..n)
                    .rev()
                    .find(|&i| {
                        let t = &self.txs[i];
                        t.response.is_none() && t.request.as_ref().is_some_and(|r| r.tid == tid)
                    });
                match found {
                    Some(i) => {
                        let t = &mut self.txs[i];
                        t.response = Some(m);
                        t.complete = true;
                        t.touched = true;
                        t
                    }
                    None => {
                        let t = self.new_tx();
                        t.response = Some(m);
                        t.complete = true;
                        t
                    }
                }
            }
            Class::Request => {
                // A retransmission: the earlier copy is closed (logged without a response),
                // the response will answer this one.
                let tid = m.tid;
                for t in self.txs.iter_mut().rev().take(ANSWER_WINDOW as usize) {
                    if !t.complete && t.request.as_ref().is_some_and(|r| r.tid == tid) {
                        t.complete = true;
                        t.touched = true;
                    }
                }
                let t = self.new_tx();
                t.request = Some(m);
                t
            }
            Class::Indication => {
                let t = self.new_tx();
                t.indication = Some(m);
                t.complete = true;
                t
            }
        }
    }
}

/// Reads what the log needs from `msg`'s attributes into `m` (ERROR-CODE, USERNAME's span in
/// `bytes`, CONNECTION-ID); false when the attribute list is malformed.
fn read_attributes(msg: &Message<&[u8]>, bytes: &[u8], m: &mut Msg) -> bool {
    let base = bytes.as_ptr() as usize;
    for a in msg.attributes() {
        let Ok(a) = a else {
            return false;
        };
        if let Some((code, _)) = a.error_code() {
            m.error_code = Some(code);
        }
        match a.name() {
            "USERNAME" => {
                let s = a.value.as_ptr() as usize - base;
                m.username = Some((s, s + a.value.len()));
            }
            "CONNECTION-ID" if a.value.len() == 4 => {
                m.connection_id = Some(u32::from_be_bytes([
                    a.value[0], a.value[1], a.value[2], a.value[3],
                ]));
            }
            _ => {}
        }
    }
    true
}

enum Found {
    At(usize, Framing),
    NeedMore,
    Data,
    Nothing,
}

fn verdict_in(f: Framing, rest: &[u8]) -> Verdict {
    match f {
        // After the hellos, pseudo-TLS is [MS-TURN] TCP framing.
        Framing::PseudoTls => match detect_framing(Framing::PseudoTls, Transport::Tcp, rest) {
            Verdict::No => detect_framing(Framing::MsTurnTcp, Transport::Tcp, rest),
            v => v,
        },
        f => detect_framing(f, Transport::Tcp, rest),
    }
}

fn incomplete(consumed: usize, needed: usize) -> Parsed {
    Parsed::Incomplete {
        consumed: consumed as u32,
        needed: needed as u32,
    }
}

/// Whether the first bytes of a flow (one datagram over UDP, the stream's start over TCP)
/// are STUN/TURN/MS-TURN: `Some(true)` yes, `Some(false)` no, `None` not yet known (TCP:
/// too few bytes).
pub fn probe(transport: Transport, buf: &[u8]) -> Option<bool> {
    match transport {
        Transport::Udp => Some(msstun::detect::detect(Transport::Udp, buf).is_some()),
        Transport::Tcp => match shared_port_verdict(buf) {
            Verdict::Found(_) => Some(true),
            Verdict::NeedMore => None,
            Verdict::No => Some(false),
        },
    }
}

/// Test helpers shared by the crate's tests.
#[cfg(test)]
pub(crate) mod tests_support {
    /// An RFC 5389 message of type `t`, transaction id bytes all `tid`.
    pub(crate) fn stun(t: u16, tid: u8, attrs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut v = vec![(t >> 8) as u8, t as u8, 0, 0, 0x21, 0x12, 0xA4, 0x42];
        v.extend_from_slice(&[tid; 12]);
        for (c, val) in attrs {
            v.extend_from_slice(&c.to_be_bytes());
            v.extend_from_slice(&(val.len() as u16).to_be_bytes());
            v.extend_from_slice(val);
            v.resize(v.len().div_ceil(4) * 4, 0);
        }
        let l = (v.len() - 20) as u16;
        v[2..4].copy_from_slice(&l.to_be_bytes());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::stun;
    use super::*;

    fn flow(t: Transport) -> FlowState<()> {
        FlowState::new(t, Config::default())
    }

    #[test]
    fn udp_request_response_one_tx() {
        let mut f = flow(Transport::Udp);
        let req = stun(0x0003, 1, &[(0x0006, b"alice")]);
        let err = stun(0x0113, 1, &[(0x0009, b"\0\0\x04\x03Forbidden")]);
        assert!(probe(Transport::Udp, &req) == Some(true));
        f.parse(Dir::ToServer, &req);
        assert!(!f.txs[0].complete);
        f.parse(Dir::ToClient, &err);
        assert_eq!(f.txs.len(), 1);
        let t = &f.txs[0];
        assert!(t.complete);
        assert_eq!(t.request.as_ref().unwrap().username(), Some(&b"alice"[..]));
        assert_eq!(t.response.as_ref().unwrap().error_code, Some(403));
        assert_eq!(t.response.as_ref().unwrap().class, Class::ErrorResponse);
        // RTP beside it: no tx, no event.
        f.parse(Dir::ToServer, &[0x80, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4]);
        assert_eq!(f.txs.len(), 1);
    }

    #[test]
    fn tcp_split_and_framed() {
        // RFC 4571 framing, the message split over two calls.
        let req = stun(0x0001, 2, &[]);
        let mut framed = (req.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&req);
        framed.extend_from_slice(&framed.clone());
        let mut f = flow(Transport::Tcp);
        assert_eq!(
            f.parse(Dir::ToServer, &framed[..10]),
            Parsed::Incomplete {
                consumed: 0,
                needed: 11
            }
        );
        assert_eq!(
            f.parse(Dir::ToServer, &framed[..30]),
            Parsed::Incomplete {
                consumed: 22,
                needed: 22
            }
        );
        assert_eq!(f.parse(Dir::ToServer, &framed[22..]), Parsed::Ok);
        assert_eq!(f.txs.len(), 2);
        assert_eq!(
            f.txs[1].request.as_ref().unwrap().framing,
            Some(Framing::Rfc4571)
        );
    }

    #[test]
    fn garbage_in_tcp_is_an_event_then_resync() {
        let mut f = flow(Transport::Tcp);
        let req = stun(0x0001, 3, &[]);
        let mut b = req.clone();
        f.parse(Dir::ToServer, &b);
        b = vec![0xee; 37];
        b.extend_from_slice(&req);
        f.parse(Dir::ToServer, &b);
        let evs: Vec<u8> = f.txs.iter().map(|t| t.events).collect();
        assert_eq!(evs, [0, 1 << Event::UndecodableStream as u8, 0]);
        assert_eq!(f.messages, 2);
    }

    #[test]
    fn malformed_udp_message_is_an_event() {
        let mut f = flow(Transport::Udp);
        let mut m = stun(0x0001, 4, &[(0x0006, b"bob")]);
        m[2..4].copy_from_slice(&[0, 200]); // length beyond the datagram
        f.parse(Dir::ToServer, &m);
        assert_eq!(f.txs.len(), 1);
        assert_eq!(f.txs[0].events, 1 << Event::MalformedMessage as u8);
    }

    #[test]
    fn connection_bind_makes_a_data_connection() {
        let mut f = flow(Transport::Tcp);
        let bind = stun(0x000b, 5, &[(0x002a, &[0, 0, 0, 9])]);
        let ok = stun(0x010b, 5, &[]);
        f.parse(Dir::ToServer, &bind);
        f.parse(Dir::ToClient, &ok);
        assert!(f.is_data_connection());
        assert_eq!(f.data_connection_id, Some(9));
        assert_eq!(f.txs[0].connection_id(), Some(9));
        // Peer data after it: no event, no transaction.
        assert_eq!(
            f.parse(Dir::ToServer, b"GET / HTTP/1.1\r\n\r\n"),
            Parsed::Ok
        );
        // An RFC 4571-framed ICE check inside it is decoded.
        let chk = stun(0x0001, 6, &[]);
        let mut framed = (chk.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&chk);
        f.parse(Dir::ToClient, &framed);
        assert_eq!(f.txs.len(), 2);
        assert!(f.txs[1].on_data_connection);
        assert!(f.txs.iter().all(|t| t.events == 0));
    }

    #[test]
    fn stun_inside_channel_data_is_a_message() {
        let mut f = flow(Transport::Udp);
        let chk = stun(0x0001, 7, &[(0x0006, b"a:b")]);
        let mut cd = vec![0x40, 0x00, 0, chk.len() as u8];
        cd.extend_from_slice(&chk);
        f.parse(Dir::ToServer, &cd);
        assert_eq!(f.messages, 1);
        let m = f.txs[0].request.as_ref().unwrap();
        assert_eq!(m.carrier, Some(("channel-data", 0x4000)));
        assert_eq!(m.username(), Some(&b"a:b"[..]));
        // Media in a channel is not.
        f.parse(Dir::ToServer, &[0x40, 0x00, 0, 4, 0x80, 0, 0, 1]);
        assert_eq!(f.txs.len(), 1);
    }

    #[test]
    fn a_retransmitted_request_closes_the_first_copy() {
        let mut f = flow(Transport::Udp);
        let req = stun(0x0001, 8, &[]);
        f.parse(Dir::ToServer, &req);
        f.parse(Dir::ToServer, &req);
        f.parse(Dir::ToClient, &stun(0x0101, 8, &[]));
        assert_eq!(f.txs.len(), 2);
        assert!(f.txs[0].complete && f.txs[0].response.is_none());
        assert!(f.txs[1].complete && f.txs[1].response.is_some());
    }

    #[test]
    fn unanswered_requests_are_closed_later() {
        let mut f = flow(Transport::Udp);
        for i in 0..(ANSWER_WINDOW as u8 + 2) {
            f.parse(Dir::ToServer, &stun(0x0001, i, &[]));
        }
        assert!(f.txs[0].complete && !f.txs.back().unwrap().complete);
        f.eof();
        assert!(f.txs.iter().all(|t| t.complete));
    }
}
