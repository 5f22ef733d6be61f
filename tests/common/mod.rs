//! Shared helpers of the plugin integration tests: run the real tshark, unprivileged, with the
//! freshly built plugin installed in a private personal plugin folder.
//!
//! Environment knobs (all optional), also used by the multi-version chroot runs:
//! * `TSHARK` — tshark binary (default `tshark` on PATH).
//! * `WS_VERSION` — Wireshark `major.minor` for the plugin folder (default: from `tshark --version`).
//! * `MSSTUN_PLUGIN` — plugin file to test (default: `libmsstun_plugin.so` of the test's profile).
//!
//! Wireshark ignores the personal plugin folder when run as root, so as root tshark runs as
//! `nobody` (uid/gid 65534) through `setpriv`, with `HOME` pointing at a private directory.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

pub use msstun_fixtures::Fixture;

/// Credentials UAT entry for `-o uat:msstun_credentials:...`.
pub fn cred(user: &str, realm: &str, password: &str) -> String {
    format!("uat:msstun_credentials:\"{user}\",\"{realm}\",\"{password}\"")
}

/// The tshark binary.
pub fn tshark_bin() -> String {
    std::env::var("TSHARK").unwrap_or_else(|_| "tshark".to_string())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { geteuid() == 0 }
}
extern "C" {
    fn geteuid() -> u32;
}

/// Wireshark major.minor (`4.0`), from `WS_VERSION` or `tshark --version`.
pub fn ws_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        if let Ok(v) = std::env::var("WS_VERSION") {
            return v;
        }
        let out = Command::new(tshark_bin())
            .arg("--version")
            .output()
            .expect("run tshark --version");
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next().unwrap_or_default();
        // "TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3)."
        let ver = first
            .split_whitespace()
            .nth(2)
            .expect("version in tshark --version");
        let mut parts = ver.split('.');
        format!("{}.{}", parts.next().unwrap(), parts.next().unwrap())
    })
}

/// The plugin under test.
pub fn plugin_path() -> PathBuf {
    if let Ok(p) = std::env::var("MSSTUN_PLUGIN") {
        return PathBuf::from(p);
    }
    // The test binary lives in target/<profile>/deps/.
    let exe = std::env::current_exe().expect("current_exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    // `cargo test`/`nextest` refresh deps/ only; `cargo build` also copies it up one level.
    // The newer of the two is the build under test (an older copy up there is stale).
    let newest = [
        profile_dir.join("libmsstun_plugin.so"),
        profile_dir.join("deps/libmsstun_plugin.so"),
    ]
    .into_iter()
    .filter_map(|p| Some((fs::metadata(&p).ok()?.modified().ok()?, p)))
    .max_by_key(|(t, _)| *t);
    if let Some((_, p)) = newest {
        return p;
    }
    panic!(
        "libmsstun_plugin.so not found under {} (build the root package first)",
        profile_dir.display()
    );
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A private, world-readable directory holding HOME (with the plugin) and the captures.
pub struct Sandbox {
    /// Root of the sandbox.
    pub dir: PathBuf,
    /// HOME for tshark.
    pub home: PathBuf,
}

impl Sandbox {
    /// Creates the sandbox and installs the plugin (or not, for baseline runs).
    pub fn new(with_plugin: bool) -> Sandbox {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("msstun-it-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let home = dir.join("home");
        let plugdir = home.join(format!(
            ".local/lib/wireshark/plugins/{}/epan",
            ws_version()
        ));
        fs::create_dir_all(&plugdir).expect("mkdir plugin dir");
        if with_plugin {
            fs::copy(plugin_path(), plugdir.join("msstun.so")).expect("copy plugin");
        }
        let sb = Sandbox { dir, home };
        sb.open_up(&sb.dir);
        sb
    }

    fn open_up(&self, p: &Path) {
        let meta = fs::metadata(p).expect("stat");
        let mode = if meta.is_dir() { 0o755 } else { 0o644 };
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).expect("chmod");
        if meta.is_dir() {
            for e in fs::read_dir(p).expect("readdir") {
                self.open_up(&e.expect("entry").path());
            }
        }
    }

    /// Writes a file into the sandbox, readable by everyone.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.join(name);
        fs::write(&p, bytes).expect("write capture");
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).expect("chmod");
        p
    }

    /// Runs tshark with `args`, unprivileged when we are root.
    pub fn tshark(&self, args: &[&str]) -> Output {
        let mut cmd = if is_root() {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "env"]);
            c.arg(format!("HOME={}", self.home.display()));
            c.arg(tshark_bin());
            c
        } else {
            let mut c = Command::new(tshark_bin());
            c.env("HOME", &self.home);
            c
        };
        cmd.env_remove("XDG_CONFIG_HOME")
            .env_remove("WIRESHARK_CONFIG_DIR")
            .current_dir(&self.dir);
        cmd.args(args);
        cmd.output().expect("run tshark")
    }

    /// Runs tshark and insists it exits 0 without plugin-loading complaints; returns stdout.
    pub fn tshark_ok(&self, args: &[&str]) -> String {
        let out = self.tshark(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "tshark {args:?} failed ({}):\n{stderr}",
            out.status
        );
        assert!(
            !stderr.contains("Couldn't load plugin") && !stderr.contains("couldn't load"),
            "plugin load problem:\n{stderr}"
        );
        assert!(
            !stderr.contains("found in multiple directories"),
            "another msstun.so (probably in the global plugin folder, see `tshark -G folders`) shadows the \
             plugin under test; remove it with `packaging/uninstall.sh --global`:\n{stderr}"
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if std::env::var_os("MSSTUN_KEEP_SANDBOX").is_none() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Rows of `tshark -T fields`, keyed by frame number; each cell split into its occurrences.
pub type Rows = BTreeMap<u32, Vec<Vec<String>>>;

/// A capture loaded into a sandbox with tshark options.
pub struct Run {
    /// The sandbox (keeps the files alive).
    pub sb: Sandbox,
    /// Capture path.
    pub pcap: PathBuf,
    /// Extra tshark options (Decode As, preferences).
    pub opts: Vec<String>,
}

impl Run {
    /// Writes `fx` into a fresh sandbox with the plugin installed.
    pub fn new(fx: &Fixture, opts: &[&str]) -> Run {
        let sb = Sandbox::new(true);
        let pcap = sb.write(&format!("{}.pcapng", fx.name), &fx.pcapng);
        Run {
            sb,
            pcap,
            opts: opts.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Same, with a capture file that is already on disk.
    pub fn from_file(path: &Path, opts: &[&str]) -> Run {
        Self::from_file_with(path, opts, true)
    }

    /// Capture file on disk, with or without the plugin installed (baseline runs).
    pub fn from_file_with(path: &Path, opts: &[&str], plugin: bool) -> Run {
        let sb = Sandbox::new(plugin);
        let pcap = sb.write("capture.pcapng", &fs::read(path).expect("read capture"));
        Run {
            sb,
            pcap,
            opts: opts.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn base_args(&self) -> Vec<String> {
        let mut a = vec![
            "-n".to_string(),
            "-r".to_string(),
            self.pcap.display().to_string(),
        ];
        for o in &self.opts {
            a.push(o.clone());
        }
        a
    }

    /// Two-pass `-T fields` for `fields` on every frame (or those matching `filter`).
    /// Column 0 of each row is `frame.number`, the rest follow `fields`.
    pub fn fields(&self, filter: Option<&str>, fields: &[&str]) -> Rows {
        let mut a = self.base_args();
        a.extend(
            [
                "-2",
                "-T",
                "fields",
                "-E",
                "separator=\t",
                "-E",
                "occurrence=a",
                "-E",
                "aggregator=\u{1f}",
            ]
            .map(String::from),
        );
        a.extend(["-e".to_string(), "frame.number".to_string()]);
        for f in fields {
            a.push("-e".into());
            a.push(f.to_string());
        }
        if let Some(f) = filter {
            a.push("-Y".into());
            a.push(f.to_string());
        }
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = self.sb.tshark_ok(&refs);
        let mut rows = Rows::new();
        for line in out.lines() {
            let mut cells = line.split('\t');
            let n: u32 = cells.next().unwrap().parse().expect("frame number");
            let v = cells
                .map(|c| {
                    if c.is_empty() {
                        vec![]
                    } else {
                        c.split('\u{1f}').map(unescape).collect()
                    }
                })
                .collect();
            rows.insert(n, v);
        }
        rows
    }

    /// Frame numbers matching a display filter (two-pass).
    pub fn frames(&self, filter: &str) -> Vec<u32> {
        self.fields(Some(filter), &[]).keys().copied().collect()
    }

    /// Raw tshark output with extra arguments appended.
    pub fn raw(&self, extra: &[&str]) -> String {
        let mut a = self.base_args();
        a.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        self.sb.tshark_ok(&refs)
    }

    /// One field of one frame, all occurrences.
    pub fn get(&self, frame: u32, field: &str) -> Vec<String> {
        let rows = self.fields(Some(&format!("frame.number == {frame}")), &[field]);
        rows.get(&frame).map(|r| r[0].clone()).unwrap_or_default()
    }
}

/// A `-T fields` value as the tree has it: Wireshark 4.4 and 4.6 escape backslashes (`\\`).
fn unescape(cell: &str) -> String {
    let (major, minor) = ws_version()
        .split_once('.')
        .map(|(a, b)| (a.parse().unwrap_or(0), b.parse().unwrap_or(0)))
        .unwrap_or((0, 0));
    if (major, minor) >= (4u32, 4u32) {
        cell.replace("\\\\", "\\")
    } else {
        cell.to_string()
    }
}

/// Parses a tshark number cell (`0x1c`, `401`).
pub fn num(s: &str) -> u64 {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x") {
        u64::from_str_radix(h, 16).unwrap_or_else(|_| panic!("not hex: {s}"))
    } else {
        s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
    }
}

/// All cells of a row/column as numbers.
pub fn nums(cells: &[String]) -> Vec<u64> {
    cells.iter().map(|c| num(c)).collect()
}

/// Checksum status values (Wireshark's proto_checksum_status).
pub const BAD: u64 = 0;
/// Good.
pub const GOOD: u64 = 1;
/// Unverified.
pub const UNVERIFIED: u64 = 2;

/// msstun.class values.
pub const REQUEST: u64 = 0;
/// Indication.
pub const INDICATION: u64 = 1;
/// Success response.
pub const SUCCESS: u64 = 2;
/// Error response.
pub const ERROR: u64 = 3;

/// msstun.dialect values.
pub const RFC5389: u64 = 1;
/// Legacy MS-TURN.
pub const MS_TURN: u64 = 3;

/// msstun.framing values.
pub const FR_UDP: u64 = 0;
/// Plain STUN/ChannelData over TCP.
pub const FR_PLAIN_TCP: u64 = 1;
/// RFC 4571.
pub const FR_RFC4571: u64 = 2;
/// [MS-TURN] TCP framing.
pub const FR_MS_TCP: u64 = 3;
/// Pseudo-TLS then MS-TURN TCP framing.
pub const FR_PSEUDO_TLS: u64 = 4;

/// Fixture by name (count only matters for bench/nostun).
pub fn fixture(name: &str) -> Fixture {
    msstun_fixtures::build(name, 0).unwrap_or_else(|| panic!("no scenario {name}"))
}

/// Expert-info messages of the whole capture: (frame, severity, group, message) via `-z expert`-like fields.
pub fn expert(run: &Run) -> Vec<(u32, String)> {
    let rows = run.fields(Some("_ws.expert"), &["_ws.expert.message"]);
    let mut v = Vec::new();
    for (f, r) in rows {
        for m in &r[0] {
            v.push((f, m.clone()));
        }
    }
    v
}

/// The RFC 6062 link columns: message type, then every `msstun.tcp_data.*` field
/// (`tshark -T fields` order used by the data-connection tests).
pub const TD: &[&str] = &[
    "msstun.type",
    "msstun.tcp_data.connection_id",
    "msstun.tcp_data.peer.ipv4",
    "msstun.tcp_data.peer.port",
    "msstun.tcp_data.attempt_in",
    "msstun.tcp_data.connect_in",
    "msstun.tcp_data.bind_in",
    "msstun.tcp_data.bound_in",
];
