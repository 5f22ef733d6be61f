//! Proves the parse path allocates nothing: the counting global allocator
//! (`msstun-alloc-count`) wraps the system one, and each path runs between two readings of this thread's allocation
//! counter:
//! * parsing — `Message::new_checked`, every attribute, every field, the summary written
//!   into a fixed buffer — for messages of every dialect;
//! * the checks — FINGERPRINT, MESSAGE-INTEGRITY(-SHA256) with short-term and long-term
//!   (MD5, SHA-256) keys, the credential lookup and the whole-message `verify`;
//! * framing, detection and the sans-IO stream decoder (push/pop, RFC 6062 data mode).

use std::fmt::Write;

use msstun::build::{self, MessageBuilder};
use msstun::check::{self, PasswordAlgorithm, Status};
use msstun::detect::detect;
use msstun::framing::{next_pdu, Framing, PduResult, Transport};
use msstun::stream::{ConnectionDecoder, Direction, StreamDecoder};
use msstun::{Class, Dialect, FieldValue, Message};

#[global_allocator]
static GLOBAL: msstun_alloc_count::Counting = msstun_alloc_count::Counting;

use msstun_alloc_count::{allocations, allocations_in};

/// A tiny `fmt::Write` into a stack array (the test's own, independent of
/// `msstun::summary::SummaryBuf`).
struct StackBuf {
    buf: [u8; 512],
    len: usize,
}

impl Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Everything a consumer does with a message; returns a checksum so nothing is
/// optimised away.
fn parse_everything(bytes: &[u8]) -> (Dialect, usize, usize) {
    let msg = Message::new_checked(bytes).expect("valid header");
    let (method, class) = msg.method_class();
    let mut sum = method.name.len()
        + class.name().len()
        + msg.transaction_id().len()
        + msg.deviations().describe().len();
    let mut fields = 0;
    for attr in msg.attributes() {
        let attr = match attr {
            Ok(a) => a,
            Err(e) => {
                let mut b = StackBuf {
                    buf: [0; 512],
                    len: 0,
                };
                write!(b, "{e}").unwrap();
                sum += b.len;
                break;
            }
        };
        sum += attr.name().len() + attr.value.len();
        if let Some(Ok(addr)) = attr.address() {
            sum += addr.port as usize;
        }
        if let Some((code, reason)) = attr.error_code() {
            sum += code as usize + reason.len();
        }
        sum += usize::from(attr.value_error().is_some());
        if let Some(d) = attr.desc {
            sum += msstun::registry::attribute_index(d).unwrap_or(0);
        }
        for f in attr.fields() {
            let Ok(f) = f else { break };
            fields += 1;
            sum += f.desc.key.len() + f.desc.label.len() + f.offset + f.len;
            sum += match f.value {
                FieldValue::Uint(n) => f.desc.value_name(n as u32).map_or(n as usize, str::len),
                FieldValue::Bool(b) => b as usize,
                FieldValue::Ipv4(a) => a[3] as usize,
                FieldValue::Ipv6(a) => a[15] as usize,
                FieldValue::Str(s) => s.len(),
                FieldValue::Bytes(b) => b.len(),
            };
        }
    }
    let mut out = StackBuf {
        buf: [0; 512],
        len: 0,
    };
    msstun::summary::write_summary(&msg, &mut out).expect("summary fits");
    sum += out.len;
    let mut out2 = StackBuf {
        buf: [0; 512],
        len: 0,
    };
    write!(out2, "{}", msg.summary()).expect("summary fits");
    assert_eq!(out.buf[..out.len], out2.buf[..out2.len]);
    (msg.dialect(), fields, sum)
}

fn tlv(out: &mut Vec<u8>, code: u16, value: &[u8], pad: bool) {
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
    while pad && !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

fn finish(msg_type: u16, id: &[u8], body: Vec<u8>) -> Vec<u8> {
    let mut v = msg_type.to_be_bytes().to_vec();
    v.extend_from_slice(&(body.len() as u16).to_be_bytes());
    v.extend_from_slice(id);
    v.extend(body);
    v
}

/// Hand-written messages of every dialect, with every layout kind among them.
fn corpus() -> Vec<Vec<u8>> {
    let mut id = vec![0x21, 0x12, 0xA4, 0x42];
    id.extend_from_slice(&[
        0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    ]);
    let mut out = Vec::new();
    rfc5389_messages(&mut out, &id);
    rfc3489_messages(&mut out);
    ms_turn_messages(&mut out);
    deviations(&mut out, &id);
    out
}

/// RFC 5389 messages with transaction `id`.
fn rfc5389_messages(out: &mut Vec<Vec<u8>>, id: &[u8]) {
    // RFC 5389: Allocate success with addresses (IPv4, IPv6), numbers, text, integrity.
    let mut b = Vec::new();
    tlv(
        &mut b,
        0x0016,
        &[0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43],
        true,
    );
    tlv(
        &mut b,
        0x0020,
        &[
            0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25,
            0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
        ],
        true,
    );
    tlv(&mut b, 0x000D, &600u32.to_be_bytes(), true);
    tlv(&mut b, 0x8022, b"msstun test", true);
    tlv(&mut b, 0x8029, &[1, 2, 3, 4, 5, 6, 7, 8], true);
    tlv(&mut b, 0x0008, &[0xaa; 20], true);
    tlv(&mut b, 0x8028, &[1, 2, 3, 4], true);
    out.push(finish(0x0103, id, b));

    // RFC 5389: Allocate error with ERROR-CODE, REALM, NONCE, UNKNOWN-ATTRIBUTES, structs.
    let mut b = Vec::new();
    tlv(&mut b, 0x0009, b"\0\0\x04\x01Unauthorized", true);
    tlv(&mut b, 0x0014, b"example.org", true);
    tlv(&mut b, 0x0015, b"obMatJos2gAAAadl7W7PeDU4hKE72jda", true);
    tlv(&mut b, 0x000A, &[0x00, 0x1a, 0x80, 0x99], true);
    tlv(&mut b, 0x0019, &[6, 0, 0, 0], true);
    tlv(&mut b, 0x0018, &[0x80], true);
    tlv(&mut b, 0x001A, &[], true);
    tlv(
        &mut b,
        0x8001,
        b"\x02\0\x04\x40Address Family not Supported",
        true,
    );
    tlv(&mut b, 0x8004, &[0, 0, 3, 1, 0, 0, 5, 0xdc], true);
    tlv(&mut b, 0xC059, &[0, 1, 0, 2], true);
    tlv(&mut b, 0x7fff, b"unknown", true);
    out.push(finish(0x0113, id, b));

    // RFC 5389: ConnectionAttempt and ChannelBind.
    let mut b = Vec::new();
    tlv(&mut b, 0x002A, &[0, 0, 0x12, 0x34], true);
    tlv(
        &mut b,
        0x0012,
        &[0x00, 0x01, 0xf3, 0x5b, 0xe1, 0xba, 0xa5, 0xbe],
        true,
    );
    out.push(finish(0x001c, id, b));
    let mut b = Vec::new();
    tlv(&mut b, 0x000C, &[0x40, 0, 0, 0], true);
    tlv(&mut b, 0x8055, &[0, 1, 0, 0], true);
    out.push(finish(0x0009, id, b));

    // RFC 5389: malformed (overrunning last attribute) — still summarised.
    let mut b = Vec::new();
    tlv(&mut b, 0x0006, b"alice", true);
    b.extend_from_slice(&[0x80, 0x22, 0x00, 0x40, b'x', b'y', b'z', b'!']);
    out.push(finish(0x0001, id, b));
}

/// RFC 3489 messages.
fn rfc3489_messages(out: &mut Vec<Vec<u8>>) {
    // RFC 3489: 128-bit id, CHANGE-REQUEST, SOURCE-ADDRESS.
    let mut b = Vec::new();
    tlv(&mut b, 0x0003, &[0, 0, 0, 6], true);
    tlv(&mut b, 0x0004, &[0, 1, 0x0d, 0x96, 10, 0, 0, 1], true);
    tlv(&mut b, 0x0001, &[0, 1, 0x0d, 0x96, 10, 0, 0, 2], true);
    out.push(finish(0x0101, &[7; 16], b));
}

/// Legacy MS-TURN messages.
fn ms_turn_messages(out: &mut Vec<Vec<u8>>) {
    // Legacy MS-TURN: MAGIC-COOKIE first, unpadded, MS attributes and TURNBWM.
    let mut b = Vec::new();
    tlv(&mut b, 0x000F, &0x72C6_4BC6u32.to_be_bytes(), false);
    tlv(&mut b, 0x0001, &[0, 1, 0xc3, 0x50, 203, 0, 113, 5], false);
    tlv(
        &mut b,
        0x8020,
        &[0, 1, 0x55, 0x77, 0x4e, 0x54, 0x64, 0x74],
        false,
    );
    tlv(&mut b, 0x0006, b"user5", false);
    tlv(&mut b, 0x0015, b"SIP Communications Service", false);
    tlv(&mut b, 0x0014, b"nonce", false);
    tlv(&mut b, 0x8008, &3u32.to_be_bytes(), false);
    let mut seq = [0x11u8; 24];
    seq[20..].copy_from_slice(&2u32.to_be_bytes());
    tlv(&mut b, 0x8050, &seq, false);
    tlv(&mut b, 0x8056, &[0, 0, 0, 1], false);
    tlv(&mut b, 0x8058, &[0; 16], false);
    tlv(
        &mut b,
        0x805B,
        &[0, 1, 0x55, 0x77, 0x4e, 0x54, 0x64, 0x74],
        false,
    );
    tlv(
        &mut b,
        0x805D,
        &[0xc0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0],
        false,
    );
    tlv(&mut b, 0x8068, &[1, 2, 0, 0], false);
    tlv(&mut b, 0x8054, b"abcd", false);
    tlv(&mut b, 0x8070, &2u32.to_be_bytes(), false);
    tlv(&mut b, 0x8095, &[1, 2, 3, 4, 5, 6, 7, 8], false);
    tlv(&mut b, 0x0008, &[0xbb; 32], false);
    out.push(finish(
        0x0103,
        &[
            0x44, 0x55, 0x66, 0x77, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
        ],
        b,
    ));

    // Legacy MS-TURN: Send request and Data indication.
    let mut b = Vec::new();
    tlv(&mut b, 0x000F, &0x72C6_4BC6u32.to_be_bytes(), false);
    tlv(&mut b, 0x0011, &[0, 1, 0, 80, 10, 0, 0, 1], false);
    tlv(&mut b, 0x0010, &256u32.to_be_bytes(), false);
    tlv(&mut b, 0x0013, b"payload", false);
    out.push(finish(0x0004, &[9; 16], b));
    let mut b = Vec::new();
    tlv(&mut b, 0x000F, &0x72C6_4BC6u32.to_be_bytes(), false);
    tlv(&mut b, 0x0012, &[0, 1, 0, 80, 10, 0, 0, 1], false);
    tlv(&mut b, 0x0013, b"payload", false);
    out.push(finish(0x0115, &[9; 16], b));
}

/// The deviations met in the field; `id` is an RFC 5389 transaction.
fn deviations(out: &mut Vec<Vec<u8>>, id: &[u8]) {
    // RFC 3489 (OC2007): binary USERNAME (escaped in the summary), and the 20-byte
    // keepalive; NUL-padded USERNAME in RFC 5389.
    let mut b = Vec::new();
    tlv(&mut b, 0x0006, b"\xe6\x8e\x0d\x3c:1:\x0b\x22\xff\x01", true);
    out.push(finish(0x0001, &[0x54; 16], b));
    out.push(finish(0x0011, &[0x54; 16], Vec::new()));
    let mut b = Vec::new();
    tlv(&mut b, 0x0006, b"ab:cd\0\0\0", true);
    out.push(finish(0x0001, id, b));
    // MS-TURN in an RFC 5389 header (Teams): unpadded, 32-byte MESSAGE-INTEGRITY.
    let mut id = vec![0x21, 0x12, 0xA4, 0x42];
    id.extend_from_slice(&[7; 12]);
    let mut b = Vec::new();
    tlv(&mut b, 0x000F, &0x72C6_4BC6u32.to_be_bytes(), false);
    tlv(&mut b, 0x8008, &6u32.to_be_bytes(), false);
    tlv(&mut b, 0x0015, b"rtcmedia", false);
    tlv(&mut b, 0x0014, b"odd-nonce", false);
    tlv(&mut b, 0x8050, &[3; 24], false);
    tlv(&mut b, 0x8006, &[0, 0, 0, 2], false);
    tlv(&mut b, 0x0008, &[0xab; 32], false);
    out.push(finish(0x0003, &id, b));
    // WhatsApp: length 106, one unpadded attribute (a tolerated deviation).
    let mut b = Vec::new();
    tlv(&mut b, 0x4000, &[0x5a; 102], false);
    out.push(finish(0x0003, &id, b));
}

#[test]
fn parse_path_allocates_nothing() {
    let corpus = corpus();
    // Warm up anything lazily initialised (none expected) outside the counted region.
    for m in &corpus {
        parse_everything(m);
    }
    let mut seen = [false; 4];
    let mut total_fields = 0;
    let before = allocations();
    let mut checksum = 0usize;
    for m in &corpus {
        let (d, fields, sum) = parse_everything(m);
        seen[d.code() as usize - 1] = true;
        total_fields += fields;
        checksum = checksum.wrapping_add(sum);
    }
    let after = allocations();
    assert_eq!(after - before, 0, "heap allocations on the parse path");
    assert_eq!(seen, [true; 4], "every dialect covered");
    assert!(total_fields > 60, "fields decoded: {total_fields}");
    assert!(checksum > 0);
}

#[test]
fn counter_counts() {
    // The harness is live: an allocation on this thread is seen.
    let before = allocations();
    let v = std::hint::black_box(vec![1u8; 100]);
    assert!(allocations() > before);
    drop(v);
}

#[test]
fn checks_do_not_allocate() {
    let md5 = check::long_term_key("user", "example.org", "secret");
    let sha = check::long_term_key_sha256("user", "example.org", "secret");
    let msgs: Vec<(Dialect, Vec<u8>)> = vec![
        (
            Dialect::Rfc5389,
            MessageBuilder::new(Dialect::Rfc5389, 3, Class::Request, &[1; 12])
                .string(0x0006, "user")
                .string(0x0014, "example.org")
                .attr_u32(0x000D, 600)
                .message_integrity(&md5)
                .fingerprint()
                .finish(),
        ),
        (
            Dialect::Rfc5389,
            MessageBuilder::new(Dialect::Rfc5389, 3, Class::Request, &[2; 12])
                .string(0x0006, "user")
                .string(0x0014, "example.org")
                .password_algorithm(PasswordAlgorithm::Sha256)
                .message_integrity_sha256_truncated(&sha, 20)
                .fingerprint()
                .finish(),
        ),
        (
            Dialect::MsTurn,
            MessageBuilder::new(Dialect::MsTurn, 3, Class::Request, &[3; 16])
                .string(0x0006, "user")
                .string(0x0015, "example.org")
                .message_integrity(&md5)
                .finish(),
        ),
        (
            Dialect::MsTurn5389,
            MessageBuilder::new(Dialect::MsTurn5389, 3, Class::Request, &[4; 12])
                .string(0x0006, "user")
                .string(0x0015, "example.org")
                .message_integrity_ms_sha256(&md5)
                .finish(),
        ),
    ];
    // The WLM2009 FINGERPRINT variant (checked after the standard value fails): the
    // first message where the two differ.
    let wlm = (0u32..)
        .map(|p| {
            MessageBuilder::new(Dialect::Rfc5389, 1, Class::Request, &[4; 12])
                .attr_u32(0x0024, p)
                .fingerprint_wlm2009()
                .finish()
        })
        .find(|b| check::check_fingerprint(b, b.len() - 8) == Status::GoodWlm2009)
        .unwrap();
    let ms_tcp = build::ms_tcp_without_length(build::MsTcpType::Data, &msgs[2].1);
    let creds = [("user", "example.org", "secret")];
    let mut goods = 0;
    let n = allocations_in(|| {
        for (d, b) in &msgs {
            let msg = Message::new_checked(&b[..]).unwrap();
            let r = check::verify(&msg, &creds[..]);
            goods += [r.fingerprint, r.integrity, r.integrity_sha256]
                .iter()
                .filter(|s| **s == Some(Status::Good))
                .count();
            let auth = check::auth_info(b, *d);
            if let Some(o) = auth.integrity {
                goods += usize::from(check::check_integrity(b, o, &md5) == Status::Good);
                goods += usize::from(
                    check::check_integrity(b, o, b"short-term password") == Status::Bad,
                );
            }
            if let Some(o) = auth.fingerprint {
                goods += usize::from(check::check_fingerprint(b, o) == Status::Good);
            }
        }
    });
    let n2 = allocations_in(|| {
        goods += usize::from(check::check_fingerprint(&wlm, wlm.len() - 8) == Status::GoodWlm2009);
        goods += usize::from(detect(Transport::Tcp, &ms_tcp).is_some());
        goods += usize::from(msstun::detect::is_classic_keepalive(&wlm[..20]));
    });
    assert_eq!(n, 0, "checks allocated {n} times");
    assert_eq!(n2, 0, "WLM2009 check / MS-TCP framing allocated {n2} times");
    assert_eq!(goods, 16);
}

#[test]
fn framing_detect_and_stream_decoder_allocate_nothing() {
    // Build the input first (allocates), then measure.
    let a = MessageBuilder::new(Dialect::Rfc5389, 3, Class::Request, &[1; 12])
        .attr(0x0019, &[17, 0, 0, 0])
        .attr_u32(0x000D, 600)
        .finish();
    let mut st = build::rfc4571(&a);
    st.extend_from_slice(b"\x80garbage");
    st.extend_from_slice(&build::rfc4571(&a));
    st.extend_from_slice(&build::rfc4571(&[
        0x80, 0x60, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]));
    let ok =
        MessageBuilder::new(Dialect::Rfc5389, 0x00b, Class::SuccessResponse, &[2; 12]).finish();
    let mut conn = ConnectionDecoder::with_capacity(Transport::Tcp, 256);
    let mut plain = StreamDecoder::new(Transport::Tcp);
    let mut fed = StreamDecoder::new(Transport::Tcp);

    let mut popped = 0usize;
    let n = allocations_in(|| {
        for _ in 0..50 {
            assert!(detect(Transport::Tcp, &st).is_some());
            assert!(matches!(
                next_pdu(Framing::Rfc4571, Transport::Tcp, &st),
                PduResult::Complete { .. }
            ));
            for chunk in st.chunks(13) {
                let mut rest = chunk;
                while !rest.is_empty() {
                    let n = plain.push(rest);
                    rest = &rest[n..];
                    while let Some(d) = plain.pop() {
                        popped += d.bytes.len();
                    }
                }
            }
            // The same stream fed: items cut in place, the tails buffered.
            for chunk in st.chunks(29) {
                fed.feed(chunk, |d| popped += d.bytes.len());
            }
            // RFC 6062: ConnectionBind success one way, then data both ways.
            conn.push(Direction::ServerToClient, &ok);
            while let Some(d) = conn.pop(Direction::ServerToClient) {
                popped += d.bytes.len();
            }
            for dir in [Direction::ClientToServer, Direction::ServerToClient] {
                for chunk in st.chunks(29) {
                    conn.push(dir, chunk);
                    while let Some(d) = conn.pop(dir) {
                        popped += d.bytes.len();
                    }
                }
            }
        }
    });
    assert!(popped > 0);
    assert!(conn.client_to_server.is_data_connection());
    assert_eq!(n, 0, "the decode path must not allocate");
}
