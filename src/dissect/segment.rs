//! Finding and framing PDUs: the framing a connection starts with, the PDUs of one TCP
//! segment or UDP datagram, and TCP desegmentation. The framing rules themselves are the
//! parser's (`msstun::framing::next_pdu`, `msstun::detect`); this file only acts on them.

use msstun::detect::{detect_framing, Detection, Verdict};
use msstun::framing::{next_pdu, Framing, PduKind, PduResult, Transport};
use msstun::Dialect;

use super::{pdu, relayed, Ctx};
use crate::epan::Encoding;
use crate::expert::Expert;
use crate::session;

/// What the first look at a connection of unknown framing found.
pub(super) enum First {
    /// Its framing.
    Framing(Framing),
    /// Nothing more to do in this call (TCP was asked for more bytes, or not STUN).
    Done,
}

/// The framing of a connection (TCP) whose framing is not known yet, from the detector's
/// `verdict` on its first bytes. `None`: not ours (heuristics only).
pub(super) fn first_framing(
    ctx: &Ctx<'_>,
    bytes: &[u8],
    heuristic: bool,
    verdict: Verdict,
) -> Option<First> {
    let transport = ctx.transport;
    let tcp = transport == Transport::Tcp;
    match verdict {
        Verdict::Found(d) => {
            if !ctx.visited || heuristic {
                session::with(|s| {
                    s.framings.entry(ctx.conv).or_insert(d.framing);
                });
            }
            if heuristic && tcp {
                ctx.pinfo.claim_conversation();
            }
            Some(First::Framing(d.framing))
        }
        // On a connection given to msstun (its port, Decode As), an RFC 5389 header starts
        // plain framing even when its length is not one the detector accepts.
        Verdict::NeedMore if tcp && !heuristic && msstun::detect::plain_by_cookie(bytes) => {
            Some(First::Framing(Framing::Plain))
        }
        Verdict::NeedMore if tcp && ctx.pinfo.can_desegment() && ctx.tvb.whole() => {
            match need_for_first(bytes) {
                Some(more) => {
                    if heuristic {
                        ctx.pinfo.claim_conversation();
                    }
                    ctx.pinfo.desegment(0, more);
                    Some(First::Done)
                }
                None if heuristic => None,
                None => Some(First::Framing(Framing::Plain)),
            }
        }
        _ if heuristic => None,
        Verdict::No => {
            // No framing msstun knows starts this connection: not STUN.
            relayed::not_stun(ctx, bytes);
            Some(First::Done)
        }
        Verdict::NeedMore => Some(First::Framing(Framing::Plain)),
    }
}

/// How many more bytes a consistent but incomplete first PDU needs: `Some(None)` when
/// several framings are still possible (one more segment decides), `None` when no framing
/// can say.
fn need_for_first(bytes: &[u8]) -> Option<Option<usize>> {
    let mut need = None;
    let mut candidates = 0;
    for &f in &Framing::ALL {
        if detect_framing(f, Transport::Tcp, bytes) == Verdict::NeedMore {
            candidates += 1;
            if let PduResult::NeedMore(n) = next_pdu(f, Transport::Tcp, bytes) {
                need.get_or_insert(n);
            }
        }
    }
    match (candidates, need) {
        (c, _) if c > 1 => Some(None),
        (_, Some(n)) => Some(Some(n)),
        _ => None,
    }
}

/// What a first look at a packet's bytes found, carried on so that they are detected once.
#[derive(Debug, Clone, Copy)]
pub(super) enum Seen {
    /// Nothing (the framing is known and the bytes were not looked at).
    Nothing,
    /// The detector's finding: the first PDU, its STUN message with its dialect.
    Detection(Detection),
    /// The dialect of the STUN message a datagram on an owned port starts with (the
    /// known-flow policy's).
    Dialect(Dialect),
}

/// Dissect the PDUs of `bytes` in `framing`, one after the other; `first`: what a first look
/// found (the first PDU is taken from a detection, the dialect of its STUN message from
/// either, rather than worked out again). `None`: not ours (a heuristic call whose first
/// PDU is not acceptable).
#[inline(always)]
pub(super) fn pdus(
    ctx: &Ctx<'_>,
    bytes: &[u8],
    framing: Framing,
    heuristic: bool,
    first: Seen,
) -> Option<()> {
    let transport = ctx.transport;
    let len = bytes.len();
    let mut first = match first {
        Seen::Detection(d) if d.framing == framing && d.pdu_len <= len => Some(Ok(d)),
        Seen::Dialect(d) => Some(Err(d)),
        _ => None,
    };
    let detected = matches!(first, Some(Ok(_)));
    let mut off = 0;
    while off < len {
        let rest = &bytes[off..];
        let framed = match first.take() {
            Some(Ok(d)) => PduResult::Complete {
                len: d.pdu_len,
                kind: d.kind,
            },
            Some(Err(dialect)) => match next_pdu(framing, transport, rest) {
                PduResult::Complete {
                    len,
                    kind: PduKind::Stun { message, .. },
                } => PduResult::Complete {
                    len,
                    kind: PduKind::Stun {
                        message,
                        dialect: Some(dialect),
                    },
                },
                other => other,
            },
            None => next_pdu(framing, transport, rest),
        };
        match framed {
            PduResult::Complete { len: plen, kind } => {
                if heuristic
                    && transport == Transport::Udp
                    && off == 0
                    && !accept_udp(ctx, rest, kind, detected)
                {
                    return None;
                }
                pdu::dissect_pdu(ctx, off, &rest[..plen], kind, framing);
                off += plen;
            }
            PduResult::NeedMore(n) => {
                if transport == Transport::Tcp && ctx.pinfo.can_desegment() && ctx.tvb.whole() {
                    ctx.pinfo.desegment(off, Some(n));
                    return Some(());
                }
                if rest[0] >> 6 == 0 && rest.len() >= 4 && framing == Framing::Plain {
                    truncated(ctx, off, rest, framing);
                } else {
                    leftover(ctx, off, len, c"truncated PDU");
                }
                break;
            }
            PduResult::Invalid => {
                if heuristic && off == 0 {
                    return None;
                }
                if transport == Transport::Udp && rest[0] >> 6 == 0 && rest.len() >= 4 {
                    // A datagram shorter than its STUN header says: a truncated message.
                    truncated(ctx, off, rest, framing);
                    break;
                }
                leftover(
                    ctx,
                    off,
                    len,
                    c"bytes that are not a PDU of this connection's framing",
                );
                break;
            }
        }
    }
    Some(())
}

/// Over UDP the heuristic only claims what really is STUN (ChannelData and the OC2007
/// keepalive need a flow already seen carrying STUN); a STUN message makes the flow msstun's.
/// `detected`: the detector found the datagram's message (in the heuristic's first look).
fn accept_udp(ctx: &Ctx<'_>, rest: &[u8], kind: PduKind, detected: bool) -> bool {
    let flow_known = || session::with(|s| s.framings.contains_key(&ctx.conv));
    match kind {
        // The OC2007 keepalive (20 bytes, no attributes, 128-bit id).
        PduKind::Stun { .. } if msstun::detect::is_classic_keepalive(rest) => flow_known(),
        PduKind::Stun { .. } => {
            let ok = detected;
            if ok && !ctx.visited {
                session::with(|s| {
                    s.framings.entry(ctx.conv).or_insert(Framing::Plain);
                });
                // The flow is msstun's from now on, whoever else would take it (the
                // built-in stun's heuristics, say).
                ctx.pinfo.claim_conversation();
            }
            ok
        }
        PduKind::ChannelData { .. } => flow_known(),
        _ => false,
    }
}

/// What is left of a STUN message cut short: decoded as far as it goes (the parser
/// reports where it ends).
fn truncated(ctx: &Ctx<'_>, off: usize, rest: &[u8], framing: Framing) {
    let kind = PduKind::stun(0, rest.len());
    pdu::dissect_pdu(ctx, off, rest, kind, framing);
}

/// Show bytes we cannot frame.
fn leftover(ctx: &Ctx<'_>, off: usize, len: usize, why: &'static std::ffi::CStr) {
    let f = ctx.f;
    let item = ctx
        .tree
        .add_item(f.data, ctx.tvb, off, len - off, Encoding::Na);
    ctx.expert(item, Expert::Malformed, crate::epan::PStr::of(why));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incomplete_first_pdu_asks_for_what_it_needs() {
        // An RFC 5389 header announcing 8 bytes of attributes, 4 of them here.
        let mut m = vec![0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42];
        m.extend_from_slice(&[7; 12]);
        m.extend_from_slice(&[0x80, 0x22]);
        assert!(need_for_first(&m).is_some());
        assert_eq!(need_for_first(b"GET / HTTP/1.1"), None);
    }
}
