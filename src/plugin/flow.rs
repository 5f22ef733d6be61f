//! The key of a UDP flow in the plugin's state ([`crate::session::State::convs`]): a hash of
//! its two transport addresses, the same for both directions. UDP has no connections to
//! tell apart, so no conversation-table lookup is needed per datagram (TCP flows are keyed
//! by Wireshark's conversation index instead, see `epan::Packet::flow_id`).

use std::net::{IpAddr, SocketAddr};

/// Top bit of every UDP key: a UDP key never equals a TCP conversation index (32 bits).
pub const UDP_KEY_BIT: u64 = 1 << 63;

#[inline]
fn mix(h: u64, v: u64) -> u64 {
    let h = (h ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^ (h >> 29)
}

/// Hash of one endpoint (address and port).
#[inline]
fn endpoint(a: SocketAddr) -> u64 {
    let h = mix(0xcbf2_9ce4_8422_2325, u64::from(a.port()));
    match a.ip() {
        IpAddr::V4(ip) => mix(h, u64::from(u32::from(ip))),
        IpAddr::V6(ip) => {
            let v = u128::from(ip);
            mix(mix(h ^ 6, (v >> 64) as u64), v as u64)
        }
    }
}

/// The key of the UDP flow between `a` and `b` (either direction), top bit set.
#[inline]
pub fn udp_key(a: SocketAddr, b: SocketAddr) -> u64 {
    let (x, y) = (endpoint(a), endpoint(b));
    let (lo, hi) = if x < y { (x, y) } else { (y, x) };
    mix(mix(lo, hi), 17) | UDP_KEY_BIT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn both_directions_share_a_key_and_flows_differ() {
        let (a, b) = (sa("10.0.0.1:3478"), sa("10.0.0.2:50000"));
        assert_eq!(udp_key(a, b), udp_key(b, a));
        assert_ne!(udp_key(a, b), udp_key(a, sa("10.0.0.2:50001")));
        assert_ne!(udp_key(a, b), udp_key(a, sa("10.0.0.3:50000")));
        // Swapping ports between the two addresses is another flow.
        assert_ne!(
            udp_key(a, b),
            udp_key(sa("10.0.0.1:50000"), sa("10.0.0.2:3478"))
        );
        let v6 = udp_key(sa("[2001:db8::1]:3478"), sa("[2001:db8::2]:50000"));
        assert_ne!(
            v6,
            udp_key(sa("[2001:db8::1]:3478"), sa("[2001:db8::3]:50000"))
        );
        assert!(udp_key(a, b) & UDP_KEY_BIT != 0 && v6 & UDP_KEY_BIT != 0);
    }
}
