//! The capture-wide session analysis (`msstun_analysis`: allocations, ICE sessions and
//! candidate pairs) fed from the dissector and shown on each message: `msstun.allocation.id`
//! and `.state`, `msstun.ice.session`, `.pair`, `.pair.state`, `.pair.final_state`, and an
//! expert item per event. First pass: observed in frame order; later passes: answered from
//! the analysis (any order). Conclusions only the end of the capture gives (a check never
//! answered, an allocation that expired) appear from the second pass on (`tshark -2`).

use std::fmt::Write as _;

use msstun::classify::Carried;
use msstun_analysis::{follows, Answer, Event, Observation};

use super::Ctx;
use crate::epan::{Item, Packet, Tree};
use crate::session;

/// The observation of a message or payload in this context carried as `carrier`, when the
/// session analysis applies to it (it follows what carried the context and `carrier`), with
/// the message's `integrity` as checked.
#[inline]
fn observation(ctx: &Ctx<'_>, carrier: Carried, integrity: Option<bool>) -> Option<Observation> {
    if !follows(&ctx.carried) || !follows(&carrier) || !Packet::analyze_sessions() {
        return None;
    }
    let (src, dst) = ctx.ends?;
    let (s, ns) = ctx.pinfo.abs_time();
    Some(Observation {
        frame: ctx.num,
        time: s as f64 + ns as f64 * 1e-9,
        transport: ctx.pinfo.transport(),
        src,
        dst,
        tcp_stream: None,
        carrier,
        integrity,
    })
}

/// The observation of the message this context dissects, when the session analysis applies
/// (read before the session state is locked: see [`message`]).
#[inline]
pub(super) fn message_observation(ctx: &Ctx<'_>, integrity: Option<bool>) -> Option<Observation> {
    observation(ctx, ctx.carried, integrity)
}

/// Count a relayed payload of `len` bytes (ChannelData, data connections, MS-TURN data).
pub(super) fn relayed(ctx: &Ctx<'_>, carrier: Carried, len: usize) {
    if ctx.visited {
        return;
    }
    let Some(obs) = observation(ctx, carrier, None) else {
        return;
    };
    let input = session::Input::Relayed(len);
    session::with(|s| s.feed(ctx.at(), ctx.pinfo.abs_time(), Some(&obs), input, false));
}

/// Show what the analysis answered for a message.
pub(super) fn show<'p>(ctx: &Ctx<'p>, st: Tree<'p>, ti: Item<'p>, a: &Answer) {
    let f = ctx.f;
    if let Some(id) = a.allocation {
        ctx.add_generated(st, f.allocation_id, 0, 0, id);
    }
    if let Some(state) = a.alloc_state {
        if ctx.want(f.allocation_state) {
            st.add_string(f.allocation_state, ctx.tvb, 0, 0, ctx.text(state.key()))
                .set_generated();
        }
    }
    if let Some(id) = a.ice_session {
        ctx.add_generated(st, f.ice_session, 0, 0, id);
    }
    if let Some(id) = a.pair {
        ctx.add_generated(st, f.ice_pair, 0, 0, id);
    }
    for (hf, state) in [
        (f.ice_pair_state, a.pair_state),
        (f.ice_pair_final, a.pair_final),
    ] {
        if let Some(state) = state {
            if ctx.want(hf) {
                st.add_string(hf, ctx.tvb, 0, 0, ctx.text(state.key()))
                    .set_generated();
            }
        }
    }
    if a.events.is_empty() {
        return;
    }
    // The findings this frame proves: their code as `msstun.finding`, their text (what
    // they name, the next step) as the expert item; a finding that depends on what came
    // before the capture is the boundary note instead of its own warning.
    let texts: Vec<(Event, bool, String)> = session::with(|s| {
        a.events
            .iter()
            .map(|e| {
                let f = s.analysis.findings_at(ctx.num).find(|f| f.event == e);
                let mut text = f.map_or_else(|| e.summary().to_string(), |f| f.short_text());
                match f.map(|f| (f.pair, f.session, f.allocation)) {
                    Some((Some(p), _, _)) => {
                        let _ = write!(text, " (candidate pair {p})");
                    }
                    Some((None, Some(s), _)) => {
                        let _ = write!(text, " (ICE session {s})");
                    }
                    Some((None, None, Some(id))) => {
                        let _ = write!(text, " (allocation {id})");
                    }
                    _ => {}
                }
                (e, a.boundary.contains(e), text)
            })
            .collect()
    });
    for (e, boundary, text) in texts {
        if ctx.want(f.finding) {
            st.add_string(f.finding, ctx.tvb, 0, 0, ctx.text(e.key()))
                .set_generated();
        }
        if boundary {
            ctx.pinfo.boundary_note(ti, ctx.text(&text));
        } else {
            ctx.pinfo.event(ti, e, ctx.text(&text));
        }
    }
}
