//! Ethernet/IPv4/TCP/UDP packets written as pcapng, with labelled frames.
//!
//! TCP connections and the frames come from `msstun-pcap` (the relay's `--pcap` writer uses
//! the same synthesiser): a three-way handshake, consistent sequence/acknowledgement numbers
//! and segments cut where the scenario says, so a STUN message can span segments or share one
//! with others. ICMP comes from `etherparse`, the file format from `pcap-file`.

use etherparse::PacketBuilder;
use msstun_pcap::{frame, Conversation, Segment, Transport};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::SectionHeaderBlock;
use pcap_file::pcapng::{PcapNgBlock, PcapNgWriter};
use pcap_file::{DataLink, Endianness};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

/// One Ethernet frame with its capture time.
#[derive(Debug, Clone)]
struct Frame {
    ts: Duration,
    data: Vec<u8>,
}

/// A capture being built. Frame numbers start at 1, as in Wireshark.
#[derive(Debug, Clone)]
pub struct Capture {
    frames: Vec<Frame>,
    now: Duration,
    step: Duration,
    labels: BTreeMap<String, u32>,
}

/// Direction on a TCP connection.
pub use msstun_pcap::Dir;

/// State of one TCP connection inside a [`Capture`] (IPv4 endpoints).
pub type Tcp = Conversation;

/// Receive window of every segment.
const WINDOW: u16 = 64240;

fn v4(a: SocketAddr) -> SocketAddrV4 {
    match a {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(_) => panic!("fixtures write IPv4 packets only"),
    }
}

fn mac(ip: Ipv4Addr) -> [u8; 6] {
    let o = ip.octets();
    [0x02, 0x00, o[0], o[1], o[2], o[3]]
}

impl Default for Capture {
    fn default() -> Self {
        Self::new()
    }
}

impl Capture {
    /// An empty capture whose clock starts at 2017-08-17 08:03:51 UTC (the seed's day).
    pub fn new() -> Capture {
        Capture {
            frames: Vec::new(),
            now: Duration::from_secs(1_502_957_031),
            step: Duration::from_micros(500),
            labels: BTreeMap::new(),
        }
    }

    /// Number of frames so far.
    pub fn len(&self) -> u32 {
        self.frames.len() as u32
    }

    /// Whether no frame was written yet.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Labels given to frames: label → frame number.
    pub fn labels(&self) -> &BTreeMap<String, u32> {
        &self.labels
    }

    /// Names the most recent frame (panics on a duplicate label).
    pub fn label(&mut self, name: &str) {
        let n = self.len();
        assert!(n > 0, "label before any frame");
        let old = self.labels.insert(name.to_string(), n);
        assert!(old.is_none(), "duplicate label {name}");
    }

    /// Advances the clock.
    pub fn wait(&mut self, d: Duration) {
        self.now += d;
    }

    fn push(&mut self, data: Vec<u8>) {
        self.now += self.step;
        self.frames.push(Frame { ts: self.now, data });
    }

    /// One UDP datagram.
    pub fn udp(&mut self, src: SocketAddr, dst: SocketAddr, payload: &[u8]) {
        self.frame(src, dst, Transport::Udp, payload);
    }

    /// An ICMP destination-unreachable (port) from `router` to `quoted_src`'s host,
    /// quoting the whole IPv4/UDP datagram `quoted_src` → `quoted_dst` carrying
    /// `payload` (RFC 1812 §4.3.2.3 lets a router quote as much as fits).
    pub fn icmp_port_unreachable(
        &mut self,
        router: Ipv4Addr,
        quoted_src: SocketAddr,
        quoted_dst: SocketAddr,
        payload: &[u8],
    ) {
        use etherparse::icmpv4::DestUnreachableHeader;
        use etherparse::Icmpv4Type;
        let (s, d) = (v4(quoted_src), v4(quoted_dst));
        let q = PacketBuilder::ipv4(s.ip().octets(), d.ip().octets(), 64).udp(s.port(), d.port());
        let mut quote = Vec::with_capacity(q.size(payload.len()));
        q.write(&mut quote, payload).expect("write quoted udp");
        let b = PacketBuilder::ethernet2(mac(router), mac(*s.ip()))
            .ipv4(router.octets(), s.ip().octets(), 64)
            .icmpv4(Icmpv4Type::DestinationUnreachable(
                DestUnreachableHeader::Port,
            ));
        let mut out = Vec::with_capacity(b.size(quote.len()));
        b.write(&mut out, &quote).expect("write icmp");
        self.push(out);
    }

    /// One Ethernet/IPv4 frame from `src` to `dst` (MAC addresses made from the IPv4 ones).
    fn frame(&mut self, src: SocketAddr, dst: SocketAddr, t: Transport<'_>, payload: &[u8]) {
        let (s, d) = (v4(src), v4(dst));
        let mut out = Vec::with_capacity(64 + payload.len());
        frame(&mut out, (mac(*s.ip()), mac(*d.ip())), src, dst, t, payload).expect("write frame");
        self.push(out);
    }

    fn segment(&mut self, t: &Tcp, seg: Segment, payload: &[u8]) {
        let (src, dst) = t.endpoints(seg.dir);
        self.frame(src, dst, Transport::Tcp(&seg, WINDOW), payload);
    }

    /// Opens a TCP connection (SYN, SYN-ACK, ACK) and returns its state.
    pub fn tcp_open(&mut self, client: SocketAddr, server: SocketAddr) -> Tcp {
        let (c, s) = (v4(client), v4(server));
        let isn_c = 0x1000_0000u32.wrapping_add(u32::from(c.port()) << 8);
        let isn_s = 0x7000_0000u32
            .wrapping_add(u32::from(s.port()) << 8)
            .wrapping_add(u32::from(c.port()));
        self.tcp_open_isn(client, server, isn_c, isn_s)
    }

    /// Like [`Capture::tcp_open`], with initial sequence numbers `isn_c` and `isn_s` (reused
    /// 5-tuples: Wireshark tells a new connection on the same addresses and ports from a
    /// retransmitted SYN by its new ISN).
    pub fn tcp_open_isn(
        &mut self,
        client: SocketAddr,
        server: SocketAddr,
        isn_c: u32,
        isn_s: u32,
    ) -> Tcp {
        let mut t = Conversation::new(v4(client).into(), v4(server).into(), isn_c, isn_s);
        for seg in t.handshake() {
            self.segment(&t, seg, &[]);
        }
        t
    }

    /// Sends `data` on `t` in one segment.
    pub fn tcp_send(&mut self, t: &mut Tcp, dir: Dir, data: &[u8]) {
        self.tcp_send_split(t, dir, data, &[]);
    }

    /// Sends `data` on `t`, cut into segments at the given offsets (ascending, inside `data`).
    pub fn tcp_send_split(&mut self, t: &mut Tcp, dir: Dir, data: &[u8], cuts: &[usize]) {
        let mut start = 0;
        for &end in cuts.iter().chain(std::iter::once(&data.len())) {
            assert!(end >= start && end <= data.len(), "bad cut {end}");
            if end == start {
                continue;
            }
            let chunk = &data[start..end];
            let seg = t.data(dir, chunk.len());
            self.segment(t, seg, chunk);
            start = end;
        }
    }

    /// A pure ACK from `dir`'s sender.
    pub fn tcp_ack(&mut self, t: &Tcp, dir: Dir) {
        self.segment(t, t.ack(dir), &[]);
    }

    /// Closes `t` with FIN/ACK both ways and a final ACK.
    pub fn tcp_close(&mut self, t: &mut Tcp) {
        for seg in t.close() {
            self.segment(t, seg, &[]);
        }
    }

    /// The capture as pcapng bytes (little-endian, nanosecond timestamps, Ethernet).
    pub fn to_pcapng(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let shb = SectionHeaderBlock {
            endianness: Endianness::Little,
            ..Default::default()
        };
        let mut w = PcapNgWriter::with_section_header(&mut out, shb).expect("pcapng header");
        let idb = InterfaceDescriptionBlock {
            linktype: DataLink::ETHERNET,
            snaplen: 0xFFFF,
            options: vec![InterfaceDescriptionOption::IfTsResol(9)],
        };
        w.write_block(&idb.into_block()).expect("idb");
        for f in &self.frames {
            let epb = EnhancedPacketBlock {
                interface_id: 0,
                timestamp: f.ts,
                original_len: f.data.len() as u32,
                data: Cow::Borrowed(&f.data),
                options: vec![],
            };
            w.write_block(&epb.into_block()).expect("epb");
        }
        drop(w);
        out
    }
}

/// Shorthand for an IPv4 socket address.
pub fn sa(ip: [u8; 4], port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port)
}
