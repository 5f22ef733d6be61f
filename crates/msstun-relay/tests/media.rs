//! Relayed media reported live: RTP through the relay in front of a real coturn, over a UDP
//! allocation (ChannelData) and an RFC 6062 data connection (RFC 4571 frames), sent by the
//! project's TURN glue (`scripts/turn_media.py --generate`: PCMU with one sequence number
//! never sent). The relay's media objects must count the packets, the lost one and the
//! sequence jump per SSRC, periodically and at shutdown.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

fn glue(relay: &str, mode: &str, ssrc: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/turn_media.py");
    let peer = free_port().to_string();
    let out = Command::new("python3")
        .args([
            script,
            "--server",
            relay,
            "--user",
            "alice",
            "--password",
            "wonderland",
        ])
        .args([
            "--mode",
            mode,
            "--generate",
            "40",
            "--ssrc",
            ssrc,
            "--peer-port",
            &peer,
        ])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{mode}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn media_per_ssrc_through_coturn_over_channels_and_rfc6062() {
    if let Some(missing) = coturn_missing() {
        assert!(
            std::env::var_os("MSSTUN_REQUIRE_ALL").is_none(),
            "cannot run: {missing} missing (MSSTUN_REQUIRE_ALL is set)"
        );
        eprintln!("SKIPPED: {missing} not found");
        return;
    }
    let turn = Coturn::start();
    let relay = Relay::start(
        &turn.addr(),
        &["--format", "json", "--media-interval", "1", "--quiet"],
    );
    glue(&relay.addr(), "udp", "0x5eed0001");
    glue(&relay.addr(), "tcp", "0x5eed0002");
    std::thread::sleep(Duration::from_millis(1500));
    let s = relay.stop();
    let media: Vec<serde_json::Value> = s
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["report"] == "media")
        .collect();
    assert!(media.iter().all(|v| v["record"] == "media"), "{media:?}");
    assert!(
        media.iter().any(|v| v["last"] == false),
        "no periodic media line:\n{}",
        s.stdout
    );
    let last: Vec<&serde_json::Value> = media.iter().filter(|v| v["last"] == true).collect();
    for (carrier, transport, ssrc) in [
        ("channel-data", "udp", 0x5eed_0001u32),
        ("data-connection", "tcp", 0x5eed_0002),
    ] {
        let flows: Vec<_> = last
            .iter()
            .filter(|v| v["carrier"] == carrier && v["transport"] == transport)
            .collect();
        assert_eq!(flows.len(), 1, "{carrier}:\n{}", s.stdout);
        let f = flows[0];
        assert_eq!(f["kinds"]["rtp"]["packets"], 40, "{f}");
        assert_eq!(f["kinds"]["rtp"]["bytes"], 40 * 172, "{f}");
        if carrier == "channel-data" {
            assert_eq!(f["channel"], 0x4000, "{f}");
        }
        let rtp = f["rtp"].as_array().unwrap();
        assert_eq!(rtp.len(), 1, "{f}");
        assert_eq!(rtp[0]["ssrc"], ssrc);
        assert_eq!(rtp[0]["payload_type"], 0);
        assert_eq!(rtp[0]["packets"], 40);
        assert_eq!(rtp[0]["lost"], 1, "{f}");
        assert_eq!(rtp[0]["jumps"], 1, "{f}");
    }
    assert!(s.stderr.contains("media: "), "{}", s.stderr);
}
