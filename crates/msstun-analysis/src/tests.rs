//! Unit tests: every event, and its absence where nothing is wrong; re-dissection answers;
//! state growth. Messages come from the parser's encoder (`msstun::build`).

use std::net::SocketAddr;

use msstun::build::MessageBuilder;
use msstun::framing::Transport;
use msstun::registry::method as m;
use msstun::{Class, Dialect, Message};

use crate::*;

const USERNAME: u16 = 0x0006;
const LIFETIME: u16 = 0x000D;
const XOR_PEER: u16 = 0x0012;
const XOR_RELAYED: u16 = 0x0016;
const XOR_MAPPED: u16 = 0x0020;
const CHANNEL: u16 = 0x000C;
const DATA: u16 = 0x0013;
const REQ_TRANSPORT: u16 = 0x0019;
const CONN_ID: u16 = 0x002A;
const PRIORITY: u16 = 0x0024;
const USE_CANDIDATE: u16 = 0x0025;
const CONTROLLING: u16 = 0x802A;

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn tid(n: u32) -> [u8; 12] {
    let mut t = [0x5a; 12];
    t[8..].copy_from_slice(&n.to_be_bytes());
    t
}

fn b(method: u16, class: Class, n: u32) -> MessageBuilder {
    MessageBuilder::new(Dialect::Rfc5389, method, class, &tid(n))
}

fn channel_attr(ch: u16) -> [u8; 4] {
    let c = ch.to_be_bytes();
    [c[0], c[1], 0, 0]
}

/// A fed analysis with a frame counter.
struct Feed {
    an: Analysis,
    frame: u32,
    client: SocketAddr,
    server: SocketAddr,
    transport: Transport,
}

impl Feed {
    fn new() -> Self {
        Feed {
            an: Analysis::new(),
            frame: 0,
            client: sa("10.0.0.1:40000"),
            server: sa("10.0.0.9:3478"),
            transport: Transport::Udp,
        }
    }
    fn obs(&mut self, t: f64, src: SocketAddr, dst: SocketAddr) -> Observation {
        self.frame += 1;
        Observation::direct(self.frame, t, self.transport, src, dst)
    }
    fn at(&mut self, t: f64, src: SocketAddr, dst: SocketAddr, bytes: Vec<u8>) -> Answer {
        let o = self.obs(t, src, dst);
        self.an
            .observe(&o, &Message::new_checked(&bytes[..]).unwrap())
    }
    fn carried(
        &mut self,
        t: f64,
        src: SocketAddr,
        dst: SocketAddr,
        c: Carried,
        bytes: Vec<u8>,
    ) -> Answer {
        let o = self.obs(t, src, dst).with_carrier(c);
        self.an
            .observe(&o, &Message::new_checked(&bytes[..]).unwrap())
    }
    fn up(&mut self, t: f64, mb: MessageBuilder) -> Answer {
        let (c, s) = (self.client, self.server);
        self.at(t, c, s, mb.finish())
    }
    fn down(&mut self, t: f64, mb: MessageBuilder) -> Answer {
        let (c, s) = (self.client, self.server);
        self.at(t, s, c, mb.finish())
    }
    fn relayed(&mut self, t: f64, up: bool, c: Carried, len: usize) -> Answer {
        let (cl, s) = (self.client, self.server);
        let o = if up {
            self.obs(t, cl, s)
        } else {
            self.obs(t, s, cl)
        }
        .with_carrier(c);
        self.an.observe_relayed(&o, len)
    }
    /// 401, Allocate, success with `lifetime`: frames 1–4. Relayed 10.0.0.9:50000.
    fn allocate(&mut self, t: f64, lifetime: u32) -> Answer {
        self.up(
            t,
            b(m::ALLOCATE, Class::Request, 1).attr_u32(REQ_TRANSPORT, 17 << 24),
        );
        self.down(
            t,
            b(m::ALLOCATE, Class::ErrorResponse, 1).error_code(401, "Unauthorized"),
        );
        self.up(
            t,
            b(m::ALLOCATE, Class::Request, 2)
                .attr_u32(REQ_TRANSPORT, 17 << 24)
                .attr_u32(LIFETIME, lifetime)
                .string(USERNAME, "alice")
                .string(0x0014, "example.org"),
        );
        let relayed = sa("10.0.0.9:50000");
        let mapped = self.client;
        self.down(
            t,
            b(m::ALLOCATE, Class::SuccessResponse, 2)
                .xor_address(XOR_RELAYED, relayed)
                .xor_address(XOR_MAPPED, mapped)
                .attr_u32(LIFETIME, lifetime),
        )
    }
    fn events(&self) -> Vec<(u32, Vec<Event>)> {
        self.an
            .all_events()
            .into_iter()
            .map(|(f, e)| (f, e.iter().collect()))
            .collect()
    }
    fn has(&self, e: Event) -> bool {
        self.an.all_events().iter().any(|(_, x)| x.contains(e))
    }
}

#[test]
fn allocate_refresh_delete() {
    let mut f = Feed::new();
    let a = f.allocate(0.0, 600);
    assert_eq!(a.allocation, Some(1));
    assert_eq!(a.alloc_state, Some(AllocState::Active));
    let r = f.up(
        300.0,
        b(m::REFRESH, Class::Request, 3).attr_u32(LIFETIME, 600),
    );
    assert_eq!(r.allocation, Some(1));
    f.down(
        300.0,
        b(m::REFRESH, Class::SuccessResponse, 3).attr_u32(LIFETIME, 600),
    );
    f.up(
        400.0,
        b(m::REFRESH, Class::Request, 4).attr_u32(LIFETIME, 0),
    );
    let d = f.down(
        400.0,
        b(m::REFRESH, Class::SuccessResponse, 4).attr_u32(LIFETIME, 0),
    );
    assert_eq!(d.alloc_state, Some(AllocState::Deleted));
    f.an.finish(None);
    // The 401 of the first Allocate, answered by the authenticated retry: normal (chat).
    assert_eq!(f.events(), vec![(2, vec![Event::AuthChallenge])]);
    let ch = &f.an.findings()[0];
    assert_eq!(
        (ch.frames.as_slice(), ch.severity),
        (&[1, 2, 4][..], "chat")
    );
    let rep = f.an.report();
    let al = &rep.allocations[0];
    assert_eq!(al.relayed.as_deref(), Some("10.0.0.9:50000"));
    assert_eq!(al.mapped.as_deref(), Some("10.0.0.1:40000"));
    assert_eq!(al.username.as_deref(), Some("alice"));
    assert_eq!(al.realm.as_deref(), Some("example.org"));
    assert_eq!(al.granted_lifetime, Some(600));
    assert_eq!(al.refreshes.len(), 2);
    assert_eq!(al.refreshes[1].granted, Some(0));
    assert_eq!(al.end.state, "deleted");
    assert_eq!(al.end.frame, Some(8));
    assert_eq!(al.auth.errors, vec![(401, 1)]);
    // A new Allocate on the same 5-tuple after deletion is a new allocation.
    let n = f.up(500.0, b(m::ALLOCATE, Class::Request, 9));
    assert_eq!(n.allocation, Some(2));
    // Re-dissection: frame 2 (the 401) and frame 8 (the delete) as of their frames.
    let rebuild = |n: u32, class: Class, down: bool| {
        let bytes = b(if n < 5 { m::ALLOCATE } else { m::REFRESH }, class, n).finish();
        let (src, dst) = if down {
            (sa("10.0.0.9:3478"), sa("10.0.0.1:40000"))
        } else {
            (sa("10.0.0.1:40000"), sa("10.0.0.9:3478"))
        };
        (bytes, src, dst)
    };
    let (bytes, src, dst) = rebuild(2, Class::ErrorResponse, true);
    let o = Observation::direct(2, 0.0, Transport::Udp, src, dst);
    let ans = f.an.answer(&o, &Message::new_checked(&bytes[..]).unwrap());
    assert_eq!(
        (ans.allocation, ans.alloc_state),
        (Some(1), Some(AllocState::Pending))
    );
    let (bytes, src, dst) = rebuild(4, Class::SuccessResponse, true);
    let o = Observation::direct(8, 400.0, Transport::Udp, src, dst);
    let ans = f.an.answer(&o, &Message::new_checked(&bytes[..]).unwrap());
    assert_eq!(
        (ans.allocation, ans.alloc_state),
        (Some(1), Some(AllocState::Deleted))
    );
}

#[test]
fn allocation_expired_and_its_absence() {
    let mut f = Feed::new();
    f.allocate(0.0, 60);
    // Something else in the capture later than the lifetime.
    let other = sa("10.0.0.2:1000");
    let s = f.server;
    f.at(100.0, other, s, b(m::BINDING, Class::Request, 50).finish());
    f.an.finish(None);
    assert_eq!(
        f.events(),
        vec![
            (2, vec![Event::AuthChallenge]),
            (4, vec![Event::AllocationExpired])
        ]
    );
    let rep = f.an.report();
    assert_eq!(rep.allocations[0].end.state, "expired");
    assert_eq!(rep.allocations[0].end.time, Some(60.0));

    // Refreshed in time: alive at the end, no event.
    let mut f = Feed::new();
    f.allocate(0.0, 60);
    f.up(
        50.0,
        b(m::REFRESH, Class::Request, 3).attr_u32(LIFETIME, 60),
    );
    f.down(
        50.0,
        b(m::REFRESH, Class::SuccessResponse, 3).attr_u32(LIFETIME, 60),
    );
    f.at(100.0, other, s, b(m::BINDING, Class::Request, 50).finish());
    f.an.finish(None);
    assert!(!f.has(Event::AllocationExpired));
    let rep = f.an.report();
    assert_eq!(rep.allocations[0].end.state, "active");
    assert_eq!(rep.allocations[0].end.expires_at, Some(110.0));
}

#[test]
fn refresh_after_expiry_and_its_absence() {
    let mut f = Feed::new();
    f.allocate(0.0, 60);
    let r = f.up(
        90.0,
        b(m::REFRESH, Class::Request, 3).attr_u32(LIFETIME, 60),
    );
    assert!(r.events.contains(Event::RefreshAfterExpiry));
    assert_eq!(r.alloc_state, Some(AllocState::Expired));
    let e = f.down(
        90.0,
        b(m::REFRESH, Class::ErrorResponse, 3).error_code(437, "Allocation Mismatch"),
    );
    assert_eq!(e.allocation, Some(1));
    assert!(f.has(Event::AllocationExpired));
    assert_eq!(
        f.an.report().allocations[0].auth.errors,
        vec![(401, 1), (437, 1)]
    );

    let mut f = Feed::new();
    f.allocate(0.0, 60);
    let r = f.up(
        59.0,
        b(m::REFRESH, Class::Request, 3).attr_u32(LIFETIME, 60),
    );
    assert!(r.events.is_empty());
    assert_eq!(r.alloc_state, Some(AllocState::Active));
}

#[test]
fn permissions_and_data_events() {
    let mut f = Feed::new();
    f.allocate(0.0, 3600);
    let peer = sa("192.0.2.7:5000");
    let stranger = sa("198.51.100.1:6000");
    f.up(
        1.0,
        b(m::CREATE_PERMISSION, Class::Request, 3).xor_address(XOR_PEER, peer),
    );
    f.down(1.0, b(m::CREATE_PERMISSION, Class::SuccessResponse, 3));
    let ok = f.up(
        2.0,
        b(m::SEND, Class::Indication, 4)
            .xor_address(XOR_PEER, peer)
            .attr(DATA, &[0x80; 100]),
    );
    assert!(ok.events.is_empty(), "{:?}", ok.events);
    assert_eq!(ok.allocation, Some(1));
    let bad = f.up(
        3.0,
        b(m::SEND, Class::Indication, 5)
            .xor_address(XOR_PEER, stranger)
            .attr(DATA, &[0x80; 10]),
    );
    assert!(bad.events.contains(Event::NoPermission));
    let back = f.down(
        4.0,
        b(m::DATA, Class::Indication, 6)
            .xor_address(XOR_PEER, peer)
            .attr(DATA, &[0x80; 50]),
    );
    assert!(back.events.is_empty());
    let late = f.up(
        302.5,
        b(m::SEND, Class::Indication, 7)
            .xor_address(XOR_PEER, peer)
            .attr(DATA, &[0x80; 1]),
    );
    assert!(late.events.contains(Event::PermissionExpired));
    assert!(!late.events.contains(Event::NoPermission));
    // Once per episode: the stranger again, the lapsed peer again.
    for (n, who) in [(8, stranger), (9, peer)] {
        let again = f.up(
            303.0,
            b(m::SEND, Class::Indication, n)
                .xor_address(XOR_PEER, who)
                .attr(DATA, &[0x80; 1]),
        );
        assert!(again.events.is_empty(), "{who}");
    }
    let rep = f.an.report();
    let t = &rep.allocations[0].traffic;
    assert_eq!((t[0].to_peer_packets, t[0].to_peer_bytes), (3, 102));
    assert_eq!((t[0].from_peer_packets, t[0].from_peer_bytes), (1, 50));
    assert_eq!((t[1].to_peer_packets, t[1].to_peer_bytes), (2, 11));
    assert_eq!(rep.allocations[0].auth.denied_packets, 4);
    assert!(rep.allocations[0].permissions[0].expired);
}

#[test]
fn channels_and_channel_expiry() {
    let mut f = Feed::new();
    f.allocate(0.0, 3600);
    let peer = sa("192.0.2.7:5000");
    f.up(
        1.0,
        b(m::CHANNEL_BIND, Class::Request, 3)
            .attr(CHANNEL, &channel_attr(0x4000))
            .xor_address(XOR_PEER, peer),
    );
    f.down(1.0, b(m::CHANNEL_BIND, Class::SuccessResponse, 3));
    let ok = f.relayed(2.0, true, Carried::channel_data(0x4000), 160);
    assert!(ok.events.is_empty());
    assert_eq!(ok.allocation, Some(1));
    f.relayed(2.1, false, Carried::channel_data(0x4000), 172);
    // Permission refreshed by a CreatePermission at 250 s keeps the peer permitted, but the
    // channel binding itself still runs out at 601 s.
    f.up(
        250.0,
        b(m::CREATE_PERMISSION, Class::Request, 4).xor_address(XOR_PEER, peer),
    );
    f.down(250.0, b(m::CREATE_PERMISSION, Class::SuccessResponse, 4));
    let still = f.relayed(500.0, true, Carried::channel_data(0x4000), 10);
    assert!(still.events.is_empty(), "{:?}", still.events);
    let late = f.relayed(601.5, true, Carried::channel_data(0x4000), 10);
    assert!(late.events.contains(Event::ChannelExpired));
    let unbound = f.relayed(602.0, true, Carried::channel_data(0x4001), 10);
    assert!(unbound.events.contains(Event::NoPermission));
    // The rest of the episode is counted, not raised again (no state per packet).
    for k in 0..1000 {
        let more = f.relayed(603.0 + k as f64, true, Carried::channel_data(0x4001), 10);
        assert!(more.events.is_empty());
        let late = f.relayed(603.0 + k as f64, true, Carried::channel_data(0x4000), 10);
        assert!(late.events.is_empty());
    }
    assert_eq!(f.an.report().allocations[0].auth.denied_packets, 2002);
    let rep = f.an.report();
    let a = &rep.allocations[0];
    assert_eq!(a.channels[0].number, 0x4000);
    assert_eq!(a.channels[0].peer, "192.0.2.7:5000");
    assert!(a.channels[0].expired);
    assert_eq!(a.permissions[0].refreshes, 1);
    // 2 before expiry, the late one, 1000 more late ones; the unbound channel has no peer.
    assert_eq!(a.traffic[0].to_peer_packets, 1003);
    assert_eq!(a.traffic[0].to_peer_bytes, 10_180);
    assert_eq!(a.traffic[0].from_peer_bytes, 172);
}

#[test]
fn stale_nonce_loop_and_its_absence() {
    let mut f = Feed::new();
    f.allocate(0.0, 3600);
    for i in 0..3 {
        f.up(10.0 + i as f64, b(m::REFRESH, Class::Request, 10 + i));
        let a = f.down(
            10.0 + i as f64,
            b(m::REFRESH, Class::ErrorResponse, 10 + i).error_code(438, "Stale Nonce"),
        );
        assert_eq!(a.events.contains(Event::StaleNonceLoop), i == 2, "{i}");
    }
    assert_eq!(f.an.report().allocations[0].auth.stale_nonce_loops, 1);

    // One 438 then success (the normal nonce renewal): no loop.
    let mut f = Feed::new();
    f.allocate(0.0, 3600);
    for i in 0..2 {
        f.up(10.0, b(m::REFRESH, Class::Request, 10 + i));
        f.down(
            10.0,
            b(m::REFRESH, Class::ErrorResponse, 10 + i).error_code(438, "Stale Nonce"),
        );
        f.up(10.0, b(m::REFRESH, Class::Request, 20 + i));
        f.down(10.0, b(m::REFRESH, Class::SuccessResponse, 20 + i));
    }
    assert!(!f.has(Event::StaleNonceLoop));
    assert_eq!(
        f.an.report().allocations[0].auth.errors,
        vec![(401, 1), (438, 2)]
    );
}

#[test]
fn allocate_failure() {
    let mut f = Feed::new();
    f.up(0.0, b(m::ALLOCATE, Class::Request, 1));
    let e = f.down(
        0.0,
        b(m::ALLOCATE, Class::ErrorResponse, 1).error_code(486, "Allocation Quota Reached"),
    );
    assert_eq!(e.alloc_state, Some(AllocState::Failed));
    let again = f.up(1.0, b(m::ALLOCATE, Class::Request, 2));
    assert_eq!(again.allocation, Some(2));
}

fn check(n: u32, user: &str) -> MessageBuilder {
    b(m::BINDING, Class::Request, n)
        .string(USERNAME, user)
        .attr_u32(PRIORITY, 1)
}

struct Ice {
    f: Feed,
    l: SocketAddr,
    r: SocketAddr,
}

impl Ice {
    fn new() -> Self {
        Ice {
            f: Feed::new(),
            l: sa("10.0.0.1:5000"),
            r: sa("10.0.0.2:6000"),
        }
    }
    fn lr(&mut self, t: f64, mb: MessageBuilder) -> Answer {
        let (l, r) = (self.l, self.r);
        self.f.at(t, l, r, mb.finish())
    }
    fn rl(&mut self, t: f64, mb: MessageBuilder) -> Answer {
        let (l, r) = (self.l, self.r);
        self.f.at(t, r, l, mb.finish())
    }
}

#[test]
fn pair_valid_needs_both_directions() {
    let mut i = Ice::new();
    let a = i.lr(0.0, check(1, "R:L").flag(CONTROLLING));
    assert_eq!(
        (a.ice_session, a.pair, a.pair_state),
        (Some(1), Some(1), Some(PairState::InProgress))
    );
    let a = i.rl(0.01, b(m::BINDING, Class::SuccessResponse, 1));
    assert_eq!(a.pair_state, Some(PairState::SucceededOneWay));
    assert!(a.events.is_empty());
    let a = i.rl(0.02, check(2, "L:R"));
    assert_eq!(
        a.pair,
        Some(1),
        "the reverse check is the same pair and session"
    );
    let a = i.lr(0.03, b(m::BINDING, Class::SuccessResponse, 2));
    assert_eq!(a.pair_state, Some(PairState::Valid));
    assert!(a.events.contains(Event::PairValid));
    // Later checks on a valid pair raise nothing.
    i.lr(1.0, check(3, "R:L"));
    let a = i.rl(1.01, b(m::BINDING, Class::SuccessResponse, 3));
    assert!(a.events.is_empty());
    i.f.an.finish(None);
    assert_eq!(i.f.events(), vec![(4, vec![Event::PairValid])]);
    let rep = i.f.an.report();
    let s = &rep.ice_sessions[0];
    assert_eq!(s.ufrags, vec!["L", "R"]);
    assert_eq!(s.valid_pairs, vec![1]);
    assert_eq!(s.pairs[0].a_to_b.requests, 2);
    assert_eq!(s.pairs[0].a_to_b.role, "controlling");
    assert_eq!(s.pairs[0].b_to_a.successes, 1);
    assert!((s.pairs[0].a_to_b.rtt_avg.unwrap() - 0.01).abs() < 1e-9);
    // Re-dissection in reverse order: each frame's state as of that frame.
    let frames = [
        (4, PairState::Valid, Class::SuccessResponse, 2, true),
        (
            2,
            PairState::SucceededOneWay,
            Class::SuccessResponse,
            1,
            false,
        ),
        (1, PairState::InProgress, Class::Request, 1, true),
    ];
    for (frame, want, class, n, lr) in frames {
        let bytes = if class == Class::Request {
            check(n, "R:L").finish()
        } else {
            b(m::BINDING, class, n).finish()
        };
        let (src, dst) = if lr { (i.l, i.r) } else { (i.r, i.l) };
        let o = Observation::direct(frame, 0.0, Transport::Udp, src, dst);
        let ans =
            i.f.an
                .answer(&o, &Message::new_checked(&bytes[..]).unwrap());
        assert_eq!(
            (ans.pair, ans.pair_state, ans.pair_final),
            (Some(1), Some(want), Some(PairState::Valid)),
            "frame {frame}"
        );
    }
}

#[test]
fn one_way_only_is_not_valid() {
    let mut i = Ice::new();
    i.lr(0.0, check(1, "R:L"));
    i.rl(0.01, b(m::BINDING, Class::SuccessResponse, 1));
    i.f.an.finish(None);
    assert!(!i.f.has(Event::PairValid));
    assert!(!i.f.has(Event::CheckUnanswered));
    assert_eq!(
        i.f.an.report().ice_sessions[0].pairs[0].state,
        "succeeded-one-way"
    );
}

#[test]
fn check_unanswered_and_retransmissions() {
    let mut i = Ice::new();
    i.lr(0.0, check(1, "R:L"));
    let re = i.lr(0.5, check(1, "R:L"));
    assert_eq!(re.pair, Some(1));
    // Live snapshot 10 s later: not yet "never answered".
    i.f.an.finish(Some(10.0));
    assert!(!i.f.has(Event::CheckUnanswered));
    // 40 s later, a message elsewhere prunes it.
    let other = i.f.at(
        41.0,
        sa("10.0.0.3:1"),
        sa("10.0.0.4:2"),
        check(9, "X:Y").finish(),
    );
    assert_eq!(other.pair, Some(2));
    assert_eq!(i.f.events(), vec![(1, vec![Event::CheckUnanswered])]);
    i.f.an.finish(None);
    let rep = i.f.an.report();
    let p = &rep.ice_sessions[0].pairs[0];
    assert_eq!(
        (
            p.a_to_b.requests,
            p.a_to_b.retransmissions,
            p.a_to_b.unanswered
        ),
        (1, 1, 1)
    );
    assert_eq!(p.state, "failed");
    // The end of the capture answers for the second check too.
    assert!(i.f.an.events_at(3).contains(Event::CheckUnanswered));
}

#[test]
fn role_conflict_and_its_absence() {
    let mut i = Ice::new();
    i.lr(0.0, check(1, "R:L").flag(CONTROLLING));
    let e = i.rl(
        0.01,
        b(m::BINDING, Class::ErrorResponse, 1).error_code(487, "Role Conflict"),
    );
    assert!(e.events.contains(Event::RoleConflict));
    assert_eq!(e.pair_state, Some(PairState::Failed));
    i.lr(0.02, check(2, "R:L"));
    let ok = i.rl(0.03, b(m::BINDING, Class::SuccessResponse, 2));
    assert!(ok.events.is_empty());
    assert_eq!(ok.pair_state, Some(PairState::SucceededOneWay));
    assert_eq!(
        i.f.an.report().ice_sessions[0].pairs[0]
            .a_to_b
            .role_conflicts,
        1
    );

    let mut i = Ice::new();
    i.lr(0.0, check(1, "R:L"));
    let e = i.rl(
        0.01,
        b(m::BINDING, Class::ErrorResponse, 1).error_code(400, "Bad Request"),
    );
    assert!(!e.events.contains(Event::RoleConflict));
}

#[test]
fn nomination() {
    // Nominated after both directions succeeded.
    let mut i = Ice::new();
    i.lr(0.0, check(1, "R:L"));
    i.rl(0.0, b(m::BINDING, Class::SuccessResponse, 1));
    i.rl(0.0, check(2, "L:R"));
    i.lr(0.0, b(m::BINDING, Class::SuccessResponse, 2));
    i.lr(0.1, check(3, "R:L").flag(USE_CANDIDATE));
    let a = i.rl(0.1, b(m::BINDING, Class::SuccessResponse, 3));
    assert_eq!(a.pair_state, Some(PairState::Nominated));
    i.f.an.finish(None);
    assert!(!i.f.has(Event::NominationWithoutSuccess));
    assert_eq!(i.f.an.report().ice_sessions[0].nominated_pair, Some(1));

    // USE-CANDIDATE on a pair whose checks never succeed.
    let mut i = Ice::new();
    i.lr(0.0, check(1, "R:L").flag(USE_CANDIDATE));
    i.rl(0.0, check(2, "L:R"));
    i.lr(
        0.0,
        b(m::BINDING, Class::ErrorResponse, 2).error_code(401, "Unauthorized"),
    );
    i.f.an.finish(None);
    assert_eq!(
        i.f.events(),
        vec![(
            1,
            vec![Event::CheckUnanswered, Event::NominationWithoutSuccess]
        )]
    );
    assert_eq!(i.f.an.report().ice_sessions[0].nominated_pair, None);
}

#[test]
fn ice_through_a_channel_is_the_relayed_pair() {
    let mut f = Feed::new();
    f.allocate(0.0, 600);
    let peer = sa("192.0.2.7:5000");
    f.up(
        1.0,
        b(m::CHANNEL_BIND, Class::Request, 3)
            .attr(CHANNEL, &channel_attr(0x4000))
            .xor_address(XOR_PEER, peer),
    );
    f.down(1.0, b(m::CHANNEL_BIND, Class::SuccessResponse, 3));
    let (c, s) = (f.client, f.server);
    let ch = Carried::channel_data(0x4000);
    let a = f.carried(2.0, c, s, ch, check(10, "R:L").finish());
    assert_eq!((a.allocation, a.pair), (Some(1), Some(1)));
    f.carried(
        2.01,
        s,
        c,
        ch,
        b(m::BINDING, Class::SuccessResponse, 10).finish(),
    );
    // The peer's check arrives in a Data indication, answered in a Send indication.
    let d = Carried::data_attribute(peer);
    f.carried(2.02, s, c, d, check(11, "L:R").finish());
    let v = f.carried(
        2.03,
        c,
        s,
        d,
        b(m::BINDING, Class::SuccessResponse, 11).finish(),
    );
    assert_eq!(v.pair_state, Some(PairState::Valid));
    let rep = f.an.report();
    let p = &rep.ice_sessions[0].pairs[0];
    assert_eq!(
        (p.a.as_str(), p.b.as_str()),
        ("10.0.0.9:50000", "192.0.2.7:5000")
    );
    assert_eq!((p.carrier, p.allocation), ("channel", Some(1)));
    // The same check seen directly at the peer (another capture point) is the same pair.
    let g = f.at(2.0, sa("10.0.0.9:50000"), peer, check(12, "R:L").finish());
    assert_eq!(g.pair, Some(1));
}

#[test]
fn rfc6062_data_connection() {
    let mut f = Feed::new();
    f.transport = Transport::Tcp;
    f.up(
        0.0,
        b(m::ALLOCATE, Class::Request, 1).attr_u32(REQ_TRANSPORT, 6 << 24),
    );
    f.down(
        0.0,
        b(m::ALLOCATE, Class::SuccessResponse, 1)
            .xor_address(XOR_RELAYED, sa("10.0.0.9:24000"))
            .attr_u32(LIFETIME, 600),
    );
    let peer = sa("192.168.1.252:53577");
    f.up(
        0.1,
        b(m::CREATE_PERMISSION, Class::Request, 2).xor_address(XOR_PEER, peer),
    );
    f.down(0.1, b(m::CREATE_PERMISSION, Class::SuccessResponse, 2));
    let at = f.down(
        0.2,
        b(m::CONNECTION_ATTEMPT, Class::Indication, 3)
            .attr_u32(CONN_ID, 0x2b7f_0001)
            .xor_address(XOR_PEER, peer),
    );
    assert_eq!(at.allocation, Some(1));
    let dc = sa("10.0.0.1:40002");
    let s = f.server;
    let o = f.obs(0.3, dc, s).with_tcp_stream(1);
    let bind = b(m::CONNECTION_BIND, Class::Request, 4)
        .attr_u32(CONN_ID, 0x2b7f_0001)
        .finish();
    assert_eq!(
        f.an.observe(&o, &Message::new_checked(&bind[..]).unwrap())
            .allocation,
        Some(1)
    );
    f.at(
        0.3,
        s,
        dc,
        b(m::CONNECTION_BIND, Class::SuccessResponse, 4).finish(),
    );
    let t = Carried::from(Carrier::DataConnection);
    let c1 = f.carried(0.4, s, dc, t, check(5, "MRAv:a9Xy").finish());
    assert_eq!((c1.allocation, c1.pair), (Some(1), Some(1)));
    f.carried(
        0.41,
        dc,
        s,
        t,
        b(m::BINDING, Class::SuccessResponse, 5).finish(),
    );
    f.carried(0.42, dc, s, t, check(6, "a9Xy:MRAv").finish());
    let v = f.carried(
        0.43,
        s,
        dc,
        t,
        b(m::BINDING, Class::SuccessResponse, 6).finish(),
    );
    assert_eq!(v.pair_state, Some(PairState::Valid));
    assert!(v.events.contains(Event::PairValid));
    let o = f.obs(0.5, dc, s).with_carrier(t);
    assert_eq!(f.an.observe_relayed(&o, 172).allocation, Some(1));
    f.an.finish(None);
    let rep = f.an.report();
    let d = &rep.allocations[0].data_connections[0];
    assert_eq!(
        (d.connection_id, d.peer.as_str(), d.via),
        (0x2b7f_0001, "192.168.1.252:53577", "attempt")
    );
    assert_eq!(
        (d.tcp_stream, d.bind_result.as_str(), d.client.as_deref()),
        (Some(1), "ok", Some("10.0.0.1:40002"))
    );
    assert_eq!(rep.allocations[0].traffic[0].to_peer_bytes, 172);
    let p = &rep.ice_sessions[0].pairs[0];
    assert_eq!(
        (p.a.as_str(), p.b.as_str(), p.transport, p.carrier),
        ("10.0.0.9:24000", "192.168.1.252:53577", "tcp", "tcp-data")
    );
    assert!(!f.has(Event::NoPermission));
}

#[test]
fn state_grows_with_pairs_not_messages() {
    let mut i = Ice::new();
    for n in 0..20_000u32 {
        let t = n as f64 * 0.02;
        if n % 2 == 0 {
            i.lr(t, check(n, "R:L"));
            i.rl(t, b(m::BINDING, Class::SuccessResponse, n));
        } else {
            i.rl(t, check(n, "L:R"));
            i.lr(t, b(m::BINDING, Class::SuccessResponse, n));
        }
    }
    let an = &i.f.an;
    assert_eq!(
        (an.pair_count(), an.session_count(), an.open_transactions()),
        (1, 1, 0)
    );
    assert_eq!(an.all_events().len(), 1);
    assert_eq!(an.pairs[0].history.len(), 3);
    // Unanswered checks are pruned after the timeout, and raise one event per run.
    let mut i = Ice::new();
    for n in 0..10_000u32 {
        i.lr(n as f64, check(n, "R:L"));
    }
    assert!(i.f.an.open_transactions() <= 41);
    i.f.an.finish(None);
    assert_eq!(
        i.f.an.all_events(),
        vec![(
            1,
            Events::from_iter([Event::CheckUnanswered, Event::ChecksUnanswered])
        )]
    );
    assert_eq!(
        i.f.an.report().ice_sessions[0].pairs[0].a_to_b.unanswered,
        10_000
    );
}

#[test]
fn renderers() {
    let mut f = Feed::new();
    f.allocate(0.0, 600);
    let mut i = Ice::new();
    i.f = f;
    i.lr(1.0, check(1, "R:L"));
    i.rl(1.0, b(m::BINDING, Class::SuccessResponse, 1));
    i.f.an.finish(None);
    let r = i.f.an.report();
    let t = render::text(&r);
    assert!(t.contains("MS-STUN allocations: 1"), "{t}");
    assert!(t.contains("relayed 10.0.0.9:50000"), "{t}");
    assert!(t.contains("succeeded-one-way"), "{t}");
    let j: serde_json::Value = serde_json::from_str(&render::json(&r)).unwrap();
    assert_eq!(j["allocations"][0]["relayed"], "10.0.0.9:50000");
    assert_eq!(j["allocations"][0]["end"]["state"], "active");
    assert_eq!(
        j["ice_sessions"][0]["pairs"][0]["state"],
        "succeeded-one-way"
    );
    assert_eq!(j["ice_sessions"][0]["pairs"][0]["a_to_b"]["successes"], 1);
    let a: serde_json::Value = serde_json::from_str(&render::alloc_json(&r)).unwrap();
    assert!(a["allocations"].is_array() && a.get("ice_sessions").is_none());
    let s: serde_json::Value = serde_json::from_str(&render::ice_json(&r)).unwrap();
    assert!(s["ice_sessions"].is_array());
}

#[test]
fn inner_stun_helper() {
    let peer = sa("192.0.2.7:5000");
    let inner = check(1, "R:L").finish();
    let send = b(m::SEND, Class::Indication, 2)
        .xor_address(XOR_PEER, peer)
        .attr(DATA, &inner)
        .finish();
    let msg = Message::new_checked(&send[..]).unwrap();
    let (p, d) = inner_stun(&msg).unwrap();
    assert_eq!((p, d), (peer, &inner[..]));
    let rtp = b(m::SEND, Class::Indication, 3)
        .xor_address(XOR_PEER, peer)
        .attr(DATA, &[0x80; 20])
        .finish();
    assert!(inner_stun(&Message::new_checked(&rtp[..]).unwrap()).is_none());
}

#[test]
fn tcp_allocation_ends_with_its_connection() {
    let mut f = Feed::new();
    f.transport = Transport::Tcp;
    f.allocate(0.0, 600);
    // Another TCP connection closing changes nothing.
    f.an.tcp_closed(5, 1.0, sa("10.0.0.1:40001"), f.server);
    assert_eq!(f.an.report().allocations[0].end.state, "active");
    let (c, s) = (f.client, f.server);
    f.an.tcp_closed(6, 2.0, s, c);
    let r = f.an.report();
    assert_eq!(
        (r.allocations[0].end.state, r.allocations[0].end.frame),
        ("closed", Some(6))
    );
    f.an.finish(Some(10_000.0));
    assert!(
        !f.has(Event::AllocationExpired),
        "a closed allocation does not expire"
    );
    // UDP allocations have no connection.
    let mut u = Feed::new();
    u.allocate(0.0, 600);
    let (c, s) = (u.client, u.server);
    u.an.tcp_closed(5, 1.0, c, s);
    assert_eq!(u.an.report().allocations[0].end.state, "active");
}

/// Data to a peer without permission: a warning when the capture shows the allocation's
/// Allocate, a note (beginning not in the capture) when the allocation is first seen by a
/// later request.
#[test]
fn no_permission_is_a_note_when_the_beginning_is_not_captured() {
    let peer = sa("10.0.0.5:7000");
    let send = |n: u32| {
        b(m::SEND, Class::Indication, n)
            .xor_address(XOR_PEER, peer)
            .attr(DATA, b"hello")
    };
    let mut f = Feed::new();
    f.allocate(0.0, 600);
    f.up(1.0, send(10));
    let nf =
        f.an.findings()
            .iter()
            .find(|x| x.code == "no_permission")
            .unwrap();
    assert_eq!((nf.severity, nf.boundary), ("warn", false));
    assert_eq!(nf.detail, "peer 10.0.0.5:7000");

    // The capture starts with a Refresh: the allocation and its permissions predate it.
    let mut f = Feed::new();
    let r = f.up(
        0.0,
        b(m::REFRESH, Class::Request, 3).attr_u32(LIFETIME, 600),
    );
    assert_eq!(r.allocation, Some(1));
    let a = f.up(1.0, send(11));
    assert!(a.events.contains(Event::NoPermission));
    assert!(a.boundary.contains(Event::NoPermission));
    let nf =
        f.an.findings()
            .iter()
            .find(|x| x.code == "no_permission")
            .unwrap();
    assert_eq!((nf.severity, nf.boundary), ("note", true));
    assert!(nf.text().contains("the beginning is not in the capture"));
    let rep = f.an.report();
    assert!(!rep.allocations[0].seen_start);
    assert!(rep.allocations[0].outcome.contains("before the capture"));
}

/// 401 after credentials: auth_failed, with what the credentials row says about the key.
#[test]
fn auth_failed_says_whether_the_key_was_wrong() {
    for (verified, says) in [
        (Some(false), "credentials row: the key is wrong"),
        (Some(true), "the key is right"),
        (None, "no credentials row"),
    ] {
        let mut f = Feed::new();
        f.up(0.0, b(m::ALLOCATE, Class::Request, 1));
        f.down(
            0.0,
            b(m::ALLOCATE, Class::ErrorResponse, 1).error_code(401, "Unauthorized"),
        );
        let req = b(m::ALLOCATE, Class::Request, 2)
            .string(USERNAME, "alice")
            .string(0x0014, "example.org")
            .string(0x0015, "nonce")
            .message_integrity(&[0u8; 16])
            .finish();
        let o = f.obs(0.1, f.client, f.server).with_integrity(verified);
        f.an.observe(&o, &Message::new_checked(&req[..]).unwrap());
        let e = f.down(
            0.1,
            b(m::ALLOCATE, Class::ErrorResponse, 2).error_code(401, "Unauthorized"),
        );
        assert!(e.events.contains(Event::AuthFailed));
        let af =
            f.an.findings()
                .iter()
                .find(|x| x.code == "auth_failed")
                .unwrap();
        assert_eq!(af.frames, [3, 4]);
        assert!(
            af.detail.contains("USERNAME alice REALM example.org"),
            "{}",
            af.detail
        );
        assert!(af.detail.contains(says), "{}", af.detail);
        assert!(!f.has(Event::AuthChallenge));
    }
}

/// Every TURN error code of the issue has its own finding, cause and next step; 403 to a
/// peer request names the peer.
#[test]
fn turn_error_codes_are_findings() {
    for (code, key) in [
        (437, "allocation_mismatch"),
        (438, "stale_nonce"),
        (441, "wrong_credentials"),
        (442, "unsupported_transport"),
        (443, "peer_family_mismatch"),
        (446, "connection_exists"),
        (447, "connection_failed"),
        (486, "quota_reached"),
        (508, "insufficient_capacity"),
        (420, "turn_error"),
    ] {
        let mut f = Feed::new();
        f.allocate(0.0, 600);
        f.up(
            1.0,
            b(m::CONNECT, Class::Request, 20).xor_address(XOR_PEER, sa("10.0.0.7:80")),
        );
        f.down(
            1.0,
            b(m::CONNECT, Class::ErrorResponse, 20).error_code(code, "x"),
        );
        let x = f.an.findings().iter().find(|x| x.frame == 6).unwrap();
        assert_eq!(x.code, key, "{code}");
        assert_eq!(x.frames, [5, 6]);
        assert!(!x.cause.is_empty() && !x.next_step.is_empty(), "{code}");
    }
    let mut f = Feed::new();
    f.allocate(0.0, 600);
    f.up(
        1.0,
        b(m::CREATE_PERMISSION, Class::Request, 20).xor_address(XOR_PEER, sa("192.168.1.9:0")),
    );
    f.down(
        1.0,
        b(m::CREATE_PERMISSION, Class::ErrorResponse, 20).error_code(403, "Forbidden"),
    );
    let x =
        f.an.findings()
            .iter()
            .find(|x| x.code == "forbidden_peer")
            .unwrap();
    assert!(
        x.detail.contains("peer 192.168.1.9:0 (private)"),
        "{}",
        x.detail
    );
}

/// A ConnectionAttempt bound in time is fine; bound after 30 s, or never, is
/// attempt_not_bound — decided only once 30 s have passed.
#[test]
fn attempt_not_bound_after_30_s_only() {
    let peer = sa("10.0.0.7:5000");
    for (bind_at, end, expect) in [
        (Some(1.0), 60.0, false),
        (Some(31.0), 60.0, true),
        (None, 60.0, true),
        (None, 20.0, false),
    ] {
        let mut f = Feed::new();
        f.transport = Transport::Tcp;
        f.allocate(0.0, 600);
        f.down(
            0.5,
            b(m::CONNECTION_ATTEMPT, Class::Indication, 30)
                .attr_u32(CONN_ID, 7)
                .xor_address(XOR_PEER, peer),
        );
        let data_client = sa("10.0.0.1:40001");
        if let Some(t) = bind_at {
            f.at(
                t,
                data_client,
                f.server,
                b(m::CONNECTION_BIND, Class::Request, 31)
                    .attr_u32(CONN_ID, 7)
                    .finish(),
            );
            f.at(
                t,
                f.server,
                data_client,
                b(m::CONNECTION_BIND, Class::SuccessResponse, 31).finish(),
            );
        }
        let s = f.server;
        f.at(end, f.client, s, b(m::REFRESH, Class::Request, 40).finish());
        f.an.finish(None);
        assert_eq!(f.has(Event::AttemptNotBound), expect, "{bind_at:?} {end}");
    }
}
/// Issue 18: a binary USERNAME token (Teams) and a realm with a control character reach
/// the tables escaped by the parser's one escaping, never as raw bytes or U+FFFD.
#[test]
fn binary_credentials_are_escaped_in_the_tables() {
    let mut f = Feed::new();
    f.up(
        0.0,
        b(m::ALLOCATE, Class::Request, 2)
            .attr_u32(REQ_TRANSPORT, 17 << 24)
            .attr(USERNAME, b"\x01\xfftok\n")
            .string(0x0014, "ex\u{7}ample"),
    );
    f.down(
        0.0,
        b(m::ALLOCATE, Class::SuccessResponse, 2)
            .xor_address(XOR_RELAYED, sa("10.0.0.9:50000"))
            .attr_u32(LIFETIME, 600),
    );
    f.an.finish(None);
    let rep = f.an.report();
    let al = &rep.allocations[0];
    assert_eq!(al.username.as_deref(), Some("\\001\\xfftok\\n"));
    assert_eq!(al.realm.as_deref(), Some("ex\\aample"));
    let text = crate::render::alloc_text(&rep);
    assert!(
        !text
            .chars()
            .any(|c| c == '\u{fffd}' || (c.is_control() && c != '\n')),
        "{text:?}"
    );
}

#[test]
fn the_analysis_follows_carriers_that_name_their_data() {
    let peer: SocketAddr = "192.0.2.9:7000".parse().unwrap();
    assert!(follows(&Carried::channel_data(0x4001)));
    assert!(!follows(&Carrier::ChannelData.into()));
    assert!(follows(&Carried::data_attribute(peer)));
    assert!(!follows(&Carrier::DataAttribute.into()));
    for c in [
        Carrier::DataConnection,
        Carrier::MsTurnData,
        Carrier::MultiplexedTurn,
        Carrier::Flow,
    ] {
        assert!(follows(&c.into()));
    }
    let keys: Vec<_> = Carrier::ALL.map(|c| carrier_key(c.into())).to_vec();
    assert_eq!(
        keys,
        [
            "channel",
            "data",
            "tcp-data",
            "ms-turn-data",
            "ms-turn-data",
            "direct"
        ]
    );
}

#[test]
fn relayed_address_by_allocation_id() {
    let mut f = Feed::new();
    assert_eq!(f.an.relayed_address(1), None);
    let a = f.allocate(0.0, 600);
    let id = a.allocation.unwrap();
    assert_eq!(f.an.relayed_address(id), Some(sa("10.0.0.9:50000")));
    assert_eq!(f.an.relayed_address(0), None);
    assert_eq!(f.an.relayed_address(id + 1), None);
}

#[test]
fn a_run_of_relayed_payloads_is_as_many_observed_one_by_one() {
    // (time, to the peer, channel, packets, bytes each)
    let runs = [
        (2.0, true, 0x4000, 5, 160),
        (2.0, false, 0x4000, 3, 172),
        (601.5, true, 0x4000, 4, 10),
        (602.0, true, 0x4001, 3, 10),
        (603.0, true, 0x4001, 2, 7),
        (603.0, false, 0x4001, 1, 7),
    ];
    let setup = |f: &mut Feed| {
        f.allocate(0.0, 3600);
        f.up(
            1.0,
            b(m::CHANNEL_BIND, Class::Request, 3)
                .attr(CHANNEL, &channel_attr(0x4000))
                .xor_address(XOR_PEER, sa("192.0.2.7:5000")),
        );
        f.down(1.0, b(m::CHANNEL_BIND, Class::SuccessResponse, 3));
    };
    let (mut one, mut run) = (Feed::new(), Feed::new());
    setup(&mut one);
    setup(&mut run);
    for (t, up, ch, n, len) in runs {
        for _ in 0..n {
            one.relayed(t, up, Carried::channel_data(ch), len);
        }
        let (c, s) = (run.client, run.server);
        let (src, dst) = if up { (c, s) } else { (s, c) };
        let o = run.obs(t, src, dst).with_carrier(Carried::channel_data(ch));
        run.frame += n - 1;
        run.an.observe_relayed_run(&o, n, u64::from(n) * len as u64);
    }
    let none = run.obs(604.0, run.client, run.server);
    assert_eq!(run.an.observe_relayed_run(&none, 0, 0), Answer::default());
    assert_eq!(run.events(), one.events());
    assert_eq!(run.an.findings(), one.an.findings());
    run.an.finish(None);
    one.an.finish(None);
    assert_eq!(run.an.report(), one.an.report());
    assert_eq!(run.an.report().allocations[0].auth.denied_packets, 9);
}

/// The pre-scan before a Binding request's facts says "USERNAME" exactly where
/// [`Facts::of`] finds one: first, last, after a break, in every dialect, with an odd body.
#[test]
fn has_username_agrees_with_the_facts() {
    let msgs: Vec<(Dialect, Vec<u8>)> = [Dialect::Rfc5389, Dialect::MsTurn, Dialect::Rfc3489]
        .into_iter()
        .flat_map(|d| {
            let id = [7u8; 16];
            let id = if d == Dialect::Rfc5389 {
                &id[..12]
            } else {
                &id[..]
            };
            let mb = || MessageBuilder::new(d, m::BINDING, Class::Request, id);
            [
                mb().finish(),
                mb().attr_u32(PRIORITY, 1).finish(),
                mb().string(USERNAME, "a:b").attr_u32(PRIORITY, 1).finish(),
                mb().attr_u32(PRIORITY, 1).string(USERNAME, "a:b").finish(),
                mb().attr_u32(PRIORITY, 1)
                    .attr_raw(0x8022, 40, b"x")
                    .finish(),
                mb().attr_raw(0x8022, 40, b"x")
                    .string(USERNAME, "a")
                    .finish(),
                mb().attr(0x8022, b"odd").finish(),
            ]
            .into_iter()
            .map(move |b| (d, b))
        })
        .collect();
    let mut yes = 0;
    for (d, b) in &msgs {
        let Ok(msg) = Message::new_checked(&b[..]) else {
            continue;
        };
        let found = Facts::of(&msg).username.is_some();
        assert_eq!(Facts::has_username(&msg), found, "{d:?} {b:02x?}");
        yes += found as usize;
    }
    assert!(yes >= 4, "{yes}");
}
