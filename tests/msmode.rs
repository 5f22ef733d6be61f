//! What real Microsoft-mode ICE/TURN clients send (issue 9, item 3): libnice's OC2007R2
//! and OC2007 modes doing ICE with each other on loopback, and asking coturn for a relay
//! the [MS-TURN] way (captured by `scripts/capture-msmode.sh` into `tests/captures/`),
//! plus encoder-made cases of the same five deviations:
//!
//! * a. binary USERNAME (OC2007 credentials are random bytes): escaped, no U+FFFD or
//!   control characters in Info, no "not valid UTF-8" warning;
//! * b. the 20-byte attribute-less Binding Indication with a 128-bit id (OC2007
//!   keepalive): decoded on a flow already seen carrying STUN, never claimed alone;
//! * c. FINGERPRINT with the WLM2009 CRC-32 table (OC2007R2 duplicates each check):
//!   status 3 and an expert note, never Bad;
//! * d. [MS-TURN] TCP framing without its length (libnice's TURN-over-TCP Allocate):
//!   decoded, with an expert note;
//! * e. NUL-padded USERNAME (OC2007R2): no trailing garbage in Info.

mod common;
use common::*;

use msstun::build::{self, MessageBuilder, MsTcpType};
use msstun::{Class, Dialect};
use msstun_fixtures::capture::{sa, Capture, Dir};
use std::path::PathBuf;

/// msstun.att.fingerprint.status of the WLM2009 variant.
const GOOD_WLM2009: u64 = 3;
/// msstun.dialect of RFC 3489.
const RFC3489: u64 = 2;

fn capture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/captures")
        .join(name)
}

/// No control character, U+FFFD or trailing space in an Info text.
fn assert_clean_info(frame: u32, info: &str) {
    assert!(
        !info.chars().any(|c| c.is_control() || c == '\u{fffd}'),
        "frame {frame}: Info {info:?}"
    );
    assert_eq!(info, info.trim_end(), "frame {frame}: trailing blanks");
}

/// Frames of UDP/TCP payload that are not msstun, other than the agents' own data
/// datagrams ("msmode hello from agent N") and bare TCP segments.
fn unclaimed(run: &Run) -> Vec<u32> {
    run.frames("(udp || tcp.len > 0) && !msstun && !(frame contains \"msmode hello\") && !icmp")
}

fn experts_of(run: &Run) -> Vec<String> {
    expert(run).into_iter().map(|(_, m)| m).collect()
}

#[test]
fn oc2007r2_capture() {
    let run = Run::from_file(&capture("msmode-oc2007r2.pcapng"), &[]);
    assert_eq!(
        unclaimed(&run),
        Vec::<u32>::new(),
        "every STUN frame is msstun"
    );
    let rows = run.fields(
        Some("msstun"),
        &[
            "msstun.class",
            "msstun.transaction_id",
            "msstun.att.fingerprint.status",
            "msstun.att.username",
            "_ws.col.Info",
        ],
    );
    assert!(rows.len() >= 10, "{rows:?}");
    let mut statuses = Vec::new();
    let mut by_txid: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for (f, r) in &rows {
        assert_clean_info(*f, &r[4].join(" "));
        for u in &r[3] {
            // e: "/gjr:t1if\0\0\0" on the wire.
            assert!(
                !u.is_empty() && !u.contains('\\') && !u.ends_with(' '),
                "{f}: {u:?}"
            );
        }
        for s in nums(&r[2]) {
            assert!(s == GOOD || s == GOOD_WLM2009, "frame {f}: status {s}");
            statuses.push(s);
            if nums(&r[0]) == [REQUEST] {
                by_txid.entry(r[1][0].clone()).or_default().push(s);
            }
        }
    }
    assert!(statuses.contains(&GOOD_WLM2009), "{statuses:?}");
    // c: a duplicated check, one with each CRC, both good.
    assert!(
        by_txid
            .values()
            .any(|v| v.contains(&GOOD) && v.contains(&GOOD_WLM2009)),
        "{by_txid:?}"
    );
    // The keepalives (RFC 5389 Binding Indications with FINGERPRINT here).
    assert!(
        !run.frames("msstun.class == 1 && msstun.method == 0x001")
            .is_empty(),
        "keepalive Binding Indications decoded"
    );
    let ex = experts_of(&run);
    assert!(
        ex.iter().any(|m| m.contains("Windows Live Messenger 2009")),
        "{ex:?}"
    );
    assert!(
        !ex.iter()
            .any(|m| m.contains("Bad FINGERPRINT") || m.contains("UTF-8")),
        "{ex:?}"
    );
    assert!(run.frames("msstun.expert.fingerprint_bad").is_empty());
    assert!(!run.frames("msstun.expert.fingerprint_wlm2009").is_empty());
    // The MS-TURN Allocates libnice sends coturn over UDP.
    assert!(!run
        .frames("msstun.dialect == 3 && msstun.method == 0x003")
        .is_empty());
}

#[test]
fn oc2007_capture() {
    let run = Run::from_file(&capture("msmode-oc2007.pcapng"), &[]);
    assert_eq!(
        unclaimed(&run),
        Vec::<u32>::new(),
        "every STUN frame is msstun"
    );
    // d: the TURN-over-TCP Allocates, framed without length.
    let tcp = run.fields(
        Some("tcp && msstun"),
        &[
            "msstun.framing",
            "msstun.ms_tcp.type",
            "msstun.framing.length",
            "msstun.dialect",
            "msstun.method",
            "_ws.expert.message",
        ],
    );
    assert!(!tcp.is_empty(), "TCP Allocates decoded");
    for (f, r) in &tcp {
        assert_eq!(nums(&r[0]), [FR_MS_TCP], "frame {f}");
        assert_eq!(nums(&r[1]), [3], "frame {f}: type 0x03 as libnice sends it");
        assert!(r[2].is_empty(), "frame {f}: no length field {r:?}");
        assert_eq!(
            (nums(&r[3]), nums(&r[4])),
            (vec![MS_TURN], vec![3]),
            "frame {f}"
        );
        assert!(
            r[5].iter().any(|m| m.contains("without its length")),
            "frame {f}: {r:?}"
        );
    }
    // a: binary usernames in the RFC 3489 checks.
    let checks = run.fields(
        Some("udp && msstun.att.username"),
        &["msstun.dialect", "msstun.att.username", "_ws.col.Info"],
    );
    assert!(checks.len() >= 4, "{checks:?}");
    for (f, r) in &checks {
        assert_eq!(nums(&r[0]), [RFC3489], "frame {f}");
        let user = &r[1][0];
        assert!(user.contains("\\x"), "frame {f}: escaped {user:?}");
        assert_clean_info(*f, &r[2].join(" "));
        assert!(
            r[2][0].ends_with(user.as_str()),
            "frame {f}: Info {:?} shows {user:?}",
            r[2]
        );
    }
    // b: the 20-byte keepalives.
    let ka = run.frames("udp.length == 28 && msstun.class == 1 && msstun.method == 0x001");
    assert!(ka.len() >= 2, "keepalives: {ka:?}");
    for f in &ka {
        assert_eq!(nums(&run.get(*f, "msstun.dialect")), [RFC3489]);
        assert_eq!(nums(&run.get(*f, "msstun.length")), [0]);
    }
    let ex = experts_of(&run);
    assert!(!ex.iter().any(|m| m.contains("UTF-8")), "{ex:?}");
    assert!(!run.frames("msstun.expert.ms_tcp_no_length").is_empty());
}

/// The encoder-made counterparts of the Microsoft-mode cases, one flow each, labelled.
fn msmode_capture() -> Capture {
    let (a, b) = (sa([10, 9, 0, 1], 41000), sa([10, 9, 0, 2], 41002));
    let mut cap = Capture::new();
    // a: RFC 3489 Binding request with a binary USERNAME, answered.
    let user: &[u8] = b"\xe6\x8e\x0d\x3c\x02\xb1:1:\x0b\x22\x0f\xec\xc3\xa9";
    let req = MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::Request, &[0x31; 16])
        .attr(0x0006, user)
        .finish();
    cap.udp(a, b, &req);
    cap.label("binary-user");
    // b: then the keepalive on the same 5-tuple (either direction).
    let ka = MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::Indication, &[0x54; 16]).finish();
    cap.udp(b, a, &ka);
    cap.label("keepalive-known");
    // ... and one on a flow nobody has seen.
    cap.udp(sa([10, 9, 0, 3], 41004), sa([10, 9, 0, 4], 41006), &ka);
    cap.label("keepalive-unknown");
    // c: a duplicated check, standard and WLM2009 FINGERPRINT (the first PRIORITY where
    // the two differ).
    let check = |p: u32| {
        MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &[0x42; 12])
            .string(0x0006, "ab:cd")
            .attr_u32(0x0024, p)
    };
    let p = (0u32..)
        .find(|&p| check(p).fingerprint().finish() != check(p).fingerprint_wlm2009().finish())
        .unwrap();
    let (c, d) = (sa([10, 9, 0, 5], 41008), sa([10, 9, 0, 6], 41010));
    cap.udp(c, d, &check(p).fingerprint().finish());
    cap.label("fp-standard");
    cap.udp(c, d, &check(p).fingerprint_wlm2009().finish());
    cap.label("fp-wlm2009");
    // e: NUL-padded USERNAME and REALM.
    let padded = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &[0x43; 12])
        .attr(0x0006, b"ab:cd\0\0\0")
        .attr(0x0014, b"realm\0\0\0")
        .finish();
    cap.udp(c, d, &padded);
    cap.label("padded");
    // d: MS-TURN Allocate over TCP, type and reserved but no length, twice.
    let alloc = MessageBuilder::new(Dialect::MsTurn, 0x003, Class::Request, &[0x44; 16])
        .attr_u32(0x8008, 1)
        .finish();
    let mut t = cap.tcp_open(sa([10, 9, 0, 7], 41012), sa([10, 9, 0, 8], 41014));
    cap.tcp_send(
        &mut t,
        Dir::C2S,
        &build::ms_tcp_without_length(MsTcpType::Data, &alloc),
    );
    cap.label("ms-tcp-1");
    cap.tcp_send(
        &mut t,
        Dir::C2S,
        &build::ms_tcp_without_length(MsTcpType::Control, &alloc),
    );
    cap.label("ms-tcp-2");
    cap
}

/// The encoder-made counterparts, one flow each.
#[test]
fn encoder_made_msmode_cases() {
    let cap = msmode_capture();
    let labels = cap.labels().clone();
    let frame = |l: &str| labels[l];

    let sb = Sandbox::new(true);
    let pcap = sb.write("msmode-made.pcapng", &cap.to_pcapng());
    let run = Run {
        sb,
        pcap,
        opts: Vec::new(),
    };
    let rows = run.fields(
        None,
        &[
            "msstun.att.username",
            "msstun.att.fingerprint.status",
            "_ws.col.Info",
            "_ws.expert.message",
            "msstun.framing",
        ],
    );
    let row = |l: &str| rows.get(&frame(l)).unwrap_or_else(|| panic!("{l}: no row"));

    let r = row("binary-user");
    assert_eq!(
        r[0],
        ["\\xe6\\x8e\\r<\\002\\xb1:1:\\v\"\\017\\xec\\xc3\\xa9"]
    );
    assert_eq!(
        r[2].join(""),
        "Binding Request [RFC3489] user: \\xe6\\x8e\\r<\\002\\xb1:1:\\v\"\\017\\xec\\xc3\\xa9"
    );
    assert!(
        !r[3]
            .iter()
            .any(|m| m.contains("UTF-8") || m.contains("alformed")),
        "no malformed-value item: {:?}",
        r[3]
    );

    assert_eq!(row("keepalive-known")[2], ["Binding Indication [RFC3489]"]);
    assert!(
        !run.frames("msstun").contains(&frame("keepalive-unknown")),
        "a keepalive alone is not claimed"
    );

    assert_eq!(nums(&row("fp-standard")[1]), [GOOD]);
    let r = row("fp-wlm2009");
    assert_eq!(nums(&r[1]), [GOOD_WLM2009]);
    assert!(
        r[3].iter()
            .any(|m| m.contains("Windows Live Messenger 2009")),
        "{r:?}"
    );

    assert_eq!(
        row("padded")[2],
        ["Binding Request user: ab:cd realm: realm"]
    );
    assert_eq!(row("padded")[0], ["ab:cd"]);

    for l in ["ms-tcp-1", "ms-tcp-2"] {
        let r = row(l);
        assert_eq!(nums(&r[4]), [FR_MS_TCP], "{l}");
        assert_eq!(r[2], ["Allocate Request [MS-TURN] MS-Version: 1"], "{l}");
        assert!(
            r[3].iter().any(|m| m.contains("without its length")),
            "{l}: {r:?}"
        );
    }
    // The same experts whether the tree is shown or hidden (-Y without -V).
    for filter in [
        "msstun.expert.ms_tcp_no_length",
        "msstun.expert.fingerprint_wlm2009",
    ] {
        assert_eq!(
            run.frames(filter).len(),
            if filter.contains("tcp") { 2 } else { 1 }
        );
        let out = run.raw(&["-Y", filter]);
        assert_eq!(
            out.lines().count(),
            run.frames(filter).len(),
            "{filter}: {out}"
        );
    }
}
