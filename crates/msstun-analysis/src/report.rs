//! A snapshot of the analysis for the renderers: plain data, `serde::Serialize`; the JSON
//! keys are the field names below (documented in the crate README).

use serde::Serialize;

use crate::alloc::DcVia;
use crate::{
    AllocState, Analysis, Event, Finding, PairState, CHANNEL_LIFETIME, PERMISSION_LIFETIME,
};

/// Everything the tables show.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// Time of the first observed message (seconds, as fed).
    pub start_time: f64,
    /// Time of the last observed message.
    pub end_time: f64,
    /// Allocations, in order of their first Allocate request.
    pub allocations: Vec<AllocationReport>,
    /// ICE sessions, in order of their first check.
    pub ice_sessions: Vec<SessionReport>,
    /// Every frame with events, in frame order.
    pub events: Vec<EventReport>,
    /// Every finding, by proving frame.
    pub findings: Vec<Finding>,
}

/// The events of one frame.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventReport {
    /// Frame number.
    pub frame: u32,
    /// Event keys ([`Event::key`]).
    pub events: Vec<&'static str>,
}

/// One allocation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AllocationReport {
    /// 1-based id (`msstun.allocation.id`).
    pub id: u32,
    /// `udp` or `tcp` (the client ↔ server transport).
    pub transport: &'static str,
    /// Client transport address.
    pub client: String,
    /// Server transport address.
    pub server: String,
    /// `tcp.stream` of the control connection, if TCP and known.
    pub tcp_stream: Option<u32>,
    /// Dialect key (`rfc5389`, `ms-turn`, …).
    pub dialect: &'static str,
    /// USERNAME of the requests.
    pub username: Option<String>,
    /// REALM.
    pub realm: Option<String>,
    /// REQUESTED-TRANSPORT protocol number (17 UDP, 6 TCP — RFC 6062).
    pub requested_transport: Option<u8>,
    /// Relayed transport address (XOR-RELAYED-ADDRESS; [MS-TURN] MAPPED-ADDRESS).
    pub relayed: Option<String>,
    /// Server-reflexive address (XOR-MAPPED-ADDRESS).
    pub mapped: Option<String>,
    /// LIFETIME of the first Allocate request.
    pub requested_lifetime: Option<u32>,
    /// The lifetime the Allocate success response granted (seconds).
    pub first_granted_lifetime: Option<u32>,
    /// The last granted lifetime (Allocate or Refresh success).
    pub granted_lifetime: Option<u32>,
    /// Frame of the first Allocate request.
    pub first_frame: u32,
    /// Its time.
    pub start_time: f64,
    /// Every Refresh.
    pub refreshes: Vec<RefreshReport>,
    /// How it ended.
    pub end: EndReport,
    /// Permissions by peer IP.
    pub permissions: Vec<PermissionReport>,
    /// Channel bindings.
    pub channels: Vec<ChannelReport>,
    /// RFC 6062 data connections.
    pub data_connections: Vec<DataConnectionReport>,
    /// Relayed packets and bytes per peer.
    pub traffic: Vec<PeerTrafficReport>,
    /// Error responses and stale-nonce loops.
    pub auth: AuthReport,
    /// Whether the capture shows its first Allocate request (else it was first seen by a
    /// later request on its flow).
    pub seen_start: bool,
    /// Its outcome in words (`granted …`, `failed …`, `never answered`).
    pub outcome: String,
    /// Codes of its findings (allocation findings, not the ICE ones).
    pub findings: Vec<&'static str>,
}

/// One Refresh.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RefreshReport {
    /// Request frame.
    pub frame: u32,
    /// Request time.
    pub time: f64,
    /// LIFETIME asked for.
    pub requested: Option<u32>,
    /// LIFETIME granted (success response).
    pub granted: Option<u32>,
    /// Error code, if refused.
    pub error: Option<u16>,
    /// Response frame.
    pub response_frame: Option<u32>,
}

/// How an allocation ended.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EndReport {
    /// `pending` (never granted, no final error), `active` (alive at the end of the
    /// capture), `deleted`, `expired`, `failed`, `closed` (TCP control connection closed).
    pub state: &'static str,
    /// Frame that ended it (deleting Refresh response, failing error response).
    pub frame: Option<u32>,
    /// When it ended (for `expired`: the time its lifetime ran out).
    pub time: Option<f64>,
    /// When it would expire without Refresh (alive allocations).
    pub expires_at: Option<f64>,
}

/// One permission.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PermissionReport {
    /// Peer IP address (permissions have no port).
    pub peer: String,
    /// Frame of the success response that installed it.
    pub installed_frame: u32,
    /// Its time.
    pub installed_time: f64,
    /// Refreshes after installation (CreatePermission or ChannelBind successes).
    pub refreshes: u32,
    /// Whether it ran out (300 s without refresh) before the end of the capture or the
    /// allocation.
    pub expired: bool,
}

/// One channel binding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChannelReport {
    /// Channel number.
    pub number: u16,
    /// Peer transport address.
    pub peer: String,
    /// Frame of the ChannelBind success response.
    pub bound_frame: u32,
    /// Its time.
    pub bound_time: f64,
    /// Refreshes after the first bind.
    pub refreshes: u32,
    /// Whether it ran out (600 s without refresh).
    pub expired: bool,
}

/// One RFC 6062 data connection.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DataConnectionReport {
    /// CONNECTION-ID.
    pub connection_id: u32,
    /// Peer transport address.
    pub peer: String,
    /// `attempt` (peer-initiated, ConnectionAttempt) or `connect` (client-initiated).
    pub via: &'static str,
    /// Frame of the ConnectionAttempt, or of the Connect success response.
    pub announce_frame: u32,
    /// Client end of the data connection.
    pub client: Option<String>,
    /// `tcp.stream` of the data connection.
    pub tcp_stream: Option<u32>,
    /// Frame of the ConnectionBind request.
    pub bind_frame: Option<u32>,
    /// `ok`, `error <code>`, or `none` (no answer / no ConnectionBind).
    pub bind_result: String,
    /// Frame of its first FIN or RST, if it closed.
    pub closed_frame: Option<u32>,
}

/// Relayed traffic with one peer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PeerTrafficReport {
    /// Peer transport address.
    pub peer: String,
    /// Packets client → peer (Send indications, ChannelData, data-connection chunks).
    pub to_peer_packets: u64,
    /// Payload bytes client → peer.
    pub to_peer_bytes: u64,
    /// Packets peer → client.
    pub from_peer_packets: u64,
    /// Payload bytes peer → client.
    pub from_peer_bytes: u64,
}

/// Error responses on an allocation's transactions.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuthReport {
    /// `[code, count]` pairs (401, 438, 437, 441, 486, 508 …), ascending code.
    pub errors: Vec<(u16, u32)>,
    /// Stale-nonce loops.
    pub stale_nonce_loops: u32,
    /// Packets sent to peers without a valid permission or on unbound or expired channels
    /// (the `no_permission` / `permission_expired` / `channel_expired` events mark the
    /// first of each episode).
    pub denied_packets: u64,
}

/// One ICE session.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SessionReport {
    /// 1-based id (`msstun.ice.session`).
    pub id: u32,
    /// The two USERNAME fragments (sorted; a USERNAME without a colon is one entry),
    /// lossy UTF-8 or hex when not text.
    pub ufrags: Vec<String>,
    /// Dialect key of its first check.
    pub dialect: &'static str,
    /// Frame of its first check.
    pub first_frame: u32,
    /// Candidate pairs.
    pub pairs: Vec<PairReport>,
    /// Ids of the valid (or nominated) pairs.
    pub valid_pairs: Vec<u32>,
    /// Id of the nominated pair (the first nominated), if any.
    pub nominated_pair: Option<u32>,
    /// The session's outcome.
    pub outcome: OutcomeReport,
}

/// How an ICE session ended.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutcomeReport {
    /// `connected` (a valid pair), `failed` (none, and no check open) or `in-progress`.
    pub state: &'static str,
    /// The nominated pair, or the first valid one.
    pub pair: Option<u32>,
    /// Its path: `host`, `server-reflexive` or `relayed`, the transport, the allocation and
    /// server (`relayed UDP via allocation 1 (server 10.0.0.9:3478 over TCP 443)`).
    pub path: Option<String>,
    /// Seconds from the session's first check to the response that made the pair valid.
    pub time_to_success: Option<f64>,
    /// Relayed data seen with the pair's peer on its allocation (packets each way).
    pub media: Option<String>,
    /// Codes of the session's findings that explain a failure (problems only).
    pub findings: Vec<&'static str>,
}

/// One candidate pair.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PairReport {
    /// 1-based id (`msstun.ice.pair`).
    pub id: u32,
    /// Lower address of the pair (direction `a_to_b` starts here).
    pub a: String,
    /// Higher address.
    pub b: String,
    /// `udp` or `tcp`, as the agents see it.
    pub transport: &'static str,
    /// How its first check was carried (`direct`, `channel`, `data`, `tcp-data`, `ms-turn-data`).
    pub carrier: &'static str,
    /// Allocation that relays it, if relayed.
    pub allocation: Option<u32>,
    /// State at the end (`in-progress`, `succeeded-one-way`, `valid`, `nominated`, `failed`).
    pub state: &'static str,
    /// Frame of its first check.
    pub first_frame: u32,
    /// Frame of the response that made it valid.
    pub valid_frame: Option<u32>,
    /// Frame of the success response to its first USE-CANDIDATE check.
    pub nominated_frame: Option<u32>,
    /// Checks from `a` to `b`.
    pub a_to_b: DirectionReport,
    /// Checks from `b` to `a`.
    pub b_to_a: DirectionReport,
}

/// Checks in one direction of a pair.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DirectionReport {
    /// Requests (retransmissions not included).
    pub requests: u32,
    /// Retransmissions (same transaction id).
    pub retransmissions: u32,
    /// Success responses.
    pub successes: u32,
    /// Error responses.
    pub errors: u32,
    /// Of these, 487 Role Conflict.
    pub role_conflicts: u32,
    /// Requests never answered.
    pub unanswered: u32,
    /// Requests with USE-CANDIDATE.
    pub use_candidate: u32,
    /// `controlling`, `controlled` or `""` (from ICE-CONTROLLING / ICE-CONTROLLED).
    pub role: &'static str,
    /// Round-trip times of the answered checks (seconds).
    pub rtt_min: Option<f64>,
    /// Mean round-trip time.
    pub rtt_avg: Option<f64>,
    /// Largest round-trip time.
    pub rtt_max: Option<f64>,
}

fn text_or_hex(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) if s.chars().all(|c| !c.is_control()) => s.to_string(),
        _ => {
            let mut s = String::with_capacity(2 * b.len());
            let _ = msstun::summary::write_hex(&mut s, b, usize::MAX);
            s
        }
    }
}

fn transport_key(t: msstun::framing::Transport) -> &'static str {
    match t {
        msstun::framing::Transport::Udp => "udp",
        msstun::framing::Transport::Tcp => "tcp",
    }
}

/// One RFC 6062 data connection, as reported.
fn data_conn_report(d: &crate::alloc::DataConn) -> DataConnectionReport {
    DataConnectionReport {
        connection_id: d.connection_id,
        peer: d.peer.to_string(),
        via: match d.via {
            DcVia::Attempt => "attempt",
            DcVia::Connect => "connect",
        },
        announce_frame: d.announce_frame,
        client: d.client.map(|x| x.to_string()),
        tcp_stream: d.tcp_stream,
        bind_frame: d.bind_frame,
        bind_result: match d.bind_result {
            Some(0) => "ok".into(),
            Some(c) => format!("error {c}"),
            None => "none".into(),
        },
        closed_frame: d.closed_frame,
    }
}

/// One Refresh, as reported.
fn refresh_report(r: &crate::alloc::Refresh) -> RefreshReport {
    RefreshReport {
        frame: r.frame,
        time: r.time,
        requested: r.requested,
        granted: r.granted,
        error: r.error,
        response_frame: r.response_frame,
    }
}

/// One direction of a pair, as reported.
fn dir_report(d: &crate::ice::Dir) -> DirectionReport {
    DirectionReport {
        requests: d.requests,
        retransmissions: d.retransmissions,
        successes: d.successes,
        errors: d.errors,
        role_conflicts: d.role_conflicts,
        unanswered: d.unanswered,
        use_candidate: d.use_candidate,
        role: if d.controlling {
            "controlling"
        } else if d.controlled {
            "controlled"
        } else {
            ""
        },
        rtt_min: (d.rtt_n > 0).then_some(d.rtt_min),
        rtt_avg: (d.rtt_n > 0).then(|| d.rtt_sum / d.rtt_n as f64),
        rtt_max: (d.rtt_n > 0).then_some(d.rtt_max),
    }
}

impl Analysis {
    /// A snapshot of both tables.
    pub fn report(&self) -> Report {
        let (start, end) = self.time_span();
        let allocations = self
            .allocs
            .iter()
            .enumerate()
            .map(|(i, a)| self.alloc_report(i as u32, a, end))
            .collect();
        let ice_sessions = self
            .sessions
            .iter()
            .enumerate()
            .map(|(i, s)| self.session_report(i as u32, s))
            .collect();
        let events = self
            .all_events()
            .into_iter()
            .map(|(frame, ev)| EventReport {
                frame,
                events: ev.iter().map(Event::key).collect(),
            })
            .collect();
        let mut findings = self.findings.clone();
        findings.sort_by_key(|f| f.frame);
        Report {
            start_time: start,
            end_time: end,
            allocations,
            ice_sessions,
            events,
            findings,
        }
    }

    /// The row of allocation `i` (index) as of `end`.
    fn alloc_report(&self, i: u32, a: &crate::alloc::Allocation, end: f64) -> AllocationReport {
        let st = a.state();
        let alive_until = a.end_time.unwrap_or(end).min(end);
        let mut errors = a.errors.clone();
        errors.sort_unstable();
        AllocationReport {
            id: i + 1,
            transport: transport_key(a.transport),
            client: a.client.to_string(),
            server: a.server.to_string(),
            tcp_stream: a.tcp_stream,
            dialect: a.dialect.key(),
            username: a.username.as_deref().map(str::to_string),
            realm: a.realm.as_deref().map(str::to_string),
            requested_transport: a.requested_transport,
            relayed: a.relayed.map(|x| x.to_string()),
            mapped: a.mapped.map(|x| x.to_string()),
            requested_lifetime: a.requested_lifetime,
            first_granted_lifetime: a.first_granted,
            granted_lifetime: a.granted_lifetime,
            first_frame: a.first_frame,
            start_time: a.first_time,
            refreshes: a.refreshes.iter().map(refresh_report).collect(),
            end: EndReport {
                state: st.key(),
                frame: a.end_frame,
                time: a.end_time,
                expires_at: if st == AllocState::Active {
                    a.expires_at
                } else {
                    None
                },
            },
            permissions: a
                .permissions
                .iter()
                .map(|p| PermissionReport {
                    peer: p.ip.to_string(),
                    installed_frame: p.installed_frame,
                    installed_time: p.installed_time,
                    refreshes: p.refreshed,
                    expired: p.expired_seen || alive_until > p.last_time + PERMISSION_LIFETIME,
                })
                .collect(),
            channels: a
                .channels
                .iter()
                .map(|c| ChannelReport {
                    number: c.number,
                    peer: c.peer.to_string(),
                    bound_frame: c.bound_frame,
                    bound_time: c.bound_time,
                    refreshes: c.refreshed,
                    expired: c.expired_seen || alive_until > c.last_time + CHANNEL_LIFETIME,
                })
                .collect(),
            data_connections: a.data_conns.iter().map(data_conn_report).collect(),
            traffic: a
                .traffic
                .iter()
                .map(|t| PeerTrafficReport {
                    peer: t.peer.to_string(),
                    to_peer_packets: t.to_peer.packets,
                    to_peer_bytes: t.to_peer.bytes,
                    from_peer_packets: t.from_peer.packets,
                    from_peer_bytes: t.from_peer.bytes,
                })
                .collect(),
            auth: AuthReport {
                errors,
                stale_nonce_loops: a.stale_loops,
                denied_packets: a.denied,
            },
            seen_start: a.seen_start,
            outcome: alloc_outcome(a),
            findings: {
                let mut v: Vec<&'static str> = self
                    .findings
                    .iter()
                    .filter(|f| f.allocation == Some(i + 1) && !f.event.is_ice())
                    .map(|f| f.code)
                    .collect();
                v.dedup();
                v
            },
        }
    }

    /// The row of ICE session `i` (index).
    fn session_report(&self, i: u32, s: &crate::ice::Session) -> SessionReport {
        let mut ufrags = vec![text_or_hex(&s.frags.0)];
        if s.colon {
            ufrags.push(text_or_hex(&s.frags.1));
        }
        let pairs: Vec<PairReport> = s.pairs.iter().map(|&p| self.pair_report(p)).collect();
        let valid_pairs: Vec<u32> = s
            .pairs
            .iter()
            .filter(|&&p| {
                matches!(
                    self.pairs[p as usize].state(),
                    PairState::Valid | PairState::Nominated
                )
            })
            .map(|p| p + 1)
            .collect();
        let nominated_pair = s
            .pairs
            .iter()
            .filter(|&&p| self.pairs[p as usize].nominated_frame.is_some())
            .min_by_key(|&&p| self.pairs[p as usize].nominated_frame)
            .map(|p| p + 1);
        let outcome = self.session_outcome(i, nominated_pair, &valid_pairs);
        SessionReport {
            id: i + 1,
            ufrags,
            dialect: s.dialect.key(),
            first_frame: s.first_frame,
            pairs,
            valid_pairs,
            nominated_pair,
            outcome,
        }
    }

    /// The row of candidate pair `p` (index).
    fn pair_report(&self, p: u32) -> PairReport {
        let pr = &self.pairs[p as usize];
        PairReport {
            id: p + 1,
            a: pr.a.to_string(),
            b: pr.b.to_string(),
            transport: transport_key(pr.transport),
            carrier: pr.carrier,
            allocation: pr.allocation.map(|x| x + 1),
            state: pr.state().key(),
            first_frame: pr.first_frame,
            valid_frame: pr.valid_frame,
            nominated_frame: pr.nominated_frame,
            a_to_b: dir_report(&pr.dirs[0]),
            b_to_a: dir_report(&pr.dirs[1]),
        }
    }

    fn session_outcome(&self, s: u32, nominated: Option<u32>, valid: &[u32]) -> OutcomeReport {
        let sess = &self.sessions[s as usize];
        let first_valid = valid
            .iter()
            .copied()
            .min_by_key(|&p| self.pairs[(p - 1) as usize].valid_frame);
        let chosen = nominated.or(first_valid);
        let mut findings: Vec<&'static str> = self
            .findings
            .iter()
            .filter(|f| f.session == Some(s + 1) && f.event.is_problem())
            .map(|f| f.code)
            .collect();
        findings.sort_unstable();
        findings.dedup();
        let Some(p) = chosen else {
            let open = sess.pairs.iter().any(|&p| self.pairs[p as usize].open > 0);
            return OutcomeReport {
                state: if open { "in-progress" } else { "failed" },
                pair: None,
                path: None,
                time_to_success: None,
                media: None,
                findings,
            };
        };
        let pr = &self.pairs[(p - 1) as usize];
        let t = match pr.transport {
            msstun::framing::Transport::Udp => "UDP",
            msstun::framing::Transport::Tcp => "TCP",
        };
        let (path, media) = match pr.allocation {
            Some(ai) => {
                let a = &self.allocs[ai as usize];
                let over = match (a.transport, a.server.port()) {
                    (msstun::framing::Transport::Udp, _) => "UDP".to_string(),
                    (_, 443) => "TCP 443".to_string(),
                    (_, port) => format!("TCP {port}"),
                };
                let relay = if a.requested_transport == Some(6) {
                    ", RFC 6062 TCP relay"
                } else {
                    ""
                };
                let peer = if Some(pr.a) == a.relayed { pr.b } else { pr.a };
                let media = a.traffic.iter().find(|x| x.peer == peer).map(|x| {
                    format!(
                        "relayed with {peer}: {} pkts {} B to the peer, {} pkts {} B from it",
                        x.to_peer.packets, x.to_peer.bytes, x.from_peer.packets, x.from_peer.bytes
                    )
                });
                (
                    format!(
                        "relayed {t} via allocation {} (server {} over {over}{relay})",
                        ai + 1,
                        a.server
                    ),
                    media,
                )
            }
            None => {
                let srflx = self
                    .allocs
                    .iter()
                    .any(|a| a.mapped == Some(pr.a) || a.mapped == Some(pr.b));
                let kind = if srflx { "server-reflexive" } else { "host" };
                let port443 = pr.a.port() == 443 || pr.b.port() == 443;
                let t = if port443 && t == "TCP" { "TCP 443" } else { t };
                (format!("{kind} {t} {} <-> {}", pr.a, pr.b), None)
            }
        };
        OutcomeReport {
            state: "connected",
            pair: Some(p),
            path: Some(path),
            time_to_success: pr.valid_time.map(|v| (v - sess.first_time).max(0.0)),
            media,
            findings: Vec::new(),
        }
    }
}

/// An allocation's outcome in words.
fn alloc_outcome(a: &crate::alloc::Allocation) -> String {
    let st = a.state();
    let begin = if a.seen_start {
        ""
    } else {
        " (its Allocate is before the capture)"
    };
    let last_error = a.errors.last().map(|e| e.0);
    let o = match st {
        AllocState::Pending if !a.answered => "never answered".to_string(),
        AllocState::Pending => match last_error {
            Some(c) => format!("not granted (last error {c})"),
            None => "not granted".to_string(),
        },
        AllocState::Failed => match last_error {
            Some(c) => format!(
                "failed: {c} {}",
                msstun::registry::error_name(c).unwrap_or("")
            )
            .trim_end()
            .to_string(),
            None => "failed".to_string(),
        },
        s => {
            let relayed = a.relayed.map_or(String::new(), |r| format!(" relayed {r}"));
            let end = match s {
                AllocState::Active => "active at the end of the capture",
                AllocState::Deleted => "then deleted",
                AllocState::Expired => "then expired",
                AllocState::Closed => "then its TCP connection closed",
                _ => "",
            };
            if a.seen_start {
                format!("granted{relayed}, {end}")
            } else {
                format!("in use{relayed}, {end}")
            }
        }
    };
    format!("{o}{begin}")
}
