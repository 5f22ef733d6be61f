//! The message object: one STUN message (or one data chunk), as the relay prints it and
//! the Suricata plugin logs it.

use std::fmt::Write as _;

use msstun::check::{self, Status};
use msstun::framing::Framing;

use msstun::{Class, Message};

use crate::writer::{JsonWriter, WResult};
use crate::{write_record, Record};

/// One attribute of a message object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// Attribute type code.
    pub code: u16,
    /// Registry name, `Unknown` if the dialect does not know it.
    pub name: &'static str,
    /// Rendered value ([`attribute_value`]).
    pub value: String,
}

/// Everything a message object says about one message, owned.
///
/// Keys written by [`MessageRecord::write`], in order: `record` (`message`), `framing`,
/// `dialect`, `type`, `method`, `class`, `transaction_id`, `summary`, `attributes`
/// (`[{"type", "name", "value"}]`), `fingerprint`, `integrity` — the relay's JSON Lines
/// keys (its README), without its connection keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// `framing` key: the framing's key, `unknown` before it is known, `none` for RFC
    /// 6062 data, `channel-data` for a ChannelData chunk.
    pub framing: &'static str,
    /// Dialect key (`rfc5389`, `rfc3489`, `ms-turn`); None for data chunks.
    pub dialect: Option<&'static str>,
    /// 16-bit message type; None for data chunks.
    pub msg_type: Option<u16>,
    /// Method name (`ChannelData` or `Data` for data chunks).
    pub method: &'static str,
    /// Class; None for data chunks.
    pub class: Option<Class>,
    /// Transaction id, lower-case hex; None for data chunks.
    pub transaction_id: Option<String>,
    /// The Info-column text.
    pub summary: String,
    /// Attributes in message order (up to the first malformed one).
    pub attributes: Vec<Attr>,
    /// FINGERPRINT status, None without a FINGERPRINT.
    pub fingerprint: Option<Status>,
    /// MESSAGE-INTEGRITY(-SHA256) status, None without one. [`MessageRecord::decode`]
    /// says [`Status::Unverified`]; a consumer with credentials (the relay) sets it.
    pub integrity: Option<Status>,
    /// The attribute parse error that stopped the attribute walk, if any (not written).
    pub error: Option<String>,
}

/// JSON value of a check status.
pub const fn status_key(s: Status) -> &'static str {
    match s {
        Status::Good => "good",
        Status::Bad => "bad",
        Status::Unverified => "unverified",
        Status::GoodWlm2009 => "good-wlm2009",
    }
}

/// JSON value of a class.
pub const fn class_key(c: Class) -> &'static str {
    c.key()
}

impl MessageRecord {
    /// Decode one framed-off STUN message; `framing` is what it arrived in, if known.
    /// FINGERPRINT is checked; MESSAGE-INTEGRITY is [`Status::Unverified`] when present.
    pub fn decode(bytes: &[u8], framing: Option<Framing>) -> Result<Self, msstun::Error> {
        let msg = Message::new_checked(bytes)?;
        Ok(Self::from_message(&msg, framing))
    }

    /// The record of a checked message.
    pub fn from_message<T: AsRef<[u8]>>(msg: &Message<T>, framing: Option<Framing>) -> Self {
        let (method, class) = msg.method_class();
        let b = msg.bytes();
        let auth = check::auth_info(b, msg.dialect());
        let mut rec = MessageRecord {
            framing: framing.map_or("unknown", |f| f.key()),
            dialect: Some(msg.dialect().key()),
            msg_type: Some(msg.message_type()),
            method: method.name,
            class: Some(class),
            transaction_id: Some(hex(msg.transaction_id())),
            summary: msg.summary().to_string(),
            attributes: Vec::new(),
            fingerprint: auth.fingerprint.map(|o| check::check_fingerprint(b, o)),
            integrity: (auth.integrity.is_some() || auth.integrity_sha256.is_some())
                .then_some(Status::Unverified),
            error: None,
        };
        for a in msg.attributes() {
            match a {
                Ok(a) => rec.attributes.push(Attr {
                    code: a.code,
                    name: a.name(),
                    value: attribute_value(&a),
                }),
                Err(e) => {
                    rec.error = Some(e.to_string());
                    break;
                }
            }
        }
        rec
    }

    /// A data chunk (ChannelData, RFC 6062 data): `framing` is `channel-data` for
    /// ChannelData (method `ChannelData`), else the framing key (method `Data`).
    pub fn data(framing: &'static str, summary: String) -> Self {
        MessageRecord {
            framing,
            dialect: None,
            msg_type: None,
            method: if framing == "channel-data" {
                "ChannelData"
            } else {
                "Data"
            },
            class: None,
            transaction_id: None,
            summary,
            attributes: Vec::new(),
            fingerprint: None,
            integrity: None,
            error: None,
        }
    }

    /// Write `record` and the message keys into the current object.
    pub fn write<W: JsonWriter + ?Sized>(&self, w: &mut W) -> WResult {
        write_record(w, Record::Message)?;
        self.write_fields(w)
    }

    /// Write the message keys (without `record`) into the current object.
    pub fn write_fields<W: JsonWriter + ?Sized>(&self, w: &mut W) -> WResult {
        w.set_str("framing", self.framing)?;
        w.set_opt_str("dialect", self.dialect)?;
        w.set_opt_uint("type", self.msg_type.map(u64::from))?;
        w.set_str("method", self.method)?;
        w.set_opt_str("class", self.class.map(class_key))?;
        w.set_opt_str("transaction_id", self.transaction_id.as_deref())?;
        w.set_str("summary", &self.summary)?;
        w.open_array("attributes")?;
        for a in &self.attributes {
            w.start_object()?;
            w.set_uint("type", u64::from(a.code))?;
            w.set_str("name", a.name)?;
            w.set_str("value", &a.value)?;
            w.close()?;
        }
        w.close()?;
        w.set_opt_str("fingerprint", self.fingerprint.map(status_key))?;
        w.set_opt_str("integrity", self.integrity.map(status_key))
    }
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// An attribute's value as the message object shows it: the text the plugin shows in its
/// tree, [`msstun::Attribute::write_value`] (one formatter for both).
pub fn attribute_value(a: &msstun::Attribute<'_>) -> String {
    a.value_text().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonText;

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
    fn allocate_error_object() {
        let m = msg(
            0x0113,
            &[
                (0x0009, b"\0\0\x04\x01Unauthorized"),
                (0x0014, b"example.org"),
                (0x0015, b"a\"b\x01"),
            ],
        );
        let r = MessageRecord::decode(&m, Some(Framing::Rfc4571)).unwrap();
        let mut w = JsonText::object();
        r.write(&mut w).unwrap();
        let line = w.finish();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["record"], "message");
        assert_eq!(v["framing"], "rfc4571");
        assert_eq!(v["method"], "Allocate");
        assert_eq!(v["class"], "error");
        assert_eq!(v["type"], 0x0113);
        assert_eq!(v["transaction_id"], "010101010101010101010101");
        assert_eq!(v["attributes"][0]["value"], "401 Unauthorized");
        assert_eq!(v["attributes"][2]["name"], "NONCE");
        // Text leaves msstun escaped (control bytes as the parser's escaping writes them).
        assert_eq!(v["attributes"][2]["value"], "a\"b\\001");
        assert!(v["integrity"].is_null() && v["fingerprint"].is_null());
        // The keys, in this order, and nothing else.
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        let mut want = [
            "record",
            "framing",
            "dialect",
            "type",
            "method",
            "class",
            "transaction_id",
            "summary",
            "attributes",
            "fingerprint",
            "integrity",
        ];
        want.sort();
        assert_eq!(keys, want);
        assert!(line.starts_with(r#"{"record":"message","framing":"rfc4571","dialect""#));
    }

    #[test]
    fn data_object() {
        let mut w = JsonText::object();
        MessageRecord::data("channel-data", "ChannelData 0x4000 len 8".into())
            .write(&mut w)
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&w.finish()).unwrap();
        assert_eq!(v["method"], "ChannelData");
        assert!(v["class"].is_null() && v["type"].is_null() && v["dialect"].is_null());
        assert_eq!(v["attributes"], serde_json::json!([]));
    }

    #[test]
    fn integrity_unverified_without_credentials() {
        let m = msg(0x0001, &[(0x0008, &[0u8; 20])]);
        let r = MessageRecord::decode(&m, None).unwrap();
        assert_eq!(r.integrity, Some(Status::Unverified));
        assert_eq!(r.framing, "unknown");
    }
}
