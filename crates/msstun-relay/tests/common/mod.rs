//! Helpers of the relay integration tests: run the relay binary, coturn, and the coturn
//! test clients, all on loopback with ephemeral ports, each in its own temp directory.
#![allow(dead_code)]

use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Whether `cmd` is on PATH.
pub fn have(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
        .unwrap_or(false)
}

/// A port free for both TCP and UDP on 127.0.0.1 (racy, but good enough on loopback).
pub fn free_port() -> u16 {
    loop {
        let t = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = t.local_addr().unwrap().port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Wait until `f` is true or `timeout` passes.
pub fn wait_for(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

/// Send SIGTERM to a child.
pub fn sigterm(child: &Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
}

/// Wait for a child with a deadline; kills it when the deadline passes.
pub fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let end = Instant::now() + timeout;
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running relay.
pub struct Relay {
    child: Option<Child>,
    /// Its private directory.
    pub dir: tempfile::TempDir,
    /// The port it listens on (TCP and/or UDP).
    pub port: u16,
    out: PathBuf,
    err: PathBuf,
}

/// What a stopped relay left.
pub struct Stopped {
    /// Exit status (None if it had to be killed).
    pub status: Option<ExitStatus>,
    /// Message lines.
    pub stdout: String,
    /// Diagnostics and summary.
    pub stderr: String,
}

impl Relay {
    /// Start `msstun-relay --listen 127.0.0.1:0 --upstream UPSTREAM EXTRA...` and wait until it
    /// listens. Without `--tables` in EXTRA the relay runs with `--tables off`, so stdout
    /// holds message lines only (the tests that read the tables ask for them).
    pub fn start(upstream: &str, extra: &[&str]) -> Relay {
        let no_tables = ["--tables", "off"];
        let tables: &[&str] = if extra.contains(&"--tables") {
            &[]
        } else {
            &no_tables
        };
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("stdout");
        let err = dir.path().join("stderr");
        let child = Command::new(env!("CARGO_BIN_EXE_msstun-relay"))
            .args(["--listen", "127.0.0.1:0", "--upstream", upstream])
            .args(tables)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&out).unwrap())
            .stderr(fs::File::create(&err).unwrap())
            .spawn()
            .expect("start msstun-relay");
        let mut r = Relay {
            child: Some(child),
            dir,
            port: 0,
            out,
            err,
        };
        let mut port = None;
        let ok = wait_for(Duration::from_secs(10), || {
            let text = fs::read_to_string(&r.err).unwrap_or_default();
            port = text
                .lines()
                .find(|l| l.contains("listening on"))
                .and_then(|l| l.split("127.0.0.1:").nth(1))
                .and_then(|p| p.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|p| p.parse().ok());
            port.is_some()
        });
        assert!(
            ok,
            "relay did not start: {}",
            fs::read_to_string(&r.err).unwrap_or_default()
        );
        r.port = port.unwrap();
        r
    }

    /// The relay's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |c| c.id())
    }

    /// The relay's address.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Message lines so far.
    pub fn stdout(&self) -> String {
        fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// Diagnostics so far.
    pub fn stderr(&self) -> String {
        fs::read_to_string(&self.err).unwrap_or_default()
    }

    /// Send SIGUSR1 (the relay prints its tables).
    pub fn sigusr1(&self) {
        let _ = Command::new("kill")
            .args(["-USR1", &self.pid().to_string()])
            .status();
    }

    /// SIGTERM, wait, collect output.
    pub fn stop(mut self) -> Stopped {
        let mut child = self.child.take().unwrap();
        sigterm(&child);
        let status = wait_timeout(&mut child, Duration::from_secs(10));
        Stopped {
            status,
            stdout: self.stdout(),
            stderr: self.stderr(),
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A child process killed on drop.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A coturn `turnserver` on loopback with long-term credentials alice/wonderland in
/// realm example.org, plus a `turnutils_peer` UDP peer.
pub struct Coturn {
    _server: Proc,
    _peer: Proc,
    /// Its private directory (log file, pid file, database).
    pub dir: tempfile::TempDir,
    /// Listening port (TCP and UDP).
    pub port: u16,
    /// UDP peer port.
    pub peer_port: u16,
}

/// Skip message, or None when coturn is installed.
pub fn coturn_missing() -> Option<&'static str> {
    ["turnserver", "turnutils_uclient", "turnutils_peer"]
        .into_iter()
        .find(|c| !have(c))
}

impl Coturn {
    /// Start the server and the peer; waits until the server accepts TCP connections.
    pub fn start() -> Coturn {
        Coturn::start_with(true)
    }

    /// The same; `allow_loopback`: whether the server accepts loopback peers (coturn's
    /// default refuses them with 403).
    pub fn start_with(allow_loopback: bool) -> Coturn {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let peer_port = free_port();
        // A relay port range of its own per server, so parallel tests don't collide.
        let base = 20000 + (port as u32 * 7919 % 40000) / 200 * 200;
        let d = |name: &str| dir.path().join(name).display().to_string();
        let server = Command::new("turnserver")
            .args([
                "-n",
                "-v",
                "--no-tls",
                "--no-dtls",
                "--no-cli",
                "--lt-cred-mech",
            ])
            .args(allow_loopback.then_some("--allow-loopback-peers"))
            .args(["--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1"])
            .args(["--listening-port", &port.to_string()])
            .args([
                "--min-port",
                &base.to_string(),
                "--max-port",
                &(base + 199).to_string(),
            ])
            .args(["--user", "alice:wonderland", "--realm", "example.org"])
            .args([
                "--log-file",
                &d("turn.log"),
                "--simple-log",
                "--no-stdout-log",
            ])
            .args(["--pidfile", &d("turn.pid"), "--db", &d("turndb")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.path().join("turn.stderr")).unwrap())
            .spawn()
            .expect("start turnserver");
        let server = Proc(server);
        let peer = Command::new("turnutils_peer")
            .args(["-L", "127.0.0.1", "-p", &peer_port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start turnutils_peer");
        let peer = Proc(peer);
        let up = wait_for(Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(
            up,
            "turnserver did not start; log:\n{}",
            log_text(dir.path())
        );
        Coturn {
            _server: server,
            _peer: peer,
            dir,
            port,
            peer_port,
        }
    }

    /// The server's address.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Coturn {
    /// Stop the server with SIGTERM (coturn buffers its log and writes it out on exit)
    /// and return its log (`-v`: session lifecycles, refreshes, peers, usage).
    pub fn stop_for_log(self) -> String {
        let Coturn {
            mut _server, dir, ..
        } = self;
        sigterm(&_server.0);
        if wait_timeout(&mut _server.0, Duration::from_secs(10)).is_none() {
            let _ = _server.0.kill();
        }
        fs::read_to_string(dir.path().join("turn.log")).unwrap_or_default()
    }
}

fn log_text(dir: &Path) -> String {
    let mut s = String::new();
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let mut t = String::new();
        let _ = fs::File::open(e.path()).and_then(|mut f| f.read_to_string(&mut t));
        s.push_str(&format!("== {}\n{}\n", e.path().display(), t));
    }
    s
}

/// Result of a `turnutils_uclient` run.
#[derive(Debug)]
pub struct ClientRun {
    /// Exited 0.
    pub success: bool,
    /// (sent, received) application messages from its final statistics.
    pub counts: Option<(u64, u64)>,
    /// All its output.
    pub output: String,
}

/// Run `turnutils_uclient FLAGS -u alice -w wonderland -p PORT -e 127.0.0.1 -r PEER -n 5 127.0.0.1`.
pub fn uclient(flags: &[&str], port: u16, peer_port: u16) -> ClientRun {
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new("turnutils_uclient")
        .args(flags)
        .args(["-u", "alice", "-w", "wonderland", "-n", "5", "-z", "5"])
        .args([
            "-p",
            &port.to_string(),
            "-e",
            "127.0.0.1",
            "-r",
            &peer_port.to_string(),
            "127.0.0.1",
        ])
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(out.reopen().unwrap())
        .spawn()
        .expect("start turnutils_uclient");
    let status = wait_timeout(&mut child, Duration::from_secs(40));
    let output = fs::read_to_string(out.path()).unwrap_or_default();
    // "start_mclient: tot_send_msgs=10, tot_recv_msgs=10"
    let counts = output
        .lines()
        .rev()
        .find(|l| {
            l.contains("tot_send_msgs=") && l.contains("tot_recv_msgs=") && !l.contains("msz=")
        })
        .and_then(|l| {
            let num = |key: &str| -> Option<u64> {
                let rest = l.split(key).nth(1)?;
                rest.split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse()
                    .ok()
            };
            Some((num("tot_send_msgs=")?, num("tot_recv_msgs=")?))
        });
    ClientRun {
        success: status.is_some_and(|s| s.success()),
        counts,
        output,
    }
}

/// Deterministic pseudo-random bytes (xorshift), never starting like STUN.
pub fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    if let Some(b) = v.first_mut() {
        *b = 0xFF;
    }
    v
}

/// SHA-256 of bytes, hex.
pub fn sha256(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}
