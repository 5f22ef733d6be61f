//! Relayed payloads and what travels beside ICE checks: classified by RFC 7983's first
//! byte (`msstun::classify`), STUN decoded by msstun itself, the rest handed on.

use std::cell::Cell;

use msstun::classify::{classify, Carrier, PayloadKind};
use msstun::detect::detect_framing;
use msstun::framing::{Framing, PduKind, Transport};

use super::{analysis, info, pdu, Ctx};
use crate::epan::{Encoding, Hf, Tree};
use crate::expert::Expert;
use crate::session;
use msstun_analysis::Carrier as AnCarrier;

/// How deep STUN inside relayed data is decoded (a check in a Send indication: 1).
const MAX_DEPTH: u8 = 2;

/// Show relayed bytes as `hf` and hand them on (see [`hand_over`]).
pub(super) fn relayed<'p>(
    ctx: &Ctx<'p>,
    st: Tree<'p>,
    hf: Hf,
    off: usize,
    len: usize,
    carrier: Carrier,
) {
    ctx.add_item(st, hf, off, len, Encoding::Na);
    hand_over(ctx, st, off, len, carrier);
}

/// The dissector of a payload of `kind`, by name (`None`: the heuristics decide).
fn dissector_of(kind: PayloadKind) -> Option<&'static std::ffi::CStr> {
    match kind {
        PayloadKind::Rtp => Some(c"rtp"),
        PayloadKind::Rtcp => Some(c"rtcp"),
        PayloadKind::Dtls => Some(c"dtls"),
        PayloadKind::Zrtp => Some(c"zrtp"),
        _ => None,
    }
}

/// Hand `len` bytes at `off` on, noting under `st` (when there is one) what they are
/// (`msstun.payload.kind`) and what carried them (`msstun.payload.carrier`). STUN (an ICE
/// check inside a Send indication, ChannelData or a data connection) is decoded by msstun
/// itself, as a layer of its own; RTP, RTCP, DTLS and ZRTP (RFC 7983) go to Wireshark's
/// dissectors of them; anything else to the relayed-data heuristics (or `data`). A dissector
/// that recognises the data writes its own Protocol and Info columns. Whatever those
/// dissectors do, the flow stays msstun's (a heuristic that accepts a payload may make itself
/// the dissector of the packet's conversation, as the built-in stun does).
pub(super) fn hand_over<'p>(ctx: &Ctx<'p>, st: Tree<'p>, off: usize, len: usize, carrier: Carrier) {
    if len == 0 {
        return;
    }
    let Some(sub) = ctx.tvb.subset(off, len) else {
        return;
    };
    let bytes = sub.bytes();
    let stun = ctx.depth < MAX_DEPTH
        && detect_framing(Framing::Plain, Transport::Udp, bytes)
            .found()
            .is_some();
    let kind = if stun {
        PayloadKind::Stun
    } else {
        classify(bytes)
    };
    let inner_carrier = analysis_carrier(ctx, off, carrier);
    if let Some(c) = inner_carrier.filter(|_| carrier != Carrier::DataAttribute) {
        if !matches!(c, AnCarrier::Direct) {
            analysis::relayed(ctx, c, len);
        }
    }
    let f = ctx.f;
    ctx.add_generated(st, f.payload_kind, off, len, u32::from(kind.code()));
    ctx.add_generated(st, f.payload_carrier, off, len, u32::from(carrier.code()));
    if stun {
        let inner = Ctx {
            f: ctx.f,
            tvb: sub,
            pinfo: ctx.pinfo,
            tree: ctx.tree,
            transport: Transport::Udp,
            conv: ctx.conv,
            num: ctx.num,
            visited: ctx.visited,
            visible: ctx.visible,
            pdus: Cell::new(ctx.pdus.get()),
            depth: ctx.depth + 1,
            carrier: inner_carrier,
            carried: Some((carrier, channel_at(ctx, off).unwrap_or(0))),
            data_peer: Cell::new(None),
        };
        let kind = PduKind::Stun { offset: 0, len };
        pdu::dissect_pdu(&inner, 0, bytes, kind, Framing::Plain);
        ctx.pdus.set(inner.pdus.get());
        return;
    }
    ctx.pinfo.call_relayed(sub, ctx.tree, dissector_of(kind));
    if !ctx.visited {
        ctx.pinfo.claim_conversation();
    }
}

/// The channel number of the ChannelData whose payload starts at `off` (its header, channel
/// number and length, precedes the payload).
fn channel_at(ctx: &Ctx<'_>, off: usize) -> Option<u16> {
    let h = ctx
        .tvb
        .bytes()
        .get(off.checked_sub(4)?..off.checked_sub(2)?)?;
    Some(u16::from_be_bytes([h[0], h[1]]))
}

/// How the session analysis sees a payload at `off` carried by `carrier` (`None`: it does
/// not follow it).
fn analysis_carrier(ctx: &Ctx<'_>, off: usize, carrier: Carrier) -> Option<AnCarrier> {
    ctx.carrier?;
    Some(match carrier {
        Carrier::ChannelData => AnCarrier::ChannelData {
            channel: channel_at(ctx, off)?,
        },
        Carrier::DataAttribute => AnCarrier::DataAttribute {
            peer: ctx.data_peer.get()?,
        },
        Carrier::DataConnection => AnCarrier::TcpData,
        Carrier::MsTurnData | Carrier::MultiplexedTurn => AnCarrier::MsTurnData { peer: None },
        Carrier::Flow => AnCarrier::Direct,
    })
}

/// A payload that is not STUN, ChannelData or a framing msstun knows, on a port or flow
/// msstun owns: its RFC 7983 class, one note per flow, then handed on.
pub(super) fn not_stun(ctx: &Ctx<'_>, bytes: &[u8]) {
    let kind = classify(bytes);
    let (st, ti) = ctx.add_layer(0, None);
    let text = match (kind, bytes.first()) {
        (PayloadKind::Other | PayloadKind::Stun, Some(b)) => {
            format!("Not STUN (first byte 0x{b:02x}), {} bytes", bytes.len())
        }
        _ => format!(
            "Not STUN: {} by its first byte, {} bytes",
            kind.name(),
            bytes.len()
        ),
    };
    let text = ctx.text(&text);
    ti.append_text(text);
    info::set_columns(ctx, text);
    let note = session::with(|s| {
        let c = s.convs.entry(ctx.conv).or_default();
        if !ctx.visited && c.not_stun_note.is_none() {
            c.not_stun_note = Some(ctx.num);
        }
        c.not_stun_note == Some(ctx.num)
    });
    if note {
        let msg = ctx.text(&format!(
            "{} payload on a STUN/TURN port or flow (RFC 7983 first byte): handed on; \
             noted once per flow",
            kind.name()
        ));
        ctx.expert(ti, Expert::NotStun, msg);
    }
    hand_over(ctx, st, 0, bytes.len(), Carrier::Flow);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_goes_to_wiresharks_own_dissectors() {
        assert_eq!(dissector_of(PayloadKind::Rtp), Some(c"rtp"));
        assert_eq!(dissector_of(PayloadKind::Rtcp), Some(c"rtcp"));
        assert_eq!(dissector_of(PayloadKind::Dtls), Some(c"dtls"));
        assert_eq!(dissector_of(PayloadKind::Zrtp), Some(c"zrtp"));
        assert_eq!(dissector_of(PayloadKind::Other), None);
    }
}
