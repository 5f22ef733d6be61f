//! The relay in front of a real coturn, with coturn's own test client going through it.
//!
//! Each test starts its own `turnserver` (long-term credentials alice/wonderland, realm
//! example.org, loopback only, ephemeral ports) and `turnutils_peer`, runs
//! `turnutils_uclient` once directly and once through the relay, and checks that the
//! client gets the same result both ways and that the relay decoded the expected
//! messages. Skipped with a message when coturn is not installed (CI installs it).

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use common::*;

/// Skip with a message — or, under the project's suite (`MSSTUN_REQUIRE_ALL`, set by
/// `scripts/test.sh`), fail: there a skipped check would be a test that cannot fail.
fn skip(why: &str) {
    assert!(
        std::env::var_os("MSSTUN_REQUIRE_ALL").is_none(),
        "cannot run: {why} (MSSTUN_REQUIRE_ALL is set)"
    );
    eprintln!("SKIPPED: {why}");
}

macro_rules! require_coturn {
    () => {
        if let Some(missing) = coturn_missing() {
            skip(&format!(
                "`{missing}` not found; install coturn to run the relay's coturn tests"
            ));
            return;
        }
    };
}

fn creds_file(dir: &std::path::Path) -> String {
    let p = dir.join("creds");
    std::fs::write(&p, "alice:example.org:wonderland\n").unwrap();
    p.display().to_string()
}

/// Run the client directly and through a relay started with `relay_args`; returns the
/// relay's output.
fn through_relay(flags: &[&str], relay_args: &[&str]) -> (Coturn, Stopped) {
    let turn = Coturn::start();
    let direct = uclient(flags, turn.port, turn.peer_port);
    assert!(
        direct.success,
        "client fails even without the relay:\n{}",
        direct.output
    );
    let creds = creds_file(turn.dir.path());
    let mut args = vec!["--credentials", creds.as_str()];
    args.extend_from_slice(relay_args);
    let relay = Relay::start(&turn.addr(), &args);
    let via = uclient(flags, relay.port, turn.peer_port);
    let s = relay.stop();
    assert!(
        via.success,
        "client fails through the relay:\n{}\nrelay stderr:\n{}",
        via.output, s.stderr
    );
    assert!(
        direct.counts.is_some(),
        "no statistics line:\n{}",
        direct.output
    );
    assert_eq!(
        via.counts, direct.counts,
        "client results differ with the relay"
    );
    let (sent, recv) = via.counts.unwrap();
    assert!(
        sent > 0 && sent == recv,
        "messages sent {sent}, received {recv}"
    );
    assert_eq!(
        s.status.and_then(|s| s.code()),
        Some(0),
        "relay exit:\n{}",
        s.stderr
    );
    (turn, s)
}

/// (method, class, integrity) of every JSON line.
fn messages(stdout: &str) -> Vec<(String, String, Option<String>, serde_json::Value)> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}"));
            (
                v["method"].as_str().unwrap().to_string(),
                v["class"].as_str().unwrap_or("").to_string(),
                v["integrity"].as_str().map(str::to_string),
                v,
            )
        })
        .collect()
}

fn count(
    msgs: &[(String, String, Option<String>, serde_json::Value)],
    method: &str,
    class: &str,
) -> usize {
    msgs.iter()
        .filter(|(m, c, _, _)| m == method && c == class)
        .count()
}

fn assert_integrity_all_good(msgs: &[(String, String, Option<String>, serde_json::Value)]) {
    let with: Vec<_> = msgs
        .iter()
        .filter_map(|(_, _, i, _)| i.as_deref())
        .collect();
    assert!(!with.is_empty(), "no message carried MESSAGE-INTEGRITY");
    assert!(
        with.iter().all(|i| *i == "good"),
        "integrity statuses: {with:?}"
    );
}

#[test]
fn udp_allocations_with_channels() {
    require_coturn!();
    let (_turn, s) = through_relay(&[], &["--format", "json"]);
    let m = messages(&s.stdout);
    // Allocate: 401 challenge first, then success.
    let first_alloc_resp = m
        .iter()
        .find(|(me, c, _, _)| me == "Allocate" && c != "request")
        .expect("Allocate response");
    assert_eq!(first_alloc_resp.1, "error");
    let err = first_alloc_resp.3["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "ERROR-CODE")
        .unwrap();
    assert!(err["value"].as_str().unwrap().starts_with("401"), "{err}");
    assert!(count(&m, "Allocate", "success") >= 1);
    assert!(count(&m, "Refresh", "request") >= 1 && count(&m, "Refresh", "success") >= 1);
    assert!(
        count(&m, "CreatePermission", "request") >= 1
            && count(&m, "CreatePermission", "success") >= 1
    );
    assert!(count(&m, "ChannelBind", "request") >= 1 && count(&m, "ChannelBind", "success") >= 1);
    assert!(m
        .iter()
        .all(|(_, _, _, v)| v["transport"] == "udp" && v["dialect"] == "rfc5389"));
    assert_integrity_all_good(&m);
    // Application data went over channels.
    let cd: u64 = s
        .stderr
        .split(" ChannelData")
        .next()
        .and_then(|t| t.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(cd > 0, "no ChannelData counted:\n{}", s.stderr);
}

#[test]
fn tcp_control_connection() {
    require_coturn!();
    let (_turn, s) = through_relay(&["-t"], &["--tcp"]);
    let out = &s.stdout;
    for want in [
        "Allocate Error Response error-code: 401",
        "Allocate Success Response",
        "Refresh Request",
        "Refresh Success Response",
        "CreatePermission Request",
        "ChannelBind Request",
        "ChannelBind Success Response",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    assert!(out.lines().all(|l| l.contains(" tcp ")), "{out}");
    assert!(out.contains("[MESSAGE-INTEGRITY Good]"), "{out}");
    assert!(
        !out.contains("[MESSAGE-INTEGRITY Bad]") && !out.contains("Unverified"),
        "{out}"
    );
    assert!(s.stderr.contains("undecodable streams 0"), "{}", s.stderr);
}

#[test]
fn tcp_relay_rfc6062() {
    require_coturn!();
    let (_turn, s) = through_relay(&["-T"], &["--format", "json"]);
    let m = messages(&s.stdout);
    for (method, class) in [
        ("Allocate", "error"),
        ("Allocate", "success"),
        ("Connect", "request"),
        ("Connect", "success"),
        ("ConnectionAttempt", "indication"),
        ("ConnectionBind", "request"),
        ("ConnectionBind", "success"),
    ] {
        assert!(
            count(&m, method, class) >= 1,
            "no {method} {class} in\n{}",
            s.stdout
        );
    }
    assert_integrity_all_good(&m);
    assert!(
        s.stderr.contains("is now an RFC 6062 data connection"),
        "{}",
        s.stderr
    );
    assert!(
        !s.stderr.contains(" 0 data frames"),
        "data connection payload not counted:\n{}",
        s.stderr
    );
    assert!(s.stderr.contains("undecodable streams 0"), "{}", s.stderr);
}

/// The plugin under test: `MSSTUN_PLUGIN`, else the one built in this test's profile
/// (`target/<profile>/`, next to `deps/` where the test binary lives), else the release build.
fn plugin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MSSTUN_PLUGIN") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?.to_path_buf();
    [
        profile_dir.join("libmsstun_plugin.so"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release/libmsstun_plugin.so"),
    ]
    .into_iter()
    .find(|p| p.exists())
}

fn tshark_version() -> Option<String> {
    let out = Command::new("tshark").arg("--version").output().ok()?;
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()?
        .to_string();
    let v = first.split_whitespace().nth(2)?;
    let mut it = v.split('.');
    Some(format!("{}.{}", it.next()?, it.next()?))
}

#[test]
fn pcap_decodes_in_tshark_like_live() {
    require_coturn!();
    let Some(plugin) = plugin() else {
        skip(
            "libmsstun_plugin.so not built (cargo build -p msstun-plugin) and MSSTUN_PLUGIN \
             not set; cannot check the --pcap output with tshark + msstun.so",
        );
        return;
    };
    let Some(ver) = tshark_version() else {
        skip("tshark not found");
        return;
    };
    use std::os::unix::fs::PermissionsExt;
    let turn = Coturn::start();
    let sb = tempfile::tempdir().unwrap();
    let pcap = sb.path().join("relay.pcapng");
    let creds = creds_file(turn.dir.path());
    let relay = Relay::start(
        &turn.addr(),
        &["--credentials", &creds, "--pcap", pcap.to_str().unwrap()],
    );
    assert!(uclient(&[], relay.port, turn.peer_port).success);
    assert!(uclient(&["-T"], relay.port, turn.peer_port).success);
    let s = relay.stop();
    // Install the plugin in a private personal plugin folder; run tshark as nobody when
    // root (Wireshark ignores personal plugins for root).
    let home = sb.path().join("home");
    let plugdir = home.join(format!(".local/lib/wireshark/plugins/{ver}/epan"));
    std::fs::create_dir_all(&plugdir).unwrap();
    std::fs::copy(&plugin, plugdir.join("msstun.so")).unwrap();
    for e in walk(sb.path()) {
        let mode = if e.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&e, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let mut cmd = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "env"])
            .arg(format!("HOME={}", home.display()))
            .arg("tshark");
        c
    } else {
        let mut c = Command::new("tshark");
        c.env("HOME", &home);
        c
    };
    cmd.current_dir(sb.path())
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("WIRESHARK_CONFIG_DIR");
    cmd.args([
        "-n",
        "-2",
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "msstun",
        "-T",
        "fields",
        "-e",
        "_ws.col.Info",
    ]);
    let out = cmd.output().expect("run tshark");
    let info = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every "Method Class" the relay counted appears as often in tshark's Info column.
    let mut relay_counts: BTreeMap<String, usize> = BTreeMap::new();
    for line in s.stderr.lines() {
        let t = line.trim_start_matches("msstun-relay:").trim();
        if let Some((k, v)) = t.rsplit_once(": ") {
            if k.ends_with("Request") || k.ends_with("Response") || k.ends_with("Indication") {
                if let Ok(n) = v.parse() {
                    relay_counts.insert(k.to_string(), n);
                }
            }
        }
    }
    assert!(relay_counts.len() >= 8, "relay summary:\n{}", s.stderr);
    for (k, n) in &relay_counts {
        assert_eq!(
            info.matches(k.as_str()).count(),
            *n,
            "{k}: relay counted {n}; tshark Info column:\n{info}"
        );
    }
}

fn walk(p: &std::path::Path) -> Vec<PathBuf> {
    let mut v = vec![p.to_path_buf()];
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            v.extend(walk(&e.path()));
        }
    }
    v
}
