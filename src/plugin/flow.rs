//! The key of a flow in the plugin's state ([`crate::session::State::convs`]).
//!
//! * UDP: a hash of its two transport addresses, the same for both directions ([`udp_key`];
//!   [`udp_key_raw`] for addresses other than IPv4/IPv6, from Wireshark's address bytes).
//!   UDP has no connections to tell apart, so no conversation-table lookup is needed per
//!   datagram.
//! * TCP: Wireshark's conversation index (a new one when a SYN with a new ISN reuses the
//!   5-tuple), found through [`ConvCache`]: a direct-mapped cache from the endpoints' hash
//!   to the slot where [`Packet::find_conversation`] kept the conversation found for them,
//!   since a conversation-table lookup costs ~1,000 instructions in 4.0 and the cache a
//!   hash. The decision (key, slot, when to look up) is here; `epan` only finds, keeps and
//!   checks conversations.
//!
//! [`flow_id`] picks the key of a packet's flow.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use msstun::framing::{Framing, Transport};

use crate::epan::{Packet, RawEnd, CONV_SLOTS};

/// Top bit of every UDP key: a UDP key never equals a TCP conversation index (32 bits).
pub const UDP_KEY_BIT: u64 = 1 << 63;

#[inline]
fn mix(h: u64, v: u64) -> u64 {
    let h = (h ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^ (h >> 29)
}

/// The folded multiply of `a` and `b` (both halves of the 128-bit product, xored): one
/// multiplication that spreads every input bit over the result.
#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// One endpoint (address and port) in a word: an IPv4 endpoint exactly (its 48 bits), an
/// IPv6 one folded.
#[inline]
fn endpoint(a: &SocketAddr) -> u64 {
    match a {
        SocketAddr::V4(v) => (u64::from(u32::from(*v.ip())) << 16) | u64::from(v.port()),
        SocketAddr::V6(v) => {
            let ip = u128::from(*v.ip());
            fold(
                ip as u64 ^ 0x243f_6a88_85a3_08d3,
                (ip >> 64) as u64 ^ 0x1319_8a2e_0370_7344,
            ) ^ (u64::from(v.port()) << 48)
        }
    }
}

/// The hash of the flow between `a` and `b`, the same for both directions.
#[inline]
fn pair(a: &SocketAddr, b: &SocketAddr) -> u64 {
    let (x, y) = (endpoint(a), endpoint(b));
    let (lo, hi) = if x < y { (x, y) } else { (y, x) };
    fold(lo ^ 0xa409_3822_299f_31d0, hi ^ 0x082e_fa98_ec4e_6c89)
}

/// The key of the UDP flow between `a` and `b` (either direction), top bit set.
#[inline]
pub fn udp_key(a: &SocketAddr, b: &SocketAddr) -> u64 {
    pair(a, b) | UDP_KEY_BIT
}

/// Hash of one endpoint whose address is not IP (Wireshark's address type and bytes).
fn raw_endpoint(e: RawEnd<'_>) -> u64 {
    let mut h = mix(
        0xcbf2_9ce4_8422_2325,
        (u64::from(e.kind) << 32) | u64::from(e.port),
    );
    let mut words = e.bytes.chunks_exact(4);
    for w in &mut words {
        h = mix(h, u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]])));
    }
    for &b in words.remainder() {
        h = mix(h, u64::from(b));
    }
    h
}

/// The key of the UDP flow between `a` and `b` (either direction) when they are not IPv4 or
/// IPv6 addresses, top bit set.
pub fn udp_key_raw(a: RawEnd<'_>, b: RawEnd<'_>) -> u64 {
    let (x, y) = (raw_endpoint(a), raw_endpoint(b));
    let (lo, hi) = if x < y { (x, y) } else { (y, x) };
    mix(mix(lo, hi), 17) | UDP_KEY_BIT
}

/// The hash of the TCP flow between `a` and `b` (either direction): [`ConvCache`]'s key.
#[inline]
pub fn tcp_key(a: &SocketAddr, b: &SocketAddr) -> u64 {
    pair(a, b)
}

const SLOTS: usize = CONV_SLOTS;

/// Key of this packet's flow in the plugin's state. TCP: the Wireshark conversation
/// index (a new one when a SYN with a new ISN reuses the 5-tuple), through [`CONVS`]. UDP
/// has no connections to tell apart: a hash of the 5-tuple (top bit set, so the two kinds
/// of key never meet), which spares a conversation-table lookup per datagram flow.
/// `ends`: the packet's [`Packet::endpoints`] (`None`: not IPv4/IPv6).
#[inline]
pub fn flow_id(
    pinfo: Packet<'_>,
    transport: Transport,
    ends: Option<&(SocketAddr, SocketAddr)>,
) -> u64 {
    match (transport, ends) {
        (Transport::Tcp, Some((a, b))) => u64::from(CONVS.index(
            tcp_key(a, b),
            |slot| pinfo.kept_conversation(slot),
            |slot| pinfo.find_conversation(Some(slot)),
        )),
        (Transport::Tcp, None) => u64::from(pinfo.find_conversation(None)),
        (Transport::Udp, Some((a, b))) => udp_key(a, b),
        (Transport::Udp, None) => {
            let (a, b) = pinfo.raw_endpoints();
            udp_key_raw(a, b)
        }
    }
}

/// The flow hashes of the conversations found lately, per slot of the conversations
/// [`Packet::find_conversation`] keeps (the conversation itself stays in `epan`). Wireshark
/// dissects on one thread; the atomics only make the static sound (a slot whose key and
/// conversation disagree only costs a lookup, since a kept conversation is checked before
/// use).
/// A slot's key 0 is an empty slot (a flow whose hash is 0 is always looked up).
pub struct ConvCache {
    keys: [AtomicU64; SLOTS],
}

/// The one cache of the plugin (conversations live as long as the capture file: emptied
/// by the init and cleanup routines).
pub static CONVS: ConvCache = ConvCache::new();

impl ConvCache {
    /// An empty cache.
    pub const fn new() -> ConvCache {
        ConvCache {
            keys: [const { AtomicU64::new(0) }; SLOTS],
        }
    }

    /// The conversation index for flow hash `key`: `current(slot)`'s when the slot kept for
    /// the key says it is still this frame's (`Some(index)`), else `find(slot)`'s, which
    /// keeps the conversation in the slot.
    #[inline]
    pub fn index(
        &self,
        key: u64,
        current: impl FnOnce(usize) -> Option<u32>,
        find: impl FnOnce(usize) -> u32,
    ) -> u32 {
        let slot = (key % SLOTS as u64) as usize;
        if key != 0 && self.keys[slot].load(Ordering::Relaxed) == key {
            if let Some(i) = current(slot) {
                return i;
            }
        }
        let i = find(slot);
        self.keys[slot].store(key, Ordering::Relaxed);
        i
    }

    /// Forget every conversation (a new capture file).
    pub fn reset(&self) {
        for k in &self.keys {
            k.store(0, Ordering::Relaxed);
        }
    }
}

/// TCP flows whose framing is known and that are not (yet) an RFC 6062 data connection, by
/// flow key: what the dissector reads of the session state before each segment, kept here
/// so that an established connection's segments do not lock the state for it. A flow's
/// framing never changes once found; only a ConnectionBind on it can make it a data
/// connection, and the dissector forgets the flow when it meets one ([`KnownFlows::forget`]).
/// One word per slot: the key (a TCP conversation index, 32 bits) above the framing's code,
/// so a slot is never read half-written.
pub struct KnownFlows {
    slots: [AtomicU64; SLOTS],
}

/// The plugin's known flows (emptied with the capture file, by the init and cleanup routines).
pub static KNOWN: KnownFlows = KnownFlows::new();

impl KnownFlows {
    /// None known.
    pub const fn new() -> KnownFlows {
        KnownFlows {
            slots: [const { AtomicU64::new(0) }; SLOTS],
        }
    }

    /// The word of flow `key` with `framing`'s code (`None`: not a TCP conversation index).
    #[inline]
    fn word(key: u64, framing: Framing) -> Option<u64> {
        let code = Framing::ALL.iter().position(|f| *f == framing)? as u64 + 1;
        (key < 1 << 32).then_some(key << 8 | code)
    }

    /// The framing kept for flow `key`.
    #[inline]
    pub fn get(&self, key: u64) -> Option<Framing> {
        let w = self.slots[(key % SLOTS as u64) as usize].load(Ordering::Relaxed);
        if w == 0 || w >> 8 != key {
            return None;
        }
        Framing::ALL
            .get(((w & 0xff) as usize).checked_sub(1)?)
            .copied()
    }

    /// Keep `framing` for flow `key` (known, not a data connection).
    #[inline]
    pub fn keep(&self, key: u64, framing: Framing) {
        if let Some(w) = KnownFlows::word(key, framing) {
            self.slots[(key % SLOTS as u64) as usize].store(w, Ordering::Relaxed);
        }
    }

    /// Forget flow `key` (it may become a data connection).
    #[inline]
    pub fn forget(&self, key: u64) {
        let slot = &self.slots[(key % SLOTS as u64) as usize];
        if slot.load(Ordering::Relaxed) >> 8 == key {
            slot.store(0, Ordering::Relaxed);
        }
    }

    /// Forget every flow (a new capture file).
    pub fn reset(&self) {
        for w in &self.slots {
            w.store(0, Ordering::Relaxed);
        }
    }
}

impl Default for KnownFlows {
    fn default() -> Self {
        KnownFlows::new()
    }
}

impl Default for ConvCache {
    fn default() -> Self {
        ConvCache::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_cache_finds_once_and_checks_what_it_kept() {
        let c = ConvCache::new();
        let key = tcp_key(&sa("10.0.0.1:3478"), &sa("10.0.0.2:50000"));
        let slot = (key % SLOTS as u64) as usize;
        assert_eq!(
            c.index(key, |_| panic!("empty"), |s| 7 + (s - slot) as u32),
            7
        );
        // Kept: asked whether it is still current (yes), no new lookup.
        let i = c.index(key, |s| (s == slot).then_some(7), |_| panic!("cached"));
        assert_eq!(i, 7);
        // No longer current (a new connection on the 5-tuple): found again.
        assert_eq!(c.index(key, |_| None, |_| 9), 9);
        assert_eq!(c.index(key, |_| Some(9), |_| 0), 9);
        // Another key in the same slot replaces it.
        let other = key + SLOTS as u64;
        assert_eq!(c.index(other, |_| panic!("other key"), |_| 11), 11);
        c.reset();
        assert_eq!(c.index(other, |_| panic!("reset"), |_| 12), 12);
        // Key 0 is an empty slot: never taken from the cache.
        assert_eq!(c.index(0, |_| panic!("empty"), |_| 13), 13);
        assert_eq!(c.index(0, |_| panic!("empty"), |_| 14), 14);
    }

    #[test]
    fn known_flows_keep_their_framing_until_forgotten() {
        let k = KnownFlows::new();
        assert_eq!(k.get(7), None);
        k.keep(7, Framing::MsTurnTcp);
        assert_eq!(k.get(7), Some(Framing::MsTurnTcp));
        // Another flow in the same slot is not this one, and replaces it when kept.
        let other = 7 + SLOTS as u64;
        assert_eq!(k.get(other), None);
        k.forget(other);
        assert_eq!(k.get(7), Some(Framing::MsTurnTcp));
        k.keep(other, Framing::Plain);
        assert_eq!((k.get(7), k.get(other)), (None, Some(Framing::Plain)));
        k.forget(other);
        assert_eq!(k.get(other), None);
        // Every framing round-trips; UDP keys are never kept.
        for f in Framing::ALL {
            k.keep(9, f);
            assert_eq!(k.get(9), Some(f));
        }
        let udp = udp_key(&sa("10.0.0.1:1"), &sa("10.0.0.2:2"));
        k.keep(udp, Framing::Plain);
        assert_eq!(k.get(udp), None);
        k.reset();
        assert_eq!(k.get(9), None);
    }

    #[test]
    fn both_directions_share_a_key_and_flows_differ() {
        let key = |a: &str, b: &str| udp_key(&sa(a), &sa(b));
        let (a, b) = ("10.0.0.1:3478", "10.0.0.2:50000");
        assert_eq!(key(a, b), key(b, a));
        assert_eq!(tcp_key(&sa(a), &sa(b)), tcp_key(&sa(b), &sa(a)));
        assert_ne!(key(a, b), key(a, "10.0.0.2:50001"));
        assert_ne!(key(a, b), key(a, "10.0.0.3:50000"));
        // Swapping ports between the two addresses is another flow.
        assert_ne!(key(a, b), key("10.0.0.1:50000", "10.0.0.2:3478"));
        let v6 = key("[2001:db8::1]:3478", "[2001:db8::2]:50000");
        assert_eq!(v6, key("[2001:db8::2]:50000", "[2001:db8::1]:3478"));
        assert_ne!(v6, key("[2001:db8::1]:3478", "[2001:db8::3]:50000"));
        assert_ne!(v6, key("[2001:db8::1]:3478", "[2001:db8::2]:50001"));
        // The IPv4-mapped IPv6 address is another address.
        assert_ne!(
            key(a, b),
            key("[::ffff:10.0.0.1]:3478", "[::ffff:10.0.0.2]:50000")
        );
        assert!(key(a, b) & UDP_KEY_BIT != 0 && v6 & UDP_KEY_BIT != 0);
    }

    #[test]
    fn many_similar_flows_have_distinct_keys_spread_over_the_slots() {
        // Clients that differ in one address byte or one port, against one server (both
        // address families): every key distinct, and the cache's slots evenly used.
        let server4 = sa("10.1.0.1:3478");
        let server6 = sa("[2001:db8::1]:3478");
        let mut keys = std::collections::HashSet::new();
        let mut per_slot = vec![0u32; SLOTS];
        for i in 0..256u32 {
            for port in 20000..20128u16 {
                let c4 = SocketAddr::from(([10, 2, (i >> 4) as u8, i as u8], port));
                let c6 = SocketAddr::from(([0x2001, 0xdb8, 0, 0, 0, 0, 1, i as u16], port));
                for k in [tcp_key(&c4, &server4), tcp_key(&c6, &server6)] {
                    assert!(keys.insert(k), "{c4} or {c6}");
                    per_slot[(k % SLOTS as u64) as usize] += 1;
                }
            }
        }
        let mean = keys.len() as u32 / SLOTS as u32;
        assert!(
            per_slot.iter().all(|&n| n > mean / 2 && n < mean * 2),
            "{per_slot:?}"
        );
    }

    #[test]
    fn raw_endpoints_share_a_key_both_ways_and_flows_differ() {
        let end = |kind, bytes: &'static [u8], port| RawEnd { kind, bytes, port };
        let (a, b) = (
            end(1, &[0, 1, 2, 3, 4, 5], 10),
            end(1, &[0, 1, 2, 3, 4, 6], 20),
        );
        assert_eq!(udp_key_raw(a, b), udp_key_raw(b, a));
        assert_ne!(
            udp_key_raw(a, b),
            udp_key_raw(a, end(1, &[0, 1, 2, 3, 4, 6], 21))
        );
        assert_ne!(
            udp_key_raw(a, b),
            udp_key_raw(a, end(2, &[0, 1, 2, 3, 4, 6], 20))
        );
        // The bytes past the last whole word count, and no bytes is an address too.
        assert_ne!(
            udp_key_raw(a, b),
            udp_key_raw(a, end(1, &[0, 1, 2, 3, 4, 7], 20))
        );
        let none = udp_key_raw(end(0, &[], 0), end(0, &[], 0));
        assert!(udp_key_raw(a, b) & UDP_KEY_BIT != 0 && none & UDP_KEY_BIT != 0);
    }
}
