//! The capture state without Wireshark: several TCP/UDP connections of one capture decoded
//! side by side by the shared stream decoder, and every item fed to the real
//! [`msstun_analysis::session::State`] — the core the dissector reads (transactions,
//! per-flow framing, allocations, RFC 6062 attempts/connects/data connections linked across
//! connections by CONNECTION-ID) and the session analysis on top — through its one entry,
//! `State::feed_decoded`, then read again as a later pass would (`visited`), the analysis
//! finished and its tables rendered. Relayed payloads are handed back to the detector and
//! the parser (bytes that look like STUN/RTP/DTLS but are not).
//!
//! Input: byte 0 = number of connections (1–4) and their transport, byte 1 = decoder
//! capacity (bits 0–1) and a live state (bit 7: the relay's, transactions pruned); then
//! records `op len bytes…`: op bits 0–1 connection, bit 2 direction, bit 3 mark the
//! connection as a data connection before the push, bit 4 finish it (end of stream) after.
//! Invariants: every byte comes out exactly once and in order (`offset` continuity), a data
//! connection stays one, a later pass reads what the first recorded (the dissector's
//! state), nothing panics, nothing leaks.
#![no_main]

use std::net::SocketAddr;

use libfuzzer_sys::fuzz_target;
use msstun::framing::Transport;
use msstun::stream::{ConnectionDecoder, DecodedKind, Direction, StreamDecoder};
use msstun::Message;
use msstun_analysis::session::{At, State};
use msstun_analysis::Observation;

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
        walk(&m);
    }
}

/// Every attribute's readers and the summary line of `m`.
fn walk(m: &Message<&[u8]>) {
    for a in m.attributes().flatten() {
        let _ = (
            a.name(),
            a.address(),
            a.as_str(),
            a.error_code(),
            a.as_u32(),
        );
        // A list layout (UNKNOWN-ATTRIBUTES, …) has one field per entry: bound by the value.
        let bound = a.value.len() + 16;
        let n = a.fields().take(bound + 1).count();
        assert!(n <= bound, "fields iterator does not end");
    }
    let mut buf = msstun::summary::SummaryBuf::<256>::default();
    let _ = buf.summarize(m);
}

/// The client and server of connection `ci` (one client per connection, one server).
fn ends(ci: usize, dir: Direction) -> (SocketAddr, SocketAddr) {
    let c = SocketAddr::from(([192, 0, 2, 1 + ci as u8], 40000 + ci as u16));
    let s = SocketAddr::from(([198, 51, 100, 1], 3478));
    match dir {
        Direction::ClientToServer => (c, s),
        Direction::ServerToClient => (s, c),
    }
}

/// Feed one popped item to the state (first pass), read it again as a later pass does,
/// and look inside what it carries.
fn feed(
    state: &mut State,
    frame: u32,
    ci: usize,
    dir: Direction,
    t: Transport,
    dc: bool,
    item: &msstun::stream::Decoded<'_>,
) {
    let (src, dst) = ends(ci, dir);
    let mut obs = Observation::direct(frame, f64::from(frame) * 0.01, t, src, dst);
    if t == Transport::Tcp {
        obs = obs.with_tcp_stream(ci as u32);
    }
    let at = At {
        flow: ci as u64,
        frame,
        visited: false,
        ends: Some((src, dst)),
    };
    let first = state.feed_decoded(at, &obs, item, dc, true, |_, _, _| {});
    // A later pass: nothing recorded, the analysis (finished at the first such frame)
    // answers.
    let later = state.feed_decoded(
        At {
            visited: true,
            ..at
        },
        &obs,
        item,
        dc,
        true,
        |_, _, _| {},
    );
    if let (Some(a), Some(b)) = (&first, &later) {
        // A later pass reads the request frame and CONNECTION-ID the first pass recorded
        // (a live state forgets answered transactions: nothing reads them again).
        if !state.is_live() {
            assert_eq!(a.txn.map(|x| x.0), b.txn.map(|x| x.0), "transaction moved");
        }
        assert_eq!(a.cid, b.cid, "CONNECTION-ID changed");
        assert_eq!(a.retrans, b.retrans, "retransmission changed");
    }
    match item.kind {
        DecodedKind::Stun { message, .. } => {
            if let Ok(m) = Message::new_checked(message) {
                walk(&m);
            }
        }
        DecodedKind::ChannelData { data, .. }
        | DecodedKind::MultiplexedTurn { data, .. }
        | DecodedKind::MsTurnData { data }
        | DecodedKind::Data { data, .. } => classify(t, data),
        DecodedKind::TlsHello(_) | DecodedKind::Undecodable { .. } => {}
    }
}

/// Byte 0 (`a`: count and transports) and byte 1 (`b`: decoder capacity) as connections.
fn connections(a: u8, b: u8) -> Vec<Conn> {
    let n = 1 + (a as usize & 3);
    let cap = match b & 3 {
        0 => msstun::stream::DEFAULT_CAPACITY,
        1 => msstun::stream::MIN_CAPACITY,
        2 => 1500,
        _ => 70_000,
    };
    (0..n)
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
        .collect()
}

/// Finish a connection's decoder and pop what it held back (offsets stay continuous).
fn drain(c: &mut Conn) {
    c.dec.finish();
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        while let Some(item) = c.dec.pop(dir) {
            assert_eq!(item.offset, c.popped[dir as usize], "offset not continuous");
            c.popped[dir as usize] += item.bytes.len() as u64;
        }
    }
}

fuzz_target!(|data: &[u8]| msstun_fuzz::no_leak(|| {
    let [a, b, rest @ ..] = data else { return };
    let mut conns = connections(*a, *b);
    let n = conns.len();
    // Bit 7 of byte 1: a live state (the relay's: transactions pruned) instead of the
    // dissector's.
    let mut state = if b & 0x80 != 0 {
        State::live()
    } else {
        State::default()
    };
    let mut frame = 0u32;
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
            loop {
                let dc = c.dec.is_data_connection();
                let Some(item) = c.dec.pop(dir) else { break };
                assert_eq!(item.offset, c.popped[d], "offset not continuous");
                c.popped[d] += item.bytes.len() as u64;
                progressed = true;
                frame += 1;
                feed(&mut state, frame, ci, dir, transport, dc, &item);
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
            drain(c);
            c.finished = true;
            assert_eq!(c.pushed, c.popped, "bytes lost or duplicated at finish");
        }
    }
    for c in &mut conns {
        drain(c);
        assert_eq!(c.pushed, c.popped, "bytes lost or duplicated");
    }
    state.analysis.finish(None);
    let r = state.analysis.report();
    let _ = (
        msstun_analysis::render::alloc_text(&r),
        msstun_analysis::render::ice_text(&r),
    );
}));
