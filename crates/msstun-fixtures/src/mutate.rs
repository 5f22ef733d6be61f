//! Structure-aware mutants for `scripts/fuzz-tshark.sh`: captures of broken STUN made
//! from correct encoder output, one seed per capture (`msstun-fixtures mutants OUT SEED`).
//!
//! Every capture holds all mutation families, their parameters drawn from the seed:
//! header and attribute lengths off by one and by a lot, a message cut at every offset
//! (with the header Length kept and with it following the cut), duplicated and reordered
//! attributes, framings mixed mid-stream on one TCP connection, RFC 6062 ConnectionBinds
//! without a ConnectionAttempt (and data connections that never bound), and relayed
//! payloads that look like RTP, DTLS, ChannelData or STUN but are not. Each mutated
//! message travels as a UDP datagram and on a TCP connection, both to port 3478.

use crate::capture::{sa, Capture, Dir, Tcp};
use crate::scenarios::Fixture;
use crate::stun::{attr, ms_attr, ms_msg, msg};
use msstun::build::{self, channel_data, ms_tcp, rfc4571, MsTcpType};
use msstun::check::long_term_key;
use msstun::Class;
use msstun::Role;
use std::net::SocketAddr;

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator (any seed, 0 included).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// One element of `v`.
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Attribute spans `(start, end)` of a message, padding included (`padded`: RFC 5389
/// rules; legacy MS-TURN attributes are not padded). Stops at the first overrun.
pub fn attribute_spans(m: &[u8], padded: bool) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut at = msstun::HEADER_LEN;
    while at + 4 <= m.len() {
        let len = u16::from_be_bytes([m[at + 2], m[at + 3]]) as usize;
        let pad = if padded { (4 - len % 4) % 4 } else { 0 };
        let end = at + 4 + len + pad;
        if end > m.len() {
            break;
        }
        v.push((at, end));
        at = end;
    }
    v
}

fn fix_length(mut m: Vec<u8>) -> Vec<u8> {
    let n = (m.len() - msstun::HEADER_LEN).min(0xFFFF) as u16;
    m[2..4].copy_from_slice(&n.to_be_bytes());
    m
}

fn with_attrs(m: &[u8], attrs: &[&[u8]]) -> Vec<u8> {
    let mut v = m[..msstun::HEADER_LEN].to_vec();
    for a in attrs {
        v.extend_from_slice(a);
    }
    fix_length(v)
}

/// Correct messages the mutations start from: (message, attributes padded).
fn bases() -> Vec<(Vec<u8>, bool)> {
    let key = long_term_key("alice", "example.org", "wonderland");
    let ice_key = b"the-ice-password".to_vec();
    let peer = sa([192, 168, 1, 252], 53577);
    let relayed = sa([10, 1, 0, 1], 24000);
    let tid = |n: u8| [n, 0x5a, 1, 2, 3, 4, 5, 6, 7, 8, 9, n];
    vec![
        (
            msg("Allocate", Class::Request, tid(1))
                .attr_u8_padded(attr(Role::RequestedTransport), 6)
                .attr_u32(attr(Role::Lifetime), 600)
                .string(attr(Role::Username), "alice")
                .string(attr(Role::Realm), "example.org")
                .string(attr(Role::Nonce), "0123456789abcdef")
                .message_integrity(&key)
                .fingerprint()
                .finish(),
            true,
        ),
        (
            msg("Allocate", Class::SuccessResponse, tid(1))
                .xor_address(attr(Role::RelayedAddress), relayed)
                .xor_address(attr(Role::XorMappedAddress), peer)
                .attr_u32(attr(Role::Lifetime), 600)
                .string(attr(Role::Software), "mutant")
                .message_integrity(&key)
                .fingerprint()
                .finish(),
            true,
        ),
        (
            msg("Allocate", Class::ErrorResponse, tid(2))
                .error_code(401, "Unauthorized")
                .string(attr(Role::Realm), "example.org")
                .string(attr(Role::Nonce), "0123456789abcdef")
                .finish(),
            true,
        ),
        (
            msg("Binding", Class::Request, tid(3))
                .string(attr(Role::Username), "MRAv:a9Xy")
                .attr_u32(attr(Role::Priority), 0x6eff_ffff)
                .attr(0x802a, &[1, 2, 3, 4, 5, 6, 7, 8])
                .message_integrity(&ice_key)
                .fingerprint()
                .finish(),
            true,
        ),
        (
            msg("ConnectionAttempt", Class::Indication, tid(4))
                .xor_address(attr(Role::PeerAddress), peer)
                .attr_u32(attr(Role::ConnectionId), 0x2b7f_0001)
                .finish(),
            true,
        ),
        (
            ms_msg("Allocate", Class::SuccessResponse, [7; 16])
                .address(ms_attr(Role::MappedAddress), relayed)
                .attr_u32(ms_attr(Role::Lifetime), 600)
                .string(ms_attr(Role::Realm), "SIP Communications Service")
                .finish(),
            false,
        ),
    ]
}

/// Every mutant of one base message that this seed draws.
fn mutants_of(rng: &mut Rng, m: &[u8], padded: bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let hdr = msstun::HEADER_LEN;
    let body = (m.len() - hdr) as i64;
    // Header Length off by one, by four and by a lot.
    for delta in [-1i64, 1, -4, 4, 0x7FFF, -body, 0xFFFF - body] {
        let mut v = m.to_vec();
        let n = (body + delta).clamp(0, 0xFFFF) as u16;
        v[2..4].copy_from_slice(&n.to_be_bytes());
        out.push(v);
    }
    let spans = attribute_spans(m, padded);
    // Attribute Length off by one and by a lot (header Length kept consistent).
    for &(s, _) in &spans {
        let len = u16::from_be_bytes([m[s + 2], m[s + 3]]);
        let by_a_lot = *rng.pick(&[len.wrapping_add(4), 0, 0xFFFF, len.wrapping_add(0x1000)]);
        for bad in [len.wrapping_sub(1), len.wrapping_add(1), by_a_lot] {
            let mut v = m.to_vec();
            v[s + 2..s + 4].copy_from_slice(&bad.to_be_bytes());
            out.push(v);
        }
    }
    // Cut at every offset: header Length kept (the message overruns) and following the
    // cut (the last attribute is cut inside).
    for k in hdr..m.len() {
        out.push(m[..k].to_vec());
        out.push(fix_length(m[..k].to_vec()));
    }
    // Duplicated and reordered attributes.
    if !spans.is_empty() {
        let parts: Vec<&[u8]> = spans.iter().map(|&(s, e)| &m[s..e]).collect();
        let i = rng.below(parts.len());
        let mut dup = parts.clone();
        dup.insert(rng.below(parts.len() + 1), parts[i]);
        out.push(with_attrs(m, &dup));
        let mut rev = parts.clone();
        rev.reverse();
        out.push(with_attrs(m, &rev));
        let mut swapped = parts.clone();
        let j = rng.below(parts.len());
        swapped.swap(i, j);
        out.push(with_attrs(m, &swapped));
        let all_twice: Vec<&[u8]> = parts.iter().chain(parts.iter()).copied().collect();
        out.push(with_attrs(m, &all_twice));
    }
    // A few random byte flips inside the attributes.
    for _ in 0..4 {
        let mut v = m.to_vec();
        if v.len() > hdr {
            let at = hdr + rng.below(v.len() - hdr);
            v[at] ^= 1 << rng.below(8);
        }
        out.push(v);
    }
    out
}

/// Payloads that look like something and are not.
fn lookalikes(rng: &mut Rng) -> Vec<Vec<u8>> {
    let r = rng.next_u64().to_be_bytes();
    vec![
        vec![0x80, 0x60, r[0], r[1]],                 // RTP header cut short
        [&[0x80, 0xc8, 0x00, 0x40][..], &r].concat(), // RTCP SR with a long length
        vec![0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 1], // DTLS, record overruns
        vec![0x14, 0xfe, 0xff, 0, 1],                 // DTLS ChangeCipherSpec, cut
        [
            &[0x00, 0x01, 0x00, 0x0b, 0x21, 0x12, 0xa4, 0x42][..],
            &r,
            &r,
        ]
        .concat(), // STUN, odd length
        [&[0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4][..], &r[..3]].concat(), // STUN header cut
        [
            &[0x01, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42][..],
            &r,
            &r[..4],
            &[0x80, 0x28, 0, 4],
        ]
        .concat(),
        vec![0x00, 0x6c, 0x00, 0x01, 0x00, 0x50], // RFC 4571 prefix, STUN inside cut
        vec![0x40, 0x00, 0xff, 0xff, 1, 2, 3],    // ChannelData overrunning
        vec![0xff, 0x10, 0x00, 0x08, 1, 2],       // multiplexed TURN, cut
        vec![0x02, 0x00, 0x40, 0x00, 0x01],       // MS-TURN framing, huge length
        vec![0x16, 0x03, 0x01, 0x00, 0x02, 0x01], // TLS-looking (pseudo-TLS?) cut
        r.to_vec(),
    ]
}

struct Conns {
    next_port: u16,
}

impl Conns {
    fn open(&mut self, cap: &mut Capture, server: SocketAddr) -> Tcp {
        self.next_port = self.next_port.wrapping_add(1).max(20000);
        cap.tcp_open(sa([10, 9, 0, 2], self.next_port), server)
    }
}

/// The mutant capture for `seed`.
pub fn mutants(seed: u64) -> Fixture {
    let mut g = Mutants {
        rng: Rng::new(seed),
        cap: Capture::new(),
        server: sa([10, 9, 0, 1], 3478),
        client: sa([10, 9, 0, 2], 40000 + (seed % 1000) as u16),
        conns: Conns {
            next_port: 20000 + (seed % 20000) as u16,
        },
    };
    let bases = bases();
    g.base_mutants(&bases);
    g.mixed_framings(&bases);
    let looks = g.unannounced_binds();
    g.bound_data_connection(&bases, &looks);
    Fixture::from_capture("mutants", g.cap)
}

/// Transaction ids of the RFC 6062 parts.
fn bind_tid(n: u8) -> [u8; 12] {
    [0xb1, n, 9, 8, 7, 6, 5, 4, 3, 2, 1, n]
}

/// The mutant capture being written (the parts draw from `rng` in order).
struct Mutants {
    rng: Rng,
    cap: Capture,
    server: SocketAddr,
    client: SocketAddr,
    conns: Conns,
}

impl Mutants {
    fn open(&mut self) -> Tcp {
        self.conns.open(&mut self.cap, self.server)
    }

    fn coin_dir(&mut self) -> Dir {
        if self.rng.below(2) == 0 {
            Dir::C2S
        } else {
            Dir::S2C
        }
    }

    /// 1. Each base message's mutants, as datagrams and on TCP (8 per connection, so a
    ///    broken length desynchronises the stream for the following ones).
    fn base_mutants(&mut self, bases: &[(Vec<u8>, bool)]) {
        for (m, padded) in bases {
            let list = mutants_of(&mut self.rng, m, *padded);
            for v in &list {
                self.cap.udp(self.client, self.server, v);
            }
            if self.cap.labels().is_empty() {
                self.cap.label("first-mutants-udp");
            }
            for chunk in list.chunks(8) {
                let mut t = self.open();
                for v in chunk {
                    let dir = self.coin_dir();
                    self.cap.tcp_send(&mut t, dir, v);
                }
                if self.rng.below(4) != 0 {
                    self.cap.tcp_close(&mut t);
                }
            }
        }
    }

    /// 2. Framings mixed mid-stream on one connection, in a seed-drawn order.
    fn mixed_framings(&mut self, bases: &[(Vec<u8>, bool)]) {
        let (plain, _) = &bases[3];
        let (ms, _) = &bases[5];
        let pieces: Vec<Vec<u8>> = vec![
            plain.clone(),
            rfc4571(plain),
            ms_tcp(MsTcpType::Control, ms),
            ms_tcp(MsTcpType::Data, b"end-to-end"),
            channel_data(0x4001, b"media", true),
            build::pseudo_tls_client_hello(&[self.rng.next_u64() as u8; 32]),
            rfc4571(b"\x80\x60not stun"),
        ];
        for _ in 0..4 {
            let mut t = self.open();
            for _ in 0..10 {
                let p = self.rng.pick(&pieces).clone();
                let cut = self.rng.below(p.len() + 1);
                self.cap.tcp_send_split(&mut t, Dir::C2S, &p, &[cut]);
            }
            self.cap.tcp_close(&mut t);
        }
    }

    /// 3. RFC 6062: ConnectionBind for an id never announced, a bind without CONNECTION-ID,
    ///    a success response without a request, then relayed look-alikes on each. Returns
    ///    the look-alikes.
    fn unannounced_binds(&mut self) -> Vec<Vec<u8>> {
        let binds = [
            msg("ConnectionBind", Class::Request, bind_tid(1))
                .attr_u32(attr(Role::ConnectionId), self.rng.next_u64() as u32)
                .finish(),
            msg("ConnectionBind", Class::Request, bind_tid(2)).finish(),
            msg("ConnectionBind", Class::SuccessResponse, bind_tid(3)).finish(),
        ];
        let looks = lookalikes(&mut self.rng);
        for (i, b) in binds.iter().enumerate() {
            let mut t = self.open();
            if i < 2 {
                self.cap.tcp_send(&mut t, Dir::C2S, b);
            }
            let ok = msg(
                "ConnectionBind",
                Class::SuccessResponse,
                bind_tid(i as u8 + 1),
            )
            .finish();
            self.cap.tcp_send(&mut t, Dir::S2C, &ok);
            for l in &looks {
                let dir = self.coin_dir();
                self.cap.tcp_send(&mut t, dir, l);
                self.cap.tcp_send(&mut t, dir, &rfc4571(l));
            }
            self.cap.tcp_close(&mut t);
        }
        looks
    }

    /// 4. A proper ConnectionAttempt on a control connection, then a data connection that
    ///    binds it and carries look-alikes (the relayed payload the plugin classifies); the
    ///    look-alikes as UDP payloads and inside ChannelData too.
    fn bound_data_connection(&mut self, bases: &[(Vec<u8>, bool)], looks: &[Vec<u8>]) {
        let mut ctrl = self.open();
        self.cap.tcp_send(&mut ctrl, Dir::S2C, &bases[4].0);
        let mut data = self.open();
        let bind = msg("ConnectionBind", Class::Request, bind_tid(9))
            .attr_u32(attr(Role::ConnectionId), 0x2b7f_0001)
            .finish();
        self.cap.tcp_send(&mut data, Dir::C2S, &bind);
        self.cap.label("data-bind");
        let ok = msg("ConnectionBind", Class::SuccessResponse, bind_tid(9)).finish();
        self.cap.tcp_send(&mut data, Dir::S2C, &ok);
        for l in looks.iter().chain(looks) {
            let dir = self.coin_dir();
            let framed = self.rng.below(2) == 0;
            let p = if framed { rfc4571(l) } else { l.clone() };
            self.cap.tcp_send(&mut data, dir, &p);
        }
        for l in looks {
            self.cap.udp(self.client, self.server, l);
            let ch = 0x4000 + self.rng.below(0x3fff) as u16;
            self.cap
                .udp(self.server, self.client, &channel_data(ch, l, false));
        }
        self.cap.tcp_close(&mut data);
        self.cap.tcp_close(&mut ctrl);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_a_correct_message_exactly() {
        for (m, padded) in bases() {
            let s = attribute_spans(&m, padded);
            assert_eq!(s.first().map(|x| x.0), Some(msstun::HEADER_LEN));
            assert_eq!(s.last().map(|x| x.1), Some(m.len()));
        }
    }

    #[test]
    fn every_family_is_in_every_capture_and_seeds_differ() {
        let a = mutants(1);
        let b = mutants(2);
        assert_ne!(a.pcapng, b.pcapng, "two seeds gave the same capture");
        assert_eq!(mutants(1).pcapng, a.pcapng, "not deterministic");
        // Cut at every offset alone gives 2 × (len − 20) datagrams per base message.
        let cuts: u32 = bases().iter().map(|(m, _)| 2 * (m.len() as u32 - 20)).sum();
        assert!(a.frames > cuts * 2, "{} frames", a.frames);
    }

    #[test]
    fn mutants_parse_without_panicking() {
        let mut rng = Rng::new(7);
        for (m, padded) in bases() {
            for v in mutants_of(&mut rng, &m, padded) {
                if let Ok(msg) = msstun::Message::new_checked(&v[..]) {
                    for a in msg.attributes().flatten() {
                        let _ = a.fields().count();
                    }
                }
            }
        }
    }
}
