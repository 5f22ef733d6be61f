//! What Wireshark calls: the plugin symbols, registration and hand-off, the dissectors'
//! entry points and the init routine. Each entry point turns the raw pointers into the safe
//! types of [`crate::epan`] and runs a safe callback of [`Entries`] under a panic guard.
//! The safe root ([`crate::plugin::entry`]) provides the callbacks; it is named here once,
//! where Wireshark enters (`plugin_register`), and nothing else of this module calls into
//! the dissector, the session state or the statistics.

use std::ffi::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU32, Ordering};
use std::sync::OnceLock;

use msstun::framing::Transport;

use super::ffi;
use super::{Packet, Tree, Tvb};
use crate::expert::Expert;

/// The safe root's side of each entry point.
pub struct Entries {
    /// At registration, once the protocol is registered (its id): fields and subtrees.
    pub register: fn(c_int),
    /// At hand-off, before the heuristics are added.
    pub handoff: fn(),
    /// When a capture file's dissection starts and ends: forget its state.
    pub reset: fn(),
    /// When Wireshark shuts down (before it unloads the plugin): free what the plugin keeps
    /// for the life of the process.
    pub shutdown: fn(),
    /// Dissect `tvb` over `transport`; `heuristic`: as a heuristic (`None`: not msstun's),
    /// else for msstun's handle. The bytes taken.
    pub dissect: for<'p> fn(Tvb<'p>, Packet<'p>, Tree<'p>, Transport, bool) -> Option<usize>,
    /// Inside (D)TLS: whether msstun already found STUN in this connection's plaintext.
    pub tls_flow_known: for<'p> fn(Packet<'p>) -> bool,
    /// At registration: the names and tables of the statistics.
    pub stats: fn() -> super::tap::Stats,
}

static ENTRIES: OnceLock<&'static Entries> = OnceLock::new();

/// The root's callbacks (set in `plugin_register`).
fn entries() -> &'static Entries {
    ENTRIES.get_or_init(|| &crate::plugin::entry::ENTRIES)
}

const fn nul_terminated<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < b.len() {
        out[i] = b[i];
        i += 1;
    }
    out
}

const fn parse_int(s: &str) -> c_int {
    let b = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        n = n * 10 + (b[i] - b'0') as c_int;
        i += 1;
    }
    n
}

/// Plugin version (NUL-terminated string, as Wireshark reads it).
#[no_mangle]
#[used]
pub static plugin_version: [u8; crate::VERSION.len() + 1] = nul_terminated(crate::VERSION);

/// Wireshark major version this plugin was built against.
#[no_mangle]
#[used]
pub static plugin_want_major: c_int = parse_int(env!("MSSTUN_WS_MAJOR"));

/// Wireshark minor version this plugin was built against.
#[no_mangle]
#[used]
pub static plugin_want_minor: c_int = parse_int(env!("MSSTUN_WS_MINOR"));

static PLUGIN: ffi::proto_plugin = ffi::proto_plugin {
    register_protoinfo: Some(register_protoinfo),
    register_handoff: Some(register_handoff),
};

/// Called by Wireshark when it loads the plugin.
#[no_mangle]
pub extern "C" fn plugin_register() {
    let _ = entries();
    // SAFETY: PLUGIN is a static; Wireshark keeps the pointer.
    let _ = catch_unwind(|| unsafe { ffi::proto_register_plugin(&PLUGIN) });
}

/// What kind of plugin this is (Wireshark 4.4+: `plugin_describe` and `WS_PLUGIN_DESC_*`
/// arrived in 4.4, not 4.2): a dissector.
#[cfg(ws_ge_4_4)]
#[no_mangle]
pub extern "C" fn plugin_describe() -> u32 {
    ffi::WS_PLUGIN_DESC_DISSECTOR as u32
}

/// `struct ws_module` of the module loader: 'static strings and a function pointer only.
#[cfg(ws_module_loader)]
struct Module(ffi::ws_module);

// SAFETY: MODULE is never written; its pointers are to 'static data and a function.
#[cfg(ws_module_loader)]
unsafe impl Sync for Module {}

// The flag's Rust type follows the C macro's as bindgen reads it; the cast may be a no-op.
#[cfg(ws_module_loader)]
#[allow(clippy::unnecessary_cast)]
static MODULE: Module = Module(ffi::ws_module {
    flags: ffi::WS_PLUGIN_DESC_DISSECTOR as u32,
    version: plugin_version.as_ptr().cast(),
    spdx_id: c"GPL-2.0-or-later".as_ptr(),
    home_url: c"".as_ptr(),
    blurb:
        c"STUN/TURN with Microsoft's dialects (MS-TURN, MS-ICE2, MS-TURNBWM) and RFC 6062 TCP TURN"
            .as_ptr(),
    register_cb: Some(plugin_register as unsafe extern "C" fn()),
});

/// The module loader's entry point (Wireshark 4.7+, `wireshark_load_module` in
/// `wsutil/plugins.h`): the epan plugin ABI these headers define, no API level, and the
/// module whose `register_cb` is [`plugin_register`]. Built only from headers that have it.
///
/// # Safety
/// Each pointer is NULL or writable (Wireshark passes its locals).
#[cfg(ws_module_loader)]
#[no_mangle]
pub unsafe extern "C" fn wireshark_load_module(
    abi_version: *mut c_int,
    min_api_level: *mut c_int,
    module: *mut *mut ffi::ws_module,
) -> ffi::plugin_type_e {
    // SAFETY: (caller) each is NULL or valid for a write; MODULE is never written through
    // the pointer (Wireshark only reads it).
    unsafe {
        if !abi_version.is_null() {
            *abi_version = ffi::WIRESHARK_ABI_VERSION_EPAN as c_int;
        }
        if !min_api_level.is_null() {
            *min_api_level = 0;
        }
        if !module.is_null() {
            *module = std::ptr::addr_of!(MODULE.0).cast_mut();
        }
    }
    ffi::WS_PLUGIN_EPAN
}

static PROTO: AtomicI32 = AtomicI32::new(-1);
static HANDLE: AtomicPtr<ffi::dissector_handle> = AtomicPtr::new(std::ptr::null_mut());

/// The protocol id of `msstun`.
pub fn proto() -> c_int {
    PROTO.load(Ordering::Relaxed)
}

/// The `msstun` dissector handle.
pub(super) fn handle() -> ffi::dissector_handle_t {
    HANDLE.load(Ordering::Relaxed)
}

/// `register_protoinfo`: protocol, fields, subtrees, expert items, preferences.
unsafe extern "C" fn register_protoinfo() {
    let r = catch_unwind(|| {
        // SAFETY: called once by Wireshark during registration, on its main thread; the
        // strings are static.
        let proto = unsafe {
            ffi::proto_register_protocol(
                c"MS-STUN".as_ptr(),
                c"MSSTUN".as_ptr(),
                c"msstun".as_ptr(),
            )
        };
        PROTO.store(proto, Ordering::Relaxed);
        (entries().register)(proto);
        super::expert::register(proto);
        // SAFETY: as above; the dissector and routines are 'static functions.
        unsafe {
            ffi::msstun_register_prefs(proto, Some(super::ports::apply));
            register_media(proto);
            ffi::msstun_register_data_heur(proto);
            super::tap::register(proto, (entries().stats)());
            super::seq::register(proto);
            let h = ffi::register_dissector(c"msstun".as_ptr(), Some(dissect_msstun), proto);
            HANDLE.store(h, Ordering::Relaxed);
            ffi::register_init_routine(Some(init_routine));
            ffi::register_init_routine(Some(super::ports::init_routine));
            ffi::register_cleanup_routine(Some(init_routine));
            ffi::register_shutdown_routine(Some(shutdown_routine));
        }
    });
    if r.is_err() {
        eprintln!("msstun: registration failed");
    }
}

/// `register_handoff`: Decode As, the port preferences, the heuristics.
unsafe extern "C" fn register_handoff() {
    let r = catch_unwind(|| {
        (entries().handoff)();
        // SAFETY: called once by Wireshark after every protocol registered; the callbacks
        // are 'static functions with the C signatures the shim declares.
        unsafe {
            ffi::msstun_add_heuristics(
                proto(),
                heur_tcp as *const () as *mut c_void,
                heur_udp as *const () as *mut c_void,
            );
            handoff_tls();
        }
    });
    if r.is_err() {
        eprintln!("msstun: handoff failed");
    }
}

/// Wireshark init/cleanup routine: forget the capture file's state.
unsafe extern "C" fn init_routine() {
    // SAFETY: plain C, no preconditions; called on Wireshark's dissection thread.
    unsafe {
        ffi::msstun_rtp_ext_reset();
    }
    super::packet::forget_conversations();
    let _ = catch_unwind(entries().reset);
}

/// Wireshark shutdown routine (`epan_cleanup`, before the plugins are unloaded): the root's
/// `shutdown` under a panic guard.
unsafe extern "C" fn shutdown_routine() {
    super::packet::forget_conversations();
    let _ = catch_unwind(entries().shutdown);
}

/// Run `f` on the safe views of one dissection call; a panic becomes an expert item.
///
/// # Safety
/// The pointers are those Wireshark passed to the dissector.
unsafe fn guard<R>(
    tvb: *mut ffi::tvbuff_t,
    pinfo: *mut ffi::packet_info,
    tree: *mut ffi::proto_tree,
    fallback: impl FnOnce(Tvb<'_>) -> R,
    f: impl FnOnce(Tvb<'_>, Packet<'_>, Tree<'_>) -> R,
) -> R {
    // SAFETY: (caller) valid for this call.
    let (tvb, pinfo, tree) = unsafe {
        (
            Tvb::from_raw(tvb),
            Packet::from_raw(pinfo),
            Tree::from_raw(tree),
        )
    };
    match catch_unwind(AssertUnwindSafe(|| f(tvb, pinfo, tree))) {
        Ok(r) => r,
        Err(payload) => {
            let text = {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                drop(payload);
                pinfo.text(&format!("msstun internal error: {msg}"))
            };
            pinfo.set_protocol_column();
            let item = tree.add_protocol(proto(), tvb, 0, None);
            pinfo.expert(item, Expert::Panic, text);
            fallback(tvb)
        }
    }
}

/// Return type of a heuristic dissector (gboolean before 4.4, bool since).
#[cfg(not(ws_ge_4_4))]
type HeurRet = ffi::gboolean;
/// Return type of a heuristic dissector (gboolean before 4.4, bool since).
#[cfg(ws_ge_4_4)]
type HeurRet = bool;

#[cfg(not(ws_ge_4_4))]
fn heur_ret(b: bool) -> HeurRet {
    b as HeurRet
}
#[cfg(ws_ge_4_4)]
fn heur_ret(b: bool) -> HeurRet {
    b
}

fn consumed(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `msstun`: registered by name, for Decode As, the ports and claimed conversations.
unsafe extern "C" fn dissect_msstun(
    tvb: *mut ffi::tvbuff_t,
    pinfo: *mut ffi::packet_info,
    tree: *mut ffi::proto_tree,
    _data: *mut c_void,
) -> c_int {
    // SAFETY: Wireshark's arguments.
    unsafe {
        let all = |tvb: Tvb<'_>| consumed(tvb.len());
        guard(tvb, pinfo, tree, all, |tvb, pinfo, tree| {
            let t = pinfo.transport();
            consumed((entries().dissect)(tvb, pinfo, tree, t, false).unwrap_or(0))
        })
    }
}

/// A heuristic dissector over `transport`.
///
/// # Safety
/// Wireshark's arguments.
unsafe fn heuristic(
    tvb: *mut ffi::tvbuff_t,
    pinfo: *mut ffi::packet_info,
    tree: *mut ffi::proto_tree,
    transport: Transport,
) -> HeurRet {
    // SAFETY: (caller) Wireshark's arguments.
    heur_ret(unsafe {
        guard(
            tvb,
            pinfo,
            tree,
            |_| false,
            |tvb, pinfo, tree| (entries().dissect)(tvb, pinfo, tree, transport, true).is_some(),
        )
    })
}

/// `msstun_tcp` heuristic.
unsafe extern "C" fn heur_tcp(
    tvb: *mut ffi::tvbuff_t,
    pinfo: *mut ffi::packet_info,
    tree: *mut ffi::proto_tree,
    _data: *mut c_void,
) -> HeurRet {
    // SAFETY: Wireshark's arguments.
    unsafe { heuristic(tvb, pinfo, tree, Transport::Tcp) }
}

/// `msstun_udp` heuristic.
unsafe extern "C" fn heur_udp(
    tvb: *mut ffi::tvbuff_t,
    pinfo: *mut ffi::packet_info,
    tree: *mut ffi::proto_tree,
    _data: *mut c_void,
) -> HeurRet {
    // SAFETY: Wireshark's arguments.
    unsafe { heuristic(tvb, pinfo, tree, Transport::Udp) }
}

// ---- media and TURN over TLS/DTLS (issue 18 items 1 and 3) ----

/// While msstun dissects what (D)TLS decrypted (counter: nested calls).
static IN_TLS: AtomicU32 = AtomicU32::new(0);

/// Whether msstun is dissecting data that (D)TLS decrypted: the TCP/UDP conversation is then
/// TLS's, never claimed.
pub fn inside_tls() -> bool {
    IN_TLS.load(Ordering::Relaxed) > 0
}

/// Run `f` marked as inside (D)TLS. No exception can cross `f` (the plugin's rule), so the
/// counter always comes down again.
fn in_tls<R>(f: impl FnOnce() -> R) -> R {
    IN_TLS.fetch_add(1, Ordering::Relaxed);
    let r = f();
    IN_TLS.fetch_sub(1, Ordering::Relaxed);
    r
}

/// The media preference (`msstun.media_encryption`), registered beside the others.
///
/// # Safety
/// Called once, from `register_protoinfo`, after `msstun_register_prefs`.
unsafe fn register_media(proto: c_int) {
    // SAFETY: (caller) registration time; static strings, 'static function.
    unsafe {
        ffi::msstun_register_media_prefs();
        let h = ffi::register_dissector(c"msstun_tls".as_ptr(), Some(dissect_msstun_tls), proto);
        TLS_HANDLE.store(h, Ordering::Relaxed);
    }
}

static TLS_HANDLE: AtomicPtr<ffi::dissector_handle> = AtomicPtr::new(std::ptr::null_mut());

/// TURN over TLS and DTLS: ALPN "stun.turn"/"stun.nat-discovery", port 5349, the `tls`/`dtls`
/// heuristic lists (TLS tries them before the port's dissector: `turns:` on 443 without
/// ALPN). Nothing on `tls.port` 443: its dissector shows in the TLS tree even without keys.
///
/// # Safety
/// Called once, from `register_handoff`.
unsafe fn handoff_tls() {
    // SAFETY: (caller) hand-off time; the handles were registered in register_media; the
    // heuristics have the C signature of heur_dissector_t.
    unsafe {
        ffi::msstun_register_tls(
            proto(),
            TLS_HANDLE.load(Ordering::Relaxed),
            heur_tls as *const () as *mut c_void,
            heur_dtls as *const () as *mut c_void,
        );
    }
}

/// `msstun_tls`: what TLS or DTLS decrypted, by ALPN or port 5349.
unsafe extern "C" fn dissect_msstun_tls(
    tvb: *mut ffi::tvbuff_t,
    pinfo: *mut ffi::packet_info,
    tree: *mut ffi::proto_tree,
    data: *mut c_void,
) -> c_int {
    // SAFETY: Wireshark's arguments.
    in_tls(|| unsafe { dissect_msstun(tvb, pinfo, tree, data) })
}

/// `msstun_tls` heuristic (the `tls` list): STUN in a known framing, or anything on a
/// connection whose decrypted data msstun already found STUN in (ChannelData, the rest of a
/// message).
unsafe extern "C" fn heur_tls(
    tvb: *mut ffi::tvbuff_t,
    pinfo: *mut ffi::packet_info,
    tree: *mut ffi::proto_tree,
    _data: *mut c_void,
) -> HeurRet {
    // SAFETY: Wireshark's arguments.
    in_tls(|| unsafe {
        let known = guard(
            tvb,
            pinfo,
            tree,
            |_| false,
            |_, pinfo, _| (entries().tls_flow_known)(pinfo),
        );
        if known {
            heur_ret(dissect_msstun(tvb, pinfo, tree, std::ptr::null_mut()) > 0)
        } else {
            heuristic(tvb, pinfo, tree, Transport::Tcp)
        }
    })
}

/// `msstun_dtls` heuristic (the `dtls` list).
unsafe extern "C" fn heur_dtls(
    tvb: *mut ffi::tvbuff_t,
    pinfo: *mut ffi::packet_info,
    tree: *mut ffi::proto_tree,
    _data: *mut c_void,
) -> HeurRet {
    // SAFETY: Wireshark's arguments.
    in_tls(|| unsafe { heuristic(tvb, pinfo, tree, Transport::Udp) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_string_is_nul_terminated_and_names_wireshark() {
        assert_eq!(*plugin_version.last().unwrap(), 0);
        let s = std::str::from_utf8(&plugin_version[..plugin_version.len() - 1]).unwrap();
        assert!(s.contains("Wireshark"), "{s}");
        assert!(!s.contains('\0'));
        assert!(s.contains(env!("MSSTUN_WS_VERSION")));
    }

    #[test]
    fn want_version_matches_headers() {
        assert_eq!(plugin_want_major.to_string(), env!("MSSTUN_WS_MAJOR"));
        assert_eq!(plugin_want_minor.to_string(), env!("MSSTUN_WS_MINOR"));
        assert_eq!(parse_int("17"), 17);
    }

    #[cfg(ws_ge_4_4)]
    #[test]
    fn describes_itself_as_a_dissector() {
        assert_eq!(plugin_describe(), ffi::WS_PLUGIN_DESC_DISSECTOR as u32);
    }
}
