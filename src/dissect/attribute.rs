//! One attribute: its item and subtree, its decoded sub-fields (from the registry's
//! layout), its check status and expert items, and DATA handed on.

use msstun::check::{self, Status};
use msstun::classify::Carrier;
use msstun::registry::{FieldKind, FieldRole, Role};
use msstun::{Class, FieldValue};

use super::message::Checks;
use super::{relayed, Ctx};
use crate::epan::{Encoding, Hf, Item, PStr, Tree};
use crate::expert::{self, Expert};
use crate::fields::{attr_index, AttrFields};

/// One attribute of the message at tvb offset `m`, under `at` (whose item is `at_item`).
pub(super) fn dissect_attribute<'p>(
    ctx: &Ctx<'p>,
    (at, at_item): (Tree<'p>, Item<'p>),
    m: usize,
    a: &msstun::Attribute<'_>,
    checks: &Checks,
    class: Class,
    msg_bytes: &[u8],
) {
    let f = ctx.f;
    let start = m + a.offset;
    let af = a.desc.and_then(attr_index).and_then(|i| f.attrs.get(i));
    // A tree nobody sees, and no item of this attribute referenced: only its expert items
    // and relayed data.
    if !checks.attr_items && !af.is_some_and(|af| af.any_referenced()) {
        return experts_only(ctx, at_item, m, a, af, checks, (class, msg_bytes));
    }
    let status = status_of(checks, a, msg_bytes);
    let (item, sub) = own_item(ctx, (at, at_item), start, a, status);
    if ctx.want(f.att_type) {
        let name = f.attr_cname(a.desc);
        sub.add_uint_named(f.att_type, ctx.tvb, (start, 2), a.code as u32, name, 4);
    }
    ctx.add_uint(sub, f.att_length, start + 2, 2, a.length as u32);
    match af {
        None => {
            ctx.add_item(sub, f.att_value, start + 4, a.length as usize, Encoding::Na);
            unknown_required(ctx, item, a);
        }
        Some(af) => {
            value_fields(ctx, sub, item, m, a, af, (class, msg_bytes));
            binary_token(ctx, sub, start, a);
            short_form_expert(ctx, item, a);
            if let (Some(s), Some(hf)) = (status, af.status) {
                let si = ctx.add_generated(sub, hf, start + 4, a.length as usize, s.code() as u32);
                status_expert(ctx, si.or(item), s, a);
            }
        }
    }
    // DATA (Send/Data indications, MS-TURN Send/Data): the relayed packet.
    if af.is_some_and(|af| af.relays) {
        relayed::hand_over(
            ctx,
            sub,
            start + 4,
            a.length as usize,
            Carrier::DataAttribute,
        );
    }
    let pad = a.padding();
    if pad > 0 && start + 4 + a.length as usize + pad <= m + 20 + 65535 {
        ctx.add_uint(
            sub,
            f.att_padding,
            start + 4 + a.length as usize,
            pad,
            pad as u32,
        );
    }
}

/// The check status of attribute `a` of the message `msg_bytes`: computed before the walk
/// (with credentials), or checked here (FINGERPRINT without credentials); `None` for an
/// attribute that is not checked.
fn status_of(checks: &Checks, a: &msstun::Attribute<'_>, msg_bytes: &[u8]) -> Option<Status> {
    checks
        .get(a.offset)
        .or_else(|| match (checks.inline, a.layout()) {
            (true, msstun::Layout::Fingerprint) => {
                Some(check::check_fingerprint(msg_bytes, a.offset))
            }
            (true, msstun::Layout::Integrity) => Some(Status::Unverified),
            _ => None,
        })
}

/// The attribute's own item and subtree; in a tree nobody sees, only what is referenced,
/// under the enclosing tree (and expert items on the enclosing item).
fn own_item<'p>(
    ctx: &Ctx<'p>,
    (at, at_item): (Tree<'p>, Item<'p>),
    start: usize,
    a: &msstun::Attribute<'_>,
    status: Option<Status>,
) -> (Item<'p>, Tree<'p>) {
    let f = ctx.f;
    if !ctx.want(f.att) {
        return (at_item, at);
    }
    let text = if !ctx.visible {
        PStr::of(c"Attribute")
    } else if a.desc.is_none() {
        ctx.text(&format!(
            "Unknown attribute 0x{:04x} ({} bytes)",
            a.code, a.length
        ))
    } else {
        let mut t = format!("{}: {}", a.name(), a.value_text());
        if let Some(s) = status {
            t.push_str(&format!(" [{}]", s.name()));
        }
        ctx.text(&t)
    };
    let total = 4 + a.length as usize + a.padding();
    let item = at.add_text(f.att, ctx.tvb, start, total, text);
    (item, item.subtree(f.ett_attr))
}

/// The value's decoded sub-fields; every value is still decoded (a bad one raises an
/// expert item), items only for a shown tree or referenced fields.
fn value_fields<'p>(
    ctx: &Ctx<'p>,
    sub: Tree<'p>,
    item: Item<'p>,
    m: usize,
    a: &msstun::Attribute<'_>,
    af: &AttrFields,
    (class, msg_bytes): (Class, &[u8]),
) {
    let items = ctx.visible || af.any_referenced();
    let error_response = class == Class::ErrorResponse;
    if !items && !error_response {
        // Nothing to show: only whether the value is malformed.
        if let Some(e) = a.value_error() {
            bad_value(ctx, item, &e, msg_bytes);
        }
        return;
    }
    for fld in a.fields() {
        match fld {
            Ok(fld) => {
                let error = error_response && fld.desc.role == FieldRole::ErrorCode;
                if let Some((kind, hf)) = af.get(fld.desc.key) {
                    let it = if ctx.want(hf) {
                        add_field(ctx, sub, hf, kind, &fld, m).or(item)
                    } else {
                        item
                    };
                    if error {
                        error_response_expert(ctx, it, &fld);
                    }
                }
            }
            Err(e) => {
                let mut at = item;
                if let msstun::Layout::Text(d) = a.layout() {
                    // Still show the bytes (Wireshark marks the invalid sequences).
                    if let Some((FieldKind::Str, hf)) = af.get(d.key) {
                        at = sub.add_item(
                            hf,
                            ctx.tvb,
                            m + a.offset + 4,
                            a.length as usize,
                            Encoding::Utf8,
                        );
                    }
                }
                bad_value(ctx, at, &e, msg_bytes);
                break;
            }
        }
    }
}

/// What an attribute raises and hands on when none of its items is added: the same
/// expert items as the full path, on `item`, and DATA to the relayed-data heuristics.
fn experts_only<'p>(
    ctx: &Ctx<'p>,
    item: Item<'p>,
    m: usize,
    a: &msstun::Attribute<'_>,
    af: Option<&AttrFields>,
    checks: &Checks,
    (class, msg_bytes): (Class, &[u8]),
) {
    let Some(af) = af else {
        return unknown_required(ctx, item, a);
    };
    if class == Class::ErrorResponse {
        if let Some(code) = a
            .fields()
            .map_while(Result::ok)
            .find(|fld| fld.desc.role == FieldRole::ErrorCode)
        {
            error_response_expert(ctx, item, &code);
        }
    }
    if let Some(e) = a.value_error() {
        bad_value(ctx, item, &e, msg_bytes);
    }
    short_form_expert(ctx, item, a);
    // The status only of an attribute that has one (checked: FINGERPRINT, integrity).
    if let Some(s) = af.status.and_then(|_| status_of(checks, a, msg_bytes)) {
        status_expert(ctx, item, s, a);
    }
    if af.relays {
        // No attribute subtree here (a tree nobody sees): its items go to the top.
        relayed::hand_over(
            ctx,
            ctx.tree,
            m + a.offset + 4,
            a.length as usize,
            Carrier::DataAttribute,
        );
    }
}

/// An attribute of no known type that must be understood (RFC 8489 §14): noted once per
/// flow and attribute type, on the first message that carries it (WhatsApp sends its
/// proprietary ones in every message of a call).
fn unknown_required<'p>(ctx: &Ctx<'p>, item: Item<'p>, a: &msstun::Attribute<'_>) {
    if !a.comprehension_required() {
        return;
    }
    let key = (ctx.conv, a.code);
    let first = crate::session::with(|s| {
        let at = s.unknown_required.entry(key).or_insert(ctx.num);
        if !ctx.visited && ctx.num < *at {
            *at = ctx.num;
        }
        *at
    });
    if first == ctx.num {
        let t = format!(
            "Unknown comprehension-required attribute 0x{:04x} (noted once per flow: first here)",
            a.code
        );
        ctx.expert(item, Expert::UnknownRequired, ctx.text(&t));
    }
}

/// A value that does not fit its layout: malformed, except in a message of a method no
/// table knows (WhatsApp's proprietary 0x0800–0x0805 reuse codes such as 0x802B for values
/// of their own), where it is the vendor's use of the code, noted.
#[cold]
fn bad_value<'p>(ctx: &Ctx<'p>, item: Item<'p>, e: &msstun::Error, msg_bytes: &[u8]) {
    let proprietary = match msg_bytes {
        [a, b, ..] => {
            let dialect = msstun::message::detect_dialect(msg_bytes);
            msstun::registry::method_for_type(dialect, u16::from_be_bytes([*a, *b]))
                .0
                .code
                == msstun::registry::UNKNOWN_METHOD.code
        }
        _ => false,
    };
    if proprietary {
        let t = format!("{e} (a proprietary method: the vendor's own use of this code)");
        ctx.expert(item, Expert::ProprietaryValue, ctx.text(&t));
    } else {
        ctx.expert(item, Expert::BadValue, ctx.text(&e.to_string()));
    }
}

/// A value in a tolerated short form (Teams' 4-byte MS-SEQUENCE-NUMBER): a deviation, with
/// what it carries. Only structured values have short forms: the others are turned away
/// here, inline (asked of every attribute).
#[inline(always)]
fn short_form_expert<'p>(ctx: &Ctx<'p>, item: Item<'p>, a: &msstun::Attribute<'_>) {
    if matches!(a.layout(), msstun::Layout::Struct(_)) {
        short_form_note(ctx, item, a);
    }
}

/// [`short_form_expert`] of a structured value.
#[inline(never)]
fn short_form_note<'p>(ctx: &Ctx<'p>, item: Item<'p>, a: &msstun::Attribute<'_>) {
    let Some(short) = a.short_form() else {
        return;
    };
    let mut t = format!("Tolerated deviation: {}", short.note);
    if let Some(msstun::Field {
        value: FieldValue::Uint(n),
        ..
    }) = a.field(FieldRole::Sequence)
    {
        t.push_str(&format!("; sequence number {n}"));
    }
    ctx.expert(item, Expert::Deviation, ctx.text(&t));
}

/// A text value that is not text where text is only customary (Microsoft's binary
/// USERNAME and NONCE tokens, random-byte [MS-ICE] credentials): its bytes, as bytes.
fn binary_token<'p>(ctx: &Ctx<'p>, sub: Tree<'p>, start: usize, a: &msstun::Attribute<'_>) {
    if !matches!(a.layout(), msstun::Layout::Text(_)) || !ctx.want(ctx.f.att_value) {
        return;
    }
    if let Some(Ok(msstun::Field {
        value: FieldValue::Bytes(_),
        ..
    })) = a.fields().next()
    {
        ctx.add_item(
            sub,
            ctx.f.att_value,
            start + 4,
            a.length as usize,
            Encoding::Na,
        );
    }
}

/// ERROR-CODE of an error response, explained.
fn error_response_expert<'p>(ctx: &Ctx<'p>, item: Item<'p>, code: &msstun::Field<'_>) {
    if let FieldValue::Uint(code) = code.value {
        let t = format!("Error {code}: {}", expert::explain_error(code as u16));
        ctx.expert(item, Expert::ErrorResponse, ctx.text(&t));
    }
}

/// A bad FINGERPRINT, a bad or unverified MESSAGE-INTEGRITY(-SHA256).
fn status_expert<'p>(ctx: &Ctx<'p>, item: Item<'p>, s: Status, a: &msstun::Attribute<'_>) {
    let fp = a.role() == Role::Fingerprint;
    let (which, text) = match (s, fp) {
        (Status::Bad, true) => (Expert::FingerprintBad, c"Bad FINGERPRINT (CRC-32 mismatch)"),
        (Status::Bad, false) => (
            Expert::IntegrityBad,
            c"Bad MESSAGE-INTEGRITY: HMAC does not match the configured credentials",
        ),
        (Status::Unverified, false) => (
            Expert::IntegrityUnverified,
            c"MESSAGE-INTEGRITY not verified: no matching row in msstun_credentials",
        ),
        (Status::GoodWlm2009, _) => (
            Expert::FingerprintWlm2009,
            c"FINGERPRINT good with the CRC-32 table variant of Windows Live Messenger 2009 / OCS 2007 R2 ([MS-ICE2] legacy compatibility), not the standard CRC-32",
        ),
        _ => return,
    };
    ctx.expert(item, which, PStr::of(text));
}

/// Add one decoded sub-field; the call matches the type the field was registered with.
fn add_field<'p>(
    ctx: &Ctx<'p>,
    tree: Tree<'p>,
    hf: Hf,
    kind: FieldKind,
    fld: &msstun::Field<'_>,
    m: usize,
) -> Item<'p> {
    let tvb = ctx.tvb;
    let (s, l) = (m + fld.offset, fld.len);
    let n = match fld.value {
        FieldValue::Uint(n) => Some(n),
        FieldValue::Bool(b) => Some(b as u64),
        _ => None,
    };
    match (kind, fld.value, n) {
        (FieldKind::U64, _, Some(n)) => tree.add_uint64(hf, tvb, s, l, n),
        (FieldKind::Bool, _, Some(n)) => tree.add_bool(hf, tvb, s, l, n != 0),
        (FieldKind::U8 | FieldKind::U16 | FieldKind::U32, _, Some(n)) => {
            tree.add_uint(hf, tvb, s, l, n as u32)
        }
        (FieldKind::Ipv4, FieldValue::Ipv4(o), _) => tree.add_ip(hf, hf, tvb, s, l, o.into()),
        (FieldKind::Ipv6, FieldValue::Ipv6(o), _) => tree.add_ip(hf, hf, tvb, s, l, o.into()),
        // Binary text (random-byte MS-ICE credentials): the value is the escaped text,
        // as the Info column shows it (Wireshark would show U+FFFD for every byte).
        (FieldKind::Str, FieldValue::Bytes(b), _) => {
            let mut t = String::with_capacity(b.len() * 3 + 1);
            let _ = msstun::summary::write_escaped(&mut t, msstun::summary::trim_nul(b));
            tree.add_string(hf, tvb, s, l, ctx.text(&t))
        }
        (FieldKind::Str, _, _) => tree.add_item(hf, tvb, s, l, Encoding::Utf8),
        (FieldKind::Bytes, _, _) => tree.add_item(hf, tvb, s, l, Encoding::Na),
        _ => Item::NONE,
    }
}
