//! No Wireshark exception crosses a Rust frame (the table in src/epan/mod.rs). The two
//! throws the bounds checks alone cannot rule out come from the tree's limits
//! (`gui.max_tree_items`, `gui.max_tree_depth`): with them set low, the plugin must stop
//! adding items instead of letting `proto_tree_add_*` or `expert_add_info_format` throw
//! through its Rust frames, which Wireshark would report as a dissector bug of MSSTUN.

mod common;
use common::*;
use std::path::Path;

/// Lines of `tshark -V` output (stdout and stderr) that report a throw out of msstun's own
/// tree calls. A throw the shim's TRY/CATCH around relayed data catches (another
/// dissector's, e.g. the layer-depth assertion of `call_dissector`) is shown by Wireshark's
/// `show_exception` and is not one of these.
fn tree_throws(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains("Dissector bug, protocol MSSTUN"))
        .filter(|l| {
            l.contains("items in the tree")
                || l.contains("Maximum tree depth")
                || l.contains("item count")
        })
        .map(str::to_string)
        .collect()
}

fn run_v(run: &Run, pref: &str) -> (String, usize, usize) {
    let mut args = vec!["-n", "-r"];
    let pcap = run.pcap.display().to_string();
    args.push(&pcap);
    if !pref.is_empty() {
        args.extend(["-o", pref]);
    }
    args.push("-V");
    let out = run.sb.tshark(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let all = format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let msstun = stdout.lines().filter(|l| l.starts_with("MS-STUN")).count();
    (all, stdout.lines().count(), msstun)
}

#[test]
fn tree_limits_stop_items_without_a_throw() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed-tcp-turn.pcapng");
    let run = Run::from_file(&example, &[]);
    let (_, full_lines, full_msstun) = run_v(&run, "");
    assert!(full_msstun > 0, "the example decodes as MS-STUN");
    let mut truncated_in_msstun = 0;
    for pref in [
        "gui.max_tree_items:120",
        "gui.max_tree_items:150",
        "gui.max_tree_items:200",
        "gui.max_tree_items:300",
        "gui.max_tree_depth:6",
        "gui.max_tree_depth:7",
        "gui.max_tree_depth:8",
    ] {
        let (all, lines, msstun) = run_v(&run, pref);
        let bad = tree_throws(&all);
        assert!(
            bad.is_empty(),
            "{pref}: a tree call threw through msstun's Rust frames:\n{}",
            bad.join("\n")
        );
        if msstun > 0 && lines < full_lines {
            truncated_in_msstun += 1;
        }
    }
    // Not vacuous: some limit cut the tree while msstun was decoding.
    assert!(
        truncated_in_msstun > 0,
        "no limit truncated a tree with MS-STUN in it"
    );
}
