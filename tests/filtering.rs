//! A tree nobody sees (tshark printing summary lines: no -V, -O, -T fields/json/pdml) only
//! gets the items something refers to: msstun skips the rest, as Wireshark would fake them.
//! These tests check that this changes nothing a user can observe: a display filter on any
//! one msstun field finds exactly the frames where the shown tree has it, and so does one
//! on each expert message.

mod common;
use common::*;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Cases: fixture and tshark options (credentials, so MESSAGE-INTEGRITY statuses vary).
fn cases() -> Vec<(&'static str, Vec<String>)> {
    let seed_creds = vec![
        "-d".to_string(),
        "tcp.port==3478,msstun".to_string(),
        "-o".to_string(),
        cred("cms", "example.org", "secret"),
    ];
    vec![
        ("seed", seed_creds),
        ("connect", vec!["-d".into(), "tcp.port==3478,msstun".into()]),
        (
            "malformed",
            vec![
                "-d".into(),
                "udp.port==13490,msstun".into(),
                "-d".into(),
                "tcp.port==13491,msstun".into(),
            ],
        ),
        ("ms-turn-tcp", vec![]),
    ]
}

fn run_of(name: &str, opts: &[String]) -> Run {
    let refs: Vec<&str> = opts.iter().map(String::as_str).collect();
    Run::new(&fixture(name), &refs)
}

/// Every `msstun.*` field (and `_ws.expert` message) in the shown tree, per frame, from
/// two-pass `-T json`.
fn shown(run: &Run) -> (BTreeMap<String, BTreeSet<u32>>, BTreeMap<u32, Vec<String>>) {
    let out = run.raw(&["-2", "-T", "json", "--no-duplicate-keys"]);
    let json: Value = serde_json::from_str(&out).expect("tshark -T json parses");
    let mut fields: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    let mut experts: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for pkt in json.as_array().expect("array of packets") {
        let layers = &pkt["_source"]["layers"];
        let frame = first_str(&layers["frame"]["frame.number"])
            .parse::<u32>()
            .expect("frame.number");
        walk(layers, &mut |key, value| {
            let key = key.strip_suffix("_tree").unwrap_or(key);
            if key.starts_with("msstun.") {
                fields.entry(key.to_string()).or_default().insert(frame);
            }
            if key == "_ws.expert.message" {
                for v in strings(value) {
                    experts.entry(frame).or_default().push(v);
                }
            }
        });
    }
    for v in experts.values_mut() {
        v.sort();
    }
    (fields, experts)
}

/// Frames a two-pass, summary-lines-only tshark shows for `filter` (the tree is built for
/// the filter alone; `-T fields` would make it a shown tree).
fn hidden_frames(run: &Run, filter: &str) -> BTreeSet<u32> {
    run.raw(&["-2", "-T", "tabs", "-Y", filter])
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

fn first_str(v: &Value) -> String {
    strings(v).into_iter().next().unwrap_or_default()
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        _ => vec![],
    }
}

fn walk(v: &Value, f: &mut dyn FnMut(&str, &Value)) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                f(k, x);
                walk(x, f);
            }
        }
        Value::Array(a) => {
            for x in a {
                walk(x, f);
            }
        }
        _ => {}
    }
}

#[test]
fn filtering_on_any_field_finds_what_the_shown_tree_has() {
    let mut checked = 0;
    for (name, opts) in cases() {
        let run = run_of(name, &opts);
        let (fields, _) = shown(&run);
        assert!(
            fields.len() > 10,
            "{name}: the shown tree has msstun fields ({})",
            fields.len()
        );
        // One tshark per field (each filter references only that field), four at a time.
        let list: Vec<(&String, &BTreeSet<u32>)> = fields.iter().collect();
        let failures: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = list
                .chunks(list.len().div_ceil(4))
                .map(|chunk| {
                    let run = &run;
                    s.spawn(move || {
                        let mut bad = Vec::new();
                        for (field, want) in chunk {
                            let got = hidden_frames(run, field);
                            if &got != *want {
                                bad.push(format!(
                                    "{name}: -Y {field}: frames {got:?}, shown tree has it in {want:?}"
                                ));
                            }
                        }
                        bad
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("worker"))
                .collect()
        });
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        checked += fields.len();
    }
    assert!(checked > 100, "fields checked: {checked}");
}

#[test]
fn expert_items_do_not_depend_on_the_tree_being_shown() {
    let mut checked = 0;
    for (name, opts) in cases() {
        let run = run_of(name, &opts);
        let (_, experts) = shown(&run);
        let mut by_message: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
        for (frame, msgs) in &experts {
            for m in msgs {
                by_message.entry(m).or_default().insert(*frame);
            }
        }
        assert!(
            name != "malformed" || by_message.len() > 5,
            "malformed: expert items expected"
        );
        let all: BTreeSet<u32> = experts.keys().copied().collect();
        assert_eq!(
            hidden_frames(&run, "_ws.expert"),
            all,
            "{name}: -Y _ws.expert"
        );
        for (m, want) in by_message {
            let quoted = m.replace('\\', "\\\\").replace('"', "\\\"");
            let filter = format!("_ws.expert.message == \"{quoted}\"");
            assert_eq!(hidden_frames(&run, &filter), want, "{name}: -Y {filter}");
            checked += 1;
        }
    }
    assert!(checked > 10, "expert messages checked: {checked}");
}
