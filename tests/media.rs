//! Relayed payloads handed on by RFC 7983's rules, SRTP where the flow shows it (issue 18):
//! the seed's RFC 6062 data connection carries ICE checks with MESSAGE-INTEGRITY, then media
//! that msstun shows as SRTP and Wireshark's RTP stream statistics list.

mod common;

use common::*;
use msstun_fixtures::media;

/// The seed's data connection carries ICE checks with MESSAGE-INTEGRITY, then media: SRTP
/// is the rule there (issue 18), so the media is SRTP — header shown by msstun, payload not
/// interpreted — and the RTP stream tools still list it. With `msstun.media_encryption:rtp`
/// it is Wireshark's RTP.
#[test]
fn seed_data_connection_rtp_is_srtp() {
    let fx = fixture("seed");
    let run = Run::new(&fx, &[]);
    assert_eq!(run.frames("rtp"), Vec::<u32>::new());
    let rtp = run.frames("msstun.srtp");
    assert_eq!(rtp.len(), 2, "{rtp:?}");
    let rows = run.fields(
        Some("msstun.srtp"),
        &[
            "frame.protocols",
            "_ws.col.Protocol",
            "msstun.payload.kind",
            "msstun.payload.carrier",
            "msstun.srtp.ssrc",
            "msstun.tcp_data.bind_in",
        ],
    );
    for (f, r) in &rows {
        assert!(r[0][0].ends_with(":msstun"), "{f}: {r:?}");
        assert_eq!(r[1], ["SRTP"], "{f}: the innermost protocol names the row");
        assert_eq!(nums(&r[2]), [4], "{f}: kind RTP");
        assert_eq!(
            nums(&r[3]),
            [3],
            "{f}: carried by the RFC 6062 data connection"
        );
        assert_eq!(nums(&r[4]), [0x1234_5678]);
        assert!(
            !r[5].is_empty(),
            "{f}: msstun's layer still says which data connection"
        );
    }
    // `-z rtp,streams` finds the stream, one packet each way.
    let z = run.raw(&["-q", "-z", "rtp,streams"]);
    let streams: Vec<&str> = z.lines().filter(|l| l.contains("0x12345678")).collect();
    assert_eq!(streams.len(), 2, "{z}");
    assert_eq!(run.frames("msstun.payload.kind == 4 && msstun.srtp"), rtp);
    let plain = Run::new(&fx, &["-o", "msstun.media_encryption:rtp"]);
    assert_eq!(plain.frames("rtp"), rtp);
    assert_eq!(
        plain.frames("msstun.payload.kind == 4 && rtp && msstun"),
        rtp
    );
}

#[test]
fn payload_decoding_can_be_turned_off_or_forced() {
    let fx = fixture("seed");
    let off = Run::new(&fx, &["-o", "msstun.decode_payloads:FALSE"]);
    assert!(off.frames("rtp").is_empty());
    let data = off.frames("data");
    assert_eq!(data.len(), 2, "{data:?}");
    assert_eq!(off.frames("msstun.payload.kind == 4"), data);
    let forced = Run::new(&fx, &["-o", "msstun.payload_dissector:data"]);
    assert!(forced.frames("rtp").is_empty());
    assert_eq!(forced.frames("data"), data);
}

/// The ports that identify carrier `c`'s frames in the `media` capture (an RFC 6062 session
/// also has its data connection on `port + 100`).
fn ports_of(c: &media::CarrierCase) -> [u64; 2] {
    [u64::from(c.port), u64::from(c.port) + 100]
}

/// One row of `tshark -z rtp,streams`: SSRC → (payload name, packets, lost, problems flag).
type Streams = std::collections::BTreeMap<u64, (String, u64, u64, bool)>;

fn rtp_streams(run: &Run, extra: &[&str]) -> Streams {
    let mut args = extra.to_vec();
    args.extend(["-q", "-z", "rtp,streams"]);
    let z = run.raw(&args);
    let mut out = Streams::new();
    for line in z.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        // start end src sport dst dport SSRC payload pkts lost (pct) deltas×3 jitters×3 [X]
        let Some(i) = t.iter().position(|c| c.starts_with("0x")) else {
            continue;
        };
        let ssrc = num(t[i]);
        let row = (
            t[i + 1].to_string(),
            num(t[i + 2]),
            num(t[i + 3]),
            t.len() > i + 11 && t[t.len() - 1] == "X",
        );
        assert!(out.insert(ssrc, row).is_none(), "SSRC {ssrc:#x} twice: {z}");
    }
    out
}

fn payload_name(pt: u8) -> String {
    match pt {
        0 => "g711U".into(),
        n => format!("RTPType-{n}"),
    }
}

/// The payload kind and Protocol column frame `f` must show, given the frames found as SRTP,
/// RTP, RTCP and DTLS (in that order of precedence); `proto` is the column shown.
fn shown_as(
    f: u32,
    proto: &str,
    [srtp, rtp, rtcp, dtls]: [&[u32]; 4],
) -> Option<(u64, &'static str)> {
    if srtp.contains(&f) {
        Some((4, "SRTP"))
    } else if rtp.contains(&f) {
        Some((4, "RTP"))
    } else if rtcp.contains(&f) {
        // "RTCP", or "SRTCP" on a flow that shows SRTP.
        Some((5, if proto == "SRTCP" { "SRTCP" } else { "RTCP" }))
    } else if dtls.contains(&f) {
        Some((2, "DTLS"))
    } else {
        None
    }
}

#[test]
fn every_carrier_hands_on_rtp_rtcp_srtp_dtls_and_stun() {
    let fx = fixture("media");
    let run = Run::new(&fx, &[]);
    let rows = run.fields(
        None,
        &[
            "udp.port",
            "tcp.port",
            "_ws.col.Protocol",
            "msstun.payload.kind",
            "msstun.payload.carrier",
            "msstun.type",
        ],
    );
    let plain_rtp = run.frames("rtp");
    let srtp = run.frames("msstun.srtp");
    let rtp: Vec<u32> = run.frames("rtp || msstun.srtp");
    // RTCP on a flow that shows SRTP (after DTLS, on the Microsoft dialects) without a
    // trailer msstun can place is SRTCP, shown opaque; plain RTCP elsewhere.
    let rtcp = run.frames("rtcp || (msstun.srtcp.pt && !msstun.srtcp.index)");
    let dtls = run.frames("dtls");
    let expected = media::expected();
    let total = |f: fn(&media::SessionExpect) -> u32| expected.iter().map(f).sum::<u32>() as usize;
    assert_eq!(rtp.len(), total(|e| e.rtp), "-Y rtp || msstun.srtp");
    assert_eq!(
        srtp.len() as u32,
        expected.iter().map(srtp_shown).sum::<u32>(),
        "-Y msstun.srtp"
    );
    assert_eq!(rtcp.len(), total(|e| e.rtcp), "-Y rtcp || msstun.srtcp.pt");
    assert!(
        run.frames("rtcp").len() < rtcp.len(),
        "no RTCP shown as SRTCP"
    );
    assert_eq!(dtls.len(), total(|e| e.dtls), "-Y dtls");
    // The spellings of the kind filter that work on every version (a bare `rtp` on the
    // right is the protocol, not a value), and the filter across both layers.
    assert_eq!(run.frames("msstun.payload.kind == \"RTP\""), rtp);
    assert_eq!(run.frames("msstun.payload.kind == 4"), rtp);
    assert_eq!(run.frames("rtp && msstun"), plain_rtp);
    assert_eq!(run.frames("msstun.payload.kind == \"RTCP\""), rtcp);
    assert_eq!(run.frames("msstun.payload.kind == \"DTLS\""), dtls);
    for e in &expected {
        let c = e.case;
        let mine: Vec<(&u32, &Vec<Vec<String>>)> = rows
            .iter()
            .filter(|(_, r)| {
                let ports = ports_of(&c);
                nums(&r[0])
                    .iter()
                    .chain(nums(&r[1]).iter())
                    .any(|p| ports.contains(p))
            })
            .collect();
        let count = |set: &[u32]| mine.iter().filter(|(f, _)| set.contains(f)).count() as u32;
        assert_eq!(count(&rtp), e.rtp, "{}: RTP frames", c.name);
        assert_eq!(count(&srtp), srtp_shown(e), "{}: SRTP frames", c.name);
        assert_eq!(count(&rtcp), e.rtcp, "{}: RTCP frames", c.name);
        assert_eq!(count(&dtls), e.dtls, "{}: DTLS frames", c.name);
        for (f, r) in &mine {
            let kind = nums(&r[3]);
            let proto = r[2].first().map(String::as_str).unwrap_or("");
            if let Some((k, p)) = shown_as(**f, proto, [&srtp, &rtp, &rtcp, &dtls]) {
                assert_eq!(kind, [k], "{} frame {f}: kind", c.name);
                assert_eq!(
                    nums(&r[4]),
                    [u64::from(c.carrier)],
                    "{} frame {f}: carrier",
                    c.name
                );
                assert!(
                    proto.starts_with(p),
                    "{} frame {f}: Protocol column {proto}",
                    c.name
                );
            }
        }
        let stun_inside = mine
            .iter()
            .filter(|(_, r)| nums(&r[3]) == [0] && nums(&r[4]) == [u64::from(c.carrier)])
            .count() as u32;
        let want = if c.stun_inside { e.stun } else { 0 };
        assert_eq!(stun_inside, want, "{}: STUN handed back to msstun", c.name);
        // Either way the ICE check and its answer decode as msstun Binding messages.
        let checks = mine
            .iter()
            .filter(|(_, r)| nums(&r[5]).iter().any(|t| matches!(t, 0x0001 | 0x0101)))
            .count() as u32;
        assert_eq!(checks, e.stun, "{}: ICE check and answer", c.name);
    }
}

#[test]
fn rtp_streams_are_what_the_generator_sent_with_and_without_turn() {
    let turn = rtp_streams(&Run::new(&fixture("media"), &[]), &[]);
    let last = media::DIRECT_BASE + media::CARRIERS.len() as u16 - 1;
    let decode = format!("udp.port=={}-{last},rtp", media::DIRECT_BASE);
    let direct = rtp_streams(&Run::new(&fixture("media-direct"), &[]), &["-d", &decode]);
    let mut n = 0;
    for e in media::expected() {
        for s in &e.streams {
            let ssrc = u64::from(s.ssrc);
            let got = turn
                .get(&ssrc)
                .unwrap_or_else(|| panic!("{}: no stream {ssrc:#x}: {turn:?}", e.case.name));
            let want = (
                payload_name(s.pt),
                u64::from(s.packets),
                u64::from(s.lost),
                s.reordered || s.lost > 0,
            );
            assert_eq!(got, &want, "{}: stream {ssrc:#x}", e.case.name);
            assert_eq!(
                direct.get(&ssrc),
                Some(got),
                "{}: {ssrc:#x} without TURN",
                e.case.name
            );
            n += 1;
        }
    }
    assert_eq!(turn.len(), n, "no other streams: {turn:?}");
    assert_eq!(direct.len(), n);
}

/// Whether a session's media is SRTP by the flow (issue 18): the [MS-TURN] dialect sessions.
fn ms_dialect(c: &media::CarrierCase) -> bool {
    matches!(c.name, "mturn" | "ms-send-data" | "ms-e2e" | "mturn-udp")
}

/// The RTP packets of a session that msstun shows as SRTP: all of them on a Microsoft
/// dialect's flow, else those after the DTLS-SRTP handshake.
fn srtp_shown(e: &media::SessionExpect) -> u32 {
    e.streams
        .iter()
        .filter(|s| s.srtp || ms_dialect(&e.case))
        .map(|s| s.packets)
        .sum()
}

/// DTLS-SRTP through TURN: from the relayed DTLS handshake on, the flow's RTP is SRTP, shown
/// by msstun (header, encrypted payload; Protocol SRTP) over every carrier, UDP or TCP; the
/// RTP before it stays Wireshark's RTP — except on the [MS-TURN] dialects' flows, where all
/// media is SRTP.
#[test]
fn srtp_after_a_relayed_dtls_handshake_is_shown_as_srtp() {
    let run = Run::new(&fixture("media"), &[]);
    let rows = run.fields(
        Some("rtp || msstun.srtp"),
        &[
            "rtp.ssrc",
            "msstun.srtp.ssrc",
            "_ws.col.Protocol",
            "msstun.srtp.encrypted",
            "msstun.payload.carrier",
        ],
    );
    for (k, e) in media::expected().iter().enumerate() {
        let c = e.case;
        let of = |s: usize| {
            let ssrc = u64::from(media::ssrc(k, s));
            rows.iter()
                .filter(move |(_, r)| nums(&r[0]) == [ssrc] || nums(&r[1]) == [ssrc])
                .collect::<Vec<_>>()
        };
        for (s, st) in e.streams.iter().enumerate() {
            let frames = of(s);
            assert_eq!(frames.len() as u32, st.packets, "{} stream {s}", c.name);
            for (f, r) in frames {
                let srtp = st.srtp || ms_dialect(&c);
                let proto = if srtp { "SRTP" } else { "RTP" };
                assert_eq!(r[2], [proto], "{} frame {f}", c.name);
                assert_eq!(r[0].is_empty(), srtp, "{} frame {f}: rtp", c.name);
                assert_eq!(
                    !r[3].is_empty(),
                    srtp,
                    "{} frame {f}: encrypted payload",
                    c.name
                );
                assert_eq!(nums(&r[4]), [u64::from(c.carrier)], "{} frame {f}", c.name);
            }
        }
    }
}
