//! Relay behaviour that needs no TURN server: byte-exact forwarding of garbage, half-close,
//! JSON schema and MESSAGE-INTEGRITY on the RFC 5769 vectors, limits, exit codes.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::process::Command;
use std::time::Duration;

use common::*;

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// RFC 5769 §2.1 sample request (short-term credentials).
fn rfc5769_request() -> Vec<u8> {
    unhex(
        "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e2074657374
         20636c69656e74002400046e0001ff80290008932ff9b151263b3600060009657674
         6a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280
         280004e57a3bcf",
    )
}

/// RFC 5769 §2.2 sample IPv4 response.
fn rfc5769_response() -> Vec<u8> {
    unhex(
        "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f
         7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53
         f06be7d780280004c07d4c96",
    )
}

#[test]
fn garbage_tcp_forwarded_byte_exact_both_ways_with_half_close() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let up_addr = upstream.local_addr().unwrap().to_string();
    let down = garbage(3 << 20, 7);
    let down_hash = sha256(&down);
    let server = std::thread::spawn(move || {
        let (mut s, _) = upstream.accept().unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap(); // until the client's half-close arrives
        s.write_all(&down).unwrap();
        sha256(&got)
    });
    let relay = Relay::start(&up_addr, &["--tcp"]);
    let up = garbage(2 << 20, 11);
    let mut c = TcpStream::connect(relay.addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut w = c.try_clone().unwrap();
    let up2 = up.clone();
    let writer = std::thread::spawn(move || {
        w.write_all(&up2).unwrap();
        w.shutdown(Shutdown::Write).unwrap();
    });
    let mut back = Vec::new();
    c.read_to_end(&mut back).unwrap();
    writer.join().unwrap();
    assert_eq!(
        server.join().unwrap(),
        sha256(&up),
        "client→upstream bytes differ"
    );
    assert_eq!(sha256(&back), down_hash, "upstream→client bytes differ");
    let s = relay.stop();
    assert_eq!(s.status.map(|s| s.code()), Some(Some(0)), "{}", s.stderr);
    let reports = s.stderr.matches("undecodable bytes at offset").count();
    assert!(
        (1..=2).contains(&reports),
        "undecodable reported {reports} times (once per direction expected):\n{}",
        s.stderr
    );
    assert!(
        s.stderr.contains("not decoding this direction any more"),
        "{}",
        s.stderr
    );
    assert!(
        s.stderr.contains(&format!("client→upstream {}", up.len())),
        "{}",
        s.stderr
    );
    assert!(
        s.stderr.contains(&format!("upstream→client {}", 3 << 20)),
        "{}",
        s.stderr
    );
}

#[test]
fn garbage_udp_forwarded_byte_exact() {
    let upstream = UdpSocket::bind("127.0.0.1:0").unwrap();
    let up_addr = upstream.local_addr().unwrap().to_string();
    // Echo server: every datagram back, reversed, so the two directions differ.
    let echo = std::thread::spawn(move || {
        upstream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 65536];
        let mut n_seen = 0;
        while n_seen < 50 {
            let Ok((n, from)) = upstream.recv_from(&mut buf) else {
                break;
            };
            let mut d = buf[..n].to_vec();
            d.reverse();
            upstream.send_to(&d, from).unwrap();
            n_seen += 1;
        }
        n_seen
    });
    let relay = Relay::start(&up_addr, &["--udp"]);
    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    c.connect(relay.addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 65536];
    for i in 0..50u64 {
        let d = garbage(100 + (i as usize * 131) % 1200, i + 1);
        c.send(&d).unwrap();
        let n = c.recv(&mut buf).unwrap();
        let mut want = d.clone();
        want.reverse();
        assert_eq!(sha256(&buf[..n]), sha256(&want), "datagram {i}");
    }
    assert_eq!(echo.join().unwrap(), 50);
    let s = relay.stop();
    assert!(s.stderr.contains("udp bindings 1"), "{}", s.stderr);
    let reports = s.stderr.matches("undecodable bytes at offset").count();
    assert!(
        (1..=2).contains(&reports),
        "undecodable reported {reports} times:\n{}",
        s.stderr
    );
}

/// Upstream that answers the RFC 5769 request with the RFC 5769 response.
fn stun_upstream() -> (String, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap().to_string();
    let h = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut req = vec![0u8; rfc5769_request().len()];
        s.read_exact(&mut req).unwrap();
        s.write_all(&rfc5769_response()).unwrap();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
    });
    (a, h)
}

fn exchange(relay: &Relay) {
    let mut c = TcpStream::connect(relay.addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // Split the request to exercise reassembly.
    let req = rfc5769_request();
    c.write_all(&req[..7]).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    c.write_all(&req[7..]).unwrap();
    let mut resp = vec![0u8; rfc5769_response().len()];
    c.read_exact(&mut resp).unwrap();
    assert_eq!(resp, rfc5769_response());
    c.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
}

#[test]
fn json_lines_schema_and_integrity_good_with_credentials() {
    let (up, h) = stun_upstream();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds");
    std::fs::write(
        &creds,
        "# RFC 5769 short-term credential\nevtj\\:h6vY::VOkJxbRl1RmTxUk/WvJxBt\n",
    )
    .unwrap();
    let relay = Relay::start(
        &up,
        &[
            "--tcp",
            "--format",
            "json",
            "--credentials",
            creds.to_str().unwrap(),
        ],
    );
    exchange(&relay);
    h.join().unwrap();
    let s = relay.stop();
    assert!(!s.stderr.contains("VOkJxbRl1RmTxUk"), "secret printed");
    assert!(!s.stdout.contains("VOkJxbRl1RmTxUk"), "secret printed");
    let lines: Vec<serde_json::Value> = s
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    assert_eq!(lines.len(), 2, "{}", s.stdout);
    for l in &lines {
        for k in [
            "ts",
            "conn",
            "dir",
            "transport",
            "framing",
            "dialect",
            "type",
            "method",
            "class",
            "transaction_id",
            "summary",
            "attributes",
            "fingerprint",
            "integrity",
        ] {
            assert!(l.get(k).is_some(), "key {k} missing in {l}");
        }
        assert_eq!(l["record"], "message", "{l}");
        assert_eq!(l["transport"], "tcp");
        assert_eq!(l["dialect"], "rfc5389");
        assert_eq!(l["method"], "Binding");
        assert_eq!(l["transaction_id"], "b7e7a701bc34d686fa87dfae");
        assert_eq!(l["integrity"], "good", "{l}");
        assert_eq!(l["fingerprint"], "good", "{l}");
        assert!(l["ts"].as_str().unwrap().ends_with('Z'));
    }
    assert_eq!(lines[0]["dir"], "c2s");
    assert_eq!(lines[0]["class"], "request");
    assert_eq!(lines[0]["type"], 1);
    assert_eq!(lines[1]["dir"], "s2c");
    assert_eq!(lines[1]["class"], "success");
    let attrs = lines[1]["attributes"].as_array().unwrap();
    let xma = attrs
        .iter()
        .find(|a| a["name"] == "XOR-MAPPED-ADDRESS")
        .expect("XOR-MAPPED-ADDRESS");
    assert_eq!(xma["type"], 0x0020);
    assert_eq!(xma["value"], "192.0.2.1:32853");
    let user = lines[0]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "USERNAME")
        .unwrap();
    assert_eq!(user["value"], "evtj:h6vY");
    assert!(s.stderr.contains("Binding Request: 1"), "{}", s.stderr);
}

#[test]
fn integrity_bad_with_wrong_password_and_unverified_without_credentials() {
    let (up, h) = stun_upstream();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds");
    std::fs::write(&creds, "evtj\\:h6vY::wrong\n").unwrap();
    let relay = Relay::start(&up, &["--tcp", "--credentials", creds.to_str().unwrap()]);
    exchange(&relay);
    h.join().unwrap();
    let s = relay.stop();
    assert_eq!(
        s.stdout.matches("[MESSAGE-INTEGRITY Bad]").count(),
        2,
        "{}",
        s.stdout
    );
    assert!(s.stderr.contains("integrity failures 2"), "{}", s.stderr);

    let (up, h) = stun_upstream();
    let relay = Relay::start(&up, &["--tcp"]);
    exchange(&relay);
    h.join().unwrap();
    let s = relay.stop();
    assert_eq!(
        s.stdout.matches("[MESSAGE-INTEGRITY Unverified]").count(),
        2,
        "{}",
        s.stdout
    );
}

#[test]
fn upstream_unreachable_closes_client_with_clear_log() {
    let port = free_port(); // nothing listens there
    let relay = Relay::start(&format!("127.0.0.1:{port}"), &["--tcp"]);
    let mut c = TcpStream::connect(relay.addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 16];
    let n = c.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "client connection should be closed");
    assert!(wait_for(Duration::from_secs(5), || relay
        .stderr()
        .contains("unreachable")));
    let s = relay.stop();
    assert!(
        s.stderr
            .contains(&format!("upstream 127.0.0.1:{port} unreachable")),
        "{}",
        s.stderr
    );
    assert!(
        s.stderr.contains("closing the client connection"),
        "{}",
        s.stderr
    );
    assert!(s.stderr.contains("upstream failures 1"), "{}", s.stderr);
}

#[test]
fn max_connections_refuses_extra() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let up_addr = upstream.local_addr().unwrap().to_string();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in upstream.incoming().take(2) {
            held.push(s);
        }
        std::thread::sleep(Duration::from_secs(3));
    });
    let relay = Relay::start(&up_addr, &["--tcp", "--max-connections", "1"]);
    let _first = TcpStream::connect(relay.addr()).unwrap();
    assert!(wait_for(Duration::from_secs(5), || relay
        .stderr()
        .contains(" open")));
    let mut second = TcpStream::connect(relay.addr()).unwrap();
    second
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(second.read(&mut buf).unwrap_or(0), 0);
    let s = relay.stop();
    assert!(
        s.stderr.contains("--max-connections reached"),
        "{}",
        s.stderr
    );
    assert!(s.stderr.contains("refused 1"), "{}", s.stderr);
}

#[test]
fn sigterm_prints_summary_and_exits_zero() {
    let relay = Relay::start("127.0.0.1:9", &[]);
    let s = relay.stop();
    assert_eq!(s.status.map(|s| s.code()), Some(Some(0)));
    assert!(s.stderr.contains("SIGTERM: stopping"), "{}", s.stderr);
    assert!(s.stderr.contains("summary after"), "{}", s.stderr);
    assert!(
        s.stderr.contains("bytes: client→upstream 0"),
        "{}",
        s.stderr
    );
}

#[test]
fn exit_codes() {
    let bin = env!("CARGO_BIN_EXE_msstun-relay");
    let code = |args: &[&str]| Command::new(bin).args(args).output().unwrap().status.code();
    assert_eq!(
        code(&["--listen", "127.0.0.1:0"]),
        Some(2),
        "missing --upstream"
    );
    assert_eq!(
        code(&["--listen", "127.0.0.1:0", "--upstream", "127.0.0.1"]),
        Some(4),
        "upstream without port"
    );
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_addr = busy.local_addr().unwrap().to_string();
    assert_eq!(
        code(&["--listen", &busy_addr, "--upstream", "127.0.0.1:9", "--tcp"]),
        Some(3),
        "port in use"
    );
    assert_eq!(
        code(&[
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "127.0.0.1:9",
            "--credentials",
            "/nonexistent/creds"
        ]),
        Some(5)
    );
    assert_eq!(
        code(&[
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "127.0.0.1:9",
            "--pcap",
            "/nonexistent/dir/x.pcapng"
        ]),
        Some(6)
    );
    let help = Command::new(bin).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("Exit codes:")
            && help.contains("--credentials")
            && !help.contains("--no-decode"),
        "{help}"
    );
}

#[test]
fn udp_binding_expires_after_idle_timeout() {
    let upstream = UdpSocket::bind("127.0.0.1:0").unwrap();
    let up_addr = upstream.local_addr().unwrap().to_string();
    let relay = Relay::start(&up_addr, &["--udp", "--idle-timeout", "1"]);
    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    c.connect(relay.addr()).unwrap();
    upstream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 64];
    c.send(b"\xffone").unwrap();
    let (_, first) = upstream.recv_from(&mut buf).unwrap();
    assert!(
        wait_for(Duration::from_secs(5), || relay
            .stderr()
            .contains("binding expired")),
        "{}",
        relay.stderr()
    );
    c.send(b"\xfftwo").unwrap();
    let (_, second) = upstream.recv_from(&mut buf).unwrap();
    assert_ne!(first, second, "a new binding uses a new upstream socket");
    let s = relay.stop();
    assert!(s.stderr.contains("udp bindings 2"), "{}", s.stderr);
}

/// The capture is valid pcapng whose TCP stream Wireshark's own analysis accepts
/// (no warnings) and whose STUN messages the built-in dissector finds.
#[test]
fn pcap_is_clean_for_wireshark_tcp_analysis() {
    if !have("tshark") {
        assert!(
            std::env::var_os("MSSTUN_REQUIRE_ALL").is_none(),
            "tshark not found (MSSTUN_REQUIRE_ALL is set)"
        );
        eprintln!("SKIPPED: tshark not found");
        return;
    }
    let (up, h) = stun_upstream();
    let up_port = up.rsplit(':').next().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("x.pcapng");
    let relay = Relay::start(&up, &["--tcp", "--pcap", pcap.to_str().unwrap()]);
    exchange(&relay);
    h.join().unwrap();
    let s = relay.stop();
    assert!(
        s.stderr.contains("dropped capture packets 0"),
        "{}",
        s.stderr
    );
    let run = |args: &[&str]| {
        let o = Command::new("tshark")
            .arg("-n")
            .arg("-r")
            .arg(&pcap)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let decode_as = format!("tcp.port=={up_port},stun");
    let stun = run(&[
        "-d",
        &decode_as,
        "-Y",
        "stun",
        "-T",
        "fields",
        "-e",
        "stun.type",
    ]);
    assert_eq!(
        stun.lines().collect::<Vec<_>>(),
        ["0x0001", "0x0101"],
        "{stun}"
    );
    let expert = run(&["-q", "-z", "expert,warn"]);
    assert!(
        !expert.contains("Warns") && !expert.contains("Errors"),
        "{expert}"
    );
    let frames = run(&["-T", "fields", "-e", "tcp.flags.str"]);
    let flags: Vec<&str> = frames.lines().collect();
    assert!(flags.len() >= 7, "{frames}");
    assert!(
        flags[0].contains('S') && !flags[0].contains('A'),
        "SYN first: {frames}"
    );
    assert!(
        flags[1].contains('S') && flags[1].contains('A'),
        "SYN-ACK: {frames}"
    );
    assert_eq!(
        flags.iter().filter(|f| f.contains('F')).count(),
        2,
        "one FIN per direction: {frames}"
    );
}
