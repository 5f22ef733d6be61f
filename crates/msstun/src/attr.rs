//! Attributes: iteration over the TLVs of a message and typed decoding of each value
//! into the sub-fields its [`Layout`] describes.

use crate::field::{split_tlv, Tlv, TlvError};
use crate::message::{Dialect, HEADER_LEN};
use crate::registry::{
    self, AttrDesc, FieldDesc, FieldRole, Layout, Role, ADDRESS_FIELD_ARRAY, ERROR_CODE_FIELD_ARRAY,
};
use crate::Error;

/// One attribute of a message.
#[derive(Debug, Clone, Copy)]
pub struct Attribute<'a> {
    /// Type code.
    pub code: u16,
    /// Declared value length (without padding).
    pub length: u16,
    /// The value bytes.
    pub value: &'a [u8],
    /// Offset of the attribute's type field, from the start of the message.
    pub offset: usize,
    /// Header of the message (for XOR and checks).
    header: &'a [u8; HEADER_LEN],
    /// Descriptor, if the dialect knows the code.
    pub desc: Option<&'static AttrDesc>,
    /// Dialect of the enclosing message.
    pub dialect: Dialect,
    /// Whether values are followed by padding in this message (the dialect's rule,
    /// unless the message tolerably deviates from it, see [`crate::Deviations`]).
    padded: bool,
}

impl<'a> Attribute<'a> {
    /// Write the value as one line of text — the one formatter of attribute values: the
    /// plugin's tree items and the relay's lines and JSON (`msstun-event`) show this
    /// text. An address `ip:port` (XOR undone), ERROR-CODE `401 Unauthorized`, otherwise
    /// the registry's fields separated by `, `: numbers by their value name (else hex or
    /// decimal as the field says, with its unit), text escaped
    /// ([`crate::summary::write_escaped`]), bytes as hex cut at [`VALUE_HEX_MAX`] bytes
    /// (`…`), a token of bytes where text is customary with its length first. Nothing
    /// for fields past a value that does not decode. No allocation.
    pub fn write_value<W: core::fmt::Write + ?Sized>(&self, w: &mut W) -> core::fmt::Result {
        use crate::summary::{write_escaped, write_hex};
        if let Some(Ok(addr)) = self.address() {
            return write!(w, "{addr}");
        }
        if let Some((code, reason)) = self.error_code() {
            write!(w, "{code} ")?;
            return write_escaped(w, reason.as_bytes());
        }
        for (i, f) in self.fields().map_while(Result::ok).enumerate() {
            if i > 0 {
                w.write_str(", ")?;
            }
            match f.value {
                FieldValue::Uint(n) => match f.desc.value_name(n as u32) {
                    Some(name) => w.write_str(name)?,
                    None if f.desc.base == registry::Base::Hex => write!(w, "0x{n:x}")?,
                    None if f.desc.unit.is_empty() => write!(w, "{n}")?,
                    None => write!(w, "{n} {}", f.desc.unit)?,
                },
                FieldValue::Bool(b) => write!(w, "{b}")?,
                FieldValue::Ipv4(ip) => write!(w, "{}", core::net::Ipv4Addr::from(ip))?,
                FieldValue::Ipv6(ip) => write!(w, "{}", core::net::Ipv6Addr::from(ip))?,
                // Text as Wireshark's format_text shows it (one line, no control
                // characters); binary text (MS-ICE credentials) the same way.
                FieldValue::Str(t) => write_escaped(w, t.as_bytes())?,
                // A token (binary where text is only customary): bytes, with their length.
                FieldValue::Bytes(b) if f.desc.kind == registry::FieldKind::Str => {
                    write!(w, "({} bytes) ", b.len())?;
                    write_hex(w, b, VALUE_HEX_MAX)?;
                }
                FieldValue::Bytes(b) => write_hex(w, b, VALUE_HEX_MAX)?,
            }
        }
        Ok(())
    }

    /// [`write_value`](Self::write_value) as a `Display` (`format!("{}", a.value_text())`).
    pub fn value_text(&self) -> ValueText<'_, 'a> {
        ValueText(self)
    }

    /// Name from the registry, or `"Unknown"`.
    pub fn name(&self) -> &'static str {
        self.desc.map_or("Unknown", |d| d.name)
    }
    /// Whether the type is in the comprehension-required range.
    pub fn comprehension_required(&self) -> bool {
        registry::comprehension_required(self.code)
    }
    /// Offset of the value from the start of the message.
    pub fn value_offset(&self) -> usize {
        self.offset + 4
    }
    /// Bytes of padding after the value in this dialect.
    pub fn padding(&self) -> usize {
        if self.padded {
            (4 - (self.length as usize % 4)) % 4
        } else {
            0
        }
    }
    /// Decode the value into its sub-fields.
    #[inline]
    pub fn fields(&self) -> Fields<'a> {
        Fields {
            value: self.value,
            header: self.header,
            layout: self.layout(),
            offset: self.offset,
            index: 0,
            dialect: self.dialect,
        }
    }
    /// Whether a text value that is not UTF-8 is normal here rather than malformed:
    /// in every dialect where text is only customary ([`registry::utf8_required`] is
    /// false: RFC 3489, both [MS-TURN] dialects), where USERNAME and NONCE are opaque
    /// tokens — random bytes from [MS-ICE] agents (Office Communicator 2007, libnice's
    /// OC2007 mode), binary tokens from Teams' relays. Such a value decodes as
    /// [`FieldValue::Bytes`] of its text field.
    #[inline]
    pub fn binary_text_ok(&self) -> bool {
        binary_text_ok(self.dialect)
    }
    /// The tolerated short form this value is decoded in (Teams' 4-byte
    /// MS-SEQUENCE-NUMBER, see [`registry::SHORT_FORMS`]), if any: a deviation to report.
    #[inline]
    pub fn short_form(&self) -> Option<&'static registry::ShortForm> {
        match self.layout() {
            Layout::Struct(parts) => registry::short_form(parts, self.value.len()),
            _ => None,
        }
    }
    /// The first error [`fields`](Self::fields) reports (`None` for a well-formed
    /// value): how a caller that shows nothing of a value still finds out that it is
    /// malformed. The same decoding as `fields`, so the two cannot disagree.
    #[inline]
    pub fn value_error(&self) -> Option<Error> {
        // The common layouts are checked without decoding their fields: the plugin asks this
        // of every attribute of a tree nobody sees, and walking the fields there cost it
        // about 300 instructions a message (+6 %, callgrind-tshark). The checks are the ones
        // `fields` makes (check_address, read_uint/kind_len, text_value); a unit test and the
        // fuzz targets compare both answers.
        let (v, offset) = (self.value, self.offset);
        let bad = |reason| Some(Error::BadValue { offset, reason });
        match self.layout() {
            Layout::Address | Layout::XorAddress => check_address(v, offset).err(),
            Layout::Number(f) => match read_uint(v) {
                Some(_) if v.len() == kind_len(f.kind) => None,
                _ => self.fields().find_map(Result::err),
            },
            Layout::Text(_) => match text_value(v) {
                Some(_) => None,
                None if self.binary_text_ok() => None,
                None => bad("text is not valid UTF-8"),
            },
            Layout::Opaque(_) => None,
            Layout::Fingerprint if v.len() == 4 => None,
            _ => self.fields().find_map(Result::err),
        }
    }
    /// What the attribute means ([`Role::None`] for an unknown code).
    #[inline]
    pub fn role(&self) -> Role {
        self.desc.map_or(Role::None, |d| d.role)
    }
    /// The decoded sub-field with `role` (e.g. ERROR-CODE's [`FieldRole::ErrorCode`]),
    /// `None` if the layout has none or the value is malformed before it.
    pub fn field(&self, role: FieldRole) -> Option<Field<'a>> {
        self.fields()
            .map_while(Result::ok)
            .find(|f| f.desc.role == role)
    }
    /// The layout used to decode this attribute (raw bytes for unknown codes).
    #[inline]
    pub fn layout(&self) -> &'static Layout {
        static UNKNOWN: Layout = Layout::Opaque(registry::UNKNOWN_VALUE);
        match self.desc {
            Some(d) => &d.layout,
            None => &UNKNOWN,
        }
    }
    /// Decode an address attribute (plain or XOR), or the first address part of a
    /// structured value, if the layout has one. Read from [`fields`](Self::fields).
    pub fn address(&self) -> Option<Result<Address, Error>> {
        let has_address = match self.layout() {
            // The whole value is the address: read straight from the bytes (what the
            // field walk below finds, without it: the Info column and the session
            // analysis ask this of every mapped, relayed and peer address).
            Layout::Address => return Some(plain_address(self.value, None, self.offset)),
            Layout::XorAddress => {
                return Some(plain_address(self.value, Some(self.header), self.offset))
            }
            Layout::Struct(parts) => parts.iter().any(|p| p.address.is_some()),
            _ => false,
        };
        if !has_address {
            return None;
        }
        let mut family = 0;
        let mut port = 0;
        for f in self.fields() {
            let f = match f {
                Ok(f) => f,
                Err(e) => return Some(Err(e)),
            };
            let ip = match (f.desc.role, f.value) {
                (FieldRole::Family, FieldValue::Uint(n)) => {
                    family = n as u8;
                    continue;
                }
                (FieldRole::Port, FieldValue::Uint(n)) => {
                    port = n as u16;
                    continue;
                }
                (FieldRole::Ipv4, FieldValue::Ipv4(a)) => core::net::IpAddr::from(a),
                (FieldRole::Ipv6, FieldValue::Ipv6(a)) => core::net::IpAddr::from(a),
                _ => continue,
            };
            return Some(Ok(Address { family, port, ip }));
        }
        None
    }
    /// The value as a big-endian u32, if exactly 4 bytes long.
    pub fn as_u32(&self) -> Option<u32> {
        // A deliberately wrong bound, compiled only with `--cfg msstun_seeded_defect`
        // (never in a normal build): proves that scripts/fuzz-cov.sh and
        // scripts/fuzz-tshark.sh find a panic on a 3-byte u32 value within their CI budget.
        #[cfg(msstun_seeded_defect)]
        if self.value.len() == 3 {
            return Some(u32::from_be_bytes(
                self.value[..4].try_into().unwrap_or([0; 4]),
            ));
        }
        self.value.try_into().ok().map(u32::from_be_bytes)
    }
    /// The value as text, if it is valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        utf8(self.value).ok()
    }
    /// ERROR-CODE as (code, reason), if this is one and well formed.
    pub fn error_code(&self) -> Option<(u16, &'a str)> {
        if !matches!(self.layout(), Layout::ErrorCode) || self.value.len() < 4 {
            return None;
        }
        let code = (self.value[2] & 0x07) as u16 * 100 + self.value[3] as u16;
        Some((code, utf8_lossless(&self.value[4..])))
    }
}

fn utf8_lossless(b: &[u8]) -> &str {
    match utf8(b) {
        Ok(s) => s,
        Err(e) => core::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or(""),
    }
}

/// [`Attribute::binary_text_ok`] from what [`Fields`] keeps. Only asked for a text value
/// that is not UTF-8, which keeps it off the hot path.
#[cold]
fn binary_text_ok(dialect: Dialect) -> bool {
    !registry::utf8_required(dialect)
}

/// A transport address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    /// Family byte as sent (1 = IPv4, 2 = IPv6).
    pub family: u8,
    /// Port (XOR undone).
    pub port: u16,
    /// Address (XOR undone).
    pub ip: core::net::IpAddr,
}

/// `10.0.0.1:3478`, or `[2001:db8::1]:3478`. IPv4 (nearly every address in the Info
/// column) is written digit by digit into one buffer: measured twice as fast as
/// `Ipv4Addr`'s `Display` plus the port (`cargo bench -p msstun --bench micro`).
impl core::fmt::Display for Address {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.write_to(f)
    }
}

impl Address {
    /// Write `a.b.c.d:port` (IPv6: `[addr]:port`) to `f`: what `Display` writes, without a
    /// `Formatter` in between (the Info text of every message with an address: going through
    /// `write!` cost the plugin about 170 instructions a message, callgrind-tshark).
    #[inline]
    pub fn write_to<W: core::fmt::Write + ?Sized>(&self, f: &mut W) -> core::fmt::Result {
        match self.ip {
            core::net::IpAddr::V4(ip) => {
                // "255.255.255.255:65535" (21 bytes) in a 32-byte buffer: indexes masked
                // with 31 need no bounds check.
                let mut out = [0u8; 32];
                let mut n = 0;
                for (k, o) in ip.octets().into_iter().enumerate() {
                    n = dec_digits(&mut out, n, o as u16);
                    out[n & 31] = if k == 3 { b':' } else { b'.' };
                    n += 1;
                }
                n = dec_digits(&mut out, n, self.port);
                f.write_str(core::str::from_utf8(&out[..n & 31]).map_err(|_| core::fmt::Error)?)
            }
            core::net::IpAddr::V6(a) => write!(f, "[{}]:{}", a, self.port),
        }
    }
}

/// Writes `v` in decimal into `out` at `n`; returns the position after it (the Info
/// text of every message with an address: unrolled, no bounds checks, divisions by
/// constants; half the instructions of a digit loop, callgrind-tshark).
#[inline]
fn dec_digits(out: &mut [u8; 32], mut n: usize, v: u16) -> usize {
    let v = v as u32;
    if v >= 10000 {
        out[n & 31] = b'0' + (v / 10000) as u8;
        n += 1;
    }
    if v >= 1000 {
        out[n & 31] = b'0' + (v / 1000 % 10) as u8;
        n += 1;
    }
    if v >= 100 {
        out[n & 31] = b'0' + (v / 100 % 10) as u8;
        n += 1;
    }
    if v >= 10 {
        out[n & 31] = b'0' + (v / 10 % 10) as u8;
        n += 1;
    }
    out[n & 31] = b'0' + (v % 10) as u8;
    n + 1
}

/// The 16-byte XOR key: header bytes 4..20 (see [`address_field`]).
///
/// An earlier version used the constant cookie 0x2112A442 for the first 32 bits even
/// without a cookie in the header; [MS-TURN] §2.2.2.16 (and [MS-TURNBWM] §2.2.4–§2.2.7,
/// which refer to "the Transaction ID specified in [MS-TURN] section 2.2.1") say the
/// transaction id, and Wireshark's stun dissector agrees.
#[inline]
fn xor_key(h: &[u8; HEADER_LEN]) -> [u8; 16] {
    let mut k = [0u8; 16];
    k.copy_from_slice(&h[4..20]);
    k
}

/// The address that is the whole value `v` of the attribute at `offset` (XORed with the
/// header's bytes 4..20 when `xor` has the header): the same checks and values as the
/// family, port and address fields of [`address_field`].
#[inline]
fn plain_address(
    v: &[u8],
    xor: Option<&[u8; HEADER_LEN]>,
    offset: usize,
) -> Result<Address, Error> {
    check_address(v, offset)?;
    let key = xor.map_or([0u8; 16], xor_key);
    let port = u16::from_be_bytes([v[2] ^ key[0], v[3] ^ key[1]]);
    let ip = match v.get(4..20) {
        Some(raw) => {
            let mut a = [0u8; 16];
            for (o, (b, k)) in a.iter_mut().zip(raw.iter().zip(key)) {
                *o = b ^ k;
            }
            core::net::IpAddr::from(a)
        }
        None => {
            core::net::IpAddr::from([v[4] ^ key[0], v[5] ^ key[1], v[6] ^ key[2], v[7] ^ key[3]])
        }
    };
    Ok(Address {
        family: v[1],
        port,
        ip,
    })
}

/// A decoded sub-field value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// Any unsigned number.
    Uint(u64),
    /// Flag.
    Bool(bool),
    /// IPv4 address.
    Ipv4([u8; 4]),
    /// IPv6 address.
    Ipv6([u8; 16]),
    /// Text (valid UTF-8).
    Str(&'a str),
    /// Bytes (also the value of a text field that may be binary, see
    /// [`Attribute::binary_text_ok`]).
    Bytes(&'a [u8]),
}

/// One decoded sub-field with where its bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// Description from the registry.
    pub desc: &'static FieldDesc,
    /// Value.
    pub value: FieldValue<'a>,
    /// Offset of the bytes from the start of the message.
    pub offset: usize,
    /// Number of bytes.
    pub len: usize,
}

/// Iterator over the decoded sub-fields of an attribute. Yields an error at most once,
/// then stops.
///
/// A small state machine: the layout is looked up once (in [`Attribute::fields`]), a
/// value is validated when its first field is produced and every later field is read
/// straight from the bytes.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    value: &'a [u8],
    header: &'a [u8; HEADER_LEN],
    layout: &'static Layout,
    /// Offset of the attribute (for errors); the value starts 4 bytes later.
    offset: usize,
    index: usize,
    /// Dialect of the message (whether text must be UTF-8).
    dialect: Dialect,
}

/// Index value meaning "finished" (after an error).
// Fits a compare's 32-bit immediate: the field loop keeps no register for it.
const FIELDS_DONE: usize = i32::MAX as usize;

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let i = self.index;
        if i >= FIELDS_DONE {
            return None;
        }
        self.index = i + 1;
        let item = self.field(i);
        if let Some(Err(_)) = item {
            self.index = FIELDS_DONE;
        }
        item
    }
}

impl<'a> Fields<'a> {
    #[inline]
    fn ok(
        &self,
        desc: &'static FieldDesc,
        value: FieldValue<'a>,
        off: usize,
        len: usize,
    ) -> Option<Result<Field<'a>, Error>> {
        field_at(self.offset, desc, value, off, len)
    }

    #[inline]
    fn bad(&self, reason: &'static str) -> Option<Result<Field<'a>, Error>> {
        bad_value(self.offset, reason)
    }

    /// Field number `i` (fields before it have been produced without error).
    ///
    /// The layouts of nearly every attribute (addresses, numbers, text, opaque values,
    /// FINGERPRINT) are decoded inline; the rest out of line, which keeps the caller's
    /// loop small.
    #[inline]
    fn field(&self, i: usize) -> Option<Result<Field<'a>, Error>> {
        let v = self.value;
        match self.layout {
            Layout::Address | Layout::XorAddress => self.address_field(i),
            Layout::Number(f) => {
                if i != 0 {
                    return None;
                }
                match read_uint(v) {
                    Some(n) if v.len() == kind_len(f.kind) => {
                        self.ok(f, FieldValue::Uint(n), 0, v.len())
                    }
                    _ => self.bad("number of unexpected length"),
                }
            }
            Layout::Text(f) => match i {
                0 => match text_value(v) {
                    Some(s) => self.ok(f, FieldValue::Str(s), 0, v.len()),
                    None if binary_text_ok(self.dialect) => {
                        self.ok(f, FieldValue::Bytes(v), 0, v.len())
                    }
                    None => self.bad("text is not valid UTF-8"),
                },
                _ => None,
            },
            Layout::Opaque(f) => match i {
                0 => self.ok(f, FieldValue::Bytes(v), 0, v.len()),
                _ => None,
            },
            Layout::Fingerprint => match i {
                0 => match *v {
                    [a, b, c, d] => self.ok(
                        &registry::FINGERPRINT_FIELD_ARRAY[0],
                        FieldValue::Uint(u32::from_be_bytes([a, b, c, d]) as u64),
                        0,
                        4,
                    ),
                    _ => self.bad("FINGERPRINT is not 4 bytes"),
                },
                _ => None,
            },
            Layout::Integrity => match i {
                0 => integrity_field(v, self.offset),
                _ => None,
            },
            layout => other_field(layout, v, self.header, self.offset, i),
        }
    }

    /// Family, port, address of a (XOR) address attribute.
    #[inline]
    fn address_field(&self, i: usize) -> Option<Result<Field<'a>, Error>> {
        let xor = matches!(self.layout, Layout::XorAddress);
        address_field(
            &ADDRESS_FIELD_ARRAY,
            self.value,
            0,
            self.header,
            xor,
            self.offset,
            i,
        )
    }
}

/// Field `i` (0 family, 1 port, 2 address) of an address `v` lying `base` bytes into
/// the value of the attribute at `offset`, with the descriptors `fields` (family, port,
/// IPv4, IPv6). Field 0 checks the value (length at least 4, family 1 with 8 bytes or
/// family 2 with 20); the later ones read the bytes directly. `xor` undoes the XOR with
/// header bytes 4..20 (see [`xor_key`]).
///
/// The XOR key is always bytes 4..20 of the header: the magic cookie and the 96-bit
/// transaction id in RFC 5389 (RFC 8489 §14.2), and the 128-bit transaction id in
/// legacy MS-TURN, whose §2.2.2.16 XORs X-Port with "the most significant 16 bits of
/// the Transaction ID" and X-IP Address with its most significant 32 (IPv4) or 128
/// (IPv6) bits. The IPv4 case of both is the same operation on the same bytes.
#[inline]
fn address_field<'a>(
    fields: &'static [FieldDesc; 4],
    v: &'a [u8],
    base: usize,
    h: &[u8; HEADER_LEN],
    xor: bool,
    offset: usize,
    i: usize,
) -> Option<Result<Field<'a>, Error>> {
    match i {
        0 => {
            if let Err(e) = check_address(v, offset) {
                return Some(Err(e));
            }
            field_at(
                offset,
                &fields[0],
                FieldValue::Uint(v[1] as u64),
                base + 1,
                1,
            )
        }
        1 => {
            let mut port = u16::from_be_bytes([*v.get(2)?, *v.get(3)?]);
            if xor {
                port ^= u16::from_be_bytes([h[4], h[5]]);
            }
            field_at(
                offset,
                &fields[1],
                FieldValue::Uint(port as u64),
                base + 2,
                2,
            )
        }
        2 => {
            if v.len() == 8 {
                let mut a = u32::from_ne_bytes([v[4], v[5], v[6], v[7]]);
                if xor {
                    a ^= u32::from_ne_bytes([h[4], h[5], h[6], h[7]]);
                }
                field_at(
                    offset,
                    &fields[2],
                    FieldValue::Ipv4(a.to_ne_bytes()),
                    base + 4,
                    4,
                )
            } else {
                let raw: &[u8; 16] = v.get(4..20)?.try_into().ok()?;
                let mut a = u128::from_ne_bytes(*raw);
                if xor {
                    a ^= u128::from_ne_bytes(xor_key(h));
                }
                field_at(
                    offset,
                    &fields[3],
                    FieldValue::Ipv6(a.to_ne_bytes()),
                    base + 4,
                    16,
                )
            }
        }
        _ => None,
    }
}

/// A field `off` bytes into the value of the attribute at `offset`.
#[inline]
fn field_at<'a>(
    offset: usize,
    desc: &'static FieldDesc,
    value: FieldValue<'a>,
    off: usize,
    len: usize,
) -> Option<Result<Field<'a>, Error>> {
    Some(Ok(Field {
        desc,
        value,
        offset: offset + 4 + off,
        len,
    }))
}

/// The error for a malformed value of the attribute at `offset`.
#[cold]
fn bad_value<'a>(offset: usize, reason: &'static str) -> Option<Result<Field<'a>, Error>> {
    Some(Err(Error::BadValue { offset, reason }))
}

/// A text value: UTF-8, trailing NULs dropped (`None` if not UTF-8). Out of line,
/// returning in registers.
#[inline(never)]
fn text_value(v: &[u8]) -> Option<&str> {
    // Trailing NULs (C-string padding, e.g. a 4-byte [MS-ICE2] foundation "1\0\0\0")
    // are not part of the text; the field still spans them. (NUL is ASCII, so
    // validating without them validates the whole.)
    let mut t = v;
    while let [rest @ .., 0] = t {
        t = rest;
    }
    utf8(t).ok()
}

#[inline(never)]
fn integrity_field(v: &[u8], offset: usize) -> Option<Result<Field<'_>, Error>> {
    // HMAC-SHA1 is 20 bytes; MESSAGE-INTEGRITY-SHA256 may be truncated to 16, 20,
    // 24 or 28 bytes (RFC 8489 §14.6); [MS-TURN] MS-Version 3+ sends a 32-byte
    // HMAC-SHA256 in 0x0008.
    if (16..=32).contains(&v.len()) && v.len().is_multiple_of(4) {
        field_at(
            offset,
            &registry::INTEGRITY_FIELD_ARRAY[0],
            FieldValue::Bytes(v),
            0,
            v.len(),
        )
    } else {
        bad_value(offset, "MESSAGE-INTEGRITY is not a 16..=32-byte HMAC")
    }
}

/// The less frequent layouts: ERROR-CODE, flags, lists, structures.
#[inline(never)]
fn other_field<'a>(
    layout: &'static Layout,
    v: &'a [u8],
    header: &[u8; HEADER_LEN],
    offset: usize,
    i: usize,
) -> Option<Result<Field<'a>, Error>> {
    match layout {
        Layout::ErrorCode => {
            let [_, _, c, n, ..] = *v else {
                return if i == 0 {
                    bad_value(offset, "ERROR-CODE shorter than 4 bytes")
                } else {
                    None
                };
            };
            let class = c & 0x07;
            match i {
                0 => field_at(
                    offset,
                    &ERROR_CODE_FIELD_ARRAY[0],
                    FieldValue::Uint(class as u64),
                    2,
                    1,
                ),
                1 => field_at(
                    offset,
                    &ERROR_CODE_FIELD_ARRAY[1],
                    FieldValue::Uint(n as u64),
                    3,
                    1,
                ),
                2 => field_at(
                    offset,
                    &ERROR_CODE_FIELD_ARRAY[2],
                    FieldValue::Uint(class as u64 * 100 + n as u64),
                    2,
                    2,
                ),
                3 => field_at(
                    offset,
                    &ERROR_CODE_FIELD_ARRAY[3],
                    FieldValue::Str(utf8_lossless(&v[4..])),
                    4,
                    v.len() - 4,
                ),
                _ => None,
            }
        }
        Layout::Flag => match i {
            0 if !v.is_empty() => bad_value(offset, "flag attribute with a value"),
            _ => None,
        },
        Layout::U16List(f) => {
            if i == 0 && !v.len().is_multiple_of(2) {
                return bad_value(offset, "list of 16-bit values with odd length");
            }
            let at = i * 2;
            let [a, b] = *v.get(at..at + 2)? else {
                return None;
            };
            field_at(
                offset,
                f,
                FieldValue::Uint(u16::from_be_bytes([a, b]) as u64),
                at,
                2,
            )
        }
        Layout::Struct(parts) => match registry::short_form(parts, v.len()) {
            Some(short) => struct_field(v, header, offset, short.parts, i),
            None => struct_field(v, header, offset, parts, i),
        },
        Layout::PasswordAlgorithms => password_algorithms_field(v, offset, i),
        // Decoded inline by `field`.
        Layout::Address
        | Layout::XorAddress
        | Layout::Number(_)
        | Layout::Text(_)
        | Layout::Opaque(_)
        | Layout::Fingerprint
        | Layout::Integrity => None,
    }
}

/// Field `i` of PASSWORD-ALGORITHMS (RFC 8489 §14.11): a list of algorithm (16 bits),
/// parameters length (16 bits) and parameters padded to 4 bytes; each entry yields its
/// algorithm and parameters length, and its parameters when there are any.
fn password_algorithms_field(
    v: &[u8],
    offset: usize,
    mut i: usize,
) -> Option<Result<Field<'_>, Error>> {
    let f = &registry::PASSWORD_ALGORITHMS_FIELD_ARRAY;
    let mut at = 0;
    while at < v.len() {
        let Some(&[a, b, c, d]) = v.get(at..at + 4) else {
            return bad_value(offset, "PASSWORD-ALGORITHMS entry shorter than 4 bytes");
        };
        let plen = u16::from_be_bytes([c, d]) as usize;
        let pend = at + 4 + plen;
        if pend > v.len() {
            return bad_value(offset, "PASSWORD-ALGORITHMS parameters overrun the value");
        }
        let fields = if plen > 0 { 3 } else { 2 };
        if i < fields {
            return match i {
                0 => field_at(
                    offset,
                    &f[0],
                    FieldValue::Uint(u16::from_be_bytes([a, b]) as u64),
                    at,
                    2,
                ),
                1 => field_at(offset, &f[1], FieldValue::Uint(plen as u64), at + 2, 2),
                _ => field_at(
                    offset,
                    &f[2],
                    FieldValue::Bytes(&v[at + 4..pend]),
                    at + 4,
                    plen,
                ),
            };
        }
        i -= fields;
        at = (pend + 3) & !3;
    }
    None
}

/// Field `i` of a `Layout::Struct`: a part yields one field, an address part three
/// (family, port, address).
fn struct_field<'a>(
    v: &'a [u8],
    header: &[u8; HEADER_LEN],
    offset: usize,
    parts: &'static [registry::Part],
    mut i: usize,
) -> Option<Result<Field<'a>, Error>> {
    for p in parts {
        match &p.address {
            None if i == 0 => return part_field(v, offset, p),
            None => i -= 1,
            Some(a) if i < 3 => {
                let start = p.offset as usize;
                let end = if p.len == 0 {
                    v.len()
                } else {
                    start + p.len as usize
                };
                let Some(bytes) = v.get(start..end) else {
                    return bad_value(offset, "value shorter than its layout");
                };
                return address_field(a.fields, bytes, start, header, a.xor, offset, i);
            }
            Some(_) => i -= 3,
        }
    }
    None
}

/// One [`registry::Part`] of a `Layout::Struct`.
fn part_field<'a>(
    v: &'a [u8],
    offset: usize,
    p: &'static registry::Part,
) -> Option<Result<Field<'a>, Error>> {
    let start = p.offset as usize;
    let end = if p.len == 0 {
        v.len()
    } else {
        start + p.len as usize
    };
    if end > v.len() || start > end {
        return bad_value(offset, "value shorter than its layout");
    }
    let bytes = &v[start..end];
    let value = match p.field.kind {
        registry::FieldKind::Str => match utf8(bytes) {
            Ok(s) => FieldValue::Str(s),
            Err(_) => return bad_value(offset, "text is not valid UTF-8"),
        },
        registry::FieldKind::Bytes => FieldValue::Bytes(bytes),
        registry::FieldKind::Ipv4 if bytes.len() == 4 => FieldValue::Ipv4(bytes.try_into().ok()?),
        registry::FieldKind::Ipv6 if bytes.len() == 16 => FieldValue::Ipv6(bytes.try_into().ok()?),
        registry::FieldKind::Bool => match read_uint(bytes) {
            Some(n) => FieldValue::Bool(p.apply_mask(n) != 0),
            None => return bad_value(offset, "flag of unexpected length"),
        },
        _ => match read_uint(bytes) {
            Some(n) => FieldValue::Uint(p.apply_mask(n)),
            None => return bad_value(offset, "number of unexpected length"),
        },
    };
    field_at(offset, &p.field, value, start, end - start)
}

/// The checks of an address: length at least 4, family 1 with 8 bytes or family 2
/// with 20.
#[inline]
fn check_address(v: &[u8], offset: usize) -> Result<(), Error> {
    let reason = match *v {
        [_, 1, ..] if v.len() == 8 => return Ok(()),
        [_, 2, ..] if v.len() == 20 => return Ok(()),
        [] | [_] | [_, _] | [_, _, _] => "address shorter than 4 bytes",
        [_, 1 | 2, ..] => "address length does not match family",
        _ => "unknown address family",
    };
    Err(Error::BadValue { offset, reason })
}

/// Size in bytes of a numeric kind (0 for non-numbers).
#[inline]
fn kind_len(k: registry::FieldKind) -> usize {
    match k {
        registry::FieldKind::U8 => 1,
        registry::FieldKind::U16 => 2,
        registry::FieldKind::U32 => 4,
        registry::FieldKind::U64 => 8,
        _ => 0,
    }
}

/// A big-endian number of 1, 2, 4 or 8 bytes.
#[inline]
fn read_uint(b: &[u8]) -> Option<u64> {
    Some(match *b {
        [a] => a as u64,
        [a, b] => u16::from_be_bytes([a, b]) as u64,
        [a, b, c, d] => u32::from_be_bytes([a, b, c, d]) as u64,
        [a, b, c, d, e, f, g, h] => u64::from_be_bytes([a, b, c, d, e, f, g, h]),
        _ => return None,
    })
}

/// Whether every byte is ASCII: 16 bytes at a time (a vector OR where the target has
/// one), short values with two overlapping loads, no early exit (values are short).
#[inline]
fn is_ascii(b: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = b.len();
    let word = |c: &[u8; 8]| u64::from_ne_bytes(*c);
    if n >= 16 {
        let (chunks, _) = b.as_chunks::<16>();
        let (mut lo, mut hi) = (0u64, 0u64);
        for c in chunks {
            let (l, h) = halves(c);
            lo |= l;
            hi |= h;
        }
        // The tail, as the last (overlapping) 16 bytes.
        if let Some(last) = b.last_chunk::<16>() {
            let (l, h) = halves(last);
            lo |= l;
            hi |= h;
        }
        (lo | hi) & HIGH == 0
    } else if n >= 8 {
        let (Some(first), Some(last)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) else {
            return false;
        };
        (word(first) | word(last)) & HIGH == 0
    } else if n >= 4 {
        let (Some(first), Some(last)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) else {
            return false;
        };
        (u32::from_ne_bytes(*first) | u32::from_ne_bytes(*last)) & 0x8080_8080 == 0
    } else {
        b.iter().fold(0u8, |a, &x| a | x) & 0x80 == 0
    }
}

/// The two 8-byte halves of a 16-byte chunk, as words.
#[inline]
fn halves(c: &[u8; 16]) -> (u64, u64) {
    let (l, h) = c.split_at(8);
    let word = |x: &[u8]| u64::from_ne_bytes(x.try_into().unwrap_or([0; 8]));
    (word(l), word(h))
}

/// `core::str::from_utf8` with a fast path for ASCII, the common case of STUN text.
///
/// The crate's one `unsafe` block (the crate is `#![deny(unsafe_code)]`; this is the
/// only `allow`): skipping `from_utf8`'s own validation of text already known to be
/// ASCII saves about 12 % of the instructions of a full decode (callgrind: 842 vs 951
/// instructions per message of the decode benchmark's corpus) and is measured against
/// the safe call in `cargo bench -p msstun --bench micro` (see the README).
#[inline]
pub(crate) fn utf8(b: &[u8]) -> Result<&str, core::str::Utf8Error> {
    if is_ascii(b) {
        // SAFETY: every byte is below 0x80, and ASCII is valid UTF-8.
        #[allow(unsafe_code)]
        Ok(unsafe { core::str::from_utf8_unchecked(b) })
    } else {
        core::str::from_utf8(b)
    }
}

/// Bytes of a value [`Attribute::write_value`] shows as hex before it cuts them (`…`).
pub const VALUE_HEX_MAX: usize = 16;

/// An attribute's value as text: [`Attribute::write_value`].
#[derive(Debug, Clone, Copy)]
pub struct ValueText<'r, 'a>(&'r Attribute<'a>);

impl core::fmt::Display for ValueText<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.write_value(f)
    }
}

/// Iterator over the attributes of a message. After a framing error (truncated or
/// overrunning attribute) it yields that error once and stops.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    /// The message's length (an attribute's offset is this minus what is left from it).
    end: usize,
    header: &'a [u8; HEADER_LEN],
    /// The attributes not yet walked (empty once finished).
    rest: &'a [u8],
    /// Whether values are padded to 4 bytes.
    pad: bool,
    dialect: Dialect,
}

impl<'a> Attributes<'a> {
    /// Iterate over the attributes of `msg` (a whole message, header included).
    #[inline]
    pub fn new(msg: &'a [u8], dialect: Dialect) -> Self {
        static NO_HEADER: [u8; HEADER_LEN] = [0; HEADER_LEN];
        // Shorter than a header: nothing is yielded.
        let header = msg.first_chunk::<HEADER_LEN>().unwrap_or(&NO_HEADER);
        Attributes {
            end: msg.len(),
            header,
            rest: msg.get(HEADER_LEN..).unwrap_or(&[]),
            pad: crate::message::walk_padded(msg, dialect),
            dialect,
        }
    }
}

/// The error of a walk that failed at `offset` with `left` bytes left (out of line: the
/// walk's loop stays small).
#[cold]
fn walk_error(e: TlvError, offset: usize, left: usize) -> Error {
    let available = left.saturating_sub(crate::field::tlv::VALUE);
    match e {
        TlvError::Truncated => Error::AttributeTruncated {
            offset,
            available: left,
        },
        TlvError::Overrun { code, declared } => Error::AttributeOverrun {
            offset,
            code,
            declared,
            available,
        },
        // The last attribute lacks its padding.
        TlvError::BadPadding { code } => Error::BadPadding { offset, code },
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<Attribute<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest;
        if rest.is_empty() {
            return None;
        }
        let offset = self.end - rest.len();
        let (after, tlv) = match split_tlv(rest, self.pad) {
            Ok(ok) => ok,
            Err(e) => {
                self.rest = &[];
                return Some(Err(walk_error(e, offset, rest.len())));
            }
        };
        let Tlv {
            code,
            length,
            value,
        } = tlv;
        self.rest = after;
        Some(Ok(Attribute {
            code,
            length,
            value,
            offset,
            header: self.header,
            desc: registry::attribute(self.dialect, code),
            dialect: self.dialect,
            padded: self.pad,
        }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::message::{Message, MAGIC_COOKIE, MS_TURN_MAGIC_COOKIE};
    use crate::registry::{FieldKind, ATTRIBUTES};
    use std::vec::Vec;

    /// An IPv4 address is written as std writes the socket address, at every digit count
    /// of the octets and the port.
    #[test]
    fn ipv4_address_text_is_std_s() {
        use std::string::ToString;
        let parts = [0u16, 7, 9, 10, 42, 99, 100, 199, 255];
        let ports = [
            0u16, 5, 10, 99, 100, 999, 1000, 3478, 9999, 10000, 54321, 65535,
        ];
        for (i, &a) in parts.iter().enumerate() {
            for &b in &parts[i..] {
                for &port in &ports {
                    let o = [
                        a as u8,
                        b as u8,
                        parts[(i + 3) % parts.len()] as u8,
                        b as u8,
                    ];
                    let ip = core::net::IpAddr::from(o);
                    let addr = Address {
                        family: 1,
                        port,
                        ip,
                    };
                    let want = std::net::SocketAddr::new(ip, port).to_string();
                    assert_eq!(addr.to_string(), want);
                }
            }
        }
    }

    /// One TLV, padded to 4 bytes when `pad`.
    pub(crate) fn tlv(code: u16, value: &[u8], pad: bool) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&code.to_be_bytes());
        v.extend_from_slice(&(value.len() as u16).to_be_bytes());
        v.extend_from_slice(value);
        while pad && v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    /// An RFC 5389 message.
    pub(crate) fn rfc5389(msg_type: u16, txid: [u8; 12], attrs: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = attrs.concat();
        let mut v = Vec::new();
        v.extend_from_slice(&msg_type.to_be_bytes());
        v.extend_from_slice(&(body.len() as u16).to_be_bytes());
        v.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        v.extend_from_slice(&txid);
        v.extend_from_slice(&body);
        v
    }

    /// MS-TURN in an RFC 5389 header (Teams): cookie, 96-bit id, MAGIC-COOKIE first.
    pub(crate) fn ms5389(msg_type: u16, txid: [u8; 12], attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut all = std::vec![tlv(0x000F, &MS_TURN_MAGIC_COOKIE.to_be_bytes(), false)];
        all.extend_from_slice(attrs);
        rfc5389(msg_type, txid, &all)
    }

    /// A message with a 128-bit transaction id; `ms` puts MAGIC-COOKIE first.
    pub(crate) fn legacy(msg_type: u16, txid: [u8; 16], ms: bool, attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut body: Vec<u8> = Vec::new();
        if ms {
            body.extend(tlv(0x000F, &MS_TURN_MAGIC_COOKIE.to_be_bytes(), false));
        }
        body.extend(attrs.concat());
        let mut v = Vec::new();
        v.extend_from_slice(&msg_type.to_be_bytes());
        v.extend_from_slice(&(body.len() as u16).to_be_bytes());
        v.extend_from_slice(&txid);
        v.extend_from_slice(&body);
        v
    }

    #[test]
    fn value_error_is_the_first_error_of_fields() {
        let mut values: Vec<Vec<u8>> = Vec::new();
        for len in 0..=36usize {
            values.push(std::vec![0u8; len]);
            values.push((0..len).map(|i| i as u8 ^ 0x5a).collect());
            values.push(std::vec![b'a'; len]);
            let mut addr = std::vec![0u8; len];
            if len > 1 {
                addr[1] = if len == 8 { 1 } else { 2 };
            }
            values.push(addr);
        }
        values.push(std::vec![0xc3, 0x28, 0, 0]);
        values.push(std::vec![0, 1, 0x12, 0x34, 10, 0, 0, 1]);
        let mut checked = 0;
        for d in ATTRIBUTES {
            for v in &values {
                let msgs = [
                    rfc5389(0x0001, [3; 12], &[tlv(d.code, v, true)]),
                    legacy(0x0001, [4; 16], true, &[tlv(d.code, v, false)]),
                ];
                for m in &msgs {
                    let msg = Message::new_checked(&m[..]).unwrap();
                    for a in msg.attributes().map_while(Result::ok) {
                        let want = a.fields().find_map(Result::err);
                        assert_eq!(a.value_error(), want, "{} {:02x?}", d.key, v);
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    /// Issue 9, 3a: random-byte credentials are normal in the legacy dialects, not
    /// malformed; issue 18: so are Teams' binary tokens (MS-TURN in an RFC 5389 header);
    /// RFC 5389/8489 still requires UTF-8.
    #[test]
    fn binary_username_in_legacy_dialects() {
        use crate::build::MessageBuilder;
        use crate::Class;
        let user = b"\xe6\x8e\x0d\x3c:1:\x0b\x22";
        for (d, ok) in [
            (Dialect::Rfc3489, true),
            (Dialect::MsTurn, true),
            (Dialect::MsTurn5389, true),
            (Dialect::Rfc5389, false),
        ] {
            let tid = [9u8; 16];
            let tid = if d.has_cookie() { &tid[..12] } else { &tid[..] };
            let b = MessageBuilder::new(d, 0x001, Class::Request, tid)
                .attr(0x0006, user)
                .string(0x8022, "agent\u{1}")
                .finish();
            let msg = Message::new_checked(&b[..]).unwrap();
            assert_eq!(msg.dialect(), d);
            let a = msg
                .attributes()
                .find(|a| a.as_ref().unwrap().code == 6)
                .unwrap()
                .unwrap();
            assert_eq!(a.binary_text_ok(), ok);
            if ok {
                assert_eq!(a.value_error(), None);
                assert_eq!(fields_of(&a), [("", FieldValue::Bytes(user))]);
            } else {
                assert!(a.value_error().is_some());
            }
            // Valid text stays text; other text is bytes where text is only customary
            // and malformed where RFC 8489 requires UTF-8.
            let b = MessageBuilder::new(d, 0x001, Class::Request, tid)
                .attr(0x0006, b"ab:cd\0\0\0")
                .attr(0x8022, b"\xff")
                .finish();
            let msg = Message::new_checked(&b[..]).unwrap();
            let mut it = msg
                .attributes()
                .map(Result::unwrap)
                .filter(|a| a.code != 0x000F);
            assert_eq!(
                fields_of(&it.next().unwrap()),
                [("", FieldValue::Str("ab:cd"))]
            );
            assert_eq!(it.next().unwrap().value_error().is_some(), !ok);
        }
    }

    /// The one value formatter: the texts the plugin's tree and the relay show.
    #[test]
    fn value_text() {
        let b = rfc5389(
            0x0003,
            [1; 12],
            &[
                tlv(0x0019, &[17, 0, 0, 0], true),
                tlv(0x000D, &600u32.to_be_bytes(), true),
                tlv(0x0009, b"\0\0\x04\x01Bad\nthing", true),
                tlv(0x0008, &[0xab; 20], true),
                tlv(0x0006, b"user:name", true),
            ],
        );
        let m = Message::new_checked(&b[..]).unwrap();
        let t: Vec<std::string::String> = m
            .attributes()
            .map(|a| std::format!("{}", a.unwrap().value_text()))
            .collect();
        assert_eq!(t[0], "UDP");
        assert_eq!(t[1], "600 s");
        assert_eq!(t[2], "401 Bad\\nthing");
        assert_eq!(t[3], std::format!("{}…", "ab".repeat(VALUE_HEX_MAX)));
        assert_eq!(t[4], "user:name");
        let f =
            crate::build::MessageBuilder::new(Dialect::Rfc5389, 1, crate::Class::Request, &[1; 12])
                .fingerprint()
                .finish();
        let m = Message::new_checked(&f[..]).unwrap();
        let a = m.attributes().next().unwrap().unwrap();
        assert_eq!(
            std::format!("{}", a.value_text()),
            std::format!("0x{:08x}", a.as_u32().unwrap())
        );
    }

    fn fields_of<'a>(a: &Attribute<'a>) -> Vec<(&'static str, FieldValue<'a>)> {
        a.fields()
            .map(|f| f.map(|f| (f.desc.key, f.value)))
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn only(bytes: &[u8]) -> Attribute<'_> {
        let m = Message::new_checked(bytes).unwrap();
        let _ = m;
        let d = crate::message::detect_dialect(bytes);
        let all: Vec<_> = Attributes::new(bytes, d).collect::<Result<_, _>>().unwrap();
        *all.last().unwrap()
    }

    const RFC5769_TXID: [u8; 12] = [
        0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    ];

    #[test]
    fn framing_errors_end_the_iteration() {
        let good = tlv(0x0006, b"alice", true);
        // Truncated attribute header (3 bytes left).
        let mut b = rfc5389(0x0001, [1; 12], &[good.clone(), std::vec![0, 6, 0]]);
        let r: Vec<_> = Attributes::new(&b, Dialect::Rfc5389).collect();
        assert!(r[0].is_ok());
        assert_eq!(
            r[1].map(|a| a.code),
            Err(Error::AttributeTruncated {
                offset: 32,
                available: 3
            })
        );
        assert_eq!(r.len(), 2);
        // Declared length past the end.
        b = rfc5389(
            0x0001,
            [1; 12],
            &[good.clone(), std::vec![0, 6, 0, 9, b'x']],
        );
        let r: Vec<_> = Attributes::new(&b, Dialect::Rfc5389).collect();
        assert_eq!(
            r[1].map(|a| a.code),
            Err(Error::AttributeOverrun {
                offset: 32,
                code: 6,
                declared: 9,
                available: 1
            })
        );
        assert_eq!(r.len(), 2);
        // Last value complete but its padding missing: an error where values are
        // padded, fine in legacy MS-TURN.
        b = rfc5389(0x0001, [1; 12], &[good.clone(), tlv(0x0006, b"bob", false)]);
        let r: Vec<_> = Attributes::new(&b, Dialect::Rfc5389).collect();
        assert_eq!(
            r[1].map(|a| a.code),
            Err(Error::BadPadding {
                offset: 32,
                code: 6
            })
        );
        assert_eq!(r.len(), 2);
        let u = rfc5389(
            0x0001,
            [1; 12],
            &[tlv(0x0006, b"alice", false), tlv(0x0006, b"bob", false)],
        );
        let r: Vec<_> = Attributes::new(&u, Dialect::MsTurn).collect();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].unwrap().value, b"bob");
        // Shorter than a header: nothing.
        assert_eq!(Attributes::new(&b[..19], Dialect::Rfc5389).count(), 0);
    }

    /// Address decoding, per field and as [`Attribute::address`], on every family byte
    /// and length, plain and XORed, against RFC 8489 §14.1/§14.2 written out here.
    #[test]
    fn address_decoding_every_family_and_length() {
        let txid = [0x5a, 0x11, 0x93, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        for (code, xor) in [(0x0001u16, false), (0x0020, true)] {
            for family in 0..=3u8 {
                for len in 0..=24usize {
                    let value: Vec<u8> = (0..len)
                        .map(|i| {
                            if i == 1 {
                                family
                            } else {
                                (i as u8).wrapping_mul(73) ^ 0xa5
                            }
                        })
                        .collect();
                    let b = rfc5389(0x0101, txid, &[tlv(code, &value, true)]);
                    let m = Message::new_checked(&b[..]).unwrap();
                    let a = m.attributes().next().unwrap().unwrap();
                    let key: Vec<u8> = if xor { b[4..20].to_vec() } else { vec![0; 16] };
                    let ok = matches!((family, len), (1, 8) | (2, 20));
                    let reason = match (family, len) {
                        (_, 0..=3) => "address shorter than 4 bytes",
                        (1, 8) | (2, 20) => "",
                        (1 | 2, _) => "address length does not match family",
                        _ => "unknown address family",
                    };
                    let got: Vec<_> = a.fields().collect();
                    if !ok {
                        let e = Error::BadValue {
                            offset: a.offset,
                            reason,
                        };
                        assert_eq!(got, [Err(e)], "{code:#x} {family} {len}");
                        assert_eq!(a.address(), Some(Err(e)));
                        assert_eq!(a.value_error(), Some(e));
                        continue;
                    }
                    let port = u16::from_be_bytes([value[2] ^ key[0], value[3] ^ key[1]]);
                    let ip: Vec<u8> = (0..len - 4).map(|i| value[4 + i] ^ key[i]).collect();
                    let (fv, ipaddr) = if family == 1 {
                        let o: [u8; 4] = ip[..].try_into().unwrap();
                        (FieldValue::Ipv4(o), core::net::IpAddr::from(o))
                    } else {
                        let o: [u8; 16] = ip[..].try_into().unwrap();
                        (FieldValue::Ipv6(o), core::net::IpAddr::from(o))
                    };
                    let values: Vec<_> = got.into_iter().map(|f| f.unwrap().value).collect();
                    assert_eq!(
                        values,
                        [
                            FieldValue::Uint(family as u64),
                            FieldValue::Uint(port as u64),
                            fv
                        ]
                    );
                    assert_eq!(
                        a.address(),
                        Some(Ok(Address {
                            family,
                            port,
                            ip: ipaddr
                        }))
                    );
                    assert_eq!(a.value_error(), None);
                }
            }
        }
    }

    /// The ASCII fast path gives what `core::str::from_utf8` gives.
    #[test]
    fn utf8_agrees_with_core() {
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for len in 0..=40usize {
            let ascii: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            cases.push(ascii.clone());
            for at in 0..len {
                for bad in [0x80u8, 0xff, 0xc3] {
                    let mut v = ascii.clone();
                    v[at] = bad;
                    cases.push(v);
                }
                // A valid two-byte sequence (é) starting at `at`.
                if at + 1 < len {
                    let mut v = ascii.clone();
                    v[at] = 0xc3;
                    v[at + 1] = 0xa9;
                    cases.push(v);
                }
            }
        }
        for c in &cases {
            assert_eq!(utf8(c).ok(), core::str::from_utf8(c).ok(), "{c:02x?}");
        }
    }

    /// An address inside a structured value is one registry edit: this descriptor (what
    /// an entry in `ATTRIBUTES` would hold) puts a flag word, then a XOR address, then a
    /// plain one, and every consumer — fields, `address()`, the field list the plugin
    /// registers — follows from it.
    #[test]
    fn address_inside_a_structure() {
        use crate::registry::{
            address_part, xor_address_part, AttrDesc, Base, Dialects, FieldKind, Part,
        };
        static PEER: [FieldDesc; 4] = crate::address_part_fields!("peer", "Peer");
        static BASE: [FieldDesc; 4] = crate::address_part_fields!("base", "Base");
        static PARTS: [Part; 3] = [
            Part {
                field: FieldDesc::new("flags", "Flags", FieldKind::U32, Base::Hex),
                offset: 0,
                len: 4,
                mask: 0,
                address: None,
            },
            xor_address_part(&PEER, 4, 8),
            address_part(&BASE, 12, 0),
        ];
        static DESC: AttrDesc = AttrDesc {
            code: 0xC0DE,
            name: "TEST-ADDRESSES",
            key: "test_addresses",
            layout: Layout::Struct(&PARTS),
            spec: "test",
            dialects: Dialects::ALL,
            role: Role::None,
        };
        let keys: Vec<_> = DESC.layout.fields().map(|f| f.key).collect();
        assert_eq!(
            keys,
            [
                "flags",
                "peer.family",
                "peer.port",
                "peer.ipv4",
                "peer.ipv6",
                "base.family",
                "base.port",
                "base.ipv4",
                "base.ipv6"
            ]
        );
        let txid = [9u8; 12];
        let peer: core::net::SocketAddr = "192.0.2.7:3478".parse().unwrap();
        let base: core::net::SocketAddr = "[2001:db8::5]:5000".parse().unwrap();
        let mut header = [0u8; 16];
        header[..4].copy_from_slice(&crate::MAGIC_COOKIE.to_be_bytes());
        header[4..].copy_from_slice(&txid);
        let mut value = vec![0, 0, 0, 1];
        value.extend(crate::build::encode_address(peer, Some(&header)));
        value.extend(crate::build::encode_address(base, None));
        let b = rfc5389(0x0001, txid, &[tlv(0xC0DE, &value, true)]);
        let m = Message::new_checked(&b[..]).unwrap();
        let mut a = m.attributes().next().unwrap().unwrap();
        a.desc = Some(&DESC);
        let got: Vec<_> = a
            .fields()
            .map(|f| {
                let f = f.unwrap();
                (f.desc.key, f.value, f.offset - a.value_offset(), f.len)
            })
            .collect();
        let v6 = match base.ip() {
            core::net::IpAddr::V6(ip) => ip.octets(),
            _ => unreachable!(),
        };
        assert_eq!(
            got,
            [
                ("flags", FieldValue::Uint(1), 0, 4),
                ("peer.family", FieldValue::Uint(1), 5, 1),
                ("peer.port", FieldValue::Uint(3478), 6, 2),
                ("peer.ipv4", FieldValue::Ipv4([192, 0, 2, 7]), 8, 4),
                ("base.family", FieldValue::Uint(2), 13, 1),
                ("base.port", FieldValue::Uint(5000), 14, 2),
                ("base.ipv6", FieldValue::Ipv6(v6), 16, 16),
            ]
        );
        let first = a.address().unwrap().unwrap();
        assert_eq!((first.ip, first.port), (peer.ip(), peer.port()));
        assert_eq!(a.value_error(), None);
        assert_eq!(
            a.field(FieldRole::Port).unwrap().value,
            FieldValue::Uint(3478)
        );
        // A short address part is an error of the value, not a panic.
        let b = rfc5389(0x0001, txid, &[tlv(0xC0DE, &value[..10], true)]);
        let m = Message::new_checked(&b[..]).unwrap();
        let mut a = m.attributes().next().unwrap().unwrap();
        a.desc = Some(&DESC);
        assert!(a.value_error().is_some());
        assert!(matches!(a.address(), Some(Err(_))));
    }

    #[test]
    fn rfc5769_xor_mapped_ipv4() {
        // RFC 5769 §2.2: XOR-MAPPED-ADDRESS 192.0.2.1:32853.
        let v = [0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43];
        let b = rfc5389(0x0101, RFC5769_TXID, &[tlv(0x0020, &v, true)]);
        let a = only(&b);
        assert_eq!(a.name(), "XOR-MAPPED-ADDRESS");
        let addr = a.address().unwrap().unwrap();
        assert_eq!(std::format!("{addr}"), "192.0.2.1:32853");
        assert_eq!(
            fields_of(&a),
            [
                ("family", FieldValue::Uint(1)),
                ("port", FieldValue::Uint(32853)),
                ("ipv4", FieldValue::Ipv4([192, 0, 2, 1]))
            ]
        );
        let f: Vec<_> = a.fields().map(|f| f.unwrap()).collect();
        assert_eq!((f[1].offset, f[1].len), (26, 2));
        assert_eq!((f[2].offset, f[2].len), (28, 4));
    }

    #[test]
    fn rfc5769_xor_mapped_ipv6() {
        // RFC 5769 §2.3: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853.
        let v = [
            0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25,
            0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
        ];
        let b = rfc5389(0x0101, RFC5769_TXID, &[tlv(0x0020, &v, true)]);
        let a = only(&b);
        let addr = a.address().unwrap().unwrap();
        assert_eq!(
            std::format!("{addr}"),
            "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
        );
        let f = fields_of(&a);
        assert_eq!(f[2].0, "ipv6");
        assert_eq!(
            f[2].1,
            FieldValue::Ipv6([
                0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                0x66, 0x77
            ])
        );
    }

    #[test]
    fn ms_turn_xor_uses_transaction_id() {
        // [MS-TURN] §2.2.2.16: port 0x1122 XOR the top 16 bits of the transaction id
        // 0x4455 gives X-Port 0x5577; the address is XORed with its top 32 bits.
        let txid = [
            0x44, 0x55, 0x66, 0x77, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
        ];
        let x = [
            0x00,
            0x01,
            0x55,
            0x77,
            10 ^ 0x44,
            1 ^ 0x55,
            2 ^ 0x66,
            3 ^ 0x77,
        ];
        let b = legacy(0x0103, txid, true, &[tlv(0x8020, &x, false)]);
        let m = Message::new_checked(&b[..]).unwrap();
        assert_eq!(m.dialect(), Dialect::MsTurn);
        let a = m.attributes().last().unwrap().unwrap();
        assert_eq!(
            a.address().unwrap().unwrap(),
            Address {
                family: 1,
                port: 0x1122,
                ip: [10, 1, 2, 3].into()
            }
        );
        // IPv6: XOR with all 128 bits of the transaction id.
        let mut x6 = [0u8; 20];
        x6[1] = 2;
        x6[2..4].copy_from_slice(&[0x55, 0x77]);
        let ip6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        for i in 0..16 {
            x6[4 + i] = ip6[i] ^ txid[i];
        }
        let b = legacy(0x0103, txid, true, &[tlv(0x8020, &x6, false)]);
        let m = Message::new_checked(&b[..]).unwrap();
        let a = m.attributes().last().unwrap().unwrap();
        assert_eq!(
            std::format!("{}", a.address().unwrap().unwrap()),
            "[2001:db8::1]:4386"
        );
    }

    #[test]
    fn ms_turn_dialect_attributes() {
        let txid = [9u8; 16];
        let b = legacy(
            0x0115,
            txid,
            true,
            &[
                tlv(0x0012, &[0, 1, 0x0d, 0x96, 192, 168, 1, 2], false),
                tlv(0x0006, b"alice", false), // 5 bytes, unpadded
                tlv(0x0014, b"n0nce", false),
                tlv(0x0015, b"realm", false),
                tlv(0x0011, &[0, 1, 0, 80, 10, 0, 0, 1], false),
                tlv(0x0010, &512u32.to_be_bytes(), false),
                tlv(0x8008, &3u32.to_be_bytes(), false),
                tlv(0x000E, &[0, 1, 0x0d, 0x96, 1, 2, 3, 4], false),
            ],
        );
        let m = Message::new_checked(&b[..]).unwrap();
        assert_eq!(m.dialect(), Dialect::MsTurn);
        let (meth, class) = m.method_class();
        assert_eq!((meth.name, class.name()), ("Data", "Indication"));
        let attrs: Vec<_> = m.attributes().map(|a| a.unwrap()).collect();
        let keys: Vec<_> = attrs.iter().map(|a| a.desc.unwrap().key).collect();
        assert_eq!(
            keys,
            [
                "magic_cookie",
                "remote_address",
                "username",
                "nonce",
                "realm",
                "destination_address",
                "bandwidth",
                "ms_version",
                "alternate_server"
            ]
        );
        assert_eq!(fields_of(&attrs[0]), [("", FieldValue::Uint(0x72C6_4BC6))]);
        // REMOTE-ADDRESS is not XORed.
        assert_eq!(
            std::format!("{}", attrs[1].address().unwrap().unwrap()),
            "192.168.1.2:3478"
        );
        assert_eq!(attrs[2].as_str(), Some("alice"));
        assert_eq!(attrs[3].offset, 20 + 8 + 12 + 9);
        assert_eq!(fields_of(&attrs[3]), [("", FieldValue::Str("n0nce"))]);
        assert_eq!(fields_of(&attrs[6]), [("", FieldValue::Uint(512))]);
        assert_eq!(attrs[6].fields().next().unwrap().unwrap().desc.unit, "kbps");
        let v = attrs[7].fields().next().unwrap().unwrap();
        assert_eq!(v.desc.value_name(3), Some("ICE 2.0 with SHA-256 integrity"));
        assert_eq!(
            std::format!("{}", attrs[8].address().unwrap().unwrap()),
            "1.2.3.4:3478"
        );
    }

    #[test]
    fn rfc3489_dialect_attributes() {
        let txid = [7u8; 16];
        let b = legacy(
            0x0001,
            txid,
            false,
            &[
                tlv(0x0003, &[0, 0, 0, 6], true),
                tlv(0x0004, &[0, 1, 0x0d, 0x96, 1, 1, 1, 1], true),
                tlv(0x0014, b"realm", true),
                tlv(0x0015, b"nonce", true),
            ],
        );
        let m = Message::new_checked(&b[..]).unwrap();
        assert_eq!(m.dialect(), Dialect::Rfc3489);
        let attrs: Vec<_> = m.attributes().map(|a| a.unwrap()).collect();
        assert_eq!(
            fields_of(&attrs[0]),
            [
                ("change_ip", FieldValue::Bool(true)),
                ("change_port", FieldValue::Bool(true))
            ]
        );
        assert_eq!(attrs[1].name(), "SOURCE-ADDRESS");
        // The numbering of the drafts before rfc3489bis-03, as [MS-TURN] (issue 18).
        assert_eq!(attrs[2].desc.unwrap().key, "nonce");
        assert_eq!(attrs[3].desc.unwrap().key, "realm");
    }

    /// PASSWORD-ALGORITHMS is its list (RFC 8489 §14.11), parameters padded to 4.
    #[test]
    fn password_algorithms_list() {
        let v = [0, 2, 0, 0, 0, 9, 0, 3, 0xaa, 0xbb, 0xcc, 0, 0, 1, 0, 0];
        let b = rfc5389(0x0101, [1; 12], &[tlv(0x8002, &v, true)]);
        let a = only(&b);
        assert_eq!(
            fields_of(&a),
            [
                ("algorithm", FieldValue::Uint(2)),
                ("parameters_length", FieldValue::Uint(0)),
                ("algorithm", FieldValue::Uint(9)),
                ("parameters_length", FieldValue::Uint(3)),
                ("parameters", FieldValue::Bytes(&[0xaa, 0xbb, 0xcc])),
                ("algorithm", FieldValue::Uint(1)),
                ("parameters_length", FieldValue::Uint(0)),
            ]
        );
        assert_eq!(a.value_error(), None);
        let b = rfc5389(0x0101, [1; 12], &[tlv(0x8002, &[0, 1, 0, 8, 1], true)]);
        assert!(only(&b).value_error().is_some());
    }

    /// Teams' 4-byte MS-SEQUENCE-NUMBER decodes as its sequence number, a tolerated
    /// deviation (issue 18); other short lengths stay malformed.
    #[test]
    fn ms_sequence_number_of_4_bytes() {
        let b = ms5389(0x0003, [1; 12], &[tlv(0x8050, &[0, 0, 0, 7], false)]);
        let m = Message::new_checked(&b[..]).unwrap();
        let a = m.attributes().last().unwrap().unwrap();
        assert_eq!(a.desc.unwrap().key, "ms_sequence_number");
        assert!(a.short_form().is_some());
        assert_eq!(a.value_error(), None);
        assert_eq!(fields_of(&a), [("sequence", FieldValue::Uint(7))]);
        assert_eq!(
            a.field(FieldRole::Sequence).unwrap().value,
            FieldValue::Uint(7)
        );
        let b = ms5389(0x0003, [1; 12], &[tlv(0x8050, &[0, 0, 0, 7, 8, 9], false)]);
        let m = Message::new_checked(&b[..]).unwrap();
        let a = m.attributes().last().unwrap().unwrap();
        assert!(a.short_form().is_none());
        assert!(a.value_error().is_some());
    }

    #[test]
    fn text_drops_trailing_nuls() {
        let b = rfc5389(0x0001, [1; 12], &[tlv(0x8054, b"1\0\0\0", true)]);
        let a = only(&b);
        assert_eq!(a.desc.unwrap().key, "ms_candidate_identifier");
        let f = a.fields().next().unwrap().unwrap();
        assert_eq!((f.value, f.len), (FieldValue::Str("1"), 4));
    }

    #[test]
    fn error_code_fields() {
        let b = rfc5389(
            0x0113,
            [1; 12],
            &[tlv(0x0009, b"\0\0\x04\x01Unauthorized", true)],
        );
        let a = only(&b);
        assert_eq!(a.error_code(), Some((401, "Unauthorized")));
        assert_eq!(
            fields_of(&a),
            [
                ("class", FieldValue::Uint(4)),
                ("number", FieldValue::Uint(1)),
                ("code", FieldValue::Uint(401)),
                ("reason", FieldValue::Str("Unauthorized")),
            ]
        );
        let b = rfc5389(0x0113, [1; 12], &[tlv(0x0009, b"\0\0\x04", true)]);
        let a = only(&b);
        assert_eq!(a.error_code(), None);
        assert!(a.fields().next().unwrap().is_err());
        assert_eq!(a.fields().count(), 1);
    }

    #[test]
    fn lists_flags_numbers_integrity() {
        let b = rfc5389(
            0x0111,
            [1; 12],
            &[
                tlv(0x000A, &[0x00, 0x1a, 0x80, 0x99], true),
                tlv(0x001A, &[], true),
                tlv(0x000D, &600u32.to_be_bytes(), true),
                tlv(0x0008, &[0xaa; 20], true),
                tlv(0x001C, &[0xbb; 32], true),
                tlv(0x8028, &0x1234_5678u32.to_be_bytes(), true),
                tlv(0x8029, &0x0102_0304_0506_0708u64.to_be_bytes(), true),
                tlv(0x002A, &0xdead_beefu32.to_be_bytes(), true),
                tlv(0x7777, b"raw", true),
            ],
        );
        let m = Message::new_checked(&b[..]).unwrap();
        let attrs: Vec<_> = m.attributes().map(|a| a.unwrap()).collect();
        assert_eq!(
            fields_of(&attrs[0]),
            [
                ("", FieldValue::Uint(0x001a)),
                ("", FieldValue::Uint(0x8099))
            ]
        );
        assert_eq!(attrs[1].fields().count(), 0);
        let life = attrs[2].fields().next().unwrap().unwrap();
        assert_eq!((life.value, life.desc.unit), (FieldValue::Uint(600), "s"));
        assert_eq!(
            fields_of(&attrs[3]),
            [("value", FieldValue::Bytes(&[0xaa; 20]))]
        );
        assert_eq!(
            fields_of(&attrs[4]),
            [("value", FieldValue::Bytes(&[0xbb; 32]))]
        );
        assert_eq!(
            fields_of(&attrs[5]),
            [("value", FieldValue::Uint(0x1234_5678))]
        );
        assert_eq!(
            fields_of(&attrs[6]),
            [("", FieldValue::Uint(0x0102_0304_0506_0708))]
        );
        assert_eq!(fields_of(&attrs[7]), [("", FieldValue::Uint(0xdead_beef))]);
        assert!(attrs[8].desc.is_none());
        assert_eq!(attrs[8].name(), "Unknown");
        assert!(attrs[8].comprehension_required());
        assert_eq!(fields_of(&attrs[8]), [("", FieldValue::Bytes(b"raw"))]);

        // Malformed: odd list, flag with a value, bad integrity length.
        let b = rfc5389(
            0x0111,
            [1; 12],
            &[
                tlv(0x000A, &[0, 1, 2], true),
                tlv(0x0025, &[1], true),
                tlv(0x0008, &[0; 10], true),
            ],
        );
        let m = Message::new_checked(&b[..]).unwrap();
        for a in m.attributes() {
            let a = a.unwrap();
            let mut f = a.fields();
            assert!(
                matches!(f.next(), Some(Err(Error::BadValue { .. }))),
                "{}",
                a.name()
            );
        }
    }

    type Fields = &'static [(&'static str, FieldValue<'static>)];

    /// The attributes with a struct layout: (type, value, its fields in order); an empty
    /// list is checked by name in `struct_layout_value_names`.
    #[rustfmt::skip]
    const STRUCT_CASES: &[(u16, &[u8], Fields)] = {
        use FieldValue::*;
        &[
            (0x0018, &[0x80], &[("reserve_next", Bool(true))]),
            (0x0019, &[17, 0, 0, 0], &[("", Uint(17))]),
            (0x000C, &[0x40, 0x00, 0, 0], &[("", Uint(0x4000))]),
            (
                0x8050,
                &[0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                  0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0, 0, 0, 2],
                &[("connection_id", Bytes(&[0x11; 20])), ("sequence", Uint(2))],
            ),
            (0x8055, &[0, 2, 0, 1], &[]),
            (
                0x805D,
                &[0x40, 0, 0, 0, 0, 0, 0x01, 0xf4, 0, 0, 0x03, 0xe8],
                &[("valid", Bool(false)), ("pstn_failover", Bool(true)),
                  ("max_send", Uint(500)), ("max_receive", Uint(1000))],
            ),
            (
                0x8068,
                &[1, 2, 1, 0],
                &[("peer_location", Uint(1)), ("self_location", Uint(2)), ("federation", Uint(1))],
            ),
            (
                0x8001,
                b"\x02\0\x04\x40Address Family not Supported",
                &[("family", Uint(2)), ("class", Uint(4)), ("number", Uint(0x40)),
                  ("reason", Str("Address Family not Supported"))],
            ),
            (
                0x8004,
                &[0, 0, 3, 1, 0, 0, 0x05, 0xdc],
                &[("type", Uint(3)), ("code", Uint(1)), ("error_data", Uint(1500))],
            ),
            (0x802D, &[0, 0, 0, 0x05], &[("ecf", Uint(2)), ("valid", Bool(true))]),
            (
                0x001D,
                &[0, 2, 0, 0],
                &[("algorithm", Uint(2)), ("parameters_length", Uint(0)), ("parameters", Bytes(&[]))],
            ),
            (0xC057, &[0, 7, 0, 10], &[("network_id", Uint(7)), ("network_cost", Uint(10))]),
            (
                0x8058,
                &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4],
                &[("min_send", Uint(1)), ("max_send", Uint(2)),
                  ("min_receive", Uint(3)), ("max_receive", Uint(4))],
            ),
        ]
    };

    #[test]
    fn struct_layouts() {
        let tlvs: Vec<_> = STRUCT_CASES
            .iter()
            .map(|(t, v, _)| tlv(*t, v, true))
            .collect();
        let b = rfc5389(0x0003, [1; 12], &tlvs);
        let m = Message::new_checked(&b[..]).unwrap();
        let attrs: Vec<_> = m.attributes().map(|a| a.unwrap()).collect();
        assert_eq!(attrs.len(), STRUCT_CASES.len());
        for (a, (t, _, want)) in attrs.iter().zip(STRUCT_CASES) {
            assert_eq!(a.code, *t);
            if !want.is_empty() {
                assert_eq!(fields_of(a), *want, "{t:#06x}");
            }
        }
    }

    #[test]
    fn struct_layout_value_names() {
        let b = rfc5389(0x0003, [1; 12], &[tlv(0x8055, &[0, 2, 0, 1], true)]);
        let sq: Vec<_> = only(&b).fields().map(|f| f.unwrap()).collect();
        assert_eq!(sq[0].desc.value_name(2), Some("Video"));
        assert_eq!(sq[1].desc.value_name(1), Some("Reliable delivery"));
    }

    #[test]
    fn struct_layout_too_short_is_one_error() {
        // Too short for its layout: one error, then nothing.
        let b = rfc5389(0x0003, [1; 12], &[tlv(0x8050, &[0; 21], true)]);
        let a = only(&b);
        let r: Vec<_> = a.fields().collect();
        assert!(r[0].is_ok() && r[1].is_err() && r.len() == 2);
    }

    #[test]
    fn bwm_site_addresses_xor_in_both_dialects() {
        let txid16 = [
            0x21, 0x12, 0xA4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87,
            0xdf, 0xae,
        ];
        let v = [0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43];
        // Same bytes 4..20 in both headers, so the same clear address.
        let b1 = rfc5389(0x0003, RFC5769_TXID, &[tlv(0x805B, &v, true)]);
        let b2 = legacy(0x0003, txid16, true, &[tlv(0x805B, &v, false)]);
        for b in [b1, b2] {
            let a = only(&b);
            assert_eq!(a.desc.unwrap().key, "ms_local_site_address");
            assert_eq!(
                std::format!("{}", a.address().unwrap().unwrap()),
                "192.0.2.1:32853"
            );
        }
    }

    /// Every registered attribute, every value length 0..=40, in every dialect: no
    /// panic, at most one error and it ends the fields, every field is one its layout
    /// declares, with a value of the declared kind, inside the value.
    #[test]
    fn every_layout_is_total() {
        for desc in ATTRIBUTES {
            for d in Dialect::ALL {
                if !desc.dialects.contains(d) {
                    continue;
                }
                for len in 0..=40usize {
                    let value: Vec<u8> = (0..len)
                        .map(|i| (i as u8).wrapping_mul(37).wrapping_add(0x41) & 0x7f)
                        .collect();
                    let b = if d == Dialect::Rfc5389 {
                        rfc5389(0x0001, [3; 12], &[tlv(desc.code, &value, true)])
                    } else if d == Dialect::MsTurn5389 {
                        ms5389(0x0001, [3; 12], &[tlv(desc.code, &value, false)])
                    } else {
                        legacy(
                            0x0001,
                            [3; 16],
                            d == Dialect::MsTurn,
                            &[tlv(desc.code, &value, d != Dialect::MsTurn)],
                        )
                    };
                    let m = Message::new_checked(&b[..]).unwrap();
                    assert_eq!(m.dialect(), d);
                    let a = m.attributes().last().unwrap().unwrap();
                    assert_eq!(a.desc, Some(desc));
                    let mut errors = 0;
                    for f in a.fields() {
                        assert_eq!(errors, 0, "{} yielded after an error", desc.name);
                        match f {
                            Err(_) => errors += 1,
                            Ok(f) => {
                                assert!(
                                    desc.layout.fields().any(|x| core::ptr::eq(x, f.desc))
                                        || a.short_form().is_some_and(|s| s
                                            .parts
                                            .iter()
                                            .any(|p| core::ptr::eq(&p.field, f.desc))),
                                    "{}",
                                    desc.name
                                );
                                assert!(
                                    f.offset >= a.value_offset()
                                        && f.offset + f.len <= a.value_offset() + len
                                );
                                let ok = match (f.desc.kind, f.value) {
                                    (FieldKind::Bool, FieldValue::Bool(_)) => true,
                                    (FieldKind::Ipv4, FieldValue::Ipv4(_)) => true,
                                    (FieldKind::Ipv6, FieldValue::Ipv6(_)) => true,
                                    (FieldKind::Str, FieldValue::Str(_)) => true,
                                    (FieldKind::Bytes, FieldValue::Bytes(_)) => true,
                                    (FieldKind::U8, FieldValue::Uint(n)) => n <= 0xff,
                                    (FieldKind::U16, FieldValue::Uint(n)) => n <= 0xffff,
                                    (FieldKind::U32, FieldValue::Uint(n)) => n <= 0xffff_ffff,
                                    (FieldKind::U64, FieldValue::Uint(_)) => true,
                                    _ => false,
                                };
                                assert!(
                                    ok,
                                    "{}.{}: {:?} for {:?}",
                                    desc.key, f.desc.key, f.value, f.desc.kind
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
