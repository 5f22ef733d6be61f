//! What a payload beside STUN is: RFC 7983's first-byte demultiplexing.
//!
//! On a flow that carries STUN (an ICE 5-tuple, a TURN allocation's control or data
//! connection, a relayed ChannelData payload) other protocols travel multiplexed beside it.
//! RFC 7983 §7 tells them apart by the first byte:
//!
//! | first byte | protocol                                   |
//! |------------|--------------------------------------------|
//! | 0 – 3      | STUN                                       |
//! | 16 – 19    | ZRTP                                       |
//! | 20 – 63    | DTLS                                       |
//! | 64 – 79    | TURN channel (ChannelData)                 |
//! | 128 – 191  | RTP or RTCP (RFC 5761 §4: RTCP when the second byte, the packet type, is 192 – 223) |
//!
//! Everything else (4 – 15, 80 – 127, 192 – 255) is [`PayloadKind::Other`]. The
//! classification looks at one or two bytes; it says what a payload would be, not that it
//! is valid (the STUN detector, [`crate::detect`], decides that for STUN).

/// Payload kinds by [`PayloadKind::code`] (the value names of the plugin's
/// `msstun.payload.kind`); [`PayloadKind::name`] reads this table.
pub const PAYLOAD_KIND_NAMES: &[(u32, &str)] = &[
    (0, "STUN"),
    (1, "ZRTP"),
    (2, "DTLS"),
    (3, "TURN ChannelData"),
    (4, "RTP"),
    (5, "RTCP"),
    (6, "Other"),
];

/// Carriers by [`Carrier::code`] (the value names of the plugin's
/// `msstun.payload.carrier`); [`Carrier::name`] reads this table.
pub const CARRIER_NAMES: &[(u32, &str)] = &[
    (1, "ChannelData"),
    (2, "DATA attribute"),
    (3, "RFC 6062 data connection"),
    (4, "MS-TURN end-to-end data"),
    (5, "MS-TURN multiplexed TURN"),
    (6, "beside STUN on the flow"),
];

/// What a payload multiplexed beside STUN is, by RFC 7983's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PayloadKind {
    /// First byte 0–3: STUN.
    Stun = 0,
    /// First byte 16–19: ZRTP (RFC 6189).
    Zrtp = 1,
    /// First byte 20–63: DTLS (RFC 6347, DTLS-SRTP RFC 5764).
    Dtls = 2,
    /// First byte 64–79: TURN ChannelData (RFC 8656 §12).
    TurnChannel = 3,
    /// First byte 128–191 with a second byte outside 192–223: RTP (or SRTP).
    Rtp = 4,
    /// First byte 128–191 with a second byte 192–223: RTCP (or SRTCP), RFC 5761 §4.
    Rtcp = 5,
    /// Anything RFC 7983 does not assign, or an empty payload.
    Other = 6,
}

impl PayloadKind {
    /// Every kind, in code order.
    pub const ALL: [PayloadKind; 7] = [
        PayloadKind::Stun,
        PayloadKind::Zrtp,
        PayloadKind::Dtls,
        PayloadKind::TurnChannel,
        PayloadKind::Rtp,
        PayloadKind::Rtcp,
        PayloadKind::Other,
    ];

    /// The numeric code (the plugin's `msstun.payload.kind` value).
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Display name, from [`PAYLOAD_KIND_NAMES`].
    pub const fn name(self) -> &'static str {
        PAYLOAD_KIND_NAMES[self.code() as usize].1
    }
}

/// How a payload reached the analyser: which TURN mechanism carried it, or the flow itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Carrier {
    /// TURN ChannelData (RFC 8656 §12), over UDP or TCP.
    ChannelData = 1,
    /// The DATA attribute of a Send or Data indication (RFC 8656 §11), or of an [MS-TURN]
    /// Send request or Data Indication.
    DataAttribute = 2,
    /// The byte stream of an RFC 6062 data connection after its ConnectionBind.
    DataConnection = 3,
    /// [MS-TURN] end-to-end data framing (TCP frame type 0x03).
    MsTurnData = 4,
    /// The [MS-TURN] multiplexed-TURN channel (0xFF10).
    MultiplexedTurn = 5,
    /// The flow itself: a payload beside the STUN messages of a 5-tuple or connection (media
    /// multiplexed with ICE checks, RFC 7983).
    Flow = 6,
}

impl Carrier {
    /// Every carrier, in code order.
    pub const ALL: [Carrier; 6] = [
        Carrier::ChannelData,
        Carrier::DataAttribute,
        Carrier::DataConnection,
        Carrier::MsTurnData,
        Carrier::MultiplexedTurn,
        Carrier::Flow,
    ];

    /// The numeric code (the plugin's `msstun.payload.carrier` value).
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Display name, from [`CARRIER_NAMES`].
    pub const fn name(self) -> &'static str {
        CARRIER_NAMES[self.code() as usize - 1].1
    }
}

/// A carried payload: the [`Carrier`] that brought it with the data that carrier names —
/// the one description of "how a payload (or a STUN message inside it) was carried" the
/// plugin, the relay and the session analysis share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Carried {
    /// The mechanism ([`Carrier::Flow`]: the flow's own payload).
    pub carrier: Carrier,
    /// The ChannelData channel number.
    pub channel: Option<u16>,
    /// The peer the carrier names (a Send/Data indication's XOR-PEER-ADDRESS, [MS-TURN]'s
    /// DESTINATION-/REMOTE-ADDRESS).
    pub peer: Option<core::net::SocketAddr>,
    /// The CONNECTION-ID of an RFC 6062 data connection.
    pub connection: Option<u32>,
}

impl Carried {
    /// The flow's own payload (a message between client and server, a direct ICE check).
    pub const FLOW: Carried = Carried::new(Carrier::Flow);

    /// Carried by `carrier`, with no data known yet.
    pub const fn new(carrier: Carrier) -> Self {
        Carried {
            carrier,
            channel: None,
            peer: None,
            connection: None,
        }
    }

    /// Inside ChannelData `channel`.
    pub const fn channel_data(channel: u16) -> Self {
        Carried {
            channel: Some(channel),
            ..Carried::new(Carrier::ChannelData)
        }
    }

    /// Inside the DATA attribute of an indication naming `peer`.
    pub const fn data_attribute(peer: core::net::SocketAddr) -> Self {
        Carried {
            peer: Some(peer),
            ..Carried::new(Carrier::DataAttribute)
        }
    }

    /// The same carrier naming `peer` when it named none.
    pub const fn or_peer(mut self, peer: Option<core::net::SocketAddr>) -> Self {
        if self.peer.is_none() {
            self.peer = peer;
        }
        self
    }

    /// The flow's own payload.
    pub const fn is_flow(&self) -> bool {
        matches!(self.carrier, Carrier::Flow)
    }
}

impl From<Carrier> for Carried {
    fn from(c: Carrier) -> Self {
        Carried::new(c)
    }
}

/// Classify `payload` by its first byte (and, for RTP/RTCP, its second byte).
pub fn classify(payload: &[u8]) -> PayloadKind {
    let Some(&b) = payload.first() else {
        return PayloadKind::Other;
    };
    match b {
        0..=3 => PayloadKind::Stun,
        16..=19 => PayloadKind::Zrtp,
        20..=63 => PayloadKind::Dtls,
        64..=79 => PayloadKind::TurnChannel,
        128..=191 => match payload.get(1) {
            // RFC 5761 §4: RTCP packet types 192–223 (SR 200, RR 201, …); with the marker bit
            // an RTP payload type 64–95 would look the same, which RFC 5761 forbids using.
            Some(192..=223) => PayloadKind::Rtcp,
            _ => PayloadKind::Rtp,
        },
        _ => PayloadKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_names_its_data() {
        let peer: core::net::SocketAddr = "192.0.2.1:5000".parse().unwrap();
        let c = Carried::channel_data(0x4001);
        assert_eq!(
            (c.carrier, c.channel, c.peer),
            (Carrier::ChannelData, Some(0x4001), None)
        );
        let d = Carried::from(Carrier::DataAttribute).or_peer(Some(peer));
        assert_eq!(d, Carried::data_attribute(peer));
        let other: core::net::SocketAddr = "192.0.2.2:5000".parse().unwrap();
        assert_eq!(
            d.or_peer(Some(other)).peer,
            Some(peer),
            "a named peer stays"
        );
        assert!(Carried::FLOW.is_flow() && !c.is_flow());
    }

    /// The name tables hold every variant under its code (the `name()` methods index
    /// them).
    #[test]
    fn name_tables_follow_the_codes() {
        assert_eq!(PAYLOAD_KIND_NAMES.len(), PayloadKind::ALL.len());
        for k in PayloadKind::ALL {
            assert_eq!(PAYLOAD_KIND_NAMES[k.code() as usize].0, u32::from(k.code()));
        }
        assert_eq!(CARRIER_NAMES.len(), Carrier::ALL.len());
        for c in Carrier::ALL {
            assert_eq!(CARRIER_NAMES[c.code() as usize - 1].0, u32::from(c.code()));
        }
        assert_eq!(PayloadKind::TurnChannel.name(), "TURN ChannelData");
        assert_eq!(Carrier::Flow.name(), "beside STUN on the flow");
    }

    #[test]
    fn first_byte_ranges() {
        let expect = |b: u8| match b {
            0..=3 => PayloadKind::Stun,
            16..=19 => PayloadKind::Zrtp,
            20..=63 => PayloadKind::Dtls,
            64..=79 => PayloadKind::TurnChannel,
            128..=191 => PayloadKind::Rtp,
            _ => PayloadKind::Other,
        };
        for b in 0..=255u8 {
            assert_eq!(classify(&[b, 0]), expect(b), "first byte {b}");
        }
        assert_eq!(classify(&[]), PayloadKind::Other);
    }

    #[test]
    fn rtp_and_rtcp_by_packet_type() {
        // RTP, PT 0 / 111 (with and without marker).
        assert_eq!(classify(&[0x80, 0x00]), PayloadKind::Rtp);
        assert_eq!(classify(&[0x80, 0x6f]), PayloadKind::Rtp);
        assert_eq!(classify(&[0x80, 0xef]), PayloadKind::Rtp);
        // RTCP SR/RR/SDES/BYE/APP/RTPFB/PSFB/XR.
        for pt in [200u8, 201, 202, 203, 204, 205, 206, 207] {
            assert_eq!(classify(&[0x81, pt]), PayloadKind::Rtcp, "pt {pt}");
        }
        assert_eq!(classify(&[0x80, 191]), PayloadKind::Rtp);
        assert_eq!(classify(&[0x80, 224]), PayloadKind::Rtp);
        // A lone RTP/RTCP first byte is taken for RTP.
        assert_eq!(classify(&[0x80]), PayloadKind::Rtp);
    }

    #[test]
    fn carrier_codes_and_names_are_distinct() {
        for (i, c) in Carrier::ALL.iter().enumerate() {
            assert_eq!(c.code() as usize, i + 1);
            for c2 in &Carrier::ALL[i + 1..] {
                assert_ne!(c.name(), c2.name());
            }
        }
    }

    #[test]
    fn codes_and_names_are_distinct() {
        for (i, k) in PayloadKind::ALL.iter().enumerate() {
            assert_eq!(k.code() as usize, i);
            for k2 in &PayloadKind::ALL[i + 1..] {
                assert_ne!(k.name(), k2.name());
            }
        }
    }
}
