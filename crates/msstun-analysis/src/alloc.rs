//! TURN allocations: Allocate, Refresh, permissions, channels, RFC 6062 data connections,
//! relayed traffic and authentication trouble.

use std::net::{IpAddr, SocketAddr};

use msstun::framing::Transport;
use msstun::registry::method;
use msstun::{Class, Dialect, Message};

use crate::facts::Facts;
use crate::findings::{address_range, error_event, list};
use crate::{
    from_client, tkey, AllocState, Analysis, Answer, Carrier, Event, Finding, Observation, Pending,
    PendingKind, CHANNEL_LIFETIME, DEFAULT_LIFETIME, PERMISSION_LIFETIME, STALE_NONCE_LOOP,
};

/// Seconds the server waits for the ConnectionBind after a ConnectionAttempt (RFC 6062 §5.3).
pub const CONNECTION_BIND_TIMEOUT: f64 = 30.0;

fn method_name(m: u16) -> &'static str {
    msstun::registry::method(m).map_or("request", |d| d.name)
}

/// [MS-TURN] method codes (their own table, [MS-TURN] §2.2.1), from the registry.
use msstun::registry::ms_method::{
    DATA as MS_DATA, SEND as MS_SEND, SET_ACTIVE_DESTINATION as MS_SET_ACTIVE_DESTINATION,
};

/// A direct TURN message as `turn_observe` hands it to its steps.
pub(crate) struct Turn<'o, 'f> {
    obs: &'o Observation,
    f: &'o Facts<'f>,
    /// Method code.
    m: u16,
    /// [MS-TURN] dialect.
    ms: bool,
    dialect: Dialect,
    /// The allocation's client and server.
    client: SocketAddr,
    server: SocketAddr,
}

/// One Refresh (or [MS-TURN] re-Allocate) and its answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refresh {
    pub frame: u32,
    pub time: f64,
    pub requested: Option<u32>,
    pub granted: Option<u32>,
    pub error: Option<u16>,
    pub response_frame: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Permission {
    pub ip: IpAddr,
    pub installed_frame: u32,
    pub installed_time: f64,
    pub refreshed: u32,
    pub last_time: f64,
    /// Set when data found it expired.
    pub expired_seen: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Channel {
    pub number: u16,
    pub peer: SocketAddr,
    pub bound_frame: u32,
    pub bound_time: f64,
    pub refreshed: u32,
    pub last_time: f64,
    pub expired_seen: bool,
}

/// How an RFC 6062 data connection came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DcVia {
    /// ConnectionAttempt from the server (a peer connected to the relayed address).
    Attempt,
    /// Connect request from the client.
    Connect,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataConn {
    pub connection_id: u32,
    pub peer: SocketAddr,
    pub via: DcVia,
    pub announce_frame: u32,
    pub announce_time: f64,
    /// Time of the ConnectionBind success response.
    pub bind_ok_time: Option<f64>,
    /// Data seen before the bind succeeded (reported once).
    pub early_data: bool,
    pub client: Option<SocketAddr>,
    pub server: Option<SocketAddr>,
    pub tcp_stream: Option<u32>,
    pub bind_frame: Option<u32>,
    /// None: no answer; Some(0): success; Some(code): error.
    pub bind_result: Option<u16>,
    pub bind_result_frame: Option<u32>,
    pub closed_frame: Option<u32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counter {
    pub packets: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Traffic {
    pub peer: SocketAddr,
    pub to_peer: Counter,
    pub from_peer: Counter,
}

/// One allocation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Allocation {
    pub transport: Transport,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub tcp_stream: Option<u32>,
    pub dialect: Dialect,
    pub username: Option<Box<str>>,
    pub realm: Option<Box<str>>,
    pub requested_transport: Option<u8>,
    pub first_frame: u32,
    pub first_time: f64,
    pub relayed: Option<SocketAddr>,
    pub mapped: Option<SocketAddr>,
    pub requested_lifetime: Option<u32>,
    pub granted_lifetime: Option<u32>,
    pub first_granted: Option<u32>,
    pub granted_frame: Option<u32>,
    pub expires_at: Option<f64>,
    pub refreshes: Vec<Refresh>,
    pub end_frame: Option<u32>,
    pub end_time: Option<f64>,
    pub history: Vec<(u32, AllocState)>,
    pub permissions: Vec<Permission>,
    pub channels: Vec<Channel>,
    pub data_conns: Vec<DataConn>,
    pub traffic: Vec<Traffic>,
    pub errors: Vec<(u16, u32)>,
    pub stale_in_row: u32,
    pub stale_loops: u32,
    pub active_destination: Option<SocketAddr>,
    /// Packets to peers without (valid) permission or on unbound/expired channels.
    pub denied: u64,
    /// Peers already reported as never permitted.
    pub unpermitted: Vec<IpAddr>,
    /// Channels already reported as unbound.
    pub unbound_channels: Vec<u16>,
    /// The capture shows its beginning (its first Allocate request); `false`: first seen by
    /// a later request or indication on its flow.
    pub seen_start: bool,
    /// The server answered a request on it.
    pub answered: bool,
    /// Allocate requests (retransmissions not counted).
    pub requests: u32,
    /// Allocate requests sent, retransmissions included.
    pub transmissions: u32,
    /// Requests on it quoted by ICMP errors.
    pub icmp_errors: u32,
    /// A 401 to an unauthenticated request, not yet followed by a success: (request
    /// frame, 401 frame).
    pub challenge: Option<(u32, u32)>,
}

impl Allocation {
    fn new(obs: &Observation, client: SocketAddr, server: SocketAddr, dialect: Dialect) -> Self {
        Allocation {
            transport: obs.transport,
            client,
            server,
            tcp_stream: obs.tcp_stream,
            dialect,
            username: None,
            realm: None,
            requested_transport: None,
            first_frame: obs.frame,
            first_time: obs.time,
            relayed: None,
            mapped: None,
            requested_lifetime: None,
            granted_lifetime: None,
            first_granted: None,
            granted_frame: None,
            expires_at: None,
            refreshes: Vec::new(),
            end_frame: None,
            end_time: None,
            history: vec![(obs.frame, AllocState::Pending)],
            permissions: Vec::new(),
            channels: Vec::new(),
            data_conns: Vec::new(),
            traffic: Vec::new(),
            errors: Vec::new(),
            stale_in_row: 0,
            stale_loops: 0,
            active_destination: None,
            denied: 0,
            unpermitted: Vec::new(),
            unbound_channels: Vec::new(),
            seen_start: true,
            answered: false,
            requests: 0,
            transmissions: 0,
            icmp_errors: 0,
            challenge: None,
        }
    }

    /// Current state.
    pub fn state(&self) -> AllocState {
        self.history.last().map_or(AllocState::Pending, |h| h.1)
    }

    /// State as of `frame`.
    pub fn state_at(&self, frame: u32) -> AllocState {
        let i = self.history.partition_point(|h| h.0 <= frame);
        self.history[i.saturating_sub(1)].1
    }

    fn set_state(&mut self, frame: u32, s: AllocState) {
        if self.state() != s {
            self.history.push((frame, s));
        }
    }

    /// If active and past its lifetime at `now`: expired (history at `frame`); returns the
    /// frame that granted the lifetime that ran out.
    pub fn expire_if_due(&mut self, now: f64, frame: u32) -> Option<u32> {
        if self.state() != AllocState::Active {
            return None;
        }
        let at = self.expires_at?;
        if now <= at {
            return None;
        }
        self.set_state(frame, AllocState::Expired);
        self.end_time = Some(at);
        self.granted_frame
    }

    /// The control connection closed.
    pub fn close(&mut self, frame: u32, time: f64) {
        self.set_state(frame, AllocState::Closed);
        self.end_frame = Some(frame);
        self.end_time = Some(time);
        self.expires_at = None;
    }

    /// The relayed address's transport.
    pub fn relayed_transport(&self) -> Transport {
        if self.requested_transport == Some(6) {
            Transport::Tcp
        } else {
            Transport::Udp
        }
    }

    fn error(&mut self, code: u16) {
        match self.errors.iter_mut().find(|e| e.0 == code) {
            Some(e) => e.1 += 1,
            None => self.errors.push((code, 1)),
        }
    }

    fn traffic(&mut self, peer: SocketAddr) -> &mut Traffic {
        let i = match self.traffic.iter().position(|t| t.peer == peer) {
            Some(i) => i,
            None => {
                self.traffic.push(Traffic {
                    peer,
                    to_peer: Counter::default(),
                    from_peer: Counter::default(),
                });
                self.traffic.len() - 1
            }
        };
        &mut self.traffic[i]
    }

    fn count(&mut self, peer: SocketAddr, to_peer: bool, run: Run) {
        let t = self.traffic(peer);
        let c = if to_peer {
            &mut t.to_peer
        } else {
            &mut t.from_peer
        };
        c.packets += run.packets;
        c.bytes += run.bytes;
    }

    fn permit(&mut self, ip: IpAddr, obs: &Observation) {
        match self.permissions.iter_mut().find(|p| p.ip == ip) {
            Some(p) => {
                p.refreshed += 1;
                p.last_time = obs.time;
                p.expired_seen = false;
            }
            None => self.permissions.push(Permission {
                ip,
                installed_frame: obs.frame,
                installed_time: obs.time,
                refreshed: 0,
                last_time: obs.time,
                expired_seen: false,
            }),
        }
    }

    /// Permission check for `packets` payloads to `peer` at `time`.
    ///
    /// Every such packet is counted (`denied`); the event is raised once per episode —
    /// the first packet to a peer never permitted, the first after a permission ran out
    /// (again after a refresh) — so a flood of refused data costs no state per packet.
    fn check_permission(&mut self, peer: SocketAddr, time: f64, packets: u64) -> Option<Event> {
        if self.dialect.is_ms_turn() || self.transport_is_tcp_relay() {
            return None;
        }
        match self.permissions.iter_mut().find(|p| p.ip == peer.ip()) {
            None => {
                self.denied += packets;
                if self.unpermitted.contains(&peer.ip()) {
                    return None;
                }
                self.unpermitted.push(peer.ip());
                Some(Event::NoPermission)
            }
            Some(p) if time > p.last_time + PERMISSION_LIFETIME => {
                self.denied += packets;
                let first = !p.expired_seen;
                p.expired_seen = true;
                first.then_some(Event::PermissionExpired)
            }
            Some(_) => None,
        }
    }

    fn transport_is_tcp_relay(&self) -> bool {
        self.requested_transport == Some(6)
    }

    pub fn channel(&self, number: u16) -> Option<&Channel> {
        self.channels.iter().rev().find(|c| c.number == number)
    }

    fn bind_channel(&mut self, number: u16, peer: SocketAddr, obs: &Observation) {
        match self
            .channels
            .iter_mut()
            .rev()
            .find(|c| c.number == number && c.peer == peer)
        {
            Some(c) => {
                c.refreshed += 1;
                c.last_time = obs.time;
                c.expired_seen = false;
            }
            None => self.channels.push(Channel {
                number,
                peer,
                bound_frame: obs.frame,
                bound_time: obs.time,
                refreshed: 0,
                last_time: obs.time,
                expired_seen: false,
            }),
        }
        self.permit(peer.ip(), obs);
    }

    /// A Refresh (or [MS-TURN] re-Allocate) request asking for `requested` seconds.
    fn refresh_requested(&mut self, obs: &Observation, requested: Option<u32>) {
        self.refreshes.push(Refresh {
            frame: obs.frame,
            time: obs.time,
            requested,
            granted: None,
            error: None,
            response_frame: None,
        });
    }

    /// The success response to the refresh requested in `req_frame` (asking for `req`
    /// seconds; the response grants `lifetime`, else what was asked, else the default):
    /// lifetime 0 deletes the allocation, any other extends it.
    fn refresh_answered(
        &mut self,
        obs: &Observation,
        req_frame: u32,
        lifetime: Option<u32>,
        req: Option<u32>,
    ) {
        let lt = lifetime.or(req).unwrap_or(DEFAULT_LIFETIME);
        if let Some(r) = self
            .refreshes
            .iter_mut()
            .rev()
            .find(|r| r.frame == req_frame)
        {
            r.granted = Some(lt);
            r.response_frame = Some(obs.frame);
        }
        if lt == 0 || req == Some(0) {
            self.set_state(obs.frame, AllocState::Deleted);
            self.end_frame = Some(obs.frame);
            self.end_time = Some(obs.time);
            self.expires_at = None;
        } else {
            self.granted_lifetime = Some(lt);
            self.granted_frame = Some(obs.frame);
            self.expires_at = Some(obs.time + lt as f64);
            if self.state() == AllocState::Expired {
                // A server that still answered: the allocation lived on.
                self.set_state(obs.frame, AllocState::Active);
                self.end_time = None;
            }
        }
    }

    fn ensure_ident(&mut self, f: &Facts<'_>) {
        if self.username.is_none() {
            if let Some(u) = f.username {
                self.username = Some(msstun::summary::escaped(u).into());
            }
        }
        if self.realm.is_none() {
            if let Some(r) = f.realm {
                self.realm = Some(msstun::summary::escaped(r).into());
            }
        }
    }
}

impl Analysis {
    /// Which allocation a direct TURN message belongs to (read-only; for `answer`).
    pub(crate) fn turn_alloc_for(
        &self,
        obs: &Observation,
        f: &Facts<'_>,
        m: u16,
        class: Class,
        ms: bool,
    ) -> Option<u32> {
        if !ms && m == method::CONNECTION_BIND {
            let key = if class == Class::Request {
                (obs.src, obs.dst)
            } else {
                (obs.dst, obs.src)
            };
            if let Some(&(a, _)) = self.dc_by_flow.get(&key) {
                return Some(a);
            }
            let server = if class == Class::Request {
                obs.dst
            } else {
                obs.src
            };
            return f
                .connection_id
                .and_then(|id| self.conns.get(&(server.ip(), id))?.analysis)
                .map(|x| x.0);
        }
        let (c, s) = if from_client(m, class, ms) {
            (obs.src, obs.dst)
        } else {
            (obs.dst, obs.src)
        };
        self.flow_alloc_at(obs.transport, c, s, obs.frame)
    }

    fn new_alloc(&mut self, obs: &Observation, c: SocketAddr, s: SocketAddr, d: Dialect) -> u32 {
        let i = self.allocs.len() as u32;
        self.allocs.push(Allocation::new(obs, c, s, d));
        self.alloc_by_flow
            .entry((tkey(obs.transport), c, s))
            .or_default()
            .push(i);
        i
    }

    pub(crate) fn turn_observe<T: AsRef<[u8]>>(
        &mut self,
        obs: &Observation,
        msg: &Message<T>,
        f: &Facts<'_>,
        m: u16,
        class: Class,
        ans: &mut Answer,
    ) {
        let ms = msg.dialect().is_ms_turn();
        let tid = crate::session::txid_key(msg.header());
        if !ms && m == method::CONNECTION_BIND {
            self.connection_bind(obs, f, class, tid, ans);
            return;
        }
        let (c, s) = if from_client(m, class, ms) {
            (obs.src, obs.dst)
        } else {
            (obs.dst, obs.src)
        };
        let cur = self.flow_alloc(obs.transport, c, s);
        // Expiry seen from a later message of the same allocation.
        if let Some(i) = cur {
            let a = &mut self.allocs[i as usize];
            if let Some(g) = a.expire_if_due(obs.time, obs.frame) {
                self.raise(g, Event::AllocationExpired);
            }
        }
        let turn = Turn {
            obs,
            f,
            m,
            ms,
            dialect: msg.dialect(),
            client: c,
            server: s,
        };
        match class {
            Class::Request => self.turn_request(&turn, cur, tid, ans),
            Class::Indication => self.turn_indication(&turn, cur, ans),
            Class::SuccessResponse | Class::ErrorResponse => match self.pending.remove(&tid) {
                Some(p) => self.turn_response(&turn, class, p, ans),
                None => ans.allocation = cur.map(|i| i + 1),
            },
        }
    }

    /// A TURN request: a retransmission, an Allocate (a new allocation, a retry or an
    /// [MS-TURN] refresh), a Refresh, or another request on the flow's allocation; opens
    /// its transaction.
    fn turn_request(
        &mut self,
        t: &Turn<'_, '_>,
        mut cur: Option<u32>,
        tid: [u8; 16],
        ans: &mut Answer,
    ) {
        let (obs, f, m, ms) = (t.obs, t.f, t.m, t.ms);
        if let Some(p) = self.pending.get(&tid) {
            // Retransmission: nothing new.
            if let PendingKind::Turn { alloc, method, .. } = p.kind {
                ans.allocation = Some(alloc + 1);
                if method == method::ALLOCATE {
                    self.allocs[alloc as usize].transmissions += 1;
                }
            }
            return;
        }
        if m == method::ALLOCATE {
            cur = Some(self.allocate_request(t, cur));
        }
        if cur.is_none()
            && !ms
            && matches!(
                m,
                method::REFRESH
                    | method::CREATE_PERMISSION
                    | method::CHANNEL_BIND
                    | method::CONNECT
            )
        {
            cur = Some(self.implicit_alloc(obs, t.client, t.server, t.dialect));
        }
        let Some(i) = cur else { return };
        if m == method::REFRESH && !ms {
            let a = &mut self.allocs[i as usize];
            a.ensure_ident(f);
            if a.state() == AllocState::Expired {
                self.raise(obs.frame, Event::RefreshAfterExpiry);
            }
            self.allocs[i as usize].refresh_requested(obs, f.lifetime);
        }
        let mut peers: Vec<SocketAddr> = Vec::new();
        if ms && m == MS_SEND {
            self.data_to_peer(i, obs, f.peer(), f.data.map_or(0, <[u8]>::len), true);
        } else {
            peers.extend(f.peer_list());
        }
        self.open(
            tid,
            obs,
            PendingKind::Turn {
                alloc: i,
                method: m,
                authed: f.integrity,
                integrity: obs.integrity,
                lifetime: f.lifetime,
                peers,
                channel: f.channel,
                dc: None,
            },
        );
        ans.allocation = Some(i + 1);
    }

    /// An Allocate request: a new allocation unless the flow's current one is pending or
    /// alive (then this is a retry after 401/438, or an [MS-TURN] refresh). Returns it.
    fn allocate_request(&mut self, t: &Turn<'_, '_>, cur: Option<u32>) -> u32 {
        let (obs, f) = (t.obs, t.f);
        let reuse = cur.filter(|&i| !self.allocs[i as usize].state().ended());
        let i = match reuse {
            Some(i) => i,
            None => {
                let i = self.new_alloc(obs, t.client, t.server, t.dialect);
                if obs.transport == Transport::Tcp {
                    self.udp_fallback(i, obs);
                }
                i
            }
        };
        let a = &mut self.allocs[i as usize];
        a.requests += 1;
        a.transmissions += 1;
        a.ensure_ident(f);
        if a.requested_transport.is_none() {
            a.requested_transport = f.requested_transport;
        }
        if a.state() == AllocState::Pending {
            if f.lifetime.is_some() {
                a.requested_lifetime = f.lifetime;
            }
        } else if t.ms {
            // [MS-TURN]: an Allocate on a live allocation refreshes it (lifetime 0 deletes).
            a.refresh_requested(obs, f.lifetime);
        }
        i
    }

    /// A TURN indication: Send/Data traffic, or an RFC 6062 ConnectionAttempt.
    fn turn_indication(&mut self, t: &Turn<'_, '_>, mut cur: Option<u32>, ans: &mut Answer) {
        let (obs, f, m, ms) = (t.obs, t.f, t.m, t.ms);
        if cur.is_none() && !ms && m == method::SEND {
            cur = Some(self.implicit_alloc(obs, t.client, t.server, t.dialect));
        }
        let Some(i) = cur else { return };
        ans.allocation = Some(i + 1);
        let len = f.data.map_or(0, <[u8]>::len);
        if !ms && m == method::SEND {
            self.data_to_peer(i, obs, f.peer(), len, true);
        } else if (!ms && m == method::DATA) || (ms && m == MS_DATA) {
            self.data_to_peer(i, obs, f.peer(), len, false);
        } else if !ms && m == method::CONNECTION_ATTEMPT {
            if let (Some(id), Some(peer)) = (f.connection_id, f.peer()) {
                self.new_dc(i, id, peer, DcVia::Attempt, obs.frame, obs.time);
            }
        }
    }

    /// A response to the open transaction `p`.
    fn turn_response(&mut self, t: &Turn<'_, '_>, class: Class, p: Pending, ans: &mut Answer) {
        let PendingKind::Turn {
            alloc: i,
            method: pm,
            authed,
            integrity,
            lifetime: req_lifetime,
            peers,
            channel,
            ..
        } = p.kind
        else {
            return;
        };
        let (obs, f, ms) = (t.obs, t.f, t.ms);
        ans.allocation = Some(i + 1);
        let a = &mut self.allocs[i as usize];
        a.answered = true;
        if class == Class::ErrorResponse {
            let code = f.error.unwrap_or(0);
            a.error(code);
            self.error_finding(i, code, pm, authed, integrity, &peers, p.frame, obs.frame);
            self.turn_error(i, pm, ms, code, p.frame, obs);
            return;
        }
        a.stale_in_row = 0;
        if let Some((req, challenge)) = a.challenge.take() {
            self.found(
                Finding::new(Event::AuthChallenge, challenge)
                    .alloc(i)
                    .detail(format!(
                        "{} answered 401, the retry succeeded (frame {})",
                        method_name(pm),
                        obs.frame
                    ))
                    .with_frames([req, obs.frame]),
            );
        }
        let a = &mut self.allocs[i as usize];
        match (pm, ms) {
            (method::ALLOCATE, _) if a.state() == AllocState::Pending => {
                let lt = f.lifetime.or(req_lifetime).unwrap_or(DEFAULT_LIFETIME);
                a.relayed = if ms { f.mapped } else { f.relayed };
                a.mapped = f.xor_mapped.or(if ms { None } else { f.mapped });
                a.granted_lifetime = Some(lt);
                a.first_granted = Some(lt);
                a.granted_frame = Some(obs.frame);
                a.expires_at = Some(obs.time + lt as f64);
                a.set_state(obs.frame, AllocState::Active);
            }
            // A Refresh, or an [MS-TURN] Allocate on a live allocation.
            (method::ALLOCATE, true) | (method::REFRESH, false) => {
                a.refresh_answered(obs, p.frame, f.lifetime, req_lifetime);
            }
            (method::CREATE_PERMISSION, false) => {
                for peer in peers {
                    a.permit(peer.ip(), obs);
                }
            }
            (method::CHANNEL_BIND, false) => {
                if let (Some(ch), Some(peer)) = (channel, peers.first()) {
                    a.bind_channel(ch, *peer, obs);
                }
            }
            (method::CONNECT, false) => {
                if let (Some(id), Some(peer)) = (f.connection_id, peers.first().copied()) {
                    self.new_dc(i, id, peer, DcVia::Connect, obs.frame, obs.time);
                }
            }
            (MS_SET_ACTIVE_DESTINATION, true) => {
                a.active_destination = peers.first().copied();
            }
            _ => {}
        }
    }

    /// An error response `code` to request `req_frame` (method `pm`) on allocation `i`:
    /// the refresh it answers, stale-nonce loops, a failed Allocate. (A failed Connect
    /// makes no data connection: nothing to record but the code.)
    fn turn_error(
        &mut self,
        i: u32,
        pm: u16,
        ms: bool,
        code: u16,
        req_frame: u32,
        obs: &Observation,
    ) {
        let a = &mut self.allocs[i as usize];
        if let Some(r) = a.refreshes.iter_mut().rev().find(|r| r.frame == req_frame) {
            r.error = Some(code);
            r.response_frame = Some(obs.frame);
        }
        if code == 438 {
            a.stale_in_row += 1;
            if a.stale_in_row == STALE_NONCE_LOOP {
                a.stale_loops += 1;
                self.raise(obs.frame, Event::StaleNonceLoop);
            }
        } else if pm == method::ALLOCATE
            && code != 401
            && a.state() == AllocState::Pending
            && !(ms && code == 0)
        {
            a.set_state(obs.frame, AllocState::Failed);
            a.end_frame = Some(obs.frame);
            a.end_time = Some(obs.time);
        }
    }

    /// An allocation first seen by a later request or indication (its Allocate is not in
    /// the capture): active, beginning not seen.
    fn implicit_alloc(
        &mut self,
        obs: &Observation,
        c: SocketAddr,
        s: SocketAddr,
        d: Dialect,
    ) -> u32 {
        let i = self.new_alloc(obs, c, s, d);
        let a = &mut self.allocs[i as usize];
        a.seen_start = false;
        a.history = vec![(obs.frame, AllocState::Active)];
        i
    }

    /// A new TCP allocation `i`: the same client's earlier UDP allocations that the server
    /// never answered make `udp_unanswered_tcp_used`.
    fn udp_fallback(&mut self, i: u32, obs: &Observation) {
        let client = self.allocs[i as usize].client;
        let server = self.allocs[i as usize].server;
        let tried: Vec<&Allocation> = self.allocs[..i as usize]
            .iter()
            .filter(|a| {
                a.transport == Transport::Udp
                    && a.client.ip() == client.ip()
                    && !a.answered
                    && a.seen_start
                    && a.state() == AllocState::Pending
            })
            .collect();
        let Some(first) = tried.first() else { return };
        let mut ports: Vec<u16> = tried.iter().map(|a| a.server.port()).collect();
        ports.sort_unstable();
        ports.dedup();
        let requests: u32 = tried.iter().map(|a| a.requests).sum();
        let sent: u32 = tried.iter().map(|a| a.transmissions).sum();
        let icmp: u32 = tried.iter().map(|a| a.icmp_errors).sum();
        let frames: Vec<u32> = tried.iter().map(|a| a.first_frame).collect();
        let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
        let f = Finding::new(Event::UdpUnansweredTcpUsed, first.first_frame)
            .alloc(i)
            .detail(format!(
                "client {}: UDP port {} unanswered ({} Allocate, {} transmissions{}), then TCP port {} ({}, allocation {}, frame {})",
                client.ip(),
                ports.join(", "),
                requests,
                sent,
                if icmp > 0 {
                    format!(", {icmp} ICMP errors")
                } else {
                    String::new()
                },
                server.port(),
                server,
                i + 1,
                obs.frame
            ))
            .with_frames(frames.into_iter().chain([obs.frame]));
        self.found(f);
    }

    /// The finding of an error response `code` to method `pm` (request frame `req`,
    /// response frame `resp`).
    #[allow(clippy::too_many_arguments)]
    fn error_finding(
        &mut self,
        i: u32,
        code: u16,
        pm: u16,
        authed: bool,
        integrity: Option<bool>,
        peers: &[SocketAddr],
        req: u32,
        resp: u32,
    ) {
        let a = &mut self.allocs[i as usize];
        let name = method_name(pm);
        let f = match code {
            401 if authed => {
                let user = a.username.as_deref().unwrap_or("-");
                let realm = a.realm.as_deref().unwrap_or("-");
                let row = match integrity {
                    Some(false) => "credentials row: the key is wrong (the request's MESSAGE-INTEGRITY does not verify with it)",
                    Some(true) => "credentials row: the key is right (the request's MESSAGE-INTEGRITY verifies): the server refuses the user, realm or nonce",
                    None => "no credentials row checked the request: add one to tell whether the key is wrong",
                };
                Finding::new(Event::AuthFailed, resp).detail(format!(
                    "{name} with USERNAME {} REALM {}; {row}",
                    msstun_escape(user),
                    msstun_escape(realm)
                ))
            }
            401 => {
                if a.challenge.is_none() {
                    a.challenge = Some((req, resp));
                }
                return;
            }
            403 if matches!(
                pm,
                method::CREATE_PERMISSION | method::CHANNEL_BIND | method::CONNECT
            ) =>
            {
                Finding::new(Event::ForbiddenPeer, resp).detail(format!(
                    "{name} for peer {}: the server's policy denies it",
                    if peers.is_empty() {
                        "-".to_string()
                    } else {
                        list(peers)
                    }
                ))
            }
            403 => Finding::new(Event::Forbidden, resp).detail(format!("{name} refused")),
            438 => Finding::new(Event::StaleNonce, resp).detail(format!("{name} answered 438")),
            487 | 0 => return,
            c => match error_event(c) {
                Some(e) => {
                    let mut d = format!("{name} answered {c}");
                    if let Some(p) = peers.first() {
                        d.push_str(&format!(" for peer {p} ({})", address_range(p.ip())));
                    }
                    Finding::new(e, resp).detail(d)
                }
                None => Finding::new(Event::TurnError, resp).detail(format!(
                    "{name} answered {c} {}",
                    msstun::registry::error_name(c).unwrap_or("")
                )),
            },
        };
        self.found(f.alloc(i).with_frames([req]));
    }

    /// Data connections announced by a ConnectionAttempt and not bound within 30 s (as far
    /// as `end`, the time the analysis has covered).
    pub(crate) fn attempts_not_bound(&mut self, end: f64) {
        let mut out = Vec::new();
        for (i, a) in self.allocs.iter().enumerate() {
            for d in &a.data_conns {
                if d.via != DcVia::Attempt || end < d.announce_time + CONNECTION_BIND_TIMEOUT {
                    continue;
                }
                let bound = d
                    .bind_ok_time
                    .is_some_and(|t| t - d.announce_time <= CONNECTION_BIND_TIMEOUT);
                if bound {
                    continue;
                }
                let bind = match (d.bind_frame, d.bind_result, d.bind_ok_time) {
                    (None, _, _) => "no ConnectionBind".to_string(),
                    (Some(f), Some(0), Some(t)) => format!(
                        "ConnectionBind in frame {f} succeeded {:.1} s after it",
                        t - d.announce_time
                    ),
                    (Some(f), Some(c), _) if c != 0 => {
                        format!("ConnectionBind in frame {f} answered {c}")
                    }
                    (Some(f), _, _) => format!("ConnectionBind in frame {f} unanswered"),
                };
                let frames = [d.bind_frame, d.bind_result_frame];
                out.push(
                    Finding::new(Event::AttemptNotBound, d.announce_frame)
                        .alloc(i as u32)
                        .detail(format!(
                            "peer {} CONNECTION-ID 0x{:08x}: {bind}",
                            d.peer, d.connection_id
                        ))
                        .with_frames(frames.into_iter().flatten()),
                );
            }
        }
        for f in out {
            self.found(f);
        }
    }

    fn new_dc(&mut self, i: u32, id: u32, peer: SocketAddr, via: DcVia, frame: u32, time: f64) {
        let a = &mut self.allocs[i as usize];
        let server_ip = a.server.ip();
        if a.data_conns.iter().any(|d| d.connection_id == id) {
            return;
        }
        a.data_conns.push(DataConn {
            connection_id: id,
            peer,
            via,
            announce_frame: frame,
            announce_time: time,
            bind_ok_time: None,
            early_data: false,
            client: None,
            server: None,
            tcp_stream: None,
            bind_frame: None,
            bind_result: None,
            bind_result_frame: None,
            closed_frame: None,
        });
        let d = (a.data_conns.len() - 1) as u32;
        self.conns.entry((server_ip, id)).analysis = Some((i, d));
    }

    fn connection_bind(
        &mut self,
        obs: &Observation,
        f: &Facts<'_>,
        class: Class,
        tid: crate::Tid,
        ans: &mut Answer,
    ) {
        if class == Class::Request {
            let Some(id) = f.connection_id else { return };
            let Some((i, d)) = self.conns.get(&(obs.dst.ip(), id)).and_then(|c| c.analysis) else {
                return;
            };
            ans.allocation = Some(i + 1);
            if self.pending.contains_key(&tid) {
                return;
            }
            let dc = &mut self.allocs[i as usize].data_conns[d as usize];
            dc.client = Some(obs.src);
            dc.server = Some(obs.dst);
            dc.tcp_stream = obs.tcp_stream;
            dc.bind_frame = Some(obs.frame);
            self.dc_by_flow.insert((obs.src, obs.dst), (i, d));
            self.open(
                tid,
                obs,
                PendingKind::Turn {
                    alloc: i,
                    method: method::CONNECTION_BIND,
                    authed: f.integrity,
                    integrity: obs.integrity,
                    lifetime: None,
                    peers: Vec::new(),
                    channel: None,
                    dc: Some(d),
                },
            );
            return;
        }
        if class.is_response() {
            if let Some(Pending {
                kind:
                    PendingKind::Turn {
                        alloc: i,
                        dc: Some(d),
                        ..
                    },
                ..
            }) = self.pending.remove(&tid)
            {
                ans.allocation = Some(i + 1);
                let a = &mut self.allocs[i as usize];
                let code = if class == Class::SuccessResponse {
                    0
                } else {
                    f.error.unwrap_or(0)
                };
                if code != 0 {
                    a.error(code);
                }
                let dc = &mut a.data_conns[d as usize];
                dc.bind_result = Some(code);
                dc.bind_result_frame = Some(obs.frame);
                if code == 0 {
                    dc.bind_ok_time = Some(obs.time);
                }
            } else if let Some(&(i, _)) = self.dc_by_flow.get(&(obs.dst, obs.src)) {
                ans.allocation = Some(i + 1);
            }
        }
    }

    /// Count `len` bytes to or from `peer` on allocation `i`; the permission check for data
    /// sent to a peer.
    fn data_to_peer(
        &mut self,
        i: u32,
        obs: &Observation,
        peer: Option<SocketAddr>,
        len: usize,
        to_peer: bool,
    ) {
        let a = &mut self.allocs[i as usize];
        let Some(peer) = peer.or(a.active_destination) else {
            return;
        };
        a.count(peer, to_peer, Run::one(len));
        if to_peer {
            if let Some(e) = a.check_permission(peer, obs.time, 1) {
                self.permission_finding(i, e, obs.frame, peer, None);
            }
        }
    }

    /// A permission or channel finding on allocation `i`: a note when it depends on what
    /// came before the capture (no permission, and the allocation's beginning not seen).
    fn permission_finding(
        &mut self,
        i: u32,
        e: Event,
        frame: u32,
        peer: SocketAddr,
        channel: Option<u16>,
    ) {
        let a = &self.allocs[i as usize];
        let boundary = e == Event::NoPermission && !a.seen_start;
        let detail = match channel {
            Some(c) => format!("channel 0x{c:04x} peer {peer}"),
            None => format!("peer {peer}"),
        };
        self.found(
            Finding::new(e, frame)
                .alloc(i)
                .detail(detail)
                .boundary(boundary),
        );
    }

    /// Where a relayed payload belongs: (allocation index, peer, whether it travels to the peer).
    pub(crate) fn relay_target(
        &self,
        obs: &Observation,
    ) -> Option<(u32, Option<SocketAddr>, bool)> {
        let c = obs.carrier;
        match c.carrier {
            Carrier::Flow => None,
            Carrier::DataConnection => {
                if let Some(&(i, d)) = self.dc_by_flow.get(&(obs.src, obs.dst)) {
                    let dc = &self.allocs[i as usize].data_conns[d as usize];
                    return Some((i, Some(dc.peer), true));
                }
                let &(i, d) = self.dc_by_flow.get(&(obs.dst, obs.src))?;
                let dc = &self.allocs[i as usize].data_conns[d as usize];
                Some((i, Some(dc.peer), false))
            }
            Carrier::ChannelData => {
                let channel = c.channel?;
                let (i, up) = self.either_alloc(obs)?;
                let peer = self.allocs[i as usize].channel(channel).map(|c| c.peer);
                Some((i, peer, up))
            }
            Carrier::DataAttribute => {
                let peer = c.peer?;
                let (i, up) = self.either_alloc(obs)?;
                Some((i, Some(peer), up))
            }
            Carrier::MsTurnData | Carrier::MultiplexedTurn => {
                let (i, up) = self.either_alloc(obs)?;
                Some((i, c.peer.or(self.allocs[i as usize].active_destination), up))
            }
        }
    }

    /// `run`: that many payloads in a row at the time of `obs` (see
    /// [`Analysis::observe_relayed_run`]): every packet counted, events raised once.
    pub(crate) fn relayed_observe(&mut self, obs: &Observation, run: Run, ans: &mut Answer) {
        let Some((i, peer, to_peer)) = self.relay_target(obs) else {
            return;
        };
        ans.allocation = Some(i + 1);
        if obs.carrier.carrier == Carrier::DataAttribute {
            // Counted with its indication.
            return;
        }
        if let (Carrier::ChannelData, Some(channel)) = (obs.carrier.carrier, obs.carrier.channel) {
            let a = &mut self.allocs[i as usize];
            if to_peer {
                // Raised once per episode, like check_permission; every packet counted.
                let ev = match a.channels.iter_mut().rev().find(|c| c.number == channel) {
                    None => {
                        a.denied += run.packets;
                        if a.unbound_channels.contains(&channel) {
                            Some(None)
                        } else {
                            a.unbound_channels.push(channel);
                            Some(Some(Event::NoPermission))
                        }
                    }
                    Some(c) if obs.time > c.last_time + CHANNEL_LIFETIME => {
                        let first = !c.expired_seen;
                        c.expired_seen = true;
                        a.denied += run.packets;
                        Some(first.then_some(Event::ChannelExpired))
                    }
                    Some(_) => None,
                };
                if let Some(e) = ev {
                    if let Some(e) = e {
                        let a = &self.allocs[i as usize];
                        let boundary = e == Event::NoPermission && !a.seen_start;
                        self.found(
                            Finding::new(e, obs.frame)
                                .alloc(i)
                                .detail(format!(
                                    "channel 0x{channel:04x}{}",
                                    peer.map_or(String::new(), |p| format!(" peer {p}"))
                                ))
                                .boundary(boundary),
                        );
                    }
                } else if let Some(p) = peer {
                    if let Some(e) =
                        self.allocs[i as usize].check_permission(p, obs.time, run.packets)
                    {
                        self.permission_finding(i, e, obs.frame, p, Some(channel));
                    }
                }
            }
            if let Some(p) = peer {
                self.allocs[i as usize].count(p, to_peer, run);
            }
            return;
        }
        if obs.carrier.carrier == Carrier::DataConnection {
            let key = if to_peer {
                (obs.src, obs.dst)
            } else {
                (obs.dst, obs.src)
            };
            if let Some(&(_, d)) = self.dc_by_flow.get(&key) {
                let dc = &mut self.allocs[i as usize].data_conns[d as usize];
                if dc.bind_result != Some(0) && !dc.early_data {
                    dc.early_data = true;
                    let (peer, id, bind) = (dc.peer, dc.connection_id, dc.bind_frame);
                    self.found(
                        Finding::new(Event::DataBeforeBind, obs.frame)
                            .alloc(i)
                            .detail(format!("peer {peer} CONNECTION-ID 0x{id:08x}"))
                            .with_frames(bind),
                    );
                }
            }
        }
        if let Some(p) = peer {
            self.allocs[i as usize].count(p, to_peer, run);
        }
    }

    /// The agent-view addresses of a message carried by `obs.carrier`: (src, dst, transport,
    /// allocation index). Direct: the flow's own.
    pub(crate) fn agent_view(
        &self,
        obs: &Observation,
    ) -> (SocketAddr, SocketAddr, Transport, Option<u32>) {
        if let Some((i, Some(peer), up)) = self.relay_target(obs) {
            let a = &self.allocs[i as usize];
            if let Some(r) = a.relayed {
                let t = a.relayed_transport();
                return if up {
                    (r, peer, t, Some(i))
                } else {
                    (peer, r, t, Some(i))
                };
            }
            return (obs.src, obs.dst, obs.transport, Some(i));
        }
        (obs.src, obs.dst, obs.transport, None)
    }
}

/// Printable text of a USERNAME/REALM (control characters escaped).
fn msstun_escape(s: &str) -> String {
    s.chars().flat_map(char::escape_default).collect()
}

/// Relayed payloads in a row on one flow and carrier, at one time: how many and their
/// bytes in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub packets: u64,
    pub bytes: u64,
}

impl Run {
    /// One payload of `len` bytes.
    pub fn one(len: usize) -> Run {
        Run {
            packets: 1,
            bytes: len as u64,
        }
    }
}
