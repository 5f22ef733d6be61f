//! Statistics in the real tshark: `-z msstun,stat` (a stats tree), `-z msstun,srt` (an SRT
//! table), `-z msstun,alloc` and `-z msstun,ice` (text tables), each with and without a
//! display filter, on the seed example and generated fixtures, with exact counts.

mod common;
use std::collections::BTreeMap;
use std::path::Path;

use common::*;

/// Run `tshark -q -z <arg>` on a run's capture.
fn z(run: &Run, arg: &str) -> String {
    run.raw(&["-q", "-z", arg])
}

/// The counts of a stats tree printed by tshark, by path ("MS-STUN messages/Method/Binding").
fn tree(out: &str) -> BTreeMap<String, u64> {
    let mut lines = out.lines();
    let header = lines
        .by_ref()
        .find(|l| l.starts_with("Topic / Item"))
        .unwrap_or_else(|| panic!("no stats tree in:\n{out}"));
    // printf pads by bytes, so the Count column starts at this byte offset on every line.
    let col = header.find("Count").expect("Count column");
    let mut stack: Vec<String> = Vec::new();
    let mut counts = BTreeMap::new();
    for l in lines {
        if l.starts_with("---") || l.trim().is_empty() || l.len() <= col {
            continue;
        }
        if !l.is_char_boundary(col) {
            panic!("line not aligned: {l:?}");
        }
        let (name, rest) = l.split_at(col);
        let depth = name.len() - name.trim_start().len();
        let count: u64 = rest
            .split_whitespace()
            .next()
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no count in {l:?}"));
        stack.truncate(depth);
        stack.push(name.trim().to_string());
        counts.insert(stack.join("/"), count);
    }
    counts
}

/// SRT rows: method → (calls, min, max) in seconds.
fn srt(out: &str) -> BTreeMap<String, (u64, f64, f64)> {
    assert!(out.contains("MSSTUN SRT Statistics"), "{out}");
    let mut rows = BTreeMap::new();
    for l in out.lines() {
        let t: Vec<&str> = l.split_whitespace().collect();
        if t.len() < 4 || t[0].parse::<u32>().is_err() {
            continue;
        }
        let Some(k) = (2..t.len()).find(|&i| t[i].parse::<u64>().is_ok()) else {
            continue;
        };
        let num = |i: usize| -> f64 { t[i].parse().unwrap() };
        rows.insert(
            t[1..k].join(" "),
            (t[k].parse().unwrap(), num(k + 1), num(k + 2)),
        );
    }
    rows
}

fn seed() -> Run {
    Run::new(&fixture("seed"), &[])
}

fn get(t: &BTreeMap<String, u64>, path: &str) -> u64 {
    *t.get(path)
        .unwrap_or_else(|| panic!("no node {path} in {t:#?}"))
}

#[test]
fn the_four_names_are_registered() {
    let sb = Sandbox::new(true);
    let out = sb.tshark(&["-z", "help"]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    for name in ["msstun,stat", "msstun,srt", "msstun,alloc", "msstun,ice"] {
        assert!(
            text.lines().any(|l| l.trim() == name),
            "-z {name} missing from tshark -z help:\n{text}"
        );
    }
}

#[test]
fn stat_counts_messages_of_the_seed_example() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/seed-tcp-turn.pcapng"
    ));
    let run = Run::from_file(path, &[]);
    let t = tree(&z(&run, "msstun,stat"));
    let m = "MS-STUN messages";
    let expected: &[(&str, u64)] = &[
        ("", 14),
        ("/Method", 14),
        ("/Method/Binding", 5),
        ("/Method/Binding/Request", 2),
        ("/Method/Binding/Success Response", 2),
        ("/Method/Binding/Indication", 1),
        ("/Method/Allocate", 4),
        ("/Method/Allocate/Request", 2),
        ("/Method/Allocate/Success Response", 1),
        ("/Method/Allocate/Error Response", 1),
        ("/Method/Refresh", 2),
        ("/Method/ConnectionBind", 2),
        ("/Method/ConnectionAttempt/Indication", 1),
        ("/Class/Request", 6),
        ("/Class/Success Response", 5),
        ("/Class/Indication", 2),
        ("/Class/Error Response", 1),
        ("/Error code", 1),
        ("/Error code/401 Unauthenticated", 1),
        ("/Dialect/RFC 5389/8489", 14),
        // ConnectionBind and its response are the data connection's last control messages;
        // the four ICE checks after it are carried by the data connection.
        ("/Framing/RFC 4571 length-prefixed", 4),
        ("/Framing/STUN/ChannelData over TCP (RFC 8656 §12.5)", 10),
        ("/Carried/Direct", 10),
        ("/Carried/RFC 6062 data connection", 4),
    ];
    for (p, n) in expected {
        // Names with "/" (RFC 5389/8489) are one node; look them up by their full path.
        let key = format!("{m}{p}");
        assert_eq!(t.get(&key).copied(), Some(*n), "{key} in {t:#?}");
    }
}

#[test]
fn stat_takes_a_display_filter() {
    let run = seed();
    let t = tree(&z(&run, "msstun,stat,msstun.class == 0"));
    assert_eq!(get(&t, "MS-STUN messages"), 6);
    assert_eq!(get(&t, "MS-STUN messages/Class/Request"), 6);
    assert!(!t.contains_key("MS-STUN messages/Class/Success Response"));
    assert_eq!(get(&t, "MS-STUN messages/Error code"), 0);
    let t = tree(&z(&run, "msstun,stat,tcp.stream == 1"));
    assert_eq!(
        get(&t, "MS-STUN messages"),
        6,
        "the data connection: {t:#?}"
    );
    assert_eq!(
        get(&t, "MS-STUN messages/Carried/RFC 6062 data connection"),
        4
    );
    assert_eq!(get(&t, "MS-STUN messages/Method/ConnectionBind"), 2);
}

#[test]
fn stat_is_tsharks_own_stats_tree_command() {
    // -z msstun,stat[,filter] hands over to -z msstun_stat,tree[,filter]: the same text.
    let run = seed();
    for (ours, theirs) in [
        ("msstun,stat", "msstun_stat,tree"),
        (
            "msstun,stat,msstun.class == 3",
            "msstun_stat,tree,msstun.class == 3",
        ),
    ] {
        let a = z(&run, ours);
        assert!(a.contains("MS-STUN/Messages:"), "{a}");
        assert_eq!(a, z(&run, theirs), "{ours}");
    }
    // Among several -z, tshark sets it up last and so prints it first.
    let out = run.raw(&["-q", "-z", "msstun,stat", "-z", "msstun,alloc"]);
    let (stat, alloc) = (
        out.find("MS-STUN/Messages:"),
        out.find("MS-STUN Allocations"),
    );
    assert!(stat.is_some() && alloc.is_some() && stat < alloc, "{out}");
}

#[test]
fn stat_names_dialects_and_carriers_of_relayed_checks() {
    let run = Run::new(&fixture("relayed-check"), &[]);
    let t = tree(&z(&run, "msstun,stat"));
    assert_eq!(get(&t, "MS-STUN messages"), 20);
    assert_eq!(get(&t, "MS-STUN messages/Carried/DATA attribute"), 8);
    assert_eq!(get(&t, "MS-STUN messages/Carried/Direct"), 12);
    assert_eq!(get(&t, "MS-STUN messages/Method/Send/Indication"), 4);
    assert_eq!(get(&t, "MS-STUN messages/Method/Data/Indication"), 4);

    let run = Run::new(&fixture("udp"), &[]);
    let t = tree(&z(&run, "msstun,stat"));
    assert_eq!(get(&t, "MS-STUN messages"), 9);
    assert_eq!(get(&t, "MS-STUN messages/Dialect/MS-TURN (legacy)"), 2);
    assert_eq!(get(&t, "MS-STUN messages/Framing/UDP datagram"), 9);
}

#[test]
fn srt_per_method_on_the_seed() {
    let run = seed();
    let rows = srt(&z(&run, "msstun,srt"));
    let calls: BTreeMap<&str, u64> = rows.iter().map(|(k, v)| (k.as_str(), v.0)).collect();
    assert_eq!(
        calls,
        BTreeMap::from([
            ("Allocate", 2),
            ("Binding", 2),
            ("ConnectionBind", 1),
            ("Refresh", 1)
        ]),
        "{rows:#?}"
    );
    // The response times the seed's timestamps give (msstun.time).
    let times = run.fields(Some("msstun.method == 3 && msstun.time"), &["msstun.time"]);
    let mut t: Vec<f64> = times.values().map(|r| r[0][0].parse().unwrap()).collect();
    t.sort_by(f64::total_cmp);
    let (_, min, max) = rows["Allocate"];
    assert!(
        (min - t[0]).abs() < 1e-6 && (max - t[1]).abs() < 1e-6,
        "{min} {max} vs {t:?}"
    );

    let rows = srt(&z(&run, "msstun,srt,msstun.method == 3"));
    assert_eq!(rows.keys().collect::<Vec<_>>(), ["Allocate"], "{rows:#?}");
    assert_eq!(rows["Allocate"].0, 2);
}

#[test]
fn alloc_table_of_the_seed() {
    let run = seed();
    let out = z(&run, "msstun,alloc");
    for want in [
        "MS-STUN Allocations\nFilter: <none>\n",
        "MS-STUN allocations: 1\n",
        "#1 tcp 10.48.54.230:44340 -> 10.48.54.229:3478  rfc5389  user turn  realm TANDBERG  first frame 4",
        "relayed 10.48.54.229:24000 (tcp, RFC 6062)  mapped 10.48.54.230:44340  lifetime requested 600 granted 600",
        "refreshes 1: [frame 9 ",
        // The one RFC 6062 data connection, bound on tcp.stream 1.
        "data connection id 0x2b7f0001 peer 192.168.1.252:53577 (attempt frame 11)  client 10.48.54.230:44342  tcp.stream 1  ConnectionBind frame 16 ok",
        "traffic 192.168.1.252:53577  to peer 2 pkts 176 B  from peer 2 pkts 176 B",
        "errors: 401 Unauthenticated x1",
    ] {
        assert!(out.contains(want), "{want:?} not in\n{out}");
    }
    // The stream number is tcp.stream's own, in tshark's second pass too.
    let out = run.raw(&["-q", "-2", "-z", "msstun,alloc"]);
    assert!(
        out.contains("client 10.48.54.230:44342  tcp.stream 1  ConnectionBind frame 16 ok"),
        "{out}"
    );

    // Without the Refresh transaction.
    let out = z(&run, "msstun,alloc,msstun.method != 4");
    assert!(out.contains("Filter: msstun.method != 4"), "{out}");
    assert!(out.contains("MS-STUN allocations: 1\n"), "{out}");
    assert!(!out.contains("refreshes"), "{out}");
    // Only Binding: no allocation at all.
    let out = z(&run, "msstun,alloc,msstun.method == 1");
    assert!(out.contains("MS-STUN allocations: 0\n"), "{out}");
}

#[test]
fn ice_table_of_the_seed() {
    let run = seed();
    let out = z(&run, "msstun,ice");
    assert!(out.contains("MS-STUN ICE sessions: 1\n"), "{out}");
    assert!(
        out.contains("Session 1  ufrags MRAv / a9Xy  rfc5389  first frame 18  pairs 1  valid 1  nominated none"),
        "{out}"
    );
    // The pair as the agents see it: the relayed address and the peer, checked over the data
    // connection of allocation 1, valid because both directions were answered.
    let pair = out
        .lines()
        .find(|l| l.trim_start().starts_with("1 "))
        .unwrap_or_else(|| panic!("no pair 1 in\n{out}"));
    let cells: Vec<&str> = pair.split_whitespace().collect();
    assert_eq!(
        &cells[..7],
        [
            "1",
            "10.48.54.229:24000",
            "192.168.1.252:53577",
            "tcp",
            "tcp-data",
            "#1",
            "valid"
        ],
        "{out}"
    );
    assert_eq!(
        cells.iter().filter(|c| **c == "1/0/1/0/0").count(),
        2,
        "{out}"
    );

    // Requests only: nothing answered, the pair failed.
    let out = z(&run, "msstun,ice,msstun.class == 0");
    assert!(out.contains("valid none  nominated none"), "{out}");
    assert!(out.contains(" failed "), "{out}");
    // One direction's response filtered out.
    let out = z(
        &run,
        "msstun,ice,!(msstun.class == 2 && tcp.srcport == 3478)",
    );
    assert!(out.contains(" succeeded-one-way "), "{out}");
    assert!(out.contains("valid none"), "{out}");
}

#[test]
fn relayed_checks_and_channels_in_the_tables() {
    // ICE checks inside Send/Data indications: the pair is relayed address <-> peer.
    let run = Run::new(&fixture("relayed-check"), &[]);
    let out = z(&run, "msstun,ice");
    let pair = out
        .lines()
        .find(|l| l.trim_start().starts_with("1 "))
        .unwrap_or_else(|| panic!("no pair in\n{out}"));
    let cells: Vec<&str> = pair.split_whitespace().collect();
    assert_eq!(
        &cells[..7],
        [
            "1",
            "10.7.0.2:60000",
            "192.0.2.77:50000",
            "udp",
            "data",
            "#1",
            "succeeded-one-way"
        ],
        "{out}"
    );
    let out = z(&run, "msstun,alloc");
    assert!(
        out.contains("traffic 192.0.2.77:50000  to peer 4 pkts 192 B  from peer 4 pkts 160 B"),
        "{out}"
    );

    // UDP: a legacy MS-TURN allocation and one with a permission and a channel.
    let run = Run::new(&fixture("udp"), &[]);
    let out = z(&run, "msstun,alloc");
    assert!(out.contains("MS-STUN allocations: 2\n"), "{out}");
    assert!(
        out.contains("#1 udp 10.0.1.1:40001 -> 10.0.1.2:13480  ms-turn"),
        "{out}"
    );
    assert!(
        out.contains("channel 0x4001 <-> 10.0.1.9:9000  bound frame 9"),
        "{out}"
    );
    let out = z(&run, "msstun,alloc,udp.port == 13480");
    assert!(out.contains("MS-STUN allocations: 1\n"), "{out}");
    assert!(!out.contains("channel 0x4001"), "{out}");
}

#[test]
fn plain_runs_are_unchanged_by_the_tap() {
    // The Info column with and without a listener attached.
    let run = seed();
    let plain = run.raw(&["-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info"]);
    let with = run.raw(&[
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "_ws.col.Info",
        "-z",
        "msstun,stat",
    ]);
    assert!(with.starts_with(&plain), "{plain}\n---\n{with}");
    assert!(with.len() > plain.len());
}

#[test]
fn the_gui_trees_of_allocations_and_ice() {
    // The stats trees of Statistics → MS-STUN → Allocations / ICE, printed by tshark under
    // their generic names.
    let run = seed();
    let t = tree(&z(&run, "msstun_alloc,tree"));
    let a = "Allocation 1: TCP 10.48.54.230:44340 -> 10.48.54.229:3478";
    assert_eq!(get(&t, &format!("Allocations/{a}/Allocate Request")), 2);
    assert_eq!(
        get(&t, &format!("Allocations/{a}/Allocate Error Response")),
        1
    );
    assert_eq!(
        get(
            &t,
            &format!("Allocations/{a}/Binding Request (via tcp-data)")
        ),
        2
    );
    assert_eq!(
        get(&t, &format!("Allocation states/{a}/pending (frame 4)")),
        1
    );
    assert_eq!(
        get(&t, &format!("Allocation states/{a}/active (frame 8)")),
        1
    );
    assert!(!t.keys().any(|k| k.starts_with("Events")), "{t:#?}");

    let t = tree(&z(&run, "msstun_ice,tree"));
    let p = "Session 1/Pair 1: tcp 10.48.54.229:24000 <-> 192.168.1.252:53577 via tcp-data of allocation 1";
    assert_eq!(get(&t, &format!("ICE checks/{p}")), 4);
    for (state, frame) in [
        ("in-progress", 18),
        ("succeeded-one-way", 19),
        ("valid", 21),
    ] {
        assert_eq!(
            get(&t, &format!("ICE pair states/{p}/{state} (frame {frame})")),
            1
        );
    }
    assert_eq!(get(&t, &format!("Events/pair_valid/{p} (frame 21)")), 1);
    // Filtered: the responses of one direction gone, the pair never valid.
    let t = tree(&z(
        &run,
        "msstun_ice,tree,!(msstun.class == 2 && tcp.srcport == 3478)",
    ));
    assert!(!t.keys().any(|k| k.contains("/valid (frame")), "{t:#?}");
}
