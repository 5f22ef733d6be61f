//! Short texts for tree items (the Info column uses `msstun::summary`).

use std::fmt::Write;

use msstun::FieldValue;

/// Short text of one attribute value for its tree item.
pub fn attr_value_text(a: &msstun::Attribute<'_>) -> String {
    if let Some(Ok(addr)) = a.address() {
        return addr.to_string();
    }
    if let Some((code, reason)) = a.error_code() {
        return format!("{code} {reason}");
    }
    let mut out = String::new();
    for f in a.fields().map_while(Result::ok) {
        if !out.is_empty() {
            out.push_str(", ");
        }
        match f.value {
            FieldValue::Uint(n) => match f.desc.value_name(n as u32) {
                Some(name) => {
                    let _ = write!(out, "{name}");
                }
                None if f.desc.base == msstun::registry::Base::Hex => {
                    let _ = write!(out, "0x{n:x}");
                }
                None => {
                    let _ = write!(out, "{n}");
                    if !f.desc.unit.is_empty() {
                        let _ = write!(out, " {}", f.desc.unit);
                    }
                }
            },
            FieldValue::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            FieldValue::Ipv4(ip) => {
                let _ = write!(out, "{}", std::net::Ipv4Addr::from(ip));
            }
            FieldValue::Ipv6(ip) => {
                let _ = write!(out, "{}", std::net::Ipv6Addr::from(ip));
            }
            // Text as Wireshark's format_text shows it (one line, no control characters);
            // binary text (MS-ICE credentials) the same way, `\xNN` for its bytes.
            FieldValue::Str(t) => {
                let _ = msstun::summary::write_escaped(&mut out, t.as_bytes());
            }
            FieldValue::Bytes(b) if f.desc.kind == msstun::FieldKind::Str => {
                let _ = msstun::summary::write_escaped(&mut out, msstun::summary::trim_nul(b));
            }
            FieldValue::Bytes(b) => {
                for x in b.iter().take(16) {
                    let _ = write!(out, "{x:02x}");
                }
                if b.len() > 16 {
                    out.push('…');
                }
            }
        }
    }
    out
}
