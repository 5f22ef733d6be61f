//! Capture-file state, without Wireshark: per-flow framing, transactions, allocations and
//! the RFC 6062 links between control and data connections.
//!
//! The always-on core the dissector needs, with the session analysis ([`crate::Analysis`])
//! on top, in one [`State`]. The dissector reports each decoded message with where it was
//! seen ([`At`]); [`State::record_and_read`] records what the message teaches (first pass
//! only: frames not yet visited) and answers what the tree shows ([`Seen`]), so a frame
//! re-dissected in any order shows the same tree. The plugin keeps one `State` per capture
//! file (cleared when Wireshark opens a new file); the session fuzz target drives it too.
//! Unit-tested here, with messages made by the parser's encoder.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;

use msstun::framing::Framing;
use msstun::stream::{Decoded, DecodedKind};

pub use crate::feed::Input;
use crate::{Answer, Observation};
mod conns;
mod record;
mod txns;

pub use conns::{ConnKey, Connection, Connections};
pub use record::{At, Origins, Seen, Txn};
pub use txns::{Tid, Transactions};

/// A small, fast multiplicative hasher for the plugin's own integer/byte keys
/// (the keys come from one capture file; no HashDoS concern).
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(n as u64);
    }
    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(n as u64);
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Hash maps keyed by frame numbers, conversation ids and transaction ids.
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A transport address from an address attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr {
    /// IP address.
    pub ip: IpAddr,
    /// Port.
    pub port: u16,
}

/// One STUN transaction (keyed by conversation and transaction id; see [`Transactions`]).
#[derive(Debug, Clone, Default)]
pub struct Transaction {
    /// First frame carrying the request.
    pub request_frame: u32,
    /// Absolute time of the request (seconds, nanoseconds).
    pub request_time: (i64, i32),
    /// First frame carrying a response.
    pub response_frame: Option<u32>,
    /// What only some requests carry (boxed, so that the common entry stays small).
    pub extra: Option<Box<Extra>>,
    /// Its flow (see [`Transactions`]).
    flow: u64,
    /// The analysis's open request under this id (slab index + 1; 0: none) and whether the
    /// entry holds no core transaction (see [`Transactions`]).
    slot: u32,
}

impl Transaction {
    /// USERNAME of the request.
    #[inline]
    pub fn username(&self) -> Option<&str> {
        self.extra.as_ref()?.username.as_deref()
    }
    /// REALM of the request.
    pub fn realm(&self) -> Option<&str> {
        self.extra.as_ref()?.realm.as_deref()
    }
    /// XOR-PEER-ADDRESS of a Connect request.
    pub fn peer(&self) -> Option<Addr> {
        self.extra.as_ref()?.peer
    }
}

/// The parts of a request only some requests have.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// USERNAME, to check the response's integrity (kept only with credentials configured).
    pub username: Option<String>,
    /// REALM, likewise.
    pub realm: Option<String>,
    /// XOR-PEER-ADDRESS of a Connect request (RFC 6062 §4.3), for its success response.
    pub peer: Option<Addr>,
}

/// The control-connection message that announces an RFC 6062 connection: a
/// ConnectionAttempt indication (peer-initiated, RFC 6062 §4.4) or a Connect success
/// response (client-initiated, §4.3).
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    /// Frame of the ConnectionAttempt indication or Connect success response.
    pub frame: u32,
    /// Its conversation.
    pub conv: u64,
    /// XOR-PEER-ADDRESS (of the indication, or of the Connect request).
    pub peer: Option<Addr>,
    /// Frame of the ConnectionBind request naming it.
    pub bind_frame: Option<u32>,
    /// Frame of the ConnectionBind success response.
    pub bound_frame: Option<u32>,
}

/// State of an RFC 6062 data connection.
#[derive(Debug, Clone, Copy)]
pub struct DataConn {
    /// CONNECTION-ID.
    pub connection_id: u32,
    /// The TURN server's IP address (with the id, the key of its [`Connection`]).
    pub server: IpAddr,
    /// Frame of the ConnectionBind request.
    pub bind_frame: u32,
    /// Frame of the success response: later frames are data.
    pub bound_frame: Option<u32>,
}

/// What is known about one conversation.
#[derive(Debug, Clone, Default)]
pub struct Conv {
    /// Allocate success response frame and relayed address.
    pub allocation: Option<(u32, Option<Addr>)>,
    /// RFC 6062 data connection state (boxed: few flows are data connections).
    pub data: Option<Box<DataConn>>,
    /// The frame that got this flow's one "not STUN" note (the first payload that was not).
    pub not_stun_note: Option<u32>,
    /// The first frame that showed SRTP to be the rule on this flow (an ICE check with
    /// MESSAGE-INTEGRITY, DTLS, a Microsoft dialect): its RTP is then shown as SRTP.
    pub srtp_from: Option<u32>,
    /// The first frame that carried a DTLS record header (`msstun::media::DtlsRecord::Plain`)
    /// on this flow: DTLS 1.3 records with a connection id are DTLS from then on.
    pub dtls_from: Option<u32>,
}

/// The whole state.
#[derive(Debug, Default)]
pub struct State {
    /// Per flow: TCP conversation index or UDP 5-tuple hash (see the plugin's `plugin::flow::flow_id`).
    pub convs: FastMap<u64, Conv>,
    /// Per flow: the framing detected on its first STUN PDU. Apart from [`State::convs`], so
    /// that a flow that only carries STUN has no [`Conv`]: the per-message look-up of
    /// `convs` is then that of an absent key (of an empty map, when no flow has more).
    pub framings: FastMap<u64, Framing>,
    /// Frames that retransmit a request: frame → original frame.
    pub retransmissions: FastMap<u32, u32>,
    /// Allocations and ICE candidate pairs across the capture (`msstun_analysis`).
    pub analysis: crate::Analysis,
    /// `analysis.finish` was called (at the first frame of a later pass).
    pub analysis_finished: bool,
    /// Per (flow, attribute type): the frame that got the one "unknown
    /// comprehension-required attribute" note of that flow.
    pub unknown_required: FastMap<(u64, u16), u32>,
    /// A live state ([`State::live`]): nothing is read again, so transactions are pruned.
    live: Option<Box<Live>>,
}

/// Open transactions a live state keeps at most (the oldest go first beyond it).
pub const LIVE_TRANSACTIONS: usize = 1 << 16;

/// Key of a transaction: its flow and the 16 bytes after the length field.
pub type TxnKey = (u64, [u8; 16]);

/// What a live state keeps to prune its transactions: the open requests in order.
#[derive(Debug, Default)]
struct Live {
    /// (request time, key) of each transaction, oldest first.
    order: std::collections::VecDeque<((i64, i32), TxnKey)>,
}

/// What [`State::feed`] answers: what the tree shows of the core (for a message) and the
/// session analysis's answer (when it was fed: an observation, not an ICMP quote).
pub struct Fed {
    /// The core's view of the message (empty for a relayed payload).
    pub seen: Seen,
    /// The analysis's answer (first pass: observed; later passes: answered as of the frame).
    pub answer: Option<Answer>,
}

impl State {
    /// The transactions (held by the analysis, which keeps its open requests in them).
    #[inline]
    pub fn transactions(&self) -> &Transactions {
        &self.analysis.pending.txns
    }

    /// The RFC 6062 connections (held by the analysis, which keeps its data connections in
    /// them).
    #[inline]
    pub fn connections(&self) -> &Connections {
        &self.analysis.conns
    }

    /// A state for a live feeder that never reads a frame again (the relay, a replay): a
    /// transaction is forgotten once answered (after what its response teaches, such as a
    /// Connect's peer, is recorded), after [`crate::TRANSACTION_TIMEOUT`] unanswered, and
    /// beyond [`LIVE_TRANSACTIONS`] open ones; retransmissions are not kept. The
    /// dissector's state ([`State::default`]) keeps every transaction: a later pass reads
    /// them again.
    pub fn live() -> Self {
        State {
            live: Some(Box::default()),
            ..State::default()
        }
    }

    /// Whether this is a [`State::live`] state.
    pub fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// Prune a live state's transactions as of `now` (see [`State::live`]).
    fn prune(&mut self, now: (i64, i32)) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let txns = &mut self.analysis.pending.txns;
        let timeout = crate::TRANSACTION_TIMEOUT as i64;
        while let Some(&(t, key)) = live.order.front() {
            let expired = (t.0 + timeout, t.1) <= now;
            if !expired && txns.len() <= LIVE_TRANSACTIONS {
                break;
            }
            live.order.pop_front();
            txns.forget_if(key.0, &key.1, |x| x.request_time != t);
        }
        if live.order.len() > 2 * LIVE_TRANSACTIONS.max(txns.len()) {
            // Answered transactions left their places behind: drop those.
            live.order
                .retain(|(t, k)| txns.get(k.0, &k.1).is_some_and(|x| x.request_time == *t));
        }
    }

    /// The one way into the state: one message or relayed payload seen `at` (at time
    /// `now`), observed as `obs` (`None`: the session analysis does not take it). A message
    /// is recorded in the core ([`State::record_and_read`]: transactions, allocation,
    /// RFC 6062 links; `names`: keep the requests' USERNAME and REALM) and observed by the
    /// analysis on the first pass; on a later pass (`at.visited`) nothing is recorded and
    /// the analysis — finished at the first later frame — answers as of the frame. A quoted
    /// message (ICMP error) counts on its flow's allocation; a relayed payload is counted
    /// on the first pass. The dissector, the tap tables and [`State::feed_decoded`] (relay,
    /// replay, fuzz target) all feed this way.
    #[inline]
    pub fn feed(
        &mut self,
        at: At,
        now: (i64, i32),
        obs: Option<&Observation>,
        input: Input<'_, '_>,
        names: bool,
    ) -> Fed {
        match input {
            Input::Message(msg) => {
                // Built in place: the core's view is written into the answer, not moved
                // there (a copy of ~200 bytes a message).
                let mut fed = Fed {
                    seen: self.record_and_read(&at, msg, now, names),
                    answer: None,
                };
                fed.answer = obs.map(|o| {
                    if at.visited {
                        self.finish();
                        self.analysis.answer(o, msg)
                    } else {
                        self.analysis.observe(o, msg)
                    }
                });
                fed
            }
            Input::Quoted(msg) => {
                let seen = self.record_and_read(&at, msg, now, names);
                if let Some(o) = obs.filter(|_| !at.visited) {
                    self.analysis.observe_icmp_error(o, msg);
                }
                Fed { seen, answer: None }
            }
            Input::Relayed(len) => Fed {
                seen: Seen::default(),
                answer: obs
                    .filter(|_| !at.visited)
                    .map(|o| self.analysis.observe_relayed(o, len)),
            },
        }
    }

    /// [`State::feed`] of `packets` relayed payloads (`bytes` in all) seen one after another
    /// with `obs` (frames `obs.frame` onward), in one call: the same as feeding each as
    /// [`Input::Relayed`] (every payload counted, each finding raised at the first). The
    /// relay feeds the payloads of one read this way. Nothing on a later pass.
    pub fn feed_relayed_run(
        &mut self,
        at: At,
        obs: &Observation,
        packets: u32,
        bytes: u64,
    ) -> Option<Answer> {
        (!at.visited).then(|| self.analysis.observe_relayed_run(obs, packets, bytes))
    }

    /// Finish the analysis once (end of the capture; at the latest at the first frame of a
    /// later pass, so that the end-of-capture conclusions show on every frame).
    pub fn finish(&mut self) {
        if !self.analysis_finished {
            self.analysis.finish(None);
            self.analysis_finished = true;
        }
    }

    /// Feed one item the shared stream decoder ([`msstun::stream::ConnectionDecoder`]) cut
    /// on the flow of `at`, seen as `obs`: the messages and relayed payloads it brings
    /// ([`crate::feed::walk`]) go to [`State::feed`], and the flow's framing is kept when
    /// the decoder knew it. `data_connection`: the connection was an RFC 6062 data
    /// connection before this item. `names`: keep the requests' USERNAME and REALM.
    /// `each` sees every input fed with its observation and answer. Returns the core's view
    /// of the item's own message.
    pub fn feed_decoded<'m>(
        &mut self,
        at: At,
        obs: &Observation,
        item: &Decoded<'m>,
        data_connection: bool,
        names: bool,
        mut each: impl FnMut(&Observation, Input<'_, 'm>, &Answer),
    ) -> Option<Seen> {
        if matches!(item.kind, DecodedKind::Stun { .. }) && !data_connection {
            if let Some(f) = item.framing {
                self.framings.entry(at.flow).or_insert(f);
            }
        }
        let secs = obs.time.floor();
        let now = (secs as i64, ((obs.time - secs) * 1e9) as i32);
        let mut first = None;
        // A data connection's payloads are carried by it, named by its CONNECTION-ID.
        let dc = data_connection.then(|| crate::Carried {
            connection: self
                .convs
                .get(&at.flow)
                .and_then(|c| c.data.as_deref())
                .map(|d| d.connection_id),
            ..crate::Carrier::DataConnection.into()
        });
        crate::feed::walk(obs, item, dc, |o, input| {
            let fed = self.feed(at, now, Some(o), input, names);
            if first.is_none() && !matches!(input, Input::Relayed(_)) {
                first = Some(fed.seen);
            }
            if let Some(a) = &fed.answer {
                each(o, input, a);
            }
        });
        first
    }
}

/// Key of a transaction: the 16 bytes after the length field.
#[inline]
pub fn txid_key(header: &[u8]) -> [u8; 16] {
    let mut k = [0u8; 16];
    if header.len() >= 20 {
        k.copy_from_slice(&header[4..20]);
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txid_key_is_bytes_4_to_20() {
        let h: Vec<u8> = (0u8..20).collect();
        assert_eq!(txid_key(&h), <[u8; 16]>::try_from(&h[4..20]).unwrap());
        assert_eq!(txid_key(&h[..10]), [0u8; 16]);
    }

    #[test]
    fn fast_map_works_with_tuple_keys() {
        let mut m: FastMap<(u64, [u8; 16]), u32> = FastMap::default();
        for i in 0..1000u64 {
            let mut t = [0u8; 16];
            t[..8].copy_from_slice(&i.to_be_bytes());
            m.insert((i % 7, t), i as u32);
        }
        assert_eq!(m.len(), 1000);
        let mut t = [0u8; 16];
        t[..8].copy_from_slice(&500u64.to_be_bytes());
        assert_eq!(m.get(&(500 % 7, t)), Some(&500));
    }

    #[test]
    fn a_live_state_forgets_answered_expired_and_surplus_transactions() {
        use msstun::build::MessageBuilder;
        use msstun::{Class, Dialect, Message};
        let bytes = |class, tid: u32| {
            let mut t = [0u8; 12];
            t[..4].copy_from_slice(&tid.to_be_bytes());
            MessageBuilder::new(Dialect::Rfc5389, 1, class, &t).finish()
        };
        let see = |s: &mut State, frame: u32, secs: i64, b: &[u8]| {
            let at = At {
                flow: 1,
                frame,
                visited: false,
                ends: None,
            };
            let m = Message::new_checked(b).unwrap();
            s.record_and_read(&at, &m, (secs, 0), false)
        };
        for live in [false, true] {
            let mut s = if live {
                State::live()
            } else {
                State::default()
            };
            assert_eq!(s.is_live(), live);
            see(&mut s, 1, 0, &bytes(Class::Request, 1));
            see(&mut s, 2, 0, &bytes(Class::Request, 1));
            let ok = see(&mut s, 3, 0, &bytes(Class::SuccessResponse, 1));
            // The response still reads its request.
            assert_eq!(ok.txn.map(|t| t.0), Some(1));
            see(&mut s, 4, 10, &bytes(Class::Request, 2));
            // Answered: gone from a live state; the open one stays until it times out.
            assert_eq!(s.transactions().len(), if live { 1 } else { 2 });
            assert_eq!(s.retransmissions.len(), if live { 0 } else { 1 });
            see(&mut s, 5, 49, &bytes(Class::Request, 3));
            assert_eq!(s.transactions().len(), if live { 2 } else { 3 });
            see(&mut s, 6, 50, &bytes(Class::Indication, 4));
            assert_eq!(s.transactions().len(), if live { 1 } else { 3 });
        }
        // Beyond the bound the oldest open ones go.
        let mut s = State::live();
        for i in 0..LIVE_TRANSACTIONS as u32 + 10 {
            see(&mut s, i + 1, 0, &bytes(Class::Request, i));
        }
        assert_eq!(s.transactions().len(), LIVE_TRANSACTIONS);
        assert!(s.live.as_ref().unwrap().order.len() <= 2 * LIVE_TRANSACTIONS);
    }

    #[test]
    fn feed_decoded_records_the_core_and_feeds_the_analysis() {
        use msstun::build::MessageBuilder;
        use msstun::framing::Transport;
        use msstun::stream::{ConnectionDecoder, Direction};
        use msstun::{Class, Dialect};
        let (c, srv) = (
            "192.0.2.1:40000".parse().unwrap(),
            "198.51.100.1:3478".parse().unwrap(),
        );
        let relayed: std::net::SocketAddr = "198.51.100.1:49152".parse().unwrap();
        let req = MessageBuilder::new(Dialect::Rfc5389, 3, Class::Request, &[1; 12]).finish();
        let ok = MessageBuilder::new(Dialect::Rfc5389, 3, Class::SuccessResponse, &[1; 12])
            .xor_address(0x0016, relayed)
            .finish();
        let mut s = State::default();
        let mut dec = ConnectionDecoder::new(Transport::Tcp);
        for (frame, dir, bytes) in [
            (1, Direction::ClientToServer, &req),
            (2, Direction::ServerToClient, &ok),
        ] {
            dec.push(dir, bytes);
            let (src, dst) = if frame == 1 { (c, srv) } else { (srv, c) };
            let obs = crate::Observation::direct(frame, 1.5, Transport::Tcp, src, dst);
            let at = At {
                flow: 7,
                frame,
                visited: false,
                ends: Some((src, dst)),
            };
            let item = dec.pop(dir).unwrap();
            let seen = s
                .feed_decoded(at, &obs, &item, false, false, |_, _, _| {})
                .unwrap();
            assert_eq!(seen.txn.map(|t| (t.0, t.1)), Some((1, (1, 500_000_000))));
        }
        let conv = &s.convs[&7];
        assert_eq!(
            conv.allocation.map(|(f, a)| (f, a.map(|a| a.port))),
            Some((2, Some(49152)))
        );
        assert!(s.framings.contains_key(&7));
        assert_eq!(s.transactions().len(), 1);
        let r = s.analysis.report();
        assert_eq!(r.allocations.len(), 1);
        assert_eq!(
            r.allocations[0].relayed.as_deref(),
            Some("198.51.100.1:49152")
        );
    }

    #[test]
    fn a_data_connections_payloads_are_carried_by_its_connection_id() {
        use msstun::build::MessageBuilder;
        use msstun::framing::Transport;
        use msstun::stream::{ConnectionDecoder, Direction};
        use msstun::{Class, Dialect};
        let (c, srv) = (
            "192.0.2.1:40001".parse().unwrap(),
            "198.51.100.1:3478".parse().unwrap(),
        );
        let bind = MessageBuilder::new(Dialect::Rfc5389, 0x000b, Class::Request, &[2; 12])
            .attr_u32(0x002a, 0x1234_5678)
            .finish();
        let ok = MessageBuilder::new(Dialect::Rfc5389, 0x000b, Class::SuccessResponse, &[2; 12])
            .finish();
        let mut s = State::live();
        let mut dec = ConnectionDecoder::new(Transport::Tcp);
        let mut seen = Vec::new();
        for (frame, dir, bytes) in [
            (1, Direction::ClientToServer, &bind[..]),
            (2, Direction::ServerToClient, &ok[..]),
            (3, Direction::ClientToServer, &[0, 4, 1, 2, 3, 4][..]),
        ] {
            let dc = dec.is_data_connection();
            dec.push(dir, bytes);
            let (src, dst) = if dir == Direction::ClientToServer {
                (c, srv)
            } else {
                (srv, c)
            };
            let obs = crate::Observation::direct(frame, 1.0, Transport::Tcp, src, dst);
            let at = At {
                flow: 9,
                frame,
                visited: false,
                ends: Some((src, dst)),
            };
            let item = dec.pop(dir).unwrap();
            s.feed_decoded(at, &obs, &item, dc, false, |o, _, _| seen.push(o.carrier));
        }
        let last = seen.last().unwrap();
        assert_eq!(last.carrier, crate::Carrier::DataConnection);
        assert_eq!(last.connection, Some(0x1234_5678));
    }
}
