//! The troubleshooter's answers in the real tshark (issue 21): on captures of four failures
//! made against a real coturn (scripts/capture-diag.sh), the finding on its proving frame
//! (`msstun.finding`, its expert item naming the peer, the ports or the silent side) and the
//! `-z msstun,diag` table; on the healthy captures, the outcomes and no problem finding —
//! every finding of each capture is listed here.

mod common;
use std::path::Path;

use common::*;

const WARN: &str = "6291456";

/// (frame, finding codes) of every frame with findings, the expert items of every frame,
/// and the `-z msstun,diag` text.
fn run(file: &str) -> (Vec<(u32, String)>, Rows, String) {
    let r = Run::from_file(Path::new(file), &[]);
    let rows = r.fields(
        Some("msstun.finding"),
        &[
            "msstun.finding",
            "_ws.expert.message",
            "_ws.expert.severity",
        ],
    );
    let found = rows.iter().map(|(f, v)| (*f, v[0].join(","))).collect();
    let diag = r.raw(&["-q", "-2", "-z", "msstun,diag"]);
    (found, rows, diag)
}

/// The expert message of `frame` that contains `needle`, and its severity.
fn message(rows: &Rows, frame: u32, needle: &str) -> (String, String) {
    let r = &rows[&frame];
    let i = r[1]
        .iter()
        .position(|m| m.contains(needle))
        .unwrap_or_else(|| panic!("frame {frame}: no expert item with {needle:?}: {:?}", r[1]));
    (r[1][i].clone(), r[2][i].clone())
}

fn list(v: &[(u32, &str)]) -> Vec<(u32, String)> {
    v.iter().map(|(f, c)| (*f, c.to_string())).collect()
}

/// coturn refusing loopback peers (its default): the 403 to CreatePermission names the
/// peer, its range and the server's policy.
#[test]
fn forbidden_peer_names_the_peer() {
    let (found, rows, diag) = run("tests/captures/diag-forbidden.pcapng");
    assert_eq!(found, list(&[(2, "auth_challenge"), (6, "forbidden_peer")]));
    let (m, sev) = message(&rows, 6, "Peer forbidden");
    assert!(
        m.contains(
            "CreatePermission for peer 127.0.0.1:40000 (loopback): the server's policy denies it"
        ),
        "{m}"
    );
    assert!(diag.contains("Next: allow the peer's range in the server's peer policy (coturn: --allow-loopback-peers"), "{diag}");
    assert_eq!(sev, WARN);
    let (m, sev) = message(&rows, 2, "Authentication challenge");
    assert!(m.contains("the retry succeeded (frame 4)"), "{m}");
    assert_eq!(sev, "2097152", "chat: normal");
    assert!(diag.contains("MS-STUN Diagnosis"), "{diag}");
    assert!(diag.contains("frame 6      warn  forbidden_peer"), "{diag}");
    assert!(diag.contains("               frames 5, 6"), "{diag}");
    // The filters the table prints select what they name.
    let filter = r#"msstun.finding == "forbidden_peer" && frame.number == 6"#;
    assert!(diag.contains(&format!("filter {filter}")), "{diag}");
    let r = Run::from_file(Path::new("tests/captures/diag-forbidden.pcapng"), &[]);
    assert_eq!(r.frames(filter), vec![6]);
    assert!(diag.contains("filter msstun.allocation.id == 1"), "{diag}");
    assert_eq!(
        r.frames("msstun.allocation.id == 1"),
        (1..=8).collect::<Vec<_>>()
    );
}

/// An RFC 6062 ConnectionAttempt left unbound for 35 s: coturn dropped the peer's
/// connection (RST after 30 s); the finding is on the ConnectionAttempt.
#[test]
fn attempt_not_bound_names_the_peer() {
    let (found, rows, diag) = run("tests/captures/diag-unbound.pcapng");
    assert_eq!(
        found,
        list(&[(6, "auth_challenge"), (15, "attempt_not_bound")])
    );
    let (m, sev) = message(&rows, 15, "ConnectionAttempt not bound within 30 s");
    assert!(
        m.contains("peer 127.0.0.1:35754 CONNECTION-ID 0xa494e000: no ConnectionBind"),
        "{m}"
    );
    assert_eq!(sev, WARN);
    assert!(
        diag.contains("frame 15     warn  attempt_not_bound"),
        "{diag}"
    );
}

/// Allocate to UDP 3480 where nothing listens (three transmissions), then over TCP 3478:
/// the finding names both ports, on the first UDP request.
#[test]
fn udp_unanswered_tcp_used_names_the_ports() {
    let (found, rows, diag) = run("tests/captures/diag-fallback.pcapng");
    assert_eq!(
        found,
        list(&[(1, "udp_unanswered_tcp_used"), (12, "auth_challenge")])
    );
    let (m, sev) = message(&rows, 1, "UDP to the TURN server unanswered");
    assert!(
        m.contains("client 127.0.0.1: UDP port 3480 unanswered (1 Allocate, 3 transmissions, 3 ICMP errors), then TCP port 3478 (127.0.0.1:3478, allocation 2, frame 10)"),
        "{m}"
    );
    assert_eq!(sev, WARN);
    assert!(diag.contains("Allocation 1 udp "), "{diag}");
    assert!(diag.contains(":3480: never answered"), "{diag}");
    assert!(diag.contains("               frames 1, 10"), "{diag}");
}

/// ICE checks answered one way: the side that does not answer is named; the session failed.
#[test]
fn checks_one_way_names_the_silent_side() {
    let (found, rows, diag) = run("tests/captures/diag-oneway.pcapng");
    assert_eq!(found, list(&[(2, "check_unanswered,checks_one_way")]));
    let (m, sev) = message(&rows, 2, "ICE checks answered in one direction only");
    assert!(
        m.contains("checks 127.0.0.1:50333 -> 127.0.0.1:35289 answered, 127.0.0.1:35289 -> 127.0.0.1:50333 unanswered"),
        "{m}"
    );
    assert!(m.contains("127.0.0.1:50333 does not answer"), "{m}");
    assert_eq!(sev, WARN);
    assert!(
        diag.contains("ICE session 1 (aUfr / bUfr): failed"),
        "{diag}"
    );
    assert!(
        diag.contains("because: check_unanswered, checks_one_way"),
        "{diag}"
    );
}

/// Where nothing went wrong: every finding is a normal step (the 401 answered by the
/// authenticated retry, the pair made valid), each listed; the session is connected.
#[test]
fn healthy_captures_have_no_problem_finding() {
    for (file, want, connected) in [
        (
            "examples/seed-tcp-turn.pcapng",
            vec![(6, "auth_challenge"), (21, "pair_valid")],
            "ICE session 1 (MRAv / a9Xy): connected on pair 1 (valid)\n   path relayed TCP via allocation 1 (server 10.48.54.229:3478 over TCP 3478, RFC 6062 TCP relay)",
        ),
        (
            "tests/captures/webrtc-aioice.pcapng",
            vec![(3, "auth_challenge"), (4, "auth_challenge"), (22, "pair_valid")],
            "ICE session 1 (NbE8 / rc6m): connected on pair 1 (nominated)\n   path relayed UDP via allocation 1 (server 127.0.0.1:3478 over UDP)",
        ),
        (
            "tests/captures/msmode-oc2007r2.pcapng",
            vec![(11, "pair_valid")],
            "connected on pair 1 (nominated)\n   path host UDP 127.0.0.1:47109 <-> 127.0.0.1:47117",
        ),
        (
            "tests/captures/msmode-oc2007.pcapng",
            vec![(13, "pair_valid")],
            "connected on pair 1 (valid)\n   path host UDP 127.0.0.1:47203 <-> 127.0.0.1:47219",
        ),
    ] {
        let (found, _, diag) = run(file);
        assert_eq!(found, list(&want), "{file}");
        assert!(diag.contains(connected), "{file}\n{diag}");
        assert!(!diag.contains(" warn "), "{file}\n{diag}");
    }
}
