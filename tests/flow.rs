//! The MSSTUN flow of Wireshark's sequence analysis in the real tshark:
//! `-z flow,msstun,standard|network[,filter]` draws the seed's ladder from the capture (one
//! arrow per STUN message, endpoints by address and port, label method and class, comment
//! with allocation / ICE pair), and a frame with several messages gives several arrows.

mod common;
use std::path::Path;

use common::*;

/// One arrow of tshark's text diagram.
#[derive(Debug, Clone, PartialEq)]
struct Arrow {
    src: String,
    dst: String,
    /// The label as the diagram prints it: cut at 20 characters.
    label: String,
    comment: String,
}

impl Arrow {
    /// Whether the label printed is `full`, cut as the diagram cuts labels.
    fn is(&self, full: &str) -> bool {
        self.label == full || (self.label.chars().count() == 20 && full.starts_with(&self.label))
    }
}

/// Parse `sequence_analysis_dump_to_file`'s diagram: the node header lines (addresses at
/// their columns), then per item a line with the time, label and comment and a line with the
/// arrow and the ports at the two nodes' columns.
fn arrows(out: &str) -> Vec<Arrow> {
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('|')).collect();
    // Header: the lines before the first item; nodes are the non-empty cells after "Time".
    let first_item = lines
        .iter()
        .position(|l| l[1..].starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(lines.len());
    let mut nodes: Vec<(usize, String)> = Vec::new();
    for l in &lines[..first_item] {
        let mut pos = 0;
        for cell in l.split('|') {
            let t = cell.trim();
            if !t.is_empty() && t != "Time" {
                // The column where the node's name is centred.
                nodes.push((pos + cell.len() / 2, t.to_string()));
            }
            pos += cell.len() + 1;
        }
    }
    nodes.sort();
    let nearest = |col: usize| -> &str {
        &nodes
            .iter()
            .min_by_key(|(c, _)| c.abs_diff(col))
            .expect("nodes")
            .1
    };
    let mut v = Vec::new();
    for pair in lines[first_item..].chunks(2) {
        let [text, arrow] = pair else {
            panic!("odd diagram: {pair:?}")
        };
        let cells: Vec<&str> = text.split('|').collect();
        let label = cells[2].trim().to_string();
        let comment = cells.last().unwrap().trim().to_string();
        // The two "(port)" cells and their columns.
        let ports: Vec<(usize, &str)> = arrow
            .match_indices('(')
            .map(|(i, _)| {
                let end = arrow[i..].find(')').expect("port") + i;
                (i, &arrow[i + 1..end])
            })
            .collect();
        assert_eq!(ports.len(), 2, "arrow line {arrow:?}");
        let (l, r) = (ports[0], ports[1]);
        let left = format!("{}:{}", nearest(l.0), l.1);
        let right = format!("{}:{}", nearest(r.0), r.1);
        let (src, dst) = if arrow.contains("->") {
            (left, right)
        } else {
            assert!(arrow.contains("<-"), "no arrow in {arrow:?}");
            (right, left)
        };
        v.push(Arrow {
            src,
            dst,
            label,
            comment,
        });
    }
    v
}

fn seed_run() -> Run {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed-tcp-turn.pcapng");
    Run::from_file(&path, &["-d", "tcp.port==3478,msstun"])
}

const CMS: &str = "10.48.54.230";
const EXPWY: &str = "10.48.54.229";

#[test]
fn seed_ladder_standard_and_network() {
    let run = seed_run();
    let out = run.raw(&["-q", "-z", "flow,msstun,standard"]);
    let got = arrows(&out);
    let control = format!("{CMS}:44340");
    let data = format!("{CMS}:44342");
    let server = format!("{EXPWY}:3478");
    let (c, d, s) = (control.as_str(), data.as_str(), server.as_str());
    let expected: &[(&str, &str, &str)] = &[
        ("Allocate Request", c, s),
        ("Allocate Error Response 401", s, c),
        ("Allocate Request", c, s),
        ("Allocate Success Response", s, c),
        ("Refresh Request", c, s),
        ("Refresh Success Response", s, c),
        ("ConnectionAttempt Indication", s, c),
        ("ConnectionBind Request", d, s),
        ("ConnectionBind Success Response", s, d),
        // The peer's check reaches the CMS through the data connection, and back.
        ("Binding Request", s, d),
        ("Binding Success Response", d, s),
        ("Binding Request", d, s),
        ("Binding Success Response", s, d),
        ("Binding Indication", c, s),
    ];
    assert_eq!(got.len(), expected.len(), "diagram:\n{out}");
    for (a, (label, src, dst)) in got.iter().zip(expected) {
        assert!(
            a.is(label) && (a.src.as_str(), a.dst.as_str()) == (*src, *dst),
            "{a:?} is not {label} {src} -> {dst}; diagram:\n{out}"
        );
    }

    // Comments: what msstun decoded and the analysis knows.
    let relayed = "allocation 1 (relayed 10.48.54.229:24000)";
    assert_eq!(got[0].comment, "allocation 1");
    assert_eq!(got[1].comment, "401 Unauthenticated; allocation 1");
    for a in &got[3..13] {
        assert!(a.comment.contains(relayed), "{a:?}");
    }
    assert!(
        got[6].comment.contains("peer 192.168.1.252:53577"),
        "{:?}",
        got[6]
    );
    for a in &got[9..13] {
        assert!(a.comment.contains("ICE pair 1 ("), "{a:?}");
    }
    assert!(
        got[12].comment.contains("ICE pair 1 (valid)"),
        "{:?}",
        got[12]
    );
    assert_eq!(got[13].comment, "");

    // network: the same arrows between the same network addresses.
    let net = run.raw(&["-q", "-z", "flow,msstun,network"]);
    assert_eq!(arrows(&net), got, "network diagram:\n{net}");

    // With a display filter: only the arrows of the matching frames.
    let f = run.raw(&["-q", "-z", "flow,msstun,standard,msstun.class == 3"]);
    let only = arrows(&f);
    assert_eq!(only.len(), 1, "{f}");
    assert!(only[0].is("Allocate Error Response 401"), "{f}");
    assert_eq!(only[0].comment, got[1].comment);
}

#[test]
fn several_messages_in_one_frame_give_several_arrows() {
    // Three messages in one TCP segment.
    let fx = fixture("split");
    let run = Run::new(&fx, &[]);
    let three = fx.frame("three-in-one");
    let out = run.raw(&[
        "-q",
        "-z",
        &format!("flow,msstun,standard,frame.number == {three}"),
    ]);
    let labels: Vec<String> = arrows(&out).into_iter().map(|a| a.label).collect();
    assert_eq!(
        labels,
        ["Binding Request", "Binding Request", "Refresh Request"],
        "{out}"
    );
    // Over the whole capture: one arrow per message msstun decoded.
    let messages: usize = run
        .fields(None, &["msstun.class"])
        .values()
        .map(|r| r[0].len())
        .sum();
    let all = arrows(&run.raw(&["-q", "-z", "flow,msstun,standard"]));
    assert_eq!(all.len(), messages);

    // A Send indication and the ICE check in its DATA: two arrows, the carried one between
    // the carrier's addresses and saying what carried it.
    let run = Run::new(&fixture("relayed-check"), &[]);
    let all = arrows(&run.raw(&["-q", "-z", "flow,msstun,network"]));
    let send = all
        .iter()
        .position(|a| a.is("Send Indication"))
        .expect("a Send indication");
    let inner = &all[send + 1];
    assert!(inner.is("Binding Request"), "{all:?}");
    assert_eq!((&inner.src, &inner.dst), (&all[send].src, &all[send].dst));
    assert!(inner.comment.contains("ICE pair 1"), "{inner:?}");
    assert!(inner.comment.ends_with("in DATA attribute"), "{inner:?}");
}
