//! The analysis on real and generated captures: the seed example, aioice (a WebRTC ICE)
//! through coturn, and libnice's Microsoft modes.

use std::path::PathBuf;

use msstun_analysis::replay::{analyze_bytes, analyze_file};
use msstun_analysis::{render, Event};

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(p)
}

/// The seed: one allocation, one RFC 6062 data connection to 192.168.1.252:53577, its
/// ICE pair valid because both directions were answered — from the bundled example and
/// from the generator that writes it.
#[test]
fn seed_example() {
    let fixture = msstun_fixtures::build("seed", 0).unwrap();
    for an in [
        analyze_file(&repo("examples/seed-tcp-turn.pcapng")).unwrap(),
        analyze_bytes(&fixture.pcapng).unwrap(),
    ] {
        let r = an.report();
        assert_eq!(r.allocations.len(), 1, "{}", render::text(&r));
        let a = &r.allocations[0];
        assert_eq!((a.transport, a.requested_transport), ("tcp", Some(6)));
        assert_eq!(a.relayed.as_deref(), Some("10.48.54.229:24000"));
        assert_eq!(a.realm.as_deref(), Some("TANDBERG"));
        assert_eq!(a.auth.errors, vec![(401, 1)]);
        assert_eq!(a.refreshes.len(), 1);
        // The capture ends with the control connection's FIN: a TCP allocation ends with it.
        assert_eq!(a.end.state, "closed");
        assert_eq!(a.data_connections.len(), 1);
        let d = &a.data_connections[0];
        assert_eq!(d.peer, "192.168.1.252:53577");
        assert_eq!(
            (d.via, d.bind_result.as_str(), d.tcp_stream),
            ("attempt", "ok", Some(1))
        );
        assert_eq!(r.ice_sessions.len(), 1);
        let s = &r.ice_sessions[0];
        assert_eq!(s.ufrags, vec!["MRAv", "a9Xy"]);
        assert_eq!(s.pairs.len(), 1);
        let p = &s.pairs[0];
        assert_eq!(
            (p.a.as_str(), p.b.as_str()),
            ("10.48.54.229:24000", "192.168.1.252:53577")
        );
        assert_eq!(
            (p.state, p.carrier, p.allocation),
            ("valid", "tcp-data", Some(1))
        );
        assert_eq!((p.a_to_b.successes, p.b_to_a.successes), (1, 1));
        assert_eq!(s.valid_pairs, vec![1]);
        let valid: Vec<u32> = an
            .all_events()
            .iter()
            .filter(|(_, e)| e.contains(Event::PairValid))
            .map(|x| x.0)
            .collect();
        assert_eq!(valid.len(), 1);
        // Every finding of the seed: the 401 answered by the authenticated retry (normal)
        // and the valid pair; no problem.
        let found: Vec<(u32, &str, &str)> = r
            .findings
            .iter()
            .map(|f| (f.frame, f.code, f.severity))
            .collect();
        assert_eq!(
            found,
            vec![(6, "auth_challenge", "chat"), (21, "pair_valid", "chat")]
        );
        assert!(r.findings.iter().all(|f| !f.event.is_problem()));
        // The outcome: connected through the RFC 6062 relay.
        let o = &s.outcome;
        assert_eq!((o.state, o.pair), ("connected", Some(1)));
        assert_eq!(
            o.path.as_deref(),
            Some("relayed TCP via allocation 1 (server 10.48.54.229:3478 over TCP 3478, RFC 6062 TCP relay)")
        );
        assert!(o
            .media
            .as_deref()
            .unwrap()
            .contains("3 pkts 236 B to the peer"));
        assert_eq!(
            a.outcome,
            "granted relayed 10.48.54.229:24000, then its TCP connection closed"
        );
        let d = render::diag_text(&r);
        assert!(
            d.contains("ICE session 1 (MRAv / a9Xy): connected on pair 1 (valid)"),
            "{d}"
        );
    }
}

/// aioice (aiortc's ICE) against coturn: two UDP allocations, a permission and a channel
/// each, one ICE session whose relayed pair the controlling agent nominated.
#[test]
fn webrtc_aioice_through_coturn() {
    let an = analyze_file(&repo("tests/captures/webrtc-aioice.pcapng")).unwrap();
    let r = an.report();
    let t = render::text(&r);
    assert_eq!(r.allocations.len(), 2, "{t}");
    for (a, peer) in r
        .allocations
        .iter()
        .zip([&r.allocations[1], &r.allocations[0]])
    {
        assert_eq!(a.end.state, "deleted", "{t}");
        assert_eq!(a.channels.len(), 1, "{t}");
        assert_eq!(Some(&a.channels[0].peer), peer.relayed.as_ref(), "{t}");
        assert_eq!(a.permissions.len(), 1);
        assert_eq!(a.traffic.len(), 1);
        assert!(
            a.traffic[0].to_peer_packets >= 4 && a.traffic[0].from_peer_packets >= 4,
            "{t}"
        );
    }
    assert_eq!(r.ice_sessions.len(), 1, "{t}");
    let s = &r.ice_sessions[0];
    assert_eq!(s.pairs.len(), 1, "{t}");
    assert_eq!(s.pairs[0].state, "nominated");
    assert_eq!(s.nominated_pair, Some(1));
    // The controlling agent nominates (USE-CANDIDATE); the check seen again on the other
    // allocation's flow and between the relay ports is no retransmission.
    let p = &s.pairs[0];
    assert_eq!(
        p.a_to_b.retransmissions + p.b_to_a.retransmissions,
        0,
        "{t}"
    );
    assert_eq!(p.a_to_b.use_candidate + p.b_to_a.use_candidate, 1, "{t}");
    assert!(
        !an.all_events()
            .iter()
            .any(|(_, e)| e.contains(Event::NoPermission) || e.contains(Event::CheckUnanswered)),
        "{t}"
    );
}

/// libnice in its Microsoft modes: MS-ICE2 (OC2007R2, NUL-padded USERNAME fragments) and
/// legacy MS-ICE (OC2007, opaque usernames that differ per direction): one session and one
/// valid host pair each; the TURN server never answers libnice's [MS-TURN] Allocate.
#[test]
fn libnice_ms_modes() {
    for (file, state) in [
        ("tests/captures/msmode-oc2007r2.pcapng", "nominated"),
        ("tests/captures/msmode-oc2007.pcapng", "valid"),
    ] {
        let an = analyze_file(&repo(file)).unwrap();
        let r = an.report();
        let t = render::text(&r);
        assert_eq!(r.ice_sessions.len(), 1, "{file}\n{t}");
        let s = &r.ice_sessions[0];
        assert_eq!(s.pairs.len(), 1, "{file}\n{t}");
        assert_eq!(s.pairs[0].state, state, "{file}\n{t}");
        assert_eq!(s.pairs[0].carrier, "direct");
        assert_eq!(r.allocations.len(), 1, "{file}\n{t}");
        assert_eq!(r.allocations[0].dialect, "ms-turn");
    }
}

/// aioice through coturn again, with aioice's own list of its candidate pairs written
/// beside the capture (scripts/capture-webrtc-ice.sh → `webrtc-aioice-pairs.log`: "agent N
/// pair LOCAL REMOTE STATE[ nominated]"): the table holds exactly those pairs, a check
/// from LOCAL succeeded where aioice says SUCCEEDED (and none where it says FAILED), and
/// the nominated pair is aioice's.
#[test]
fn webrtc_aioice_pairs_match_its_log() {
    let an = analyze_file(&repo("tests/captures/webrtc-aioice-pairs.pcapng")).unwrap();
    let log = std::fs::read_to_string(repo("tests/captures/webrtc-aioice-pairs.log")).unwrap();
    let r = an.report();
    let t = render::text(&r);
    assert_eq!(r.ice_sessions.len(), 1, "{t}");
    let s = &r.ice_sessions[0];
    let mut logged = Vec::new();
    for l in log.lines() {
        let w: Vec<&str> = l.split_whitespace().collect();
        assert!(w.len() >= 6 && w[0] == "agent" && w[2] == "pair", "{l}");
        let (local, remote, state) = (w[3], w[4], w[5]);
        let nominated = w.get(6) == Some(&"nominated");
        let p = s
            .pairs
            .iter()
            .find(|p| (p.a == local && p.b == remote) || (p.a == remote && p.b == local))
            .unwrap_or_else(|| panic!("aioice's pair {local} {remote} not in the table\n{t}"));
        let from_local = if p.a == local { &p.a_to_b } else { &p.b_to_a };
        match state {
            "SUCCEEDED" => assert!(from_local.successes > 0, "{l}\n{t}"),
            "FAILED" => assert_eq!(from_local.successes, 0, "{l}\n{t}"),
            _ => {}
        }
        if nominated {
            assert_eq!(s.nominated_pair, Some(p.id), "{l}\n{t}");
            assert_eq!(p.state, "nominated", "{l}\n{t}");
        }
        let key = if local < remote {
            (local, remote)
        } else {
            (remote, local)
        };
        if !logged.contains(&key) {
            logged.push(key);
        }
    }
    assert_eq!(
        logged.len(),
        s.pairs.len(),
        "pairs aioice does not list\n{log}\n{t}"
    );
}

/// The four failures made against a real coturn (scripts/capture-diag.sh), read the way the
/// relay reads them: each finding, what it names and its proving frames; every finding of
/// each capture listed.
#[test]
fn diagnosis_of_real_coturn_failures() {
    let findings = |file: &str| {
        let an = analyze_file(&repo(file)).unwrap();
        let r = an.report();
        let t = render::diag_text(&r);
        (r, t)
    };
    let codes = |r: &msstun_analysis::Report| -> Vec<(u32, &'static str)> {
        r.findings.iter().map(|f| (f.frame, f.code)).collect()
    };

    let (r, t) = findings("tests/captures/diag-forbidden.pcapng");
    assert_eq!(
        codes(&r),
        [(2, "auth_challenge"), (6, "forbidden_peer")],
        "{t}"
    );
    let f = &r.findings[1];
    assert_eq!((f.frames.as_slice(), f.severity), (&[5, 6][..], "warn"));
    assert_eq!(
        f.detail,
        "CreatePermission for peer 127.0.0.1:40000 (loopback): the server's policy denies it"
    );

    let (r, t) = findings("tests/captures/diag-unbound.pcapng");
    assert_eq!(
        codes(&r),
        [(6, "auth_challenge"), (15, "attempt_not_bound")],
        "{t}"
    );
    assert_eq!(
        r.findings[1].detail,
        "peer 127.0.0.1:35754 CONNECTION-ID 0xa494e000: no ConnectionBind"
    );
    assert_eq!(
        r.allocations[0].findings,
        ["auth_challenge", "attempt_not_bound"]
    );

    let (r, t) = findings("tests/captures/diag-fallback.pcapng");
    assert_eq!(
        codes(&r),
        [(1, "udp_unanswered_tcp_used"), (12, "auth_challenge")],
        "{t}"
    );
    let f = &r.findings[0];
    assert_eq!(f.frames, [1, 10]);
    assert_eq!(
        f.detail,
        "client 127.0.0.1: UDP port 3480 unanswered (1 Allocate, 3 transmissions), then TCP port 3478 (127.0.0.1:3478, allocation 2, frame 10)"
    );
    assert_eq!(r.allocations[0].outcome, "never answered");

    let (r, t) = findings("tests/captures/diag-oneway.pcapng");
    assert_eq!(
        codes(&r),
        [(2, "check_unanswered"), (2, "checks_one_way")],
        "{t}"
    );
    assert!(
        r.findings[1]
            .detail
            .ends_with("127.0.0.1:50333 does not answer"),
        "{t}"
    );
    let o = &r.ice_sessions[0].outcome;
    assert_eq!(
        (o.state, o.findings.as_slice()),
        ("failed", &["check_unanswered", "checks_one_way"][..])
    );
}
