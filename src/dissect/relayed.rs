//! Relayed payloads and what travels beside ICE checks: classified by RFC 7983's first
//! byte (`msstun::classify`), STUN decoded by msstun itself, the rest handed on.

use std::cell::Cell;

use msstun::classify::{classify, Carried, Carrier, PayloadKind};
use msstun::detect::detect_framing;
use msstun::framing::{Framing, PduKind, Transport};
use msstun::media::{is_zrtp, DtlsRecord, Encryption, MediaKind, RtpHeader, SrtcpTrailer};

use super::{analysis, info, pdu, Ctx};
use crate::epan::{Encoding, Hf, Packet, Tree, Tvb};
use crate::expert::Expert;
use crate::session;

/// How deep STUN inside relayed data is decoded (a check in a Send indication: 1).
const MAX_DEPTH: u8 = 2;

/// Show relayed bytes as `hf` and hand them on (see [`hand_over`]).
pub(super) fn relayed<'p>(
    ctx: &Ctx<'p>,
    st: Tree<'p>,
    hf: Hf,
    off: usize,
    len: usize,
    carried: impl Into<Carried>,
) {
    ctx.add_item(st, hf, off, len, Encoding::Na);
    hand_over(ctx, st, off, len, carried);
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
/// the dissector of the packet's conversation, as the built-in stun does). `carried`: what
/// carried them, with its data (a DATA attribute names the peer of the indication being
/// dissected).
pub(super) fn hand_over<'p>(
    ctx: &Ctx<'p>,
    st: Tree<'p>,
    off: usize,
    len: usize,
    carried: impl Into<Carried>,
) {
    let mut carried = carried.into();
    if len == 0 {
        return;
    }
    let carrier = carried.carrier;
    if carrier == Carrier::DataAttribute {
        carried = carried.or_peer(ctx.data_peer.get());
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
    let is_kind = is_what_its_range_says(ctx, kind, bytes);
    // Decoding payloads off, or one dissector forced for all of them: no media classes.
    let enc = if Packet::payloads_by_class() {
        encryption()
    } else {
        Encryption::Rtp
    };
    let srtp_flow = matches!(kind, PayloadKind::Rtp | PayloadKind::Rtcp)
        && enc == Encryption::Auto
        && srtp_flow(ctx);
    let media = MediaKind::of(kind, bytes, enc, srtp_flow);
    // Counted here; a DATA attribute's bytes are counted with their indication.
    if carrier != Carrier::DataAttribute && !carried.is_flow() {
        analysis::relayed(ctx, carried, len);
    }
    let f = ctx.f;
    ctx.add_generated(st, f.payload_kind, off, len, u32::from(kind.code()));
    ctx.add_generated(st, f.payload_carrier, off, len, u32::from(carrier.code()));
    if stun {
        return stun_inside(ctx, sub, carried);
    }
    // `msstun.media_encryption: rtp` (or payloads not classified): everything plain.
    let plain = enc == Encryption::Rtp;
    match media {
        Some(m @ (MediaKind::Srtp | MediaKind::Rtp)) => match RtpHeader::parse(bytes) {
            // Not even a whole RTP header (its CSRC list or extension runs past the data):
            // not RTP, whatever its first byte says (RFC 7983), on any flow, SRTP or not
            // (Telegram's own cipher); the heuristics, or data.
            None => ctx.pinfo.call_relayed(sub, ctx.tree, None),
            // SRTP by the flow or the preference; or a padding count that cannot be
            // (RFC 3550 §5.1): not plain, shown as SRTP, nothing read from ciphertext.
            Some(h) if !plain && (m == MediaKind::Srtp || !h.fits_plain(bytes)) => {
                srtp(ctx, off, sub, bytes, &h);
            }
            Some(_) => ctx.pinfo.call_relayed(sub, ctx.tree, Some(c"rtp")),
        },
        Some(MediaKind::Srtcp(t)) if !plain => {
            if let Some(t) = &t {
                srtcp_trailer(ctx, st, off, t);
            }
            // E set (or a trailer msstun cannot place): everything after the first 8 bytes
            // of the compound is ciphertext, which Wireshark's srtcp reads as reports unless
            // it saw the keys' setup. E clear: plain reports, Wireshark's srtcp shows them.
            let plain = t.as_ref().is_some_and(|t| !t.encrypted);
            if plain || !srtcp_encrypted(ctx, st, off, bytes, t.as_ref()) {
                ctx.pinfo.call_relayed(sub, ctx.tree, Some(c"srtcp"));
            }
        }
        // Not DTLS or ZRTP whatever the first byte says: the heuristics, or data, as
        // without msstun (Wireshark's DTLS would read it as broken records).
        _ if !is_kind => ctx.pinfo.call_relayed(sub, ctx.tree, None),
        _ => ctx.pinfo.call_relayed(sub, ctx.tree, dissector_of(kind)),
    }
    if !ctx.visited {
        ctx.pinfo.claim_conversation();
    }
}

/// Whether a payload in DTLS's or ZRTP's first-byte range is what its range says
/// (Telegram's own cipher fills those ranges with records that are neither); true for every
/// other kind.
fn is_what_its_range_says(ctx: &Ctx<'_>, kind: PayloadKind, bytes: &[u8]) -> bool {
    match kind {
        PayloadKind::Dtls => match DtlsRecord::of(bytes) {
            DtlsRecord::Plain => {
                // DTLS beside STUN or relayed: DTLS-SRTP keys the media of this flow.
                dtls_seen(ctx);
                srtp_evidence(ctx);
                true
            }
            // DTLS 1.3 begins with DTLSPlaintext records (RFC 9147 §4): unified headers
            // only after those (a capture that begins later shows them as stock does).
            DtlsRecord::Unified | DtlsRecord::UnifiedCid => dtls_flow(ctx),
            DtlsRecord::No => false,
        },
        PayloadKind::Zrtp => is_zrtp(bytes),
        _ => true,
    }
}

/// STUN found in a relayed payload `sub` (an ICE check, a TURN message inside TURN): one
/// level deeper, as a layer of its own, with what carried it.
fn stun_inside<'p>(ctx: &Ctx<'p>, sub: Tvb<'p>, carried: Carried) {
    let bytes = sub.bytes();
    let len = bytes.len();
    let inner = Ctx {
        f: ctx.f,
        tvb: sub,
        pinfo: ctx.pinfo,
        tree: ctx.tree,
        transport: Transport::Udp,
        conv: ctx.conv,
        ends: ctx.ends,
        num: ctx.num,
        visited: ctx.visited,
        visible: ctx.visible,
        pdus: Cell::new(ctx.pdus.get()),
        depth: ctx.depth + 1,
        carried,
        data_peer: Cell::new(None),
    };
    let kind = PduKind::stun(0, len);
    pdu::dissect_pdu(&inner, 0, bytes, kind, Framing::Plain);
    ctx.pdus.set(inner.pdus.get());
}

/// The `msstun.media_encryption` preference.
fn encryption() -> Encryption {
    match Packet::media_encryption() {
        1 => Encryption::Srtp,
        2 => Encryption::Rtp,
        _ => Encryption::Auto,
    }
}

/// Note that this flow shows SRTP to be the rule (an ICE check with MESSAGE-INTEGRITY, DTLS,
/// a Microsoft dialect): from this frame on, its RTP is SRTP (by frame order, so that every
/// pass shows the same; RTP before the evidence, as before a DTLS-SRTP handshake, stays RTP).
pub(super) fn srtp_evidence(ctx: &Ctx<'_>) {
    if ctx.visited {
        return;
    }
    session::with(|s| {
        let c = s.convs.entry(ctx.conv).or_default();
        if c.srtp_from.is_none_or(|n| n > ctx.num) {
            c.srtp_from = Some(ctx.num);
        }
    });
}

/// Note that this flow carries DTLS (a record with a DTLS header) from this frame on.
fn dtls_seen(ctx: &Ctx<'_>) {
    if ctx.visited {
        return;
    }
    session::with(|s| {
        let c = s.convs.entry(ctx.conv).or_default();
        if c.dtls_from.is_none_or(|n| n > ctx.num) {
            c.dtls_from = Some(ctx.num);
        }
    });
}

/// Whether this flow carried DTLS before this frame (see [`dtls_seen`]).
fn dtls_flow(ctx: &Ctx<'_>) -> bool {
    session::with(|s| s.convs.get(&ctx.conv).and_then(|c| c.dtls_from)).is_some_and(|n| n < ctx.num)
}

/// Whether SRTP is the rule on this flow at this frame (see [`srtp_evidence`]).
fn srtp_flow(ctx: &Ctx<'_>) -> bool {
    session::with(|s| s.convs.get(&ctx.conv).and_then(|c| c.srtp_from))
        .is_some_and(|n| n <= ctx.num)
}

/// Show the SRTP packet `sub` (at `off` of the context's tvb) as SRTP: its RTP header
/// (RFC 3550 §5.1, in the clear in SRTP, RFC 3711 §3.1) field by field, then the rest —
/// encrypted payload, padding (its count is encrypted: never read) and authentication tag —
/// as one opaque item; the RTP tap gets the packet (marked SRTP) so that RTP stream tools
/// list it. `h` is the packet's header (parsed from `bytes`, so it fits).
fn srtp<'p>(ctx: &Ctx<'p>, off: usize, sub: Tvb<'p>, bytes: &[u8], h: &RtpHeader) {
    let f = ctx.f;
    ctx.pinfo.set_protocol_name(c"SRTP");
    if ctx.pinfo.has_columns() {
        let text = format!(
            "PT={}, SSRC=0x{:X}, Seq={}, Time={}{}",
            h.payload_type,
            h.ssrc,
            h.seq,
            h.timestamp,
            if h.marker { ", Mark" } else { "" }
        );
        ctx.pinfo.set_info(ctx.text(&text));
    }
    let fields = [
        f.srtp,
        f.srtp_version,
        f.srtp_padding,
        f.srtp_extension,
        f.srtp_cc,
        f.srtp_marker,
        f.srtp_pt,
        f.srtp_seq,
        f.srtp_timestamp,
        f.srtp_ssrc,
        f.srtp_csrc,
        f.srtp_ext,
        f.srtp_encrypted,
    ];
    if ctx.visible || fields.iter().any(|h| h.referenced()) {
        // The subtree is added whenever one of its fields is wanted (a filter on a field
        // needs its parent item).
        let ti = ctx
            .tree
            .add_item(f.srtp, ctx.tvb, off, bytes.len(), Encoding::Na);
        let t = ti.subtree(f.ett_srtp);
        let b0 = bytes[0];
        ctx.add_uint(t, f.srtp_version, off, 1, u32::from(b0 >> 6));
        if ctx.want(f.srtp_padding) {
            t.add_bool(f.srtp_padding, ctx.tvb, off, 1, h.padding);
        }
        if ctx.want(f.srtp_extension) {
            t.add_bool(f.srtp_extension, ctx.tvb, off, 1, b0 & 0x10 != 0);
        }
        ctx.add_uint(t, f.srtp_cc, off, 1, u32::from(b0 & 0x0f));
        if ctx.want(f.srtp_marker) {
            t.add_bool(f.srtp_marker, ctx.tvb, off + 1, 1, h.marker);
        }
        ctx.add_uint(t, f.srtp_pt, off + 1, 1, u32::from(h.payload_type));
        ctx.add_uint(t, f.srtp_seq, off + 2, 2, u32::from(h.seq));
        ctx.add_uint(t, f.srtp_timestamp, off + 4, 4, h.timestamp);
        ctx.add_uint(t, f.srtp_ssrc, off + 8, 4, h.ssrc);
        let csrc_end = 12 + 4 * usize::from(b0 & 0x0f);
        for at in (12..csrc_end).step_by(4) {
            let v = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
            ctx.add_uint(t, f.srtp_csrc, off + at, 4, v);
        }
        if h.header_len > csrc_end {
            ctx.add_item(
                t,
                f.srtp_ext,
                off + csrc_end,
                h.header_len - csrc_end,
                Encoding::Na,
            );
        }
        if bytes.len() > h.header_len {
            let n = bytes.len() - h.header_len;
            ctx.add_item(t, f.srtp_encrypted, off + h.header_len, n, Encoding::Na);
        }
        if ctx.visible {
            let text = format!(
                ", PT={}, SSRC=0x{:X}, Seq={}",
                h.payload_type, h.ssrc, h.seq
            );
            ti.append_text(ctx.text(&text));
        }
    }
    ctx.pinfo.rtp_tap(sub, h.header_len, ctx.conv);
}

/// The SRTCP trailer of the payload at `off`, under `st`: E flag, index, MKI and tag where
/// msstun found them (Wireshark's `srtcp` shows them only when it knows the stream's keys'
/// setup, and then in the RFC 3711 layout even for AES-GCM).
fn srtcp_trailer<'p>(ctx: &Ctx<'p>, st: Tree<'p>, off: usize, t: &SrtcpTrailer) {
    let f = ctx.f;
    let at = off + t.index_at;
    if ctx.want(f.srtcp_e) {
        st.add_bool(f.srtcp_e, ctx.tvb, at, 4, t.encrypted);
    }
    ctx.add_uint(st, f.srtcp_index, at, 4, t.index);
    if t.mki_len > 0 {
        ctx.add_item(st, f.srtcp_mki, at + 4, t.mki_len, Encoding::Na);
    }
    ctx.add_item(
        st,
        f.srtcp_auth_tag,
        off + t.tag_at,
        t.tag_len,
        Encoding::Na,
    );
}

/// Show an encrypted SRTCP compound (E flag set) as SRTCP: the first header's payload type
/// and SSRC (in the clear, RFC 3711 §3.4), the encrypted rest (with the trailer when msstun
/// could not place it) as one opaque item; nothing read from ciphertext. `false`: the
/// compound is too short for its header.
fn srtcp_encrypted<'p>(
    ctx: &Ctx<'p>,
    st: Tree<'p>,
    off: usize,
    bytes: &[u8],
    t: Option<&SrtcpTrailer>,
) -> bool {
    let end = t.map_or(bytes.len(), |t| t.compound_len.min(bytes.len()));
    if end < 8 {
        return false;
    }
    let f = ctx.f;
    let pt = bytes[1];
    let ssrc = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    ctx.pinfo.set_protocol_name(c"SRTCP");
    if ctx.pinfo.has_columns() {
        let text = match t {
            Some(t) => format!(
                "SRTCP (encrypted), PT={pt}, SSRC=0x{ssrc:X}, index {}",
                t.index
            ),
            None => format!("SRTCP (encrypted), PT={pt}, SSRC=0x{ssrc:X}"),
        };
        ctx.pinfo.set_info(ctx.text(&text));
    }
    ctx.add_uint(st, f.srtcp_pt, off + 1, 1, u32::from(pt));
    ctx.add_uint(st, f.srtcp_ssrc, off + 4, 4, ssrc);
    if end > 8 {
        ctx.add_item(st, f.srtcp_encrypted, off + 8, end - 8, Encoding::Na);
    }
    true
}

/// What carried this context's bytes when they were found in relayed data (`None` for the
/// packet's own payload and its RFC 6062 data connection's messages).
pub(super) fn found_in(ctx: &Ctx<'_>) -> Option<Carried> {
    (ctx.depth > 0).then_some(ctx.carried)
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
