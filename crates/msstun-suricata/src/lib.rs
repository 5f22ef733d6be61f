//! msstun inside Suricata 8: an application-layer plugin for STUN/TURN, [MS-TURN],
//! [MS-ICE2] and RFC 6062 over UDP and TCP, on the msstun parser.
//!
//! * [`state`]: the flow parser and its transactions (no Suricata types: tested and
//!   fuzzed without Suricata);
//! * [`eve`]: a transaction's `eve.json` object through the event schema (`msstun-event`);
//! * [`keywords`]: the detection keywords' values;
//! * `ffi` (feature `plugin`, the default): `SCPluginRegister` and the callbacks Suricata
//!   calls — registration, probing, parsing, transactions, logging, keywords.
//!
//! See the README ("Many sensors") for suricata.yaml and the events.

#![warn(missing_docs)]

pub mod eve;
pub mod keywords;
pub mod state;

#[cfg(feature = "plugin")]
mod ffi;
