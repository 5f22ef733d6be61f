//! What the `msstun` tap reports of one decoded STUN message (a [`Record`]), worked out in
//! safe code from the message, the dissector's view of its flow and the session state;
//! [`crate::epan::tap::queue`] only turns it into the C record (names as C strings,
//! addresses, TCP stream) and queues it. Built only when a listener is attached. Also what
//! the statistics are given at registration ([`stats`]): the names of the records and the
//! SRT table's rows, and the tables behind the listeners ([`crate::stats`]).

use std::sync::OnceLock;

use msstun::classify::Carrier;
use msstun::framing::{framing_code, Framing, Transport};
use msstun::registry::{self, MethodDesc};
use msstun::{Class, Dialect, Message};

use crate::epan::tap::{Names, Record, Stats};
use crate::epan::{self, Packet};
use crate::fields::{CLASS_VALUES, FRAMING_VALUES};
use crate::session::{self, DataConn, Txn};
use crate::stats::rows::{columns, GuiRows};
use crate::stats::tables::Table;

/// What the statistics are given at registration.
pub fn stats() -> Stats {
    Stats {
        names: names(),
        listener: |kind, filter| Box::new(Table::new(kind, filter)),
        rows: |kind| Box::new(GuiRows::new(kind)),
        columns,
    }
}

fn value_name(values: &[(u32, &'static str)], v: u32) -> &'static str {
    values
        .iter()
        .find(|(k, _)| *k == v)
        .map_or("Unknown", |(_, n)| n)
}

/// Method names not in [`registry::METHODS`] (the MS-TURN ones, "Unknown"), with their row.
static EXTRA: OnceLock<Vec<(&'static str, u16)>> = OnceLock::new();
static NAMES: OnceLock<Names> = OnceLock::new();

/// Every name a record points to: standard methods take their code as row (so
/// `msstun.method == row` in the GUI's filter actions); the others follow the highest code.
fn names() -> &'static Names {
    NAMES.get_or_init(|| {
        let top = registry::METHODS.iter().map(|m| m.code).max().unwrap_or(0);
        let mut methods = vec![None; top as usize + 1];
        for m in registry::METHODS {
            methods[m.code as usize] = Some(m.name);
        }
        let mut extra: Vec<(&'static str, u16)> = Vec::new();
        let others = registry::MS_TURN_TYPES
            .iter()
            .map(|(_, m, _)| m.name)
            .chain([registry::UNKNOWN_METHOD.name]);
        for name in others {
            if registry::METHODS.iter().any(|m| m.name == name) || extra.iter().any(|e| e.0 == name)
            {
                continue;
            }
            extra.push((name, methods.len() as u16));
            methods.push(Some(name));
        }
        let _ = EXTRA.set(extra);
        let carriers = std::array::from_fn(|i| match i {
            0 => "Direct",
            c => Carrier::ALL
                .iter()
                .find(|k| usize::from(k.code()) == c)
                .map_or("Unknown", |k| k.name()),
        });
        Names {
            methods,
            classes: std::array::from_fn(|i| value_name(CLASS_VALUES, i as u32)),
            dialects: std::array::from_fn(|i| Dialect::ALL[i].name()),
            framings: std::array::from_fn(|i| value_name(FRAMING_VALUES, i as u32)),
            carriers,
        }
    })
}

/// Row of a method in the SRT table and the method-name list ([`names`]).
fn method_row(dialect: Dialect, desc: &MethodDesc) -> u16 {
    let n = names();
    if !dialect.is_ms_turn()
        && n.methods
            .get(desc.code as usize)
            .is_some_and(|p| p.is_some())
    {
        return desc.code;
    }
    if let Some(m) = registry::METHODS.iter().find(|m| m.name == desc.name) {
        return m.code;
    }
    let extra = EXTRA.get().map_or(&[][..], Vec::as_slice);
    extra
        .iter()
        .find(|e| e.0 == desc.name)
        .or_else(|| extra.iter().find(|e| e.0 == registry::UNKNOWN_METHOD.name))
        .map_or(0, |e| e.1)
}

/// Queue a tap record for the STUN message `msg` (nothing when no listener is attached,
/// or for the bytes an ICMP error quotes). `conv`: the plugin's flow key; `carried`: what
/// carried the message when it was found in relayed data (carrier, ChannelData channel);
/// `txn`: request frame, request time and response frame of its transaction; `data`: the
/// flow's RFC 6062 data-connection state (the message is carried by the data connection
/// once it is bound: after the ConnectionBind success response).
#[inline]
pub fn queue(
    pinfo: Packet<'_>,
    conv: u64,
    carried: Option<(Carrier, u16)>,
    msg: &Message<&[u8]>,
    txn: Option<Txn>,
    data: Option<DataConn>,
) {
    if !epan::tap::active() || pinfo.in_error_pkt() {
        return;
    }
    let frame = pinfo.num();
    let data_conn = data.is_some_and(|d| d.bound_frame.is_some_and(|b| frame > b));
    let framing = |tcp: bool| {
        if !tcp {
            return 0;
        }
        let f = if data_conn {
            Some(Framing::Rfc4571)
        } else {
            crate::plugin::flow::KNOWN
                .get(conv)
                .or_else(|| session::with(|s| s.framings.get(&conv).copied()))
        };
        framing_code(f.unwrap_or(Framing::Plain), Transport::Tcp) as u8
    };
    let tcp = pinfo.over_tcp();
    let rec = record(
        (frame, pinfo.abs_time(), tcp),
        framing(tcp),
        carried,
        data_conn,
        msg,
        txn,
    );
    epan::tap::queue(pinfo, &rec);
}

/// The record of `msg` in frame `frame` at `time` (over TCP when `tcp`), on a flow of
/// framing code `framing`.
#[cold]
fn record<'a>(
    (frame, time, tcp): (u32, (i64, i32), bool),
    framing: u8,
    carried: Option<(Carrier, u16)>,
    data_conn: bool,
    msg: &Message<&'a [u8]>,
    txn: Option<Txn>,
) -> Record<'a> {
    let (method, class) = msg.method_class();
    let (carrier, channel) = match carried {
        Some((c, channel)) => (c.code(), channel),
        None if data_conn => (Carrier::DataConnection.code(), 0),
        None => (0, 0),
    };
    let error = if class == Class::ErrorResponse {
        msg.attributes()
            .flatten()
            .find_map(|a| a.error_code())
            .map(|(code, _)| {
                let text = match registry::error_name(code) {
                    Some(name) => format!("{code} {name}"),
                    None => code.to_string(),
                };
                (code, text)
            })
    } else {
        None
    };
    let request = match (class, txn) {
        (Class::SuccessResponse | Class::ErrorResponse, Some((rf, rt, Some(_)))) => {
            let ns = ((time.0 - rt.0) * 1_000_000_000 + i64::from(time.1 - rt.1)).max(0);
            (rf, rt, ns)
        }
        _ => (0, (0, 0), -1),
    };
    let dialect = msg.dialect();
    Record {
        frame,
        time,
        tcp,
        method,
        method_row: method_row(dialect, method),
        class,
        dialect,
        framing,
        carrier,
        channel,
        error,
        request,
        bytes: &msg.into_inner()[..msg.total_len()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_response(code: u16) -> Vec<u8> {
        // Allocate error response with ERROR-CODE `code` ("x" as reason).
        let mut b = vec![0x01, 0x13, 0x00, 0x0c, 0x21, 0x12, 0xA4, 0x42];
        b.extend_from_slice(&[7; 12]);
        b.extend_from_slice(&[
            0x00,
            0x09,
            0x00,
            0x05,
            0,
            0,
            (code / 100) as u8,
            (code % 100) as u8,
        ]);
        b.extend_from_slice(&[b'x', 0, 0, 0]);
        b
    }

    #[test]
    fn method_rows_are_codes_for_standard_methods() {
        let n = names();
        let binding = registry::method(registry::method::BINDING).unwrap();
        assert_eq!(method_row(Dialect::Rfc5389, binding), 1);
        let (m, _) = registry::method_for_type(Dialect::MsTurn, 0x0006);
        let row = method_row(Dialect::MsTurn, m);
        assert!(usize::from(row) > registry::method::GOOGLE_PING as usize);
        assert_eq!(n.methods[usize::from(row)], Some(m.name));
        // [MS-TURN] Send (0x004) is the Send row, not Refresh's.
        let (send, _) = registry::method_for_type(Dialect::MsTurn, 0x0004);
        assert_eq!(method_row(Dialect::MsTurn, send), registry::method::SEND);
    }

    #[test]
    fn responses_carry_their_request_and_errors_their_name() {
        let b = error_response(401);
        let msg = Message::new_checked(&b[..]).unwrap();
        let txn = Some((3, (10, 500), Some(5)));
        let r = record((5, (11, 250), true), 1, None, false, &msg, txn);
        assert_eq!(r.class, Class::ErrorResponse);
        assert_eq!(r.error.as_ref().map(|e| e.0), Some(401));
        assert!(r.error.unwrap().1.starts_with("401 "));
        assert_eq!(r.request, (3, (10, 500), 999_999_750));
        assert_eq!((r.carrier, r.channel, r.framing), (0, 0, 1));
        assert_eq!(r.bytes, &b[..]);
        // On a bound data connection: carried by it; found in ChannelData: that carrier.
        let r = record((5, (11, 250), true), 1, None, true, &msg, None);
        assert_eq!(r.carrier, Carrier::DataConnection.code());
        assert_eq!(r.request, (0, (0, 0), -1));
        let r = record(
            (5, (11, 0), false),
            0,
            Some((Carrier::ChannelData, 0x4001)),
            false,
            &msg,
            None,
        );
        assert_eq!(
            (r.carrier, r.channel),
            (Carrier::ChannelData.code(), 0x4001)
        );
    }
}
