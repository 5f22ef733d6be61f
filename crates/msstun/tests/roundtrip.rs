//! Property tests: build → parse → same values, for every attribute the registry
//! knows in every dialect, with and without integrity/fingerprint, in every
//! framing; and no panic on arbitrary bytes anywhere in the parse/check path.

use std::net::{IpAddr, SocketAddr};

use msstun::build::{self, MessageBuilder};
use msstun::check::{self, Status};
use msstun::framing::{next_pdu, Framing, PduKind, PduResult, Transport};
use msstun::registry::{self, AttrDesc, FieldKind, Layout};
use msstun::{Class, Dialect, FieldValue, Message, MAGIC_COOKIE};
use proptest::prelude::*;

/// Deterministic values drawn from proptest-supplied bytes (so shrinking works).
struct Ent<'a> {
    b: &'a [u8],
    i: usize,
}

impl Ent<'_> {
    fn u8(&mut self) -> u8 {
        let v = self.b.get(self.i).copied().unwrap_or(self.i as u8);
        self.i += 1;
        v
    }
    fn coin(&mut self) -> bool {
        self.u8() & 1 == 0
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.u8()).collect()
    }
    fn text(&mut self, max: usize) -> String {
        const CHARS: &[char] = &[
            'a', 'Z', '0', ' ', ':', '/', 'é', 'ß', 'マ', 'ト', '€', '😀',
        ];
        let n = self.u8() as usize % (max + 1);
        (0..n)
            .map(|_| CHARS[self.u8() as usize % CHARS.len()])
            .collect()
    }
    fn addr(&mut self) -> SocketAddr {
        let ip: IpAddr = if self.coin() {
            IpAddr::from(<[u8; 4]>::try_from(self.bytes(4)).unwrap())
        } else {
            IpAddr::from(<[u8; 16]>::try_from(self.bytes(16)).unwrap())
        };
        SocketAddr::new(ip, self.u16())
    }
}

/// What an attribute should decode to.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Addr(SocketAddr),
    ErrorCode(u16, String),
    Number(u64),
    Text(String),
    Bytes(Vec<u8>),
    Flag,
    List(Vec<u16>),
    Algorithms(Vec<u16>),
}

fn width(kind: FieldKind) -> usize {
    match kind {
        FieldKind::U8 | FieldKind::Bool => 1,
        FieldKind::U16 => 2,
        FieldKind::U64 => 8,
        _ => 4,
    }
}

/// Append one attribute of `desc` with a value drawn from `e`.
fn add(b: MessageBuilder, desc: &AttrDesc, e: &mut Ent) -> (MessageBuilder, Expect) {
    let c = desc.code;
    match desc.layout {
        Layout::Address => {
            let a = e.addr();
            (b.address(c, a), Expect::Addr(a))
        }
        Layout::XorAddress => {
            let a = e.addr();
            (b.xor_address(c, a), Expect::Addr(a))
        }
        Layout::ErrorCode => {
            let code = 300 + e.u16() % 400;
            let reason = e.text(20);
            (b.error_code(code, &reason), Expect::ErrorCode(code, reason))
        }
        Layout::Number(f) => {
            let w = width(f.kind);
            let raw = e.bytes(w);
            let v = raw.iter().fold(0u64, |a, &x| (a << 8) | x as u64);
            (b.attr(c, &raw), Expect::Number(v))
        }
        Layout::Text(_) => {
            let s = e.text(40);
            (b.string(c, &s), Expect::Text(s))
        }
        Layout::Opaque(_) => {
            let n = e.u8() as usize % 48;
            let v = e.bytes(n);
            (b.attr(c, &v), Expect::Bytes(v))
        }
        Layout::Flag => (b.flag(c), Expect::Flag),
        Layout::U16List(_) => {
            let n = e.u8() as usize % 6;
            let l: Vec<u16> = (0..n).map(|_| e.u16()).collect();
            (b.attr_u16_list(c, &l), Expect::List(l))
        }
        Layout::Struct(parts) => {
            let fixed = parts
                .iter()
                .map(|p| p.offset as usize + p.len as usize)
                .max()
                .unwrap_or(0);
            let open = parts.iter().any(|p| p.len == 0);
            let total = fixed + if open { e.u8() as usize % 24 } else { 0 };
            let mut v = e.bytes(total);
            for p in parts.iter().filter(|p| p.field.kind == FieldKind::Str) {
                let end = if p.len == 0 {
                    total
                } else {
                    p.offset as usize + p.len as usize
                };
                for x in &mut v[p.offset as usize..end] {
                    *x = b'a' + *x % 26;
                }
            }
            (b.attr(c, &v), Expect::Bytes(v))
        }
        Layout::PasswordAlgorithms => {
            let n = e.u8() as usize % 4;
            let algs: Vec<u16> = (0..n).map(|_| e.u16() % 3).collect();
            let v: Vec<u8> = algs
                .iter()
                .flat_map(|a| [(a >> 8) as u8, *a as u8, 0, 0])
                .collect();
            (b.attr(c, &v), Expect::Algorithms(algs))
        }
        Layout::Fingerprint | Layout::Integrity => unreachable!("filtered out"),
    }
}

/// The attributes a random message of `dialect` may carry: the registry's own
/// entries for that dialect, minus the computed ones and MAGIC-COOKIE (which the
/// builder places itself).
fn candidates(dialect: Dialect) -> Vec<&'static AttrDesc> {
    registry::ATTRIBUTES
        .iter()
        .filter(|a| a.dialects.contains(dialect))
        .filter(|a| registry::attribute(dialect, a.code) == Some(*a))
        .filter(|a| !matches!(a.layout, Layout::Fingerprint | Layout::Integrity))
        .filter(|a| a.code != msstun::message::ATTR_MS_MAGIC_COOKIE)
        .collect()
}

fn check_attr(a: &msstun::Attribute, desc: &AttrDesc, want: &Expect) {
    assert_eq!(a.code, desc.code);
    assert_eq!(a.desc, Some(desc), "{}", desc.name);
    let fields: Vec<_> = a
        .fields()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", desc.name));
    match want {
        Expect::Addr(addr) => {
            let got = a.address().expect("address layout").expect("valid address");
            assert_eq!(
                (got.ip, got.port),
                (addr.ip(), addr.port()),
                "{}",
                desc.name
            );
            assert_eq!(got.family, if addr.is_ipv4() { 1 } else { 2 });
        }
        Expect::Algorithms(algs) => {
            assert_eq!(fields.len(), 2 * algs.len(), "{}", desc.name);
            for (k, alg) in algs.iter().enumerate() {
                assert_eq!(fields[2 * k].value, FieldValue::Uint(*alg as u64));
                assert_eq!(fields[2 * k + 1].value, FieldValue::Uint(0));
            }
        }
        Expect::ErrorCode(code, reason) => {
            assert_eq!(a.error_code(), Some((*code, reason.as_str())));
        }
        Expect::Number(v) => {
            assert_eq!(fields.len(), 1, "{}", desc.name);
            assert_eq!(fields[0].value, FieldValue::Uint(*v), "{}", desc.name);
        }
        Expect::Text(s) => {
            assert_eq!(a.as_str(), Some(s.as_str()));
            assert_eq!(fields[0].value, FieldValue::Str(s));
        }
        Expect::Bytes(v) => {
            assert_eq!(a.value, &v[..], "{}", desc.name);
            if let Layout::Struct(parts) = desc.layout {
                assert_eq!(fields.len(), parts.len(), "{}", desc.name);
                for (f, p) in fields.iter().zip(parts) {
                    let start = p.offset as usize;
                    let end = if p.len == 0 {
                        v.len()
                    } else {
                        start + p.len as usize
                    };
                    assert_eq!(
                        (f.offset, f.len),
                        (a.value_offset() + start, end - start),
                        "{}.{}",
                        desc.name,
                        p.field.key
                    );
                    if let FieldValue::Uint(n) = f.value {
                        let raw = v[start..end]
                            .iter()
                            .fold(0u64, |acc, &x| (acc << 8) | x as u64);
                        assert_eq!(n, p.apply_mask(raw), "{}.{}", desc.name, p.field.key);
                    }
                }
            } else {
                assert_eq!(fields[0].value, FieldValue::Bytes(v));
            }
        }
        Expect::Flag => {
            assert!(a.value.is_empty());
            assert!(fields.is_empty());
        }
        Expect::List(l) => {
            let got: Vec<u64> = fields
                .iter()
                .map(|f| match f.value {
                    FieldValue::Uint(n) => n,
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(got, l.iter().map(|&x| x as u64).collect::<Vec<_>>());
        }
    }
}

fn tid_for(dialect: Dialect, e: &mut Ent) -> Vec<u8> {
    match dialect {
        Dialect::Rfc5389 | Dialect::MsTurn5389 => e.bytes(12),
        _ => {
            let mut t = e.bytes(16);
            if t[..4] == MAGIC_COOKIE.to_be_bytes() {
                t[0] ^= 0xFF;
            }
            t
        }
    }
}

/// Build a random message from `seed`: dialect, method, class, attributes, then
/// optionally MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT. Returns the bytes and
/// the expectations.
/// A built message and what it should decode to.
struct Built {
    bytes: Vec<u8>,
    dialect: Dialect,
    want: Vec<(&'static AttrDesc, Expect)>,
    key: Option<Vec<u8>>,
    fingerprint: bool,
}

fn random_message(seed: &[u8]) -> Built {
    let mut e = Ent { b: seed, i: 0 };
    let dialect = Dialect::ALL[e.u8() as usize % Dialect::ALL.len()];
    let method = match dialect {
        Dialect::MsTurn | Dialect::MsTurn5389 => [1, 3, 4, 5, 6][e.u8() as usize % 5],
        _ => registry::METHODS[e.u8() as usize % registry::METHODS.len()].code,
    };
    let class = Class::from_bits(e.u8());
    let tid = tid_for(dialect, &mut e);
    let mut b = MessageBuilder::new(dialect, method, class, &tid);
    let cands = candidates(dialect);
    let n = e.u8() as usize % 10;
    let mut want = Vec::new();
    for _ in 0..n {
        let d = cands[e.u16() as usize % cands.len()];
        let (nb, x) = add(b, d, &mut e);
        b = nb;
        want.push((d, x));
    }
    let key = if e.coin() {
        let n = 1 + e.u8() as usize % 40;
        Some(e.bytes(n))
    } else {
        None
    };
    if let Some(k) = &key {
        b = if dialect.is_ms_turn() && e.coin() {
            // [MS-TURN] MS-Version 3+: 32-byte HMAC-SHA256 in 0x0008.
            b.message_integrity_ms_sha256(k)
        } else {
            b.message_integrity(k)
        };
        if dialect == Dialect::Rfc5389 && e.coin() {
            b = b.message_integrity_sha256(k);
        }
    }
    let fp = e.coin();
    if fp {
        b = b.fingerprint();
    }
    Built {
        bytes: b.finish(),
        dialect,
        want,
        key,
        fingerprint: fp,
    }
}

#[test]
fn every_dialect_has_candidates_of_every_layout() {
    for d in Dialect::ALL {
        let c = candidates(d);
        assert!(c.len() >= 10, "{d:?}: {}", c.len());
        eprintln!("{d:?}: {} attribute types in the round trip", c.len());
    }
    let all: Vec<_> = Dialect::ALL.iter().flat_map(|&d| candidates(d)).collect();
    let has = |f: fn(&Layout) -> bool| all.iter().any(|a| f(&a.layout));
    assert!(has(|l| matches!(l, Layout::Address)));
    assert!(has(|l| matches!(l, Layout::XorAddress)));
    assert!(has(|l| matches!(l, Layout::ErrorCode)));
    assert!(has(|l| matches!(l, Layout::Number(_))));
    assert!(has(|l| matches!(l, Layout::Text(_))));
    assert!(has(|l| matches!(l, Layout::Opaque(_))));
    assert!(has(|l| matches!(l, Layout::Flag)));
    assert!(has(|l| matches!(l, Layout::U16List(_))));
    assert!(has(|l| matches!(l, Layout::Struct(_))));
    assert!(has(|l| matches!(l, Layout::PasswordAlgorithms)));
}

/// Every attribute of every dialect, one message each, decodes to what was built.
#[test]
fn every_registered_attribute_roundtrips() {
    for d in Dialect::ALL {
        for desc in candidates(d) {
            for seed in 0..8u8 {
                let entropy: Vec<u8> = (0..64u8)
                    .map(|i| seed.wrapping_mul(31).wrapping_add(i.wrapping_mul(7)))
                    .collect();
                let mut e = Ent { b: &entropy, i: 0 };
                let tid = tid_for(d, &mut e);
                let (b, want) = add(
                    MessageBuilder::new(d, 1, Class::Request, &tid),
                    desc,
                    &mut e,
                );
                let bytes = b.fingerprint().finish();
                let msg = Message::new_checked(&bytes[..]).unwrap();
                assert_eq!(msg.dialect(), d);
                let a = msg
                    .attributes()
                    .map(Result::unwrap)
                    .find(|a| a.code == desc.code)
                    .unwrap();
                check_attr(&a, desc, &want);
                assert_eq!(check::fingerprint_status(&msg), Some(Status::Good));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn build_parse_roundtrip(seed in proptest::collection::vec(any::<u8>(), 0..600)) {
        let Built { bytes, dialect, want, key, fingerprint: fp } = random_message(&seed);
        let msg = Message::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(msg.dialect(), dialect);
        prop_assert_eq!(msg.total_len(), bytes.len());
        let attrs: Vec<_> = msg.attributes().collect::<Result<_, _>>().unwrap();
        let skip = usize::from(dialect.is_ms_turn());
        if skip == 1 {
            prop_assert_eq!(attrs[0].code, msstun::message::ATTR_MS_MAGIC_COOKIE);
            prop_assert_eq!(attrs[0].as_u32(), Some(msstun::message::MS_TURN_MAGIC_COOKIE));
        }
        for (a, (d, x)) in attrs[skip..].iter().zip(&want) {
            check_attr(a, d, x);
        }
        let extra = usize::from(key.is_some())
            + usize::from(check::auth_info(&bytes, dialect).integrity_sha256.is_some())
            + usize::from(fp);
        prop_assert_eq!(attrs.len(), skip + want.len() + extra);
        let auth = check::auth_info(&bytes, dialect);
        if let Some(k) = &key {
            prop_assert_eq!(check::check_integrity(&bytes, auth.integrity.unwrap(), k), Status::Good);
            if let Some(o) = auth.integrity_sha256 {
                prop_assert_eq!(check::check_integrity(&bytes, o, k), Status::Good);
            }
        }
        prop_assert_eq!(check::fingerprint_status(&msg), fp.then_some(Status::Good));
        // Each framing delivers the same bytes back.
        for framing in Framing::ALL {
            let wire = build::frame(framing, &bytes);
            match next_pdu(framing, Transport::Tcp, &wire) {
                PduResult::Complete { len, kind: PduKind::Stun { message, .. } } => {
                    prop_assert_eq!(len, wire.len());
                    prop_assert_eq!(message.get(&wire), Some(&bytes[..]));
                }
                other => prop_assert!(false, "{:?}: {:?}", framing, other),
            }
        }
    }

    #[test]
    fn channel_data_roundtrip(channel in 0x4000u16..=0x7FFF, data in proptest::collection::vec(any::<u8>(), 0..100), pad: bool) {
        let wire = build::channel_data(channel, &data, pad);
        let transport = if pad { Transport::Tcp } else { Transport::Udp };
        match next_pdu(Framing::Plain, transport, &wire) {
            PduResult::Complete { len, kind: PduKind::ChannelData { channel: ch, data: d } } => {
                prop_assert_eq!(len, wire.len());
                prop_assert_eq!(ch, channel);
                prop_assert_eq!(d.get(&wire), Some(&data[..]));
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    /// Arbitrary bytes never panic anywhere in parse → attributes → fields → checks
    /// → summary → framing → detection.
    #[test]
    fn no_panic_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        exercise(&data);
    }

    /// Valid headers with random attribute soup (reaches much deeper than pure noise).
    #[test]
    fn no_panic_on_attribute_soup(dialect in 0usize..Dialect::ALL.len(), body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let d = Dialect::ALL[dialect];
        let mut b = MessageBuilder::new(d, 1, Class::Request, &vec![0x11; if d.has_cookie() { 12 } else { 16 }]).finish();
        b.extend_from_slice(&body);
        let len = (b.len() - 20) as u16;
        b[2..4].copy_from_slice(&len.to_be_bytes());
        exercise(&b);
    }

    /// Valid messages with a few bytes flipped or cut.
    #[test]
    fn no_panic_on_mutated_messages(seed in proptest::collection::vec(any::<u8>(), 0..300), flips in proptest::collection::vec((any::<u16>(), any::<u8>()), 0..6), cut in any::<u16>()) {
        let mut bytes = random_message(&seed).bytes;
        for (at, x) in flips {
            let n = bytes.len();
            bytes[at as usize % n] ^= x;
        }
        let keep = bytes.len() - (cut as usize % 8).min(bytes.len());
        exercise(&bytes[..keep]);
        exercise(&bytes);
    }
}

/// Touch everything that reads bytes.
fn exercise(data: &[u8]) {
    let creds = [("user", "realm", "pw"), ("evtj:h6vY", "", "pw")];
    if let Ok(msg) = Message::new_checked(data) {
        let _ = (
            msg.dialect(),
            msg.method_class(),
            msg.transaction_id(),
            msg.cookie(),
        );
        for a in msg.attributes() {
            let Ok(a) = a else { continue };
            let _ = (
                a.name(),
                a.address(),
                a.error_code(),
                a.as_u32(),
                a.as_str(),
                a.padding(),
            );
            for f in a.fields() {
                let _ = f;
            }
            let _ = check::check_integrity(msg.bytes(), a.offset, b"pw");
            let _ = check::check_fingerprint(msg.bytes(), a.offset);
            let _ = check::integrity_status(msg.bytes(), msg.dialect(), a.offset, &creds[..]);
        }
        let _ = check::verify(&msg, &creds[..]);
        let _ = msstun::summary::Summary::new(&msg).to_string();
    }
    for off in [0, 19, 20, 21, data.len().saturating_sub(8), data.len()] {
        let _ = check::check_fingerprint(data, off);
        let _ = check::check_integrity(data, off, b"k");
    }
    for framing in Framing::ALL {
        for transport in [Transport::Tcp, Transport::Udp] {
            let _ = next_pdu(framing, transport, data);
            let _ = msstun::detect::detect_framing(framing, transport, data);
        }
    }
    for transport in [Transport::Tcp, Transport::Udp] {
        let _ = msstun::detect::detect(transport, data);
    }
    let _ = msstun::detect::stun_dialect(data);
}
