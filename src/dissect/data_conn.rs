//! An RFC 6062 data connection after its ConnectionBind success: RFC 4571-framed STUN (the
//! ICE checks) is dissected as messages, everything else is relayed data, handed on frame
//! by frame when it is a whole number of RFC 4571 frames. The scan of a segment is the
//! parser's (`msstun::data_conn`).

use std::cell::Cell;

use msstun::classify::{Carried, Carrier};
use msstun::data_conn::{frames, scan, Segment};
use msstun::framing::{Framing, Kind};

use super::links::{show_tcp_data, TcpDataAt};
use super::{info, pdu, relayed, Ctx};
use crate::epan::Encoding;
use crate::session::{self, DataConn, Origins};

/// A segment of data connection `dc`.
pub(super) fn dissect_data_conn(ctx: &Ctx<'_>, bytes: &[u8], whole: bool, dc: DataConn) {
    for part in scan(bytes) {
        match part {
            Segment::Unit {
                offset,
                kind: Kind::Data { .. },
                ..
            } => relayed_data(ctx, bytes, offset, dc),
            Segment::Unit { offset, len, kind } => {
                // The session analysis sees STUN on a bound data connection as carried by
                // it (the agents' view: relayed address and peer), as the feeding rules say.
                let carried = carried_by(dc);
                super::analysis::relayed(ctx, carried, len);
                let inner = Ctx {
                    carried,
                    pdus: Cell::new(ctx.pdus.get()),
                    data_peer: Cell::new(None),
                    ..*ctx
                };
                pdu::dissect_pdu(
                    &inner,
                    offset,
                    &bytes[offset..offset + len],
                    kind,
                    Framing::Rfc4571,
                );
                ctx.pdus.set(inner.pdus.get());
            }
            Segment::NeedMore { offset, more } if whole && ctx.pinfo.can_desegment() => {
                ctx.pinfo.desegment(offset, Some(more));
            }
            Segment::NeedMore { offset, .. } => {
                relayed_data(ctx, bytes, offset, dc);
            }
        }
    }
}

/// How data connection `dc` carries its payloads: named by its CONNECTION-ID.
fn carried_by(dc: DataConn) -> Carried {
    Carried {
        connection: Some(dc.connection_id),
        ..Carried::new(Carrier::DataConnection)
    }
}

/// Relayed data from `off` to the end of the segment.
fn relayed_data(ctx: &Ctx<'_>, bytes: &[u8], off: usize, dc: DataConn) {
    let f = ctx.f;
    let len = bytes.len();
    let origins = session::with(|s| Origins::of(s, Some((dc.server, dc.connection_id))));
    let (st, ti) = ctx.add_layer(off, Some(len - off));
    let text = ctx.text(&format!("RFC 6062 relayed data, {} bytes", len - off));
    ti.append_text(text);
    info::set_columns(ctx, text);
    show_tcp_data(
        ctx,
        st,
        dc.connection_id,
        origins,
        (Some(dc.bind_frame), None),
        TcpDataAt::Data,
    );
    // Relayed data that is a whole number of RFC 4571 frames (RTP over ICE-TCP, as Skype for
    // Business sends it): each frame's length, then its content handed on.
    match frames(bytes, off) {
        Some(frames) => {
            for (s, l) in frames {
                st.add_item(f.framing_length, ctx.tvb, s, 2, Encoding::BigEndian);
                relayed::relayed(ctx, st, f.td_relayed, s + 2, l - 2, carried_by(dc));
            }
        }
        None => relayed::relayed(ctx, st, f.td_relayed, off, len - off, carried_by(dc)),
    }
}
