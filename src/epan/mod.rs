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
//!   points Wireshark calls, trampolines to the safe callbacks of [`plugin::Entries`];
//! * [`ports`] — the port tables and port preferences of the port policy
//!   ([`crate::plugin::ports`]).
//!
//! # The longjmp hazard, handled here once
//!
//! Wireshark reports errors by throwing: `longjmp` out of the epan function that failed
//! (on Windows, built with MSVC, an SEH unwind), past every Rust frame between it and the
//! `TRY` that catches it. Rust frames skipped that way run no destructors, and unwinding
//! across them is undefined behaviour. So:
//!
//! 1. **No epan call made from Rust can throw for our arguments.** Each one is made unable to
//!    throw by a check of the safe layer, per call in the table below.
//! 2. **Other dissectors may throw** (they do, on bad relayed data): they are only ever
//!    called through the C shim's `msstun_call_relayed`, which catches every exception in C
//!    (`TRY`/`CATCH_NONFATAL_ERRORS`) and shows it, as Wireshark does. Nothing with a
//!    destructor is needed across that call (the callers hold only `Copy` values).
//! 3. **Panics never reach C.** Each entry point ([`plugin`], the tap callbacks of [`tap`])
//!    runs the safe code inside `catch_unwind`; in a dissector a panic becomes an
//!    `msstun.expert.internal_error` item on the packet.
//!
//! | epan call (from Rust) | throws when | why it cannot for msstun |
//! |---|---|---|
//! | `proto_tree_add_item`, `_uint`, `_uint_format_value`, `_uint64`, `_boolean`, `_ipv4`, `_ipv6`, `_string`, `_none_format`, `_subtree_format`; `proto_tree_add_time` (shim `msstun_add_reltime`) | range outside the tvb (`BoundsError`/`ReportedBoundsError`); field of another type, or an integer/address read over a length it cannot have (dissector bug); more than `gui.max_tree_items` items in the tree, or a first child deeper than `gui.max_tree_depth` (`DissectorError`) | [`Tree`] checks, before the call, the range against the captured length ([`Tvb::fits`]), the field's registered kind and length (`typed`, `item_len_ok` in `tree.rs`), and the tree's room (shim `msstun_tree_room`); otherwise it adds nothing ([`Item::NONE`]) |
//! | `proto_item_add_subtree` | unregistered ett (assertion) | [`Item::subtree`] only with a registered [`Ett`] (id ≥ 0) |
//! | `expert_add_info_format` | unregistered expert field (assertion); its items (up to 5, two levels under the item) past the tree limits | only fields registered by [`expert::register`]; without room (`msstun_tree_room(item, 5, 2)`) the expert info is recorded with no item |
//! | `proto_item_append_text`, `msstun_set_generated`, `msstun_set_hidden`, `msstun_tree_visible` | never (NULL-safe, no allocation that throws) | — |
//! | `tvb_captured_length`, `tvb_reported_length` | never | — |
//! | `tvb_get_ptr(tvb, 0, captured)` | range past the captured bytes | called once per tvb for exactly its captured length |
//! | `tvb_new_subset_length` | offset or length past the backing tvb | [`Tvb::subset`] checks both first |
//! | `col_set_str`, `col_append_sep_str` | never (NULL `cinfo` is allowed) | — |
//! | `wmem_alloc`, `wmem_strndup` | never (out of memory aborts) | — |
//! | fields `setup_frame`, `last_frame`, `conv_index` of a kept `conversation_t` ([`Packet::kept_conversation`]) | never (plain reads) | only conversations `msstun_conv_find` returned in this capture file: the init/cleanup routines forget them |
//! | `have_tap_listener`, shim `msstun_tap_queue` (`tap_queue_packet`), `msstun_tap_id`, `msstun_addresses`, `msstun_abs_ts`, `msstun_visited`, `msstun_relaying`, `msstun_pref_*`, `msstun_cred_*` | never | plain reads of `packet_info`, conversations and preferences |
//! | shim `msstun_flow_queue` (`tap_queue_packet`), `msstun_flow_tap_id` | never | a packet-scoped record of two packet-scoped strings |
//! | shim `msstun_st_tick` (`tick_stat_node`, from the stats-tree callbacks) | never | — |
//! | shim `msstun_conv_find`, `msstun_claim_conversation` (`find_or_create_conversation`, `conversation_set_dissector`) | never for a packet with addresses (assertions on a conversation without them) | called from a dissector of TCP/UDP payloads, whose packets always have them |
//! | shim `msstun_call_relayed` (`call_dissector_only`, `dissector_try_heuristic`, `call_data_dissector`) | whatever the called dissector throws | inside the shim's `TRY`/`CATCH_NONFATAL_ERRORS`; shown with `show_exception` |
//! | shim `msstun_port_get`, `msstun_port_set`, `msstun_port_delete` (`dissector_get_uint_handle`, `dissector_add_uint`, `dissector_delete_uint` on `tcp.port`/`udp.port`), `msstun_find_dissector`, `msstun_pref_ports`, `msstun_pref_take_ports`, `msstun_protocol_enabled`, `dissector_add_for_decode_as` | never (a missing table or handle is skipped; the handles are registered ones) | called from hand-off, the preferences' apply callback and the init routine, outside any dissection |
//! | the shim's hop (`dissect_hop`: `call_dissector_only`, `conversation_set_dissector`) | whatever the called dissector (TLS, msstun) throws | C calls C: no Rust frame is between; the route it asks Rust for (`epan::ports`) throws nothing and catches panics |
//! | `proto_register_*`, `expert_register_*`, `register_*`, `heur_dissector_add`, `dissector_add_*`, shim `msstun_register_*` (`msstun_register_hop`: `create_dissector_handle_with_name_and_description`), `msstun_add_heuristics`, `proto_registrar_get_nth` | at registration only, on a duplicate or malformed registration: no `TRY` is active then, so Wireshark aborts (nothing unwinds) | the registrations are fixed and checked by the integration suite on every version |
//!
//! `tests/ffi_safety.rs` sets `gui.max_tree_items`/`gui.max_tree_depth` low and checks that
//! no throw out of msstun's tree calls is reported. Code added to this module must extend
//! the table. Besides: C bitfields are read in the shim only (`build.rs` makes their types
//! opaque and fails if a bitfield accessor reaches the bindings); Wireshark's data symbols
//! (`prefs`) are read in C only, where the headers' `WS_DLL_PUBLIC` imports them the Windows
//! way (`dllimport`); and no C stdio is used (text goes out through GLib's `g_print`, whose C
//! runtime is Wireshark's, see `wireshark-include/stats.c`).
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
pub mod ports;
pub mod seq;
pub mod stat_table;
pub mod tap;
mod tree;
pub mod uat;

pub use fields::{Ett, Hf, RefGroup};
pub use packet::{Encoding, PStr, Packet, RawEnd, TextBuf, Tvb, CONV_SLOTS};
pub use tree::{Item, Tree};
