//! The table dialogs in the real tshark (issue 21 item 3): `-z msstun,table_alloc`,
//! `msstun,table_ice` and `msstun,table_diag` (Wireshark's `stat_tap_table`, the same tables
//! as Statistics → MS-STUN Allocations / MS-STUN ICE pairs / MS-STUN Diagnosis in the GUI) print one row
//! per allocation, pair and finding, each with the display filter of its frames — and that
//! filter selects them. The text tables of `-z msstun,alloc|ice|diag` stay beside them.

mod common;
use std::path::Path;

use common::*;

/// The rows of the `stat_tap_table` titled `title` in tshark's output: header cells, rows.
fn table(out: &str, title: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let cells = |l: &str| -> Vec<String> {
        l.trim_end()
            .trim_end_matches('|')
            .split(" |")
            .map(|c| c.trim().to_string())
            .collect()
    };
    let mut lines = out
        .lines()
        .skip_while(|l| *l != format!("{title}:"))
        .skip(2);
    let header = cells(
        lines
            .next()
            .unwrap_or_else(|| panic!("no table {title}:\n{out}")),
    );
    assert_eq!(lines.next(), Some(title), "{out}");
    let rows = lines
        .take_while(|l| !l.starts_with("====="))
        .map(cells)
        .collect();
    (header, rows)
}

/// The cell of column `name` in `row`.
fn col<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    &row[i]
}

fn seed() -> Run {
    Run::new(&fixture("seed"), &[])
}

#[test]
fn the_three_tables_are_registered_beside_the_text_tables() {
    let sb = Sandbox::new(true);
    let out = sb.tshark(&["-z", "help"]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    for name in [
        "msstun,table_alloc",
        "msstun,table_ice",
        "msstun,table_diag",
        "msstun,alloc",
        "msstun,ice",
        "msstun,diag",
    ] {
        assert!(
            text.lines().any(|l| l.trim() == name),
            "-z {name} missing from tshark -z help:\n{text}"
        );
    }
    // Both kinds in one run: neither name is taken for the other.
    let out = seed().raw(&["-q", "-2", "-z", "msstun,alloc", "-z", "msstun,table_alloc"]);
    assert!(
        out.contains("\nMS-STUN Allocations\nFilter: <none>\n"),
        "{out}"
    );
    assert!(out.contains("\nMS-STUN Allocations:\n"), "{out}");
}

#[test]
fn seed_rows_and_their_filters() {
    let run = seed();
    let out = run.raw(&[
        "-q",
        "-2",
        "-z",
        "msstun,table_alloc",
        "-z",
        "msstun,table_ice",
        "-z",
        "msstun,table_diag",
    ]);

    let (h, rows) = table(&out, "MS-STUN Allocations");
    assert_eq!(rows.len(), 1, "{out}");
    let a = &rows[0];
    for (c, v) in [
        ("ID", "1"),
        ("Transport", "tcp"),
        ("Client", "10.48.54.230:44340"),
        ("Server", "10.48.54.229:3478"),
        ("Relayed", "10.48.54.229:24000 (tcp, RFC 6062)"),
        ("First frame", "4"),
        ("State", "active"),
        ("Findings", "auth_challenge"),
        ("Filter", "msstun.allocation.id == 1"),
    ] {
        assert_eq!(col(&h, a, c), v, "{c} in {a:?}");
    }
    let frames = run.frames(col(&h, a, "Filter"));
    assert_eq!(frames, [4, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21]);

    let (h, rows) = table(&out, "MS-STUN ICE pairs");
    assert_eq!(rows.len(), 1, "{out}");
    let p = &rows[0];
    for (c, v) in [
        ("Pair", "1"),
        ("Session", "1"),
        ("Via", "tcp-data of allocation 1"),
        ("State", "valid"),
        ("First frame", "18"),
        ("Valid frame", "21"),
        ("Checks A>B", "1"),
        ("OK A>B", "1"),
        ("Checks B>A", "1"),
        ("OK B>A", "1"),
        ("Unanswered", "0"),
        ("Filter", "msstun.ice.pair == 1"),
    ] {
        assert_eq!(col(&h, p, c), v, "{c} in {p:?}");
    }
    assert_eq!(run.frames(col(&h, p, "Filter")), [18, 19, 20, 21]);

    let (h, rows) = table(&out, "MS-STUN Diagnosis");
    let found: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (col(&h, r, "Finding"), col(&h, r, "Frame")))
        .collect();
    assert_eq!(found, [("auth_challenge", "6"), ("pair_valid", "21")]);
    for r in &rows {
        let frame: u32 = col(&h, r, "Frame").parse().unwrap();
        assert_eq!(run.frames(col(&h, r, "Filter")), [frame], "{r:?}");
    }
}

#[test]
fn a_one_way_pair_and_its_findings() {
    let run = Run::from_file(Path::new("tests/captures/diag-oneway.pcapng"), &[]);
    let out = run.raw(&[
        "-q",
        "-2",
        "-z",
        "msstun,table_ice",
        "-z",
        "msstun,table_diag",
    ]);
    let (h, rows) = table(&out, "MS-STUN ICE pairs");
    assert_eq!(rows.len(), 1, "{out}");
    assert_eq!(col(&h, &rows[0], "State"), "succeeded-one-way");
    assert_eq!(col(&h, &rows[0], "OK A>B"), "0");
    let (h, rows) = table(&out, "MS-STUN Diagnosis");
    let found: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                col(&h, r, "Finding"),
                col(&h, r, "Frame"),
                col(&h, r, "Pair"),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("check_unanswered", "2", "1"), ("checks_one_way", "2", "1")]
    );
    let one_way = &rows[1];
    assert!(
        col(&h, one_way, "Detail").contains("127.0.0.1:50333 does not answer"),
        "{one_way:?}"
    );
    assert_eq!(
        col(&h, one_way, "Filter"),
        "msstun.finding == \"checks_one_way\" && frame.number == 2"
    );
    assert_eq!(run.frames(col(&h, one_way, "Filter")), [2]);
}

#[test]
fn a_display_filter_chooses_the_rows() {
    let run = seed();
    // Frame 4 (the first Allocate) passes: its allocation is there, no pair. Frame 6 (the
    // 401) passes: the finding it proves and its allocation's, not the pair's.
    let out = run.raw(&[
        "-q",
        "-2",
        "-z",
        "msstun,table_alloc,frame.number <= 5",
        "-z",
        "msstun,table_ice,frame.number <= 5",
        "-z",
        "msstun,table_diag,frame.number == 6",
    ]);
    let (_, rows) = table(&out, "MS-STUN Allocations");
    assert_eq!(rows.len(), 1, "{out}");
    let (_, rows) = table(&out, "MS-STUN ICE pairs");
    assert!(rows.is_empty(), "{out}");
    let (h, rows) = table(&out, "MS-STUN Diagnosis");
    assert_eq!(rows.len(), 1, "{out}");
    assert_eq!(col(&h, &rows[0], "Finding"), "auth_challenge");
}
