//! The attributes the analysis acts on, collected in one walk over a message.

use std::net::SocketAddr;

use msstun::Message;

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
}

fn addr<T: AsRef<[u8]>>(a: &msstun::Attribute<'_>, _m: &Message<T>) -> Option<SocketAddr> {
    match a.address()? {
        Ok(x) => Some(SocketAddr::new(x.ip, x.port)),
        Err(_) => None,
    }
}

impl<'a> Facts<'a> {
    pub fn of<T: AsRef<[u8]>>(m: &'a Message<T>) -> Facts<'a> {
        let mut f = Facts::default();
        for a in m.attributes() {
            let Ok(a) = a else { break };
            let Some(d) = a.desc else { continue };
            match d.key {
                "username" => f.username = Some(a.value),
                "realm" => f.realm = Some(a.value),
                "lifetime" => f.lifetime = a.as_u32(),
                "xor_peer_address" | "destination_address" | "remote_address" => {
                    if let Some(p) = addr(&a, m) {
                        match f.peers.iter_mut().find(|x| x.is_none()) {
                            Some(slot) => *slot = Some(p),
                            None => f.more_peers = true,
                        }
                    }
                }
                "xor_relayed_address" => f.relayed = addr(&a, m),
                "xor_mapped_address" => f.xor_mapped = addr(&a, m),
                "mapped_address" => f.mapped = addr(&a, m),
                "channel_number" if a.value.len() >= 2 => {
                    f.channel = Some(u16::from_be_bytes([a.value[0], a.value[1]]))
                }
                "connection_id" => f.connection_id = a.as_u32(),
                "error_code" => f.error = a.error_code().map(|(c, _)| c),
                "data" => f.data = Some(a.value),
                "use_candidate" => f.use_candidate = true,
                "ice_controlling" => f.controlling = true,
                "ice_controlled" => f.controlled = true,
                "requested_transport" => f.requested_transport = a.value.first().copied(),
                _ => {}
            }
        }
        f
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
