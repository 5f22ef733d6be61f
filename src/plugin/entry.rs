//! What the plugin does where Wireshark enters it: the safe side of the entry points of
//! [`crate::epan::plugin`] (registration, hand-off, the init/cleanup routine, the
//! dissectors), which call these through [`ENTRIES`] under their panic guards.

use crate::dissect;
use crate::epan::plugin::{proto, Entries};

/// The callbacks of the entry points.
pub static ENTRIES: Entries = Entries {
    register,
    handoff,
    reset,
    shutdown,
    dissect: dissect::dissect,
    tls_flow_known: dissect::tls_flow_known,
    stats: super::tap::stats,
};

/// Registration: the header fields and subtrees of `proto` (the protocol itself, expert
/// items, preferences, taps and dissector handles are registered by [`crate::epan`]), and
/// the dissector's reference groups over them.
fn register(proto: std::ffi::c_int) {
    crate::fields::register(proto);
    crate::dissect::prime_refs(crate::fields::fields());
}

/// Hand-off: the ports msstun takes ([`super::ports::handoff`]).
fn handoff() {
    super::ports::handoff(proto());
}

/// A capture file's dissection starts or ends: forget its flows and sessions.
fn reset() {
    super::flow::CONVS.reset();
    super::flow::KNOWN.reset();
    crate::session::reset();
}

/// Wireshark shuts down: free the port policy's state (kept for the life of the process).
fn shutdown() {
    reset();
    super::ports::shutdown();
}
