//! The port tables and port preferences, for the port policy of [`crate::plugin::ports`]:
//! dissector handles as opaque values, the handle on a port of `tcp.port`/`udp.port` and
//! setting it, the range preferences read into plain pairs, and the two entry points of the
//! policy (the preferences' apply callback, the hop of a port shared with TLS) as thin
//! trampolines to safe callbacks.

use std::ffi::{c_int, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::OnceLock;

use super::ffi;
use super::{Packet, Tvb};

/// A dissector handle: an address Wireshark keeps for the life of the process, compared by
/// identity and handed back to libwireshark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle(NonNull<ffi::dissector_handle>);

// SAFETY: the plugin never reads through the pointer; it compares it and hands it back to
// libwireshark, on Wireshark's dissection thread.
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

impl Handle {
    fn from_raw(p: ffi::dissector_handle_t) -> Option<Handle> {
        NonNull::new(p).map(Handle)
    }
}

/// msstun's own dissector handle (`None` before registration).
pub fn msstun() -> Option<Handle> {
    Handle::from_raw(super::plugin::handle())
}

/// The dissector registered as `name`.
pub fn find(name: &CStr) -> Option<Handle> {
    // SAFETY: a NUL-terminated name; find_dissector does not throw.
    Handle::from_raw(unsafe { ffi::msstun_find_dissector(name.as_ptr()) })
}

/// A port preference of msstun.
#[derive(Clone, Copy, Debug)]
pub enum PortPref {
    /// `msstun.udp_ports`.
    Udp,
    /// `msstun.tcp_ports`.
    Tcp,
    /// `msstun.shared_tcp_ports`.
    Shared,
}

/// The ranges (low, high; inclusive) of a port preference, as Wireshark's `range_t` holds
/// them.
pub fn pref_ranges(which: PortPref) -> Vec<(u32, u32)> {
    let which = match which {
        PortPref::Udp => ffi::MSSTUN_PORTS_UDP,
        PortPref::Tcp => ffi::MSSTUN_PORTS_TCP,
        PortPref::Shared => ffi::MSSTUN_PORTS_SHARED,
    } as c_int;
    let mut out = Vec::new();
    let (mut lo, mut hi) = (0u32, 0u32);
    // SAFETY: the shim writes both out-parameters when it answers 1; plain reads of the
    // preference's range.
    while unsafe { ffi::msstun_pref_ports(which, out.len() as u32, &mut lo, &mut hi) } != 0 {
        out.push((lo, hi));
    }
    out
}

/// Preference `msstun.take_ports`.
pub fn pref_take_ports() -> bool {
    // SAFETY: plain read of a preference.
    unsafe { ffi::msstun_pref_take_ports() != 0 }
}

/// Whether protocol `proto` is enabled (Analyze → Enabled Protocols, `--disable-protocol`).
pub fn protocol_enabled(proto: c_int) -> bool {
    // SAFETY: plain read of the protocol's flag; an unknown id answers 0.
    unsafe { ffi::msstun_protocol_enabled(proto) != 0 }
}

/// The handle on `port` of `tcp.port` (`tcp`) or `udp.port`.
pub fn port_get(tcp: bool, port: u16) -> Option<Handle> {
    // SAFETY: a table lookup; no throw.
    Handle::from_raw(unsafe { ffi::msstun_port_get(tcp.into(), port.into()) })
}

/// Put `handle` on `port` of `tcp.port` or `udp.port` (`dissector_add_uint`).
pub fn port_set(tcp: bool, port: u16, handle: Handle) {
    // SAFETY: a registered handle on a registered table; called at preference and init
    // time, outside any dissection.
    unsafe { ffi::msstun_port_set(tcp.into(), port.into(), handle.0.as_ptr()) }
}

/// Remove `handle` from `port` of `tcp.port` or `udp.port` (`dissector_delete_uint`).
pub fn port_delete(tcp: bool, port: u16, handle: Handle) {
    // SAFETY: as port_set.
    unsafe { ffi::msstun_port_delete(tcp.into(), port.into(), handle.0.as_ptr()) }
}

/// Offer `handle` in Decode As for `tcp.port` and `udp.port`.
pub fn decode_as(handle: Handle) {
    // SAFETY: registered handle, static table names; hand-off time.
    unsafe {
        ffi::dissector_add_for_decode_as(c"tcp.port".as_ptr(), handle.0.as_ptr());
        ffi::dissector_add_for_decode_as(c"udp.port".as_ptr(), handle.0.as_ptr());
    }
}

/// What the hop of a port shared with TLS does with one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hop {
    /// Call `handle`; `claim`: it becomes the conversation's dissector (first pass).
    Call {
        /// The dissector.
        handle: Handle,
        /// Whether the conversation is decided by this packet.
        claim: bool,
    },
    /// TCP was asked for more bytes.
    More,
    /// No dissector.
    Pass,
}

/// The hop's decision: the packet's bytes, the packet, the port it matched.
pub type RouteFn = for<'p> fn(Tvb<'p>, Packet<'p>, u16) -> Hop;

static ROUTE: OnceLock<RouteFn> = OnceLock::new();
static APPLY: OnceLock<fn()> = OnceLock::new();

/// Create the hop's handle (a handle of no protocol, named `msstun_port`), deciding each
/// packet by `route`.
pub fn register_hop(route: RouteFn) -> Option<Handle> {
    let _ = ROUTE.set(route);
    // SAFETY: hand-off time; hop_route has the C signature the shim declares.
    Handle::from_raw(unsafe { ffi::msstun_register_hop(Some(hop_route)) })
}

/// Run `apply` when the preferences change and when a capture file's dissection starts.
pub fn on_apply(apply: fn()) {
    let _ = APPLY.set(apply);
}

/// The preferences' apply callback (also run by the init routine): the callback of
/// [`on_apply`] under a panic guard.
pub(super) extern "C" fn apply() {
    if let Some(f) = APPLY.get() {
        let _ = catch_unwind(f);
    }
}

/// Init routine: the policy again at the start of each capture file's dissection (the
/// enabled protocols may have changed since the preferences were applied).
pub(super) unsafe extern "C" fn init_routine() {
    apply();
}

/// The shim's hop asks: the callback of [`register_hop`] under a panic guard (a panic: no
/// dissector).
unsafe extern "C" fn hop_route(
    tvb: *mut ffi::tvbuff_t,
    pinfo: *mut ffi::packet_info,
    handle: *mut ffi::dissector_handle_t,
    claim: *mut c_int,
) -> c_int {
    let Some(route) = ROUTE.get() else {
        return 0;
    };
    // SAFETY: Wireshark's arguments through the shim's hop, valid for this call; the
    // port is a plain field.
    let (tvb, pinfo, port) = unsafe {
        (
            Tvb::from_raw(tvb),
            Packet::from_raw(pinfo),
            (*pinfo).match_uint,
        )
    };
    let port = u16::try_from(port).unwrap_or(0);
    match catch_unwind(AssertUnwindSafe(|| route(tvb, pinfo, port))) {
        Ok(Hop::More) => -1,
        Ok(Hop::Call {
            handle: h,
            claim: c,
        }) => {
            // SAFETY: the shim's out-parameters, valid for writes.
            unsafe {
                *handle = h.0.as_ptr();
                *claim = c.into();
            }
            1
        }
        Ok(Hop::Pass) | Err(_) => 0,
    }
}
