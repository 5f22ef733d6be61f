//! Real media through a real TURN server: GStreamer's RTP payloader sends two PCMU streams
//! through coturn — one as ChannelData over a UDP allocation, one in RFC 4571 frames on an
//! RFC 6062 data connection — captured on `lo` with dumpcap by
//! `scripts/capture-turn-media.sh` (the TURN client glue, `scripts/turn_media.py`, is ours).
//! The capture also holds each stream on the sender's leg before TURN (GStreamer → glue,
//! UDP 30000 and 30002): the streams msstun finds inside TURN must equal those.

mod common;

use common::*;
use std::collections::BTreeMap;

/// `-z rtp,streams` rows: (SSRC, src port, dst port) → (payload, packets, lost).
fn streams(run: &Run, extra: &[&str]) -> BTreeMap<(u64, u64, u64), (String, u64, u64)> {
    let mut args = extra.to_vec();
    args.extend(["-q", "-z", "rtp,streams"]);
    let z = run.raw(&args);
    let mut out = BTreeMap::new();
    for line in z.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        let Some(i) = t.iter().position(|c| c.starts_with("0x")) else {
            continue;
        };
        out.insert(
            (num(t[i]), num(t[i - 3]), num(t[i - 1])),
            (t[i + 1].to_string(), num(t[i + 2]), num(t[i + 3])),
        );
    }
    out
}

#[test]
fn streams_inside_turn_equal_the_senders_streams() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/turn-media.pcapng");
    let run = Run::from_file(&path, &[]);
    // Without Decode As only what msstun hands on is RTP: the two streams inside TURN, and
    // the RFC 6062 stream once more on the relay → peer leg, an ICE-TCP connection (RFC 4571
    // check, then media beside it) that msstun's heuristics take.
    let found = streams(&run, &[]);
    assert_eq!(found.len(), 3, "{found:?}");
    let turn: Vec<_> = found
        .iter()
        .filter(|((_, s, d), _)| *s == 3478 || *d == 3478)
        .collect();
    assert_eq!(turn.len(), 2, "{found:?}");
    // The sender's leg, decoded as RTP by port.
    let all = streams(
        &run,
        &["-d", "udp.port==30000,rtp", "-d", "udp.port==30002,rtp"],
    );
    let sender: Vec<_> = all
        .iter()
        .filter(|((_, _, d), _)| *d == 30000 || *d == 30002)
        .collect();
    assert_eq!(sender.len(), 2, "{all:?}");
    for ((ssrc, _, _), figures) in sender {
        assert_eq!(figures.0, "g711U");
        assert_eq!(figures.1, 60, "{ssrc:#x}: packets GStreamer sent");
        let inside: Vec<_> = turn.iter().filter(|((s, _, _), _)| s == ssrc).collect();
        assert_eq!(inside.len(), 1, "{ssrc:#x}: {turn:?}");
        for (k, v) in found.iter().filter(|((s, _, _), _)| s == ssrc) {
            assert_eq!(v, figures, "{k:?}: as msstun finds it vs the sender's leg");
        }
    }
    // Carriers: ChannelData (1), the RFC 6062 data connection (3), the ICE-TCP flow (6).
    let carriers = run.fields(Some("rtp"), &["msstun.payload.carrier", "udp.port"]);
    let (mut chan, mut dc, mut flow) = (0, 0, 0);
    for r in carriers.values() {
        // A TCP segment may hold several RFC 4571 frames.
        let c = nums(&r[0]);
        match (c.first(), r[1].is_empty()) {
            (Some(1), false) if c.len() == 1 => chan += 1,
            (Some(3), true) if c.iter().all(|&x| x == 3) => dc += c.len(),
            (Some(6), true) if c.iter().all(|&x| x == 6) => flow += c.len(),
            _ => panic!("RTP with carriers {c:?}: {r:?}"),
        }
    }
    assert_eq!((chan, dc, flow), (60, 60, 60));
}
