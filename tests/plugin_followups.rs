//! Plugin follow-ups: RFC 6062 client-initiated connections (Connect → ConnectionBind),
//! flow identity by Wireshark conversation (reused TCP 5-tuples), and the same checks on a
//! real coturn `turnutils_uclient -T` capture.

mod common;
use common::*;
use msstun_fixtures::followups::connect_consts::*;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TD: &[&str] = &[
    "msstun.type",
    "msstun.tcp_data.connection_id",
    "msstun.tcp_data.peer.ipv4",
    "msstun.tcp_data.peer.port",
    "msstun.tcp_data.attempt_in",
    "msstun.tcp_data.connect_in",
    "msstun.tcp_data.bind_in",
    "msstun.tcp_data.bound_in",
];

fn ip(a: [u8; 4]) -> String {
    std::net::Ipv4Addr::from(a).to_string()
}

#[test]
fn connect_response_links_the_data_connection() {
    let fx = fixture("connect");
    let run = Run::new(&fx, &["-d", "tcp.port==3478,msstun"]);
    let rows = run.fields(None, TD);
    let f = |l: &str| fx.frame(l);
    let cell = |l: &str, i: usize| rows[&f(l)][i].clone();

    // The Connect success response: CONNECTION-ID, the Connect request's peer, bound in.
    assert_eq!(nums(&cell("connect-ok", 0)), vec![0x010a]);
    assert_eq!(nums(&cell("connect-ok", 1)), vec![u64::from(CONNECT_CID)]);
    assert_eq!(cell("connect-ok", 2), vec![ip(CONNECT_PEER)]);
    assert_eq!(
        nums(&cell("connect-ok", 3)),
        vec![u64::from(CONNECT_PEER_PORT)]
    );
    assert_eq!(
        nums(&cell("connect-ok", 7)),
        vec![u64::from(f("connect-bind-ok"))]
    );
    // Every frame of the client-initiated data connection links to the Connect response.
    for l in [
        "connect-bind",
        "connect-bind-ok",
        "connect-data-out",
        "connect-data-in",
    ] {
        assert_eq!(nums(&cell(l, 1)), vec![u64::from(CONNECT_CID)], "{l}");
        assert_eq!(cell(l, 2), vec![ip(CONNECT_PEER)], "{l}");
        assert!(cell(l, 4).is_empty(), "{l}: no ConnectionAttempt");
        assert_eq!(
            nums(&cell(l, 5)),
            vec![u64::from(f("connect-ok"))],
            "{l}: connect_in"
        );
        assert_eq!(
            nums(&cell(l, 6)),
            vec![u64::from(f("connect-bind"))],
            "{l}: bind_in"
        );
    }
    // The peer-initiated one still links to its ConnectionAttempt.
    assert_eq!(
        nums(&cell("attempt", 7)),
        vec![u64::from(f("attempt-bind-ok"))]
    );
    for l in ["attempt-bind", "attempt-bind-ok", "attempt-data-in"] {
        assert_eq!(nums(&cell(l, 1)), vec![u64::from(ATTEMPT_CID)], "{l}");
        assert_eq!(cell(l, 2), vec![ip(ATTEMPT_PEER)], "{l}");
        assert_eq!(nums(&cell(l, 4)), vec![u64::from(f("attempt"))], "{l}");
        assert!(cell(l, 5).is_empty(), "{l}: no Connect");
    }
    // Only the ConnectionBind nobody announced is flagged.
    assert_eq!(
        run.frames("msstun.expert.bind_no_attempt"),
        vec![f("stray-bind")]
    );

    // One pass (frames in order, as tshark without -2): the data connection's links are
    // the same.
    let one = run.raw(&[
        "-Y",
        "msstun.tcp_data.connect_in",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "msstun.tcp_data.connect_in",
    ]);
    let want: Vec<String> = [
        "connect-bind",
        "connect-bind-ok",
        "connect-data-out",
        "connect-data-in",
    ]
    .iter()
    .map(|l| format!("{}\t{}", f(l), f("connect-ok")))
    .collect();
    assert_eq!(one.lines().collect::<Vec<_>>(), want);
}

#[test]
fn reused_five_tuple_gets_fresh_state() {
    let fx = fixture("reuse");
    let run = Run::new(&fx, &["-d", "tcp.port==3478,msstun"]);
    let rows = run.fields(
        Some("tcp.len > 0"),
        &["tcp.stream", "msstun.type", "msstun.tcp_data.connection_id"],
    );
    let first = fx.frame("first-data");
    assert_eq!(nums(&rows[&first][2]), vec![0x4444_0004]);
    for l in ["second-req", "second-resp"] {
        let r = &rows[&fx.frame(l)];
        assert_ne!(r[0], rows[&first][0], "{l}: a new TCP stream");
        assert_eq!(r[1].len(), 1, "{l}: one msstun message, not relayed data");
        assert!(
            r[2].is_empty(),
            "{l}: not part of the earlier data connection"
        );
    }
    assert_eq!(nums(&rows[&fx.frame("second-req")][1]), vec![0x0001]);
    assert_eq!(nums(&rows[&fx.frame("second-resp")][1]), vec![0x0101]);
}

// ---- real coturn traffic ----------------------------------------------------------------

const USER: &str = "alice";
const REALM: &str = "example.org";
const PASSWORD: &str = "wonderland";

/// A child process stopped (by its own pid) when dropped.
struct Reaper(Child);
impl Drop for Reaper {
    fn drop(&mut self) {
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
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn coturn_capture(dir: &Path) -> Option<(PathBuf, u16)> {
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let help = Command::new("turnserver").arg("-h").output().ok()?;
    let no_dtls = String::from_utf8_lossy(&help.stdout).contains("--no-dtls")
        || String::from_utf8_lossy(&help.stderr).contains("--no-dtls");
    let server = Command::new("turnserver")
        .args([
            "-n",
            "--no-cli",
            "--no-tls",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
        ])
        .args(no_dtls.then_some("--no-dtls"))
        .arg(format!("--listening-port={port}"))
        .args([
            "--lt-cred-mech",
            &format!("--user={USER}:{PASSWORD}"),
            &format!("--realm={REALM}"),
            "--allow-loopback-peers",
            "--min-port=41000",
            "--max-port=41999",
        ])
        .arg(format!(
            "--pidfile={}",
            dir.join("turnserver.pid").display()
        ))
        .arg(format!("--db={}", dir.join("turndb").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let server = Reaper(server);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "turnserver did not listen");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pcap = dir.join("coturn.pcapng");
    let dumpcap = Command::new("dumpcap")
        .args(["-q", "-i", "lo", "-f", &format!("tcp port {port}"), "-w"])
        .arg(&pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let dumpcap = Reaper(dumpcap);
    std::thread::sleep(Duration::from_millis(1500));
    let mut ok = false;
    for _ in 0..3 {
        let st = Command::new("timeout")
            .args(["30", "turnutils_uclient", "-T", "-c", "-y", "-t"])
            .args(["-n", "5", "-l", "120", "-u", USER, "-w", PASSWORD])
            .args(["-p", &port.to_string(), "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if st.success() {
            ok = true;
            break;
        }
    }
    assert!(ok, "turnutils_uclient -T never succeeded");
    std::thread::sleep(Duration::from_millis(500));
    drop(dumpcap);
    drop(server);
    pcap.exists().then_some((pcap, port))
}

/// `turnutils_uclient -T` relays client to client: one side Connects (client-initiated),
/// the other gets a ConnectionAttempt. Both data connections are linked; no
/// ConnectionBind is reported as unmatched.
#[test]
fn coturn_connect_and_attempt_both_link() {
    if std::env::var_os("MSSTUN_SKIP_COTURN").is_some() {
        eprintln!("coturn_connect_and_attempt_both_link: SKIPPED (MSSTUN_SKIP_COTURN set)");
        return;
    }
    let work = Sandbox::new(false);
    let (pcap, port) = coturn_capture(&work.dir)
        .expect("coturn capture (apt-get install coturn tshark; needs root for dumpcap on lo)");
    let run = Run::from_file(
        &pcap,
        &[
            "-d",
            &format!("tcp.port=={port},msstun"),
            "-o",
            &cred(USER, REALM, PASSWORD),
        ],
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
