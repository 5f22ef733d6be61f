//! What the `msstun` tap reports of one decoded STUN message ([`Record`]), worked out in
//! safe code from the message, the dissector's view of its flow and the session state;
//! [`crate::epan::tap::queue`] only turns it into the C record (names as C strings,
//! addresses, TCP stream) and queues it. Built only when a listener is attached.

use msstun::classify::Carrier;
use msstun::framing::{framing_code, Framing, Transport};
use msstun::registry::{self, MethodDesc};
use msstun::{Class, Dialect, Message};

use crate::epan::{self, Packet};
use crate::session::{self, DataConn, Txn};

/// One message as the tap's listeners see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// Frame number.
    pub frame: u32,
    /// Absolute time of the frame (seconds, nanoseconds).
    pub time: (i64, i32),
    /// Over TCP (else UDP).
    pub tcp: bool,
    /// Method as the dialect names it.
    pub method: &'static MethodDesc,
    /// Class.
    pub class: Class,
    /// Dialect.
    pub dialect: Dialect,
    /// `msstun.framing` code (0 over UDP).
    pub framing: u8,
    /// What carried the message: 0 directly, else a [`Carrier`] code.
    pub carrier: u8,
    /// ChannelData channel number of a message found in ChannelData (else 0).
    pub channel: u16,
    /// ERROR-CODE of an error response and its text ("401 Unauthorized").
    pub error: Option<(u16, String)>,
    /// Responses: the request's frame (0: unknown), time, and the response time in
    /// nanoseconds (-1: unknown).
    pub request: (u32, (i64, i32), i64),
    /// The STUN message.
    pub bytes: &'a [u8],
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
            session::with(|s| s.convs.get(&conv).and_then(|c| c.framing))
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
    Record {
        frame,
        time,
        tcp,
        method,
        class,
        dialect: msg.dialect(),
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
