//! Header fields (`hf`) and subtrees (`ett`), generated from the parser's registry.
//!
//! Wireshark keeps pointers to everything registered here, so all of it lives in
//! statics or leaked allocations made once, at registration.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};
use std::sync::OnceLock;

use msstun::classify::{Carrier, PayloadKind};
use msstun::registry::{self, Base, FieldDesc, FieldKind, ATTRIBUTES};

use crate::ffi;

/// Maximum number of header fields the plugin registers.
const MAX_HF: usize = 512;
/// Maximum number of subtrees.
const MAX_ETT: usize = 32;

static HF_IDS: [AtomicI32; MAX_HF] = [const { AtomicI32::new(-1) }; MAX_HF];
static ETT_IDS: [AtomicI32; MAX_ETT] = [const { AtomicI32::new(-1) }; MAX_ETT];
/// Wireshark's `header_field_info` of each registered field (its `ref_type` says whether a
/// filter, column, tap or `-e` option references the field in this dissection).
static HF_INFO: [AtomicPtr<ffi::header_field_info>; MAX_HF] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; MAX_HF];

/// A registered header field: an index into the id table Wireshark writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hf(u16);

impl Hf {
    /// The Wireshark field id (-1 before registration).
    pub fn id(self) -> c_int {
        HF_IDS[self.0 as usize].load(Ordering::Relaxed)
    }

    /// Whether an item of this field survives in a tree that is not shown to anyone:
    /// something (display filter, column, tap, `-e`) references it directly. This is the
    /// test `proto_tree_add_*` make before faking an item (`ref_type` DIRECT, or PRINT
    /// since 4.2); making it here spares the call and the work to compute the value.
    /// Unknown (before registration): true.
    #[inline]
    pub fn referenced(self) -> bool {
        let p = HF_INFO[self.0 as usize].load(Ordering::Relaxed);
        if p.is_null() {
            return true;
        }
        // SAFETY: p is Wireshark's header_field_info for this field, which lives as long
        // as the process; ref_type is a C enum (an int) Wireshark writes between dissections.
        let r = unsafe { std::ptr::addr_of!((*p).ref_type).cast::<c_int>().read() };
        r >= ffi::hf_ref_type::HF_REF_TYPE_DIRECT as c_int
    }
}

/// A registered subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ett(u16);

impl Ett {
    /// The Wireshark subtree id.
    pub fn id(self) -> c_int {
        ETT_IDS[self.0 as usize].load(Ordering::Relaxed)
    }
}

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

/// A C string that lives forever and is never written (so it may be shared).
#[derive(Debug, Clone, Copy)]
pub struct CName(pub *const c_char);
// SAFETY: the pointee is a leaked, immutable, NUL-terminated string.
unsafe impl Sync for CName {}
// SAFETY: as above.
unsafe impl Send for CName {}

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
    /// `msstun.tcp_data` (FT_NONE, the RFC 6062 link).
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

/// A C string that lives forever.
pub fn leak_c(s: &str) -> *const c_char {
    CString::new(s.replace('\0', " "))
        .expect("no NUL")
        .into_raw()
}

fn leak_vals(values: &[(u32, &str)]) -> *const c_void {
    let mut v: Vec<ffi::value_string> = values
        .iter()
        .map(|(n, s)| ffi::value_string {
            value: *n,
            strptr: leak_c(s),
        })
        .collect();
    v.push(ffi::value_string {
        value: 0,
        strptr: std::ptr::null(),
    });
    Box::leak(v.into_boxed_slice()).as_ptr() as *const c_void
}

fn leak_unit(unit: &str) -> *const c_void {
    let u = Box::new(ffi::unit_name_string {
        // `as _`: the pointer's constness differs between Wireshark versions.
        singular: leak_c(&format!(" {unit}")) as _,
        plural: std::ptr::null::<c_char>() as _,
    });
    Box::leak(u) as *const ffi::unit_name_string as *const c_void
}

const BASE_NONE: c_int = 0;
const BASE_DEC: c_int = 1;
const BASE_HEX: c_int = 2;
const BASE_UNIT_STRING: c_int = 0x1000;

/// Collects field registrations.
struct Builder {
    hf: Vec<ffi::hf_register_info>,
    by_name: HashMap<String, (Hf, ffi::ftenum)>,
    kinds: HashMap<String, FieldKind>,
    ett: u16,
}

impl Builder {
    fn add(
        &mut self,
        name: &str,
        abbrev: &str,
        ty: ffi::ftenum,
        display: c_int,
        strings: *const c_void,
        blurb: &str,
    ) -> Hf {
        if let Some((hf, t)) = self.by_name.get(abbrev) {
            if *t != ty {
                eprintln!("msstun: field {abbrev} registered twice with different types; keeping the first");
            }
            return *hf;
        }
        let idx = self.hf.len();
        assert!(idx < MAX_HF, "msstun: too many fields");
        // Start from zeroes (HFILL's NULLs and HF_REF_TYPE_NONE) so that fields added to
        // header_field_info by other Wireshark versions need no change here.
        // SAFETY: header_field_info is plain C data; all-zero is a valid bit pattern for it.
        let mut info: ffi::header_field_info = unsafe { std::mem::zeroed() };
        info.name = leak_c(name);
        info.abbrev = leak_c(abbrev);
        info.type_ = ty;
        info.display = display as _;
        info.strings = strings;
        info.blurb = if blurb.is_empty() {
            std::ptr::null()
        } else {
            leak_c(blurb)
        };
        info.id = -1;
        info.same_name_prev_id = -1;
        self.hf.push(ffi::hf_register_info {
            p_id: HF_IDS[idx].as_ptr(),
            hfinfo: info,
        });
        let hf = Hf(idx as u16);
        self.by_name.insert(abbrev.to_string(), (hf, ty));
        hf
    }

    fn uint(
        &mut self,
        name: &str,
        abbrev: &str,
        ty: ffi::ftenum,
        hex: bool,
        vals: &[(u32, &str)],
    ) -> Hf {
        let strings = if vals.is_empty() {
            std::ptr::null()
        } else {
            leak_vals(vals)
        };
        self.add(
            name,
            abbrev,
            ty,
            if hex { BASE_HEX } else { BASE_DEC },
            strings,
            "",
        )
    }

    fn simple(&mut self, name: &str, abbrev: &str, ty: ffi::ftenum) -> Hf {
        self.add(name, abbrev, ty, BASE_NONE, std::ptr::null(), "")
    }

    fn framenum(&mut self, name: &str, abbrev: &str, kind: ffi::ft_framenum_type) -> Hf {
        self.add(
            name,
            abbrev,
            ffi::ftenum::FT_FRAMENUM,
            BASE_NONE,
            kind as usize as *const c_void,
            "",
        )
    }

    /// A field generated from a registry description.
    fn desc(&mut self, abbrev: &str, d: &FieldDesc, attr_name: &str) -> (Hf, FieldKind) {
        use ffi::ftenum::*;
        if let Some(k) = self.kinds.get(abbrev) {
            return (self.by_name[abbrev].0, *k);
        }
        self.kinds.insert(abbrev.to_string(), d.kind);
        let ty = match d.kind {
            FieldKind::U8 => FT_UINT8,
            FieldKind::U16 => FT_UINT16,
            FieldKind::U32 => FT_UINT32,
            FieldKind::U64 => FT_UINT64,
            FieldKind::Bool => FT_BOOLEAN,
            FieldKind::Ipv4 => FT_IPv4,
            FieldKind::Ipv6 => FT_IPv6,
            FieldKind::Str => FT_STRING,
            FieldKind::Bytes => FT_BYTES,
        };
        let numeric = matches!(
            d.kind,
            FieldKind::U8 | FieldKind::U16 | FieldKind::U32 | FieldKind::U64
        );
        let (display, strings) = if numeric {
            let base = if d.base == Base::Hex {
                BASE_HEX
            } else {
                BASE_DEC
            };
            if !d.values.is_empty() && d.kind != FieldKind::U64 {
                (base, leak_vals(d.values))
            } else if !d.unit.is_empty() {
                (base | BASE_UNIT_STRING, leak_unit(d.unit))
            } else {
                (base, std::ptr::null())
            }
        } else {
            (BASE_NONE, std::ptr::null())
        };
        let label = if d.key.is_empty() {
            attr_name.to_string()
        } else {
            d.label.to_string()
        };
        (self.add(&label, abbrev, ty, display, strings, ""), d.kind)
    }

    fn ett(&mut self) -> Ett {
        let e = Ett(self.ett);
        self.ett += 1;
        assert!((self.ett as usize) <= MAX_ETT);
        e
    }
}

/// Build and register every field and subtree of protocol `proto`. Called once.
pub fn register(proto: c_int) {
    use ffi::ft_framenum_type::*;
    use ffi::ftenum::*;
    let mut b = Builder {
        hf: Vec::new(),
        by_name: HashMap::new(),
        kinds: HashMap::new(),
        ett: 0,
    };

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

    let msg_type = b.uint("Message Type", "msstun.type", FT_UINT16, true, &[]);
    let method = b.uint(
        "Message Method",
        "msstun.method",
        FT_UINT16,
        true,
        &method_names,
    );
    let class = b.uint(
        "Message Class",
        "msstun.class",
        FT_UINT8,
        true,
        CLASS_VALUES,
    );
    let length = b.uint("Message Length", "msstun.length", FT_UINT16, false, &[]);
    let cookie = b.uint("Message Cookie", "msstun.cookie", FT_UINT32, true, &[]);
    let transaction_id = b.simple("Message Transaction ID", "msstun.transaction_id", FT_BYTES);
    let dialect = b.uint("Dialect", "msstun.dialect", FT_UINT8, false, DIALECT_VALUES);
    let framing = b.uint("Framing", "msstun.framing", FT_UINT8, false, FRAMING_VALUES);
    let framing_length = b.uint(
        "Frame Length",
        "msstun.framing.length",
        FT_UINT16,
        false,
        &[],
    );
    let ms_tcp_type = b.uint(
        "MS-TURN Frame Type",
        "msstun.ms_tcp.type",
        FT_UINT8,
        true,
        MS_TCP_TYPE_VALUES,
    );
    let ms_tcp_reserved = b.uint(
        "MS-TURN Frame Reserved",
        "msstun.ms_tcp.reserved",
        FT_UINT8,
        true,
        &[],
    );
    let pseudo_tls = b.simple("Pseudo-TLS Record", "msstun.pseudo_tls", FT_BYTES);
    let channel = b.uint("Channel Number", "msstun.channel", FT_UINT16, true, &[]);
    let channel_length = b.uint(
        "Channel Data Length",
        "msstun.channel.length",
        FT_UINT16,
        false,
        &[],
    );
    let channel_data = b.simple("Channel Data", "msstun.channel.data", FT_BYTES);
    let mturn_session = b.simple("MTURN Session ID", "msstun.mturn.session_id", FT_BYTES);
    let data = b.simple("Data", "msstun.data", FT_BYTES);
    let att = b.simple("Attribute", "msstun.att", FT_NONE);
    let att_type = b.uint(
        "Attribute Type",
        "msstun.att.type",
        FT_UINT16,
        true,
        &type_names,
    );
    let att_length = b.uint(
        "Attribute Length",
        "msstun.att.length",
        FT_UINT16,
        false,
        &[],
    );
    let att_padding = b.uint("Padding", "msstun.att.pad", FT_UINT16, false, &[]);
    let att_value = b.simple("Value", "msstun.att.value", FT_BYTES);
    let response_in = b.framenum("Response In", "msstun.response_in", FT_FRAMENUM_RESPONSE);
    let response_to = b.framenum("Request In", "msstun.response_to", FT_FRAMENUM_REQUEST);
    let time = b.simple("Time", "msstun.time", FT_RELATIVE_TIME);
    let retransmission = b.simple("Retransmission", "msstun.retransmission", FT_NONE);
    let retransmission_of = b.framenum(
        "Retransmission Of",
        "msstun.retransmission_of",
        FT_FRAMENUM_DUP_ACK,
    );
    let allocation = b.framenum("Allocation", "msstun.allocation", FT_FRAMENUM_RESPONSE);
    let relayed_ipv4 = b.simple("Relayed Address", "msstun.allocation.relayed.ipv4", FT_IPv4);
    let relayed_ipv6 = b.simple("Relayed Address", "msstun.allocation.relayed.ipv6", FT_IPv6);
    let relayed_port = b.uint(
        "Relayed Port",
        "msstun.allocation.relayed.port",
        FT_UINT16,
        false,
        &[],
    );
    let tcp_data = b.simple("RFC 6062 Data Connection", "msstun.tcp_data", FT_NONE);
    let td_connection_id = b.uint(
        "Connection ID",
        "msstun.tcp_data.connection_id",
        FT_UINT32,
        true,
        &[],
    );
    let td_peer_ipv4 = b.simple("Peer Address", "msstun.tcp_data.peer.ipv4", FT_IPv4);
    let td_peer_ipv6 = b.simple("Peer Address", "msstun.tcp_data.peer.ipv6", FT_IPv6);
    let td_peer_port = b.uint(
        "Peer Port",
        "msstun.tcp_data.peer.port",
        FT_UINT16,
        false,
        &[],
    );
    let td_attempt_in = b.framenum(
        "ConnectionAttempt In",
        "msstun.tcp_data.attempt_in",
        FT_FRAMENUM_NONE,
    );
    let td_connect_in = b.framenum(
        "Connect Response In",
        "msstun.tcp_data.connect_in",
        FT_FRAMENUM_RESPONSE,
    );
    let td_bind_in = b.framenum(
        "ConnectionBind In",
        "msstun.tcp_data.bind_in",
        FT_FRAMENUM_REQUEST,
    );
    let td_bound_in = b.framenum(
        "Data Connection Bound In",
        "msstun.tcp_data.bound_in",
        FT_FRAMENUM_RESPONSE,
    );
    let td_relayed = b.simple("Relayed Data", "msstun.tcp_data.relayed", FT_BYTES);
    let kinds: Vec<(u32, &str)> = PayloadKind::ALL
        .iter()
        .map(|k| (u32::from(k.code()), k.name()))
        .collect();
    let payload_kind = b.uint(
        "Payload Kind (RFC 7983)",
        "msstun.payload.kind",
        FT_UINT8,
        false,
        &kinds,
    );
    let carriers: Vec<(u32, &str)> = Carrier::ALL
        .iter()
        .map(|c| (u32::from(c.code()), c.name()))
        .collect();
    let payload_carrier = b.uint(
        "Payload Carrier",
        "msstun.payload.carrier",
        FT_UINT8,
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
            let (hf, kind) = b.desc(&abbrev, d, a.name);
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

    let n_hf = b.hf.len();
    let hf: &'static mut [ffi::hf_register_info] = Box::leak(b.hf.into_boxed_slice());
    let ett_ptrs: Vec<*mut c_int> = (0..b.ett as usize).map(|i| ETT_IDS[i].as_ptr()).collect();
    let ett_ptrs: &'static mut [*mut c_int] = Box::leak(ett_ptrs.into_boxed_slice());
    // SAFETY: the arrays are leaked and live forever, as Wireshark requires.
    unsafe {
        ffi::proto_register_field_array(proto, hf.as_mut_ptr(), n_hf as c_int);
        ffi::proto_register_subtree_array(ett_ptrs.as_ptr(), ett_ptrs.len() as c_int);
        for (i, info) in HF_INFO.iter().enumerate().take(n_hf) {
            let id = HF_IDS[i].load(Ordering::Relaxed);
            if id >= 0 {
                info.store(ffi::proto_registrar_get_nth(id as _), Ordering::Relaxed);
            }
        }
    }

    let attr_names = ATTRIBUTES.iter().map(|a| CName(leak_c(a.name))).collect();
    let mut method_names: Vec<(&'static str, CName)> = Vec::new();
    let all = registry::METHODS
        .iter()
        .chain(registry::MS_TURN_TYPES.iter().map(|(_, m, _)| m))
        .chain(std::iter::once(&registry::UNKNOWN_METHOD));
    for m in all {
        if !method_names.iter().any(|(n, _)| *n == m.name) {
            method_names.push((m.name, CName(leak_c(m.name))));
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
    pub fn method_cname(&self, name: &str) -> Option<*const c_char> {
        self.method_names
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c.0)
    }
    /// The C string of an attribute's name.
    pub fn attr_cname(&self, desc: Option<&'static registry::AttrDesc>) -> *const c_char {
        desc.and_then(attr_index)
            .and_then(|i| self.attr_names.get(i))
            .map_or(c"Unknown".as_ptr(), |c| c.0)
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
