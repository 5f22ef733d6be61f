//! Real encrypted media: two aiortc peers (ICE, DTLS-SRTP with AES-GCM, SRTP) send each other
//! audio through coturn, relay candidates only, over TURN on UDP, TCP, TLS on 443 (no ALPN)
//! and TLS on 5349 (ALPN "stun.turn"); captured on `lo` by
//! `scripts/capture-webrtc-media.sh`, with the clients' TLS key log beside it. Here: the
//! media is shown as SRTP/SRTCP, never read as plain RTP/RTCP.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn capture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/webrtc-media.pcapng")
}

/// The capture with the key log given to TLS (and `opts`).
fn run_with_keys(opts: &[&str]) -> Run {
    let run = Run::from_file(&capture(), &[]);
    let keys = std::fs::read(capture().with_extension("keys")).expect("key log");
    let k = run.sb.write("keys.log", &keys);
    let mut o = vec!["-o".to_string(), format!("tls.keylog_file:{}", k.display())];
    o.extend(opts.iter().map(|s| s.to_string()));
    Run { opts: o, ..run }
}

#[test]
fn srtcp_shows_its_index_and_tag() {
    let run = run_with_keys(&[]);
    let rows = run.fields(
        Some("msstun.srtcp.index"),
        &[
            "msstun.srtcp.e",
            "msstun.srtcp.index",
            "msstun.srtcp.auth_tag",
            "msstun.srtcp.encrypted",
            "msstun.srtcp.pt",
        ],
    );
    // Every side sends a few SRTCP reports (sender reports, then BYE) in every session.
    assert!(rows.len() >= 40, "{} SRTCP frames", rows.len());
    for (f, r) in &rows {
        assert!(
            r[0].iter().all(|e| e == "1" || e == "True"),
            "frame {f}: {r:?}"
        );
        // aiortc's SRTCP indexes count from 1; AES-GCM's tag is 16 bytes.
        assert!(r[1].iter().all(|i| num(i) < 1000), "frame {f}: {r:?}");
        assert!(r[2].iter().all(|t| t.len() == 32), "frame {f}: {r:?}");
        // E set: the reports are ciphertext, shown opaque (never read as reports); a BYE
        // (203) of only its SSRC has none.
        assert!(
            !r[3].is_empty() || r[4] == ["203"],
            "frame {f}: encrypted reports not shown as such"
        );
    }
    // No RTCP read as plain RTCP.
    assert_eq!(run.frames("rtcp && !srtcp"), Vec::<u32>::new());
}

#[test]
fn srtp_is_shown_as_srtp() {
    let run = run_with_keys(&[]);
    let srtp = run.frames("msstun.srtp");
    assert!(srtp.len() > 1200, "{} SRTP frames", srtp.len());
    // None of it read as plain RTP (payload interpreted, padding from ciphertext).
    assert_eq!(run.frames("rtp"), Vec::<u32>::new());
    let rows = run.fields(
        Some("msstun.srtp"),
        &[
            "msstun.srtp.version",
            "msstun.srtp.p_type",
            "msstun.srtp.encrypted",
            "_ws.col.Protocol",
        ],
    );
    for (f, r) in rows.iter().take(200) {
        assert!(r[0].iter().all(|v| v == "2"), "frame {f}: {r:?}");
        assert!(r[1].iter().all(|v| v == "96"), "frame {f}: {r:?}");
        assert!(!r[2].is_empty(), "frame {f}: {r:?}");
    }
    // The RTP stream tools keep finding every stream (each of the 4 sessions: 2 SSRCs on 3
    // legs: client → TURN, relay → relay, TURN → client).
    let z = run.raw(&["-q", "-z", "rtp,streams"]);
    let streams = z.lines().filter(|l| l.contains(" 0x")).count();
    assert_eq!(streams, 24, "{z}");
}

#[test]
fn no_malformed_or_error_items_on_the_media() {
    let run = run_with_keys(&[]);
    let opts: Vec<&str> = run.opts.iter().map(String::as_str).collect();
    let stock = Run::from_file_with(&capture(), &opts, false);
    const BAD: &str = "(_ws.malformed || _ws.expert.severity >= \"error\")";
    let bad = run.frames(BAD);
    let bad_stock = stock.frames(BAD);
    // Wireshark's own srtcp, once its DTLS dissector saw the DTLS-SRTP setup, reads an
    // AES-GCM SRTCP trailer in the RFC 3711 layout and may then parse the ciphertext; stock
    // Wireshark does the same on the same frames. Nothing else: no RTCP or RTP read from
    // ciphertext (before msstun knew SRTCP and SRTP, 22 frames here).
    assert!(
        bad.iter().all(|f| bad_stock.contains(f)),
        "{bad:?} vs stock {bad_stock:?}"
    );
    assert!(bad.len() <= 2, "{bad:?}");
    assert_eq!(
        run.frames(&format!(
            "{BAD} && !(srtcp && rtcp.setup-method == \"DTLS-SRTP\")"
        )),
        Vec::<u32>::new()
    );
}

#[test]
fn the_preference_overrides() {
    let plain = run_with_keys(&["-o", "msstun.media_encryption:rtp"]);
    assert_eq!(
        plain.frames("msstun.srtp || msstun.srtcp.index"),
        Vec::<u32>::new()
    );
    assert!(plain.frames("rtp").len() > 1200);
}
