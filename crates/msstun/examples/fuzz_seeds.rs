//! Writes the fuzz seed corpus from the encoder:
//!
//! ```text
//! cargo run -p msstun --example fuzz_seeds [-- OUT_DIR]   # default: fuzz/corpus
//! ```
//!
//! `OUT_DIR/parse/` gets one message (or framed PDU) per file, covering every
//! dialect, method table, attribute the registry knows, integrity/fingerprint
//! variants and the framings; `OUT_DIR/stream/` gets whole connections for the
//! `stream` target (first byte: transport and chunk size, then the bytes);
//! `OUT_DIR/session/` gets the same connections, and an RFC 6062 control + data
//! connection pair, as records for the `session` target (`op len bytes…`).
//! Output is deterministic, so re-running leaves the corpus unchanged.

use std::path::PathBuf;

use msstun::build::{self, MessageBuilder, MsTcpType};
use msstun::check::{self, PasswordAlgorithm};
use msstun::framing::Framing;
use msstun::registry::{self, FieldKind, Layout};
use msstun::{Class, Dialect};

fn tid(d: Dialect, n: u8) -> Vec<u8> {
    let len = if d.has_cookie() { 12 } else { 16 };
    (0..len)
        .map(|i| 0x40 ^ n.wrapping_mul(13).wrapping_add(i as u8))
        .collect()
}

/// A plausible value for any registered attribute.
fn sample(b: MessageBuilder, code: u16, layout: &Layout, n: u8) -> MessageBuilder {
    let v4 = "192.0.2.1:3478".parse().unwrap();
    let v6 = "[2001:db8::1]:49152".parse().unwrap();
    match layout {
        Layout::Address => b.address(code, if n.is_multiple_of(2) { v4 } else { v6 }),
        Layout::XorAddress => b.xor_address(code, if n.is_multiple_of(2) { v4 } else { v6 }),
        Layout::ErrorCode => b.error_code(401, "Unauthorized"),
        Layout::Number(f) => match f.kind {
            FieldKind::U8 | FieldKind::Bool => b.attr(code, &[n]),
            FieldKind::U16 => b.attr_u16(code, 0x1234),
            FieldKind::U64 => b.attr_u64(code, 0x0102_0304_0506_0708),
            _ => b.attr_u32(code, 600),
        },
        Layout::Text(_) => b.string(code, "example.org"),
        Layout::Opaque(_) => b.attr(code, b"\x00\x01opaque\xff"),
        Layout::Flag => b.flag(code),
        Layout::U16List(_) => b.attr_u16_list(code, &[0x0001, 0x0002]),
        Layout::Struct(parts) => {
            let fixed = parts
                .iter()
                .map(|p| p.offset as usize + p.len as usize)
                .max()
                .unwrap_or(0);
            let open = parts.iter().any(|p| p.len == 0);
            let v: Vec<u8> = (0..fixed + if open { 8 } else { 0 })
                .map(|i| b'a' + (i as u8 % 26))
                .collect();
            b.attr(code, &v)
        }
        Layout::PasswordAlgorithms => b.attr(code, &[0, 1, 0, 0, 0, 2, 0, 0]),
        Layout::Fingerprint => b.fingerprint(),
        Layout::Integrity => b.message_integrity(b"secret"),
    }
}

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus"));
    let parse_dir = out.join("parse");
    let stream_dir = out.join("stream");
    std::fs::create_dir_all(&parse_dir)?;
    std::fs::create_dir_all(&stream_dir)?;
    let session_dir = out.join("session");
    std::fs::create_dir_all(&session_dir)?;
    let mut parse: Vec<(String, Vec<u8>)> = Vec::new();

    let lt_key = check::long_term_key("user", "example.org", "secret");
    for d in Dialect::ALL {
        dialect_seeds(d, &lt_key, &mut parse);
    }
    let ice = more_parse_seeds(&mut parse);
    let (alloc, cd) = framed_seeds(&mut parse);
    for (name, bytes) in &parse {
        std::fs::write(parse_dir.join(name), bytes)?;
    }

    let streams = stream_seeds(&parse, &alloc, &cd, &ice, &lt_key);
    for (name, ctl, bytes) in &streams {
        let mut v = vec![*ctl];
        v.extend_from_slice(bytes);
        std::fs::write(stream_dir.join(name), v)?;
    }

    let sessions = session_seeds(&streams, &ice, &lt_key);
    for (name, bytes) in &sessions {
        std::fs::write(session_dir.join(name), bytes)?;
    }
    eprintln!(
        "wrote {} seeds to {}, {} to {} and {} to {}",
        parse.len(),
        parse_dir.display(),
        streams.len(),
        stream_dir.display(),
        sessions.len(),
        session_dir.display()
    );
    Ok(())
}

/// Dialect `d`'s seeds: its registered attributes a few per message, an authenticated
/// exchange, every method/class of its table.
fn dialect_seeds(d: Dialect, lt_key: &[u8], parse: &mut Vec<(String, Vec<u8>)>) {
    let realm = build::code(d, msstun::Role::Realm).unwrap_or(0x0014);
    let nonce = build::code(d, msstun::Role::Nonce).unwrap_or(0x0015);
    // Every registered attribute of the dialect, a few per message.
    let attrs: Vec<_> = registry::ATTRIBUTES
        .iter()
        .filter(|a| a.dialects.contains(d) && registry::attribute(d, a.code) == Some(a))
        .filter(|a| !matches!(a.layout, Layout::Fingerprint | Layout::Integrity))
        .filter(|a| a.code != msstun::message::ATTR_MS_MAGIC_COOKIE)
        .collect();
    for (i, group) in attrs.chunks(4).enumerate() {
        let mut b = MessageBuilder::new(d, 0x003, Class::Request, &tid(d, i as u8));
        for (j, a) in group.iter().enumerate() {
            b = sample(b, a.code, &a.layout, j as u8);
        }
        parse.push((
            format!("{}-attrs-{i:02}", d.key()),
            b.fingerprint().finish(),
        ));
    }
    // Authenticated exchanges: 401, then the request with long-term integrity.
    let err = MessageBuilder::new(d, 0x003, Class::ErrorResponse, &tid(d, 100))
        .error_code(401, "Unauthorized")
        .string(realm, "example.org")
        .string(nonce, "obMatJos2gAAAadl7W7PeDU4hKE72jda")
        .finish();
    parse.push((format!("{}-allocate-401", d.key()), err));
    let req = MessageBuilder::new(d, 0x003, Class::Request, &tid(d, 101))
        .string(0x0006, "user")
        .string(realm, "example.org")
        .string(nonce, "obMatJos2gAAAadl7W7PeDU4hKE72jda")
        .message_integrity(lt_key);
    let req = if d == Dialect::Rfc5389 {
        req.fingerprint()
    } else {
        req
    };
    parse.push((format!("{}-allocate-auth", d.key()), req.finish()));
    // Every method/class of the dialect's table, empty.
    let types: Vec<u16> = match d {
        Dialect::MsTurn | Dialect::MsTurn5389 => {
            registry::MS_TURN_TYPES.iter().map(|(t, _, _)| *t).collect()
        }
        _ => registry::METHODS
            .iter()
            .flat_map(|m| {
                [
                    Class::Request,
                    Class::Indication,
                    Class::SuccessResponse,
                    Class::ErrorResponse,
                ]
                .map(|c| msstun::message::join_type(m.code, c))
            })
            .collect(),
    };
    for t in types {
        let b = MessageBuilder::with_type(d, t, &tid(d, t as u8)).finish();
        parse.push((format!("{}-type-{t:04x}", d.key()), b));
    }
}

/// SHA-256 integrity, an ICE check (returned) and malformed messages.
fn more_parse_seeds(parse: &mut Vec<(String, Vec<u8>)>) -> Vec<u8> {
    // SHA-256 integrity, truncated, USERHASH.
    let sha_key = check::long_term_key_sha256("user", "example.org", "secret");
    parse.push((
        "rfc5389-sha256".into(),
        MessageBuilder::new(
            Dialect::Rfc5389,
            0x001,
            Class::Request,
            &tid(Dialect::Rfc5389, 200),
        )
        .userhash("user", "example.org")
        .string(0x0014, "example.org")
        .password_algorithm(PasswordAlgorithm::Sha256)
        .message_integrity(&sha_key)
        .message_integrity_sha256_truncated(&sha_key, 16)
        .fingerprint()
        .finish(),
    ));
    // ICE short-term check, RFC 5769 style.
    let ice = MessageBuilder::new(
        Dialect::Rfc5389,
        0x001,
        Class::Request,
        &tid(Dialect::Rfc5389, 201),
    )
    .string(0x0006, "evtj:h6vY")
    .attr_u32(0x0024, 0x6e0001ff)
    .attr_u64(0x8029, 0x932ff9b151263b36)
    .flag(0x0025)
    .message_integrity(b"VOkJxbRl1RmTxUk/WvJxBt")
    .fingerprint()
    .finish();
    parse.push(("rfc5389-ice-check".into(), ice.clone()));
    // Malformed: overrun, missing padding, bad lengths.
    parse.push((
        "malformed-overrun".into(),
        MessageBuilder::new(
            Dialect::Rfc5389,
            1,
            Class::Request,
            &tid(Dialect::Rfc5389, 202),
        )
        .attr_raw(0x0006, 40, b"abc")
        .finish(),
    ));
    parse.push((
        "malformed-nopad".into(),
        MessageBuilder::new(
            Dialect::Rfc5389,
            1,
            Class::Request,
            &tid(Dialect::Rfc5389, 203),
        )
        .attr_raw(0x0006, 3, b"abc")
        .finish(),
    ));
    ice
}

/// Framed PDUs; returns the authenticated Allocate and the ChannelData they frame.
fn framed_seeds(parse: &mut Vec<(String, Vec<u8>)>) -> (Vec<u8>, Vec<u8>) {
    let cd = build::channel_data(0x4001, b"hello, peer", true);
    let alloc = parse
        .iter()
        .find(|(n, _)| n == "rfc5389-allocate-auth")
        .unwrap()
        .1
        .clone();
    for f in Framing::ALL {
        parse.push((format!("framed-{}-stun", f.key()), build::frame(f, &alloc)));
        parse.push((
            format!("framed-{}-channeldata", f.key()),
            build::frame(f, &cd),
        ));
    }
    parse.push((
        "framed-mturn-ff10".into(),
        build::multiplexed_turn(0x0102_0304_0506_0708, b"media"),
    ));
    parse.push((
        "pseudo-tls-client-hello".into(),
        build::pseudo_tls_client_hello(&[0x5A; 32]),
    ));
    parse.push((
        "pseudo-tls-server-hello".into(),
        build::pseudo_tls_server_hello(&[0xA5; 32]),
    ));
    (alloc, cd)
}

/// Seeds of the `stream` target: (name, ctl byte, bytes).
fn stream_seeds(
    parse: &[(String, Vec<u8>)],
    alloc: &[u8],
    cd: &[u8],
    ice: &[u8],
    lt_key: &[u8],
) -> Vec<(String, u8, Vec<u8>)> {
    // Streams for the `stream` target: ctl byte (bit 0: 0 = TCP; the rest: chunk size).
    let mut streams: Vec<(String, u8, Vec<u8>)> = Vec::new();
    let plain: Vec<u8> = [alloc.to_vec(), cd.to_vec(), ice.to_vec()].concat();
    streams.push(("tcp-plain".into(), 0x10, plain));
    let rfc4571: Vec<u8> = [
        build::rfc4571(ice),
        build::rfc4571(ice),
        build::rfc4571(b"\x80\x60rtp"),
    ]
    .concat();
    streams.push(("tcp-rfc4571".into(), 0x22, rfc4571));
    let ms: Vec<u8> = [
        build::pseudo_tls_client_hello(&[1; 32]),
        build::pseudo_tls_server_hello(&[2; 32]),
        build::ms_tcp(
            MsTcpType::Control,
            &parse
                .iter()
                .find(|(n, _)| n == "ms-turn-allocate-auth")
                .unwrap()
                .1,
        ),
        build::ms_tcp(MsTcpType::Data, b"end-to-end data"),
    ]
    .concat();
    streams.push(("tcp-ms-turn-pseudo-tls".into(), 0x40, ms));
    // RFC 6062: ConnectionBind success, then RFC 4571 ICE checks on the data connection.
    let bind_ok = MessageBuilder::new(
        Dialect::Rfc5389,
        0x00b,
        Class::SuccessResponse,
        &tid(Dialect::Rfc5389, 210),
    )
    .message_integrity(lt_key)
    .finish();
    streams.push((
        "tcp-rfc6062-data".into(),
        0x06,
        [bind_ok, build::rfc4571(ice), b"opaque tail".to_vec()].concat(),
    ));
    streams.push((
        "udp-datagrams".into(),
        0x01 | (20 << 1),
        [alloc, cd].concat(),
    ));
    streams
}

/// Seeds of the `session` target.
fn session_seeds(
    streams: &[(String, u8, Vec<u8>)],
    ice: &[u8],
    lt_key: &[u8],
) -> Vec<(String, Vec<u8>)> {
    // Sessions for the `session` target: 2 header bytes (connections + transports,
    // capacity + framing), then `op len bytes…` records (op: connection, direction,
    // mark-data, finish).
    let record = |v: &mut Vec<u8>, op: u8, bytes: &[u8]| {
        for chunk in bytes.chunks(200) {
            v.extend_from_slice(&[op, chunk.len() as u8]);
            v.extend_from_slice(chunk);
        }
    };
    let mut sessions: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, ctl, bytes) in streams {
        let udp = ctl & 1;
        let mut v = vec![udp << 2, 0];
        for (i, chunk) in bytes.chunks(97).enumerate() {
            record(&mut v, if i % 2 == 0 { 0 } else { 4 }, chunk);
        }
        sessions.push((name.clone(), v));
    }
    // Control connection 0 announces CONNECTION-ID 0x2b7f0001; data connection 1 binds it,
    // then carries RFC 4571 ICE checks and relayed bytes that look like RTP, DTLS and STUN.
    let attempt = MessageBuilder::new(
        Dialect::Rfc5389,
        0x00c,
        Class::Indication,
        &tid(Dialect::Rfc5389, 211),
    )
    .attr_u32(0x002a, 0x2b7f_0001)
    .finish();
    let bind = MessageBuilder::new(
        Dialect::Rfc5389,
        0x00b,
        Class::Request,
        &tid(Dialect::Rfc5389, 212),
    )
    .attr_u32(0x002a, 0x2b7f_0001)
    .message_integrity(lt_key)
    .finish();
    let bind_ok = MessageBuilder::new(
        Dialect::Rfc5389,
        0x00b,
        Class::SuccessResponse,
        &tid(Dialect::Rfc5389, 212),
    )
    .finish();
    let mut v = vec![1, 0];
    record(&mut v, 4, &attempt);
    record(&mut v, 1, &bind);
    record(&mut v, 5, &bind_ok);
    record(&mut v, 1, &build::rfc4571(ice));
    record(
        &mut v,
        5,
        &[0x80, 0x60, 0, 1, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef],
    );
    record(
        &mut v,
        1,
        &[0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
    );
    record(
        &mut v,
        5,
        &[0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3],
    );
    record(&mut v, 0x11, ice);
    sessions.push(("rfc6062-control-and-data".into(), v));
    sessions
}
