//! A real ICE implementation on loopback: two libnice agents (tests/real/msmode-ice.c) in
//! libnice's [MS-ICE2] (OC2007R2) and legacy OC2007 modes, captured with dumpcap; the
//! analysis's pair table must show the pair each agent's own log says it selected, as a
//! pair whose checks were answered both ways (and, where the mode nominates, nominated),
//! and no pair libnice did not check with its peer.
//!
//! Needs root (dumpcap on `lo`), gcc, pkg-config and libnice-dev (scripts/deps.sh);
//! skipped with a message otherwise, failed under the project's suite (MSSTUN_REQUIRE_ALL).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use msstun_analysis::render;
use msstun_analysis::replay::analyze_file;

fn skip(why: &str) -> bool {
    assert!(
        std::env::var_os("MSSTUN_REQUIRE_ALL").is_none(),
        "cannot run: {why} (MSSTUN_REQUIRE_ALL is set)"
    );
    eprintln!("SKIPPED: {why}");
    true
}

fn have(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn build(dir: &Path) -> Option<PathBuf> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/real/msmode-ice.c");
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "nice"])
        .output()
        .ok()?;
    if !flags.status.success() {
        return None;
    }
    let exe = dir.join("msmode-ice");
    let flags = String::from_utf8_lossy(&flags.stdout).to_string();
    let ok = Command::new("gcc")
        .args(["-O1", "-o"])
        .arg(&exe)
        .arg(&src)
        .args(flags.split_whitespace())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(exe)
}

/// Capture one run of `msmode-ice MODE BASE 1`; (pcapng, the program's log).
fn capture(exe: &Path, dir: &Path, mode: &str, base: u16) -> (PathBuf, String) {
    let pcap = dir.join(format!("{mode}.pcapng"));
    let filter = format!("udp portrange {}-{}", base, base + 19);
    let mut dumpcap = Command::new("dumpcap")
        .args(["-q", "-i", "lo", "-f", &filter, "-w"])
        .arg(&pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dumpcap");
    std::thread::sleep(Duration::from_millis(1500));
    let out = Command::new(exe)
        .args([mode, &base.to_string(), "1"])
        .output()
        .expect("run msmode-ice");
    std::thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill")
        .args(["-INT", &dumpcap.id().to_string()])
        .status();
    let _ = dumpcap.wait();
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "msmode-ice {mode} failed:\n{log}");
    (pcap, log)
}

/// "agent N selected pair L R" lines: the last selection of each agent.
fn selected(log: &str) -> [Option<(String, String)>; 2] {
    let mut out = [None, None];
    for l in log.lines() {
        let Some(rest) = l.strip_prefix("msmode-ice: agent ") else {
            continue;
        };
        let mut w = rest.split_whitespace();
        let (Some(n), Some("selected"), Some("pair"), Some(a), Some(b)) =
            (w.next(), w.next(), w.next(), w.next(), w.next())
        else {
            continue;
        };
        if let Ok(i) = n.parse::<usize>() {
            out[i.min(1)] = Some((a.to_string(), b.to_string()));
        }
    }
    out
}

#[test]
fn selected_pairs_match_libnice_log() {
    if !have("pkg-config", "--version") || !have("gcc", "--version") {
        skip("gcc/pkg-config not found");
        return;
    }
    if !have("dumpcap", "-v") {
        skip("dumpcap not found");
        return;
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc_geteuid() } != 0 {
        skip("dumpcap on lo needs root");
        return;
    }
    let dir = std::env::temp_dir().join(format!("msstun-analysis-libnice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let Some(exe) = build(&dir) else {
        skip("libnice-dev (pkg-config nice) not found");
        return;
    };
    let base = 47300 + (std::process::id() % 40) as u16 * 20;
    for (mode, nominates) in [("OC2007R2", true), ("OC2007", false)] {
        let (pcap, log) = capture(&exe, &dir, mode, base);
        let an = analyze_file(&pcap).unwrap();
        let r = an.report();
        let t = render::text(&r);
        let ctx = format!("{mode}\nlibnice log:\n{log}\ntable:\n{t}");
        let sel = selected(&log);
        assert!(
            sel[0].is_some() && sel[1].is_some(),
            "no selection logged\n{ctx}"
        );
        assert_eq!(r.ice_sessions.len(), 1, "{ctx}");
        let s = &r.ice_sessions[0];
        for (agent, pick) in sel.iter().enumerate() {
            let (l, rem) = pick.clone().unwrap();
            let p = s
                .pairs
                .iter()
                .find(|p| (p.a == l && p.b == rem) || (p.a == rem && p.b == l))
                .unwrap_or_else(|| {
                    panic!("agent {agent}'s selected pair {l} {rem} not in the table\n{ctx}")
                });
            assert!(p.a_to_b.successes > 0 && p.b_to_a.successes > 0, "{ctx}");
            let want = if nominates { "nominated" } else { "valid" };
            assert_eq!(p.state, want, "agent {agent}'s pair\n{ctx}");
            if nominates {
                assert_eq!(s.nominated_pair, Some(p.id), "{ctx}");
            }
        }
        // Both agents selected the same pair; every pair in the table was checked by libnice
        // (its addresses are the agents' candidates).
        let (a0, b0) = sel[0].clone().unwrap();
        let (a1, b1) = sel[1].clone().unwrap();
        assert_eq!((a0, b0), (b1, a1), "{ctx}");
        for p in &s.pairs {
            for addr in [&p.a, &p.b] {
                let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
                assert!(
                    (base..base + 20).contains(&port),
                    "{addr} is no candidate\n{ctx}"
                );
                assert!(
                    log.contains(&format!("127.0.0.1:{port}")),
                    "{addr} not a logged candidate\n{ctx}"
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}
