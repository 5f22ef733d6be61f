//! The one layer over libwireshark: every `unsafe` block of the plugin is in this module.
//!
//! The rest of the plugin (`#![deny(unsafe_code)]` from `lib.rs`) sees only safe types:
//!
//! * [`Tvb`] — the bytes of a packet or of a part of it;
//! * [`Packet`] — the packet being dissected (`packet_info`): frame number, pass, time,
//!   TCP desegmentation, columns, packet-scoped strings ([`PStr`]), expert items,
//!   conversations, the hand-off of relayed data to other dissectors;
//! * [`Tree`] and [`Item`] — the protocol tree;
//! * [`fields`] — header fields ([`Hf`]) and subtrees ([`Ett`]), registered from a
//!   description; [`expert`] — expert items registered from [`crate::expert::TABLE`];
//! * [`uat`] — the credentials table; [`plugin`] — registration, hand-off and the entry
//!   points Wireshark calls.
//!
//! # The longjmp hazard, handled here once
//!
//! Wireshark reports errors by throwing: `longjmp` out of the epan function that failed,
//! past every Rust frame between it and the `TRY` that catches it. Rust frames skipped that
//! way run no destructors, and unwinding Rust panics into C is undefined. So:
//!
//! 1. **No epan call here can throw for our arguments.** Every [`Tvb`] knows its captured
//!    length; every tree call checks `offset + length` against it before calling epan and
//!    adds nothing (returns [`Item::NONE`]) when the range does not fit. `tvb_get_ptr` is
//!    called once per tvb, for its whole captured length.
//! 2. **Other dissectors may throw** (they do, on bad relayed data): they are only ever
//!    called through the C shim's `msstun_call_relayed`, which catches every exception in C
//!    (`TRY`/`CATCH_NONFATAL_ERRORS`) and shows it, as Wireshark does. Nothing with a
//!    destructor is needed across that call (the callers hold only `Copy` values).
//! 3. **Panics never reach C.** Each entry point ([`plugin`]) runs the safe dissector inside
//!    `catch_unwind`; a panic becomes an `msstun.expert.internal_error` item on the packet.
//!
//! Lifetimes: `'p` is one dissection call. Wireshark keeps `tvb`, `pinfo`, the tree and
//! packet-scoped memory alive until the packet is done, so everything borrowed for `'p`
//! (the bytes of a [`Tvb`], a [`PStr`]) is valid for the whole call.
#![allow(unsafe_code)]

pub mod expert;
mod ffi;
pub mod fields;
mod packet;
pub mod plugin;
pub mod tap;
mod tree;
pub mod uat;

pub use fields::{Ett, Hf};
pub use packet::{Encoding, PStr, Packet, TextBuf, Tvb};
pub use tree::{Item, Tree};
