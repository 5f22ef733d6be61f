//! The allocation table and the ICE table as text and as JSON (keys: the field names of
//! [`crate::Report`] and its parts, documented in the crate README).

use std::fmt::Write as _;

use crate::report::{AllocationReport, DirectionReport, PairReport, Report, SessionReport};

fn rel(r: &Report, t: f64) -> String {
    format!("+{:.3}s", t - r.start_time)
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".to_string(), T::to_string)
}

fn alloc_block(r: &Report, a: &AllocationReport, out: &mut String) {
    let _ = writeln!(
        out,
        "#{} {} {} -> {}  {}{}{}  first frame {} {}",
        a.id,
        a.transport,
        a.client,
        a.server,
        a.dialect,
        a.username
            .as_ref()
            .map_or(String::new(), |u| format!("  user {u}")),
        a.realm
            .as_ref()
            .map_or(String::new(), |u| format!("  realm {u}")),
        a.first_frame,
        rel(r, a.start_time),
    );
    let _ = writeln!(
        out,
        "   relayed {}{}  mapped {}  lifetime requested {} granted {}",
        opt(&a.relayed),
        match a.requested_transport {
            Some(6) => " (tcp, RFC 6062)",
            Some(17) => " (udp)",
            _ => "",
        },
        opt(&a.mapped),
        opt(&a.requested_lifetime),
        opt(&a.granted_lifetime),
    );
    let mut end = format!("   state {}", a.end.state);
    if let Some(f) = a.end.frame {
        let _ = write!(end, " at frame {f}");
    }
    if let Some(t) = a.end.time {
        let _ = write!(end, " {}", rel(r, t));
    }
    if let Some(t) = a.end.expires_at {
        let _ = write!(end, " (expires {} without Refresh)", rel(r, t));
    }
    out.push_str(&end);
    out.push('\n');
    if !a.refreshes.is_empty() {
        let _ = write!(out, "   refreshes {}:", a.refreshes.len());
        for x in &a.refreshes {
            let _ = write!(
                out,
                " [frame {} {} lifetime {}→{}{}]",
                x.frame,
                rel(r, x.time),
                opt(&x.requested),
                opt(&x.granted),
                x.error.map_or(String::new(), |c| format!(" error {c}")),
            );
        }
        out.push('\n');
    }
    alloc_parts(r, a, out);
    alloc_auth(a, out);
}

/// Permissions, channels, data connections and traffic of an allocation.
fn alloc_parts(r: &Report, a: &AllocationReport, out: &mut String) {
    for p in &a.permissions {
        let _ = writeln!(
            out,
            "   permission {}  installed frame {} {}  refreshed {}{}",
            p.peer,
            p.installed_frame,
            rel(r, p.installed_time),
            p.refreshes,
            if p.expired { "  EXPIRED" } else { "" }
        );
    }
    for c in &a.channels {
        let _ = writeln!(
            out,
            "   channel 0x{:04x} <-> {}  bound frame {} {}  refreshed {}{}",
            c.number,
            c.peer,
            c.bound_frame,
            rel(r, c.bound_time),
            c.refreshes,
            if c.expired { "  EXPIRED" } else { "" }
        );
    }
    for d in &a.data_connections {
        let _ = writeln!(
            out,
            "   data connection id 0x{:08x} peer {} ({} frame {})  client {}  tcp.stream {}  ConnectionBind frame {} {}",
            d.connection_id,
            d.peer,
            d.via,
            d.announce_frame,
            opt(&d.client),
            opt(&d.tcp_stream),
            opt(&d.bind_frame),
            d.bind_result
        );
    }
    for t in &a.traffic {
        let _ = writeln!(
            out,
            "   traffic {}  to peer {} pkts {} B  from peer {} pkts {} B",
            t.peer, t.to_peer_packets, t.to_peer_bytes, t.from_peer_packets, t.from_peer_bytes
        );
    }
}

/// Denied packets and error responses of an allocation.
fn alloc_auth(a: &AllocationReport, out: &mut String) {
    if a.auth.denied_packets > 0 {
        let _ = writeln!(
            out,
            "   data without permission / on unbound or expired channels: {} packets",
            a.auth.denied_packets
        );
    }
    if !a.auth.errors.is_empty() {
        let list: Vec<String> = a
            .auth
            .errors
            .iter()
            .map(|(c, n)| {
                let name = msstun::registry::error_name(*c).unwrap_or("");
                format!("{c} {name} x{n}")
            })
            .collect();
        let _ = writeln!(
            out,
            "   errors: {}{}",
            list.join(", "),
            if a.auth.stale_nonce_loops > 0 {
                format!("  stale-nonce loops {}", a.auth.stale_nonce_loops)
            } else {
                String::new()
            }
        );
    }
}

/// The allocation table as text.
pub fn alloc_text(r: &Report) -> String {
    let mut out = format!("MS-STUN allocations: {}\n", r.allocations.len());
    for a in &r.allocations {
        alloc_block(r, a, &mut out);
    }
    out
}

fn dir_cell(d: &DirectionReport) -> String {
    let mut s = format!(
        "{}/{}/{}/{}/{}",
        d.requests, d.retransmissions, d.successes, d.errors, d.unanswered
    );
    if let Some(avg) = d.rtt_avg {
        let _ = write!(s, " {:.1}ms", avg * 1000.0);
    }
    if d.use_candidate > 0 {
        s.push_str(" UC");
    }
    if d.role_conflicts > 0 {
        let _ = write!(s, " 487x{}", d.role_conflicts);
    }
    s
}

fn pair_line(p: &PairReport, out: &mut String) {
    let _ = writeln!(
        out,
        "  {:<5} {:<22} {:<22} {:<4} {:<9} {:<18} {:<28} {}",
        p.id,
        p.a,
        p.b,
        p.transport,
        match p.allocation {
            Some(a) => format!("{} #{a}", p.carrier),
            None => p.carrier.to_string(),
        },
        p.state,
        dir_cell(&p.a_to_b),
        dir_cell(&p.b_to_a),
    );
}

fn session_block(s: &SessionReport, out: &mut String) {
    let _ = writeln!(
        out,
        "Session {}  ufrags {}  {}  first frame {}  pairs {}  valid {}  nominated {}",
        s.id,
        s.ufrags.join(" / "),
        s.dialect,
        s.first_frame,
        s.pairs.len(),
        if s.valid_pairs.is_empty() {
            "none".to_string()
        } else {
            s.valid_pairs
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        },
        s.nominated_pair
            .map_or_else(|| "none".to_string(), |p| p.to_string()),
    );
    let _ = writeln!(
        out,
        "  {:<5} {:<22} {:<22} {:<4} {:<9} {:<18} {:<28} B->A …",
        "pair", "A", "B", "tr", "via", "state", "A->B req/rtx/ok/err/lost rtt"
    );
    for p in &s.pairs {
        pair_line(p, out);
    }
}

/// The ICE table as text.
pub fn ice_text(r: &Report) -> String {
    let mut out = format!("MS-STUN ICE sessions: {}\n", r.ice_sessions.len());
    for s in &r.ice_sessions {
        session_block(s, &mut out);
    }
    out
}

/// Both tables as text, then the diagnosis (outcomes and findings).
pub fn text(r: &Report) -> String {
    let mut s = alloc_text(r);
    s.push_str(&ice_text(r));
    s.push_str(&diag_text(r));
    s
}

/// The whole report as one JSON object (`start_time`, `end_time`, `allocations`,
/// `ice_sessions`, `events`).
#[cfg(feature = "json")]
pub fn json(r: &Report) -> String {
    serde_json::to_string(r).unwrap_or_else(|_| "{}".into())
}

/// `{"allocations": [...]}`.
#[cfg(feature = "json")]
pub fn alloc_json(r: &Report) -> String {
    serde_json::json!({ "allocations": r.allocations }).to_string()
}

/// `{"ice_sessions": [...]}`.
#[cfg(feature = "json")]
pub fn ice_json(r: &Report) -> String {
    serde_json::json!({ "ice_sessions": r.ice_sessions }).to_string()
}

/// The diagnosis as text: per ICE session its outcome (connected: the pair, its path, time
/// to success and the data relayed on it; failed: the findings that explain it), per
/// allocation its outcome and findings, then every finding with its proving frames.
pub fn diag_text(r: &Report) -> String {
    let mut out = format!(
        "MS-STUN diagnosis: {} ICE sessions, {} allocations, {} findings\n",
        r.ice_sessions.len(),
        r.allocations.len(),
        r.findings.len()
    );
    for s in &r.ice_sessions {
        let o = &s.outcome;
        let _ = write!(
            out,
            "ICE session {} ({}): {}",
            s.id,
            s.ufrags.join(" / "),
            o.state
        );
        if let Some(p) = o.pair {
            let how = if s.nominated_pair == Some(p) {
                "nominated"
            } else {
                "valid"
            };
            let _ = write!(out, " on pair {p} ({how})");
        }
        out.push('\n');
        if let Some(path) = &o.path {
            let _ = writeln!(out, "   path {path}");
        }
        if let Some(t) = o.time_to_success {
            let _ = writeln!(out, "   {:.3} s from the first check to success", t);
        }
        if let Some(m) = &o.media {
            let _ = writeln!(out, "   {m}");
        }
        if !o.findings.is_empty() {
            let _ = writeln!(out, "   because: {}", o.findings.join(", "));
        }
        let _ = writeln!(out, "   filter msstun.ice.session == {}", s.id);
    }
    for a in &r.allocations {
        let _ = writeln!(
            out,
            "Allocation {} {} {} -> {}: {}",
            a.id, a.transport, a.client, a.server, a.outcome
        );
        if !a.findings.is_empty() {
            let _ = writeln!(out, "   findings: {}", a.findings.join(", "));
        }
        let _ = writeln!(out, "   filter msstun.allocation.id == {}", a.id);
    }
    if !r.findings.is_empty() {
        let _ = writeln!(out, "Findings:");
        for f in &r.findings {
            let about = match (f.allocation, f.pair, f.session) {
                (_, Some(p), _) => format!("pair {p}"),
                (_, None, Some(s)) => format!("session {s}"),
                (Some(a), _, _) => format!("allocation {a}"),
                _ => String::new(),
            };
            let frames: Vec<String> = f.frames.iter().map(u32::to_string).collect();
            let _ = writeln!(
                out,
                "  frame {:<6} {:<5} {:<24} {:<13} {}",
                f.frame,
                f.severity,
                f.code,
                about,
                f.text()
            );
            if f.frames.len() > 1 {
                let _ = writeln!(out, "  {:>12} frames {}", "", frames.join(", "));
            }
            let _ = writeln!(
                out,
                "  {:>12} filter msstun.finding == \"{}\" && frame.number == {}",
                "", f.code, f.frame
            );
        }
    }
    out
}

/// One finding as a line for the relay (text).
pub fn finding_line(f: &crate::Finding) -> String {
    let mut about = String::new();
    if let Some(a) = f.allocation {
        let _ = write!(about, " allocation {a}");
    }
    if let Some(p) = f.pair {
        let _ = write!(about, " pair {p}");
    } else if let Some(s) = f.session {
        let _ = write!(about, " session {s}");
    }
    format!(
        "finding {} [{}]{about} frame {}: {}",
        f.code,
        f.severity,
        f.frame,
        f.text()
    )
}

/// `{"findings": [...]}`.
#[cfg(feature = "json")]
pub fn diag_json(r: &Report) -> String {
    serde_json::json!({ "ice_sessions": r.ice_sessions, "allocations": r.allocations, "findings": r.findings }).to_string()
}
