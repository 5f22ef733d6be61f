//! A transaction's `eve.json` object, written with the event schema's functions
//! (`msstun-event`), through any [`JsonWriter`]: Suricata's `SCJsonBuilder` in the plugin,
//! JSON text in tests.
//!
//! Inside `"msstun": {…}`: `request`, `response`, `indication` — each the message object
//! the relay prints (`record`, `framing`, `dialect`, `type`, `method`, `class`,
//! `transaction_id`, `summary`, `attributes`, `fingerprint`, `integrity`; integrity is
//! `unverified`, Suricata has no credentials) — or `data` (a data chunk, `data: yes`
//! only); then `carrier` and `channel` for a message relayed inside TURN (an ICE check
//! in ChannelData: `channel-data`, `multiplexed-turn`, `ms-turn-data`), `connection_id` (RFC 6062 CONNECTION-ID of a Connect, ConnectionAttempt or
//! ConnectionBind), `data_connection` (true on a flow that has become an RFC 6062 data
//! connection) and `anomalies` (the app-layer events raised on the transaction, by name).

use msstun_event::{JsonWriter, MessageRecord, WResult};

use crate::state::{Event, Msg, Tx};

/// Write the transaction's keys into the current object (the plugin opens `msstun`).
pub fn write_tx<W: JsonWriter + ?Sized, X>(w: &mut W, tx: &Tx<X>) -> WResult {
    for (key, m) in [
        ("request", &tx.request),
        ("response", &tx.response),
        ("indication", &tx.indication),
    ] {
        if let Some(m) = m {
            w.open_object(key)?;
            message(m).write(w)?;
            w.close()?;
        }
    }
    if let Some((framing, summary)) = &tx.data {
        w.open_object("data")?;
        MessageRecord::data(framing, summary.clone()).write(w)?;
        w.close()?;
    }
    if let Some((carrier, channel)) = tx.messages().find_map(|m| m.carrier) {
        w.set_str("carrier", carrier)?;
        w.set_uint("channel", u64::from(channel))?;
    }
    if let Some(id) = tx.connection_id() {
        w.set_uint("connection_id", u64::from(id))?;
    }
    if tx.on_data_connection {
        w.set_bool("data_connection", true)?;
    }
    if tx.events != 0 {
        w.open_object("anomalies")?;
        for e in Event::ALL {
            if tx.events & (1 << e as u8) != 0 {
                w.set_bool(e.name(), true)?;
            }
        }
        w.close()?;
    }
    Ok(())
}

/// The message record of a kept message (it parsed when it was kept).
pub fn message(m: &Msg) -> MessageRecord {
    MessageRecord::decode(&m.bytes, m.framing)
        .unwrap_or_else(|e| MessageRecord::data("unknown", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Config, Dir, FlowState};
    use msstun::framing::Transport;
    use msstun_event::JsonText;

    #[test]
    fn request_and_response_objects() {
        let mut f: FlowState<()> = FlowState::new(Transport::Udp, Config::default());
        let req = crate::state::tests_support::stun(0x0003, 1, &[(0x0006, b"alice")]);
        let err =
            crate::state::tests_support::stun(0x0113, 1, &[(0x0009, b"\0\0\x04\x03Forbidden")]);
        f.parse(Dir::ToServer, &req);
        f.parse(Dir::ToClient, &err);
        let mut w = JsonText::object();
        write_tx(&mut w, &f.txs[0]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&w.finish()).unwrap();
        assert_eq!(v["request"]["record"], "message");
        assert_eq!(v["request"]["method"], "Allocate");
        assert_eq!(v["request"]["framing"], "plain");
        assert_eq!(v["response"]["class"], "error");
        assert_eq!(v["response"]["attributes"][0]["value"], "403 Forbidden");
        assert!(v.get("indication").is_none() && v.get("anomalies").is_none());
        // The same object the relay's serializer makes for the same message.
        let mut w = JsonText::object();
        MessageRecord::decode(&req, Some(msstun::framing::Framing::Plain))
            .unwrap()
            .write(&mut w)
            .unwrap();
        let direct: serde_json::Value = serde_json::from_str(&w.finish()).unwrap();
        assert_eq!(v["request"], direct);
    }
}
