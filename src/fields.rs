//! Header fields (`hf`) and subtrees (`ett`), described from the parser's registry and
//! registered through [`crate::epan::fields::Registrar`].

use msstun::classify::{Carrier, PayloadKind};
use msstun::registry::{self, Base, FieldDesc, FieldKind, ATTRIBUTES};
use std::sync::OnceLock;

use crate::epan::fields::{CName, Display, FieldType, FrameLink, Registrar};
use crate::epan::PStr;
pub use crate::epan::{Ett, Hf};

/// Values of `msstun.framing`.
pub const FRAMING_VALUES: &[(u32, &str)] = &[
    (0, "UDP datagram"),
    (1, "STUN/ChannelData over TCP (RFC 8656 §12.5)"),
    (2, "RFC 4571 length-prefixed"),
    (3, "MS-TURN TCP framing"),
    (4, "MS-TURN pseudo-TLS, then MS-TURN TCP framing"),
];

/// Values of `msstun.class`.
pub const CLASS_VALUES: &[(u32, &str)] = &[
    (0, "Request"),
    (1, "Indication"),
    (2, "Success Response"),
    (3, "Error Response"),
];

/// Values of `msstun.dialect`.
pub const DIALECT_VALUES: &[(u32, &str)] = &[
    (1, "RFC 5389/8489"),
    (2, "RFC 3489 (classic)"),
    (3, "MS-TURN (legacy)"),
    (4, "MS-TURN in an RFC 5389 header"),
];

/// Values of `msstun.ms_tcp.type`.
pub const MS_TCP_TYPE_VALUES: &[(u32, &str)] =
    &[(2, "TURN control message"), (3, "End-to-end data")];

/// Sub-fields of one attribute, by field key.
#[derive(Debug, Default)]
pub struct AttrFields {
    /// (field key, kind, hf), in registry order.
    pub fields: Vec<(&'static str, FieldKind, Hf)>,
    /// The `.status` field of a checked attribute (FINGERPRINT, MESSAGE-INTEGRITY).
    pub status: Option<Hf>,
    /// DATA: the value is a relayed packet, handed to other dissectors.
    pub relays: bool,
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
    pub fn any_referenced(&self) -> bool {
        self.fields.iter().any(|&(_, _, hf)| hf.referenced())
    }
}

/// Every registered field and subtree.
#[derive(Debug)]
pub struct Fields {
    /// Attribute names as C strings, by `ATTRIBUTES` index.
    pub attr_names: Vec<CName>,
    /// Method names as C strings.
    pub method_names: Vec<(&'static str, CName)>,
    /// `msstun.type`.
    pub msg_type: Hf,
    /// `msstun.method`.
    pub method: Hf,
    /// `msstun.class`.
    pub class: Hf,
    /// `msstun.length`.
    pub length: Hf,
    /// `msstun.cookie`.
    pub cookie: Hf,
    /// `msstun.transaction_id`.
    pub transaction_id: Hf,
    /// `msstun.dialect`.
    pub dialect: Hf,
    /// `msstun.framing`.
    pub framing: Hf,
    /// `msstun.framing.length` (RFC 4571 / MS-TURN TCP length).
    pub framing_length: Hf,
    /// `msstun.ms_tcp.type`.
    pub ms_tcp_type: Hf,
    /// `msstun.ms_tcp.reserved`.
    pub ms_tcp_reserved: Hf,
    /// `msstun.pseudo_tls` (a pseudo-TLS record).
    pub pseudo_tls: Hf,
    /// `msstun.channel`.
    pub channel: Hf,
    /// `msstun.channel.length`.
    pub channel_length: Hf,
    /// `msstun.channel.data`.
    pub channel_data: Hf,
    /// `msstun.mturn.session_id`.
    pub mturn_session: Hf,
    /// `msstun.data` (end-to-end / opaque data).
    pub data: Hf,
    /// `msstun.att` (one attribute).
    pub att: Hf,
    /// `msstun.att.type`.
    pub att_type: Hf,
    /// `msstun.att.length`.
    pub att_length: Hf,
    /// `msstun.att.padding`.
    pub att_padding: Hf,
    /// `msstun.att.value` (value of an unknown attribute).
    pub att_value: Hf,
    /// `msstun.response_in`.
    pub response_in: Hf,
    /// `msstun.response_to`.
    pub response_to: Hf,
    /// `msstun.time`.
    pub time: Hf,
    /// `msstun.retransmission`.
    pub retransmission: Hf,
    /// `msstun.retransmission_of`.
    pub retransmission_of: Hf,
    /// `msstun.allocation`.
    pub allocation: Hf,
    /// `msstun.allocation.relayed.ipv4`.
    pub relayed_ipv4: Hf,
    /// `msstun.allocation.relayed.ipv6`.
    pub relayed_ipv6: Hf,
    /// `msstun.allocation.relayed.port`.
    pub relayed_port: Hf,
    /// `msstun.tcp_data` (FieldType::None, the RFC 6062 link).
    pub tcp_data: Hf,
    /// `msstun.tcp_data.connection_id`.
    pub td_connection_id: Hf,
    /// `msstun.tcp_data.peer.ipv4`.
    pub td_peer_ipv4: Hf,
    /// `msstun.tcp_data.peer.ipv6`.
    pub td_peer_ipv6: Hf,
    /// `msstun.tcp_data.peer.port`.
    pub td_peer_port: Hf,
    /// `msstun.tcp_data.attempt_in`.
    pub td_attempt_in: Hf,
    /// `msstun.tcp_data.connect_in` (the Connect success response).
    pub td_connect_in: Hf,
    /// `msstun.tcp_data.bind_in`.
    pub td_bind_in: Hf,
    /// `msstun.tcp_data.bound_in`.
    pub td_bound_in: Hf,
    /// `msstun.tcp_data.relayed` (relayed application data).
    pub td_relayed: Hf,
    /// `msstun.payload.kind` (RFC 7983 class of a relayed or multiplexed payload).
    pub payload_kind: Hf,
    /// `msstun.payload.carrier` (what carried it).
    pub payload_carrier: Hf,
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
}

static FIELDS: OnceLock<Fields> = OnceLock::new();

/// The registered fields (panics if called before registration).
pub fn fields() -> &'static Fields {
    FIELDS
        .get()
        .expect("msstun fields used before registration")
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

fn uint(
    b: &mut Registrar,
    name: &str,
    abbrev: &str,
    ty: FieldType,
    hex: bool,
    vals: &[(u32, &str)],
) -> Hf {
    b.field(name, abbrev, ty, Display::Names(hex, vals))
}

fn simple(b: &mut Registrar, name: &str, abbrev: &str, ty: FieldType) -> Hf {
    b.field(name, abbrev, ty, Display::Dec)
}

fn framenum(b: &mut Registrar, name: &str, abbrev: &str, link: FrameLink) -> Hf {
    b.field(name, abbrev, FieldType::Frame(link), Display::Dec)
}

/// Build and register every field and subtree of protocol `proto`. Called once.
pub fn register(proto: std::ffi::c_int) {
    let mut b = Registrar::default();

    // Names of the attribute types for msstun.att.type (standard dialect wins on clashes).
    let mut type_names: Vec<(u32, &str)> = Vec::new();
    for a in ATTRIBUTES {
        if !type_names.iter().any(|(c, _)| *c == a.code as u32) {
            type_names.push((a.code as u32, a.name));
        }
    }
    let method_names: Vec<(u32, &str)> = registry::METHODS
        .iter()
        .map(|m| (m.code as u32, m.name))
        .collect();

    let msg_type = uint(
        &mut b,
        "Message Type",
        "msstun.type",
        FieldType::U16,
        true,
        &[],
    );
    let method = uint(
        &mut b,
        "Message Method",
        "msstun.method",
        FieldType::U16,
        true,
        &method_names,
    );
    let class = uint(
        &mut b,
        "Message Class",
        "msstun.class",
        FieldType::U8,
        true,
        CLASS_VALUES,
    );
    let length = uint(
        &mut b,
        "Message Length",
        "msstun.length",
        FieldType::U16,
        false,
        &[],
    );
    let cookie = uint(
        &mut b,
        "Message Cookie",
        "msstun.cookie",
        FieldType::U32,
        true,
        &[],
    );
    let transaction_id = simple(
        &mut b,
        "Message Transaction ID",
        "msstun.transaction_id",
        FieldType::Bytes,
    );
    let dialect = uint(
        &mut b,
        "Dialect",
        "msstun.dialect",
        FieldType::U8,
        false,
        DIALECT_VALUES,
    );
    let framing = uint(
        &mut b,
        "Framing",
        "msstun.framing",
        FieldType::U8,
        false,
        FRAMING_VALUES,
    );
    let framing_length = uint(
        &mut b,
        "Frame Length",
        "msstun.framing.length",
        FieldType::U16,
        false,
        &[],
    );
    let ms_tcp_type = uint(
        &mut b,
        "MS-TURN Frame Type",
        "msstun.ms_tcp.type",
        FieldType::U8,
        true,
        MS_TCP_TYPE_VALUES,
    );
    let ms_tcp_reserved = uint(
        &mut b,
        "MS-TURN Frame Reserved",
        "msstun.ms_tcp.reserved",
        FieldType::U8,
        true,
        &[],
    );
    let pseudo_tls = simple(
        &mut b,
        "Pseudo-TLS Record",
        "msstun.pseudo_tls",
        FieldType::Bytes,
    );
    let channel = uint(
        &mut b,
        "Channel Number",
        "msstun.channel",
        FieldType::U16,
        true,
        &[],
    );
    let channel_length = uint(
        &mut b,
        "Channel Data Length",
        "msstun.channel.length",
        FieldType::U16,
        false,
        &[],
    );
    let channel_data = simple(
        &mut b,
        "Channel Data",
        "msstun.channel.data",
        FieldType::Bytes,
    );
    let mturn_session = simple(
        &mut b,
        "MTURN Session ID",
        "msstun.mturn.session_id",
        FieldType::Bytes,
    );
    let data = simple(&mut b, "Data", "msstun.data", FieldType::Bytes);
    let att = simple(&mut b, "Attribute", "msstun.att", FieldType::None);
    let att_type = uint(
        &mut b,
        "Attribute Type",
        "msstun.att.type",
        FieldType::U16,
        true,
        &type_names,
    );
    let att_length = uint(
        &mut b,
        "Attribute Length",
        "msstun.att.length",
        FieldType::U16,
        false,
        &[],
    );
    let att_padding = uint(
        &mut b,
        "Padding",
        "msstun.att.pad",
        FieldType::U16,
        false,
        &[],
    );
    let att_value = simple(&mut b, "Value", "msstun.att.value", FieldType::Bytes);
    let response_in = framenum(
        &mut b,
        "Response In",
        "msstun.response_in",
        FrameLink::Response,
    );
    let response_to = framenum(
        &mut b,
        "Request In",
        "msstun.response_to",
        FrameLink::Request,
    );
    let time = simple(&mut b, "Time", "msstun.time", FieldType::RelTime);
    let retransmission = simple(
        &mut b,
        "Retransmission",
        "msstun.retransmission",
        FieldType::None,
    );
    let retransmission_of = framenum(
        &mut b,
        "Retransmission Of",
        "msstun.retransmission_of",
        FrameLink::Duplicate,
    );
    let allocation = framenum(
        &mut b,
        "Allocation",
        "msstun.allocation",
        FrameLink::Response,
    );
    let relayed_ipv4 = simple(
        &mut b,
        "Relayed Address",
        "msstun.allocation.relayed.ipv4",
        FieldType::Ipv4,
    );
    let relayed_ipv6 = simple(
        &mut b,
        "Relayed Address",
        "msstun.allocation.relayed.ipv6",
        FieldType::Ipv6,
    );
    let relayed_port = uint(
        &mut b,
        "Relayed Port",
        "msstun.allocation.relayed.port",
        FieldType::U16,
        false,
        &[],
    );
    let tcp_data = simple(
        &mut b,
        "RFC 6062 Data Connection",
        "msstun.tcp_data",
        FieldType::None,
    );
    let td_connection_id = uint(
        &mut b,
        "Connection ID",
        "msstun.tcp_data.connection_id",
        FieldType::U32,
        true,
        &[],
    );
    let td_peer_ipv4 = simple(
        &mut b,
        "Peer Address",
        "msstun.tcp_data.peer.ipv4",
        FieldType::Ipv4,
    );
    let td_peer_ipv6 = simple(
        &mut b,
        "Peer Address",
        "msstun.tcp_data.peer.ipv6",
        FieldType::Ipv6,
    );
    let td_peer_port = uint(
        &mut b,
        "Peer Port",
        "msstun.tcp_data.peer.port",
        FieldType::U16,
        false,
        &[],
    );
    let td_attempt_in = framenum(
        &mut b,
        "ConnectionAttempt In",
        "msstun.tcp_data.attempt_in",
        FrameLink::None,
    );
    let td_connect_in = framenum(
        &mut b,
        "Connect Response In",
        "msstun.tcp_data.connect_in",
        FrameLink::Response,
    );
    let td_bind_in = framenum(
        &mut b,
        "ConnectionBind In",
        "msstun.tcp_data.bind_in",
        FrameLink::Request,
    );
    let td_bound_in = framenum(
        &mut b,
        "Data Connection Bound In",
        "msstun.tcp_data.bound_in",
        FrameLink::Response,
    );
    let td_relayed = simple(
        &mut b,
        "Relayed Data",
        "msstun.tcp_data.relayed",
        FieldType::Bytes,
    );
    let kinds: Vec<(u32, &str)> = PayloadKind::ALL
        .iter()
        .map(|k| (u32::from(k.code()), k.name()))
        .collect();
    let payload_kind = uint(
        &mut b,
        "Payload Kind (RFC 7983)",
        "msstun.payload.kind",
        FieldType::U8,
        false,
        &kinds,
    );
    let carriers: Vec<(u32, &str)> = Carrier::ALL
        .iter()
        .map(|c| (u32::from(c.code()), c.name()))
        .collect();
    let payload_carrier = uint(
        &mut b,
        "Payload Carrier",
        "msstun.payload.carrier",
        FieldType::U8,
        false,
        &carriers,
    );

    // One hf per unique msstun.att.<key>[.<sub>], from the registry.
    let mut attrs = Vec::with_capacity(ATTRIBUTES.len());
    for a in ATTRIBUTES {
        let mut af = AttrFields::default();
        for d in a.layout.fields() {
            let abbrev = if d.key.is_empty() {
                format!("msstun.att.{}", a.key)
            } else {
                format!("msstun.att.{}.{}", a.key, d.key)
            };
            let (hf, kind) = desc_field(&mut b, &abbrev, d, a.name);
            af.fields.push((d.key, kind, hf));
        }
        af.status = af.get("status").map(|(_, hf)| hf);
        af.relays = a.key == "data";
        attrs.push(af);
    }

    let ett_msstun = b.ett();
    let ett_attrs = b.ett();
    let ett_attr = b.ett();
    let ett_framing = b.ett();
    let ett_tcp_data = b.ett();
    let ett_allocation = b.ett();

    b.register(proto);

    let attr_names = ATTRIBUTES.iter().map(|a| CName::leak(a.name)).collect();
    let mut method_names: Vec<(&'static str, CName)> = Vec::new();
    let all = registry::METHODS
        .iter()
        .chain(registry::MS_TURN_TYPES.iter().map(|(_, m, _)| m))
        .chain(std::iter::once(&registry::UNKNOWN_METHOD));
    for m in all {
        if !method_names.iter().any(|(n, _)| *n == m.name) {
            method_names.push((m.name, CName::leak(m.name)));
        }
    }
    let _ = FIELDS.set(Fields {
        attr_names,
        method_names,
        msg_type,
        method,
        class,
        length,
        cookie,
        transaction_id,
        dialect,
        framing,
        framing_length,
        ms_tcp_type,
        ms_tcp_reserved,
        pseudo_tls,
        channel,
        channel_length,
        channel_data,
        mturn_session,
        data,
        att,
        att_type,
        att_length,
        att_padding,
        att_value,
        response_in,
        response_to,
        time,
        retransmission,
        retransmission_of,
        allocation,
        relayed_ipv4,
        relayed_ipv6,
        relayed_port,
        tcp_data,
        td_connection_id,
        td_peer_ipv4,
        td_peer_ipv6,
        td_peer_port,
        td_attempt_in,
        td_connect_in,
        td_bind_in,
        td_bound_in,
        td_relayed,
        payload_kind,
        payload_carrier,
        attrs,
        ett_msstun,
        ett_attrs,
        ett_attr,
        ett_framing,
        ett_tcp_data,
        ett_allocation,
    });
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
