//! The allocation and ICE tables of `-z msstun,alloc` and `-z msstun,ice`, and their stats
//! trees (Statistics → MS-STUN → Allocations / ICE), fed from `msstun` tap records.
//!
//! Each listener owns its own [`msstun_analysis::session::State`], fed only the records its
//! display filter passes through [`State::feed`], by the feeding rules of
//! [`msstun_analysis::feed`]: a Send/Data
//! indication brings the check in its DATA along (so records carried by a DATA attribute
//! are not fed again); STUN inside ChannelData, an RFC 6062 data connection or [MS-TURN]
//! data is observed with that carrier. tshark prints the crate's text tables at the end;
//! the GUI's trees tick, per message, its allocation or pair and every state change.
//! Safe Rust: the C callbacks of [`crate::epan::tap`] drive it as a
//! [`crate::epan::tap::Listener`] the safe root hands them (`crate::plugin::tap::stats`).

use std::collections::BTreeMap;
use std::ffi::c_int;
use std::fmt::Write as _;

use msstun::classify::{Carried, Carrier};
use msstun::framing::Transport;
use msstun::{Class, Message};
use msstun_analysis::session::{At, Input, State};
use msstun_analysis::{carrier_key, inner_stun, render, Answer, Event, Observation};

/// `MSSTUN_TABLE_ALLOC`.
pub const KIND_ALLOC: c_int = 1;
/// `MSSTUN_TABLE_ICE`.
pub const KIND_ICE: c_int = 2;
/// `MSSTUN_TABLE_DIAG`: outcomes per ICE session and allocation, and the findings.
pub const KIND_DIAG: c_int = 3;

pub use crate::epan::tap::Rec;

impl Rec<'_> {
    /// What carried the record's message (`None`: an unknown carrier code).
    pub(crate) fn carried(&self) -> Option<Carried> {
        if self.carrier == 0 {
            return Some(Carried::FLOW);
        }
        let c = Carrier::ALL
            .into_iter()
            .find(|c| c.code() == self.carrier)?;
        Some(match c {
            Carrier::ChannelData => Carried::channel_data(self.channel),
            c => Carried::new(c),
        })
    }
}

/// The state's flow key of a record: its TCP stream, else its address pair either way.
fn flow_key(r: &Rec<'_>) -> u64 {
    use std::hash::{Hash, Hasher};
    if let Some(s) = r.tcp_stream {
        return u64::from(s) | 1 << 63;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (r.tcp, r.src.min(r.dst), r.src.max(r.dst)).hash(&mut h);
    h.finish() & !(1 << 63)
}

/// A table of one kind: its analysis, and what the GUI's tree has shown so far.
#[derive(Default)]
pub struct Table {
    kind: c_int,
    /// The listener's display filter.
    filter: Option<String>,
    /// The listener's own capture state (fed only what its filter passes; live: it reads
    /// no frame again, so answered transactions are forgotten).
    st: State,
    /// Allocation id → its label and last state shown.
    allocs: BTreeMap<u32, (String, &'static str)>,
    /// Pair id → its label and last state shown.
    pairs: BTreeMap<u32, (String, &'static str)>,
}

/// One observation made for a record, and its answer.
struct Seen<'m> {
    obs: Observation,
    msg: Message<&'m [u8]>,
    answer: Answer,
}

impl Table {
    /// An empty table of `kind` ([`KIND_ALLOC`] or [`KIND_ICE`]) for a listener with `filter`.
    pub fn new(kind: c_int, filter: Option<&str>) -> Table {
        Table {
            kind,
            filter: filter.map(str::to_string),
            st: State::live(),
            ..Table::default()
        }
    }

    fn feed<'m>(&mut self, r: &Rec<'m>) -> Vec<Seen<'m>> {
        let mut seen = Vec::new();
        let Ok(msg) = Message::new_checked(r.bytes) else {
            return seen;
        };
        let transport = if r.tcp {
            Transport::Tcp
        } else {
            Transport::Udp
        };
        let mut obs = Observation::direct(r.frame, r.time, transport, r.src, r.dst);
        obs.tcp_stream = r.tcp_stream;
        let at = At {
            flow: flow_key(r),
            frame: r.frame,
            visited: false,
            ends: Some((r.src, r.dst)),
        };
        let secs = r.time.floor();
        let now = (secs as i64, ((r.time - secs) * 1e9) as i32);
        let st = &mut self.st;
        let mut observe = |o: Observation, msg: Message<&'m [u8]>, relayed: bool| {
            if relayed {
                st.feed(at, now, Some(&o), Input::Relayed(r.bytes.len()), false);
            }
            if let Some(answer) = st
                .feed(at, now, Some(&o), Input::Message(&msg), false)
                .answer
            {
                seen.push(Seen {
                    obs: o,
                    msg,
                    answer,
                });
            }
        };
        match r.carried() {
            // Fed with its Send/Data indication.
            Some(c) if c.carrier == Carrier::DataAttribute => {}
            Some(c) if !c.is_flow() => observe(obs.with_carrier(c), msg, true),
            _ => {
                observe(obs, msg, false);
                if let Some((peer, data)) = inner_stun(&msg) {
                    let off = data.as_ptr() as usize - r.bytes.as_ptr() as usize;
                    let data: &'m [u8] = &r.bytes[off..off + data.len()];
                    if let Ok(inner) = Message::new_checked(data) {
                        observe(
                            obs.with_carrier(Carried::data_attribute(peer)),
                            inner,
                            false,
                        );
                    }
                }
            }
        }
        seen
    }

    /// Feed one record; returns the stats-tree node paths it ticks (GUI).
    pub fn add(&mut self, r: &Rec<'_>) -> Vec<String> {
        let mut paths = Vec::new();
        for s in self.feed(r) {
            match self.kind {
                KIND_ALLOC => self.alloc_paths(&s, &mut paths),
                KIND_ICE => self.ice_paths(&s, &mut paths),
                _ => {}
            }
        }
        paths
    }

    fn alloc_paths(&mut self, s: &Seen<'_>, paths: &mut Vec<String>) {
        let (Some(id), Some(state)) = (s.answer.allocation, s.answer.alloc_state) else {
            return;
        };
        let (method, class) = s.msg.method_class();
        let (client, server) = if class == Class::Request {
            (s.obs.src, s.obs.dst)
        } else {
            (s.obs.dst, s.obs.src)
        };
        let t = transport_name(s.obs.transport);
        let entry = self
            .allocs
            .entry(id)
            .or_insert_with(|| (format!("Allocation {id}: {t} {client} -> {server}"), ""));
        let label = entry.0.clone();
        let via = match s.obs.carrier {
            c if c.is_flow() => String::new(),
            c => format!(" (via {})", carrier_key(c)),
        };
        paths.push(format!(
            "Allocations/{label}/{} {}{via}",
            method.name,
            class.name()
        ));
        if entry.1 != state.key() {
            entry.1 = state.key();
            paths.push(format!(
                "Allocation states/{label}/{} (frame {})",
                state.key(),
                s.obs.frame
            ));
        }
        for e in s.answer.events.iter().filter(|e| !is_ice_event(*e)) {
            paths.push(format!(
                "Events/{}/{label} (frame {})",
                e.key(),
                s.obs.frame
            ));
        }
    }

    fn ice_paths(&mut self, s: &Seen<'_>, paths: &mut Vec<String>) {
        let (Some(session), Some(pair), Some(state)) =
            (s.answer.ice_session, s.answer.pair, s.answer.pair_state)
        else {
            return;
        };
        let (method, class) = s.msg.method_class();
        let t = transport_name(s.obs.transport);
        if !self.pairs.contains_key(&pair) {
            // The pair as the analysis names it (for relayed checks: relayed address and
            // peer), once per pair.
            let report = self.st.analysis.report();
            let named = report
                .ice_sessions
                .iter()
                .flat_map(|x| &x.pairs)
                .find(|p| p.id == pair)
                .map(|p| {
                    let via = match p.allocation {
                        Some(a) => format!(" via {} of allocation {a}", p.carrier),
                        None if p.carrier == "direct" => String::new(),
                        None => format!(" via {}", p.carrier),
                    };
                    format!("Pair {pair}: {} {} <-> {}{via}", p.transport, p.a, p.b)
                });
            let label = named.unwrap_or_else(|| {
                let (a, b) = if s.obs.src <= s.obs.dst {
                    (s.obs.src, s.obs.dst)
                } else {
                    (s.obs.dst, s.obs.src)
                };
                format!("Pair {pair}: {t} {a} <-> {b}")
            });
            self.pairs.insert(pair, (label, ""));
        }
        let Some(entry) = self.pairs.get_mut(&pair) else {
            return;
        };
        let label = format!("Session {session}/{}", entry.0);
        paths.push(format!(
            "ICE checks/{label}/{} -> {}/{} {}",
            s.obs.src,
            s.obs.dst,
            method.name,
            class.name()
        ));
        if entry.1 != state.key() {
            entry.1 = state.key();
            paths.push(format!(
                "ICE pair states/{label}/{} (frame {})",
                state.key(),
                s.obs.frame
            ));
        }
        for e in s.answer.events.iter().filter(|e| is_ice_event(*e)) {
            paths.push(format!(
                "Events/{}/{label} (frame {})",
                e.key(),
                s.obs.frame
            ));
        }
    }

    /// The table as tshark prints it (at the end of the capture).
    pub fn text(&mut self) -> String {
        self.st.analysis.finish(None);
        let report = self.st.analysis.report();
        let rule = "=".repeat(80);
        let mut s = String::new();
        let title = match self.kind {
            KIND_ALLOC => "MS-STUN Allocations",
            KIND_DIAG => "MS-STUN Diagnosis",
            _ => "MS-STUN ICE",
        };
        let _ = writeln!(s, "\n{rule}\n{title}");
        let _ = writeln!(s, "Filter: {}", self.filter.as_deref().unwrap_or("<none>"));
        let _ = writeln!(s, "{}", "-".repeat(80));
        s.push_str(&match self.kind {
            KIND_ALLOC => render::alloc_text(&report),
            KIND_DIAG => render::diag_text(&report),
            _ => render::ice_text(&report),
        });
        let _ = writeln!(s, "{rule}");
        s
    }
}

/// A listener's table for the tap's C callbacks ([`crate::epan::tap`]).
impl crate::epan::tap::Listener for Table {
    /// Feed one record (frame order), as [`msstun_analysis::session::State::feed_decoded`] feeds a
    /// decoded item.
    fn feed(&mut self, r: &Rec<'_>) {
        Table::feed(self, r);
    }

    fn text(&mut self) -> String {
        Table::text(self)
    }

    fn tick(&mut self, r: &Rec<'_>) -> Vec<String> {
        self.add(r)
    }
}

/// Findings of ICE pairs and sessions (the others are the allocations').
fn is_ice_event(e: Event) -> bool {
    e.is_ice()
}

fn transport_name(t: Transport) -> &'static str {
    match t {
        Transport::Tcp => "TCP",
        Transport::Udp => "UDP",
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::stats) fn binding(class_bits: u16, tid: u8, user: Option<&str>) -> Vec<u8> {
        let mut attrs = Vec::new();
        if let Some(u) = user {
            attrs.extend_from_slice(&[0x00, 0x06]);
            attrs.extend_from_slice(&(u.len() as u16).to_be_bytes());
            attrs.extend_from_slice(u.as_bytes());
            while attrs.len() % 4 != 0 {
                attrs.push(0);
            }
        }
        let t: u16 = 0x0001 | class_bits;
        let mut m = Vec::new();
        m.extend_from_slice(&t.to_be_bytes());
        m.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
        m.extend_from_slice(&0x2112_A442u32.to_be_bytes());
        m.extend_from_slice(&[tid; 12]);
        m.extend_from_slice(&attrs);
        m
    }

    pub(in crate::stats) fn rec<'a>(frame: u32, src: &str, dst: &str, bytes: &'a [u8]) -> Rec<'a> {
        Rec {
            frame,
            time: f64::from(frame) / 100.0,
            tcp: false,
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            tcp_stream: None,
            carrier: 0,
            channel: 0,
            bytes,
        }
    }

    #[test]
    fn the_gui_tree_follows_a_pair_to_valid() {
        let (a, b) = ("10.0.0.1:5000", "10.0.0.2:6000");
        let mut t = Table::new(KIND_ICE, None);
        let req1 = binding(0x0000, 1, Some("R:L"));
        let ok1 = binding(0x0100, 1, None);
        let req2 = binding(0x0000, 2, Some("L:R"));
        let ok2 = binding(0x0100, 2, None);
        let p1 = t.add(&rec(1, a, b, &req1));
        let label = "Session 1/Pair 1: udp 10.0.0.1:5000 <-> 10.0.0.2:6000";
        assert_eq!(
            p1,
            [
                format!("ICE checks/{label}/{a} -> {b}/Binding Request"),
                format!("ICE pair states/{label}/in-progress (frame 1)"),
            ]
        );
        let p2 = t.add(&rec(2, b, a, &ok1));
        assert!(
            p2.contains(&format!(
                "ICE pair states/{label}/succeeded-one-way (frame 2)"
            )),
            "{p2:?}"
        );
        t.add(&rec(3, b, a, &req2));
        let p4 = t.add(&rec(4, a, b, &ok2));
        assert!(
            p4.contains(&format!("ICE pair states/{label}/valid (frame 4)")),
            "{p4:?}"
        );
        assert!(
            p4.contains(&format!("Events/pair_valid/{label} (frame 4)")),
            "{p4:?}"
        );
        let text = t.text();
        assert!(text.contains("MS-STUN ICE\nFilter: <none>\n"), "{text}");
        assert!(text.contains("MS-STUN ICE sessions: 1"), "{text}");
    }

    #[test]
    fn checks_inside_a_data_attribute_are_fed_with_their_indication() {
        let mut t = Table::new(KIND_ICE, None);
        let req = binding(0x0000, 1, Some("a:b"));
        let mut r = rec(1, "10.0.0.1:1", "10.0.0.2:2", &req);
        r.carrier = Carrier::DataAttribute.code();
        assert!(t.add(&r).is_empty());
        assert!(t.text().contains("MS-STUN ICE sessions: 0"), "{}", t.text());
    }
}
