//! Limits a network service needs: one client address opening thousands of idle TCP
//! connections and UDP bindings must not lock out a second address (a real coturn
//! session through the relay must still succeed), the relay's memory must stay bounded,
//! it must never connect anywhere but `--upstream`, and a connection that never sends a
//! complete message is closed after `--first-message-timeout`.
//!
//! Loopback only: 127.0.0.2 is the flooding "address", 127.0.0.3 the legitimate client.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream, UdpSocket};
use std::os::fd::FromRawFd;
use std::time::{Duration, Instant};

use common::*;

const FLOODER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const CLIENT: &str = "127.0.0.3";

fn skip(why: &str) {
    assert!(
        std::env::var_os("MSSTUN_REQUIRE_ALL").is_none(),
        "cannot run: {why} (MSSTUN_REQUIRE_ALL is set)"
    );
    eprintln!("SKIPPED: {why}");
}

/// Raise this process's open-file soft limit to the hard limit.
fn raise_nofile() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read/write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    lim.rlim_cur
}

/// A TCP connection from `src` (any port) to `dst` (std cannot bind before connecting).
fn connect_from(src: Ipv4Addr, dst: SocketAddrV4) -> std::io::Result<TcpStream> {
    let sin = |a: SocketAddrV4| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: a.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(*a.ip()).to_be(),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: plain socket calls on a descriptor we own; TcpStream closes it on drop.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let s = TcpStream::from_raw_fd(fd);
        let a = sin(SocketAddrV4::new(src, 0));
        if libc::bind(fd, &a as *const _ as *const libc::sockaddr, len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let b = sin(dst);
        if libc::connect(fd, &b as *const _ as *const libc::sockaddr, len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(s)
    }
}

/// VmRSS of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// An IPv4 `addr:port` from /proc/net/{tcp,udp} (`0100007F:0D96`).
fn proc_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    if ip.len() != 8 {
        return None; // IPv6 tables: the relay under test uses IPv4 only
    }
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    Some(SocketAddr::from((Ipv4Addr::from(u32::from_be(ip)), port)))
}

/// Every socket of `pid`: (protocol, local, remote, TCP state in hex).
fn sockets_of(pid: u32) -> Vec<(&'static str, SocketAddr, SocketAddr, String)> {
    let mut inodes = std::collections::HashSet::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
    {
        if let Ok(t) = std::fs::read_link(e.path()) {
            let t = t.display().to_string();
            if let Some(i) = t.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')) {
                inodes.insert(i.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for (proto, file) in [
        ("tcp", "tcp"),
        ("udp", "udp"),
        ("tcp6", "tcp6"),
        ("udp6", "udp6"),
    ] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{file}")).unwrap_or_default();
        for l in text.lines().skip(1) {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 10 || !inodes.contains(f[9]) {
                continue;
            }
            assert!(
                proto == "tcp" || proto == "udp",
                "relay has an IPv6 socket: {l}"
            );
            if let (Some(a), Some(b)) = (proc_addr(f[1]), proc_addr(f[2])) {
                out.push((proto, a, b, f[3].to_string()));
            }
        }
    }
    out
}

/// Every socket of the relay is its listener, an accepted client connection on the
/// listening address, or a socket connected to `upstream`: it talks to nothing else.
fn assert_only_upstream(pid: u32, listen: SocketAddr, upstream: SocketAddr) -> usize {
    let socks = sockets_of(pid);
    assert!(!socks.is_empty(), "no sockets found for the relay");
    let mut to_upstream = 0;
    for (proto, local, remote, state) in &socks {
        let unconnected = remote.port() == 0;
        if *local == listen || (unconnected && local.port() == listen.port()) {
            continue; // listener, or a connection accepted on it
        }
        if proto == &"tcp" && state == "0A" {
            panic!("relay listens on another address: {local}");
        }
        assert_eq!(
            *remote, upstream,
            "relay socket {proto} {local} → {remote} (state {state}) goes elsewhere than --upstream"
        );
        to_upstream += 1;
    }
    to_upstream
}

/// Connections of `streams` the relay has closed (EOF or reset on a non-blocking read).
fn closed(streams: &mut [TcpStream]) -> usize {
    let mut n = 0;
    for s in streams.iter_mut() {
        s.set_nonblocking(true).unwrap();
        let mut b = [0u8; 16];
        match s.read(&mut b) {
            Ok(0) => n += 1,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => n += 1,
        }
    }
    n
}

#[test]
fn one_address_flooding_idle_connections_does_not_lock_out_another() {
    if let Some(missing) = coturn_missing() {
        return skip(&format!("`{missing}` not found; install coturn"));
    }
    let nofile = raise_nofile();
    const FLOOD_TCP: usize = 3000;
    const FLOOD_UDP: usize = 2000;
    assert!(
        nofile > (FLOOD_TCP + FLOOD_UDP + 200) as u64,
        "open-file limit {nofile} too low for the flood"
    );
    let turn = Coturn::start();
    let upstream: SocketAddr = turn.addr().parse().unwrap();
    let relay = relay_with_default_caps(&turn);
    let listen: SocketAddr = relay.addr().parse().unwrap();
    let dst = SocketAddrV4::new(Ipv4Addr::LOCALHOST, relay.port);
    let rss_idle = rss_kib(relay.pid());

    // 1. The flood: thousands of idle TCP connections and UDP bindings from 127.0.0.2.
    let t0 = Instant::now();
    // RSS once the relay holds the whole cap of `proto` sockets towards upstream (it may
    // lag behind the flood on a loaded machine) and has settled.
    let settled_rss = |proto: &str| {
        let full = wait_for(Duration::from_secs(30), || {
            sockets_of(relay.pid())
                .iter()
                .filter(|(p, _, r, _)| *p == proto && *r == upstream)
                .count()
                >= 256
        });
        assert!(full, "the relay never reached 256 {proto} upstream sockets");
        std::thread::sleep(Duration::from_millis(500));
        rss_kib(relay.pid())
    };
    let mut flood = Vec::with_capacity(FLOOD_TCP);
    let mut rss_tcp = [0; 2];
    for i in 0..FLOOD_TCP {
        flood.push(connect_from(FLOODER, dst).expect("connect from 127.0.0.2"));
        if i == 999 {
            rss_tcp[0] = settled_rss("tcp");
        }
    }
    rss_tcp[1] = settled_rss("tcp");
    let mut udp_flood = Vec::with_capacity(FLOOD_UDP);
    let mut rss_udp = [0; 2];
    for i in 0..FLOOD_UDP {
        let u = UdpSocket::bind((FLOODER, 0)).unwrap();
        u.send_to(b"\x00\x01\x00\x00 not a complete STUN message", listen)
            .unwrap();
        udp_flood.push(u);
        if i % 50 == 49 {
            std::thread::sleep(Duration::from_millis(2)); // spare the receive buffer
        }
        if i == 999 {
            rss_udp[0] = settled_rss("udp");
        }
    }
    rss_udp[1] = settled_rss("udp");
    let rss_flood = rss_udp[1];
    let flood_secs = t0.elapsed().as_secs_f64();
    let refused_tcp = closed(&mut flood);
    let held = FLOOD_TCP - refused_tcp;
    assert!(
        (200..=256).contains(&held),
        "the relay holds {held} of {FLOOD_TCP} connections from one address (cap 256)"
    );
    let upstream_socks = assert_only_upstream(relay.pid(), listen, upstream);
    assert!(
        upstream_socks <= 256 + 256 + 10,
        "{upstream_socks} upstream sockets for one address's flood"
    );

    // 2. A real coturn session from the second address, UDP and TCP, during the flood.
    for flags in [&["-L", CLIENT][..], &["-t", "-L", CLIENT][..]] {
        let run = uclient(flags, relay.port, turn.peer_port);
        assert!(
            run.success && run.counts.is_some_and(|(s, r)| s > 0 && s == r),
            "coturn session {flags:?} from {CLIENT} failed during the flood:\n{}\nrelay stderr:\n{}",
            run.output,
            relay.stderr()
        );
    }
    assert_only_upstream(relay.pid(), listen, upstream);
    let rss_after = rss_kib(relay.pid());
    drop(flood);
    drop(udp_flood);
    let s = relay.stop();
    eprintln!(
        "flood {FLOOD_TCP} tcp + {FLOOD_UDP} udp in {flood_secs:.1}s: held {held}, \
         RSS KiB: idle {rss_idle}, after 1000/{FLOOD_TCP} tcp {rss_tcp:?}, after 1000/{FLOOD_UDP} udp {rss_udp:?}, \
         after the sessions {rss_after} KiB, {upstream_socks} upstream sockets"
    );

    assert_report(&s, flood_secs, refused_tcp);

    assert_memory_bounded(rss_flood, rss_after, rss_tcp, rss_udp);
}

/// The relay in front of `turn` with JSON output and credentials, the default per-source caps
/// (256 per source, 4096 in all), and a first-message deadline longer than the test so that
/// only the per-source caps act.
fn relay_with_default_caps(turn: &Coturn) -> Relay {
    let creds = turn.dir.path().join("creds");
    std::fs::write(&creds, "alice:example.org:wonderland\n").unwrap();
    Relay::start(
        &turn.addr(),
        &[
            "--quiet",
            "--format",
            "json",
            "--credentials",
            creds.to_str().unwrap(),
            "--first-message-timeout",
            "120",
        ],
    )
}

/// What the relay said and counted after the flood (`flood_secs` long, `refused_tcp`
/// connections refused) and the client's sessions.
fn assert_report(s: &Stopped, flood_secs: f64, refused_tcp: usize) {
    let msgs: Vec<serde_json::Value> = s
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let from_client =
        |m: &&serde_json::Value| m["client"].as_str().is_some_and(|c| c.starts_with(CLIENT));
    let ok = |method: &str, transport: &str| {
        msgs.iter().filter(from_client).any(|m| {
            m["method"] == method && m["class"] == "success" && m["transport"] == transport
        })
    };
    assert!(
        ok("Allocate", "udp") && ok("Allocate", "tcp"),
        "{}",
        s.stdout
    );
    assert!(
        s.stderr
            .contains("already holds 256 connections (--max-tcp-per-source)"),
        "{}",
        s.stderr
    );
    assert!(
        s.stderr
            .contains("already holds 256 bindings (--max-udp-per-source)"),
        "{}",
        s.stderr
    );
    let limit_lines = s.stderr.matches("already holds 256").count();
    let allowed = 2 * (flood_secs.ceil() as usize + 2);
    assert!(
        limit_lines <= allowed,
        "{limit_lines} limit lines in {flood_secs:.1}s: not rate-limited\n{}",
        s.stderr
    );
    let refused: u64 = s
        .stderr
        .split("refused per source ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // Datagrams the kernel dropped before the relay read them are not counted.
    assert!(
        refused > refused_tcp as u64,
        "summary counts {refused} refusals per source ({refused_tcp} tcp):\n{}",
        s.stderr
    );
    let bindings: u64 = s
        .stderr
        .split("udp bindings ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX);
    assert!(
        (256..=256 + 10).contains(&bindings),
        "{bindings} UDP bindings created (256 for the flood, a few for the session)"
    );
}

/// Held connections cost buffers, refused ones nothing.
fn assert_memory_bounded(rss_flood: u64, rss_after: u64, rss_tcp: [u64; 2], rss_udp: [u64; 2]) {
    assert!(
        rss_flood < 100 * 1024 && rss_after < 100 * 1024,
        "relay RSS {rss_flood} / {rss_after} KiB with one address capped at 256"
    );
    for (what, [a, b]) in [("tcp", rss_tcp), ("udp", rss_udp)] {
        assert!(
            b < a + 4 * 1024,
            "RSS grew from {a} to {b} KiB over {what} flood attempts 1000.. that were all refused"
        );
    }
}

#[test]
fn connection_without_a_complete_message_is_closed_after_the_deadline() {
    // An upstream that accepts and keeps whatever arrives.
    let up = TcpListener::bind("127.0.0.1:0").unwrap();
    let up_addr = up.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in up.incoming().flatten() {
            held.push(s);
        }
    });
    let relay = Relay::start(&up_addr, &["--tcp", "--first-message-timeout", "1"]);
    let mut silent = TcpStream::connect(relay.addr()).unwrap();
    let mut half = TcpStream::connect(relay.addr()).unwrap();
    half.write_all(&[0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42, 1, 2])
        .unwrap(); // half a Binding request header
    let mut whole = TcpStream::connect(relay.addr()).unwrap();
    let binding = [
        0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ];
    whole.write_all(&binding).unwrap();
    let t0 = Instant::now();
    let mut eof = HashMap::new();
    for (name, s) in [("silent", &mut silent), ("half", &mut half)] {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut b = [0u8; 8];
        let r = s.read(&mut b);
        eof.insert(name, (matches!(r, Ok(0)), t0.elapsed()));
    }
    whole.set_nonblocking(true).unwrap();
    let mut b = [0u8; 8];
    let still_open =
        matches!(whole.read(&mut b), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
    let s = relay.stop();
    for (name, (closed, after)) in &eof {
        assert!(*closed, "{name} connection not closed:\n{}", s.stderr);
        assert!(
            *after >= Duration::from_millis(700) && *after < Duration::from_secs(4),
            "{name} closed after {after:?}, deadline 1 s"
        );
    }
    assert!(
        still_open,
        "a connection that sent a whole message was closed:\n{}",
        s.stderr
    );
    assert!(
        s.stderr
            .contains("no complete message within 1s (--first-message-timeout); closing"),
        "{}",
        s.stderr
    );
    assert!(s.stderr.contains("no first message 2"), "{}", s.stderr);
    assert!(
        s.stderr.matches("no complete message within").count() <= 2,
        "{}",
        s.stderr
    );
}
