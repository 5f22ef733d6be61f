//! Attributes: iteration over the TLVs of a message and typed decoding of each value
//! into the sub-fields its [`Layout`] describes.

use crate::message::{Dialect, HEADER_LEN};
use crate::registry::{self, AttrDesc, FieldDesc, Layout, ADDRESS_FIELDS, ERROR_CODE_FIELDS};
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
}

impl<'a> Attribute<'a> {
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
        if self.dialect.pads_attributes() {
            (4 - (self.length as usize % 4)) % 4
        } else {
            0
        }
    }
    /// Decode the value into its sub-fields.
    pub fn fields(&self) -> Fields<'a> {
        Fields {
            attr: *self,
            index: 0,
        }
    }
    /// The layout used to decode this attribute (raw bytes for unknown codes).
    pub fn layout(&self) -> &'static Layout {
        static UNKNOWN: Layout = Layout::Opaque(registry::UNKNOWN_VALUE);
        self.desc.map_or(&UNKNOWN, |d| &d.layout)
    }
    /// Decode an address attribute (plain or XOR), if this is one.
    pub fn address(&self) -> Option<Result<Address, Error>> {
        match self.layout() {
            Layout::Address => Some(decode_address(self.value, None, self.offset)),
            Layout::XorAddress => Some(decode_address(self.value, Some(self.header), self.offset)),
            _ => None,
        }
    }
    /// The value as a big-endian u32, if exactly 4 bytes long.
    pub fn as_u32(&self) -> Option<u32> {
        self.value.try_into().ok().map(u32::from_be_bytes)
    }
    /// The value as text, if it is valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.value).ok()
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
    match core::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) => core::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or(""),
    }
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

impl core::fmt::Display for Address {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.ip {
            core::net::IpAddr::V4(a) => write!(f, "{}:{}", a, self.port),
            core::net::IpAddr::V6(a) => write!(f, "[{}]:{}", a, self.port),
        }
    }
}

/// Decode family/port/address; `xor_header` undoes XOR with header bytes 4..20.
///
/// The XOR key is always bytes 4..20 of the header: the magic cookie and the 96-bit
/// transaction id in RFC 5389 (RFC 8489 §14.2), and the 128-bit transaction id in
/// legacy MS-TURN, whose §2.2.2.16 XORs X-Port with "the most significant 16 bits of
/// the Transaction ID" and X-IP Address with its most significant 32 (IPv4) or 128
/// (IPv6) bits. The IPv4 case of both is the same operation on the same bytes.
pub fn decode_address(
    v: &[u8],
    xor_header: Option<&[u8; HEADER_LEN]>,
    offset: usize,
) -> Result<Address, Error> {
    if v.len() < 4 {
        return Err(Error::BadValue {
            offset,
            reason: "address shorter than 4 bytes",
        });
    }
    let family = v[1];
    let mut key = [0u8; 16];
    if let Some(h) = xor_header {
        key = xor_key(h);
    }
    let port = u16::from_be_bytes([v[2] ^ key[0], v[3] ^ key[1]]);
    let ip = match family {
        1 if v.len() == 8 => {
            let mut a = [0u8; 4];
            for i in 0..4 {
                a[i] = v[4 + i] ^ key[i];
            }
            core::net::IpAddr::from(a)
        }
        2 if v.len() == 20 => {
            let mut a = [0u8; 16];
            for i in 0..16 {
                a[i] = v[4 + i] ^ key[i];
            }
            core::net::IpAddr::from(a)
        }
        1 | 2 => {
            return Err(Error::BadValue {
                offset,
                reason: "address length does not match family",
            })
        }
        _ => {
            return Err(Error::BadValue {
                offset,
                reason: "unknown address family",
            })
        }
    };
    Ok(Address { family, port, ip })
}

/// The 16-byte XOR key: header bytes 4..20 (see [`decode_address`]).
///
/// An earlier version used the constant cookie 0x2112A442 for the first 32 bits even
/// without a cookie in the header; [MS-TURN] §2.2.2.16 (and [MS-TURNBWM] §2.2.4–§2.2.7,
/// which refer to "the Transaction ID specified in [MS-TURN] section 2.2.1") say the
/// transaction id, and Wireshark's stun dissector agrees.
fn xor_key(h: &[u8; HEADER_LEN]) -> [u8; 16] {
    let mut k = [0u8; 16];
    k.copy_from_slice(&h[4..20]);
    k
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
    /// Bytes.
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
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    attr: Attribute<'a>,
    index: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let a = &self.attr;
        let v = a.value;
        let base = a.value_offset();
        let i = self.index;
        self.index += 1;
        let bad = |reason| {
            Some(Err(Error::BadValue {
                offset: a.offset,
                reason,
            }))
        };
        let field = |desc, value, off: usize, len: usize| {
            Some(Ok(Field {
                desc,
                value,
                offset: base + off,
                len,
            }))
        };
        match a.layout() {
            Layout::Address | Layout::XorAddress => {
                let xor = matches!(a.layout(), Layout::XorAddress);
                let addr =
                    match decode_address(v, if xor { Some(a.header) } else { None }, a.offset) {
                        Ok(x) => x,
                        Err(e) => return if i == 0 { Some(Err(e)) } else { None },
                    };
                match (i, addr.ip) {
                    (0, _) => field(
                        &ADDRESS_FIELDS[0],
                        FieldValue::Uint(addr.family as u64),
                        1,
                        1,
                    ),
                    (1, _) => field(&ADDRESS_FIELDS[1], FieldValue::Uint(addr.port as u64), 2, 2),
                    (2, core::net::IpAddr::V4(ip)) => {
                        field(&ADDRESS_FIELDS[2], FieldValue::Ipv4(ip.octets()), 4, 4)
                    }
                    (2, core::net::IpAddr::V6(ip)) => {
                        field(&ADDRESS_FIELDS[3], FieldValue::Ipv6(ip.octets()), 4, 16)
                    }
                    _ => None,
                }
            }
            Layout::ErrorCode => {
                if v.len() < 4 {
                    return if i == 0 {
                        bad("ERROR-CODE shorter than 4 bytes")
                    } else {
                        None
                    };
                }
                let class = v[2] & 0x07;
                let number = v[3];
                match i {
                    0 => field(&ERROR_CODE_FIELDS[0], FieldValue::Uint(class as u64), 2, 1),
                    1 => field(&ERROR_CODE_FIELDS[1], FieldValue::Uint(number as u64), 3, 1),
                    2 => field(
                        &ERROR_CODE_FIELDS[2],
                        FieldValue::Uint(class as u64 * 100 + number as u64),
                        2,
                        2,
                    ),
                    3 => field(
                        &ERROR_CODE_FIELDS[3],
                        FieldValue::Str(utf8_lossless(&v[4..])),
                        4,
                        v.len() - 4,
                    ),
                    _ => None,
                }
            }
            Layout::Number(f) => match i {
                0 => match read_uint(v) {
                    Some(n) => field(f, FieldValue::Uint(n), 0, v.len()),
                    None => bad("number of unexpected length"),
                },
                _ => None,
            },
            Layout::Text(f) => match i {
                0 => match core::str::from_utf8(v) {
                    Ok(s) => field(f, FieldValue::Str(s), 0, v.len()),
                    Err(_) => bad("text is not valid UTF-8"),
                },
                _ => None,
            },
            Layout::Opaque(f) => match i {
                0 => field(f, FieldValue::Bytes(v), 0, v.len()),
                _ => None,
            },
            Layout::Flag => match i {
                0 if !v.is_empty() => bad("flag attribute with a value"),
                _ => None,
            },
            Layout::U16List(f) => {
                if i == 0 && !v.len().is_multiple_of(2) {
                    return bad("list of 16-bit values with odd length");
                }
                let at = i * 2;
                if at + 2 > v.len() {
                    return None;
                }
                field(
                    f,
                    FieldValue::Uint(u16::from_be_bytes([v[at], v[at + 1]]) as u64),
                    at,
                    2,
                )
            }
            Layout::Struct(parts) => {
                let p = parts.get(i)?;
                let start = p.offset as usize;
                let end = if p.len == 0 {
                    v.len()
                } else {
                    start + p.len as usize
                };
                if end > v.len() || start > end {
                    self.index = usize::MAX / 2;
                    return bad("value shorter than its layout");
                }
                let bytes = &v[start..end];
                let value = match p.field.kind {
                    registry::FieldKind::Str => match core::str::from_utf8(bytes) {
                        Ok(s) => FieldValue::Str(s),
                        Err(_) => {
                            self.index = usize::MAX / 2;
                            return bad("text is not valid UTF-8");
                        }
                    },
                    registry::FieldKind::Bytes => FieldValue::Bytes(bytes),
                    registry::FieldKind::Ipv4 if bytes.len() == 4 => {
                        FieldValue::Ipv4(bytes.try_into().unwrap())
                    }
                    registry::FieldKind::Ipv6 if bytes.len() == 16 => {
                        FieldValue::Ipv6(bytes.try_into().unwrap())
                    }
                    registry::FieldKind::Bool => match read_uint(bytes) {
                        Some(n) => FieldValue::Bool(p.apply_mask(n) != 0),
                        None => return bad("flag of unexpected length"),
                    },
                    _ => match read_uint(bytes) {
                        Some(n) => FieldValue::Uint(p.apply_mask(n)),
                        None => return bad("number of unexpected length"),
                    },
                };
                field(&p.field, value, start, end - start)
            }
            Layout::Fingerprint => match (i, a.as_u32()) {
                (0, Some(n)) => field(
                    &registry::FINGERPRINT_FIELDS[0],
                    FieldValue::Uint(n as u64),
                    0,
                    4,
                ),
                (0, None) => bad("FINGERPRINT is not 4 bytes"),
                _ => None,
            },
            Layout::Integrity => match i {
                // HMAC-SHA1 is 20 bytes; MESSAGE-INTEGRITY-SHA256 may be truncated to
                // 16, 20, 24 or 28 bytes (RFC 8489 §14.6); [MS-TURN] MS-Version 3+
                // sends a 32-byte HMAC-SHA256 in 0x0008.
                0 if (16..=32).contains(&v.len()) && v.len().is_multiple_of(4) => field(
                    &registry::INTEGRITY_FIELDS[0],
                    FieldValue::Bytes(v),
                    0,
                    v.len(),
                ),
                0 => bad("MESSAGE-INTEGRITY is not a 16..=32-byte HMAC"),
                _ => None,
            },
        }
    }
}

fn read_uint(b: &[u8]) -> Option<u64> {
    match b.len() {
        1 | 2 | 4 | 8 => Some(b.iter().fold(0u64, |acc, &x| (acc << 8) | x as u64)),
        _ => None,
    }
}

/// Iterator over the attributes of a message. After a framing error (truncated or
/// overrunning attribute) it yields that error once and stops.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    msg: &'a [u8],
    pos: usize,
    dialect: Dialect,
    done: bool,
}

impl<'a> Attributes<'a> {
    /// Iterate over the attributes of `msg` (a whole message, header included).
    pub fn new(msg: &'a [u8], dialect: Dialect) -> Self {
        Attributes {
            msg,
            pos: HEADER_LEN,
            dialect,
            done: msg.len() < HEADER_LEN,
        }
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<Attribute<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.msg.len() {
            return None;
        }
        let rest = &self.msg[self.pos..];
        if rest.len() < 4 {
            self.done = true;
            return Some(Err(Error::AttributeTruncated {
                offset: self.pos,
                available: rest.len(),
            }));
        }
        let code = u16::from_be_bytes([rest[0], rest[1]]);
        let length = u16::from_be_bytes([rest[2], rest[3]]);
        let len = length as usize;
        if 4 + len > rest.len() {
            self.done = true;
            return Some(Err(Error::AttributeOverrun {
                offset: self.pos,
                code,
                declared: length,
                available: rest.len() - 4,
            }));
        }
        let header: &[u8; HEADER_LEN] = self.msg[..HEADER_LEN].try_into().ok()?;
        let attr = Attribute {
            code,
            length,
            value: &rest[4..4 + len],
            offset: self.pos,
            header,
            desc: registry::attribute(self.dialect, code),
            dialect: self.dialect,
        };
        let padded = 4 + len + attr.padding();
        if padded > rest.len() {
            // The last attribute lacks its padding: report it, but still yield the value.
            self.done = true;
            self.pos = self.msg.len();
            return Some(Err(Error::BadPadding {
                offset: attr.offset,
                code,
            }));
        }
        self.pos += padded;
        Some(Ok(attr))
    }
}
