//! The relay's allocation table (msstun-analysis, fed live) against what a real coturn logs
//! about the same allocations (`turnserver -v`): lifetimes of every Refresh, the peers
//! permitted, the ChannelBind count, how each allocation ended, and the relayed packets
//! and bytes (coturn's "peer usage" line). Also: SIGUSR1 prints the tables mid-run.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;

fn skip(why: &str) {
    assert!(
        std::env::var_os("MSSTUN_REQUIRE_ALL").is_none(),
        "cannot run: {why} (MSSTUN_REQUIRE_ALL is set)"
    );
    eprintln!("SKIPPED: {why}");
}

/// What coturn logs about one session (= allocation).
#[derive(Debug, Default, Clone, PartialEq)]
struct Session {
    /// `remote` of its "closed" line: the client as coturn sees it (the relay's socket).
    remote: Option<String>,
    /// lifetime= of "new", then of every "refreshed".
    lifetimes: Vec<u64>,
    /// Peer IPs of "peer IP:PORT lifetime updated" (permissions).
    peers: Vec<String>,
    channel_binds: usize,
    deleted: bool,
    /// rp, rb, sp, sb of "peer usage".
    peer_usage: Option<[u64; 4]>,
}

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.split(key).nth(1)?;
    Some(rest.split([',', ' ']).next().unwrap_or(rest))
}

fn sessions(log: &str) -> BTreeMap<String, Session> {
    let mut out: BTreeMap<String, Session> = BTreeMap::new();
    for l in log.lines() {
        let Some(rest) = l.split("session ").nth(1) else {
            continue;
        };
        let Some((id, what)) = rest.split_once(": ") else {
            continue;
        };
        let s = out.entry(id.to_string()).or_default();
        if what.starts_with("new,") || what.starts_with("refreshed,") {
            if let Some(v) = field(what, "lifetime=").and_then(|v| v.parse().ok()) {
                s.lifetimes.push(v);
            }
        } else if what.starts_with("peer usage:") {
            let n = |k| field(what, k).and_then(|v| v.parse().ok()).unwrap_or(0);
            s.peer_usage = Some([n("rp="), n("rb="), n("sp="), n("sb=")]);
        } else if let Some(p) = what.strip_prefix("peer ") {
            if p.contains("lifetime updated") {
                let a = p.split(' ').next().unwrap_or("");
                let ip = a.rsplit_once(':').map_or(a, |x| x.0).to_string();
                if !s.peers.contains(&ip) {
                    s.peers.push(ip);
                }
            }
        } else if what.contains("CHANNEL_BIND processed, success") {
            s.channel_binds += 1;
        } else if what.starts_with("delete:") {
            s.deleted = true;
        } else if what.starts_with("closed") {
            s.remote = field(what, "remote ").map(str::to_string);
        }
    }
    out.retain(|_, s| !s.lifetimes.is_empty());
    out
}

/// Run `turnutils_uclient FLAGS` through a relay with `--tables json`, wait until coturn
/// logged the end of every deleted session, and return (coturn sessions, relay report).
fn run(flags: &[&str]) -> Option<(BTreeMap<String, Session>, serde_json::Value, String)> {
    if let Some(missing) = coturn_missing() {
        skip(&format!("`{missing}` not found; install coturn"));
        return None;
    }
    let turn = Coturn::start();
    let relay = Relay::start(&turn.addr(), &["--tables", "json", "--quiet"]);
    let via = uclient(flags, relay.port, turn.peer_port);
    assert!(
        via.success,
        "client failed through the relay:\n{}",
        via.output
    );
    // coturn logs usage and deletion when it frees a deleted allocation (about a second
    // later), and writes its log out on exit.
    std::thread::sleep(Duration::from_secs(3));
    let stopped = relay.stop();
    let log = turn.stop_for_log();
    let line = stopped
        .stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("{\"record\":\"tables\""))
        .unwrap_or_else(|| panic!("no tables line:\n{}", stopped.stderr))
        .to_string();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["tables"], "shutdown");
    Some((sessions(&log), v["report"].clone(), log))
}

/// Pair each coturn session with the relay's allocation whose XOR-MAPPED-ADDRESS (the
/// client as the server saw it) is the session's remote; sessions coturn has not closed
/// are matched by their lifetimes in order.
fn check(sessions: &BTreeMap<String, Session>, report: &serde_json::Value, log: &str) {
    let allocs = report["allocations"].as_array().unwrap();
    let ctx = || format!("coturn sessions {sessions:#?}\nrelay report {report:#}\nlog:\n{log}");
    assert_eq!(allocs.len(), sessions.len(), "{}", ctx());
    let mut unmatched: Vec<&serde_json::Value> = allocs.iter().collect();
    for (id, s) in sessions {
        let pos = match &s.remote {
            Some(r) => unmatched.iter().position(|a| a["mapped"] == r.as_str()),
            None => unmatched.iter().position(|a| a["end"]["state"] == "active"),
        }
        .unwrap_or_else(|| panic!("session {id}: no allocation\n{}", ctx()));
        let a = unmatched.remove(pos);
        // Lifetimes: the Allocate's grant, then every Refresh's.
        let mut lifetimes = vec![a["first_granted_lifetime"].as_u64().expect("granted")];
        for r in a["refreshes"].as_array().unwrap() {
            lifetimes.push(r["granted"].as_u64().expect("refresh answered"));
        }
        assert_eq!(lifetimes, s.lifetimes, "session {id} lifetimes\n{}", ctx());
        // A TCP allocation also ends when its control connection closes.
        let deleted = a["end"]["state"] == "deleted" || a["end"]["state"] == "closed";
        assert_eq!(
            deleted,
            s.deleted || s.lifetimes.last() == Some(&0),
            "session {id} end\n{}",
            ctx()
        );
        let peers: Vec<String> = a["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["peer"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(peers, s.peers, "session {id} permissions\n{}", ctx());
        let binds: u64 = a["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| 1 + c["refreshes"].as_u64().unwrap())
            .sum();
        assert_eq!(
            binds as usize,
            s.channel_binds,
            "session {id} ChannelBinds\n{}",
            ctx()
        );
        if let Some([rp, rb, sp, sb]) = s.peer_usage {
            let sum = |k: &str| -> u64 {
                a["traffic"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t[k].as_u64().unwrap())
                    .sum()
            };
            // Bytes always; packets where they are datagrams or messages (UDP) — on an
            // unframed RFC 6062 data connection coturn counts its reads, the relay its chunks.
            assert_eq!(
                [sum("from_peer_bytes"), sum("to_peer_bytes")],
                [rb, sb],
                "session {id} peer usage bytes (rb sb)\n{}",
                ctx()
            );
            if a["transport"] == "udp" {
                assert_eq!(
                    [sum("from_peer_packets"), sum("to_peer_packets")],
                    [rp, sp],
                    "session {id} peer usage packets (rp sp)\n{}",
                    ctx()
                );
            }
        }
    }
}

#[test]
fn udp_channels_match_coturn_log() {
    let Some((sessions, report, log)) = run(&[]) else {
        return;
    };
    assert!(sessions.values().any(|s| s.channel_binds > 0), "{log}");
    assert!(
        sessions
            .values()
            .any(|s| s.peer_usage.is_some_and(|u| u[0] > 0)),
        "{log}"
    );
    check(&sessions, &report, &log);
}

#[test]
fn udp_send_indications_match_coturn_log() {
    // -s: data in Send/Data indications (XOR-PEER-ADDRESS and DATA), not ChannelData.
    let Some((sessions, report, log)) = run(&["-s"]) else {
        return;
    };
    assert!(
        sessions
            .values()
            .any(|s| s.peer_usage.is_some_and(|u| u[0] > 0)),
        "{log}"
    );
    check(&sessions, &report, &log);
    // Data only to permitted peers: no permission events.
    let events = report["events"].to_string();
    assert!(!events.contains("no_permission"), "{events}");
}

#[test]
fn tcp_relay_rfc6062_matches_coturn_log() {
    let Some((sessions, report, log)) = run(&["-T"]) else {
        return;
    };
    check(&sessions, &report, &log);
    let dcs: usize = report["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["data_connections"].as_array().unwrap().len())
        .sum();
    assert!(dcs > 0, "{report:#}");
}

#[test]
fn sigusr1_prints_tables() {
    if let Some(missing) = coturn_missing() {
        skip(&format!("`{missing}` not found; install coturn"));
        return;
    }
    let turn = Coturn::start();
    let relay = Relay::start(&turn.addr(), &["--tables", "text", "--quiet"]);
    let via = uclient(&[], relay.port, turn.peer_port);
    assert!(via.success, "{}", via.output);
    relay.sigusr1();
    let ok = wait_for(Duration::from_secs(5), || {
        relay
            .stdout()
            .contains("=== msstun-relay tables (SIGUSR1) ===")
    });
    let out = relay.stdout();
    assert!(ok, "no tables after SIGUSR1:\n{out}");
    assert!(out.contains("MS-STUN allocations: "), "{out}");
    assert!(out.contains("MS-STUN ICE sessions: 0"), "{out}");
    let s = relay.stop();
    assert!(
        s.stdout.contains("=== msstun-relay tables (shutdown) ==="),
        "{}",
        s.stdout
    );
    assert_eq!(s.status.and_then(|x| x.code()), Some(0));
}
