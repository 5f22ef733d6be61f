//! Session logic without Wireshark: several TCP/UDP connections of one capture decoded
//! side by side, the way the plugin and the relay keep them — RFC 6062 bookkeeping
//! (ConnectionAttempt / Connect success → CONNECTION-ID, ConnectionBind on another
//! connection looks it up, data connections switched by the decoder or by hand), and the
//! payload a data connection or a channel carries handed back to the detector and the
//! parser (relayed bytes that look like STUN/RTP/DTLS but are not).
//!
//! Input: byte 0 = number of connections (1–4) and their transport, byte 1 = decoder
//! capacity and forced framing; then records `op len bytes…`: op bits 0–1 connection,
//! bit 2 direction, bit 3 mark the connection as a data connection before the push,
//! bit 4 finish it (end of stream) after. Invariants: every byte comes out exactly once
//! and in order (`offset` continuity), a data connection stays one, the id table stays
//! bounded, nothing leaks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msstun::framing::Transport;
use msstun::registry::method;
use msstun::stream::{ConnectionDecoder, DecodedKind, Direction, StreamDecoder};
use msstun::{Class, Message};

/// CONNECTION-ID (RFC 6062 §6.2.1).
const CONNECTION_ID: u16 = 0x002a;
/// At most this many RFC 6062 ids are remembered (oldest replaced), like a bounded table.
const MAX_IDS: usize = 8;

struct Conn {
    dec: ConnectionDecoder,
    popped: [u64; 2],
    pushed: [u64; 2],
    data: bool,
    finished: bool,
}

/// Look at a relayed payload the way the plugin classifies it: STUN inside?
fn classify(transport: Transport, payload: &[u8]) {
    let _ = msstun::detect::detect(transport, payload);
    if let Ok(m) = Message::new_checked(payload) {
        walk(&m, &mut Ids::default(), 0);
    }
}

#[derive(Default)]
struct Ids {
    ids: [(u32, usize); MAX_IDS],
    len: usize,
    next: usize,
}

impl Ids {
    fn record(&mut self, id: u32, conn: usize) {
        if self.len < MAX_IDS {
            self.ids[self.len] = (id, conn);
            self.len += 1;
        } else {
            self.ids[self.next] = (id, conn);
            self.next = (self.next + 1) % MAX_IDS;
        }
    }
    fn find(&self, id: u32) -> Option<usize> {
        self.ids[..self.len].iter().find(|e| e.0 == id).map(|e| e.1)
    }
}

fn walk(m: &Message<&[u8]>, ids: &mut Ids, conn: usize) -> Option<u32> {
    let (desc, class) = m.method_class();
    let mut id = None;
    for a in m.attributes().flatten() {
        let _ = (a.name(), a.address(), a.as_str(), a.error_code());
        // A list layout (UNKNOWN-ATTRIBUTES, …) has one field per entry: bound by the value.
        let bound = a.value.len() + 16;
        let n = a.fields().take(bound + 1).count();
        assert!(n <= bound, "fields iterator does not end");
        if a.code == CONNECTION_ID {
            id = a.as_u32();
        }
    }
    let mut buf = msstun::summary::SummaryBuf::<256>::default();
    let _ = buf.summarize(m);
    match (desc.code, class, id) {
        (method::CONNECTION_ATTEMPT, Class::Indication, Some(id))
        | (method::CONNECT, Class::SuccessResponse, Some(id)) => ids.record(id, conn),
        (method::CONNECTION_BIND, Class::Request, Some(id)) => {
            let _ = ids.find(id);
        }
        _ => {}
    }
    id
}

fuzz_target!(|data: &[u8]| msstun_fuzz::no_leak(|| {
    let [a, b, rest @ ..] = data else { return };
    let n = 1 + (*a as usize & 3);
    let cap = match b & 3 {
        0 => msstun::stream::DEFAULT_CAPACITY,
        1 => msstun::stream::MIN_CAPACITY,
        2 => 1500,
        _ => 70_000,
    };
    let mut conns: Vec<Conn> = (0..n)
        .map(|i| {
            let t = if (a >> (2 + i)) & 1 == 0 {
                Transport::Tcp
            } else {
                Transport::Udp
            };
            let one = || StreamDecoder::with_capacity(t, cap);
            Conn {
                dec: ConnectionDecoder {
                    client_to_server: one(),
                    server_to_client: one(),
                },
                popped: [0; 2],
                pushed: [0; 2],
                data: false,
                finished: false,
            }
        })
        .collect();
    let mut ids = Ids::default();
    let mut rest = rest;
    while let [op, len, tail @ ..] = rest {
        let take = (*len as usize).min(tail.len());
        let (bytes, next) = tail.split_at(take);
        rest = next;
        let ci = *op as usize % n;
        let dir = if op & 4 == 0 {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        let d = dir as usize;
        let c = &mut conns[ci];
        if c.finished {
            continue;
        }
        if op & 8 != 0 {
            c.dec.mark_data_connection();
        }
        let transport = c.dec.client_to_server.transport();
        let mut at = 0;
        loop {
            let k = c.dec.push(dir, &bytes[at..]);
            c.pushed[d] += k as u64;
            at += k;
            let mut progressed = k > 0;
            while let Some(item) = c.dec.pop(dir) {
                assert_eq!(item.offset, c.popped[d], "offset not continuous");
                c.popped[d] += item.bytes.len() as u64;
                progressed = true;
                match item.kind {
                    DecodedKind::Stun { message, .. } => {
                        if let Ok(m) = Message::new_checked(message) {
                            walk(&m, &mut ids, ci);
                        }
                    }
                    DecodedKind::ChannelData { data, .. }
                    | DecodedKind::MultiplexedTurn { data, .. }
                    | DecodedKind::MsTurnData { data }
                    | DecodedKind::Data { data, .. } => classify(transport, data),
                    DecodedKind::TlsHello(_) | DecodedKind::Undecodable { .. } => {}
                }
            }
            if c.data {
                assert!(c.dec.is_data_connection(), "a data connection went back");
            }
            c.data = c.dec.is_data_connection();
            if at >= bytes.len() || !progressed {
                break;
            }
        }
        if op & 16 != 0 {
            c.dec.finish();
            c.finished = true;
            for dir in [Direction::ClientToServer, Direction::ServerToClient] {
                while let Some(item) = c.dec.pop(dir) {
                    assert_eq!(item.offset, c.popped[dir as usize], "offset not continuous");
                    c.popped[dir as usize] += item.bytes.len() as u64;
                }
            }
            assert_eq!(c.pushed, c.popped, "bytes lost or duplicated at finish");
        }
    }
    for c in &mut conns {
        c.dec.finish();
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            while let Some(item) = c.dec.pop(dir) {
                assert_eq!(item.offset, c.popped[dir as usize], "offset not continuous");
                c.popped[dir as usize] += item.bytes.len() as u64;
            }
        }
        assert_eq!(c.pushed, c.popped, "bytes lost or duplicated");
    }
    assert!(ids.len <= MAX_IDS);
}));
