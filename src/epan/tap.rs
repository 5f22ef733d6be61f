//! The `msstun` tap: one record per decoded STUN message, queued for Wireshark's statistics
//! (`wireshark-include/stats.c`: stats trees under Statistics → MS-STUN, the SRT table, the
//! tshark names `-z msstun,stat|srt|alloc|ice[,filter]`).
//!
//! With no listener attached, a message costs one call (`have_tap_listener`, [`active`]).
//! The FFI half of the statistics: the C record of a [`Record`] (worked out in the safe
//! [`crate::plugin::tap`]), the registration and the C callbacks of the tables (whose logic
//! is the safe [`crate::stats::tables`]).

use std::ffi::{c_char, c_int, CString};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;

use msstun::classify::Carrier;
use msstun::registry;
use msstun::Dialect;

use super::ffi::{self, msstun_tap_record};
use super::Packet;
use crate::fields::{CLASS_VALUES, FRAMING_VALUES};
use crate::plugin::tap::Record;
use crate::stats::tables::{Rec, Table};
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

/// C strings of every name a record points to, built once from the registry.
struct Names {
    /// SRT row index → method name (null: unused row).
    methods: Vec<*const c_char>,
    /// Method names not in [`registry::METHODS`] (the MS-TURN ones, "Unknown"), with their row.
    extra: Vec<(&'static str, u16)>,
    classes: [*const c_char; 4],
    dialects: [*const c_char; 4],
    framings: [*const c_char; 5],
    /// Carrier code → name (0: direct).
    carriers: [*const c_char; 7],
}

// SAFETY: the pointers are to leaked, immutable C strings.
unsafe impl Send for Names {}
unsafe impl Sync for Names {}

static NAMES: OnceLock<Names> = OnceLock::new();

fn leak(s: &str) -> *const c_char {
    let c = CString::new(s.replace('\0', " ")).unwrap_or_default();
    Box::leak(c.into_boxed_c_str()).as_ptr()
}

fn value_name(values: &[(u32, &'static str)], v: u32) -> &'static str {
    values
        .iter()
        .find(|(k, _)| *k == v)
        .map_or("Unknown", |(_, n)| n)
}

fn names() -> &'static Names {
    NAMES.get_or_init(|| {
        // Standard methods take their code as row (so msstun.method == row in the GUI's
        // filter actions); the others follow the highest code.
        let top = registry::METHODS.iter().map(|m| m.code).max().unwrap_or(0);
        let mut methods = vec![std::ptr::null(); top as usize + 1];
        for m in registry::METHODS {
            methods[m.code as usize] = leak(m.name);
        }
        let mut extra: Vec<(&'static str, u16)> = Vec::new();
        let others = registry::MS_TURN_TYPES
            .iter()
            .map(|(_, m, _)| m.name)
            .chain([registry::UNKNOWN_METHOD.name]);
        for name in others {
            if registry::METHODS.iter().any(|m| m.name == name) || extra.iter().any(|e| e.0 == name)
            {
                continue;
            }
            extra.push((name, methods.len() as u16));
            methods.push(leak(name));
        }
        let carriers = std::array::from_fn(|i| match i {
            0 => leak("Direct"),
            c => Carrier::ALL
                .iter()
                .find(|k| usize::from(k.code()) == c)
                .map_or_else(|| leak("Unknown"), |k| leak(k.name())),
        });
        Names {
            methods,
            extra,
            classes: std::array::from_fn(|i| leak(value_name(CLASS_VALUES, i as u32))),
            dialects: std::array::from_fn(|i| leak(Dialect::ALL[i].name())),
            framings: std::array::from_fn(|i| leak(value_name(FRAMING_VALUES, i as u32))),
            carriers,
        }
    })
}

/// Row of a method in the SRT table and the method-name list.
fn method_index(n: &Names, dialect: Dialect, desc: &registry::MethodDesc) -> u16 {
    if !dialect.is_ms_turn()
        && n.methods
            .get(desc.code as usize)
            .is_some_and(|p| !p.is_null())
    {
        return desc.code;
    }
    if let Some(m) = registry::METHODS.iter().find(|m| m.name == desc.name) {
        return m.code;
    }
    n.extra
        .iter()
        .find(|e| e.0 == desc.name)
        .or_else(|| {
            n.extra
                .iter()
                .find(|e| e.0 == registry::UNKNOWN_METHOD.name)
        })
        .map_or(0, |e| e.1)
}

/// The tap's id, once registered.
static TAP_ID: AtomicI32 = AtomicI32::new(-1);

/// Whether anything listens to the tap: Wireshark's `have_tap_listener`, called directly.
#[inline]
pub fn active() -> bool {
    listening(TAP_ID.load(Ordering::Relaxed))
}

/// Whether tap `id` (-1: not registered) has a listener (this tap's, and the flow graph's
/// `msstun_flow`).
#[inline]
pub(super) fn listening(id: std::ffi::c_int) -> bool {
    // SAFETY: reads the tap registry.
    id >= 0 && truthy(unsafe { ffi::have_tap_listener(id) })
}

/// `have_tap_listener` returns gboolean before Wireshark 4.4, bool since.
#[cfg(not(ws_ge_4_4))]
#[inline]
fn truthy(b: ffi::gboolean) -> bool {
    b != 0
}
#[cfg(ws_ge_4_4)]
#[inline]
fn truthy(b: bool) -> bool {
    b
}

/// Queue `rec` on the `msstun` tap: the C record with the names as C strings, the
/// packet's addresses and TCP stream (the caller checked [`active`]).
pub fn queue(pinfo: Packet<'_>, rec: &Record<'_>) {
    let n = names();
    let pinfo = pinfo.raw();
    let row = method_index(n, rec.dialect, rec.method);
    let (request_frame, req, rtt_ns) = rec.request;
    // SAFETY: pinfo is the packet being dissected; the error text is copied into its
    // packet-scoped memory; every name pointer is a leaked C string; the record's bytes
    // outlive the queue call (listeners read them during it, see stats.c).
    unsafe {
        let error_name = rec.error.as_ref().map_or(std::ptr::null(), |(_, text)| {
            ffi::wmem_strndup((*pinfo).pool, text.as_ptr() as *const c_char, text.len())
                as *const c_char
        });
        let mut c = msstun_tap_record {
            frame: rec.frame,
            secs: rec.time.0,
            nsecs: rec.time.1,
            transport: if rec.tcp { 6 } else { 17 },
            family: 0,
            klass: rec.class.bits(),
            dialect: rec.dialect.code(),
            framing: rec.framing,
            carrier: rec.carrier,
            method: rec.method.code,
            method_index: row,
            error_code: rec.error.as_ref().map_or(0, |e| e.0),
            src_port: (*pinfo).srcport as u16,
            dst_port: (*pinfo).destport as u16,
            channel: rec.channel,
            src: [0; 16],
            dst: [0; 16],
            tcp_stream: ffi::msstun_tcp_stream(pinfo),
            request_frame,
            req_secs: req.0,
            req_nsecs: req.1,
            rtt_ns,
            method_name: n.methods[usize::from(row)],
            class_name: n.classes[usize::from(rec.class.bits())],
            dialect_name: n.dialects[usize::from(rec.dialect.code().saturating_sub(1)).min(3)],
            framing_name: n.framings[usize::from(rec.framing).min(4)],
            carrier_name: n.carriers[usize::from(rec.carrier).min(6)],
            error_name,
            bytes: rec.bytes.as_ptr(),
            len: rec.bytes.len() as u32,
        };
        c.family = ffi::msstun_addresses(pinfo, c.src.as_mut_ptr(), c.dst.as_mut_ptr()) as u8;
        ffi::msstun_tap_queue(pinfo, &c);
    }
}

/// Register the tap and the statistics (from `register_protoinfo`).
///
/// # Safety
/// Called once by Wireshark during registration.
pub(super) unsafe fn register(proto: c_int) {
    let n = names();
    ffi::msstun_register_stats(
        proto,
        n.methods.as_ptr(),
        n.methods.len() as c_int,
        Some(table_new),
        Some(table_packet),
        Some(table_text),
        Some(table_free),
        Some(table_tree),
    );
    TAP_ID.store(ffi::msstun_tap_id(), Ordering::Relaxed);
    super::stat_table::register();
}

/// A tap record as the safe [`Rec`] the tables read.
pub(super) struct RecC;

impl RecC {
    /// # Safety
    /// `r` is a record the tap passed; its bytes are valid for `'a`.
    pub(super) unsafe fn from_c<'a>(r: &'a msstun_tap_record) -> Option<Rec<'a>> {
        let ip = |b: &[u8; 16]| -> Option<IpAddr> {
            match r.family {
                4 => Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
                6 => Some(IpAddr::V6(Ipv6Addr::from(*b))),
                _ => None,
            }
        };
        let bytes = if r.bytes.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(r.bytes, r.len as usize)
        };
        Some(Rec {
            frame: r.frame,
            time: r.secs as f64 + f64::from(r.nsecs) / 1e9,
            tcp: r.transport == 6,
            src: SocketAddr::new(ip(&r.src)?, r.src_port),
            dst: SocketAddr::new(ip(&r.dst)?, r.dst_port),
            tcp_stream: (r.tcp_stream != u32::MAX).then_some(r.tcp_stream),
            carrier: r.carrier,
            channel: r.channel,
            bytes,
        })
    }
}

/// `msstun_table_new_fn`.
unsafe extern "C" fn table_new(kind: c_int, filter: *const c_char) -> *mut c_void {
    catch_unwind(|| {
        let filter = if filter.is_null() {
            None
        } else {
            // SAFETY: a NUL-terminated string from the tap's option.
            unsafe { std::ffi::CStr::from_ptr(filter) }.to_str().ok()
        };
        Box::into_raw(Box::new(Table::new(kind, filter))) as *mut c_void
    })
    .unwrap_or(std::ptr::null_mut())
}

/// `msstun_table_packet_fn`.
unsafe extern "C" fn table_packet(t: *mut c_void, rec: *const msstun_tap_record) {
    if t.is_null() || rec.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if let Some(r) = RecC::from_c(&*rec) {
            (*(t as *mut Table)).feed_rec(&r);
        }
    }));
}

/// `msstun_table_text_fn`: the text, owned by the table until the next call or its end.
unsafe extern "C" fn table_text(t: *mut c_void) -> *const c_char {
    if t.is_null() {
        return std::ptr::null();
    }
    catch_unwind(AssertUnwindSafe(|| {
        let table = &mut *(t as *mut Table);
        let text = CString::new(table.text().replace('\0', " ")).unwrap_or_default();
        table.text.insert(text).as_ptr()
    }))
    .unwrap_or(std::ptr::null())
}

/// `msstun_table_free_fn`.
unsafe extern "C" fn table_free(t: *mut c_void) {
    if !t.is_null() {
        let _ = catch_unwind(|| drop(Box::from_raw(t as *mut Table)));
    }
}

/// The tables behind the GUI's stats trees, one per open tree (keyed by its address).
static TREES: Mutex<BTreeMap<usize, Table>> = Mutex::new(BTreeMap::new());

/// `msstun_table_tree_fn`: feed one record to the table of stats tree `st` and tick the
/// nodes it yields. `rec` NULL: a new tree (`kind` > 0) or its end (`kind` 0).
unsafe extern "C" fn table_tree(st: *mut c_void, kind: c_int, rec: *const msstun_tap_record) {
    if st.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let mut trees = TREES.lock().unwrap_or_else(|e| e.into_inner());
        let key = st as usize;
        if rec.is_null() {
            if kind == 0 {
                trees.remove(&key);
            } else {
                trees.insert(key, Table::new(kind, None));
            }
            return;
        }
        let Some(r) = RecC::from_c(&*rec) else { return };
        let paths = trees
            .entry(key)
            .or_insert_with(|| Table::new(kind, None))
            .add(&r);
        drop(trees);
        for path in paths {
            if let Ok(c) = CString::new(path) {
                ffi::msstun_st_tick(st, c.as_ptr());
            }
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_rows_are_codes_for_standard_methods() {
        let n = names();
        let binding = registry::method(registry::method::BINDING).unwrap();
        assert_eq!(method_index(n, Dialect::Rfc5389, binding), 1);
        let (m, _) = registry::method_for_type(Dialect::MsTurn, 0x0006);
        let row = method_index(n, Dialect::MsTurn, m);
        assert!(usize::from(row) > registry::method::GOOGLE_PING as usize);
        // SAFETY: a leaked C string.
        let name = unsafe { std::ffi::CStr::from_ptr(n.methods[usize::from(row)]) };
        assert_eq!(name.to_str().unwrap(), m.name);
        // [MS-TURN] Send (0x004) is the Send row, not Refresh's.
        let (send, _) = registry::method_for_type(Dialect::MsTurn, 0x0004);
        assert_eq!(
            method_index(n, Dialect::MsTurn, send),
            registry::method::SEND
        );
    }
}
