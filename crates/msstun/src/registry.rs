//! The one description of every method and attribute.
//!
//! The Wireshark plugin generates its `msstun.*` fields from these tables, the Info
//! column and the relay's log line are written from them: adding an attribute is one
//! edit here.
//!
//! Field naming: an attribute with key `k` gets the filter `msstun.att.k` for a
//! single-valued layout and `msstun.att.k.<field key>` for each sub-field.

use crate::message::{split_type, Class, Dialect};

/// Type of a decoded sub-field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// Unsigned 8-bit integer.
    U8,
    /// Unsigned 16-bit integer.
    U16,
    /// Unsigned 32-bit integer.
    U32,
    /// Unsigned 64-bit integer.
    U64,
    /// Boolean (flag).
    Bool,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// UTF-8 text.
    Str,
    /// Opaque bytes.
    Bytes,
}

/// How a number is displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Base {
    /// Decimal.
    Dec,
    /// Hexadecimal.
    Hex,
    /// Not a number (addresses, strings, bytes).
    None,
}

/// What an attribute means to the code that acts on it (the summary, the checks, the
/// encoder, the plugin's session state, the relay): code asks for a role, never for a
/// key string or a type code, so a mistyped role does not compile and the dialects'
/// different numberings (legacy MS-TURN's REALM 0x0015 / NONCE 0x0014) are the
/// registry's business alone. [`attribute_by_role`] finds a dialect's descriptor.
///
/// A role is held by at most one descriptor per dialect (a test checks it); an
/// attribute nobody acts on by meaning has [`Role::None`] and is shown from its layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Shown from its layout only.
    None,
    /// MAPPED-ADDRESS (RFC 8489 §14.1; in [MS-TURN] Allocate responses the relayed
    /// address).
    MappedAddress,
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2, [MS-TURN] §2.2.2.16).
    XorMappedAddress,
    /// XOR-PEER-ADDRESS (RFC 8656 §18.3).
    PeerAddress,
    /// XOR-RELAYED-ADDRESS (RFC 8656 §18.5).
    RelayedAddress,
    /// [MS-TURN] REMOTE-ADDRESS (§2.2.2.11): the peer of a Data indication.
    RemoteAddress,
    /// [MS-TURN] DESTINATION-ADDRESS (§2.2.2.10): the peer of a Send request.
    DestinationAddress,
    /// ALTERNATE-SERVER (RFC 8489 §14.15, [MS-TURN] §2.2.2.7).
    AlternateServer,
    /// USERNAME (RFC 8489 §14.3).
    Username,
    /// USERHASH (RFC 8489 §14.4).
    Userhash,
    /// REALM (RFC 8489 §14.9).
    Realm,
    /// NONCE (RFC 8489 §14.10).
    Nonce,
    /// PASSWORD-ALGORITHM (RFC 8489 §14.12).
    PasswordAlgorithm,
    /// MESSAGE-INTEGRITY (HMAC-SHA1; HMAC-SHA256 at 32 bytes in [MS-TURN]).
    Integrity,
    /// MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6).
    IntegritySha256,
    /// FINGERPRINT (RFC 8489 §14.7).
    Fingerprint,
    /// ERROR-CODE (RFC 8489 §14.8).
    ErrorCode,
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13).
    UnknownAttributes,
    /// SOFTWARE (RFC 8489 §14.14).
    Software,
    /// LIFETIME (RFC 8656 §18.2).
    Lifetime,
    /// CHANNEL-NUMBER (RFC 8656 §18.1).
    ChannelNumber,
    /// DATA (RFC 8656 §18.4): a relayed packet.
    Data,
    /// REQUESTED-TRANSPORT (RFC 8656 §18.8).
    RequestedTransport,
    /// CONNECTION-ID (RFC 6062 §6.2.1).
    ConnectionId,
    /// PRIORITY (RFC 8445 §16.1).
    Priority,
    /// USE-CANDIDATE (RFC 8445 §16.1).
    UseCandidate,
    /// ICE-CONTROLLED (RFC 8445 §16.1).
    IceControlled,
    /// ICE-CONTROLLING (RFC 8445 §16.1).
    IceControlling,
    /// [MS-TURN] MAGIC-COOKIE (§2.2.2.8).
    MagicCookie,
    /// [MS-TURN] BANDWIDTH (§2.2.2.9).
    Bandwidth,
    /// [MS-TURN] MS-VERSION (§2.2.2.17).
    MsVersion,
    /// [MS-TURN] MS-APP-ID (§2.2.2.19).
    MsAppId,
    /// [MS-TURN] MS-SEQUENCE-NUMBER (§2.2.2.21).
    MsSequenceNumber,
    /// [MS-TURN] MS-SERVICE-QUALITY (§2.2.2.22).
    MsServiceQuality,
    /// [MS-ICE2] CANDIDATE-IDENTIFIER (§2.2.2.3).
    MsCandidateIdentifier,
    /// [MS-ICE2] IMPLEMENTATION-VERSION (§2.2.2.4).
    MsImplementationVersion,
    /// [MS-TURN] MULTIPLEXED-TURN-SESSION-ID (§2.2.2.24).
    MsMultiplexedSessionId,
}

/// What a sub-field means to the code that acts on it: "the field with role X of this
/// attribute" ([`AttrDesc::field`], [`crate::Attribute::field`]) instead of a field key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldRole {
    /// Shown only.
    None,
    /// Address family byte (1 IPv4, 2 IPv6).
    Family,
    /// Port of an address (XOR undone).
    Port,
    /// IPv4 address (XOR undone).
    Ipv4,
    /// IPv6 address (XOR undone).
    Ipv6,
    /// ERROR-CODE class (hundreds digit).
    ErrorClass,
    /// ERROR-CODE number (0..99).
    ErrorNumber,
    /// The whole error code, class × 100 + number.
    ErrorCode,
    /// A reason phrase.
    Reason,
    /// The value a check compares (FINGERPRINT's CRC-32, an HMAC).
    CheckValue,
    /// The computed status of a check (values [`CHECKSUM_STATUS`] / [`FINGERPRINT_STATUS`]).
    CheckStatus,
    /// A connection identifier inside a structure (MS-SEQUENCE-NUMBER).
    ConnectionId,
    /// A sequence number inside a structure (MS-SEQUENCE-NUMBER).
    Sequence,
}

/// One displayable, filterable piece of an attribute (or of the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDesc {
    /// Filter suffix: `""` for the attribute's own single value, else e.g. `"port"`.
    pub key: &'static str,
    /// Label shown in trees and logs.
    pub label: &'static str,
    /// Value type.
    pub kind: FieldKind,
    /// Display base for numbers.
    pub base: Base,
    /// Unit appended to numbers (`"s"`, `"kbps"`), or `""`.
    pub unit: &'static str,
    /// Names for numeric values, or empty.
    pub values: &'static [(u32, &'static str)],
    /// What the field means to code that acts on it ([`FieldRole::None`] for most).
    pub role: FieldRole,
}

impl FieldDesc {
    /// A field with no unit and no value names.
    pub const fn new(key: &'static str, label: &'static str, kind: FieldKind, base: Base) -> Self {
        FieldDesc {
            key,
            label,
            kind,
            base,
            unit: "",
            values: &[],
            role: FieldRole::None,
        }
    }
    /// Same field with a role.
    pub const fn role(mut self, role: FieldRole) -> Self {
        self.role = role;
        self
    }
    /// Same field with a unit.
    pub const fn unit(mut self, unit: &'static str) -> Self {
        self.unit = unit;
        self
    }
    /// Same field with value names.
    pub const fn values(mut self, values: &'static [(u32, &'static str)]) -> Self {
        self.values = values;
        self
    }
    /// Name of a numeric value, if known.
    pub fn value_name(&self, v: u32) -> Option<&'static str> {
        self.values.iter().find(|(k, _)| *k == v).map(|(_, n)| *n)
    }
}

/// A sub-field at a fixed place inside an attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// The field.
    pub field: FieldDesc,
    /// Offset inside the value.
    pub offset: u16,
    /// Length in bytes; 0 means "to the end of the value".
    pub len: u16,
    /// Bit mask applied to the big-endian number read from `len` bytes (0 = all bits);
    /// the masked value is shifted right so that the mask's lowest bit becomes bit 0.
    pub mask: u32,
    /// `Some` when the part is a transport address (family, port, IPv4/IPv6 — plain or
    /// XORed like RFC 8489 §14.2) rather than one value: it then yields the four fields
    /// of [`AddressPart::fields`] and `field` only names the part. Made by
    /// [`address_part`] / [`xor_address_part`] and [`address_part_fields!`](crate::address_part_fields).
    pub address: Option<AddressPart>,
}

/// A transport address inside a structured value (see [`Part::address`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressPart {
    /// XORed with header bytes 4..20 (as XOR-MAPPED-ADDRESS), or plain.
    pub xor: bool,
    /// Family, port, IPv4 and IPv6 fields, in that order, with those [`FieldRole`]s
    /// (build them with [`address_part_fields!`](crate::address_part_fields)).
    pub fields: &'static [FieldDesc; 4],
}

/// The four sub-fields of an address inside a structured value, their keys prefixed
/// with `$prefix` and a dot (`address_part_fields!("peer")` gives `peer.family`,
/// `peer.port`, `peer.ipv4`, `peer.ipv6`, hence the filters
/// `msstun.att.<attribute>.peer.port` …).
#[macro_export]
macro_rules! address_part_fields {
    ($prefix:literal, $label:literal) => {
        [
            $crate::registry::FieldDesc::new(
                concat!($prefix, ".family"),
                concat!($label, " Protocol Family"),
                $crate::registry::FieldKind::U8,
                $crate::registry::Base::Hex,
            )
            .values($crate::registry::FAMILY_VALUES)
            .role($crate::registry::FieldRole::Family),
            $crate::registry::FieldDesc::new(
                concat!($prefix, ".port"),
                concat!($label, " Port"),
                $crate::registry::FieldKind::U16,
                $crate::registry::Base::Dec,
            )
            .role($crate::registry::FieldRole::Port),
            $crate::registry::FieldDesc::new(
                concat!($prefix, ".ipv4"),
                concat!($label, " IP"),
                $crate::registry::FieldKind::Ipv4,
                $crate::registry::Base::None,
            )
            .role($crate::registry::FieldRole::Ipv4),
            $crate::registry::FieldDesc::new(
                concat!($prefix, ".ipv6"),
                concat!($label, " IP"),
                $crate::registry::FieldKind::Ipv6,
                $crate::registry::Base::None,
            )
            .role($crate::registry::FieldRole::Ipv6),
        ]
    };
}

/// A plain address part at `offset` (`len` 8 for IPv4 only, 20 for IPv6 only, 0 for
/// "to the end of the value", which takes either); `fields` from
/// [`address_part_fields!`](crate::address_part_fields).
pub const fn address_part(fields: &'static [FieldDesc; 4], offset: u16, len: u16) -> Part {
    Part {
        field: FieldDesc::new("", "Address", FieldKind::Bytes, Base::None),
        offset,
        len,
        mask: 0,
        address: Some(AddressPart { xor: false, fields }),
    }
}

/// As [`address_part`], XORed with header bytes 4..20 (RFC 8489 §14.2).
pub const fn xor_address_part(fields: &'static [FieldDesc; 4], offset: u16, len: u16) -> Part {
    Part {
        field: FieldDesc::new("", "XOR Address", FieldKind::Bytes, Base::None),
        offset,
        len,
        mask: 0,
        address: Some(AddressPart { xor: true, fields }),
    }
}

impl Part {
    /// The fields this part yields: its one field, or an address's four.
    pub fn fields(&'static self) -> &'static [FieldDesc] {
        match &self.address {
            Some(a) => a.fields,
            None => core::slice::from_ref(&self.field),
        }
    }
    /// Apply [`Part::mask`] to a number read from this part's bytes.
    pub const fn apply_mask(&self, raw: u64) -> u64 {
        if self.mask == 0 {
            raw
        } else {
            (raw & self.mask as u64) >> self.mask.trailing_zeros()
        }
    }
}

/// How an attribute value is laid out and decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// family(8) port(16) address, RFC 8489 §14.1 (reserved byte first).
    Address,
    /// As `Address`, XORed with the cookie and transaction id (RFC 8489 §14.2).
    XorAddress,
    /// class/number/reason, RFC 8489 §14.8.
    ErrorCode,
    /// Big-endian integer filling the value (1, 2, 4 or 8 bytes), one field.
    Number(FieldDesc),
    /// UTF-8 text filling the value, one field.
    Text(FieldDesc),
    /// Opaque bytes filling the value, one field.
    Opaque(FieldDesc),
    /// No value: the attribute's presence is the information.
    Flag,
    /// A list of 16-bit codes (UNKNOWN-ATTRIBUTES), one field repeated.
    U16List(FieldDesc),
    /// Fixed sub-fields at known offsets.
    Struct(&'static [Part]),
    /// CRC-32 fingerprint (value) plus a computed status.
    Fingerprint,
    /// HMAC (value) plus a computed status; the digest length is 20 or 32.
    Integrity,
    /// PASSWORD-ALGORITHMS (RFC 8489 §14.11): a list of algorithm, parameters length
    /// and parameters (padded to 4); the fields of [`PASSWORD_ALGORITHMS_FIELDS`] repeat.
    PasswordAlgorithms,
}

/// Checksum-status values, as Wireshark's `proto_checksum_vals`.
pub const CHECKSUM_STATUS: &[(u32, &str)] = &[
    (0, "Bad"),
    (1, "Good"),
    (2, "Unverified"),
    (3, "Not present"),
    (4, "Illegal"),
];

/// FINGERPRINT status values: Wireshark's Bad, Good, Unverified (as
/// [`CHECKSUM_STATUS`]) and 3 for a value computed with the WLM2009 CRC-32 table
/// ([`crate::check::Status::GoodWlm2009`]).
pub const FINGERPRINT_STATUS: &[(u32, &str)] = &[
    (0, "Bad"),
    (1, "Good"),
    (2, "Unverified"),
    (3, "Good (WLM2009 CRC variant)"),
];

/// Address family values (RFC 8489 §14.1).
pub const FAMILY_VALUES: &[(u32, &str)] = &[(1, "IPv4"), (2, "IPv6")];

/// The sub-fields of `Layout::Address`/`XorAddress`. (`static`, like the other
/// field tables, so every `&'static FieldDesc` has one stable address.)
pub static ADDRESS_FIELDS: &[FieldDesc] = &ADDRESS_FIELD_ARRAY;

/// The storage behind [`ADDRESS_FIELDS`] (an array: the parser indexes it without a
/// length check).
pub(crate) static ADDRESS_FIELD_ARRAY: [FieldDesc; 4] = [
    FieldDesc::new("family", "Protocol Family", FieldKind::U8, Base::Hex)
        .values(FAMILY_VALUES)
        .role(FieldRole::Family),
    FieldDesc::new("port", "Port", FieldKind::U16, Base::Dec).role(FieldRole::Port),
    FieldDesc::new("ipv4", "IP", FieldKind::Ipv4, Base::None).role(FieldRole::Ipv4),
    FieldDesc::new("ipv6", "IP", FieldKind::Ipv6, Base::None).role(FieldRole::Ipv6),
];

/// The sub-fields of `Layout::ErrorCode`.
pub static ERROR_CODE_FIELDS: &[FieldDesc] = &ERROR_CODE_FIELD_ARRAY;

/// The storage behind [`ERROR_CODE_FIELDS`] (an array: the parser indexes it without a
/// length check).
pub(crate) static ERROR_CODE_FIELD_ARRAY: [FieldDesc; 4] = [
    FieldDesc::new("class", "Error Class", FieldKind::U8, Base::Dec).role(FieldRole::ErrorClass),
    FieldDesc::new("number", "Error Number", FieldKind::U8, Base::Dec).role(FieldRole::ErrorNumber),
    FieldDesc::new("code", "Error Code", FieldKind::U16, Base::Dec)
        .values(ERROR_CODES)
        .role(FieldRole::ErrorCode),
    FieldDesc::new("reason", "Error Reason Phrase", FieldKind::Str, Base::None)
        .role(FieldRole::Reason),
];

/// The sub-fields of `Layout::PasswordAlgorithms` (repeated per entry).
pub static PASSWORD_ALGORITHMS_FIELDS: &[FieldDesc] = &PASSWORD_ALGORITHMS_FIELD_ARRAY;

/// The storage behind [`PASSWORD_ALGORITHMS_FIELDS`].
pub(crate) static PASSWORD_ALGORITHMS_FIELD_ARRAY: [FieldDesc; 3] = [
    FieldDesc::new("algorithm", "Algorithm", FieldKind::U16, Base::Dec)
        .values(PASSWORD_ALGORITHM_VALUES),
    FieldDesc::new(
        "parameters_length",
        "Parameters Length",
        FieldKind::U16,
        Base::Dec,
    ),
    FieldDesc::new("parameters", "Parameters", FieldKind::Bytes, Base::None),
];

/// The sub-fields of `Layout::Fingerprint`.
pub static FINGERPRINT_FIELDS: &[FieldDesc] = &FINGERPRINT_FIELD_ARRAY;

/// The storage behind [`FINGERPRINT_FIELDS`] (an array: the parser indexes it without a
/// length check).
pub(crate) static FINGERPRINT_FIELD_ARRAY: [FieldDesc; 2] = [
    FieldDesc::new("value", "CRC-32", FieldKind::U32, Base::Hex).role(FieldRole::CheckValue),
    FieldDesc::new("status", "CRC-32 Status", FieldKind::U8, Base::None)
        .values(FINGERPRINT_STATUS)
        .role(FieldRole::CheckStatus),
];

/// The sub-fields of `Layout::Integrity`.
pub static INTEGRITY_FIELDS: &[FieldDesc] = &INTEGRITY_FIELD_ARRAY;

/// The storage behind [`INTEGRITY_FIELDS`] (an array: the parser indexes it without a
/// length check).
pub(crate) static INTEGRITY_FIELD_ARRAY: [FieldDesc; 2] = [
    FieldDesc::new("value", "HMAC", FieldKind::Bytes, Base::None).role(FieldRole::CheckValue),
    FieldDesc::new("status", "HMAC Status", FieldKind::U8, Base::None)
        .values(CHECKSUM_STATUS)
        .role(FieldRole::CheckStatus),
];

impl Layout {
    /// Every sub-field this layout can produce, in display order.
    pub fn fields(&'static self) -> impl Iterator<Item = &'static FieldDesc> + Clone {
        let (fields, parts): (&'static [FieldDesc], &'static [Part]) = match self {
            Layout::Address | Layout::XorAddress => (ADDRESS_FIELDS, &[]),
            Layout::ErrorCode => (ERROR_CODE_FIELDS, &[]),
            Layout::Number(f) | Layout::Text(f) | Layout::Opaque(f) | Layout::U16List(f) => {
                (core::slice::from_ref(f), &[])
            }
            Layout::Flag => (&[], &[]),
            Layout::Struct(parts) => (&[], parts),
            Layout::Fingerprint => (FINGERPRINT_FIELDS, &[]),
            Layout::Integrity => (INTEGRITY_FIELDS, &[]),
            Layout::PasswordAlgorithms => (PASSWORD_ALGORITHMS_FIELDS, &[]),
        };
        fields.iter().chain(parts.iter().flat_map(|p| p.fields()))
    }
    /// The first sub-field with `role`, if this layout has one.
    pub fn field(&'static self, role: FieldRole) -> Option<&'static FieldDesc> {
        self.fields().find(|f| f.role == role)
    }
}

/// Field used for an attribute nobody describes.
pub const UNKNOWN_VALUE: FieldDesc = FieldDesc::new("", "Value", FieldKind::Bytes, Base::None);

/// One attribute type, as a dialect knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrDesc {
    /// Type code.
    pub code: u16,
    /// Name as in the specification (`XOR-MAPPED-ADDRESS`).
    pub name: &'static str,
    /// snake_case key for filters and JSON (`xor_mapped_address`).
    pub key: &'static str,
    /// Value layout.
    pub layout: Layout,
    /// Where the definition comes from (`RFC 8489 §14.2`).
    pub spec: &'static str,
    /// Which dialects use this code for this attribute.
    pub dialects: Dialects,
    /// What the attribute means to code that acts on it.
    pub role: Role,
}

impl AttrDesc {
    /// The first sub-field with `role` (e.g. ERROR-CODE's [`FieldRole::ErrorCode`],
    /// FINGERPRINT's [`FieldRole::CheckStatus`]).
    pub fn field(&'static self, role: FieldRole) -> Option<&'static FieldDesc> {
        self.layout.field(role)
    }
}

/// A set of dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialects(u8);

impl Dialects {
    /// Every dialect: RFC 5389/8489, RFC 3489 and both MS-TURN dialects.
    pub const ALL: Dialects = Dialects(0b1111);
    /// The standard dialects only (RFC 5389/8489 and RFC 3489).
    pub const STANDARD: Dialects = Dialects(0b011);
    /// Only RFC 5389/8489.
    pub const RFC5389: Dialects = Dialects(0b001);
    /// Only RFC 3489 "classic".
    pub const RFC3489: Dialects = Dialects(0b010);
    /// The [MS-TURN] dialects: legacy MS-TURN and MS-TURN in an RFC 5389 header
    /// (Teams), which share [MS-TURN] §2.2.2's numbering.
    pub const MS_TURN: Dialects = Dialects(0b1100);
    /// The numbering older than draft-ietf-behave-rfc3489bis-03, which [MS-TURN] kept:
    /// RFC 3489 and both [MS-TURN] dialects (NONCE 0x0014, REALM 0x0015).
    pub const PRE_RFC3489BIS_03: Dialects = Dialects(0b1110);
    /// Whether `d` is in the set.
    pub const fn contains(self, d: Dialect) -> bool {
        self.0 & (1 << (d.code() - 1)) != 0
    }
    /// Whether the two sets share a dialect.
    pub const fn intersects(self, other: Dialects) -> bool {
        self.0 & other.0 != 0
    }
}

/// Whether `dialect` requires text attributes to be UTF-8 (RFC 8489 §14.3, §14.9,
/// §14.10, §14.14: USERNAME, REALM, NONCE, SOFTWARE are UTF-8 sequences). In RFC 3489
/// (USERNAME is "a variable length opaque value", §11.2.6) and the [MS-TURN] dialects
/// (USERNAME and NONCE are tokens the server issues, §2.2.2.2, §2.2.2.13; Teams' are
/// binary) text is only customary: a value that is not text is shown as bytes, never
/// called malformed.
pub const fn utf8_required(dialect: Dialect) -> bool {
    matches!(dialect, Dialect::Rfc5389)
}

/// A shorter value than its layout that real clients send and the parser decodes
/// anyway (a tolerated deviation, reported as such): `parts` replace the layout's
/// when the value is exactly `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortForm {
    /// The layout's full parts (which structure this short form belongs to).
    pub full: &'static [Part],
    /// The value length of the short form.
    pub len: u16,
    /// The parts of the short form.
    pub parts: &'static [Part],
    /// What the deviation is, for an expert item.
    pub note: &'static str,
}

/// Every tolerated short form.
pub static SHORT_FORMS: &[ShortForm] = &[ShortForm {
    full: MS_SEQUENCE_NUMBER,
    len: 4,
    parts: MS_SEQUENCE_NUMBER_SHORT,
    note: "MS-SEQUENCE-NUMBER of 4 bytes (sequence number only) instead of 24 ([MS-TURN] §2.2.2.21: 20-byte connection id, 32-bit sequence number), as Teams sends it",
}];

/// The short form of a structure whose value is `len` bytes, if one is tolerated.
#[inline]
pub fn short_form(parts: &'static [Part], len: usize) -> Option<&'static ShortForm> {
    SHORT_FORMS
        .iter()
        .find(|s| s.len as usize == len && core::ptr::eq(s.full, parts))
}

/// Comprehension-required range (RFC 8489 §14): types 0x0000–0x7FFF.
pub const fn comprehension_required(code: u16) -> bool {
    code < 0x8000
}

/// A method, as a dialect knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodDesc {
    /// 12-bit method code.
    pub code: u16,
    /// Name as in tshark's Info column (`Allocate`, `ConnectionBind`).
    pub name: &'static str,
    /// Where it is defined.
    pub spec: &'static str,
}

/// Method codes of [`METHODS`] by name, for code that acts on a method.
pub mod method {
    /// Binding (0x001).
    pub const BINDING: u16 = 0x001;
    /// Shared Secret (0x002).
    pub const SHARED_SECRET: u16 = 0x002;
    /// Allocate (0x003).
    pub const ALLOCATE: u16 = 0x003;
    /// Refresh (0x004).
    pub const REFRESH: u16 = 0x004;
    /// Send (0x006).
    pub const SEND: u16 = 0x006;
    /// Data (0x007).
    pub const DATA: u16 = 0x007;
    /// Create Permission (0x008).
    pub const CREATE_PERMISSION: u16 = 0x008;
    /// Channel Bind (0x009).
    pub const CHANNEL_BIND: u16 = 0x009;
    /// Connect (0x00a).
    pub const CONNECT: u16 = 0x00a;
    /// Connection Bind (0x00b).
    pub const CONNECTION_BIND: u16 = 0x00b;
    /// Connection Attempt (0x00c).
    pub const CONNECTION_ATTEMPT: u16 = 0x00c;
    /// Google Ping (0x080).
    pub const GOOGLE_PING: u16 = 0x080;
}

/// Methods of RFC 5389/8489 and its extensions (used by RFC 5389 and RFC 3489
/// dialects), as in the IANA "STUN Methods" registry.
pub const METHODS: &[MethodDesc] = &[
    MethodDesc {
        code: method::BINDING,
        name: "Binding",
        spec: "RFC 8489 §18.2",
    },
    MethodDesc {
        code: method::SHARED_SECRET,
        name: "SharedSecret",
        spec: "RFC 3489 §11.1 (reserved since RFC 5389)",
    },
    MethodDesc {
        code: method::ALLOCATE,
        name: "Allocate",
        spec: "RFC 8656 §17",
    },
    MethodDesc {
        code: method::REFRESH,
        name: "Refresh",
        spec: "RFC 8656 §17",
    },
    MethodDesc {
        code: method::SEND,
        name: "Send",
        spec: "RFC 8656 §17",
    },
    MethodDesc {
        code: method::DATA,
        name: "Data",
        spec: "RFC 8656 §17",
    },
    MethodDesc {
        code: method::CREATE_PERMISSION,
        name: "CreatePermission",
        spec: "RFC 8656 §17",
    },
    MethodDesc {
        code: method::CHANNEL_BIND,
        name: "ChannelBind",
        spec: "RFC 8656 §17",
    },
    MethodDesc {
        code: method::CONNECT,
        name: "Connect",
        spec: "RFC 6062 §6.1",
    },
    MethodDesc {
        code: method::CONNECTION_BIND,
        name: "ConnectionBind",
        spec: "RFC 6062 §6.1",
    },
    MethodDesc {
        code: method::CONNECTION_ATTEMPT,
        name: "ConnectionAttempt",
        spec: "RFC 6062 §6.1",
    },
    MethodDesc {
        code: method::GOOGLE_PING,
        name: "GooglePing",
        spec: "IANA STUN Methods: GOOG-PING (Expert Review)",
    },
];

/// Legacy [MS-TURN] message types (§2.2.1): these do not follow RFC 5389's bit layout.
/// Each entry is (message type, method, class).
///
/// §2.2.1 lists Allocate (0x0003/0x0103/0x0113), Send request (0x0004) with its
/// response (0x0104) and error response (0x0114), Data Indication (0x0115) and Set Active Destination (0x0006/0x0106/0x0116). Binding
/// (0x0001/0x0101/0x0111) is not in that list but is the draft-STUN-02 Binding the
/// header is taken from; it is kept so keep-alives in captures are named.
pub const MS_TURN_TYPES: &[(u16, MethodDesc, Class)] = &[
    (0x0001, MS_BINDING, Class::Request),
    (0x0101, MS_BINDING, Class::SuccessResponse),
    (0x0111, MS_BINDING, Class::ErrorResponse),
    (0x0003, MS_ALLOCATE, Class::Request),
    (0x0103, MS_ALLOCATE, Class::SuccessResponse),
    (0x0113, MS_ALLOCATE, Class::ErrorResponse),
    (0x0004, MS_SEND, Class::Request),
    (0x0104, MS_SEND, Class::SuccessResponse),
    (0x0114, MS_SEND, Class::ErrorResponse),
    (0x0115, MS_DATA, Class::Indication),
    (0x0006, MS_SET_ACTIVE_DESTINATION, Class::Request),
    (0x0106, MS_SET_ACTIVE_DESTINATION, Class::SuccessResponse),
    (0x0116, MS_SET_ACTIVE_DESTINATION, Class::ErrorResponse),
];

/// [MS-TURN] §2.2.1 method codes (of [`MS_TURN_TYPES`]), for code that acts on a
/// method of the [MS-TURN] dialects: they are not [`method()`]'s (Send is 0x004, Data 0x005).
pub mod ms_method {
    /// Binding (0x001).
    pub const BINDING: u16 = 0x001;
    /// Allocate (0x003).
    pub const ALLOCATE: u16 = 0x003;
    /// Send (0x004): a request, its DESTINATION-ADDRESS the peer.
    pub const SEND: u16 = 0x004;
    /// Data (0x005): the Data Indication, its REMOTE-ADDRESS the peer.
    pub const DATA: u16 = 0x005;
    /// Set Active Destination (0x006).
    pub const SET_ACTIVE_DESTINATION: u16 = 0x006;
}

/// What a method does, whatever the dialect numbers it: the role the plugin, the relay
/// and the analysis act on (see [`method_role`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodRole {
    /// Binding.
    Binding,
    /// Allocate.
    Allocate,
    /// Refresh.
    Refresh,
    /// Send: data to a peer (an indication in RFC 8656, a request in [MS-TURN]).
    Send,
    /// Data: data from a peer.
    Data,
    /// CreatePermission.
    CreatePermission,
    /// ChannelBind.
    ChannelBind,
    /// Connect (RFC 6062).
    Connect,
    /// ConnectionBind (RFC 6062).
    ConnectionBind,
    /// ConnectionAttempt (RFC 6062).
    ConnectionAttempt,
    /// [MS-TURN] Set Active Destination.
    SetActiveDestination,
    /// Any other method.
    Other,
}

/// The role of method `code` (as [`method_for_type`] gives it) in `dialect`.
pub const fn method_role(dialect: Dialect, code: u16) -> MethodRole {
    if dialect.is_ms_turn() {
        return match code {
            ms_method::BINDING => MethodRole::Binding,
            ms_method::ALLOCATE => MethodRole::Allocate,
            ms_method::SEND => MethodRole::Send,
            ms_method::DATA => MethodRole::Data,
            ms_method::SET_ACTIVE_DESTINATION => MethodRole::SetActiveDestination,
            _ => MethodRole::Other,
        };
    }
    match code {
        method::BINDING => MethodRole::Binding,
        method::ALLOCATE => MethodRole::Allocate,
        method::REFRESH => MethodRole::Refresh,
        method::SEND => MethodRole::Send,
        method::DATA => MethodRole::Data,
        method::CREATE_PERMISSION => MethodRole::CreatePermission,
        method::CHANNEL_BIND => MethodRole::ChannelBind,
        method::CONNECT => MethodRole::Connect,
        method::CONNECTION_BIND => MethodRole::ConnectionBind,
        method::CONNECTION_ATTEMPT => MethodRole::ConnectionAttempt,
        _ => MethodRole::Other,
    }
}

/// [MS-TURN] Binding (draft-STUN-02's, kept for keep-alives).
pub const MS_BINDING: MethodDesc = MethodDesc {
    code: ms_method::BINDING,
    name: "Binding",
    spec: "draft-ietf-behave-rfc3489bis-02 §10.1",
};
/// [MS-TURN] Allocate.
pub const MS_ALLOCATE: MethodDesc = MethodDesc {
    code: ms_method::ALLOCATE,
    name: "Allocate",
    spec: "[MS-TURN] §2.2.1",
};
/// [MS-TURN] Send request.
pub const MS_SEND: MethodDesc = MethodDesc {
    code: ms_method::SEND,
    name: "Send",
    spec: "[MS-TURN] §2.2.1",
};
/// [MS-TURN] Data Indication.
pub const MS_DATA: MethodDesc = MethodDesc {
    code: ms_method::DATA,
    name: "Data",
    spec: "[MS-TURN] §2.2.1",
};
/// [MS-TURN] Set Active Destination.
pub const MS_SET_ACTIVE_DESTINATION: MethodDesc = MethodDesc {
    code: ms_method::SET_ACTIVE_DESTINATION,
    name: "Set Active Destination",
    spec: "[MS-TURN] §2.2.1",
};

/// Placeholder for a method code no table knows.
pub const UNKNOWN_METHOD: MethodDesc = MethodDesc {
    code: 0xFFFF,
    name: "Unknown",
    spec: "",
};

/// Method and class of a message type in a dialect.
///
/// Both MS-TURN dialects use [`MS_TURN_TYPES`]; types not in it fall back to the
/// RFC 5389 split.
#[inline]
pub fn method_for_type(dialect: Dialect, msg_type: u16) -> (&'static MethodDesc, Class) {
    let (slot, class) = method_slot_for_type(dialect, msg_type);
    (method_in_slot(slot), class)
}

/// [`method_for_type`] as a one-byte slot of [`METHOD_SLOTS`] (what [`crate::Message`]
/// keeps, so that a message stays three words): 0 [`UNKNOWN_METHOD`], 1 to
/// `METHODS.len()` the [`METHODS`] (numbered as [`METHOD_INDEX`] numbers them),
/// [`MS_SLOT_BASE`] + i the method of `MS_TURN_TYPES[i]`.
#[inline]
pub(crate) fn method_slot_for_type(dialect: Dialect, msg_type: u16) -> (u8, Class) {
    if dialect.is_ms_turn() {
        if let Some(i) = MS_TURN_TYPES.iter().position(|(t, _, _)| *t == msg_type) {
            return ((MS_SLOT_BASE + i) as u8, MS_TURN_TYPES[i].2);
        }
    }
    let (m, c) = split_type(msg_type);
    (METHOD_INDEX.get(m as usize).copied().unwrap_or(0), c)
}

/// The descriptor in `slot` of [`METHOD_SLOTS`] (one load: the table has a slot for every
/// byte).
#[inline(always)]
pub(crate) fn method_in_slot(slot: u8) -> &'static MethodDesc {
    METHOD_SLOTS[slot as usize]
}

/// First slot of the [MS-TURN] methods in [`METHOD_SLOTS`].
const MS_SLOT_BASE: usize = 128;

/// Slot -> method descriptor (see [`method_slot_for_type`]); unused slots hold
/// [`UNKNOWN_METHOD`].
static METHOD_SLOTS: [&MethodDesc; 256] = {
    let mut out: [&MethodDesc; 256] = [&UNKNOWN_METHOD; 256];
    let mut i = 0;
    while i < METHODS.len() {
        out[i + 1] = &METHODS[i];
        i += 1;
    }
    assert!(MS_SLOT_BASE > METHODS.len() && MS_SLOT_BASE + MS_TURN_TYPES.len() <= 256);
    let mut i = 0;
    while i < MS_TURN_TYPES.len() {
        out[MS_SLOT_BASE + i] = &MS_TURN_TYPES[i].1;
        i += 1;
    }
    out
};

/// A standard method by its code.
#[inline]
pub fn method(code: u16) -> Option<&'static MethodDesc> {
    let slot = *METHOD_INDEX.get(code as usize)? as usize;
    if slot == 0 {
        None
    } else {
        METHODS.get(slot - 1)
    }
}

/// Method code -> position in [`METHODS`] + 1 (0: unknown), for codes below 0x100.
static METHOD_INDEX: [u8; 256] = {
    let mut ix = [0u8; 256];
    let mut i = 0;
    while i < METHODS.len() {
        let c = METHODS[i].code as usize;
        assert!(c < 256, "method code outside METHOD_INDEX");
        if ix[c] == 0 {
            ix[c] = (i + 1) as u8;
        }
        i += 1;
    }
    ix
};

/// The attribute descriptor for `code` in `dialect`, if any table knows it.
///
/// A direct lookup in a table built from [`ATTRIBUTES`] at compile time: the high
/// byte of the code selects a 256-entry page (page 0 is empty), the low byte an entry
/// holding the descriptor's position, per dialect.
#[inline]
pub fn attribute(dialect: Dialect, code: u16) -> Option<&'static AttrDesc> {
    let page = ATTRIBUTE_INDEX.pages[(code >> 8) as usize] as usize % INDEX_PAGES;
    ATTRIBUTE_POINTERS[dialect as usize][page][(code & 0xff) as usize]
}

/// [`ATTRIBUTE_INDEX`]'s slots resolved to descriptors.
type AttributePointers = [[[Option<&'static AttrDesc>; 256]; INDEX_PAGES]; DIALECTS];

/// Number of dialects (rows of the attribute index).
const DIALECTS: usize = Dialect::ALL.len();

static ATTRIBUTE_POINTERS: AttributePointers = {
    let mut out: AttributePointers = [[[None; 256]; INDEX_PAGES]; DIALECTS];
    let mut d = 0;
    while d < DIALECTS {
        let mut p = 0;
        while p < INDEX_PAGES {
            let mut lo = 0;
            while lo < 256 {
                let slot = ATTRIBUTE_INDEX.slots[d][p][lo] as usize;
                if slot < ATTRIBUTE_TABLE.len() {
                    out[d][p][lo] = Some(&ATTRIBUTE_TABLE[slot]);
                }
                lo += 1;
            }
            p += 1;
        }
        d += 1;
    }
    out
};

/// Pages of [`ATTRIBUTE_INDEX`]: one empty page plus one per distinct high byte of
/// the codes in [`ATTRIBUTES`] (0x00xx, 0x80xx, 0xC0xx). A power of two; raise it if a
/// new range is needed (the build fails with a message if exceeded).
const INDEX_PAGES: usize = 4;

/// Index entry for "no attribute" (any value not below the table length).
const NO_ATTRIBUTE: u8 = u8::MAX;

/// Compile-time index from (dialect, code) to a position in [`ATTRIBUTES`].
struct AttributeIndex {
    /// Code high byte -> page (0: no attribute has that high byte).
    pages: [u8; 256],
    /// Per dialect (in `Dialect` declaration order), page, low byte -> position in
    /// ATTRIBUTES, or NO_ATTRIBUTE.
    slots: [[[u8; 256]; INDEX_PAGES]; DIALECTS],
}

const fn build_attribute_index(table: &[AttrDesc]) -> AttributeIndex {
    assert!(
        table.len() < NO_ATTRIBUTE as usize,
        "ATTRIBUTES too long for the u8 index"
    );
    assert!(
        Dialect::Rfc5389 as usize == Dialect::Rfc5389.code() as usize - 1
            && Dialect::Rfc3489 as usize == Dialect::Rfc3489.code() as usize - 1
            && Dialect::MsTurn as usize == Dialect::MsTurn.code() as usize - 1
            && Dialect::MsTurn5389 as usize == Dialect::MsTurn5389.code() as usize - 1
    );
    let mut ix = AttributeIndex {
        pages: [0; 256],
        slots: [[[NO_ATTRIBUTE; 256]; INDEX_PAGES]; DIALECTS],
    };
    let mut used = 0;
    let mut i = 0;
    while i < table.len() {
        let a = &table[i];
        let hi = (a.code >> 8) as usize;
        if ix.pages[hi] == 0 {
            used += 1;
            assert!(used < INDEX_PAGES, "raise registry::INDEX_PAGES");
            ix.pages[hi] = used as u8;
        }
        let page = ix.pages[hi] as usize;
        let lo = (a.code & 0xff) as usize;
        let mut d = 0;
        while d < DIALECTS {
            // `Dialects` bit d is the dialect with code d + 1.
            // First descriptor wins, as with a linear search (the tests also check
            // that a code is described once per dialect).
            if a.dialects.0 & (1 << d) != 0 && ix.slots[d][page][lo] == NO_ATTRIBUTE {
                ix.slots[d][page][lo] = i as u8;
            }
            d += 1;
        }
        i += 1;
    }
    ix
}

static ATTRIBUTE_INDEX: AttributeIndex = build_attribute_index(ATTRIBUTE_LIST);

/// The attribute descriptor with this key (the first one; all descriptors sharing a
/// key share its layout).
pub fn attribute_by_key(key: &str) -> Option<&'static AttrDesc> {
    ATTRIBUTES.iter().find(|a| a.key == key)
}

/// The descriptor `dialect` uses for `role`: the first in [`ATTRIBUTES`] (where a
/// dialect knows two codes for one attribute — XOR-MAPPED-ADDRESS 0x0020 and its
/// pre-RFC 5389 0x8020 — the standard one comes first).
pub fn attribute_by_role(dialect: Dialect, role: Role) -> Option<&'static AttrDesc> {
    ATTRIBUTES
        .iter()
        .find(|a| a.role == role && a.dialects.contains(dialect))
}

/// The type code `dialect` uses for `role` (e.g. `code(Dialect::MsTurn, Role::Realm)
/// == Some(0x0015)`, `code(Dialect::Rfc5389, Role::Realm) == Some(0x0014)`).
pub fn code(dialect: Dialect, role: Role) -> Option<u16> {
    attribute_by_role(dialect, role).map(|a| a.code)
}

/// As [`code`], at compile time, for constants the hot paths compare against
/// ([`crate::message::ATTR_MS_MAGIC_COOKIE`]); fails the build if `dialect` has no
/// attribute with `role`.
pub const fn const_code(dialect: Dialect, role: Role) -> u16 {
    let mut i = 0;
    while i < ATTRIBUTE_LIST.len() {
        let a = &ATTRIBUTE_LIST[i];
        if a.role as u8 == role as u8 && a.dialects.contains(dialect) {
            return a.code;
        }
        i += 1;
    }
    panic!("no attribute with this role in the dialect")
}

/// The role of `code` in `dialect` ([`Role::None`] for a code no table knows).
#[inline]
pub fn role(dialect: Dialect, code: u16) -> Role {
    attribute(dialect, code).map_or(Role::None, |a| a.role)
}

/// Name of an error code (class×100+number).
pub fn error_name(code: u16) -> Option<&'static str> {
    ERROR_CODES
        .iter()
        .find(|(c, _)| *c == code as u32)
        .map(|(_, n)| *n)
}

/// Error code reason names (IANA "STUN Error Codes": RFC 8489 §14.8, RFC 8656 §19,
/// RFC 6062 §6.3, RFC 8016 §3.1, RFC 8445 §7.3.1.1; legacy codes from RFC 3489 §11.2.9
/// and [MS-TURN] §2.2.2.4; 274/275 from [MS-ICE2BWM]).
pub const ERROR_CODES: &[(u32, &str)] = &[
    (274, "Disable Candidate"),
    (275, "Disable Candidate Pair"),
    (300, "Try Alternate"),
    (400, "Bad Request"),
    (401, "Unauthenticated"),
    (403, "Forbidden"),
    (405, "Mobility Forbidden"),
    (420, "Unknown Attribute"),
    (430, "Stale Credentials"),
    (431, "Integrity Check Failure"),
    (432, "Missing Username"),
    (433, "Use TLS"),
    (434, "Missing Realm"),
    (435, "Missing Nonce"),
    (436, "Unknown User"),
    (437, "Allocation Mismatch"),
    (438, "Stale Nonce"),
    (440, "Address Family not Supported"),
    (441, "Wrong Credentials"),
    (442, "Unsupported Transport Protocol"),
    (443, "Peer Address Family Mismatch"),
    (446, "Connection Already Exists"),
    (447, "Connection Timeout or Failure"),
    (486, "Allocation Quota Reached"),
    (487, "Role Conflict"),
    (500, "Server Error"),
    (508, "Insufficient Capacity"),
    (600, "Global Failure"),
];

const fn num(key: &'static str, label: &'static str, kind: FieldKind) -> FieldDesc {
    FieldDesc::new(key, label, kind, Base::Dec)
}
const fn hex(key: &'static str, label: &'static str, kind: FieldKind) -> FieldDesc {
    FieldDesc::new(key, label, kind, Base::Hex)
}
const fn flag(key: &'static str, label: &'static str) -> FieldDesc {
    FieldDesc::new(key, label, FieldKind::Bool, Base::None)
}
const fn text(label: &'static str) -> FieldDesc {
    FieldDesc::new("", label, FieldKind::Str, Base::None)
}
const fn opaque(label: &'static str) -> FieldDesc {
    FieldDesc::new("", label, FieldKind::Bytes, Base::None)
}
const fn bytes(key: &'static str, label: &'static str) -> FieldDesc {
    FieldDesc::new(key, label, FieldKind::Bytes, Base::None)
}
const fn part(field: FieldDesc, offset: u16, len: u16) -> Part {
    Part {
        field,
        offset,
        len,
        mask: 0,
        address: None,
    }
}
const fn bits(field: FieldDesc, offset: u16, len: u16, mask: u32) -> Part {
    Part {
        field,
        offset,
        len,
        mask,
        address: None,
    }
}

const A: Dialects = Dialects::ALL;
const S: Dialects = Dialects::STANDARD;
const M: Dialects = Dialects::MS_TURN;
const C: Dialects = Dialects::RFC3489;
const R: Dialects = Dialects::RFC5389;
const L: Dialects = Dialects::PRE_RFC3489BIS_03;

macro_rules! attr {
    ($code:expr, $name:expr, $key:expr, $layout:expr, $spec:expr, $d:expr) => {
        attr!($code, $name, $key, $layout, $spec, $d, Role::None)
    };
    ($code:expr, $name:expr, $key:expr, $layout:expr, $spec:expr, $d:expr, $role:expr) => {
        AttrDesc {
            code: $code,
            name: $name,
            key: $key,
            layout: $layout,
            spec: $spec,
            dialects: $d,
            role: $role,
        }
    };
}

/// Transport protocol values for REQUESTED-TRANSPORT (IANA protocol numbers).
pub const TRANSPORT_VALUES: &[(u32, &str)] = &[(6, "TCP"), (17, "UDP")];

/// [MS-TURN] §2.2.2.17 MS-Version values.
pub const MS_VERSION_VALUES: &[(u32, &str)] = &[
    (1, "ICE ([MS-ICE])"),
    (2, "ICE 2.0 ([MS-ICE2])"),
    (3, "ICE 2.0 with SHA-256 integrity"),
    (4, "ICE 2.0 with SHA-256 integrity and IPv6"),
    (5, "Multiplexed TURN over UDP"),
    (6, "Multiplexed TURN over UDP and TCP"),
];

/// [MS-ICE2] §2.2.2.4 IMPLEMENTATION-VERSION values: the versions of [MS-TURN]
/// §2.2.2.17's MS-Version table that name an ICE implementation (Wireshark's `stun`
/// names both attributes from that table too).
pub const MS_IMPLEMENTATION_VERSION_VALUES: &[(u32, &str)] = &[
    (1, "ICE ([MS-ICE])"),
    (2, "ICE 2.0 ([MS-ICE2])"),
    (3, "ICE 2.0 with SHA-256 integrity"),
    (4, "ICE 2.0 with SHA-256 integrity and IPv6"),
];

/// [MS-TURN] §2.2.2.22 MS-Service Quality stream types.
pub const MS_STREAM_TYPE_VALUES: &[(u32, &str)] = &[
    (1, "Audio"),
    (2, "Video"),
    (3, "Supplemental Video"),
    (4, "Data"),
];

/// [MS-TURN] §2.2.2.22 MS-Service Quality service qualities.
pub const MS_SERVICE_QUALITY_VALUES: &[(u32, &str)] =
    &[(0, "Best effort delivery"), (1, "Reliable delivery")];

/// [MS-TURNBWM] §2.2.1 Bandwidth Admission Control Message types.
pub const MS_BWM_MESSAGE_TYPE_VALUES: &[(u32, &str)] = &[
    (0, "Reservation Check"),
    (1, "Reservation Commit"),
    (2, "Reservation Update"),
];

/// [MS-TURNBWM] §2.2.14 Location Profile locations.
pub const MS_LOCATION_VALUES: &[(u32, &str)] = &[(0, "Unknown"), (1, "Internet"), (2, "Intranet")];

/// [MS-TURNBWM] §2.2.14 Location Profile federation values.
pub const MS_FEDERATION_VALUES: &[(u32, &str)] = &[
    (0, "No Federation"),
    (1, "Enterprise Federation"),
    (2, "Public Cloud Federation"),
];

/// Password algorithms (RFC 8489 §18.5, IANA "STUN Password Algorithms").
pub const PASSWORD_ALGORITHM_VALUES: &[(u32, &str)] =
    &[(0, "Reserved"), (1, "MD5"), (2, "SHA-256")];

/// Google network cost values (WebRTC `rtc_base/network_constants.h`).
pub const GOOG_NETWORK_COST_VALUES: &[(u32, &str)] = &[
    (0, "Min"),
    (10, "Low"),
    (50, "Unknown"),
    (250, "Cellular 5G"),
    (500, "Cellular 4G"),
    (900, "Cellular"),
    (910, "Cellular 3G"),
    (980, "Cellular 2G"),
    (999, "Max"),
];

/// ECN-CHECK-STUN ECF values (RFC 6679 §7.2.2).
pub const ECF_VALUES: &[(u32, &str)] = &[(0, "Not-ECT"), (1, "ECT(1)"), (2, "ECT(0)"), (3, "CE")];

const REQUESTED_TRANSPORT: &[Part] = &[part(
    FieldDesc::new("", "Protocol", FieldKind::U8, Base::Dec).values(TRANSPORT_VALUES),
    0,
    1,
)];
const CHANNEL_NUMBER: &[Part] = &[part(hex("", "Channel Number", FieldKind::U16), 0, 2)];
const ADDRESS_FAMILY: &[Part] = &[part(
    FieldDesc::new("", "Family", FieldKind::U8, Base::Hex).values(FAMILY_VALUES),
    0,
    1,
)];
const EVEN_PORT: &[Part] = &[bits(
    flag("reserve_next", "Reserve next port (R)"),
    0,
    1,
    0x80,
)];
const CHANGE_REQUEST: &[Part] = &[
    bits(flag("change_ip", "Change IP (A)"), 0, 4, 0x4),
    bits(flag("change_port", "Change Port (B)"), 0, 4, 0x2),
];
const RESPONSE_PORT: &[Part] = &[part(num("", "Port", FieldKind::U16), 0, 2)];
const ADDRESS_ERROR_CODE: &[Part] = &[
    part(
        FieldDesc::new("family", "Family", FieldKind::U8, Base::Hex).values(FAMILY_VALUES),
        0,
        1,
    ),
    bits(num("class", "Error Class", FieldKind::U8), 2, 1, 0x07),
    part(num("number", "Error Number", FieldKind::U8), 3, 1),
    part(
        FieldDesc::new("reason", "Reason Phrase", FieldKind::Str, Base::None)
            .role(FieldRole::Reason),
        4,
        0,
    ),
];
const ICMP: &[Part] = &[
    part(num("type", "ICMP Type", FieldKind::U8), 2, 1),
    part(num("code", "ICMP Code", FieldKind::U8), 3, 1),
    part(hex("error_data", "Error Data", FieldKind::U32), 4, 4),
];
const PASSWORD_ALGORITHM: &[Part] = &[
    part(
        num("algorithm", "Algorithm", FieldKind::U16).values(PASSWORD_ALGORITHM_VALUES),
        0,
        2,
    ),
    part(
        num("parameters_length", "Parameters Length", FieldKind::U16),
        2,
        2,
    ),
    part(bytes("parameters", "Parameters"), 4, 0),
];
const TRANSACTION_TRANSMIT_COUNTER: &[Part] = &[
    part(num("request", "Requests sent", FieldKind::U8), 2, 1),
    part(num("response", "Responses sent", FieldKind::U8), 3, 1),
];
const ECN_CHECK: &[Part] = &[
    bits(
        num("ecf", "ECN Field (ECF)", FieldKind::U8).values(ECF_VALUES),
        0,
        4,
        0x6,
    ),
    bits(flag("valid", "Valid (V)"), 0, 4, 0x1),
];
const MS_SEQUENCE_NUMBER: &[Part] = &[
    part(
        bytes("connection_id", "Connection ID").role(FieldRole::ConnectionId),
        0,
        20,
    ),
    part(
        num("sequence", "Sequence Number", FieldKind::U32).role(FieldRole::Sequence),
        20,
        4,
    ),
];
/// The 4-byte MS-SEQUENCE-NUMBER Teams sends: the sequence number alone.
const MS_SEQUENCE_NUMBER_SHORT: &[Part] = &[part(
    num("sequence", "Sequence Number", FieldKind::U32).role(FieldRole::Sequence),
    0,
    4,
)];
const MS_SERVICE_QUALITY: &[Part] = &[
    part(
        num("stream_type", "Stream Type", FieldKind::U16).values(MS_STREAM_TYPE_VALUES),
        0,
        2,
    ),
    part(
        num("service_quality", "Service Quality", FieldKind::U16).values(MS_SERVICE_QUALITY_VALUES),
        2,
        2,
    ),
];
const MS_BWM_ADMISSION: &[Part] = &[part(
    num("message_type", "Message Type", FieldKind::U16).values(MS_BWM_MESSAGE_TYPE_VALUES),
    2,
    2,
)];
/// [MS-TURNBWM] §2.2.3: the diagram starts with Minimum Send Bandwidth, so the order
/// is min/max send then min/max receive (Wireshark's `stun` shows the maximum first).
const MS_BWM_AMOUNT: &[Part] = &[
    part(
        num("min_send", "Minimum Send Bandwidth", FieldKind::U32).unit("kbps"),
        0,
        4,
    ),
    part(
        num("max_send", "Maximum Send Bandwidth", FieldKind::U32).unit("kbps"),
        4,
        4,
    ),
    part(
        num("min_receive", "Minimum Receive Bandwidth", FieldKind::U32).unit("kbps"),
        8,
        4,
    ),
    part(
        num("max_receive", "Maximum Receive Bandwidth", FieldKind::U32).unit("kbps"),
        12,
        4,
    ),
];
const MS_SITE_RESPONSE: &[Part] = &[
    bits(flag("valid", "Valid (V)"), 0, 4, 0x8000_0000),
    bits(
        flag("pstn_failover", "PSTN Failover (F)"),
        0,
        4,
        0x4000_0000,
    ),
    part(
        num("max_send", "Maximum Send Bandwidth", FieldKind::U32).unit("kbps"),
        4,
        4,
    ),
    part(
        num("max_receive", "Maximum Receive Bandwidth", FieldKind::U32).unit("kbps"),
        8,
        4,
    ),
];
const MS_RELAY_SITE_RESPONSE: &[Part] = &[
    bits(flag("valid", "Valid (V)"), 0, 4, 0x8000_0000),
    part(
        num("max_send", "Maximum Send Bandwidth", FieldKind::U32).unit("kbps"),
        4,
        4,
    ),
    part(
        num("max_receive", "Maximum Receive Bandwidth", FieldKind::U32).unit("kbps"),
        8,
        4,
    ),
];
const MS_LOCATION_PROFILE: &[Part] = &[
    part(
        num("peer_location", "Peer Location", FieldKind::U8).values(MS_LOCATION_VALUES),
        0,
        1,
    ),
    part(
        num("self_location", "Self Location", FieldKind::U8).values(MS_LOCATION_VALUES),
        1,
        1,
    ),
    part(
        num("federation", "Federation", FieldKind::U8).values(MS_FEDERATION_VALUES),
        2,
        1,
    ),
];
const GOOG_NETWORK_INFO: &[Part] = &[
    part(num("network_id", "Network ID", FieldKind::U16), 0, 2),
    part(
        num("network_cost", "Network Cost", FieldKind::U16).values(GOOG_NETWORK_COST_VALUES),
        2,
        2,
    ),
];

/// Every attribute msstun knows. A key may repeat (across codes or dialects) only with
/// an identical layout; a code may repeat only for disjoint dialect sets.
///
/// Decisions on points the specifications leave open:
///
/// * **XOR key.** Every XOR address (RFC 8489 §14.2, [MS-TURN] §2.2.2.16,
///   [MS-TURNBWM] §2.2.4–§2.2.7) is XORed with header bytes 4..20: in RFC 5389 that is
///   the magic cookie then the transaction id; in legacy MS-TURN [MS-TURN] §2.2.2.16
///   says X-Port is the port XOR "the most significant 16 bits of the Transaction ID"
///   and X-IP Address the address XOR its most significant 32 (IPv4) bits, i.e. the
///   same bytes 4..20 of the 128-bit-transaction-id header, not the constant cookie.
///   (libnice's OC2007/MS-TURN mode does the same: it XORs 0x8020 with the first
///   32 bits of the transaction id; Wireshark's `stun` dissector also XORs with
///   header bytes 4..8.)
/// * **[MS-TURN] REMOTE-ADDRESS (0x0012) and DESTINATION-ADDRESS (0x0011)** are plain
///   addresses: §2.2.2.10 draws Destination Address as Reserved/Family/Port/IP Address
///   (no X-), taken from draft-ietf-behave-turn-08 §9.2.5, where REMOTE-ADDRESS (§9.2.6)
///   has the same unXORed layout; XOR-PEER-ADDRESS only replaced it in later drafts.
///   In the standard dialects 0x0012 is XOR-PEER-ADDRESS. libnice's OC2007 (MS-TURN)
///   mode reads 0x0012 in Data indications unXORed, which corroborates this; Wireshark
///   XORs it in every dialect, which would show MS-TURN peers wrong.
/// * **BANDWIDTH (0x0010)** exists only in [MS-TURN] (§2.2.2.9, peak bandwidth in
///   kbps); RFC 5766 reserved the code, so standard dialects keep it raw.
/// * **CANDIDATE-IDENTIFIER (0x8054)** is the candidate foundation, text ([MS-ICE2]
///   §2.2.2.3); IMPLEMENTATION-VERSION (0x8070) a 32-bit number ([MS-ICE2] §2.2.2.4).
/// * Google's attributes follow WebRTC's `api/transport/stun.h` (no RFC); the other
///   vendor attributes IANA registers (Cisco's 0xC000 and 0xC003, 0xC001–0xC002, Citrix's
///   0xC056) are named, their layouts unpublished: shown raw (comprehension-optional).
pub static ATTRIBUTES: &[AttrDesc] = &ATTRIBUTE_TABLE;

/// The storage behind [`ATTRIBUTES`]: an array, so that [`attribute`] indexes it
/// against a constant length.
static ATTRIBUTE_TABLE: [AttrDesc; ATTRIBUTE_COUNT] = to_array(ATTRIBUTE_LIST);

/// Number of entries in [`ATTRIBUTES`].
pub const ATTRIBUTE_COUNT: usize = ATTRIBUTE_LIST.len();

/// Position of `desc` in [`ATTRIBUTES`] (every descriptor this crate hands out is an
/// element of it), for tables kept beside the registry.
#[inline]
pub fn attribute_index(desc: &AttrDesc) -> Option<usize> {
    let base = ATTRIBUTE_TABLE.as_ptr() as usize;
    let size = core::mem::size_of::<AttrDesc>();
    let off = (desc as *const AttrDesc as usize).wrapping_sub(base);
    if off.is_multiple_of(size) && off / size < ATTRIBUTE_COUNT {
        Some(off / size)
    } else {
        ATTRIBUTES
            .iter()
            .position(|a| a.code == desc.code && a.key == desc.key)
    }
}

const fn to_array<const N: usize>(list: &[AttrDesc]) -> [AttrDesc; N] {
    let mut out = [list[0]; N];
    let mut i = 0;
    while i < N {
        out[i] = list[i];
        i += 1;
    }
    out
}

#[rustfmt::skip]
const ATTRIBUTE_LIST: &[AttrDesc] = &[
    // --- RFC 8489 / RFC 5389 (and RFC 3489, draft-STUN-02 for MS-TURN) ---
    attr!(0x0001, "MAPPED-ADDRESS", "mapped_address", Layout::Address, "RFC 8489 §14.1; [MS-TURN] §2.2.2.1", A, Role::MappedAddress),
    attr!(0x0002, "RESPONSE-ADDRESS", "response_address", Layout::Address, "RFC 3489 §11.2.2", C),
    attr!(0x0003, "CHANGE-REQUEST", "change_request", Layout::Struct(CHANGE_REQUEST), "RFC 5780 §7.2; RFC 3489 §11.2.4", S),
    attr!(0x0004, "SOURCE-ADDRESS", "source_address", Layout::Address, "RFC 3489 §11.2.5", C),
    attr!(0x0005, "CHANGED-ADDRESS", "changed_address", Layout::Address, "RFC 3489 §11.2.3", C),
    attr!(0x0006, "USERNAME", "username", Layout::Text(text("Username")), "RFC 8489 §14.3; [MS-TURN] §2.2.2.2", A, Role::Username),
    attr!(0x0007, "PASSWORD", "password", Layout::Opaque(opaque("Password")), "RFC 3489 §11.2.7", C),
    attr!(0x0008, "MESSAGE-INTEGRITY", "message_integrity", Layout::Integrity, "RFC 8489 §14.5; [MS-TURN] §2.2.2.3 (32-byte HMAC-SHA256 from MS-Version 3, §2.2.2.17)", A, Role::Integrity),
    attr!(0x0009, "ERROR-CODE", "error_code", Layout::ErrorCode, "RFC 8489 §14.8; [MS-TURN] §2.2.2.4", A, Role::ErrorCode),
    attr!(0x000A, "UNKNOWN-ATTRIBUTES", "unknown_attributes", Layout::U16List(hex("", "Unknown Attribute", FieldKind::U16)), "RFC 8489 §14.13; [MS-TURN] §2.2.2.5", A, Role::UnknownAttributes),
    attr!(0x000B, "REFLECTED-FROM", "reflected_from", Layout::Address, "RFC 3489 §11.2.11", C),
    attr!(0x0014, "REALM", "realm", Layout::Text(text("Realm")), "RFC 8489 §14.9", R, Role::Realm),
    attr!(0x0015, "NONCE", "nonce", Layout::Text(text("Nonce")), "RFC 8489 §14.10", R, Role::Nonce),
    attr!(0x001C, "MESSAGE-INTEGRITY-SHA256", "message_integrity_sha256", Layout::Integrity, "RFC 8489 §14.6", S, Role::IntegritySha256),
    attr!(0x001D, "PASSWORD-ALGORITHM", "password_algorithm", Layout::Struct(PASSWORD_ALGORITHM), "RFC 8489 §14.12", S, Role::PasswordAlgorithm),
    attr!(0x001E, "USERHASH", "userhash", Layout::Opaque(opaque("Userhash")), "RFC 8489 §14.4", S, Role::Userhash),
    attr!(0x0020, "XOR-MAPPED-ADDRESS", "xor_mapped_address", Layout::XorAddress, "RFC 8489 §14.2", S, Role::XorMappedAddress),
    attr!(0x8002, "PASSWORD-ALGORITHMS", "password_algorithms", Layout::PasswordAlgorithms, "RFC 8489 §14.11", S),
    attr!(0x8003, "ALTERNATE-DOMAIN", "alternate_domain", Layout::Text(text("Alternate Domain")), "RFC 8489 §14.16", S),
    attr!(0x8022, "SOFTWARE", "software", Layout::Text(text("Software")), "RFC 8489 §14.14", A, Role::Software),
    attr!(0x8023, "ALTERNATE-SERVER", "alternate_server", Layout::Address, "RFC 8489 §14.15", S, Role::AlternateServer),
    attr!(0x8028, "FINGERPRINT", "fingerprint", Layout::Fingerprint, "RFC 8489 §14.7", A, Role::Fingerprint),
    // --- TURN: RFC 8656 (RFC 5766, RFC 6156) ---
    attr!(0x000C, "CHANNEL-NUMBER", "channel_number", Layout::Struct(CHANNEL_NUMBER), "RFC 8656 §18.1", S, Role::ChannelNumber),
    attr!(0x000D, "LIFETIME", "lifetime", Layout::Number(num("", "Lifetime", FieldKind::U32).unit("s")), "RFC 8656 §18.2; [MS-TURN] §2.2.2.6", A, Role::Lifetime),
    attr!(0x0012, "XOR-PEER-ADDRESS", "xor_peer_address", Layout::XorAddress, "RFC 8656 §18.3", S, Role::PeerAddress),
    attr!(0x0013, "DATA", "data", Layout::Opaque(opaque("Data")), "RFC 8656 §18.4; [MS-TURN] §2.2.2.12", A, Role::Data),
    attr!(0x0016, "XOR-RELAYED-ADDRESS", "xor_relayed_address", Layout::XorAddress, "RFC 8656 §18.5", S, Role::RelayedAddress),
    attr!(0x0017, "REQUESTED-ADDRESS-FAMILY", "requested_address_family", Layout::Struct(ADDRESS_FAMILY), "RFC 8656 §18.6 (RFC 6156 §4.1.1); [MS-TURN] §2.2.2.15", A),
    attr!(0x0018, "EVEN-PORT", "even_port", Layout::Struct(EVEN_PORT), "RFC 8656 §18.7", S),
    attr!(0x0019, "REQUESTED-TRANSPORT", "requested_transport", Layout::Struct(REQUESTED_TRANSPORT), "RFC 8656 §18.8", S, Role::RequestedTransport),
    attr!(0x001A, "DONT-FRAGMENT", "dont_fragment", Layout::Flag, "RFC 8656 §18.9", S),
    attr!(0x0022, "RESERVATION-TOKEN", "reservation_token", Layout::Opaque(opaque("Reservation Token")), "RFC 8656 §18.10", S),
    attr!(0x8000, "ADDITIONAL-ADDRESS-FAMILY", "additional_address_family", Layout::Struct(ADDRESS_FAMILY), "RFC 8656 §18.11", S),
    attr!(0x8001, "ADDRESS-ERROR-CODE", "address_error_code", Layout::Struct(ADDRESS_ERROR_CODE), "RFC 8656 §18.12", S),
    attr!(0x8004, "ICMP", "icmp", Layout::Struct(ICMP), "RFC 8656 §18.13", S),
    // --- RFC 6062 TCP allocations ---
    attr!(0x002A, "CONNECTION-ID", "connection_id", Layout::Number(hex("", "Connection ID", FieldKind::U32)), "RFC 6062 §6.2.1", S, Role::ConnectionId),
    // --- ICE: RFC 8445 ---
    attr!(0x0024, "PRIORITY", "priority", Layout::Number(num("", "Priority", FieldKind::U32)), "RFC 8445 §16.1", S, Role::Priority),
    attr!(0x0025, "USE-CANDIDATE", "use_candidate", Layout::Flag, "RFC 8445 §16.1", S, Role::UseCandidate),
    attr!(0x8029, "ICE-CONTROLLED", "ice_controlled", Layout::Number(hex("", "Tie Breaker", FieldKind::U64)), "RFC 8445 §16.1", S, Role::IceControlled),
    attr!(0x802A, "ICE-CONTROLLING", "ice_controlling", Layout::Number(hex("", "Tie Breaker", FieldKind::U64)), "RFC 8445 §16.1", S, Role::IceControlling),
    // --- NAT behaviour discovery: RFC 5780 ---
    attr!(0x0026, "PADDING", "padding", Layout::Opaque(opaque("Padding")), "RFC 5780 §7.6", S),
    attr!(0x0027, "RESPONSE-PORT", "response_port", Layout::Struct(RESPONSE_PORT), "RFC 5780 §7.5", S),
    attr!(0x8027, "CACHE-TIMEOUT", "cache_timeout", Layout::Number(num("", "Cache Timeout", FieldKind::U32).unit("s")), "IANA STUN Attributes (RFC 5780)", S),
    attr!(0x802B, "RESPONSE-ORIGIN", "response_origin", Layout::Address, "RFC 5780 §7.3", S),
    attr!(0x802C, "OTHER-ADDRESS", "other_address", Layout::Address, "RFC 5780 §7.4", S),
    // --- Other RFCs ---
    attr!(0x001B, "ACCESS-TOKEN", "access_token", Layout::Opaque(opaque("Access Token")), "RFC 7635 §6.2", S),
    attr!(0x802E, "THIRD-PARTY-AUTHORIZATION", "third_party_authorization", Layout::Text(text("Authorization Server")), "RFC 7635 §6.1", S),
    attr!(0x8030, "MOBILITY-TICKET", "mobility_ticket", Layout::Opaque(opaque("Mobility Ticket")), "RFC 8016 §3.1", S),
    attr!(0x8025, "TRANSACTION-TRANSMIT-COUNTER", "transaction_transmit_counter", Layout::Struct(TRANSACTION_TRANSMIT_COUNTER), "RFC 7982 §3", S),
    attr!(0x802D, "ECN-CHECK-STUN", "ecn_check_stun", Layout::Struct(ECN_CHECK), "RFC 6679 §7.2.2", S),
    // --- Legacy [MS-TURN] only (draft-STUN-02 / draft-TURN-08 numbering) ---
    attr!(0x000E, "ALTERNATE-SERVER", "alternate_server", Layout::Address, "[MS-TURN] §2.2.2.7", M, Role::AlternateServer),
    attr!(0x000F, "MAGIC-COOKIE", "magic_cookie", Layout::Number(hex("", "Magic Cookie", FieldKind::U32)), "[MS-TURN] §2.2.2.8", M, Role::MagicCookie),
    attr!(0x0010, "BANDWIDTH", "bandwidth", Layout::Number(num("", "Bandwidth", FieldKind::U32).unit("kbps")), "[MS-TURN] §2.2.2.9", M, Role::Bandwidth),
    attr!(0x0011, "DESTINATION-ADDRESS", "destination_address", Layout::Address, "[MS-TURN] §2.2.2.10", M, Role::DestinationAddress),
    attr!(0x0012, "REMOTE-ADDRESS", "remote_address", Layout::Address, "[MS-TURN] §2.2.2.11", M, Role::RemoteAddress),
    attr!(0x0014, "NONCE", "nonce", Layout::Text(text("Nonce")), "[MS-TURN] §2.2.2.13; RFC 3489 dialect: draft-ietf-behave-rfc3489bis-02 and earlier", L, Role::Nonce),
    attr!(0x0015, "REALM", "realm", Layout::Text(text("Realm")), "[MS-TURN] §2.2.2.14; RFC 3489 dialect: draft-ietf-behave-rfc3489bis-02 and earlier", L, Role::Realm),
    // --- Microsoft, comprehension-optional ([MS-TURN] §2.2.2, [MS-ICE2], [MS-TURNBWM]) ---
    attr!(0x8008, "MS-VERSION", "ms_version", Layout::Number(num("", "MS Version", FieldKind::U32).values(MS_VERSION_VALUES)), "[MS-TURN] §2.2.2.17", A, Role::MsVersion),
    attr!(0x8020, "XOR-MAPPED-ADDRESS", "xor_mapped_address", Layout::XorAddress, "[MS-TURN] §2.2.2.16", A, Role::XorMappedAddress),
    attr!(0x8032, "MS-ALTERNATE-HOST-NAME", "ms_alternate_host_name", Layout::Text(text("Alternate Host Name")), "[MS-TURN] §2.2.2.18", A),
    attr!(0x8037, "MS-APP-ID", "ms_app_id", Layout::Opaque(opaque("App ID")), "[MS-TURN] §2.2.2.19", A, Role::MsAppId),
    attr!(0x8039, "MS-SECURE-TAG", "ms_secure_tag", Layout::Opaque(opaque("Secure Tag")), "[MS-TURN] §2.2.2.20", A),
    attr!(0x8050, "MS-SEQUENCE-NUMBER", "ms_sequence_number", Layout::Struct(MS_SEQUENCE_NUMBER), "[MS-TURN] §2.2.2.21", A, Role::MsSequenceNumber),
    attr!(0x8054, "CANDIDATE-IDENTIFIER", "ms_candidate_identifier", Layout::Text(text("Candidate Identifier (foundation)")), "[MS-ICE2] §2.2.2.3", A, Role::MsCandidateIdentifier),
    attr!(0x8055, "MS-SERVICE-QUALITY", "ms_service_quality", Layout::Struct(MS_SERVICE_QUALITY), "[MS-TURN] §2.2.2.22", A, Role::MsServiceQuality),
    attr!(0x8056, "BANDWIDTH-ADMISSION-CONTROL-MESSAGE", "ms_bandwidth_admission_control", Layout::Struct(MS_BWM_ADMISSION), "[MS-TURNBWM] §2.2.1", A),
    attr!(0x8057, "BANDWIDTH-RESERVATION-IDENTIFIER", "ms_bandwidth_reservation_id", Layout::Opaque(opaque("Reservation ID")), "[MS-TURNBWM] §2.2.2", A),
    attr!(0x8058, "BANDWIDTH-RESERVATION-AMOUNT", "ms_bandwidth_reservation_amount", Layout::Struct(MS_BWM_AMOUNT), "[MS-TURNBWM] §2.2.3", A),
    attr!(0x8059, "REMOTE-SITE-ADDRESS", "ms_remote_site_address", Layout::XorAddress, "[MS-TURNBWM] §2.2.4", A),
    attr!(0x805A, "REMOTE-RELAY-SITE-ADDRESS", "ms_remote_relay_site_address", Layout::XorAddress, "[MS-TURNBWM] §2.2.5", A),
    attr!(0x805B, "LOCAL-SITE-ADDRESS", "ms_local_site_address", Layout::XorAddress, "[MS-TURNBWM] §2.2.6", A),
    attr!(0x805C, "LOCAL-RELAY-SITE-ADDRESS", "ms_local_relay_site_address", Layout::XorAddress, "[MS-TURNBWM] §2.2.7", A),
    attr!(0x805D, "REMOTE-SITE-ADDRESS-RESPONSE", "ms_remote_site_address_response", Layout::Struct(MS_SITE_RESPONSE), "[MS-TURNBWM] §2.2.8", A),
    attr!(0x805E, "REMOTE-RELAY-SITE-ADDRESS-RESPONSE", "ms_remote_relay_site_address_response", Layout::Struct(MS_RELAY_SITE_RESPONSE), "[MS-TURNBWM] §2.2.9", A),
    attr!(0x805F, "LOCAL-SITE-ADDRESS-RESPONSE", "ms_local_site_address_response", Layout::Struct(MS_SITE_RESPONSE), "[MS-TURNBWM] §2.2.10", A),
    attr!(0x8060, "LOCAL-RELAY-SITE-ADDRESS-RESPONSE", "ms_local_relay_site_address_response", Layout::Struct(MS_RELAY_SITE_RESPONSE), "[MS-TURNBWM] §2.2.11", A),
    attr!(0x8061, "SIP-DIALOG-IDENTIFIER", "ms_sip_dialog_id", Layout::Opaque(opaque("SIP Dialog ID")), "[MS-TURNBWM] §2.2.12", A),
    attr!(0x8062, "SIP-CALL-IDENTIFIER", "ms_sip_call_id", Layout::Opaque(opaque("SIP Call ID")), "[MS-TURNBWM] §2.2.13", A),
    attr!(0x8068, "LOCATION-PROFILE", "ms_location_profile", Layout::Struct(MS_LOCATION_PROFILE), "[MS-TURNBWM] §2.2.14", A),
    attr!(0x8070, "IMPLEMENTATION-VERSION", "ms_implementation_version", Layout::Number(num("", "Implementation Version", FieldKind::U32).values(MS_IMPLEMENTATION_VERSION_VALUES)), "[MS-ICE2] §2.2.2.4", A, Role::MsImplementationVersion),
    attr!(0x8090, "MS-ALTERNATE-MAPPED-ADDRESS", "ms_alternate_mapped_address", Layout::Address, "[MS-TURN] §2.2.2.23", A),
    attr!(0x8095, "MULTIPLEXED-TURN-SESSION-ID", "ms_multiplexed_turn_session_id", Layout::Number(hex("", "Multiplexed TURN Session ID", FieldKind::U64)), "[MS-TURN] §2.2.2.24", A, Role::MsMultiplexedSessionId),
    // --- Vendors (IANA STUN Attributes, Expert Review; layouts unpublished: raw) ---
    attr!(0xC000, "CISCO-STUN-FLOWDATA", "cisco_stun_flowdata", Layout::Opaque(opaque("Flow Data")), "IANA STUN Attributes (Cisco; layout unpublished)", S),
    attr!(0xC001, "ENF-FLOW-DESCRIPTION", "enf_flow_description", Layout::Opaque(opaque("Flow Description")), "IANA STUN Attributes (layout unpublished; WebRTC reuses the code for its NOMINATION)", S),
    attr!(0xC002, "ENF-NETWORK-STATUS", "enf_network_status", Layout::Opaque(opaque("Network Status")), "IANA STUN Attributes (layout unpublished)", S),
    attr!(0xC003, "CISCO-WEBEX-FLOW-INFO", "cisco_webex_flow_info", Layout::Opaque(opaque("Flow Info")), "IANA STUN Attributes (Cisco Webex; layout unpublished)", S),
    attr!(0xC056, "CITRIX-TRANSACTION-ID", "citrix_transaction_id", Layout::Opaque(opaque("Transaction ID")), "IANA STUN Attributes (Citrix; layout unpublished)", S),
    // --- Google (WebRTC api/transport/stun.h; no RFC) ---
    attr!(0xC057, "GOOG-NETWORK-INFO", "goog_network_info", Layout::Struct(GOOG_NETWORK_INFO), "WebRTC stun.h STUN_ATTR_GOOG_NETWORK_INFO", S),
    attr!(0xC058, "GOOG-LAST-ICE-CHECK-RECEIVED", "goog_last_ice_check_received", Layout::Opaque(opaque("Last ICE Check Received")), "WebRTC stun.h STUN_ATTR_GOOG_LAST_ICE_CHECK_RECEIVED", S),
    attr!(0xC059, "GOOG-MISC-INFO", "goog_misc_info", Layout::U16List(num("", "Misc Info", FieldKind::U16)), "WebRTC stun.h STUN_ATTR_GOOG_MISC_INFO", S),
    attr!(0xC05A, "GOOG-OBSOLETE-1", "goog_obsolete_1", Layout::Opaque(opaque("Value")), "IANA STUN Attributes; WebRTC stun.h STUN_ATTR_GOOG_OBSOLETE_1 (obsolete, no layout)", S),
    attr!(0xC05B, "GOOG-CONNECTION-ID", "goog_connection_id", Layout::Opaque(opaque("Connection ID")), "IANA STUN Attributes; WebRTC stun.h STUN_ATTR_GOOG_CONNECTION_ID (not implemented, no layout)", S),
    attr!(0xC05C, "GOOG-DELTA", "goog_delta", Layout::Opaque(opaque("Delta")), "IANA STUN Attributes; WebRTC stun.h STUN_ATTR_GOOG_DELTA (byte string: a StunDictionary delta)", S),
    attr!(0xC05D, "GOOG-DELTA-ACK", "goog_delta_ack", Layout::Number(num("", "Acknowledged Version", FieldKind::U64)), "IANA STUN Attributes; WebRTC stun.h STUN_ATTR_GOOG_DELTA_ACK (UInt64)", S),
    attr!(0xC05E, "GOOG-DELTA-SYNC-REQ", "goog_delta_sync_req", Layout::Opaque(opaque("Value")), "IANA STUN Attributes; WebRTC stun.h STUN_ATTR_GOOG_DELTA_SYNC_REQ (not implemented, no layout)", S),
    attr!(0xC060, "GOOG-MESSAGE-INTEGRITY-32", "goog_message_integrity_32", Layout::Opaque(opaque("HMAC-SHA1 (32 bits)")), "WebRTC stun.h STUN_ATTR_GOOG_MESSAGE_INTEGRITY_32", S),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every method of the tables has the role its name says, in its dialect.
    #[test]
    fn method_roles_follow_the_tables() {
        for (ty, m, _) in MS_TURN_TYPES {
            let (desc, _) = method_for_type(Dialect::MsTurn, *ty);
            let role = method_role(Dialect::MsTurn5389, desc.code);
            let want = match m.name {
                "Binding" => MethodRole::Binding,
                "Allocate" => MethodRole::Allocate,
                "Send" => MethodRole::Send,
                "Data" => MethodRole::Data,
                _ => MethodRole::SetActiveDestination,
            };
            assert_eq!(role, want, "{}", m.name);
        }
        assert_eq!(
            method_role(Dialect::Rfc5389, method::SEND),
            MethodRole::Send
        );
        assert_eq!(method_role(Dialect::Rfc5389, 0x005), MethodRole::Other);
        assert_eq!(method_role(Dialect::MsTurn, 0x007), MethodRole::Other);
        assert_eq!(
            method_role(Dialect::Rfc3489, method::CONNECTION_BIND),
            MethodRole::ConnectionBind
        );
    }

    /// Every attribute Teams sends in MS-TURN over an RFC 5389 header (issue 14) is
    /// typed from [MS-TURN] §2.2.2 in that dialect, as in legacy MS-TURN; 0x8006 is in
    /// no [MS-TURN] list and stays raw.
    #[test]
    fn teams_attributes_are_typed_from_ms_turn() {
        let d = Dialect::MsTurn5389;
        for (code, key, section) in [
            (0x0001, "mapped_address", "§2.2.2.1"),
            (0x0006, "username", "§2.2.2.2"),
            (0x0008, "message_integrity", "§2.2.2.3"),
            (0x0009, "error_code", "§2.2.2.4"),
            (0x000D, "lifetime", "§2.2.2.6"),
            (0x000E, "alternate_server", "§2.2.2.7"),
            (0x000F, "magic_cookie", "§2.2.2.8"),
            (0x0010, "bandwidth", "§2.2.2.9"),
            (0x0011, "destination_address", "§2.2.2.10"),
            (0x0012, "remote_address", "§2.2.2.11"),
            (0x0013, "data", "§2.2.2.12"),
            (0x0014, "nonce", "§2.2.2.13"),
            (0x0015, "realm", "§2.2.2.14"),
            (0x8008, "ms_version", "§2.2.2.17"),
            (0x8020, "xor_mapped_address", "§2.2.2.16"),
            (0x8037, "ms_app_id", "§2.2.2.19"),
            (0x8050, "ms_sequence_number", "§2.2.2.21"),
            (0x8055, "ms_service_quality", "§2.2.2.22"),
            (0x8095, "ms_multiplexed_turn_session_id", "§2.2.2.24"),
        ] {
            let a = attribute(d, code).unwrap_or_else(|| panic!("{code:#06x}"));
            assert_eq!(a.key, key);
            assert!(
                a.spec.contains("[MS-TURN]") && a.spec.contains(section),
                "{key}: {}",
                a.spec
            );
            assert_eq!(attribute(Dialect::MsTurn, code), Some(a));
        }
        assert_eq!(attribute(d, 0x8022).unwrap().key, "software");
        assert_eq!(attribute(d, 0x8006), None);
        // MS-SEQUENCE-NUMBER is 24 bytes: 20-byte connection id, 32-bit number.
        let Layout::Struct(parts) = attribute(d, 0x8050).unwrap().layout else {
            panic!()
        };
        assert_eq!(
            parts
                .iter()
                .map(|p| (p.offset, p.len))
                .collect::<std::vec::Vec<_>>(),
            [(0, 20), (20, 4)]
        );
        assert_eq!(method_for_type(d, 0x0004).0.name, "Send");
        assert_eq!(method_for_type(d, 0x0115).0.name, "Data");
    }

    fn valid_component(s: &str) -> bool {
        !s.is_empty()
            && s.split('.').all(|c| {
                !c.is_empty()
                    && c.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    && c.as_bytes()[0].is_ascii_lowercase()
            })
    }

    #[test]
    fn attribute_index_is_the_position_in_attributes() {
        for (i, a) in ATTRIBUTES.iter().enumerate() {
            assert_eq!(attribute_index(a), Some(i));
            // A copy elsewhere is found by code and key.
            let copy = *a;
            assert_eq!(
                attribute_index(&copy),
                ATTRIBUTES
                    .iter()
                    .position(|b| b.code == a.code && b.key == a.key)
            );
        }
    }

    #[test]
    fn keys_are_filter_components() {
        for a in ATTRIBUTES {
            assert!(valid_component(a.key), "attribute key {:?}", a.key);
            for f in a.layout.fields() {
                assert!(
                    f.key.is_empty() || valid_component(f.key),
                    "{}.{}",
                    a.key,
                    f.key
                );
            }
        }
    }

    #[test]
    fn one_layout_per_key() {
        for a in ATTRIBUTES {
            for b in ATTRIBUTES {
                if a.key == b.key {
                    assert_eq!(a.layout, b.layout, "key {} used with two layouts", a.key);
                }
            }
        }
    }

    #[test]
    fn field_keys_unique_within_layout() {
        for a in ATTRIBUTES {
            let fields: std::vec::Vec<_> = a.layout.fields().collect();
            for (i, f) in fields.iter().enumerate() {
                for g in &fields[i + 1..] {
                    // ipv4/ipv6 share a label, never a key.
                    assert_ne!(f.key, g.key, "{} repeats field {:?}", a.key, f.key);
                }
            }
            // A single-valued field "" never coexists with named sub-fields.
            if fields.iter().any(|f| f.key.is_empty()) {
                assert_eq!(fields.len(), 1, "{} mixes \"\" with sub-fields", a.key);
            }
        }
    }

    #[test]
    fn one_descriptor_per_code_and_dialect() {
        for (i, a) in ATTRIBUTES.iter().enumerate() {
            for b in &ATTRIBUTES[i + 1..] {
                assert!(
                    a.code != b.code || !a.dialects.intersects(b.dialects),
                    "0x{:04x} described twice ({} / {})",
                    a.code,
                    a.name,
                    b.name
                );
            }
            assert!(!a.spec.is_empty(), "{} has no spec reference", a.name);
        }
    }

    #[test]
    fn index_lookup_equals_linear_search() {
        for d in Dialect::ALL {
            for code in 0..=u16::MAX {
                let linear = ATTRIBUTES
                    .iter()
                    .find(|a| a.code == code && a.dialects.contains(d));
                let got = attribute(d, code);
                assert_eq!(got, linear, "{d:?} 0x{code:04x}");
                if let (Some(g), Some(l)) = (got, linear) {
                    assert!(
                        core::ptr::eq(g, l),
                        "{d:?} 0x{code:04x}: not the table entry"
                    );
                }
            }
        }
        for code in 0..=u16::MAX {
            assert_eq!(method(code), METHODS.iter().find(|m| m.code == code));
        }
        for t in 0..0x4000u16 {
            let (m, c) = split_type(t);
            let linear = METHODS
                .iter()
                .find(|d| d.code == m)
                .unwrap_or(&UNKNOWN_METHOD);
            for d in [Dialect::Rfc5389, Dialect::Rfc3489] {
                assert_eq!(method_for_type(d, t), (linear, c), "{t:#06x}");
            }
        }
    }

    #[test]
    fn dialect_specific_codes() {
        use Dialect::*;
        assert_eq!(attribute(MsTurn, 0x0014).unwrap().key, "nonce");
        assert_eq!(attribute(MsTurn, 0x0015).unwrap().key, "realm");
        assert_eq!(attribute(Rfc5389, 0x0014).unwrap().key, "realm");
        assert_eq!(attribute(Rfc5389, 0x0015).unwrap().key, "nonce");
        // RFC 3489 dialect: the numbering of the drafts before rfc3489bis-03 (issue 18).
        assert_eq!(attribute(Rfc3489, 0x0014).unwrap().key, "nonce");
        assert_eq!(attribute(Rfc3489, 0x0015).unwrap().key, "realm");
        assert_eq!(attribute(MsTurn, 0x0012).unwrap().key, "remote_address");
        assert_eq!(attribute(Rfc5389, 0x0012).unwrap().key, "xor_peer_address");
        assert_eq!(
            attribute(MsTurn, 0x0011).unwrap().key,
            "destination_address"
        );
        assert!(attribute(Rfc5389, 0x0011).is_none());
        assert_eq!(attribute(MsTurn, 0x0010).unwrap().key, "bandwidth");
        assert!(attribute(Rfc5389, 0x0010).is_none());
        assert_eq!(attribute(MsTurn, 0x000E).unwrap().key, "alternate_server");
        assert_eq!(attribute(Rfc5389, 0x8023).unwrap().key, "alternate_server");
        assert_eq!(attribute(MsTurn, 0x000F).unwrap().key, "magic_cookie");
        assert!(attribute(Rfc5389, 0x000F).is_none());
        assert_eq!(attribute(Rfc3489, 0x0004).unwrap().key, "source_address");
        assert!(attribute(Rfc5389, 0x0004).is_none());
        for d in Dialect::ALL {
            assert_eq!(attribute(d, 0x8020).unwrap().key, "xor_mapped_address");
            assert_eq!(attribute(d, 0x8050).unwrap().key, "ms_sequence_number");
            assert_eq!(
                attribute(d, 0x0017).unwrap().key,
                "requested_address_family"
            );
        }
        // The vendor attributes IANA registers (issue 18).
        for (code, name) in [
            (0xC000, "CISCO-STUN-FLOWDATA"),
            (0xC001, "ENF-FLOW-DESCRIPTION"),
            (0xC002, "ENF-NETWORK-STATUS"),
            (0xC003, "CISCO-WEBEX-FLOW-INFO"),
            (0xC056, "CITRIX-TRANSACTION-ID"),
            (0xC05A, "GOOG-OBSOLETE-1"),
            (0xC05B, "GOOG-CONNECTION-ID"),
            (0xC05C, "GOOG-DELTA"),
            (0xC05D, "GOOG-DELTA-ACK"),
            (0xC05E, "GOOG-DELTA-SYNC-REQ"),
        ] {
            assert_eq!(attribute(Rfc5389, code).map(|a| a.name), Some(name));
        }
        assert!(matches!(
            attribute(Rfc5389, 0xC05D).unwrap().layout,
            Layout::Number(FieldDesc {
                kind: FieldKind::U64,
                ..
            })
        ));
    }

    #[test]
    fn plugin_required_fields_exist() {
        let needed = [
            ("mapped_address", "ipv4"),
            ("xor_mapped_address", "port"),
            ("xor_relayed_address", "ipv6"),
            ("xor_peer_address", "family"),
            ("lifetime", ""),
            ("username", ""),
            ("realm", ""),
            ("nonce", ""),
            ("error_code", "code"),
            ("error_code", "reason"),
            ("requested_transport", ""),
            ("connection_id", ""),
            ("channel_number", ""),
            ("software", ""),
            ("priority", ""),
            ("fingerprint", "status"),
            ("message_integrity", "status"),
            ("magic_cookie", ""),
            ("ms_version", ""),
            ("ms_sequence_number", "connection_id"),
            ("ms_sequence_number", "sequence"),
            ("ms_candidate_identifier", ""),
            ("ms_implementation_version", ""),
        ];
        for (key, field) in needed {
            let a = attribute_by_key(key).unwrap_or_else(|| panic!("no attribute {key}"));
            assert!(
                a.layout.fields().any(|f| f.key == field),
                "no {key}.{field}"
            );
        }
    }

    #[test]
    fn methods() {
        use Dialect::*;
        let (m, c) = method_for_type(MsTurn, 0x0115);
        assert_eq!((m.name, c), ("Data", Class::Indication));
        let (m, c) = method_for_type(MsTurn, 0x0004);
        assert_eq!((m.name, c), ("Send", Class::Request));
        let (m, c) = method_for_type(Rfc5389, 0x0004);
        assert_eq!((m.name, c), ("Refresh", Class::Request));
        let (m, c) = method_for_type(MsTurn, 0x0116);
        assert_eq!(
            (m.name, c),
            ("Set Active Destination", Class::ErrorResponse)
        );
        let (m, c) = method_for_type(Rfc5389, 0x0200);
        assert_eq!((m.name, c), ("GooglePing", Class::Request));
        let (m, c) = method_for_type(Rfc5389, 0x001c);
        assert_eq!((m.name, c), ("ConnectionAttempt", Class::Indication));
        assert_eq!(method_for_type(Rfc5389, 0x0005).0.name, "Unknown");
        // [MS-TURN] §2.2.1: the Send request's response and error response (issue 18).
        for d in [MsTurn, MsTurn5389] {
            let (m, c) = method_for_type(d, 0x0104);
            assert_eq!((m.name, c), ("Send", Class::SuccessResponse));
            let (m, c) = method_for_type(d, 0x0114);
            assert_eq!((m.name, c), ("Send", Class::ErrorResponse));
        }
        assert_eq!(method_for_type(Rfc5389, 0x0104).0.name, "Refresh");
        // RFC 8489 §14.8 renamed 401 (RFC 5389: "Unauthorized").
        assert_eq!(error_name(401), Some("Unauthenticated"));
        assert_eq!(error_name(499), None);
    }

    /// Every role names one attribute: descriptors sharing a role in a dialect are the
    /// same attribute under two codes (same key), and each role is held somewhere.
    #[test]
    fn roles_are_one_attribute_each() {
        for d in Dialect::ALL {
            for a in ATTRIBUTES.iter().filter(|a| a.dialects.contains(d)) {
                if a.role == Role::None {
                    continue;
                }
                let first = attribute_by_role(d, a.role).unwrap();
                assert_eq!(
                    first.key, a.key,
                    "{d:?}: {:?} held by two attributes",
                    a.role
                );
                assert_eq!(role(d, a.code), a.role);
            }
        }
        use Role::*;
        for r in [
            MappedAddress,
            XorMappedAddress,
            PeerAddress,
            RelayedAddress,
            RemoteAddress,
            DestinationAddress,
            AlternateServer,
            Username,
            Userhash,
            Realm,
            Nonce,
            PasswordAlgorithm,
            Integrity,
            IntegritySha256,
            Fingerprint,
            ErrorCode,
            UnknownAttributes,
            Software,
            Lifetime,
            ChannelNumber,
            Data,
            RequestedTransport,
            ConnectionId,
            Priority,
            UseCandidate,
            IceControlled,
            IceControlling,
            MagicCookie,
            Bandwidth,
            MsVersion,
            MsAppId,
            MsSequenceNumber,
            MsServiceQuality,
            MsCandidateIdentifier,
            MsImplementationVersion,
            MsMultiplexedSessionId,
        ] {
            assert!(ATTRIBUTES.iter().any(|a| a.role == r), "{r:?} unused");
        }
        // The swapped legacy numbering is the registry's business.
        assert_eq!(code(Dialect::MsTurn, Realm), Some(0x0015));
        assert_eq!(code(Dialect::MsTurn5389, Nonce), Some(0x0014));
        assert_eq!(code(Dialect::Rfc5389, Realm), Some(0x0014));
        assert_eq!(code(Dialect::Rfc3489, Nonce), Some(0x0014));
        assert_eq!(code(Dialect::Rfc3489, Realm), Some(0x0015));
        assert_eq!(code(Dialect::Rfc5389, XorMappedAddress), Some(0x0020));
        assert_eq!(code(Dialect::MsTurn, XorMappedAddress), Some(0x8020));
        assert_eq!(code(Dialect::MsTurn, PeerAddress), Option::None);
        assert_eq!(code(Dialect::MsTurn, RemoteAddress), Some(0x0012));
        assert_eq!(role(Dialect::Rfc5389, 0xC001), Role::None);
        for d in Dialect::ALL {
            for a in ATTRIBUTES.iter().filter(|a| a.dialects.contains(d)) {
                if a.role != Role::None {
                    assert_eq!(Some(const_code(d, a.role)), code(d, a.role));
                }
            }
        }
    }

    /// The field roles the plugin and the summary ask for are where they expect them.
    #[test]
    fn field_roles() {
        let d = Dialect::Rfc5389;
        let by = |r| attribute_by_role(d, r).unwrap();
        assert_eq!(
            by(Role::ErrorCode).field(FieldRole::ErrorCode).unwrap().key,
            "code"
        );
        assert_eq!(
            by(Role::ErrorCode).field(FieldRole::Reason).unwrap().key,
            "reason"
        );
        for r in [Role::Fingerprint, Role::Integrity, Role::IntegritySha256] {
            assert_eq!(by(r).field(FieldRole::CheckStatus).unwrap().key, "status");
            assert_eq!(by(r).field(FieldRole::CheckValue).unwrap().key, "value");
        }
        let seq = by(Role::MsSequenceNumber);
        assert_eq!(
            seq.field(FieldRole::ConnectionId).unwrap().key,
            "connection_id"
        );
        assert_eq!(seq.field(FieldRole::Sequence).unwrap().key, "sequence");
        for a in ATTRIBUTES {
            if matches!(a.layout, Layout::Address | Layout::XorAddress) {
                let keys = [
                    FieldRole::Family,
                    FieldRole::Port,
                    FieldRole::Ipv4,
                    FieldRole::Ipv6,
                ]
                .map(|r| a.field(r).unwrap().key);
                assert_eq!(keys, ["family", "port", "ipv4", "ipv6"], "{}", a.key);
            }
        }
        assert_eq!(by(Role::Lifetime).field(FieldRole::Port), None);
    }

    /// The citations issue 18 corrected.
    #[test]
    fn citations() {
        let spec = |key| attribute_by_key(key).unwrap().spec;
        assert!(spec("requested_address_family").starts_with("RFC 8656 §18.6"));
        assert_eq!(spec("even_port"), "RFC 8656 §18.7");
        assert_eq!(spec("requested_transport"), "RFC 8656 §18.8");
        assert!(spec("unknown_attributes").starts_with("RFC 8489 §14.13"));
    }

    /// Only RFC 5389/8489 requires UTF-8 text.
    #[test]
    fn utf8_required_only_in_rfc5389() {
        assert!(utf8_required(Dialect::Rfc5389));
        for d in [Dialect::Rfc3489, Dialect::MsTurn, Dialect::MsTurn5389] {
            assert!(!utf8_required(d), "{d:?}");
        }
    }

    /// Teams' 4-byte MS-SEQUENCE-NUMBER is a tolerated short form; other lengths are not.
    #[test]
    fn ms_sequence_number_short_form() {
        let a = attribute(Dialect::MsTurn5389, 0x8050).unwrap();
        let Layout::Struct(parts) = &a.layout else {
            panic!()
        };
        let s = short_form(parts, 4).unwrap();
        assert_eq!(s.parts[0].field.role, FieldRole::Sequence);
        assert_eq!(s.parts[0].field.key, "sequence");
        assert!(short_form(parts, 8).is_none());
        assert!(short_form(parts, 24).is_none());
    }

    #[test]
    fn masks() {
        let p = bits(flag("v", "V"), 0, 4, 0x8000_0000);
        assert_eq!(p.apply_mask(0x8000_0000), 1);
        assert_eq!(p.apply_mask(0x7fff_ffff), 0);
        let p = bits(num("c", "C", FieldKind::U8), 0, 4, 0x6);
        assert_eq!(p.apply_mask(0x7), 3);
        assert_eq!(
            part(num("x", "X", FieldKind::U8), 0, 1).apply_mask(0xff),
            0xff
        );
    }
}
