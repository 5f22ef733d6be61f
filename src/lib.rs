//! msstun.so: a Wireshark dissector plugin for STUN/TURN, legacy [MS-TURN],
//! [MS-ICE2], [MS-TURNBWM] and RFC 6062 TCP TURN, on the shared `msstun` parser.
//!
//! Layers (docs/ARCHITECTURE.md has the map):
//! * [`epan`] — the one layer over libwireshark; all of the plugin's `unsafe` is there.
//! * [`dissect`] — the dissector, in safe Rust over [`epan`]'s types: finding and framing
//!   PDUs, the message and attribute trees, the Info column, relayed data, data connections.
//! * [`session`] — the one capture-wide state per file behind a lock; the state itself
//!   (transactions, allocations, RFC 6062 links, the session analysis) is
//!   `msstun_analysis::session`, plain Rust without Wireshark.
//! * [`plugin`] — the safe root: policy and bookkeeping over plain values (flow keys, the tap record).
//! * [`fields`], [`expert`], [`uat`] — what the plugin registers, described once.
//!
//! Entry points Wireshark looks up (in [`epan::plugin`]): `plugin_version`,
//! `plugin_want_major`, `plugin_want_minor`, `plugin_register` (and `plugin_describe` from 4.2).
#![deny(unsafe_code)]
// The plugin is a cdylib: its documentation is for its maintainers (`cargo doc
// --document-private-items`), where the module maps' links to private modules resolve.
#![allow(rustdoc::private_intra_doc_links)]

pub mod dissect;
pub mod epan;
pub mod expert;
pub mod fields;
pub mod plugin;
pub mod session;
pub mod stats;
pub mod uat;

/// The version string Wireshark shows: plugin version and the Wireshark it targets.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (built for Wireshark ",
    env!("MSSTUN_WS_VERSION"),
    ")"
);
