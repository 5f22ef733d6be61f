//! Turn one framed STUN message into an owned, printable [`Record`].

use std::collections::VecDeque;
use std::fmt::Write as _;

use msstun::registry::{Base, Layout};
use msstun::{Class, FieldValue, Message};
use serde::Serialize;

use crate::creds::{verify_fingerprint, verify_integrity, Credentials, Status};
use crate::framer::Framing;

/// One attribute in JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct AttrOut {
    /// Attribute type code.
    #[serde(rename = "type")]
    pub code: u16,
    /// Registry name, `Unknown` if the dialect does not know it.
    pub name: &'static str,
    /// Rendered value.
    pub value: String,
}

/// Everything the relay prints about one STUN message.
#[derive(Debug, Clone)]
pub struct Record {
    /// Framing.
    pub framing: Framing,
    /// Dialect key.
    pub dialect: &'static str,
    /// 16-bit message type.
    pub msg_type: u16,
    /// Method name.
    pub method: &'static str,
    /// Class.
    pub class: Class,
    /// Transaction id, hex.
    pub transaction_id: String,
    /// Info-column style text.
    pub summary: String,
    /// Attributes.
    pub attributes: Vec<AttrOut>,
    /// FINGERPRINT status, None if absent.
    pub fingerprint: Option<Status>,
    /// MESSAGE-INTEGRITY status, None if absent.
    pub integrity: Option<Status>,
    /// Whether this is a ConnectionBind success response (RFC 6062: the connection becomes data).
    pub connection_bind_success: bool,
    /// Attribute parse error, if any.
    pub error: Option<String>,
}

/// Per-connection state the inspector needs across messages: which key a request used,
/// so its response can be checked (responses carry no USERNAME).
#[derive(Debug, Default)]
pub struct TxKeys {
    recent: VecDeque<([u8; 16], Vec<u8>)>,
}

const MAX_TX_KEYS: usize = 64;

impl TxKeys {
    fn remember(&mut self, tid: &[u8], key: &[u8]) {
        if self.recent.len() == MAX_TX_KEYS {
            self.recent.pop_front();
        }
        self.recent.push_back((tid16(tid), key.to_vec()));
    }
    fn find(&self, tid: &[u8]) -> Option<&[u8]> {
        let t = tid16(tid);
        self.recent
            .iter()
            .rev()
            .find(|(k, _)| *k == t)
            .map(|(_, v)| v.as_slice())
    }
}

fn tid16(tid: &[u8]) -> [u8; 16] {
    let mut t = [0u8; 16];
    let n = tid.len().min(16);
    t[..n].copy_from_slice(&tid[..n]);
    t
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

fn render_value(a: &msstun::Attribute<'_>) -> String {
    if let Some(Ok(addr)) = a.address() {
        return addr.to_string();
    }
    if let Some((code, reason)) = a.error_code() {
        return format!("{code} {reason}");
    }
    match a.layout() {
        Layout::Integrity | Layout::Fingerprint => return hex(a.value),
        Layout::Flag => return String::new(),
        _ => {}
    }
    let mut parts = Vec::new();
    for f in a.fields() {
        let Ok(f) = f else { return hex(a.value) };
        let v = match f.value {
            FieldValue::Uint(n) => {
                let num = match f.desc.base {
                    Base::Hex => format!("0x{n:x}"),
                    _ => n.to_string(),
                };
                let named = u32::try_from(n).ok().and_then(|n| f.desc.value_name(n));
                match named {
                    Some(name) => format!("{name} ({num})"),
                    None if !f.desc.unit.is_empty() => format!("{num} {}", f.desc.unit),
                    None => num,
                }
            }
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Ipv4(ip) => std::net::Ipv4Addr::from(ip).to_string(),
            FieldValue::Ipv6(ip) => std::net::Ipv6Addr::from(ip).to_string(),
            FieldValue::Str(s) => s.to_string(),
            FieldValue::Bytes(b) if b.len() > 64 => {
                format!("{}… ({} bytes)", hex(&b[..64]), b.len())
            }
            FieldValue::Bytes(b) => hex(b),
        };
        if f.desc.key.is_empty() {
            parts.push(v);
        } else {
            parts.push(format!("{}={v}", f.desc.key));
        }
    }
    parts.join(" ")
}

/// Decode a framed STUN message.
pub fn inspect(
    bytes: &[u8],
    framing: Framing,
    creds: Option<&Credentials>,
    keys: &mut TxKeys,
) -> Result<Record, String> {
    let msg = Message::new_checked(bytes).map_err(|e| e.to_string())?;
    let (method, class) = msg.method_class();
    let mut rec = Record {
        framing,
        dialect: msg.dialect().key(),
        msg_type: msg.message_type(),
        method: method.name,
        class,
        transaction_id: hex(msg.transaction_id()),
        summary: String::new(),
        attributes: Vec::new(),
        fingerprint: None,
        integrity: None,
        connection_bind_success: method.name == "ConnectionBind" && class == Class::SuccessResponse,
        error: None,
    };
    let mut user = None;
    let mut realm = None;
    let mut extra = String::new();
    for a in msg.attributes() {
        let a = match a {
            Ok(a) => a,
            Err(e) => {
                rec.error = Some(e.to_string());
                break;
            }
        };
        let key = a.desc.map_or("", |d| d.key);
        match key {
            "username" => user = a.as_str(),
            "realm" => realm = a.as_str(),
            _ => {}
        }
        match a.layout() {
            Layout::Fingerprint => {
                rec.fingerprint = Some(verify_fingerprint(msg.bytes(), a.offset, a.value))
            }
            Layout::Integrity if rec.integrity.is_none() => {
                let k = match (creds, user) {
                    (Some(c), Some(u)) => c.key(u, realm).map(<[u8]>::to_vec),
                    (Some(_), None) if class.is_response() => {
                        keys.find(msg.transaction_id()).map(<[u8]>::to_vec)
                    }
                    _ => None,
                };
                rec.integrity = Some(match k {
                    Some(k) => {
                        if class == Class::Request || class == Class::Indication {
                            keys.remember(msg.transaction_id(), &k);
                        }
                        if verify_integrity(msg.bytes(), a.offset, a.code, a.value, &k) {
                            Status::Good
                        } else {
                            Status::Bad
                        }
                    }
                    None => Status::Unverified,
                });
            }
            _ => {}
        }
        let value = render_value(&a);
        // TODO(msstun::summary): switch to the shared Info-column text when it lands.
        match key {
            "error_code" => {
                if let Some((code, reason)) = a.error_code() {
                    let _ = write!(extra, " error-code: {code} ({reason})");
                }
            }
            "username" => {
                let _ = write!(extra, " user: {value}");
            }
            "realm" => {
                let _ = write!(extra, " realm: {value}");
            }
            "nonce" => extra.push_str(" with nonce"),
            "lifetime" => {
                let _ = write!(extra, " lifetime: {}", a.as_u32().unwrap_or(0));
            }
            "channel_number" => {
                let _ = write!(extra, " channel: {value}");
            }
            "xor_peer_address" => {
                let _ = write!(extra, " peer: {value}");
            }
            "xor_relayed_address" => {
                let _ = write!(extra, " relayed: {value}");
            }
            "xor_mapped_address" => {
                let _ = write!(extra, " mapped: {value}");
            }
            "connection_id" => {
                let _ = write!(extra, " connection-id: {value}");
            }
            "requested_transport" => {
                let t = a.value.first().copied().unwrap_or(0);
                extra.push_str(match t {
                    6 => " TCP",
                    17 => " UDP",
                    _ => " transport?",
                });
            }
            _ => {}
        }
        rec.attributes.push(AttrOut {
            code: a.code,
            name: a.name(),
            value,
        });
    }
    rec.summary = format!("{} {}{}", method.name, class.name(), extra);
    if let Some(e) = &rec.error {
        let _ = write!(rec.summary, " [malformed: {e}]");
    }
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(t: u16, attrs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut v = vec![(t >> 8) as u8, t as u8, 0, 0, 0x21, 0x12, 0xA4, 0x42];
        v.extend_from_slice(&[1; 12]);
        for (c, val) in attrs {
            v.extend_from_slice(&c.to_be_bytes());
            v.extend_from_slice(&(val.len() as u16).to_be_bytes());
            v.extend_from_slice(val);
            v.resize(v.len().div_ceil(4) * 4, 0);
        }
        let l = (v.len() - 20) as u16;
        v[2..4].copy_from_slice(&l.to_be_bytes());
        v
    }

    #[test]
    fn allocate_error_summary() {
        let m = msg(
            0x0113,
            &[
                (0x0009, b"\0\0\x04\x01Unauthorized"),
                (0x0014, b"example.org"),
                (0x0015, b"abc"),
            ],
        );
        let r = inspect(&m, Framing::Datagram, None, &mut TxKeys::default()).unwrap();
        assert_eq!(r.method, "Allocate");
        assert_eq!(r.class, Class::ErrorResponse);
        assert_eq!(
            r.summary,
            "Allocate Error Response error-code: 401 (Unauthorized) realm: example.org with nonce"
        );
        assert_eq!(r.attributes[0].value, "401 Unauthorized");
        assert_eq!(r.integrity, None);
    }
}
