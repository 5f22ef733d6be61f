//! The sans-IO stream decoder fed one connection in chunks: the first byte picks
//! the transport and the chunk sizes, the rest is the byte stream (both directions
//! interleaved). Every byte pushed must come out exactly once; nothing may leak.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msstun::framing::Transport;
use msstun::stream::{ConnectionDecoder, Direction};

fuzz_target!(|data: &[u8]| msstun_fuzz::no_leak(|| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let transport = if ctl & 1 == 0 {
        Transport::Tcp
    } else {
        Transport::Udp
    };
    let chunk = 1 + (ctl as usize >> 1) % 61;
    let mut dec = ConnectionDecoder::new(transport);
    let (mut pushed, mut popped) = ([0usize; 2], [0usize; 2]);
    for (i, piece) in rest.chunks(chunk).enumerate() {
        let dir = direction_of(i);
        let d = dir as usize;
        let mut at = 0;
        while at < piece.len() {
            let n = dec.push(dir, &piece[at..]);
            pushed[d] += n;
            at += n;
            let mut progressed = n > 0;
            while let Some(item) = dec.pop(dir) {
                popped[d] += item.bytes.len();
                progressed = true;
            }
            if !progressed {
                break; // buffer full and nothing decodable: the decoder must have resynced or refused
            }
        }
    }
    dec.finish();
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        while let Some(item) = dec.pop(dir) {
            popped[dir as usize] += item.bytes.len();
        }
    }
    assert_eq!(pushed, popped, "bytes lost or duplicated");
    fed(transport, rest, chunk);
    data_connection_segment(rest);
}));

/// The same chunks through `ConnectionDecoder::feed` (items cut in place): every byte comes
/// out once, in order, with consecutive offsets.
fn fed(transport: Transport, rest: &[u8], chunk: usize) {
    let mut dec = ConnectionDecoder::new(transport);
    let (mut pushed, mut next) = ([0u64; 2], [0u64; 2]);
    for (i, piece) in rest.chunks(chunk).enumerate() {
        let dir = direction_of(i);
        let d = dir as usize;
        pushed[d] += piece.len() as u64;
        dec.feed(dir, piece, |item, _| {
            assert_eq!(item.offset, next[d], "items out of order");
            next[d] += item.bytes.len() as u64;
        });
    }
    dec.finish();
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        let d = dir as usize;
        dec.feed(dir, &[], |item, _| {
            assert_eq!(item.offset, next[d], "items out of order");
            next[d] += item.bytes.len() as u64;
        });
    }
    assert_eq!(pushed, next, "bytes lost or duplicated by feed");
}

/// The plugin's scan of one data-connection segment: the parts tile the segment in order,
/// and relayed frames tile the data.
fn data_connection_segment(seg: &[u8]) {
    use msstun::data_conn::{frames, scan, Segment};
    use msstun::framing::Kind;
    let mut at = 0;
    for part in scan(seg) {
        match part {
            Segment::Unit {
                offset,
                len,
                kind: kind @ Kind::Stun { .. },
            } => {
                assert_eq!(offset, at);
                assert!(len > 0 && offset + len <= seg.len());
                assert!(kind.view(&seg[offset..offset + len]).is_some());
                at = offset + len;
            }
            Segment::NeedMore { offset, more } => {
                assert_eq!(offset, at);
                assert!(more > 0);
                at = seg.len();
            }
            Segment::Unit { offset, len, kind } => {
                assert!(matches!(kind, Kind::Data { framed: false, .. }));
                assert_eq!(offset, at);
                assert_eq!(offset + len, seg.len());
                if let Some(fr) = frames(seg, offset) {
                    let mut p = offset;
                    for (s, l) in fr {
                        assert_eq!(s, p);
                        p += l;
                    }
                    assert_eq!(p, seg.len());
                }
                at = seg.len();
            }
        }
    }
    assert!(at == seg.len());
}

/// The direction of chunk `i`: three chunks one way, then three the other.
fn direction_of(i: usize) -> Direction {
    if (i / 3) % 2 == 0 {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    }
}
