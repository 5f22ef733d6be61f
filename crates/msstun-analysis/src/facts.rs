//! The attributes the analysis acts on, collected in one walk over a message.

use std::net::SocketAddr;

use msstun::{Message, Role};

/// What one message says, for the analysis.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Facts<'a> {
    pub username: Option<&'a [u8]>,
    pub realm: Option<&'a [u8]>,
    pub lifetime: Option<u32>,
    /// XOR-PEER-ADDRESS (up to 4), [MS-TURN] DESTINATION-ADDRESS / REMOTE-ADDRESS.
    pub peers: [Option<SocketAddr>; 4],
    pub more_peers: bool,
    pub relayed: Option<SocketAddr>,
    pub xor_mapped: Option<SocketAddr>,
    pub mapped: Option<SocketAddr>,
    pub channel: Option<u16>,
    pub connection_id: Option<u32>,
    pub error: Option<u16>,
    pub data: Option<&'a [u8]>,
    pub use_candidate: bool,
    pub controlling: bool,
    pub controlled: bool,
    pub requested_transport: Option<u8>,
    /// MESSAGE-INTEGRITY (or -SHA256) present.
    pub integrity: bool,
}

fn addr<T: AsRef<[u8]>>(a: &msstun::Attribute<'_>, _m: &Message<T>) -> Option<SocketAddr> {
    match a.address()? {
        Ok(x) => Some(SocketAddr::new(x.ip, x.port)),
        Err(_) => None,
    }
}

impl<'a> Facts<'a> {
    /// Inline: built in the caller's frame, not copied out (about 300 bytes).
    #[inline(always)]
    pub fn of<T: AsRef<[u8]>>(m: &'a Message<T>) -> Facts<'a> {
        let mut f = Facts::default();
        for a in m.attributes() {
            let Ok(a) = a else { break };
            match a.role() {
                Role::Username => f.username = Some(a.value),
                Role::Realm => f.realm = Some(a.value),
                Role::Lifetime => f.lifetime = a.as_u32(),
                Role::PeerAddress | Role::DestinationAddress | Role::RemoteAddress => {
                    if let Some(p) = addr(&a, m) {
                        match f.peers.iter_mut().find(|x| x.is_none()) {
                            Some(slot) => *slot = Some(p),
                            None => f.more_peers = true,
                        }
                    }
                }
                Role::RelayedAddress => f.relayed = addr(&a, m),
                Role::XorMappedAddress => f.xor_mapped = addr(&a, m),
                Role::MappedAddress => f.mapped = addr(&a, m),
                Role::ChannelNumber if a.value.len() >= 2 => {
                    f.channel = Some(u16::from_be_bytes([a.value[0], a.value[1]]))
                }
                Role::ConnectionId => f.connection_id = a.as_u32(),
                Role::ErrorCode => f.error = a.error_code().map(|(c, _)| c),
                Role::Data => f.data = Some(a.value),
                Role::UseCandidate => f.use_candidate = true,
                Role::IceControlling => f.controlling = true,
                Role::IceControlled => f.controlled = true,
                Role::RequestedTransport => f.requested_transport = a.value.first().copied(),
                Role::Integrity | Role::IntegritySha256 => f.integrity = true,
                _ => {}
            }
        }
        f
    }

    /// Whether [`Facts::of`] finds a USERNAME in `m`: the same walk ([`Message::attributes`],
    /// stopping where it breaks), without decoding any value. A Binding request without one
    /// (a check of a STUN server, not of ICE) then skips [`Facts::of`] (callgrind-tshark:
    /// about 90 instructions of such a request).
    pub fn has_username<T: AsRef<[u8]>>(m: &Message<T>) -> bool {
        m.attributes()
            .map_while(Result::ok)
            .any(|a| a.role() == Role::Username)
    }

    /// The first peer address.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peers[0]
    }

    /// The peers named.
    pub fn peer_list(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        self.peers.iter().flatten().copied()
    }
}
