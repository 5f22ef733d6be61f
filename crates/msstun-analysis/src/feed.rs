//! The feeding rules in one place: what to call for each item the shared stream decoder
//! ([`msstun::stream::ConnectionDecoder`]) cuts — used by [`crate::replay`] and by the relay.

use msstun::stream::{Decoded, DecodedKind};
use msstun::Message;

use crate::{inner_stun, Analysis, Answer, Carrier, Observation};

/// One call the feeder made, for callers that want to see each answer.
#[derive(Debug, Clone, Copy)]
pub enum Fed<'a> {
    /// A STUN message observed with this observation.
    Stun(Observation, Message<&'a [u8]>, Answer),
    /// A relayed payload of this many bytes.
    Relayed(Observation, usize, Answer),
}

/// Feed one decoded item seen with `obs` (carrier [`Carrier::Direct`]; the item decides
/// the carrier). `data_connection`: the connection was an RFC 6062 data connection before
/// this item (ask [`msstun::stream::ConnectionDecoder::is_data_connection`] before popping
/// it). Calls `each` for every observation made.
///
/// * STUN on the flow → [`Analysis::observe`]; a Send/Data indication carrying STUN → that
///   message again with [`Carrier::DataAttribute`].
/// * STUN on a data connection → [`Analysis::observe_relayed`] and [`Analysis::observe`]
///   with [`Carrier::TcpData`]; other data-connection bytes → `observe_relayed`.
/// * ChannelData and [MS-TURN] data → `observe_relayed`, and `observe` for STUN inside.
pub fn feed_decoded<'a>(
    an: &mut Analysis,
    obs: &Observation,
    item: &Decoded<'a>,
    data_connection: bool,
    mut each: impl FnMut(Fed<'a>),
) {
    match item.kind {
        DecodedKind::Stun { message, .. } => {
            let Ok(m) = Message::new_checked(message) else {
                return;
            };
            if data_connection {
                let o = obs.with_carrier(Carrier::TcpData);
                each(Fed::Relayed(
                    o,
                    message.len(),
                    an.observe_relayed(&o, message.len()),
                ));
                each(Fed::Stun(o, m, an.observe(&o, &m)));
            } else {
                each(Fed::Stun(*obs, m, an.observe(obs, &m)));
                if let Some((peer, data)) = inner_stun(&m) {
                    // The same bytes, borrowed from the item rather than from `m`.
                    let off = data.as_ptr() as usize - message.as_ptr() as usize;
                    let data: &'a [u8] = &message[off..off + data.len()];
                    if let Ok(inner) = Message::new_checked(data) {
                        let o = obs.with_carrier(Carrier::DataAttribute { peer });
                        each(Fed::Stun(o, inner, an.observe(&o, &inner)));
                    }
                }
            }
        }
        DecodedKind::ChannelData { channel, data } => {
            let o = obs.with_carrier(Carrier::ChannelData { channel });
            each(Fed::Relayed(
                o,
                data.len(),
                an.observe_relayed(&o, data.len()),
            ));
            inner(an, &o, data, &mut each);
        }
        DecodedKind::Data { data, .. } if data_connection => {
            let o = obs.with_carrier(Carrier::TcpData);
            each(Fed::Relayed(
                o,
                data.len(),
                an.observe_relayed(&o, data.len()),
            ));
        }
        DecodedKind::MsTurnData { data } | DecodedKind::MultiplexedTurn { data, .. } => {
            let o = obs.with_carrier(Carrier::MsTurnData { peer: None });
            each(Fed::Relayed(
                o,
                data.len(),
                an.observe_relayed(&o, data.len()),
            ));
            inner(an, &o, data, &mut each);
        }
        _ => {}
    }
}

/// A relayed payload that is exactly one STUN message (RFC 7983: first byte 0–3).
fn inner<'a>(an: &mut Analysis, o: &Observation, data: &'a [u8], each: &mut impl FnMut(Fed<'a>)) {
    if data.first().is_some_and(|&b| b < 4) {
        if let Ok(m) = Message::new_checked(data) {
            if m.total_len() == data.len() {
                each(Fed::Stun(*o, m, an.observe(o, &m)));
            }
        }
    }
}
