//! The feeding rules in one place: what one item the shared stream decoder
//! ([`msstun::stream::ConnectionDecoder`]) cuts brings the state — the messages and relayed
//! payloads [`crate::session::State::feed_decoded`] hands to [`crate::session::State::feed`]
//! (the relay, [`crate::replay`] and the session fuzz target feed it so).

use msstun::stream::{Decoded, DecodedKind};
use msstun::Message;

use crate::{inner_stun, Carried, Carrier, Observation};

/// One thing a feeder saw, for [`crate::session::State::feed`].
#[derive(Debug, Clone, Copy)]
pub enum Input<'a, 'm> {
    /// A STUN message, carried as the observation says.
    Message(&'a Message<&'m [u8]>),
    /// A STUN message an ICMP error quotes (not sent again, refused on the way).
    Quoted(&'a Message<&'m [u8]>),
    /// A relayed payload of this many bytes (ChannelData, RFC 6062 data-connection bytes,
    /// [MS-TURN] data).
    Relayed(usize),
}

/// What one decoded item seen with `obs` brings (carrier [`Carried::FLOW`]; the item
/// decides the carrier), in order: `each(observation, input)`. `data_connection`: the
/// connection was an RFC 6062 data connection before this item (ask
/// [`msstun::stream::ConnectionDecoder::is_data_connection`] before popping it), carried as
/// this says ([`Carrier::DataConnection`], with its CONNECTION-ID when known).
///
/// * STUN on the flow → the message; a Send/Data indication carrying STUN → that message
///   again with [`Carrier::DataAttribute`].
/// * STUN on a data connection → a relayed payload and the message with
///   [`Carrier::DataConnection`]; other data-connection bytes → a relayed payload.
/// * ChannelData and [MS-TURN] data → a relayed payload, and the STUN message inside.
pub fn walk<'m>(
    obs: &Observation,
    item: &Decoded<'m>,
    data_connection: Option<Carried>,
    mut each: impl FnMut(&Observation, Input<'_, 'm>),
) {
    match item.kind {
        DecodedKind::Stun { message, .. } => {
            let Ok(m) = Message::new_checked(message) else {
                return;
            };
            if let Some(dc) = data_connection {
                let o = obs.with_carrier(dc);
                each(&o, Input::Relayed(message.len()));
                each(&o, Input::Message(&m));
            } else {
                each(obs, Input::Message(&m));
                if let Some((peer, data)) = inner_stun(&m) {
                    // The same bytes, borrowed from the item rather than from `m`.
                    let off = data.as_ptr() as usize - message.as_ptr() as usize;
                    let data: &'m [u8] = &message[off..off + data.len()];
                    if let Ok(inner) = Message::new_checked(data) {
                        let o = obs.with_carrier(Carried::data_attribute(peer));
                        each(&o, Input::Message(&inner));
                    }
                }
            }
        }
        DecodedKind::ChannelData { channel, data } => {
            let o = obs.with_carrier(Carried::channel_data(channel));
            each(&o, Input::Relayed(data.len()));
            inner(&o, data, &mut each);
        }
        DecodedKind::Data { data, .. } => {
            if let Some(dc) = data_connection {
                each(&obs.with_carrier(dc), Input::Relayed(data.len()));
            }
        }
        DecodedKind::MsTurnData { data } | DecodedKind::MultiplexedTurn { data, .. } => {
            let o = obs.with_carrier(Carrier::MsTurnData.into());
            each(&o, Input::Relayed(data.len()));
            inner(&o, data, &mut each);
        }
        _ => {}
    }
}

/// A relayed payload that is exactly one STUN message (RFC 7983: first byte 0–3).
fn inner<'m>(o: &Observation, data: &'m [u8], each: &mut impl FnMut(&Observation, Input<'_, 'm>)) {
    if data.first().is_some_and(|&b| b < 4) {
        if let Ok(m) = Message::new_checked(data) {
            if m.total_len() == data.len() {
                each(o, Input::Message(&m));
            }
        }
    }
}
