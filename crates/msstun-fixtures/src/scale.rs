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
    let mut cap = Capture::new();
    let server = sa([10, 1, 0, 1], 3478);
    let key = long_term_key("alice", "example.org", "wonderland");
    let mut sent = 0usize;
    let mut t = 0u64;
    let mut next = || {
        t += 1;
        t
    };
    let mut k = 0u64; // unit counter
    let mut on_data = 0usize; // messages on data connections so far
    while sent < n {
        k += 1;
        // A data connection whenever they have fallen below a fifth of the messages,
        // otherwise allocations and ICE pairs in turn.
        let shape = if on_data * 5 < sent { 2 } else { k % 2 };
        match shape {
            // One UDP allocation (10 messages).
            0 => {
                let c = client(k);
                let a = next();
                cap.udp(
                    c,
                    server,
                    &msg("Allocate", Class::Request, tid(a))
                        .attr_u8_padded(attr(Role::RequestedTransport), 17)
                        .finish(),
                );
                cap.udp(
                    server,
                    c,
                    &msg("Allocate", Class::ErrorResponse, tid(a))
                        .error_code(401, "Unauthorized")
                        .string(attr(Role::Realm), "example.org")
                        .string(attr(Role::Nonce), "0123456789abcdef")
                        .finish(),
                );
                let auth = |m: msstun::build::MessageBuilder| {
                    m.string(attr(Role::Username), "alice")
                        .string(attr(Role::Realm), "example.org")
                        .string(attr(Role::Nonce), "0123456789abcdef")
                        .message_integrity(&key)
                        .finish()
                };
                let a = next();
                cap.udp(
                    c,
                    server,
                    &auth(
                        msg("Allocate", Class::Request, tid(a))
                            .attr_u8_padded(attr(Role::RequestedTransport), 17)
                            .attr_u32(attr(Role::Lifetime), 600),
                    ),
                );
                cap.udp(
                    server,
                    c,
                    &msg("Allocate", Class::SuccessResponse, tid(a))
                        .xor_address(
                            attr(Role::RelayedAddress),
                            sa([10, 1, 0, 1], 49152 + (k % 16000) as u16),
                        )
                        .xor_address(attr(Role::XorMappedAddress), c)
                        .attr_u32(attr(Role::Lifetime), 600)
                        .message_integrity(&key)
                        .finish(),
                );
                let peer = client(k + 1_000_003);
                for (method, extra) in [
                    ("CreatePermission", 0u8),
                    ("ChannelBind", 1),
                    ("Refresh", 2),
                ] {
                    let a = next();
                    let m = msg(method, Class::Request, tid(a));
                    let m = match extra {
                        0 => m.xor_address(attr(Role::PeerAddress), peer),
                        1 => m
                            .attr_u32(attr(Role::ChannelNumber), 0x4000_0000)
                            .xor_address(attr(Role::PeerAddress), peer),
                        _ => m.attr_u32(attr(Role::Lifetime), 600),
                    };
                    cap.udp(c, server, &auth(m));
                    cap.udp(
                        server,
                        c,
                        &msg(method, Class::SuccessResponse, tid(a))
                            .message_integrity(&key)
                            .finish(),
                    );
                }
                sent += 10;
            }
            // Five ICE pairs (a check and its response each: 10 messages).
            1 => {
                for j in 0..5 {
                    let c = client(k * 5 + j + 2_000_000);
                    let a = next();
                    cap.udp(
                        c,
                        server,
                        &msg("Binding", Class::Request, tid(a))
                            .string(attr(Role::Username), "MRAv:a9Xy")
                            .attr_u32(attr(Role::Priority), 0x6eff_ffff)
                            .message_integrity(b"the-ice-password")
                            .fingerprint()
                            .finish(),
                    );
                    cap.udp(
                        server,
                        c,
                        &msg("Binding", Class::SuccessResponse, tid(a))
                            .xor_address(attr(Role::XorMappedAddress), c)
                            .message_integrity(b"the-ice-password")
                            .fingerprint()
                            .finish(),
                    );
                }
                sent += 10;
            }
            // An RFC 6062 control + data connection with 1,000 ICE checks.
            _ => {
                let c = client(k + 3_000_000);
                let mut ctrl = cap.tcp_open(c, server);
                let id = k as u32;
                cap.tcp_send(
                    &mut ctrl,
                    Dir::S2C,
                    &msg("ConnectionAttempt", Class::Indication, tid(next()))
                        .xor_address(attr(Role::PeerAddress), client(k + 4_000_000))
                        .attr_u32(attr(Role::ConnectionId), id)
                        .finish(),
                );
                let dc = client(k + 5_000_000);
                let mut data = cap.tcp_open(dc, server);
                let a = next();
                cap.tcp_send(
                    &mut data,
                    Dir::C2S,
                    &msg("ConnectionBind", Class::Request, tid(a))
                        .attr_u32(attr(Role::ConnectionId), id)
                        .finish(),
                );
                cap.tcp_send(
                    &mut data,
                    Dir::S2C,
                    &msg("ConnectionBind", Class::SuccessResponse, tid(a)).finish(),
                );
                sent += 3;
                let checks = 1000.min(n.saturating_sub(sent)).max(1);
                for i in 0..checks {
                    let a = next();
                    let m = msg("Binding", Class::Request, tid(a))
                        .string(attr(Role::Username), "MRAv:a9Xy")
                        .attr_u32(attr(Role::Priority), i as u32)
                        .fingerprint()
                        .finish();
                    let dir = if i % 2 == 0 { Dir::C2S } else { Dir::S2C };
                    cap.tcp_send(&mut data, dir, &rfc4571(&m));
                }
                if on_data == 0 {
                    cap.label("first-data-connection-end");
                }
                sent += checks;
                on_data += checks + 3;
                cap.tcp_close(&mut data);
                cap.tcp_close(&mut ctrl);
            }
        }
        if k == 1 {
            cap.label("first-unit-end");
        }
    }
    Fixture::from_capture("scale", cap)
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
