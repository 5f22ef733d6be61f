//! The dissectors: `msstun` (ports, Decode As, claimed conversations) and the
//! `msstun_tcp`/`msstun_udp` heuristics, on top of `msstun::framing`, `detect`,
//! `check` and `summary`.
//!
//! Wireshark reports errors by longjmp. Every tvb read here is bounds-checked
//! against the captured length first, so no epan call made from Rust can throw for
//! our own offsets; values owning heap memory are dropped (or copied into
//! packet-scoped wmem memory) before the epan calls that might reach other
//! dissectors (`msstun_call_relayed`, which catches their exceptions in C anyway).

use std::ffi::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

use msstun::check::{self, Status};
use msstun::classify::{classify, Carrier, PayloadKind};
use msstun::detect::{detect_framing, detect_verdict, Verdict};
use msstun::framing::{next_pdu, Framing, PduKind, PduResult, Transport};
use msstun::registry::FieldKind;
use msstun::summary::{fitting_len, write_summary};
use msstun::{Class, FieldValue, Message, HEADER_LEN};

use crate::conv::{self, Addr, Attempt, DataConn};
use crate::expert;
use crate::ffi::{self, packet_info, proto_item, proto_tree, tvbuff_t};
use crate::fields::{attr_index, fields, Hf};
use crate::info::attr_value_text;
use crate::register::{handle, proto};
use crate::uat::{self, UatCredentials};

/// Return type of a heuristic dissector (gboolean before 4.4, bool since).
#[cfg(not(ws_ge_4_4))]
pub type HeurRet = ffi::gboolean;
/// Return type of a heuristic dissector (gboolean before 4.4, bool since).
#[cfg(ws_ge_4_4)]
pub type HeurRet = bool;

#[cfg(not(ws_ge_4_4))]
fn heur_ret(b: bool) -> HeurRet {
    b as HeurRet
}
#[cfg(ws_ge_4_4)]
fn heur_ret(b: bool) -> HeurRet {
    b
}

/// One dissection call.
struct Ctx {
    tvb: *mut tvbuff_t,
    pinfo: *mut packet_info,
    tree: *mut proto_tree,
    transport: Transport,
    conv: u64,
    num: u32,
    visited: bool,
    /// The tree is shown (texts are worth formatting).
    visible: bool,
    /// PDUs of this call that wrote the columns so far.
    pdus: std::cell::Cell<u32>,
    /// 0 for the packet's own payload; 1 and more for STUN found in what it relays.
    depth: u8,
}

impl Ctx {
    /// Whether an item of `hf` is worth adding: the tree is shown, or something references
    /// the field (see [`Hf::referenced`]). Otherwise Wireshark would fake the item anyway.
    #[inline]
    fn want(&self, hf: Hf) -> bool {
        self.visible || hf.referenced()
    }
}

/// Add unsigned field `hf` = `v` over `len` bytes at tvb offset `off`, when wanted
/// (see [`Ctx::want`]); null otherwise.
unsafe fn add_uint(
    ctx: &Ctx,
    tree: *mut proto_tree,
    hf: Hf,
    off: usize,
    len: usize,
    v: u32,
) -> *mut proto_item {
    if !ctx.want(hf) {
        return std::ptr::null_mut();
    }
    ffi::proto_tree_add_uint(tree, hf.id(), ctx.tvb, cint(off), cint(len), v)
}

/// As [`add_uint`], marked generated (a value msstun worked out, not a wire field).
unsafe fn add_generated(
    ctx: &Ctx,
    tree: *mut proto_tree,
    hf: Hf,
    off: usize,
    len: usize,
    v: u32,
) -> *mut proto_item {
    let it = add_uint(ctx, tree, hf, off, len, v);
    if !it.is_null() {
        ffi::msstun_set_generated(it);
    }
    it
}

/// Add `hf` over `len` bytes at `off` with `encoding` (big-endian numbers, bytes), when
/// wanted.
unsafe fn add_item(
    ctx: &Ctx,
    tree: *mut proto_tree,
    hf: Hf,
    off: usize,
    len: usize,
    encoding: u32,
) -> *mut proto_item {
    if !ctx.want(hf) {
        return std::ptr::null_mut();
    }
    ffi::proto_tree_add_item(tree, hf.id(), ctx.tvb, cint(off), cint(len), encoding)
}

/// `item` when it was added, else `fallback` (the nearest enclosing item, which then
/// carries the expert item, as it does when Wireshark fakes an item).
fn or_item(item: *mut proto_item, fallback: *mut proto_item) -> *mut proto_item {
    if item.is_null() {
        fallback
    } else {
        item
    }
}

/// `%s` for variadic calls.
const FMT_S: *const c_char = c"%s".as_ptr();

/// Copy `s` into packet-scoped memory (freed by Wireshark after the packet).
unsafe fn pstr(pinfo: *mut packet_info, s: &str) -> *const c_char {
    ffi::wmem_strndup((*pinfo).pool, s.as_ptr() as *const c_char, s.len())
}

fn cint(v: usize) -> c_int {
    c_int::try_from(v).unwrap_or(c_int::MAX)
}

/// Catch a panic of `f`: it becomes an expert item on the packet.
unsafe fn guard<R>(
    tvb: *mut tvbuff_t,
    pinfo: *mut packet_info,
    tree: *mut proto_tree,
    fallback: R,
    f: impl FnOnce() -> R,
) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let text = {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                drop(payload);
                let t = format!("msstun internal error: {msg}");
                pstr(pinfo, &t)
            };
            ffi::col_set_str(
                (*pinfo).cinfo,
                ffi::COL_PROTOCOL as c_int,
                c"MSSTUN".as_ptr(),
            );
            let item = ffi::proto_tree_add_item(tree, proto(), tvb, 0, -1, ffi::ENC_NA_);
            ffi::msstun_expert(pinfo, item, expert::PANIC, text);
            fallback
        }
    }
}

/// Key of this packet's flow in the plugin's state. TCP: the Wireshark conversation index
/// (a new one when a SYN with a new ISN reuses the 5-tuple). UDP has no connections to tell
/// apart: a hash of the 5-tuple (top bit set, so the two kinds of key never meet), which spares
/// a conversation-table lookup and a conversation per new datagram flow.
unsafe fn flow_id(pinfo: *mut packet_info, transport: Transport) -> u64 {
    match transport {
        Transport::Tcp => u64::from(ffi::msstun_conv_id(pinfo)),
        Transport::Udp => ffi::msstun_flow_key(pinfo) | (1 << 63),
    }
}

fn transport_of(pinfo: *mut packet_info) -> Transport {
    // SAFETY: pinfo is valid for the call.
    if unsafe { (*pinfo).ptype } == ffi::PT_UDP {
        Transport::Udp
    } else {
        Transport::Tcp
    }
}

/// `msstun`: registered by name, for Decode As and the port preferences.
pub unsafe extern "C" fn dissect_msstun(
    tvb: *mut tvbuff_t,
    pinfo: *mut packet_info,
    tree: *mut proto_tree,
    _data: *mut c_void,
) -> c_int {
    guard(
        tvb,
        pinfo,
        tree,
        cint(ffi::tvb_captured_length(tvb) as usize),
        || {
            let t = transport_of(pinfo);
            cint(dissect_payload(tvb, pinfo, tree, t, false).unwrap_or(0))
        },
    )
}

/// `msstun_tcp` heuristic.
pub unsafe extern "C" fn heur_tcp(
    tvb: *mut tvbuff_t,
    pinfo: *mut packet_info,
    tree: *mut proto_tree,
    _data: *mut c_void,
) -> HeurRet {
    heur_ret(guard(tvb, pinfo, tree, false, || {
        dissect_payload(tvb, pinfo, tree, Transport::Tcp, true).is_some()
    }))
}

/// `msstun_udp` heuristic.
pub unsafe extern "C" fn heur_udp(
    tvb: *mut tvbuff_t,
    pinfo: *mut packet_info,
    tree: *mut proto_tree,
    _data: *mut c_void,
) -> HeurRet {
    heur_ret(guard(tvb, pinfo, tree, false, || {
        dissect_payload(tvb, pinfo, tree, Transport::Udp, true).is_some()
    }))
}

/// Dissect a TCP segment or UDP datagram. `None`: not ours (heuristics only).
unsafe fn dissect_payload(
    tvb: *mut tvbuff_t,
    pinfo: *mut packet_info,
    tree: *mut proto_tree,
    transport: Transport,
    heuristic: bool,
) -> Option<usize> {
    let len = ffi::tvb_captured_length(tvb) as usize;
    let reported = ffi::tvb_reported_length(tvb) as usize;
    if len == 0 {
        return if heuristic { None } else { Some(0) };
    }
    let ptr = ffi::tvb_get_ptr(tvb, 0, cint(len));
    let bytes: &[u8] = std::slice::from_raw_parts(ptr, len);
    // Heuristics: reject what cannot be ours before any conversation lookup, and never
    // re-enter through the heuristics we hand relayed data to.
    if heuristic && (ffi::msstun_relaying() != 0 || !plausible(transport, bytes)) {
        return None;
    }
    let ctx = Ctx {
        tvb,
        pinfo,
        tree,
        transport,
        conv: flow_id(pinfo, transport),
        num: (*pinfo).num,
        visited: ffi::msstun_visited(pinfo) != 0,
        visible: ffi::msstun_tree_visible(tree) != 0,
        pdus: std::cell::Cell::new(0),
        depth: 0,
    };
    // UDP knows one framing (plain STUN and ChannelData) and no data connections: the
    // flow's state is only needed to accept ChannelData heuristically (looked up then).
    let udp = transport == Transport::Udp;
    if udp && !heuristic && !udp_stun_like(bytes, len == reported) {
        // A port or flow msstun owns also carries other things (media beside ICE checks,
        // Teams' relay protocols): classified and handed on, not "malformed STUN".
        not_stun(&ctx, bytes);
        return Some(len);
    }
    let (known, data) = if udp {
        (Some(Framing::Plain), None)
    } else {
        conv::with(|s| {
            let c = s.convs.get(&ctx.conv);
            (c.and_then(|c| c.framing), c.and_then(|c| c.data))
        })
    };

    if let Some(dc) = data {
        if dc.bound_frame.is_some_and(|b| ctx.num > b) {
            dissect_data_conn(&ctx, bytes, len == reported, dc);
            return Some(len);
        }
    }

    let framing = match known {
        Some(f) => f,
        None => match detect_verdict(transport, bytes) {
            Verdict::Found(d) => {
                if !ctx.visited || heuristic {
                    conv::with(|s| {
                        s.convs
                            .entry(ctx.conv)
                            .or_default()
                            .framing
                            .get_or_insert(d.framing)
                            .to_owned()
                    });
                }
                if heuristic && transport == Transport::Tcp {
                    ffi::msstun_claim_conversation(pinfo, handle());
                }
                d.framing
            }
            Verdict::NeedMore
                if transport == Transport::Tcp && (*pinfo).can_desegment > 0 && len == reported =>
            {
                // A consistent but incomplete first PDU: ask TCP for more. When several
                // framings are still possible, ask for one more segment and decide then.
                let mut need = None;
                let mut candidates = 0;
                for &f in &Framing::ALL {
                    if detect_framing(f, transport, bytes) == Verdict::NeedMore {
                        candidates += 1;
                        if let PduResult::NeedMore(n) = next_pdu(f, transport, bytes) {
                            need.get_or_insert(n as u32);
                        }
                    }
                }
                if candidates > 1 {
                    need = Some(ffi::DESEGMENT_ONE_MORE_SEGMENT);
                }
                match need {
                    Some(n) => {
                        if heuristic {
                            ffi::msstun_claim_conversation(pinfo, handle());
                        }
                        (*pinfo).desegment_offset = 0;
                        (*pinfo).desegment_len = n;
                        return Some(len);
                    }
                    None if heuristic => return None,
                    None => Framing::Plain,
                }
            }
            _ if heuristic => return None,
            Verdict::No => {
                // No framing msstun knows starts this connection: not STUN.
                not_stun(&ctx, bytes);
                return Some(len);
            }
            _ => Framing::Plain,
        },
    };

    let mut off = 0;
    while off < len {
        let rest = &bytes[off..];
        match next_pdu(framing, transport, rest) {
            PduResult::Complete { len: plen, kind } => {
                if heuristic && udp && off == 0 {
                    // Over UDP only claim what really is STUN (ChannelData needs a flow
                    // already seen carrying STUN).
                    let ok = match kind {
                        // The OC2007 keepalive (20 bytes, no attributes, 128-bit id): only
                        // on a flow already seen carrying STUN.
                        PduKind::Stun { .. } if msstun::detect::is_classic_keepalive(rest) => {
                            conv::with(|s| {
                                s.convs.get(&ctx.conv).is_some_and(|c| c.framing.is_some())
                            })
                        }
                        PduKind::Stun { .. } => {
                            let ok = detect_framing(Framing::Plain, transport, rest)
                                .found()
                                .is_some();
                            if ok && !ctx.visited {
                                conv::with(|s| {
                                    s.convs
                                        .entry(ctx.conv)
                                        .or_default()
                                        .framing
                                        .get_or_insert(Framing::Plain);
                                });
                                // The flow is msstun's from now on, whoever else would
                                // take it (the built-in stun's heuristics, say).
                                ffi::msstun_claim_conversation(pinfo, handle());
                            }
                            ok
                        }
                        PduKind::ChannelData { .. } => conv::with(|s| {
                            s.convs.get(&ctx.conv).is_some_and(|c| c.framing.is_some())
                        }),
                        _ => false,
                    };
                    if !ok {
                        return None;
                    }
                }
                dissect_pdu(&ctx, off, &rest[..plen], kind, framing);
                off += plen;
            }
            PduResult::NeedMore(n) => {
                if transport == Transport::Tcp && (*pinfo).can_desegment > 0 && len == reported {
                    (*pinfo).desegment_offset = cint(off);
                    (*pinfo).desegment_len = n as u32;
                    return Some(len);
                }
                if rest[0] >> 6 == 0 && rest.len() >= 4 && framing == Framing::Plain {
                    dissect_truncated(&ctx, off, rest, framing);
                } else {
                    add_leftover(&ctx, off, len, "truncated PDU");
                }
                break;
            }
            PduResult::Invalid => {
                if heuristic && off == 0 {
                    return None;
                }
                if transport == Transport::Udp && rest[0] >> 6 == 0 && rest.len() >= 4 {
                    // A datagram shorter than its STUN header says: a truncated message.
                    dissect_truncated(&ctx, off, rest, framing);
                    break;
                }
                add_leftover(
                    &ctx,
                    off,
                    len,
                    "bytes that are not a PDU of this connection's framing",
                );
                break;
            }
        }
    }
    Some(len)
}

/// What is left of a STUN message cut short: decoded as far as it goes (the parser
/// reports where it ends).
unsafe fn dissect_truncated(ctx: &Ctx, off: usize, rest: &[u8], framing: Framing) {
    let kind = PduKind::Stun {
        offset: 0,
        len: rest.len(),
    };
    dissect_pdu(ctx, off, rest, kind, framing);
}

/// Cheap first look of the heuristics: a whole STUN message (or pseudo-TLS hello) in a
/// known framing, a consistent start of one (TCP), or ChannelData whose length fits the
/// datagram (UDP; accepted later only on a flow already known to carry STUN).
fn plausible(transport: Transport, bytes: &[u8]) -> bool {
    match transport {
        Transport::Tcp => detect_verdict(transport, bytes) != Verdict::No,
        Transport::Udp => {
            if bytes.len() >= 4 && bytes[0] >> 6 == 1 {
                let l = u16::from_be_bytes([bytes[2], bytes[3]]) as usize;
                return bytes.len() >= 4 + l && bytes.len() <= 4 + ((l + 3) & !3);
            }
            detect_framing(Framing::Plain, transport, bytes) != Verdict::No
                || msstun::detect::is_classic_keepalive(bytes)
        }
    }
}

/// Show bytes we cannot frame.
unsafe fn add_leftover(ctx: &Ctx, off: usize, len: usize, why: &str) {
    let f = fields();
    let text = pstr(ctx.pinfo, why);
    let item = ffi::proto_tree_add_item(
        ctx.tree,
        f.data.id(),
        ctx.tvb,
        cint(off),
        cint(len - off),
        ffi::ENC_NA_,
    );
    ffi::msstun_expert(ctx.pinfo, item, expert::MALFORMED, text);
}

/// Longest Info text of one message (Wireshark's Info column holds 4096 bytes in all).
const INFO_MAX: usize = 320;

/// A message's Info text, written straight into packet-scoped memory (Wireshark keeps
/// the pointer until the columns are written): at most [`INFO_MAX`] bytes, cut at a
/// character boundary, NUL-terminated; one line, so control characters (a USERNAME or a
/// reason phrase may carry them) become spaces.
struct InfoText {
    buf: *mut u8,
    len: usize,
}

impl InfoText {
    /// # Safety
    /// `pinfo` is the packet being dissected.
    unsafe fn new(pinfo: *mut packet_info) -> InfoText {
        InfoText {
            buf: ffi::wmem_alloc((*pinfo).pool, INFO_MAX + 1) as *mut u8,
            len: 0,
        }
    }

    /// The NUL-terminated text.
    fn finish(self) -> *const c_char {
        // SAFETY: buf holds INFO_MAX + 1 bytes and len <= INFO_MAX.
        let out = unsafe { std::slice::from_raw_parts_mut(self.buf, INFO_MAX + 1) };
        let text = &mut out[..self.len];
        // Branch-free test first: control characters are rare.
        if text
            .iter()
            .fold(false, |c, &b| c | (b < 0x20) | (b == 0x7f))
        {
            for b in text.iter_mut().filter(|b| **b < 0x20 || **b == 0x7f) {
                *b = b' ';
            }
        }
        out[self.len] = 0;
        self.buf as *const c_char
    }
}

impl std::fmt::Write for InfoText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let n = fitting_len(s, INFO_MAX - self.len);
        // SAFETY: buf holds INFO_MAX + 1 bytes and self.len + n <= INFO_MAX.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), self.buf.add(self.len), n) };
        self.len += n;
        if n < s.len() {
            Err(std::fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// Set the Protocol column and add `text` (packet-scoped: the first one is kept by
/// pointer, not copied) to the Info column.
unsafe fn set_columns(ctx: &Ctx, text: *const c_char) {
    let cinfo = (*ctx.pinfo).cinfo;
    // The first PDU of the first msstun call in this frame replaces the columns; later
    // ones (same call, or a later call: the rest of a TCP segment after a reassembled
    // message, which Wireshark counts in curr_proto_layer_num) append.
    let first = ctx.pdus.replace(ctx.pdus.get() + 1) == 0 && (*ctx.pinfo).curr_proto_layer_num <= 1;
    if first {
        ffi::col_set_str(cinfo, ffi::COL_PROTOCOL as c_int, c"MSSTUN".as_ptr());
        // Replaces what lower layers wrote (after any fence, as col_clear would).
        ffi::col_set_str(cinfo, ffi::COL_INFO as c_int, text);
    } else {
        ffi::col_append_sep_str(cinfo, ffi::COL_INFO as c_int, c", ".as_ptr(), text);
    }
}

fn framing_code(framing: Framing, transport: Transport) -> u32 {
    match (transport, framing) {
        (Transport::Udp, _) => 0,
        (_, Framing::Plain) => 1,
        (_, Framing::Rfc4571) => 2,
        (_, Framing::MsTurnTcp) => 3,
        (_, Framing::PseudoTls) => 4,
    }
}

/// One PDU at `off`: its framing header, then what it carries.
unsafe fn dissect_pdu(ctx: &Ctx, off: usize, pdu: &[u8], kind: PduKind, framing: Framing) {
    let f = fields();
    let tvb = ctx.tvb;
    let ti = ffi::proto_tree_add_item(
        ctx.tree,
        proto(),
        tvb,
        cint(off),
        cint(pdu.len()),
        ffi::ENC_NA_,
    );
    let st = ffi::proto_item_add_subtree(ti, f.ett_msstun.id());

    add_generated(
        ctx,
        st,
        f.framing,
        off,
        0,
        framing_code(framing, ctx.transport),
    );
    let tls = matches!(kind, PduKind::TlsHello(_));
    let framing_items =
        ctx.want(f.framing_length) || ctx.want(f.ms_tcp_type) || ctx.want(f.ms_tcp_reserved);
    // [MS-TURN] TCP header without its length (libnice's OC2007 modes): type and reserved.
    let no_length = msstun::framing::is_ms_tcp_without_length(framing, kind);
    if no_length {
        if framing_items {
            for (hf, at) in [(f.ms_tcp_type, off), (f.ms_tcp_reserved, off + 1)] {
                ffi::proto_tree_add_item(st, hf.id(), tvb, cint(at), 1, ffi::ENC_BIG_ENDIAN_);
            }
        }
        ffi::msstun_expert(
            ctx.pinfo,
            ti,
            expert::MS_TCP_NO_LENGTH,
            c"MS-TURN TCP framing without its length field: type and reserved byte, then the STUN message (as libnice's OC2007 modes send it; [MS-TURN] 2.1.4 has a 2-byte length here)".as_ptr(),
        );
    }
    match framing {
        _ if !framing_items || no_length => {}
        Framing::Rfc4571 if pdu.len() >= 2 => {
            ffi::proto_tree_add_item(
                st,
                f.framing_length.id(),
                tvb,
                cint(off),
                2,
                ffi::ENC_BIG_ENDIAN_,
            );
        }
        Framing::MsTurnTcp | Framing::PseudoTls if !tls && pdu.len() >= 4 => {
            ffi::proto_tree_add_item(
                st,
                f.ms_tcp_type.id(),
                tvb,
                cint(off),
                1,
                ffi::ENC_BIG_ENDIAN_,
            );
            ffi::proto_tree_add_item(
                st,
                f.ms_tcp_reserved.id(),
                tvb,
                cint(off + 1),
                1,
                ffi::ENC_BIG_ENDIAN_,
            );
            ffi::proto_tree_add_item(
                st,
                f.framing_length.id(),
                tvb,
                cint(off + 2),
                2,
                ffi::ENC_BIG_ENDIAN_,
            );
        }
        _ => {}
    }

    match kind {
        PduKind::Stun { offset, len } if offset + len <= pdu.len() => {
            dissect_stun(ctx, st, ti, off + offset, &pdu[offset..offset + len]);
        }
        PduKind::ChannelData {
            channel,
            offset,
            len,
        } if offset >= 4 && offset + len <= pdu.len() => {
            let h = off + offset - 4;
            add_uint(ctx, st, f.channel, h, 2, channel as u32);
            add_uint(ctx, st, f.channel_length, h + 2, 2, len as u32);
            let text = pstr(
                ctx.pinfo,
                &format!("ChannelData 0x{channel:04x}, {len} bytes"),
            );
            ffi::proto_item_append_text(ti, c", %s".as_ptr(), text);
            set_columns(ctx, text);
            relayed(
                ctx,
                st,
                f.channel_data,
                off + offset,
                len,
                Carrier::ChannelData,
            );
        }
        PduKind::MultiplexedTurn { offset, len, .. }
            if offset >= 8 && offset + len <= pdu.len() =>
        {
            add_item(ctx, st, f.mturn_session, off + offset - 8, 8, ffi::ENC_NA_);
            let text = pstr(ctx.pinfo, &format!("MS-TURN multiplexed data, {len} bytes"));
            ffi::proto_item_append_text(ti, c", %s".as_ptr(), text);
            set_columns(ctx, text);
            relayed(ctx, st, f.data, off + offset, len, Carrier::MultiplexedTurn);
        }
        PduKind::MsTurnData { offset, len } if offset + len <= pdu.len() => {
            let text = pstr(ctx.pinfo, &format!("MS-TURN end-to-end data, {len} bytes"));
            ffi::proto_item_append_text(ti, c", %s".as_ptr(), text);
            set_columns(ctx, text);
            relayed(ctx, st, f.data, off + offset, len, Carrier::MsTurnData);
        }
        PduKind::TlsHello(h) => {
            ffi::proto_tree_add_item(
                st,
                f.pseudo_tls.id(),
                tvb,
                cint(off),
                cint(pdu.len()),
                ffi::ENC_NA_,
            );
            let text = pstr(ctx.pinfo, h.name());
            ffi::proto_item_append_text(ti, c", %s".as_ptr(), text);
            set_columns(ctx, text);
        }
        PduKind::Opaque { offset, len } if offset + len <= pdu.len() => {
            let text = pstr(ctx.pinfo, &format!("Data, {len} bytes"));
            ffi::proto_item_append_text(ti, c", %s".as_ptr(), text);
            set_columns(ctx, text);
            relayed(ctx, st, f.data, off + offset, len, Carrier::Flow);
        }
        _ => {
            let text = pstr(ctx.pinfo, "PDU inconsistent with its framing");
            ffi::msstun_expert(ctx.pinfo, ti, expert::MALFORMED, text);
        }
    }
}

/// Show relayed bytes and hand them on (see [`hand_over`]).
unsafe fn relayed(
    ctx: &Ctx,
    st: *mut proto_tree,
    hf: Hf,
    off: usize,
    len: usize,
    carrier: Carrier,
) {
    add_item(ctx, st, hf, off, len, ffi::ENC_NA_);
    hand_over(ctx, st, off, len, carrier);
}

/// Hand `len` bytes at `off` on, noting under `st` (when not null) what they are
/// (`msstun.payload.kind`) and what carried them (`msstun.payload.carrier`). STUN (an ICE
/// check inside a Send indication, ChannelData or a data connection) is decoded by msstun
/// itself, as a layer of its own; RTP, RTCP, DTLS and ZRTP (RFC 7983) go to Wireshark's
/// dissectors of them; anything else to the relayed-data heuristics (or `data`). A dissector
/// that recognises the data writes its own Protocol and Info columns. Whatever those
/// dissectors do, the flow stays msstun's (a heuristic that accepts a payload may make itself
/// the dissector of the packet's conversation, as the built-in stun does).
unsafe fn hand_over(ctx: &Ctx, st: *mut proto_tree, off: usize, len: usize, carrier: Carrier) {
    if len == 0 {
        return;
    }
    let f = fields();
    let bytes = std::slice::from_raw_parts(ffi::tvb_get_ptr(ctx.tvb, cint(off), cint(len)), len);
    let stun = ctx.depth < MAX_DEPTH
        && detect_framing(Framing::Plain, Transport::Udp, bytes)
            .found()
            .is_some();
    let kind = if stun {
        PayloadKind::Stun
    } else {
        classify(bytes)
    };
    if !st.is_null() {
        add_generated(ctx, st, f.payload_kind, off, len, u32::from(kind.code()));
        add_generated(
            ctx,
            st,
            f.payload_carrier,
            off,
            len,
            u32::from(carrier.code()),
        );
    }
    let sub = ffi::tvb_new_subset_length(ctx.tvb, cint(off), cint(len));
    if stun {
        let inner = Ctx {
            tvb: sub,
            pinfo: ctx.pinfo,
            tree: ctx.tree,
            transport: Transport::Udp,
            conv: ctx.conv,
            num: ctx.num,
            visited: ctx.visited,
            visible: ctx.visible,
            pdus: std::cell::Cell::new(ctx.pdus.get()),
            depth: ctx.depth + 1,
        };
        let kind = PduKind::Stun { offset: 0, len };
        dissect_pdu(&inner, 0, bytes, kind, Framing::Plain);
        ctx.pdus.set(inner.pdus.get());
        return;
    }
    let dissector = match kind {
        PayloadKind::Rtp => c"rtp".as_ptr(),
        PayloadKind::Rtcp => c"rtcp".as_ptr(),
        PayloadKind::Dtls => c"dtls".as_ptr(),
        PayloadKind::Zrtp => c"zrtp".as_ptr(),
        _ => std::ptr::null(),
    };
    ffi::msstun_call_relayed(sub, ctx.pinfo, ctx.tree, dissector);
    if !ctx.visited {
        ffi::msstun_claim_conversation(ctx.pinfo, handle());
    }
}

/// How deep STUN inside relayed data is decoded (a check in a Send indication: 1).
const MAX_DEPTH: u8 = 2;

/// Whether a datagram on a port or flow msstun owns is to be decoded as STUN or ChannelData
/// (possibly malformed) rather than handed on: ChannelData whose length fits, an [MS-TURN]
/// multiplexed-TURN message filling the datagram, or what
/// [`msstun::detect::stun_on_known_flow`] takes for STUN.
fn udp_stun_like(bytes: &[u8], whole: bool) -> bool {
    match classify(bytes) {
        PayloadKind::Stun => msstun::detect::stun_on_known_flow(bytes, whole),
        PayloadKind::TurnChannel => plausible(Transport::Udp, bytes),
        PayloadKind::Other => msstun::framing::is_multiplexed_turn_datagram(bytes),
        _ => false,
    }
}

/// A payload that is not STUN, ChannelData or a framing msstun knows, on a port or flow
/// msstun owns: its RFC 7983 class, one note per flow, then handed on.
unsafe fn not_stun(ctx: &Ctx, bytes: &[u8]) {
    let f = fields();
    let kind = classify(bytes);
    let ti = ffi::proto_tree_add_item(ctx.tree, proto(), ctx.tvb, 0, -1, ffi::ENC_NA_);
    let st = ffi::proto_item_add_subtree(ti, f.ett_msstun.id());
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
    let text = pstr(ctx.pinfo, &text);
    ffi::proto_item_append_text(ti, c", %s".as_ptr(), text);
    set_columns(ctx, text);
    let note = conv::with(|s| {
        let c = s.convs.entry(ctx.conv).or_default();
        if !ctx.visited && c.not_stun_note.is_none() {
            c.not_stun_note = Some(ctx.num);
        }
        c.not_stun_note == Some(ctx.num)
    });
    if note {
        let msg = pstr(
            ctx.pinfo,
            &format!(
                "{} payload on a STUN/TURN port or flow (RFC 7983 first byte): handed on; \
                 noted once per flow",
                kind.name()
            ),
        );
        ffi::msstun_expert(ctx.pinfo, ti, expert::NOT_STUN, msg);
    }
    hand_over(ctx, st, 0, bytes.len(), Carrier::Flow);
}

/// The verdict of a TCP port shared with TLS (443), on a connection's first payload:
/// 1 msstun ([MS-TURN] §2.1.1 pseudo-TLS hellos, [MS-TURN] TCP framing, STUN in a framing
/// msstun knows), 0 the port's own dissector (TLS), -1 asked TCP for more bytes.
pub unsafe extern "C" fn shared_verdict(tvb: *mut tvbuff_t, pinfo: *mut packet_info) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        let len = ffi::tvb_captured_length(tvb) as usize;
        let reported = ffi::tvb_reported_length(tvb) as usize;
        if len == 0 {
            return 0;
        }
        let bytes = std::slice::from_raw_parts(ffi::tvb_get_ptr(tvb, 0, cint(len)), len);
        match msstun::detect::shared_port_verdict(bytes) {
            Verdict::Found(_) => 1,
            Verdict::NeedMore if (*pinfo).can_desegment > 0 && len == reported => {
                (*pinfo).desegment_offset = 0;
                (*pinfo).desegment_len = ffi::DESEGMENT_ONE_MORE_SEGMENT;
                -1
            }
            _ => 0,
        }
    }))
    .unwrap_or(0)
}

/// Computed statuses of the checks of one message, by attribute offset.
#[derive(Clone, Copy)]
struct Checks {
    list: [(usize, Status); 4],
    n: usize,
    /// No credentials: FINGERPRINT is checked per attribute, integrity is Unverified.
    inline: bool,
}

impl Checks {
    fn push(&mut self, off: usize, s: Status) {
        if self.n < self.list.len() {
            self.list[self.n] = (off, s);
            self.n += 1;
        }
    }
    fn get(&self, off: usize) -> Option<Status> {
        self.list[..self.n]
            .iter()
            .find(|(o, _)| *o == off)
            .map(|(_, s)| *s)
    }
}

fn addr_of(a: &msstun::Attribute<'_>) -> Option<Addr> {
    match a.address() {
        Some(Ok(x)) => Some(Addr {
            ip: x.ip,
            port: x.port,
        }),
        _ => None,
    }
}

/// What the first pass learns from one message.
#[derive(Default)]
struct Learned {
    connection_id: Option<u32>,
    peer: Option<Addr>,
    relayed: Option<Addr>,
    username: Option<String>,
    realm: Option<String>,
}

fn learn<T: AsRef<[u8]>>(msg: &Message<T>, names: bool) -> Learned {
    let mut l = Learned::default();
    for a in msg.attributes().map_while(Result::ok) {
        match a.desc.map(|d| d.key) {
            Some("connection_id") => l.connection_id = l.connection_id.or(a.as_u32()),
            Some("xor_peer_address") => l.peer = l.peer.or(addr_of(&a)),
            Some("xor_relayed_address") => l.relayed = l.relayed.or(addr_of(&a)),
            Some("mapped_address") if msg.dialect().is_ms_turn() => {
                l.relayed = l.relayed.or(addr_of(&a))
            }
            Some("username") if names => {
                l.username = l.username.take().or(a.as_str().map(str::to_owned))
            }
            Some("realm") if names => l.realm = l.realm.take().or(a.as_str().map(str::to_owned)),
            _ => {}
        }
    }
    l
}

use msstun::registry::method::{
    ALLOCATE as M_ALLOCATE, CONNECT as M_CONNECT, CONNECTION_ATTEMPT as M_CONNECTION_ATTEMPT,
    CONNECTION_BIND as M_CONNECTION_BIND,
};

/// What the tree shows of the capture-wide state for one message, read under the lock
/// that records what the message teaches (first pass).
struct Seen {
    /// Request frame, request time and first response frame of its transaction.
    txn: Option<Txn>,
    /// The request this one retransmits.
    retrans: Option<u32>,
    /// RFC 6062 data-connection state of this connection.
    data: Option<DataConn>,
    /// Allocation of this connection (for a data connection: of its control connection).
    alloc: Option<(u32, Option<Addr>)>,
    /// Control-connection messages announcing the CONNECTION-ID.
    origins: Origins,
    /// CONNECTION-ID of a ConnectionAttempt, Connect or ConnectionBind message.
    cid: Option<u32>,
    /// The message announces an RFC 6062 connection: a ConnectionAttempt indication or a
    /// Connect success response.
    announces: bool,
}

/// Record what this message teaches (first pass only) and read what the tree shows, in
/// one visit of the state.
fn record_and_read<T: AsRef<[u8]>>(ctx: &Ctx, msg: &Message<T>, now: (i64, i32)) -> Seen {
    let (method, class) = msg.method_class();
    let key = (ctx.conv, conv::txid_key(msg.header()));
    // Only walk the attributes when this message can teach something.
    let names = !ctx.visited && class == Class::Request && uat::count() > 0;
    let linked = matches!(
        (method.code, class),
        (M_ALLOCATE, Class::SuccessResponse)
            | (M_CONNECTION_ATTEMPT, Class::Indication)
            | (M_CONNECT, Class::Request | Class::SuccessResponse)
            | (M_CONNECTION_BIND, _)
    );
    let l = if linked || names {
        learn(msg, names)
    } else {
        Learned::default()
    };
    let announces = (method.code == M_CONNECTION_ATTEMPT && class == Class::Indication)
        || (method.code == M_CONNECT && class == Class::SuccessResponse);
    let cid = if announces || method.code == M_CONNECTION_BIND {
        l.connection_id
    } else {
        None
    };
    conv::with(|s| {
        let recorded = if ctx.visited {
            None
        } else {
            record_in(s, ctx, key, msg, l, now)
        };
        let txn = recorded.unwrap_or_else(|| s.transactions.get(&key).map(txn_of));
        let retrans = if class == Class::Request && !s.retransmissions.is_empty() {
            s.retransmissions.get(&ctx.num).copied()
        } else {
            None
        };
        let c = s.convs.get(&ctx.conv);
        let data = c.and_then(|c| c.data);
        let own_alloc = c.and_then(|c| c.allocation);
        let origins = Origins::of(s, data.map(|d| d.connection_id).or(cid));
        // A data connection's allocation is its control connection's.
        let alloc = own_alloc.or_else(|| {
            data.and(origins.any())
                .and_then(|a| s.convs.get(&a.conv).and_then(|c| c.allocation))
        });
        Seen {
            txn,
            retrans,
            data,
            alloc,
            origins,
            cid,
            announces,
        }
    })
}

/// Request frame, request time and first response frame of a transaction.
type Txn = (u32, (i64, i32), Option<u32>);

fn txn_of(t: &conv::Transaction) -> Txn {
    (t.request_frame, t.request_time, t.response_frame)
}

/// Record what one message teaches. Returns the transaction as it now stands when the
/// message is a request or response (`Some(None)`: a response to no known request).
fn record_in<T: AsRef<[u8]>>(
    s: &mut conv::State,
    ctx: &Ctx,
    key: (u64, [u8; 16]),
    msg: &Message<T>,
    l: Learned,
    now: (i64, i32),
) -> Option<Option<Txn>> {
    let (method, class) = msg.method_class();
    let mut txn = None;
    match class {
        Class::Request => {
            let peer = if method.code == M_CONNECT {
                l.peer
            } else {
                None
            };
            let t = s
                .transactions
                .entry(key)
                .or_insert_with(|| conv::Transaction {
                    request_frame: ctx.num,
                    request_time: now,
                    response_frame: None,
                    extra: (l.username.is_some() || l.realm.is_some() || peer.is_some()).then(
                        || {
                            Box::new(conv::Extra {
                                username: l.username,
                                realm: l.realm,
                                peer,
                            })
                        },
                    ),
                });
            txn = Some(Some(txn_of(t)));
            if t.request_frame != ctx.num {
                let orig = t.request_frame;
                s.retransmissions.insert(ctx.num, orig);
            }
        }
        Class::SuccessResponse | Class::ErrorResponse => {
            txn = Some(None);
            if let Some(t) = s.transactions.get_mut(&key) {
                match t.response_frame {
                    None => t.response_frame = Some(ctx.num),
                    Some(r) if r != ctx.num => {
                        s.repeated_responses.insert(ctx.num);
                    }
                    Some(_) => {}
                }
                txn = Some(Some(txn_of(t)));
            }
        }
        Class::Indication => {}
    }
    let code = method.code;
    if code == M_ALLOCATE && class == Class::SuccessResponse {
        let c = s.convs.entry(ctx.conv).or_default();
        if c.allocation.is_none() {
            c.allocation = Some((ctx.num, l.relayed));
        }
    }
    if msg.dialect().is_ms_turn() {
        return txn;
    }
    if code == M_CONNECTION_ATTEMPT && class == Class::Indication {
        if let Some(cid) = l.connection_id {
            s.attempts.entry(cid).or_insert(Attempt {
                frame: ctx.num,
                conv: ctx.conv,
                peer: l.peer,
                bind_frame: None,
                bound_frame: None,
            });
        }
    }
    if code == M_CONNECT && class == Class::SuccessResponse {
        if let Some(cid) = l.connection_id {
            // The peer is the Connect request's XOR-PEER-ADDRESS.
            let peer = s.transactions.get(&key).and_then(|t| t.peer());
            s.connects.entry(cid).or_insert(Attempt {
                frame: ctx.num,
                conv: ctx.conv,
                peer,
                bind_frame: None,
                bound_frame: None,
            });
        }
    }
    if code == M_CONNECTION_BIND && class == Class::Request {
        if let Some(cid) = l.connection_id {
            let c = s.convs.entry(ctx.conv).or_default();
            if c.data.is_none() {
                c.data = Some(DataConn {
                    connection_id: cid,
                    bind_frame: ctx.num,
                    bound_frame: None,
                });
            }
            if let Some(a) = s.attempts.get_mut(&cid) {
                a.bind_frame.get_or_insert(ctx.num);
            }
            if let Some(a) = s.connects.get_mut(&cid) {
                a.bind_frame.get_or_insert(ctx.num);
            }
        }
    }
    if code == M_CONNECTION_BIND && class == Class::SuccessResponse {
        let c = s.convs.entry(ctx.conv).or_default();
        if let Some(d) = c.data.as_mut() {
            if d.bound_frame.is_none() {
                d.bound_frame = Some(ctx.num);
            }
            let cid = d.connection_id;
            if let Some(a) = s.attempts.get_mut(&cid) {
                a.bound_frame.get_or_insert(ctx.num);
            }
            if let Some(a) = s.connects.get_mut(&cid) {
                a.bound_frame.get_or_insert(ctx.num);
            }
        }
    }
    txn
}

/// FINGERPRINT and MESSAGE-INTEGRITY(-SHA256) statuses, computed before any tree item
/// is added (nothing owning memory lives across the tree calls).
fn compute_checks<T: AsRef<[u8]>>(ctx: &Ctx, msg: &Message<T>) -> Checks {
    let b = msg.bytes();
    let mut checks = Checks {
        list: [(0, Status::Unverified); 4],
        n: 0,
        inline: false,
    };
    if uat::count() == 0 {
        checks.inline = true;
        return checks;
    }
    let mut auth = check::auth_info(b, msg.dialect());
    if let Some(o) = auth.fingerprint {
        checks.push(o, check::check_fingerprint(b, o));
    }
    if auth.integrity.is_none() && auth.integrity_sha256.is_none() {
        return checks;
    }
    let creds = uat::count() > 0;
    // Responses carry no USERNAME: use the request's.
    let (user, realm) = if msg.class().is_response() && creds {
        let key = (ctx.conv, conv::txid_key(msg.header()));
        conv::with(|s| {
            s.transactions.get(&key).map(|t| {
                (
                    t.username().map(str::to_owned),
                    t.realm().map(str::to_owned),
                )
            })
        })
        .unwrap_or_default()
    } else {
        (None, None)
    };
    if let Some(u) = user.as_deref() {
        auth.username = Some(u.as_bytes());
        if auth.realm.is_none() {
            auth.realm = realm.as_deref().map(str::as_bytes);
        }
    }
    for o in [auth.integrity, auth.integrity_sha256]
        .into_iter()
        .flatten()
    {
        let st = if creds {
            check::integrity_status_for(b, o, &auth, &UatCredentials)
        } else {
            Status::Unverified
        };
        checks.push(o, st);
    }
    checks
}

/// One STUN message at tvb offset `m`.
unsafe fn dissect_stun(
    ctx: &Ctx,
    st: *mut proto_tree,
    ti: *mut proto_item,
    m: usize,
    bytes: &[u8],
) {
    let f = fields();
    let tvb = ctx.tvb;
    let msg = match Message::new_checked(bytes) {
        Ok(msg) => msg,
        Err(e) => {
            let text = pstr(ctx.pinfo, &format!("Malformed STUN message: {e}"));
            set_columns(ctx, text);
            ffi::proto_item_append_text(ti, c", %s".as_ptr(), text);
            if bytes.len() >= 4 {
                ffi::proto_tree_add_uint(
                    st,
                    f.msg_type.id(),
                    tvb,
                    cint(m),
                    2,
                    u16::from_be_bytes([bytes[0], bytes[1]]) as u32,
                );
                ffi::proto_tree_add_uint(
                    st,
                    f.length.id(),
                    tvb,
                    cint(m + 2),
                    2,
                    u16::from_be_bytes([bytes[2], bytes[3]]) as u32,
                );
            }
            ffi::msstun_expert(ctx.pinfo, ti, expert::MALFORMED, text);
            return;
        }
    };
    let (method, class) = msg.method_class();
    let dialect = msg.dialect();
    let mut now = (0i64, 0i32);
    ffi::msstun_abs_ts(ctx.pinfo, &mut now.0, &mut now.1);

    let seen = record_and_read(ctx, &msg, now);
    let checks = compute_checks(ctx, &msg);

    // Columns and the protocol item's text.
    if ctx.visible || !(*ctx.pinfo).cinfo.is_null() {
        let mut info = InfoText::new(ctx.pinfo);
        let _ = write_summary(&msg, &mut info);
        let text = info.finish();
        set_columns(ctx, text);
        if ctx.visible {
            ffi::proto_item_append_text(ti, c", %s".as_ptr(), text);
        }
    }

    // Header.
    add_uint(ctx, st, f.msg_type, m, 2, msg.message_type() as u32);
    if ctx.want(f.method) {
        let mname = match f.method_cname(method.name) {
            Some(c) => c,
            None => pstr(ctx.pinfo, method.name),
        };
        ffi::proto_tree_add_uint_format_value(
            st,
            f.method.id(),
            tvb,
            cint(m),
            2,
            method.code as u32,
            c"%s (0x%03x)".as_ptr(),
            mname,
            method.code as u32,
        );
    }
    add_uint(ctx, st, f.class, m, 2, class.bits() as u32);
    add_uint(ctx, st, f.length, m + 2, 2, msg.length() as u32);
    let tid_at = if dialect.has_cookie() {
        add_uint(ctx, st, f.cookie, m + 4, 4, msg.cookie());
        8
    } else {
        4
    };
    add_item(
        ctx,
        st,
        f.transaction_id,
        m + tid_at,
        HEADER_LEN - tid_at,
        ffi::ENC_NA_,
    );
    add_generated(ctx, st, f.dialect, m, 0, dialect.code() as u32);
    let deviations = msg.deviations();
    if !deviations.is_empty() {
        let text = pstr(
            ctx.pinfo,
            &format!("Tolerated deviation: {}", deviations.describe()),
        );
        ffi::msstun_expert(ctx.pinfo, ti, expert::DEVIATION, text);
    }

    // Attributes. In a tree nobody sees, only the referenced items are added, straight
    // under the message; expert items then go to the message item.
    if msg.length() > 0 {
        let (at, attrs_item) = if ctx.visible {
            let mut attrs_item: *mut proto_item = std::ptr::null_mut();
            let at = ffi::proto_tree_add_subtree_format(
                st,
                tvb,
                cint(m + HEADER_LEN),
                msg.length() as c_int,
                f.ett_attrs.id(),
                &mut attrs_item,
                c"Attributes".as_ptr(),
            );
            (at, or_item(attrs_item, ti))
        } else {
            (st, ti)
        };
        for a in msg.attributes() {
            match a {
                Ok(a) => dissect_attribute(ctx, (at, attrs_item), m, &a, &checks, class, bytes),
                Err(e) => {
                    let text = pstr(ctx.pinfo, &e.to_string());
                    ffi::msstun_expert(ctx.pinfo, attrs_item, expert::MALFORMED, text);
                }
            }
        }
    }

    show_transaction(ctx, st, ti, class, &seen);
    show_links(ctx, st, ti, &msg, &seen);
}

/// One attribute.
unsafe fn dissect_attribute(
    ctx: &Ctx,
    (at, at_item): (*mut proto_tree, *mut proto_item),
    m: usize,
    a: &msstun::Attribute<'_>,
    checks: &Checks,
    class: Class,
    msg_bytes: &[u8],
) {
    let f = fields();
    let tvb = ctx.tvb;
    let start = m + a.offset;
    let total = 4 + a.length as usize + a.padding();
    let status = checks
        .get(a.offset)
        .or_else(|| match (checks.inline, a.layout()) {
            (true, msstun::Layout::Fingerprint) => {
                Some(check::check_fingerprint(msg_bytes, a.offset))
            }
            (true, msstun::Layout::Integrity) => Some(Status::Unverified),
            _ => None,
        });
    let af = a.desc.and_then(attr_index).and_then(|i| f.attrs.get(i));
    // A tree nobody sees, and no item of this attribute referenced: only its expert items
    // and relayed data.
    if !ctx.visible && !attribute_referenced(f, af) {
        attribute_experts(ctx, at_item, m, a, af, status, class);
        return;
    }
    // The attribute's own item and subtree; in a tree nobody sees, only what is referenced,
    // under the enclosing tree (and expert items on the enclosing item).
    let (item, sub) = if ctx.want(f.att) {
        let text = if !ctx.visible {
            c"Attribute".as_ptr()
        } else {
            let mut t = format!("{}: {}", a.name(), attr_value_text(a));
            if let Some(s) = status {
                t.push_str(&format!(" [{}]", s.name()));
            }
            if a.desc.is_none() {
                t = format!("Unknown attribute 0x{:04x} ({} bytes)", a.code, a.length);
            }
            pstr(ctx.pinfo, &t)
        };
        let item = ffi::proto_tree_add_none_format(
            at,
            f.att.id(),
            tvb,
            cint(start),
            cint(total),
            FMT_S,
            text,
        );
        (item, ffi::proto_item_add_subtree(item, f.ett_attr.id()))
    } else {
        (at_item, at)
    };
    if ctx.want(f.att_type) {
        let name = f.attr_cname(a.desc);
        ffi::proto_tree_add_uint_format_value(
            sub,
            f.att_type.id(),
            tvb,
            cint(start),
            2,
            a.code as u32,
            c"%s (0x%04x)".as_ptr(),
            name,
            a.code as u32,
        );
    }
    add_uint(ctx, sub, f.att_length, start + 2, 2, a.length as u32);

    match af {
        None => {
            add_item(
                ctx,
                sub,
                f.att_value,
                start + 4,
                a.length as usize,
                ffi::ENC_NA_,
            );
            unknown_required_expert(ctx, item, a);
        }
        Some(af) => {
            // Every value is still decoded (a bad one raises an expert item); items only
            // for a shown tree or referenced fields.
            let items = ctx.visible || af.any_referenced();
            let error_response = class == Class::ErrorResponse;
            let fields = if items || error_response {
                Some(a.fields())
            } else {
                // Nothing to show: only whether the value is malformed.
                if let Some(e) = a.value_error() {
                    let t = pstr(ctx.pinfo, &e.to_string());
                    ffi::msstun_expert(ctx.pinfo, item, expert::BAD_VALUE, t);
                }
                None
            };
            for fld in fields.into_iter().flatten() {
                match fld {
                    Ok(fld) => {
                        let error = error_response && fld.desc.key == "code";
                        if let Some((kind, hf)) = af.get(fld.desc.key) {
                            let it = if ctx.want(hf) {
                                or_item(add_field(ctx, sub, hf, kind, &fld, m), item)
                            } else {
                                item
                            };
                            if error {
                                error_response_expert(ctx, it, &fld);
                            }
                        }
                    }
                    Err(e) => {
                        let t = pstr(ctx.pinfo, &e.to_string());
                        let mut at = item;
                        if let msstun::Layout::Text(d) = a.layout() {
                            // Still show the bytes (Wireshark marks the invalid sequences).
                            if let Some((FieldKind::Str, hf)) = af.get(d.key) {
                                at = ffi::proto_tree_add_item(
                                    sub,
                                    hf.id(),
                                    tvb,
                                    cint(start + 4),
                                    a.length as c_int,
                                    ffi::ENC_UTF_8_,
                                );
                            }
                        }
                        ffi::msstun_expert(ctx.pinfo, at, expert::BAD_VALUE, t);
                        break;
                    }
                }
            }
            if let (Some(s), Some(hf)) = (status, af.status) {
                let si = add_generated(ctx, sub, hf, start + 4, a.length as usize, s.code() as u32);
                status_expert(ctx, or_item(si, item), s, a);
            }
        }
    }
    // DATA (Send/Data indications, MS-TURN Send/Data): the relayed packet.
    if af.is_some_and(|af| af.relays) {
        hand_over(
            ctx,
            sub,
            start + 4,
            a.length as usize,
            Carrier::DataAttribute,
        );
    }
    if a.padding() > 0 && start + total <= m + 20 + 65535 {
        let pad = a.padding();
        add_uint(
            ctx,
            sub,
            f.att_padding,
            start + 4 + a.length as usize,
            pad,
            pad as u32,
        );
    }
}

/// Whether any item of this attribute is referenced (see [`Hf::referenced`]).
fn attribute_referenced(f: &crate::fields::Fields, af: Option<&crate::fields::AttrFields>) -> bool {
    [f.att, f.att_type, f.att_length, f.att_padding, f.att_value]
        .iter()
        .any(|hf| hf.referenced())
        || af.is_some_and(|af| af.any_referenced())
}

/// What an attribute raises and hands on when none of its items is added: the same
/// expert items as the full path, on `item`, and DATA to the relayed-data heuristics.
unsafe fn attribute_experts(
    ctx: &Ctx,
    item: *mut proto_item,
    m: usize,
    a: &msstun::Attribute<'_>,
    af: Option<&crate::fields::AttrFields>,
    status: Option<Status>,
    class: Class,
) {
    let Some(af) = af else {
        unknown_required_expert(ctx, item, a);
        return;
    };
    if class == Class::ErrorResponse {
        if let Some(code) = a
            .fields()
            .map_while(Result::ok)
            .find(|fld| fld.desc.key == "code")
        {
            error_response_expert(ctx, item, &code);
        }
    }
    if let Some(e) = a.value_error() {
        let t = pstr(ctx.pinfo, &e.to_string());
        ffi::msstun_expert(ctx.pinfo, item, expert::BAD_VALUE, t);
    }
    if let (Some(s), Some(_)) = (status, af.status) {
        status_expert(ctx, item, s, a);
    }
    if af.relays {
        // No attribute subtree here (a tree nobody sees): its items go to the top.
        hand_over(
            ctx,
            ctx.tree,
            m + a.offset + 4,
            a.length as usize,
            Carrier::DataAttribute,
        );
    }
}

/// An attribute of no known type that must be understood (RFC 8489 §14).
unsafe fn unknown_required_expert(ctx: &Ctx, item: *mut proto_item, a: &msstun::Attribute<'_>) {
    if a.comprehension_required() {
        let t = pstr(
            ctx.pinfo,
            &format!("Unknown comprehension-required attribute 0x{:04x}", a.code),
        );
        ffi::msstun_expert(ctx.pinfo, item, expert::UNKNOWN_REQUIRED, t);
    }
}

/// ERROR-CODE of an error response, explained.
unsafe fn error_response_expert(ctx: &Ctx, item: *mut proto_item, code: &msstun::Field<'_>) {
    if let FieldValue::Uint(code) = code.value {
        let t = pstr(
            ctx.pinfo,
            &format!("Error {code}: {}", expert::explain_error(code as u16)),
        );
        ffi::msstun_expert(ctx.pinfo, item, expert::ERROR_RESPONSE, t);
    }
}

/// A bad FINGERPRINT, a bad or unverified MESSAGE-INTEGRITY(-SHA256).
unsafe fn status_expert(ctx: &Ctx, item: *mut proto_item, s: Status, a: &msstun::Attribute<'_>) {
    let fp = a.desc.is_some_and(|d| d.key == "fingerprint");
    let (which, text) = match (s, fp) {
        (Status::Bad, true) => (
            expert::FINGERPRINT_BAD,
            c"Bad FINGERPRINT (CRC-32 mismatch)",
        ),
        (Status::Bad, false) => (
            expert::INTEGRITY_BAD,
            c"Bad MESSAGE-INTEGRITY: HMAC does not match the configured credentials",
        ),
        (Status::Unverified, false) => (
            expert::INTEGRITY_UNVERIFIED,
            c"MESSAGE-INTEGRITY not verified: no matching row in msstun_credentials",
        ),
        (Status::GoodWlm2009, _) => (
            expert::FINGERPRINT_WLM2009,
            c"FINGERPRINT good with the CRC-32 table variant of Windows Live Messenger 2009 / OCS 2007 R2 ([MS-ICE2] legacy compatibility), not the standard CRC-32",
        ),
        _ => return,
    };
    ffi::msstun_expert(ctx.pinfo, item, which, text.as_ptr());
}

/// Add one decoded sub-field; the call matches the type the field was registered with.
unsafe fn add_field(
    ctx: &Ctx,
    tree: *mut proto_tree,
    hf: Hf,
    kind: FieldKind,
    fld: &msstun::Field<'_>,
    m: usize,
) -> *mut proto_item {
    let tvb = ctx.tvb;
    let (s, l) = (cint(m + fld.offset), cint(fld.len));
    let n = match fld.value {
        FieldValue::Uint(n) => Some(n),
        FieldValue::Bool(b) => Some(b as u64),
        _ => None,
    };
    match (kind, fld.value, n) {
        (FieldKind::U64, _, Some(n)) => ffi::proto_tree_add_uint64(tree, hf.id(), tvb, s, l, n),
        (FieldKind::Bool, _, Some(n)) => {
            ffi::proto_tree_add_boolean(tree, hf.id(), tvb, s, l, (n != 0).into())
        }
        (FieldKind::U8 | FieldKind::U16 | FieldKind::U32, _, Some(n)) => {
            ffi::proto_tree_add_uint(tree, hf.id(), tvb, s, l, n as u32)
        }
        (FieldKind::Ipv4, FieldValue::Ipv4(o), _) => {
            ffi::proto_tree_add_ipv4(tree, hf.id(), tvb, s, l, u32::from_ne_bytes(o))
        }
        (FieldKind::Ipv6, FieldValue::Ipv6(o), _) => {
            let a = ffi::ws_in6_addr { bytes: o };
            ffi::proto_tree_add_ipv6(tree, hf.id(), tvb, s, l, &a)
        }
        // Binary text (random-byte MS-ICE credentials): the value is the escaped text,
        // as the Info column shows it (Wireshark would show U+FFFD for every byte).
        (FieldKind::Str, FieldValue::Bytes(b), _) => {
            let mut t = String::with_capacity(b.len() * 3 + 1);
            let _ = msstun::summary::write_escaped(&mut t, msstun::summary::trim_nul(b));
            ffi::proto_tree_add_string(tree, hf.id(), tvb, s, l, pstr(ctx.pinfo, &t))
        }
        (FieldKind::Str, _, _) => {
            ffi::proto_tree_add_item(tree, hf.id(), tvb, s, l, ffi::ENC_UTF_8_)
        }
        (FieldKind::Bytes, _, _) => {
            ffi::proto_tree_add_item(tree, hf.id(), tvb, s, l, ffi::ENC_NA_)
        }
        _ => std::ptr::null_mut(),
    }
}

/// Add a generated frame-number item.
unsafe fn add_frame(ctx: &Ctx, tree: *mut proto_tree, hf: Hf, frame: u32) -> *mut proto_item {
    add_generated(ctx, tree, hf, 0, 0, frame)
}

unsafe fn add_addr(ctx: &Ctx, tree: *mut proto_tree, v4: Hf, v6: Hf, port: Hf, a: Addr) {
    if !(ctx.want(v4) || ctx.want(v6) || ctx.want(port)) {
        return;
    }
    let it = match a.ip {
        std::net::IpAddr::V4(ip) => ffi::proto_tree_add_ipv4(
            tree,
            v4.id(),
            ctx.tvb,
            0,
            0,
            u32::from_ne_bytes(ip.octets()),
        ),
        std::net::IpAddr::V6(ip) => {
            let x = ffi::ws_in6_addr { bytes: ip.octets() };
            ffi::proto_tree_add_ipv6(tree, v6.id(), ctx.tvb, 0, 0, &x)
        }
    };
    ffi::msstun_set_generated(it);
    let it = ffi::proto_tree_add_uint(tree, port.id(), ctx.tvb, 0, 0, a.port as u32);
    ffi::msstun_set_generated(it);
}

/// Request/response links.
unsafe fn show_transaction(
    ctx: &Ctx,
    st: *mut proto_tree,
    ti: *mut proto_item,
    class: Class,
    seen: &Seen,
) {
    let f = fields();
    let retrans = seen.retrans;
    let Some((req, req_time, resp)) = seen.txn else {
        return;
    };
    match class {
        Class::Request => {
            if let Some(orig) = retrans {
                let it = if ctx.want(f.retransmission) {
                    let it = ffi::proto_tree_add_none_format(
                        st,
                        f.retransmission.id(),
                        ctx.tvb,
                        0,
                        0,
                        c"This is a retransmission".as_ptr(),
                    );
                    ffi::msstun_set_generated(it);
                    or_item(it, ti)
                } else {
                    ti
                };
                add_frame(ctx, st, f.retransmission_of, orig);
                let t = pstr(
                    ctx.pinfo,
                    &format!("Retransmission of the request in frame {orig}"),
                );
                ffi::msstun_expert(ctx.pinfo, it, expert::RETRANSMISSION, t);
            }
            match resp {
                Some(r) => {
                    add_frame(ctx, st, f.response_in, r);
                }
                None if ctx.visited && retrans.is_none() => {
                    ffi::msstun_expert(
                        ctx.pinfo,
                        ti,
                        expert::UNANSWERED,
                        c"Request never answered".as_ptr(),
                    );
                }
                None => {}
            }
        }
        Class::SuccessResponse | Class::ErrorResponse => {
            if resp.is_some() {
                add_frame(ctx, st, f.response_to, req);
                if !ctx.want(f.time) {
                    return;
                }
                let mut now = (0i64, 0i32);
                ffi::msstun_abs_ts(ctx.pinfo, &mut now.0, &mut now.1);
                let mut ns = (now.0 - req_time.0) * 1_000_000_000 + (now.1 - req_time.1) as i64;
                if ns < 0 {
                    ns = 0;
                }
                ffi::msstun_add_reltime(
                    st,
                    f.time.id(),
                    ctx.tvb,
                    ns / 1_000_000_000,
                    (ns % 1_000_000_000) as c_int,
                );
            }
        }
        Class::Indication => {}
    }
}

/// The control-connection messages announcing CONNECTION-ID `cid`.
#[derive(Clone, Copy, Default)]
struct Origins {
    /// ConnectionAttempt indication (peer-initiated).
    attempt: Option<Attempt>,
    /// Connect success response (client-initiated).
    connect: Option<Attempt>,
}

impl Origins {
    fn of(s: &conv::State, cid: Option<u32>) -> Origins {
        match cid {
            Some(id) => Origins {
                attempt: s.attempts.get(&id).copied(),
                connect: s.connects.get(&id).copied(),
            },
            None => Origins::default(),
        }
    }
    fn any(&self) -> Option<Attempt> {
        self.attempt.or(self.connect)
    }
    fn peer(&self) -> Option<Addr> {
        self.attempt
            .and_then(|a| a.peer)
            .or(self.connect.and_then(|c| c.peer))
    }
}

/// Where an `msstun.tcp_data` subtree is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TcpDataAt {
    /// On a ConnectionAttempt indication.
    Attempt,
    /// On a Connect success response.
    Connect,
    /// On the data connection.
    Data,
}

/// Allocation and RFC 6062 links.
unsafe fn show_links<T: AsRef<[u8]>>(
    ctx: &Ctx,
    st: *mut proto_tree,
    ti: *mut proto_item,
    msg: &Message<T>,
    seen: &Seen,
) {
    let (method, class) = msg.method_class();
    let (cid, data, origins, alloc) = (seen.cid, seen.data, seen.origins, seen.alloc);
    let announces = seen.announces;
    // Only messages from the Allocate success on belong to the allocation (and so one
    // pass and two passes show the same tree).
    show_allocation(ctx, st, alloc.filter(|(frame, _)| ctx.num >= *frame));
    if msg.dialect().is_ms_turn() {
        return;
    }
    const NO_ORIGIN: &std::ffi::CStr =
        c"ConnectionBind with no matching ConnectionAttempt or Connect response in this capture";
    if announces {
        let (at, own) = if method.code == M_CONNECT {
            (TcpDataAt::Connect, origins.connect)
        } else {
            (TcpDataAt::Attempt, origins.attempt)
        };
        // Only the message the CONNECTION-ID was first announced in.
        if let (Some(a), Some(id)) = (own.filter(|a| a.frame == ctx.num), cid) {
            let o = if at == TcpDataAt::Connect {
                Origins {
                    attempt: None,
                    connect: Some(a),
                }
            } else {
                Origins {
                    attempt: Some(a),
                    connect: None,
                }
            };
            show_tcp_data(ctx, st, id, o, None, a.bound_frame, at);
        }
    } else if let Some(d) = data {
        show_tcp_data(
            ctx,
            st,
            d.connection_id,
            origins,
            Some(d.bind_frame),
            None,
            TcpDataAt::Data,
        );
        if method.code == M_CONNECTION_BIND && class == Class::Request && origins.any().is_none() {
            ffi::msstun_expert(ctx.pinfo, ti, expert::BIND_NO_ATTEMPT, NO_ORIGIN.as_ptr());
        }
        if method.code == M_CONNECTION_BIND
            && class == Class::SuccessResponse
            && d.bound_frame == Some(ctx.num)
        {
            let text = {
                let peer = origins
                    .peer()
                    .map(|p| format!(" to peer {}", std::net::SocketAddr::new(p.ip, p.port)))
                    .unwrap_or_default();
                pstr(
                    ctx.pinfo,
                    &format!(
                        "From here on this TCP connection is an RFC 6062 data connection (CONNECTION-ID 0x{:08x}){peer}",
                        d.connection_id
                    ),
                )
            };
            ffi::msstun_expert(ctx.pinfo, ti, expert::DATA_CONNECTION, text);
        }
    } else if method.code == M_CONNECTION_BIND && class == Class::Request && origins.any().is_none()
    {
        ffi::msstun_expert(ctx.pinfo, ti, expert::BIND_NO_ATTEMPT, NO_ORIGIN.as_ptr());
    }
}

unsafe fn show_allocation(ctx: &Ctx, st: *mut proto_tree, alloc: Option<(u32, Option<Addr>)>) {
    let f = fields();
    let Some((frame, relayed)) = alloc else {
        return;
    };
    let it = add_frame(ctx, st, f.allocation, frame);
    if let Some(a) = relayed {
        let sub = if it.is_null() {
            st
        } else {
            ffi::proto_item_add_subtree(it, f.ett_allocation.id())
        };
        add_addr(ctx, sub, f.relayed_ipv4, f.relayed_ipv6, f.relayed_port, a);
    }
}

unsafe fn show_tcp_data(
    ctx: &Ctx,
    st: *mut proto_tree,
    cid: u32,
    origins: Origins,
    bind: Option<u32>,
    bound: Option<u32>,
    at: TcpDataAt,
) {
    let f = fields();
    let sub = if ctx.want(f.tcp_data) {
        let it = ffi::proto_tree_add_none_format(
            st,
            f.tcp_data.id(),
            ctx.tvb,
            0,
            0,
            match at {
                TcpDataAt::Attempt => c"RFC 6062 connection attempt (peer-initiated)".as_ptr(),
                TcpDataAt::Connect => c"RFC 6062 connection (client-initiated Connect)".as_ptr(),
                TcpDataAt::Data => c"RFC 6062 data connection".as_ptr(),
            },
        );
        ffi::msstun_set_generated(it);
        ffi::proto_item_add_subtree(it, f.ett_tcp_data.id())
    } else {
        st
    };
    add_generated(ctx, sub, f.td_connection_id, 0, 0, cid);
    if let Some(p) = origins.peer() {
        add_addr(ctx, sub, f.td_peer_ipv4, f.td_peer_ipv6, f.td_peer_port, p);
    }
    if at == TcpDataAt::Data {
        if let Some(a) = origins.attempt {
            add_frame(ctx, sub, f.td_attempt_in, a.frame);
        }
        if let Some(c) = origins.connect {
            add_frame(ctx, sub, f.td_connect_in, c.frame);
        }
    }
    if let Some(b) = bind {
        add_frame(ctx, sub, f.td_bind_in, b);
    }
    if let Some(b) = bound {
        add_frame(ctx, sub, f.td_bound_in, b);
    }
}

/// A segment of an RFC 6062 data connection after the ConnectionBind success:
/// RFC 4571-framed STUN is dissected, anything else is relayed data.
unsafe fn dissect_data_conn(ctx: &Ctx, bytes: &[u8], whole: bool, dc: DataConn) {
    let f = fields();
    let len = bytes.len();
    let mut off = 0;
    while off < len {
        let rest = &bytes[off..];
        match detect_framing(Framing::Rfc4571, Transport::Tcp, rest) {
            Verdict::Found(d) if d.pdu_len <= rest.len() => {
                dissect_pdu(ctx, off, &rest[..d.pdu_len], d.kind, Framing::Rfc4571);
                off += d.pdu_len;
            }
            Verdict::NeedMore if whole && (*ctx.pinfo).can_desegment > 0 => {
                if let PduResult::NeedMore(n) = next_pdu(Framing::Rfc4571, Transport::Tcp, rest) {
                    (*ctx.pinfo).desegment_offset = cint(off);
                    (*ctx.pinfo).desegment_len = n as u32;
                    return;
                }
                break;
            }
            _ => break,
        }
    }
    if off >= len {
        return;
    }
    let origins = conv::with(|s| Origins::of(s, Some(dc.connection_id)));
    let ti = ffi::proto_tree_add_item(
        ctx.tree,
        proto(),
        ctx.tvb,
        cint(off),
        cint(len - off),
        ffi::ENC_NA_,
    );
    let st = ffi::proto_item_add_subtree(ti, f.ett_msstun.id());
    let text = pstr(
        ctx.pinfo,
        &format!("RFC 6062 relayed data, {} bytes", len - off),
    );
    ffi::proto_item_append_text(ti, c", %s".as_ptr(), text);
    set_columns(ctx, text);
    show_tcp_data(
        ctx,
        st,
        dc.connection_id,
        origins,
        Some(dc.bind_frame),
        None,
        TcpDataAt::Data,
    );
    // Relayed data that is a whole number of RFC 4571 frames (RTP over ICE-TCP, as
    // Skype for Business sends it): show each frame's length, hand over the content.
    let mut frames = [(0usize, 0usize); 16];
    let mut n = 0;
    let mut p = off;
    while p < len && n < frames.len() {
        match next_pdu(Framing::Rfc4571, Transport::Tcp, &bytes[p..]) {
            PduResult::Complete { len: l, .. } if l > 2 => {
                frames[n] = (p, l);
                n += 1;
                p += l;
            }
            _ => break,
        }
    }
    if p == len && n > 0 {
        for &(s, l) in &frames[..n] {
            ffi::proto_tree_add_item(
                st,
                f.framing_length.id(),
                ctx.tvb,
                cint(s),
                2,
                ffi::ENC_BIG_ENDIAN_,
            );
            relayed(ctx, st, f.td_relayed, s + 2, l - 2, Carrier::DataConnection);
        }
    } else {
        relayed(
            ctx,
            st,
            f.td_relayed,
            off,
            len - off,
            Carrier::DataConnection,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding_request() -> Vec<u8> {
        let mut b = vec![0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42];
        b.extend_from_slice(&[7; 12]);
        b.extend_from_slice(&[0x80, 0x22, 0x00, 0x04, b'a', b'b', b'c', b'd']);
        b
    }

    #[test]
    fn heuristic_precheck() {
        let m = binding_request();
        assert!(plausible(Transport::Udp, &m));
        assert!(plausible(Transport::Tcp, &m));
        // A consistent start of a message over TCP is worth waiting for.
        assert!(plausible(Transport::Tcp, &m[..10]));
        assert!(!plausible(Transport::Udp, &m[..10]));
        assert!(!plausible(
            Transport::Udp,
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        ));
        assert!(!plausible(
            Transport::Tcp,
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        ));
        // RTP (version 2) is never ours.
        assert!(!plausible(
            Transport::Udp,
            &[0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]
        ));
        // ChannelData whose length fits the datagram is a candidate (with or without padding).
        assert!(plausible(
            Transport::Udp,
            &[0x40, 0x00, 0x00, 0x03, 1, 2, 3]
        ));
        assert!(plausible(
            Transport::Udp,
            &[0x40, 0x00, 0x00, 0x03, 1, 2, 3, 0]
        ));
        assert!(!plausible(
            Transport::Udp,
            &[0x40, 0x00, 0x00, 0x09, 1, 2, 3]
        ));
    }

    #[test]
    fn framing_codes_match_the_value_strings() {
        use crate::fields::FRAMING_VALUES;
        for f in Framing::ALL {
            let c = framing_code(f, Transport::Tcp);
            assert!(FRAMING_VALUES.iter().any(|(v, _)| *v == c));
        }
        assert_eq!(framing_code(Framing::Plain, Transport::Udp), 0);
    }

    #[test]
    fn origins_prefer_the_attempt_peer_and_find_connects() {
        let addr = |last: u8| Addr {
            ip: std::net::IpAddr::from([192, 0, 2, last]),
            port: 1000 + last as u16,
        };
        let a = |frame: u32, peer: Option<Addr>| Attempt {
            frame,
            conv: 1,
            peer,
            bind_frame: None,
            bound_frame: None,
        };
        let mut s = conv::State::default();
        s.connects.insert(7, a(10, Some(addr(1))));
        let o = Origins::of(&s, Some(7));
        assert!(o.attempt.is_none());
        assert_eq!(o.any().map(|x| x.frame), Some(10));
        assert_eq!(o.peer(), Some(addr(1)));
        // Both announced (same CONNECTION-ID): the ConnectionAttempt's peer wins.
        s.attempts.insert(7, a(20, Some(addr(2))));
        let o = Origins::of(&s, Some(7));
        assert_eq!(o.any().map(|x| x.frame), Some(20));
        assert_eq!(o.peer(), Some(addr(2)));
        // A Connect request without XOR-PEER-ADDRESS still links.
        s.connects.insert(8, a(30, None));
        assert_eq!(Origins::of(&s, Some(8)).peer(), None);
        assert_eq!(Origins::of(&s, Some(8)).any().map(|x| x.frame), Some(30));
        assert!(Origins::of(&s, Some(9)).any().is_none());
        assert!(Origins::of(&s, None).any().is_none());
    }

    #[test]
    fn learn_reads_links() {
        let m = binding_request();
        let msg = Message::new_checked(&m[..]).unwrap();
        let l = learn(&msg, true);
        assert!(l.connection_id.is_none() && l.username.is_none());
    }
}
