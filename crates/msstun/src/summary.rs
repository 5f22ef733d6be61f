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
//! | NONCE                             | ` with nonce`                          |
//! | ERROR-CODE                        | ` error-code: 401 (Unauthorized)`; an unregistered code shows its reason phrase, or nothing in parentheses if it has none |
//! | REQUESTED-TRANSPORT               | ` TCP`, ` UDP`, else ` transport 132`  |
//! | CHANNEL-NUMBER                    | ` ChannelNumber=0x4000`                |
//! | LIFETIME                          | ` lifetime: 600`                       |
//! | BANDWIDTH ([MS-TURN])             | ` bandwidth: 512`                      |
//! | MS-VERSION                        | ` MS-Version: 3`                       |
//! | MS-SEQUENCE-NUMBER                | ` MS-Seq: 2`                           |
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

use crate::attr::Attribute;
use crate::message::{split_type, Dialect, Message};
use crate::registry::{self, Layout, TRANSPORT_VALUES};
use crate::Error;

/// Write the summary of `msg` into `w`.
pub fn write_summary<T: AsRef<[u8]>, W: Write + ?Sized>(
    msg: &Message<T>,
    w: &mut W,
) -> fmt::Result {
    let (method, class) = msg.method_class();
    if core::ptr::eq(method, &registry::UNKNOWN_METHOD) {
        write!(w, "Method 0x{:03x}", split_type(msg.message_type()).0)?;
    } else {
        w.write_str(method.name)?;
    }
    w.write_char(' ')?;
    w.write_str(class.name())?;
    match msg.dialect() {
        Dialect::MsTurn => w.write_str(" [MS-TURN]")?,
        Dialect::Rfc3489 => w.write_str(" [RFC3489]")?,
        Dialect::Rfc5389 => {}
    }
    for attr in msg.attributes() {
        match attr {
            Ok(a) => write_item(&a, w)?,
            Err(e) => return write_error(w, &e),
        }
    }
    Ok(())
}

fn write_item<W: Write + ?Sized>(a: &Attribute<'_>, w: &mut W) -> fmt::Result {
    let Some(desc) = a.desc else { return Ok(()) };
    if matches!(desc.layout, Layout::Address | Layout::XorAddress) {
        return match a.address() {
            Some(Ok(addr)) => write!(w, " {}: {}", desc.name, addr),
            _ => write!(w, " {}: [malformed]", desc.name),
        };
    }
    match desc.key {
        "username" => write_text(w, " user: ", a.value),
        "realm" => write_text(w, " realm: ", a.value),
        "nonce" => w.write_str(" with nonce"),
        "error_code" => match a.error_code() {
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
        "requested_transport" => match a.value.first() {
            Some(&p) => match TRANSPORT_VALUES.iter().find(|(v, _)| *v == p as u32) {
                Some((_, name)) => write!(w, " {name}"),
                None => write!(w, " transport {p}"),
            },
            None => w.write_str(" transport [malformed]"),
        },
        "channel_number" => match a.value.get(..2) {
            Some(b) => write!(w, " ChannelNumber=0x{:x}", u16::from_be_bytes([b[0], b[1]])),
            None => w.write_str(" ChannelNumber=[malformed]"),
        },
        "lifetime" => write_u32(w, " lifetime: ", a.as_u32()),
        "bandwidth" => write_u32(w, " bandwidth: ", a.as_u32()),
        "ms_version" => write_u32(w, " MS-Version: ", a.as_u32()),
        "ms_sequence_number" => {
            let seq = a
                .value
                .get(20..24)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            write_u32(w, " MS-Seq: ", if a.value.len() == 24 { seq } else { None })
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

/// Text as UTF-8; invalid sequences become U+FFFD (no allocation: chunk by chunk).
fn write_text<W: Write + ?Sized>(w: &mut W, label: &str, mut b: &[u8]) -> fmt::Result {
    w.write_str(label)?;
    loop {
        match core::str::from_utf8(b) {
            Ok(s) => return w.write_str(s),
            Err(e) => {
                let (good, rest) = b.split_at(e.valid_up_to());
                // valid_up_to guarantees `good` is UTF-8.
                w.write_str(core::str::from_utf8(good).unwrap_or(""))?;
                w.write_char(char::REPLACEMENT_CHARACTER)?;
                let skip = e.error_len().unwrap_or(rest.len());
                b = &rest[skip..];
            }
        }
    }
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
        let mut cut = room;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        self.buf[self.len..self.len + cut].copy_from_slice(&s.as_bytes()[..cut]);
        self.len += cut;
        self.truncated = true;
        Err(fmt::Error)
    }
}
