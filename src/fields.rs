//! Header fields (`hf`) and subtrees (`ett`), described from the parser's registry and
//! registered through [`crate::epan::fields::Registrar`].

use msstun::registry::{self, Base, FieldDesc, FieldKind, FieldRole, Role, ATTRIBUTES};
use std::sync::OnceLock;

use crate::epan::fields::{CName, Display, FieldType, FrameLink, Registrar};
use crate::epan::PStr;
pub use crate::epan::{Ett, Hf, RefGroup};

/// Values of `msstun.framing` (the parser's list; codes from `msstun::framing::framing_code`).
pub use msstun::framing::FRAMING_NAMES as FRAMING_VALUES;
/// Values of `msstun.ms_tcp.type`.
pub use msstun::framing::MS_TCP_TYPE_NAMES as MS_TCP_TYPE_VALUES;
/// Values of `msstun.class`.
pub use msstun::message::CLASS_NAMES as CLASS_VALUES;
/// Values of `msstun.dialect`.
pub use msstun::message::DIALECT_NAMES as DIALECT_VALUES;

/// Sub-fields of one attribute, by field key.
#[derive(Debug, Default)]
pub struct AttrFields {
    /// (field key, kind, hf), in registry order.
    pub fields: Vec<(&'static str, FieldKind, Hf)>,
    /// The `.status` field of a checked attribute (FINGERPRINT, MESSAGE-INTEGRITY).
    pub status: Option<Hf>,
    /// DATA: the value is a relayed packet, handed to other dissectors.
    pub relays: bool,
    /// The sub-fields' references, for [`AttrFields::any_referenced`].
    pub refs: RefGroup,
}

impl AttrFields {
    /// The hf of sub-field `key`.
    pub fn get(&self, key: &str) -> Option<(FieldKind, Hf)> {
        // Keys usually are the registry's own `&'static str`: compare pointers first.
        self.fields
            .iter()
            .find(|(k, _, _)| std::ptr::eq(*k, key))
            .or_else(|| self.fields.iter().find(|(k, _, _)| *k == key))
            .map(|(_, kind, hf)| (*kind, *hf))
    }

    /// Whether any sub-field is referenced (see [`Hf::referenced`]).
    #[inline]
    pub fn any_referenced(&self) -> bool {
        self.refs
            .any(|| self.fields.iter().map(|&(_, _, hf)| hf).collect())
    }
}

/// Field type of a registry field kind.
fn field_type(k: FieldKind) -> FieldType {
    match k {
        FieldKind::U8 => FieldType::U8,
        FieldKind::U16 => FieldType::U16,
        FieldKind::U32 => FieldType::U32,
        FieldKind::U64 => FieldType::U64,
        FieldKind::Bool => FieldType::Bool,
        FieldKind::Ipv4 => FieldType::Ipv4,
        FieldKind::Ipv6 => FieldType::Ipv6,
        FieldKind::Str => FieldType::Str,
        FieldKind::Bytes => FieldType::Bytes,
    }
}

/// A field generated from a registry description (`attr_name` labels a value without key).
fn desc_field(b: &mut Registrar, abbrev: &str, d: &FieldDesc, attr_name: &str) -> (Hf, FieldKind) {
    let hex = d.base == Base::Hex;
    let display = if !d.values.is_empty() && d.kind != FieldKind::U64 {
        Display::Names(hex, d.values)
    } else if !d.unit.is_empty() {
        Display::Unit(hex, d.unit)
    } else if hex {
        Display::Hex
    } else {
        Display::Dec
    };
    let label = if d.key.is_empty() { attr_name } else { d.label };
    let ty = field_type(d.kind);
    // A field shared by several attributes keeps the kind it was first registered with.
    let kind = b.type_of(abbrev).and_then(kind_of).unwrap_or(d.kind);
    (b.field(label, abbrev, ty, display), kind)
}

fn kind_of(t: FieldType) -> Option<FieldKind> {
    Some(match t {
        FieldType::U8 => FieldKind::U8,
        FieldType::U16 => FieldKind::U16,
        FieldType::U32 => FieldKind::U32,
        FieldType::U64 => FieldKind::U64,
        FieldType::Bool => FieldKind::Bool,
        FieldType::Ipv4 => FieldKind::Ipv4,
        FieldType::Ipv6 => FieldKind::Ipv6,
        FieldType::Str => FieldKind::Str,
        FieldType::Bytes => FieldKind::Bytes,
        _ => return None,
    })
}

/// The fixed fields of msstun: `name: "Label", "abbrev", type, display;` each, in
/// registration order (the order of `tshark -G fields` and docs/FIELDS.md). Generates
/// [`Fields`] and its registration; the attribute fields come from the registry.
macro_rules! fixed_fields {
    ($($(#[$doc:meta])* $name:ident: $label:literal, $abbrev:literal, $ty:expr, $disp:expr;)*) => {
        /// Every registered field and subtree.
        #[derive(Debug)]
        pub struct Fields {
            /// Attribute names as C strings, by `ATTRIBUTES` index.
            pub attr_names: Vec<CName>,
            /// Method names as C strings.
            pub method_names: Vec<(&'static str, CName)>,
            $($(#[$doc])* pub $name: Hf,)*
            /// Per attribute of `ATTRIBUTES` (same index).
            pub attrs: Vec<AttrFields>,
            /// `msstun` subtree.
            pub ett_msstun: Ett,
            /// Attributes subtree.
            pub ett_attrs: Ett,
            /// One attribute.
            pub ett_attr: Ett,
            /// Framing header.
            pub ett_framing: Ett,
            /// RFC 6062 link.
            pub ett_tcp_data: Ett,
            /// Allocation.
            pub ett_allocation: Ett,
            pub ett_srtp: Ett,
        }

        /// The fixed fields' abbreviations, in registration order.
        pub const FIXED_ABBREVS: &[&str] = &[$($abbrev),*];

        /// Register the fixed fields, then the registry's, then the subtrees.
        fn build(b: &mut Registrar, names: &Names) -> Fields {
            #[allow(unused_imports)]
            use {Display::*, FieldType::*, FrameLink as F};
            $(let $name = b.field($label, $abbrev, $ty, $disp(names));)*
            let attrs = attribute_fields(b);
            Fields {
                attr_names: ATTRIBUTES.iter().map(|a| CName::leak(a.name)).collect(),
                method_names: method_cnames(),
                $($name,)*
                attrs,
                ett_msstun: b.ett(),
                ett_attrs: b.ett(),
                ett_attr: b.ett(),
                ett_framing: b.ett(),
                ett_tcp_data: b.ett(),
                ett_allocation: b.ett(),
                ett_srtp: b.ett(),
            }
        }
    };
}

/// Value-name lists computed at registration (from the registry and the parser's enums).
struct Names {
    methods: Vec<(u32, &'static str)>,
    attr_types: Vec<(u32, &'static str)>,
    kinds: Vec<(u32, &'static str)>,
    carriers: Vec<(u32, &'static str)>,
}

impl Names {
    fn new() -> Names {
        // Names of the attribute types (standard dialect wins on clashes).
        let mut attr_types: Vec<(u32, &str)> = Vec::new();
        for a in ATTRIBUTES {
            if !attr_types.iter().any(|(c, _)| *c == a.code as u32) {
                attr_types.push((a.code as u32, a.name));
            }
        }
        Names {
            methods: registry::METHODS
                .iter()
                .map(|m| (m.code as u32, m.name))
                .collect(),
            attr_types,
            kinds: msstun::classify::PAYLOAD_KIND_NAMES.to_vec(),
            carriers: msstun::classify::CARRIER_NAMES.to_vec(),
        }
    }
}

// Display choices, as functions of the registration-time names.
fn dec(_: &Names) -> Display<'static> {
    Display::Dec
}
fn hex(_: &Names) -> Display<'static> {
    Display::Hex
}
fn vals(v: &'static [(u32, &'static str)], hex: bool) -> impl Fn(&Names) -> Display<'static> {
    move |_| Display::Names(hex, v)
}
fn methods(n: &Names) -> Display<'_> {
    Display::Names(true, &n.methods)
}
fn attr_types(n: &Names) -> Display<'_> {
    Display::Names(true, &n.attr_types)
}
fn kinds(n: &Names) -> Display<'_> {
    Display::Names(false, &n.kinds)
}
fn carriers(n: &Names) -> Display<'_> {
    Display::Names(false, &n.carriers)
}

fixed_fields! {
    /// `msstun.type`.
    msg_type: "Message Type", "msstun.type", U16, hex;
    /// `msstun.method`.
    method: "Message Method", "msstun.method", U16, methods;
    /// `msstun.class`.
    class: "Message Class", "msstun.class", U8, vals(CLASS_VALUES, true);
    /// `msstun.length`.
    length: "Message Length", "msstun.length", U16, dec;
    /// `msstun.cookie`.
    cookie: "Message Cookie", "msstun.cookie", U32, hex;
    /// `msstun.transaction_id`.
    transaction_id: "Message Transaction ID", "msstun.transaction_id", Bytes, dec;
    /// `msstun.dialect`.
    dialect: "Dialect", "msstun.dialect", U8, vals(DIALECT_VALUES, false);
    /// `msstun.framing`.
    framing: "Framing", "msstun.framing", U8, vals(FRAMING_VALUES, false);
    /// `msstun.framing.length` (RFC 4571 / MS-TURN TCP length).
    framing_length: "Frame Length", "msstun.framing.length", U16, dec;
    /// `msstun.ms_tcp.type`.
    ms_tcp_type: "MS-TURN Frame Type", "msstun.ms_tcp.type", U8, vals(MS_TCP_TYPE_VALUES, true);
    /// `msstun.ms_tcp.reserved`.
    ms_tcp_reserved: "MS-TURN Frame Reserved", "msstun.ms_tcp.reserved", U8, hex;
    /// `msstun.pseudo_tls` (a pseudo-TLS record).
    pseudo_tls: "Pseudo-TLS Record", "msstun.pseudo_tls", Bytes, dec;
    /// `msstun.channel`.
    channel: "Channel Number", "msstun.channel", U16, hex;
    /// `msstun.channel.length`.
    channel_length: "Channel Data Length", "msstun.channel.length", U16, dec;
    /// `msstun.channel.data`.
    channel_data: "Channel Data", "msstun.channel.data", Bytes, dec;
    /// `msstun.mturn.session_id`.
    mturn_session: "MTURN Session ID", "msstun.mturn.session_id", Bytes, dec;
    /// `msstun.data` (end-to-end / opaque data).
    data: "Data", "msstun.data", Bytes, dec;
    /// `msstun.att` (one attribute).
    att: "Attribute", "msstun.att", None, dec;
    /// `msstun.att.type`.
    att_type: "Attribute Type", "msstun.att.type", U16, attr_types;
    /// `msstun.att.length`.
    att_length: "Attribute Length", "msstun.att.length", U16, dec;
    /// `msstun.att.pad`.
    att_padding: "Padding", "msstun.att.pad", U16, dec;
    /// `msstun.att.value` (value of an unknown attribute).
    att_value: "Value", "msstun.att.value", Bytes, dec;
    /// `msstun.response_in`.
    response_in: "Response In", "msstun.response_in", Frame(F::Response), dec;
    /// `msstun.response_to`.
    response_to: "Request In", "msstun.response_to", Frame(F::Request), dec;
    /// `msstun.time`.
    time: "Time", "msstun.time", RelTime, dec;
    /// `msstun.retransmission`.
    retransmission: "Retransmission", "msstun.retransmission", None, dec;
    /// `msstun.retransmission_of`.
    retransmission_of: "Retransmission Of", "msstun.retransmission_of", Frame(F::Duplicate), dec;
    /// `msstun.allocation`.
    allocation: "Allocation", "msstun.allocation", Frame(F::Response), dec;
    /// `msstun.allocation.relayed.ipv4`.
    relayed_ipv4: "Relayed Address", "msstun.allocation.relayed.ipv4", Ipv4, dec;
    /// `msstun.allocation.relayed.ipv6`.
    relayed_ipv6: "Relayed Address", "msstun.allocation.relayed.ipv6", Ipv6, dec;
    /// `msstun.allocation.relayed.port`.
    relayed_port: "Relayed Port", "msstun.allocation.relayed.port", U16, dec;
    /// `msstun.tcp_data` (the RFC 6062 link).
    tcp_data: "RFC 6062 Data Connection", "msstun.tcp_data", None, dec;
    /// `msstun.tcp_data.connection_id`.
    td_connection_id: "Connection ID", "msstun.tcp_data.connection_id", U32, hex;
    /// `msstun.tcp_data.peer.ipv4`.
    td_peer_ipv4: "Peer Address", "msstun.tcp_data.peer.ipv4", Ipv4, dec;
    /// `msstun.tcp_data.peer.ipv6`.
    td_peer_ipv6: "Peer Address", "msstun.tcp_data.peer.ipv6", Ipv6, dec;
    /// `msstun.tcp_data.peer.port`.
    td_peer_port: "Peer Port", "msstun.tcp_data.peer.port", U16, dec;
    /// `msstun.tcp_data.attempt_in`.
    td_attempt_in: "ConnectionAttempt In", "msstun.tcp_data.attempt_in", Frame(F::None), dec;
    /// `msstun.tcp_data.connect_in` (the Connect success response).
    td_connect_in: "Connect Response In", "msstun.tcp_data.connect_in", Frame(F::Response), dec;
    /// `msstun.tcp_data.bind_in`.
    td_bind_in: "ConnectionBind In", "msstun.tcp_data.bind_in", Frame(F::Request), dec;
    /// `msstun.tcp_data.bound_in`.
    td_bound_in: "Data Connection Bound In", "msstun.tcp_data.bound_in", Frame(F::Response), dec;
    /// `msstun.tcp_data.relayed` (relayed application data).
    td_relayed: "Relayed Data", "msstun.tcp_data.relayed", Bytes, dec;
    /// `msstun.allocation.id` (the session analysis' allocation number).
    allocation_id: "Allocation ID", "msstun.allocation.id", U32, dec;
    /// `msstun.allocation.state` (as of this frame).
    allocation_state: "Allocation State", "msstun.allocation.state", Str, dec;
    /// `msstun.ice.session` (ICE session: a pair of USERNAME fragments).
    ice_session: "ICE Session", "msstun.ice.session", U32, dec;
    /// `msstun.ice.pair` (candidate pair number).
    ice_pair: "Candidate Pair", "msstun.ice.pair", U32, dec;
    /// `msstun.ice.pair.state` (as of this frame).
    ice_pair_state: "Candidate Pair State", "msstun.ice.pair.state", Str, dec;
    /// `msstun.ice.pair.final_state` (at the end of what was analysed).
    ice_pair_final: "Candidate Pair Final State", "msstun.ice.pair.final_state", Str, dec;
    /// `msstun.finding` (the code of a session-analysis finding proved by this frame).
    finding: "Finding", "msstun.finding", Str, dec;
    /// `msstun.payload.kind` (RFC 7983 class of a relayed or multiplexed payload).
    payload_kind: "Payload Kind (RFC 7983)", "msstun.payload.kind", U8, kinds;
    /// `msstun.payload.carrier` (what carried it).
    payload_carrier: "Payload Carrier", "msstun.payload.carrier", U8, carriers;
    /// `msstun.srtcp.e` (the SRTCP trailer's E flag).
    srtcp_e: "SRTCP E flag (encrypted)", "msstun.srtcp.e", Bool, dec;
    /// `msstun.srtcp.index`.
    srtcp_index: "SRTCP Index", "msstun.srtcp.index", U32, dec;
    /// `msstun.srtcp.mki`.
    srtcp_mki: "SRTCP MKI", "msstun.srtcp.mki", Bytes, dec;
    /// `msstun.srtcp.auth_tag`.
    srtcp_auth_tag: "SRTCP Authentication Tag", "msstun.srtcp.auth_tag", Bytes, dec;
    /// `msstun.srtcp.pt` (the first packet's type, in the clear).
    srtcp_pt: "SRTCP Packet type", "msstun.srtcp.pt", U8, dec;
    /// `msstun.srtcp.ssrc` (the sender's SSRC, in the clear).
    srtcp_ssrc: "SRTCP Sender SSRC", "msstun.srtcp.ssrc", U32, hex;
    /// `msstun.srtcp.encrypted`: the encrypted reports after the first 8 bytes (E set).
    srtcp_encrypted: "SRTCP Encrypted reports", "msstun.srtcp.encrypted", Bytes, dec;
    /// `msstun.srtp`: an SRTP packet msstun shows (header in the clear, the rest encrypted).
    srtp: "SRTP (encrypted RTP)", "msstun.srtp", None, dec;
    /// `msstun.srtp.version`.
    srtp_version: "Version", "msstun.srtp.version", U8, dec;
    /// `msstun.srtp.padding` (the padding itself is inside the encrypted payload).
    srtp_padding: "Padding (inside the encrypted payload)", "msstun.srtp.padding", Bool, dec;
    /// `msstun.srtp.extension`.
    srtp_extension: "Extension", "msstun.srtp.extension", Bool, dec;
    /// `msstun.srtp.cc`.
    srtp_cc: "Contributing source identifiers count", "msstun.srtp.cc", U8, dec;
    /// `msstun.srtp.marker`.
    srtp_marker: "Marker", "msstun.srtp.marker", Bool, dec;
    /// `msstun.srtp.p_type`.
    srtp_pt: "Payload type", "msstun.srtp.p_type", U8, dec;
    /// `msstun.srtp.seq`.
    srtp_seq: "Sequence number", "msstun.srtp.seq", U16, dec;
    /// `msstun.srtp.timestamp`.
    srtp_timestamp: "Timestamp", "msstun.srtp.timestamp", U32, dec;
    /// `msstun.srtp.ssrc`.
    srtp_ssrc: "Synchronization Source identifier", "msstun.srtp.ssrc", U32, hex;
    /// `msstun.srtp.csrc`.
    srtp_csrc: "Contributing Source identifier", "msstun.srtp.csrc", U32, hex;
    /// `msstun.srtp.ext` (the header extension: profile, length, data).
    srtp_ext: "Header extension", "msstun.srtp.ext", Bytes, dec;
    /// `msstun.srtp.encrypted`.
    srtp_encrypted: "Encrypted payload, padding and authentication tag", "msstun.srtp.encrypted", Bytes, dec;
}

static FIELDS: OnceLock<Fields> = OnceLock::new();

/// The registered fields (panics if called before registration).
pub fn fields() -> &'static Fields {
    FIELDS
        .get()
        .expect("msstun fields used before registration")
}

/// One hf per unique `msstun.att.<key>[.<sub>]`, from the registry.
fn attribute_fields(b: &mut Registrar) -> Vec<AttrFields> {
    let mut attrs = Vec::with_capacity(ATTRIBUTES.len());
    for a in ATTRIBUTES {
        let mut af = AttrFields::default();
        for d in a.layout.fields() {
            let abbrev = if d.key.is_empty() {
                format!("msstun.att.{}", a.key)
            } else {
                format!("msstun.att.{}.{}", a.key, d.key)
            };
            let (hf, kind) = desc_field(b, &abbrev, d, a.name);
            af.fields.push((d.key, kind, hf));
        }
        af.status = a
            .layout
            .field(FieldRole::CheckStatus)
            .and_then(|d| af.get(d.key))
            .map(|(_, hf)| hf);
        af.relays = a.role == Role::Data;
        attrs.push(af);
    }
    attrs
}

/// Every method name (standard, [MS-TURN], unknown) as a C string, once each.
fn method_cnames() -> Vec<(&'static str, CName)> {
    let mut out: Vec<(&'static str, CName)> = Vec::new();
    let all = registry::METHODS
        .iter()
        .chain(registry::MS_TURN_TYPES.iter().map(|(_, m, _)| m))
        .chain(std::iter::once(&registry::UNKNOWN_METHOD));
    for m in all {
        if !out.iter().any(|(n, _)| *n == m.name) {
            out.push((m.name, CName::leak(m.name)));
        }
    }
    out
}

/// Build and register every field and subtree of protocol `proto`. Called once.
pub fn register(proto: std::ffi::c_int) {
    let mut b = Registrar::default();
    let f = build(&mut b, &Names::new());
    b.register(proto);
    let _ = FIELDS.set(f);
}

impl Fields {
    /// The C string of a method name (`None` if not from the registry tables).
    pub fn method_cname(&self, name: &str) -> Option<PStr<'static>> {
        self.method_names
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c.pstr())
    }
    /// The C string of an attribute's name.
    pub fn attr_cname(&self, desc: Option<&'static registry::AttrDesc>) -> PStr<'static> {
        desc.and_then(attr_index)
            .and_then(|i| self.attr_names.get(i))
            .map_or(PStr::of(c"Unknown"), |c| c.pstr())
    }
}

/// Index of `desc` in `ATTRIBUTES`.
pub fn attr_index(desc: &'static registry::AttrDesc) -> Option<usize> {
    registry::attribute_index(desc)
}

#[cfg(test)]
mod tests {
    /// `msstun.dialect`'s value names are the parser's dialects, code for code.
    #[test]
    fn dialect_values_are_the_parsers_dialects() {
        let want: Vec<(u32, &str)> = msstun::Dialect::ALL
            .iter()
            .map(|d| (d.code() as u32, d.name()))
            .collect();
        assert_eq!(super::DIALECT_VALUES, &want[..]);
    }
}
