//! Feed an [`Analysis`] from a capture file (pcap or pcapng; Ethernet, raw IP or Linux
//! cooked link layers): per flow the shared [`msstun::stream::ConnectionDecoder`] cuts
//! STUN, ChannelData and RFC 6062 data-connection bytes, and each item is fed the way the
//! crate README's feeding rules say — the same rules the plugin and the relay follow.
//!
//! TCP is reassembled per direction in sequence order as far as a capture on one host
//! needs (retransmitted bytes are dropped, a gap is skipped); a SYN on a known 4-tuple
//! starts a new connection, and `tcp_stream` counts connections in order of first packet,
//! as Wireshark's `tcp.stream` does.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use etherparse::{NetSlice, SlicedPacket, TcpSlice, TransportSlice};
use msstun::framing::Transport;
use msstun::stream::{ConnectionDecoder, Direction};
use msstun::Message;
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};
use pcap_file::DataLink;

use crate::feed::Input;
use crate::session::{At, State};
use crate::{Analysis, Answer, Observation};

/// What one replayed item was.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    /// A STUN message (observed with [`Analysis::observe`]).
    Stun(&'a Message<&'a [u8]>),
    /// A relayed payload of this many bytes (observed with [`Analysis::observe_relayed`]).
    Relayed(usize),
}

/// Counters of a replay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets read.
    pub packets: u64,
    /// STUN messages observed (including those inside relayed data).
    pub messages: u64,
    /// Relayed payloads observed.
    pub relayed: u64,
}

struct Flow {
    /// The flow key of the state ([`At::flow`]).
    id: u64,
    client: SocketAddr,
    transport: Transport,
    stream: Option<u32>,
    dec: ConnectionDecoder,
    next_seq: [Option<u32>; 2],
    closed: bool,
}

/// Replays packets into an [`Analysis`].
pub struct Replayer<'f> {
    flows: HashMap<(u8, SocketAddr, SocketAddr), Flow>,
    next_flow: u64,
    next_stream: u32,
    frame: u32,
    /// A FIN that carried payload: closed after feeding it.
    pending_close: Option<(u32, f64, SocketAddr, SocketAddr)>,
    /// Counters so far.
    pub stats: Stats,
    #[allow(clippy::type_complexity)]
    on_item: Option<Box<dyn FnMut(&Observation, Item<'_>, &Answer) + 'f>>,
}

impl Default for Replayer<'_> {
    fn default() -> Self {
        Self::new()
    }
}

fn canon(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl<'f> Replayer<'f> {
    /// A replayer with no flows.
    pub fn new() -> Self {
        Replayer {
            flows: HashMap::new(),
            next_flow: 0,
            next_stream: 0,
            frame: 0,
            pending_close: None,
            stats: Stats::default(),
            on_item: None,
        }
    }

    /// Call `f` with every observation, what it was and the analysis's answer.
    pub fn on_item(mut self, f: impl FnMut(&Observation, Item<'_>, &Answer) + 'f) -> Self {
        self.on_item = Some(Box::new(f));
        self
    }

    /// Read a whole pcap or pcapng file (bytes) into the state `an`; then
    /// [`State::finish`].
    pub fn replay(&mut self, file: &[u8], an: &mut State) -> Result<Stats, String> {
        if file.len() >= 4 && file[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
            let mut r = PcapNgReader::new(file).map_err(|e| e.to_string())?;
            let mut links: Vec<DataLink> = Vec::new();
            while let Some(b) = r.next_block() {
                match b.map_err(|e| e.to_string())? {
                    Block::InterfaceDescription(i) => links.push(i.linktype),
                    Block::EnhancedPacket(p) => {
                        let link = links
                            .get(p.interface_id as usize)
                            .copied()
                            .unwrap_or(DataLink::ETHERNET);
                        self.packet(an, link, p.timestamp.as_secs_f64(), &p.data);
                    }
                    _ => {}
                }
            }
        } else {
            let mut r = PcapReader::new(file).map_err(|e| e.to_string())?;
            let link = r.header().datalink;
            while let Some(p) = r.next_packet() {
                let p = p.map_err(|e| e.to_string())?;
                self.packet(an, link, p.timestamp.as_secs_f64(), &p.data);
            }
        }
        an.finish();
        Ok(self.stats)
    }

    /// One captured packet at time `ts` (seconds).
    pub fn packet(&mut self, an: &mut State, link: DataLink, ts: f64, data: &[u8]) {
        self.frame += 1;
        self.stats.packets += 1;
        let sliced = match link {
            DataLink::ETHERNET => SlicedPacket::from_ethernet(data),
            DataLink::LINUX_SLL => SlicedPacket::from_linux_sll(data),
            _ => SlicedPacket::from_ip(data),
        };
        let Ok(p) = sliced else { return };
        let (sip, dip): (IpAddr, IpAddr) = match &p.net {
            Some(NetSlice::Ipv4(v4)) => (
                v4.header().source_addr().into(),
                v4.header().destination_addr().into(),
            ),
            Some(NetSlice::Ipv6(v6)) => (
                v6.header().source_addr().into(),
                v6.header().destination_addr().into(),
            ),
            _ => return,
        };
        match &p.transport {
            Some(TransportSlice::Udp(u)) => {
                let src = SocketAddr::new(sip, u.source_port());
                let dst = SocketAddr::new(dip, u.destination_port());
                self.udp(an, ts, src, dst, u.payload());
            }
            Some(TransportSlice::Tcp(t)) => {
                let src = SocketAddr::new(sip, t.source_port());
                let dst = SocketAddr::new(dip, t.destination_port());
                self.tcp(an, ts, src, dst, t);
            }
            _ => {}
        }
    }

    /// One UDP datagram.
    fn udp(&mut self, an: &mut State, ts: f64, src: SocketAddr, dst: SocketAddr, payload: &[u8]) {
        let (x, y) = canon(src, dst);
        let next = &mut self.next_flow;
        let flow = self.flows.entry((0, x, y)).or_insert_with(|| Flow {
            id: {
                *next += 1;
                *next
            },
            client: src,
            transport: Transport::Udp,
            stream: None,
            dec: ConnectionDecoder::new(Transport::Udp),
            next_seq: [None; 2],
            closed: false,
        });
        let dir = if src == flow.client { 0 } else { 1 };
        feed(
            flow,
            dir,
            src,
            dst,
            ts,
            self.frame,
            payload,
            an,
            &mut self.stats,
            &mut self.on_item,
        );
    }

    /// The connection of a TCP segment: a SYN on a known 4-tuple starts a new one (a
    /// retransmitted SYN keeps its connection), as does a first segment.
    fn tcp_flow(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        t: &TcpSlice<'_>,
    ) -> (u8, SocketAddr, SocketAddr) {
        let (x, y) = canon(src, dst);
        let key = (1, x, y);
        let syn = t.syn() && !t.ack();
        if syn || !self.flows.contains_key(&key) {
            let known = self.flows.get(&key);
            // A retransmitted SYN keeps its connection.
            let same = known.is_some_and(|f| {
                f.client == src && f.next_seq[0] == Some(t.sequence_number().wrapping_add(1))
            });
            if !same {
                let stream = self.next_stream;
                self.next_stream += 1;
                self.next_flow += 1;
                self.flows.insert(
                    key,
                    Flow {
                        id: self.next_flow,
                        client: src,
                        transport: Transport::Tcp,
                        stream: Some(stream),
                        dec: ConnectionDecoder::new(Transport::Tcp),
                        next_seq: [None; 2],
                        closed: false,
                    },
                );
            }
        }
        key
    }

    /// One TCP segment: its connection, the bytes not fed before, FIN and RST.
    fn tcp(&mut self, an: &mut State, ts: f64, src: SocketAddr, dst: SocketAddr, t: &TcpSlice<'_>) {
        let key = self.tcp_flow(src, dst, t);
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        if (t.fin() || t.rst()) && !flow.closed {
            flow.closed = true;
            // After this packet's payload (a FIN can carry the last bytes).
            let (frame, payload) = (self.frame, t.payload().is_empty());
            if payload {
                an.analysis.tcp_closed(frame, ts, src, dst);
                return;
            }
            self.pending_close = Some((frame, ts, src, dst));
        }
        let dir = if src == flow.client { 0 } else { 1 };
        let Some(payload) = unseen(flow, dir, t) else {
            return;
        };
        if t.rst() {
            // Both directions end: what the decoders held back is complete.
            flow.dec.finish();
            let (c, v) = if src == flow.client {
                (src, dst)
            } else {
                (dst, src)
            };
            let (st, oi) = (&mut self.stats, &mut self.on_item);
            feed(flow, 0, c, v, ts, self.frame, &[], an, st, oi);
            feed(flow, 1, v, c, ts, self.frame, &[], an, st, oi);
            if let Some((frame, ts, a, b)) = self.pending_close.take() {
                an.analysis.tcp_closed(frame, ts, a, b);
            }
            return;
        }
        if t.fin() {
            // End of this direction: what the decoder held back is complete.
            let d = if dir == 0 {
                &mut flow.dec.client_to_server
            } else {
                &mut flow.dec.server_to_client
            };
            d.finish();
        } else if payload.is_empty() {
            return;
        }
        feed(
            flow,
            dir,
            src,
            dst,
            ts,
            self.frame,
            payload,
            an,
            &mut self.stats,
            &mut self.on_item,
        );
        if let Some((frame, ts, a, b)) = self.pending_close.take() {
            an.analysis.tcp_closed(frame, ts, a, b);
        }
    }
}

/// The payload of `t` not fed before in direction `dir` (retransmitted bytes dropped, a
/// gap skipped); `None`: all of it was fed already.
fn unseen<'t>(flow: &mut Flow, dir: usize, t: &TcpSlice<'t>) -> Option<&'t [u8]> {
    let seq = t.sequence_number();
    let mut payload = t.payload();
    let adv = u32::from(t.syn()) + u32::from(t.fin());
    match flow.next_seq[dir] {
        None => {
            flow.next_seq[dir] = Some(seq.wrapping_add(payload.len() as u32 + adv));
        }
        Some(exp) => {
            let behind = exp.wrapping_sub(seq) as i32;
            if behind > 0 {
                // Retransmitted (part of) bytes already fed.
                let skip = (behind as usize).min(payload.len());
                payload = &payload[skip..];
                if payload.is_empty() {
                    return None;
                }
                flow.next_seq[dir] = Some(exp.wrapping_add(payload.len() as u32 + adv));
            } else {
                flow.next_seq[dir] = Some(seq.wrapping_add(payload.len() as u32 + adv));
            }
        }
    }
    Some(payload)
}

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn feed(
    flow: &mut Flow,
    dir: usize,
    src: SocketAddr,
    dst: SocketAddr,
    ts: f64,
    frame: u32,
    payload: &[u8],
    an: &mut State,
    stats: &mut Stats,
    on_item: &mut Option<Box<dyn FnMut(&Observation, Item<'_>, &Answer) + '_>>,
) {
    let d = if dir == 0 {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    };
    let mut obs = Observation::direct(frame, ts, flow.transport, src, dst);
    obs.tcp_stream = flow.stream;
    let mut rest = payload;
    loop {
        let n = flow.dec.push(d, rest);
        rest = &rest[n..];
        loop {
            let dc = flow.dec.is_data_connection();
            let Some(item) = flow.dec.pop(d) else { break };
            let at = At {
                flow: flow.id,
                frame,
                visited: false,
                ends: Some((src, dst)),
            };
            an.feed_decoded(at, &obs, &item, dc, false, |o, input, a| {
                let it = match input {
                    Input::Message(m) | Input::Quoted(m) => {
                        stats.messages += 1;
                        Item::Stun(m)
                    }
                    Input::Relayed(len) => {
                        stats.relayed += 1;
                        Item::Relayed(len)
                    }
                };
                if let Some(f) = on_item {
                    f(o, it, a);
                }
            });
        }
        if rest.is_empty() || n == 0 {
            break;
        }
    }
}

/// Read a capture file into a new, finished [`Analysis`].
pub fn analyze_file(path: &std::path::Path) -> Result<Analysis, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    analyze_bytes(&bytes)
}

/// Read capture bytes into a new, finished [`Analysis`].
pub fn analyze_bytes(bytes: &[u8]) -> Result<Analysis, String> {
    let mut st = State::live();
    Replayer::new().replay(bytes, &mut st)?;
    Ok(st.analysis)
}
