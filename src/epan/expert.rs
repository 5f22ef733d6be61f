//! Expert items: registered from [`crate::expert::TABLE`] (the one list of them), added
//! with `expert_add_info_format`.

use std::ffi::{c_char, c_int, CString};
use std::sync::OnceLock;

use super::ffi;
use crate::expert::{Expert, Group, Severity, TABLE};

/// The `expert_field`s Wireshark writes at registration, one per [`TABLE`] row.
struct Fields(&'static mut [ffi::expert_field]);
// SAFETY: written by Wireshark during registration only, read afterwards.
unsafe impl Sync for Fields {}
// SAFETY: as above.
unsafe impl Send for Fields {}

static FIELDS: OnceLock<Fields> = OnceLock::new();

fn group(g: Group) -> c_int {
    (match g {
        Group::Checksum => ffi::PI_CHECKSUM,
        Group::Sequence => ffi::PI_SEQUENCE,
        Group::ResponseCode => ffi::PI_RESPONSE_CODE,
        Group::Undecoded => ffi::PI_UNDECODED,
        Group::Malformed => ffi::PI_MALFORMED,
        Group::Protocol => ffi::PI_PROTOCOL,
    }) as c_int
}

fn severity(s: Severity) -> c_int {
    (match s {
        Severity::Chat => ffi::PI_CHAT,
        Severity::Note => ffi::PI_NOTE,
        Severity::Warn => ffi::PI_WARN,
        Severity::Error => ffi::PI_ERROR,
    }) as c_int
}

fn leak(s: &str) -> *const c_char {
    CString::new(s).expect("no NUL").into_raw()
}

/// Register every expert item of [`TABLE`], then one per session-analysis event, for
/// protocol `proto` (once).
pub fn register(proto: c_int) {
    let rows: Vec<(String, Group, Severity, &'static str)> = TABLE
        .iter()
        .map(|e| (e.abbrev.to_string(), e.group, e.severity, e.summary))
        .chain(
            msstun_analysis::Event::ALL
                .iter()
                .map(|&e| crate::expert::event_desc(e)),
        )
        .chain([crate::expert::boundary_desc()])
        .collect();
    // SAFETY: expert_field is two ints; all-zero is what a C static holds before
    // registration (and what Wireshark accepts there).
    let ids: &'static mut [ffi::expert_field] = Box::leak(
        (0..rows.len())
            .map(|_| unsafe { std::mem::zeroed() })
            .collect(),
    );
    let infos: Vec<ffi::ei_register_info> = rows
        .iter()
        .zip(ids.iter_mut())
        .map(|(e, id)| {
            // SAFETY: plain C data, zeroed as EXPFILL leaves it; then the four fields a
            // dissector sets, and HFILL's -1 ids.
            let mut info: ffi::expert_field_info = unsafe { std::mem::zeroed() };
            info.name = leak(&e.0);
            info.group = group(e.1);
            info.severity = severity(e.2);
            info.summary = leak(e.3);
            info.hf_info.hfinfo.id = -1;
            info.hf_info.hfinfo.same_name_prev_id = -1;
            ffi::ei_register_info {
                ids: id as *mut ffi::expert_field,
                eiinfo: info,
            }
        })
        .collect();
    let infos: &'static mut [ffi::ei_register_info] = Box::leak(infos.into_boxed_slice());
    // SAFETY: the arrays live forever, as Wireshark requires; registration runs once on
    // Wireshark's main thread.
    unsafe {
        let m = ffi::expert_register_protocol(proto);
        ffi::expert_register_field_array(m, infos.as_mut_ptr(), infos.len() as c_int);
    }
    let _ = FIELDS.set(Fields(ids));
}

/// Add expert item `which` with `text` to `item`.
pub(super) fn add(
    pinfo: *mut ffi::packet_info,
    item: *mut ffi::proto_item,
    which: Expert,
    text: *const c_char,
) {
    add_nth(pinfo, item, which as usize, text);
}

/// Add the expert item of analysis event `e` (its summary as text) to `item`.
pub(super) fn add_event(
    pinfo: *mut ffi::packet_info,
    item: *mut ffi::proto_item,
    e: msstun_analysis::Event,
    text: *const c_char,
) {
    add_nth(pinfo, item, TABLE.len() + e as usize, text);
}

/// Add the capture-boundary note (registered after the events) with `text` to `item`.
pub(super) fn add_boundary(
    pinfo: *mut ffi::packet_info,
    item: *mut ffi::proto_item,
    text: *const c_char,
) {
    add_nth(
        pinfo,
        item,
        TABLE.len() + msstun_analysis::Event::ALL.len(),
        text,
    );
}

fn add_nth(
    pinfo: *mut ffi::packet_info,
    item: *mut ffi::proto_item,
    n: usize,
    text: *const c_char,
) {
    let Some(f) = FIELDS.get() else { return };
    let Some(field) = f.0.get(n) else {
        return;
    };
    // The expert item adds up to 5 items under `item`, 2 levels deep (Expert Info, then
    // message, severity, group): where they would not fit (epan would throw for
    // gui.max_tree_items/gui.max_tree_depth), the expert info is recorded without an item.
    // SAFETY: the shim reads the tree's counters and Wireshark's preferences only.
    let item = if item.is_null() || unsafe { ffi::msstun_tree_room(item, 5, 2) } != 0 {
        item
    } else {
        std::ptr::null_mut()
    };
    // SAFETY: pinfo and item belong to the packet being dissected (item may be NULL);
    // "%s" with one NUL-terminated string; the expert_field is registered.
    unsafe {
        ffi::expert_add_info_format(
            pinfo,
            item,
            field as *const ffi::expert_field as *mut ffi::expert_field,
            c"%s".as_ptr(),
            text,
        )
    };
}
