//! msstun out of the box: the STUN/TURN ports without Decode As, [MS-TURN] on TCP 443 beside
//! real TLS, the switch that gives the ports back, non-STUN payloads on owned ports, and flows
//! that stay msstun's whatever they relay.

mod common;

use common::*;
use std::path::Path;

/// Layers of a frame (`frame.protocols` split at ':').
fn layers(run: &Run, frame: u32) -> Vec<String> {
    run.get(frame, "frame.protocols")
        .first()
        .map(|p| p.split(':').map(String::from).collect())
        .unwrap_or_default()
}

#[test]
fn standard_ports_need_no_decode_as() {
    let fx = fixture("ports");
    let run = Run::new(&fx, &[]);
    for label in [
        "udp3478-req",
        "udp3478-resp",
        "udp3479-req",
        "udp3480-resp",
        "udp3481-req",
        "udp-random-req",
        "tcp3478-req",
        "tcp3478-resp",
    ] {
        let f = fx.frame(label);
        let l = layers(&run, f);
        assert_eq!(
            l.last().map(String::as_str),
            Some("msstun"),
            "{label}: {l:?}"
        );
        assert!(!l.iter().any(|p| p == "stun"), "{label}: {l:?}");
    }
    assert_eq!(
        nums(&run.get(fx.frame("tcp3478-resp"), "msstun.att.error_code.code")),
        [401]
    );
}

#[test]
fn not_stun_on_an_owned_port_is_handed_on_with_one_note() {
    let fx = fixture("ports");
    let run = Run::new(&fx, &[]);
    let (rtp, x03, x06) = (
        fx.frame("udp3480-rtp"),
        fx.frame("udp3480-0x03"),
        fx.frame("udp3480-0x06"),
    );
    let rows = run.fields(
        Some("msstun.payload.kind"),
        &["msstun.payload.kind", "_ws.col.Info"],
    );
    assert_eq!(rows.keys().copied().collect::<Vec<_>>(), [rtp, x03, x06]);
    assert_eq!(nums(&rows[&rtp][0]), [4], "RTP");
    assert_eq!(
        nums(&rows[&x03][0]),
        [0],
        "first byte 0x03: STUN's range, no STUN header"
    );
    assert_eq!(nums(&rows[&x06][0]), [6], "first byte 0x06: other");
    assert!(
        rows[&x03][1][0].starts_with("Not STUN (first byte 0x03)"),
        "{:?}",
        rows[&x03]
    );
    // Never an error, never "malformed"; one note for the flow.
    assert!(run
        .frames("_ws.malformed || _ws.expert.severity == error")
        .is_empty());
    assert_eq!(run.frames("msstun.expert.not_stun"), [rtp]);
    // Handed on: RTP to Wireshark's RTP dissector, the rest to data.
    assert_eq!(run.frames("rtp"), [rtp]);
    assert_eq!(run.frames("data"), [x03, x06]);
}

#[test]
fn the_switch_gives_every_port_back() {
    let fx = fixture("ports");
    let cols = ["frame.protocols", "_ws.col.Info"];
    let stock = {
        let sb = Sandbox::new(false);
        let pcap = sb.write("ports.pcapng", &fx.pcapng);
        Run {
            sb,
            pcap,
            opts: vec![],
        }
        .fields(None, &cols)
    };
    let off = Run::new(&fx, &["-o", "msstun.take_ports:FALSE"]).fields(None, &cols);
    let disabled = Run::new(&fx, &["--disable-protocol", "msstun"]).fields(None, &cols);
    // 3478 (UDP and TCP) is the built-in stun's again, decoded exactly as without msstun.
    for label in ["udp3478-req", "udp3478-resp", "tcp3478-req", "tcp3478-resp"] {
        let f = fx.frame(label);
        assert_eq!(off[&f], stock[&f], "{label}");
        assert_eq!(disabled[&f], stock[&f], "{label}, msstun disabled");
        assert!(off[&f][0][0].ends_with(":stun"), "{label}: {:?}", off[&f]);
    }
    // Decode As still gives msstun a port it no longer takes.
    let da = Run::new(
        &fx,
        &[
            "-o",
            "msstun.take_ports:FALSE",
            "-d",
            "udp.port==3478,msstun",
        ],
    );
    assert!(layers(&da, fx.frame("udp3478-req")).ends_with(&["msstun".to_string()]));
    // Preferences move single ports: UDP 3479 only.
    let one = Run::new(&fx, &["-o", "msstun.udp_ports:3479"]);
    assert!(layers(&one, fx.frame("udp3479-req")).ends_with(&["msstun".to_string()]));
    assert!(layers(&one, fx.frame("udp3478-req")).ends_with(&["stun".to_string()]));
    assert!(layers(&one, fx.frame("tcp3478-req")).ends_with(&["msstun".to_string()]));
}

#[test]
fn port_preferences_are_listed() {
    let sb = Sandbox::new(true);
    let prefs = sb.tshark_ok(&["-G", "currentprefs"]);
    for (name, default) in [
        ("msstun.take_ports", "TRUE"),
        ("msstun.tcp_ports", "3478"),
        ("msstun.udp_ports", "3478-3481"),
        ("msstun.shared_tcp_ports", "443"),
    ] {
        let line = format!("#{name}: {default}");
        assert!(
            prefs.lines().any(|l| l == line),
            "{line} not in -G currentprefs"
        );
    }
}

/// The `tls-port` fixture and a real TLS capture (OpenSSL on loopback, both on port 443)
/// in one file, decoded with and without msstun.so.
fn mixed_443() -> (Fixture, Run, Run) {
    let fx = fixture("tls-port");
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/real-tls-443.pcapng");
    let sb = Sandbox::new(false);
    let a = sb.write("tls-port.pcapng", &fx.pcapng);
    let merged = sb.dir.join("mixed.pcapng");
    let st = std::process::Command::new("mergecap")
        .arg("-a")
        .arg("-w")
        .arg(&merged)
        .arg(&a)
        .arg(&real)
        .status()
        .expect("run mergecap");
    assert!(st.success(), "mergecap failed");
    let with = Run::from_file_with(&merged, &[], true);
    let without = Run::from_file_with(&merged, &[], false);
    (fx, with, without)
}

#[test]
fn ms_turn_on_443_is_msstun_and_tls_stays_tls() {
    let (fx, with, without) = mixed_443();
    let ours: Vec<u32> = [
        "pseudo-client-hello",
        "pseudo-server-hello",
        "pseudo-alloc-req",
        "pseudo-alloc-ok",
        "mstcp-alloc-req",
        "mstcp-alloc-ok",
        "plain-alloc-req",
    ]
    .iter()
    .map(|l| fx.frame(l))
    .collect();
    assert_eq!(with.frames("msstun"), ours);
    assert_eq!(
        nums(&with.get(fx.frame("pseudo-alloc-req"), "msstun.framing")),
        [FR_PSEUDO_TLS]
    );
    // Without msstun the pseudo-TLS hello is mistaken for TLS: msstun is what tells them apart.
    assert!(without
        .frames("tls")
        .contains(&fx.frame("pseudo-client-hello")));
    // The real TLS sessions: the same frames are TLS, with the same layers and the same TLS
    // tree, as without the plugin.
    let tls_with = with.frames("tls");
    let tls_without: Vec<u32> = without
        .frames("tls")
        .into_iter()
        .filter(|f| *f > fx.frames)
        .collect();
    assert!(tls_without.len() >= 15, "{tls_without:?}");
    assert_eq!(tls_with, tls_without);
    let cols = ["frame.protocols", "_ws.col.Protocol", "_ws.col.Info"];
    let (a, b) = (
        with.fields(Some("tls"), &cols),
        without.fields(Some("tls && frame.number > 25"), &cols),
    );
    assert_eq!(a, b);
    let json = |run: &Run, filter: &str| -> Vec<serde_json::Value> {
        let out = run.raw(&["-2", "-T", "json", "-Y", filter]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("tshark json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|p| p["_source"]["layers"]["tls"].clone())
            .collect()
    };
    let ja = json(&with, "tls && frame.number > 25");
    assert_eq!(ja.len(), tls_with.len());
    assert!(ja.iter().all(|t| !t.is_null()));
    // Stock Wireshark on the real TLS capture alone: the same TLS layer, field for field.
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/real-tls-443.pcapng");
    let alone = Run::from_file_with(&real, &[], false);
    assert_eq!(
        ja,
        json(&alone, "tls"),
        "the TLS layer differs with msstun.so installed"
    );
    // And on the mixed capture too, but for Wireshark ≥ 4.2's TLS stream index
    // (`tls.stream`), which without msstun also counts the three MS-TURN connections it
    // mistakes for TLS.
    let strip = |v: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        v.into_iter()
            .map(|mut t| {
                if let Some(o) = t.as_object_mut() {
                    o.remove("tls.stream");
                }
                t
            })
            .collect()
    };
    assert_eq!(
        strip(ja),
        strip(json(&without, "tls && frame.number > 25")),
        "the TLS layer differs with msstun.so installed"
    );
}

/// A TLS ClientHello split across two segments on TCP 443 (a browser's, with post-quantum
/// key shares, is larger than a segment) is reassembled by TLS as without the plugin: the hop
/// msstun puts on the shared port hands TCP's offer to desegment on to TLS.
#[test]
fn a_split_client_hello_on_443_is_reassembled_as_without_msstun() {
    use msstun_fixtures::capture::{sa, Capture, Dir};
    // TLS 1.2 ClientHello: version, random, no session id, one cipher suite, one
    // compression method, a 1,400-byte padding extension.
    let mut body = vec![3, 3];
    body.extend_from_slice(&[0; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    let ext_len: u16 = 4 + 1400;
    body.extend_from_slice(&ext_len.to_be_bytes());
    body.extend_from_slice(&[0x00, 0x15]);
    body.extend_from_slice(&1400u16.to_be_bytes());
    body.extend_from_slice(&[0; 1400]);
    let mut hs = vec![1];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    let mut cap = Capture::new();
    let mut c = cap.tcp_open(sa([10, 0, 7, 1], 50600), sa([10, 0, 7, 2], 443));
    cap.tcp_send_split(&mut c, Dir::C2S, &rec, &[700]);
    cap.label("hello");
    cap.tcp_close(&mut c);
    let sb = Sandbox::new(false);
    let path = sb.write("split-hello.pcapng", &cap.to_pcapng());
    let with = Run::from_file_with(&path, &[], true);
    let without = Run::from_file_with(&path, &[], false);
    let hello = cap.labels()["hello"];
    assert_eq!(without.frames("tls.handshake.type == 1"), vec![hello]);
    assert_eq!(with.frames("tls.handshake.type == 1"), vec![hello]);
    let cols = ["frame.protocols", "_ws.col.Protocol", "_ws.col.Info"];
    assert_eq!(with.fields(None, &cols), without.fields(None, &cols));
}

#[test]
fn relayed_ice_checks_keep_the_flow_msstun() {
    let fx = fixture("relayed-check");
    let run = Run::new(&fx, &[]);
    for f in 1..=fx.frames {
        let l = layers(&run, f);
        assert_eq!(
            l.last().map(String::as_str),
            Some("msstun"),
            "frame {f}: {l:?}"
        );
        assert!(!l.iter().any(|p| p == "stun"), "frame {f}: {l:?}");
    }
    // The check inside each Send indication and its answer inside the Data indication are
    // msstun messages of their own, linked as a transaction.
    let (send, data) = (fx.frame("send2"), fx.frame("data2"));
    assert_eq!(nums(&run.get(send, "msstun.type")), [0x0016, 0x0001]);
    assert_eq!(nums(&run.get(data, "msstun.type")), [0x0017, 0x0101]);
    assert_eq!(
        nums(&run.get(send, "msstun.response_in")),
        [u64::from(data)]
    );
    assert_eq!(
        nums(&run.get(data, "msstun.response_to")),
        [u64::from(send)]
    );
    // The messages after the relayed checks are still msstun's.
    assert_eq!(
        nums(&run.get(fx.frame("refresh-ok"), "msstun.response_to")),
        [u64::from(fx.frame("refresh-req"))]
    );
}
