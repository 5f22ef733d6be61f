//! The `msstun` tap: one record per decoded STUN message, queued for Wireshark's statistics
//! (`wireshark-include/stats.c`: stats trees under Statistics → MS-STUN, the SRT table, the
//! tshark names `-z msstun,stat|srt|alloc|ice[,filter]`).
//!
//! With no listener attached, a message costs one call (`have_tap_listener`, [`active`]).
//! The FFI half of the statistics only: a plain [`queue`] of a [`Record`] (which the safe
//! root, `crate::plugin::tap`, works out), its C form (names as C strings, the packet's
//! addresses and TCP stream), the registration, and the C callbacks of the tables, which
//! hand each record back as a [`Rec`] to a [`Listener`] the root made ([`Stats`]).

use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, c_void, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, OnceLock};

use msstun::registry::MethodDesc;
use msstun::{Class, Dialect};

use super::ffi::{self, msstun_tap_record};
use super::stat_table::{Column, Rows};
use super::Packet;

/// One message as the tap's listeners see it (made by the safe root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// Frame number.
    pub frame: u32,
    /// Absolute time of the frame (seconds, nanoseconds).
    pub time: (i64, i32),
    /// Over TCP (else UDP).
    pub tcp: bool,
    /// Method as the dialect names it.
    pub method: &'static MethodDesc,
    /// The method's row in [`Names::methods`] (the SRT table's row).
    pub method_row: u16,
    /// Class.
    pub class: Class,
    /// Dialect.
    pub dialect: Dialect,
    /// `msstun.framing` code (0 over UDP).
    pub framing: u8,
    /// What carried the message: 0 directly, else a `msstun::classify::Carrier` code.
    pub carrier: u8,
    /// ChannelData channel number of a message found in ChannelData (else 0).
    pub channel: u16,
    /// ERROR-CODE of an error response and its text ("401 Unauthorized").
    pub error: Option<(u16, String)>,
    /// Responses: the request's frame (0: unknown), time, and the response time in
    /// nanoseconds (-1: unknown).
    pub request: (u32, (i64, i32), i64),
    /// The STUN message.
    pub bytes: &'a [u8],
}

/// A tap record as a listener reads it back (owned addresses, so what reads it is testable
/// without Wireshark).
#[derive(Debug, Clone)]
pub struct Rec<'a> {
    /// Frame number.
    pub frame: u32,
    /// Seconds (absolute).
    pub time: f64,
    /// TCP (else UDP).
    pub tcp: bool,
    /// Source transport address.
    pub src: SocketAddr,
    /// Destination transport address.
    pub dst: SocketAddr,
    /// `tcp.stream`.
    pub tcp_stream: Option<u32>,
    /// 0 direct, else the [`msstun::classify::Carrier`] code.
    pub carrier: u8,
    /// ChannelData channel (carrier ChannelData).
    pub channel: u16,
    /// The STUN message.
    pub bytes: &'a [u8],
}

/// The names a record points to, indexed by its codes, and the SRT table's rows.
#[derive(Debug, Clone)]
pub struct Names {
    /// Row → method name (`None`: an unused row).
    pub methods: Vec<Option<&'static str>>,
    /// Class bits → name.
    pub classes: [&'static str; 4],
    /// Dialect code − 1 → name.
    pub dialects: [&'static str; 4],
    /// Framing code → name.
    pub framings: [&'static str; 5],
    /// Carrier code → name (0: direct).
    pub carriers: [&'static str; 7],
}

/// A listener's table: `-z msstun,alloc|ice|diag`, or the one behind a GUI stats tree.
pub trait Listener: Send {
    /// A record passed the listener's filter (tshark's tables).
    fn feed(&mut self, r: &Rec<'_>);
    /// The text tshark prints at the end.
    fn text(&mut self) -> String;
    /// A record passed the stats tree's filter: the tree's nodes to tick (paths "a/b/c").
    fn tick(&mut self, r: &Rec<'_>) -> Vec<String>;
}

/// A new table of a kind (`MSSTUN_TABLE_*`) for a listener with a display filter.
pub type NewListener = fn(c_int, Option<&str>) -> Box<dyn Listener>;

/// What the safe root hands the statistics at registration.
pub struct Stats {
    /// The names of the records and the SRT table.
    pub names: &'static Names,
    /// A new table of a kind (`MSSTUN_TABLE_*`) for a listener with a display filter.
    pub listener: NewListener,
    /// The rows of a new table dialog of a kind.
    pub rows: fn(c_int) -> Box<dyn Rows>,
    /// The columns of a table dialog's kind (empty: unknown kind).
    pub columns: fn(c_int) -> &'static [Column],
}

/// C strings of every name a record points to, made once from [`Names`].
struct CNames {
    methods: Vec<*const c_char>,
    classes: [*const c_char; 4],
    dialects: [*const c_char; 4],
    framings: [*const c_char; 5],
    carriers: [*const c_char; 7],
}

// SAFETY: the pointers are to leaked, immutable C strings.
unsafe impl Send for CNames {}
unsafe impl Sync for CNames {}

static NAMES: OnceLock<CNames> = OnceLock::new();
static LISTENER: OnceLock<NewListener> = OnceLock::new();

fn leak(s: &str) -> *const c_char {
    let c = CString::new(s.replace('\0', " ")).unwrap_or_default();
    Box::leak(c.into_boxed_c_str()).as_ptr()
}

impl CNames {
    fn new(n: &Names) -> CNames {
        CNames {
            methods: n
                .methods
                .iter()
                .map(|m| m.map_or(std::ptr::null(), leak))
                .collect(),
            classes: n.classes.map(leak),
            dialects: n.dialects.map(leak),
            framings: n.framings.map(leak),
            carriers: n.carriers.map(leak),
        }
    }
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
/// packet's addresses (the listeners that need the TCP stream read it from the
/// packet's `tcp.stream`, see stats.c; the caller checked [`active`]).
pub fn queue(pinfo: Packet<'_>, rec: &Record<'_>) {
    let Some(n) = NAMES.get() else {
        return;
    };
    let pinfo = pinfo.raw();
    let method_name = n
        .methods
        .get(usize::from(rec.method_row))
        .copied()
        .filter(|p| !p.is_null())
        .unwrap_or(c"Unknown".as_ptr());
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
            method_index: rec.method_row,
            error_code: rec.error.as_ref().map_or(0, |e| e.0),
            src_port: (*pinfo).srcport as u16,
            dst_port: (*pinfo).destport as u16,
            channel: rec.channel,
            src: [0; 16],
            dst: [0; 16],
            // The listeners that show streams fill it from the packet's tcp.stream (stats.c).
            tcp_stream: u32::MAX,
            request_frame,
            req_secs: req.0,
            req_nsecs: req.1,
            rtt_ns,
            method_name,
            class_name: n.classes[usize::from(rec.class.bits()).min(3)],
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

/// Register the tap and the statistics (from `register_protoinfo`), with the root's
/// names and tables.
///
/// # Safety
/// Called once by Wireshark during registration.
pub(super) unsafe fn register(proto: c_int, stats: Stats) {
    let n = NAMES.get_or_init(|| CNames::new(stats.names));
    let _ = LISTENER.set(stats.listener);
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
    super::stat_table::register(stats.rows, stats.columns);
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

/// A tshark table: the root's listener and the last text made (kept for the C side until
/// the next call or the table's end).
struct CliTable {
    table: Box<dyn Listener>,
    text: Option<CString>,
}

/// A new table of the root's for `kind` and `filter` (`None` before registration).
fn new_listener(kind: c_int, filter: Option<&str>) -> Option<Box<dyn Listener>> {
    LISTENER.get().map(|f| f(kind, filter))
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
        let Some(table) = new_listener(kind, filter) else {
            return std::ptr::null_mut();
        };
        Box::into_raw(Box::new(CliTable { table, text: None })) as *mut c_void
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
            (*(t as *mut CliTable)).table.feed(&r);
        }
    }));
}

/// `msstun_table_text_fn`: the text, owned by the table until the next call or its end.
unsafe extern "C" fn table_text(t: *mut c_void) -> *const c_char {
    if t.is_null() {
        return std::ptr::null();
    }
    catch_unwind(AssertUnwindSafe(|| {
        let t = &mut *(t as *mut CliTable);
        let text = CString::new(t.table.text().replace('\0', " ")).unwrap_or_default();
        t.text.insert(text).as_ptr()
    }))
    .unwrap_or(std::ptr::null())
}

/// `msstun_table_free_fn`.
unsafe extern "C" fn table_free(t: *mut c_void) {
    if !t.is_null() {
        let _ = catch_unwind(|| drop(Box::from_raw(t as *mut CliTable)));
    }
}

/// The tables behind the GUI's stats trees, one per open tree (keyed by its address).
static TREES: Mutex<BTreeMap<usize, Box<dyn Listener>>> = Mutex::new(BTreeMap::new());

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
            } else if let Some(t) = new_listener(kind, None) {
                trees.insert(key, t);
            }
            return;
        }
        let Some(r) = RecC::from_c(&*rec) else { return };
        let table = match trees.entry(key) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => match new_listener(kind, None) {
                Some(t) => e.insert(t),
                None => return,
            },
        };
        let paths = table.tick(&r);
        drop(trees);
        for path in paths {
            if let Ok(c) = CString::new(path) {
                ffi::msstun_st_tick(st, c.as_ptr());
            }
        }
    }));
}
