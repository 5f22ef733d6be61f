//! The one event schema of msstun.
//!
//! Every consumer of msstun's decoding — the relay's JSON Lines, the Suricata plugin's
//! `eve.json` records, and the session analysis' findings — writes its objects with the
//! functions of this crate, through the [`JsonWriter`] trait: [`JsonText`] gives
//! compact JSON text (what the relay prints), and the Suricata plugin implements the trait
//! over Suricata's `SCJsonBuilder`. One function drives both, so the objects cannot drift.
//!
//! Every object carries `"record"`, saying what it is ([`Record`]): `message` (one STUN
//! message, or with the relay's `--show-data` one ChannelData/data chunk), `media` (a
//! relayed-media report of one flow), `tables` (the allocation and ICE tables), `finding`
//! (a troubleshooting finding of `msstun-analysis`; its keys after `record` are that
//! crate's).
//!
//! ```
//! use msstun_event::{JsonText, MessageRecord};
//! use msstun::framing::Framing;
//! // RFC 5769 §2.1 would do; any Binding request is enough here.
//! let mut m = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
//! m.extend_from_slice(&[7; 12]);
//! let rec = MessageRecord::decode(&m, Some(Framing::Plain)).unwrap();
//! let mut w = JsonText::object();
//! rec.write(&mut w).unwrap();
//! let line = w.finish();
//! assert!(line.starts_with(r#"{"record":"message","framing":"plain","dialect":"rfc5389","type":1,"method":"Binding","class":"request""#));
//! ```

#![warn(missing_docs)]

mod message;
mod writer;

pub use message::{attribute_value, class_key, hex, status_key, Attr, MessageRecord};
pub use writer::{escape_into, JsonText, JsonWriter, WResult, WriteError};

use msstun::classify::{Carrier, PayloadKind};
use msstun::media::MediaCounters;

/// What an object is: the value of its `"record"` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Record {
    /// One STUN message (or data chunk): [`MessageRecord`].
    Message,
    /// One flow's relayed-media report: [`write_media`].
    Media,
    /// The allocation and ICE tables: [`tables_line`].
    Tables,
    /// A finding of the session analysis (`msstun-analysis`), which writes its own keys
    /// after `"record": "finding"` ([`write_record`]).
    Finding,
}

impl Record {
    /// The `"record"` value.
    pub const fn key(self) -> &'static str {
        match self {
            Record::Message => "message",
            Record::Media => "media",
            Record::Tables => "tables",
            Record::Finding => "finding",
        }
    }
}

/// Write the `"record"` key; every object starts with it.
pub fn write_record<W: JsonWriter + ?Sized>(w: &mut W, record: Record) -> WResult {
    w.set_str("record", record.key())
}

/// JSON key of a media carrier.
pub const fn carrier_key(c: Carrier) -> &'static str {
    match c {
        Carrier::ChannelData => "channel-data",
        Carrier::DataAttribute => "data-attribute",
        Carrier::DataConnection => "data-connection",
        Carrier::MsTurnData => "ms-turn-data",
        Carrier::MultiplexedTurn => "multiplexed-turn",
        Carrier::Flow => "flow",
    }
}

/// JSON key of an RFC 7983 payload kind.
pub const fn kind_key(k: PayloadKind) -> &'static str {
    match k {
        PayloadKind::Stun => "stun",
        PayloadKind::Zrtp => "zrtp",
        PayloadKind::Dtls => "dtls",
        PayloadKind::TurnChannel => "channel-data",
        PayloadKind::Rtp => "rtp",
        PayloadKind::Rtcp => "rtcp",
        PayloadKind::Other => "other",
    }
}

/// The media keys of one flow's report, after the caller's own keys (`record`, time,
/// connection; the relay keeps its `"report": "media"` and `last`): `carrier`,
/// `channel` (the channel number for `channel-data`, else null), `kinds` (per kind present
/// `{"packets", "bytes"}`), `rtp` (per SSRC `{"ssrc", "payload_type", "packets", "lost",
/// "jumps"}`), `rtp_untracked`.
pub fn write_media<W: JsonWriter + ?Sized>(
    w: &mut W,
    carrier: Carrier,
    channel: u16,
    c: &MediaCounters,
) -> WResult {
    w.set_str("carrier", carrier_key(carrier))?;
    w.set_opt_uint(
        "channel",
        (carrier == Carrier::ChannelData).then_some(u64::from(channel)),
    )?;
    w.open_object("kinds")?;
    for (k, n) in sorted_kinds(c) {
        w.open_object(kind_key(k))?;
        w.set_uint("packets", n.packets)?;
        w.set_uint("bytes", n.bytes)?;
        w.close()?;
    }
    w.close()?;
    w.open_array("rtp")?;
    for e in c.rtp.entries() {
        w.start_object()?;
        w.set_uint("ssrc", u64::from(e.ssrc))?;
        w.set_uint("payload_type", u64::from(e.seq.payload_type))?;
        w.set_uint("packets", e.seq.packets)?;
        w.set_uint("lost", e.seq.lost())?;
        w.set_uint("jumps", e.seq.jumps)?;
        w.close()?;
    }
    w.close()?;
    w.set_uint("rtp_untracked", c.rtp.untracked)
}

/// The kinds present, in key order (as the relay printed them from a sorted map).
fn sorted_kinds(
    c: &MediaCounters,
) -> impl Iterator<Item = (PayloadKind, msstun::media::KindCount)> {
    let mut v: [(PayloadKind, msstun::media::KindCount); PayloadKind::ALL.len()] =
        [(PayloadKind::Other, Default::default()); PayloadKind::ALL.len()];
    let mut n = 0;
    for kc in c.kinds() {
        v[n] = kc;
        n += 1;
    }
    v[..n].sort_by_key(|(k, _)| kind_key(*k));
    v.into_iter().take(n)
}

/// The relay's tables line: `{"record":"tables","tables":WHY,"report":REPORT}` with
/// `report` the JSON msstun-analysis renders (its README's "JSON keys").
pub fn tables_line(why: &str, report_json: &str) -> String {
    let mut w = JsonText::object();
    let _ = write_record(&mut w, Record::Tables);
    let _ = w.set_str("tables", why);
    let _ = w.set_raw("report", report_json);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys() {
        let keys: Vec<_> = [
            Record::Message,
            Record::Media,
            Record::Tables,
            Record::Finding,
        ]
        .iter()
        .map(|r| r.key())
        .collect();
        assert_eq!(keys, ["message", "media", "tables", "finding"]);
    }

    #[test]
    fn tables_line_parses() {
        let l = tables_line("SIGUSR1", r#"{"allocations":[]}"#);
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["record"], "tables");
        assert_eq!(v["tables"], "SIGUSR1");
        assert_eq!(v["report"]["allocations"], serde_json::json!([]));
    }

    #[test]
    fn media_keys() {
        let mut c = MediaCounters::default();
        let mut p = vec![0x80, 0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78];
        p.extend_from_slice(&[0; 8]);
        c.account(&p);
        c.account(&[0x17, 0xfe, 0xfd]);
        let mut w = JsonText::object();
        write_record(&mut w, Record::Media).unwrap();
        write_media(&mut w, Carrier::ChannelData, 0x4000, &c).unwrap();
        let v: serde_json::Value = serde_json::from_str(&w.finish()).unwrap();
        assert_eq!(v["record"], "media");
        assert_eq!(v["channel"], 0x4000);
        assert_eq!(v["kinds"]["rtp"]["packets"], 1);
        assert_eq!(v["kinds"]["dtls"]["bytes"], 3);
        assert_eq!(v["rtp"][0]["ssrc"], 0x1234_5678);
        let mut w = JsonText::object();
        write_media(&mut w, Carrier::Flow, 0x4000, &c).unwrap();
        let v: serde_json::Value = serde_json::from_str(&w.finish()).unwrap();
        assert!(v["channel"].is_null());
    }
}
