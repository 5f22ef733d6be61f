//! The STUN message header: a checked view over a byte buffer.
//!
//! Layout (RFC 8489 §5, RFC 3489 §11.1, [MS-TURN] §2.2.1):
//!
//! ```text
//!  0                   1                   2                   3
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |0 0|     STUN Message Type     |         Message Length        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Magic Cookie (RFC 5389+) or first 32 bits of the 128-bit   |
//! |     transaction id (RFC 3489, legacy MS-TURN)                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                  Transaction ID (96 bits)                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::field::{self, stun};
use crate::registry::{self, MethodDesc};
use crate::{Attributes, Error};

/// Length of the fixed STUN header.
pub const HEADER_LEN: usize = 20;
/// RFC 5389 magic cookie.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
/// Value of the [MS-TURN] MAGIC-COOKIE attribute (0x000F), [MS-TURN] §2.2.2.7.
pub const MS_TURN_MAGIC_COOKIE: u32 = 0x72C6_4BC6;
/// Attribute type of the [MS-TURN] MAGIC-COOKIE attribute.
/// (0x000F, from the registry.)
pub const ATTR_MS_MAGIC_COOKIE: u16 =
    registry::const_code(Dialect::MsTurn, registry::Role::MagicCookie);

/// Dialect names by [`Dialect::code`] (the value names of the plugin's
/// `msstun.dialect`); [`Dialect::name`] reads this table.
pub const DIALECT_NAMES: &[(u32, &str)] = &[
    (1, "RFC 5389/8489"),
    (2, "RFC 3489 (classic)"),
    (3, "MS-TURN (legacy)"),
    (4, "MS-TURN in an RFC 5389 header"),
];

/// Class names by their 2-bit value [`Class::bits`] (the value names of the plugin's
/// `msstun.class`); [`Class::name`] reads this table.
pub const CLASS_NAMES: &[(u32, &str)] = &[
    (0, "Request"),
    (1, "Indication"),
    (2, "Success Response"),
    (3, "Error Response"),
];

/// Which flavour of STUN a message is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// RFC 5389 / RFC 8489: magic cookie 0x2112A442, 96-bit transaction id.
    Rfc5389,
    /// RFC 3489 "classic" STUN: no cookie, 128-bit transaction id.
    Rfc3489,
    /// Legacy [MS-TURN] (draft-STUN-02 based): 128-bit transaction id, MAGIC-COOKIE
    /// attribute 0x000F first, unpadded attributes, its own method table.
    MsTurn,
    /// [MS-TURN] inside an RFC 5389 header, as Microsoft Teams' relays and clients
    /// send it (MS-VERSION 6): magic cookie 0x2112A442 and a 96-bit transaction id in
    /// the header, then [MS-TURN]'s rules — MAGIC-COOKIE attribute 0x000F first,
    /// unpadded attributes, [MS-TURN] §2.2.2 numbering (NONCE 0x0014, REALM 0x0015)
    /// and the §2.2.1 method table.
    MsTurn5389,
}

impl Dialect {
    /// Stable lower-case key used in filters, logs and JSON (`rfc5389`, `rfc3489`, `ms-turn`).
    pub const fn key(self) -> &'static str {
        match self {
            Dialect::Rfc5389 => "rfc5389",
            Dialect::Rfc3489 => "rfc3489",
            Dialect::MsTurn => "ms-turn",
            Dialect::MsTurn5389 => "ms-turn-5389",
        }
    }
    /// Human-readable name, from [`DIALECT_NAMES`].
    pub const fn name(self) -> &'static str {
        DIALECT_NAMES[self.code() as usize - 1].1
    }
    /// Numeric code used by the plugin's `msstun.dialect` field.
    pub const fn code(self) -> u8 {
        match self {
            Dialect::Rfc5389 => 1,
            Dialect::Rfc3489 => 2,
            Dialect::MsTurn => 3,
            Dialect::MsTurn5389 => 4,
        }
    }
    /// All dialects, in code order.
    pub const ALL: [Dialect; 4] = [
        Dialect::Rfc5389,
        Dialect::Rfc3489,
        Dialect::MsTurn,
        Dialect::MsTurn5389,
    ];
    /// Whether attribute values are padded to a multiple of 4 bytes.
    pub const fn pads_attributes(self) -> bool {
        !self.is_ms_turn()
    }
    /// Whether [MS-TURN]'s rules apply (either MS-TURN dialect): MAGIC-COOKIE first,
    /// no padding, [MS-TURN] attribute numbering and method table.
    pub const fn is_ms_turn(self) -> bool {
        matches!(self, Dialect::MsTurn | Dialect::MsTurn5389)
    }
    /// Whether the header holds the magic cookie and a 96-bit transaction id.
    pub const fn has_cookie(self) -> bool {
        matches!(self, Dialect::Rfc5389 | Dialect::MsTurn5389)
    }
}

/// The class of a message (RFC 8489 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Request (C1C0 = 00).
    Request,
    /// Indication (01).
    Indication,
    /// Success response (10).
    SuccessResponse,
    /// Error response (11).
    ErrorResponse,
}

impl Class {
    /// The 2-bit class value.
    pub const fn bits(self) -> u8 {
        match self {
            Class::Request => 0,
            Class::Indication => 1,
            Class::SuccessResponse => 2,
            Class::ErrorResponse => 3,
        }
    }
    /// Class from its 2-bit value.
    pub const fn from_bits(b: u8) -> Class {
        match b & 3 {
            0 => Class::Request,
            1 => Class::Indication,
            2 => Class::SuccessResponse,
            _ => Class::ErrorResponse,
        }
    }
    /// Name as in tshark's Info column ("Request", "Success Response", ...), from
    /// [`CLASS_NAMES`].
    pub const fn name(self) -> &'static str {
        CLASS_NAMES[self.bits() as usize].1
    }
    /// Stable lower-case key for JSON output.
    pub const fn key(self) -> &'static str {
        match self {
            Class::Request => "request",
            Class::Indication => "indication",
            Class::SuccessResponse => "success",
            Class::ErrorResponse => "error",
        }
    }
    /// Whether the class is a response.
    pub const fn is_response(self) -> bool {
        matches!(self, Class::SuccessResponse | Class::ErrorResponse)
    }
}

/// Split a 14-bit RFC 5389 message type into (method, class).
pub const fn split_type(t: u16) -> (u16, Class) {
    let method = (t & 0x000F) | ((t & 0x00E0) >> 1) | ((t & 0x3E00) >> 2);
    let class = (((t >> 4) & 1) | ((t >> 7) & 2)) as u8;
    (method, Class::from_bits(class))
}

/// Join a method and class into a 14-bit RFC 5389 message type.
pub const fn join_type(method: u16, class: Class) -> u16 {
    let c = class.bits() as u16;
    (method & 0x000F)
        | ((method & 0x0070) << 1)
        | ((method & 0x0F80) << 2)
        | ((c & 1) << 4)
        | ((c & 2) << 7)
}

/// A checked read-only view of one STUN message.
///
/// `new_checked` guarantees the header is present, the top two bits are zero and the
/// buffer holds the whole declared length; attribute problems are reported by the
/// attribute iterator, not here.
#[derive(Debug, Clone, Copy)]
pub struct Message<T: AsRef<[u8]>> {
    buffer: T,
    dialect: Dialect,
    /// Method and class, looked up once when the message is made: every reader of a
    /// message asks them (the plugin's dissector, summary, session record and analysis
    /// about six times a message; each lookup cost about 25 instructions, callgrind-tshark).
    /// The method is kept as its one-byte slot in the registry's table (a reference
    /// would make a message a word larger, which the parser's own throughput pays).
    method: u8,
    class: Class,
}

impl<T: AsRef<[u8]>> Message<T> {
    /// Wrap a buffer holding exactly one message (extra trailing bytes are ignored
    /// by accessors; use [`Message::total_len`] to know where the message ends).
    // Always inlined: out of line, the caller pays a call and the message written to and
    // read back from memory (the decode bench, per message: 893 out of line, 852 inlined).
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        check_header(buffer.as_ref())?;
        let dialect = detect_dialect(buffer.as_ref());
        Ok(Message::made(buffer, dialect))
    }

    /// Wrap a buffer whose dialect is already known — from a
    /// [`Detection`](crate::detect::Detection) or a
    /// [`Decoded`](crate::stream::Decoded) item — with the checks of
    /// [`new_checked`](Self::new_checked) but without working the dialect out again.
    #[inline]
    pub fn with_dialect(buffer: T, dialect: Dialect) -> Result<Self, Error> {
        check_header(buffer.as_ref())?;
        Ok(Message::made(buffer, dialect))
    }

    /// A message over a checked `buffer` of `dialect`, its method and class looked up.
    #[inline(always)]
    fn made(buffer: T, dialect: Dialect) -> Self {
        let (method, class) =
            registry::method_slot_for_type(dialect, field::be16(buffer.as_ref(), stun::TYPE));
        Message {
            buffer,
            dialect,
            method,
            class,
        }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole message: header plus declared length.
    pub fn bytes(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        &b[..HEADER_LEN + self.length() as usize]
    }

    /// The dialect detected from the header and first attribute.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The 16-bit message type as sent.
    pub fn message_type(&self) -> u16 {
        field::be16(self.buffer.as_ref(), stun::TYPE)
    }

    /// Declared length of the attributes section.
    pub fn length(&self) -> u16 {
        field::be16(self.buffer.as_ref(), stun::LENGTH)
    }

    /// Header plus declared length.
    pub fn total_len(&self) -> usize {
        HEADER_LEN + self.length() as usize
    }

    /// The 32 bits after the length: the magic cookie in RFC 5389+.
    pub fn cookie(&self) -> u32 {
        field::be32(self.buffer.as_ref(), stun::COOKIE)
    }

    /// The transaction id: 12 bytes (RFC 5389) or 16 bytes (RFC 3489, MS-TURN).
    pub fn transaction_id(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        if self.dialect.has_cookie() {
            &b[stun::TRANSACTION_ID]
        } else {
            &b[stun::LEGACY_TRANSACTION_ID]
        }
    }

    /// The first 20 bytes (needed to undo XOR on addresses).
    pub fn header(&self) -> &[u8; HEADER_LEN] {
        let b = self.buffer.as_ref();
        b[..HEADER_LEN].try_into().expect("checked length")
    }

    /// Method and class, using the dialect's own method table (looked up once, when the
    /// message was made).
    #[inline]
    pub fn method_class(&self) -> (&'static MethodDesc, Class) {
        (registry::method_in_slot(self.method), self.class)
    }

    /// Method descriptor.
    #[inline]
    pub fn method(&self) -> &'static MethodDesc {
        registry::method_in_slot(self.method)
    }

    /// Message class.
    #[inline]
    pub fn class(&self) -> Class {
        self.class
    }

    /// Iterate over the attributes.
    pub fn attributes(&self) -> Attributes<'_> {
        Attributes::new(self.bytes(), self.dialect)
    }

    /// The deviations from the dialect's rules this message has and the parser
    /// tolerates (empty for well-formed messages; a length test, then a walk over the
    /// attribute headers only when the Length is not a multiple of 4).
    pub fn deviations(&self) -> Deviations {
        let b = self.bytes();
        if !self.dialect.pads_attributes() || (b.len() - HEADER_LEN).is_multiple_of(4) {
            return Deviations::NONE;
        }
        if walk_padded(b, self.dialect) {
            Deviations::LENGTH_NOT_MULTIPLE_OF_4
        } else {
            Deviations::LENGTH_NOT_MULTIPLE_OF_4.union(Deviations::UNPADDED_ATTRIBUTES)
        }
    }

    /// The same view over a borrowed slice (cheap: no re-check).
    pub fn as_slice(&self) -> Message<&[u8]> {
        Message {
            buffer: self.buffer.as_ref(),
            dialect: self.dialect,
            method: self.method,
            class: self.class,
        }
    }

    /// The one-line summary (Info column / log line) of this message; see
    /// [`crate::summary`].
    pub fn summary(&self) -> crate::summary::Summary<'_> {
        crate::summary::Summary::new(self)
    }

    /// Write the one-line summary into any [`core::fmt::Write`] without allocating.
    pub fn write_summary<W: core::fmt::Write + ?Sized>(&self, w: &mut W) -> core::fmt::Result {
        crate::summary::write_summary(self, w)
    }
}

/// The checks of [`Message::new_checked`]: a whole header, the top two bits zero, the
/// declared length present.
#[inline]
fn check_header(b: &[u8]) -> Result<(), Error> {
    if b.len() < HEADER_LEN {
        return Err(Error::Truncated {
            needed: HEADER_LEN,
            available: b.len(),
        });
    }
    if b[0] & 0xC0 != 0 {
        return Err(Error::NotStun);
    }
    let len = field::be16(b, stun::LENGTH) as usize;
    if b.len() < HEADER_LEN + len {
        return Err(Error::Truncated {
            needed: HEADER_LEN + len,
            available: b.len(),
        });
    }
    Ok(())
}

/// Whether the 8 bytes from `at` are the [MS-TURN] MAGIC-COOKIE attribute (type 0x000F,
/// length 4, value 0x72C64BC6); false when they are not all there.
#[inline(always)]
pub(crate) fn ms_magic_cookie_at(b: &[u8], at: usize) -> bool {
    const TL: [u8; 4] = {
        let c = ATTR_MS_MAGIC_COOKIE.to_be_bytes();
        [c[0], c[1], 0, 4]
    };
    match b.get(at..).and_then(|r| r.first_chunk::<8>()) {
        Some(a) => a[..4] == TL && a[4..] == MS_TURN_MAGIC_COOKIE.to_be_bytes(),
        None => false,
    }
}

/// Guess the dialect from a buffer that starts with a STUN header.
///
/// The [MS-TURN] MAGIC-COOKIE attribute (0x000F, length 4, value 0x72C64BC6) as the
/// first attribute means [MS-TURN]'s rules, whatever the header says: with the RFC 5389
/// cookie in the header [`Dialect::MsTurn5389`] (Teams), else [`Dialect::MsTurn`].
#[inline]
pub fn detect_dialect(b: &[u8]) -> Dialect {
    let cookie = b.len() >= 8 && field::be32(b, stun::COOKIE) == MAGIC_COOKIE;
    let ms = ms_magic_cookie_at(b, stun::ATTRIBUTES);
    match (cookie, ms) {
        (true, true) => Dialect::MsTurn5389,
        (true, false) => Dialect::Rfc5389,
        (false, true) => Dialect::MsTurn,
        (false, false) => Dialect::Rfc3489,
    }
}

/// Deviations from a dialect's rules that the parser tolerates (real clients send
/// them): a set of flags, see [`Message::deviations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Deviations(u8);

impl Deviations {
    /// No deviation.
    pub const NONE: Deviations = Deviations(0);
    /// The header's Length is not a multiple of 4 in a dialect that pads
    /// (RFC 8489 §5: "the message length MUST contain the size of the message in
    /// bytes, not including the 20-byte STUN header ... always a multiple of 4").
    pub const LENGTH_NOT_MULTIPLE_OF_4: Deviations = Deviations(1);
    /// The attributes are not padded to 4 bytes in a dialect that pads them
    /// (RFC 8489 §14); they are decoded back to back, as [MS-TURN] writes them.
    pub const UNPADDED_ATTRIBUTES: Deviations = Deviations(2);
    /// Whether no deviation is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Deviations) -> bool {
        self.0 & other.0 == other.0
    }
    /// Both sets of flags.
    pub const fn union(self, other: Deviations) -> Deviations {
        Deviations(self.0 | other.0)
    }
    /// What the flags say, for an expert item or a log line (`""` when empty).
    pub const fn describe(self) -> &'static str {
        match self.0 & 3 {
            0 => "",
            1 => "message length is not a multiple of 4 (RFC 8489 §5)",
            2 => "attributes are not padded to 4 bytes (RFC 8489 §14)",
            _ => "message length is not a multiple of 4 and its attributes are not padded (RFC 8489 §5, §14); decoded unpadded",
        }
    }
}

/// How a message's attributes are walked: padded as its dialect says, or — for a
/// padded dialect whose Length is not a multiple of 4 — back to back when that walk
/// ends exactly at the Length (the only consistent reading). `msg` is the whole
/// message, header included. Costs nothing for well-formed messages (one length test).
#[inline]
pub(crate) fn walk_padded(msg: &[u8], dialect: Dialect) -> bool {
    if !dialect.pads_attributes() {
        return false;
    }
    let body = msg.len().saturating_sub(HEADER_LEN);
    body.is_multiple_of(4) || !unpadded_walk_fits(msg)
}

/// Whether the TLVs after the header, read without padding, end exactly at the end.
#[cold]
pub(crate) fn unpadded_walk_fits(msg: &[u8]) -> bool {
    let mut rest = msg.get(HEADER_LEN..).unwrap_or(&[]);
    while !rest.is_empty() {
        match field::split_tlv(rest, false) {
            Ok((after, _)) => rest = after,
            Err(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each name table holds every variant once, under its code, in code order (the
    /// `name()` methods index it).
    #[test]
    fn name_tables_cover_every_variant() {
        assert_eq!(DIALECT_NAMES.len(), Dialect::ALL.len());
        for d in Dialect::ALL {
            assert_eq!(DIALECT_NAMES[d.code() as usize - 1].0, u32::from(d.code()));
        }
        assert_eq!(DIALECT_NAMES[3].1, Dialect::MsTurn5389.name());
        assert_eq!(CLASS_NAMES.len(), 4);
        for b in 0..4u8 {
            let c = Class::from_bits(b);
            assert_eq!(CLASS_NAMES[b as usize], (u32::from(c.bits()), c.name()));
        }
        assert_eq!(Class::SuccessResponse.name(), "Success Response");
    }

    #[test]
    fn type_split_join() {
        assert_eq!(split_type(0x0001), (1, Class::Request));
        assert_eq!(split_type(0x0101), (1, Class::SuccessResponse));
        assert_eq!(split_type(0x0111), (1, Class::ErrorResponse));
        assert_eq!(split_type(0x001c), (0x00c, Class::Indication));
        assert_eq!(split_type(0x0113), (3, Class::ErrorResponse));
        for m in 0..0x1000u16 {
            for c in 0..4 {
                let t = join_type(m, Class::from_bits(c));
                assert_eq!(split_type(t), (m, Class::from_bits(c)));
            }
        }
    }

    /// A message over a slice is three words: the slice, then dialect, method slot and
    /// class in one (the parser's throughput pays for every word more).
    #[test]
    fn message_is_three_words() {
        assert_eq!(
            core::mem::size_of::<Message<&[u8]>>(),
            3 * core::mem::size_of::<usize>()
        );
    }

    /// The method a message keeps is the one the registry gives for its type and dialect.
    #[test]
    fn method_kept_is_the_registrys() {
        for d in Dialect::ALL {
            for t in [
                0x0001u16, 0x0101, 0x0004, 0x0115, 0x0116, 0x0113, 0x0200, 0x3fff, 0x001c,
            ] {
                let mut b = [0u8; HEADER_LEN];
                b[..2].copy_from_slice(&t.to_be_bytes());
                let m = Message::with_dialect(&b[..], d).unwrap();
                let (want, class) = registry::method_for_type(d, t);
                assert!(core::ptr::eq(m.method(), want), "{d:?} {t:#06x}");
                assert_eq!(m.method_class(), (want, class));
                assert_eq!(m.class(), class);
            }
        }
    }

    #[test]
    fn checked_rejects_short() {
        assert!(Message::new_checked(&[0u8; 19][..]).is_err());
        let mut b = [0u8; 24];
        b[1] = 1;
        b[3] = 8;
        assert!(matches!(
            Message::new_checked(&b[..]),
            Err(Error::Truncated { .. })
        ));
    }
}
