//! `--pcap FILE`: what the relay forwarded, as pcapng with synthetic Ethernet/IP/TCP|UDP
//! headers carrying the real client and upstream endpoints and the real timestamps.
//!
//! Each relayed TCP connection appears as one client↔upstream TCP connection with a
//! three-way handshake, consistent sequence/acknowledgement numbers, and FIN/ACK per
//! direction on close, so Wireshark's TCP analysis and reassembly work (the synthesiser is
//! `msstun-pcap`'s, which the test captures of `msstun-fixtures` use too). Writing happens on
//! its own thread behind a bounded channel; when the channel is full an event is dropped
//! and counted (reported in the final summary) rather than holding back forwarding.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use msstun_pcap::{frame, Conversation, Segment, Transport};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::DataLink;

use crate::output::Dir;

/// Largest TCP payload per synthetic segment.
const MAX_SEGMENT: usize = 16 * 1024;
const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

/// Something to write.
#[derive(Debug)]
pub enum PcapEvent {
    /// A TCP connection was established (writes SYN, SYN-ACK, ACK).
    TcpOpen {
        /// Connection id.
        id: u64,
        /// Client endpoint.
        client: SocketAddr,
        /// Upstream endpoint.
        server: SocketAddr,
        /// When.
        ts: SystemTime,
    },
    /// Bytes forwarded on a TCP connection.
    TcpData {
        /// Connection id.
        id: u64,
        /// Direction.
        dir: Dir,
        /// The bytes.
        data: Vec<u8>,
        /// When they were read.
        ts: SystemTime,
    },
    /// One direction was closed (writes FIN and the peer's ACK).
    TcpFin {
        /// Connection id.
        id: u64,
        /// Direction that ended.
        dir: Dir,
        /// When.
        ts: SystemTime,
    },
    /// The connection is gone; FIN any direction still open and forget it.
    TcpClose {
        /// Connection id.
        id: u64,
        /// When.
        ts: SystemTime,
    },
    /// A forwarded UDP datagram.
    Udp {
        /// Client endpoint.
        client: SocketAddr,
        /// Upstream endpoint.
        server: SocketAddr,
        /// Direction.
        dir: Dir,
        /// The datagram.
        data: Vec<u8>,
        /// When.
        ts: SystemTime,
    },
}

/// Sending side of the capture writer.
#[derive(Clone)]
pub struct PcapSink {
    tx: SyncSender<PcapEvent>,
    dropped: Arc<AtomicU64>,
    queued: Arc<AtomicUsize>,
}

/// Most payload bytes waiting for the writer thread; beyond that events are dropped.
const MAX_QUEUED_BYTES: usize = 32 << 20;

fn payload_len(ev: &PcapEvent) -> usize {
    match ev {
        PcapEvent::TcpData { data, .. } | PcapEvent::Udp { data, .. } => data.len(),
        _ => 0,
    }
}

impl PcapSink {
    /// Queue an event without blocking; counts a drop when the writer lags.
    pub fn send(&self, ev: PcapEvent) {
        let n = payload_len(&ev);
        if self.queued.fetch_add(n, Relaxed) + n > MAX_QUEUED_BYTES || self.tx.try_send(ev).is_err()
        {
            self.queued.fetch_sub(n, Relaxed);
            self.dropped.fetch_add(1, Relaxed);
        }
    }
    /// Events dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Relaxed)
    }
}

/// Create the file and start the writer thread. The thread ends (flushing the file)
/// when every [`PcapSink`] clone is dropped.
pub fn start(
    path: &std::path::Path,
    capacity: usize,
) -> std::io::Result<(PcapSink, JoinHandle<()>)> {
    let file = File::create(path)?;
    let mut w = PcapNgWriter::new(BufWriter::new(file)).map_err(std::io::Error::other)?;
    let mut idb = InterfaceDescriptionBlock::new(DataLink::ETHERNET, 0);
    idb.options
        .push(InterfaceDescriptionOption::IfName("msstun-relay".into()));
    idb.options.push(InterfaceDescriptionOption::IfTsResol(9));
    w.write_pcapng_block(idb).map_err(std::io::Error::other)?;
    w.get_mut().flush()?;
    let (tx, rx) = sync_channel(capacity);
    let dropped = Arc::new(AtomicU64::new(0));
    let queued = Arc::new(AtomicUsize::new(0));
    let q = queued.clone();
    let h = std::thread::Builder::new()
        .name("msstun-pcap".into())
        .spawn(move || run(rx, w, &q))?;
    Ok((
        PcapSink {
            tx,
            dropped,
            queued,
        },
        h,
    ))
}

/// Receive window of every synthetic segment.
const WINDOW: u16 = 65535;

fn isn(id: u64, salt: u64) -> u32 {
    // Deterministic, spread-out initial sequence numbers.
    let x = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    (x >> 17) as u32
}

/// The relay's direction as the synthesiser's.
fn side(d: Dir) -> msstun_pcap::Dir {
    match d {
        Dir::C2S => msstun_pcap::Dir::C2S,
        Dir::S2C => msstun_pcap::Dir::S2C,
    }
}

struct Writer {
    w: PcapNgWriter<BufWriter<File>>,
    buf: Vec<u8>,
    failed: bool,
}

impl Writer {
    fn packet(
        &mut self,
        ts: SystemTime,
        from: msstun_pcap::Dir,
        (src, dst): (SocketAddr, SocketAddr),
        transport: Transport<'_>,
        payload: &[u8],
    ) {
        if self.failed {
            return;
        }
        let macs = if from == msstun_pcap::Dir::C2S {
            (CLIENT_MAC, SERVER_MAC)
        } else {
            (SERVER_MAC, CLIENT_MAC)
        };
        self.buf.clear();
        if let Err(e) = frame(&mut self.buf, macs, src, dst, transport, payload) {
            eprintln!("msstun-relay: pcap: cannot build packet: {e}");
            return;
        }
        let block = EnhancedPacketBlock {
            interface_id: 0,
            timestamp: ts.duration_since(UNIX_EPOCH).unwrap_or_default(),
            original_len: self.buf.len() as u32,
            data: std::borrow::Cow::Borrowed(&self.buf),
            options: vec![],
        };
        if let Err(e) = self.w.write_pcapng_block(block) {
            eprintln!("msstun-relay: pcap: write failed, capture stopped: {e}");
            self.failed = true;
        }
    }

    fn tcp(&mut self, ts: SystemTime, conv: &Conversation, seg: Segment, payload: &[u8]) {
        let ends = conv.endpoints(seg.dir);
        self.packet(ts, seg.dir, ends, Transport::Tcp(&seg, WINDOW), payload);
    }

    fn segments(&mut self, ts: SystemTime, conv: &Conversation, segs: &[Segment]) {
        for &seg in segs {
            self.tcp(ts, conv, seg, &[]);
        }
    }
}

fn run(rx: Receiver<PcapEvent>, w: PcapNgWriter<BufWriter<File>>, queued: &AtomicUsize) {
    let mut wr = Writer {
        w,
        buf: Vec::with_capacity(MAX_SEGMENT + 128),
        failed: false,
    };
    let mut conns: HashMap<u64, Conversation> = HashMap::new();
    while let Ok(ev) = rx.recv() {
        queued.fetch_sub(payload_len(&ev), Relaxed);
        handle(&mut wr, &mut conns, ev);
        while let Ok(ev) = rx.try_recv() {
            queued.fetch_sub(payload_len(&ev), Relaxed);
            handle(&mut wr, &mut conns, ev);
        }
        if !wr.failed && wr.w.get_mut().flush().is_err() {
            wr.failed = true;
        }
    }
    let now = SystemTime::now();
    let ids: Vec<u64> = conns.keys().copied().collect();
    for id in ids {
        handle(&mut wr, &mut conns, PcapEvent::TcpClose { id, ts: now });
    }
    let _ = wr.w.get_mut().flush();
}

fn fin(wr: &mut Writer, conv: &mut Conversation, dir: msstun_pcap::Dir, ts: SystemTime) {
    if let Some(segs) = conv.fin(dir) {
        wr.segments(ts, conv, &segs);
    }
}

fn handle(wr: &mut Writer, conns: &mut HashMap<u64, Conversation>, ev: PcapEvent) {
    match ev {
        PcapEvent::TcpOpen {
            id,
            client,
            server,
            ts,
        } => {
            let (client, server) = msstun_pcap::same_family(client, server);
            let mut conv =
                Conversation::new(client, server, isn(id, 0x5151), isn(id, 0xA0A0_0000_1234));
            let segs = conv.handshake();
            wr.segments(ts, &conv, &segs);
            conns.insert(id, conv);
        }
        PcapEvent::TcpData { id, dir, data, ts } => {
            let Some(conv) = conns.get_mut(&id) else {
                return;
            };
            for chunk in data.chunks(MAX_SEGMENT) {
                let seg = conv.data(side(dir), chunk.len());
                wr.tcp(ts, conv, seg, chunk);
            }
        }
        PcapEvent::TcpFin { id, dir, ts } => {
            if let Some(conv) = conns.get_mut(&id) {
                fin(wr, conv, side(dir), ts);
            }
        }
        PcapEvent::TcpClose { id, ts } => {
            if let Some(mut conv) = conns.remove(&id) {
                fin(wr, &mut conv, msstun_pcap::Dir::C2S, ts);
                fin(wr, &mut conv, msstun_pcap::Dir::S2C, ts);
            }
        }
        PcapEvent::Udp {
            client,
            server,
            dir,
            data,
            ts,
        } => {
            let ends = match dir {
                Dir::C2S => (client, server),
                Dir::S2C => (server, client),
            };
            wr.packet(ts, side(dir), ends, Transport::Udp, &data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn writes_readable_pcapng() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.pcapng");
        let (sink, h) = start(&path, 64).unwrap();
        let c: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let s: SocketAddr = "[::1]:3478".parse().unwrap();
        let ts = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        sink.send(PcapEvent::TcpOpen {
            id: 1,
            client: c,
            server: s,
            ts,
        });
        sink.send(PcapEvent::TcpData {
            id: 1,
            dir: Dir::C2S,
            data: vec![1; 40000],
            ts,
        });
        sink.send(PcapEvent::TcpData {
            id: 1,
            dir: Dir::S2C,
            data: vec![2; 10],
            ts,
        });
        sink.send(PcapEvent::TcpFin {
            id: 1,
            dir: Dir::C2S,
            ts,
        });
        sink.send(PcapEvent::Udp {
            client: c,
            server: "127.0.0.1:3478".parse().unwrap(),
            dir: Dir::S2C,
            data: vec![3; 8],
            ts,
        });
        drop(sink);
        h.join().unwrap();
        let f = std::fs::File::open(&path).unwrap();
        let mut r = pcap_file::pcapng::PcapNgReader::new(f).unwrap();
        let mut n = 0;
        while let Some(b) = r.next_block() {
            let b = b.unwrap();
            if let pcap_file::pcapng::Block::EnhancedPacket(p) = b {
                n += 1;
                if n == 1 {
                    assert_eq!(p.timestamp, Duration::from_secs(1_700_000_000));
                }
            }
        }
        // SYN, SYN-ACK, ACK, 3 data segments, 1 data, FIN+ACK, UDP, FIN+ACK at close.
        assert_eq!(n, 3 + 3 + 1 + 2 + 1 + 2);
    }

    /// The bytes of a conversation over both families, half-closes and close: pinned, so a
    /// change to the synthesiser (`msstun-pcap`) that changes the relay's capture shows.
    #[test]
    fn capture_bytes_are_stable() {
        use sha2::{Digest, Sha256};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.pcapng");
        let (sink, h) = start(&path, 64).unwrap();
        let ts = |ms| UNIX_EPOCH + Duration::from_millis(1_700_000_000_000 + ms);
        let c4: SocketAddr = "192.0.2.1:50000".parse().unwrap();
        let s4: SocketAddr = "198.51.100.2:3478".parse().unwrap();
        let s6: SocketAddr = "[2001:db8::2]:443".parse().unwrap();
        for (id, server) in [(7, s4), (8, s6)] {
            sink.send(PcapEvent::TcpOpen {
                id,
                client: c4,
                server,
                ts: ts(id),
            });
        }
        for (i, id) in [7, 8, 7, 8].into_iter().enumerate() {
            let dir = if i % 2 == 0 { Dir::C2S } else { Dir::S2C };
            let data = vec![i as u8; 100 + 20_000 * (i % 2)];
            sink.send(PcapEvent::TcpData {
                id,
                dir,
                data,
                ts: ts(10 + i as u64),
            });
        }
        sink.send(PcapEvent::TcpFin {
            id: 8,
            dir: Dir::S2C,
            ts: ts(20),
        });
        sink.send(PcapEvent::TcpFin {
            id: 8,
            dir: Dir::S2C,
            ts: ts(21),
        });
        sink.send(PcapEvent::TcpClose { id: 8, ts: ts(22) });
        sink.send(PcapEvent::TcpClose { id: 7, ts: ts(23) });
        sink.send(PcapEvent::TcpData {
            id: 7,
            dir: Dir::C2S,
            data: vec![9],
            ts: ts(24),
        });
        sink.send(PcapEvent::Udp {
            client: c4,
            server: s6,
            dir: Dir::C2S,
            data: vec![5; 30],
            ts: ts(25),
        });
        drop(sink);
        h.join().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "275c2a200f9d3126ce955c32a00d72c8b5a978b7291a340fb5d27dd2f2959bc3",
            "{} bytes",
            bytes.len()
        );
    }
}
