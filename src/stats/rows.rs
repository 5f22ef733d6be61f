//! The table dialogs Statistics → MS-STUN Allocations, MS-STUN ICE pairs, MS-STUN Diagnosis
//! (Wireshark's `stat_tap_table` framework; tshark `-z msstun,table_alloc|table_ice|table_diag`):
//! one row per allocation, candidate pair or finding, each with a `Filter` column holding the
//! display filter that selects its frames (`msstun.allocation.id == 2`,
//! `msstun.ice.pair == 3`, `msstun.finding == "checks_one_way" && frame.number == 7`).
//!
//! The rows are the capture-wide session analysis the dissector keeps (the one that fills
//! `msstun.allocation.id`, `msstun.ice.pair` and `msstun.finding`), read through
//! [`msstun_analysis::Analysis::report`]: the numbers in a row are the numbers the filter
//! matches. A listener's display filter chooses rows: an allocation or pair is shown once a
//! message of it passes the filter, a finding once its proving frame does (or its
//! allocation or pair is shown). What only the end of the capture proves (a check never
//! answered, an allocation that expired) is there once the analysis is finished: in the GUI
//! always (the file is read before a dialog opens), in tshark with `-2`.
//!
//! Safe Rust: the C side (`wireshark-include/stats.c`) owns the `stat_tap_table`s and their
//! strings; `src/epan/stat_table.rs` passes the callbacks, to the [`GuiRows`] the safe root
//! hands it (`crate::plugin::tap::stats`).

use std::collections::BTreeSet;
use std::ffi::c_int;

use msstun::framing::Transport;
use msstun::Message;
use msstun_analysis::{
    inner_stun, AllocationReport, Analysis, DirectionReport, Finding, Observation, PairReport,
    Report,
};

use super::tables::{Rec, KIND_ALLOC, KIND_DIAG, KIND_ICE};
use msstun::classify::{Carried, Carrier};

pub use crate::epan::stat_table::{Cell, ColType, Column};

const fn u(name: &'static str) -> Column {
    Column {
        name,
        ty: ColType::Uint,
        right: true,
        format: "%u",
    }
}
const fn s(name: &'static str) -> Column {
    Column {
        name,
        ty: ColType::Str,
        right: false,
        format: "%s",
    }
}

/// Columns of the Allocations table.
pub const ALLOC_COLUMNS: &[Column] = &[
    u("ID"),
    s("Transport"),
    s("Client"),
    s("Server"),
    s("Dialect"),
    s("Username"),
    s("Relayed"),
    s("Lifetime"),
    u("First frame"),
    u("Refreshes"),
    u("Peers"),
    s("State"),
    s("Outcome"),
    s("Findings"),
    s("Filter"),
];

/// Columns of the ICE pairs table.
pub const ICE_COLUMNS: &[Column] = &[
    u("Pair"),
    u("Session"),
    s("Transport"),
    s("A"),
    s("B"),
    s("Via"),
    s("State"),
    u("First frame"),
    s("Valid frame"),
    u("Checks A>B"),
    u("OK A>B"),
    u("Checks B>A"),
    u("OK B>A"),
    u("Unanswered"),
    u("RTT us"),
    s("Filter"),
];

/// Columns of the Diagnosis table.
pub const DIAG_COLUMNS: &[Column] = &[
    u("#"),
    u("Frame"),
    s("Severity"),
    s("Finding"),
    s("Allocation"),
    s("Pair"),
    s("Detail"),
    s("Filter"),
    s("Cause"),
    s("Next step"),
];

/// The columns of a table kind (empty: unknown kind).
pub fn columns(kind: c_int) -> &'static [Column] {
    match kind {
        KIND_ALLOC => ALLOC_COLUMNS,
        KIND_ICE => ICE_COLUMNS,
        KIND_DIAG => DIAG_COLUMNS,
        _ => &[],
    }
}

fn opt<T: ToString>(v: Option<T>) -> Cell {
    Cell::S(v.map_or_else(|| "-".to_string(), |v| v.to_string()))
}

fn alloc_row(a: &AllocationReport) -> Vec<Cell> {
    let relayed = match (&a.relayed, a.requested_transport) {
        (Some(r), Some(6)) => format!("{r} (tcp, RFC 6062)"),
        (Some(r), _) => r.clone(),
        (None, _) => "-".into(),
    };
    vec![
        Cell::U(a.id),
        Cell::S(a.transport.into()),
        Cell::S(a.client.clone()),
        Cell::S(a.server.clone()),
        Cell::S(a.dialect.into()),
        opt(a.username.as_ref()),
        Cell::S(relayed),
        opt(a.granted_lifetime),
        Cell::U(a.first_frame),
        Cell::U(a.refreshes.len() as u32),
        Cell::U(a.traffic.len().max(a.permissions.len()) as u32),
        Cell::S(a.end.state.into()),
        Cell::S(a.outcome.clone()),
        Cell::S(a.findings.join(", ")),
        Cell::S(format!("msstun.allocation.id == {}", a.id)),
    ]
}

/// Mean round-trip time of the answered checks both ways, in microseconds.
fn rtt_us(d: [&DirectionReport; 2]) -> u32 {
    let (mut sum, mut n) = (0.0, 0u32);
    for d in d {
        if let Some(avg) = d.rtt_avg {
            sum += avg * f64::from(d.successes.max(1));
            n += d.successes.max(1);
        }
    }
    if n == 0 {
        0
    } else {
        (sum / f64::from(n) * 1e6).round() as u32
    }
}

fn pair_row(session: u32, p: &PairReport) -> Vec<Cell> {
    let via = match p.allocation {
        Some(a) => format!("{} of allocation {a}", p.carrier),
        None => p.carrier.to_string(),
    };
    vec![
        Cell::U(p.id),
        Cell::U(session),
        Cell::S(p.transport.into()),
        Cell::S(p.a.clone()),
        Cell::S(p.b.clone()),
        Cell::S(via),
        Cell::S(p.state.into()),
        Cell::U(p.first_frame),
        opt(p.valid_frame),
        Cell::U(p.a_to_b.requests),
        Cell::U(p.a_to_b.successes),
        Cell::U(p.b_to_a.requests),
        Cell::U(p.b_to_a.successes),
        Cell::U(p.a_to_b.unanswered + p.b_to_a.unanswered),
        Cell::U(rtt_us([&p.a_to_b, &p.b_to_a])),
        Cell::S(format!("msstun.ice.pair == {}", p.id)),
    ]
}

fn finding_row(n: u32, x: &Finding) -> Vec<Cell> {
    let detail = if x.detail.is_empty() {
        x.cause
    } else {
        &x.detail
    };
    vec![
        Cell::U(n),
        Cell::U(x.frame),
        Cell::S(x.severity.into()),
        Cell::S(x.code.into()),
        opt(x.allocation),
        opt(x.pair),
        Cell::S(detail.to_string()),
        Cell::S(format!(
            "msstun.finding == \"{}\" && frame.number == {}",
            x.code, x.frame
        )),
        Cell::S(x.cause.into()),
        Cell::S(x.next_step.into()),
    ]
}

/// What a listener's display filter let through: allocations, pairs and frames seen.
#[derive(Debug, Default)]
pub struct Selection {
    allocs: BTreeSet<u32>,
    pairs: BTreeSet<u32>,
    frames: BTreeSet<u32>,
}

impl Selection {
    fn finding(&self, x: &Finding) -> bool {
        self.frames.contains(&x.frame)
            || x.allocation.is_some_and(|a| self.allocs.contains(&a))
            || x.pair.is_some_and(|p| self.pairs.contains(&p))
    }
}

/// The rows of one kind from a report, as far as `sel` selects them.
pub fn rows(kind: c_int, r: &Report, sel: &Selection) -> Vec<Vec<Cell>> {
    match kind {
        KIND_ALLOC => r
            .allocations
            .iter()
            .filter(|a| sel.allocs.contains(&a.id))
            .map(alloc_row)
            .collect(),
        KIND_ICE => r
            .ice_sessions
            .iter()
            .flat_map(|s| s.pairs.iter().map(move |p| (s.id, p)))
            .filter(|(_, p)| sel.pairs.contains(&p.id))
            .map(|(s, p)| pair_row(s, p))
            .collect(),
        KIND_DIAG => r
            .findings
            .iter()
            .filter(|x| sel.finding(x))
            .enumerate()
            .map(|(i, x)| finding_row(i as u32 + 1, x))
            .collect(),
        _ => Vec::new(),
    }
}

/// The state behind one table dialog (or one tshark `-z msstun,table_…`).
#[derive(Debug)]
pub struct GuiRows {
    kind: c_int,
    sel: Selection,
    /// The rows made last.
    pub rows: Vec<Vec<Cell>>,
}

impl GuiRows {
    /// An empty table of `kind`.
    pub fn new(kind: c_int) -> GuiRows {
        GuiRows {
            kind,
            sel: Selection::default(),
            rows: Vec::new(),
        }
    }

    /// Forget the rows (a new tap run).
    pub fn reset(&mut self) {
        self.sel = Selection::default();
        self.rows.clear();
    }

    /// A record passed the listener's filter: select what it belongs to in `an` (the
    /// capture's analysis, `finished` or not) and remake the rows when that changed what
    /// they show. Returns whether the rows changed.
    pub fn record(&mut self, an: &Analysis, finished: bool, r: &Rec<'_>) -> bool {
        let before = (
            self.sel.allocs.len(),
            self.sel.pairs.len(),
            self.sel.frames.len(),
        );
        select(an, r, &mut self.sel);
        let grown = before
            != (
                self.sel.allocs.len(),
                self.sel.pairs.len(),
                self.sel.frames.len(),
            );
        // A finished analysis does not change: the rows change only with the selection.
        // While it is still being fed (tshark's one pass), every record may change them.
        if !grown && finished {
            return false;
        }
        let new = rows(self.kind, &an.report(), &self.sel);
        if new == self.rows {
            return false;
        }
        self.rows = new;
        true
    }
}

/// The rows of a table dialog over the dissector's capture-wide analysis (the session
/// state's).
impl crate::epan::stat_table::Rows for GuiRows {
    fn clear(&mut self) {
        self.reset();
    }

    fn on_record(&mut self, r: &Rec<'_>) -> bool {
        crate::session::with(|s| self.record(&s.analysis, s.analysis_finished, r))
    }

    fn cells(&self) -> &[Vec<Cell>] {
        &self.rows
    }
}

/// Add the allocation, pair and frame of record `r` (as `an` answers for it) to `sel`.
fn select(an: &Analysis, r: &Rec<'_>, sel: &mut Selection) {
    sel.frames.insert(r.frame);
    let Ok(msg) = Message::new_checked(r.bytes) else {
        return;
    };
    let transport = if r.tcp {
        Transport::Tcp
    } else {
        Transport::Udp
    };
    let obs = Observation::direct(r.frame, r.time, transport, r.src, r.dst);
    let carried = match r.carried() {
        // Answered with its indication.
        Some(c) if c.carrier == Carrier::DataAttribute => return,
        Some(c) if !c.is_flow() => Some(c),
        _ => None,
    };
    let mut answers = Vec::with_capacity(2);
    match carried {
        Some(c) => {
            let o = obs.with_carrier(c);
            answers.push(an.answer_relayed(&o));
            answers.push(an.answer(&o, &msg));
        }
        None => {
            answers.push(an.answer(&obs, &msg));
            if let Some((peer, data)) = inner_stun(&msg) {
                if let Ok(inner) = Message::new_checked(data) {
                    let o = obs.with_carrier(Carried::data_attribute(peer));
                    answers.push(an.answer(&o, &inner));
                }
            }
        }
    }
    for a in answers {
        if let Some(id) = a.allocation {
            sel.allocs.insert(id);
        }
        if let Some(p) = a.pair {
            sel.pairs.insert(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::stats::tables::tests::{binding, rec};

    /// Frame, source, destination, message.
    type Msg = (u32, &'static str, &'static str, Vec<u8>);

    /// A pair checked both ways, then a lone request on a second pair.
    fn analysed() -> (Analysis, Vec<Msg>) {
        let (a, b, c) = ("10.0.0.1:5000", "10.0.0.2:6000", "10.0.0.3:7000");
        let msgs = vec![
            (1, a, b, binding(0x0000, 1, Some("R:L"))),
            (2, b, a, binding(0x0100, 1, None)),
            (3, b, a, binding(0x0000, 2, Some("L:R"))),
            (4, a, b, binding(0x0100, 2, None)),
            (5, a, c, binding(0x0000, 3, Some("R:L"))),
        ];
        let mut an = Analysis::new();
        for (frame, src, dst, m) in &msgs {
            let r = rec(*frame, src, dst, m);
            let obs = Observation::direct(frame.to_owned(), r.time, Transport::Udp, r.src, r.dst);
            an.observe(&obs, &Message::new_checked(&m[..]).unwrap());
        }
        an.finish(None);
        (an, msgs)
    }

    #[test]
    fn every_row_has_its_columns_and_a_filter() {
        let (an, msgs) = analysed();
        for kind in [KIND_ALLOC, KIND_ICE, KIND_DIAG] {
            let mut t = GuiRows::new(kind);
            for (frame, src, dst, m) in &msgs {
                t.record(&an, true, &rec(*frame, src, dst, m));
            }
            for row in &t.rows {
                assert_eq!(row.len(), columns(kind).len(), "{row:?}");
                for (cell, col) in row.iter().zip(columns(kind)) {
                    let ok = matches!(
                        (cell, col.ty),
                        (Cell::U(_), ColType::Uint)
                            | (Cell::S(_), ColType::Str)
                            | (Cell::F(_), ColType::Float)
                    );
                    assert!(ok, "{} {cell:?}", col.name);
                }
            }
        }
        let mut t = GuiRows::new(KIND_ICE);
        for (frame, src, dst, m) in &msgs {
            t.record(&an, true, &rec(*frame, src, dst, m));
        }
        assert_eq!(t.rows.len(), 2, "{:?}", t.rows);
        assert_eq!(t.rows[0][0], Cell::U(1));
        assert_eq!(t.rows[0][6], Cell::S("valid".into()));
        assert_eq!(t.rows[0][15], Cell::S("msstun.ice.pair == 1".into()));
        assert_eq!(t.rows[1][13], Cell::U(1), "{:?}", t.rows[1]);
    }

    #[test]
    fn the_filter_chooses_rows_and_a_finished_analysis_is_read_once_per_change() {
        let (an, msgs) = analysed();
        let mut t = GuiRows::new(KIND_ICE);
        // Only the lone request passed the listener's filter: its pair alone.
        let (frame, src, dst, m) = &msgs[4];
        assert!(t.record(&an, true, &rec(*frame, src, dst, m)));
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0][0], Cell::U(2));
        assert!(!t.record(&an, true, &rec(*frame, src, dst, m)));
        let mut d = GuiRows::new(KIND_DIAG);
        d.record(&an, true, &rec(*frame, src, dst, m));
        assert!(!d.rows.is_empty());
        for row in &d.rows {
            assert_eq!(row[5], Cell::S("2".into()), "{row:?}");
            let Cell::S(filter) = &row[7] else { panic!() };
            assert!(filter.starts_with("msstun.finding == \""), "{filter}");
        }
        t.reset();
        assert!(t.rows.is_empty());
    }
}
