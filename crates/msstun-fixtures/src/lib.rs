//! # msstun-fixtures — deterministic captures for msstun's tests, examples and benchmarks
//!
//! [`scenarios::build`] returns a [`scenarios::Fixture`]: pcapng bytes (Ethernet/IPv4/TCP/UDP
//! written with `etherparse` and `pcap-file`) plus labels naming the frames tests assert on.
//! The STUN bytes come from the parser crate's encoder ([`msstun::build`]), with attribute
//! and method codes looked up in its registry by name ([`stun`]).
//! The same generator backs `examples/seed-tcp-turn.pcapng`, the plugin's integration tests
//! and `packaging/bench-tshark.sh` (through the `msstun-fixtures` binary).
#![warn(missing_docs)]

pub mod capture;
pub mod clients;
pub mod followups;
pub mod media;
pub mod mutate;
pub mod ports;
pub mod scale;
pub mod scenarios;
pub mod stun;

pub use scenarios::{build, Fixture, SCENARIOS};
