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
}

impl FieldDesc {
    /// A field with no unit and no value names.
    pub const fn new(key: &'static str, label: &'static str, kind: FieldKind, base: Base) -> Self {
        FieldDesc { key, label, kind, base, unit: "", values: &[] }
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
}

/// Checksum-status values, as Wireshark's `proto_checksum_vals`.
pub const CHECKSUM_STATUS: &[(u32, &str)] = &[(0, "Bad"), (1, "Good"), (2, "Unverified"), (3, "Not present"), (4, "Illegal")];

/// Address family values (RFC 8489 §14.1).
pub const FAMILY_VALUES: &[(u32, &str)] = &[(1, "IPv4"), (2, "IPv6")];

/// The sub-fields of `Layout::Address`/`XorAddress`.
pub const ADDRESS_FIELDS: &[FieldDesc] = &[
    FieldDesc::new("family", "Protocol Family", FieldKind::U8, Base::Hex).values(FAMILY_VALUES),
    FieldDesc::new("port", "Port", FieldKind::U16, Base::Dec),
    FieldDesc::new("ipv4", "IP", FieldKind::Ipv4, Base::None),
    FieldDesc::new("ipv6", "IP", FieldKind::Ipv6, Base::None),
];

/// The sub-fields of `Layout::ErrorCode`.
pub const ERROR_CODE_FIELDS: &[FieldDesc] = &[
    FieldDesc::new("class", "Error Class", FieldKind::U8, Base::Dec),
    FieldDesc::new("number", "Error Number", FieldKind::U8, Base::Dec),
    FieldDesc::new("code", "Error Code", FieldKind::U16, Base::Dec).values(ERROR_CODES),
    FieldDesc::new("reason", "Error Reason Phrase", FieldKind::Str, Base::None),
];

/// The sub-fields of `Layout::Fingerprint`.
pub const FINGERPRINT_FIELDS: &[FieldDesc] = &[
    FieldDesc::new("value", "CRC-32", FieldKind::U32, Base::Hex),
    FieldDesc::new("status", "CRC-32 Status", FieldKind::U8, Base::None).values(CHECKSUM_STATUS),
];

/// The sub-fields of `Layout::Integrity`.
pub const INTEGRITY_FIELDS: &[FieldDesc] = &[
    FieldDesc::new("value", "HMAC", FieldKind::Bytes, Base::None),
    FieldDesc::new("status", "HMAC Status", FieldKind::U8, Base::None).values(CHECKSUM_STATUS),
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
        };
        fields.iter().chain(parts.iter().map(|p| &p.field))
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
}

/// A set of dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialects(u8);

impl Dialects {
    /// RFC 5389/8489 and RFC 3489 (and MS-TURN unless it redefines the code).
    pub const ALL: Dialects = Dialects(0b111);
    /// Only the standard dialects.
    pub const STANDARD: Dialects = Dialects(0b011);
    /// Only legacy MS-TURN.
    pub const MS_TURN: Dialects = Dialects(0b100);
    /// Whether `d` is in the set.
    pub const fn contains(self, d: Dialect) -> bool {
        self.0 & (1 << (d.code() - 1)) != 0
    }
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

/// Methods of RFC 5389/8489 and its extensions (used by RFC 5389 and RFC 3489 dialects).
pub const METHODS: &[MethodDesc] = &[
    MethodDesc { code: 0x001, name: "Binding", spec: "RFC 8489 §18.2" },
    MethodDesc { code: 0x002, name: "SharedSecret", spec: "RFC 3489 §11.1" },
    MethodDesc { code: 0x003, name: "Allocate", spec: "RFC 8656 §17" },
    MethodDesc { code: 0x004, name: "Refresh", spec: "RFC 8656 §17" },
    MethodDesc { code: 0x006, name: "Send", spec: "RFC 8656 §17" },
    MethodDesc { code: 0x007, name: "Data", spec: "RFC 8656 §17" },
    MethodDesc { code: 0x008, name: "CreatePermission", spec: "RFC 8656 §17" },
    MethodDesc { code: 0x009, name: "ChannelBind", spec: "RFC 8656 §17" },
    MethodDesc { code: 0x00a, name: "Connect", spec: "RFC 6062 §6.1" },
    MethodDesc { code: 0x00b, name: "ConnectionBind", spec: "RFC 6062 §6.1" },
    MethodDesc { code: 0x00c, name: "ConnectionAttempt", spec: "RFC 6062 §6.1" },
    MethodDesc { code: 0x080, name: "GooglePing", spec: "Google (libjingle) GOOG-PING" },
];

/// Legacy [MS-TURN] message types (§2.2.1): these do not follow RFC 5389's bit layout.
/// Each entry is (message type, method, class).
pub const MS_TURN_TYPES: &[(u16, MethodDesc, Class)] = &[
    (0x0001, MS_BINDING, Class::Request),
    (0x0101, MS_BINDING, Class::SuccessResponse),
    (0x0111, MS_BINDING, Class::ErrorResponse),
    (0x0003, MS_ALLOCATE, Class::Request),
    (0x0103, MS_ALLOCATE, Class::SuccessResponse),
    (0x0113, MS_ALLOCATE, Class::ErrorResponse),
    (0x0004, MS_SEND, Class::Request),
    (0x0115, MS_DATA, Class::Indication),
    (0x0006, MS_SET_ACTIVE_DESTINATION, Class::Request),
    (0x0106, MS_SET_ACTIVE_DESTINATION, Class::SuccessResponse),
    (0x0116, MS_SET_ACTIVE_DESTINATION, Class::ErrorResponse),
];

const MS_BINDING: MethodDesc = MethodDesc { code: 0x001, name: "Binding", spec: "[MS-TURN] §2.2.1" };
const MS_ALLOCATE: MethodDesc = MethodDesc { code: 0x003, name: "Allocate", spec: "[MS-TURN] §2.2.1" };
const MS_SEND: MethodDesc = MethodDesc { code: 0x004, name: "Send", spec: "[MS-TURN] §2.2.1" };
const MS_DATA: MethodDesc = MethodDesc { code: 0x005, name: "Data", spec: "[MS-TURN] §2.2.1" };
const MS_SET_ACTIVE_DESTINATION: MethodDesc =
    MethodDesc { code: 0x006, name: "Set Active Destination", spec: "[MS-TURN] §2.2.1" };

/// Placeholder for a method code no table knows.
pub const UNKNOWN_METHOD: MethodDesc = MethodDesc { code: 0xFFFF, name: "Unknown", spec: "" };

/// Method and class of a message type in a dialect.
pub fn method_for_type(dialect: Dialect, msg_type: u16) -> (&'static MethodDesc, Class) {
    if dialect == Dialect::MsTurn {
        if let Some((_, m, c)) = MS_TURN_TYPES.iter().find(|(t, _, _)| *t == msg_type) {
            return (m, *c);
        }
    }
    let (m, c) = split_type(msg_type);
    (method(m).unwrap_or(&UNKNOWN_METHOD), c)
}

/// A standard method by its code.
pub fn method(code: u16) -> Option<&'static MethodDesc> {
    METHODS.iter().find(|m| m.code == code)
}

/// The attribute descriptor for `code` in `dialect`, if any table knows it.
pub fn attribute(dialect: Dialect, code: u16) -> Option<&'static AttrDesc> {
    ATTRIBUTES.iter().find(|a| a.code == code && a.dialects.contains(dialect))
}

/// Error code reason names (RFC 8489 §14.8, RFC 8656 §18, RFC 6062 §6.3, [MS-TURN]).
pub const ERROR_CODES: &[(u32, &str)] = &[
    (300, "Try Alternate"),
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (403, "Forbidden"),
    (405, "Mobility Forbidden"),
    (420, "Unknown Attribute"),
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
];

const fn num(key: &'static str, label: &'static str, kind: FieldKind) -> FieldDesc {
    FieldDesc::new(key, label, kind, Base::Dec)
}
const fn text(label: &'static str) -> FieldDesc {
    FieldDesc::new("", label, FieldKind::Str, Base::None)
}
const fn opaque(label: &'static str) -> FieldDesc {
    FieldDesc::new("", label, FieldKind::Bytes, Base::None)
}
const fn part(field: FieldDesc, offset: u16, len: u16) -> Part {
    Part { field, offset, len }
}

const A: Dialects = Dialects::ALL;
const S: Dialects = Dialects::STANDARD;
const M: Dialects = Dialects::MS_TURN;

macro_rules! attr {
    ($code:expr, $name:expr, $key:expr, $layout:expr, $spec:expr, $d:expr) => {
        AttrDesc { code: $code, name: $name, key: $key, layout: $layout, spec: $spec, dialects: $d }
    };
}

/// Transport protocol values for REQUESTED-TRANSPORT (IANA protocol numbers).
pub const TRANSPORT_VALUES: &[(u32, &str)] = &[(6, "TCP"), (17, "UDP")];

const REQUESTED_TRANSPORT: &[Part] = &[part(
    FieldDesc::new("", "Protocol", FieldKind::U8, Base::Dec).values(TRANSPORT_VALUES),
    0,
    1,
)];
const MS_SEQUENCE_NUMBER: &[Part] = &[
    part(FieldDesc::new("connection_id", "Connection ID", FieldKind::Bytes, Base::None), 0, 20),
    part(num("sequence", "Sequence Number", FieldKind::U32), 20, 4),
];

/// Every attribute msstun knows. Keys may repeat across dialects only with the same layout.
pub static ATTRIBUTES: &[AttrDesc] = &[
    attr!(0x0001, "MAPPED-ADDRESS", "mapped_address", Layout::Address, "RFC 8489 §14.1", A),
    attr!(0x0006, "USERNAME", "username", Layout::Text(text("Username")), "RFC 8489 §14.3", A),
    attr!(0x0008, "MESSAGE-INTEGRITY", "message_integrity", Layout::Integrity, "RFC 8489 §14.5", A),
    attr!(0x0009, "ERROR-CODE", "error_code", Layout::ErrorCode, "RFC 8489 §14.8", A),
    attr!(0x000C, "CHANNEL-NUMBER", "channel_number", Layout::Struct(&[part(FieldDesc::new("", "Channel Number", FieldKind::U16, Base::Hex), 0, 2)]), "RFC 8656 §18.1", S),
    attr!(0x000D, "LIFETIME", "lifetime", Layout::Number(num("", "Lifetime", FieldKind::U32).unit("s")), "RFC 8656 §18.2", A),
    attr!(0x000F, "MAGIC-COOKIE", "magic_cookie", Layout::Number(FieldDesc::new("", "Magic Cookie", FieldKind::U32, Base::Hex)), "[MS-TURN] §2.2.2.7", M),
    attr!(0x0012, "XOR-PEER-ADDRESS", "xor_peer_address", Layout::XorAddress, "RFC 8656 §18.3", S),
    attr!(0x0013, "DATA", "data", Layout::Opaque(opaque("Data")), "RFC 8656 §18.4", A),
    attr!(0x0014, "REALM", "realm", Layout::Text(text("Realm")), "RFC 8489 §14.9", S),
    attr!(0x0015, "NONCE", "nonce", Layout::Text(text("Nonce")), "RFC 8489 §14.10", S),
    attr!(0x0014, "NONCE", "nonce", Layout::Text(text("Nonce")), "[MS-TURN] §2.2.2.10", M),
    attr!(0x0015, "REALM", "realm", Layout::Text(text("Realm")), "[MS-TURN] §2.2.2.11", M),
    attr!(0x0016, "XOR-RELAYED-ADDRESS", "xor_relayed_address", Layout::XorAddress, "RFC 8656 §18.5", S),
    attr!(0x0019, "REQUESTED-TRANSPORT", "requested_transport", Layout::Struct(REQUESTED_TRANSPORT), "RFC 8656 §18.7", S),
    attr!(0x0020, "XOR-MAPPED-ADDRESS", "xor_mapped_address", Layout::XorAddress, "RFC 8489 §14.2", S),
    attr!(0x0024, "PRIORITY", "priority", Layout::Number(num("", "Priority", FieldKind::U32)), "RFC 8445 §16.1", S),
    attr!(0x0025, "USE-CANDIDATE", "use_candidate", Layout::Flag, "RFC 8445 §16.1", S),
    attr!(0x002A, "CONNECTION-ID", "connection_id", Layout::Number(FieldDesc::new("", "Connection ID", FieldKind::U32, Base::Hex)), "RFC 6062 §6.2.1", S),
    attr!(0x8020, "XOR-MAPPED-ADDRESS", "xor_mapped_address", Layout::XorAddress, "[MS-TURN] §2.2.2.15", A),
    attr!(0x8022, "SOFTWARE", "software", Layout::Text(text("Software")), "RFC 8489 §14.14", A),
    attr!(0x8028, "FINGERPRINT", "fingerprint", Layout::Fingerprint, "RFC 8489 §14.7", A),
    attr!(0x8008, "MS-VERSION", "ms_version", Layout::Number(num("", "MS Version", FieldKind::U32)), "[MS-TURN] §2.2.2.16", A),
    attr!(0x8050, "MS-SEQUENCE-NUMBER", "ms_sequence_number", Layout::Struct(MS_SEQUENCE_NUMBER), "[MS-TURN] §2.2.2.18", A),
    attr!(0x8054, "CANDIDATE-IDENTIFIER", "ms_candidate_identifier", Layout::Opaque(opaque("Candidate Identifier")), "[MS-ICE2] §2.2.2.3", A),
    attr!(0x8070, "IMPLEMENTATION-VERSION", "ms_implementation_version", Layout::Number(num("", "Implementation Version", FieldKind::U32)), "[MS-ICE2] §2.2.2.4", A),
    attr!(0x8029, "ICE-CONTROLLED", "ice_controlled", Layout::Number(FieldDesc::new("", "Tie breaker", FieldKind::U64, Base::Hex)), "RFC 8445 §16.1", S),
    attr!(0x802A, "ICE-CONTROLLING", "ice_controlling", Layout::Number(FieldDesc::new("", "Tie breaker", FieldKind::U64, Base::Hex)), "RFC 8445 §16.1", S),
];
