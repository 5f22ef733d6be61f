//! Real traffic: coturn's `turnserver` and `turnutils_uclient -T` (RFC 6062 TCP relay,
//! client-to-client) on loopback, captured with dumpcap, decoded by msstun and by the
//! built-in `stun` (both with Decode As on the server port).
//!
//! Needs root (dumpcap on `lo`), turnserver, turnutils_uclient and dumpcap; scripts/test.sh
//! installs them. `MSSTUN_SKIP_COTURN=1` skips the test explicitly (it says so on stderr).

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "alice";
const REALM: &str = "example.org";
const PASSWORD: &str = "wonderland";

struct Reaper(Child, &'static str);
impl Drop for Reaper {
    fn drop(&mut self) {
        // Only our own child, by its pid.
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.0.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGINT; killing it", self.1);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn capture_coturn(dir: &Path) -> (std::path::PathBuf, u16) {
    let port = free_port();
    let db = dir.join("turndb");
    // coturn 4.18 (Debian sid) dropped `--no-dtls` and refuses to start when given it.
    let help = Command::new("turnserver").arg("-h").output();
    let has_no_dtls = help.is_ok_and(|o| {
        String::from_utf8_lossy(&o.stdout).contains("--no-dtls")
            || String::from_utf8_lossy(&o.stderr).contains("--no-dtls")
    });
    let server = Command::new("turnserver")
        .args([
            "-n",
            "--no-cli",
            "--no-tls",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
        ])
        .args(has_no_dtls.then_some("--no-dtls"))
        .arg(format!("--listening-port={port}"))
        .args([
            "--lt-cred-mech",
            &format!("--user={USER}:{PASSWORD}"),
            &format!("--realm={REALM}"),
        ])
        .args([
            "--allow-loopback-peers",
            "--log-file=stdout",
            "--simple-log",
            "--min-port=40000",
            "--max-port=40999",
        ])
        .arg(format!(
            "--pidfile={}",
            dir.join("turnserver.pid").display()
        ))
        .arg(format!("--db={}", db.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start turnserver (apt-get install coturn)");
    let server = Reaper(server, "turnserver");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "turnserver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let pcap = dir.join("coturn.pcapng");
    let dumpcap = Command::new("dumpcap")
        .args(["-q", "-i", "lo", "-f", &format!("tcp port {port}"), "-w"])
        .arg(&pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dumpcap");
    let dumpcap = Reaper(dumpcap, "dumpcap");
    std::thread::sleep(Duration::from_millis(1500));
    // -T: RFC 6062 TCP relay between two allocations of this client (client-to-client).
    let mut ok = false;
    for attempt in 1..=3 {
        let st = Command::new("timeout")
            .args([
                "30",
                "turnutils_uclient",
                "-T",
                "-c",
                "-y",
                "-t",
                "-n",
                "5",
                "-l",
                "120",
                "-u",
                USER,
                "-w",
                PASSWORD,
            ])
            .args(["-p", &port.to_string(), "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run turnutils_uclient");
        if st.success() {
            ok = true;
            break;
        }
        eprintln!("turnutils_uclient attempt {attempt} failed ({st}); retrying");
    }
    assert!(
        ok,
        "turnutils_uclient -T never succeeded against turnserver"
    );
    std::thread::sleep(Duration::from_millis(500));
    drop(dumpcap);
    drop(server);
    assert!(pcap.exists(), "dumpcap wrote no capture");
    (pcap, port)
}

#[test]
fn coturn_tcp_relay_capture() {
    if std::env::var_os("MSSTUN_SKIP_COTURN").is_some() {
        eprintln!("coturn_tcp_relay_capture: SKIPPED (MSSTUN_SKIP_COTURN set)");
        return;
    }
    let work = Sandbox::new(false);
    let (pcap, port) = capture_coturn(&work.dir);
    let cred_opt = cred(USER, REALM, PASSWORD);

    // What the built-in stun finds (no plugin, Decode As on the server port).
    let baseline = Run::from_file_with(&pcap, &["-d", &format!("tcp.port=={port},stun")], false);
    let stun = baseline.fields(Some("stun.type"), &["stun.type"]);

    let run = Run::from_file(
        &pcap,
        &["-d", &format!("tcp.port=={port},msstun"), "-o", &cred_opt],
    );
    let ms = run.fields(
        None,
        &[
            "msstun.type",
            "msstun.att.connection_id",
            "msstun.att.message_integrity.status",
            "tcp.stream",
            "tcp.len",
            "msstun.tcp_data.connection_id",
            "msstun.tcp_data.attempt_in",
            "msstun.tcp_data.bound_in",
        ],
    );

    // 1. Every message stun finds is an msstun message with the same type, frame by frame.
    assert!(
        stun.len() >= 20,
        "built-in stun found only {} STUN frames: capture failed?",
        stun.len()
    );
    for (f, r) in &stun {
        let want = nums(&r[0]);
        let got = nums(&ms[f][0]);
        assert_eq!(
            got, want,
            "frame {f}: msstun types {got:x?} vs stun types {want:x?}"
        );
    }
    let all_types: BTreeSet<u64> = stun.values().flat_map(|r| nums(&r[0])).collect();
    for t in [
        0x0003, 0x0113, 0x0103, 0x000a, 0x010a, 0x001c, 0x000b, 0x010b,
    ] {
        assert!(
            all_types.contains(&t),
            "message type 0x{t:04x} missing from the coturn capture"
        );
    }

    assert_data_connections(&ms);

    // 3. MESSAGE-INTEGRITY is Good everywhere with the configured credentials.
    let statuses: Vec<u64> = ms.values().flat_map(|r| nums(&r[2])).collect();
    assert!(
        statuses.len() >= 10,
        "only {} MESSAGE-INTEGRITY attributes",
        statuses.len()
    );
    assert!(
        statuses.iter().all(|s| *s == GOOD),
        "MESSAGE-INTEGRITY statuses: {statuses:?}"
    );

    // 4. `-T` relays client to client: one side Connects (client-initiated), the other gets a
    //    ConnectionAttempt. Every ConnectionBind links to exactly one of the two; none is
    //    reported as unmatched.
    both_origins_link(&pcap, port, &cred_opt);
}

/// Data connections: the stream of each ConnectionBind success carries, on every later payload
/// frame, msstun.tcp_data.connection_id = the CONNECTION-ID it bound (`ms`: the fields of
/// `coturn_tcp_relay_capture`).
fn assert_data_connections(ms: &Rows) {
    let mut bound: BTreeMap<u64, (u32, u64)> = BTreeMap::new(); // stream -> (bind-ok frame, cid)
    let mut pending: BTreeMap<u64, u64> = BTreeMap::new(); // stream -> cid of the ConnectionBind request
    let mut attempts: BTreeMap<u64, u32> = BTreeMap::new(); // cid -> ConnectionAttempt frame
    for (f, r) in ms {
        let types = nums(&r[0]);
        let stream = r[3].first().map(|s| num(s)).unwrap_or(u64::MAX);
        for t in &types {
            match *t {
                0x000b => {
                    pending.insert(stream, num(&r[1][0]));
                }
                0x010b => {
                    bound.insert(stream, (*f, pending[&stream]));
                }
                0x001c => {
                    attempts.insert(num(&r[1][0]), *f);
                }
                _ => {}
            }
        }
    }
    assert_eq!(
        bound.len(),
        2,
        "expected two bound data connections, got {bound:?}"
    );
    let mut data_frames = 0;
    for (stream, (ok_frame, cid)) in &bound {
        for (f, r) in ms.range(ok_frame + 1..) {
            if r[3].first().map(|s| num(s)) != Some(*stream)
                || r[4].first().map(|s| num(s)).unwrap_or(0) == 0
            {
                continue;
            }
            data_frames += 1;
            assert_eq!(
                nums(&r[5]),
                vec![*cid],
                "frame {f} (stream {stream}): msstun.tcp_data.connection_id"
            );
            if let Some(att) = attempts.get(cid) {
                assert_eq!(
                    nums(&r[6]),
                    vec![u64::from(*att)],
                    "frame {f}: msstun.tcp_data.attempt_in"
                );
            }
        }
    }
    assert!(
        data_frames >= 5,
        "only {data_frames} relayed-data frames on the data connections"
    );
    assert_eq!(attempts.len(), 1, "one ConnectionAttempt expected");
    for (cid, att) in &attempts {
        let bind_ok = bound
            .values()
            .find(|(_, c)| c == cid)
            .map(|(f, _)| *f)
            .expect("attempt bound");
        assert_eq!(
            nums(&ms[att][7]),
            vec![u64::from(bind_ok)],
            "ConnectionAttempt {att}: msstun.tcp_data.bound_in"
        );
    }
}

fn both_origins_link(pcap: &Path, port: u16, cred_opt: &str) {
    let run = Run::from_file(
        pcap,
        &["-d", &format!("tcp.port=={port},msstun"), "-o", cred_opt],
    );
    let rows = run.fields(Some("msstun.type"), TD);
    assert!(
        run.frames("msstun.expert.bind_no_attempt").is_empty(),
        "ConnectionBind reported without ConnectionAttempt/Connect"
    );
    let (mut binds, mut connects, mut attempts) = (0, 0, 0);
    for (f, r) in &rows {
        for t in nums(&r[0]) {
            match t {
                0x000b => {
                    binds += 1;
                    assert!(
                        r[4].len() + r[5].len() == 1,
                        "frame {f}: ConnectionBind links to one ConnectionAttempt or Connect: {r:?}"
                    );
                    assert!(!r[2].is_empty(), "frame {f}: peer address");
                }
                0x010a => {
                    connects += 1;
                    assert_eq!(r[7].len(), 1, "frame {f}: Connect response bound_in");
                }
                0x001c => {
                    attempts += 1;
                    assert_eq!(r[7].len(), 1, "frame {f}: ConnectionAttempt bound_in");
                }
                _ => {}
            }
        }
    }
    assert!(binds >= 2, "{binds} ConnectionBind requests");
    assert!(connects >= 1, "{connects} Connect success responses");
    assert!(attempts >= 1, "{attempts} ConnectionAttempts");
    let linked_by_connect = rows.values().filter(|r| !r[5].is_empty()).count();
    assert!(
        linked_by_connect >= 2,
        "Connect-linked frames: {linked_by_connect}"
    );
}
