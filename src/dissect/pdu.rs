//! One PDU: its framing header (RFC 4571 length, [MS-TURN] TCP type/reserved/length), then
//! what it carries.

use msstun::classify::{Carried, Carrier};
use msstun::framing::{framing_code, Framing, PduKind};

use super::{info, message, relayed, Ctx};
use crate::epan::{Encoding, Item, PStr, Tree};
use crate::expert::Expert;

/// One PDU at `off`: its framing header, then what it carries.
pub(super) fn dissect_pdu(ctx: &Ctx<'_>, off: usize, pdu: &[u8], kind: PduKind, framing: Framing) {
    let f = ctx.f;
    let (st, ti) = ctx.add_layer(off, Some(pdu.len()));
    ctx.add_generated(st, f.framing, off, 0, framing_code(framing, ctx.transport));
    framing_header(ctx, st, ti, off, pdu, kind, framing);
    match kind {
        PduKind::Stun { message, dialect } if message.end() <= pdu.len() => {
            let bytes = &pdu[message.offset..message.end()];
            message::dissect_stun(ctx, st, ti, off + message.offset, bytes, dialect);
        }
        PduKind::ChannelData { channel, data } if data.offset >= 4 && data.end() <= pdu.len() => {
            let (offset, len) = (data.offset, data.len);
            let h = off + offset - 4;
            ctx.add_uint(st, f.channel, h, 2, channel as u32);
            ctx.add_uint(st, f.channel_length, h + 2, 2, len as u32);
            label(
                ctx,
                ti,
                ctx.text(&format!("ChannelData 0x{channel:04x}, {len} bytes")),
            );
            relayed::relayed(
                ctx,
                st,
                f.channel_data,
                off + offset,
                len,
                Carried::channel_data(channel),
            );
        }
        PduKind::MultiplexedTurn { data, .. } if data.offset >= 8 && data.end() <= pdu.len() => {
            let (offset, len) = (data.offset, data.len);
            ctx.add_item(st, f.mturn_session, off + offset - 8, 8, Encoding::Na);
            label(
                ctx,
                ti,
                ctx.text(&format!("MS-TURN multiplexed data, {len} bytes")),
            );
            relayed::relayed(ctx, st, f.data, off + offset, len, Carrier::MultiplexedTurn);
        }
        PduKind::MsTurnData { data } if data.end() <= pdu.len() => {
            let len = data.len;
            label(
                ctx,
                ti,
                ctx.text(&format!("MS-TURN end-to-end data, {len} bytes")),
            );
            relayed::relayed(ctx, st, f.data, off + data.offset, len, Carrier::MsTurnData);
        }
        PduKind::TlsHello(h) => {
            st.add_item(f.pseudo_tls, ctx.tvb, off, pdu.len(), Encoding::Na);
            label(ctx, ti, ctx.text(h.name()));
        }
        PduKind::Data { data, .. } if data.end() <= pdu.len() => {
            let len = data.len;
            label(ctx, ti, ctx.text(&format!("Data, {len} bytes")));
            relayed::relayed(ctx, st, f.data, off + data.offset, len, Carrier::Flow);
        }
        _ => ctx.expert(
            ti,
            Expert::Malformed,
            PStr::of(c"PDU inconsistent with its framing"),
        ),
    }
}

/// `text` on the layer's item and in the Info column.
fn label<'p>(ctx: &Ctx<'p>, ti: Item<'p>, text: PStr<'p>) {
    ti.append_text(text);
    info::set_columns(ctx, text);
}

/// The framing header's items.
fn framing_header<'p>(
    ctx: &Ctx<'p>,
    st: Tree<'p>,
    ti: Item<'p>,
    off: usize,
    pdu: &[u8],
    kind: PduKind,
    framing: Framing,
) {
    let f = ctx.f;
    let tvb = ctx.tvb;
    let tls = matches!(kind, PduKind::TlsHello(_));
    let items =
        ctx.want(f.framing_length) || ctx.want(f.ms_tcp_type) || ctx.want(f.ms_tcp_reserved);
    // [MS-TURN] TCP header without its length (libnice's OC2007 modes): type and reserved.
    let no_length = msstun::framing::is_ms_tcp_without_length(framing, kind);
    if no_length {
        if items {
            st.add_item(f.ms_tcp_type, tvb, off, 1, Encoding::BigEndian);
            st.add_item(f.ms_tcp_reserved, tvb, off + 1, 1, Encoding::BigEndian);
        }
        ctx.expert(
            ti,
            Expert::MsTcpNoLength,
            PStr::of(c"MS-TURN TCP framing without its length field: type and reserved byte, then the STUN message (as libnice's OC2007 modes send it; [MS-TURN] 2.1.4 has a 2-byte length here)"),
        );
        return;
    }
    if !items {
        return;
    }
    match framing {
        Framing::Rfc4571 if pdu.len() >= 2 => {
            st.add_item(f.framing_length, tvb, off, 2, Encoding::BigEndian);
        }
        Framing::MsTurnTcp | Framing::PseudoTls if !tls && pdu.len() >= 4 => {
            st.add_item(f.ms_tcp_type, tvb, off, 1, Encoding::BigEndian);
            st.add_item(f.ms_tcp_reserved, tvb, off + 1, 1, Encoding::BigEndian);
            st.add_item(f.framing_length, tvb, off + 2, 2, Encoding::BigEndian);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use msstun::framing::Transport;

    /// Every framing's code has its value name, and the name says which framing it is.
    #[test]
    fn framing_codes_match_the_value_strings() {
        use crate::fields::FRAMING_VALUES;
        let name = |c: u32| {
            FRAMING_VALUES
                .iter()
                .find(|(v, _)| *v == c)
                .map(|(_, n)| *n)
                .unwrap_or_else(|| panic!("no value name for framing code {c}"))
        };
        let want = [
            (Framing::Plain, "over TCP"),
            (Framing::Rfc4571, "RFC 4571"),
            (Framing::MsTurnTcp, "MS-TURN TCP framing"),
            (Framing::PseudoTls, "pseudo-TLS"),
        ];
        for (f, words) in want {
            let n = name(framing_code(f, Transport::Tcp));
            assert!(n.contains(words), "{f:?}: {n}");
        }
        assert!(name(framing_code(Framing::Plain, Transport::Udp)).contains("UDP"));
        let codes: std::collections::HashSet<u32> = Framing::ALL
            .iter()
            .map(|&f| framing_code(f, Transport::Tcp))
            .collect();
        assert_eq!(codes.len(), Framing::ALL.len(), "two framings share a code");
    }
}
