//! The relay says the analysis' findings when they happen: a real coturn that refuses
//! loopback peers (its default) answers our client's CreatePermission for a loopback peer
//! with 403 through the relay; the relay prints `forbidden_peer` naming the peer — as a
//! JSON object (`"record": "finding"`) with `--format json`, as a line in text — and the
//! shutdown tables hold it too.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::*;

fn skip(why: &str) {
    assert!(
        std::env::var_os("MSSTUN_REQUIRE_ALL").is_none(),
        "cannot run: {why} (MSSTUN_REQUIRE_ALL is set)"
    );
    eprintln!("SKIPPED: {why}");
}

fn scenario(name: &str, server: &str) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/diag_scenarios.py");
    let out = Command::new("python3")
        .arg(script)
        .args([name, "--server", server])
        .output()
        .expect("python3");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{name}: {text}");
    text
}

#[test]
fn forbidden_peer_said_live_json_and_text() {
    if let Some(missing) = coturn_missing() {
        skip(&format!("`{missing}` not found; install coturn"));
        return;
    }
    if !have("python3") {
        skip("python3 not found");
        return;
    }
    let turn = Coturn::start_with(false);
    for format in ["json", "text"] {
        let relay = Relay::start(
            &turn.addr(),
            &["--format", format, "--tables", format, "--quiet"],
        );
        let said = scenario("forbidden", &relay.addr());
        assert!(said.contains("-> 403"), "{said}");
        let live = wait_for(Duration::from_secs(5), || {
            relay.stdout().contains("forbidden_peer")
        });
        let out = relay.stdout();
        assert!(live, "no finding while running:\n{out}");
        let stopped = relay.stop();
        if format == "json" {
            let findings: Vec<serde_json::Value> = stopped
                .stdout
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter(|v| v["record"] == "finding")
                .collect();
            let codes: Vec<&str> = findings
                .iter()
                .map(|f| f["code"].as_str().unwrap())
                .collect();
            // Every finding: the 401 of the first Allocate (normal), the 403.
            assert_eq!(
                codes,
                ["auth_challenge", "forbidden_peer"],
                "{}",
                stopped.stdout
            );
            let f = &findings[1];
            assert_eq!(f["severity"], "warn");
            assert_eq!(f["allocation"], 1);
            let detail = f["detail"].as_str().unwrap();
            assert!(
                detail.contains("CreatePermission for peer 127.0.0.1:40000 (loopback)"),
                "{detail}"
            );
            assert!(f["next_step"]
                .as_str()
                .unwrap()
                .contains("--allow-loopback-peers"));
            assert!(f["ts"].is_string());
            // The request and the 403 prove it (the relay numbers decoded items).
            assert_eq!(f["frames"].as_array().unwrap().len(), 2, "{f}");
            let tables = stopped
                .stdout
                .lines()
                .find(|l| l.starts_with("{\"record\":\"tables\""))
                .expect("tables");
            let t: serde_json::Value = serde_json::from_str(tables).unwrap();
            assert_eq!(t["report"]["findings"][1]["code"], "forbidden_peer");
            assert_eq!(
                t["report"]["allocations"][0]["findings"],
                serde_json::json!(["auth_challenge", "forbidden_peer"])
            );
        } else {
            let line = stopped
                .stdout
                .lines()
                .find(|l| l.contains("finding forbidden_peer"))
                .unwrap_or_else(|| panic!("{}", stopped.stdout));
            assert!(line.contains("[warn] allocation 1"), "{line}");
            assert!(line.contains("peer 127.0.0.1:40000 (loopback)"), "{line}");
            assert!(
                stopped.stdout.contains("Allocation 1 udp "),
                "{}",
                stopped.stdout
            );
        }
    }
}

/// A wrong password: coturn answers the authenticated retry with 401; with the right
/// password in the relay's `--credentials`, `auth_failed` says the key is wrong.
#[test]
fn auth_failed_says_the_key_is_wrong() {
    if let Some(missing) = coturn_missing() {
        skip(&format!("`{missing}` not found; install coturn"));
        return;
    }
    if !have("python3") {
        skip("python3 not found");
        return;
    }
    let turn = Coturn::start();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds");
    std::fs::write(&creds, "alice:example.org:wonderland\n").unwrap();
    let relay = Relay::start(
        &turn.addr(),
        &[
            "--format",
            "json",
            "--tables",
            "json",
            "--quiet",
            "--credentials",
            creds.to_str().unwrap(),
        ],
    );
    let said = scenario("authfail", &relay.addr());
    assert!(said.contains("-> 401"), "{said}");
    assert!(wait_for(Duration::from_secs(5), || relay
        .stdout()
        .contains("auth_failed")));
    let stopped = relay.stop();
    let f: serde_json::Value = stopped
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["record"] == "finding")
        .expect("a finding");
    assert_eq!(f["code"], "auth_failed", "{}", stopped.stdout);
    let detail = f["detail"].as_str().unwrap();
    assert!(
        detail.contains("USERNAME alice REALM example.org"),
        "{detail}"
    );
    assert!(
        detail.contains("credentials row: the key is wrong"),
        "{detail}"
    );
}
