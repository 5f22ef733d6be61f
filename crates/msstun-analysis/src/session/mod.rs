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
mod record;

pub use record::{At, Origins, Seen, Txn};

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

/// One STUN transaction (keyed by conversation and transaction id).
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
    /// Frame of the ConnectionBind request.
    pub bind_frame: u32,
    /// Frame of the success response: later frames are data.
    pub bound_frame: Option<u32>,
}

/// What is known about one conversation.
#[derive(Debug, Clone, Default)]
pub struct Conv {
    /// Framing detected on the first STUN PDU.
    pub framing: Option<Framing>,
    /// Allocate success response frame and relayed address.
    pub allocation: Option<(u32, Option<Addr>)>,
    /// RFC 6062 data connection state.
    pub data: Option<DataConn>,
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
    /// Per flow: TCP conversation index or UDP 5-tuple hash (see `epan::Packet::flow_id`).
    pub convs: FastMap<u64, Conv>,
    /// Per (conversation, transaction id).
    pub transactions: FastMap<(u64, [u8; 16]), Transaction>,
    /// Frames that retransmit a request: frame → original frame.
    pub retransmissions: FastMap<u32, u32>,
    /// ConnectionAttempts by CONNECTION-ID.
    pub attempts: FastMap<u32, Attempt>,
    /// Connect success responses by CONNECTION-ID.
    pub connects: FastMap<u32, Attempt>,
    /// Allocations and ICE candidate pairs across the capture (`msstun_analysis`).
    pub analysis: crate::Analysis,
    /// `analysis.finish` was called (at the first frame of a later pass).
    pub analysis_finished: bool,
    /// Per (flow, attribute type): the frame that got the one "unknown
    /// comprehension-required attribute" note of that flow.
    pub unknown_required: FastMap<(u64, u16), u32>,
}

impl State {
    /// Feed one item the shared stream decoder ([`msstun::stream::ConnectionDecoder`]) cut
    /// on the flow of `at`, seen as `obs`: a STUN message is recorded in the core
    /// ([`State::record_and_read`]: transactions, allocation, RFC 6062 links; the flow's
    /// framing when the decoder knew it), and the item with whatever it carries goes to the
    /// analysis by the rules of [`crate::feed::feed_decoded`]. `data_connection`: the
    /// connection was an RFC 6062 data connection before this item. `names`: keep the
    /// requests' USERNAME and REALM. The relay-side callers (replay, fuzz target) use this
    /// one entry; the dissector calls the two parts itself, per PDU.
    pub fn feed_decoded(
        &mut self,
        at: At,
        obs: &crate::Observation,
        item: &Decoded<'_>,
        data_connection: bool,
        names: bool,
    ) -> Option<Seen> {
        let seen = match item.kind {
            DecodedKind::Stun { message, .. } if !data_connection => {
                let c = self.convs.entry(at.flow).or_default();
                if c.framing.is_none() {
                    c.framing = item.framing;
                }
                let m = msstun::Message::new_checked(message).ok()?;
                let secs = obs.time.floor();
                let now = (secs as i64, ((obs.time - secs) * 1e9) as i32);
                Some(self.record_and_read(at, &m, now, names))
            }
            _ => None,
        };
        if !at.visited {
            crate::feed::feed_decoded(&mut self.analysis, obs, item, data_connection, |_| {});
        }
        seen
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
            };
            let item = dec.pop(dir).unwrap();
            let seen = s.feed_decoded(at, &obs, &item, false, false).unwrap();
            assert_eq!(seen.txn.map(|t| (t.0, t.1)), Some((1, (1, 500_000_000))));
        }
        let conv = &s.convs[&7];
        assert_eq!(
            conv.allocation.map(|(f, a)| (f, a.map(|a| a.port))),
            Some((2, Some(49152)))
        );
        assert!(conv.framing.is_some());
        assert_eq!(s.transactions.len(), 1);
        let r = s.analysis.report();
        assert_eq!(r.allocations.len(), 1);
        assert_eq!(
            r.allocations[0].relayed.as_deref(),
            Some("198.51.100.1:49152")
        );
    }
}
