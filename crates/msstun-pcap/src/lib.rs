//! # msstun-pcap — synthetic TCP conversations and the frames around them
//!
//! A [`Conversation`] is the sequence/acknowledgement bookkeeping of one client↔server TCP
//! connection: it hands out [`Segment`]s (handshake, data, pure ACKs, FIN per direction, a
//! closing exchange) whose numbers follow the bytes sent, so Wireshark's TCP analysis and
//! reassembly accept the capture. [`frame`] writes one Ethernet/IP/TCP|UDP frame (IPv4 or
//! IPv6, checksums filled in). The relay's `--pcap` writer and the test capture generator
//! (`msstun-fixtures`) both use it; the file format (pcapng) stays with them.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

use etherparse::{PacketBuilder, TcpHeader};
use std::net::{IpAddr, SocketAddr};

/// Direction on a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Client to server.
    C2S,
    /// Server to client.
    S2C,
}

impl Dir {
    /// 0 for client to server, 1 for server to client.
    pub const fn idx(self) -> usize {
        match self {
            Dir::C2S => 0,
            Dir::S2C => 1,
        }
    }
    /// The other direction.
    pub const fn back(self) -> Dir {
        match self {
            Dir::C2S => Dir::S2C,
            Dir::S2C => Dir::C2S,
        }
    }
}

/// TCP flags of a synthetic segment (ACK is set exactly when [`Segment::ack`] is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// SYN.
    pub syn: bool,
    /// FIN.
    pub fin: bool,
    /// PSH (set on every segment that carries data).
    pub psh: bool,
}

/// One TCP segment of a [`Conversation`], without its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Sender's side.
    pub dir: Dir,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number (`None`: the ACK flag is off, only on the first SYN).
    pub ack: Option<u32>,
    /// SYN, FIN, PSH.
    pub flags: Flags,
}

impl Segment {
    /// The TCP header of this segment between `src_port` and `dst_port` (checksum left to
    /// [`frame`]).
    pub fn header(&self, src_port: u16, dst_port: u16, window: u16) -> TcpHeader {
        let mut h = TcpHeader::new(src_port, dst_port, self.seq, window);
        h.syn = self.flags.syn;
        h.fin = self.flags.fin;
        h.psh = self.flags.psh;
        if let Some(a) = self.ack {
            h.ack = true;
            h.acknowledgment_number = a;
        }
        h
    }
}

/// The sequence/acknowledgement state of one synthetic TCP connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Client endpoint.
    pub client: SocketAddr,
    /// Server endpoint.
    pub server: SocketAddr,
    /// Next sequence number per direction (client, server).
    next: [u32; 2],
    /// Whether each direction has sent its FIN.
    fin: [bool; 2],
}

impl Conversation {
    /// A connection not yet opened, with initial sequence numbers `isn_c` (client) and
    /// `isn_s` (server).
    pub fn new(client: SocketAddr, server: SocketAddr, isn_c: u32, isn_s: u32) -> Self {
        Conversation {
            client,
            server,
            next: [isn_c, isn_s],
            fin: [false; 2],
        }
    }

    /// (source, destination) of a segment sent in `dir`.
    pub fn endpoints(&self, dir: Dir) -> (SocketAddr, SocketAddr) {
        match dir {
            Dir::C2S => (self.client, self.server),
            Dir::S2C => (self.server, self.client),
        }
    }

    /// The next sequence number `dir`'s sender uses.
    pub fn next_seq(&self, dir: Dir) -> u32 {
        self.next[dir.idx()]
    }

    /// Whether `dir`'s sender has sent its FIN.
    pub fn finished(&self, dir: Dir) -> bool {
        self.fin[dir.idx()]
    }

    fn segment(&self, dir: Dir, flags: Flags) -> Segment {
        Segment {
            dir,
            seq: self.next[dir.idx()],
            ack: Some(self.next[dir.back().idx()]),
            flags,
        }
    }

    /// The three-way handshake: SYN, SYN-ACK, ACK (each SYN takes one sequence number).
    pub fn handshake(&mut self) -> [Segment; 3] {
        let syn = Flags {
            syn: true,
            ..Flags::default()
        };
        let [c, s] = self.next;
        let first = Segment {
            dir: Dir::C2S,
            seq: c,
            ack: None,
            flags: syn,
        };
        let second = Segment {
            dir: Dir::S2C,
            seq: s,
            ack: Some(c.wrapping_add(1)),
            flags: syn,
        };
        self.next = [c.wrapping_add(1), s.wrapping_add(1)];
        [first, second, self.segment(Dir::C2S, Flags::default())]
    }

    /// A segment carrying `len` bytes from `dir`'s sender (PSH when `len > 0`), which the
    /// sequence number then moves past.
    pub fn data(&mut self, dir: Dir, len: usize) -> Segment {
        let s = self.segment(
            dir,
            Flags {
                psh: len > 0,
                ..Flags::default()
            },
        );
        let i = dir.idx();
        self.next[i] = self.next[i].wrapping_add(len as u32);
        s
    }

    /// A pure ACK from `dir`'s sender.
    pub fn ack(&self, dir: Dir) -> Segment {
        self.segment(dir, Flags::default())
    }

    /// `dir`'s sender ends its side: its FIN and the peer's ACK of it; `None` when that side
    /// has already sent its FIN.
    pub fn fin(&mut self, dir: Dir) -> Option<[Segment; 2]> {
        if self.fin[dir.idx()] {
            return None;
        }
        let f = self.fin_segment(dir);
        Some([f, self.ack(dir.back())])
    }

    fn fin_segment(&mut self, dir: Dir) -> Segment {
        let s = self.segment(
            dir,
            Flags {
                fin: true,
                ..Flags::default()
            },
        );
        let i = dir.idx();
        self.next[i] = self.next[i].wrapping_add(1);
        self.fin[i] = true;
        s
    }

    /// The client closes, the server answers with its own FIN (FIN/ACK), the client ACKs.
    pub fn close(&mut self) -> [Segment; 3] {
        let c = self.fin_segment(Dir::C2S);
        let s = self.fin_segment(Dir::S2C);
        [c, s, self.ack(Dir::C2S)]
    }
}

/// What follows the IP header in a [`frame`].
#[derive(Debug, Clone, Copy)]
pub enum Transport<'a> {
    /// A TCP segment with this receive window.
    Tcp(&'a Segment, u16),
    /// A UDP datagram.
    Udp,
}

/// Maps both endpoints into one address family (IPv4-mapped IPv6 when they differ).
pub fn same_family(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    let v6 = |s: SocketAddr| match s.ip() {
        IpAddr::V4(ip) => SocketAddr::new(IpAddr::V6(ip.to_ipv6_mapped()), s.port()),
        IpAddr::V6(_) => s,
    };
    if a.is_ipv4() == b.is_ipv4() {
        (a, b)
    } else {
        (v6(a), v6(b))
    }
}

/// Writes one Ethernet II / IPv4|IPv6 (TTL 64) / TCP|UDP frame from `src` to `dst` carrying
/// `payload` into `out` (appended), checksums filled in. Endpoints of different families
/// are written as IPv6 (see [`same_family`]).
pub fn frame(
    out: &mut Vec<u8>,
    macs: ([u8; 6], [u8; 6]),
    src: SocketAddr,
    dst: SocketAddr,
    transport: Transport<'_>,
    payload: &[u8],
) -> Result<(), String> {
    let (src, dst) = same_family(src, dst);
    let eth = PacketBuilder::ethernet2(macs.0, macs.1);
    let ip = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => eth.ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => eth.ipv6(s.octets(), d.octets(), 64),
        _ => unreachable!("same_family"),
    };
    match transport {
        Transport::Tcp(seg, window) => ip
            .tcp_header(seg.header(src.port(), dst.port(), window))
            .write(out, payload)
            .map_err(|e| e.to_string()),
        Transport::Udp => ip
            .udp(src.port(), dst.port())
            .write(out, payload)
            .map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};

    fn conv() -> Conversation {
        Conversation::new(
            "10.0.0.1:50000".parse().unwrap(),
            "10.0.0.2:3478".parse().unwrap(),
            100,
            9000,
        )
    }

    #[test]
    fn handshake_data_and_fin_numbers_follow_the_bytes() {
        let mut c = conv();
        let [syn, synack, ack] = c.handshake();
        assert_eq!((syn.seq, syn.ack, syn.flags.syn), (100, None, true));
        assert_eq!(
            (synack.seq, synack.ack, synack.flags.syn),
            (9000, Some(101), true)
        );
        assert_eq!(
            (ack.dir, ack.seq, ack.ack, ack.flags),
            (Dir::C2S, 101, Some(9001), Flags::default())
        );
        let d = c.data(Dir::C2S, 20);
        assert_eq!((d.seq, d.ack, d.flags.psh), (101, Some(9001), true));
        let r = c.data(Dir::S2C, 5);
        assert_eq!((r.seq, r.ack), (9001, Some(121)));
        assert_eq!(c.ack(Dir::C2S).ack, Some(9006));
        let [f, a] = c.fin(Dir::C2S).unwrap();
        assert_eq!(
            (f.dir, f.seq, f.ack, f.flags.fin),
            (Dir::C2S, 121, Some(9006), true)
        );
        assert_eq!(
            (a.dir, a.seq, a.ack, a.flags.fin),
            (Dir::S2C, 9006, Some(122), false)
        );
        assert!(c.fin(Dir::C2S).is_none(), "a side sends one FIN");
        assert!(c.finished(Dir::C2S) && !c.finished(Dir::S2C));
    }

    #[test]
    fn close_is_fin_fin_ack() {
        let mut c = conv();
        c.handshake();
        let [f1, f2, a] = c.close();
        assert_eq!(
            (f1.dir, f1.seq, f1.ack, f1.flags.fin),
            (Dir::C2S, 101, Some(9001), true)
        );
        assert_eq!(
            (f2.dir, f2.seq, f2.ack, f2.flags.fin),
            (Dir::S2C, 9001, Some(102), true)
        );
        assert_eq!(
            (a.dir, a.seq, a.ack, a.flags.fin),
            (Dir::C2S, 102, Some(9002), false)
        );
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut c = Conversation::new(conv().client, conv().server, u32::MAX, 0);
        c.handshake();
        assert_eq!(c.next_seq(Dir::C2S), 0);
        assert_eq!(c.data(Dir::C2S, 10).seq, 0);
        assert_eq!(c.next_seq(Dir::C2S), 10);
    }

    #[test]
    fn frames_parse_back_with_their_fields() {
        let mut c = conv();
        let [syn, ..] = c.handshake();
        let mut out = Vec::new();
        frame(
            &mut out,
            ([2; 6], [3; 6]),
            c.client,
            c.server,
            Transport::Tcp(&syn, 64240),
            &[],
        )
        .unwrap();
        let p = SlicedPacket::from_ethernet(&out).unwrap();
        let Some(TransportSlice::Tcp(t)) = p.transport else {
            panic!("tcp")
        };
        assert_eq!(
            (t.source_port(), t.destination_port(), t.sequence_number()),
            (50000, 3478, 100)
        );
        assert!(t.syn() && !t.ack() && t.window_size() == 64240);
        let Some(NetSlice::Ipv4(ip)) = p.net else {
            panic!("ipv4")
        };
        let h = ip.header().to_header();
        assert_eq!(h.calc_header_checksum(), h.header_checksum);
        let (s, d) = (h.source, h.destination);
        assert_eq!(t.calc_checksum_ipv4(s, d).unwrap(), t.checksum());
        assert_ne!(t.checksum(), 0);

        // Mixed families become IPv4-mapped IPv6; UDP carries the payload.
        let mut out = Vec::new();
        let v6: SocketAddr = "[::1]:3478".parse().unwrap();
        frame(
            &mut out,
            ([2; 6], [3; 6]),
            c.client,
            v6,
            Transport::Udp,
            b"abc",
        )
        .unwrap();
        let p = SlicedPacket::from_ethernet(&out).unwrap();
        let Some(NetSlice::Ipv6(ip)) = p.net else {
            panic!("ipv6")
        };
        assert_eq!(
            ip.header().source_addr(),
            "::ffff:10.0.0.1".parse::<std::net::Ipv6Addr>().unwrap()
        );
        let Some(TransportSlice::Udp(u)) = p.transport else {
            panic!("udp")
        };
        assert_eq!((u.source_port(), u.payload()), (50000, &b"abc"[..]));
    }
}
