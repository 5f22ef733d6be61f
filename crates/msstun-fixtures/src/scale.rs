//! `scale N`: a capture of about N STUN messages shaped like a busy TURN server, for
//! `packaging/memory-tshark.sh` — many allocations, many ICE pairs and long RFC 6062 data
//! connections, all on server port 3478 so that the built-in `stun` decodes the same file.
//!
//! Of every 100 messages about 40 belong to UDP allocations (one client 5-tuple each:
//! Allocate 401 → Allocate → success, CreatePermission, ChannelBind, Refresh — each with
//! its response), 40 to ICE pairs (a Binding request and success response between a new
//! address pair each time) and 20 to RFC 6062 data connections: a TCP control connection
//! with a ConnectionAttempt, then a data connection with ConnectionBind and 1,000
//! RFC 4571-framed ICE checks.

use crate::capture::{sa, Capture, Dir};
use crate::scenarios::Fixture;
use crate::stun::{attr, msg};
use msstun::build::rfc4571;
use msstun::check::long_term_key;
use msstun::Class;
use msstun::Role;
use std::net::SocketAddr;

fn tid(n: u64) -> [u8; 12] {
    let mut t = [0u8; 12];
    t[..8].copy_from_slice(&n.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
    t[8..].copy_from_slice(&(n as u32).to_be_bytes());
    t
}

/// Address number `i` in 10.64.0.0/10, port from 1024.
fn client(i: u64) -> SocketAddr {
    let ip = 0x0A40_0000u32 | ((i as u32 >> 6) & 0x003F_FFFF);
    let port = 1024 + (i % 64) as u16 * 900 + (i as u16 % 7);
    sa(ip.to_be_bytes(), port)
}

/// About `n` STUN messages (see the module text).
pub fn scale(n: usize) -> Fixture {
    let mut g = Scale {
        cap: Capture::new(),
        server: sa([10, 1, 0, 1], 3478),
        key: long_term_key("alice", "example.org", "wonderland"),
        t: 0,
    };
    let mut sent = 0usize;
    let mut k = 0u64; // unit counter
    let mut on_data = 0usize; // messages on data connections so far
    while sent < n {
        k += 1;
        // A data connection whenever they have fallen below a fifth of the messages,
        // otherwise allocations and ICE pairs in turn.
        let shape = if on_data * 5 < sent { 2 } else { k % 2 };
        match shape {
            0 => sent += g.allocation(k),
            1 => sent += g.ice_pairs(k),
            _ => {
                let m = g.data_connection(k, n, sent, on_data == 0);
                sent += m;
                on_data += m;
            }
        }
        if k == 1 {
            g.cap.label("first-unit-end");
        }
    }
    Fixture::from_capture("scale", g.cap)
}

/// The capture being written and what its units share.
struct Scale {
    cap: Capture,
    server: SocketAddr,
    key: [u8; 16],
    /// Transactions so far.
    t: u64,
}

impl Scale {
    /// The next transaction number.
    fn next(&mut self) -> u64 {
        self.t += 1;
        self.t
    }

    /// `m` with the long-term credentials and MESSAGE-INTEGRITY.
    fn auth(&self, m: msstun::build::MessageBuilder) -> Vec<u8> {
        m.string(attr(Role::Username), "alice")
            .string(attr(Role::Realm), "example.org")
            .string(attr(Role::Nonce), "0123456789abcdef")
            .message_integrity(&self.key)
            .finish()
    }

    /// One UDP allocation: Allocate 401 → Allocate → success, CreatePermission,
    /// ChannelBind, Refresh, each answered (10 messages).
    fn allocation(&mut self, k: u64) -> usize {
        let (c, server) = (client(k), self.server);
        let a = self.next();
        let m = msg("Allocate", Class::Request, tid(a))
            .attr_u8_padded(attr(Role::RequestedTransport), 17)
            .finish();
        self.cap.udp(c, server, &m);
        let m = msg("Allocate", Class::ErrorResponse, tid(a))
            .error_code(401, "Unauthorized")
            .string(attr(Role::Realm), "example.org")
            .string(attr(Role::Nonce), "0123456789abcdef")
            .finish();
        self.cap.udp(server, c, &m);
        let a = self.next();
        let m = self.auth(
            msg("Allocate", Class::Request, tid(a))
                .attr_u8_padded(attr(Role::RequestedTransport), 17)
                .attr_u32(attr(Role::Lifetime), 600),
        );
        self.cap.udp(c, server, &m);
        let m = msg("Allocate", Class::SuccessResponse, tid(a))
            .xor_address(
                attr(Role::RelayedAddress),
                sa([10, 1, 0, 1], 49152 + (k % 16000) as u16),
            )
            .xor_address(attr(Role::XorMappedAddress), c)
            .attr_u32(attr(Role::Lifetime), 600)
            .message_integrity(&self.key)
            .finish();
        self.cap.udp(server, c, &m);
        let peer = client(k + 1_000_003);
        for (method, extra) in [
            ("CreatePermission", 0u8),
            ("ChannelBind", 1),
            ("Refresh", 2),
        ] {
            let a = self.next();
            let m = msg(method, Class::Request, tid(a));
            let m = match extra {
                0 => m.xor_address(attr(Role::PeerAddress), peer),
                1 => m
                    .attr_u32(attr(Role::ChannelNumber), 0x4000_0000)
                    .xor_address(attr(Role::PeerAddress), peer),
                _ => m.attr_u32(attr(Role::Lifetime), 600),
            };
            let m = self.auth(m);
            self.cap.udp(c, server, &m);
            let m = msg(method, Class::SuccessResponse, tid(a))
                .message_integrity(&self.key)
                .finish();
            self.cap.udp(server, c, &m);
        }
        10
    }

    /// Five ICE pairs, a check and its response each (10 messages).
    fn ice_pairs(&mut self, k: u64) -> usize {
        for j in 0..5 {
            let (c, server) = (client(k * 5 + j + 2_000_000), self.server);
            let a = self.next();
            let m = msg("Binding", Class::Request, tid(a))
                .string(attr(Role::Username), "MRAv:a9Xy")
                .attr_u32(attr(Role::Priority), 0x6eff_ffff)
                .message_integrity(b"the-ice-password")
                .fingerprint()
                .finish();
            self.cap.udp(c, server, &m);
            let m = msg("Binding", Class::SuccessResponse, tid(a))
                .xor_address(attr(Role::XorMappedAddress), c)
                .message_integrity(b"the-ice-password")
                .fingerprint()
                .finish();
            self.cap.udp(server, c, &m);
        }
        10
    }

    /// An RFC 6062 control + data connection with up to 1,000 ICE checks (as many as the
    /// `n` messages still allow, at least one); returns the messages written. `first`
    /// labels its end.
    fn data_connection(&mut self, k: u64, n: usize, sent: usize, first: bool) -> usize {
        let server = self.server;
        let mut ctrl = self.cap.tcp_open(client(k + 3_000_000), server);
        let id = k as u32;
        let m = msg("ConnectionAttempt", Class::Indication, tid(self.next()))
            .xor_address(attr(Role::PeerAddress), client(k + 4_000_000))
            .attr_u32(attr(Role::ConnectionId), id)
            .finish();
        self.cap.tcp_send(&mut ctrl, Dir::S2C, &m);
        let mut data = self.cap.tcp_open(client(k + 5_000_000), server);
        let a = self.next();
        let m = msg("ConnectionBind", Class::Request, tid(a))
            .attr_u32(attr(Role::ConnectionId), id)
            .finish();
        self.cap.tcp_send(&mut data, Dir::C2S, &m);
        let m = msg("ConnectionBind", Class::SuccessResponse, tid(a)).finish();
        self.cap.tcp_send(&mut data, Dir::S2C, &m);
        let checks = 1000.min(n.saturating_sub(sent + 3)).max(1);
        for i in 0..checks {
            let a = self.next();
            let m = msg("Binding", Class::Request, tid(a))
                .string(attr(Role::Username), "MRAv:a9Xy")
                .attr_u32(attr(Role::Priority), i as u32)
                .fingerprint()
                .finish();
            let dir = if i % 2 == 0 { Dir::C2S } else { Dir::S2C };
            self.cap.tcp_send(&mut data, dir, &rfc4571(&m));
        }
        if first {
            self.cap.label("first-data-connection-end");
        }
        self.cap.tcp_close(&mut data);
        self.cap.tcp_close(&mut ctrl);
        checks + 3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_n_messages() {
        let f = scale(20_000);
        // UDP messages are one frame each; TCP adds handshakes and closes.
        assert!(
            f.frames >= 20_000 && f.frames < 21_000,
            "{} frames",
            f.frames
        );
    }
}
