//! TURN over TLS and DTLS, decrypted by Wireshark from the clients' key log: a real coturn
//! session on 443 (no ALPN), one on 5349 (ALPN "stun.turn", RFC 7443) and a Binding over DTLS
//! on 5349, from
//! `scripts/capture-webrtc-media.sh` (aiortc/aioice with Python's `ssl`, which writes the
//! key log); and a real coturn TURN session over DTLS on 5349 (allocation, permission,
//! channels, ChannelData) from `scripts/capture-turn-dtls.sh` (coturn's `turnutils_uclient
//! -S`, key log through `scripts/keylog-preload.c`). With the key log, every STUN message and
//! ChannelData inside is msstun's and the session analysis follows the allocations; without
//! it, TLS and DTLS stay TLS and DTLS as they are without msstun.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn capture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/webrtc-media.pcapng")
}

fn with_keys(plugin: bool) -> Run {
    with_keys_of(&capture(), plugin)
}

/// The coturn TURN-over-DTLS session (`scripts/capture-turn-dtls.sh`).
fn dtls_capture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/turn-dtls.pcapng")
}

fn with_keys_of(capture: &Path, plugin: bool) -> Run {
    let run = Run::from_file_with(capture, &[], plugin);
    let keys = std::fs::read(capture.with_extension("keys")).expect("key log");
    let k = run.sb.write("keys.log", &keys);
    Run {
        opts: vec!["-o".into(), format!("tls.keylog_file:{}", k.display())],
        ..run
    }
}

const TLS_PORTS: &str = "(tcp.port == 443 || tcp.port == 5349 || udp.port == 5349)";

#[test]
fn every_tls_record_of_the_turn_sessions_is_msstuns() {
    let run = with_keys(true);
    // Every decrypted application-data record holds STUN or ChannelData, decoded by msstun.
    let app = run.frames(&format!("{TLS_PORTS} && tls.app_data"));
    assert!(app.len() > 400, "{} frames", app.len());
    let ours = run.frames(&format!("{TLS_PORTS} && tls.app_data && msstun"));
    assert_eq!(app, ours, "records not decoded by msstun");
    assert_eq!(
        run.frames(&format!("{TLS_PORTS} && http")),
        Vec::<u32>::new()
    );
    // Both ports: Allocate, Refresh or ChannelBind, and ChannelData, each way.
    for port in [443, 5349] {
        let alloc = run.frames(&format!("tcp.port == {port} && msstun.method == 0x003"));
        let chan = run.frames(&format!("tcp.port == {port} && msstun.channel"));
        assert!(
            alloc.len() >= 4 && chan.len() > 100,
            "port {port}: {alloc:?} {}",
            chan.len()
        );
    }
    // Stock Wireshark decodes none of it as STUN: 443 goes to HTTP, 5349 to turnchannel.
    let stock = with_keys(false);
    assert_eq!(
        stock.frames(&format!("{TLS_PORTS} && stun.type")),
        Vec::<u32>::new()
    );
}

#[test]
fn the_analysis_lists_the_tls_allocations() {
    let run = with_keys(true);
    let z = run.raw(&["-q", "-2", "-z", "msstun,alloc"]);
    for server in ["127.0.0.1:443", "127.0.0.1:5349"] {
        let n = z.lines().filter(|l| l.contains(server)).count();
        assert!(n >= 2, "{server} allocations not listed:\n{z}");
    }
}

/// DTLS on 5349 (OpenSSL's s_client sends a Binding request; coturn answers): with the key
/// log both are msstun's; stock Wireshark leaves them as DTLS application data.
#[test]
fn stun_over_dtls_on_5349_is_msstuns() {
    let run = with_keys(true);
    let rows = run.fields(Some("udp.port == 5349 && dtls.app_data"), &["msstun.type"]);
    let types: Vec<Vec<u64>> = rows.values().map(|r| nums(&r[0])).collect();
    assert_eq!(types, [vec![0x0001], vec![0x0101]], "{rows:?}");
    let stock = with_keys(false);
    assert_eq!(stock.frames("udp.port == 5349 && stun"), Vec::<u32>::new());
}

#[test]
fn without_keys_tls_stays_tls() {
    let with = Run::from_file(&capture(), &[]);
    let without = Run::from_file_with(&capture(), &[], false);
    let cols = [
        "tls.record.content_type",
        "tls.record.length",
        "tls.handshake.type",
        "_ws.col.Protocol",
    ];
    let a = with.fields(Some(TLS_PORTS), &cols);
    let b = without.fields(Some(TLS_PORTS), &cols);
    assert!(a.len() > 600);
    assert_eq!(a, b);
    assert_eq!(
        with.frames(&format!("{TLS_PORTS} && msstun")),
        Vec::<u32>::new()
    );
}

/// coturn's TURN over DTLS on 5349 (ALPN "stun.turn", which coturn's client offers): with
/// the key log every decrypted record — Allocate, Refresh, ChannelBind, CreatePermission and
/// their answers, ChannelData on RFC 5766 channel numbers (0x4000–0x7FFF, where coturn's
/// client picks them) — is msstun's; stock Wireshark shows the STUN messages as DTLS
/// application data.
#[test]
fn coturn_turn_over_dtls_is_msstuns() {
    let run = with_keys_of(&dtls_capture(), true);
    let app = run.frames("udp.port == 5349 && dtls.app_data");
    assert_eq!(app.len(), 32, "{app:?}");
    let ours = run.frames("udp.port == 5349 && dtls.app_data && (msstun.type || msstun.channel)");
    assert_eq!(app, ours, "records not decoded by msstun");
    let mut methods: Vec<u64> = run
        .fields(Some("msstun.method"), &["msstun.method"])
        .values()
        .flat_map(|r| nums(&r[0]))
        .collect();
    methods.sort_unstable();
    methods.dedup();
    // Allocate, Refresh, CreatePermission, ChannelBind.
    assert_eq!(methods, [0x003, 0x004, 0x008, 0x009], "{methods:?}");
    let chan = run.frames("msstun.channel && !msstun.type");
    assert_eq!(chan.len(), 4, "ChannelData {chan:?}");
    assert_eq!(
        run.frames("_ws.expert.severity >= 0x00600000"),
        Vec::<u32>::new()
    );
    let stock = with_keys_of(&dtls_capture(), false);
    assert_eq!(stock.frames("stun.type"), Vec::<u32>::new());
}

#[test]
fn the_analysis_lists_the_dtls_allocation() {
    let run = with_keys_of(&dtls_capture(), true);
    let z = run.raw(&["-q", "-2", "-z", "msstun,alloc"]);
    let allocs: Vec<&str> = z
        .lines()
        .filter(|l| l.starts_with('#') && l.contains("-> 127.0.0.1:5349"))
        .collect();
    assert_eq!(allocs.len(), 2, "{z}");
    assert!(z.contains("user alice"), "{z}");
    assert!(z.contains("permission 127.0.0.1"), "{z}");
    assert_eq!(
        z.matches("<-> 127.0.0.1:348").count(),
        2,
        "two channels:\n{z}"
    );
    assert!(z.contains("state deleted"), "{z}");
}

#[test]
fn without_keys_dtls_stays_dtls() {
    let with = Run::from_file(&dtls_capture(), &[]);
    let without = Run::from_file_with(&dtls_capture(), &[], false);
    let cols = [
        "dtls.record.content_type",
        "dtls.record.length",
        "dtls.handshake.type",
        "_ws.col.Protocol",
        "_ws.col.Info",
    ];
    let a = with.fields(None, &cols);
    let b = without.fields(None, &cols);
    assert_eq!(a.len(), 72);
    assert_eq!(a, b);
    assert_eq!(with.frames("msstun"), Vec::<u32>::new());
}
