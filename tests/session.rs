//! The session analysis in the real tshark: `msstun.allocation.*`, `msstun.ice.*` and the
//! event expert items on every message (src/dissect/analysis.rs over msstun-analysis).

mod common;
use std::path::Path;

use common::*;

fn seed() -> Run {
    Run::from_file(Path::new("examples/seed-tcp-turn.pcapng"), &[])
}

/// The seed: one allocation on every control and ConnectionBind message; its one ICE pair
/// (the relayed address and the peer, on the data connection) goes in-progress →
/// succeeded one way → valid, and only the response that made it valid says so.
#[test]
fn seed_pair_is_valid_because_both_directions_were_answered() {
    let run = seed();
    let rows = run.fields(
        Some("msstun"),
        &[
            "msstun.allocation.id",
            "msstun.ice.session",
            "msstun.ice.pair",
            "msstun.ice.pair.state",
            "msstun.ice.pair.final_state",
            "msstun.method",
        ],
    );
    let allocs: Vec<u32> = rows
        .iter()
        .filter(|(_, r)| !r[0].is_empty())
        .map(|(f, _)| *f)
        .collect();
    assert_eq!(
        allocs,
        // The checks on the data connection are the allocation's too (relayed by it).
        (4..=11)
            .chain(16..=21)
            .filter(|f| *f != 5)
            .collect::<Vec<_>>()
    );
    assert!(rows.values().all(|r| r[0].iter().all(|a| a == "1")));
    let states: Vec<(u32, String)> = rows
        .iter()
        .filter(|(_, r)| !r[3].is_empty())
        .map(|(f, r)| (*f, r[3].join(",")))
        .collect();
    assert_eq!(
        states,
        vec![
            (18, "in-progress".into()),
            (19, "succeeded-one-way".into()),
            (20, "succeeded-one-way".into()),
            (21, "valid".into()),
        ]
    );
    for f in 18..=21 {
        assert_eq!(rows[&f][2], vec!["1"], "frame {f}: one pair");
        assert_eq!(rows[&f][4], vec!["valid"], "frame {f}: the pair ends valid");
    }
    assert_eq!(run.frames("msstun.ice.pair.state == \"valid\""), vec![21]);
    assert_eq!(run.frames("msstun.expert.pair_valid"), vec![21]);
    // Every finding of the seed: the 401 answered by the authenticated retry (normal, chat)
    // and the valid pair — between the relayed address and the peer; nothing wrong.
    let findings: Vec<(u32, String)> = run
        .fields(Some("msstun.finding"), &["msstun.finding"])
        .into_iter()
        .map(|(f, r)| (f, r[0].join(",")))
        .collect();
    assert_eq!(
        findings,
        vec![(6, "auth_challenge".into()), (21, "pair_valid".into())]
    );
    assert_eq!(run.frames("msstun.expert.auth_challenge"), vec![6]);
    let events: Vec<(u32, String)> = expert(&run)
        .into_iter()
        .filter(|(_, m)| m.contains("ICE") || m.contains("llocation") || m.contains("ermission"))
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        events[1]
            .1
            .contains("10.48.54.229:24000 <-> 192.168.1.252:53577"),
        "{events:?}"
    );
}

/// Switched off, the analysis adds nothing.
#[test]
fn the_preference_turns_the_analysis_off() {
    let run = Run::from_file(
        Path::new("examples/seed-tcp-turn.pcapng"),
        &["-o", "msstun.analyze_sessions:FALSE"],
    );
    assert!(run
        .frames("msstun.ice.pair || msstun.allocation.id")
        .is_empty());
    // The rest of the decode is unchanged.
    assert_eq!(
        run.frames("msstun.tcp_data.connection_id").len(),
        seed().frames("msstun.tcp_data.connection_id").len()
    );
}
