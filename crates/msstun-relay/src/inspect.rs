//! Turn one framed STUN message into an owned, printable [`Record`].

use std::collections::VecDeque;
use std::fmt::Write as _;

use msstun::registry::{Base, Layout};
use msstun::{Class, FieldValue, Message};
use serde::Serialize;

use msstun::check;
use msstun::framing::Framing;

use crate::creds::{Credentials, Status};

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
    /// Framing, if known.
    pub framing: Option<Framing>,
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
    /// Attribute parse error, if any.
    pub error: Option<String>,
}

/// USERNAME/REALM/PASSWORD-ALGORITHM of a request, owned.
#[derive(Debug)]
pub struct ReqAuth {
    username: Vec<u8>,
    realm: Option<Vec<u8>>,
    algorithm: Option<check::PasswordAlgorithm>,
}

impl ReqAuth {
    fn auth(&self) -> check::AuthInfo<'_> {
        check::AuthInfo {
            username: Some(&self.username),
            realm: self.realm.as_deref(),
            password_algorithm: self.algorithm,
            ..Default::default()
        }
    }
}

/// Per-connection state the inspector needs across messages: the credentials a request
/// used, so its response can be checked (responses carry no USERNAME).
#[derive(Debug, Default)]
pub struct TxKeys {
    recent: VecDeque<([u8; 16], ReqAuth)>,
}

const MAX_TX_KEYS: usize = 64;

impl TxKeys {
    fn remember(&mut self, tid: &[u8], auth: &check::AuthInfo<'_>) {
        let Some(u) = auth.username else { return };
        if self.recent.len() == MAX_TX_KEYS {
            self.recent.pop_front();
        }
        let req = ReqAuth {
            username: u.to_vec(),
            realm: auth.realm.map(<[u8]>::to_vec),
            algorithm: auth.password_algorithm,
        };
        self.recent.push_back((tid16(tid), req));
    }
    fn find(&self, tid: &[u8]) -> Option<&ReqAuth> {
        let t = tid16(tid);
        self.recent
            .iter()
            .rev()
            .find(|(k, _)| *k == t)
            .map(|(_, v)| v)
    }
}

fn tid16(tid: &[u8]) -> [u8; 16] {
    let mut t = [0u8; 16];
    let n = tid.len().min(16);
    t[..n].copy_from_slice(&tid[..n]);
    t
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

fn render_value(a: &msstun::Attribute<'_>) -> String {
    if matches!(a.layout(), Layout::Address | Layout::XorAddress) {
        if let Some(Ok(addr)) = a.address() {
            return addr.to_string();
        }
    }
    if let Some((code, reason)) = a.error_code() {
        return format!("{code} {}", msstun::summary::escaped(reason.as_bytes()));
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
            // Text leaves the relay escaped (the parser's one escaping: `\n`, `\xNN`).
            FieldValue::Str(s) => msstun::summary::escaped(s.as_bytes()),
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

/// Decode a framed STUN message; `framing` is the framing it arrived in, if known.
pub fn inspect(
    bytes: &[u8],
    framing: Option<Framing>,
    creds: Option<&Credentials>,
    keys: &mut TxKeys,
) -> Result<Record, String> {
    let msg = Message::new_checked(bytes).map_err(|e| e.to_string())?;
    let (method, class) = msg.method_class();
    let b = msg.bytes();
    let auth = check::auth_info(b, msg.dialect());
    let tid = msg.transaction_id();
    // Requests and indications carry USERNAME/REALM; a response is checked with those of
    // its request (RFC 8489 §9.2.4), remembered here by transaction id.
    let integrity = |off: usize, keys: &mut TxKeys| -> Status {
        let Some(c) = creds else {
            return Status::Unverified;
        };
        if auth.username.is_some() {
            if !class.is_response() {
                keys.remember(tid, &auth);
            }
            check::integrity_status_for(b, off, &auth, c)
        } else if class.is_response() {
            match keys.find(tid) {
                Some(req) => check::integrity_status_for(b, off, &req.auth(), c),
                None => Status::Unverified,
            }
        } else {
            Status::Unverified
        }
    };
    let mi = auth.integrity.map(|o| integrity(o, keys));
    let mi256 = auth.integrity_sha256.map(|o| integrity(o, keys));
    let integrity = match (mi, mi256) {
        (Some(Status::Bad), _) | (_, Some(Status::Bad)) => Some(Status::Bad),
        (Some(a), _) => Some(a),
        (None, b) => b,
    };
    let mut rec = Record {
        framing,
        dialect: msg.dialect().key(),
        msg_type: msg.message_type(),
        method: method.name,
        class,
        transaction_id: hex(tid),
        summary: msg.summary().to_string(),
        attributes: Vec::new(),
        fingerprint: auth.fingerprint.map(|o| check::check_fingerprint(b, o)),
        integrity,
        error: None,
    };
    for a in msg.attributes() {
        match a {
            Ok(a) => rec.attributes.push(AttrOut {
                code: a.code,
                name: a.name(),
                value: render_value(&a),
            }),
            Err(e) => {
                rec.error = Some(e.to_string());
                break;
            }
        }
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
        let r = inspect(&m, Some(Framing::Plain), None, &mut TxKeys::default()).unwrap();
        assert_eq!(r.method, "Allocate");
        assert_eq!(r.class, Class::ErrorResponse);
        assert_eq!(
            r.summary,
            "Allocate Error Response error-code: 401 (Unauthenticated) realm: example.org with nonce"
        );
        assert_eq!(r.attributes[0].value, "401 Unauthorized");
        assert_eq!(r.integrity, None);
    }
}
