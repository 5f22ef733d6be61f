//! ICE: connectivity checks grouped into sessions (USERNAME fragments) and candidate pairs
//! (the transport addresses as the agents see them).

use std::hash::{Hash, Hasher};
use std::net::SocketAddr;

use msstun::framing::Transport;
use msstun::{Class, Dialect, Message};

use crate::facts::Facts;
use crate::{tkey, Analysis, Answer, Event, Finding, Observation, PairState, Pending, PendingKind};

/// (transport, lower address, higher address).
pub(crate) type PairKey = (u8, SocketAddr, SocketAddr);

/// One ICE session: the two USERNAME fragments (sorted), or a whole USERNAME without a colon
/// (legacy [MS-ICE] agents send opaque usernames).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Session {
    pub frags: (Box<[u8]>, Box<[u8]>),
    pub colon: bool,
    pub dialect: Dialect,
    pub first_frame: u32,
    pub first_time: f64,
    pub pairs: Vec<u32>,
}

/// Per-direction counters of a pair (direction 0: from `a` to `b`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Dir {
    pub requests: u32,
    pub retransmissions: u32,
    pub successes: u32,
    pub errors: u32,
    pub role_conflicts: u32,
    pub unanswered: u32,
    pub use_candidate: u32,
    pub controlling: bool,
    pub controlled: bool,
    pub rtt_n: u32,
    pub rtt_sum: f64,
    pub rtt_min: f64,
    pub rtt_max: f64,
    pub first_success_frame: Option<u32>,
    pub last_error: Option<u16>,
    /// In a run of unanswered checks (one `check_unanswered` event per run).
    pub unanswered_run: bool,
    /// Frame of the first request in this direction.
    pub first_frame: Option<u32>,
}

impl Dir {
    /// A success response after `rtt` seconds.
    fn success(&mut self, obs: &Observation, rtt: f64) {
        self.successes += 1;
        self.unanswered_run = false;
        if self.rtt_n == 0 {
            self.rtt_min = rtt;
            self.rtt_max = rtt;
        } else {
            self.rtt_min = self.rtt_min.min(rtt);
            self.rtt_max = self.rtt_max.max(rtt);
        }
        self.rtt_n += 1;
        self.rtt_sum += rtt;
        self.first_success_frame.get_or_insert(obs.frame);
    }
}

/// A connectivity check with USERNAME as `ice_observe` hands it to its steps.
struct Check<'o, 'f> {
    obs: &'o Observation,
    f: &'o Facts<'f>,
    user: &'f [u8],
    dialect: Dialect,
    /// The agent-side source (see `agent_view`).
    src: SocketAddr,
    transport: Transport,
    alloc: Option<u32>,
    key: PairKey,
}

/// One candidate pair.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pair {
    pub session: u32,
    pub a: SocketAddr,
    pub b: SocketAddr,
    pub transport: Transport,
    pub carrier: &'static str,
    pub allocation: Option<u32>,
    pub first_frame: u32,
    pub first_time: f64,
    pub dirs: [Dir; 2],
    pub history: Vec<(u32, PairState)>,
    pub nominated_frame: Option<u32>,
    pub first_use_candidate_frame: Option<u32>,
    pub valid_frame: Option<u32>,
    /// Time of the response that made it valid.
    pub valid_time: Option<f64>,
    /// Open checks (for the Failed decision).
    pub open: u32,
}

impl Pair {
    pub fn state(&self) -> PairState {
        self.history.last().map_or(PairState::InProgress, |h| h.1)
    }
    pub fn state_at(&self, frame: u32) -> PairState {
        let i = self.history.partition_point(|h| h.0 <= frame);
        self.history[i.saturating_sub(1)].1
    }
    fn computed(&self) -> PairState {
        let ok = [self.dirs[0].successes > 0, self.dirs[1].successes > 0];
        match ok {
            [true, true] if self.nominated_frame.is_some() => PairState::Nominated,
            [true, true] => PairState::Valid,
            [true, false] | [false, true] => PairState::SucceededOneWay,
            [false, false] if self.open == 0 => PairState::Failed,
            [false, false] => PairState::InProgress,
        }
    }
    /// Recompute the state; record a change at `frame`. Returns whether it changed.
    pub fn update_state(&mut self, frame: u32) -> bool {
        let s = self.computed();
        if s != self.state() {
            self.history.push((frame, s));
            true
        } else {
            false
        }
    }
    /// The first USE-CANDIDATE request, if the pair never succeeded in any direction.
    pub fn nomination_without_success(&self) -> Option<u32> {
        if self.dirs.iter().all(|d| d.successes == 0) {
            self.first_use_candidate_frame
        } else {
            None
        }
    }
    pub fn dir_of(&self, src: SocketAddr) -> u8 {
        u8::from(src != self.a)
    }
}

/// The two fragments of a USERNAME (`RFRAG:LFRAG`), trailing NULs dropped (libnice's
/// [MS-ICE2] modes pad the USERNAME value with NULs), and whether it had a colon.
///
/// `opaque`: a legacy [MS-ICE] (RFC 3489 header) USERNAME, random bytes that
/// are never split (a 0x3A byte in them is no separator).
fn split_in(u: &[u8], opaque: bool) -> (&[u8], &[u8], bool) {
    if opaque {
        return (u, &[][..], false);
    }
    let end = u.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let u = &u[..end];
    match u.iter().position(|&b| b == b':') {
        Some(i) => (&u[..i], &u[i + 1..], true),
        None => (u, &[][..], false),
    }
}

fn session_hash(x: &[u8], y: &[u8]) -> u64 {
    let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
    let mut h = std::collections::hash_map::DefaultHasher::new();
    lo.hash(&mut h);
    hi.hash(&mut h);
    h.finish()
}

fn sorted(x: &[u8], y: &[u8]) -> (Box<[u8]>, Box<[u8]>) {
    if x <= y {
        (x.into(), y.into())
    } else {
        (y.into(), x.into())
    }
}

fn pair_key(t: Transport, x: SocketAddr, y: SocketAddr) -> PairKey {
    if x <= y {
        (tkey(t), x, y)
    } else {
        (tkey(t), y, x)
    }
}

impl Analysis {
    fn find_session(&self, user: &[u8], opaque: bool) -> Option<u32> {
        let (x, y, colon) = split_in(user, opaque);
        let h = session_hash(x, y);
        let (lo, hi) = if x <= y || !colon { (x, y) } else { (y, x) };
        self.session_by_key.get(&h)?.iter().copied().find(|&s| {
            let f = &self.sessions[s as usize].frags;
            &*f.0 == lo && &*f.1 == hi
        })
    }

    fn session_for(&mut self, user: &[u8], obs: &Observation, d: Dialect) -> u32 {
        let opaque = d == Dialect::Rfc3489;
        if let Some(s) = self.find_session(user, opaque) {
            return s;
        }
        let (x, y, colon) = split_in(user, opaque);
        let s = self.sessions.len() as u32;
        self.sessions.push(Session {
            frags: if colon {
                sorted(x, y)
            } else {
                (x.into(), Box::default())
            },
            colon,
            dialect: d,
            first_frame: obs.frame,
            first_time: obs.time,
            pairs: Vec::new(),
        });
        self.session_by_key
            .entry(session_hash(x, y))
            .or_default()
            .push(s);
        s
    }

    /// The pair of `key` in session `s` (a colon-less session: any pair of `key` whose
    /// session has no colon either — the two directions of a legacy [MS-ICE] session
    /// carry different opaque usernames).
    fn find_pair(&self, key: &PairKey, s: Option<u32>, colon: bool) -> Option<u32> {
        let v = self.pair_by_addr.get(key)?;
        v.iter().rev().copied().find(|&p| {
            let ps = self.pairs[p as usize].session;
            Some(ps) == s || (!colon && !self.sessions[ps as usize].colon)
        })
    }

    /// The latest pair of `key` first seen at or before `frame`.
    fn pair_at(&self, key: &PairKey, frame: u32) -> Option<u32> {
        let v = self.pair_by_addr.get(key)?;
        v.iter()
            .rev()
            .copied()
            .find(|&p| self.pairs[p as usize].first_frame <= frame)
    }

    pub(crate) fn ice_observe<T: AsRef<[u8]>>(
        &mut self,
        obs: &Observation,
        msg: &Message<T>,
        class: Class,
        ans: &mut Answer,
    ) {
        let (src, dst, transport, alloc) = self.agent_view(obs);
        ans.allocation = alloc.map(|i| i + 1);
        // The transaction id and the pair key when used (not for a request without
        // USERNAME: a Binding to a STUN server).
        let tid = || crate::session::txid_key(msg.header());
        let key = || pair_key(transport, src, dst);
        match class {
            Class::Request => {
                if !Facts::has_username(msg) {
                    return;
                }
                let f = &Facts::of(msg);
                let Some(user) = f.username else { return };
                let (tid, key) = (tid(), key());
                let check = Check {
                    obs,
                    f,
                    user,
                    dialect: msg.dialect(),
                    src,
                    transport,
                    alloc,
                    key,
                };
                ans.pair = Some(self.ice_request(&check, tid) + 1);
            }
            Class::SuccessResponse | Class::ErrorResponse => {
                let tid = tid();
                let check = |p: &Pending| matches!(p.kind, PendingKind::Check { .. });
                let Some(Pending {
                    kind:
                        PendingKind::Check {
                            pair,
                            dir,
                            use_candidate,
                        },
                    time,
                    ..
                }) = self.pending.remove_if(&tid, check)
                else {
                    // A response to a request before the capture, or a second response.
                    ans.pair = self.pair_at(&key(), obs.frame).map(|p| p + 1);
                    return;
                };
                ans.pair = Some(pair + 1);
                // Only the response to a check of this capture is worth a walk.
                let f = Facts::of(msg);
                self.ice_response(obs, &f, class, (pair, dir, use_candidate), time);
            }
            Class::Indication => {
                // Binding indications are keep-alives; they belong to the pair if one exists.
                ans.pair = self.pair_at(&key(), obs.frame).map(|p| p + 1);
            }
        }
    }

    /// A connectivity check with USERNAME: a retransmission, or a new check on its pair
    /// (made if new) with its transaction opened. Returns the pair.
    fn ice_request(&mut self, c: &Check<'_, '_>, tid: [u8; 16]) -> u32 {
        let (obs, f) = (c.obs, c.f);
        if let Some(p) = self.pending.get_mut(&tid) {
            if let PendingKind::Check { pair, dir, .. } = p.kind {
                // The same id on the same flow is a retransmission; on another flow it
                // is the same check seen again further along (the relay's other side).
                if p.flow == (obs.src, obs.dst) {
                    self.pairs[pair as usize].dirs[dir as usize].retransmissions += 1;
                    p.time = obs.time;
                }
                return pair;
            }
        }
        let opaque = c.dialect == Dialect::Rfc3489;
        let colon = split_in(c.user, opaque).2;
        // Opaque usernames differ per direction: the other direction's session is
        // the one whose pair has these addresses.
        let other = if colon {
            None
        } else {
            self.find_pair(&c.key, None, false)
        };
        let s = match other {
            Some(p) => self.pairs[p as usize].session,
            None => self.session_for(c.user, obs, c.dialect),
        };
        let p = match self.find_pair(&c.key, Some(s), colon) {
            Some(p) => p,
            None => self.new_pair(c, s),
        };
        let pr = &mut self.pairs[p as usize];
        let dir = pr.dir_of(c.src);
        let d = &mut pr.dirs[dir as usize];
        d.requests += 1;
        d.first_frame.get_or_insert(obs.frame);
        d.controlling |= f.controlling;
        d.controlled |= f.controlled;
        if f.use_candidate {
            d.use_candidate += 1;
            pr.first_use_candidate_frame.get_or_insert(obs.frame);
        }
        pr.open += 1;
        pr.update_state(obs.frame);
        // A stale Pending of another kind under this id is replaced (in its slot).
        self.open(
            tid,
            obs,
            PendingKind::Check {
                pair: p,
                dir,
                use_candidate: f.use_candidate,
            },
        );
        p
    }

    /// A new candidate pair of session `s` for the check `c`.
    fn new_pair(&mut self, c: &Check<'_, '_>, s: u32) -> u32 {
        let p = self.pairs.len() as u32;
        self.pairs.push(Pair {
            session: s,
            a: c.key.1,
            b: c.key.2,
            transport: c.transport,
            carrier: crate::carrier_key(c.obs.carrier),
            allocation: c.alloc,
            first_frame: c.obs.frame,
            first_time: c.obs.time,
            dirs: [Dir::default(); 2],
            history: vec![(c.obs.frame, PairState::InProgress)],
            nominated_frame: None,
            first_use_candidate_frame: None,
            valid_frame: None,
            valid_time: None,
            open: 0,
        });
        self.pair_by_addr.entry(c.key).or_default().push(p);
        self.sessions[s as usize].pairs.push(p);
        p
    }

    /// The response to an open check (`pair`, direction, USE-CANDIDATE) sent at
    /// `sent`: counters, RTT, nomination, the pair's state and its findings.
    fn ice_response(
        &mut self,
        obs: &Observation,
        f: &Facts<'_>,
        class: Class,
        (pair, dir, use_candidate): (u32, u8, bool),
        sent: f64,
    ) {
        let pr = &mut self.pairs[pair as usize];
        pr.open = pr.open.saturating_sub(1);
        let d = &mut pr.dirs[dir as usize];
        if class == Class::SuccessResponse {
            d.success(obs, (obs.time - sent).max(0.0));
            if use_candidate && pr.nominated_frame.is_none() {
                pr.nominated_frame = Some(obs.frame);
            }
        } else {
            d.errors += 1;
            d.last_error = f.error;
            if f.error == Some(487) {
                d.role_conflicts += 1;
            }
        }
        let was = pr.state();
        pr.update_state(obs.frame);
        let now = pr.state();
        if now >= PairState::Valid
            && now != PairState::Failed
            && was < PairState::Valid
            && pr.valid_frame.is_none()
        {
            pr.valid_frame = Some(obs.frame);
            pr.valid_time = Some(obs.time);
            let (s, detail) = (pr.session, format!("{} <-> {}", pr.a, pr.b));
            self.found(
                Finding::new(Event::PairValid, obs.frame)
                    .pair(s, pair)
                    .detail(detail),
            );
        }
        if f.error == Some(487) && class == Class::ErrorResponse {
            let s = self.pairs[pair as usize].session;
            self.found(Finding::new(Event::RoleConflict, obs.frame).pair(s, pair));
        }
    }

    pub(crate) fn ice_answer<T: AsRef<[u8]>>(
        &self,
        obs: &Observation,
        msg: &Message<T>,
        f: &Facts<'_>,
        class: Class,
        ans: &mut Answer,
    ) {
        let (src, dst, transport, alloc) = self.agent_view(obs);
        ans.allocation = alloc.map(|i| i + 1);
        let key = pair_key(transport, src, dst);
        ans.pair = match (class, f.username) {
            (Class::Request, Some(u)) => {
                let opaque = msg.dialect() == Dialect::Rfc3489;
                let colon = split_in(u, opaque).2;
                let s = self.find_session(u, opaque);
                self.find_pair(&key, s, colon)
                    .or_else(|| self.pair_at(&key, obs.frame))
            }
            (Class::Request, None) => None,
            _ => self.pair_at(&key, obs.frame),
        }
        .map(|p| p + 1);
    }
}

impl Analysis {
    /// Sessions without a valid pair and with no check open: `checks_one_way` per pair
    /// answered in one direction only, `checks_unanswered` when no check of the session was
    /// answered at all.
    pub(crate) fn failed_sessions(&mut self) {
        let mut out = Vec::new();
        for (si, s) in self.sessions.iter().enumerate() {
            let pairs: Vec<&Pair> = s.pairs.iter().map(|&p| &self.pairs[p as usize]).collect();
            if pairs
                .iter()
                .any(|p| p.open > 0 || matches!(p.state(), PairState::Valid | PairState::Nominated))
            {
                continue;
            }
            let mut any_answer = false;
            for (&pi, p) in s.pairs.iter().zip(&pairs) {
                let ok = [p.dirs[0].successes > 0, p.dirs[1].successes > 0];
                any_answer |= ok[0] || ok[1] || p.dirs.iter().any(|d| d.errors > 0);
                let failing = match ok {
                    [true, false] => 1,
                    [false, true] => 0,
                    _ => continue,
                };
                let d = &p.dirs[failing];
                let Some(frame) = d.first_frame.filter(|_| d.requests > 0 && d.errors == 0) else {
                    continue;
                };
                // Direction 0 runs a → b: the failing direction's checks go to `silent`.
                let (from, silent) = if failing == 0 { (p.a, p.b) } else { (p.b, p.a) };
                let good = &p.dirs[1 - failing];
                out.push(
                    Finding::new(Event::ChecksOneWay, frame)
                        .pair(si as u32, pi)
                        .detail(format!(
                            "checks {silent} -> {from} answered, {from} -> {silent} unanswered ({} checks, {} transmissions): {silent} does not answer",
                            d.requests, d.requests + d.retransmissions
                        ))
                        .with_frames(good.first_success_frame),
                );
            }
            if !any_answer {
                let requests: u32 = pairs
                    .iter()
                    .map(|p| p.dirs[0].requests + p.dirs[1].requests)
                    .sum();
                let sent: u32 = pairs
                    .iter()
                    .flat_map(|p| p.dirs.iter())
                    .map(|d| d.requests + d.retransmissions)
                    .sum();
                // One check sent once and never again is no ICE attempt (an agent retries).
                if sent < 2 {
                    continue;
                }
                let firsts = pairs
                    .iter()
                    .flat_map(|p| p.dirs.iter().filter_map(|d| d.first_frame));
                out.push(
                    Finding::new(Event::ChecksUnanswered, s.first_frame)
                        .session(si as u32)
                        .detail(format!(
                            "{} checks on {} pairs, none answered",
                            requests,
                            pairs.len()
                        ))
                        .with_frames(firsts.take(8)),
                );
            }
        }
        for f in out {
            self.found(f);
        }
    }
}
