//! Header fields (`hf`) and subtrees (`ett`): ids Wireshark writes at registration, and the
//! registrar that builds `hf_register_info` from a plain description.
//!
//! Wireshark keeps pointers to everything registered, so all of it lives in statics or in
//! allocations leaked once, at registration.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU8, Ordering};

use super::ffi;

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

/// The [`FieldType`] of each field as a [`Kind`] code (0: not registered), for the tree
/// calls' type checks.
static HF_KIND: [AtomicU8; MAX_HF] = [const { AtomicU8::new(0) }; MAX_HF];

/// A field's type, as the tree calls check it (epan throws a dissector bug for a field of
/// the wrong type: the safe layer adds nothing instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Kind {
    /// Not registered (yet).
    Unregistered = 0,
    /// `FT_NONE`.
    None,
    /// `FT_UINT8`.
    U8,
    /// `FT_UINT16`.
    U16,
    /// `FT_UINT32`.
    U32,
    /// `FT_UINT64`.
    U64,
    /// `FT_BOOLEAN`.
    Bool,
    /// `FT_IPv4`.
    Ipv4,
    /// `FT_IPv6`.
    Ipv6,
    /// `FT_STRING`.
    Str,
    /// `FT_BYTES`.
    Bytes,
    /// `FT_RELATIVE_TIME`.
    RelTime,
    /// `FT_FRAMENUM`.
    Frame,
}

impl Kind {
    const ALL: [Kind; 13] = [
        Kind::Unregistered,
        Kind::None,
        Kind::U8,
        Kind::U16,
        Kind::U32,
        Kind::U64,
        Kind::Bool,
        Kind::Ipv4,
        Kind::Ipv6,
        Kind::Str,
        Kind::Bytes,
        Kind::RelTime,
        Kind::Frame,
    ];

    fn of(t: FieldType) -> Kind {
        match t {
            FieldType::None => Kind::None,
            FieldType::U8 => Kind::U8,
            FieldType::U16 => Kind::U16,
            FieldType::U32 => Kind::U32,
            FieldType::U64 => Kind::U64,
            FieldType::Bool => Kind::Bool,
            FieldType::Ipv4 => Kind::Ipv4,
            FieldType::Ipv6 => Kind::Ipv6,
            FieldType::Str => Kind::Str,
            FieldType::Bytes => Kind::Bytes,
            FieldType::RelTime => Kind::RelTime,
            FieldType::Frame(_) => Kind::Frame,
        }
    }
}

/// A registered header field: an index into the id table Wireshark writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hf(u16);

impl Hf {
    /// The Wireshark field id (-1 before registration).
    #[inline]
    pub fn id(self) -> c_int {
        HF_IDS[self.0 as usize].load(Ordering::Relaxed)
    }

    /// The field's type ([`Kind::Unregistered`] before registration).
    #[inline]
    pub(super) fn kind(self) -> Kind {
        let k = HF_KIND[self.0 as usize].load(Ordering::Relaxed);
        Kind::ALL
            .get(k as usize)
            .copied()
            .unwrap_or(Kind::Unregistered)
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

/// The `ref_type` of one registered field (see [`Hf::referenced`]).
#[derive(Debug, Clone, Copy)]
struct RefType(*const c_int);

// SAFETY: the pointer is to a `header_field_info` Wireshark keeps for the whole process;
// only read, on the dissection thread, like `Hf::referenced` reads it.
unsafe impl Send for RefType {}
// SAFETY: as above.
unsafe impl Sync for RefType {}

/// Fields asked together whether any is referenced ([`RefGroup::any`]): the addresses of
/// their `ref_type`s, gathered once (after registration), then read in one pass, four at a
/// time without branches, instead of the per-field table lookups of [`Hf::referenced`] (a
/// dozen such questions a message: the header's fields, the attributes' common ones, each
/// attribute's own).
#[derive(Debug, Default)]
pub struct RefGroup(std::sync::OnceLock<Box<[[RefType; 4]]>>);

/// What the last chunk of a group is filled with: a field never referenced.
static NEVER_REFERENCED: c_int = ffi::hf_ref_type::HF_REF_TYPE_NONE as c_int;

impl RefGroup {
    /// An empty group, filled on first use.
    pub const fn new() -> RefGroup {
        RefGroup(std::sync::OnceLock::new())
    }

    /// Whether any of the fields `hfs` names is referenced (as [`Hf::referenced`]). `hfs`
    /// is asked once, on the first call after registration; the group always stands for
    /// the same fields.
    #[inline]
    pub fn any(&self, hfs: impl FnOnce() -> Vec<Hf>) -> bool {
        match self.0.get() {
            Some(chunks) => any_referenced(chunks),
            None => self.gather(hfs()),
        }
    }

    /// Gather the addresses (once every field is registered), and answer.
    #[cold]
    fn gather(&self, hfs: Vec<Hf>) -> bool {
        let never = RefType(&NEVER_REFERENCED);
        let mut chunks = vec![[never; 4]; hfs.len().div_ceil(4)];
        for (i, hf) in hfs.iter().enumerate() {
            let p = HF_INFO[hf.0 as usize].load(Ordering::Relaxed);
            if p.is_null() {
                // Not registered yet: as `Hf::referenced`, assume referenced.
                return true;
            }
            // SAFETY: p is the field's header_field_info (lives as long as the process).
            chunks[i / 4][i % 4] = RefType(unsafe { std::ptr::addr_of!((*p).ref_type) }.cast());
        }
        any_referenced(self.0.get_or_init(|| chunks.into_boxed_slice()))
    }
}

/// Whether any `ref_type` of `chunks` is DIRECT or more (see [`Hf::referenced`]).
#[inline]
fn any_referenced(chunks: &[[RefType; 4]]) -> bool {
    const DIRECT: c_int = ffi::hf_ref_type::HF_REF_TYPE_DIRECT as c_int;
    chunks.iter().any(|c| {
        // SAFETY: each pointer is a live ref_type (see RefType) or NEVER_REFERENCED.
        let r = |i: usize| unsafe { c[i].0.read() } >= DIRECT;
        r(0) | r(1) | r(2) | r(3)
    })
}

/// A registered subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ett(u16);

impl Ett {
    /// The Wireshark subtree id.
    #[inline]
    pub fn id(self) -> c_int {
        ETT_IDS[self.0 as usize].load(Ordering::Relaxed)
    }
}

/// The type of a field, as Wireshark knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// No value (a label, a subtree).
    None,
    /// Unsigned integers.
    U8,
    /// 16 bits.
    U16,
    /// 32 bits.
    U32,
    /// 64 bits.
    U64,
    /// Boolean.
    Bool,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// Text.
    Str,
    /// Bytes.
    Bytes,
    /// A time span.
    RelTime,
    /// A frame number, related to this one as a request, a response, a duplicate or none.
    Frame(FrameLink),
}

/// How a frame-number field relates to its frame (the GUI's link icon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameLink {
    /// Plain.
    None,
    /// The request.
    Request,
    /// The response.
    Response,
    /// A duplicate (retransmission).
    Duplicate,
}

/// How a numeric field is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display<'a> {
    /// Decimal.
    Dec,
    /// Hexadecimal.
    Hex,
    /// Decimal or hex, with value names.
    Names(bool, &'a [(u32, &'a str)]),
    /// Decimal or hex, with a unit after the number.
    Unit(bool, &'a str),
}

/// Builds the field and subtree arrays, then registers them once.
#[derive(Default)]
pub struct Registrar {
    hf: Vec<ffi::hf_register_info>,
    by_name: HashMap<String, (Hf, FieldType)>,
    ett: u16,
}

/// A C string that lives forever.
fn leak_c(s: &str) -> *const c_char {
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

impl Registrar {
    /// Field `abbrev` (`msstun.att.type`) labelled `name`. A second registration of the
    /// same abbreviation returns the first field (and warns when the types differ).
    pub fn field(&mut self, name: &str, abbrev: &str, ty: FieldType, display: Display<'_>) -> Hf {
        use ffi::ft_framenum_type::*;
        use ffi::ftenum::*;
        if let Some((hf, t)) = self.by_name.get(abbrev) {
            if *t != ty {
                eprintln!("msstun: field {abbrev} registered twice with different types; keeping the first");
            }
            return *hf;
        }
        let idx = self.hf.len();
        assert!(idx < MAX_HF, "msstun: too many fields");
        let (raw_ty, frame) = match ty {
            FieldType::None => (FT_NONE, None),
            FieldType::U8 => (FT_UINT8, None),
            FieldType::U16 => (FT_UINT16, None),
            FieldType::U32 => (FT_UINT32, None),
            FieldType::U64 => (FT_UINT64, None),
            FieldType::Bool => (FT_BOOLEAN, None),
            FieldType::Ipv4 => (FT_IPv4, None),
            FieldType::Ipv6 => (FT_IPv6, None),
            FieldType::Str => (FT_STRING, None),
            FieldType::Bytes => (FT_BYTES, None),
            FieldType::RelTime => (FT_RELATIVE_TIME, None),
            FieldType::Frame(l) => (
                FT_FRAMENUM,
                Some(match l {
                    FrameLink::None => FT_FRAMENUM_NONE,
                    FrameLink::Request => FT_FRAMENUM_REQUEST,
                    FrameLink::Response => FT_FRAMENUM_RESPONSE,
                    FrameLink::Duplicate => FT_FRAMENUM_DUP_ACK,
                }),
            ),
        };
        let numeric = matches!(
            ty,
            FieldType::U8 | FieldType::U16 | FieldType::U32 | FieldType::U64
        );
        let base = |hex: bool| if hex { ffi::BASE_HEX } else { ffi::BASE_DEC } as c_int;
        let (disp, strings) = match (numeric, display) {
            (false, _) => (ffi::BASE_NONE as c_int, std::ptr::null()),
            (true, Display::Dec) => (base(false), std::ptr::null()),
            (true, Display::Hex) => (base(true), std::ptr::null()),
            (true, Display::Names(hex, v)) if !v.is_empty() => (base(hex), leak_vals(v)),
            (true, Display::Names(hex, _)) => (base(hex), std::ptr::null()),
            (true, Display::Unit(hex, u)) => {
                (base(hex) | ffi::BASE_UNIT_STRING as c_int, leak_unit(u))
            }
        };
        let strings = match frame {
            Some(k) => k as usize as *const c_void,
            None => strings,
        };
        // Start from zeroes (HFILL's NULLs and HF_REF_TYPE_NONE) so that fields added to
        // header_field_info by other Wireshark versions need no change here.
        // SAFETY: header_field_info is plain C data; all-zero is a valid bit pattern for it.
        let mut info: ffi::header_field_info = unsafe { std::mem::zeroed() };
        info.name = leak_c(name);
        info.abbrev = leak_c(abbrev);
        info.type_ = raw_ty;
        info.display = disp as _;
        info.strings = strings;
        info.blurb = std::ptr::null();
        info.id = -1;
        info.same_name_prev_id = -1;
        self.hf.push(ffi::hf_register_info {
            p_id: HF_IDS[idx].as_ptr(),
            hfinfo: info,
        });
        let hf = Hf(idx as u16);
        HF_KIND[idx].store(Kind::of(ty) as u8, Ordering::Relaxed);
        self.by_name.insert(abbrev.to_string(), (hf, ty));
        hf
    }

    /// The type a field was registered with.
    pub fn type_of(&self, abbrev: &str) -> Option<FieldType> {
        self.by_name.get(abbrev).map(|(_, t)| *t)
    }

    /// A new subtree.
    pub fn ett(&mut self) -> Ett {
        let e = Ett(self.ett);
        self.ett += 1;
        assert!((self.ett as usize) <= MAX_ETT, "msstun: too many subtrees");
        e
    }

    /// Register every field and subtree with protocol `proto` (once, at registration).
    pub fn register(self, proto: c_int) {
        let n_hf = self.hf.len();
        let hf: &'static mut [ffi::hf_register_info] = Box::leak(self.hf.into_boxed_slice());
        let ett: Vec<*mut c_int> = (0..self.ett as usize)
            .map(|i| ETT_IDS[i].as_ptr())
            .collect();
        let ett: &'static mut [*mut c_int] = Box::leak(ett.into_boxed_slice());
        // SAFETY: the arrays are leaked and live forever, as Wireshark requires; called
        // during protocol registration, on Wireshark's main thread.
        unsafe {
            ffi::proto_register_field_array(proto, hf.as_mut_ptr(), n_hf as c_int);
            ffi::proto_register_subtree_array(ett.as_ptr(), ett.len() as c_int);
            for (i, info) in HF_INFO.iter().enumerate().take(n_hf) {
                let id = HF_IDS[i].load(Ordering::Relaxed);
                if id >= 0 {
                    info.store(ffi::proto_registrar_get_nth(id as _), Ordering::Relaxed);
                }
            }
        }
    }
}

/// A C string that lives forever and is never written (method and attribute names for
/// tree labels, made once at registration).
#[derive(Debug, Clone, Copy)]
pub struct CName(*const c_char);
// SAFETY: the pointee is a leaked, immutable, NUL-terminated string.
unsafe impl Sync for CName {}
// SAFETY: as above.
unsafe impl Send for CName {}

impl CName {
    /// Leak `s` as a C string.
    pub fn leak(s: &str) -> CName {
        CName(leak_c(s))
    }

    /// As a string argument of a tree call.
    pub fn pstr(self) -> super::PStr<'static> {
        super::packet::pstr_from_static_ptr(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each of a chunk's four places is read, in every chunk; the filler never counts.
    #[test]
    fn ref_groups_read_every_field() {
        const NONE: c_int = ffi::hf_ref_type::HF_REF_TYPE_NONE as c_int;
        const DIRECT: c_int = ffi::hf_ref_type::HF_REF_TYPE_DIRECT as c_int;
        let (none, direct) = (NONE, DIRECT);
        let never = RefType(&NEVER_REFERENCED);
        for at in 0..8 {
            let mut chunks = [[RefType(&none); 4]; 2];
            assert!(!any_referenced(&chunks));
            chunks[at / 4][at % 4] = RefType(&direct);
            assert!(any_referenced(&chunks), "place {at}");
        }
        assert!(!any_referenced(&[[never; 4]]));
        assert!(!any_referenced(&[]));
    }

    /// Before registration a field counts as referenced (as `Hf::referenced` says), and
    /// the group is not filled yet; a group of no fields is never referenced.
    #[test]
    fn ref_groups_before_registration() {
        let g = RefGroup::new();
        assert!(g.any(|| vec![Hf(MAX_HF as u16 - 1)]));
        assert!(g.0.get().is_none());
        assert!(!RefGroup::new().any(Vec::new));
    }
}
