//! The plugin's safe root: policy and bookkeeping that need no libwireshark call, over the
//! plain values [`crate::epan`] reads from it (addresses, ports, frame numbers).
//!
//! * [`entry`] — what the plugin does where Wireshark enters it (registration, hand-off,
//!   the init routine, the dissectors), called by [`crate::epan::plugin`]'s trampolines.
//! * [`flow`] — the key of a flow in the plugin's state, from its two endpoints, and the
//!   conversation cache of TCP flows and the framing of the established ones.
//! * [`ports`] — the ports msstun takes and gives back, and the decision on a port shared
//!   with TLS.
//! * [`tap`] — the record the `msstun` tap reports of a message.

pub mod entry;
pub mod flow;
pub mod ports;
pub mod tap;
