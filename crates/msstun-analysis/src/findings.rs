//! Findings: what the analysis concludes, each with a stable code ([`Event`]), a one-line
//! cause and next step, the frames that prove it and the allocation, pair or session it is
//! about. One list: the plugin registers an expert item per code, shows the finding on its
//! proving frame (`msstun.finding`), the `-z msstun,diag` table and the relay print them.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use crate::{Event, Severity};

/// One conclusion of the analysis, with its proof.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Always `"finding"` (the relay's JSON record kind).
    pub record: &'static str,
    /// Stable code ([`Event::key`]).
    pub code: &'static str,
    /// The code as an enum (not serialized).
    #[serde(skip)]
    pub event: Event,
    /// `chat`, `note` or `warn`: the code's own severity, or `note` when the finding
    /// depends on what came before the capture (see `boundary`).
    pub severity: &'static str,
    /// The frame that proves it (the plugin's expert item is there).
    pub frame: u32,
    /// Every frame that proves it, ascending (includes `frame`).
    pub frames: Vec<u32>,
    /// Allocation id, if about an allocation.
    pub allocation: Option<u32>,
    /// ICE session id, if about a session or pair.
    pub session: Option<u32>,
    /// Candidate pair id, if about a pair.
    pub pair: Option<u32>,
    /// What it names: peer, ports, the side that does not answer (addresses, codes and
    /// numbers only).
    pub detail: String,
    /// The code's one-line cause ([`Event::summary`]).
    pub cause: &'static str,
    /// What to do next ([`Event::next_step`]).
    pub next_step: &'static str,
    /// The finding depends on what came before (an allocation, a permission) and the
    /// capture does not show the beginning: a note, not a warning.
    pub boundary: bool,
}

impl Finding {
    /// A finding of `e` proved by `frame`.
    pub fn new(e: Event, frame: u32) -> Finding {
        Finding {
            record: "finding",
            code: e.key(),
            event: e,
            severity: severity_key(e.severity()),
            frame,
            frames: vec![frame],
            allocation: None,
            session: None,
            pair: None,
            detail: String::new(),
            cause: e.summary(),
            next_step: e.next_step(),
            boundary: false,
        }
    }
    pub(crate) fn alloc(mut self, i: u32) -> Self {
        self.allocation = Some(i + 1);
        self
    }
    pub(crate) fn pair(mut self, session: u32, pair: u32) -> Self {
        self.session = Some(session + 1);
        self.pair = Some(pair + 1);
        self
    }
    pub(crate) fn session(mut self, session: u32) -> Self {
        self.session = Some(session + 1);
        self
    }
    pub(crate) fn detail(mut self, d: String) -> Self {
        self.detail = d;
        self
    }
    pub(crate) fn with_frames(mut self, frames: impl IntoIterator<Item = u32>) -> Self {
        self.frames.extend(frames);
        self.frames.sort_unstable();
        self.frames.dedup();
        self
    }
    /// The capture does not show the beginning: a note.
    pub(crate) fn boundary(mut self, b: bool) -> Self {
        if b {
            self.boundary = true;
            self.severity = "note";
        }
        self
    }
    /// Effective severity.
    pub fn severity(&self) -> Severity {
        if self.boundary {
            Severity::Note
        } else {
            self.event.severity()
        }
    }
    /// One line: cause, what it names, and the next step.
    pub fn text(&self) -> String {
        let mut s = String::from(self.cause);
        if !self.detail.is_empty() {
            let _ = write!(s, ": {}", self.detail);
        }
        if self.boundary {
            s.push_str(" (the beginning is not in the capture)");
        }
        if !self.next_step.is_empty() {
            let _ = write!(s, ". Next: {}", self.next_step);
        }
        s
    }
    /// Cause and what it names, without the next step (Wireshark cuts expert texts at 240
    /// bytes: the plugin's expert item).
    pub fn short_text(&self) -> String {
        let mut s = String::from(self.cause);
        if !self.detail.is_empty() {
            let _ = write!(s, ": {}", self.detail);
        }
        if self.boundary {
            s.push_str(" (the beginning is not in the capture)");
        }
        s
    }
    /// The finding as one JSON object (`"record": "finding"`).
    #[cfg(feature = "json")]
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

/// `chat`, `note`, `warn`.
pub const fn severity_key(s: Severity) -> &'static str {
    match s {
        Severity::Chat => "chat",
        Severity::Note => "note",
        Severity::Warn => "warn",
    }
}

/// What kind of address a server's peer policy usually denies (coturn denies loopback
/// unless `--allow-loopback-peers`, and ranges given with `--denied-peer-ip`; many
/// deployments deny private ranges).
pub fn address_range(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            if v.is_loopback() {
                "loopback"
            } else if v.is_private() {
                "private"
            } else if v.is_link_local() {
                "link-local"
            } else if o[0] == 100 && (o[1] & 0xC0) == 64 {
                "shared (CGNAT)"
            } else if v.is_unspecified() || o[0] == 0 {
                "unspecified"
            } else if v.is_multicast() || v.is_broadcast() {
                "multicast/broadcast"
            } else {
                "public"
            }
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            if v.is_loopback() {
                "loopback"
            } else if (s[0] & 0xFE00) == 0xFC00 {
                "unique-local"
            } else if (s[0] & 0xFFC0) == 0xFE80 {
                "link-local"
            } else if v.is_unspecified() {
                "unspecified"
            } else if v.is_multicast() {
                "multicast"
            } else if let Some(m) = v.to_ipv4_mapped() {
                address_range(IpAddr::V4(m))
            } else {
                "public"
            }
        }
    }
}

/// "a, b and c" of addresses.
pub(crate) fn list(v: &[SocketAddr]) -> String {
    v.iter()
        .map(|a| format!("{a} ({})", address_range(a.ip())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The finding code of a TURN error response code (besides 401, 403 and 438, which
/// depend on what came before).
pub(crate) fn error_event(code: u16) -> Option<Event> {
    Some(match code {
        437 => Event::AllocationMismatch,
        441 => Event::WrongCredentials,
        442 => Event::UnsupportedTransport,
        443 => Event::PeerFamilyMismatch,
        446 => Event::ConnectionExists,
        447 => Event::ConnectionFailed,
        486 => Event::QuotaReached,
        508 => Event::InsufficientCapacity,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        for (a, r) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("192.168.1.252", "private"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("169.254.1.1", "link-local"),
            ("8.8.8.8", "public"),
            ("::1", "loopback"),
            ("fd00::1", "unique-local"),
            ("::ffff:10.0.0.1", "private"),
        ] {
            assert_eq!(address_range(a.parse().unwrap()), r, "{a}");
        }
    }

    #[test]
    fn text_and_json() {
        let f = Finding::new(Event::ForbiddenPeer, 7)
            .alloc(0)
            .detail("peer 127.0.0.1:9 (loopback)".into())
            .with_frames([6]);
        assert_eq!(f.frames, vec![6, 7]);
        let t = f.text();
        assert!(t.contains("peer 127.0.0.1:9 (loopback)"), "{t}");
        assert!(t.contains("Next: "), "{t}");
        let j: serde_json::Value = serde_json::from_str(&f.json()).unwrap();
        assert_eq!(j["record"], "finding");
        assert_eq!(j["code"], "forbidden_peer");
        assert_eq!(j["severity"], "warn");
        assert_eq!(j["allocation"], 1);
        let n = Finding::new(Event::NoPermission, 3).boundary(true);
        assert_eq!(n.severity(), Severity::Note);
        assert!(n.text().contains("beginning is not in the capture"));
    }
}
