//! # msstun-analysis — TURN allocations and ICE candidate pairs from decoded messages
//!
//! Plain Rust, no Wireshark, no I/O: an [`Analysis`] is fed messages decoded by the
//! [`msstun`] parser in frame order, each with an [`Observation`] (frame number, time,
//! transport, 5-tuple, TCP stream and how the message was carried), and answers per
//! message with an [`Answer`] (allocation, ICE session, candidate pair, the pair's state as
//! of that frame, and the [`Event`]s the frame raises). [`Analysis::report`] makes the
//! allocation table and the ICE table, rendered by [`render`] as text or JSON.
//!
//! Re-dissection: after the first pass ([`Analysis::observe`], mutating, frame order) any
//! frame can be asked again with [`Analysis::answer`] (`&self`, any order). The allocation
//! or pair is found from keys recomputed from the message (the client 5-tuple, the USERNAME
//! fragments, the candidate pair's addresses, the channel number or the data connection),
//! and its state as of that frame is a lookup in its (frame, state) history. State grows
//! with allocations, permissions, channels, data connections, sessions and pairs — not with
//! messages: the only per-message tables are the open transactions (pruned after
//! [`TRANSACTION_TIMEOUT`] seconds) and the frame → events map (events are rare).
//!
//! ```
//! use msstun::build::MessageBuilder;
//! use msstun::framing::Transport;
//! use msstun::{Class, Dialect, Message};
//! use msstun_analysis::{Analysis, Observation, PairState};
//!
//! let (a, b) = ("10.0.0.1:5000".parse().unwrap(), "10.0.0.2:6000".parse().unwrap());
//! let check = |tid: [u8; 12], user: &str| {
//!     MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &tid)
//!         .string(0x0006, user)
//!         .attr_u32(0x0024, 1)
//!         .finish()
//! };
//! let ok = |tid: [u8; 12]| MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::SuccessResponse, &tid).finish();
//! let mut an = Analysis::new();
//! let mut feed = |frame, src, dst, bytes: Vec<u8>| {
//!     let obs = Observation::direct(frame, frame as f64 * 0.01, Transport::Udp, src, dst);
//!     an.observe(&obs, &Message::new_checked(&bytes[..]).unwrap())
//! };
//! feed(1, a, b, check([1; 12], "B:A"));
//! assert_eq!(feed(2, b, a, ok([1; 12])).pair_state, Some(PairState::SucceededOneWay));
//! feed(3, b, a, check([2; 12], "A:B"));
//! let ans = feed(4, a, b, ok([2; 12]));
//! assert_eq!(ans.pair_state, Some(PairState::Valid));
//! assert!(ans.events.contains(msstun_analysis::Event::PairValid));
//! ```
#![warn(missing_docs)]

mod alloc;
mod facts;
pub mod feed;
mod findings;
mod ice;
pub mod render;
#[cfg(feature = "replay")]
pub mod replay;
mod report;
pub mod session;

use std::collections::VecDeque;

/// The analysis's maps: keyed per process like std's, but cheaper to hash (foldhash):
/// every relayed packet looks its flow up.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::net::SocketAddr;

use msstun::framing::Transport;
use msstun::registry::method;
use msstun::{Class, Message};

pub use findings::{address_range, severity_key, Finding};
pub use report::{
    AllocationReport, AuthReport, ChannelReport, DataConnectionReport, DirectionReport, EndReport,
    EventReport, PairReport, PeerTrafficReport, PermissionReport, RefreshReport, Report,
    SessionReport,
};

use alloc::Allocation;
use facts::Facts;
use ice::{Pair, Session};

/// Seconds after which an unanswered request counts as never answered (RFC 8489 §6.2.1:
/// Rc = 7 transmissions, Rm = 16, RTO 500 ms → 39.5 s).
pub const TRANSACTION_TIMEOUT: f64 = 40.0;
/// Permission lifetime (RFC 8656 §9).
pub const PERMISSION_LIFETIME: f64 = 300.0;
/// Channel binding lifetime (RFC 8656 §12).
pub const CHANNEL_LIFETIME: f64 = 600.0;
/// Default allocation lifetime when a success response carries no LIFETIME (RFC 8656 §2.2).
pub const DEFAULT_LIFETIME: u32 = 600;
/// 438 Stale Nonce responses in a row on one allocation (no success between) that make a
/// stale-nonce loop.
pub const STALE_NONCE_LOOP: u32 = 3;

pub use msstun::classify::{Carried, Carrier};

/// Stable key of how a message was carried, for JSON and the pair table (`direct`,
/// `channel`, `data`, `tcp-data`, `ms-turn-data`).
pub const fn carrier_key(c: Carried) -> &'static str {
    match c.carrier {
        Carrier::Flow => "direct",
        Carrier::ChannelData => "channel",
        Carrier::DataAttribute => "data",
        Carrier::DataConnection => "tcp-data",
        Carrier::MsTurnData | Carrier::MultiplexedTurn => "ms-turn-data",
    }
}

/// Whether the analysis follows what `c` carried: it needs the ChannelData channel (to find
/// the binding) and the DATA attribute's peer. A feeder leaves the others out.
pub const fn follows(c: &Carried) -> bool {
    match c.carrier {
        Carrier::ChannelData => c.channel.is_some(),
        Carrier::DataAttribute => c.peer.is_some(),
        _ => true,
    }
}

/// Where and when a message was seen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// Frame number (grows on the first pass).
    pub frame: u32,
    /// Seconds (absolute or relative; only differences matter).
    pub time: f64,
    /// Transport of the flow that carried it.
    pub transport: Transport,
    /// Source of the flow's packet.
    pub src: SocketAddr,
    /// Destination of the flow's packet.
    pub dst: SocketAddr,
    /// Wireshark's `tcp.stream`, for TCP.
    pub tcp_stream: Option<u32>,
    /// How the message was carried ([`Carried::FLOW`]: by the flow itself).
    pub carrier: Carried,
    /// The message's MESSAGE-INTEGRITY as the feeder checked it with its credentials
    /// (`Some(true)` verified, `Some(false)` wrong key, `None` not checked): an input fact
    /// for `auth_failed`.
    pub integrity: Option<bool>,
}

impl Observation {
    /// A message carried directly by the flow `src` → `dst`.
    pub fn direct(
        frame: u32,
        time: f64,
        transport: Transport,
        src: SocketAddr,
        dst: SocketAddr,
    ) -> Self {
        Observation {
            frame,
            time,
            transport,
            src,
            dst,
            tcp_stream: None,
            carrier: Carried::FLOW,
            integrity: None,
        }
    }
    /// The same observation with the feeder's MESSAGE-INTEGRITY result.
    pub fn with_integrity(mut self, verified: Option<bool>) -> Self {
        self.integrity = verified;
        self
    }
    /// The same observation with another carrier.
    pub fn with_carrier(mut self, carrier: Carried) -> Self {
        self.carrier = carrier;
        self
    }
    /// The same observation with a TCP stream index.
    pub fn with_tcp_stream(mut self, stream: u32) -> Self {
        self.tcp_stream = Some(stream);
        self
    }
}

/// State of an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AllocState {
    /// Allocate sent, not (yet) granted.
    Pending,
    /// Granted and not expired.
    Active,
    /// Deleted by a Refresh (or [MS-TURN] Allocate) with lifetime 0.
    Deleted,
    /// Lifetime ran out without a Refresh.
    Expired,
    /// The Allocate failed with an error other than 401/438.
    Failed,
    /// Its TCP control connection closed (which deletes a TCP allocation, RFC 6062 §5.5 /
    /// RFC 8656 §3.1).
    Closed,
}

impl AllocState {
    /// Stable key (field value, JSON).
    pub const fn key(self) -> &'static str {
        match self {
            AllocState::Pending => "pending",
            AllocState::Active => "active",
            AllocState::Deleted => "deleted",
            AllocState::Expired => "expired",
            AllocState::Failed => "failed",
            AllocState::Closed => "closed",
        }
    }
    /// All states.
    pub const ALL: [AllocState; 6] = [
        AllocState::Pending,
        AllocState::Active,
        AllocState::Deleted,
        AllocState::Expired,
        AllocState::Failed,
        AllocState::Closed,
    ];
    fn ended(self) -> bool {
        matches!(
            self,
            AllocState::Deleted | AllocState::Expired | AllocState::Failed | AllocState::Closed
        )
    }
}

/// State of an ICE candidate pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PairState {
    /// Checks sent, none answered with success yet.
    InProgress,
    /// A check succeeded in one direction only.
    SucceededOneWay,
    /// Checks succeeded in both directions (the seed's "bidirectional Binding Requests and
    /// Binding Success Responses").
    Valid,
    /// Valid, and a check with USE-CANDIDATE succeeded.
    Nominated,
    /// No check succeeded and none is outstanding (all unanswered or answered with errors).
    Failed,
}

impl PairState {
    /// Stable key (`msstun.ice.pair.state` value, JSON).
    pub const fn key(self) -> &'static str {
        match self {
            PairState::InProgress => "in-progress",
            PairState::SucceededOneWay => "succeeded-one-way",
            PairState::Valid => "valid",
            PairState::Nominated => "nominated",
            PairState::Failed => "failed",
        }
    }
    /// All states.
    pub const ALL: [PairState; 5] = [
        PairState::InProgress,
        PairState::SucceededOneWay,
        PairState::Valid,
        PairState::Nominated,
        PairState::Failed,
    ];
}

/// Severity of an event, as Wireshark's expert items grade them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Chat: a normal step worth seeing.
    Chat,
    /// Note: unusual.
    Note,
    /// Warn: likely a problem.
    Warn,
}

/// A finding code: something the analysis concludes on a frame (an expert item and a
/// `msstun.finding` value in the plugin; a [`Finding`] with its proof in the tables and the
/// relay). The keys are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Event {
    /// On the success response that granted an allocation's last lifetime: it ran out
    /// within the capture without a Refresh.
    AllocationExpired = 0,
    /// A Refresh request for an allocation whose lifetime had already run out.
    RefreshAfterExpiry = 1,
    /// Data (Send indication, ChannelData) to a peer that has no permission (or on an
    /// unbound channel).
    NoPermission = 2,
    /// Data to a peer whose permission ran out (300 s without refresh).
    PermissionExpired = 3,
    /// ChannelData on a channel whose binding ran out (600 s without refresh).
    ChannelExpired = 4,
    /// The third 438 Stale Nonce in a row on one allocation without a success between.
    StaleNonceLoop = 5,
    /// The response that made a candidate pair valid (both directions answered).
    PairValid = 6,
    /// A connectivity check never answered (on the request; the first of a run of
    /// unanswered checks in one direction of a pair — a success ends the run).
    CheckUnanswered = 7,
    /// A USE-CANDIDATE check on a pair that never succeeded (on the first such request).
    NominationWithoutSuccess = 8,
    /// 487 Role Conflict.
    RoleConflict = 9,
    /// A 401 answered by an authenticated retry that succeeded (on the 401): normal.
    AuthChallenge = 10,
    /// A 401 to a request that carried credentials (on the 401).
    AuthFailed = 11,
    /// 403 to CreatePermission, ChannelBind or Connect: the server's policy denies the peer.
    ForbiddenPeer = 12,
    /// 403 to another request (Allocate, Refresh).
    Forbidden = 13,
    /// 437 Allocation Mismatch.
    AllocationMismatch = 14,
    /// 438 Stale Nonce, retried (normal unless it loops).
    StaleNonce = 15,
    /// 441 Wrong Credentials.
    WrongCredentials = 16,
    /// 442 Unsupported Transport Protocol.
    UnsupportedTransport = 17,
    /// 443 Peer Address Family Mismatch.
    PeerFamilyMismatch = 18,
    /// 446 Connection Already Exists.
    ConnectionExists = 19,
    /// 447 Connection Timeout or Failure.
    ConnectionFailed = 20,
    /// 486 Allocation Quota Reached.
    QuotaReached = 21,
    /// 508 Insufficient Capacity.
    InsufficientCapacity = 22,
    /// An RFC 6062 ConnectionAttempt with no successful ConnectionBind within 30 s (on the
    /// ConnectionAttempt).
    AttemptNotBound = 23,
    /// Data on an RFC 6062 data connection before its ConnectionBind succeeded.
    DataBeforeBind = 24,
    /// A client's UDP requests to a TURN server went unanswered, then it allocated over
    /// TCP (on its first unanswered UDP Allocate).
    UdpUnansweredTcpUsed = 25,
    /// Checks of a pair answered in one direction only, in a session with no valid pair
    /// (on the first unanswered check).
    ChecksOneWay = 26,
    /// No check of an ICE session answered in either direction (on its first check).
    ChecksUnanswered = 27,
    /// Another error response to a TURN request (400, 420, 500 …).
    TurnError = 28,
}

impl Event {
    /// Every finding code, in bit order.
    pub const ALL: [Event; 29] = [
        Event::AllocationExpired,
        Event::RefreshAfterExpiry,
        Event::NoPermission,
        Event::PermissionExpired,
        Event::ChannelExpired,
        Event::StaleNonceLoop,
        Event::PairValid,
        Event::CheckUnanswered,
        Event::NominationWithoutSuccess,
        Event::RoleConflict,
        Event::AuthChallenge,
        Event::AuthFailed,
        Event::ForbiddenPeer,
        Event::Forbidden,
        Event::AllocationMismatch,
        Event::StaleNonce,
        Event::WrongCredentials,
        Event::UnsupportedTransport,
        Event::PeerFamilyMismatch,
        Event::ConnectionExists,
        Event::ConnectionFailed,
        Event::QuotaReached,
        Event::InsufficientCapacity,
        Event::AttemptNotBound,
        Event::DataBeforeBind,
        Event::UdpUnansweredTcpUsed,
        Event::ChecksOneWay,
        Event::ChecksUnanswered,
        Event::TurnError,
    ];
    /// Stable key (expert item name suffix, `msstun.finding`, JSON).
    pub const fn key(self) -> &'static str {
        match self {
            Event::AllocationExpired => "allocation_expired",
            Event::RefreshAfterExpiry => "refresh_after_expiry",
            Event::NoPermission => "no_permission",
            Event::PermissionExpired => "permission_expired",
            Event::ChannelExpired => "channel_expired",
            Event::StaleNonceLoop => "stale_nonce_loop",
            Event::PairValid => "pair_valid",
            Event::CheckUnanswered => "check_unanswered",
            Event::NominationWithoutSuccess => "nomination_without_success",
            Event::RoleConflict => "role_conflict",
            Event::AuthChallenge => "auth_challenge",
            Event::AuthFailed => "auth_failed",
            Event::ForbiddenPeer => "forbidden_peer",
            Event::Forbidden => "forbidden",
            Event::AllocationMismatch => "allocation_mismatch",
            Event::StaleNonce => "stale_nonce",
            Event::WrongCredentials => "wrong_credentials",
            Event::UnsupportedTransport => "unsupported_transport",
            Event::PeerFamilyMismatch => "peer_family_mismatch",
            Event::ConnectionExists => "connection_exists",
            Event::ConnectionFailed => "connection_failed",
            Event::QuotaReached => "quota_reached",
            Event::InsufficientCapacity => "insufficient_capacity",
            Event::AttemptNotBound => "attempt_not_bound",
            Event::DataBeforeBind => "data_before_bind",
            Event::UdpUnansweredTcpUsed => "udp_unanswered_tcp_used",
            Event::ChecksOneWay => "checks_one_way",
            Event::ChecksUnanswered => "checks_unanswered",
            Event::TurnError => "turn_error",
        }
    }
    /// The cause, one line (the expert item's summary).
    pub const fn summary(self) -> &'static str {
        match self {
            Event::AllocationExpired => {
                "Allocation expired: its lifetime ran out without a Refresh (RFC 8656 §7)"
            }
            Event::RefreshAfterExpiry => "Refresh after the allocation had expired",
            Event::NoPermission => {
                "Data to a peer without permission or on an unbound channel (RFC 8656 §9)"
            }
            Event::PermissionExpired => {
                "Data to a peer whose permission expired (300 s, RFC 8656 §9)"
            }
            Event::ChannelExpired => "Data on an expired channel binding (600 s, RFC 8656 §12)",
            Event::StaleNonceLoop => "Stale-nonce loop: repeated 438 Stale Nonce without success",
            Event::PairValid => "ICE candidate pair valid: checks answered in both directions",
            Event::CheckUnanswered => "ICE connectivity check never answered",
            Event::NominationWithoutSuccess => {
                "Nomination (USE-CANDIDATE) of a candidate pair that never succeeded"
            }
            Event::RoleConflict => "ICE role conflict (487)",
            Event::AuthChallenge => {
                "Authentication challenge (401) answered by an authenticated retry that succeeded: normal"
            }
            Event::AuthFailed => "Authentication failed: 401 to a request that carried credentials",
            Event::ForbiddenPeer => "Peer forbidden (403): the server's policy denies this peer",
            Event::Forbidden => "Forbidden (403): the server refuses the request by policy",
            Event::AllocationMismatch => {
                "Allocation mismatch (437): an allocation already exists on this 5-tuple, or none does"
            }
            Event::StaleNonce => "Stale nonce (438): the server changed its NONCE",
            Event::WrongCredentials => {
                "Wrong credentials (441): not the credentials that created the allocation"
            }
            Event::UnsupportedTransport => {
                "Unsupported transport (442): the server does not relay the REQUESTED-TRANSPORT"
            }
            Event::PeerFamilyMismatch => {
                "Peer address family mismatch (443): the peer's family is not the relayed address's"
            }
            Event::ConnectionExists => {
                "Connection already exists (446): a Connect to a peer that already has a TCP connection"
            }
            Event::ConnectionFailed => {
                "Connection timeout or failure (447): the server could not connect to the peer, or the ConnectionBind came too late"
            }
            Event::QuotaReached => "Allocation quota reached (486): too many allocations for this user",
            Event::InsufficientCapacity => {
                "Insufficient capacity (508): the server has no relayed address left"
            }
            Event::AttemptNotBound => {
                "ConnectionAttempt not bound within 30 s: the server drops the peer's TCP connection (RFC 6062 §5.3)"
            }
            Event::DataBeforeBind => {
                "Data on an RFC 6062 data connection before its ConnectionBind succeeded"
            }
            Event::UdpUnansweredTcpUsed => {
                "UDP to the TURN server unanswered, then TCP used: UDP is blocked"
            }
            Event::ChecksOneWay => {
                "ICE checks answered in one direction only: one side does not answer"
            }
            Event::ChecksUnanswered => {
                "ICE checks unanswered in both directions: no path between the candidates"
            }
            Event::TurnError => "Error response to a TURN request",
        }
    }
    /// The next step, one line.
    pub const fn next_step(self) -> &'static str {
        match self {
            Event::AllocationExpired => "the client must Refresh before the lifetime ends; check why it stopped (crash, network change)",
            Event::RefreshAfterExpiry => "refresh earlier (at half the lifetime); the client must allocate again",
            Event::NoPermission => "the client must CreatePermission (or ChannelBind) for the peer before sending; the server drops this data",
            Event::PermissionExpired => "refresh permissions every 4 minutes (CreatePermission or ChannelBind)",
            Event::ChannelExpired => "refresh channel bindings every 9 minutes (ChannelBind)",
            Event::StaleNonceLoop => "check the server's nonce lifetime and clock, and that the client retries with the NONCE of the latest 438",
            Event::PairValid => "",
            Event::CheckUnanswered => "see the pair's findings; an unanswered check alone is normal while ICE tries pairs",
            Event::NominationWithoutSuccess => "the controlling agent nominated a pair that never worked: check its ICE implementation",
            Event::RoleConflict => "normal once (the agents swap roles); repeated: both agents have the same tie-breaker",
            Event::AuthChallenge => "",
            Event::AuthFailed => "check the username, realm and password (or the REST/ephemeral secret and its clock)",
            Event::ForbiddenPeer => "allow the peer's range in the server's peer policy (coturn: --allow-loopback-peers, --allowed-peer-ip) or use the peer's public or relayed candidate",
            Event::Forbidden => "check the server's policy for this user and address (denied IP ranges, user quotas)",
            Event::AllocationMismatch => "the client must reuse its allocation or pick a new source port; after a restart wait for the old allocation to expire",
            Event::StaleNonce => "normal when retried with the new NONCE; repeated: see stale_nonce_loop",
            Event::WrongCredentials => "use the same username and password for every request on the allocation",
            Event::UnsupportedTransport => "request UDP (17), or enable TCP relaying (RFC 6062) on the server",
            Event::PeerFamilyMismatch => "request an allocation of the peer's family (REQUESTED-ADDRESS-FAMILY) or use a peer of the relayed address's family",
            Event::ConnectionExists => "reuse the existing data connection to the peer",
            Event::ConnectionFailed => "check that the peer listens and is reachable from the server; send ConnectionBind within 30 s",
            Event::QuotaReached => "release unused allocations (Refresh with lifetime 0) or raise the server's user quota",
            Event::InsufficientCapacity => "widen the server's relay port range or add servers",
            Event::AttemptNotBound => "the client must open a data connection and send ConnectionBind within 30 s of the ConnectionAttempt (check the client's TCP TURN support and firewalls towards the server)",
            Event::DataBeforeBind => "the client must wait for the ConnectionBind success response before sending data",
            Event::UdpUnansweredTcpUsed => "open UDP 3478–3481 (and the relay range) to the TURN server in the firewall; TCP works but costs quality",
            Event::ChecksOneWay => "check the firewall or NAT on the side that does not answer (inbound filtering), and that its candidates are right",
            Event::ChecksUnanswered => "check that both agents got each other's candidates and that a firewall lets the checks through; use a TURN relay",
            Event::TurnError => "see the error reason phrase",
        }
    }
    /// Expert severity (a finding that depends on what came before the capture is a note
    /// instead, `Finding::boundary`).
    pub const fn severity(self) -> Severity {
        match self {
            Event::PairValid | Event::AuthChallenge | Event::StaleNonce => Severity::Chat,
            Event::RoleConflict | Event::RefreshAfterExpiry | Event::TurnError => Severity::Note,
            Event::AllocationExpired | Event::CheckUnanswered => Severity::Note,
            _ => Severity::Warn,
        }
    }
    /// Whether the finding is about an ICE pair or session (else an allocation).
    pub const fn is_ice(self) -> bool {
        matches!(
            self,
            Event::PairValid
                | Event::CheckUnanswered
                | Event::NominationWithoutSuccess
                | Event::RoleConflict
                | Event::ChecksOneWay
                | Event::ChecksUnanswered
        )
    }
    /// Whether the finding means something went wrong (not a normal step).
    pub const fn is_problem(self) -> bool {
        !matches!(
            self,
            Event::PairValid | Event::AuthChallenge | Event::StaleNonce
        )
    }
    const fn bit(self) -> u64 {
        1 << (self as u8)
    }
}

/// A set of [`Event`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Events(u64);

impl Events {
    /// No event.
    pub const NONE: Events = Events(0);
    /// Whether empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Whether `e` is in the set.
    pub const fn contains(self, e: Event) -> bool {
        self.0 & e.bit() != 0
    }
    /// Add `e`.
    pub fn insert(&mut self, e: Event) {
        self.0 |= e.bit();
    }
    /// Both sets.
    pub const fn union(self, o: Events) -> Events {
        Events(self.0 | o.0)
    }
    /// The events, in bit order.
    pub fn iter(self) -> impl Iterator<Item = Event> {
        Event::ALL.into_iter().filter(move |e| self.contains(*e))
    }
    /// The raw bits (bit n = [`Event`] n).
    pub const fn bits(self) -> u64 {
        self.0
    }
}

impl FromIterator<Event> for Events {
    fn from_iter<I: IntoIterator<Item = Event>>(it: I) -> Self {
        let mut s = Events::NONE;
        for e in it {
            s.insert(e);
        }
        s
    }
}

/// What the analysis says about one message (cheap, `Copy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Answer {
    /// Allocation id (1-based, in order of first Allocate request), for TURN messages and
    /// for relayed payloads and messages.
    pub allocation: Option<u32>,
    /// The allocation's state as of this frame.
    pub alloc_state: Option<AllocState>,
    /// ICE session id (1-based).
    pub ice_session: Option<u32>,
    /// Candidate pair id (1-based, over all sessions).
    pub pair: Option<u32>,
    /// The pair's state as of this frame.
    pub pair_state: Option<PairState>,
    /// The pair's state at the end of the analysis so far (what the table shows).
    pub pair_final: Option<PairState>,
    /// Findings raised by (or attached to) this frame.
    pub events: Events,
    /// Of these, the ones that depend on what came before the capture, which it does not
    /// show (notes, not warnings).
    pub boundary: Events,
}

/// A Send/Data indication whose DATA attribute holds a STUN message: the peer
/// (XOR-PEER-ADDRESS; [MS-TURN] DESTINATION-/REMOTE-ADDRESS) and the DATA bytes — what a
/// feeder observes again carried by [`Carrier::DataAttribute`].
pub fn inner_stun<T: AsRef<[u8]>>(msg: &Message<T>) -> Option<(SocketAddr, &[u8])> {
    let f = Facts::of(msg);
    let data = f.data?;
    let peer = f.peer()?;
    let first = *data.first()?;
    (first < 4 && Message::new_checked(data).is_ok()).then_some((peer, data))
}

use session::Tid;

/// A flow key: transport, client, server.
type FlowKey = (u8, SocketAddr, SocketAddr);

fn tkey(t: Transport) -> u8 {
    match t {
        Transport::Udp => 0,
        Transport::Tcp => 1,
    }
}

/// An open transaction.
#[derive(Debug, Clone)]
struct Pending {
    frame: u32,
    /// Time of the first transmission (the timeout counts from it).
    first: f64,
    /// Time of the latest transmission (round-trip times count from it).
    time: f64,
    /// The flow of the first sighting.
    flow: (SocketAddr, SocketAddr),
    kind: PendingKind,
}

#[derive(Debug, Clone)]
enum PendingKind {
    /// A TURN request on allocation `alloc` (index).
    Turn {
        alloc: u32,
        method: u16,
        /// The request carried MESSAGE-INTEGRITY; the feeder's check of it.
        authed: bool,
        integrity: Option<bool>,
        lifetime: Option<u32>,
        peers: Vec<SocketAddr>,
        channel: Option<u16>,
        dc: Option<u32>,
    },
    /// A connectivity check on pair `pair` (index), direction `dir`.
    Check {
        pair: u32,
        dir: u8,
        use_candidate: bool,
    },
}

/// The open requests: each hangs off its transaction's entry in the capture's one
/// transaction table ([`session::Transactions`], which the core session state records in
/// too), the requests themselves in a slab.
#[derive(Debug, Default)]
pub(crate) struct Pendings {
    /// The capture's transactions.
    pub(crate) txns: session::Transactions,
    slab: Vec<Option<Pending>>,
    /// Free places in `slab`.
    free: Vec<u32>,
}

impl Pendings {
    #[inline]
    fn get(&self, tid: &Tid) -> Option<&Pending> {
        self.slab.get(self.txns.pending(tid)? as usize)?.as_ref()
    }
    fn get_mut(&mut self, tid: &Tid) -> Option<&mut Pending> {
        let i = self.txns.pending(tid)?;
        self.slab.get_mut(i as usize)?.as_mut()
    }
    fn contains_key(&self, tid: &Tid) -> bool {
        self.txns.pending(tid).is_some()
    }
    fn remove(&mut self, tid: &Tid) -> Option<Pending> {
        let i = self.txns.take_pending(tid)?;
        self.free.push(i);
        self.slab.get_mut(i as usize)?.take()
    }
    /// The open request under `tid` taken out if `take` says so (one lookup).
    fn remove_if(&mut self, tid: &Tid, take: impl Fn(&Pending) -> bool) -> Option<Pending> {
        let slab = &self.slab;
        let i = self.txns.take_pending_if(tid, |i| {
            slab.get(i as usize)
                .and_then(Option::as_ref)
                .is_some_and(&take)
        })?;
        self.free.push(i);
        self.slab.get_mut(i as usize)?.take()
    }
    fn insert(&mut self, tid: Tid, p: Pending) {
        let (slab, free) = (&mut self.slab, &mut self.free);
        let i = self.txns.open_pending(tid, || {
            free.pop().unwrap_or_else(|| {
                if slab.is_empty() {
                    // Often one open request at a time: no room for four.
                    slab.reserve_exact(1);
                }
                slab.push(None);
                (slab.len() - 1) as u32
            })
        });
        self.slab[i as usize] = Some(p);
    }
    fn len(&self) -> usize {
        self.slab.len() - self.free.len()
    }
}

/// The session analysis. See the crate documentation.
#[derive(Debug, Default)]
pub struct Analysis {
    allocs: Vec<Allocation>,
    alloc_by_flow: HashMap<FlowKey, Vec<u32>>,
    dc_by_flow: HashMap<(SocketAddr, SocketAddr), (u32, u32)>,
    /// The capture's RFC 6062 connections (server IP, CONNECTION-ID): the core records its
    /// links there, the analysis hangs its data connections off them.
    pub(crate) conns: session::Connections,
    sessions: Vec<Session>,
    session_by_key: HashMap<u64, Vec<u32>>,
    pairs: Vec<Pair>,
    pair_by_addr: HashMap<ice::PairKey, Vec<u32>>,
    pending: Pendings,
    pending_order: VecDeque<(f64, Tid)>,
    /// Frame → (findings on it, of these the boundary notes).
    events: HashMap<u32, (Events, Events)>,
    /// Every finding, in the order raised.
    findings: Vec<Finding>,
    first_time: Option<f64>,
    last_time: f64,
    last_frame: u32,
    finished: bool,
}

impl Analysis {
    /// An empty analysis.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of allocations seen.
    pub fn allocation_count(&self) -> usize {
        self.allocs.len()
    }
    /// Number of candidate pairs seen.
    pub fn pair_count(&self) -> usize {
        self.pairs.len()
    }
    /// Number of ICE sessions seen.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }
    /// The relayed transport address of allocation `id` (as in [`Answer::allocation`]), once
    /// a success response granted it.
    pub fn relayed_address(&self, id: u32) -> Option<SocketAddr> {
        self.allocs.get(id.checked_sub(1)? as usize)?.relayed
    }
    /// Open transactions (requests not answered yet and younger than the timeout).
    pub fn open_transactions(&self) -> usize {
        self.pending.len()
    }

    fn raise(&mut self, frame: u32, e: Event) {
        self.found(Finding::new(e, frame));
    }

    /// Record a finding (once per frame and code).
    pub(crate) fn found(&mut self, f: Finding) {
        let slot = self.events.entry(f.frame).or_default();
        if slot.0.contains(f.event) {
            return;
        }
        slot.0.insert(f.event);
        if f.boundary {
            slot.1.insert(f.event);
        }
        self.findings.push(f);
    }

    /// Findings (codes) attached to `frame`.
    pub fn events_at(&self, frame: u32) -> Events {
        self.events.get(&frame).map(|e| e.0).unwrap_or_default()
    }

    /// Every frame with findings, in frame order.
    pub fn all_events(&self) -> Vec<(u32, Events)> {
        let mut v: Vec<_> = self.events.iter().map(|(f, e)| (*f, e.0)).collect();
        v.sort_unstable_by_key(|x| x.0);
        v
    }

    /// Every finding, in the order raised (append-only: a live caller keeps how many it
    /// has printed and asks [`Analysis::findings_since`]).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The findings raised after the first `n`.
    pub fn findings_since(&self, n: usize) -> &[Finding] {
        self.findings.get(n..).unwrap_or(&[])
    }

    /// The findings whose proving frame is `frame` (the plugin's expert items).
    pub fn findings_at(&self, frame: u32) -> impl Iterator<Item = &Finding> {
        let any = self.events.contains_key(&frame);
        self.findings
            .iter()
            .filter(move |f| any && f.frame == frame)
    }

    fn tick(&mut self, obs: &Observation) {
        if self.first_time.is_none() {
            self.first_time = Some(obs.time);
        }
        if obs.time > self.last_time {
            self.last_time = obs.time;
        }
        self.last_frame = self.last_frame.max(obs.frame);
        self.finished = false;
        while let Some(&(t, tid)) = self.pending_order.front() {
            if t + TRANSACTION_TIMEOUT > obs.time {
                break;
            }
            self.pending_order.pop_front();
            if let Some(p) = self.pending.remove_if(&tid, |p| p.first == t) {
                self.timed_out(p, obs.frame);
            }
        }
    }

    fn timed_out(&mut self, p: Pending, now_frame: u32) {
        if let PendingKind::Check { pair, dir, .. } = p.kind {
            let pr = &mut self.pairs[pair as usize];
            let d = &mut pr.dirs[dir as usize];
            d.unanswered += 1;
            // Once per run of unanswered checks in a direction (a success ends the run):
            // a flood of unanswered checks costs no state per check; the table counts all.
            let first = !d.unanswered_run;
            d.unanswered_run = true;
            pr.open = pr.open.saturating_sub(1);
            pr.update_state(now_frame);
            if first {
                let s = pr.session;
                let (from, to) = if dir == 0 { (pr.a, pr.b) } else { (pr.b, pr.a) };
                self.found(
                    Finding::new(Event::CheckUnanswered, p.frame)
                        .pair(s, pair)
                        .detail(format!("{from} -> {to}")),
                );
            }
        }
    }

    /// Open transaction `tid`: a request of `kind` first seen in `obs`.
    fn open(&mut self, tid: Tid, obs: &Observation, kind: PendingKind) {
        let p = Pending {
            frame: obs.frame,
            first: obs.time,
            time: obs.time,
            flow: (obs.src, obs.dst),
            kind,
        };
        self.pending_order.push_back((p.first, tid));
        self.pending.insert(tid, p);
    }

    /// First pass: observe one STUN message (frame order). See the crate README for the
    /// feeding rules.
    pub fn observe<T: AsRef<[u8]>>(&mut self, obs: &Observation, msg: &Message<T>) -> Answer {
        self.tick(obs);
        let (m, class) = msg.method_class();
        let mut ans = Answer::default();
        if m.code == method::BINDING {
            // Its facts are collected there, when the message turns out to need them.
            self.ice_observe(obs, msg, class, &mut ans);
        } else if obs.carrier.is_flow() {
            let f = Facts::of(msg);
            self.turn_observe(obs, msg, &f, m.code, class, &mut ans);
        }
        self.fill(obs.frame, &mut ans);
        ans
    }

    /// First pass: a relayed payload (ChannelData payload, RFC 6062 data-connection bytes,
    /// [MS-TURN] data), `len` bytes, carried as `obs.carrier` says. Counts packets and bytes
    /// per allocation and peer each way and raises the permission/channel events.
    pub fn observe_relayed(&mut self, obs: &Observation, len: usize) -> Answer {
        self.tick(obs);
        let mut ans = Answer::default();
        self.relayed_observe(obs, alloc::Run::one(len), &mut ans);
        self.fill(obs.frame, &mut ans);
        ans
    }

    /// First pass: `packets` relayed payloads in a row, `bytes` in all, on the flow and
    /// carrier of `obs` at its time, in frames `obs.frame` onwards (one each): the same
    /// state as that many [`Analysis::observe_relayed`] calls — every packet counted, each
    /// event raised at the first — for a feeder that holds a run back (the relay: a TCP
    /// read's ChannelData frames). The answer is the first payload's; 0 packets do nothing.
    pub fn observe_relayed_run(&mut self, obs: &Observation, packets: u32, bytes: u64) -> Answer {
        if packets == 0 {
            return Answer::default();
        }
        self.tick(obs);
        let mut ans = Answer::default();
        let run = alloc::Run {
            packets: u64::from(packets),
            bytes,
        };
        self.relayed_observe(obs, run, &mut ans);
        self.fill(obs.frame, &mut ans);
        self.last_frame = self.last_frame.max(obs.frame.saturating_add(packets - 1));
        ans
    }

    /// First pass: the TCP connection between `a` and `b` closed (its first FIN or RST) at
    /// `frame`/`time`. A TCP allocation whose control connection this is ends (`closed`);
    /// an RFC 6062 data connection records its close.
    pub fn tcp_closed(&mut self, frame: u32, time: f64, a: SocketAddr, b: SocketAddr) {
        self.last_time = self.last_time.max(time);
        self.last_frame = self.last_frame.max(frame);
        for (c, s) in [(a, b), (b, a)] {
            if let Some(i) = self.flow_alloc(Transport::Tcp, c, s) {
                let al = &mut self.allocs[i as usize];
                if !al.state().ended() {
                    al.close(frame, time);
                }
            }
            if let Some(&(i, d)) = self.dc_by_flow.get(&(c, s)) {
                let dc = &mut self.allocs[i as usize].data_conns[d as usize];
                dc.closed_frame.get_or_insert(frame);
            }
        }
    }

    /// First pass: a STUN message quoted by an ICMP error (destination unreachable …) —
    /// not a message of its own: a request from a client to a server that drew the error
    /// counts on the allocation of that flow (for `udp_unanswered_tcp_used`).
    pub fn observe_icmp_error<T: AsRef<[u8]>>(&mut self, obs: &Observation, msg: &Message<T>) {
        if msg.class() != Class::Request || obs.transport != Transport::Udp {
            return;
        }
        if let Some(i) = self.flow_alloc(Transport::Udp, obs.src, obs.dst) {
            self.allocs[i as usize].icmp_errors += 1;
        }
    }

    /// Any later pass, any order: the answer for a message observed before, as of its frame.
    pub fn answer<T: AsRef<[u8]>>(&self, obs: &Observation, msg: &Message<T>) -> Answer {
        let f = Facts::of(msg);
        let (m, class) = msg.method_class();
        let mut ans = Answer::default();
        if m.code == method::BINDING {
            self.ice_answer(obs, msg, &f, class, &mut ans);
        } else if obs.carrier.is_flow() {
            ans.allocation = self
                .turn_alloc_for(obs, &f, m.code, class, msg.dialect().is_ms_turn())
                .map(|i| i + 1);
        }
        self.fill(obs.frame, &mut ans);
        ans
    }

    /// Any later pass: the answer for a relayed payload observed before.
    pub fn answer_relayed(&self, obs: &Observation) -> Answer {
        let mut ans = Answer {
            allocation: self.relay_target(obs).map(|(a, _, _)| a + 1),
            ..Answer::default()
        };
        self.fill(obs.frame, &mut ans);
        ans
    }

    fn fill(&self, frame: u32, ans: &mut Answer) {
        if let Some(a) = ans.allocation {
            ans.alloc_state = Some(self.allocs[(a - 1) as usize].state_at(frame));
        }
        if let Some(p) = ans.pair {
            let pr = &self.pairs[(p - 1) as usize];
            ans.pair_state = Some(pr.state_at(frame));
            ans.pair_final = Some(pr.state());
            ans.ice_session = Some(pr.session + 1);
        }
        if let Some(e) = self.events.get(&frame) {
            ans.events = e.0;
            ans.boundary = e.1;
        }
    }

    /// End of the capture (`None`: every open check is then never answered, every
    /// allocation past its lifetime expired, at the last observed time) or a snapshot at
    /// time `Some(now)` (live: only checks older than [`TRANSACTION_TIMEOUT`] count as
    /// unanswered). Raises the end-of-capture events; calling it again is harmless.
    pub fn finish(&mut self, now: Option<f64>) {
        let end = now.unwrap_or(self.last_time).max(self.last_time);
        let frame = self.last_frame.saturating_add(1);
        // Each open request has its (first time, id) in `pending_order`.
        let mut open: Vec<(Tid, f64)> = self
            .pending_order
            .iter()
            .filter(|(t, tid)| self.pending.get(tid).is_some_and(|p| p.first == *t))
            .filter(|(t, _)| now.is_none() || t + TRANSACTION_TIMEOUT <= end)
            .map(|(t, tid)| (*tid, *t))
            .collect();
        open.sort_by(|a, b| a.1.total_cmp(&b.1));
        for (tid, _) in open {
            if let Some(p) = self.pending.remove(&tid) {
                self.timed_out(p, frame);
            }
        }
        for i in 0..self.allocs.len() {
            if let Some(f) = self.allocs[i].expire_if_due(end, frame) {
                self.found(Finding::new(Event::AllocationExpired, f).alloc(i as u32));
            }
        }
        for i in 0..self.pairs.len() {
            let p = &mut self.pairs[i];
            p.update_state(frame);
            if let Some(f) = p.nomination_without_success() {
                let s = p.session;
                self.found(Finding::new(Event::NominationWithoutSuccess, f).pair(s, i as u32));
            }
        }
        self.attempts_not_bound(end);
        self.failed_sessions();
        self.finished = true;
    }

    /// Time of the first and last observation.
    pub fn time_span(&self) -> (f64, f64) {
        (self.first_time.unwrap_or(0.0), self.last_time)
    }

    fn flow_alloc(
        &self,
        transport: Transport,
        client: SocketAddr,
        server: SocketAddr,
    ) -> Option<u32> {
        self.alloc_by_flow
            .get(&(tkey(transport), client, server))
            .and_then(|v| v.last().copied())
    }

    fn flow_alloc_at(
        &self,
        transport: Transport,
        client: SocketAddr,
        server: SocketAddr,
        frame: u32,
    ) -> Option<u32> {
        let v = self.alloc_by_flow.get(&(tkey(transport), client, server))?;
        v.iter()
            .rev()
            .find(|&&i| self.allocs[i as usize].first_frame <= frame)
            .or(v.first())
            .copied()
    }

    /// The allocation of a flow in either direction: (index, whether `src` is the client).
    fn either_alloc(&self, obs: &Observation) -> Option<(u32, bool)> {
        if let Some(i) = self.flow_alloc_at(obs.transport, obs.src, obs.dst, obs.frame) {
            return Some((i, true));
        }
        self.flow_alloc_at(obs.transport, obs.dst, obs.src, obs.frame)
            .map(|i| (i, false))
    }
}

/// Whether a TURN message travels client → server.
fn from_client(m: u16, class: Class, ms: bool) -> bool {
    match class {
        Class::Request => true,
        Class::Indication => !ms && m == method::SEND,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
