//! Relayed payloads handed on by RFC 7983's rules: the seed's RFC 6062 data connection
//! carries RTP, which Wireshark's RTP dissector and its stream statistics then read.

mod common;

use common::*;

#[test]
fn seed_data_connection_rtp_is_rtp() {
    let fx = fixture("seed");
    let run = Run::new(&fx, &[]);
    let rtp = run.frames("rtp");
    assert_eq!(rtp.len(), 2, "{rtp:?}");
    let rows = run.fields(
        Some("rtp"),
        &[
            "frame.protocols",
            "_ws.col.Protocol",
            "msstun.payload.kind",
            "msstun.payload.carrier",
            "rtp.ssrc",
            "msstun.tcp_data.bind_in",
        ],
    );
    for (f, r) in &rows {
        assert!(r[0][0].ends_with(":msstun:rtp"), "{f}: {r:?}");
        assert_eq!(r[1], ["RTP"], "{f}: the innermost protocol names the row");
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
    // Filters across both layers.
    assert_eq!(run.frames("msstun.payload.kind == 4 && rtp && msstun"), rtp);
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
