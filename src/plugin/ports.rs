//! The ports msstun takes and gives back: the policy, over plain values, for any dissector
//! table ([`PortTable`]; [`crate::epan::ports`] is Wireshark's `tcp.port`/`udp.port`).
//!
//! By default msstun takes TCP 3478 and UDP 3478-3481 from the built-in stun (preferences
//! `msstun.tcp_ports`, `msstun.udp_ports`) and shares TCP 443 with TLS
//! (`msstun.shared_tcp_ports`). What it puts on a port ([`Place`]):
//!
//! * a UDP port (`udp_ports`) or a TCP port of its own (`tcp_ports`): msstun's dissector
//!   itself, so that a packet costs the table one call and no more. On TCP this is also
//!   what lets msstun reassemble: Wireshark lowers `pinfo->can_desegment` by one on every
//!   dissector call (TCP offers 2), so only the dissector TCP calls itself may ask it for
//!   more bytes; behind a hop msstun could not, and a message split across segments at
//!   the start of a connection was decoded piece by piece;
//! * a TCP port shared with TLS (in `shared_tcp_ports`, not in `tcp_ports`): the hop, a
//!   handle of no protocol that decides once per connection, on its first payload
//!   ([`Ports::route`]): msstun when the first bytes are [MS-TURN] pseudo-TLS, [MS-TURN] TCP
//!   framing or STUN, the port's previous dissector (normally TLS) otherwise; the choice
//!   becomes the conversation's dissector.
//!
//! With `msstun.take_ports` off, or msstun disabled (Analyze → Enabled Protocols,
//! `--disable-protocol`), every port goes back to the dissector it had before, exactly as
//! without the plugin. The policy is applied when the preferences are (their apply
//! callback) and when a capture file's dissection starts (the init routine, which follows a
//! change of the enabled protocols). At hand-off the ports are only reserved, with the hop
//! ([`Ports::reserve`]): a command-line Decode As comes between hand-off and the first
//! apply, and must stay visible as a change. A port changed by Decode As since msstun took
//! it is left as the user set it; a port Decode As gave msstun before msstun took it stays
//! msstun's and is not given back. (A port Decode As gives msstun *after* msstun put itself
//! there cannot be told apart, and is given back with the rest.)

use std::collections::BTreeMap;
use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

use crate::dissect::{self, Shared};
use crate::epan::ports::{self, Hop, PortPref};
use crate::epan::{Packet, Tvb};

/// A dissector table of ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// `udp.port`.
    Udp,
    /// `tcp.port`.
    Tcp,
}

/// A set of ports as a range preference holds it: inclusive pairs (`3478-3481,5349`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ranges(Vec<(u16, u16)>);

impl Ranges {
    /// The ranges of `pairs` (low, high), cut to the ports (≤ 65535); an empty pair
    /// (low > high) is left out.
    pub fn new(pairs: impl IntoIterator<Item = (u32, u32)>) -> Ranges {
        Ranges(
            pairs
                .into_iter()
                .filter(|&(lo, hi)| lo <= hi && lo <= 65535)
                .map(|(lo, hi)| (lo as u16, hi.min(65535) as u16))
                .collect(),
        )
    }

    /// Whether `port` is in one of the ranges.
    pub fn contains(&self, port: u16) -> bool {
        self.0.iter().any(|&(lo, hi)| lo <= port && port <= hi)
    }

    /// Every port of the ranges, range by range.
    pub fn ports(&self) -> impl Iterator<Item = u16> + '_ {
        self.0.iter().flat_map(|&(lo, hi)| lo..=hi)
    }
}

/// The port preferences.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefs {
    /// `msstun.take_ports`.
    pub take: bool,
    /// `msstun.udp_ports`.
    pub udp: Ranges,
    /// `msstun.tcp_ports`.
    pub tcp: Ranges,
    /// `msstun.shared_tcp_ports`.
    pub shared: Ranges,
}

/// What msstun puts on a port it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// msstun's own dissector.
    Msstun,
    /// The hop of a port shared with TLS.
    Hop,
}

impl Prefs {
    /// What msstun wants on each port when it takes ports: its dissector on every UDP port
    /// and every TCP port of its own, the hop on TCP ports shared with TLS.
    pub fn wanted(&self) -> BTreeMap<(Table, u16), Place> {
        let mut want = BTreeMap::new();
        for p in self.udp.ports() {
            want.insert((Table::Udp, p), Place::Msstun);
        }
        for p in self.shared.ports() {
            want.insert((Table::Tcp, p), Place::Hop);
        }
        // A port in both lists is msstun's own.
        for p in self.tcp.ports() {
            want.insert((Table::Tcp, p), Place::Msstun);
        }
        want
    }
}

/// A dissector table of ports, as the policy sees it: which handle a port has, and setting
/// or removing it.
pub trait PortTable {
    /// A dissector handle (compared by identity).
    type Handle: Copy + Eq;
    /// The handle on `port` now (`None`: none).
    fn get(&self, table: Table, port: u16) -> Option<Self::Handle>;
    /// Put `handle` on `port`.
    fn set(&mut self, table: Table, port: u16, handle: Self::Handle);
    /// Remove `handle` from `port` (it has no dissector afterwards).
    fn delete(&mut self, table: Table, port: u16, handle: Self::Handle);
}

/// A port msstun took: what it put there and what was there before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Taken<H> {
    placed: H,
    before: Option<H>,
}

/// The decision of the hop on a port shared with TLS for one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<H> {
    /// Call `handle`; when `claim`, it becomes the conversation's dissector (first pass).
    Call {
        /// The dissector for this packet.
        handle: H,
        /// Whether the connection is decided by this packet.
        claim: bool,
    },
    /// TCP was asked for more bytes: consume the packet, decide on the next one.
    More,
    /// No dissector: leave the packet to TCP's other means.
    Pass,
}

/// The first bytes of a connection on a shared port, as msstun reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// msstun's.
    Msstun,
    /// The port's own dissector's.
    Other,
    /// Not yet known: TCP was asked for more bytes.
    NeedMore,
}

/// The ports msstun holds and the handles it places.
#[derive(Debug)]
pub struct Ports<H> {
    /// msstun's dissector (registered by name: Decode As gives the same handle).
    msstun: H,
    /// The hop.
    hop: H,
    /// The dissector of a shared port that had none before msstun (`tls`).
    fallback: Option<H>,
    /// Whether msstun takes ports now (`take_ports` on and msstun enabled, at the last apply).
    active: bool,
    /// The preferences last applied.
    prefs: Prefs,
    taken: BTreeMap<(Table, u16), Taken<H>>,
}

impl<H: Copy + Eq> Ports<H> {
    /// Nothing taken yet: `msstun` is msstun's dissector, `hop` the hop, `fallback` the
    /// dissector of a shared port that had none.
    pub fn new(msstun: H, hop: H, fallback: Option<H>) -> Ports<H> {
        Ports {
            msstun,
            hop,
            fallback,
            active: false,
            prefs: Prefs::default(),
            taken: BTreeMap::new(),
        }
    }

    /// Hand-off: take the ports of `prefs` (the defaults: nothing is read yet) with the hop
    /// on every one. Until the first [`Ports::apply`] a port msstun holds is then the
    /// hop's, never msstun's own handle, so that what a command-line Decode As does in
    /// between (`-d udp.port==3478,msstun`, `-d tcp.port==3478,stun`) stays visible as a
    /// change, and is left as the user set it.
    pub fn reserve<T: PortTable<Handle = H>>(&mut self, prefs: &Prefs, table: &mut T) {
        self.active = prefs.take;
        self.prefs = prefs.clone();
        let want = if prefs.take {
            prefs.wanted()
        } else {
            BTreeMap::new()
        };
        let hop = self.hop;
        self.place(want.into_keys().map(|k| (k, hop)).collect(), table);
    }

    /// Take and give back ports so that `table` holds what `prefs` want, when msstun is
    /// `enabled`; give every port back otherwise. Idempotent: applying the same twice
    /// changes nothing in the table.
    pub fn apply<T: PortTable<Handle = H>>(&mut self, prefs: &Prefs, enabled: bool, table: &mut T) {
        self.active = prefs.take && enabled;
        self.prefs = prefs.clone();
        let want = if self.active {
            prefs.wanted()
        } else {
            BTreeMap::new()
        };
        let (msstun, hop) = (self.msstun, self.hop);
        let want = want
            .into_iter()
            .map(|(k, place)| {
                let h = match place {
                    Place::Msstun => msstun,
                    Place::Hop => hop,
                };
                (k, h)
            })
            .collect();
        self.place(want, table);
    }

    /// Put handle `want[port]` on each port of `want`, give back the others msstun holds.
    fn place<T: PortTable<Handle = H>>(&mut self, want: BTreeMap<(Table, u16), H>, table: &mut T) {
        let gone: Vec<_> = self
            .taken
            .iter()
            .filter(|(k, _)| !want.contains_key(k))
            .map(|(&k, &t)| (k, t))
            .collect();
        for ((tab, port), t) in gone {
            // Changed since msstun took it (Decode As): left as the user set it.
            if table.get(tab, port) == Some(t.placed) {
                match t.before {
                    Some(b) => table.set(tab, port, b),
                    None => table.delete(tab, port, t.placed),
                }
            }
            self.taken.remove(&(tab, port));
        }
        for (&(tab, port), &h) in &want {
            let cur = table.get(tab, port);
            match self.taken.get_mut(&(tab, port)) {
                Some(t) if cur == Some(t.placed) => {
                    if t.placed != h {
                        table.set(tab, port, h);
                        t.placed = h;
                    }
                }
                // Changed by Decode As since msstun took it: left as the user set it.
                Some(_) => {}
                // Decode As gave the port to msstun: msstun's, but not taken.
                None if cur == Some(self.msstun) => {}
                None => {
                    self.taken.insert(
                        (tab, port),
                        Taken {
                            placed: h,
                            before: cur,
                        },
                    );
                    table.set(tab, port, h);
                }
            }
        }
    }

    /// The dissector `port` of `table` had before msstun took it.
    pub fn before(&self, table: Table, port: u16) -> Option<H> {
        self.taken.get(&(table, port)).and_then(|t| t.before)
    }

    /// The hop's decision for a packet on `port` of `table`: on a TCP port shared with TLS
    /// `verdict` reads its bytes (asked only while msstun takes ports); on another port
    /// (the hop holds it from hand-off to the first apply) msstun's.
    pub fn route(&self, table: Table, port: u16, verdict: impl FnOnce() -> Verdict) -> Route<H> {
        let shared = table == Table::Tcp
            && self.prefs.shared.contains(port)
            && !self.prefs.tcp.contains(port);
        if self.active {
            match if shared { verdict() } else { Verdict::Msstun } {
                Verdict::Msstun => {
                    return Route::Call {
                        handle: self.msstun,
                        claim: shared,
                    }
                }
                Verdict::NeedMore => return Route::More,
                Verdict::Other => {}
            }
        }
        let fallback = if shared { self.fallback } else { None };
        match self.before(table, port).or(fallback) {
            Some(handle) => Route::Call {
                handle,
                claim: shared && self.active,
            },
            None => Route::Pass,
        }
    }
}

// ---- Wireshark's tables -------------------------------------------------------------

/// `tcp.port` and `udp.port`.
struct Wireshark;

impl PortTable for Wireshark {
    type Handle = ports::Handle;
    fn get(&self, table: Table, port: u16) -> Option<ports::Handle> {
        ports::port_get(table == Table::Tcp, port)
    }
    fn set(&mut self, table: Table, port: u16, handle: ports::Handle) {
        ports::port_set(table == Table::Tcp, port, handle);
    }
    fn delete(&mut self, table: Table, port: u16, handle: ports::Handle) {
        ports::port_delete(table == Table::Tcp, port, handle);
    }
}

/// The plugin's ports (set at hand-off).
static PORTS: Mutex<Option<Ports<ports::Handle>>> = Mutex::new(None);

/// The port preferences as Wireshark holds them now.
fn current_prefs() -> Prefs {
    Prefs {
        take: ports::pref_take_ports(),
        udp: Ranges::new(ports::pref_ranges(PortPref::Udp)),
        tcp: Ranges::new(ports::pref_ranges(PortPref::Tcp)),
        shared: Ranges::new(ports::pref_ranges(PortPref::Shared)),
    }
}

/// Hand-off: Decode As for msstun, the hop's handle, the ports of the (default) preferences
/// reserved with the hop ([`Ports::reserve`]); applied when the preferences are and when
/// each capture file's dissection starts.
pub fn handoff(proto: c_int) {
    let Some(msstun) = ports::msstun() else {
        return;
    };
    ports::decode_as(msstun);
    let Some(hop) = ports::register_hop(route) else {
        return;
    };
    PROTO.store(proto, Ordering::Relaxed);
    let mut p = Ports::new(msstun, hop, ports::find(c"tls"));
    p.reserve(&current_prefs(), &mut Wireshark);
    *lock() = Some(p);
    ports::on_apply(apply);
}

static PROTO: AtomicI32 = AtomicI32::new(-1);

/// Wireshark shuts down: free the ports' state (the preferences last applied, the ports
/// taken). The tables are left as they are; an apply or a hop after this does nothing.
pub fn shutdown() {
    *lock() = None;
}

fn lock() -> std::sync::MutexGuard<'static, Option<Ports<ports::Handle>>> {
    PORTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Apply the preferences and msstun's enabled state to the tables.
fn apply() {
    let enabled = ports::protocol_enabled(PROTO.load(Ordering::Relaxed));
    if let Some(p) = lock().as_mut() {
        p.apply(&current_prefs(), enabled, &mut Wireshark);
    }
}

/// The hop's decision for one packet on a TCP port shared with TLS.
fn route(tvb: Tvb<'_>, pinfo: Packet<'_>, port: u16) -> Hop {
    let table = if pinfo.over_tcp() {
        Table::Tcp
    } else {
        Table::Udp
    };
    let verdict = || {
        // A panic only answers "not msstun".
        match catch_unwind(AssertUnwindSafe(|| dissect::shared_verdict(tvb, pinfo))) {
            Ok(Shared::Msstun) => Verdict::Msstun,
            Ok(Shared::NeedMore) => Verdict::NeedMore,
            Ok(Shared::Other) | Err(_) => Verdict::Other,
        }
    };
    match lock().as_ref().map(|p| p.route(table, port, verdict)) {
        Some(Route::Call { handle, claim }) => Hop::Call { handle, claim },
        Some(Route::More) => Hop::More,
        Some(Route::Pass) | None => Hop::Pass,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const MSSTUN: u8 = 1;
    const HOP: u8 = 2;
    const STUN: u8 = 3;
    const TLS: u8 = 4;
    const OTHER: u8 = 5;

    /// A table of ports as Wireshark's: one handle per port; counts writes.
    #[derive(Default, Debug, Clone)]
    struct Fake(HashMap<(Table, u16), u8>, usize);

    impl PortTable for Fake {
        type Handle = u8;
        fn get(&self, t: Table, p: u16) -> Option<u8> {
            self.0.get(&(t, p)).copied()
        }
        fn set(&mut self, t: Table, p: u16, h: u8) {
            self.0.insert((t, p), h);
            self.1 += 1;
        }
        fn delete(&mut self, t: Table, p: u16, h: u8) {
            assert_eq!(self.0.remove(&(t, p)), Some(h));
            self.1 += 1;
        }
    }

    /// Wireshark's table without the plugin: stun on 3478 (both), TLS on 443.
    fn stock() -> Fake {
        let mut f = Fake::default();
        f.0.insert((Table::Udp, 3478), STUN);
        f.0.insert((Table::Tcp, 3478), STUN);
        f.0.insert((Table::Tcp, 443), TLS);
        f
    }

    fn prefs(take: bool, udp: &[(u32, u32)], tcp: &[(u32, u32)], shared: &[(u32, u32)]) -> Prefs {
        Prefs {
            take,
            udp: Ranges::new(udp.iter().copied()),
            tcp: Ranges::new(tcp.iter().copied()),
            shared: Ranges::new(shared.iter().copied()),
        }
    }

    fn defaults() -> Prefs {
        prefs(true, &[(3478, 3481)], &[(3478, 3478)], &[(443, 443)])
    }

    fn off() -> Prefs {
        Prefs {
            take: false,
            ..defaults()
        }
    }

    /// Hand-off with the default preferences.
    fn started() -> (Ports<u8>, Fake) {
        let (mut p, mut t) = (Ports::new(MSSTUN, HOP, Some(TLS)), stock());
        p.reserve(&defaults(), &mut t);
        (p, t)
    }

    /// Hand-off, then the preferences applied (the init routine).
    fn running() -> (Ports<u8>, Fake) {
        let (mut p, mut t) = started();
        p.apply(&defaults(), true, &mut t);
        (p, t)
    }

    #[test]
    fn hand_off_reserves_with_the_hop_and_apply_puts_msstun_itself() {
        let (p, t) = started();
        for port in 3478..=3481 {
            assert_eq!(t.get(Table::Udp, port), Some(HOP), "udp {port}");
        }
        assert_eq!(t.get(Table::Tcp, 3478), Some(HOP));
        assert_eq!(t.get(Table::Tcp, 443), Some(HOP));
        // Until then the hop hands an own port to msstun, unasked and unclaimed.
        let msstun = Route::Call {
            handle: MSSTUN,
            claim: false,
        };
        assert_eq!(p.route(Table::Udp, 3479, || unreachable!()), msstun);
        assert_eq!(p.route(Table::Tcp, 3478, || unreachable!()), msstun);
        let (p, t) = running();
        for port in 3478..=3481 {
            assert_eq!(t.get(Table::Udp, port), Some(MSSTUN), "udp {port}");
        }
        assert_eq!(t.get(Table::Tcp, 3478), Some(MSSTUN), "TCP: msstun itself");
        assert_eq!(t.get(Table::Tcp, 443), Some(HOP), "shared: the hop stays");
        assert_eq!(t.get(Table::Tcp, 3479), None);
        assert_eq!(p.before(Table::Tcp, 3478), Some(STUN));
        assert_eq!(p.before(Table::Tcp, 443), Some(TLS));
        assert_eq!(p.before(Table::Udp, 3480), None);
    }

    #[test]
    fn applying_twice_changes_nothing() {
        let (mut p, mut t) = running();
        let (snapshot, writes) = (t.0.clone(), t.1);
        p.apply(&defaults(), true, &mut t);
        assert_eq!((t.0, t.1), (snapshot, writes));
    }

    #[test]
    fn switch_off_or_disabled_gives_every_port_back() {
        for (prefs, enabled) in [(off(), true), (defaults(), false)] {
            let (mut p, mut t) = running();
            p.apply(&prefs, enabled, &mut t);
            assert_eq!(t.0, stock().0, "{prefs:?} enabled {enabled}");
            // And taken again when switched back on.
            p.apply(&defaults(), true, &mut t);
            assert_eq!(t.get(Table::Udp, 3478), Some(MSSTUN));
            assert_eq!(t.get(Table::Tcp, 3478), Some(MSSTUN));
            assert_eq!(p.before(Table::Tcp, 3478), Some(STUN));
        }
        // Off before the first apply: the reserved ports back too.
        let (mut p, mut t) = started();
        p.apply(&off(), true, &mut t);
        assert_eq!(t.0, stock().0);
    }

    #[test]
    fn never_taken_when_off_from_the_start() {
        let (mut p, mut t) = (Ports::new(MSSTUN, HOP, Some(TLS)), stock());
        p.reserve(&off(), &mut t);
        p.apply(&off(), true, &mut t);
        assert_eq!(t.0, stock().0);
        assert_eq!(t.1, 0);
    }

    #[test]
    fn changed_ranges_move_single_ports() {
        let (mut p, mut t) = running();
        p.apply(
            &prefs(true, &[(3479, 3479)], &[(3478, 3478)], &[(443, 443)]),
            true,
            &mut t,
        );
        assert_eq!(t.get(Table::Udp, 3478), Some(STUN));
        assert_eq!(t.get(Table::Udp, 3479), Some(MSSTUN));
        assert_eq!(t.get(Table::Udp, 3480), None, "had none before: deleted");
        assert_eq!(t.get(Table::Tcp, 3478), Some(MSSTUN));
    }

    #[test]
    fn a_port_moved_between_udp_tcp_and_shared_keeps_its_past() {
        let (mut p, mut t) = running();
        // 443 becomes a port of msstun's own, then shared again, then given back.
        p.apply(&prefs(true, &[], &[(443, 443)], &[]), true, &mut t);
        assert_eq!(t.get(Table::Tcp, 443), Some(MSSTUN));
        assert_eq!(t.get(Table::Tcp, 3478), Some(STUN));
        p.apply(&prefs(true, &[], &[], &[(443, 443)]), true, &mut t);
        assert_eq!(t.get(Table::Tcp, 443), Some(HOP));
        p.apply(&prefs(true, &[], &[], &[]), true, &mut t);
        assert_eq!(t.0, stock().0);
        // In both ranges: msstun's own (no verdict asked).
        p.apply(
            &prefs(true, &[], &[(443, 443)], &[(443, 443)]),
            true,
            &mut t,
        );
        assert_eq!(t.get(Table::Tcp, 443), Some(MSSTUN));
        assert_eq!(
            p.route(Table::Tcp, 443, || unreachable!()),
            Route::Call {
                handle: MSSTUN,
                claim: false
            }
        );
        // A UDP port moved from the defaults to another and back.
        p.apply(&prefs(true, &[(5000, 5000)], &[], &[]), true, &mut t);
        assert_eq!(t.get(Table::Udp, 5000), Some(MSSTUN));
        assert_eq!(t.get(Table::Udp, 3478), Some(STUN));
        p.apply(&defaults(), true, &mut t);
        assert_eq!(t.get(Table::Udp, 5000), None);
        assert_eq!(t.get(Table::Udp, 3478), Some(MSSTUN));
    }

    #[test]
    fn command_line_decode_as_is_left_as_the_user_set_it() {
        // tshark -o msstun.take_ports:FALSE -d udp.port==3478,msstun: Decode As comes after
        // the hand-off, then the preferences are applied.
        let (mut p, mut t) = started();
        t.0.insert((Table::Udp, 3478), MSSTUN);
        p.apply(&off(), true, &mut t);
        assert_eq!(t.get(Table::Udp, 3478), Some(MSSTUN));
        assert_eq!(t.get(Table::Udp, 3479), None);
        assert_eq!(t.get(Table::Tcp, 3478), Some(STUN));
        // tshark -d tcp.port==3478,stun: the init routine's apply leaves stun there.
        let (mut p, mut t) = started();
        t.0.insert((Table::Tcp, 3478), STUN);
        p.apply(&defaults(), true, &mut t);
        assert_eq!(t.get(Table::Tcp, 3478), Some(STUN));
        assert_eq!(t.get(Table::Udp, 3478), Some(MSSTUN));
        // ... and does not touch it when giving the ports back.
        p.apply(&off(), true, &mut t);
        assert_eq!(t.get(Table::Tcp, 3478), Some(STUN));
    }

    #[test]
    fn decode_as_before_or_after_msstun_took_the_port() {
        // Decode As gave msstun UDP 5000 before: taken by the ranges, never given back.
        let (mut p, mut t) = (Ports::new(MSSTUN, HOP, Some(TLS)), stock());
        t.0.insert((Table::Udp, 5000), MSSTUN);
        p.apply(&prefs(true, &[(5000, 5000)], &[], &[]), true, &mut t);
        p.apply(&prefs(false, &[(5000, 5000)], &[], &[]), true, &mut t);
        assert_eq!(t.get(Table::Udp, 5000), Some(MSSTUN));
        // Decode As moved a taken port to another dissector: kept, and not touched on
        // give-back.
        let (mut p, mut t) = running();
        t.0.insert((Table::Udp, 3478), OTHER);
        p.apply(&defaults(), true, &mut t);
        assert_eq!(t.get(Table::Udp, 3478), Some(OTHER));
        p.apply(&off(), true, &mut t);
        assert_eq!(t.get(Table::Udp, 3478), Some(OTHER));
    }

    #[test]
    fn ranges_cut_to_ports_and_skip_empty_pairs() {
        let r = Ranges::new([(65530, 70000), (9, 3), (70000, 80000)]);
        assert_eq!(r.ports().count(), 6);
        assert!(r.contains(65535) && !r.contains(9));
    }

    #[test]
    fn the_hop_decides_a_shared_port_once_per_connection() {
        let (mut p, mut t) = running();
        let call = |handle, claim| Route::Call { handle, claim };
        assert_eq!(
            p.route(Table::Tcp, 443, || Verdict::Msstun),
            call(MSSTUN, true)
        );
        assert_eq!(p.route(Table::Tcp, 443, || Verdict::Other), call(TLS, true));
        assert_eq!(p.route(Table::Tcp, 443, || Verdict::NeedMore), Route::More);
        // A shared port that had no dissector: TLS.
        p.apply(&prefs(true, &[], &[], &[(8443, 8443)]), true, &mut t);
        assert_eq!(
            p.route(Table::Tcp, 8443, || Verdict::Other),
            call(TLS, true)
        );
        let mut none = Ports::new(MSSTUN, HOP, None);
        none.apply(
            &prefs(true, &[], &[], &[(8443, 8443)]),
            true,
            &mut Fake::default(),
        );
        assert_eq!(none.route(Table::Tcp, 8443, || Verdict::Other), Route::Pass);
        // Not taking ports (a hop left behind): the previous dissector, unasked, unclaimed.
        let (mut p, mut t) = running();
        t.0.insert((Table::Tcp, 443), OTHER);
        p.apply(&defaults(), false, &mut t);
        assert_eq!(t.get(Table::Tcp, 443), Some(OTHER));
        assert_eq!(
            p.route(Table::Tcp, 443, || unreachable!()),
            call(TLS, false)
        );
    }
}
