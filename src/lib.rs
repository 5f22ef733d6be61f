//! msstun.so: a Wireshark dissector plugin for STUN/TURN, legacy [MS-TURN],
//! [MS-ICE2], [MS-TURNBWM] and RFC 6062 TCP TURN, on the shared `msstun` parser.
//!
//! Entry points Wireshark looks up: `plugin_version`, `plugin_want_major`,
//! `plugin_want_minor`, `plugin_register` (and `plugin_describe` from 4.2).
#![allow(clippy::missing_safety_doc)]

pub mod conv;
pub mod dissect;
pub mod expert;
pub mod ffi;
pub mod fields;
pub mod info;
pub mod register;
pub mod tables;
pub mod tap;
pub mod uat;

use std::ffi::c_int;

/// The version string Wireshark shows: plugin version and the Wireshark it targets.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (built for Wireshark ",
    env!("MSSTUN_WS_VERSION"),
    ")"
);

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
pub static plugin_version: [u8; VERSION.len() + 1] = nul_terminated(VERSION);

/// Wireshark major version this plugin was built against.
#[no_mangle]
#[used]
pub static plugin_want_major: c_int = parse_int(env!("MSSTUN_WS_MAJOR"));

/// Wireshark minor version this plugin was built against.
#[no_mangle]
#[used]
pub static plugin_want_minor: c_int = parse_int(env!("MSSTUN_WS_MINOR"));

static PLUGIN: ffi::proto_plugin = ffi::proto_plugin {
    register_protoinfo: Some(register::register_protoinfo),
    register_handoff: Some(register::register_handoff),
};

/// Called by Wireshark when it loads the plugin.
#[no_mangle]
pub extern "C" fn plugin_register() {
    // SAFETY: PLUGIN is a static; Wireshark keeps the pointer.
    let _ = std::panic::catch_unwind(|| unsafe { ffi::proto_register_plugin(&PLUGIN) });
}

/// What kind of plugin this is (Wireshark 4.2+): a dissector.
#[cfg(ws_ge_4_2)]
#[no_mangle]
pub extern "C" fn plugin_describe() -> u32 {
    1 // WS_PLUGIN_DESC_DISSECTOR
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
}
