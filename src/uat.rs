//! The `msstun_credentials` UAT (username, realm, password), read through the shim.
//! Passwords are only used to compute keys; they never reach the tree.

use std::ffi::{c_char, CStr};

use msstun::check::Credentials;

use crate::ffi;

/// The UAT rows as [`Credentials`]: an empty realm (or `*`) matches any realm and
/// messages without REALM (short-term credentials).
#[derive(Debug, Clone, Copy, Default)]
pub struct UatCredentials;

fn row(i: u32) -> Option<(&'static str, &'static str, &'static [u8])> {
    let (mut u, mut r, mut p): (*const c_char, *const c_char, *const c_char) =
        (std::ptr::null(), std::ptr::null(), std::ptr::null());
    // SAFETY: the shim returns NUL-terminated strings owned by the UAT, valid until the
    // UAT is edited (never during a dissection).
    unsafe {
        if ffi::msstun_cred_get(i, &mut u, &mut r, &mut p) == 0 {
            return None;
        }
        Some((
            CStr::from_ptr(u).to_str().ok()?,
            CStr::from_ptr(r).to_str().ok()?,
            CStr::from_ptr(p).to_bytes(),
        ))
    }
}

/// Number of rows.
pub fn count() -> u32 {
    // SAFETY: plain read of the UAT's row count.
    unsafe { ffi::msstun_cred_count() }
}

impl Credentials for UatCredentials {
    fn password(&self, username: &str, realm: Option<&str>) -> Option<&[u8]> {
        let n = count();
        let rows = (0..n).filter_map(row);
        let mut any = None;
        for (u, r, p) in rows {
            if u != username {
                continue;
            }
            if realm.is_some_and(|m| m == r) {
                return Some(p);
            }
            if any.is_none() && (r.is_empty() || r == "*") {
                any = Some(p);
            }
        }
        any
    }
}
