//! Full-decode benchmark: msstun side by side with `stun_codec`, webrtc-rs `stun` and
//! `stun-types`, all decoding the same bytes in the same run.
//!
//! "Full decode" = header (type, method/class, transaction id), every attribute turned
//! into typed values (addresses with XOR undone, error code and reason, strings, numbers)
//! and FINGERPRINT checked. Each peer does it with its own API; attributes a peer has no
//! type for are read as raw numbers/bytes. The peers only know RFC 5389-style messages,
//! so the comparison corpus is standard STUN/TURN/ICE/RFC 6062; msstun is measured on
//! the [MS-TURN]/[MS-ICE2] corpus too, on its own.
//!
//! Run: `cargo bench -p msstun --bench decode` (set `MSSTUN_BENCH_QUICK=1` for a short run).
//! After criterion's report it prints a table: messages/s per decoder and msstun's ratio
//! to the fastest peer.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use msstun::build::MessageBuilder;
use msstun::check::{check_fingerprint, Status};
use msstun::{Class, Dialect, FieldValue, Message};

// ------------------------------------------------------------------ corpus

fn addr(i: usize, v6: bool) -> SocketAddr {
    let port = 1024 + (i * 7919 % 60000) as u16;
    if v6 {
        SocketAddr::new(
            IpAddr::V6(Ipv6Addr::new(
                0x2001,
                0xdb8,
                i as u16,
                0,
                0,
                0,
                0,
                1 + i as u16,
            )),
            port,
        )
    } else {
        SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(10, 48, (i >> 8) as u8, i as u8)),
            port,
        )
    }
}

fn tid(i: usize) -> [u8; 12] {
    let mut t = [0u8; 12];
    for (k, b) in t.iter_mut().enumerate() {
        *b = (i * 31 + k * 17) as u8;
    }
    t
}

const KEY: &[u8] = b"0123456789abcdef";

/// A few hundred realistic standard messages, each ending with FINGERPRINT.
fn standard_corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for i in 0..300 {
        let t = tid(i);
        let user = format!("turn-user-{}", i % 17);
        let nonce = format!("{:032x}", i * 0x9e37_79b9);
        let b = |m: u16, c: Class| MessageBuilder::new(Dialect::Rfc5389, m, c, &t);
        let m = match i % 10 {
            0 => b(0x003, Class::Request)
                .attr(0x0019, &[6, 0, 0, 0])
                .attr_u32(0x000D, 600)
                .string(0x8022, "CMS client 2.3"),
            1 => b(0x003, Class::ErrorResponse)
                .error_code(401, "Unauthorized")
                .string(0x0015, &nonce)
                .string(0x0014, "TANDBERG")
                .string(0x8022, "TANDBERG/4352 (X8.9)"),
            2 => b(0x003, Class::Request)
                .attr(0x0019, &[6, 0, 0, 0])
                .attr_u32(0x000D, 600)
                .string(0x0006, &user)
                .string(0x0014, "TANDBERG")
                .string(0x0015, &nonce)
                .message_integrity(KEY),
            3 => b(0x003, Class::SuccessResponse)
                .xor_address(0x0016, addr(i, false))
                .xor_address(0x0020, addr(i + 1, i % 20 == 3))
                .attr_u32(0x000D, 600)
                .string(0x8022, "TANDBERG/4352 (X8.9)")
                .message_integrity(KEY),
            4 => b(0x004, Class::Request)
                .attr_u32(0x000D, 600)
                .string(0x0006, &user)
                .string(0x0014, "TANDBERG")
                .string(0x0015, &nonce)
                .message_integrity(KEY),
            5 => b(0x004, Class::SuccessResponse)
                .attr_u32(0x000D, 600)
                .message_integrity(KEY),
            6 => b(0x00c, Class::Indication)
                .attr_u32(0x002A, i as u32)
                .xor_address(0x0012, addr(i, false)),
            7 => b(0x00b, Class::Request)
                .attr_u32(0x002A, i as u32)
                .string(0x0006, &user)
                .string(0x0014, "TANDBERG")
                .string(0x0015, &nonce)
                .message_integrity(KEY),
            8 => b(0x001, Class::Request)
                .string(0x0006, &format!("{user}:remote{i}"))
                .attr_u32(0x0024, 0x6eff_ffff)
                .attr_u64(0x802A, 0x1234_5678_9abc_def0 ^ i as u64)
                .flag(0x0025)
                .message_integrity(KEY),
            _ => b(0x001, Class::SuccessResponse)
                .xor_address(0x0020, addr(i, i % 20 == 9))
                .message_integrity(KEY),
        };
        out.push(m.fingerprint().finish());
    }
    out
}

/// Legacy [MS-TURN] and [MS-ICE2] messages: msstun only (the peers do not know them).
fn ms_corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for i in 0..200 {
        let mut t16 = [0u8; 16];
        t16[4..].copy_from_slice(&tid(i));
        let m = match i % 4 {
            0 => MessageBuilder::new(Dialect::MsTurn, 0x003, Class::Request, &t16)
                .attr_u32(0x8008, 2)
                .string(0x0006, "AgAAJKkFdOQB2fhpGx1sHvnd")
                .attr_u32(0x0010, 1000)
                .attr_u32(0x000D, 480)
                .message_integrity(KEY),
            1 => MessageBuilder::new(Dialect::MsTurn, 0x003, Class::SuccessResponse, &t16)
                .address(0x0016, addr(i, false))
                .xor_address(0x8020, addr(i + 3, false))
                .attr_u32(0x000D, 480)
                .attr_u32(0x0010, 1000)
                .message_integrity(KEY),
            2 => {
                let mut seq = [0u8; 24];
                seq[20..].copy_from_slice(&(i as u32).to_be_bytes());
                MessageBuilder::new(Dialect::MsTurn, 0x004, Class::Request, &t16)
                    .address(0x0011, addr(i, false))
                    .attr(0x0013, &[0x80; 172])
                    .attr(0x8050, &seq)
                    .message_integrity(KEY)
            }
            _ => MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &tid(i))
                .string(0x0006, "L2b4:Jm7r")
                .attr_u32(0x0024, 0x6eff_ffff)
                .string(0x8054, &format!("{:04}", i))
                .attr_u32(0x8070, 2)
                .attr_u64(0x8029, i as u64)
                .message_integrity(KEY)
                .fingerprint(),
        };
        out.push(m.finish());
    }
    out
}

// ------------------------------------------------------------------ decoders

/// msstun: header, every attribute's typed fields, FINGERPRINT checked.
fn msstun_decode(bytes: &[u8]) -> Option<u64> {
    let msg = Message::new_checked(bytes).ok()?;
    let (method, class) = msg.method_class();
    let mut acc = method.code as u64 + class.bits() as u64 + msg.transaction_id()[0] as u64;
    for a in msg.attributes() {
        let a = a.ok()?;
        for f in a.fields() {
            let f = f.ok()?;
            acc += match f.value {
                FieldValue::Uint(n) => n,
                FieldValue::Bool(b) => b as u64,
                FieldValue::Ipv4(a) => a[3] as u64,
                FieldValue::Ipv6(a) => a[15] as u64,
                FieldValue::Str(s) => s.len() as u64,
                FieldValue::Bytes(b) => b.len() as u64,
            };
        }
        if a.code == 0x8028 && check_fingerprint(msg.bytes(), a.offset) != Status::Good {
            return None;
        }
    }
    Some(acc)
}

mod codec {
    use stun_codec::define_attribute_enums;
    use stun_codec::rfc5245::attributes::*;
    use stun_codec::rfc5389::attributes::*;
    use stun_codec::rfc5766::attributes::*;

    define_attribute_enums!(
        Attr,
        AttrDecoder,
        AttrEncoder,
        [
            MappedAddress,
            Username,
            MessageIntegrity,
            ErrorCode,
            UnknownAttributes,
            Realm,
            Nonce,
            XorMappedAddress,
            XorMappedAddress2,
            Software,
            AlternateServer,
            Fingerprint,
            ChannelNumber,
            Lifetime,
            XorPeerAddress,
            Data,
            XorRelayAddress,
            EvenPort,
            RequestedTransport,
            DontFragment,
            ReservationToken,
            Priority,
            UseCandidate,
            IceControlled,
            IceControlling
        ]
    );
}

/// stun_codec: its decoder types every attribute it knows (FINGERPRINT is verified in
/// the attribute's `after_decode`); unknown ones are kept raw.
fn stun_codec_decode(bytes: &[u8]) -> Option<u64> {
    use bytecodec::DecodeExt;
    use codec::Attr;
    use stun_codec::Attribute as _;
    let mut dec = stun_codec::MessageDecoder::<Attr>::new();
    let msg = dec.decode_from_bytes(bytes).ok()?.ok()?;
    let mut acc = msg.method().as_u16() as u64 + msg.transaction_id().as_bytes()[0] as u64;
    for a in msg.attributes() {
        acc += match a {
            Attr::XorMappedAddress(x) => x.address().port() as u64,
            Attr::XorPeerAddress(x) => x.address().port() as u64,
            Attr::XorRelayAddress(x) => x.address().port() as u64,
            Attr::MappedAddress(x) => x.address().port() as u64,
            Attr::Username(x) => x.name().len() as u64,
            Attr::Realm(x) => x.text().len() as u64,
            Attr::Nonce(x) => x.value().len() as u64,
            Attr::Software(x) => x.description().len() as u64,
            Attr::ErrorCode(x) => x.code() as u64 + x.reason_phrase().len() as u64,
            Attr::Lifetime(x) => x.lifetime().as_secs(),
            Attr::Priority(x) => x.prio() as u64,
            Attr::IceControlling(x) => x.prio(),
            Attr::Fingerprint(x) => x.crc32() as u64,
            other => black_box(other).get_type().as_u16() as u64,
        };
    }
    for r in msg.unknown_attributes() {
        acc += r.value().len() as u64;
    }
    Some(acc)
}

/// webrtc-rs `stun`: unmarshal, then each attribute through its typed getter where the
/// crate has one, raw value otherwise; FINGERPRINT checked.
fn webrtc_decode(bytes: &[u8]) -> Option<u64> {
    use stun::attributes::*;
    use stun::error_code::ErrorCodeAttribute;
    use stun::fingerprint::FINGERPRINT;
    use stun::message::{Getter, Message};
    use stun::textattrs::TextAttribute;
    use stun::xoraddr::XorMappedAddress;
    let mut m = Message::new();
    m.unmarshal_binary(bytes).ok()?;
    let mut acc = m.typ.value() as u64 + m.transaction_id.0[0] as u64;
    let types: Vec<AttrType> = m.attributes.0.iter().map(|a| a.typ).collect();
    for t in types {
        acc += match t {
            ATTR_XORMAPPED_ADDRESS | ATTR_XOR_PEER_ADDRESS | ATTR_XOR_RELAYED_ADDRESS => {
                let mut x = XorMappedAddress::default();
                x.get_from_as(&m, t).ok()?;
                x.port as u64
            }
            ATTR_MAPPED_ADDRESS => {
                let mut x = stun::addr::MappedAddress::default();
                x.get_from_as(&m, t).ok()?;
                x.port as u64
            }
            ATTR_USERNAME | ATTR_REALM | ATTR_NONCE | ATTR_SOFTWARE => {
                TextAttribute::get_from_as(&m, t).ok()?.text.len() as u64
            }
            ATTR_ERROR_CODE => {
                let mut e = ErrorCodeAttribute::default();
                e.get_from(&m).ok()?;
                e.code.0 as u64 + e.reason.len() as u64
            }
            ATTR_FINGERPRINT => {
                FINGERPRINT.check(&m).ok()?;
                1
            }
            _ => {
                let v = m.get(t).ok()?;
                match v.len() {
                    4 => u32::from_be_bytes(v[..4].try_into().ok()?) as u64,
                    8 => u64::from_be_bytes(v[..8].try_into().ok()?),
                    n => n as u64,
                }
            }
        };
    }
    Some(acc)
}

/// stun-types: `Message::from_bytes` validates the TLVs and FINGERPRINT; then every raw
/// attribute is converted to its typed form where the crate has one.
fn stun_types_decode(bytes: &[u8]) -> Option<u64> {
    use stun_types::attribute::*;
    use stun_types::message::Message;
    let msg = Message::from_bytes(bytes).ok()?;
    let tid = msg.transaction_id();
    let mut acc = msg.method().value() as u64 + msg.class() as u64;
    for (_, raw) in msg.iter_attributes() {
        acc += match raw.get_type().value() {
            0x0020 | 0x0012 | 0x0016 => XorSocketAddr::from_raw(&raw).ok()?.addr(tid).port() as u64,
            0x0001 => MappedSocketAddr::from_raw(&raw).ok()?.addr().port() as u64,
            0x0006 => Username::from_raw_ref(&raw).ok()?.username().len() as u64,
            0x0014 => Realm::from_raw_ref(&raw).ok()?.realm().len() as u64,
            0x0015 => Nonce::from_raw_ref(&raw).ok()?.nonce().len() as u64,
            0x8022 => Software::from_raw_ref(&raw).ok()?.software().len() as u64,
            0x0009 => {
                let e = ErrorCode::from_raw_ref(&raw).ok()?;
                e.code() as u64 + e.reason().len() as u64
            }
            0x0008 => MessageIntegrity::from_raw_ref(&raw).ok()?.hmac()[0] as u64,
            0x8028 => Fingerprint::from_raw_ref(&raw).ok()?.fingerprint()[0] as u64,
            _ => match raw.value.len() {
                4 => u32::from_be_bytes(raw.value[..4].try_into().ok()?) as u64,
                8 => u64::from_be_bytes(raw.value[..8].try_into().ok()?),
                n => n as u64,
            },
        };
    }
    Some(acc)
}

// ------------------------------------------------------------------ harness

type Decoder = fn(&[u8]) -> Option<u64>;

const PEERS: [(&str, Decoder); 3] = [
    ("stun_codec", stun_codec_decode),
    ("stun (webrtc-rs)", webrtc_decode),
    ("stun-types", stun_types_decode),
];

fn decode_all(f: Decoder, corpus: &[Vec<u8>]) -> u64 {
    let mut acc = 0u64;
    for m in corpus {
        acc = acc.wrapping_add(f(black_box(m)).unwrap_or(u64::MAX));
    }
    acc
}

/// Messages per second of each decoder: best of `rounds` timed passes of at least
/// `min` each, the decoders interleaved so that load from elsewhere on the machine
/// hits them alike.
fn rates(decoders: &[Decoder], corpus: &[Vec<u8>], min: Duration, rounds: usize) -> Vec<f64> {
    let mut best = vec![0f64; decoders.len()];
    for _ in 0..rounds {
        for (k, f) in decoders.iter().enumerate() {
            let start = Instant::now();
            let mut n = 0usize;
            while start.elapsed() < min {
                black_box(decode_all(*f, corpus));
                n += corpus.len();
            }
            best[k] = best[k].max(n as f64 / start.elapsed().as_secs_f64());
        }
    }
    best
}

fn main() {
    let quick = std::env::var_os("MSSTUN_BENCH_QUICK").is_some();
    let std_corpus = standard_corpus();
    let ms = ms_corpus();
    report_corpus(&std_corpus, &ms);
    if let Some(passes) = std::env::var_os("MSSTUN_BENCH_PROFILE") {
        profile(&passes, &std_corpus);
        return;
    }
    explain_rejects(&std_corpus, &ms);
    criterion_groups(quick, &std_corpus, &ms);
    side_by_side(quick, &std_corpus, &ms);
}

/// The corpora, and how many messages each decoder fully decodes (every decoder must decode
/// every message of the comparison corpus).
fn report_corpus(std_corpus: &[Vec<u8>], ms: &[Vec<u8>]) {
    let bytes: usize = std_corpus.iter().map(Vec::len).sum();
    let ok = |f: Decoder, c: &[Vec<u8>]| c.iter().filter(|m| f(m).is_some()).count();
    println!(
        "corpus: {} standard messages ({bytes} bytes), {} MS-TURN/MS-ICE2 messages",
        std_corpus.len(),
        ms.len()
    );
    println!(
        "  msstun decodes {}/{} standard, {}/{} MS",
        ok(msstun_decode, std_corpus),
        std_corpus.len(),
        ok(msstun_decode, ms),
        ms.len()
    );
    for (name, f) in PEERS {
        println!(
            "  {name} decodes {}/{} standard",
            ok(f, std_corpus),
            std_corpus.len()
        );
    }
}

/// `MSSTUN_BENCH_PROFILE=N`: a fixed number of passes, for perf.
fn profile(passes: &std::ffi::OsStr, std_corpus: &[Vec<u8>]) {
    // For perf: msstun alone, a fixed number of passes over the corpus (so that
    // `perf stat -e task-clock` can compare builds on a busy machine).
    let passes: usize = passes
        .to_str()
        .and_then(|p| p.parse().ok())
        .unwrap_or(10_000);
    // MSSTUN_BENCH_DECODER picks a peer instead (e.g. for callgrind instruction counts).
    let name = std::env::var("MSSTUN_BENCH_DECODER").unwrap_or_else(|_| "msstun".into());
    let f = PEERS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(msstun_decode as Decoder, |(_, f)| *f);
    let start = Instant::now();
    for _ in 0..passes {
        black_box(decode_all(f, std_corpus));
    }
    let n = passes * std_corpus.len();
    println!(
        "{name} {:.0} msg/s ({n} messages)",
        n as f64 / start.elapsed().as_secs_f64()
    );
}

/// The first messages msstun rejects, with why (none expected).
fn explain_rejects(std_corpus: &[Vec<u8>], ms: &[Vec<u8>]) {
    for m in ms
        .iter()
        .chain(std_corpus)
        .filter(|m| msstun_decode(m).is_none())
        .take(3)
    {
        let msg = Message::new_checked(&m[..]);
        let why: Vec<String> = msg
            .iter()
            .flat_map(|x| x.attributes())
            .flat_map(|a| match a {
                Err(e) => vec![format!("{e}")],
                Ok(a) => a
                    .fields()
                    .filter_map(|f| f.err())
                    .map(|e| format!("{:#06x}: {e}", a.code))
                    .collect(),
            })
            .collect();
        println!("  msstun rejects {:02x?}...: {why:?}", &m[..m.len().min(8)]);
    }
}

/// The criterion benchmark groups (quick with `MSSTUN_BENCH_QUICK`).
fn criterion_groups(quick: bool, std_corpus: &[Vec<u8>], ms: &[Vec<u8>]) {
    let mut c = Criterion::default().configure_from_args();
    if quick {
        c = c
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
            .sample_size(10);
    }
    {
        let mut g = c.benchmark_group("full_decode_standard");
        g.throughput(Throughput::Elements(std_corpus.len() as u64));
        g.bench_function("msstun", |b| {
            b.iter(|| decode_all(msstun_decode, std_corpus))
        });
        for (name, f) in PEERS {
            g.bench_function(name, |b| b.iter(|| decode_all(f, std_corpus)));
        }
        g.finish();
        let mut g = c.benchmark_group("full_decode_ms");
        g.throughput(Throughput::Elements(ms.len() as u64));
        g.bench_function("msstun", |b| b.iter(|| decode_all(msstun_decode, ms)));
        g.finish();
    }
    c.final_summary();
}

/// Side-by-side table with the ratio to the fastest peer.
fn side_by_side(quick: bool, std_corpus: &[Vec<u8>], ms: &[Vec<u8>]) {
    let min = Duration::from_millis(if quick { 100 } else { 300 });
    let rounds = if quick { 3 } else { 10 };
    let mut all: Vec<Decoder> = vec![msstun_decode];
    all.extend(PEERS.iter().map(|(_, f)| *f));
    let r = rates(&all, std_corpus, min, rounds);
    let ours = r[0];
    let peers: Vec<(&str, f64)> = PEERS
        .iter()
        .zip(&r[1..])
        .map(|((n, _), r)| (*n, *r))
        .collect();
    let fastest = peers
        .iter()
        .cloned()
        .fold(("none", 0f64), |a, b| if b.1 > a.1 { b } else { a });
    println!();
    println!("full decode (header + every attribute typed + FINGERPRINT), standard corpus, best of {rounds} interleaved rounds:");
    println!("  {:<18} {:>14.0} msg/s", "msstun", ours);
    for (n, r) in &peers {
        println!("  {:<18} {:>14.0} msg/s", n, r);
    }
    let ms_rate = rates(&[msstun_decode], ms, min, rounds)[0];
    println!("  msstun MS-TURN/MS-ICE2 corpus: {ms_rate:.0} msg/s");
    println!(
        "msstun / fastest peer ({}) = {:.2}x",
        fastest.0,
        ours / fastest.1
    );
}
