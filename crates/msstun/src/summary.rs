//! One line of text per message, for the plugin's Info column and the relay's log.
//!
//! The text follows the habit of tshark's built-in `stun` dissector: the method and
//! class, then one item per attribute that users scan for, in the order the
//! attributes appear in the message:
//!
//! | attribute                         | item                                   |
//! |-----------------------------------|----------------------------------------|
//! | any address (plain or XOR)        | ` XOR-MAPPED-ADDRESS: 10.0.0.1:24000`, IPv6 as `[2001:db8::1]:3478` |
//! | USERNAME                          | ` user: alice`                         |
//! | REALM                             | ` realm: example.org`                  |
//!
//! USERNAME and REALM lose trailing NUL padding and are escaped by [`write_escaped`]
//! (Wireshark's way of showing text, `\xNN` for bytes that are not UTF-8): the line
//! never holds a control character or U+FFFD, whatever the attribute carries.
//!
//! | attribute                         | item                                   |
//! |-----------------------------------|----------------------------------------|
//! | NONCE                             | ` with nonce`                          |
//! | ERROR-CODE                        | ` error-code: 401 (Unauthenticated)`; an unregistered code shows its reason phrase, or nothing in parentheses if it has none |
//! | REQUESTED-TRANSPORT               | ` TCP`, ` UDP`, else ` transport 132`  |
//! | CHANNEL-NUMBER                    | ` ChannelNumber=0x4000`                |
//! | LIFETIME                          | ` lifetime: 600`                       |
//! | BANDWIDTH ([MS-TURN])             | ` bandwidth: 512`                      |
//! | MS-VERSION                        | ` MS-Version: 3`                       |
//! | MS-SEQUENCE-NUMBER                | ` MS-Seq: 2` (also Teams' 4-byte form) |
//!
//! Legacy MS-TURN messages get ` [MS-TURN]` and RFC 3489 messages ` [RFC3489]` right
//! after the class; a method no table knows is written `Method 0x0abc`. A value that
//! does not decode is written ` NAME: [malformed]`, and an attribute framing error
//! (truncated, overrunning, missing padding) ends the line with ` [malformed: …]` —
//! everything readable before it is still there.
//!
//! Writing performs no heap allocation: [`write_summary`] takes any
//! [`core::fmt::Write`]; [`SummaryBuf`] is a fixed-size one.

use core::fmt::{self, Write};

use crate::attr::{Attribute, Field, FieldValue};
use crate::message::{split_type, Dialect, Message};
use crate::registry::{self, FieldRole, Layout, Role, TRANSPORT_VALUES};
use crate::Error;

/// Write the summary of `msg` into `w`.
pub fn write_summary<T: AsRef<[u8]>, W: Write + ?Sized>(
    msg: &Message<T>,
    w: &mut W,
) -> fmt::Result {
    write_head(msg, w)?;
    for attr in msg.attributes() {
        match attr {
            Ok(a) => write_item(&a, w)?,
            Err(e) => return write_error(w, &e),
        }
    }
    Ok(())
}

/// The summary's first part: method, class and dialect. [`write_summary`] is this, then
/// [`write_attribute`] for each item of [`Message::attributes`] until one returns `Err`:
/// a caller that walks the attributes anyway writes the summary in the same walk.
pub fn write_head<T: AsRef<[u8]>, W: Write + ?Sized>(msg: &Message<T>, w: &mut W) -> fmt::Result {
    let (method, class) = msg.method_class();
    if method.code == registry::UNKNOWN_METHOD.code {
        write!(w, "Method 0x{:03x}", split_type(msg.message_type()).0)?;
    } else {
        w.write_str(method.name)?;
    }
    w.write_char(' ')?;
    w.write_str(class.name())?;
    match msg.dialect() {
        Dialect::MsTurn => w.write_str(" [MS-TURN]"),
        Dialect::MsTurn5389 => w.write_str(" [MS-TURN/5389]"),
        Dialect::Rfc3489 => w.write_str(" [RFC3489]"),
        Dialect::Rfc5389 => Ok(()),
    }
}

/// The summary's part for one item of [`Message::attributes`] (see [`write_head`]). `Err`:
/// the summary ends here — `w` failed, or an attribute framing error was written (what
/// [`write_summary`] writes last).
#[inline]
pub fn write_attribute<W: Write + ?Sized>(
    attr: &Result<Attribute<'_>, Error>,
    w: &mut W,
) -> fmt::Result {
    match attr {
        Ok(a) => write_item(a, w),
        Err(e) => {
            write_error(w, e)?;
            Err(fmt::Error)
        }
    }
}

fn write_item<W: Write + ?Sized>(a: &Attribute<'_>, w: &mut W) -> fmt::Result {
    let Some(desc) = a.desc else { return Ok(()) };
    if matches!(desc.layout, Layout::Address | Layout::XorAddress) {
        w.write_char(' ')?;
        w.write_str(desc.name)?;
        w.write_str(": ")?;
        return match a.address() {
            Some(Ok(addr)) => addr.write_to(w),
            _ => w.write_str("[malformed]"),
        };
    }
    match desc.role {
        Role::Username => write_text(w, " user: ", a.value),
        Role::Realm => write_text(w, " realm: ", a.value),
        Role::Nonce => w.write_str(" with nonce"),
        Role::ErrorCode => match a.error_code() {
            Some((code, reason)) => {
                write!(w, " error-code: {code}")?;
                match registry::error_name(code) {
                    Some(name) => write!(w, " ({name})"),
                    None if !reason.is_empty() => write!(w, " ({reason})"),
                    None => Ok(()),
                }
            }
            None => w.write_str(" error-code: [malformed]"),
        },
        Role::RequestedTransport => match a.value.first() {
            Some(&p) => match TRANSPORT_VALUES.iter().find(|(v, _)| *v == p as u32) {
                Some((_, name)) => write!(w, " {name}"),
                None => write!(w, " transport {p}"),
            },
            None => w.write_str(" transport [malformed]"),
        },
        Role::ChannelNumber => match a.value.get(..2) {
            Some(b) => write!(w, " ChannelNumber=0x{:x}", u16::from_be_bytes([b[0], b[1]])),
            None => w.write_str(" ChannelNumber=[malformed]"),
        },
        Role::Lifetime => write_u32(w, " lifetime: ", a.as_u32()),
        Role::Bandwidth => write_u32(w, " bandwidth: ", a.as_u32()),
        Role::MsVersion => write_u32(w, " MS-Version: ", a.as_u32()),
        Role::MsSequenceNumber => {
            let seq = match a.field(FieldRole::Sequence) {
                Some(Field {
                    value: FieldValue::Uint(n),
                    ..
                }) => Some(n as u32),
                _ => None,
            };
            write_u32(w, " MS-Seq: ", seq)
        }
        _ => Ok(()),
    }
}

fn write_error<W: Write + ?Sized>(w: &mut W, e: &Error) -> fmt::Result {
    write!(w, " [malformed: {e}]")
}

fn write_u32<W: Write + ?Sized>(w: &mut W, label: &str, v: Option<u32>) -> fmt::Result {
    w.write_str(label)?;
    match v {
        Some(n) => write!(w, "{n}"),
        None => w.write_str("[malformed]"),
    }
}

/// ASCII bytes as text: bytes this module wrote, or checked to be printable ASCII
/// (never empty for those).
fn ascii(b: &[u8]) -> &str {
    debug_assert!(b.is_ascii());
    core::str::from_utf8(b).unwrap_or("")
}

fn write_text<W: Write + ?Sized>(w: &mut W, label: &str, b: &[u8]) -> fmt::Result {
    w.write_str(label)?;
    write_escaped(w, trim_nul(b))
}

/// `b` without its trailing NUL bytes (C-string padding some clients put inside the
/// attribute length, e.g. libnice's OC2007R2 USERNAME `"ab:cd\0\0\0"`).
pub fn trim_nul(mut b: &[u8]) -> &[u8] {
    while let [rest @ .., 0] = b {
        b = rest;
    }
    b
}

/// Whether every byte is printable ASCII (0x20..=0x7E): the common case, written as is.
#[inline]
fn printable_ascii(b: &[u8]) -> bool {
    b.iter().all(|&c| c.wrapping_sub(0x20) < 0x5f)
}

/// Whether [`write_escaped`] would change `b`: it is not UTF-8, or holds a control
/// character.
pub fn needs_escape(b: &[u8]) -> bool {
    if printable_ascii(b) {
        return false;
    }
    match crate::attr::utf8(b) {
        Ok(s) => s.chars().any(char::is_control),
        Err(_) => true,
    }
}

/// Text bytes as one printable line, the way Wireshark's `format_text` shows a string
/// (what the packet tree shows for an `FT_STRING`): `\a \b \f \n \r \t \v` for those
/// controls, other ASCII controls and DEL as three-digit octal (`\033`), other control
/// characters as `\uXXXX`, everything else as it is. Bytes that are not UTF-8 (where
/// Wireshark shows U+FFFD, which says nothing about the byte) make the value binary —
/// random-byte [MS-ICE] credentials — and then every byte outside printable ASCII is
/// written `\xNN` (a random pair that happens to be UTF-8 is no character either).
/// No allocation; ASCII fast path.
pub fn write_escaped<W: Write + ?Sized>(w: &mut W, b: &[u8]) -> fmt::Result {
    if printable_ascii(b) {
        return w.write_str(ascii(b));
    }
    match crate::attr::utf8(b) {
        Ok(text) => {
            let mut start = 0;
            for (i, c) in text.char_indices() {
                if c.is_control() {
                    w.write_str(&text[start..i])?;
                    write_control(w, c)?;
                    start = i + c.len_utf8();
                }
            }
            w.write_str(&text[start..])
        }
        Err(_) => {
            let mut start = 0;
            for (i, &x) in b.iter().enumerate() {
                if !(0x20..0x7f).contains(&x) {
                    w.write_str(ascii(&b[start..i]))?;
                    if x < 0x80 {
                        write_control(w, char::from(x))?;
                    } else {
                        write_hex_byte(w, x)?;
                    }
                    start = i + 1;
                }
            }
            w.write_str(ascii(&b[start..]))
        }
    }
}

fn write_control<W: Write + ?Sized>(w: &mut W, c: char) -> fmt::Result {
    let n = c as u32;
    match c {
        '\x07' => w.write_str("\\a"),
        '\x08' => w.write_str("\\b"),
        '\x0c' => w.write_str("\\f"),
        '\n' => w.write_str("\\n"),
        '\r' => w.write_str("\\r"),
        '\t' => w.write_str("\\t"),
        '\x0b' => w.write_str("\\v"),
        _ if n < 0x80 => {
            let o = [
                b'\\',
                b'0' + (n >> 6) as u8,
                b'0' + ((n >> 3) & 7) as u8,
                b'0' + (n & 7) as u8,
            ];
            w.write_str(ascii(&o))
        }
        _ => write!(w, "\\u{n:04x}"),
    }
}

fn write_hex_byte<W: Write + ?Sized>(w: &mut W, x: u8) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let o = [b'\\', b'x', HEX[(x >> 4) as usize], HEX[(x & 15) as usize]];
    w.write_str(ascii(&o))
}

/// The first `max` bytes of `b` in lower-case hex, then `…` if there are more: how
/// opaque values and binary tokens are shown.
pub fn write_hex<W: Write + ?Sized>(w: &mut W, b: &[u8], max: usize) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &x in b.iter().take(max) {
        let o = [HEX[(x >> 4) as usize], HEX[(x & 15) as usize]];
        w.write_str(ascii(&o))?;
    }
    if b.len() > max {
        w.write_str("…")?;
    }
    Ok(())
}

/// [`write_escaped`] into a new `String` (for callers that keep the text: the session
/// analysis's tables, the relay's JSON): the one escaping every text that leaves msstun
/// goes through.
pub fn escaped(b: &[u8]) -> alloc::string::String {
    let mut s = alloc::string::String::with_capacity(b.len());
    let _ = write_escaped(&mut s, trim_nul(b));
    s
}

/// Length of the longest prefix of `s` that fits in `room` bytes and ends on a character
/// boundary: how a fixed-size summary buffer cuts text.
pub fn fitting_len(s: &str, room: usize) -> usize {
    let mut cut = room.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

/// A message's summary as a [`core::fmt::Display`] value (`msg.summary().to_string()`,
/// `write!(log, "{}", msg.summary())`).
#[derive(Debug, Clone, Copy)]
pub struct Summary<'a> {
    msg: Message<&'a [u8]>,
}

impl<'a> Summary<'a> {
    /// The summary of `msg`.
    pub fn new<T: AsRef<[u8]>>(msg: &'a Message<T>) -> Self {
        Summary {
            msg: msg.as_slice(),
        }
    }
}

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_summary(&self.msg, f)
    }
}

/// A fixed-size, allocation-free text buffer implementing [`core::fmt::Write`].
///
/// When full it keeps what fits (cut at a character boundary), remembers that it
/// was truncated, and fails the write so formatting stops early.
#[derive(Debug, Clone)]
pub struct SummaryBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
    truncated: bool,
}

impl<const N: usize> SummaryBuf<N> {
    /// An empty buffer.
    pub const fn new() -> Self {
        SummaryBuf {
            buf: [0; N],
            len: 0,
            truncated: false,
        }
    }
    /// The text written so far.
    pub fn as_str(&self) -> &str {
        // `write_str` is the only writer; it copies whole `&str`s, or a prefix of one cut
        // at a char boundary, so the first `len` bytes are always UTF-8.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
    /// Whether a write did not fit.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
    /// Forget the contents.
    pub fn clear(&mut self) {
        self.len = 0;
        self.truncated = false;
    }
    /// Replace the contents with the summary of `msg`; returns the text.
    pub fn summarize<T: AsRef<[u8]>>(&mut self, msg: &Message<T>) -> &str {
        self.clear();
        let _ = write_summary(msg, self);
        self.as_str()
    }
}

impl<const N: usize> Default for SummaryBuf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Write for SummaryBuf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = N - self.len;
        if s.len() <= room {
            self.buf[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
            return Ok(());
        }
        let cut = fitting_len(s, room);
        self.buf[self.len..self.len + cut].copy_from_slice(&s.as_bytes()[..cut]);
        self.len += cut;
        self.truncated = true;
        Err(fmt::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::tests::{legacy, rfc5389, tlv};
    use std::string::{String, ToString};
    use std::vec::Vec;

    fn xor4(ip: [u8; 4], port: u16) -> Vec<u8> {
        let c = crate::MAGIC_COOKIE.to_be_bytes();
        let p = port ^ 0x2112;
        let mut v = std::vec![0, 1];
        v.extend_from_slice(&p.to_be_bytes());
        v.extend((0..4).map(|i| ip[i] ^ c[i]));
        v
    }

    fn text(b: &[u8]) -> String {
        let m = Message::new_checked(b).unwrap();
        let mut s = String::new();
        write_summary(&m, &mut s).unwrap();
        // The three entry points agree.
        assert_eq!(m.summary().to_string(), s);
        let mut buf = SummaryBuf::<512>::new();
        assert_eq!(buf.summarize(&m), s);
        s
    }

    const TX: [u8; 12] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const MI: [u8; 20] = [0x5a; 20];

    /// `Address`'s digit-by-digit IPv4 `Display` writes what `Ipv4Addr`'s does.
    #[test]
    fn address_display_matches_std() {
        let octets = [0u8, 1, 9, 10, 99, 100, 199, 255];
        let ports = [0u16, 1, 9, 10, 99, 100, 443, 3478, 9999, 10000, 65535];
        for &a in &octets {
            for &b in &octets {
                for &port in &ports {
                    let ip = core::net::Ipv4Addr::new(a, b, 255 - a, b);
                    let addr = crate::attr::Address {
                        family: 1,
                        port,
                        ip: core::net::IpAddr::V4(ip),
                    };
                    assert_eq!(addr.to_string(), std::format!("{ip}:{port}"));
                }
            }
        }
    }

    #[test]
    fn seed_style_lines() {
        let b = rfc5389(
            0x0003,
            TX,
            &[
                tlv(0x0019, &[6, 0, 0, 0], true),
                tlv(0x000D, &600u32.to_be_bytes(), true),
            ],
        );
        assert_eq!(text(&b), "Allocate Request TCP lifetime: 600");

        let b = rfc5389(
            0x0113,
            TX,
            &[
                tlv(0x0009, b"\0\0\x04\x01Unauthorized", true),
                tlv(0x0015, b"4ce2b6a7f9e1", true),
                tlv(0x0014, b"TANDBERG", true),
            ],
        );
        assert_eq!(
            text(&b),
            "Allocate Error Response error-code: 401 (Unauthenticated) with nonce realm: TANDBERG"
        );

        let b = rfc5389(
            0x0003,
            TX,
            &[
                tlv(0x0006, b"turn", true),
                tlv(0x0014, b"TANDBERG", true),
                tlv(0x0015, b"4ce2b6a7f9e1", true),
                tlv(0x0019, &[6, 0, 0, 0], true),
                tlv(0x0008, &MI, true),
            ],
        );
        assert_eq!(
            text(&b),
            "Allocate Request user: turn realm: TANDBERG with nonce TCP"
        );

        let b = rfc5389(
            0x0103,
            TX,
            &[
                tlv(0x0016, &xor4([10, 0, 0, 1], 24000), true),
                tlv(0x0020, &xor4([192, 0, 2, 1], 32853), true),
                tlv(0x000D, &600u32.to_be_bytes(), true),
                tlv(0x8022, b"Cisco", true),
                tlv(0x0008, &MI, true),
                tlv(0x8028, &[0; 4], true),
            ],
        );
        assert_eq!(
            text(&b),
            "Allocate Success Response XOR-RELAYED-ADDRESS: 10.0.0.1:24000 XOR-MAPPED-ADDRESS: 192.0.2.1:32853 lifetime: 600"
        );

        let b = rfc5389(
            0x001c,
            TX,
            &[
                tlv(0x002A, &[0, 0, 0x12, 0x34], true),
                tlv(0x0012, &xor4([192, 168, 1, 252], 53577), true),
            ],
        );
        assert_eq!(
            text(&b),
            "ConnectionAttempt Indication XOR-PEER-ADDRESS: 192.168.1.252:53577"
        );

        let b = rfc5389(
            0x000b,
            TX,
            &[
                tlv(0x002A, &[0, 0, 0x12, 0x34], true),
                tlv(0x0006, b"turn", true),
                tlv(0x0014, b"TANDBERG", true),
                tlv(0x0015, b"4ce2b6a7f9e1", true),
                tlv(0x0008, &MI, true),
            ],
        );
        assert_eq!(
            text(&b),
            "ConnectionBind Request user: turn realm: TANDBERG with nonce"
        );
        assert_eq!(
            text(&rfc5389(0x010b, TX, &[])),
            "ConnectionBind Success Response"
        );
        assert_eq!(text(&rfc5389(0x0011, TX, &[])), "Binding Indication");
    }

    #[test]
    fn other_items() {
        let b = rfc5389(
            0x0009,
            TX,
            &[
                tlv(0x000C, &[0x40, 0x01, 0, 0], true),
                tlv(0x0012, &xor4([192, 0, 2, 210], 49191), true),
            ],
        );
        assert_eq!(
            text(&b),
            "ChannelBind Request ChannelNumber=0x4001 XOR-PEER-ADDRESS: 192.0.2.210:49191"
        );

        // Unregistered error code: its reason phrase; none: nothing in parentheses.
        let b = rfc5389(0x0111, TX, &[tlv(0x0009, b"\0\0\x04\x63Custom", true)]);
        assert_eq!(text(&b), "Binding Error Response error-code: 499 (Custom)");
        let b = rfc5389(0x0111, TX, &[tlv(0x0009, b"\0\0\x06\x63", true)]);
        assert_eq!(text(&b), "Binding Error Response error-code: 699");

        // IPv6 in brackets; plain MAPPED-ADDRESS; transport by number.
        let mut v6 = std::vec![0, 2, 0x0d, 0x96];
        v6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let b = rfc5389(
            0x0103,
            TX,
            &[tlv(0x0001, &v6, true), tlv(0x0019, &[132, 0, 0, 0], true)],
        );
        assert_eq!(
            text(&b),
            "Allocate Success Response MAPPED-ADDRESS: [2001:db8::1]:3478 transport 132"
        );

        assert_eq!(text(&rfc5389(0x0200, TX, &[])), "GooglePing Request");
        assert_eq!(text(&rfc5389(0x0005, TX, &[])), "Method 0x005 Request");
        // Invalid UTF-8 in a username is escaped, not dropped or replaced.
        let b = rfc5389(0x0001, TX, &[tlv(0x0006, b"a\xffb", true)]);
        assert_eq!(text(&b), "Binding Request user: a\\xffb");
    }

    #[test]
    fn legacy_dialects() {
        let mut seq = [0u8; 24];
        seq[20..].copy_from_slice(&2u32.to_be_bytes());
        let txid = [
            0x44, 0x55, 0x66, 0x77, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
        ];
        let b = legacy(
            0x0103,
            txid,
            true,
            &[
                tlv(0x0001, &[0, 1, 0xc3, 0x50, 203, 0, 113, 5], false),
                tlv(
                    0x8020,
                    &[
                        0x00,
                        0x01,
                        0x55,
                        0x77,
                        10 ^ 0x44,
                        1 ^ 0x55,
                        2 ^ 0x66,
                        3 ^ 0x77,
                    ],
                    false,
                ),
                tlv(0x000D, &480u32.to_be_bytes(), false),
                tlv(0x8050, &seq, false),
                tlv(0x8008, &3u32.to_be_bytes(), false),
            ],
        );
        assert_eq!(
            text(&b),
            "Allocate Success Response [MS-TURN] MAPPED-ADDRESS: 203.0.113.5:50000 \
             XOR-MAPPED-ADDRESS: 10.1.2.3:4386 lifetime: 480 MS-Seq: 2 MS-Version: 3"
        );
        let b = legacy(
            0x0113,
            txid,
            true,
            &[
                tlv(0x0009, b"\0\0\x04\x01Unauthorized", false),
                tlv(0x0015, b"SIP Communications Service", false),
                tlv(0x0014, b"abc", false),
            ],
        );
        assert_eq!(
            text(&b),
            "Allocate Error Response [MS-TURN] error-code: 401 (Unauthenticated) realm: SIP Communications Service with nonce"
        );
        let b = legacy(
            0x0115,
            txid,
            true,
            &[
                tlv(0x0012, &[0, 1, 0x0d, 0x96, 192, 168, 1, 2], false),
                tlv(0x0013, b"xyz", false),
            ],
        );
        assert_eq!(
            text(&b),
            "Data Indication [MS-TURN] REMOTE-ADDRESS: 192.168.1.2:3478"
        );
        let b = legacy(
            0x0004,
            txid,
            true,
            &[
                tlv(0x0011, &[0, 1, 0, 80, 10, 0, 0, 1], false),
                tlv(0x0010, &256u32.to_be_bytes(), false),
            ],
        );
        assert_eq!(
            text(&b),
            "Send Request [MS-TURN] DESTINATION-ADDRESS: 10.0.0.1:80 bandwidth: 256"
        );
        assert_eq!(
            text(&legacy(0x0006, txid, true, &[])),
            "Set Active Destination Request [MS-TURN]"
        );
        let b = legacy(
            0x0101,
            [7; 16],
            false,
            &[tlv(0x0001, &[0, 1, 0, 80, 10, 0, 0, 1], true)],
        );
        assert_eq!(
            text(&b),
            "Binding Success Response [RFC3489] MAPPED-ADDRESS: 10.0.0.1:80"
        );
    }

    #[test]
    fn malformed_messages_still_summarized() {
        // Overrunning attribute after a good one.
        let mut b = rfc5389(
            0x0101,
            TX,
            &[tlv(0x0020, &xor4([192, 0, 2, 1], 32853), true)],
        );
        b.extend_from_slice(&[0x80, 0x22, 0x00, 0x64, b'a', b'b', b'c', b'd']);
        let n = (b.len() - 20) as u16;
        b[2..4].copy_from_slice(&n.to_be_bytes());
        assert_eq!(
            text(&b),
            "Binding Success Response XOR-MAPPED-ADDRESS: 192.0.2.1:32853 \
             [malformed: attribute 0x8022 at offset 32 declares 100 bytes, only 4 left]"
        );
        // Bad values inside otherwise well-framed attributes.
        let b = rfc5389(
            0x0003,
            TX,
            &[
                tlv(0x0012, &[0, 1, 0, 0], true),
                tlv(0x000D, &[0, 1], true),
                tlv(0x0009, &[0, 0], true),
                tlv(0x0019, &[], true),
                tlv(0x000C, &[0x40], true),
            ],
        );
        assert_eq!(
            text(&b),
            "Allocate Request XOR-PEER-ADDRESS: [malformed] lifetime: [malformed] error-code: [malformed] \
             transport [malformed] ChannelNumber=[malformed]"
        );
        // Header only, truncated attribute header.
        let mut b = rfc5389(0x0001, TX, &[]);
        b.extend_from_slice(&[0, 6]);
        b[3] = 2;
        assert_eq!(
            text(&b),
            "Binding Request [malformed: attribute header truncated at offset 20 (2 bytes left)]"
        );
    }

    fn escaped(b: &[u8]) -> String {
        let mut s = String::new();
        write_escaped(&mut s, b).unwrap();
        assert_eq!(needs_escape(b), s.as_bytes() != b);
        s
    }

    #[test]
    fn escaping_like_format_text() {
        assert_eq!(escaped(b"alice"), "alice");
        assert_eq!(escaped("é:ü".as_bytes()), "é:ü");
        // Wireshark 4.0's tree line for these bytes: `A\001\n\033\177` (then U+FFFD
        // where we write \x..).
        assert_eq!(
            escaped(b"A\x01\n\x1b\x7f\x80\xe6\x8e\\\":B"),
            "A\\001\\n\\033\\177\\x80\\xe6\\x8e\\\":B"
        );
        assert_eq!(
            escaped(b"\x07\x08\x0c\r\t\x0b\x00"),
            "\\a\\b\\f\\r\\t\\v\\000"
        );
        assert_eq!(escaped("a\u{85}b".as_bytes()), "a\\u0085b");
        assert_eq!(escaped(b"\xff"), "\\xff");
        // Binary: a pair that happens to be UTF-8 is bytes too.
        assert_eq!(escaped(b"\xc3\xa9\xff"), "\\xc3\\xa9\\xff");
        assert_eq!(escaped("\u{e9}".as_bytes()), "\u{e9}");
        // A cut multi-byte sequence at the end.
        assert_eq!(escaped(b"ab\xc3"), "ab\\xc3");
        assert_eq!(trim_nul(b"ab\0\0\0"), b"ab");
        assert_eq!(trim_nul(b"a\0b\0"), b"a\0b");
        assert_eq!(trim_nul(b"\0\0"), b"");
    }

    /// 3a/3e of issue 9: what libnice's Microsoft modes send, encoder-made.
    #[test]
    fn binary_and_padded_credentials() {
        use crate::build::MessageBuilder;
        use crate::{Class, Dialect};
        // OC2007: random-byte USERNAME in an RFC 3489 Binding request (a piece of the
        // captured one).
        let user = b"\xe6\x8e\x0d\x3c\x02\xb1:1:\x0b\x22\x0f\xec";
        let b = MessageBuilder::new(Dialect::Rfc3489, 0x001, Class::Request, &[3; 16])
            .attr(0x0006, user)
            .finish();
        let t = text(&b);
        assert_eq!(
            t,
            "Binding Request [RFC3489] user: \\xe6\\x8e\\r<\\002\\xb1:1:\\v\"\\017\\xec"
        );
        assert!(!t.chars().any(|c| c.is_control() || c == '\u{fffd}'));
        // OC2007R2: "ufrag:ufrag" NUL-padded inside the attribute length.
        let b = MessageBuilder::new(Dialect::Rfc5389, 0x001, Class::Request, &[3; 12])
            .attr(0x0006, b"/gjr:t1if\0\0\0")
            .finish();
        assert_eq!(text(&b), "Binding Request user: /gjr:t1if");
        let b = MessageBuilder::new(Dialect::MsTurn, 0x003, Class::Request, &[3; 16])
            .attr(0x0015, b"realm.example\0\0\0")
            .finish();
        assert!(text(&b).ends_with(" realm: realm.example"), "{}", text(&b));
    }

    /// [`write_head`] then [`write_attribute`] per attribute (stopping at the first `Err`)
    /// writes what [`write_summary`] writes, cut or not, framing errors included.
    #[test]
    fn head_and_attributes_write_the_summary() {
        let user = tlv(0x0006, "é".repeat(20).as_bytes(), true);
        let addr = tlv(0x0020, &[0, 1, 0x11, 0x2b, 0x21, 0x12, 0xa4, 0x43], true);
        let mut cut = rfc5389(
            0x0101,
            TX,
            &[addr.clone(), tlv(0x0009, b"\0\0\x04\x01no", true)],
        );
        let n = cut.len();
        cut[n - 6] = 0x40; // the last attribute overruns the message
        let messages = [
            rfc5389(0x0001, TX, &[user.clone(), addr.clone()]),
            rfc5389(
                0x0101,
                TX,
                &[addr.clone(), tlv(0x8028, &[1, 2, 3, 4], true)],
            ),
            rfc5389(0x0111, TX, &[tlv(0x0009, b"\0\0\x04\x01bad", true), user]),
            cut,
        ];
        for b in &messages {
            let m = Message::new_checked(&b[..]).unwrap();
            for cap in [10, 22, 23, 40, 64, 300] {
                let mut whole = SummaryBuf::<300>::new();
                let mut parts = SummaryBuf::<300>::new();
                let _ = write_summary(&m, &mut Cap(&mut whole, cap));
                if write_head(&m, &mut Cap(&mut parts, cap)).is_ok() {
                    for a in m.attributes() {
                        if write_attribute(&a, &mut Cap(&mut parts, cap)).is_err() {
                            break;
                        }
                    }
                }
                assert_eq!(whole.as_str(), parts.as_str(), "cap {cap}");
            }
        }
    }

    /// A writer that takes at most `.1` bytes into `.0`, whole strings only.
    struct Cap<'a>(&'a mut SummaryBuf<300>, usize);

    impl Write for Cap<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            if self.0.as_str().len() + s.len() > self.1 {
                return Err(fmt::Error);
            }
            self.0.write_str(s)
        }
    }

    #[test]
    fn fixed_buffer_truncates_at_char_boundary() {
        let b = rfc5389(0x0001, TX, &[tlv(0x0006, "é".repeat(20).as_bytes(), true)]);
        let m = Message::new_checked(&b[..]).unwrap();
        let mut buf = SummaryBuf::<22>::new();
        assert!(write_summary(&m, &mut buf).is_err());
        assert!(buf.is_truncated());
        assert_eq!(buf.as_str(), "Binding Request user: ");
        let mut buf = SummaryBuf::<23>::new();
        let _ = write_summary(&m, &mut buf);
        assert_eq!(buf.as_str(), "Binding Request user: ");
        let mut buf = SummaryBuf::<24>::new();
        let _ = write_summary(&m, &mut buf);
        assert_eq!(buf.as_str(), "Binding Request user: é");
        buf.clear();
        assert_eq!(buf.as_str(), "");
        assert!(!buf.is_truncated());
    }
}
