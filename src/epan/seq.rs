//! The MSSTUN flow of Wireshark's sequence analysis (Statistics → Flow Graph → MSSTUN,
//! `tshark -z flow,msstun,standard|network[,filter]`): one arrow per STUN message.
//!
//! The texts are made by the safe [`crate::dissect`] (`flow.rs`); this module hands them to
//! the tap `msstun_flow` of `wireshark-include/seq.c`, whose callback fills Wireshark's
//! sequence-analysis item (a C struct, laid out per version there). With no listener
//! attached, [`active`] costs one call (`have_tap_listener`) per message.

use std::ffi::c_int;
use std::sync::atomic::{AtomicI32, Ordering};

use super::{ffi, PStr, Packet};

/// The flow tap's id, once registered (-1: not registered, or a Wireshark whose layout the
/// shim does not know).
static FLOW_TAP: AtomicI32 = AtomicI32::new(-1);

/// Whether a flow graph listens (Flow Graph dialog open on MSSTUN, `-z flow,msstun,…`).
#[inline]
pub fn active() -> bool {
    super::tap::listening(FLOW_TAP.load(Ordering::Relaxed))
}

/// Queue one arrow for the frame being dissected: `label` above it, `comment` beside it
/// (both packet-scoped: the callback runs before the packet is done and copies them).
pub fn queue<'p>(pinfo: Packet<'p>, label: PStr<'p>, comment: PStr<'p>) {
    if pinfo.in_error_pkt() {
        return;
    }
    // SAFETY: the packet_info of the current dissection; the strings live until the packet
    // is done (packet scope), after the tap ran.
    unsafe { ffi::msstun_flow_queue(pinfo.raw(), label.0, comment.0) };
}

/// Register the tap and the sequence analysis (from `register_protoinfo`).
///
/// # Safety
/// Called once by Wireshark during registration.
pub(super) unsafe fn register(proto: c_int) {
    ffi::msstun_register_flow(proto);
    FLOW_TAP.store(ffi::msstun_flow_tap_id(), Ordering::Relaxed);
}
